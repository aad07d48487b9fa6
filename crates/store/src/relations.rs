//! 考核关系 — who rates whom in a cycle: each appraisee with the people their self-assessment
//! and rating tasks are assigned to (and whether they are done), a page at a time in 工号
//! order. Who reviews and approves follows from grants over the tree (`policy`); the page
//! works that out per department from [`crate::Store::users`] and the departments.

use crate::*;
use kaohe_core::workflow::State;
use sqlx::Row;

/// One rating or self-assessment task of an appraisal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaterTask {
    pub task_id: i64,
    /// `self` or `rate`.
    pub kind: String,
    /// The template's rater id (`supervisor`, `hr` …); none for self-assessment.
    pub rater: Option<String>,
    /// The person it is assigned to: (工号, 姓名).
    pub assignee: Option<(String, String)>,
    pub done: bool,
}

/// An appraisee of a cycle and their raters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationRow {
    pub appraisal_id: i64,
    pub emp_no: String,
    pub name: String,
    pub department_id: i64,
    pub department: String,
    pub state: State,
    pub tasks: Vec<RaterTask>,
}

/// A page of a cycle's 考核关系 and how many appraisees it has in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relations {
    pub total_rows: i64,
    pub rows: Vec<RelationRow>,
}

impl Db {
    pub(crate) async fn relations_impl(&self, cycle_id: i64, page: Page) -> Result<Relations> {
        let total_rows: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM appraisals WHERE cycle_id = $1")
                .bind(cycle_id)
                .fetch_one(&self.reader)
                .await?
                .get("n");
        let mut rows = Vec::new();
        for r in sqlx::query(
            "SELECT a.id, e.emp_no, e.name, a.department_id, d.name AS dept, a.state FROM appraisals a \
             JOIN employees e ON e.id = a.employee_id JOIN departments d ON d.id = a.department_id \
             WHERE a.cycle_id = $1 ORDER BY e.emp_no LIMIT $2 OFFSET $3",
        )
        .bind(cycle_id)
        .bind(page.limit.clamp(1, 1000))
        .bind(page.offset.max(0))
        .fetch_all(&self.reader)
        .await?
        {
            let id: i64 = r.get("id");
            let state: String = r.get("state");
            rows.push(RelationRow {
                appraisal_id: id,
                emp_no: r.get("emp_no"),
                name: r.get("name"),
                department_id: r.get("department_id"),
                department: r.get("dept"),
                state: State::parse(&state).ok_or(StoreError::Corrupt {
                    table: "appraisals",
                    id,
                    column: "state",
                })?,
                tasks: Vec::new(),
            });
        }
        if rows.is_empty() {
            return Ok(Relations { total_rows, rows });
        }
        let mut qb = crate::backend::SqlBuilder::new(
            "SELECT t.id, t.appraisal_id, t.kind, t.rater, t.status, x.emp_no, x.name FROM tasks t \
             LEFT JOIN employees x ON x.id = t.assignee_id WHERE t.kind IN ('self', 'rate') AND t.appraisal_id IN (-1",
        );
        for r in &rows {
            qb.push(", ").push_bind(r.appraisal_id);
        }
        qb.push(") ORDER BY t.id");
        let at: std::collections::HashMap<i64, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.appraisal_id, i))
            .collect();
        for t in qb.build().fetch_all(&self.reader).await? {
            let aid: i64 = t.get("appraisal_id");
            let Some(&i) = at.get(&aid) else { continue };
            let no: Option<String> = t.get("emp_no");
            let name: Option<String> = t.get("name");
            rows[i].tasks.push(RaterTask {
                task_id: t.get("id"),
                kind: t.get("kind"),
                rater: t.get("rater"),
                assignee: no.zip(name),
                done: t.get::<String, _>("status") == "done",
            });
        }
        Ok(Relations { total_rows, rows })
    }
}
