//! Cycles, appraisals, tasks, the workflow, ledger and payroll over HTTP. Who may do what
//! is decided by the store (it knows the tasks and reporting lines); the handlers check
//! the coarse role first and shape the answers.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::{ApiJson, ApiPath as Path, ApiQuery, AppState, Paging};
use axum::extract::State;
use axum::http::StatusCode;
use kaohe_core::workflow::{Action, State as WState};
use kaohe_store::policy::{Capability, Scope};
use kaohe_store::{
    Appraisal, Cycle, GridRow, Interview, Members, NewCycle, Notes, Page, Role, Step, Store,
    StoreError, TargetSet, Values,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A cycle to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CycleRequest {
    /// e.g. 「2026年11月 大客户经理考核」.
    pub name: String,
    /// The form (template) id, e.g. `F01`.
    pub form_id: String,
    /// Pin this template version (default: the latest).
    pub template_version: Option<i64>,
    /// `2026-11` (monthly), `2026-Q4` (quarterly) or `2026` (annual).
    pub period: String,
    /// Per-form parameters, id → value.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: Values,
    /// Targets and bonus bases per position or per employee.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub targets: Vec<TargetSet>,
    /// Positions and/or employees appraised (default: the form's positions), and raters
    /// named per appraisee.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub members: Members,
    pub data_due: Option<String>,
    pub rating_due: Option<String>,
    /// Hours to sign or appeal after publication (default 72).
    pub confirm_window_hours: Option<i64>,
}

/// A cycle as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CycleView {
    pub id: i64,
    pub name: String,
    pub form_id: String,
    pub template_version: i64,
    pub period_kind: String,
    pub period: String,
    /// draft, launched, closed, cancelled.
    pub status: String,
    #[schema(value_type = Object)]
    pub params: Values,
    #[schema(value_type = Vec<Object>)]
    pub targets: Vec<TargetSet>,
    #[schema(value_type = Object)]
    pub members: Members,
    pub data_due: Option<String>,
    pub rating_due: Option<String>,
    pub confirm_window_hours: i64,
    pub created_by: String,
    pub created_at: String,
    pub launched_at: Option<String>,
    /// Days before a task's deadline on which its holder is reminded (highest first).
    pub remind_days: Vec<i64>,
    /// Days a task may be overdue before the holder's manager is told.
    pub escalate_days: i64,
}

impl From<Cycle> for CycleView {
    fn from(c: Cycle) -> Self {
        CycleView {
            id: c.id,
            name: c.name,
            form_id: c.form_id,
            template_version: c.template_version,
            period_kind: c.period_kind.as_str().into(),
            period: c.period,
            status: c.status,
            params: c.params,
            targets: c.targets,
            members: c.members,
            data_due: c.data_due,
            rating_due: c.rating_due,
            confirm_window_hours: c.confirm_window_hours,
            created_by: c.created_by,
            created_at: c.created_at,
            launched_at: c.launched_at,
            remind_days: c.reminders.days_before,
            escalate_days: c.reminders.escalate_after,
        }
    }
}

/// What a launch created.
#[derive(Debug, Serialize, ToSchema)]
pub struct LaunchView {
    pub appraisals: usize,
    pub tasks: usize,
    /// Departments named on the form that the organisation lacks (HR enters their data).
    pub unmatched_departments: Vec<String>,
}

/// An appraisal as the API shows it. Scores and bonus are absent for those who may not
/// see them (e.g. the appraisee before publication, a department clerk).
#[derive(Debug, Serialize, ToSchema)]
pub struct AppraisalView {
    pub id: i64,
    pub cycle_id: i64,
    pub emp_no: String,
    pub name: String,
    pub department: String,
    pub group: String,
    /// data_entry, self_assessment, rating, review, approval, published, appealed, confirmed.
    pub state: String,
    /// The state's Chinese name.
    pub state_zh: String,
    /// Send it back with every write (a stale write is refused with 409).
    pub version: i64,
    #[schema(value_type = Object)]
    pub inputs: Values,
    pub open_items: Option<Vec<String>>,
    /// Items, sections, total, grade and pay lines as exact decimal text.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    pub total: Option<String>,
    pub grade: Option<String>,
    pub bonus: Option<String>,
    pub self_summary: Option<String>,
    pub comments: Option<String>,
    pub next_goals: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub interview: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub appeal: Option<serde_json::Value>,
    pub published_at: Option<String>,
    pub confirm_due: Option<String>,
    pub confirmed_at: Option<String>,
    pub confirmed_by: Option<String>,
    pub updated_at: String,
    /// The principal's name when the reader sees and acts on this appraisal only as their
    /// delegate (代理): what they write is recorded as 「李四 代 王五」.
    pub on_behalf_of: Option<String>,
}

