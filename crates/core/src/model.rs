//! A checked, compiled template: every name resolved to a slot, every rule ready to run.

use crate::formula::{Expr, Node};
use rust_decimal::Decimal;

/// A formula kept both as written (for explanations) and compiled (for speed).
#[derive(Debug, Clone)]
pub struct Formula {
    /// As written in the template.
    pub text: String,
    /// Parsed.
    pub node: Node,
    /// Compiled to slots.
    pub expr: Expr,
}

/// The appraisal period of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Monthly,
    Quarterly,
    Annual,
    /// Not periodic (an interview).
    Once,
}

impl Period {
    /// Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            Period::Monthly => "月度",
            Period::Quarterly => "季度",
            Period::Annual => "年度",
            Period::Once => "单次",
        }
    }
    /// English label.
    pub fn en(self) -> &'static str {
        match self {
            Period::Monthly => "monthly",
            Period::Quarterly => "quarterly",
            Period::Annual => "annual",
            Period::Once => "one-off",
        }
    }
}

/// What the sheet is.
#[derive(Debug, Clone)]
pub struct Form {
    pub id: String,
    pub title: String,
    pub title_en: Option<String>,
    pub positions: Vec<String>,
    pub period: Period,
    pub total_points: Decimal,
    pub may_exceed_total: bool,
    pub may_go_negative: bool,
    pub decimals: u32,
    pub signatures: Vec<String>,
    pub notes: Option<String>,
    pub source: Option<String>,
}

/// The type of an input cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    /// Any number.
    Number,
    /// A whole number ≥ 0 (occurrences).
    Count,
    /// A percentage, written `95` or `95%`.
    Percent,
    /// Money, in yuan.
    Money,
    /// One of the listed labels (grades 优/良/中 …); stored as its position.
    Choice(Vec<String>),
    /// A set of criterion numbers met, e.g. `1,3,4`; stored as a bit set.
    Set(u32),
    /// Free text (a reason).
    Text,
}

/// Where an input came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Declared with `[[input]]`.
    Declared,
    /// Made for an item's rating or entry.
    Item,
    /// The count of an event.
    Event,
    /// The points an assessor picked within a range.
    Pick,
    /// The reason for an adjustment.
    Reason,
    /// A prior-period value of another input.
    Prior,
}

/// One column of the input for each appraisee.
#[derive(Debug, Clone)]
pub struct Input {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    /// Other headers an import matches to this input (the template's `aliases`).
    pub aliases: Vec<String>,
    pub kind: InputKind,
    pub unit: Option<String>,
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    pub default: Option<Decimal>,
    pub dept: Option<String>,
    /// An empty cell is an error (otherwise it means `default`, or 0).
    pub required: bool,
    /// 不适用 may be written here (every item reading it allows it).
    pub na_ok: bool,
    pub origin: Origin,
    /// The rater whose column this is.
    pub rater: Option<usize>,
    /// The item it belongs to, if any.
    pub item: Option<usize>,
}

/// A value set per cycle, with a default; a column of the same id overrides it per appraisee.
#[derive(Debug, Clone)]
pub struct Param {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub default: Decimal,
    pub unit: Option<String>,
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    pub note: Option<String>,
}

/// A derived value.
#[derive(Debug, Clone)]
pub struct Metric {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub formula: Formula,
    pub unit: Option<String>,
    /// Input slots read, through other metrics too.
    pub reads: Vec<u32>,
    /// Where its value lives in the frame.
    pub slot: u32,
}

/// A rater role.
#[derive(Debug, Clone)]
pub struct Rater {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    /// Share of the rater in percent (or relative).
    pub weight: Decimal,
    /// A peer group (同事评分): several colleagues rate, shown only as their mean.
    pub peers: Option<PeerGroup>,
}

/// A rater role filled by a group of colleagues (`peers = N` on a `[[rater]]`): each rates on
/// a task of their own; the role's column holds their mean once `min_answers` have answered
/// (不适用 before, so the other raters' weights are renormalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerGroup {
    /// How many colleagues rate (1–50).
    pub size: u32,
    /// Answers needed before the mean is shown and counted (1..=size; default 3, or size).
    pub min_answers: u32,
    /// How they are chosen.
    pub pick: PeerPick,
}

/// How a peer group is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerPick {
    /// Colleagues of the appraisee's department, by rotation in 工号 order (同部门).
    SameDepartment,
    /// HR names them on the cycle (HR指定).
    Hr,
}

/// The default `min_answers` of a peer group.
pub const PEER_MIN_ANSWERS: u32 = 3;
/// The largest peer group.
pub const MAX_PEERS: u32 = 50;

