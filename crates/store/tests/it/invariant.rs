//! One invariant, model-based: every number a person sees is the engine's result for the
//! inputs stored now. Random sequences of writes — HR's grid saves and imports, corrections
//! with a reason, the cycle scored again — over appraisals in every state (review,
//! approval, published, confirmed …), on a form without peers (F01) and one whose items
//! that do not apply take the peers' average (F15); after every step each appraisal's stored
//! result, total and bonus equal a fresh recomputation from its stored inputs, a write that
//! needed a reason and had none changed nothing, and an appraisal whose figures changed
//! has a new version, and the printed form (`Store::form_rows`) scores to the stored total.
//! On SQLite and PostgreSQL.

use crate::common;

use common::*;
use kaohe_store::*;
use std::collections::BTreeMap;

use common::both;

both!(
    every_number_is_the_engines_for_the_inputs_stored_now,
    a_big_cycle_is_scored_together
);

/// Sequences per form, and steps per sequence.
const SEQUENCES: u64 = 6;
const STEPS: usize = 20;

/// A small deterministic generator (xorshift64*): a failing sequence is replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

fn root(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The rows of every worked example of a form, each a person: (id, group, values).
#[allow(clippy::type_complexity)]
fn example(form: &str) -> Vec<(String, String, Values)> {
    let doc: toml::Table =
        toml::from_str(&root(&format!("templates/examples/{form}.toml"))).unwrap();
    doc["case"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, case)| case.get("error").is_none() && case.get("params").is_none())
        .flat_map(|(c, case)| {
            case["row"]
                .as_array()
                .unwrap()
                .iter()
                // Rows the sheet refuses are not a person's data.
                .filter(|row| row.get("expect").and_then(|e| e.get("error")).is_none())
                .map(move |row| (c, row.clone()))
        })
        .map(|(c, row)| {
            let row = row.as_table().unwrap();
            let mut v = Values::new();
            for (k, x) in row {
                if matches!(k.as_str(), "id" | "name" | "expect" | "group") {
                    continue;
                }
                let s = match x {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                v.insert(k.clone(), s);
            }
            let group = row
                .get("group")
                .and_then(|g| g.as_str())
                .unwrap_or("")
                .to_string();
            (format!("C{c}{}", row["id"].as_str().unwrap()), group, v)
        })
        .collect()
}

const STATES: [&str; 7] = [
    "data_entry",
    "rating",
    "review",
    "approval",
    "published",
    "appealed",
    "confirmed",
];

fn needs_reason(state: &str) -> bool {
    matches!(
        state,
        "review" | "approval" | "published" | "appealed" | "confirmed"
    )
}

/// Every appraisal of the cycle as HR sees it, by id.
async fn all(db: &Db, hr: &User, cycle: i64) -> BTreeMap<i64, Appraisal> {
    db.appraisals(hr, Some(cycle), None, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a))
        .collect()
}

/// The invariant: stored figures = a fresh recomputation of the whole cycle.
fn check(t: &kaohe_core::Template, now: &BTreeMap<i64, Appraisal>, at: &str) {
    let engine = kaohe_core::Engine::new(t);
    let list: Vec<ToScore<'_>> = now
        .values()
        .map(|a| ToScore {
            emp_no: &a.emp_no,
            group: &a.group,
            values: &a.inputs,
            prev: None,
            last_year: None,
        })
        .collect();
    let fresh = score_all(&engine, &list);
    for (a, f) in now.values().zip(fresh) {
        assert_eq!(a.total, f.total, "{at}: total of {}", a.emp_no);
        assert_eq!(a.bonus, bonus_of(&f), "{at}: bonus of {}", a.emp_no);
        assert_eq!(a.grade, f.grade, "{at}: grade of {}", a.emp_no);
        let stored = a.result.as_ref().expect("scored");
        assert_eq!(stored.total, f.total, "{at}: result of {}", a.emp_no);
    }
}

/// A launched cycle of `form` for new employees `<prefix><id>`, each with the values given
/// entered by HR and the cycle scored; HR's user and the cycle.
async fn start_cycle(
    db: &Db,
    form: &str,
    prefix: &str,
    people: &[(String, Values)],
) -> (User, Cycle) {
    let rows: Vec<(String, Values)> = people
        .iter()
        .map(|(id, v)| (format!("{prefix}{id}"), v.clone()))
        .collect();
    let emps: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    employees(db, &emps).await;
    let hr = hr_user(db).await;
    let period = if form == "F15" { "2026-Q4" } else { "2026-11" };
    let cy = launched(db, &hr, prefix, form, period, &rows).await;
    (hr, cy)
}

/// A cycle bigger than a few rows is scored on a blocking thread: 300 people on the form
/// with peer averages (F15), every figure and every printed form still the engine's.
async fn a_big_cycle_is_scored_together(db: Db) {
    let form = "F15";
    db.publish_template("hr", &root(&format!("templates/{form}.toml")))
        .await
        .unwrap();
    let t = kaohe_core::compile_str(&root(&format!("templates/{form}.toml"))).unwrap();
    let rows = example(form);
    let people: Vec<(String, Values)> = (0..300)
        .map(|i| {
            let (id, _, v) = &rows[i % rows.len()];
            (format!("{id}N{i}"), v.clone())
        })
        .collect();
    let (hr, cy) = start_cycle(&db, form, "BIG", &people).await;
    let now = all_pages(&db, &hr, cy.id).await;
    assert_eq!(now.len(), 300);
    check(&t, &now, "300 at once");
    check_forms(&db, &hr, &t, cy.id, &now, "300 at once").await;
}

