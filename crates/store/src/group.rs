//! Group commit for the writer (a SQLite file, PostgreSQL).
//!
//! With `synchronous = FULL` every SQLite commit waits for an fsync of the WAL, a few
//! milliseconds on ordinary disks: one writer committing one request at a time could not
//! do more than a couple of hundred writes a second, and under load each write queued
//! behind all the fsyncs before it. PostgreSQL's writes are one at a time as well (each
//! holds the audit log's lock until its commit is flushed, so that the chain has one
//! order), and each paid a WAL flush of its own. Here the writes that arrive while others are running
//! share one physical transaction: each logical write ([`WriteTx`]) that joins an open
//! group runs inside its own `SAVEPOINT`, so its failure or rollback undoes only its own
//! statements (the group's first write needs none: it is alone in the transaction); its `commit`
//! releases the savepoint and then waits until the physical `COMMIT` — made by whichever
//! write finishes while nobody else is waiting — is on disk. A write is reported only once
//! it is durable, exactly as before; one fsync now covers every write of the group.
//!
//! The logical writes still run one after another on the one writer connection (the audit
//! chain needs that order), so nothing about what a transaction sees changes. A write that
//! is left without commit or rollback (an early `?`) is rolled back to its savepoint by a
//! task that holds the writer until it has done so. A write waiting for its group's commit
//! flushes the group itself after [`FLUSH_AFTER`] if nobody did, so a cancelled waiter can
//! never leave a group open.

use crate::*;
use sqlx::pool::PoolConnection;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// At most this many logical writes share one physical commit.
pub(crate) const MAX_GROUP: usize = 256;
/// A write waiting for its group's commit does the commit itself after this long.
pub(crate) const FLUSH_AFTER: std::time::Duration = std::time::Duration::from_millis(20);

/// The outcome of a group's physical commit: `None` until it is made.
type Outcome = Option<std::result::Result<(), String>>;

/// The physical transaction open on the writer connection.
pub(crate) struct Group {
    conn: PoolConnection<sqlx::Any>,
    id: u64,
    /// Logical writes released into it so far.
    members: usize,
    done: watch::Sender<Outcome>,
    /// The audit chain's head as this transaction's last write left it: nobody else can
    /// append while the group holds the write lock, so the next write links to it without
    /// reading it again. `None` until a write appends, and again after a rollback.
    audit_head: Option<String>,
    /// The write before released its savepoint and opened the next one in the same round
    /// trip (someone was waiting): the next write to join uses it as its own.
    next_savepoint: bool,
}

/// The writer's group commit: who holds the writer, and how many wait for it.
#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    open: Arc<Mutex<Option<Group>>>,
    waiting: AtomicUsize,
    next_id: AtomicU64,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("id", &self.id)
            .field("members", &self.members)
            .finish()
    }
}

