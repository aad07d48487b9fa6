//! The pages people use in a browser, rendered on the server from minijinja templates
//! compiled into the binary (`crates/server/web/templates`), with every text in the pages'
//! Fluent catalogues (zh-CN by default, English per user or by `?lang=`). The pages work
//! without JavaScript and call the same [`Store`] methods as the JSON API, so what a person
//! may see and do is decided in one place.
//!
//! Every POST form carries a CSRF token: for a signed-in user a hash of their session token
//! (unguessable without the HttpOnly cookie, nothing stored), on the sign-in form a random
//! value that must match a cookie (double submit). A POST without it is refused with 403.

pub mod i18n;

use crate::AppState;
use crate::auth::COOKIE;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Request, State};
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

/// The page templates, by name.
pub(crate) const TEMPLATES: [(&str, &str); 8] = [
    ("base.html", include_str!("../../web/templates/base.html")),
    ("login.html", include_str!("../../web/templates/login.html")),
    ("tasks.html", include_str!("../../web/templates/tasks.html")),
    (
        "appraisal.html",
        include_str!("../../web/templates/appraisal.html"),
    ),
    (
        "ledger.html",
        include_str!("../../web/templates/ledger.html"),
    ),
    ("error.html", include_str!("../../web/templates/error.html")),
    ("todo.html", include_str!("../../web/templates/todo.html")),
    ("grid.html", include_str!("../../web/templates/grid.html")),
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
        for (name, src) in TEMPLATES {
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
    V.get_or_init(|| hex::encode(&Sha256::digest(CSS.as_bytes())[..6]))
}

/// Who is asking, in which language, and from which page.
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<User>,
    session: Option<String>,
    /// The page's own path (the language links point at it).
    pub path: String,
    jar: CookieJar,
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
            Some(t) => st
                .store
                .session_user(t)
                .await
                .map_err(|e| server_error(chosen.unwrap_or_default(), &e.to_string()))?,
            None => None,
        };
        let lang = chosen
            .or_else(|| user.as_ref().and_then(|u| Lang::parse(&u.lang)))
            .unwrap_or_default();
        Ok(Ctx {
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
        .route("/", get(home))
        .route("/login", get(login_form::<S>).post(login::<S>))
        .route("/logout", post(logout::<S>))
        .route("/tasks", get(tasks::<S>))
        .route("/appraisals/{id}", get(appraisal::<S>))
        .route("/appraisals/{id}/actions", post(act::<S>))
        .route("/ledger", get(ledger::<S>))
        .route(
            "/cycles/{id}/departments/{dept}",
            get(grid::<S>).post(grid_save::<S>),
        )
        .route("/hr", get(todo_hr))
        .layer(middleware::from_fn(remember_lang))
        .route("/assets/kaohe.css", get(css))
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
    };
    not_found(&ctx)
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
                    "default-src 'self'; script-src 'none'; form-action 'self'; frame-ancestors 'none'",
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
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/tasks",
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
fn in_lang(lang: Lang, msg: &str) -> String {
    let parts: Vec<&str> = msg.split(" / ").collect();
    match (parts.as_slice(), lang) {
        ([zh, _], Lang::Zh) => zh.to_string(),
        ([_, en], Lang::En) => en.to_string(),
        _ => msg.to_string(),
    }
}

/// A time as stored (RFC 3339 UTC) as a page shows it: `2026-11-30 08:00`.
fn short_time(s: &str) -> String {
    s.replacen('T', " ", 1).chars().take(16).collect()
}

async fn home(ctx: Ctx) -> Response {
    if ctx.user.is_some() {
        see_other("/tasks")
    } else {
        see_other("/login")
    }
}

#[derive(serde::Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Response {
    if ctx.user.is_some() {
        return see_other(safe_next(q.next.as_deref()));
    }
    login_page(&st, &ctx, q.next.as_deref(), None, StatusCode::OK)
}

