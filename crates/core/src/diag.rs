//! Diagnostics: what `kaohe template check` reports, with file:line:column and a fix.

use crate::i18n::{Lang, Msg};
use std::ops::Range;

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth a look; the template still works.
    Warning,
    /// The template cannot be used until this is fixed.
    Error,
}

/// One finding about a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code, e.g. `E011`.
    pub code: &'static str,
    pub message: Msg,
    /// A suggested fix.
    pub help: Option<Msg>,
    /// Byte range in the template file.
    pub span: Option<Range<usize>>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, message: Msg, span: Option<Range<usize>>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message,
            help: None,
            span,
        }
    }
    /// A warning.
    pub fn warning(code: &'static str, message: Msg, span: Option<Range<usize>>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message,
            help: None,
            span,
        }
    }
    /// Add a suggested fix.
    pub fn with_help(mut self, help: Msg) -> Self {
        self.help = Some(help);
        self
    }
    /// Is it an error?
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// 1-based line and column (in characters) of the start of the span.
    pub fn line_col(&self, src: &str) -> Option<(usize, usize)> {
        self.span.as_ref().map(|r| line_col(src, r.start))
    }

    /// Render as `file:line:col: 错误 E011: …` followed by the fix, in the given languages.
    pub fn render(&self, file: &str, src: &str, langs: &[Lang]) -> String {
        let place = match self.line_col(src) {
            Some((l, c)) => format!("{file}:{l}:{c}"),
            None => file.to_string(),
        };
        let mut out = String::new();
        for (i, lang) in langs.iter().enumerate() {
            let sev = match (self.severity, lang) {
                (Severity::Error, Lang::Zh) => "错误",
                (Severity::Error, Lang::En) => "error",
                (Severity::Warning, Lang::Zh) => "警告",
                (Severity::Warning, Lang::En) => "warning",
            };
            if i == 0 {
                out.push_str(&format!(
                    "{place}: {sev} {}: {}\n",
                    self.code,
                    self.message.render(*lang)
                ));
            } else {
                out.push_str(&format!("  {sev}: {}\n", self.message.render(*lang)));
            }
        }
        if let Some((line, col)) = self.line_col(src)
            && let Some(text) = src.lines().nth(line - 1)
        {
            out.push_str(&format!("  {line:>4} | {text}\n"));
            let pad: String = text
                .chars()
                .take(col - 1)
                .map(|c| {
                    if c == '\t' {
                        '\t'
                    } else if c.len_utf8() > 1 {
                        '　'
                    } else {
                        ' '
                    }
                })
                .collect();
            out.push_str(&format!("       | {pad}^\n"));
        }
        if let Some(help) = &self.help {
            for lang in langs {
                let label = match lang {
                    Lang::Zh => "建议",
                    Lang::En => "help",
                };
                out.push_str(&format!("  {label}: {}\n", help.render(*lang)));
            }
        }
        out
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..floor_char_boundary(src, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
