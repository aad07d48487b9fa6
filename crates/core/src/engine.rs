//! Scoring: one appraisee's inputs in, item/section/total/grade/pay out.
//!
//! The same code computes with and without an explanation: it is generic over a
//! [`Tracer`], and the no-op tracer compiles away, so the hot path builds no text.

use crate::i18n::Msg;
use crate::model::*;
use crate::msg;
use crate::num::{self, fmt, fmt_short, round_half_up};
use rust_decimal::Decimal;

/// One input cell, understood.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Val {
    /// Left empty: the input's default (or 0).
    #[default]
    Empty,
    /// 不适用 / N/A.
    Na,
    /// A number (a choice is stored as its position).
    Num(Decimal),
    /// Criteria met, as bits (criterion 1 = bit 0).
    Set(u32),
    /// Free text.
    Text(Box<str>),
}

impl Val {
    fn num(&self) -> Option<Decimal> {
        match self {
            Val::Num(d) => Some(*d),
            _ => None,
        }
    }
}

/// Where an explanation line belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Metric(usize),
    Item(usize),
    Section(usize),
    Total,
    Grade,
    Pay(usize),
    Rank,
}

/// Receives explanation lines; [`NoTrace`] ignores them at no cost.
pub trait Tracer {
    /// Whether lines are wanted at all (lets the compiler drop their construction).
    const ON: bool;
    /// One line.
    fn line(&mut self, target: Target, msg: Msg);
}

/// Scores without explaining.
pub struct NoTrace;
impl Tracer for NoTrace {
    const ON: bool = false;
    #[inline(always)]
    fn line(&mut self, _: Target, _: Msg) {}
}

/// Collects the explanation.
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    pub lines: Vec<(Target, Msg)>,
}
impl Tracer for Recorder {
    const ON: bool = true;
    fn line(&mut self, target: Target, msg: Msg) {
        self.lines.push((target, msg));
    }
}

/// Something wrong with one appraisee's data, found while scoring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The input column at fault, if one is.
    pub column: Option<String>,
    /// What is wrong.
    pub msg: Msg,
}

/// The working values of one appraisee: every slot of the template's layout.
#[derive(Debug, Clone)]
pub struct Frame {
    pub v: Vec<Decimal>,
    /// 不适用 per slot (inputs, metrics, items).
    pub na: Vec<bool>,
    pub grade: Option<usize>,
    /// Per item: the score of each rater, in the item's rater order.
    pub rater_scores: Vec<Vec<Decimal>>,
    /// Some slot of the current row is 不适用 (otherwise `na` is all false).
    pub any_na: bool,
    /// The fast lane's working values (see [`Engine::score_outputs`]).
    pub(crate) fx: crate::fast::Regs,
}

impl Frame {
    /// A frame sized for `t`.
    pub fn new(t: &Template) -> Frame {
        Frame {
            v: vec![Decimal::ZERO; t.layout.len as usize],
            na: vec![false; t.layout.len as usize],
            grade: None,
            rater_scores: t
                .items
                .iter()
                .map(|i| vec![Decimal::ZERO; i.raters.len()])
                .collect(),
            any_na: false,
            fx: crate::fast::Regs::default(),
        }
    }
    /// An item's score.
    pub fn item(&self, t: &Template, i: usize) -> Decimal {
        self.v[t.layout.items as usize + i]
    }
    /// Does item `i` not apply?
    pub fn item_na(&self, t: &Template, i: usize) -> bool {
        self.na[t.layout.items as usize + i]
    }
    /// A section's score.
    pub fn section(&self, t: &Template, i: usize) -> Decimal {
        self.v[t.layout.sections as usize + i]
    }
    /// The total.
    pub fn total(&self, t: &Template) -> Decimal {
        self.v[t.layout.total as usize]
    }
    /// A pay line.
    pub fn pay(&self, t: &Template, i: usize) -> Decimal {
        self.v[t.layout.pay as usize + i]
    }
}

/// A template ready to score, with the cycle's parameter values.
#[derive(Debug, Clone)]
pub struct Engine<'t> {
    pub t: &'t Template,
    params: Vec<Decimal>,
    /// The template ready for the exact-integer lane, when it is on ([`crate::fast`]).
    plan: Option<std::sync::Arc<crate::fast::Plan>>,
}

fn eval_err(e: crate::formula::EvalError, f: &Formula, what: &str) -> RowError {
    RowError {
        column: None,
        msg: match e {
            crate::formula::EvalError::DivByZero => {
                msg!("err-div-zero", what = what, formula = f.text.clone())
            }
            crate::formula::EvalError::Overflow => {
                msg!("err-overflow", what = what, formula = f.text.clone())
            }
        },
    }
}

/// A number beyond `Decimal`'s 28 digits while computing `what` (an item, a section, the
/// total), pointing at the input `column` when one is to blame.
#[cold]
#[inline(never)]
fn too_big(what: &str, column: Option<&str>) -> RowError {
    RowError {
        column: column.map(str::to_string),
        msg: msg!("err-too-big", what = what),
    }
}

/// `a × b`, or the row error naming `what`.
#[inline]
fn mul_or(a: Decimal, b: Decimal, what: &str) -> Result<Decimal, RowError> {
    num::checked_mul(a, b).ok_or_else(|| too_big(what, None))
}

/// `a + b`, or the row error naming `what`.
#[inline]
fn add_or(a: Decimal, b: Decimal, what: &str) -> Result<Decimal, RowError> {
    num::checked_add(a, b).ok_or_else(|| too_big(what, None))
}

/// `a − b`, or the row error naming `what`.
#[inline]
fn sub_or(a: Decimal, b: Decimal, what: &str) -> Result<Decimal, RowError> {
    num::checked_sub(a, b).ok_or_else(|| too_big(what, None))
}

/// `a ÷ b` (b ≠ 0), or the row error naming `what`.
#[inline]
fn div_or(a: Decimal, b: Decimal, what: &str) -> Result<Decimal, RowError> {
    a.checked_div(b).ok_or_else(|| too_big(what, None))
}

impl<'t> Engine<'t> {
    /// An engine with the template's default parameters.
    pub fn new(t: &'t Template) -> Self {
        Engine {
            t,
            params: t.params.iter().map(|p| p.default).collect(),
            plan: crate::fast::Plan::new(t).map(std::sync::Arc::new),
        }
    }

    /// Set a parameter for the whole cycle.
    pub fn set_param(&mut self, id: &str, v: Decimal) -> Result<(), Msg> {
        let Some(i) = self.t.params.iter().position(|p| p.id == id) else {
            let known: Vec<_> = self.t.params.iter().map(|p| p.id.as_str()).collect();
            return Err(msg!(
                "err-unknown-param",
                id = id,
                known = if known.is_empty() {
                    "-".to_string()
                } else {
                    known.join(", ")
                }
            ));
        };
        let p = &self.t.params[i];
        if p.min.is_some_and(|m| v < m) || p.max.is_some_and(|m| v > m) {
            return Err(msg!(
                "err-param-range",
                id = id,
                value = fmt(v),
                min = p.min.map_or("-∞".into(), fmt),
                max = p.max.map_or("+∞".into(), fmt)
            ));
        }
        self.params[i] = v;
        Ok(())
    }

