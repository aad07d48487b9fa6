//! PDFs of a filled form and of a cycle's results, printed by headless Chromium from
//! kaohe's own print pages (`web::print`): the page HTML, with the stylesheet inlined, is
//! written to a temporary file and Chromium prints it (`--print-to-pdf`, A4 from the print
//! stylesheet, no header or footer). The PDF is what people see when they print the page;
//! no PDF library is built in. Chinese text needs a CJK font (Debian: `fonts-wqy-microhei`).
//!
//! Chromium is found as `--chromium PATH` (command line), else `KAOHE_CHROMIUM`, else
//! `chromium`, `chromium-browser`, `google-chrome` on the PATH; when it is missing the
//! error says what to install.
//!
//! **One Chromium per PDF, through a bounded queue.** Each PDF is one short-lived
//! Chromium in its own process group, with a hard time limit: on timeout the whole group
//! is killed. Its stdout and stderr are read by threads while it runs, so a full pipe
//! cannot stall it, and it runs on a blocking thread, never on the async workers. Its
//! fan-out is cut with `--no-zygote --renderer-process-limit=1 --in-process-gpu` and
//! nothing in the background: about 7 processes and 1 GB summed RSS for one PDF instead of
//! 11 and 1.1 GB. (`--single-process` would be one process of 350 MB, but Debian's
//! Chromium 156 crashed in about 1 of 50 prints that way; it is a debugging mode.) The
//! server puts every PDF through a [`PdfQueue`] (in `AppState`): at most
//! [`PdfLimits::workers`] Chromiums at once (1 by default, `kaohe serve --pdf-workers`),
//! at most [`PdfLimits::queue`] PDFs waiting (8); beyond that a 503 with Retry-After. One
//! user may have at most [`PdfLimits::per_user`] PDFs queued or printing (2); beyond that
//! a 429 (`busy`) with Retry-After. A client that goes away gives its place in the queue
//! back; a Chromium already printing finishes (or times out) before its slot is freed, so
//! the bound holds whatever clients do.
//!
//! Why not one long-lived Chromium driven over the DevTools protocol: it would save the
//! start-up (about a second) but needs a WebSocket client and CDP code, a supervisor that
//! restarts a crashed or wedged browser, and care that one user's page never shares state
//! with another's. PDFs are occasional (a form at the end of a cycle, HR's results), so a
//! bounded queue of one-shot renders is simpler and fails one PDF at a time.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::office::{Fail, OfficeFail, cycle_template};
use crate::{ApiPath as Path, ApiQuery, AppState};
use axum::extract::State;
use axum::response::Response;
use kaohe_core::Lang;
use kaohe_store::policy::Capability;
use kaohe_store::{Store, User};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use utoipa::IntoParams;

/// The environment variable naming the Chromium binary.
pub const CHROMIUM_ENV: &str = "KAOHE_CHROMIUM";

/// How long Chromium may take to print one document from the command line (`kaohe
/// export`); the server's limit is [`PdfLimits::timeout`].
const COMMAND_LINE_TIMEOUT: Duration = Duration::from_secs(90);

/// How long a client is told to wait before asking again when the queue is full or it
/// has its share of PDFs in flight (one or two PDFs' printing time).
const RETRY_AFTER_SECS: u64 = 5;

/// Chromium's flags: headless, no sandbox (it runs as the server's user, on kaohe's own
/// page), as few processes as it prints reliably with (no zygote, one renderer, the GPU
/// code in the browser process), nothing in the background, no header or footer.
const CHROMIUM_FLAGS: [&str; 17] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-zygote",
    "--renderer-process-limit=1",
    "--in-process-gpu",
    "--disable-features=site-per-process",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
];

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

/// Why Chromium gave no PDF.
#[derive(Debug)]
pub enum PrintError {
    /// It took longer than this and was killed, with everything it started.
    Timeout(Duration),
    /// It could not be started, failed, or wrote no PDF: `中文 / English: details`.
    Failed(String),
}