/// Every appraisal of a big cycle, a page at a time.
async fn all_pages(db: &Db, hr: &User, cycle: i64) -> BTreeMap<i64, Appraisal> {
    let mut out = BTreeMap::new();
    let mut after = 0;
    loop {
        let (page, next) = db.appraisals_after(hr, cycle, after, 1000).await.unwrap();
        out.extend(page.into_iter().map(|a| (a.id, a)));
        match next {
            Some(n) => after = n,
            None => return out,
        }
    }
}

/// The printed forms agree: each appraisal's form rows (its engine row and its group's peer
/// averages, as `Store::form_rows` gives them to the .xlsx and PDF forms) score to the
/// stored total.
async fn check_forms(
    db: &Db,
    hr: &User,
    t: &kaohe_core::Template,
    cycle: i64,
    now: &BTreeMap<i64, Appraisal>,
    at: &str,
) {
    use kaohe_core::engine::{Frame, NoTrace};
    let engine = kaohe_core::Engine::new(t);
    let ids: Vec<i64> = now.keys().copied().collect();
    let rows = db.form_rows(hr, cycle, &ids).await.unwrap();
    assert_eq!(rows.len(), ids.len(), "{at}");
    for (r, a) in rows.iter().zip(now.values()) {
        assert_eq!(r.id, a.id, "{at}");
        let mut frame = Frame::new(t);
        // A row the engine refuses (a reason missing) has no stored total either.
        let printed = engine
            .score(&r.values, &mut frame, &r.peers, &mut NoTrace)
            .ok()
            .map(|_| kaohe_core::num::fmt(frame.total(t)));
        assert_eq!(printed, a.total, "{at}: printed total of {}", a.emp_no);
    }
}

async fn every_number_is_the_engines_for_the_inputs_stored_now(db: Db) {
    let mut steps_run = 0;
    for form in ["F01", "F15"] {
        db.publish_template("hr", &root(&format!("templates/{form}.toml")))
            .await
            .unwrap();
        let t = kaohe_core::compile_str(&root(&format!("templates/{form}.toml"))).unwrap();
        let rows = example(form);
        for seq in 0..SEQUENCES {
            let seed = 0x9E37_79B9_7F4A_7C15 ^ ((seq + 1) * if form == "F01" { 7 } else { 13 });
            let mut rng = Rng(seed);
            // Each sequence its own employees and cycle.
            let prefix = format!("{form}S{seq}");
            let people: Vec<(String, Values)> = rows
                .iter()
                .map(|(id, _, v)| (id.clone(), v.clone()))
                .collect();
            let (hr, cy) = start_cycle(&db, form, &prefix, &people).await;
            let mut now = all(&db, &hr, cy.id).await;
            check(&t, &now, &format!("{prefix} start"));
            // Values to write: those of the example, moved between rows (always in range).
            let keys: Vec<(String, Vec<String>)> = {
                let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for (_, _, v) in &rows {
                    for (k, x) in v {
                        m.entry(k.clone()).or_default().push(x.clone());
                    }
                }
                m.into_iter().collect()
            };
            for step in 0..STEPS {
                let at = format!("{prefix} seed {seed:#x} step {step}");
                let ids: Vec<i64> = now.keys().copied().collect();
                let id = *rng.pick(&ids);
                let (key, choices) = rng.pick(&keys).clone();
                let value = rng.pick(&choices).clone();
                let before = now.clone();
                match rng.below(5) {
                    // A state, as the workflow would have moved it.
                    0 => {
                        let s = *rng.pick(&STATES);
                        sqlx::query("UPDATE appraisals SET state = $1 WHERE id = $2")
                            .bind(s)
                            .bind(id)
                            .execute(db.pool())
                            .await
                            .unwrap();
                    }
                    // HR's grid or import: a reason where one is needed, sometimes missing.
                    1 | 2 => {
                        let a = &now[&id];
                        let state = a.state.as_str();
                        let give_reason = !needs_reason(state) || rng.below(4) > 0;
                        let row = GridRow {
                            line: 1,
                            emp_no: a.emp_no.clone(),
                            values: vec![(key.clone(), value.clone())],
                            version: Some(a.version),
                            reason: give_reason.then(|| "部门更正了数据".to_string()),
                        };
                        let r = db.enter_grid(&hr, cy.id, None, &[row]).await;
                        if give_reason {
                            r.unwrap_or_else(|e| panic!("{at}: {e}"));
                        } else {
                            assert!(matches!(r, Err(StoreError::Rows(_))), "{at}: {r:?}");
                            let after = all(&db, &hr, cy.id).await;
                            assert_eq!(after[&id].inputs, a.inputs, "{at}: nothing stored");
                            assert_eq!(after[&id].version, a.version, "{at}");
                        }
                    }
                    // A correction on the sheet.
                    3 => {
                        let a = &now[&id];
                        db.correct(
                            &hr,
                            id,
                            a.version,
                            &Values::from([(key.clone(), value.clone())]),
                            "核实后更正",
                        )
                        .await
                        .unwrap_or_else(|e| panic!("{at}: {e}"));
                    }
                    // HR scores the cycle again.
                    _ => {
                        db.score_cycle("hr", cy.id).await.unwrap();
                    }
                }
                now = all(&db, &hr, cy.id).await;
                check(&t, &now, &at);
                check_forms(&db, &hr, &t, cy.id, &now, &at).await;
                // Whoever saw other figures must not act on them.
                for (i, a) in &now {
                    let b = &before[i];
                    if a.total != b.total || a.bonus != b.bonus {
                        assert_ne!(
                            a.version, b.version,
                            "{at}: {} changed, same version",
                            a.emp_no
                        );
                    }
                }
                steps_run += 1;
            }
        }
    }
    assert_eq!(steps_run, 2 * SEQUENCES as usize * STEPS);
}
