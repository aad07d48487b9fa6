//! A fresh, migrated store per test, on SQLite or PostgreSQL (required).
#![allow(dead_code)]

use kaohe_store::*;
use std::sync::atomic::{AtomicUsize, Ordering};

static N: AtomicUsize = AtomicUsize::new(0);

pub fn pg_admin_url() -> String {
    std::env::var("KAOHE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh, migrated store of the given kind.
pub async fn fresh(kind: Backend) -> Db {
    let n = N.fetch_add(1, Ordering::SeqCst);
    let db = match kind {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("kaohe-store-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            connect(&format!("sqlite://{}", dir.join("kaohe.db").display()))
                .await
                .unwrap()
        }
        Backend::Postgres => {
            let admin = pg_admin_url();
            let pool = sqlx::PgPool::connect(&admin).await.unwrap_or_else(|e| {
                panic!("PostgreSQL is required for the storage tests and is not reachable at {admin}: {e}. Start it, or set KAOHE_TEST_POSTGRES_URL.")
            });
            kaohe_store::test_support::drop_ended_test_databases(&pool).await;
            let name = format!("kaohe_test_{}_{n}", std::process::id());
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .unwrap();
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            connect(&format!("{base}/{name}")).await.unwrap()
        }
    };
    db.migrate().await.unwrap();
    db
}

/// Each named test runs twice, on SQLite and on PostgreSQL, on a fresh database.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::fresh(super::Backend::Sqlite).await).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::fresh(super::Backend::Postgres).await).await })*
        }
    };
}
pub(crate) use both;

/// Employees `emps` of 客服部 (customer managers, no supervisor) added to the organisation.
pub async fn employees(db: &Db, emps: &[&str]) {
    let org: Vec<OrgRow> = emps
        .iter()
        .enumerate()
        .map(|(i, e)| OrgRow {
            line: i + 2,
            emp_no: e.to_string(),
            name: format!("员工{e}"),
            dept_code: "KF".into(),
            dept_name: "客服部".into(),
            dept_kind: "业务".into(),
            position: "客户经理".into(),
            supervisor_emp_no: String::new(),
            ..Default::default()
        })
        .collect();
    db.import_org("test", &org).await.unwrap();
}

/// HR's user `hr` (made the first time it is asked for).
pub async fn hr_user(db: &Db) -> User {
    if let Some(u) = db.user_by_name("hr").await.unwrap() {
        return u;
    }
    db.create_user(
        "test",
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
    .unwrap()
}

/// A launched cycle `name` of `form` for `period` over the employees of `rows` (工号,
/// values): each row's values entered by HR in one grid save, the cycle then scored.
pub async fn launched(
    db: &Db,
    hr: &User,
    name: &str,
    form: &str,
    period: &str,
    rows: &[(String, Values)],
) -> Cycle {
    let cy = db
        .create_cycle(
            "hr",
            &NewCycle {
                name: name.into(),
                form_id: form.into(),
                period: period.into(),
                members: Members {
                    employees: rows.iter().map(|r| r.0.clone()).collect(),
                    ..Default::default()
                },
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    db.launch_cycle("hr", cy.id).await.unwrap();
    let grid: Vec<GridRow> = rows
        .iter()
        .enumerate()
        .map(|(i, (no, v))| GridRow {
            line: i + 1,
            emp_no: no.clone(),
            values: v.clone().into_iter().collect(),
            version: None,
            reason: None,
        })
        .collect();
    assert_eq!(
        db.enter_grid(hr, cy.id, None, &grid).await.unwrap(),
        rows.len()
    );
    db.score_cycle("hr", cy.id).await.unwrap();
    cy
}