/// Counts a waiter for as long as it waits (also when its future is dropped).
struct Waiting<'a>(&'a AtomicUsize);
impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl GroupCommit {
    /// Take the writer for one logical write: join the open group or open one
    /// (`BEGIN IMMEDIATE`), then `SAVEPOINT`.
    pub(crate) async fn begin(self: &Arc<Self>, pool: &sqlx::AnyPool) -> Result<WriteTx> {
        let mut guard = {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let _w = Waiting(&self.waiting);
            tokio::time::timeout(WRITER_WAIT, self.open.clone().lock_owned())
                .await
                .map_err(|_| StoreError::DatabaseBusy)?
        };
        if guard.is_none() {
            // The first write of a group is alone in the transaction: it needs no savepoint
            // (its rollback is the transaction's), so SQLite keeps no copy of the pages it
            // changes — for a big import or launch that copy would be the size of the write.
            let mut conn = pool.acquire().await?;
            begin_locked(&mut conn).await?;
            let (done, _) = watch::channel(None);
            *guard = Some(Group {
                conn,
                id: self.next_id.fetch_add(1, Ordering::SeqCst),
                members: 0,
                done,
                audit_head: None,
                next_savepoint: false,
            });
            return Ok(WriteTx::Grouped(Grouped {
                guard: Some(guard),
                commit: self.clone(),
                savepoint: false,
            }));
        }
        let g = guard.as_mut().expect("a group is open");
        if std::mem::take(&mut g.next_savepoint) {
            return Ok(WriteTx::Grouped(Grouped {
                guard: Some(guard),
                commit: self.clone(),
                savepoint: true,
            }));
        }
        if let Err(e) = sqlx::query("SAVEPOINT w").execute(&mut *g.conn).await {
            // The transaction is unusable (SQLite rolled it back): end the group for all.
            Self::abort(&mut guard, &e.to_string()).await;
            return Err(e.into());
        }
        Ok(WriteTx::Grouped(Grouped {
            guard: Some(guard),
            commit: self.clone(),
            savepoint: true,
        }))
    }

    /// Make the open group's physical `COMMIT` (a `ROLLBACK` when it fails, or when a failed
    /// statement aborted the transaction) and tell every
    /// member how it went; the writer connection goes back to the pool.
    async fn flush(guard: &mut OwnedMutexGuard<Option<Group>>) -> std::result::Result<(), String> {
        let Some(mut g) = guard.take() else {
            return Ok(());
        };
        // The savepoint first: in a transaction that a failed statement aborted it fails and
        // the COMMIT after it is not run (PostgreSQL would answer that COMMIT with a silent
        // rollback, and every write of the group would be told it was stored).
        let out = match sqlx::raw_sql("SAVEPOINT c; RELEASE SAVEPOINT c; COMMIT")
            .execute(&mut *g.conn)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut *g.conn).await;
                Err(e.to_string())
            }
        };
        g.done.send_replace(Some(out.clone()));
        out
    }

    /// End the open group with a `ROLLBACK` and tell every member it failed. Never a
    /// `COMMIT` here: PostgreSQL answers a COMMIT of an aborted transaction with a rollback,
    /// not an error, and the members would be told their writes were stored.
    async fn abort(guard: &mut OwnedMutexGuard<Option<Group>>, why: &str) {
        let Some(mut g) = guard.take() else {
            return;
        };
        if sqlx::query("ROLLBACK").execute(&mut *g.conn).await.is_err() {
            g.conn.close_on_drop();
        }
        g.done.send_replace(Some(Err(why.to_string())));
    }

    /// After a logical write released its savepoint (or rolled it back): commit the group
    /// now when nobody waits to join it or it is full, else leave it open for the next
    /// write and wait for its commit. Returns the outcome of the group this write was in.
    async fn finish(
        self: &Arc<Self>,
        mut guard: OwnedMutexGuard<Option<Group>>,
        joined: bool,
    ) -> std::result::Result<(), String> {
        let Some(g) = guard.as_mut() else {
            return Ok(());
        };
        if joined {
            g.members += 1;
        }
        if self.waiting.load(Ordering::SeqCst) == 0 || g.members >= MAX_GROUP {
            return Self::flush(&mut guard).await;
        }
        let id = g.id;
        let mut rx = g.done.subscribe();
        drop(guard);
        loop {
            if let Ok(Ok(_)) = tokio::time::timeout(FLUSH_AFTER, rx.wait_for(Option::is_some)).await
            {
                break;
            }
            // Nobody committed the group in time (or its sender is gone): do it here if it
            // is still the open one.
            let mut guard = self.open.clone().lock_owned().await;
            if guard.as_ref().is_some_and(|g| g.id == id) {
                return Self::flush(&mut guard).await;
            }
            if rx.borrow().is_some() {
                break;
            }
            if rx.has_changed().is_err() {
                return Err("the writer's group was dropped".into());
            }
        }
        rx.borrow().clone().unwrap_or(Ok(()))
    }
}

