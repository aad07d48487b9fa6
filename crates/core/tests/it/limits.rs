//! A template upload cannot take the service down: sizes are limited and refused with a
//! diagnostic that names the limit, and nothing a file controls recurses deeply. Each
//! test runs on a thread with a 256 KiB stack (a tokio worker has 2 MiB), so a recursion
//! as deep as the file would overflow here first.

use kaohe_core::compile::{
    MAX_COLUMNS, MAX_INPUTS, MAX_ITEMS, MAX_METRIC_DEPTH, MAX_METRICS, MAX_RATERS, MAX_SOURCE_BYTES,
};
use kaohe_core::formula::{self, FormulaErrorKind};
use kaohe_core::input::{match_header, parse_row};
use kaohe_core::{Engine, Frame, Lang, Recorder, check, scenario};
use std::path::{Path, PathBuf};

const SMALL_STACK: usize = 256 * 1024;

/// Run `f` on a thread with a small stack; a stack overflow aborts the test binary.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("thread starts")
        .join()
        .expect("no panic")
}

fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates")
}

fn f01() -> String {
    std::fs::read_to_string(templates_dir().join("F01.toml")).expect("F01 is bundled")
}

/// F01 with a chain of `n` metrics appended: `m0 = m1 + 1`, …, `m{n-1} = sales_actual + 1`.
fn chained_metrics(n: usize) -> String {
    let mut src = f01();
    for i in 0..n {
        let next = if i + 1 == n {
            "sales_actual".to_string()
        } else {
            format!("m{}", i + 1)
        };
        src.push_str(&format!(
            "\n[[metric]]\nid = \"m{i}\"\nname = \"m{i}\"\nformula = \"{next} + 1\"\n"
        ));
    }
    src
}

/// The same chain written compactly, so that it stays below the size limit.
fn compact_chained_metrics(n: usize) -> String {
    let mut src = f01();
    src.push('\n');
    for i in 0..n {
        let next = if i + 1 == n {
            "sales_actual".to_string()
        } else {
            format!("m{}", i + 1)
        };
        src.push_str(&format!(
            "[[metric]]\nid=\"m{i}\"\nname=\"m\"\nformula=\"{next}+1\"\n"
        ));
    }
    src
}

/// The E025 diagnostics of `src`, rendered in both languages.
fn limit_errors(src: &str) -> Vec<String> {
    let c = check(src);
    assert!(c.has_errors(), "expected the template to be refused");
    assert!(c.template.is_none());
    c.diagnostics
        .iter()
        .filter(|d| d.is_error() && d.code == "E025")
        .map(|d| d.render("t.toml", src, &[Lang::Zh, Lang::En]))
        .collect()
}

#[test]
fn the_reported_template_of_25000_chained_metrics_is_refused_by_its_size() {
    let src = chained_metrics(25_000);
    assert!(src.len() > MAX_SOURCE_BYTES, "{} bytes", src.len());
    let errs = on_small_stack(move || limit_errors(&src));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains(&MAX_SOURCE_BYTES.to_string()),
        "names the limit: {}",
        errs[0]
    );
    assert!(errs[0].contains("模板文件过大") && errs[0].contains("too large"));
}

#[test]
fn a_metric_chain_longer_than_the_metric_limit_is_refused_by_it() {
    let src = compact_chained_metrics(MAX_METRICS + 500);
    assert!(src.len() <= MAX_SOURCE_BYTES, "{} bytes", src.len());
    let errs = on_small_stack(move || limit_errors(&src));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains(&MAX_METRICS.to_string()) && errs[0].contains("[[metric]]"),
        "names the limit: {}",
        errs[0]
    );
}

#[test]
fn a_metric_chain_deeper_than_the_limit_is_refused_without_recursion() {
    // Within the count limit, far beyond the depth limit: the dependency walk must not
    // recurse once per link.
    // F01 has one metric of its own.
    let src = compact_chained_metrics(MAX_METRICS - 1);
    let errs = on_small_stack(move || limit_errors(&src));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains(&MAX_METRIC_DEPTH.to_string()) && errs[0].contains("m0"),
        "names the limit and the metric: {}",
        errs[0]
    );
    let src = compact_chained_metrics(MAX_METRIC_DEPTH + 1);
    let errs = on_small_stack(move || limit_errors(&src));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains(&format!("{}", MAX_METRIC_DEPTH + 1)));
}

