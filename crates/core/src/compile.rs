//! From template text to a checked [`Template`], with every problem reported as a
//! [`Diagnostic`] that points at the place in the file and suggests a fix.

use crate::def::*;
use crate::diag::Diagnostic;
use crate::formula::{self, BinOp, Expr, FormulaError, FormulaErrorKind};
use crate::model::*;
use crate::msg;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

/// The result of checking a template: the compiled template when there is no error,
/// and every diagnostic found.
#[derive(Debug)]
pub struct Checked {
    pub template: Option<Template>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Any error?
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Largest template source accepted, in bytes. The bundled forms are below 40 kB; a
/// megabyte is far more than any sheet needs and keeps a template upload's work bounded.
pub const MAX_SOURCE_BYTES: usize = 1_000_000;
/// Most `[[metric]]` entries in one template.
pub const MAX_METRICS: usize = 2_000;
/// Most `[[item]]` entries in one template.
pub const MAX_ITEMS: usize = 1_000;
/// Most `[[input]]` entries in one template.
pub const MAX_INPUTS: usize = 2_000;
/// Most `[[rater]]` entries in one template (each multiplies the columns of rated items).
pub const MAX_RATERS: usize = 50;
/// Most input columns in all: declared inputs, their prior periods and per-rater copies,
/// and the columns items imply (ratings, picks, reasons, event counts).
pub const MAX_COLUMNS: usize = 10_000;
/// Longest chain of metrics computed from metrics (`a` from `b` from `c` … is a depth
/// of 3). The bundled forms go no deeper than 2.
pub const MAX_METRIC_DEPTH: usize = 64;

/// Parse and check template text.
///
/// The work is bounded by the limits above, each refused with an `E025` diagnostic that
/// names it; nothing here recurses as deep as a file can make it (the metric dependency
/// walk keeps its own stack, and formulas are bounded by [`formula::MAX_LEN`],
/// [`formula::MAX_DEPTH`] and [`formula::MAX_HEIGHT`]).
pub fn check(src: &str) -> Checked {
    if src.len() > MAX_SOURCE_BYTES {
        return Checked {
            template: None,
            diagnostics: vec![
                Diagnostic::error(
                    "E025",
                    msg!(
                        "diag-source-too-large",
                        size = src.len(),
                        limit = MAX_SOURCE_BYTES
                    ),
                    None,
                )
                .with_help(msg!("help-limits")),
            ],
        };
    }
    let def: TemplateDef = match toml::from_str(src) {
        Ok(d) => d,
        Err(e) => {
            let detail = e.message().trim().to_string();
            return Checked {
                template: None,
                diagnostics: vec![
                    Diagnostic::error("E001", msg!("diag-toml", detail = detail), e.span())
                        .with_help(msg!("help-toml")),
                ],
            };
        }
    };
    if let Some(d) = too_many(&def) {
        return Checked {
            template: None,
            diagnostics: vec![d],
        };
    }
    let mut c = Compiler::default();
    let template = c.compile(&def);
    let has_err = c.diags.iter().any(|d| d.is_error());
    c.diags
        .sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
    Checked {
        template: if has_err { None } else { template },
        diagnostics: c.diags,
    }
}

/// Compile, failing with the diagnostics when there is any error.
pub fn compile_str(src: &str) -> Result<Template, Vec<Diagnostic>> {
    let c = check(src);
    match c.template {
        Some(t) => Ok(t),
        None => Err(c.diagnostics),
    }
}

/// The first table of `def` with more entries than its limit, as an `E025` error at the
/// first entry beyond it.
fn too_many(def: &TemplateDef) -> Option<Diagnostic> {
    let over = |what: &'static str, n: usize, limit: usize, span: Option<Range<usize>>| {
        (n > limit).then(|| {
            Diagnostic::error(
                "E025",
                msg!("diag-too-many", what = what, count = n, limit = limit),
                span,
            )
            .with_help(msg!("help-limits"))
        })
    };
    over(
        "[[metric]]",
        def.metric.len(),
        MAX_METRICS,
        def.metric.get(MAX_METRICS).map(Spanned::span),
    )
    .or_else(|| {
        over(
            "[[item]]",
            def.item.len(),
            MAX_ITEMS,
            def.item.get(MAX_ITEMS).map(Spanned::span),
        )
    })
    .or_else(|| {
        over(
            "[[input]]",
            def.input.len(),
            MAX_INPUTS,
            def.input.get(MAX_INPUTS).map(Spanned::span),
        )
    })
    .or_else(|| {
        over(
            "[[rater]]",
            def.rater.len(),
            MAX_RATERS,
            def.rater.get(MAX_RATERS).map(Spanned::span),
        )
    })
}

fn sp<T>(s: &Spanned<T>) -> Option<Range<usize>> {
    Some(s.span())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    Input(u32),
    Param(u32),
    Metric(u32),
    Item(u32),
    Section(u32),
    Total,
    GradeFactor,
    Pay(u32),
}

/// What a formula may refer to, by the stage it runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Metric,
    Item,
    Section,
    Total,
    Pay,
}

impl Name {
    fn allowed_in(self, stage: Stage) -> bool {
        match self {
            Name::Input(_) | Name::Param(_) | Name::Metric(_) => true,
            Name::Item(_) => stage >= Stage::Section,
            Name::Section(_) => stage >= Stage::Total,
            Name::Total | Name::GradeFactor | Name::Pay(_) => stage >= Stage::Pay,
        }
    }
}

#[derive(Default)]
struct Compiler {
    diags: Vec<Diagnostic>,
    names: HashMap<String, Name>,
    inputs: Vec<Input>,
    layout: Layout,
    /// Metric slot → input slots it reads (transitively).
    metric_reads: HashMap<u32, Vec<u32>>,
    /// Inputs entered by each rater (`per_rater = true`): their slot per form rater.
    per_rater: HashMap<String, Vec<u32>>,
    /// The rater whose rule is being compiled, if any.
    rater_ctx: Option<usize>,
    /// English names by Chinese name (items, sections, metrics, pay lines, events), so a
    /// diagnostic about a formula names its owner in the reader's language.
    en_names: HashMap<String, String>,
}

fn is_valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !matches!(
            s,
            "and" | "or" | "not" | "且" | "或" | "非" | "total" | "grade_factor"
        )
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest of `candidates` to `name`, if close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= (name.chars().count().max(c.chars().count()) / 2).clamp(1, 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn fmt_d(d: Decimal) -> String {
    crate::num::fmt(d)
}

// Bounds: None = unbounded on that side.
type Bound = (Option<Decimal>, Option<Decimal>);

fn b_add(a: Bound, b: Bound) -> Bound {
    (
        a.0.zip(b.0).and_then(|(x, y)| x.checked_add(y)),
        a.1.zip(b.1).and_then(|(x, y)| x.checked_add(y)),
    )
}
fn b_neg(a: Bound) -> Bound {
    (a.1.map(|x| -x), a.0.map(|x| -x))
}
/// `a × b` of two bounds; a product beyond `Decimal`'s range leaves that side unbounded.
fn b_mul(a: Bound, b: Bound) -> Bound {
    match (a, b) {
        ((Some(a0), Some(a1)), (Some(b0), Some(b1))) => {
            let p = [
                a0.checked_mul(b0),
                a0.checked_mul(b1),
                a1.checked_mul(b0),
                a1.checked_mul(b1),
            ];
            if p.iter().any(Option::is_none) {
                return (None, None);
            }
            (
                p.iter().flatten().min().copied(),
                p.iter().flatten().max().copied(),
            )
        }
        ((Some(a0), a1), (Some(k0), Some(k1))) | ((Some(k0), Some(k1)), (Some(a0), a1))
            if k0 == k1 && k0 >= Decimal::ZERO =>
        {
            (a0.checked_mul(k0), a1.and_then(|x| x.checked_mul(k0)))
        }
        ((a0, Some(a1)), (Some(k0), Some(k1))) | ((Some(k0), Some(k1)), (a0, Some(a1)))
            if k0 == k1 && k0 >= Decimal::ZERO =>
        {
            (a0.and_then(|x| x.checked_mul(k0)), a1.checked_mul(k0))
        }
        _ => (None, None),
    }
}

/// A sum of numbers a template declares, saturating at `Decimal`'s range rather than
/// panicking: a sum that large fails the check it is compared in.
fn sat_sum(terms: impl IntoIterator<Item = Decimal>) -> Decimal {
    terms
        .into_iter()
        .fold(Decimal::ZERO, |a, b| a.saturating_add(b))
}

/// `p × x / 100` for the checker's bounds: `None` (unbounded) beyond `Decimal`'s range.
fn pct_of(p: Decimal, x: Decimal) -> Option<Decimal> {
    p.checked_mul(x)?.checked_div(Decimal::ONE_HUNDRED)
}
fn b_union(a: Bound, b: Bound) -> Bound {
    (
        a.0.zip(b.0).map(|(x, y)| x.min(y)),
        a.1.zip(b.1).map(|(x, y)| x.max(y)),
    )
}

/// Interval of an expression given bounds of its slots.
fn bounds(e: &Expr, slot: &dyn Fn(u32) -> Bound) -> Bound {
    match e {
        Expr::Const(d) => (Some(*d), Some(*d)),
        Expr::Slot(i) => slot(*i),
        Expr::Neg(a) => b_neg(bounds(a, slot)),
        Expr::Not(_) => (Some(Decimal::ZERO), Some(Decimal::ONE)),
        Expr::Shift(a, k) => {
            let f = Decimal::new(1, *k);
            b_mul(bounds(a, slot), (Some(f), Some(f)))
        }
        Expr::Scale(a, k) => {
            let f = Decimal::from(10i64.pow(*k));
            b_mul(bounds(a, slot), (Some(f), Some(f)))
        }
        Expr::Bin(op, a, b) => {
            let (x, y) = (bounds(a, slot), bounds(b, slot));
            match op {
                BinOp::Add => b_add(x, y),
                BinOp::Sub => b_add(x, b_neg(y)),
                BinOp::Mul => b_mul(x, y),
                BinOp::Div => match y {
                    (Some(k0), Some(k1)) if k0 == k1 && k0 > Decimal::ZERO => {
                        match Decimal::ONE.checked_div(k0) {
                            Some(inv) => b_mul(x, (Some(inv), Some(inv))),
                            None => (None, None),
                        }
                    }
                    _ => (None, None),
                },
                _ => (Some(Decimal::ZERO), Some(Decimal::ONE)),
            }
        }
        Expr::If(_, a, b) => b_union(bounds(a, slot), bounds(b, slot)),
        Expr::Min(v) => v
            .iter()
            .map(|e| bounds(e, slot))
            .reduce(|a, b| {
                (
                    match (a.0, b.0) {
                        (Some(x), Some(y)) => Some(x.min(y)),
                        _ => None,
                    },
                    match (a.1, b.1) {
                        (Some(x), Some(y)) => Some(x.min(y)),
                        (Some(x), None) | (None, Some(x)) => Some(x),
                        _ => None,
                    },
                )
            })
            .unwrap_or((None, None)),
        Expr::Max(v) => v
            .iter()
            .map(|e| bounds(e, slot))
            .reduce(|a, b| {
                (
                    match (a.0, b.0) {
                        (Some(x), Some(y)) => Some(x.max(y)),
                        (Some(x), None) | (None, Some(x)) => Some(x),
                        _ => None,
                    },
                    match (a.1, b.1) {
                        (Some(x), Some(y)) => Some(x.max(y)),
                        _ => None,
                    },
                )
            })
            .unwrap_or((None, None)),
        Expr::Abs(a) => {
            let (lo, hi) = bounds(a, slot);
            let hi = lo.zip(hi).map(|(l, h)| l.abs().max(h.abs()));
            (Some(Decimal::ZERO), hi)
        }
        Expr::Round(a, _) | Expr::Floor(a) | Expr::Ceil(a) => {
            let (lo, hi) = bounds(a, slot);
            (lo.map(|x| x.floor()), hi.map(|x| x.ceil()))
        }
        Expr::Clamp(x, lo, hi) => {
            let (x, lo, hi) = (bounds(x, slot), bounds(lo, slot), bounds(hi, slot));
            let low = match (x.0, lo.0) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (None, b) => b,
                (a, None) => a,
            };
            let high = match (x.1, hi.1) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (None, b) => b,
                (a, None) => a,
            };
            (low, high)
        }
    }
}

