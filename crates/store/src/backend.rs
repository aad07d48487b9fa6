//! The store: one type, [`Db`], over sqlx's `Any` driver, so the same code serves SQLite
//! and PostgreSQL. The SQL is written once (portable SQL with `$n` placeholders, numbered
//! in order of appearance so SQLite binds them the same way; decimals and times as TEXT).
//! What differs by backend — opening, migrations, how a write transaction takes the audit
//! lock, backups — is in the `dialect` section below, each a `match` on [`Backend`].
//! Two things the `Any` driver cannot carry are avoided in the SQL: SQLite's BOOLEAN
//! column type (`employees.active` is read as `CASE WHEN active THEN 1 ELSE 0 END`) and
//! PostgreSQL's NUMERIC (sums are cast to BIGINT).

use crate::*;
use sqlx::Row;
use std::collections::HashMap;

/// kaohe's storage, on SQLite or PostgreSQL as [`connect`]'s URL says.
///
/// Two pools: `reader` for reads and `writer` for writes. On a SQLite file they differ: WAL
/// readers (read-only connections, `PRAGMA query_only`) that never wait for a writer, and
/// one writer connection that every write transaction takes in turn (a write waits in a
/// fair queue, not in SQLite's busy loop, and gives up after [`WRITER_WAIT`] with
/// [`StoreError::DatabaseBusy`]). On PostgreSQL and an in-memory SQLite database both are
/// the same pool.
#[derive(Clone, Debug)]
pub struct Db {
    /// Reads.
    pub(crate) reader: sqlx::AnyPool,
    /// Writes: every write transaction ([`Db::begin_write`]) and single write statements.
    pub(crate) writer: sqlx::AnyPool,
    pub(crate) backend: Backend,
    pub(crate) audit_keys: AuditKeys,
    /// Each cycle's ranks within groups by appraisal id, with the audit head they were
    /// computed at (see `Db::cycle_ranks`).
    pub(crate) ranks: RankCache,
    /// The writer's group commit (`group.rs`); none for an in-memory SQLite database.
    pub(crate) group: Option<std::sync::Arc<crate::group::GroupCommit>>,
}

/// Ranks by appraisal id per cycle, stamped with the audit log's head.
pub(crate) type RankCache =
    std::sync::Arc<std::sync::Mutex<HashMap<i64, (i64, std::sync::Arc<CycleRanks>)>>>;

/// A cycle's ranks within groups by appraisal id, how many appraisals it has, its
/// appraisals in order of total and of rank, its grade counts and its counts by department
/// and state. Every change to a cycle's appraisals is audited, so all of it holds until the
/// audit log moves. The count spares PostgreSQL a `COUNT(*)` over the cycle on every page;
/// the orders spare a window over the cycle (by rank) and an index on the total, which
/// every write of new figures would have to update (see migration 0023); the counts spare
/// an index on the grade and PostgreSQL a pass over the cycle's index for the progress page.
#[derive(Debug, Default)]
pub(crate) struct CycleRanks {
    pub ranks: HashMap<i64, u32>,
    pub appraisals: i64,
    /// Highest total first, those without a total last, ties by 工号.
    pub by_total: Vec<Placed>,
    /// Best rank (1) first, those without a rank last, ties by 工号.
    pub by_rank: Vec<Placed>,
    /// Grade → how many appraisals have it, by grade (graded ones only).
    pub grades: Vec<(String, i64)>,
    /// (department, state) → how many appraisals (the progress page).
    pub by_department_state: std::collections::BTreeMap<(i64, String), i64>,
}

/// An appraisal's place in one of [`CycleRanks`]' orders: its key there (total or rank;
/// none for an appraisal without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placed {
    pub id: i64,
    pub department_id: i64,
    pub key: Option<rust_decimal::Decimal>,
}

impl CycleRanks {
    /// A row of results (`cycles::result_row`) with its appraisal's rank.
    pub fn result_row(&self, r: &sqlx::any::AnyRow) -> Result<crate::cycles::ResultRow> {
        let id: i64 = r.get("id");
        crate::cycles::result_row(r, self.ranks.get(&id).copied())
    }
}

/// An order of [`CycleRanks`] as kept, or with its keys the other way round; either way
/// those without a key come last and equal keys are in order of 工号.
pub(crate) fn in_order(
    list: &[Placed],
    reverse: bool,
) -> Box<dyn Iterator<Item = &Placed> + Send + '_> {
    let keyed = list.partition_point(|e| e.key.is_some());
    let (with, without) = list.split_at(keyed);
    if reverse {
        // The runs of equal keys in reverse, each run still in order of 工号.
        Box::new(
            with.chunk_by(|a, b| a.key == b.key)
                .rev()
                .flatten()
                .chain(without),
        )
    } else {
        Box::new(with.iter().chain(without))
    }
}

/// How SQLite makes a commit durable (`PRAGMA synchronous`), chosen at start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqliteSync {
    /// Every commit is on disk before it is reported (fsync of the WAL at each commit):
    /// nothing acknowledged is lost on a power cut. The default.
    #[default]
    Full,
    /// The WAL is synced at checkpoints only: faster commits, and the database stays
    /// consistent, but the last commits before a power cut or OS crash may be lost (not on
    /// a crash of kaohe alone).
    Normal,
}

impl SqliteSync {
    fn pragma(self) -> &'static str {
        match self {
            SqliteSync::Full => "FULL",
            SqliteSync::Normal => "NORMAL",
        }
    }
}

/// How to open the database (see [`connect_with`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct ConnectOptions {
    /// SQLite's `synchronous` for the writer.
    pub sqlite_sync: SqliteSync,
}

/// How long a write waits for the SQLite writer before [`StoreError::DatabaseBusy`].
pub const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// SQLite's page cache per reader connection, KiB.
pub const SQLITE_READER_CACHE_KIB: u64 = 2 * 1024;
/// SQLite's page cache of the writer, KiB (bulk rewrites of a whole cycle go through it).
pub const SQLITE_WRITER_CACHE_KIB: u64 = 8 * 1024;

/// PostgreSQL connections for reads.
pub const PG_READERS: u32 = 10;
/// A pooled connection idle at least this long is checked (a round trip) before it is used
/// again: one used a moment ago is not, which on PostgreSQL saved a round trip per query.
pub const PING_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

/// A pool's options: a connection handed out is checked only if it sat idle ([`PING_IDLE`]),
/// where sqlx would check every one (`test_before_acquire`) — a restarted server is still
/// noticed, and a connection that fails its check is replaced.
fn pool_options() -> sqlx::any::AnyPoolOptions {
    sqlx::any::AnyPoolOptions::new()
        .test_before_acquire(false)
        .before_acquire(|c, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_IDLE {
                    use sqlx::Connection;
                    c.ping().await?;
                }
                Ok(true)
            })
        })
}

/// PostgreSQL connections for writes.
pub const PG_WRITERS: u32 = 4;

/// Reader connections for a SQLite file: four per core (a connection's queries run on its
/// own thread, so a few more than the cores keep them busy), at least 4, at most 8.
pub fn sqlite_readers() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 4).clamp(4, 8) as u32
}

/// Open the database named by `url` (`sqlite://kaohe.db`, `sqlite::memory:`, `postgres://…`),
/// creating a SQLite file if needed. Migrations are not applied: call [`Store::migrate`].
pub async fn connect(url: &str) -> Result<Db> {
    connect_with(url, ConnectOptions::default()).await
}

/// [`connect`] with options.
pub async fn connect_with(url: &str, opts: ConnectOptions) -> Result<Db> {
    let backend = if url.starts_with("sqlite:") {
        Backend::Sqlite
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Backend::Postgres
    } else {
        return Err(StoreError::UnsupportedUrl(url.to_string()));
    };
    Db::open(backend, url, opts).await
}

// ---- dialect: everything that differs between SQLite and PostgreSQL ----

/// SQLite's settings, run on every new connection: WAL, foreign keys on, temporary tables in
/// memory; the busy timeout first (switching to WAL may wait for another connection), and
/// it still matters between processes (`kaohe import` beside `kaohe serve`).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA foreign_keys = ON; PRAGMA temp_store = memory;";

impl Db {
    async fn open(backend: Backend, url: &str, o: ConnectOptions) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let (reader, writer, grouped) = match backend {
            Backend::Sqlite => {
                let memory = url.contains(":memory:") || url.contains("mode=memory");
                if memory {
                    // An in-memory database lives in one connection, kept open.
                    let pragmas = format!(
                        "{SQLITE_PRAGMAS} PRAGMA synchronous = {}; PRAGMA cache_size = -{SQLITE_WRITER_CACHE_KIB};",
                        o.sqlite_sync.pragma()
                    );
                    let pool = pool_options()
                        .max_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                        .after_connect(move |c, _| {
                            let pragmas = pragmas.clone();
                            Box::pin(async move {
                                sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas))
                                    .execute(c)
                                    .await?;
                                Ok(())
                            })
                        })
                        .connect(url)
                        .await?;
                    (pool.clone(), pool, false)
                } else {
                    let url = sqlite_file_url(url)?;
                    // The writer first: it creates the file and switches it to WAL.
                    let w_pragmas = format!(
                        "{SQLITE_PRAGMAS} PRAGMA synchronous = {}; PRAGMA cache_size = -{SQLITE_WRITER_CACHE_KIB};",
                        o.sqlite_sync.pragma()
                    );
                    let writer = pool_options()
                        .max_connections(1)
                        .min_connections(1)
                        .acquire_timeout(WRITER_WAIT)
                        .idle_timeout(None)
                        .max_lifetime(None)
                        .after_connect(move |c, _| {
                            let pragmas = w_pragmas.clone();
                            Box::pin(async move {
                                sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas))
                                    .execute(c)
                                    .await?;
                                Ok(())
                            })
                        })
                        .connect(&url)
                        .await?;
                    let r_pragmas = format!(
                        "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA temp_store = memory; \
                         PRAGMA cache_size = -{SQLITE_READER_CACHE_KIB}; PRAGMA query_only = ON;"
                    );
                    let reader = pool_options()
                        .max_connections(sqlite_readers())
                        .after_connect(move |c, _| {
                            let pragmas = r_pragmas.clone();
                            Box::pin(async move {
                                sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas))
                                    .execute(c)
                                    .await?;
                                Ok(())
                            })
                        })
                        .connect(&url)
                        .await?;
                    (reader, writer, true)
                }
            }
            Backend::Postgres => {
                // Reads and writes on pools of their own: writes wait for one another (the
                // audit chain is appended in order), and while they wait they must not hold
                // every connection readers need.
                let reader = pool_options()
                    .max_connections(PG_READERS)
                    .connect(url)
                    .await?;
                let writer = pool_options()
                    .max_connections(PG_WRITERS)
                    .connect(url)
                    .await?;
                (reader, writer, true)
            }
        };
        Ok(Db {
            reader,
            writer,
            backend,
            audit_keys: AuditKeys::default(),
            ranks: RankCache::default(),
            group: grouped.then(Default::default),
        })
    }

    /// The pool that writes, for backups, benches and tests.
    pub fn pool(&self) -> &sqlx::AnyPool {
        &self.writer
    }

    /// After a bulk write on PostgreSQL (a launch, an organisation import), the planner's
    /// statistics as autovacuum would leave them some time later. Without them the next
    /// lookups by 工号 scan whole tables: a 100,000-row import right after a launch took
    /// minutes instead of seconds. A failure only costs speed: logged, not returned.
    pub(crate) async fn analyze(&self, statements: &[&'static str]) {
        if self.backend != Backend::Postgres {
            return;
        }
        for sql in statements {
            // Statistics only make the plans better: a failure leaves them as they were.
            let _ = sqlx::query(*sql).execute(&self.writer).await;
        }
    }

    /// Close both pools.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    async fn run_migrations(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.writer)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.writer)
                    .await?
            }
        }
        Ok(())
    }

    /// A write transaction that holds the write lock from the start, so audit entries
    /// chain one after another — also from another `kaohe serve` on the same database.
    /// A SQLite file and PostgreSQL: a write in the writer's group commit (`group.rs`, which
    /// takes the lock); in-memory SQLite (one connection): a plain `BEGIN IMMEDIATE`.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        match &self.group {
            Some(g) => g.begin(&self.writer).await,
            None => Ok(WriteTx::Plain(
                self.writer.begin_with("BEGIN IMMEDIATE").await?,
            )),
        }
    }

    /// A consistent copy of the live SQLite database into `path` (`VACUUM INTO`). A
    /// PostgreSQL database is backed up with its own tools (`pg_dump`).
    pub async fn backup(&self, path: &str) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::query("VACUUM INTO $1")
                    .bind(path)
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }
            Backend::Postgres => Err(StoreError::Invalid {
                field: "backup".into(),
                message: text!("backup-postgres"),
            }),
        }
    }
}