#[test]
fn a_cycle_in_a_long_chain_is_still_reported_as_a_cycle() {
    let src = compact_chained_metrics(MAX_METRICS - 1)
        .replace("formula=\"sales_actual+1\"", "formula=\"m0+1\"");
    let c = on_small_stack(move || check(&src).diagnostics);
    assert!(c.iter().any(|d| d.code == "E005"), "{c:?}");
}

#[test]
fn a_chain_just_under_the_limit_compiles_and_scores() {
    on_small_stack(|| {
        let src = compact_chained_metrics(MAX_METRIC_DEPTH);
        let c = check(&src);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let t = c.template.expect("compiles");
        let ex = scenario::parse(
            &std::fs::read_to_string(templates_dir().join("examples/F01.toml")).unwrap(),
        )
        .unwrap();
        let (headers, cells) = scenario::case_table(&ex.cases[0]);
        let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
        let cols = match_header(&t, &hdr).expect("header");
        let refs: Vec<&str> = cells[0].iter().map(String::as_str).collect();
        let row = parse_row(&t, &cols, &refs, 2).expect("row");
        let engine = Engine::new(&t);
        let mut f = Frame::new(&t);
        let mut rec = Recorder::default();
        engine
            .score(&row.values, &mut f, &[], &mut rec)
            .expect("scores");
        let m0 = t.metrics.iter().find(|m| m.id == "m0").expect("m0");
        // sales_actual = 87, plus one per link.
        assert_eq!(
            f.v[m0.slot as usize],
            rust_decimal::Decimal::from(87 + MAX_METRIC_DEPTH as i64)
        );
        let text = kaohe_core::explain::render(&t, &f, &rec, Lang::Zh);
        assert!(text.contains("90"), "{text}");
        let mut g = Frame::new(&t);
        engine
            .score_outputs(&row.values, &mut g, &[])
            .expect("scores");
        assert_eq!(g.total(&t), f.total(&t));
    });
}

#[test]
fn too_many_items_inputs_or_raters_are_refused_by_name() {
    let mut items = f01();
    for i in 0..=MAX_ITEMS {
        items.push_str(&format!(
            "[[item]]\nid=\"x{i}\"\nname=\"x\"\nsection=\"other_section\"\npoints=0\nrule=\"score\"\n"
        ));
    }
    let mut inputs = f01();
    for i in 0..=MAX_INPUTS {
        inputs.push_str(&format!("[[input]]\nid=\"x{i}\"\nname=\"x\"\n"));
    }
    let mut raters = f01();
    for i in 0..=MAX_RATERS {
        raters.push_str(&format!("[[rater]]\nid=\"r{i}\"\nname=\"r\"\nweight=1\n"));
    }
    for (src, what, limit) in [
        (items, "[[item]]", MAX_ITEMS),
        (inputs, "[[input]]", MAX_INPUTS),
        (raters, "[[rater]]", MAX_RATERS),
    ] {
        let errs = on_small_stack(move || limit_errors(&src));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].contains(what) && errs[0].contains(&limit.to_string()),
            "{}",
            errs[0]
        );
    }
}

#[test]
fn too_many_input_columns_are_refused_by_name() {
    // 40 raters × 300 rated items: within each table's limit, beyond the columns'.
    let mut src = f01().replace(
        "\nmay_exceed_total = true",
        "\nmay_exceed_total = true\nrater_weights = \"relative\"",
    );
    for i in 0..40 {
        src.push_str(&format!("[[rater]]\nid=\"r{i}\"\nname=\"r\"\nweight=1\n"));
    }
    for i in 0..300 {
        src.push_str(&format!(
            "[[item]]\nid=\"x{i}\"\nname=\"x\"\nsection=\"other_section\"\npoints=0\nrule=\"score\"\nraters=[{}]\n",
            (0..40).map(|r| format!("\"r{r}\"")).collect::<Vec<_>>().join(",")
        ));
    }
    assert!(src.len() <= MAX_SOURCE_BYTES);
    let c = on_small_stack(move || check(&src).diagnostics);
    let errs: Vec<String> = c
        .iter()
        .filter(|d| d.code == "E025")
        .map(|d| {
            format!(
                "{} / {}",
                d.message.render(Lang::Zh),
                d.message.render(Lang::En)
            )
        })
        .collect();
    assert_eq!(errs.len(), 1, "{c:?}");
    assert!(errs[0].contains(&MAX_COLUMNS.to_string()), "{}", errs[0]);
    assert!(errs[0].contains("输入列") && errs[0].contains("input columns"));
}

