//! Results for the people who oversee part of the organisation: a reviewer or approver
//! whose grant is a department or a subtree (a 支行 head, 分行人力) sees the cycles that
//! appraise someone there and, of each, only those appraisees — sorted, filtered and paged
//! by the database as on HR's page — and downloads the results workbook of the same rows.
//! HR, who sees everything, is sent to HR's results page.

use super::hr_results::{RESULTS_PAGE, ResultsQuery, results_table};
use super::*;
use kaohe_store::policy::{self, Capability, Scope};

/// The reader's scope for results, or the page that refuses them.
fn results_scope(ctx: &Ctx) -> Result<(&User, Scope), PageError> {
    let u = ctx.signed_in()?;
    match policy::require(u, Capability::ViewResults) {
        Ok(scope) => Ok((u, scope)),
        Err(_) => Err(PageError(Box::new(error_page(
            ctx,
            StatusCode::FORBIDDEN,
            "error-403-title",
            "results-403",
        )))),
    }
}

/// `/results`: the cycles whose results the reader may see.
pub(super) async fn results_home<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> PageResult {
    let (u, scope) = results_scope(&ctx)?;
    if u.has(Role::HrAdmin) {
        return Ok(see_other("/hr/cycles"));
    }
    let cycles = st
        .store
        .cycles(
            &scope,
            kaohe_store::Page {
                offset: 0,
                limit: 200,
            },
        )
        .await
        .or_page(&ctx)?;
    let names = form_names(
        &st,
        ctx.lang,
        cycles.iter().map(|c| c.form_id.clone()).collect(),
    )
    .await
    .or_page(&ctx)?;
    let cycles: Vec<Value> = cycles
        .into_iter()
        .map(|c| {
            context! {
                id => c.id,
                name => c.name,
                period => c.period,
                form => names.get(&c.form_id).cloned().unwrap_or_else(|| c.form_id.clone()),
                status => c.status,
            }
        })
        .collect();
    Ok(render(
        &ctx,
        StatusCode::OK,
        "results_home.html",
        context! { cycles },
    ))
}

/// `/results/{id}`: a cycle's results of the reader's departments.
pub(super) async fn results_scoped<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ResultsQuery>,
) -> PageResult {
    let (u, scope) = results_scope(&ctx)?;
    let id = path_id(&ctx, &id)?;
    if u.has(Role::HrAdmin) {
        return Ok(see_other(&format!("/hr/cycles/{id}/results")));
    }
    // None: a reviewer or approver of every department.
    let mine = match scope {
        Scope::All => None,
        Scope::Departments(d) => Some(d),
    };
    let mine_has = |d: i64| mine.as_ref().is_none_or(|m| m.contains(&d));
    let c = st.store.cycle(id).await.or_page(&ctx)?;
    let sort = q
        .sort
        .as_deref()
        .and_then(kaohe_store::ResultSort::parse)
        .unwrap_or_default();
    let desc = q.dir.as_deref() == Some("desc");
    // A department outside the reader's is not a filter they may use: it shows nothing.
    let dept = q
        .dept
        .as_deref()
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| mine_has(*d));
    let page_no = q.page.unwrap_or(1).max(1);
    let rq = kaohe_store::ResultQuery {
        department_id: dept,
        within: mine.clone(),
        sort,
        desc,
        page: kaohe_store::Page {
            offset: (page_no - 1) * RESULTS_PAGE,
            limit: RESULTS_PAGE,
        },
    };
    let slice = st.store.results_page(id, &rq).await.or_page(&ctx)?;
    if slice.total_rows == 0 && dept.is_none() {
        // Nobody of the reader's departments is in it: as for a cycle that does not exist.
        return Err(page_not_found(&ctx));
    }
    let departments = st.store.departments().await.or_page(&ctx)?;
    let depts: Vec<Value> = departments
        .iter()
        .filter(|d| mine_has(d.id))
        .map(|d| context! { id => d.id, name => d.name.clone(), selected => Some(d.id) == dept })
        .collect();
    let (headers, rows) = results_table(slice.rows, sort, desc, dept, false);
    let pages = (slice.total_rows + RESULTS_PAGE - 1) / RESULTS_PAGE;
    let dept_q = dept.map(|d| format!("&dept={d}")).unwrap_or_default();
    let keep = format!(
        "sort={}&dir={}{dept_q}",
        sort.as_str(),
        if desc { "desc" } else { "asc" }
    );
    let form = form_names(&st, ctx.lang, vec![c.form_id.clone()])
        .await
        .or_page(&ctx)?
        .remove(&c.form_id)
        .unwrap_or_default();
    Ok(render(
        &ctx,
        StatusCode::OK,
        "results.html",
        context! {
            c => context! { id => c.id, name => c.name, period => c.period, form_id => c.form_id, form },
            headers => Serde(headers),
            rows => Serde(rows),
            total_rows => slice.total_rows,
            page => page_no,
            pages => pages.max(1),
            prev => (page_no > 1).then(|| format!("?{keep}&page={}", page_no - 1)),
            next => (page_no < pages).then(|| format!("?{keep}&page={}", page_no + 1)),
            sort => sort.as_str(),
            dir => if desc { "desc" } else { "asc" },
            depts,
            // The tops of the reader's subtrees (none: every department).
            scope_names => mine.as_ref().map(|_| departments
                .iter()
                .filter(|d| mine_has(d.id) && d.parent_id.is_none_or(|p| !mine_has(p)))
                .map(|d| d.name.clone())
                .collect::<Vec<_>>()
                .join("、")),
        },
    ))
}
