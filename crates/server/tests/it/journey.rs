//! The month over HTTP, as the people of a company live it: HR launches a cycle, the
//! departments enter their data, the appraisee assesses themself, the raters score, review
//! and approval, and the appraisee signs — or lets the window pass, or appeals. Each form
//! is driven with its own worked example (templates/examples), so the totals and bonuses
//! asserted are the ones the paper sheet gives. On SQLite and on PostgreSQL.

use crate::common;

use common::{App, add_user, client, login, send, spawn_app};
use kaohe_store::{Department, Grant, Owner, Role, Store, input_owners};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const ORG: &str = "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号
S001,王强,SC,市场部,业务,市场部经理,
A001,张伟,SC,市场部,业务,大客户经理,S001
A002,李娜,SC,市场部,业务,大客户经理,S001
K001,周敏,SC,市场部,业务,客服经理,S001
K002,马俊,SC,市场部,业务,客户服务中心经理,S001
X001,赵芳,XZ,行政部,职能,行政专员,
C001,钱多,CW,财务部,职能,会计,
R001,孙丽,RL,人力资源部,职能,人事专员,
";

/// Signed-in clients for everyone in the story.
struct People {
    hr: reqwest::Client,
    /// Department code → that department's clerk (also its rater).
    clerks: BTreeMap<String, reqwest::Client>,
    /// The appraisees' supervisor.
    supervisor: reqwest::Client,
    /// Appraisee emp_no → their client.
    staff: BTreeMap<String, reqwest::Client>,
    reviewer: reqwest::Client,
    approver: reqwest::Client,
    depts: Vec<Department>,
}

async fn people(app: &App) -> People {
    let hr = app.user("hr", Role::HrAdmin).await;
    let r = hr
        .post(format!("{}/api/org/import", app.base))
        .body(ORG)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let depts = app.store.departments().await.unwrap();
    let mut clerks = BTreeMap::new();
    for d in &depts {
        let name = format!("clerk_{}", d.code.to_lowercase());
        add_user(
            app,
            &name,
            None,
            vec![
                Grant {
                    role: Role::Clerk,
                    department_id: Some(d.id),
                },
                Grant {
                    role: Role::Rater,
                    department_id: Some(d.id),
                },
            ],
        )
        .await;
        clerks.insert(d.code.clone(), login(app, &name).await);
    }
    add_user(app, "wangqiang", Some("S001"), vec![]).await;
    let mut staff = BTreeMap::new();
    for no in ["A001", "A002", "K001", "K002"] {
        let name = no.to_lowercase();
        add_user(
            app,
            &name,
            Some(no),
            vec![Grant {
                role: Role::Employee,
                department_id: None,
            }],
        )
        .await;
        staff.insert(no.to_string(), login(app, &name).await);
    }
    add_user(
        app,
        "fuhe",
        None,
        vec![Grant {
            role: Role::Reviewer,
            department_id: None,
        }],
    )
    .await;
    add_user(
        app,
        "shenpi",
        None,
        vec![Grant {
            role: Role::Approver,
            department_id: None,
        }],
    )
    .await;
    People {
        hr,
        clerks,
        supervisor: login(app, "wangqiang").await,
        staff,
        reviewer: login(app, "fuhe").await,
        approver: login(app, "shenpi").await,
        depts,
    }
}

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        Value::Number(n) => n.to_string().parse().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