#[test]
fn huge_or_deeply_nested_formulas_are_refused_with_a_clear_error() {
    on_small_stack(|| {
        let cases = [
            ("1 MB", "1+".repeat(500_000) + "1"),
            (
                "100,000 parentheses",
                "(".repeat(100_000) + "1" + &")".repeat(100_000),
            ),
            ("a long sum", "a+".repeat(1_500) + "a"),
            ("a long chain of minus signs", "-".repeat(3_000) + "1"),
            (
                "nested calls",
                "abs(".repeat(2_000) + "1" + &")".repeat(2_000),
            ),
            ("a long product", "2*".repeat(1_900) + "2"),
        ];
        for (what, src) in &cases {
            let e = formula::parse(src).expect_err(what);
            assert_eq!(e.kind, FormulaErrorKind::TooComplex, "{what}");
            let text = e.to_string();
            assert!(
                text.contains(&formula::MAX_LEN.to_string())
                    && text.contains(&formula::MAX_DEPTH.to_string())
                    && text.contains(&formula::MAX_HEIGHT.to_string()),
                "names the limits: {text}"
            );
        }
        // The longest chain accepted evaluates, and its explanation renders.
        let src = "1+".repeat(formula::MAX_HEIGHT - 1) + "1";
        let node = formula::parse(&src).expect("within the limits");
        let e = formula::compile(&node, &mut |_| None).unwrap();
        assert_eq!(
            e.eval(&[]).unwrap(),
            rust_decimal::Decimal::from(formula::MAX_HEIGHT as i64)
        );
        assert!(node.render_with(&|_| None).starts_with("1 + 1"));
        assert!(formula::parse(&("1+".repeat(formula::MAX_HEIGHT) + "1")).is_err());
    });
}

#[test]
fn a_too_complex_formula_in_a_template_is_a_diagnostic() {
    let src = f01().replace(
        "formula = \"sales_actual / sales_target × 100\"",
        &format!(
            "formula = \"{}sales_actual / sales_target × 100\"",
            "1+".repeat(1_000)
        ),
    );
    let c = on_small_stack(move || check(&src).diagnostics);
    let d = c.iter().find(|d| d.code == "E004").expect("E004");
    let text = d.message.render(Lang::Zh);
    assert!(text.contains(&formula::MAX_HEIGHT.to_string()), "{text}");
}

#[test]
fn deeply_nested_toml_is_refused_not_a_stack_overflow() {
    for nested in [
        "x = ".to_string() + &"[".repeat(200_000) + &"]".repeat(200_000),
        "x = ".to_string() + &"{a=".repeat(100_000) + "1" + &"}".repeat(100_000),
    ] {
        let src = f01().replace("[form]", &format!("{nested}\n[form]"));
        let c = on_small_stack(move || check(&src));
        assert!(c.has_errors());
    }
}

#[test]
fn every_bundled_form_is_well_within_the_limits() {
    for e in std::fs::read_dir(templates_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let src = std::fs::read_to_string(&p).unwrap();
        assert!(src.len() * 10 < MAX_SOURCE_BYTES, "{}", p.display());
        let t = on_small_stack(move || kaohe_core::compile_str(&src).expect("compiles"));
        assert!(t.metrics.len() * 10 < MAX_METRICS);
        assert!(t.items.len() * 10 < MAX_ITEMS);
        assert!(t.inputs.len() * 10 < MAX_COLUMNS);
    }
}

#[test]
fn numbers_at_the_edge_of_decimal_in_a_template_do_not_panic_the_checker() {
    const MAX: &str = "79228162514264337593543950335";
    let variants = [
        f01().replace(
            "formula = \"sales_actual / sales_target × 100\"",
            &format!("formula = \"sales_actual / sales_target × 100 + {MAX} * {MAX} * 2\""),
        ),
        f01().replace(
            "formula = \"sales_actual / sales_target × 100\"",
            &format!("formula = \"sales_actual / 0.0000000000000000000000000001 * {MAX}\""),
        ),
        f01().replacen("points = 30", &format!("points = {MAX}"), 1),
        f01().replace("points = ", &format!("points = {MAX} #")),
        f01().replace("total_points = 100", &format!("total_points = -{MAX}")),
    ];
    for src in variants {
        let r = std::panic::catch_unwind(|| check(&src));
        assert!(r.is_ok(), "the checker panicked");
    }
}
