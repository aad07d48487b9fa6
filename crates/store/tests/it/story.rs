//! One story of the store, run against SQLite and against PostgreSQL (a fresh database per
//! test). PostgreSQL is required: set KAOHE_TEST_POSTGRES_URL, or run it at 127.0.0.1:5432.

use kaohe_store::*;

use crate::common;
use common::*;

use common::both;

both!(
    organisation_import_is_all_or_nothing,
    users_sessions_and_passwords,
    templates_are_versioned_and_checked,
    the_audit_chain_detects_tampering,
    concurrent_writers_keep_one_chain,
    import_mappings_are_remembered_per_form,
    an_organisation_change_is_audited_old_to_new,
);

/// A rename, a move to another department and a new supervisor (which changes who rates
/// whom) each leave the old and the new value in the audit log, per employee.
async fn an_organisation_change_is_audited_old_to_new(db: Db) {
    db.import_org(
        "hr",
        &[
            row(2, "S001", "王强", "SC", "业务", "经理", ""),
            row(3, "S002", "刘洋", "KF", "业务", "经理", ""),
            row(4, "E001", "张伟", "SC", "业务", "客户经理", "S001"),
        ],
    )
    .await
    .unwrap();
    let added = db.audit_log(0, 1000).await.unwrap();
    assert_eq!(
        added.iter().filter(|e| e.action == "employee.add").count(),
        3
    );
    db.import_org(
        "hr2",
        &[
            row(2, "S001", "王强", "SC", "业务", "经理", ""),
            row(3, "E001", "张伟伟", "KF", "业务", "客户经理", "S002"),
        ],
    )
    .await
    .unwrap();
    let log = db.audit_log(0, 1000).await.unwrap();
    let changed: Vec<&AuditEntry> = log
        .iter()
        .filter(|e| e.action == "employee.change")
        .collect();
    assert_eq!(changed.len(), 1, "王强 did not change: {changed:?}");
    let c = changed[0];
    assert_eq!(
        (c.entity.as_str(), c.entity_id.as_str(), c.actor.as_str()),
        ("employee", "E001", "hr2")
    );
    let (old, new) = (c.old_value.clone().unwrap(), c.new_value.clone().unwrap());
    for (was, now) in [("张伟", "张伟伟"), ("SC", "KF"), ("S001", "S002")] {
        assert!(old.contains(was) && new.contains(now), "{old} → {new}");
    }
    assert!(
        !old.contains("客户经理"),
        "the unchanged position is not repeated: {old}"
    );
}

fn row(line: usize, no: &str, name: &str, dept: &str, kind: &str, pos: &str, sup: &str) -> OrgRow {
    OrgRow {
        line,
        emp_no: no.into(),
        name: name.into(),
        dept_code: dept.into(),
        dept_name: String::new(),
        dept_kind: kind.into(),
        position: pos.into(),
        supervisor_emp_no: sup.into(),
        ..Default::default()
    }
}

async fn organisation_import_is_all_or_nothing(db: Db) {
    let admin = db
        .create_department(
            "hr",
            &NewDepartment {
                code: "XZ".into(),
                name: "行政部".into(),
                kind: DeptKind::Functional,
            },
        )
        .await
        .unwrap();
    assert_eq!(admin.kind, DeptKind::Functional);
    let dup = db
        .create_department(
            "hr",
            &NewDepartment {
                code: "XZ".into(),
                name: "又一个".into(),
                kind: DeptKind::Line,
            },
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict { .. })), "{dup:?}");

    let good = vec![
        row(2, "E001", "张伟", "SC", "业务", "大客户经理", "E003"),
        row(3, "E002", "李娜", "SC", "业务", "客户经理", "E003"),
        row(4, "E003", "王强", "SC", "业务", "市场部经理", ""),
    ];
    let s = db.import_org("hr", &good).await.unwrap();
    assert_eq!(
        s,
        ImportSummary {
            departments_added: 1,
            positions_added: 3,
            employees_added: 3,
            employees_updated: 0
        }
    );
    let e1 = db.employee("E001").await.unwrap().unwrap();
    let e3 = db.employee("E003").await.unwrap().unwrap();
    assert_eq!(e1.supervisor_id, Some(e3.id));

    // One bad row: nothing of the file is stored, and every problem is named by line.
    let bad = vec![
        row(2, "E004", "赵一", "KF", "业务", "客服经理", ""),
        row(3, "E005", "", "KF", "业务", "", "E999"),
        row(4, "E004", "钱二", "KF", "奇怪", "", ""),
    ];
    let err = db.import_org("hr", &bad).await.unwrap_err();
    let StoreError::Rows(problems) = &err else {
        panic!("{err:?}")
    };
    let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
    assert!(lines.contains(&3) && lines.contains(&4), "{problems:?}");
    let text = err.to_string();
    assert!(
        text.contains("第 3 行") && text.contains("`E999`") && text.contains("与第 2 行重复"),
        "{text}"
    );
    assert!(
        db.employee("E004").await.unwrap().is_none(),
        "nothing stored"
    );
    assert_eq!(db.departments().await.unwrap().len(), 2);

    // Importing again updates instead of duplicating.
    let again = vec![row(2, "E001", "张伟伟", "SC", "业务", "大客户经理", "E003")];
    let s = db.import_org("hr", &again).await.unwrap();
    assert_eq!(s.employees_updated, 1);
    assert_eq!(db.employee("E001").await.unwrap().unwrap().name, "张伟伟");
    assert_eq!(
        db.employees(
            &kaohe_store::policy::Scope::All,
            Page {
                offset: 0,
                limit: 2
            }
        )
        .await
        .unwrap()
        .len(),
        2,
        "pages"
    );
}

