//! Scoring many appraisees at once: peer averages for items that do not apply,
//! and ranking within groups. The result does not depend on row order.

use crate::engine::{Engine, Frame, NoTrace, Recorder, RowError, Target, Tracer};
use crate::input::Row;
use crate::model::NaPolicy;
use crate::msg;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The scores of a batch, in row order.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Values per row: items, sections, total, pay (see [`Batch::width`]).
    pub out: Vec<Decimal>,
    /// Per row and item: the item did not apply.
    pub na: Vec<bool>,
    pub grade: Vec<Option<u16>>,
    /// Rank within the row's group (1 = best), ties sharing a rank.
    pub rank: Vec<Option<u32>>,
    /// Size of the row's group.
    pub group_size: Vec<u32>,
    /// Selected by the ranking's `top`.
    pub selected: Vec<bool>,
    /// Rows that could not be scored.
    pub errors: Vec<(usize, RowError)>,
    /// Peer averages per group, per item.
    pub peers: HashMap<String, Vec<Option<Decimal>>>,
    n_items: usize,
    n_sections: usize,
    n_pay: usize,
}

impl Batch {
    /// Values stored per row.
    pub fn width(&self) -> usize {
        self.n_items + self.n_sections + 1 + self.n_pay
    }
    fn row(&self, r: usize) -> &[Decimal] {
        let w = self.width();
        &self.out[r * w..(r + 1) * w]
    }
    /// Item `i` of row `r`.
    pub fn item(&self, r: usize, i: usize) -> Decimal {
        self.row(r)[i]
    }
    /// Section `s` of row `r`.
    pub fn section(&self, r: usize, s: usize) -> Decimal {
        self.row(r)[self.n_items + s]
    }
    /// Total of row `r`.
    pub fn total(&self, r: usize) -> Decimal {
        self.row(r)[self.n_items + self.n_sections]
    }
    /// Pay line `p` of row `r`.
    pub fn pay(&self, r: usize, p: usize) -> Decimal {
        self.row(r)[self.n_items + self.n_sections + 1 + p]
    }
    /// Did row `r` fail?
    pub fn failed(&self, r: usize) -> Option<&RowError> {
        self.errors.iter().find(|(i, _)| *i == r).map(|(_, e)| e)
    }
}

fn group_of(row: &Row) -> &str {
    row.group.as_deref().unwrap_or("")
}

const CHUNK: usize = 4096;

struct ChunkOut {
    out: Vec<Decimal>,
    na: Vec<bool>,
    grade: Vec<Option<u16>>,
    by: Vec<Option<Decimal>>,
    errs: Vec<(usize, RowError)>,
}

