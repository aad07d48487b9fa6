//! Worked examples kept as data: inputs → expected item, section, total, grade and pay.
//! One harness runs them all (the test suite and `kaohe template test`).
//!
//! ```toml
//! [[case]]
//! name = "完成率 87%，新增 1 个客户"
//! params = { }                      # cycle parameters, optional
//! [[case.row]]
//! id = "E1"
//! sales_target = 100
//! sales_actual = 87
//! [case.row.expect]
//! items = { sales = 29 }
//! total = 79
//! pay = { bonus = 2370 }
//! explain = ["扣 6 分"]             # phrases the zh-CN explanation must contain
//! ```

use crate::batch::{explain_row, score_batch};
use crate::def::Num;
use crate::engine::Engine;
use crate::i18n::Lang;
use crate::input::{match_header, parse_row};
use crate::model::Template;
use crate::num::fmt;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A file of worked examples.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
}

/// One worked example: a batch of appraisees and what each must get.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub params: BTreeMap<String, Num>,
    #[serde(rename = "row")]
    pub rows: Vec<toml::Table>,
    /// The batch must be refused with a message containing this (zh-CN).
    #[serde(default)]
    pub error: Option<String>,
}

/// What one appraisee must get.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub items: BTreeMap<String, Num>,
    #[serde(default)]
    pub sections: BTreeMap<String, Num>,
    pub total: Option<Num>,
    pub grade: Option<String>,
    #[serde(default)]
    pub pay: BTreeMap<String, Num>,
    pub rank: Option<u32>,
    pub selected: Option<bool>,
    /// Items that must be marked not applicable.
    #[serde(default)]
    pub na: Vec<String>,
    /// The row must fail with a message containing this (zh-CN).
    pub error: Option<String>,
    /// Phrases the zh-CN explanation must contain.
    #[serde(default)]
    pub explain: Vec<String>,
    /// Phrases the English explanation must contain.
    #[serde(default)]
    pub explain_en: Vec<String>,
}

/// The outcome of one case.
#[derive(Debug)]
pub struct CaseReport {
    pub name: String,
    /// Empty when the case passed.
    pub failures: Vec<String>,
    /// Number of values checked.
    pub checks: usize,
}

fn cell(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => crate::num::from_toml_float(*f)
            .map(fmt)
            .unwrap_or_else(|| f.to_string()),
        toml::Value::Boolean(b) => {
            if *b {
                "1".into()
            } else {
                "0".into()
            }
        }
        toml::Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// A case's rows as a header and cells, as a CSV would hold them (without `expect`).
pub fn case_table(case: &Case) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers: Vec<String> = Vec::new();
    for r in &case.rows {
        for k in r.keys() {
            if k != "expect" && !headers.contains(k) {
                headers.push(k.clone());
            }
        }
    }
    let cells = case
        .rows
        .iter()
        .map(|r| {
            headers
                .iter()
                .map(|h| r.get(h).map(cell).unwrap_or_default())
                .collect()
        })
        .collect();
    (headers, cells)
}

/// Parse an examples file.
pub fn parse(src: &str) -> Result<Examples, String> {
    toml::from_str(src).map_err(|e| e.to_string())
}

/// Run every case of `ex` against `t`.
pub fn run(t: &Template, ex: &Examples) -> Vec<CaseReport> {
    ex.cases.iter().map(|c| run_case(t, c)).collect()
}

