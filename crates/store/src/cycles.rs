//! Cycles, appraisals, tasks and the workflow: inherent methods of [`Db`] (the same SQL for
//! both backends, see `backend.rs`), which its [`Store`] implementation calls. Every change runs in one write transaction with its audit
//! entries; a write to an appraisal names the version it read and is refused if stale.

use crate::bulk::{Bulk, BulkCol};
use crate::policy::{self, Duty, Roles};
use crate::*;
use kaohe_core::Template;
use kaohe_core::workflow::{self, Action, Actor, State};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, HashMap};

// A child of this module (it uses the cycle workflow's private helpers), kept in its own file.
#[path = "peers.rs"]
pub(crate) mod peers;

/// What a person does to an appraisal through [`Store::act`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Hand in my part: the self-assessment, or my rating. When the last rater hands in,
    /// the appraisal goes to review.
    Submit,
    /// A workflow action (review, approval, sign, appeal, HR's decisions).
    Do(Action),
}

/// Grid rows read, written and scored together by [`Db::enter_grid_impl`] (and ids per
/// query when scoring part of a cycle): the memory an import holds is this many rows'.
const GRID_CHUNK: usize = 1000;

/// What an import writes of each appraisal it changes, in [`Scoring::grid_rows`]' order.
/// The columns of an audit entry, in the order they are written.
const AUDIT_COLUMNS: [&str; 11] = [
    "at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "old_value",
    "new_value",
    "reason",
    "prev_hash",
    "hash",
    "key_id",
];
const GRID_COLUMNS: [&str; 5] = ["inputs", "result", "total", "grade", "bonus"];

/// A row of a department's data grid.
#[derive(Debug, Clone, Default)]
pub struct GridRow {
    /// The row's line (for error messages).
    pub line: usize,
    pub emp_no: String,
    /// Input or parameter id → text, in the row's order (a later repeat of an id wins).
    /// A list, not a map: an import of 100,000 rows holds one per row.
    pub values: Vec<(String, String)>,
    /// The appraisal version the clerk read, if known: a stale row refuses the whole save.
    pub version: Option<i64>,
    /// Why HR changes data from review on (a correction): required then, audited.
    pub reason: Option<String>,
}

/// A line of a cycle's results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    pub appraisal_id: i64,
    pub emp_no: String,
    pub name: String,
    pub department_id: i64,
    pub department: String,
    pub group: String,
    pub state: State,
    pub total: Option<String>,
    pub grade: Option<String>,
    pub bonus: Option<String>,
    /// Rank within the group (1 = best), ties sharing a rank.
    pub rank: Option<u32>,
}

/// A month of an employee's ledger (台账).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub period: String,
    pub form_id: String,
    pub cycle: String,
    pub state: State,
    pub total: Option<String>,
    pub grade: Option<String>,
    pub bonus: Option<String>,
}

/// A line of the payroll export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayrollRow {
    pub emp_no: String,
    pub name: String,
    pub department: String,
    pub period: String,
    pub total: String,
    pub grade: String,
    pub bonus: String,
}

/// Order of states along the month.
pub fn state_rank(s: State) -> u8 {
    match s {
        State::DataEntry => 0,
        State::SelfAssessment => 1,
        State::Rating => 2,
        State::Review => 3,
        State::Approval => 4,
        State::Published => 5,
        State::Appealed => 6,
        State::Confirmed => 7,
    }
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Stored JSON read back; a row that cannot be read is [`StoreError::Corrupt`], never a
/// default.
fn read_json<T: serde::de::DeserializeOwned>(
    s: &str,
    table: &'static str,
    id: i64,
    column: &'static str,
) -> Result<T> {
    serde_json::from_str(s).map_err(|_| StoreError::Corrupt { table, id, column })
}

/// Stored JSON as a page of [`crate::backend::rows_as_json`] holds it: embedded as JSON
/// ([`crate::backend::rows_of`]) or as the column's text, a JSON string.
pub(crate) fn read_embedded<T: serde::de::DeserializeOwned>(
    raw: &serde_json::value::RawValue,
    table: &'static str,
    id: i64,
    column: &'static str,
) -> Result<T> {
    read_json(&embedded_text(raw, table, id, column)?, table, id, column)
}

/// The JSON text of a column in a page: as embedded, or the column's text unquoted.
fn embedded_text<'p>(
    raw: &'p serde_json::value::RawValue,
    table: &'static str,
    id: i64,
    column: &'static str,
) -> Result<std::borrow::Cow<'p, str>> {
    match raw.get() {
        text if text.starts_with('"') => Ok(read_json::<String>(text, table, id, column)?.into()),
        embedded => Ok(embedded.into()),
    }
}

/// A page of [`crate::backend::rows_of`] read, its embedded columns borrowed from it; a page
/// that cannot be read (a NULL written by hand where a column has none) is the cycle's.
fn read_page<'p, T: serde::Deserialize<'p>>(page: &'p str, cycle_id: i64) -> Result<T> {
    serde_json::from_str(page).map_err(|_| StoreError::Corrupt {
        table: "cycles",
        id: cycle_id,
        column: "appraisals",
    })
}

/// The values of `keys` in stored inputs (`{"key": "value", …}`, embedded or as text), in
/// `keys`' order, picked as the JSON is read: no map of every input is built.
fn pick_inputs(
    raw: &serde_json::value::RawValue,
    keys: &[String],
    id: i64,
) -> Result<Vec<Option<String>>> {
    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
    struct Pick<'k>(&'k [String]);
    /// Which of the keys a map's key is (its position), read without keeping it.
    struct Key<'k>(&'k [String]);
    impl<'de> DeserializeSeed<'de> for Key<'_> {
        type Value = Option<usize>;
        fn deserialize<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }
    impl Visitor<'_> for Key<'_> {
        type Value = Option<usize>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an input's id")
        }
        fn visit_str<E: serde::de::Error>(self, k: &str) -> std::result::Result<Self::Value, E> {
            Ok(self.0.iter().position(|w| w == k))
        }
    }
    impl<'de> DeserializeSeed<'de> for Pick<'_> {
        type Value = Vec<Option<String>>;
        fn deserialize<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> Visitor<'de> for Pick<'_> {
        type Value = Vec<Option<String>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of input values")
        }
        fn visit_map<M: MapAccess<'de>>(
            self,
            mut m: M,
        ) -> std::result::Result<Self::Value, M::Error> {
            let mut out = vec![None; self.0.len()];
            while let Some(at) = m.next_key_seed(Key(self.0))? {
                match at {
                    Some(i) => out[i] = Some(m.next_value::<String>()?),
                    None => {
                        m.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(out)
        }
    }
    let corrupt = |_| StoreError::Corrupt {
        table: "appraisals",
        id,
        column: "inputs",
    };
    let json = embedded_text(raw, "appraisals", id, "inputs")?;
    let mut read = serde_json::Deserializer::from_str(&json);
    let picked = Pick(keys).deserialize(&mut read).map_err(corrupt)?;
    read.end().map_err(corrupt)?;
    Ok(picked)
}

/// Optional stored JSON read back (NULL is None; anything unreadable is corrupt).
fn read_json_opt<T: serde::de::DeserializeOwned>(
    s: Option<String>,
    table: &'static str,
    id: i64,
    column: &'static str,
) -> Result<Option<T>> {
    s.map(|s| read_json(&s, table, id, column)).transpose()
}

/// A stored workflow state read back.
pub(crate) fn read_state(s: &str, table: &'static str, id: i64) -> Result<State> {
    State::parse(s).ok_or(StoreError::Corrupt {
        table,
        id,
        column: "state",
    })
}

/// A stored time (RFC 3339), checked.
fn read_time(
    s: Option<String>,
    table: &'static str,
    id: i64,
    column: &'static str,
) -> Result<Option<String>> {
    if let Some(t) = &s
        && time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_err()
    {
        return Err(StoreError::Corrupt { table, id, column });
    }
    Ok(s)
}

/// A stored decimal (scores, money), checked.
fn read_decimal(
    s: Option<String>,
    table: &'static str,
    id: i64,
    column: &'static str,
) -> Result<Option<String>> {
    if let Some(d) = &s
        && d.parse::<rust_decimal::Decimal>().is_err()
    {
        return Err(StoreError::Corrupt { table, id, column });
    }
    Ok(s)
}

fn add_hours(at: &str, hours: i64) -> Result<String> {
    let t = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .map_err(|_| StoreError::Invalid {
            field: "at".into(),
            message: text!("not-a-time", value = at),
        })?;
    Ok(stamp(t + time::Duration::hours(hours)))
}

fn check_date(field: &str, v: &Option<String>) -> Result<()> {
    if let Some(d) = v {
        let f = time::macros::format_description!("[year]-[month]-[day]");
        if time::Date::parse(d, &f).is_err()
            && time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339)
                .is_err()
        {
            return Err(StoreError::Fields(vec![(
                field.into(),
                text!("not-a-date", value = d),
            )]));
        }
    }
    Ok(())
}

/// Compile a stored template. Stored templates never change, and most requests that read
/// an appraisal need its form, so the last few compiled forms are kept by their source
/// (in memory, per process): a clone instead of parsing and compiling the TOML again.
pub(crate) fn compile(source: &str) -> Result<Template> {
    use std::sync::{Mutex, OnceLock};
    /// Forms kept; past this the cache starts again (a server holds a few dozen forms).
    const KEEP: usize = 64;
    static COMPILED: OnceLock<Mutex<HashMap<String, Template>>> = OnceLock::new();
    let cache = COMPILED.get_or_init(Default::default);
    if let Some(t) = cache.lock().ok().and_then(|m| m.get(source).cloned()) {
        return Ok(t);
    }
    let t = kaohe_core::compile_str(source).map_err(|_| StoreError::Invalid {
        field: "template".into(),
        message: text!("template-stored-broken"),
    })?;
    if let Ok(mut m) = cache.lock() {
        if m.len() >= KEEP {
            m.clear();
        }
        m.insert(source.to_string(), t.clone());
    }
    Ok(t)
}

/// Audit entries for a batch, chained after `prev`.
/// Each is (prev_hash, hash, key_id): MAC'd with the current key if there is one.
pub(crate) fn chain(
    keys: &AuditKeys,
    prev: &str,
    at: &str,
    entries: &[NewAudit],
) -> Vec<(String, String, Option<String>)> {
    let mut prev = prev.to_string();
    entries
        .iter()
        .map(|e| {
            let (h, k) = crate::audit::entry_hash(keys, &prev, at, e);
            let p = std::mem::replace(&mut prev, h.clone());
            (p, h, k)
        })
        .collect()
}

/// The values that changed (old, new), as compact JSON for the audit log.
fn diff(old: &Values, new: &Values) -> Option<(String, String)> {
    let mut o: BTreeMap<&str, &str> = BTreeMap::new();
    let mut n: BTreeMap<&str, &str> = BTreeMap::new();
    for k in old.keys().chain(new.keys()) {
        let (a, b) = (old.get(k), new.get(k));
        if a != b {
            o.insert(k, a.map_or("", String::as_str));
            n.insert(k, b.map_or("", String::as_str));
        }
    }
    (!n.is_empty()).then(|| (json(&o), json(&n)))
}

/// A row's values written into `inputs` (an empty value removes the input; an input named
/// twice takes the last), and the values that changed (old, new) as compact JSON for the
/// audit log, as [`diff`] writes them. Only the inputs the row names are looked at: an
/// import of one column compares one value per row, not every input of the form.
fn apply_values(inputs: &mut Values, values: &[(String, String)]) -> Option<(String, String)> {
    let mut changed: BTreeMap<&str, (Option<String>, Option<&str>)> = BTreeMap::new();
    for (k, v) in values {
        let v = v.trim();
        changed
            .entry(k.as_str())
            .or_insert_with(|| (inputs.get(k).cloned(), None))
            .1 = (!v.is_empty()).then_some(v);
    }
    changed.retain(|_, (old, new)| old.as_deref() != *new);
    if changed.is_empty() {
        return None;
    }
    let old: BTreeMap<&str, &str> = changed
        .iter()
        .map(|(k, (old, _))| (*k, old.as_deref().unwrap_or("")))
        .collect();
    let new: BTreeMap<&str, &str> = changed
        .iter()
        .map(|(k, (_, new))| (*k, new.unwrap_or("")))
        .collect();
    let out = (json(&old), json(&new));
    for (k, (_, new)) in changed {
        match new {
            Some(v) => inputs.insert(k.to_string(), v.to_string()),
            None => inputs.remove(k),
        };
    }
    Some(out)
}

/// Refusals per input as one message a person reads, each input by its name on the sheet:
/// 「授权工作(得分)」：复核 状态下… / “Authorised work (score)”: …, Chinese and English apart.
fn in_words(t: &Template, refused: &[(String, Text)]) -> Text {
    let (mut zh, mut en) = (Vec::new(), Vec::new());
    for (k, m) in refused {
        let (name, name_en) = t
            .inputs
            .iter()
            .find(|i| &i.id == k)
            .map(|i| {
                (
                    i.name.clone(),
                    i.name_en.clone().unwrap_or_else(|| i.name.clone()),
                )
            })
            .unwrap_or_else(|| (k.clone(), k.clone()));
        zh.push(format!("「{name}」：{}", m.render(Lang::Zh)));
        en.push(format!("“{name_en}”: {}", m.render(Lang::En)));
    }
    Text::pair(zh.join("；"), en.join("; "))
}

/// The columns [`appraisal_from`] reads, from an appraisal with its employee and department.
/// How a list is paged: by offset, or after an id (keyset) with a limit.
#[derive(Debug, Clone, Copy)]
enum Paged {
    Offset(Page),
    After(i64, i64),
}

/// What `who` is to appraisal `a` (in department `dept`), given its tasks and the cycle's
/// data tasks, and acting for each of `principals`.
fn roles_with(
    who: &User,
    a: &Appraisal,
    dept: i64,
    exempt: bool,
    tasks: &[TaskFact],
    principals: &[(User, policy::Principal)],
) -> Roles {
    let mut roles = roles_from(who, a, dept, exempt, tasks.iter());
    for (p, principal) in principals {
        let theirs = roles_from(p, a, dept, false, tasks.iter());
        policy::act_for(&mut roles, principal, &theirs);
    }
    roles
}

/// A task as [`roles_from`] reads it (from a row, or from a row of
/// [`crate::backend::rows_of`] in the order of its columns).
#[derive(Debug, Clone, serde::Deserialize)]
struct TaskFact {
    id: i64,
    kind: String,
    rater: Option<String>,
    department_id: Option<i64>,
    assignee_id: Option<i64>,
    status: String,
    appraisal_id: Option<i64>,
    cycle_id: i64,
    /// A peer group's task (同事评分): the group's `min_answers`.
    peer_min: Option<i64>,
}

impl TaskFact {
    fn from_row(t: &AnyRow) -> TaskFact {
        TaskFact {
            id: t.get("id"),
            kind: t.get("kind"),
            rater: t.get("rater"),
            department_id: t.get("department_id"),
            assignee_id: t.get("assignee_id"),
            status: t.get("status"),
            appraisal_id: t.get("appraisal_id"),
            cycle_id: t.get("cycle_id"),
            peer_min: t.get("peer_min"),
        }
    }
}

/// A task from a row with `id, cycle_id, appraisal_id, kind, rater, department_id,
/// assignee_id, status, due, appraisee`.
pub(crate) fn task_from(r: &AnyRow) -> Task {
    Task {
        id: r.get("id"),
        cycle_id: r.get("cycle_id"),
        appraisal_id: r.get("appraisal_id"),
        kind: r.get("kind"),
        rater: r.get("rater"),
        department_id: r.get("department_id"),
        assignee_id: r.get("assignee_id"),
        status: r.get("status"),
        due: r.get("due"),
        appraisee: r.get("appraisee"),
        on_behalf_of: None,
    }
}

/// The appraisals `u` rates, reviews or approves, as `OR …` conditions of a list's query.
fn push_work_of(qb: &mut crate::backend::SqlBuilder, u: &User) {
    qb.push(" OR a.id IN (SELECT appraisal_id FROM tasks WHERE kind = 'rate' AND assignee_id = ")
        .push_bind(u.employee_id.unwrap_or(-1))
        .push(")");
    for g in &u.reach {
        match (g.role, g.department_id) {
            (Role::Rater | Role::Clerk, Some(d)) => {
                qb.push(" OR a.id IN (SELECT appraisal_id FROM tasks WHERE kind = 'rate' AND assignee_id IS NULL AND department_id = ").push_bind(d).push(")");
            }
            (Role::Reviewer | Role::Approver, None) => {
                qb.push(" OR 1 = 1");
            }
            (Role::Reviewer | Role::Approver, Some(d)) => {
                qb.push(" OR a.department_id = ").push_bind(d);
            }
            _ => {}
        }
    }
}

/// What `who` is to the appraisal, from its tasks and its cycle's data tasks.
fn roles_from<'t>(
    who: &User,
    a: &Appraisal,
    dept: i64,
    exempt: bool,
    tasks: impl Iterator<Item = &'t TaskFact>,
) -> Roles {
    let mut roles = Roles::of(who, a.employee_id, dept);
    roles.exempt = exempt;
    let my_depts: Vec<i64> = who
        .reach
        .iter()
        .filter(|g| matches!(g.role, Role::Rater | Role::Clerk))
        .filter_map(|g| g.department_id)
        .collect();
    for t in tasks {
        match t.kind.as_str() {
            // A peer's task makes them a peer, not a rater (`policy::Roles::peer`).
            "rate" if t.peer_min.is_some() => {
                let mine = t.assignee_id.is_some() && t.assignee_id == who.employee_id;
                if mine {
                    roles.peer.push(policy::PeerTask {
                        task_id: t.id,
                        rater: t.rater.clone().unwrap_or_default(),
                    });
                }
            }
            "rate" => {
                let mine = (t.assignee_id.is_some() && t.assignee_id == who.employee_id)
                    || (t.assignee_id.is_none()
                        && t.department_id.is_some_and(|d| my_depts.contains(&d)));
                if mine {
                    let r = t.rater.clone().unwrap_or_default();
                    if t.status == "open" {
                        roles.open_rate.push((t.id, r.clone()));
                    }
                    if !roles.rater.contains(&r) {
                        roles.rater.push(r);
                    }
                }
            }
            "data" => {
                if let Some(d) = t.department_id
                    && who
                        .reach
                        .iter()
                        .any(|g| g.role == Role::Clerk && g.department_id == Some(d))
                    && !roles.clerk.contains(&d)
                {
                    roles.clerk.push(d);
                }
            }
            _ => {}
        }
    }
    roles
}

const APPRAISAL_SELECT: &str = "SELECT a.id, a.cycle_id, a.employee_id, e.emp_no, e.name, a.department_id, d.name AS dept, a.grp, a.state, a.version, a.inputs, \
         a.open_items, a.result, a.total, a.grade, a.bonus, a.self_summary, a.comments, a.next_goals, a.interview, a.appeal, \
         a.published_at, a.confirm_due, a.confirmed_at, a.confirmed_by, a.updated_at \
         FROM appraisals a JOIN employees e ON e.id = a.employee_id JOIN departments d ON d.id = a.department_id";

/// The columns [`cycle_from`] reads, from a cycle with its template.
const CYCLE_SELECT: &str = "SELECT c.id, c.name, c.form_id, c.template_id, t.version AS template_version, c.period_kind, c.period, c.status, c.params, \
         c.targets, c.members, c.data_due, c.rating_due, c.confirm_window_hours, c.created_by, c.created_at, c.launched_at, c.grades, c.cancelled_at, c.cancel_reason, c.remind_days, c.escalate_days \
         FROM cycles c JOIN templates t ON t.id = c.template_id";

