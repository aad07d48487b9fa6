//! Scheduled reminders (issue 17, migration 0016), queued by a job that every `kaohe serve`
//! runs ([`Db::send_reminders_impl`]):
//! - **due soon**: an open task whose deadline is one of the cycle's `remind_days` away
//!   (default 3 and 1 days; 0 is the day itself), to its holder;
//! - **overdue**: daily, to the holder of an open task past its deadline;
//! - **escalated**: daily, once a task is overdue the cycle's `escalate_days` (default 2),
//!   to the holder's manager — the employee's supervisor, else the head of their department
//!   (or of the nearest department above with one);
//! - **before 视为默认**: 24 hours before a published result is deemed accepted, to the
//!   employee, naming the deadline.
//!
//! Days are UTC calendar days; a deadline is the day of its date. One message per person,
//! cycle and kind a day lists the tasks it is about. Each reminder — a task, a person and a
//! day; a confirmation deadline and a person — is a row of `reminders_sent`, inserted with
//! `ON CONFLICT DO NOTHING` in the transaction that queues its message: a reminder whose
//! row was there already is not sent again, so two servers running the job at once, or a
//! restarted one, send each reminder once.

use crate::backend::SqlBuilder;
use crate::notify::{Event, EventKind, emit, people_time, with_form};
use crate::*;
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What one run of the reminder job queued: messages (one per person, cycle and kind).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReminderRun {
    pub due_soon: usize,
    pub overdue: usize,
    pub escalated: usize,
    pub confirm_due: usize,
}

impl ReminderRun {
    /// Messages queued in all.
    pub fn total(&self) -> usize {
        self.due_soon + self.overdue + self.escalated + self.confirm_due
    }
}

/// Markers of days older than this are purged (every key names its day, or a deadline long
/// past by then).
const KEEP_DAYS: i64 = 14;

/// An open task with a deadline, and one person who holds it.
#[derive(Debug, Clone)]
struct Held {
    task: i64,
    cycle: i64,
    due: String,
    /// Days to the deadline (negative: overdue).
    left: i64,
    uid: i64,
    /// The holder's name.
    name: String,
    /// What the task is about: the appraisee, or for a data task the department.
    what: String,
    assignee: Option<i64>,
    dept: Option<i64>,
    /// A peer's rating task (同事评分): never escalated, so no manager learns who rates whom.
    peer: bool,
}

fn day(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The calendar day of a deadline (`2026-12-05` or RFC 3339).
fn date_of(s: &str) -> Option<time::Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.get(..10)?, &f).ok()
}

/// Up to three names, then how many more: `张三、李四等 5 项` / `张三, 李四 and 3 more`.
fn names(list: &[String]) -> (String, String) {
    let mut seen = Vec::new();
    for n in list {
        if !seen.contains(n) {
            seen.push(n.clone());
        }
    }
    let shown = &seen[..seen.len().min(3)];
    let more = seen.len() - shown.len();
    if more == 0 {
        (shown.join("、"), shown.join(", "))
    } else {
        (
            format!("{}等 {} 项", shown.join("、"), seen.len()),
            format!("{} and {more} more", shown.join(", ")),
        )
    }
}

/// The nearest manager of an employee (their supervisor, else the head of their department
/// or of the nearest one above, not themselves), or of a department (its head, or above).
fn manager_of(
    emp: Option<(i64, Option<i64>, Option<i64>)>,
    dept: Option<i64>,
    depts: &HashMap<i64, (Option<i64>, Option<i64>)>,
) -> Option<i64> {
    let (me, mut cur) = match emp {
        Some((id, sup, d)) => {
            if let Some(s) = sup.filter(|s| *s != id) {
                return Some(s);
            }
            (Some(id), d)
        }
        None => (None, dept),
    };
    // The tree has no loops (the import refuses them); the bound is only a guard.
    for _ in 0..64 {
        let (parent, head) = *depts.get(&cur?)?;
        if let Some(h) = head.filter(|h| Some(*h) != me) {
            return Some(h);
        }
        cur = parent;
    }
    None
}

