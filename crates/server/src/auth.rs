//! Who is asking: a session cookie (browsers) or a bearer token (API clients), and what
//! their roles allow.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kaohe_store::policy::{self, Capability, Scope};
use kaohe_store::{Store, User};

/// The session cookie's name.
pub const COOKIE: &str = "kaohe_session";

/// The signed-in user; rejects with 401 when there is none.
pub struct Auth(pub User);

fn token(parts: &Parts) -> Option<String> {
    if let Some(h) = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = h.strip_prefix("Bearer ")
    {
        return Some(t.trim().to_string());
    }
    let jar = axum_extra::extract::cookie::CookieJar::from_headers(&parts.headers);
    jar.get(COOKIE).map(|c| c.value().to_string())
}

impl<S: Store> FromRequestParts<AppState<S>> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Self::Rejection> {
        let Some(t) = token(parts) else {
            return Err(ApiError::Unauthorized);
        };
        match crate::ops::session_user(state, parts, &t).await? {
            Some(u) => Ok(Auth(u)),
            None => Err(ApiError::Unauthorized),
        }
    }
}

impl Auth {
    /// Ask the access policy ([`kaohe_store::policy`]) whether the user may use `cap`, and
    /// over which departments. Handlers never decide access themselves.
    pub fn may(&self, cap: Capability) -> Result<Scope, ApiError> {
        Ok(policy::require(&self.0, cap)?)
    }
    /// Like [`Auth::may`], for capabilities that are about every department at once (the
    /// payroll, the audit log, managing cycles): a department-scoped grant is refused.
    pub fn may_all(&self, cap: Capability) -> Result<&User, ApiError> {
        match self.may(cap)? {
            Scope::All => Ok(&self.0),
            Scope::Departments(_) => Err(ApiError::Refused(kaohe_store::Text::pair(
                "此功能只对全部门权限开放",
                "this is open only to users whose role covers every department",
            ))),
        }
    }
}
