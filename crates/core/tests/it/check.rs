//! `kaohe template check`: each kind of mistake is found, placed at the right line and
//! column, and explained in both languages with a fix.

use kaohe_core::diag::Severity;
use kaohe_core::{Lang, check};

const HEAD: &str = r#"[form]
id = "T"
title = "测试表"
period = "monthly"
total_points = 100
"#;

/// (code, line, column) of every error.
fn errors(src: &str) -> Vec<(&'static str, usize, usize)> {
    check(src)
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let (l, c) = d.line_col(src).unwrap_or((0, 0));
            (d.code, l, c)
        })
        .collect()
}

fn line_of(src: &str, needle: &str) -> usize {
    src.lines()
        .position(|l| l.contains(needle))
        .expect("needle present")
        + 1
}

#[test]
fn a_clean_template_has_no_diagnostics() {
    let src = format!(
        "{HEAD}{}",
        r#"
[[item]]
id = "a"
name = "甲"
points = 100
rule = "score"
"#
    );
    let c = check(&src);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    assert!(c.template.is_some());
}

#[test]
fn toml_syntax_errors_point_at_the_line() {
    let src = format!("{HEAD}\n[[item]]\nid = \"a\nname = 1\n");
    let e = errors(&src);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, "E001");
    assert_eq!(e[0].1, line_of(&src, "id = \"a"));
}

#[test]
fn unknown_names_are_found_with_a_suggestion() {
    let src = format!(
        "{HEAD}{}",
        r#"
[[input]]
id = "sales"
name = "销售额"

[[item]]
id = "a"
name = "甲"
points = 100
rule = "ratio"
measure = "sale"
target = 100
cap_pct = 100
"#
    );
    let c = check(&src);
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == "E003")
        .expect("E003");
    let (l, col) = d.line_col(&src).unwrap();
    assert_eq!(l, line_of(&src, "measure = \"sale\""));
    assert_eq!(
        col,
        "measure = \"".chars().count() + 1,
        "points at the name inside the formula"
    );
    let text = d.render("t.toml", &src, &[Lang::Zh, Lang::En]);
    assert!(text.contains("`sales`"), "suggests the near name: {text}");
    assert!(
        text.contains("不存在") && text.contains("does not exist"),
        "{text}"
    );
}

#[test]
fn formula_syntax_errors_point_at_the_character() {
    let src = format!(
        "{HEAD}{}",
        r#"
[[item]]
id = "a"
name = "甲"
points = 100
rule = "formula"
score = "100 * * 2"
"#
    );
    let c = check(&src);
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == "E004")
        .expect("E004");
    let (l, col) = d.line_col(&src).unwrap();
    assert_eq!(l, line_of(&src, "score = "));
    assert_eq!(col, "score = \"100 * ".chars().count() + 1);
}

#[test]
fn metric_cycles_are_reported() {
    let src = format!(
        "{HEAD}{}",
        r#"
[[metric]]
id = "m1"
name = "一"
formula = "m2 + 1"

[[metric]]
id = "m2"
name = "二"
formula = "m1 * 2"

[[item]]
id = "a"
name = "甲"
points = 100
rule = "score"
"#
    );
    assert!(
        errors(&src).iter().any(|e| e.0 == "E005"),
        "{:?}",
        errors(&src)
    );
}

#[test]
fn weights_that_do_not_add_up_are_reported() {
    let src = format!(
        "{HEAD}{}",
        r#"
[[rater]]
id = "self"
name = "自评"
weight = 30
[[rater]]
id = "boss"
name = "上级"
weight = 60

[[section]]
id = "s1"
name = "业绩"
weight = 80
[[section]]
id = "s2"
name = "行为"
weight = 30

[[item]]
id = "a"
section = "s1"
name = "甲"
points = 100
rule = "score"
raters = ["self", "boss"]
[[item]]
id = "b"
section = "s2"
name = "乙"
points = 100
rule = "score"
"#
    );
    let codes: Vec<_> = errors(&src).into_iter().map(|e| e.0).collect();
    assert!(codes.contains(&"E010"), "rater weights 90%: {codes:?}");
    assert!(codes.contains(&"E009"), "section weights 110%: {codes:?}");
}

