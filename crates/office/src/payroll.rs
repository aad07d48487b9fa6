//! The payroll export: 工号, 姓名, 部门, 期间, 总分, 等级, 奖金, one row per employee, and a
//! footer checksum row (合计: the row count and the exact decimal sum of the bonuses), as
//! CSV (UTF-8 with BOM, CRLF, so Excel on Chinese Windows opens it correctly) and `.xlsx`.

use crate::form::FilledForm;
use crate::read::Table;
use crate::style::{self, Styles};
use crate::{OfficeError, csv_safe, num_cell};
use kaohe_core::Template;
use kaohe_core::num::{fmt, fmt_dp, parse_user_number};
use rust_decimal::Decimal;

/// The columns of the payroll export.
pub const HEADERS: [&str; 7] = ["工号", "姓名", "部门", "期间", "总分", "等级", "奖金"];
/// What the footer row's first cell says.
pub const FOOTER: &str = "合计";

/// One employee's line on the payroll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayrollRow {
    pub emp_no: String,
    pub name: String,
    /// 部门.
    pub department: String,
    /// 期间, e.g. `2026-11`.
    pub period: String,
    pub total: Decimal,
    pub grade: Option<String>,
    /// Already rounded half-up to the fen by the engine.
    pub bonus: Decimal,
}

/// The footer's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checksum {
    pub rows: usize,
    /// The exact decimal sum of the bonuses.
    pub bonus_sum: Decimal,
}

/// The checksum of `rows`.
pub fn checksum(rows: &[PayrollRow]) -> Checksum {
    Checksum {
        rows: rows.len(),
        bonus_sum: rows.iter().map(|r| r.bonus).sum(),
    }
}

/// Payroll rows from scored forms: total, grade and the pay line `pay_id` (the template's
/// first pay line when `None`; zero when the template pays nothing).
pub fn payroll_rows(t: &Template, forms: &[FilledForm], pay_id: Option<&str>) -> Vec<PayrollRow> {
    let pi = match pay_id {
        Some(id) => t.pay.iter().position(|p| p.id == id),
        None => (!t.pay.is_empty()).then_some(0),
    };
    forms
        .iter()
        .map(|f| PayrollRow {
            emp_no: f.header.emp_no.clone(),
            name: f.header.name.clone(),
            department: f.header.department.clone(),
            period: f.header.period.clone(),
            total: f.frame.total(t),
            grade: f
                .frame
                .grade
                .and_then(|g| t.grades.get(g))
                .map(|g| g.name.clone()),
            bonus: pi.map_or(Decimal::ZERO, |p| f.frame.pay(t, p)),
        })
        .collect()
}

/// The payroll as CSV bytes: UTF-8 with BOM, CRLF line ends, money with two decimals,
/// the footer `合计,共 N 人,,,,,SUM` last. Text cells (工号, 姓名, 期间, 等级) that Excel
/// would run as a formula get a leading `'` ([`crate::csv_safe`]); 总分 and 奖金 are
/// numbers and stay numbers (`-12.50`).
pub fn payroll_csv(rows: &[PayrollRow]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + rows.len() * 48);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let err = "writing to memory cannot fail";
        w.write_record(HEADERS).expect(err);
        for r in rows {
            w.write_record([
                csv_safe(&r.emp_no).into_owned(),
                csv_safe(&r.name).into_owned(),
                csv_safe(&r.department).into_owned(),
                csv_safe(&r.period).into_owned(),
                fmt(r.total),
                csv_safe(r.grade.as_deref().unwrap_or("")).into_owned(),
                fmt_dp(r.bonus, 2),
            ])
            .expect(err);
        }
        let c = checksum(rows);
        w.write_record([
            FOOTER.to_string(),
            format!("共 {} 人", c.rows),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            fmt_dp(c.bonus_sum, 2),
        ])
        .expect(err);
        w.flush().expect(err);
    }
    out
}

