//! One filled form as an `.xlsx` laid out like the paper sheet, and one workbook per
//! department with a sheet per employee.
//!
//! The sheet: the form's title merged across; the header fields (姓名, 工号, 岗位, 部门,
//! 考核期间); a table 序号 / 考核项目 / 考核标准 / 分值 / 数据 / (one column per rater, with
//! its weight) / 得分, grouped by section with a 小计 row each; 合计, 等级 and each pay line
//! (奖金, two decimals); the form's notes; signature lines (被考核人签字 / 日期, 考核人签字,
//! 复核, 审批). A4 portrait, fitted to the page width, thin borders, wrapped text, SimSun.
//!
//! Every number is the engine's ([`kaohe_core::engine::Engine::score`]); the sheet holds
//! values, not formulas, so what is printed is exactly what was scored.

use crate::style::{self, LINE, Styles};
use crate::{OfficeError, num_cell};
use kaohe_core::engine::{Engine, Frame, NoTrace, RowError, Val, circled};
use kaohe_core::input::Row;
use kaohe_core::model::{InputKind, Origin, Template};
use kaohe_core::num::{fmt, round_half_up};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Worksheet, XlsxError};
use std::collections::HashSet;

/// One signature line: who signed and when, both optional (a blank line is printed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signature {
    pub name: Option<String>,
    /// As it should be printed, e.g. `2026-12-01` or `2026-12-01 09:30`.
    pub time: Option<String>,
}

/// The four signature lines of a form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signatures {
    /// 被考核人 (the appraisee); unsigned counts as accepted on most forms.
    pub appraisee: Signature,
    /// 考核人 (the rater).
    pub rater: Signature,
    /// 复核 (review).
    pub reviewer: Signature,
    /// 审批 (approval).
    pub approver: Signature,
}

/// Who and when a form is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormHeader {
    /// 姓名.
    pub name: String,
    /// 工号.
    pub emp_no: String,
    /// 岗位.
    pub position: String,
    /// 部门.
    pub department: String,
    /// 考核期间, as printed (e.g. `2026年11月`).
    pub period: String,
    pub signatures: Signatures,
}

/// A form filled for one employee: the header, the inputs and the scored frame.
#[derive(Debug, Clone)]
pub struct FilledForm {
    pub header: FormHeader,
    /// One value per input and parameter slot (`kaohe_core::input::Row::values`).
    pub values: Vec<Val>,
    /// The engine's frame after scoring these values.
    pub frame: Frame,
}

impl FilledForm {
    /// Score `values` with `engine` (no peer averages) and keep the result for printing.
    pub fn score(
        engine: &Engine,
        header: FormHeader,
        values: Vec<Val>,
    ) -> Result<FilledForm, RowError> {
        Self::score_with_peers(engine, header, values, &[])
    }

    /// As [`FilledForm::score`], with the peer averages of the employee's group (from
    /// `kaohe_core::batch::Batch::peers`) for items scored by the peer average.
    pub fn score_with_peers(
        engine: &Engine,
        header: FormHeader,
        values: Vec<Val>,
        peers: &[Option<Decimal>],
    ) -> Result<FilledForm, RowError> {
        let mut frame = Frame::new(engine.t);
        engine.score(&values, &mut frame, peers, &mut NoTrace)?;
        Ok(FilledForm {
            header,
            values,
            frame,
        })
    }
}

/// Score a batch of imported rows into forms, peer averages included when the template
/// needs them. `header` makes each form's header from its row. Rows that fail to score are
/// returned with their index.
pub fn score_rows(
    engine: &Engine,
    rows: &[Row],
    header: impl Fn(&Row) -> FormHeader,
) -> (Vec<FilledForm>, Vec<(usize, RowError)>) {
    let batch = engine
        .t
        .needs_peers
        .then(|| kaohe_core::batch::score_batch(engine, rows));
    let mut forms = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let peers = batch
            .as_ref()
            .and_then(|b| b.peers.get(r.group.as_deref().unwrap_or("")))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        match FilledForm::score_with_peers(engine, header(r), r.values.clone(), peers) {
            Ok(f) => forms.push(f),
            Err(e) => errors.push((i, e)),
        }
    }
    (forms, errors)
}

const CN_NUM: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn cn_num(i: usize) -> String {
    CN_NUM
        .get(i)
        .map(|s| s.to_string())
        .unwrap_or_else(|| (i + 1).to_string())
}