fn appraisal_from(r: &AnyRow) -> Result<(Appraisal, i64)> {
    const T: &str = "appraisals";
    let id: i64 = r.get("id");
    let a = Appraisal {
        id,
        cycle_id: r.get("cycle_id"),
        employee_id: r.get("employee_id"),
        emp_no: r.get("emp_no"),
        name: r.get("name"),
        department: r.get("dept"),
        group: r.get("grp"),
        state: read_state(&r.get::<String, _>("state"), T, id)?,
        version: r.get("version"),
        inputs: read_json(&r.get::<String, _>("inputs"), T, id, "inputs")?,
        open_items: read_json_opt(r.get("open_items"), T, id, "open_items")?,
        result: read_json_opt(r.get("result"), T, id, "result")?,
        total: read_decimal(r.get("total"), T, id, "total")?,
        grade: r.get("grade"),
        bonus: read_decimal(r.get("bonus"), T, id, "bonus")?,
        notes: Notes {
            self_summary: r.get("self_summary"),
            comments: r.get("comments"),
            next_goals: r.get("next_goals"),
            interview: read_json_opt(r.get("interview"), T, id, "interview")?,
        },
        appeal: read_json_opt(r.get("appeal"), T, id, "appeal")?,
        published_at: read_time(r.get("published_at"), T, id, "published_at")?,
        confirm_due: read_time(r.get("confirm_due"), T, id, "confirm_due")?,
        confirmed_at: read_time(r.get("confirmed_at"), T, id, "confirmed_at")?,
        confirmed_by: r.get("confirmed_by"),
        updated_at: read_time(Some(r.get("updated_at")), T, id, "updated_at")?.unwrap_or_default(),
        on_behalf_of: None,
    };
    Ok((a, r.get("department_id")))
}

/// A line of a cycle's results from a row with `id, emp_no, name, department_id, dept, grp,
/// state, total, grade, bonus`; the stored state and decimals checked.
pub(crate) fn result_row(r: &AnyRow, rank: Option<u32>) -> Result<ResultRow> {
    const T: &str = "appraisals";
    let id: i64 = r.get("id");
    Ok(ResultRow {
        appraisal_id: id,
        emp_no: r.get("emp_no"),
        name: r.get("name"),
        department_id: r.get("department_id"),
        department: r.get("dept"),
        group: r.get("grp"),
        state: read_state(&r.get::<String, _>("state"), T, id)?,
        total: read_decimal(r.get("total"), T, id, "total")?,
        grade: r.get("grade"),
        bonus: read_decimal(r.get("bonus"), T, id, "bonus")?,
        rank,
    })
}

fn cycle_from(r: &AnyRow) -> Result<Cycle> {
    const T: &str = "cycles";
    let id: i64 = r.get("id");
    Ok(Cycle {
        id,
        name: r.get("name"),
        form_id: r.get("form_id"),
        template_id: r.get("template_id"),
        template_version: r.get("template_version"),
        period_kind: PeriodKind::parse(&r.get::<String, _>("period_kind")).ok_or(
            StoreError::Corrupt {
                table: T,
                id,
                column: "period_kind",
            },
        )?,
        period: r.get("period"),
        status: if r.get::<Option<String>, _>("cancelled_at").is_some() {
            "cancelled".into()
        } else {
            r.get("status")
        },
        params: read_json(&r.get::<String, _>("params"), T, id, "params")?,
        targets: read_json(&r.get::<String, _>("targets"), T, id, "targets")?,
        members: read_json(&r.get::<String, _>("members"), T, id, "members")?,
        data_due: r.get("data_due"),
        rating_due: r.get("rating_due"),
        confirm_window_hours: r.get("confirm_window_hours"),
        created_by: r.get("created_by"),
        created_at: r.get("created_at"),
        launched_at: r.get("launched_at"),
        grades: match r.get::<Option<String>, _>("grades") {
            Some(g) => read_json(&g, T, id, "grades")?,
            None => Vec::new(),
        },
        cancel_reason: r.get("cancel_reason"),
        reminders: Reminders {
            days_before: Reminders::parse_days(&r.get::<String, _>("remind_days")).map_err(
                |_| StoreError::Corrupt {
                    table: T,
                    id,
                    column: "remind_days",
                },
            )?,
            escalate_after: r.get("escalate_days"),
        },
    })
}

impl Db {
    /// The cycle's form as it scores this cycle: the pinned version, with the cycle's grade
    /// bands when the sheet has none.
    pub(crate) async fn template_for(c: &mut sqlx::AnyConnection, cy: &Cycle) -> Result<Template> {
        let mut t = Self::template_of(c, cy.template_id).await?;
        with_cycle_grades(&mut t, cy);
        Ok(t)
    }

    async fn template_of(c: &mut sqlx::AnyConnection, template_id: i64) -> Result<Template> {
        let src: String = sqlx::query("SELECT source FROM templates WHERE id = $1")
            .bind(template_id)
            .fetch_one(&mut *c)
            .await?
            .get("source");
        compile(&src)
    }

