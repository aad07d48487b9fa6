//! Delegation (代理, migration 0017) and HR's reassignment of a stuck task.
//!
//! A principal hands their rating, review and approval work to a delegate for a range of
//! days; HR may do it for anyone. While a delegation is in force (today's date, UTC, as the
//! other deadlines, within the range and not revoked) the store gathers the principal as a
//! fact and [`crate::policy::act_for`] decides what the delegate gains on each appraisal; the
//! delegate's writes are audited as `李四 代 王五` (`lisi 代 wangwu`, see
//! [`crate::policy::actor`]). Every create, revoke and reassignment is audited.

use crate::policy::{self, Capability, Principal};
use crate::*;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// A delegation as stored, with both people's names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    pub id: i64,
    /// The principal's username (whose work is handed over).
    pub principal: String,
    /// The principal's name (the employee's, else the username).
    pub principal_name: String,
    /// The delegate's username (who does the work).
    pub delegate: String,
    pub delegate_name: String,
    /// First day, `2026-12-06`.
    pub from: String,
    /// Last day (inclusive).
    pub to: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
}

impl Delegation {
    /// `revoked`, `ended`, `active` or `upcoming` on `today` (`2026-12-06`).
    pub fn status(&self, today: &str) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.to.as_str() < today {
            "ended"
        } else if self.from.as_str() <= today {
            "active"
        } else {
            "upcoming"
        }
    }
}

/// A delegation to create: principal and delegate by username, days inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDelegation {
    pub principal: String,
    pub delegate: String,
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub reason: String,
}

/// Today's date as deadlines compare it (UTC), `2026-12-06`.
pub fn today() -> String {
    now()[..10].to_string()
}

const DELEGATION_SELECT: &str = "SELECT g.id, p.username AS principal, pe.name AS principal_name, d.username AS delegate, de.name AS delegate_name, \
     g.from_date, g.to_date, g.reason, g.created_by, g.created_at, g.revoked_at, g.revoked_by \
     FROM delegations g JOIN users p ON p.id = g.principal_id LEFT JOIN employees pe ON pe.id = p.employee_id \
     JOIN users d ON d.id = g.delegate_id LEFT JOIN employees de ON de.id = d.employee_id";

fn delegation_from(r: &sqlx::any::AnyRow) -> Delegation {
    let principal: String = r.get("principal");
    let delegate: String = r.get("delegate");
    Delegation {
        id: r.get("id"),
        principal_name: r
            .get::<Option<String>, _>("principal_name")
            .unwrap_or_else(|| principal.clone()),
        principal,
        delegate_name: r
            .get::<Option<String>, _>("delegate_name")
            .unwrap_or_else(|| delegate.clone()),
        delegate,
        from: r.get("from_date"),
        to: r.get("to_date"),
        reason: r.get("reason"),
        created_by: r.get("created_by"),
        created_at: r.get("created_at"),
        revoked_at: r.get("revoked_at"),
        revoked_by: r.get("revoked_by"),
    }
}

fn field(name: &str, t: Text) -> StoreError {
    StoreError::Fields(vec![(name.into(), t)])
}

fn day(name: &str, v: &str) -> Result<String> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(v.trim(), &f)
        .map(|_| v.trim().to_string())
        .map_err(|_| field(name, text!("not-a-date", value = v)))
}

/// The people whose work a delegate does on a day, in the order delegated: `principal_id`,
/// `username`, `name`, for the placeholders of the delegate's user id and the day (twice).
pub(crate) fn principals_sql([delegate, from, to]: [&str; 3]) -> String {
    format!(
        "SELECT g.principal_id, u.username, e.name FROM delegations g JOIN users u ON u.id = g.principal_id \
         LEFT JOIN employees e ON e.id = u.employee_id \
         WHERE g.delegate_id = {delegate} AND g.revoked_at IS NULL AND g.from_date <= {from} AND g.to_date >= {to} ORDER BY g.id"
    )
}

impl Db {
    /// The users whose work `who` does today, by delegation, with their names.
    pub(crate) async fn principals_on(
        c: &mut sqlx::AnyConnection,
        who: &User,
    ) -> Result<Vec<(User, Principal)>> {
        let today = today();
        let rows = sqlx::query(sqlx::AssertSqlSafe(principals_sql(["$1", "$2", "$3"])))
            .bind(who.id)
            .bind(&today)
            .bind(&today)
            .fetch_all(&mut *c)
            .await?;
        let found = rows
            .iter()
            .map(|r| (r.get("principal_id"), r.get("username"), r.get("name")))
            .collect();
        Self::principals_loaded(c, found).await
    }