impl From<Appraisal> for AppraisalView {
    fn from(a: Appraisal) -> Self {
        AppraisalView {
            id: a.id,
            cycle_id: a.cycle_id,
            emp_no: a.emp_no,
            name: a.name,
            department: a.department,
            group: a.group,
            state: a.state.as_str().into(),
            state_zh: a.state.zh().into(),
            version: a.version,
            inputs: a.inputs,
            open_items: a.open_items,
            result: a.result.and_then(|r| serde_json::to_value(r).ok()),
            total: a.total,
            grade: a.grade,
            bonus: a.bonus,
            self_summary: a.notes.self_summary,
            comments: a.notes.comments,
            next_goals: a.notes.next_goals,
            interview: a.notes.interview.and_then(|i| serde_json::to_value(i).ok()),
            appeal: a.appeal.and_then(|i| serde_json::to_value(i).ok()),
            published_at: a.published_at,
            confirm_due: a.confirm_due,
            confirmed_at: a.confirmed_at,
            confirmed_by: a.confirmed_by,
            updated_at: a.updated_at,
            on_behalf_of: a.on_behalf_of,
        }
    }
}

/// Filters for the appraisal list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppraisalQuery {
    pub cycle_id: Option<i64>,
    /// A state name (e.g. `review`).
    pub state: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// Values to enter into one appraisal.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ValuesRequest {
    /// The version read.
    pub version: i64,
    /// Input id → value as written (`95%`, `１２`, `不适用`; empty clears).
    #[schema(value_type = Object)]
    pub values: Values,
    /// HR's correction: with a reason, HR changes any input in any state (audited with the
    /// reason, scored anew). Required for HR from review on.
    pub reason: Option<String>,
}

/// A department's data grid.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GridRequest {
    pub rows: Vec<GridRowRequest>,
    /// Why, when HR changes data from review on (a correction): for every row that does
    /// not give its own.
    pub reason: Option<String>,
}

/// One row of the grid.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GridRowRequest {
    pub emp_no: String,
    #[schema(value_type = Object)]
    pub values: Values,
    /// The version read (optional; a stale row refuses the save).
    pub version: Option<i64>,
    /// Why HR corrects this row's data from review on.
    pub reason: Option<String>,
}

/// What people write on the sheet; omitted fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NotesRequest {
    pub version: i64,
    pub self_summary: Option<String>,
    pub comments: Option<String>,
    pub next_goals: Option<String>,
    pub interview: Option<InterviewBody>,
}

/// The performance interview (绩效面谈).
#[derive(Debug, Deserialize, ToSchema)]
pub struct InterviewBody {
    /// `2026-12-03`.
    pub date: String,
    pub participants: String,
    pub notes: String,
}

/// A workflow step.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionRequest {
    pub version: i64,
    /// submit, review_pass, review_return, approve, reject, sign, appeal, uphold, reopen, correct.
    pub action: String,
    /// Required for review_return, reject, appeal, uphold, reopen, correct.
    pub reason: Option<String>,
    /// The items disputed (appeal) or reopened (reopen).
    pub items: Option<Vec<String>>,
    /// The signer's name (sign).
    pub name: Option<String>,
}

/// An inbox entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    /// data, self, rate, review, approve, sign.
    pub kind: String,
    pub cycle_id: i64,
    pub appraisal_id: Option<i64>,
    pub appraisee: Option<String>,
    pub rater: Option<String>,
    pub department_id: Option<i64>,
    pub due: Option<String>,
    /// The task's id (0 for review, approval and signing, which follow from the state).
    pub id: i64,
    /// The principal's name when the task is theirs and in this 待办 by delegation (代理).
    pub on_behalf_of: Option<String>,
}

impl From<kaohe_store::Task> for TaskView {
    fn from(t: kaohe_store::Task) -> Self {
        TaskView {
            kind: t.kind,
            cycle_id: t.cycle_id,
            appraisal_id: t.appraisal_id,
            appraisee: t.appraisee,
            rater: t.rater,
            department_id: t.department_id,
            due: t.due,
            id: t.id,
            on_behalf_of: t.on_behalf_of,
        }
    }
}

