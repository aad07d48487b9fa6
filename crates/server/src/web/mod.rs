//! The pages people use in a browser, rendered on the server from minijinja templates
//! compiled into the binary (`crates/server/web/templates`), with every text in the pages'
//! Fluent catalogues (zh-CN by default, English per user or by `?lang=`). The pages work
//! without JavaScript and call the same [`Store`] methods as the JSON API, so what a person
//! may see and do is decided in one place.
//!
//! Every POST form carries a CSRF token: for a signed-in user a hash of their session token
//! (unguessable without the HttpOnly cookie, nothing stored), on the sign-in form a random
//! value that must match a cookie (double submit). A POST without it is refused with 403.

mod account;
mod batch;
mod controls;
mod delegations;
mod error;
mod grid;
mod hr;
mod hr_audit;
mod hr_cycles;
mod hr_import;
mod hr_org;
mod hr_results;
mod hr_templates;
mod hr_users;
pub mod i18n;
mod ledger;
mod notify;
mod notify_prefs;
pub mod print;
mod relations;
mod results;
mod session;
mod sheet;
mod tasks;

use account::*;
use batch::*;
use delegations::*;
use error::*;
use grid::*;
use hr::*;
use hr_audit::*;
use hr_cycles::*;
use hr_import::*;
use hr_org::*;
use hr_results::*;
use hr_templates::*;
use hr_users::*;
use ledger::*;
use notify::*;
use notify_prefs::*;
use relations::*;
use results::*;
use session::*;
use sheet::*;
use tasks::*;

use crate::AppState;
use crate::auth::COOKIE;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use i18n::{Arg, tag, text};
use kaohe_core::Lang;
use kaohe_core::engine::Target;
use kaohe_core::workflow::{Action, State as WState};
use kaohe_store::{Appraisal, Cycle, Role, Step, Store, StoreError, User};
use minijinja::value::{Kwargs, Serde, Value};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The cookie that remembers the language chosen with `?lang=`.
pub const LANG_COOKIE: &str = "kaohe_lang";
/// The cookie of the sign-in form's CSRF token (before there is a session).
pub const LOGIN_CSRF_COOKIE: &str = "kaohe_csrf";
/// The name of the CSRF field in every form.
pub const CSRF_FIELD: &str = "csrf";

/// The stylesheet (screen and print), served at `/assets/kaohe.css`.
pub const CSS: &str = include_str!("../../web/assets/kaohe.css");

/// The grid's paste-from-Excel script, served at `/assets/grid.js`: the only script, small,
/// and not needed for anything to work.
pub const GRID_JS: &str = include_str!("../../web/assets/grid.js");

/// The rating form's live scores, served at `/assets/rate.js`: as the rater types, the
/// sheet's scores, total and bonus follow (the server scores; the script only shows).
/// Without it the page works by saving.
pub const RATE_JS: &str = include_str!("../../web/assets/rate.js");

/// A page template compiled into the binary, by its file name under `web/templates`.
macro_rules! page {
    ($name:literal) => {
        ($name, include_str!(concat!("../../web/templates/", $name)))
    };
}

/// The page templates, by name (one line each).
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    page!("base.html"),
    page!("login.html"),
    page!("tasks.html"),
    page!("appraisal.html"),
    page!("ledger.html"),
    page!("error.html"),
    page!("todo.html"),
    page!("grid.html"),
    // Account, first run, HR home, organisation and templates (branch hrorg).
    page!("password.html"),
    page!("setup.html"),
    page!("hr.html"),
    page!("hr_org.html"),
    page!("hr_templates.html"),
    page!("hr_users.html"),
    page!("hr_user_codes.html"),
    page!("login_code.html"),
    page!("hr_template.html"),
    page!("hr_preview.html"),
    // HR: cycles, results, appeals, audit (hr_cycles.rs, hr_results.rs, hr_audit.rs).
    page!("hr_charts.html"),
    page!("hr_cycles.html"),
    page!("hr_cycle.html"),
    page!("hr_cycle_fields.html"),
    page!("hr_cycle_confirm.html"),
    page!("hr_import.html"),
    page!("batch.html"),
    page!("hr_results.html"),
    page!("results.html"),
    page!("hr_relations.html"),
    page!("results_home.html"),
    page!("hr_appeals.html"),
    page!("notifications.html"),
    page!("delegations.html"),
    page!("hr_notify.html"),
    page!("notify_settings.html"),
    page!("hr_user_contact.html"),
    page!("hr_employee.html"),
    page!("hr_audit.html"),
    page!("sheet.html"),
    page!("print.html"),
    page!("print_form.html"),
    page!("print_results.html"),
];

