//! The outbox survives a crash (issue 17): `kaohe serve` is killed with SIGKILL while
//! 10,000 messages are queued for a local webhook receiver; restarted, it delivers every
//! one, each to its own recipient, none lost (a message in flight at the kill may arrive
//! twice: delivery is at least once, and receivers de-duplicate on `webhook-id`). And two
//! servers on one PostgreSQL database delivering at once never deliver one message twice at
//! the same time — nor at all, when nothing fails.

use kaohe_store::test_support::fresh_pg_database as fresh_pg;
use kaohe_store::{Db, NewChannel, Store};
use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{Proc as Server, free_port};

const N: usize = 10_000;

#[derive(Default)]
struct Seen {
    /// Deliveries per webhook-id.
    count: HashMap<String, usize>,
    /// Webhook-ids being delivered right now.
    in_flight: HashSet<String>,
    /// A webhook-id delivered while a delivery of it was still under way.
    overlaps: Vec<String>,
    /// A message whose body names another recipient or text than its id's.
    wrong: Vec<String>,
}

#[derive(Clone, Default)]
struct Rx(Arc<Mutex<Seen>>);

async fn receive(
    axum::extract::State(rx): axum::extract::State<Rx>,
    h: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    let id = h
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    {
        let mut s = rx.0.lock().unwrap();
        if !s.in_flight.insert(id.clone()) {
            s.overlaps.push(id.clone());
        }
    }
    // Hold the delivery a moment, so that a second one of the same message would overlap.
    tokio::time::sleep(Duration::from_millis(2)).await;
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut s = rx.0.lock().unwrap();
    s.in_flight.remove(&id);
    // The outbox key `crash:{i}:u…` → recipient `u{i}`, text `message {i}`.
    let i = id
        .strip_prefix("crash:")
        .and_then(|r| r.split(':').next())
        .unwrap_or("?");
    if v["data"]["recipient"] != format!("u{i}") || v["data"]["text"] != format!("message {i}") {
        s.wrong.push(format!("{id}: {v}"));
    }
    *s.count.entry(id).or_default() += 1;
    axum::http::StatusCode::NO_CONTENT
}

async fn receiver() -> (String, Rx) {
    let rx = Rx::default();
    let app = axum::Router::new().fallback(receive).with_state(rx.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await });
    (format!("http://{addr}/hook"), rx)
}

impl Rx {
    fn distinct(&self) -> usize {
        self.0.lock().unwrap().count.len()
    }
    fn total(&self) -> usize {
        self.0.lock().unwrap().count.values().sum()
    }
    /// Wait until `n` distinct messages have arrived (at most `secs`).
    async fn wait(&self, n: usize, secs: u64) {
        let until = Instant::now() + Duration::from_secs(secs);
        while self.distinct() < n && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn fresh_sqlite(tag: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kaohe-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite://{}", dir.join("kaohe.db").display())
}

/// A migrated database with a webhook channel to `hook` and `N` messages queued for it,
/// message `i` to recipient `u{i}`.
async fn queued(url: &str, hook: &str) -> Db {
    let db = kaohe_store::connect(url).await.unwrap();
    db.migrate().await.unwrap();
    let ch = db
        .save_channel(
            "test",
            None,
            &NewChannel {
                kind: "webhook".into(),
                name: "hook".into(),
                url: hook.into(),
                secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
                enabled: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let at = kaohe_store::now();
    for chunk in (0..N).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!(
                    "('test', 'u{i}', 'zh-CN', {ch}, '', '{{\"args\":{{\"text\":\"message {i}\"}}}}', '/', 'crash:{i}:u{i}:c{ch}', 'pending', 0, '{at}', '{at}')",
                    ch = ch.id
                )
            })
            .collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO outbox (kind, recipient, lang, channel_id, text_key, args, link, idem_key, status, attempts, next_attempt_at, created_at) VALUES {}",
            rows.join(", ")
        )))
        .execute(db.pool())
        .await
        .unwrap();
    }
    db
}

async fn serve(url: &str) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("KAOHE_DATABASE_URL", url)
        // A killed server's claims run out after 2 s (not the default 2 minutes).
        .env("KAOHE_NOTIFY_LEASE_SECS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("kaohe serve did not start on {base}");
}

async fn count(db: &Db, status: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE status = $1")
        .bind(status)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get::<i64, _>("n")
}

/// The messages recorded delivered, once all are or after 10 s.
async fn delivered(db: &Db) -> i64 {
    let until = Instant::now() + Duration::from_secs(10);
    while count(db, "delivered").await < N as i64 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    count(db, "delivered").await
}

async fn a_killed_server_loses_no_message(url: &str) {
    let (hook, rx) = receiver().await;
    let db = queued(url, &hook).await;
    let start = Instant::now();
    let mut server = serve(url).await;
    rx.wait(N / 5, 30).await;
    // kill -9 mid-delivery.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    let at_kill = rx.distinct();
    assert!(at_kill < N, "all {N} delivered before the kill");
    assert!(count(&db, "pending").await > 0);
    let _server = serve(url).await;
    rx.wait(N, 50).await;
    let elapsed = start.elapsed();
    {
        let s = rx.0.lock().unwrap();
        assert_eq!(
            s.count.len(),
            N,
            "messages lost: {} of {N} arrived",
            s.count.len()
        );
        assert!(
            s.wrong.is_empty(),
            "to the wrong recipient: {:?}",
            &s.wrong[..s.wrong.len().min(5)]
        );
        // Only those in flight at the kill (at most one batch of 50) may have arrived twice.
        let twice = s.count.values().filter(|n| **n > 1).count();
        assert!(twice <= 50, "{twice} delivered twice");
    }
    assert_eq!(delivered(&db).await, N as i64);
    eprintln!(
        "{N} messages: {at_kill} delivered before kill -9, all {N} after the restart ({} requests) in {:.1} s",
        rx.total(),
        elapsed.as_secs_f64()
    );
}

#[tokio::test]
async fn a_killed_server_loses_no_message_sqlite() {
    a_killed_server_loses_no_message(&fresh_sqlite("crash")).await;
}

#[tokio::test]
async fn a_killed_server_loses_no_message_postgres() {
    a_killed_server_loses_no_message(&fresh_pg("crash").await).await;
}

#[tokio::test]
async fn two_servers_never_deliver_one_message_at_once() {
    let url = fresh_pg("deliver2").await;
    let (hook, rx) = receiver().await;
    let db = queued(&url, &hook).await;
    let start = Instant::now();
    let _a = serve(&url).await;
    let _b = serve(&url).await;
    rx.wait(N, 50).await;
    let elapsed = start.elapsed();
    // A moment for a stray second delivery to show.
    tokio::time::sleep(Duration::from_millis(500)).await;
    {
        let s = rx.0.lock().unwrap();
        assert_eq!(s.count.len(), N, "messages lost");
        assert!(
            s.overlaps.is_empty(),
            "delivered twice at once: {:?}",
            &s.overlaps[..s.overlaps.len().min(5)]
        );
        assert!(
            s.wrong.is_empty(),
            "to the wrong recipient: {:?}",
            &s.wrong[..s.wrong.len().min(5)]
        );
        let total: usize = s.count.values().sum();
        assert_eq!(total, N, "some message delivered twice");
    }
    assert_eq!(delivered(&db).await, N as i64);
    eprintln!(
        "{N} messages by two servers in {:.1} s",
        elapsed.as_secs_f64()
    );
}
