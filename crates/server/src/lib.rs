//! kaohe-server: the JSON API over a [`Store`], with sessions and role-based access, and
//! the server-rendered pages ([`web`]).
//!
//! The server is generic over the store, so SQLite and PostgreSQL run the same handlers.
//! Every request body error, every refusal and every failure answers in one format
//! ([`error::ErrorBody`]); the OpenAPI document is served at `/api/openapi.json`.
#![forbid(unsafe_code)]

pub mod auth;
pub mod cycles;
pub mod delegation;
pub mod error;
pub mod mail;
pub mod notify;
pub mod notify_prefs;
pub mod office;
pub mod ops;
pub mod pdf;
pub mod remind;
pub mod throttle;
pub mod web;

use auth::{Auth, COOKIE};
use axum::Router;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use error::{ApiError, ApiResult, FieldError};
use kaohe_store::policy::Capability;
use kaohe_store::{Grant, NewDepartment, NewUser, Page, Role, Store};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState<S: Store> {
    pub store: S,
    /// The one-time token that creates the first administrator (None once used).
    pub setup_token: Arc<Mutex<Option<String>>>,
    /// How long a session lasts.
    pub session_ttl: time::Duration,
    /// How often the auto-confirmation job runs.
    pub auto_confirm_every: std::time::Duration,
    /// Started with `serve --demo`: the sign-in page names the demo users and password.
    pub demo: bool,
    /// A session ends after this long without a request (default 60 minutes).
    pub session_idle: time::Duration,
    /// `serve --secure-cookies`: cookies are `Secure`, and HSTS is sent.
    pub secure_cookies: bool,
    /// The background jobs' last runs, for `/readyz`.
    pub jobs: Arc<ops::JobStatus>,
    /// Demo accounts whose demo password is refused ([`ops::refuse_demo_passwords`]).
    pub demo_refused: ops::DemoRefused,
    /// The PDF queue: Chromiums at once, PDFs waiting, per user, time limit
    /// (`pdf::PdfQueue::new(pdf::PdfLimits { workers: 2, ..Default::default() })`).
    pub pdf: Arc<pdf::PdfQueue>,
    /// The notification worker's settings (how often, retries, the public address for links).
    pub delivery: Arc<notify::DeliveryConfig>,
    /// How often the scheduled-reminder job runs ([`remind::reminders_loop`]).
    pub remind_every: std::time::Duration,
}

impl<S: Store> AppState<S> {
    /// State over a migrated store.
    pub fn new(store: S) -> Self {
        AppState {
            store,
            setup_token: Arc::new(Mutex::new(None)),
            session_ttl: time::Duration::hours(10),
            auto_confirm_every: std::time::Duration::from_secs(60),
            demo: false,
            session_idle: time::Duration::minutes(60),
            secure_cookies: false,
            jobs: Arc::default(),
            demo_refused: Arc::default(),
            pdf: Arc::default(),
            delivery: Arc::default(),
            remind_every: std::time::Duration::from_secs(300),
        }
    }
}

/// A JSON body whose errors answer in the API's format, naming the field.
pub struct ApiJson<T>(pub T);

impl<T, St> FromRequest<St> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    St: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &St) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}

/// Query parameters whose errors answer in the API's format.
pub struct ApiQuery<T>(pub T);

impl<T, St> axum::extract::FromRequestParts<St> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    St: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &St,
    ) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}

/// Path parameters whose errors (e.g. an id out of range) answer in the API's format.
pub struct ApiPath<T>(pub T);

impl<T, St> axum::extract::FromRequestParts<St> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    St: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &St,
    ) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}

/// A user as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub lang: String,
    pub roles: Vec<String>,
}

impl From<&kaohe_store::User> for UserView {
    fn from(u: &kaohe_store::User) -> Self {
        UserView {
            id: u.id,
            username: u.username.clone(),
            lang: u.lang.clone(),
            roles: u
                .grants
                .iter()
                .map(|g| g.role.as_str().to_string())
                .collect(),
        }
    }
}

/// Sign-in details.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Login {
    pub username: String,
    pub password: String,
}

/// First-run administrator.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Setup {
    /// The one-time token printed when the server started with no users.
    pub token: String,
    pub username: String,
    pub password: String,
}

/// A department as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DepartmentView {
    #[serde(default)]
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `line` or `functional` (data source / assessor: 行政部, 财务部 …).
    pub kind: String,
    /// The parent department's id (none: top level); set by the organisation import.
    #[serde(default, skip_deserializing)]
    pub parent_id: Option<i64>,
    /// `head_office`, `branch`, `sub_branch`, `department` or `team`; set by the import.
    #[serde(default, skip_deserializing)]
    pub unit: Option<String>,
}