/// Task kinds in the order the inbox shows them (the store's `Task::kind`).
pub(crate) const TASK_KINDS: [&str; 6] = ["data", "self", "rate", "review", "approve", "sign"];

/// The users `kaohe serve --demo` creates (`crates/cli/src/serve.rs`, `DEMO_USERS`): the
/// sign-in page names them, with a `demo-user-<name>` message each.
pub(crate) const DEMO_USERS: [&str; 6] =
    ["hr", "zhuguan", "xingzheng", "fuhe", "shenpi", "zhangwei"];

/// The password of every demo user (as in `crates/cli/src/serve.rs`).
const DEMO_PASSWORD: &str = "kaohe-demo";

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut e = Environment::new();
        // Escape everything, whatever a template is called.
        e.set_auto_escape_callback(|_| AutoEscape::Html);
        // A misspelt variable fails the render (and the tests) instead of printing nothing.
        e.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        for &(name, src) in TEMPLATES {
            e.add_template(name, src)
                .expect("a bundled page template parses");
        }
        e.add_function("t", t_fn);
        e
    })
}

/// `t("key", arg=value, …)`: a message in the page's language.
fn t_fn(state: &minijinja::State, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default();
    let mut args = Vec::new();
    for k in kwargs.args() {
        let v: Value = kwargs.get(k)?;
        let a = match v.as_i64() {
            Some(n) => Arg::Num(n as f64),
            None => Arg::Text(v.to_string()),
        };
        args.push((k, a));
    }
    kwargs.assert_all_used()?;
    Ok(text(lang, key, &args))
}

/// A version of the stylesheet for its URL, so a long cache never serves an old one.
fn css_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        let mut h = Sha256::new();
        h.update(CSS.as_bytes());
        h.update(GRID_JS.as_bytes());
        h.update(RATE_JS.as_bytes());
        hex::encode(&h.finalize()[..6])
    })
}

/// Who is asking, in which language, and from which page.
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<User>,
    session: Option<String>,
    /// The page's own path (the language links point at it).
    pub path: String,
    jar: CookieJar,
    /// The signed-in user's unread notifications (the header's count).
    pub unread: i64,
}

impl Ctx {
    /// The CSRF token of the session, if signed in.
    fn csrf(&self) -> Option<String> {
        self.session.as_deref().map(session_csrf)
    }
}

fn session_csrf(session: &str) -> String {
    // The session token is secret (HttpOnly); its salted hash differs from the SHA-256 the
    // store keeps, so a copy of the database does not give the tokens either.
    hex::encode(Sha256::digest(format!("kaohe-csrf\0{session}").as_bytes()))
}

/// Constant-time comparison of two tokens.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

fn query_lang(q: Option<&str>) -> Option<Lang> {
    form_urlencoded::parse(q?.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

impl<S: Store> FromRequestParts<AppState<S>> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        st: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let chosen = query_lang(parts.uri.query())
            .or_else(|| jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())));
        let session = jar
            .get(COOKIE)
            .map(|c| c.value().to_string())
            .filter(|s| !s.is_empty());
        let user = match &session {
            Some(t) => crate::ops::session_user(st, parts, t)
                .await
                .map_err(|e| server_error(chosen.unwrap_or_default(), &e.to_string()))?,
            None => None,
        };
        let lang = chosen
            .or_else(|| user.as_ref().and_then(|u| Lang::parse(&u.lang)))
            .unwrap_or_default();
        let unread = match &user {
            Some(u) => st
                .store
                .unread_count(u.id)
                .await
                .map_err(|e| server_error(lang, &e.to_string()))?,
            None => 0,
        };
        Ok(Ctx {
            unread,
            lang,
            session: user.as_ref().and(session),
            user,
            path: parts.uri.path().to_string(),
            jar,
        })
    }
}

