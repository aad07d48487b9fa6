//! Cycles and appraisals as plain types, and the pure planning around them: who supplies
//! which input of a form, which tasks a launch creates, how stored values become an engine
//! row, and how a scored batch becomes what is stored. No I/O here.

use crate::{Department, StoreError, Text};
use kaohe_core::Template;
use kaohe_core::batch::{Batch, score_batch};
use kaohe_core::engine::Engine;
use kaohe_core::input::{Col, Columns, Row, parse_cell};
use kaohe_core::model::Origin;
use kaohe_core::num::{fmt, fmt_dp};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Input or parameter id → the value as a person wrote it (kept as text, parsed by the engine).
pub type Values = BTreeMap<String, String>;

/// How often a cycle runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    Monthly,
    Quarterly,
    Annual,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Monthly => "monthly",
            PeriodKind::Quarterly => "quarterly",
            PeriodKind::Annual => "annual",
        }
    }
    pub fn parse(s: &str) -> Option<PeriodKind> {
        Some(match s {
            "monthly" | "月度" => PeriodKind::Monthly,
            "quarterly" | "季度" => PeriodKind::Quarterly,
            "annual" | "年度" => PeriodKind::Annual,
            _ => return None,
        })
    }
    /// Check a period key: `2026-11` (monthly), `2026-Q4` (quarterly), `2026` (annual).
    pub fn check(self, period: &str) -> Result<(), Text> {
        let ok = match self {
            PeriodKind::Monthly => period.len() == 7 && month_of(period).is_some(),
            PeriodKind::Quarterly => {
                period.len() == 7
                    && period[..4].parse::<u16>().is_ok()
                    && matches!(&period[4..], "-Q1" | "-Q2" | "-Q3" | "-Q4")
            }
            PeriodKind::Annual => period.len() == 4 && period.parse::<u16>().is_ok(),
        };
        if ok {
            Ok(())
        } else {
            let want = match self {
                PeriodKind::Monthly => "2026-11",
                PeriodKind::Quarterly => "2026-Q4",
                PeriodKind::Annual => "2026",
            };
            Err(text!("period-format", period = period, want = want))
        }
    }
}

fn month_of(period: &str) -> Option<(i32, u32)> {
    let (y, m) = period.split_once('-')?;
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    (y > 1900 && (1..=12).contains(&m)).then_some((y, m))
}

/// The period before `period` (`2026-01` → `2025-12`, `2026-Q1` → `2025-Q4`, `2026` → `2025`).
pub fn previous_period(period: &str) -> Option<String> {
    if let Some((y, m)) = month_of(period) {
        return Some(if m == 1 {
            format!("{}-12", y - 1)
        } else {
            format!("{y}-{:02}", m - 1)
        });
    }
    if let Some((y, q)) = period.split_once("-Q") {
        let y: i32 = y.parse().ok()?;
        let q: u32 = q.parse().ok()?;
        return Some(if q == 1 {
            format!("{}-Q4", y - 1)
        } else {
            format!("{y}-Q{}", q - 1)
        });
    }
    period.parse::<i32>().ok().map(|y| (y - 1).to_string())
}

/// The period after `period` (`2026-12` → `2027-01`, `2026-Q4` → `2027-Q1`, `2026` → `2027`).
pub fn next_period(period: &str) -> Option<String> {
    if let Some((y, m)) = month_of(period) {
        return Some(if m == 12 {
            format!("{}-01", y + 1)
        } else {
            format!("{y}-{:02}", m + 1)
        });
    }
    if let Some((y, q)) = period.split_once("-Q") {
        let y: i32 = y.parse().ok()?;
        let q: u32 = q.parse().ok()?;
        if !(1..=4).contains(&q) {
            return None;
        }
        return Some(if q == 4 {
            format!("{}-Q1", y + 1)
        } else {
            format!("{y}-Q{}", q + 1)
        });
    }
    period.parse::<i32>().ok().map(|y| (y + 1).to_string())
}

/// How a period is written in a cycle's name: `2026-11`, `2026年11月`, `2026年第4季度`, ….
fn period_spellings(period: &str) -> Vec<String> {
    const QZH: [&str; 4] = ["一", "二", "三", "四"];
    if let Some((y, m)) = month_of(period) {
        return vec![
            format!("{y}年{m}月"),
            format!("{y}年{m:02}月"),
            period.to_string(),
            format!("{y}/{m:02}"),
        ];
    }
    if let Some((y, q)) = period.split_once("-Q")
        && let Ok(q) = q.parse::<usize>()
        && (1..=4).contains(&q)
    {
        return vec![
            format!("{y}年第{}季度", QZH[q - 1]),
            format!("{y}年第{q}季度"),
            format!("{y}年Q{q}"),
            format!("{y}Q{q}"),
            period.to_string(),
        ];
    }
    vec![format!("{period}年"), period.to_string()]
}

/// A cycle's name moved from period `from` to `to`: the first way the name writes `from`
/// is replaced by the same way of writing `to`; a name without its period gets ` (to)`.
pub fn rename_for_period(name: &str, from: &str, to: &str) -> String {
    for (a, b) in period_spellings(from).iter().zip(period_spellings(to)) {
        if name.contains(a.as_str()) {
            return name.replacen(a.as_str(), &b, 1);
        }
    }
    format!("{name} ({to})")
}

