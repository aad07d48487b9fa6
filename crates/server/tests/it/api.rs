//! The API over HTTP: a real server on a free port, a fresh database per test, on SQLite
//! and on PostgreSQL (KAOHE_TEST_POSTGRES_URL, default 127.0.0.1:5432, required).

use crate::common;

use common::{App, client, spawn_app};
use kaohe_store::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use common::both;

both!(
    first_run_sign_in_and_out,
    roles_decide_who_may_do_what,
    templates_publish_with_errors_in_place,
    bad_input_is_400_or_422_never_500,
    wrong_passwords_pause_the_name,
    guessing_across_names_pauses_the_address
);

/// Guessing with ever-new names (so that no name pauses) pauses the address after
/// `MAX_ADDRESS_FAILURES` misses: then even a right password from there waits.
async fn guessing_across_names_pauses_the_address(app: App) {
    common::add_user(&app, "zhangwei", None, vec![]).await;
    let c = client();
    let max = kaohe_server::throttle::MAX_ADDRESS_FAILURES;
    for i in 1..=max {
        let r = c
            .post(format!("{}/api/login", app.base))
            .json(&json!({"username": format!("guess{i}"), "password": "guess"}))
            .send()
            .await
            .unwrap();
        let want = if i < max {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(r.status(), want, "miss {i}");
    }
    // Now even a right password from that address waits.
    let r = c
        .post(format!("{}/api/login", app.base))
        .json(&json!({"username": "zhangwei", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "900");
}

/// Five wrong passwords for a name within 15 minutes pause it for 15 minutes — even the
/// right password is refused meanwhile — while other names sign in as usual.
async fn wrong_passwords_pause_the_name(app: App) {
    common::add_user(&app, "zhangwei", None, vec![]).await;
    common::add_user(&app, "lina", None, vec![]).await;
    let c = client();
    let try_as = |name: &'static str, password: &'static str| {
        c.post(format!("{}/api/login", app.base))
            .json(&json!({"username": name, "password": password}))
            .send()
    };
    // Four misses (one typed in capitals: the same name) are only wrong passwords.
    for name in ["zhangwei", "zhangwei", "ZhangWei", "zhangwei"] {
        let r = try_as(name, "guess").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // The fifth pauses the name, and says for how long.
    let r = try_as("zhangwei", "guess").await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "900");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_attempts");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("请 15 分钟后再试"),
        "{body}"
    );
    assert!(
        body["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("try again in 15 minutes"),
        "{body}"
    );
    // Now even the right password is refused, without being checked.
    let r = try_as("zhangwei", "a long password").await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Others are not affected, and a name that does not exist pauses the same way (a
    // refusal tells nothing about which accounts exist).
    let r = try_as("lina", "a long password").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    for _ in 0..4 {
        let r = try_as("nobody", "guess").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = try_as("nobody", "guess").await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn first_run_sign_in_and_out(app: App) {
    let c = client();
    let r = c.get(format!("{}/api/me", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert_eq!(body["error"]["message"], "请先登录");

    let bad = c
        .post(format!("{}/api/setup", app.base))
        .json(&json!({"token": "guess", "username": "hr", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::FORBIDDEN);
    let ok = c
        .post(format!("{}/api/setup", app.base))
        .json(&json!({"token": app.setup_token, "username": "hr", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);
    let again = c
        .post(format!("{}/api/setup", app.base))
        .json(&json!({"token": app.setup_token, "username": "hr2", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::FORBIDDEN,
        "the token works once"
    );

    let wrong = c
        .post(format!("{}/api/login", app.base))
        .json(&json!({"username": "hr", "password": "nope nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .post(format!("{}/api/login", app.base))
        .json(&json!({"username": "hr", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let me: Value = c
        .get(format!("{}/api/me", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "hr");
    assert_eq!(me["roles"], json!(["hr_admin"]));
    let out = c
        .post(format!("{}/api/logout", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let r = c.get(format!("{}/api/me", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "signed out");
}

async fn roles_decide_who_may_do_what(app: App) {
    let hr = app.user("hr", Role::HrAdmin).await;
    let employee = app.user("emp", Role::Employee).await;
    let reviewer = app.user("rev", Role::Reviewer).await;
    let anon = client();
    let b = &app.base;
    let org = "工号,姓名,部门编码,部门名称,部门类型\nE001,张伟,SC,市场部,业务\n";
    // (method, path, body) × who → expected status.
    let cases: Vec<(&str, String, Option<String>, [u16; 4])> = vec![
        //                                                              anon employee reviewer hr
        (
            "GET",
            format!("{b}/api/departments"),
            None,
            [401, 200, 200, 200],
        ),
        (
            "POST",
            format!("{b}/api/departments"),
            Some(r#"{"code":"XZ","name":"行政部","kind":"functional"}"#.into()),
            [401, 403, 403, 201],
        ),
        (
            "GET",
            format!("{b}/api/employees"),
            None,
            [401, 403, 200, 200],
        ),
        (
            "POST",
            format!("{b}/api/org/import"),
            Some(org.into()),
            [401, 403, 403, 200],
        ),
        (
            "GET",
            format!("{b}/api/templates"),
            None,
            [401, 200, 200, 200],
        ),
        (
            "POST",
            format!("{b}/api/templates"),
            Some(include_str!("../../../../templates/F01.toml").into()),
            [401, 403, 403, 201],
        ),
        (
            "GET",
            format!("{b}/api/templates/F01"),
            None,
            [401, 200, 200, 200],
        ),
        ("GET", format!("{b}/api/audit"), None, [401, 403, 403, 200]),
        (
            "GET",
            format!("{b}/api/audit/verify"),
            None,
            [401, 403, 403, 200],
        ),
    ];
    // HR goes last on each row so the reads that need data find it.
    for (method, url, body, want) in &cases {
        for (who, c) in [(0, &anon), (1, &employee), (2, &reviewer), (3, &hr)] {
            let mut req = if *method == "GET" {
                c.get(url)
            } else {
                c.post(url)
            };
            if let Some(bd) = body {
                let ct = if bd.starts_with('{') {
                    "application/json"
                } else {
                    "text/plain"
                };
                req = req.header("content-type", ct).body(bd.clone());
            }
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            let want_here = want[who];
            assert_eq!(status, want_here, "{method} {url} as #{who}: {text}");
            if status >= 400 {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert!(
                    v.get("error").is_some() && v.as_object().unwrap().len() == 1,
                    "errors carry no data: {text}"
                );
            }
        }
    }
}

async fn templates_publish_with_errors_in_place(app: App) {
    let hr = app.user("hr", Role::HrAdmin).await;
    let src = include_str!("../../../../templates/F01.toml");
    let broken = src.replace("measure = \"completion\"", "measure = \"completoin\"");
    let r = hr
        .post(format!("{}/api/templates", app.base))
        .body(broken.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    let f = &v["error"]["fields"][0];
    let line = broken
        .lines()
        .position(|l| l.contains("completoin"))
        .unwrap()
        + 1;
    assert_eq!(f["line"], json!(line));
    assert_eq!(f["field"], "E003");
    assert!(
        f["message"].as_str().unwrap().contains("`completion`"),
        "{f}"
    );

    let r = hr
        .post(format!("{}/api/templates", app.base))
        .body(src)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["form_id"].as_str(), v["version"].as_i64()),
        (Some("F01"), Some(1))
    );

    let r = hr
        .post(format!("{}/api/templates/F01/preview", app.base))
        .json(&json!({"rows": [{"id": "E001", "sales_target": 100, "sales_actual": 87, "new_customers": 1, "authorised_work": 18, "samples": 14, "contracts": 13, "idle": 1, "leave_late_early": 2, "leave_days": 1, "monthly_bonus": "300.30"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let res = &v["results"][0];
    assert_eq!(res["total"], "90");
    assert_eq!(res["pay"]["bonus"], "270.27", "300.30 × 90% = 270.27");
    assert!(
        res["explanation"]["zh-CN"]
            .as_str()
            .unwrap()
            .contains("按每 5% 扣 3 分计 2 档")
    );

    let bad_cell = json!({"rows": [{"id": "E1", "sales_target": 100, "sales_actual": "abc", "authorised_work": 1, "samples": 1, "contracts": 1, "monthly_bonus": 1000}]});
    let r = hr
        .post(format!("{}/api/templates/F01/preview", app.base))
        .json(&bad_cell)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    let f = &v["error"]["fields"][0];
    assert_eq!(
        (f["field"].as_str(), f["line"].as_i64()),
        (Some("sales_actual"), Some(1)),
        "{v}"
    );
    assert!(
        f["message"].as_str().unwrap().contains("`abc` 不是数字"),
        "{v}"
    );
    let missing = json!({"rows": [{"id": "E1", "sales_target": 100, "sales_actual": 90}]});
    let v: Value = hr
        .post(format!("{}/api/templates/F01/preview", app.base))
        .json(&missing)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        v["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "authorised_work"),
        "missing column named: {v}"
    );

    let audit: Value = hr
        .get(format!("{}/api/audit/verify", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["intact"], true);
}

async fn bad_input_is_400_or_422_never_500(app: App) {
    let hr = app.user("hr", Role::HrAdmin).await;
    let b = &app.base;
    for (url, ct, body, want) in [
        (
            format!("{b}/api/login"),
            "application/json",
            "{not json",
            400,
        ),
        (
            format!("{b}/api/login"),
            "application/json",
            r#"{"username": 5}"#,
            400,
        ),
        (
            format!("{b}/api/departments"),
            "application/json",
            r#"{"code":"X","name":"某","kind":"weird"}"#,
            422,
        ),
        (
            format!("{b}/api/departments"),
            "application/json",
            r#"{"code":"","name":"","kind":"line"}"#,
            422,
        ),
        (format!("{b}/api/org/import"), "text/csv", "a,b\n1,2\n", 422),
        (
            format!("{b}/api/org/import"),
            "text/csv",
            "工号,姓名,部门编码,直接上级工号\nE1,,SC,E9\n",
            422,
        ),
        (
            format!("{b}/api/templates"),
            "application/toml",
            "[form\nid=",
            422,
        ),
        (
            format!("{b}/api/templates/NOPE/preview"),
            "application/json",
            r#"{"rows": []}"#,
            404,
        ),
    ] {
        let r = hr
            .post(&url)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, want, "{url} {body}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let dup = r#"{"code":"XZ","name":"行政部","kind":"functional"}"#;
    assert_eq!(
        hr.post(format!("{b}/api/departments"))
            .header("content-type", "application/json")
            .body(dup)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(
        hr.post(format!("{b}/api/departments"))
            .header("content-type", "application/json")
            .body(dup)
            .send()
            .await
            .unwrap()
            .status(),
        409
    );
    let r = hr
        .get(format!("{b}/api/no/such/thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A record that does not exist is named in each language apart, never mixed.
    let r = hr
        .get(format!("{b}/api/appraisals/999"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["message"], "考核表「999」不存在", "{body}");
    assert_eq!(
        body["error"]["message_en"], "appraisal `999` does not exist",
        "{body}"
    );
    let doc: Value = client()
        .get(format!("{b}/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["paths"]["/api/templates/{form_id}/preview"]["post"].is_object(),
        "the OpenAPI document lists the endpoints"
    );
    // Options in the query string are declared as optional query parameters, never as
    // required path parameters.
    for (path, method) in [
        ("/api/cycles/{id}/import", "post"),
        ("/api/appraisals", "get"),
        ("/api/cycles/{id}/results", "get"),
    ] {
        let params = doc["paths"][path][method]["parameters"].as_array().unwrap();
        for p in params {
            let name = p["name"].as_str().unwrap();
            if name == "id" {
                assert_eq!(p["in"], "path", "{path} {name}");
                continue;
            }
            assert_eq!(p["in"], "query", "{path} {name}: {p}");
            assert_ne!(p["required"], true, "{path} {name}: {p}");
        }
    }
    let import = doc["paths"]["/api/cycles/{id}/import"]["post"]["parameters"].to_string();
    for name in ["dry_run", "sheet", "skip_invalid", "map", "header_row"] {
        assert!(import.contains(&format!("\"{name}\"")), "{name}: {import}");
    }
}