/// A value as a sheet prints it.
fn show_val(t: &Template, slot: usize, v: &Val) -> Option<String> {
    let inp = &t.inputs[slot];
    let unit = inp.unit.as_deref().unwrap_or("");
    Some(match v {
        Val::Empty => return None,
        Val::Na => "不适用".to_string(),
        Val::Num(d) => match &inp.kind {
            InputKind::Choice(labels) => labels
                .get(usize::try_from(d.trunc().mantissa()).unwrap_or(usize::MAX))
                .cloned()
                .unwrap_or_else(|| fmt(*d)),
            InputKind::Percent => format!("{}%", fmt(*d)),
            _ => format!("{}{unit}", fmt(*d)),
        },
        Val::Set(bits) => (0..32)
            .filter(|b| bits & (1 << b) != 0)
            .map(|b| circled(b + 1))
            .collect::<Vec<_>>()
            .join(""),
        Val::Text(s) => s.to_string(),
    })
}

/// The 数据 cell of item `k`: the inputs it reads (not the rater columns, not a plain
/// entered score) and the metrics made of them.
fn data_text(t: &Template, f: &FilledForm, k: usize) -> String {
    let it = &t.items[k];
    let mut slots: Vec<u32> = it.reads.clone();
    for (i, inp) in t.inputs.iter().enumerate() {
        if inp.item == Some(k) && !slots.contains(&(i as u32)) {
            slots.push(i as u32);
        }
    }
    slots.sort_unstable();
    let mut lines = Vec::new();
    for m in &t.metrics {
        if !m.reads.is_empty() && m.reads.iter().all(|r| slots.contains(r)) {
            let v = f.frame.v[m.slot as usize];
            if f.frame.na[m.slot as usize] {
                lines.push(format!("{}: 不适用", m.name));
            } else {
                lines.push(format!(
                    "{}: {}{}",
                    m.name,
                    fmt(round_half_up(v, 2)),
                    m.unit.as_deref().unwrap_or("")
                ));
            }
        }
    }
    for &s in &slots {
        let inp = &t.inputs[s as usize];
        if inp.rater.is_some() {
            continue;
        }
        // A score typed straight in is the 得分 already.
        if inp.origin == Origin::Item
            && matches!(inp.kind, InputKind::Number | InputKind::Money)
            && it.rules.iter().all(|r| r.kind() == "score")
        {
            continue;
        }
        let Some(v) = f
            .values
            .get(s as usize)
            .and_then(|v| show_val(t, s as usize, v))
        else {
            continue;
        };
        if inp.kind == InputKind::Count && v == "0" {
            continue;
        }
        lines.push(format!("{}: {v}", inp.name));
    }
    lines.join("\n")
}

/// Column widths of a form sheet: 序号, 考核项目, 考核标准, 分值, 数据, raters…, 得分.
fn form_widths(t: &Template) -> Vec<f64> {
    // With raters the data are mostly in the raters' columns: 数据 gets narrower.
    let data = if t.raters.is_empty() { 24.0 } else { 16.0 };
    let mut w = vec![5.0, 14.0, 44.0, 7.0, data];
    w.extend(t.raters.iter().map(|_| 10.0));
    w.push(9.0);
    w
}

fn height(texts: &[(&str, f64)]) -> f64 {
    let n = texts
        .iter()
        .map(|(s, w)| style::lines(s, *w))
        .max()
        .unwrap_or(1)
        .max(1);
    n as f64 * LINE + 6.0
}

fn sig_line(label: &str, s: &Signature) -> String {
    format!(
        "{label}：{}    日期：{}",
        s.name.as_deref().unwrap_or("________________"),
        s.time.as_deref().unwrap_or("____________")
    )
}

