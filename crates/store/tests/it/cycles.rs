//! What the engine is fed from stored data: last year's values for a comparison (F02), the
//! averages of peers in the same cycle (F15), and the template version a cycle started with
//! (F01). Each form is driven with its worked example, so the expected numbers are the
//! sheet's. On SQLite and PostgreSQL.

use crate::common;

use common::*;
use kaohe_store::*;
use std::collections::BTreeMap;

use common::both;

both!(
    last_years_values_come_from_last_years_cycle,
    peers_average_within_the_cycle,
    a_launched_cycle_keeps_its_template_version,
    a_row_that_cannot_be_read_is_corrupt_not_a_default,
    grade_bands_for_a_form_without_grades,
    a_grid_longer_than_a_chunk_is_stored_whole_or_not_at_all,
    an_import_names_an_appraisal_whose_inputs_cannot_be_read,
    results_by_total_and_rank_page_as_the_figures_say,
    notes_written_are_what_is_read_back,
);

/// F01 published and its first worked example appraised in a cycle of `period`: HR, and
/// the scored appraisal.
async fn f01_example(db: &Db, period: &str) -> (User, Appraisal) {
    db.publish_template("hr", &root("templates/F01.toml"))
        .await
        .unwrap();
    let (id, values, _) = example("F01", 0).remove(0);
    let hr = hr(db, &[&id]).await;
    let mut got = cycle(db, &hr, "F01", period, &[(id.clone(), values)]).await;
    let a = got.remove(&id).unwrap();
    (hr, a)
}

/// What a write of notes answers is the appraisal as stored — its new version, time and
/// notes exactly as the next read gives them (the answer is built from the write, not read
/// again) — and the old version is then refused.
async fn notes_written_are_what_is_read_back(db: Db) {
    let (hr, a) = f01_example(&db, "2026-11").await;
    let a = &a;
    let notes = Notes {
        comments: Some("本月客户拓展达标，\"回访\"记录完整".into()),
        next_goals: Some("下月新增5户".into()),
        interview: Some(Interview {
            date: "2026-12-01".into(),
            participants: "HR、主管".into(),
            notes: "面谈顺利".into(),
        }),
        ..Default::default()
    };
    let written = db.write_notes(&hr, a.id, a.version, &notes).await.unwrap();
    assert_eq!(written.version, a.version + 1);
    assert_eq!(written.notes.comments, notes.comments);
    assert_eq!(written.notes.interview, notes.interview);
    assert!(written.updated_at >= a.updated_at);
    assert_eq!(written, db.appraisal(&hr, a.id).await.unwrap());
    let stale = db
        .write_notes(&hr, a.id, a.version, &notes)
        .await
        .unwrap_err();
    assert!(
        matches!(stale, StoreError::Stale { current } if current == written.version),
        "{stale}"
    );
}

/// F01 has no grades: HR gives the cycle bands as people type them; they grade every
/// appraisal at once; bands that leave totals without a grade, or run the wrong way, are
/// refused saying why; a form with its own grades keeps them.
async fn grade_bands_for_a_form_without_grades(db: Db) {
    let (hr, a) = f01_example(&db, "2026-11").await;
    let a = &a;
    assert_eq!((a.total.as_deref(), a.grade.as_deref()), (Some("90"), None));
    for (bad, why) in [
        ("A ≥ 80\nB ≥ 90\nC", "从高到低"),
        ("A ≥ 90\nB ≥ 80", "最后一个等级"),
        ("A ≥ 90\nA ≥ 80\nC", "重复"),
        ("A ≥ 九十\nB", "不是数字"),
    ] {
        let e = parse_grade_bands(bad).unwrap_err();
        assert!(e.to_string().contains(why), "{bad}: {e}");
    }
    let bands = parse_grade_bands("A ≥ 90\nB >= 80；C 60\nD").unwrap();
    assert_eq!(bands.len(), 4);
    assert_eq!(bands[1].min.as_deref(), Some("80"));
    db.set_cycle_grades("hr", a.cycle_id, &bands).await.unwrap();
    let now = db.appraisal(&hr, a.id).await.unwrap();
    assert_eq!(now.grade.as_deref(), Some("A"));
    assert!(now.version > a.version, "a new grade is a new version");
    let log = db.audit_log(0, 10_000).await.unwrap();
    assert!(log.iter().any(|e| e.action == "cycle.grades"));
    // The same bands through the store's check for data given by an API.
    let refused = db
        .set_cycle_grades(
            "hr",
            a.cycle_id,
            &[GradeBand {
                name: "A".into(),
                min: Some("90".into()),
            }],
        )
        .await;
    assert!(matches!(refused, Err(StoreError::Fields(_))), "{refused:?}");
}

