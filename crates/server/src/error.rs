//! One error format for the whole API: a status, a stable code, a message in zh-CN and
//! English, and the fields at fault. A 500 says little to the client and logs the cause.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kaohe_store::{Lang, StoreError, Text};
use serde::Serialize;
use utoipa::ToSchema;

/// A field (or line/column of an uploaded file) at fault.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, e.g. `password`, or the template key at fault.
    pub field: String,
    /// What is wrong (zh-CN).
    pub message: String,
    /// What is wrong (English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_en: Option<String>,
    /// Line in an uploaded file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Column in an uploaded file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable: `unauthorized`, `forbidden`, `not_found`, `conflict`, `invalid`, `bad_request`, `too_many_attempts`, `busy`, `unavailable`, `internal`.
    pub code: &'static str,
    pub message: String,
    pub message_en: String,
    pub fields: Vec<FieldError>,
}

/// An error a handler returns.
#[derive(Debug)]
pub enum ApiError {
    /// Not signed in.
    Unauthorized,
    /// Signed in, but not allowed.
    Forbidden,
    /// Refused, with the reason (e.g. a field the user may not write).
    Refused(Text),
    /// No such thing (or not visible to this user).
    NotFound(Text),
    /// Taken, or changed by someone else.
    Conflict(Text),
    /// Input that cannot be accepted, field by field.
    Invalid(Vec<FieldError>),
    /// A malformed request (not JSON, wrong types).
    BadRequest(String),
    /// Our fault; logged, not shown.
    Internal(String),
    /// Something the server needs is missing (e.g. Chromium for PDFs).
    Unavailable(Text),
    /// Too many wrong passwords for this user name: wait this many minutes.
    TooManyAttempts(u64),
    /// This user already has as much work in flight as they may (e.g. PDFs being printed):
    /// 429, code `busy`, and a Retry-After.
    Busy {
        message: Text,
        retry_after_secs: u64,
    },
    /// The server is too busy right now (e.g. the PDF queue is full), or gave up on slow
    /// work: 503, code `unavailable`, and a Retry-After.
    Overloaded {
        message: Text,
        retry_after_secs: u64,
    },
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ApiError::NotFound(e.text()),
            StoreError::Conflict { .. } => ApiError::Conflict(e.text()),
            StoreError::Invalid { field, message } => {
                ApiError::Invalid(vec![field_error(field, &message, None)])
            }
            StoreError::Rows(rows) => ApiError::Invalid(
                rows.into_iter()
                    .map(|(line, field, message)| field_error(field, &message, Some(line)))
                    .collect(),
            ),
            StoreError::Fields(f) => ApiError::Invalid(
                f.into_iter()
                    .map(|(field, message)| field_error(field, &message, None))
                    .collect(),
            ),
            StoreError::Stale { .. } | StoreError::Workflow(_) => ApiError::Conflict(e.text()),
            StoreError::Busy | StoreError::DatabaseBusy => ApiError::Unavailable(e.text()),
            StoreError::Forbidden(m) => ApiError::Refused(m),
            StoreError::UnsupportedUrl(_)
            | StoreError::Database(_)
            | StoreError::Migrate(_)
            | StoreError::Corrupt { .. } => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<kaohe_store::policy::Denied> for ApiError {
    fn from(d: kaohe_store::policy::Denied) -> Self {
        ApiError::Refused(d.text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            ApiError::TooManyAttempts(minutes) => Some(minutes * 60),
            ApiError::Unavailable(_) => Some(1),
            ApiError::Busy {
                retry_after_secs, ..
            }
            | ApiError::Overloaded {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        let (status, code, message, message_en, fields) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "请先登录".into(),
                "sign in first".into(),
                vec![],
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "无权访问".into(),
                "not allowed".into(),
                vec![],
            ),
            ApiError::Refused(m) => {
                let (zh, en) = both(&m);
                (StatusCode::FORBIDDEN, "forbidden", zh, en, vec![])
            }
            ApiError::NotFound(m) => {
                let (zh, en) = both(&m);
                (StatusCode::NOT_FOUND, "not_found", zh, en, vec![])
            }
            ApiError::Conflict(m) => {
                let (zh, en) = both(&m);
                (StatusCode::CONFLICT, "conflict", zh, en, vec![])
            }
            ApiError::Invalid(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "输入有误，见各字段".into(),
                "invalid input: see the fields".into(),
                f,
            ),
            ApiError::BadRequest(m) => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("请求格式错误: {m}"),
                format!("malformed request: {m}"),
                vec![],
            ),
            ApiError::Unavailable(m) | ApiError::Overloaded { message: m, .. } => {
                let (zh, en) = both(&m);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    zh,
                    en,
                    vec![],
                )
            }
            ApiError::Busy { message, .. } => {
                let (zh, en) = both(&message);
                (StatusCode::TOO_MANY_REQUESTS, "busy", zh, en, vec![])
            }
            ApiError::TooManyAttempts(minutes) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("密码错误次数过多，该账号已暂停登录，请 {minutes} 分钟后再试"),
                format!(
                    "too many wrong passwords: signing in with this name is paused, try again in {minutes} minute{}",
                    if minutes == 1 { "" } else { "s" }
                ),
                vec![],
            ),
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误".into(),
                    "internal server error".into(),
                    vec![],
                )
            }
        };
        let mut res = (
            status,
            axum::Json(ErrorBody {
                error: ErrorDetail {
                    code,
                    message,
                    message_en,
                    fields,
                },
            }),
        )
            .into_response();
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

/// A text in both languages, for `message` and `message_en`.
pub fn both(t: &Text) -> (String, String) {
    (t.render(Lang::Zh), t.render(Lang::En))
}

/// A field error: the message in each language in its field.
pub fn field_error(field: String, message: &Text, line: Option<usize>) -> FieldError {
    let (zh, en) = both(message);
    FieldError {
        field,
        message_en: (zh != en).then_some(en),
        message: zh,
        line,
        column: None,
    }
}

/// Handlers' result.
pub type ApiResult<T> = Result<T, ApiError>;