/// A line of a cycle's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultView {
    pub appraisal_id: i64,
    pub emp_no: String,
    pub name: String,
    pub department: String,
    pub group: String,
    pub state: String,
    pub total: Option<String>,
    pub grade: Option<String>,
    pub bonus: Option<String>,
    pub rank: Option<u32>,
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsPage {
    pub total_rows: usize,
    pub offset: usize,
    pub rows: Vec<ResultView>,
    /// The cursor of the next page (`?after=`), when this page is full.
    pub next_after: Option<i64>,
}

/// A month of the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerView {
    pub period: String,
    pub form_id: String,
    pub cycle: String,
    pub state: String,
    pub total: Option<String>,
    pub grade: Option<String>,
    pub bonus: Option<String>,
}

fn page(offset: Option<i64>, limit: Option<i64>) -> Page {
    Page {
        offset: offset.unwrap_or(0),
        limit: limit.unwrap_or(100),
    }
}

fn field(name: &str, zh: &str, en: &str) -> ApiError {
    ApiError::Invalid(vec![FieldError {
        field: name.into(),
        message: zh.into(),
        message_en: Some(en.into()),
        line: None,
        column: None,
    }])
}

/// Cycles, newest first (HR, reviewers, approvers).
#[utoipa::path(get, path = "/api/cycles", params(Paging), responses((status = 200, body = Vec<CycleView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cycles<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    ApiQuery(p): ApiQuery<Paging>,
) -> ApiResult<axum::Json<Vec<CycleView>>> {
    let scope = auth.may(Capability::ViewCycles)?;
    let c = st.store.cycles(&scope, page(p.offset, p.limit)).await?;
    Ok(axum::Json(c.into_iter().map(CycleView::from).collect()))
}

/// The cycle, if the policy's `scope` reaches it: every cycle for a scope of all
/// departments, else one that appraises someone the user oversees (a 404 otherwise, as for
/// a cycle that does not exist).
pub(crate) async fn cycle_in_scope<S: Store>(
    store: &S,
    who: &kaohe_store::User,
    scope: &Scope,
    id: i64,
) -> Result<Cycle, ApiError> {
    let c = store.cycle(id).await?;
    if scope.is_all() {
        return Ok(c);
    }
    let one = store
        .appraisals(
            who,
            Some(id),
            None,
            Page {
                offset: 0,
                limit: 1,
            },
        )
        .await?;
    if one.is_empty() {
        return Err(StoreError::NotFound {
            what: kaohe_store::Thing::Cycle,
            key: id.to_string(),
        }
        .into());
    }
    Ok(c)
}

/// Create a cycle (HR). It is a draft until launched.
#[utoipa::path(post, path = "/api/cycles", request_body = CycleRequest, responses((status = 201, body = CycleView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_cycle<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    ApiJson(r): ApiJson<CycleRequest>,
) -> ApiResult<(StatusCode, axum::Json<CycleView>)> {
    let u = auth.may_all(Capability::ManageCycles)?;
    let c = st.store.create_cycle(&u.username, &r.into()).await?;
    Ok((StatusCode::CREATED, axum::Json(c.into())))
}

impl From<CycleRequest> for NewCycle {
    fn from(r: CycleRequest) -> Self {
        NewCycle {
            name: r.name,
            form_id: r.form_id,
            template_version: r.template_version,
            period: r.period,
            params: r.params,
            targets: r.targets,
            members: r.members,
            data_due: r.data_due,
            rating_due: r.rating_due,
            confirm_window_hours: r.confirm_window_hours.unwrap_or(72),
        }
    }
}

/// One cycle (HR, reviewers, approvers).
#[utoipa::path(get, path = "/api/cycles/{id}", params(("id" = i64, Path)), responses((status = 200, body = CycleView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cycle<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<CycleView>> {
    let scope = auth.may(Capability::ViewCycles)?;
    Ok(axum::Json(
        cycle_in_scope(&st.store, &auth.0, &scope, id).await?.into(),
    ))
}

/// Launch a cycle (HR): one appraisal per employee, tasks for departments and raters.
#[utoipa::path(post, path = "/api/cycles/{id}/launch", params(("id" = i64, Path)), responses((status = 200, body = LaunchView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn launch<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<LaunchView>> {
    let u = auth.may_all(Capability::ManageCycles)?;
    let s = st.store.launch_cycle(&u.username, id).await?;
    Ok(axum::Json(LaunchView {
        appraisals: s.appraisals,
        tasks: s.tasks,
        unmatched_departments: s.unmatched_departments,
    }))
}

