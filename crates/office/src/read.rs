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
//!
//! ## Limits
//! Both readers keep only filled cells while reading, and the table is as wide as its
//! header: cells right of the header's last filled cell are left out. A file beyond one of
//! the [`Limits`] (sizes, rows, columns, cells, text) is refused with
//! [`OfficeError::TooLarge`] naming the limit and the part, line or cell; see
//! [`crate::limits`].

use crate::limits::{Budget, Limits, check_csv, check_xlsx, too_large};
use crate::{CellProblem, OfficeError, col_letter};
use calamine::{DataRef, Reader, Xlsx};
use rust_decimal::Decimal;
use std::io::{Cursor, Read};
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
    /// Rows below the header that are totals (合计, 小计, 总计, Total …): left out of
    /// [`Table::rows`], listed so a person sees they were recognised. 1-based.
    pub totals: Vec<usize>,
    /// The rows a person may pick as the header instead (the first filled rows of the
    /// sheet): (1-based row, its filled cells joined by ` | `).
    pub candidates: Vec<(usize, String)>,
}

/// Which row of a sheet is the header.
#[derive(Clone, Default)]
pub enum HeaderPick {
    /// The first row with two filled cells outside a merged range (a title merged across
    /// the table above it is passed over).
    #[default]
    Auto,
    /// This 1-based row, as the person chose it.
    Row(usize),
    /// Of the first [`HEADER_SCAN`] rows that could be a header, the one `score` rates
    /// highest (ties: the upper one); [`HeaderPick::Auto`] when every score is 0. Use
    /// [`crate::header_score`] to score by a template's fields.
    Best(std::sync::Arc<dyn Fn(&[String]) -> usize + Send + Sync>),
}

impl std::fmt::Debug for HeaderPick {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderPick::Auto => f.write_str("Auto"),
            HeaderPick::Row(r) => write!(f, "Row({r})"),
            HeaderPick::Best(_) => f.write_str("Best"),
        }
    }
}

/// How many rows from the top a header is looked for in, and offered to pick from.
pub const HEADER_SCAN: usize = 30;

/// Words that mark a totals row (compared without spaces, case or a trailing colon).
const TOTAL_WORDS: &[&str] = &[
    "合计",
    "小计",
    "总计",
    "共计",
    "总合计",
    "累计",
    "合计数",
    "total",
    "subtotal",
    "grandtotal",
    "sum",
    "totals",
];

/// Is this cell text a totals label (`合 计`, `合计：`, `Total`)?
pub fn is_total_label(s: &str) -> bool {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .trim_end_matches([':', '：'])
        .to_lowercase();
    TOTAL_WORDS.contains(&t.as_str())
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

/// The filled cells of one row as read, before the header is found: (0-based column, text).
/// Empty cells are never stored, so a cell far to the right costs one cell, not a row
/// padded to it.
type RawCells = Vec<(u32, String)>;
/// Rows as read: (1-based row, filled cells).
type RawRows = Vec<(usize, RawCells)>;

/// Read a table from `.xlsx` bytes; `sheet` picks a sheet by name, `None` takes the first.
/// Within the default [`Limits`].
pub fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Table, OfficeError> {
    read_xlsx_with(bytes, sheet, &Limits::default())
}

/// [`read_xlsx`] within the given limits: a file beyond one is refused with
/// [`OfficeError::TooLarge`], naming the limit and the part or cell.
pub fn read_xlsx_with(
    bytes: &[u8],
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Table, OfficeError> {
    read_xlsx_as(bytes, sheet, limits, &HeaderPick::Auto, false)
}

/// [`read_xlsx_with`] for an import: the header row chosen by `pick`, and totals rows
/// (合计, 小计 …) left out of the data and listed in [`Table::totals`].
pub fn read_xlsx_pick(
    bytes: &[u8],
    sheet: Option<&str>,
    limits: &Limits,
    pick: &HeaderPick,
) -> Result<Table, OfficeError> {
    read_xlsx_as(bytes, sheet, limits, pick, true)
}

fn read_xlsx_as(
    bytes: &[u8],
    sheet: Option<&str>,
    limits: &Limits,
    pick: &HeaderPick,
    skip_totals: bool,
) -> Result<Table, OfficeError> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(OfficeError::LegacyXls);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(OfficeError::NotXlsx {
            detail: "文件开头不是 ZIP 签名 / the file does not start with a ZIP signature".into(),
        });
    }
    check_xlsx(bytes, limits)?;
    // calamine's cell references are parsed with plain arithmetic, which panics on
    // overflow in a debug build (`ZZZZZZZZZZ1`): a file must not take the caller with it.
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_xlsx_cells(bytes, sheet, limits)
    }))
    .unwrap_or_else(|_| {
        Err(OfficeError::Read(
            "工作表 XML 无法解析 / the sheet's XML cannot be parsed".into(),
        ))
    })?;
    let (name, raw, merges, issues) = read;
    build_table(name, raw, &merges, issues, limits, pick, skip_totals)
}