/// Write one form on `ws`.
fn write_form(
    ws: &mut Worksheet,
    t: &Template,
    f: &FilledForm,
    st: &Styles,
) -> Result<(), XlsxError> {
    let widths = form_widths(t);
    let last = (widths.len() - 1) as u16;
    let score_col = last;
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    style::a4(ws)?;
    let h = &f.header;
    let mut r: u32 = 0;

    ws.merge_range(r, 0, r, last, &t.form.title, &st.title)?;
    ws.set_row_height(r, 32)?;
    r += 1;
    let field = |s: &str, v: &str| format!("{s}：{v}");
    ws.merge_range(r, 0, r, 1, &field("姓名", &h.name), &st.field)?;
    ws.write_with_format(r, 2, field("工号", &h.emp_no), &st.field)?;
    ws.merge_range(r, 3, r, last, &field("岗位", &h.position), &st.field)?;
    ws.set_row_height(r, 20)?;
    r += 1;
    ws.merge_range(r, 0, r, 1, &field("部门", &h.department), &st.field)?;
    ws.write_with_format(r, 2, field("考核期间", &h.period), &st.field)?;
    ws.merge_range(r, 3, r, last, &field("表号", &t.form.id), &st.field)?;
    ws.set_row_height(r, 20)?;
    r += 1;

    // The table header.
    let mut heads: Vec<String> = ["序号", "考核项目", "考核标准", "分值", "数据"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for rt in &t.raters {
        heads.push(format!("{}\n({}%)", rt.name, fmt(rt.weight)));
    }
    heads.push("得分".into());
    for (c, s) in heads.iter().enumerate() {
        ws.write_with_format(r, c as u16, s, &st.head)?;
    }
    ws.set_row_height(r, if t.raters.is_empty() { 22.0 } else { 34.0 })?;
    r += 1;

    let many = t.sections.len() > 1;
    let mut seq = 0;
    for (si, sec) in t.sections.iter().enumerate() {
        if many {
            let mut label = format!("{}、{}", cn_num(si), sec.name);
            if let Some(d) = &sec.dept {
                label.push_str(&format!("（{d}）"));
            }
            if let Some(w) = sec.weight {
                label.push_str(&format!("  权重 {}%", fmt(w)));
            }
            ws.merge_range(r, 0, r, last, &label, &st.section)?;
            ws.set_row_height(r, 20)?;
            r += 1;
        }
        for &k in &sec.items {
            let it = &t.items[k];
            seq += 1;
            let mut name = it.name.clone();
            if let Some(d) = &it.dept {
                name.push_str(&format!("\n（{d}）"));
            }
            let standard = it.standard.clone().unwrap_or_default();
            let data = data_text(t, f, k);
            ws.write_number_with_format(r, 0, seq as f64, &st.center)?;
            ws.write_with_format(r, 1, &name, &st.center)?;
            ws.write_with_format(r, 2, standard.trim(), &st.text)?;
            if it.points.is_zero() {
                ws.write_blank(r, 3, &st.num)?;
            } else {
                ws.write_number_with_format(r, 3, num_cell(it.points), &st.num)?;
            }
            ws.write_with_format(r, 4, &data, &st.text)?;
            for (j, _) in t.raters.iter().enumerate() {
                let c = 5 + j as u16;
                match it.raters.iter().position(|&x| x == j) {
                    Some(p) => ws.write_number_with_format(
                        r,
                        c,
                        num_cell(f.frame.rater_scores[k][p]),
                        &st.num,
                    )?,
                    None => ws.write_blank(r, c, &st.num)?,
                };
            }
            if f.frame.item_na(t, k) {
                ws.write_with_format(r, score_col, "不适用", &st.center)?;
            } else {
                ws.write_number_with_format(r, score_col, num_cell(f.frame.item(t, k)), &st.num)?;
            }
            ws.set_row_height(
                r,
                height(&[
                    (&name, widths[1]),
                    (standard.trim(), widths[2]),
                    (&data, widths[4]),
                ]),
            )?;
            r += 1;
        }
        if many {
            ws.merge_range(r, 0, r, 2, "小计", &st.label)?;
            if sec.points.is_zero() {
                ws.write_blank(r, 3, &st.label_num)?;
            } else {
                ws.write_number_with_format(r, 3, num_cell(sec.points), &st.label_num)?;
            }
            for c in 4..score_col {
                ws.write_blank(r, c, &st.label)?;
            }
            ws.write_number_with_format(
                r,
                score_col,
                num_cell(f.frame.section(t, si)),
                &st.label_num,
            )?;
            ws.set_row_height(r, 20)?;
            r += 1;
        }
    }

    // 合计, 等级, pay.
    ws.merge_range(r, 0, r, 2, "合计", &st.label)?;
    ws.write_number_with_format(r, 3, num_cell(t.form.total_points), &st.label_num)?;
    for c in 4..score_col {
        ws.write_blank(r, c, &st.label)?;
    }
    ws.write_number_with_format(r, score_col, num_cell(f.frame.total(t)), &st.label_num)?;
    ws.set_row_height(r, 22)?;
    r += 1;
    let grade = f
        .frame
        .grade
        .and_then(|g| t.grades.get(g))
        .map(|g| g.name.clone())
        .unwrap_or_else(|| "—".into());
    ws.merge_range(r, 0, r, 2, "等级", &st.label)?;
    ws.merge_range(r, 3, r, last, &grade, &st.label_text)?;
    ws.set_row_height(r, 22)?;
    r += 1;
    for (pi, p) in t.pay.iter().enumerate() {
        ws.merge_range(r, 0, r, 2, &format!("{}（元）", p.name), &st.label)?;
        ws.merge_range(r, 3, r, last, "", &st.label_money)?;
        ws.write_number_with_format(r, 3, num_cell(f.frame.pay(t, pi)), &st.label_money)?;
        ws.set_row_height(r, 22)?;
        r += 1;
    }
    if let Some(n) = &t.form.notes {
        let text = format!("备注：{}", n.trim());
        ws.merge_range(r, 0, r, last, &text, &st.note)?;
        let total_w: f64 = widths.iter().sum();
        ws.set_row_height(r, height(&[(&text, total_w)]))?;
        r += 1;
    }

    // Signatures.
    r += 1;
    let s = &h.signatures;
    let half = 2u16;
    ws.merge_range(
        r,
        0,
        r,
        half,
        &sig_line("被考核人签字", &s.appraisee),
        &st.field,
    )?;
    ws.merge_range(
        r,
        half + 1,
        r,
        last,
        &sig_line("考核人签字", &s.rater),
        &st.field,
    )?;
    ws.set_row_height(r, 30)?;
    r += 1;
    ws.merge_range(r, 0, r, half, &sig_line("复核", &s.reviewer), &st.field)?;
    ws.merge_range(
        r,
        half + 1,
        r,
        last,
        &sig_line("审批", &s.approver),
        &st.field,
    )?;
    ws.set_row_height(r, 30)?;
    ws.set_print_area(0, 0, r, last)?;
    Ok(())
}

/// One filled form as an `.xlsx` workbook (one sheet, named after the employee).
pub fn form_workbook(t: &Template, form: &FilledForm) -> Result<Vec<u8>, OfficeError> {
    department_workbook(t, std::slice::from_ref(form))
}

/// One workbook with a sheet per employee (names unique, ≤ 31 characters, see
/// [`sheet_names`]), e.g. for a department.
pub fn department_workbook(t: &Template, forms: &[FilledForm]) -> Result<Vec<u8>, OfficeError> {
    let mut wb = style::workbook();
    let st = Styles::new();
    let names = sheet_names(forms.iter().map(|f| {
        if f.header.name.is_empty() {
            f.header.emp_no.clone()
        } else {
            format!("{} {}", f.header.name, f.header.emp_no)
        }
    }));
    for (f, name) in forms.iter().zip(names) {
        let ws = wb.add_worksheet();
        ws.set_name(&name)?;
        write_form(ws, t, f, &st)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// One workbook per department (`FormHeader::department`, in order of first appearance),
/// built on all cores.
pub fn department_workbooks(
    t: &Template,
    forms: &[FilledForm],
) -> Result<Vec<(String, Vec<u8>)>, OfficeError> {
    let mut depts: Vec<(String, Vec<FilledForm>)> = Vec::new();
    for f in forms {
        match depts.iter_mut().find(|(d, _)| *d == f.header.department) {
            Some((_, v)) => v.push(f.clone()),
            None => depts.push((f.header.department.clone(), vec![f.clone()])),
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<Result<Vec<u8>, OfficeError>>> =
        (0..depts.len()).map(|_| None).collect();
    let results = std::sync::Mutex::new(&mut out);
    std::thread::scope(|s| {
        for _ in 0..threads.min(depts.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((_, fs)) = depts.get(i) else { break };
                    let r = department_workbook(t, fs);
                    results.lock().expect("no panics while held")[i] = Some(r);
                }
            });
        }
    });
    depts
        .into_iter()
        .zip(out)
        .map(|((d, _), r)| Ok((d, r.expect("every department built")?)))
        .collect()
}

/// Sheet names Excel accepts, one per wanted name, in order: `[]:*?/\` replaced by `_`,
/// no leading or trailing `'`, at most 31 characters, unique ignoring case (a repeat gets
/// `(2)`, `(3)` …), never empty or `History`.
pub fn sheet_names(wanted: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut used: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for w in wanted {
        let clean: String = w
            .chars()
            .map(|c| {
                if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let clean = clean.trim().trim_matches('\'').trim().to_string();
        let clean = if clean.is_empty() {
            "Sheet".to_string()
        } else {
            clean
        };
        let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        let mut name = cut(&clean, 31);
        let mut k = 1;
        while used.contains(&name.to_lowercase()) || name.eq_ignore_ascii_case("history") {
            k += 1;
            let suffix = format!("({k})");
            name = format!("{}{suffix}", cut(&clean, 31 - suffix.chars().count()));
        }
        used.insert(name.to_lowercase());
        out.push(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let long = "很长的名字".repeat(10);
        let got = sheet_names(
            [
                "张伟 E001",
                "张伟 E001",
                "a/b:c*d?[e]\\",
                "'引号'",
                "",
                "History",
                &long,
                &long,
                "ABC",
                "abc",
            ]
            .map(String::from),
        );
        assert_eq!(got[0], "张伟 E001");
        assert_eq!(got[1], "张伟 E001(2)");
        assert_eq!(got[2], "a_b_c_d__e__");
        assert_eq!(got[3], "引号");
        assert_eq!(got[4], "Sheet");
        assert_eq!(got[5], "History(2)");
        assert_eq!(got[6].chars().count(), 31);
        assert_eq!(got[7].chars().count(), 31);
        assert!(got[7].ends_with("(2)"));
        assert_eq!(got[9], "abc(2)");
    }
}
