//! Many appraisals at once from 待办: a reviewer passes review, an approver approves, for
//! the ones they tick — after one confirmation that shows how many and the bonus total.
//!
//! Each appraisal is acted on with the version the person saw on the list, so one whose
//! figures changed since is refused (and named) instead of being passed unseen; the others
//! go through. Every action is the store's own [`Store::act`], audited one by one.

use super::*;
use kaohe_core::workflow::Action;
use rust_decimal::Decimal;

/// The task kinds that can be done in a batch, and the action each takes.
fn action_of(kind: &str) -> Option<Action> {
    match kind {
        "review" => Some(Action::ReviewPass),
        "approve" => Some(Action::Approve),
        _ => None,
    }
}

#[derive(Serialize)]
struct Line {
    id: i64,
    version: i64,
    cycle: String,
    name: String,
    emp_no: String,
    department: String,
    total: Option<String>,
    grade: Option<String>,
    bonus: Option<String>,
    checked: bool,
}

#[derive(Serialize)]
struct Outcome {
    id: i64,
    name: String,
    ok: bool,
    message: Option<String>,
}

/// The appraisals waiting for `me` in tasks of `kind`, with their figures as now stored.
async fn waiting<S: Store>(
    st: &AppState<S>,
    me: &User,
    kind: &str,
) -> Result<Vec<Line>, StoreError> {
    let mut out = Vec::new();
    let mut cycles: BTreeMap<i64, String> = BTreeMap::new();
    for t in st.store.tasks(me).await? {
        let (true, Some(id)) = (t.kind == kind, t.appraisal_id) else {
            continue;
        };
        if let std::collections::btree_map::Entry::Vacant(v) = cycles.entry(t.cycle_id) {
            v.insert(st.store.cycle(t.cycle_id).await?.name);
        }
        let a = st.store.appraisal(me, id).await?;
        out.push(Line {
            id,
            version: a.version,
            cycle: cycles[&t.cycle_id].clone(),
            name: a.name,
            emp_no: a.emp_no,
            department: a.department,
            total: a.total,
            grade: a.grade,
            bonus: a.bonus,
            checked: false,
        });
    }
    Ok(out)
}

fn bonus_sum(lines: &[&Line]) -> String {
    let sum: Decimal = lines
        .iter()
        .filter_map(|l| l.bonus.as_deref()?.parse::<Decimal>().ok())
        .sum();
    format!("{sum:.2}")
}

/// GET `/tasks/batch/{kind}`: the list to tick.
pub(super) async fn batch_page<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(kind): Path<String>,
) -> PageResult {
    let Some(me) = ctx.user.clone() else {
        return Ok(to_login(&ctx));
    };
    if action_of(&kind).is_none() {
        return Ok(not_found(&ctx));
    }
    let lines = waiting(&st, &me, &kind).await.or_page(&ctx)?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        "batch.html",
        context! { kind, step => "pick", lines => Serde(lines) },
    ))
}

/// POST `/tasks/batch/{kind}`: first the confirmation (count and bonus total), then, with
/// `confirm`, the actions.
pub(super) async fn batch_post<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(kind): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    if !form.csrf_ok(&ctx) {
        return Ok(csrf_refused(&ctx));
    }
    let Some(me) = ctx.user.clone() else {
        return Ok(to_login(&ctx));
    };
    let Some(action) = action_of(&kind) else {
        return Ok(not_found(&ctx));
    };
    // id → the version the person saw.
    let picked: BTreeMap<i64, i64> = form
        .all("pick")
        .iter()
        .filter_map(|id| {
            let id: i64 = id.parse().ok()?;
            let v: i64 = form.get(&format!("v.{id}"))?.parse().ok()?;
            Some((id, v))
        })
        .collect();
    let mut lines = waiting(&st, &me, &kind).await.or_page(&ctx)?;
    for l in &mut lines {
        l.checked = picked.contains_key(&l.id);
    }
    if picked.is_empty() {
        let error = text(ctx.lang, "batch-none", &[]);
        return Ok(render(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "batch.html",
            context! { kind, step => "pick", lines => Serde(lines), error },
        ));
    }
    if form.get("confirm").is_none() {
        // The confirmation: what the person is about to pass, as they saw it.
        let chosen: Vec<&Line> = lines.iter().filter(|l| l.checked).collect();
        let changed = chosen
            .iter()
            .filter(|l| picked.get(&l.id) != Some(&l.version))
            .count();
        return Ok(render(
            &ctx,
            StatusCode::OK,
            "batch.html",
            context! {
                kind,
                step => "confirm",
                lines => Serde(&chosen),
                count => chosen.len(),
                bonus_total => bonus_sum(&chosen),
                changed,
            },
        ));
    }
    let mut outcomes = Vec::new();
    for (id, version) in &picked {
        // Named by the employee, never by the sheet's id: one not on the list by whom the
        // person may see, else as a sheet not in their inbox.
        let name = match lines.iter().find(|l| l.id == *id) {
            Some(l) => format!("{} ({})", l.name, l.emp_no),
            None => match st.store.appraisal(&me, *id).await {
                Ok(a) => format!("{} ({})", a.name, a.emp_no),
                Err(_) => text(ctx.lang, "batch-not-listed", &[]),
            },
        };
        match st
            .store
            .act(&me, *id, *version, &Step::Do(action.clone()))
            .await
        {
            Ok(_) => outcomes.push(Outcome {
                id: *id,
                name,
                ok: true,
                message: None,
            }),
            Err(e) if is_internal(&e) => return Ok(server_error(ctx.lang, &e.to_string())),
            Err(e) => {
                let message = match &e {
                    StoreError::Stale { .. } => text(ctx.lang, "batch-stale", &[]),
                    e => store_refusal(ctx.lang, e).1,
                };
                outcomes.push(Outcome {
                    id: *id,
                    name,
                    ok: false,
                    message: Some(message),
                })
            }
        }
    }
    let done = outcomes.iter().filter(|o| o.ok).count();
    let left = waiting(&st, &me, &kind).await.or_page(&ctx)?.len();
    Ok(render(
        &ctx,
        StatusCode::OK,
        "batch.html",
        context! {
            kind,
            step => "done",
            done,
            failed => outcomes.len() - done,
            outcomes => Serde(outcomes),
            left,
        },
    ))
}