/// Edit a draft cycle (HR): the same fields as creating one; refused once launched.
#[utoipa::path(put, path = "/api/cycles/{id}", params(("id" = i64, Path)), request_body = CycleRequest, responses((status = 200, body = CycleView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_cycle<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CycleRequest>,
) -> ApiResult<axum::Json<CycleView>> {
    let u = auth.may_all(Capability::ManageCycles)?;
    let c = st.store.update_cycle(&u.username, id, &r.into()).await?;
    Ok(axum::Json(c.into()))
}

/// Delete a draft cycle (HR); refused once launched.
#[utoipa::path(delete, path = "/api/cycles/{id}", params(("id" = i64, Path)), responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete_cycle<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let u = auth.may_all(Capability::ManageCycles)?;
    st.store.delete_cycle(&u.username, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who launching a draft would appraise, their bonus bases and the total (HR).
#[utoipa::path(get, path = "/api/cycles/{id}/launch-preview", params(("id" = i64, Path)), responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn launch_preview<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<kaohe_store::LaunchPreview>> {
    auth.may_all(Capability::ManageCycles)?;
    Ok(axum::Json(st.store.launch_preview(id).await?))
}

/// Copy a cycle to the next period as a draft (HR).
#[utoipa::path(post, path = "/api/cycles/{id}/copy", params(("id" = i64, Path)), responses((status = 201, body = CycleView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn copy_cycle<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, axum::Json<CycleView>)> {
    let u = auth.may_all(Capability::ManageCycles)?;
    let c = st.store.copy_cycle(&u.username, id).await?;
    Ok((StatusCode::CREATED, axum::Json(c.into())))
}

/// Why a cycle is cancelled.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelRequest {
    pub reason: String,
}

/// Cancel a launched cycle with a reason (HR): open tasks closed; refused once a result
/// was published or confirmed.
#[utoipa::path(post, path = "/api/cycles/{id}/cancel", params(("id" = i64, Path)), request_body = CancelRequest, responses((status = 200, body = CycleView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_cycle<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CancelRequest>,
) -> ApiResult<axum::Json<CycleView>> {
    let u = auth.may_all(Capability::ManageCycles)?;
    let c = st.store.cancel_cycle(&u.username, id, &r.reason).await?;
    Ok(axum::Json(c.into()))
}

/// Score every appraisal of the cycle not yet published (HR).
#[utoipa::path(post, path = "/api/cycles/{id}/score", params(("id" = i64, Path)), responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn score<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let u = auth.may_all(Capability::ManageCycles)?;
    let n = st.store.score_cycle(&u.username, id).await?;
    Ok(axum::Json(serde_json::json!({ "scored": n })))
}

/// Paging of a cycle's results: by `offset`, or after the cursor `after` (the last
/// `appraisal_id` of the page before, as `next_after` gives it), which stays as fast on the
/// last page as on the first.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsPaging {
    /// Items to skip (default 0; ignored with `after`).
    pub offset: Option<i64>,
    /// Items per page (default 100, at most 1000).
    pub limit: Option<i64>,
    /// Only results after this appraisal id (the previous page's `next_after`).
    pub after: Option<i64>,
}

/// A cycle's results, ranked within groups (HR, reviewers, approvers), in appraisal order,
/// a page at a time.
#[utoipa::path(get, path = "/api/cycles/{id}/results", params(("id" = i64, Path), ResultsPaging), responses((status = 200, body = ResultsPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn results<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiQuery(p): ApiQuery<ResultsPaging>,
) -> ApiResult<axum::Json<ResultsPage>> {
    let scope = auth.may(Capability::ViewResults)?;
    cycle_in_scope(&st.store, &auth.0, &scope, id).await?;
    let offset = p.offset.unwrap_or(0).max(0);
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    let slice = st
        .store
        .results_after(id, &scope, p.after, Page { offset, limit })
        .await?;
    let next_after = (slice.rows.len() as i64 == limit)
        .then(|| slice.rows.last().map(|r| r.appraisal_id))
        .flatten();
    let rows = slice
        .rows
        .into_iter()
        .map(|r| ResultView {
            appraisal_id: r.appraisal_id,
            emp_no: r.emp_no,
            name: r.name,
            department: r.department,
            group: r.group,
            state: r.state.as_str().into(),
            total: r.total,
            grade: r.grade,
            bonus: r.bonus,
            rank: r.rank,
        })
        .collect();
    Ok(axum::Json(ResultsPage {
        total_rows: slice.total_rows.max(0) as usize,
        offset: if p.after.is_some() {
            0
        } else {
            offset as usize
        },
        rows,
        next_after,
    }))
}