/// A due date (`2026-12-05` or RFC 3339) moved on by `months`, the day kept within the
/// month (`2026-01-31` + 1 → `2026-02-28`); anything else unchanged.
pub fn shift_date(d: &str, months: i32) -> String {
    if d.len() < 10 || !d.is_char_boundary(10) {
        return d.to_string();
    }
    let (date, rest) = d.split_at(10);
    let f = time::macros::format_description!("[year]-[month]-[day]");
    let Ok(x) = time::Date::parse(date, &f) else {
        return d.to_string();
    };
    let total = x.year() * 12 + (u8::from(x.month()) as i32 - 1) + months;
    let (y, m) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u8);
    let Ok(month) = time::Month::try_from(m) else {
        return d.to_string();
    };
    let day = x.day().min(month.length(y));
    match time::Date::from_calendar_date(y, month, day) {
        Ok(n) => format!("{:04}-{:02}-{:02}{rest}", n.year(), m, n.day()),
        Err(_) => d.to_string(),
    }
}

/// The last day of a period (`2026-11` → `2026-11-30`, `2026-Q4` → `2026-12-31`, `2026` →
/// `2026-12-31`): the day whose posts place a cycle's members (see `employee_posts`).
pub fn period_last_day(period: &str) -> Option<String> {
    let (y, m) = if let Some((y, m)) = month_of(period).filter(|_| period.len() == 7) {
        (y, m as u8)
    } else if let Some((y, q)) = period.split_once("-Q") {
        let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
        (y.parse().ok()?, q * 3)
    } else if period.len() == 4 {
        (period.parse().ok()?, 12)
    } else {
        return None;
    };
    let month = time::Month::try_from(m).ok()?;
    Some(format!("{y:04}-{m:02}-{:02}", month.length(y)))
}

/// The same period a year earlier.
pub fn same_period_last_year(period: &str) -> Option<String> {
    let (y, rest) = period.split_at(4.min(period.len()));
    let y: i32 = y.parse().ok()?;
    Some(format!("{}{rest}", y - 1))
}

/// Targets and bonus bases: values for inputs or parameters, for every holder of a
/// position or for one employee (an employee's value wins over the position's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emp_no: Option<String>,
    pub values: Values,
}

/// Who is appraised in a cycle, and raters named for particular appraisees (e.g. F05's
/// interviewers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Members {
    /// Everyone holding these positions (when empty and `employees` is empty: the
    /// template's positions).
    #[serde(default)]
    pub positions: Vec<String>,
    /// These employees, by employee number.
    #[serde(default)]
    pub employees: Vec<String>,
    /// Appraisee emp_no → rater id → the rater's emp_no.
    #[serde(default)]
    pub raters: BTreeMap<String, BTreeMap<String, String>>,
    /// Rater id → the rule that finds each appraisee's rater in the organisation tree, in
    /// HR's words (`直接上级`, `部门负责人`, `支行负责人`, `部门:XZ`, `工号:E001`; see
    /// [`crate::rules::Rule`]). A person named in `raters` wins; no rule: the supervisor, or
    /// the department named like the rater.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, String>,
    /// User names HR exempts from the separation of duties on this cycle (a small company
    /// where the only approver is also appraised): they may review, approve or enter data for
    /// their own appraisal. Set when the cycle is created, so it is in the audit log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sod_exempt: Vec<String>,
    /// Peers HR names (同事评分, HR指定): appraisee emp_no → the peers' emp_nos. Wins over the
    /// form's rule for that appraisee; checked when the cycle is saved.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub peers: BTreeMap<String, Vec<String>>,
}

/// What HR fills in to create a cycle.
#[derive(Debug, Clone, Default)]
pub struct NewCycle {
    pub name: String,
    pub form_id: String,
    /// The template version to pin (the latest when None).
    pub template_version: Option<i64>,
    pub period: String,
    pub params: Values,
    pub targets: Vec<TargetSet>,
    pub members: Members,
    pub data_due: Option<String>,
    pub rating_due: Option<String>,
    /// Hours the appraisee has to sign or appeal once the result is published.
    pub confirm_window_hours: i64,
}

/// A cycle as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub id: i64,
    pub name: String,
    pub form_id: String,
    pub template_id: i64,
    pub template_version: i64,
    pub period_kind: PeriodKind,
    pub period: String,
    /// draft, launched, closed, cancelled.
    pub status: String,
    pub params: Values,
    pub targets: Vec<TargetSet>,
    pub members: Members,
    pub data_due: Option<String>,
    pub rating_due: Option<String>,
    pub confirm_window_hours: i64,
    pub created_by: String,
    pub created_at: String,
    pub launched_at: Option<String>,
    /// Grade bands HR gave the cycle because its form has none (highest first; the last
    /// without a minimum, so every total has a grade).
    pub grades: Vec<GradeBand>,
    /// Why HR cancelled it (status `cancelled`).
    pub cancel_reason: Option<String>,
    /// When the holders of its open tasks are reminded (migration 0016).
    pub reminders: Reminders,
}