fn login_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    next: Option<&str>,
    username: Option<&str>,
    status: StatusCode,
) -> Response {
    let token = match ctx.jar.get(LOGIN_CSRF_COOKIE) {
        Some(c) if c.value().len() == 64 => c.value().to_string(),
        _ => match kaohe_store::new_token() {
            Ok((t, _)) => t,
            Err(e) => return server_error(ctx.lang, &e.to_string()),
        },
    };
    let demo: Vec<Value> = if st.demo {
        DEMO_USERS
            .iter()
            .map(|u| context! { name => *u, key => format!("demo-user-{u}") })
            .collect()
    } else {
        Vec::new()
    };
    let mut res = render(
        ctx,
        status,
        "login.html",
        context! {
            form_csrf => token.clone(),
            next => safe_next(next),
            username => username.unwrap_or_default(),
            failed => username.is_some(),
            demo,
            demo_password => DEMO_PASSWORD,
        },
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn login<S: Store>(State(st): State<AppState<S>>, ctx: Ctx, body: Bytes) -> Response {
    let form = Form::parse(&body);
    let cookie = ctx
        .jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string());
    match (cookie, form.get(CSRF_FIELD)) {
        (Some(want), Some(got)) if !want.is_empty() && same(&want, got) => {}
        _ => return csrf_refused(&ctx),
    }
    let username = form.get("username").unwrap_or_default().trim();
    let password = form.get("password").unwrap_or_default();
    let next = safe_next(form.get("next")).to_string();
    let user = match st.store.authenticate(username, password).await {
        Ok(u) => u,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let Some(u) = user else {
        return login_page(
            &st,
            &ctx,
            Some(&next),
            Some(username),
            StatusCode::UNAUTHORIZED,
        );
    };
    let token = match st.store.create_session(u.id, st.session_ttl).await {
        Ok(t) => t,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let mut res = see_other(&next);
    if let Ok(v) = HeaderValue::from_str(&crate::session_cookie(&token, st.session_ttl)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

async fn logout<S: Store>(State(st): State<AppState<S>>, ctx: Ctx, body: Bytes) -> Response {
    let form = Form::parse(&body);
    if !form.csrf_ok(&ctx) {
        return csrf_refused(&ctx);
    }
    if let Some(t) = &ctx.session
        && let Err(e) = st.store.delete_session(t).await
    {
        return server_error(ctx.lang, &e.to_string());
    }
    let mut res = see_other("/login");
    if let Ok(v) = HeaderValue::from_str(&crate::session_cookie("", time::Duration::ZERO)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Serialize)]
struct TaskGroup {
    kind: String,
    tasks: Vec<TaskRow>,
}

#[derive(Serialize)]
struct TaskRow {
    cycle: String,
    who: String,
    due: Option<String>,
    href: String,
}

async fn tasks<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> Response {
    let Some(u) = &ctx.user else {
        return to_login(&ctx);
    };
    let all = match st.store.tasks(u).await {
        Ok(t) => t,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let mut cycles: BTreeMap<i64, String> = BTreeMap::new();
    let mut depts: Option<Vec<kaohe_store::Department>> = None;
    let mut groups: Vec<TaskGroup> = Vec::new();
    for t in all {
        if let std::collections::btree_map::Entry::Vacant(v) = cycles.entry(t.cycle_id) {
            match st.store.cycle(t.cycle_id).await {
                Ok(c) => v.insert(c.name),
                Err(e) => return server_error(ctx.lang, &e.to_string()),
            };
        }
        let (who, href) = match (t.appraisal_id, t.department_id) {
            (Some(a), _) => (
                t.appraisee.clone().unwrap_or_default(),
                format!("/appraisals/{a}"),
            ),
            (None, Some(d)) => {
                if depts.is_none() {
                    match st.store.departments().await {
                        Ok(x) => depts = Some(x),
                        Err(e) => return server_error(ctx.lang, &e.to_string()),
                    }
                }
                let name = depts
                    .iter()
                    .flatten()
                    .find(|x| x.id == d)
                    .map(|x| x.name.clone())
                    .unwrap_or_default();
                (name, format!("/cycles/{}/departments/{d}", t.cycle_id))
            }
            (None, None) => (String::new(), "/tasks".into()),
        };
        let row = TaskRow {
            cycle: cycles[&t.cycle_id].clone(),
            who,
            due: t.due.as_deref().map(short_time),
            href,
        };
        match groups.iter_mut().find(|g| g.kind == t.kind) {
            Some(g) => g.tasks.push(row),
            None => groups.push(TaskGroup {
                kind: t.kind,
                tasks: vec![row],
            }),
        }
    }
    let rank = |k: &str| TASK_KINDS.iter().position(|x| *x == k).unwrap_or(99);
    groups.sort_by_key(|g| rank(&g.kind));
    render(
        &ctx,
        StatusCode::OK,
        "tasks.html",
        context! { groups => Serde(groups) },
    )
}

#[derive(Serialize)]
struct SheetView {
    id: i64,
    version: i64,
    title: String,
    form_id: String,
    emp_no: String,
    name: String,
    position: Option<String>,
    department: String,
    period: String,
    cycle: String,
    state: &'static str,
    sections: Vec<SectionView>,
    scores: bool,
    score_error: Option<String>,
    total: Option<String>,
    total_explain: Option<String>,
    total_points: String,
    grade: Option<String>,
    bonus: Option<String>,
    bonus_explain: Option<String>,
    form_notes: Option<String>,
    self_summary: Option<String>,
    comments: Option<String>,
    next_goals: Option<String>,
    appeal: Option<AppealView>,
    signatures: Vec<SigView>,
    can_respond: bool,
    confirm_due: Option<String>,
    items: Vec<(String, String)>,
}

#[derive(Serialize)]
struct SectionView {
    name: String,
    points: String,
    score: Option<String>,
    explain: Option<String>,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
struct ItemView {
    id: String,
    name: String,
    standard: Option<String>,
    points: String,
    values: Vec<ValueView>,
    score: Option<String>,
    explain: Option<String>,
}

#[derive(Serialize)]
struct ValueView {
    name: String,
    value: String,
    unit: Option<String>,
}

#[derive(Serialize)]
struct AppealView {
    reason: String,
    items: Vec<String>,
    at: String,
    decision: Option<String>,
    decision_reason: Option<String>,
}

#[derive(Serialize)]
struct SigView {
    label: String,
    name: Option<String>,
    at: Option<String>,
}

fn pick<'a>(lang: Lang, zh: &'a str, en: Option<&'a str>) -> &'a str {
    match (lang, en) {
        (Lang::En, Some(e)) => e,
        _ => zh,
    }
}

/// The sheet as the page shows it: the form's layout with this appraisal's values and scores.
fn sheet(lang: Lang, t: &kaohe_core::Template, c: &Cycle, a: &Appraisal, me: &User) -> SheetView {
    let fmt = kaohe_core::num::fmt;
    let result = a.result.as_ref();
    let item_score = |id: &str| {
        result.and_then(|r| r.items.iter().find(|i| i.id == id).map(|i| i.score.clone()))
    };
    let input_slots = t.layout.params;
    let ex = result.and_then(|r| explanations(lang, t, a, r));
    let ex_of = |target: Target| {
        ex.as_ref()
            .and_then(|e| e.iter().find(|(t, _)| *t == target).map(|(_, l)| l.clone()))
    };
    let sections = t
        .sections
        .iter()
        .enumerate()
        .map(|(si, s)| SectionView {
            name: pick(lang, &s.name, s.name_en.as_deref()).to_string(),
            points: fmt(s.points),
            score: result.and_then(|r| {
                r.sections
                    .iter()
                    .find(|(id, _)| *id == s.id)
                    .map(|(_, v)| v.clone())
            }),
            explain: ex_of(Target::Section(si)),
            items: s
                .items
                .iter()
                .map(|&i| {
                    let it = &t.items[i];
                    let mut slots: Vec<u32> = it.reads.clone();
                    slots.extend(it.rater_reads.iter().flatten().copied());
                    let mut seen = Vec::new();
                    let values = slots
                        .into_iter()
                        .filter(|&s| s < input_slots)
                        .filter_map(|s| {
                            let inp = &t.inputs[s as usize];
                            if seen.contains(&s) {
                                return None;
                            }
                            seen.push(s);
                            let v = a.inputs.get(&inp.id)?;
                            (!v.trim().is_empty()).then(|| ValueView {
                                name: pick(lang, &inp.name, inp.name_en.as_deref()).to_string(),
                                value: v.clone(),
                                unit: inp.unit.clone(),
                            })
                        })
                        .collect();
                    ItemView {
                        id: it.id.clone(),
                        name: pick(lang, &it.name, it.name_en.as_deref()).to_string(),
                        standard: it.standard.clone(),
                        points: fmt(it.points),
                        values,
                        score: item_score(&it.id),
                        explain: ex_of(Target::Item(i)),
                    }
                })
                .collect(),
        })
        .collect();
    let appraisee = me.employee_id == Some(a.employee_id);
    let items: Vec<(String, String)> = t
        .items
        .iter()
        .map(|i| {
            (
                i.id.clone(),
                pick(lang, &i.name, i.name_en.as_deref()).to_string(),
            )
        })
        .collect();
    let appeal = a.appeal.as_ref().map(|ap| AppealView {
        reason: ap.reason.clone(),
        items: ap
            .items
            .iter()
            .map(|id| {
                items
                    .iter()
                    .find(|(i, _)| i == id)
                    .map_or(id.clone(), |(_, n)| n.clone())
            })
            .collect(),
        at: short_time(&ap.at),
        decision: ap
            .decision
            .as_deref()
            .map(|d| text(lang, &format!("decision-{d}"), &[])),
        decision_reason: ap.decision_reason.clone(),
    });
    SheetView {
        id: a.id,
        version: a.version,
        title: pick(lang, &t.form.title, t.form.title_en.as_deref()).to_string(),
        form_id: t.form.id.clone(),
        emp_no: a.emp_no.clone(),
        name: a.name.clone(),
        // The store does not give the appraisee's position yet (the appraisal's group is
        // the department): a form made for one position names it.
        position: match t.form.positions.as_slice() {
            [p] => Some(p.clone()),
            _ => None,
        },
        department: a.department.clone(),
        period: c.period.clone(),
        cycle: c.name.clone(),
        state: a.state.as_str(),
        sections,
        scores: result.is_some(),
        score_error: result.and_then(|r| r.error.as_ref().map(|(_, m)| in_lang(lang, m))),
        total: a
            .total
            .clone()
            .or_else(|| result.and_then(|r| r.total.clone())),
        total_explain: ex_of(Target::Total),
        bonus_explain: (!t.pay.is_empty())
            .then(|| ex_of(Target::Pay(t.pay.len() - 1)))
            .flatten(),
        total_points: fmt(t.form.total_points),
        grade: a
            .grade
            .clone()
            .or_else(|| result.and_then(|r| r.grade.clone())),
        bonus: a
            .bonus
            .clone()
            .or_else(|| result.and_then(|r| r.pay.last().map(|(_, v)| v.clone()))),
        form_notes: t.form.notes.clone(),
        self_summary: a.notes.self_summary.clone(),
        comments: a.notes.comments.clone(),
        next_goals: a.notes.next_goals.clone(),
        appeal,
        signatures: signatures(lang, t, a),
        can_respond: appraisee && a.state == WState::Published,
        confirm_due: a.confirm_due.as_deref().map(short_time),
        items,
    }
}

/// Each number's explanation (by the engine's target), in `lang`: the appraisal scored
/// again from its stored values with a recorder. Given only when that gives exactly the
/// stored scores, so an explanation never disagrees with the number it explains; forms that
/// read prior periods or peers' averages get none yet (the store holds those inputs).
fn explanations(
    lang: Lang,
    t: &kaohe_core::Template,
    a: &Appraisal,
    stored: &kaohe_store::ScoreResult,
) -> Option<Vec<(Target, String)>> {
    use kaohe_core::model::Origin;
    let prior = t.inputs.iter().any(|i| i.origin == Origin::Prior);
    if t.needs_peers || prior || stored.error.is_some() {
        return None;
    }
    let to = [kaohe_store::ToScore {
        emp_no: &a.emp_no,
        group: &a.group,
        values: &a.inputs,
        prev: None,
        last_year: None,
    }];
    let rows: Vec<_> = kaohe_store::engine_rows(t, &to)
        .into_iter()
        .collect::<Result<_, _>>()
        .ok()?;
    let engine = kaohe_core::Engine::new(t);
    let b = kaohe_core::batch::score_batch(&engine, &rows);
    let fmt = kaohe_core::num::fmt;
    let same_items = t.items.iter().enumerate().all(|(i, it)| {
        stored
            .items
            .iter()
            .find(|x| x.id == it.id)
            .is_some_and(|x| x.score == fmt(b.item(0, i)))
    });
    if !same_items || stored.total.as_deref() != Some(fmt(b.total(0)).as_str()) {
        return None;
    }
    let (_, rec) = kaohe_core::batch::explain_row(&engine, &b, &rows, 0).ok()?;
    let sep = match lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    };
    // Engine targets are few (items, sections, total, pay): a list is enough.
    let mut out: Vec<(Target, String)> = Vec::new();
    for (target, m) in &rec.lines {
        let line = m.render(lang).trim().to_string();
        match out.iter_mut().find(|(t, _)| t == target) {
            Some((_, l)) => {
                l.push_str(sep);
                l.push_str(&line);
            }
            None => out.push((*target, line)),
        }
    }
    Some(out)
}

/// The signature lines: the form's, then review and approval if the form has none.
fn signatures(lang: Lang, t: &kaohe_core::Template, a: &Appraisal) -> Vec<SigView> {
    let key = |label: &str| match label {
        "被考核人" => Some("sig-appraisee"),
        "考核人" => Some("sig-rater"),
        "复核" | "复核人" | "审核" | "审核人" => Some("sig-review"),
        "审批" | "审批人" | "批准" | "批准人" => Some("sig-approval"),
        _ => None,
    };
    let mut labels: Vec<String> = if t.form.signatures.is_empty() {
        vec!["被考核人".into(), "考核人".into()]
    } else {
        t.form.signatures.clone()
    };
    for (k, add) in [("sig-review", "复核"), ("sig-approval", "审批")] {
        if !labels.iter().any(|l| key(l) == Some(k)) {
            labels.push(add.into());
        }
    }
    labels
        .iter()
        .map(|l| {
            let (name, at) = match key(l) {
                Some("sig-appraisee") if a.state == WState::Confirmed => (
                    Some(
                        a.confirmed_by
                            .clone()
                            .unwrap_or_else(|| text(lang, "sheet-sig-default", &[])),
                    ),
                    a.confirmed_at.as_deref().map(short_time),
                ),
                Some("sig-approval") => (None, a.published_at.as_deref().map(short_time)),
                _ => (None, None),
            };
            SigView {
                label: match key(l) {
                    Some(k) => text(lang, k, &[]),
                    None => l.clone(),
                },
                name,
                at,
            }
        })
        .collect()
}

/// How a store error reads in place, and the status it answers with.
fn store_refusal(lang: Lang, e: &StoreError) -> (StatusCode, String) {
    let status = match e {
        StoreError::Stale { .. } | StoreError::Workflow(_) | StoreError::Conflict { .. } => {
            StatusCode::CONFLICT
        }
        StoreError::Forbidden(_) => StatusCode::FORBIDDEN,
        StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (status, in_lang(lang, &e.to_string()))
}

fn is_internal(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Database(_) | StoreError::Migrate(_) | StoreError::UnsupportedUrl(_)
    )
}

/// What was typed into the sign and appeal forms, kept when they come back with an error.
#[derive(Serialize, Default)]
struct Typed {
    name: String,
    reason: String,
    items: Vec<String>,
    /// Input id → what was typed into the rating form.
    values: BTreeMap<String, String>,
    /// Input id → what is wrong with it.
    errors: BTreeMap<String, String>,
}

async fn sheet_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    me: &User,
    id: i64,
    error: Option<(StatusCode, String)>,
    typed: Typed,
) -> Response {
    let a = match st.store.appraisal(me, id).await {
        Ok(a) => a,
        Err(StoreError::NotFound { .. }) => return not_found(ctx),
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let c = match st.store.cycle(a.cycle_id).await {
        Ok(c) => c,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let tv = match st
        .store
        .template(&c.form_id, Some(c.template_version))
        .await
    {
        Ok(Some(tv)) => tv,
        Ok(None) => return server_error(ctx.lang, "a cycle's template version is gone"),
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let Ok(t) = kaohe_core::compile_str(&tv.source) else {
        return server_error(ctx.lang, "a stored template no longer compiles");
    };
    let view = sheet(ctx.lang, &t, &c, &a, me);
    let entry = match entry_form(st, ctx.lang, &t, &a, me, &typed).await {
        Ok(e) => e,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let (status, error) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    render(
        ctx,
        status,
        "appraisal.html",
        context! { a => Serde(view), entry => Serde(entry), error, typed => Serde(typed) },
    )
}

async fn appraisal<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    let Some(me) = ctx.user.clone() else {
        return to_login(&ctx);
    };
    let Ok(id) = id.parse::<i64>() else {
        return not_found(&ctx);
    };
    sheet_page(&st, &ctx, &me, id, None, Typed::default()).await
}

async fn act<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if !form.csrf_ok(&ctx) {
        return csrf_refused(&ctx);
    }
    let Some(me) = ctx.user.clone() else {
        return to_login(&ctx);
    };
    let Ok(id) = id.parse::<i64>() else {
        return not_found(&ctx);
    };
    ctx.path = format!("/appraisals/{id}");
    let typed = Typed {
        name: form.get("name").unwrap_or_default().to_string(),
        reason: form.get("reason").unwrap_or_default().to_string(),
        items: form.all("items"),
        values: form
            .0
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("v.")?.to_string(), v.clone())))
            .collect(),
        errors: BTreeMap::new(),
    };
    let Some(version) = form.get("version").and_then(|v| v.parse::<i64>().ok()) else {
        let m = text(ctx.lang, "action-bad-version", &[]);
        return sheet_page(
            &st,
            &ctx,
            &me,
            id,
            Some((StatusCode::UNPROCESSABLE_ENTITY, m)),
            typed,
        )
        .await;
    };
    if let Some(what @ ("save" | "submit")) = form.get("action") {
        return rate(&st, &ctx, &me, id, version, what == "submit", typed).await;
    }
    let step = match form.get("action") {
        Some("sign") => Step::Do(Action::Sign {
            name: typed.name.clone(),
        }),
        Some("appeal") => Step::Do(Action::Appeal {
            reason: typed.reason.clone(),
            items: typed.items.clone(),
        }),
        _ => {
            let m = text(ctx.lang, "action-unknown", &[]);
            return sheet_page(
                &st,
                &ctx,
                &me,
                id,
                Some((StatusCode::UNPROCESSABLE_ENTITY, m)),
                typed,
            )
            .await;
        }
    };
    match st.store.act(&me, id, version, &step).await {
        Ok(_) => see_other(&format!("/appraisals/{id}")),
        Err(StoreError::NotFound { .. }) => not_found(&ctx),
        Err(e) if is_internal(&e) => server_error(ctx.lang, &e.to_string()),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
            sheet_page(&st, &ctx, &me, id, Some((status, m)), typed).await
        }
    }
}

/// Save what a rater (or the appraisee, in self-assessment) typed; with `submit`, hand in.
async fn rate<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    me: &User,
    id: i64,
    version: i64,
    submit: bool,
    mut typed: Typed,
) -> Response {
    let mut version = version;
    if !typed.values.is_empty() {
        match st.store.enter(me, id, version, &typed.values).await {
            Ok(a) => version = a.version,
            Err(StoreError::NotFound { .. }) => return not_found(ctx),
            Err(e) if is_internal(&e) => return server_error(ctx.lang, &e.to_string()),
            Err(e) => {
                let (status, m) = store_refusal(ctx.lang, &e);
                if let StoreError::Fields(f) = &e {
                    for (field, msg) in f {
                        typed.errors.insert(field.clone(), in_lang(ctx.lang, msg));
                    }
                }
                let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
                return sheet_page(st, ctx, me, id, Some((status, m)), typed).await;
            }
        }
    }
    if submit {
        match st.store.act(me, id, version, &Step::Submit).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => return not_found(ctx),
            Err(e) if is_internal(&e) => return server_error(ctx.lang, &e.to_string()),
            Err(e) => {
                let (status, m) = store_refusal(ctx.lang, &e);
                let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
                // The values were saved: show what is stored now.
                typed.values.clear();
                return sheet_page(st, ctx, me, id, Some((status, m)), typed).await;
            }
        }
    }
    see_other(&format!("/appraisals/{id}"))
}

#[derive(Serialize)]
struct EntryView {
    /// `rate` or `self`.
    kind: &'static str,
    fields: Vec<FieldView>,
}

#[derive(Serialize)]
struct FieldView {
    id: String,
    item: Option<String>,
    name: String,
    value: String,
    unit: Option<String>,
    /// `number`, `choice` or `text`.
    input: &'static str,
    min: Option<String>,
    max: Option<String>,
    step: &'static str,
    choices: Vec<String>,
    required: bool,
    error: Option<String>,
}

/// The inputs `me` fills on this appraisal now (a rater's column during rating, the
/// appraisee's own during self-assessment), as the store decides who supplies what; None
/// when there are none. The store checks again on save.
async fn entry_form<S: Store>(
    st: &AppState<S>,
    lang: Lang,
    t: &kaohe_core::Template,
    a: &Appraisal,
    me: &User,
    typed: &Typed,
) -> kaohe_store::Result<Option<EntryView>> {
    let kind = match a.state {
        WState::Rating => "rate",
        WState::SelfAssessment if me.employee_id == Some(a.employee_id) => "self",
        _ => return Ok(None),
    };
    let raters: Vec<String> = st
        .store
        .tasks(me)
        .await?
        .into_iter()
        .filter(|x| x.appraisal_id == Some(a.id) && x.kind == kind)
        .map(|x| x.rater.unwrap_or_else(|| "self".into()))
        .collect();
    if raters.is_empty() {
        return Ok(None);
    }
    let depts = st.store.departments().await?;
    let (owners, _) = kaohe_store::input_owners(t, &depts);
    let open = |inp: &kaohe_core::model::Input| match (&a.open_items, inp.item) {
        (None, _) => true,
        (Some(o), Some(i)) => o.contains(&t.items[i].id),
        (Some(_), None) => false,
    };
    let fmt = kaohe_core::num::fmt;
    let fields: Vec<FieldView> = t
        .inputs
        .iter()
        .zip(&owners)
        .filter(|(inp, o)| {
            matches!(o, kaohe_store::Owner::Rater(r) if raters.contains(r)) && open(inp)
        })
        .map(|(inp, _)| {
            use kaohe_core::model::InputKind;
            let (input, step, choices) = match &inp.kind {
                InputKind::Number | InputKind::Money | InputKind::Percent => {
                    ("number", "any", Vec::new())
                }
                InputKind::Count => ("number", "1", Vec::new()),
                InputKind::Choice(c) => ("choice", "", c.clone()),
                InputKind::Set(_) | InputKind::Text => ("text", "", Vec::new()),
            };
            let min = inp
                .min
                .map(fmt)
                .or_else(|| (matches!(inp.kind, InputKind::Count)).then(|| "0".to_string()));
            FieldView {
                id: inp.id.clone(),
                item: inp.item.map(|i| {
                    pick(lang, &t.items[i].name, t.items[i].name_en.as_deref()).to_string()
                }),
                name: pick(lang, &inp.name, inp.name_en.as_deref()).to_string(),
                value: typed
                    .values
                    .get(&inp.id)
                    .or_else(|| a.inputs.get(&inp.id))
                    .cloned()
                    .unwrap_or_default(),
                unit: inp.unit.clone(),
                input,
                min,
                max: inp.max.map(fmt),
                step,
                choices,
                required: inp.required,
                error: typed.errors.get(&inp.id).cloned(),
            }
        })
        .collect();
    Ok(Some(EntryView { kind, fields }))
}

#[derive(Serialize)]
struct LedgerRow {
    period: String,
    form_id: String,
    cycle: String,
    state: &'static str,
    total: Option<String>,
    grade: Option<String>,
    bonus: Option<String>,
}

async fn ledger<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> Response {
    let Some(u) = &ctx.user else {
        return to_login(&ctx);
    };
    let rows = match u.employee_id {
        None => None,
        Some(e) => match st.store.ledger(e).await {
            Ok(l) => Some(
                l.into_iter()
                    .map(|l| LedgerRow {
                        period: l.period,
                        form_id: l.form_id,
                        cycle: l.cycle,
                        state: l.state.as_str(),
                        total: l.total,
                        grade: l.grade,
                        bonus: l.bonus,
                    })
                    .collect::<Vec<_>>(),
            ),
            Err(e) => return server_error(ctx.lang, &e.to_string()),
        },
    };
    let sheets = match my_sheets(&st, u).await {
        Ok(s) => s,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    render(
        &ctx,
        StatusCode::OK,
        "ledger.html",
        context! { rows => Serde(rows), sheets => Serde(sheets) },
    )
}

#[derive(Serialize)]
struct SheetLink {
    id: i64,
    cycle: String,
    period: String,
    state: &'static str,
}

/// The user's own appraisals, newest first, to open their sheets. Those who see many
/// others' appraisals (HR, reviewers, approvers) get none here yet: the store lists
/// appraisals by visibility, not by appraisee.
async fn my_sheets<S: Store>(st: &AppState<S>, u: &User) -> kaohe_store::Result<Vec<SheetLink>> {
    let Some(me) = u.employee_id else {
        return Ok(Vec::new());
    };
    if [Role::HrAdmin, Role::Reviewer, Role::Approver]
        .iter()
        .any(|r| u.has(*r))
    {
        return Ok(Vec::new());
    }
    let page = kaohe_store::Page {
        offset: 0,
        limit: 1000,
    };
    let mut cycles: BTreeMap<i64, Cycle> = BTreeMap::new();
    let mut out = Vec::new();
    for a in st.store.appraisals(u, None, None, page).await? {
        if a.employee_id != me {
            continue;
        }
        let c = match cycles.entry(a.cycle_id) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(st.store.cycle(a.cycle_id).await?)
            }
        };
        out.push(SheetLink {
            id: a.id,
            cycle: c.name.clone(),
            period: c.period.clone(),
            state: a.state.as_str(),
        });
    }
    out.reverse();
    Ok(out)
}

