//! HR's views of cycles (inherent methods of [`Db`], the same SQL for both backends): progress counted by the
//! database (aggregates, never every appraisal loaded), who is late, a cycle's results
//! sorted and paged with ranks from a window function, forced-distribution quotas per
//! grade, the appeals queue, and the audit log searched. The quota check is pure.

use crate::backend::Placed;
use crate::cycles::ResultRow;
use crate::policy::Scope;
use crate::*;
use kaohe_core::workflow::State;
use rust_decimal::Decimal;
use sqlx::{FromRow, Row};
use std::collections::{BTreeMap, HashMap};

/// Every state, in the order of the month.
pub const STATES: [State; 8] = [
    State::DataEntry,
    State::SelfAssessment,
    State::Rating,
    State::Review,
    State::Approval,
    State::Published,
    State::Appealed,
    State::Confirmed,
];

/// How far a cycle is, counted in SQL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleProgress {
    /// Appraisals in the cycle.
    pub total: i64,
    /// Every state in order, with how many appraisals are in it (0 included).
    pub by_state: Vec<(State, i64)>,
    /// The appraisees' departments: how many, how many published or later, how many final.
    pub departments: Vec<DeptProgress>,
    /// The departments that supply data: handed in or not.
    pub data: Vec<DataProgress>,
    /// Grade → how many appraisals have it (graded ones only), by grade.
    pub grades: Vec<(String, i64)>,
}

/// One appraisees' department of a cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeptProgress {
    pub department_id: i64,
    pub department: String,
    pub total: i64,
    /// Published, appealed or confirmed.
    pub published: i64,
    pub confirmed: i64,
}

/// One department's data task of a cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataProgress {
    pub department_id: i64,
    pub department: String,
    pub done: bool,
    pub due: Option<String>,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
}

/// An open task past its due date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LateTask {
    pub task_id: i64,
    /// data, self, rate.
    pub kind: String,
    pub rater: Option<String>,
    /// The department that owes it (data tasks; rating by a department).
    pub department: Option<String>,
    /// The person who owes it (self-assessment; a named rater or the supervisor).
    pub assignee: Option<String>,
    pub assignee_no: Option<String>,
    pub appraisal_id: Option<i64>,
    pub appraisee: Option<String>,
    pub appraisee_no: Option<String>,
    pub due: String,
    /// Whole days since the due date.
    pub days_late: i64,
}

/// The late tasks of a cycle: how many, and the first of them by due date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LateList {
    pub total: i64,
    pub tasks: Vec<LateTask>,
}

/// What a results table is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResultSort {
    #[default]
    EmpNo,
    Name,
    Department,
    Group,
    Total,
    Grade,
    Bonus,
    Rank,
}

impl ResultSort {
    /// From the page's `?sort=`.
    pub fn parse(s: &str) -> Option<ResultSort> {
        Some(match s {
            "emp_no" => ResultSort::EmpNo,
            "name" => ResultSort::Name,
            "department" => ResultSort::Department,
            "group" => ResultSort::Group,
            "total" => ResultSort::Total,
            "grade" => ResultSort::Grade,
            "bonus" => ResultSort::Bonus,
            "rank" => ResultSort::Rank,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ResultSort::EmpNo => "emp_no",
            ResultSort::Name => "name",
            ResultSort::Department => "department",
            ResultSort::Group => "group",
            ResultSort::Total => "total",
            ResultSort::Grade => "grade",
            ResultSort::Bonus => "bonus",
            ResultSort::Rank => "rank",
        }
    }
}

/// Which results, in which order, which page.
#[derive(Debug, Clone, Default)]
pub struct ResultQuery {
    /// Only appraisees of this department.
    pub department_id: Option<i64>,
    /// Only appraisees of these departments (the reader's scope; `None` is every one).
    pub within: Option<Vec<i64>>,
    pub sort: ResultSort,
    pub desc: bool,
    pub page: Page,
}

/// ` AND column IN (…)` for a reader's departments (nothing for every department; no row
/// for none).
fn within(qb: &mut crate::backend::SqlBuilder, column: &str, depts: &Option<Vec<i64>>) {
    if let Some(ds) = depts {
        qb.push(format!(" AND {column} IN (-1"));
        for d in ds {
            qb.push(", ").push_bind(*d);
        }
        qb.push(")");
    }
}

/// A page of results and how many rows match in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultsSlice {
    pub total_rows: i64,
    pub rows: Vec<ResultRow>,
}

/// A forced-distribution quota for one grade: shares of the graded appraisals, in percent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GradeQuota {
    pub grade: String,
    /// At most this share (e.g. `20`).
    pub max_pct: Option<String>,
    /// At least this share (e.g. `5`).
    pub min_pct: Option<String>,
}

/// One grade's count checked against its quota.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuotaCheck {
    pub grade: String,
    pub count: i64,
    /// Share of the graded appraisals in percent, one decimal (`33.3`).
    pub share: String,
    pub max_pct: Option<String>,
    pub min_pct: Option<String>,
    /// More than the maximum share.
    pub over: bool,
    /// Less than the minimum share.
    pub under: bool,
}

