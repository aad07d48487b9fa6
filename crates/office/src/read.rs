//! Reading a table from `.xlsx` or `.csv`: the header row is found by itself, and every
//! cell becomes the text a person saw.
//!
//! ## Numbers
//! A number cell reaches us from calamine as an `f64`. [`f64_to_decimal`] turns it into the
//! decimal Excel shows: the value rounded to 15 significant digits (Excel's own precision),
//! which is the shortest round-trip text whenever that text has at most 15 digits. So a typed
//! `0.95` gives `"0.95"`, `95` gives `"95"`, and a formula's cached `94.99999999999999`
//! (0.95 × 100 in binary) gives `"95"`, as Excel displays it. `Decimal::from_f64_retain`
//! would keep the binary expansion (`0.9499999999999999555910790149937…`), and the plain
//! shortest round-trip `format!("{}", f)` keeps binary noise from formulas
//! (`0.30000000000000004`); both are wrong for a person's sheet.
//!
//! A number with a percent format (`95%` typed into Excel is stored as `0.95`) comes out as
//! `"95%"`, which `kaohe_core::num::parse_user_number` reads as it reads a typed `95%`.
//! Numbers stored as text, full-width digits (`９５％`) and percent strings pass through as
//! text.
//!
//! ## What is not refused here
//! Dates, error values (`#DIV/0!`) and formulas without a cached value are kept as text and
//! listed in [`Table::issues`]; the import refuses them only in a column the template uses.
//! Merged cells below the header are refused here, since no row can be read from them.

use crate::{CellProblem, OfficeError, col_letter};
use calamine::{DataRef, Reader, Xlsx};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::io::Cursor;
use std::path::Path;

/// One data row of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// 1-based row, as Excel shows it (for a CSV: the line the record starts on).
    pub row: usize,
    /// One cell per column, from column A; as wide as [`Table::headers`].
    pub cells: Vec<String>,
}

/// What is special about a cell that was read as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueKind {
    /// A date, time or duration cell (the text is `2026-11-03`, `2026-11-03 08:30:00`, `1:30:00`).
    Date,
    /// An error value such as `#DIV/0!` or `#N/A`.
    Error,
    /// A formula whose result was not saved in the file (written by a program that does
    /// not calculate); the text is empty.
    FormulaNoValue,
}

/// A cell that is text now but was not a plain value in the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellIssue {
    /// 1-based row.
    pub row: usize,
    /// 0-based column.
    pub col: usize,
    pub kind: IssueKind,
    /// The text the cell became.
    pub text: String,
}

/// A table read from one sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The sheet's name (for a CSV file: the name given to [`read_csv`]).
    pub sheet: String,
    /// 1-based row of the header.
    pub header_row: usize,
    /// The header cells, trimmed, from column A (an empty string where a column has none).
    pub headers: Vec<String>,
    /// The data rows below the header; blank rows are left out.
    pub rows: Vec<TableRow>,
    /// Dates, error values and formulas without a value, anywhere in the header or data.
    pub issues: Vec<CellIssue>,
}