/// An employee as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeView {
    pub id: i64,
    pub emp_no: String,
    pub name: String,
    pub department_id: i64,
    pub supervisor_id: Option<i64>,
}

/// Paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Items to skip (default 0).
    pub offset: Option<i64>,
    /// Items per page (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// A stored template version.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateView {
    pub form_id: String,
    pub version: i64,
    pub title: String,
    pub created_by: String,
    pub created_at: String,
    /// The TOML source (only on single-template reads).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Which version.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A version number (default: the latest).
    pub version: Option<i64>,
}

/// An audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    pub hash: String,
}

/// Where to start reading the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries after this id (default 0).
    pub after: Option<i64>,
    /// At most this many (default 100).
    pub limit: Option<i64>,
}

/// The audit chain's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerify {
    pub intact: bool,
    pub entries: Option<i64>,
    pub broken_at: Option<i64>,
    pub message: String,
}

/// Rows to score with a template (columns as in `kaohe score`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PreviewRequest {
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
}

pub(crate) fn session_cookie(token: &str, max_age: time::Duration) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        max_age.whole_seconds().max(0)
    )
}

/// Sign in.
///
/// After five wrong passwords for a name within 15 minutes, the name is refused for 15
/// minutes (429, with `Retry-After` in seconds).
#[utoipa::path(post, path = "/api/login", request_body = Login, responses((status = 200, body = UserView), (status = 401, body = error::ErrorBody), (status = 429, body = error::ErrorBody, headers(("Retry-After" = u64, description = "seconds until the name may try again"))), (status = 400, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn login<S: Store>(
    State(st): State<AppState<S>>,
    ext: axum::http::Extensions,
    ApiJson(l): ApiJson<Login>,
) -> ApiResult<Response> {
    use throttle::SignInFail;
    let (u, token) =
        match throttle::sign_in(&st, &l.username, &l.password, throttle::peer(&ext)).await {
            Ok(x) => x,
            Err(SignInFail::Locked(m)) => return Err(ApiError::TooManyAttempts(m)),
            Err(SignInFail::DemoPassword) => {
                return Err(ApiError::Refused(kaohe_store::Text::from_both(
                    ops::DEMO_REFUSED,
                )));
            }
            Err(SignInFail::Wrong) => return Err(ApiError::Unauthorized),
            Err(SignInFail::Busy) => return Err(kaohe_store::StoreError::Busy.into()),
            Err(SignInFail::Store(e)) => return Err(e.into()),
        };
    Ok((
        [(header::SET_COOKIE, session_cookie(&token, st.session_ttl))],
        axum::Json(UserView::from(&u)),
    )
        .into_response())
}

/// Sign out.
#[utoipa::path(post, path = "/api/logout", responses((status = 204), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn logout<S: Store>(
    State(st): State<AppState<S>>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let jar = axum_extra::extract::cookie::CookieJar::from_headers(&headers);
    if let Some(c) = jar.get(COOKIE) {
        st.store.delete_session(c.value()).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session_cookie("", time::Duration::ZERO))],
    )
        .into_response())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/me", responses((status = 200, body = UserView), (status = 401, body = error::ErrorBody), (status = 400, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn me(auth: Auth) -> axum::Json<UserView> {
    axum::Json(UserView::from(&auth.0))
}

/// Create the first administrator with the one-time token printed at start.
#[utoipa::path(post, path = "/api/setup", request_body = Setup, responses((status = 201, body = UserView), (status = 403, body = error::ErrorBody), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn setup<S: Store>(
    State(st): State<AppState<S>>,
    ApiJson(s): ApiJson<Setup>,
) -> ApiResult<(StatusCode, axum::Json<UserView>)> {
    let expected = st
        .setup_token
        .lock()
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .clone();
    match expected {
        Some(t) if t == s.token && st.store.user_count().await? == 0 => {}
        _ => return Err(ApiError::Forbidden),
    }
    let u = st
        .store
        .create_user(
            "setup",
            &NewUser {
                username: s.username,
                password: s.password,
                emp_no: None,
                grants: vec![Grant {
                    role: Role::HrAdmin,
                    department_id: None,
                }],
                lang: "zh-CN".into(),
            },
        )
        .await?;
    *st.setup_token
        .lock()
        .map_err(|e| ApiError::Internal(e.to_string()))? = None;
    Ok((StatusCode::CREATED, axum::Json(UserView::from(&u))))
}

