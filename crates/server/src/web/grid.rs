use super::*;

/// Rows of the data grid per page (the store checks each appraisal's visibility).
pub(super) const GRID_PAGE: i64 = 200;

#[derive(serde::Deserialize)]
pub(super) struct GridQuery {
    offset: Option<i64>,
}

#[derive(Serialize)]
pub(super) struct GridColumn {
    id: String,
    name: String,
    unit: Option<String>,
    min: Option<String>,
    max: Option<String>,
    step: &'static str,
}

#[derive(Serialize)]
pub(super) struct GridRowView {
    emp_no: String,
    name: String,
    version: i64,
    editable: bool,
    cells: Vec<GridCell>,
}

#[derive(Serialize)]
pub(super) struct GridCell {
    value: String,
    error: Option<String>,
}

/// What was typed into the grid, and the store's complaints per (emp_no, input).
#[derive(Default)]
pub(super) struct GridTyped {
    values: BTreeMap<(String, String), String>,
    errors: BTreeMap<(String, String), String>,
    row_errors: Vec<String>,
}

pub(super) async fn grid<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path((id, dept)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<GridQuery>,
) -> PageResult {
    let Some(me) = ctx.user.clone() else {
        return Ok(to_login(&ctx));
    };
    let (id, dept) = (path_id(&ctx, &id)?, path_id(&ctx, &dept)?);
    let offset = q.offset.unwrap_or(0).max(0);
    grid_page(&st, &ctx, &me, id, dept, offset, None, GridTyped::default()).await
}

/// May `u` enter department `dept`'s data (its clerk, or HR)?
pub(super) fn clerk_of(u: &User, dept: i64) -> bool {
    kaohe_store::policy::may_enter_department(u, Some(dept)).is_ok()
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn grid_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    me: &User,
    id: i64,
    dept: i64,
    offset: i64,
    error: Option<(StatusCode, String)>,
    typed: GridTyped,
) -> PageResult {
    if !clerk_of(me, dept) {
        return Ok(not_found(ctx));
    }
    let c = match st.store.cycle(id).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => return Ok(not_found(ctx)),
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    };
    let depts = st.store.departments().await.or_page(ctx)?;
    let Some(d) = depts.iter().find(|d| d.id == dept) else {
        return Ok(not_found(ctx));
    };
    let tv = match st
        .store
        .template(&c.form_id, Some(c.template_version))
        .await
    {
        Ok(Some(tv)) => tv,
        Ok(None) => return Ok(server_error(ctx.lang, "a cycle's template version is gone")),
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    };
    let Ok(t) = kaohe_core::compile_str(&tv.source) else {
        return Ok(server_error(
            ctx.lang,
            "a stored template no longer compiles",
        ));
    };
    let (owners, _) = kaohe_store::input_owners(&t, &depts);
    let fmt = kaohe_core::num::fmt;
    let cols: Vec<(&kaohe_core::model::Input, GridColumn)> = t
        .inputs
        .iter()
        .zip(&owners)
        .filter(|(_, o)| **o == kaohe_store::Owner::Dept(dept))
        .map(|(inp, _)| {
            use kaohe_core::model::InputKind;
            let count = matches!(inp.kind, InputKind::Count);
            (
                inp,
                GridColumn {
                    id: inp.id.clone(),
                    name: pick(ctx.lang, &inp.name, inp.name_en.as_deref()).to_string(),
                    unit: inp.unit.clone(),
                    min: inp.min.map(fmt).or_else(|| count.then(|| "0".into())),
                    max: inp.max.map(fmt),
                    step: if count { "1" } else { "any" },
                },
            )
        })
        .collect();
    let page = kaohe_store::Page {
        offset,
        limit: GRID_PAGE,
    };
    let list = st
        .store
        .appraisals(me, Some(id), None, page)
        .await
        .or_page(ctx)?;
    let open = st
        .store
        .tasks(me)
        .await
        .or_page(ctx)?
        .iter()
        .any(|x| x.kind == "data" && x.cycle_id == id && x.department_id == Some(dept));
    let rows: Vec<GridRowView> = list
        .iter()
        .map(|a| GridRowView {
            emp_no: a.emp_no.clone(),
            name: a.name.clone(),
            version: a.version,
            editable: open && a.state == WState::DataEntry,
            cells: cols
                .iter()
                .map(|(inp, _)| {
                    let key = (a.emp_no.clone(), inp.id.clone());
                    GridCell {
                        value: typed
                            .values
                            .get(&key)
                            .or_else(|| a.inputs.get(&inp.id))
                            .cloned()
                            .unwrap_or_default(),
                        error: typed.errors.get(&key).cloned(),
                    }
                })
                .collect(),
        })
        .collect();
    let (status, error) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let more = list.len() as i64 == GRID_PAGE;
    Ok(render(
        ctx,
        status,
        "grid.html",
        context! {
            cycle => c.name.clone(),
            period => c.period.clone(),
            cycle_id => id,
            dept_id => dept,
            dept => d.name.clone(),
            columns => Serde(cols.into_iter().map(|(_, c)| c).collect::<Vec<_>>()),
            rows => Serde(rows),
            open,
            error,
            row_errors => typed.row_errors,
            offset,
            prev => (offset > 0).then(|| (offset - GRID_PAGE).max(0)),
            next => more.then_some(offset + GRID_PAGE),
            due => c.data_due.as_deref().map(short_time),
        },
    ))
}