    pub(crate) async fn load_cycle(c: &mut sqlx::AnyConnection, id: i64) -> Result<Cycle> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{CYCLE_SELECT} WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: Thing::Cycle,
            key: id.to_string(),
        })?;
        cycle_from(&r)
    }

    async fn load_appraisal(c: &mut sqlx::AnyConnection, id: i64) -> Result<(Appraisal, i64)> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{APPRAISAL_SELECT} WHERE a.id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: Thing::Appraisal,
            key: id.to_string(),
        })?;
        appraisal_from(&r)
    }

    /// An appraisal with what `who` is to it ([`Roles`]: not yet checked), in one query: the
    /// appraisal, its cycle's members (for the exemption), the tasks that decide the roles
    /// and the people `who` acts for today. Every read and write of an appraisal asks all of
    /// them, a write inside the one writer's turn.
    async fn load_with_roles(
        c: &mut sqlx::AnyConnection,
        who: &User,
        id: i64,
    ) -> Result<(Appraisal, Roles)> {
        use crate::backend::{Col::Value, rows_of};
        let b = crate::backend::backend_of(c);
        let task_cols = [
            "id",
            "kind",
            "rater",
            "department_id",
            "assignee_id",
            "status",
            "appraisal_id",
            "cycle_id",
            "peer_min",
        ]
        .map(Value);
        let tasks = rows_of(
            b,
            &task_cols,
            false,
            "SELECT id, kind, rater, department_id, assignee_id, status, appraisal_id, cycle_id, peer_min \
             FROM tasks WHERE appraisal_id = $1 OR (cycle_id = (SELECT cycle_id FROM appraisals WHERE id = $2) \
             AND kind = 'data')",
        );
        let principals = rows_of(
            b,
            &[Value("principal_id"), Value("username"), Value("name")],
            false,
            &crate::delegation::principals_sql(["$3", "$4", "$5"]),
        );
        let today = crate::delegation::today();
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT q.*, c.members AS cycle_members, ({tasks}) AS task_facts, ({principals}) AS principal_ids \
             FROM ({APPRAISAL_SELECT} WHERE a.id = $1) q JOIN cycles c ON c.id = q.cycle_id"
        )))
        .bind(id)
        .bind(id)
        .bind(who.id)
        .bind(&today)
        .bind(&today)
        .fetch_optional(&mut *c)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: Thing::Appraisal,
            key: id.to_string(),
        })?;
        let (a, dept) = appraisal_from(&r)?;
        let exempt = Self::exempt_in(&r.get::<String, _>("cycle_members"), who, a.cycle_id)?;
        let mut tasks: Vec<TaskFact> =
            read_json(&r.get::<String, _>("task_facts"), "appraisals", id, "tasks")?;
        // In the order they were made, whatever plan the database chose (sorted here: an
        // ORDER BY in the query cost SQLite a sort of its own).
        tasks.sort_unstable_by_key(|t| t.id);
        let found = read_json(
            &r.get::<String, _>("principal_ids"),
            "appraisals",
            id,
            "delegations",
        )?;
        let principals = Self::principals_loaded(&mut *c, found).await?;
        let roles = roles_with(who, &a, dept, exempt, &tasks, &principals);
        Ok((a, roles))
    }

    /// Is `who` named in the cycle's `members.sod_exempt`?
    async fn sod_exempt(c: &mut sqlx::AnyConnection, who: &User, cycle_id: i64) -> Result<bool> {
        let members: Option<String> = sqlx::query("SELECT members FROM cycles WHERE id = $1")
            .bind(cycle_id)
            .fetch_optional(&mut *c)
            .await?
            .map(|r| r.get("members"));
        match members {
            Some(m) => Self::exempt_in(&m, who, cycle_id),
            None => Ok(false),
        }
    }

    /// Is `who` named in `members.sod_exempt` of a cycle's stored `members`?
    fn exempt_in(m: &str, who: &User, cycle_id: i64) -> Result<bool> {
        let m: Members = serde_json::from_str(m).map_err(|_| StoreError::Corrupt {
            table: "cycles",
            id: cycle_id,
            column: "members",
        })?;
        Ok(m.sod_exempt.iter().any(|u| u == &who.username))
    }

    /// What `who` is to each of a page of appraisals, with two queries whatever the page's
    /// size (the cycles' exemptions, and the tasks of those appraisals and cycles) rather
    /// than two per appraisal.
    async fn roles_of_page(
        c: &mut sqlx::AnyConnection,
        who: &User,
        page: &[(Appraisal, i64)],
    ) -> Result<Vec<Roles>> {
        let mut cycles: Vec<i64> = page.iter().map(|(a, _)| a.cycle_id).collect();
        cycles.sort_unstable();
        cycles.dedup();
        let mut exempt = HashMap::new();
        for &cy in &cycles {
            exempt.insert(cy, Self::sod_exempt(&mut *c, who, cy).await?);
        }
        let mut by_appraisal: HashMap<i64, Vec<TaskFact>> = HashMap::new();
        let mut data: HashMap<i64, Vec<TaskFact>> = HashMap::new();
        if !page.is_empty() {
            let mut qb = crate::backend::SqlBuilder::new(
                "SELECT id, kind, rater, department_id, assignee_id, status, appraisal_id, cycle_id, peer_min FROM tasks WHERE appraisal_id IN (",
            );
            for (i, (a, _)) in page.iter().enumerate() {
                if i > 0 {
                    qb.push(", ");
                }
                qb.push_bind(a.id);
            }
            qb.push(") OR (kind = 'data' AND cycle_id IN (");
            for (i, cy) in cycles.iter().enumerate() {
                if i > 0 {
                    qb.push(", ");
                }
                qb.push_bind(*cy);
            }
            qb.push(")) ORDER BY id");
            for r in qb.build().fetch_all(&mut *c).await? {
                let t = TaskFact::from_row(&r);
                if t.kind == "data" {
                    data.entry(t.cycle_id).or_default().push(t.clone());
                }
                if let Some(a) = t.appraisal_id {
                    by_appraisal.entry(a).or_default().push(t);
                }
            }
        }
        let none = Vec::new();
        let principals = Self::principals_on(&mut *c, who).await?;
        Ok(page
            .iter()
            .map(|(a, dept)| {
                let own = by_appraisal.get(&a.id).unwrap_or(&none);
                // A data task of this appraisal is already among the cycle's data tasks.
                let tasks = || {
                    own.iter()
                        .filter(|t| t.kind != "data")
                        .chain(data.get(&a.cycle_id).unwrap_or(&none))
                };
                let mut roles = roles_from(
                    who,
                    a,
                    *dept,
                    exempt.get(&a.cycle_id).copied().unwrap_or(false),
                    tasks(),
                );
                for (p, principal) in &principals {
                    let theirs = roles_from(p, a, *dept, false, tasks());
                    policy::act_for(&mut roles, principal, &theirs);
                }
                roles
            })
            .collect())
    }

    /// Hide from `who` what the policy says they may not see; `owners` caches each
    /// cycle's template and input owners across calls.
    /// [`Self::redact`] of an appraisal read inside a write, once that write has committed,
    /// on a reader: the form, the cycle and the departments redaction reads are not what
    /// the write changed, and reading them there keeps the one writer free for the next
    /// write.
    async fn redact_after(&self, a: &mut Appraisal, roles: &Roles) -> Result<()> {
        let mut c = self.reader.acquire().await?;
        Self::redact(&mut c, a, roles, &mut HashMap::new()).await
    }

    async fn redact(
        c: &mut sqlx::AnyConnection,
        a: &mut Appraisal,
        roles: &Roles,
        owners: &mut HashMap<i64, (Template, Vec<Owner>)>,
    ) -> Result<()> {
        a.on_behalf_of = roles.on_behalf_of.as_ref().map(|p| p.name.clone());
        if !policy::needs_owners(roles, a.state) && roles.peer.is_empty() {
            policy::redact(a, roles, None);
            return Ok(());
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = owners.entry(a.cycle_id) {
            let cy = Self::load_cycle(&mut *c, a.cycle_id).await?;
            let t = Self::template_for(&mut *c, &cy).await?;
            let depts = Self::departments_in(&mut *c).await?;
            let (o, _) = input_owners(&t, &depts);
            slot.insert((t, o));
        }
        let (t, o) = &owners[&a.cycle_id];
        policy::redact(a, roles, Some((t, o)));
        if !roles.peer.is_empty() {
            // A peer's own answers, in their group's columns (同事评分).
            let columns: Vec<(String, String)> = t
                .inputs
                .iter()
                .zip(o)
                .filter_map(|(i, o)| match o {
                    Owner::Rater(r) if peers::is_peer_role(t, r) => Some((i.id.clone(), r.clone())),
                    _ => None,
                })
                .collect();
            let own = Self::own_answers(&mut *c, roles).await?;
            policy::show_own_answers(a, roles, &columns, own);
        }
        Ok(())
    }

    /// Values of the same employee and form in another period.
    async fn prior_values(
        c: &mut sqlx::AnyConnection,
        form_id: &str,
        period: Option<String>,
        employee_ids: &[i64],
    ) -> Result<HashMap<i64, Values>> {
        let mut out = HashMap::new();
        let Some(period) = period else { return Ok(out) };
        // The employees asked for, a chunk per query (a part of a cycle scored reads only
        // its own prior values).
        for chunk in employee_ids.chunks(GRID_CHUNK) {
            let mut qb = crate::backend::SqlBuilder::new(
                "SELECT a.id, a.employee_id, a.inputs FROM appraisals a JOIN cycles c ON c.id = a.cycle_id WHERE c.form_id = ",
            );
            qb.push_bind(form_id.to_string())
                .push(" AND c.period = ")
                .push_bind(period.clone())
                .push(" AND a.employee_id")
                .push_ids(chunk);
            for r in qb.build().fetch_all(&mut *c).await? {
                out.insert(
                    r.get("employee_id"),
                    read_json(
                        &r.get::<String, _>("inputs"),
                        "appraisals",
                        r.get("id"),
                        "inputs",
                    )?,
                );
            }
        }
        Ok(out)
    }

    /// Score the appraisals of a cycle together (peer averages), store the results of
    /// those not yet published, and return how many were stored.
    async fn rescore(
        c: &mut sqlx::AnyConnection,
        cycle: &Cycle,
        t: &Template,
        only: Option<&[i64]>,
    ) -> Result<usize> {
        let written: std::collections::HashSet<i64> =
            only.unwrap_or_default().iter().copied().collect();
        let ctx = Scoring::load(c, cycle, t, only).await?;
        let (ctx, results) = ctx.score(t, cycle).await?;
        // Every number a person sees is the engine's result for the inputs stored now: the
        // result, total, grade and bonus are written together, in every state. An
        // appraisal whose figures changed because another's did (peer averages) gets a new
        // version, so an approval or signature of the old figures is refused as stale; the
        // one being written has had its version moved by that write.
        let mut upd: Vec<(i64, Vec<Option<String>>)> = Vec::new();
        let mut bumped: Vec<(i64, Vec<Option<String>>)> = Vec::new();
        for (r, res) in ctx.rows.iter().zip(results) {
            let new = json(&res);
            if r.result.as_deref() == Some(new.as_str()) {
                continue;
            }
            let row = (
                r.id,
                vec![
                    Some(new),
                    res.total.clone(),
                    res.grade.clone(),
                    bonus_of(&res),
                ],
            );
            if written.contains(&r.id) {
                upd.push(row);
            } else {
                bumped.push(row);
            }
        }
        let cols = ["result", "total", "grade", "bonus"];
        let n = upd.len() + bumped.len();
        Self::bulk_update(c, &cols, upd, "").await?;
        Self::bulk_update(c, &cols, bumped, ", version = appraisals.version + 1").await?;
        Ok(n)
    }

    /// `UPDATE appraisals SET col = value …` for many appraisals at once (text columns),
    /// the rows' values moved into the statement, not copied.
    async fn bulk_update(
        c: &mut sqlx::AnyConnection,
        cols: &[&str],
        rows: Vec<(i64, Vec<Option<String>>)>,
        extra: &str,
    ) -> Result<()> {
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let mut columns: Vec<Vec<Option<String>>> = (0..cols.len())
            .map(|_| Vec::with_capacity(rows.len()))
            .collect();
        for (_, values) in rows {
            for (column, v) in columns.iter_mut().zip(values) {
                column.push(v);
            }
        }
        let columns = columns.into_iter().map(BulkCol::Text).collect();
        c.bulk_update("appraisals", &ids, cols, columns, extra)
            .await
    }

    /// A chunk of an import stored: each appraisal's [`GRID_COLUMNS`] (a new version),
    /// then the audit entries of the changes.
    async fn write_grid(
        &self,
        c: &mut WriteTx,
        rows: Vec<(i64, Vec<Option<String>>)>,
        audits: &[NewAudit],
    ) -> Result<()> {
        Self::bulk_update(&mut *c, &GRID_COLUMNS, rows, ", version = version + 1").await?;
        self.append_audits(c, audits).await
    }

    /// Append many audit entries at once (one chain, one statement per chunk). The chain's
    /// head comes from the write's group when an earlier write of it appended; a few
    /// entries go in with one `INSERT … RETURNING id`, which also tells whether a
    /// checkpoint is due.
    pub(crate) async fn append_audits(&self, tx: &mut WriteTx, entries: &[NewAudit]) -> Result<()> {
        /// Up to this many entries are inserted with `RETURNING id` (11 values each).
        const RETURNING_MAX: usize = 64;
        if entries.is_empty() {
            return Ok(());
        }
        let prev = Self::audit_head(tx, &self.audit_keys).await?;
        let at = now();
        let hashes = chain(&self.audit_keys, &prev, &at, entries);
        let head = hashes.last().map(|h| h.1.clone()).unwrap_or_default();
        let keyed = self.audit_keys.current();
        let last: Option<i64> = if entries.len() <= RETURNING_MAX {
            let mut q = crate::backend::SqlBuilder::new(format!(
                "INSERT INTO audit_log ({}) VALUES ",
                AUDIT_COLUMNS.join(", ")
            ));
            for (i, (e, (p, h, k))) in entries.iter().zip(hashes).enumerate() {
                let row = [
                    Some(at.clone()),
                    Some(e.actor.clone()),
                    Some(e.action.clone()),
                    Some(e.entity.clone()),
                    Some(e.entity_id.clone()),
                    e.old_value.clone(),
                    e.new_value.clone(),
                    e.reason.clone(),
                    Some(p),
                    Some(h),
                    k,
                ];
                q.push(if i == 0 { "(" } else { ", (" });
                for (j, v) in row.into_iter().enumerate() {
                    q.push(if j == 0 { "" } else { ", " }).push_bind(v);
                }
                q.push(")");
            }
            q.push(" RETURNING id");
            q.build()
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| r.get::<i64, _>("id"))
                .max()
        } else {
            let text = |f: &dyn Fn(&NewAudit) -> Option<String>| {
                BulkCol::Text(entries.iter().map(f).collect())
            };
            let cols = [
                BulkCol::Text(vec![Some(at.clone()); entries.len()]),
                text(&|e| Some(e.actor.clone())),
                text(&|e| Some(e.action.clone())),
                text(&|e| Some(e.entity.clone())),
                text(&|e| Some(e.entity_id.clone())),
                text(&|e| e.old_value.clone()),
                text(&|e| e.new_value.clone()),
                text(&|e| e.reason.clone()),
                BulkCol::Text(hashes.iter().map(|h| Some(h.0.clone())).collect()),
                BulkCol::Text(hashes.iter().map(|h| Some(h.1.clone())).collect()),
                BulkCol::Text(hashes.iter().map(|h| h.2.clone()).collect()),
            ];
            tx.bulk_insert("audit_log", &AUDIT_COLUMNS, cols.into())
                .await?;
            match keyed {
                Some(_) => {
                    sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
                        .fetch_one(&mut **tx)
                        .await?
                }
                None => None,
            }
        };
        // A checkpoint if the batch passed a multiple of CHECKPOINT_EVERY.
        if let (Some(k), Some(last)) = (keyed, last) {
            let first = last - entries.len() as i64 + 1;
            if last / CHECKPOINT_EVERY != (first - 1) / CHECKPOINT_EVERY {
                Self::write_checkpoint(tx, k).await?;
            }
        }
        tx.set_audit_head(head);
        Ok(())
    }

    /// Store a changed appraisal if nobody changed it meanwhile; bumps the version (and
    /// `a`'s, with its `updated_at`: `a` is then what is stored).
    async fn save(c: &mut sqlx::AnyConnection, a: &mut Appraisal, expected: i64) -> Result<()> {
        let at = now();
        let n = sqlx::query(
            "UPDATE appraisals SET state = $1, version = version + 1, inputs = $2, open_items = $3, self_summary = $4, comments = $5, \
             next_goals = $6, interview = $7, appeal = $8, published_at = $9, confirm_due = $10, confirmed_at = $11, confirmed_by = $12, \
             updated_at = $13, total = $14, grade = $15, bonus = $16 WHERE id = $17 AND version = $18",
        )
        .bind(a.state.as_str())
        .bind(json(&a.inputs))
        .bind(a.open_items.as_ref().map(json))
        .bind(&a.notes.self_summary)
        .bind(&a.notes.comments)
        .bind(&a.notes.next_goals)
        .bind(a.notes.interview.as_ref().map(json))
        .bind(a.appeal.as_ref().map(json))
        .bind(&a.published_at)
        .bind(&a.confirm_due)
        .bind(&a.confirmed_at)
        .bind(&a.confirmed_by)
        .bind(&at)
        .bind(&a.total)
        .bind(&a.grade)
        .bind(&a.bonus)
        .bind(a.id)
        .bind(expected)
        .execute(&mut *c)
        .await?
        .rows_affected();
        if n == 0 {
            let current: i64 = sqlx::query("SELECT version FROM appraisals WHERE id = $1")
                .bind(a.id)
                .fetch_one(&mut *c)
                .await?
                .get("version");
            return Err(StoreError::Stale { current });
        }
        a.version = expected + 1;
        a.updated_at = at;
        Ok(())
    }

    /// A cycle is closed when every appraisal in it is final; a correction reopens it.
    async fn sync_cycle_status(c: &mut sqlx::AnyConnection, cycle_id: i64) -> Result<()> {
        let open: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM appraisals WHERE cycle_id = $1 AND state <> 'confirmed'",
        )
        .bind(cycle_id)
        .fetch_one(&mut *c)
        .await?
        .get("n");
        let status = if open == 0 { "closed" } else { "launched" };
        let changed = sqlx::query(
            "UPDATE cycles SET status = $1 WHERE id = $2 AND status <> 'draft' AND status <> $3 AND cancelled_at IS NULL",
        )
        .bind(status)
        .bind(cycle_id)
        .bind(status)
        .execute(&mut *c)
        .await?
        .rows_affected();
        if changed > 0 && status == "closed" {
            // Every result confirmed: HR hears that the payroll is ready.
            let cy = Self::load_cycle(c, cycle_id).await?;
            let t = Self::template_for(c, &cy).await?;
            let count: i64 =
                sqlx::query("SELECT COUNT(*) AS n FROM appraisals WHERE cycle_id = $1")
                    .bind(cycle_id)
                    .fetch_one(&mut *c)
                    .await?
                    .get("n");
            let at = now();
            let events: Vec<crate::notify::Event> = crate::notify::hr_users(c)
                .await?
                .into_iter()
                .map(|uid| crate::notify::Event {
                    kind: crate::notify::EventKind::CycleClosed,
                    user_id: uid,
                    text: crate::notify::with_form(
                        text!(
                            "notify-cycle-closed",
                            cycle = cy.name,
                            form = t.form.title,
                            period = cy.period,
                            count = count
                        ),
                        &t.form,
                    ),
                    link: format!("/hr/cycles/{cycle_id}/results"),
                    key: format!("closed:{cycle_id}:{at}"),
                })
                .collect();
            crate::notify::emit(c, &events).await?;
        }
        Ok(())
    }

    /// The organisation's departments, read inside the caller's transaction.
    async fn departments_in(c: &mut sqlx::AnyConnection) -> Result<Vec<Department>> {
        sqlx::query(crate::backend::DEPT_SELECT)
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(crate::backend::dept_from_row)
            .collect()
    }

    /// An appraisal about to be written by `who`, who must see it (else NotFound) and
    /// have read `version` (else Stale), with what `who` is to it.
    /// [`Self::writable`]'s refusals (not visible, stale version) decided on a reader
    /// before the writer is taken: versions only grow, so a version that is stale now is
    /// stale inside the write too, and a refused write never queues for the writer. The
    /// write transaction checks again.
    async fn refuse_early(&self, who: &User, id: i64, version: i64) -> Result<()> {
        let mut c = self.reader.acquire().await?;
        Self::writable(&mut c, who, id, version).await.map(|_| ())
    }

    async fn writable(
        c: &mut sqlx::AnyConnection,
        who: &User,
        id: i64,
        version: i64,
    ) -> Result<(Appraisal, Roles)> {
        let (a, roles) = Self::load_with_roles(&mut *c, who, id).await?;
        if !roles.sees() {
            return Err(StoreError::NotFound {
                what: Thing::Appraisal,
                key: id.to_string(),
            });
        }
        if a.version != version {
            return Err(StoreError::Stale { current: a.version });
        }
        Ok((a, roles))
    }

    async fn reopen_raters(c: &mut sqlx::AnyConnection, id: i64) -> Result<()> {
        sqlx::query("UPDATE tasks SET status = 'open', done_at = NULL, done_by = NULL WHERE appraisal_id = $1 AND kind = 'rate' AND peer_min IS NULL")
            .bind(id)
            .execute(&mut *c)
            .await?;
        Ok(())
    }

    /// Check a cycle HR typed (for a create or an update): every problem at once, or the
    /// template version to pin, the period kind and the cycle with every name resolved
    /// to its id.
    async fn check_cycle(&self, n: &NewCycle) -> Result<(TemplateVersion, PeriodKind, NewCycle)> {
        let mut problems: Vec<(String, Text)> = Vec::new();
        let mut n = n.clone();
        if n.name.trim().is_empty() {
            problems.push(("name".into(), text!("name-empty")));
        }
        let tv = self
            .template(&n.form_id, n.template_version)
            .await?
            .ok_or_else(|| {
                StoreError::Fields(vec![(
                    "form_id".into(),
                    text!("no-template", form = n.form_id),
                )])
            })?;
        let t = compile(&tv.source)?;
        let kind = match t.form.period {
            kaohe_core::model::Period::Quarterly => PeriodKind::Quarterly,
            kaohe_core::model::Period::Annual => PeriodKind::Annual,
            _ => PeriodKind::Monthly,
        };
        if let Err(m) = kind.check(n.period.trim()) {
            problems.push(("period".into(), m));
        }
        if n.confirm_window_hours < 0 || n.confirm_window_hours > 24 * 366 {
            problems.push(("confirm_window_hours".into(), text!("window-range")));
        }
        match resolve_values(&t, &n.params, "params.") {
            Ok(v) => n.params = v,
            Err(f) => problems.extend(f),
        }
        for (k, v) in &n.params {
            match t.params.iter().position(|p| &p.id == k) {
                None => problems.push((format!("params.{k}"), text!("no-such-param"))),
                Some(i) => {
                    if let Err(m) = kaohe_core::input::parse_cell(&t, t.layout.params + i as u32, v)
                    {
                        problems.push((format!("params.{k}"), m.text()));
                    }
                }
            }
        }
        for (i, ts) in n.targets.iter_mut().enumerate() {
            match resolve_values(&t, &ts.values, &format!("targets[{i}].")) {
                Ok(v) => ts.values = v,
                Err(f) => {
                    problems.extend(f);
                    continue;
                }
            }
            if ts.position.is_none() == ts.emp_no.is_none() {
                problems.push((format!("targets[{i}]"), text!("target-who")));
            }
            if let Err(StoreError::Fields(f)) = check_values(&t, &ts.values) {
                problems.extend(f.into_iter().map(|(k, m)| (format!("targets[{i}].{k}"), m)));
            }
        }
        // Per-person raters and the rules, for the roles a rater can be named for (a form
        // without raters has its supervisor).
        let roles = crate::rules::rule_roles(&t);
        for (emp, raters) in &n.members.raters {
            for r in raters.keys() {
                if !roles.contains(r) {
                    problems.push((format!("members.raters.{emp}.{r}"), text!("no-such-rater")));
                }
            }
        }
        {
            let mut c = self.reader.acquire().await?;
            Self::check_peer_lists(&mut c, &t, &n.members, &mut problems).await?;
        }
        if let Err(StoreError::Fields(f)) = check_date("data_due", &n.data_due) {
            problems.extend(f)
        }
        if let Err(StoreError::Fields(f)) = check_date("rating_due", &n.rating_due) {
            problems.extend(f)
        }
        let mut c = self.reader.acquire().await?;
        for no in n
            .members
            .employees
            .iter()
            .chain(n.targets.iter().filter_map(|t| t.emp_no.as_ref()))
            .chain(n.members.raters.values().flat_map(|m| m.values()))
        {
            if sqlx::query("SELECT id FROM employees WHERE emp_no = $1")
                .bind(no)
                .fetch_optional(&mut *c)
                .await?
                .is_none()
            {
                problems.push(("members".into(), text!("no-emp-no", emp_no = no)));
            }
        }
        n.members.rules.retain(|_, r| !r.trim().is_empty());
        for r in n.members.rules.values_mut() {
            *r = r.trim().to_string();
        }
        if !n.members.rules.is_empty() {
            let depts = Self::departments_in(&mut c).await?;
            let mut named = HashMap::new();
            for r in n.members.rules.values() {
                if let Ok(crate::rules::Rule::Emp(no)) = crate::rules::Rule::parse(r)
                    && let Some(row) = sqlx::query("SELECT id FROM employees WHERE emp_no = $1")
                        .bind(&no)
                        .fetch_optional(&mut *c)
                        .await?
                {
                    named.insert(no, row.get::<i64, _>("id"));
                }
            }
            if let Err(f) = crate::rules::resolve_rules(&t, &n.members.rules, &depts, &named) {
                problems.extend(f);
            }
        }
        for u in &n.members.sod_exempt {
            if sqlx::query("SELECT id FROM users WHERE username = $1")
                .bind(u)
                .fetch_optional(&mut *c)
                .await?
                .is_none()
            {
                problems.push(("members.sod_exempt".into(), text!("no-user", username = u)));
            }
        }
        for p in n
            .members
            .positions
            .iter()
            .chain(n.targets.iter().filter_map(|t| t.position.as_ref()))
        {
            if sqlx::query("SELECT id FROM positions WHERE code = $1 OR name = $2")
                .bind(p)
                .bind(p)
                .fetch_optional(&mut *c)
                .await?
                .is_none()
            {
                problems.push(("positions".into(), text!("no-position", position = p)));
            }
        }
        drop(c);
        if !problems.is_empty() {
            return Err(StoreError::Fields(problems));
        }
        Ok((tv, kind, n))
    }

    pub(crate) async fn create_cycle_impl(&self, actor: &str, n: &NewCycle) -> Result<Cycle> {
        let (tv, kind, n) = self.check_cycle(n).await?;
        let n = &n;
        let mut tx = self.begin_write().await?;
        let at = now();
        let row = sqlx::query(
            "INSERT INTO cycles (name, form_id, template_id, period_kind, period, status, params, targets, members, data_due, rating_due, \
             confirm_window_hours, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(n.name.trim())
        .bind(&tv.form_id)
        .bind(tv.id)
        .bind(kind.as_str())
        .bind(n.period.trim())
        .bind(json(&n.params))
        .bind(json(&n.targets))
        .bind(json(&n.members))
        .bind(&n.data_due)
        .bind(&n.rating_due)
        .bind(n.confirm_window_hours)
        .bind(actor)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| if is_unique(&e) { StoreError::Conflict { what: Thing::Cycle, key: format!("{} {} {}", tv.form_id, n.period, n.name) } } else { e.into() })?;
        let id: i64 = row.get("id");
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "cycle.create".into(),
                entity: "cycle".into(),
                entity_id: id.to_string(),
                new_value: Some(format!(
                    "{} {} {}@{}",
                    n.name.trim(),
                    n.period.trim(),
                    tv.form_id,
                    tv.version
                )),
                ..Default::default()
            }],
        )
        .await?;
        let cy = Self::load_cycle(&mut tx, id).await?;
        tx.commit().await?;
        Ok(cy)
    }

    pub(crate) async fn launch_cycle_impl(&self, actor: &str, id: i64) -> Result<LaunchSummary> {
        let mut tx = self.begin_write().await?;
        let cy = Self::load_cycle(&mut tx, id).await?;
        if cy.status != "draft" {
            return Err(launched_already(&cy));
        }
        let t = Self::template_for(&mut tx, &cy).await?;
        let depts = Self::departments_in(&mut tx).await?;
        let (owners, unmatched) = input_owners(&t, &depts);
        let all = Self::members_of(&mut tx, &cy, &t).await?;
        let data_depts: Vec<i64> = {
            let mut v: Vec<i64> = owners
                .iter()
                .filter_map(|o| {
                    if let Owner::Dept(d) = o {
                        Some(*d)
                    } else {
                        None
                    }
                })
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let start = if !data_depts.is_empty() {
            State::DataEntry
        } else if has_self(&t) {
            State::SelfAssessment
        } else {
            State::Rating
        };
        let at = now();
        // Appraisals, with targets and bases filled in (the employee's own win).
        let inputs: Vec<Option<String>> = all
            .iter()
            .map(|e| Some(json(&member_values(&cy, e))))
            .collect();
        let k = all.len();
        tx.bulk_insert(
            "appraisals",
            &[
                "cycle_id",
                "employee_id",
                "department_id",
                "grp",
                "state",
                "version",
                "inputs",
                "updated_at",
            ],
            vec![
                BulkCol::Int(vec![Some(cy.id); k]),
                BulkCol::Int(all.iter().map(|e| Some(e.id)).collect()),
                BulkCol::Int(all.iter().map(|e| Some(e.department_id)).collect()),
                BulkCol::Text(all.iter().map(|e| Some(e.dept.clone())).collect()),
                BulkCol::Text(vec![Some(start.as_str().to_string()); k]),
                BulkCol::Int(vec![Some(1); k]),
                BulkCol::Text(inputs),
                BulkCol::Text(vec![Some(at.clone()); k]),
            ],
        )
        .await?;
        let ids: HashMap<i64, i64> =
            sqlx::query("SELECT id, employee_id FROM appraisals WHERE cycle_id = $1")
                .bind(cy.id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| (r.get("employee_id"), r.get("id")))
                .collect();
        let by_no = Self::staff(&mut tx).await?;
        // Tasks: (appraisal, kind, rater, department, assignee, due).
        let mut tasks: Vec<(
            Option<i64>,
            &str,
            Option<String>,
            Option<i64>,
            Option<i64>,
            Option<String>,
        )> = Vec::new();
        for d in &data_depts {
            tasks.push((None, "data", None, Some(*d), None, cy.data_due.clone()));
        }
        let roles = rating_roles(&t, &owners);
        let plans = role_plans_of(&cy, &t, &roles, &depts, &by_no)?;
        let tree = crate::rules::Tree::of(&depts, &by_no);
        let selfish = has_self(&t);
        for e in &all {
            let aid = ids[&e.id];
            if selfish {
                tasks.push((
                    Some(aid),
                    "self",
                    Some("self".into()),
                    None,
                    Some(e.id),
                    cy.rating_due.clone(),
                ));
            }
            // Who gets each rating: the person named for them, else the role's rule, else
            // the department named like the rater or the supervisor (`rules::plan_one`).
            let planned = crate::rules::plan_one(
                &plans,
                cy.members.raters.get(&e.emp_no),
                &by_no,
                &tree,
                &plan_member(e),
            );
            for (r, p) in roles.iter().zip(planned) {
                let (dept, who) = match p.assignee {
                    crate::rules::Assignee::Person(w) => (None, Some(w)),
                    crate::rules::Assignee::Dept(d) => (Some(d), None),
                    crate::rules::Assignee::Nobody => (None, None),
                };
                tasks.push((
                    Some(aid),
                    "rate",
                    Some(r.clone()),
                    dept,
                    who,
                    cy.rating_due.clone(),
                ));
            }
        }
        let k = tasks.len();
        tx.bulk_insert(
            "tasks",
            &[
                "cycle_id",
                "appraisal_id",
                "kind",
                "rater",
                "department_id",
                "assignee_id",
                "status",
                "due",
            ],
            vec![
                BulkCol::Int(vec![Some(cy.id); k]),
                BulkCol::Int(tasks.iter().map(|t| t.0).collect()),
                BulkCol::Text(tasks.iter().map(|t| Some(t.1.to_string())).collect()),
                BulkCol::Text(tasks.iter().map(|t| t.2.clone()).collect()),
                BulkCol::Int(tasks.iter().map(|t| t.3).collect()),
                BulkCol::Int(tasks.iter().map(|t| t.4).collect()),
                BulkCol::Text(vec![Some("open".to_string()); k]),
                BulkCol::Text(tasks.iter().map(|t| t.5.clone()).collect()),
            ],
        )
        .await?;
        let peer_tasks = Self::launch_peer_tasks(
            &mut tx,
            &cy,
            &t,
            &all.iter()
                .map(|e| peers::PeerMember {
                    appraisal_id: ids[&e.id],
                    employee_id: e.id,
                    emp_no: &e.emp_no,
                    dept: &e.dept,
                    supervisor: e.supervisor,
                })
                .collect::<Vec<_>>(),
        )
        .await?;
        sqlx::query("UPDATE cycles SET status = 'launched', launched_at = $1 WHERE id = $2")
            .bind(&at)
            .bind(cy.id)
            .execute(&mut *tx)
            .await?;
        // One message per person with tasks (not one per appraisal), with the launch.
        let holders = crate::notify::task_holders(&mut tx, cy.id, None).await?;
        crate::notify::emit(
            &mut tx,
            &crate::notify::task_events(
                crate::notify::EventKind::TaskAssigned,
                &holders,
                &t.form,
                &cy.period,
                &format!("launch:{}", cy.id),
            ),
        )
        .await?;
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "cycle.launch".into(),
                entity: "cycle".into(),
                entity_id: cy.id.to_string(),
                old_value: Some("draft".into()),
                new_value: Some(format!(
                    "launched: {} appraisals, {} tasks",
                    all.len(),
                    tasks.len() + peer_tasks
                )),
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        if all.len() >= crate::backend::ANALYZE_AFTER {
            self.analyze(&["ANALYZE appraisals", "ANALYZE tasks"]).await;
        }
        Ok(LaunchSummary {
            appraisals: all.len(),
            tasks: tasks.len() + peer_tasks,
            unmatched_departments: unmatched,
        })
    }

    pub(crate) async fn appraisal_impl(&self, who: &User, id: i64) -> Result<Appraisal> {
        let mut c = self.reader.acquire().await?;
        let (mut a, roles) = Self::load_with_roles(&mut c, who, id).await?;
        if !roles.sees() {
            return Err(StoreError::NotFound {
                what: Thing::Appraisal,
                key: id.to_string(),
            });
        }
        if a.result.is_none() && roles.sees_scores(a.state) {
            // Data entered in bulk is scored when first looked at.
            let cy = Self::load_cycle(&mut c, a.cycle_id).await?;
            let t = Self::template_for(&mut c, &cy).await?;
            drop(c);
            let mut tx = self.begin_write().await?;
            Self::rescore(&mut tx, &cy, &t, Some(&[id])).await?;
            let (mut b, _) = Self::load_appraisal(&mut tx, id).await?;
            tx.commit().await?;
            self.redact_after(&mut b, &roles).await?;
            return Ok(b);
        }
        Self::redact(&mut c, &mut a, &roles, &mut HashMap::new()).await?;
        Ok(a)
    }

    pub(crate) async fn appraisals_impl(
        &self,
        who: &User,
        cycle_id: Option<i64>,
        state: Option<State>,
        page: Page,
    ) -> Result<Vec<Appraisal>> {
        Ok(self
            .appraisals_where(who, cycle_id, state, Paged::Offset(page))
            .await?
            .0)
    }

    /// The appraisals after id `after` (keyset: no rows skipped over), at most `limit`
    /// (1–1,000) read, and the cursor of the next page when this one was full.
    pub(crate) async fn appraisals_after_impl(
        &self,
        who: &User,
        cycle_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<Appraisal>, Option<i64>)> {
        self.appraisals_where(who, Some(cycle_id), None, Paged::After(after, limit))
            .await
    }

    /// See [`Store::import_targets`]. HR (who sees every appraisal whole) reads only the
    /// columns an import needs; anyone else reads [`Self::appraisals_after_impl`]'s pages,
    /// with their roles and what they may not see left out, as on every other read.
    pub(crate) async fn page_starts_impl(&self, cycle_id: i64, every: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM appraisals \
             WHERE cycle_id = $1) x WHERE n % $2 = 0 ORDER BY id",
        )
        .bind(cycle_id)
        .bind(every.max(1))
        .fetch_all(&self.reader)
        .await?)
    }

    pub(crate) async fn import_targets_impl(
        &self,
        who: &User,
        cycle_id: i64,
        after: i64,
        limit: i64,
        inputs: &[String],
    ) -> Result<(Vec<ImportTarget>, Option<i64>)> {
        let keep =
            |mut v: Values| -> Vec<Option<String>> { inputs.iter().map(|i| v.remove(i)).collect() };
        if !policy::sees_every_appraisal(who) {
            let (page, next) = self
                .appraisals_after_impl(who, cycle_id, after, limit)
                .await?;
            let list = page
                .into_iter()
                .map(|a| ImportTarget {
                    id: a.id,
                    emp_no: a.emp_no,
                    name: a.name,
                    state: a.state,
                    version: a.version,
                    inputs: keep(a.inputs),
                })
                .collect();
            return Ok((list, next));
        }
        let limit = limit.clamp(1, 1000);
        // The inputs embedded as JSON, and picked as the page is read; a page the database
        // refuses (an appraisal's inputs are not JSON) is read again as text, which names it.
        let page = match self.import_targets_page(cycle_id, after, limit, true).await {
            Ok(page) => page,
            Err(_) => {
                self.import_targets_page(cycle_id, after, limit, false)
                    .await?
            }
        };
        type Found<'p> = (
            i64,
            String,
            String,
            String,
            i64,
            &'p serde_json::value::RawValue,
        );
        let mut rows: Vec<Found> = read_page(&page, cycle_id)?;
        // An aggregate need not keep its subquery's order; the keyset needs it.
        rows.sort_unstable_by_key(|r| r.0);
        let next = (rows.len() as i64 == limit)
            .then(|| rows.last().map(|r| r.0))
            .flatten();
        let list = rows
            .into_iter()
            .map(|(id, emp_no, name, state, version, stored)| {
                Ok(ImportTarget {
                    id,
                    emp_no,
                    name,
                    state: read_state(&state, "appraisals", id)?,
                    version,
                    inputs: pick_inputs(stored, inputs, id)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok((list, next))
    }

    /// A page of [`Self::import_targets_impl`] as the database writes it: the rows after
    /// `after` as one JSON text, each appraisal's inputs embedded (`embed`) or as text.
    async fn import_targets_page(
        &self,
        cycle_id: i64,
        after: i64,
        limit: i64,
        embed: bool,
    ) -> Result<String> {
        use crate::backend::Col::{Json, Value};
        let sql = crate::backend::rows_of(
            self.backend,
            &[
                Value("r.id"),
                Value("r.emp_no"),
                Value("r.name"),
                Value("r.state"),
                Value("r.version"),
                Json("r.inputs"),
            ],
            embed,
            "SELECT a.id, e.emp_no, e.name, a.state, a.version, a.inputs FROM appraisals a \
             JOIN employees e ON e.id = a.employee_id WHERE a.cycle_id = $1 AND a.id > $2 \
             ORDER BY a.id LIMIT $3",
        );
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(cycle_id)
            .bind(after)
            .bind(limit)
            .fetch_one(&self.reader)
            .await?
            .get("rows"))
    }

    async fn appraisals_where(
        &self,
        who: &User,
        cycle_id: Option<i64>,
        state: Option<State>,
        paged: Paged,
    ) -> Result<(Vec<Appraisal>, Option<i64>)> {
        let mut qb = crate::backend::SqlBuilder::new(format!("{APPRAISAL_SELECT} WHERE 1 = 1"));
        if let Some(cid) = cycle_id {
            qb.push(" AND a.cycle_id = ").push_bind(cid);
        }
        if let Some(s) = state {
            qb.push(" AND a.state = ").push_bind(s.as_str());
        }
        if let Paged::After(after, _) = paged {
            qb.push(" AND a.id > ").push_bind(after);
        }
        if !who.has(Role::HrAdmin) {
            let principals = {
                let mut c = self.reader.acquire().await?;
                Self::principals_on(&mut c, who).await?
            };
            let emp = who.employee_id.unwrap_or(-1);
            qb.push(" AND (a.employee_id = ").push_bind(emp);
            // What the principals see as raters, reviewers and approvers: the policy decides
            // per appraisal what of it the delegate may (see `roles_of_page`).
            for (p, _) in &principals {
                push_work_of(&mut qb, p);
            }
            qb.push(" OR a.id IN (SELECT appraisal_id FROM tasks WHERE kind = 'rate' AND assignee_id = ").push_bind(emp).push(")");
            let rater_depts: Vec<i64> = who
                .reach
                .iter()
                .filter(|g| matches!(g.role, Role::Rater | Role::Clerk))
                .filter_map(|g| g.department_id)
                .collect();
            for d in &rater_depts {
                qb.push(" OR a.id IN (SELECT appraisal_id FROM tasks WHERE kind = 'rate' AND assignee_id IS NULL AND department_id = ").push_bind(*d).push(")");
                qb.push(" OR a.cycle_id IN (SELECT cycle_id FROM tasks WHERE kind = 'data' AND department_id = ").push_bind(*d).push(")");
            }
            for g in who
                .reach
                .iter()
                .filter(|g| matches!(g.role, Role::Reviewer | Role::Approver))
            {
                match g.department_id {
                    None => {
                        qb.push(" OR 1 = 1");
                    }
                    Some(d) => {
                        qb.push(" OR a.department_id = ").push_bind(d);
                    }
                }
            }
            qb.push(")");
        }
        let limit = match paged {
            Paged::Offset(page) => {
                qb.push(" ORDER BY a.id").push_page(page);
                page.limit.clamp(1, 1000)
            }
            Paged::After(_, limit) => {
                let limit = limit.clamp(1, 1000);
                qb.push(" ORDER BY a.id LIMIT ").push_bind(limit);
                limit
            }
        };
        let rows = qb.build().fetch_all(&self.reader).await?;
        let next = (rows.len() as i64 == limit)
            .then(|| rows.last().map(|r| r.get::<i64, _>("id")))
            .flatten();
        let list: Vec<(Appraisal, i64)> = rows.iter().map(appraisal_from).collect::<Result<_>>()?;
        drop(rows);
        let mut c = self.reader.acquire().await?;
        let roles = Self::roles_of_page(&mut c, who, &list).await?;
        let mut out = Vec::with_capacity(list.len());
        let mut owners = HashMap::new();
        for ((mut a, _), roles) in list.into_iter().zip(roles) {
            if roles.sees() {
                Self::redact(&mut c, &mut a, &roles, &mut owners).await?;
                out.push(a);
            }
        }
        Ok((out, next))
    }

    pub(crate) async fn enter_impl(
        &self,
        who: &User,
        id: i64,
        version: i64,
        values: &Values,
    ) -> Result<Appraisal> {
        self.refuse_early(who, id, version).await?;
        let mut tx = self.begin_write().await?;
        let (a, roles) = Self::writable(&mut tx, who, id, version).await?;
        let cy = Self::load_cycle(&mut tx, a.cycle_id).await?;
        let t = Self::template_for(&mut tx, &cy).await?;
        let depts = Self::departments_in(&mut tx).await?;
        let (owners, _) = input_owners(&t, &depts);
        // A peer's answers go to their own task (同事评分), never into the inputs.
        if !roles.peer.is_empty()
            && values.keys().any(|k| {
                matches!(slot_of(&t, k).and_then(|s| owners.get(s as usize)),
                    Some(Owner::Rater(r)) if roles.peer.iter().any(|p| &p.rater == r))
            })
        {
            return self
                .peer_answer(tx, who, &roles, a, version, (&cy, &t), &owners, values)
                .await;
        }
        let open_item = |slot: usize| -> bool {
            match (&a.open_items, t.inputs.get(slot).and_then(|i| i.item)) {
                (None, _) => true,
                (Some(open), Some(item)) => open.contains(&t.items[item].id),
                (Some(_), None) => false,
            }
        };
        let mut refused: Vec<(String, Text)> = Vec::new();
        for k in values.keys() {
            let Some(slot) = slot_of(&t, k) else { continue };
            let owner = owners.get(slot as usize).cloned().unwrap_or(Owner::Hr);
            if !matches!(&owner, Owner::Rater(r) if r == "self")
                && let Err(d) = policy::separation(&roles, Duty::Enter)
            {
                refused.push((k.clone(), d.text()));
                continue;
            }
            let ok = match (a.state, &owner) {
                (
                    State::Published
                    | State::Appealed
                    | State::Confirmed
                    | State::Review
                    | State::Approval,
                    _,
                ) => false,
                (_, _) if roles.hr => true,
                (State::DataEntry, Owner::Dept(d)) => roles.clerk.contains(d),
                (State::SelfAssessment, Owner::Rater(r)) => r == "self" && roles.appraisee,
                (State::Rating, Owner::Rater(r)) => {
                    roles.open_rate.iter().any(|(_, x)| x == r) && open_item(slot as usize)
                }
                (State::Rating, Owner::Dept(d)) => {
                    a.open_items.is_some() && roles.clerk.contains(d) && open_item(slot as usize)
                }
                _ => false,
            };
            if !ok && roles.hr {
                refused.push((
                    k.clone(),
                    in_state(
                        text!("correction-needs-reason", state = a.state.zh()),
                        a.state,
                    ),
                ));
            } else if !ok {
                refused.push((
                    k.clone(),
                    in_state(text!("cannot-enter-now", state = a.state.zh()), a.state),
                ));
            }
        }
        if !refused.is_empty() {
            return Err(StoreError::Forbidden(in_words(&t, &refused)));
        }
        check_values(&t, values)?;
        self.write_values(tx, who, &roles, a, version, (&cy, &t), values, None)
            .await
    }

    /// Store `values` in the appraisal `a` read at `version` (an empty value clears one),
    /// audited old → new — as a correction with its reason, when given — and scored anew
    /// in the same transaction; the appraisal as `roles` may see it. When nothing changes,
    /// nothing is written.
    #[allow(clippy::too_many_arguments)]
    async fn write_values(
        &self,
        mut tx: WriteTx,
        who: &User,
        roles: &Roles,
        mut a: Appraisal,
        version: i64,
        (cy, t): (&Cycle, &Template),
        values: &Values,
        reason: Option<&str>,
    ) -> Result<Appraisal> {
        let old = a.inputs.clone();
        overlay(&mut a.inputs, values);
        let Some((o, n)) = diff(&old, &a.inputs) else {
            // Nothing to write: the writer goes back before the answer is redacted.
            tx.rollback().await?;
            self.redact_after(&mut a, roles).await?;
            return Ok(a);
        };
        Self::save(&mut tx, &mut a, version).await?;
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: policy::actor(&who.username, roles),
                action: match reason {
                    Some(_) => "appraisal.correct_data",
                    None => "appraisal.values",
                }
                .into(),
                entity: "appraisal".into(),
                entity_id: a.id.to_string(),
                old_value: Some(o),
                new_value: Some(n),
                reason: reason.map(|r| r.trim().to_string()),
            }],
        )
        .await?;
        Self::rescore(&mut tx, cy, t, Some(&[a.id])).await?;
        let (mut a, _) = Self::load_appraisal(&mut tx, a.id).await?;
        tx.commit().await?;
        self.redact_after(&mut a, roles).await?;
        Ok(a)
    }

    /// HR corrects stored inputs in any state, with a reason: audited old → new with the
    /// reason, scored anew in the same transaction (peers too), the version moved so that
    /// whoever acts next acts on the new figures.
    pub(crate) async fn correct_impl(
        &self,
        who: &User,
        id: i64,
        version: i64,
        values: &Values,
        reason: &str,
    ) -> Result<Appraisal> {
        if reason.trim().is_empty() {
            return Err(StoreError::Fields(vec![(
                "reason".into(),
                text!("correction-reason"),
            )]));
        }
        self.refuse_early(who, id, version).await?;
        let mut tx = self.begin_write().await?;
        let (a, roles) = Self::writable(&mut tx, who, id, version).await?;
        if !roles.hr {
            return Err(StoreError::Forbidden(text!("correction-hr-only")));
        }
        policy::separation(&roles, Duty::Enter)?;
        let cy = Self::load_cycle(&mut tx, a.cycle_id).await?;
        let t = Self::template_for(&mut tx, &cy).await?;
        let unknown: Vec<(String, Text)> = values
            .keys()
            .filter(|k| slot_of(&t, k).is_none())
            .map(|k| (k.clone(), text!("no-such-input")))
            .collect();
        if !unknown.is_empty() {
            return Err(StoreError::Fields(unknown));
        }
        check_values(&t, values)?;
        self.write_values(tx, who, &roles, a, version, (&cy, &t), values, Some(reason))
            .await
    }

    /// The appraisals of `cycle_id` that a chunk of grid rows names, by employee number:
    /// what the checks need (version, state) and what scoring them needs (the row as
    /// [`Scoring`] takes it), read in one query.
    async fn grid_current(
        c: &mut sqlx::AnyConnection,
        cycle_id: i64,
        numbers: &[impl serde::Serialize],
        embed: bool,
    ) -> Result<HashMap<String, GridCurrent>> {
        if embed && let Ok(current) = Self::grid_current_as(c, cycle_id, numbers, true).await {
            return Ok(current);
        }
        Self::grid_current_as(c, cycle_id, numbers, false).await
    }

    /// [`Self::grid_current`], the inputs embedded as JSON ([`crate::backend::rows_of`]:
    /// refused whole if one is not JSON, which PostgreSQL would not forgive a transaction)
    /// or as their text (a row that cannot be read named).
    async fn grid_current_as(
        c: &mut sqlx::AnyConnection,
        cycle_id: i64,
        numbers: &[impl serde::Serialize],
        embed: bool,
    ) -> Result<HashMap<String, GridCurrent>> {
        // Employees first, by number, then each one's appraisal in the cycle: written as a
        // CROSS JOIN, which SQLite keeps in this order (for a long list it would otherwise
        // walk the whole cycle by an index on cycle_id, once per chunk). The numbers go in
        // as one JSON array and the rows come back as one (a chunk is a single value each
        // way, not a thousand parameters and rows through the driver).
        let backend = crate::backend::backend_of(c);
        let listed = match backend {
            Backend::Sqlite => "SELECT value FROM json_each($2)",
            Backend::Postgres => "SELECT json_array_elements_text($2::json)",
        };
        use crate::backend::Col::{Json, Value};
        let sql = crate::backend::rows_of(
            backend,
            &[
                Value("r.id"),
                Value("r.version"),
                Value("r.state"),
                Json("r.inputs"),
                Value("r.grp"),
                Value("r.employee_id"),
                Value("r.emp_no"),
            ],
            embed,
            &format!(
                "SELECT a.id, a.version, a.state, a.inputs, a.grp, a.employee_id, e.emp_no \
                 FROM employees e CROSS JOIN appraisals a WHERE a.employee_id = e.id \
                 AND a.cycle_id = $1 AND e.emp_no IN ({listed})"
            ),
        );
        let found: String = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(cycle_id)
            .bind(json(&numbers))
            .fetch_one(&mut *c)
            .await?
            .get("rows");
        type Found<'p> = (
            i64,
            i64,
            String,
            &'p serde_json::value::RawValue,
            String,
            i64,
            String,
        );
        let found: Vec<Found> = read_page(&found, cycle_id)?;
        let mut current = HashMap::with_capacity(found.len());
        for (aid, version, state, inputs, grp, emp, emp_no) in found {
            let inputs = read_embedded(inputs, "appraisals", aid, "inputs")?;
            current.insert(
                emp_no.clone(),
                GridCurrent {
                    version,
                    state,
                    row: ScoredRow {
                        id: aid,
                        emp,
                        emp_no,
                        grp,
                        inputs,
                        // Written anew with the inputs: the stored one is not read.
                        result: None,
                    },
                },
            );
        }
        Ok(current)
    }

    /// The chunks of an import checked, scored and written three at a time, each where it
    /// runs best: the next chunk's rows read on a reader (a task of its own), this chunk
    /// checked and scored (here and on a blocking thread), the chunk before written (a task
    /// of its own that holds the transaction, handed back at the end). Only for a write
    /// alone in its transaction (see `enter_grid_impl`) and a form without peer averages.
    /// Nothing is written once a problem is found; the problems of every chunk are
    /// gathered.
    async fn enter_grid_pipelined<'r>(
        &self,
        tx: WriteTx,
        g: &GridCheck<'_>,
        cy: &Cycle,
        chunks: &[&'r [GridRow]],
        problems: &mut Vec<(usize, String, Text)>,
        seen: &mut HashMap<&'r str, usize>,
    ) -> Result<(WriteTx, usize)> {
        // One chunk waits while one is written: a chunk's worth of memory each.
        let (send, mut to_write) =
            tokio::sync::mpsc::channel::<(Vec<(i64, Vec<Option<String>>)>, Vec<NewAudit>)>(1);
        let db = self.clone();
        let writer = tokio::spawn(async move {
            let mut tx = tx;
            while let Some((rows, audits)) = to_write.recv().await {
                db.write_grid(&mut tx, rows, &audits).await?;
            }
            Ok::<_, StoreError>(tx)
        });
        let read = |k: usize| {
            chunks.get(k).map(|chunk| {
                let numbers: Vec<String> =
                    numbers_of(chunk).into_iter().map(String::from).collect();
                let (reader, cycle_id) = (self.reader.clone(), cy.id);
                tokio::spawn(async move {
                    let mut r = reader.acquire().await?;
                    Self::grid_current(&mut r, cycle_id, &numbers, true).await
                })
            })
        };
        let mut reading = read(0);
        let mut stored = 0;
        for (k, &chunk) in chunks.iter().enumerate() {
            let current = match reading.take() {
                Some(r) => joined(r.await)?,
                None => HashMap::new(),
            };
            reading = read(k + 1);
            let (upd, audits) = check_grid_chunk(g, chunk, current, problems, seen);
            if !problems.is_empty() {
                continue;
            }
            stored += upd.len();
            // The values of other periods are read on a reader: this transaction writes
            // none of them.
            let ctx = {
                let mut r = self.reader.acquire().await?;
                Scoring::with_rows(&mut r, cy, g.t, upd).await?
            };
            let rows = ctx.grid_rows(g.t, cy).await?;
            if send.send((rows, audits)).await.is_err() {
                // The writer stopped on an error: it is returned below.
                break;
            }
        }
        drop(send);
        let tx = joined(writer.await)?;
        Ok((tx, stored))
    }

    pub(crate) async fn enter_grid_impl(
        &self,
        who: &User,
        cycle_id: i64,
        dept_id: Option<i64>,
        rows: &[GridRow],
    ) -> Result<usize> {
        let hr = who.has(Role::HrAdmin);
        if !(hr
            || (dept_id.is_some()
                && who
                    .reach
                    .iter()
                    .any(|g| g.role == Role::Clerk && g.department_id == dept_id)))
        {
            return Err(StoreError::Forbidden(text!("own-department-enter")));
        }
        let mut tx = self.begin_write().await?;
        let cy = Self::load_cycle(&mut tx, cycle_id).await?;
        let t = Self::template_for(&mut tx, &cy).await?;
        let depts = Self::departments_in(&mut tx).await?;
        let (owners, _) = input_owners(&t, &depts);
        // The person's own employee number, if they have one (they may not enter their
        // own data).
        let own_no: Option<String> = match who.employee_id {
            Some(e) => sqlx::query("SELECT emp_no FROM employees WHERE id = $1")
                .bind(e)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.get("emp_no")),
            None => None,
        };
        let exempt = cy.members.sod_exempt.iter().any(|u| u == &who.username);
        let mut problems: Vec<(usize, String, Text)> = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut stored = 0;
        // With peer averages every appraisal is scored once, after the last chunk.
        let mut for_peers: Vec<i64> = Vec::new();
        // A chunk scored and not yet written: its rows and audit entries.
        let mut scored: Option<(Vec<(i64, Vec<Option<String>>)>, Vec<NewAudit>)> = None;
        // A chunk of rows at a time: the chunk's appraisals read by employee number, its
        // changes written and scored, so no more than a chunk is held however long the
        // file. A problem anywhere stops the writing; the transaction is dropped, nothing
        // stays.
        // A write holds the write lock from its start (`begin_write`), so no other write
        // commits while this one runs. Alone in its transaction (no earlier write of a group
        // commit shares it, whose changes a reader could not see yet), a reader connection
        // sees of the rows it has not written what it would: the next chunk's rows are read
        // there while this one writes. In memory there is no other connection.
        let ahead = self.group.is_some() && tx.alone();
        let chunks: Vec<&[GridRow]> = rows.chunks(GRID_CHUNK).collect();
        let mut read_ahead: Option<HashMap<String, GridCurrent>> = None;
        let g = GridCheck {
            who,
            t: &t,
            owners: &owners,
            dept_id,
            hr,
            own_no: own_no.as_deref(),
            exempt,
        };
        // Without peer averages, a chunk is written while the next is checked and scored.
        let pipelined = ahead && !t.needs_peers;
        if pipelined {
            let (written, n) = self
                .enter_grid_pipelined(tx, &g, &cy, &chunks, &mut problems, &mut seen)
                .await?;
            tx = written;
            stored = n;
        }
        // Otherwise one chunk after another, on the transaction.
        let one_by_one: &[&[GridRow]] = if pipelined { &[] } else { &chunks };
        for (k, &chunk) in one_by_one.iter().enumerate() {
            let current = match read_ahead.take() {
                Some(c) => c,
                None => {
                    // On the transaction only where a refused query leaves it usable.
                    let embed = self.backend == Backend::Sqlite;
                    Self::grid_current(&mut tx, cycle_id, &numbers_of(chunk), embed).await?
                }
            };
            // The next chunk's rows, read on a reader while this one is handled.
            let next = async {
                match chunks.get(k + 1) {
                    Some(next) if ahead => {
                        let mut r = self.reader.acquire().await?;
                        Self::grid_current(&mut r, cycle_id, &numbers_of(next), true)
                            .await
                            .map(Some)
                    }
                    _ => Ok(None),
                }
            };
            let (upd, audits) = check_grid_chunk(&g, chunk, current, &mut problems, &mut seen);
            if !problems.is_empty() {
                continue;
            }
            stored += upd.len();
            if t.needs_peers {
                // The inputs now; the figures once every chunk is in (they depend on all).
                let rows: Vec<_> = upd
                    .iter()
                    .map(|r| (r.id, vec![Some(json(&r.inputs))]))
                    .collect();
                Self::bulk_update(&mut tx, &["inputs"], rows, ", version = version + 1").await?;
                for_peers.extend(upd.iter().map(|r| r.id));
                self.append_audits(&mut tx, &audits).await?;
            } else {
                // The written appraisals scored with their new inputs before writing, both
                // stored in one update: no total shown is older than the data. This chunk
                // is scored on a blocking thread while the one before is written.
                let ctx = Scoring::with_rows(&mut tx, &cy, &t, upd).await?;
                let before = scored.take();
                let write = async {
                    match before {
                        Some((rows, audits)) => self.write_grid(&mut tx, rows, &audits).await,
                        None => Ok(()),
                    }
                };
                let (rows, written, next) = tokio::join!(ctx.grid_rows(&t, &cy), write, next);
                written?;
                read_ahead = next?;
                scored = Some((rows?, audits));
            }
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            return Err(StoreError::Rows(problems));
        }
        if let Some((rows, audits)) = scored.take() {
            self.write_grid(&mut tx, rows, &audits).await?;
        }
        // With peer averages, the others' figures move too: the whole cycle scored once.
        if !for_peers.is_empty() {
            Self::rescore(&mut tx, &cy, &t, Some(&for_peers)).await?;
        }
        tx.commit().await?;
        Ok(stored)
    }

    pub(crate) async fn complete_data_impl(
        &self,
        who: &User,
        cycle_id: i64,
        dept_id: i64,
    ) -> Result<usize> {
        if !(who.has(Role::HrAdmin)
            || who
                .reach
                .iter()
                .any(|g| g.role == Role::Clerk && g.department_id == Some(dept_id)))
        {
            return Err(StoreError::Forbidden(text!("own-department-submit")));
        }
        let mut tx = self.begin_write().await?;
        let cy = Self::load_cycle(&mut tx, cycle_id).await?;
        let t = Self::template_for(&mut tx, &cy).await?;
        let n = sqlx::query("UPDATE tasks SET status = 'done', done_at = $1, done_by = $2 WHERE cycle_id = $3 AND kind = 'data' AND department_id = $4 AND status = 'open'")
            .bind(now())
            .bind(&who.username)
            .bind(cycle_id)
            .bind(dept_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::Workflow(text!("no-data-task")));
        }
        let mut audits = vec![NewAudit {
            actor: who.username.clone(),
            action: "cycle.data_complete".into(),
            entity: "cycle".into(),
            entity_id: cycle_id.to_string(),
            new_value: Some(format!("department {dept_id}")),
            ..Default::default()
        }];
        let open: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tasks WHERE cycle_id = $1 AND kind = 'data' AND status = 'open'")
            .bind(cycle_id)
            .fetch_one(&mut *tx)
            .await?
            .get("n");
        let mut advanced = 0;
        if open == 0 {
            let to = workflow::next(
                State::DataEntry,
                &Action::DataComplete,
                Actor::System,
                has_self(&t),
            )
            .map_err(wf_err)?;
            let ids: Vec<i64> = sqlx::query(
                "SELECT id FROM appraisals WHERE cycle_id = $1 AND state = 'data_entry'",
            )
            .bind(cycle_id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get("id"))
            .collect();
            sqlx::query("UPDATE appraisals SET state = $1, version = version + 1, updated_at = $2 WHERE cycle_id = $3 AND state = 'data_entry'")
                .bind(to.as_str())
                .bind(now())
                .bind(cycle_id)
                .execute(&mut *tx)
                .await?;
            advanced = ids.len();
            audits.extend(ids.iter().map(|id| NewAudit {
                actor: who.username.clone(),
                action: "appraisal.data_complete".into(),
                entity: "appraisal".into(),
                entity_id: id.to_string(),
                old_value: Some(State::DataEntry.as_str().into()),
                new_value: Some(to.as_str().into()),
                ..Default::default()
            }));
        }
        self.append_audits(&mut tx, &audits).await?;
        Self::data_submitted_events(&mut tx, &cy, &t, dept_id, who, open).await?;
        tx.commit().await?;
        Ok(advanced)
    }

    pub(crate) async fn act_impl(
        &self,
        who: &User,
        id: i64,
        version: i64,
        step: &Step,
    ) -> Result<Appraisal> {
        self.refuse_early(who, id, version).await?;
        let mut tx = self.begin_write().await?;
        let (mut a, roles) = Self::writable(&mut tx, who, id, version).await?;
        let cy = Self::load_cycle(&mut tx, a.cycle_id).await?;
        let t = Self::template_for(&mut tx, &cy).await?;
        let at = now();
        let from = a.state;
        let old_bonus = a.bonus.clone();
        let mut reason: Option<String> = None;
        let me = policy::actor(&who.username, &roles);
        let (action, actor) = match step {
            Step::Submit => match a.state {
                // A peer's answers count as they are saved; a peer hands nothing in (and
                // signs nothing: no trail names them to those who read the sheet).
                State::Rating
                    if roles.open_rate.is_empty() && !roles.hr && !roles.peer.is_empty() =>
                {
                    Self::redact(&mut tx, &mut a, &roles, &mut HashMap::new()).await?;
                    return Ok(a);
                }
                State::SelfAssessment if roles.appraisee => {
                    sqlx::query("UPDATE tasks SET status = 'done', done_at = $1, done_by = $2 WHERE appraisal_id = $3 AND kind = 'self'")
                        .bind(&at).bind(&who.username).bind(id).execute(&mut *tx).await?;
                    (Action::SubmitSelf, Actor::Appraisee)
                }
                State::Rating if !roles.open_rate.is_empty() || roles.hr => {
                    let mine: Vec<i64> = if roles.open_rate.is_empty() {
                        // HR hands in for raters nobody was assigned to.
                        sqlx::query("SELECT id FROM tasks WHERE appraisal_id = $1 AND kind = 'rate' AND status = 'open' AND assignee_id IS NULL AND department_id IS NULL")
                            .bind(id).fetch_all(&mut *tx).await?.iter().map(|r| r.get("id")).collect()
                    } else {
                        roles.open_rate.iter().map(|(t, _)| *t).collect()
                    };
                    for tid in &mine {
                        sqlx::query("UPDATE tasks SET status = 'done', done_at = $1, done_by = $2 WHERE id = $3")
                            .bind(&at).bind(&me).bind(*tid).execute(&mut *tx).await?;
                    }
                    // Peers do not hold the sheet up (同事评分: they answer until rating ends).
                    let open: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tasks WHERE appraisal_id = $1 AND kind = 'rate' AND status = 'open' AND peer_min IS NULL")
                        .bind(id).fetch_one(&mut *tx).await?.get("n");
                    if open > 0 {
                        Self::save(&mut tx, &mut a, version).await?;
                        self.append_audits(
                            &mut tx,
                            &[NewAudit {
                                actor: me.clone(),
                                action: "appraisal.rating_submitted".into(),
                                entity: "appraisal".into(),
                                entity_id: id.to_string(),
                                new_value: Some(format!("{open} rater(s) still to rate")),
                                ..Default::default()
                            }],
                        )
                        .await?;
                        let (a, _) = Self::load_appraisal(&mut tx, id).await?;
                        tx.commit().await?;
                        return Ok(a);
                    }
                    (Action::RatingsComplete, Actor::System)
                }
                _ => {
                    return Err(StoreError::Workflow(in_state(
                        text!("nothing-to-hand-in", state = a.state.zh()),
                        a.state,
                    )));
                }
            },
            Step::Do(act) => {
                let duty = match act {
                    Action::ReviewPass | Action::ReviewReturn { .. } => Some(Duty::Review),
                    Action::Approve | Action::Reject { .. } => Some(Duty::Approve),
                    Action::Uphold { .. } | Action::Reopen { .. } | Action::Correct { .. } => {
                        Some(Duty::Decide)
                    }
                    _ => None,
                };
                if let Some(duty) = duty {
                    policy::separation(&roles, duty)?;
                }
                if let Action::Sign { name } = act
                    && name.trim() != a.name.trim()
                {
                    return Err(StoreError::Fields(vec![(
                        "name".into(),
                        text!("sign-own-name", name = a.name),
                    )]));
                }
                let actor = match act {
                    Action::Sign { .. } | Action::Appeal { .. } | Action::SubmitSelf
                        if roles.appraisee =>
                    {
                        Actor::Appraisee
                    }
                    Action::ReviewPass | Action::ReviewReturn { .. } if roles.reviewer => {
                        Actor::Reviewer
                    }
                    Action::Approve | Action::Reject { .. } if roles.approver => Actor::Approver,
                    Action::Uphold { .. } | Action::Reopen { .. } | Action::Correct { .. }
                        if roles.hr =>
                    {
                        Actor::Hr
                    }
                    _ => {
                        return Err(StoreError::Forbidden(
                            workflow::WorkflowError::NotAllowed { action: act.name() }.text(),
                        ));
                    }
                };
                (act.clone(), actor)
            }
        };
        let to = workflow::next(a.state, &action, actor, has_self(&t)).map_err(wf_err)?;
        let item_ids = |items: &[String]| -> Result<()> {
            let bad: Vec<(String, Text)> = items
                .iter()
                .filter(|i| t.item_index(i).is_none())
                .map(|i| (format!("items.{i}"), text!("no-such-item")))
                .collect();
            if bad.is_empty() {
                Ok(())
            } else {
                Err(StoreError::Fields(bad))
            }
        };
        match &action {
            Action::RatingsComplete => {
                Self::rescore(&mut tx, &cy, &t, Some(&[id])).await?;
                let (b, _) = Self::load_appraisal(&mut tx, id).await?;
                if let Some((f, m)) = b.result.as_ref().and_then(|r| r.error.clone()) {
                    return Err(StoreError::Fields(vec![(f, stored_text(&m))]));
                }
                (a.total, a.grade, a.bonus, a.result) = (b.total, b.grade, b.bonus, b.result);
            }
            Action::ReviewReturn { reason: r } | Action::Reject { reason: r } => {
                reason = Some(r.clone());
                if matches!(action, Action::ReviewReturn { .. }) {
                    Self::reopen_raters(&mut tx, id).await?;
                }
            }
            Action::Approve => {
                Self::rescore(&mut tx, &cy, &t, Some(&[id])).await?;
                let (b, _) = Self::load_appraisal(&mut tx, id).await?;
                if let Some((f, m)) = b.result.as_ref().and_then(|r| r.error.clone()) {
                    return Err(StoreError::Fields(vec![(f, stored_text(&m))]));
                }
                let res = b.result.clone().unwrap_or_default();
                a.total = res.total.clone();
                a.grade = res.grade.clone();
                a.bonus = bonus_of(&res);
                a.published_at = Some(at.clone());
                a.confirm_due = Some(add_hours(&at, cy.confirm_window_hours)?);
            }
            Action::Sign { name } => {
                a.confirmed_at = Some(at.clone());
                a.confirmed_by = Some(name.trim().to_string());
            }
            Action::Appeal { reason: r, items } => {
                if a.confirm_due
                    .as_deref()
                    .is_some_and(|due| at.as_str() > due)
                {
                    return Err(StoreError::Workflow(text!("appeal-too-late")));
                }
                item_ids(items)?;
                reason = Some(r.clone());
                a.appeal = Some(Appeal {
                    reason: r.trim().into(),
                    items: items.clone(),
                    at: at.clone(),
                    decision: None,
                    decision_reason: None,
                });
            }
            Action::Uphold { reason: r } => {
                reason = Some(r.clone());
                if let Some(ap) = a.appeal.as_mut() {
                    ap.decision = Some("upheld".into());
                    ap.decision_reason = Some(r.trim().into());
                }
                a.confirmed_at = Some(at.clone());
                a.confirmed_by = Some("申诉维持原结果 / appeal upheld".into());
            }
            Action::Reopen { reason: r, items } => {
                item_ids(items)?;
                reason = Some(r.clone());
                if let Some(ap) = a.appeal.as_mut() {
                    ap.decision = Some("reopened".into());
                    ap.decision_reason = Some(r.trim().into());
                }
                a.open_items = Some(items.clone());
                a.confirm_due = None;
                Self::reopen_raters(&mut tx, id).await?;
            }
            Action::Correct { reason: r } => {
                reason = Some(r.clone());
                a.open_items = None;
                a.confirmed_at = None;
                a.confirmed_by = None;
                a.confirm_due = None;
                Self::reopen_raters(&mut tx, id).await?;
            }
            _ => {}
        }
        a.state = to;
        Self::save(&mut tx, &mut a, version).await?;
        if to == State::Confirmed || from == State::Confirmed {
            Self::sync_cycle_status(&mut tx, a.cycle_id).await?;
        }
        Self::act_events(&mut tx, &a, &cy, &t, &action, &at).await?;
        let mut new_value = to.as_str().to_string();
        let mut old_value = from.as_str().to_string();
        if matches!(action, Action::Approve) {
            new_value = format!(
                "{new_value}; total={} grade={} bonus={}",
                a.total.clone().unwrap_or_default(),
                a.grade.clone().unwrap_or_default(),
                a.bonus.clone().unwrap_or_default()
            );
            if let Some(b) = old_bonus {
                old_value = format!("{old_value}; bonus={b}");
            }
        }
        if let Action::Appeal { items, .. } | Action::Reopen { items, .. } = &action {
            new_value = format!("{new_value}; items={}", items.join(","));
        }
        if let Action::Sign { name } = &action {
            new_value = format!("{new_value}; signed by {}", name.trim());
        }
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: me,
                action: format!("appraisal.{}", action.name()),
                entity: "appraisal".into(),
                entity_id: id.to_string(),
                old_value: Some(old_value),
                new_value: Some(new_value),
                reason,
            }],
        )
        .await?;
        let (mut a, _) = Self::load_appraisal(&mut tx, id).await?;
        tx.commit().await?;
        self.redact_after(&mut a, &roles).await?;
        Ok(a)
    }

    pub(crate) async fn write_notes_impl(
        &self,
        who: &User,
        id: i64,
        version: i64,
        n: &Notes,
    ) -> Result<Appraisal> {
        self.refuse_early(who, id, version).await?;
        let mut tx = self.begin_write().await?;
        let (mut a, roles) = Self::writable(&mut tx, who, id, version).await?;
        if a.state == State::Confirmed {
            return Err(StoreError::Workflow(text!("appraisal-final")));
        }
        let mut refused = Vec::new();
        let mut changes = Vec::new();
        let rater = !roles.rater.is_empty() || roles.hr || roles.reviewer || roles.approver;
        let mut set =
            |field: &str, allowed: bool, new: &Option<String>, cur: &mut Option<String>| {
                if let Some(v) = new {
                    if !allowed {
                        refused.push((field.to_string(), text!("cannot-write")));
                    } else if cur.as_deref() != Some(v.as_str()) {
                        changes.push((
                            field.to_string(),
                            cur.clone().unwrap_or_default(),
                            v.clone(),
                        ));
                        *cur = Some(v.clone());
                    }
                }
            };
        let early = state_rank(a.state) < state_rank(State::Published);
        set(
            "self_summary",
            roles.appraisee && early,
            &n.self_summary,
            &mut a.notes.self_summary,
        );
        set("comments", rater, &n.comments, &mut a.notes.comments);
        set("next_goals", rater, &n.next_goals, &mut a.notes.next_goals);
        let mut iv = a.notes.interview.as_ref().map(json);
        set("interview", rater, &n.interview.as_ref().map(json), &mut iv);
        if !refused.is_empty() {
            return Err(StoreError::Forbidden(crate::fields_as_text(&refused)));
        }
        if let Some(i) = &n.interview {
            check_date("interview.date", &Some(i.date.clone()))?;
            a.notes.interview = Some(i.clone());
        }
        Self::save(&mut tx, &mut a, version).await?;
        let audits: Vec<NewAudit> = changes
            .into_iter()
            .map(|(f, o, v)| NewAudit {
                actor: policy::actor(&who.username, &roles),
                action: format!("appraisal.{f}"),
                entity: "appraisal".into(),
                entity_id: id.to_string(),
                old_value: Some(o),
                new_value: Some(v),
                ..Default::default()
            })
            .collect();
        self.append_audits(&mut tx, &audits).await?;
        tx.commit().await?;
        // `a` as saved: nothing else in this write changed the appraisal.
        self.redact_after(&mut a, &roles).await?;
        Ok(a)
    }

    pub(crate) async fn auto_confirm_impl(&self, at: &str) -> Result<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let ids: Vec<i64> = sqlx::query(
            "SELECT id FROM appraisals WHERE state = 'published' AND confirm_due <= $1 ORDER BY id",
        )
        .bind(at)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect();
        if ids.is_empty() {
            return Ok(ids);
        }
        let to = workflow::next(State::Published, &Action::AutoConfirm, Actor::System, false)
            .map_err(wf_err)?;
        let started = now();
        sqlx::query("UPDATE appraisals SET state = $1, version = version + 1, confirmed_at = $2, confirmed_by = $3, updated_at = $4 WHERE state = 'published' AND confirm_due <= $5")
            .bind(to.as_str())
            .bind(&started)
            .bind("视为默认 / deemed accepted")
            .bind(&started)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        let audits: Vec<NewAudit> = ids
            .iter()
            .map(|id| NewAudit {
                actor: "system".into(),
                action: "appraisal.auto_confirm".into(),
                entity: "appraisal".into(),
                entity_id: id.to_string(),
                old_value: Some(State::Published.as_str().into()),
                new_value: Some(to.as_str().into()),
                reason: Some(
                    "确认期内未签字，视为默认 / not signed within the window: deemed accepted"
                        .into(),
                ),
            })
            .collect();
        self.append_audits(&mut tx, &audits).await?;
        Self::auto_confirm_events(&mut tx, &ids, &started).await?;
        let cycles: Vec<i64> = sqlx::query("SELECT DISTINCT cycle_id FROM appraisals WHERE state = 'confirmed' AND confirmed_at >= $1")
            .bind(&started)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.get("cycle_id"))
            .collect();
        for c in cycles {
            Self::sync_cycle_status(&mut tx, c).await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// `who`'s 待办: their own, then the rating, review and approval work of those whose work
    /// they do today by delegation (each marked with the principal's name), never on an
    /// appraisal of their own, never work they have already.
    pub(crate) async fn tasks_impl(&self, who: &User) -> Result<Vec<Task>> {
        let (mut out, found) = self.tasks_of(who, true).await?;
        if found.is_empty() {
            return Ok(out);
        }
        let mut c = self.reader.acquire().await?;
        let principals = Self::principals_loaded(&mut c, found).await?;
        let own: Vec<i64> = sqlx::query("SELECT id FROM appraisals WHERE employee_id = $1")
            .bind(who.employee_id.unwrap_or(-1))
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|r| r.get("id"))
            .collect();
        drop(c);
        for (p, principal) in principals {
            // A peer's rating is theirs alone (同事评分): not handed to a delegate.
            let peer_tasks: Vec<i64> =
                sqlx::query("SELECT id FROM tasks WHERE peer_min IS NOT NULL AND assignee_id = $1")
                    .bind(p.employee_id.unwrap_or(-1))
                    .fetch_all(&self.reader)
                    .await?
                    .iter()
                    .map(|r| r.get("id"))
                    .collect();
            for mut t in self.tasks_of(&p, false).await?.0 {
                if t.kind == "rate" && peer_tasks.contains(&t.id) {
                    continue;
                }
                let handed = match t.kind.as_str() {
                    // HR's rating of what nobody was assigned stays with HR.
                    "rate" => t.assignee_id.is_some() || t.department_id.is_some(),
                    "review" | "approve" => true,
                    _ => false,
                };
                let dup = out
                    .iter()
                    .any(|o| o.kind == t.kind && o.id == t.id && o.appraisal_id == t.appraisal_id);
                if !handed || dup || t.appraisal_id.is_some_and(|a| own.contains(&a)) {
                    continue;
                }
                t.on_behalf_of = Some(principal.name.clone());
                out.push(t);
            }
        }
        Ok(out)
    }

    /// `who`'s own inbox, and (with `principals`) whose work they do today by delegation,
    /// from one query: the data tasks of the departments they enter data for, their
    /// self-assessments and ratings, the sheets in review or approval their grants reach,
    /// their own published sheet, and the delegations, each a branch of one `UNION ALL`
    /// told apart by `src`. The inbox is read on every visit of a home page, so it is one
    /// round trip, not five.
    async fn tasks_of(
        &self,
        who: &User,
        principals: bool,
    ) -> Result<(Vec<Task>, Vec<(i64, String, Option<String>)>)> {
        const COLS: &str = "src, id, cycle_id, appraisal_id, kind, rater, department_id, assignee_id, status, due, appraisee, employee_id, state, username";
        let emp = who.employee_id.unwrap_or(-1);
        let clerk: Vec<i64> = who
            .reach
            .iter()
            .filter(|g| g.role == Role::Clerk)
            .filter_map(|g| g.department_id)
            .collect();
        let rater_d: Vec<i64> = who
            .reach
            .iter()
            .filter(|g| matches!(g.role, Role::Clerk | Role::Rater))
            .filter_map(|g| g.department_id)
            .collect();
        let hr = who.has(Role::HrAdmin);
        // Each branch is a subquery of its own, so that each keeps its ORDER BY and LIMIT
        // on both databases; NULLs are typed, as PostgreSQL types a subquery's columns.
        let mut qb = crate::backend::SqlBuilder::new(format!(
            "SELECT {COLS} FROM (SELECT 't' AS src, t.id, t.cycle_id, t.appraisal_id, t.kind, t.rater, t.department_id, t.assignee_id, t.status, t.due, \
             e.name AS appraisee, a.employee_id, a.state, CAST(NULL AS TEXT) AS username \
             FROM tasks t JOIN appraisals a ON a.id = t.appraisal_id JOIN employees e ON e.id = a.employee_id \
             WHERE t.status = 'open' AND ((t.kind = 'self' AND a.state = 'self_assessment') OR (t.kind = 'rate' AND a.state = 'rating')) \
             AND (t.assignee_id = "
        ));
        qb.push_bind(emp)
            .push(" OR t.assignee_id IS NULL) ORDER BY t.id LIMIT 5000) tt");
        // Data entry (部门录入): every department's for HR, a clerk's own departments'.
        if hr || !clerk.is_empty() {
            qb.push(format_args!(
                " UNION ALL SELECT {COLS} FROM (SELECT 'd' AS src, t.id, t.cycle_id, t.appraisal_id, t.kind, t.rater, t.department_id, t.assignee_id, t.status, t.due, \
                 CAST(NULL AS TEXT) AS appraisee, CAST(NULL AS BIGINT) AS employee_id, CAST(NULL AS TEXT) AS state, CAST(NULL AS TEXT) AS username \
                 FROM tasks t WHERE t.kind = 'data' AND t.status = 'open'"
            ));
            if !hr {
                qb.push(" AND t.department_id").push_ids(&clerk);
            }
            qb.push(") td");
        }
        // Review, approval and signing follow from the appraisals' states: asked for each
        // state only where it can be a task for `who` (the departments their reviewer or
        // approver grants reach, their own published sheet), so an appraisee's inbox reads
        // their own sheets, not every sheet in review.
        qb.push(format_args!(
            " UNION ALL SELECT {COLS} FROM (SELECT 'a' AS src, CAST(0 AS BIGINT) AS id, a.cycle_id, a.id AS appraisal_id, CAST(NULL AS TEXT) AS kind, \
             CAST(NULL AS TEXT) AS rater, a.department_id, CAST(NULL AS BIGINT) AS assignee_id, CAST(NULL AS TEXT) AS status, a.confirm_due AS due, \
             e.name AS appraisee, a.employee_id, a.state, CAST(NULL AS TEXT) AS username \
             FROM appraisals a JOIN employees e ON e.id = a.employee_id \
             WHERE (a.state = 'published' AND a.employee_id = "
        ));
        qb.push_bind(emp).push(")");
        for (state, role) in [("review", Role::Reviewer), ("approval", Role::Approver)] {
            let grants: Vec<&Grant> = who.reach.iter().filter(|g| g.role == role).collect();
            if grants.is_empty() {
                continue;
            }
            qb.push(" OR (a.state = ").push_bind(state);
            if grants.iter().all(|g| g.department_id.is_some()) {
                let ids: Vec<i64> = grants.iter().filter_map(|g| g.department_id).collect();
                qb.push(" AND a.department_id").push_ids(&ids);
            }
            qb.push(")");
        }
        qb.push(" ORDER BY a.id LIMIT 15000) ta");
        if principals {
            let today = crate::delegation::today();
            let ps = [qb.arg(who.id), qb.arg(today.clone()), qb.arg(today)];
            let inner = crate::delegation::principals_sql([&ps[0], &ps[1], &ps[2]]);
            qb.push(format_args!(
                " UNION ALL SELECT {COLS} FROM (SELECT 'p' AS src, principal_id AS id, CAST(NULL AS BIGINT) AS cycle_id, CAST(NULL AS BIGINT) AS appraisal_id, \
                 CAST(NULL AS TEXT) AS kind, CAST(NULL AS TEXT) AS rater, CAST(NULL AS BIGINT) AS department_id, CAST(NULL AS BIGINT) AS assignee_id, \
                 CAST(NULL AS TEXT) AS status, CAST(NULL AS TEXT) AS due, name AS appraisee, CAST(NULL AS BIGINT) AS employee_id, CAST(NULL AS TEXT) AS state, username \
                 FROM ({inner}) g) tp"
            ));
        }
        let (mut data, mut own, mut by_state, mut found) = (vec![], vec![], vec![], vec![]);
        for r in qb.build().fetch_all(&self.reader).await? {
            match r.get::<String, _>("src").as_str() {
                "d" => data.push(task_from(&r)),
                "t" => {
                    let assignee: Option<i64> = r.get("assignee_id");
                    let d: Option<i64> = r.get("department_id");
                    let mine = assignee == Some(emp)
                        || (assignee.is_none()
                            && (d.is_some_and(|d| rater_d.contains(&d)) || (d.is_none() && hr)));
                    if mine {
                        own.push(task_from(&r));
                    }
                }
                "p" => found.push((r.get("id"), r.get("username"), r.get("appraisee"))),
                _ => {
                    let state: String = r.get("state");
                    let (order, kind, role) = match state.as_str() {
                        "review" => (0, "review", Some(Role::Reviewer)),
                        "approval" => (1, "approve", Some(Role::Approver)),
                        _ => (2, "sign", None),
                    };
                    let d: i64 = r.get("department_id");
                    let e: i64 = r.get("employee_id");
                    let ok = match role {
                        Some(role) => policy::grant_reaches(&who.reach, role, d),
                        None => e == emp,
                    };
                    if ok {
                        by_state.push((
                            order,
                            Task {
                                id: 0,
                                cycle_id: r.get("cycle_id"),
                                appraisal_id: r.get("appraisal_id"),
                                kind: kind.into(),
                                rater: None,
                                department_id: Some(d),
                                assignee_id: None,
                                status: "open".into(),
                                due: r.get("due"),
                                appraisee: r.get("appraisee"),
                                on_behalf_of: None,
                            },
                        ));
                    }
                }
            }
        }
        // Data entry, then self-assessments and ratings, each by task; then reviews,
        // approvals and signatures, each by appraisal (as listed).
        data.sort_by_key(|t| t.id);
        own.sort_by_key(|t| t.id);
        by_state.sort_by_key(|(order, t)| (*order, t.appraisal_id));
        data.extend(own);
        data.extend(by_state.into_iter().map(|(_, t)| t));
        Ok((data, found))
    }

    pub(crate) async fn results_impl(&self, cycle_id: i64) -> Result<Vec<ResultRow>> {
        let rows = sqlx::query(
            "SELECT a.id, e.emp_no, e.name, a.department_id, d.name AS dept, a.grp, a.state, a.total, a.grade, a.bonus FROM appraisals a \
             JOIN employees e ON e.id = a.employee_id JOIN departments d ON d.id = a.department_id WHERE a.cycle_id = $1 ORDER BY a.id",
        )
        .bind(cycle_id)
        .fetch(&self.reader);
        // Row by row: the driver's rows are several times the size of what is kept of them,
        // and a cycle may have 100,000.
        let mut out: Vec<ResultRow> = Vec::new();
        futures_util::pin_mut!(rows);
        while let Some(r) = futures_util::TryStreamExt::try_next(&mut rows).await? {
            out.push(result_row(&r, None)?);
        }
        let keys: Vec<(String, Option<rust_decimal::Decimal>)> = out
            .iter()
            .map(|r| {
                (
                    r.group.clone(),
                    r.total.as_deref().and_then(|t| t.parse().ok()),
                )
            })
            .collect();
        for (r, rank) in out.iter_mut().zip(rank_in_groups(&keys)) {
            r.rank = rank;
        }
        Ok(out)
    }

    pub(crate) async fn cycle_ledger_impl(
        &self,
        cycle_id: i64,
        year: &str,
    ) -> Result<Vec<(String, LedgerEntry)>> {
        // Each appraisee's last 12 periods (as `ledger_impl`), then those of the year that
        // show figures: the year is a prefix, so no wildcard may come from it.
        let year: String = year.chars().filter(char::is_ascii_digit).collect();
        let rows = sqlx::query(
            "SELECT x.emp_no, x.id, x.period, x.form_id, x.name, x.state, x.total, x.grade, x.bonus FROM (\
             SELECT a.employee_id, e.emp_no, a.id, c.period, c.form_id, c.name, a.state, a.total, a.grade, a.bonus, \
             ROW_NUMBER() OVER (PARTITION BY a.employee_id ORDER BY c.period DESC, c.id DESC) AS rn \
             FROM appraisals a JOIN cycles c ON c.id = a.cycle_id JOIN employees e ON e.id = a.employee_id \
             WHERE a.employee_id IN (SELECT employee_id FROM appraisals WHERE cycle_id = $1)) x \
             WHERE x.rn <= 12 AND x.period LIKE $2 AND x.state IN ('published', 'appealed', 'confirmed') \
             ORDER BY x.employee_id, x.rn",
        )
        .bind(cycle_id)
        .bind(format!("{year}-%"))
        .fetch(&self.reader);
        // Row by row, as `results_impl`.
        let mut out = Vec::new();
        futures_util::pin_mut!(rows);
        while let Some(r) = futures_util::TryStreamExt::try_next(&mut rows).await? {
            let state = read_state(&r.get::<String, _>("state"), "appraisals", r.get("id"))?;
            out.push((
                r.get("emp_no"),
                LedgerEntry {
                    period: r.get("period"),
                    form_id: r.get("form_id"),
                    cycle: r.get("name"),
                    state,
                    total: r.get("total"),
                    grade: r.get("grade"),
                    bonus: r.get("bonus"),
                },
            ));
        }
        Ok(out)
    }

    pub(crate) async fn ledger_impl(&self, employee_id: i64) -> Result<Vec<LedgerEntry>> {
        // The last 12 periods with an appraisal, published or not: a month in progress is a
        // line without figures (they are shown once published), not a silent gap.
        let rows = sqlx::query(
            "SELECT a.id, c.period, c.form_id, c.name, a.state, a.total, a.grade, a.bonus FROM appraisals a JOIN cycles c ON c.id = a.cycle_id \
             WHERE a.employee_id = $1 ORDER BY c.period DESC, c.id DESC LIMIT 12",
        )
        .bind(employee_id)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let state = read_state(&r.get::<String, _>("state"), "appraisals", r.get("id"))?;
                let shown = matches!(state, State::Published | State::Appealed | State::Confirmed);
                let figure = |col: &str| if shown { r.get(col) } else { None };
                Ok(LedgerEntry {
                    period: r.get("period"),
                    form_id: r.get("form_id"),
                    cycle: r.get("name"),
                    state,
                    total: figure("total"),
                    grade: figure("grade"),
                    bonus: figure("bonus"),
                })
            })
            .collect()
    }

    pub(crate) async fn payroll_impl(&self, cycle_id: i64) -> Result<Vec<PayrollRow>> {
        let rows = sqlx::query(
            "SELECT e.emp_no, e.name, d.name AS dept, c.period, a.total, a.grade, a.bonus FROM appraisals a JOIN cycles c ON c.id = a.cycle_id \
             JOIN employees e ON e.id = a.employee_id JOIN departments d ON d.id = a.department_id \
             WHERE a.cycle_id = $1 AND a.state = 'confirmed' ORDER BY e.emp_no",
        )
        .bind(cycle_id)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .iter()
            .map(|r| PayrollRow {
                emp_no: r.get("emp_no"),
                name: r.get("name"),
                department: r.get("dept"),
                period: r.get("period"),
                total: r.get::<Option<String>, _>("total").unwrap_or_default(),
                grade: r.get::<Option<String>, _>("grade").unwrap_or_default(),
                bonus: r
                    .get::<Option<String>, _>("bonus")
                    .unwrap_or_else(|| "0.00".into()),
            })
            .collect())
    }

    pub(crate) async fn score_cycle_impl(&self, actor: &str, cycle_id: i64) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let cy = Self::load_cycle(&mut tx, cycle_id).await?;
        let t = Self::template_for(&mut tx, &cy).await?;
        let n = Self::rescore(&mut tx, &cy, &t, None).await?;
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "cycle.score".into(),
                entity: "cycle".into(),
                entity_id: cycle_id.to_string(),
                new_value: Some(format!("{n} appraisals scored")),
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Who signs each line of the sheet: the last rater to hand in, who passed review and who
    /// approved, since the appraisal was last sent back or reopened (from the audit log).
    pub(crate) async fn signers_impl(&self, id: i64) -> Result<Vec<Signer>> {
        let rows = sqlx::query(
            "SELECT l.action, l.actor, l.at, e.name FROM audit_log l \
             LEFT JOIN users u ON u.username = l.actor LEFT JOIN employees e ON e.id = u.employee_id \
             WHERE l.entity = 'appraisal' AND l.entity_id = $1 AND l.action IN \
             ('appraisal.rating_submitted', 'appraisal.ratings_complete', 'appraisal.review_pass', \
              'appraisal.approve', 'appraisal.review_return', 'appraisal.reject', 'appraisal.reopen', 'appraisal.correct') \
             ORDER BY l.id",
        )
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await?;
        let mut out: Vec<Signer> = Vec::new();
        for r in rows {
            let action: String = r.get("action");
            let role = match action.as_str() {
                "appraisal.rating_submitted" | "appraisal.ratings_complete" => "rater",
                "appraisal.review_pass" => "reviewer",
                "appraisal.approve" => "approver",
                // Sent back or reopened: the lines are signed again.
                _ => {
                    out.clear();
                    continue;
                }
            };
            let actor: String = r.get("actor");
            // `lisi 代 wangwu`: lisi signs, on wangwu's behalf.
            let (username, principal) = match policy::split_actor(&actor) {
                (a, Some(p)) => (a.to_string(), Some(p.to_string())),
                (a, None) => (a.to_string(), None),
            };
            let name: Option<String> = match principal {
                Some(_) => Self::name_of(&self.reader, &username).await?,
                None => r.get("name"),
            };
            let on_behalf_of = match principal {
                Some(p) => Some(Self::name_of(&self.reader, &p).await?.unwrap_or(p)),
                None => None,
            };
            // One line per person and role: the latest time.
            out.retain(|s| !(s.role == role && s.username == username));
            out.push(Signer {
                role,
                username,
                name,
                at: r.get("at"),
                on_behalf_of,
            });
        }
        Ok(out)
    }

    /// The employee's name of the account `username`, if it has one.
    async fn name_of(pool: &sqlx::AnyPool, username: &str) -> Result<Option<String>> {
        Ok(sqlx::query(
            "SELECT e.name FROM users u JOIN employees e ON e.id = u.employee_id WHERE u.username = $1",
        )
        .bind(username)
        .fetch_optional(pool)
        .await?
        .map(|r| r.get("name")))
    }

    /// A cycle and its form as it scores the cycle (the pinned version; the cycle's grade
    /// bands when the sheet has none).
    pub(crate) async fn cycle_form_impl(&self, cycle_id: i64) -> Result<(Cycle, Template)> {
        let mut c = self.reader.acquire().await?;
        let cy = Self::load_cycle(&mut c, cycle_id).await?;
        let t = Self::template_for(&mut c, &cy).await?;
        Ok((cy, t))
    }

    /// Give a cycle grade bands (its form has none): checked, stored, audited old → new, and
    /// every appraisal of the cycle scored again with them.
    pub(crate) async fn set_cycle_grades_impl(
        &self,
        actor: &str,
        cycle_id: i64,
        bands: &[GradeBand],
    ) -> Result<Cycle> {
        check_grade_bands(bands).map_err(|m| StoreError::Fields(vec![("grades".into(), m)]))?;
        let mut tx = self.begin_write().await?;
        let mut cy = Self::load_cycle(&mut tx, cycle_id).await?;
        let t = Self::template_of(&mut tx, cy.template_id).await?;
        if !t.grades.is_empty() {
            return Err(StoreError::Fields(vec![("grades".into(), {
                let names = t.grades.iter().map(|g| g.name.as_str()).collect::<Vec<_>>();
                text!(
                    "form-has-grades",
                    form = cy.form_id,
                    grades = names.join("、")
                )
                .en_arg("grades", names.join(", "))
            })]));
        }
        let old = json(&cy.grades);
        sqlx::query("UPDATE cycles SET grades = $1 WHERE id = $2")
            .bind(json(&bands))
            .bind(cycle_id)
            .execute(&mut *tx)
            .await?;
        cy.grades = bands.to_vec();
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.to_string(),
                action: "cycle.grades".into(),
                entity: "cycle".into(),
                entity_id: cycle_id.to_string(),
                old_value: Some(old),
                new_value: Some(json(&bands)),
                ..Default::default()
            }],
        )
        .await?;
        let t = Self::template_for(&mut tx, &cy).await?;
        Self::rescore(&mut tx, &cy, &t, None).await?;
        tx.commit().await?;
        Ok(cy)
    }

    pub(crate) async fn explain_impl(&self, who: &User, id: i64) -> Result<Explained> {
        let mut c = self.reader.acquire().await?;
        let (a, roles) = Self::load_with_roles(&mut c, who, id).await?;
        if !roles.sees() {
            return Err(StoreError::NotFound {
                what: Thing::Appraisal,
                key: id.to_string(),
            });
        }
        if !roles.sees_scores(a.state) {
            return Err(StoreError::Forbidden(text!("explain-after-publication")));
        }
        let cy = Self::load_cycle(&mut c, a.cycle_id).await?;
        let t = Self::template_for(&mut c, &cy).await?;
        let ctx = Scoring::load(&mut c, &cy, &t, Some(&[id])).await?;
        let engine = engine_for(&t, &cy)?;
        let to = ctx.to_score();
        let idx = ctx.rows.iter().position(|r| r.id == id).unwrap_or(0);
        explain_in(&engine, &to, idx)
            .map_err(|(f, m)| StoreError::Fields(vec![(f, stored_text(&m))]))
    }

    /// What the sheet would show were `values` stored: the appraisal with them laid over
    /// its stored inputs, scored with the same context as [`Self::rescore`] (peers, prior
    /// periods, the cycle's parameters), and explained. Nothing is written. For whoever
    /// sees the scores at this state (a rater while rating, HR, reviewer, approver).
    pub(crate) async fn preview_impl(
        &self,
        who: &User,
        id: i64,
        values: &Values,
    ) -> Result<Preview> {
        let mut c = self.reader.acquire().await?;
        let (mut a, roles) = Self::load_with_roles(&mut c, who, id).await?;
        if !roles.sees() {
            return Err(StoreError::NotFound {
                what: Thing::Appraisal,
                key: id.to_string(),
            });
        }
        if !roles.sees_scores(a.state) {
            return Err(StoreError::Forbidden(text!("preview-not-yours")));
        }
        let cy = Self::load_cycle(&mut c, a.cycle_id).await?;
        let t = Self::template_for(&mut c, &cy).await?;
        check_values(&t, values)?;
        let mut ctx = Scoring::load(&mut c, &cy, &t, Some(&[id])).await?;
        let idx = ctx
            .rows
            .iter()
            .position(|r| r.id == id)
            .ok_or_else(|| StoreError::NotFound {
                what: Thing::Appraisal,
                key: id.to_string(),
            })?;
        overlay(&mut ctx.rows[idx].inputs, values);
        a.inputs = ctx.rows[idx].inputs.clone();
        let engine = engine_for(&t, &cy)?;
        let to = ctx.to_score();
        let result = score_all(&engine, &to).swap_remove(idx);
        let explained = match result.error {
            None => Some(
                explain_in(&engine, &to, idx)
                    .map_err(|(f, m)| StoreError::Fields(vec![(f, stored_text(&m))]))?,
            ),
            Some(_) => None,
        };
        a.total = result.total.clone();
        a.grade = result.grade.clone();
        a.bonus = bonus_of(&result);
        a.result = Some(result);
        Self::redact(&mut c, &mut a, &roles, &mut HashMap::new()).await?;
        Ok(Preview {
            appraisal: a,
            explained,
        })
    }

    /// What prints the filled forms of `ids` (appraisals of cycle `cycle_id`): each one's
    /// engine row and its group's peer averages, from the same [`Scoring`] context as
    /// stored results, so a printed form shows exactly the stored figures. Each appraisal
    /// must be one `who` sees with its scores at its state.
    pub(crate) async fn form_rows_impl(
        &self,
        who: &User,
        cycle_id: i64,
        ids: &[i64],
    ) -> Result<Vec<FormRow>> {
        let mut c = self.reader.acquire().await?;
        for &id in ids {
            let (a, roles) = Self::load_with_roles(&mut c, who, id).await?;
            if a.cycle_id != cycle_id || !roles.sees() {
                return Err(StoreError::NotFound {
                    what: Thing::Appraisal,
                    key: id.to_string(),
                });
            }
            if !roles.sees_scores(a.state) {
                return Err(StoreError::Forbidden(text!("explain-after-publication")));
            }
        }
        let cy = Self::load_cycle(&mut c, cycle_id).await?;
        let t = Self::template_for(&mut c, &cy).await?;
        let ctx = Scoring::load(&mut c, &cy, &t, Some(ids)).await?;
        let engine = engine_for(&t, &cy)?;
        let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
        let picked = crate::cycle::form_rows(&engine, &ctx.to_score(), |i| {
            wanted.contains(&ctx.rows[i].id)
        })
        .map_err(|(i, _)| StoreError::Corrupt {
            table: "appraisals",
            id: ctx.rows[i].id,
            column: "inputs",
        })?;
        let mut by_id: HashMap<i64, FormRow> = picked
            .into_iter()
            .map(|(i, values, peers)| {
                let id = ctx.rows[i].id;
                (id, FormRow { id, values, peers })
            })
            .collect();
        ids.iter()
            .map(|id| {
                by_id.remove(id).ok_or_else(|| StoreError::NotFound {
                    what: Thing::Appraisal,
                    key: id.to_string(),
                })
            })
            .collect()
    }

    pub(crate) async fn cycles_impl(
        &self,
        scope: &crate::policy::Scope,
        page: Page,
    ) -> Result<Vec<Cycle>> {
        let mut qb = crate::backend::SqlBuilder::new(CYCLE_SELECT);
        if let crate::policy::Scope::Departments(d) = scope {
            // Per cycle on the (cycle_id, department_id) index: cycles are few, appraisals many.
            qb.push(" WHERE EXISTS (SELECT 1 FROM appraisals a WHERE a.cycle_id = c.id AND a.department_id")
                .push_ids(d)
                .push(")");
        }
        qb.push(" ORDER BY c.id DESC").push_page(page);
        let rows = qb.build().fetch_all(&self.reader).await?;
        rows.iter().map(cycle_from).collect()
    }

    pub(crate) async fn cycle_impl(&self, id: i64) -> Result<Cycle> {
        let mut c = self.reader.acquire().await?;
        Self::load_cycle(&mut c, id).await
    }
}

