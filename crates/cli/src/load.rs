//! Finding and compiling templates: a path, or the id of a bundled form.

use anyhow::{Context, Result, bail};
use kaohe_core::diag::Diagnostic;
use kaohe_core::{Lang, Template};
use std::path::{Path, PathBuf};

/// A template's source and where it came from.
pub struct Source {
    /// A path, or `bundled:F01`.
    pub name: String,
    pub text: String,
    /// Examples: beside a file in `examples/`, or bundled.
    pub examples: Option<(String, String)>,
}

/// Read a template given as a path or a bundled id.
pub fn source(spec: &str) -> Result<Source> {
    let p = Path::new(spec);
    if p.exists() {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("无法读取 / cannot read {spec}"))?;
        let ex_path: PathBuf = p
            .parent()
            .unwrap_or(Path::new("."))
            .join("examples")
            .join(p.file_name().unwrap_or_default());
        let examples = std::fs::read_to_string(&ex_path)
            .ok()
            .map(|t| (ex_path.display().to_string(), t));
        return Ok(Source {
            name: spec.to_string(),
            text,
            examples,
        });
    }
    if let Some((id, text, ex)) = crate::bundled::find(spec) {
        return Ok(Source {
            name: format!("templates/{id}.toml"),
            text: text.to_string(),
            examples: ex.map(|e| (format!("templates/examples/{id}.toml"), e.to_string())),
        });
    }
    let ids: Vec<&str> = crate::bundled::BUNDLED.iter().map(|b| b.0).collect();
    bail!(
        "找不到模板 `{spec}`: 既不是文件，也不是内置表单 ({}) / no template `{spec}`: not a file, nor a bundled form",
        ids.join(", ")
    )
}

/// Render diagnostics for a terminal.
pub fn render_diags(name: &str, src: &str, diags: &[Diagnostic], langs: &[Lang]) -> String {
    diags
        .iter()
        .map(|d| d.render(name, src, langs))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compile a template, or fail with its diagnostics.
pub fn template(spec: &str, langs: &[Lang]) -> Result<(Source, Template)> {
    let src = source(spec)?;
    match kaohe_core::compile_str(&src.text) {
        Ok(t) => Ok((src, t)),
        Err(d) => bail!(
            "模板有错误 / the template has errors:\n{}",
            render_diags(&src.name, &src.text, &d, langs)
        ),
    }
}
