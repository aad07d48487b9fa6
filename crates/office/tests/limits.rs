//! Hostile and oversized files (issue 15): each is refused quickly, with the limit and the
//! cell, line or part named, and without the memory the file asks for. Workbooks are
//! written by hand (a zip of five small XML parts), so a test can put a cell anywhere.
//!
//! Memory is the process's peak resident size (`VmHWM`), reset before each case through
//! `/proc/self/clear_refs`; the tests of this file run one at a time, in a test binary of
//! their own (not the crate's `it`), so the figure is theirs. "At once" is checked only
//! against a hang ([`HANG`]): speed is for the benchmarks.

use kaohe_office::limits::{Limits, MAX_COLS};
use kaohe_office::{OfficeError, read_csv, read_csv_with, read_xlsx, read_xlsx_with};
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A refusal that takes longer than this is a hang, not a refusal.
const HANG: Duration = Duration::from_secs(30);

/// Peak resident memory since the last reset, in MiB (`None` where /proc is not Linux's).
fn peak_mib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = s
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024)
}

/// Run `f` alone, and say how long it took and how much its peak memory rose above what
/// the process held before (MiB).
fn measured<T>(f: impl FnOnce() -> T) -> (T, Duration, u64) {
    let _g = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = peak_mib().unwrap_or(0);
    let t = Instant::now();
    let out = f();
    let took = t.elapsed();
    let rise = if reset {
        peak_mib().unwrap_or(0).saturating_sub(before)
    } else {
        0
    };
    (out, took, rise)
}

const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

/// A workbook with one sheet, 考核数据, whose `<sheetData>` is `rows`, and shared strings
/// when given (the whole `sharedStrings.xml`).
fn workbook(rows: &str, shared: Option<&str>) -> Vec<u8> {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>"#
    );
    workbook_with_sheet_xml(&sheet, shared)
}

fn workbook_with_sheet_xml(sheet: &str, shared: Option<&str>) -> Vec<u8> {
    workbook_with_parts(sheet, shared, None)
}