/// A cycle's scheduled reminders: the days before a task's deadline on which its holder is
/// reminded (highest first; `0` is the day itself), and the days a task may be overdue
/// before the holder's manager hears of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminders {
    pub days_before: Vec<i64>,
    pub escalate_after: i64,
}

impl Default for Reminders {
    fn default() -> Self {
        Reminders {
            days_before: vec![3, 1],
            escalate_after: 2,
        }
    }
}

/// The most days before a deadline a reminder may be sent, and after it an escalation.
pub const REMIND_MAX_DAYS: i64 = 60;

impl Reminders {
    /// Check the settings as HR gave them: each day from 0 to [`REMIND_MAX_DAYS`], at most
    /// five, none twice (they are kept highest first); the escalation after 1 to
    /// [`REMIND_MAX_DAYS`] days. The errors name the field (`remind_days`, `escalate_days`).
    pub fn checked(
        days_before: &[i64],
        escalate_after: i64,
    ) -> std::result::Result<Self, Vec<(String, Text)>> {
        let mut errors = Vec::new();
        let mut days: Vec<i64> = days_before.to_vec();
        days.sort_unstable_by(|a, b| b.cmp(a));
        if let Some(d) = days.iter().find(|d| !(0..=REMIND_MAX_DAYS).contains(*d)) {
            errors.push((
                "remind_days".to_string(),
                text!("remind-day-range", value = d, max = REMIND_MAX_DAYS),
            ));
        } else if let Some(w) = days.windows(2).find(|w| w[0] == w[1]) {
            errors.push((
                "remind_days".to_string(),
                text!("remind-day-twice", value = w[0]),
            ));
        } else if days.len() > 5 {
            errors.push((
                "remind_days".to_string(),
                text!("remind-days-many", count = days.len()),
            ));
        }
        if !(1..=REMIND_MAX_DAYS).contains(&escalate_after) {
            errors.push((
                "escalate_days".to_string(),
                text!(
                    "escalate-days-range",
                    value = escalate_after,
                    max = REMIND_MAX_DAYS
                ),
            ));
        }
        if errors.is_empty() {
            Ok(Reminders {
                days_before: days,
                escalate_after,
            })
        } else {
            Err(errors)
        }
    }

    /// The days as HR types them: `3, 1` (also `3，1`, `3 1`, `3、1`); empty for none.
    pub fn parse_days(s: &str) -> std::result::Result<Vec<i64>, Text> {
        s.split([',', '，', '、', ';', '；', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<i64>()
                    .map_err(|_| text!("remind-day-not-number", value = p))
            })
            .collect()
    }

    /// The days as stored and shown: `3,1`.
    pub fn days_text(&self) -> String {
        self.days_before
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A grade band set on a cycle: a total at or above `min` (a decimal as text) gets `name`;
/// the last band has no minimum.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GradeBand {
    pub name: String,
    pub min: Option<String>,
}

/// Read grade bands as HR types them, one per line or separated by `,`/`；`:
/// `A ≥ 90`, `B >= 80`, `C 60`, `D` (the last without a minimum). Checked: names unique,
/// minimums falling, the last band open below so that every possible total has a grade.
pub fn parse_grade_bands(s: &str) -> std::result::Result<Vec<GradeBand>, Text> {
    let mut out: Vec<GradeBand> = Vec::new();
    for (i, part) in s
        .split(['\n', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let cleaned = part.replace(['≥', '＞', '>', '=', '＝', '分'], " ");
        let mut words = cleaned.split_whitespace();
        let name = words.next().unwrap_or_default().to_string();
        let min = match words.next() {
            None => None,
            Some(w) => match kaohe_core::num::parse_user_number(w) {
                Some(p) => Some(kaohe_core::num::fmt(p.value())),
                None => {
                    return Err(text!("band-not-number", n = i + 1, part = part, value = w));
                }
            },
        };
        if words.next().is_some() {
            return Err(text!("band-shape", n = i + 1, part = part));
        }
        out.push(GradeBand { name, min });
    }
    check_grade_bands(&out)?;
    Ok(out)
}

/// The checks of [`parse_grade_bands`] on bands given as data (the API).
pub fn check_grade_bands(bands: &[GradeBand]) -> std::result::Result<(), Text> {
    if bands.is_empty() {
        return Err(text!("bands-none"));
    }
    let mut seen = std::collections::HashSet::new();
    let mut last: Option<Decimal> = None;
    for (i, b) in bands.iter().enumerate() {
        if b.name.trim().is_empty() {
            return Err(text!("band-no-name", n = i + 1));
        }
        if !seen.insert(b.name.trim()) {
            return Err(text!("band-twice", name = b.name));
        }
        let is_last = i + 1 == bands.len();
        match (&b.min, is_last) {
            (None, true) => {}
            (None, false) => {
                return Err(text!("band-open-not-last", name = b.name));
            }
            (Some(_), true) => {
                return Err(text!(
                    "band-last-min",
                    name = b.name,
                    min = b.min.as_deref().unwrap_or_default()
                ));
            }
            (Some(m), false) => {
                let m: Decimal = m
                    .parse()
                    .map_err(|_| text!("band-min-not-number", name = b.name, value = m))?;
                if last.is_some_and(|l| m >= l) {
                    return Err(text!("band-order", name = b.name, min = m));
                }
                last = Some(m);
            }
        }
    }
    Ok(())
}

/// The form's grades, or the cycle's bands when the sheet has none.
pub fn with_cycle_grades(t: &mut Template, cy: &Cycle) {
    if !t.grades.is_empty() || cy.grades.is_empty() {
        return;
    }
    t.grades = cy
        .grades
        .iter()
        .map(|b| kaohe_core::model::Grade {
            name: b.name.clone(),
            name_en: None,
            min: b.min.as_deref().and_then(|m| m.parse().ok()),
            factor: Decimal::ONE,
        })
        .collect();
}

/// Who acted on an appraisal in a role the sheet has a signature line for, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// `rater` (handed in a rating), `reviewer` (passed review), `approver` (approved).
    pub role: &'static str,
    pub username: String,
    /// Their name, when the account belongs to an employee.
    pub name: Option<String>,
    /// RFC 3339.
    pub at: String,
    /// Acting for someone by delegation (代理): the principal's name (else username).
    pub on_behalf_of: Option<String>,
}

impl Signer {
    /// The signer's name, else their username.
    pub fn who(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.username.clone())
    }
}