/// One message to be: its kind, person, cycle, and the tasks or appraisal it is about.
struct Pending {
    kind: EventKind,
    uid: i64,
    name: String,
    cycle: i64,
    /// (task or appraisal, its marker key, deadline, days left, what, holder's name).
    items: Vec<(i64, String, String, i64, String, String)>,
}

impl Db {
    pub(crate) async fn set_cycle_reminders_impl(
        &self,
        actor: &str,
        cycle_id: i64,
        days_before: &[i64],
        escalate_after: i64,
    ) -> Result<Cycle> {
        let r = Reminders::checked(days_before, escalate_after).map_err(StoreError::Fields)?;
        let mut tx = self.begin_write().await?;
        let mut cy = Self::load_cycle(&mut tx, cycle_id).await?;
        let old = format!(
            "remind_days={} escalate_days={}",
            cy.reminders.days_text(),
            cy.reminders.escalate_after
        );
        let new = format!(
            "remind_days={} escalate_days={}",
            r.days_text(),
            r.escalate_after
        );
        sqlx::query("UPDATE cycles SET remind_days = $1, escalate_days = $2 WHERE id = $3")
            .bind(r.days_text())
            .bind(r.escalate_after)
            .bind(cycle_id)
            .execute(&mut *tx)
            .await?;
        if old != new {
            self.append_audits(
                &mut tx,
                &[NewAudit {
                    actor: actor.into(),
                    action: "cycle.reminders".into(),
                    entity: "cycle".into(),
                    entity_id: cycle_id.to_string(),
                    old_value: Some(old),
                    new_value: Some(new),
                    ..Default::default()
                }],
            )
            .await?;
        }
        tx.commit().await?;
        cy.reminders = r;
        Ok(cy)
    }

    /// The open tasks with a deadline before `before` of the launched cycles, one row per
    /// person who holds one (the assignee's accounts; a department's data clerks).
    async fn held_tasks(
        c: &mut sqlx::AnyConnection,
        before: &str,
        today: time::Date,
    ) -> Result<Vec<Held>> {
        const COLS: &str = "SELECT t.id, t.cycle_id, t.due, t.assignee_id, t.department_id, u.id AS uid, \
             COALESCE(me.name, u.username) AS uname, COALESCE(ae.name, d.name, '') AS what, t.peer_min FROM tasks t \
             JOIN cycles c ON c.id = t.cycle_id";
        const TAIL: &str = " LEFT JOIN employees me ON me.id = u.employee_id \
             LEFT JOIN appraisals a ON a.id = t.appraisal_id LEFT JOIN employees ae ON ae.id = a.employee_id \
             LEFT JOIN departments d ON d.id = t.department_id \
             WHERE t.status = 'open' AND t.due IS NOT NULL AND c.status = 'launched' AND c.cancelled_at IS NULL AND NOT u.disabled AND t.due < ";
        let mut q = SqlBuilder::new(COLS);
        q.push(" JOIN users u ON u.employee_id = t.assignee_id")
            .push(TAIL)
            .push_bind(before)
            .push(" UNION ALL ")
            .push(COLS)
            .push(
                " JOIN user_roles r ON r.department_id = t.department_id AND r.role = 'clerk' \
                 JOIN users u ON u.id = r.user_id",
            )
            .push(TAIL)
            .push_bind(before)
            .push(" AND t.assignee_id IS NULL");
        let mut out = Vec::new();
        for r in q.build().fetch_all(&mut *c).await? {
            let due: String = r.get("due");
            let Some(d) = date_of(&due) else { continue };
            out.push(Held {
                task: r.get("id"),
                cycle: r.get("cycle_id"),
                left: (d - today).whole_days(),
                due,
                uid: r.get("uid"),
                name: r.get("uname"),
                what: r.get("what"),
                assignee: r.get("assignee_id"),
                dept: r.get("department_id"),
                peer: r.get::<Option<i64>, _>("peer_min").is_some(),
            });
        }
        out.sort_by_key(|h| (h.task, h.uid));
        out.dedup_by_key(|h| (h.task, h.uid));
        Ok(out)
    }