/// Enter a department's data for the cycle's appraisees (that department's clerk, or HR):
/// every row is checked; one bad row stores nothing.
#[utoipa::path(put, path = "/api/cycles/{id}/departments/{dept_id}/data", params(("id" = i64, Path), ("dept_id" = i64, Path)), request_body = GridRequest, responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grid<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path((id, dept)): Path<(i64, i64)>,
    ApiJson(g): ApiJson<GridRequest>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    auth.may(Capability::EnterDeptData)?;
    let u = &auth.0;
    let rows: Vec<GridRow> = g
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| GridRow {
            line: i + 1,
            emp_no: r.emp_no,
            values: r.values.into_iter().collect(),
            version: r.version,
            reason: r.reason.or_else(|| g.reason.clone()),
        })
        .collect();
    let n = st.store.enter_grid(u, id, Some(dept), &rows).await?;
    Ok(axum::Json(serde_json::json!({ "updated": n })))
}

/// A department hands in its data for the cycle; when the last one has, appraisals move on.
#[utoipa::path(post, path = "/api/cycles/{id}/departments/{dept_id}/complete", params(("id" = i64, Path), ("dept_id" = i64, Path)), responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path((id, dept)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    auth.may(Capability::EnterDeptData)?;
    let u = &auth.0;
    let n = st.store.complete_data(u, id, dept).await?;
    Ok(axum::Json(serde_json::json!({ "advanced": n })))
}

/// The appraisals the signed-in user may see.
#[utoipa::path(get, path = "/api/appraisals", params(AppraisalQuery), responses((status = 200, body = Vec<AppraisalView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn appraisals<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AppraisalQuery>,
) -> ApiResult<axum::Json<Vec<AppraisalView>>> {
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(WState::parse(s).ok_or_else(|| {
            field(
                "state",
                &format!("没有状态 `{s}`"),
                &format!("no state `{s}`"),
            )
        })?),
    };
    let list = st
        .store
        .appraisals(&auth.0, q.cycle_id, state, page(q.offset, q.limit))
        .await?;
    Ok(axum::Json(
        list.into_iter().map(AppraisalView::from).collect(),
    ))
}

/// One appraisal (404 for those who may not see it).
#[utoipa::path(get, path = "/api/appraisals/{id}", params(("id" = i64, Path)), responses((status = 200, body = AppraisalView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn appraisal<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<AppraisalView>> {
    Ok(axum::Json(st.store.appraisal(&auth.0, id).await?.into()))
}

/// A peer rater of an appraisal (同事评分): who, and whether they answered — never what.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeerView {
    pub task_id: i64,
    /// The peer group's rater id.
    pub rater: String,
    pub emp_no: String,
    pub name: String,
    pub answered: bool,
    pub answered_at: Option<String>,
    /// The reader's own peer task.
    pub yours: bool,
}

/// The peer raters of an appraisal and whether each answered (HR, to chase them; a peer sees
/// their own line). The answers themselves are never given; everyone else is refused.
#[utoipa::path(get, path = "/api/appraisals/{id}/peers", params(("id" = i64, Path)), responses((status = 200, body = [PeerView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn peers<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<PeerView>>> {
    Ok(axum::Json(
        st.store
            .peer_status(&auth.0, id)
            .await?
            .into_iter()
            .map(|p| PeerView {
                task_id: p.task_id,
                rater: p.rater,
                emp_no: p.emp_no,
                name: p.name,
                answered: p.answered,
                answered_at: p.answered_at,
                yours: p.yours,
            })
            .collect(),
    ))
}

/// How every number of an appraisal was computed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplainView {
    /// `item:<id>`, `section:<id>`, `total`, `grade`, `pay:<id>`, `metric:<id>` → text, in zh-CN.
    #[schema(value_type = Object)]
    pub zh: serde_json::Map<String, serde_json::Value>,
    /// The same in English.
    #[schema(value_type = Object)]
    pub en: serde_json::Map<String, serde_json::Value>,
    /// The whole explanation as text, zh-CN.
    pub text_zh: String,
    /// The whole explanation as text, English.
    pub text_en: String,
}

/// Explain every number: which rule, which inputs, what arithmetic (for those who may see
/// the scores: the appraisee once published, raters, reviewers, approvers, HR).
#[utoipa::path(get, path = "/api/appraisals/{id}/explain", params(("id" = i64, Path)), responses((status = 200, body = ExplainView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn explain<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ExplainView>> {
    Ok(axum::Json(explain_view(
        st.store.explain(&auth.0, id).await?,
    )))
}

