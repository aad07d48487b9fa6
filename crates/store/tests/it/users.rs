//! Accounts opened by HR with one-time sign-in codes (issue 13): created for a department,
//! redeemed once (wrong, expired, weak refused), reset, disabled and enabled, all audited.

use kaohe_store::*;

use crate::common;
use common::*;

use common::both;

both!(
    accounts_for_a_department_sign_in_with_their_code_once,
    a_reset_ends_the_old_password_and_sessions,
    a_disabled_user_cannot_sign_in_until_enabled,
);

fn row(line: usize, no: &str, name: &str, dept: &str) -> OrgRow {
    OrgRow {
        line,
        emp_no: no.into(),
        name: name.into(),
        dept_code: dept.into(),
        dept_name: format!("部门{dept}"),
        dept_kind: "业务".into(),
        position: "客户经理".into(),
        supervisor_emp_no: String::new(),
        ..Default::default()
    }
}

/// Three employees in KF, one in XS.
async fn org(db: &Db) -> i64 {
    db.import_org(
        "hr",
        &[
            row(2, "E001", "张伟", "KF"),
            row(3, "E002", "王芳", "KF"),
            row(4, "E003", "李娜", "KF"),
            row(5, "S001", "刘洋", "XS"),
        ],
    )
    .await
    .unwrap();
    db.departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "KF")
        .unwrap()
        .id
}

fn employee() -> Vec<Grant> {
    vec![Grant {
        role: Role::Employee,
        department_id: None,
    }]
}

fn field_message(e: StoreError, field: &str) -> String {
    match e {
        StoreError::Fields(f) => f
            .into_iter()
            .find(|(k, _)| k == field)
            .unwrap_or_else(|| panic!("no refusal of {field}"))
            .1
            .to_string(),
        e => panic!("expected field refusals, got {e}"),
    }
}

const GOOD: &str = "晴天-blue-river-42";

