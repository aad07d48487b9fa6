//! Two `kaohe serve` processes on one PostgreSQL database behave as one system: a session
//! made on one is valid on the other, concurrent writes through both keep one audit chain,
//! and two writers to one appraisal through different servers get one 200 and one 409;
//! wrong passwords alternating between them lock the name on both, through a restart.

use kaohe_store::test_support::fresh_pg_database as fresh_pg;
use serde_json::{Value, json};
use std::process::{Command, Stdio};

use crate::common::{Proc as Server, free_port};

fn kaohe(url: &str, args: &[&str], password: Option<&str>) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    c.args(args).env("KAOHE_DATABASE_URL", url);
    if let Some(p) = password {
        c.env("KAOHE_PASSWORD", p);
    }
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

async fn serve(url: &str) -> (Server, String) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("KAOHE_DATABASE_URL", url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Held at once, so the process is killed and waited for however the test ends.
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return (server, base);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("kaohe serve did not start on {base}");
}

async fn send(rb: reqwest::RequestBuilder) -> (u16, Value) {
    let r = rb.send().await.unwrap();
    let s = r.status().as_u16();
    let t = r.text().await.unwrap();
    (s, serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

#[tokio::test]
async fn two_servers_on_one_postgres_database_are_one_system() {
    let url = fresh_pg("two").await;
    kaohe(&url, &["migrate"], None);
    kaohe(
        &url,
        &["user", "add", "hr", "--role", "hr_admin"],
        Some("a long password"),
    );
    let (_a, a) = serve(&url).await;
    let (_b, b) = serve(&url).await;
    // Signed in on A, known on B: sessions live in the database.
    let login = reqwest::Client::new()
        .post(format!("{a}/api/login"))
        .json(&json!({"username": "hr", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let c = {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("cookie", cookie.parse().unwrap());
        reqwest::Client::builder()
            .default_headers(h)
            .build()
            .unwrap()
    };
    let (s, me) = send(c.get(format!("{b}/api/me"))).await;
    assert_eq!((s, me["username"].as_str()), (200, Some("hr")));

    // Departments created through both at once: all there, one intact chain.
    let mut jobs = Vec::new();
    for i in 0..20 {
        let base = if i % 2 == 0 { a.clone() } else { b.clone() };
        let c = c.clone();
        jobs.push(tokio::spawn(async move {
            send(c.post(format!("{base}/api/departments")).json(&json!({
                "code": format!("D{i:02}"), "name": format!("部门{i}"), "kind": "line"
            })))
            .await
            .0
        }));
    }
    for j in jobs {
        assert_eq!(j.await.unwrap(), 201);
    }
    let (_, depts) = send(c.get(format!("{a}/api/departments"))).await;
    assert_eq!(depts.as_array().unwrap().len(), 20);
    let (_, v) = send(c.get(format!("{b}/api/audit/verify"))).await;
    assert_eq!(v["intact"], true, "{v}");

    // One appraisal, written through A and B from the same version: one wins.
    let org = "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号\nS001,王强,SC,市场部,业务,市场部经理,\nE001,张伟,SC,市场部,业务,大客户经理,S001\n";
    assert_eq!(
        send(c.post(format!("{a}/api/org/import")).body(org))
            .await
            .0,
        200
    );
    let f01 = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../templates/F01.toml"
    ))
    .unwrap();
    assert_eq!(
        send(c.post(format!("{b}/api/templates")).body(f01)).await.0,
        201
    );
    let (s, cy) = send(c.post(format!("{a}/api/cycles")).json(&json!({
        "name": "两台服务器", "form_id": "F01", "period": "2026-11"
    })))
    .await;
    assert_eq!(s, 201, "{cy}");
    let id = cy["id"].as_i64().unwrap();
    assert_eq!(
        send(c.post(format!("{b}/api/cycles/{id}/launch"))).await.0,
        200
    );
    let (_, list) = send(c.get(format!("{a}/api/appraisals?cycle_id={id}"))).await;
    let ap = list[0]["id"].as_i64().unwrap();
    let v = list[0]["version"].as_i64().unwrap();
    let (r1, r2) = tokio::join!(
        send(
            c.put(format!("{a}/api/appraisals/{ap}/values"))
                .json(&json!({"version": v, "values": {"monthly_bonus": "3000"}}))
        ),
        send(
            c.put(format!("{b}/api/appraisals/{ap}/values"))
                .json(&json!({"version": v, "values": {"authorised_work": "18"}}))
        ),
    );
    let mut codes = [r1.0, r2.0];
    codes.sort();
    assert_eq!(codes, [200, 409], "{r1:?} {r2:?}");
    let (_, v) = send(c.get(format!("{a}/api/audit/verify"))).await;
    assert_eq!(v["intact"], true, "{v}");
}

/// A sign-in through the API: the status, the error code and the Retry-After seconds.
async fn login(base: &str, user: &str, password: &str) -> (u16, String, Option<u64>) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/login"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body: Value = r.json().await.unwrap_or(Value::Null);
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (status, code, retry)
}

#[tokio::test]
async fn two_servers_share_the_sign_in_lockout_through_a_restart() {
    let url = fresh_pg("lock").await;
    kaohe(&url, &["migrate"], None);
    for user in ["zhangwei", "lina"] {
        kaohe(
            &url,
            &["user", "add", user, "--role", "employee"],
            Some("the right password"),
        );
    }
    let (a_proc, a) = serve(&url).await;
    let (_b, b) = serve(&url).await;
    // Five wrong passwords, alternating A, B, A, B, A: the fifth locks the name.
    let mut codes = Vec::new();
    for i in 0..5 {
        let base = if i % 2 == 0 { &a } else { &b };
        codes.push(login(base, "zhangwei", "a wrong guess").await.0);
    }
    assert_eq!(
        codes,
        [401, 401, 401, 401, 429],
        "counted across both servers"
    );
    // The sixth, with the right password, is refused on either server: 429, with a wait.
    for base in [&a, &b] {
        let (status, code, retry) = login(base, "ZhangWei", "the right password").await;
        assert_eq!(
            (status, code.as_str()),
            (429, "too_many_attempts"),
            "on {base}"
        );
        assert!(
            retry.is_some_and(|s| s > 13 * 60 && s <= 15 * 60),
            "Retry-After {retry:?}"
        );
    }
    // Another name is not affected.
    assert_eq!(login(&b, "lina", "the right password").await.0, 200);
    // A restarts: the lockout holds there and on B.
    drop(a_proc);
    let (_a, a) = serve(&url).await;
    for base in [&a, &b] {
        let (status, code, _) = login(base, "zhangwei", "the right password").await;
        assert_eq!(
            (status, code.as_str()),
            (429, "too_many_attempts"),
            "after the restart, on {base}"
        );
    }
}
