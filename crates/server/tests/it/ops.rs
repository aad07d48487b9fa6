//! Running in production (issue 15): the demo password refused outside `--demo`, the
//! password policy at every door, sessions that end when idle, `Secure` cookies with HSTS,
//! `/readyz`, and the request id. On SQLite, and the session rules on PostgreSQL too.

use crate::common;

use common::{App, client, fresh, page, send, submit_login};
use kaohe_server::{AppState, serve};
use kaohe_store::{Db, NewUser, Store, StoreError};
use reqwest::StatusCode;
use serde_json::json;

/// A server over a fresh migrated database, its state set up by `f` first.
async fn spawn(pg: bool, f: impl FnOnce(&mut AppState<Db>)) -> App {
    common::spawn_app_configured(pg, f).await
}

async fn add(store: &Db, name: &str, password: &str) {
    store
        .create_user(
            "test",
            &NewUser {
                username: name.into(),
                password: password.into(),
                emp_no: None,
                grants: vec![],
                lang: "zh-CN".into(),
            },
        )
        .await
        .unwrap();
}

async fn api_login(
    app: &App,
    c: &reqwest::Client,
    name: &str,
    password: &str,
) -> reqwest::Response {
    c.post(format!("{}/api/login", app.base))
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap()
}

/// A database made with `--demo` and served without it: the demo password is refused for
/// the demo accounts that still have it, in the API and on the sign-in page, with a clear
/// message; other passwords and other accounts are unaffected; with `--demo` it works.
#[tokio::test]
async fn demo_password_is_refused_outside_demo() {
    let store = fresh(false).await;
    store.migrate().await.unwrap();
    add(&store, "hr", "kaohe-demo").await;
    add(&store, "fuhe", "a long password").await;
    add(&store, "lina", "kaohe-demo").await; // not a demo account name
    let state = AppState::new(store.clone());
    let refused = kaohe_server::ops::refuse_demo_passwords(&state)
        .await
        .unwrap();
    assert_eq!(refused, vec!["hr".to_string()]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(state, listener));
    let app = App {
        base,
        store: store.clone(),
        setup_token: String::new(),
    };
    let c = client();
    let r = api_login(&app, &c, "hr", "kaohe-demo").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let body: serde_json::Value = r.json().await.unwrap();
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("演示账号的默认密码只在 --demo 下可用"),
        "{body}"
    );
    let en = body["error"]["message_en"].as_str().unwrap();
    assert!(
        en.contains("works only with --demo") && !msg.contains("works only"),
        "{body}"
    );
    let r = api_login(&app, &c, "fuhe", "a long password").await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = api_login(&app, &c, "lina", "kaohe-demo").await;
    assert_eq!(r.status(), StatusCode::OK);
    // The sign-in page says the same.
    let c = client();
    let (s, _, html) = submit_login(&c, &format!("{}/login", app.base), "hr", "kaohe-demo").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        html.contains("演示账号的默认密码只在 --demo 下可用"),
        "{html}"
    );
    let (s, _, html) = submit_login(
        &c,
        &format!("{}/login?lang=en", app.base),
        "hr",
        "kaohe-demo",
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("works only with --demo"), "{html}");

    // Served with --demo, the demo password signs in.
    let mut state = AppState::new(store.clone());
    state.demo = true;
    assert!(
        kaohe_server::ops::refuse_demo_passwords(&state)
            .await
            .unwrap()
            .is_empty()
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(state, listener));
    let demo = App {
        base,
        store,
        setup_token: String::new(),
    };
    let r = api_login(&demo, &client(), "hr", "kaohe-demo").await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// Weak passwords are refused where the first administrator is made and where a password
