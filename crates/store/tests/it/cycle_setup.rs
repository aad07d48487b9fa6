//! Setting up a cycle as HR thinks of it (issue 13): parameters and targets by the names
//! the sheet shows, a draft edited or deleted, who a launch will appraise before it does,
//! last month's cycle copied, and a launched cycle cancelled with a reason. On SQLite and
//! PostgreSQL.

use crate::common;

use common::*;
use kaohe_store::*;

use common::both;

both!(
    names_are_stored_as_ids_and_unknown_names_refused,
    a_draft_is_edited_and_deleted_until_launched,
    the_launch_preview_is_what_launch_creates,
    copy_moves_the_period_and_the_name,
    cancel_closes_tasks_with_a_reason_until_publication,
);

fn root(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn emp(line: usize, no: &str, name: &str, dept: &str, pos: &str) -> OrgRow {
    OrgRow {
        line,
        emp_no: no.into(),
        name: name.into(),
        dept_code: if dept == "市场部" { "SC" } else { "KF" }.into(),
        dept_name: dept.into(),
        dept_kind: "业务".into(),
        position: pos.into(),
        supervisor_emp_no: String::new(),
        ..Default::default()
    }
}

/// An organisation with two key account managers and one customer manager, F01 and F04.
async fn setup(db: &Db) {
    db.import_org(
        "test",
        &[
            emp(2, "A001", "张三", "市场部", "大客户经理"),
            emp(3, "A002", "李四", "市场部", "大客户经理"),
            emp(4, "B001", "王五", "客服部", "客户经理"),
        ],
    )
    .await
    .unwrap();
    for f in ["F01", "F04"] {
        db.publish_template("hr", &root(&format!("templates/{f}.toml")))
            .await
            .unwrap();
    }
}

fn values(pairs: &[(&str, &str)]) -> Values {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// F01 for November with 「大客户经理: 月度绩效奖金=3000」 and A002's own 3500.
fn november() -> NewCycle {
    NewCycle {
        name: "2026年11月 大客户经理考核".into(),
        form_id: "F01".into(),
        period: "2026-11".into(),
        targets: vec![
            TargetSet {
                position: Some("大客户经理".into()),
                emp_no: None,
                values: values(&[("月度绩效奖金", "3000")]),
            },
            TargetSet {
                position: None,
                emp_no: Some("A002".into()),
                values: values(&[("Monthly performance bonus base", "3500")]),
            },
        ],
        data_due: Some("2026-12-05".into()),
        rating_due: Some("2026-11-30".into()),
        confirm_window_hours: 72,
        ..Default::default()
    }
}

async fn names_are_stored_as_ids_and_unknown_names_refused(db: Db) {
    setup(&db).await;
    let cy = db.create_cycle("hr", &november()).await.unwrap();
    assert_eq!(cy.targets[0].values, values(&[("monthly_bonus", "3000")]));
    assert_eq!(cy.targets[1].values, values(&[("monthly_bonus", "3500")]));
    // A parameter by its Chinese name.
    let q = db
        .create_cycle(
            "hr",
            &NewCycle {
                name: "2026年第四季度 客户经理".into(),
                form_id: "F04".into(),
                period: "2026-Q4".into(),
                params: values(&[("新增客户资产目标", "600")]),
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(q.params, values(&[("new_assets_target", "600")]));
    // An unknown name is refused, named, with the names the form has.
    let mut bad = november();
    bad.name = "另一个".into();
    bad.targets[0].values = values(&[("月度奖金", "3000")]);
    match db.create_cycle("hr", &bad).await {
        Err(StoreError::Fields(f)) => {
            assert_eq!(f.len(), 1, "{f:?}");
            assert_eq!(f[0].0, "targets[0].月度奖金");
            assert!(f[0].1.to_string().contains("「月度奖金」"), "{}", f[0].1);
            // The names the form has, as the sheet shows them: the ids stay in the field.
            assert!(
                f[0].1.to_string().contains("月度绩效奖金")
                    && !f[0].1.to_string().contains("monthly_bonus"),
                "{}",
                f[0].1
            );
        }
        other => panic!("{other:?}"),
    }
}

async fn a_draft_is_edited_and_deleted_until_launched(db: Db) {
    setup(&db).await;
    let cy = db.create_cycle("hr", &november()).await.unwrap();
    let mut n = november();
    n.name = "2026年11月 大客户经理考核（修订）".into();
    n.targets.truncate(1);
    n.targets[0].values = values(&[("月度绩效奖金", "3200")]);
    let up = db.update_cycle("hr", cy.id, &n).await.unwrap();
    assert_eq!(up.name, n.name);
    assert_eq!(up.targets.len(), 1);
    assert_eq!(up.targets[0].values, values(&[("monthly_bonus", "3200")]));
    assert_eq!(up.status, "draft");
    let log = db.audit_log(0, 1000).await.unwrap();
    let e = log.iter().find(|e| e.action == "cycle.update").unwrap();
    assert!(e.old_value.as_deref().unwrap().contains("3000"));
    assert!(e.new_value.as_deref().unwrap().contains("3200"));
    // A bad edit changes nothing.
    n.targets[0].values = values(&[("nope", "1")]);
    assert!(matches!(
        db.update_cycle("hr", cy.id, &n).await,
        Err(StoreError::Fields(_))
    ));
    assert_eq!(db.cycle(cy.id).await.unwrap(), up);
    // Deleted.
    db.delete_cycle("hr", cy.id).await.unwrap();
    assert!(matches!(
        db.cycle(cy.id).await,
        Err(StoreError::NotFound { .. })
    ));
    let log = db.audit_log(0, 1000).await.unwrap();
    assert!(log.iter().any(|e| e.action == "cycle.delete"));
    // Once launched, neither.
    let cy = db.create_cycle("hr", &november()).await.unwrap();
    db.launch_cycle("hr", cy.id).await.unwrap();
    match db.update_cycle("hr", cy.id, &november()).await {
        Err(StoreError::Workflow(m)) => assert!(m.to_string().contains("只有草稿"), "{m}"),
        other => panic!("{other:?}"),
    }
    match db.delete_cycle("hr", cy.id).await {
        Err(StoreError::Workflow(m)) => assert!(m.to_string().contains("只有草稿"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(db.cycle(cy.id).await.unwrap().status, "launched");
}

async fn the_launch_preview_is_what_launch_creates(db: Db) {
    setup(&db).await;
    let cy = db.create_cycle("hr", &november()).await.unwrap();
    let p = db.launch_preview(cy.id).await.unwrap();
    let nos: Vec<&str> = p.members.iter().map(|m| m.emp_no.as_str()).collect();
    assert_eq!(nos, ["A001", "A002"]);
    assert_eq!(p.members[0].name, "张三");
    assert_eq!(p.members[0].department, "市场部");
    assert_eq!(p.members[0].position.as_deref(), Some("大客户经理"));
    assert_eq!(p.members[0].bonus_base.as_deref(), Some("3000"));
    assert_eq!(p.members[1].bonus_base.as_deref(), Some("3500"));
    assert_eq!(p.bonus_base_total, "6500");
    assert_eq!(p.bonus_inputs, ["monthly_bonus"]);
    // Nothing was stored.
    assert_eq!(db.cycle(cy.id).await.unwrap().status, "draft");
    let sum = db.launch_cycle("hr", cy.id).await.unwrap();
    assert_eq!(sum.appraisals, p.members.len());
    let hr = hr_user(&db).await;
    let made = db
        .appraisals(&hr, Some(cy.id), None, Page::default())
        .await
        .unwrap();
    let mut made: Vec<(String, String)> = made
        .iter()
        .map(|a| (a.emp_no.clone(), a.inputs["monthly_bonus"].clone()))
        .collect();
    made.sort();
    let want: Vec<(String, String)> = p
        .members
        .iter()
        .map(|m| (m.emp_no.clone(), m.bonus_base.clone().unwrap()))
        .collect();
    assert_eq!(made, want);
    // A launched cycle has no preview.
    assert!(matches!(
        db.launch_preview(cy.id).await,
        Err(StoreError::Workflow(_))
    ));
}

async fn copy_moves_the_period_and_the_name(db: Db) {
    setup(&db).await;
    let cy = db.create_cycle("hr", &november()).await.unwrap();
    db.launch_cycle("hr", cy.id).await.unwrap();
    let dec = db.copy_cycle("hr", cy.id).await.unwrap();
    assert_eq!(dec.status, "draft");
    assert_eq!(dec.period, "2026-12");
    assert_eq!(dec.name, "2026年12月 大客户经理考核");
    assert_eq!(dec.form_id, "F01");
    assert_eq!(dec.targets, cy.targets);
    assert_eq!(dec.members, cy.members);
    assert_eq!(dec.data_due.as_deref(), Some("2027-01-05"));
    assert_eq!(dec.rating_due.as_deref(), Some("2026-12-30"));
    // December's copy is January of the next year; a quarter moves by a quarter.
    let jan = db.copy_cycle("hr", dec.id).await.unwrap();
    assert_eq!(
        (jan.period.as_str(), jan.name.as_str()),
        ("2027-01", "2027年1月 大客户经理考核")
    );
    let q = db
        .create_cycle(
            "hr",
            &NewCycle {
                name: "2026年第四季度 客户经理".into(),
                form_id: "F04".into(),
                period: "2026-Q4".into(),
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let q1 = db.copy_cycle("hr", q.id).await.unwrap();
    assert_eq!(
        (q1.period.as_str(), q1.name.as_str()),
        ("2027-Q1", "2027年第一季度 客户经理")
    );
    // Copying twice is a conflict, not a second copy.
    assert!(matches!(
        db.copy_cycle("hr", cy.id).await,
        Err(StoreError::Conflict { .. })
    ));
    let log = db.audit_log(0, 1000).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "cycle.copy").count(), 3);
}

async fn cancel_closes_tasks_with_a_reason_until_publication(db: Db) {
    setup(&db).await;
    let draft = db.create_cycle("hr", &november()).await.unwrap();
    assert!(matches!(
        db.cancel_cycle("hr", draft.id, "不需要").await,
        Err(StoreError::Workflow(_))
    ));
    db.launch_cycle("hr", draft.id).await.unwrap();
    assert!(matches!(
        db.cancel_cycle("hr", draft.id, "  ").await,
        Err(StoreError::Fields(_))
    ));
    let open = |db: Db, id: i64| async move {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tasks WHERE cycle_id = $1 AND status = 'open'",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await
        .unwrap();
        n
    };
    assert!(open(db.clone(), draft.id).await > 0);
    let c = db
        .cancel_cycle("hr", draft.id, "考核方案调整，重新发起")
        .await
        .unwrap();
    assert_eq!(c.status, "cancelled");
    assert_eq!(c.cancel_reason.as_deref(), Some("考核方案调整，重新发起"));
    assert_eq!(open(db.clone(), draft.id).await, 0);
    let log = db.audit_log(0, 1000).await.unwrap();
    let e = log.iter().find(|e| e.action == "cycle.cancel").unwrap();
    assert_eq!(e.reason.as_deref(), Some("考核方案调整，重新发起"));
    assert!(db.verify_audit().await.unwrap().is_intact());
    // Cancelled once; never launched again.
    assert!(matches!(
        db.cancel_cycle("hr", draft.id, "again").await,
        Err(StoreError::Workflow(_))
    ));
    assert!(db.launch_cycle("hr", draft.id).await.is_err());
    // Once something was published, refused, saying so.
    let mut n = november();
    n.period = "2026-10".into();
    n.name = "2026年10月 大客户经理考核".into();
    let oct = db.create_cycle("hr", &n).await.unwrap();
    db.launch_cycle("hr", oct.id).await.unwrap();
    sqlx::query("UPDATE appraisals SET state = 'published', published_at = $1 WHERE cycle_id = $2")
        .bind("2026-11-01T00:00:00Z")
        .bind(oct.id)
        .execute(db.pool())
        .await
        .unwrap();
    match db.cancel_cycle("hr", oct.id, "错了").await {
        Err(StoreError::Workflow(m)) => assert!(m.to_string().contains("已有 2 份"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(db.cycle(oct.id).await.unwrap().status, "launched");
}