struct ItemPlan<'a> {
    def: &'a ItemDef,
    span: Range<usize>,
    section: usize,
    raters: Vec<usize>,
}

impl Compiler {
    /// The English name of what the template calls `zh`, where it gives one.
    fn en_of(&self, zh: &str) -> String {
        self.en_names
            .get(zh)
            .cloned()
            .unwrap_or_else(|| zh.to_string())
    }
    fn err(
        &mut self,
        code: &'static str,
        m: crate::i18n::Msg,
        span: Option<Range<usize>>,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(code, m, span));
        self.diags.last_mut().expect("just pushed")
    }
    fn warn(
        &mut self,
        code: &'static str,
        m: crate::i18n::Msg,
        span: Option<Range<usize>>,
    ) -> &mut Diagnostic {
        self.diags.push(Diagnostic::warning(code, m, span));
        self.diags.last_mut().expect("just pushed")
    }

    /// A `[[rater]]`'s peer group (`peers`, `min_answers`, `pick`), checked.
    fn peer_group(&mut self, rd: &RaterDef) -> Option<PeerGroup> {
        let Some(n) = &rd.peers else {
            for (field, span) in [
                ("min_answers", rd.min_answers.as_ref().map(Spanned::span)),
                ("pick", rd.pick.as_ref().map(Spanned::span)),
            ] {
                if let Some(span) = span {
                    self.err(
                        "E026",
                        msg!("diag-peers-without", field = field),
                        Some(span),
                    )
                    .help = Some(msg!("help-peers"));
                }
            }
            return None;
        };
        let mut ok = true;
        if rd.id.get_ref() == "self" {
            self.err("E026", msg!("diag-peers-self"), sp(n)).help = Some(msg!("help-peers"));
            ok = false;
        }
        let size = *n.get_ref();
        if !(1..=i64::from(MAX_PEERS)).contains(&size) {
            self.err(
                "E026",
                msg!("diag-peers-size", n = size, max = i64::from(MAX_PEERS)),
                sp(n),
            )
            .help = Some(msg!("help-peers"));
            ok = false;
        }
        let size = size.clamp(1, i64::from(MAX_PEERS)) as u32;
        let min = match &rd.min_answers {
            Some(k) => {
                let v = *k.get_ref();
                if !(1..=i64::from(size)).contains(&v) {
                    self.err(
                        "E026",
                        msg!("diag-peers-min", k = v, n = i64::from(size)),
                        sp(k),
                    )
                    .help = Some(msg!("help-peers"));
                    ok = false;
                }
                v.clamp(1, i64::from(size)) as u32
            }
            None => PEER_MIN_ANSWERS.min(size),
        };
        let pick = match rd.pick.as_ref().map(|p| p.get_ref().trim()) {
            None | Some("同部门") | Some("same_department") => PeerPick::SameDepartment,
            Some("HR指定") | Some("hr") => PeerPick::Hr,
            Some(other) => {
                self.err(
                    "E006",
                    msg!(
                        "diag-bad-choice",
                        field = "pick",
                        value = other,
                        choices = "同部门 (same_department), HR指定 (hr)"
                    ),
                    rd.pick.as_ref().and_then(sp),
                );
                ok = false;
                PeerPick::SameDepartment
            }
        };
        ok.then_some(PeerGroup {
            size,
            min_answers: min,
            pick,
        })
    }

    /// A peer group's column holds the mean of its answers, so what each peer enters must be
    /// a number (a grade's name or a checklist has no mean), and an item must not rest on
    /// the peers alone (below `min_answers` their column is 不适用).
    fn check_peer_columns(&mut self, def: &TemplateDef, raters: &[Rater], items: &[Item]) {
        let span_of = |r: usize| def.rater[r].get_ref().peers.as_ref().and_then(sp);
        let mut bad: Vec<(usize, String)> = Vec::new();
        for inp in &self.inputs {
            let (Some(r), Some(i)) = (inp.rater, inp.item) else {
                continue;
            };
            if raters[r].peers.is_some()
                && matches!(inp.kind, InputKind::Choice(_) | InputKind::Set(_))
                && !bad.iter().any(|(x, n)| *x == r && *n == items[i].name)
            {
                bad.push((r, items[i].name.clone()));
            }
        }
        let rater_en = |r: &Rater| r.name_en.clone().unwrap_or_else(|| r.id.clone());
        for (r, item) in bad {
            let m = msg!("diag-peers-number", item = item, rater = raters[r].name)
                .en_arg("item", self.en_of(&item))
                .en_arg("rater", rater_en(&raters[r]));
            self.err("E026", m, span_of(r)).help = Some(msg!("help-peers"));
        }
        for it in items {
            if let [r] = it.raters.as_slice()
                && raters[*r].peers.is_some()
                && it.na == NaPolicy::Forbidden
            {
                let m = msg!("diag-peers-alone", item = it.name, rater = raters[*r].name)
                    .en_arg("item", self.en_of(&it.name))
                    .en_arg("rater", rater_en(&raters[*r]));
                self.err("E026", m, span_of(*r)).help = Some(msg!("help-peers"));
            }
        }
    }

    fn check_id(&mut self, id: &Spanned<String>) -> bool {
        if !is_valid_id(id.get_ref()) {
            self.err("E022", msg!("diag-bad-id", id = id.get_ref()), sp(id))
                .help = Some(msg!("help-bad-id"));
            return false;
        }
        true
    }

    fn declare(&mut self, id: &Spanned<String>, name: Name) {
        if !self.check_id(id) {
            return;
        }
        if self.names.contains_key(id.get_ref()) {
            self.err("E002", msg!("diag-duplicate-id", id = id.get_ref()), sp(id))
                .help = Some(msg!("help-duplicate-id"));
            return;
        }
        self.names.insert(id.get_ref().clone(), name);
    }

    fn add_input(&mut self, input: Input) -> u32 {
        self.inputs.push(input);
        (self.inputs.len() - 1) as u32
    }

    fn slot_of(&self, n: Name) -> u32 {
        let l = &self.layout;
        match n {
            Name::Input(i) => i,
            Name::Param(i) => l.params + i,
            Name::Metric(i) => l.metrics + i,
            Name::Item(i) => l.items + i,
            Name::Section(i) => l.sections + i,
            Name::Total => l.total,
            Name::GradeFactor => l.grade_factor,
            Name::Pay(i) => l.pay + i,
        }
    }

    /// Parse and resolve a formula; on error report it at the character and return None.
    fn formula(
        &mut self,
        text: &Spanned<FormulaText>,
        stage: Stage,
        what: &str,
    ) -> Option<Formula> {
        let src = &text.get_ref().0;
        let span = text.span();
        // Inside a quoted TOML string the formula starts one byte after the quote.
        let base = span.start + usize::from(span.end - span.start > src.len());
        let at =
            |e: &FormulaError| Some(base + e.span.start..base + e.span.end.max(e.span.start + 1));
        let node = match formula::parse(src) {
            Ok(n) => n,
            Err(e) => {
                let d = Diagnostic::error(
                    "E004",
                    msg!("diag-formula", what = what, detail = formula_error_zh(&e))
                        .en_arg("what", self.en_of(what)),
                    at(&e),
                )
                .with_help(msg!("help-formula", detail = e.to_string()));
                self.diags.push(d);
                return None;
            }
        };
        let mut bad: Option<(FormulaError, bool)> = None;
        let names = &self.names;
        let me = &*self;
        let span_of = |n: &str| {
            node.names()
                .iter()
                .find(|(x, _)| *x == n)
                .map(|(_, s)| *s)
                .unwrap_or(formula::Span { start: 0, end: 0 })
        };
        let expr = formula::compile(&node, &mut |n| {
            if let Some(slots) = me.per_rater.get(n) {
                return match me.rater_ctx {
                    Some(r) => slots.get(r).copied(),
                    None => {
                        bad.get_or_insert((
                            FormulaError {
                                span: span_of(n),
                                kind: FormulaErrorKind::UnknownName(n.to_string()),
                            },
                            false,
                        ));
                        slots.first().copied()
                    }
                };
            }
            let name = names.get(n).copied()?;
            if !name.allowed_in(stage) {
                bad.get_or_insert((
                    FormulaError {
                        span: node
                            .names()
                            .iter()
                            .find(|(x, _)| *x == n)
                            .map(|(_, s)| *s)
                            .unwrap_or(formula::Span { start: 0, end: 0 }),
                        kind: FormulaErrorKind::UnknownName(n.to_string()),
                    },
                    true,
                ));
            }
            Some(me.slot_of(name))
        });
        if let Some((e, false)) = &bad {
            let FormulaErrorKind::UnknownName(n) = &e.kind else {
                unreachable!()
            };
            let d = Diagnostic::error(
                "E024",
                msg!("diag-per-rater", name = n.clone(), what = what),
                at(e),
            )
            .with_help(msg!("help-per-rater"));
            self.diags.push(d);
            return None;
        }
        if let Some((e, scope)) = bad
            && scope
        {
            let FormulaErrorKind::UnknownName(n) = &e.kind else {
                unreachable!()
            };
            let d = Diagnostic::error(
                "E023",
                msg!("diag-scope", name = n.clone(), what = what).en_arg("what", self.en_of(what)),
                at(&e),
            )
            .with_help(msg!("help-scope"));
            self.diags.push(d);
            return None;
        }
        match expr {
            Ok(expr) => Some(Formula {
                text: src.clone(),
                node,
                expr,
            }),
            Err(e) => {
                let FormulaErrorKind::UnknownName(n) = &e.kind else {
                    let d = Diagnostic::error(
                        "E004",
                        msg!("diag-formula", what = what, detail = formula_error_zh(&e))
                            .en_arg("what", self.en_of(what)),
                        at(&e),
                    );
                    self.diags.push(d);
                    return None;
                };
                let mut d = Diagnostic::error(
                    "E003",
                    msg!("diag-unknown-name", name = n.clone(), what = what)
                        .en_arg("what", self.en_of(what)),
                    at(&e),
                );
                d.help = Some(match suggest(n, self.names.keys().map(String::as_str)) {
                    Some(s) => msg!("help-did-you-mean", name = s),
                    None => msg!("help-unknown-name"),
                });
                self.diags.push(d);
                None
            }
        }
    }

    fn compile(&mut self, def: &TemplateDef) -> Option<Template> {
        let mut en = |zh: &str, e: &Option<String>| {
            if let Some(e) = e {
                self.en_names.insert(zh.to_string(), e.clone());
            }
        };
        for d in &def.item {
            let d = d.get_ref();
            en(&d.name, &d.name_en);
            for ev in d.events.iter().flatten() {
                en(&ev.get_ref().name, &ev.get_ref().name_en);
            }
        }
        for d in &def.section {
            en(&d.get_ref().name, &d.get_ref().name_en);
        }
        for d in &def.metric {
            en(&d.get_ref().name, &d.get_ref().name_en);
        }
        for d in &def.pay {
            en(&d.get_ref().name, &d.get_ref().name_en);
        }
        let form = self.form(def);

        // Raters.
        let mut raters = Vec::new();
        let mut rater_ids: HashMap<String, usize> = HashMap::new();
        for r in &def.rater {
            let rd = r.get_ref();
            if rater_ids
                .insert(rd.id.get_ref().clone(), raters.len())
                .is_some()
            {
                self.err(
                    "E002",
                    msg!("diag-duplicate-id", id = rd.id.get_ref()),
                    sp(&rd.id),
                );
            }
            self.check_id(&rd.id);
            let peers = self.peer_group(rd);
            raters.push(Rater {
                id: rd.id.get_ref().clone(),
                name: rd.name.clone(),
                name_en: rd.name_en.clone(),
                weight: rd.weight.get_ref().0,
                peers,
            });
        }
        let relative = match def
            .form
            .get_ref()
            .rater_weights
            .as_ref()
            .map(|s| s.get_ref().as_str())
        {
            None | Some("percent") => false,
            Some("relative") => true,
            Some(other) => {
                let s = def.form.get_ref().rater_weights.as_ref().and_then(sp);
                self.err(
                    "E006",
                    msg!(
                        "diag-bad-choice",
                        field = "rater_weights",
                        value = other,
                        choices = "percent, relative"
                    ),
                    s,
                );
                false
            }
        };
        if !raters.is_empty() && !relative {
            let sum = sat_sum(raters.iter().map(|r| r.weight));
            if sum != Decimal::ONE_HUNDRED {
                self.err(
                    "E010",
                    msg!("diag-rater-weights", sum = fmt_d(sum)),
                    sp(&def.rater[0]),
                )
                .help = Some(msg!("help-rater-weights"));
            }
        }
        for r in &def.rater {
            if r.get_ref().weight.get_ref().0 < Decimal::ZERO {
                self.err(
                    "E008",
                    msg!("diag-negative", field = "weight"),
                    sp(&r.get_ref().weight),
                );
            }
        }

        // Sections (an implicit one when the sheet has none).
        let mut sections: Vec<Section> = Vec::new();
        let mut section_ids: HashMap<String, usize> = HashMap::new();
        let mut section_raters: Vec<Vec<usize>> = Vec::new();
        for s in &def.section {
            let sd = s.get_ref();
            section_ids.insert(sd.id.get_ref().clone(), sections.len());
            let rs = self.rater_list(&sd.raters, &rater_ids);
            section_raters.push(rs);
            sections.push(Section {
                id: sd.id.get_ref().clone(),
                name: sd.name.clone(),
                name_en: sd.name_en.clone(),
                points: sd.points.as_ref().map_or(Decimal::ZERO, |p| p.get_ref().0),
                weight: sd.weight.as_ref().map(|w| w.get_ref().0),
                floor: sd.floor.as_ref().and_then(|f| limit(*f.get_ref())),
                max: sd.max.as_ref().and_then(|f| limit(*f.get_ref())),
                dept: sd.dept.clone(),
                score: None,
                items: Vec::new(),
            });
        }
        if sections.is_empty() {
            sections.push(Section {
                id: "all".into(),
                name: "考核项目".into(),
                name_en: Some("Items".into()),
                points: Decimal::ZERO,
                weight: None,
                floor: None,
                max: None,
                dept: None,
                score: None,
                items: Vec::new(),
            });
            section_raters.push(Vec::new());
        }

        // Declared inputs, with their prior-period companions.
        for i in &def.input {
            let d = i.get_ref();
            let kind = match d.kind.as_ref().map(|k| k.get_ref().as_str()) {
                None | Some("number") => InputKind::Number,
                Some("count") => InputKind::Count,
                Some("percent") => InputKind::Percent,
                Some("money") => InputKind::Money,
                Some("text") => InputKind::Text,
                Some(other) => {
                    self.err(
                        "E006",
                        msg!(
                            "diag-bad-choice",
                            field = "type",
                            value = other,
                            choices = "number, count, percent, money, text"
                        ),
                        d.kind.as_ref().and_then(sp),
                    );
                    InputKind::Number
                }
            };
            let (min, max) = (
                d.min.as_ref().map(|m| m.get_ref().0),
                d.max.as_ref().map(|m| m.get_ref().0),
            );
            let min = min.or(if kind == InputKind::Count || kind == InputKind::Money {
                Some(Decimal::ZERO)
            } else {
                None
            });
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                self.err(
                    "E008",
                    msg!("diag-min-max", lo = fmt_d(lo), hi = fmt_d(hi)),
                    d.min.as_ref().and_then(sp),
                )
                .help = Some(msg!("help-min-max"));
            }
            let is_text = kind == InputKind::Text;
            let base = Input {
                id: d.id.get_ref().clone(),
                name: d.name.clone(),
                name_en: d.name_en.clone(),
                aliases: d.aliases.clone(),
                kind,
                unit: d.unit.clone(),
                min,
                max,
                default: d.default.as_ref().map(|x| x.get_ref().0),
                dept: d.dept.clone(),
                // Text (a comment, a reason) may always be left empty.
                required: d.default.is_none() && !is_text,
                na_ok: false,
                origin: Origin::Declared,
                rater: None,
                item: None,
            };
            if d.per_rater {
                if raters.is_empty() {
                    self.err(
                        "E024",
                        msg!("diag-per-rater-none", name = d.id.get_ref()),
                        sp(&d.id),
                    )
                    .help = Some(msg!("help-per-rater"));
                }
                let mut slots = Vec::new();
                for r in &raters {
                    slots.push(self.add_input(Input {
                        id: format!("{}@{}", base.id, r.id),
                        name: format!("{}({})", base.name, r.name),
                        name_en: Some(format!(
                            "{} ({})",
                            base.name_en.as_deref().unwrap_or(&base.id),
                            r.name_en.as_deref().unwrap_or(&r.id)
                        )),
                        rater: Some(slots.len()),
                        aliases: Vec::new(),
                        ..base.clone()
                    }));
                }
                if let Some(&first) = slots.first() {
                    self.declare(&d.id, Name::Input(first));
                }
                self.per_rater.insert(base.id.clone(), slots);
                continue;
            }
            let slot = self.add_input(base.clone());
            self.declare(&d.id, Name::Input(slot));
            for p in &d.prior {
                let (suffix, zh, en) = match p.get_ref().as_str() {
                    "prev" => ("prev", "上期", "previous period"),
                    "last_year" => ("last_year", "去年同期", "same period last year"),
                    other => {
                        self.err(
                            "E006",
                            msg!(
                                "diag-bad-choice",
                                field = "prior",
                                value = other,
                                choices = "prev, last_year"
                            ),
                            sp(p),
                        );
                        continue;
                    }
                };
                let id = format!("{}.{suffix}", base.id);
                let slot = self.add_input(Input {
                    id: id.clone(),
                    name: format!("{}({zh})", base.name),
                    name_en: Some(format!(
                        "{} ({en})",
                        base.name_en.as_deref().unwrap_or(&base.id)
                    )),
                    origin: Origin::Prior,
                    aliases: Vec::new(),
                    ..base.clone()
                });
                self.names.insert(id, Name::Input(slot));
            }
        }

        // Items: place them, then create the inputs their rules take.
        let mut plans: Vec<ItemPlan> = Vec::new();
        for it in &def.item {
            let d = it.get_ref();
            let section = match &d.section {
                Some(s) => match section_ids.get(s.get_ref()) {
                    Some(&i) => i,
                    None => {
                        let help =
                            match suggest(s.get_ref(), section_ids.keys().map(String::as_str)) {
                                Some(x) => msg!("help-did-you-mean", name = x),
                                None => msg!("help-unknown-section"),
                            };
                        self.err(
                            "E003",
                            msg!("diag-unknown-section", name = s.get_ref()),
                            sp(s),
                        )
                        .help = Some(help);
                        0
                    }
                },
                None => {
                    if def.section.len() > 1 {
                        self.err(
                            "E007",
                            msg!("diag-missing-field", field = "section", rule = "item"),
                            sp(&d.id),
                        );
                    }
                    0
                }
            };
            let mut rs = self.rater_list(&d.raters, &rater_ids);
            if rs.is_empty() && takes_rating(d.rule.get_ref()) {
                rs = section_raters[section].clone();
            }
            plans.push(ItemPlan {
                def: d,
                span: it.span(),
                section,
                raters: rs,
            });
        }
        let mut item_inputs: Vec<ItemInputs> = Vec::new();
        for (idx, p) in plans.iter().enumerate() {
            let ii = self.item_inputs(idx, p, &raters);
            item_inputs.push(ii);
        }
        if self.inputs.len() > MAX_COLUMNS {
            self.err(
                "E025",
                msg!(
                    "diag-too-many",
                    what = "输入列",
                    count = self.inputs.len(),
                    limit = MAX_COLUMNS
                )
                .en_arg("what", "input columns"),
                None,
            )
            .help = Some(msg!("help-limits"));
            return None;
        }

        // Layout: [inputs | params | metrics | items | sections | total | grade_factor | pay].
        let n_inputs = self.inputs.len() as u32;
        let n_params = def.param.len() as u32;
        let n_metrics = def.metric.len() as u32;
        let n_items = plans.len() as u32;
        let n_sections = sections.len() as u32;
        self.layout = Layout {
            params: n_inputs,
            metrics: n_inputs + n_params,
            items: n_inputs + n_params + n_metrics,
            sections: n_inputs + n_params + n_metrics + n_items,
            total: n_inputs + n_params + n_metrics + n_items + n_sections,
            grade_factor: n_inputs + n_params + n_metrics + n_items + n_sections + 1,
            pay: n_inputs + n_params + n_metrics + n_items + n_sections + 2,
            len: n_inputs + n_params + n_metrics + n_items + n_sections + 2 + def.pay.len() as u32,
        };

        // Params.
        let mut params = Vec::new();
        for (i, p) in def.param.iter().enumerate() {
            let d = p.get_ref();
            self.declare(&d.id, Name::Param(i as u32));
            let (min, max) = (
                d.min.as_ref().map(|m| m.get_ref().0),
                d.max.as_ref().map(|m| m.get_ref().0),
            );
            let dv = d.default.get_ref().0;
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                self.err(
                    "E008",
                    msg!("diag-min-max", lo = fmt_d(lo), hi = fmt_d(hi)),
                    d.min.as_ref().and_then(sp),
                );
            }
            if min.is_some_and(|m| dv < m) || max.is_some_and(|m| dv > m) {
                self.err(
                    "E008",
                    msg!("diag-default-range", value = fmt_d(dv)),
                    sp(&d.default),
                );
            }
            params.push(Param {
                id: d.id.get_ref().clone(),
                name: d.name.clone(),
                name_en: d.name_en.clone(),
                default: dv,
                unit: d.unit.clone(),
                min,
                max,
                note: d.note.clone(),
            });
        }
        // Names of metrics, items, sections, pay: declared before any formula so order does not matter.
        for (i, m) in def.metric.iter().enumerate() {
            self.declare(&m.get_ref().id, Name::Metric(i as u32));
        }
        for (i, p) in plans.iter().enumerate() {
            self.declare(&p.def.id, Name::Item(i as u32));
        }
        for (i, s) in def.section.iter().enumerate() {
            self.declare(&s.get_ref().id, Name::Section(i as u32));
        }
        for (i, p) in def.pay.iter().enumerate() {
            self.declare(&p.get_ref().id, Name::Pay(i as u32));
        }
        for ii in &item_inputs {
            for (id, slot, span) in &ii.named {
                if self.names.contains_key(id) {
                    self.err(
                        "E002",
                        msg!("diag-duplicate-id", id = id.clone()),
                        Some(span.clone()),
                    );
                } else {
                    self.names.insert(id.clone(), Name::Input(*slot));
                }
            }
        }
        self.names.insert("total".into(), Name::Total);
        self.names.insert("grade_factor".into(), Name::GradeFactor);

        // Metrics, in dependency order; cycles reported.
        let metrics = self.metrics(def);

        // Items.
        let mut items = Vec::new();
        for (idx, (p, ii)) in plans.iter().zip(item_inputs).enumerate() {
            let item = self.item(idx, p, ii);
            sections[p.section].items.push(idx);
            items.push(item);
        }
        // Which inputs may be 不适用.
        let mut na_ok = vec![None::<bool>; self.inputs.len()];
        for it in &items {
            for &r in &it.reads {
                let ok = it.na != NaPolicy::Forbidden;
                let e = &mut na_ok[r as usize];
                *e = Some(e.unwrap_or(true) && ok);
            }
            // An absent rater (不适用) is left out when others remain.
            for rr in &it.rater_reads {
                for &r in rr {
                    let ok = it.raters.len() >= 2 || it.na != NaPolicy::Forbidden;
                    let e = &mut na_ok[r as usize];
                    *e = Some(e.unwrap_or(true) && ok);
                }
            }
        }
        for (inp, ok) in self.inputs.iter_mut().zip(na_ok) {
            inp.na_ok = ok.unwrap_or(false);
        }

        // Sections: points, weights, formulas.
        for (i, s) in def.section.iter().enumerate() {
            let d = s.get_ref();
            let item_sum = sat_sum(sections[i].items.iter().map(|&k| items[k].points));
            match &d.points {
                Some(p) => {
                    if p.get_ref().0 != item_sum && d.score.is_none() {
                        self.err(
                            "E015",
                            msg!(
                                "diag-section-sum",
                                section = d.name.clone(),
                                points = fmt_d(p.get_ref().0),
                                sum = fmt_d(item_sum)
                            ),
                            sp(p),
                        )
                        .help = Some(msg!("help-section-sum"));
                    }
                }
                None => sections[i].points = item_sum,
            }
            if let Some(f) = &d.score {
                sections[i].score = self.formula(f, Stage::Section, &d.name);
            }
        }
        if def.section.is_empty() {
            sections[0].points = sat_sum(items.iter().map(|i| i.points));
        }
        let weighted: Vec<_> = def
            .section
            .iter()
            .filter(|s| s.get_ref().weight.is_some())
            .collect();
        if !weighted.is_empty() {
            if weighted.len() != def.section.len() {
                let s = def
                    .section
                    .iter()
                    .find(|s| s.get_ref().weight.is_none())
                    .map(|s| s.span());
                self.err("E009", msg!("diag-section-weight-missing"), s)
                    .help = Some(msg!("help-section-weights"));
            } else {
                let sum = sat_sum(weighted.iter().map(|s| {
                    s.get_ref()
                        .weight
                        .as_ref()
                        .map_or(Decimal::ZERO, |w| w.get_ref().0)
                }));
                if sum != Decimal::ONE_HUNDRED && def.form.get_ref().total.is_none() {
                    self.err(
                        "E009",
                        msg!("diag-section-weights", sum = fmt_d(sum)),
                        sp(&def.section[0]),
                    )
                    .help = Some(msg!("help-section-weights"));
                }
            }
        }

        let total = def
            .form
            .get_ref()
            .total
            .as_ref()
            .and_then(|t| self.formula(t, Stage::Total, "总分 total"));

        // Grades, highest first.
        let mut grades = Vec::new();
        let mut last_min: Option<Decimal> = None;
        for (i, g) in def.grade.iter().enumerate() {
            let d = g.get_ref();
            let min = d.min.as_ref().map(|m| m.get_ref().0);
            match (min, last_min) {
                (Some(m), Some(l)) if m >= l => {
                    self.err(
                        "E016",
                        msg!("diag-grade-order", grade = d.name.get_ref()),
                        sp(&d.name),
                    )
                    .help = Some(msg!("help-grade-order"));
                }
                (None, _) if i + 1 != def.grade.len() => {
                    self.err(
                        "E016",
                        msg!("diag-grade-open", grade = d.name.get_ref()),
                        sp(&d.name),
                    )
                    .help = Some(msg!("help-grade-order"));
                }
                _ => {}
            }
            if min.is_some() {
                last_min = min;
            }
            grades.push(Grade {
                name: d.name.get_ref().clone(),
                name_en: d.name_en.clone(),
                min,
                factor: d.factor.as_ref().map_or(Decimal::ONE, |f| f.get_ref().0),
            });
        }

        let mut pay = Vec::new();
        for p in &def.pay {
            let d = p.get_ref();
            let f = self.formula(&d.formula, Stage::Pay, &d.name);
            if let Some(f) = f {
                pay.push(Pay {
                    id: d.id.get_ref().clone(),
                    name: d.name.clone(),
                    name_en: d.name_en.clone(),
                    formula: f,
                    decimals: d.decimals.as_ref().map_or(2, |x| *x.get_ref()),
                    note: d.note.clone(),
                });
            }
        }

        let ranking = def.ranking.as_ref().and_then(|r| {
            let d = r.get_ref();
            let by = match &d.by {
                Some(b) => self.formula(b, Stage::Pay, "排名 ranking")?,
                None => {
                    let node = formula::parse("total").ok()?;
                    let expr = Expr::Slot(self.layout.total);
                    Formula {
                        text: "total".into(),
                        node,
                        expr,
                    }
                }
            };
            let descending = match d.order.as_ref().map(|o| o.get_ref().as_str()) {
                None | Some("desc") => true,
                Some("asc") => false,
                Some(other) => {
                    self.err(
                        "E006",
                        msg!(
                            "diag-bad-choice",
                            field = "order",
                            value = other,
                            choices = "desc, asc"
                        ),
                        d.order.as_ref().and_then(sp),
                    );
                    true
                }
            };
            Some(Ranking {
                by,
                descending,
                top: d.top.as_ref().map(|t| *t.get_ref()),
                title: d.title.clone(),
                title_en: d.title_en.clone(),
            })
        });

        self.check_peer_columns(def, &raters, &items);
        let form = form?;
        let needs_peers = items.iter().any(|i| i.na == NaPolicy::PeerAverage);
        let t = Template {
            form,
            inputs: std::mem::take(&mut self.inputs),
            params,
            metrics,
            raters,
            sections,
            items,
            total,
            grades,
            pay,
            ranking,
            layout: self.layout,
            needs_peers,
        };
        let mut t = t;
        if !self.diags.iter().any(|d| d.is_error()) {
            let raw = self.reachability(&t, def);
            for (it, (lo, hi)) in t.items.iter_mut().zip(raw) {
                it.check_floor = !matches!((it.floor, lo), (Some(f), Some(l)) if l >= f);
                it.check_max = !matches!((it.max, hi), (Some(m), Some(h)) if h <= m);
            }
        }
        Some(t)
    }

    fn form(&mut self, def: &TemplateDef) -> Option<Form> {
        let f = def.form.get_ref();
        let period = match f.period.get_ref().as_str() {
            "monthly" | "月度" => Period::Monthly,
            "quarterly" | "季度" => Period::Quarterly,
            "annual" | "年度" => Period::Annual,
            "once" | "单次" => Period::Once,
            other => {
                self.err(
                    "E006",
                    msg!(
                        "diag-bad-choice",
                        field = "period",
                        value = other,
                        choices = "monthly, quarterly, annual, once"
                    ),
                    sp(&f.period),
                );
                Period::Monthly
            }
        };
        let decimals = f.decimals.as_ref().map_or(2, |d| *d.get_ref());
        if decimals > 10 {
            self.err(
                "E008",
                msg!("diag-decimals"),
                f.decimals.as_ref().and_then(sp),
            );
        }
        Some(Form {
            id: f.id.get_ref().clone(),
            title: f.title.clone(),
            title_en: f.title_en.clone(),
            positions: f.positions.clone(),
            period,
            total_points: f.total_points.get_ref().0,
            may_exceed_total: f.may_exceed_total,
            may_go_negative: f.may_go_negative,
            decimals: decimals.min(10),
            signatures: f.signatures.clone(),
            notes: f.notes.clone(),
            source: f.source.clone(),
        })
    }

    fn rater_list(&mut self, list: &[Spanned<String>], ids: &HashMap<String, usize>) -> Vec<usize> {
        let mut out = Vec::new();
        for r in list {
            match ids.get(r.get_ref()) {
                Some(&i) => out.push(i),
                None => {
                    let help = match suggest(r.get_ref(), ids.keys().map(String::as_str)) {
                        Some(x) => msg!("help-did-you-mean", name = x),
                        None => msg!("help-unknown-rater"),
                    };
                    self.err(
                        "E003",
                        msg!("diag-unknown-rater", name = r.get_ref()),
                        sp(r),
                    )
                    .help = Some(help);
                }
            }
        }
        out
    }

    fn metrics(&mut self, def: &TemplateDef) -> Vec<Metric> {
        let mut compiled: Vec<Option<Formula>> = Vec::new();
        for m in &def.metric {
            let d = m.get_ref();
            compiled.push(self.formula(&d.formula, Stage::Metric, &d.name));
        }
        // Topological order by metric → metric references.
        let n = compiled.len();
        let base = self.layout.metrics;
        let deps: Vec<Vec<usize>> = compiled
            .iter()
            .map(|f| {
                let mut s = Vec::new();
                if let Some(f) = f {
                    f.expr.slots(&mut s);
                }
                s.into_iter()
                    .filter(|&x| x >= base && x < base + n as u32)
                    .map(|x| (x - base) as usize)
                    .collect()
            })
            .collect();
        // Depth-first, on a stack of our own: a file decides how long a chain of metrics
        // is, and must not decide how deep this function recurses.
        let mut order = Vec::with_capacity(n);
        let mut state = vec![0u8; n]; // 0 new, 1 visiting, 2 done
        // Each metric's depth: 1 for one computed from inputs and params only.
        let mut depth = vec![0usize; n];
        let mut cycle = None;
        let mut stack: Vec<(usize, usize)> = Vec::new(); // (metric, next dependency)
        for root in 0..n {
            if state[root] != 0 {
                continue;
            }
            state[root] = 1;
            stack.push((root, 0));
            while let Some(top) = stack.last_mut() {
                let (i, next) = *top;
                if let Some(&d) = deps[i].get(next) {
                    top.1 += 1;
                    match state[d] {
                        0 => {
                            state[d] = 1;
                            stack.push((d, 0));
                        }
                        1 => {
                            cycle.get_or_insert(d);
                        }
                        _ => {}
                    }
                } else {
                    stack.pop();
                    state[i] = 2;
                    depth[i] = 1 + deps[i]
                        .iter()
                        .filter(|&&d| state[d] == 2)
                        .map(|&d| depth[d])
                        .max()
                        .unwrap_or(0);
                    order.push(i);
                }
            }
        }
        if let Some(i) = cycle {
            let d = def.metric[i].get_ref();
            self.err(
                "E005",
                msg!("diag-cycle", name = d.id.get_ref()),
                sp(&d.formula),
            )
            .help = Some(msg!("help-cycle"));
        } else if let Some(i) = (0..n).find(|&i| depth[i] > MAX_METRIC_DEPTH) {
            let d = def.metric[i].get_ref();
            self.err(
                "E025",
                msg!(
                    "diag-metric-depth",
                    name = d.id.get_ref(),
                    depth = depth[i],
                    limit = MAX_METRIC_DEPTH
                ),
                sp(&d.formula),
            )
            .help = Some(msg!("help-limits"));
        }
        // Metrics keep their declared slots; evaluation follows `order`.
        // Transitive input reads.
        let mut reads: HashMap<u32, Vec<u32>> = HashMap::new();
        for &i in &order {
            let mut s = Vec::new();
            if let Some(f) = &compiled[i] {
                f.expr.slots(&mut s);
            }
            let mut r: Vec<u32> = Vec::new();
            for x in s {
                if x < self.layout.params {
                    r.push(x);
                } else if x >= base && x < base + n as u32 {
                    r.extend(reads.get(&x).cloned().unwrap_or_default());
                }
            }
            r.sort_unstable();
            r.dedup();
            reads.insert(base + i as u32, r);
        }
        self.metric_reads = reads.clone();
        let mut out: Vec<(usize, Metric)> = Vec::new();
        for &i in &order {
            let d = def.metric[i].get_ref();
            if let Some(f) = compiled[i].take() {
                out.push((
                    i,
                    Metric {
                        id: d.id.get_ref().clone(),
                        name: d.name.clone(),
                        name_en: d.name_en.clone(),
                        formula: f,
                        unit: d.unit.clone(),
                        reads: reads.get(&(base + i as u32)).cloned().unwrap_or_default(),
                        slot: base + i as u32,
                    },
                ));
            }
        }
        out.into_iter().map(|(_, m)| m).collect()
    }
}

