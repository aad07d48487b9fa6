//! 考核关系 — who rates whom in a cycle: each appraisee with the people their self-assessment
//! and rating tasks are assigned to (and whether they are done), a page at a time in 工号
//! order. For a draft, the raters a launch would assign (planned from the cycle's rules and
//! per-person raters, [`crate::rules`]) and where each came from. Who reviews and approves
//! follows from grants over the tree (`policy`); the page works that out per department
//! from [`crate::Store::users`] and the departments.
//!
//! The import ([`Db::import_relations_impl`]) takes the export's layout back: on a draft it
//! sets the per-person raters (`members.raters`, audited as the cycle's edit); on a launched
//! cycle every changed rater of an open task moves the task (audited old → new per task),
//! and a change to a done task refuses the file. All rows or none.

use crate::rules::{Assignee, Planned, Why};
use crate::*;
use kaohe_core::workflow::State;
use sqlx::Row;
use std::collections::HashMap;

/// One rating or self-assessment task of an appraisal (for a draft: as planned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaterTask {
    /// The task's id (0: planned, not yet a task).
    pub task_id: i64,
    /// `self` or `rate`.
    pub kind: String,
    /// The template's rater id (`supervisor`, `hr` …); none for self-assessment.
    pub rater: Option<String>,
    /// The person it is assigned to: (工号, 姓名).
    pub assignee: Option<(String, String)>,
    /// A department's task: the department's name.
    pub department: Option<String>,
    pub done: bool,
    /// A draft's planned rater: where it came from (a rule, the person named …).
    pub why: Option<Why>,
}

/// An appraisee of a cycle and their raters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationRow {
    /// The appraisal (0 for a draft's member).
    pub appraisal_id: i64,
    pub emp_no: String,
    pub name: String,
    pub department_id: i64,
    pub department: String,
    /// None for a draft's member.
    pub state: Option<State>,
    pub tasks: Vec<RaterTask>,
}

/// A page of a cycle's 考核关系 and how many appraisees it has in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relations {
    pub total_rows: i64,
    pub rows: Vec<RelationRow>,
    /// The cycle is a draft: the rows are planned, not yet tasks.
    pub draft: bool,
}

/// A row of an imported 考核关系 file: the appraisee and, per rater role, the 工号 in its
/// column. Column labels name the column in refusals (`C 直接上级`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelationEdit {
    /// The sheet's row.
    pub line: usize,
    pub emp_no: String,
    /// The label of the 工号 column.
    pub emp_col: String,
    /// (rater id, column label, the cell: a 工号 or empty).
    pub raters: Vec<(String, String, String)>,
}

/// What an import of 考核关系 did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelationsImport {
    /// The cycle was a draft: per-person raters set or cleared.
    pub draft: bool,
    /// Raters changed (a draft's per-person raters, or open tasks moved).
    pub changed: usize,
}

/// A draft's members with their planned raters ([`Db::planned_impl`]).
pub(crate) struct DraftPlan {
    pub self_assessed: bool,
    /// Rater ids, in task order.
    pub roles: Vec<String>,
    /// In 工号 order.
    pub rows: Vec<DraftRow>,
    pub depts: Vec<Department>,
}

pub(crate) struct DraftRow {
    pub emp_no: String,
    pub name: String,
    pub department_id: i64,
    pub department: String,
    /// One per role of [`DraftPlan::roles`].
    pub raters: Vec<Planned>,
}

