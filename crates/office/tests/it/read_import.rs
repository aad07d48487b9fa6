//! Reading real workbooks (made here with rust_xlsxwriter) and importing them for F01.

use kaohe_core::Template;
use kaohe_core::input::{Row, match_header, parse_row};
use kaohe_office::import::{GROUP, ID, MatchKind, import_table, propose_mapping};
use kaohe_office::read::{IssueKind, read_csv, read_xlsx};
use kaohe_office::{CellProblem, OfficeError};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};
use std::collections::HashMap;

fn f01() -> Template {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../templates/F01.toml"
    ))
    .unwrap();
    kaohe_core::compile_str(&src).unwrap()
}

/// A cell to write: a number or a string.
#[derive(Clone, Copy)]
enum C<'a> {
    N(f64),
    S(&'a str),
    E,
}

fn put(ws: &mut Worksheet, row: u32, cells: &[C]) {
    for (c, v) in cells.iter().enumerate() {
        match v {
            C::N(f) => {
                ws.write_number(row, c as u16, *f).unwrap();
            }
            C::S(s) => {
                ws.write_string(row, c as u16, *s).unwrap();
            }
            C::E => {}
        }
    }
}

const HEADER: [&str; 9] = [
    "工号",
    "姓名",
    "当月销售目标",
    "当月实际销售额",
    "月度绩效奖金",
    "authorised_work",
    "客户样品开发跟进(得分)",
    "contracts",
    "备注",
];

fn header() -> Vec<C<'static>> {
    HEADER.iter().map(|h| C::S(h)).collect()
}

/// Sheet "考核数据": merged title A1:I1, blank row 2, header row 3, data from row 4.
fn f01_workbook(extra: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("考核数据").unwrap();
    ws.merge_range(0, 0, 0, 8, "2026年11月 客户经理考核数据", &Format::new())
        .unwrap();
    put(ws, 2, &header());
    put(
        ws,
        3,
        &[
            C::S("E001"),
            C::S("张伟"),
            C::N(100.0),
            C::N(87.0),
            C::N(3000.0),
            C::N(18.0),
            C::N(14.0),
            C::N(13.0),
            C::S("好"),
        ],
    );
    put(
        ws,
        4,
        &[
            C::S("E002"),
            C::S("李娜"),
            C::N(100.0),
            C::S("９５"),
            C::N(2500.5),
            C::N(0.95),
            C::N(12.5),
            C::N(10.0),
            C::E,
        ],
    );
    // Row 6 blank: skipped.
    put(
        ws,
        6,
        &[
            C::S("E003"),
            C::S("王芳"),
            C::S("120"),
            C::N(130.0),
            C::N(2000.0),
            C::N(20.0),
            C::N(15.0),
            C::N(15.0),
            C::E,
        ],
    );
    extra(ws);
    wb.save_to_buffer().unwrap()
}

#[test]
fn header_found_below_a_merged_title_and_numbers_exact() {
    let bytes = f01_workbook(|_| {});
    let t = read_xlsx(&bytes, None).unwrap();
    assert_eq!(t.sheet, "考核数据");
    assert_eq!(t.header_row, 3);
    assert_eq!(t.headers, HEADER);
    let rows: Vec<usize> = t.rows.iter().map(|r| r.row).collect();
    assert_eq!(rows, [4, 5, 7]);
    assert_eq!(
        t.rows[0].cells,
        ["E001", "张伟", "100", "87", "3000", "18", "14", "13", "好"]
    );
    assert_eq!(
        t.rows[1].cells,
        [
            "E002", "李娜", "100", "９５", "2500.5", "0.95", "12.5", "10", ""
        ]
    );
    assert_eq!(t.rows[2].cells[2], "120");
    assert!(t.issues.is_empty());
}