/// An import longer than the store's chunk of rows (2,300 rows): one bad row near the end
/// stores nothing at all, not even the rows before it; without it every row is stored and
/// scored. What an import matches against carries only the inputs asked for.
async fn a_grid_longer_than_a_chunk_is_stored_whole_or_not_at_all(db: Db) {
    db.publish_template("hr", &root("templates/F01.toml"))
        .await
        .unwrap();
    let (_, values, total) = example("F01", 0).remove(0);
    let nos: Vec<String> = (0..2300).map(|i| format!("E{i:05}")).collect();
    let refs: Vec<&str> = nos.iter().map(String::as_str).collect();
    let hr = hr(&db, &refs).await;
    let cy = db
        .create_cycle(
            "hr",
            &NewCycle {
                name: "F01 2026-11".into(),
                form_id: "F01".into(),
                period: "2026-11".into(),
                members: Members {
                    employees: nos.clone(),
                    ..Default::default()
                },
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    db.launch_cycle("hr", cy.id).await.unwrap();
    let first = values.keys().next().unwrap().clone();
    let targets = |db: &Db| {
        let (db, hr, first, id) = (db.clone(), hr.clone(), first.clone(), cy.id);
        async move {
            let mut all = Vec::new();
            let mut after = 0;
            loop {
                let (page, next) = db
                    .import_targets(&hr, id, after, 1000, std::slice::from_ref(&first))
                    .await
                    .unwrap();
                all.extend(page);
                match next {
                    Some(n) => after = n,
                    None => return all,
                }
            }
        }
    };
    let before = targets(&db).await;
    assert_eq!(before.len(), 2300);
    // The pages' cursors: every 1,000th id, so the pages can be read at once and agree
    // with the pages read one after another.
    let starts = db.page_starts(cy.id, 1000).await.unwrap();
    assert_eq!(starts, [before[999].id, before[1999].id]);
    let mut at_once = Vec::new();
    for after in std::iter::once(0).chain(starts) {
        let (page, _) = db
            .import_targets(&hr, cy.id, after, 1000, std::slice::from_ref(&first))
            .await
            .unwrap();
        at_once.extend(page);
    }
    assert_eq!(at_once, before);
    let audits = audit_count(&db).await;
    let mut grid: Vec<GridRow> = nos
        .iter()
        .enumerate()
        .map(|(i, no)| GridRow {
            line: i + 2,
            emp_no: no.clone(),
            values: values.clone().into_iter().collect(),
            version: None,
            reason: None,
        })
        .collect();
    grid[2200].emp_no = "X99999".into();
    match db.enter_grid(&hr, cy.id, None, &grid).await {
        Err(StoreError::Rows(rows)) => {
            assert_eq!(rows.len(), 1, "{rows:?}");
            assert_eq!(rows[0].0, 2202, "the bad row's line");
            assert!(rows[0].2.to_string().contains("X99999"), "{rows:?}");
        }
        other => panic!("one bad row refuses the import: {other:?}"),
    }
    assert_eq!(
        targets(&db).await,
        before,
        "nothing stored, no version moved"
    );
    assert_eq!(audit_count(&db).await, audits);

    grid[2200].emp_no = nos[2200].clone();
    // The database refuses one row of the second chunk, while the chunks around it are
    // read, scored and written at once: the import fails with the database's error and,
    // again, nothing stays.
    let refused = before[1500].id;
    let triggers: Vec<String> = match db.backend() {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER refuse_one BEFORE UPDATE ON appraisals WHEN OLD.id = {refused} \
             BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
        )],
        Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN IF OLD.id = {refused} \
                 THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER refuse_one BEFORE UPDATE ON appraisals FOR EACH ROW \
             EXECUTE FUNCTION refuse_one()"
                .into(),
        ],
    };
    for sql in &triggers {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .execute(db.pool())
            .await
            .unwrap();
    }
    let failed = db.enter_grid(&hr, cy.id, None, &grid).await;
    assert!(
        failed
            .as_ref()
            .is_err_and(|e| format!("{e:?}").contains("refused by test")),
        "{failed:?}"
    );
    let drop = match db.backend() {
        Backend::Sqlite => "DROP TRIGGER refuse_one",
        Backend::Postgres => "DROP TRIGGER refuse_one ON appraisals",
    };
    sqlx::query(drop).execute(db.pool()).await.unwrap();
    assert_eq!(
        targets(&db).await,
        before,
        "nothing stored after the refusal"
    );
    assert_eq!(audit_count(&db).await, audits);

    assert_eq!(db.enter_grid(&hr, cy.id, None, &grid).await.unwrap(), 2300);
    let after = targets(&db).await;
    for (a, b) in after.iter().zip(&before) {
        assert_eq!(a.version, b.version + 1, "{}", a.emp_no);
        assert_eq!(
            a.inputs,
            [Some(values[&first].clone())],
            "only the input asked for"
        );
    }
    let results = db.results(cy.id).await.unwrap();
    assert_eq!(results.len(), 2300);
    for r in &results {
        assert!(
            r.total.as_deref().is_some_and(|t| same(t, &total)),
            "{}: {:?}",
            r.emp_no,
            r.total
        );
    }
    assert_eq!(
        audit_count(&db).await,
        audits + 2300,
        "one entry per appraisal written"
    );
}