fn todo(ctx: &Ctx, what: &str) -> Response {
    if ctx.user.is_none() {
        return to_login(ctx);
    }
    render(
        ctx,
        StatusCode::OK,
        "todo.html",
        context! { what_key => what },
    )
}

/// The HR pages: still to come.
async fn todo_hr(ctx: Ctx) -> Response {
    todo(&ctx, "todo-hr")
}

/// Rows of the data grid per page (the store checks each appraisal's visibility).
const GRID_PAGE: i64 = 200;

#[derive(serde::Deserialize)]
struct GridQuery {
    offset: Option<i64>,
}

#[derive(Serialize)]
struct GridColumn {
    id: String,
    name: String,
    unit: Option<String>,
    min: Option<String>,
    max: Option<String>,
    step: &'static str,
}

#[derive(Serialize)]
struct GridRowView {
    emp_no: String,
    name: String,
    version: i64,
    editable: bool,
    cells: Vec<GridCell>,
}

#[derive(Serialize)]
struct GridCell {
    value: String,
    error: Option<String>,
}

/// What was typed into the grid, and the store's complaints per (emp_no, input).
#[derive(Default)]
struct GridTyped {
    values: BTreeMap<(String, String), String>,
    errors: BTreeMap<(String, String), String>,
    row_errors: Vec<String>,
}