async fn users_sessions_and_passwords(db: Db) {
    assert_eq!(db.user_count().await.unwrap(), 0);
    db.import_org("hr", &[row(2, "E001", "张伟", "SC", "业务", "", "")])
        .await
        .unwrap();
    let short = db
        .create_user(
            "setup",
            &NewUser {
                username: "hr".into(),
                password: "short".into(),
                emp_no: None,
                grants: vec![],
                lang: "zh-CN".into(),
            },
        )
        .await;
    assert!(matches!(short, Err(StoreError::Invalid { .. })));
    let u = db
        .create_user(
            "setup",
            &NewUser {
                username: "zhangwei".into(),
                password: "correct horse".into(),
                emp_no: Some("E001".into()),
                grants: vec![
                    Grant {
                        role: Role::Employee,
                        department_id: None,
                    },
                    Grant {
                        role: Role::Rater,
                        department_id: None,
                    },
                ],
                lang: "zh-CN".into(),
            },
        )
        .await
        .unwrap();
    assert!(u.has(Role::Rater) && !u.has(Role::HrAdmin));
    let unknown = db
        .create_user(
            "setup",
            &NewUser {
                username: "x".into(),
                password: "long enough".into(),
                emp_no: Some("E404".into()),
                grants: vec![],
                lang: "en".into(),
            },
        )
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound { .. })));
    assert!(
        db.authenticate("zhangwei", "wrong password")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        db.authenticate("nobody", "correct horse")
            .await
            .unwrap()
            .is_none()
    );
    let me = db
        .authenticate("zhangwei", "correct horse")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(me.id, u.id);
    assert_eq!(me.grants.len(), 2);

    let token = db
        .create_session(u.id, time::Duration::hours(8))
        .await
        .unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(
        db.session_user(&token).await.unwrap().unwrap().username,
        "zhangwei"
    );
    assert!(db.session_user("forged").await.unwrap().is_none());
    db.delete_session(&token).await.unwrap();
    assert!(
        db.session_user(&token).await.unwrap().is_none(),
        "signed out"
    );
    let expired = db
        .create_session(u.id, time::Duration::seconds(-1))
        .await
        .unwrap();
    assert!(
        db.session_user(&expired).await.unwrap().is_none(),
        "expired"
    );
}

const F01: &str = include_str!("../../../../templates/F01.toml");

async fn templates_are_versioned_and_checked(db: Db) {
    let v1 = db.publish_template("hr", F01).await.unwrap();
    assert_eq!((v1.form_id.as_str(), v1.version), ("F01", 1));
    let edited = F01.replace("points = 20\n", "points = 20\nnote = \"第二版\"\n");
    let v2 = db.publish_template("hr", &edited).await.unwrap();
    assert_eq!(v2.version, 2);
    // A cycle pinned to version 1 still reads version 1.
    assert_eq!(
        db.template("F01", Some(1)).await.unwrap().unwrap().source,
        F01
    );
    assert_eq!(db.template("F01", None).await.unwrap().unwrap().version, 2);
    assert_eq!(db.templates().await.unwrap().len(), 1);

    let broken = F01.replace("measure = \"completion\"", "measure = \"completoin\"");
    let err = db.publish_template("hr", &broken).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("template:") && text.contains("`completion`"),
        "names the place and the fix: {text}"
    );
    assert_eq!(
        db.template("F01", None).await.unwrap().unwrap().version,
        2,
        "nothing stored"
    );
}

