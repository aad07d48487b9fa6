//! How a rater fills each input, read off the item's rule: a level picker for anchored
//! levels and 1–5 ratings, radio buttons for letter grades, checkboxes for a checklist, an
//! event counter that says what each event is worth, a number held to the range the rule
//! allows (with the tiers to pick from listed), and a mandatory reason for discretionary
//! points. Pure: the page turns [`Control`]s into form fields, the store checks again on save.

use super::i18n::{Arg, text};
use kaohe_core::Lang;
use kaohe_core::model::{EventPoints, Rule, ScoreSpec, Template};
use kaohe_core::num::fmt;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// One choice of a picker or checklist.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Choice {
    /// What is submitted (a level, a label, a criterion number).
    pub value: String,
    /// What the rater reads.
    pub label: String,
    /// What it is worth, in words (e.g. `4 分`).
    pub worth: Option<String>,
}

/// The control for one input.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Control {
    /// `levels` (one of), `checklist` (any of), `counter`, `pick`, `reason` or `plain`.
    pub kind: &'static str,
    pub choices: Vec<Choice>,
    /// A line under the field: what each event is worth, the tiers to pick from, …
    pub hint: Option<String>,
    /// The score range of a pick.
    pub min: Option<String>,
    pub max: Option<String>,
    /// A reason is needed (discretionary points).
    pub required: bool,
}

fn pts(lang: Lang, d: Decimal) -> String {
    text(lang, "ctl-points", &[("points", Arg::Text(fmt(d)))])
}

fn range_text(lang: Lang, lo: Decimal, hi: Decimal) -> String {
    if lo == hi {
        pts(lang, lo)
    } else {
        text(
            lang,
            "ctl-points-range",
            &[("lo", Arg::Text(fmt(lo))), ("hi", Arg::Text(fmt(hi)))],
        )
    }
}

fn pick_name<'a>(lang: Lang, zh: &'a str, en: Option<&'a str>) -> &'a str {
    match (lang, en) {
        (Lang::En, Some(e)) if !e.is_empty() => e,
        _ => zh,
    }
}

