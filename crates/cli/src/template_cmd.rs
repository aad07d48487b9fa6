//! `kaohe template check | show | test | list`.

use crate::load;
use anyhow::Result;
use kaohe_core::{Lang, scenario};
use std::path::Path;
use std::process::ExitCode;

fn all_or(specs: &[String]) -> Vec<String> {
    if specs.is_empty() {
        crate::bundled::BUNDLED
            .iter()
            .map(|b| b.0.to_string())
            .collect()
    } else {
        specs.to_vec()
    }
}

/// `kaohe template check`: exit 1 when any template has an error.
pub fn check(files: &[String], langs: &[Lang]) -> Result<ExitCode> {
    let mut errors = 0;
    for spec in all_or(files) {
        let src = load::source(&spec)?;
        let checked = kaohe_core::check(&src.text);
        let e = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        let w = checked.diagnostics.len() - e;
        errors += e;
        if !checked.diagnostics.is_empty() {
            crate::outln!(
                "{}",
                load::render_diags(&src.name, &src.text, &checked.diagnostics, langs)
            );
        }
        let status = if e > 0 { "✗" } else { "✓" };
        crate::outln!(
            "{status} {}: {e} 个错误 / error(s), {w} 个警告 / warning(s)",
            src.name
        );
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `kaohe template show`.
pub fn show(spec: &str, langs: &[Lang]) -> Result<ExitCode> {
    let (_, t) = load::template(spec, langs)?;
    for lang in langs {
        crate::outln!("{}", kaohe_core::show::show(&t, *lang));
    }
    Ok(ExitCode::SUCCESS)
}

/// `kaohe template test`: run the worked examples.
pub fn test(specs: &[String], examples: Option<&Path>, langs: &[Lang]) -> Result<ExitCode> {
    let (mut passed, mut failed) = (0usize, 0usize);
    for spec in all_or(specs) {
        let (src, t) = load::template(&spec, langs)?;
        let (ex_name, ex_text) = match (examples, &src.examples) {
            (Some(p), _) => (p.display().to_string(), std::fs::read_to_string(p)?),
            (None, Some((n, t))) => (n.clone(), t.clone()),
            (None, None) => {
                crate::outln!("? {}: 没有算例 / no worked examples", src.name);
                failed += 1;
                continue;
            }
        };
        let ex = match scenario::parse(&ex_text) {
            Ok(e) => e,
            Err(e) => {
                crate::outln!("✗ {ex_name}: {e}");
                failed += 1;
                continue;
            }
        };
        for rep in scenario::run(&t, &ex) {
            if rep.failures.is_empty() {
                passed += 1;
                crate::outln!("✓ {} — {} ({} checks)", t.form.id, rep.name, rep.checks);
            } else {
                failed += 1;
                crate::outln!("✗ {} — {}", t.form.id, rep.name);
                for f in &rep.failures {
                    crate::outln!("    {f}");
                }
            }
        }
    }
    crate::outln!("{passed} passed, {failed} failed");
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `kaohe template list`.
pub fn list() -> Result<ExitCode> {
    for (id, src, ex) in crate::bundled::BUNDLED {
        let title = kaohe_core::compile_str(src)
            .map(|t| format!("{} — {}", t.form.title, t.form.title_en.unwrap_or_default()))
            .unwrap_or_else(|_| "(有错误 / has errors)".into());
        let n = ex
            .and_then(|e| scenario::parse(e).ok())
            .map_or(0, |e| e.cases.len());
        crate::outln!("{id}  {title}  [{n} 个算例 / examples]");
    }
    Ok(ExitCode::SUCCESS)
}
