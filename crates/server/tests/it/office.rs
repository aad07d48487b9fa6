//! Excel in and out over HTTP, as HR uses it: a month's data sheet (Chinese headers, a merged
//! title, blank rows, numbers typed as text, full-width digits, percent strings) imported
//! into a launched cycle and every value checked on the appraisals; every kind of bad sheet
//! refused with its sheet, row and column and nothing stored; dry runs, skipping bad rows,
//! the remembered column mapping; and the results, form and payroll workbooks. On SQLite
//! and on PostgreSQL.

use crate::common;

use common::{App, send, spawn_app};
use kaohe_office::read::read_xlsx;
use kaohe_office::results::RANK_HEADERS;
use kaohe_store::{Role, Store};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Formula, Workbook, Worksheet};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const ORG: &str = "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号
S001,王强,SC,市场部,业务,市场部经理,
A001,张伟,SC,市场部,业务,大客户经理,S001
A002,李娜,SC,市场部,业务,大客户经理,S001
A003,王伟,SC,市场部,业务,大客户经理,S001
A004,王伟,XS,销售部,业务,大客户经理,S001
K002,马俊,SC,市场部,业务,客户服务中心经理,S001
X001,赵芳,XZ,行政部,职能,行政专员,
";

struct Setup {
    hr: reqwest::Client,
    cycle: i64,
}

