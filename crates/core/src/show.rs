//! The form printed as the sheet reads: header, sections, items with their standard,
//! points, department and the rule in words; grades, pay and signatures.

use crate::i18n::Lang;
use crate::model::*;
use crate::msg;
use crate::num::fmt;

fn nm<'a>(zh: &'a str, en: Option<&'a str>, lang: Lang) -> &'a str {
    if lang == Lang::En {
        en.unwrap_or(zh)
    } else {
        zh
    }
}

/// A formula with names shown as the sheet names them.
fn named(t: &Template, f: &Formula, lang: Lang) -> String {
    f.node.render_map(&|n| {
        if let Some((_, name, name_en)) = t.input_for_name(n) {
            return Some(nm(&name, name_en.as_deref(), lang).to_string());
        }
        if let Some(p) = t.params.iter().find(|p| p.id == n) {
            return Some(nm(&p.name, p.name_en.as_deref(), lang).to_string());
        }
        if let Some(m) = t.metrics.iter().find(|m| m.id == n) {
            return Some(nm(&m.name, m.name_en.as_deref(), lang).to_string());
        }
        if let Some(i) = t.items.iter().find(|i| i.id == n) {
            return Some(nm(&i.name, i.name_en.as_deref(), lang).to_string());
        }
        if let Some(s) = t.sections.iter().find(|s| s.id == n) {
            return Some(nm(&s.name, s.name_en.as_deref(), lang).to_string());
        }
        match (n, lang) {
            ("total", Lang::Zh) => Some("总分".into()),
            ("total", Lang::En) => Some("total".into()),
            _ => None,
        }
    })
}

fn spec(s: &ScoreSpec) -> String {
    match s {
        ScoreSpec::Fixed(x) => fmt(*x),
        ScoreSpec::Range(a, b) => format!("{}–{}", fmt(*a), fmt(*b)),
        ScoreSpec::Formula(f) => f.text.clone(),
    }
}

