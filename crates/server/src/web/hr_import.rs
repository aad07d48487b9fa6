//! HR imports a cycle's data from the workbook the departments sent, in the browser:
//! upload → the header found (pick another row if it is not) → one dropdown per column,
//! pre-filled from the form's names, the names people write and the form's remembered
//! mapping → a preview per employee, old → new, every problem named by cell → import, all
//! rows or none (or the good rows, listing the bad).
//!
//! The work is [`crate::office::import_file`], the same the API and `kaohe import` run; the
//! page only holds the uploaded file between the steps (in memory, for
//! [`UPLOAD_TTL`], only for the person who uploaded it, at most [`UPLOADS_KEPT`] files).

use super::*;
use crate::office::{self, ImportOptions, ImportReport, OfficeFail};
use kaohe_office::HeaderPick;
use kaohe_office::import::{GROUP, ID, NAME};
use kaohe_store::policy::Capability;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an uploaded file is kept between the steps.
pub const UPLOAD_TTL: Duration = Duration::from_secs(30 * 60);
/// How many uploaded files are kept at once (the oldest goes first).
pub const UPLOADS_KEPT: usize = 16;

struct Kept {
    user_id: i64,
    cycle_id: i64,
    file_name: String,
    bytes: Vec<u8>,
    at: Instant,
}

fn uploads() -> &'static Mutex<HashMap<String, Kept>> {
    static U: OnceLock<Mutex<HashMap<String, Kept>>> = OnceLock::new();
    U.get_or_init(|| Mutex::new(HashMap::new()))
}

fn keep(user_id: i64, cycle_id: i64, file_name: String, bytes: Vec<u8>) -> String {
    // The session token's generator: 32 random bytes; half of its hex is plenty here.
    let token: String = match kaohe_store::new_token() {
        Ok((t, _)) => t.chars().take(32).collect(),
        Err(_) => format!(
            "{:x}",
            Instant::now().elapsed().as_nanos() ^ user_id as u128
        ),
    };
    let mut u = uploads().lock().unwrap_or_else(|p| p.into_inner());
    u.retain(|_, k| k.at.elapsed() < UPLOAD_TTL);
    while u.len() >= UPLOADS_KEPT {
        let Some(oldest) = u.iter().min_by_key(|(_, k)| k.at).map(|(t, _)| t.clone()) else {
            break;
        };
        u.remove(&oldest);
    }
    u.insert(
        token.clone(),
        Kept {
            user_id,
            cycle_id,
            file_name,
            bytes,
            at: Instant::now(),
        },
    );
    token
}

/// The kept file (name, bytes) if it is this user's, for this cycle, and not expired.
fn kept(token: &str, user_id: i64, cycle_id: i64) -> Option<(String, Vec<u8>)> {
    let u = uploads().lock().unwrap_or_else(|p| p.into_inner());
    u.get(token)
        .filter(|k| k.user_id == user_id && k.cycle_id == cycle_id && k.at.elapsed() < UPLOAD_TTL)
        .map(|k| (k.file_name.clone(), k.bytes.clone()))
}

fn forget(token: &str) {
    uploads()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(token);
}

/// One choice in a column's dropdown.
#[derive(Serialize)]
struct TargetOption {
    value: String,
    label: String,
}

/// One column of the file on the mapping screen.
#[derive(Serialize)]
struct ColumnView {
    /// Form field name: `c.<0-based column>`.
    field: String,
    letter: String,
    header: String,
    /// The chosen target (`-` = left out).
    chosen: String,
    /// How the proposal matched it: exact, loose, remembered, or none.
    how: Option<String>,
}

#[derive(Serialize)]
struct ChangeView {
    row: usize,
    emp_no: String,
    name: String,
    appraisal_id: i64,
    changes: Vec<(String, String, String)>,
}

#[derive(Serialize)]
struct ProblemView {
    place: String,
    message: String,
}

/// Who imports: HR (any input, at `/hr/cycles/{id}/import`) or a department's clerk (its
/// own inputs only, at `/cycles/{id}/departments/{dept}/import`, reached from the grid).
pub(super) struct Access {
    me: User,
    /// The clerk's department (id, name); None for HR.
    dept: Option<(i64, String)>,
    /// The page the import's addresses hang under.
    base: String,
}