/// A part of the sheet.
#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub points: Decimal,
    pub weight: Option<Decimal>,
    pub floor: Option<Decimal>,
    pub max: Option<Decimal>,
    pub dept: Option<String>,
    pub score: Option<Formula>,
    pub items: Vec<usize>,
}

/// Higher or lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// Points per full step.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub per: Decimal,
    /// Signed: negative for a deduction.
    pub points: Decimal,
}

/// A score or a range the assessor picks from.
#[derive(Debug, Clone)]
pub enum ScoreSpec {
    Fixed(Decimal),
    Range(Decimal, Decimal),
    Formula(Formula),
}

/// A tier of a measured or picked rule.
#[derive(Debug, Clone)]
pub struct Band {
    pub from: Option<Decimal>,
    pub to: Option<Decimal>,
    pub score: ScoreSpec,
    pub text: Option<String>,
}

/// An anchored level.
#[derive(Debug, Clone)]
pub struct Level {
    pub level: u32,
    pub score: Decimal,
    pub text: Option<String>,
}

/// A letter grade and its percentage.
#[derive(Debug, Clone)]
pub struct GradeOption {
    pub grade: String,
    pub pct: ScoreSpec,
    pub text: Option<String>,
}

/// A checklist criterion.
#[derive(Debug, Clone)]
pub struct Criterion {
    pub text: String,
    pub points: Decimal,
}

/// How many points an event is worth per occurrence.
#[derive(Debug, Clone)]
pub enum EventPoints {
    Fixed(Decimal),
    /// The assessor enters the total picked, between count×lo and count×hi.
    Range {
        lo: Decimal,
        hi: Decimal,
        picked: u32,
    },
}

/// An event that adds or deducts points.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    /// +1 adds, −1 deducts.
    pub sign: Decimal,
    pub points: EventPoints,
    /// The count input (absent for a threshold event).
    pub count: Option<u32>,
    /// A threshold: applies once when it holds.
    pub when: Option<Formula>,
    /// The count computed by a formula instead of entered.
    pub count_formula: Option<Formula>,
    /// At most this many points in all.
    pub cap: Option<Decimal>,
}

/// The scoring rule of an item, with its slots.
#[derive(Debug, Clone)]
pub enum Rule {
    Ratio {
        measure: Formula,
        target: Formula,
        better: Better,
        cap_pct: Option<Decimal>,
        zero_below: Option<Formula>,
    },
    Steps {
        measure: Formula,
        target: Formula,
        below: Option<Step>,
        above: Option<Step>,
        zero_below: Option<Formula>,
    },
    Tiers {
        /// None: the assessor picks the score and the tier follows from it.
        measure: Option<Formula>,
        bands: Vec<Band>,
        pick: Option<u32>,
    },
    Levels {
        input: u32,
        levels: Vec<Level>,
    },
    Rating {
        input: u32,
        scale: Decimal,
    },
    Grade {
        input: u32,
        options: Vec<GradeOption>,
        pick: Option<u32>,
    },
    Checklist {
        input: u32,
        criteria: Vec<Criterion>,
    },
    Events {
        start: Decimal,
    },
    Adjust {
        input: u32,
        reason: u32,
        lo: Decimal,
        hi: Decimal,
    },
    Score {
        input: u32,
        lo: Decimal,
        hi: Decimal,
    },
    Formula {
        score: Formula,
    },
}

impl Rule {
    /// The rule's name in templates.
    pub fn kind(&self) -> &'static str {
        match self {
            Rule::Ratio { .. } => "ratio",
            Rule::Steps { .. } => "steps",
            Rule::Tiers { .. } => "tiers",
            Rule::Levels { .. } => "levels",
            Rule::Rating { .. } => "rating",
            Rule::Grade { .. } => "grade",
            Rule::Checklist { .. } => "checklist",
            Rule::Events { .. } => "events",
            Rule::Adjust { .. } => "adjust",
            Rule::Score { .. } => "score",
            Rule::Formula { .. } => "formula",
        }
    }
}

/// What to do when an item does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NaPolicy {
    /// Not allowed: 不适用 is an input error.
    Forbidden,
    /// The average of the peers for whom it applies (拿平均分).
    PeerAverage,
    /// Left out; the section is scaled back to its full points.
    Drop,
}

