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