/// Departments.
#[utoipa::path(get, path = "/api/departments", responses((status = 200, body = Vec<DepartmentView>), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn departments<S: Store>(
    State(st): State<AppState<S>>,
    _auth: Auth,
) -> ApiResult<axum::Json<Vec<DepartmentView>>> {
    let d = st.store.departments().await?;
    Ok(axum::Json(
        d.into_iter()
            .map(|d| DepartmentView {
                id: d.id,
                code: d.code,
                name: d.name,
                kind: d.kind.as_str().into(),
                parent_id: d.parent_id,
                unit: d.unit.map(|u| u.as_str().into()),
            })
            .collect(),
    ))
}

/// A one-time sign-in code, shown once to HR to hand to its owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeView {
    pub username: String,
    /// 8 characters; valid for 7 days; the old password and sessions no longer work.
    pub code: String,
}

/// An account's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountState {
    pub username: String,
    pub disabled: bool,
    /// Waiting for the first sign-in with a code.
    pub code_pending: bool,
}

/// Give a user a new one-time sign-in code (HR): their password and sessions end; the
/// first sign-in with the code at `/login/code` sets a new password. Audited.
#[utoipa::path(post, path = "/api/users/{username}/code", params(("username" = String, Path)), responses((status = 200, body = CodeView), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn user_code<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<CodeView>> {
    let u = auth.may_all(Capability::ManageOrg)?;
    let code = st.store.reset_code(&u.username, &username).await?;
    Ok(axum::Json(CodeView { username, code }))
}

/// Disable a user (HR): no sign-in, every session ends. Audited.
#[utoipa::path(post, path = "/api/users/{username}/disable", params(("username" = String, Path)), responses((status = 200, body = AccountState), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn user_disable<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<AccountState>> {
    set_disabled(st, auth, username, true).await
}

/// Enable a disabled user again (HR). Audited.
#[utoipa::path(post, path = "/api/users/{username}/enable", params(("username" = String, Path)), responses((status = 200, body = AccountState), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn user_enable<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<AccountState>> {
    set_disabled(st, auth, username, false).await
}

async fn set_disabled<S: Store>(
    st: AppState<S>,
    auth: Auth,
    username: String,
    disabled: bool,
) -> ApiResult<axum::Json<AccountState>> {
    let u = auth.may_all(Capability::ManageOrg)?;
    let user = st
        .store
        .set_disabled(&u.username, &username, disabled)
        .await?;
    Ok(axum::Json(AccountState {
        username: user.username,
        disabled: user.disabled,
        code_pending: user.code_pending,
    }))
}

/// Add a department (HR).
#[utoipa::path(post, path = "/api/departments", request_body = DepartmentView, responses((status = 201, body = DepartmentView), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody)))]
async fn create_department<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    ApiJson(d): ApiJson<DepartmentView>,
) -> ApiResult<(StatusCode, axum::Json<DepartmentView>)> {
    let u = auth.may_all(Capability::ManageOrg)?;
    let Some(kind) = kaohe_store::DeptKind::parse(&d.kind) else {
        return Err(ApiError::Invalid(vec![FieldError {
            field: "kind".into(),
            message: format!("`{}` 应为 line 或 functional", d.kind),
            message_en: Some(format!("`{}` must be line or functional", d.kind)),
            line: None,
            column: None,
        }]));
    };
    let made = st
        .store
        .create_department(
            &u.username,
            &NewDepartment {
                code: d.code,
                name: d.name,
                kind,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(DepartmentView {
            id: made.id,
            code: made.code,
            name: made.name,
            kind: made.kind.as_str().into(),
            parent_id: None,
            unit: None,
        }),
    ))
}

/// Employees, a page at a time (HR, reviewers, approvers).
#[utoipa::path(get, path = "/api/employees", params(Paging), responses((status = 200, body = Vec<EmployeeView>), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn employees<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    ApiQuery(p): ApiQuery<Paging>,
) -> ApiResult<axum::Json<Vec<EmployeeView>>> {
    let scope = auth.may(Capability::ViewEmployees)?;
    let e = st
        .store
        .employees(
            &scope,
            Page {
                offset: p.offset.unwrap_or(0),
                limit: p.limit.unwrap_or(100),
            },
        )
        .await?;
    Ok(axum::Json(
        e.into_iter()
            .map(|e| EmployeeView {
                id: e.id,
                emp_no: e.emp_no,
                name: e.name,
                department_id: e.department_id,
                supervisor_id: e.supervisor_id,
            })
            .collect(),
    ))
}