/// The URL of a SQLite file for the `Any` driver, which re-reads it as a generic URL (one
/// that refuses, say, a space in a relative file name): the file's absolute path,
/// percent-encoded, with the URL's parameters, and `mode=rwc` (create the file if needed)
/// unless they name a mode.
fn sqlite_file_url(url: &str) -> Result<String> {
    use std::str::FromStr;
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    let path = std::path::absolute(opts.get_filename()).map_err(sqlx::Error::Io)?;
    let mut out = String::from("sqlite://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/._-~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    match url.split_once('?').map(|(_, p)| p) {
        Some(p) if p.contains("mode=") => out.push_str(&format!("?{p}")),
        Some(p) if !p.is_empty() => out.push_str(&format!("?{p}&mode=rwc")),
        _ => out.push_str("?mode=rwc"),
    }
    Ok(out)
}

/// The backend of a connection (for code that holds a connection, not the store).
pub(crate) fn backend_of(c: &sqlx::AnyConnection) -> Backend {
    if c.backend_name() == "PostgreSQL" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// `SELECT` of `inner`'s rows as one JSON text, `[[col, …], …]` (`[]` when none), in
/// `inner`'s order: a page of a thousand rows comes through the driver as one value, not a
/// thousand rows of values each copied, converted and sent on their own.
pub(crate) fn rows_as_json(b: Backend, cols: &str, inner: &str) -> String {
    match b {
        Backend::Sqlite => {
            format!("SELECT json_group_array(json_array({cols})) AS rows FROM ({inner}) r")
        }
        Backend::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_array({cols})), '[]')::text AS rows FROM ({inner}) r"
        ),
    }
}

/// A column of [`rows_of`]: a value, or a text column that holds JSON (`inputs`).
pub(crate) enum Col<'a> {
    Value(&'a str),
    Json(&'a str),
}

/// [`rows_as_json`] for the columns one by one, each [`Col::Json`] column embedded as JSON
/// when `embed` (read with the page by [`crate::cycles::read_embedded`]) instead of its
/// text escaped into a JSON string, which would be read a second time. SQLite writes the
/// page by hand — each value quoted (`json_quote`), a JSON column as it is stored if it is
/// valid JSON (`json_valid`) and quoted if not — instead of through `json_array`, which parses
/// and writes out each embedded value once more. PostgreSQL casts the column (`::json`, read
/// as it is stored) and refuses the whole query if one row's text is not JSON: read such a
/// page again without `embed`, which names the row.
pub(crate) fn rows_of(b: Backend, cols: &[Col], embed: bool, inner: &str) -> String {
    match b {
        Backend::Sqlite => {
            let row = cols
                .iter()
                .map(|c| match c {
                    Col::Json(c) if embed => format!("iif(json_valid({c}), {c}, json_quote({c}))"),
                    Col::Value(c) | Col::Json(c) => format!("json_quote({c})"),
                })
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            format!(
                "SELECT '[' || COALESCE(group_concat('[' || {row} || ']', ','), '') || ']' AS rows \
                 FROM ({inner}) r"
            )
        }
        Backend::Postgres => {
            let cols = cols
                .iter()
                .map(|c| match c {
                    Col::Json(c) if embed => format!("{c}::json"),
                    Col::Value(c) | Col::Json(c) => c.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            rows_as_json(b, &cols, inner)
        }
    }
}

/// A query built piece by piece with `$n` placeholders, which both SQLite and PostgreSQL
/// read (sqlx's `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL refuses).
pub(crate) struct SqlBuilder {
    sql: String,
    args: sqlx::any::AnyArguments,
}

impl SqlBuilder {
    pub(crate) fn new(sql: impl Into<String>) -> Self {
        SqlBuilder {
            sql: sql.into(),
            args: Default::default(),
        }
    }

    /// Append SQL text.
    pub(crate) fn push(&mut self, sql: impl std::fmt::Display) -> &mut Self {
        use std::fmt::Write;
        let _ = write!(self.sql, "{sql}");
        self
    }

    /// Append a placeholder for `value`.
    pub(crate) fn push_bind<'t, T>(&mut self, value: T) -> &mut Self
    where
        T: sqlx::Encode<'t, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        use sqlx::Arguments;
        // As sqlx's QueryBuilder: the types bound here (integers, text) always encode.
        self.args.add(value).expect("Failed to add argument");
        let n = self.args.len();
        self.push(format_args!("${n}"))
    }

    /// Bind `value` and answer its placeholder (`$n`), for SQL written elsewhere.
    pub(crate) fn arg<'t, T>(&mut self, value: T) -> String
    where
        T: sqlx::Encode<'t, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        use sqlx::Arguments;
        self.args.add(value).expect("Failed to add argument");
        format!("${}", self.args.len())
    }

    /// ` IN (-1, $a, $b …)`: a list of ids (never empty SQL, whatever the list).
    pub(crate) fn push_ids(&mut self, ids: &[i64]) -> &mut Self {
        self.push(" IN (-1");
        for id in ids {
            self.push(", ").push_bind(*id);
        }
        self.push(")")
    }

    /// ` LIMIT $n OFFSET $m` for a page (at most 1,000 rows).
    pub(crate) fn push_page(&mut self, page: Page) -> &mut Self {
        self.push(" LIMIT ")
            .push_bind(page.limit.clamp(1, 1000))
            .push(" OFFSET ")
            .push_bind(page.offset.max(0))
    }

    /// The query, ready to run (the builder is left empty).
    pub(crate) fn build(
        &mut self,
    ) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
        let sql = std::mem::take(&mut self.sql);
        sqlx::query_with(sqlx::AssertSqlSafe(sql), std::mem::take(&mut self.args))
    }
}

/// An active person's post (main or second) as the organisation export writes it, from the
/// columns `id, emp_no, name, department_id, position, sup_no` (the people search reads the
/// same columns and adds the supervisor's name and whether the person is active).
fn export_post(r: &sqlx::any::AnyRow) -> OrgEmployee {
    OrgEmployee {
        id: r.get("id"),
        emp_no: r.get("emp_no"),
        name: r.get("name"),
        department_id: r.get("department_id"),
        position: r.get("position"),
        supervisor_emp_no: r.get("sup_no"),
        supervisor_name: None,
        active: true,
        second_posts: Vec::new(),
    }
}

/// Rows written at once after which PostgreSQL's statistics are refreshed ([`Db::analyze`]).
pub(crate) const ANALYZE_AFTER: usize = 1_000;

/// A department with its place in the tree and its head, as [`dept_from_row`] reads it.
pub(crate) const DEPT_SELECT: &str = "SELECT d.id, d.code, d.name, d.kind, d.parent_id, d.unit, h.emp_no AS head_no, h.name AS head_name \
     FROM departments d LEFT JOIN employees h ON h.id = d.head_id";

/// A row of [`DEPT_SELECT`]; a kind or unit that cannot be read is `Corrupt`.
pub(crate) fn dept_from_row(r: &sqlx::any::AnyRow) -> Result<Department> {
    let id: i64 = r.get("id");
    let corrupt = |column| StoreError::Corrupt {
        table: "departments",
        id,
        column,
    };
    let unit = match r.get::<Option<String>, _>("unit") {
        None => None,
        Some(u) => Some(crate::org::Unit::parse(&u).ok_or_else(|| corrupt("unit"))?),
    };
    let head = match (
        r.get::<Option<String>, _>("head_no"),
        r.get::<Option<String>, _>("head_name"),
    ) {
        (Some(no), Some(name)) => Some((no, name)),
        _ => None,
    };
    Ok(Department {
        id,
        code: r.get("code"),
        name: r.get("name"),
        kind: DeptKind::parse(&r.get::<String, _>("kind")).ok_or_else(|| corrupt("kind"))?,
        parent_id: r.get("parent_id"),
        unit,
        head,
    })
}

/// Every department's name by id.
pub(crate) async fn department_names(c: &mut sqlx::AnyConnection) -> Result<HashMap<i64, String>> {
    Ok(sqlx::query("SELECT id, name FROM departments")
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("name")))
        .collect())
}

