//! The audit log with a key kept outside the database: rewriting an entry and recomputing
//! the chain is found, deleting entries up to a checkpoint is found, keys rotate.

use kaohe_store::*;

use crate::common;
use common::*;

use common::both;

both!(
    a_rewritten_and_rechained_entry_is_found,
    deleting_the_tail_below_a_checkpoint_is_found,
    an_untouched_keyed_log_is_intact,
    keys_rotate_and_old_entries_need_their_key,
    no_key_says_the_log_is_not_protected,
);

const KEY_A: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const KEY_B: &str = "2222222222222222222222222222222222222222222222222222222222222222";

fn keys(text: &str) -> AuditKeys {
    AuditKeys::parse(text).unwrap()
}

fn entry(i: usize) -> NewAudit {
    NewAudit {
        actor: "hr".into(),
        action: "appraisal.bonus".into(),
        entity: "appraisal".into(),
        entity_id: i.to_string(),
        old_value: Some("1000".into()),
        new_value: Some(format!("{}", 1000 + i)),
        reason: None,
    }
}

async fn write(db: &Db, from: usize, n: usize) {
    for i in from..from + n {
        db.audit(&entry(i)).await.unwrap();
    }
}

/// Run one statement with binds on either backend.
async fn exec(db: &Db, sql: &str, text: &[&str], ints: &[i64]) {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for t in text {
        q = q.bind(t.to_string());
    }
    for i in ints {
        q = q.bind(*i);
    }
    q.execute(db.pool()).await.unwrap();
}

async fn a_rewritten_and_rechained_entry_is_found(mut db: Db) {
    db.set_audit_keys(keys(KEY_A));
    write(&db, 0, 60).await;
    assert!(db.verify_audit().await.unwrap().is_intact());

    // What the tester did: change entry 44's bonus and actor, then recompute the chain from
    // there with plain SHA-256, as `audit_hash` does. (Once keeping the key ids, once
    // dropping them so the rewritten entries look like ones written without a key.)
    for drop_key_ids in [false, true] {
        let log = db.audit_log(0, 1000).await.unwrap();
        let target = log[43].id;
        let mut prev = log[42].hash.clone();
        for e in &log[43..] {
            let mut fields = NewAudit {
                actor: e.actor.clone(),
                action: e.action.clone(),
                entity: e.entity.clone(),
                entity_id: e.entity_id.clone(),
                old_value: e.old_value.clone(),
                new_value: e.new_value.clone(),
                reason: e.reason.clone(),
            };
            if e.id == target {
                fields.actor = "someone else".into();
                fields.new_value = Some("999999".into());
            }
            let hash = audit_hash(&prev, &e.at, &fields);
            exec(
                &db,
                "UPDATE audit_log SET actor = $1, new_value = $2, prev_hash = $3, hash = $4 WHERE id = $5",
                &[&fields.actor, fields.new_value.as_deref().unwrap(), &prev, &hash],
                &[e.id],
            )
            .await;
            prev = hash;
        }
        if drop_key_ids {
            exec(
                &db,
                "UPDATE audit_log SET key_id = NULL WHERE id >= $1",
                &[],
                &[target],
            )
            .await;
        }
        let report = db.audit_report().await.unwrap();
        match &report.check {
            AuditCheck::Broken { id, .. } => assert_eq!(*id, target, "{report}"),
            other => panic!("rewrite not found: {other:?}"),
        }
        assert!(
            report
                .to_string()
                .contains(&format!("tampered with at entry {target}"))
        );
    }
}

