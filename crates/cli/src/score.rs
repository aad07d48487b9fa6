//! `kaohe score`: a batch of appraisees from CSV or JSON to a table, JSON or CSV.
//! Nothing is written unless every row is good (or `--skip-invalid` is given).

use crate::{ParamArgs, load};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use kaohe_core::batch::{Batch, explain_row, score_batch};
use kaohe_core::engine::Engine;
use kaohe_core::input::{CellError, Row, match_header, parse_row};
use kaohe_core::num::{fmt, fmt_dp};
use kaohe_core::{Lang, Template};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned text for people.
    #[default]
    Table,
    /// JSON, decimals as strings so nothing is rounded.
    Json,
    /// CSV with template ids as headers.
    Csv,
}

#[derive(Args)]
pub struct ScoreArgs {
    /// A template file or a bundled id (F01 … F18).
    #[arg(long, short)]
    pub template: String,
    /// Input: .csv (header = input ids or names) or .json (an array of objects). `-` reads CSV from stdin.
    #[arg(long, short)]
    pub input: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: Format,
    /// Write here instead of stdout (written whole, or not at all).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Explain every number (in the --lang languages).
    #[arg(long)]
    pub explain: bool,
    /// Report bad rows and score the others instead of stopping.
    #[arg(long)]
    pub skip_invalid: bool,
    #[command(flatten)]
    pub params: ParamArgs,
}

/// Rows read from a file, with the problems found.
pub struct Loaded {
    pub rows: Vec<Row>,
    pub errors: Vec<CellError>,
    pub warnings: Vec<String>,
}

/// The bytes of an input file, or of stdin for `-`.
fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
        Ok(b)
    } else {
        std::fs::read(path).with_context(|| format!("无法读取 / cannot read {}", path.display()))
    }
}

/// Match a header; a header the template cannot use becomes a batch with only errors.
fn columns(
    t: &Template,
    headers: &[String],
) -> std::result::Result<kaohe_core::input::Columns, Loaded> {
    let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
    match_header(t, &hdr).map_err(|errors| Loaded {
        rows: vec![],
        errors,
        warnings: vec![],
    })
}

/// Read and parse a CSV or JSON batch.
pub fn load_rows(t: &Template, path: &Path) -> Result<Loaded> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let bytes = read_input(path)?;
    let (headers, records): (Vec<String>, Vec<(usize, Vec<String>)>) = if is_json {
        json_records(&bytes)
            .with_context(|| format!("{}: JSON 格式错误 / not valid JSON", path.display()))?
    } else {
        return load_csv(t, &bytes);
    };
    let cols = match columns(t, &headers) {
        Ok(c) => c,
        Err(loaded) => return Ok(loaded),
    };
    let mut out = Loaded {
        rows: Vec::with_capacity(records.len()),
        errors: vec![],
        warnings: vec![],
    };
    if !cols.ignored.is_empty() {
        out.warnings.push(format!(
            "未使用的字段 / fields not used by the template: {}",
            cols.ignored.join(", ")
        ));
    }
    for (line, cells) in records {
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        match parse_row(t, &cols, &refs, line) {
            Ok(r) => out.rows.push(r),
            Err(e) => out.errors.extend(e),
        }
    }
    check_duplicates(&mut out);
    Ok(out)
}

fn json_records(bytes: &[u8]) -> Result<(Vec<String>, Vec<(usize, Vec<String>)>)> {
    let v: serde_json::Value = serde_json::from_slice(bytes)?;
    let arr = match v {
        serde_json::Value::Array(a) => a,
        _ => bail!("应为对象数组 / expected an array of objects"),
    };
    let mut headers: Vec<String> = Vec::new();
    for o in &arr {
        let obj = o
            .as_object()
            .context("每条记录应为对象 / every record must be an object")?;
        for k in obj.keys() {
            if !headers.contains(k) {
                headers.push(k.clone());
            }
        }
    }
    let recs = arr
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let obj = o.as_object().expect("checked above");
            let cells = headers
                .iter()
                .map(|h| match obj.get(h) {
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Bool(b)) => (if *b { "1" } else { "0" }).to_string(),
                    Some(serde_json::Value::Array(a)) => a
                        .iter()
                        .map(|x| x.to_string().trim_matches('"').to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                    Some(other) => other.to_string(),
                })
                .collect();
            (i + 1, cells)
        })
        .collect();
    Ok((headers, recs))
}