fn explain_view(e: kaohe_store::Explained) -> ExplainView {
    let map = |v: Vec<(String, String)>| {
        v.into_iter()
            .map(|(k, t)| (k, serde_json::Value::String(t)))
            .collect()
    };
    ExplainView {
        zh: map(e.lines_zh),
        en: map(e.lines_en),
        text_zh: e.text_zh,
        text_en: e.text_en,
    }
}

/// Values to try out on an appraisal (nothing is stored).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PreviewValuesRequest {
    /// Input id → value as it would be typed (`95%`, `１２`, `不适用`; empty clears).
    #[schema(value_type = Object)]
    pub values: Values,
}

/// What an appraisal would show with values not yet stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewView {
    /// The appraisal with the values laid over its inputs, scored (total, grade, bonus).
    pub appraisal: AppraisalView,
    /// Every number explained, as `/explain` gives it; absent while the values cannot be
    /// scored yet (`appraisal.result.error` says why).
    pub explanation: Option<ExplainView>,
}

/// Try values out (live scores while rating): the appraisal scored and explained as if the
/// values were stored, by the same engine and context as stored results; nothing is
/// written. For whoever sees the scores at this state (raters, reviewers, approvers, HR).
#[utoipa::path(post, path = "/api/appraisals/{id}/preview", params(("id" = i64, Path)), request_body = PreviewValuesRequest, responses((status = 200, body = PreviewView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn preview<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<PreviewValuesRequest>,
) -> ApiResult<axum::Json<PreviewView>> {
    let p = st.store.preview(&auth.0, id, &r.values).await?;
    Ok(axum::Json(PreviewView {
        appraisal: p.appraisal.into(),
        explanation: p.explained.map(explain_view),
    }))
}

/// Enter values (only those the user supplies at this stage; 409 if the version is stale).
#[utoipa::path(put, path = "/api/appraisals/{id}/values", params(("id" = i64, Path)), request_body = ValuesRequest, responses((status = 200, body = AppraisalView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn values<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ValuesRequest>,
) -> ApiResult<axum::Json<AppraisalView>> {
    let a = match r.reason.as_deref() {
        Some(reason) => {
            st.store
                .correct(&auth.0, id, r.version, &r.values, reason)
                .await?
        }
        None => st.store.enter(&auth.0, id, r.version, &r.values).await?,
    };
    Ok(axum::Json(a.into()))
}

/// Write the self-summary, comments, next-period goals or the interview record.
#[utoipa::path(put, path = "/api/appraisals/{id}/notes", params(("id" = i64, Path)), request_body = NotesRequest, responses((status = 200, body = AppraisalView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn notes<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<NotesRequest>,
) -> ApiResult<axum::Json<AppraisalView>> {
    let n = Notes {
        self_summary: r.self_summary,
        comments: r.comments,
        next_goals: r.next_goals,
        interview: r.interview.map(|i| Interview {
            date: i.date,
            participants: i.participants,
            notes: i.notes,
        }),
    };
    Ok(axum::Json(
        st.store
            .write_notes(&auth.0, id, r.version, &n)
            .await?
            .into(),
    ))
}

/// Take a workflow step: submit (self-assessment or my rating), review_pass, review_return,
/// approve, reject, sign, appeal, uphold, reopen, correct.
#[utoipa::path(post, path = "/api/appraisals/{id}/actions", params(("id" = i64, Path)), request_body = ActionRequest, responses((status = 200, body = AppraisalView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ActionRequest>,
) -> ApiResult<axum::Json<AppraisalView>> {
    let reason = r.reason.clone().unwrap_or_default();
    let items = r.items.clone().unwrap_or_default();
    let step = match r.action.as_str() {
        "submit" => Step::Submit,
        "review_pass" => Step::Do(Action::ReviewPass),
        "review_return" => Step::Do(Action::ReviewReturn { reason }),
        "approve" => Step::Do(Action::Approve),
        "reject" => Step::Do(Action::Reject { reason }),
        "sign" => Step::Do(Action::Sign {
            name: r.name.clone().unwrap_or_default(),
        }),
        "appeal" => Step::Do(Action::Appeal { reason, items }),
        "uphold" => Step::Do(Action::Uphold { reason }),
        "reopen" => Step::Do(Action::Reopen { reason, items }),
        "correct" => Step::Do(Action::Correct { reason }),
        other => {
            return Err(field(
                "action",
                &format!("没有操作 `{other}`"),
                &format!(
                    "no action `{other}`: use submit, review_pass, review_return, approve, reject, sign, appeal, uphold, reopen or correct"
                ),
            ));
        }
    };
    Ok(axum::Json(
        st.store.act(&auth.0, id, r.version, &step).await?.into(),
    ))
}