    /// The cycle value of parameter `i`.
    pub fn param(&self, i: usize) -> Decimal {
        self.params[i]
    }

    /// Score one appraisee completely (peer averages, if any, taken from `peers`).
    #[inline]
    pub fn score<T: Tracer>(
        &self,
        row: &[Val],
        frame: &mut Frame,
        peers: &[Option<Decimal>],
        tr: &mut T,
    ) -> Result<(), RowError> {
        self.stage_items(row, frame, tr)?;
        self.stage_totals(frame, peers, tr)
    }

    /// Score one appraisee for the results only: items, sections, total, grade and pay,
    /// exactly as [`Engine::score`] computes them, but without explanations and without
    /// filling the frame's inputs, parameters and metrics (they are left unspecified).
    ///
    /// Rows are tried first in the exact-integer lane ([`crate::fast`], on unless
    /// [`Engine::use_fast_lane`] turned it off); a row the lane cannot prove it computes identically (不适用,
    /// several raters, an error in the row, numbers beyond 18 digits) goes through
    /// [`Engine::score`], so the results and errors are the same either way.
    #[inline]
    pub fn score_outputs(
        &self,
        row: &[Val],
        frame: &mut Frame,
        peers: &[Option<Decimal>],
    ) -> Result<(), RowError> {
        if let Some(plan) = &self.plan
            && crate::fast::score(plan, &self.params, row, frame).is_ok()
        {
            return Ok(());
        }
        self.score(row, frame, peers, &mut NoTrace)
    }

    /// Turn the exact-integer lane on or off for [`Engine::score_outputs`]; returns
    /// whether it is on (a template with several raters on an item cannot use it).
    ///
    /// On by default: the lane gives the interpreter's numbers, about 1.3× as fast on F01
    /// (`kaohe bench engine` measures both).
    pub fn use_fast_lane(&mut self, on: bool) -> bool {
        self.plan = on
            .then(|| crate::fast::Plan::new(self.t))
            .flatten()
            .map(std::sync::Arc::new);
        self.plan.is_some()
    }

    /// Whether [`Engine::score_outputs`] tries the exact-integer lane.
    pub fn has_fast_lane(&self) -> bool {
        self.plan.is_some()
    }

    /// Score a row in the exact-integer lane only: `false` where it declines.
    #[cfg(test)]
    pub(crate) fn lane_only(&self, row: &[Val], frame: &mut Frame) -> bool {
        let Some(plan) = &self.plan else { return false };
        crate::fast::score(plan, &self.params, row, frame).is_ok()
    }

    /// Inputs, parameters, metrics and items.
    pub fn stage_items<T: Tracer>(
        &self,
        row: &[Val],
        f: &mut Frame,
        tr: &mut T,
    ) -> Result<(), RowError> {
        let t = self.t;
        let l = t.layout;
        // Inputs.
        if f.any_na {
            f.na.iter_mut().for_each(|x| *x = false);
            f.any_na = false;
        }
        let inputs = f.v[..t.inputs.len()].iter_mut().zip(&t.inputs);
        for (i, (v, inp)) in inputs.enumerate() {
            *v = match row.get(i) {
                Some(Val::Num(d)) => *d,
                Some(Val::Na) => {
                    f.na[i] = true;
                    f.any_na = true;
                    Decimal::ZERO
                }
                Some(Val::Set(s)) => Decimal::from(s.count_ones()),
                _ => inp.default.unwrap_or(Decimal::ZERO),
            };
        }
        // Parameters: a row value overrides the cycle's.
        for (i, p) in self.params.iter().enumerate() {
            let s = l.params as usize + i;
            f.v[s] = row.get(s).and_then(Val::num).unwrap_or(*p);
        }
        // Metrics.
        for (k, m) in t.metrics.iter().enumerate() {
            let s = m.slot as usize;
            if f.any_na && m.reads.iter().any(|&r| f.na[r as usize]) {
                f.na[s] = true;
                f.v[s] = Decimal::ZERO;
                continue;
            }
            f.v[s] = m
                .formula
                .expr
                .eval(&f.v)
                .map_err(|e| eval_err(e, &m.formula, &m.name))?;
            if T::ON {
                let _ = k;
                let idx = (m.slot - l.metrics) as usize;
                tr.line(
                    Target::Metric(idx),
                    msg!(
                        "ex-metric",
                        name = m.name.clone(),
                        formula = self.words(&m.formula, false),
                        arithmetic = self.arith(&m.formula, f),
                        value = fmt_short(f.v[s]),
                        unit = m.unit.clone().unwrap_or_default()
                    )
                    .en_arg("name", m.name_en.clone().unwrap_or_else(|| m.name.clone()))
                    .en_arg("formula", self.words(&m.formula, true)),
                );
            }
        }
        // Items.
        for (k, item) in t.items.iter().enumerate() {
            let s = l.items as usize + k;
            let na = |rs: &[u32]| rs.iter().any(|&r| f.na[r as usize]);
            if f.any_na
                && (na(&item.reads)
                    || (!item.rater_reads.is_empty() && item.rater_reads.iter().all(|rr| na(rr))))
            {
                if item.na == NaPolicy::Forbidden {
                    let col = item
                        .reads
                        .iter()
                        .chain(item.rater_reads.iter().flatten())
                        .find(|&&r| f.na[r as usize] && (r as usize) < t.inputs.len())
                        .map(|&r| t.inputs[r as usize].id.clone());
                    return Err(RowError {
                        column: col,
                        msg: msg!("err-na-forbidden", item = item.name.clone()).en_arg(
                            "item",
                            item.name_en.clone().unwrap_or_else(|| item.name.clone()),
                        ),
                    });
                }
                f.na[s] = true;
                f.v[s] = Decimal::ZERO;
                continue;
            }
            f.v[s] = self.item(k, item, row, f, tr)?;
        }
        Ok(())
    }

    fn arith(&self, formula: &Formula, f: &Frame) -> String {
        let t = self.t;
        let mut slots = Vec::new();
        formula.expr.slots(&mut slots);
        // Map names to values through the compiled slots, in order of appearance.
        let names = formula.node.names();
        let lookup = |n: &str| -> Option<Decimal> {
            let i = names.iter().position(|(x, _)| *x == n)?;
            let _ = i;
            slot_by_name(t, n).map(|s| f.v[s as usize])
        };
        formula.node.render_with(&lookup)
    }