/// What the engine needs to score appraisals of one cycle: their stored inputs, with the
/// whole cycle when the form averages peers, and the prior periods' values when the form
/// reads them. The one place a scoring context is gathered: rescoring, explanations and
/// previews all start here, so what a person is shown is what is stored.
struct Scoring {
    rows: Vec<ScoredRow>,
    prev: HashMap<i64, Values>,
    last: HashMap<i64, Values>,
}

/// What checking a chunk of an import's rows needs to know (see [`check_grid_chunk`]).
struct GridCheck<'a> {
    who: &'a User,
    t: &'a Template,
    owners: &'a [Owner],
    dept_id: Option<i64>,
    hr: bool,
    /// The person's own employee number (they may not enter their own data).
    own_no: Option<&'a str>,
    /// Exempt from the separation of duties in this cycle.
    exempt: bool,
}

/// A chunk of an import's rows checked against the appraisals' current values: the rows
/// to write with their new inputs and the audit entries of the changes. Each problem is
/// added to `problems` (line, field, message); `seen` holds the employee numbers of the
/// rows before, so a repeat is named with the line it repeats.
fn check_grid_chunk<'r>(
    g: &GridCheck<'_>,
    chunk: &'r [GridRow],
    mut current: HashMap<String, GridCurrent>,
    problems: &mut Vec<(usize, String, Text)>,
    seen: &mut HashMap<&'r str, usize>,
) -> (Vec<ScoredRow>, Vec<NewAudit>) {
    let mut upd: Vec<ScoredRow> = Vec::new();
    let mut audits = Vec::new();
    for row in chunk {
        let no = row.emp_no.trim();
        if let Some(first) = seen.insert(no, row.line) {
            problems.push((
                row.line,
                "工号 emp_no".into(),
                text!("org-repeats", value = no, first = first),
            ));
            continue;
        }
        // Taken, not copied: each appraisal is named once in a file (a repeat is refused
        // above) and a chunk's current rows are read for that chunk alone.
        let Some(GridCurrent {
            version: ver,
            state,
            row: mut cur,
        }) = current.remove(no)
        else {
            problems.push((
                row.line,
                "工号 emp_no".into(),
                text!("not-in-cycle", emp_no = no),
            ));
            continue;
        };
        if !g.exempt && g.own_no == Some(no) && !row.values.is_empty() {
            let d = policy::separation(
                &Roles {
                    appraisee: true,
                    ..Default::default()
                },
                Duty::Enter,
            )
            .unwrap_err();
            problems.push((row.line, "工号 emp_no".into(), d.text()));
            continue;
        }
        let reason = row
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        // From review on, HR's change is a correction: any state, with a reason.
        let correction = g.hr
            && matches!(
                state.as_str(),
                "review" | "approval" | "published" | "appealed" | "confirmed"
            );
        if correction && reason.is_none() && !row.values.is_empty() {
            problems.push((
                row.line,
                "理由 reason".into(),
                text!(
                    "row-correction-reason",
                    emp_no = row.emp_no.trim(),
                    state = State::parse(&state).map_or(state.as_str(), |s| s.zh())
                )
                .en_arg("state", state.replace('_', " ")),
            ));
            continue;
        }
        let open = g.hr || state == "data_entry";
        if !open {
            problems.push((
                row.line,
                "状态 state".into(),
                text!(
                    "data-entry-over",
                    state = State::parse(&state).map_or(state.as_str(), |s| s.zh())
                )
                .en_arg("state", state.replace('_', " ")),
            ));
            continue;
        }
        if let Some(v) = row.version
            && v != ver
        {
            problems.push((
                row.line,
                "version".into(),
                StoreError::Stale { current: ver }.text(),
            ));
            continue;
        }
        for (k, _) in &row.values {
            let mine = slot_of(g.t, k).is_some_and(|s| match g.dept_id {
                Some(d) => g.owners.get(s as usize) == Some(&Owner::Dept(d)),
                None => true,
            });
            if !mine {
                problems.push((row.line, k.clone(), text!("not-department-input")));
            }
        }
        if let Err(StoreError::Fields(f)) =
            check_values(g.t, row.values.iter().map(|(k, v)| (k, v)))
        {
            problems.extend(f.into_iter().map(|(k, m)| (row.line, k, m)));
        }
        let aid = cur.id;
        if let Some((o, n)) = apply_values(&mut cur.inputs, &row.values) {
            upd.push(cur);
            audits.push(NewAudit {
                actor: g.who.username.clone(),
                action: if correction {
                    "appraisal.correct_data"
                } else {
                    "appraisal.values"
                }
                .into(),
                entity: "appraisal".into(),
                entity_id: aid.to_string(),
                old_value: Some(o),
                new_value: Some(n),
                reason: reason.filter(|_| correction).map(str::to_string),
            });
        }
    }
    (upd, audits)
}

