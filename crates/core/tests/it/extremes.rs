//! Numbers at the edge of `Decimal` (28 digits) never panic: every bundled form, every
//! numeric input and parameter set to the largest, the smallest and the tiniest values,
//! scored by the interpreter, the fast lane (`score_outputs`), the explanation
//! (`Recorder`) and a batch. Each result is a score or a row error that names the input
//! or the item, and the interpreter and the lane agree on which.

use kaohe_core::batch::score_batch;
use kaohe_core::input::{Row, match_header, parse_cell, parse_row};
use kaohe_core::model::InputKind;
use kaohe_core::{
    Engine, Frame, Lang, NoTrace, Recorder, RowError, Template, Val, compile_str, explain, scenario,
};
use rust_decimal::Decimal;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::str::FromStr;

const EXTREMES: [&str; 10] = [
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "0.0000000000000000000000000001",
    "-0.0000000000000000000000000001",
    "7922816251426433759354395033.5",
    "-7922816251426433759354395033.5",
    "0.0000000000000000000000000009",
    "99999999999999999999",
    "0.000000000000001",
    "0",
];

fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates")
}

/// Every bundled form with the rows of its worked examples that parse.
fn forms() -> Vec<(String, Template, Vec<Row>)> {
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(templates_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    for p in paths {
        let id = p.file_stem().unwrap().to_string_lossy().to_string();
        let t = compile_str(&std::fs::read_to_string(&p).unwrap()).expect("compiles");
        let ex = scenario::parse(
            &std::fs::read_to_string(templates_dir().join(format!("examples/{id}.toml"))).unwrap(),
        )
        .unwrap();
        let mut rows = Vec::new();
        for case in &ex.cases {
            let (headers, cells) = scenario::case_table(case);
            let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
            let Ok(cols) = match_header(&t, &hdr) else {
                continue;
            };
            for (i, c) in cells.iter().enumerate() {
                let refs: Vec<&str> = c.iter().map(String::as_str).collect();
                if let Ok(r) = parse_row(&t, &cols, &refs, i + 2) {
                    rows.push(r);
                }
            }
        }
        assert!(!rows.is_empty(), "{id}: no example row parses");
        out.push((id, t, rows));
    }
    out
}

/// Every name an error may legitimately point at.
fn names(t: &Template) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    v.extend(t.inputs.iter().flat_map(|i| [i.id.clone(), i.name.clone()]));
    v.extend(t.params.iter().flat_map(|p| [p.id.clone(), p.name.clone()]));
    v.extend(
        t.metrics
            .iter()
            .flat_map(|m| [m.id.clone(), m.name.clone()]),
    );
    v.extend(t.items.iter().flat_map(|i| [i.id.clone(), i.name.clone()]));
    v.extend(t.sections.iter().map(|s| s.name.clone()));
    v.extend(t.pay.iter().map(|p| p.name.clone()));
    for it in &t.items {
        v.extend(it.events.iter().map(|e| e.name.clone()));
    }
    v.push("总分".into());
    v
}

fn names_something(e: &RowError, names: &[String]) -> bool {
    let text = e.msg.render(Lang::Zh);
    e.column.is_some() || names.iter().any(|n| text.contains(n.as_str()))
}

/// The numeric slots of a template: inputs that hold numbers, then parameters.
fn numeric_slots(t: &Template) -> Vec<u32> {
    let mut v: Vec<u32> = t
        .inputs
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            matches!(
                i.kind,
                InputKind::Number | InputKind::Count | InputKind::Percent | InputKind::Money
            )
        })
        .map(|(s, _)| s as u32)
        .collect();
    v.extend((0..t.params.len() as u32).map(|i| t.layout.params + i));
    v
}

type Outcome = Result<Vec<Decimal>, String>;

fn outputs(t: &Template, f: &Frame) -> Vec<Decimal> {
    let l = t.layout;
    f.v[l.items as usize..l.pay as usize + t.pay.len()].to_vec()
}