async fn accounts_for_a_department_sign_in_with_their_code_once(db: Db) {
    let kf = org(&db).await;
    // One employee already has an account (made with a password, from the command line).
    db.create_user(
        "admin",
        &NewUser {
            username: "zhangwei".into(),
            password: "a long password".into(),
            emp_no: Some("E001".into()),
            grants: employee(),
            lang: "zh-CN".into(),
        },
    )
    .await
    .unwrap();
    let todo = db.employees_without_account(kf).await.unwrap();
    assert_eq!(todo, ["E002", "E003"]);
    // Asking for the one with an account refuses all, naming them.
    let mut with_taken = todo.clone();
    with_taken.push("E001".into());
    let e = db
        .create_accounts("hr", &with_taken, None, &employee())
        .await
        .unwrap_err();
    let m = field_message(e, "E001");
    assert!(m.contains("张伟") && m.contains("zhangwei"), "{m}");
    assert_eq!(db.users().await.unwrap().len(), 1, "nothing was made");

    let made = db
        .create_accounts("hr", &todo, None, &employee())
        .await
        .unwrap();
    assert_eq!(made.len(), 2);
    assert_eq!(made[0].0, "e002");
    assert_eq!(made[1].0, "e003");
    for (_, code) in &made {
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
    }
    assert!(db.employees_without_account(kf).await.unwrap().is_empty());
    let users = db.users().await.unwrap();
    let e002 = users.iter().find(|u| u.username == "e002").unwrap();
    assert!(e002.code_pending && !e002.disabled && e002.employee_id.is_some());
    assert!(e002.has(Role::Employee));
    // One employee with a chosen name.
    let one = db
        .create_accounts("hr", &["S001".into()], Some("liuyang"), &employee())
        .await
        .unwrap();
    assert_eq!(one[0].0, "liuyang");

    let (name, code) = made[0].clone();
    // A code alone does not sign in, nor does an empty password.
    assert!(db.authenticate(&name, &code).await.unwrap().is_none());
    assert!(db.authenticate(&name, "").await.unwrap().is_none());
    // A wrong code is refused.
    let e = db.redeem_code(&name, "ABCDEFGH", GOOD).await.unwrap_err();
    assert!(field_message(e, "code").contains("code"));
    // Someone else's code is refused.
    let e = db.redeem_code(&name, &made[1].1, GOOD).await.unwrap_err();
    field_message(e, "code");
    // A weak password is refused with the reason, and the code still works afterwards.
    let e = db
        .redeem_code(&name, &code, "1234567890")
        .await
        .unwrap_err();
    assert!(field_message(e, "new").contains("run"));
    // An expired code is refused.
    sqlx::query(
        "UPDATE users SET code_expires = '2020-01-01T00:00:00.000000Z' WHERE username = 'e003'",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let e = db.redeem_code("e003", &made[1].1, GOOD).await.unwrap_err();
    assert!(field_message(e, "code").contains("expired"));
    // The right code, typed in lower case with a space, sets the password.
    let typed = format!("{} {}", &code[..4], &code[4..]).to_lowercase();
    let u = db.redeem_code(&name, &typed, GOOD).await.unwrap();
    assert_eq!(u.username, name);
    assert!(!u.code_pending);
    assert!(db.authenticate(&name, GOOD).await.unwrap().is_some());
    // The code is used up.
    let e = db
        .redeem_code(&name, &code, "another long one")
        .await
        .unwrap_err();
    field_message(e, "code");
    assert!(db.authenticate(&name, GOOD).await.unwrap().is_some());

    let log = db.audit_log(0, 1000).await.unwrap();
    let creates = log
        .iter()
        .filter(|a| a.action == "user.create" && a.actor == "hr")
        .count();
    assert_eq!(creates, 3);
    assert!(
        log.iter()
            .any(|a| a.action == "user.password" && a.entity_id == name)
    );
    assert!(
        log.iter()
            .all(|a| !a.new_value.as_deref().unwrap_or_default().contains(&code)),
        "the code is never written to the audit log"
    );
    assert!(db.verify_audit().await.unwrap().is_intact());
}

async fn a_reset_ends_the_old_password_and_sessions(db: Db) {
    org(&db).await;
    let made = db
        .create_accounts("hr", &["E002".into()], None, &employee())
        .await
        .unwrap();
    let (name, code) = made[0].clone();
    let u = db.redeem_code(&name, &code, GOOD).await.unwrap();
    let session = db
        .create_session(u.id, time::Duration::hours(1))
        .await
        .unwrap();
    assert!(db.session_user(&session).await.unwrap().is_some());

    let fresh = db.reset_code("hr", &name).await.unwrap();
    assert_ne!(fresh, code);
    assert!(db.authenticate(&name, GOOD).await.unwrap().is_none());
    assert!(db.session_user(&session).await.unwrap().is_none());
    let u = db.user_by_name(&name).await.unwrap().unwrap();
    assert!(u.code_pending);
    // The old code does not come back; the new one works.
    field_message(
        db.redeem_code(&name, &code, "second good pass")
            .await
            .unwrap_err(),
        "code",
    );
    db.redeem_code(&name, &fresh, "second good pass")
        .await
        .unwrap();
    assert!(
        db.authenticate(&name, "second good pass")
            .await
            .unwrap()
            .is_some()
    );
    assert!(matches!(
        db.reset_code("hr", "nobody").await,
        Err(StoreError::NotFound { .. })
    ));
    let log = db.audit_log(0, 1000).await.unwrap();
    let reset = log.iter().find(|a| a.action == "user.code").unwrap();
    assert_eq!(reset.actor, "hr");
    assert_eq!(reset.old_value.as_deref(), Some("密码 / password"));
    assert!(reset.new_value.as_deref().unwrap().contains("1"));
}

async fn a_disabled_user_cannot_sign_in_until_enabled(db: Db) {
    org(&db).await;
    let (name, code) = db
        .create_accounts("hr", &["E003".into()], None, &employee())
        .await
        .unwrap()
        .remove(0);
    let u = db.redeem_code(&name, &code, GOOD).await.unwrap();
    let session = db
        .create_session(u.id, time::Duration::hours(1))
        .await
        .unwrap();
    let u = db.set_disabled("hr", &name, true).await.unwrap();
    assert!(u.disabled);
    assert!(db.authenticate(&name, GOOD).await.unwrap().is_none());
    assert!(db.session_user(&session).await.unwrap().is_none());
    // A disabled user cannot use a code either.
    let fresh = db.reset_code("hr", &name).await.unwrap();
    field_message(
        db.redeem_code(&name, &fresh, GOOD).await.unwrap_err(),
        "code",
    );
    let u = db.set_disabled("hr", &name, false).await.unwrap();
    assert!(!u.disabled);
    db.redeem_code(&name, &fresh, GOOD).await.unwrap();
    assert!(db.authenticate(&name, GOOD).await.unwrap().is_some());
    // Nobody disables themselves.
    assert!(matches!(
        db.set_disabled(&name, &name, true).await,
        Err(StoreError::Workflow(_))
    ));
    let log = db.audit_log(0, 1000).await.unwrap();
    let off = log.iter().find(|a| a.action == "user.disable").unwrap();
    assert_eq!(off.old_value.as_deref(), Some("启用 / active"));
    assert!(
        off.new_value
            .as_deref()
            .unwrap()
            .starts_with("停用 / disabled")
    );
    let on = log.iter().find(|a| a.action == "user.enable").unwrap();
    assert_eq!(on.new_value.as_deref(), Some("启用 / active"));
}
