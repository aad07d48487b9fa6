//! The template file as written by HR: TOML, read as-is before any checking.
//!
//! Every field that a diagnostic may point at keeps its place in the file (`Spanned`).
//! See `docs/templates.md` for the language, with examples.

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::str::FromStr;
use toml::Spanned;

/// A number as written in a template: `30`, `2.5`, or `"0.1"`. Never a float inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Num(pub Decimal);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number (数字), e.g. 30 or 2.5")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                crate::num::from_toml_float(v)
                    .map(Num)
                    .ok_or_else(|| E::custom(format!("`{v}` is not a usable number")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
                crate::num::parse_user_number(v)
                    .map(|p| Num(p.value()))
                    .ok_or_else(|| E::custom(format!("`{v}` is not a number")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A formula, or a plain number standing for one: `target = 100` or `target = "plan * 1.1"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaText(pub String);

impl<'de> Deserialize<'de> for FormulaText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FormulaText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a formula in quotes (公式), or a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(FormulaText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(FormulaText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(FormulaText(format!("{v}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(FormulaText(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A limit that may be switched off: `floor = 0`, `floor = "none"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A bound.
    At(Decimal),
    /// No bound (`"none"` / `"无"`).
    None,
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Limit;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or \"none\" (无) for no limit")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Limit, E> {
                Ok(Limit::At(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Limit, E> {
                Ok(Limit::At(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Limit, E> {
                Num::deserialize(de::value::F64Deserializer::new(v)).map(|n| Limit::At(n.0))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Limit, E> {
                match v.trim() {
                    "none" | "无" | "不限" => Ok(Limit::None),
                    s => Decimal::from_str(s)
                        .map(Limit::At)
                        .map_err(|_| E::custom(format!("`{v}` is neither a number nor \"none\""))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A fixed number or a range the assessor picks from: `5` or `[1, 5]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    /// Exactly this.
    Fixed(Decimal),
    /// Any value from `.0` to `.1`, inclusive.
    Range(Decimal, Decimal),
    /// A formula (e.g. a parameter).
    Formula(String),
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a range such as [1, 5], or a formula in quotes")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                Ok(Amount::Fixed(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                Ok(Amount::Fixed(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                Num::deserialize(de::value::F64Deserializer::new(v)).map(|n| Amount::Fixed(n.0))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
                match Decimal::from_str(v.trim()) {
                    Ok(d) => Ok(Amount::Fixed(d)),
                    Err(_) => Ok(Amount::Formula(v.to_string())),
                }
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Amount, A::Error> {
                let lo: Num = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("a range needs two numbers: [low, high]"))?;
                let hi: Num = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("a range needs two numbers: [low, high]"))?;
                if seq.next_element::<Num>()?.is_some() {
                    return Err(de::Error::custom(
                        "a range has exactly two numbers: [low, high]",
                    ));
                }
                Ok(Amount::Range(lo.0, hi.0))
            }
        }
        d.deserialize_any(V)
    }
}

/// A whole template file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDef {
    /// `[form]`: what the sheet is.
    pub form: Spanned<FormDef>,
    /// `[[param]]`: values set per cycle (targets, bases), with defaults.
    #[serde(default)]
    pub param: Vec<Spanned<ParamDef>>,
    /// `[[input]]`: values entered for each appraisee.
    #[serde(default)]
    pub input: Vec<Spanned<InputDef>>,
    /// `[[metric]]`: values derived from inputs by a formula.
    #[serde(default)]
    pub metric: Vec<Spanned<MetricDef>>,
    /// `[[rater]]`: who scores, with what weight.
    #[serde(default)]
    pub rater: Vec<Spanned<RaterDef>>,
    /// `[[section]]`: parts of the sheet.
    #[serde(default)]
    pub section: Vec<Spanned<SectionDef>>,
    /// `[[item]]`: the rows of the sheet.
    #[serde(default)]
    pub item: Vec<Spanned<ItemDef>>,
    /// `[[grade]]`: grade bands on the total.
    #[serde(default)]
    pub grade: Vec<Spanned<GradeDef>>,
    /// `[[pay]]`: bonus and rewards.
    #[serde(default)]
    pub pay: Vec<Spanned<PayDef>>,
    /// `[ranking]`: order and selection within a group.
    pub ranking: Option<Spanned<RankingDef>>,
}

/// `[form]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    pub id: Spanned<String>,
    pub title: String,
    pub title_en: Option<String>,
    #[serde(default)]
    pub positions: Vec<String>,
    pub period: Spanned<String>,
    /// The declared total (满分), e.g. 100.
    pub total_points: Spanned<Num>,
    /// The total may exceed `total_points` (bonus points without a cap, as on F01).
    #[serde(default)]
    pub may_exceed_total: bool,
    /// The total may fall below zero (negative items count in the total, as on F08).
    #[serde(default)]
    pub may_go_negative: bool,
    /// How the total is computed; default: the weighted or plain sum of the sections.
    pub total: Option<Spanned<FormulaText>>,
    /// Decimal places kept in item scores (default 2, rounded half-up).
    pub decimals: Option<Spanned<u32>>,
    /// `"percent"` (default: rater weights add up to 100) or `"relative"` (weights are shares).
    pub rater_weights: Option<Spanned<String>>,
    /// Signature lines printed on the sheet, e.g. ["被考核人", "考核人", "复核人"].
    #[serde(default)]
    pub signatures: Vec<String>,
    /// Text printed under the sheet (备注).
    pub notes: Option<String>,
    /// The source: where the sheet came from.
    pub source: Option<String>,
}

/// `[[param]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDef {
    pub id: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    pub default: Spanned<Num>,
    pub unit: Option<String>,
    pub min: Option<Spanned<Num>>,
    pub max: Option<Spanned<Num>>,
    pub note: Option<String>,
}

/// `[[input]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputDef {
    pub id: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    /// Other headers the departments' workbooks give this column (实际完成, 完成额 …):
    /// an import matches them as it matches the name.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// number (default), count, percent, money, text
    #[serde(rename = "type")]
    pub kind: Option<Spanned<String>>,
    pub unit: Option<String>,
    pub min: Option<Spanned<Num>>,
    pub max: Option<Spanned<Num>>,
    /// The department that supplies it (数据来源), e.g. 行政部.
    pub dept: Option<String>,
    /// Value used when the cell is empty; without it the input is required.
    pub default: Option<Spanned<Num>>,
    /// Entered by each rater separately (`<id>@<rater>` columns), for measured items with raters.
    #[serde(default)]
    pub per_rater: bool,
    /// Prior values the caller supplies: "prev" (上月/上期), "last_year" (去年同期).
    #[serde(default)]
    pub prior: Vec<Spanned<String>>,
    pub note: Option<String>,
}

/// `[[metric]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    pub id: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    pub formula: Spanned<FormulaText>,
    pub unit: Option<String>,
    pub note: Option<String>,
}

/// `[[rater]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaterDef {
    pub id: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    /// Percent (30 = 30%); 0 = the rater's score is shown but not counted.
    pub weight: Spanned<Num>,
    /// A peer group (同事评分): this many colleagues rate, each on a task of their own
    /// (1–50); their answers are shown only as a mean, and only once `min_answers` answered.
    pub peers: Option<Spanned<i64>>,
    /// Answers needed before the peers' mean is shown and counted (default 3, at most `peers`).
    pub min_answers: Option<Spanned<i64>>,
    /// How the peers are chosen: `同部门` / `same_department` (default) or `HR指定` / `hr`.
    pub pick: Option<Spanned<String>>,
}

/// `[[section]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDef {
    pub id: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    /// The section's full marks; default: the sum of its items' points.
    pub points: Option<Spanned<Num>>,
    /// Weight in the total, in percent (80 = 80%).
    pub weight: Option<Spanned<Num>>,
    pub floor: Option<Spanned<Limit>>,
    pub max: Option<Spanned<Limit>>,
    /// Raters for every item of the section that takes a rating.
    #[serde(default)]
    pub raters: Vec<Spanned<String>>,
    /// The department that assesses the section.
    pub dept: Option<String>,
    /// A formula for the section score instead of the sum of its items.
    pub score: Option<Spanned<FormulaText>>,
    pub note: Option<String>,
}

/// One step rule: `{ per = 5, deduct = 3 }` or `{ per = 1, add = 2 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    pub per: Spanned<Num>,
    pub deduct: Option<Spanned<Num>>,
    pub add: Option<Spanned<Num>>,
}

/// A tier: `{ from = 85, to = 90, score = 10, text = "…" }`; `from` counts, `to` does not.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandDef {
    pub from: Option<Spanned<Num>>,
    pub to: Option<Spanned<Num>>,
    pub score: Spanned<Amount>,
    pub text: Option<String>,
}

/// An anchored level: `{ level = 3, score = 15, text = "…" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelDef {
    pub level: Spanned<u32>,
    pub score: Spanned<Num>,
    pub text: Option<String>,
}

/// A letter grade worth a percentage of the points: `{ grade = "良", pct = [80, 90] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeOptionDef {
    pub grade: Spanned<String>,
    pub pct: Spanned<Amount>,
    pub text: Option<String>,
}

/// A checklist criterion: a string, or `{ text = "…", points = 2.5 }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum CriterionDef {
    /// Just the text: worth the item's `each`.
    Text(String),
    /// Text and its own points.
    Full { text: String, points: Num },
}

/// An event: `{ id = "late", name = "迟到", deduct = 1 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventDef {
    pub id: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    /// Points taken per occurrence: a number, or a range the assessor picks from.
    pub deduct: Option<Spanned<Amount>>,
    /// Points given per occurrence.
    pub add: Option<Spanned<Amount>>,
    /// Applies once when this holds, instead of per counted occurrence (a threshold).
    pub when: Option<Spanned<FormulaText>>,
    /// How many times, computed from other inputs instead of entered (e.g. `"due - made"`).
    pub count: Option<Spanned<FormulaText>>,
    /// At most this many points in all from this event (a category cap).
    pub cap: Option<Spanned<Num>>,
    /// Who enters the count.
    pub dept: Option<String>,
}

/// `[[item]]`: one row of the sheet with one scoring rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDef {
    pub id: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    pub section: Option<Spanned<String>>,
    /// Full marks (分值); for a weighted KPI row, its weight.
    pub points: Spanned<Num>,
    /// The standard as printed on the sheet (考核标准).
    pub standard: Option<String>,
    /// The department that supplies or assesses it (考核部门).
    pub dept: Option<String>,
    #[serde(default)]
    pub raters: Vec<Spanned<String>>,
    /// ratio, steps, tiers, levels, rating, grade, checklist, events, adjust, score, formula
    pub rule: Spanned<String>,
    /// Lowest score: default 0 (扣完为止); "none" lets it go negative (并入总分).
    pub floor: Option<Spanned<Limit>>,
    /// Highest score: default the points; "none" for no cap.
    pub max: Option<Spanned<Limit>>,
    /// When the item does not apply: "peer_average" (拿平均分) or "drop" (权重重新分配).
    pub na: Option<Spanned<String>>,
    // --- measured rules: ratio, steps, tiers
    pub measure: Option<Spanned<FormulaText>>,
    pub target: Option<Spanned<FormulaText>>,
    /// "higher" (default) or "lower" is better.
    pub better: Option<Spanned<String>>,
    /// Cap on the achievement in percent (120 = at most 120% of the points).
    pub cap_pct: Option<Spanned<Num>>,
    /// Below this measure the item scores 0 (本项不计分).
    pub zero_below: Option<Spanned<FormulaText>>,
    pub below: Option<Spanned<StepDef>>,
    pub above: Option<Spanned<StepDef>>,
    pub bands: Option<Vec<Spanned<BandDef>>>,
    // --- rated rules
    pub levels: Option<Vec<Spanned<LevelDef>>>,
    pub scale: Option<Spanned<Num>>,
    pub grades: Option<Vec<Spanned<GradeOptionDef>>>,
    pub criteria: Option<Vec<CriterionDef>>,
    pub each: Option<Spanned<Num>>,
    // --- events
    pub events: Option<Vec<Spanned<EventDef>>>,
    /// Where an events item starts: "points" (default when it deducts) or 0.
    pub start: Option<Spanned<Num>>,
    // --- adjust and score
    pub range: Option<Spanned<Amount>>,
    // --- formula
    pub score: Option<Spanned<FormulaText>>,
    pub note: Option<String>,
}

/// `[[grade]]`: `{ name = "优秀", min = 90 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeDef {
    pub name: Spanned<String>,
    pub name_en: Option<String>,
    /// Lowest total for this grade (inclusive); omit on the lowest grade.
    pub min: Option<Spanned<Num>>,
    /// A coefficient the pay formulas can use as `grade_factor`.
    pub factor: Option<Spanned<Num>>,
}

/// `[[pay]]`: `{ id = "bonus", name = "绩效奖金", formula = "total / 100 × base" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayDef {
    pub id: Spanned<String>,
    pub name: String,
    pub name_en: Option<String>,
    pub formula: Spanned<FormulaText>,
    /// Places to round to, half-up (default 2: the fen).
    pub decimals: Option<Spanned<u32>>,
    pub note: Option<String>,
}

/// `[ranking]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingDef {
    /// What to rank by (default `total`).
    pub by: Option<Spanned<FormulaText>>,
    /// "desc" (default: highest first) or "asc".
    pub order: Option<Spanned<String>>,
    /// How many to select (e.g. 1 model worker per group).
    pub top: Option<Spanned<u32>>,
    /// The title given to those selected, e.g. 岗位标兵.
    pub title: Option<String>,
    pub title_en: Option<String>,
}