/// Check grade counts against quotas: every grade named by either, in the order of
/// `order` (the form's grades), then any others.
/// [`check_quotas`] within each group of the cycle: the appraisals' peer group (组) where
/// the cycle has them, else their department — only where there is more than one. Each
/// group with its checks, by name.
pub fn check_quotas_by_group(
    order: &[String],
    rows: &[crate::ResultRow],
    quotas: &[GradeQuota],
) -> Vec<(String, Vec<QuotaCheck>)> {
    let by_group = rows.iter().any(|r| !r.group.is_empty());
    let mut counts: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for r in rows {
        let key = if by_group {
            r.group.clone()
        } else {
            r.department.clone()
        };
        let entry = counts.entry(key).or_default();
        if let Some(g) = &r.grade {
            *entry.entry(g.clone()).or_default() += 1;
        }
    }
    if counts.len() < 2 || quotas.is_empty() {
        return Vec::new();
    }
    counts
        .into_iter()
        .map(|(group, c)| {
            let c: Vec<(String, i64)> = c.into_iter().collect();
            (group, check_quotas(order, &c, quotas))
        })
        .collect()
}

pub fn check_quotas(
    order: &[String],
    counts: &[(String, i64)],
    quotas: &[GradeQuota],
) -> Vec<QuotaCheck> {
    let graded: i64 = counts.iter().map(|c| c.1).sum();
    let mut names: Vec<String> = order.to_vec();
    for g in counts
        .iter()
        .map(|c| &c.0)
        .chain(quotas.iter().map(|q| &q.grade))
    {
        if !names.contains(g) {
            names.push(g.clone());
        }
    }
    names
        .into_iter()
        .map(|g| {
            let count = counts.iter().find(|c| c.0 == g).map_or(0, |c| c.1);
            let share = if graded == 0 {
                Decimal::ZERO
            } else {
                Decimal::from(count) * Decimal::from(100) / Decimal::from(graded)
            };
            let q = quotas.iter().find(|q| q.grade == g);
            let pct = |s: &Option<String>| s.as_deref().and_then(|s| s.parse::<Decimal>().ok());
            let max = q.and_then(|q| pct(&q.max_pct));
            let min = q.and_then(|q| pct(&q.min_pct));
            QuotaCheck {
                over: graded > 0 && max.is_some_and(|m| share > m),
                under: graded > 0 && min.is_some_and(|m| share < m),
                share: {
                    let mut r = share.round_dp_with_strategy(
                        1,
                        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                    );
                    r.rescale(1);
                    r.to_string()
                },
                max_pct: q.and_then(|q| q.max_pct.clone()),
                min_pct: q.and_then(|q| q.min_pct.clone()),
                grade: g,
                count,
            }
        })
        .collect()
}

/// Check quotas as typed: each share a number from 0 to 100, at least ≤ at most, each grade
/// once. Problems are (`quotas.<grade>.max|min`, message).
pub fn validate_quotas(quotas: &[GradeQuota]) -> std::result::Result<(), Vec<(String, Text)>> {
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for q in quotas {
        let g = q.grade.trim();
        if g.is_empty() {
            problems.push(("quotas".into(), text!("quota-grade-empty")));
            continue;
        }
        if seen.contains(&g) {
            problems.push((format!("quotas.{g}"), text!("quota-grade-repeats")));
        }
        seen.push(g);
        let mut parsed = [None, None];
        for (i, (which, v)) in [("max", &q.max_pct), ("min", &q.min_pct)]
            .into_iter()
            .enumerate()
        {
            let Some(v) = v else { continue };
            match v.trim().trim_end_matches('%').parse::<Decimal>() {
                Ok(d) if d >= Decimal::ZERO && d <= Decimal::from(100) => parsed[i] = Some(d),
                _ => problems.push((format!("quotas.{g}.{which}"), text!("quota-pct", value = v))),
            }
        }
        if let [Some(max), Some(min)] = parsed
            && min > max
        {
            problems.push((format!("quotas.{g}.min"), text!("quota-min-above-max")));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// An appraisal waiting for HR's decision on its appeal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealRow {
    pub appraisal_id: i64,
    pub version: i64,
    pub cycle_id: i64,
    pub cycle: String,
    pub period: String,
    pub emp_no: String,
    pub name: String,
    pub department: String,
    pub total: Option<String>,
    pub grade: Option<String>,
    pub appeal: Appeal,
    /// The disputed items: (id, name, English name), as the form names them.
    pub items: Vec<(String, String, Option<String>)>,
}

/// A search of the audit log (newest first).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// This user name: what they did, also as a delegate (`lisi 代 wangwu`), and what a
    /// delegate did on their behalf.
    pub actor: Option<String>,
    /// Exactly this kind of entity (`appraisal`, `cycle`, …).
    pub entity: Option<String>,
    /// Exactly this entity id.
    pub entity_id: Option<String>,
    /// Contained in the action, entity id, old or new value or reason (case-insensitive).
    pub text: Option<String>,
    /// From this day (`2026-11-01`, inclusive).
    pub from: Option<String>,
    /// To this day (`2026-11-30`, inclusive).
    pub to: Option<String>,
    pub page: Page,
}

fn day(field: &str, s: &str) -> Result<time::Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &f)
        .map_err(|_| StoreError::Fields(vec![(field.into(), text!("not-a-date", value = s))]))
}

