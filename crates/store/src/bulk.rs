//! Writing many rows at once, the fastest way each database offers: multi-row `VALUES`
//! statements in chunks on SQLite (in-process, cheap per statement), one statement over
//! `UNNEST` of column arrays on PostgreSQL (one round trip, one plan, for any number of rows).

use crate::Result;

/// One column of a bulk write.
pub(crate) enum BulkCol {
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
}

impl BulkCol {
    fn len(&self) -> usize {
        match self {
            BulkCol::Int(v) => v.len(),
            BulkCol::Text(v) => v.len(),
        }
    }
    fn pg_array(&self) -> &'static str {
        match self {
            BulkCol::Int(_) => "bigint[]",
            BulkCol::Text(_) => "text[]",
        }
    }
}

/// Bulk inserts and keyed updates on a connection.
pub(crate) trait Bulk {
    /// `INSERT INTO table (names…)` one row per index of the columns.
    async fn bulk_insert(&mut self, table: &str, names: &[&str], cols: &[BulkCol]) -> Result<()>;
    /// `UPDATE table SET name = value… {extra}` for the rows whose `id` is in `ids`.
    async fn bulk_update(
        &mut self,
        table: &str,
        ids: &[i64],
        names: &[&str],
        cols: &[BulkCol],
        extra: &str,
    ) -> Result<()>;
}

/// Rows per SQLite statement: under its limit of 32,766 parameters for any width here.
const SQLITE_ROWS: usize = 1000;

fn push_row(
    b: &mut sqlx::query_builder::Separated<'_, sqlx::Sqlite, &'static str>,
    cols: &[BulkCol],
    i: usize,
) {
    for c in cols {
        match c {
            BulkCol::Int(v) => {
                b.push_bind(v[i]);
            }
            BulkCol::Text(v) => {
                b.push_bind(v[i].clone());
            }
        }
    }
}

impl Bulk for sqlx::SqliteConnection {
    async fn bulk_insert(&mut self, table: &str, names: &[&str], cols: &[BulkCol]) -> Result<()> {
        let n = cols.first().map_or(0, BulkCol::len);
        let mut start = 0;
        while start < n {
            let end = (start + SQLITE_ROWS).min(n);
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
                "INSERT INTO {table} ({}) ",
                names.join(", ")
            ));
            qb.push_values(start..end, |mut b, i| push_row(&mut b, cols, i));
            qb.build().execute(&mut *self).await?;
            start = end;
        }
        Ok(())
    }

    async fn bulk_update(
        &mut self,
        table: &str,
        ids: &[i64],
        names: &[&str],
        cols: &[BulkCol],
        extra: &str,
    ) -> Result<()> {
        let sets: Vec<String> = names.iter().map(|c| format!("{c} = v.{c}")).collect();
        let mut start = 0;
        while start < ids.len() {
            let end = (start + SQLITE_ROWS).min(ids.len());
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
                "WITH v(id, {}) AS (",
                names.join(", ")
            ));
            qb.push_values(start..end, |mut b, i| {
                b.push_bind(ids[i]);
                push_row(&mut b, cols, i);
            });
            qb.push(format!(
                ") UPDATE {table} SET {}{extra} FROM v WHERE {table}.id = v.id",
                sets.join(", ")
            ));
            qb.build().execute(&mut *self).await?;
            start = end;
        }
        Ok(())
    }
}

fn bind_pg<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    cols: &'q [BulkCol],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    for c in cols {
        q = match c {
            BulkCol::Int(v) => q.bind(v),
            BulkCol::Text(v) => q.bind(v),
        };
    }
    q
}

fn unnest(cols: &[BulkCol], first: usize) -> String {
    cols.iter()
        .enumerate()
        .map(|(i, c)| format!("${}::{}", i + first, c.pg_array()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Bulk for sqlx::PgConnection {
    async fn bulk_insert(&mut self, table: &str, names: &[&str], cols: &[BulkCol]) -> Result<()> {
        if cols.first().is_none_or(|c| c.len() == 0) {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO {table} ({}) SELECT * FROM UNNEST({})",
            names.join(", "),
            unnest(cols, 1)
        );
        bind_pg(sqlx::query(sqlx::AssertSqlSafe(sql)), cols)
            .execute(&mut *self)
            .await?;
        Ok(())
    }

    async fn bulk_update(
        &mut self,
        table: &str,
        ids: &[i64],
        names: &[&str],
        cols: &[BulkCol],
        extra: &str,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sets: Vec<String> = names.iter().map(|c| format!("{c} = v.{c}")).collect();
        let sql = format!(
            "UPDATE {table} SET {}{extra} FROM UNNEST($1::bigint[], {}) AS v(id, {}) WHERE {table}.id = v.id",
            sets.join(", "),
            unnest(cols, 2),
            names.join(", ")
        );
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ids);
        bind_pg(q, cols).execute(&mut *self).await?;
        Ok(())
    }
}