/// A row of the sheet.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub section: usize,
    pub points: Decimal,
    pub standard: Option<String>,
    pub dept: Option<String>,
    pub floor: Option<Decimal>,
    pub max: Option<Decimal>,
    pub na: NaPolicy,
    /// The rule can fall below `floor` (else the check is skipped).
    pub check_floor: bool,
    /// The rule can rise above `max` (else the check is skipped).
    pub check_max: bool,
    /// Raters (indices) in order; empty when the item has one entry.
    pub raters: Vec<usize>,
    /// The rule once per rater (or once), each reading its rater's columns.
    pub rules: Vec<Rule>,
    /// Events, counted once for the item whoever rates it.
    pub events: Vec<Event>,
    /// Every input slot the item reads that no single rater owns, through metrics too
    /// (to detect 不适用).
    pub reads: Vec<u32>,
    /// Per rater (in `raters` order): the slots only that rater fills. A rater whose
    /// column is 不适用 is left out and the others' weights renormalised.
    pub rater_reads: Vec<Vec<u32>>,
    pub note: Option<String>,
}

/// A grade band.
#[derive(Debug, Clone)]
pub struct Grade {
    pub name: String,
    pub name_en: Option<String>,
    pub min: Option<Decimal>,
    pub factor: Decimal,
}

/// A pay line.
#[derive(Debug, Clone)]
pub struct Pay {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub formula: Formula,
    pub decimals: u32,
    pub note: Option<String>,
}

/// Ranking within a group.
#[derive(Debug, Clone)]
pub struct Ranking {
    pub by: Formula,
    pub descending: bool,
    pub top: Option<u32>,
    pub title: Option<String>,
    pub title_en: Option<String>,
}

/// Where each kind of value lives in the evaluation frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    pub params: u32,
    pub metrics: u32,
    pub items: u32,
    pub sections: u32,
    pub total: u32,
    pub grade_factor: u32,
    pub pay: u32,
    pub len: u32,
}

/// A compiled template.
#[derive(Debug, Clone)]
pub struct Template {
    pub form: Form,
    pub inputs: Vec<Input>,
    pub params: Vec<Param>,
    /// In evaluation order.
    pub metrics: Vec<Metric>,
    pub raters: Vec<Rater>,
    pub sections: Vec<Section>,
    pub items: Vec<Item>,
    pub total: Option<Formula>,
    pub grades: Vec<Grade>,
    pub pay: Vec<Pay>,
    pub ranking: Option<Ranking>,
    pub layout: Layout,
    /// Any item with [`NaPolicy::PeerAverage`]: batches then score in two passes.
    pub needs_peers: bool,
}

impl Template {
    /// Index of an input by id.
    pub fn input_index(&self, id: &str) -> Option<usize> {
        self.inputs.iter().position(|i| i.id == id)
    }
    /// Index of an item by id.
    pub fn item_index(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|i| i.id == id)
    }
    /// The input a formula name stands for, with its display names (zh, en). A per-rater
    /// input's columns (`rate@self`, …) stand for it under its own name.
    pub fn input_for_name(&self, n: &str) -> Option<(&Input, String, Option<String>)> {
        let named =
            |i: &&Input| matches!(i.origin, Origin::Declared | Origin::Prior | Origin::Event);
        if let Some(i) = self.inputs.iter().filter(named).find(|i| i.id == n) {
            return Some((i, i.name.clone(), i.name_en.clone()));
        }
        let prefix = format!("{n}@");
        let i = self
            .inputs
            .iter()
            .filter(named)
            .find(|i| i.id.starts_with(&prefix))?;
        let r = &self.raters[i.rater?];
        let name = i
            .name
            .strip_suffix(&format!("({})", r.name))
            .unwrap_or(&i.name)
            .to_string();
        let en_suffix = format!(" ({})", r.name_en.as_deref().unwrap_or(&r.id));
        let name_en = i
            .name_en
            .as_ref()
            .map(|e| e.strip_suffix(&en_suffix).unwrap_or(e).to_string());
        Some((i, name, name_en))
    }

    /// The name of anything with a slot, for explanations.
    pub fn slot_name(&self, slot: u32) -> String {
        let l = &self.layout;
        let s = slot;
        if s < l.params {
            self.inputs[s as usize].name.clone()
        } else if s < l.metrics {
            self.params[(s - l.params) as usize].name.clone()
        } else if s < l.items {
            self.metrics[(s - l.metrics) as usize].name.clone()
        } else if s < l.sections {
            self.items[(s - l.items) as usize].name.clone()
        } else if s < l.total {
            self.sections[(s - l.sections) as usize].name.clone()
        } else if s == l.total {
            "总分".into()
        } else if s == l.grade_factor {
            "等级系数".into()
        } else {
            self.pay[(s - l.pay) as usize].name.clone()
        }
    }
}
