//! Peer ratings (同事评分) over HTTP, on SQLite and PostgreSQL: a peer finds the rating in
//! their 待办, rates on the page they reach from it (and may change it, over the page or the
//! API, while rating lasts), and reads only the appraisee's name, the items and their own
//! answer; HR sees who the peers are and who answered, never what; the supervisor's sheet says
//! 同事评分不足3人 until the third answer, then shows the mean and counts it.

use crate::common;

use common::{
    App, add_user, csrf_of, login, page, post_form, send, spawn_app, version_of, web_login,
};
use kaohe_store::{Grant, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::both;

both!(
    a_peer_rates_from_their_tasks_on_the_page_and_the_api,
    hr_names_the_peers_on_the_cycle_page
);

/// Supervisor 70%, a peer group of 3 (K = 3, 同部门) 30% on 团队协作.
pub const PEER_FORM: &str = r#"
[form]
id = "T360"
title = "团队协作考核表"
title_en = "Teamwork appraisal"
period = "monthly"
total_points = 100

[[rater]]
id = "supervisor"
name = "直接上级"
name_en = "Supervisor"
weight = 70
[[rater]]
id = "peers"
name = "同事"
name_en = "Peers"
weight = 30
peers = 3
min_answers = 3

[[item]]
id = "teamwork"
name = "团队协作"
name_en = "Teamwork"
points = 40
rule = "score"
raters = ["supervisor", "peers"]

[[item]]
id = "quality"
name = "工作质量"
name_en = "Quality"
points = 60
rule = "score"
raters = ["supervisor"]
"#;

const ORG: &str = "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号
S001,王强,SC,市场部,业务,市场部经理,
A001,张伟,SC,市场部,业务,大客户经理,S001
A002,李娜,SC,市场部,业务,大客户经理,S001
K001,周敏,SC,市场部,业务,客服经理,S001
K002,马俊,SC,市场部,业务,客户服务中心经理,S001
";

/// HR publishes the form and launches a cycle for 张伟 (A001): `(cycle, appraisal)`.
pub async fn launch_for_zhangwei(app: &App, hr: &reqwest::Client, name: &str) -> (i64, i64) {
    let b = &app.base;
    let (s, r) = send(hr.post(format!("{b}/api/templates")).body(PEER_FORM)).await;
    assert!(s == StatusCode::CREATED || s == StatusCode::OK, "{s}: {r}");
    let (s, cy) = send(hr.post(format!("{b}/api/cycles")).json(&json!({
        "name": name, "form_id": "T360", "period": "2026-12",
        "members": {"employees": ["A001"]},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let c = cy["id"].as_i64().unwrap();
    let (s, l) = send(hr.post(format!("{b}/api/cycles/{c}/launch"))).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    let (_, list) = send(hr.get(format!("{b}/api/appraisals?cycle_id={c}"))).await;
    (c, list[0]["id"].as_i64().unwrap())
}

async fn appraisal(app: &App, c: &reqwest::Client, id: i64) -> Value {
    let (s, a) = send(c.get(format!("{}/api/appraisals/{id}", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{a}");
    a
}

/// Enter values over the API as `c`.
pub async fn put_values(app: &App, c: &reqwest::Client, id: i64, values: Value) -> Value {
    let version = appraisal(app, c, id).await["version"].clone();
    let (s, a) = send(
        c.put(format!("{}/api/appraisals/{id}/values", app.base))
            .json(&json!({"version": version, "values": values})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    a
}

async fn a_peer_rates_from_their_tasks_on_the_page_and_the_api(app: App) {
    let b = app.base.clone();
    let hr = app.user("hr", Role::HrAdmin).await;
    let (s, r) = send(hr.post(format!("{b}/api/org/import")).body(ORG)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    for (u, no) in [
        ("wangqiang", "S001"),
        ("a001", "A001"),
        ("a002", "A002"),
        ("k001", "K001"),
        ("k002", "K002"),
    ] {
        add_user(
            &app,
            u,
            Some(no),
            vec![Grant {
                role: Role::Employee,
                department_id: None,
            }],
        )
        .await;
    }
    let (_, id) = launch_for_zhangwei(&app, &hr, "2026年12月 同事评分").await;
    // 张伟's peers by the rule: the next three of 市场部 after A001 (not 王强, who rates him).
    let (s, peers) = send(hr.get(format!("{b}/api/appraisals/{id}/peers"))).await;
    assert_eq!(s, StatusCode::OK, "{peers}");
    let names: Vec<&str> = peers
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["李娜", "周敏", "马俊"]);
    assert!(
        peers
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["answered"] == false)
    );

    // 李娜 finds it in her 待办 and rates on the page she reaches from it.
    let lina = web_login(&app, "a002").await;
    let (s, inbox) = page(&lina, &format!("{b}/tasks")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(inbox.contains("张伟"), "{inbox}");
    assert!(
        inbox.contains(&format!("/appraisals/{id}"))
            || inbox.contains(&format!("&#x2f;appraisals&#x2f;{id}")),
        "{inbox}"
    );
    let url = format!("{b}/appraisals/{id}");
    let (s, sheet) = page(&lina, &url).await;
    assert_eq!(s, StatusCode::OK);
    assert!(sheet.contains("name=\"v.teamwork@peers\""), "{sheet}");
    assert!(!sheet.contains("name=\"v.teamwork@supervisor\""), "{sheet}");
    assert!(sheet.contains("你的同事评分是匿名的"), "{sheet}");
    let form = [
        ("csrf", csrf_of(&sheet)),
        ("version", version_of(&sheet)),
        ("action", "submit".to_string()),
        ("v.teamwork@peers", "31.37".to_string()),
    ];
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, path, html) = post_form(&lina, &format!("{url}/actions"), &fields).await;
    assert_eq!(
        (s, path.as_str()),
        (StatusCode::OK, format!("/appraisals/{id}").as_str()),
        "{html}"
    );
    // Her own answer, kept for her to change while rating lasts; no one else's, no scores.
    assert!(html.contains("value=\"31.37\""), "{html}");
    assert!(html.contains("name=\"v.teamwork@peers\""), "{html}");
    let mine = appraisal(&app, &login(&app, "a002").await, id).await;
    assert_eq!(mine["inputs"], json!({"teamwork@peers": "31.37"}), "{mine}");
    assert!(
        mine["total"].is_null() && mine["result"].is_null(),
        "{mine}"
    );
    // Answered: gone from her 待办.
    let (_, tasks) = send(login(&app, "a002").await.get(format!("{b}/api/tasks"))).await;
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["appraisal_id"] != json!(id)),
        "{tasks}"
    );

    // 王强 rates; with one peer answer the sheet says the peers are not counted yet.
    let wq = login(&app, "wangqiang").await;
    put_values(
        &app,
        &wq,
        id,
        json!({"teamwork@supervisor": "36.5", "quality@supervisor": "51.5"}),
    )
    .await;
    // 周敏 answers over the API.
    let zm = login(&app, "k001").await;
    let seen = put_values(&app, &zm, id, json!({"teamwork@peers": "33.91"})).await;
    assert_eq!(seen["inputs"], json!({"teamwork@peers": "33.91"}), "{seen}");
    assert!(seen["total"].is_null(), "{seen}");
    let a = appraisal(&app, &wq, id).await;
    assert!(a["inputs"].get("teamwork@peers").is_none(), "{a}");
    assert_eq!(a["total"], "88", "36.5 + 51.5, the peers left out: {a}");
    let wq_web = web_login(&app, "wangqiang").await;
    let (_, sheet) = page(&wq_web, &url).await;
    assert!(sheet.contains("同事评分不足3人，暂不显示"), "{sheet}");
    let (_, sheet_en) = page(&wq_web, &format!("{url}?lang=en")).await;
    assert!(
        sheet_en.contains("fewer than 3 peer answers; not shown"),
        "{sheet_en}"
    );
    for text in [&sheet, &sheet_en] {
        for hidden in ["李娜", "周敏", "马俊", "31.37", "33.91"] {
            assert!(!text.contains(hidden), "the supervisor reads `{hidden}`");
        }
    }
    // Who the peers are is HR's to know; the supervisor and the appraisee are refused.
    for c in [&wq, &login(&app, "a001").await] {
        let (s, r) = send(c.get(format!("{b}/api/appraisals/{id}/peers"))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
    }
    // A peer reads their own line only.
    let (s, r) = send(zm.get(format!("{b}/api/appraisals/{id}/peers"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r.as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r[0]["name"], "周敏");

    // The third answer: the mean counts. (31.37 + 33.91 + 35.23) / 3 = 33.503… → 33.5;
    // 团队协作 36.5 × 70% + 33.5 × 30% = 25.55 + 10.05 = 35.6; total 35.6 + 51.5 = 87.1.
    put_values(
        &app,
        &login(&app, "k002").await,
        id,
        json!({"teamwork@peers": "35.23"}),
    )
    .await;
    let a = appraisal(&app, &wq, id).await;
    assert_eq!(a["inputs"]["teamwork@peers"], "33.5", "{a}");
    assert_eq!(a["total"], "87.1", "{a}");
    let (_, sheet) = page(&wq_web, &url).await;
    assert!(!sheet.contains("同事评分不足"), "{sheet}");
    assert!(sheet.contains("33.5"), "{sheet}");
    for hidden in ["李娜", "周敏", "马俊", "31.37", "33.91", "35.23"] {
        assert!(!sheet.contains(hidden), "the supervisor reads `{hidden}`");
    }
    // HR's sheet lists the peers and who answered, to chase them — never an answer.
    let hr_web = web_login(&app, "hr").await;
    let (_, hr_sheet) = page(&hr_web, &url).await;
    assert!(hr_sheet.contains("id=\"peers\""), "{hr_sheet}");
    assert!(
        hr_sheet.contains("李娜 (A002) · 已评") && hr_sheet.contains("马俊 (K002) · 已评"),
        "{hr_sheet}"
    );
    for hidden in ["31.37", "33.91", "35.23"] {
        assert!(!hr_sheet.contains(hidden), "HR reads `{hidden}`");
    }
    // HR: everyone answered; still no answer in sight.
    let (_, peers) = send(hr.get(format!("{b}/api/appraisals/{id}/peers"))).await;
    assert!(
        peers
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["answered"] == true),
        "{peers}"
    );
    for hidden in ["31.37", "33.91", "35.23"] {
        assert!(!peers.to_string().contains(hidden), "{peers}");
    }
    // 李娜 changes her mind on the page: (33.5 + 33.91 + 35.23) / 3 = 34.213… → 34.21.
    let (_, sheet) = page(&lina, &url).await;
    let form = [
        ("csrf", csrf_of(&sheet)),
        ("version", version_of(&sheet)),
        ("action", "save".to_string()),
        ("v.teamwork@peers", "33.5".to_string()),
    ];
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, html) = post_form(&lina, &format!("{url}/actions"), &fields).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let a = appraisal(&app, &wq, id).await;
    assert_eq!(a["inputs"]["teamwork@peers"], "34.21", "{a}");
    // The supervisor hands in: review, signed by him alone.
    let version = a["version"].clone();
    let (s, r) = send(
        wq.post(format!("{b}/api/appraisals/{id}/actions"))
            .json(&json!({"action": "submit", "version": version})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "review", "{r}");
    // Rating is over: no more peer answers.
    let version = appraisal(&app, &zm, id).await["version"].clone();
    let (s, r) = send(
        zm.put(format!("{b}/api/appraisals/{id}/values"))
            .json(&json!({"version": version, "values": {"teamwork@peers": "40"}})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
}

/// HR names 张伟's peers on the cycle page (a form with a peer group shows the field): a line
/// that is not `工号: 工号, …` and an unknown 工号 are answered beside the field, the typed text
/// kept; the named peers are stored, shown again on the draft and get the peer tasks at launch.
async fn hr_names_the_peers_on_the_cycle_page(app: App) {
    let b = app.base.clone();
    let api = app.user("hr", Role::HrAdmin).await;
    let (s, r) = send(api.post(format!("{b}/api/org/import")).body(ORG)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, r) = send(api.post(format!("{b}/api/templates")).body(PEER_FORM)).await;
    assert!(s == StatusCode::CREATED || s == StatusCode::OK, "{s}: {r}");
    let web = web_login(&app, "hr").await;
    let (_, html) = page(&web, &format!("{b}/hr/cycles")).await;
    let csrf = csrf_of(&html);
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("form_id", "T360"),
        ("period", "2026-12"),
        ("name", "2026年12月 同事评分"),
        ("members", "employees"),
        ("employees", "A001"),
        ("data_due", ""),
        ("rating_due", ""),
        ("window", "72"),
        ("params", ""),
        ("targets", ""),
        ("peers", "A001 A002"),
    ];
    let near_peers = |html: &str| {
        let at = html.find(r#"name="peers""#).expect("the peers field");
        html[at..].chars().take(1000).collect::<String>()
    };
    let (s, _, html) = post_form(&web, &format!("{b}/hr/cycles"), &fields).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let near = near_peers(&html);
    assert!(
        near.contains("field-error") && near.contains("第 1 行"),
        "{near}"
    );
    assert!(near.contains("A001 A002"), "the typed text is kept: {near}");
    fields[11] = ("peers", "A001: A002, K009");
    let (s, _, html) = post_form(&web, &format!("{b}/hr/cycles"), &fields).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let near = near_peers(&html);
    assert!(
        near.contains("field-error") && near.contains("K009"),
        "{near}"
    );

    fields[11] = ("peers", "A001：A002，K001、K002");
    let (s, path, html) = post_form(&web, &format!("{b}/hr/cycles"), &fields).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let cycle: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let (_, cy) = send(api.get(format!("{b}/api/cycles/{cycle}"))).await;
    assert_eq!(
        cy["members"]["peers"],
        json!({"A001": ["A002", "K001", "K002"]}),
        "{cy}"
    );
    assert!(
        html.contains("A001: A002, K001, K002"),
        "the draft shows them: {html}"
    );
    let (s, l) = send(api.post(format!("{b}/api/cycles/{cycle}/launch"))).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    let (_, list) = send(api.get(format!("{b}/api/appraisals?cycle_id={cycle}"))).await;
    let id = list[0]["id"].as_i64().unwrap();
    let (s, peers) = send(api.get(format!("{b}/api/appraisals/{id}/peers"))).await;
    assert_eq!(s, StatusCode::OK, "{peers}");
    let text = peers.to_string();
    for no in ["A002", "K001", "K002"] {
        assert!(text.contains(no), "{no} is a peer: {peers}");
    }
}