fn template(form: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../templates/{form}.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// HR signs in, imports the organisation, publishes `form` and launches a cycle for `members`.
async fn launched(
    app: &App,
    hr: &reqwest::Client,
    form: &str,
    period: &str,
    members: &[&str],
) -> i64 {
    let (s, b) = send(
        hr.post(format!("{}/api/templates", app.base))
            .body(template(form)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, cy) = send(hr.post(format!("{}/api/cycles", app.base)).json(&json!({
        "name": format!("{period} {form}"),
        "form_id": form,
        "period": period,
        "members": {"employees": members},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let cycle = cy["id"].as_i64().unwrap();
    let (s, l) = send(hr.post(format!("{}/api/cycles/{cycle}/launch", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    cycle
}

async fn setup(app: &App) -> Setup {
    let hr = app.user("hr", Role::HrAdmin).await;
    let (s, b) = send(hr.post(format!("{}/api/org/import", app.base)).body(ORG)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let cycle = launched(
        app,
        &hr,
        "F01",
        "2026-11",
        &["A001", "A002", "A003", "A004"],
    )
    .await;
    Setup { hr, cycle }
}

/// emp_no → stored inputs of the cycle's appraisals.
async fn inputs(app: &App, s: &Setup) -> BTreeMap<String, BTreeMap<String, String>> {
    let (st, list) =
        send(s.hr.get(format!("{}/api/appraisals?cycle_id={}", app.base, s.cycle))).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let m: BTreeMap<String, String> = a["inputs"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            (a["emp_no"].as_str().unwrap().to_string(), m)
        })
        .collect()
}

async fn audit_len(app: &App) -> usize {
    app.store.audit_log(0, 10_000).await.unwrap().len()
}

async fn import(app: &App, s: &Setup, query: &str, body: Vec<u8>) -> (StatusCode, Value) {
    send(
        s.hr.post(format!("{}/api/cycles/{}/import{query}", app.base, s.cycle))
            .body(body),
    )
    .await
}

/// A cell: number, string or nothing.
#[derive(Clone, Copy)]
enum C<'a> {
    N(f64),
    S(&'a str),
    E,
}

fn put(ws: &mut Worksheet, row: u32, cells: &[C]) {
    for (c, v) in cells.iter().enumerate() {
        match v {
            C::N(f) => {
                ws.write_number(row, c as u16, *f).unwrap();
            }
            C::S(s) => {
                ws.write_string(row, c as u16, *s).unwrap();
            }
            C::E => {}
        }
    }
}

const HEADER: [&str; 13] = [
    "工号",
    "姓名",
    "当月销售目标",
    "当月实际销售额",
    "new_customers",
    "authorised_work",
    "客户样品开发跟进(得分)",
    "contracts",
    "idle",
    "leave_late_early",
    "当月请假天数",
    "月度绩效奖金",
    "备注",
];

/// Sheet 「考核数据」: a merged title A1:M1, row 2 blank, the header on row 3, data from
/// row 4 (rows[0] is sheet row 4, and so on).
fn workbook(rows: &[Vec<C>], extra: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("考核数据").unwrap();
    ws.merge_range(0, 0, 0, 12, "2026年11月 大客户经理考核数据", &Format::new())
        .unwrap();
    let h: Vec<C> = HEADER.iter().map(|h| C::S(h)).collect();
    put(ws, 2, &h);
    for (i, r) in rows.iter().enumerate() {
        put(ws, 3 + i as u32, r);
    }
    extra(ws);
    wb.save_to_buffer().unwrap()
}

fn good_a001() -> Vec<C<'static>> {
    vec![
        C::S("A001"),
        C::S("张伟"),
        C::N(100.0),
        C::N(87.0),
        C::N(1.0),
        C::N(18.0),
        C::N(14.0),
        C::N(13.0),
        C::N(1.0),
        C::N(2.0),
        C::N(1.0),
        C::S("3,000"),
        C::S("好"),
    ]
}

fn good_a002() -> Vec<C<'static>> {
    vec![
        C::S("A002"),
        C::S("李娜"),
        C::S("100"),
        C::S("９５"),
        C::S("0"),
        C::S("15"),
        C::N(12.5),
        C::N(10.0),
        C::E,
        C::N(0.0),
        C::S("０"),
        C::N(2500.5),
        C::E,
    ]
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

use common::both;

both!(
    a_chinese_sheet_is_imported_value_by_value,
    percent_strings_and_csv_text,
    bad_sheets_are_named_by_sheet_row_and_column_and_nothing_is_stored,
    a_dry_run_stores_nothing,
    skip_invalid_imports_the_good_rows_and_lists_the_bad,
    the_confirmed_mapping_is_remembered_for_the_next_import,
    employees_matched_by_name_when_there_is_no_number_column,
    results_form_and_payroll_workbooks,
    a_department_workbook_imported_through_the_page,
    the_wrong_persons_figures_are_never_stored,
    grades_for_a_monthly_form_from_the_results_page,
    departments_handed_in_after_an_import,
    a_clerk_imports_their_departments_inputs,
    results_paged_by_cursor_and_the_workbook_rows,
);

/// The results API paged by its cursor (`after` = the last page's `next_after`) visits every
/// appraisal exactly once, in appraisal order, with the same figures and ranks as one big
/// page and as paging by offset; the results workbook's department sheets hold exactly
/// those rows, ranked within the department, and the ledger one line per appraisee.
async fn results_paged_by_cursor_and_the_workbook_rows(app: App) {
    let s = setup(&app).await;
    let mut a003 = good_a002();
    a003[0] = C::S("A003");
    a003[1] = C::S("王伟");
    a003[3] = C::N(130.0);
    let mut a004 = good_a001();
    a004[0] = C::S("A004");
    a004[1] = C::S("王伟");
    let (st, r) = import(
        &app,
        &s,
        "",
        workbook(&[good_a001(), good_a002(), a003, a004], |_| {}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let (st, b) = send(s.hr.post(format!("{}/api/cycles/{}/score", app.base, s.cycle))).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let results = |q: String| {
        let hr = s.hr.clone();
        let url = format!("{}/api/cycles/{}/results?{q}", app.base, s.cycle);
        async move {
            let (st, res) = send(hr.get(url)).await;
            assert_eq!(st, StatusCode::OK, "{res}");
            res
        }
    };
    let all = results("limit=1000".into()).await;
    let want = all["rows"].as_array().unwrap().clone();
    assert_eq!(want.len(), 4, "{all}");
    assert_eq!(all["total_rows"], 4);
    assert!(all["next_after"].is_null(), "{all}");
    let ids: Vec<i64> = want
        .iter()
        .map(|r| r["appraisal_id"].as_i64().unwrap())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in appraisal order: {ids:?}"
    );
    for size in [1, 3] {
        let mut got = Vec::new();
        let mut q = format!("limit={size}");
        loop {
            let page = results(q.clone()).await;
            assert_eq!(page["total_rows"], 4, "{page}");
            got.extend(page["rows"].as_array().unwrap().iter().cloned());
            match page["next_after"].as_i64() {
                Some(after) => q = format!("limit={size}&after={after}"),
                None => break,
            }
        }
        assert_eq!(got, want, "by cursor, {size} a page");
        let mut by_offset = Vec::new();
        for offset in (0..4).step_by(size) {
            let page = results(format!("limit={size}&offset={offset}")).await;
            assert_eq!(page["offset"], offset, "{page}");
            by_offset.extend(page["rows"].as_array().unwrap().iter().cloned());
        }
        assert_eq!(by_offset, want, "by offset, {size} a page");
    }
    // Past the end: an empty page without a cursor.
    let last = ids[3];
    let end = results(format!("after={last}")).await;
    assert_eq!(end["rows"], json!([]), "{end}");
    assert!(end["next_after"].is_null());

    // The workbook: per department, (名次, 工号, 姓名, 总分, 等级, 奖金) ranked by total
    // (ties by 工号), exactly the API's rows.
    let mut by_dept: BTreeMap<String, Vec<(String, String, Decimal, String, Decimal)>> =
        BTreeMap::new();
    for r in &want {
        let text = |k: &str| r[k].as_str().unwrap_or("").to_string();
        by_dept.entry(text("department")).or_default().push((
            text("emp_no"),
            text("name"),
            text("total").parse().unwrap(),
            text("grade"),
            text("bonus").parse().unwrap(),
        ));
    }
    let r =
        s.hr.get(format!("{}/api/cycles/{}/results.xlsx", app.base, s.cycle))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    for (dept, mut rows) in by_dept {
        rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        let t = read_xlsx(&bytes, Some(&dept)).unwrap();
        assert_eq!(t.headers, RANK_HEADERS);
        let mut got = Vec::new();
        for row in &t.rows {
            if row.cells[1].is_empty() || !row.cells[0].chars().all(|c| c.is_ascii_digit()) {
                break; // the grade distribution below the ranking
            }
            got.push((
                row.cells[0].parse::<u32>().unwrap(),
                (
                    row.cells[1].clone(),
                    row.cells[2].clone(),
                    row.cells[3].parse::<Decimal>().unwrap(),
                    row.cells[4].clone(),
                    row.cells[5].parse::<Decimal>().unwrap(),
                ),
            ));
        }
        let mut expect = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let rank = match expect.last() {
                Some((k, (_, _, t, _, _))) if *t == r.2 => *k,
                _ => i as u32 + 1,
            };
            expect.push((rank, r.clone()));
        }
        assert_eq!(got, expect, "{dept}");
    }
    let ledger = read_xlsx(&bytes, Some(kaohe_office::results::LEDGER_SHEET)).unwrap();
    let mut nos: Vec<String> = ledger.rows.iter().map(|r| r.cells[0].clone()).collect();
    let sorted = {
        let mut v = nos.clone();
        v.sort();
        v
    };
    assert_eq!(nos, sorted, "the ledger by 工号");
    nos.dedup();
    assert_eq!(nos, ["A001", "A002", "A003", "A004"]);
}

/// F01 names no grades: on the results page HR types bands; every appraisal is graded at
/// once; bands leaving totals ungraded are refused in place; the API takes the same text.
async fn grades_for_a_monthly_form_from_the_results_page(app: App) {
    let s = setup(&app).await;
    let (st, r) = import(&app, &s, "", workbook(&[good_a001(), good_a002()], |_| {})).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let web = common::web_login(&app, "hr").await;
    let url = format!("{}/hr/cycles/{}/results", app.base, s.cycle);
    let (_, html) = common::page(&web, &url).await;
    assert!(html.contains(r#"name="grades""#), "{html}");
    let csrf = common::csrf_of(&html);
    let post = format!("{}/hr/cycles/{}/grades", app.base, s.cycle);
    let (st, _, html) = common::post_form(
        &web,
        &post,
        &[("csrf", &csrf), ("grades", "A ≥ 90\nB ≥ 80")],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("等级未保存") && html.contains("最后一个等级"),
        "{html}"
    );
    assert!(html.contains("A ≥ 90"), "what was typed stays: {html}");
    let (st, _, html) = common::post_form(
        &web,
        &post,
        &[("csrf", &csrf), ("grades", "A ≥ 90\nB ≥ 75\nC ≥ 60\nD")],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let (_, res) = send(s.hr.get(format!("{}/api/cycles/{}/results", app.base, s.cycle))).await;
    let graded = res["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["total"].is_string())
        .all(|r| r["grade"].is_string());
    assert!(graded, "every scored appraisal has a grade: {res}");
    let (st, b) = send(
        s.hr.put(format!("{}/api/cycles/{}/grades", app.base, s.cycle))
            .json(&json!({"text": "优 ≥ 60，良"})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b[0]["name"], "优");
    // A quota is checked per cycle and per department: the two scored are in 市场部 only
    // (one department: no per-group line), then with a cap of 10% for 优 the cycle breaks it.
    let (st, q) = send(
        s.hr.put(format!("{}/api/cycles/{}/quotas", app.base, s.cycle))
            .json(&json!({"quotas": [{"grade": "优", "max_pct": "10"}]})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{q}");
    let over = q["check"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["grade"] == "优" && c["over"] == true);
    assert!(over, "{q}");
    assert!(q["groups"].is_array(), "{q}");
}

/// A workbook as 市场部 sends it: a merged title, a 填报 line of two cells above the
/// header, everyday headers with units, numbers as text and full-width, a 合计 row merged
/// across A:C at the bottom.
fn department_workbook(rows: &[(&str, &str, f64, &str, f64)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.merge_range(0, 0, 0, 5, "2026年11月 市场部 销售数据", &Format::new())
        .unwrap();
    put(
        ws,
        1,
        &[
            C::S("填报：市场部 王强"),
            C::E,
            C::E,
            C::S("金额单位：万元"),
        ],
    );
    put(
        ws,
        2,
        &[
            C::S("工号"),
            C::S("姓名"),
            C::S("部门"),
            C::S("当月销售目标（万元）"),
            C::S("实际完成（万元）"),
            C::S("请假天数"),
        ],
    );
    for (i, (no, name, target, actual, leave)) in rows.iter().enumerate() {
        put(
            ws,
            3 + i as u32,
            &[
                C::S(no),
                C::S(name),
                C::S("市场部"),
                C::N(*target),
                C::S(actual),
                C::N(*leave),
            ],
        );
    }
    let last = 3 + rows.len() as u32;
    ws.merge_range(last, 0, last, 2, "合  计", &Format::new())
        .unwrap();
    put(
        ws,
        last,
        &[C::E, C::E, C::E, C::N(999.0), C::S("999"), C::N(9.0)],
    );
    wb.save_to_buffer().unwrap()
}

/// The value of the `<select name="…">`'s selected option.
fn selected(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!(r#"name="{name}""#))?;
    let rest = &html[at..];
    let end = rest.find("</select>")?;
    let sel = &rest[..end];
    let opt = sel.find(" selected>")?;
    let before = &sel[..opt];
    let v = before.rfind(r#"value=""#)?;
    let v = &before[v + 7..];
    Some(v[..v.find('"')?].to_string())
}

async fn a_department_workbook_imported_through_the_page(app: App) {
    let s = setup(&app).await;
    let web = common::web_login(&app, "hr").await;
    let cycle_url = format!("{}/hr/cycles/{}", app.base, s.cycle);
    let (st, html) = common::page(&web, &cycle_url).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains(&format!("/hr/cycles/{}/import", s.cycle)),
        "the cycle page links the import"
    );
    let (st, html) = common::page(&web, &format!("{cycle_url}/import")).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    common::assert_complete("import", &html);
    // A blank workbook to fill: every appraisee, the form's inputs under their sheet names;
    // imported back as it is, every column is matched and nothing changes.
    let r = web
        .get(format!("{cycle_url}/blank.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.contains(&urlencode("数据模板.xlsx")), "{cd}");
    let blank = r.bytes().await.unwrap().to_vec();
    let t = read_xlsx(&blank, None).unwrap();
    assert_eq!(&t.headers[..2], ["工号", "姓名"]);
    assert!(
        t.headers.iter().any(|h| h == "当月销售目标"),
        "{:?}",
        t.headers
    );
    assert_eq!(t.rows.len(), 4);
    let (st, r) = import(&app, &s, "?dry_run=true", blank).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["appraisals_changed"], 0, "{r}");
    assert!(
        r["warnings"].as_array().unwrap().is_empty(),
        "every column matched: {r}"
    );
    let csrf = common::csrf_of(&html);
    let bytes = department_workbook(&[
        ("A001", "张伟", 100.0, "１２０", 1.0),
        ("A002", "李娜", 80.0, "60", 0.0),
    ]);
    let (st, path, html) = common::post_multipart(
        &web,
        &format!("{cycle_url}/import"),
        &[("csrf", &csrf)],
        Some(("file", "市场部11月.xlsx", &bytes)),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(
        path.starts_with(&format!("/hr/cycles/{}/import/", s.cycle)),
        "{path}"
    );
    common::assert_complete("mapping", &html);
    // The header found is row 3 (not the 填报 line); the 合计 row is named and left out.
    assert_eq!(
        selected(&html, "header_row").as_deref(),
        Some("3"),
        "{html}"
    );
    assert!(html.contains("第 6 行是合计行"), "{html}");
    // Everyday headers are matched; 实际完成 only through its alias, for the clerk to confirm.
    assert_eq!(selected(&html, "c.0").as_deref(), Some("id"));
    assert_eq!(selected(&html, "c.3").as_deref(), Some("sales_target"));
    assert_eq!(selected(&html, "c.4").as_deref(), Some("sales_actual"));
    assert_eq!(selected(&html, "c.5").as_deref(), Some("leave_days"));
    // The preview names the employee and the change, old → new, and stores nothing yet.
    assert!(
        html.contains("张伟 (A001)") && html.contains(">120<"),
        "{html}"
    );
    assert!(!inputs(&app, &s).await["A001"].contains_key("sales_actual"));
    // Someone else cannot use the upload.
    let other = app.user("zhuguan", Role::Rater).await;
    let (st, _) = common::page(&other, &format!("{}{path}", app.base)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Import with the mapping shown.
    let csrf = common::csrf_of(&html);
    let (st, _, html) = common::post_form(
        &web,
        &format!("{}{path}", app.base),
        &[
            ("csrf", csrf.as_str()),
            ("header_row", "3"),
            ("c.0", "id"),
            ("c.1", "name"),
            ("c.2", "-"),
            ("c.3", "sales_target"),
            ("c.4", "sales_actual"),
            ("c.5", "leave_days"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("已导入：更新了 2 人"), "{html}");
    let now = inputs(&app, &s).await;
    assert_eq!(now["A001"]["sales_actual"], "120");
    assert_eq!(now["A001"]["sales_target"], "100");
    assert_eq!(now["A001"]["leave_days"], "1");
    assert_eq!(now["A002"]["sales_actual"], "60");
    // The mapping is remembered: the API import of the same file needs no map.
    let (st, r) = import(&app, &s, "?dry_run=true", bytes.clone()).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["header_row"], 3);
    assert_eq!(r["totals_skipped"], json!([6]));
    assert_eq!(r["appraisals_changed"], 0, "nothing new: {r}");
    // The file is gone after the import.
    let (st, _) = common::page(&web, &format!("{}{path}", app.base)).await;
    assert_eq!(st, StatusCode::GONE);
}

async fn the_wrong_persons_figures_are_never_stored(app: App) {
    let s = setup(&app).await;
    let before = inputs(&app, &s).await;
    // Row 4 says A001 but names 李娜 (A002): the wrong person's figures.
    let bytes = department_workbook(&[
        ("A001", "李娜", 100.0, "120", 1.0),
        ("A0002", "李娜", 80.0, "60", 0.0),
        ("A003", "王伟", 90.0, "90", 0.0),
    ]);
    let m = r#"{"实际完成（万元）":"当月实际销售额"}"#;
    let (st, r) = import(&app, &s, &format!("?map={}", urlencode(m)), bytes.clone()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let text = r.to_string();
    assert!(
        text.contains("工号 A001 是「张伟」，表中姓名却是「李娜」"),
        "{text}"
    );
    assert!(text.contains("A002"), "names whose name it is: {text}");
    assert!(
        text.contains("是否为 A002（李娜）"),
        "a slip in 工号 is suggested: {text}"
    );
    assert_eq!(inputs(&app, &s).await, before, "nothing stored");
    // Skipping bad rows stores the good one, never the mismatched one.
    let (st, r) = import(
        &app,
        &s,
        &format!("?skip_invalid=true&map={}", urlencode(m)),
        bytes,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let now = inputs(&app, &s).await;
    assert_eq!(now["A003"]["sales_actual"], "90");
    assert_eq!(
        now["A001"].get("sales_actual"),
        before["A001"].get("sales_actual")
    );
    // A map naming something the form does not have is refused by name.
    let (st, r) = import(
        &app,
        &s,
        &format!("?map={}", urlencode(r#"{"实际完成（万元）":"没有这一项"}"#)),
        department_workbook(&[("A003", "王伟", 90.0, "90", 0.0)]),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert!(r.to_string().contains("「没有这一项」"), "{r}");
}

async fn a_chinese_sheet_is_imported_value_by_value(app: App) {
    let s = setup(&app).await;
    // Row 6 stays blank; A003 on row 7 has only some values.
    let mut a003 = vec![C::S("A003"), C::S("王伟"), C::S("120"), C::N(130.0)];
    a003.extend([C::E; 9]);
    let bytes = workbook(&[good_a001(), good_a002(), vec![C::E; 13], a003], |_| {});
    let before = audit_len(&app).await;
    let (st, r) = import(&app, &s, "", bytes).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["sheet"], "考核数据");
    assert_eq!(r["header_row"], 3);
    assert_eq!(r["rows_read"], 3);
    assert_eq!(r["rows_matched"], 3);
    assert_eq!(r["appraisals_changed"], 3);
    assert_eq!(r["stored"], true);
    assert!(
        r["warnings"].to_string().contains("备注"),
        "the unused column is named: {r}"
    );
    let all = inputs(&app, &s).await;
    let want_a001 = map(&[
        ("sales_target", "100"),
        ("sales_actual", "87"),
        ("new_customers", "1"),
        ("authorised_work", "18"),
        ("samples", "14"),
        ("contracts", "13"),
        ("idle", "1"),
        ("leave_late_early", "2"),
        ("leave_days", "1"),
        ("monthly_bonus", "3000"),
    ]);
    assert_eq!(all["A001"], want_a001);
    let want_a002 = map(&[
        ("sales_target", "100"),
        ("sales_actual", "95"),
        ("new_customers", "0"),
        ("authorised_work", "15"),
        ("samples", "12.5"),
        ("contracts", "10"),
        ("leave_late_early", "0"),
        ("leave_days", "0"),
        ("monthly_bonus", "2500.5"),
    ]);
    assert_eq!(all["A002"], want_a002);
    assert_eq!(
        all["A003"],
        map(&[("sales_target", "120"), ("sales_actual", "130")])
    );
    assert!(all["A004"].is_empty());
    // One audit entry per changed appraisal.
    assert_eq!(audit_len(&app).await, before + 3);
    // The same file again changes nothing.
    let bytes = workbook(&[good_a001(), good_a002()], |_| {});
    let (st, r) = import(&app, &s, "", bytes).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["appraisals_changed"], 0);
    assert_eq!(audit_len(&app).await, before + 3);
}

async fn percent_strings_and_csv_text(app: App) {
    let s = setup(&app).await;
    let cycle = launched(&app, &s.hr, "F11", "2026-Q4", &["K002"]).await;
    let csv =
        "工号,姓名,大客户保有率,客户回访率,电话接听率\r\nK002,马俊,９５％,88%,\" 99.5 % \"\r\n";
    let (st, r) = send(
        s.hr.post(format!("{}/api/cycles/{cycle}/import", app.base))
            .body(csv.as_bytes().to_vec()),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let (_, list) = send(s.hr.get(format!("{}/api/appraisals?cycle_id={cycle}", app.base))).await;
    let a = &list[0]["inputs"];
    assert_eq!(a["retention"], "95", "{a}");
    assert_eq!(a["callback"], "88", "{a}");
    assert_eq!(a["answer"], "99.5", "{a}");
    // A percent where F01 wants money is refused, named by cell.
    let mut row = good_a001();
    row[3] = C::S("９５％");
    let before = (inputs(&app, &s).await, audit_len(&app).await);
    let (st, e) = import(&app, &s, "", workbook(&[row], |_| {})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let f = &e["error"]["fields"][0];
    assert!(
        f["message"].as_str().unwrap().starts_with("考核数据!D4"),
        "{e}"
    );
    assert_eq!(f["field"], "sales_actual");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!((inputs(&app, &s).await, audit_len(&app).await), before);
}

/// Import `bytes`, expect 422, and check that one message starts with `place` and
/// contains every one of `words`; nothing stored, nothing audited.
async fn refused(app: &App, s: &Setup, what: &str, bytes: Vec<u8>, place: &str, words: &[&str]) {
    let before = (inputs(app, s).await, audit_len(app).await);
    let (st, e) = import(app, s, "", bytes).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {e}");
    let fields = e["error"]["fields"].as_array().unwrap();
    assert!(
        fields.iter().any(|f| {
            let m = format!(
                "{} {}",
                f["message"].as_str().unwrap(),
                f["message_en"].as_str().unwrap_or("")
            );
            m.starts_with(place) && words.iter().all(|w| m.contains(w))
        }),
        "{what}: expected {place} {words:?} in {e}"
    );
    assert_eq!(
        (inputs(app, s).await, audit_len(app).await),
        before,
        "{what}: nothing stored, nothing audited"
    );
}

async fn bad_sheets_are_named_by_sheet_row_and_column_and_nothing_is_stored(app: App) {
    let s = setup(&app).await;
    // Values stored before: each bad file below would change A001's sales_actual to 87.
    let mut earlier = good_a001();
    earlier[3] = C::N(80.0);
    let (st, r) = import(&app, &s, "", workbook(&[earlier], |_| {})).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(inputs(&app, &s).await["A001"]["sales_actual"], "80");
    let with = |f: &dyn Fn(&mut Vec<C<'static>>)| {
        let mut r = good_a002();
        f(&mut r);
        workbook(&[good_a001(), r], |_| {})
    };
    refused(
        &app,
        &s,
        "unknown employee",
        with(&|r| r[0] = C::S("Z999")),
        "考核数据!A5",
        &["Z999", "不存在", "no employee"],
    )
    .await;
    refused(
        &app,
        &s,
        "an employee not in the cycle",
        with(&|r| r[0] = C::S("S001")),
        "考核数据!A5",
        &["S001", "不是本周期的被考核人"],
    )
    .await;
    refused(
        &app,
        &s,
        "not a number",
        with(&|r| r[3] = C::S("abc")),
        "考核数据!D5",
        &["abc", "当月实际销售额"],
    )
    .await;
    refused(
        &app,
        &s,
        "out of range",
        with(&|r| r[5] = C::N(25.0)),
        "考核数据!F5",
        &["25", "[0, 20]"],
    )
    .await;
    refused(
        &app,
        &s,
        "duplicate row",
        workbook(&[good_a001(), good_a002(), good_a001()], |_| {}),
        "考核数据!A6",
        &["A001", "4", "6"],
    )
    .await;
    refused(
        &app,
        &s,
        "merged cells",
        workbook(&[good_a001(), good_a002()], |ws| {
            ws.merge_range(4, 6, 5, 7, "14", &Format::new()).unwrap();
        }),
        "考核数据!G5",
        &["合并单元格", "merged"],
    )
    .await;
    // A formula whose result was not saved (written by a program that does not calculate).
    let bytes = workbook(&[good_a001(), good_a002()], |ws| {
        ws.write_formula(4, 7, Formula::new("=C5/10")).unwrap();
    });
    let bytes = drop_formula_result(&bytes, "<f>C5/10</f><v>0</v>", "<f>C5/10</f>");
    refused(
        &app,
        &s,
        "a formula without a value",
        bytes,
        "考核数据!H5",
        &["公式", "formula"],
    )
    .await;
    refused(
        &app,
        &s,
        "no employee column",
        b"\xe5\x91\x98\xe5\xb7\xa5,sales_actual\nA001,5\n".to_vec(),
        "CSV!1:1",
        &["工号"],
    )
    .await;
    // Not a spreadsheet at all.
    let (st, e) = import(&app, &s, "", b"PK\x03\x04 not really a zip".to_vec()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["fields"][0]["field"], "file", "{e}");
    // Only HR imports.
    let clerk = app.user("someone", Role::Reviewer).await;
    let (st, _) = send(
        clerk
            .post(format!("{}/api/cycles/{}/import", app.base, s.cycle))
            .body(workbook(&[good_a001()], |_| {})),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

async fn a_dry_run_stores_nothing(app: App) {
    let s = setup(&app).await;
    let (st, _) = import(&app, &s, "", workbook(&[good_a001()], |_| {})).await;
    assert_eq!(st, StatusCode::OK);
    let mut changed = good_a001();
    changed[3] = C::N(92.0);
    let before = (inputs(&app, &s).await, audit_len(&app).await);
    let (st, r) = import(
        &app,
        &s,
        "?dry_run=true",
        workbook(&[changed, good_a002()], |_| {}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["dry_run"], true);
    assert_eq!(r["stored"], false);
    assert_eq!(r["appraisals_changed"], 2);
    let a001 = r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["emp_no"] == "A001")
        .unwrap();
    assert_eq!(
        a001["changes"],
        json!([{"input": "sales_actual", "name": "当月实际销售额", "old": "87", "new": "92"}])
    );
    let a002 = r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["emp_no"] == "A002")
        .unwrap();
    assert!(
        a002["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["old"].is_null())
    );
    assert_eq!((inputs(&app, &s).await, audit_len(&app).await), before);
}

async fn skip_invalid_imports_the_good_rows_and_lists_the_bad(app: App) {
    let s = setup(&app).await;
    let mut bad = good_a002();
    bad[5] = C::N(25.0);
    let mut unknown = good_a002();
    unknown[0] = C::S("Z999");
    let bytes = workbook(&[good_a001(), bad, unknown], |_| {});
    let (st, r) = import(&app, &s, "?skip_invalid=true", bytes).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["skipped_rows"], json!([5, 6]));
    assert_eq!(r["appraisals_changed"], 1);
    let places: Vec<&str> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["place"].as_str().unwrap())
        .collect();
    assert_eq!(places, ["考核数据!F5", "考核数据!A6"]);
    let all = inputs(&app, &s).await;
    assert_eq!(all["A001"]["sales_actual"], "87");
    assert!(all["A002"].is_empty());
}

async fn the_confirmed_mapping_is_remembered_for_the_next_import(app: App) {
    let s = setup(&app).await;
    let csv = "员工号,实际销售（万元）,当月销售目标（万元）\nA001,87,100\n";
    let (st, e) = import(&app, &s, "", csv.as_bytes().to_vec()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    // The proposal offers the loose match, and no number column.
    let (st, p) = send(
        s.hr.post(format!(
            "{}/api/cycles/{}/import/propose",
            app.base, s.cycle
        ))
        .body(csv),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["missing_id"], true);
    assert_eq!(p["columns"][2]["target"], "sales_target", "{p}");
    assert_eq!(p["columns"][2]["how"], "loose", "{p}");
    // HR confirms the mapping.
    let m = r#"{"员工号":"id","实际销售（万元）":"sales_actual","当月销售目标（万元）":"sales_target"}"#;
    let q = format!("?map={}", urlencode(m));
    let (st, r) = import(&app, &s, &q, csv.as_bytes().to_vec()).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(
        app.store.import_mapping("F01").await.unwrap()["员工号"],
        "id"
    );
    // Next month's file, same headers, no mapping given.
    let csv2 = "员工号,实际销售（万元）,当月销售目标（万元）\nA002,95,100\n";
    let (st, r) = import(&app, &s, "", csv2.as_bytes().to_vec()).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let all = inputs(&app, &s).await;
    assert_eq!(all["A002"]["sales_actual"], "95");
    assert_eq!(all["A002"]["sales_target"], "100");
    let (_, p) = send(
        s.hr.post(format!(
            "{}/api/cycles/{}/import/propose",
            app.base, s.cycle
        ))
        .body(csv2),
    )
    .await;
    assert_eq!(p["columns"][0]["how"], "remembered", "{p}");
    assert_eq!(p["missing_id"], false, "{p}");
}

async fn employees_matched_by_name_when_there_is_no_number_column(app: App) {
    let s = setup(&app).await;
    let csv = "姓名,当月实际销售额\n张伟,87\n李娜,95\n";
    let (st, r) = import(&app, &s, "", csv.as_bytes().to_vec()).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["matched_by_name"], true);
    let all = inputs(&app, &s).await;
    assert_eq!(
        (
            all["A001"]["sales_actual"].as_str(),
            all["A002"]["sales_actual"].as_str()
        ),
        ("87", "95")
    );
    // Two 王伟: refused, naming both numbers.
    refused(
        &app,
        &s,
        "ambiguous name",
        "姓名,当月实际销售额\n张伟,90\n王伟,100\n"
            .as_bytes()
            .to_vec(),
        "CSV!A3",
        &["王伟", "A003", "A004"],
    )
    .await;
    refused(
        &app,
        &s,
        "unknown name",
        "姓名,当月实际销售额\n张三,100\n".as_bytes().to_vec(),
        "CSV!A2",
        &["张三"],
    )
    .await;
}

async fn results_form_and_payroll_workbooks(app: App) {
    let s = setup(&app).await;
    let mut a003 = good_a002();
    a003[0] = C::S("A003");
    a003[1] = C::S("王伟");
    a003[3] = C::N(130.0);
    let mut a004 = good_a001();
    a004[0] = C::S("A004");
    a004[1] = C::S("王伟");
    let (st, r) = import(
        &app,
        &s,
        "",
        workbook(&[good_a001(), good_a002(), a003, a004], |_| {}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let (st, b) = send(s.hr.post(format!("{}/api/cycles/{}/score", app.base, s.cycle))).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, res) = send(s.hr.get(format!("{}/api/cycles/{}/results", app.base, s.cycle))).await;
    assert_eq!(st, StatusCode::OK, "{res}");
    let want: BTreeMap<String, (Decimal, Decimal)> = res["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["emp_no"].as_str().unwrap().to_string(),
                (
                    r["total"].as_str().unwrap().parse().unwrap(),
                    r["bonus"].as_str().unwrap().parse().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(want.len(), 4, "{res}");
    assert_eq!(want["A001"], (Decimal::from(90), Decimal::from(2700)));

    // The results workbook reads back with the same totals and bonuses.
    let r =
        s.hr.get(format!("{}/api/cycles/{}/results.xlsx", app.base, s.cycle))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = r.bytes().await.unwrap();
    let mut got = BTreeMap::new();
    for sheet in ["市场部", "销售部"] {
        let t = read_xlsx(&bytes, Some(sheet)).unwrap();
        assert_eq!(t.headers, RANK_HEADERS);
        for row in &t.rows {
            if row.cells[1].is_empty() || !row.cells[0].chars().all(|c| c.is_ascii_digit()) {
                break; // the grade distribution below the ranking
            }
            got.insert(
                row.cells[1].clone(),
                (
                    row.cells[3].parse::<Decimal>().unwrap(),
                    row.cells[5].parse::<Decimal>().unwrap(),
                ),
            );
        }
    }
    assert_eq!(got, want);
    let ledger = read_xlsx(&bytes, Some(kaohe_office::results::LEDGER_SHEET)).unwrap();
    assert_eq!(ledger.rows.len(), 4);

    // A form for HR; hidden (404) from the appraisee before publication.
    let (_, list) =
        send(s.hr.get(format!("{}/api/appraisals?cycle_id={}", app.base, s.cycle))).await;
    let a001 = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["emp_no"] == "A001")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r =
        s.hr.get(format!("{}/api/appraisals/{a001}/form.xlsx", app.base))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    app.store
        .create_user(
            "test",
            &kaohe_store::NewUser {
                username: "a001".into(),
                password: "a long password".into(),
                emp_no: Some("A001".into()),
                grants: vec![kaohe_store::Grant {
                    role: Role::Employee,
                    department_id: None,
                }],
                lang: "zh-CN".into(),
            },
        )
        .await
        .unwrap();
    let me = common::client();
    let r = me
        .post(format!("{}/api/login", app.base))
        .json(&json!({"username": "a001", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (st, e) = send(me.get(format!("{}/api/appraisals/{a001}/form.xlsx", app.base))).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{e}");
    let (st, _) = send(me.get(format!("{}/api/cycles/{}/results.xlsx", app.base, s.cycle))).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Payroll (no one has confirmed yet: just the checksum row).
    let r =
        s.hr.get(format!("{}/api/cycles/{}/payroll.xlsx", app.base, s.cycle))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Saved under the cycle's name, in Chinese.
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.contains(&urlencode("2026年11月-2026-11 F01-工资表.xlsx")),
        "{cd}"
    );
    let t = read_xlsx(&r.bytes().await.unwrap(), None).unwrap();
    assert_eq!(
        t.headers,
        kaohe_office::payroll::HEADERS,
        "部门 as in the CSV"
    );
    let (rows, sum) = kaohe_office::payroll::verify_payroll(&t).unwrap();
    assert_eq!((rows.len(), sum.rows), (0, 0));
    let r =
        s.hr.get(format!("{}/api/cycles/{}/payroll.csv", app.base, s.cycle))
            .send()
            .await
            .unwrap();
    let t = kaohe_office::read_csv(&r.bytes().await.unwrap(), "payroll.csv").unwrap();
    assert_eq!(
        t.headers,
        kaohe_office::payroll::HEADERS,
        "the same columns"
    );
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Rewrite the first sheet's XML: rust_xlsxwriter always saves a formula result, some
/// programs save none.
fn drop_formula_result(xlsx: &[u8], from: &str, to: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let s = String::from_utf8(data).unwrap();
            assert!(s.contains(from), "{s}");
            data = s.replace(from, to).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// Upload `csv` on the cycle's import page and import it with the mapping the page
/// proposes; the done page.
async fn import_through_the_page(
    app: &App,
    web: &reqwest::Client,
    cycle: i64,
    csv: &str,
) -> String {
    let cycle_url = format!("{}/hr/cycles/{cycle}", app.base);
    let (_, html) = common::page(web, &format!("{cycle_url}/import")).await;
    let (st, path, html) = common::post_multipart(
        web,
        &format!("{cycle_url}/import"),
        &[("csrf", &common::csrf_of(&html))],
        Some(("file", "数据.csv", csv.as_bytes())),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let csrf = common::csrf_of(&html);
    let n = csv.lines().next().unwrap().split(',').count();
    let cols: Vec<(String, String)> = (0..n)
        .map(|i| {
            let f = format!("c.{i}");
            let v = selected(&html, &f).unwrap_or_else(|| panic!("{f} proposed: {html}"));
            (f, v)
        })
        .collect();
    let mut fields: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    fields.extend(cols.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (st, _, html) = common::post_form(web, &format!("{}{path}", app.base), &fields).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    html
}

/// Issue 13: after an import that filled every 市场部 input of every appraisee, the done
/// page offers 「代市场部提交」; 行政部, still empty, is listed with its empty cells and no
/// button. The button hands 市场部's data in (HR as the actor, audited); 行政部 is refused.
async fn departments_handed_in_after_an_import(app: App) {
    let s = setup(&app).await;
    let web = common::web_login(&app, "hr").await;
    // Only part of 市场部's figures first: 市场部 is listed with what is missing.
    let html = import_through_the_page(
        &app,
        &web,
        s.cycle,
        "工号,姓名,当月销售目标,当月实际销售额\nA001,张伟,100,120\nA002,李娜,80,60\n",
    )
    .await;
    common::assert_complete("import done", &html);
    let handin = &html[html.find(r#"id="handin""#).expect("the hand-in section")..];
    assert!(!handin.contains("代市场部提交"), "{handin}");
    assert!(handin.contains("行政部") && !handin.contains("代行政部提交"));
    // Both 市场部 inputs of A003, A004 and the new customers of all four are missing.
    let market = &handin[handin
        .find("<strong>市场部</strong>")
        .expect("市场部 listed")..];
    assert!(market.contains("还有 8 格未填"), "{market}");

    // Everything 市场部 supplies, for all four: the button.
    let html = import_through_the_page(
        &app,
        &web,
        s.cycle,
        "工号,姓名,当月销售目标,当月实际销售额,新增客户(经销商)\n\
         A001,张伟,100,120,1\nA002,李娜,80,60,0\nA003,王伟,90,90,2\nA004,王伟,50,40,0\n",
    )
    .await;
    let handin = &html[html.find(r#"id="handin""#).expect("the hand-in section")..];
    let handin = &handin[..handin.find("</section>").unwrap()];
    assert!(handin.contains("代市场部提交"), "{handin}");
    assert!(!handin.contains("代行政部提交"), "{handin}");
    assert!(handin.contains("<strong>行政部</strong>") && handin.contains("格未填"));
    let dept_of = |name: &str| {
        let b = &handin[..handin.find(&format!("代{name}提交")).unwrap()];
        let v = &b[b.rfind(r#"name="dept" value=""#).unwrap() + 19..];
        v[..v.find('"').unwrap()].to_string()
    };
    let market = dept_of("市场部");
    let progress = app.store.cycle_progress(s.cycle).await.unwrap();
    let admin = progress
        .data
        .iter()
        .find(|d| d.department == "行政部")
        .unwrap()
        .department_id
        .to_string();
    let csrf = common::csrf_of(&html);
    let url = format!("{}/hr/cycles/{}/handin", app.base, s.cycle);
    // 行政部 has empty cells: refused, saying how many.
    let (st, _, page) = common::post_form(&web, &url, &[("csrf", &csrf), ("dept", &admin)]).await;
    assert_eq!(st, StatusCode::CONFLICT, "{page}");
    assert!(
        page.contains("行政部还有") && page.contains("格未填"),
        "{page}"
    );
    // 市场部: handed in by HR, as its clerk would; the cycle page says so.
    let (st, path, page) =
        common::post_form(&web, &url, &[("csrf", &csrf), ("dept", &market)]).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    assert_eq!(path, format!("/hr/cycles/{}", s.cycle));
    let progress = app.store.cycle_progress(s.cycle).await.unwrap();
    let d = progress
        .data
        .iter()
        .find(|d| d.department == "市场部")
        .unwrap();
    assert!(d.done && d.done_by.as_deref() == Some("hr"), "{d:?}");
    assert!(
        !progress
            .data
            .iter()
            .find(|d| d.department == "行政部")
            .unwrap()
            .done
    );
    let log = app.store.audit_log(0, 10_000).await.unwrap();
    assert!(log.iter().any(|e| e.action == "cycle.data_complete"
        && e.actor == "hr"
        && e.new_value.as_deref() == Some(&format!("department {market}"))));
    // Once handed in it is no longer offered; twice is refused.
    let (st, _, _) = common::post_form(&web, &url, &[("csrf", &csrf), ("dept", &market)]).await;
    assert_eq!(st, StatusCode::CONFLICT);
}

/// Issue 13: 行政部's clerk reaches the import page from their grid; the mapping offers only
/// 行政部's inputs (another department's column is shown as ignored); the preview and the
/// import store only those, also when the form is tampered with; the store refuses the
/// clerk anything else; another department's import page is not theirs.
async fn a_clerk_imports_their_departments_inputs(app: App) {
    let s = setup(&app).await;
    let depts = app.store.departments().await.unwrap();
    let id_of = |n: &str| depts.iter().find(|d| d.name == n).unwrap().id;
    let (admin, market) = (id_of("行政部"), id_of("市场部"));
    common::add_user(
        &app,
        "xz",
        Some("X001"),
        vec![kaohe_store::Grant {
            role: Role::Clerk,
            department_id: Some(admin),
        }],
    )
    .await;
    let web = common::web_login(&app, "xz").await;
    let grid = format!("{}/cycles/{}/departments/{admin}", app.base, s.cycle);
    let (st, html) = common::page(&web, &grid).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let link = format!("/cycles/{}/departments/{admin}/import", s.cycle);
    assert!(html.contains(&format!(r#"href="{link}""#)), "{html}");
    let (st, html) = common::page(&web, &format!("{}{link}", app.base)).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    common::assert_complete(&link, &html);
    assert!(html.contains("只导入行政部提供的数据"), "{html}");
    // Not HR's import, not another department's.
    let (st, _) = common::page(&web, &format!("{}/hr/cycles/{}/import", app.base, s.cycle)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = common::page(
        &web,
        &format!(
            "{}/cycles/{}/departments/{market}/import",
            app.base, s.cycle
        ),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let csv = "工号,姓名,当月实际销售额,当月请假天数\nA001,张伟,999,2\nA002,李娜,888,1\n";
    let (st, path, html) = common::post_multipart(
        &web,
        &format!("{}{link}", app.base),
        &[("csrf", &common::csrf_of(&html))],
        Some(("file", "考勤.csv", csv.as_bytes())),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(path.starts_with(&format!("{link}/")), "{path}");
    common::assert_complete(&path, &html);
    // 行政部's column is matched; 市场部's is left out and said so; 市场部's inputs are
    // not offered at all.
    assert_eq!(selected(&html, "c.3").as_deref(), Some("leave_days"));
    assert_eq!(selected(&html, "c.2").as_deref(), Some("-"));
    assert!(html.contains("不是本部门的数据，忽略"), "{html}");
    assert!(!html.contains(r#"value="sales_actual""#), "{html}");
    assert!(!html.contains(r#"value="sales_target""#), "{html}");
    // The preview: leave days only.
    let preview = &html[html.find(r#"id="preview""#).unwrap()..];
    assert!(
        preview.contains("当月请假天数") && !preview.contains("999"),
        "{preview}"
    );
    // Imported, the mapping tampered with to write sales: only the leave days are stored.
    let csrf = common::csrf_of(&html);
    let (st, _, html) = common::post_form(
        &web,
        &format!("{}{path}", app.base),
        &[
            ("csrf", csrf.as_str()),
            ("c.0", "id"),
            ("c.1", "name"),
            ("c.2", "sales_actual"),
            ("c.3", "leave_days"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("已导入：更新了 2 人"), "{html}");
    assert!(html.contains("回到本部门表格"), "{html}");
    let now = inputs(&app, &s).await;
    assert_eq!(now["A001"]["leave_days"], "2");
    assert_eq!(now["A002"]["leave_days"], "1");
    assert!(!now["A001"].contains_key("sales_actual"), "{now:?}");
    // The store itself refuses the clerk another department's input or department.
    let xz = app.store.user_by_name("xz").await.unwrap().unwrap();
    let row = |k: &str| kaohe_store::GridRow {
        line: 2,
        emp_no: "A003".into(),
        values: [(k.to_string(), "5".to_string())].into_iter().collect(),
        version: None,
        reason: None,
    };
    let e = app
        .store
        .enter_grid(&xz, s.cycle, Some(admin), &[row("sales_actual")])
        .await
        .unwrap_err();
    match e {
        kaohe_store::StoreError::Rows(r) => {
            assert!(
                r.iter()
                    .any(|(_, _, m)| m.to_string().contains("不是本部门")),
                "{r:?}"
            )
        }
        e => panic!("{e}"),
    }
    let e = app
        .store
        .enter_grid(&xz, s.cycle, Some(market), &[row("sales_actual")])
        .await
        .unwrap_err();
    assert!(matches!(e, kaohe_store::StoreError::Forbidden(_)), "{e}");
    let e = app
        .store
        .enter_grid(&xz, s.cycle, None, &[row("leave_days")])
        .await
        .unwrap_err();
    assert!(matches!(e, kaohe_store::StoreError::Forbidden(_)), "{e}");
    assert!(!inputs(&app, &s).await["A003"].contains_key("sales_actual"));
}

/// An organisation sheet whose 生效日期 is a date cell (as Excel saves a typed date) reads as
/// the date the store's import takes, with the 兼岗 row's 岗位类型.
#[test]
fn an_org_sheet_with_a_date_cell_gives_the_effective_date() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["工号", "姓名", "部门编码", "岗位", "岗位类型", "生效日期"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in [
        ["E001", "张三", "ZB", "大客户经理", "主岗"],
        ["E001", "张三", "ZA", "理财经理", "兼岗"],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 15).unwrap();
    ws.write_datetime_with_format(1, 5, &day, &Format::new().set_num_format("yyyy/m/d"))
        .unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let rows = kaohe_server::office::org_rows(&bytes).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        kaohe_store::parse_date(&rows[0].effective),
        kaohe_store::parse_date("2026-11-15"),
        "{:?}",
        rows[0].effective
    );
    assert!(kaohe_store::parse_date(&rows[0].effective).is_some());
    assert_eq!(
        (rows[0].post_kind.as_deref(), rows[1].post_kind.as_deref()),
        (Some("主岗"), Some("兼岗"))
    );
    assert_eq!(rows[1].effective, "");
}