/// The payroll as an `.xlsx` workbook (sheet 工资表): the same columns, numbers as numbers
/// (奖金 shown with two decimals), the footer in bold.
pub fn payroll_xlsx(rows: &[PayrollRow]) -> Result<Vec<u8>, OfficeError> {
    let st = Styles::new();
    let mut wb = style::workbook();
    let ws = wb.add_worksheet();
    ws.set_name("工资表")?;
    style::a4(ws)?;
    for (c, w) in [12.0, 12.0, 14.0, 12.0, 10.0, 8.0, 14.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &st.head)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_with_format(row, 0, &r.emp_no, &st.center)?;
        ws.write_with_format(row, 1, &r.name, &st.center)?;
        ws.write_with_format(row, 2, &r.department, &st.center)?;
        ws.write_with_format(row, 3, &r.period, &st.center)?;
        ws.write_number_with_format(row, 4, num_cell(r.total), &st.num)?;
        ws.write_with_format(row, 5, r.grade.as_deref().unwrap_or(""), &st.center)?;
        ws.write_number_with_format(row, 6, num_cell(r.bonus), &st.money)?;
    }
    let c = checksum(rows);
    let row = rows.len() as u32 + 1;
    ws.write_with_format(row, 0, FOOTER, &st.label)?;
    ws.write_with_format(row, 1, format!("共 {} 人", c.rows), &st.label)?;
    for col in 2..6 {
        ws.write_blank(row, col, &st.label)?;
    }
    ws.write_number_with_format(row, 6, num_cell(c.bonus_sum), &st.money_bold)?;
    Ok(wb.save_to_buffer()?)
}

/// Read a payroll back (from [`crate::read::read_csv`] or [`crate::read::read_xlsx`]) and
/// check its footer against its rows: the rows and the checksum, or what does not add up.
pub fn verify_payroll(table: &Table) -> Result<(Vec<PayrollRow>, Checksum), String> {
    if table.headers.get(..HEADERS.len()) != Some(&HEADERS.map(String::from)[..]) {
        return Err(format!(
            "表头应为 / the header should be: {}",
            HEADERS.join(",")
        ));
    }
    let num = |s: &str, row: usize| {
        parse_user_number(s).map(|p| p.value()).ok_or_else(|| {
            format!("第 {row} 行：`{s}` 不是数字 / row {row}: `{s}` is not a number")
        })
    };
    let unquote = |s: &str| s.strip_prefix('\'').unwrap_or(s).to_string();
    let Some((footer, body)) = table.rows.split_last() else {
        return Err("没有合计行 / no footer row".into());
    };
    if footer.cells[0] != FOOTER {
        return Err("最后一行不是合计行 / the last row is not the footer".into());
    }
    let mut rows = Vec::with_capacity(body.len());
    for r in body {
        let c = &r.cells;
        rows.push(PayrollRow {
            emp_no: unquote(&c[0]),
            name: unquote(&c[1]),
            department: unquote(&c[2]),
            period: unquote(&c[3]),
            total: num(&c[4], r.row)?,
            grade: (!c[5].is_empty()).then(|| unquote(&c[5])),
            bonus: num(&c[6], r.row)?,
        });
    }
    let sum = checksum(&rows);
    let count = footer.cells[1]
        .trim_start_matches("共 ")
        .trim_end_matches(" 人")
        .parse::<usize>()
        .map_err(|_| {
            format!(
                "合计行的人数 `{}` 读不懂 / cannot read the row count",
                footer.cells[1]
            )
        })?;
    let total = num(&footer.cells[6], footer.row)?;
    if count != sum.rows || total != sum.bonus_sum {
        return Err(format!(
            "合计不符：合计行 {count} 人 {total}，明细 {} 人 {} / the footer says {count} rows and {total}, the rows add up to {} and {}",
            sum.rows, sum.bonus_sum, sum.rows, sum.bonus_sum
        ));
    }
    Ok((rows, sum))
}
