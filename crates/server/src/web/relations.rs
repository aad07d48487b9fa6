//! 考核关系 (HR): who rates whom in a cycle — each appraisee with the people their
//! self-assessment and rating tasks are assigned to (done or not), and who reviews (复核) and
//! approves (审批) them, as the grants over the org tree decide — a page at a time, and the
//! whole cycle as a workbook (`relations.xlsx`).

use super::*;
use kaohe_store::policy::Capability;
use kaohe_store::{Department, RelationRow};
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

/// The table's columns after 工号, 姓名, 单位: each rater role of the form (a form without
/// rater roles has one rater, 评分人), and 自评 where the rows have self-assessments the
/// roles do not name. (column key, heading).
fn columns(t: &kaohe_core::Template, lang: Lang, rows: &[RelationRow]) -> Vec<(String, String)> {
    let mut cols = Vec::new();
    let has = |kind: &str| rows.iter().any(|r| r.tasks.iter().any(|t| t.kind == kind));
    if has("self") && !t.raters.iter().any(|r| r.id == "self") {
        cols.push(("self".to_string(), text(lang, "rel-self", &[])));
    }
    for r in &t.raters {
        let name = match (lang, &r.name_en) {
            (Lang::En, Some(en)) => en.clone(),
            _ => r.name.clone(),
        };
        cols.push((r.id.clone(), name));
    }
    if t.raters.is_empty() {
        cols.push(("rate".to_string(), text(lang, "rel-rater", &[])));
    }
    cols
}

/// A row's cell for one rater role: 姓名 (工号), with ✓ once done; several joined.
fn rater_cell(row: &RelationRow, rater: &str) -> String {
    row.tasks
        .iter()
        .filter(|t| match t.kind.as_str() {
            "self" => rater == "self",
            // A form without rater roles: its one rater.
            _ => rater == "rate" || t.rater.as_deref() == Some(rater),
        })
        .map(|t| {
            let who = match &t.assignee {
                Some((no, name)) => format!("{name} ({no})"),
                None => "—".to_string(),
            };
            if t.done { format!("{who} ✓") } else { who }
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The cells of one appraisee: 工号, 姓名, 单位, a cell per rater role, 复核, 审批.
fn cells(row: &RelationRow, cols: &[(String, String)], who: &Overseers) -> Vec<String> {
    let mut out = vec![row.emp_no.clone(), row.name.clone(), row.department.clone()];
    out.extend(cols.iter().map(|(id, _)| rater_cell(row, id)));
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
    let c = st.store.cycle(id).await.or_page(&ctx)?;
    let (_, t) = st.store.cycle_form(id).await.or_page(&ctx)?;
    let page_no = q.page.unwrap_or(1).max(1);
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
        .or_page(&ctx)?;
    let who = overseers(&st, &ctx).await?;
    let cols = columns(&t, ctx.lang, &rel.rows);
    // Each row's cells, and its open rating tasks HR may hand to someone else (改派).
    let rows: Vec<Value> = rel
        .rows
        .iter()
        .map(|r| {
            let open: Vec<Value> = r
                .tasks
                .iter()
                .filter(|t| t.kind == "rate" && !t.done)
                .map(|t| {
                    let role = cols
                        .iter()
                        .find(|c| t.rater.as_deref() == Some(c.0.as_str()) || c.0 == "rate")
                        .map_or_else(String::new, |c| c.1.clone());
                    context! { id => t.task_id, role }
                })
                .collect();
            context! { cells => cells(r, &cols, &who), open, name => r.name.clone() }
        })
        .collect();
    let pages = (rel.total_rows + PER_PAGE - 1) / PER_PAGE;
    Ok(render(
        &ctx,
        StatusCode::OK,
        "hr_relations.html",
        context! {
            c => context! { id => c.id, name => c.name, period => c.period },
            raters => cols.iter().map(|c| c.1.clone()).collect::<Vec<_>>(),
            rows,
            total_rows => rel.total_rows,
            page => page_no,
            pages => pages.max(1),
            prev => (page_no > 1).then(|| format!("?page={}", page_no - 1)),
            next => (page_no < pages).then(|| format!("?page={}", page_no + 1)),
        },
    ))
}

/// `/hr/cycles/{id}/relations.xlsx`: every appraisee's row of the page, in one sheet.
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
    let cols = columns(&t, ctx.lang, &all);
    let rows: Vec<Vec<String>> = all.iter().map(|r| cells(r, &cols, &who)).collect();
    let head = |k: &str| text(ctx.lang, k, &[]);
    let mut headers = vec![head("sheet-emp-no"), head("sheet-name"), head("rel-unit")];
    headers.extend(cols.iter().map(|c| c.1.clone()));
    headers.push(head("rel-reviewer"));
    headers.push(head("rel-approver"));
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let bytes = kaohe_office::text_workbook(&head("rel-title"), &headers, rows)
        .map_err(|e| PageError(Box::new(server_error(ctx.lang, &e.to_string()))))?;
    Ok(crate::office::download(
        bytes,
        &crate::office::cycle_file_name(&c, "考核关系", "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment",
    ))
}
