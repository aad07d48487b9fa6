//! The pages, as a person uses them in a browser without JavaScript: sign in through the
//! form, the inbox, the F01 sheet once published, signing and appealing through its forms,
//! the ledger; another employee's sheet is a 404; a form without its CSRF token is refused;
//! free text comes back escaped; every page reads in zh-CN and in English with no missing
//! message; the demo's sign-in page names the demo users. A real server on a free port over
//! a fresh SQLite database; the month up to publication is driven over the JSON API.

use crate::common;

use common::{
    App, add_user, assert_complete, client, csrf_of, login, page, post_form, send, spawn_app,
    spawn_app_with, submit_login, version_of, web_login,
};
use kaohe_store::{Department, Grant, Owner, Role, Store, input_owners};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const ORG: &str = "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号
S001,王强,SC,市场部,业务,市场部经理,
A001,张伟,SC,市场部,业务,大客户经理,S001
A002,李娜,SC,市场部,业务,大客户经理,S001
X001,赵芳,XZ,行政部,职能,行政专员,
";

/// F01's first worked example (templates/examples/F01.toml): total 90, bonus 2700.00.
pub(crate) const F01_CASE: [(&str, &str); 10] = [
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
];

const XSS: &str = "<script>alert(1)</script>";
/// As minijinja escapes it (`/` too).
const XSS_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;&#x2f;script&gt;";

/// A path as the pages write it in an attribute (minijinja escapes `/` too).
fn esc(path: &str) -> String {
    path.replace('/', "&#x2f;")
}

/// HR launches an F01 cycle for A001 and A002; 市场部 and 行政部 enter their data, the
/// supervisor rates, review and approval follow. Returns the two appraisal ids (A001, A002).
async fn f01_published(app: &App) -> (i64, i64) {
    f01_month(app, Stop::Published).await
}

/// Where [`f01_month`] leaves the month.
#[derive(PartialEq)]
pub(crate) enum Stop {
    /// HR's values entered; the departments' data not.
    Data,
    /// The departments have handed in: rating is open.
    Rating,
    /// The raters have handed in: both sheets wait for review.
    Review,
    Published,
}

