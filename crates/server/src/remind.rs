//! Scheduled reminders (issue 17): the job every `kaohe serve` runs
//! ([`reminders_loop`], every [`crate::AppState::remind_every`]) and the API of a cycle's
//! reminder days. What is sent, to whom and when is the store's (`Store::send_reminders`):
//! each reminder is queued once however many servers run the job, so the job simply runs
//! on every server.

use crate::auth::Auth;
use crate::cycles::CycleView;
use crate::error::{ApiResult, ErrorBody};
use crate::{ApiJson, ApiPath as Path, AppState};
use axum::extract::State;
use kaohe_store::policy::Capability;
use kaohe_store::{ReminderRun, Store};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The job: queue the reminders that are due, every `every`, until the server stops.
pub async fn reminders_loop<S: Store>(store: S, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let _ = remind_once(&store).await;
    }
}

/// One run of the job, logged: what was queued, or the failure with its cause.
pub async fn remind_once<S: Store>(store: &S) -> Result<ReminderRun, String> {
    match store.send_reminders(&kaohe_store::now()).await {
        Ok(r) => {
            if r.total() > 0 {
                tracing::info!(
                    due_soon = r.due_soon,
                    overdue = r.overdue,
                    escalated = r.escalated,
                    confirm_due = r.confirm_due,
                    "queued scheduled reminders"
                );
            }
            Ok(r)
        }
        Err(e) => {
            tracing::error!(error = %e, "scheduled reminders failed; will retry");
            Err(e.to_string())
        }
    }
}

/// What one run of the reminder job queued: messages, one per person, cycle and kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemindersRun {
    pub due_soon: usize,
    pub overdue: usize,
    pub escalated: usize,
    pub confirm_due: usize,
}

/// Run the scheduled reminders now (HR; they also run in the background on every server).
/// Reminders already sent today are not sent again.
#[utoipa::path(post, path = "/api/jobs/reminders", responses((status = 200, body = RemindersRun), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn run_now<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
) -> ApiResult<axum::Json<RemindersRun>> {
    auth.may_all(Capability::ManageCycles)?;
    let r = st.store.send_reminders(&kaohe_store::now()).await?;
    Ok(axum::Json(RemindersRun {
        due_soon: r.due_soon,
        overdue: r.overdue,
        escalated: r.escalated,
        confirm_due: r.confirm_due,
    }))
}

/// A cycle's reminders.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RemindersBody {
    /// Days before a task's deadline on which its holder is reminded, each 0 (the day
    /// itself) to 60, at most five: `[3, 1]`. Empty: no reminders before the deadline.
    pub remind_days: Vec<i64>,
    /// Days a task may be overdue before the holder's manager is told (1 to 60).
    pub escalate_days: i64,
}

/// Set a cycle's reminder days and escalation (HR): checked (each error names
/// `remind_days` or `escalate_days`), audited old → new.
#[utoipa::path(put, path = "/api/cycles/{id}/reminders", params(("id" = i64, Path)), request_body = RemindersBody, responses((status = 200, body = CycleView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_reminders<S: Store>(
    State(st): State<AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<RemindersBody>,
) -> ApiResult<axum::Json<CycleView>> {
    let me = auth.may_all(Capability::ManageCycles)?;
    let c = st
        .store
        .set_cycle_reminders(&me.username, id, &r.remind_days, r.escalate_days)
        .await?;
    Ok(axum::Json(c.into()))
}