fn workbook_with_parts(sheet: &str, shared: Option<&str>, styles: Option<&str>) -> Vec<u8> {
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let pkg = "http://schemas.openxmlformats.org/package/2006/relationships";
    let mut parts: Vec<(&str, String)> = vec![
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ),
        (
            "xl/workbook.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{rel}"><sheets><sheet name="考核数据" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ),
        ("xl/worksheets/sheet1.xml", sheet.to_string()),
    ];
    if let Some(s) = shared {
        parts.push(("xl/sharedStrings.xml", s.to_string()));
    }
    if let Some(s) = styles {
        parts.push(("xl/styles.xml", s.to_string()));
    }
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, data) in parts {
        z.start_file(name, opts).unwrap();
        z.write_all(data.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// An inline-string cell.
fn c(at: &str, text: &str) -> String {
    format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn header() -> String {
    format!(r#"<row r="1">{}{}</row>"#, c("A1", "工号"), c("B1", "姓名"))
}

/// Change the uncompressed size a zip declares for `name`, in its local header and in its
/// central directory.
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let n = name.as_bytes();
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(46 + n.len()) {
        let at = |off: usize, len: usize| &zip[i + off..i + off + len];
        if at(0, 4) == b"PK\x03\x04" && at(30, n.len()) == n {
            zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        } else if at(0, 4) == b"PK\x01\x02" && at(46, n.len()) == n {
            zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "{name} found in both headers");
}

fn too_large(r: Result<kaohe_office::Table, OfficeError>) -> String {
    match r {
        Err(e @ OfficeError::TooLarge { .. }) => e.to_string(),
        Err(e) => panic!("refused, but not for a limit: {e}"),
        Ok(t) => panic!("read {} rows", t.rows.len()),
    }
}

#[test]
fn one_cell_at_zzzzzz2_is_refused_naming_the_cell_and_the_limit() {
    let rows = format!(r#"{}<row r="2">{}</row>"#, header(), c("ZZZZZZ2", "x"));
    let bytes = workbook(&rows, None);
    assert!(bytes.len() < 2048, "{} bytes", bytes.len());
    let (r, took, mib) = measured(|| read_xlsx(&bytes, None));
    let msg = too_large(r);
    assert!(
        msg.contains("单元格 考核数据!ZZZZZZ2 超出了最多 1000 列的限制")
            && msg.contains("cell 考核数据!ZZZZZZ2 is beyond the limit of 1000 columns")
            && msg.contains("ALL"),
        "{msg}"
    );
    assert!(took < HANG, "refused at once, not after {took:?}");
    assert!(mib < 50, "peak memory rose by {mib} MiB");
}

#[test]
fn a_cell_in_column_xfd_on_100000_rows_is_refused_at_the_first() {
    let mut rows = header();
    for r in 2..=100_001 {
        rows.push_str(&format!(
            r#"<row r="{r}">{}{}</row>"#,
            c(&format!("A{r}"), "E1"),
            c(&format!("XFD{r}"), "x")
        ));
    }
    let bytes = workbook(&rows, None);
    let (r, took, mib) = measured(|| read_xlsx(&bytes, None));
    let msg = too_large(r);
    assert!(
        msg.contains("考核数据!XFD2") && msg.contains("limit of 1000 columns"),
        "{msg}"
    );
    assert!(took < HANG, "refused at once, not after {took:?}");
    assert!(mib < 100, "peak memory rose by {mib} MiB");
}

#[test]
fn far_right_cells_within_the_limit_are_not_padded_and_100000_rows_read() {
    // 100,000 employees, each row with a stray cell in column ALL (the last one read).
    let mut rows = format!(
        r#"<row r="1">{}{}{}{}</row>"#,
        c("A1", "工号"),
        c("B1", "姓名"),
        c("C1", "得分"),
        c("D1", "备注")
    );
    for r in 2..=100_001 {
        rows.push_str(&format!(
            r#"<row r="{r}">{}{}<c r="C{r}"><v>{}</v></c>{}</row>"#,
            c(&format!("A{r}"), &format!("E{r}")),
            c(&format!("B{r}"), "张伟"),
            r % 100,
            c(&format!("ALL{r}"), "x"),
        ));
    }
    let bytes = workbook(&rows, None);
    let (t, took, mib) = measured(|| read_xlsx(&bytes, None).unwrap());
    assert_eq!(t.rows.len(), 100_000);
    assert_eq!(t.headers, ["工号", "姓名", "得分", "备注"]);
    assert_eq!(t.rows[0].row, 2);
    assert_eq!(t.rows[0].cells, ["E2", "张伟", "2", ""]);
    assert!(t.rows.iter().all(|r| r.cells.len() == 4));
    // Padded to column ALL, the rows alone would take 100,000 × 1,000 × 24 bytes = 2.4 GB.
    assert!(mib < 300, "peak memory rose by {mib} MiB");
    eprintln!("100,000 rows read in {took:?}, peak memory +{mib} MiB");
}

#[test]
fn a_sheet_xml_beyond_its_limit_is_refused_before_it_is_inflated() {
    // 8 MiB of XML that compresses to a few KiB, against a 1 MiB limit: the central
    // directory's size is enough to refuse it.
    let row = format!(r#"<row r="2">{}{}</row>"#, c("A2", "E1"), c("B2", "x"));
    let rows = header() + &row.repeat((8 << 20) / row.len());
    let bytes = workbook(&rows, None);
    assert!(bytes.len() < 200 << 10, "{} bytes", bytes.len());
    let small = Limits {
        max_sheet_xml_bytes: 1 << 20,
        ..Limits::default()
    };
    let (r, took, mib) = measured(|| read_xlsx_with(&bytes, None, &small));
    let msg = too_large(r);
    assert!(
        msg.contains("xl/worksheets/sheet1.xml")
            && msg.contains("8.0 MiB")
            && msg.contains("beyond the limit of 1.0 MiB for a sheet's XML")
            && msg.contains("超出了工作表 XML 的限制（最多 1.0 MiB）"),
        "{msg}"
    );
    assert!(took < HANG, "refused at once, not after {took:?}");
    assert!(mib < 8, "peak memory rose by {mib} MiB");
    // The same file is read within the default limits.
    assert!(read_xlsx(&bytes, None).is_ok());

    // The whole archive: the sum of its parts.
    let whole = Limits {
        max_archive_bytes: 4 << 20,
        ..Limits::default()
    };
    let msg = too_large(read_xlsx_with(&bytes, None, &whole));
    assert!(
        msg.contains("the workbook unpacks to more than 4.0 MiB"),
        "{msg}"
    );
}

#[test]
fn a_declared_size_beyond_the_default_limit_is_refused_at_once() {
    // The tester's bomb: a sheet part that says it unpacks to 805 MB.
    let rows = format!(
        r#"{}<row r="2">{}{}</row>"#,
        header(),
        c("A2", "E1"),
        c("B2", "x")
    );
    let mut bytes = workbook(&rows, None);
    declare_size(&mut bytes, "xl/worksheets/sheet1.xml", 805 << 20);
    let (r, took, mib) = measured(|| read_xlsx(&bytes, None));
    let msg = too_large(r);
    assert!(
        msg.contains("xl/worksheets/sheet1.xml 解压后有 805.0 MiB")
            && msg.contains("beyond the limit of 256.0 MiB for a sheet's XML"),
        "{msg}"
    );
    assert!(took < HANG, "refused at once, not after {took:?}");
    assert!(mib < 8, "peak memory rose by {mib} MiB");
}

#[test]
fn a_part_that_inflates_past_its_declared_size_is_not_read_past_it() {
    // A lying directory: 4 MiB of XML declared as 2,000 bytes.
    let row = format!(r#"<row r="2">{}{}</row>"#, c("A2", "E1"), c("B2", "x"));
    let rows = header() + &row.repeat((4 << 20) / row.len());
    let mut bytes = workbook(&rows, None);
    declare_size(&mut bytes, "xl/worksheets/sheet1.xml", 2000);
    let (r, _, mib) = measured(|| read_xlsx(&bytes, None));
    match r {
        Err(OfficeError::Read(m)) | Err(OfficeError::NotXlsx { detail: m }) => {
            assert!(m.contains("larger than its declared"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert!(mib < 8, "peak memory rose by {mib} MiB");
}

#[test]
fn rows_beyond_the_limit_are_refused_naming_the_first() {
    let mut rows = header();
    for r in 2..=20 {
        rows.push_str(&format!(
            r#"<row r="{r}">{}{}</row>"#,
            c(&format!("A{r}"), "E"),
            c(&format!("B{r}"), "x")
        ));
    }
    let bytes = workbook(&rows, None);
    let l = Limits {
        max_rows: 10,
        ..Limits::default()
    };
    let msg = too_large(read_xlsx_with(&bytes, None, &l));
    assert!(
        msg.contains("单元格 考核数据!A11 超出了最多 10 行的限制")
            && msg.contains("cell 考核数据!A11 is beyond the limit of 10 rows"),
        "{msg}"
    );
    assert_eq!(read_xlsx(&bytes, None).unwrap().rows.len(), 19);

    let csv: String = (1..=20).map(|i| format!("E{i},x\n")).collect();
    let msg = too_large(read_csv_with(csv.as_bytes(), "m.csv", &l));
    assert!(
        msg.contains("cell m.csv!A11 is beyond the limit of 10 rows"),
        "{msg}"
    );
}

#[test]
fn cells_and_text_beyond_their_limits_are_refused() {
    let mut rows = header();
    for r in 2..=5 {
        rows.push_str(&format!(
            r#"<row r="{r}">{}{}</row>"#,
            c(&format!("A{r}"), "E"),
            c(&format!("B{r}"), "abcdefghij")
        ));
    }
    let bytes = workbook(&rows, None);
    let cells = Limits {
        max_cells: 7,
        ..Limits::default()
    };
    let msg = too_large(read_xlsx_with(&bytes, None, &cells));
    assert!(
        msg.contains("more than 7 filled cells") && msg.contains("考核数据!B4"),
        "{msg}"
    );
    let chars = Limits {
        max_cell_chars: 9,
        ..Limits::default()
    };
    let msg = too_large(read_xlsx_with(&bytes, None, &chars));
    assert!(
        msg.contains("cell 考核数据!B2 holds 10 characters, beyond the limit of 9 per cell"),
        "{msg}"
    );
    let text = Limits {
        max_text_bytes: 30,
        ..Limits::default()
    };
    let msg = too_large(read_xlsx_with(&bytes, None, &text));
    assert!(msg.contains("reached at 考核数据!B3"), "{msg}");
}

#[test]
fn shared_strings_beyond_the_limit_are_refused_before_calamine_reads_them() {
    let sst = |declared: &str, n: usize| {
        let si: String = (0..n).map(|i| format!("<si><t>s{i}</t></si>")).collect();
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="{n}" uniqueCount="{declared}">{si}</sst>"#
        )
    };
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>"#;
    let bytes = workbook(rows, Some(&sst("20", 20)));
    assert_eq!(read_xlsx(&bytes, None).unwrap().headers, ["s0", "s1"]);
    let l = Limits {
        max_shared_strings: 10,
        ..Limits::default()
    };
    let msg = too_large(read_xlsx_with(&bytes, None, &l));
    assert!(
        msg.contains(
            "xl/sharedStrings.xml in the workbook holds 20 shared strings, beyond the limit of 10"
        ),
        "{msg}"
    );
    // Counted too, whatever the file declares.
    let bytes = workbook(rows, Some(&sst("2", 20)));
    let msg = too_large(read_xlsx_with(&bytes, None, &l));
    assert!(msg.contains("holds 11+ shared strings"), "{msg}");
    // A declared count of four billion would have calamine reserve 96 GB up front.
    let bytes = workbook(rows, Some(&sst("4000000000", 2)));
    let (r, took, mib) = measured(|| read_xlsx(&bytes, None));
    let msg = too_large(r);
    assert!(
        msg.contains("4000000000 shared strings, beyond the limit of 1000000"),
        "{msg}"
    );
    assert!(took < HANG, "refused at once, not after {took:?}");
    assert!(mib < 8, "peak memory rose by {mib} MiB");
}

#[test]
fn a_styles_part_of_empty_records_is_refused() {
    // 1.5 MB of `<xf/>`, a few KB zipped: calamine would keep 300,000 styles.
    let styles = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{NS}"><cellXfs>{}</cellXfs></styleSheet>"#,
        "<xf/>".repeat(300_000)
    );
    let rows = format!(
        r#"{}<row r="2">{}{}</row>"#,
        header(),
        c("A2", "E1"),
        c("B2", "x")
    );
    let bytes = workbook_with_parts(
        &format!(r#"<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>"#),
        None,
        Some(&styles),
    );
    let (r, took, mib) = measured(|| read_xlsx(&bytes, None));
    let msg = too_large(r);
    assert!(
        msg.contains("xl/styles.xml in the workbook has more than 262144 style records"),
        "{msg}"
    );
    assert!(took < HANG, "refused at once, not after {took:?}");
    assert!(mib < 16, "peak memory rose by {mib} MiB");
    // Without the limit, for the record.
    let open = Limits {
        max_style_records: usize::MAX,
        ..Limits::default()
    };
    let (r, took, mib) = measured(|| read_xlsx_with(&bytes, None, &open));
    assert!(r.is_ok());
    eprintln!("300,000 empty styles read without the limit: {took:?}, peak memory +{mib} MiB");
}

#[test]
fn merged_ranges_beyond_the_limit_are_refused() {
    let merges: String = (0..30)
        .map(|i| format!(r#"<mergeCell ref="C{0}:D{0}"/>"#, i + 10))
        .collect();
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>{}</sheetData><mergeCells count="30">{merges}</mergeCells></worksheet>"#,
        header()
    );
    let bytes = workbook_with_sheet_xml(&sheet, None);
    let l = Limits {
        max_merged_ranges: 20,
        ..Limits::default()
    };
    let msg = too_large(read_xlsx_with(&bytes, None, &l));
    assert!(
        msg.contains("sheet `考核数据` has 30 merged ranges, beyond the limit of 20"),
        "{msg}"
    );
}

#[test]
fn an_overflowing_cell_reference_is_an_error_not_a_crash() {
    let rows = format!(
        r#"{}<row r="2">{}</row>"#,
        header(),
        c("ZZZZZZZZZZZZ2", "x")
    );
    let bytes = workbook(&rows, None);
    assert!(read_xlsx(&bytes, None).is_err());
}

#[test]
fn a_huge_csv_line_is_refused_with_its_line() {
    let mut csv = String::from("工号,姓名\nE1,张伟\nE2,");
    csv.push_str(&"李".repeat(1 << 20));
    csv.push_str("\nE3,王芳\n");
    let (r, took, mib) = measured(|| read_csv(csv.as_bytes(), "big.csv"));
    let msg = too_large(r);
    assert!(
        msg.contains("CSV「big.csv」第 3 行超过 1.0 MiB")
            && msg.contains("CSV `big.csv` line 3 is longer than 1.0 MiB, the limit per line"),
        "{msg}"
    );
    assert!(took < HANG, "refused at once, not after {took:?}");
    assert!(mib < 16, "peak memory rose by {mib} MiB");
}

#[test]
fn too_many_csv_fields_are_refused_with_the_line() {
    let csv = format!("工号,姓名\nE1,张伟{}\n", ",".repeat(20_000));
    let msg = too_large(read_csv(csv.as_bytes(), "wide.csv"));
    assert!(
        msg.contains("CSV `wide.csv` line 2 has more than 16384 fields"),
        "{msg}"
    );
    // A filled field right of the last column read is named as a cell.
    let csv = format!("工号,姓名\nE1,张伟{}x\n", ",".repeat(MAX_COLS - 1));
    let msg = too_large(read_csv(csv.as_bytes(), "wide.csv"));
    assert!(
        msg.contains("cell wide.csv!ALM2 is beyond the limit of 1000 columns"),
        "{msg}"
    );
    // Empty fields far right are fine and cost nothing: the table is as wide as its header.
    let csv = format!("工号,姓名\nE1,张伟{}\n", ",".repeat(5_000));
    let t = read_csv(csv.as_bytes(), "wide.csv").unwrap();
    assert_eq!(t.rows[0].cells, ["E1", "张伟"]);
}

#[test]
fn a_csv_file_beyond_its_limit_is_refused() {
    let l = Limits {
        max_csv_bytes: 1000,
        ..Limits::default()
    };
    let csv = "工号,姓名\n".to_string() + &"E1,张伟\n".repeat(200);
    let msg = too_large(read_csv_with(csv.as_bytes(), "f.csv", &l));
    assert!(
        msg.contains("file `f.csv` is 2.0 KiB, beyond the limit of 1000 B for a CSV")
            && msg.contains("文件「f.csv」有 2.0 KiB，超出了 CSV 最多 1000 B 的限制"),
        "{msg}"
    );
}