    /// A formula in the sheet's words: every name replaced by what the sheet calls it
    /// (`当月绩效奖金 = max(考核分数, 0) ÷ 100 × 月度绩效奖金`), in English where the template gives English
    /// names.
    fn words(&self, f: &Formula, en: bool) -> String {
        f.node.render_map(&|n| Some(self.name_of(n, en)))
    }

    /// What the sheet calls a name used in a formula.
    fn name_of(&self, n: &str, en: bool) -> String {
        let t = self.t;
        let pick = |zh: &String, e: &Option<String>| {
            if en {
                e.clone().unwrap_or_else(|| zh.clone())
            } else {
                zh.clone()
            }
        };
        if n == "total" {
            return if en { "the score" } else { "考核分数" }.to_string();
        }
        if let Some((_, name, name_en)) = t.input_for_name(n) {
            return pick(&name, &name_en);
        }
        if let Some(m) = t.metrics.iter().find(|m| m.id == n) {
            return pick(&m.name, &m.name_en);
        }
        if let Some(p) = t.params.iter().find(|p| p.id == n) {
            return pick(&p.name, &p.name_en);
        }
        if let Some(i) = t.items.iter().find(|i| i.id == n) {
            return pick(&i.name, &i.name_en);
        }
        if let Some(s) = t.sections.iter().find(|s| s.id == n) {
            return pick(&s.name, &s.name_en);
        }
        n.to_string()
    }

    /// A formula for people: a lone name shows as its display name, anything else as written.
    fn label(&self, f: &Formula) -> String {
        match &f.node {
            crate::formula::Node::Var(n, _) => match self.t.input_for_name(n) {
                Some((_, name, _)) => name,
                None => slot_by_name(self.t, n).map_or_else(|| n.clone(), |s| self.t.slot_name(s)),
            },
            _ => f.text.clone(),
        }
    }

    /// [`Self::label`] in English, where the template gives English names.
    fn label_en(&self, f: &Formula) -> String {
        let t = self.t;
        match &f.node {
            crate::formula::Node::Var(n, _) => {
                if let Some(m) = t.metrics.iter().find(|m| &m.id == n) {
                    return m.name_en.clone().unwrap_or_else(|| m.name.clone());
                }
                if let Some((_, name, name_en)) = t.input_for_name(n) {
                    return name_en.unwrap_or(name);
                }
                self.label(f)
            }
            _ => f.text.clone(),
        }
    }

    /// The unit of a measure that is a lone metric or input (e.g. `%`).
    fn unit(&self, f: &Formula) -> String {
        let crate::formula::Node::Var(n, _) = &f.node else {
            return String::new();
        };
        let t = self.t;
        if let Some(m) = t.metrics.iter().find(|m| &m.id == n) {
            return m.unit.clone().unwrap_or_default();
        }
        if let Some((i, _, _)) = t.input_for_name(n) {
            if i.kind == InputKind::Percent {
                return "%".into();
            }
            return i.unit.clone().unwrap_or_default();
        }
        String::new()
    }