async fn access<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    dept: Option<i64>,
) -> Result<Access, PageError> {
    let Some(d) = dept else {
        let me = hr_only(ctx, Capability::ManageCycles)?;
        return Ok(Access {
            me,
            dept: None,
            base: format!("/hr/cycles/{id}"),
        });
    };
    let Some(me) = ctx.user.clone() else {
        return Err(PageError(Box::new(to_login(ctx))));
    };
    if !clerk_of(&me, d) {
        return Err(PageError(Box::new(not_found(ctx))));
    }
    let depts = st.store.departments().await.or_page(ctx)?;
    let Some(name) = depts.iter().find(|x| x.id == d).map(|x| x.name.clone()) else {
        return Err(PageError(Box::new(not_found(ctx))));
    };
    Ok(Access {
        me,
        dept: Some((d, name)),
        base: format!("/cycles/{id}/departments/{d}"),
    })
}

impl Access {
    fn dept_id(&self) -> Option<i64> {
        self.dept.as_ref().map(|d| d.0)
    }
    fn dept_name(&self) -> Option<String> {
        self.dept.as_ref().map(|d| d.1.clone())
    }
}

fn dept_id(ctx: &Ctx, d: &str) -> Result<i64, PageError> {
    d.parse::<i64>()
        .map_err(|_| PageError(Box::new(not_found(ctx))))
}

/// GET `/hr/cycles/{id}/import`: the upload form.
pub(super) async fn hr_import_page<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&ctx, &id)?;
    import_page(&st, &ctx, id, None).await
}

/// GET `/cycles/{id}/departments/{dept}/import`: a clerk's upload form.
pub(super) async fn dept_import_page<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path((id, dept)): Path<(String, String)>,
) -> PageResult {
    let (id, dept) = (path_id(&ctx, &id)?, dept_id(&ctx, &dept)?);
    import_page(&st, &ctx, id, Some(dept)).await
}

async fn import_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    dept: Option<i64>,
) -> PageResult {
    let who = access(st, ctx, id, dept).await?;
    let c = st.store.cycle(id).await.or_page(ctx)?;
    Ok(upload_page(ctx, &who, &c, StatusCode::OK, None))
}

fn upload_page(
    ctx: &Ctx,
    who: &Access,
    c: &Cycle,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    render(
        ctx,
        status,
        "hr_import.html",
        context! {
            c => context! { id => c.id, name => c.name.clone(), form_id => c.form_id.clone(), period => c.period.clone(), status => c.status.clone() },
            step => "upload",
            base => who.base.clone(),
            dept => who.dept_name(),
            error,
        },
    )
}

/// POST `/hr/cycles/{id}/import`: the file arrives; keep it and show the mapping.
pub(super) async fn hr_import_upload<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> PageResult {
    let id = path_id(&ctx, &id)?;
    import_upload(&st, &ctx, id, None, headers, body).await
}