/// What [`read_xlsx_cells`] gives: the sheet, its filled cells, its merged ranges and issues.
type SheetRead = (
    String,
    RawRows,
    Vec<((usize, usize), (usize, usize))>,
    Vec<CellIssue>,
);

fn read_xlsx_cells(
    bytes: &[u8],
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<SheetRead, OfficeError> {
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

    let mut budget = Budget::new(limits, &name);
    let mut raw: RawRows = Vec::new();
    let mut issues = Vec::new();
    // Cells present in the file with no value: either styled blanks or formulas whose
    // result was never saved; a second pass tells which, only when there are any.
    let mut blanks = false;
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
            let (row, col) = (r as usize + 1, c as usize);
            let mut issue = None;
            let text = match cell.get_value() {
                DataRef::Empty => {
                    blanks = true;
                    continue;
                }
                // A formula's empty-string result looks the same as a missing one.
                DataRef::String(s) if s.is_empty() => {
                    blanks = true;
                    continue;
                }
                DataRef::String(s) => s.clone(),
                DataRef::SharedString(s) => {
                    // Checked before copying: one long shared string used by many cells.
                    budget.cell(row, col, s)?;
                    (*s).to_string()
                }
                DataRef::Float(f) => number_text(*f, percent.get(style).copied().unwrap_or(false)),
                DataRef::Int(i) => i.to_string(),
                DataRef::Bool(b) => (if *b { "TRUE" } else { "FALSE" }).to_string(),
                DataRef::DateTime(dt) => {
                    issue = Some(IssueKind::Date);
                    date_text(dt)
                }
                DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                    issue = Some(IssueKind::Date);
                    s.clone()
                }
                DataRef::Error(e) => {
                    issue = Some(IssueKind::Error);
                    e.to_string()
                }
            };
            if text.is_empty() {
                continue;
            }
            if !matches!(cell.get_value(), DataRef::SharedString(_)) {
                budget.cell(row, col, &text)?;
            }
            if let Some(kind) = issue {
                // The issue keeps a copy of the text: counted as a cell of its own.
                budget.cell(row, col, &text)?;
                issues.push(CellIssue {
                    row,
                    col,
                    kind,
                    text: text.clone(),
                });
            }
            if raw.last().is_none_or(|(lr, _)| *lr != row) {
                raw.push((row, Vec::new()));
            }
            raw.last_mut().expect("pushed").1.push((c, text));
        }
    }
    if blanks {
        let mut rdr = wb.worksheet_cells_reader(&name).map_err(rd)?;
        while let Some(rec) = rdr.next_cell_with_formula_metadata().map_err(rd)? {
            let empty = match &rec.value {
                DataRef::Empty => true,
                DataRef::String(s) => s.is_empty(),
                _ => false,
            };
            if rec.formula.is_some() && empty {
                let (row, col) = (rec.pos.0 as usize + 1, rec.pos.1 as usize);
                budget.cell(row, col, "")?;
                issues.push(CellIssue {
                    row,
                    col,
                    kind: IssueKind::FormulaNoValue,
                    text: String::new(),
                });
            }
        }
    }
    // XML order is row order in every writer we know; sort in case one is not.
    if raw.windows(2).any(|w| w[0].0 >= w[1].0) {
        raw.sort_by_key(|(r, _)| *r);
        let mut merged: RawRows = Vec::with_capacity(raw.len());
        for (r, cells) in raw {
            match merged.last_mut() {
                Some((lr, lc)) if *lr == r => lc.extend(cells),
                _ => merged.push((r, cells)),
            }
        }
        raw = merged;
    }
    let dims = wb.merge_cells_by_sheet_name(&name).map_err(rd)?;
    if dims.len() > limits.max_merged_ranges {
        let max = limits.max_merged_ranges;
        return Err(too_large(
            format!(
                "工作表「{name}」有 {} 处合并单元格，超出了最多 {max} 处的限制",
                dims.len()
            ),
            format!(
                "sheet `{name}` has {} merged ranges, beyond the limit of {max}",
                dims.len()
            ),
        ));
    }
    let merges = dims
        .into_iter()
        .map(|d| {
            (
                (d.start.0 as usize + 1, d.start.1 as usize),
                (d.end.0 as usize + 1, d.end.1 as usize),
            )
        })
        .collect();
    Ok((name, raw, merges, issues))
}

