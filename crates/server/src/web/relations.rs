//! 考核关系 (HR): who rates whom in a cycle — each appraisee with the people their
//! self-assessment and rating tasks are assigned to (done or not), and who reviews (复核) and
//! approves (审批) them, as the grants over the org tree decide — a page at a time, and the
//! whole cycle as a workbook (`relations.xlsx`). On a draft, the raters a launch would assign
//! (from the cycle's rules, or named per person — which HR sets here) and where each came
//! from. The workbook imports back (`POST` here, or `POST /api/cycles/{id}/relations`): a
//! draft's raters named per person, or a launched cycle's open tasks moved.

use super::*;
use kaohe_store::policy::Capability;
use kaohe_store::{Department, RelationRow, Why};
use std::collections::HashMap;

/// Appraisees per page.
const PER_PAGE: i64 = 100;

#[derive(serde::Deserialize)]
pub(super) struct RelationsQuery {
    page: Option<i64>,
}

/// Who reviews and who approves appraisees of each department: the users whose grant is
/// for every department or for the department or a unit above it.
struct Overseers {
    parents: HashMap<i64, Option<i64>>,
    grants: Vec<(Role, Option<i64>, String)>,
}

impl Overseers {
    fn new(depts: &[Department], users: &[User]) -> Self {
        let grants = users
            .iter()
            .filter(|u| !u.disabled)
            .flat_map(|u| {
                u.grants
                    .iter()
                    .filter(|g| matches!(g.role, Role::Reviewer | Role::Approver))
                    .map(|g| (g.role, g.department_id, u.username.clone()))
            })
            .collect();
        Overseers {
            parents: depts.iter().map(|d| (d.id, d.parent_id)).collect(),
            grants,
        }
    }

    /// The user names holding `role` over department `d`, joined for reading.
    fn of(&self, role: Role, d: i64) -> String {
        // The department and the units above it (a stored loop ends after every unit).
        let mut up = vec![d];
        let mut at = d;
        while let Some(Some(p)) = self.parents.get(&at) {
            if up.contains(p) || up.len() > self.parents.len() {
                break;
            }
            up.push(*p);
            at = *p;
        }
        let mut names: Vec<&str> = self
            .grants
            .iter()
            .filter(|(r, gd, _)| *r == role && gd.is_none_or(|g| up.contains(&g)))
            .map(|(_, _, n)| n.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.join("、")
    }
}

/// The table's columns after 工号, 姓名, 单位: 自评 (on the page, when the form has one),
/// then each rater role of the form (a form without rater roles has one rater, 评分人).
/// (rater id, heading).
fn columns(t: &kaohe_core::Template, lang: Lang, with_self: bool) -> Vec<(String, String)> {
    let mut cols = Vec::new();
    if with_self && kaohe_store::has_self(t) {
        cols.push(("self".to_string(), text(lang, "rel-self", &[])));
    }
    for id in kaohe_store::rules::rule_roles(t) {
        let name = match t.raters.iter().find(|r| r.id == id) {
            Some(r) => match (lang, &r.name_en) {
                (Lang::En, Some(en)) => en.clone(),
                _ => r.name.clone(),
            },
            None => text(lang, "rel-rater", &[]),
        };
        cols.push((id, name));
    }
    cols
}

/// The tasks of a row for one rater role.
fn tasks_of<'r>(
    row: &'r RelationRow,
    rater: &'r str,
) -> impl Iterator<Item = &'r kaohe_store::RaterTask> + 'r {
    row.tasks.iter().filter(move |t| match t.kind.as_str() {
        "self" => rater == "self",
        _ => t.rater.as_deref() == Some(rater),
    })
}

/// Where a draft's planned rater came from, in words.
fn why_text(lang: Lang, why: &Why) -> String {
    match why {
        Why::Override => text(lang, "rel-why-override", &[]),
        Why::Rule(r) => text(lang, "rel-why-rule", &[("rule", Arg::Text(r.clone()))]),
        Why::Supervisor => text(lang, "rel-why-supervisor", &[]),
        Why::Department => text(lang, "rel-why-department", &[]),
        Why::Nobody => text(lang, "rel-why-nobody", &[]),
    }
}

/// A task's holder for people: 姓名 (工号), a department's name, or —; with ✓ once done.
fn holder(t: &kaohe_store::RaterTask) -> String {
    let who = match (&t.assignee, &t.department) {
        (Some((no, name)), _) => format!("{name} ({no})"),
        (None, Some(d)) => d.clone(),
        (None, None) => "—".to_string(),
    };
    if t.done { format!("{who} ✓") } else { who }
}

/// A page cell: who, and (on a draft) why.
#[derive(Serialize)]
struct Cell {
    text: String,
    why: Option<String>,
}

