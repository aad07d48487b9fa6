//! `kaohe bench relations`: computing 考核关系 — each appraisee's raters found in the
//! organisation tree by rules — for `--employees` appraisees of the benchmarks' company
//! laid out in five levels (总行 → 分行 → 支行 → 部门 → 团队). Timed twice: the pure plan
//! ([`kaohe_store::rules::plan`]) for four roles (团队负责人 as the supervisor rater, and
//! 支行、分行、总行负责人, as a 复核/审批 chain would climb), and the launch preview through
//! the store for F01 with `supervisor = 团队负责人` (reading the members, the tree and the
//! names as the page does). The target: ≤ 2 s for 100,000 employees.

use crate::bench_cycle::{Scratch, company};
use anyhow::{Context, Result};
use clap::Args;
use kaohe_store::rules::{Fallback, PlanMember, Resolved, RolePlan, Tree, plan};
use kaohe_store::{Db, Members, NewCycle, Store, Unit, connect};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct RelationsArgs {
    /// Appraisees in the synthetic company.
    #[arg(long, default_value_t = 100_000)]
    pub employees: usize,
    /// Database: a sqlite:// file (default: a fresh file in a temporary directory) or a
    /// postgres:// server, where a fresh database is created and dropped afterwards.
    #[arg(long)]
    pub database_url: Option<String>,
}

/// The target for 100,000 employees, in seconds.
const TARGET_S: f64 = 2.0;

pub fn run(a: &RelationsArgs) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let scratch = Scratch::open(a.database_url.as_deref(), "relations", false).await?;
        let store = connect(&scratch.url).await?;
        store.migrate().await?;
        let r = bench(&store, a).await;
        store.close().await;
        scratch.close().await?;
        r
    })
}

fn verdict(n: usize, secs: f64) -> &'static str {
    if n < 100_000 {
        "(fewer than 100,000: no verdict)"
    } else if secs <= TARGET_S {
        "ok"
    } else {
        "MISSED"
    }
}

async fn bench(store: &Db, a: &RelationsArgs) -> Result<ExitCode> {
    let n = a.employees.max(1);
    crate::outln!(
        "bench relations: {n} appraisees in a five-level tree, {:?}",
        store.backend()
    );
    let t = Instant::now();
    store.import_org("bench", &company(n, true)).await?;
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
    let depts = store.departments().await?;
    let levels = {
        let mut u: Vec<Unit> = depts.iter().filter_map(|d| d.unit).collect();
        u.sort_by_key(|u| u.as_str());
        u.dedup();
        u.len()
    };
    anyhow::ensure!(levels == 5, "the tree has {levels} levels, not 5");
    crate::outln!(
        "  company ({} departments in 5 levels; setup, not measured)  {:.2} s",
        depts.len(),
        t.elapsed().as_secs_f64()
    );

    // The pure plan: the people as the store holds them, then the tree and every
    // appraisee's four raters.
    let rows = sqlx::query("SELECT id, emp_no, department_id, supervisor_id FROM employees")
        .fetch_all(store.pool())
        .await?;
    let people: Vec<(i64, String, i64, Option<i64>)> = rows
        .iter()
        .map(|r| {
            (
                r.get("id"),
                r.get("emp_no"),
                r.get("department_id"),
                r.get("supervisor_id"),
            )
        })
        .collect();
    let t = Instant::now();
    let emp_ids: HashMap<String, i64> = people.iter().map(|p| (p.1.clone(), p.0)).collect();
    let tree = Tree::of(&depts, &emp_ids);
    let role = |rater: &str, unit: Unit| RolePlan {
        rater: rater.into(),
        rule: Some((Resolved::UnitHead(unit), format!("{}负责人", unit.zh()))),
        fallback: Fallback::Supervisor,
    };
    let roles = [
        role("supervisor", Unit::Team),
        role("sub_branch", Unit::SubBranch),
        role("review", Unit::Branch),
        role("approve", Unit::HeadOffice),
    ];
    let members: Vec<PlanMember> = people
        .iter()
        .filter(|p| p.1.starts_with('E'))
        .map(|p| PlanMember {
            id: p.0,
            emp_no: &p.1,
            dept: p.2,
            supervisor: p.3,
        })
        .collect();
    let planned = plan(&roles, &BTreeMap::new(), &emp_ids, &tree, &members);
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(planned.len() == n, "planned {} of {n}", planned.len());
    // Every appraisee's supervisor rater is their 团队's head, their direct supervisor.
    let wrong = members
        .iter()
        .zip(&planned)
        .filter(|(m, p)| {
            p[0].assignee != kaohe_store::rules::Assignee::Person(m.supervisor.unwrap_or(-1))
        })
        .count();
    anyhow::ensure!(wrong == 0, "{wrong} appraisees got another 团队负责人");
    crate::outln!(
        "relations/plan: {n} appraisees × 4 rules (团队、支行、分行、总行负责人) in {secs:.3} s; target ≤ {TARGET_S} s for 100,000: {}",
        verdict(n, secs)
    );

    // Through the store: a draft F01 cycle whose supervisor rater is the 团队负责人, and its
    // launch preview (members, tree, plan and the raters' names read as the page reads them).
    let cy = store
        .create_cycle(
            "bench",
            &NewCycle {
                name: "2026年11月 考核关系".into(),
                form_id: "F01".into(),
                period: "2026-11".into(),
                members: Members {
                    positions: vec!["大客户经理".into()],
                    rules: BTreeMap::from([("supervisor".to_string(), "团队负责人".to_string())]),
                    ..Default::default()
                },
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await?;
    let t = Instant::now();
    let preview = store.launch_preview(cy.id).await?;
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        preview.members.len() == n,
        "previewed {}",
        preview.members.len()
    );
    anyhow::ensure!(
        preview.members.iter().all(|m| m
            .raters
            .first()
            .and_then(|r| r.emp_no.as_deref())
            .is_some_and(|s| s.starts_with('S'))),
        "every appraisee's rater is a 团队 head"
    );
    crate::outln!(
        "relations/launch preview (store, {:?}): {n} appraisees in {secs:.3} s; target ≤ {TARGET_S} s for 100,000: {}",
        store.backend(),
        verdict(n, secs)
    );
    let t = Instant::now();
    let page = store
        .relations(
            cy.id,
            kaohe_store::Page {
                offset: 0,
                limit: 100,
            },
        )
        .await?;
    anyhow::ensure!(
        page.draft && page.total_rows == n as i64,
        "the draft's 考核关系"
    );
    crate::outln!(
        "relations/draft page of 100 (store, whole plan computed): {:.3} s",
        t.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