/// Import the organisation from CSV or `.xlsx` (HR), in the format of the export (the tree:
/// 上级部门, 负责人, 单位层级): all rows or none.
#[utoipa::path(post, path = "/api/org/import", request_body(content = String, content_type = "text/csv"), responses((status = 200, body = Object), (status = 422, body = error::ErrorBody), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody)))]
async fn import_org<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let u = auth.may_all(Capability::ManageOrg)?;
    let rows = parse_org_file(&body)?;
    let s = st.store.import_org(&u.username, &rows).await?;
    Ok(axum::Json(serde_json::json!({
        "departments_added": s.departments_added,
        "positions_added": s.positions_added,
        "employees_added": s.employees_added,
        "employees_updated": s.employees_updated,
    })))
}

/// An organisation file (CSV or `.xlsx`) → rows, or the header problem as a field error.
fn parse_org_file(bytes: &[u8]) -> ApiResult<Vec<kaohe_store::OrgRow>> {
    office::org_rows(bytes).map_err(|m| {
        ApiError::Invalid(vec![FieldError {
            field: "header".into(),
            message: m,
            message_en: None,
            line: Some(1),
            column: None,
        }])
    })
}

fn template_view(t: kaohe_store::TemplateVersion, with_source: bool) -> TemplateView {
    TemplateView {
        form_id: t.form_id,
        version: t.version,
        title: t.title,
        created_by: t.created_by,
        created_at: t.created_at,
        source: with_source.then_some(t.source),
    }
}

/// The latest version of every template.
#[utoipa::path(get, path = "/api/templates", responses((status = 200, body = Vec<TemplateView>), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn templates<S: Store>(
    State(st): State<AppState<S>>,
    _auth: Auth,
) -> ApiResult<axum::Json<Vec<TemplateView>>> {
    Ok(axum::Json(
        st.store
            .templates()
            .await?
            .into_iter()
            .map(|t| template_view(t, false))
            .collect(),
    ))
}

/// One template version, with its source.
#[utoipa::path(get, path = "/api/templates/{form_id}", params(("form_id" = String, Path), VersionQuery), responses((status = 200, body = TemplateView), (status = 404, body = error::ErrorBody), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn template<S: Store>(
    State(st): State<AppState<S>>,
    _auth: Auth,
    Path(form_id): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<axum::Json<TemplateView>> {
    match st.store.template(&form_id, q.version).await? {
        Some(t) => Ok(axum::Json(template_view(t, true))),
        None => Err(ApiError::NotFound(no_template(&form_id))),
    }
}

/// Check a template (TOML body) and publish it as its form's next version (HR). Errors
/// come back field by field with line and column.
#[utoipa::path(post, path = "/api/templates", request_body(content = String, content_type = "text/plain"), responses((status = 201, body = TemplateView), (status = 422, body = error::ErrorBody), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody)))]
async fn publish_template<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    body: String,
) -> ApiResult<(StatusCode, axum::Json<TemplateView>)> {
    let u = auth.may_all(Capability::ManageTemplates)?;
    let checked = kaohe_core::check(&body);
    if checked.has_errors() {
        return Err(ApiError::Invalid(diagnostics(&body, &checked.diagnostics)));
    }
    let t = st.store.publish_template(&u.username, &body).await?;
    Ok((StatusCode::CREATED, axum::Json(template_view(t, false))))
}

fn diagnostics(src: &str, diags: &[kaohe_core::diag::Diagnostic]) -> Vec<FieldError> {
    diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let (line, column) = d
                .line_col(src)
                .map_or((None, None), |(l, c)| (Some(l), Some(c)));
            let help_zh = d
                .help
                .as_ref()
                .map(|h| format!(" 建议: {}", h.render(kaohe_core::Lang::Zh)))
                .unwrap_or_default();
            let help_en = d
                .help
                .as_ref()
                .map(|h| format!(" help: {}", h.render(kaohe_core::Lang::En)))
                .unwrap_or_default();
            FieldError {
                field: d.code.to_string(),
                message: format!("{}{help_zh}", d.message.render(kaohe_core::Lang::Zh)),
                message_en: Some(format!(
                    "{}{help_en}",
                    d.message.render(kaohe_core::Lang::En)
                )),
                line,
                column,
            }
        })
        .collect()
}