/// My inbox (待办): data to enter, appraisals to rate, review, approve, my result to sign.
#[utoipa::path(get, path = "/api/tasks", responses((status = 200, body = Vec<TaskView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tasks<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<TaskView>>> {
    let t = st.store.tasks(&auth.0).await?;
    Ok(axum::Json(t.into_iter().map(TaskView::from).collect()))
}

/// An employee's last 12 published periods: score and bonus (the employee or HR).
#[utoipa::path(get, path = "/api/employees/{emp_no}/ledger", params(("emp_no" = String, Path)), responses((status = 200, body = Vec<LedgerView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ledger<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(emp_no): Path<String>,
) -> ApiResult<axum::Json<Vec<LedgerView>>> {
    let e = st.store.employee(&emp_no).await?;
    let Some(e) = e.filter(|e| auth.0.has(Role::HrAdmin) || auth.0.employee_id == Some(e.id))
    else {
        return Err(ApiError::NotFound(kaohe_store::Text::pair(
            format!("员工 `{emp_no}` 不存在"),
            format!("no employee `{emp_no}`"),
        )));
    };
    let l = st.store.ledger(e.id).await?;
    Ok(axum::Json(
        l.into_iter()
            .map(|l| LedgerView {
                period: l.period,
                form_id: l.form_id,
                cycle: l.cycle,
                state: l.state.as_str().into(),
                total: l.total,
                grade: l.grade,
                bonus: l.bonus,
            })
            .collect(),
    ))
}

/// Run the auto-confirmation now (HR; it also runs in the background every minute).
#[utoipa::path(post, path = "/api/jobs/auto-confirm", responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn auto_confirm<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
) -> ApiResult<axum::Json<serde_json::Value>> {
    auth.may_all(Capability::ManageCycles)?;
    let ids = st.store.auto_confirm(&kaohe_store::now()).await?;
    Ok(axum::Json(serde_json::json!({ "confirmed": ids })))
}

/// The background job: confirm appraisals whose window has passed (视为默认). The
/// deadline is stored, so a restarted server confirms what fell due while it was down.
pub async fn auto_confirm_loop<S: Store>(store: S, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let _ = auto_confirm_once(&store).await;
    }
}

/// One run of the auto-confirmation job, logged: how many were confirmed, or the failure
/// with its cause (returned too).
pub async fn auto_confirm_once<S: Store>(store: &S) -> Result<usize, String> {
    match store.auto_confirm(&kaohe_store::now()).await {
        Ok(ids) => {
            if !ids.is_empty() {
                tracing::info!(count = ids.len(), "auto-confirmed appraisals (视为默认)");
            }
            Ok(ids.len())
        }
        Err(e) => {
            tracing::error!(error = %e, "auto-confirmation failed; will retry");
            Err(e.to_string())
        }
    }
}

/// A forced-distribution quota: the share of graded appraisals a grade may take.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QuotaBody {
    pub grade: String,
    /// At most this percentage (e.g. `"20"`).
    pub max_pct: Option<String>,
    /// At least this percentage (e.g. `"5"`).
    pub min_pct: Option<String>,
}

/// A cycle's quotas, to replace them all.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QuotasRequest {
    pub quotas: Vec<QuotaBody>,
}

/// One grade checked against its quota.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaCheckView {
    pub grade: String,
    pub count: i64,
    /// Percentage of the graded appraisals, one decimal.
    pub share: String,
    pub max_pct: Option<String>,
    pub min_pct: Option<String>,
    /// Above the maximum.
    pub over: bool,
    /// Below the minimum.
    pub under: bool,
}

/// A cycle's quotas and the grade distribution checked against them.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotasView {
    pub quotas: Vec<QuotaBody>,
    /// Over the whole cycle.
    pub check: Vec<QuotaCheckView>,
    /// Within each peer group (or department, when the cycle has no groups), where there
    /// is more than one.
    pub groups: Vec<GroupQuotaView>,
}

