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
