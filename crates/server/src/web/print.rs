//! The print pages the PDFs are made from (`crate::pdf`): the sheet exactly as the page
//! shows it (the same `sheet.html`), and a cycle's results per department, each a complete
//! HTML document with the stylesheet inlined, so headless Chromium prints it from a file
//! with no server and no network. The print stylesheet (`@page A4`) lays them out.

use super::*;
use kaohe_store::ResultRow;
use rust_decimal::Decimal;

fn render_print(lang: Lang, name: &str, data: Value) -> Result<String, String> {
    let page = context! {
        lang => tag(lang),
        css => CSS,
        error => None::<String>,
    };
    let all = context! { ..data, ..page };
    env()
        .get_template(name)
        .and_then(|t| t.render(all))
        .map_err(|e| format!("rendering {name}: {e:#}"))
}

/// One appraisal's sheet as a printable HTML document (what `me` may see of it).
pub fn form_html(
    lang: Lang,
    t: &kaohe_core::Template,
    c: &Cycle,
    a: &Appraisal,
    me: &User,
    signers: &[kaohe_store::Signer],
) -> Result<String, String> {
    let mut view = sheet(lang, t, c, a, me, None);
    view.signatures = super::sheet::signatures(lang, t, a, signers);
    render_print(lang, "print_form.html", context! { a => Serde(view) })
}

#[derive(Serialize)]
struct ResultsView {
    title: String,
    cycle: String,
    period: String,
    count: usize,
    bonus_sum: String,
    /// The confirmed appraisals (what the payroll pays) and their bonuses.
    confirmed: usize,
    confirmed_sum: String,
    grades: Vec<String>,
    /// Per grade (the form's order), then those without a grade.
    distribution: Vec<usize>,
    departments: Vec<DeptView>,
}

#[derive(Serialize)]
struct DeptView {
    name: String,
    rows: Vec<RowView>,
    distribution: Vec<usize>,
    bonus_sum: String,
}

#[derive(Serialize)]
struct RowView {
    rank: Option<u32>,
    emp_no: String,
    name: String,
    state: &'static str,
    total: Option<String>,
    grade: Option<String>,
    bonus: Option<String>,
}

fn money(d: Decimal) -> String {
    kaohe_core::num::fmt_dp(d, 2)
}

/// A cycle's results as a printable HTML document: per department the ranking (best first),
/// the grade distribution and the bonuses, with totals.
pub fn results_html(
    lang: Lang,
    t: &kaohe_core::Template,
    c: &Cycle,
    rows: &[ResultRow],
) -> Result<String, String> {
    let grades: Vec<String> = t.grades.iter().map(|g| g.name.clone()).collect();
    let slot = |g: &Option<String>| {
        g.as_ref()
            .and_then(|g| grades.iter().position(|x| x == g))
            .unwrap_or(grades.len())
    };
    let bonus = |r: &ResultRow| {
        r.bonus
            .as_deref()
            .and_then(|b| b.parse::<Decimal>().ok())
            .unwrap_or_default()
    };
    let mut departments: Vec<DeptView> = Vec::new();
    let mut sorted: Vec<&ResultRow> = rows.iter().collect();
    let total = |r: &ResultRow| r.total.as_deref().and_then(|x| x.parse::<Decimal>().ok());
    sorted.sort_by(|a, b| {
        a.department
            .cmp(&b.department)
            .then(a.rank.unwrap_or(u32::MAX).cmp(&b.rank.unwrap_or(u32::MAX)))
            .then(total(b).cmp(&total(a)))
            .then(a.emp_no.cmp(&b.emp_no))
    });
    let mut all = vec![0; grades.len() + 1];
    let mut sum = Decimal::ZERO;
    // What the payroll pays: the confirmed ones only.
    let confirmed: Vec<&ResultRow> = rows
        .iter()
        .filter(|r| r.state == kaohe_core::workflow::State::Confirmed)
        .collect();
    let confirmed_sum: Decimal = confirmed.iter().map(|r| bonus(r)).sum();
    for r in sorted {
        let d = match departments.iter_mut().find(|d| d.name == r.department) {
            Some(d) => d,
            None => {
                departments.push(DeptView {
                    name: r.department.clone(),
                    rows: Vec::new(),
                    distribution: vec![0; grades.len() + 1],
                    bonus_sum: String::new(),
                });
                departments.last_mut().expect("just pushed")
            }
        };
        d.distribution[slot(&r.grade)] += 1;
        all[slot(&r.grade)] += 1;
        sum += bonus(r);
        d.rows.push(RowView {
            rank: r.rank,
            emp_no: r.emp_no.clone(),
            name: r.name.clone(),
            state: r.state.as_str(),
            total: r.total.clone(),
            grade: r.grade.clone(),
            bonus: r.bonus.clone(),
        });
    }
    for d in &mut departments {
        let s: Decimal = rows
            .iter()
            .filter(|r| r.department == d.name)
            .map(bonus)
            .sum();
        d.bonus_sum = money(s);
    }
    let view = ResultsView {
        title: sheet::pick(lang, &t.form.title, t.form.title_en.as_deref()).to_string(),
        cycle: c.name.clone(),
        period: c.period.clone(),
        count: rows.len(),
        bonus_sum: money(sum),
        confirmed: confirmed.len(),
        confirmed_sum: money(confirmed_sum),
        grades,
        distribution: all,
        departments,
    };
    render_print(lang, "print_results.html", context! { r => Serde(view) })
}
