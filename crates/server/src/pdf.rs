//! PDFs of a filled form and of a cycle's results, printed by headless Chromium from
//! kaohe's own print pages (`web::print`): the page HTML, with the stylesheet inlined, is
//! written to a temporary file and Chromium prints it (`--print-to-pdf`, A4 from the print
//! stylesheet, no header or footer). The PDF is what people see when they print the page;
//! no PDF library is built in. Chinese text needs a CJK font (Debian: `fonts-wqy-microhei`).
//!
//! Chromium is found as `--chromium PATH` (command line), else `KAOHE_CHROMIUM`, else
//! `chromium`, `chromium-browser`, `google-chrome` on the PATH; when it is missing the
//! error says what to install.

use crate::auth::Auth;
use crate::error::{ApiResult, ErrorBody};
use crate::office::{Fail, OfficeFail, cycle_template};
use crate::{ApiPath as Path, ApiQuery, AppState};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kaohe_core::Lang;
use kaohe_store::policy::Capability;
use kaohe_store::{Store, User};
use serde::Deserialize;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use utoipa::IntoParams;

/// The environment variable naming the Chromium binary.
pub const CHROMIUM_ENV: &str = "KAOHE_CHROMIUM";

/// How long Chromium may take to print one document.
const PRINT_TIMEOUT: Duration = Duration::from_secs(90);

/// The Chromium binary: `explicit`, else `$KAOHE_CHROMIUM`, else the first of `chromium`,
/// `chromium-browser`, `google-chrome` on the PATH. The error names what is missing.
pub fn chromium(explicit: Option<&std::path::Path>) -> Result<PathBuf, String> {
    let named = explicit
        .map(PathBuf::from)
        .or_else(|| std::env::var_os(CHROMIUM_ENV).map(PathBuf::from));
    if let Some(p) = named {
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "找不到 Chromium：{} 不存在（PDF 由 Chromium 打印；请安装 chromium 和 fonts-wqy-microhei，或用 --chromium / {CHROMIUM_ENV} 指定） / Chromium not found: {} does not exist (PDFs are printed by Chromium: install chromium and fonts-wqy-microhei, or name it with --chromium / {CHROMIUM_ENV})",
                p.display(),
                p.display()
            ))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    Err(format!(
        "找不到 Chromium（PDF 由 Chromium 打印）：请安装 `apt-get install chromium fonts-wqy-microhei`，或用 --chromium / {CHROMIUM_ENV} 指定 / Chromium is not installed (PDFs are printed by Chromium): `apt-get install chromium fonts-wqy-microhei`, or name it with --chromium / {CHROMIUM_ENV}"
    ))
}

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> Result<TempDir, String> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "kaohe-pdf-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(TempDir(dir))
}

/// Print a complete HTML document to PDF with headless Chromium (blocking: run it off the
/// async threads). The document must not need the network (kaohe's print pages do not).
pub fn html_to_pdf(chromium: &std::path::Path, html: &str) -> Result<Vec<u8>, String> {
    let dir = temp_dir()?;
    let page = dir.0.join("page.html");
    let out = dir.0.join("out.pdf");
    std::fs::write(&page, html).map_err(|e| format!("{}: {e}", page.display()))?;
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.0.join("profile").display()
        ))
        .arg(format!("--crash-dumps-dir={}", dir.0.display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "无法启动 Chromium {} / cannot start Chromium {}: {e}",
                chromium.display(),
                chromium.display()
            )
        })?;
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > PRINT_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "Chromium 打印超时 / Chromium did not print within {}s",
                    PRINT_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut stderr);
    }
    match std::fs::read(&out) {
        Ok(b) if status.success() && b.starts_with(b"%PDF") => Ok(b),
        _ => Err(format!(
            "Chromium 未能打印 PDF / Chromium did not print the PDF ({status}): {}",
            stderr.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
        )),
    }
}

async fn print(chromium: Option<&std::path::Path>, html: String) -> Fail<Vec<u8>> {
    let chromium = self::chromium(chromium).map_err(OfficeFail::Unavailable)?;
    tokio::task::spawn_blocking(move || html_to_pdf(&chromium, &html))
        .await
        .map_err(|e| OfficeFail::Internal(e.to_string()))?
        .map_err(OfficeFail::Internal)
}

