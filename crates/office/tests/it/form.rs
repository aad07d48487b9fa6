//! Exported forms, read back cell by cell.

use crate::common;
use calamine::{Data, Reader, Xlsx};
use common::*;
use kaohe_office::form::{department_workbook, department_workbooks, form_workbook};
use std::io::Cursor;

fn sheet(bytes: &[u8], i: usize) -> (String, calamine::Range<Data>, Vec<calamine::Dimensions>) {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let name = wb.sheet_names()[i].clone();
    let r = wb.worksheet_range(&name).unwrap();
    let m = wb.merge_cells_by_sheet_name(&name).unwrap();
    (name, r, m)
}

fn text(d: &Data) -> String {
    match d {
        Data::Float(f) => kaohe_office::read::f64_to_decimal(*f).unwrap().to_string(),
        other => other.to_string(),
    }
}

/// The row whose column A…C holds `label`, and its cells as text.
fn row_of(r: &calamine::Range<Data>, label: &str) -> Vec<String> {
    r.rows()
        .find(|row| row.iter().take(3).any(|c| text(c) == label))
        .unwrap_or_else(|| panic!("no row {label}"))
        .iter()
        .map(text)
        .collect()
}

#[test]
fn f01_form_reads_like_the_paper_sheet() {
    let (t, forms) = forms("F01");
    let f = &forms[0];
    assert_eq!(f.header.emp_no, "E001");
    let bytes = form_workbook(&t, f).unwrap();
    dump("F01-form.xlsx", &bytes);
    let (name, r, merges) = sheet(&bytes, 0);
    assert_eq!(name, "张伟 E001");
    assert_eq!(text(&r[(0, 0)]), "大客户经理岗位绩效考核表");
    // Title merged across all six columns.
    assert!(merges.iter().any(|m| m.start == (0, 0) && m.end == (0, 5)));
    assert_eq!(text(&r[(1, 0)]), "姓名：张伟");
    assert_eq!(text(&r[(1, 2)]), "工号：E001");
    assert_eq!(text(&r[(2, 2)]), "考核期间：2026年11月");
    let head: Vec<String> = r.rows().nth(3).unwrap().iter().map(text).collect();
    assert_eq!(
        head,
        ["序号", "考核项目", "考核标准", "分值", "数据", "得分"]
    );
    let sales = r.rows().nth(5).unwrap();
    assert_eq!(text(&sales[1]), "销售任务\n（市场部）");
    assert!(text(&sales[2]).starts_with("1、未完成当月销售任务"));
    assert_eq!(text(&sales[3]), "30");
    let data = text(&sales[4]);
    assert!(
        data.contains("销售完成率: 87%") && data.contains("新增客户(经销商)(次数): 1"),
        "{data}"
    );
    assert_eq!(text(&sales[5]), "29");
    assert_eq!(text(&r[(4, 0)]), "一、岗位工作");
    // Subtotals per section, total, grade, pay.
    let subtotals: Vec<Vec<String>> = r
        .rows()
        .filter(|row| text(&row[0]) == "小计")
        .map(|row| row.iter().map(text).collect())
        .collect();
    assert_eq!(subtotals.len(), 3);
    assert_eq!(subtotals[0][3], "80");
    assert_eq!(subtotals[0][5], "74");
    assert_eq!(subtotals[1][5], "16");
    let total = row_of(&r, "合计");
    assert_eq!((total[3].as_str(), total[5].as_str()), ("100", "90"));
    assert_eq!(row_of(&r, "等级")[3], "—");
    assert_eq!(row_of(&r, "当月绩效奖金（元）")[3], "2700");
    let all: String = r.rows().flatten().map(text).collect::<Vec<_>>().join("|");
    assert!(all.contains("被考核人签字：________________    日期：____________"));
    assert!(all.contains("考核人签字：李经理    日期：2026-12-01"));
    assert!(all.contains("复核：") && all.contains("审批："));
    assert!(all.contains("备注：1、绩效考核总分数值为100分"));
}

#[test]
fn raters_get_a_column_each_with_their_weight() {
    let (t, forms) = forms("F07");
    let bytes = form_workbook(&t, &forms[0]).unwrap();
    dump("F07-form.xlsx", &bytes);
    let (_, r, _) = sheet(&bytes, 0);
    let head: Vec<String> = r.rows().nth(3).unwrap().iter().map(text).collect();
    assert_eq!(
        head,
        [
            "序号",
            "考核项目",
            "考核标准",
            "分值",
            "数据",
            "自评\n(30%)",
            "人力资源部\n(30%)",
            "直接上级\n(40%)",
            "得分"
        ]
    );
    // Each rated item shows the three scores, and 得分 is the engine's.
    let first = r.rows().nth(5).unwrap();
    for c in 5..8 {
        assert!(matches!(first[c], Data::Float(_)), "{:?}", first[c]);
    }
    let total = row_of(&r, "合计");
    assert_eq!(total[8], forms[0].frame.total(&t).normalize().to_string());
}

#[test]
fn grades_are_printed() {
    let (t, forms) = forms("F05");
    assert!(!t.grades.is_empty());
    let f = &forms[0];
    let bytes = form_workbook(&t, f).unwrap();
    let (_, r, _) = sheet(&bytes, 0);
    let g = &t.grades[f.frame.grade.unwrap()].name;
    assert_eq!(&row_of(&r, "等级")[3], g);
}

#[test]
fn one_workbook_per_department_one_sheet_per_employee() {
    let (t, mut forms) = forms("F01");
    let mut more = forms.clone();
    for (i, f) in more.iter_mut().enumerate() {
        f.header.department = "销售二部".into();
        f.header.emp_no = format!("E9{i}");
    }
    // Same name and number twice in one department: the sheet names still differ.
    forms.push(forms[0].clone());
    forms.extend(more);
    let books = department_workbooks(&t, &forms).unwrap();
    let depts: Vec<&str> = books.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(depts, ["销售一部", "销售二部"]);
    let wb: Xlsx<_> = Xlsx::new(Cursor::new(&books[0].1)).unwrap();
    let names = wb.sheet_names();
    assert_eq!(
        names.len(),
        forms
            .iter()
            .filter(|f| f.header.department == "销售一部")
            .count()
    );
    assert_eq!(names[0], "张伟 E001");
    assert_eq!(names.last().unwrap(), "张伟 E001(2)");
    // A department of one is that person's form: the same sheet, cells and merges (compared
    // read back, not by size: each workbook carries the second it was made, and a
    // compressed timestamp may take a byte more or less).
    let one = department_workbook(&t, &forms[..1]).unwrap();
    let alone = form_workbook(&t, &forms[0]).unwrap();
    assert_eq!(Xlsx::new(Cursor::new(&one)).unwrap().sheet_names().len(), 1);
    assert_eq!(sheet(&one, 0), sheet(&alone, 0));
}
