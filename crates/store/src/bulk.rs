//! Writing many rows at once, the fastest way each database offers: multi-row `VALUES`
//! statements in chunks on SQLite (in-process, cheap per statement), one statement over
//! `UNNEST` of column arrays on PostgreSQL (one round trip, one plan, for any number of rows;
//! the arrays are bound as text literals and cast, as the `Any` driver binds no arrays).

use crate::backend::backend_of;
use crate::{Backend, Result};

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
    /// The columns are taken: their values are bound as they are, not copied.
    async fn bulk_insert(&mut self, table: &str, names: &[&str], cols: Vec<BulkCol>) -> Result<()>;
    /// `UPDATE table SET name = value… {extra}` for the rows whose `id` is in `ids`.
    async fn bulk_update(
        &mut self,
        table: &str,
        ids: &[i64],
        names: &[&str],
        cols: Vec<BulkCol>,
        extra: &str,
    ) -> Result<()>;
}

/// Rows per SQLite statement: under its limit of 32,766 parameters for any width here.
const SQLITE_ROWS: usize = 1000;

/// Row `i` of the columns bound, its texts taken (each row is bound once).
fn push_row(
    b: &mut sqlx::query_builder::Separated<'_, sqlx::Any, &'static str>,
    cols: &mut [BulkCol],
    i: usize,
) {
    for c in cols {
        match c {
            BulkCol::Int(v) => {
                b.push_bind(v[i]);
            }
            BulkCol::Text(v) => {
                b.push_bind(v[i].take());
            }
        }
    }
}

impl Bulk for sqlx::AnyConnection {
    async fn bulk_insert(
        &mut self,
        table: &str,
        names: &[&str],
        mut cols: Vec<BulkCol>,
    ) -> Result<()> {
        match backend_of(self) {
            Backend::Sqlite => sqlite_insert(self, table, names, &mut cols).await,
            Backend::Postgres => pg_insert(self, table, names, &cols).await,
        }
    }

    async fn bulk_update(
        &mut self,
        table: &str,
        ids: &[i64],
        names: &[&str],
        mut cols: Vec<BulkCol>,
        extra: &str,
    ) -> Result<()> {
        match backend_of(self) {
            Backend::Sqlite => sqlite_update(self, table, ids, names, &mut cols, extra).await,
            Backend::Postgres => pg_update(self, table, ids, names, &cols, extra).await,
        }
    }
}

async fn sqlite_insert(
    c: &mut sqlx::AnyConnection,
    table: &str,
    names: &[&str],
    cols: &mut [BulkCol],
) -> Result<()> {
    let n = cols.first().map_or(0, BulkCol::len);
    let mut start = 0;
    while start < n {
        let end = (start + SQLITE_ROWS).min(n);
        let mut qb = sqlx::QueryBuilder::<sqlx::Any>::new(format!(
            "INSERT INTO {table} ({}) ",
            names.join(", ")
        ));
        qb.push_values(start..end, |mut b, i| push_row(&mut b, cols, i));
        qb.build().execute(&mut *c).await?;
        start = end;
    }
    Ok(())
}

async fn sqlite_update(
    c: &mut sqlx::AnyConnection,
    table: &str,
    ids: &[i64],
    names: &[&str],
    cols: &mut [BulkCol],
    extra: &str,
) -> Result<()> {
    let sets: Vec<String> = names.iter().map(|c| format!("{c} = v.{c}")).collect();
    let mut start = 0;
    while start < ids.len() {
        let end = (start + SQLITE_ROWS).min(ids.len());
        let mut qb =
            sqlx::QueryBuilder::<sqlx::Any>::new(format!("WITH v(id, {}) AS (", names.join(", ")));
        qb.push_values(start..end, |mut b, i| {
            b.push_bind(ids[i]);
            push_row(&mut b, cols, i);
        });
        qb.push(format!(
            ") UPDATE {table} SET {}{extra} FROM v WHERE {table}.id = v.id",
            sets.join(", ")
        ));
        qb.build().execute(&mut *c).await?;
        start = end;
    }
    Ok(())
}

/// A PostgreSQL array literal (`{1,NULL,3}`, `{"a","b \"c\""}`), bound as text and cast
/// to the array type in SQL: the `Any` driver binds no arrays.
fn pg_array_literal(c: &BulkCol) -> String {
    use std::fmt::Write;
    // One string, written in one pass: a chunk of an import is thousands of values, most
    // of them JSON full of quotes.
    let mut out = String::with_capacity(2 + c.len() * 16);
    out.push('{');
    for i in 0..c.len() {
        if i > 0 {
            out.push(',');
        }
        match c {
            BulkCol::Int(v) => match v[i] {
                Some(n) => {
                    let _ = write!(out, "{n}");
                }
                None => out.push_str("NULL"),
            },
            BulkCol::Text(v) => match v[i].as_deref() {
                Some(s) => {
                    out.reserve(s.len() + 2);
                    out.push('"');
                    // The text between quotes and backslashes copied whole, each of those
                    // escaped.
                    let mut rest = s;
                    while let Some(at) = rest.find(['"', '\\']) {
                        out.push_str(&rest[..at]);
                        out.push('\\');
                        out.push_str(&rest[at..=at]);
                        rest = &rest[at + 1..];
                    }
                    out.push_str(rest);
                    out.push('"');
                }
                None => out.push_str("NULL"),
            },
        }
    }
    out.push('}');
    out
}

fn bind_pg<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    cols: &[BulkCol],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for c in cols {
        q = q.bind(pg_array_literal(c));
    }
    q
}

fn unnest(cols: &[BulkCol], first: usize) -> String {
    cols.iter()
        .enumerate()
        .map(|(i, c)| format!("CAST(${} AS {})", i + first, c.pg_array()))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn pg_insert(
    c: &mut sqlx::AnyConnection,
    table: &str,
    names: &[&str],
    cols: &[BulkCol],
) -> Result<()> {
    if cols.first().is_none_or(|c| c.len() == 0) {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT * FROM UNNEST({})",
        names.join(", "),
        unnest(cols, 1)
    );
    bind_pg(sqlx::query(sqlx::AssertSqlSafe(sql)), cols)
        .execute(&mut *c)
        .await?;
    Ok(())
}

async fn pg_update(
    c: &mut sqlx::AnyConnection,
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
        "UPDATE {table} SET {}{extra} FROM UNNEST(CAST($1 AS bigint[]), {}) AS v(id, {}) WHERE {table}.id = v.id",
        sets.join(", "),
        unnest(cols, 2),
        names.join(", ")
    );
    let ids = pg_array_literal(&BulkCol::Int(ids.iter().map(|&i| Some(i)).collect()));
    let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(ids);
    bind_pg(q, cols).execute(&mut *c).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_literals_quote_every_text_and_spell_null() {
        let text = BulkCol::Text(vec![
            Some(r#"{"a":"b \"c\""}"#.into()),
            None,
            Some("NULL".into()),
            Some(String::new()),
            Some("李娜, 张伟".into()),
            Some(r#"C:\目录\"引号"#.into()),
        ]);
        assert_eq!(
            pg_array_literal(&text),
            r#"{"{\"a\":\"b \\\"c\\\"\"}",NULL,"NULL","","李娜, 张伟","C:\\目录\\\"引号"}"#
        );
        let ints = BulkCol::Int(vec![Some(1), None, Some(-3)]);
        assert_eq!(pg_array_literal(&ints), "{1,NULL,-3}");
        assert_eq!(pg_array_literal(&BulkCol::Int(vec![])), "{}");
    }
}