/// is changed, naming the field, in both languages.
#[tokio::test]
async fn weak_passwords_are_refused_everywhere() {
    let app = spawn(false, |_| {}).await;
    let c = client();
    for (password, why) in [
        ("12345678", "at least 10"),
        ("aaaaaaaaaaaa", "repeat"),
        ("1234567890", "run"),
        ("abcdefghijk", "run"),
        ("qwertyuiop", "common"),
        ("woaini1314", "common"),
        ("Password123", "common"),
        ("renshi-2026-kaohe", "user name"),
    ] {
        let (s, body) = send(c.post(format!("{}/api/setup", app.base)).json(&json!({
            "token": app.setup_token, "username": "renshi", "password": password
        })))
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{password}: {body}");
        let f = &body["error"]["fields"][0];
        assert_eq!(f["field"], "password", "{body}");
        assert!(
            f["message_en"].as_str().unwrap().contains(why),
            "{password}: {body}"
        );
        assert!(f["message"].as_str().unwrap().contains("密码"), "{body}");
    }
    let (s, body) = send(c.post(format!("{}/api/setup", app.base)).json(&json!({
        "token": app.setup_token, "username": "renshi", "password": "a long password"
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let u = app.store.user_by_name("renshi").await.unwrap().unwrap();
    let e = app
        .store
        .change_password(u.id, "a long password", "88888888", None)
        .await;
    assert!(
        matches!(&e, Err(StoreError::Fields(f)) if f[0].0 == "new" && f[0].1.contains("至少 10 位")),
        "{e:?}"
    );
    let e = app
        .store
        .change_password(u.id, "a long password", "admin123456", None)
        .await;
    assert!(
        matches!(&e, Err(StoreError::Fields(f)) if f[0].1.contains("common")),
        "{e:?}"
    );
    app.store
        .change_password(u.id, "a long password", "another long one", None)
        .await
        .unwrap();
}

/// A session unused for the idle time ends; one in use is kept; ended sessions are purged.
async fn idle_sessions_end(pg: bool) {
    let idle = time::Duration::seconds(2);
    let app = spawn(pg, |st| st.session_idle = idle).await;
    add(&app.store, "active", "a long password").await;
    add(&app.store, "idle", "a long password").await;
    let (busy, quiet) = (client(), client());
    assert_eq!(
        api_login(&app, &busy, "active", "a long password")
            .await
            .status(),
        200
    );
    assert_eq!(
        api_login(&app, &quiet, "idle", "a long password")
            .await
            .status(),
        200
    );
    let me = |c: &reqwest::Client| c.get(format!("{}/api/me", app.base)).send();
    for _ in 0..10 {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(me(&busy).await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(me(&busy).await.unwrap().status(), StatusCode::OK);
    assert_eq!(me(&quiet).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // The page's session ends too: the pages send the browser to sign in.
    let (_, html) = page(&quiet, &format!("{}/tasks", app.base)).await;
    assert!(html.contains(r#"action="/login""#), "{html}");
    assert!(app.store.purge_sessions(idle).await.unwrap() >= 1);
    assert_eq!(me(&busy).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn idle_sessions_end_sqlite() {
    idle_sessions_end(false).await
}

#[tokio::test]
async fn idle_sessions_end_postgres() {
    idle_sessions_end(true).await
}

/// With `--secure-cookies` every cookie is `Secure` and HSTS is sent; without, neither.
#[tokio::test]
async fn secure_cookies_and_hsts() {
    for on in [false, true] {
        let app = spawn(false, |st| st.secure_cookies = on).await;
        add(&app.store, "zhangwei", "a long password").await;
        let r = api_login(&app, &client(), "zhangwei", "a long password").await;
        assert_eq!(r.status(), StatusCode::OK);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.starts_with("kaohe_session="), "{cookie}");
        assert_eq!(cookie.ends_with("; Secure"), on, "{cookie}");
        assert_eq!(
            r.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap().to_string()),
            on.then(|| "max-age=31536000".to_string())
        );
        // The sign-in page's own cookie as well.
        let r = client()
            .get(format!("{}/login", app.base))
            .send()
            .await
            .unwrap();
        for c in r.headers().get_all("set-cookie") {
            assert_eq!(c.to_str().unwrap().contains("; Secure"), on, "{c:?}");
        }
    }
}

/// `/readyz` answers 200 once the jobs have run and the database answers, 503 with the
/// reason before; every answer carries a request id (the client's own when it sends one).
#[tokio::test]
async fn readyz_and_request_ids() {
    // Without the jobs running (the router alone), not ready, and why.
    let store = fresh(false).await;
    store.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = kaohe_server::router(AppState::new(store));
    tokio::spawn(async move { axum::serve(listener, router).await });
    let (s, body) = send(client().get(format!("{base}/readyz"))).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["reasons"][0]
            .as_str()
            .unwrap()
            .contains("has not run yet"),
        "{body}"
    );
    assert_eq!(body["database"], "ok");

    let app = spawn(false, |_| {}).await;
    let mut ready = false;
    for _ in 0..50 {
        let (s, body) = send(client().get(format!("{}/readyz", app.base))).await;
        if s == StatusCode::OK {
            assert_eq!(body["ready"], true, "{body}");
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "/readyz never became ready");
    let r = client()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 16, "{id}");
    let r = client()
        .get(format!("{}/api/me", app.base))
        .header("x-request-id", "lb-1234.abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["x-request-id"], "lb-1234.abc");
    // One that is not plain is replaced.
    let r = client()
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "a b")
        .send()
        .await
        .unwrap();
    assert_ne!(r.headers()["x-request-id"], "a b");
}