fn limit(l: Limit) -> Option<Decimal> {
    match l {
        Limit::At(d) => Some(d),
        Limit::None => None,
    }
}

fn takes_rating(rule: &str) -> bool {
    matches!(
        rule,
        "levels" | "rating" | "grade" | "checklist" | "score" | "adjust" | "tiers"
    )
}

fn formula_error_zh(e: &FormulaError) -> String {
    match &e.kind {
        FormulaErrorKind::UnexpectedChar(c) => format!("无法识别的字符 `{c}`"),
        FormulaErrorKind::Expected { expected, found } => {
            format!("此处应为 {expected}，实际是 `{found}`")
        }
        FormulaErrorKind::UnexpectedEnd { expected } => format!("公式不完整，缺少 {expected}"),
        FormulaErrorKind::BadNumber(s) => format!("`{s}` 不是有效的数字"),
        FormulaErrorKind::UnknownFunction(s) => {
            format!("未知函数 `{s}`（可用: if, min, max, abs, round, floor, ceil, clamp）")
        }
        FormulaErrorKind::Arity {
            func,
            expected,
            found,
        } => format!("`{func}` 需要 {expected} 个参数，实际 {found} 个"),
        FormulaErrorKind::UnknownName(s) => format!("未知名称 `{s}`"),
        FormulaErrorKind::TooComplex => format!(
            "公式过长或嵌套过深 (最多 {} 个字符、{} 层嵌套、一串 {} 个运算)",
            formula::MAX_LEN,
            formula::MAX_DEPTH,
            formula::MAX_HEIGHT
        ),
        FormulaErrorKind::BadPlaces => "round 的小数位数必须是 0 到 10 的整数".into(),
    }
}