async fn grid<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path((id, dept)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<GridQuery>,
) -> Response {
    let Some(me) = ctx.user.clone() else {
        return to_login(&ctx);
    };
    let (Ok(id), Ok(dept)) = (id.parse::<i64>(), dept.parse::<i64>()) else {
        return not_found(&ctx);
    };
    let offset = q.offset.unwrap_or(0).max(0);
    grid_page(&st, &ctx, &me, id, dept, offset, None, GridTyped::default()).await
}

/// May `u` enter department `dept`'s data (its clerk, or HR)?
fn clerk_of(u: &User, dept: i64) -> bool {
    u.has(Role::HrAdmin)
        || u.grants
            .iter()
            .any(|g| g.role == Role::Clerk && g.department_id.is_none_or(|d| d == dept))
}

#[allow(clippy::too_many_arguments)]
async fn grid_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    me: &User,
    id: i64,
    dept: i64,
    offset: i64,
    error: Option<(StatusCode, String)>,
    typed: GridTyped,
) -> Response {
    if !clerk_of(me, dept) {
        return not_found(ctx);
    }
    let c = match st.store.cycle(id).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => return not_found(ctx),
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let depts = match st.store.departments().await {
        Ok(d) => d,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let Some(d) = depts.iter().find(|d| d.id == dept) else {
        return not_found(ctx);
    };
    let tv = match st
        .store
        .template(&c.form_id, Some(c.template_version))
        .await
    {
        Ok(Some(tv)) => tv,
        Ok(None) => return server_error(ctx.lang, "a cycle's template version is gone"),
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let Ok(t) = kaohe_core::compile_str(&tv.source) else {
        return server_error(ctx.lang, "a stored template no longer compiles");
    };
    let (owners, _) = kaohe_store::input_owners(&t, &depts);
    let fmt = kaohe_core::num::fmt;
    let cols: Vec<(&kaohe_core::model::Input, GridColumn)> = t
        .inputs
        .iter()
        .zip(&owners)
        .filter(|(_, o)| **o == kaohe_store::Owner::Dept(dept))
        .map(|(inp, _)| {
            use kaohe_core::model::InputKind;
            let count = matches!(inp.kind, InputKind::Count);
            (
                inp,
                GridColumn {
                    id: inp.id.clone(),
                    name: pick(ctx.lang, &inp.name, inp.name_en.as_deref()).to_string(),
                    unit: inp.unit.clone(),
                    min: inp.min.map(fmt).or_else(|| count.then(|| "0".into())),
                    max: inp.max.map(fmt),
                    step: if count { "1" } else { "any" },
                },
            )
        })
        .collect();
    let page = kaohe_store::Page {
        offset,
        limit: GRID_PAGE,
    };
    let list = match st.store.appraisals(me, Some(id), None, page).await {
        Ok(l) => l,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let open = match st.store.tasks(me).await {
        Ok(ts) => ts
            .iter()
            .any(|x| x.kind == "data" && x.cycle_id == id && x.department_id == Some(dept)),
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let rows: Vec<GridRowView> = list
        .iter()
        .map(|a| GridRowView {
            emp_no: a.emp_no.clone(),
            name: a.name.clone(),
            version: a.version,
            editable: open && a.state == WState::DataEntry,
            cells: cols
                .iter()
                .map(|(inp, _)| {
                    let key = (a.emp_no.clone(), inp.id.clone());
                    GridCell {
                        value: typed
                            .values
                            .get(&key)
                            .or_else(|| a.inputs.get(&inp.id))
                            .cloned()
                            .unwrap_or_default(),
                        error: typed.errors.get(&key).cloned(),
                    }
                })
                .collect(),
        })
        .collect();
    let (status, error) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let more = list.len() as i64 == GRID_PAGE;
    render(
        ctx,
        status,
        "grid.html",
        context! {
            cycle => c.name.clone(),
            period => c.period.clone(),
            cycle_id => id,
            dept_id => dept,
            dept => d.name.clone(),
            columns => Serde(cols.into_iter().map(|(_, c)| c).collect::<Vec<_>>()),
            rows => Serde(rows),
            open,
            error,
            row_errors => typed.row_errors,
            offset,
            prev => (offset > 0).then(|| (offset - GRID_PAGE).max(0)),
            next => more.then_some(offset + GRID_PAGE),
            due => c.data_due.as_deref().map(short_time),
        },
    )
}

async fn grid_save<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    Path((id, dept)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if !form.csrf_ok(&ctx) {
        return csrf_refused(&ctx);
    }
    let Some(me) = ctx.user.clone() else {
        return to_login(&ctx);
    };
    let (Ok(id), Ok(dept)) = (id.parse::<i64>(), dept.parse::<i64>()) else {
        return not_found(&ctx);
    };
    if !clerk_of(&me, dept) {
        return not_found(&ctx);
    }
    let offset = form.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    ctx.path = format!("/cycles/{id}/departments/{dept}");
    // Rows are numbered in the form (`emp.3`, `ver.3`, `c.3.leave_days`): employee numbers
    // and input ids may hold any character.
    let mut rows: BTreeMap<usize, kaohe_store::GridRow> = BTreeMap::new();
    for (k, v) in &form.0 {
        let Some((kind, rest)) = k.split_once('.') else {
            continue;
        };
        let (n, input) = match kind {
            "c" => match rest.split_once('.') {
                Some((n, input)) => (n, Some(input)),
                None => continue,
            },
            "emp" | "ver" => (rest, None),
            _ => continue,
        };
        let Ok(n) = n.parse::<usize>() else { continue };
        let row = rows.entry(n).or_insert_with(|| kaohe_store::GridRow {
            line: n + 1,
            ..Default::default()
        });
        match (kind, input) {
            ("emp", _) => row.emp_no = v.clone(),
            ("ver", _) => row.version = v.parse().ok(),
            (_, Some(input)) => {
                row.values.insert(input.to_string(), v.clone());
            }
            _ => {}
        }
    }
    let rows: Vec<kaohe_store::GridRow> = rows
        .into_values()
        .filter(|r| !r.emp_no.is_empty())
        .collect();
    let mut typed = GridTyped::default();
    for r in &rows {
        for (k, v) in &r.values {
            typed
                .values
                .insert((r.emp_no.clone(), k.clone()), v.clone());
        }
    }
    let failed = |e: StoreError, mut typed: GridTyped, rows: &[kaohe_store::GridRow]| {
        let (status, m) = store_refusal(ctx.lang, &e);
        if let StoreError::Rows(problems) = &e {
            for (line, field, msg) in problems {
                let emp = rows
                    .iter()
                    .find(|r| r.line == *line)
                    .map(|r| r.emp_no.clone())
                    .unwrap_or_default();
                let msg = in_lang(ctx.lang, msg);
                if rows.iter().any(|r| r.values.contains_key(field)) {
                    typed.errors.insert((emp, field.clone()), msg);
                } else {
                    typed.row_errors.push(format!("{emp}: {msg}"));
                }
            }
        }
        let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
        (Some((status, m)), typed)
    };
    if !rows.is_empty() {
        match st.store.enter_grid(&me, id, Some(dept), &rows).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => return not_found(&ctx),
            Err(e) if is_internal(&e) => return server_error(ctx.lang, &e.to_string()),
            Err(e) => {
                let (err, typed) = failed(e, typed, &rows);
                return grid_page(&st, &ctx, &me, id, dept, offset, err, typed).await;
            }
        }
    }
    if form.get("action") == Some("complete") {
        match st.store.complete_data(&me, id, dept).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => return not_found(&ctx),
            Err(e) if is_internal(&e) => return server_error(ctx.lang, &e.to_string()),
            Err(e) => {
                let (err, _) = failed(e, GridTyped::default(), &rows);
                return grid_page(&st, &ctx, &me, id, dept, offset, err, GridTyped::default())
                    .await;
            }
        }
    }
    see_other(&format!("/cycles/{id}/departments/{dept}?offset={offset}"))
}
