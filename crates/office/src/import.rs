//! Matching a table to a template and parsing its rows, with every problem named by sheet,
//! row and column.
//!
//! The parsing itself is `kaohe_core::input::match_header` and `parse_row`, the same code
//! the CSV path of `kaohe score` runs, so an `.xlsx` import yields the same
//! `kaohe_core::input::Row`s as a CSV of the same cells. What this module adds: the header
//! row found anywhere in the sheet, a column mapping the user confirmed
//! ([`import_table`]'s `overrides`), a proposed mapping for the UI to show
//! ([`propose_mapping`]), cells that were dates, errors or formulas without a value refused
//! where a value is needed, and duplicate employees reported with both rows.

use crate::read::{IssueKind, Table};
use crate::{CellProblem, OfficeError};
use kaohe_core::Template;
use kaohe_core::i18n::Lang;
use kaohe_core::input::{CellError, Col, Columns, Row, match_header, parse_row};
use kaohe_core::model::InputKind;
use std::collections::{HashMap, HashSet};

/// The special targets a column can be mapped to besides input and parameter ids.
pub const ID: &str = "id";
/// The name column.
pub const NAME: &str = "name";
/// The peer-group column.
pub const GROUP: &str = "group";

/// The result of an import: rows that parsed, and every problem found.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Good rows, in sheet order; `Row::line` is the Excel row number.
    pub rows: Vec<Row>,
    /// Problems, sorted by row and column. Rows with problems are not in `rows`.
    pub problems: Vec<CellProblem>,
    /// Things worth saying that do not stop the import (columns not used …), "中文 / English".
    pub warnings: Vec<String>,
    /// The columns as matched (empty when the header could not be matched).
    pub columns: Option<Columns>,
}

impl Imported {
    /// The rows, or every problem when there is any.
    pub fn into_rows(self) -> Result<Vec<Row>, OfficeError> {
        if self.problems.is_empty() {
            Ok(self.rows)
        } else {
            Err(OfficeError::Cells(self.problems))
        }
    }
}

/// How a proposed column was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// The header is an id, a Chinese or an English name exactly (as `kaohe score` matches).
    Exact,
    /// Matched after folding full-width letters, spaces, case, `*` marks and a unit in
    /// brackets (`当月销售目标（万元）` → `当月销售目标`): the user should confirm it.
    Loose,
}

/// One column of a proposed mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedColumn {
    /// 0-based column.
    pub col: usize,
    /// The header as in the sheet.
    pub header: String,
    /// The input or parameter id, or [`ID`], [`NAME`], [`GROUP`]; `None` when unmatched.
    pub target: Option<String>,
    /// The target's display name (Chinese).
    pub target_name: Option<String>,
    /// How it matched, when it did.
    pub how: Option<MatchKind>,
}

/// A proposed mapping of a sheet's columns to a template, for the UI to show and the user
/// to confirm or change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Every non-empty header, in sheet order.
    pub columns: Vec<ProposedColumn>,
    /// Headers matched to nothing.
    pub unmatched: Vec<String>,
    /// Required inputs no column is matched to: (id, name).
    pub missing: Vec<(String, String)>,
    /// No column is matched to the employee number (工号).
    pub missing_id: bool,
}

impl Proposal {
    /// The mapping as `import_table` takes it: header → target, matched columns only.
    pub fn overrides(&self) -> HashMap<String, String> {
        self.columns
            .iter()
            .filter_map(|c| c.target.clone().map(|t| (c.header.clone(), t)))
            .collect()
    }
}

