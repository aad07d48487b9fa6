//! Running the server in production: one log line per request (with a request id echoed
//! in `x-request-id`), the background jobs and their health (`/readyz`), sessions that end
//! when idle, `Secure` cookies with HSTS behind HTTPS, and the demo accounts' password
//! refused outside `--demo`.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kaohe_store::{Store, User};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tracing::Instrument;

/// The password of every demo user (`kaohe serve --demo`).
pub const DEMO_PASSWORD: &str = "kaohe-demo";

/// Why a demo account's default password is refused: `中文 / English`.
pub const DEMO_REFUSED: &str = "演示账号的默认密码只在 --demo 下可用，请修改密码（以 --demo 启动后登录，在「修改密码」页修改） / the demo accounts' default password works only with --demo: change the password (start with --demo, sign in, and use Change password)";

/// The header that carries a request's id (taken from the client when it sends a plain
/// one, else made up), echoed in every response.
pub const REQUEST_ID: &str = "x-request-id";

/// How the background jobs are doing, for `/readyz`.
#[derive(Debug, Default)]
pub struct JobStatus {
    inner: Mutex<JobRun>,
}

#[derive(Debug, Default, Clone)]
struct JobRun {
    /// When the auto-confirmation job last ran to the end (succeeded or failed).
    last_run: Option<Instant>,
    /// Its last failure's cause, until it next succeeds.
    last_error: Option<String>,
}

impl JobStatus {
    /// Note a run of the auto-confirmation job.
    pub fn record(&self, error: Option<String>) {
        if let Ok(mut j) = self.inner.lock() {
            j.last_run = Some(Instant::now());
            j.last_error = error;
        }
    }
    fn get(&self) -> JobRun {
        self.inner.lock().map(|j| j.clone()).unwrap_or_default()
    }
}

/// The demo names whose password is still the demo password, refused at sign-in.
pub type DemoRefused = Arc<Mutex<BTreeSet<String>>>;

/// The signed-in user's name, filled in by the extractors, for the request log.
#[derive(Clone, Default)]
pub struct LogUser(Arc<OnceLock<String>>);

/// The user of the session `token` (ended after [`AppState::session_idle`] without a
/// request), noted for the request log.
pub async fn session_user<S: Store>(
    st: &AppState<S>,
    parts: &axum::http::request::Parts,
    token: &str,
) -> kaohe_store::Result<Option<User>> {
    let u = st.store.session_user_idle(token, st.session_idle).await?;
    if let (Some(u), Some(slot)) = (&u, parts.extensions.get::<LogUser>()) {
        let _ = slot.0.set(u.username.clone());
    }
    Ok(u)
}

/// Check the demo accounts at start: without `--demo`, those whose password is still
/// [`DEMO_PASSWORD`] are named in a warning and that password is refused for them.
pub async fn refuse_demo_passwords<S: Store>(st: &AppState<S>) -> kaohe_store::Result<Vec<String>> {
    let mut found = Vec::new();
    if !st.demo {
        for name in crate::web::DEMO_USERS {
            if st.store.user_by_name(name).await?.is_some()
                && st.store.authenticate(name, DEMO_PASSWORD).await?.is_some()
            {
                found.push(name.to_string());
            }
        }
    }
    if !found.is_empty() {
        tracing::warn!(
            accounts = %found.join(", "),
            "演示账号仍使用默认密码，未以 --demo 启动时拒绝用它登录，请修改密码 / demo accounts still have the demo password: signing in with it is refused without --demo; change their passwords"
        );
    }
    if let Ok(mut set) = st.demo_refused.lock() {
        *set = found.iter().cloned().collect();
    }
    Ok(found)
}

/// Is this sign-in a demo account's default password, refused outside `--demo`?
pub fn demo_password_refused<S: Store>(st: &AppState<S>, username: &str, password: &str) -> bool {
    !st.demo
        && password == DEMO_PASSWORD
        && st
            .demo_refused
            .lock()
            .is_ok_and(|set| set.contains(username.trim()))
}