/// One appraisee a launch would create, for the confirmation page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewMember {
    pub emp_no: String,
    pub name: String,
    pub department: String,
    pub position: Option<String>,
    /// The pay base the cycle gives them (the sum of the form's pay-formula inputs and
    /// parameters set by the cycle's targets or parameters), as a decimal; None when none.
    pub bonus_base: Option<String>,
    /// Who would rate them, per rater role, and why (考核关系 as planned).
    #[serde(default)]
    pub raters: Vec<PreviewRater>,
}

/// A planned rater of a launch preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRater {
    /// The template's rater id.
    pub rater: String,
    /// The person: 工号 and 姓名.
    pub emp_no: Option<String>,
    pub name: Option<String>,
    /// A department's task: the department's name.
    pub department: Option<String>,
    /// Where it came from: the person named for them, a rule, the supervisor …
    pub why: crate::rules::Why,
}

/// An appraisee who would have fewer peers in a peer group (同事评分) than the answers the
/// group needs, so that their peer items could never be scored (不适用).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortOfPeers {
    pub emp_no: String,
    pub name: String,
    /// The peer group's rater id.
    pub rater: String,
    /// The group's name on the form (`同事`), and in English if the form gives one.
    pub rater_name: String,
    pub rater_name_en: Option<String>,
    /// Peers the cycle's list or the group's rule gives them.
    pub found: usize,
    /// The group's `min_answers`.
    pub needed: usize,
    /// The form says HR names the peers (HR指定) and the cycle's list does not name them.
    pub hr_pick: bool,
}

/// Who a launch would appraise, storing nothing ([`crate::Store::launch_preview`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchPreview {
    pub members: Vec<PreviewMember>,
    /// Appraisees short of peers, one line per peer group (empty for a form without peers).
    #[serde(default)]
    pub short_of_peers: Vec<ShortOfPeers>,
    /// The sum of the members' bonus bases.
    pub bonus_base_total: String,
    /// The ids of the pay inputs and parameters summed.
    pub bonus_inputs: Vec<String>,
}

/// What a launch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchSummary {
    pub appraisals: usize,
    pub tasks: usize,
    /// Departments the form names that the organisation does not have: HR enters those inputs.
    pub unmatched_departments: Vec<String>,
}

/// The performance interview (绩效面谈).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interview {
    pub date: String,
    pub participants: String,
    pub notes: String,
}

/// An appeal (申诉).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    pub reason: String,
    pub items: Vec<String>,
    pub at: String,
    /// HR's decision: `upheld` or `reopened`, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
}

/// What people write on the sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes {
    /// 自我总结 (the appraisee).
    pub self_summary: Option<String>,
    /// 主管评语 (a rater).
    pub comments: Option<String>,
    /// 下期工作要求 (a rater).
    pub next_goals: Option<String>,
    /// 绩效面谈 (a rater or HR).
    pub interview: Option<Interview>,
}

/// One item's score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemScore {
    pub id: String,
    pub score: String,
    #[serde(default)]
    pub na: bool,
}

/// The computed result of an appraisal, as stored (exact decimals as text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreResult {
    pub items: Vec<ItemScore>,
    /// Section id → score.
    pub sections: Vec<(String, String)>,
    pub total: Option<String>,
    pub grade: Option<String>,
    /// Pay line id → amount.
    pub pay: Vec<(String, String)>,
    /// Why it cannot be scored yet: (field, message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<(String, String)>,
}

