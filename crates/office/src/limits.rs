//! How much the readers accept: a hostile or broken file is refused with a message naming
//! the limit and where it was reached, before it can take the server's memory or time.
//!
//! The defaults are generous for real use — a cycle of 100,000 employees with a few dozen
//! columns is well inside every one of them — and bound what reading a file can cost: an
//! `.xlsx` within them needs at most a few hundred MB while it is read, whatever it holds.
//!
//! What each limit guards:
//! - the sizes of the zip's parts are checked in its central directory *before* anything is
//!   inflated, so a zip bomb (3 MB unpacking to 805 MB of XML) is refused at once; the zip
//!   reader then refuses any part that inflates past the size its directory declares, so a
//!   lying directory cannot get around the check;
//! - cells are streamed from the sheet XML and only filled cells are kept, so one cell at
//!   `ZZZZZZ2` or in column `XFD` costs one cell, and is refused by the column limit with the
//!   cell named;
//! - the table handed on is as wide as its header, never padded to the furthest cell.

use crate::{OfficeError, col_letter, sheet_ref};
use std::io::{BufReader, Cursor, Read};

/// Largest `.xlsx` file read (the compressed file as uploaded): 256 MiB.
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// Largest sum of the declared uncompressed sizes of every part of an `.xlsx`: 1 GiB. Only
/// the parts read are inflated, but a bigger sum is refused outright.
pub const MAX_ARCHIVE_BYTES: u64 = 1 << 30;
/// Largest uncompressed worksheet XML (any part under `worksheets/`): 256 MiB. A sheet of
/// 100,000 rows × 30 columns written by Excel is about 100 MiB.
pub const MAX_SHEET_XML_BYTES: u64 = 256 << 20;
/// Largest uncompressed shared-strings part (`sharedStrings.xml`): 64 MiB.
pub const MAX_SHARED_STRINGS_XML_BYTES: u64 = 64 << 20;
/// Largest uncompressed size of any other part (workbook, styles, relationships, theme, …):
/// 32 MiB.
pub const MAX_PART_BYTES: u64 = 32 << 20;
/// Most shared strings (distinct texts of a workbook), counted and also as declared by the
/// file's `uniqueCount`: 1,000,000.
pub const MAX_SHARED_STRINGS: usize = 1_000_000;
/// Most style records in `styles.xml` (`xf`, `font`, `fill`, `border` and `numFmt`
/// elements together): 262,144. Excel allows 64,000 cell formats; calamine keeps every
/// record as a style of a few hundred bytes, so a 32 MiB part of empty `<xf/>` would
/// otherwise take gigabytes.
pub const MAX_STYLE_RECORDS: usize = 262_144;
/// Last row read (1-based; for a CSV: the line): 500,000. A filled cell below it is refused.
pub const MAX_ROWS: usize = 500_000;
/// Columns read: 1,000, i.e. up to column `ALL`. A filled cell right of it is refused with
/// the cell named (a real table has fewer than 200 columns).
pub const MAX_COLS: usize = 1_000;
/// Most filled cells in a sheet, and most cells in the table handed on (data rows × the
/// header's width): 5,000,000 (100,000 employees × 50 columns). A date, an error value or
/// a formula without a result also makes an issue ([`crate::CellIssue`]), which counts as
/// one more cell.
pub const MAX_CELLS: usize = 5_000_000;
/// Longest text of one cell, in characters: 32,767 (Excel's own limit).
pub const MAX_CELL_CHARS: usize = 32_767;
/// Most text kept over all cells of a sheet, in bytes of UTF-8: 128 MiB. (One shared string
/// may be used by many cells; each use is counted.)
pub const MAX_TEXT_BYTES: usize = 128 << 20;
/// Most merged ranges in a sheet: 10,000.
pub const MAX_MERGED_RANGES: usize = 10_000;
/// Largest CSV file: 128 MiB.
pub const MAX_CSV_BYTES: usize = 128 << 20;
/// Longest CSV record (a line, or several when a quoted field holds line breaks), in bytes:
/// 1 MiB.
pub const MAX_CSV_LINE_BYTES: usize = 1 << 20;
/// Most fields in one CSV record: 16,384 (Excel's column count). Filled fields right of
/// [`MAX_COLS`] are refused as cells are.
pub const MAX_CSV_FIELDS: usize = 16_384;