/// Score every row. Rows with bad data are listed in `errors` and left out of averages and ranks.
pub fn score_batch(engine: &Engine, rows: &[Row]) -> Batch {
    let t = engine.t;
    let (ni, ns, np) = (t.items.len(), t.sections.len(), t.pay.len());
    let w = ni + ns + 1 + np;
    let n = rows.len();
    let mut b = Batch {
        out: vec![Decimal::ZERO; n * w],
        na: vec![false; n * ni],
        grade: vec![None; n],
        rank: vec![None; n],
        group_size: vec![0; n],
        selected: vec![false; n],
        errors: Vec::new(),
        peers: HashMap::new(),
        n_items: ni,
        n_sections: ns,
        n_pay: np,
    };
    let mut by: Vec<Option<Decimal>> = vec![None; n];
    let l = t.layout;
    let copy_out = |f: &Frame, out: &mut [Decimal]| {
        out[..ni].copy_from_slice(&f.v[l.items as usize..l.items as usize + ni]);
        out[ni..ni + ns].copy_from_slice(&f.v[l.sections as usize..l.sections as usize + ns]);
        out[ni + ns] = f.v[l.total as usize];
        out[ni + ns + 1..].copy_from_slice(&f.v[l.pay as usize..l.pay as usize + np]);
    };
    let rank_by = |f: &Frame| {
        t.ranking
            .as_ref()
            .map(|r| r.by.expr.eval(&f.v).unwrap_or(Decimal::ZERO))
    };

    // The ranking reads only results (or there is none): the frame's inputs and metrics
    // are not needed, and rows can take the fast lane.
    let outputs_only = t.ranking.as_ref().is_none_or(|r| {
        let mut slots = Vec::new();
        r.by.expr.slots(&mut slots);
        slots.iter().all(|&s| s >= l.items)
    });
    if !t.needs_peers {
        // One pass; chunks run in parallel when the `parallel` feature is on.
        let score_chunk = |ci: usize| -> ChunkOut {
            let start = ci * CHUNK;
            let end = (start + CHUNK).min(n);
            let mut c = ChunkOut {
                out: vec![Decimal::ZERO; (end - start) * w],
                na: vec![false; (end - start) * ni],
                grade: vec![None; end - start],
                by: vec![None; end - start],
                errs: Vec::new(),
            };
            let mut f = Frame::new(t);
            for (k, row) in rows[start..end].iter().enumerate() {
                let scored = if outputs_only {
                    engine.score_outputs(&row.values, &mut f, &[])
                } else {
                    engine.score(&row.values, &mut f, &[], &mut NoTrace)
                };
                match scored {
                    Ok(()) => {
                        copy_out(&f, &mut c.out[k * w..(k + 1) * w]);
                        for i in 0..ni {
                            c.na[k * ni + i] = f.na[l.items as usize + i];
                        }
                        c.grade[k] = f.grade.map(|g| g as u16);
                        c.by[k] = rank_by(&f);
                    }
                    Err(e) => c.errs.push((start + k, e)),
                }
            }
            c
        };
        let n_chunks = n.div_ceil(CHUNK);
        #[cfg(feature = "parallel")]
        let chunks: Vec<ChunkOut> = {
            use rayon::prelude::*;
            (0..n_chunks).into_par_iter().map(score_chunk).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let chunks: Vec<ChunkOut> = (0..n_chunks).map(score_chunk).collect();
        for (ci, c) in chunks.into_iter().enumerate() {
            let start = ci * CHUNK;
            let len = c.grade.len();
            b.out[start * w..(start + len) * w].copy_from_slice(&c.out);
            b.na[start * ni..(start + len) * ni].copy_from_slice(&c.na);
            b.grade[start..start + len].copy_from_slice(&c.grade);
            by[start..start + len].copy_from_slice(&c.by);
            b.errors.extend(c.errs);
        }
    } else {
        // Two passes: items first, then peer averages, then the rest.
        let mut frames: Vec<Option<Frame>> = Vec::with_capacity(n);
        for (r, row) in rows.iter().enumerate() {
            let mut f = Frame::new(t);
            match engine.stage_items(&row.values, &mut f, &mut NoTrace) {
                Ok(()) => frames.push(Some(f)),
                Err(e) => {
                    b.errors.push((r, e));
                    frames.push(None);
                }
            }
        }
        b.peers = peer_averages(engine, rows, &frames);
        for (r, fr) in frames.iter_mut().enumerate() {
            let Some(f) = fr else { continue };
            let peers = b
                .peers
                .get(group_of(&rows[r]))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            match engine.stage_totals(f, peers, &mut NoTrace) {
                Ok(()) => {
                    copy_out(f, &mut b.out[r * w..(r + 1) * w]);
                    for i in 0..ni {
                        b.na[r * ni + i] = f.na[l.items as usize + i];
                    }
                    b.grade[r] = f.grade.map(|g| g as u16);
                    by[r] = rank_by(f);
                }
                Err(e) => b.errors.push((r, e)),
            }
        }
        b.errors.sort_by_key(|(r, _)| *r);
    }

    // Ranking within groups: competition ranking (1, 1, 3), order-independent.
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (r, row) in rows.iter().enumerate() {
        if b.errors.binary_search_by_key(&r, |(i, _)| *i).is_err() {
            groups.entry(group_of(row)).or_default().push(r);
        }
    }
    if let Some(rk) = &t.ranking {
        for members in groups.values_mut() {
            members.sort_by(|&x, &y| {
                let (a, c) = (by[x].unwrap_or_default(), by[y].unwrap_or_default());
                if rk.descending { c.cmp(&a) } else { a.cmp(&c) }
            });
            let size = members.len() as u32;
            let mut prev: Option<Decimal> = None;
            let mut rank = 0u32;
            for (pos, &r) in members.iter().enumerate() {
                if prev != by[r] {
                    rank = pos as u32 + 1;
                    prev = by[r];
                }
                b.rank[r] = Some(rank);
                b.group_size[r] = size;
                b.selected[r] = rk.top.is_some_and(|top| rank <= top);
            }
        }
    } else {
        for members in groups.values() {
            for &r in members {
                b.group_size[r] = members.len() as u32;
            }
        }
    }
    b
}

/// Average item score per group over the rows where the item applies.
fn peer_averages(
    engine: &Engine,
    rows: &[Row],
    frames: &[Option<Frame>],
) -> HashMap<String, Vec<Option<Decimal>>> {
    let t = engine.t;
    let l = t.layout;
    // Per group and item: the sum (`None` once beyond `Decimal`'s range) and the count.
    let mut acc: HashMap<String, Vec<(Option<Decimal>, u32)>> = HashMap::new();
    let peer = |f: &Frame, k: usize| {
        (t.items[k].na == NaPolicy::PeerAverage && !f.na[l.items as usize + k])
            .then(|| f.v[l.items as usize + k])
    };
    for (r, f) in frames.iter().enumerate() {
        let Some(f) = f else { continue };
        let e = acc
            .entry(group_of(&rows[r]).to_string())
            .or_insert_with(|| vec![(Some(Decimal::ZERO), 0); t.items.len()]);
        for (k, e) in e.iter_mut().enumerate() {
            if let Some(x) = peer(f, k) {
                e.0 = e.0.and_then(|s| s.checked_add(x));
                e.1 += 1;
            }
        }
    }
    acc.into_iter()
        .map(|(g, v)| {
            let avg = v
                .into_iter()
                .enumerate()
                .map(|(k, (s, c))| {
                    let n = Decimal::from(c);
                    match s {
                        _ if c == 0 => None,
                        Some(s) => s.checked_div(n),
                        // Scores too large to add up: the mean of the shares, which fits.
                        None => frames
                            .iter()
                            .enumerate()
                            .filter_map(|(r, f)| f.as_ref().filter(|_| group_of(&rows[r]) == g))
                            .filter_map(|f| peer(f, k))
                            .try_fold(Decimal::ZERO, |a, x| a.checked_add(x.checked_div(n)?)),
                    }
                })
                .collect();
            (g, avg)
        })
        .collect()
}

/// The explanation of one row of a scored batch.
pub fn explain_row(
    engine: &Engine,
    batch: &Batch,
    rows: &[Row],
    r: usize,
) -> Result<(Frame, Recorder), RowError> {
    let t = engine.t;
    let mut f = Frame::new(t);
    let mut rec = Recorder::default();
    let peers = batch
        .peers
        .get(group_of(&rows[r]))
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    engine.score(&rows[r].values, &mut f, peers, &mut rec)?;
    if let (Some(rank), Some(rk)) = (batch.rank[r], &t.ranking) {
        let group = rows[r].group.clone();
        rec.line(
            Target::Rank,
            msg!(
                "ex-rank",
                group = group.clone().unwrap_or_else(|| "全部".into()),
                size = batch.group_size[r],
                rank = rank
            )
            .en_arg("group", group.unwrap_or_else(|| "all".into())),
        );
        if batch.selected[r]
            && let Some(title) = &rk.title
        {
            rec.line(
                Target::Rank,
                msg!("ex-selected", title = title.clone()).en_arg(
                    "title",
                    rk.title_en.clone().unwrap_or_else(|| title.clone()),
                ),
            );
        }
    }
    Ok((f, rec))
}