/// The cells of one appraisee on the page: 工号, 姓名, 单位, a cell per column, 复核, 审批.
fn cells(row: &RelationRow, cols: &[(String, String)], who: &Overseers, lang: Lang) -> Vec<Cell> {
    let plain = |text: String| Cell { text, why: None };
    let mut out = vec![
        plain(row.emp_no.clone()),
        plain(row.name.clone()),
        plain(row.department.clone()),
    ];
    for (id, _) in cols {
        let ts: Vec<_> = tasks_of(row, id).collect();
        out.push(Cell {
            text: ts.iter().map(|t| holder(t)).collect::<Vec<_>>().join("、"),
            why: {
                let w: Vec<String> = ts
                    .iter()
                    .filter_map(|t| t.why.as_ref().map(|w| why_text(lang, w)))
                    .collect();
                (!w.is_empty()).then(|| w.join("、"))
            },
        });
    }
    out.push(plain(who.of(Role::Reviewer, row.department_id)));
    out.push(plain(who.of(Role::Approver, row.department_id)));
    out
}

/// The workbook's cells of one appraisee: 工号, 姓名, then per rater role its holder's 工号
/// and (a column the import ignores) their name — a department's name for its task, ✓ once
/// done, on a draft where the rater came from — then 单位, 复核, 审批.
fn file_cells(
    row: &RelationRow,
    cols: &[(String, String)],
    who: &Overseers,
    lang: Lang,
) -> Vec<String> {
    let mut out = vec![row.emp_no.clone(), row.name.clone()];
    for (id, _) in cols {
        let ts: Vec<_> = tasks_of(row, id).collect();
        out.push(
            ts.iter()
                .filter_map(|t| t.assignee.as_ref().map(|a| a.0.clone()))
                .collect::<Vec<_>>()
                .join("、"),
        );
        out.push(
            ts.iter()
                .map(|t| {
                    let mut s = match (&t.assignee, &t.department) {
                        (Some((_, name)), _) => name.clone(),
                        (None, Some(d)) => d.clone(),
                        (None, None) => String::new(),
                    };
                    if t.done {
                        s.push_str(" ✓");
                    }
                    if let Some(w) = &t.why {
                        s = format!("{s} ({})", why_text(lang, w)).trim().to_string();
                    }
                    s
                })
                .collect::<Vec<_>>()
                .join("、"),
        );
    }
    out.push(row.department.clone());
    out.push(who.of(Role::Reviewer, row.department_id));
    out.push(who.of(Role::Approver, row.department_id));
    out
}

async fn overseers<S: Store>(st: &AppState<S>, ctx: &Ctx) -> Result<Overseers, PageError> {
    let depts = st.store.departments().await.or_page(ctx)?;
    let users = st.store.users().await.or_page(ctx)?;
    Ok(Overseers::new(&depts, &users))
}

/// `/hr/cycles/{id}/relations`.
pub(super) async fn hr_relations<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<RelationsQuery>,
) -> PageResult {
    hr_only(&ctx, Capability::ManageCycles)?;
    let id = path_id(&ctx, &id)?;
    relations_page(
        &st,
        &ctx,
        id,
        q.page.unwrap_or(1),
        StatusCode::OK,
        None,
        None,
    )
    .await
}

/// The 考核关系 page, with what an import did (`notice`) or why it was refused (`error`).
async fn relations_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    page_no: i64,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let c = st.store.cycle(id).await.or_page(ctx)?;
    let (_, t) = st.store.cycle_form(id).await.or_page(ctx)?;
    let page_no = page_no.max(1);
    let rel = st
        .store
        .relations(
            id,
            kaohe_store::Page {
                offset: (page_no - 1) * PER_PAGE,
                limit: PER_PAGE,
            },
        )
        .await
        .or_page(ctx)?;
    let who = overseers(st, ctx).await?;
    let cols = columns(&t, ctx.lang, true);
    let roles: Vec<Value> = cols
        .iter()
        .filter(|c| c.0 != "self")
        .map(|(id, name)| {
            context! {
                id => id.clone(),
                name => name.clone(),
                rule => c.members.rules.get(id).cloned(),
            }
        })
        .collect();
    // Each row's cells, and its open rating tasks HR may hand to someone else (改派).
    let rows: Vec<Value> = rel
        .rows
        .iter()
        .map(|r| {
            let open: Vec<Value> = r
                .tasks
                .iter()
                .filter(|t| t.kind == "rate" && !t.done && t.task_id > 0)
                .map(|t| {
                    let role = cols
                        .iter()
                        .find(|c| t.rater.as_deref() == Some(c.0.as_str()))
                        .map_or_else(String::new, |c| c.1.clone());
                    context! { id => t.task_id, role }
                })
                .collect();
            context! {
                cells => Serde(cells(r, &cols, &who, ctx.lang)),
                open,
                name => r.name.clone(),
                emp_no => r.emp_no.clone(),
            }
        })
        .collect();
    let pages = (rel.total_rows + PER_PAGE - 1) / PER_PAGE;
    Ok(render(
        ctx,
        status,
        "hr_relations.html",
        context! {
            c => context! { id => c.id, name => c.name, period => c.period },
            draft => rel.draft,
            raters => cols.iter().map(|c| c.1.clone()).collect::<Vec<_>>(),
            roles,
            rows,
            total_rows => rel.total_rows,
            page => page_no,
            pages => pages.max(1),
            prev => (page_no > 1).then(|| format!("?page={}", page_no - 1)),
            next => (page_no < pages).then(|| format!("?page={}", page_no + 1)),
            notice,
            error,
        },
    ))
}

