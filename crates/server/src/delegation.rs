//! Delegation (代理) and HR's reassignment of a stuck task over HTTP. Who may do what is the
//! store's policy ([`kaohe_store::policy::may_delegate`], HR for a reassignment); the
//! handlers shape the answers.

use crate::auth::Auth;
use crate::error::{ApiResult, ErrorBody};
use crate::{ApiJson, ApiPath as Path, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use kaohe_store::{Delegation, NewDelegation, Store};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A delegation to create: the principal hands their rating, review and approval work to the
/// delegate for the days `from` … `to` (inclusive, `2026-12-06`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DelegationRequest {
    /// Whose work (username); default: the caller. Only HR may name someone else.
    pub principal: Option<String>,
    /// Who does it (username).
    pub delegate: String,
    pub from: String,
    pub to: String,
    pub reason: Option<String>,
}

/// A delegation, with both people's names and its status today.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationView {
    pub id: i64,
    pub principal: String,
    pub principal_name: String,
    pub delegate: String,
    pub delegate_name: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    /// `active`, `upcoming`, `ended` or `revoked`.
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
}

impl From<Delegation> for DelegationView {
    fn from(d: Delegation) -> Self {
        DelegationView {
            status: d.status(&kaohe_store::today()).into(),
            id: d.id,
            principal: d.principal,
            principal_name: d.principal_name,
            delegate: d.delegate,
            delegate_name: d.delegate_name,
            from: d.from,
            to: d.to,
            reason: d.reason,
            created_by: d.created_by,
            created_at: d.created_at,
            revoked_at: d.revoked_at,
            revoked_by: d.revoked_by,
        }
    }
}

/// The caller's delegations, as principal and as delegate, newest first (HR: everyone's).
#[utoipa::path(get, path = "/api/delegations", responses((status = 200, body = Vec<DelegationView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delegations<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<DelegationView>>> {
    let list = st.store.delegations(&auth.0).await?;
    Ok(axum::Json(list.into_iter().map(Into::into).collect()))
}

/// Hand one's work to a colleague for some days (HR: anyone's). 422 names the field at fault.
#[utoipa::path(post, path = "/api/delegations", request_body = DelegationRequest, responses((status = 201, body = DelegationView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    ApiJson(r): ApiJson<DelegationRequest>,
) -> ApiResult<(StatusCode, axum::Json<DelegationView>)> {
    let n = NewDelegation {
        principal: r
            .principal
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| auth.0.username.clone()),
        delegate: r.delegate,
        from: r.from,
        to: r.to,
        reason: r.reason.unwrap_or_default(),
    };
    let d = st.store.create_delegation(&auth.0, &n).await?;
    Ok((StatusCode::CREATED, axum::Json(d.into())))
}

/// End a delegation now (its principal or HR).
#[utoipa::path(post, path = "/api/delegations/{id}/revoke", params(("id" = i64, Path)), responses((status = 200, body = DelegationView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<DelegationView>> {
    Ok(axum::Json(
        st.store.revoke_delegation(&auth.0, id).await?.into(),
    ))
}

/// Who a stuck task goes to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReassignRequest {
    /// The new assignee's employee number (工号).
    pub emp_no: String,
    pub reason: Option<String>,
}

/// HR hands an open rating task to another employee (audited old → new).
#[utoipa::path(post, path = "/api/tasks/{id}/reassign", params(("id" = i64, Path)), request_body = ReassignRequest, responses((status = 200, body = crate::cycles::TaskView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reassign<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReassignRequest>,
) -> ApiResult<axum::Json<crate::cycles::TaskView>> {
    let t = st
        .store
        .reassign_task(&auth.0, id, &r.emp_no, r.reason.as_deref().unwrap_or(""))
        .await?;
    Ok(axum::Json(t.into()))
}
