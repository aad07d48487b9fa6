//! The store's messages are catalogue keys rendered in the reader's language: both
//! catalogues hold the same keys, every key the code uses is in both, and a rendered error
//! is in one language only.

use kaohe_store::{CATALOGUE, Lang, StoreError, Thing};
use std::collections::BTreeSet;

fn keys(src: &str) -> BTreeSet<String> {
    src.lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .filter(|k| !k.is_empty() && !k.starts_with('#') && !k.contains(' '))
        .map(str::to_string)
        .collect()
}

#[test]
fn both_catalogues_hold_every_key_the_store_uses() {
    let (zh, en) = (
        keys(CATALOGUE.source(Lang::Zh)),
        keys(CATALOGUE.source(Lang::En)),
    );
    assert_eq!(
        zh.symmetric_difference(&en).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "keys in one catalogue only"
    );
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut used = BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_name() == "text.rs" {
            continue; // the macro's own documentation
        }
        let src = std::fs::read_to_string(e.path()).unwrap();
        for part in src.split("text!(\"").skip(1) {
            used.insert(part.split('"').next().unwrap().to_string());
        }
    }
    assert!(used.len() > 40, "the store's messages: {used:?}");
    for k in &used {
        for lang in Lang::ALL {
            assert!(CATALOGUE.has_key(lang, k), "`{k}` missing in {lang:?}");
        }
    }
}

#[test]
fn an_error_reads_in_one_language_at_a_time() {
    let e = StoreError::NotFound {
        what: Thing::Appraisal,
        key: "7".into(),
    };
    assert_eq!(e.message(Lang::Zh), "考核表「7」不存在");
    assert_eq!(e.message(Lang::En), "appraisal `7` does not exist");
    // The command line and the logs get both.
    assert_eq!(
        e.to_string(),
        "考核表「7」不存在 / appraisal `7` does not exist"
    );
    let stale = StoreError::Stale { current: 3 };
    assert!(stale.message(Lang::Zh).contains("当前版本 3"));
    assert!(!stale.message(Lang::Zh).is_ascii());
    assert!(
        stale.message(Lang::En).is_ascii(),
        "{}",
        stale.message(Lang::En)
    );
}
