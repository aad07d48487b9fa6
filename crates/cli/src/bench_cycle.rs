//! `kaohe bench cycle`: a synthetic company, a monthly F01 cycle launched for everyone,
//! all inputs loaded the way departments and HR load them (grids), everything scored,
//! persisted and ranked — timed step by step, on SQLite or PostgreSQL.

use anyhow::{Context, Result};
use clap::Args;
use kaohe_store::{
    Db, Grant, GridRow, Members, NewCycle, NewUser, OrgRow, Role, Store, TargetSet, Values, connect,
};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct CycleArgs {
    /// Appraisees in the synthetic company.
    #[arg(long, default_value_t = 100_000)]
    pub employees: usize,
    /// Database: a sqlite:// file (default: a fresh file in a temporary directory) or a
    /// postgres:// server, where a fresh database is created and dropped afterwards.
    #[arg(long)]
    pub database_url: Option<String>,
}

/// The steps and their seconds.
struct Clock {
    at: Instant,
    steps: Vec<(&'static str, f64)>,
}

impl Clock {
    fn lap(&mut self, what: &'static str) {
        let s = self.at.elapsed().as_secs_f64();
        crate::outln!("  {what:<44} {s:>7.2} s");
        self.steps.push((what, s));
        self.at = Instant::now();
    }
}

pub fn run(a: &CycleArgs) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let scratch = Scratch::open(a.database_url.as_deref(), "cycle").await?;
        let store = connect(&scratch.url).await?;
        store.migrate().await?;
        let r = bench(&store, a.employees).await;
        store.close().await;
        scratch.close().await?;
        r
    })
}

/// A benchmark's fresh database: a SQLite file in a temporary directory (no URL), a new
/// database on a PostgreSQL server (dropped by [`Scratch::close`]), or the URL as given.
pub(crate) struct Scratch {
    pub url: String,
    dir: std::path::PathBuf,
    drop_pg: Option<(sqlx::PgPool, String)>,
}

impl Scratch {
    pub async fn open(url: Option<&str>, tag: &str) -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("kaohe-bench-{tag}-{}", std::process::id()));
        let (url, drop_pg) = match url {
            None => {
                std::fs::create_dir_all(&dir)?;
                (format!("sqlite://{}", dir.join("bench.db").display()), None)
            }
            Some(u) if u.starts_with("postgres") => {
                let admin = sqlx::PgPool::connect(u)
                    .await
                    .with_context(|| format!("无法连接 / cannot connect to {u}"))?;
                let name = format!("kaohe_bench_{tag}_{}", std::process::id());
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name}"
                )))
                .execute(&admin)
                .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&admin)
                    .await?;
                let base = u.rsplit_once('/').map_or(u, |(b, _)| b);
                (format!("{base}/{name}"), Some((admin, name)))
            }
            Some(u) => (u.to_string(), None),
        };
        Ok(Scratch { url, dir, drop_pg })
    }

    /// Drop the database or remove the directory (the store's pool closed first).
    pub async fn close(self) -> Result<()> {
        if let Some((admin, name)) = self.drop_pg {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .execute(&admin)
            .await?;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(())
    }
}

async fn bench(store: &Db, n: usize) -> Result<ExitCode> {
    build(store, n, None).await?;
    Ok(ExitCode::SUCCESS)
}

