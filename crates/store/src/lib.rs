//! kaohe-store: everything kaohe keeps, behind one [`Store`] trait, implemented by [`Db`]:
//! one store over sqlx's `Any` driver, on SQLite or PostgreSQL as the database URL given to
//! [`connect`] says. The SQL is the same for both (`$n` placeholders); each backend has its
//! own migrations, and the few things that differ are `match`es in `backend.rs`.
//!
//! Every change is audited in the same transaction that makes it, into a hash-chained,
//! append-only log ([`Store::verify_audit`] finds tampering; with an audit key, see
//! [`AuditKeys`], entries are MAC'd so that even the database's administrator cannot
//! rewrite them unnoticed). Decimals are stored as
//! TEXT, never as SQLite NUMERIC or REAL. Times are RFC 3339 UTC text.
#![forbid(unsafe_code)]

#[macro_use]
mod text;
mod accounts;
mod audit;
mod backend;
mod bulk;
mod cycle;
mod cycles;
mod delegation;
mod group;
pub mod hashing;
mod hr;
mod model;
mod notify;
mod org;
mod password;
pub mod policy;
mod prefs;
mod relations;
mod remind;
pub mod rules;
mod sessions;
mod signin;
#[doc(hidden)]
pub mod test_support;

pub use accounts::{CODE_ALPHABET, CODE_DAYS, CODE_LEN, new_code};
pub use audit::{
    AuditCheckpoint, AuditKey, AuditKeys, AuditReport, CHECKPOINT_EVERY, MIN_KEY_BYTES, audit_mac,
    checkpoint_mac, hmac_sha256,
};
pub use backend::{
    ConnectOptions, Db, PING_IDLE, SQLITE_READER_CACHE_KIB, SQLITE_WRITER_CACHE_KIB, SqliteSync,
    WRITER_WAIT, connect, connect_with, sqlite_readers,
};
pub use cycle::*;
pub use cycles::peers::{PeerStatus, is_peer_role, peer_groups, rotate_peers};
pub use cycles::{GridRow, LedgerEntry, PayrollRow, ResultRow, Step, engine_for, state_rank};
pub use delegation::{Delegation, NewDelegation, today};
pub use hr::*;
pub use model::*;
pub use notify::{
    Channel, ChannelKind, Contact, EventKind, NewChannel, Notification, OutboxMessage,
    OutboxStatus, StoredArgs, StoredText, mask,
};
pub use org::{
    ORG_HEADERS, Post, PostKind, Unit, export_rows, org_csv, org_rows, parse_date, tree_order,
};
pub use password::{MIN_PASSWORD_CHARS, password_problem};
pub use prefs::{
    DEFAULT_UTC_OFFSET, NotifyPrefs, NotifySettings, PERSONAL_CHANNELS, QuietHours, check_contact,
    chosen_kinds, normal_mobile, offset_label, parse_offset,
};
pub use relations::{RaterTask, RelationEdit, RelationRow, Relations, RelationsImport};
pub use remind::ReminderRun;
pub use rules::{Rule, Why};

pub(crate) use group::WriteTx;
pub use kaohe_core::{Lang, Text};
use std::future::Future;
pub use text::CATALOGUE;

