//! `kaohe bench serve`: the server started in-process on a local port over a fresh
//! database with the demo company, its users signed in through `POST /api/login`, then
//! driven by a pool of HTTP connections for a fixed time per phase: reads, writes, reads
//! while writers run, and reads during a flood of wrong sign-ins (100 a second, ever-new
//! names). Prints one line per figure with its target and `ok` or `MISSED`.

use anyhow::{Context, Result};
use clap::Args;
use kaohe_core::workflow::State;
use kaohe_store::{Backend, Db, Page, Store, connect_with};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct ServeBenchArgs {
    /// Seconds each phase runs.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub seconds: u64,
    /// Connections (concurrent clients) in each phase.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub connections: u64,
    /// Database: a sqlite:// file (default: a fresh file in a temporary directory) or a
    /// postgres:// server, where a fresh database is created and dropped afterwards.
    #[arg(long)]
    pub database_url: Option<String>,
    /// SQLite's durability, as `kaohe serve --sqlite-synchronous`.
    #[arg(long, value_enum, default_value = "full")]
    pub sqlite_synchronous: crate::admin::SqliteSynchronous,
}

/// Readers alongside the writers in the mixed phase.
const MIXED_READERS: usize = 16;
/// Wrong sign-ins a second in the flood phase.
const FLOOD_PER_SEC: u64 = 100;

const READS_TARGET: f64 = 5_000.0;
const WRITES_TARGET: f64 = 1_500.0;
const P99_TARGET_MS: f64 = 50.0;
const MIXED_READS_TARGET: f64 = 3_000.0;
const FLOOD_READS_TARGET: f64 = 3_000.0;

pub fn run(a: &ServeBenchArgs) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let scratch =
            crate::bench_cycle::Scratch::open(a.database_url.as_deref(), "serve", false).await?;
        let store = connect_with(&scratch.url, a.sqlite_synchronous.options()).await?;
        store.migrate().await?;
        let r = bench(&store, a).await;
        store.close().await;
        scratch.close().await?;
        r
    })
}

/// Latencies (ms) and counts of one worker, merged after a phase.
#[derive(Default)]
struct Tally {
    reads: Vec<f64>,
    writes: Vec<f64>,
    conflicts: u64,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.reads.extend(o.reads);
        self.writes.extend(o.writes);
        self.conflicts += o.conflicts;
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// Who does what: a signed-in user's bearer token and the appraisal they read or write.
#[derive(Clone)]
struct Actor {
    token: String,
    appraisal: i64,
    /// The notes field this user may write on that appraisal.
    field: &'static str,
}

#[derive(Clone)]
struct Ctx {
    client: reqwest::Client,
    base: String,
    readers: Arc<Vec<Actor>>,
    writers: Arc<Vec<Actor>>,
}

impl Ctx {
    /// One read: the appraisal sheet or the inbox, in turn.
    async fn read(&self, who: &Actor, n: u64) -> Result<f64> {
        let path = if n.is_multiple_of(2) {
            format!("{}/api/appraisals/{}", self.base, who.appraisal)
        } else {
            format!("{}/api/tasks", self.base)
        };
        let t = Instant::now();
        let r = self
            .client
            .get(&path)
            .bearer_auth(&who.token)
            .send()
            .await?;
        let status = r.status();
        r.bytes().await?;
        anyhow::ensure!(status.is_success(), "GET {path}: HTTP {status}");
        Ok(t.elapsed().as_secs_f64() * 1000.0)
    }

    /// The appraisal's current version.
    async fn version(&self, who: &Actor) -> Result<i64> {
        let path = format!("{}/api/appraisals/{}", self.base, who.appraisal);
        let r = self
            .client
            .get(&path)
            .bearer_auth(&who.token)
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "GET {path}: HTTP {}", r.status());
        let v: serde_json::Value = r.json().await?;
        v["version"].as_i64().context("the appraisal's version")
    }

