//! Every message the code can show exists in both catalogues, with the same arguments.

use kaohe_core::i18n::{EN_FTL, Lang, ZH_FTL, has_key};
use std::collections::BTreeSet;
use std::path::Path;

fn keys(ftl: &str) -> BTreeSet<String> {
    ftl.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" = "))
        .map(|l| l.split(" = ").next().unwrap().trim().to_string())
        .collect()
}

fn used_keys() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let src = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for part in src.split("msg!(\"").skip(1) {
            let k = part.split('"').next().unwrap();
            if k != "key" {
                // `key` is the placeholder in the macro's own documentation.
                out.insert(k.to_string());
            }
        }
    }
    out
}

#[test]
fn both_catalogues_have_the_same_keys() {
    let zh = keys(ZH_FTL);
    let en = keys(EN_FTL);
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
    );
}

#[test]
fn every_key_the_code_uses_exists_in_both_languages() {
    let used = used_keys();
    assert!(used.len() > 50, "found only {} keys", used.len());
    for k in used {
        assert!(has_key(Lang::Zh, &k), "zh-CN.ftl lacks `{k}`");
        assert!(has_key(Lang::En, &k), "en.ftl lacks `{k}`");
    }
}

#[test]
fn both_catalogues_use_the_same_arguments_per_key() {
    let args = |ftl: &str| -> std::collections::BTreeMap<String, BTreeSet<String>> {
        let mut m = std::collections::BTreeMap::new();
        let mut cur = String::new();
        for l in ftl.lines() {
            if l.starts_with('#') {
                continue;
            }
            if !l.starts_with(' ') && l.contains(" = ") {
                cur = l.split(" = ").next().unwrap().trim().to_string();
            }
            let set: &mut BTreeSet<String> = m.entry(cur.clone()).or_default();
            for p in l.split("{ $").skip(1) {
                set.insert(p.split([' ', '}']).next().unwrap().to_string());
            }
        }
        m
    };
    let (zh, en) = (args(ZH_FTL), args(EN_FTL));
    for (k, a) in &zh {
        assert_eq!(
            Some(a),
            en.get(k),
            "`{k}` takes different arguments in zh-CN and en"
        );
    }
}