fn load_csv(t: &Template, bytes: &[u8]) -> Result<Loaded> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = rdr
        .headers()
        .context("CSV 表头无法读取 / cannot read the CSV header")?
        .iter()
        .map(str::to_string)
        .collect();
    let cols = match columns(t, &headers) {
        Ok(c) => c,
        Err(loaded) => return Ok(loaded),
    };
    let mut warnings = Vec::new();
    if !cols.ignored.is_empty() {
        warnings.push(format!(
            "未使用的列 / columns not used by the template: {}",
            cols.ignored.join(", ")
        ));
    }
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for rec in rdr.records() {
        match rec {
            Ok(r) => records.push(r),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(CellError {
                    line,
                    column: None,
                    header: None,
                    msg: kaohe_core::msg!("in-csv", detail = e.to_string()),
                });
            }
        }
    }
    let parsed: Vec<Result<Row, Vec<CellError>>> = records
        .par_iter()
        .map(|r| {
            let line = r.position().map_or(0, |p| p.line() as usize);
            let cells: Vec<&str> = r.iter().collect();
            parse_row(t, &cols, &cells, line)
        })
        .collect();
    let mut out = Loaded {
        rows: Vec::with_capacity(parsed.len()),
        errors,
        warnings,
    };
    for p in parsed {
        match p {
            Ok(r) => out.rows.push(r),
            Err(e) => out.errors.extend(e),
        }
    }
    check_duplicates(&mut out);
    Ok(out)
}

fn check_duplicates(out: &mut Loaded) {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(out.rows.len());
    let mut dups = Vec::new();
    for r in &out.rows {
        if let Some(first) = seen.insert(r.id.as_str(), r.line) {
            dups.push(CellError {
                line: r.line,
                column: None,
                header: Some("id".into()),
                msg: kaohe_core::msg!("in-dup-id", id = r.id.clone(), first = first),
            });
        }
    }
    if !dups.is_empty() {
        let bad: std::collections::HashSet<usize> = dups.iter().map(|d| d.line).collect();
        out.rows.retain(|r| !bad.contains(&r.line));
        out.errors.extend(dups);
    }
    out.errors.sort_by_key(|e| (e.line, e.column));
}

/// Render input errors as `file:line:column [header]: message`.
pub fn render_errors(file: &str, errors: &[CellError], langs: &[Lang]) -> String {
    let mut s = String::new();
    for e in errors.iter().take(200) {
        let place = match e.column {
            Some(c) => format!("{file}:{}:{c}", e.line),
            None => format!("{file}:{}", e.line),
        };
        let hdr = e
            .header
            .as_ref()
            .map(|h| format!(" [{h}]"))
            .unwrap_or_default();
        let msgs: Vec<String> = langs.iter().map(|l| e.msg.render(*l)).collect();
        s.push_str(&format!("{place}{hdr}: {}\n", msgs.join(" / ")));
    }
    if errors.len() > 200 {
        s.push_str(&format!(
            "… 另有 {} 处 / and {} more\n",
            errors.len() - 200,
            errors.len() - 200
        ));
    }
    s
}

fn engine_with_params<'t>(t: &'t Template, p: &ParamArgs, langs: &[Lang]) -> Result<Engine<'t>> {
    let mut e = Engine::new(t);
    for kv in &p.params {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--param 应写成 ID=VALUE / --param takes ID=VALUE, got `{kv}`");
        };
        let Some(v) = kaohe_core::num::parse_user_number(v) else {
            bail!("--param {k}: `{v}` 不是数字 / is not a number");
        };
        if let Err(m) = e.set_param(k.trim(), v.value()) {
            bail!(
                "--param: {}",
                langs
                    .iter()
                    .map(|l| m.render(*l))
                    .collect::<Vec<_>>()
                    .join(" / ")
            );
        }
    }
    Ok(e)
}