/// Every name a column may carry, to its target id and display name. Mirrors
/// `kaohe_core::input::match_header` (ids first, then names; first one wins).
fn dictionary(t: &Template) -> Vec<(String, String, String)> {
    let mut d = Vec::new();
    for inp in &t.inputs {
        d.push((inp.id.clone(), inp.id.clone(), inp.name.clone()));
    }
    for inp in &t.inputs {
        d.push((inp.name.clone(), inp.id.clone(), inp.name.clone()));
        if let Some(en) = &inp.name_en {
            d.push((en.clone(), inp.id.clone(), inp.name.clone()));
        }
    }
    for inp in &t.inputs {
        for a in &inp.aliases {
            d.push((a.clone(), inp.id.clone(), inp.name.clone()));
        }
    }
    for p in &t.params {
        d.push((p.id.clone(), p.id.clone(), p.name.clone()));
        d.push((p.name.clone(), p.id.clone(), p.name.clone()));
    }
    for (names, target, label) in [
        (
            &["id", "工号", "员工编号", "employee_id", "编号"][..],
            ID,
            "工号",
        ),
        (&["name", "姓名", "被考核人"][..], NAME, "姓名"),
        (&["group", "组", "分组", "小组", "部门"][..], GROUP, "组"),
    ] {
        for n in names {
            d.push(((*n).to_string(), target.to_string(), label.to_string()));
        }
    }
    d
}

/// Fold a header for a loose match: full-width ASCII to ASCII, no spaces or `*`, lower
/// case, a trailing bracketed unit or note dropped.
fn fold(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .filter(|c| !c.is_whitespace() && *c != '*')
        .collect::<String>()
        .to_lowercase();
    while let Some(last) = out.chars().last() {
        let open = match last {
            ')' => '(',
            ']' => '[',
            '】' => '【',
            _ => break,
        };
        match out.rfind(open) {
            Some(i) if i > 0 => out.truncate(i),
            _ => break,
        }
    }
    out
}

/// Words a header often starts with that say "this month" (当月请假天数 = 请假天数).
const PREFIXES: &[&str] = &[
    "当月",
    "本月",
    "本期",
    "当期",
    "本季度",
    "当季",
    "本年",
    "月度",
];
/// Counting words a header often ends with (新增客户数 = 新增客户, 迟到早退次数 = 迟到早退).
const SUFFIXES: &[&str] = &[
    "次数", "天数", "人数", "户数", "个数", "笔数", "数量", "数", "次", "天", "人", "户", "个",
    "笔",
];

/// A header as people write it, reduced further than [`fold`]: the period prefix and the
/// counting suffix dropped (「当月请假天数」, 「请假天数」 and 「请假（天）」 all give 请假).
fn core_of(s: &str) -> String {
    let mut f = fold(s);
    for p in PREFIXES {
        if let Some(rest) = f.strip_prefix(p)
            && !rest.is_empty()
        {
            f = rest.to_string();
            break;
        }
    }
    for x in SUFFIXES {
        if let Some(rest) = f.strip_suffix(x)
            && rest.chars().count() >= 2
        {
            f = rest.to_string();
            break;
        }
    }
    f
}

/// A name that lists several things (「请假、迟到、早退」): every run of two or more of them
/// written together (请假迟到, 迟到早退, 请假迟到早退), as a header names such a column
/// (「迟到早退次数」).
fn runs_of(name: &str) -> Vec<String> {
    let parts: Vec<String> = name
        .split(['、', '，', ',', '/', '／'])
        .map(core_of)
        .filter(|p| !p.is_empty())
        .collect();
    let mut out = Vec::new();
    for i in 0..parts.len() {
        for j in i + 2..=parts.len() {
            out.push(parts[i..j].concat());
        }
    }
    out
}

/// The dictionary's names that list several things, by their runs ([`runs_of`]).
fn run_dictionary(dict: &[(String, String, String)]) -> Vec<(String, String, String)> {
    dict.iter()
        .flat_map(|(k, id, name)| {
            runs_of(k)
                .into_iter()
                .map(|r| (r, id.clone(), name.clone()))
        })
        .collect()
}