    /// Queue the reminders due at `at` that no server has queued yet (see the module).
    pub(crate) async fn send_reminders_impl(&self, at: &str) -> Result<ReminderRun> {
        let now_t = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .map_err(|_| StoreError::Invalid {
                field: "at".into(),
                message: text!("not-a-time", value = at),
            })?
            .to_offset(time::UtcOffset::UTC);
        let today = now_t.date();
        let today_s = day(today);
        let mut c = self.reader.acquire().await?;
        let settings: HashMap<i64, Reminders> = sqlx::query(
            "SELECT id, remind_days, escalate_days FROM cycles WHERE status = 'launched' AND cancelled_at IS NULL",
        )
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| {
            let id: i64 = r.get("id");
            let days = Reminders::parse_days(&r.get::<String, _>("remind_days"))
                .map_err(|_| StoreError::Corrupt {
                    table: "cycles",
                    id,
                    column: "remind_days",
                })?;
            Ok((
                id,
                Reminders {
                    days_before: days,
                    escalate_after: r.get("escalate_days"),
                },
            ))
        })
        .collect::<Result<_>>()?;
        let held = if settings.is_empty() {
            Vec::new()
        } else {
            let before = day(today + time::Duration::days(REMIND_MAX_DAYS + 1));
            Self::held_tasks(&mut c, &before, today).await?
        };
        let sent: HashSet<String> = sqlx::query("SELECT mark FROM reminders_sent WHERE day = $1")
            .bind(&today_s)
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|r| r.get("mark"))
            .collect();

        // Who manages the holders of tasks overdue long enough to be escalated.
        let to_escalate: Vec<&Held> = held
            .iter()
            .filter(|h| {
                !h.peer
                    && settings
                        .get(&h.cycle)
                        .is_some_and(|s| -h.left >= s.escalate_after)
            })
            .collect();
        let mut managers: HashMap<i64, Vec<(i64, String)>> = HashMap::new(); // task → users
        if !to_escalate.is_empty() {
            let depts: HashMap<i64, (Option<i64>, Option<i64>)> =
                sqlx::query("SELECT id, parent_id, head_id FROM departments")
                    .fetch_all(&mut *c)
                    .await?
                    .iter()
                    .map(|r| (r.get("id"), (r.get("parent_id"), r.get("head_id"))))
                    .collect();
            let mut emp_ids: Vec<i64> = to_escalate.iter().filter_map(|h| h.assignee).collect();
            emp_ids.sort_unstable();
            emp_ids.dedup();
            let mut emps: HashMap<i64, (i64, Option<i64>, Option<i64>)> = HashMap::new();
            for chunk in emp_ids.chunks(1000) {
                let mut q = SqlBuilder::new(
                    "SELECT id, supervisor_id, department_id FROM employees WHERE id",
                );
                q.push_ids(chunk);
                for r in q.build().fetch_all(&mut *c).await? {
                    let id: i64 = r.get("id");
                    emps.insert(id, (id, r.get("supervisor_id"), r.get("department_id")));
                }
            }
            let mut of_task: HashMap<i64, i64> = HashMap::new();
            for h in &to_escalate {
                let emp = h.assignee.and_then(|a| emps.get(&a).copied());
                if let Some(m) = manager_of(emp, h.dept, &depts) {
                    of_task.insert(h.task, m);
                }
            }
            let mut m_ids: Vec<i64> = of_task.values().copied().collect();
            m_ids.sort_unstable();
            m_ids.dedup();
            let mut users: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
            for chunk in m_ids.chunks(1000) {
                let mut q = SqlBuilder::new(
                    "SELECT u.id, u.employee_id, COALESCE(e.name, u.username) AS name FROM users u \
                     LEFT JOIN employees e ON e.id = u.employee_id WHERE NOT u.disabled AND u.employee_id",
                );
                q.push_ids(chunk);
                for r in q.build().fetch_all(&mut *c).await? {
                    users
                        .entry(r.get("employee_id"))
                        .or_default()
                        .push((r.get("id"), r.get("name")));
                }
            }
            for (task, m) in of_task {
                if let Some(u) = users.get(&m) {
                    managers.insert(task, u.clone());
                }
            }
        }

        // Results deemed accepted within 24 hours (and published more than 24 hours before).
        let until = stamp(now_t + time::Duration::hours(24));
        let confirm_rows = sqlx::query(
            "SELECT a.id, a.cycle_id, a.confirm_due, a.published_at, u.id AS uid, COALESCE(e.name, u.username) AS name \
             FROM appraisals a JOIN employees e ON e.id = a.employee_id JOIN users u ON u.employee_id = a.employee_id \
             WHERE a.state = 'published' AND a.confirm_due > $1 AND a.confirm_due <= $2 AND NOT u.disabled ORDER BY a.id, u.id",
        )
        .bind(at)
        .bind(&until)
        .fetch_all(&mut *c)
        .await?;
        drop(c);

        // The messages, grouped per person, cycle and kind.
        let mut groups: BTreeMap<(u8, i64, i64), Pending> = BTreeMap::new();
        let mut add = |kind: EventKind, uid: i64, name: &str, cycle: i64, item| {
            let rank = match kind {
                EventKind::DueSoon => 0,
                EventKind::Overdue => 1,
                EventKind::Escalated => 2,
                _ => 3,
            };
            groups
                .entry((rank, uid, cycle))
                .or_insert_with(|| Pending {
                    kind,
                    uid,
                    name: name.to_string(),
                    cycle,
                    items: Vec::new(),
                })
                .items
                .push(item);
        };
        for h in &held {
            let Some(s) = settings.get(&h.cycle) else {
                continue;
            };
            if h.left >= 0 && s.days_before.contains(&h.left) {
                let key = format!("due:t{}:u{}:{today_s}", h.task, h.uid);
                let item = (
                    h.task,
                    key,
                    h.due.clone(),
                    h.left,
                    h.what.clone(),
                    h.name.clone(),
                );
                add(EventKind::DueSoon, h.uid, &h.name, h.cycle, item);
            } else if h.left < 0 {
                let key = format!("late:t{}:u{}:{today_s}", h.task, h.uid);
                let item = (
                    h.task,
                    key,
                    h.due.clone(),
                    -h.left,
                    h.what.clone(),
                    h.name.clone(),
                );
                add(EventKind::Overdue, h.uid, &h.name, h.cycle, item);
            }
        }
        let mut escalated_tasks = HashSet::new();
        for h in &to_escalate {
            if !escalated_tasks.insert(h.task) {
                continue;
            }
            // The holder as the manager knows them: the employee, or the department.
            let holder = if h.assignee.is_some() {
                h.name.clone()
            } else {
                h.what.clone()
            };
            for (uid, name) in managers.get(&h.task).into_iter().flatten() {
                let key = format!("esc:t{}:u{uid}:{today_s}", h.task);
                let item = (
                    h.task,
                    key,
                    h.due.clone(),
                    -h.left,
                    h.what.clone(),
                    holder.clone(),
                );
                add(EventKind::Escalated, *uid, name, h.cycle, item);
            }
        }
        for r in &confirm_rows {
            let due: String = r.get("confirm_due");
            let published: Option<String> = r.get("published_at");
            let window_over_a_day = published.as_deref().is_none_or(|p| {
                time::OffsetDateTime::parse(p, &time::format_description::well_known::Rfc3339)
                    .ok()
                    .zip(
                        time::OffsetDateTime::parse(
                            &due,
                            &time::format_description::well_known::Rfc3339,
                        )
                        .ok(),
                    )
                    .is_none_or(|(p, d)| d - p > time::Duration::hours(24))
            });
            if !window_over_a_day {
                continue;
            }
            let (id, uid, name): (i64, i64, String) = (r.get("id"), r.get("uid"), r.get("name"));
            let key = format!("confirm:a{id}:{due}:u{uid}");
            let item = (id, key, due.clone(), 0, String::new(), name.clone());
            let cycle: i64 = r.get("cycle_id");
            // One message per appraisal: the appraisal id in the group's key.
            groups.insert(
                (3, uid, -id),
                Pending {
                    kind: EventKind::ConfirmDue,
                    uid,
                    name,
                    cycle,
                    items: vec![item],
                },
            );
        }
        let mut keys: Vec<&str> = groups
            .values()
            .flat_map(|g| g.items.iter().map(|i| i.1.as_str()))
            .filter(|k| !sent.contains(*k))
            .collect();
        let mut run = ReminderRun::default();
        if keys.is_empty() {
            return Ok(run);
        }
        // One order for every server, so that two inserting at once never deadlock.
        keys.sort_unstable();

        let mut tx = self.begin_write().await?;
        let mut new: HashSet<String> = HashSet::new();
        for chunk in keys.chunks(1000) {
            let mut q =
                SqlBuilder::new("INSERT INTO reminders_sent (mark, day, created_at) VALUES ");
            for (i, k) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .push_bind(k.to_string())
                    .push(", ")
                    .push_bind(&today_s)
                    .push(", ")
                    .push_bind(at)
                    .push(")");
            }
            q.push(" ON CONFLICT (mark) DO NOTHING RETURNING mark");
            for r in q.build().fetch_all(&mut *tx).await? {
                new.insert(r.get("mark"));
            }
        }
        let mut forms: HashMap<i64, (Cycle, kaohe_core::Template)> = HashMap::new();
        let mut events = Vec::new();
        for g in groups.into_values() {
            let items: Vec<_> = g.items.into_iter().filter(|i| new.contains(&i.1)).collect();
            if items.is_empty() {
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = forms.entry(g.cycle) {
                let cy = Self::load_cycle(&mut tx, g.cycle).await?;
                let t = Self::template_for(&mut tx, &cy).await?;
                e.insert((cy, t));
            }
            let (cy, t) = &forms[&g.cycle];
            events.push(reminder_event(&g.kind, g.uid, &g.name, cy, t, &items));
            match g.kind {
                EventKind::DueSoon => run.due_soon += 1,
                EventKind::Overdue => run.overdue += 1,
                EventKind::Escalated => run.escalated += 1,
                _ => run.confirm_due += 1,
            }
        }
        emit(&mut tx, &events).await?;
        sqlx::query("DELETE FROM reminders_sent WHERE day < $1")
            .bind(day(today - time::Duration::days(KEEP_DAYS)))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(run)
    }
}

