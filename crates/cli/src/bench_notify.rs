//! `kaohe bench notify`: queuing the due-soon reminders of a launched F01 cycle of
//! `--employees` appraisees (their ratings due tomorrow, held by one supervisor per 100),
//! and the delivery worker's throughput to a local webhook receiver — on SQLite or
//! PostgreSQL. Each figure is printed with its target.

use crate::bench_cycle::Scratch;
use anyhow::{Context, Result};
use clap::Args;
use kaohe_store::{Db, Members, NewChannel, NewCycle, OrgRow, Store, connect};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

#[derive(Args)]
pub struct NotifyArgs {
    /// Appraisees of the cycle whose reminders are queued.
    #[arg(long, default_value_t = 100_000)]
    pub employees: usize,
    /// Messages delivered to the local webhook receiver for the throughput figure.
    #[arg(long, default_value_t = 10_000)]
    pub messages: usize,
    /// Database: a sqlite:// file (default: a fresh file in a temporary directory) or a
    /// postgres:// server, where a fresh database is created and dropped afterwards.
    #[arg(long)]
    pub database_url: Option<String>,
}

pub fn run(a: &NotifyArgs) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let scratch = Scratch::open(a.database_url.as_deref(), "notify", false).await?;
        let store = connect(&scratch.url).await?;
        store.migrate().await?;
        let r = bench(&store, a).await;
        store.close().await;
        scratch.close().await?;
        r
    })
}

fn verdict(applies: bool, met: bool) -> &'static str {
    if !applies || met { "ok" } else { "MISSED" }
}

/// A receiver that answers 204 and counts.
async fn receiver() -> Result<(String, Arc<AtomicUsize>)> {
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    let app = axum::Router::new().fallback(move || {
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::Relaxed);
            axum::http::StatusCode::NO_CONTENT
        }
    });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = l.local_addr()?;
    tokio::spawn(async move { axum::serve(l, app).await });
    Ok((format!("http://{addr}/hook"), n))
}