/// The background jobs, every [`AppState::auto_confirm_every`]: auto-confirmation (its
/// failures logged with their cause, its runs noted for `/readyz`), the purge of
/// expired and idle sessions and of sign-in failure counts whose window and lockout are
/// over.
pub async fn jobs_loop<S: Store>(st: AppState<S>) {
    let mut tick = tokio::time::interval(st.auto_confirm_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let r = crate::cycles::auto_confirm_once(&st.store).await;
        st.jobs.record(r.err());
        match st.store.purge_sessions(st.session_idle).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(sessions = n, "purged expired and idle sessions"),
            Err(e) => tracing::error!(error = %e, "purging sessions failed; will retry"),
        }
        match crate::throttle::purge(&st.store, time::OffsetDateTime::now_utc()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(counts = n, "purged old sign-in failure counts"),
            Err(e) => tracing::error!(error = %e, "purging sign-in failures failed; will retry"),
        }
        // A MAC'd checkpoint of the audit chain's head, if it moved (and there is a key).
        match st.store.audit_checkpoint().await {
            Ok(Some(cp)) => {
                tracing::debug!(checkpoint = cp.id, last_id = cp.last_id, "audit checkpoint")
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "audit checkpoint failed; will retry"),
        }
    }
}

/// `/readyz`: 200 when the database answers and the auto-confirmation job has run within
/// the last three intervals, else 503 with the reasons.
pub async fn readyz<S: Store>(State(st): State<AppState<S>>) -> Response {
    let mut reasons: Vec<String> = Vec::new();
    let db = match tokio::time::timeout(Duration::from_secs(2), st.store.ping()).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(e)) => format!("{e}"),
        Err(_) => "数据库 2 秒内未响应 / the database did not answer within 2 s".into(),
    };
    if db != "ok" {
        reasons.push(format!("database: {db}"));
    }
    let job = st.jobs.get();
    let limit = st.auto_confirm_every * 3;
    let ago = job.last_run.map(|t| t.elapsed());
    match ago {
        None => reasons.push("auto-confirm: 尚未运行 / has not run yet".into()),
        Some(a) if a > limit => reasons.push(format!(
            "auto-confirm: {} 秒未运行 / has not run for {} s",
            a.as_secs(),
            a.as_secs()
        )),
        Some(_) => {}
    }
    let status = if reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "ready": reasons.is_empty(),
        "reasons": reasons,
        "database": db,
        "auto_confirm": {
            "last_run_secs_ago": ago.map(|a| a.as_secs()),
            "last_error": job.last_error,
        },
    });
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

fn plain_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
    .then(|| s.to_string())
}

fn new_request_id() -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    match kaohe_store::new_token() {
        Ok((t, _)) => t[..16].to_string(),
        Err(_) => format!("n{}", N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
    }
}

/// One log line per request: its id, method, route and path, status, latency in ms, and
/// the signed-in user's name when the request had one. Everything logged while the request
/// is handled (an internal error's cause) carries the same id.
pub async fn request_log(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(plain_id)
        .unwrap_or_else(new_request_id);
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let user = LogUser::default();
    req.extensions_mut().insert(user.clone());
    let span = tracing::info_span!("request", id = %id);
    let mut res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let latency_ms = (latency_ms * 10.0).round() / 10.0;
    let user = user.0.get().map(String::as_str).unwrap_or("-");
    let route = route.as_deref().unwrap_or("-");
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(%method, route, %path, status, latency_ms, user, "request");
        } else {
            tracing::info!(%method, route, %path, status, latency_ms, user, "request");
        }
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    res
}

/// With `--secure-cookies` (the server is reached over HTTPS): every cookie is `Secure`
/// and browsers are told to use HTTPS for a year (`Strict-Transport-Security`).
pub async fn secure_cookies(State(on): State<bool>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if !on {
        return res;
    }
    let cookies: Vec<HeaderValue> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    res.headers_mut().remove(header::SET_COOKIE);
    for c in cookies {
        let secure = match c.to_str() {
            Ok(s) if !s.to_ascii_lowercase().contains("; secure") => {
                HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or(c)
            }
            _ => c,
        };
        res.headers_mut().append(header::SET_COOKIE, secure);
    }
    res.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    res
}