/// One appraisal, as stored, with the appraisee's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appraisal {
    pub id: i64,
    pub cycle_id: i64,
    pub employee_id: i64,
    pub emp_no: String,
    pub name: String,
    pub department: String,
    pub group: String,
    pub state: kaohe_core::workflow::State,
    pub version: i64,
    pub inputs: Values,
    pub open_items: Option<Vec<String>>,
    pub result: Option<ScoreResult>,
    pub total: Option<String>,
    pub grade: Option<String>,
    pub bonus: Option<String>,
    pub notes: Notes,
    pub appeal: Option<Appeal>,
    pub published_at: Option<String>,
    pub confirm_due: Option<String>,
    pub confirmed_at: Option<String>,
    pub confirmed_by: Option<String>,
    pub updated_at: String,
    /// The principal's name when the reader sees and acts on this appraisal only as their
    /// delegate (代理), not stored: set for the reader.
    pub on_behalf_of: Option<String>,
}

/// What an import needs of one appraisal to match a row of a file to it and show what
/// changes: the appraisee's number and name, the state and version, and the stored values
/// of the inputs the file writes ([`crate::Store::import_targets`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportTarget {
    pub id: i64,
    pub emp_no: String,
    pub name: String,
    pub state: kaohe_core::workflow::State,
    pub version: i64,
    /// The stored value of each input asked for, in the order asked (`None`: not stored).
    /// A list, not a map: an import holds one of these per appraisal of the cycle.
    pub inputs: Vec<Option<String>>,
}

/// A piece of work for someone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: i64,
    pub cycle_id: i64,
    pub appraisal_id: Option<i64>,
    /// data, self, rate, review, approve, sign.
    pub kind: String,
    pub rater: Option<String>,
    pub department_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub status: String,
    pub due: Option<String>,
    /// The appraisee, for tasks on one appraisal.
    pub appraisee: Option<String>,
    /// The principal's name when the task is theirs, in the reader's 待办 by delegation.
    pub on_behalf_of: Option<String>,
}

/// Who may write an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A department's clerk (by department id).
    Dept(i64),
    /// A rater of the form (by rater id; `self` is the appraisee).
    Rater(String),
    /// HR (cycle values such as bonus bases, and data from departments the org lacks).
    Hr,
}

/// The rater who scores an item when the form names none: the direct supervisor (考核人).
pub const SUPERVISOR: &str = "supervisor";

/// Who supplies each input of `t`, given the organisation's departments; and the
/// department names the form uses that the organisation lacks.
pub fn input_owners(t: &Template, depts: &[Department]) -> (Vec<Owner>, Vec<String>) {
    let mut unmatched = Vec::new();
    let owners = t
        .inputs
        .iter()
        .map(|inp| {
            if let Some(r) = inp.rater {
                return Owner::Rater(t.raters[r].id.clone());
            }
            let dept = inp
                .dept
                .as_deref()
                .or_else(|| inp.item.and_then(|i| t.items[i].dept.as_deref()));
            if let Some(names) = dept {
                for name in names.split(['、', ',', '，', '/']) {
                    if let Some(d) = depts.iter().find(|d| d.name == name.trim()) {
                        return Owner::Dept(d.id);
                    }
                }
                if !unmatched.iter().any(|u| u == names) {
                    unmatched.push(names.to_string());
                }
                return Owner::Hr;
            }
            match (inp.item, &inp.origin) {
                (_, Origin::Prior) => Owner::Hr,
                (Some(_), _) => Owner::Rater(default_rater(t)),
                (None, _) => Owner::Hr,
            }
        })
        .collect();
    (owners, unmatched)
}

/// The rater of items that name none: the form's first rater other than self, else the supervisor.
pub fn default_rater(t: &Template) -> String {
    t.raters
        .iter()
        .find(|r| r.id != "self")
        .map(|r| r.id.clone())
        .unwrap_or_else(|| SUPERVISOR.to_string())
}

/// Does the form have a self-assessment?
pub fn has_self(t: &Template) -> bool {
    t.raters.iter().any(|r| r.id == "self")
}

/// The raters (other than self) who get a task on every appraisal.
pub fn rating_roles(t: &Template, owners: &[Owner]) -> Vec<String> {
    let mut roles: Vec<String> = Vec::new();
    for o in owners {
        if let Owner::Rater(r) = o
            && r != "self"
            && !roles.contains(r)
        {
            roles.push(r.clone());
        }
    }
    // A form whose raters enter nothing of their own still gets them (they sign the sheet).
    for r in &t.raters {
        if r.id != "self" && !roles.contains(&r.id) {
            roles.push(r.id.clone());
        }
    }
    // A peer group's tasks are one per peer (`crate::peers`), not one per role.
    roles.retain(|r| !crate::cycles::peers::is_peer_role(t, r));
    roles
}

/// The department a rater stands for (a rater named like a department: 财务部, 行政部 …).
pub fn rater_department<'d>(
    t: &Template,
    rater: &str,
    depts: &'d [Department],
) -> Option<&'d Department> {
    let r = t.raters.iter().find(|r| r.id == rater)?;
    depts.iter().find(|d| {
        d.name == r.name
            || r.name.starts_with(&d.name)
            || (d.code.eq_ignore_ascii_case(rater) && rater != SUPERVISOR)
    })
}