/// The limits of the `.xlsx` and `.csv` readers; [`Limits::default`] gives the `MAX_*`
/// constants of this module. Pass your own to [`crate::read_xlsx_with`],
/// [`crate::read_csv_with`] or [`crate::read_path_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// [`MAX_FILE_BYTES`].
    pub max_file_bytes: u64,
    /// [`MAX_ARCHIVE_BYTES`].
    pub max_archive_bytes: u64,
    /// [`MAX_SHEET_XML_BYTES`].
    pub max_sheet_xml_bytes: u64,
    /// [`MAX_SHARED_STRINGS_XML_BYTES`].
    pub max_shared_strings_xml_bytes: u64,
    /// [`MAX_PART_BYTES`].
    pub max_part_bytes: u64,
    /// [`MAX_SHARED_STRINGS`].
    pub max_shared_strings: usize,
    /// [`MAX_STYLE_RECORDS`].
    pub max_style_records: usize,
    /// [`MAX_ROWS`].
    pub max_rows: usize,
    /// [`MAX_COLS`].
    pub max_cols: usize,
    /// [`MAX_CELLS`].
    pub max_cells: usize,
    /// [`MAX_CELL_CHARS`].
    pub max_cell_chars: usize,
    /// [`MAX_TEXT_BYTES`].
    pub max_text_bytes: usize,
    /// [`MAX_MERGED_RANGES`].
    pub max_merged_ranges: usize,
    /// [`MAX_CSV_BYTES`].
    pub max_csv_bytes: usize,
    /// [`MAX_CSV_LINE_BYTES`].
    pub max_csv_line_bytes: usize,
    /// [`MAX_CSV_FIELDS`].
    pub max_csv_fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: MAX_FILE_BYTES,
            max_archive_bytes: MAX_ARCHIVE_BYTES,
            max_sheet_xml_bytes: MAX_SHEET_XML_BYTES,
            max_shared_strings_xml_bytes: MAX_SHARED_STRINGS_XML_BYTES,
            max_part_bytes: MAX_PART_BYTES,
            max_shared_strings: MAX_SHARED_STRINGS,
            max_style_records: MAX_STYLE_RECORDS,
            max_rows: MAX_ROWS,
            max_cols: MAX_COLS,
            max_cells: MAX_CELLS,
            max_cell_chars: MAX_CELL_CHARS,
            max_text_bytes: MAX_TEXT_BYTES,
            max_merged_ranges: MAX_MERGED_RANGES,
            max_csv_bytes: MAX_CSV_BYTES,
            max_csv_line_bytes: MAX_CSV_LINE_BYTES,
            max_csv_fields: MAX_CSV_FIELDS,
        }
    }
}

/// A size for people: `512 B`, `3.0 KiB`, `805.0 MiB`.
pub(crate) fn human(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

pub(crate) fn too_large(zh: String, en: String) -> OfficeError {
    OfficeError::TooLarge { zh, en }
}

/// `考核数据!ZZZZZZ2`: 1-based row, 0-based column.
pub(crate) fn cell_ref(sheet: &str, row: usize, col: usize) -> String {
    format!("{}!{}{}", sheet_ref(sheet), col_letter(col), row)
}

/// Counts what a reader keeps of one sheet, against the limits.
pub(crate) struct Budget<'a> {
    pub limits: &'a Limits,
    pub sheet: &'a str,
    cells: usize,
    text: usize,
}

impl<'a> Budget<'a> {
    pub fn new(limits: &'a Limits, sheet: &'a str) -> Self {
        Budget {
            limits,
            sheet,
            cells: 0,
            text: 0,
        }
    }

    /// Where a cell may be at all: 1-based row, 0-based column.
    pub fn place(&self, row: usize, col: usize) -> Result<(), OfficeError> {
        let l = self.limits;
        if col >= l.max_cols {
            let at = cell_ref(self.sheet, row, col);
            let last = col_letter(l.max_cols.saturating_sub(1));
            return Err(too_large(
                format!(
                    "单元格 {at} 超出了最多 {} 列的限制（最右为 {last} 列）",
                    l.max_cols
                ),
                format!(
                    "cell {at} is beyond the limit of {} columns (the last column read is {last})",
                    l.max_cols
                ),
            ));
        }
        if row > l.max_rows {
            let at = cell_ref(self.sheet, row, col);
            return Err(too_large(
                format!("单元格 {at} 超出了最多 {} 行的限制", l.max_rows),
                format!("cell {at} is beyond the limit of {} rows", l.max_rows),
            ));
        }
        Ok(())
    }