impl Db {
    /// To HR, in the transaction of a department's hand-in: which department handed in
    /// the data of which cycle, by whom, how many are still to come, and the deadline.
    pub(crate) async fn data_submitted_events(
        c: &mut sqlx::AnyConnection,
        cy: &Cycle,
        t: &kaohe_core::Template,
        dept_id: i64,
        who: &User,
        still_open: i64,
    ) -> Result<()> {
        let dept: String = sqlx::query("SELECT name FROM departments WHERE id = $1")
            .bind(dept_id)
            .fetch_optional(&mut *c)
            .await?
            .map(|r| r.get("name"))
            .unwrap_or_default();
        let by: String = match who.employee_id {
            Some(e) => sqlx::query("SELECT name FROM employees WHERE id = $1")
                .bind(e)
                .fetch_optional(&mut *c)
                .await?
                .map(|r| r.get("name"))
                .unwrap_or_else(|| who.username.clone()),
            None => who.username.clone(),
        };
        let at = now();
        let mut events = Vec::new();
        for u in crate::notify::hr_users(c).await? {
            let text = text!(
                "notify-data-submitted",
                dept = dept,
                by = by,
                form = t.form.title,
                period = cy.period,
                left = still_open
            );
            events.push(Event {
                kind: EventKind::DataSubmitted,
                user_id: u,
                text: crate::notify::with_due(with_form(text, &t.form), cy.data_due.as_deref()),
                link: format!("/hr/cycles/{}", cy.id),
                key: format!("handin:c{}:d{dept_id}:{at}", cy.id),
            });
        }
        emit(c, &events).await
    }
}