/// Find the header in raw rows and make the table, as wide as the header (cells right of
/// its last filled cell are left out). `merges` are ((row, col), (row, col)) corners, rows
/// 1-based and columns 0-based.
fn build_table(
    sheet: String,
    raw: RawRows,
    merges: &[((usize, usize), (usize, usize))],
    mut issues: Vec<CellIssue>,
    limits: &Limits,
    pick: &HeaderPick,
    skip_totals: bool,
) -> Result<Table, OfficeError> {
    let filled = |cells: &RawCells| cells.iter().filter(|(_, c)| !c.trim().is_empty()).count();
    if raw.iter().all(|(_, cells)| filled(cells) == 0) {
        return Err(OfficeError::EmptySheet { sheet });
    }
    // Rows covered by a merged range: the ranges by first row, and the furthest last row
    // of those begun so far (rows are visited in order, so one sweep).
    let mut spans: Vec<(usize, usize)> = merges.iter().map(|(a, b)| (a.0, b.0)).collect();
    spans.sort_unstable();
    let mut next_span = 0;
    let mut reach = 0;
    let mut merged_row = |r: usize| {
        while next_span < spans.len() && spans[next_span].0 <= r {
            reach = reach.max(spans[next_span].1);
            next_span += 1;
        }
        reach >= r
    };
    // Rows that could be the header: two filled cells, not inside a merged title.
    let possible: Vec<usize> = raw
        .iter()
        .enumerate()
        .filter(|(_, (r, cells))| filled(cells) >= 2 && !merged_row(*r))
        .map(|(i, _)| i)
        .take(HEADER_SCAN)
        .collect();
    let candidates: Vec<(usize, String)> = raw
        .iter()
        .filter(|(_, cells)| filled(cells) >= 1)
        .take(HEADER_SCAN)
        .map(|(r, cells)| {
            let mut line = cells
                .iter()
                .map(|(_, t)| t.trim())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" | ");
            if line.chars().count() > 120 {
                line = line.chars().take(119).collect::<String>() + "…";
            }
            (*r, line)
        })
        .collect();
    let texts = |i: usize| -> Vec<String> {
        let cells = &raw[i].1;
        let width = cells
            .iter()
            .map(|(c, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut v = vec![String::new(); width];
        for (c, t) in cells {
            if let Some(slot) = v.get_mut(*c as usize) {
                *slot = t.trim().to_string();
            }
        }
        v
    };
    let hi = match pick {
        HeaderPick::Row(row) => match raw
            .iter()
            .position(|(r, cells)| r == row && filled(cells) >= 1)
        {
            Some(i) => i,
            None => {
                return Err(OfficeError::Cells(vec![CellProblem {
                    sheet: sheet.clone(),
                    row: *row,
                    col: None,
                    header: None,
                    zh: format!("第 {row} 行是空行，不能作表头"),
                    en: format!("row {row} is empty: it cannot be the header"),
                }]));
            }
        },
        HeaderPick::Auto => match possible.first() {
            Some(i) => *i,
            None => return Err(OfficeError::NoHeader { sheet }),
        },
        HeaderPick::Best(score) => {
            let Some(first) = possible.first().copied() else {
                return Err(OfficeError::NoHeader { sheet });
            };
            let mut best = (0, first);
            for &i in &possible {
                let s = score(&texts(i));
                if s > best.0 {
                    best = (s, i);
                }
            }
            best.1
        }
    };
    let header_row = raw[hi].0;
    let header_width = raw[hi]
        .1
        .iter()
        .filter(|(_, h)| !h.trim().is_empty())
        .map(|(c, _)| *c as usize + 1)
        .max()
        .unwrap_or(0);
    // Totals rows below the header: left out, and their merged label cells allowed.
    let totals: Vec<usize> = raw[hi + 1..]
        .iter()
        .filter(|_| skip_totals)
        .filter(|(_, cells)| {
            cells
                .iter()
                .any(|(c, t)| (*c as usize) < header_width && is_total_label(t))
        })
        .map(|(r, _)| *r)
        .collect();
    let problems: Vec<CellProblem> = merges
        .iter()
        .filter(|(_, b)| b.0 >= header_row)
        .filter(|(a, b)| !(a.0..=b.0).all(|r| totals.binary_search(&r).is_ok()))
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
    let width = header_cells
        .iter()
        .filter(|(_, h)| !h.trim().is_empty())
        .map(|(c, _)| *c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut headers = vec![String::new(); width];
    for (c, h) in header_cells {
        if let Some(slot) = headers.get_mut(c as usize) {
            *slot = h.trim().to_string();
        }
    }
    let kept = |cells: &RawCells| {
        cells
            .iter()
            .any(|(c, t)| (*c as usize) < width && !t.trim().is_empty())
    };
    let data: Vec<(usize, RawCells)> = it
        .filter(|(r, cells)| kept(cells) && totals.binary_search(r).is_err())
        .collect();
    if data.len().saturating_mul(width) > limits.max_cells {
        let (n, max) = (data.len(), limits.max_cells);
        return Err(too_large(
            format!(
                "工作表「{sheet}」的表格有 {n} 行 × {width} 列，超出了最多 {max} 个单元格的限制"
            ),
            format!(
                "the table of sheet `{sheet}` is {n} rows × {width} columns, beyond the limit of {max} cells"
            ),
        ));
    }
    let rows: Vec<TableRow> = data
        .into_iter()
        .map(|(row, cells)| {
            let mut dense = vec![String::new(); width];
            for (c, t) in cells {
                if let Some(slot) = dense.get_mut(c as usize) {
                    *slot = t;
                }
            }
            TableRow { row, cells: dense }
        })
        .collect();
    issues
        .retain(|i| i.row >= header_row && i.col < width && totals.binary_search(&i.row).is_err());
    issues.sort_by_key(|i| (i.row, i.col));
    Ok(Table {
        sheet,
        header_row,
        headers,
        rows,
        issues,
        totals,
        candidates,
    })
}

/// Read a table from CSV bytes. UTF-8 (with or without BOM) is expected; a file that is
/// not UTF-8 is read as GB18030 (which covers GBK), the encoding Excel on Chinese Windows
/// saves "CSV (逗号分隔)" in. `name` stands for the sheet in messages (e.g. the file name).
/// Within the default [`Limits`].
pub fn read_csv(bytes: &[u8], name: &str) -> Result<Table, OfficeError> {
    read_csv_with(bytes, name, &Limits::default())
}

/// [`read_csv`] within the given limits: the file size, each record's length and fields,
/// and the rows, columns, cells and text kept, as for a sheet.
pub fn read_csv_with(bytes: &[u8], name: &str, limits: &Limits) -> Result<Table, OfficeError> {
    read_csv_as(bytes, name, limits, &HeaderPick::Auto, false)
}

/// [`read_csv_with`] for an import: the header row chosen by `pick`, and totals rows left
/// out (see [`read_xlsx_pick`]).
pub fn read_csv_pick(
    bytes: &[u8],
    name: &str,
    limits: &Limits,
    pick: &HeaderPick,
) -> Result<Table, OfficeError> {
    read_csv_as(bytes, name, limits, pick, true)
}

fn read_csv_as(
    bytes: &[u8],
    name: &str,
    limits: &Limits,
    pick: &HeaderPick,
    skip_totals: bool,
) -> Result<Table, OfficeError> {
    check_csv(bytes, name, limits)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text: std::borrow::Cow<'_, str> = match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut budget = Budget::new(limits, name);
    let mut raw: RawRows = Vec::new();
    let mut rec = csv::StringRecord::new();
    // Lines are counted here, not taken from `csv` (which counts `\n` only): a file saved
    // with `\r` line ends (Excel for Mac's "CSV (Macintosh)") has one record per line too.
    let mut lines = LineCounter::default();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                // `csv` places a record after blank lines at the first of them.
                let mut at = rec.position().map_or(0, |p| p.byte() as usize);
                while matches!(text.as_bytes().get(at), Some(b'\r' | b'\n')) {
                    at += 1;
                }
                let line = lines.line_at(text.as_bytes(), at);
                let mut cells = RawCells::new();
                for (c, f) in rec.iter().enumerate() {
                    if f.is_empty() {
                        continue;
                    }
                    budget.cell(line, c, f)?;
                    cells.push((c as u32, f.to_string()));
                }
                if !cells.is_empty() {
                    raw.push((line, cells));
                }
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
    build_table(
        name.to_string(),
        raw,
        &[],
        Vec::new(),
        limits,
        pick,
        skip_totals,
    )
}

/// The 1-based line of a byte offset, `\r\n`, `\n` and `\r` each ending a line; offsets
/// are asked for in increasing order.
#[derive(Default)]
struct LineCounter {
    at: usize,
    breaks: usize,
    prev: u8,
}

impl LineCounter {
    fn line_at(&mut self, text: &[u8], to: usize) -> usize {
        let to = to.min(text.len());
        for &b in text.get(self.at..to).unwrap_or_default() {
            if b == b'\r' || (b == b'\n' && self.prev != b'\r') {
                self.breaks += 1;
            }
            self.prev = b;
        }
        self.at = self.at.max(to);
        self.breaks + 1
    }
}

/// Read a table from a file: `.xlsx`/`.xlsm` or `.csv` by extension (an unknown extension
/// is recognised by content). `sheet` applies to workbooks. Within the default [`Limits`].
pub fn read_path(path: &Path, sheet: Option<&str>) -> Result<Table, OfficeError> {
    read_path_with(path, sheet, &Limits::default())
}

/// [`read_path`] within the given limits; no more of the file is read than the limits let
/// through.
pub fn read_path_with(
    path: &Path,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Table, OfficeError> {
    let cap = limits.max_file_bytes.max(limits.max_csv_bytes as u64);
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" => read_xlsx_with(&bytes, sheet, limits),
        "csv" | "txt" => read_csv_with(&bytes, &name, limits),
        "xls" => Err(OfficeError::LegacyXls),
        _ if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) => {
            read_xlsx_with(&bytes, sheet, limits)
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
    fn csv_with_cr_line_ends_numbers_its_lines() {
        let t = read_csv(b"id,name\rE1,a\r\rE2,b\r\nE3,\"c\rd\"\nE4,e", "mac.csv").unwrap();
        let rows: Vec<usize> = t.rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, [2, 4, 5, 7]);
        assert_eq!(t.rows[2].cells, ["E3", "c\rd"]);
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