/// Can a batch be scored in a stream, chunk by chunk? Only when no row depends on
/// another: no peer averages and no ranking.
pub fn streamable(t: &Template) -> bool {
    !t.needs_peers && t.ranking.is_none()
}

/// The outcome of a streamed run.
pub struct Streamed {
    pub out: Vec<u8>,
    pub errors: Vec<CellError>,
    pub warnings: Vec<String>,
    pub rows: usize,
}

fn csv_field(buf: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        buf.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

fn csv_header(t: &Template, explain: bool) -> Vec<String> {
    let mut header: Vec<String> = vec!["id".into(), "name".into(), "group".into()];
    header.extend(t.items.iter().map(|i| i.id.clone()));
    if t.sections.len() > 1 {
        header.extend(t.sections.iter().map(|s| s.id.clone()));
    }
    header.push("total".into());
    if !t.grades.is_empty() {
        header.push("grade".into());
    }
    header.extend(t.pay.iter().map(|p| p.id.clone()));
    if t.ranking.is_some() {
        header.push("rank".into());
        header.push("selected".into());
    }
    if explain {
        header.push("explanation".into());
    }
    header
}

/// CSV in → CSV out in chunks of rows scored in parallel, for large batches.
/// The output is kept in memory and written only when every row is good.
pub fn stream_csv(
    engine: &Engine,
    bytes: &[u8],
    explain: bool,
    langs: &[Lang],
) -> Result<Streamed> {
    use kaohe_core::engine::{Frame, Recorder};
    let t = engine.t;
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = rdr
        .headers()
        .context("CSV 表头无法读取 / cannot read the CSV header")?
        .iter()
        .map(str::to_string)
        .collect();
    let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut st = Streamed {
        out: Vec::with_capacity(bytes.len()),
        errors: vec![],
        warnings: vec![],
        rows: 0,
    };
    let cols = match match_header(t, &hdr) {
        Ok(c) => c,
        Err(errors) => {
            st.errors = errors;
            return Ok(st);
        }
    };
    if !cols.ignored.is_empty() {
        st.warnings.push(format!(
            "未使用的列 / columns not used by the template: {}",
            cols.ignored.join(", ")
        ));
    }
    let header = csv_header(t, explain);
    for (i, h) in header.iter().enumerate() {
        if i > 0 {
            st.out.push(b',');
        }
        csv_field(&mut st.out, h);
    }
    st.out.push(b'\n');
    const CHUNK: usize = 65536;
    let mut recs: Vec<csv::StringRecord> = (0..CHUNK).map(|_| csv::StringRecord::new()).collect();
    // Duplicate ids, checked on the reading thread: a cheap hash keeps it off the critical
    // path (SipHash's resistance to crafted keys buys nothing for a local file).
    let mut seen: HashMap<String, usize, BuildHasherDefault<IdHasher>> =
        HashMap::with_hasher(BuildHasherDefault::default());
    let (ni, ns, np) = (t.items.len(), t.sections.len(), t.pay.len());
    let l = t.layout;
    loop {
        let mut n = 0;
        while n < CHUNK {
            match rdr.read_record(&mut recs[n]) {
                Ok(true) => n += 1,
                Ok(false) => break,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    st.errors.push(CellError {
                        line,
                        column: None,
                        header: None,
                        msg: kaohe_core::msg!("in-csv", detail = e.to_string()),
                    });
                }
            }
        }
        if n == 0 {
            break;
        }
        let parts: Vec<(Vec<u8>, Vec<CellError>, Vec<(String, usize)>)> = recs[..n]
            .par_chunks(4096)
            .map(|chunk| {
                let mut buf = Vec::with_capacity(chunk.len() * 64);
                let mut errs = Vec::new();
                let mut ids = Vec::with_capacity(chunk.len());
                let mut f = Frame::new(t);
                let mut cells: Vec<&str> = Vec::with_capacity(headers.len());
                for r in chunk {
                    let line = r.position().map_or(0, |p| p.line() as usize);
                    cells.clear();
                    cells.extend(r.iter());
                    let row = match parse_row(t, &cols, &cells, line) {
                        Ok(row) => row,
                        Err(e) => {
                            errs.extend(e);
                            continue;
                        }
                    };
                    if let Err(e) = engine.score_outputs(&row.values, &mut f, &[]) {
                        errs.push(CellError {
                            line,
                            column: None,
                            header: e.column.clone(),
                            msg: e.msg,
                        });
                        continue;
                    }
                    let put = |buf: &mut Vec<u8>, d: rust_decimal::Decimal| {
                        buf.push(b',');
                        kaohe_core::num::write_normalized(buf, d);
                    };
                    csv_field(&mut buf, &row.id);
                    buf.push(b',');
                    csv_field(&mut buf, row.name.as_deref().unwrap_or(""));
                    buf.push(b',');
                    csv_field(&mut buf, row.group.as_deref().unwrap_or(""));
                    for i in 0..ni {
                        put(&mut buf, f.v[l.items as usize + i]);
                    }
                    if ns > 1 {
                        for i in 0..ns {
                            put(&mut buf, f.v[l.sections as usize + i]);
                        }
                    }
                    put(&mut buf, f.v[l.total as usize]);
                    if !t.grades.is_empty() {
                        buf.push(b',');
                        csv_field(
                            &mut buf,
                            f.grade.map(|g| t.grades[g].name.as_str()).unwrap_or(""),
                        );
                    }
                    for p in 0..np {
                        buf.push(b',');
                        kaohe_core::num::write_dp(
                            &mut buf,
                            f.v[l.pay as usize + p],
                            t.pay[p].decimals,
                        );
                    }
                    if explain {
                        let mut f2 = Frame::new(t);
                        let mut rec = Recorder::default();
                        let text = match engine.score(&row.values, &mut f2, &[], &mut rec) {
                            Ok(()) => langs
                                .iter()
                                .map(|lg| kaohe_core::explain::render(t, &f2, &rec, *lg))
                                .collect::<Vec<_>>()
                                .join("\n"),
                            Err(e) => e.msg.render(Lang::Zh),
                        };
                        buf.push(b',');
                        csv_field(&mut buf, &text);
                    }
                    buf.push(b'\n');
                    ids.push((row.id, line));
                }
                (buf, errs, ids)
            })
            .collect();
        for (buf, errs, ids) in parts {
            st.out.extend_from_slice(&buf);
            st.errors.extend(errs);
            for (id, line) in ids {
                st.rows += 1;
                if let Some(first) = seen.get(&id) {
                    st.errors.push(CellError {
                        line,
                        column: None,
                        header: Some("id".into()),
                        msg: kaohe_core::msg!("in-dup-id", id = id.clone(), first = *first),
                    });
                } else {
                    seen.insert(id, line);
                }
            }
        }
        if n < CHUNK {
            break;
        }
    }
    st.errors.sort_by_key(|e| (e.line, e.column));
    Ok(st)
}