fn run_case(t: &Template, case: &Case) -> CaseReport {
    let mut rep = CaseReport {
        name: case.name.clone(),
        failures: Vec::new(),
        checks: 0,
    };
    let mut engine = Engine::new(t);
    for (k, v) in &case.params {
        if let Err(m) = engine.set_param(k, v.0) {
            let text = m.render(Lang::Zh);
            rep.checks += 1;
            match &case.error {
                Some(want) if text.contains(want.as_str()) => {}
                _ => rep.failures.push(format!("param {k}: {text}")),
            }
            return rep;
        }
    }
    // Columns: every key used by any row, in first-seen order.
    let mut headers: Vec<String> = Vec::new();
    let mut expects: Vec<Expect> = Vec::new();
    let mut tables = Vec::new();
    for r in &case.rows {
        let mut r = r.clone();
        let expect: Expect = match r.remove("expect") {
            Some(e) => match e.try_into() {
                Ok(x) => x,
                Err(err) => {
                    rep.failures.push(format!("bad expect: {err}"));
                    return rep;
                }
            },
            None => Expect::default(),
        };
        for k in r.keys() {
            if !headers.contains(k) {
                headers.push(k.clone());
            }
        }
        expects.push(expect);
        tables.push(r);
    }
    let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
    let cols = match match_header(t, &hdr) {
        Ok(c) => c,
        Err(errs) => {
            let text: Vec<String> = errs.iter().map(|e| e.msg.render(Lang::Zh)).collect();
            rep.checks += 1;
            match &case.error {
                Some(want) if text.iter().any(|m| m.contains(want.as_str())) => {}
                _ => rep
                    .failures
                    .push(format!("header refused: {}", text.join("; "))),
            }
            return rep;
        }
    };
    if !cols.ignored.is_empty() {
        rep.failures.push(format!(
            "columns the template does not know: {}",
            cols.ignored.join(", ")
        ));
    }
    let mut rows = Vec::new();
    let mut row_of = Vec::new();
    for (i, tbl) in tables.iter().enumerate() {
        let cells: Vec<String> = headers
            .iter()
            .map(|h| tbl.get(h).map(cell).unwrap_or_default())
            .collect();
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        match parse_row(t, &cols, &refs, i + 1) {
            Ok(r) => {
                rows.push(r);
                row_of.push(i);
            }
            Err(errs) => {
                let text: Vec<String> = errs
                    .iter()
                    .map(|e| {
                        format!(
                            "{}: {}",
                            e.header.clone().unwrap_or_default(),
                            e.msg.render(Lang::Zh)
                        )
                    })
                    .collect();
                rep.checks += 1;
                match expects[i].error.as_ref().or(case.error.as_ref()) {
                    Some(want) if text.iter().any(|m| m.contains(want.as_str())) => {}
                    _ => rep
                        .failures
                        .push(format!("row {} refused: {}", i + 1, text.join("; "))),
                }
            }
        }
    }
    let batch = score_batch(&engine, &rows);
    for (r, &i) in row_of.iter().enumerate() {
        let ex = &expects[i];
        let who = format!("row {} ({})", i + 1, rows[r].id);
        if let Some(err) = batch.failed(r) {
            let m = err.msg.render(Lang::Zh);
            rep.checks += 1;
            match &ex.error {
                Some(want) if m.contains(want.as_str()) => {}
                _ => rep.failures.push(format!("{who}: scoring failed: {m}")),
            }
            continue;
        }
        if let Some(want) = &ex.error {
            rep.failures.push(format!(
                "{who}: expected an error containing `{want}`, but it scored"
            ));
            continue;
        }
        fn check(rep: &mut CaseReport, who: &str, what: String, got: Decimal, want: Decimal) {
            rep.checks += 1;
            if got.normalize() != want.normalize() {
                rep.failures.push(format!(
                    "{who}: {what} = {}, expected {}",
                    fmt(got),
                    fmt(want)
                ));
            }
        }
        for (id, want) in &ex.items {
            match t.item_index(id) {
                Some(k) => check(
                    &mut rep,
                    &who,
                    format!("item `{id}`"),
                    batch.item(r, k),
                    want.0,
                ),
                None => rep.failures.push(format!("{who}: no item `{id}`")),
            }
        }
        for (id, want) in &ex.sections {
            match t.sections.iter().position(|s| &s.id == id) {
                Some(k) => check(
                    &mut rep,
                    &who,
                    format!("section `{id}`"),
                    batch.section(r, k),
                    want.0,
                ),
                None => rep.failures.push(format!("{who}: no section `{id}`")),
            }
        }
        if let Some(want) = &ex.total {
            check(&mut rep, &who, "total".into(), batch.total(r), want.0);
        }
        for (id, want) in &ex.pay {
            match t.pay.iter().position(|p| &p.id == id) {
                Some(k) => check(
                    &mut rep,
                    &who,
                    format!("pay `{id}`"),
                    batch.pay(r, k),
                    want.0,
                ),
                None => rep.failures.push(format!("{who}: no pay line `{id}`")),
            }
        }
        if let Some(want) = &ex.grade {
            rep.checks += 1;
            let got = batch.grade[r]
                .map(|g| t.grades[g as usize].name.as_str())
                .unwrap_or("-");
            if got != want {
                rep.failures
                    .push(format!("{who}: grade = {got}, expected {want}"));
            }
        }
        if let Some(want) = ex.rank {
            rep.checks += 1;
            if batch.rank[r] != Some(want) {
                rep.failures.push(format!(
                    "{who}: rank = {:?}, expected {want}",
                    batch.rank[r]
                ));
            }
        }
        if let Some(want) = ex.selected {
            rep.checks += 1;
            if batch.selected[r] != want {
                rep.failures.push(format!(
                    "{who}: selected = {}, expected {want}",
                    batch.selected[r]
                ));
            }
        }
        for id in &ex.na {
            rep.checks += 1;
            match t.item_index(id) {
                Some(k) if batch.na[r * t.items.len() + k] => {}
                _ => rep
                    .failures
                    .push(format!("{who}: item `{id}` should be not applicable")),
            }
        }
        if !ex.explain.is_empty() || !ex.explain_en.is_empty() {
            match explain_row(&engine, &batch, &rows, r) {
                Ok((f, rec)) => {
                    for (lang, wants) in [(Lang::Zh, &ex.explain), (Lang::En, &ex.explain_en)] {
                        let text = crate::explain::render(t, &f, &rec, lang);
                        for w in wants {
                            rep.checks += 1;
                            if !text.contains(w.as_str()) {
                                rep.failures
                                    .push(format!("{who}: explanation lacks `{w}`:\n{text}"));
                            }
                        }
                    }
                }
                Err(e) => rep
                    .failures
                    .push(format!("{who}: explain failed: {}", e.msg.render(Lang::Zh))),
            }
        }
    }
    rep
}