/// A chunk's employee numbers, as [`Db::grid_current`] looks them up.
fn numbers_of(chunk: &[GridRow]) -> Vec<&str> {
    chunk.iter().map(|r| r.emp_no.trim()).collect()
}

/// A spawned task's answer; its panic goes on as it would have in place.
fn joined<T>(r: std::result::Result<T, tokio::task::JoinError>) -> T {
    r.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// An appraisal a grid row names, as [`Db::grid_current`] reads it.
struct GridCurrent {
    version: i64,
    state: String,
    row: ScoredRow,
}

/// One appraisal in a [`Scoring`] context.
struct ScoredRow {
    id: i64,
    emp: i64,
    emp_no: String,
    grp: String,
    inputs: Values,
    /// The stored result, as stored (to write only what changes).
    result: Option<String>,
}

impl Scoring {
    /// The context for scoring `only` (all of the cycle when `None`): with peers, the
    /// whole cycle is loaded, since each appraisal's figures depend on the others'.
    async fn load(
        c: &mut sqlx::AnyConnection,
        cycle: &Cycle,
        t: &Template,
        only: Option<&[i64]>,
    ) -> Result<Scoring> {
        const COLS: &str = "SELECT a.id, a.employee_id, e.emp_no, a.grp, a.inputs, a.result FROM appraisals a JOIN employees e ON e.id = a.employee_id";
        let rows = if let (Some(ids), false) = (only, t.needs_peers) {
            // Without peers, only those asked for, a chunk of ids per query.
            let mut rows = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(GRID_CHUNK) {
                let mut qb = crate::backend::SqlBuilder::new(format!("{COLS} WHERE a.id"));
                qb.push_ids(chunk).push(" ORDER BY a.id");
                rows.extend(qb.build().fetch_all(&mut *c).await?);
            }
            rows
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{COLS} WHERE a.cycle_id = $1 ORDER BY a.id"
            )))
            .bind(cycle.id)
            .fetch_all(&mut *c)
            .await?
        };
        let wanted: std::collections::HashSet<i64> =
            only.unwrap_or_default().iter().copied().collect();
        // Without peer averages, only the appraisals asked for need scoring.
        let scored = |id: i64| only.is_none() || t.needs_peers || wanted.contains(&id);
        let rows: Vec<ScoredRow> = rows
            .iter()
            .filter(|r| scored(r.get("id")))
            .map(|r| {
                let id: i64 = r.get("id");
                Ok(ScoredRow {
                    id,
                    emp: r.get("employee_id"),
                    emp_no: r.get("emp_no"),
                    grp: r.get("grp"),
                    inputs: read_json(&r.get::<String, _>("inputs"), "appraisals", id, "inputs")?,
                    result: r.get("result"),
                })
            })
            .collect::<Result<_>>()?;
        Self::with_rows(c, cycle, t, rows).await
    }

    /// The context for rows already in hand (an import holds them with their new inputs):
    /// with the prior periods' values when the form reads them.
    async fn with_rows(
        c: &mut sqlx::AnyConnection,
        cycle: &Cycle,
        t: &Template,
        rows: Vec<ScoredRow>,
    ) -> Result<Scoring> {
        let has_prior = t
            .inputs
            .iter()
            .any(|i| i.origin == kaohe_core::model::Origin::Prior);
        let (prev, last) = if has_prior {
            let ids: Vec<i64> = rows.iter().map(|r| r.emp).collect();
            (
                Db::prior_values(c, &cycle.form_id, previous_period(&cycle.period), &ids).await?,
                Db::prior_values(
                    c,
                    &cycle.form_id,
                    same_period_last_year(&cycle.period),
                    &ids,
                )
                .await?,
            )
        } else {
            (HashMap::new(), HashMap::new())
        };
        Ok(Scoring { rows, prev, last })
    }

    /// Every row scored, in order. A big batch (a whole cycle) is scored on a blocking
    /// thread, so parsing and scoring thousands of rows never holds up the async workers
    /// serving other requests; a few rows are scored in place.
    async fn score(self, t: &Template, cycle: &Cycle) -> Result<(Scoring, Vec<ScoreResult>)> {
        self.score_then(t, cycle, |s, results| (s, results)).await
    }

    /// Scored, then `then` run on the results where the scoring ran (on the blocking
    /// thread for a big batch, so turning results into rows to store is off the workers
    /// too).
    async fn score_then<R: Send + 'static>(
        self,
        t: &Template,
        cycle: &Cycle,
        then: impl FnOnce(Scoring, Vec<ScoreResult>) -> R + Send + 'static,
    ) -> Result<R> {
        const IN_PLACE: usize = 256;
        if self.rows.len() <= IN_PLACE {
            let results = score_all(&engine_for(t, cycle)?, &self.to_score());
            return Ok(then(self, results));
        }
        let (t, cycle) = (t.clone(), cycle.clone());
        tokio::task::spawn_blocking(move || {
            let results = score_all(&engine_for(&t, &cycle)?, &self.to_score());
            Ok(then(self, results))
        })
        .await
        // Scoring does not panic; were it to, the panic goes on as it would in place.
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// Scored, each row as an import stores it: [`GRID_COLUMNS`], by appraisal id.
    async fn grid_rows(
        self,
        t: &Template,
        cycle: &Cycle,
    ) -> Result<Vec<(i64, Vec<Option<String>>)>> {
        self.score_then(t, cycle, |s, results| {
            s.rows
                .iter()
                .zip(results)
                .map(|(r, res)| {
                    let row = vec![
                        Some(json(&r.inputs)),
                        Some(json(&res)),
                        res.total.clone(),
                        res.grade.clone(),
                        bonus_of(&res),
                    ];
                    (r.id, row)
                })
                .collect()
        })
        .await
    }

    /// The rows as the engine scores them, in order.
    fn to_score(&self) -> Vec<ToScore<'_>> {
        self.rows
            .iter()
            .map(|r| ToScore {
                emp_no: &r.emp_no,
                group: &r.grp,
                values: &r.inputs,
                prev: self.prev.get(&r.emp),
                last_year: self.last.get(&r.emp),
            })
            .collect()
    }
}

