//! Failed sign-ins counted in the database (issue 15): shared by every connection to it —
//! another server, or the same one after a restart — reset by a window, a lockout's end or
//! a success, and purged when over.

use kaohe_store::*;
use time::{Duration, OffsetDateTime};

use crate::common::*;

both!(
    the_fifth_failure_locks_and_every_handle_sees_it,
    windows_lockouts_and_successes_start_again,
    counting_from_many_tasks_at_once_loses_nothing,
    purge_forgets_what_is_over_and_keeps_a_lock,
);

const MIN15: Duration = Duration::minutes(15);

async fn fail(db: &Db, subject: &str, now: OffsetDateTime) -> Option<OffsetDateTime> {
    db.sign_in_failed(subject, 5, MIN15, MIN15, now)
        .await
        .unwrap()
}

async fn the_fifth_failure_locks_and_every_handle_sees_it(db: Db) {
    let t0 = OffsetDateTime::now_utc();
    for i in 1..5 {
        assert_eq!(fail(&db, "name:zhangwei", t0).await, None, "failure {i}");
    }
    let until = fail(&db, "name:zhangwei", t0)
        .await
        .expect("the fifth locks");
    assert!((until - (t0 + MIN15)).abs() < Duration::milliseconds(1));
    // A clone shares the pools; what matters is that it is the database that answers.
    let other = db.clone();
    let seen = other
        .sign_in_locked(
            &["name:zhangwei", "addr:10.0.0.1"],
            t0 + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(seen, Some(until));
    assert_eq!(
        other.sign_in_locked(&["name:lina"], t0).await.unwrap(),
        None,
        "only that name"
    );
    assert_eq!(
        db.sign_in_locked(&["name:zhangwei"], until).await.unwrap(),
        None,
        "over at its end"
    );
}

async fn windows_lockouts_and_successes_start_again(db: Db) {
    let t0 = OffsetDateTime::now_utc();
    for _ in 1..5 {
        fail(&db, "name:lina", t0).await;
    }
    // The fifth comes a window later: a new count, no lock.
    assert_eq!(fail(&db, "name:lina", t0 + MIN15).await, None);
    for _ in 2..5 {
        assert_eq!(fail(&db, "name:lina", t0 + MIN15).await, None);
    }
    assert!(fail(&db, "name:lina", t0 + MIN15).await.is_some());
    // A success forgets a name's failures.
    for _ in 1..5 {
        fail(&db, "name:wangfang", t0).await;
    }
    db.sign_in_cleared("name:wangfang").await.unwrap();
    for _ in 1..5 {
        assert_eq!(fail(&db, "name:wangfang", t0).await, None);
    }
    // A lockout that is over starts a new count.
    let after = t0 + MIN15 + MIN15;
    assert_eq!(fail(&db, "name:lina", after).await, None);
    assert_eq!(
        db.sign_in_locked(&["name:lina"], after).await.unwrap(),
        None
    );
}

async fn counting_from_many_tasks_at_once_loses_nothing(db: Db) {
    let t0 = OffsetDateTime::now_utc();
    let mut jobs = Vec::new();
    for _ in 0..49 {
        let db = db.clone();
        jobs.push(tokio::spawn(async move {
            db.sign_in_failed("addr:10.0.0.9", 50, MIN15, MIN15, t0)
                .await
                .unwrap()
        }));
    }
    for j in jobs {
        assert_eq!(j.await.unwrap(), None);
    }
    assert!(
        db.sign_in_failed("addr:10.0.0.9", 50, MIN15, MIN15, t0)
            .await
            .unwrap()
            .is_some(),
        "the fiftieth locks"
    );
}

async fn purge_forgets_what_is_over_and_keeps_a_lock(db: Db) {
    let t0 = OffsetDateTime::now_utc();
    for i in 0..10 {
        fail(&db, &format!("name:u{i}"), t0).await;
    }
    // Locked ten minutes after its window began: until t0 + 25 min.
    fail(&db, "name:target", t0).await;
    let t10 = t0 + Duration::minutes(10);
    for _ in 1..5 {
        fail(&db, "name:target", t10).await;
    }
    let later = t0 + MIN15 + Duration::minutes(1);
    assert_eq!(db.purge_sign_in_failures(MIN15, later).await.unwrap(), 10);
    assert!(
        db.sign_in_locked(&["name:target"], later)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        db.purge_sign_in_failures(MIN15, t10 + MIN15).await.unwrap(),
        1
    );
}