/// Open the group's physical transaction holding the write lock: SQLite's `BEGIN
/// IMMEDIATE`; on PostgreSQL a lock on the audit log, which every kaohe process sharing the
/// database takes before it writes (so their audit entries chain one after another too).
async fn begin_locked(conn: &mut PoolConnection<sqlx::Any>) -> Result<()> {
    match crate::backend::backend_of(conn) {
        Backend::Sqlite => {
            sqlx::query("BEGIN IMMEDIATE").execute(&mut **conn).await?;
        }
        Backend::Postgres => {
            sqlx::query("BEGIN").execute(&mut **conn).await?;
            if let Err(e) = sqlx::query("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut **conn)
                .await
            {
                // Not left open on a connection that goes back to the pool.
                if sqlx::query("ROLLBACK").execute(&mut **conn).await.is_err() {
                    conn.close_on_drop();
                }
                return Err(e.into());
            }
        }
    }
    Ok(())
}

/// A write transaction: a plain sqlx transaction (in-memory SQLite), or a logical write
/// within the writer's group commit (a SQLite file, PostgreSQL). Dereferences to the connection,
/// so it is used as a `Transaction` is (`&mut *tx`).
pub(crate) enum WriteTx {
    Plain(sqlx::Transaction<'static, sqlx::Any>),
    Grouped(Grouped),
}

pub(crate) struct Grouped {
    guard: Option<OwnedMutexGuard<Option<Group>>>,
    commit: Arc<GroupCommit>,
    /// Inside its own `SAVEPOINT w` (it joined an open group); else the group's first write.
    savepoint: bool,
}

impl Grouped {
    fn group(&mut self) -> &mut Group {
        self.guard
            .as_mut()
            .and_then(|g| g.as_mut())
            .expect("a grouped write holds the open group")
    }

    fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.group().conn
    }
}

impl WriteTx {
    /// Alone in its physical transaction: no earlier write of a group shares it, so what a
    /// reader connection sees of the rows this write has not changed is what it sees too
    /// (nothing else commits while it holds the write lock).
    pub(crate) fn alone(&self) -> bool {
        match self {
            WriteTx::Plain(_) => true,
            WriteTx::Grouped(g) => !g.savepoint,
        }
    }

    /// The audit chain's head as an earlier write of this physical transaction left it
    /// (`None`: read it from the table).
    pub(crate) fn audit_head(&mut self) -> Option<String> {
        match self {
            WriteTx::Plain(_) => None,
            WriteTx::Grouped(g) => g.group().audit_head.clone(),
        }
    }

    /// This write appended to the audit chain up to `head` (kept for the group's next write;
    /// forgotten if this write is rolled back).
    pub(crate) fn set_audit_head(&mut self, head: String) {
        if let WriteTx::Grouped(g) = self {
            g.group().audit_head = Some(head);
        }
    }

    /// Commit: durable when this returns `Ok`.
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            WriteTx::Plain(tx) => Ok(tx.commit().await?),
            WriteTx::Grouped(mut g) => {
                let released = if g.savepoint {
                    // When another write waits to join, its savepoint is opened in the same
                    // round trip (the statements after a failed RELEASE do not run).
                    let next = g.commit.waiting.load(Ordering::SeqCst) > 0
                        && g.group().members + 1 < MAX_GROUP;
                    let sql = if next {
                        "RELEASE SAVEPOINT w; SAVEPOINT w"
                    } else {
                        "RELEASE SAVEPOINT w"
                    };
                    let done = sqlx::raw_sql(sql).execute(g.conn()).await.map(|_| ());
                    if done.is_ok() {
                        g.group().next_savepoint = next;
                    }
                    done
                } else {
                    Ok(())
                };
                let guard = g
                    .guard
                    .take()
                    .expect("a grouped write holds the open group");
                let commit = g.commit.clone();
                match released {
                    Ok(()) => commit.finish(guard, true).await.map_err(group_error),
                    // PostgreSQL refuses the release when a statement of this write failed
                    // (the transaction is aborted until rolled back to the savepoint): undo
                    // this write only; the group goes on.
                    Err(e) => {
                        rollback_grouped(commit, guard, true).await.ok();
                        Err(e.into())
                    }
                }
            }
        }
    }

    /// Undo this write's statements (the rest of its group stays).
    pub(crate) async fn rollback(self) -> Result<()> {
        match self {
            WriteTx::Plain(tx) => Ok(tx.rollback().await?),
            WriteTx::Grouped(mut g) => {
                let guard = g
                    .guard
                    .take()
                    .expect("a grouped write holds the open group");
                rollback_grouped(g.commit.clone(), guard, g.savepoint).await
            }
        }
    }
}

/// `ROLLBACK TO` the write's savepoint and release it; then let the group go on as after a
/// commit. A failure there ends the group for everyone (its COMMIT reports it). The
/// group's first write (no savepoint) is alone in it: its rollback is the transaction's.
async fn rollback_grouped(
    commit: Arc<GroupCommit>,
    mut guard: OwnedMutexGuard<Option<Group>>,
    savepoint: bool,
) -> Result<()> {
    if !savepoint {
        let Some(mut g) = guard.take() else {
            return Ok(());
        };
        let undone = sqlx::query("ROLLBACK").execute(&mut *g.conn).await;
        g.done.send_replace(Some(Ok(())));
        if undone.is_err() {
            g.conn.close_on_drop();
        }
        return undone.map(|_| ()).map_err(Into::into);
    }
    let Some(g) = guard.as_mut() else {
        return Ok(());
    };
    // What this write appended is undone: the next one reads the head from the table.
    g.audit_head = None;
    let undone = sqlx::raw_sql("ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w")
        .execute(&mut *g.conn)
        .await;
    if let Err(e) = undone {
        GroupCommit::abort(&mut guard, &e.to_string()).await;
        return Err(e.into());
    }
    commit.finish(guard, false).await.map_err(group_error)
}