/// Remember a `?lang=` choice in a cookie.
async fn remember_lang(req: Request, next: Next) -> Response {
    let lang = query_lang(req.uri().query());
    let mut res = next.run(req).await;
    if let Some(l) = lang
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            tag(l)
        ))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The page routes (not in the OpenAPI document).
pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/", get(home_or_setup::<S>))
        .route("/login", get(login_or_setup::<S>).post(login::<S>))
        .route("/logout", post(logout::<S>))
        .route("/tasks", get(tasks::<S>))
        .route(
            "/tasks/batch/{kind}",
            get(batch_page::<S>).post(batch_post::<S>),
        )
        .route("/appraisals/{id}", get(appraisal::<S>))
        .route("/appraisals/{id}/actions", post(act::<S>))
        .route("/appraisals/{id}/preview", post(sheet::preview::<S>))
        .route("/ledger", get(ledger::<S>))
        .route(
            "/cycles/{id}/departments/{dept}",
            get(grid::<S>).post(grid_save::<S>),
        )
        .route("/hr", get(hr_home::<S>))
        // Account, first run, organisation and templates (branch hrorg).
        .route(
            "/account/password",
            get(account_password).post(account_password_post::<S>),
        )
        .route("/setup", get(setup_page::<S>).post(setup_post::<S>))
        .route("/hr/org", get(hr_org_page::<S>))
        .route(
            "/hr/org/import",
            post(hr_org_import::<S>).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/hr/templates",
            get(hr_templates_page::<S>)
                .post(hr_templates_upload::<S>)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/hr/templates/{form}", get(hr_template::<S>))
        .route(
            "/hr/templates/{form}/preview",
            get(hr_preview::<S>).post(hr_preview_post::<S>),
        )
        // HR: cycles, results, appeals, audit (hr_cycles.rs, hr_results.rs, hr_audit.rs).
        .route("/hr/cycles", get(hr_cycles::<S>).post(hr_cycle_create::<S>))
        .route(
            "/hr/cycles/{id}",
            get(hr_cycle::<S>).post(hr_cycle_post::<S>),
        )
        .route("/hr/cycles/{id}/{kind}", get(hr_cycle_confirm::<S>))
        .route(
            "/hr/cycles/{id}/import",
            get(hr_import_page::<S>)
                .post(hr_import_upload::<S>)
                .layer(DefaultBodyLimit::max(crate::office::MAX_UPLOAD)),
        )
        .route("/hr/cycles/{id}/blank.xlsx", get(hr_import_blank::<S>))
        .route("/hr/cycles/{id}/handin", post(hr_import_handin::<S>))
        .route(
            "/cycles/{id}/departments/{dept}/import",
            get(dept_import_page::<S>)
                .post(dept_import_upload::<S>)
                .layer(DefaultBodyLimit::max(crate::office::MAX_UPLOAD)),
        )
        .route(
            "/cycles/{id}/departments/{dept}/import/{token}",
            get(dept_import_preview::<S>).post(dept_import_run::<S>),
        )
        .route(
            "/hr/cycles/{id}/import/{token}",
            get(hr_import_preview::<S>).post(hr_import_run::<S>),
        )
        .route("/hr/cycles/{id}/results", get(hr_results::<S>))
        .route(
            "/hr/cycles/{id}/relations",
            get(hr_relations::<S>)
                .post(hr_relations_upload::<S>)
                .layer(DefaultBodyLimit::max(crate::office::MAX_UPLOAD)),
        )
        .route(
            "/hr/cycles/{id}/relations/rater",
            post(hr_relations_rater::<S>),
        )
        .route(
            "/hr/cycles/{id}/relations.xlsx",
            get(hr_relations_xlsx::<S>),
        )
        .route("/results", get(results_home::<S>))
        .route("/results/{id}", get(results_scoped::<S>))
        .route("/hr/cycles/{id}/quotas", post(hr_quotas::<S>))
        .route("/hr/cycles/{id}/grades", post(hr_grades::<S>))
        .route("/hr/appeals", get(hr_appeals::<S>))
        .route("/notifications", get(notifications_page::<S>))
        .route(
            "/delegations",
            get(delegations_page::<S>).post(delegation_create::<S>),
        )
        .route("/delegations/{id}/revoke", post(delegation_revoke::<S>))
        .route("/hr/tasks/{id}/reassign", post(task_reassign::<S>))
        .route("/notifications/read", post(notifications_read::<S>))
        .route(
            "/notifications/settings",
            get(notify_settings_page::<S>).post(notify_settings_save::<S>),
        )
        .route(
            "/notifications/settings/contact",
            post(notify_contact_save::<S>),
        )
        .route("/hr/notify/settings", post(hr_notify_settings_save::<S>))
        .route(
            "/hr/users/{username}/contact",
            get(hr_user_contact::<S>).post(hr_user_contact_save::<S>),
        )
        .route("/hr/notify", get(hr_notify::<S>))
        .route("/hr/notify/channels", post(hr_channel_save::<S>))
        .route("/hr/notify/channels/{id}/test", post(hr_channel_test::<S>))
        .route("/hr/notify/outbox/{id}/retry", post(hr_outbox_retry::<S>))
        .route("/hr/cycles/{id}/remind", post(hr_cycle_remind::<S>))
        .route("/hr/cycles/{id}/reminders", post(hr_cycle_reminders::<S>))
        .route("/hr/appeals/{id}", post(hr_appeal_decide::<S>))
        .route("/hr/employees/{emp_no}", get(hr_employee::<S>))
        .route("/hr/audit", get(hr_audit::<S>))
        .route("/hr/users", get(hr_users::<S>))
        .route("/hr/users/{username}/grants", post(hr_user_grants::<S>))
        .route("/hr/users/create", post(hr_users_create::<S>))
        .route("/hr/users/{username}/code", post(hr_user_code::<S>))
        .route("/hr/users/{username}/state", post(hr_user_state::<S>))
        .route(
            "/login/code",
            get(login_code_form::<S>).post(login_code::<S>),
        )
        .layer(middleware::from_fn(remember_lang))
        .route("/assets/kaohe.css", get(css))
        .route("/assets/grid.js", get(|| script(GRID_JS)))
        .route("/assets/rate.js", get(|| script(RATE_JS)))
}