    /// One write of the notes with the version last seen: its time and the new version,
    /// or `None` on a conflict (409).
    async fn write(&self, who: &Actor, version: i64, n: u64) -> Result<(f64, Option<i64>)> {
        let path = format!("{}/api/appraisals/{}/notes", self.base, who.appraisal);
        let mut body = serde_json::Map::new();
        body.insert("version".into(), version.into());
        body.insert(
            who.field.into(),
            format!("基准测试 / bench note {n}").into(),
        );
        let t = Instant::now();
        let r = self
            .client
            .put(&path)
            .bearer_auth(&who.token)
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let bytes = r.bytes().await?;
        let took = t.elapsed().as_secs_f64() * 1000.0;
        if status == reqwest::StatusCode::CONFLICT {
            return Ok((took, None));
        }
        anyhow::ensure!(
            status.is_success(),
            "PUT {path}: HTTP {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let v: serde_json::Value = serde_json::from_slice(&bytes)?;
        Ok((took, v["version"].as_i64()))
    }

    /// Readers and writers until `secs` have passed; the merged tally and the seconds.
    async fn phase(&self, readers: usize, writers: usize, secs: u64) -> Result<(Tally, f64)> {
        let start = Instant::now();
        let end = start + Duration::from_secs(secs);
        let mut tasks = Vec::new();
        for i in 0..readers {
            let cx = self.clone();
            tasks.push(tokio::spawn(async move {
                let who = cx.readers[i % cx.readers.len()].clone();
                let mut t = Tally::default();
                let mut n = i as u64;
                while Instant::now() < end {
                    t.reads.push(cx.read(&who, n).await?);
                    n += 1;
                }
                anyhow::Ok(t)
            }));
        }
        for i in 0..writers {
            let cx = self.clone();
            tasks.push(tokio::spawn(async move {
                let who = cx.writers[i % cx.writers.len()].clone();
                let mut t = Tally::default();
                let mut version = cx.version(&who).await?;
                let mut n = (i as u64) << 32;
                while Instant::now() < end {
                    n += 1;
                    match cx.write(&who, version, n).await? {
                        (took, Some(v)) => {
                            t.writes.push(took);
                            version = v;
                        }
                        (_, None) => {
                            // Someone else wrote first: read the version again and retry.
                            t.conflicts += 1;
                            version = cx.version(&who).await?;
                        }
                    }
                }
                anyhow::Ok(t)
            }));
        }
        let mut all = Tally::default();
        for t in tasks {
            all.merge(t.await??);
        }
        let secs = start.elapsed().as_secs_f64();
        all.reads.sort_by(f64::total_cmp);
        all.writes.sort_by(f64::total_cmp);
        Ok((all, secs))
    }
}

/// A launched F01 cycle of `n` more account managers (added to the demo's organisation),
/// so that the writers do not all write the same few sheets: the ids of its appraisals.
async fn writers_sheets(store: &Db, n: usize) -> Result<Vec<i64>> {
    let mut org = store.org_export().await?;
    let line = org.len() + 2;
    let template = org
        .iter()
        .find(|r| r.emp_no == "E001")
        .cloned()
        .context("the demo's E001")?;
    let nos: Vec<String> = (1..=n).map(|i| format!("B{i:04}")).collect();
    for (i, no) in nos.iter().enumerate() {
        org.push(kaohe_store::OrgRow {
            line: line + i,
            emp_no: no.clone(),
            name: format!("压测客户经理{i}"),
            ..template.clone()
        });
    }
    store.import_org("bench", &org).await?;
    let cy = store
        .create_cycle(
            "hr",
            &kaohe_store::NewCycle {
                name: "压测 / bench serve".into(),
                form_id: "F01".into(),
                period: "2026-12".into(),
                members: kaohe_store::Members {
                    employees: nos,
                    ..Default::default()
                },
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await?;
    store.launch_cycle("hr", cy.id).await?;
    let hr = store.user_by_name("hr").await?.context("hr")?;
    let mut ids = Vec::new();
    let mut after = 0;
    loop {
        let (page, next) = store.appraisals_after(&hr, cy.id, after, 1000).await?;
        ids.extend(page.iter().map(|x| x.id));
        match next {
            Some(n) => after = n,
            None => break,
        }
    }
    anyhow::ensure!(
        ids.len() == n,
        "the bench cycle has {} appraisals",
        ids.len()
    );
    Ok(ids)
}

/// Sign in through the API; the session token from `Set-Cookie`.
async fn sign_in(client: &reqwest::Client, base: &str, user: &str) -> Result<String> {
    let r = client
        .post(format!("{base}/api/login"))
        .json(&serde_json::json!({ "username": user, "password": crate::serve::DEMO_PASSWORD }))
        .send()
        .await?;
    anyhow::ensure!(
        r.status().is_success(),
        "sign-in of {user}: HTTP {}",
        r.status()
    );
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("kaohe_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
        .with_context(|| format!("no session cookie for {user}"))
}

/// The verdict words.
fn verdict(ok: bool, missed: &mut usize) -> &'static str {
    if ok {
        "ok"
    } else {
        *missed += 1;
        "MISSED"
    }
}

async fn bench(store: &Db, a: &ServeBenchArgs) -> Result<ExitCode> {
    crate::serve::load_demo(store).await?;
    let hr = store.user_by_name("hr").await?.context("hr")?;
    let open: Vec<_> = store
        .appraisals(&hr, None, None, Page::default())
        .await?
        .into_iter()
        .filter(|x| x.state != State::Confirmed)
        .collect();
    let sheet = |emp: &str| {
        open.iter()
            .find(|x| x.emp_no == emp)
            .map(|x| x.id)
            .with_context(|| format!("the demo's open appraisal of {emp}"))
    };
    let (e001, e002, e004) = (sheet("E001")?, sheet("E002")?, sheet("E004")?);
    let desks = writers_sheets(store, usize::try_from(a.connections)?).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut state = kaohe_server::AppState::new(store.clone());
    state.demo = true;
    let server = tokio::spawn(kaohe_server::serve(state, listener));

    let conns = usize::try_from(a.connections)?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conns + MIXED_READERS)
        .tcp_nodelay(true)
        .build()?;
    let zhangwei = sign_in(&client, &base, "zhangwei").await?;
    let hr_token = sign_in(&client, &base, "hr").await?;
    let zhuguan = sign_in(&client, &base, "zhuguan").await?;
    let actor = |token: &str, appraisal, field| Actor {
        token: token.to_string(),
        appraisal,
        field,
    };
    let cx = Ctx {
        client,
        base: base.clone(),
        // The appraisee his sheet and inbox; HR and the supervisor theirs.
        readers: Arc::new(vec![
            actor(&zhangwei, e001, "self_summary"),
            actor(&hr_token, e002, "comments"),
            actor(&zhuguan, e004, "comments"),
        ]),
        // 张伟 his self-summary; HR comments, each writer on an appraisal of its own (as
        // raters save their own sheets) of a cycle launched for the bench.
        writers: Arc::new(
            std::iter::once(actor(&zhangwei, e001, "self_summary"))
                .chain(desks.iter().map(|&id| actor(&hr_token, id, "comments")))
                .collect(),
        ),
    };
    let backend = match store.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let secs = a.seconds;
    let sync = match (store.backend(), a.sqlite_synchronous) {
        (Backend::Postgres, _) => "",
        (_, crate::admin::SqliteSynchronous::Full) => " (synchronous=FULL)",
        (_, crate::admin::SqliteSynchronous::Normal) => " (synchronous=NORMAL)",
    };
    crate::outln!(
        "bench serve: {backend}{sync}, demo company, {conns} connections, {secs} s per phase"
    );
    let mut missed = 0;

    // 1. Reads.
    let (t, s) = cx.phase(conns, 0, secs).await?;
    let rate = t.reads.len() as f64 / s;
    let p99 = pct(&t.reads, 0.99);
    crate::outln!(
        "  reads ({conns} readers)                  {rate:>9.0}/s   target ≥ {READS_TARGET:.0}/s: {}",
        verdict(rate >= READS_TARGET, &mut missed)
    );
    crate::outln!(
        "  reads p50 / p99                     {:>7.1} / {p99:.1} ms   target p99 ≤ {P99_TARGET_MS:.0} ms: {}",
        pct(&t.reads, 0.5),
        verdict(p99 <= P99_TARGET_MS, &mut missed)
    );

    // 2. Writes.
    let (t, s) = cx.phase(0, conns, secs).await?;
    let rate = t.writes.len() as f64 / s;
    let p99 = pct(&t.writes, 0.99);
    crate::outln!(
        "  writes ({conns} writers)                 {rate:>9.0}/s   target ≥ {WRITES_TARGET:.0}/s: {}",
        verdict(rate >= WRITES_TARGET, &mut missed)
    );
    crate::outln!(
        "  writes p50 / p99                    {:>7.1} / {p99:.1} ms   target p99 ≤ {P99_TARGET_MS:.0} ms: {}",
        pct(&t.writes, 0.5),
        verdict(p99 <= P99_TARGET_MS, &mut missed)
    );
    crate::outln!(
        "  writes refused as stale (409, retried) {:>7}",
        t.conflicts
    );

    // 3. Reads while writers run.
    let (t, s) = cx.phase(MIXED_READERS, conns, secs).await?;
    let rate = t.reads.len() as f64 / s;
    crate::outln!(
        "  reads with {conns} writers ({MIXED_READERS} readers)    {rate:>9.0}/s   target ≥ {MIXED_READS_TARGET:.0}/s: {}",
        verdict(rate >= MIXED_READS_TARGET, &mut missed)
    );
    crate::outln!(
        "  writes alongside                    {:>9.0}/s   p99 {:.1} ms, 409s {}",
        t.writes.len() as f64 / s,
        pct(&t.writes, 0.99),
        t.conflicts
    );

    // 4. Reads during a sign-in flood.
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Arc<[AtomicU64; 5]> = Arc::new(Default::default());
    let flood = {
        let (stop, counts, base) = (stop.clone(), counts.clone(), base.clone());
        let client = reqwest::Client::builder()
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(30))
            .build()?;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / FLOOD_PER_SEC));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut sent = Vec::new();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                n += 1;
                let (client, counts, url) =
                    (client.clone(), counts.clone(), format!("{base}/api/login"));
                sent.push(tokio::spawn(async move {
                    let body = serde_json::json!({ "username": format!("flood-{n}"), "password": "wrong password" });
                    let i = match client.post(url).json(&body).send().await {
                        Ok(r) => match r.status().as_u16() {
                            401 => 0,
                            503 => 1,
                            429 => 2,
                            _ => 3,
                        },
                        Err(_) => 4,
                    };
                    counts[i].fetch_add(1, Ordering::Relaxed);
                }));
            }
            for s in sent {
                let _ = s.await;
            }
            n
        })
    };
    let (t, s) = cx.phase(conns, 0, secs).await?;
    stop.store(true, Ordering::Relaxed);
    let sent = flood.await?;
    let rate = t.reads.len() as f64 / s;
    crate::outln!(
        "  reads during sign-in flood ({conns} readers) {rate:>6.0}/s   target ≥ {FLOOD_READS_TARGET:.0}/s: {}",
        verdict(rate >= FLOOD_READS_TARGET, &mut missed)
    );
    crate::outln!(
        "  reads during flood p50 / p99        {:>7.1} / {:.1} ms",
        pct(&t.reads, 0.5),
        pct(&t.reads, 0.99)
    );
    let c = |i: usize| counts[i].load(Ordering::Relaxed);
    crate::outln!(
        "  flood sign-ins ({FLOOD_PER_SEC}/s): {sent} sent, {} refused 401, {} busy 503, {} locked 429, {} other, {} failed",
        c(0),
        c(1),
        c(2),
        c(3),
        c(4)
    );
    server.abort();
    crate::outln!(
        "bench serve: {}",
        if missed == 0 {
            "all targets met".to_string()
        } else {
            format!("{missed} MISSED")
        }
    );
    Ok(if missed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