impl Table {
    /// A problem at a cell of this table (`col` 0-based).
    pub fn problem(
        &self,
        row: usize,
        col: Option<usize>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> CellProblem {
        CellProblem {
            sheet: self.sheet.clone(),
            row,
            col,
            header: col
                .and_then(|c| self.headers.get(c))
                .filter(|h| !h.is_empty())
                .cloned(),
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// The decimal Excel shows for a number cell: rounded to 15 significant digits (see the
/// module documentation). `None` for NaN and infinities.
pub fn f64_to_decimal(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        return Some(Decimal::ZERO);
    }
    // `{:.14e}` is correctly rounded: 15 significant digits in scientific notation.
    let s = format!("{f:.14e}");
    match Decimal::from_scientific(&s) {
        Ok(d) => Some(d.normalize()),
        // Below 1e-28 or above 7.9e28: keep what Rust prints, the parse downstream decides.
        Err(_) => None,
    }
}

/// The text of a number cell (percent-formatted cells get `%`).
fn number_text(f: f64, percent: bool) -> String {
    match f64_to_decimal(f) {
        Some(d) if percent => format!("{}%", (d * Decimal::ONE_HUNDRED).normalize()),
        Some(d) => d.to_string(),
        None => format!("{f}"),
    }
}

fn is_percent_format(code: &str) -> bool {
    // A `%` outside quotes and escapes makes Excel multiply by 100.
    let mut quoted = false;
    let mut escaped = false;
    for ch in code.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '"' => quoted = !quoted,
            '\\' if !quoted => escaped = true,
            '%' if !quoted => return true,
            _ => {}
        }
    }
    false
}

fn date_text(dt: &calamine::ExcelDateTime) -> String {
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    if dt.is_duration() {
        let total = (dt.as_f64() * 86400.0).round() as i64;
        return format!("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
    }
    if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

/// Rows of cells as read, before the header is found: (1-based row, cells from column A).
type RawRows = Vec<(usize, Vec<String>)>;

/// Read a table from `.xlsx` bytes; `sheet` picks a sheet by name, `None` takes the first.
pub fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Table, OfficeError> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(OfficeError::LegacyXls);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(OfficeError::NotXlsx {
            detail: "文件开头不是 ZIP 签名 / the file does not start with a ZIP signature".into(),
        });
    }
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| OfficeError::NotXlsx {
        detail: e.to_string(),
    })?;
    let names = wb.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .or_else(|| names.iter().find(|n| n.trim() == s.trim()))
            .cloned()
            .ok_or_else(|| OfficeError::NoSuchSheet {
                name: s.to_string(),
                available: names.clone(),
            })?,
        None => names.first().cloned().ok_or(OfficeError::NoSheets)?,
    };
    let rd = |e: calamine::XlsxError| OfficeError::Read(e.to_string());

    let mut raw: RawRows = Vec::new();
    let mut issues = Vec::new();
    // Cells present in the file with no value: either styled blanks or formulas whose
    // result was never saved; a second pass tells which, only when there are any.
    let mut blanks: HashSet<(u32, u32)> = HashSet::new();
    {
        let mut rdr = wb.worksheet_cells_reader(&name).map_err(rd)?;
        let percent: Vec<bool> = rdr
            .styles()
            .iter()
            .map(|s| {
                s.number_format
                    .as_ref()
                    .is_some_and(|f| is_percent_format(&f.format_code))
            })
            .collect();
        while let Some((cell, style)) = rdr.next_cell_with_style_id().map_err(rd)? {
            let (r, c) = cell.get_position();
            let text = match cell.get_value() {
                DataRef::Empty => {
                    blanks.insert((r, c));
                    continue;
                }
                // A formula's empty-string result looks the same as a missing one.
                DataRef::String(s) if s.is_empty() => {
                    blanks.insert((r, c));
                    continue;
                }
                DataRef::String(s) => s.clone(),
                DataRef::SharedString(s) => (*s).to_string(),
                DataRef::Float(f) => number_text(*f, percent.get(style).copied().unwrap_or(false)),
                DataRef::Int(i) => i.to_string(),
                DataRef::Bool(b) => (if *b { "TRUE" } else { "FALSE" }).to_string(),
                DataRef::DateTime(dt) => {
                    let t = date_text(dt);
                    issues.push((r, c, IssueKind::Date, t.clone()));
                    t
                }
                DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                    issues.push((r, c, IssueKind::Date, s.clone()));
                    s.clone()
                }
                DataRef::Error(e) => {
                    let t = e.to_string();
                    issues.push((r, c, IssueKind::Error, t.clone()));
                    t
                }
            };
            let row = r as usize + 1;
            if raw.last().is_none_or(|(lr, _)| *lr != row) {
                raw.push((row, Vec::new()));
            }
            let cells = &mut raw.last_mut().expect("pushed").1;
            let c = c as usize;
            if cells.len() <= c {
                cells.resize(c + 1, String::new());
            }
            cells[c] = text;
        }
    }
    if !blanks.is_empty() {
        let mut rdr = wb.worksheet_cells_reader(&name).map_err(rd)?;
        while let Some(rec) = rdr.next_cell_with_formula_metadata().map_err(rd)? {
            if rec.formula.is_some() && blanks.contains(&rec.pos) {
                issues.push((
                    rec.pos.0,
                    rec.pos.1,
                    IssueKind::FormulaNoValue,
                    String::new(),
                ));
            }
        }
    }
    // XML order is row order in every writer we know; sort in case one is not.
    if raw.windows(2).any(|w| w[0].0 >= w[1].0) {
        raw.sort_by_key(|(r, _)| *r);
        let mut merged: RawRows = Vec::with_capacity(raw.len());
        for (r, cells) in raw {
            match merged.last_mut() {
                Some((lr, lc)) if *lr == r => {
                    if lc.len() < cells.len() {
                        lc.resize(cells.len(), String::new());
                    }
                    for (i, c) in cells.into_iter().enumerate() {
                        if !c.is_empty() {
                            lc[i] = c;
                        }
                    }
                }
                _ => merged.push((r, cells)),
            }
        }
        raw = merged;
    }
    let merges: Vec<((usize, usize), (usize, usize))> = wb
        .merge_cells_by_sheet_name(&name)
        .map_err(rd)?
        .into_iter()
        .map(|d| {
            (
                (d.start.0 as usize + 1, d.start.1 as usize),
                (d.end.0 as usize + 1, d.end.1 as usize),
            )
        })
        .collect();
    let issues = issues
        .into_iter()
        .map(|(r, c, kind, text)| CellIssue {
            row: r as usize + 1,
            col: c as usize,
            kind,
            text,
        })
        .collect();
    build_table(name, raw, &merges, issues)
}

