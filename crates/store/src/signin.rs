//! Failed sign-ins, counted in the database (migration 0012), so every server on one
//! database shares the lockout and a restart keeps it. The server's `throttle` decides the
//! subjects (a normalised user name, a network address) and the limits; the counting is one
//! upsert, atomic on both backends, so two servers counting at once lose nothing.

use crate::backend::SqlBuilder;
use crate::*;
use sqlx::Row;

/// A stored time read back (`stamp`'s format).
fn parse_stamp(s: &str) -> Option<time::OffsetDateTime> {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::PrimitiveDateTime::parse(s, &f)
        .ok()
        .map(|t| t.assume_utc())
}

impl Db {
    pub(crate) async fn sign_in_failed_impl(
        &self,
        subject: &str,
        limit: u32,
        window: time::Duration,
        lockout: time::Duration,
        now: time::OffsetDateTime,
    ) -> Result<Option<time::OffsetDateTime>> {
        let at = stamp(now);
        let until = stamp(now + lockout);
        let window_start = stamp(now - window);
        let limit = i64::from(limit.max(1));
        let first_locks = (limit <= 1).then(|| until.clone());
        // A row whose window (when not locked) or lockout is over starts again at one failure;
        // otherwise one more, and the one that reaches the limit locks the subject.
        let row = sqlx::query(
            "INSERT INTO sign_in_failures (subject, failures, since, locked_until) VALUES ($1, 1, $2, $3) \
             ON CONFLICT (subject) DO UPDATE SET \
             failures = CASE WHEN (sign_in_failures.since <= $4 AND sign_in_failures.locked_until IS NULL) OR sign_in_failures.locked_until <= $5 \
                THEN 1 ELSE sign_in_failures.failures + 1 END, \
             since = CASE WHEN (sign_in_failures.since <= $6 AND sign_in_failures.locked_until IS NULL) OR sign_in_failures.locked_until <= $7 \
                THEN $8 ELSE sign_in_failures.since END, \
             locked_until = CASE WHEN (sign_in_failures.since <= $9 AND sign_in_failures.locked_until IS NULL) OR sign_in_failures.locked_until <= $10 \
                THEN $11 WHEN sign_in_failures.failures + 1 >= $12 THEN $13 \
                ELSE sign_in_failures.locked_until END \
             RETURNING failures, locked_until",
        )
        .bind(subject)
        .bind(&at)
        .bind(&first_locks)
        .bind(&window_start)
        .bind(&at)
        .bind(&window_start)
        .bind(&at)
        .bind(&at)
        .bind(&window_start)
        .bind(&at)
        .bind(&first_locks)
        .bind(limit)
        .bind(&until)
        .fetch_one(&self.writer)
        .await?;
        let locked: Option<String> = row.get("locked_until");
        locked
            .filter(|u| *u > at)
            .map(|u| {
                parse_stamp(&u).ok_or(StoreError::Corrupt {
                    table: "sign_in_failures",
                    id: 0,
                    column: "locked_until",
                })
            })
            .transpose()
    }

    pub(crate) async fn sign_in_locked_impl(
        &self,
        subjects: &[&str],
        now: time::OffsetDateTime,
    ) -> Result<Option<time::OffsetDateTime>> {
        let mut q = SqlBuilder::new(
            "SELECT MAX(locked_until) AS until FROM sign_in_failures WHERE locked_until > ",
        );
        q.push_bind(stamp(now)).push(" AND subject IN (''");
        for s in subjects {
            q.push(", ").push_bind(s.to_string());
        }
        q.push(")");
        let until: Option<String> = q.build().fetch_one(&self.reader).await?.get("until");
        until
            .map(|u| {
                parse_stamp(&u).ok_or(StoreError::Corrupt {
                    table: "sign_in_failures",
                    id: 0,
                    column: "locked_until",
                })
            })
            .transpose()
    }

    pub(crate) async fn sign_in_cleared_impl(&self, subject: &str) -> Result<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE subject = $1")
            .bind(subject)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub(crate) async fn purge_sign_in_failures_impl(
        &self,
        window: time::Duration,
        now: time::OffsetDateTime,
    ) -> Result<u64> {
        Ok(sqlx::query(
            "DELETE FROM sign_in_failures WHERE since <= $1 AND (locked_until IS NULL OR locked_until <= $2)",
        )
        .bind(stamp(now - window))
        .bind(stamp(now))
        .execute(&self.writer)
        .await?
        .rows_affected())
    }
}
