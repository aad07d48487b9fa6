//! For the test suites of kaohe's crates (not for the product): PostgreSQL databases made by
//! tests are named `kaohe_test_…_{pid}_{n}`; those whose test process has ended are dropped,
//! once per process, never another running binary's.

use tokio::sync::OnceCell;

static CLEANED: OnceCell<()> = OnceCell::const_new();

/// Drop the `kaohe_test_%` databases whose process has ended (the first pure number in the
/// name is its pid). Runs once per process; later calls return at once.
pub async fn drop_ended_test_databases(pool: &sqlx::PgPool) {
    CLEANED
        .get_or_init(|| async {
            let old: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE datname LIKE 'kaohe\\_test\\_%'",
            )
            .fetch_all(pool)
            .await
            .unwrap_or_default();
            let ended = |d: &String| {
                d.split('_')
                    .filter_map(|part| part.parse::<u32>().ok())
                    .next()
                    .is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
            };
            for d in old.into_iter().filter(ended) {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {d} WITH (FORCE)"
                )))
                .execute(pool)
                .await;
            }
        })
        .await;
}

/// A new, empty PostgreSQL database `kaohe_test_{pid}_{tag}` on the server of
/// `KAOHE_TEST_POSTGRES_URL` (default: the local `test` database's server), and its URL.
/// PostgreSQL is required: an unreachable server fails the test, naming the URL.
pub async fn fresh_pg_database(tag: &str) -> String {
    let admin = std::env::var("KAOHE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let pool = sqlx::PgPool::connect(&admin).await.unwrap_or_else(|e| {
        panic!("PostgreSQL is required for this test and is not reachable at {admin}: {e}")
    });
    drop_ended_test_databases(&pool).await;
    let name = format!("kaohe_test_{}_{tag}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    format!(
        "{}/{name}",
        admin.rsplit_once('/').expect("a database URL").0
    )
}