    /// One filled cell kept: its place, its length, the count and the text so far.
    pub fn cell(&mut self, row: usize, col: usize, text: &str) -> Result<(), OfficeError> {
        self.place(row, col)?;
        let l = self.limits;
        self.cells += 1;
        if self.cells > l.max_cells {
            let at = cell_ref(self.sheet, row, col);
            return Err(too_large(
                format!(
                    "工作表「{}」超出了最多 {} 个非空单元格的限制（到 {at} 为止）",
                    self.sheet, l.max_cells
                ),
                format!(
                    "sheet `{}` has more than {} filled cells, the limit (reached at {at})",
                    self.sheet, l.max_cells
                ),
            ));
        }
        // A char is at least one byte: count chars only when the bytes could be too many.
        if text.len() > l.max_cell_chars {
            let n = text.chars().count();
            if n > l.max_cell_chars {
                let at = cell_ref(self.sheet, row, col);
                return Err(too_large(
                    format!(
                        "单元格 {at} 有 {n} 个字符，超出了每格最多 {} 个字符的限制",
                        l.max_cell_chars
                    ),
                    format!(
                        "cell {at} holds {n} characters, beyond the limit of {} per cell",
                        l.max_cell_chars
                    ),
                ));
            }
        }
        self.text = self.text.saturating_add(text.len());
        if self.text > l.max_text_bytes {
            let at = cell_ref(self.sheet, row, col);
            let max = human(l.max_text_bytes as u64);
            return Err(too_large(
                format!(
                    "工作表「{}」的文字总量超出了最多 {max} 的限制（到 {at} 为止）",
                    self.sheet
                ),
                format!(
                    "the text of sheet `{}` is more than {max}, the limit (reached at {at})",
                    self.sheet
                ),
            ));
        }
        Ok(())
    }
}

/// Check an `.xlsx` before calamine opens it: the file size, every part's uncompressed size
/// as its central directory declares it (nothing is inflated for this), their sum, and the
/// shared strings (their declared and actual count; the part is streamed, at most its
/// limit). calamine reads through the same `zip` crate, which refuses a part that inflates
/// past its declared size, so the declared sizes bound what is inflated.
pub(crate) fn check_xlsx(bytes: &[u8], limits: &Limits) -> Result<(), OfficeError> {
    let len = bytes.len() as u64;
    if len > limits.max_file_bytes {
        let (n, max) = (human(len), human(limits.max_file_bytes));
        return Err(too_large(
            format!("文件有 {n}，超出了 .xlsx 最多 {max} 的限制"),
            format!("the file is {n}, beyond the limit of {max} for an .xlsx"),
        ));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| OfficeError::NotXlsx {
        detail: e.to_string(),
    })?;
    let mut total: u64 = 0;
    let mut shared: Vec<(usize, String)> = Vec::new();
    let mut styles: Vec<(usize, String)> = Vec::new();
    for i in 0..zip.len() {
        let e = zip.by_index_data(i).map_err(|e| OfficeError::NotXlsx {
            detail: e.to_string(),
        })?;
        let name = match e.name() {
            Ok(n) => n.into_owned(),
            Err(_) => String::from_utf8_lossy(e.name_raw()).into_owned(),
        };
        let size = e.size();
        // calamine looks parts up with `\` as `/` and ignoring case.
        let key = name.replace('\\', "/").to_ascii_lowercase();
        let (max, zh, en) = if key.ends_with("sharedstrings.xml") {
            shared.push((i, name.clone()));
            (
                limits.max_shared_strings_xml_bytes,
                "共享字符串",
                "shared strings",
            )
        } else if key.ends_with("styles.xml") {
            styles.push((i, name.clone()));
            (limits.max_part_bytes, "部件", "a part")
        } else if key.contains("worksheets/") {
            (limits.max_sheet_xml_bytes, "工作表 XML ", "a sheet's XML")
        } else {
            (limits.max_part_bytes, "部件", "a part")
        };
        if size > max {
            let (n, m) = (human(size), human(max));
            return Err(too_large(
                format!("工作簿中的 {name} 解压后有 {n}，超出了{zh}的限制（最多 {m}）"),
                format!("{name} in the workbook unpacks to {n}, beyond the limit of {m} for {en}"),
            ));
        }
        total = total.saturating_add(size);
        if total > limits.max_archive_bytes {
            let m = human(limits.max_archive_bytes);
            return Err(too_large(
                format!("工作簿解压后超过 {m}（到 {name} 为止），超出了整个文件的限制"),
                format!(
                    "the workbook unpacks to more than {m} (reached at {name}), the limit for a whole file"
                ),
            ));
        }
    }
    // A part that cannot be read is left for calamine to report.
    for (i, name) in shared {
        if let Ok(f) = zip.by_index(i) {
            check_shared_strings(f, &name, limits)?;
        }
    }
    for (i, name) in styles {
        if let Ok(f) = zip.by_index(i) {
            check_styles(f, &name, limits)?;
        }
    }
    Ok(())
}