#[test]
fn tier_gaps_and_overlaps_are_reported_like_the_f02_sheet() {
    // The literal F02 sheet: ≥90 → 20, ≥85 → 10, <80 → 0; nothing for 80–85.
    let src = format!(
        "{HEAD}{}",
        r#"
[[input]]
id = "rate"
name = "完成率"
type = "percent"

[[item]]
id = "a"
name = "甲"
points = 100
rule = "tiers"
measure = "rate"
bands = [
  { from = 90, score = 100 },
  { from = 85, to = 90, score = 10 },
  { to = 80, score = 0 },
]
"#
    );
    let c = check(&src);
    let gap = c
        .diagnostics
        .iter()
        .find(|d| d.code == "E011")
        .expect("the 80–85 gap");
    let text = gap.render("F02.toml", &src, &[Lang::Zh, Lang::En]);
    assert!(
        text.contains("80 到 85") && text.contains("80 to 85"),
        "{text}"
    );
    assert!(
        text.contains("from = 80, to = 85"),
        "suggests the missing band: {text}"
    );

    let overlap = src.replace(
        "{ from = 85, to = 90, score = 10 }",
        "{ from = 75, to = 95, score = 10 }",
    );
    let codes: Vec<_> = errors(&overlap).into_iter().map(|e| e.0).collect();
    assert!(codes.contains(&"E012"), "{codes:?}");
}

#[test]
fn ranges_with_min_above_max_are_reported() {
    let src = format!(
        "{HEAD}{}",
        r#"
[[input]]
id = "x"
name = "数"
min = 10
max = 5

[[item]]
id = "a"
name = "甲"
points = 100
rule = "events"
events = [{ id = "e", name = "错", deduct = [5, 1] }]
"#
    );
    let e = errors(&src);
    assert!(e.iter().filter(|x| x.0 == "E008").count() >= 2, "{e:?}");
    assert!(
        e.iter()
            .any(|x| x.0 == "E008" && x.1 == line_of(&src, "min = 10"))
    );
}

#[test]
fn unreachable_maxima_and_silent_overflows_are_reported() {
    let unreachable = format!(
        "{HEAD}{}",
        r#"
[[item]]
id = "a"
name = "甲"
points = 100
rule = "levels"
levels = [{ level = 1, score = 20 }, { level = 2, score = 80 }]
"#
    );
    let e = errors(&unreachable);
    assert!(
        e.iter()
            .any(|x| x.0 == "E013" && x.1 == line_of(&unreachable, "points = 100")),
        "{e:?}"
    );

    let exceeds = format!(
        "{HEAD}{}",
        r#"
[[item]]
id = "a"
name = "甲"
points = 100
rule = "events"
start = 100
max = "none"
events = [{ id = "bonus", name = "加分", add = 5 }]
"#
    );
    let e = errors(&exceeds);
    assert!(e.iter().any(|x| x.0 == "E014"), "{e:?}");
    let allowed = exceeds.replace(
        "total_points = 100",
        "total_points = 100\nmay_exceed_total = true",
    );
    assert!(errors(&allowed).is_empty(), "{:?}", errors(&allowed));
}

#[test]
fn duplicate_ids_and_bad_rules_are_reported() {
    let src = format!(
        "{HEAD}{}",
        r#"
[[item]]
id = "a"
name = "甲"
points = 50
rule = "score"
[[item]]
id = "a"
name = "乙"
points = 50
rule = "scroe"
"#
    );
    let c = check(&src);
    let codes: Vec<_> = c.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"E002"), "{codes:?}");
    let bad_rule = c
        .diagnostics
        .iter()
        .find(|d| d.code == "E006")
        .expect("E006");
    assert!(
        bad_rule.render("t", &src, &[Lang::Zh]).contains("`score`"),
        "did you mean score"
    );
}

#[test]
fn fields_a_rule_ignores_are_warned_about() {
    let src = format!(
        "{HEAD}{}",
        r#"
[[item]]
id = "a"
name = "甲"
points = 100
rule = "score"
cap_pct = 120
"#
    );
    let c = check(&src);
    assert!(c.template.is_some(), "a warning does not stop the template");
    let w = c
        .diagnostics
        .iter()
        .find(|d| d.code == "W001")
        .expect("W001");
    assert_eq!(w.line_col(&src).unwrap().0, line_of(&src, "cap_pct"));
}