/// Inputs an item's rule takes, per rater.
struct ItemInputs {
    /// Per rater (or one): the value input, the pick input, the reason input.
    value: Vec<Option<u32>>,
    pick: Vec<Option<u32>>,
    reason: Vec<Option<u32>>,
    /// Event count and picked-points inputs, by event index.
    event_count: Vec<Option<u32>>,
    event_pick: Vec<Option<u32>>,
    /// Names usable in formulas (event counts).
    named: Vec<(String, u32, Range<usize>)>,
}

/// An input column an event takes: its count, or the points an assessor picked in all.
#[allow(clippy::too_many_arguments)]
fn event_input(
    item: usize,
    d: &ItemDef,
    ed: &EventDef,
    suffix: &str,
    zh: &str,
    en: &str,
    kind: InputKind,
    unit: &str,
    origin: Origin,
) -> Input {
    Input {
        id: format!("{}{suffix}", ed.id.get_ref()),
        name: format!("{}{zh}", ed.name),
        name_en: Some(format!(
            "{}{en}",
            ed.name_en.as_deref().unwrap_or(ed.id.get_ref())
        )),
        aliases: Vec::new(),
        kind,
        unit: Some(unit.into()),
        min: Some(Decimal::ZERO),
        max: None,
        default: Some(Decimal::ZERO),
        dept: ed.dept.clone().or_else(|| d.dept.clone()),
        required: false,
        na_ok: false,
        origin,
        rater: None,
        item: Some(item),
    }
}