/// The worked example's first row of `form`'s case `case`: input values and expectations.
fn example(form: &str, case: usize) -> (BTreeMap<String, String>, toml::Table) {
    let src = std::fs::read_to_string(format!(
        "{}/../../templates/examples/{form}.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let doc: toml::Table = toml::from_str(&src).unwrap();
    let row = doc["case"].as_array().unwrap()[case]["row"]
        .as_array()
        .unwrap()[0]
        .as_table()
        .unwrap()
        .clone();
    let mut values = BTreeMap::new();
    for (k, v) in &row {
        if matches!(k.as_str(), "id" | "name" | "expect" | "group") {
            continue;
        }
        let text = match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        values.insert(k.clone(), text);
    }
    (values, row["expect"].as_table().unwrap().clone())
}

fn template(form: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../templates/{form}.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

struct Month {
    cycle: i64,
    appraisal: i64,
    template: kaohe_core::Template,
}

async fn get_appraisal(app: &App, c: &reqwest::Client, id: i64) -> Value {
    let (s, a) = send(c.get(format!("{}/api/appraisals/{id}", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    a
}

async fn act(app: &App, c: &reqwest::Client, id: i64, body: Value) -> (StatusCode, Value) {
    let version = get_appraisal(app, c, id).await["version"].clone();
    let mut body = body;
    body["version"] = version;
    send(
        c.post(format!("{}/api/appraisals/{id}/actions", app.base))
            .json(&body),
    )
    .await
}

async fn enter(
    app: &App,
    c: &reqwest::Client,
    id: i64,
    values: &BTreeMap<String, String>,
) -> Value {
    let version = get_appraisal(app, c, id).await["version"].clone();
    let (s, a) = send(
        c.put(format!("{}/api/appraisals/{id}/values", app.base))
            .json(&json!({"version": version, "values": values})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    a
}

/// Audit actions recorded for an appraisal, in order.
async fn trail(app: &App, id: i64) -> Vec<String> {
    let log = app.store.audit_log(0, 10_000).await.unwrap();
    log.into_iter()
        .filter(|e| e.entity == "appraisal" && e.entity_id == id.to_string())
        .map(|e| e.action)
        .collect()
}

/// HR publishes `form`, creates and launches a cycle for `emp_no`; every department and
/// rater enters what the form says they supply (from the worked example); review and
/// approval follow. Returns with the appraisal published.
async fn month_until_published(
    app: &App,
    p: &People,
    form: &str,
    case: usize,
    emp_no: &str,
    window_hours: i64,
) -> Month {
    let m = month_in_review(app, p, form, case, emp_no, window_hours, "2026-11").await;
    let id = m.appraisal;
    // The sheet is in the 待办 of whoever acts on it next, and only theirs.
    let inbox = async |c: &reqwest::Client| -> Vec<String> {
        let (s, inbox) = send(c.get(format!("{}/api/tasks", app.base))).await;
        assert_eq!(s, StatusCode::OK, "{inbox}");
        inbox
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["appraisal_id"] == id)
            .map(|t| t["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(inbox(&p.reviewer).await, ["review"]);
    assert_eq!(inbox(&p.approver).await, Vec::<String>::new());
    let (s, b) = act(app, &p.reviewer, id, json!({"action": "review_pass"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(inbox(&p.reviewer).await, Vec::<String>::new());
    assert_eq!(inbox(&p.approver).await, ["approve"]);
    assert_eq!(inbox(&p.staff[emp_no]).await, Vec::<String>::new());
    let (s, b) = act(app, &p.approver, id, json!({"action": "approve"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "published");
    assert_eq!(inbox(&p.approver).await, Vec::<String>::new());
    assert_eq!(inbox(&p.staff[emp_no]).await, ["sign"]);
    m
}

/// [`month_until_published`] up to rating: the data in, the raters' values (by owner) still
/// to be entered.
async fn month_in_rating(
    app: &App,
    p: &People,
    form: &str,
    case: usize,
    emp_no: &str,
    window_hours: i64,
    period: &str,
) -> (
    Month,
    BTreeMap<String, BTreeMap<String, String>>,
    Vec<Owner>,
) {
    let src = template(form);
    let (s, b) = send(
        p.hr.post(format!("{}/api/templates", app.base))
            .body(src.clone()),
    )
    .await;
    assert!(s == StatusCode::CREATED, "{b}");
    let t = kaohe_core::compile_str(&src).unwrap();
    let (values, _) = example(form, case);
    let (s, cy) = send(p.hr.post(format!("{}/api/cycles", app.base)).json(&json!({
        "name": format!("{period} {form}"),
        "form_id": form,
        "period": period,
        "members": {"employees": [emp_no]},
        "confirm_window_hours": window_hours,
        "data_due": "2026-12-05",
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let cycle = cy["id"].as_i64().unwrap();
    let (s, l) = send(p.hr.post(format!("{}/api/cycles/{cycle}/launch", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["appraisals"], 1);
    let (_, list) = send(p.hr.get(format!("{}/api/appraisals?cycle_id={cycle}", app.base))).await;
    let id = list[0]["id"].as_i64().unwrap();

    // Who supplies what, as the form says.
    let (owners, _) = input_owners(&t, &p.depts);
    let mut by_owner: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in &values {
        let o = match t.input_index(k) {
            Some(i) => owners[i].clone(),
            None => Owner::Hr,
        };
        let key = match o {
            Owner::Dept(d) => format!("dept:{d}"),
            Owner::Rater(r) => format!("rater:{r}"),
            Owner::Hr => "hr".into(),
        };
        by_owner
            .entry(key)
            .or_default()
            .insert(k.clone(), v.clone());
    }
    // HR: bases and values of departments the org lacks.
    if let Some(v) = by_owner.get("hr") {
        enter(app, &p.hr, id, v).await;
    }
    // Departments: their grid, then hand in.
    let data_depts: Vec<i64> = owners
        .iter()
        .filter_map(|o| {
            if let Owner::Dept(d) = o {
                Some(*d)
            } else {
                None
            }
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // Each department's clerk finds its data entry in their 待办, and no other
    // department's; HR finds every department's.
    let data_tasks = async |c: &reqwest::Client| -> Vec<i64> {
        let (s, inbox) = send(c.get(format!("{}/api/tasks", app.base))).await;
        assert_eq!(s, StatusCode::OK, "{inbox}");
        let mut d: Vec<i64> = inbox
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == "data" && t["cycle_id"] == cycle)
            .map(|t| t["department_id"].as_i64().unwrap())
            .collect();
        d.sort();
        d
    };
    assert_eq!(data_tasks(&p.hr).await, data_depts, "HR's 待办");
    for dept in &p.depts {
        let want: Vec<i64> = data_depts
            .iter()
            .copied()
            .filter(|d| *d == dept.id)
            .collect();
        assert_eq!(
            data_tasks(&p.clerks[&dept.code]).await,
            want,
            "{}'s clerk's 待办",
            dept.code
        );
    }
    assert_eq!(data_tasks(&p.staff[emp_no]).await, Vec::<i64>::new());
    for d in &data_depts {
        let code = &p.depts.iter().find(|x| x.id == *d).unwrap().code;
        let clerk = &p.clerks[code];
        let vals = by_owner
            .get(&format!("dept:{d}"))
            .cloned()
            .unwrap_or_default();
        let (s, b) = send(
            clerk
                .put(format!(
                    "{}/api/cycles/{cycle}/departments/{d}/data",
                    app.base
                ))
                .json(&json!({"rows": [{"emp_no": emp_no, "values": vals}]})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) = send(clerk.post(format!(
            "{}/api/cycles/{cycle}/departments/{d}/complete",
            app.base
        )))
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(
            !data_tasks(clerk).await.contains(d),
            "handed in, gone from {code}'s 待办"
        );
    }
    let me = &p.staff[emp_no];
    let a = get_appraisal(app, me, id).await;
    if t.raters.iter().any(|r| r.id == "self") {
        assert_eq!(a["state"], "self_assessment");
        assert!(
            a["total"].is_null(),
            "no score shown before publication: {a}"
        );
        let (s, _) = send(me.get(format!("{}/api/appraisals/{id}/explain", app.base))).await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "no explanation before publication"
        );
        if let Some(v) = by_owner.get("rater:self") {
            enter(app, me, id, v).await;
        }
        let (s, b) = send(
            me.put(format!("{}/api/appraisals/{id}/notes", app.base))
                .json(&json!({
                    "version": a["version"].as_i64().unwrap() + 1,
                    "self_summary": "本月完成主要客户回访，投诉处理及时。",
                })),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) = act(app, me, id, json!({"action": "submit"})).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    assert_eq!(get_appraisal(app, &p.hr, id).await["state"], "rating");
    (
        Month {
            cycle,
            appraisal: id,
            template: t,
        },
        by_owner,
        owners,
    )
}

/// [`month_until_published`] up to review: the appraisal waits for the reviewer.
async fn month_in_review(
    app: &App,
    p: &People,
    form: &str,
    case: usize,
    emp_no: &str,
    window_hours: i64,
    period: &str,
) -> Month {
    let (m, by_owner, owners) =
        month_in_rating(app, p, form, case, emp_no, window_hours, period).await;
    let (id, t) = (m.appraisal, &m.template);
    // Raters: each enters their own column and hands in.
    let raters = kaohe_store::rating_roles(t, &owners);
    for r in &raters {
        let who = match kaohe_store::rater_department(t, r, &p.depts) {
            Some(d) => &p.clerks[&d.code],
            None => &p.supervisor,
        };
        if let Some(v) = by_owner.get(&format!("rater:{r}")) {
            enter(app, who, id, v).await;
        }
        let (s, b) = act(app, who, id, json!({"action": "submit"})).await;
        assert_eq!(s, StatusCode::OK, "rater {r} hands in: {b}");
    }
    assert_eq!(get_appraisal(app, &p.hr, id).await["state"], "review");
    m
}

fn assert_expected(a: &Value, form: &str, case: usize) {
    let (_, expect) = example(form, case);
    let want = match &expect["total"] {
        toml::Value::Integer(i) => Decimal::from(*i),
        toml::Value::Float(f) => f.to_string().parse().unwrap(),
        other => panic!("{other}"),
    };
    assert_eq!(dec(&a["total"]), want, "total of {form} case {case}: {a}");
    if let Some(pay) = expect.get("pay").and_then(|p| p.as_table()) {
        let (_, v) = pay.iter().next_back().unwrap();
        let want: Decimal = v.to_string().parse().unwrap();
        assert_eq!(dec(&a["bonus"]), want, "bonus of {form} case {case}: {a}");
    }
}

use common::both;

both!(
    who_rates_whom_page_and_workbook,
    relations_from_rules_and_a_workbook_that_moves_a_task,
    f01_month_signed,
    f06_month_confirmed_by_default,
    f07_month_signed_with_interview,
    f01_appeal_upheld_and_reopened,
    who_may_do_what_on_cycles_and_appraisals,
    concurrent_writers_one_wins_nothing_lost,
    bad_cycle_and_grid_input_is_named_and_stores_nothing,
    f05_interviewers_named_per_candidate_one_absent,
    access_matrix_by_scope_and_state,
    separation_of_duties,
    many_reviewed_and_approved_at_once,
    a_disputed_figure_corrected_in_the_browser_and_reviewed_again,
    a_delegate_rates_for_their_principal_until_revoked,
);

/// 张伟 appeals 销售任务, an item fed by 市场部's figures; HR reopens it and corrects the
/// figure on the sheet with a reason: the total and bonus are the engine's for the new figure
/// at once, everywhere (API, explanation, results); the correction is listed on the sheet for
/// the reviewer; a review of the figures seen before a later correction is refused (409).
async fn a_disputed_figure_corrected_in_the_browser_and_reviewed_again(app: App) {
    let p = people(&app).await;
    let m = month_until_published(&app, &p, "F01", 0, "A001", 72).await;
    let id = m.appraisal;
    let me = &p.staff["A001"];
    let (s, b) = act(
        &app,
        me,
        id,
        json!({"action": "appeal", "reason": "新增客户漏计一家", "items": ["sales"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = act(
        &app,
        &p.hr,
        id,
        json!({"action": "reopen", "reason": "请市场部核实", "items": ["sales"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let before = get_appraisal(&app, &p.hr, id).await;
    assert_eq!(before["total"], "90");

    // HR corrects 市场部's figure in the browser; a reason is required.
    let web = common::web_login(&app, "hr").await;
    let sheet = format!("{}/appraisals/{id}", app.base);
    let (_, html) = common::page(&web, &sheet).await;
    common::assert_complete(&sheet, &html);
    assert!(
        html.contains("更正数据（人事）") && html.contains(r#"name="c.new_customers""#),
        "{html}"
    );
    let (csrf, version) = (common::csrf_of(&html), common::version_of(&html));
    let post = |reason: &'static str| {
        let (web, url, csrf, version) = (
            web.clone(),
            format!("{sheet}/actions"),
            csrf.clone(),
            version.clone(),
        );
        async move {
            common::post_form(
                &web,
                &url,
                &[
                    ("csrf", csrf.as_str()),
                    ("version", version.as_str()),
                    ("action", "correct"),
                    ("c.new_customers", "2"),
                    ("correct_reason", reason),
                ],
            )
            .await
        }
    };
    let (s, _, html) = post("").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("更正数据须写明理由"), "{html}");
    assert_eq!(
        get_appraisal(&app, &p.hr, id).await["version"],
        before["version"],
        "nothing stored"
    );
    let (s, path, html) = post("市场部核实：新增客户应为 2 家").await;
    assert_eq!(
        (s, path.as_str()),
        (StatusCode::OK, format!("/appraisals/{id}").as_str()),
        "{html}"
    );
    assert!(
        html.contains("数据已更正，分数已重新计算") && html.contains("1 → 2"),
        "{html}"
    );
    assert!(html.contains("市场部核实：新增客户应为 2 家"), "{html}");

    // The new figures at once, the same everywhere.
    let after = get_appraisal(&app, &p.hr, id).await;
    assert_ne!(after["total"], before["total"], "{after}");
    let total = dec(&after["total"]);
    assert_eq!(
        dec(&after["bonus"]),
        (total * Decimal::from(30)).round_dp(2)
    );
    let (s, ex) = send(p.hr.get(format!("{}/api/appraisals/{id}/explain", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{ex}");
    assert!(
        ex.to_string().contains(&format!("总分：{total}"))
            || ex.to_string().contains(&format!("= {total}")),
        "{ex}"
    );
    let (_, res) = send(p.hr.get(format!("{}/api/cycles/{}/results", app.base, m.cycle))).await;
    assert_eq!(dec(&res["rows"][0]["total"]), total, "{res}");
    assert!(
        trail(&app, id)
            .await
            .contains(&"appraisal.correct_data".to_string())
    );

    // The rater hands in again; the reviewer sees the correction on the sheet.
    let (s, b) = act(&app, &p.supervisor, id, json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "review");
    let fuhe = common::web_login(&app, "fuhe").await;
    let (_, html) = common::page(&fuhe, &sheet).await;
    assert!(
        html.contains("数据更正记录") && html.contains("1 → 2"),
        "{html}"
    );
    let seen = common::version_of(&html);
    // HR corrects again (through the API, with a reason) while the reviewer looks...
    let v = get_appraisal(&app, &p.hr, id).await["version"].clone();
    let (s, b) = send(
        p.hr.put(format!("{}/api/appraisals/{id}/values", app.base))
            .json(&json!({"version": v, "values": {"new_customers": "3"}, "reason": "又核实一家"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // ...and without a reason HR's change in review is refused, saying why.
    let v = get_appraisal(&app, &p.hr, id).await["version"].clone();
    let (s, b) = send(
        p.hr.put(format!("{}/api/appraisals/{id}/values", app.base))
            .json(&json!({"version": v, "values": {"new_customers": "4"}})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
    assert!(b.to_string().contains("须写明理由"), "{b}");
    // The review of the figures seen before is refused; the page shows the new ones.
    let csrf = common::csrf_of(&html);
    let (s, _, html) = common::post_form(
        &fuhe,
        &format!("{sheet}/actions"),
        &[
            ("csrf", csrf.as_str()),
            ("version", seen.as_str()),
            ("action", "review_pass"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{html}");
    assert!(
        html.contains("2 → 3"),
        "the page shows the new correction: {html}"
    );
    assert_eq!(get_appraisal(&app, &p.hr, id).await["state"], "review");
}

/// The `value` of the hidden `v.<id>` field (the version shown) on a page.
fn shown_version(html: &str, id: i64) -> String {
    let key = format!(r#"name="v.{id}" value=""#);
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no version of {id}: {html}"));
    let rest = &html[at + key.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// A reviewer passes two appraisals with one confirmation that names the count and the bonus
/// total; an approver's batch with one appraisal changed since it was shown passes the other
/// and names the changed one.
async fn many_reviewed_and_approved_at_once(app: App) {
    let p = people(&app).await;
    let a = month_in_review(&app, &p, "F01", 0, "A001", 72, "2026-10")
        .await
        .appraisal;
    let b = month_in_review(&app, &p, "F01", 0, "A002", 72, "2026-11")
        .await
        .appraisal;
    let bonus = |v: &Value| dec(&v["bonus"]);
    let sum =
        bonus(&get_appraisal(&app, &p.hr, a).await) + bonus(&get_appraisal(&app, &p.hr, b).await);

    let c = month_in_review(&app, &p, "F01", 0, "A001", 72, "2026-09")
        .await
        .appraisal;

    let web = common::web_login(&app, "fuhe").await;
    let (s, inbox) = common::page(&web, &format!("{}/tasks", app.base)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(inbox.contains("/tasks/batch/review"), "{inbox}");
    // One at a time from the sheet: said done, with the next one to open.
    let sheet = format!("{}/appraisals/{c}", app.base);
    let (_, html) = common::page(&web, &sheet).await;
    let (csrf, version) = (common::csrf_of(&html), common::version_of(&html));
    let (s, path, html) = common::post_form(
        &web,
        &format!("{sheet}/actions"),
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("action", "review_pass"),
        ],
    )
    .await;
    assert_eq!(
        (s, path.as_str()),
        (StatusCode::OK, format!("/appraisals/{c}").as_str())
    );
    assert!(html.contains("已通过复核，已转审批"), "{html}");
    assert!(
        html.contains(&format!("/appraisals/{a}")) && html.contains("下一位：张伟"),
        "{html}"
    );
    let url = format!("{}/tasks/batch/review", app.base);
    let (s, list) = common::page(&web, &url).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    common::assert_complete(&url, &list);
    assert!(
        list.contains("张伟 (A001)") && list.contains("李娜 (A002)"),
        "{list}"
    );
    let csrf = common::csrf_of(&list);
    let (va, vb) = (shown_version(&list, a), shown_version(&list, b));
    let (ids, vs) = (
        [a.to_string(), b.to_string()],
        [format!("v.{a}"), format!("v.{b}")],
    );
    let fields = [
        ("csrf", csrf.as_str()),
        ("pick", ids[0].as_str()),
        (vs[0].as_str(), va.as_str()),
        ("pick", ids[1].as_str()),
        (vs[1].as_str(), vb.as_str()),
    ];
    // Nothing ticked: said so.
    let (s, _, html) = common::post_form(&web, &url, &fields[..1]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请至少勾选一份"), "{html}");
    // The confirmation names the count and the bonus total, and nothing is done yet.
    let (s, _, html) = common::post_form(&web, &url, &fields).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains(&format!("通过 2 份考核表的复核，奖金合计 {sum:.2} 元")),
        "{sum}: {html}"
    );
    assert_eq!(get_appraisal(&app, &p.hr, a).await["state"], "review");
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "1"));
    let (s, _, html) = common::post_form(&web, &url, &confirmed).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("已通过复核：2 份"), "{html}");
    for id in [a, b] {
        assert_eq!(get_appraisal(&app, &p.hr, id).await["state"], "approval");
    }

    // The approver saw B at an older version: A is approved, B is named and left alone.
    let web = common::web_login(&app, "shenpi").await;
    let url = format!("{}/tasks/batch/approve", app.base);
    let (_, list) = common::page(&web, &url).await;
    let csrf = common::csrf_of(&list);
    let va = shown_version(&list, a);
    let old_vb = (shown_version(&list, b).parse::<i64>().unwrap() - 1).to_string();
    let (s, _, html) = common::post_form(
        &web,
        &url,
        &[
            ("csrf", csrf.as_str()),
            ("pick", ids[0].as_str()),
            (vs[0].as_str(), va.as_str()),
            ("pick", ids[1].as_str()),
            (vs[1].as_str(), old_vb.as_str()),
            ("confirm", "1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("已审批通过：1 份"), "{html}");
    assert!(
        html.contains("李娜 (A002)") && html.contains("已有变化"),
        "{html}"
    );
    assert_eq!(get_appraisal(&app, &p.hr, a).await["state"], "published");
    assert_eq!(get_appraisal(&app, &p.hr, b).await["state"], "approval");
    // Another's batch is not theirs: an employee has nothing to review.
    let (s, html) = common::page(
        &p.staff["A001"],
        &format!("{}/tasks/batch/review", app.base),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("没有等待您处理的考核表"), "{html}");
}

async fn f01_month_signed(app: App) {
    let p = people(&app).await;
    let m = month_until_published(&app, &p, "F01", 0, "A001", 72).await;
    let me = &p.staff["A001"];
    let a = get_appraisal(&app, me, m.appraisal).await;
    assert_eq!(a["state_zh"], "待确认");
    assert_expected(&a, "F01", 0);
    assert_eq!(a["bonus"], "2700.00");
    // The signature lines carry who acted: 王强 rated (考核人 and 上级), fuhe reviewed,
    // shenpi approved — on the page and in the form workbook.
    let (_, html) = common::page(me, &format!("{}/appraisals/{}", app.base, m.appraisal)).await;
    let sigs = &html[html.find(r#"class="signatures""#).unwrap()..];
    let line = |label: &str| {
        let at = sigs
            .find(&format!(r#"<span class="sig-label">{label}</span>"#))
            .unwrap_or_else(|| panic!("{label}: {sigs}"));
        let rest = &sigs[at..];
        rest[..rest.find("</div>").unwrap()].to_string()
    };
    assert!(line("考核人").contains("王强"), "{sigs}");
    assert!(line("上级").contains("王强"), "{sigs}");
    assert!(line("复核").contains("fuhe"), "{sigs}");
    assert!(
        line("审批").contains("shenpi") && line("审批").contains("2026-"),
        "{sigs}"
    );
    let r = me
        .get(format!(
            "{}/api/appraisals/{}/form.xlsx",
            app.base, m.appraisal
        ))
        .send()
        .await
        .unwrap();
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut cells = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut cells,
    )
    .unwrap();
    assert!(
        cells.contains("考核人签字：王强") && cells.contains("复核：fuhe"),
        "{cells}"
    );
    // Every number explained, in both languages.
    let (s, ex) = send(me.get(format!(
        "{}/api/appraisals/{}/explain",
        app.base, m.appraisal
    )))
    .await;
    assert_eq!(s, StatusCode::OK, "{ex}");
    let sales = ex["zh"]["item:sales"].as_str().unwrap();
    assert!(
        sales.contains("低于目标 13%，按每 5% 扣 3 分计 2 档，扣 6 分"),
        "{sales}"
    );
    assert!(
        ex["en"]["item:sales"]
            .as_str()
            .unwrap()
            .contains("2 full step(s) of 5%"),
        "{ex}"
    );
    assert!(
        ex["zh"]["pay:bonus"]
            .as_str()
            .unwrap()
            .contains("2700.00 元"),
        "{ex}"
    );
    assert!(ex["text_zh"].as_str().unwrap().contains("总分"), "{ex}");
    let (s, _) = send(p.staff["A002"].get(format!(
        "{}/api/appraisals/{}/explain",
        app.base, m.appraisal
    )))
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another employee's explanation");

    // Another employee cannot see it, not even that it exists.
    let (s, b) =
        send(p.staff["A002"].get(format!("{}/api/appraisals/{}", app.base, m.appraisal))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!b.to_string().contains("2700"), "{b}");
    let (_, list) = send(p.staff["A002"].get(format!("{}/api/appraisals", app.base))).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");

    // The appraisee's inbox has the signature; signing needs a name.
    let (_, inbox) = send(me.get(format!("{}/api/tasks", app.base))).await;
    assert!(
        inbox
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"] == "sign"),
        "{inbox}"
    );
    let (s, b) = act(
        &app,
        me,
        m.appraisal,
        json!({"action": "sign", "name": " "}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["fields"][0]["field"], "name");
    let (s, b) = act(
        &app,
        me,
        m.appraisal,
        json!({"action": "sign", "name": "张伟"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "confirmed");
    assert_eq!(b["confirmed_by"], "张伟");
    let (_, cy) = send(p.hr.get(format!("{}/api/cycles/{}", app.base, m.cycle))).await;
    assert_eq!(
        cy["status"], "closed",
        "every appraisal final: the cycle is closed"
    );

    // Final: no more changes, not even by HR without a reasoned correction.
    let (s, _) = act(
        &app,
        me,
        m.appraisal,
        json!({"action": "appeal", "reason": "x", "items": ["sales"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let version = b["version"].as_i64().unwrap();
    let (s, _) = send(
        p.hr.put(format!(
            "{}/api/appraisals/{}/values",
            app.base, m.appraisal
        ))
        .json(&json!({"version": version, "values": {"authorised_work": "20"}})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    assert_eq!(
        trail(&app, m.appraisal).await,
        [
            "appraisal.values",
            "appraisal.values",
            "appraisal.values",
            "appraisal.data_complete",
            "appraisal.values",
            "appraisal.ratings_complete",
            "appraisal.review_pass",
            "appraisal.approve",
            "appraisal.sign"
        ]
    );
    let log = app.store.audit_log(0, 10_000).await.unwrap();
    let approve = log
        .iter()
        .find(|e| e.action == "appraisal.approve")
        .unwrap();
    assert_eq!(approve.actor, "shenpi");
    assert!(
        approve
            .new_value
            .as_deref()
            .unwrap()
            .contains("bonus=2700.00")
    );

    // The ledger and payroll show the month.
    let (s, l) = send(me.get(format!("{}/api/employees/A001/ledger", app.base))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(l[0]["period"], "2026-11");
    assert_eq!(l[0]["bonus"], "2700.00");
    let (s, _) = send(me.get(format!("{}/api/employees/A002/ledger", app.base))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "never another's bonus");
    let csv =
        p.hr.get(format!("{}/api/cycles/{}/payroll.csv", app.base, m.cycle))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        csv.contains("A001,张伟,市场部,2026-11,90,,2700.00"),
        "{csv}"
    );
    assert!(
        csv.trim_end().ends_with("合计,共 1 人,,,,,2700.00"),
        "{csv}"
    );
    let (s, v) = send(p.hr.get(format!("{}/api/audit/verify", app.base))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["intact"], true);
}

async fn f06_month_confirmed_by_default(app: App) {
    let p = people(&app).await;
    // A window of 0 hours: it closes at publication.
    let m = month_until_published(&app, &p, "F06", 0, "K001", 0).await;
    let a = get_appraisal(&app, &p.staff["K001"], m.appraisal).await;
    assert_expected(&a, "F06", 0);
    assert_eq!(a["self_summary"], "本月完成主要客户回访，投诉处理及时。");
    assert!(m.template.raters.len() == 4);
    // The server that published is gone; a new one over the same database confirms what
    // fell due, by itself.
    let mut state = kaohe_server::AppState::new(app.store.clone());
    state.auto_confirm_every = std::time::Duration::from_millis(100);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    tokio::spawn(kaohe_server::serve(state, listener));
    let mut state_now = String::new();
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        state_now = get_appraisal(&app, &p.hr, m.appraisal).await["state"]
            .as_str()
            .unwrap()
            .to_string();
        if state_now == "confirmed" {
            break;
        }
    }
    assert_eq!(state_now, "confirmed");
    let a = get_appraisal(&app, &p.staff["K001"], m.appraisal).await;
    assert_eq!(a["confirmed_by"], "视为默认 / deemed accepted");
    let log = app.store.audit_log(0, 10_000).await.unwrap();
    let auto = log
        .iter()
        .find(|e| e.action == "appraisal.auto_confirm")
        .unwrap();
    assert_eq!(auto.actor, "system");
    assert!(auto.reason.as_deref().unwrap().contains("视为默认"));
    // Too late to appeal.
    let (s, _) = act(
        &app,
        &p.staff["K001"],
        m.appraisal,
        json!({"action": "appeal", "reason": "分数不对", "items": ["relations"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

async fn f07_month_signed_with_interview(app: App) {
    let p = people(&app).await;
    let m = month_until_published(&app, &p, "F07", 0, "K002", 72).await;
    let me = &p.staff["K002"];
    let a = get_appraisal(&app, me, m.appraisal).await;
    assert_expected(&a, "F07", 0);
    // The supervisor records the performance interview and next month's requirements.
    let (s, b) = send(p.supervisor.put(format!("{}/api/appraisals/{}/notes", app.base, m.appraisal)).json(&json!({
        "version": a["version"],
        "comments": "投诉处理及时，客户满意度高。",
        "next_goals": "下月利润率达到 110%。",
        "interview": {"date": "2026-12-03", "participants": "王强、马俊", "notes": "确认下月目标。"}
    }))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["interview"]["participants"], "王强、马俊");
    // The appraisee may not write the supervisor's comments.
    let (s, _) = send(
        me.put(format!("{}/api/appraisals/{}/notes", app.base, m.appraisal))
            .json(&json!({
                "version": b["version"], "comments": "我很好"
            })),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A bad date is named.
    let (s, e) = send(p.supervisor.put(format!("{}/api/appraisals/{}/notes", app.base, m.appraisal)).json(&json!({
        "version": b["version"], "interview": {"date": "12月3日", "participants": "x", "notes": "y"}
    }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["fields"][0]["field"], "interview.date");
    let (s, b) = act(
        &app,
        me,
        m.appraisal,
        json!({"action": "sign", "name": "马俊"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let t = trail(&app, m.appraisal).await;
    assert!(t.contains(&"appraisal.submit_self".to_string()), "{t:?}");
    assert!(t.contains(&"appraisal.interview".to_string()), "{t:?}");
    assert_eq!(t.last().unwrap(), "appraisal.sign");
}

async fn f01_appeal_upheld_and_reopened(app: App) {
    let p = people(&app).await;
    let m = month_until_published(&app, &p, "F01", 0, "A001", 72).await;
    let me = &p.staff["A001"];
    let id = m.appraisal;
    // An appeal needs a reason and the items disputed, which must be on the form.
    let (s, b) = act(
        &app,
        me,
        id,
        json!({"action": "appeal", "reason": "新增客户未计入", "items": []}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, b) = act(
        &app,
        me,
        id,
        json!({"action": "appeal", "reason": "新增客户未计入", "items": ["no_such_item"]}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"]["fields"][0]["field"], "items.no_such_item");
    let (s, b) = act(&app, me, id, json!({"action": "appeal", "reason": "授权工作完成了两项，应得满分", "items": ["authorised_work"]})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "appealed");
    // HR's 待办 says an appeal waits, and leads to it.
    let (s, inbox) = common::page(&p.hr, &format!("{}/tasks", app.base)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        inbox.contains("1 份申诉待处理") && inbox.contains("/hr/appeals"),
        "{inbox}"
    );
    // Only HR decides.
    let (s, _) = act(
        &app,
        &p.approver,
        id,
        json!({"action": "uphold", "reason": "x"}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // HR reopens the disputed item: only it can be re-scored.
    let (s, b) = act(&app, &p.hr, id, json!({"action": "reopen", "reason": "核实后授权工作确已完成", "items": ["authorised_work"]})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "rating");
    let v = get_appraisal(&app, &p.supervisor, id).await["version"].clone();
    let (s, _) = send(
        p.supervisor
            .put(format!("{}/api/appraisals/{id}/values", app.base))
            .json(&json!({"version": v, "values": {"samples": "15"}})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "items not reopened stay closed");
    let mut vals = BTreeMap::new();
    vals.insert("authorised_work".to_string(), "20".to_string());
    enter(&app, &p.supervisor, id, &vals).await;
    let (s, b) = act(&app, &p.supervisor, id, json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // 18 → 20 on authorised work: the reviewer already sees total 92, bonus 2760.00 (the
    // figures are always the engine's for the data stored now, not the last approved ones).
    let seen = get_appraisal(&app, &p.reviewer, id).await;
    assert_eq!(
        (seen["total"].as_str(), seen["bonus"].as_str()),
        (Some("92"), Some("2760.00"))
    );
    act(&app, &p.reviewer, id, json!({"action": "review_pass"})).await;
    let (s, b) = act(&app, &p.approver, id, json!({"action": "approve"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["total"], "92");
    assert_eq!(b["bonus"], "2760.00");
    // The approver approved the amount they saw.
    let log = app.store.audit_log(0, 10_000).await.unwrap();
    let re = log
        .iter()
        .rfind(|e| e.action == "appraisal.approve")
        .unwrap();
    assert!(
        re.old_value.as_deref().unwrap().contains("bonus=2760.00"),
        "{re:?}"
    );
    assert!(
        re.new_value.as_deref().unwrap().contains("bonus=2760.00"),
        "{re:?}"
    );
    let reopen = log.iter().find(|e| e.action == "appraisal.reopen").unwrap();
    assert_eq!(reopen.reason.as_deref(), Some("核实后授权工作确已完成"));

    // A second appeal, upheld: final with HR's reason.
    let (s, _) = act(
        &app,
        me,
        id,
        json!({"action": "appeal", "reason": "仍有异议", "items": ["sales"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = act(&app, &p.hr, id, json!({"action": "uphold", "reason": " "})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (s, b) = act(
        &app,
        &p.hr,
        id,
        json!({"action": "uphold", "reason": "销售数据经财务核实无误"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "confirmed");
    assert_eq!(b["appeal"]["decision"], "upheld");
    // HR may correct a final appraisal only with a reason; it goes back to rating.
    let (s, b) = act(
        &app,
        &p.hr,
        id,
        json!({"action": "correct", "reason": "工资核算发现录入错误"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["state"], "rating");
    let (_, cy) = send(p.hr.get(format!("{}/api/cycles/{}", app.base, m.cycle))).await;
    assert_eq!(cy["status"], "launched", "a correction reopens the cycle");
}

async fn who_may_do_what_on_cycles_and_appraisals(app: App) {
    let p = people(&app).await;
    let m = month_until_published(&app, &p, "F01", 0, "A001", 72).await;
    let (b, c, a) = (&app.base, m.cycle, m.appraisal);
    let sc = p.depts.iter().find(|d| d.code == "SC").unwrap().id;
    let anon = client();
    // Order: anonymous, another employee, a clerk, the supervisor, reviewer, approver, HR,
    // and the appraisee last (so a signature comes after every refusal).
    let who: [(&str, &reqwest::Client); 8] = [
        ("anon", &anon),
        ("other employee", &p.staff["A002"]),
        ("clerk 市场部", &p.clerks["SC"]),
        ("supervisor", &p.supervisor),
        ("reviewer", &p.reviewer),
        ("approver", &p.approver),
        ("hr", &p.hr),
        ("appraisee", &p.staff["A001"]),
    ];
    let new_cycle = json!({"name": "矩阵测试", "form_id": "F01", "period": "2026-12"}).to_string();
    let version = get_appraisal(&app, &p.hr, a).await["version"]
        .as_i64()
        .unwrap();
    let values = json!({"version": version, "values": {"authorised_work": "1"}}).to_string();
    let sign = json!({"version": version, "action": "sign", "name": "张伟"}).to_string();
    let cases: Vec<(&str, String, Option<String>, [u16; 8])> = vec![
        (
            "GET",
            format!("{b}/api/cycles"),
            None,
            [401, 403, 403, 403, 200, 200, 200, 403],
        ),
        (
            "GET",
            format!("{b}/api/cycles/{c}"),
            None,
            [401, 403, 403, 403, 200, 200, 200, 403],
        ),
        (
            "POST",
            format!("{b}/api/cycles"),
            Some(new_cycle),
            [401, 403, 403, 403, 403, 403, 201, 403],
        ),
        (
            "POST",
            format!("{b}/api/cycles/{c}/score"),
            None,
            [401, 403, 403, 403, 403, 403, 200, 403],
        ),
        (
            "GET",
            format!("{b}/api/cycles/{c}/results"),
            None,
            [401, 403, 403, 403, 200, 200, 200, 403],
        ),
        (
            "GET",
            format!("{b}/api/cycles/{c}/payroll.csv"),
            None,
            [401, 403, 403, 403, 403, 403, 200, 403],
        ),
        (
            "PUT",
            format!("{b}/api/cycles/{c}/departments/{sc}/data"),
            Some(r#"{"rows": []}"#.into()),
            [401, 403, 200, 403, 403, 403, 200, 403],
        ),
        (
            "POST",
            format!("{b}/api/cycles/{c}/departments/{sc}/complete"),
            None,
            [401, 403, 409, 403, 403, 403, 409, 403],
        ),
        (
            "GET",
            format!("{b}/api/appraisals/{a}"),
            None,
            [401, 404, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("{b}/api/appraisals"),
            None,
            [401, 200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "PUT",
            format!("{b}/api/appraisals/{a}/values"),
            Some(values),
            [401, 404, 403, 403, 403, 403, 403, 403],
        ),
        (
            "GET",
            format!("{b}/api/tasks"),
            None,
            [401, 200, 200, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            format!("{b}/api/employees/A001/ledger"),
            None,
            [401, 404, 404, 404, 404, 404, 200, 200],
        ),
        (
            "POST",
            format!("{b}/api/jobs/auto-confirm"),
            None,
            [401, 403, 403, 403, 403, 403, 200, 403],
        ),
        (
            "POST",
            format!("{b}/api/appraisals/{a}/actions"),
            Some(sign),
            [401, 404, 403, 403, 403, 403, 403, 200],
        ),
    ];
    for (method, url, body, want) in &cases {
        for (i, (name, cl)) in who.iter().enumerate() {
            let mut req = match *method {
                "GET" => cl.get(url),
                "PUT" => cl.put(url),
                _ => cl.post(url),
            };
            if let Some(bd) = body {
                req = req
                    .header("content-type", "application/json")
                    .body(bd.clone());
            }
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            assert_eq!(status, want[i], "{method} {url} as {name}: {text}");
            if status >= 400 {
                assert!(
                    !text.contains("2700") && !text.contains("\"inputs\""),
                    "{method} {url} as {name} leaks data: {text}"
                );
                let v: Value = serde_json::from_str(&text).unwrap();
                assert!(v["error"]["code"].is_string(), "one error format: {text}");
            }
        }
    }
    // What each sees in the lists.
    let (_, mine) = send(p.staff["A002"].get(format!("{b}/api/appraisals"))).await;
    assert_eq!(mine.as_array().unwrap().len(), 0);
    let (_, clerk) = send(p.clerks["SC"].get(format!("{b}/api/appraisals/{a}"))).await;
    assert!(
        clerk["bonus"].is_null() && clerk["total"].is_null(),
        "a clerk sees the data, not the bonus: {clerk}"
    );
    assert_eq!(clerk["inputs"]["sales_actual"], "87");
    let (_, sup) = send(p.supervisor.get(format!("{b}/api/appraisals/{a}"))).await;
    assert_eq!(sup["bonus"], "2700.00");
}

async fn concurrent_writers_one_wins_nothing_lost(app: App) {
    let p = people(&app).await;
    let src = template("F01");
    send(p.hr.post(format!("{}/api/templates", app.base)).body(src)).await;
    let (_, cy) = send(p.hr.post(format!("{}/api/cycles", app.base)).json(&json!({
        "name": "并发", "form_id": "F01", "period": "2026-11", "members": {"employees": ["A001"]}
    })))
    .await;
    let c = cy["id"].as_i64().unwrap();
    send(p.hr.post(format!("{}/api/cycles/{c}/launch", app.base))).await;
    let (_, list) = send(p.hr.get(format!("{}/api/appraisals?cycle_id={c}", app.base))).await;
    let id = list[0]["id"].as_i64().unwrap();
    let v = list[0]["version"].as_i64().unwrap();
    // Two HR sessions write different inputs from the same version at the same moment.
    let hr2 = login(&app, "hr").await;
    let url = format!("{}/api/appraisals/{id}/values", app.base);
    let (r1, r2) = tokio::join!(
        send(
            p.hr.put(&url)
                .json(&json!({"version": v, "values": {"monthly_bonus": "3000"}}))
        ),
        send(
            hr2.put(&url)
                .json(&json!({"version": v, "values": {"authorised_work": "18"}}))
        ),
    );
    let mut codes = [r1.0.as_u16(), r2.0.as_u16()];
    codes.sort();
    assert_eq!(codes, [200, 409], "{r1:?} {r2:?}");
    let loser = if r1.0 == StatusCode::CONFLICT {
        &r1.1
    } else {
        &r2.1
    };
    assert_eq!(loser["error"]["code"], "conflict");
    assert!(
        loser["error"]["message"]
            .as_str()
            .unwrap()
            .contains("当前版本")
    );
    // The loser reloads and writes again: both values are there.
    let a = get_appraisal(&app, &p.hr, id).await;
    let (retry_values, _) = if r1.0 == StatusCode::CONFLICT {
        (json!({"monthly_bonus": "3000"}), 0)
    } else {
        (json!({"authorised_work": "18"}), 1)
    };
    let (s, b) = send(
        p.hr.put(&url)
            .json(&json!({"version": a["version"], "values": retry_values})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["inputs"]["monthly_bonus"], "3000");
    assert_eq!(b["inputs"]["authorised_work"], "18");
    assert_eq!(b["version"].as_i64().unwrap(), v + 2);
}

async fn bad_cycle_and_grid_input_is_named_and_stores_nothing(app: App) {
    let p = people(&app).await;
    send(
        p.hr.post(format!("{}/api/templates", app.base))
            .body(template("F01")),
    )
    .await;
    let bad = [
        (
            json!({"name": "x", "form_id": "F99", "period": "2026-11"}),
            "form_id",
        ),
        (
            json!({"name": "x", "form_id": "F01", "period": "2026-13"}),
            "period",
        ),
        (
            json!({"name": "x", "form_id": "F01", "period": "2026-11", "params": {"nope": "1"}}),
            "params.nope",
        ),
        (
            json!({"name": "x", "form_id": "F01", "period": "2026-11", "targets": [{"position": "大客户经理", "values": {"monthly_bonus": "三千"}}]}),
            "targets[0].monthly_bonus",
        ),
        (
            json!({"name": "x", "form_id": "F01", "period": "2026-11", "data_due": "下周五"}),
            "data_due",
        ),
        (
            json!({"name": "x", "form_id": "F01", "period": "2026-11", "members": {"employees": ["Z999"]}}),
            "members",
        ),
        (
            json!({"name": "x", "form_id": "F01", "period": "2026-11", "confirm_window_hours": -1}),
            "confirm_window_hours",
        ),
    ];
    for (body, field) in bad {
        let (s, b) = send(p.hr.post(format!("{}/api/cycles", app.base)).json(&body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {b}");
        let fields: Vec<&str> = b["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body}: {fields:?}");
    }
    let (_, cy) = send(p.hr.post(format!("{}/api/cycles", app.base)).json(&json!({
        "name": "网格", "form_id": "F01", "period": "2026-11"
    })))
    .await;
    let c = cy["id"].as_i64().unwrap();
    let (s, l) = send(p.hr.post(format!("{}/api/cycles/{c}/launch", app.base))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(l["appraisals"], 2, "both 大客户经理: {l}");
    let (s, _) = send(p.hr.post(format!("{}/api/cycles/{c}/launch", app.base))).await;
    assert_eq!(s, StatusCode::CONFLICT, "launched once");
    let sc = p.depts.iter().find(|d| d.code == "SC").unwrap().id;
    let audit_before = app.store.audit_log(0, 10_000).await.unwrap().len();
    let (s, b) = send(
        p.clerks["SC"]
            .put(format!("{}/api/cycles/{c}/departments/{sc}/data", app.base))
            .json(&json!({"rows": [
                {"emp_no": "A001", "values": {"sales_target": "100", "sales_actual": "８７"}},
                {"emp_no": "A002", "values": {"sales_target": "一百", "leave_days": "1"}},
                {"emp_no": "Z999", "values": {"sales_actual": "1"}},
                {"emp_no": "A001", "values": {"sales_actual": "1"}},
            ]})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let f: Vec<(u64, String)> = b["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(f.contains(&(2, "sales_target".into())), "{f:?}");
    assert!(f.contains(&(3, "工号 emp_no".into())), "{f:?}");
    assert!(f.contains(&(4, "工号 emp_no".into())), "{f:?}");
    assert!(
        f.contains(&(2, "leave_days".into())),
        "not this department's input: {f:?}"
    );
    let (_, list) = send(p.hr.get(format!("{}/api/appraisals?cycle_id={c}", app.base))).await;
    for a in list.as_array().unwrap() {
        assert!(
            a["inputs"].get("sales_actual").is_none(),
            "nothing stored: {a}"
        );
    }
    assert_eq!(
        app.store.audit_log(0, 10_000).await.unwrap().len(),
        audit_before,
        "nothing audited"
    );
    // The good rows alone go in, full-width digits read as numbers.
    let (s, b) = send(
        p.clerks["SC"]
            .put(format!("{}/api/cycles/{c}/departments/{sc}/data", app.base))
            .json(&json!({"rows": [
                {"emp_no": "A001", "values": {"sales_target": "100", "sales_actual": "８７"}},
            ]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // Unknown actions and states are named.
    let id = list[0]["id"].as_i64().unwrap();
    let (s, b) = send(
        p.hr.post(format!("{}/api/appraisals/{id}/actions", app.base))
            .json(&json!({"version": 1, "action": "dance"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["error"]["fields"][0]["field"], "action");
    let (s, _) = send(p.hr.get(format!("{}/api/appraisals?state=sleeping", app.base))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn f05_interviewers_named_per_candidate_one_absent(app: App) {
    let p = people(&app).await;
    send(
        p.hr.post(format!("{}/api/templates", app.base))
            .body(template("F05")),
    )
    .await;
    // The candidate K001 is interviewed by S001, A001 and A002, named by HR for this cycle.
    let (s, cy) = send(p.hr.post(format!("{}/api/cycles", app.base)).json(&json!({
        "name": "2026年11月 客服经理面试", "form_id": "F05", "period": "2026-11",
        "members": {"employees": ["K001"], "raters": {"K001": {"i1": "S001", "i2": "A001", "i3": "A002"}}}
    }))).await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let c = cy["id"].as_i64().unwrap();
    let (_, l) = send(p.hr.post(format!("{}/api/cycles/{c}/launch", app.base))).await;
    assert_eq!(l["tasks"], 3, "one task per interviewer: {l}");
    let (_, list) = send(p.hr.get(format!("{}/api/appraisals?cycle_id={c}", app.base))).await;
    let id = list[0]["id"].as_i64().unwrap();
    assert_eq!(
        list[0]["state"], "rating",
        "no department data on an interview form"
    );
    let (s, _) = send(p.staff["K002"].get(format!("{}/api/appraisals/{id}", app.base))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not an interviewer");
    let (values, _) = example("F05", 0);
    for (rater, who) in [
        ("i1", &p.supervisor),
        ("i2", &p.staff["A001"]),
        ("i3", &p.staff["A002"]),
    ] {
        let mine: BTreeMap<String, String> = values
            .iter()
            .filter(|(k, _)| k.ends_with(&format!("@{rater}")))
            // The third interviewer was away: 不适用 in every row of their column.
            .map(|(k, v)| {
                (
                    k.clone(),
                    if rater == "i3" {
                        "不适用".into()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect();
        assert_eq!(mine.len(), 4, "{rater}");
        // Nobody writes another interviewer's column.
        let other = if rater == "i1" {
            "knowledge@i2"
        } else {
            "knowledge@i1"
        };
        let v = get_appraisal(&app, who, id).await["version"].clone();
        let (s, _) = send(
            who.put(format!("{}/api/appraisals/{id}/values", app.base))
                .json(&json!({"version": v, "values": {other: "5"}})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{rater} writing {other}");
        enter(&app, who, id, &mine).await;
        let (s, b) = act(&app, who, id, json!({"action": "submit"})).await;
        assert_eq!(s, StatusCode::OK, "{rater}: {b}");
    }
    act(&app, &p.reviewer, id, json!({"action": "review_pass"})).await;
    let (s, b) = act(&app, &p.approver, id, json!({"action": "approve"})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // Averages of the two present: (20+25)/2 + (25+25)/2 + (20+20)/2 + (15+20)/2 = 85.
    let items: BTreeMap<String, String> = b["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["score"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(items["knowledge"], "22.5");
    assert_eq!(items["teamwork"], "17.5");
    assert_eq!(b["total"], "85");
    assert_eq!(b["grade"], "建议录用");
}

// ---- The access matrix: every reading route and page, for every kind of user, in every
// state of the month; statuses as the policy says, and no body with a value its reader may
// not see (checked by the values themselves). ----

/// What a reader of an appraisal is, for the expectations below.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reader {
    Hr,
    Supervisor,
    /// Clerk of 行政部, whose attendance data the form reads.
    ClerkOwn,
    /// Clerk of 财务部, a department the form does not read.
    ClerkOther,
    /// Reviewer and approver of every department.
    Overseer,
    /// Reviewer of 市场部 (the appraisee's), or reviewer and approver of 北京分行 above it.
    ScopedIn,
    /// Reviewer and approver of 行政部 only, or reviewer of 上海分行 above it.
    ScopedOut,
    Appraisee,
    OtherEmployee,
}

/// The text with every clock time (`12:52:17.512345`, `12:52`) taken out, so a hidden
/// value such as `2.5` is not "found" in the seconds of a timestamp.
fn without_times(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let two = |k: usize| k + 1 < b.len() && b[k].is_ascii_digit() && b[k + 1].is_ascii_digit();
        if two(i) && i + 2 < b.len() && b[i + 2] == b':' && two(i + 3) {
            // hh:mm, then :ss and .fraction if present
            let mut j = i + 5;
            if j < b.len() && b[j] == b':' && two(j + 1) {
                j += 3;
                if j < b.len() && b[j] == b'.' {
                    j += 1;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                }
            }
            i = j;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response as text to search: a workbook's sheets and shared strings (its XML), else the
/// body as UTF-8.
fn readable(route: &str, bytes: &[u8]) -> String {
    use std::io::Read;
    if !route.ends_with(".xlsx") || !bytes.starts_with(b"PK") {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a workbook");
    let mut text = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        if f.name().is_ok_and(|n| n.ends_with(".xml")) {
            f.read_to_string(&mut text).unwrap();
        }
    }
    text
}

async fn access_matrix_by_scope_and_state(app: App) {
    let p = people(&app).await;
    let b = app.base.clone();
    let dept = |code: &str| p.depts.iter().find(|d| d.code == code).unwrap().id;
    let (sc, xz) = (dept("SC"), dept("XZ"));
    let grant = |role, d| Grant {
        role,
        department_id: d,
    };
    add_user(&app, "rev_sc", None, vec![grant(Role::Reviewer, Some(sc))]).await;
    add_user(&app, "rev_xz", None, vec![grant(Role::Reviewer, Some(xz))]).await;
    add_user(&app, "apr_xz", None, vec![grant(Role::Approver, Some(xz))]).await;
    // A tree above them: 市场部 a 支行 of 北京分行, 行政部 one of 上海分行 (its sibling). A grant
    // on a 分行 reaches the 支行 under it and nothing of the other 分行.
    let tree = "工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门\n\
                ,,BR1,北京分行,业务,分行,\n,,BR2,上海分行,业务,分行,\n\
                ,,SC,市场部,业务,支行,BR1\n,,XZ,行政部,职能,支行,上海分行\n";
    let r =
        p.hr.post(format!("{b}/api/org/import"))
            .body(tree)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let tree_depts = app.store.departments().await.unwrap();
    let branch = |code: &str| tree_depts.iter().find(|d| d.code == code).unwrap().id;
    let (br1, br2) = (branch("BR1"), branch("BR2"));
    add_user(
        &app,
        "rev_br1",
        None,
        vec![grant(Role::Reviewer, Some(br1))],
    )
    .await;
    add_user(
        &app,
        "apr_br1",
        None,
        vec![grant(Role::Approver, Some(br1))],
    )
    .await;
    add_user(
        &app,
        "rev_br2",
        None,
        vec![grant(Role::Reviewer, Some(br2))],
    )
    .await;
    // Delegates (代理) of the supervisor 王强: one in force today (reads exactly as he does),
    // one that starts later, one that has ended, one revoked (each reads as a stranger).
    // 张伟 is also the reviewer's delegate today: on his own appraisal that gives nothing.
    let today = kaohe_store::today();
    for d in ["dlg_now", "dlg_before", "dlg_after", "dlg_revoked"] {
        add_user(&app, d, None, vec![]).await;
    }
    let delegate = async |c: &reqwest::Client, body: Value| -> Value {
        let (s, d) = send(c.post(format!("{b}/api/delegations")).json(&body)).await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        d
    };
    // HR sets one up for 王强; it ran in January 2020 (moved there: no one can create it now).
    let after = delegate(
        &p.hr,
        json!({"principal": "wangqiang", "delegate": "dlg_after", "from": today, "to": today}),
    )
    .await;
    sqlx::query(
        "UPDATE delegations SET from_date = '2020-01-01', to_date = '2020-01-31' WHERE id = $1",
    )
    .bind(after["id"].as_i64().unwrap())
    .execute(app.store.pool())
    .await
    .unwrap();
    let revoked = delegate(
        &p.supervisor,
        json!({"delegate": "dlg_revoked", "from": today, "to": today}),
    )
    .await;
    let (s, r) = send(
        p.supervisor
            .post(format!("{b}/api/delegations/{}/revoke", revoked["id"])),
    )
    .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("revoked")),
        "{r}"
    );
    let now = delegate(
        &p.supervisor,
        json!({"delegate": "dlg_now", "from": today, "to": today, "reason": "年假"}),
    )
    .await;
    assert_eq!(now["status"], "active", "{now}");
    delegate(
        &p.supervisor,
        json!({"delegate": "dlg_before", "from": "2099-01-01", "to": "2099-01-31"}),
    )
    .await;
    delegate(
        &p.reviewer,
        json!({"delegate": "a001", "from": today, "to": today}),
    )
    .await;
    let users: Vec<(&str, Reader, reqwest::Client)> = vec![
        ("hr", Reader::Hr, p.hr.clone()),
        (
            "王强's delegate today",
            Reader::Supervisor,
            login(&app, "dlg_now").await,
        ),
        (
            "王强's delegate from 2099",
            Reader::OtherEmployee,
            login(&app, "dlg_before").await,
        ),
        (
            "王强's delegate of January 2020",
            Reader::OtherEmployee,
            login(&app, "dlg_after").await,
        ),
        (
            "王强's revoked delegate",
            Reader::OtherEmployee,
            login(&app, "dlg_revoked").await,
        ),
        ("supervisor", Reader::Supervisor, p.supervisor.clone()),
        ("clerk 行政部", Reader::ClerkOwn, p.clerks["XZ"].clone()),
        ("clerk 财务部", Reader::ClerkOther, p.clerks["CW"].clone()),
        ("reviewer", Reader::Overseer, p.reviewer.clone()),
        ("approver", Reader::Overseer, p.approver.clone()),
        (
            "reviewer 市场部",
            Reader::ScopedIn,
            login(&app, "rev_sc").await,
        ),
        (
            "reviewer 行政部",
            Reader::ScopedOut,
            login(&app, "rev_xz").await,
        ),
        (
            "approver 行政部",
            Reader::ScopedOut,
            login(&app, "apr_xz").await,
        ),
        (
            "reviewer 北京分行",
            Reader::ScopedIn,
            login(&app, "rev_br1").await,
        ),
        (
            "approver 北京分行",
            Reader::ScopedIn,
            login(&app, "apr_br1").await,
        ),
        (
            "reviewer 上海分行",
            Reader::ScopedOut,
            login(&app, "rev_br2").await,
        ),
        ("张伟", Reader::Appraisee, p.staff["A001"].clone()),
        ("李娜", Reader::OtherEmployee, p.staff["A002"].clone()),
    ];

    // The month: F01 for 张伟, with values no other text on a page could hold.
    let (s, r) = send(
        p.hr.post(format!("{b}/api/templates"))
            .body(template("F01")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, cy) = send(p.hr.post(format!("{b}/api/cycles")).json(&json!({
        "name": "2026年12月 权限矩阵", "form_id": "F01", "period": "2026-12",
        "members": {"employees": ["A001", "X001"]},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let c = cy["id"].as_i64().unwrap();
    let (s, l) = send(p.hr.post(format!("{b}/api/cycles/{c}/launch"))).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    let (_, list) = send(p.hr.get(format!("{b}/api/appraisals?cycle_id={c}"))).await;
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["emp_no"] == "A001")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let money = "3137.59"; // the bonus base (HR's)
    let sales = "873.17"; // 市场部's figure
    let rated = ["17.25", "13.75"]; // the supervisor's item scores
    let attendance = "2.5"; // 行政部's figure
    enter(
        &app,
        &p.hr,
        id,
        &BTreeMap::from([("monthly_bonus".to_string(), money.to_string())]),
    )
    .await;

    // Every route and page that reads, and who gets what.
    let routes = |s: &str| -> Vec<String> {
        let _ = s;
        vec![
            format!("/api/appraisals/{id}"),
            format!("/api/appraisals/{id}/explain"),
            format!("/api/appraisals?cycle_id={c}"),
            format!("/appraisals/{id}"),
            format!("/api/cycles"),
            format!("/api/cycles/{c}"),
            format!("/api/cycles/{c}/results"),
            format!("/api/cycles/{c}/quotas"),
            format!("/api/cycles/{c}/payroll.csv"),
            format!("/api/cycles/{c}/payroll.xlsx"),
            format!("/api/cycles/{c}/results.xlsx"),
            format!("/api/employees"),
            format!("/api/employees/A001/ledger"),
            format!("/api/audit"),
            format!("/api/tasks"),
            format!("/tasks"),
            format!("/ledger"),
            format!("/hr"),
            format!("/hr/cycles"),
            format!("/hr/cycles/{c}"),
            format!("/hr/cycles/{c}/results"),
            format!("/hr/appeals"),
            format!("/hr/org"),
            format!("/hr/audit"),
            format!("/hr/employees/A001"),
            format!("/results"),
            format!("/results/{c}"),
        ]
    };
    let mut checked = 0usize;
    let mut check_state = async |state: &str, bonus: Option<String>| {
        let published = matches!(state, "published" | "appealed" | "confirmed");
        for (name, who, cl) in &users {
            for route in routes(state) {
                let r = cl.get(format!("{b}{route}")).send().await.unwrap();
                let status = r.status().as_u16();
                let body = without_times(&readable(&route, &r.bytes().await.unwrap()));
                checked += 1;
                let sees = !matches!(
                    who,
                    Reader::ClerkOther | Reader::ScopedOut | Reader::OtherEmployee
                );
                let sees_scores = matches!(
                    who,
                    Reader::Hr | Reader::Supervisor | Reader::Overseer | Reader::ScopedIn
                ) || (*who == Reader::Appraisee && published);
                let hr_only = route.starts_with("/hr")
                    || route.contains("payroll")
                    || route.starts_with("/api/audit");
                // The results of one's part of the organisation: pages and workbook.
                let results = route.starts_with("/results") || route.ends_with("results.xlsx");
                let overseers = route.starts_with("/api/cycles") || route == "/api/employees";
                let expected: &[u16] = if hr_only {
                    if *who == Reader::Hr { &[200] } else { &[403] }
                } else if results {
                    match who {
                        Reader::Hr | Reader::Overseer | Reader::ScopedIn | Reader::ScopedOut => {
                            &[200]
                        }
                        _ => &[403],
                    }
                } else if route.ends_with("/quotas") {
                    match who {
                        Reader::Hr | Reader::Overseer => &[200],
                        _ => &[403],
                    }
                } else if overseers {
                    // 行政部's reviewer and approver see the cycle (赵芳 of 行政部 is in it),
                    // never 市场部's rows.
                    match who {
                        Reader::Hr | Reader::Overseer | Reader::ScopedIn | Reader::ScopedOut => {
                            &[200]
                        }
                        _ => &[403],
                    }
                } else if route.contains("/appraisals/") {
                    if !sees {
                        &[404]
                    } else if route.ends_with("/explain") && !sees_scores {
                        &[403]
                    } else if route.ends_with("/explain")
                        && matches!(state, "data_entry" | "rating")
                    {
                        // Explained once every input is in; before, the missing one is named.
                        &[200, 422]
                    } else {
                        &[200]
                    }
                } else if route.contains("/ledger") && route.starts_with("/api") {
                    match who {
                        Reader::Hr | Reader::Appraisee => &[200],
                        _ => &[404],
                    }
                } else {
                    &[200]
                };
                assert!(
                    expected.contains(&status),
                    "{state}: {name} GET {route} → {status}, expected {expected:?}: {}",
                    body.chars().take(300).collect::<String>()
                );
                if status != 200 {
                    continue;
                }
                // No value the reader may not see, at this state.
                let mut hidden: Vec<&str> = Vec::new();
                if !sees_scores {
                    hidden.extend(rated);
                    hidden.push(money);
                    if let Some(bonus) = &bonus {
                        hidden.push(bonus);
                    }
                }
                if matches!(who, Reader::ClerkOwn | Reader::ClerkOther)
                    || (*who == Reader::Appraisee && !published)
                {
                    hidden.push(sales);
                }
                if matches!(
                    who,
                    Reader::ClerkOther | Reader::ScopedOut | Reader::OtherEmployee
                ) || (*who == Reader::Appraisee && !published)
                {
                    hidden.push(attendance);
                }
                if matches!(
                    who,
                    Reader::ClerkOther | Reader::ScopedOut | Reader::OtherEmployee
                ) && !route.ends_with("/ledger")
                {
                    hidden.push("张伟");
                }
                if matches!(who, Reader::ClerkOther | Reader::OtherEmployee) {
                    hidden.push("权限矩阵");
                }
                let results_page = (route.ends_with("/results") && route != "/results")
                    || route == format!("/results/{c}");
                if *who == Reader::ScopedOut && results_page {
                    assert!(
                        body.contains("赵芳"),
                        "{state}: {name} sees 行政部's row: {body}"
                    );
                }
                // A 市场部 or 北京分行 scope: 张伟's row with his total and bonus, nothing of
                // 行政部 (上海分行's).
                if *who == Reader::ScopedIn {
                    hidden.push("赵芳");
                    if results_page {
                        assert!(body.contains("张伟"), "{state}: {name}: {body}");
                        if let Some(bonus) = &bonus {
                            assert!(body.contains(bonus.as_str()), "{state}: {name}: {body}");
                        }
                    }
                }
                // The inboxes: a 分行's reviewer and approver get 张伟's sheet of their 支行.
                if route == "/tasks"
                    && ((state == "review" && name.starts_with("reviewer 北京分行"))
                        || (state == "approval" && name.starts_with("approver 北京分行")))
                {
                    assert!(body.contains("张伟"), "{state}: {name}'s inbox: {body}");
                }
                for h in hidden {
                    assert!(
                        !body.contains(h),
                        "{state}: {name} GET {route} shows `{h}`, which they may not see"
                    );
                }
            }
        }
    };

    check_state("data_entry", None).await;
    // The departments' data, handed in.
    for (code, vals) in [
        (
            "SC",
            json!({"sales_target": "1000", "sales_actual": sales, "new_customers": "1"}),
        ),
        ("XZ", json!({"leave_days": attendance})),
    ] {
        let d = dept(code);
        let (s, r) = send(
            p.clerks[code]
                .put(format!("{b}/api/cycles/{c}/departments/{d}/data"))
                .json(&json!({"rows": [{"emp_no": "A001", "values": vals}]})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let (s, r) =
            send(p.clerks[code].post(format!("{b}/api/cycles/{c}/departments/{d}/complete"))).await;
        assert_eq!(s, StatusCode::OK, "{r}");
    }
    check_state("rating", None).await;
    enter(
        &app,
        &p.supervisor,
        id,
        &BTreeMap::from([
            ("authorised_work".to_string(), rated[0].to_string()),
            ("samples".to_string(), rated[1].to_string()),
            ("contracts".to_string(), "12".to_string()),
        ]),
    )
    .await;
    let (s, r) = act(&app, &p.supervisor, id, json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let a = get_appraisal(&app, &p.hr, id).await;
    assert_eq!(a["state"], "review");
    let bonus = a["bonus"].as_str().unwrap().to_string();
    check_state("review", Some(bonus.clone())).await;
    let (s, r) = act(&app, &p.reviewer, id, json!({"action": "review_pass"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    check_state("approval", Some(bonus.clone())).await;
    let (s, r) = act(&app, &p.approver, id, json!({"action": "approve"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    check_state("published", Some(bonus.clone())).await;
    let (s, r) = act(
        &app,
        &p.staff["A001"],
        id,
        json!({"action": "appeal", "reason": "销售额统计有误", "items": ["sales"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    check_state("appealed", Some(bonus.clone())).await;
    let (s, r) = act(
        &app,
        &p.hr,
        id,
        json!({"action": "uphold", "reason": "数据核实无误"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    check_state("confirmed", Some(bonus.clone())).await;
    let peer_cases = peers_in_the_matrix(&app, &p, &users).await;
    println!(
        "access matrix: {checked} (state, user, route) cases and {peer_cases} for peer ratings, every body checked for hidden values"
    );
    assert!(checked >= 7 * 18 * 25);
}

/// The access matrix for peer ratings (同事评分): a cycle of the peer form for 张伟, whose
/// peers by the rule are 李娜, 周敏 and 马俊. Every reader of the matrix and the three peers
/// read every route of it with two answers in (below K = 3) and with three: nobody but the
/// peer reads an individual answer, nobody but HR and the peer a peer's name; a peer reads no
/// score and no one else's entry. Returns the (state, reader, route) cases checked.
async fn peers_in_the_matrix(
    app: &App,
    p: &People,
    users: &[(&str, Reader, reqwest::Client)],
) -> usize {
    let b = app.base.clone();
    let (c, id) = crate::peers::launch_for_zhangwei(app, &p.hr, "2026年12月 同事评分矩阵").await;
    let sup = ["36.5", "51.5"];
    crate::peers::put_values(
        app,
        &p.supervisor,
        id,
        json!({"teamwork@supervisor": sup[0], "quality@supervisor": sup[1]}),
    )
    .await;
    // (name, answer) of each peer, in the order they answer.
    let peers = [
        ("李娜", "A002", "31.37"),
        ("周敏", "K001", "33.91"),
        ("马俊", "K002", "35.23"),
    ];
    let routes = [
        format!("/api/appraisals/{id}"),
        format!("/api/appraisals/{id}/explain"),
        format!("/api/appraisals/{id}/peers"),
        format!("/api/appraisals/{id}/form.xlsx"),
        format!("/api/appraisals?cycle_id={c}"),
        format!("/appraisals/{id}"),
        format!("/appraisals/{id}?lang=en"),
        format!("/api/cycles/{c}/results"),
        format!("/api/cycles/{c}/results.xlsx"),
        "/api/audit".to_string(),
        "/api/tasks".to_string(),
        "/tasks".to_string(),
        format!("/hr/cycles/{c}/relations"),
        "/hr/audit".to_string(),
        format!("/results/{c}"),
    ];
    let mut checked = 0;
    for answered in [2, 3] {
        // Two answers first (李娜's, 周敏's), then 马俊's.
        let now = if answered == 2 {
            &peers[..2]
        } else {
            &peers[2..]
        };
        for (_, no, v) in now {
            crate::peers::put_values(app, &p.staff[*no], id, json!({"teamwork@peers": v})).await;
        }
        let a = get_appraisal(app, &p.hr, id).await;
        match answered {
            2 => assert!(a["inputs"].get("teamwork@peers").is_none(), "{a}"),
            // (31.37 + 33.91 + 35.23) / 3 = 33.503… → 33.5
            _ => assert_eq!(a["inputs"]["teamwork@peers"], "33.5", "{a}"),
        }
        // The readers: the matrix's (李娜 is a peer here) and the other two peers.
        let mut readers: Vec<(&str, Option<usize>, bool, &reqwest::Client)> = users
            .iter()
            .map(|(n, who, cl)| {
                let peer = peers.iter().position(|(pn, ..)| pn == n);
                (*n, peer, *who == Reader::Hr, cl)
            })
            .collect();
        readers.push(("周敏", Some(1), false, &p.staff["K001"]));
        readers.push(("马俊", Some(2), false, &p.staff["K002"]));
        for (name, peer, hr, cl) in &readers {
            for route in &routes {
                let r = cl.get(format!("{b}{route}")).send().await.unwrap();
                let status = r.status().as_u16();
                let body = without_times(&readable(route, &r.bytes().await.unwrap()));
                checked += 1;
                if peer.is_some() && route == &format!("/api/appraisals/{id}") {
                    assert_eq!(status, 200, "{name} reads the sheet they rate");
                }
                if status != 200 {
                    continue;
                }
                let mut hidden: Vec<&str> = Vec::new();
                for (k, (pn, _, pv)) in peers.iter().enumerate() {
                    // An answer: the peer's own only (if they gave it yet).
                    if *peer != Some(k) {
                        hidden.push(pv);
                    }
                    // A name: HR's and the peer's own (and 李娜's page header when she reads).
                    if !*hr && *peer != Some(k) && !name.contains(pn) {
                        hidden.push(pn);
                    }
                }
                // A peer reads no score and no one else's entry: not the supervisor's, not
                // the mean, not the total.
                if peer.is_some() && !*hr {
                    hidden.extend(sup);
                    if answered == 3 {
                        hidden.extend(["33.5", "87.1"]);
                    }
                }
                for h in hidden {
                    assert!(
                        !body.contains(h),
                        "{answered} answers: {name} GET {route} shows `{h}`, which they may not see: {}",
                        body.chars().take(400).collect::<String>()
                    );
                }
            }
        }
    }
    checked
}

/// Nobody reviews, approves or enters data for their own appraisal, nor approves what they
/// rated; HR can name an exception on a cycle.
async fn separation_of_duties(app: App) {
    let p = people(&app).await;
    let b = app.base.clone();
    let sc = p.depts.iter().find(|d| d.code == "SC").unwrap().id;
    // 李娜 also reviews, and clerks for 市场部; 王强 (who rates) also approves.
    app.store
        .set_grants(
            "test",
            "a002",
            &[
                Grant {
                    role: Role::Employee,
                    department_id: None,
                },
                Grant {
                    role: Role::Reviewer,
                    department_id: None,
                },
                Grant {
                    role: Role::Clerk,
                    department_id: Some(sc),
                },
            ],
        )
        .await
        .unwrap();
    app.store
        .set_grants(
            "test",
            "wangqiang",
            &[Grant {
                role: Role::Approver,
                department_id: None,
            }],
        )
        .await
        .unwrap();
    let lina = &p.staff["A002"];
    let (s, r) = send(
        p.hr.post(format!("{b}/api/templates"))
            .body(template("F01")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    // A month, stopped where each refusal applies.
    let (s, cy) = send(p.hr.post(format!("{b}/api/cycles")).json(&json!({
        "name": "2026年12月", "form_id": "F01", "period": "2026-12",
        "members": {"employees": ["A002"]},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let c = cy["id"].as_i64().unwrap();
    send(p.hr.post(format!("{b}/api/cycles/{c}/launch"))).await;
    let (_, list) = send(p.hr.get(format!("{b}/api/appraisals?cycle_id={c}"))).await;
    let id = list[0]["id"].as_i64().unwrap();
    // 李娜 as 市场部's clerk: not her own figures, neither in the grid nor on the sheet.
    let (s, r) = send(
        lina.put(format!("{b}/api/cycles/{c}/departments/{sc}/data"))
            .json(&json!({"rows": [{"emp_no": "A002", "values": {"sales_actual": "999"}}]})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert!(r.to_string().contains("不能为自己的考核表录入数据"), "{r}");
    let version = get_appraisal(&app, lina, id).await["version"].clone();
    let (s, r) = send(
        lina.put(format!("{b}/api/appraisals/{id}/values"))
            .json(&json!({"version": version, "values": {"sales_actual": "999"}})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
    assert!(r.to_string().contains("不能为自己的考核表录入数据"), "{r}");
    let a = get_appraisal(&app, &p.hr, id).await;
    assert!(
        a["inputs"].get("sales_actual").is_none(),
        "nothing stored: {a}"
    );
    // In review: 李娜 may not pass her own.
    for (code, vals) in [
        ("SC", json!({"sales_target": "100", "sales_actual": "95"})),
        ("XZ", json!({"leave_days": "0"})),
    ] {
        let d = p.depts.iter().find(|x| x.code == code).unwrap().id;
        let (s, r) = send(
            p.clerks[code]
                .put(format!("{b}/api/cycles/{c}/departments/{d}/data"))
                .json(&json!({"rows": [{"emp_no": "A002", "values": vals}]})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        send(p.clerks[code].post(format!("{b}/api/cycles/{c}/departments/{d}/complete"))).await;
    }
    enter(
        &app,
        &p.hr,
        id,
        &BTreeMap::from([("monthly_bonus".to_string(), "3000".to_string())]),
    )
    .await;
    enter(
        &app,
        &p.supervisor,
        id,
        &BTreeMap::from([
            ("authorised_work".to_string(), "15".to_string()),
            ("samples".to_string(), "12".to_string()),
            ("contracts".to_string(), "12".to_string()),
        ]),
    )
    .await;
    let (s, r) = act(&app, &p.supervisor, id, json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r) = act(&app, lina, id, json!({"action": "review_pass"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
    assert!(r.to_string().contains("不能复核自己的考核表"), "{r}");
    let (s, r) = act(&app, &p.reviewer, id, json!({"action": "review_pass"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    // 王强 rated it: he may not approve it.
    let (s, r) = act(&app, &p.supervisor, id, json!({"action": "approve"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
    assert!(r.to_string().contains("不能审批自己评过分的考核表"), "{r}");
    assert_eq!(get_appraisal(&app, &p.hr, id).await["state"], "approval");
    // The appraisee signs with her own name only.
    let (s, r) = act(&app, &p.approver, id, json!({"action": "approve"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r) = act(
        &app,
        lina,
        id,
        json!({"action": "sign", "name": "<b>李娜</b>"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let (s, r) = act(&app, lina, id, json!({"action": "sign", "name": "李娜"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    // An exception named by HR on a cycle lets 李娜 enter her own figure there.
    let (s, cy) = send(p.hr.post(format!("{b}/api/cycles")).json(&json!({
        "name": "2027年1月", "form_id": "F01", "period": "2027-01",
        "members": {"employees": ["A002"], "sod_exempt": ["a002"]},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let c = cy["id"].as_i64().unwrap();
    send(p.hr.post(format!("{b}/api/cycles/{c}/launch"))).await;
    let (s, r) = send(
        lina.put(format!("{b}/api/cycles/{c}/departments/{sc}/data"))
            .json(&json!({"rows": [{"emp_no": "A002", "values": {"sales_actual": "99"}}]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r) = send(p.hr.post(format!("{b}/api/cycles")).json(&json!({
        "name": "2027年2月", "form_id": "F01", "period": "2027-02",
        "members": {"employees": ["A002"], "sod_exempt": ["nobody"]},
    })))
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
}

/// The `<tr>…</tr>` of the page's table holding `name`.
fn row_with<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(&format!("<td>{name}</td>"))
        .unwrap_or_else(|| panic!("no row of {name}: {html}"));
    let start = html[..at].rfind("<tr>").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

/// 考核关系: HR sees each appraisee's rater, and who reviews and approves them as the grants
/// over the tree decide (a 分行's reviewer over its 支行, not the other 分行's); the same in
/// the workbook; nobody else opens it.
async fn who_rates_whom_page_and_workbook(app: App) {
    let p = people(&app).await;
    let b = app.base.clone();
    let tree = "工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门\n\
                ,,BR1,北京分行,业务,分行,\n,,BR2,上海分行,业务,分行,\n\
                ,,SC,市场部,业务,支行,BR1\n,,XZ,行政部,职能,支行,BR2\n";
    let r =
        p.hr.post(format!("{b}/api/org/import"))
            .body(tree)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let depts = app.store.departments().await.unwrap();
    let id = |code: &str| depts.iter().find(|d| d.code == code).unwrap().id;
    let grant = |role, d| Grant {
        role,
        department_id: Some(d),
    };
    add_user(
        &app,
        "rev_br1",
        None,
        vec![grant(Role::Reviewer, id("BR1"))],
    )
    .await;
    add_user(
        &app,
        "rev_br2",
        None,
        vec![grant(Role::Reviewer, id("BR2"))],
    )
    .await;
    add_user(&app, "apr_sc", None, vec![grant(Role::Approver, id("SC"))]).await;
    let (s, r) = send(
        p.hr.post(format!("{b}/api/templates"))
            .body(template("F01")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, cy) = send(p.hr.post(format!("{b}/api/cycles")).json(&json!({
        "name": "2026年12月 考核关系", "form_id": "F01", "period": "2026-12",
        "members": {"employees": ["A001", "X001"]},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let c = cy["id"].as_i64().unwrap();
    let (s, l) = send(p.hr.post(format!("{b}/api/cycles/{c}/launch"))).await;
    assert_eq!(s, StatusCode::OK, "{l}");

    let r = p.hr.get(format!("{b}/hr/cycles/{c}")).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("/hr/cycles/{c}/relations")),
        "the cycle page links it"
    );
    let r =
        p.hr.get(format!("{b}/hr/cycles/{c}/relations"))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("评分人") && html.contains("复核") && html.contains("审批"),
        "{html}"
    );
    // 张伟 of 市场部 (北京分行): rated by 王强, his supervisor; reviewed by 北京分行's
    // reviewer and the company-wide one; approved by 市场部's approver and the company-wide.
    let zw = row_with(&html, "张伟");
    for want in [
        "王强 (S001)",
        "市场部",
        "rev_br1",
        "fuhe",
        "apr_sc",
        "shenpi",
    ] {
        assert!(zw.contains(want), "张伟's row names {want}: {zw}");
    }
    assert!(
        !zw.contains("rev_br2"),
        "上海分行's reviewer is not 张伟's: {zw}"
    );
    let zf = row_with(&html, "赵芳");
    assert!(
        zf.contains("rev_br2") && !zf.contains("rev_br1") && !zf.contains("apr_sc"),
        "{zf}"
    );

    // The workbook: the same rows.
    let r =
        p.hr.get(format!("{b}/hr/cycles/{c}/relations.xlsx"))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.contains(".xlsx"), "{cd}");
    let text = readable("relations.xlsx", &r.bytes().await.unwrap());
    for want in [
        "张伟", "赵芳", "S001", "王强", "rev_br1", "rev_br2", "apr_sc",
    ] {
        assert!(text.contains(want), "the workbook names {want}");
    }
    // HR hands 张伟's rating to 周敏 (K001) from the page: the row names her, audited.
    let action = {
        let at = zw
            .find("/reassign")
            .expect("an open rating can be reassigned");
        let start = zw[..at].rfind('"').unwrap() + 1;
        zw[start..at + "/reassign".len()].to_string()
    };
    let (s, _, html) = common::post_form(
        &p.hr,
        &format!("{b}{action}"),
        &[
            ("csrf", &common::csrf_of(&html)),
            ("back", "relations"),
            ("emp_no", "K001"),
            ("reason", "王强休假"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("考核关系"), "back on the page: {html}");
    let zw = row_with(&html, "张伟");
    assert!(
        zw.contains("周敏 (K001)") && !zw.contains("王强 (S001)"),
        "{zw}"
    );
    let (_, audit) = send(p.hr.get(format!("{b}/api/audit?limit=1000"))).await;
    assert!(audit.to_string().contains("王强休假"), "{audit}");
    // Only HR opens either.
    for path in ["relations", "relations.xlsx"] {
        let r = p
            .reviewer
            .get(format!("{b}/hr/cycles/{c}/{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
}

/// 考核关系 by rule: a draft's page shows the raters a rule finds in the tree (支行负责人 =
/// the head of the 支行 above) and where each came from; a bad rule is refused naming its
/// field; once launched, the downloaded workbook with one rater changed, uploaded, moves
/// that open task to the new rater's 待办 — and the workbook as downloaded changes nothing.
async fn relations_from_rules_and_a_workbook_that_moves_a_task(app: App) {
    let p = people(&app).await;
    let b = app.base.clone();
    // 市场部 becomes a 支行 of 北京分行 headed by 周敏 (K001).
    let tree = "工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人\n\
                ,,BR1,北京分行,业务,分行,,\n,,SC,市场部,业务,支行,BR1,K001\n";
    let r =
        p.hr.post(format!("{b}/api/org/import"))
            .body(tree)
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let (s, r) = send(
        p.hr.post(format!("{b}/api/templates"))
            .body(template("F01")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (s, r) = send(p.hr.post(format!("{b}/api/cycles")).json(&json!({
        "name": "规则不对", "form_id": "F01", "period": "2026-12",
        "members": {"employees": ["A001"], "rules": {"supervisor": "区域负责人"}},
    })))
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert!(
        fields_of(&r).contains(&"members.rules.supervisor".to_string()),
        "{r}"
    );
    let (s, cy) = send(p.hr.post(format!("{b}/api/cycles")).json(&json!({
        "name": "2026年12月 考核关系规则", "form_id": "F01", "period": "2026-12",
        "members": {"employees": ["A001", "A002"], "rules": {"supervisor": "支行负责人"}},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let c = cy["id"].as_i64().unwrap();

    // The draft's page: 张伟 and 李娜 rated by 周敏, by the rule — not by 王强, their
    // direct supervisor.
    let page = format!("{b}/hr/cycles/{c}/relations");
    let html = p.hr.get(&page).send().await.unwrap().text().await.unwrap();
    let zw = row_with(&html, "张伟");
    assert!(
        zw.contains("周敏 (K001)") && zw.contains("规则 支行负责人"),
        "{zw}"
    );
    assert!(!zw.contains("王强"), "{zw}");
    // The edit form of the draft offers the rule in its field.
    let edit =
        p.hr.get(format!("{b}/hr/cycles/{c}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(
        edit.contains(r#"name="rule.supervisor" value="支行负责人""#),
        "the cycle form shows the rule"
    );
    // 李娜 named to 王强 on the page itself: audited as the cycle's edit.
    let (s, _, html) = common::post_form(
        &p.hr,
        &format!("{page}/rater"),
        &[
            ("csrf", &common::csrf_of(&html)),
            ("appraisee", "A002"),
            ("rater", "supervisor"),
            ("emp_no", "S001"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let ln = row_with(&html, "李娜");
    assert!(
        ln.contains("王强 (S001)") && ln.contains("单独指定"),
        "{ln}"
    );
    // The draft's edit form: a rule in words that are none is answered at its field; a
    // good one saved keeps 李娜's rater named on the 考核关系 page.
    let csrf = common::csrf_of(&html);
    let edit = |rule: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("action", "update".to_string()),
            ("form_id", "F01".to_string()),
            ("period", "2026-12".to_string()),
            ("name", "2026年12月 考核关系规则".to_string()),
            ("members", "employees".to_string()),
            ("employees", "A001, A002".to_string()),
            ("window", "72".to_string()),
            ("rule.supervisor", rule.to_string()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let url = format!("{b}/hr/cycles/{c}");
        let client = p.hr.clone();
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            common::post_form(&client, &url, &f).await
        }
    };
    let (s, _, html) = post(edit("区域负责人")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let near = &html[html.find(r#"name="rule.supervisor""#).unwrap()..];
    let near = &near[..near.find("</fieldset>").unwrap()];
    assert!(
        near.contains("field-error") && near.contains("区域"),
        "{near}"
    );
    let (s, _, html) = post(edit("支行负责人")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let stored = app.store.cycle(c).await.unwrap();
    assert_eq!(stored.members.rules["supervisor"], "支行负责人");
    assert_eq!(stored.members.raters["A002"]["supervisor"], "S001");

    let (s, l) = send(p.hr.post(format!("{b}/api/cycles/{c}/launch"))).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    // The departments' figures are not this test's concern: straight to rating.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE appraisals SET state = 'rating' WHERE cycle_id = {c}"
    )))
    .execute(app.store.pool())
    .await
    .unwrap();
    let todo = |who: &'static str| {
        let client = if who == "wangqiang" {
            p.supervisor.clone()
        } else {
            p.staff["K001"].clone()
        };
        let b = b.clone();
        async move {
            let (_, t) = send(client.get(format!("{b}/api/tasks"))).await;
            let mut v: Vec<String> = t
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["kind"] == "rate")
                .map(|t| t["appraisee"].as_str().unwrap_or("").to_string())
                .collect();
            v.sort();
            v
        }
    };
    assert_eq!(todo("zhoumin").await, ["张伟"]);
    assert_eq!(todo("wangqiang").await, ["李娜"]);

    // The workbook as downloaded imports without a change.
    let xlsx =
        p.hr.get(format!("{b}/hr/cycles/{c}/relations.xlsx"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
    let (s, r) = send(
        p.hr.post(format!("{b}/api/cycles/{c}/relations"))
            .body(xlsx.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["changed"], 0, "{r}");
    // 张伟's rater changed to 王强 in the workbook and uploaded on the page: the task moves.
    let table = kaohe_office::read_xlsx(&xlsx, None).unwrap();
    let col = table.headers.iter().position(|h| h == "评分人").unwrap();
    let rows: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| {
            let mut cells = r.cells.clone();
            if cells[0] == "A001" {
                assert_eq!(cells[col], "K001");
                cells[col] = "S001".into();
            }
            cells
        })
        .collect();
    let heads: Vec<&str> = table.headers.iter().map(String::as_str).collect();
    let edited = kaohe_office::text_workbook("考核关系", &heads, rows).unwrap();
    let html = p.hr.get(&page).send().await.unwrap().text().await.unwrap();
    let (s, _, html) = common::post_multipart(
        &p.hr,
        &page,
        &[("csrf", &common::csrf_of(&html))],
        Some(("file", "考核关系.xlsx", &edited)),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("1 项未完成的评分已改派"), "{html}");
    assert!(row_with(&html, "张伟").contains("王强 (S001)"));
    assert!(todo("zhoumin").await.is_empty());
    assert_eq!(todo("wangqiang").await, ["张伟", "李娜"]);
    let (_, audit) = send(p.hr.get(format!("{b}/api/audit?limit=1000"))).await;
    let moved = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "task.reassign")
        .expect("the move is audited");
    assert_eq!(moved["old_value"], "K001 周敏", "{moved}");
    assert_eq!(moved["new_value"], "S001 王强", "{moved}");
    // An unknown 工号 is refused by row and column, nothing moved.
    let bad = "工号,姓名,评分人\nA001,张伟,Q404\n";
    let (s, r) = send(p.hr.post(format!("{b}/api/cycles/{c}/relations")).body(bad)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert!(r.to_string().contains("C 评分人"), "{r}");
    assert_eq!(todo("wangqiang").await, ["张伟", "李娜"]);
}

/// The fields a refusal names (`error.fields[].field`).
fn fields_of(b: &Value) -> Vec<String> {
    b["error"]["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| x["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// 代理: 王强 (the supervisor) hands his rating to 周敏 for today. Bad requests are refused
/// naming the field; before it exists 周敏 sees nothing; while it is in force her 待办 has
/// 张伟's rating marked 代 王强, she rates and hands in, and the audit log, the sheet's
/// signature line and the API say 周敏 代 王强; once revoked she sees nothing again, while
/// 王强 keeps his own access throughout. HR then reassigns a stuck task: the new assignee has
/// it, the old one no longer, audited old → new.
async fn a_delegate_rates_for_their_principal_until_revoked(app: App) {
    let p = people(&app).await;
    let b = app.base.clone();
    let today = kaohe_store::today();
    let k001 = &p.staff["K001"];
    // Refusals, each naming the field at fault.
    let (s, r) = send(p.hr.post(format!("{b}/api/users/k002/disable"))).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    for (body, field) in [
        (
            json!({"delegate": "wangqiang", "from": today, "to": today}),
            "delegate",
        ),
        (
            json!({"delegate": "nobody", "from": today, "to": today}),
            "delegate",
        ),
        (
            json!({"delegate": "k002", "from": today, "to": today}),
            "delegate",
        ),
        (
            json!({"delegate": "k001", "from": "2020-01-01", "to": "2020-01-31"}),
            "to",
        ),
        (
            json!({"delegate": "k001", "from": "2099-02-01", "to": "2099-01-01"}),
            "to",
        ),
        (
            json!({"delegate": "k001", "from": "明天", "to": today}),
            "from",
        ),
    ] {
        let (s, r) = send(
            p.supervisor
                .post(format!("{b}/api/delegations"))
                .json(&body),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {r}");
        assert!(fields_of(&r).contains(&field.to_string()), "{body}: {r}");
    }
    // Someone else's work is not theirs to hand over (HR's only).
    let (s, r) =
        send(p.staff["A002"].post(format!("{b}/api/delegations")).json(
            &json!({"principal": "wangqiang", "delegate": "k001", "from": today, "to": today}),
        ))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");

    let (m, by_owner, _) = month_in_rating(&app, &p, "F01", 0, "A001", 72, "2026-11").await;
    let id = m.appraisal;
    let inbox = async |c: &reqwest::Client| -> Vec<Value> {
        let (s, t) = send(c.get(format!("{b}/api/tasks"))).await;
        assert_eq!(s, StatusCode::OK, "{t}");
        t.as_array().unwrap().clone()
    };
    // Before: nothing of 张伟's for 周敏.
    let (s, _) = send(k001.get(format!("{b}/api/appraisals/{id}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!inbox(k001).await.iter().any(|t| t["appraisal_id"] == id));

    let (s, d) = send(
        p.supervisor
            .post(format!("{b}/api/delegations"))
            .json(&json!({"delegate": "k001", "from": today, "to": today, "reason": "出差"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(
        (
            d["principal_name"].as_str(),
            d["delegate_name"].as_str(),
            d["status"].as_str()
        ),
        (Some("王强"), Some("周敏"), Some("active")),
        "{d}"
    );
    // A second one overlapping it is refused, naming the days.
    let (s, r) = send(
        p.supervisor
            .post(format!("{b}/api/delegations"))
            .json(&json!({"delegate": "a002", "from": today, "to": "2099-01-01"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert!(fields_of(&r).contains(&"from".to_string()), "{r}");
    // Both see it on their lists; HR sees it too; a stranger does not.
    for c in [&p.supervisor, k001, &p.hr] {
        let (_, l) = send(c.get(format!("{b}/api/delegations"))).await;
        assert!(
            l.as_array().unwrap().iter().any(|x| x["id"] == d["id"]),
            "{l}"
        );
    }
    let (_, l) = send(p.staff["A002"].get(format!("{b}/api/delegations"))).await;
    assert_eq!(l.as_array().unwrap().len(), 0, "{l}");

    // During: 周敏's 待办 has 张伟's rating, marked as 王强's.
    let tasks = inbox(k001).await;
    let t = tasks
        .iter()
        .find(|t| t["appraisal_id"] == id && t["kind"] == "rate")
        .unwrap_or_else(|| panic!("no rating task for 张伟 in {tasks:?}"));
    assert_eq!(t["on_behalf_of"], "王强", "{t}");
    let (_, html) = common::page(k001, &format!("{b}/tasks")).await;
    assert!(html.contains("代 王强"), "{html}");
    let a = get_appraisal(&app, k001, id).await;
    assert_eq!(a["on_behalf_of"], "王强", "{a}");
    // 王强 keeps his own access meanwhile.
    assert!(get_appraisal(&app, &p.supervisor, id).await["on_behalf_of"].is_null());
    // She rates and hands in, as he would.
    enter(&app, k001, id, &by_owner["rater:supervisor"]).await;
    let (s, r) = act(&app, k001, id, json!({"action": "submit"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "review", "{r}");
    // The audit log names both; so does the sheet's signature line.
    let id_text = id.to_string();
    let (_, log) = send(p.hr.get(format!("{b}/api/audit?limit=10000"))).await;
    let mine: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "appraisal" && e["entity_id"].as_str() == Some(&id_text))
        .filter(|e| e["actor"].as_str().is_some_and(|a| a.contains("k001")))
        .collect();
    let acts: Vec<(&str, &str)> = mine
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        acts,
        [
            ("appraisal.values", "k001 代 wangqiang"),
            ("appraisal.ratings_complete", "k001 代 wangqiang")
        ]
    );
    let (_, sheet) = common::page(&p.hr, &format!("{b}/appraisals/{id}")).await;
    assert!(
        sheet.contains("周敏 代 王强"),
        "the signature line: {sheet}"
    );

    // Revoked: 周敏 sees nothing of it any more; the list says so.
    let (s, r) = send(k001.post(format!("{b}/api/delegations/{}/revoke", d["id"]))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "only 王强 or HR revokes: {r}");
    let (s, r) = send(
        p.supervisor
            .post(format!("{b}/api/delegations/{}/revoke", d["id"])),
    )
    .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::OK, Some("revoked")),
        "{r}"
    );
    let (s, _) = send(k001.get(format!("{b}/api/appraisals/{id}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(inbox(k001).await.is_empty());
    let (_, log) = send(p.hr.get(format!("{b}/api/audit?limit=10000"))).await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "delegation")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delegation.create", "delegation.revoke"]);

    // HR reassigns a stuck rating task: 王强's, of 李娜's appraisal, to 周敏.
    let (m2, _, _) = month_in_rating(&app, &p, "F01", 0, "A002", 72, "2026-10").await;
    let tid = inbox(&p.supervisor)
        .await
        .iter()
        .find(|t| t["appraisal_id"] == m2.appraisal && t["kind"] == "rate")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    for (who, emp, status, field) in [
        (k001, "K001", StatusCode::FORBIDDEN, None),
        (
            &p.hr,
            "Z999",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("employee"),
        ),
        (
            &p.hr,
            "A002",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("employee"),
        ),
        (
            &p.hr,
            "S001",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("employee"),
        ),
    ] {
        let (s, r) = send(
            who.post(format!("{b}/api/tasks/{tid}/reassign"))
                .json(&json!({"emp_no": emp})),
        )
        .await;
        assert_eq!(s, status, "{emp}: {r}");
        if let Some(f) = field {
            assert!(fields_of(&r).contains(&f.to_string()), "{r}");
        }
    }
    let (s, r) = send(
        p.hr.post(format!("{b}/api/tasks/{tid}/reassign"))
            .json(&json!({"emp_no": "K001", "reason": "王强长期出差"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert!(inbox(k001).await.iter().any(|t| t["id"] == tid));
    assert!(!inbox(&p.supervisor).await.iter().any(|t| t["id"] == tid));
    let (s, _) = send(
        p.supervisor
            .get(format!("{b}/api/appraisals/{}", m2.appraisal)),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "the old assignee no longer sees it"
    );
    let (_, log) = send(p.hr.get(format!("{b}/api/audit?limit=10000"))).await;
    let e = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "task.reassign")
        .unwrap()
        .clone();
    assert_eq!(
        (
            e["old_value"].as_str(),
            e["new_value"].as_str(),
            e["reason"].as_str()
        ),
        (Some("S001 王强"), Some("K001 周敏"), Some("王强长期出差")),
        "{e}"
    );
    // HR's 我的代理 page lists everyone's and sets one up for 王强 from the form; a refusal
    // names the field; 王强 revokes his from his page.
    let (s, html) = common::page(&p.hr, &format!("{b}/delegations")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("周敏（k001）") && html.contains("已撤销"),
        "{html}"
    );
    let csrf = common::csrf_of(&html);
    let url = format!("{b}/delegations");
    let (s, _, html) = common::post_form(
        &p.hr,
        &url,
        &[
            ("csrf", &csrf),
            ("principal", "wangqiang"),
            ("delegate", "nobody"),
            ("from", &today),
            ("to", &today),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("nobody"), "{html}");
    let (s, path, html) = common::post_form(
        &p.hr,
        &url,
        &[
            ("csrf", &csrf),
            ("principal", "wangqiang"),
            ("delegate", "a002"),
            ("from", &today),
            ("to", &today),
        ],
    )
    .await;
    assert_eq!(
        (s, path.as_str()),
        (StatusCode::OK, "/delegations"),
        "{html}"
    );
    assert!(
        html.contains("李娜（a002）") && html.contains("生效中"),
        "{html}"
    );
    let (_, html) = common::page(&p.supervisor, &url).await;
    assert!(html.contains("李娜（a002）"), "{html}");
    let action = html
        .split("action=\"")
        .skip(1)
        .map(|x| x.split('"').next().unwrap())
        .find(|a| a.ends_with("/revoke"))
        .unwrap_or_else(|| panic!("no revoke button: {html}"))
        .to_string();
    let (s, _, html) = common::post_form(
        &p.supervisor,
        &format!("{b}{action}"),
        &[("csrf", &common::csrf_of(&html))],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(!html.contains("生效中"), "{html}");
}