impl DraftPlan {
    fn dept_name(&self, id: i64) -> Option<String> {
        self.depts
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.clone())
    }

    /// A planned rater as the launch preview shows it.
    pub(crate) fn preview_rater(
        &self,
        rater: &str,
        p: &Planned,
        names: &HashMap<i64, (String, String)>,
    ) -> PreviewRater {
        let person = match p.assignee {
            Assignee::Person(id) => names.get(&id).cloned(),
            _ => None,
        };
        PreviewRater {
            rater: rater.to_string(),
            emp_no: person.as_ref().map(|p| p.0.clone()),
            name: person.map(|p| p.1),
            department: match p.assignee {
                Assignee::Dept(d) => self.dept_name(d),
                _ => None,
            },
            why: p.why.clone(),
        }
    }

    /// A draft member's row of the 考核关系 page.
    fn row(&self, r: &DraftRow, names: &HashMap<i64, (String, String)>) -> RelationRow {
        let mut tasks = Vec::new();
        if self.self_assessed {
            tasks.push(RaterTask {
                task_id: 0,
                kind: "self".into(),
                rater: Some("self".into()),
                assignee: Some((r.emp_no.clone(), r.name.clone())),
                department: None,
                done: false,
                why: None,
            });
        }
        for (rater, p) in self.roles.iter().zip(&r.raters) {
            let v = self.preview_rater(rater, p, names);
            tasks.push(RaterTask {
                task_id: 0,
                kind: "rate".into(),
                rater: Some(rater.clone()),
                assignee: v.emp_no.zip(v.name),
                department: v.department,
                done: false,
                why: Some(v.why),
            });
        }
        RelationRow {
            appraisal_id: 0,
            emp_no: r.emp_no.clone(),
            name: r.name.clone(),
            department_id: r.department_id,
            department: r.department.clone(),
            state: None,
            tasks,
        }
    }
}

/// 工号 and 姓名 of the people planned in `rows`, read 1,000 ids at a time.
pub(crate) async fn names_of<'r>(
    c: &mut sqlx::AnyConnection,
    rows: impl IntoIterator<Item = &'r DraftRow>,
) -> Result<HashMap<i64, (String, String)>> {
    let mut ids: Vec<i64> = rows
        .into_iter()
        .flat_map(|r| r.raters.iter())
        .filter_map(|p| match p.assignee {
            Assignee::Person(id) => Some(id),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let mut q =
            crate::backend::SqlBuilder::new("SELECT id, emp_no, name FROM employees WHERE id");
        q.push_ids(chunk);
        for r in q.build().fetch_all(&mut *c).await? {
            out.insert(r.get("id"), (r.get("emp_no"), r.get("name")));
        }
    }
    Ok(out)
}

/// A 工号 as a cell holds it: trimmed; `姓名 (工号)` as the page shows it gives the 工号.
fn cell_emp_no(cell: &str) -> &str {
    let c = cell.trim();
    if let Some(inner) = c
        .strip_suffix(')')
        .or_else(|| c.strip_suffix('）'))
        .and_then(|x| x.rsplit_once(['(', '（']).map(|(_, n)| n))
    {
        return inner.trim();
    }
    c
}

impl Db {
    pub(crate) async fn relations_impl(&self, cycle_id: i64, page: Page) -> Result<Relations> {
        let cy = self.cycle_impl(cycle_id).await?;
        if cy.status == "draft" {
            return self.draft_relations(cycle_id, page).await;
        }
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
                state: Some(State::parse(&state).ok_or(StoreError::Corrupt {
                    table: "appraisals",
                    id,
                    column: "state",
                })?),
                tasks: Vec::new(),
            });
        }
        if rows.is_empty() {
            return Ok(Relations {
                total_rows,
                rows,
                draft: false,
            });
        }
        let mut qb = crate::backend::SqlBuilder::new(
            "SELECT t.id, t.appraisal_id, t.kind, t.rater, t.status, x.emp_no, x.name, d.name AS dept FROM tasks t \
             LEFT JOIN employees x ON x.id = t.assignee_id LEFT JOIN departments d ON d.id = t.department_id WHERE t.kind IN ('self', 'rate') AND t.appraisal_id IN (-1",
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
                department: t.get("dept"),
                done: t.get::<String, _>("status") == "done",
                why: None,
            });
        }
        Ok(Relations {
            total_rows,
            rows,
            draft: false,
        })
    }
}