impl Drop for Grouped {
    fn drop(&mut self) {
        // Dropped without commit or rollback: undo it before anyone else writes.
        if let Some(guard) = self.guard.take() {
            let commit = self.commit.clone();
            let savepoint = self.savepoint;
            match tokio::runtime::Handle::try_current() {
                Ok(rt) => {
                    rt.spawn(async move {
                        let _ = rollback_grouped(commit, guard, savepoint).await;
                    });
                }
                Err(_) => {
                    // No runtime to run the rollback on: drop the connection (SQLite rolls
                    // back an open transaction when its connection closes) and the group.
                    let mut guard = guard;
                    if let Some(mut g) = guard.take() {
                        g.done
                            .send_replace(Some(Err("the writer was dropped mid-write".into())));
                        g.conn.close_on_drop();
                    }
                }
            }
        }
    }
}

impl Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        match self {
            WriteTx::Plain(tx) => tx,
            WriteTx::Grouped(g) => {
                &g.guard
                    .as_ref()
                    .and_then(|g| g.as_ref())
                    .expect("a grouped write holds the open group")
                    .conn
            }
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            WriteTx::Plain(tx) => tx,
            WriteTx::Grouped(g) => g.conn(),
        }
    }
}

/// A group's failed commit, as the store's error.
fn group_error(e: String) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!("group commit: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn entry(what: &str) -> NewAudit {
        NewAudit {
            actor: "hr".into(),
            action: format!("test.{what}"),
            entity: "test".into(),
            entity_id: what.into(),
            ..Default::default()
        }
    }

    /// Until `n` writes wait for the writer.
    async fn until_waiting(g: &GroupCommit, n: usize) {
        while g.waiting.load(Ordering::SeqCst) < n {
            tokio::task::yield_now().await;
        }
    }

    /// A write of a group that appended to the audit chain and was then rolled back leaves
    /// no trace in the head the group's next write links to: the chain stays unbroken.
    #[tokio::test]
    async fn a_rolled_back_write_in_a_group_leaves_the_chain_unbroken() {
        let (db, dir) = fresh_sqlite("rollback").await;
        let g = db.group.clone().expect("a SQLite file has a group commit");
        let before = intact(&db).await;
        // A opens the group and appends; B and C queue behind it.
        let mut a = db.begin_write().await.unwrap();
        db.append_audit(&mut a, &entry("a")).await.unwrap();
        let b = tokio::spawn({
            let db = db.clone();
            async move {
                let mut b = db.begin_write().await.unwrap();
                db.append_audit(&mut b, &entry("b")).await.unwrap();
                b
            }
        });
        until_waiting(&g, 1).await;
        // A's commit leaves the group open for B (someone waits) and waits for the COMMIT.
        let a_done = tokio::spawn(a.commit());
        let b = b.await.unwrap();
        assert!(!b.alone(), "B joined A's group");
        let c = tokio::spawn({
            let db = db.clone();
            async move {
                let mut c = db.begin_write().await.unwrap();
                db.append_audit(&mut c, &entry("c")).await.unwrap();
                c.commit().await
            }
        });
        until_waiting(&g, 1).await;
        // B's entry is undone; C, in the same group, must link to A's.
        b.rollback().await.unwrap();
        c.await.unwrap().unwrap();
        a_done.await.unwrap().unwrap();
        assert_eq!(intact(&db).await, before + 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A fresh, migrated PostgreSQL database (required, as for the storage suite).
    async fn fresh_pg(tag: &str) -> Db {
        let url = crate::test_support::fresh_pg_database(tag).await;
        let db = crate::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        db
    }

    /// A fresh, migrated SQLite file (it has a group commit; in memory there is none), and
    /// its folder.
    async fn fresh_sqlite(tag: &str) -> (Db, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("kaohe-group-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = crate::connect(&format!("sqlite://{}", dir.join("k.db").display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        (db, dir)
    }

    /// The entries of the audit log, which must be intact.
    async fn intact(db: &Db) -> i64 {
        match db.verify_audit().await.unwrap() {
            AuditCheck::Intact { entries } => entries,
            other => panic!("the chain is broken: {other:?}"),
        }
    }

    /// On PostgreSQL a failed statement aborts the whole transaction until it is rolled back
    /// to a savepoint, and a COMMIT of it is a silent rollback. A write that joined a group,
    /// had a statement fail and still commits is refused and undone alone: the write before
    /// it in the group is stored, as it was told.
    #[tokio::test]
    async fn postgres_a_failed_write_in_a_group_does_not_take_the_group_with_it() {
        let db = fresh_pg("group_abort").await;
        let g = db.group.clone().expect("PostgreSQL has a group commit");
        let before = intact(&db).await;
        let mut a = db.begin_write().await.unwrap();
        db.append_audit(&mut a, &entry("a")).await.unwrap();
        let b = tokio::spawn({
            let db = db.clone();
            async move {
                let mut b = db.begin_write().await.unwrap();
                assert!(!b.alone(), "B joined A's group");
                db.append_audit(&mut b, &entry("b")).await.unwrap();
                // A statement fails and the write goes on to commit regardless.
                assert!(sqlx::query("SELECT 1 / 0").execute(&mut *b).await.is_err());
                b.commit().await
            }
        });
        until_waiting(&g, 1).await;
        let a_done = tokio::spawn(a.commit());
        assert!(b.await.unwrap().is_err(), "the failed write is refused");
        a_done.await.unwrap().expect("A was stored");
        assert_eq!(intact(&db).await, before + 1);
        // The writer goes on.
        let mut c = db.begin_write().await.unwrap();
        db.append_audit(&mut c, &entry("c")).await.unwrap();
        c.commit().await.unwrap();
        assert_eq!(intact(&db).await, before + 2);
        db.close().await;
    }

    /// A write that commits while another waits opens the next one's savepoint in the same
    /// round trip. The write that takes it is still its own: rolled back, it undoes only
    /// itself; committed, it is stored with the rest.
    async fn next_savepoint_is_the_next_writes_own(db: Db) {
        let g = db.group.clone().expect("a group commit");
        let before = intact(&db).await;
        let write = |what: &'static str, keep: bool| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut tx = db.begin_write().await.unwrap();
                assert!(!tx.alone(), "{what} joined the group");
                db.append_audit(&mut tx, &entry(what)).await.unwrap();
                if keep {
                    tx.commit().await
                } else {
                    tx.rollback().await
                }
            })
        };
        let mut a = db.begin_write().await.unwrap();
        db.append_audit(&mut a, &entry("a")).await.unwrap();
        // B waits; A's commit leaves the group open for it.
        let b = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut b = db.begin_write().await.unwrap();
                db.append_audit(&mut b, &entry("b")).await.unwrap();
                b
            })
        };
        until_waiting(&g, 1).await;
        let a_done = tokio::spawn(a.commit());
        let b = b.await.unwrap();
        // C waits while B commits: B opens C's savepoint. C is rolled back.
        let c = write("c", false);
        until_waiting(&g, 1).await;
        let d = write("d", true);
        until_waiting(&g, 2).await;
        let b_done = tokio::spawn(b.commit());
        c.await.unwrap().unwrap();
        d.await.unwrap().unwrap();
        b_done.await.unwrap().unwrap();
        a_done.await.unwrap().unwrap();
        assert_eq!(intact(&db).await, before + 3);
        let kept: Vec<String> = sqlx::query_scalar(
            "SELECT entity_id FROM audit_log WHERE action LIKE 'test.%' ORDER BY id",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(kept, ["a", "b", "d"]);
    }

    #[tokio::test]
    async fn sqlite_next_savepoint_is_the_next_writes_own() {
        let (db, dir) = fresh_sqlite("next").await;
        next_savepoint_is_the_next_writes_own(db).await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn postgres_next_savepoint_is_the_next_writes_own() {
        let db = fresh_pg("group_next").await;
        next_savepoint_is_the_next_writes_own(db.clone()).await;
        db.close().await;
    }

    /// The group's first write has no savepoint: a failed statement that it ignored and then
    /// committed anyway aborted the whole transaction. Its COMMIT is refused (PostgreSQL
    /// would have rolled back silently and told it "stored"), and the writer goes on.
    #[tokio::test]
    async fn postgres_a_commit_of_an_aborted_transaction_is_refused() {
        let db = fresh_pg("group_first").await;
        let before = intact(&db).await;
        let mut a = db.begin_write().await.unwrap();
        assert!(a.alone());
        db.append_audit(&mut a, &entry("a")).await.unwrap();
        assert!(sqlx::query("SELECT 1 / 0").execute(&mut *a).await.is_err());
        assert!(a.commit().await.is_err(), "nothing was stored: say so");
        assert_eq!(intact(&db).await, before);
        let mut b = db.begin_write().await.unwrap();
        db.append_audit(&mut b, &entry("b")).await.unwrap();
        b.commit().await.unwrap();
        assert_eq!(intact(&db).await, before + 1);
        db.close().await;
    }
}