    fn item<T: Tracer>(
        &self,
        k: usize,
        item: &Item,
        row: &[Val],
        f: &mut Frame,
        tr: &mut T,
    ) -> Result<Decimal, RowError> {
        let t = self.t;
        let tg = Target::Item(k);
        let mut score;
        if item.raters.is_empty() {
            let outcome = match &item.rules[0] {
                // Rules that only read a value, when nothing is explained: no call needed.
                Rule::Score { input, .. } if !T::ON => RuleOutcome::Score(f.v[*input as usize]),
                Rule::Events { start } if !T::ON => RuleOutcome::Score(*start),
                r => self.rule(k, item, r, row, f, tr)?,
            };
            match outcome {
                RuleOutcome::Score(x) => score = x,
                RuleOutcome::Zero => {
                    if T::ON {
                        tr.line(
                            tg,
                            msg!("ex-item-score", value = "0", points = fmt(item.points)),
                        );
                    }
                    return Ok(Decimal::ZERO);
                }
            }
        } else {
            let mut num = Decimal::ZERO;
            let mut den = Decimal::ZERO;
            let mut parts = Vec::new();
            let mut parts_en = Vec::new();
            for (j, &r) in item.raters.iter().enumerate() {
                if f.any_na && item.rater_reads[j].iter().any(|&x| f.na[x as usize]) {
                    if T::ON {
                        let rt = &t.raters[r];
                        tr.line(
                            tg,
                            msg!("ex-rater-absent", rater = rt.name.clone()).en_arg(
                                "rater",
                                rt.name_en.clone().unwrap_or_else(|| rt.name.clone()),
                            ),
                        );
                    }
                    continue;
                }
                if T::ON {
                    let rt = &t.raters[r];
                    tr.line(
                        tg,
                        msg!("ex-rater-head", rater = rt.name.clone()).en_arg(
                            "rater",
                            rt.name_en.clone().unwrap_or_else(|| rt.name.clone()),
                        ),
                    );
                }
                let rs = match self.rule(k, item, &item.rules[j], row, f, tr)? {
                    RuleOutcome::Score(x) => x,
                    RuleOutcome::Zero => Decimal::ZERO,
                };
                // Each rater's score is a score of the item: within its floor and cap.
                let limited = match (item.floor, item.max) {
                    (Some(lo), _) if rs < lo => lo,
                    (_, Some(hi)) if rs > hi => hi,
                    _ => rs,
                };
                if T::ON && limited != rs {
                    let key = if limited < rs { "ex-cap" } else { "ex-floor" };
                    let m = msg!(
                        "ex-cap",
                        raw = fmt_short(rs),
                        max = fmt(limited),
                        floor = fmt(limited)
                    );
                    tr.line(tg, crate::i18n::Msg { key, ..m });
                }
                let rs = limited;
                f.rater_scores[k][j] = rs;
                let w = t.raters[r].weight;
                if w > Decimal::ZERO {
                    num = add_or(num, mul_or(rs, w, &item.name)?, &item.name)?;
                    den = add_or(den, w, &item.name)?;
                }
                if T::ON {
                    let rt = &t.raters[r];
                    parts.push(format!("{} {} × {}", rt.name, fmt_short(rs), fmt(w)));
                    parts_en.push(format!(
                        "{} {} × {}",
                        rt.name_en.as_deref().unwrap_or(&rt.name),
                        fmt_short(rs),
                        fmt(w)
                    ));
                }
            }
            score = if den.is_zero() {
                Decimal::ZERO
            } else {
                div_or(num, den, &item.name)?
            };
            if T::ON {
                tr.line(
                    tg,
                    msg!(
                        "ex-raters",
                        parts = parts.join(" + "),
                        weights = fmt(den),
                        value = fmt_short(score)
                    )
                    .en_arg("parts", parts_en.join(" + ")),
                );
            }
        }
        // Events.
        for e in &item.events {
            let count = match (&e.when, e.count) {
                (Some(w), _) => {
                    let on = !w
                        .expr
                        .eval(&f.v)
                        .map_err(|x| eval_err(x, w, &e.name))?
                        .is_zero();
                    if T::ON && !on {
                        tr.line(
                            tg,
                            msg!(
                                "ex-event-when-no",
                                event = e.name.clone(),
                                cond = self.words(w, false),
                                arithmetic = self.arith(w, f)
                            )
                            .en_arg("event", e.name_en.clone().unwrap_or_else(|| e.name.clone()))
                            .en_arg("cond", self.words(w, true)),
                        );
                    }
                    if on { Decimal::ONE } else { Decimal::ZERO }
                }
                (None, Some(c)) => f.v[c as usize],
                (None, None) => match &e.count_formula {
                    Some(cf) => {
                        let c = cf.expr.eval(&f.v).map_err(|x| eval_err(x, cf, &e.name))?;
                        if c.is_sign_negative() || !c.fract().is_zero() {
                            return Err(RowError {
                                column: None,
                                msg: msg!(
                                    "err-event-count",
                                    event = e.name.clone(),
                                    formula = self.words(cf, false),
                                    value = fmt(c)
                                )
                                .en_arg(
                                    "event",
                                    e.name_en.clone().unwrap_or_else(|| e.name.clone()),
                                )
                                .en_arg("formula", self.words(cf, true)),
                            });
                        }
                        c
                    }
                    None => Decimal::ZERO,
                },
            };
            let mut amount = match &e.points {
                EventPoints::Fixed(_) if count.is_zero() => continue,
                EventPoints::Fixed(x) => num::checked_mul(count, *x).ok_or_else(|| {
                    too_big(
                        &item.name,
                        e.count.map(|c| t.inputs[c as usize].id.as_str()),
                    )
                })?,
                EventPoints::Range { lo, hi, picked } => {
                    let got = f.v[*picked as usize];
                    let (Some(min), Some(max)) = (count.checked_mul(*lo), count.checked_mul(*hi))
                    else {
                        return Err(too_big(
                            &item.name,
                            e.count.map(|c| t.inputs[c as usize].id.as_str()),
                        ));
                    };
                    if got < min || got > max {
                        return Err(RowError {
                            column: Some(t.inputs[*picked as usize].id.clone()),
                            msg: msg!(
                                "err-event-range",
                                event = e.name.clone(),
                                value = fmt(got),
                                count = fmt(count),
                                lo = fmt(*lo),
                                hi = fmt(*hi),
                                min = fmt(min),
                                max = fmt(max)
                            )
                            .en_arg("event", e.name_en.clone().unwrap_or_else(|| e.name.clone())),
                        });
                    }
                    got
                }
            };
            if count.is_zero() && amount.is_zero() {
                continue;
            }
            let raw = amount;
            if let Some(c) = e.cap {
                amount = num::min(amount, c);
            }
            score = if e.sign.is_sign_negative() {
                sub_or(score, amount, &item.name)?
            } else {
                add_or(score, amount, &item.name)?
            };
            if T::ON {
                let key_per = match &e.points {
                    EventPoints::Fixed(x) => fmt(*x),
                    EventPoints::Range { lo, hi, .. } => format!("{}–{}", fmt(*lo), fmt(*hi)),
                };
                let m = if e.sign.is_sign_negative() {
                    msg!(
                        "ex-event-deduct",
                        event = e.name.clone(),
                        count = fmt(count),
                        per = key_per,
                        amount = fmt(raw)
                    )
                    .en_arg("event", e.name_en.clone().unwrap_or_else(|| e.name.clone()))
                } else {
                    msg!(
                        "ex-event-add",
                        event = e.name.clone(),
                        count = fmt(count),
                        per = key_per,
                        amount = fmt(raw)
                    )
                    .en_arg("event", e.name_en.clone().unwrap_or_else(|| e.name.clone()))
                };
                tr.line(tg, m);
                if raw != amount {
                    tr.line(
                        tg,
                        msg!("ex-event-cap", event = e.name.clone(), cap = fmt(amount))
                            .en_arg("event", e.name_en.clone().unwrap_or_else(|| e.name.clone())),
                    );
                }
            }
        }
        // Floor and cap (skipped where the checker proved the rule stays within them).
        if let Some(fl) = item.floor.filter(|_| item.check_floor)
            && num::lt(score, fl)
        {
            if T::ON {
                let key = if fl.is_sign_negative() {
                    "ex-floor-cap"
                } else {
                    "ex-floor"
                };
                tr.line(
                    tg,
                    crate::i18n::Msg {
                        key,
                        ..msg!("ex-floor", raw = fmt_short(score), floor = fmt(fl))
                    },
                );
            }
            score = fl;
        }
        if let Some(mx) = item.max.filter(|_| item.check_max)
            && num::gt(score, mx)
        {
            if T::ON {
                tr.line(tg, msg!("ex-cap", raw = fmt_short(score), max = fmt(mx)));
            }
            score = mx;
        }
        let rounded = round_half_up(score, t.form.decimals);
        if T::ON {
            if rounded != score {
                tr.line(
                    tg,
                    msg!(
                        "ex-round",
                        raw = fmt_short(score),
                        value = fmt(rounded),
                        dp = t.form.decimals
                    ),
                );
            }
            tr.line(
                tg,
                msg!(
                    "ex-item-score",
                    value = fmt(rounded),
                    points = fmt(item.points)
                ),
            );
        }
        Ok(rounded)
    }

    fn need_num(&self, row: &[Val], slot: u32, what: &Item) -> Result<Decimal, RowError> {
        match row.get(slot as usize) {
            Some(Val::Num(d)) => Ok(*d),
            _ => Err(RowError {
                column: Some(self.t.inputs[slot as usize].id.clone()),
                msg: msg!("err-pick-missing", item = what.name.clone()).en_arg(
                    "item",
                    what.name_en.clone().unwrap_or_else(|| what.name.clone()),
                ),
            }),
        }
    }

    /// The score the assessor picked within `lo..=hi` (a tier's or a grade's range).
    fn picked(
        &self,
        row: &[Val],
        pick: Option<u32>,
        item: &Item,
        lo: Decimal,
        hi: Decimal,
    ) -> Result<Decimal, RowError> {
        let pk = pick.ok_or_else(|| RowError {
            column: None,
            msg: msg!("err-pick-missing", item = item.name.clone()).en_arg(
                "item",
                item.name_en.clone().unwrap_or_else(|| item.name.clone()),
            ),
        })?;
        let v = self.need_num(row, pk, item)?;
        if v < lo || v > hi {
            return Err(RowError {
                column: Some(self.t.inputs[pk as usize].id.clone()),
                msg: msg!(
                    "err-pick-range",
                    item = item.name.clone(),
                    value = fmt(v),
                    lo = fmt(lo),
                    hi = fmt(hi)
                )
                .en_arg(
                    "item",
                    item.name_en.clone().unwrap_or_else(|| item.name.clone()),
                ),
            });
        }
        Ok(v)
    }