/// The organisation, a clerk and rater per department, the supervisor wangqiang (S001),
/// employees a001 and a002, reviewer fuhe and approver shenpi; returns HR's API client.
pub(crate) async fn org_and_people(app: &App) -> reqwest::Client {
    let hr = app.user("hr", Role::HrAdmin).await;
    let (s, b) = send(hr.post(format!("{}/api/org/import", app.base)).body(ORG)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let depts: Vec<Department> = app.store.departments().await.unwrap();
    for d in &depts {
        let g = |role| Grant {
            role,
            department_id: Some(d.id),
        };
        add_user(
            app,
            &format!("clerk_{}", d.code.to_lowercase()),
            None,
            vec![g(Role::Clerk), g(Role::Rater)],
        )
        .await;
    }
    add_user(app, "wangqiang", Some("S001"), vec![]).await;
    for no in ["A001", "A002"] {
        let g = Grant {
            role: Role::Employee,
            department_id: None,
        };
        add_user(app, &no.to_lowercase(), Some(no), vec![g]).await;
    }
    for (name, role) in [("fuhe", Role::Reviewer), ("shenpi", Role::Approver)] {
        let g = Grant {
            role,
            department_id: None,
        };
        add_user(app, name, None, vec![g]).await;
    }

    hr
}

/// As [`f01_published`], stopping at `stop`.
pub(crate) async fn f01_month(app: &App, stop: Stop) -> (i64, i64) {
    let hr = org_and_people(app).await;
    let src = std::fs::read_to_string(format!(
        "{}/../../templates/F01.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let (s, b) = send(
        hr.post(format!("{}/api/templates", app.base))
            .body(src.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let t = kaohe_core::compile_str(&src).unwrap();
    let depts: Vec<Department> = app.store.departments().await.unwrap();
    let (s, cy) = send(hr.post(format!("{}/api/cycles", app.base)).json(&json!({
        "name": "2026年11月 大客户经理考核",
        "form_id": "F01",
        "period": "2026-11",
        "members": {"employees": ["A001", "A002"]},
        "confirm_window_hours": 72,
        "data_due": "2026-12-05",
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let cycle = cy["id"].as_i64().unwrap();
    let (s, b) = send(hr.post(format!("{}/api/cycles/{cycle}/launch", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, list) = send(hr.get(format!("{}/api/appraisals?cycle_id={cycle}", app.base))).await;
    let id_of = |no: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|a| a["emp_no"] == no)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let ids = [id_of("A001"), id_of("A002")];

    // The appraisee writes a self-summary before publication: free text to escape.
    let me = login(app, "a001").await;
    let (_, a) = send(me.get(format!("{}/api/appraisals/{}", app.base, ids[0]))).await;
    let (s, b) = send(
        me.put(format!("{}/api/appraisals/{}/notes", app.base, ids[0]))
            .json(&json!({"version": a["version"], "self_summary": XSS})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Who supplies what, as the form says.
    let (owners, _) = input_owners(&t, &depts);
    let mut by_owner: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in F01_CASE {
        let key = match t.input_index(k).map(|i| owners[i].clone()) {
            Some(Owner::Dept(d)) => format!("dept:{d}"),
            Some(Owner::Rater(r)) => format!("rater:{r}"),
            Some(Owner::Hr) | None => "hr".into(),
        };
        by_owner
            .entry(key)
            .or_default()
            .insert(k.to_string(), v.to_string());
    }
    let enter = |c: reqwest::Client, id: i64, values: BTreeMap<String, String>| async move {
        let (_, a) = send(c.get(format!("{}/api/appraisals/{id}", app.base))).await;
        let (s, b) = send(
            c.put(format!("{}/api/appraisals/{id}/values", app.base))
                .json(&json!({"version": a["version"], "values": values})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    };
    let act = |c: reqwest::Client, id: i64, body: Value| async move {
        let (_, a) = send(c.get(format!("{}/api/appraisals/{id}", app.base))).await;
        let mut body = body;
        body["version"] = a["version"].clone();
        let (s, b) = send(
            c.post(format!("{}/api/appraisals/{id}/actions", app.base))
                .json(&body),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}: {b}");
    };
    for id in ids {
        if let Some(v) = by_owner.get("hr") {
            enter(hr.clone(), id, v.clone()).await;
        }
    }
    if stop == Stop::Data {
        return (ids[0], ids[1]);
    }
    for d in &depts {
        let Some(vals) = by_owner.get(&format!("dept:{}", d.id)) else {
            continue;
        };
        let clerk = login(app, &format!("clerk_{}", d.code.to_lowercase())).await;
        let rows: Vec<Value> = ["A001", "A002"]
            .iter()
            .map(|no| json!({"emp_no": no, "values": vals}))
            .collect();
        let (s, b) = send(
            clerk
                .put(format!(
                    "{}/api/cycles/{cycle}/departments/{}/data",
                    app.base, d.id
                ))
                .json(&json!({ "rows": rows })),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) = send(clerk.post(format!(
            "{}/api/cycles/{cycle}/departments/{}/complete",
            app.base, d.id
        )))
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    if stop == Stop::Rating {
        return (ids[0], ids[1]);
    }
    let supervisor = login(app, "wangqiang").await;
    for id in ids {
        for r in kaohe_store::rating_roles(&t, &owners) {
            let who = match kaohe_store::rater_department(&t, &r, &depts) {
                Some(d) => login(app, &format!("clerk_{}", d.code.to_lowercase())).await,
                None => supervisor.clone(),
            };
            if let Some(v) = by_owner.get(&format!("rater:{r}")) {
                enter(who.clone(), id, v.clone()).await;
            }
            act(who, id, json!({"action": "submit"})).await;
        }
        if stop == Stop::Review {
            continue;
        }
        act(
            login(app, "fuhe").await,
            id,
            json!({"action": "review_pass"}),
        )
        .await;
        act(login(app, "shenpi").await, id, json!({"action": "approve"})).await;
    }
    (ids[0], ids[1])
}

#[tokio::test]
async fn sign_in_inbox_sheet_sign_appeal_and_refusals() {
    let app = spawn_app(false).await;
    let (mine, theirs) = f01_published(&app).await;
    let b = &app.base;

    // Not signed in: / and the pages lead to the sign-in form.
    let anon = client();
    let r = anon.get(format!("{b}/")).send().await.unwrap();
    assert_eq!(r.url().path(), "/login");
    let r = anon
        .get(format!("{b}/appraisals/{mine}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/login");
    let login_html = r.text().await.unwrap();
    assert!(
        login_html.contains(&format!(
            r#"value="{}""#,
            esc(&format!("/appraisals/{mine}"))
        )),
        "comes back here after signing in: {login_html}"
    );

    // A wrong password shows the error in place; a form without its token is refused.
    let (s, _, html) = post_form(
        &anon,
        &format!("{b}/login"),
        &[
            ("csrf", &csrf_of(&login_html)),
            ("username", "a001"),
            ("password", "wrong"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(html.contains("用户名或密码不正确"), "{html}");
    assert!(html.contains(r#"value="a001""#), "the username is kept");
    let (s, _, _) = post_form(
        &anon,
        &format!("{b}/login"),
        &[("username", "a001"), ("password", "a long password")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "sign-in without its CSRF token");

    // The appraisee signs in through the form and finds the sheet to sign in the inbox.
    let me = web_login(&app, "a001").await;
    let (s, inbox) = page(&me, &format!("{b}/tasks")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(inbox.contains("签字确认"), "{inbox}");
    assert!(inbox.contains("2026年11月 大客户经理考核"), "{inbox}");
    assert!(
        inbox.contains(&format!(
            r#"href="{}""#,
            esc(&format!("/appraisals/{mine}"))
        )),
        "{inbox}"
    );
    assert!(inbox.contains("1 项"), "{inbox}");

    // The sheet reads like the paper form.
    let url = format!("{b}/appraisals/{mine}");
    let (s, sheet) = page(&me, &url).await;
    assert_eq!(s, StatusCode::OK, "{sheet}");
    for want in [
        "大客户经理岗位绩效考核表",
        "张伟",
        "A001",
        r#"<th scope="row">岗位</th><td>大客户经理</td>"#,
        r#"<th scope="row">部门</th><td>市场部</td>"#,
        "2026-11",
        "待确认",
        "销售任务",
        "每低于目标5%扣3分",
        "当月实际销售额: <b>87</b> 万元",
        r#"<dd id="total">90</dd>"#,
        r#"<dd id="bonus">2700.00</dd>"#,
        "被考核人",
        "复核",
        "审批",
        "小计",
        "签字确认",
        "申诉",
    ] {
        assert!(sheet.contains(want), "the sheet lacks {want}:\n{sheet}");
    }
    // Every number can be explained, without JavaScript.
    assert!(sheet.contains("说明计算"), "{sheet}");
    assert!(
        sheet.contains("低于目标 13%，按每 5% 扣 3 分计 2 档，扣 6 分"),
        "the sales item's explanation: {sheet}"
    );
    assert!(sheet.contains("2700.00 元"), "the bonus explained: {sheet}");
    // The self-summary written over the API comes back inert.
    assert!(sheet.contains(XSS_ESCAPED), "{sheet}");
    assert!(!sheet.contains(XSS), "{sheet}");

    // Another employee: the same address is a 404, with nothing of the sheet.
    let other = web_login(&app, "a002").await;
    let (s, html) = page(&other, &url).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        html.contains("页面不存在") && !html.contains("2700"),
        "{html}"
    );
    let (s, _) = page(&other, &format!("{b}/appraisals/not-a-number")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Forms without the CSRF token, or with another session's, are refused.
    let action = format!("{b}/appraisals/{mine}/actions");
    let v = version_of(&sheet);
    let (s, _, html) = post_form(
        &me,
        &action,
        &[("version", &v), ("action", "sign"), ("name", "张伟")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("表单已过期"), "{html}");
    let (_, other_tasks) = page(&other, &format!("{b}/tasks")).await;
    let (s, _, _) = post_form(
        &me,
        &action,
        &[
            ("csrf", &csrf_of(&other_tasks)),
            ("version", &v),
            ("action", "sign"),
            ("name", "张伟"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = post_form(&me, &format!("{b}/logout"), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "sign-out needs the token too");

    // The store's refusals are shown in place: a blank name, an appeal naming no item.
    let token = csrf_of(&sheet);
    let (s, _, html) = post_form(
        &me,
        &action,
        &[
            ("csrf", &token),
            ("version", &v),
            ("action", "sign"),
            ("name", " "),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("未能完成"), "{html}");
    assert!(html.contains("大客户经理岗位绩效考核表"), "{html}");
    let (s, _, html) = post_form(
        &me,
        &action,
        &[
            ("csrf", &token),
            ("version", &v),
            ("action", "appeal"),
            ("reason", XSS),
        ],
    )
    .await;
    assert!(s.is_client_error(), "{s}: {html}");
    assert!(html.contains("未能完成"), "{html}");
    assert!(
        html.contains(XSS_ESCAPED) && !html.contains(XSS),
        "the typed reason comes back escaped: {html}"
    );

    // Signed through the page: the state changes, the signature line has the name.
    let (s, path, html) = post_form(
        &me,
        &action,
        &[
            ("csrf", &token),
            ("version", &v),
            ("action", "sign"),
            ("name", "张伟"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_eq!(path, format!("/appraisals/{mine}"));
    assert!(html.contains("已确认"), "{html}");
    assert!(html.contains(r#"<span class="line">张伟</span>"#), "{html}");
    assert!(
        !html.contains(r#"value="sign""#),
        "no sign form once signed"
    );
    let (s, _, html) = post_form(
        &me,
        &action,
        &[
            ("csrf", &token),
            ("version", &v),
            ("action", "sign"),
            ("name", "张伟"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "a stale second signature: {html}");
    assert!(html.contains("未能完成"), "{html}");
    let (_, inbox) = page(&me, &format!("{b}/tasks")).await;
    assert!(inbox.contains("目前没有待办事项"), "{inbox}");

    // The ledger has the month.
    let (s, ledger) = page(&me, &format!("{b}/ledger")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        ledger.contains("2026-11") && ledger.contains("2700.00") && ledger.contains("已确认"),
        "{ledger}"
    );
    assert!(
        ledger.contains(&format!(r#"href="/appraisals/{mine}""#)),
        "the ledger links the sheet: {ledger}"
    );

    // The other appraisee appeals through the page, with a reason and the items disputed;
    // the stored reason comes back escaped.
    let url2 = format!("{b}/appraisals/{theirs}");
    let (_, sheet2) = page(&other, &url2).await;
    let (s, _, html) = post_form(
        &other,
        &format!("{url2}/actions"),
        &[
            ("csrf", &csrf_of(&sheet2)),
            ("version", &version_of(&sheet2)),
            ("action", "appeal"),
            ("reason", XSS),
            ("items", "sales"),
            ("why.sales", "新增客户漏记 1 个"),
            // A reason alone disputes its item, unticked; its text is escaped too.
            ("why.attendance", XSS),
            ("why.discipline", "  "),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("申诉中"), "{html}");
    assert!(html.contains(XSS_ESCAPED) && !html.contains(XSS), "{html}");
    assert!(html.contains("销售任务、考勤管理"), "{html}");
    assert!(html.contains("「销售任务」：新增客户漏记 1 个"), "{html}");
    assert!(
        !html.contains("「工作纪律」"),
        "a blank reason names nothing: {html}"
    );

    // Signing out ends the session.
    let (_, tasks) = page(&me, &format!("{b}/tasks")).await;
    let (s, path, _) = post_form(&me, &format!("{b}/logout"), &[("csrf", &csrf_of(&tasks))]).await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/login"));
    let r = me.get(format!("{b}/tasks")).send().await.unwrap();
    assert_eq!(r.url().path(), "/login");
}

#[tokio::test]
async fn the_sign_in_page_pauses_a_name_after_five_wrong_passwords() {
    let app = spawn_app(false).await;
    add_user(&app, "a001", None, vec![]).await;
    let b = &app.base;
    let anon = client();
    let url = format!("{b}/login");
    let submit = |password| submit_login(&anon, &url, "a001", password);
    for _ in 0..4 {
        let (s, _, html) = submit("wrong").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(html.contains("用户名或密码不正确"), "{html}");
    }
    let (s, _, html) = submit("wrong").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("密码错误次数过多"), "{html}");
    assert!(html.contains("请 15 分钟后再试"), "{html}");
    assert!(
        !html.contains("用户名或密码不正确"),
        "one message, not two: {html}"
    );
    // The right password is refused too while the name is paused.
    let (s, path, html) = submit("a long password").await;
    assert_eq!(
        (s, path.as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "/login")
    );
    assert!(html.contains("请 15 分钟后再试"), "{html}");
    // In English.
    let en = format!("{b}/login?lang=en");
    let (s, _, html) = submit_login(&anon, &en, "a001", "a long password").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Try again in 15 minutes"), "{html}");
}

#[tokio::test]
async fn every_page_reads_in_both_languages() {
    let app = spawn_app(false).await;
    let (mine, _) = f01_published(&app).await;
    let b = &app.base;
    let me = web_login(&app, "a001").await;
    let hr = web_login(&app, "hr").await;
    let anon = client();
    let pages: Vec<(&reqwest::Client, String)> = vec![
        (&anon, "/login".into()),
        (&anon, "/no-such-page".into()),
        (&me, "/tasks".into()),
        (&me, format!("/appraisals/{mine}")),
        (&me, "/ledger".into()),
        (&me, "/appraisals/999999".into()),
        (&hr, "/tasks".into()),
        (&hr, format!("/appraisals/{mine}")),
        (&hr, "/ledger".into()),
        (&hr, "/hr".into()),
        (&hr, "/cycles/1/departments/1".into()),
        // Account, organisation and templates (more in tests/hr_org.rs).
        (&me, "/account/password".into()),
        (&me, "/hr".into()),
        (&hr, "/account/password".into()),
        (&hr, "/hr/org".into()),
        (&hr, "/hr/templates".into()),
        (&hr, "/hr/templates/F01".into()),
        (&hr, "/hr/templates/F01/preview".into()),
        // HR's cycle pages (hr_cycles.rs, hr_results.rs, hr_audit.rs).
        (&hr, "/hr/cycles".into()),
        (&hr, "/hr/cycles/1".into()),
        (&hr, "/hr/cycles/1/results".into()),
        (&hr, "/hr/appeals".into()),
        (&hr, "/hr/audit".into()),
        (&hr, "/hr/employees/A001".into()),
        (&me, "/hr/cycles".into()),
    ];
    for (lang, marker) in [("zh-CN", "lang=\"zh-CN\""), ("en", "lang=\"en\"")] {
        for (c, p) in &pages {
            let url = format!("{b}{p}?lang={lang}");
            let (_, html) = page(c, &url).await;
            assert_complete(&url, &html);
            assert!(html.contains(marker), "{url} is not in {lang}:\n{html}");
        }
    }
    // The choice is remembered in a cookie: the next page without `?lang=` stays English.
    let (_, html) = page(&me, &format!("{b}/appraisals/{mine}")).await;
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    for want in [
        "Key Account Manager Monthly Appraisal",
        "Awaiting signature",
        "Subtotal",
        "Appraisee",
        "Sign or appeal before",
        "Self-summary",
        "Explain",
        "13% below target, 2 full step(s) of 5% at 3 points each: 6 points off",
    ] {
        assert!(
            html.contains(want),
            "the English sheet lacks {want}:\n{html}"
        );
    }
    let (_, html) = page(&me, &format!("{b}/tasks")).await;
    assert!(
        html.contains("My tasks") && html.contains("1 task"),
        "{html}"
    );
    assert!(
        kaohe_server::web::i18n::missing_keys().is_empty(),
        "{:?}",
        kaohe_server::web::i18n::missing_keys()
    );

    // The stylesheet is served from the binary, cached for long; print is A4.
    let r = anon
        .get(format!("{b}/assets/kaohe.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    let css = r.text().await.unwrap();
    assert!(css.contains("@media print") && css.contains("size: A4"));
    // Unknown API addresses still answer in the API's JSON format.
    let (s, body) = send(anon.get(format!("{b}/api/nothing-here"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn demo_sign_in_page_names_the_demo_users() {
    let app = spawn_app_with(false, true).await;
    // A demo server has its users (with none, `/login` leads to the first-run page).
    add_user(&app, "hr", None, vec![]).await;
    let (s, html) = page(&client(), &format!("{}/login", app.base)).await;
    assert_eq!(s, StatusCode::OK);
    for want in [
        "演示用户",
        "kaohe-demo",
        "hr",
        "zhuguan",
        "xingzheng",
        "fuhe",
        "shenpi",
        "zhangwei",
        "被考核人",
    ] {
        assert!(html.contains(want), "the demo page lacks {want}:\n{html}");
    }
    assert_complete("/login (demo)", &html);
    let (_, html) = page(&client(), &format!("{}/login?lang=en", app.base)).await;
    assert!(
        html.contains("Demo users") && html.contains("appraisee"),
        "{html}"
    );
    // Without --demo the page says nothing about demo users.
    let plain = spawn_app(false).await;
    let (_, html) = page(&client(), &format!("{}/login", plain.base)).await;
    assert!(!html.contains("kaohe-demo"), "{html}");
}

/// The `v.<input>` fields of a page's rating form, in order.
pub(crate) fn entry_fields(html: &str) -> Vec<String> {
    html.match_indices(r#"name="v."#)
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_rater_scores_through_the_page() {
    let app = spawn_app(false).await;
    let (mine, theirs) = f01_month(&app, Stop::Rating).await;
    let b = &app.base;
    let sup = web_login(&app, "wangqiang").await;
    let (_, inbox) = page(&sup, &format!("{b}/tasks")).await;
    assert!(inbox.contains("评分") && inbox.contains("2 项"), "{inbox}");
    assert!(inbox.contains("张伟") && inbox.contains("李娜"), "{inbox}");

    // The rating form has the supervisor's inputs, with their ranges.
    let url = format!("{b}/appraisals/{mine}");
    let (s, sheet) = page(&sup, &url).await;
    assert_eq!(s, StatusCode::OK);
    let fields = entry_fields(&sheet);
    assert!(fields.contains(&"authorised_work".to_string()), "{sheet}");
    assert!(
        !fields.contains(&"leave_days".to_string()),
        "行政部's input is not the supervisor's: {fields:?}"
    );
    assert!(
        sheet.contains("0 ~ 20"),
        "the range is said beside the field: {sheet}"
    );
    // Controls follow the rule: discipline events are counters that say what each event
    // costs; the discretionary item is held to its range and asks for a reason.
    assert!(
        sheet.contains("「工作时间因私事离岗」每次扣 3 分"),
        "{sheet}"
    );
    assert!(sheet.contains("control-counter"), "{sheet}");
    assert!(sheet.contains("-100 ~ 100"), "{sheet}");
    assert!(
        sheet.contains("<textarea") && sheet.contains("有加减分时必须填写理由"),
        "{sheet}"
    );
    let case: BTreeMap<&str, &str> = F01_CASE.into_iter().collect();
    let filled: Vec<(String, String)> = fields
        .iter()
        .map(|f| {
            (
                format!("v.{f}"),
                case.get(f.as_str()).unwrap_or(&"0").to_string(),
            )
        })
        .collect();

    // Out of range: refused in place, next to the field, the typed value kept.
    let reason_field = {
        let i =
            sheet.find(r#"<textarea id="v-"#).expect("a reason box") + r#"<textarea id="v-"#.len();
        format!("v.{}", &sheet[i..i + sheet[i..].find('"').unwrap()])
    };
    let mut bad = filled.clone();
    for (k, v) in &mut bad {
        if k == "v.authorised_work" {
            *v = "99".into();
        }
        if *k == reason_field {
            *v = XSS.into();
        }
    }
    let token = csrf_of(&sheet);
    let v = version_of(&sheet);
    let mut form: Vec<(&str, &str)> = vec![("csrf", &token), ("version", &v), ("action", "save")];
    form.extend(bad.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (s, _, html) = post_form(&sup, &format!("{url}/actions"), &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("field-error"), "{html}");
    assert!(html.contains(r#"value="99""#), "{html}");
    assert!(
        html.contains(XSS_ESCAPED) && !html.contains(XSS),
        "reason kept, inert: {html}"
    );

    // Saved and handed in: the sheet goes to review, the form is gone. A number typed as
    // people type it (full-width digits) is taken as on import, not dropped by the browser.
    let wide = |v: &str| -> String {
        v.chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap(),
                c => c,
            })
            .collect()
    };
    let typed: Vec<(String, String)> = filled
        .iter()
        .map(|(k, v)| {
            if k == "v.authorised_work" {
                (k.clone(), wide(v))
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    assert!(
        !sheet.contains(r#"type="number""#),
        "no number box drops `%` or ９: {sheet}"
    );
    let mut form: Vec<(&str, &str)> = vec![("csrf", &token), ("version", &v), ("action", "submit")];
    form.extend(typed.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (s, path, html) = post_form(&sup, &format!("{url}/actions"), &form).await;
    assert_eq!(
        (s, path.as_str()),
        (StatusCode::OK, format!("/appraisals/{mine}").as_str()),
        "{html}"
    );
    assert!(html.contains("state-review"), "{html}");
    assert!(entry_fields(&html).is_empty(), "{html}");
    let (_, inbox) = page(&sup, &format!("{b}/tasks")).await;
    assert!(inbox.contains("1 项") && !inbox.contains("张伟"), "{inbox}");

    // The other sheet is still open to rate; the appraisee sees neither form nor scores.
    let (_, other) = page(&sup, &format!("{b}/appraisals/{theirs}?lang=en")).await;
    assert!(!entry_fields(&other).is_empty(), "{other}");
    assert!(
        other.contains("Rating") && other.contains("Submit"),
        "{other}"
    );
    assert_complete("rating form (en)", &other);
    let me = web_login(&app, "a001").await;
    let (_, html) = page(&me, &url).await;
    assert!(entry_fields(&html).is_empty(), "{html}");
    assert!(html.contains("得分在结果发布后可见"), "{html}");
    assert!(
        !html.contains("说明计算"),
        "no explanation before publication: {html}"
    );
}

/// `name="<prefix>N…" value="…"` pairs of a page, in order.
pub(crate) fn named_values(html: &str, prefix: &str) -> Vec<(String, String)> {
    let pat = format!(r#"name="{prefix}"#);
    html.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &html[i + r#"name=""#.len()..];
            let name = rest[..rest.find('"').unwrap()].to_string();
            let v = &rest[rest.find(r#"value=""#).unwrap() + r#"value=""#.len()..];
            (name, v[..v.find('"').unwrap()].to_string())
        })
        .collect()
}

#[tokio::test]
async fn a_department_enters_its_data_in_the_grid() {
    let app = spawn_app(false).await;
    let (mine, _) = f01_month(&app, Stop::Data).await;
    let b = &app.base;
    let hr = app.user("hr2", Role::HrAdmin).await;
    let (_, a) = send(hr.get(format!("{b}/api/appraisals/{mine}"))).await;
    let cycle = a["cycle_id"].as_i64().unwrap();
    let xz = app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "XZ")
        .unwrap()
        .id;

    let clerk = web_login(&app, "clerk_xz").await;
    let (_, inbox) = page(&clerk, &format!("{b}/tasks")).await;
    let grid_path = format!("/cycles/{cycle}/departments/{xz}");
    assert!(inbox.contains("数据录入"), "{inbox}");
    assert!(inbox.contains(&esc(&grid_path)), "{inbox}");
    let url = format!("{b}{grid_path}");
    let (s, html) = page(&clerk, &url).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("张伟") && html.contains("李娜") && html.contains("行政部"),
        "{html}"
    );
    assert!(html.contains("当月请假天数"), "{html}");
    // Pasting a block from Excel: the page loads the one small script, served from the
    // binary and allowed by the page's policy; cells know their row and column.
    assert!(html.contains(r#"<script src="/assets/grid.js"#), "{html}");
    assert!(html.contains(r#"data-row="1" data-col="0""#), "{html}");
    let res = clerk
        .get(format!("{b}/assets/grid.js"))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(res.text().await.unwrap().contains("clipboardData"));
    let res = clerk.get(&url).send().await.unwrap();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(
        !html.contains("当月实际销售额"),
        "市场部's column is not 行政部's: {html}"
    );

    // Every row's cells, from the page; the first row gets an impossible leave count.
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf_of(&html))];
    form.extend(named_values(&html, "emp."));
    form.extend(named_values(&html, "ver."));
    let case: BTreeMap<&str, &str> = F01_CASE.into_iter().collect();
    let cells: Vec<(String, String)> = named_values(&html, "c.")
        .into_iter()
        .map(|(k, _)| {
            let input = k.splitn(3, '.').nth(2).unwrap().to_string();
            (k, case.get(input.as_str()).unwrap_or(&"0").to_string())
        })
        .collect();
    assert!(
        cells.iter().any(|(k, _)| k == "c.0.leave_days"),
        "{cells:?}"
    );
    let mut bad = form.clone();
    bad.extend(cells.iter().map(|(k, v)| {
        (
            k.clone(),
            if k == "c.0.leave_days" {
                "40".into()
            } else {
                v.clone()
            },
        )
    }));
    bad.push(("action".into(), "save".into()));
    let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (s, _, html) = post_form(&clerk, &url, &pairs).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("field-error") && html.contains(r#"value="40""#),
        "{html}"
    );
    let (_, a) = send(hr.get(format!("{b}/api/appraisals/{mine}"))).await;
    assert!(a["inputs"]["leave_days"].is_null(), "nothing stored: {a}");

    // Saved and handed in: read only, the inbox is empty, the values are stored.
    let mut good = form.clone();
    good.extend(cells.iter().cloned());
    good.push(("action".into(), "complete".into()));
    let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (s, path, html) = post_form(&clerk, &url, &pairs).await;
    assert_eq!(
        (s, path.as_str()),
        (StatusCode::OK, grid_path.as_str()),
        "{html}"
    );
    assert!(
        html.contains("只能查看") && named_values(&html, "c.").is_empty(),
        "{html}"
    );
    let (_, inbox) = page(&clerk, &format!("{b}/tasks")).await;
    assert!(inbox.contains("目前没有待办事项"), "{inbox}");
    let (_, a) = send(hr.get(format!("{b}/api/appraisals/{mine}"))).await;
    assert_eq!(a["inputs"]["leave_days"], "1", "{a}");

    // Another department's clerk, or an employee, does not get the grid.
    let other = web_login(&app, "clerk_sc").await;
    let (s, _) = page(&other, &url).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let me = web_login(&app, "a001").await;
    let (s, _) = page(&me, &url).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, html) = page(&clerk, &format!("{url}?lang=en")).await;
    assert_complete("grid (en)", &html);
    assert!(html.contains("Data entry"), "{html}");
}

#[tokio::test]
async fn checklists_and_pickers_follow_the_rule() {
    let app = spawn_app(false).await;
    let hr = org_and_people(&app).await;
    let b = &app.base;
    let src = std::fs::read_to_string(format!(
        "{}/../../templates/F13.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let (s, body) = send(hr.post(format!("{b}/api/templates")).body(src)).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, cy) = send(hr.post(format!("{b}/api/cycles")).json(&json!({
        "name": "2026年第四季度 客服经理考核",
        "form_id": "F13",
        "period": "2026-Q4",
        "members": {"employees": ["A001"]},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let cycle = cy["id"].as_i64().unwrap();
    let (s, body) = send(hr.post(format!("{b}/api/cycles/{cycle}/launch"))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, list) = send(hr.get(format!("{b}/api/appraisals?cycle_id={cycle}"))).await;
    let id = list[0]["id"].as_i64().unwrap();
    let sup = web_login(&app, "wangqiang").await;
    let url = format!("{b}/appraisals/{id}");
    let (s, sheet) = page(&sup, &url).await;
    assert_eq!(s, StatusCode::OK, "{sheet}");
    // The checklist is a box per criterion, with what each is worth.
    assert!(sheet.contains("control-checklist"), "{sheet}");
    assert_eq!(
        sheet
            .matches(r#"type="checkbox" name="v.prevention""#)
            .count(),
        4
    );
    assert!(
        sheet.contains("定期分析客户反馈和投诉") && sheet.contains("2.5 分"),
        "{sheet}"
    );

    // Ticking criteria 1 and 3 stores `1,3`; the page shows them ticked.
    let token = csrf_of(&sheet);
    let v = version_of(&sheet);
    let form = [
        ("csrf", token.as_str()),
        ("version", v.as_str()),
        ("action", "save"),
        ("set.prevention", "1"),
        ("v.prevention", "1"),
        ("v.prevention", "3"),
    ];
    let (s, _, html) = post_form(&sup, &format!("{url}/actions"), &form).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (_, a) = send(hr.get(format!("{b}/api/appraisals/{id}"))).await;
    assert_eq!(a["inputs"]["prevention"], "1,3", "{a}");
    let checked =
        |html: &str, n: &str| html.contains(&format!(r#"name="v.prevention" value="{n}" checked"#));
    assert!(checked(&html, "1") && checked(&html, "3"), "{html}");
    assert!(!checked(&html, "2") && !checked(&html, "4"), "{html}");

    // Unticking everything is an answer too: none met.
    let v = version_of(&html);
    let form = [
        ("csrf", token.as_str()),
        ("version", v.as_str()),
        ("action", "save"),
        ("set.prevention", "1"),
    ];
    let (s, _, html) = post_form(&sup, &format!("{url}/actions"), &form).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (_, a) = send(hr.get(format!("{b}/api/appraisals/{id}"))).await;
    assert_eq!(a["inputs"]["prevention"], "无", "{a}");
    assert!(!checked(&html, "1"), "{html}");
}

common::both!(live_scores_while_rating);

/// Live scores while rating: the rating form's values tried out through the page's preview
/// (what `rate.js` calls as the rater types) give the item scores, total and bonus that
/// saving then stores; nothing is stored by trying; a bad value is named by its field, in
/// the page's language; the API's preview agrees; whoever may not see the scores yet (the
/// appraisee, another department's clerk) gets none.
async fn live_scores_while_rating(app: App) {
    let (mine, _) = f01_month(&app, Stop::Rating).await;
    let b = &app.base;
    let sup = web_login(&app, "wangqiang").await;
    let url = format!("{b}/appraisals/{mine}");
    let (_, sheet) = page(&sup, &url).await;
    assert!(
        sheet.contains("/assets/rate.js")
            && sheet.contains(&format!(r#"data-preview="/appraisals/{mine}/preview""#)),
        "the rating form asks for live scores: {sheet}"
    );
    let (s, js) = page(&sup, &format!("{b}/assets/rate.js")).await;
    assert!(s == StatusCode::OK && js.contains("data-preview"), "{js}");
    let token = csrf_of(&sheet);
    let case: BTreeMap<&str, &str> = F01_CASE.into_iter().collect();
    let filled: Vec<(String, String)> = entry_fields(&sheet)
        .iter()
        .map(|f| {
            (
                format!("v.{f}"),
                case.get(f.as_str()).unwrap_or(&"0").to_string(),
            )
        })
        .collect();
    let api = login(&app, "wangqiang").await;
    let stored = |c: reqwest::Client| async move {
        let (s, a) = send(c.get(format!("{b}/api/appraisals/{mine}"))).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        a
    };
    let before = stored(api.clone()).await;

    // Tried out: scores for every item, the total and bonus; nothing stored.
    let mut form: Vec<(&str, &str)> = vec![("csrf", &token)];
    form.extend(filled.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (s, _, body) = post_form(&sup, &format!("{url}/preview"), &form).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let live: Value = serde_json::from_str(&body).unwrap();
    assert!(live["score_error"].is_null(), "{live}");
    assert_ne!(
        live["total"], before["total"],
        "typing changes the total: {live}"
    );
    assert!(
        live["items"]["authorised_work"]["explain"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "each score comes with its explanation: {live}"
    );
    assert_eq!(
        stored(api.clone()).await["total"],
        before["total"],
        "nothing stored"
    );

    // The API's preview agrees with the page's.
    let values: BTreeMap<String, String> = filled
        .iter()
        .map(|(k, v)| (k.trim_start_matches("v.").to_string(), v.clone()))
        .collect();
    let (s, p) = send(
        api.post(format!("{b}/api/appraisals/{mine}/preview"))
            .json(&json!({ "values": values })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["appraisal"]["total"], live["total"], "{p}");
    assert_eq!(p["appraisal"]["bonus"], live["bonus"], "{p}");
    assert!(p["explanation"]["zh"]["total"].is_string(), "{p}");

    // Saved: what is stored is what the rater saw.
    let v = version_of(&sheet);
    let mut form: Vec<(&str, &str)> = vec![("csrf", &token), ("version", &v), ("action", "save")];
    form.extend(filled.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let (s, _, html) = post_form(&sup, &format!("{url}/actions"), &form).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let after = stored(api.clone()).await;
    assert_eq!(after["total"], live["total"]);
    assert_eq!(after["bonus"], live["bonus"]);
    for it in after["result"]["items"].as_array().unwrap() {
        let id = it["id"].as_str().unwrap();
        assert_eq!(
            live["items"][id]["score"], it["score"],
            "item {id}: previewed and stored agree"
        );
    }

    // A bad value: named by its field, in the page's language, without the id in the text.
    let bad = [("csrf", token.as_str()), ("v.authorised_work", "99")];
    for lang in ["zh-CN", "en"] {
        let (s, _, body) = post_form(&sup, &format!("{url}/preview?lang={lang}"), &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let r: Value = serde_json::from_str(&body).unwrap();
        let m = r["fields"]["authorised_work"].as_str().unwrap_or_default();
        let cjk = m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        assert!(!m.is_empty() && !m.contains(" / "), "{lang}: {r}");
        assert_eq!(cjk, lang == "zh-CN", "{lang}: one language: {r}");
        assert!(!m.contains("authorised_work"), "{lang}: no id: {r}");
    }
    // Without the form's token: refused.
    let (s, _, _) = post_form(&sup, &format!("{url}/preview"), &[("v.samples", "1")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The appraisee, before publication, may not try scores out; another department's
    // clerk may not either.
    for who in ["a001", "clerk_xz"] {
        let c = web_login(&app, who).await;
        let (_, mine_page) = page(&c, &url).await;
        assert!(!mine_page.contains("data-preview"), "{who}: {mine_page}");
        let t = csrf_of(&page(&c, &format!("{b}/tasks")).await.1);
        let (s, _, body) = post_form(
            &c,
            &format!("{url}/preview"),
            &[("csrf", &t), ("v.samples", "1")],
        )
        .await;
        assert!(
            s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
            "{who}: {s} {body}"
        );
        assert!(!body.contains("\"total\""), "{who}: {body}");
    }
}

/// F15's level picker (突出表现受客户表扬: 无 / 市级 / 省级) starts on an explicit
/// 「请选择」 that is not a level; handing in with it left there is refused beside the picker
/// (the picker focused, so the browser scrolls to it), nothing handed in; a chosen level is
/// kept and shown chosen.
#[tokio::test]
async fn a_level_picker_starts_unchosen_and_says_so_beside_itself() {
    let app = spawn_app(false).await;
    let hr = org_and_people(&app).await;
    let b = &app.base;
    let src = std::fs::read_to_string(format!(
        "{}/../../templates/F15.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let (s, body) = send(hr.post(format!("{b}/api/templates")).body(src)).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, cy) = send(hr.post(format!("{b}/api/cycles")).json(&json!({
        "name": "2026年第四季度 客户经理考核",
        "form_id": "F15",
        "period": "2026-Q4",
        "members": {"employees": ["A001"]},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let cycle = cy["id"].as_i64().unwrap();
    let (s, body) = send(hr.post(format!("{b}/api/cycles/{cycle}/launch"))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, list) = send(hr.get(format!("{b}/api/appraisals?cycle_id={cycle}"))).await;
    let id = list[0]["id"].as_i64().unwrap();
    let sup = web_login(&app, "wangqiang").await;
    let url = format!("{b}/appraisals/{id}");
    let (s, sheet) = page(&sup, &url).await;
    assert_eq!(s, StatusCode::OK, "{sheet}");
    // The picker: 「请选择」 first, chosen, worth nothing; then the levels.
    let picker = |html: &str| -> String {
        let i = html
            .find(r#"id="f-award""#)
            .unwrap_or_else(|| panic!("no award picker: {html}"));
        html[i..i + html[i..].find("</fieldset>").unwrap()].to_string()
    };
    let p = picker(&sheet);
    let first = p.find(r#"name="v.award""#).unwrap();
    assert!(
        p[first..].starts_with(r#"name="v.award" value="" checked>"#)
            && p[first..].contains("请选择"),
        "{p}"
    );
    assert!(
        p.find("请选择").unwrap() < p.find("市级以上表扬").unwrap(),
        "{p}"
    );
    assert_eq!(p.matches(" checked").count(), 1, "{p}");
    let (_, en) = page(&sup, &format!("{url}?lang=en")).await;
    assert!(picker(&en).contains("Choose…"), "{en}");
    assert_complete("F15 rating form (en)", &en);
    page(&sup, &format!("{url}?lang=zh-CN")).await;

    // Handing in with 「请选择」: refused, the message inside the picker's fieldset, the
    // picker focused; still rating.
    let token = csrf_of(&sheet);
    let v = version_of(&sheet);
    let form = [
        ("csrf", token.as_str()),
        ("version", v.as_str()),
        ("action", "submit"),
        ("v.award", ""),
    ];
    let (s, _, html) = post_form(&sup, &format!("{url}/actions"), &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let p = picker(&html);
    assert!(
        p.contains(r#"class="error field-error""#)
            && p.contains("请选择「突出表现受客户表扬」的一项再提交"),
        "the error beside the picker: {p}"
    );
    assert!(
        p.contains(r#"value="" checked autofocus"#),
        "the picker focused: {p}"
    );
    assert_eq!(html.matches("autofocus").count(), 1, "{html}");
    let (_, a) = send(hr.get(format!("{b}/api/appraisals/{id}"))).await;
    assert_eq!(a["state"], "rating", "{a}");

    // A level chosen and saved: stored, shown chosen, 「请选择」 no longer.
    let form = [
        ("csrf", token.as_str()),
        ("version", v.as_str()),
        ("action", "save"),
        ("v.award", "1"),
    ];
    let (s, _, html) = post_form(&sup, &format!("{url}/actions"), &form).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let (_, a) = send(hr.get(format!("{b}/api/appraisals/{id}"))).await;
    assert_eq!(a["inputs"]["award"], "1", "{a}");
    let p = picker(&html);
    assert!(
        p.contains(r#"name="v.award" value="1" checked"#) && !p.contains(r#"value="" checked"#),
        "{p}"
    );
}
