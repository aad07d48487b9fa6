use super::*;

#[derive(Serialize)]
pub(super) struct TaskGroup {
    kind: String,
    tasks: Vec<TaskRow>,
}

#[derive(Serialize)]
pub(super) struct TaskRow {
    cycle: String,
    /// The form by its sheet name, and the period: the cycle's name is HR's own.
    form: String,
    period: String,
    who: String,
    due: Option<String>,
    href: String,
    /// The principal's name when the task is in this 待办 by delegation (代 王五).
    on_behalf_of: Option<String>,
}

/// What waits for HR besides their own tasks: appeals to decide, and each running
/// cycle's overdue tasks.
#[derive(Serialize)]
pub(super) struct HrWork {
    appeals: usize,
    /// More appeals than counted (the count stops at [`HR_COUNT_LIMIT`]).
    appeals_more: bool,
    late: Vec<(i64, String, i64)>,
}

const HR_COUNT_LIMIT: i64 = 100;

async fn hr_work<S: Store>(st: &AppState<S>, u: &User) -> Result<Option<HrWork>, StoreError> {
    if !kaohe_store::policy::require(u, kaohe_store::policy::Capability::ManageCycles)
        .is_ok_and(|s| s.is_all())
    {
        return Ok(None);
    }
    let appeals = st
        .store
        .appeals(kaohe_store::Page {
            offset: 0,
            limit: HR_COUNT_LIMIT + 1,
        })
        .await?;
    let mut late = Vec::new();
    let cycles = st
        .store
        .cycles(
            &kaohe_store::policy::Scope::All,
            kaohe_store::Page {
                offset: 0,
                limit: 200,
            },
        )
        .await?;
    for c in cycles.iter().filter(|c| c.status == "launched") {
        let l = st.store.late_tasks(c.id, &today(), 0).await?;
        if l.total > 0 {
            late.push((c.id, c.name.clone(), l.total));
        }
    }
    Ok(Some(HrWork {
        appeals: appeals.len().min(HR_COUNT_LIMIT as usize),
        appeals_more: appeals.len() as i64 > HR_COUNT_LIMIT,
        late,
    }))
}

pub(super) async fn tasks<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> PageResult {
    let u = ctx.signed_in()?;
    let hr = hr_work(&st, u).await.or_page(&ctx)?;
    let all = st.store.tasks(u).await.or_page(&ctx)?;
    let mut cycles: BTreeMap<i64, Cycle> = BTreeMap::new();
    let mut depts: Option<Vec<kaohe_store::Department>> = None;
    let mut groups: Vec<TaskGroup> = Vec::new();
    for t in all {
        if let std::collections::btree_map::Entry::Vacant(v) = cycles.entry(t.cycle_id) {
            v.insert(st.store.cycle(t.cycle_id).await.or_page(&ctx)?);
        }
        let (who, href) = match (t.appraisal_id, t.department_id) {
            (Some(a), _) => (
                t.appraisee.clone().unwrap_or_default(),
                format!("/appraisals/{a}"),
            ),
            (None, Some(d)) => {
                if depts.is_none() {
                    depts = Some(st.store.departments().await.or_page(&ctx)?);
                }
                let name = depts
                    .iter()
                    .flatten()
                    .find(|x| x.id == d)
                    .map(|x| x.name.clone())
                    .unwrap_or_default();
                (name, format!("/cycles/{}/departments/{d}", t.cycle_id))
            }
            (None, None) => (String::new(), "/tasks".into()),
        };
        let c = &cycles[&t.cycle_id];
        let row = TaskRow {
            cycle: c.name.clone(),
            form: c.form_id.clone(),
            period: c.period.clone(),
            who,
            due: t.due.as_deref().map(short_time),
            href,
            on_behalf_of: t.on_behalf_of.clone(),
        };
        match groups.iter_mut().find(|g| g.kind == t.kind) {
            Some(g) => g.tasks.push(row),
            None => groups.push(TaskGroup {
                kind: t.kind,
                tasks: vec![row],
            }),
        }
    }
    let names = form_names(
        &st,
        ctx.lang,
        cycles.values().map(|c| c.form_id.clone()).collect(),
    )
    .await
    .or_page(&ctx)?;
    for row in groups.iter_mut().flat_map(|g| g.tasks.iter_mut()) {
        if let Some(n) = names.get(&row.form) {
            row.form = n.clone();
        }
    }
    let rank = |k: &str| TASK_KINDS.iter().position(|x| *x == k).unwrap_or(99);
    groups.sort_by_key(|g| rank(&g.kind));
    Ok(render(
        &ctx,
        StatusCode::OK,
        "tasks.html",
        context! { groups => Serde(groups), hr => Serde(hr) },
    ))
}