    fn rule<T: Tracer>(
        &self,
        k: usize,
        item: &Item,
        rule: &Rule,
        row: &[Val],
        f: &Frame,
        tr: &mut T,
    ) -> Result<RuleOutcome, RowError> {
        let t = self.t;
        let tg = Target::Item(k);
        let p = item.points;
        let ev = |x: &Formula| x.expr.eval(&f.v).map_err(|e| eval_err(e, x, &item.name));
        Ok(RuleOutcome::Score(match rule {
            Rule::Ratio {
                measure,
                target,
                better,
                cap_pct,
                zero_below,
            } => {
                let m = ev(measure)?;
                let tv = ev(target)?;
                if let Some(z) = zero_below {
                    let zv = ev(z)?;
                    if m < zv {
                        if T::ON {
                            tr.line(
                                tg,
                                msg!(
                                    "ex-zero-below",
                                    measure = fmt(m),
                                    cutoff = fmt(zv),
                                    unit = self.unit(measure)
                                ),
                            );
                        }
                        return Ok(RuleOutcome::Zero);
                    }
                }
                if tv.is_zero() {
                    return Err(RowError {
                        column: None,
                        msg: msg!(
                            "err-target-zero",
                            item = item.name.clone(),
                            formula = self.words(target, false)
                        )
                        .en_arg(
                            "item",
                            item.name_en.clone().unwrap_or_else(|| item.name.clone()),
                        )
                        .en_arg("formula", self.words(target, true)),
                    });
                }
                let mut a = match better {
                    Better::Higher => div_or(m, tv, &item.name)?,
                    Better::Lower => {
                        if m.is_zero() {
                            cap_pct.map_or(Decimal::ONE, |c| c / Decimal::ONE_HUNDRED)
                        } else {
                            div_or(tv, m, &item.name)?
                        }
                    }
                };
                let raw = a;
                let mut capped = false;
                if let Some(c) = cap_pct {
                    let c = c / Decimal::ONE_HUNDRED;
                    if a > c {
                        a = c;
                        capped = true;
                    }
                }
                let s = mul_or(p, a, &item.name)?;
                if T::ON {
                    let key = if *better == Better::Higher {
                        "higher"
                    } else {
                        "lower"
                    };
                    tr.line(
                        tg,
                        msg!(
                            "ex-ratio",
                            label = self.label(measure),
                            measure = fmt_short(m),
                            target = fmt(tv),
                            better = key,
                            pct = pct_text(raw, 2)
                        )
                        .en_arg("label", self.label_en(measure)),
                    );
                    if capped {
                        tr.line(
                            tg,
                            msg!("ex-ratio-cap", cap = fmt(cap_pct.unwrap_or_default())),
                        );
                    }
                    tr.line(
                        tg,
                        msg!(
                            "ex-ratio-score",
                            points = fmt(p),
                            pct = pct_text(a, 4),
                            value = fmt(round_half_up(s, 4))
                        ),
                    );
                }
                s
            }
            Rule::Steps {
                measure,
                target,
                below,
                above,
                zero_below,
            } => {
                let m = ev(measure)?;
                let tv = ev(target)?;
                let unit = if T::ON {
                    self.unit(measure)
                } else {
                    String::new()
                };
                if T::ON {
                    tr.line(
                        tg,
                        msg!(
                            "ex-measure",
                            label = self.label(measure),
                            value = fmt(round_half_up(m, 4)),
                            target = fmt(tv),
                            unit = unit.clone()
                        )
                        .en_arg("label", self.label_en(measure)),
                    );
                }
                if let Some(z) = zero_below {
                    let zv = ev(z)?;
                    if num::lt(m, zv) {
                        if T::ON {
                            tr.line(
                                tg,
                                msg!(
                                    "ex-zero-below",
                                    measure = fmt(round_half_up(m, 4)),
                                    cutoff = fmt(zv),
                                    unit = unit.clone()
                                ),
                            );
                        }
                        return Ok(RuleOutcome::Zero);
                    }
                }
                let mut s = p;
                // Below the target the `below` step applies, above it the `above` step.
                let side = if num::lt(m, tv) {
                    below.map(|b| (b, sub_or(tv, m, &item.name), "ex-steps-below"))
                } else if num::gt(m, tv) {
                    above.map(|a| (a, sub_or(m, tv, &item.name), "ex-steps-above"))
                } else {
                    None
                };
                if let Some((st, gap, key)) = side {
                    let gap = gap?;
                    let n = floor_div(gap, st.per).ok_or_else(|| too_big(&item.name, None))?;
                    let d = mul_or(n, st.points, &item.name)?;
                    s = add_or(s, d, &item.name)?;
                    if T::ON {
                        let line = msg!(
                            "ex-steps-above",
                            gap = fmt(round_half_up(gap, 4)),
                            per = fmt(st.per),
                            unit = unit.clone(),
                            step = fmt(st.points.abs()),
                            n = fmt(n),
                            amount = fmt(d.abs()),
                            sign = if st.points.is_sign_negative() {
                                "-"
                            } else {
                                "+"
                            }
                        );
                        tr.line(tg, crate::i18n::Msg { key, ..line });
                    }
                }
                s
            }
            Rule::Tiers {
                measure,
                bands,
                pick,
            } => match measure {
                Some(mf) => {
                    let m = ev(mf)?;
                    let Some((bi, band)) = bands
                        .iter()
                        .enumerate()
                        .find(|(_, b)| b.from.is_none_or(|x| m >= x) && b.to.is_none_or(|x| m < x))
                    else {
                        if T::ON {
                            tr.line(tg, msg!("ex-tier-none", measure = fmt(round_half_up(m, 4))));
                        }
                        return Ok(RuleOutcome::Score(Decimal::ZERO));
                    };
                    let s = match &band.score {
                        ScoreSpec::Fixed(_) | ScoreSpec::Formula(_)
                            if pick.is_some_and(|pk| {
                                matches!(row.get(pk as usize), Some(Val::Num(_)))
                            }) =>
                        {
                            // A score picked where the tier fixes it is a mistake worth saying.
                            let fixed = match &band.score {
                                ScoreSpec::Fixed(x) => *x,
                                ScoreSpec::Formula(x) => ev(x)?,
                                ScoreSpec::Range(..) => unreachable!("matched above"),
                            };
                            let pk = pick.unwrap_or_default();
                            return Err(RowError {
                                column: Some(t.inputs[pk as usize].id.clone()),
                                msg: msg!(
                                    "err-pick-unused",
                                    item = item.name.clone(),
                                    value = fmt(fixed)
                                )
                                .en_arg(
                                    "item",
                                    item.name_en.clone().unwrap_or_else(|| item.name.clone()),
                                ),
                            });
                        }
                        ScoreSpec::Fixed(x) => *x,
                        ScoreSpec::Formula(x) => ev(x)?,
                        ScoreSpec::Range(lo, hi) => self.picked(row, *pick, item, *lo, *hi)?,
                    };
                    if T::ON {
                        tr.line(
                            tg,
                            msg!(
                                "ex-tier",
                                label = self.label(mf),
                                unit = self.unit(mf),
                                measure = fmt(round_half_up(m, 4)),
                                band = band_label(band),
                                n = bi + 1,
                                value = fmt(s),
                                text = band.text.clone().unwrap_or_default()
                            )
                            .en_arg("label", self.label_en(mf)),
                        );
                    }
                    s
                }
                None => {
                    let pk = pick.unwrap_or(0);
                    let v = self.need_num(row, pk, item)?;
                    let hit = bands.iter().enumerate().find(|(_, b)| match &b.score {
                        ScoreSpec::Fixed(x) => v == *x,
                        ScoreSpec::Range(lo, hi) => v >= *lo && v <= *hi,
                        ScoreSpec::Formula(_) => false,
                    });
                    let Some((bi, band)) = hit else {
                        let allowed: Vec<String> =
                            bands.iter().map(|b| spec_label(&b.score)).collect();
                        return Err(RowError {
                            column: Some(t.inputs[pk as usize].id.clone()),
                            msg: msg!(
                                "err-tier-pick",
                                item = item.name.clone(),
                                value = fmt(v),
                                allowed = allowed.join(" / ")
                            )
                            .en_arg(
                                "item",
                                item.name_en.clone().unwrap_or_else(|| item.name.clone()),
                            ),
                        });
                    };
                    if T::ON {
                        tr.line(
                            tg,
                            msg!(
                                "ex-tier-picked",
                                n = bi + 1,
                                range = spec_label(&band.score),
                                value = fmt(v),
                                text = band.text.clone().unwrap_or_default()
                            ),
                        );
                    }
                    v
                }
            },
            Rule::Levels { input, levels } => {
                let lv = f.v[*input as usize];
                let Some(l) = levels.iter().find(|l| Decimal::from(l.level) == lv) else {
                    let known: Vec<String> = levels.iter().map(|l| l.level.to_string()).collect();
                    return Err(RowError {
                        column: Some(t.inputs[*input as usize].id.clone()),
                        msg: msg!(
                            "err-level",
                            item = item.name.clone(),
                            value = fmt(lv),
                            known = known.join(", ")
                        )
                        .en_arg(
                            "item",
                            item.name_en.clone().unwrap_or_else(|| item.name.clone()),
                        ),
                    });
                };
                if T::ON {
                    tr.line(
                        tg,
                        msg!(
                            "ex-level",
                            level = l.level,
                            value = fmt(l.score),
                            text = l.text.clone().unwrap_or_default()
                        ),
                    );
                }
                l.score
            }
            Rule::Rating { input, scale } => {
                let r = f.v[*input as usize];
                let s = num::checked_mul(p, r)
                    .and_then(|x| x.checked_div(*scale))
                    .ok_or_else(|| too_big(&item.name, Some(&t.inputs[*input as usize].id)))?;
                if T::ON {
                    tr.line(
                        tg,
                        msg!(
                            "ex-rating",
                            rating = fmt(r),
                            scale = fmt(*scale),
                            points = fmt(p),
                            value = fmt(round_half_up(s, 4))
                        ),
                    );
                }
                s
            }
            Rule::Grade {
                input,
                options,
                pick,
            } => {
                let i = f.v[*input as usize];
                let idx = usize::try_from(i.trunc().mantissa()).unwrap_or(usize::MAX);
                let Some(o) = options.get(idx) else {
                    return Err(RowError {
                        column: Some(t.inputs[*input as usize].id.clone()),
                        msg: msg!(
                            "err-level",
                            item = item.name.clone(),
                            value = fmt(i),
                            known = options
                                .iter()
                                .map(|o| o.grade.clone())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                        .en_arg(
                            "item",
                            item.name_en.clone().unwrap_or_else(|| item.name.clone()),
                        ),
                    });
                };
                let pct = match &o.pct {
                    ScoreSpec::Fixed(x) => *x,
                    ScoreSpec::Formula(x) => ev(x)?,
                    ScoreSpec::Range(lo, hi) => self.picked(row, *pick, item, *lo, *hi)?,
                };
                let s = div_or(
                    mul_or(p, pct, &item.name)?,
                    Decimal::ONE_HUNDRED,
                    &item.name,
                )?;
                if T::ON {
                    tr.line(
                        tg,
                        msg!(
                            "ex-grade",
                            grade = o.grade.clone(),
                            pct = fmt(pct),
                            points = fmt(p),
                            value = fmt(round_half_up(s, 4))
                        ),
                    );
                }
                s
            }
            Rule::Checklist { input, criteria } => {
                let bits = match row.get(*input as usize) {
                    Some(Val::Set(b)) => *b,
                    _ => 0,
                };
                let mut s = Decimal::ZERO;
                let mut met = Vec::new();
                for (i, c) in criteria.iter().enumerate() {
                    if bits & (1 << i) != 0 {
                        s = add_or(s, c.points, &item.name)?;
                        if T::ON {
                            met.push(format!("{}({})", circled(i + 1), fmt(c.points)));
                        }
                    }
                }
                if T::ON {
                    tr.line(
                        tg,
                        msg!(
                            "ex-checklist",
                            met = if met.is_empty() {
                                "—".to_string()
                            } else {
                                met.join(" ")
                            },
                            n = met.len(),
                            total = criteria.len(),
                            value = fmt(s)
                        ),
                    );
                }
                s
            }
            Rule::Events { start } => {
                if T::ON {
                    tr.line(tg, msg!("ex-events-start", start = fmt(*start)));
                }
                *start
            }
            Rule::Adjust { input, reason, .. } => {
                let v = f.v[*input as usize];
                let why = match row.get(*reason as usize) {
                    Some(Val::Text(s)) if !s.trim().is_empty() => Some(s.clone()),
                    _ => None,
                };
                if !v.is_zero() && why.is_none() {
                    return Err(RowError {
                        column: Some(t.inputs[*reason as usize].id.clone()),
                        msg: msg!("err-reason", item = item.name.clone(), value = fmt(v)).en_arg(
                            "item",
                            item.name_en.clone().unwrap_or_else(|| item.name.clone()),
                        ),
                    });
                }
                if T::ON && !v.is_zero() {
                    tr.line(
                        tg,
                        msg!(
                            "ex-adjust",
                            value = fmt(v),
                            reason = why.map(|s| s.to_string()).unwrap_or_default()
                        ),
                    );
                }
                v
            }
            Rule::Score { input, .. } => {
                let v = f.v[*input as usize];
                if T::ON {
                    tr.line(tg, msg!("ex-score", value = fmt(v)));
                }
                v
            }
            Rule::Formula { score } => {
                let v = ev(score)?;
                if T::ON {
                    tr.line(
                        tg,
                        msg!(
                            "ex-formula",
                            formula = self.words(score, false),
                            arithmetic = self.arith(score, f),
                            value = fmt(round_half_up(v, 4))
                        )
                        .en_arg("formula", self.words(score, true)),
                    );
                }
                v
            }
        }))
    }

    /// Sections, total, grade and pay. `peers[k]` is the peer average of item `k` (if it applies).
    pub fn stage_totals<T: Tracer>(
        &self,
        f: &mut Frame,
        peers: &[Option<Decimal>],
        tr: &mut T,
    ) -> Result<(), RowError> {
        let t = self.t;
        let l = t.layout;
        let dp = t.form.decimals;
        // Items that do not apply.
        for (k, item) in t.items.iter().enumerate().filter(|_| f.any_na) {
            let s = l.items as usize + k;
            if !f.na[s] {
                continue;
            }
            match item.na {
                NaPolicy::PeerAverage => {
                    let avg = peers.get(k).copied().flatten();
                    f.v[s] = avg.map_or(Decimal::ZERO, |a| round_half_up(a, dp));
                    if T::ON {
                        match avg {
                            Some(_) => tr.line(
                                Target::Item(k),
                                msg!("ex-peer-average", value = fmt(f.v[s])),
                            ),
                            None => tr.line(Target::Item(k), msg!("ex-peer-none")),
                        }
                    }
                }
                NaPolicy::Drop => {
                    if T::ON {
                        tr.line(Target::Item(k), msg!("ex-dropped"));
                    }
                }
                NaPolicy::Forbidden => {}
            }
        }
        // Sections.
        for (si, sec) in t.sections.iter().enumerate() {
            let slot = l.sections as usize + si;
            // Items that do not apply and are dropped leave the section's sum.
            let applies =
                |k: usize| !(f.na[l.items as usize + k] && t.items[k].na == NaPolicy::Drop);
            let dropped = sec.items.iter().any(|&k| !applies(k));
            let sum = num::checked_sum(
                sec.items
                    .iter()
                    .filter(|&&k| applies(k))
                    .map(|&k| f.v[l.items as usize + k]),
            )
            .ok_or_else(|| too_big(&sec.name, None))?;
            let mut v = sum;
            // The points of the items that apply: only needed to scale a section back up.
            let applicable = if dropped {
                sec.items
                    .iter()
                    .filter(|&&k| applies(k))
                    .try_fold(Decimal::ZERO, |a, &k| a.checked_add(t.items[k].points))
                    .ok_or_else(|| too_big(&sec.name, None))?
            } else {
                Decimal::ZERO
            };
            if dropped && !applicable.is_zero() {
                v = round_half_up(
                    div_or(mul_or(sum, sec.points, &sec.name)?, applicable, &sec.name)?,
                    dp,
                );
                if T::ON {
                    tr.line(
                        Target::Section(si),
                        msg!(
                            "ex-renormalise",
                            sum = fmt_short(sum),
                            applicable = fmt(applicable),
                            points = fmt(sec.points),
                            value = fmt(v)
                        ),
                    );
                }
            }
            if let Some(sf) = &sec.score {
                v = sf.expr.eval(&f.v).map_err(|e| eval_err(e, sf, &sec.name))?;
                if T::ON {
                    tr.line(
                        Target::Section(si),
                        msg!(
                            "ex-formula",
                            formula = self.words(sf, false),
                            arithmetic = self.arith(sf, f),
                            value = fmt(v)
                        )
                        .en_arg("formula", self.words(sf, true)),
                    );
                }
            } else if T::ON && !dropped {
                let parts: Vec<String> = sec
                    .items
                    .iter()
                    .map(|&k| fmt(f.v[l.items as usize + k]))
                    .collect();
                tr.line(
                    Target::Section(si),
                    msg!(
                        "ex-section-sum",
                        parts = if parts.is_empty() {
                            "0".into()
                        } else {
                            parts.join(" + ")
                        },
                        value = fmt(sum)
                    ),
                );
            }
            if let Some(fl) = sec.floor
                && num::lt(v, fl)
            {
                if T::ON {
                    tr.line(
                        Target::Section(si),
                        msg!("ex-floor", raw = fmt(v), floor = fmt(fl)),
                    );
                }
                v = fl;
            }
            if let Some(mx) = sec.max
                && num::gt(v, mx)
            {
                if T::ON {
                    tr.line(
                        Target::Section(si),
                        msg!("ex-cap", raw = fmt(v), max = fmt(mx)),
                    );
                }
                v = mx;
            }
            f.v[slot] = v;
        }
        // Total.
        let total = match &t.total {
            Some(tf) => {
                let v = tf.expr.eval(&f.v).map_err(|e| eval_err(e, tf, "总分"))?;
                if T::ON {
                    tr.line(
                        Target::Total,
                        msg!(
                            "ex-formula",
                            formula = self.words(tf, false),
                            arithmetic = self.arith(tf, f),
                            value = fmt(v)
                        )
                        .en_arg("formula", self.words(tf, true)),
                    );
                }
                v
            }
            None => {
                let mut v = Decimal::ZERO;
                let mut parts = Vec::new();
                let mut parts_en = Vec::new();
                for (si, sec) in t.sections.iter().enumerate() {
                    let s = f.v[l.sections as usize + si];
                    match sec.weight {
                        Some(w) => {
                            let part = div_or(mul_or(s, w, "总分")?, Decimal::ONE_HUNDRED, "总分")?;
                            v = add_or(v, part, "总分")?;
                            if T::ON {
                                parts.push(format!("{} {} × {}%", sec.name, fmt(s), fmt(w)));
                                parts_en.push(format!(
                                    "{} {} × {}%",
                                    sec.name_en.as_deref().unwrap_or(&sec.name),
                                    fmt(s),
                                    fmt(w)
                                ));
                            }
                        }
                        None => {
                            v = add_or(v, s, "总分")?;
                            if T::ON {
                                parts.push(format!("{} {}", sec.name, fmt(s)));
                                parts_en.push(format!(
                                    "{} {}",
                                    sec.name_en.as_deref().unwrap_or(&sec.name),
                                    fmt(s)
                                ));
                            }
                        }
                    }
                }
                if T::ON {
                    tr.line(
                        Target::Total,
                        msg!("ex-total-sum", parts = parts.join(" + "), value = fmt(v))
                            .en_arg("parts", parts_en.join(" + ")),
                    );
                }
                v
            }
        };
        f.v[l.total as usize] = total;
        // Grade.
        f.grade = t
            .grades
            .iter()
            .position(|g| g.min.is_none_or(|m| total >= m));
        f.v[l.grade_factor as usize] = f.grade.map_or(Decimal::ONE, |g| t.grades[g].factor);
        if T::ON
            && let Some(g) = f.grade
        {
            let gr = &t.grades[g];
            tr.line(
                Target::Grade,
                msg!(
                    "ex-grade-band",
                    grade = gr.name.clone(),
                    min = gr.min.map_or("—".into(), fmt),
                    total = fmt(total)
                )
                .en_arg(
                    "grade",
                    gr.name_en.clone().unwrap_or_else(|| gr.name.clone()),
                ),
            );
        }
        // Pay.
        for (pi, pay) in t.pay.iter().enumerate() {
            let raw = pay
                .formula
                .expr
                .eval(&f.v)
                .map_err(|e| eval_err(e, &pay.formula, &pay.name))?;
            let v = round_half_up(raw, pay.decimals);
            if T::ON {
                tr.line(
                    Target::Pay(pi),
                    msg!(
                        "ex-pay",
                        name = pay.name.clone(),
                        formula = self.words(&pay.formula, false),
                        arithmetic = self.arith(&pay.formula, f),
                        raw = fmt(raw),
                        value = crate::num::fmt_dp(v, pay.decimals)
                    )
                    .en_arg(
                        "name",
                        pay.name_en.clone().unwrap_or_else(|| pay.name.clone()),
                    )
                    .en_arg("formula", self.words(&pay.formula, true)),
                );
            }
            f.v[l.pay as usize + pi] = v;
        }
        Ok(())
    }
}

/// `floor(a / b)` for b > 0, in integers when the mantissas allow (the usual case);
/// `None` when the quotient is beyond `Decimal`'s range.
#[inline]
fn floor_div(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (sa, sb) = (a.scale(), b.scale());
    let (ma, mb) = (a.mantissa(), b.mantissa());
    // A whole step below 2^32 (every 5 %, every 1 point): a / b = ma / (mb · 10^sa), with
    // |ma| < 2^96 and mb · 10^sa < 2^32 · 10^28 < 2^126, in one unsigned division.
    if sb == 0 && mb > 0 && mb <= i128::from(u32::MAX) {
        const POW10: [u128; 29] = {
            let mut t = [1u128; 29];
            let mut k = 1;
            while k < 29 {
                t[k] = t[k - 1] * 10;
                k += 1;
            }
            t
        };
        let d = mb.unsigned_abs() * POW10[sa as usize];
        let x = ma.unsigned_abs();
        let q = if ma >= 0 {
            (x / d) as i128
        } else {
            // floor(−x / d) = −ceil(x / d)
            -(x.div_ceil(d) as i128)
        };
        return Some(Decimal::from_i128_with_scale(q, 0));
    }
    // a / b = (ma · 10^sb) / (mb · 10^sa)
    let num = 10i128.checked_pow(sb).and_then(|p| ma.checked_mul(p));
    let den = 10i128.checked_pow(sa).and_then(|p| mb.checked_mul(p));
    match (num, den) {
        (Some(n), Some(d)) if d > 0 => {
            let q = n.div_euclid(d);
            // Beyond 96 bits `from_i128_with_scale` would panic.
            (q.unsigned_abs() < 1u128 << 96).then(|| Decimal::from_i128_with_scale(q, 0))
        }
        _ => a.checked_div(b).map(|q| q.floor()),
    }
}

enum RuleOutcome {
    Score(Decimal),
    /// The item scores 0 whatever else (a cut-off).
    Zero,
}

fn spec_label(s: &ScoreSpec) -> String {
    match s {
        ScoreSpec::Fixed(x) => fmt(*x),
        ScoreSpec::Range(lo, hi) => format!("{}–{}", fmt(*lo), fmt(*hi)),
        ScoreSpec::Formula(f) => f.text.clone(),
    }
}

fn band_label(b: &Band) -> String {
    match (b.from, b.to) {
        (Some(a), Some(z)) => format!("[{}, {})", fmt(a), fmt(z)),
        (Some(a), None) => format!("≥ {}", fmt(a)),
        (None, Some(z)) => format!("< {}", fmt(z)),
        (None, None) => "*".into(),
    }
}

/// `x` as a percentage rounded to `dp` places, for an explanation; `x × 100` written out
/// when it is beyond `Decimal`'s range (the score itself was computed without it).
fn pct_text(x: Decimal, dp: u32) -> String {
    match x.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => fmt(round_half_up(p, dp)),
        None => format!("{} × 100", fmt_short(x)),
    }
}