async fn deleting_the_tail_below_a_checkpoint_is_found(mut db: Db) {
    db.set_audit_keys(keys(KEY_A));
    write(&db, 0, 120).await;
    // Entry 100 made a checkpoint; another now, at 120.
    let cp = db.audit_checkpoint().await.unwrap().unwrap();
    assert_eq!((cp.last_id, cp.count), (120, 120));
    assert_eq!(db.audit_checkpoint().await.unwrap(), None, "nothing new");
    let report = db.audit_report().await.unwrap();
    assert_eq!(report.checkpoints, 2, "{report}");
    assert!(report.check.is_intact(), "{report}");

    exec(&db, "DELETE FROM audit_log WHERE id > $1", &[], &[115]).await;
    let report = db.audit_report().await.unwrap();
    assert_eq!(
        report.check,
        AuditCheck::Truncated {
            checkpoint: cp.id,
            at_entry: 120,
            count: 120,
            ends_at: 115,
            entries: 115
        }
    );
    assert!(
        report
            .to_string()
            .contains("but the log ends at 115 (115 entries)"),
        "{report}"
    );

    // Moving the checkpoint back is a forgery: its MAC no longer matches.
    exec(
        &db,
        "UPDATE audit_checkpoints SET last_id = $1 WHERE id = $2",
        &[],
        &[115, cp.id],
    )
    .await;
    assert_eq!(
        db.verify_audit().await.unwrap(),
        AuditCheck::BadCheckpoint { id: cp.id }
    );
}

async fn an_untouched_keyed_log_is_intact(mut db: Db) {
    db.set_audit_keys(keys(KEY_A));
    write(&db, 0, 105).await;
    let report = db.audit_report().await.unwrap();
    assert_eq!(report.check, AuditCheck::Intact { entries: 105 });
    assert_eq!(report.keyed, 105);
    assert_eq!(report.plain, 0);
    assert!(report.fully_checked());
    assert_eq!(report.checkpoints, 1, "entry 100 made a checkpoint");
    let id_a = keys(KEY_A).current().unwrap().id().to_string();
    assert_eq!(report.keys, vec![id_a.clone()]);
    assert!(report.to_string().contains(&id_a), "{report}");
    assert!(report.to_string().contains("audit log intact: 105 entries"));
}

async fn keys_rotate_and_old_entries_need_their_key(mut db: Db) {
    let (a, b) = (keys(KEY_A), keys(KEY_B));
    let (id_a, id_b) = (
        a.current().unwrap().id().to_string(),
        b.current().unwrap().id().to_string(),
    );
    // Written before any key: plain, still checked by the chain.
    write(&db, 0, 3).await;
    db.set_audit_keys(a);
    write(&db, 3, 4).await;
    db.set_audit_keys(keys(&format!("{KEY_B},{KEY_A}")));
    write(&db, 7, 5).await;
    let report = db.audit_report().await.unwrap();
    assert_eq!(report.check, AuditCheck::Intact { entries: 12 }, "{report}");
    assert_eq!((report.plain, report.keyed, report.unchecked), (3, 9, 0));
    assert_eq!(report.keys, vec![id_b.clone(), id_a.clone()]);

    db.set_audit_keys(keys(KEY_B));
    let report = db.audit_report().await.unwrap();
    assert_eq!(report.check, AuditCheck::Intact { entries: 12 });
    assert_eq!((report.keyed, report.unchecked), (5, 4));
    assert_eq!(report.first_unchecked, Some(4));
    assert_eq!(report.missing_keys, vec![id_a.clone()]);
    assert!(!report.fully_checked());
    assert!(
        report.to_string().contains(&format!(
            "4 entries cannot be checked (first: entry 4): key(s) {id_a} not given"
        )),
        "{report}"
    );

    // Without any key, kaohe refuses to append to a keyed log.
    db.set_audit_keys(AuditKeys::default());
    let e = db.audit(&entry(99)).await.unwrap_err();
    assert!(e.to_string().contains(&id_b), "{e}");
}

async fn no_key_says_the_log_is_not_protected(db: Db) {
    write(&db, 0, 3).await;
    let report = db.audit_report().await.unwrap();
    assert_eq!(report.check, AuditCheck::Intact { entries: 3 });
    assert_eq!(report.plain, 3);
    assert!(report.fully_checked());
    assert!(
        report
            .to_string()
            .contains("NOT protected against its database's administrator")
    );
    assert_eq!(
        db.audit_checkpoint().await.unwrap(),
        None,
        "no key, no checkpoint"
    );
}