/// Which fields each rule uses (besides the common ones).
fn rule_fields(rule: &str) -> Option<&'static [&'static str]> {
    Some(match rule {
        "ratio" => &["measure", "target", "better", "cap_pct", "zero_below"],
        "steps" => &["measure", "target", "below", "above", "zero_below"],
        "tiers" => &["measure", "bands"],
        "levels" => &["levels"],
        "rating" => &["scale", "range"],
        "grade" => &["grades"],
        "checklist" => &["criteria", "each"],
        "events" => &["start"],
        "adjust" => &["range"],
        "score" => &["range"],
        "formula" => &["score"],
        _ => return None,
    })
}

const RULES: &str =
    "ratio, steps, tiers, levels, rating, grade, checklist, events, adjust, score, formula";

fn present_fields(d: &ItemDef) -> Vec<(&'static str, Option<Range<usize>>)> {
    let mut v = Vec::new();
    macro_rules! f {
        ($name:literal, $field:expr) => {
            if let Some(x) = &$field {
                v.push(($name, Some(x.span())));
            }
        };
    }
    f!("measure", d.measure);
    f!("target", d.target);
    f!("better", d.better);
    f!("cap_pct", d.cap_pct);
    f!("zero_below", d.zero_below);
    f!("below", d.below);
    f!("above", d.above);
    f!("scale", d.scale);
    f!("each", d.each);
    f!("start", d.start);
    f!("range", d.range);
    f!("score", d.score);
    if d.bands.is_some() {
        v.push(("bands", None));
    }
    if d.levels.is_some() {
        v.push(("levels", None));
    }
    if d.grades.is_some() {
        v.push(("grades", None));
    }
    if d.criteria.is_some() {
        v.push(("criteria", None));
    }
    v
}

