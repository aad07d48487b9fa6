//! Shared by the HTTP tests: a real server on a free port over a fresh database.
#![allow(dead_code)]

use kaohe_server::{AppState, serve};
use kaohe_store::{Db, Grant, NewUser, Role, Store, connect};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};

static N: AtomicUsize = AtomicUsize::new(0);

pub struct App {
    pub base: String,
    pub store: Db,
    pub setup_token: String,
}

pub async fn fresh(pg: bool) -> Db {
    let n = N.fetch_add(1, Ordering::SeqCst);
    if !pg {
        let dir = std::env::temp_dir().join(format!("kaohe-api-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        return connect(&format!("sqlite://{}", dir.join("kaohe.db").display()))
            .await
            .unwrap();
    }
    let admin = std::env::var("KAOHE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let pool = sqlx::PgPool::connect(&admin).await.unwrap_or_else(|e| {
        panic!("PostgreSQL is required for the API tests and is not reachable at {admin}: {e}")
    });
    kaohe_store::test_support::drop_ended_test_databases(&pool).await;
    let name = format!("kaohe_test_api_{}_{n}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').unwrap().0;
    connect(&format!("{base}/{name}")).await.unwrap()
}

pub async fn spawn_app(pg: bool) -> App {
    spawn_app_with(pg, false).await
}

/// A server as `kaohe serve --demo` starts it (the sign-in page names the demo users).
pub async fn spawn_app_with(pg: bool, demo: bool) -> App {
    spawn_app_configured(pg, |state| state.demo = demo).await
}

/// A server whose state `configure` adjusts first (e.g. the PDF queue's limits).
pub async fn spawn_app_configured(pg: bool, configure: impl FnOnce(&mut AppState<Db>)) -> App {
    let store = fresh(pg).await;
    store.migrate().await.unwrap();
    let mut state = AppState::new(store.clone());
    configure(&mut state);
    *state.setup_token.lock().unwrap() = Some("one-time-token".into());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(state, listener));
    App {
        base: format!("http://{addr}"),
        store,
        setup_token: "one-time-token".into(),
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

impl App {
    pub async fn user(&self, name: &str, role: Role) -> reqwest::Client {
        self.store
            .create_user(
                "test",
                &NewUser {
                    username: name.into(),
                    password: "a long password".into(),
                    emp_no: None,
                    grants: vec![Grant {
                        role,
                        department_id: None,
                    }],
                    lang: "zh-CN".into(),
                },
            )
            .await
            .unwrap();
        let c = client();
        let r = c
            .post(format!("{}/api/login", self.base))
            .json(&json!({"username": name, "password": "a long password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        c
    }
}

/// Send a request; the status and the body as JSON (or as a JSON string when it is not JSON).
pub async fn send(rb: reqwest::RequestBuilder) -> (StatusCode, serde_json::Value) {
    let r = rb.send().await.unwrap();
    let s = r.status();
    let text = r.text().await.unwrap();
    (
        s,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// Add a user whose password is "a long password".
pub async fn add_user(app: &App, name: &str, emp_no: Option<&str>, grants: Vec<Grant>) {
    app.store
        .create_user(
            "test",
            &NewUser {
                username: name.into(),
                password: "a long password".into(),
                emp_no: emp_no.map(str::to_string),
                grants,
                lang: "zh-CN".into(),
            },
        )
        .await
        .unwrap();
}

/// A client signed in through the JSON API.
pub async fn login(app: &App, name: &str) -> reqwest::Client {
    let c = client();
    let r = c
        .post(format!("{}/api/login", app.base))
        .json(&json!({"username": name, "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{name} signs in");
    c
}

// ---- The pages, as a browser uses them ----

/// A page's HTML, with its status.
pub async fn page(c: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The value of the first `name="csrf"` field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a CSRF field");
    let rest = &html[at + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

pub fn version_of(html: &str) -> String {
    let at = html
        .find(r#"name="version" value=""#)
        .expect("a version field");
    let rest = &html[at + r#"name="version" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// POST a form (fields may repeat); the response after redirects, with its final path.
pub async fn post_form(
    c: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let r = c
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let path = r.url().path().to_string();
    (r.status(), path, r.text().await.unwrap())
}

/// POST a `multipart/form-data` form as a browser sends it: text fields and one file.
pub async fn post_multipart(
    c: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> (StatusCode, String, String) {
    let b = "----kaoheTestBoundary7MA4YWxkTrZu0gW";
    let mut body: Vec<u8> = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, filename, data)) = file {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    let r = c
        .post(url)
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let path = r.url().path().to_string();
    (r.status(), path, r.text().await.unwrap())
}

/// Open the sign-in page at `url` (`…/login`, maybe with `?lang=`) and submit its form;
/// the response after redirects, with its final path.
pub async fn submit_login(
    c: &reqwest::Client,
    url: &str,
    name: &str,
    password: &str,
) -> (StatusCode, String, String) {
    let (_, html) = page(c, url).await;
    post_form(
        c,
        url,
        &[
            ("csrf", &csrf_of(&html)),
            ("username", name),
            ("password", password),
            ("next", "/tasks"),
        ],
    )
    .await
}

/// Sign in through the page's form, as a browser does (the session cookie is kept).
pub async fn web_login(app: &App, name: &str) -> reqwest::Client {
    let c = client();
    let url = format!("{}/login", app.base);
    let (s, path, html) = submit_login(&c, &url, name, "a long password").await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/tasks"), "{html}");
    c
}

/// A page has no missing message and reads in the language asked for.
pub fn assert_complete(url: &str, html: &str) {
    assert!(
        !html.contains(kaohe_server::web::i18n::MISSING_OPEN),
        "{url}: a message key is missing:\n{html}"
    );
}

/// Each named test runs twice, on SQLite and on PostgreSQL, on a fresh database.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::spawn_app(false).await).await })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::spawn_app(true).await).await })* }
    };
}
pub(crate) use both;
