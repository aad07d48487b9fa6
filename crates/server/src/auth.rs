//! Who is asking: a session cookie (browsers) or a bearer token (API clients), and what
//! their roles allow.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kaohe_store::{Role, Store, User};

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
        match state.store.session_user(&t).await? {
            Some(u) => Ok(Auth(u)),
            None => Err(ApiError::Unauthorized),
        }
    }
}

impl Auth {
    /// Go on only if the user holds one of `roles` (HR administrators hold every role).
    pub fn require(&self, roles: &[Role]) -> Result<&User, ApiError> {
        if self.0.has(Role::HrAdmin) || roles.iter().any(|r| self.0.has(*r)) {
            Ok(&self.0)
        } else {
            Err(ApiError::Forbidden)
        }
    }
}