/// Unknown addresses: the API's JSON error under `/api/`, a page elsewhere.
pub async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return crate::not_found().await.into_response();
    }
    let jar = CookieJar::from_headers(req.headers());
    let lang = query_lang(req.uri().query())
        .or_else(|| jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())))
        .unwrap_or_default();
    let ctx = Ctx {
        lang,
        user: None,
        session: None,
        path: "/".into(),
        jar,
        unread: 0,
    };
    not_found(&ctx)
}

async fn script(js: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        js,
    )
        .into_response()
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        CSS,
    )
        .into_response()
}

/// Render `name` with `data` and what every page needs.
fn render(ctx: &Ctx, status: StatusCode, name: &str, data: Value) -> Response {
    let user = ctx.user.as_ref().map(|u| {
        context! {
            name => u.username.clone(),
            employee => u.employee_id.is_some(),
            hr => u.has(Role::HrAdmin),
            // Oversees part of the organisation: sees its results (HR sees them on HR's pages).
            overseer => !u.has(Role::HrAdmin)
                && kaohe_store::policy::require(u, kaohe_store::policy::Capability::ViewResults).is_ok(),
            unread => ctx.unread,
        }
    });
    let page = context! {
        lang => tag(ctx.lang),
        user,
        csrf => ctx.csrf(),
        path => ctx.path.clone(),
        css_version => css_version(),
    };
    let all = context! { ..data, ..page };
    match env().get_template(name).and_then(|t| t.render(all)) {
        Ok(html) => (
            status,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::REFERRER_POLICY, "same-origin"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
                ),
            ],
            Html(html),
        )
            .into_response(),
        Err(e) => server_error(ctx.lang, &format!("rendering {name}: {e:#}")),
    }
}

/// A page that cannot even be rendered: plain, logged.
fn server_error(lang: Lang, cause: &str) -> Response {
    tracing::error!(%cause, "page failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(format!(
            "<!doctype html><meta charset=utf-8><h1>{}</h1><p>{}</p>",
            text(lang, "error-500-title", &[]),
            text(lang, "error-500-text", &[])
        )),
    )
        .into_response()
}