impl Compiler {
    fn item_inputs(&mut self, idx: usize, p: &ItemPlan, raters: &[Rater]) -> ItemInputs {
        let d = p.def;
        let id = d.id.get_ref().clone();
        let rule = d.rule.get_ref().as_str();
        let points = d.points.get_ref().0;
        let who: Vec<Option<usize>> = if p.raters.is_empty() {
            vec![None]
        } else {
            p.raters.iter().map(|&r| Some(r)).collect()
        };
        let mut ii = ItemInputs {
            value: vec![],
            pick: vec![],
            reason: vec![],
            event_count: vec![],
            event_pick: vec![],
            named: vec![],
        };
        let has_range_band = d.bands.as_ref().is_some_and(|b| {
            b.iter()
                .any(|b| matches!(b.get_ref().score.get_ref(), Amount::Range(..)))
        });
        let has_range_grade = d.grades.as_ref().is_some_and(|g| {
            g.iter()
                .any(|g| matches!(g.get_ref().pct.get_ref(), Amount::Range(..)))
        });
        let range = d.range.as_ref().and_then(|r| match r.get_ref() {
            Amount::Range(lo, hi) => Some((*lo, *hi)),
            Amount::Fixed(x) => Some((Decimal::ZERO, *x)),
            Amount::Formula(_) => None,
        });
        for r in who {
            let suffix = r.map(|r| format!("@{}", raters[r].id)).unwrap_or_default();
            let rname = r
                .map(|r| format!("({})", raters[r].name))
                .unwrap_or_default();
            let rname_en = r
                .map(|r| {
                    format!(
                        " ({})",
                        raters[r].name_en.as_deref().unwrap_or(&raters[r].id)
                    )
                })
                .unwrap_or_default();
            let mk = |this: &mut Self,
                      sub: &str,
                      zh: &str,
                      en: &str,
                      kind: InputKind,
                      min,
                      max,
                      required,
                      origin| {
                this.add_input(Input {
                    id: format!("{id}{sub}{suffix}"),
                    name: format!("{}{zh}{rname}", d.name),
                    name_en: Some(format!(
                        "{}{en}{rname_en}",
                        d.name_en.as_deref().unwrap_or(&id)
                    )),
                    aliases: Vec::new(),
                    kind,
                    unit: None,
                    min,
                    max,
                    default: None,
                    dept: d.dept.clone(),
                    required,
                    na_ok: false,
                    origin,
                    rater: r,
                    item: Some(idx),
                })
            };
            let (mut value, mut pick, mut reason) = (None, None, None);
            match rule {
                "levels" => {
                    let lv: Vec<u32> = d
                        .levels
                        .iter()
                        .flatten()
                        .map(|l| *l.get_ref().level.get_ref())
                        .collect();
                    let (lo, hi) = (
                        lv.iter().min().copied().unwrap_or(1),
                        lv.iter().max().copied().unwrap_or(5),
                    );
                    value = Some(mk(
                        self,
                        "",
                        "(等级)",
                        " (level)",
                        InputKind::Count,
                        Some(lo.into()),
                        Some(hi.into()),
                        true,
                        Origin::Item,
                    ));
                }
                "rating" => {
                    let scale = d.scale.as_ref().map_or(Decimal::from(5), |s| s.get_ref().0);
                    let (lo, hi) = range.unwrap_or((Decimal::ONE, scale));
                    value = Some(mk(
                        self,
                        "",
                        "(评分)",
                        " (rating)",
                        InputKind::Number,
                        Some(lo),
                        Some(hi),
                        true,
                        Origin::Item,
                    ));
                }
                "grade" => {
                    let labels = d
                        .grades
                        .iter()
                        .flatten()
                        .map(|g| g.get_ref().grade.get_ref().clone())
                        .collect();
                    value = Some(mk(
                        self,
                        "",
                        "(等级)",
                        " (grade)",
                        InputKind::Choice(labels),
                        None,
                        None,
                        true,
                        Origin::Item,
                    ));
                    if has_range_grade {
                        pick = Some(mk(
                            self,
                            ".pick",
                            "(百分比)",
                            " (percent picked)",
                            InputKind::Percent,
                            Some(Decimal::ZERO),
                            None,
                            false,
                            Origin::Pick,
                        ));
                    }
                }
                "checklist" => {
                    let n = d.criteria.as_ref().map_or(0, Vec::len) as u32;
                    value = Some(mk(
                        self,
                        "",
                        "(达标项)",
                        " (criteria met)",
                        InputKind::Set(n),
                        None,
                        None,
                        true,
                        Origin::Item,
                    ));
                }
                "adjust" => {
                    let (lo, hi) = range.unwrap_or((Decimal::ZERO, Decimal::ZERO));
                    value = Some(mk(
                        self,
                        "",
                        "(加扣分)",
                        " (adjustment)",
                        InputKind::Number,
                        Some(lo),
                        Some(hi),
                        false,
                        Origin::Item,
                    ));
                    reason = Some(mk(
                        self,
                        ".reason",
                        "(理由)",
                        " (reason)",
                        InputKind::Text,
                        None,
                        None,
                        false,
                        Origin::Reason,
                    ));
                }
                "score" => {
                    let (lo, hi) = range.unwrap_or((Decimal::ZERO, points));
                    value = Some(mk(
                        self,
                        "",
                        "(得分)",
                        " (score)",
                        InputKind::Number,
                        Some(lo),
                        Some(hi),
                        true,
                        Origin::Item,
                    ));
                }
                "tiers" => {
                    if d.measure.is_none() {
                        value = Some(mk(
                            self,
                            "",
                            "(得分)",
                            " (score)",
                            InputKind::Number,
                            None,
                            None,
                            true,
                            Origin::Item,
                        ));
                    } else if has_range_band {
                        pick = Some(mk(
                            self,
                            ".pick",
                            "(档内评分)",
                            " (score picked in tier)",
                            InputKind::Number,
                            None,
                            None,
                            false,
                            Origin::Pick,
                        ));
                    }
                }
                _ => {}
            }
            ii.value.push(value);
            ii.pick.push(pick);
            ii.reason.push(reason);
        }
        for e in d.events.iter().flatten() {
            let ed = e.get_ref();
            let count = if ed.when.is_none() && ed.count.is_none() {
                let slot = self.add_input(event_input(
                    idx,
                    d,
                    ed,
                    "",
                    "(次数)",
                    " (times)",
                    InputKind::Count,
                    "次",
                    Origin::Event,
                ));
                if self.check_id(&ed.id) {
                    ii.named.push((ed.id.get_ref().clone(), slot, ed.id.span()));
                }
                Some(slot)
            } else {
                self.check_id(&ed.id);
                None
            };
            let is_range = [&ed.deduct, &ed.add].iter().any(|a| {
                a.as_ref()
                    .is_some_and(|a| matches!(a.get_ref(), Amount::Range(..)))
            });
            let pick = if is_range {
                Some(self.add_input(event_input(
                    idx,
                    d,
                    ed,
                    ".points",
                    "(合计分数)",
                    " (points in all)",
                    InputKind::Number,
                    "分",
                    Origin::Pick,
                )))
            } else {
                None
            };
            ii.event_count.push(count);
            ii.event_pick.push(pick);
        }
        ii
    }

