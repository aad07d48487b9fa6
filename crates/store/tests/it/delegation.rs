//! Delegation (代理) through the store: who may create one and what is refused (each naming
//! its field), the principal's rating in the delegate's 待办 and in their hands only while
//! the delegation is in force (not before, not after, not once revoked), never on the
//! delegate's own appraisal; the delegate's writes audited 「delegate 代 principal」; and HR's
//! reassignment of a stuck task. On SQLite and PostgreSQL.

use crate::common;

use common::*;
use kaohe_store::*;

use common::both;

both!(
    delegation_in_force_only_and_revocable,
    delegation_refusals_name_the_field,
    hr_reassigns_a_stuck_rating_task,
);

fn root(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// 王五 (W001) supervises 张三 (E001) and 李四 (E002); 赵六 (E003) has no part in it.
/// Users for each; an F01 cycle over 张三 and 李四, launched and put in rating.
async fn setup(db: &Db) -> (User, Vec<i64>) {
    db.publish_template("hr", &root("templates/F01.toml"))
        .await
        .unwrap();
    let rows: Vec<OrgRow> = [
        ("W001", "王五", ""),
        ("E001", "张三", "W001"),
        ("E002", "李四", "W001"),
        ("E003", "赵六", ""),
    ]
    .iter()
    .enumerate()
    .map(|(i, (no, name, sup))| OrgRow {
        line: i + 2,
        emp_no: no.to_string(),
        name: name.to_string(),
        dept_code: "SC".into(),
        dept_name: "市场部".into(),
        dept_kind: "业务".into(),
        position: "大客户经理".into(),
        supervisor_emp_no: sup.to_string(),
        ..Default::default()
    })
    .collect();
    db.import_org("test", &rows).await.unwrap();
    let hr = hr_user(db).await;
    for (u, no) in [
        ("wangwu", "W001"),
        ("zhangsan", "E001"),
        ("lisi", "E002"),
        ("zhaoliu", "E003"),
    ] {
        db.create_user(
            "test",
            &NewUser {
                username: u.into(),
                password: "a long password".into(),
                emp_no: Some(no.into()),
                grants: vec![Grant {
                    role: Role::Employee,
                    department_id: None,
                }],
                lang: "zh-CN".into(),
            },
        )
        .await
        .unwrap();
    }
    let cy = db
        .create_cycle(
            "hr",
            &NewCycle {
                name: "代理".into(),
                form_id: "F01".into(),
                period: "2026-11".into(),
                members: Members {
                    employees: vec!["E001".into(), "E002".into()],
                    ..Default::default()
                },
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    db.launch_cycle("hr", cy.id).await.unwrap();
    // The departments' data is not this test's concern: straight to rating.
    sqlx::query("UPDATE appraisals SET state = 'rating' WHERE cycle_id = $1")
        .bind(cy.id)
        .execute(db.pool())
        .await
        .unwrap();
    let ids = db
        .appraisals(&hr, Some(cy.id), None, Page::default())
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    (hr, ids)
}

async fn user(db: &Db, name: &str) -> User {
    db.user_by_name(name).await.unwrap().unwrap()
}

fn new(principal: &str, delegate: &str, from: &str, to: &str) -> NewDelegation {
    NewDelegation {
        principal: principal.into(),
        delegate: delegate.into(),
        from: from.into(),
        to: to.into(),
        reason: "休假".into(),
    }
}

/// The appraisal ids whose rating is in `who`'s 待办, with whom it is for.
async fn rating(db: &Db, who: &User) -> Vec<(i64, Option<String>)> {
    let mut v: Vec<(i64, Option<String>)> = db
        .tasks(who)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "rate")
        .map(|t| (t.appraisal_id.unwrap(), t.on_behalf_of))
        .collect();
    v.sort();
    v
}

async fn delegation_in_force_only_and_revocable(db: Db) {
    let (_hr, ids) = setup(&db).await;
    let wangwu = user(&db, "wangwu").await;
    let zhaoliu = user(&db, "zhaoliu").await;
    let lisi_user = user(&db, "lisi").await;
    let today = today();
    let own = rating(&db, &wangwu).await;
    assert_eq!(own, vec![(ids[0], None), (ids[1], None)]);

    // Before: a delegation from 2099 gives 赵六 nothing today.
    let later = db
        .create_delegation(
            &wangwu,
            &new("wangwu", "zhaoliu", "2099-01-01", "2099-01-31"),
        )
        .await
        .unwrap();
    assert_eq!(later.status(&today), "upcoming");
    assert!(rating(&db, &zhaoliu).await.is_empty());
    assert!(matches!(
        db.appraisal(&zhaoliu, ids[0]).await,
        Err(StoreError::NotFound { .. })
    ));

    // During: 赵六 has both ratings, as 王五's, and acts on them; 王五 keeps his.
    let d = db
        .create_delegation(&wangwu, &new("wangwu", "zhaoliu", &today, &today))
        .await
        .unwrap();
    assert_eq!(
        rating(&db, &zhaoliu).await,
        vec![
            (ids[0], Some("王五".to_string())),
            (ids[1], Some("王五".to_string()))
        ]
    );
    assert_eq!(rating(&db, &wangwu).await, own);
    let a = db.appraisal(&zhaoliu, ids[0]).await.unwrap();
    assert_eq!(a.on_behalf_of.as_deref(), Some("王五"));
    let listed = db
        .appraisals(&zhaoliu, None, None, Page::default())
        .await
        .unwrap();
    assert_eq!(listed.len(), 2, "both of 王五's appraisals are listed");
    let vals = Values::from([("authorised_work".to_string(), "18".to_string())]);
    db.enter(&zhaoliu, ids[0], a.version, &vals).await.unwrap();
    // Searching the log for either of them finds it (and `_` is no wildcard).
    for who in ["zhaoliu", "wangwu"] {
        let found = db
            .audit_search(&AuditQuery {
                actor: Some(who.into()),
                entity: Some("appraisal".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(
            found.iter().any(|e| e.actor == "zhaoliu 代 wangwu"),
            "{who}: {found:?}"
        );
    }
    let none = db
        .audit_search(&AuditQuery {
            actor: Some("zhaoli_".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty(), "{none:?}");
    let b = db.appraisal(&zhaoliu, ids[1]).await.unwrap();
    db.enter(&zhaoliu, ids[1], b.version, &vals).await.unwrap();
    let log = db.audit_log(0, 10_000).await.unwrap();
    let last = log.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("appraisal.values", "zhaoliu 代 wangwu")
    );

    // 李四 as 王五's delegate (HR sets it up, 赵六's revoked first): 张三's rating only,
    // never his own.
    let (s, r) = (
        db.revoke_delegation(&zhaoliu, d.id).await,
        db.revoke_delegation(&wangwu, d.id).await.unwrap(),
    );
    assert!(matches!(s, Err(StoreError::Forbidden(_))), "{s:?}");
    assert_eq!(r.status(&today), "revoked");
    assert!(rating(&db, &zhaoliu).await.is_empty(), "revoked: nothing");
    assert!(matches!(
        db.appraisal(&zhaoliu, ids[0]).await,
        Err(StoreError::NotFound { .. })
    ));
    let hr = hr_user(&db).await;
    db.create_delegation(&hr, &new("wangwu", "lisi", &today, &today))
        .await
        .unwrap();
    assert_eq!(
        rating(&db, &lisi_user).await,
        vec![(ids[0], Some("王五".to_string()))]
    );
    let mine = db.appraisal(&lisi_user, ids[1]).await.unwrap();
    assert_eq!(mine.on_behalf_of, None);
    assert!(
        !mine.inputs.contains_key("authorised_work"),
        "his rater's score stays hidden from him: {:?}",
        mine.inputs
    );
    let e = db
        .enter(
            &lisi_user,
            ids[1],
            mine.version,
            &Values::from([("samples".to_string(), "14".to_string())]),
        )
        .await;
    assert!(matches!(e, Err(StoreError::Forbidden(_))), "{e:?}");

    // After: a delegation whose days have passed gives nothing.
    sqlx::query("UPDATE delegations SET from_date = '2020-01-01', to_date = '2020-01-31' WHERE revoked_at IS NULL AND from_date <> '2099-01-01'")
        .execute(db.pool())
        .await
        .unwrap();
    assert!(rating(&db, &lisi_user).await.is_empty());
    assert!(matches!(
        db.appraisal(&lisi_user, ids[0]).await,
        Err(StoreError::NotFound { .. })
    ));

    // The lists: each sees their own, HR all; every step audited.
    assert_eq!(db.delegations(&zhaoliu).await.unwrap().len(), 2);
    assert_eq!(db.delegations(&lisi_user).await.unwrap().len(), 1);
    assert_eq!(db.delegations(&hr).await.unwrap().len(), 3);
    let actions: Vec<String> = db
        .audit_log(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "delegation")
        .map(|e| format!("{} {}", e.actor, e.action))
        .collect();
    assert_eq!(
        actions,
        [
            "wangwu delegation.create",
            "wangwu delegation.create",
            "wangwu delegation.revoke",
            "hr delegation.create"
        ]
    );
    assert!(db.verify_audit().await.unwrap().is_intact());
}

async fn delegation_refusals_name_the_field(db: Db) {
    let _ = setup(&db).await;
    let wangwu = user(&db, "wangwu").await;
    let lisi = user(&db, "lisi").await;
    db.set_disabled("hr", "zhangsan", true).await.unwrap();
    let today = today();
    let field = |r: Result<Delegation>| -> String {
        match r {
            Err(StoreError::Fields(f)) => f[0].0.clone(),
            other => panic!("not refused by field: {other:?}"),
        }
    };
    for (n, want) in [
        (new("wangwu", "wangwu", &today, &today), "delegate"),
        (new("wangwu", "nobody", &today, &today), "delegate"),
        (new("wangwu", "zhangsan", &today, &today), "delegate"),
        (new("wangwu", "lisi", "2020-01-01", "2020-01-02"), "to"),
        (new("wangwu", "lisi", "2099-02-01", "2099-01-01"), "to"),
        (new("wangwu", "lisi", "2026-02-30", &today), "from"),
        (new("nobody", "lisi", &today, &today), "principal"),
    ] {
        assert_eq!(
            field(db.create_delegation(&wangwu, &n).await),
            want,
            "{n:?}"
        );
    }
    // Someone else's work: only HR.
    assert!(matches!(
        db.create_delegation(&lisi, &new("wangwu", "zhaoliu", &today, &today))
            .await,
        Err(StoreError::Forbidden(_))
    ));
    // Overlapping a delegation in force: refused, naming the days it overlaps.
    db.create_delegation(&wangwu, &new("wangwu", "lisi", &today, "2099-01-10"))
        .await
        .unwrap();
    let r = db
        .create_delegation(
            &wangwu,
            &new("wangwu", "zhaoliu", "2099-01-10", "2099-01-20"),
        )
        .await;
    match r {
        Err(StoreError::Fields(f)) => {
            assert_eq!(f[0].0, "from");
            let zh = f[0].1.render(Lang::Zh);
            assert!(zh.contains("2099-01-10") && zh.contains("lisi"), "{zh}");
        }
        other => panic!("{other:?}"),
    }
    // Not overlapping: fine.
    db.create_delegation(
        &wangwu,
        &new("wangwu", "zhaoliu", "2099-01-11", "2099-01-20"),
    )
    .await
    .unwrap();
}

async fn hr_reassigns_a_stuck_rating_task(db: Db) {
    let (hr, ids) = setup(&db).await;
    let wangwu = user(&db, "wangwu").await;
    let zhaoliu = user(&db, "zhaoliu").await;
    let task = db
        .tasks(&wangwu)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.kind == "rate" && t.appraisal_id == Some(ids[0]))
        .unwrap();
    assert!(matches!(
        db.reassign_task(&wangwu, task.id, "E003", "").await,
        Err(StoreError::Forbidden(_))
    ));
    for (no, want) in [
        ("Z999", "employee"),
        ("W001", "employee"),
        ("E001", "employee"),
    ] {
        match db.reassign_task(&hr, task.id, no, "").await {
            Err(StoreError::Fields(f)) => assert_eq!(f[0].0, want, "{no}"),
            other => panic!("{no}: {other:?}"),
        }
    }
    let t = db
        .reassign_task(&hr, task.id, "E003", "王五休长假")
        .await
        .unwrap();
    assert_eq!(t.id, task.id);
    assert!(rating(&db, &zhaoliu).await.contains(&(ids[0], None)));
    assert!(!rating(&db, &wangwu).await.iter().any(|x| x.0 == ids[0]));
    assert!(matches!(
        db.appraisal(&wangwu, ids[0]).await,
        Err(StoreError::NotFound { .. })
    ));
    let e = db.audit_log(0, 10_000).await.unwrap().pop().unwrap();
    assert_eq!(
        (
            e.action.as_str(),
            e.old_value.as_deref(),
            e.new_value.as_deref(),
            e.reason.as_deref()
        ),
        (
            "task.reassign",
            Some("W001 王五"),
            Some("E003 赵六"),
            Some("王五休长假")
        )
    );
}