/// The synthetic company and its F01 cycle, launched, loaded, handed in and scored (the
/// steps timed); `template` replaces the bundled F01 source. Returns the cycle's id.
pub(crate) async fn build(store: &Db, n: usize, template: Option<&str>) -> Result<i64> {
    crate::outln!("bench cycle: {n} appraisees on F01, {:?}", store.backend());
    let mut clock = Clock {
        at: Instant::now(),
        steps: Vec::new(),
    };
    // The company: 1 manager per 100 account managers, 市场部 and 行政部.
    let mut org = Vec::with_capacity(n + n / 100 + 2);
    let bosses = n.div_ceil(100);
    for b in 0..bosses {
        org.push(OrgRow {
            line: org.len() + 2,
            emp_no: format!("S{b:06}"),
            name: format!("主管{b}"),
            dept_code: "SC".into(),
            dept_name: "市场部".into(),
            dept_kind: "业务".into(),
            position: "市场部经理".into(),
            supervisor_emp_no: String::new(),
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
        });
    }
    org.push(OrgRow {
        line: org.len() + 2,
        emp_no: "X000001".into(),
        name: "考勤专员".into(),
        dept_code: "XZ".into(),
        dept_name: "行政部".into(),
        dept_kind: "职能".into(),
        position: "行政专员".into(),
        supervisor_emp_no: String::new(),
    });
    store.import_org("bench", &org).await?;
    let depts = store.departments().await?;
    let dept = |code: &str| depts.iter().find(|d| d.code == code).map(|d| d.id);
    for (name, role, d) in [
        ("hr", Role::HrAdmin, None),
        ("clerk_sc", Role::Clerk, dept("SC")),
        ("clerk_xz", Role::Clerk, dept("XZ")),
    ] {
        store
            .create_user(
                "bench",
                &NewUser {
                    username: name.into(),
                    password: "bench password".into(),
                    emp_no: None,
                    grants: vec![Grant {
                        role,
                        department_id: d,
                    }],
                    lang: "zh-CN".into(),
                },
            )
            .await?;
    }
    store
        .publish_template(
            "bench",
            match template {
                Some(t) => t,
                None => crate::bundled::BUNDLED
                    .iter()
                    .find(|(id, _, _)| *id == "F01")
                    .map(|(_, s, _)| *s)
                    .context("F01 is bundled")?,
            },
        )
        .await?;
    clock.lap("company (org import, users, template)");

    let hr = store
        .authenticate("hr", "bench password")
        .await?
        .context("hr")?;
    let clerk = |name: &'static str| async move {
        store
            .authenticate(name, "bench password")
            .await
            .ok()
            .flatten()
            .context("clerk")
    };
    let cy = store
        .create_cycle(
            "hr",
            &NewCycle {
                name: "2026年11月 大客户经理考核".into(),
                form_id: "F01".into(),
                period: "2026-11".into(),
                members: Members {
                    positions: vec!["大客户经理".into()],
                    ..Default::default()
                },
                targets: vec![TargetSet {
                    position: Some("大客户经理".into()),
                    emp_no: None,
                    values: Values::from([("monthly_bonus".to_string(), "3000".to_string())]),
                }],
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await?;
    let launched = store.launch_cycle("hr", cy.id).await?;
    anyhow::ensure!(launched.appraisals == n, "every employee is appraised");
    let start = Instant::now();
    clock.lap("launch (appraisals and tasks)");

    // The inputs, as the departments and HR enter them.
    let csv = kaohe_core::synth::f01_csv(n);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers: Vec<String> = rdr.headers()?.iter().map(str::to_string).collect();
    // One import of every input (as HR imports the month's workbook); the departments then
    // hand in, which moves every appraisal on to rating.
    let mut rows: Vec<GridRow> = Vec::with_capacity(n);
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec?;
        let values: Values = headers
            .iter()
            .zip(rec.iter())
            .skip(1)
            .filter(|(h, _)| h.as_str() != "monthly_bonus")
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        rows.push(GridRow {
            line: line + 2,
            emp_no: rec[0].to_string(),
            values,
            version: None,
            reason: None,
        });
    }
    let k = store.enter_grid(&hr, cy.id, None, &rows).await?;
    anyhow::ensure!(k == n, "imported {k} of {n}");
    clock.lap("load inputs (one import of all 13 inputs, scored with it)");
    for code in ["SC", "XZ"] {
        let who = if code == "SC" { "clerk_sc" } else { "clerk_xz" };
        store
            .complete_data(&clerk(who).await?, cy.id, dept(code).context("dept")?)
            .await?;
    }
    clock.lap("departments hand in (all move to rating)");
    // Every write scores what it changed in its own transaction: scoring the cycle again
    // finds nothing to change, and every appraisal already has its total.
    let again = store.score_cycle("hr", cy.id).await?;
    anyhow::ensure!(again == 0, "{again} of {n} changed when scored again");
    clock.lap("score again (all current, nothing to store)");
    let results = store.results(cy.id).await?;
    let totals = results.iter().filter(|r| r.total.is_some()).count();
    anyhow::ensure!(totals == n, "{totals} of {n} have a total");
    let ranked = results.iter().filter(|r| r.rank.is_some()).count();
    anyhow::ensure!(ranked == n, "ranked {ranked} of {n}");
    clock.lap("rank");
    let total = start.elapsed().as_secs_f64();
    crate::outln!(
        "bench cycle/{:?}: {n} appraisees launched, loaded, scored, persisted and ranked in {total:.2} s",
        store.backend()
    );
    let top = results.iter().find(|r| r.rank == Some(1));
    if let Some(t) = top {
        crate::outln!(
            "  第一名 / rank 1: {} {} total {} bonus {}",
            t.emp_no,
            t.name,
            t.total.clone().unwrap_or_default(),
            t.bonus.clone().unwrap_or_default()
        );
    }
    Ok(cy.id)
}