/// The departments by id (for naming them), once every department a grant names is
/// known to exist; a grant for an unknown department is `NotFound` naming it.
pub(crate) async fn grant_departments(
    c: &mut sqlx::AnyConnection,
    grants: &[Grant],
) -> Result<HashMap<i64, String>> {
    let depts = department_names(c).await?;
    if let Some(d) = grants
        .iter()
        .filter_map(|g| g.department_id)
        .find(|d| !depts.contains_key(d))
    {
        return Err(StoreError::NotFound {
            what: crate::Thing::Department,
            key: d.to_string(),
        });
    }
    Ok(depts)
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

// ---- the operations, the same SQL for both ----

impl Db {
    /// The keys the audit log is MAC'd and verified with, newest first.
    pub fn set_audit_keys(&mut self, keys: AuditKeys) {
        self.audit_keys = keys;
    }

    pub(crate) async fn append_audit(&self, tx: &mut WriteTx, e: &NewAudit) -> Result<AuditEntry> {
        let prev = Self::audit_head(tx, &self.audit_keys).await?;
        let at = now();
        let (hash, key_id) = crate::audit::entry_hash(&self.audit_keys, &prev, &at, e);
        let row = sqlx::query(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, old_value, new_value, reason, prev_hash, hash, key_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.entity)
        .bind(&e.entity_id)
        .bind(&e.old_value)
        .bind(&e.new_value)
        .bind(&e.reason)
        .bind(&prev)
        .bind(&hash)
        .bind(&key_id)
        .fetch_one(&mut **tx)
        .await?;
        let id: i64 = row.get("id");
        if let Some(k) = self.audit_keys.current()
            && id % CHECKPOINT_EVERY == 0
        {
            Self::write_checkpoint(tx, k).await?;
        }
        tx.set_audit_head(hash.clone());
        Ok(AuditEntry {
            id,
            at,
            actor: e.actor.clone(),
            action: e.action.clone(),
            entity: e.entity.clone(),
            entity_id: e.entity_id.clone(),
            old_value: e.old_value.clone(),
            new_value: e.new_value.clone(),
            reason: e.reason.clone(),
            prev_hash: prev,
            hash,
        })
    }

    /// The hash the next audit entry of `tx` links to: as an earlier write of its group
    /// left it, else read from the table.
    pub(crate) async fn audit_head(tx: &mut WriteTx, keys: &AuditKeys) -> Result<String> {
        match tx.audit_head() {
            Some(h) => Ok(h),
            None => Self::read_audit_head(tx, keys).await,
        }
    }

    /// The hash the next audit entry links to, read from the table. Refuses to append
    /// without a key after an entry made with one: that entry would look like a rewrite to
    /// `verify`.
    async fn read_audit_head(c: &mut sqlx::AnyConnection, keys: &AuditKeys) -> Result<String> {
        let Some(r) = sqlx::query("SELECT hash, key_id FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *c)
            .await?
        else {
            return Ok(GENESIS.to_string());
        };
        if keys.is_empty()
            && let Some(k) = r.get::<Option<String>, _>("key_id")
        {
            return Err(StoreError::Invalid {
                field: "KAOHE_AUDIT_KEY".into(),
                message: text!("audit-key-needed", key = k),
            });
        }
        Ok(r.get("hash"))
    }

    /// Store a checkpoint of the chain's head, MAC'd with `key` (in the caller's write
    /// transaction, so the head cannot move meanwhile).
    pub(crate) async fn write_checkpoint(
        c: &mut sqlx::AnyConnection,
        key: &AuditKey,
    ) -> Result<Option<AuditCheckpoint>> {
        let Some(head) = sqlx::query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *c)
            .await?
        else {
            return Ok(None);
        };
        let (last_id, last_hash): (i64, String) = (head.get("id"), head.get("hash"));
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&mut *c)
            .await?;
        let at = now();
        let mac = checkpoint_mac(key, &at, last_id, &last_hash, count);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_checkpoints (at, last_id, last_hash, count, mac, key_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&at)
        .bind(last_id)
        .bind(&last_hash)
        .bind(count)
        .bind(&mac)
        .bind(key.id())
        .fetch_one(&mut *c)
        .await?;
        Ok(Some(AuditCheckpoint {
            id,
            at,
            last_id,
            last_hash,
            count,
            mac,
            key_id: key.id().to_string(),
        }))
    }

    /// Check the chain and the checkpoints with the store's keys.
    async fn audit_report_impl(&self) -> Result<AuditReport> {
        let keys = &self.audit_keys;
        let mut missing = std::collections::BTreeSet::new();
        let mut report = AuditReport {
            check: AuditCheck::Intact { entries: 0 },
            entries: 0,
            keys: keys.list().iter().map(|k| k.id().to_string()).collect(),
            plain: 0,
            keyed: 0,
            unchecked: 0,
            first_unchecked: None,
            missing_keys: Vec::new(),
            checkpoints: 0,
            latest_checkpoint: None,
        };
        // The checkpoints: each MAC checked with its key (if given); by entry id.
        let cps = sqlx::query("SELECT id, at, last_id, last_hash, count, mac, key_id FROM audit_checkpoints ORDER BY id")
            .fetch_all(&self.reader)
            .await?;
        let mut bad_checkpoint = None;
        let mut at_entry: HashMap<i64, (i64, String)> = HashMap::new();
        let mut furthest: Option<(i64, i64, i64)> = None; // (checkpoint, last_id, count)
        for r in &cps {
            let (id, last_id, count): (i64, i64, i64) =
                (r.get("id"), r.get("last_id"), r.get("count"));
            let (at, last_hash, mac, key_id): (String, String, String, String) = (
                r.get("at"),
                r.get("last_hash"),
                r.get("mac"),
                r.get("key_id"),
            );
            match keys.get(&key_id) {
                Some(k) => {
                    if checkpoint_mac(k, &at, last_id, &last_hash, count) != mac {
                        bad_checkpoint.get_or_insert(id);
                        continue;
                    }
                }
                None => {
                    missing.insert(key_id);
                }
            }
            at_entry.insert(last_id, (id, last_hash));
            if furthest.is_none_or(|(_, l, c)| last_id > l || (last_id == l && count > c)) {
                furthest = Some((id, last_id, count));
            }
            report.checkpoints += 1;
            report.latest_checkpoint = Some((id, last_id));
        }
        let mut prev = GENESIS.to_string();
        let mut after = 0;
        let mut seen_keyed = false;
        let mut broken = None;
        'walk: loop {
            let batch = sqlx::query(
                "SELECT id, at, actor, action, entity, entity_id, old_value, new_value, reason, prev_hash, hash, key_id \
                 FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000",
            )
            .bind(after)
            .fetch_all(&self.reader)
            .await?;
            if batch.is_empty() {
                break;
            }
            for r in &batch {
                let id: i64 = r.get("id");
                after = id;
                let (at, prev_hash, hash): (String, String, String) =
                    (r.get("at"), r.get("prev_hash"), r.get("hash"));
                let key_id: Option<String> = r.get("key_id");
                if prev_hash != prev {
                    broken = Some((
                        id,
                        "与前一条记录的链接不符 / does not link to the entry before".to_string(),
                    ));
                    break 'walk;
                }
                let e = NewAudit {
                    actor: r.get("actor"),
                    action: r.get("action"),
                    entity: r.get("entity"),
                    entity_id: r.get("entity_id"),
                    old_value: r.get("old_value"),
                    new_value: r.get("new_value"),
                    reason: r.get("reason"),
                };
                match key_id {
                    None => {
                        if seen_keyed {
                            // kaohe does not write without a key after a keyed entry.
                            broken = Some((id, "在有密钥的记录之后却没有密钥: 被改写 / without a key after keyed entries: rewritten".to_string()));
                            break 'walk;
                        }
                        if audit_hash(&prev, &at, &e) != hash {
                            broken = Some((
                                id,
                                "内容与哈希不符 / content does not match its hash".to_string(),
                            ));
                            break 'walk;
                        }
                        report.plain += 1;
                    }
                    Some(k) => {
                        seen_keyed = true;
                        match keys.get(&k) {
                            Some(key) => {
                                if audit_mac(key, &prev, &at, &e) != hash {
                                    broken = Some((
                                        id,
                                        format!(
                                            "内容与密钥 {k} 的 MAC 不符 / content does not match its MAC (key {k})"
                                        ),
                                    ));
                                    break 'walk;
                                }
                                report.keyed += 1;
                            }
                            None => {
                                report.unchecked += 1;
                                report.first_unchecked.get_or_insert(id);
                                missing.insert(k);
                            }
                        }
                    }
                }
                if let Some((cp, h)) = at_entry.remove(&id)
                    && h != hash
                {
                    broken = Some((
                        id,
                        format!("与检查点 {cp} 不符 / does not match checkpoint {cp}"),
                    ));
                    break 'walk;
                }
                prev = hash;
                report.entries += 1;
            }
        }
        report.missing_keys = missing.into_iter().collect();
        let ends_at = after;
        report.check = if let Some((id, reason)) = broken {
            AuditCheck::Broken { id, reason }
        } else if let Some(id) = bad_checkpoint {
            AuditCheck::BadCheckpoint { id }
        } else if let Some((checkpoint, at_entry_id, count)) =
            furthest.filter(|&(_, l, c)| l > ends_at || c > report.entries)
        {
            AuditCheck::Truncated {
                checkpoint,
                at_entry: at_entry_id,
                count,
                ends_at,
                entries: report.entries,
            }
        } else if let Some((&id, &(cp, _))) = at_entry.iter().min_by_key(|(id, _)| **id) {
            // A checkpoint names an entry within the log that is not there.
            AuditCheck::Broken {
                id,
                reason: format!(
                    "检查点 {cp} 记录的条目不存在 / the entry checkpoint {cp} names is missing"
                ),
            }
        } else {
            AuditCheck::Intact {
                entries: report.entries,
            }
        };
        Ok(report)
    }

    /// An organisation import, committed or (a check) rolled back.
    async fn import_org_run(
        &self,
        actor: &str,
        rows: &[OrgRow],
        commit: bool,
    ) -> Result<ImportSummary> {
        // Check every row first; nothing is written unless all are good.
        let mut problems = Vec::new();
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let kinds = crate::org::row_kinds(rows, &mut problems);
        for (r, kind) in rows.iter().zip(&kinds) {
            // 工号 and 姓名 both empty: a row that only describes a department.
            let dept_only = r.emp_no.trim().is_empty() && r.name.trim().is_empty();
            // A 兼岗 row repeats its employee's 工号 (checked with the posts); a row whose
            // 岗位类型 is none is refused for that alone.
            let second = *kind != Some(crate::org::PostKind::Main);
            if r.emp_no.trim().is_empty() {
                if !dept_only || *kind == Some(crate::org::PostKind::Second) {
                    problems.push((r.line, "工号 emp_no".to_string(), text!("field-empty")));
                }
            } else if !second && let Some(first) = seen.insert(r.emp_no.trim(), r.line) {
                problems.push((
                    r.line,
                    "工号 emp_no".to_string(),
                    text!("org-repeats", value = r.emp_no, first = first),
                ));
            }
            if r.name.trim().is_empty() && !dept_only && !second {
                problems.push((r.line, "姓名 name".to_string(), text!("field-empty")));
            }
            if r.dept_code.trim().is_empty() {
                problems.push((
                    r.line,
                    "部门编码 dept_code".to_string(),
                    text!("field-empty"),
                ));
            }
            if DeptKind::parse(&r.dept_kind).is_none() {
                problems.push((
                    r.line,
                    "部门类型 dept_kind".to_string(),
                    text!("org-dept-kind", value = r.dept_kind),
                ));
            }
        }
        let mut tx = self.begin_write().await?;
        for r in rows {
            let sup = r.supervisor_emp_no.trim();
            if !sup.is_empty() && !seen.contains_key(sup) {
                let exists = sqlx::query("SELECT id FROM employees WHERE emp_no = $1")
                    .bind(sup)
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                if !exists {
                    problems.push((
                        r.line,
                        "直接上级工号 supervisor".to_string(),
                        text!("org-no-supervisor", value = sup),
                    ));
                }
            }
            if sup == r.emp_no.trim() && !sup.is_empty() {
                problems.push((
                    r.line,
                    "直接上级工号 supervisor".to_string(),
                    text!("org-self-supervisor"),
                ));
            }
        }
        let tree = crate::org::check_tree(&mut tx, rows, &seen, &mut problems).await?;
        let today = crate::org::parse_date(&crate::delegation::today())
            .unwrap_or(time::OffsetDateTime::now_utc().date());
        let posts =
            crate::org::check_posts(&mut tx, actor, rows, &kinds, today, &mut problems).await?;
        if !problems.is_empty() {
            problems.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            return Err(StoreError::Rows(problems));
        }
        let mut sum = ImportSummary::default();
        // Departments and positions: few, one statement each.
        let mut seen_dept = std::collections::HashSet::new();
        let mut seen_pos = std::collections::HashSet::new();
        for r in rows {
            if seen_dept.insert(r.dept_code.trim()) {
                let kind = DeptKind::parse(&r.dept_kind).unwrap_or(DeptKind::Line);
                let name = if r.dept_name.trim().is_empty() {
                    r.dept_code.trim()
                } else {
                    r.dept_name.trim()
                };
                let added = sqlx::query("INSERT INTO departments (code, name, kind, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING")
                    .bind(r.dept_code.trim())
                    .bind(name)
                    .bind(kind.as_str())
                    .bind(now())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sum.departments_added += added as usize;
            }
            if !r.position.trim().is_empty() && seen_pos.insert(r.position.trim()) {
                let added = sqlx::query("INSERT INTO positions (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING")
                    .bind(r.position.trim())
                    .bind(r.position.trim())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sum.positions_added += added as usize;
            }
        }
        // Department-only rows have done their part; 兼岗 rows are posts only.
        let emp_rows: Vec<OrgRow> = rows
            .iter()
            .zip(&kinds)
            .filter(|(r, k)| !r.emp_no.trim().is_empty() && **k == Some(crate::org::PostKind::Main))
            .map(|(r, _)| r.clone())
            .collect();
        let rows = &emp_rows[..];
        let ids =
            |rows: Vec<sqlx::any::AnyRow>, key: &str| -> std::collections::HashMap<String, i64> {
                rows.iter()
                    .map(|r| (r.get::<String, _>(key), r.get::<i64, _>("id")))
                    .collect()
            };
        let dept_ids = ids(
            sqlx::query("SELECT id, code FROM departments")
                .fetch_all(&mut *tx)
                .await?,
            "code",
        );
        let pos_ids = ids(
            sqlx::query("SELECT id, code FROM positions")
                .fetch_all(&mut *tx)
                .await?,
            "code",
        );
        let existing = ids(
            sqlx::query("SELECT id, emp_no FROM employees")
                .fetch_all(&mut *tx)
                .await?,
            "emp_no",
        );
        // What each known employee is now, to audit every change old → new.
        let before: std::collections::HashMap<String, std::collections::BTreeMap<&str, String>> =
            sqlx::query(
                "SELECT e.emp_no, e.name, d.code AS dept, p.code AS pos, s.emp_no AS sup FROM employees e \
                 JOIN departments d ON d.id = e.department_id LEFT JOIN positions p ON p.id = e.position_id \
                 LEFT JOIN employees s ON s.id = e.supervisor_id",
            )
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| {
                let mut m = std::collections::BTreeMap::new();
                m.insert("姓名 name", r.get::<String, _>("name"));
                m.insert("部门 department", r.get::<String, _>("dept"));
                m.insert(
                    "岗位 position",
                    r.get::<Option<String>, _>("pos").unwrap_or_default(),
                );
                m.insert(
                    "直接上级 supervisor",
                    r.get::<Option<String>, _>("sup").unwrap_or_default(),
                );
                (r.get::<String, _>("emp_no"), m)
            })
            .collect();
        let after = |r: &OrgRow| {
            let mut m = std::collections::BTreeMap::new();
            m.insert("姓名 name", r.name.trim().to_string());
            m.insert("部门 department", r.dept_code.trim().to_string());
            m.insert("岗位 position", r.position.trim().to_string());
            m.insert(
                "直接上级 supervisor",
                r.supervisor_emp_no.trim().to_string(),
            );
            m
        };
        let mut changes: Vec<NewAudit> = Vec::new();
        for r in rows {
            let now = after(r);
            match before.get(r.emp_no.trim()) {
                None => changes.push(NewAudit {
                    actor: actor.into(),
                    action: "employee.add".into(),
                    entity: "employee".into(),
                    entity_id: r.emp_no.trim().to_string(),
                    new_value: serde_json::to_string(&now).ok(),
                    ..Default::default()
                }),
                Some(was) => {
                    // A supervisor left empty in the file keeps the one stored.
                    let diff: Vec<&str> = now
                        .iter()
                        .filter(|(k, v)| {
                            !(*k == &"直接上级 supervisor" && v.is_empty())
                                && was.get(*k) != Some(v)
                        })
                        .map(|(k, _)| *k)
                        .collect();
                    if diff.is_empty() {
                        continue;
                    }
                    let pick = |m: &std::collections::BTreeMap<&str, String>| {
                        let part: std::collections::BTreeMap<&str, &String> = diff
                            .iter()
                            .filter_map(|k| m.get(k).map(|v| (*k, v)))
                            .collect();
                        serde_json::to_string(&part).ok()
                    };
                    changes.push(NewAudit {
                        actor: actor.into(),
                        action: "employee.change".into(),
                        entity: "employee".into(),
                        entity_id: r.emp_no.trim().to_string(),
                        old_value: pick(was),
                        new_value: pick(&now),
                        ..Default::default()
                    });
                }
            }
        }
        // Employees: new ones inserted, known ones updated, each in one bulk write.
        let (old, new): (Vec<&OrgRow>, Vec<&OrgRow>) = rows
            .iter()
            .partition(|r| existing.contains_key(r.emp_no.trim()));
        let pos = |r: &OrgRow| (!r.position.trim().is_empty()).then(|| pos_ids[r.position.trim()]);
        use crate::bulk::{Bulk, BulkCol};
        tx.bulk_insert(
            "employees",
            &["emp_no", "name", "department_id", "position_id"],
            vec![
                BulkCol::Text(
                    new.iter()
                        .map(|r| Some(r.emp_no.trim().to_string()))
                        .collect(),
                ),
                BulkCol::Text(
                    new.iter()
                        .map(|r| Some(r.name.trim().to_string()))
                        .collect(),
                ),
                BulkCol::Int(
                    new.iter()
                        .map(|r| Some(dept_ids[r.dept_code.trim()]))
                        .collect(),
                ),
                BulkCol::Int(new.iter().map(|r| pos(r)).collect()),
            ],
        )
        .await?;
        tx.bulk_update(
            "employees",
            &old.iter()
                .map(|r| existing[r.emp_no.trim()])
                .collect::<Vec<_>>(),
            &["name", "department_id", "position_id"],
            vec![
                BulkCol::Text(
                    old.iter()
                        .map(|r| Some(r.name.trim().to_string()))
                        .collect(),
                ),
                BulkCol::Int(
                    old.iter()
                        .map(|r| Some(dept_ids[r.dept_code.trim()]))
                        .collect(),
                ),
                BulkCol::Int(old.iter().map(|r| pos(r)).collect()),
            ],
            ", active = TRUE",
        )
        .await?;
        sum.employees_added = new.len();
        sum.employees_updated = old.len();
        // Reporting lines, once everyone exists.
        let all = ids(
            sqlx::query("SELECT id, emp_no FROM employees")
                .fetch_all(&mut *tx)
                .await?,
            "emp_no",
        );
        let with_sup: Vec<&OrgRow> = rows
            .iter()
            .filter(|r| !r.supervisor_emp_no.trim().is_empty())
            .collect();
        tx.bulk_update(
            "employees",
            &with_sup
                .iter()
                .map(|r| all[r.emp_no.trim()])
                .collect::<Vec<_>>(),
            &["supervisor_id"],
            vec![BulkCol::Int(
                with_sup
                    .iter()
                    .map(|r| Some(all[r.supervisor_emp_no.trim()]))
                    .collect(),
            )],
            "",
        )
        .await?;
        // The posts (effective-dated), and the tree, once every department and employee exists.
        crate::org::write_posts(&mut tx, &posts).await?;
        changes.extend(posts.audits().iter().cloned());
        changes.extend(crate::org::write_tree(&mut tx, actor, &tree).await?);
        self.append_audits(&mut tx, &changes).await?;
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: actor.into(),
                action: "org.import".into(),
                entity: "organisation".into(),
                entity_id: "-".into(),
                new_value: Some(format!(
                    "departments +{}, positions +{}, employees +{} ~{}",
                    sum.departments_added,
                    sum.positions_added,
                    sum.employees_added,
                    sum.employees_updated
                )),
                ..Default::default()
            },
        )
        .await?;
        if commit {
            tx.commit().await?;
            if rows.len() >= ANALYZE_AFTER {
                self.analyze(&["ANALYZE employees", "ANALYZE departments"])
                    .await;
            }
        } else {
            tx.rollback().await?;
        }
        Ok(sum)
    }

    pub(crate) async fn load_user(&self, id: i64) -> Result<Option<User>> {
        let mut c = self.reader.acquire().await?;
        Self::load_user_on(&mut c, id).await
    }

    /// [`Self::load_user`] on a given connection (inside a write transaction).
    pub(crate) async fn load_user_on(c: &mut sqlx::AnyConnection, id: i64) -> Result<Option<User>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u LEFT JOIN user_roles g ON g.user_id = u.id \
             WHERE u.id = $1 ORDER BY g.role"
        )))
        .bind(id)
        .fetch_all(&mut *c)
        .await?;
        Self::user_from_rows(c, &rows).await
    }

    /// A user from the rows of a query selecting [`USER_COLUMNS`] (a row per grant, or one
    /// row with no role): one round trip for the account and its grants, a second only when
    /// a grant is scoped to a department (its subtree is resolved here).
    pub(crate) async fn user_from_rows(
        c: &mut sqlx::AnyConnection,
        rows: &[sqlx::any::AnyRow],
    ) -> Result<Option<User>> {
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let id: i64 = r.get("id");
        let mut grants = Vec::new();
        for g in rows {
            let Some(role) = g.get::<Option<String>, _>("role") else {
                continue;
            };
            grants.push(Grant {
                role: Role::parse(&role).ok_or(StoreError::Corrupt {
                    table: "user_roles",
                    id,
                    column: "role",
                })?,
                department_id: g.get("department_id"),
            });
        }
        // A department grant reaches the department's whole subtree (`UNION`: a loop, which
        // the import refuses, would still end).
        let mut reach: Vec<Grant> = grants
            .iter()
            .filter(|g| g.department_id.is_none())
            .cloned()
            .collect();
        if reach.len() < grants.len() {
            for g in sqlx::query(
                "WITH RECURSIVE reach (role, id) AS ( \
                   SELECT role, department_id FROM user_roles WHERE user_id = $1 AND department_id IS NOT NULL \
                   UNION SELECT r.role, d.id FROM departments d JOIN reach r ON d.parent_id = r.id) \
                 SELECT role, id FROM reach ORDER BY role, id",
            )
            .bind(id)
            .fetch_all(&mut *c)
            .await?
            {
                let role = Role::parse(&g.get::<String, _>("role")).ok_or(StoreError::Corrupt {
                    table: "user_roles",
                    id,
                    column: "role",
                })?;
                reach.push(Grant {
                    role,
                    department_id: Some(g.get("id")),
                });
            }
        }
        Ok(Some(User {
            id,
            username: r.get("username"),
            employee_id: r.get("employee_id"),
            lang: r.get("lang"),
            reach,
            grants,
            disabled: r.get::<i64, _>("disabled") != 0,
            code_pending: r.get::<i64, _>("code_pending") != 0,
        }))
    }
}