/// Find the header in raw rows and make the table. `merges` are ((row, col), (row, col))
/// corners, rows 1-based and columns 0-based.
fn build_table(
    sheet: String,
    raw: RawRows,
    merges: &[((usize, usize), (usize, usize))],
    mut issues: Vec<CellIssue>,
) -> Result<Table, OfficeError> {
    let filled = |cells: &[String]| cells.iter().filter(|c| !c.trim().is_empty()).count();
    if raw.iter().all(|(_, cells)| filled(cells) == 0) {
        return Err(OfficeError::EmptySheet { sheet });
    }
    let merged_row = |r: usize| merges.iter().any(|(a, b)| a.0 <= r && r <= b.0);
    let Some(hi) = raw
        .iter()
        .position(|(r, cells)| filled(cells) >= 2 && !merged_row(*r))
    else {
        return Err(OfficeError::NoHeader { sheet });
    };
    let header_row = raw[hi].0;
    let problems: Vec<CellProblem> = merges
        .iter()
        .filter(|(_, b)| b.0 >= header_row)
        .map(|(a, b)| CellProblem {
            sheet: sheet.clone(),
            row: a.0,
            col: Some(a.1),
            header: None,
            zh: format!(
                "数据区内有合并单元格 {}{}:{}{}，请取消合并后每格填值",
                col_letter(a.1),
                a.0,
                col_letter(b.1),
                b.0
            ),
            en: format!(
                "merged cells {}{}:{}{} in the data area: unmerge them and fill every cell",
                col_letter(a.1),
                a.0,
                col_letter(b.1),
                b.0
            ),
        })
        .collect();
    if !problems.is_empty() {
        return Err(OfficeError::Cells(problems));
    }
    let mut it = raw.into_iter().skip(hi);
    let (_, header_cells) = it.next().expect("header row exists");
    let mut rows: Vec<TableRow> = it
        .filter(|(_, cells)| filled(cells) > 0)
        .map(|(row, cells)| TableRow { row, cells })
        .collect();
    let width = rows
        .iter()
        .map(|r| r.cells.len())
        .chain([header_cells.len()])
        .max()
        .unwrap_or(0);
    let mut headers: Vec<String> = header_cells.iter().map(|h| h.trim().to_string()).collect();
    headers.resize(width, String::new());
    for r in &mut rows {
        r.cells.resize(width, String::new());
    }
    issues.retain(|i| i.row >= header_row);
    issues.sort_by_key(|i| (i.row, i.col));
    Ok(Table {
        sheet,
        header_row,
        headers,
        rows,
        issues,
    })
}

/// Read a table from CSV bytes. UTF-8 (with or without BOM) is expected; a file that is
/// not UTF-8 is read as GB18030 (which covers GBK), the encoding Excel on Chinese Windows
/// saves "CSV (逗号分隔)" in. `name` stands for the sheet in messages (e.g. the file name).
pub fn read_csv(bytes: &[u8], name: &str) -> Result<Table, OfficeError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text: std::borrow::Cow<'_, str> = match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut raw: RawRows = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line() as usize);
                raw.push((line, rec.iter().map(str::to_string).collect()));
            }
            Ok(false) => break,
            Err(e) => {
                return Err(OfficeError::Csv {
                    line: e.position().map_or(0, |p| p.line()),
                    detail: e.to_string(),
                });
            }
        }
    }
    build_table(name.to_string(), raw, &[], Vec::new())
}