/// Score sample rows with a stored template, with explanations (HR preview).
#[utoipa::path(post, path = "/api/templates/{form_id}/preview", params(("form_id" = String, Path), VersionQuery), request_body = PreviewRequest, responses((status = 200, body = Object), (status = 422, body = error::ErrorBody), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody)))]
async fn preview<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(form_id): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
    ApiJson(req): ApiJson<PreviewRequest>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    auth.may_all(Capability::ManageTemplates)?;
    let Some(tv) = st.store.template(&form_id, q.version).await? else {
        return Err(ApiError::NotFound(no_template(&form_id)));
    };
    let t = kaohe_core::compile_str(&tv.source)
        .map_err(|_| ApiError::Internal("a stored template no longer compiles".into()))?;
    let mut headers: Vec<String> = Vec::new();
    for r in &req.rows {
        for k in r.keys() {
            if !headers.contains(k) {
                headers.push(k.clone());
            }
        }
    }
    let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
    let cols = kaohe_core::input::match_header(&t, &hdr)
        .map_err(|e| ApiError::Invalid(cell_errors(&e)))?;
    let mut rows = Vec::new();
    let mut errs = Vec::new();
    for (i, r) in req.rows.iter().enumerate() {
        let cells: Vec<String> = headers
            .iter()
            .map(|h| match r.get(h) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            })
            .collect();
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        match kaohe_core::input::parse_row(&t, &cols, &refs, i + 1) {
            Ok(row) => rows.push(row),
            Err(e) => errs.extend(e),
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::Invalid(cell_errors(&errs)));
    }
    let engine = kaohe_core::Engine::new(&t);
    let b = kaohe_core::batch::score_batch(&engine, &rows);
    if let Some((r, e)) = b.errors.first() {
        return Err(ApiError::Invalid(vec![FieldError {
            field: e.column.clone().unwrap_or_else(|| format!("rows[{r}]")),
            message: e.msg.render(kaohe_core::Lang::Zh),
            message_en: Some(e.msg.render(kaohe_core::Lang::En)),
            line: Some(rows[*r].line),
            column: None,
        }]));
    }
    let out: Vec<serde_json::Value> = (0..rows.len())
        .map(|r| {
            let (f, rec) = kaohe_core::batch::explain_row(&engine, &b, &rows, r).expect("scored above");
            serde_json::json!({
                "id": rows[r].id,
                "items": t.items.iter().enumerate().map(|(i, it)| (it.id.clone(), serde_json::Value::String(kaohe_core::num::fmt(b.item(r, i))))).collect::<serde_json::Map<_, _>>(),
                "total": kaohe_core::num::fmt(b.total(r)),
                "grade": b.grade[r].map(|g| t.grades[g as usize].name.clone()),
                "pay": t.pay.iter().enumerate().map(|(i, p)| (p.id.clone(), serde_json::Value::String(kaohe_core::num::fmt_dp(b.pay(r, i), p.decimals)))).collect::<serde_json::Map<_, _>>(),
                "explanation": { "zh-CN": kaohe_core::explain::render(&t, &f, &rec, kaohe_core::Lang::Zh), "en": kaohe_core::explain::render(&t, &f, &rec, kaohe_core::Lang::En) },
            })
        })
        .collect();
    Ok(axum::Json(
        serde_json::json!({ "form_id": tv.form_id, "version": tv.version, "results": out }),
    ))
}

fn cell_errors(e: &[kaohe_core::input::CellError]) -> Vec<FieldError> {
    e.iter()
        .map(|c| FieldError {
            field: c.header.clone().unwrap_or_else(|| "row".into()),
            message: c.msg.render(kaohe_core::Lang::Zh),
            message_en: Some(c.msg.render(kaohe_core::Lang::En)),
            line: Some(c.line),
            column: c.column,
        })
        .collect()
}

/// The audit log (HR), oldest first.
#[utoipa::path(get, path = "/api/audit", params(AuditQuery), responses((status = 200, body = Vec<AuditView>), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn audit_log<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<axum::Json<Vec<AuditView>>> {
    auth.may_all(Capability::ViewAudit)?;
    let e = st
        .store
        .audit_log(q.after.unwrap_or(0), q.limit.unwrap_or(100))
        .await?;
    Ok(axum::Json(
        e.into_iter()
            .map(|e| AuditView {
                id: e.id,
                at: e.at,
                actor: e.actor,
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
                old_value: e.old_value,
                new_value: e.new_value,
                reason: e.reason,
                hash: e.hash,
            })
            .collect(),
    ))
}