/// The columns [`Db::user_from_rows`] reads: the account (`u`) and one grant (`g`, joined
/// on the left).
pub(crate) const USER_COLUMNS: &str = "u.id, u.username, u.employee_id, u.lang, \
    CASE WHEN u.disabled THEN 1 ELSE 0 END AS disabled, \
    CASE WHEN u.code_hash IS NULL THEN 0 ELSE 1 END AS code_pending, g.role, g.department_id";

impl Store for Db {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<()> {
        self.run_migrations().await
    }

    async fn create_department(&self, actor: &str, d: &NewDepartment) -> Result<Department> {
        if d.code.trim().is_empty() || d.name.trim().is_empty() {
            return Err(StoreError::Invalid {
                field: "code / name".into(),
                message: text!("department-empty"),
            });
        }
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("INSERT INTO departments (code, name, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(d.code.trim())
            .bind(d.name.trim())
            .bind(d.kind.as_str())
            .bind(now())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict { what: crate::Thing::Department, key: d.code.clone() } } else { e.into() })?;
        let id: i64 = row.get("id");
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: actor.into(),
                action: "department.create".into(),
                entity: "department".into(),
                entity_id: d.code.clone(),
                new_value: Some(format!("{} ({})", d.name, d.kind.as_str())),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Department {
            id,
            code: d.code.trim().into(),
            name: d.name.trim().into(),
            kind: d.kind,
            parent_id: None,
            unit: None,
            head: None,
        })
    }

    async fn departments(&self) -> Result<Vec<Department>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{DEPT_SELECT} ORDER BY d.code"
        )))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(dept_from_row).collect()
    }

    async fn org_export(&self) -> Result<Vec<OrgRow>> {
        let depts = self.departments().await?;
        let employees: Vec<OrgEmployee> = sqlx::query(
            "SELECT e.id, e.emp_no, e.name, e.department_id, p.code AS position, s.emp_no AS sup_no \
             FROM employees e LEFT JOIN positions p ON p.id = e.position_id LEFT JOIN employees s ON s.id = e.supervisor_id \
             WHERE e.active ORDER BY e.emp_no",
        )
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(export_post)
        .collect();
        let seconds: Vec<OrgEmployee> = sqlx::query(
            "SELECT e.id, e.emp_no, e.name, pp.department_id, p.code AS position, s.emp_no AS sup_no \
             FROM employee_posts pp JOIN employees e ON e.id = pp.employee_id LEFT JOIN positions p ON p.id = pp.position_id \
             LEFT JOIN employees s ON s.id = pp.supervisor_id \
             WHERE pp.kind = 'second' AND pp.to_date IS NULL AND e.active ORDER BY e.emp_no, pp.id",
        )
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(export_post)
        .collect();
        Ok(crate::org::export_rows(&depts, &employees, &seconds))
    }

    async fn posts(&self, emp_no: &str) -> Result<Vec<crate::Post>> {
        sqlx::query(
            "SELECT pp.id, pp.kind, pp.department_id, d.code AS dept, p.code AS pos, s.emp_no AS sup, pp.from_date, pp.to_date \
             FROM employee_posts pp JOIN employees e ON e.id = pp.employee_id JOIN departments d ON d.id = pp.department_id \
             LEFT JOIN positions p ON p.id = pp.position_id LEFT JOIN employees s ON s.id = pp.supervisor_id \
             WHERE e.emp_no = $1 ORDER BY COALESCE(pp.from_date, ''), pp.id",
        )
        .bind(emp_no)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| {
            Ok(crate::Post {
                kind: crate::PostKind::parse(&r.get::<String, _>("kind")).ok_or(
                    StoreError::Corrupt {
                        table: "employee_posts",
                        id: r.get("id"),
                        column: "kind",
                    },
                )?,
                department_id: r.get("department_id"),
                department: r.get("dept"),
                position: r.get("pos"),
                supervisor_emp_no: r.get("sup"),
                from: r.get("from_date"),
                to: r.get("to_date"),
            })
        })
        .collect()
    }

    async fn import_org(&self, actor: &str, rows: &[OrgRow]) -> Result<ImportSummary> {
        self.import_org_run(actor, rows, true).await
    }

    async fn employee(&self, emp_no: &str) -> Result<Option<Employee>> {
        let r = sqlx::query("SELECT id, emp_no, name, department_id, position_id, supervisor_id, CASE WHEN active THEN 1 ELSE 0 END AS active FROM employees WHERE emp_no = $1")
            .bind(emp_no)
            .fetch_optional(&self.reader)
            .await?;
        Ok(r.map(|r| Employee {
            id: r.get("id"),
            emp_no: r.get("emp_no"),
            name: r.get("name"),
            department_id: r.get("department_id"),
            position_id: r.get("position_id"),
            supervisor_id: r.get("supervisor_id"),
            active: r.get::<i64, _>("active") != 0,
        }))
    }

    async fn employees(&self, scope: &crate::policy::Scope, page: Page) -> Result<Vec<Employee>> {
        let mut qb = crate::backend::SqlBuilder::new(
            "SELECT id, emp_no, name, department_id, position_id, supervisor_id, CASE WHEN active THEN 1 ELSE 0 END AS active FROM employees",
        );
        if let crate::policy::Scope::Departments(d) = scope {
            qb.push(" WHERE department_id").push_ids(d);
        }
        qb.push(" ORDER BY emp_no").push_page(page);
        let rows = qb.build().fetch_all(&self.reader).await?;
        Ok(rows
            .into_iter()
            .map(|r| Employee {
                id: r.get("id"),
                emp_no: r.get("emp_no"),
                name: r.get("name"),
                department_id: r.get("department_id"),
                position_id: r.get("position_id"),
                supervisor_id: r.get("supervisor_id"),
                active: r.get::<i64, _>("active") != 0,
            })
            .collect())
    }

    async fn create_user(&self, actor: &str, u: &NewUser) -> Result<User> {
        if u.username.trim().is_empty() {
            return Err(StoreError::Invalid {
                field: "username".into(),
                message: text!("user-name-empty"),
            });
        }
        crate::password::check("password", &u.username, &u.password)?;
        let hash = crate::hashing::hash(&u.password).await?;
        let mut tx = self.begin_write().await?;
        let employee_id: Option<i64> = match &u.emp_no {
            Some(no) => Some(
                sqlx::query("SELECT id FROM employees WHERE emp_no = $1")
                    .bind(no)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound {
                        what: crate::Thing::Employee,
                        key: no.clone(),
                    })?
                    .get("id"),
            ),
            None => None,
        };
        let row = sqlx::query("INSERT INTO users (username, password_hash, employee_id, lang, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(u.username.trim())
            .bind(&hash)
            .bind(employee_id)
            .bind(&u.lang)
            .bind(now())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict { what: crate::Thing::User, key: u.username.clone() } } else { e.into() })?;
        let id: i64 = row.get("id");
        for g in &u.grants {
            sqlx::query(
                "INSERT INTO user_roles (user_id, role, department_id) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(g.role.as_str())
            .bind(g.department_id)
            .execute(&mut *tx)
            .await?;
        }
        let roles: Vec<&str> = u.grants.iter().map(|g| g.role.as_str()).collect();
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: actor.into(),
                action: "user.create".into(),
                entity: "user".into(),
                entity_id: u.username.trim().into(),
                new_value: Some(format!("roles: {}", roles.join(","))),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(User {
            id,
            username: u.username.trim().into(),
            employee_id,
            lang: u.lang.clone(),
            grants: u.grants.clone(),
            reach: u.grants.clone(),
            disabled: false,
            code_pending: false,
        })
    }

    async fn users(&self) -> Result<Vec<User>> {
        let mut grants: HashMap<i64, Vec<Grant>> = HashMap::new();
        for g in sqlx::query(
            "SELECT user_id, role, department_id FROM user_roles ORDER BY role, department_id",
        )
        .fetch_all(&self.reader)
        .await?
        {
            let id: i64 = g.get("user_id");
            let role = Role::parse(&g.get::<String, _>("role")).ok_or(StoreError::Corrupt {
                table: "user_roles",
                id,
                column: "role",
            })?;
            grants.entry(id).or_default().push(Grant {
                role,
                department_id: g.get("department_id"),
            });
        }
        Ok(
            sqlx::query("SELECT id, username, employee_id, lang, CASE WHEN disabled THEN 1 ELSE 0 END AS disabled, CASE WHEN code_hash IS NULL THEN 0 ELSE 1 END AS code_pending FROM users ORDER BY username")
                .fetch_all(&self.reader)
                .await?
                .iter()
                .map(|r| {
                    let id: i64 = r.get("id");
                    User {
                        id,
                        username: r.get("username"),
                        employee_id: r.get("employee_id"),
                        lang: r.get("lang"),
                        reach: grants.get(&id).cloned().unwrap_or_default(),
                        grants: grants.remove(&id).unwrap_or_default(),
                        disabled: r.get::<i64, _>("disabled") != 0,
                        code_pending: r.get::<i64, _>("code_pending") != 0,
                    }
                })
                .collect(),
        )
    }

    async fn set_grants(&self, actor: &str, username: &str, grants: &[Grant]) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username.trim())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: crate::Thing::User,
                key: username.trim().into(),
            })?
            .get("id");
        let depts = grant_departments(&mut tx, grants).await?;
        let show = |gs: &[(String, Option<i64>)]| -> String {
            gs.iter()
                .map(|(r, d)| match d.and_then(|d| depts.get(&d)) {
                    Some(n) => format!("{r}@{n}"),
                    None => r.clone(),
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let old: Vec<(String, Option<i64>)> = sqlx::query("SELECT role, department_id FROM user_roles WHERE user_id = $1 ORDER BY role, department_id")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| (r.get("role"), r.get("department_id")))
            .collect();
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let mut new: Vec<(String, Option<i64>)> = Vec::new();
        for g in grants {
            let key = (g.role.as_str().to_string(), g.department_id);
            if new.contains(&key) {
                continue;
            }
            sqlx::query(
                "INSERT INTO user_roles (user_id, role, department_id) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(g.role.as_str())
            .bind(g.department_id)
            .execute(&mut *tx)
            .await?;
            new.push(key);
        }
        new.sort();
        if old != new {
            self.append_audit(
                &mut tx,
                &NewAudit {
                    actor: actor.into(),
                    action: "user.grants".into(),
                    entity: "user".into(),
                    entity_id: username.trim().into(),
                    old_value: Some(show(&old)),
                    new_value: Some(show(&new)),
                    ..Default::default()
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.load_user(id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: crate::Thing::User,
                key: username.trim().into(),
            })
    }

    async fn authenticate(&self, username: &str, password: &str) -> Result<Option<User>> {
        self.authenticate_impl(username, password).await
    }

    async fn create_accounts(
        &self,
        actor: &str,
        emp_nos: &[String],
        username: Option<&str>,
        grants: &[Grant],
    ) -> Result<Vec<(String, String)>> {
        self.create_accounts_impl(actor, emp_nos, username, grants)
            .await
    }

    async fn employees_without_account(&self, department_id: i64) -> Result<Vec<String>> {
        self.employees_without_account_impl(department_id).await
    }

    async fn reset_code(&self, actor: &str, username: &str) -> Result<String> {
        self.reset_code_impl(actor, username).await
    }

    async fn set_disabled(&self, actor: &str, username: &str, disabled: bool) -> Result<User> {
        self.set_disabled_impl(actor, username, disabled).await
    }

    async fn redeem_code(&self, username: &str, code: &str, new_password: &str) -> Result<User> {
        self.redeem_code_impl(username, code, new_password).await
    }

    async fn user_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(&self.reader)
            .await?
            .get("n"))
    }

    async fn create_session(&self, user_id: i64, ttl: time::Duration) -> Result<String> {
        let (token, hash) = new_token()?;
        let expires = stamp(time::OffsetDateTime::now_utc() + ttl);
        sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at, last_seen) VALUES ($1, $2, $3, $4)")
            .bind(&hash)
            .bind(user_id)
            .bind(&expires)
            .bind(now())
            .execute(&self.writer)
            .await?;
        Ok(token)
    }

    async fn session_user(&self, token: &str) -> Result<Option<User>> {
        self.session_user_impl(token, None).await
    }

    async fn session_user_idle(&self, token: &str, idle: time::Duration) -> Result<Option<User>> {
        self.session_user_impl(token, Some(idle)).await
    }

    async fn purge_sessions(&self, idle: time::Duration) -> Result<u64> {
        self.purge_sessions_impl(idle).await
    }

    async fn ping(&self) -> Result<()> {
        self.ping_impl().await
    }

    async fn sign_in_failed(
        &self,
        subject: &str,
        limit: u32,
        window: time::Duration,
        lockout: time::Duration,
        now: time::OffsetDateTime,
    ) -> Result<Option<time::OffsetDateTime>> {
        self.sign_in_failed_impl(subject, limit, window, lockout, now)
            .await
    }

    async fn sign_in_locked(
        &self,
        subjects: &[&str],
        now: time::OffsetDateTime,
    ) -> Result<Option<time::OffsetDateTime>> {
        self.sign_in_locked_impl(subjects, now).await
    }

    async fn sign_in_cleared(&self, subject: &str) -> Result<()> {
        self.sign_in_cleared_impl(subject).await
    }

    async fn purge_sign_in_failures(
        &self,
        window: time::Duration,
        now: time::OffsetDateTime,
    ) -> Result<u64> {
        self.purge_sign_in_failures_impl(window, now).await
    }

    async fn notifications(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
        self.notifications_impl(user_id, limit).await
    }

    async fn unread_count(&self, user_id: i64) -> Result<i64> {
        self.unread_count_impl(user_id).await
    }

    async fn mark_read(&self, user_id: i64, ids: Option<&[i64]>) -> Result<u64> {
        self.mark_read_impl(user_id, ids).await
    }

    async fn channels(&self) -> Result<Vec<Channel>> {
        self.channels_impl().await
    }

    async fn save_channel(&self, actor: &str, id: Option<i64>, c: &NewChannel) -> Result<Channel> {
        self.save_channel_impl(actor, id, c).await
    }

    async fn test_channel(&self, actor: &str, channel_id: i64, user_id: i64) -> Result<()> {
        self.test_channel_impl(actor, channel_id, user_id).await
    }

    async fn set_contact(&self, actor: &str, username: &str, c: &Contact) -> Result<()> {
        self.set_contact_impl(actor, username, c).await
    }

    async fn contact(&self, user_id: i64) -> Result<Contact> {
        self.contact_impl(user_id).await
    }

    async fn notify_prefs(&self, user_id: i64) -> Result<NotifyPrefs> {
        self.notify_prefs_impl(user_id).await
    }

    async fn set_notify_prefs(&self, actor: &str, user_id: i64, p: &NotifyPrefs) -> Result<()> {
        self.set_notify_prefs_impl(actor, user_id, p).await
    }

    async fn notify_settings(&self) -> Result<NotifySettings> {
        self.notify_settings_impl().await
    }

    async fn set_notify_settings(&self, actor: &str, s: &NotifySettings) -> Result<()> {
        self.set_notify_settings_impl(actor, s).await
    }

    async fn claim_outbox(
        &self,
        now: time::OffsetDateTime,
        lease: time::Duration,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        self.claim_outbox_impl(now, lease, limit).await
    }

    async fn outbox_delivered(&self, id: i64) -> Result<()> {
        self.outbox_delivered_impl(id).await
    }

    async fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<time::OffsetDateTime>,
    ) -> Result<()> {
        self.outbox_failed_impl(id, error, retry_at).await
    }

    async fn outbox(&self, status: Option<OutboxStatus>, limit: i64) -> Result<Vec<OutboxMessage>> {
        self.outbox_impl(status, limit).await
    }

    async fn retry_outbox(&self, actor: &str, id: i64) -> Result<()> {
        self.retry_outbox_impl(actor, id).await
    }

    async fn remind_late(&self, actor: &str, cycle_id: i64) -> Result<usize> {
        self.remind_late_impl(actor, cycle_id).await
    }

    async fn send_reminders(&self, at: &str) -> Result<ReminderRun> {
        self.send_reminders_impl(at).await
    }

    async fn set_cycle_reminders(
        &self,
        actor: &str,
        cycle_id: i64,
        days_before: &[i64],
        escalate_after: i64,
    ) -> Result<Cycle> {
        self.set_cycle_reminders_impl(actor, cycle_id, days_before, escalate_after)
            .await
    }

    async fn delete_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn publish_template(&self, actor: &str, source: &str) -> Result<TemplateVersion> {
        let t = kaohe_core::compile_str(source).map_err(|diags| StoreError::Invalid {
            field: "template".into(),
            message: {
                let all = |lang: kaohe_core::Lang| {
                    diags
                        .iter()
                        .filter(|d| d.is_error())
                        .map(|d| d.render("template", source, &[lang]))
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                crate::Text::pair(all(kaohe_core::Lang::Zh), all(kaohe_core::Lang::En))
            },
        })?;
        let mut tx = self.begin_write().await?;
        let last: Option<i64> =
            sqlx::query("SELECT MAX(version) AS v FROM templates WHERE form_id = $1")
                .bind(&t.form.id)
                .fetch_one(&mut *tx)
                .await?
                .get("v");
        let version = last.unwrap_or(0) + 1;
        let at = now();
        let row = sqlx::query("INSERT INTO templates (form_id, version, title, source, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(&t.form.id)
            .bind(version)
            .bind(&t.form.title)
            .bind(source)
            .bind(actor)
            .bind(&at)
            .fetch_one(&mut *tx)
            .await?;
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: actor.into(),
                action: "template.publish".into(),
                entity: "template".into(),
                entity_id: format!("{}@{version}", t.form.id),
                new_value: Some(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                    source.as_bytes(),
                ))),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(TemplateVersion {
            id: row.get("id"),
            form_id: t.form.id.clone(),
            version,
            title: t.form.title.clone(),
            source: source.into(),
            created_by: actor.into(),
            created_at: at,
        })
    }

    async fn template(
        &self,
        form_id: &str,
        version: Option<i64>,
    ) -> Result<Option<TemplateVersion>> {
        let r = match version {
            Some(v) => {
                sqlx::query("SELECT id, form_id, version, title, source, created_by, created_at FROM templates WHERE form_id = $1 AND version = $2")
                    .bind(form_id)
                    .bind(v)
                    .fetch_optional(&self.reader)
                    .await?
            }
            None => {
                sqlx::query("SELECT id, form_id, version, title, source, created_by, created_at FROM templates WHERE form_id = $1 ORDER BY version DESC LIMIT 1")
                    .bind(form_id)
                    .fetch_optional(&self.reader)
                    .await?
            }
        };
        Ok(r.map(|r| TemplateVersion {
            id: r.get("id"),
            form_id: r.get("form_id"),
            version: r.get("version"),
            title: r.get("title"),
            source: r.get("source"),
            created_by: r.get("created_by"),
            created_at: r.get("created_at"),
        }))
    }

    async fn templates(&self) -> Result<Vec<TemplateVersion>> {
        let rows = sqlx::query(
            "SELECT t.id, t.form_id, t.version, t.title, t.source, t.created_by, t.created_at FROM templates t \
             WHERE t.version = (SELECT MAX(u.version) FROM templates u WHERE u.form_id = t.form_id) ORDER BY t.form_id",
        )
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| TemplateVersion {
                id: r.get("id"),
                form_id: r.get("form_id"),
                version: r.get("version"),
                title: r.get("title"),
                source: r.get("source"),
                created_by: r.get("created_by"),
                created_at: r.get("created_at"),
            })
            .collect())
    }

    async fn audit(&self, entry: &NewAudit) -> Result<AuditEntry> {
        let mut tx = self.begin_write().await?;
        let e = self.append_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn audit_log(&self, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT id, at, actor, action, entity, entity_id, old_value, new_value, reason, prev_hash, hash \
             FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.reader)
        .await?)
    }

    async fn verify_audit(&self) -> Result<AuditCheck> {
        Ok(self.audit_report_impl().await?.check)
    }

    async fn audit_report(&self) -> Result<AuditReport> {
        self.audit_report_impl().await
    }

    async fn audit_checkpoint(&self) -> Result<Option<AuditCheckpoint>> {
        let Some(key) = self.audit_keys.current() else {
            return Ok(None);
        };
        let mut tx = self.begin_write().await?;
        let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(last_id) FROM audit_checkpoints")
            .fetch_one(&mut *tx)
            .await?;
        let head: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
            .fetch_one(&mut *tx)
            .await?;
        if head.is_none() || latest == head {
            return Ok(None);
        }
        let cp = Self::write_checkpoint(&mut tx, key).await?;
        tx.commit().await?;
        Ok(cp)
    }

    async fn create_cycle(&self, actor: &str, c: &NewCycle) -> Result<Cycle> {
        self.create_cycle_impl(actor, c).await
    }
    async fn cycle(&self, id: i64) -> Result<Cycle> {
        self.cycle_impl(id).await
    }
    async fn cycles(&self, scope: &crate::policy::Scope, page: Page) -> Result<Vec<Cycle>> {
        self.cycles_impl(scope, page).await
    }
    async fn launch_cycle(&self, actor: &str, id: i64) -> Result<LaunchSummary> {
        self.launch_cycle_impl(actor, id).await
    }
    async fn update_cycle(&self, actor: &str, id: i64, c: &NewCycle) -> Result<Cycle> {
        self.update_cycle_impl(actor, id, c).await
    }
    async fn delete_cycle(&self, actor: &str, id: i64) -> Result<()> {
        self.delete_cycle_impl(actor, id).await
    }
    async fn launch_preview(&self, id: i64) -> Result<LaunchPreview> {
        self.launch_preview_impl(id).await
    }
    async fn copy_cycle(&self, actor: &str, id: i64) -> Result<Cycle> {
        self.copy_cycle_impl(actor, id).await
    }
    async fn cancel_cycle(&self, actor: &str, id: i64, reason: &str) -> Result<Cycle> {
        self.cancel_cycle_impl(actor, id, reason).await
    }
    async fn appraisal(&self, who: &User, id: i64) -> Result<Appraisal> {
        self.appraisal_impl(who, id).await
    }
    async fn appraisals(
        &self,
        who: &User,
        cycle_id: Option<i64>,
        state: Option<kaohe_core::workflow::State>,
        page: Page,
    ) -> Result<Vec<Appraisal>> {
        self.appraisals_impl(who, cycle_id, state, page).await
    }
    async fn appraisals_after(
        &self,
        who: &User,
        cycle_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<Appraisal>, Option<i64>)> {
        self.appraisals_after_impl(who, cycle_id, after, limit)
            .await
    }
    async fn import_targets(
        &self,
        who: &User,
        cycle_id: i64,
        after: i64,
        limit: i64,
        inputs: &[String],
    ) -> Result<(Vec<ImportTarget>, Option<i64>)> {
        self.import_targets_impl(who, cycle_id, after, limit, inputs)
            .await
    }
    async fn page_starts(&self, cycle_id: i64, every: i64) -> Result<Vec<i64>> {
        self.page_starts_impl(cycle_id, every).await
    }
    async fn enter(&self, who: &User, id: i64, version: i64, values: &Values) -> Result<Appraisal> {
        self.enter_impl(who, id, version, values).await
    }
    async fn signers(&self, id: i64) -> Result<Vec<Signer>> {
        self.signers_impl(id).await
    }
    async fn peer_status(&self, who: &User, id: i64) -> Result<Vec<PeerStatus>> {
        self.peer_status_impl(who, id).await
    }
    async fn cycle_form(&self, cycle_id: i64) -> Result<(Cycle, kaohe_core::Template)> {
        self.cycle_form_impl(cycle_id).await
    }
    async fn set_cycle_grades(
        &self,
        actor: &str,
        cycle_id: i64,
        bands: &[GradeBand],
    ) -> Result<Cycle> {
        self.set_cycle_grades_impl(actor, cycle_id, bands).await
    }
    async fn correct(
        &self,
        who: &User,
        id: i64,
        version: i64,
        values: &Values,
        reason: &str,
    ) -> Result<Appraisal> {
        self.correct_impl(who, id, version, values, reason).await
    }
    async fn enter_grid(
        &self,
        who: &User,
        cycle_id: i64,
        dept_id: Option<i64>,
        rows: &[GridRow],
    ) -> Result<usize> {
        self.enter_grid_impl(who, cycle_id, dept_id, rows).await
    }
    async fn complete_data(&self, who: &User, cycle_id: i64, dept_id: i64) -> Result<usize> {
        self.complete_data_impl(who, cycle_id, dept_id).await
    }
    async fn act(&self, who: &User, id: i64, version: i64, step: &Step) -> Result<Appraisal> {
        self.act_impl(who, id, version, step).await
    }
    async fn write_notes(
        &self,
        who: &User,
        id: i64,
        version: i64,
        notes: &Notes,
    ) -> Result<Appraisal> {
        self.write_notes_impl(who, id, version, notes).await
    }
    async fn auto_confirm(&self, at: &str) -> Result<Vec<i64>> {
        self.auto_confirm_impl(at).await
    }
    async fn tasks(&self, who: &User) -> Result<Vec<Task>> {
        self.tasks_impl(who).await
    }
    async fn create_delegation(&self, who: &User, n: &NewDelegation) -> Result<Delegation> {
        self.create_delegation_impl(who, n).await
    }
    async fn delegations(&self, who: &User) -> Result<Vec<Delegation>> {
        self.delegations_impl(who).await
    }
    async fn revoke_delegation(&self, who: &User, id: i64) -> Result<Delegation> {
        self.revoke_delegation_impl(who, id).await
    }
    async fn reassign_task(
        &self,
        who: &User,
        task_id: i64,
        emp_no: &str,
        reason: &str,
    ) -> Result<Task> {
        self.reassign_task_impl(who, task_id, emp_no, reason).await
    }
    async fn results(&self, cycle_id: i64) -> Result<Vec<ResultRow>> {
        self.results_impl(cycle_id).await
    }
    async fn cycle_ledger(&self, cycle_id: i64, year: &str) -> Result<Vec<(String, LedgerEntry)>> {
        self.cycle_ledger_impl(cycle_id, year).await
    }
    async fn results_after(
        &self,
        cycle_id: i64,
        scope: &policy::Scope,
        after: Option<i64>,
        page: Page,
    ) -> Result<ResultsSlice> {
        self.results_after_impl(cycle_id, scope, after, page).await
    }
    async fn ledger(&self, employee_id: i64) -> Result<Vec<LedgerEntry>> {
        self.ledger_impl(employee_id).await
    }
    async fn payroll(&self, cycle_id: i64) -> Result<Vec<PayrollRow>> {
        self.payroll_impl(cycle_id).await
    }
    async fn score_cycle(&self, actor: &str, cycle_id: i64) -> Result<usize> {
        self.score_cycle_impl(actor, cycle_id).await
    }
    async fn explain(&self, who: &User, id: i64) -> Result<Explained> {
        self.explain_impl(who, id).await
    }
    async fn form_rows(&self, who: &User, cycle_id: i64, ids: &[i64]) -> Result<Vec<FormRow>> {
        self.form_rows_impl(who, cycle_id, ids).await
    }
    async fn preview(&self, who: &User, id: i64, values: &Values) -> Result<Preview> {
        self.preview_impl(who, id, values).await
    }
    // HR's cycle pages (hr.rs).
    async fn cycle_progress(&self, cycle_id: i64) -> Result<CycleProgress> {
        self.cycle_progress_impl(cycle_id).await
    }
    async fn grade_counts(&self, cycle_id: i64) -> Result<Vec<(String, i64)>> {
        Ok(self.cycle_ranks(cycle_id).await?.grades.clone())
    }
    async fn cycle_counts(&self, cycle_ids: &[i64]) -> Result<Vec<(i64, i64, i64)>> {
        self.cycle_counts_impl(cycle_ids).await
    }
    async fn late_tasks(&self, cycle_id: i64, today: &str, limit: i64) -> Result<LateList> {
        self.late_tasks_impl(cycle_id, today, limit).await
    }
    async fn relations(&self, cycle_id: i64, page: Page) -> Result<Relations> {
        self.relations_impl(cycle_id, page).await
    }
    async fn set_cycle_rater(
        &self,
        who: &User,
        cycle_id: i64,
        emp_no: &str,
        rater: &str,
        rater_emp_no: Option<&str>,
    ) -> Result<Cycle> {
        if !crate::policy::require(who, crate::policy::Capability::ManageCycles)?.is_all() {
            return Err(crate::policy::hr_only().into());
        }
        self.set_cycle_rater_impl(&who.username, cycle_id, emp_no, rater, rater_emp_no)
            .await
    }
    async fn import_relations(
        &self,
        who: &User,
        cycle_id: i64,
        edits: &[RelationEdit],
    ) -> Result<RelationsImport> {
        if !crate::policy::require(who, crate::policy::Capability::ManageCycles)?.is_all() {
            return Err(crate::policy::hr_only().into());
        }
        self.import_relations_impl(&who.username, cycle_id, edits)
            .await
    }
    async fn results_page(&self, cycle_id: i64, q: &ResultQuery) -> Result<ResultsSlice> {
        self.results_page_impl(cycle_id, q).await
    }
    async fn grade_quotas(&self, cycle_id: i64) -> Result<Vec<GradeQuota>> {
        self.grade_quotas_impl(cycle_id).await
    }
    async fn set_grade_quotas(
        &self,
        actor: &str,
        cycle_id: i64,
        quotas: &[GradeQuota],
    ) -> Result<Vec<GradeQuota>> {
        self.set_grade_quotas_impl(actor, cycle_id, quotas).await
    }
    async fn appeals(&self, page: Page) -> Result<Vec<AppealRow>> {
        self.appeals_impl(page).await
    }
    async fn audit_search(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        self.audit_search_impl(q).await
    }
    async fn audit_kinds(&self) -> Result<Vec<String>> {
        self.audit_kinds_impl().await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let r = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username.trim())
            .fetch_optional(&self.reader)
            .await?;
        match r {
            Some(r) => self.load_user(r.get("id")).await,
            None => Ok(None),
        }
    }

    async fn import_mapping(
        &self,
        form_id: &str,
    ) -> Result<std::collections::BTreeMap<String, String>> {
        Ok(sqlx::query(
            "SELECT header, target FROM import_mappings WHERE form_id = $1 ORDER BY header",
        )
        .bind(form_id)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| (r.get("header"), r.get("target")))
        .collect())
    }

    async fn save_import_mapping(
        &self,
        actor: &str,
        form_id: &str,
        map: &std::collections::BTreeMap<String, String>,
    ) -> Result<()> {
        if form_id.trim().is_empty() {
            return Err(StoreError::Invalid {
                field: "form_id".into(),
                message: text!("form-id-empty"),
            });
        }
        if let Some(h) = map.keys().find(|h| h.trim().is_empty()) {
            return Err(StoreError::Invalid {
                field: format!("mapping[{h}]"),
                message: text!("header-empty"),
            });
        }
        let mut tx = self.begin_write().await?;
        let old: std::collections::BTreeMap<String, String> =
            sqlx::query("SELECT header, target FROM import_mappings WHERE form_id = $1")
                .bind(form_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| (r.get("header"), r.get("target")))
                .collect();
        if &old == map {
            return Ok(());
        }
        sqlx::query("DELETE FROM import_mappings WHERE form_id = $1")
            .bind(form_id)
            .execute(&mut *tx)
            .await?;
        let at = now();
        for (h, t) in map {
            sqlx::query("INSERT INTO import_mappings (form_id, header, target, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(form_id)
                .bind(h)
                .bind(t.trim())
                .bind(actor)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
        }
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: actor.into(),
                action: "import_mapping.save".into(),
                entity: "form".into(),
                entity_id: form_id.into(),
                old_value: (!old.is_empty())
                    .then(|| serde_json::to_string(&old).unwrap_or_default()),
                new_value: Some(serde_json::to_string(map).unwrap_or_default()),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn change_password(
        &self,
        user_id: i64,
        current: &str,
        new: &str,
        keep_session: Option<&str>,
    ) -> Result<u64> {
        let Some(r) = sqlx::query("SELECT username, password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.reader)
            .await?
        else {
            return Err(StoreError::NotFound {
                what: crate::Thing::User,
                key: user_id.to_string(),
            });
        };
        let username: String = r.get("username");
        if !crate::hashing::verify(current, &r.get::<String, _>("password_hash")).await? {
            return Err(StoreError::Fields(vec![(
                "current".into(),
                text!("password-current-wrong"),
            )]));
        }
        if let Err(StoreError::Invalid { field, message }) =
            crate::password::check("new", &username, new)
        {
            return Err(StoreError::Fields(vec![(field, message)]));
        }
        if new == current {
            return Err(StoreError::Fields(vec![(
                "new".into(),
                text!("password-same"),
            )]));
        }
        let hash = crate::hashing::hash(new).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let ended = match keep_session {
            Some(t) => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(token_hash(t))
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            None => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
        };
        self.append_audit(
            &mut tx,
            &NewAudit {
                actor: username.clone(),
                action: "user.password".into(),
                entity: "user".into(),
                entity_id: username,
                new_value: Some(format!("其他会话已结束 / other sessions ended: {ended}")),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn employee_counts(&self) -> Result<std::collections::BTreeMap<i64, i64>> {
        Ok(sqlx::query("SELECT department_id, COUNT(*) AS n FROM employees WHERE active = TRUE GROUP BY department_id")
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|r| (r.get("department_id"), r.get("n")))
            .collect())
    }

    async fn search_employees(&self, query: &str, page: Page) -> Result<EmployeeSearch> {
        const COLS: &str = "SELECT e.id, e.emp_no, e.name, e.department_id, CASE WHEN e.active THEN 1 ELSE 0 END AS active, p.name AS position, s.emp_no AS sup_no, s.name AS sup_name \
             FROM employees e LEFT JOIN positions p ON p.id = e.position_id LEFT JOIN employees s ON s.id = e.supervisor_id";
        const MATCH: &str =
            "LOWER(e.emp_no) LIKE $1 ESCAPE '\\' OR LOWER(e.name) LIKE $2 ESCAPE '\\'";
        let query = query.trim();
        let (rows, total): (_, i64) = if query.is_empty() {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{COLS} ORDER BY e.emp_no LIMIT $1 OFFSET $2"
            )))
            .bind(page.limit.clamp(1, 1000))
            .bind(page.offset.max(0))
            .fetch_all(&self.reader)
            .await?;
            let total = sqlx::query_scalar("SELECT COUNT(*) FROM employees")
                .fetch_one(&self.reader)
                .await?;
            (rows, total)
        } else {
            // `%` and `_` typed by a person are literal.
            let like = format!(
                "%{}%",
                query
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{COLS} WHERE {MATCH} ORDER BY e.emp_no LIMIT $3 OFFSET $4"
            )))
            .bind(&like)
            .bind(&like)
            .bind(page.limit.clamp(1, 1000))
            .bind(page.offset.max(0))
            .fetch_all(&self.reader)
            .await?;
            let total = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM employees e WHERE {MATCH}"
            )))
            .bind(&like)
            .bind(&like)
            .fetch_one(&self.reader)
            .await?;
            (rows, total)
        };
        let mut employees: Vec<OrgEmployee> = rows
            .into_iter()
            .map(|r| OrgEmployee {
                supervisor_name: r.get("sup_name"),
                active: r.get::<i64, _>("active") != 0,
                ..export_post(&r)
            })
            .collect();
        // The page's 兼岗 in force today, in one query for the page.
        if !employees.is_empty() {
            let today = crate::delegation::today();
            let mut qb = SqlBuilder::new(
                "SELECT pp.employee_id, d.name AS dept, p.name AS pos FROM employee_posts pp \
                 JOIN departments d ON d.id = pp.department_id LEFT JOIN positions p ON p.id = pp.position_id \
                 WHERE pp.kind = 'second' AND (pp.from_date IS NULL OR pp.from_date <= ",
            );
            qb.push_bind(today.clone())
                .push(") AND (pp.to_date IS NULL OR pp.to_date >= ")
                .push_bind(today)
                .push(") AND pp.employee_id IN (");
            for (i, e) in employees.iter().enumerate() {
                if i > 0 {
                    qb.push(", ");
                }
                qb.push_bind(e.id);
            }
            qb.push(") ORDER BY pp.employee_id, pp.id");
            let mut seconds: HashMap<i64, Vec<SecondPost>> = HashMap::new();
            for r in qb.build().fetch_all(&self.reader).await? {
                seconds
                    .entry(r.get("employee_id"))
                    .or_default()
                    .push(SecondPost {
                        department: r.get("dept"),
                        position: r.get("pos"),
                    });
            }
            for e in &mut employees {
                e.second_posts = seconds.remove(&e.id).unwrap_or_default();
            }
        }
        Ok(EmployeeSearch { employees, total })
    }

    async fn template_versions(&self, form_id: &str) -> Result<Vec<TemplateVersion>> {
        let rows = sqlx::query("SELECT id, form_id, version, title, created_by, created_at FROM templates WHERE form_id = $1 ORDER BY version DESC")
            .bind(form_id)
            .fetch_all(&self.reader)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| TemplateVersion {
                id: r.get("id"),
                form_id: r.get("form_id"),
                version: r.get("version"),
                title: r.get("title"),
                source: String::new(),
                created_by: r.get("created_by"),
                created_at: r.get("created_at"),
            })
            .collect())
    }

    async fn check_org(&self, rows: &[OrgRow]) -> Result<ImportSummary> {
        self.import_org_run("check", rows, false).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// HR's results by total or rank, either way round: those without a key last, and
    /// equal keys in order of 工号 in both directions.
    #[test]
    fn orders_put_those_without_a_key_last_and_keep_ties_in_order_both_ways() {
        let e = |id: i64, key: Option<&str>| Placed {
            id,
            department_id: 1,
            key: key.map(|t| t.parse().unwrap()),
        };
        // As `cycle_ranks` keeps them (totals highest first), ties by 工号 (here by id).
        let list = vec![
            e(3, Some("95.5")),
            e(1, Some("90")),
            e(4, Some("90.0")),
            e(6, Some("90")),
            e(2, Some("71")),
            e(5, None),
            e(7, None),
        ];
        let ids = |reverse| in_order(&list, reverse).map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(ids(false), [3, 1, 4, 6, 2, 5, 7]);
        assert_eq!(ids(true), [2, 1, 4, 6, 3, 5, 7]);
        assert_eq!(in_order(&[], true).count(), 0);
    }
    use std::str::FromStr;

    #[test]
    fn a_sqlite_file_url_keeps_its_file_and_parameters() {
        for (url, mode) in [
            ("sqlite:///tmp/a b/考核 Kaohe.db", "mode=rwc"),
            ("sqlite:///tmp/x.db?cache=private", "cache=private&mode=rwc"),
            ("sqlite:///tmp/x.db?mode=ro", "mode=ro"),
        ] {
            let any = sqlite_file_url(url).unwrap();
            assert!(any.ends_with(&format!("?{mode}")), "{any}");
            // What the Any driver does with it: a generic URL, then SQLite's own parsing.
            let parsed = any.parse::<sqlx::any::AnyConnectOptions>().unwrap();
            let back =
                sqlx::sqlite::SqliteConnectOptions::from_str(parsed.database_url.as_str()).unwrap();
            let want = sqlx::sqlite::SqliteConnectOptions::from_str(url).unwrap();
            assert_eq!(back.get_filename(), want.get_filename());
        }
    }
}