fn error_page(ctx: &Ctx, status: StatusCode, title: &str, message: &str) -> Response {
    render(
        ctx,
        status,
        "error.html",
        context! { title_key => title, text_key => message },
    )
}

fn not_found(ctx: &Ctx) -> Response {
    error_page(
        ctx,
        StatusCode::NOT_FOUND,
        "error-404-title",
        "error-404-text",
    )
}

fn csrf_refused(ctx: &Ctx) -> Response {
    error_page(
        ctx,
        StatusCode::FORBIDDEN,
        "error-403-title",
        "error-403-csrf",
    )
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// To the sign-in page, coming back here afterwards.
fn to_login(ctx: &Ctx) -> Response {
    let next: String = form_urlencoded::byte_serialize(ctx.path.as_bytes()).collect();
    see_other(&format!("/login?next={next}"))
}

/// A page path to return to after signing in (never another site).
/// Where to go after signing in: only a path on this site. Browsers drop tabs and line
/// breaks from a URL and read `\\` as `/`, so `/\t/evil.example` would leave the site:
/// any control character, whitespace or backslash, and any `//` start, falls back to
/// `/tasks`.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || c == '\\') =>
        {
            n
        }
        _ => "/tasks",
    }
}

#[cfg(test)]
mod next_tests {
    use super::safe_next;

    #[test]
    fn only_paths_on_this_site() {
        assert_eq!(safe_next(Some("/appraisals/3?x=1")), "/appraisals/3?x=1");
        for evil in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "/ /evil.example",
            "https://evil.example",
            "evil.example",
            "/\u{2028}/evil.example",
        ] {
            assert_eq!(safe_next(Some(evil)), "/tasks", "{evil:?}");
        }
        assert_eq!(safe_next(None), "/tasks");
    }
}

/// A submitted form (fields may repeat, as checkboxes do).
#[derive(Default)]
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Form {
        Form(form_urlencoded::parse(body).into_owned().collect())
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
    /// Carries the session's CSRF token.
    fn csrf_ok(&self, ctx: &Ctx) -> bool {
        match (ctx.csrf(), self.get(CSRF_FIELD)) {
            (Some(want), Some(got)) => same(&want, got),
            _ => false,
        }
    }
}

/// A store message (`中文 / English`) in the reader's language.
fn in_lang<T: InLang + ?Sized>(lang: Lang, msg: &T) -> String {
    msg.in_lang(lang)
}

/// A message for people in the page's language.
trait InLang {
    fn in_lang(&self, lang: Lang) -> String;
}

/// A store or service message: rendered from its catalogue.
impl InLang for kaohe_store::Text {
    fn in_lang(&self, lang: Lang) -> String {
        self.render(lang)
    }
}

/// The office crate's messages and stored results' errors, written `中文 / English`.
impl InLang for str {
    fn in_lang(&self, lang: Lang) -> String {
        let parts: Vec<&str> = self.split(" / ").collect();
        match (parts.as_slice(), lang) {
            ([zh, _], Lang::Zh) => zh.to_string(),
            ([_, en], Lang::En) => en.to_string(),
            _ => self.to_string(),
        }
    }
}

impl InLang for String {
    fn in_lang(&self, lang: Lang) -> String {
        self.as_str().in_lang(lang)
    }
}

/// The sheet names of forms in `lang` (their latest versions'), by form id; a form the
/// store no longer has keeps its id. Lists name a form by these, not by its id.
async fn form_names<S: Store>(
    st: &AppState<S>,
    lang: Lang,
    ids: Vec<String>,
) -> Result<BTreeMap<String, String>, StoreError> {
    let mut out = BTreeMap::new();
    for id in ids {
        if out.contains_key(&id) {
            continue;
        }
        let name = match st.store.template(&id, None).await? {
            Some(tv) => match lang {
                Lang::Zh => tv.title,
                Lang::En => kaohe_core::compile_str(&tv.source)
                    .ok()
                    .and_then(|t| t.form.title_en)
                    .unwrap_or(tv.title),
            },
            None => id.clone(),
        };
        out.insert(id, name);
    }
    Ok(out)
}

/// A time as stored (RFC 3339 UTC) as a page shows it: `2026-11-30 08:00`.
fn short_time(s: &str) -> String {
    s.replacen('T', " ", 1).chars().take(16).collect()
}