/// Read a table from a file: `.xlsx`/`.xlsm` or `.csv` by extension (an unknown extension
/// is recognised by content). `sheet` applies to workbooks.
pub fn read_path(path: &Path, sheet: Option<&str>) -> Result<Table, OfficeError> {
    let bytes = std::fs::read(path)?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" => read_xlsx(&bytes, sheet),
        "csv" | "txt" => read_csv(&bytes, &name),
        "xls" => Err(OfficeError::LegacyXls),
        _ if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) => {
            read_xlsx(&bytes, sheet)
        }
        _ => Err(OfficeError::UnknownType { ext }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(f: f64) -> String {
        f64_to_decimal(f).unwrap().to_string()
    }

    #[test]
    fn numbers_come_out_as_excel_shows_them() {
        assert_eq!(d(0.95), "0.95");
        assert_eq!(d(95.0), "95");
        assert_eq!(d(0.95 * 100.0), "95");
        assert_eq!(d(0.1 + 0.2), "0.3");
        assert_eq!(d(-3.0), "-3");
        assert_eq!(d(-0.0), "0");
        assert_eq!(d(2700.0), "2700");
        assert_eq!(d(225.23), "225.23");
        assert_eq!(d(1e20), "100000000000000000000");
        assert_eq!(d(123456789012345.0), "123456789012345");
        assert_eq!(d(0.000001), "0.000001");
        assert_eq!(d(1.0 / 3.0), "0.333333333333333");
        assert_eq!(f64_to_decimal(f64::NAN), None);
        // What from_f64_retain would have given, for the record.
        assert_ne!(Decimal::from_f64_retain(0.95).unwrap().to_string(), "0.95");
        assert_eq!(number_text(0.95, true), "95%");
        assert_eq!(number_text(0.125, true), "12.5%");
        assert_eq!(
            number_text(1e-40, false),
            "0.0000000000000000000000000000000000000001"
        );
    }

    #[test]
    fn percent_formats() {
        assert!(is_percent_format("0%"));
        assert!(is_percent_format("0.00%"));
        assert!(!is_percent_format("0.00\"%\""));
        assert!(!is_percent_format("0.00\\%"));
        assert!(!is_percent_format("General"));
    }

    #[test]
    fn csv_header_after_a_title_line_and_blank_lines() {
        let csv = "\u{feff}2026年11月 客户经理考核数据,,,\n,,,\n工号,姓名,当月销售目标,当月实际销售额\nE001,张伟,100,87\n,,,\nE002,李娜,100,45\n";
        let t = read_csv(csv.as_bytes(), "march.csv").unwrap();
        assert_eq!(t.header_row, 3);
        assert_eq!(
            t.headers,
            ["工号", "姓名", "当月销售目标", "当月实际销售额"]
        );
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].row, 4);
        assert_eq!(t.rows[1].row, 6);
        assert_eq!(t.rows[1].cells, ["E002", "李娜", "100", "45"]);
    }

    #[test]
    fn csv_in_gbk_is_read() {
        let (gbk, _, _) = encoding_rs::GBK.encode("工号,姓名\nE001,张伟\n");
        let t = read_csv(&gbk, "gbk.csv").unwrap();
        assert_eq!(t.headers, ["工号", "姓名"]);
        assert_eq!(t.rows[0].cells, ["E001", "张伟"]);
    }

    #[test]
    fn empty_and_headerless() {
        assert!(matches!(
            read_csv(b",,\n,,\n", "e.csv"),
            Err(OfficeError::EmptySheet { .. })
        ));
        assert!(matches!(
            read_csv(b"only\none\n", "e.csv"),
            Err(OfficeError::NoHeader { .. })
        ));
        assert!(matches!(
            read_xlsx(b"hello", None),
            Err(OfficeError::NotXlsx { .. })
        ));
        assert!(matches!(
            read_xlsx(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0], None),
            Err(OfficeError::LegacyXls)
        ));
        assert!(matches!(
            read_xlsx(b"PK\x03\x04garbage", None),
            Err(OfficeError::NotXlsx { .. })
        ));
    }
}