async fn the_audit_chain_detects_tampering(db: Db) {
    db.create_department(
        "hr",
        &NewDepartment {
            code: "CW".into(),
            name: "财务部".into(),
            kind: DeptKind::Functional,
        },
    )
    .await
    .unwrap();
    db.audit(&NewAudit {
        actor: "hr".into(),
        action: "appraisal.reopen".into(),
        entity: "appraisal".into(),
        entity_id: "42".into(),
        old_value: Some("final".into()),
        new_value: Some("rating".into()),
        reason: Some("申诉成立".into()),
    })
    .await
    .unwrap();
    db.publish_template("hr", F01).await.unwrap();
    assert_eq!(
        db.verify_audit().await.unwrap(),
        AuditCheck::Intact { entries: 3 }
    );
    let log = db.audit_log(0, 10).await.unwrap();
    assert_eq!(log[1].reason.as_deref(), Some("申诉成立"));
    assert_eq!(log[1].prev_hash, log[0].hash);

    // Someone edits the reason of entry 2 directly in the database.
    let id = log[1].id;
    let tamper = "UPDATE audit_log SET reason = $1 WHERE id = $2";
    sqlx::query(tamper)
        .bind("改过")
        .bind(id)
        .execute(db.pool())
        .await
        .unwrap();
    match db.verify_audit().await.unwrap() {
        AuditCheck::Broken { id: at, .. } => assert_eq!(at, id),
        other => panic!("tampering not found: {other:?}"),
    }
}

async fn concurrent_writers_keep_one_chain(db: Db) {
    let mut tasks = Vec::new();
    for i in 0..24 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.audit(&NewAudit {
                actor: format!("w{i}"),
                action: "test".into(),
                entity: "x".into(),
                entity_id: i.to_string(),
                ..Default::default()
            })
            .await
            .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        db.verify_audit().await.unwrap(),
        AuditCheck::Intact { entries: 24 }
    );
}

async fn import_mappings_are_remembered_per_form(db: Db) {
    use std::collections::BTreeMap;
    assert!(db.import_mapping("F01").await.unwrap().is_empty());
    let before = db.audit_log(0, 1000).await.unwrap().len();
    let map: BTreeMap<String, String> = [
        ("员工号".to_string(), "id".to_string()),
        ("销售额（万元）".to_string(), "sales_actual".to_string()),
        ("备注".to_string(), "-".to_string()),
    ]
    .into();
    db.save_import_mapping("hr", "F01", &map).await.unwrap();
    assert_eq!(db.import_mapping("F01").await.unwrap(), map);
    assert!(db.import_mapping("F02").await.unwrap().is_empty());
    let log = db.audit_log(0, 1000).await.unwrap();
    assert_eq!(log.len(), before + 1);
    let e = log.last().unwrap();
    assert_eq!(
        (e.action.as_str(), e.entity_id.as_str(), e.actor.as_str()),
        ("import_mapping.save", "F01", "hr")
    );
    assert!(e.new_value.as_deref().unwrap().contains("sales_actual"));
    // The same mapping again changes nothing and is not audited.
    db.save_import_mapping("hr", "F01", &map).await.unwrap();
    assert_eq!(db.audit_log(0, 1000).await.unwrap().len(), before + 1);
    // A new mapping replaces the old one.
    let map2: BTreeMap<String, String> = [("工号".to_string(), "id".to_string())].into();
    db.save_import_mapping("hr2", "F01", &map2).await.unwrap();
    assert_eq!(db.import_mapping("F01").await.unwrap(), map2);
    let e = db.audit_log(0, 1000).await.unwrap().pop().unwrap();
    assert!(e.old_value.as_deref().unwrap().contains("sales_actual"));
    assert!(matches!(
        db.save_import_mapping("hr", "F01", &[(" ".to_string(), "id".to_string())].into())
            .await,
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        db.verify_audit().await.unwrap(),
        AuditCheck::Intact { .. }
    ));

    // Users by name, with their roles.
    assert!(db.user_by_name("hr").await.unwrap().is_none());
    db.create_user(
        "setup",
        &NewUser {
            username: "hr".into(),
            password: "a long password".into(),
            emp_no: None,
            grants: vec![Grant {
                role: Role::HrAdmin,
                department_id: None,
            }],
            lang: "zh-CN".into(),
        },
    )
    .await
    .unwrap();
    let u = db.user_by_name("hr").await.unwrap().unwrap();
    assert!(u.has(Role::HrAdmin));
}