/// Check values entered for `t` (input or parameter ids → text). Errors name the field.
pub fn check_values<'a>(
    t: &Template,
    values: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Result<(), StoreError> {
    let mut problems = Vec::new();
    for (k, v) in values {
        match slot_of(t, k) {
            None => problems.push((k.clone(), text!("no-such-input"))),
            Some(s) => {
                if !v.trim().is_empty()
                    && let Err(m) = parse_cell(t, s, v)
                {
                    problems.push((k.clone(), m.text()))
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Fields(problems))
    }
}

/// The input or parameter id a person named: the id, its Chinese or English name, or an
/// input's alias (trimmed; English names without regard to case). `None` when it is none.
pub fn resolve_key(t: &Template, named: &str) -> Option<String> {
    let n = named.trim();
    if slot_of(t, n).is_some() {
        return Some(n.to_string());
    }
    let en = |x: &Option<String>| x.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(n));
    t.inputs
        .iter()
        .find(|i| i.name == n || en(&i.name_en) || i.aliases.iter().any(|a| a == n))
        .map(|i| i.id.clone())
        .or_else(|| {
            t.params
                .iter()
                .find(|p| p.name == n || en(&p.name_en))
                .map(|p| p.id.clone())
        })
}

/// Values keyed by ids: each key resolved with [`resolve_key`]. An unknown key is a
/// problem `(prefix + key, message)` naming it and listing the names the form has.
pub fn resolve_values(
    t: &Template,
    values: &Values,
    prefix: &str,
) -> std::result::Result<Values, Vec<(String, Text)>> {
    let mut out = Values::new();
    let mut problems = Vec::new();
    for (k, v) in values {
        match resolve_key(t, k) {
            Some(id) => {
                out.insert(id, v.clone());
            }
            None => problems.push((
                format!("{prefix}{k}"),
                text!("unknown-name", name = k, known = known_names(t, true))
                    .en_arg("known", known_names(t, false)),
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The names a cycle may set (entered inputs and parameters), for error messages.
fn known_names(t: &Template, zh: bool) -> String {
    // By the names the sheet shows: the ids stay in the API's `field`.
    let name = |n: &str, en: &Option<String>| {
        if zh {
            n.to_string()
        } else {
            en.as_deref().unwrap_or(n).to_string()
        }
    };
    t.inputs
        .iter()
        .filter(|i| i.rater.is_none())
        .map(|i| name(&i.name, &i.name_en))
        .chain(t.params.iter().map(|p| name(&p.name, &p.name_en)))
        .collect::<Vec<_>>()
        .join(if zh { "、" } else { ", " })
}

/// The inputs and parameters a form's pay formulas read directly (e.g. F01's
/// `monthly_bonus`): what a cycle's bonus base is the sum of.
pub fn pay_inputs(t: &Template) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for p in &t.pay {
        for (n, _) in p.formula.node.names() {
            let n = n.to_string();
            if slot_of(t, &n).is_some() && !v.contains(&n) {
                v.push(n);
            }
        }
    }
    v
}

/// The slot of an input or parameter id.
pub fn slot_of(t: &Template, id: &str) -> Option<u32> {
    if let Some(i) = t.input_index(id) {
        return Some(i as u32);
    }
    t.params
        .iter()
        .position(|p| p.id == id)
        .map(|i| t.layout.params + i as u32)
}

/// One appraisal to score: its values, the prior periods' values, and its group.
pub struct ToScore<'a> {
    pub emp_no: &'a str,
    pub group: &'a str,
    pub values: &'a Values,
    pub prev: Option<&'a Values>,
    pub last_year: Option<&'a Values>,
}

/// Engine rows for appraisals. Prior-period inputs (`x.prev`, `x.last_year`) not entered
/// by hand are taken from the stored appraisal of that period.
pub fn engine_rows(t: &Template, list: &[ToScore<'_>]) -> Vec<Result<Row, (String, String)>> {
    let n_slots = t.layout.params as usize + t.params.len();
    let mut cols: Vec<Col> = vec![Col::Id, Col::Group];
    cols.extend((0..n_slots as u32).map(Col::Slot));
    let columns = Columns {
        cols,
        ignored: Vec::new(),
    };
    let n_inputs = t.inputs.len();
    list.iter()
        .enumerate()
        .map(|(line, a)| {
            let mut cells: Vec<&str> = Vec::with_capacity(n_slots + 2);
            cells.push(a.emp_no);
            cells.push(a.group);
            for (i, inp) in t.inputs.iter().enumerate() {
                let mut v = a.values.get(&inp.id).map(String::as_str).unwrap_or("");
                // A peer group's column holds their mean once enough answered; until then
                // the peers are absent (不适用) and the other raters' weights renormalised.
                if v.is_empty() && inp.rater.is_some_and(|r| t.raters[r].peers.is_some()) {
                    v = crate::cycles::peers::NOT_YET;
                }
                if v.is_empty()
                    && inp.origin == Origin::Prior
                    && let Some((base, when)) = inp.id.rsplit_once('.')
                {
                    let from = if when == "last_year" {
                        a.last_year
                    } else {
                        a.prev
                    };
                    v = from
                        .and_then(|m| m.get(base))
                        .map(String::as_str)
                        .unwrap_or("");
                }
                debug_assert!(i < n_inputs);
                cells.push(v);
            }
            cells.resize(t.layout.params as usize + 2, "");
            for p in &t.params {
                cells.push(a.values.get(&p.id).map(String::as_str).unwrap_or(""));
            }
            kaohe_core::input::parse_row(t, &columns, &cells, line + 1).map_err(|errs| {
                let e = &errs[0];
                (
                    e.header.clone().unwrap_or_default(),
                    format!(
                        "{} / {}",
                        e.msg.render(kaohe_core::Lang::Zh),
                        e.msg.render(kaohe_core::Lang::En)
                    ),
                )
            })
        })
        .collect()
}

/// Score appraisals together (peer averages and ranks are per group within the list).
/// Returns one result per appraisal, in order; rows that cannot be scored carry the error.
pub fn score_all(engine: &Engine, list: &[ToScore<'_>]) -> Vec<ScoreResult> {
    let t = engine.t;
    let parsed = engine_rows(t, list);
    let mut rows = Vec::with_capacity(parsed.len());
    let mut at = Vec::with_capacity(parsed.len());
    let mut out: Vec<ScoreResult> = Vec::with_capacity(parsed.len());
    for r in parsed {
        match r {
            Ok(row) => {
                at.push(Some(rows.len()));
                rows.push(row);
                out.push(ScoreResult::default());
            }
            Err(e) => {
                at.push(None);
                out.push(ScoreResult {
                    error: Some(e),
                    ..Default::default()
                });
            }
        }
    }
    let batch = score_batch(engine, &rows);
    for (i, slot) in at.iter().enumerate() {
        if let Some(r) = *slot {
            out[i] = result_of(t, &batch, r);
        }
    }
    out
}

fn result_of(t: &Template, b: &Batch, r: usize) -> ScoreResult {
    if let Some(e) = b.failed(r) {
        return ScoreResult {
            error: Some((
                e.column.clone().unwrap_or_default(),
                format!(
                    "{} / {}",
                    e.msg.render(kaohe_core::Lang::Zh),
                    e.msg.render(kaohe_core::Lang::En)
                ),
            )),
            ..Default::default()
        };
    }
    let n_items = t.items.len();
    ScoreResult {
        items: t
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| ItemScore {
                id: it.id.clone(),
                score: fmt(b.item(r, i)),
                na: b.na[r * n_items + i],
            })
            .collect(),
        sections: t
            .sections
            .iter()
            .enumerate()
            .map(|(s, sec)| (sec.id.clone(), fmt(b.section(r, s))))
            .collect(),
        total: Some(fmt(b.total(r))),
        grade: b.grade[r].map(|g| t.grades[g as usize].name.clone()),
        pay: t
            .pay
            .iter()
            .enumerate()
            .map(|(p, line)| (line.id.clone(), fmt_dp(b.pay(r, p), line.decimals)))
            .collect(),
        error: None,
    }
}

/// What prints one appraisal's filled form: its inputs as the engine reads them and its
/// group's peer averages ([`crate::Store::form_rows`]).
#[derive(Debug, Clone)]
pub struct FormRow {
    /// The appraisal's id.
    pub id: i64,
    /// The engine's row: inputs, parameters and prior periods' values, as scored.
    pub values: Vec<kaohe_core::engine::Val>,
    /// Peer averages of the appraisal's group (empty when the form has none).
    pub peers: Vec<Option<Decimal>>,
}

/// The rows of `list` that `wanted` picks, with their groups' peer averages over every row
/// of `list` that parses (as [`score_all`] computes them). A picked row that no longer
/// parses is `Err((index, error))`.
pub fn form_rows(
    engine: &Engine,
    list: &[ToScore<'_>],
    wanted: impl Fn(usize) -> bool,
) -> Result<
    Vec<(usize, Vec<kaohe_core::engine::Val>, Vec<Option<Decimal>>)>,
    (usize, (String, String)),
> {
    let t = engine.t;
    let mut rows = Vec::with_capacity(list.len());
    let mut picked = Vec::new();
    for (i, r) in engine_rows(t, list).into_iter().enumerate() {
        match r {
            Ok(row) => {
                if wanted(i) {
                    picked.push((i, rows.len()));
                }
                rows.push(row);
            }
            Err(e) if wanted(i) => return Err((i, e)),
            Err(_) => {}
        }
    }
    let peers = if t.needs_peers {
        score_batch(engine, &rows).peers
    } else {
        Default::default()
    };
    Ok(picked
        .into_iter()
        .map(|(i, r)| {
            let group = list[i].group;
            let p = peers.get(group).cloned().unwrap_or_default();
            (i, rows[r].values.clone(), p)
        })
        .collect())
}

/// The explanation of appraisal `idx` of `list` (scored together with the others, so peer
/// averages are the cycle's): keyed lines and the full text, in zh-CN and English.
pub fn explain_in(
    engine: &Engine,
    list: &[ToScore<'_>],
    idx: usize,
) -> Result<Explained, (String, String)> {
    let t = engine.t;
    let parsed = engine_rows(t, list);
    let mut rows = Vec::with_capacity(parsed.len());
    let mut at = None;
    for (i, r) in parsed.into_iter().enumerate() {
        match r {
            Ok(row) => {
                if i == idx {
                    at = Some(rows.len());
                }
                rows.push(row);
            }
            Err(e) if i == idx => return Err(e),
            Err(_) => {}
        }
    }
    let r = at.ok_or_else(|| (String::new(), "no such appraisal".to_string()))?;
    let batch = score_batch(engine, &rows);
    let (f, rec) = kaohe_core::batch::explain_row(engine, &batch, &rows, r).map_err(|e| {
        (
            e.column.clone().unwrap_or_default(),
            format!(
                "{} / {}",
                e.msg.render(kaohe_core::Lang::Zh),
                e.msg.render(kaohe_core::Lang::En)
            ),
        )
    })?;
    use kaohe_core::Lang::{En, Zh};
    Ok(Explained {
        lines_zh: kaohe_core::explain::keyed(t, &rec, Zh),
        lines_en: kaohe_core::explain::keyed(t, &rec, En),
        text_zh: kaohe_core::explain::render(t, &f, &rec, Zh),
        text_en: kaohe_core::explain::render(t, &f, &rec, En),
    })
}

/// An appraisal's explanation: which rule, which inputs, what arithmetic, per number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// (`item:<id>` / `section:<id>` / `total` / `grade` / `pay:<id>` …, text).
    pub lines_zh: Vec<(String, String)>,
    pub lines_en: Vec<(String, String)>,
    pub text_zh: String,
    pub text_en: String,
}

/// What an appraisal would show with values not yet stored ([`crate::Store::preview`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The appraisal with the values laid over its inputs and scored (total, grade, bonus).
    pub appraisal: Appraisal,
    /// Every number explained; `None` when the values cannot be scored yet (the result's
    /// `error` says why).
    pub explained: Option<Explained>,
}

/// The bonus of a result: the form's last pay line (the payout), if any.
pub fn bonus_of(r: &ScoreResult) -> Option<String> {
    r.pay.last().map(|(_, v)| v.clone())
}

/// Competition ranks (1, 2, 2, 4) of totals within groups; rows without a total get None.
pub fn rank_in_groups(rows: &[(String, Option<Decimal>)]) -> Vec<Option<u32>> {
    let mut by: BTreeMap<&str, Vec<Decimal>> = BTreeMap::new();
    for (g, v) in rows {
        if let Some(v) = v {
            by.entry(g).or_default().push(*v);
        }
    }
    for v in by.values_mut() {
        v.sort_by(|a, b| b.cmp(a));
    }
    rows.iter()
        .map(|(g, v)| {
            let v = (*v)?;
            let sorted = &by[g.as_str()];
            Some(sorted.partition_point(|x| *x > v) as u32 + 1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_step_back() {
        assert_eq!(previous_period("2026-01").as_deref(), Some("2025-12"));
        assert_eq!(previous_period("2026-11").as_deref(), Some("2026-10"));
        assert_eq!(previous_period("2026-Q1").as_deref(), Some("2025-Q4"));
        assert_eq!(previous_period("2026").as_deref(), Some("2025"));
        assert_eq!(same_period_last_year("2026-11").as_deref(), Some("2025-11"));
        assert!(PeriodKind::Monthly.check("2026-13").is_err());
        assert!(PeriodKind::Quarterly.check("2026-Q4").is_ok());
    }

    #[test]
    fn a_period_ends_on_its_last_day() {
        assert_eq!(period_last_day("2026-11").as_deref(), Some("2026-11-30"));
        assert_eq!(period_last_day("2026-10").as_deref(), Some("2026-10-31"));
        assert_eq!(period_last_day("2026-02").as_deref(), Some("2026-02-28"));
        assert_eq!(period_last_day("2028-02").as_deref(), Some("2028-02-29"));
        assert_eq!(period_last_day("2026-12").as_deref(), Some("2026-12-31"));
        assert_eq!(period_last_day("2026-Q1").as_deref(), Some("2026-03-31"));
        assert_eq!(period_last_day("2026-Q2").as_deref(), Some("2026-06-30"));
        assert_eq!(period_last_day("2026-Q3").as_deref(), Some("2026-09-30"));
        assert_eq!(period_last_day("2026-Q4").as_deref(), Some("2026-12-31"));
        assert_eq!(period_last_day("2026").as_deref(), Some("2026-12-31"));
        assert_eq!(period_last_day("2026-Q5"), None);
        assert_eq!(period_last_day("2026-13"), None);
        assert_eq!(period_last_day("下月"), None);
        // Every period a kind accepts has a last day.
        for (kind, p) in [
            (PeriodKind::Monthly, "2026-01"),
            (PeriodKind::Quarterly, "2026-Q4"),
            (PeriodKind::Annual, "2026"),
        ] {
            assert!(kind.check(p).is_ok() && period_last_day(p).is_some(), "{p}");
        }
    }

    #[test]
    fn ranks_share_ties_within_groups() {
        let d = |s: &str| Some(s.parse::<Decimal>().unwrap());
        let rows = vec![
            ("a".to_string(), d("90")),
            ("a".to_string(), d("95")),
            ("a".to_string(), d("90")),
            ("b".to_string(), d("10")),
            ("a".to_string(), None),
            ("a".to_string(), d("80")),
        ];
        assert_eq!(
            rank_in_groups(&rows),
            vec![Some(2), Some(1), Some(2), Some(1), None, Some(4)]
        );
    }
}