/// The controls of every input slot that a rule gives a special control; the others are
/// plain fields (number, choice or text by their kind).
pub fn controls(t: &Template, lang: Lang) -> BTreeMap<u32, Control> {
    let mut out: BTreeMap<u32, Control> = BTreeMap::new();
    for item in &t.items {
        for rule in &item.rules {
            match rule {
                Rule::Levels { input, levels } => {
                    let choices = levels
                        .iter()
                        .map(|l| Choice {
                            value: l.level.to_string(),
                            label: match &l.text {
                                Some(x) => format!("{} · {x}", l.level),
                                None => l.level.to_string(),
                            },
                            worth: Some(pts(lang, l.score)),
                        })
                        .collect();
                    out.insert(
                        *input,
                        Control {
                            kind: "levels",
                            choices,
                            ..Control::default()
                        },
                    );
                }
                Rule::Rating { input, scale } => {
                    let inp = &t.inputs[*input as usize];
                    let (lo, hi) = (inp.min.unwrap_or(Decimal::ONE), inp.max);
                    // A short whole-number scale (1–5, 1–10) is a row of buttons.
                    if let Some(hi) = hi
                        && lo.fract().is_zero()
                        && hi.fract().is_zero()
                        && hi >= lo
                        && hi - lo <= Decimal::from(10)
                    {
                        let (lo, hi) = (
                            i64::try_from(lo).unwrap_or(1),
                            i64::try_from(hi).unwrap_or(5),
                        );
                        let choices = (lo..=hi)
                            .map(|n| Choice {
                                value: n.to_string(),
                                label: n.to_string(),
                                worth: Some(pts(lang, Decimal::from(n) * *scale)),
                            })
                            .collect();
                        out.insert(
                            *input,
                            Control {
                                kind: "levels",
                                choices,
                                ..Control::default()
                            },
                        );
                    }
                }
                Rule::Grade {
                    input,
                    options,
                    pick,
                } => {
                    let choices = options
                        .iter()
                        .map(|o| Choice {
                            value: o.grade.clone(),
                            label: match &o.text {
                                Some(x) => format!("{} · {x}", o.grade),
                                None => o.grade.clone(),
                            },
                            worth: Some(match &o.pct {
                                ScoreSpec::Fixed(p) => format!("{}%", fmt(*p)),
                                ScoreSpec::Range(a, b) => format!("{}–{}%", fmt(*a), fmt(*b)),
                                ScoreSpec::Formula(f) => f.text.clone(),
                            }),
                        })
                        .collect();
                    out.insert(
                        *input,
                        Control {
                            kind: "levels",
                            choices,
                            ..Control::default()
                        },
                    );
                    if let Some(p) = pick {
                        out.insert(
                            *p,
                            Control {
                                kind: "pick",
                                hint: Some(text(lang, "ctl-grade-pick", &[])),
                                ..Control::default()
                            },
                        );
                    }
                }
                Rule::Checklist { input, criteria } => {
                    let choices = criteria
                        .iter()
                        .enumerate()
                        .map(|(i, c)| Choice {
                            value: (i + 1).to_string(),
                            label: c.text.clone(),
                            worth: Some(pts(lang, c.points)),
                        })
                        .collect();
                    out.insert(
                        *input,
                        Control {
                            kind: "checklist",
                            choices,
                            ..Control::default()
                        },
                    );
                }
                Rule::Adjust {
                    input,
                    reason,
                    lo,
                    hi,
                } => {
                    out.insert(
                        *input,
                        Control {
                            kind: "pick",
                            min: Some(fmt(*lo)),
                            max: Some(fmt(*hi)),
                            hint: Some(text(lang, "ctl-adjust", &[])),
                            ..Control::default()
                        },
                    );
                    out.insert(
                        *reason,
                        Control {
                            kind: "reason",
                            required: true,
                            hint: Some(text(lang, "ctl-reason", &[])),
                            ..Control::default()
                        },
                    );
                }
                Rule::Score { input, lo, hi } => {
                    out.insert(
                        *input,
                        Control {
                            kind: "pick",
                            min: Some(fmt(*lo)),
                            max: Some(fmt(*hi)),
                            ..Control::default()
                        },
                    );
                }
                Rule::Tiers {
                    pick: Some(p),
                    bands,
                    ..
                } => {
                    let (mut lo, mut hi): (Option<Decimal>, Option<Decimal>) = (None, None);
                    let mut lines = Vec::new();
                    for b in bands {
                        let worth = match &b.score {
                            ScoreSpec::Fixed(s) => {
                                lo = Some(lo.map_or(*s, |x| x.min(*s)));
                                hi = Some(hi.map_or(*s, |x| x.max(*s)));
                                pts(lang, *s)
                            }
                            ScoreSpec::Range(a, z) => {
                                lo = Some(lo.map_or(*a, |x| x.min(*a)));
                                hi = Some(hi.map_or(*z, |x| x.max(*z)));
                                range_text(lang, *a, *z)
                            }
                            ScoreSpec::Formula(f) => f.text.clone(),
                        };
                        lines.push(match &b.text {
                            Some(x) => format!("{x}: {worth}"),
                            None => worth,
                        });
                    }
                    out.insert(
                        *p,
                        Control {
                            kind: "pick",
                            min: lo.map(fmt),
                            max: hi.map(fmt),
                            hint: Some(text(
                                lang,
                                "ctl-tiers",
                                &[("tiers", Arg::Text(lines.join("；")))],
                            )),
                            ..Control::default()
                        },
                    );
                }
                _ => {}
            }
        }
        for ev in &item.events {
            let name = pick_name(lang, &ev.name, ev.name_en.as_deref());
            let deduct = ev.sign.is_sign_negative();
            let each = match &ev.points {
                EventPoints::Fixed(p) => pts(lang, *p),
                EventPoints::Range { lo, hi, .. } => range_text(lang, *lo, *hi),
            };
            let mut hint = text(
                lang,
                if deduct {
                    "ctl-event-minus"
                } else {
                    "ctl-event-plus"
                },
                &[
                    ("event", Arg::Text(name.to_string())),
                    ("each", Arg::Text(each)),
                ],
            );
            if let Some(cap) = ev.cap {
                hint.push_str(&text(
                    lang,
                    "ctl-event-cap",
                    &[("cap", Arg::Text(fmt(cap)))],
                ));
            }
            if let Some(c) = ev.count {
                out.insert(
                    c,
                    Control {
                        kind: "counter",
                        hint: Some(hint.clone()),
                        min: Some("0".into()),
                        ..Control::default()
                    },
                );
            }
            if let EventPoints::Range { lo, hi, picked } = &ev.points {
                out.insert(
                    *picked,
                    Control {
                        kind: "pick",
                        hint: Some(text(
                            lang,
                            "ctl-event-picked",
                            &[("lo", Arg::Text(fmt(*lo))), ("hi", Arg::Text(fmt(*hi)))],
                        )),
                        ..Control::default()
                    },
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled(id: &str) -> Template {
        let path = format!("{}/../../templates/{id}.toml", env!("CARGO_MANIFEST_DIR"));
        let src = std::fs::read_to_string(&path).unwrap();
        kaohe_core::compile_str(&src).unwrap_or_else(|_| panic!("{path} compiles"))
    }

    #[test]
    fn every_rule_that_needs_a_control_gets_one_in_the_bundled_forms() {
        let mut seen = std::collections::BTreeSet::new();
        for n in 1..=18 {
            let t = bundled(&format!("F{n:02}"));
            let all = controls(&t, Lang::Zh);
            for (slot, c) in &all {
                assert!((*slot as usize) < t.inputs.len());
                if c.kind == "levels" || c.kind == "checklist" {
                    assert!(
                        !c.choices.is_empty(),
                        "F{n:02} {}",
                        t.inputs[*slot as usize].id
                    );
                }
                seen.insert(c.kind);
            }
            // English too, with no message key missing (a missing key shows as the key).
            for c in controls(&t, Lang::En).values() {
                assert!(!c.hint.as_deref().unwrap_or("").contains("ctl-"), "{c:?}");
            }
        }
        for k in ["levels", "checklist", "counter", "pick", "reason"] {
            assert!(
                seen.contains(k),
                "no bundled form uses a {k} control: {seen:?}"
            );
        }
    }
}