impl Db {
    /// A draft's 考核关系: its members (in 工号 order, a page of them) with the raters a
    /// launch would assign and where each came from. A draft without members has none.
    async fn draft_relations(&self, cycle_id: i64, page: Page) -> Result<Relations> {
        let plan = match self.planned_impl(cycle_id).await {
            Ok((_, p)) => p,
            Err(StoreError::Fields(f)) if f.iter().all(|(k, _)| k == "members") => {
                return Ok(Relations {
                    draft: true,
                    ..Default::default()
                });
            }
            Err(e) => return Err(e),
        };
        let from = (page.offset.max(0) as usize).min(plan.rows.len());
        let to = (from + page.limit.clamp(1, 1000) as usize).min(plan.rows.len());
        let slice = &plan.rows[from..to];
        let mut c = self.reader.acquire().await?;
        let names = names_of(&mut c, slice).await?;
        Ok(Relations {
            total_rows: plan.rows.len() as i64,
            rows: slice.iter().map(|r| plan.row(r, &names)).collect(),
            draft: true,
        })
    }

    /// Set or clear the rater `rater` of appraisee `emp_no` on a draft (`members.raters`),
    /// audited as the cycle's edit. Clearing leaves the rule's (or the supervisor's) choice.
    pub(crate) async fn set_cycle_rater_impl(
        &self,
        actor: &str,
        cycle_id: i64,
        emp_no: &str,
        rater: &str,
        rater_emp_no: Option<&str>,
    ) -> Result<Cycle> {
        let cy = self.cycle_impl(cycle_id).await?;
        if cy.status != "draft" {
            return Err(StoreError::Workflow(text!("rel-draft-only")));
        }
        let (cy, plan) = self.planned_impl(cycle_id).await?;
        let field = |t: Text| StoreError::Fields(vec![("emp_no".into(), t)]);
        let Some(row) = plan.rows.iter().find(|r| r.emp_no == emp_no.trim()) else {
            return Err(field(text!("rel-not-member", emp_no = emp_no.trim())));
        };
        if !plan.roles.iter().any(|r| r == rater) {
            return Err(StoreError::Fields(vec![(
                "rater".into(),
                text!("no-such-rater"),
            )]));
        }
        let mut members = cy.members.clone();
        let entry = members.raters.entry(row.emp_no.clone()).or_default();
        match rater_emp_no.map(str::trim).filter(|s| !s.is_empty()) {
            Some(no) => {
                if no == row.emp_no {
                    return Err(StoreError::Fields(vec![(
                        "rater_emp_no".into(),
                        text!("task-own-appraisal"),
                    )]));
                }
                entry.insert(rater.to_string(), no.to_string());
            }
            None => {
                entry.remove(rater);
            }
        }
        if entry.is_empty() {
            members.raters.remove(&row.emp_no);
        }
        if members == cy.members {
            return Ok(cy);
        }
        let mut n = crate::cycles::as_new(&cy);
        n.members = members;
        self.update_cycle_impl(actor, cycle_id, &n)
            .await
            .map_err(|e| match e {
                // The 工号 checked by the cycle's save: said of the field HR typed it in.
                StoreError::Fields(f) => StoreError::Fields(
                    f.into_iter()
                        .map(|(k, m)| {
                            if k == "members" {
                                ("rater_emp_no".to_string(), m)
                            } else {
                                (k, m)
                            }
                        })
                        .collect(),
                ),
                e => e,
            })
    }

    /// Import 考核关系 (the rows of the export's layout). A draft: each rater that differs
    /// from the planned one becomes a per-person rater (an empty cell clears one), saved as
    /// the cycle's edit. A launched cycle: each changed rater of an open task moves the task
    /// (audited old → new, one entry per task); a change to a done task, an unknown 工号 or
    /// an appraisee not in the cycle is refused by row and column. All rows or none; the
    /// export imported unchanged changes nothing.
    pub(crate) async fn import_relations_impl(
        &self,
        actor: &str,
        cycle_id: i64,
        edits: &[RelationEdit],
    ) -> Result<RelationsImport> {
        let cy = self.cycle_impl(cycle_id).await?;
        match cy.status.as_str() {
            "draft" => self.import_draft_relations(actor, cycle_id, edits).await,
            "launched" => self.import_launched_relations(actor, cycle_id, edits).await,
            _ => Err(StoreError::Workflow(text!("rel-closed"))),
        }
    }