/// Keys to targets, a key that two targets share left out (it would be a guess).
fn unambiguous(
    dict: &[(String, String, String)],
    key: impl Fn(&str) -> String,
) -> HashMap<String, (&str, &str)> {
    let mut m: HashMap<String, Option<(&str, &str)>> = HashMap::new();
    for (k, id, name) in dict {
        let k = key(k);
        if k.is_empty() {
            continue;
        }
        match m.get(&k) {
            None => {
                m.insert(k, Some((id.as_str(), name.as_str())));
            }
            Some(Some((other, _))) if *other != id.as_str() => {
                m.insert(k, None);
            }
            Some(_) => {}
        }
    }
    m.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

/// The target a person named for a column: an input or parameter id, one of its names (as
/// the grid and the sheet show them), an alias, or 工号 / 姓名 / 组; `None` when it is none.
pub fn resolve_target(t: &Template, named: &str) -> Option<String> {
    let named = named.trim();
    if is_target(t, named) {
        return Some(named.to_string());
    }
    let dict = dictionary(t);
    if let Some((_, id, _)) = dict.iter().find(|(k, _, _)| k == named) {
        return Some(id.clone());
    }
    let folded = fold(named);
    unambiguous(&dict, fold)
        .get(&folded)
        .map(|(id, _)| id.to_string())
}

/// A score for a row as the header of a table for `t`: how many of its cells name the
/// employee number, the name or one of the form's fields (exact names count double). For
/// [`crate::HeaderPick::Best`].
pub fn header_score(t: &Template) -> impl Fn(&[String]) -> usize + Send + Sync + 'static {
    let dict = dictionary(t);
    let exact: HashSet<String> = dict.iter().map(|(k, _, _)| k.clone()).collect();
    let loose: HashSet<String> = dict
        .iter()
        .flat_map(|(k, _, _)| [fold(k), core_of(k)])
        .chain(run_dictionary(&dict).into_iter().map(|(r, _, _)| r))
        .filter(|k| !k.is_empty())
        .collect();
    move |cells: &[String]| {
        cells
            .iter()
            .map(|c| {
                let c = c.trim();
                if c.is_empty() {
                    0
                } else if exact.contains(c) {
                    2
                } else if loose.contains(&fold(c)) || loose.contains(&core_of(c)) {
                    1
                } else {
                    0
                }
            })
            .sum()
    }
}

/// Propose how a sheet's headers map to the template: exact names first (as
/// `kaohe score` reads a CSV), then loose matches, each target used once.
pub fn propose_mapping(t: &Template, headers: &[String]) -> Proposal {
    let dict = dictionary(t);
    let mut exact: HashMap<&str, (&str, &str)> = HashMap::new();
    for (k, id, name) in &dict {
        exact.entry(k.as_str()).or_insert((id, name));
    }
    let loose = unambiguous(&dict, fold);
    let cores = unambiguous(&dict, core_of);
    let run_dict = run_dictionary(&dict);
    let runs = unambiguous(&run_dict, str::to_string);
    let mut used: HashSet<String> = HashSet::new();
    let mut columns: Vec<ProposedColumn> = Vec::new();
    for (col, h) in headers.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        if h.is_empty() {
            continue;
        }
        columns.push(ProposedColumn {
            col,
            header: h.to_string(),
            target: None,
            target_name: None,
            how: None,
        });
    }
    for pass in 0..4 {
        for c in columns.iter_mut().filter(|c| c.target.is_none()) {
            let hit = match pass {
                0 => exact.get(c.header.as_str()).copied(),
                1 => loose.get(&fold(&c.header)).copied(),
                2 => cores.get(&core_of(&c.header)).copied(),
                // 「迟到早退次数」 for 「请假、迟到、早退」: a loose match, to confirm.
                _ => runs.get(&core_of(&c.header)).copied(),
            };
            if let Some((id, name)) = hit
                && used.insert(id.to_string())
            {
                c.target = Some(id.to_string());
                c.target_name = Some(name.to_string());
                c.how = Some(if pass == 0 {
                    MatchKind::Exact
                } else {
                    MatchKind::Loose
                });
            }
        }
    }
    let unmatched = columns
        .iter()
        .filter(|c| c.target.is_none())
        .map(|c| c.header.clone())
        .collect();
    let missing = t
        .inputs
        .iter()
        .filter(|i| i.required && !used.contains(&i.id))
        .map(|i| (i.id.clone(), i.name.clone()))
        .collect();
    Proposal {
        columns,
        unmatched,
        missing,
        missing_id: !used.contains(ID),
    }
}