/// Check the audit chain (HR).
#[utoipa::path(get, path = "/api/audit/verify", responses((status = 200, body = AuditVerify), (status = 400, body = error::ErrorBody), (status = 401, body = error::ErrorBody), (status = 403, body = error::ErrorBody), (status = 404, body = error::ErrorBody), (status = 409, body = error::ErrorBody), (status = 422, body = error::ErrorBody)))]
async fn audit_verify<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
) -> ApiResult<axum::Json<AuditVerify>> {
    auth.may_all(Capability::ViewAudit)?;
    let c = st.store.verify_audit().await?;
    let message = c.to_string();
    Ok(axum::Json(match c {
        kaohe_store::AuditCheck::Intact { entries } => AuditVerify {
            intact: true,
            entries: Some(entries),
            broken_at: None,
            message,
        },
        kaohe_store::AuditCheck::Broken { id, .. } => AuditVerify {
            intact: false,
            entries: None,
            broken_at: Some(id),
            message,
        },
        kaohe_store::AuditCheck::BadCheckpoint { .. }
        | kaohe_store::AuditCheck::Truncated { .. } => AuditVerify {
            intact: false,
            entries: None,
            broken_at: None,
            message,
        },
    }))
}

async fn health() -> &'static str {
    "ok"
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "kaohe API",
        description = "客户经理绩效考核 — performance appraisal"
    ),
    paths(
        login,
        logout,
        me,
        setup,
        departments,
        create_department,
        employees,
        import_org,
        templates,
        template,
        publish_template,
        preview,
        audit_log,
        audit_verify,
        cycles::cycles,
        cycles::create_cycle,
        cycles::cycle,
        cycles::launch,
        cycles::update_cycle,
        cycles::delete_cycle,
        cycles::launch_preview,
        cycles::copy_cycle,
        cycles::cancel_cycle,
        cycles::score,
        cycles::results,
        office::payroll_csv,
        cycles::grid,
        cycles::complete,
        cycles::appraisals,
        cycles::appraisal,
        cycles::explain,
        cycles::peers,
        cycles::preview,
        cycles::values,
        cycles::notes,
        cycles::act,
        cycles::tasks,
        delegation::delegations,
        delegation::create,
        delegation::revoke,
        delegation::reassign,
        cycles::ledger,
        cycles::auto_confirm,
        notify::notifications,
        notify::mark_read,
        notify::outbox,
        notify::retry,
        notify::channels,
        notify::remind,
        notify_prefs::my_prefs,
        notify_prefs::set_my_prefs,
        notify_prefs::my_contact,
        notify_prefs::set_my_contact,
        notify_prefs::set_user_contact,
        notify_prefs::settings,
        notify_prefs::set_settings,
        remind::run_now,
        remind::set_reminders,
        cycles::quotas,
        cycles::set_quotas,
        cycles::set_grades,
        user_code,
        user_disable,
        user_enable,
        office::import,
        office::import_propose,
        office::import_relations,
        office::form,
        office::results,
        office::payroll,
        office::org_export_csv,
        office::org_export_xlsx,
        pdf::form,
        pdf::results
    ),
    components(schemas(
        notify::NotificationView,
        notify::NotificationsView,
        notify::MarkRead,
        notify::Marked,
        notify::OutboxView,
        notify::ChannelView,
        notify::Reminded,
        notify_prefs::NotifyPrefsView,
        notify_prefs::ContactView,
        notify_prefs::NotifySettingsView,
        remind::RemindersRun,
        remind::RemindersBody,
        error::ErrorBody,
        error::ErrorDetail,
        error::FieldError,
        UserView,
        Login,
        Setup,
        DepartmentView,
        EmployeeView,
        TemplateView,
        AuditView,
        AuditVerify,
        PreviewRequest,
        cycles::CycleRequest,
        cycles::CycleView,
        cycles::LaunchView,
        cycles::CancelRequest,
        cycles::AppraisalView,
        cycles::ExplainView,
        cycles::PeerView,
        cycles::PreviewValuesRequest,
        cycles::PreviewView,
        cycles::ValuesRequest,
        cycles::GridRequest,
        cycles::GridRowRequest,
        cycles::NotesRequest,
        cycles::InterviewBody,
        cycles::ActionRequest,
        cycles::TaskView,
        delegation::DelegationRequest,
        delegation::DelegationView,
        delegation::ReassignRequest,
        cycles::ResultView,
        cycles::ResultsPage,
        cycles::LedgerView,
        cycles::QuotaBody,
        cycles::QuotasRequest,
        cycles::GradesRequest,
        CodeView,
        AccountState,
        cycles::GradeBandBody,
        cycles::QuotaCheckView,
        cycles::QuotasView,
        cycles::GroupQuotaView,
        office::ImportReport,
        office::RelationsImportView,
        office::ImportProblem,
        office::EmployeeChanges,
        office::ValueChange,
        office::ProposalView,
        office::ProposedColumnView
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(s) => ([(header::CONTENT_TYPE, "application/json")], s).into_response(),
        Err(e) => ApiError::Internal(e.to_string()).into_response(),
    }
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound(kaohe_store::Text::pair("没有这个地址", "no such endpoint"))
}

