//! `kaohe bench pages`: the synthetic company of `bench cycle` (10,000 appraisees by
//! default) on a fresh SQLite file, with grades on F01, a few appeals and a reviewer's view;
//! the server started in-process on a local port; each page fetched ~20 times with a
//! session cookie. Prints the median and p95 time per page (localhost round trip: the
//! server's time plus a few microseconds) against the 100 ms target.

use anyhow::{Context, Result};
use clap::Args;
use kaohe_store::{Backend, Db, Grant, NewUser, Role, Store, connect};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Args)]
pub struct PagesArgs {
    /// Appraisees in the synthetic company.
    #[arg(long, default_value_t = 10_000)]
    pub employees: usize,
    /// Requests per page (after two to warm up).
    #[arg(long, default_value_t = 20)]
    pub requests: usize,
}

/// The target per page.
const TARGET_MS: f64 = 100.0;

/// F01 with grade bands, so the results page has a distribution to chart.
const GRADES: &str = "\n[[grade]]\nname = \"A\"\nmin = 90\n\n[[grade]]\nname = \"B\"\nmin = 75\n\n[[grade]]\nname = \"C\"\nmin = 60\n\n[[grade]]\nname = \"D\"\n";

pub fn run(a: &PagesArgs) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("kaohe-bench-pages-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        let store = connect(&url).await?;
        store.migrate().await?;
        let r = bench(&store, a).await;
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
        r
    })
}

/// GET `path` with the session cookie; the status and the time to the last byte.
async fn get(addr: std::net::SocketAddr, cookie: &str, path: &str) -> Result<(u16, Duration)> {
    let (status, took, _) = request(addr, cookie, "GET", path, None).await?;
    Ok((status, took))
}

/// One request with the session cookie (and a body with its content type); the status,
/// the time to the last byte, and the response (head and body).
pub(crate) async fn request(
    addr: std::net::SocketAddr,
    cookie: &str,
    method: &str,
    path: &str,
    body: Option<(&str, &[u8])>,
) -> Result<(u16, Duration, String)> {
    let t = Instant::now();
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: kaohe_session={cookie}\r\nConnection: close\r\n"
    )
    .into_bytes();
    match body {
        Some((ct, b)) => {
            req.extend_from_slice(
                format!("Content-Type: {ct}\r\nContent-Length: {}\r\n\r\n", b.len()).as_bytes(),
            );
            req.extend_from_slice(b);
        }
        None => req.extend_from_slice(b"\r\n"),
    }
    s.write_all(&req).await?;
    let mut buf = Vec::with_capacity(1 << 16);
    s.read_to_end(&mut buf).await?;
    let took = t.elapsed();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, took, text))
}