/// A blank workbook to fill and import back: 工号 and 姓名, then one column per input the
/// import takes, under the name the sheet shows, one row per
/// appraisee; text cells so that numbers typed as people type them stay as typed.
pub fn blank_workbook(
    t: &Template,
    people: &[(String, String)],
) -> Result<Vec<u8>, crate::OfficeError> {
    use rust_xlsxwriter::Format;
    let st = crate::style::Styles::new();
    let mut wb = crate::style::workbook();
    let ws = wb.add_worksheet();
    ws.set_name("考核数据")?;
    let inputs: Vec<&kaohe_core::model::Input> = t
        .inputs
        .iter()
        .filter(|i| {
            matches!(
                i.origin,
                kaohe_core::model::Origin::Declared | kaohe_core::model::Origin::Event
            )
        })
        .collect();
    let text = Format::new().set_num_format("@");
    ws.write_with_format(0, 0, "工号", &st.head)?;
    ws.write_with_format(0, 1, "姓名", &st.head)?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 12)?;
    for (c, i) in inputs.iter().enumerate() {
        let col = c as u16 + 2;
        // The name exactly as the sheet shows it: the import matches it without asking.
        ws.write_with_format(0, col, &i.name, &st.head)?;
        ws.set_column_width(col, 16)?;
        ws.set_column_format(col, &text)?;
    }
    for (r, (no, name)) in people.iter().enumerate() {
        let row = r as u32 + 1;
        ws.write_string(row, 0, no)?;
        ws.write_string(row, 1, name)?;
    }
    ws.set_freeze_panes(1, 2)?;
    Ok(wb.save_to_buffer()?)
}

fn render(m: &kaohe_core::Msg) -> (String, String) {
    (m.render(Lang::Zh), m.render(Lang::En))
}

fn is_target(t: &Template, target: &str) -> bool {
    [ID, NAME, GROUP].contains(&target)
        || t.inputs.iter().any(|i| i.id == target)
        || t.params.iter().any(|p| p.id == target)
}