async fn bench(store: &Db, a: &NotifyArgs) -> Result<ExitCode> {
    let n = a.employees.max(1);
    crate::outln!("bench notify: {n} appraisees on F01, {:?}", store.backend());
    let (hook, received) = receiver().await?;
    let t = Instant::now();
    // The company: one supervisor (with an account) per 100 appraisees.
    let bosses = n.div_ceil(100);
    let mut org = Vec::with_capacity(n + bosses);
    for b in 0..bosses {
        org.push(OrgRow {
            line: org.len() + 2,
            emp_no: format!("S{b:06}"),
            name: format!("主管{b}"),
            dept_code: "SC".into(),
            dept_name: "市场部".into(),
            dept_kind: "业务".into(),
            position: "市场部经理".into(),
            ..Default::default()
        });
    }
    for i in 0..n {
        org.push(OrgRow {
            line: org.len() + 2,
            emp_no: format!("E{i:07}"),
            name: format!("客户经理{i}"),
            dept_code: "SC".into(),
            dept_name: "市场部".into(),
            dept_kind: "业务".into(),
            position: "大客户经理".into(),
            supervisor_emp_no: format!("S{:06}", i / 100),
            ..Default::default()
        });
    }
    store.import_org("bench", &org).await?;
    // Accounts for the supervisors (written directly: hashing 1,000 passwords is not what
    // is measured).
    let at = kaohe_store::now();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO users (username, password_hash, employee_id, lang, created_at) \
         SELECT 'boss' || emp_no, 'x', id, 'zh-CN', '{at}' FROM employees WHERE emp_no LIKE 'S%'"
    )))
    .execute(store.pool())
    .await?;
    store
        .publish_template(
            "bench",
            crate::bundled::BUNDLED
                .iter()
                .find(|(id, _, _)| *id == "F01")
                .map(|(_, s, _)| *s)
                .context("F01 is bundled")?,
        )
        .await?;
    let ch = store
        .save_channel(
            "bench",
            None,
            &NewChannel {
                kind: "webhook".into(),
                name: "bench".into(),
                url: hook.clone(),
                enabled: true,
                ..Default::default()
            },
        )
        .await?;
    let now = time::OffsetDateTime::now_utc();
    let tomorrow = now.date() + time::Duration::days(1);
    let cy = store
        .create_cycle(
            "bench",
            &NewCycle {
                name: "2026年11月 大客户经理考核".into(),
                form_id: "F01".into(),
                period: "2026-11".into(),
                members: Members {
                    positions: vec!["大客户经理".into()],
                    ..Default::default()
                },
                rating_due: Some(format!(
                    "{:04}-{:02}-{:02}",
                    tomorrow.year(),
                    u8::from(tomorrow.month()),
                    tomorrow.day()
                )),
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await?;
    store.launch_cycle("bench", cy.id).await?;
    let tasks = count(
        store,
        "SELECT COUNT(*) AS n FROM tasks WHERE due IS NOT NULL",
    )
    .await?;
    crate::outln!(
        "  company, accounts, launch (setup, not measured)  {:.2} s",
        t.elapsed().as_secs_f64()
    );
    let before = count(store, "SELECT COUNT(*) AS n FROM outbox").await?;

    // The reminder job's run of the day: every task due tomorrow reminded, once.
    let t = Instant::now();
    let r = store.send_reminders(&kaohe_store::stamp(now)).await?;
    let secs = t.elapsed().as_secs_f64();
    let queued = count(store, "SELECT COUNT(*) AS n FROM outbox").await? - before;
    crate::outln!(
        "notify/due-soon reminders: {tasks} tasks of {n} appraisees → {} messages to {} holders ({queued} queued for the webhook) in {secs:.2} s; target ≤ 5 s for 100,000 appraisees: {}",
        r.due_soon,
        r.due_soon,
        verdict(n >= 100_000, secs <= 5.0)
    );
    let t = Instant::now();
    let again = store.send_reminders(&kaohe_store::stamp(now)).await?;
    anyhow::ensure!(again.total() == 0, "{} reminders sent twice", again.total());
    crate::outln!(
        "notify/due-soon again the same day (nothing to send): {:.2} s",
        t.elapsed().as_secs_f64()
    );

    // Delivery: top the outbox up to `--messages` and deliver as one server does.
    let pending = count(
        store,
        "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'",
    )
    .await?;
    let extra = a.messages.saturating_sub(pending as usize);
    for start in (0..extra).step_by(500) {
        let rows: Vec<String> = (start..(start + 500).min(extra))
            .map(|i| {
                format!(
                    "('test', 'bench{i}', 'zh-CN', {}, '', '{{\"args\":{{\"text\":\"message {i}\"}}}}', '/', 'bench:{i}', 'pending', 0, '{at}', '{at}')",
                    ch.id
                )
            })
            .collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO outbox (kind, recipient, lang, channel_id, text_key, args, link, idem_key, status, attempts, next_attempt_at, created_at) VALUES {}",
            rows.join(", ")
        )))
        .execute(store.pool())
        .await?;
    }
    let total = pending as usize + extra;
    let cfg = kaohe_server::notify::DeliveryConfig::default();
    let client = kaohe_server::notify::HttpClient::new(cfg.timeout);
    let t = Instant::now();
    let mut delivered = 0;
    loop {
        let run = kaohe_server::notify::deliver_due(store, &cfg, &client).await?;
        anyhow::ensure!(
            run.retried + run.dead == 0,
            "deliveries to the local receiver failed"
        );
        if run.delivered == 0 {
            break;
        }
        delivered += run.delivered;
    }
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        delivered == total && received.load(Ordering::Relaxed) == total,
        "{delivered} of {total} delivered"
    );
    let rate = total as f64 / secs;
    crate::outln!(
        "notify/delivery: {total} messages to a local webhook in {secs:.2} s = {rate:.0} messages/s (one worker, batches of {}); target ≥ 200 messages/s: {}",
        cfg.batch,
        verdict(true, rate >= 200.0)
    );
    Ok(ExitCode::SUCCESS)
}

async fn count(store: &Db, sql: &str) -> Result<i64> {
    use sqlx::Row;
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(store.pool())
        .await?
        .get::<i64, _>("n"))
}