impl std::fmt::Display for PrintError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrintError::Timeout(t) => write!(
                f,
                "PDF 打印超时（{} 秒），已停止，请稍后再试 / the PDF took longer than {} s to print and was stopped: try again later",
                t.as_secs_f64(),
                t.as_secs_f64()
            ),
            PrintError::Failed(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for PrintError {}

/// Read a pipe to its end on a thread (so the writer never blocks on a full pipe),
/// keeping the last 16 KiB; the text arrives on the returned channel.
fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        std::thread::spawn(move || {
            let mut kept: Vec<u8> = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        kept.extend_from_slice(&buf[..n]);
                        if kept.len() > 32 * 1024 {
                            kept.drain(..kept.len() - 16 * 1024);
                        }
                    }
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&kept).into_owned());
        });
    } else {
        let _ = tx.send(String::new());
    }
    rx
}

/// Kill process group `pgid` (Chromium and everything it started; `kill(1)`, as the
/// crate has no unsafe code to call `killpg`). Harmless when the group is gone.
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Print a complete HTML document to PDF with headless Chromium, killed with all its
/// processes after `timeout` (blocking: run it off the async threads). The document must
/// not need the network (kaohe's print pages do not).
pub fn html_to_pdf(
    chromium: &std::path::Path,
    html: &str,
    timeout: Duration,
) -> Result<Vec<u8>, PrintError> {
    use std::os::unix::process::CommandExt;
    let dir = temp_dir().map_err(PrintError::Failed)?;
    let page = dir.0.join("page.html");
    let out = dir.0.join("out.pdf");
    std::fs::write(&page, html)
        .map_err(|e| PrintError::Failed(format!("{}: {e}", page.display())))?;
    let mut child = Command::new(chromium)
        .args(CHROMIUM_FLAGS)
        .arg(format!(
            "--user-data-dir={}",
            dir.0.join("profile").display()
        ))
        .arg(format!("--crash-dumps-dir={}", dir.0.display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that a timeout kills whatever it started as well.
        .process_group(0)
        .spawn()
        .map_err(|e| {
            PrintError::Failed(format!(
                "无法启动 Chromium {} / cannot start Chromium {}: {e}",
                chromium.display(),
                chromium.display()
            ))
        })?;
    let pgid = child.id();
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Ok(s),
            Ok(None) if Instant::now() >= deadline => break Err(PrintError::Timeout(timeout)),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => break Err(PrintError::Failed(format!("Chromium: {e}"))),
        }
    };
    // Whatever of the group is still there (everything, on a timeout) goes.
    kill_group(pgid);
    if status.is_err() {
        let _ = child.kill();
        let _ = child.wait();
    }
    // The pipes close once the group is gone; a helper outside it (crashpad) may hold
    // them a moment longer, so the text is waited for briefly, never forever.
    let wait = Duration::from_secs(2);
    let _ = stdout.recv_timeout(wait);
    let stderr = stderr.recv_timeout(wait).unwrap_or_default();
    let status = status?;
    match std::fs::read(&out) {
        Ok(b) if status.success() && b.starts_with(b"%PDF") => Ok(b),
        _ => Err(PrintError::Failed(format!(
            "Chromium 未能打印 PDF / Chromium did not print the PDF ({status}): {}",
            stderr.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
        ))),
    }
}

/// The limits of the server's PDF queue.
#[derive(Debug, Clone)]
pub struct PdfLimits {
    /// Chromiums printing at once (default 1).
    pub workers: usize,
    /// PDFs waiting for a Chromium at most; beyond, 503 (default 8).
    pub queue: usize,
    /// PDFs one user may have queued or printing; beyond, 429 (default 2).
    pub per_user: usize,
    /// How long one Chromium may print before it is killed (default 30 s).
    pub timeout: Duration,
    /// The Chromium binary (default: `KAOHE_CHROMIUM`, else on the PATH; see [`chromium()`]).
    pub chromium: Option<PathBuf>,
}

impl Default for PdfLimits {
    fn default() -> Self {
        PdfLimits {
            workers: 1,
            queue: 8,
            per_user: 2,
            timeout: Duration::from_secs(30),
            chromium: None,
        }
    }
}

#[derive(Debug, Default)]
struct InFlight {
    /// PDFs queued or printing.
    total: usize,
    /// The same per user id.
    per_user: HashMap<i64, usize>,
}