/// Match a table to a template and parse every row into `kaohe_core::input::Row`s.
///
/// `overrides` maps a header (as in the sheet) to an input or parameter id, or to [`ID`],
/// [`NAME`], [`GROUP`]; an empty target (or `-`) leaves the column out. Headers not in it are
/// matched as `kaohe score` matches a CSV header. Problems name `Sheet!C7`.
pub fn import_table(t: &Template, table: &Table, overrides: &HashMap<String, String>) -> Imported {
    let mut problems = Vec::new();
    let mut renamed: Vec<String> = Vec::with_capacity(table.headers.len());
    for (c, h) in table.headers.iter().enumerate() {
        match overrides.get(h) {
            Some(target) if target.trim().is_empty() || target.trim() == "-" => {
                renamed.push(format!("\u{1}ignored {c}"))
            }
            Some(target) if let Some(id) = resolve_target(t, target) => renamed.push(id),
            Some(target) => {
                problems.push(table.problem(
                    table.header_row,
                    Some(c),
                    format!("列映射的目标 `{target}` 不是本表的字段"),
                    format!("the column is mapped to `{target}`, which this form does not have"),
                ));
                renamed.push(format!("\u{1}ignored {c}"));
            }
            None => renamed.push(h.clone()),
        }
    }
    let mut out = Imported {
        rows: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
        columns: None,
    };
    let refs: Vec<&str> = renamed.iter().map(String::as_str).collect();
    let cols = match match_header(t, &refs) {
        Ok(c) if problems.is_empty() => c,
        Ok(_) => {
            out.problems = problems;
            return out;
        }
        Err(errs) => {
            problems.extend(errs.iter().map(|e| {
                let (zh, en) = render(&e.msg);
                let mut p = table.problem(table.header_row, e.column.map(|c| c - 1), zh, en);
                if p.header.is_none() {
                    p.header = e.header.clone();
                }
                p
            }));
            out.problems = problems;
            return out;
        }
    };
    let unused: Vec<&str> = table
        .headers
        .iter()
        .zip(&cols.cols)
        .filter(|(h, c)| **c == Col::Ignored && !h.is_empty() && !overrides.contains_key(*h))
        .map(|(h, _)| h.as_str())
        .collect();
    if !unused.is_empty() {
        out.warnings.push(format!(
            "未使用的列 / columns not used by the form: {}",
            unused.join(", ")
        ));
    }

    // Cells that were not plain values, in columns the form reads.
    let mut flagged: HashSet<(usize, usize)> = HashSet::new();
    let mut bad_rows: HashSet<usize> = HashSet::new();
    for is in &table.issues {
        let Some(col) = cols.cols.get(is.col) else {
            continue;
        };
        let numeric = match *col {
            Col::Ignored => continue,
            Col::Id | Col::Name | Col::Group => false,
            Col::Slot(s) => {
                (s as usize) >= t.inputs.len() || t.inputs[s as usize].kind != InputKind::Text
            }
        };
        let (zh, en) = match is.kind {
            IssueKind::Date if !numeric => continue,
            IssueKind::Date => (
                format!("这里应填数字，单元格却是日期/时间 {}", is.text),
                format!("a number is expected here, the cell is a date/time {}", is.text),
            ),
            IssueKind::Error => (
                format!("单元格是错误值 {}，请先修正公式", is.text),
                format!("the cell holds the error value {}: fix its formula", is.text),
            ),
            IssueKind::FormulaNoValue => (
                "公式没有保存计算结果：请在 Excel 中打开并保存该文件，或填入数值".to_string(),
                "the formula has no saved result: open and save the file in Excel, or enter the value"
                    .to_string(),
            ),
        };
        if is.row == table.header_row {
            // A header cell that is a date or an error: it simply matches nothing.
            continue;
        }
        flagged.insert((is.row, is.col));
        bad_rows.insert(is.row);
        problems.push(table.problem(is.row, Some(is.col), zh, en));
    }

    let mut cells: Vec<&str> = Vec::with_capacity(table.headers.len());
    for r in &table.rows {
        cells.clear();
        cells.extend(r.cells.iter().map(String::as_str));
        match parse_row(t, &cols, &cells, r.row) {
            Ok(row) if !bad_rows.contains(&r.row) => out.rows.push(row),
            Ok(_) => {}
            Err(errs) => problems.extend(
                errs.iter()
                    .filter(|e| !e.column.is_some_and(|c| flagged.contains(&(r.row, c - 1))))
                    .map(|e| cell_problem(table, e)),
            ),
        }
    }

    // Duplicate employees: name both rows.
    let id_col = cols.cols.iter().position(|c| *c == Col::Id);
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(out.rows.len());
    let mut dup_rows: HashSet<usize> = HashSet::new();
    for r in &out.rows {
        if let Some(first) = seen.insert(r.id.as_str(), r.line) {
            seen.insert(r.id.as_str(), first);
            dup_rows.insert(r.line);
            let at = |row: usize| match id_col {
                Some(c) => format!("{}{}", crate::col_letter(c), row),
                None => row.to_string(),
            };
            problems.push(table.problem(
                r.line,
                id_col,
                format!(
                    "工号 {} 重复：第 {} 行（{}）与第 {} 行（{}）",
                    r.id,
                    first,
                    at(first),
                    r.line,
                    at(r.line)
                ),
                format!(
                    "employee {} appears twice: row {} ({}) and row {} ({})",
                    r.id,
                    first,
                    at(first),
                    r.line,
                    at(r.line)
                ),
            ));
        }
    }
    out.rows.retain(|r| !dup_rows.contains(&r.line));
    problems.sort_by_key(|p| (p.row, p.col));
    out.problems = problems;
    out.columns = Some(cols);
    out
}

fn cell_problem(table: &Table, e: &CellError) -> CellProblem {
    let (zh, en) = render(&e.msg);
    let mut p = table.problem(e.line, e.column.map(|c| c - 1), zh, en);
    if p.header.is_none() {
        p.header = e.header.clone();
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(fold("当月销售目标（万元）"), fold("当月销售目标"));
        assert_eq!(fold(" *Monthly  Sales Target (万元)"), "monthlysalestarget");
        assert_eq!(fold("ＡＢＣ"), "abc");
        assert_eq!(fold("(x)"), "(x)");
    }

    #[test]
    fn runs_of_a_list() {
        assert_eq!(
            runs_of("请假、迟到、早退"),
            ["请假迟到", "请假迟到早退", "迟到早退"]
        );
        assert!(runs_of("当月请假天数").is_empty());
    }
}