/// A multiply-rotate hash for appraisee ids, finished with splitmix64's mixer so that ids
/// differing only in their last digits still spread over the table.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// `kaohe score`.
pub fn run(a: &ScoreArgs, langs: &[Lang]) -> Result<ExitCode> {
    let (_, t) = load::template(&a.template, langs)?;
    let engine = engine_with_params(&t, &a.params, langs)?;
    let is_csv_in = !a
        .input
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if a.format == Format::Csv && is_csv_in && streamable(&t) && !a.skip_invalid {
        let file = a.input.display().to_string();
        let bytes = read_input(&a.input)?;
        let st = stream_csv(&engine, &bytes, a.explain, langs)?;
        for w in &st.warnings {
            eprintln!("{file}: 警告 / warning: {w}");
        }
        if !st.errors.is_empty() {
            eprint!("{}", render_errors(&file, &st.errors, langs));
            eprintln!(
                "没有写出任何结果: 请修正以上 {} 处错误，或用 --skip-invalid 跳过错误行 / nothing was written: fix the {} problem(s) above, or pass --skip-invalid",
                st.errors.len(),
                st.errors.len()
            );
            return Ok(ExitCode::from(2));
        }
        match &a.output {
            Some(p) => write_atomic(p, &st.out)?,
            None => write_stdout(&st.out)?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let loaded = load_rows(&t, &a.input)?;
    let file = a.input.display().to_string();
    for w in &loaded.warnings {
        eprintln!("{file}: 警告 / warning: {w}");
    }
    let mut rows = loaded.rows;
    let mut bad = loaded.errors;
    if !bad.is_empty() && !a.skip_invalid {
        eprint!("{}", render_errors(&file, &bad, langs));
        eprintln!(
            "没有写出任何结果: 请修正以上 {} 处错误，或用 --skip-invalid 跳过错误行 / nothing was written: fix the {} problem(s) above, or pass --skip-invalid",
            bad.len(),
            bad.len()
        );
        return Ok(ExitCode::from(2));
    }
    let mut batch = score_batch(&engine, &rows);
    if !batch.errors.is_empty() {
        let errs: Vec<CellError> = batch
            .errors
            .iter()
            .map(|(r, e)| CellError {
                line: rows[*r].line,
                column: None,
                header: e.column.clone(),
                msg: e.msg.clone(),
            })
            .collect();
        if !a.skip_invalid {
            eprint!("{}", render_errors(&file, &errs, langs));
            eprintln!(
                "没有写出任何结果 / nothing was written ({} 行无法计分 / row(s) could not be scored)",
                errs.len()
            );
            return Ok(ExitCode::from(2));
        }
        let failed: std::collections::HashSet<usize> =
            batch.errors.iter().map(|(r, _)| *r).collect();
        let mut k = 0;
        rows.retain(|_| {
            k += 1;
            !failed.contains(&(k - 1))
        });
        bad.extend(errs);
        batch = score_batch(&engine, &rows);
    }
    if !bad.is_empty() {
        eprint!("{}", render_errors(&file, &bad, langs));
        eprintln!(
            "已跳过 {} 处错误 / skipped {} problem(s)",
            bad.len(),
            bad.len()
        );
    }
    let text = render(&engine, &batch, &rows, a.format, a.explain, langs)?;
    match &a.output {
        Some(p) => write_atomic(p, &text)?,
        None => write_stdout(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Write to stdout; a reader that went away (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        r => Ok(r?),
    }
}

/// Write the whole file or nothing: a temporary file renamed into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("out")
    ));
    std::fs::write(&tmp, bytes)
        .with_context(|| format!("无法写入 / cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("无法写入 / cannot write {}", path.display()))?;
    Ok(())
}

fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

fn pad(s: &str, w: usize) -> String {
    let n = w.saturating_sub(width(s));
    format!("{s}{}", " ".repeat(n))
}

fn name_in<'a>(zh: &'a str, en: Option<&'a str>, langs: &[Lang]) -> &'a str {
    if langs.first() == Some(&Lang::En) {
        en.unwrap_or(zh)
    } else {
        zh
    }
}

/// Render a scored batch.
pub fn render(
    engine: &Engine,
    b: &Batch,
    rows: &[Row],
    format: Format,
    explain: bool,
    langs: &[Lang],
) -> Result<Vec<u8>> {
    let t = engine.t;
    let grade_name = |r: usize| {
        b.grade[r]
            .map(|g| t.grades[g as usize].name.clone())
            .unwrap_or_default()
    };
    let explanation = |r: usize, lang: Lang| -> String {
        match explain_row(engine, b, rows, r) {
            Ok((f, rec)) => kaohe_core::explain::render(t, &f, &rec, lang),
            Err(e) => e.msg.render(lang),
        }
    };
    Ok(match format {
        Format::Csv => {
            let header = csv_header(t, explain);
            let mut out = Vec::with_capacity(rows.len() * 64);
            {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(&header)?;
                w.flush()?;
            }
            let ni = t.items.len();
            let chunks: Vec<Vec<u8>> = (0..rows.len())
                .collect::<Vec<_>>()
                .par_chunks(8192)
                .map(|rs| {
                    let mut buf = Vec::with_capacity(rs.len() * 80);
                    let mut w = csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(&mut buf);
                    let mut rec: Vec<String> = Vec::with_capacity(header.len());
                    for &r in rs {
                        rec.clear();
                        let row = &rows[r];
                        rec.push(row.id.clone());
                        rec.push(row.name.clone().unwrap_or_default());
                        rec.push(row.group.clone().unwrap_or_default());
                        for i in 0..ni {
                            rec.push(fmt(b.item(r, i)));
                        }
                        if t.sections.len() > 1 {
                            for s in 0..t.sections.len() {
                                rec.push(fmt(b.section(r, s)));
                            }
                        }
                        rec.push(fmt(b.total(r)));
                        if !t.grades.is_empty() {
                            rec.push(grade_name(r));
                        }
                        for (p, pay) in t.pay.iter().enumerate() {
                            rec.push(fmt_dp(b.pay(r, p), pay.decimals));
                        }
                        if t.ranking.is_some() {
                            rec.push(b.rank[r].map(|x| x.to_string()).unwrap_or_default());
                            rec.push(if b.selected[r] {
                                "1".into()
                            } else {
                                "0".into()
                            });
                        }
                        if explain {
                            rec.push(
                                langs
                                    .iter()
                                    .map(|l| explanation(r, *l))
                                    .collect::<Vec<_>>()
                                    .join("\n"),
                            );
                        }
                        let _ = w.write_record(&rec);
                    }
                    drop(w);
                    buf
                })
                .collect();
            for c in chunks {
                out.extend_from_slice(&c);
            }
            out
        }
        Format::Json => {
            let arr: Vec<serde_json::Value> = (0..rows.len())
                .map(|r| {
                    let row = &rows[r];
                    let mut o = serde_json::Map::new();
                    o.insert("id".into(), row.id.clone().into());
                    o.insert("name".into(), row.name.clone().into());
                    o.insert("group".into(), row.group.clone().into());
                    let items: serde_json::Map<String, serde_json::Value> = t
                        .items
                        .iter()
                        .enumerate()
                        .map(|(i, it)| (it.id.clone(), fmt(b.item(r, i)).into()))
                        .collect();
                    o.insert("items".into(), items.into());
                    let na: Vec<serde_json::Value> = t
                        .items
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| b.na[r * t.items.len() + i])
                        .map(|(_, it)| it.id.clone().into())
                        .collect();
                    o.insert("not_applicable".into(), na.into());
                    let secs: serde_json::Map<String, serde_json::Value> = t
                        .sections
                        .iter()
                        .enumerate()
                        .map(|(i, s)| (s.id.clone(), fmt(b.section(r, i)).into()))
                        .collect();
                    o.insert("sections".into(), secs.into());
                    o.insert("total".into(), fmt(b.total(r)).into());
                    o.insert(
                        "grade".into(),
                        b.grade[r].map(|g| t.grades[g as usize].name.clone()).into(),
                    );
                    let pay: serde_json::Map<String, serde_json::Value> = t
                        .pay
                        .iter()
                        .enumerate()
                        .map(|(i, p)| (p.id.clone(), fmt_dp(b.pay(r, i), p.decimals).into()))
                        .collect();
                    o.insert("pay".into(), pay.into());
                    o.insert("rank".into(), b.rank[r].into());
                    o.insert("selected".into(), b.selected[r].into());
                    if explain {
                        let mut ex = serde_json::Map::new();
                        for l in langs {
                            ex.insert(
                                if *l == Lang::Zh { "zh-CN" } else { "en" }.into(),
                                explanation(r, *l).into(),
                            );
                        }
                        o.insert("explanation".into(), ex.into());
                    }
                    o.into()
                })
                .collect();
            let mut s = serde_json::to_vec_pretty(&arr)?;
            s.push(b'\n');
            s
        }
        Format::Table => {
            let mut header: Vec<String> = vec!["工号".into(), "姓名".into()];
            if langs.first() == Some(&Lang::En) {
                header = vec!["ID".into(), "Name".into()];
            }
            header.extend(
                t.items
                    .iter()
                    .map(|i| name_in(&i.name, i.name_en.as_deref(), langs).to_string()),
            );
            header.push(if langs.first() == Some(&Lang::En) {
                "Total".into()
            } else {
                "总分".into()
            });
            if !t.grades.is_empty() {
                header.push(if langs.first() == Some(&Lang::En) {
                    "Grade".into()
                } else {
                    "等级".into()
                });
            }
            header.extend(
                t.pay
                    .iter()
                    .map(|p| name_in(&p.name, p.name_en.as_deref(), langs).to_string()),
            );
            if t.ranking.is_some() {
                header.push(if langs.first() == Some(&Lang::En) {
                    "Rank".into()
                } else {
                    "排名".into()
                });
            }
            let mut table: Vec<Vec<String>> = vec![header];
            for r in 0..rows.len() {
                let row = &rows[r];
                let mut line = vec![row.id.clone(), row.name.clone().unwrap_or_default()];
                for i in 0..t.items.len() {
                    let na = b.na[r * t.items.len() + i];
                    line.push(format!(
                        "{}{}",
                        fmt(b.item(r, i)),
                        if na { "*" } else { "" }
                    ));
                }
                line.push(fmt(b.total(r)));
                if !t.grades.is_empty() {
                    line.push(grade_name(r));
                }
                for (p, pay) in t.pay.iter().enumerate() {
                    line.push(fmt_dp(b.pay(r, p), pay.decimals));
                }
                if t.ranking.is_some() {
                    line.push(format!(
                        "{}{}",
                        b.rank[r].map(|x| x.to_string()).unwrap_or_default(),
                        if b.selected[r] { " ★" } else { "" }
                    ));
                }
                table.push(line);
            }
            let ncol = table[0].len();
            let widths: Vec<usize> = (0..ncol)
                .map(|c| table.iter().map(|l| width(&l[c])).max().unwrap_or(0))
                .collect();
            let mut s = String::new();
            s.push_str(&format!(
                "{}  [{}]\n",
                name_in(&t.form.title, t.form.title_en.as_deref(), langs),
                t.form.id
            ));
            for (i, l) in table.iter().enumerate() {
                let cells: Vec<String> = l
                    .iter()
                    .enumerate()
                    .map(|(c, v)| pad(v, widths[c]))
                    .collect();
                s.push_str(cells.join("  ").trim_end());
                s.push('\n');
                if i == 0 {
                    s.push_str(&"─".repeat(widths.iter().sum::<usize>() + 2 * (ncol - 1)));
                    s.push('\n');
                }
            }
            if b.na.iter().any(|x| *x) {
                s.push_str("* 不适用 / not applicable\n");
            }
            if explain {
                for r in 0..rows.len() {
                    for l in langs {
                        s.push_str(&format!(
                            "\n▌{} {}\n",
                            rows[r].id,
                            rows[r].name.clone().unwrap_or_default()
                        ));
                        s.push_str(&explanation(r, *l));
                    }
                }
            }
            s.into_bytes()
        }
    })
}

/// `kaohe demo`: the bundled examples of a form, scored and explained.
pub fn demo(form: &str, langs: &[Lang]) -> Result<ExitCode> {
    let (src, t) = load::template(form, langs)?;
    let Some((_, ex_text)) = &src.examples else {
        bail!("{form} 没有内置算例 / has no bundled examples");
    };
    let ex = kaohe_core::scenario::parse(ex_text).map_err(anyhow::Error::msg)?;
    for lang in langs {
        crate::outln!("{}", kaohe_core::show::show(&t, *lang));
    }
    for case in &ex.cases {
        let (headers, cells) = kaohe_core::scenario::case_table(case);
        let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
        let Ok(cols) = match_header(&t, &hdr) else {
            continue;
        };
        let rows: Vec<Row> = cells
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                parse_row(
                    &t,
                    &cols,
                    &c.iter().map(String::as_str).collect::<Vec<_>>(),
                    i + 1,
                )
                .ok()
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let mut engine = Engine::new(&t);
        for (k, v) in &case.params {
            let _ = engine.set_param(k, v.0);
        }
        let b = score_batch(&engine, &rows);
        if !b.errors.is_empty() {
            continue;
        }
        crate::outln!("══ {} ══", case.name);
        write_stdout(&render(&engine, &b, &rows, Format::Table, true, langs)?)?;
        crate::outln!();
    }
    Ok(ExitCode::SUCCESS)
}