/// The server's PDFs: at most `workers` Chromiums at once, a bounded queue, a share per
/// user (see the module documentation).
#[derive(Debug)]
pub struct PdfQueue {
    limits: PdfLimits,
    printers: Arc<Semaphore>,
    in_flight: Arc<Mutex<InFlight>>,
}

/// A place in the queue (or at a printer); given back when dropped.
struct Ticket {
    in_flight: Arc<Mutex<InFlight>>,
    user: i64,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut f = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        f.total = f.total.saturating_sub(1);
        if let Some(n) = f.per_user.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                f.per_user.remove(&self.user);
            }
        }
    }
}

impl Default for PdfQueue {
    fn default() -> Self {
        PdfQueue::new(PdfLimits::default())
    }
}

impl PdfQueue {
    pub fn new(limits: PdfLimits) -> Self {
        let workers = limits.workers.max(1);
        PdfQueue {
            limits: PdfLimits { workers, ..limits },
            printers: Arc::new(Semaphore::new(workers)),
            in_flight: Arc::default(),
        }
    }

    pub fn limits(&self) -> &PdfLimits {
        &self.limits
    }

    /// PDFs queued or printing now.
    pub fn in_flight(&self) -> usize {
        self.in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .total
    }

    /// A place for `user`'s PDF, or why not.
    fn admit(&self, user: i64) -> ApiResult<Ticket> {
        let mut f = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let mine = f.per_user.get(&user).copied().unwrap_or(0);
        if mine >= self.limits.per_user {
            return Err(ApiError::Busy {
                message: kaohe_store::Text::pair(
                    format!("您已有 {mine} 份 PDF 正在生成，请等它们完成后再试"),
                    format!(
                        "you already have {mine} PDF(s) being printed: wait for them, then try again"
                    ),
                ),
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        if f.total >= self.limits.workers + self.limits.queue {
            return Err(ApiError::Overloaded {
                message: kaohe_store::Text::pair(
                    format!(
                        "PDF 生成繁忙（{} 份排队中），请 {RETRY_AFTER_SECS} 秒后再试",
                        f.total
                    ),
                    format!(
                        "too many PDFs are being printed ({} in line): try again in {RETRY_AFTER_SECS} s",
                        f.total
                    ),
                ),
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        f.total += 1;
        *f.per_user.entry(user).or_default() += 1;
        Ok(Ticket {
            in_flight: self.in_flight.clone(),
            user,
        })
    }

    /// Print `html` for `user` once a Chromium is free: 503 when Chromium is missing, the
    /// queue is full or printing timed out; 429 when the user has their share in flight.
    pub async fn print(&self, user: i64, html: String) -> ApiResult<Vec<u8>> {
        let chromium = chromium(self.limits.chromium.as_deref())
            .map_err(|m| ApiError::Unavailable(kaohe_store::Text::from_both(&m)))?;
        let ticket = self.admit(user)?;
        let printer = self
            .printers
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let timeout = self.limits.timeout;
        // The ticket and the printer go with the blocking task: should the client go
        // away, they are freed when Chromium is done, not before.
        tokio::task::spawn_blocking(move || {
            let _held = (ticket, printer);
            html_to_pdf(&chromium, &html, timeout)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| match e {
            PrintError::Timeout(_) => ApiError::Overloaded {
                message: kaohe_store::Text::from_both(&e.to_string()),
                retry_after_secs: RETRY_AFTER_SECS,
            },
            PrintError::Failed(m) => ApiError::Internal(m),
        })
    }
}

/// Print from the command line: no queue, [`COMMAND_LINE_TIMEOUT`].
async fn print_now(chromium: Option<&std::path::Path>, html: String) -> Fail<Vec<u8>> {
    let chromium = self::chromium(chromium)
        .map_err(|m| OfficeFail::Unavailable(kaohe_store::Text::from_both(&m)))?;
    tokio::task::spawn_blocking(move || html_to_pdf(&chromium, &html, COMMAND_LINE_TIMEOUT))
        .await
        .map_err(|e| OfficeFail::Internal(e.to_string()))?
        .map_err(|e| OfficeFail::Internal(e.to_string()))
}

/// One appraisal's print page as `who` may see it (refused like the `.xlsx` when the
/// scores are hidden from them): the PDF's file name and the HTML.
pub async fn form_page<S: Store>(
    store: &S,
    who: &User,
    appraisal_id: i64,
    lang: Lang,
) -> Fail<(String, String)> {
    let a = store.appraisal(who, appraisal_id).await?;
    if a.result.as_ref().and_then(|r| r.total.as_ref()).is_none() {
        return Err(OfficeFail::NotFound(crate::office::no_score_yet(
            appraisal_id,
        )));
    }
    let (cy, t) = cycle_template(store, a.cycle_id).await?;
    let signers = store.signers(a.id).await?;
    let html = crate::web::print::form_html(lang, &t, &cy, &a, who, &signers)
        .map_err(OfficeFail::Internal)?;
    Ok((
        format!("{}-{}-{}.pdf", cy.form_id, cy.period, a.emp_no),
        html,
    ))
}

/// A cycle's results print page: per department the ranking, grade distribution and
/// bonuses.
pub async fn results_page<S: Store>(store: &S, cycle_id: i64, lang: Lang) -> Fail<String> {
    let (cy, t) = cycle_template(store, cycle_id).await?;
    let rows = store.results(cycle_id).await?;
    crate::web::print::results_html(lang, &t, &cy, &rows).map_err(OfficeFail::Internal)
}

/// One appraisal's filled form as a PDF, as `who` may see it (see [`form_page`]), printed
/// at once (the command line). Returns a file name and the bytes. Chromium is looked for
/// (`chromium`, see [`chromium()`]) once the appraisal may be printed.
pub async fn form_pdf<S: Store>(
    store: &S,
    who: &User,
    appraisal_id: i64,
    lang: Lang,
    chromium: Option<&std::path::Path>,
) -> Fail<(String, Vec<u8>)> {
    let (name, html) = form_page(store, who, appraisal_id, lang).await?;
    Ok((name, print_now(chromium, html).await?))
}

/// A cycle's results as a PDF (see [`results_page`]), printed at once (the command line).
pub async fn results_pdf<S: Store>(
    store: &S,
    cycle_id: i64,
    lang: Lang,
    chromium: Option<&std::path::Path>,
) -> Fail<Vec<u8>> {
    print_now(chromium, results_page(store, cycle_id, lang).await?).await
}

/// The language of a PDF.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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
    crate::office::download(bytes, name, "application/pdf", "inline")
}

/// One appraisal's filled form as a PDF (A4, like the paper sheet), for whoever may see its
/// scores (404 when hidden); 503 when the server has no Chromium, its PDF queue is full or
/// printing timed out, 429 when this user already has two PDFs in flight (with Retry-After).
#[utoipa::path(get, path = "/api/appraisals/{id}/form.pdf", params(("id" = i64, Path), PdfQuery), responses((status = 200, body = String, content_type = "application/pdf"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn form<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<PdfQuery>,
) -> ApiResult<Response> {
    let lang = lang_of(&q, &auth.0);
    let (name, html) = form_page(&st.store, &auth.0, id, lang).await?;
    let bytes = st.pdf.print(auth.0.id, html).await?;
    Ok(pdf_file(bytes, &name))
}

/// A cycle's results as a PDF: per department the ranking, grade distribution and
/// bonuses (HR); 503 and 429 as for the form's PDF.
#[utoipa::path(get, path = "/api/cycles/{id}/results.pdf", params(("id" = i64, Path), PdfQuery), responses((status = 200, body = String, content_type = "application/pdf"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn results<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<PdfQuery>,
) -> ApiResult<Response> {
    let who = auth.may_all(Capability::Payroll)?;
    let lang = lang_of(&q, who);
    let c = st.store.cycle(id).await?;
    let html = results_page(&st.store, id, lang).await?;
    let bytes = st.pdf.print(who.id, html).await?;
    Ok(pdf_file(
        bytes,
        &crate::office::cycle_file_name(&c, "考核结果", "pdf"),
    ))
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