    async fn import_draft_relations(
        &self,
        actor: &str,
        cycle_id: i64,
        edits: &[RelationEdit],
    ) -> Result<RelationsImport> {
        let (cy, plan) = self.planned_impl(cycle_id).await?;
        let at: HashMap<&str, &DraftRow> =
            plan.rows.iter().map(|r| (r.emp_no.as_str(), r)).collect();
        let mut c = self.reader.acquire().await?;
        let names = names_of(&mut c, plan.rows.iter()).await?;
        let known = known_emp_nos(&mut c, edits).await?;
        drop(c);
        let mut problems: Vec<(usize, String, Text)> = Vec::new();
        let mut members = cy.members.clone();
        let mut changed = 0;
        for e in edits {
            let Some(row) = at.get(e.emp_no.trim()) else {
                problems.push((
                    e.line,
                    e.emp_col.clone(),
                    text!("rel-not-member", emp_no = e.emp_no.trim()),
                ));
                continue;
            };
            for (rater, col, cell) in &e.raters {
                let Some(i) = plan.roles.iter().position(|r| r == rater) else {
                    continue;
                };
                let p = &row.raters[i];
                let planned_no = match p.assignee {
                    Assignee::Person(id) => names.get(&id).map(|n| n.0.as_str()),
                    _ => None,
                };
                let no = cell_emp_no(cell);
                if no.is_empty() {
                    // An empty cell clears a per-person rater (the rule's choice again).
                    if p.why == Why::Override
                        && let Some(m) = members.raters.get_mut(&row.emp_no)
                    {
                        m.remove(rater);
                        if m.is_empty() {
                            members.raters.remove(&row.emp_no);
                        }
                        changed += 1;
                    }
                    continue;
                }
                if Some(no) == planned_no {
                    continue;
                }
                if !known.contains_key(no) {
                    problems.push((
                        e.line,
                        col.clone(),
                        text!("task-unknown-employee", emp_no = no),
                    ));
                    continue;
                }
                if no == row.emp_no {
                    problems.push((e.line, col.clone(), text!("task-own-appraisal")));
                    continue;
                }
                members
                    .raters
                    .entry(row.emp_no.clone())
                    .or_default()
                    .insert(rater.clone(), no.to_string());
                changed += 1;
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Rows(problems));
        }
        if changed > 0 && members != cy.members {
            let mut n = crate::cycles::as_new(&cy);
            n.members = members;
            self.update_cycle_impl(actor, cycle_id, &n).await?;
        }
        Ok(RelationsImport {
            draft: true,
            changed,
        })
    }