/// Everything that can go wrong in storage, with what a person needs to fix it. Messages are
/// [`Text`]: catalogue keys with their arguments (`crates/store/i18n`), rendered in the
/// reader's language at the edge ([`StoreError::message`]); `Display` gives both languages,
/// for the command line and logs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names no backend kaohe supports.
    #[error("{}", both(&self.text()))]
    UnsupportedUrl(String),
    /// Something the caller named does not exist.
    #[error("{}", both(&self.text()))]
    NotFound { what: Thing, key: String },
    /// A unique name is taken.
    #[error("{}", both(&self.text()))]
    Conflict { what: Thing, key: String },
    /// Input that cannot be stored, with the field at fault.
    #[error("{field}: {}", both(message))]
    Invalid { field: String, message: Text },
    /// The database said no.
    #[error("{}", both(&self.text()))]
    Database(sqlx::Error),
    /// Every write waits for the one writer (SQLite) and this one waited too long: nothing
    /// was written; try again in a moment (503).
    #[error("{}", both(&self.text()))]
    DatabaseBusy,
    /// Rows of an import that cannot be stored: (line, field, problem). Nothing was stored.
    #[error("{}", rows_text(.0))]
    Rows(Vec<(usize, String, Text)>),
    /// Values that cannot be stored: (field, problem) for each. Nothing was stored.
    #[error("{}", fields_text(.0))]
    Fields(Vec<(String, Text)>),
    /// Someone changed the record since the caller read it (optimistic concurrency).
    #[error("{}", both(&self.text()))]
    Stale { current: i64 },
    /// Not possible in the record's state.
    #[error("{}", both(.0))]
    Workflow(Text),
    /// The user may not do this.
    #[error("{}", both(.0))]
    Forbidden(Text),
    /// A stored row cannot be read (edited by hand, or written by a newer kaohe): it is
    /// reported, never replaced by a default.
    #[error("{}", both(&self.text()))]
    Corrupt {
        table: &'static str,
        id: i64,
        column: &'static str,
    },
    /// Too many password checks are waiting (a sign-in flood): try again in a moment.
    #[error("{}", both(&self.text()))]
    Busy,
    /// Migrations failed.
    #[error("{}", both(&self.text()))]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    /// A connection not had in time (the writer, or every reader, busy) is
    /// [`StoreError::DatabaseBusy`]; anything else is [`StoreError::Database`].
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut => StoreError::DatabaseBusy,
            e => StoreError::Database(e),
        }
    }
}

/// What a [`StoreError::NotFound`] or [`StoreError::Conflict`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    Appraisal,
    Cycle,
    Department,
    Employee,
    User,
    /// A notification channel.
    Channel,
    /// A message of the outbox.
    Message,
    /// A delegation (代理).
    Delegation,
}

impl Thing {
    /// Its name for people.
    pub fn text(self) -> Text {
        match self {
            Thing::Appraisal => text!("thing-appraisal"),
            Thing::Cycle => text!("thing-cycle"),
            Thing::Department => text!("thing-department"),
            Thing::Employee => text!("thing-employee"),
            Thing::User => text!("thing-user"),
            Thing::Channel => text!("thing-channel"),
            Thing::Message => text!("thing-message"),
            Thing::Delegation => text!("thing-delegation"),
        }
    }
}

impl StoreError {
    /// The whole message as text for people (for `Fields` and `Rows`, every problem).
    pub fn text(&self) -> Text {
        match self {
            StoreError::UnsupportedUrl(u) => text!("error-unsupported-url", url = u),
            StoreError::NotFound { what, key } => {
                text!("error-not-found", key = key).text_arg("what", &what.text())
            }
            StoreError::Conflict { what, key } => {
                text!("error-conflict", key = key).text_arg("what", &what.text())
            }
            StoreError::Invalid { field, message } => message.map(|_, m| format!("{field}: {m}")),
            StoreError::Database(e) => text!("error-database", cause = e),
            StoreError::Rows(rows) => Text::pair(rows_in(Lang::Zh, rows), rows_in(Lang::En, rows)),
            StoreError::Fields(f) => Text::pair(fields_in(Lang::Zh, f), fields_in(Lang::En, f)),
            StoreError::Stale { current } => text!("error-stale", current = current),
            StoreError::Workflow(t) | StoreError::Forbidden(t) => t.clone(),
            StoreError::Corrupt { table, id, column } => {
                text!("error-corrupt", table = table, id = id, column = column)
            }
            StoreError::Busy => text!("error-busy"),
            StoreError::DatabaseBusy => text!("error-database-busy"),
            StoreError::Migrate(e) => text!("error-migrate", cause = e),
        }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        self.text().render(lang)
    }
}

/// `中文 / English`, or one when they agree.
fn both(t: &Text) -> String {
    t.to_string()
}

fn rows_in(lang: Lang, rows: &[(usize, String, Text)]) -> String {
    let mut s = text!("error-rows", count = rows.len()).render(lang);
    for (line, field, msg) in rows {
        s.push_str("\n  ");
        s.push_str(
            &text!(
                "error-row",
                line = line,
                field = field,
                message = msg.render(lang)
            )
            .render(lang),
        );
    }
    s
}

fn rows_text(rows: &[(usize, String, Text)]) -> String {
    format!("{}\n{}", rows_in(Lang::Zh, rows), rows_in(Lang::En, rows))
}

