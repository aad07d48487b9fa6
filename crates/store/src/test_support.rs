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
