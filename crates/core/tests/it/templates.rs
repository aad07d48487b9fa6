//! Every bundled form: checks clean, and its worked examples compute exactly what the sheet says.

use kaohe_core::{check, compile_str, scenario};
use std::path::{Path, PathBuf};

fn templates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates")
}

fn bundled() -> Vec<(String, String)> {
    let mut v: Vec<_> = std::fs::read_dir(templates_dir())
        .expect("templates/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn all_eighteen_seed_forms_are_bundled() {
    let ids: Vec<String> = bundled().into_iter().map(|(id, _)| id).collect();
    for n in 1..=18 {
        let id = format!("F{n:02}");
        assert!(
            ids.iter().any(|i| i == &id),
            "templates/{id}.toml is missing (have {ids:?})"
        );
    }
}

#[test]
fn every_bundled_template_checks_without_errors() {
    for (id, src) in bundled() {
        let c = check(&src);
        let errors: Vec<String> = c
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                d.render(
                    &format!("{id}.toml"),
                    &src,
                    &[kaohe_core::Lang::Zh, kaohe_core::Lang::En],
                )
            })
            .collect();
        assert!(errors.is_empty(), "{id} has errors:\n{}", errors.join("\n"));
        let t = c.template.expect("compiles");
        assert_eq!(t.form.id, id, "the file name and [form] id differ");
    }
}

#[test]
fn every_bundled_template_has_worked_examples_that_pass() {
    let mut total_cases = 0;
    for (id, src) in bundled() {
        let t = compile_str(&src).unwrap_or_else(|_| panic!("{id} compiles"));
        let ex_path = templates_dir().join("examples").join(format!("{id}.toml"));
        let ex_src = std::fs::read_to_string(&ex_path)
            .unwrap_or_else(|_| panic!("{} is missing", ex_path.display()));
        let ex = scenario::parse(&ex_src).unwrap_or_else(|e| panic!("{}: {e}", ex_path.display()));
        assert!(
            ex.cases.len() >= 3,
            "{id}: at least three worked examples, found {}",
            ex.cases.len()
        );
        let reports = scenario::run(&t, &ex);
        let failures: Vec<String> = reports
            .iter()
            .filter(|r| !r.failures.is_empty())
            .map(|r| format!("{id} — {}:\n  {}", r.name, r.failures.join("\n  ")))
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        for r in &reports {
            assert!(
                r.checks > 0,
                "{id} — {}: a case that checks nothing",
                r.name
            );
        }
        total_cases += reports.len();
    }
    assert!(total_cases >= 3);
}
