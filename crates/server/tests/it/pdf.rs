//! PDFs under load, as people notice it: many PDFs asked for at once get either a real
//! PDF or a 503/429 that says when to try again, while the rest of the server keeps
//! answering; one person asking for five at once gets their two and a 429 for the rest;
//! a Chromium that hangs is stopped at the time limit, with everything it started, and
//! the person is told so. The first test prints with the real Chromium; the others use a
//! stand-in script, so that their timing is certain.

use crate::common;

use common::{App, send, spawn_app_configured};
use kaohe_server::pdf::{PdfLimits, PdfQueue};
use kaohe_store::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORG: &str = "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号
S001,王强,SC,市场部,业务,市场部经理,
A001,张伟,SC,市场部,业务,大客户经理,S001
A002,李娜,SC,市场部,业务,大客户经理,S001
";

/// A server with these PDF limits, an organisation and a launched F01 cycle; the HR
/// clients (`hr0`, `hr1`, …) and the cycle.
async fn company(
    limits: PdfLimits,
    hr_users: usize,
) -> (App, Arc<PdfQueue>, Vec<reqwest::Client>, i64) {
    let queue = Arc::new(PdfQueue::new(limits));
    let q = queue.clone();
    let app = spawn_app_configured(false, move |st| st.pdf = q).await;
    let mut hrs = Vec::new();
    for i in 0..hr_users {
        hrs.push(app.user(&format!("hr{i}"), Role::HrAdmin).await);
    }
    let hr = &hrs[0];
    let (s, b) = send(hr.post(format!("{}/api/org/import", app.base)).body(ORG)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let template = std::fs::read_to_string(format!(
        "{}/../../templates/F01.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let (s, b) = send(
        hr.post(format!("{}/api/templates", app.base))
            .body(template),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, cy) = send(hr.post(format!("{}/api/cycles", app.base)).json(&json!({
        "name": "2026-11 F01",
        "form_id": "F01",
        "period": "2026-11",
        "members": {"employees": ["A001", "A002"]},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{cy}");
    let cycle = cy["id"].as_i64().unwrap();
    let (s, l) = send(hr.post(format!("{}/api/cycles/{cycle}/launch", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    (app, queue, hrs, cycle)
}

/// What one PDF request got: status, Retry-After, the body (PDF bytes or JSON), and how
/// long it took.
struct Got {
    status: StatusCode,
    retry_after: Option<u64>,
    body: Vec<u8>,
    took: Duration,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

async fn get_pdf(c: reqwest::Client, url: String) -> Got {
    let t = Instant::now();
    let r = c.get(url).send().await.unwrap();
    let status = r.status();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let body = r.bytes().await.unwrap().to_vec();
    Got {
        status,
        retry_after,
        body,
        took: t.elapsed(),
    }
}

/// Every answer is a real PDF, or a 503/429 with a Retry-After and a message in both
/// languages.
fn check(g: &Got) {
    match g.status {
        StatusCode::OK => assert!(g.body.starts_with(b"%PDF-"), "a 200 that is no PDF"),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
            assert!(
                g.retry_after.is_some_and(|s| (1..=60).contains(&s)),
                "{} without a sensible Retry-After",
                g.status
            );
            let e = g.json();
            let (zh, en) = (
                e["error"]["message"].as_str().unwrap_or(""),
                e["error"]["message_en"].as_str().unwrap_or(""),
            );
            assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{e}");
            assert!(en.contains("try again") || en.contains("wait"), "{e}");
        }
        s => panic!("{s}: {}", String::from_utf8_lossy(&g.body)),
    }
}

/// A stand-in for Chromium: a shell script in its own folder.
fn fake_chromium(name: &str, body: &str) -> (PathBuf, PathBuf) {
    let dir =
        std::env::temp_dir().join(format!("kaohe-fake-chromium-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("chromium");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nDIR='{}'\nfor a in \"$@\"; do case \"$a\" in --print-to-pdf=*) out=\"${{a#--print-to-pdf=}}\";; esac; done\n{body}\n",
            dir.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, dir)
}

/// Twelve results PDFs at once from six HR users, printed by the real Chromium one at a
/// time with four waiting: every answer is a PDF or a 503 with Retry-After, the queue
/// never holds more than it may, and the server answers other requests meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_pdfs_at_once_are_queued_or_refused_and_the_server_keeps_answering() {
    kaohe_server::pdf::chromium(None).expect("Chromium is needed for this test");
    let (app, queue, hrs, cycle) = company(
        PdfLimits {
            workers: 1,
            queue: 4,
            ..PdfLimits::default()
        },
        6,
    )
    .await;
    let url = format!("{}/api/cycles/{cycle}/results.pdf", app.base);
    let mut tasks = Vec::new();
    for i in 0..12 {
        tasks.push(tokio::spawn(get_pdf(hrs[i % 6].clone(), url.clone())));
    }
    // While they print, the server answers at once, and the queue holds at most 1 + 4.
    let mut slowest = Duration::ZERO;
    let mut most = 0;
    let me = hrs[0].clone();
    while tasks.iter().any(|t| !t.is_finished()) {
        most = most.max(queue.in_flight());
        let t = Instant::now();
        let (s, body) = send(me.get(format!("{}/api/me", app.base))).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let r = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        slowest = slowest.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(most <= 5, "{most} PDFs in flight");
    assert!(
        slowest < Duration::from_secs(2),
        "/api/me and /healthz took {slowest:?} while PDFs printed"
    );
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    got.iter().for_each(check);
    let ok = got.iter().filter(|g| g.status == StatusCode::OK).count();
    let refused = got
        .iter()
        .filter(|g| g.status == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!(ok >= 1, "no PDF was printed");
    assert!(ok <= 5, "{ok} printed: more than the queue holds");
    assert!(refused >= 7, "only {refused} of 12 told to come back");
    let busy = got
        .iter()
        .find(|g| g.status == StatusCode::SERVICE_UNAVAILABLE)
        .unwrap()
        .json();
    assert_eq!(busy["error"]["code"], "unavailable", "{busy}");
    assert!(
        busy["error"]["message"].as_str().unwrap().contains("PDF"),
        "{busy}"
    );
    // Once the line is gone, a PDF is printed again.
    let again = get_pdf(hrs[5].clone(), url).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.starts_with(b"%PDF-"));
    assert_eq!(queue.in_flight(), 0);
}

/// One person asking for five PDFs at once gets two printed and a 429 (`busy`) with
/// Retry-After for the other three; someone else is not held up by them.
#[tokio::test]
async fn one_user_gets_two_pdfs_at_a_time() {
    let (chromium, _dir) =
        fake_chromium("slow", "sleep 1\nprintf '%%PDF-1.4 stand-in\\n' > \"$out\"");
    let (app, queue, hrs, cycle) = company(
        PdfLimits {
            workers: 2,
            chromium: Some(chromium),
            ..PdfLimits::default()
        },
        2,
    )
    .await;
    let url = format!("{}/api/cycles/{cycle}/results.pdf", app.base);
    let tasks: Vec<_> = (0..5)
        .map(|_| tokio::spawn(get_pdf(hrs[0].clone(), url.clone())))
        .collect();
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    got.iter().for_each(check);
    let ok = got.iter().filter(|g| g.status == StatusCode::OK).count();
    let busy: Vec<&Got> = got
        .iter()
        .filter(|g| g.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!((ok, busy.len()), (2, 3));
    for b in &busy {
        let e = b.json();
        assert_eq!(e["error"]["code"], "busy", "{e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains("PDF"),
            "{e}"
        );
        assert!(
            b.took < Duration::from_millis(900),
            "a 429 is answered at once"
        );
    }
    // With those two done, the same person may ask again; another may anyway.
    let (mine, theirs) = tokio::join!(
        get_pdf(hrs[0].clone(), url.clone()),
        get_pdf(hrs[1].clone(), url)
    );
    assert_eq!(
        (mine.status, theirs.status),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(queue.in_flight(), 0);
}

/// Whether process `pid` is gone (or a zombie nobody reaps yet: it runs no more).
fn gone_now(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Has the process ended (or become a zombie) within a second? A SIGKILL is delivered
/// asynchronously: on a loaded machine the process may still show for a moment after the
/// server answered.
async fn gone(pid: u32) -> bool {
    let until = Instant::now() + Duration::from_secs(1);
    loop {
        if gone_now(pid) {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn pids(dir: &Path) -> Vec<u32> {
    ["self", "child"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
        .map(|s| s.trim().parse().unwrap())
        .collect()
}

/// A Chromium that never finishes (and has started a helper) is killed at the time
/// limit, helper and all; the person gets a 503 saying the PDF took too long, promptly,
/// and their place in the queue back.
#[tokio::test]
async fn a_hanging_chromium_is_killed_with_its_children_at_the_time_limit() {
    let (chromium, dir) = fake_chromium(
        "hang",
        "sleep 300 &\necho $! > \"$DIR/child\"\necho $$ > \"$DIR/self\"\nwait",
    );
    let (app, queue, hrs, cycle) = company(
        PdfLimits {
            timeout: Duration::from_millis(700),
            chromium: Some(chromium),
            ..PdfLimits::default()
        },
        1,
    )
    .await;
    let url = format!("{}/api/cycles/{cycle}/results.pdf", app.base);
    for _ in 0..3 {
        let _ = std::fs::remove_file(dir.join("self"));
        let _ = std::fs::remove_file(dir.join("child"));
        let g = get_pdf(hrs[0].clone(), url.clone()).await;
        check(&g);
        assert_eq!(g.status, StatusCode::SERVICE_UNAVAILABLE);
        let e = g.json();
        assert_eq!(e["error"]["code"], "unavailable", "{e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains("超时"),
            "{e}"
        );
        assert!(
            e["error"]["message_en"]
                .as_str()
                .unwrap()
                .contains("took longer than 0.7 s"),
            "{e}"
        );
        assert!(
            g.took < Duration::from_secs(5),
            "answered after {:?}",
            g.took
        );
        let started = pids(&dir);
        assert_eq!(started.len(), 2, "the stand-in ran and started its helper");
        for pid in started {
            assert!(gone(pid).await, "process {pid} was left running");
        }
    }
    assert_eq!(queue.in_flight(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
