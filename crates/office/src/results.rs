//! The results workbook: one sheet per department with the ranking (名次, 工号, 姓名, 总分,
//! 等级, 奖金) and the grade distribution below it, and a sheet 「12个月台账」 with each
//! employee's score and bonus for months 1 to 12.
//!
//! Only the title row of a sheet is merged, so [`crate::read::read_xlsx`] reads every sheet
//! back (the round trip is tested).

use crate::form::sheet_names;
use crate::style::{self, Styles};
use crate::{OfficeError, num_cell};
use kaohe_core::num::round_half_up;
use rust_decimal::Decimal;
use rust_xlsxwriter::Format;

/// The ledger sheet's name.
pub const LEDGER_SHEET: &str = "12个月台账";
/// The ranking columns.
pub const RANK_HEADERS: [&str; 6] = ["名次", "工号", "姓名", "总分", "等级", "奖金"];
/// Where the grade distribution starts (its own line, below the ranking and a blank row).
pub const DISTRIBUTION: &str = "等级分布";
/// Shown for employees without a grade.
pub const NO_GRADE: &str = "未评级";

/// One employee's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    pub emp_no: String,
    pub name: String,
    pub total: Decimal,
    pub grade: Option<String>,
    pub bonus: Decimal,
}

/// One department's results, in any order (the sheet ranks them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeptResults {
    pub department: String,
    pub rows: Vec<ResultRow>,
}

/// One employee's year: `months[0]` is January, each `(score, bonus)` or `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub emp_no: String,
    pub name: String,
    pub months: [Option<(Decimal, Decimal)>; 12],
}

/// What goes into a results workbook.
#[derive(Debug, Clone, Copy)]
pub struct ResultsBook<'a> {
    /// Printed above each ranking, e.g. `2026年11月`.
    pub period: &'a str,
    pub departments: &'a [DeptResults],
    /// Grades in the order the distribution lists them (best first); grades found in the
    /// rows but not here follow in order of appearance.
    pub grade_order: &'a [String],
    pub ledger: &'a [LedgerRow],
}

/// Competition ranking (1, 2, 2, 4) by total, highest first; ties listed by 工号.
pub fn ranked(rows: &[ResultRow]) -> Vec<(u32, &ResultRow)> {
    let mut v: Vec<&ResultRow> = rows.iter().collect();
    v.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.emp_no.cmp(&b.emp_no)));
    let mut out = Vec::with_capacity(v.len());
    for (i, r) in v.iter().enumerate() {
        let rank = match out.last() {
            Some(&(k, p)) if i > 0 && (p as &ResultRow).total == r.total => k,
            _ => i as u32 + 1,
        };
        out.push((rank, *r));
    }
    out
}

/// Count per grade: in `order` first, then others as found, then [`NO_GRADE`].
pub fn distribution(rows: &[ResultRow], order: &[String]) -> Vec<(String, usize)> {
    let mut d: Vec<(String, usize)> = order.iter().map(|g| (g.clone(), 0)).collect();
    for r in rows {
        let g = r.grade.as_deref().unwrap_or(NO_GRADE);
        match d.iter_mut().find(|(n, _)| n == g) {
            Some((_, c)) => *c += 1,
            None => d.push((g.to_string(), 1)),
        }
    }
    if let Some(i) = d.iter().position(|(n, _)| n == NO_GRADE) {
        let x = d.remove(i);
        d.push(x);
    }
    d
}