    /// The principals [`principals_sql`] found (id, user name, name), each with their
    /// account and grants.
    pub(crate) async fn principals_loaded(
        c: &mut sqlx::AnyConnection,
        found: Vec<(i64, String, Option<String>)>,
    ) -> Result<Vec<(User, Principal)>> {
        let mut out = Vec::new();
        for (id, username, name) in found {
            if let Some(u) = Self::load_user_on(&mut *c, id).await? {
                out.push((
                    u,
                    Principal {
                        name: name.unwrap_or_else(|| username.clone()),
                        username,
                    },
                ));
            }
        }
        Ok(out)
    }

    async fn user_row(c: &mut sqlx::AnyConnection, username: &str) -> Result<Option<(i64, bool)>> {
        Ok(sqlx::query(
            "SELECT id, CASE WHEN disabled THEN 1 ELSE 0 END AS disabled FROM users WHERE username = $1",
        )
        .bind(username.trim())
        .fetch_optional(&mut *c)
        .await?
        .map(|r| (r.get("id"), r.get::<i64, _>("disabled") != 0)))
    }

    async fn delegation_by_id(c: &mut sqlx::AnyConnection, id: i64) -> Result<Delegation> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{DELEGATION_SELECT} WHERE g.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
        .map(|r| delegation_from(&r))
        .ok_or(StoreError::NotFound {
            what: Thing::Delegation,
            key: id.to_string(),
        })
    }

    pub(crate) async fn create_delegation_impl(
        &self,
        who: &User,
        n: &NewDelegation,
    ) -> Result<Delegation> {
        let mut tx = self.begin_write().await?;
        let principal = n.principal.trim();
        let Some((principal_id, _)) = Self::user_row(&mut tx, principal).await? else {
            return Err(field(
                "principal",
                text!("delegation-unknown-user", name = principal),
            ));
        };
        policy::may_delegate(who, principal_id)?;
        let delegate = n.delegate.trim();
        let mut problems = Vec::new();
        match Self::user_row(&mut tx, delegate).await? {
            None => problems.push((
                "delegate".to_string(),
                text!("delegation-unknown-user", name = delegate),
            )),
            Some((id, _)) if id == principal_id => {
                problems.push(("delegate".into(), text!("delegation-self")))
            }
            Some((_, true)) => problems.push((
                "delegate".into(),
                text!("delegation-disabled", name = delegate),
            )),
            Some(_) => {}
        }
        let from = day("from", &n.from);
        let to = day("to", &n.to);
        let today = today();
        match (&from, &to) {
            (Err(StoreError::Fields(f)), _) | (_, Err(StoreError::Fields(f))) => {
                problems.extend(f.iter().cloned())
            }
            (Ok(f), Ok(t)) if t < f => {
                problems.push(("to".into(), text!("delegation-to-before-from")))
            }
            (Ok(_), Ok(t)) if t.as_str() < today.as_str() => {
                problems.push(("to".into(), text!("delegation-in-past", today = today)))
            }
            _ => {}
        }
        if !problems.is_empty() {
            return Err(StoreError::Fields(problems));
        }
        let (from, to) = (from?, to?);
        let delegate_id = Self::user_row(&mut tx, delegate)
            .await?
            .map(|x| x.0)
            .unwrap_or_default();
        if let Some(r) = sqlx::query(
            "SELECT g.from_date, g.to_date, u.username FROM delegations g JOIN users u ON u.id = g.delegate_id \
             WHERE g.principal_id = $1 AND g.revoked_at IS NULL AND g.from_date <= $2 AND g.to_date >= $3 AND g.to_date >= $4 ORDER BY g.id LIMIT 1",
        )
        .bind(principal_id)
        .bind(&to)
        .bind(&from)
        .bind(&today)
        .fetch_optional(&mut *tx)
        .await?
        {
            return Err(field(
                "from",
                text!(
                    "delegation-overlap",
                    from = r.get::<String, _>("from_date"),
                    to = r.get::<String, _>("to_date"),
                    delegate = r.get::<String, _>("username")
                ),
            ));
        }
        let at = now();
        let id: i64 = sqlx::query(
            "INSERT INTO delegations (principal_id, delegate_id, from_date, to_date, reason, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(principal_id)
        .bind(delegate_id)
        .bind(&from)
        .bind(&to)
        .bind(n.reason.trim())
        .bind(&who.username)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?
        .get("id");
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: who.username.clone(),
                action: "delegation.create".into(),
                entity: "delegation".into(),
                entity_id: id.to_string(),
                old_value: None,
                new_value: Some(format!("{principal} → {delegate} {from}..{to}")),
                reason: (!n.reason.trim().is_empty()).then(|| n.reason.trim().to_string()),
            },
        )
        .await?;
        let d = Self::delegation_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(d)
    }

    pub(crate) async fn delegations_impl(&self, who: &User) -> Result<Vec<Delegation>> {
        let all = policy::sees_all_delegations(who);
        let sql = if all {
            format!("{DELEGATION_SELECT} WHERE 1 = $1 ORDER BY g.id DESC LIMIT 2000")
        } else {
            format!(
                "{DELEGATION_SELECT} WHERE g.principal_id = $1 OR g.delegate_id = $1 ORDER BY g.id DESC LIMIT 2000"
            )
        };
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(if all { 1 } else { who.id })
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(delegation_from)
            .collect())
    }

    pub(crate) async fn revoke_delegation_impl(&self, who: &User, id: i64) -> Result<Delegation> {
        let mut tx = self.begin_write().await?;
        let d = Self::delegation_by_id(&mut tx, id).await?;
        let principal_id = Self::user_row(&mut tx, &d.principal)
            .await?
            .map(|x| x.0)
            .unwrap_or_default();
        if !policy::sees_all_delegations(who) && who.id != principal_id {
            let delegate_id = Self::user_row(&mut tx, &d.delegate).await?.map(|x| x.0);
            if delegate_id != Some(who.id) {
                // Someone else's delegation is not there for them.
                return Err(StoreError::NotFound {
                    what: Thing::Delegation,
                    key: id.to_string(),
                });
            }
        }
        policy::may_delegate(who, principal_id)?;
        if d.revoked_at.is_some() {
            return Err(StoreError::Workflow(text!("delegation-revoked-already")));
        }
        let at = now();
        sqlx::query("UPDATE delegations SET revoked_at = $1, revoked_by = $2 WHERE id = $3")
            .bind(&at)
            .bind(&who.username)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: who.username.clone(),
                action: "delegation.revoke".into(),
                entity: "delegation".into(),
                entity_id: id.to_string(),
                old_value: Some(format!(
                    "{} → {} {}..{}",
                    d.principal, d.delegate, d.from, d.to
                )),
                new_value: Some("revoked".into()),
                reason: None,
            },
        )
        .await?;
        let d = Self::delegation_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(d)
    }

    /// HR hands an open rating task to another employee, audited old → new.
    pub(crate) async fn reassign_task_impl(
        &self,
        who: &User,
        task_id: i64,
        emp_no: &str,
        reason: &str,
    ) -> Result<Task> {
        if !policy::require(who, Capability::ManageCycles)?.is_all() {
            return Err(policy::hr_only().into());
        }
        let mut tx = self.begin_write().await?;
        let Some(t) = sqlx::query(
            "SELECT t.id, t.kind, t.status, t.assignee_id, a.employee_id AS appraisee_id, s.emp_no AS old_no, s.name AS old_name \
             FROM tasks t LEFT JOIN appraisals a ON a.id = t.appraisal_id LEFT JOIN employees s ON s.id = t.assignee_id WHERE t.id = $1",
        )
        .bind(task_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Err(field("task", text!("task-unknown", id = task_id)));
        };
        if t.get::<String, _>("kind") != "rate" {
            return Err(field("task", text!("task-reassign-rate-only")));
        }
        if t.get::<String, _>("status") != "open" {
            return Err(StoreError::Workflow(text!("task-done-already")));
        }
        let Some(e) = sqlx::query("SELECT id, emp_no, name FROM employees WHERE emp_no = $1")
            .bind(emp_no.trim())
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Err(field(
                "employee",
                text!("task-unknown-employee", emp_no = emp_no.trim()),
            ));
        };
        let new_id: i64 = e.get("id");
        let old_id: Option<i64> = t.get("assignee_id");
        if old_id == Some(new_id) {
            return Err(field("employee", text!("task-same-assignee")));
        }
        if t.get::<Option<i64>, _>("appraisee_id") == Some(new_id) {
            return Err(field("employee", text!("task-own-appraisal")));
        }
        sqlx::query("UPDATE tasks SET assignee_id = $1 WHERE id = $2")
            .bind(new_id)
            .bind(task_id)
            .execute(&mut *tx)
            .await?;
        let old = match (
            t.get::<Option<String>, _>("old_no"),
            t.get::<Option<String>, _>("old_name"),
        ) {
            (Some(no), Some(name)) => format!("{no} {name}"),
            _ => "-".into(),
        };
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: who.username.clone(),
                action: "task.reassign".into(),
                entity: "task".into(),
                entity_id: task_id.to_string(),
                old_value: Some(old),
                new_value: Some(format!(
                    "{} {}",
                    e.get::<String, _>("emp_no"),
                    e.get::<String, _>("name")
                )),
                reason: (!reason.trim().is_empty()).then(|| reason.trim().to_string()),
            },
        )
        .await?;
        let r = sqlx::query(
            "SELECT t.id, t.cycle_id, t.appraisal_id, t.kind, t.rater, t.department_id, t.assignee_id, t.status, t.due, e.name AS appraisee \
             FROM tasks t LEFT JOIN appraisals a ON a.id = t.appraisal_id LEFT JOIN employees e ON e.id = a.employee_id WHERE t.id = $1",
        )
        .bind(task_id)
        .fetch_one(&mut *tx)
        .await?;
        let task = crate::cycles::task_from(&r);
        tx.commit().await?;
        Ok(task)
    }
}