fn day_text(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Whole days from the date a due text starts with to `today`.
fn days_between(due: &str, today: time::Date) -> i64 {
    due.get(..10)
        .and_then(|d| day("due", d).ok())
        .map_or(0, |d| (today - d).whole_days())
}

fn like_pattern(s: &str) -> String {
    let mut p = String::from("%");
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// What a page of results reads (`CycleRanks::result_row`), up to its `WHERE`.
const RESULTS_FROM: &str = "SELECT a.id, e.emp_no, e.name, a.department_id, d.name AS dept, a.grp, a.state, a.total, a.grade, a.bonus \
     FROM appraisals a JOIN employees e ON e.id = a.employee_id JOIN departments d ON d.id = a.department_id";

impl Db {
    pub(crate) async fn cycle_progress_impl(&self, cycle_id: i64) -> Result<CycleProgress> {
        let ranks = self.cycle_ranks(cycle_id).await?;
        let mut c = self.reader.acquire().await?;
        let mut out = CycleProgress::default();
        // The counts by department and state, kept with the cycle's ranking (every change of
        // state is audited); the states' totals are their sums (every appraisee has a
        // department).
        let names = crate::backend::department_names(&mut c).await?;
        let mut by: BTreeMap<String, i64> = BTreeMap::new();
        let mut depts: BTreeMap<(String, i64), DeptProgress> = BTreeMap::new();
        for ((id, state), n) in &ranks.by_department_state {
            let (id, n, state) = (*id, *n, state.clone());
            let name = names.get(&id).cloned().unwrap_or_default();
            *by.entry(state.clone()).or_default() += n;
            let d = depts
                .entry((name.clone(), id))
                .or_insert_with(|| DeptProgress {
                    department_id: id,
                    department: name,
                    ..Default::default()
                });
            d.total += n;
            if matches!(state.as_str(), "published" | "appealed" | "confirmed") {
                d.published += n;
            }
            if state == "confirmed" {
                d.confirmed += n;
            }
        }
        out.departments = depts.into_values().collect();
        out.total = by.values().sum();
        out.by_state = STATES
            .iter()
            .map(|s| (*s, by.get(s.as_str()).copied().unwrap_or(0)))
            .collect();
        out.data = sqlx::query(
            "SELECT t.department_id, d.name, t.status, t.due, t.done_at, t.done_by FROM tasks t JOIN departments d ON d.id = t.department_id \
             WHERE t.cycle_id = $1 AND t.kind = 'data' ORDER BY d.name, t.id",
        )
        .bind(cycle_id)
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| DataProgress {
            department_id: r.get("department_id"),
            department: r.get("name"),
            done: r.get::<String, _>("status") == "done",
            due: r.get("due"),
            done_at: r.get("done_at"),
            done_by: r.get("done_by"),
        })
        .collect();
        out.grades = ranks.grades.clone();
        Ok(out)
    }

    pub(crate) async fn cycle_counts_impl(
        &self,
        cycle_ids: &[i64],
    ) -> Result<Vec<(i64, i64, i64)>> {
        if cycle_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = crate::backend::SqlBuilder::new(
            "SELECT cycle_id, COUNT(*) AS n, CAST(SUM(CASE WHEN state = 'confirmed' THEN 1 ELSE 0 END) AS BIGINT) AS done FROM appraisals WHERE cycle_id IN (",
        );
        for (i, id) in cycle_ids.iter().enumerate() {
            if i > 0 {
                qb.push(", ");
            }
            qb.push_bind(*id);
        }
        qb.push(") GROUP BY cycle_id");
        Ok(qb
            .build()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| {
                (
                    r.get("cycle_id"),
                    r.get("n"),
                    r.get::<Option<i64>, _>("done").unwrap_or(0),
                )
            })
            .collect())
    }

    pub(crate) async fn late_tasks_impl(
        &self,
        cycle_id: i64,
        today: &str,
        limit: i64,
    ) -> Result<LateList> {
        let today_d = day("today", today)?;
        const WHERE: &str = " FROM tasks t LEFT JOIN appraisals a ON a.id = t.appraisal_id \
             WHERE t.cycle_id = $1 AND t.status = 'open' AND t.due IS NOT NULL AND t.due < $2 \
             AND (t.kind = 'data' OR (t.kind = 'self' AND a.state = 'self_assessment') OR (t.kind = 'rate' AND a.state = 'rating'))";
        let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n{WHERE}")))
            .bind(cycle_id)
            .bind(today)
            .fetch_one(&self.reader)
            .await?
            .get("n");
        let rows = sqlx::query(
            "SELECT t.id, t.kind, t.rater, t.due, t.appraisal_id, d.name AS dept, s.name AS assignee, s.emp_no AS assignee_no, \
             e.name AS appraisee, e.emp_no AS appraisee_no \
             FROM tasks t LEFT JOIN appraisals a ON a.id = t.appraisal_id LEFT JOIN employees e ON e.id = a.employee_id \
             LEFT JOIN departments d ON d.id = t.department_id LEFT JOIN employees s ON s.id = t.assignee_id \
             WHERE t.cycle_id = $1 AND t.status = 'open' AND t.due IS NOT NULL AND t.due < $2 \
             AND (t.kind = 'data' OR (t.kind = 'self' AND a.state = 'self_assessment') OR (t.kind = 'rate' AND a.state = 'rating')) \
             ORDER BY t.due, t.kind, t.id LIMIT $3",
        )
        .bind(cycle_id)
        .bind(today)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.reader)
        .await?;
        let tasks = rows
            .iter()
            .map(|r| {
                let due: String = r.get("due");
                LateTask {
                    task_id: r.get("id"),
                    kind: r.get("kind"),
                    rater: r.get("rater"),
                    department: r.get("dept"),
                    assignee: r.get("assignee"),
                    assignee_no: r.get("assignee_no"),
                    appraisal_id: r.get("appraisal_id"),
                    appraisee: r.get("appraisee"),
                    appraisee_no: r.get("appraisee_no"),
                    days_late: days_between(&due, today_d),
                    due,
                }
            })
            .collect();
        Ok(LateList { total, tasks })
    }

    /// Ranks within groups (1 = best, ties sharing a rank, as [`rank_in_groups`]) of a
    /// cycle's appraisals by id. A rank depends on the whole group, so it is computed over
    /// the cycle once and kept until the audit log's head moves: every write that changes a
    /// total appends to the log in its transaction, whichever server made it. The head is
    /// read before the totals, so a write in between only makes the next read compute again.
    pub(crate) async fn cycle_ranks(
        &self,
        cycle_id: i64,
    ) -> Result<std::sync::Arc<crate::backend::CycleRanks>> {
        let head: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) AS n FROM audit_log")
            .fetch_one(&self.reader)
            .await?
            .get("n");
        if let Some((at, r)) = self.ranks.lock().expect("rank cache").get(&cycle_id)
            && *at == head
        {
            return Ok(r.clone());
        }
        // Streamed: sqlx's rows are several times the size of what is kept.
        let mut rows = sqlx::query(
            "SELECT a.id, a.grp, a.state, a.total, a.grade, a.department_id, e.emp_no FROM appraisals a \
             JOIN employees e ON e.id = a.employee_id WHERE a.cycle_id = $1",
        )
        .bind(cycle_id)
        .fetch(&self.reader);
        let mut ids = Vec::new();
        let mut keys = Vec::new();
        // (id, department, total, 工号) of each appraisal, for the orders.
        let mut places: Vec<(i64, i64, Option<Decimal>, String)> = Vec::new();
        let mut grades: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_department_state: BTreeMap<(i64, String), i64> = BTreeMap::new();
        while let Some(r) = futures_util::TryStreamExt::try_next(&mut rows).await? {
            let id: i64 = r.get("id");
            let total: Option<String> = r.get("total");
            let total = match total {
                None => None,
                Some(t) => Some(t.parse::<Decimal>().map_err(|_| StoreError::Corrupt {
                    table: "appraisals",
                    id,
                    column: "total",
                })?),
            };
            if let Some(g) = r.get::<Option<String>, _>("grade") {
                *grades.entry(g).or_default() += 1;
            }
            let department_id: i64 = r.get("department_id");
            *by_department_state
                .entry((department_id, r.get("state")))
                .or_default() += 1;
            ids.push(id);
            keys.push((r.get::<String, _>("grp"), total));
            places.push((id, department_id, total, r.get("emp_no")));
        }
        drop(rows);
        let grades = grades.into_iter().collect();
        let appraisals = ids.len() as i64;
        let ranks: HashMap<i64, u32> = ids
            .into_iter()
            .zip(rank_in_groups(&keys))
            .filter_map(|(id, r)| Some((id, r?)))
            .collect();
        // Each order with its key, sorted: those without a key last, ties by 工号.
        let order = |key: &dyn Fn(&(i64, i64, Option<Decimal>, String)) -> Option<Decimal>,
                     highest_first: bool| {
            let mut v: Vec<(Placed, &str)> = places
                .iter()
                .map(|p| {
                    let placed = Placed {
                        id: p.0,
                        department_id: p.1,
                        key: key(p),
                    };
                    (placed, p.3.as_str())
                })
                .collect();
            v.sort_unstable_by(|(a, an), (b, bn)| {
                let by_key = match (a.key, b.key) {
                    (Some(x), Some(y)) if highest_first => y.cmp(&x),
                    (Some(x), Some(y)) => x.cmp(&y),
                    (x, y) => y.is_some().cmp(&x.is_some()),
                };
                by_key.then_with(|| an.cmp(bn))
            });
            v.into_iter().map(|(p, _)| p).collect::<Vec<_>>()
        };
        let by_total = order(&|p| p.2, true);
        let by_rank = order(&|p| ranks.get(&p.0).map(|&r| Decimal::from(r)), false);
        drop(places);
        let ranks = std::sync::Arc::new(crate::backend::CycleRanks {
            ranks,
            appraisals,
            by_total,
            by_rank,
            grades,
            by_department_state,
        });
        let mut cache = self.ranks.lock().expect("rank cache");
        if cache.len() >= 16 {
            cache.clear();
        }
        cache.insert(cycle_id, (head, ranks.clone()));
        Ok(ranks)
    }

    pub(crate) async fn results_after_impl(
        &self,
        cycle_id: i64,
        scope: &Scope,
        after: Option<i64>,
        page: Page,
    ) -> Result<ResultsSlice> {
        let ranks = self.cycle_ranks(cycle_id).await?;
        let in_scope = |qb: &mut crate::backend::SqlBuilder| {
            if let Scope::Departments(ds) = scope {
                qb.push(" AND a.department_id IN (-1");
                for d in ds {
                    qb.push(", ").push_bind(*d);
                }
                qb.push(")");
            }
        };
        let total_rows: i64 = if scope.is_all() {
            ranks.appraisals
        } else {
            let mut count = crate::backend::SqlBuilder::new(
                "SELECT COUNT(*) AS n FROM appraisals a WHERE a.cycle_id = ",
            );
            count.push_bind(cycle_id);
            in_scope(&mut count);
            count.build().fetch_one(&self.reader).await?.get("n")
        };
        let limit = page.limit.clamp(1, 1000);
        let mut qb = crate::backend::SqlBuilder::new(format!("{RESULTS_FROM} WHERE a.cycle_id = "));
        qb.push_bind(cycle_id);
        in_scope(&mut qb);
        match after {
            Some(after) => {
                qb.push(" AND a.id > ").push_bind(after);
                qb.push(" ORDER BY a.id LIMIT ").push_bind(limit);
            }
            None if scope.is_all() => {
                // The page's ids from the appraisals alone (an index), then their rows.
                qb.push(" AND a.id IN (SELECT id FROM appraisals WHERE cycle_id = ")
                    .push_bind(cycle_id)
                    .push(" ORDER BY id LIMIT ")
                    .push_bind(limit)
                    .push(" OFFSET ")
                    .push_bind(page.offset.max(0))
                    .push(") ORDER BY a.id");
            }
            None => {
                qb.push(" ORDER BY a.id LIMIT ").push_bind(limit);
                qb.push(" OFFSET ").push_bind(page.offset.max(0));
            }
        }
        let rows = qb
            .build()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| ranks.result_row(r))
            .collect::<Result<_>>()?;
        Ok(ResultsSlice { total_rows, rows })
    }

    pub(crate) async fn results_page_impl(
        &self,
        cycle_id: i64,
        q: &ResultQuery,
    ) -> Result<ResultsSlice> {
        let total_rows: i64 = if q.department_id.is_none() && q.within.is_none() {
            self.cycle_ranks(cycle_id).await?.appraisals
        } else {
            let mut count = crate::backend::SqlBuilder::new(
                "SELECT COUNT(*) AS n FROM appraisals a WHERE a.cycle_id = ",
            );
            count.push_bind(cycle_id);
            if let Some(d) = q.department_id {
                count.push(" AND a.department_id = ").push_bind(d);
            }
            within(&mut count, "a.department_id", &q.within);
            count.build().fetch_one(&self.reader).await?.get("n")
        };
        if q.sort != ResultSort::Rank {
            return self.results_sorted(cycle_id, q, total_rows).await;
        }
        // Ranks over the whole group (whatever the filter), ties sharing a rank: the
        // cycle's order by rank, kept with the ranks.
        let ranks = self.cycle_ranks(cycle_id).await?;
        let order = crate::backend::in_order(&ranks.by_rank, q.desc);
        self.results_in_order(&ranks, order, q, total_rows).await
    }

    /// A page sorted by a column of the rows themselves: the database sorts and pages
    /// (by an index for 工号 and 姓名, the first page without reading the rest), and the
    /// ranks come from [`Db::cycle_ranks`] instead of a window over the whole cycle.
    async fn results_sorted(
        &self,
        cycle_id: i64,
        q: &ResultQuery,
        total_rows: i64,
    ) -> Result<ResultsSlice> {
        let ranks = self.cycle_ranks(cycle_id).await?;
        if q.sort == ResultSort::Total {
            let order = crate::backend::in_order(&ranks.by_total, !q.desc);
            return self.results_in_order(&ranks, order, q, total_rows).await;
        }
        let mut qb = crate::backend::SqlBuilder::new(format!("{RESULTS_FROM} WHERE a.cycle_id = "));
        qb.push_bind(cycle_id);
        if let Some(d) = q.department_id {
            qb.push(" AND a.department_id = ").push_bind(d);
        }
        within(&mut qb, "a.department_id", &q.within);
        let dir = if q.desc { "DESC" } else { "ASC" };
        // A fixed list of columns: never user text in SQL.
        let (col, nullable) = match q.sort {
            ResultSort::EmpNo => ("e.emp_no", false),
            ResultSort::Name => ("e.name", false),
            ResultSort::Department => ("d.name", false),
            ResultSort::Group => ("a.grp", false),
            ResultSort::Total => unreachable!("sorted by total from the ranking"),
            ResultSort::Grade => ("a.grade", true),
            ResultSort::Bonus => ("CAST(a.bonus AS DOUBLE PRECISION)", true),
            ResultSort::Rank => unreachable!("sorted by rank from the ranking"),
        };
        if nullable {
            qb.push(format!(
                " ORDER BY ({col} IS NULL), {col} {dir}, e.emp_no LIMIT "
            ));
        } else {
            qb.push(format!(" ORDER BY {col} {dir}, e.emp_no LIMIT "));
        }
        qb.push_bind(q.page.limit.clamp(1, 1000));
        qb.push(" OFFSET ");
        qb.push_bind(q.page.offset.max(0));
        let rows = qb
            .build()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| ranks.result_row(r))
            .collect::<Result<_>>()?;
        Ok(ResultsSlice { total_rows, rows })
    }

    /// A page in one of the cycle's orders kept by [`Db::cycle_ranks`] (by total, by
    /// rank): the page's appraisals picked there, then read by id. No index on the total
    /// (every write of new figures would have to update it), no window over the cycle.
    async fn results_in_order(
        &self,
        ranks: &crate::backend::CycleRanks,
        order: impl Iterator<Item = &Placed>,
        q: &ResultQuery,
        total_rows: i64,
    ) -> Result<ResultsSlice> {
        let within: Option<std::collections::HashSet<i64>> =
            q.within.as_ref().map(|w| w.iter().copied().collect());
        let page: Vec<i64> = order
            .filter(|e| {
                q.department_id.is_none_or(|d| e.department_id == d)
                    && within.as_ref().is_none_or(|w| w.contains(&e.department_id))
            })
            .skip(q.page.offset.max(0) as usize)
            .take(q.page.limit.clamp(1, 1000) as usize)
            .map(|e| e.id)
            .collect();
        let mut qb = crate::backend::SqlBuilder::new(format!("{RESULTS_FROM} WHERE a.id"));
        qb.push_ids(&page);
        let mut rows: HashMap<i64, ResultRow> = qb
            .build()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| Ok((r.get("id"), ranks.result_row(r)?)))
            .collect::<Result<_>>()?;
        let rows = page.iter().filter_map(|id| rows.remove(id)).collect();
        Ok(ResultsSlice { total_rows, rows })
    }

    pub(crate) async fn grade_quotas_impl(&self, cycle_id: i64) -> Result<Vec<GradeQuota>> {
        Ok(sqlx::query(
            "SELECT grade, max_pct, min_pct FROM grade_quotas WHERE cycle_id = $1 ORDER BY grade",
        )
        .bind(cycle_id)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| GradeQuota {
            grade: r.get("grade"),
            max_pct: r.get("max_pct"),
            min_pct: r.get("min_pct"),
        })
        .collect())
    }

    pub(crate) async fn set_grade_quotas_impl(
        &self,
        actor: &str,
        cycle_id: i64,
        quotas: &[GradeQuota],
    ) -> Result<Vec<GradeQuota>> {
        let clean: Vec<GradeQuota> = quotas
            .iter()
            .map(|q| {
                let v = |s: &Option<String>| {
                    s.as_deref()
                        .map(|s| s.trim().trim_end_matches('%').trim().to_string())
                        .filter(|s| !s.is_empty())
                };
                GradeQuota {
                    grade: q.grade.trim().to_string(),
                    max_pct: v(&q.max_pct),
                    min_pct: v(&q.min_pct),
                }
            })
            .filter(|q| q.max_pct.is_some() || q.min_pct.is_some())
            .collect();
        validate_quotas(&clean).map_err(StoreError::Fields)?;
        // Stored as the decimal's own text (`20`, `5.5`).
        let clean: Vec<GradeQuota> = clean
            .into_iter()
            .map(|q| {
                let n = |s: Option<String>| {
                    s.and_then(|s| s.parse::<Decimal>().ok())
                        .map(|d| d.normalize().to_string())
                };
                GradeQuota {
                    grade: q.grade,
                    max_pct: n(q.max_pct),
                    min_pct: n(q.min_pct),
                }
            })
            .collect();
        let mut tx = self.begin_write().await?;
        let cy = Self::load_cycle(&mut tx, cycle_id).await?;
        let text = |qs: &[GradeQuota]| {
            qs.iter()
                .map(|q| {
                    format!(
                        "{}: ≤{} ≥{}",
                        q.grade,
                        q.max_pct.as_deref().unwrap_or("-"),
                        q.min_pct.as_deref().unwrap_or("-")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let old: Vec<GradeQuota> = sqlx::query(
            "SELECT grade, max_pct, min_pct FROM grade_quotas WHERE cycle_id = $1 ORDER BY grade",
        )
        .bind(cy.id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| GradeQuota {
            grade: r.get("grade"),
            max_pct: r.get("max_pct"),
            min_pct: r.get("min_pct"),
        })
        .collect();
        sqlx::query("DELETE FROM grade_quotas WHERE cycle_id = $1")
            .bind(cy.id)
            .execute(&mut *tx)
            .await?;
        let at = now();
        for q in &clean {
            sqlx::query("INSERT INTO grade_quotas (cycle_id, grade, max_pct, min_pct, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(cy.id)
                .bind(&q.grade)
                .bind(&q.max_pct)
                .bind(&q.min_pct)
                .bind(actor)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
        }
        let mut sorted = clean.clone();
        sorted.sort_by(|a, b| a.grade.cmp(&b.grade));
        if old != sorted {
            self.append_audits(
                &mut tx,
                &[NewAudit {
                    actor: actor.into(),
                    action: "cycle.quotas".into(),
                    entity: "cycle".into(),
                    entity_id: cy.id.to_string(),
                    old_value: Some(text(&old)),
                    new_value: Some(text(&sorted)),
                    ..Default::default()
                }],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(sorted)
    }

    pub(crate) async fn appeals_impl(&self, page: Page) -> Result<Vec<AppealRow>> {
        let rows = sqlx::query(
            "SELECT a.id, a.version, a.cycle_id, c.name AS cycle, c.period, c.template_id, e.emp_no, e.name, d.name AS dept, a.total, a.grade, a.appeal \
             FROM appraisals a JOIN cycles c ON c.id = a.cycle_id JOIN employees e ON e.id = a.employee_id JOIN departments d ON d.id = a.department_id \
             WHERE a.state = 'appealed' ORDER BY a.updated_at, a.id LIMIT $1 OFFSET $2",
        )
        .bind(page.limit.clamp(1, 1000))
        .bind(page.offset.max(0))
        .fetch_all(&self.reader)
        .await?;
        let mut forms: BTreeMap<i64, Option<kaohe_core::Template>> = BTreeMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let tid: i64 = r.get("template_id");
            if let std::collections::btree_map::Entry::Vacant(slot) = forms.entry(tid) {
                let src: String = sqlx::query("SELECT source FROM templates WHERE id = $1")
                    .bind(tid)
                    .fetch_one(&self.reader)
                    .await?
                    .get("source");
                slot.insert(kaohe_core::compile_str(&src).ok());
            }
            let appeal: Appeal = r
                .get::<Option<String>, _>("appeal")
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            let t = forms.get(&tid).and_then(|t| t.as_ref());
            let items = appeal
                .items
                .iter()
                .map(
                    |id| match t.and_then(|t| t.items.iter().find(|i| &i.id == id)) {
                        Some(i) => (id.clone(), i.name.clone(), i.name_en.clone()),
                        None => (id.clone(), id.clone(), None),
                    },
                )
                .collect();
            out.push(AppealRow {
                appraisal_id: r.get("id"),
                version: r.get("version"),
                cycle_id: r.get("cycle_id"),
                cycle: r.get("cycle"),
                period: r.get("period"),
                emp_no: r.get("emp_no"),
                name: r.get("name"),
                department: r.get("dept"),
                total: r.get("total"),
                grade: r.get("grade"),
                appeal,
                items,
            });
        }
        Ok(out)
    }

    pub(crate) async fn audit_search_impl(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let some = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut problems = Vec::new();
        let from = match some(&q.from).map(|s| day("from", &s)) {
            Some(Err(StoreError::Fields(f))) => {
                problems.extend(f);
                None
            }
            Some(Ok(d)) => Some(day_text(d)),
            _ => None,
        };
        let to = match some(&q.to).map(|s| day("to", &s)) {
            Some(Err(StoreError::Fields(f))) => {
                problems.extend(f);
                None
            }
            Some(Ok(d)) => d.next_day().map(day_text),
            _ => None,
        };
        if !problems.is_empty() {
            return Err(StoreError::Fields(problems));
        }
        let mut qb = crate::backend::SqlBuilder::new(
            "SELECT id, at, actor, action, entity, entity_id, old_value, new_value, reason, prev_hash, hash FROM audit_log WHERE 1 = 1",
        );
        if let Some(a) = some(&q.actor) {
            // Also what they did as a delegate (`a 代 p`) and what was done for them (`d 代 a`).
            let esc = a
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            qb.push(" AND (actor = ")
                .push_bind(a.clone())
                .push(" OR actor LIKE ")
                .push_bind(format!("{esc}{}%", crate::policy::ON_BEHALF))
                .push(" ESCAPE '\\' OR actor LIKE ")
                .push_bind(format!("%{}{esc}", crate::policy::ON_BEHALF))
                .push(" ESCAPE '\\')");
        }
        if let Some(e) = some(&q.entity) {
            qb.push(" AND entity = ").push_bind(e);
        }
        if let Some(e) = some(&q.entity_id) {
            qb.push(" AND entity_id = ").push_bind(e);
        }
        if let Some(f) = from {
            qb.push(" AND at >= ").push_bind(f);
        }
        if let Some(t) = to {
            qb.push(" AND at < ").push_bind(t);
        }
        if let Some(t) = some(&q.text) {
            let p = like_pattern(&t);
            qb.push(" AND (");
            for (i, col) in [
                "action",
                "entity_id",
                "COALESCE(old_value, '')",
                "COALESCE(new_value, '')",
                "COALESCE(reason, '')",
            ]
            .iter()
            .enumerate()
            {
                if i > 0 {
                    qb.push(" OR ");
                }
                qb.push(format!("LOWER({col}) LIKE "))
                    .push_bind(p.clone())
                    .push(" ESCAPE '\\'");
            }
            qb.push(")");
        }
        qb.push(" ORDER BY id DESC LIMIT ")
            .push_bind(q.page.limit.clamp(1, 1000));
        qb.push(" OFFSET ").push_bind(q.page.offset.max(0));
        let rows = qb.build().fetch_all(&self.reader).await?;
        Ok(rows
            .iter()
            .map(AuditEntry::from_row)
            .collect::<std::result::Result<_, _>>()?)
    }

    pub(crate) async fn audit_kinds_impl(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query("SELECT DISTINCT entity FROM audit_log ORDER BY entity")
                .fetch_all(&self.reader)
                .await?
                .iter()
                .map(|r| r.get("entity"))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn quotas_are_checked_within_each_department_too() {
        let row = |dept: &str, grade: &str| crate::ResultRow {
            appraisal_id: 0,
            emp_no: String::new(),
            name: String::new(),
            department_id: 0,
            department: dept.into(),
            group: String::new(),
            state: kaohe_core::workflow::State::Published,
            total: Some("90".into()),
            grade: Some(grade.into()),
            bonus: None,
            rank: None,
        };
        // Over the cycle A is 2 of 5 = 40%; within 市场部 it is 2 of 2 = 100%.
        let rows = [
            row("市场部", "A"),
            row("市场部", "A"),
            row("客服部", "B"),
            row("客服部", "B"),
            row("客服部", "C"),
        ];
        let order = ["A".to_string(), "B".to_string(), "C".to_string()];
        let quotas = [GradeQuota {
            grade: "A".into(),
            max_pct: Some("50".into()),
            min_pct: None,
        }];
        let counts = [
            ("A".to_string(), 2),
            ("B".to_string(), 2),
            ("C".to_string(), 1),
        ];
        assert!(
            !check_quotas(&order, &counts, &quotas)
                .iter()
                .any(|c| c.over)
        );
        let by = check_quotas_by_group(&order, &rows, &quotas);
        let sc = &by.iter().find(|(g, _)| g == "市场部").unwrap().1;
        assert!(
            sc.iter()
                .any(|c| c.grade == "A" && c.over && c.share == "100.0")
        );
        let kf = &by.iter().find(|(g, _)| g == "客服部").unwrap().1;
        assert!(!kf.iter().any(|c| c.over));
        // One department only: nothing more to say than the cycle's check.
        assert!(check_quotas_by_group(&order, &rows[..2], &quotas).is_empty());
    }

    use super::*;

    #[test]
    fn quotas_are_checked_by_share() {
        let counts = vec![
            ("A".to_string(), 3),
            ("B".to_string(), 6),
            ("D".to_string(), 1),
        ];
        let quotas = vec![
            GradeQuota {
                grade: "A".into(),
                max_pct: Some("20".into()),
                min_pct: None,
            },
            GradeQuota {
                grade: "D".into(),
                max_pct: None,
                min_pct: Some("5".into()),
            },
            GradeQuota {
                grade: "C".into(),
                max_pct: None,
                min_pct: Some("5".into()),
            },
        ];
        let order = ["A", "B", "C", "D"].map(String::from);
        let c = check_quotas(&order, &counts, &quotas);
        assert_eq!(
            c.iter().map(|c| c.grade.as_str()).collect::<Vec<_>>(),
            ["A", "B", "C", "D"]
        );
        assert_eq!(
            (c[0].share.as_str(), c[0].over, c[0].under),
            ("30.0", true, false)
        );
        assert_eq!((c[2].count, c[2].under), (0, true));
        assert_eq!((c[3].share.as_str(), c[3].under), ("10.0", false));
        assert!(!c[1].over && !c[1].under);
    }

    #[test]
    fn quotas_as_typed_are_validated() {
        let q = |g: &str, max: Option<&str>, min: Option<&str>| GradeQuota {
            grade: g.into(),
            max_pct: max.map(String::from),
            min_pct: min.map(String::from),
        };
        assert!(validate_quotas(&[q("A", Some("20%"), None), q("D", None, Some("5"))]).is_ok());
        let e = validate_quotas(&[
            q("A", Some("120"), None),
            q("B", Some("10"), Some("30")),
            q("B", None, None),
        ])
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(fields, ["quotas.A.max", "quotas.B.min", "quotas.B"]);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_A"), "%50\\%\\_a%");
        assert_eq!(
            days_between("2026-12-05", time::macros::date!(2026 - 12 - 08)),
            3
        );
        assert_eq!(
            days_between("2026-12-05T10:00:00Z", time::macros::date!(2026 - 12 - 06)),
            1
        );
    }
}