    fn item(&mut self, idx: usize, p: &ItemPlan, ii: ItemInputs) -> Item {
        let d = p.def;
        let rule_name = d.rule.get_ref().as_str();
        let points = d.points.get_ref().0;
        let what = d.name.as_str();
        let at = p.span.clone();
        let _ = idx;
        let Some(allowed) = rule_fields(rule_name) else {
            let help = match suggest(rule_name, RULES.split(", ")) {
                Some(x) => msg!("help-did-you-mean", name = x),
                None => msg!("help-rules", rules = RULES),
            };
            self.err(
                "E006",
                msg!(
                    "diag-bad-choice",
                    field = "rule",
                    value = rule_name,
                    choices = RULES
                ),
                sp(&d.rule),
            )
            .help = Some(help);
            return self.dummy_item(d, p);
        };
        for (f, span) in present_fields(d) {
            if !allowed.contains(&f) {
                self.warn(
                    "W001",
                    msg!("diag-unused-field", field = f, rule = rule_name),
                    span.or_else(|| Some(at.clone())),
                )
                .help = Some(msg!("help-unused-field", rules = allowed.join(", ")));
            }
        }
        macro_rules! required {
            ($field:expr, $name:literal) => {
                match &$field {
                    Some(x) => Some(x),
                    None => {
                        self.err(
                            "E007",
                            msg!("diag-missing-field", field = $name, rule = rule_name),
                            sp(&d.rule),
                        )
                        .help = Some(msg!("help-missing-field", field = $name));
                        None
                    }
                }
            };
        }
        let mut reads: Vec<u32> = Vec::new();
        let f_reads = |f: &Formula, me: &Self, reads: &mut Vec<u32>| {
            let mut s = Vec::new();
            f.expr.slots(&mut s);
            for x in s {
                if x < me.layout.params {
                    reads.push(x);
                } else if let Some(r) = me.metric_reads.get(&x) {
                    reads.extend(r);
                }
            }
        };
        let zero_below = d
            .zero_below
            .as_ref()
            .and_then(|z| self.formula(z, Stage::Item, what));
        if let Some(z) = &zero_below {
            f_reads(z, self, &mut reads);
        }
        let mut rules = Vec::new();
        let n = ii.value.len();
        for r in 0..n {
            let value = ii.value[r];
            let pick = ii.pick[r];
            // Per-rater inputs in this rule's formulas read this rater's column.
            self.rater_ctx = p.raters.get(r).copied();
            let rule = match rule_name {
                "ratio" | "steps" => {
                    let measure = required!(d.measure, "measure")
                        .and_then(|m| self.formula(m, Stage::Item, what));
                    let target = required!(d.target, "target")
                        .and_then(|m| self.formula(m, Stage::Item, what));
                    for f in [&measure, &target].into_iter().flatten() {
                        f_reads(f, self, &mut reads);
                    }
                    let (Some(measure), Some(target)) = (measure, target) else {
                        return self.dummy_item(d, p);
                    };
                    if rule_name == "ratio" {
                        let better = match d.better.as_ref().map(|b| b.get_ref().as_str()) {
                            None | Some("higher") => Better::Higher,
                            Some("lower") => Better::Lower,
                            Some(other) => {
                                self.err(
                                    "E006",
                                    msg!(
                                        "diag-bad-choice",
                                        field = "better",
                                        value = other,
                                        choices = "higher, lower"
                                    ),
                                    d.better.as_ref().and_then(sp),
                                );
                                Better::Higher
                            }
                        };
                        Rule::Ratio {
                            measure,
                            target,
                            better,
                            cap_pct: d.cap_pct.as_ref().map(|c| c.get_ref().0),
                            zero_below: zero_below.clone(),
                        }
                    } else {
                        let step = |me: &mut Self, s: &Option<Spanned<StepDef>>| -> Option<Step> {
                            let s = s.as_ref()?;
                            let sd = s.get_ref();
                            let per = sd.per.get_ref().0;
                            if per <= Decimal::ZERO {
                                me.err("E018", msg!("diag-step-per"), sp(&sd.per));
                            }
                            let pts = match (&sd.deduct, &sd.add) {
                                (Some(x), None) => -x.get_ref().0,
                                (None, Some(x)) => x.get_ref().0,
                                _ => {
                                    me.err("E019", msg!("diag-step-sign"), sp(s)).help =
                                        Some(msg!("help-step-sign"));
                                    Decimal::ZERO
                                }
                            };
                            Some(Step {
                                per: if per <= Decimal::ZERO {
                                    Decimal::ONE
                                } else {
                                    per
                                },
                                points: pts,
                            })
                        };
                        let below = step(self, &d.below);
                        let above = step(self, &d.above);
                        if below.is_none() && above.is_none() {
                            self.err(
                                "E007",
                                msg!(
                                    "diag-missing-field",
                                    field = "below / above",
                                    rule = rule_name
                                ),
                                sp(&d.rule),
                            );
                        }
                        Rule::Steps {
                            measure,
                            target,
                            below,
                            above,
                            zero_below: zero_below.clone(),
                        }
                    }
                }
                "tiers" => {
                    let measure = d
                        .measure
                        .as_ref()
                        .and_then(|m| self.formula(m, Stage::Item, what));
                    if let Some(m) = &measure {
                        f_reads(m, self, &mut reads);
                    }
                    let mut bands = Vec::new();
                    for b in required!(d.bands, "bands").into_iter().flatten() {
                        let bd = b.get_ref();
                        let score = self.amount(&bd.score, what, &mut reads);
                        bands.push(Band {
                            from: bd.from.as_ref().map(|x| x.get_ref().0),
                            to: bd.to.as_ref().map(|x| x.get_ref().0),
                            score,
                            text: bd.text.clone(),
                        });
                    }
                    if r == 0 {
                        if measure.is_some() || d.measure.is_some() {
                            self.check_bands(d);
                        } else {
                            for b in d.bands.iter().flatten() {
                                if !matches!(
                                    b.get_ref().score.get_ref(),
                                    Amount::Range(..) | Amount::Fixed(_)
                                ) {
                                    self.err(
                                        "E007",
                                        msg!("diag-picked-band"),
                                        sp(&b.get_ref().score),
                                    );
                                }
                            }
                        }
                    }
                    reads.extend(value.or(pick));
                    Rule::Tiers {
                        measure,
                        bands,
                        pick: value.or(pick),
                    }
                }
                "levels" => {
                    let mut levels: Vec<Level> = Vec::new();
                    for l in required!(d.levels, "levels").into_iter().flatten() {
                        let ld = l.get_ref();
                        if r == 0 && levels.iter().any(|x| x.level == *ld.level.get_ref()) {
                            self.err(
                                "E017",
                                msg!("diag-level-dup", level = *ld.level.get_ref()),
                                sp(&ld.level),
                            );
                        }
                        levels.push(Level {
                            level: *ld.level.get_ref(),
                            score: ld.score.get_ref().0,
                            text: ld.text.clone(),
                        });
                    }
                    levels.sort_by_key(|l| l.level);
                    reads.extend(value);
                    Rule::Levels {
                        input: value.unwrap_or(0),
                        levels,
                    }
                }
                "rating" => {
                    let scale = d.scale.as_ref().map_or(Decimal::from(5), |s| s.get_ref().0);
                    if scale <= Decimal::ZERO {
                        self.err(
                            "E008",
                            msg!("diag-negative", field = "scale"),
                            d.scale.as_ref().and_then(sp),
                        );
                    }
                    reads.extend(value);
                    Rule::Rating {
                        input: value.unwrap_or(0),
                        scale: if scale <= Decimal::ZERO {
                            Decimal::ONE
                        } else {
                            scale
                        },
                    }
                }
                "grade" => {
                    let mut options = Vec::new();
                    for g in required!(d.grades, "grades").into_iter().flatten() {
                        let gd = g.get_ref();
                        let pct = self.amount(&gd.pct, what, &mut reads);
                        options.push(GradeOption {
                            grade: gd.grade.get_ref().clone(),
                            pct,
                            text: gd.text.clone(),
                        });
                    }
                    reads.extend(value);
                    reads.extend(pick);
                    Rule::Grade {
                        input: value.unwrap_or(0),
                        options,
                        pick,
                    }
                }
                "checklist" => {
                    let each = d.each.as_ref().map(|e| e.get_ref().0);
                    let mut criteria = Vec::new();
                    for c in required!(d.criteria, "criteria").into_iter().flatten() {
                        match c {
                            CriterionDef::Text(t) => {
                                if each.is_none() && r == 0 {
                                    self.err(
                                        "E007",
                                        msg!(
                                            "diag-missing-field",
                                            field = "each",
                                            rule = rule_name
                                        ),
                                        sp(&d.rule),
                                    );
                                }
                                criteria.push(Criterion {
                                    text: t.clone(),
                                    points: each.unwrap_or(Decimal::ZERO),
                                });
                            }
                            CriterionDef::Full { text, points } => criteria.push(Criterion {
                                text: text.clone(),
                                points: points.0,
                            }),
                        }
                    }
                    if criteria.len() > 32 && r == 0 {
                        self.err("E008", msg!("diag-too-many-criteria"), sp(&d.rule));
                    }
                    reads.extend(value);
                    Rule::Checklist {
                        input: value.unwrap_or(0),
                        criteria,
                    }
                }
                "events" => {
                    if d.events.is_none() && r == 0 {
                        self.err(
                            "E007",
                            msg!("diag-missing-field", field = "events", rule = rule_name),
                            sp(&d.rule),
                        );
                    }
                    let deducts = d
                        .events
                        .iter()
                        .flatten()
                        .any(|e| e.get_ref().deduct.is_some());
                    let start = d
                        .start
                        .as_ref()
                        .map(|s| s.get_ref().0)
                        .unwrap_or(if deducts { points } else { Decimal::ZERO });
                    Rule::Events { start }
                }
                "adjust" => {
                    let (lo, hi) = self.range(d, Decimal::ZERO, r == 0);
                    if d.range.is_none() && r == 0 {
                        self.err(
                            "E007",
                            msg!("diag-missing-field", field = "range", rule = rule_name),
                            sp(&d.rule),
                        );
                    }
                    reads.extend(value);
                    Rule::Adjust {
                        input: value.unwrap_or(0),
                        reason: ii.reason[r].unwrap_or(0),
                        lo,
                        hi,
                    }
                }
                "score" => {
                    let (lo, hi) = self.range(d, points, r == 0);
                    reads.extend(value);
                    Rule::Score {
                        input: value.unwrap_or(0),
                        lo,
                        hi,
                    }
                }
                "formula" => {
                    let Some(f) = required!(d.score, "score")
                        .and_then(|f| self.formula(f, Stage::Item, what))
                    else {
                        return self.dummy_item(d, p);
                    };
                    f_reads(&f, self, &mut reads);
                    Rule::Formula { score: f }
                }
                _ => unreachable!("rule names checked above"),
            };
            rules.push(rule);
            self.rater_ctx = None;
        }
        // Events.
        let mut events = Vec::new();
        for (k, e) in d.events.iter().flatten().enumerate() {
            let ed = e.get_ref();
            let (sign, amount) = match (&ed.deduct, &ed.add) {
                (Some(a), None) => (Decimal::NEGATIVE_ONE, a),
                (None, Some(a)) => (Decimal::ONE, a),
                _ => {
                    self.err(
                        "E019",
                        msg!("diag-event-sign", event = ed.name.clone()),
                        sp(&ed.id),
                    )
                    .help = Some(msg!("help-event-sign"));
                    continue;
                }
            };
            let points = match amount.get_ref() {
                Amount::Fixed(x) => {
                    if *x < Decimal::ZERO {
                        self.err("E008", msg!("diag-event-negative"), sp(amount))
                            .help = Some(msg!("help-event-sign"));
                    }
                    EventPoints::Fixed(*x)
                }
                Amount::Range(lo, hi) => {
                    if lo > hi {
                        self.err(
                            "E008",
                            msg!("diag-min-max", lo = fmt_d(*lo), hi = fmt_d(*hi)),
                            sp(amount),
                        )
                        .help = Some(msg!("help-min-max"));
                    }
                    EventPoints::Range {
                        lo: *lo,
                        hi: *hi,
                        picked: ii.event_pick[k].unwrap_or(0),
                    }
                }
                Amount::Formula(_) => {
                    self.err("E008", msg!("diag-event-amount"), sp(amount));
                    continue;
                }
            };
            let when = ed
                .when
                .as_ref()
                .and_then(|w| self.formula(w, Stage::Item, &ed.name));
            if let Some(w) = &when {
                f_reads(w, self, &mut reads);
            }
            if ed.when.is_some() && ed.count.is_some() {
                self.err(
                    "E007",
                    msg!("diag-event-when-count", event = ed.name.clone()),
                    ed.count.as_ref().and_then(sp),
                );
            }
            let count_formula = ed
                .count
                .as_ref()
                .and_then(|c| self.formula(c, Stage::Item, &ed.name));
            if let Some(c) = &count_formula {
                f_reads(c, self, &mut reads);
            }
            reads.extend(ii.event_count[k]);
            reads.extend(ii.event_pick[k]);
            events.push(Event {
                id: ed.id.get_ref().clone(),
                name: ed.name.clone(),
                name_en: ed.name_en.clone(),
                sign,
                points,
                count: ii.event_count[k],
                when,
                count_formula,
                cap: ed.cap.as_ref().map(|c| c.get_ref().0),
            });
        }
        reads.sort_unstable();
        reads.dedup();
        let rater_reads: Vec<Vec<u32>> = p
            .raters
            .iter()
            .map(|&r| {
                reads
                    .iter()
                    .copied()
                    .filter(|&x| {
                        self.inputs
                            .get(x as usize)
                            .is_some_and(|i| i.rater == Some(r))
                    })
                    .collect()
            })
            .collect();
        reads.retain(|&x| {
            self.inputs
                .get(x as usize)
                .is_none_or(|i| i.rater.is_none())
        });
        let na = match d.na.as_ref().map(|n| n.get_ref().as_str()) {
            None => NaPolicy::Forbidden,
            Some("peer_average") => NaPolicy::PeerAverage,
            Some("drop") => NaPolicy::Drop,
            Some(other) => {
                self.err(
                    "E006",
                    msg!(
                        "diag-bad-choice",
                        field = "na",
                        value = other,
                        choices = "peer_average, drop"
                    ),
                    d.na.as_ref().and_then(sp),
                );
                NaPolicy::Forbidden
            }
        };
        let is_adjust = rule_name == "adjust";
        let floor = match d.floor.as_ref().map(|f| *f.get_ref()) {
            Some(Limit::At(x)) => Some(x),
            Some(Limit::None) => None,
            None if is_adjust => None,
            None => Some(Decimal::ZERO.min(points)),
        };
        let max = match d.max.as_ref().map(|f| *f.get_ref()) {
            Some(Limit::At(x)) => Some(x),
            Some(Limit::None) => None,
            None if is_adjust => None,
            None => Some(points),
        };
        if let (Some(lo), Some(hi)) = (floor, max)
            && lo > hi
        {
            self.err(
                "E008",
                msg!("diag-min-max", lo = fmt_d(lo), hi = fmt_d(hi)),
                d.floor
                    .as_ref()
                    .and_then(sp)
                    .or(d.max.as_ref().and_then(sp)),
            );
        }
        Item {
            id: d.id.get_ref().clone(),
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            section: p.section,
            points,
            standard: d.standard.clone(),
            dept: d.dept.clone(),
            floor,
            max,
            na,
            check_floor: true,
            check_max: true,
            raters: p.raters.clone(),
            rules,
            events,
            reads,
            rater_reads,
            note: d.note.clone(),
        }
    }

    fn range(&mut self, d: &ItemDef, default_hi: Decimal, report: bool) -> (Decimal, Decimal) {
        match d.range.as_ref().map(|r| (r.get_ref(), r.span())) {
            Some((Amount::Range(lo, hi), span)) => {
                if lo > hi && report {
                    self.err(
                        "E008",
                        msg!("diag-min-max", lo = fmt_d(*lo), hi = fmt_d(*hi)),
                        Some(span),
                    )
                    .help = Some(msg!("help-min-max"));
                }
                (*lo, *hi)
            }
            Some((Amount::Fixed(x), _)) => (Decimal::ZERO, *x),
            Some((Amount::Formula(_), span)) => {
                if report {
                    self.err("E008", msg!("diag-range-formula"), Some(span));
                }
                (Decimal::ZERO, default_hi)
            }
            None => (Decimal::ZERO, default_hi),
        }
    }

    fn amount(&mut self, a: &Spanned<Amount>, what: &str, reads: &mut Vec<u32>) -> ScoreSpec {
        match a.get_ref() {
            Amount::Fixed(x) => ScoreSpec::Fixed(*x),
            Amount::Range(lo, hi) => {
                if lo > hi {
                    self.err(
                        "E008",
                        msg!("diag-min-max", lo = fmt_d(*lo), hi = fmt_d(*hi)),
                        sp(a),
                    )
                    .help = Some(msg!("help-min-max"));
                }
                ScoreSpec::Range(*lo, *hi)
            }
            Amount::Formula(text) => {
                let ft = Spanned::new(a.span(), FormulaText(text.clone()));
                match self.formula(&ft, Stage::Item, what) {
                    Some(f) => {
                        let mut s = Vec::new();
                        f.expr.slots(&mut s);
                        reads.extend(s.into_iter().filter(|&x| x < self.layout.params));
                        ScoreSpec::Formula(f)
                    }
                    None => ScoreSpec::Fixed(Decimal::ZERO),
                }
            }
        }
    }