/// Someone a cycle appraises ([`Db::members_of`]), placed by the post the cycle appraises.
struct Member {
    id: i64,
    emp_no: String,
    name: String,
    /// The post's department: the appraisal's unit (`appraisals.department_id`) and group.
    department_id: i64,
    dept: String,
    position: Option<String>,
    /// The post's supervisor (a second post without one: its department's head).
    supervisor: Option<i64>,
}

/// An appraisee as [`crate::rules::plan_one`] takes them: in the unit of the post they are
/// appraised for (the post in force on the period's last day, as the appraisal records it).
fn plan_member(e: &Member) -> crate::rules::PlanMember<'_> {
    crate::rules::PlanMember {
        id: e.id,
        emp_no: &e.emp_no,
        dept: e.department_id,
        supervisor: e.supervisor,
    }
}

/// The cycle's rater roles with their rules resolved against today's organisation (a rule
/// whose department or person is gone is refused, naming `members.rules.<rater>`) and
/// their fallbacks.
fn role_plans_of(
    cy: &Cycle,
    t: &Template,
    roles: &[String],
    depts: &[Department],
    by_no: &HashMap<String, i64>,
) -> Result<Vec<crate::rules::RolePlan>> {
    let rules = crate::rules::resolve_rules(t, &cy.members.rules, depts, by_no)
        .map_err(StoreError::Fields)?;
    Ok(crate::rules::role_plans(t, roles, &rules, depts))
}