/// Build the results workbook. Its sheets are written in row order in constant-memory mode
/// (each sheet a row at a time through a temporary file, strings inline), so a cycle of
/// 100,000 appraisees costs tens of megabytes rather than gigabytes.
pub fn results_workbook(book: &ResultsBook) -> Result<Vec<u8>, OfficeError> {
    let st = Styles::new();
    let pct = st.center.clone().set_num_format("0.00%");
    let mut wb = style::workbook();
    let names = sheet_names(
        std::iter::once(LEDGER_SHEET.to_string())
            .chain(book.departments.iter().map(|d| d.department.clone())),
    );
    for (d, name) in book.departments.iter().zip(&names[1..]) {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(name)?;
        style::a4(ws)?;
        for (c, w) in [8.0, 12.0, 12.0, 10.0, 10.0, 14.0].iter().enumerate() {
            ws.set_column_width(c as u16, *w)?;
        }
        ws.merge_range(
            0,
            0,
            0,
            5,
            &format!("{} {} 考核结果排名", book.period, d.department),
            &st.title,
        )?;
        ws.set_row_height(0, 30)?;
        for (c, h) in RANK_HEADERS.iter().enumerate() {
            ws.write_with_format(1, c as u16, *h, &st.head)?;
        }
        let mut row = 2u32;
        for (rank, r) in ranked(&d.rows) {
            ws.write_number_with_format(row, 0, rank as f64, &st.num)?;
            ws.write_with_format(row, 1, &r.emp_no, &st.center)?;
            ws.write_with_format(row, 2, &r.name, &st.center)?;
            ws.write_number_with_format(row, 3, num_cell(r.total), &st.num)?;
            ws.write_with_format(row, 4, r.grade.as_deref().unwrap_or(""), &st.center)?;
            ws.write_number_with_format(row, 5, num_cell(r.bonus), &st.money)?;
            row += 1;
        }
        row += 1;
        ws.write_with_format(row, 0, DISTRIBUTION, &st.bold)?;
        row += 1;
        for (c, h) in ["等级", "人数", "占比"].iter().enumerate() {
            ws.write_with_format(row, c as u16, *h, &st.head)?;
        }
        row += 1;
        let n = d.rows.len();
        for (g, count) in distribution(&d.rows, book.grade_order) {
            ws.write_with_format(row, 0, &g, &st.center)?;
            ws.write_number_with_format(row, 1, count as f64, &st.num)?;
            let share = if n == 0 {
                Decimal::ZERO
            } else {
                round_half_up(Decimal::from(count * 100) / Decimal::from(n), 2)
                    / Decimal::ONE_HUNDRED
            };
            ws.write_number_with_format(row, 2, num_cell(share), &pct)?;
            row += 1;
        }
        ws.write_with_format(row, 0, "合计", &st.label)?;
        ws.write_number_with_format(row, 1, n as f64, &st.label_num)?;
        ws.write_blank(row, 2, &st.label)?;
    }

    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(LEDGER_SHEET)?;
    style::a4(ws)?;
    ws.set_landscape();
    ws.merge_range(0, 0, 0, 26, "12个月绩效奖金台账", &st.title)?;
    ws.set_row_height(0, 30)?;
    ws.set_column_width(0, 10)?;
    ws.set_column_width(1, 10)?;
    let mut heads = vec!["工号".to_string(), "姓名".to_string()];
    for m in 1..=12 {
        heads.push(format!("{m}月得分"));
        heads.push(format!("{m}月奖金"));
    }
    heads.push("全年奖金".into());
    for (c, h) in heads.iter().enumerate() {
        ws.write_with_format(1, c as u16, h, &st.head)?;
        if c >= 2 {
            ws.set_column_width(c as u16, if c % 2 == 0 { 7.0 } else { 10.0 })?;
        }
    }
    ws.set_column_width(26, 12)?;
    ws.set_freeze_panes(2, 2)?;
    let blank = Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin);
    for (i, l) in book.ledger.iter().enumerate() {
        let row = i as u32 + 2;
        ws.write_with_format(row, 0, &l.emp_no, &st.center)?;
        ws.write_with_format(row, 1, &l.name, &st.center)?;
        let mut year = Decimal::ZERO;
        for (m, v) in l.months.iter().enumerate() {
            let c = 2 + 2 * m as u16;
            match v {
                Some((score, bonus)) => {
                    ws.write_number_with_format(row, c, num_cell(*score), &st.num)?;
                    ws.write_number_with_format(row, c + 1, num_cell(*bonus), &st.money)?;
                    year += bonus;
                }
                None => {
                    ws.write_blank(row, c, &blank)?;
                    ws.write_blank(row, c + 1, &blank)?;
                }
            }
        }
        ws.write_number_with_format(row, 26, num_cell(year), &st.money_bold)?;
    }
    Ok(wb.save_to_buffer()?)
}