pub(super) async fn grid_save<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    Path((id, dept)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let Some(me) = ctx.user.clone() else {
        return Ok(to_login(&ctx));
    };
    let (id, dept) = (path_id(&ctx, &id)?, path_id(&ctx, &dept)?);
    if !clerk_of(&me, dept) {
        return Err(page_not_found(&ctx));
    }
    let offset = form.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    ctx.path = format!("/cycles/{id}/departments/{dept}");
    // Rows are numbered in the form (`emp.3`, `ver.3`, `c.3.leave_days`): employee numbers
    // and input ids may hold any character.
    let mut rows: BTreeMap<usize, kaohe_store::GridRow> = BTreeMap::new();
    for (k, v) in &form.0 {
        let Some((kind, rest)) = k.split_once('.') else {
            continue;
        };
        let (n, input) = match kind {
            "c" => match rest.split_once('.') {
                Some((n, input)) => (n, Some(input)),
                None => continue,
            },
            "emp" | "ver" => (rest, None),
            _ => continue,
        };
        let Ok(n) = n.parse::<usize>() else { continue };
        let row = rows.entry(n).or_insert_with(|| kaohe_store::GridRow {
            line: n + 1,
            ..Default::default()
        });
        match (kind, input) {
            ("emp", _) => row.emp_no = v.clone(),
            ("ver", _) => row.version = v.parse().ok(),
            (_, Some(input)) => {
                row.values.push((input.to_string(), v.clone()));
            }
            _ => {}
        }
    }
    let rows: Vec<kaohe_store::GridRow> = rows
        .into_values()
        .filter(|r| !r.emp_no.is_empty())
        .collect();
    let mut typed = GridTyped::default();
    for r in &rows {
        for (k, v) in &r.values {
            typed
                .values
                .insert((r.emp_no.clone(), k.clone()), v.clone());
        }
    }
    let failed = |e: StoreError, mut typed: GridTyped, rows: &[kaohe_store::GridRow]| {
        let (status, m) = store_refusal(ctx.lang, &e);
        if let StoreError::Rows(problems) = &e {
            for (line, field, msg) in problems {
                let emp = rows
                    .iter()
                    .find(|r| r.line == *line)
                    .map(|r| r.emp_no.clone())
                    .unwrap_or_default();
                let msg = in_lang(ctx.lang, msg);
                if rows
                    .iter()
                    .any(|r| r.values.iter().any(|(k, _)| k == field))
                {
                    typed.errors.insert((emp, field.clone()), msg);
                } else {
                    typed.row_errors.push(format!("{emp}: {msg}"));
                }
            }
        }
        let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
        (Some((status, m)), typed)
    };
    if !rows.is_empty() {
        match st.store.enter_grid(&me, id, Some(dept), &rows).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => return Ok(not_found(&ctx)),
            Err(e) if is_internal(&e) => return Ok(server_error(ctx.lang, &e.to_string())),
            Err(e) => {
                let (err, typed) = failed(e, typed, &rows);
                return grid_page(&st, &ctx, &me, id, dept, offset, err, typed).await;
            }
        }
    }
    if form.get("action") == Some("complete") {
        match st.store.complete_data(&me, id, dept).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => return Ok(not_found(&ctx)),
            Err(e) if is_internal(&e) => return Ok(server_error(ctx.lang, &e.to_string())),
            Err(e) => {
                let (err, _) = failed(e, GridTyped::default(), &rows);
                return grid_page(&st, &ctx, &me, id, dept, offset, err, GridTyped::default())
                    .await;
            }
        }
    }
    Ok(see_other(&format!(
        "/cycles/{id}/departments/{dept}?offset={offset}"
    )))
}