/// The values a cycle's targets give an appraisee: those for their position, then their
/// own (which win).
fn member_values(cy: &Cycle, e: &Member) -> Values {
    let mut v = Values::new();
    for ts in &cy.targets {
        if ts.position.is_some() && ts.position == e.position {
            v.extend(ts.values.clone());
        }
    }
    for ts in &cy.targets {
        if ts.emp_no.as_deref() == Some(e.emp_no.as_str()) {
            v.extend(ts.values.clone());
        }
    }
    v
}

impl Db {
    /// Every employee's id by 工号: what planning raters needs
    /// beyond the members (one read, no query per person).
    pub(crate) async fn staff(c: &mut sqlx::AnyConnection) -> Result<HashMap<String, i64>> {
        Ok(sqlx::query("SELECT id, emp_no FROM employees")
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|r| (r.get("emp_no"), r.get("id")))
            .collect())
    }

    /// A draft's members with their planned raters (the cycle as stored with it). Stores
    /// nothing; the 考核关系 page and file of a draft read it.
    pub(crate) async fn planned_impl(
        &self,
        cycle_id: i64,
    ) -> Result<(Cycle, crate::relations::DraftPlan)> {
        let mut c = self.reader.acquire().await?;
        let cy = Self::load_cycle(&mut c, cycle_id).await?;
        let t = Self::template_of(&mut c, cy.template_id).await?;
        let all = Self::members_of(&mut c, &cy, &t).await?;
        let plan = Self::plan_members(&mut c, &cy, &t, &all).await?;
        Ok((cy, plan))
    }

    /// The roles (rater ids, in task order) and, for each of `all` (in its order), the
    /// planned raters — as a launch would assign them.
    async fn plan_members(
        c: &mut sqlx::AnyConnection,
        cy: &Cycle,
        t: &Template,
        all: &[Member],
    ) -> Result<crate::relations::DraftPlan> {
        let depts = Self::departments_in(&mut *c).await?;
        let by_no = Self::staff(&mut *c).await?;
        let (owners, _) = input_owners(t, &depts);
        let roles = rating_roles(t, &owners);
        let plans = role_plans_of(cy, t, &roles, &depts, &by_no)?;
        let tree = crate::rules::Tree::of(&depts, &by_no);
        let rows = all
            .iter()
            .map(|e| crate::relations::DraftRow {
                emp_no: e.emp_no.clone(),
                name: e.name.clone(),
                department_id: e.department_id,
                department: e.dept.clone(),
                raters: crate::rules::plan_one(
                    &plans,
                    cy.members.raters.get(&e.emp_no),
                    &by_no,
                    &tree,
                    &plan_member(e),
                ),
            })
            .collect();
        Ok(crate::relations::DraftPlan {
            self_assessed: has_self(t),
            roles,
            rows,
            depts,
        })
    }

    /// Who a cycle appraises, by employee number: the active holders of its positions (the
    /// form's when it names neither positions nor employees) and the employees it lists, by
    /// the posts in force on the period's last day (`employee_posts`). A person is a member
    /// through any post — main or second (兼岗) — whose position the cycle appraises, the main
    /// post first when both do (one appraisal per person and cycle); one listed by 工号 through
    /// their main post (that day's, else today's). The post gives the unit, group and
    /// supervisor. Shared by [`Db::launch_cycle_impl`] and [`Db::launch_preview_impl`].
    async fn members_of(
        c: &mut sqlx::AnyConnection,
        cy: &Cycle,
        t: &Template,
    ) -> Result<Vec<Member>> {
        let mut positions = cy.members.positions.clone();
        if positions.is_empty() && cy.members.employees.is_empty() {
            positions = t.form.positions.clone();
        }
        let day =
            crate::cycle::period_last_day(&cy.period).unwrap_or_else(crate::delegation::today);
        // Posts in force that day, then (for people listed by 工号 who held none that day)
        // the open main posts; each employee's main post before their second posts.
        let rows = sqlx::query(
            "SELECT e.id, e.emp_no, e.name, pp.kind, pp.department_id, d.name AS dept, d.head_id, pos.code AS pcode, pos.name AS pname, \
             pp.supervisor_id, CASE WHEN (pp.from_date IS NULL OR pp.from_date <= $1) AND (pp.to_date IS NULL OR pp.to_date >= $1) THEN 1 ELSE 0 END AS on_day \
             FROM employee_posts pp JOIN employees e ON e.id = pp.employee_id JOIN departments d ON d.id = pp.department_id \
             LEFT JOIN positions pos ON pos.id = pp.position_id \
             WHERE e.active = $2 AND (((pp.from_date IS NULL OR pp.from_date <= $1) AND (pp.to_date IS NULL OR pp.to_date >= $1)) \
                OR (pp.kind = 'main' AND pp.to_date IS NULL)) \
             ORDER BY e.emp_no, pp.kind, pp.id",
        )
        .bind(&day)
        .bind(true)
        .fetch_all(&mut *c)
        .await?;
        let mut all: Vec<Member> = Vec::new();
        let mut i = 0;
        while i < rows.len() {
            let emp_no: String = rows[i].get("emp_no");
            let mut j = i;
            while j < rows.len() && rows[j].get::<String, _>("emp_no") == emp_no {
                j += 1;
            }
            let posts = &rows[i..j];
            i = j;
            let on_day = |r: &&AnyRow| r.get::<i64, _>("on_day") == 1;
            let by_pos = posts.iter().filter(on_day).find(|r| {
                let pcode: Option<String> = r.get("pcode");
                let pname: Option<String> = r.get("pname");
                positions
                    .iter()
                    .any(|p| Some(p) == pcode.as_ref() || Some(p) == pname.as_ref())
            });
            let main = |r: &&AnyRow| r.get::<String, _>("kind") == "main";
            let post = by_pos.or_else(|| {
                if !cy.members.employees.contains(&emp_no) {
                    return None;
                }
                posts
                    .iter()
                    .filter(on_day)
                    .find(main)
                    .or_else(|| posts.iter().find(main))
            });
            let Some(r) = post else { continue };
            let id: i64 = r.get("id");
            let head: Option<i64> = r.get("head_id");
            let supervisor: Option<i64> = r.get("supervisor_id");
            let supervisor = match supervisor {
                None if !main(&r) => head.filter(|h| *h != id),
                s => s,
            };
            let pcode: Option<String> = r.get("pcode");
            let pname: Option<String> = r.get("pname");
            all.push(Member {
                id,
                emp_no,
                name: r.get("name"),
                department_id: r.get("department_id"),
                dept: r.get("dept"),
                position: pname.or(pcode),
                supervisor,
            });
        }
        if all.is_empty() {
            return Err(StoreError::Fields(vec![(
                "members".into(),
                text!("no-members"),
            )]));
        }
        Ok(all)
    }
}