async fn quotas_view<S: Store>(store: &S, id: i64) -> ApiResult<QuotasView> {
    let (_, t) = store.cycle_form(id).await?;
    let grades: Vec<String> = t.grades.iter().map(|g| g.name.clone()).collect();
    let quotas = store.grade_quotas(id).await?;
    let counts = store.cycle_progress(id).await?.grades;
    let view = |checks: Vec<kaohe_store::QuotaCheck>| -> Vec<QuotaCheckView> {
        checks
            .into_iter()
            .map(|k| QuotaCheckView {
                grade: k.grade,
                count: k.count,
                share: k.share,
                max_pct: k.max_pct,
                min_pct: k.min_pct,
                over: k.over,
                under: k.under,
            })
            .collect()
    };
    let check = view(kaohe_store::check_quotas(&grades, &counts, &quotas));
    let groups = if quotas.is_empty() {
        Vec::new()
    } else {
        let rows = store.results(id).await?;
        kaohe_store::check_quotas_by_group(&grades, &rows, &quotas)
            .into_iter()
            .map(|(group, checks)| GroupQuotaView {
                group,
                check: view(checks),
            })
            .collect()
    };
    Ok(QuotasView {
        quotas: quotas
            .into_iter()
            .map(|q| QuotaBody {
                grade: q.grade,
                max_pct: q.max_pct,
                min_pct: q.min_pct,
            })
            .collect(),
        check,
        groups,
    })
}

/// The quotas checked within one group (or department).
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupQuotaView {
    pub group: String,
    pub check: Vec<QuotaCheckView>,
}

/// Grade bands for a cycle whose form has none.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GradesRequest {
    /// Highest first: `{"name": "A", "min": "90"}`, …, the last `{"name": "D", "min": null}`;
    /// or `text` as HR types it.
    #[serde(default)]
    pub grades: Vec<GradeBandBody>,
    /// `A ≥ 90`, `B ≥ 80`, `C ≥ 60`, `D`: one a line (instead of `grades`).
    pub text: Option<String>,
}

/// One grade band.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct GradeBandBody {
    pub name: String,
    /// The lowest total of the band (a decimal as text); none for the last band.
    pub min: Option<String>,
}

/// Give a cycle grade bands because its form has none (HR): checked (highest first, names
/// unique, the last open below so every total has a grade), audited, the cycle scored again.
#[utoipa::path(put, path = "/api/cycles/{id}/grades", params(("id" = i64, Path)), request_body = GradesRequest, responses((status = 200, body = [GradeBandBody]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_grades<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<GradesRequest>,
) -> ApiResult<axum::Json<Vec<GradeBandBody>>> {
    let u = auth.may_all(Capability::ManageCycles)?;
    let bands = match &r.text {
        Some(t) => kaohe_store::parse_grade_bands(t)
            .map_err(|m| StoreError::Fields(vec![("text".into(), m)]))?,
        None => r
            .grades
            .into_iter()
            .map(|b| kaohe_store::GradeBand {
                name: b.name,
                min: b.min,
            })
            .collect(),
    };
    let c = st.store.set_cycle_grades(&u.username, id, &bands).await?;
    Ok(axum::Json(
        c.grades
            .into_iter()
            .map(|b| GradeBandBody {
                name: b.name,
                min: b.min,
            })
            .collect(),
    ))
}

/// A cycle's forced-distribution quotas per grade, and its grades checked against them (HR,
/// reviewers, approvers).
#[utoipa::path(get, path = "/api/cycles/{id}/quotas", params(("id" = i64, Path)), responses((status = 200, body = QuotasView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn quotas<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<QuotasView>> {
    auth.may_all(Capability::ViewResults)?;
    Ok(axum::Json(quotas_view(&st.store, id).await?))
}

/// Replace a cycle's quotas (HR): percentages from 0 to 100, at least ≤ at most; a grade
/// with neither is dropped. Audited.
#[utoipa::path(put, path = "/api/cycles/{id}/quotas", params(("id" = i64, Path)), request_body = QuotasRequest, responses((status = 200, body = QuotasView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_quotas<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<QuotasRequest>,
) -> ApiResult<axum::Json<QuotasView>> {
    let u = auth.may_all(Capability::ManageCycles)?;
    let q: Vec<kaohe_store::GradeQuota> = r
        .quotas
        .into_iter()
        .map(|q| kaohe_store::GradeQuota {
            grade: q.grade,
            max_pct: q.max_pct,
            min_pct: q.min_pct,
        })
        .collect();
    st.store.set_grade_quotas(&u.username, id, &q).await?;
    Ok(axum::Json(quotas_view(&st.store, id).await?))
}
