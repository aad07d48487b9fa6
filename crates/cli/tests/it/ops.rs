//! `kaohe serve` in production (issue 15): its logs on stderr, as text and as JSON — the
//! auto-confirmation job's failure with its cause, one line per request with its status and
//! latency — `/readyz`, and the warning about demo accounts that still have the demo
//! password.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Proc as Server, free_port};

/// `kaohe serve ARGS` on the database, its stderr into `log`; waits until it answers.
async fn serve(url: &str, args: &[&str], log: &Path) -> (Server, String) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(args)
        .env("KAOHE_DATABASE_URL", url)
        .env("KAOHE_AUTO_CONFIRM_SECS", "1")
        .env_remove("KAOHE_LOG")
        .env_remove("KAOHE_LOG_FORMAT")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    // The demo company takes a while to load.
    for _ in 0..1800 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return (server, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "kaohe serve did not start on {base}: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Wait until the log has a line with every one of `needles`; that line.
async fn wait_for(log: &Path, needles: &[&str]) -> String {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| needles.iter().all(|n| l.contains(n))) {
            return l.to_string();
        }
        assert!(
            Instant::now() < until,
            "no line with {needles:?} in:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A demo database in which the auto-confirmation job must fail: one appraisal is due to
/// be deemed accepted, and a trigger refuses every change to appraisals.
async fn failing_demo_db(dir: &Path) -> String {
    let file = dir.join("kaohe.db");
    let url = format!("sqlite://{}", file.display());
    {
        let _demo = serve(&url, &["--demo"], &dir.join("demo.log")).await;
    }
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    for sql in [
        "UPDATE appraisals SET state = 'published', confirm_due = '2000-01-01T00:00:00.000000Z' WHERE id = (SELECT MIN(id) FROM appraisals)",
        "CREATE TRIGGER refuse_test BEFORE UPDATE ON appraisals BEGIN SELECT RAISE(ABORT, 'refused by test'); END",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    url
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kaohe-ops-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn logs_for_people_and_as_json() {
    let dir = temp_dir("logs");
    let url = failing_demo_db(&dir).await;

    // Text (the default).
    let log = dir.join("text.log");
    let (server, base) = serve(&url, &[], &log).await;
    let line = wait_for(&log, &["auto-confirmation failed", "refused by test"]).await;
    assert!(line.contains("ERROR"), "{line}");
    let warn = wait_for(&log, &["demo accounts still have the demo password"]).await;
    assert!(
        warn.contains("WARN") && warn.contains("hr, zhuguan"),
        "{warn}"
    );
    let c = reqwest::Client::new();
    let r = c.get(format!("{base}/api/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let line = wait_for(&log, &[&id, "status=401"]).await;
    assert!(line.contains("latency_ms="), "{line}");
    assert!(
        line.contains("route=/api/me") || line.contains("route=\"/api/me\""),
        "{line}"
    );
    // The demo password is refused, and the job's failure shows in /readyz (it runs).
    let r = c
        .post(format!("{base}/api/login"))
        .json(&json!({"username": "hr", "password": "kaohe-demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["auto_confirm"]["last_error"]
            .as_str()
            .unwrap()
            .contains("refused by test"),
        "{body}"
    );
    drop(server);

    // JSON: every line parses.
    let log = dir.join("json.log");
    let (server, base) = serve(&url, &["--log-format", "json"], &log).await;
    wait_for(&log, &["refused by test"]).await;
    let r = reqwest::get(format!("{base}/healthz")).await.unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    wait_for(&log, &[&id, "\"status\":200"]).await;
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let failure = lines
        .iter()
        .find(|l| {
            l["fields"]["error"]
                .as_str()
                .is_some_and(|e| e.contains("refused by test"))
        })
        .expect("the job's failure");
    assert_eq!(failure["level"], "ERROR");
    let request = lines
        .iter()
        .find(|l| l["span"]["id"] == id.as_str() && l["fields"]["message"] == "request")
        .unwrap_or_else(|| panic!("the request's line in {text}"));
    assert_eq!(request["fields"]["status"], 200);
    assert_eq!(request["fields"]["route"], "/healthz");
    assert!(request["fields"]["latency_ms"].is_number(), "{request}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A client signed in as a demo user.
async fn demo_user(base: &str, name: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = c
        .post(format!("{base}/api/login"))
        .json(&json!({"username": name, "password": "kaohe-demo"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{name} signs in: {}", r.status());
    c
}

async fn get_json(c: &reqwest::Client, url: &str) -> Value {
    let r = c.get(url).send().await.unwrap();
    assert!(r.status().is_success(), "GET {url}: {}", r.status());
    r.json().await.unwrap()
}

/// `serve --demo bank`: about 2,000 people in 总行 → 分行 → 支行, October's F01 closed,
/// November's in rating, the quarter's F14 loaded; each user sees their part of it.
#[tokio::test]
async fn the_demo_bank() {
    let dir = temp_dir("bank");
    let url = format!("sqlite://{}", dir.join("bank.db").display());
    let log = dir.join("bank.log");
    let (_server, base) = serve(&url, &["--demo", "bank"], &log).await;
    let text = std::fs::read_to_string(&log).unwrap();
    for user in ["bj_hangzhang", "bj_renli", "zgc_hangzhang", "kehu"] {
        assert!(text.contains(user), "the start-up lists {user}: {text}");
    }
    let hr = demo_user(&base, "hr").await;
    let cycles = get_json(&hr, &format!("{base}/api/cycles")).await;
    let by_name = |n: &str| {
        cycles
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"].as_str().unwrap().contains(n))
            .unwrap_or_else(|| panic!("no cycle {n}: {cycles}"))["id"]
            .as_i64()
            .unwrap()
    };
    let (oct, nov, q4) = (by_name("10月"), by_name("11月"), by_name("第4季度"));
    let results = |c: &reqwest::Client, id: i64| {
        let c = c.clone();
        let base = base.clone();
        async move { get_json(&c, &format!("{base}/api/cycles/{id}/results?limit=1000")).await }
    };
    // October: 975 大客户经理, every one confirmed with a total and a bonus.
    let all = results(&hr, oct).await;
    assert_eq!(all["total_rows"], 975, "{}", all["total_rows"]);
    for r in all["rows"].as_array().unwrap() {
        assert_eq!(r["state"], "confirmed", "{r}");
        assert!(r["total"].is_string() && r["bonus"].is_string(), "{r}");
    }
    // The quarter's F14: 975 客户经理 with their business figures scored.
    let f14 = results(&hr, q4).await;
    assert_eq!(f14["total_rows"], 975);
    assert!(
        f14["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["total"].is_string())
    );
    // 北京分行's 行长 sees 北京分行's five 支行, nobody of 上海 or 广州.
    let bj = demo_user(&base, "bj_hangzhang").await;
    let mine = results(&bj, oct).await;
    assert_eq!(mine["total_rows"], 325);
    for r in mine["rows"].as_array().unwrap() {
        assert!(r["emp_no"].as_str().unwrap().starts_with("BJ"), "{r}");
    }
    assert_eq!(results(&bj, nov).await["total_rows"], 325);
    // 中关村支行's 行长: their 支行 only, and November's ratings in their inbox.
    let zgc = demo_user(&base, "zgc_hangzhang").await;
    let mine = results(&zgc, oct).await;
    assert_eq!(mine["total_rows"], 65);
    assert!(
        mine["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["department"] == "中关村支行")
    );
    let tasks = get_json(&zgc, &format!("{base}/api/tasks")).await;
    let to_rate = tasks
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "rate" && t["cycle_id"] == nov)
        .count();
    assert_eq!(to_rate, 65, "{tasks}");
    // …by the cycle's rule: the supervisor rater is the head of the manager's 支行.
    let c = get_json(&hr, &format!("{base}/api/cycles/{nov}")).await;
    assert_eq!(c["members"]["rules"]["supervisor"], "支行负责人", "{c}");
    // An account manager sees their own sheets only.
    let kehu = demo_user(&base, "kehu").await;
    let mine = get_json(&kehu, &format!("{base}/api/appraisals")).await;
    let mine = mine.as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|a| a["emp_no"] == "BJ01001"), "{mine:?}");
}
