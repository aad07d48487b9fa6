use super::*;

#[derive(Serialize)]
pub(super) struct LedgerRow {
    period: String,
    form_id: String,
    cycle: String,
    state: &'static str,
    total: Option<String>,
    grade: Option<String>,
    bonus: Option<String>,
}

pub(super) async fn ledger<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> Response {
    let Some(u) = &ctx.user else {
        return to_login(&ctx);
    };
    let mut chart = None;
    let rows = match u.employee_id {
        None => None,
        Some(e) => match st.store.ledger(e).await {
            Ok(l) => Some({
                // The 12-month trend, as HR sees it on /hr/employees/{emp_no}.
                if !l.is_empty() {
                    chart = Some(super::hr_results::trend_chart(
                        ctx.lang,
                        &super::hr_results::trend_points(&l),
                    ));
                }
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
                    .collect::<Vec<_>>()
            }),
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
        context! { rows => Serde(rows), sheets => Serde(sheets), chart => Serde(chart) },
    )
}

#[derive(Serialize)]
pub(super) struct SheetLink {
    id: i64,
    cycle: String,
    period: String,
    state: &'static str,
}

/// The user's own appraisals, newest first, to open their sheets. Those who see many
/// others' appraisals (HR, reviewers, approvers) get none here yet: the store lists
/// appraisals by visibility, not by appraisee.
pub(super) async fn my_sheets<S: Store>(
    st: &AppState<S>,
    u: &User,
) -> kaohe_store::Result<Vec<SheetLink>> {
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
