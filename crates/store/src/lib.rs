//! kaohe-store: everything kaohe keeps, behind one [`Store`] trait, with a SQLite and a
//! PostgreSQL implementation generated from the same code (the same SQL, `$n` placeholders),
//! each with its own migrations. [`connect`] picks the backend from the database URL.
//!
//! Every change is audited in the same transaction that makes it, into a hash-chained,
//! append-only log ([`Store::verify_audit`] finds tampering; with an audit key, see
//! [`AuditKeys`], entries are MAC'd so that even the database's administrator cannot
//! rewrite them unnoticed). Decimals are stored as
//! TEXT, never as SQLite NUMERIC or REAL. Times are RFC 3339 UTC text.
#![forbid(unsafe_code)]

mod audit;
mod backend;
mod bulk;
mod cycle;
mod cycles;
pub mod hashing;
mod hr;
mod model;
mod password;
pub mod policy;
mod sessions;
#[doc(hidden)]
pub mod test_support;

pub use audit::{
    AuditCheckpoint, AuditKey, AuditKeys, AuditReport, CHECKPOINT_EVERY, MIN_KEY_BYTES, audit_mac,
    checkpoint_mac, hmac_sha256,
};
pub use backend::{PgStore, SqliteStore};
pub use cycle::*;
pub use cycles::{GridRow, LedgerEntry, PayrollRow, ResultRow, Step, state_rank};
pub use hr::*;
pub use model::*;
pub use password::{MIN_PASSWORD_CHARS, password_problem};

use std::future::Future;

/// Everything that can go wrong in storage, with what a person needs to fix it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names no backend kaohe supports.
    #[error(
        "不支持的数据库地址 `{0}`: 请使用 sqlite://文件路径 或 postgres://… / unsupported database URL `{0}`: use sqlite://PATH or postgres://…"
    )]
    UnsupportedUrl(String),
    /// Something the caller named does not exist.
    #[error("{what} `{key}` 不存在 / {what} `{key}` does not exist")]
    NotFound { what: &'static str, key: String },
    /// A unique name is taken.
    #[error("{what} `{key}` 已存在 / {what} `{key}` already exists")]
    Conflict { what: &'static str, key: String },
    /// Input that cannot be stored, with the field at fault.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The database said no.
    #[error("数据库错误 / database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Rows of an import that cannot be stored: (line, field, problem). Nothing was stored.
    #[error("{}", rows_text(.0))]
    Rows(Vec<(usize, String, String)>),
    /// Values that cannot be stored: (field, problem) for each. Nothing was stored.
    #[error("{}", fields_text(.0))]
    Fields(Vec<(String, String)>),
    /// Someone changed the record since the caller read it (optimistic concurrency).
    #[error(
        "记录已被他人修改（当前版本 {current}），请刷新后重试 / changed by someone else since you read it (now version {current}): reload and try again"
    )]
    Stale { current: i64 },
    /// Not possible in the record's state, or not allowed to this user.
    #[error("{0}")]
    Workflow(String),
    /// The user may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// A stored row cannot be read (edited by hand, or written by a newer kaohe): it is
    /// reported, never replaced by a default.
    #[error(
        "{table} 表 id={id} 的 {column} 无法读取（数据已损坏）/ the stored {column} of {table} row {id} cannot be read (corrupt data)"
    )]
    Corrupt {
        table: &'static str,
        id: i64,
        column: &'static str,
    },
    /// Too many password checks are waiting (a sign-in flood): try again in a moment.
    #[error("登录请求过多，请稍后再试 / too many sign-ins at once: try again in a moment")]
    Busy,
    /// Migrations failed.
    #[error("数据库迁移失败 / migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

fn rows_text(rows: &[(usize, String, String)]) -> String {
    let mut s = format!(
        "{} 处错误，未导入任何数据 / {} problem(s), nothing was imported:",
        rows.len(),
        rows.len()
    );
    for (line, field, msg) in rows {
        s.push_str(&format!("\n  第 {line} 行 / line {line} [{field}]: {msg}"));
    }
    s
}