/// POST `/hr/cycles/{id}/relations`: a 考核关系 file uploaded (the workbook's layout). The
/// page again, saying how many raters changed, or every refusal by row and column.
pub(super) async fn hr_relations_upload<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> PageResult {
    let (form, files) = read_form(&headers, body).await;
    if !form.csrf_ok(&ctx) {
        return Ok(csrf_refused(&ctx));
    }
    let me = hr_only(&ctx, Capability::ManageCycles)?;
    let id = path_id(&ctx, &id)?;
    let Some(file) = files
        .into_iter()
        .find(|f| f.name == "file" && !f.data.is_empty())
    else {
        let m = text(ctx.lang, "imp-no-file", &[]);
        return relations_page(
            &st,
            &ctx,
            id,
            1,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(m),
        )
        .await;
    };
    match crate::office::import_relations_file(&st.store, &me, id, &file.data, &file.filename).await
    {
        Ok(r) => {
            let key = if r.draft {
                "rel-imported-draft"
            } else {
                "rel-imported"
            };
            let m = text(ctx.lang, key, &[("count", Arg::Num(r.changed as f64))]);
            relations_page(&st, &ctx, id, 1, StatusCode::OK, Some(m), None).await
        }
        Err(crate::office::OfficeFail::Store(e)) if !is_internal(&e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            relations_page(&st, &ctx, id, 1, status, None, Some(m)).await
        }
        Err(crate::office::OfficeFail::File(m)) => {
            let m = in_lang(ctx.lang, m.as_str());
            relations_page(
                &st,
                &ctx,
                id,
                1,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(m),
            )
            .await
        }
        Err(e) => Err(office_error(&ctx, e)),
    }
}

/// POST `/hr/cycles/{id}/relations/rater`: on a draft, name the rater of one appraisee for
/// one role (`emp_no`), or clear it (empty: the rule decides again). Audited as the cycle's
/// edit.
pub(super) async fn hr_relations_rater<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let me = hr_only(&ctx, Capability::ManageCycles)?;
    let id = path_id(&ctx, &id)?;
    let who = form.get("appraisee").unwrap_or_default().trim().to_string();
    let rater = form.get("rater").unwrap_or_default().trim().to_string();
    let no = form.get("emp_no").unwrap_or_default().trim().to_string();
    let page: i64 = form.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    match st
        .store
        .set_cycle_rater(
            &me,
            id,
            &who,
            &rater,
            (!no.is_empty()).then_some(no.as_str()),
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!("/hr/cycles/{id}/relations?page={page}"))),
        Err(e) if !is_internal(&e) && !matches!(e, StoreError::NotFound { .. }) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            let m = format!("{who}: {m}");
            relations_page(&st, &ctx, id, page, status, None, Some(m)).await
        }
        Err(e) => Err(PageError(Box::new(store_error_page(&ctx, &e)))),
    }
}

/// `/hr/cycles/{id}/relations.xlsx`: every appraisee, in the layout the import takes back —
/// 工号, 姓名, per rater role the rater's 工号 and their name, 单位, 复核, 审批.
pub(super) async fn hr_relations_xlsx<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    hr_only(&ctx, Capability::ManageCycles)?;
    let id = path_id(&ctx, &id)?;
    let c = st.store.cycle(id).await.or_page(&ctx)?;
    let (_, t) = st.store.cycle_form(id).await.or_page(&ctx)?;
    let who = overseers(&st, &ctx).await?;
    let mut all = Vec::new();
    loop {
        let rel = st
            .store
            .relations(
                id,
                kaohe_store::Page {
                    offset: all.len() as i64,
                    limit: 1000,
                },
            )
            .await
            .or_page(&ctx)?;
        let n = rel.rows.len();
        all.extend(rel.rows);
        if n < 1000 {
            break;
        }
    }
    let cols = columns(&t, ctx.lang, false);
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|r| file_cells(r, &cols, &who, ctx.lang))
        .collect();
    let head = |k: &str| text(ctx.lang, k, &[]);
    let mut headers = vec![head("sheet-emp-no"), head("sheet-name")];
    for (_, name) in &cols {
        headers.push(name.clone());
        headers.push(text(
            ctx.lang,
            "rel-col-name",
            &[("role", Arg::Text(name.clone()))],
        ));
    }
    headers.push(head("rel-unit"));
    headers.push(head("rel-reviewer"));
    headers.push(head("rel-approver"));
    let title = head("rel-title");
    let bytes = crate::office::write_off(move || {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        kaohe_office::text_workbook(&title, &headers, rows)
    })
    .await
    .map_err(|e| PageError(Box::new(server_error(ctx.lang, &e.to_string()))))?;
    Ok(crate::office::download(
        bytes,
        &crate::office::cycle_file_name(&c, "考核关系", "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment",
    ))
}