    /// Measured tiers must cover the line without gaps or overlaps.
    fn check_bands(&mut self, d: &ItemDef) {
        let Some(bands) = &d.bands else { return };
        let mut v: Vec<(Option<Decimal>, Option<Decimal>, Range<usize>)> = bands
            .iter()
            .map(|b| {
                (
                    b.get_ref().from.as_ref().map(|x| x.get_ref().0),
                    b.get_ref().to.as_ref().map(|x| x.get_ref().0),
                    b.span(),
                )
            })
            .collect();
        for (from, to, span) in &v {
            if let (Some(f), Some(t)) = (from, to)
                && f >= t
            {
                self.err(
                    "E008",
                    msg!("diag-band-empty", from = fmt_d(*f), to = fmt_d(*t)),
                    Some(span.clone()),
                )
                .help = Some(msg!("help-band-empty"));
            }
        }
        v.sort_by(|a, b| match (a.0, b.0) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, _) => std::cmp::Ordering::Less,
            (_, None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(&y),
        });
        if v.first()
            .is_some_and(|b| b.0.is_some_and(|f| f > Decimal::ZERO))
        {
            let f = v[0].0.unwrap_or_default();
            self.warn(
                "W004",
                msg!("diag-band-low", from = fmt_d(f)),
                Some(v[0].2.clone()),
            )
            .help = Some(msg!("help-band-low"));
        }
        for w in v.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            match (a.1, b.0) {
                (None, _) | (_, None) => {
                    self.err(
                        "E012",
                        msg!(
                            "diag-band-overlap",
                            a = band_text(a.0, a.1),
                            b = band_text(b.0, b.1)
                        ),
                        Some(b.2.clone()),
                    )
                    .help = Some(msg!("help-band-overlap"));
                }
                (Some(end), Some(start)) if end < start => {
                    self.err(
                        "E011",
                        msg!("diag-band-gap", from = fmt_d(end), to = fmt_d(start)),
                        Some(b.2.clone()),
                    )
                    .help = Some(msg!("help-band-gap", from = fmt_d(end), to = fmt_d(start)));
                }
                (Some(end), Some(start)) if end > start => {
                    self.err(
                        "E012",
                        msg!(
                            "diag-band-overlap",
                            a = band_text(a.0, a.1),
                            b = band_text(b.0, b.1)
                        ),
                        Some(b.2.clone()),
                    )
                    .help = Some(msg!("help-band-overlap"));
                }
                _ => {}
            }
        }
        if v.last().is_some_and(|b| b.1.is_some()) {
            let t = v.last().and_then(|b| b.1).unwrap_or_default();
            self.warn(
                "W004",
                msg!("diag-band-high", to = fmt_d(t)),
                Some(v.last().map(|b| b.2.clone()).unwrap_or_default()),
            )
            .help = Some(msg!("help-band-low"));
        }
    }

    fn dummy_item(&self, d: &ItemDef, p: &ItemPlan) -> Item {
        Item {
            id: d.id.get_ref().clone(),
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            section: p.section,
            points: d.points.get_ref().0,
            standard: None,
            dept: None,
            floor: None,
            max: None,
            na: NaPolicy::Forbidden,
            check_floor: true,
            check_max: true,
            raters: vec![],
            rules: vec![Rule::Events {
                start: Decimal::ZERO,
            }],
            events: vec![],
            reads: vec![],
            rater_reads: vec![],
            note: None,
        }
    }

    /// Can every item and the total reach full marks, and no more than declared?
    /// Returns each item's raw bounds (before floor and cap).
    fn reachability(&mut self, t: &Template, def: &TemplateDef) -> Vec<Bound> {
        let mut raws = Vec::with_capacity(t.items.len());
        let l = t.layout;
        let mut slot_bounds: Vec<Bound> = vec![(None, None); l.len as usize];
        for (i, inp) in t.inputs.iter().enumerate() {
            slot_bounds[i] = (inp.min, inp.max);
        }
        for (i, p) in t.params.iter().enumerate() {
            slot_bounds[(l.params + i as u32) as usize] = (Some(p.default), Some(p.default));
        }
        for m in &t.metrics {
            let b = bounds(&m.formula.expr, &|s| slot_bounds[s as usize]);
            slot_bounds[m.slot as usize] = b;
        }
        for (k, it) in t.items.iter().enumerate() {
            let raw = item_raw_bounds(t, it, &slot_bounds);
            raws.push(raw);
            let lo = match (it.floor, raw.0) {
                (Some(f), Some(r)) => Some(f.max(r)),
                (Some(f), None) => Some(f),
                (None, r) => r,
            };
            let hi = match (it.max, raw.1) {
                (Some(m), Some(r)) => Some(m.min(r)),
                (Some(m), None) => Some(m),
                (None, r) => r,
            };
            let span = def.item[k].get_ref().points.span();
            if it.points > Decimal::ZERO
                && hi.is_some_and(|h| h < it.points)
                && !matches!(it.rules[0], Rule::Formula { .. })
            {
                self.err(
                    "E013",
                    msg!(
                        "diag-item-unreachable",
                        item = it.name.clone(),
                        hi = fmt_d(hi.unwrap_or_default()),
                        points = fmt_d(it.points)
                    ),
                    Some(span),
                )
                .help = Some(msg!("help-item-unreachable"));
            }
            slot_bounds[(l.items + k as u32) as usize] = (lo, hi);
        }
        for (k, s) in t.sections.iter().enumerate() {
            let mut b: Bound = (Some(Decimal::ZERO), Some(Decimal::ZERO));
            for &i in &s.items {
                b = b_add(b, slot_bounds[(l.items + i as u32) as usize]);
            }
            if let Some(f) = &s.score {
                b = bounds(&f.expr, &|x| slot_bounds[x as usize]);
            }
            if let Some(f) = s.floor {
                b.0 = Some(b.0.map_or(f, |x| x.max(f)));
            }
            if let Some(m) = s.max {
                b.1 = Some(b.1.map_or(m, |x| x.min(m)));
            }
            slot_bounds[(l.sections + k as u32) as usize] = b;
        }
        let total: Bound = match &t.total {
            Some(f) => bounds(&f.expr, &|x| slot_bounds[x as usize]),
            None => {
                let mut b: Bound = (Some(Decimal::ZERO), Some(Decimal::ZERO));
                for (k, s) in t.sections.iter().enumerate() {
                    let sb = slot_bounds[(l.sections + k as u32) as usize];
                    let sb = match s.weight {
                        Some(w) => {
                            let k = w / Decimal::ONE_HUNDRED;
                            b_mul(sb, (Some(k), Some(k)))
                        }
                        None => sb,
                    };
                    b = b_add(b, sb);
                }
                b
            }
        };
        let span = Some(def.form.get_ref().total_points.span());
        let declared = t.form.total_points;
        match total.1 {
            Some(hi) if hi < declared => {
                self.err(
                    "E013",
                    msg!(
                        "diag-total-unreachable",
                        hi = fmt_d(hi),
                        points = fmt_d(declared)
                    ),
                    span.clone(),
                )
                .help = Some(msg!("help-total-unreachable"));
            }
            Some(hi) if hi > declared && !t.form.may_exceed_total => {
                self.err(
                    "E014",
                    msg!(
                        "diag-total-exceeds",
                        hi = fmt_d(hi),
                        points = fmt_d(declared)
                    ),
                    span.clone(),
                )
                .help = Some(msg!("help-total-exceeds"));
            }
            None if !t.form.may_exceed_total => {
                self.err(
                    "E014",
                    msg!("diag-total-unbounded", points = fmt_d(declared)),
                    span.clone(),
                )
                .help = Some(msg!("help-total-exceeds"));
            }
            _ => {}
        }
        if total.0.is_none_or(|lo| lo < Decimal::ZERO) && !t.form.may_go_negative {
            self.warn("W005", msg!("diag-total-negative"), span).help =
                Some(msg!("help-total-negative"));
        }
        raws
    }
}

fn band_text(from: Option<Decimal>, to: Option<Decimal>) -> String {
    format!(
        "[{}, {})",
        from.map_or("-∞".to_string(), fmt_d),
        to.map_or("+∞".to_string(), fmt_d)
    )
}

/// Bounds of an item's score before its floor and cap.
fn item_raw_bounds(t: &Template, it: &Item, slots: &[Bound]) -> Bound {
    let rule_b = |rule: &Rule| -> Bound {
        let p = it.points;
        match rule {
            // The measure may be negative (a shrinking market), so no lower bound is assumed.
            Rule::Ratio { cap_pct, .. } => (None, cap_pct.and_then(|c| pct_of(p, c))),
            Rule::Steps {
                below,
                above,
                zero_below,
                ..
            } => {
                let steps = [below, above];
                let lowers = steps
                    .iter()
                    .any(|s| s.is_some_and(|s| s.points < Decimal::ZERO));
                let raises = steps
                    .iter()
                    .any(|s| s.is_some_and(|s| s.points > Decimal::ZERO));
                let lo = if lowers { None } else { Some(p) };
                // A cut-off scores 0, whatever the steps would give.
                let lo = if zero_below.is_some() {
                    lo.map(|l| l.min(Decimal::ZERO))
                } else {
                    lo
                };
                (
                    lo,
                    if raises {
                        None
                    } else {
                        Some(p.max(Decimal::ZERO))
                    },
                )
            }
            Rule::Tiers { bands, .. } => {
                let mut b: Option<Bound> = None;
                for band in bands {
                    let x: Bound = match &band.score {
                        ScoreSpec::Fixed(v) => (Some(*v), Some(*v)),
                        ScoreSpec::Range(lo, hi) => (Some(*lo), Some(*hi)),
                        ScoreSpec::Formula(f) => bounds(&f.expr, &|s| slots[s as usize]),
                    };
                    b = Some(match b {
                        None => x,
                        Some(y) => (
                            x.0.zip(y.0).map(|(a, b)| a.min(b)),
                            x.1.zip(y.1).map(|(a, b)| a.max(b)),
                        ),
                    });
                }
                b.unwrap_or((Some(Decimal::ZERO), Some(Decimal::ZERO)))
            }
            Rule::Levels { levels, .. } => (
                levels.iter().map(|l| l.score).min(),
                levels.iter().map(|l| l.score).max(),
            ),
            Rule::Rating { input, scale } => {
                let inp = &t.inputs[*input as usize];
                let of = |m: Decimal| p.checked_mul(m)?.checked_div(*scale);
                (inp.min.and_then(of), inp.max.and_then(of))
            }
            Rule::Grade { options, .. } => {
                let pct = |s: &ScoreSpec, hi: bool| match s {
                    ScoreSpec::Fixed(v) => Some(*v),
                    ScoreSpec::Range(lo, h) => Some(if hi { *h } else { *lo }),
                    ScoreSpec::Formula(_) => None,
                };
                (
                    options
                        .iter()
                        .filter_map(|o| pct(&o.pct, false))
                        .min()
                        .and_then(|x| pct_of(p, x)),
                    options
                        .iter()
                        .filter_map(|o| pct(&o.pct, true))
                        .max()
                        .and_then(|x| pct_of(p, x)),
                )
            }
            Rule::Checklist { criteria, .. } => (
                Some(Decimal::ZERO),
                criteria
                    .iter()
                    .try_fold(Decimal::ZERO, |a, c| a.checked_add(c.points)),
            ),
            Rule::Events { start } => (Some(*start), Some(*start)),
            Rule::Adjust { lo, hi, .. } | Rule::Score { lo, hi, .. } => (Some(*lo), Some(*hi)),
            Rule::Formula { score } => bounds(&score.expr, &|s| slots[s as usize]),
        }
    };
    let mut b = it
        .rules
        .iter()
        .map(rule_b)
        .reduce(b_union)
        .unwrap_or((Some(Decimal::ZERO), Some(Decimal::ZERO)));
    for e in &it.events {
        let per_hi = match &e.points {
            EventPoints::Fixed(x) => *x,
            EventPoints::Range { hi, .. } => *hi,
        };
        let span: Bound = match (e.when.is_some(), e.cap) {
            (_, Some(c)) => (Some(Decimal::ZERO), Some(c)),
            (true, None) => (Some(Decimal::ZERO), Some(per_hi)),
            (false, None) => (Some(Decimal::ZERO), None),
        };
        let signed = if e.sign.is_sign_negative() {
            b_neg(span)
        } else {
            span
        };
        b = b_add(b, signed);
    }
    b
}