/// ① ② ③ … as on the sheets.
pub fn circled(n: usize) -> String {
    if (1..=20).contains(&n) {
        char::from_u32(0x2460 + n as u32 - 1).map_or_else(|| n.to_string(), |c| c.to_string())
    } else {
        format!("({n})")
    }
}

/// The frame slot a formula name refers to.
pub fn slot_by_name(t: &Template, n: &str) -> Option<u32> {
    let l = t.layout;
    if n == "total" {
        return Some(l.total);
    }
    if n == "grade_factor" {
        return Some(l.grade_factor);
    }
    // The same order as the checker resolves formula names: an item's own rating column
    // shares the item's id, and in a formula that id means the item's score.
    if let Some(i) = t.inputs.iter().position(|x| {
        x.id == n && matches!(x.origin, Origin::Declared | Origin::Prior | Origin::Event)
    }) {
        return Some(i as u32);
    }
    if let Some(i) = t.params.iter().position(|x| x.id == n) {
        return Some(l.params + i as u32);
    }
    if let Some(m) = t.metrics.iter().find(|x| x.id == n) {
        return Some(m.slot);
    }
    if let Some(i) = t.items.iter().position(|x| x.id == n) {
        return Some(l.items + i as u32);
    }
    if let Some(i) = t.sections.iter().position(|x| x.id == n) {
        return Some(l.sections + i as u32);
    }
    t.pay
        .iter()
        .position(|x| x.id == n)
        .map(|i| l.pay + i as u32)
}

#[cfg(test)]
mod tests {
    use super::floor_div;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn floor_div_is_the_floor_of_the_quotient(
            m in -(1i128 << 96) + 1..(1i128 << 96),
            s in 0u32..=28,
            step in 1i64..=1000,
            step_scale in 0u32..=3,
        ) {
            let a = Decimal::from_i128_with_scale(m, s);
            let b = Decimal::new(step, step_scale);
            // The exact floor, in integers: (m / 10^s) / (step / 10^step_scale).
            let want = (m * 10i128.pow(step_scale)).div_euclid(i128::from(step) * 10i128.pow(s));
            prop_assume!(want.unsigned_abs() < 1 << 96);
            let want = Decimal::from_i128_with_scale(want, 0);
            prop_assert_eq!(floor_div(a, b).map(|q| q.serialize()), Some(want.serialize()));
        }
    }
}