    async fn import_launched_relations(
        &self,
        actor: &str,
        cycle_id: i64,
        edits: &[RelationEdit],
    ) -> Result<RelationsImport> {
        let mut tx = self.begin_write().await?;
        let status: String = sqlx::query("SELECT status FROM cycles WHERE id = $1")
            .bind(cycle_id)
            .fetch_one(&mut *tx)
            .await?
            .get("status");
        if status != "launched" {
            return Err(StoreError::Workflow(text!("rel-closed")));
        }
        // The cycle's appraisees, and its rating tasks by (appraisee, rater).
        struct Held {
            id: i64,
            open: bool,
            holder: Option<String>,
        }
        let mut appraisees: HashMap<String, i64> = HashMap::new();
        for r in sqlx::query(
            "SELECT e.emp_no, e.id FROM appraisals a JOIN employees e ON e.id = a.employee_id WHERE a.cycle_id = $1",
        )
        .bind(cycle_id)
        .fetch_all(&mut *tx)
        .await?
        {
            appraisees.insert(r.get("emp_no"), r.get("id"));
        }
        let mut tasks: HashMap<(String, String), Held> = HashMap::new();
        let mut holders: HashMap<String, String> = HashMap::new();
        for r in sqlx::query(
            "SELECT t.id, t.rater, t.status, e.emp_no AS appraisee, x.emp_no AS holder, x.name AS holder_name FROM tasks t \
             JOIN appraisals a ON a.id = t.appraisal_id JOIN employees e ON e.id = a.employee_id \
             LEFT JOIN employees x ON x.id = t.assignee_id WHERE t.cycle_id = $1 AND t.kind = 'rate'",
        )
        .bind(cycle_id)
        .fetch_all(&mut *tx)
        .await?
        {
            let holder: Option<String> = r.get("holder");
            if let (Some(h), Some(n)) = (&holder, r.get::<Option<String>, _>("holder_name")) {
                holders.insert(h.clone(), n);
            }
            tasks.insert(
                (
                    r.get("appraisee"),
                    r.get::<Option<String>, _>("rater").unwrap_or_default(),
                ),
                Held {
                    id: r.get("id"),
                    open: r.get::<String, _>("status") == "open",
                    holder,
                },
            );
        }
        let known = known_emp_nos(&mut tx, edits).await?;
        let mut problems: Vec<(usize, String, Text)> = Vec::new();
        // (task, new holder's id, old, new).
        let mut moves: Vec<(i64, i64, String, String)> = Vec::new();
        for e in edits {
            let who = e.emp_no.trim();
            let Some(&appraisee_id) = appraisees.get(who) else {
                problems.push((
                    e.line,
                    e.emp_col.clone(),
                    text!("rel-not-member", emp_no = who),
                ));
                continue;
            };
            for (rater, col, cell) in &e.raters {
                let no = cell_emp_no(cell);
                if no.is_empty() {
                    continue;
                }
                let Some(t) = tasks.get(&(who.to_string(), rater.clone())) else {
                    problems.push((e.line, col.clone(), text!("rel-no-task")));
                    continue;
                };
                if t.holder.as_deref() == Some(no) {
                    continue;
                }
                let Some((new_id, new_name)) = known.get(no) else {
                    problems.push((
                        e.line,
                        col.clone(),
                        text!("task-unknown-employee", emp_no = no),
                    ));
                    continue;
                };
                if !t.open {
                    problems.push((e.line, col.clone(), text!("rel-task-done")));
                    continue;
                }
                if *new_id == appraisee_id {
                    problems.push((e.line, col.clone(), text!("task-own-appraisal")));
                    continue;
                }
                let old = match &t.holder {
                    Some(h) => format!("{h} {}", holders.get(h).cloned().unwrap_or_default()),
                    None => "-".into(),
                };
                moves.push((t.id, *new_id, old, format!("{no} {new_name}")));
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Rows(problems));
        }
        let mut audits = Vec::with_capacity(moves.len());
        for (task, new_id, old, new) in &moves {
            sqlx::query("UPDATE tasks SET assignee_id = $1 WHERE id = $2 AND status = 'open'")
                .bind(new_id)
                .bind(task)
                .execute(&mut *tx)
                .await?;
            audits.push(NewAudit {
                actor: actor.into(),
                action: "task.reassign".into(),
                entity: "task".into(),
                entity_id: task.to_string(),
                old_value: Some(old.clone()),
                new_value: Some(new.clone()),
                reason: Some("考核关系导入 / relations import".into()),
            });
        }
        if !audits.is_empty() {
            self.append_audits(&mut tx, &audits).await?;
        }
        tx.commit().await?;
        Ok(RelationsImport {
            draft: false,
            changed: moves.len(),
        })
    }
}

/// The employees the rater cells of `edits` name: 工号 → (id, 姓名), read 500 at a time.
async fn known_emp_nos(
    c: &mut sqlx::AnyConnection,
    edits: &[RelationEdit],
) -> Result<HashMap<String, (i64, String)>> {
    let mut nos: Vec<&str> = edits
        .iter()
        .flat_map(|e| e.raters.iter().map(|r| cell_emp_no(&r.2)))
        .filter(|n| !n.is_empty())
        .collect();
    nos.sort_unstable();
    nos.dedup();
    let mut out = HashMap::with_capacity(nos.len());
    for chunk in nos.chunks(500) {
        let mut q = crate::backend::SqlBuilder::new(
            "SELECT id, emp_no, name FROM employees WHERE emp_no IN (",
        );
        for (i, no) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push_bind(no.to_string());
        }
        q.push(")");
        for r in q.build().fetch_all(&mut *c).await? {
            out.insert(r.get("emp_no"), (r.get("id"), r.get("name")));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cell_gives_its_emp_no() {
        assert_eq!(super::cell_emp_no(" E001 "), "E001");
        assert_eq!(super::cell_emp_no("王强 (S001)"), "S001");
        assert_eq!(super::cell_emp_no("王强（S001）"), "S001");
        assert_eq!(super::cell_emp_no(""), "");
    }
}