/// One appraisal's filled form as a PDF, as `who` may see it (refused like the `.xlsx`
/// when the scores are hidden from them). Returns a file name and the bytes. Chromium is
/// looked for (`chromium`, see [`chromium()`]) once the appraisal may be printed.
pub async fn form_pdf<S: Store>(
    store: &S,
    who: &User,
    appraisal_id: i64,
    lang: Lang,
    chromium: Option<&std::path::Path>,
) -> Fail<(String, Vec<u8>)> {
    let a = store.appraisal(who, appraisal_id).await?;
    if a.result.as_ref().and_then(|r| r.total.as_ref()).is_none() {
        return Err(OfficeFail::NotFound(format!(
            "考核表 {appraisal_id} 还没有可以给您看的分数 / appraisal {appraisal_id} has no score you may see yet"
        )));
    }
    let (cy, t) = cycle_template(store, a.cycle_id).await?;
    let html =
        crate::web::print::form_html(lang, &t, &cy, &a, who).map_err(OfficeFail::Internal)?;
    let bytes = print(chromium, html).await?;
    Ok((
        format!("{}-{}-{}.pdf", cy.form_id, cy.period, a.emp_no),
        bytes,
    ))
}

/// A cycle's results as a PDF: per department the ranking, grade distribution and bonuses.
pub async fn results_pdf<S: Store>(
    store: &S,
    cycle_id: i64,
    lang: Lang,
    chromium: Option<&std::path::Path>,
) -> Fail<Vec<u8>> {
    let (cy, t) = cycle_template(store, cycle_id).await?;
    let rows = store.results(cycle_id).await?;
    let html =
        crate::web::print::results_html(lang, &t, &cy, &rows).map_err(OfficeFail::Internal)?;
    print(chromium, html).await
}

/// The language of a PDF.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PdfQuery {
    /// `zh-CN` (default: the user's language) or `en`.
    pub lang: Option<String>,
}

fn lang_of(q: &PdfQuery, who: &User) -> Lang {
    q.lang
        .as_deref()
        .and_then(Lang::parse)
        .or_else(|| Lang::parse(&who.lang))
        .unwrap_or_default()
}

fn pdf_file(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "inline; filename=\"{}\"",
                    name.replace(
                        |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
                        "_"
                    )
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// One appraisal's filled form as a PDF (A4, like the paper sheet), for whoever may see its
/// scores (404 when hidden); 503 when the server has no Chromium.
#[utoipa::path(get, path = "/api/appraisals/{id}/form.pdf", params(("id" = i64, Path), PdfQuery), responses((status = 200, body = String, content_type = "application/pdf"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn form<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<PdfQuery>,
) -> ApiResult<Response> {
    let lang = lang_of(&q, &auth.0);
    let (name, bytes) = form_pdf(&st.store, &auth.0, id, lang, None).await?;
    Ok(pdf_file(bytes, &name))
}

/// A cycle's results as a PDF: per department the ranking, grade distribution and
/// bonuses (HR); 503 when the server has no Chromium.
#[utoipa::path(get, path = "/api/cycles/{id}/results.pdf", params(("id" = i64, Path), PdfQuery), responses((status = 200, body = String, content_type = "application/pdf"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn results<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<PdfQuery>,
) -> ApiResult<Response> {
    let who = auth.may_all(Capability::Payroll)?;
    let lang = lang_of(&q, who);
    let bytes = results_pdf(&st.store, id, lang, None).await?;
    Ok(pdf_file(bytes, &format!("results-{id}.pdf")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_missing_chromium_is_named_with_what_to_install() {
        let e = super::chromium(Some(std::path::Path::new("/nonexistent/chromium"))).unwrap_err();
        assert!(e.contains("/nonexistent/chromium"), "{e}");
        assert!(
            e.contains("fonts-wqy-microhei") && e.contains("--chromium"),
            "{e}"
        );
        assert!(e.contains(" / "), "Chinese and English: {e}");
    }
}