/// The rule of an item in words.
pub fn rule_words(t: &Template, it: &Item, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    let r = |m: crate::i18n::Msg| m.render(lang);
    match &it.rules[0] {
        Rule::Ratio {
            measure,
            target,
            better,
            cap_pct,
            zero_below,
        } => {
            out.push(r(msg!(
                "rule-ratio",
                measure = named(t, measure, lang),
                target = named(t, target, lang),
                better = if *better == Better::Higher {
                    "higher"
                } else {
                    "lower"
                },
                points = fmt(it.points)
            )));
            if let Some(c) = cap_pct {
                out.push(r(msg!("rule-cap-pct", cap = fmt(*c))));
            }
            if let Some(z) = zero_below {
                out.push(r(msg!("rule-zero-below", cutoff = named(t, z, lang))));
            }
        }
        Rule::Steps {
            measure,
            target,
            below,
            above,
            zero_below,
        } => {
            out.push(r(msg!(
                "rule-steps",
                measure = named(t, measure, lang),
                target = named(t, target, lang),
                points = fmt(it.points)
            )));
            if let Some(b) = below {
                out.push(r(msg!(
                    "rule-step-below",
                    per = fmt(b.per),
                    step = fmt(b.points.abs())
                )));
            }
            if let Some(a) = above {
                out.push(r(msg!(
                    "rule-step-above",
                    per = fmt(a.per),
                    step = fmt(a.points.abs())
                )));
            }
            if let Some(z) = zero_below {
                out.push(r(msg!("rule-zero-below", cutoff = named(t, z, lang))));
            }
        }
        Rule::Tiers { measure, bands, .. } => {
            match measure {
                Some(m) => out.push(r(msg!("rule-tiers", measure = named(t, m, lang)))),
                None => out.push(r(msg!("rule-tiers-picked"))),
            }
            for b in bands {
                let range = match (b.from, b.to) {
                    (Some(a), Some(z)) => format!("{} ≤ x < {}", fmt(a), fmt(z)),
                    (Some(a), None) => format!("x ≥ {}", fmt(a)),
                    (None, Some(z)) => format!("x < {}", fmt(z)),
                    (None, None) => String::new(),
                };
                let text = b.text.clone().unwrap_or_default();
                out.push(
                    format!("  {range} → {} {text}", spec(&b.score))
                        .replace("  →", "  →")
                        .trim_end()
                        .to_string(),
                );
            }
        }
        Rule::Levels { levels, .. } => {
            out.push(r(msg!("rule-levels")));
            for l in levels {
                out.push(
                    format!(
                        "  {}级 {}分 {}",
                        l.level,
                        fmt(l.score),
                        l.text.clone().unwrap_or_default()
                    )
                    .trim_end()
                    .to_string(),
                );
            }
        }
        Rule::Rating { scale, .. } => out.push(r(msg!(
            "rule-rating",
            scale = fmt(*scale),
            points = fmt(it.points)
        ))),
        Rule::Grade { options, .. } => {
            out.push(r(msg!("rule-grade")));
            for o in options {
                out.push(
                    format!(
                        "  {} {}% {}",
                        o.grade,
                        spec(&o.pct),
                        o.text.clone().unwrap_or_default()
                    )
                    .trim_end()
                    .to_string(),
                );
            }
        }
        Rule::Checklist { criteria, .. } => {
            out.push(r(msg!("rule-checklist")));
            for (i, c) in criteria.iter().enumerate() {
                out.push(format!(
                    "  {} {} ({}分)",
                    crate::engine::circled(i + 1),
                    c.text,
                    fmt(c.points)
                ));
            }
        }
        Rule::Events { start } => out.push(r(msg!("rule-events", start = fmt(*start)))),
        Rule::Adjust { lo, hi, .. } => {
            out.push(r(msg!("rule-adjust", lo = fmt(*lo), hi = fmt(*hi))))
        }
        Rule::Score { lo, hi, .. } => out.push(r(msg!("rule-score", lo = fmt(*lo), hi = fmt(*hi)))),
        Rule::Formula { score } => {
            out.push(r(msg!("rule-formula", formula = named(t, score, lang))))
        }
    }
    for e in &it.events {
        let per = match &e.points {
            EventPoints::Fixed(x) => fmt(*x),
            EventPoints::Range { lo, hi, .. } => format!("{}–{}", fmt(*lo), fmt(*hi)),
        };
        let mut line = if e.sign.is_sign_negative() {
            r(msg!(
                "rule-event-deduct",
                event = nm(&e.name, e.name_en.as_deref(), lang),
                per = per
            ))
        } else {
            r(msg!(
                "rule-event-add",
                event = nm(&e.name, e.name_en.as_deref(), lang),
                per = per
            ))
        };
        if let Some(w) = &e.when {
            line.push_str(&r(msg!("rule-event-when", cond = named(t, w, lang))));
        }
        if let Some(c) = e.cap {
            line.push_str(&r(msg!("rule-event-cap", cap = fmt(c))));
        }
        out.push(format!("· {line}"));
    }
    match it.floor {
        Some(f)
            if f.is_zero()
                && !matches!(it.rules[0], Rule::Adjust { .. })
                && (!it.events.is_empty()) =>
        {
            out.push(r(msg!("rule-floor-zero")))
        }
        Some(f) if !f.is_zero() => out.push(r(msg!("rule-floor", floor = fmt(f)))),
        None if !matches!(it.rules[0], Rule::Adjust { .. }) => out.push(r(msg!("rule-negative"))),
        _ => {}
    }
    if it.max.is_none() && !matches!(it.rules[0], Rule::Adjust { .. }) {
        out.push(r(msg!("rule-no-cap")));
    }
    match it.na {
        NaPolicy::PeerAverage => out.push(r(msg!("rule-na-peer"))),
        NaPolicy::Drop => out.push(r(msg!("rule-na-drop"))),
        NaPolicy::Forbidden => {}
    }
    if !it.raters.is_empty() {
        let names: Vec<String> = it
            .raters
            .iter()
            .map(|&i| {
                format!(
                    "{} {}",
                    nm(&t.raters[i].name, t.raters[i].name_en.as_deref(), lang),
                    fmt(t.raters[i].weight)
                )
            })
            .collect();
        out.push(r(msg!("rule-raters", raters = names.join(", "))));
    }
    out
}

