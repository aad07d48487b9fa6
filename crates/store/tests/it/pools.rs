//! SQLite's pools (issue 15): readers never wait for a writer, and a write that cannot
//! have the one writer in time is refused as busy, not left hanging.

use kaohe_store::*;
use std::time::{Duration, Instant};

use crate::common::*;

fn dept(code: &str) -> NewDepartment {
    NewDepartment {
        code: code.into(),
        name: format!("部门{code}"),
        kind: DeptKind::Line,
    }
}

#[tokio::test]
async fn sqlite_reads_go_on_while_a_write_holds_the_writer() {
    let db = fresh(Backend::Sqlite).await;
    db.create_department("hr", &dept("KF")).await.unwrap();
    // A long write transaction holds the one writer connection.
    let mut held = db.pool().begin().await.unwrap();
    sqlx::query("UPDATE departments SET name = '改名中' WHERE code = 'KF'")
        .execute(&mut *held)
        .await
        .unwrap();
    // Reads answer at once, and see what was committed (not the write in flight).
    let t = Instant::now();
    for _ in 0..20 {
        let d = db.departments().await.unwrap();
        assert_eq!(d[0].name, "部门KF");
    }
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // A write waits for the writer, then gives up as busy: nothing hangs, nothing is saved.
    let t = Instant::now();
    let e = db.create_department("hr", &dept("XS")).await.unwrap_err();
    assert!(matches!(e, StoreError::DatabaseBusy), "{e}");
    assert!(t.elapsed() >= WRITER_WAIT && t.elapsed() < WRITER_WAIT * 2);
    assert!(e.to_string().contains("try again"));
    held.commit().await.unwrap();
    // Once the writer is free, writes go through and reads see them.
    db.create_department("hr", &dept("XS")).await.unwrap();
    let names: Vec<String> = db
        .departments()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, ["改名中", "部门XS"]);
}

/// Group commit (SQLite file): many writes at once share physical commits, yet each is
/// its own — a refused write in the middle of a group undoes only itself, a write dropped
/// half-way (its request cancelled) leaves nothing, and every acknowledged write is stored
/// and audited in one unbroken chain.
#[tokio::test]
async fn sqlite_concurrent_writes_commit_together_each_on_its_own() {
    let db = fresh(Backend::Sqlite).await;
    let entries = |c: AuditCheck| match c {
        AuditCheck::Intact { entries } => entries,
        other => panic!("the audit chain is not intact: {other:?}"),
    };
    let before = entries(db.verify_audit().await.unwrap());
    let mut tasks = Vec::new();
    for i in 0..120 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            // Every tenth write repeats an earlier code: refused, inside somebody's group.
            let code = if i % 10 == 9 {
                format!("D{:03}", i - 9)
            } else {
                format!("D{i:03}")
            };
            (i, db.create_department("hr", &dept(&code)).await)
        }));
    }
    // A write cancelled while it holds the writer (a dropped request) must leave nothing.
    let cancelled = {
        let db = db.clone();
        tokio::spawn(async move { db.create_department("hr", &dept("GONE")).await })
    };
    cancelled.abort();
    let mut ok = 0;
    for t in tasks {
        let (i, r) = t.await.unwrap();
        if i % 10 == 9 {
            assert!(r.is_err(), "write {i} repeats a code and must be refused");
        } else {
            r.unwrap_or_else(|e| panic!("write {i}: {e}"));
            ok += 1;
        }
    }
    assert_eq!(ok, 108);
    let depts = db.departments().await.unwrap();
    let codes: Vec<&str> = depts.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(
        codes.iter().filter(|c| c.starts_with('D')).count(),
        108,
        "{codes:?}"
    );
    assert!(!codes.contains(&"GONE") || depts.len() == 109);
    // The audit chain holds every acknowledged write, unbroken.
    let after = entries(db.verify_audit().await.unwrap());
    assert_eq!(after - before, depts.len() as i64);
    // After all that, a plain write and read still work (the group was closed).
    db.create_department("hr", &dept("LAST")).await.unwrap();
    assert!(
        db.departments()
            .await
            .unwrap()
            .iter()
            .any(|d| d.code == "LAST")
    );
}

/// PostgreSQL ends the server's connections (a restart, an administrator's
/// `pg_terminate_backend`): once they have sat idle a moment, the next reads and writes go
/// through on new connections instead of failing on the dead ones. A connection used a
/// moment ago is not checked before each query (that round trip cost a third of the reads'
/// throughput), so the check must still catch these.
#[tokio::test]
async fn postgres_connections_ended_by_the_server_are_replaced() {
    let db = fresh(Backend::Postgres).await;
    db.create_department("hr", &dept("KF")).await.unwrap();
    // Several reader connections open at once, then idle in the pool.
    let reads: Vec<_> = (0..6).map(|_| db.departments()).collect();
    for d in futures_util::future::join_all(reads).await {
        assert_eq!(d.unwrap().len(), 1);
    }
    let name: String = sqlx::query_scalar("SELECT current_database()::text")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let admin = sqlx::PgPool::connect(&pg_admin_url()).await.unwrap();
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
    )
    .bind(&name)
    .fetch_all(&admin)
    .await
    .unwrap();
    assert!(
        ended.len() >= 2,
        "the readers and the writer were connected: {ended:?}"
    );
    tokio::time::sleep(PING_IDLE + Duration::from_millis(200)).await;
    let reads: Vec<_> = (0..6).map(|_| db.departments()).collect();
    for d in futures_util::future::join_all(reads).await {
        assert_eq!(d.unwrap()[0].name, "部门KF");
    }
    db.create_department("hr", &dept("XS")).await.unwrap();
    assert_eq!(db.departments().await.unwrap().len(), 2);
}
