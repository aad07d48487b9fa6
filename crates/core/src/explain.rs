//! Explanations rendered for people: one line per item, then sections, total, grade, pay.

use crate::engine::{Frame, Recorder, Target};
use crate::i18n::Lang;
use crate::model::Template;
use crate::num::fmt;

fn name<'a>(zh: &'a str, en: Option<&'a str>, lang: Lang) -> &'a str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en.unwrap_or(zh),
    }
}

/// Render an explanation as text, one line per item, section, total, grade and pay line.
pub fn render(t: &Template, f: &Frame, rec: &Recorder, lang: Lang) -> String {
    let sep = match lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    };
    let colon = match lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    };
    let join = |target: Target| -> String {
        rec.lines
            .iter()
            .filter(|(tg, _)| *tg == target)
            .map(|(_, m)| m.render(lang).trim().to_string())
            .collect::<Vec<_>>()
            .join(sep)
    };
    let mut out = String::new();
    for (i, m) in t.metrics.iter().enumerate() {
        let _ = m;
        let line = join(Target::Metric(i));
        if !line.is_empty() {
            out.push_str(&format!("  · {line}\n"));
        }
    }
    for (si, sec) in t.sections.iter().enumerate() {
        if t.sections.len() > 1 {
            out.push_str(&format!(
                "【{}】\n",
                name(&sec.name, sec.name_en.as_deref(), lang)
            ));
        }
        for &k in &sec.items {
            let it = &t.items[k];
            out.push_str(&format!(
                "  {}{colon}{}\n",
                name(&it.name, it.name_en.as_deref(), lang),
                join(Target::Item(k))
            ));
        }
        // A lone section repeats the total, unless something happened to it (scaling, a cap).
        let plain = rec
            .lines
            .iter()
            .filter(|(tg, _)| *tg == Target::Section(si))
            .all(|(_, m)| m.key == "ex-section-sum");
        if t.sections.len() > 1 || !plain {
            out.push_str(&format!(
                "  = {}{colon}{}\n",
                name(&sec.name, sec.name_en.as_deref(), lang),
                join(Target::Section(si))
            ));
        }
    }
    let total_label = match lang {
        Lang::Zh => "总分",
        Lang::En => "Total",
    };
    out.push_str(&format!("{total_label}{colon}{}\n", join(Target::Total)));
    let g = join(Target::Grade);
    if !g.is_empty() {
        let label = match lang {
            Lang::Zh => "等级",
            Lang::En => "Grade",
        };
        out.push_str(&format!("{label}{colon}{g}\n"));
    }
    for (pi, p) in t.pay.iter().enumerate() {
        out.push_str(&format!(
            "{}{colon}{}\n",
            name(&p.name, p.name_en.as_deref(), lang),
            join(Target::Pay(pi))
        ));
    }
    let r = join(Target::Rank);
    if !r.is_empty() {
        let label = match lang {
            Lang::Zh => "排名",
            Lang::En => "Rank",
        };
        out.push_str(&format!("{label}{colon}{r}\n"));
    }
    let _ = fmt;
    let _ = f;
    out
}

/// The explanation as keyed lines, for pages that show one number's explanation at a time:
/// `metric:<id>`, `item:<id>`, `section:<id>`, `total`, `grade`, `pay:<id>`, `rank`.
pub fn keyed(t: &Template, rec: &Recorder, lang: Lang) -> Vec<(String, String)> {
    let sep = match lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    };
    let key = |tg: Target| match tg {
        Target::Metric(i) => format!("metric:{}", t.metrics[i].id),
        Target::Item(i) => format!("item:{}", t.items[i].id),
        Target::Section(i) => format!("section:{}", t.sections[i].id),
        Target::Total => "total".to_string(),
        Target::Grade => "grade".to_string(),
        Target::Pay(i) => format!("pay:{}", t.pay[i].id),
        Target::Rank => "rank".to_string(),
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for (tg, m) in &rec.lines {
        let k = key(*tg);
        let text = m.render(lang).trim().to_string();
        match out.iter_mut().find(|(x, _)| *x == k) {
            Some((_, v)) => {
                v.push_str(sep);
                v.push_str(&text);
            }
            None => out.push((k, text)),
        }
    }
    out
}