/// The whole form as text.
pub fn show(t: &Template, lang: Lang) -> String {
    let f = &t.form;
    let mut s = String::new();
    s.push_str(&format!(
        "{}  [{}]\n",
        nm(&f.title, f.title_en.as_deref(), lang),
        f.id
    ));
    let period = if lang == Lang::En {
        f.period.en()
    } else {
        f.period.zh()
    };
    s.push_str(
        &msg!(
            "show-header",
            positions = f.positions.join("、"),
            period = period,
            total = fmt(f.total_points)
        )
        .render(lang),
    );
    s.push('\n');
    if !t.raters.is_empty() {
        let r: Vec<String> = t
            .raters
            .iter()
            .map(|r| {
                let group = r.peers.as_ref().map_or(String::new(), |g| {
                    let pick = match g.pick {
                        PeerPick::SameDepartment => msg!("show-peers-dept"),
                        PeerPick::Hr => msg!("show-peers-hr"),
                    }
                    .render(lang);
                    msg!("show-peers", n = g.size, k = g.min_answers, pick = pick).render(lang)
                });
                format!(
                    "{} {}{}{group}",
                    nm(&r.name, r.name_en.as_deref(), lang),
                    fmt(r.weight),
                    if group.is_empty() || lang == Lang::Zh {
                        ""
                    } else {
                        " "
                    }
                )
            })
            .collect();
        s.push_str(&msg!("show-raters", raters = r.join(" / ")).render(lang));
        s.push('\n');
    }
    if !t.params.is_empty() {
        for p in &t.params {
            s.push_str(
                &msg!(
                    "show-param",
                    name = nm(&p.name, p.name_en.as_deref(), lang),
                    id = p.id.clone(),
                    value = fmt(p.default),
                    unit = p.unit.clone().unwrap_or_default()
                )
                .render(lang),
            );
            s.push('\n');
        }
    }
    let mut n = 0;
    for sec in &t.sections {
        s.push('\n');
        let w = sec
            .weight
            .map(|w| format!(" × {}%", fmt(w)))
            .unwrap_or_default();
        s.push_str(&format!(
            "━━ {} ({}{}) {}\n",
            nm(&sec.name, sec.name_en.as_deref(), lang),
            msg!("show-points", points = fmt(sec.points)).render(lang),
            w,
            sec.dept.clone().unwrap_or_default()
        ));
        if let Some(sf) = &sec.score {
            s.push_str(&format!("    = {}\n", named(t, sf, lang)));
        }
        for &k in &sec.items {
            n += 1;
            let it = &t.items[k];
            let dept = it
                .dept
                .as_ref()
                .map(|d| format!("  [{d}]"))
                .unwrap_or_default();
            s.push_str(&format!(
                "{n:>2}. {}  {}{dept}\n",
                nm(&it.name, it.name_en.as_deref(), lang),
                msg!("show-points", points = fmt(it.points)).render(lang)
            ));
            if let Some(st) = &it.standard {
                for line in st.lines() {
                    s.push_str(&format!("      {line}\n"));
                }
            }
            for w in rule_words(t, it, lang) {
                s.push_str(&format!("    ▸ {w}\n"));
            }
            if let Some(n) = &it.note {
                s.push_str(&format!("    ※ {n}\n"));
            }
        }
    }
    s.push('\n');
    match &t.total {
        Some(tf) => {
            s.push_str(&msg!("show-total-formula", formula = named(t, tf, lang)).render(lang))
        }
        None => s.push_str(&msg!("show-total-sum").render(lang)),
    }
    s.push('\n');
    if !t.grades.is_empty() {
        let mut prev = None;
        let g: Vec<String> = t
            .grades
            .iter()
            .map(|g| {
                let band = match (g.min, prev) {
                    (Some(m), _) => format!("≥{}", fmt(m)),
                    (None, Some(p)) => format!("<{}", fmt(p)),
                    (None, None) => String::new(),
                };
                prev = g.min.or(prev);
                format!("{} {band}", nm(&g.name, g.name_en.as_deref(), lang))
            })
            .collect();
        s.push_str(&msg!("show-grades", grades = g.join(" / ")).render(lang));
        s.push('\n');
    }
    for p in &t.pay {
        s.push_str(&format!(
            "{}: {}\n",
            nm(&p.name, p.name_en.as_deref(), lang),
            named(t, &p.formula, lang)
        ));
    }
    if let Some(r) = &t.ranking {
        let m = match (r.top, &r.title) {
            (Some(top), Some(title)) => msg!(
                "show-ranking",
                by = named(t, &r.by, lang),
                top = top,
                title = title.clone()
            )
            .en_arg("title", r.title_en.clone().unwrap_or_else(|| title.clone())),
            _ => msg!("show-ranking-plain", by = named(t, &r.by, lang)),
        };
        s.push_str(&m.render(lang));
        s.push('\n');
    }
    if let Some(nt) = &f.notes {
        s.push_str(&format!("\n{}\n", nt));
    }
    if !f.signatures.is_empty() {
        s.push('\n');
        let sig: Vec<String> = f
            .signatures
            .iter()
            .map(|x| format!("{x}: ________  日期: ________"))
            .collect();
        s.push_str(&sig.join("    "));
        s.push('\n');
    }
    s
}