/// Score `row` every way; panics are caught and reported as failures.
#[allow(clippy::too_many_arguments)]
fn score_all(
    id: &str,
    t: &Template,
    engine: &Engine,
    lane: &Engine,
    row: &Row,
    names: &[String],
    what: &str,
    failures: &mut Vec<String>,
) {
    let mut check =
        |how: &str, r: std::thread::Result<Result<Vec<Decimal>, RowError>>| -> Option<Outcome> {
            match r {
                Err(p) => {
                    let m = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    failures.push(format!("{id} {what} {how}: panicked: {m}"));
                    None
                }
                Ok(Err(e)) => {
                    if !names_something(&e, names) {
                        failures.push(format!(
                            "{id} {what} {how}: the error names no input or item: {}",
                            e.msg.render(Lang::Zh)
                        ));
                    }
                    Some(Err(e.msg.render(Lang::Zh)))
                }
                Ok(Ok(v)) => Some(Ok(v)),
            }
        };
    let interp = check(
        "interpreter",
        catch_unwind(AssertUnwindSafe(|| {
            let mut f = Frame::new(t);
            engine
                .score(&row.values, &mut f, &[], &mut NoTrace)
                .map(|()| outputs(t, &f))
        })),
    );
    let fast = check(
        "score_outputs",
        catch_unwind(AssertUnwindSafe(|| {
            let mut f = Frame::new(t);
            lane.score_outputs(&row.values, &mut f, &[])
                .map(|()| outputs(t, &f))
        })),
    );
    let explained = check(
        "explanation",
        catch_unwind(AssertUnwindSafe(|| {
            let mut f = Frame::new(t);
            let mut rec = Recorder::default();
            engine.score(&row.values, &mut f, &[], &mut rec).map(|()| {
                for lang in [Lang::Zh, Lang::En] {
                    let _ = explain::render(t, &f, &rec, lang);
                }
                let _ = explain::keyed(t, &rec, Lang::En);
                outputs(t, &f)
            })
        })),
    );
    check(
        "batch",
        catch_unwind(AssertUnwindSafe(|| {
            let b = score_batch(lane, std::slice::from_ref(row));
            match b.failed(0) {
                Some(e) => Err(e.clone()),
                None => Ok(vec![b.total(0)]),
            }
        })),
    );
    if let (Some(a), Some(b), Some(c)) = (&interp, &fast, &explained) {
        if a != b {
            failures.push(format!(
                "{id} {what}: the interpreter gives {a:?}, score_outputs {b:?}"
            ));
        }
        if a != c {
            failures.push(format!(
                "{id} {what}: the interpreter gives {a:?}, the explanation {c:?}"
            ));
        }
    }
}

#[test]
fn extreme_numbers_never_panic_and_errors_name_the_input_or_item() {
    // Panics are caught and listed below; the default hook would print thousands.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let mut scored = 0;
    for (id, t, rows) in forms() {
        let names = names(&t);
        let engine = {
            let mut e = Engine::new(&t);
            e.use_fast_lane(false);
            e
        };
        let lane = Engine::new(&t);
        let slots = numeric_slots(&t);
        for base in rows.iter().take(3) {
            for &s in &slots {
                for x in EXTREMES {
                    let slot_id = if s < t.layout.params {
                        t.inputs[s as usize].id.clone()
                    } else {
                        t.params[(s - t.layout.params) as usize].id.clone()
                    };
                    let what = format!("row {} {slot_id}={x}", base.id);
                    // Reading the cell never panics either (it may refuse the value).
                    if catch_unwind(|| parse_cell(&t, s, x)).is_err() {
                        failures.push(format!("{id} {what}: parse_cell panicked"));
                    }
                    let mut row = base.clone();
                    row.values[s as usize] = Val::Num(Decimal::from_str(x).unwrap());
                    score_all(&id, &t, &engine, &lane, &row, &names, &what, &mut failures);
                    scored += 1;
                }
            }
            // Every numeric value at once at the same extreme.
            for x in EXTREMES {
                let mut row = base.clone();
                for &s in &slots {
                    row.values[s as usize] = Val::Num(Decimal::from_str(x).unwrap());
                }
                let what = format!("row {} all={x}", base.id);
                score_all(&id, &t, &engine, &lane, &row, &names, &what, &mut failures);
                scored += 1;
            }
        }
    }
    drop(std::panic::take_hook());
    assert!(scored > 1000, "only {scored} rows scored");
    assert!(
        failures.is_empty(),
        "{} failures, first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