/// POST `/cycles/{id}/departments/{dept}/import`: a clerk's file.
pub(super) async fn dept_import_upload<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path((id, dept)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> PageResult {
    let (id, dept) = (path_id(&ctx, &id)?, dept_id(&ctx, &dept)?);
    import_upload(&st, &ctx, id, Some(dept), headers, body).await
}

async fn import_upload<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    dept: Option<i64>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> PageResult {
    let (form, files) = read_form(&headers, body).await;
    if !form.csrf_ok(ctx) {
        return Ok(csrf_refused(ctx));
    }
    let who = access(st, ctx, id, dept).await?;
    let c = st.store.cycle(id).await.or_page(ctx)?;
    let Some(file) = files
        .into_iter()
        .find(|f| f.name == "file" && !f.data.is_empty())
    else {
        let m = text(ctx.lang, "imp-no-file", &[]);
        return Ok(upload_page(
            ctx,
            &who,
            &c,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(m),
        ));
    };
    let token = keep(who.me.id, id, file.filename, file.data);
    let mut to = format!("{}/import/{token}", who.base);
    if let Some(s) = form.get("sheet").filter(|s| !s.trim().is_empty()) {
        let s: String = form_urlencoded::byte_serialize(s.trim().as_bytes()).collect();
        to.push_str(&format!("?sheet={s}"));
    }
    Ok(see_other(&to))
}

/// GET `/hr/cycles/{id}/blank.xlsx`: a workbook to fill and import back — 工号, 姓名 and
/// the form's inputs under their sheet names, one row per appraisee.
pub(super) async fn hr_import_blank<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> PageResult {
    let me = hr_only(&ctx, Capability::ManageCycles)?;
    let id = path_id(&ctx, &id)?;
    let (c, t) = st.store.cycle_form(id).await.or_page(&ctx)?;
    let people: Vec<(String, String)> = office::all_appraisals(&st.store, &me, id)
        .await
        .or_page(&ctx)?
        .into_iter()
        .map(|a| (a.emp_no, a.name))
        .collect();
    let bytes = office::write_off(move || kaohe_office::blank_workbook(&t, &people))
        .await
        .map_err(|e| PageError(Box::new(server_error(ctx.lang, &e.to_string()))))?;
    Ok(office::download(
        bytes,
        &office::cycle_file_name(&c, "数据模板", "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment",
    ))
}

/// The choices a person made on the mapping screen.
struct Choices {
    sheet: Option<String>,
    header_row: Option<usize>,
    /// `c.<n>` → target, as chosen.
    columns: BTreeMap<usize, String>,
    skip_invalid: bool,
    /// Why, when the import corrects appraisals from review on.
    reason: Option<String>,
}

impl Choices {
    fn from_pairs(pairs: &[(String, String)]) -> Choices {
        let mut ch = Choices {
            sheet: None,
            header_row: None,
            columns: BTreeMap::new(),
            skip_invalid: false,
            reason: None,
        };
        for (k, v) in pairs {
            match k.as_str() {
                "sheet" if !v.trim().is_empty() => ch.sheet = Some(v.trim().to_string()),
                "header_row" => ch.header_row = v.trim().parse().ok(),
                "skip_invalid" => ch.skip_invalid = !v.is_empty(),
                "reason" if !v.trim().is_empty() => ch.reason = Some(v.trim().to_string()),
                k => {
                    if let Some(n) = k.strip_prefix("c.").and_then(|n| n.parse().ok()) {
                        ch.columns.insert(n, v.clone());
                    }
                }
            }
        }
        ch
    }
}

/// GET `/hr/cycles/{id}/import/{token}`: the mapping and the preview (a dry run).
pub(super) async fn hr_import_preview<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path((id, token)): Path<(String, String)>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> PageResult {
    let id = path_id(&ctx, &id)?;
    import_preview(&st, &ctx, id, None, &token, q).await
}

/// GET `/cycles/{id}/departments/{dept}/import/{token}`: a clerk's mapping and preview.
pub(super) async fn dept_import_preview<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path((id, dept, token)): Path<(String, String, String)>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> PageResult {
    let (id, dept) = (path_id(&ctx, &id)?, dept_id(&ctx, &dept)?);
    import_preview(&st, &ctx, id, Some(dept), &token, q).await
}

async fn import_preview<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    dept: Option<i64>,
    token: &str,
    q: Option<String>,
) -> PageResult {
    let who = access(st, ctx, id, dept).await?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let choices = Choices::from_pairs(&pairs);
    mapping_page(st, ctx, &who, id, token, &choices, None).await
}

/// POST `/hr/cycles/{id}/import/{token}`: import with the mapping shown.
pub(super) async fn hr_import_run<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path((id, token)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let id = path_id(&ctx, &id)?;
    import_run(&st, &ctx, id, None, &token, body).await
}

/// POST `/cycles/{id}/departments/{dept}/import/{token}`: a clerk's import.
pub(super) async fn dept_import_run<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path((id, dept, token)): Path<(String, String, String)>,
    body: Bytes,
) -> PageResult {
    let (id, dept) = (path_id(&ctx, &id)?, dept_id(&ctx, &dept)?);
    import_run(&st, &ctx, id, Some(dept), &token, body).await
}