/// Every start element of an XML part, read as calamine reads it, until `f` refuses one or
/// the part ends (or is broken: calamine reports that).
fn each_element(
    r: impl Read,
    mut f: impl FnMut(&quick_xml::events::BytesStart<'_>) -> Result<(), OfficeError>,
) -> Result<(), OfficeError> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(r));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e)) => f(&e)?,
            Ok(quick_xml::events::Event::Eof) | Err(_) => return Ok(()),
            _ => {}
        }
    }
}

/// Count the style records calamine keeps one by one.
fn check_styles(r: impl Read, name: &str, limits: &Limits) -> Result<(), OfficeError> {
    let max = limits.max_style_records;
    let mut count = 0usize;
    each_element(r, |e| {
        if matches!(
            e.local_name().as_ref(),
            "xf" | "font" | "fill" | "border" | "numFmt"
        ) {
            count += 1;
            if count > max {
                return Err(too_large(
                    format!("工作簿中的 {name} 有超过 {max} 个样式记录，超出了限制"),
                    format!("{name} in the workbook has more than {max} style records, the limit"),
                ));
            }
        }
        Ok(())
    })
}

/// Stream the shared strings: refuse a declared `uniqueCount` beyond the limit (calamine
/// reserves that many strings up front) and more `<si>` than the limit. Errors in the XML
/// stop the scan; calamine reports them.
fn check_shared_strings(r: impl Read, name: &str, limits: &Limits) -> Result<(), OfficeError> {
    let max = limits.max_shared_strings;
    let refuse = |n: String| {
        too_large(
            format!("工作簿中的 {name} 有 {n} 个共享字符串，超出了最多 {max} 个的限制"),
            format!("{name} in the workbook holds {n} shared strings, beyond the limit of {max}"),
        )
    };
    let mut count = 0usize;
    let mut seen_sst = false;
    each_element(r, |e| {
        match e.local_name().as_ref() {
            "sst" if !seen_sst => {
                seen_sst = true;
                if let Some(n) = declared_count(e).filter(|n| *n > max as u128) {
                    return Err(refuse(n.to_string()));
                }
            }
            "si" => {
                count += 1;
                if count > max {
                    return Err(refuse(format!("{count}+")));
                }
            }
            _ => {}
        }
        Ok(())
    })
}

/// The largest number after any `uniqueCount` in a start tag (leading zeros, spaces, `=` and
/// quotes skipped), saturating: more cautious than any way calamine may read it.
fn declared_count(e: &quick_xml::events::BytesStart<'_>) -> Option<u128> {
    let tag: &[u8] = e.as_bytes();
    let key = b"uniqueCount";
    let mut best: Option<u128> = None;
    let mut i = 0;
    while let Some(p) = tag[i..].windows(key.len()).position(|w| w == key) {
        let mut j = i + p + key.len();
        while j < tag.len() && b" \t\r\n='\"0".contains(&tag[j]) {
            j += 1;
        }
        let mut n: u128 = 0;
        while j < tag.len() && tag[j].is_ascii_digit() {
            n = n
                .saturating_mul(10)
                .saturating_add(u128::from(tag[j] - b'0'));
            j += 1;
        }
        best = best.max(Some(n));
        i = j.max(i + p + 1);
    }
    best
}

