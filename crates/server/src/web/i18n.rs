//! The pages' own messages: Fluent catalogues compiled into the binary
//! (`crates/server/web/i18n/{zh-CN,en}.ftl`), looked up by key. A key missing from a
//! catalogue renders as `⟦key⟧` and is recorded, so a test walking the pages finds it.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use kaohe_core::Lang;
use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

/// The zh-CN catalogue of the pages.
pub const ZH_FTL: &str = include_str!("../../web/i18n/zh-CN.ftl");
/// The English catalogue of the pages.
pub const EN_FTL: &str = include_str!("../../web/i18n/en.ftl");

/// The marker a missing key renders with (searched for by the tests).
pub const MISSING_OPEN: &str = "⟦";

/// The pages' catalogue.
static PAGES: kaohe_core::Catalogue = kaohe_core::Catalogue::new(ZH_FTL, EN_FTL);

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    PAGES.bundle(lang)
}

fn misses() -> &'static Mutex<BTreeSet<String>> {
    static M: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    M.get_or_init(Default::default)
}

/// Keys looked up but missing since the process started, as `lang:key`.
pub fn missing_keys() -> Vec<String> {
    misses()
        .lock()
        .map(|m| m.iter().cloned().collect())
        .unwrap_or_default()
}

/// The language's tag as the pages use it (`zh-CN`, `en`).
pub fn tag(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    }
}

/// Does the pages' catalogue of `lang` hold `key`? (For labels of kinds another part may
/// add: shown by their own name until the catalogue has one.)
pub fn has(lang: Lang, key: &str) -> bool {
    bundle(lang).has_message(key)
}

/// A numeric or text argument of a message.
#[derive(Debug, Clone)]
pub enum Arg {
    Num(f64),
    Text(String),
}

/// The message `key` in `lang` with `args`; `⟦key⟧` (recorded) when the key is missing.
pub fn text(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    let b = bundle(lang);
    let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
        if let Ok(mut m) = misses().lock() {
            m.insert(format!("{}:{key}", tag(lang)));
        }
        return format!("{MISSING_OPEN}{key}⟧");
    };
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        match v {
            Arg::Num(n) => fa.set(*k, FluentValue::from(*n)),
            Arg::Text(s) => fa.set(*k, FluentValue::from(s.clone())),
        }
    }
    let mut errors = Vec::new();
    let s = b.format_pattern(pattern, Some(&fa), &mut errors);
    if !errors.is_empty()
        && let Ok(mut m) = misses().lock()
    {
        m.insert(format!("{}:{key} (arguments)", tag(lang)));
    }
    s.into_owned()
}

/// The keys of a catalogue source, in order.
pub fn keys(src: &str) -> Vec<String> {
    src.lines()
        .filter_map(|l| {
            let (k, _) = l.split_once(" =")?;
            (!k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .then(|| k.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let zh: BTreeSet<_> = keys(ZH_FTL).into_iter().collect();
        let en: BTreeSet<_> = keys(EN_FTL).into_iter().collect();
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only in zh-CN.ftl: {only_zh:?}; only in en.ftl: {only_en:?}"
        );
        for k in &zh {
            for lang in Lang::ALL {
                assert!(
                    bundle(lang).has_message(k),
                    "{k} does not parse in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn every_key_a_template_names_is_in_both_catalogues() {
        for &(name, src) in super::super::TEMPLATES {
            let mut rest: &str = src;
            while let Some(i) = rest.find("t(\"") {
                rest = &rest[i + 3..];
                let end = rest.find('"').expect("closing quote");
                let key = &rest[..end];
                // `t("state-" ~ a.state)`: a prefix, checked by `keys_built_at_run_time_exist`.
                if rest[end + 1..].trim_start().starts_with('~') {
                    assert!(
                        keys(ZH_FTL).iter().any(|k| k.starts_with(key)),
                        "{name}: no key starts with `{key}`"
                    );
                    continue;
                }
                for lang in Lang::ALL {
                    assert!(
                        bundle(lang).has_message(key),
                        "{name} uses `{key}`, missing from the {} catalogue",
                        tag(lang)
                    );
                }
            }
        }
    }

    #[test]
    fn keys_built_at_run_time_exist() {
        use kaohe_core::workflow::State;
        let states = [
            State::DataEntry,
            State::SelfAssessment,
            State::Rating,
            State::Review,
            State::Approval,
            State::Published,
            State::Appealed,
            State::Confirmed,
        ];
        let mut keys: Vec<String> = states
            .iter()
            .map(|s| format!("state-{}", s.as_str()))
            .collect();
        keys.extend(
            super::super::TASK_KINDS
                .iter()
                .map(|k| format!("task-kind-{k}")),
        );
        keys.extend(
            super::super::DEMO_USERS
                .iter()
                .map(|u| format!("demo-user-{u}")),
        );
        keys.extend(
            [
                "decision-upheld",
                "decision-reopened",
                "entry-title-rate",
                "entry-title-self",
                "decide-title-review",
                "decide-title-approve",
                "decide-title-appeal",
                "decide-help-review",
                "decide-help-approve",
                "decide-help-appeal",
                "results-sig-made",
            ]
            .map(String::from),
        );
        // The notification settings' label of every kind of message.
        keys.extend(
            kaohe_store::EventKind::ALL
                .iter()
                .map(|k| format!("nkind-{}", k.as_str())),
        );
        for k in keys {
            for lang in Lang::ALL {
                assert!(bundle(lang).has_message(&k), "{k} missing in {lang:?}");
            }
        }
    }

    #[test]
    fn a_missing_key_is_marked_and_recorded() {
        let s = text(Lang::En, "no-such-key-for-test", &[]);
        assert_eq!(s, "⟦no-such-key-for-test⟧");
        assert!(
            missing_keys()
                .iter()
                .any(|k| k == "en:no-such-key-for-test")
        );
        assert_eq!(
            text(Lang::En, "tasks-count", &[("count", Arg::Num(1.0))]),
            "1 task"
        );
        assert_eq!(
            text(Lang::Zh, "tasks-count", &[("count", Arg::Num(3.0))]),
            "3 项"
        );
    }
}