fn fields_in(lang: Lang, f: &[(String, Text)]) -> String {
    f.iter()
        .map(|(k, m)| format!("{k}: {}", m.render(lang)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Problems by field as one text.
pub(crate) fn fields_as_text(f: &[(String, Text)]) -> Text {
    Text::pair(fields_in(Lang::Zh, f), fields_in(Lang::En, f))
}

pub(crate) fn fields_text(f: &[(String, Text)]) -> String {
    let (zh, en) = (fields_in(Lang::Zh, f), fields_in(Lang::En, f));
    if zh == en { zh } else { format!("{zh} / {en}") }
}

/// The result of a storage operation.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Which database is behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Storage for kaohe, implemented by [`Db`].
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
    /// Every user with their grants, by user name (for listing: `reach` is the grants as
    /// given, not resolved to subtrees; a user to decide access for comes from `user_by_name`).
    fn users(&self) -> impl Future<Output = Result<Vec<User>>> + Send;
    /// Replace a user's grants (roles, each for every department or one), audited old → new.
    fn set_grants(
        &self,
        actor: &str,
        username: &str,
        grants: &[Grant],
    ) -> impl Future<Output = Result<User>> + Send;
    /// The user, if the password is right (never a disabled user, nor one who holds only
    /// a one-time code).
    fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> impl Future<Output = Result<Option<User>>> + Send;
    /// Open accounts for employees (by 工号), each with the same grants and a one-time
    /// sign-in code instead of a password: (user name, code) for each, in order. The user
    /// name is the 工号 lowercased, or `username` when exactly one employee is given. All or
    /// none: an employee who already has an account is refused by name. Audited.
    fn create_accounts(
        &self,
        actor: &str,
        emp_nos: &[String],
        username: Option<&str>,
        grants: &[Grant],
    ) -> impl Future<Output = Result<Vec<(String, String)>>> + Send;
    /// The 工号 of a department's active employees who have no account yet, in order.
    fn employees_without_account(
        &self,
        department_id: i64,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// A new one-time sign-in code for a user (returned once, only its hash kept): the
    /// password is cleared and every session ends. Audited.
    fn reset_code(
        &self,
        actor: &str,
        username: &str,
    ) -> impl Future<Output = Result<String>> + Send;
    /// Disable (no sign-in, every session ends) or enable again a user. Audited old → new.
    fn set_disabled(
        &self,
        actor: &str,
        username: &str,
        disabled: bool,
    ) -> impl Future<Output = Result<User>> + Send;
    /// The first sign-in: a right, unexpired code sets the password (which must pass
    /// [`password_problem`]) and is used up. Refusals are [`StoreError::Fields`] naming
    /// `code` (wrong, expired or no code: one message) or `new`. Audited.
    fn redeem_code(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> impl Future<Output = Result<User>> + Send;
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
    /// Count a wrong password for `subject` (a normalised user name or a network address,
    /// as the caller spells it), shared by every server on this database: the failures
    /// since the first within `window`; the one that reaches `limit` locks the subject for
    /// `lockout`. A window or a lockout that is over starts a new count. Returns until when
    /// the subject is locked, if it now is.
    fn sign_in_failed(
        &self,
        subject: &str,
        limit: u32,
        window: time::Duration,
        lockout: time::Duration,
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<Option<time::OffsetDateTime>>> + Send;
    /// Until when the latest-locked of `subjects` is locked, if any is at `now`.
    fn sign_in_locked(
        &self,
        subjects: &[&str],
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<Option<time::OffsetDateTime>>> + Send;
    /// A right password: forget `subject`'s failures.
    fn sign_in_cleared(&self, subject: &str) -> impl Future<Output = Result<()>> + Send;
    /// Delete the failure counts whose `window` and lockout are over at `now`; how many.
    fn purge_sign_in_failures(
        &self,
        window: time::Duration,
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<u64>> + Send;

    /// The user's in-app notifications (通知), newest first.
    fn notifications(
        &self,
        user_id: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Notification>>> + Send;
    /// How many of the user's notifications are unread.
    fn unread_count(&self, user_id: i64) -> impl Future<Output = Result<i64>> + Send;
    /// Mark the user's notifications read (these ids, or all); how many were unread.
    fn mark_read(
        &self,
        user_id: i64,
        ids: Option<&[i64]>,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// The configured channels (secrets included: show them only through [`mask`]).
    fn channels(&self) -> impl Future<Output = Result<Vec<Channel>>> + Send;
    /// Add (`id` None) or change a channel; a secret of None keeps the stored one. Audited
    /// without the secret.
    fn save_channel(
        &self,
        actor: &str,
        id: Option<i64>,
        c: &NewChannel,
    ) -> impl Future<Output = Result<Channel>> + Send;
    /// Queue a test message to `user_id` over one channel.
    fn test_channel(
        &self,
        actor: &str,
        channel_id: i64,
        user_id: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// A user's e-mail address, mobile number and 飞书 user id (for e-mail and @mentions),
    /// validated (every problem naming its field) and audited old → new.
    fn set_contact(
        &self,
        actor: &str,
        username: &str,
        c: &Contact,
    ) -> impl Future<Output = Result<()>> + Send;
    /// A user's contact details.
    fn contact(&self, user_id: i64) -> impl Future<Output = Result<Contact>> + Send;
    /// A user's notification choices: channels per kind, quiet window.
    fn notify_prefs(&self, user_id: i64) -> impl Future<Output = Result<NotifyPrefs>> + Send;
    /// Replace a user's notification choices (audited old → new).
    fn set_notify_prefs(
        &self,
        actor: &str,
        user_id: i64,
        p: &NotifyPrefs,
    ) -> impl Future<Output = Result<()>> + Send;
    /// HR's notification settings: kinds sent at all, the quiet windows' time zone.
    fn notify_settings(&self) -> impl Future<Output = Result<NotifySettings>> + Send;
    /// Replace HR's notification settings (audited old → new).
    fn set_notify_settings(
        &self,
        actor: &str,
        s: &NotifySettings,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Claim up to `limit` due outbox messages for `lease` (one server at a time).
    fn claim_outbox(
        &self,
        now: time::OffsetDateTime,
        lease: time::Duration,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<OutboxMessage>>> + Send;
    /// A claimed message was delivered.
    fn outbox_delivered(&self, id: i64) -> impl Future<Output = Result<()>> + Send;
    /// A claimed message failed: tried again at `retry_at`, or dead when None.
    fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<time::OffsetDateTime>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The outbox, newest first (one status, or all).
    fn outbox(
        &self,
        status: Option<OutboxStatus>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<OutboxMessage>>> + Send;
    /// A dead message back to pending, its attempts counted from zero (audited).
    fn retry_outbox(&self, actor: &str, id: i64) -> impl Future<Output = Result<()>> + Send;
    /// 催办: remind everyone with an open task of the cycle, one message per person (the
    /// number of people).
    fn remind_late(&self, actor: &str, cycle_id: i64)
    -> impl Future<Output = Result<usize>> + Send;
    /// The scheduled reminders due at `at` (due soon, overdue, escalated to the manager,
    /// before 视为默认), each queued once however many servers run this and however often.
    fn send_reminders(&self, at: &str) -> impl Future<Output = Result<ReminderRun>> + Send;
    /// A cycle's reminder days before a deadline and its escalation after so many days
    /// overdue: checked (errors name `remind_days` / `escalate_days`), audited old → new.
    fn set_cycle_reminders(
        &self,
        actor: &str,
        cycle_id: i64,
        days_before: &[i64],
        escalate_after: i64,
    ) -> impl Future<Output = Result<Cycle>> + Send;

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
    /// Edit a draft (refused once launched): checked as [`Store::create_cycle`] checks,
    /// names resolved to ids; audited old → new.
    fn update_cycle(
        &self,
        actor: &str,
        id: i64,
        c: &NewCycle,
    ) -> impl Future<Output = Result<Cycle>> + Send;
    /// Delete a draft (refused once launched); audited with what it was.
    fn delete_cycle(&self, actor: &str, id: i64) -> impl Future<Output = Result<()>> + Send;
    /// Who launching the draft would appraise, and their bonus bases, storing nothing (the
    /// same member resolution as [`Store::launch_cycle`]).
    fn launch_preview(&self, id: i64) -> impl Future<Output = Result<LaunchPreview>> + Send;
    /// A new draft like cycle `id` for the next period: the form's latest version, the
    /// same members, parameters and targets, due dates and the name moved on by a period.
    fn copy_cycle(&self, actor: &str, id: i64) -> impl Future<Output = Result<Cycle>> + Send;
    /// Cancel a launched cycle with a reason (required): its open tasks are closed, it
    /// reads as `cancelled`; refused once any appraisal was published or confirmed.
    fn cancel_cycle(
        &self,
        actor: &str,
        id: i64,
        reason: &str,
    ) -> impl Future<Output = Result<Cycle>> + Send;
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
    /// A cycle's appraisals `who` may see after the id `after` (keyset paging, ordered by
    /// id): at most `limit` (1–1,000) read, and the cursor of the next page (`None` at the
    /// end). The page may hold fewer than it read when some are not `who`'s to see.
    fn appraisals_after(
        &self,
        who: &User,
        cycle_id: i64,
        after: i64,
        limit: i64,
    ) -> impl Future<Output = Result<(Vec<Appraisal>, Option<i64>)>> + Send;
    /// What an import matches its rows against: a cycle's appraisals `who` may see after
    /// the id `after` (keyset, ordered by id), at most `limit` (1–1,000) read, each with only
    /// the stored values of `inputs` (not the results, notes or the other inputs), and the
    /// cursor of the next page (`None` at the end).
    fn import_targets(
        &self,
        who: &User,
        cycle_id: i64,
        after: i64,
        limit: i64,
        inputs: &[String],
    ) -> impl Future<Output = Result<(Vec<ImportTarget>, Option<i64>)>> + Send;
    /// Where a cycle's pages of `every` appraisals by id start: the id after which each page
    /// but the first begins (every `every`-th id), read from the index alone. Pages read
    /// by [`Store::import_targets`] from these cursors can be read at the same time.
    fn page_starts(
        &self,
        cycle_id: i64,
        every: i64,
    ) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// Enter values into one appraisal (only those `who` supplies at this stage).
    fn enter(
        &self,
        who: &User,
        id: i64,
        version: i64,
        values: &Values,
    ) -> impl Future<Output = Result<Appraisal>> + Send;
    /// Who signs each line of an appraisal's sheet (raters, reviewer, approver), from the
    /// audit log. The caller must already be allowed to see the appraisal.
    fn signers(&self, id: i64) -> impl Future<Output = Result<Vec<Signer>>> + Send;
    /// Who the peer raters of appraisal `id` are (同事评分) and whether each answered — never
    /// what: all of them for HR (to chase them), a peer's own line for that peer, refused
    /// (`Forbidden`; `NotFound` when the appraisal is not visible) for anyone else.
    fn peer_status(
        &self,
        who: &User,
        id: i64,
    ) -> impl Future<Output = Result<Vec<PeerStatus>>> + Send;
    /// A cycle and its form as it scores the cycle: the pinned version, compiled, with the
    /// cycle's grade bands when the sheet has none. Every caller that scores, shows or prints
    /// a cycle's appraisals takes the form from here.
    fn cycle_form(
        &self,
        cycle_id: i64,
    ) -> impl Future<Output = Result<(Cycle, kaohe_core::Template)>> + Send;
    /// Give a cycle grade bands because its form has none ([`parse_grade_bands`] reads them as
    /// people type them): checked, audited, and the cycle scored again with them.
    fn set_cycle_grades(
        &self,
        actor: &str,
        cycle_id: i64,
        bands: &[GradeBand],
    ) -> impl Future<Output = Result<Cycle>> + Send;
    /// HR corrects stored inputs in any state, with a reason (required): audited old → new
    /// with the reason, scored anew (peers too); the appraisal's version moves.
    fn correct(
        &self,
        who: &User,
        id: i64,
        version: i64,
        values: &Values,
        reason: &str,
    ) -> impl Future<Output = Result<Appraisal>> + Send;
    /// Enter data for many appraisees at once: one department's inputs (its clerk or HR),
    /// or with `dept_id` None any input (HR's import): all rows or none. From review on,
    /// HR's rows are corrections and need [`GridRow::reason`]; every written appraisal is
    /// scored anew in the same transaction.
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
    /// The ledger of every appraisee of a cycle at once, for the results workbook: of each
    /// appraisee's last 12 periods (as [`Store::ledger`]) those of `year` with figures shown,
    /// by 工号, each appraisee's entries in the ledger's order. One query, not one per person.
    fn cycle_ledger(
        &self,
        cycle_id: i64,
        year: &str,
    ) -> impl Future<Output = Result<Vec<(String, LedgerEntry)>>> + Send;
    /// A page of a cycle's results in appraisal order, paged in the database: after the
    /// appraisal id `after` (keyset, the API's cursor) or else from `page.offset`; only
    /// departments in `scope`; ranks within the whole group as [`Store::results`] gives them.
    fn results_after(
        &self,
        cycle_id: i64,
        scope: &policy::Scope,
        after: Option<i64>,
        page: Page,
    ) -> impl Future<Output = Result<ResultsSlice>> + Send;
    /// Hand the rating, review and approval work of `n.principal` to `n.delegate` for the
    /// days `n.from` … `n.to` (代理): by the principal, or HR for anyone; audited. Refused,
    /// naming the field: an unknown principal or delegate, a disabled delegate, oneself, a
    /// range that ends before it starts or in the past, a range overlapping another of the
    /// principal's delegations still in force.
    fn create_delegation(
        &self,
        who: &User,
        n: &NewDelegation,
    ) -> impl Future<Output = Result<Delegation>> + Send;
    /// `who`'s delegations, as principal and as delegate, newest first (HR: everyone's).
    fn delegations(&self, who: &User) -> impl Future<Output = Result<Vec<Delegation>>> + Send;
    /// End a delegation now (the principal or HR); audited.
    fn revoke_delegation(
        &self,
        who: &User,
        id: i64,
    ) -> impl Future<Output = Result<Delegation>> + Send;
    /// HR hands an open rating task to the employee `emp_no`: audited old → new; the new
    /// assignee has it in their 待办, the old one no longer.
    fn reassign_task(
        &self,
        who: &User,
        task_id: i64,
        emp_no: &str,
        reason: &str,
    ) -> impl Future<Output = Result<Task>> + Send;
    /// The confirmed appraisals of a cycle, for payroll.
    fn payroll(&self, cycle_id: i64) -> impl Future<Output = Result<Vec<PayrollRow>>> + Send;
    /// The explanation of every number of an appraisal (once its scores may be seen).
    fn explain(&self, who: &User, id: i64) -> impl Future<Output = Result<Explained>> + Send;
    /// What prints the filled forms of `ids` (appraisals of `cycle_id`, in that order): each
    /// one's engine row and its group's peer averages, gathered exactly as stored results
    /// are scored (the cycle's parameters, peers over the whole cycle, prior periods).
    /// Refused unless `who` sees each one's scores at its state.
    fn form_rows(
        &self,
        who: &User,
        cycle_id: i64,
        ids: &[i64],
    ) -> impl Future<Output = Result<Vec<FormRow>>> + Send;
    /// What the appraisal would show were `values` stored (live scores while rating):
    /// scored and explained as stored results are, nothing written. Refused to whoever
    /// does not see the scores at this state.
    fn preview(
        &self,
        who: &User,
        id: i64,
        values: &Values,
    ) -> impl Future<Output = Result<Preview>> + Send;
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
    /// The organisation as rows of the import file ([`ORG_HEADERS`]): the tree in reading
    /// order and every active employee (with their open 兼岗), so that importing them back
    /// changes nothing.
    fn org_export(&self) -> impl Future<Output = Result<Vec<OrgRow>>> + Send;
    /// An employee's posts, main and second, past and present, by start (`employee_posts`).
    fn posts(&self, emp_no: &str) -> impl Future<Output = Result<Vec<Post>>> + Send;
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
    /// A page of a cycle's 考核关系 (HR): its appraisees in 工号 order, each with their
    /// self-assessment and rating tasks — to whom assigned, done or not; for a draft, the
    /// raters a launch would assign and where each came from (rule, person named …).
    fn relations(
        &self,
        cycle_id: i64,
        page: Page,
    ) -> impl Future<Output = Result<Relations>> + Send;
    /// Set (or, with None, clear) the rater `rater` of appraisee `emp_no` on a draft cycle
    /// (`members.raters`), audited as the cycle's edit. HR over every department only.
    fn set_cycle_rater(
        &self,
        who: &User,
        cycle_id: i64,
        emp_no: &str,
        rater: &str,
        rater_emp_no: Option<&str>,
    ) -> impl Future<Output = Result<Cycle>> + Send;
    /// Import 考核关系 (rows of the export's layout): a draft's per-person raters, or a
    /// launched cycle's open tasks moved to the new raters (audited per task). All rows or
    /// none; refusals name row and column (`Rows`). HR over every department only.
    fn import_relations(
        &self,
        who: &User,
        cycle_id: i64,
        edits: &[RelationEdit],
    ) -> impl Future<Output = Result<RelationsImport>> + Send;
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