/// Check a CSV's records before the CSV reader buffers them: the file size, and each
/// record's length and field count, with the line it starts on. Bytes are scanned as
/// `csv` reads them (a quote opens a quoted field only at the start of a field; `""` inside
/// one is a quote; `\r`, `\n` or `\r\n` end a record outside quotes). UTF-8 and GB18030
/// both leave these ASCII bytes alone, so this runs before decoding.
pub(crate) fn check_csv(bytes: &[u8], name: &str, limits: &Limits) -> Result<(), OfficeError> {
    if bytes.len() > limits.max_csv_bytes {
        let (n, max) = (
            human(bytes.len() as u64),
            human(limits.max_csv_bytes as u64),
        );
        return Err(too_large(
            format!("文件「{name}」有 {n}，超出了 CSV 最多 {max} 的限制"),
            format!("file `{name}` is {n}, beyond the limit of {max} for a CSV"),
        ));
    }
    #[derive(PartialEq)]
    enum S {
        StartField,
        InField,
        InQuoted,
        QuoteInQuoted,
    }
    let mut s = S::StartField;
    let mut line: u64 = 1;
    let mut start_line: u64 = 1;
    let mut start: usize = 0;
    let mut fields: usize = 1;
    let mut at_record_start = true;
    let mut prev = 0u8;
    let too_long = |line: u64| {
        let max = human(limits.max_csv_line_bytes as u64);
        too_large(
            format!("CSV「{name}」第 {line} 行超过 {max}，超出了每行最多 {max} 的限制"),
            format!("CSV `{name}` line {line} is longer than {max}, the limit per line"),
        )
    };
    for (i, &b) in bytes.iter().enumerate() {
        if at_record_start {
            at_record_start = false;
            start = i;
            start_line = line;
            fields = 1;
        }
        let end_record = match s {
            S::StartField | S::InField | S::QuoteInQuoted => match b {
                b'"' if s == S::StartField => {
                    s = S::InQuoted;
                    false
                }
                b'"' if s == S::QuoteInQuoted => {
                    s = S::InQuoted;
                    false
                }
                b',' => {
                    s = S::StartField;
                    fields += 1;
                    if fields > limits.max_csv_fields {
                        let max = limits.max_csv_fields;
                        return Err(too_large(
                            format!(
                                "CSV「{name}」第 {start_line} 行有超过 {max} 个字段，超出了每行最多 {max} 个的限制"
                            ),
                            format!(
                                "CSV `{name}` line {start_line} has more than {max} fields, the limit per line"
                            ),
                        ));
                    }
                    false
                }
                b'\n' | b'\r' => true,
                _ => {
                    s = S::InField;
                    false
                }
            },
            S::InQuoted => {
                if b == b'"' {
                    s = S::QuoteInQuoted;
                }
                false
            }
        };
        // Lines as the CSV reader numbers them: `\r\n`, `\n` or `\r` each end one.
        if b == b'\r' || (b == b'\n' && prev != b'\r') {
            line += 1;
        }
        prev = b;
        if i + 1 - start > limits.max_csv_line_bytes {
            return Err(too_long(start_line));
        }
        if end_record {
            s = S::StartField;
            at_record_start = true;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_for_people() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(3 * 1024), "3.0 KiB");
        assert_eq!(human(805 << 20), "805.0 MiB");
    }

    #[test]
    fn csv_scan_follows_quotes() {
        let l = Limits {
            max_csv_line_bytes: 10,
            max_csv_fields: 3,
            ..Limits::default()
        };
        // A quoted field with line breaks and commas is one field of one record.
        assert!(check_csv(b"a,b\n\"x,\ny\",z\n", "t.csv", &l).is_ok());
        // A quote in the middle of a field does not open one.
        assert!(check_csv(b"ab\"c,d\ne,f\n", "t.csv", &l).is_ok());
        let e = check_csv(b"a,b\nc,d,e,f\n", "t.csv", &l).unwrap_err();
        assert!(
            e.to_string().contains("line 2 has more than 3 fields"),
            "{e}"
        );
        let e = check_csv(b"a,b\r\n\"c\n\nd\",0123456789\n", "t.csv", &l).unwrap_err();
        assert!(e.to_string().contains("第 2 行"), "{e}");
        assert!(e.to_string().contains("line 2 is longer than 10 B"), "{e}");
    }
}