#[test]
fn a_title_row_with_a_second_cell_is_still_a_title() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.merge_range(0, 0, 0, 3, "考核数据", &Format::new())
        .unwrap();
    ws.write_string(0, 5, "制表: 人事部").unwrap();
    put(ws, 1, &[C::S("工号"), C::S("姓名")]);
    put(ws, 2, &[C::S("E1"), C::S("甲")]);
    let t = read_xlsx(&wb.save_to_buffer().unwrap(), None).unwrap();
    assert_eq!(t.header_row, 2);
    assert_eq!(t.rows.len(), 1);
}

#[test]
fn choose_sheet_by_name_or_first_and_refuse_a_missing_one() {
    let mut wb = Workbook::new();
    put(wb.add_worksheet(), 0, &[C::S("a"), C::S("b")]);
    let ws2 = wb.add_worksheet();
    ws2.set_name("第二张").unwrap();
    put(ws2, 0, &[C::S("工号"), C::S("得分")]);
    put(ws2, 1, &[C::S("E9"), C::N(1.5)]);
    wb.add_worksheet().set_name("空表").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert_eq!(read_xlsx(&bytes, None).unwrap().sheet, "Sheet1");
    let t = read_xlsx(&bytes, Some("第二张")).unwrap();
    assert_eq!(t.rows[0].cells, ["E9", "1.5"]);
    let e = read_xlsx(&bytes, Some("第三张")).unwrap_err();
    assert!(matches!(e, OfficeError::NoSuchSheet { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("第三张") && msg.contains("Sheet1") && msg.contains("no sheet named"),
        "{msg}"
    );
    let e = read_xlsx(&bytes, Some("空表")).unwrap_err();
    assert!(matches!(e, OfficeError::EmptySheet { .. }), "{e}");
    assert!(e.to_string().contains("is empty"));
}

#[test]
fn merged_cells_in_the_data_area_are_refused() {
    let bytes = f01_workbook(|ws| {
        ws.merge_range(4, 1, 5, 2, "x", &Format::new()).unwrap();
    });
    match read_xlsx(&bytes, None) {
        Err(OfficeError::Cells(ps)) => {
            assert_eq!(ps.len(), 1);
            assert_eq!(ps[0].place(), "考核数据!B5");
            let s = ps[0].to_string();
            assert!(
                s.contains("合并单元格") && s.contains("merged cells B5:C6"),
                "{s}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn percent_formatted_numbers_keep_their_percent() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    put(ws, 0, &[C::S("工号"), C::S("完成率"), C::S("比例")]);
    ws.write_string(1, 0, "E1").unwrap();
    ws.write_number_with_format(1, 1, 0.95, &Format::new().set_num_format("0%"))
        .unwrap();
    ws.write_number(1, 2, 0.95).unwrap();
    let t = read_xlsx(&wb.save_to_buffer().unwrap(), None).unwrap();
    assert_eq!(t.rows[0].cells, ["E1", "95%", "0.95"]);
}

#[test]
fn same_rows_as_the_csv_path() {
    let t = f01();
    // Header on row 1 so that Excel rows and CSV lines coincide.
    let rows: [[&str; 9]; 3] = [
        ["E001", "张伟", "100", "87", "3000", "18", "14", "13", ""],
        [
            "E002", "李娜", "100", "９５", "2500.5", "0.95", "12.5", "10", "x",
        ],
        ["E003", "王芳", "120", "1,300", "2000", "20", "15", "15", ""],
    ];
    let mut csv = HEADER.join(",");
    csv.push('\n');
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    put(ws, 0, &header());
    for (i, r) in rows.iter().enumerate() {
        csv.push_str(
            &r.iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push('\n');
        for (c, v) in r.iter().enumerate() {
            // Numbers as numbers where they are plain; the rest as text.
            match v.parse::<f64>() {
                Ok(f) => ws.write_number(i as u32 + 1, c as u16, f).unwrap(),
                Err(_) if v.is_empty() => ws,
                Err(_) => ws.write_string(i as u32 + 1, c as u16, *v).unwrap(),
            };
        }
    }
    let xlsx = wb.save_to_buffer().unwrap();

    // The CSV path, as `kaohe score` runs it.
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let hdr: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let hdr_refs: Vec<&str> = hdr.iter().map(String::as_str).collect();
    let cols = match_header(&t, &hdr_refs).unwrap();
    let expected: Vec<Row> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            let line = r.position().unwrap().line() as usize;
            let cells: Vec<&str> = r.iter().collect();
            parse_row(&t, &cols, &cells, line).unwrap()
        })
        .collect();
    assert_eq!(expected.len(), 3);

    let from_xlsx = import_table(&t, &read_xlsx(&xlsx, None).unwrap(), &HashMap::new());
    assert!(from_xlsx.problems.is_empty(), "{:?}", from_xlsx.problems);
    assert_eq!(from_xlsx.rows, expected);
    let from_csv = import_table(
        &t,
        &read_csv(csv.as_bytes(), "t.csv").unwrap(),
        &HashMap::new(),
    );
    assert_eq!(from_csv.rows, expected);
    assert!(
        from_xlsx.warnings[0].contains("备注"),
        "{:?}",
        from_xlsx.warnings
    );
}

fn problems(bytes: &[u8]) -> Vec<CellProblem> {
    let table = read_xlsx(bytes, None).unwrap();
    import_table(&f01(), &table, &HashMap::new()).problems
}

#[test]
fn bad_values_are_named_by_sheet_row_and_column() {
    let bytes = f01_workbook(|ws| {
        ws.write_string(4, 3, "abc").unwrap();
        ws.write_number(6, 5, 25.0).unwrap();
    });
    let ps = problems(&bytes);
    let s: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
    assert_eq!(ps.len(), 2, "{s:?}");
    assert_eq!(ps[0].place(), "考核数据!D5");
    assert!(
        s[0].contains("不是数字") && s[0].contains(" / "),
        "{}",
        s[0]
    );
    assert_eq!(ps[0].header.as_deref(), Some("当月实际销售额"));
    assert_eq!(ps[1].place(), "考核数据!F7");
    assert!(s[1].contains("超出允许范围"), "{}", s[1]);
}

#[test]
fn dates_errors_and_formulas_without_a_value_where_numbers_are_expected() {
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let bytes = f01_workbook(|ws| {
        let d = ExcelDateTime::from_ymd(2026, 11, 3).unwrap();
        // D4: a date where sales are expected.
        ws.write_datetime_with_format(3, 3, &d, &date_fmt).unwrap();
        // I4 (备注, not used): a date is fine there.
        ws.write_datetime_with_format(3, 8, &d, &date_fmt).unwrap();
        // E5: #DIV/0! as the cached result.
        ws.write_formula(4, 4, Formula::new("=1/0").set_result("#DIV/0!"))
            .unwrap();
        // F7: a formula; its saved result is taken out below.
        ws.write_formula(6, 5, Formula::new("=C7/10")).unwrap();
        // G7: a formula with its result saved reads as the number.
        ws.write_formula(6, 6, Formula::new("=C7/8").set_result("15"))
            .unwrap();
    });
    let bytes = drop_formula_result(&bytes, "<f>C7/10</f><v>0</v>", "<f>C7/10</f>");
    let table = read_xlsx(&bytes, None).unwrap();
    let kinds: Vec<(usize, usize, IssueKind, &str)> = table
        .issues
        .iter()
        .map(|i| (i.row, i.col, i.kind, i.text.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (4, 3, IssueKind::Date, "2026-11-03"),
            (4, 8, IssueKind::Date, "2026-11-03"),
            (5, 4, IssueKind::Error, "#DIV/0!"),
            (7, 5, IssueKind::FormulaNoValue, ""),
        ]
    );
    assert_eq!(table.rows[2].cells[6], "15");
    let ps = import_table(&f01(), &table, &HashMap::new()).problems;
    let s: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
    assert_eq!(ps.len(), 3, "{s:#?}");
    assert!(
        s[0].starts_with("考核数据!D4 [当月实际销售额]: ")
            && s[0].contains("日期")
            && s[0].contains("2026-11-03"),
        "{}",
        s[0]
    );
    assert!(
        s[1].starts_with("考核数据!E5") && s[1].contains("#DIV/0!"),
        "{}",
        s[1]
    );
    assert!(
        s[2].starts_with("考核数据!F7") && s[2].contains("公式") && s[2].contains("formula"),
        "{}",
        s[2]
    );
}

#[test]
fn duplicate_employees_name_both_rows() {
    let bytes = f01_workbook(|ws| {
        ws.write_string(6, 0, "E001").unwrap();
    });
    let ps = problems(&bytes);
    assert_eq!(ps.len(), 1);
    let s = ps[0].to_string();
    assert_eq!(ps[0].place(), "考核数据!A7");
    assert!(
        s.contains("E001") && s.contains("A4") && s.contains("A7") && s.contains("appears twice"),
        "{s}"
    );
}

#[test]
fn missing_columns_are_reported_on_the_header_row() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    put(ws, 0, &[C::S("姓名"), C::S("当月销售目标")]);
    put(ws, 1, &[C::S("甲"), C::N(1.0)]);
    let ps = problems(&wb.save_to_buffer().unwrap());
    assert!(ps.iter().all(|p| p.row == 1), "{ps:?}");
    let all: String = ps.iter().map(|p| p.to_string() + "\n").collect();
    assert!(
        all.contains("sales_actual") && all.contains("Sheet1!1:1"),
        "{all}"
    );
}

/// The attendance columns as 行政部 heads them: 「迟到早退次数」 is F01's 「请假、迟到、早退」
/// (a loose match, to confirm), 「旷工天数」 and 「请假天数」 its 旷工(天) and 当月请假天数.
#[test]
fn everyday_attendance_headers() {
    let t = f01();
    let headers: Vec<String> = ["工号", "姓名", "迟到早退次数", "旷工天数", "请假天数"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let p = propose_mapping(&t, &headers);
    let got: Vec<(&str, Option<&str>, Option<MatchKind>)> = p
        .columns
        .iter()
        .map(|c| (c.header.as_str(), c.target.as_deref(), c.how))
        .collect();
    assert_eq!(
        got[2..],
        [
            (
                "迟到早退次数",
                Some("leave_late_early"),
                Some(MatchKind::Loose)
            ),
            ("旷工天数", Some("absent_days"), Some(MatchKind::Loose)),
            ("请假天数", Some("leave_days"), Some(MatchKind::Loose)),
        ]
    );
    assert!(p.unmatched.is_empty(), "{:?}", p.unmatched);
}

#[test]
fn proposed_mapping_and_user_overrides() {
    let t = f01();
    let headers: Vec<String> = [
        "*工号",
        "姓名",
        "部门",
        "当月销售目标（万元）",
        "Actual sales this month",
        "奖金基数",
        "authorised_work",
        "客户样品开发跟进（得分）",
        "购销协议签订(得分)",
        "备注",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let p = propose_mapping(&t, &headers);
    let got: Vec<(&str, Option<&str>, Option<MatchKind>)> = p
        .columns
        .iter()
        .map(|c| (c.header.as_str(), c.target.as_deref(), c.how))
        .collect();
    assert_eq!(
        got,
        [
            ("*工号", Some(ID), Some(MatchKind::Loose)),
            ("姓名", Some("name"), Some(MatchKind::Exact)),
            ("部门", Some(GROUP), Some(MatchKind::Exact)),
            (
                "当月销售目标（万元）",
                Some("sales_target"),
                Some(MatchKind::Loose)
            ),
            (
                "Actual sales this month",
                Some("sales_actual"),
                Some(MatchKind::Exact)
            ),
            ("奖金基数", None, None),
            (
                "authorised_work",
                Some("authorised_work"),
                Some(MatchKind::Exact)
            ),
            (
                "客户样品开发跟进（得分）",
                Some("samples"),
                Some(MatchKind::Loose)
            ),
            (
                "购销协议签订(得分)",
                Some("contracts"),
                Some(MatchKind::Exact)
            ),
            ("备注", None, None),
        ]
    );
    assert_eq!(p.unmatched, ["奖金基数", "备注"]);
    assert_eq!(
        p.missing,
        [("monthly_bonus".to_string(), "月度绩效奖金".to_string())]
    );
    assert!(!p.missing_id);

    // The user confirms and maps 奖金基数 → monthly_bonus, and leaves 备注 out.
    let mut m = p.overrides();
    m.insert("奖金基数".into(), "monthly_bonus".into());
    m.insert("备注".into(), "".into());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let hs: Vec<C> = headers.iter().map(|h| C::S(h)).collect();
    put(ws, 0, &hs);
    put(
        ws,
        1,
        &[
            C::S("E001"),
            C::S("张伟"),
            C::S("一部"),
            C::N(100.0),
            C::N(87.0),
            C::N(3000.0),
            C::N(18.0),
            C::N(14.0),
            C::N(13.0),
            C::S("x"),
        ],
    );
    let table = read_xlsx(&wb.save_to_buffer().unwrap(), None).unwrap();
    // Without the mapping: the header does not match.
    assert!(
        !import_table(&t, &table, &HashMap::new())
            .problems
            .is_empty()
    );
    let imp = import_table(&t, &table, &m);
    assert!(imp.problems.is_empty(), "{:?}", imp.problems);
    assert!(imp.warnings.is_empty(), "{:?}", imp.warnings);
    let r = &imp.rows[0];
    assert_eq!((r.id.as_str(), r.group.as_deref()), ("E001", Some("一部")));
    let bonus = t.input_index("monthly_bonus").unwrap();
    assert_eq!(
        r.values[bonus],
        kaohe_core::Val::Num(rust_decimal::Decimal::from(3000))
    );

    // A mapping to something the form does not have.
    m.insert("备注".into(), "no_such_input".into());
    let ps = import_table(&t, &table, &m).problems;
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].place(), "Sheet1!J1");
    assert!(ps[0].to_string().contains("no_such_input"));
}

/// Rewrite the first sheet's XML: rust_xlsxwriter always saves a formula result, some
/// programs save none.
fn drop_formula_result(xlsx: &[u8], from: &str, to: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let s = String::from_utf8(data).unwrap();
            assert!(s.contains(from));
            data = s.replace(from, to).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// A workbook as a department sends it: a merged title, a 填报 line with two filled cells
/// above the real header, everyday headers with units, and a 合计 row merged across A:C.
fn department_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.merge_range(0, 0, 0, 5, "2026年12月 市场部 销售数据", &Format::new())
        .unwrap();
    put(
        ws,
        1,
        &[
            C::S("填报：市场部 王强"),
            C::E,
            C::E,
            C::S("金额单位：万元"),
        ],
    );
    put(
        ws,
        2,
        &[
            C::S("工号"),
            C::S("姓名"),
            C::S("部门"),
            C::S("当月销售目标（万元）"),
            C::S("实际销售额（万元）"),
            C::S("请假天数"),
        ],
    );
    put(
        ws,
        3,
        &[
            C::S("E001"),
            C::S("张伟"),
            C::S("市场部"),
            C::N(100.0),
            C::S("１２０"),
            C::N(1.0),
        ],
    );
    put(
        ws,
        4,
        &[
            C::S("E002"),
            C::S("李娜"),
            C::S("市场部"),
            C::N(80.0),
            C::N(60.0),
            C::N(0.0),
        ],
    );
    ws.merge_range(5, 0, 5, 2, "合  计", &Format::new())
        .unwrap();
    put(
        ws,
        5,
        &[C::E, C::E, C::E, C::N(180.0), C::N(180.0), C::N(1.0)],
    );
    wb.save_to_buffer().unwrap()
}

#[test]
fn the_header_is_the_row_that_names_the_forms_fields_and_totals_are_left_out() {
    use kaohe_office::{HeaderPick, Limits, read_xlsx_pick};
    let t = f01();
    let bytes = department_workbook();
    // The first two-cell row is the 填报 line: without the form, that is taken.
    let first = read_xlsx_pick(&bytes, None, &Limits::default(), &HeaderPick::Auto).unwrap();
    assert_eq!(first.header_row, 2);
    // With the form, the header that names its fields wins; the 合计 row is recognised.
    let pick = HeaderPick::Best(std::sync::Arc::new(kaohe_office::header_score(&t)));
    let table = read_xlsx_pick(&bytes, None, &Limits::default(), &pick).unwrap();
    assert_eq!(table.header_row, 3);
    assert_eq!(table.totals, vec![6]);
    assert_eq!(
        table.rows.iter().map(|r| r.row).collect::<Vec<_>>(),
        vec![4, 5]
    );
    assert!(
        table
            .candidates
            .iter()
            .any(|(r, l)| *r == 2 && l.contains("填报"))
    );
    // Everyday headers match the form's inputs (units, 当月 and 天数 folded away).
    let p = propose_mapping(&t, &table.headers);
    let target = |h: &str| {
        p.columns
            .iter()
            .find(|c| c.header == h)
            .and_then(|c| c.target.clone())
    };
    assert_eq!(
        target("当月销售目标（万元）").as_deref(),
        Some("sales_target")
    );
    assert_eq!(
        target("实际销售额（万元）").as_deref(),
        Some("sales_actual")
    );
    assert_eq!(target("请假天数").as_deref(), Some("leave_days"));
    // The person may name the header row themselves.
    let mine = read_xlsx_pick(&bytes, None, &Limits::default(), &HeaderPick::Row(2)).unwrap();
    assert_eq!(mine.header_row, 2);
    match read_xlsx_pick(&bytes, None, &Limits::default(), &HeaderPick::Row(40)) {
        Err(OfficeError::Cells(ps)) => assert_eq!(ps[0].row, 40),
        other => panic!("an empty row as header is refused, got {other:?}"),
    }
}

#[test]
fn a_merged_cell_outside_a_totals_row_is_still_refused() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    put(ws, 0, &[C::S("工号"), C::S("姓名"), C::S("当月销售目标")]);
    ws.merge_range(1, 0, 1, 1, "E001", &Format::new()).unwrap();
    match read_xlsx(&wb.save_to_buffer().unwrap(), None) {
        Err(OfficeError::Cells(ps)) => assert!(ps[0].zh.contains("合并单元格"), "{ps:?}"),
        other => panic!("merged data cells are refused, got {other:?}"),
    }
}

#[test]
fn columns_may_be_named_by_the_names_people_see() {
    let t = f01();
    assert_eq!(
        kaohe_office::resolve_target(&t, "当月销售目标").as_deref(),
        Some("sales_target")
    );
    assert_eq!(
        kaohe_office::resolve_target(&t, "sales_target").as_deref(),
        Some("sales_target")
    );
    assert_eq!(
        kaohe_office::resolve_target(&t, "Monthly sales target").as_deref(),
        Some("sales_target")
    );
    assert_eq!(
        kaohe_office::resolve_target(&t, "工号").as_deref(),
        Some(ID)
    );
    assert_eq!(kaohe_office::resolve_target(&t, "没有这一项"), None);
    assert!(kaohe_office::is_total_label("合 计："));
    assert!(kaohe_office::is_total_label("Total"));
    assert!(!kaohe_office::is_total_label("合计销售额"));
}