async fn import_run<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    dept: Option<i64>,
    token: &str,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    if !form.csrf_ok(ctx) {
        return Ok(csrf_refused(ctx));
    }
    let who = access(st, ctx, id, dept).await?;
    let me = &who.me;
    let choices = Choices::from_pairs(&form.0);
    let Some((file_name, bytes)) = kept(token, me.id, id) else {
        return expired(st, ctx, &who, id).await;
    };
    let mut opts = options(&choices, file_name, &bytes, false).await;
    opts.dept = who.dept_id();
    match office::import_file(&st.store, me, id, &bytes, &opts, &|_, _, _| {}).await {
        Ok(r) => {
            forget(token);
            let handin = if who.dept.is_none() {
                handin_views(st, ctx, me, id).await?
            } else {
                Vec::new()
            };
            Ok(render(
                ctx,
                StatusCode::OK,
                "hr_import.html",
                context! {
                    c => cycle_view(&st.store.cycle(id).await.or_page(ctx)?),
                    step => "done",
                    base => who.base.clone(),
                    dept => who.dept_name(),
                    changed => r.appraisals_changed,
                    values => r.values_changed,
                    skipped => r.skipped_rows.len(),
                    totals => r.totals_skipped.clone(),
                    changes => Serde(change_views(&r)),
                    problems => Serde(problem_views(ctx, &r)),
                    handin => Serde(handin),
                },
            ))
        }
        Err(OfficeFail::Refused(r)) => {
            let m = text(
                ctx.lang,
                "imp-refused",
                &[("count", Arg::Num(r.problems.len() as f64))],
            );
            mapping_page(st, ctx, &who, id, token, &choices, Some((m, *r))).await
        }
        Err(e) => Err(office_error(ctx, e)),
    }
}

fn cycle_view(c: &Cycle) -> Value {
    context! { id => c.id, name => c.name.clone(), form_id => c.form_id.clone(), period => c.period.clone(), status => c.status.clone() }
}

async fn expired<S: Store>(st: &AppState<S>, ctx: &Ctx, who: &Access, id: i64) -> PageResult {
    let c = st.store.cycle(id).await.or_page(ctx)?;
    let m = text(ctx.lang, "imp-expired", &[]);
    Ok(upload_page(ctx, who, &c, StatusCode::GONE, Some(m)))
}

/// The import options from the person's choices: the chosen targets by header.
async fn options(ch: &Choices, file_name: String, bytes: &[u8], dry_run: bool) -> ImportOptions {
    let mut map = BTreeMap::new();
    if !ch.columns.is_empty() {
        // The headers of the chosen header row, to name the columns by.
        let table = office::read_table_off(
            bytes,
            ch.sheet.as_deref(),
            &file_name,
            match ch.header_row {
                Some(r) => HeaderPick::Row(r),
                None => HeaderPick::Auto,
            },
        )
        .await
        .ok();
        if let Some(t) = table {
            for (c, target) in &ch.columns {
                if let Some(h) = t.headers.get(*c).filter(|h| !h.is_empty()) {
                    map.insert(h.clone(), target.clone());
                }
            }
        }
    }
    ImportOptions {
        sheet: ch.sheet.clone(),
        file_name,
        map,
        dry_run,
        skip_invalid: ch.skip_invalid,
        header_row: ch.header_row,
        reason: ch.reason.clone(),
        dept: None,
    }
}

fn change_views(r: &ImportReport) -> Vec<ChangeView> {
    r.changes
        .iter()
        .map(|e| ChangeView {
            row: e.row,
            emp_no: e.emp_no.clone(),
            name: e.name.clone(),
            appraisal_id: e.appraisal_id,
            changes: e
                .changes
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        c.old.clone().unwrap_or_default(),
                        c.new.clone(),
                    )
                })
                .collect(),
        })
        .collect()
}

fn problem_views(ctx: &Ctx, r: &ImportReport) -> Vec<ProblemView> {
    r.problems
        .iter()
        .map(|p| ProblemView {
            place: p.place.clone(),
            message: match ctx.lang {
                Lang::Zh => p.message.clone(),
                Lang::En => p.message_en.clone(),
            },
        })
        .collect()
}