/// The message of a group of reminders, in the recipient's words.
fn reminder_event(
    kind: &EventKind,
    uid: i64,
    name: &str,
    cy: &Cycle,
    t: &kaohe_core::Template,
    items: &[(i64, String, String, i64, String, String)],
) -> Event {
    let first = items.iter().map(|i| i.0).min().unwrap_or_default();
    // The earliest deadline, and the most days late (or the fewest left).
    let due = items
        .iter()
        .map(|i| i.2.as_str())
        .min()
        .map(people_time)
        .unwrap_or_default();
    let count = items.len();
    let whats: Vec<String> = items.iter().map(|i| i.4.clone()).collect();
    let (what, what_en) = names(&whats);
    let form = &t.form;
    let (text, link, key) = match kind {
        EventKind::DueSoon => {
            let left = items.iter().map(|i| i.3).min().unwrap_or_default();
            let left_t = if left == 0 {
                text!("remind-left-today")
            } else {
                text!("remind-left-days", days = left)
            };
            (
                text!(
                    "notify-due-soon",
                    name = name,
                    count = count,
                    form = form.title,
                    period = cy.period,
                    due = due,
                    what = what
                )
                .text_arg("left", &left_t)
                .en_arg("what", what_en),
                "/tasks".to_string(),
                format!("remind:{}", items[0].1),
            )
        }
        EventKind::Overdue => {
            let late = items.iter().map(|i| i.3).max().unwrap_or_default();
            (
                text!(
                    "notify-overdue",
                    name = name,
                    count = count,
                    form = form.title,
                    period = cy.period,
                    due = due,
                    days = late,
                    what = what
                )
                .en_arg("what", what_en),
                "/tasks".to_string(),
                format!("remind:{}", items[0].1),
            )
        }
        EventKind::Escalated => {
            let late = items.iter().map(|i| i.3).max().unwrap_or_default();
            let holders: Vec<String> = items.iter().map(|i| i.5.clone()).collect();
            let (who, who_en) = names(&holders);
            (
                text!(
                    "notify-escalated",
                    name = name,
                    who = who,
                    count = count,
                    form = form.title,
                    period = cy.period,
                    due = due,
                    days = late,
                    what = what
                )
                .en_arg("who", who_en)
                .en_arg("what", what_en),
                "/tasks".to_string(),
                format!("remind:{}", items[0].1),
            )
        }
        _ => (
            text!(
                "notify-confirm-due",
                name = name,
                form = form.title,
                period = cy.period,
                due = due
            ),
            format!("/appraisals/{first}"),
            format!("remind:{}", items[0].1),
        ),
    };
    Event {
        kind: *kind,
        user_id: uid,
        text: with_form(text, form),
        link,
        key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managers_are_the_supervisor_else_the_nearest_head_above() {
        // 2 is under 1; 1 is headed by employee 10, 2 by employee 20.
        let depts = HashMap::from([(1, (None, Some(10))), (2, (Some(1), Some(20)))]);
        assert_eq!(
            manager_of(Some((5, Some(7), Some(2))), None, &depts),
            Some(7)
        );
        assert_eq!(manager_of(Some((5, None, Some(2))), None, &depts), Some(20));
        // The head of 2 has the head of 1 as manager, not themselves.
        assert_eq!(
            manager_of(Some((20, None, Some(2))), None, &depts),
            Some(10)
        );
        assert_eq!(manager_of(Some((10, None, Some(1))), None, &depts), None);
        // A department's data task: its head.
        assert_eq!(manager_of(None, Some(2), &depts), Some(20));
    }

    #[test]
    fn lists_name_three_and_count_the_rest() {
        let l: Vec<String> = ["张三", "李四", "张三"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(names(&l), ("张三、李四".into(), "张三, 李四".into()));
        let l: Vec<String> = (1..=5).map(|i| format!("员工{i}")).collect();
        assert_eq!(
            names(&l),
            (
                "员工1、员工2、员工3等 5 项".into(),
                "员工1, 员工2, 员工3 and 2 more".into()
            )
        );
    }
}