/// Targets of the heavier pages (server time, one request each).
const IMPORT_TARGET_MS: f64 = 2000.0;
const BATCH_TARGET_MS: f64 = 3000.0;
/// Rows of the import preview and appraisals of the batch approval.
const IMPORT_ROWS: usize = 10_000;
const BATCH: usize = 1_000;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn bench(store: &Db, a: &PagesArgs) -> Result<ExitCode> {
    let n = a.employees;
    let source = crate::bundled::BUNDLED
        .iter()
        .find(|(id, _, _)| *id == "F01")
        .map(|(_, s, _)| format!("{s}{GRADES}"))
        .context("F01 is bundled")?;
    let cycle = crate::bench_cycle::build(store, n, Some(&source)).await?;
    // A supervisor with an inbox of 100 ratings; a handful of appeals for the queue.
    store
        .create_user(
            "bench",
            &NewUser {
                username: "zhuguan".into(),
                password: "bench password".into(),
                emp_no: Some("S000000".into()),
                grants: vec![Grant {
                    role: Role::Rater,
                    department_id: None,
                }],
                lang: "zh-CN".into(),
            },
        )
        .await?;
    if store.backend() == Backend::Sqlite {
        sqlx::query(
            "UPDATE appraisals SET state = 'appealed', published_at = $1, \
             appeal = '{\"reason\":\"销售数据有误\",\"items\":[\"sales\"],\"at\":\"2026-12-02T08:00:00.000000Z\"}' \
             WHERE cycle_id = $2 AND id IN (SELECT id FROM appraisals WHERE cycle_id = $3 ORDER BY id LIMIT 30)",
        )
        .bind(kaohe_store::now())
        .bind(cycle)
        .bind(cycle)
        .execute(store.pool())
        .await?;
    }
    let depts = store.departments().await?;
    let sc = depts
        .iter()
        .find(|d| d.code == "SC")
        .map(|d| d.id)
        .context("SC")?;
    let hr = store.user_by_name("hr").await?.context("hr")?;
    let boss = store.user_by_name("zhuguan").await?.context("zhuguan")?;
    let sheet = store
        .appraisals(
            &hr,
            Some(cycle),
            None,
            kaohe_store::Page {
                offset: 5000.min(n as i64 - 1),
                limit: 1,
            },
        )
        .await?
        .first()
        .map(|a| a.id)
        .context("an appraisal")?;
    let hr_cookie = store
        .create_session(hr.id, time::Duration::hours(1))
        .await?;
    let boss_cookie = store
        .create_session(boss.id, time::Duration::hours(1))
        .await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(kaohe_server::serve(
        kaohe_server::AppState::new(store.clone()),
        listener,
    ));
    let pages: Vec<(&str, &str, String)> = vec![
        ("cycle progress", &hr_cookie, format!("/hr/cycles/{cycle}")),
        ("cycles list", &hr_cookie, "/hr/cycles".into()),
        (
            "results, first page",
            &hr_cookie,
            format!("/hr/cycles/{cycle}/results"),
        ),
        (
            "results by total, page 50",
            &hr_cookie,
            format!("/hr/cycles/{cycle}/results?sort=total&dir=desc&page=50"),
        ),
        ("appeals queue", &hr_cookie, "/hr/appeals".into()),
        ("audit viewer", &hr_cookie, "/hr/audit".into()),
        (
            "audit, text filter",
            &hr_cookie,
            "/hr/audit?q=launch".into(),
        ),
        (
            "employee trend",
            &hr_cookie,
            "/hr/employees/E0000007".into(),
        ),
        (
            "department grid",
            &hr_cookie,
            format!("/cycles/{cycle}/departments/{sc}"),
        ),
        ("tasks inbox (supervisor)", &boss_cookie, "/tasks".into()),
        (
            "appraisal sheet",
            &hr_cookie,
            format!("/appraisals/{sheet}"),
        ),
    ];
    crate::outln!(
        "bench pages: {n} appraisees, {} requests per page, SQLite (median / p95, target ≤ {TARGET_MS} ms)",
        a.requests
    );
    let mut slow = 0;
    for (what, cookie, path) in &pages {
        let mut times = Vec::with_capacity(a.requests);
        for i in 0..a.requests + 2 {
            let (status, took) = get(addr, cookie, path).await?;
            anyhow::ensure!(status == 200, "{path}: HTTP {status}");
            if i >= 2 {
                times.push(ms(took));
            }
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let p95 = times[((times.len() as f64 * 0.95).ceil() as usize).saturating_sub(1)];
        let ok = p95 <= TARGET_MS;
        if !ok {
            slow += 1;
        }
        crate::outln!(
            "  {what:<28} {median:>8.1} ms {p95:>8.1} ms  {}  {path}",
            if ok { "ok" } else { "SLOW" }
        );
    }
    // HR previews an import of 10,000 rows (a dry run: read, matched, checked, old → new).
    // The appraisals a page at a time (the store gives at most 1,000 at once).
    let mut list = Vec::new();
    while list.len() < IMPORT_ROWS {
        let page = store
            .appraisals(
                &hr,
                Some(cycle),
                None,
                kaohe_store::Page {
                    offset: list.len() as i64,
                    limit: 1000,
                },
            )
            .await?;
        let n = page.len();
        list.extend(page);
        if n < 1000 {
            break;
        }
    }
    let mut csv = String::from("工号,姓名,实际完成（万元）\n");
    let list: Vec<_> = list
        .into_iter()
        .filter(|a| a.state == kaohe_core::workflow::State::Rating)
        .collect();
    for (i, a) in list.iter().enumerate() {
        csv.push_str(&format!("{},{},{}\n", a.emp_no, a.name, 50 + i % 100));
    }
    let path = format!(
        "/api/cycles/{cycle}/import?dry_run=true&map=%7B%22%E5%AE%9E%E9%99%85%E5%AE%8C%E6%88%90%EF%BC%88%E4%B8%87%E5%85%83%EF%BC%89%22%3A%22sales_actual%22%7D"
    );
    let (status, took, body) = request(
        addr,
        &hr_cookie,
        "POST",
        &path,
        Some(("text/csv", csv.as_bytes())),
    )
    .await?;
    anyhow::ensure!(
        status == 200,
        "import preview: HTTP {status}: {}",
        &body[..body.len().min(400)]
    );
    let ok = ms(took) <= IMPORT_TARGET_MS;
    slow += usize::from(!ok);
    crate::outln!(
        "  {:<28} {:>8.1} ms {:>11}  {}  {} rows, dry run",
        "import preview",
        ms(took),
        format!("≤ {IMPORT_TARGET_MS} ms"),
        if ok { "ok" } else { "SLOW" },
        list.len()
    );

    // An approver approves 1,000 appraisals at once from the inbox.
    if store.backend() == Backend::Sqlite {
        sqlx::query(
            "UPDATE appraisals SET state = 'approval' WHERE cycle_id = $1 AND state <> 'appealed' \
             AND id IN (SELECT id FROM appraisals WHERE cycle_id = $2 ORDER BY id DESC LIMIT $3)",
        )
        .bind(cycle)
        .bind(cycle)
        .bind(BATCH as i64)
        .execute(store.pool())
        .await?;
    }
    store
        .create_user(
            "bench",
            &NewUser {
                username: "shenpi".into(),
                password: "bench password".into(),
                emp_no: None,
                grants: vec![Grant {
                    role: Role::Approver,
                    department_id: None,
                }],
                lang: "zh-CN".into(),
            },
        )
        .await?;
    let approver = store.user_by_name("shenpi").await?.context("shenpi")?;
    let ap_cookie = store
        .create_session(approver.id, time::Duration::hours(1))
        .await?;
    let (status, list_took, html) =
        request(addr, &ap_cookie, "GET", "/tasks/batch/approve", None).await?;
    anyhow::ensure!(status == 200, "batch list: HTTP {status}");
    let csrf = html
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .context("a CSRF field")?
        .to_string();
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("csrf", &csrf);
    form.append_pair("confirm", "1");
    let mut picked = 0;
    for part in html.split(r#"name="v."#).skip(1) {
        let (id, rest) = part.split_once('"').context("a version field")?;
        let v = rest
            .split(r#"value=""#)
            .nth(1)
            .and_then(|r| r.split('"').next())
            .context("a version")?;
        form.append_pair("pick", id);
        form.append_pair(&format!("v.{id}"), v);
        picked += 1;
    }
    let body = form.finish();
    let (status, took, html) = request(
        addr,
        &ap_cookie,
        "POST",
        "/tasks/batch/approve",
        Some(("application/x-www-form-urlencoded", body.as_bytes())),
    )
    .await?;
    anyhow::ensure!(status == 200, "batch approval: HTTP {status}");
    anyhow::ensure!(
        html.contains(&format!("已审批通过：{picked} 份")),
        "batch approval: not all {picked} were approved"
    );
    let ok = ms(took) <= BATCH_TARGET_MS;
    slow += usize::from(!ok);
    crate::outln!(
        "  {:<28} {:>8.1} ms {:>11}  {}  {picked} appraisals (the list of them: {:.1} ms)",
        "batch approval",
        ms(took),
        format!("≤ {BATCH_TARGET_MS} ms"),
        if ok { "ok" } else { "SLOW" },
        ms(list_took)
    );
    server.abort();
    Ok(if slow == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