/// HR's results sorted by total and by rank, either way, in pages: the order the
/// figures say (ties by 工号, none without a figure before one with), the same rows once
/// each, the page and department filters applied, and again after new figures are
/// written (the ranking kept by the store moves with them).
async fn results_by_total_and_rank_page_as_the_figures_say(db: Db) {
    db.publish_template("hr", &root("templates/F01.toml"))
        .await
        .unwrap();
    let (_, values, _) = example("F01", 0).remove(0);
    // A numeric input to vary, so that totals differ, tie and (with it left out) fall.
    let (key, base) = values
        .iter()
        .find_map(|(k, v)| Some((k.clone(), v.parse::<rust_decimal::Decimal>().ok()?)))
        .unwrap();
    let nos: Vec<String> = (0..23).map(|i| format!("E{i:05}")).collect();
    let refs: Vec<&str> = nos.iter().map(String::as_str).collect();
    let hr = hr(&db, &refs).await;
    let rows: Vec<(String, Values)> = nos
        .iter()
        .enumerate()
        .map(|(i, no)| {
            let mut v = values.clone();
            // Every third the same figure (ties); the others spread out within its range.
            let f = if i % 3 == 0 {
                base
            } else {
                base * rust_decimal::Decimal::from(i % 7) / rust_decimal::Decimal::from(7)
            };
            v.insert(key.clone(), f.round_dp(2).to_string());
            (no.clone(), v)
        })
        .collect();
    let cy = launched(&db, &hr, "F01 2026-11", "F01", "2026-11", &rows).await;
    let check = |db: Db| async move {
        let all = db.results(cy.id).await.unwrap();
        let dec = |t: &Option<String>| {
            t.as_deref()
                .map(|t| t.parse::<rust_decimal::Decimal>().unwrap())
        };
        let totals: std::collections::BTreeSet<_> =
            all.iter().filter_map(|r| dec(&r.total)).collect();
        assert!(totals.len() > 3, "the totals differ: {totals:?}");
        for (sort, desc) in [
            (ResultSort::Total, true),
            (ResultSort::Total, false),
            (ResultSort::Rank, false),
            (ResultSort::Rank, true),
        ] {
            let mut want: Vec<&ResultRow> = all.iter().collect();
            want.sort_by(|a, b| {
                let key = |r: &ResultRow| match sort {
                    ResultSort::Total => dec(&r.total),
                    _ => r.rank.map(rust_decimal::Decimal::from),
                };
                let (x, y) = (key(a), key(b));
                let by = match (x, y) {
                    (Some(x), Some(y)) if desc => y.cmp(&x),
                    (Some(x), Some(y)) => x.cmp(&y),
                    (x, y) => y.is_some().cmp(&x.is_some()),
                };
                by.then_with(|| a.emp_no.cmp(&b.emp_no))
            });
            let want: Vec<&str> = want.iter().map(|r| r.emp_no.as_str()).collect();
            // Pages of 5, all of them.
            let mut got = Vec::new();
            for offset in (0..30).step_by(5) {
                let page = db
                    .results_page(
                        cy.id,
                        &ResultQuery {
                            sort,
                            desc,
                            page: Page { limit: 5, offset },
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                assert_eq!(page.total_rows, 23);
                got.extend(page.rows.into_iter().map(|r| {
                    let mine = all.iter().find(|a| a.emp_no == r.emp_no).unwrap();
                    assert_eq!((&r.total, r.rank), (&mine.total, mine.rank), "{}", r.emp_no);
                    r.emp_no
                }));
            }
            assert_eq!(got, want, "{sort:?} desc={desc}");
            // One department's: the same order, the others left out.
            let dept = all[0].department_id;
            let page = db
                .results_page(
                    cy.id,
                    &ResultQuery {
                        department_id: Some(dept),
                        within: Some(vec![dept]),
                        sort,
                        desc,
                        page: Page {
                            limit: 100,
                            offset: 0,
                        },
                    },
                )
                .await
                .unwrap();
            let want_dept: Vec<&str> = want
                .iter()
                .copied()
                .filter(|no| {
                    all.iter()
                        .any(|a| a.emp_no == *no && a.department_id == dept)
                })
                .collect();
            let got_dept: Vec<String> = page.rows.into_iter().map(|r| r.emp_no).collect();
            assert_eq!(got_dept, want_dept, "{sort:?} desc={desc}, one department");
        }
    };
    check(db.clone()).await;
    // New figures for a few: the orders follow at once.
    let grid: Vec<GridRow> = nos
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 == 1)
        .map(|(i, no)| GridRow {
            line: i + 2,
            emp_no: no.clone(),
            values: vec![(
                key.clone(),
                (base / rust_decimal::Decimal::from(2))
                    .round_dp(2)
                    .to_string(),
            )],
            version: None,
            reason: None,
        })
        .collect();
    db.enter_grid(&hr, cy.id, None, &grid).await.unwrap();
    check(db.clone()).await;
}

/// Entries in the audit log, read a page at a time.
async fn audit_count(db: &Db) -> usize {
    let (mut n, mut after) = (0, 0);
    loop {
        let page = db.audit_log(after, 10_000).await.unwrap();
        let Some(last) = page.last() else { return n };
        n += page.len();
        after = last.id;
    }
}

fn root(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The rows of a worked example: (id, values, expected total).
fn example(form: &str, case: usize) -> Vec<(String, Values, String)> {
    let doc: toml::Table =
        toml::from_str(&root(&format!("templates/examples/{form}.toml"))).unwrap();
    doc["case"].as_array().unwrap()[case]["row"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let row = row.as_table().unwrap();
            let mut v = Values::new();
            for (k, x) in row {
                if matches!(k.as_str(), "id" | "name" | "expect" | "group") {
                    continue;
                }
                v.insert(
                    k.clone(),
                    match x {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                );
            }
            let total = row["expect"]
                .get("total")
                .map(|t| t.to_string())
                .unwrap_or_default();
            (row["id"].as_str().unwrap().to_string(), v, total)
        })
        .collect()
}

async fn hr(db: &Db, emps: &[&str]) -> User {
    employees(db, emps).await;
    hr_user(db).await
}

/// A launched cycle with the rows entered by HR and scored; the appraisals by emp_no.
async fn cycle(
    db: &Db,
    hr: &User,
    form: &str,
    period: &str,
    rows: &[(String, Values)],
) -> BTreeMap<String, Appraisal> {
    let cy = launched(db, hr, &format!("{form} {period}"), form, period, rows).await;
    db.appraisals(hr, Some(cy.id), None, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.emp_no.clone(), a))
        .collect()
}

fn same(a: &str, b: &str) -> bool {
    a.parse::<rust_decimal::Decimal>().unwrap() == b.parse::<rust_decimal::Decimal>().unwrap()
}

async fn last_years_values_come_from_last_years_cycle(db: Db) {
    db.publish_template("hr", &root("templates/F02.toml"))
        .await
        .unwrap();
    let (id, values, total) = example("F02", 0).remove(0);
    let hr = hr(&db, &[&id]).await;
    // Last November's appraisal holds the sales of last year...
    let mut last = values.clone();
    let prior = last
        .remove("orphan_sales.last_year")
        .expect("the example compares");
    last.insert("orphan_sales".into(), prior.clone());
    last.remove("orphan_sales.last_year");
    cycle(&db, &hr, "F02", "2025-11", &[(id.clone(), last)]).await;
    // ...so this November's sheet needs no hand-copied prior value.
    let mut now = values.clone();
    now.remove("orphan_sales.last_year");
    let a = &cycle(&db, &hr, "F02", "2026-11", &[(id.clone(), now.clone())]).await[&id];
    let res = a.result.as_ref().unwrap();
    assert!(res.error.is_none(), "{res:?}");
    assert!(
        same(a.total.as_deref().unwrap(), &total),
        "{} vs {total}",
        a.total.as_deref().unwrap()
    );
    // Without last year's cycle, the comparison has nothing to compare with and differs.
    let other = fresh(db.backend()).await;
    other
        .publish_template("hr", &root("templates/F02.toml"))
        .await
        .unwrap();
    let hr2 = self::hr(&other, &[&id]).await;
    let b = &cycle(&other, &hr2, "F02", "2026-11", &[(id.clone(), now)]).await[&id];
    assert!(
        b.total != a.total || b.result.as_ref().unwrap().error.is_some(),
        "{b:?}"
    );
}

async fn peers_average_within_the_cycle(db: Db) {
    db.publish_template("hr", &root("templates/F15.toml"))
        .await
        .unwrap();
    let rows = example("F15", 0);
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let hr = hr(&db, &ids).await;
    let got = cycle(
        &db,
        &hr,
        "F15",
        "2026-Q4",
        &rows
            .iter()
            .map(|r| (r.0.clone(), r.1.clone()))
            .collect::<Vec<_>>(),
    )
    .await;
    for (id, _, total) in &rows {
        let a = &got[id];
        assert!(
            same(a.total.as_deref().unwrap(), total),
            "{id}: {:?} vs {total}",
            a.total
        );
    }
    // 孙三 (M3) had three items that did not apply: each is the others' average.
    let m3 = got["M3"].result.as_ref().unwrap();
    let na: Vec<&str> = m3
        .items
        .iter()
        .filter(|i| i.na)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(
        na,
        [
            "thousand_households",
            "vulnerable_support",
            "blank_villages"
        ]
    );
    // Its explanation (what the sheet page shows) says so, with the average it took.
    let ex = db.explain(&hr, got["M3"].id).await.unwrap();
    let line = |lines: &[(String, String)], key: &str| {
        lines
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, l)| l.clone())
            .unwrap_or_default()
    };
    let zh = line(&ex.lines_zh, "item:thousand_households");
    let score = &m3
        .items
        .iter()
        .find(|i| i.id == "thousand_households")
        .unwrap()
        .score;
    assert!(zh.contains("本项不适用，取同组其他人平均分"), "{zh}");
    assert!(zh.contains(score.as_str()), "{zh} / {score}");
    let en = line(&ex.lines_en, "item:thousand_households");
    assert!(
        en.contains("the average of the others in the group"),
        "{en}"
    );
}