/// What an edit of a draft changes, for the audit log (old → new).
fn cycle_audit_text(name: &str, period: &str, form: &str, version: i64, n: &NewCycle) -> String {
    json(&serde_json::json!({
        "name": name,
        "period": period,
        "form": format!("{form}@{version}"),
        "params": n.params,
        "targets": n.targets,
        "members": n.members,
        "data_due": n.data_due,
        "rating_due": n.rating_due,
        "confirm_window_hours": n.confirm_window_hours,
    }))
}

/// A stored cycle as what HR typed (pinned to its template version).
pub(crate) fn as_new(cy: &Cycle) -> NewCycle {
    NewCycle {
        name: cy.name.clone(),
        form_id: cy.form_id.clone(),
        template_version: Some(cy.template_version),
        period: cy.period.clone(),
        params: cy.params.clone(),
        targets: cy.targets.clone(),
        members: cy.members.clone(),
        data_due: cy.data_due.clone(),
        rating_due: cy.rating_due.clone(),
        confirm_window_hours: cy.confirm_window_hours,
    }
}

fn not_draft(cy: &Cycle, what_zh: &str, what_en: &str) -> StoreError {
    StoreError::Workflow(
        text!("only-draft", what = what_zh, status = status_zh(&cy.status))
            .en_arg("what", what_en)
            .en_arg("status", cy.status.clone()),
    )
}

fn launched_already(cy: &Cycle) -> StoreError {
    StoreError::Workflow(
        text!("launched-already", status = status_zh(&cy.status))
            .en_arg("status", cy.status.clone()),
    )
}

/// A message kept in a stored result (`ScoreResult::error`), which holds it as
/// `中文 / English`, as text for people.
fn stored_text(m: &str) -> Text {
    Text::from_both(m)
}

/// `t` with its `state` argument in English words.
fn in_state(t: Text, state: State) -> Text {
    t.en_arg("state", state.as_str().replace('_', " "))
}

fn status_zh(s: &str) -> &'static str {
    match s {
        "draft" => "草稿",
        "launched" => "进行中",
        "closed" => "已结束",
        "cancelled" => "已取消",
        _ => "未知",
    }
}

impl Db {
    pub(crate) async fn update_cycle_impl(
        &self,
        actor: &str,
        id: i64,
        n: &NewCycle,
    ) -> Result<Cycle> {
        let before = self.cycle_impl(id).await?;
        if before.status != "draft" {
            return Err(not_draft(&before, "修改", "edited"));
        }
        let (tv, kind, n) = self.check_cycle(n).await?;
        let mut tx = self.begin_write().await?;
        let old = Self::load_cycle(&mut tx, id).await?;
        if old.status != "draft" {
            return Err(not_draft(&old, "修改", "edited"));
        }
        let changed = sqlx::query(
            "UPDATE cycles SET name = $1, form_id = $2, template_id = $3, period_kind = $4, period = $5, params = $6, targets = $7, \
             members = $8, data_due = $9, rating_due = $10, confirm_window_hours = $11 WHERE id = $12 AND status = 'draft'",
        )
        .bind(n.name.trim())
        .bind(&tv.form_id)
        .bind(tv.id)
        .bind(kind.as_str())
        .bind(n.period.trim())
        .bind(json(&n.params))
        .bind(json(&n.targets))
        .bind(json(&n.members))
        .bind(&n.data_due)
        .bind(&n.rating_due)
        .bind(n.confirm_window_hours)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique(&e) {
                StoreError::Conflict {
                    what: Thing::Cycle,
                    key: format!("{} {} {}", tv.form_id, n.period, n.name),
                }
            } else {
                e.into()
            }
        })?
        .rows_affected();
        if changed == 0 {
            return Err(not_draft(&old, "修改", "edited"));
        }
        let o = cycle_audit_text(
            &old.name,
            &old.period,
            &old.form_id,
            old.template_version,
            &as_new(&old),
        );
        let nw = cycle_audit_text(n.name.trim(), n.period.trim(), &tv.form_id, tv.version, &n);
        if o != nw {
            self.append_audits(
                &mut tx,
                &[NewAudit {
                    actor: actor.into(),
                    action: "cycle.update".into(),
                    entity: "cycle".into(),
                    entity_id: id.to_string(),
                    old_value: Some(o),
                    new_value: Some(nw),
                    ..Default::default()
                }],
            )
            .await?;
        }
        let cy = Self::load_cycle(&mut tx, id).await?;
        tx.commit().await?;
        Ok(cy)
    }

    pub(crate) async fn delete_cycle_impl(&self, actor: &str, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let old = Self::load_cycle(&mut tx, id).await?;
        if old.status != "draft" {
            return Err(not_draft(&old, "删除", "deleted"));
        }
        for sql in [
            "DELETE FROM grade_quotas WHERE cycle_id = $1",
            "DELETE FROM tasks WHERE cycle_id = $1",
            "DELETE FROM appraisals WHERE cycle_id = $1",
            "DELETE FROM cycles WHERE id = $1 AND status = 'draft'",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "cycle.delete".into(),
                entity: "cycle".into(),
                entity_id: id.to_string(),
                old_value: Some(cycle_audit_text(
                    &old.name,
                    &old.period,
                    &old.form_id,
                    old.template_version,
                    &as_new(&old),
                )),
                new_value: None,
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn launch_preview_impl(&self, id: i64) -> Result<LaunchPreview> {
        let mut c = self.reader.acquire().await?;
        let cy = Self::load_cycle(&mut c, id).await?;
        if cy.status != "draft" {
            return Err(launched_already(&cy));
        }
        let t = Self::template_of(&mut c, cy.template_id).await?;
        let all = Self::members_of(&mut c, &cy, &t).await?;
        let plan = Self::plan_members(&mut c, &cy, &t, &all).await?;
        let names = crate::relations::names_of(&mut c, &plan.rows).await?;
        let pay = pay_inputs(&t);
        let dec = |v: &str| {
            v.trim()
                .replace([',', '，'], "")
                .parse::<rust_decimal::Decimal>()
                .ok()
        };
        let mut total = rust_decimal::Decimal::ZERO;
        let members = all
            .iter()
            .zip(&plan.rows)
            .map(|(e, planned)| {
                let v = member_values(&cy, e);
                let mut base: Option<rust_decimal::Decimal> = None;
                for id in &pay {
                    if let Some(x) = v.get(id).or_else(|| cy.params.get(id)).and_then(|x| dec(x)) {
                        *base.get_or_insert(rust_decimal::Decimal::ZERO) += x;
                    }
                }
                if let Some(b) = base {
                    total += b;
                }
                PreviewMember {
                    emp_no: e.emp_no.clone(),
                    name: e.name.clone(),
                    department: e.dept.clone(),
                    position: e.position.clone(),
                    bonus_base: base.map(|b| b.normalize().to_string()),
                    raters: plan
                        .roles
                        .iter()
                        .zip(&planned.raters)
                        .map(|(r, p)| plan.preview_rater(r, p, &names))
                        .collect(),
                }
            })
            .collect();
        let short_of_peers = if peers::peer_groups(&t).is_empty() {
            Vec::new()
        } else {
            let pool = peers::PeerPool::load(&mut c).await?;
            let members: Vec<_> = all
                .iter()
                .map(|e| {
                    let m = peers::PeerMember {
                        appraisal_id: 0,
                        employee_id: e.id,
                        emp_no: &e.emp_no,
                        dept: &e.dept,
                        supervisor: e.supervisor,
                    };
                    (m, e.name.as_str())
                })
                .collect();
            pool.short(&cy, &t, &members)
        };
        Ok(LaunchPreview {
            members,
            short_of_peers,
            bonus_base_total: total.normalize().to_string(),
            bonus_inputs: pay,
        })
    }

    pub(crate) async fn copy_cycle_impl(&self, actor: &str, id: i64) -> Result<Cycle> {
        let cy = self.cycle_impl(id).await?;
        let Some(next) = next_period(&cy.period) else {
            return Err(StoreError::Corrupt {
                table: "cycles",
                id,
                column: "period",
            });
        };
        let months = match cy.period_kind {
            PeriodKind::Monthly => 1,
            PeriodKind::Quarterly => 3,
            PeriodKind::Annual => 12,
        };
        let mut n = as_new(&cy);
        n.template_version = None;
        n.name = rename_for_period(&cy.name, &cy.period, &next);
        n.period = next;
        n.data_due = cy.data_due.as_deref().map(|d| shift_date(d, months));
        n.rating_due = cy.rating_due.as_deref().map(|d| shift_date(d, months));
        let mut copy = self.create_cycle_impl(actor, &n).await?;
        // The copy keeps the reminder days of the cycle it copies.
        if copy.reminders != cy.reminders {
            copy = self
                .set_cycle_reminders_impl(
                    actor,
                    copy.id,
                    &cy.reminders.days_before,
                    cy.reminders.escalate_after,
                )
                .await?;
        }
        let mut tx = self.begin_write().await?;
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "cycle.copy".into(),
                entity: "cycle".into(),
                entity_id: copy.id.to_string(),
                old_value: Some(format!("{} {} (#{})", cy.name, cy.period, cy.id)),
                new_value: Some(format!("{} {} (#{})", copy.name, copy.period, copy.id)),
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(copy)
    }

    pub(crate) async fn cancel_cycle_impl(
        &self,
        actor: &str,
        id: i64,
        reason: &str,
    ) -> Result<Cycle> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Fields(vec![(
                "reason".into(),
                text!("cancel-reason"),
            )]));
        }
        let mut tx = self.begin_write().await?;
        let cy = Self::load_cycle(&mut tx, id).await?;
        match cy.status.as_str() {
            "draft" => {
                return Err(StoreError::Workflow(text!("cancel-draft")));
            }
            "cancelled" => {
                return Err(StoreError::Workflow(text!("cancelled-already")));
            }
            _ => {}
        }
        let shown: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM appraisals WHERE cycle_id = $1 AND (published_at IS NOT NULL \
             OR state IN ('published', 'appealed', 'confirmed'))",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .get("n");
        if shown > 0 {
            return Err(StoreError::Workflow(text!(
                "cancel-published",
                count = shown
            )));
        }
        let at = now();
        let closed = sqlx::query(
            "UPDATE tasks SET status = 'done', done_at = $1, done_by = $2 WHERE cycle_id = $3 AND status = 'open'",
        )
        .bind(&at)
        .bind(actor)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE cycles SET status = 'closed', cancelled_at = $1, cancel_reason = $2 WHERE id = $3",
        )
        .bind(&at)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "cycle.cancel".into(),
                entity: "cycle".into(),
                entity_id: id.to_string(),
                old_value: Some(cy.status.clone()),
                new_value: Some(format!("cancelled: {closed} open tasks closed")),
                reason: Some(reason.to_string()),
            }],
        )
        .await?;
        let cy = Self::load_cycle(&mut tx, id).await?;
        tx.commit().await?;
        Ok(cy)
    }
}

/// Lay typed `values` over stored `inputs`: trimmed, an empty value clears the input.
fn overlay(inputs: &mut Values, values: &Values) {
    for (k, v) in values {
        if v.trim().is_empty() {
            inputs.remove(k);
        } else {
            inputs.insert(k.clone(), v.trim().to_string());
        }
    }
}

/// The engine for a cycle's template, with the cycle's parameters set. Parameters were
/// checked when the cycle was created, so one that no longer reads is stored data gone
/// wrong: an error naming the cycle, never a parameter quietly left at its default.
pub fn engine_for<'t>(t: &'t Template, cy: &Cycle) -> Result<kaohe_core::Engine<'t>> {
    let mut engine = kaohe_core::Engine::new(t);
    let corrupt = || StoreError::Corrupt {
        table: "cycles",
        id: cy.id,
        column: "params",
    };
    for (k, v) in &cy.params {
        let d = kaohe_core::num::parse_user_number(v)
            .map(|p| p.value())
            .ok_or_else(corrupt)?;
        engine.set_param(k, d).map_err(|_| corrupt())?;
    }
    Ok(engine)
}

/// A workflow refusal as a storage error: a missing reason or item list is bad input (the
/// field is named), an action out of turn is a conflict with the record's state.
fn wf_err(e: workflow::WorkflowError) -> StoreError {
    use workflow::WorkflowError as W;
    match &e {
        W::ReasonRequired { action } => StoreError::Fields(vec![(
            if *action == "sign" { "name" } else { "reason" }.into(),
            e.text(),
        )]),
        W::ItemsRequired { .. } => StoreError::Fields(vec![("items".into(), e.text())]),
        W::NotAllowed { .. } => StoreError::Forbidden(e.text()),
        W::NotNow { .. } => StoreError::Workflow(e.text()),
    }
}

fn is_unique(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// What a grid row stores and audits is what writing every value into a copy and
    /// comparing the whole form gave: trimmed, empty removes, a repeat takes the last.
    #[test]
    fn stored_inputs_read_embedded_or_as_text_pick_what_is_asked() {
        use serde_json::value::RawValue;
        let keys = ["b".to_string(), "a".to_string(), "none".to_string()];
        let map = r#"{"a":"1","b":"say \"2\" 五","c":{"x":[1,2]}}"#;
        let as_text = serde_json::to_string(map).unwrap();
        for raw in [map, as_text.as_str()] {
            let raw: &RawValue = serde_json::from_str(raw).unwrap();
            assert_eq!(
                pick_inputs(raw, &keys, 7).unwrap(),
                [
                    Some(r#"say "2" 五"#.to_string()),
                    Some("1".to_string()),
                    None
                ]
            );
        }
        let embedded: &RawValue = serde_json::from_str(r#"{"a":"1","b":"2"}"#).unwrap();
        let read: Values = read_embedded(embedded, "appraisals", 7, "inputs").unwrap();
        assert_eq!(read.len(), 2);
        // Not a map of texts where it is asked, or not JSON inside the text: corrupt, named.
        for bad in [r#"{"a":1}"#, r#""{not json""#, r#""[1]""#] {
            let raw: &RawValue = serde_json::from_str(bad).unwrap();
            assert!(
                matches!(
                    pick_inputs(raw, &keys, 7),
                    Err(StoreError::Corrupt {
                        table: "appraisals",
                        id: 7,
                        column: "inputs"
                    })
                ),
                "{bad}"
            );
            assert!(
                read_embedded::<Values>(raw, "appraisals", 7, "inputs").is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_rows_values_are_applied_and_audited_as_the_whole_form_compared() {
        let cases: Vec<(Values, Vec<(&str, &str)>)> = vec![
            (values(&[("a", "1"), ("b", "2")]), vec![("a", " 3 ")]),
            (values(&[("a", "1"), ("b", "2")]), vec![("a", "1")]),
            (values(&[("a", "1")]), vec![("a", "  ")]),
            (values(&[("a", "1")]), vec![("c", "")]),
            (values(&[]), vec![("c", "5"), ("c", "6")]),
            (values(&[("c", "6")]), vec![("c", "5"), ("c", "6")]),
            (values(&[("c", "6")]), vec![("c", "6"), ("c", "")]),
            (
                values(&[("x", "李娜")]),
                vec![("x", "\"引号\""), ("y", "1")],
            ),
        ];
        for (before, row) in cases {
            let row: Vec<(String, String)> = row
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let mut whole = before.clone();
            for (k, v) in &row {
                if v.trim().is_empty() {
                    whole.remove(k);
                } else {
                    whole.insert(k.clone(), v.trim().to_string());
                }
            }
            let mut applied = before.clone();
            let audited = apply_values(&mut applied, &row);
            assert_eq!(applied, whole, "{before:?} + {row:?}");
            assert_eq!(audited, diff(&before, &whole), "{before:?} + {row:?}");
        }
        let mut v = values(&[("a", "1")]);
        assert_eq!(
            apply_values(&mut v, &[("a".into(), "2".into())]),
            Some((r#"{"a":"1"}"#.into(), r#"{"a":"2"}"#.into()))
        );
    }
}