async fn mapping_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    who: &Access,
    id: i64,
    token: &str,
    choices: &Choices,
    failed: Option<(String, ImportReport)>,
) -> PageResult {
    let me = &who.me;
    let c = st.store.cycle(id).await.or_page(ctx)?;
    let Some((file_name, bytes)) = kept(token, me.id, id) else {
        return expired(st, ctx, who, id).await;
    };
    let (_, t) = office::cycle_template(&st.store, id).await.or_page(ctx)?;
    // A clerk's import offers their department's inputs only.
    let mine: Option<Vec<String>> = match who.dept_id() {
        Some(d) => Some(office::dept_inputs(&st.store, &t, d).await.or_page(ctx)?),
        None => None,
    };
    let allowed = |target: &str| {
        mine.as_ref()
            .is_none_or(|m| [ID, NAME, "-"].contains(&target) || m.iter().any(|x| x == target))
    };
    // The table as the person chose to read it (or as found).
    let pick = match choices.header_row {
        Some(r) => HeaderPick::Row(r),
        None => office::header_pick(&t, None),
    };
    let table =
        match office::read_table_off(&bytes, choices.sheet.as_deref(), &file_name, pick).await {
            Ok(table) => table,
            Err(OfficeFail::Refused(r)) => {
                // The file cannot be read as a table (merged cells in the data …).
                return Ok(render(
                    ctx,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "hr_import.html",
                    context! {
                        c => cycle_view(&c), step => "upload", file_name,
                        base => who.base.clone(), dept => who.dept_name(),
                        error => text(ctx.lang, "imp-unreadable", &[]),
                        problems => Serde(problem_views(ctx, &r)),
                    },
                ));
            }
            Err(e) => {
                return Ok(upload_page(
                    ctx,
                    who,
                    &c,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(in_lang(ctx.lang, &e.to_string())),
                ));
            }
        };
    let header_row = table.header_row;
    // The proposal, then the remembered mapping, then what the person chose.
    let proposal = kaohe_office::propose_mapping(&t, &table.headers);
    let remembered = st.store.import_mapping(&c.form_id).await.or_page(ctx)?;
    let mut columns: Vec<ColumnView> = Vec::new();
    for (i, h) in table.headers.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        let proposed = proposal.columns.iter().find(|p| p.col == i);
        let (mut chosen, mut how) = match (remembered.get(h), proposed) {
            (Some(r), _) => (
                kaohe_office::resolve_target(&t, r).unwrap_or_else(|| "-".into()),
                Some("remembered"),
            ),
            (None, Some(p)) if p.target.is_some() => (
                p.target.clone().unwrap_or_default(),
                Some(match p.how {
                    Some(kaohe_office::import::MatchKind::Exact) => "exact",
                    _ => "loose",
                }),
            ),
            _ => ("-".to_string(), None),
        };
        if let Some(v) = choices.columns.get(&i) {
            if *v != chosen {
                how = Some("chosen");
            }
            chosen = v.clone();
        }
        if !allowed(&chosen) {
            chosen = "-".into();
            how = Some("other-dept");
        }
        columns.push(ColumnView {
            field: format!("c.{i}"),
            letter: kaohe_office::col_letter(i),
            header: h.clone(),
            chosen,
            how: how.map(str::to_string),
        });
    }
    let mut targets = vec![
        TargetOption {
            value: "-".into(),
            label: text(ctx.lang, "imp-target-none", &[]),
        },
        TargetOption {
            value: ID.into(),
            label: text(ctx.lang, "imp-target-id", &[]),
        },
        TargetOption {
            value: NAME.into(),
            label: text(ctx.lang, "imp-target-name", &[]),
        },
        TargetOption {
            value: GROUP.into(),
            label: text(ctx.lang, "imp-target-group", &[]),
        },
    ];
    for i in t
        .inputs
        .iter()
        .filter(|i| i.rater.is_none() || i.id.contains('@'))
        .filter(|i| allowed(&i.id))
    {
        let name = match (ctx.lang, &i.name_en) {
            (Lang::En, Some(en)) => en.clone(),
            _ => i.name.clone(),
        };
        let label = match &i.dept {
            Some(d) => format!("{name}（{d}）"),
            None => name,
        };
        targets.push(TargetOption {
            value: i.id.clone(),
            label,
        });
    }
    for p in t.params.iter().filter(|p| allowed(&p.id)) {
        targets.push(TargetOption {
            value: p.id.clone(),
            label: p.name.clone(),
        });
    }

    // The preview: a dry run with these choices (unless the import just failed: its report).
    let (report, error) = match failed {
        Some((m, r)) => (Some(r), Some(m)),
        None => {
            let mut ch = Choices {
                sheet: choices.sheet.clone(),
                header_row: Some(header_row),
                columns: BTreeMap::new(),
                skip_invalid: choices.skip_invalid,
                reason: choices.reason.clone(),
            };
            for col in &columns {
                if let Some(n) = col.field.strip_prefix("c.").and_then(|n| n.parse().ok()) {
                    ch.columns.insert(n, col.chosen.clone());
                }
            }
            let mut opts = options(&ch, file_name.clone(), &bytes, true).await;
            opts.dept = who.dept_id();
            match office::import_file(&st.store, me, id, &bytes, &opts, &|_, _, _| {}).await {
                Ok(r) => (Some(r), None),
                Err(OfficeFail::Refused(r)) => (Some(*r), None),
                Err(e) => (None, Some(in_lang(ctx.lang, &e.to_string()))),
            }
        }
    };
    let candidates: Vec<(usize, String)> = table.candidates.clone();
    let (changes, problems, changed, values, matched, rows_read, warnings) = match &report {
        Some(r) => (
            change_views(r),
            problem_views(ctx, r),
            r.appraisals_changed,
            r.values_changed,
            r.rows_matched,
            r.rows_read,
            r.warnings
                .iter()
                .map(|w| in_lang(ctx.lang, w))
                .collect::<Vec<_>>(),
        ),
        None => (
            Vec::new(),
            Vec::new(),
            0,
            0,
            0,
            table.rows.len(),
            Vec::new(),
        ),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(
        ctx,
        status,
        "hr_import.html",
        context! {
            c => cycle_view(&c),
            step => "map",
            base => who.base.clone(),
            dept => who.dept_name(),
            token,
            file_name,
            sheet => table.sheet.clone(),
            chosen_sheet => choices.sheet.clone(),
            header_row,
            candidates => Serde(candidates),
            columns => Serde(columns),
            targets => Serde(targets),
            totals => table.totals.clone(),
            rows_read,
            matched,
            changed,
            values,
            changes => Serde(changes),
            problems => Serde(problems),
            warnings,
            skip_invalid => choices.skip_invalid,
            reason => choices.reason.clone(),
            error,
        },
    ))
}