/// Every route.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ops::readyz::<S>))
        .route("/api/openapi.json", get(openapi))
        .route("/api/login", post(login::<S>))
        .route("/api/logout", post(logout::<S>))
        .route("/api/me", get(me))
        .route("/api/setup", post(setup::<S>))
        .route(
            "/api/departments",
            get(departments::<S>).post(create_department::<S>),
        )
        .route("/api/employees", get(employees::<S>))
        .route("/api/org/import", post(import_org::<S>))
        .route("/api/org/export.csv", get(office::org_export_csv::<S>))
        .route("/api/org/export.xlsx", get(office::org_export_xlsx::<S>))
        .route(
            "/api/templates",
            get(templates::<S>).post(publish_template::<S>),
        )
        .route("/api/templates/{form_id}", get(template::<S>))
        .route("/api/templates/{form_id}/preview", post(preview::<S>))
        .route("/api/audit", get(audit_log::<S>))
        .route("/api/audit/verify", get(audit_verify::<S>))
        .route(
            "/api/cycles",
            get(cycles::cycles::<S>).post(cycles::create_cycle::<S>),
        )
        .route(
            "/api/cycles/{id}",
            get(cycles::cycle::<S>)
                .put(cycles::update_cycle::<S>)
                .delete(cycles::delete_cycle::<S>),
        )
        .route("/api/cycles/{id}/launch", post(cycles::launch::<S>))
        .route(
            "/api/cycles/{id}/launch-preview",
            get(cycles::launch_preview::<S>),
        )
        .route("/api/cycles/{id}/copy", post(cycles::copy_cycle::<S>))
        .route("/api/cycles/{id}/cancel", post(cycles::cancel_cycle::<S>))
        .route("/api/cycles/{id}/score", post(cycles::score::<S>))
        .route("/api/cycles/{id}/results", get(cycles::results::<S>))
        .route(
            "/api/cycles/{id}/payroll.csv",
            get(office::payroll_csv::<S>),
        )
        .route("/api/cycles/{id}/payroll.xlsx", get(office::payroll::<S>))
        .route("/api/cycles/{id}/results.xlsx", get(office::results::<S>))
        .route(
            "/api/cycles/{id}/import",
            post(office::import::<S>)
                .layer(axum::extract::DefaultBodyLimit::max(office::MAX_UPLOAD)),
        )
        .route(
            "/api/cycles/{id}/relations",
            post(office::import_relations::<S>)
                .layer(axum::extract::DefaultBodyLimit::max(office::MAX_UPLOAD)),
        )
        .route(
            "/api/cycles/{id}/import/propose",
            post(office::import_propose::<S>)
                .layer(axum::extract::DefaultBodyLimit::max(office::MAX_UPLOAD)),
        )
        .route("/api/appraisals/{id}/form.xlsx", get(office::form::<S>))
        .route("/api/appraisals/{id}/form.pdf", get(pdf::form::<S>))
        .route("/api/cycles/{id}/results.pdf", get(pdf::results::<S>))
        .route(
            "/api/cycles/{id}/departments/{dept_id}/data",
            axum::routing::put(cycles::grid::<S>),
        )
        .route(
            "/api/cycles/{id}/departments/{dept_id}/complete",
            post(cycles::complete::<S>),
        )
        .route("/api/appraisals", get(cycles::appraisals::<S>))
        .route("/api/appraisals/{id}", get(cycles::appraisal::<S>))
        .route("/api/appraisals/{id}/explain", get(cycles::explain::<S>))
        .route("/api/appraisals/{id}/peers", get(cycles::peers::<S>))
        .route("/api/appraisals/{id}/preview", post(cycles::preview::<S>))
        .route(
            "/api/appraisals/{id}/values",
            axum::routing::put(cycles::values::<S>),
        )
        .route(
            "/api/appraisals/{id}/notes",
            axum::routing::put(cycles::notes::<S>),
        )
        .route("/api/appraisals/{id}/actions", post(cycles::act::<S>))
        .route("/api/tasks", get(cycles::tasks::<S>))
        .route(
            "/api/delegations",
            get(delegation::delegations::<S>).post(delegation::create::<S>),
        )
        .route(
            "/api/delegations/{id}/revoke",
            post(delegation::revoke::<S>),
        )
        .route("/api/tasks/{id}/reassign", post(delegation::reassign::<S>))
        .route("/api/employees/{emp_no}/ledger", get(cycles::ledger::<S>))
        .route("/api/jobs/auto-confirm", post(cycles::auto_confirm::<S>))
        .route("/api/notifications", get(notify::notifications::<S>))
        .route("/api/notifications/read", post(notify::mark_read::<S>))
        .route("/api/notify/outbox", get(notify::outbox::<S>))
        .route("/api/notify/outbox/{id}/retry", post(notify::retry::<S>))
        .route("/api/notify/channels", get(notify::channels::<S>))
        .route("/api/cycles/{id}/remind", post(notify::remind::<S>))
        .route("/api/jobs/reminders", post(remind::run_now::<S>))
        .route(
            "/api/cycles/{id}/reminders",
            axum::routing::put(remind::set_reminders::<S>),
        )
        .route(
            "/api/me/notify-prefs",
            get(notify_prefs::my_prefs::<S>).put(notify_prefs::set_my_prefs::<S>),
        )
        .route(
            "/api/me/contact",
            get(notify_prefs::my_contact::<S>).put(notify_prefs::set_my_contact::<S>),
        )
        .route(
            "/api/users/{username}/contact",
            axum::routing::put(notify_prefs::set_user_contact::<S>),
        )
        .route(
            "/api/notify/settings",
            get(notify_prefs::settings::<S>).put(notify_prefs::set_settings::<S>),
        )
        .route(
            "/api/cycles/{id}/quotas",
            get(cycles::quotas::<S>).put(cycles::set_quotas::<S>),
        )
        .route(
            "/api/cycles/{id}/grades",
            axum::routing::put(cycles::set_grades::<S>),
        )
        .route("/api/users/{username}/code", post(user_code::<S>))
        .route("/api/users/{username}/disable", post(user_disable::<S>))
        .route("/api/users/{username}/enable", post(user_enable::<S>))
        .merge(web::routes::<S>())
        .fallback(web::fallback)
        .layer(axum::middleware::from_fn(api_guard))
        .layer(axum::middleware::from_fn_with_state(
            state.secure_cookies,
            ops::secure_cookies,
        ))
        .layer(axum::middleware::from_fn(ops::request_log))
        .with_state(state)
}

