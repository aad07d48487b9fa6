//! 我的代理: hand one's work to a colleague for some days, see who works for whom, revoke;
//! HR sees every delegation and may set one up for anyone. And HR's reassignment of a stuck
//! rating task from the cycle's page. The store's policy decides; these pages only ask.

use super::*;
use kaohe_store::{NewDelegation, policy};

#[derive(Serialize)]
struct DelegationRow {
    id: i64,
    principal: String,
    delegate: String,
    from: String,
    to: String,
    reason: String,
    status: &'static str,
    /// The reader may revoke it (its principal or HR, while not revoked nor ended).
    revocable: bool,
    /// The reader is its principal / its delegate.
    mine: bool,
    for_me: bool,
}

/// `/delegations`: mine as principal and as delegate (HR: everyone's), and the form.
pub(super) async fn delegations_page<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
) -> PageResult {
    let u = ctx.signed_in()?;
    let today = kaohe_store::today();
    let hr = policy::sees_all_delegations(u);
    let rows: Vec<DelegationRow> = st
        .store
        .delegations(u)
        .await
        .or_page(&ctx)?
        .into_iter()
        .map(|d| {
            let status = d.status(&today);
            let mine = d.principal == u.username;
            DelegationRow {
                id: d.id,
                principal: format!("{}（{}）", d.principal_name, d.principal),
                delegate: format!("{}（{}）", d.delegate_name, d.delegate),
                from: d.from,
                to: d.to,
                reason: d.reason,
                status,
                revocable: (mine || hr) && matches!(status, "active" | "upcoming"),
                for_me: d.delegate == u.username,
                mine,
            }
        })
        .collect();
    Ok(render(
        &ctx,
        StatusCode::OK,
        "delegations.html",
        context! { rows => Serde(rows), hr => hr, today => today },
    ))
}

/// Create a delegation from the form (the principal field is HR's only).
pub(super) async fn delegation_create<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let u = ctx.signed_in()?;
    let field = |k: &str| form.get(k).unwrap_or("").trim().to_string();
    let principal = match field("principal") {
        p if p.is_empty() => u.username.clone(),
        p => p,
    };
    let n = NewDelegation {
        principal,
        delegate: field("delegate"),
        from: field("from"),
        to: field("to"),
        reason: field("reason"),
    };
    st.store.create_delegation(u, &n).await.or_page(&ctx)?;
    Ok(see_other("/delegations"))
}

/// Revoke a delegation (its principal or HR).
pub(super) async fn delegation_revoke<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let u = ctx.signed_in()?;
    let id = path_id(&ctx, &id)?;
    st.store.revoke_delegation(u, id).await.or_page(&ctx)?;
    Ok(see_other("/delegations"))
}

/// HR hands a stuck rating task to another employee (from the cycle's late list).
pub(super) async fn task_reassign<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let u = ctx.signed_in()?;
    let id = path_id(&ctx, &id)?;
    let t = st
        .store
        .reassign_task(
            u,
            id,
            form.get("emp_no").unwrap_or(""),
            form.get("reason").unwrap_or(""),
        )
        .await
        .or_page(&ctx)?;
    // Back where HR was: the cycle's 考核关系 or its late list.
    Ok(see_other(&if form.get("back") == Some("relations") {
        format!("/hr/cycles/{}/relations", t.cycle_id)
    } else {
        format!("/hr/cycles/{}#late", t.cycle_id)
    }))
}