async fn a_launched_cycle_keeps_its_template_version(db: Db) {
    let v1 = root("templates/F01.toml");
    db.publish_template("hr", &v1).await.unwrap();
    let (id, values, _) = example("F01", 0).remove(0);
    let hr = hr(&db, &[&id]).await;
    let cy = db
        .create_cycle(
            "hr",
            &NewCycle {
                name: "固定版本".into(),
                form_id: "F01".into(),
                period: "2026-11".into(),
                members: Members {
                    employees: vec![id.clone()],
                    ..Default::default()
                },
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(cy.template_version, 1);
    db.launch_cycle("hr", cy.id).await.unwrap();
    // HR edits the form while the month runs: the bonus would double.
    let v2 = v1.replace(
        "formula = \"max(total, 0) / 100 × monthly_bonus\"",
        "formula = \"max(total, 0) / 100 × monthly_bonus × 2\"",
    );
    assert_ne!(v1, v2);
    assert_eq!(db.publish_template("hr", &v2).await.unwrap().version, 2);
    let grid = [GridRow {
        line: 1,
        emp_no: id.clone(),
        values: values.into_iter().collect(),
        version: None,
        reason: None,
    }];
    db.enter_grid(&hr, cy.id, None, &grid).await.unwrap();
    db.score_cycle("hr", cy.id).await.unwrap();
    let a = db
        .appraisals(&hr, Some(cy.id), None, Page::default())
        .await
        .unwrap();
    assert_eq!(
        a[0].bonus.as_deref(),
        Some("2700.00"),
        "the running cycle keeps version 1"
    );
    assert_eq!(db.cycle(cy.id).await.unwrap().template_version, 1);
}

/// An import reads the stored inputs of every appraisal it matches and writes: one that is
/// not JSON (a hand edit) is named, table, row and column, both where the rows are matched
/// and where they are written; nothing is written. Read again once repaired, the stored
/// values of the inputs asked for come back as stored, quotes and all.
async fn an_import_names_an_appraisal_whose_inputs_cannot_be_read(db: Db) {
    db.publish_template("hr", &root("templates/F01.toml"))
        .await
        .unwrap();
    let mut people = example("F01", 0);
    let (no, values, _) = people.remove(0);
    let others: Vec<String> = (1..=3).map(|i| format!("{no}-{i}")).collect();
    let mut all: Vec<&str> = vec![&no];
    all.extend(others.iter().map(String::as_str));
    let hr = hr(&db, &all).await;
    let members: Vec<(String, BTreeMap<String, String>)> = all
        .iter()
        .map(|n| (n.to_string(), values.clone()))
        .collect();
    let got = cycle(&db, &hr, "F01", "2026-12", &members).await;
    let (a, cycle_id) = (&got[&no], got[&no].cycle_id);
    let first = values.keys().next().unwrap().clone();
    let asked = [first.clone(), "no_such_input".to_string()];
    raw(
        &db,
        "UPDATE appraisals SET inputs = '{not json' WHERE id = $1",
        a.id,
    )
    .await;
    let corrupt = |got: &StoreError| matches!(got, StoreError::Corrupt { table: "appraisals", id, column: "inputs" } if *id == a.id);
    let targets = db.import_targets(&hr, cycle_id, 0, 1000, &asked).await;
    assert!(targets.as_ref().is_err_and(corrupt), "{targets:?}");
    let audits = audit_count(&db).await;
    let grid: Vec<GridRow> = all
        .iter()
        .enumerate()
        .map(|(i, n)| GridRow {
            line: i + 2,
            emp_no: n.to_string(),
            values: vec![(first.clone(), "7".to_string())],
            version: None,
            reason: None,
        })
        .collect();
    let entered = db.enter_grid(&hr, cycle_id, None, &grid).await;
    assert!(entered.as_ref().is_err_and(corrupt), "{entered:?}");
    assert_eq!(audit_count(&db).await, audits, "nothing written");
    // Repaired by hand, with a value full of quotes and an input the form does not ask.
    let stored = r#"{"zz_other":"1","FIRST":"say \"5\" \\ 五"}"#.replace("FIRST", &first);
    raw(
        &db,
        &format!("UPDATE appraisals SET inputs = '{stored}' WHERE id = $1"),
        a.id,
    )
    .await;
    let (list, _) = db
        .import_targets(&hr, cycle_id, 0, 1000, &asked)
        .await
        .unwrap();
    let it = list.iter().find(|t| t.id == a.id).unwrap();
    assert_eq!(it.inputs, [Some(r#"say "5" \ 五"#.to_string()), None]);
    let other = list.iter().find(|t| t.emp_no == others[0]).unwrap();
    assert_eq!(other.inputs, [Some(values[&first].clone()), None]);
    // And written: the repaired appraisal's other input stays as it was.
    db.enter_grid(&hr, cycle_id, None, &grid).await.unwrap();
    let now = db.appraisal(&hr, a.id).await.unwrap();
    assert_eq!(now.inputs.get(&first).map(String::as_str), Some("7"));
    assert_eq!(now.inputs.get("zz_other").map(String::as_str), Some("1"));
}

/// Run one statement on the store's own database (to corrupt it as a hand edit would).
async fn raw(db: &Db, sql: &str, id: i64) {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    sqlx::query(sql).bind(id).execute(db.pool()).await.unwrap();
}

/// A state, a decimal, a time or JSON that cannot be read is reported with its table, row
/// and column — never read as data entry, zero or "now".
async fn a_row_that_cannot_be_read_is_corrupt_not_a_default(db: Db) {
    let (hr, a) = f01_example(&db, "2026-12").await;
    let id = a.id;
    assert!(db.appraisal(&hr, id).await.is_ok());
    for (column, bad, good) in [
        ("state", "'bogus'", format!("'{}'", a.state.as_str())),
        ("bonus", "'12,o0'", "NULL".to_string()),
        ("total", "'ninety'", "NULL".to_string()),
        (
            "updated_at",
            "'yesterday'",
            "'2026-12-01T00:00:00.000000Z'".to_string(),
        ),
        ("published_at", "'soon'", "NULL".to_string()),
        ("inputs", "'{not json'", "'{}'".to_string()),
    ] {
        let corrupt = format!("UPDATE appraisals SET {column} = {bad} WHERE id = $1");
        raw(&db, &corrupt, id).await;
        for got in [
            db.appraisal(&hr, id).await.map(|_| ()),
            db.appraisals(&hr, Some(a.cycle_id), None, Page::default())
                .await
                .map(|_| ()),
        ] {
            match got {
                Err(StoreError::Corrupt {
                    table: "appraisals",
                    id: at,
                    column: c,
                }) => {
                    assert_eq!((at, c), (id, column));
                }
                other => panic!("{column} = {bad}: {other:?}"),
            }
        }
        let e = db.appraisal(&hr, id).await.unwrap_err().to_string();
        assert!(
            e.contains(column) && e.contains("appraisals") && e.contains(&id.to_string()),
            "the message names the row: {e}"
        );
        raw(
            &db,
            &format!("UPDATE appraisals SET {column} = {good} WHERE id = $1"),
            id,
        )
        .await;
    }
    // The results list too; and a cycle's parameters.
    raw(
        &db,
        "UPDATE appraisals SET state = 'bogus' WHERE id = $1",
        id,
    )
    .await;
    assert!(matches!(
        db.results(a.cycle_id).await,
        Err(StoreError::Corrupt {
            column: "state",
            ..
        })
    ));
    raw(
        &db,
        "UPDATE cycles SET members = '[1,' WHERE id = $1",
        a.cycle_id,
    )
    .await;
    assert!(matches!(
        db.cycle(a.cycle_id).await,
        Err(StoreError::Corrupt {
            table: "cycles",
            column: "members",
            ..
        })
    ));
}