/// Is a request from another site (by its `Origin` or `Sec-Fetch-Site`)?
fn cross_site(h: &axum::http::HeaderMap) -> bool {
    if h.get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return true;
    }
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or("");
    origin == "null" || origin_host != host
}

/// Two rules for the JSON API: its answers are never cached (they carry names, scores and
/// money), and a change made with the session cookie must come from this site — another
/// site's page can post a `text/plain` body with the user's cookie, so SameSite alone is
/// not relied on. Clients with a bearer token are not browsers and are not checked.
async fn api_guard(req: Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    if api
        && !matches!(
            *req.method(),
            axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
        )
        && req.headers().get(header::AUTHORIZATION).is_none()
        && cross_site(req.headers())
    {
        return ApiError::Refused(kaohe_store::Text::pair(
            "拒绝来自其他网站的请求",
            "a request from another site was refused",
        ))
        .into_response();
    }
    let mut res = next.run(req).await;
    if api && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    res
}

/// Serve until the process is stopped.
pub async fn serve<S: Store>(
    state: AppState<S>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    if let Err(e) = ops::refuse_demo_passwords(&state).await {
        tracing::error!(error = %e, "checking the demo accounts failed");
    }
    let job = tokio::spawn(ops::jobs_loop(state.clone()));
    let worker = tokio::spawn(notify::delivery_loop(state.clone()));
    let reminders = tokio::spawn(remind::reminders_loop(
        state.store.clone(),
        state.remind_every,
    ));
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let r = axum::serve(listener, app).await;
    job.abort();
    worker.abort();
    reminders.abort();
    r
}

/// No template of this form id.
fn no_template(form_id: &str) -> kaohe_store::Text {
    kaohe_store::Text::pair(
        format!("模板 `{form_id}` 不存在"),
        format!("no template `{form_id}`"),
    )
}