/// A department whose data task is still open, after an import: how many of its cells
/// (its inputs × the appraisees in data entry) are still empty.
#[derive(Serialize)]
struct HandinView {
    id: i64,
    name: String,
    /// Empty cells; 0: everything is there and HR may hand it in.
    missing: usize,
    cells: usize,
}

/// The departments with an open data task in cycle `id`, each with its empty cells.
async fn handin_views<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    me: &User,
    id: i64,
) -> Result<Vec<HandinView>, PageError> {
    let progress = st.store.cycle_progress(id).await.or_page(ctx)?;
    let open: Vec<_> = progress.data.iter().filter(|d| !d.done).collect();
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let (_, t) = office::cycle_template(&st.store, id).await.or_page(ctx)?;
    let depts = st.store.departments().await.or_page(ctx)?;
    let (owners, _) = kaohe_store::input_owners(&t, &depts);
    let all = office::all_appraisals(&st.store, me, id)
        .await
        .or_page(ctx)?;
    let waiting: Vec<&Appraisal> = all
        .iter()
        .filter(|a| a.state == WState::DataEntry)
        .collect();
    Ok(open
        .into_iter()
        .map(|d| {
            let inputs: Vec<&str> = t
                .inputs
                .iter()
                .zip(&owners)
                .filter(|(_, o)| **o == kaohe_store::Owner::Dept(d.department_id))
                .map(|(i, _)| i.id.as_str())
                .collect();
            let missing = waiting
                .iter()
                .map(|a| {
                    inputs
                        .iter()
                        .filter(|i| a.inputs.get(**i).is_none_or(|v| v.trim().is_empty()))
                        .count()
                })
                .sum();
            HandinView {
                id: d.department_id,
                name: d.department.clone(),
                missing,
                cells: inputs.len() * waiting.len(),
            }
        })
        .collect())
}

/// POST `/hr/cycles/{id}/handin` (`dept`): HR hands a department's data in on its behalf
/// after an import — the clerk's 提交, audited with HR as the actor — refused while any of
/// the department's cells is empty.
pub(super) async fn hr_import_handin<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let (form, me, id) = hr_post(&ctx, &body, &id)?;
    let Some(dept) = form.get("dept").and_then(|d| d.trim().parse::<i64>().ok()) else {
        return Ok(not_found(&ctx));
    };
    let views = handin_views(&st, &ctx, &me, id).await?;
    let Some(v) = views.iter().find(|v| v.id == dept) else {
        let m = text(ctx.lang, "imp-handin-none", &[]);
        return Ok(error_text_page(&ctx, StatusCode::CONFLICT, &m));
    };
    if v.missing > 0 {
        let m = text(
            ctx.lang,
            "imp-handin-missing",
            &[
                ("dept", Arg::Text(v.name.clone())),
                ("count", Arg::Num(v.missing as f64)),
            ],
        );
        return Ok(error_text_page(&ctx, StatusCode::CONFLICT, &m));
    }
    st.store.complete_data(&me, id, dept).await.or_page(&ctx)?;
    Ok(see_other(&format!("/hr/cycles/{id}#data")))
}
