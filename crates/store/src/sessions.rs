//! Sessions that end when idle, and the purge of ended sessions, for both backends from the
//! same SQL. A session's `last_seen` (migration 0005) is refreshed at most once a
//! [`TOUCH_EVERY`], so a busy user costs one write a minute, not one a request.

use crate::backend::USER_COLUMNS;
use crate::*;
use sqlx::Row;

/// How stale `last_seen` may be before a request refreshes it.
pub const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

impl Db {
    /// The user of a session that has not expired and (with `idle`) was used within
    /// `idle`; notes the use. The session, the account and its grants come in one query
    /// (every request asks this first, so it is kept to one round trip on one connection).
    pub(crate) async fn session_user_impl(
        &self,
        token: &str,
        idle: Option<time::Duration>,
    ) -> Result<Option<User>> {
        let now_t = time::OffsetDateTime::now_utc();
        let at = stamp(now_t);
        let hash = token_hash(token);
        let mut c = self.reader.acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT s.last_seen, {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN user_roles g ON g.user_id = u.id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 ORDER BY g.role"
        )))
        .bind(&hash)
        .bind(&at)
        .fetch_all(&mut *c)
        .await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let last_seen: Option<String> = r.get("last_seen");
        if let (Some(idle), Some(seen)) = (idle, &last_seen)
            && *seen <= stamp(now_t - idle)
        {
            return Ok(None);
        }
        let user = Self::user_from_rows(&mut c, &rows).await?;
        drop(c);
        // Refreshed often enough that a session used within `idle` never ends.
        let touch = idle.map_or(TOUCH_EVERY, |i| TOUCH_EVERY.min(i / 4));
        if last_seen.is_none_or(|seen| seen <= stamp(now_t - touch)) {
            sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
                .bind(&at)
                .bind(&hash)
                .execute(&self.writer)
                .await?;
        }
        Ok(user)
    }

    pub(crate) async fn purge_sessions_impl(&self, idle: time::Duration) -> Result<u64> {
        let now_t = time::OffsetDateTime::now_utc();
        Ok(
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen <= $2")
                .bind(stamp(now_t))
                .bind(stamp(now_t - idle))
                .execute(&self.writer)
                .await?
                .rows_affected(),
        )
    }

    pub(crate) async fn ping_impl(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }
}