pub(crate) fn fields_text(f: &[(String, String)]) -> String {
    f.iter()
        .map(|(k, m)| format!("{k}: {m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The result of a storage operation.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Which database is behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Storage for kaohe. Implemented by [`SqliteStore`], [`PgStore`] and [`Db`].
pub trait Store: Clone + Send + Sync + 'static {
    /// The database behind it.
    fn backend(&self) -> Backend;
    /// Apply pending migrations.
    fn migrate(&self) -> impl Future<Output = Result<()>> + Send;

    /// Add a department.
    fn create_department(
        &self,
        actor: &str,
        d: &NewDepartment,
    ) -> impl Future<Output = Result<Department>> + Send;
    /// All departments, by code.
    fn departments(&self) -> impl Future<Output = Result<Vec<Department>>> + Send;
    /// Import departments, positions and employees: all rows or none.
    fn import_org(
        &self,
        actor: &str,
        rows: &[OrgRow],
    ) -> impl Future<Output = Result<ImportSummary>> + Send;
    /// A user by user name (with their roles).
    fn user_by_name(&self, username: &str) -> impl Future<Output = Result<Option<User>>> + Send;
    /// An employee by employee number.
    fn employee(&self, emp_no: &str) -> impl Future<Output = Result<Option<Employee>>> + Send;
    /// Employees of the departments in `scope` by employee number, a page at a time.
    fn employees(
        &self,
        scope: &policy::Scope,
        page: Page,
    ) -> impl Future<Output = Result<Vec<Employee>>> + Send;

    /// Add a user; the password is hashed with argon2id.
    fn create_user(&self, actor: &str, u: &NewUser) -> impl Future<Output = Result<User>> + Send;
    /// Every user with their grants, by user name.
    fn users(&self) -> impl Future<Output = Result<Vec<User>>> + Send;
    /// Replace a user's grants (roles, each for every department or one), audited old → new.
    fn set_grants(
        &self,
        actor: &str,
        username: &str,
        grants: &[Grant],
    ) -> impl Future<Output = Result<User>> + Send;
    /// The user, if the password is right.
    fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> impl Future<Output = Result<Option<User>>> + Send;
    /// How many users there are (0 before the first administrator).
    fn user_count(&self) -> impl Future<Output = Result<i64>> + Send;
    /// Start a session; returns the token to give the browser (only its hash is stored).
    fn create_session(
        &self,
        user_id: i64,
        ttl: time::Duration,
    ) -> impl Future<Output = Result<String>> + Send;
    /// The user of a live session.
    fn session_user(&self, token: &str) -> impl Future<Output = Result<Option<User>>> + Send;
    /// End a session.
    fn delete_session(&self, token: &str) -> impl Future<Output = Result<()>> + Send;
    /// The user of a live session that was used within `idle` (it ends after `idle`
    /// without a request); notes this use.
    fn session_user_idle(
        &self,
        token: &str,
        idle: time::Duration,
    ) -> impl Future<Output = Result<Option<User>>> + Send;
    /// Delete the sessions that have expired or been idle for `idle`; how many.
    fn purge_sessions(&self, idle: time::Duration) -> impl Future<Output = Result<u64>> + Send;
    /// A trivial query: is the database answering?
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;

    /// Check a template with the engine and store it as the form's next version.
    fn publish_template(
        &self,
        actor: &str,
        source: &str,
    ) -> impl Future<Output = Result<TemplateVersion>> + Send;
    /// A version of a form's template (the latest when `version` is None).
    fn template(
        &self,
        form_id: &str,
        version: Option<i64>,
    ) -> impl Future<Output = Result<Option<TemplateVersion>>> + Send;
    /// The latest version of every form.
    fn templates(&self) -> impl Future<Output = Result<Vec<TemplateVersion>>> + Send;

    /// Append to the audit log (for changes made outside the store's own operations).
    fn audit(&self, entry: &NewAudit) -> impl Future<Output = Result<AuditEntry>> + Send;
    /// Audit entries after `after_id`, oldest first.
    fn audit_log(
        &self,
        after_id: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;
    /// Recompute the hash chain; the first broken entry, if any.
    fn verify_audit(&self) -> impl Future<Output = Result<AuditCheck>> + Send;
    /// Check the chain and its checkpoints with the store's audit keys, and say how far the
    /// result can be trusted (which keys, entries that cannot be checked, checkpoints).
    fn audit_report(&self) -> impl Future<Output = Result<AuditReport>> + Send;
    /// Store a MAC'd checkpoint of the chain's head, unless there is no audit key, the
    /// log is empty, or the latest checkpoint is already at the head (then `None`).
    fn audit_checkpoint(&self) -> impl Future<Output = Result<Option<AuditCheckpoint>>> + Send;

    /// Create a cycle (a draft): pins the form's template version, checks every value.
    fn create_cycle(&self, actor: &str, c: &NewCycle)
    -> impl Future<Output = Result<Cycle>> + Send;
    /// A cycle.
    fn cycle(&self, id: i64) -> impl Future<Output = Result<Cycle>> + Send;
    /// Cycles, newest first: every cycle for [`policy::Scope::All`], else the launched
    /// cycles that appraise someone of the scope's departments.
    fn cycles(
        &self,
        scope: &policy::Scope,
        page: Page,
    ) -> impl Future<Output = Result<Vec<Cycle>>> + Send;
    /// Launch: one appraisal per employee, and the tasks of departments, appraisees and raters.
    fn launch_cycle(
        &self,
        actor: &str,
        id: i64,
    ) -> impl Future<Output = Result<LaunchSummary>> + Send;
    /// An appraisal as `who` may see it (NotFound when they may not).
    fn appraisal(&self, who: &User, id: i64) -> impl Future<Output = Result<Appraisal>> + Send;
    /// The appraisals `who` may see.
    fn appraisals(
        &self,
        who: &User,
        cycle_id: Option<i64>,
        state: Option<kaohe_core::workflow::State>,
        page: Page,
    ) -> impl Future<Output = Result<Vec<Appraisal>>> + Send;
    /// Enter values into one appraisal (only those `who` supplies at this stage).
    fn enter(
        &self,
        who: &User,
        id: i64,
        version: i64,
        values: &Values,
    ) -> impl Future<Output = Result<Appraisal>> + Send;
    /// Enter data for many appraisees at once: one department's inputs (its clerk or HR),
    /// or with `dept_id` None any input (HR's import): all rows or none.
    fn enter_grid(
        &self,
        who: &User,
        cycle_id: i64,
        dept_id: Option<i64>,
        rows: &[GridRow],
    ) -> impl Future<Output = Result<usize>> + Send;
    /// A department hands in its data; when the last one has, the appraisals move on.
    fn complete_data(
        &self,
        who: &User,
        cycle_id: i64,
        dept_id: i64,
    ) -> impl Future<Output = Result<usize>> + Send;
    /// Take a workflow step on an appraisal.
    fn act(
        &self,
        who: &User,
        id: i64,
        version: i64,
        step: &Step,
    ) -> impl Future<Output = Result<Appraisal>> + Send;
    /// Write the self-summary, comments, next-period goals or the interview record.
    fn write_notes(
        &self,
        who: &User,
        id: i64,
        version: i64,
        notes: &Notes,
    ) -> impl Future<Output = Result<Appraisal>> + Send;
    /// Confirm every published appraisal whose window closed before `at` (视为默认).
    fn auto_confirm(&self, at: &str) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// `who`'s inbox (待办).
    fn tasks(&self, who: &User) -> impl Future<Output = Result<Vec<Task>>> + Send;
    /// A cycle's results with ranks within groups.
    fn results(&self, cycle_id: i64) -> impl Future<Output = Result<Vec<ResultRow>>> + Send;
    /// An employee's last 12 published periods.
    fn ledger(&self, employee_id: i64) -> impl Future<Output = Result<Vec<LedgerEntry>>> + Send;
    /// The confirmed appraisals of a cycle, for payroll.
    fn payroll(&self, cycle_id: i64) -> impl Future<Output = Result<Vec<PayrollRow>>> + Send;
    /// The explanation of every number of an appraisal (once its scores may be seen).
    fn explain(&self, who: &User, id: i64) -> impl Future<Output = Result<Explained>> + Send;
    /// Score every appraisal of the cycle not yet published.
    fn score_cycle(&self, actor: &str, cycle_id: i64)
    -> impl Future<Output = Result<usize>> + Send;

    /// The spreadsheet column mapping remembered for a form: header → input id (or `id`,
    /// `name`, `group`, or `-` for a column left out). Empty when none was saved.
    fn import_mapping(
        &self,
        form_id: &str,
    ) -> impl Future<Output = Result<std::collections::BTreeMap<String, String>>> + Send;
    /// Remember a form's column mapping (replacing the one before); audited when it changes.
    fn save_import_mapping(
        &self,
        actor: &str,
        form_id: &str,
        map: &std::collections::BTreeMap<String, String>,
    ) -> impl Future<Output = Result<()>> + Send;

    // ---- Accounts, organisation and template pages (branch hrorg) ----
    /// Change a user's password: the current one must be right, the new one must pass
    /// [`password_problem`] and differ. Every other session of the user ends (all of them when
    /// `keep_session` is None); audited. Returns how many sessions ended. Refusals are
    /// [`StoreError::Fields`] naming `current` or `new`.
    fn change_password(
        &self,
        user_id: i64,
        current: &str,
        new: &str,
        keep_session: Option<&str>,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Active employees per department: department id → count.
    fn employee_counts(
        &self,
    ) -> impl Future<Output = Result<std::collections::BTreeMap<i64, i64>>> + Send;
    /// Employees whose 工号 or name contains `query` (every one when it is empty), by 工号,
    /// a page at a time, with their position and supervisor; and how many match in all.
    fn search_employees(
        &self,
        query: &str,
        page: Page,
    ) -> impl Future<Output = Result<EmployeeSearch>> + Send;
    /// Every version of a form's template, newest first (their sources left empty).
    fn template_versions(
        &self,
        form_id: &str,
    ) -> impl Future<Output = Result<Vec<TemplateVersion>>> + Send;
    /// Check an organisation import exactly as [`Store::import_org`] does, storing nothing:
    /// what it would add and update, or the same [`StoreError::Rows`].
    fn check_org(&self, rows: &[OrgRow]) -> impl Future<Output = Result<ImportSummary>> + Send;
    // HR's cycle pages (`hr.rs`): aggregates in SQL, so a cycle of 10,000 loads quickly.
    /// How far a cycle is: appraisals per state, per appraisees' department, the data
    /// departments' hand-in, and the grades given.
    fn cycle_progress(&self, cycle_id: i64) -> impl Future<Output = Result<CycleProgress>> + Send;
    /// The grades given in a cycle: grade → how many (graded appraisals only), by grade.
    /// The cheap part of [`Store::cycle_progress`], for the results page.
    fn grade_counts(
        &self,
        cycle_id: i64,
    ) -> impl Future<Output = Result<Vec<(String, i64)>>> + Send;
    /// For each cycle: (cycle id, appraisals, confirmed).
    fn cycle_counts(
        &self,
        cycle_ids: &[i64],
    ) -> impl Future<Output = Result<Vec<(i64, i64, i64)>>> + Send;
    /// Open tasks of a cycle due before `today` (`2026-12-06`): how many, and the first
    /// `limit` by due date.
    fn late_tasks(
        &self,
        cycle_id: i64,
        today: &str,
        limit: i64,
    ) -> impl Future<Output = Result<LateList>> + Send;
    /// A page of a cycle's results, sorted and filtered, with ranks within the whole group.
    fn results_page(
        &self,
        cycle_id: i64,
        q: &ResultQuery,
    ) -> impl Future<Output = Result<ResultsSlice>> + Send;
    /// A cycle's forced-distribution quotas, by grade.
    fn grade_quotas(&self, cycle_id: i64) -> impl Future<Output = Result<Vec<GradeQuota>>> + Send;
    /// Replace a cycle's quotas (grades with neither share are dropped); audited.
    fn set_grade_quotas(
        &self,
        actor: &str,
        cycle_id: i64,
        quotas: &[GradeQuota],
    ) -> impl Future<Output = Result<Vec<GradeQuota>>> + Send;
    /// Appraisals waiting for HR's decision on an appeal, oldest first, across cycles.
    fn appeals(&self, page: Page) -> impl Future<Output = Result<Vec<AppealRow>>> + Send;
    /// The audit log searched, newest first.
    fn audit_search(&self, q: &AuditQuery) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;
    /// The kinds of entity the audit log names.
    fn audit_kinds(&self) -> impl Future<Output = Result<Vec<String>>> + Send;
}

/// A store chosen at run time by the database URL.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Open the database named by `url` (`sqlite://kaohe.db`, `sqlite::memory:`, `postgres://…`),
/// creating a SQLite file if needed. Migrations are not applied: call [`Store::migrate`].
pub async fn connect(url: &str) -> Result<Db> {
    if url.starts_with("sqlite:") {
        Ok(Db::Sqlite(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Db::Postgres(PgStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}

impl Db {
    /// The keys the audit log is MAC'd and verified with, newest first (none: plain
    /// SHA-256, not protected against the database's administrator).
    pub fn set_audit_keys(&mut self, keys: AuditKeys) {
        match self {
            Db::Sqlite(s) => s.set_audit_keys(keys),
            Db::Postgres(s) => s.set_audit_keys(keys),
        }
    }
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Db::Sqlite($s) => $e.await,
            Db::Postgres($s) => $e.await,
        }
    };
}

impl Store for Db {
    fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }
    async fn migrate(&self) -> Result<()> {
        delegate!(self, s => s.migrate())
    }
    async fn create_department(&self, actor: &str, d: &NewDepartment) -> Result<Department> {
        delegate!(self, s => s.create_department(actor, d))
    }
    async fn departments(&self) -> Result<Vec<Department>> {
        delegate!(self, s => s.departments())
    }
    async fn import_org(&self, actor: &str, rows: &[OrgRow]) -> Result<ImportSummary> {
        delegate!(self, s => s.import_org(actor, rows))
    }
    async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        delegate!(self, s => s.user_by_name(username))
    }
    async fn employee(&self, emp_no: &str) -> Result<Option<Employee>> {
        delegate!(self, s => s.employee(emp_no))
    }
    async fn employees(&self, scope: &policy::Scope, page: Page) -> Result<Vec<Employee>> {
        delegate!(self, s => s.employees(scope, page))
    }
    async fn create_user(&self, actor: &str, u: &NewUser) -> Result<User> {
        delegate!(self, s => s.create_user(actor, u))
    }
    async fn users(&self) -> Result<Vec<User>> {
        delegate!(self, s => s.users())
    }
    async fn set_grants(&self, actor: &str, username: &str, grants: &[Grant]) -> Result<User> {
        delegate!(self, s => s.set_grants(actor, username, grants))
    }
    async fn authenticate(&self, username: &str, password: &str) -> Result<Option<User>> {
        delegate!(self, s => s.authenticate(username, password))
    }
    async fn user_count(&self) -> Result<i64> {
        delegate!(self, s => s.user_count())
    }
    async fn create_session(&self, user_id: i64, ttl: time::Duration) -> Result<String> {
        delegate!(self, s => s.create_session(user_id, ttl))
    }
    async fn session_user(&self, token: &str) -> Result<Option<User>> {
        delegate!(self, s => s.session_user(token))
    }
    async fn delete_session(&self, token: &str) -> Result<()> {
        delegate!(self, s => s.delete_session(token))
    }
    async fn session_user_idle(&self, token: &str, idle: time::Duration) -> Result<Option<User>> {
        delegate!(self, s => s.session_user_idle(token, idle))
    }
    async fn purge_sessions(&self, idle: time::Duration) -> Result<u64> {
        delegate!(self, s => s.purge_sessions(idle))
    }
    async fn ping(&self) -> Result<()> {
        delegate!(self, s => s.ping())
    }
    async fn publish_template(&self, actor: &str, source: &str) -> Result<TemplateVersion> {
        delegate!(self, s => s.publish_template(actor, source))
    }
    async fn template(
        &self,
        form_id: &str,
        version: Option<i64>,
    ) -> Result<Option<TemplateVersion>> {
        delegate!(self, s => s.template(form_id, version))
    }
    async fn templates(&self) -> Result<Vec<TemplateVersion>> {
        delegate!(self, s => s.templates())
    }
    async fn audit(&self, entry: &NewAudit) -> Result<AuditEntry> {
        delegate!(self, s => s.audit(entry))
    }
    async fn audit_log(&self, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        delegate!(self, s => s.audit_log(after_id, limit))
    }
    async fn verify_audit(&self) -> Result<AuditCheck> {
        delegate!(self, s => s.verify_audit())
    }
    async fn audit_report(&self) -> Result<AuditReport> {
        delegate!(self, s => s.audit_report())
    }
    async fn audit_checkpoint(&self) -> Result<Option<AuditCheckpoint>> {
        delegate!(self, s => s.audit_checkpoint())
    }

    async fn create_cycle(&self, actor: &str, c: &NewCycle) -> Result<Cycle> {
        delegate!(self, s => s.create_cycle(actor, c))
    }
    async fn cycle(&self, id: i64) -> Result<Cycle> {
        delegate!(self, s => s.cycle(id))
    }
    async fn cycles(&self, scope: &policy::Scope, page: Page) -> Result<Vec<Cycle>> {
        delegate!(self, s => s.cycles(scope, page))
    }
    async fn launch_cycle(&self, actor: &str, id: i64) -> Result<LaunchSummary> {
        delegate!(self, s => s.launch_cycle(actor, id))
    }
    async fn appraisal(&self, who: &User, id: i64) -> Result<Appraisal> {
        delegate!(self, s => s.appraisal(who, id))
    }
    async fn appraisals(
        &self,
        who: &User,
        cycle_id: Option<i64>,
        state: Option<kaohe_core::workflow::State>,
        page: Page,
    ) -> Result<Vec<Appraisal>> {
        delegate!(self, s => s.appraisals(who, cycle_id, state, page))
    }
    async fn enter(&self, who: &User, id: i64, version: i64, values: &Values) -> Result<Appraisal> {
        delegate!(self, s => s.enter(who, id, version, values))
    }
    async fn enter_grid(
        &self,
        who: &User,
        cycle_id: i64,
        dept_id: Option<i64>,
        rows: &[GridRow],
    ) -> Result<usize> {
        delegate!(self, s => s.enter_grid(who, cycle_id, dept_id, rows))
    }
    async fn complete_data(&self, who: &User, cycle_id: i64, dept_id: i64) -> Result<usize> {
        delegate!(self, s => s.complete_data(who, cycle_id, dept_id))
    }
    async fn act(&self, who: &User, id: i64, version: i64, step: &Step) -> Result<Appraisal> {
        delegate!(self, s => s.act(who, id, version, step))
    }
    async fn write_notes(
        &self,
        who: &User,
        id: i64,
        version: i64,
        notes: &Notes,
    ) -> Result<Appraisal> {
        delegate!(self, s => s.write_notes(who, id, version, notes))
    }
    async fn auto_confirm(&self, at: &str) -> Result<Vec<i64>> {
        delegate!(self, s => s.auto_confirm(at))
    }
    async fn tasks(&self, who: &User) -> Result<Vec<Task>> {
        delegate!(self, s => s.tasks(who))
    }
    async fn results(&self, cycle_id: i64) -> Result<Vec<ResultRow>> {
        delegate!(self, s => s.results(cycle_id))
    }
    async fn ledger(&self, employee_id: i64) -> Result<Vec<LedgerEntry>> {
        delegate!(self, s => s.ledger(employee_id))
    }
    async fn payroll(&self, cycle_id: i64) -> Result<Vec<PayrollRow>> {
        delegate!(self, s => s.payroll(cycle_id))
    }
    async fn score_cycle(&self, actor: &str, cycle_id: i64) -> Result<usize> {
        delegate!(self, s => s.score_cycle(actor, cycle_id))
    }
    async fn import_mapping(
        &self,
        form_id: &str,
    ) -> Result<std::collections::BTreeMap<String, String>> {
        delegate!(self, s => s.import_mapping(form_id))
    }
    async fn save_import_mapping(
        &self,
        actor: &str,
        form_id: &str,
        map: &std::collections::BTreeMap<String, String>,
    ) -> Result<()> {
        delegate!(self, s => s.save_import_mapping(actor, form_id, map))
    }
    async fn explain(&self, who: &User, id: i64) -> Result<Explained> {
        delegate!(self, s => s.explain(who, id))
    }

    async fn change_password(
        &self,
        user_id: i64,
        current: &str,
        new: &str,
        keep_session: Option<&str>,
    ) -> Result<u64> {
        delegate!(self, s => s.change_password(user_id, current, new, keep_session))
    }
    async fn employee_counts(&self) -> Result<std::collections::BTreeMap<i64, i64>> {
        delegate!(self, s => s.employee_counts())
    }
    async fn search_employees(&self, query: &str, page: Page) -> Result<EmployeeSearch> {
        delegate!(self, s => s.search_employees(query, page))
    }
    async fn template_versions(&self, form_id: &str) -> Result<Vec<TemplateVersion>> {
        delegate!(self, s => s.template_versions(form_id))
    }
    async fn check_org(&self, rows: &[OrgRow]) -> Result<ImportSummary> {
        delegate!(self, s => s.check_org(rows))
    }
    async fn cycle_progress(&self, cycle_id: i64) -> Result<CycleProgress> {
        delegate!(self, s => s.cycle_progress(cycle_id))
    }
    async fn grade_counts(&self, cycle_id: i64) -> Result<Vec<(String, i64)>> {
        delegate!(self, s => s.grade_counts(cycle_id))
    }
    async fn cycle_counts(&self, cycle_ids: &[i64]) -> Result<Vec<(i64, i64, i64)>> {
        delegate!(self, s => s.cycle_counts(cycle_ids))
    }
    async fn late_tasks(&self, cycle_id: i64, today: &str, limit: i64) -> Result<LateList> {
        delegate!(self, s => s.late_tasks(cycle_id, today, limit))
    }
    async fn results_page(&self, cycle_id: i64, q: &ResultQuery) -> Result<ResultsSlice> {
        delegate!(self, s => s.results_page(cycle_id, q))
    }
    async fn grade_quotas(&self, cycle_id: i64) -> Result<Vec<GradeQuota>> {
        delegate!(self, s => s.grade_quotas(cycle_id))
    }
    async fn set_grade_quotas(
        &self,
        actor: &str,
        cycle_id: i64,
        quotas: &[GradeQuota],
    ) -> Result<Vec<GradeQuota>> {
        delegate!(self, s => s.set_grade_quotas(actor, cycle_id, quotas))
    }
    async fn appeals(&self, page: Page) -> Result<Vec<AppealRow>> {
        delegate!(self, s => s.appeals(page))
    }
    async fn audit_search(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        delegate!(self, s => s.audit_search(q))
    }
    async fn audit_kinds(&self) -> Result<Vec<String>> {
        delegate!(self, s => s.audit_kinds())
    }
}
