//! HR's cycle pages: the list of cycles with a form to create one, launching, and a cycle's
//! progress (appraisals per state and per department, the data departments' hand-in, who is
//! late) with links to grids, results and the payroll downloads. Counts come from the
//! store's aggregates, so a cycle of 10,000 loads as fast as one of 10.

use super::*;
use kaohe_store::Values;
use kaohe_store::policy::Capability;

/// Cycles listed per page.
const CYCLES_PAGE: i64 = 50;
/// Late tasks listed on a cycle's page (the count says how many there are in all).
const LATE_SHOWN: i64 = 200;

/// Percent-encode a path segment (employee numbers may hold any character).
pub(super) fn seg(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Today (UTC) as `2026-12-06`.
pub(super) fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn pct(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

#[derive(Serialize)]
struct CycleRow {
    id: i64,
    name: String,
    form_id: String,
    version: i64,
    period: String,
    status: String,
    total: i64,
    confirmed: i64,
    pct: i64,
}

#[derive(Serialize)]
struct FormChoice {
    form_id: String,
    title: String,
    version: i64,
}

/// What was typed into the create form, kept when it comes back with errors.
#[derive(Serialize, Default)]
pub(super) struct CycleTyped {
    name: String,
    form_id: String,
    version: String,
    period: String,
    members: String,
    positions: String,
    employees: String,
    data_due: String,
    rating_due: String,
    window: String,
    params: String,
    targets: String,
}

#[derive(serde::Deserialize)]
pub(super) struct ListQuery {
    page: Option<i64>,
}

pub(super) async fn hr_cycles<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Response {
    if let Err(r) = hr_only(&ctx, Capability::ManageCycles) {
        return *r;
    }
    let typed = CycleTyped {
        members: "form".into(),
        window: "72".into(),
        ..Default::default()
    };
    cycles_page(
        &st,
        &ctx,
        q.page.unwrap_or(1),
        StatusCode::OK,
        None,
        typed,
        BTreeMap::new(),
    )
    .await
}

async fn cycles_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    page_no: i64,
    status: StatusCode,
    error: Option<String>,
    typed: CycleTyped,
    errors: BTreeMap<String, String>,
) -> Response {
    let page_no = page_no.max(1);
    let page = kaohe_store::Page {
        offset: (page_no - 1) * CYCLES_PAGE,
        limit: CYCLES_PAGE + 1,
    };
    let mut cycles = match st
        .store
        .cycles(&kaohe_store::policy::Scope::All, page)
        .await
    {
        Ok(c) => c,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let more = cycles.len() as i64 > CYCLES_PAGE;
    cycles.truncate(CYCLES_PAGE as usize);
    let ids: Vec<i64> = cycles.iter().map(|c| c.id).collect();
    let counts = match st.store.cycle_counts(&ids).await {
        Ok(c) => c,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let forms = match st.store.templates().await {
        Ok(t) => t,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let rows: Vec<CycleRow> = cycles
        .into_iter()
        .map(|c| {
            let (total, confirmed) = counts
                .iter()
                .find(|x| x.0 == c.id)
                .map_or((0, 0), |x| (x.1, x.2));
            CycleRow {
                id: c.id,
                name: c.name,
                form_id: c.form_id,
                version: c.template_version,
                period: c.period,
                status: c.status,
                total,
                confirmed,
                pct: pct(confirmed, total),
            }
        })
        .collect();
    let forms: Vec<FormChoice> = forms
        .into_iter()
        .map(|t| FormChoice {
            form_id: t.form_id,
            title: t.title,
            version: t.version,
        })
        .collect();
    render(
        ctx,
        status,
        "hr_cycles.html",
        context! {
            cycles => Serde(rows),
            forms => Serde(forms),
            typed => Serde(typed),
            errors => errors,
            error,
            page => page_no,
            prev => (page_no > 1).then_some(page_no - 1),
            next => more.then_some(page_no + 1),
        },
    )
}

/// Split a list typed with commas (ASCII or Chinese), 、 or new lines.
fn list(s: &str) -> Vec<String> {
    s.split([',', '，', '、', '\n', ';', '；'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// `id=value` pairs separated by new lines or commas.
fn pairs(s: &str) -> Result<Values, String> {
    let mut v = Values::new();
    for p in list(s) {
        let Some((k, val)) = p.split_once(['=', '＝']) else {
            return Err(p);
        };
        let (k, val) = (k.trim(), val.trim());
        if k.is_empty() || val.is_empty() {
            return Err(p);
        }
        v.insert(k.to_string(), val.to_string());
    }
    Ok(v)
}

/// The field of the create form a store complaint belongs to.
fn form_field(key: &str) -> &'static str {
    match key {
        "name" => "name",
        "form_id" => "form_id",
        "period" => "period",
        "confirm_window_hours" => "window",
        "data_due" => "data_due",
        "rating_due" => "rating_due",
        k if k.starts_with("params") => "params",
        k if k.starts_with("targets") => "targets",
        k if k.starts_with("members") || k.starts_with("positions") => "members",
        _ => "general",
    }
}

/// What a cycle form (create, or edit a draft) was filled in with: the typed fields, the
/// cycle when they read, and the errors by field; or the page to answer with.
async fn read_cycle_form<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    form: &Form,
) -> Result<
    (
        CycleTyped,
        Option<kaohe_store::NewCycle>,
        BTreeMap<String, String>,
    ),
    Box<Response>,
> {
    let f = |k: &str| form.get(k).unwrap_or_default().trim().to_string();
    let typed = CycleTyped {
        name: f("name"),
        form_id: f("form_id"),
        version: f("version"),
        period: f("period"),
        members: f("members"),
        positions: f("positions"),
        employees: f("employees"),
        data_due: f("data_due"),
        rating_due: f("rating_due"),
        window: f("window"),
        params: form.get("params").unwrap_or_default().to_string(),
        targets: form.get("targets").unwrap_or_default().to_string(),
    };
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let msg = |key: &str, args: &[(&str, Arg)]| text(ctx.lang, key, args);
    let version = if typed.version.is_empty() {
        None
    } else {
        match typed.version.parse::<i64>() {
            Ok(v) if v > 0 => Some(v),
            _ => {
                errors.insert("version".into(), msg("hrc-err-version", &[]));
                None
            }
        }
    };
    let window = if typed.window.is_empty() {
        72
    } else {
        typed.window.parse::<i64>().unwrap_or_else(|_| {
            errors.insert("window".into(), msg("hrc-err-window", &[]));
            72
        })
    };
    let params = pairs(&typed.params).unwrap_or_else(|bad| {
        errors.insert(
            "params".into(),
            msg("hrc-err-pair", &[("line", Arg::Text(bad))]),
        );
        Values::new()
    });
    let mut targets = Vec::new();
    for line in typed
        .targets
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let Some((who, vals)) = line.split_once([':', '：']) else {
            errors.insert(
                "targets".into(),
                msg("hrc-err-target", &[("line", Arg::Text(line.into()))]),
            );
            continue;
        };
        let who = who.trim();
        let values = match pairs(vals) {
            Ok(v) => v,
            Err(bad) => {
                errors.insert(
                    "targets".into(),
                    msg("hrc-err-pair", &[("line", Arg::Text(bad))]),
                );
                continue;
            }
        };
        let is_emp = match st.store.employee(who).await {
            Ok(e) => e.is_some(),
            Err(e) => return Err(Box::new(server_error(ctx.lang, &e.to_string()))),
        };
        targets.push(kaohe_store::TargetSet {
            position: (!is_emp).then(|| who.to_string()),
            emp_no: is_emp.then(|| who.to_string()),
            values,
        });
    }
    let mut members = kaohe_store::Members::default();
    match typed.members.as_str() {
        "positions" => {
            members.positions = list(&typed.positions);
            if members.positions.is_empty() {
                errors.insert("members".into(), msg("hrc-err-positions", &[]));
            }
        }
        "employees" => {
            members.employees = list(&typed.employees);
            if members.employees.is_empty() {
                errors.insert("members".into(), msg("hrc-err-employees", &[]));
            }
        }
        "all" => {
            let mut offset = 0;
            loop {
                let page = kaohe_store::Page {
                    offset,
                    limit: 1000,
                };
                let got = match st
                    .store
                    .employees(&kaohe_store::policy::Scope::All, page)
                    .await
                {
                    Ok(e) => e,
                    Err(e) => return Err(Box::new(server_error(ctx.lang, &e.to_string()))),
                };
                let n = got.len() as i64;
                members
                    .employees
                    .extend(got.into_iter().filter(|e| e.active).map(|e| e.emp_no));
                if n < 1000 {
                    break;
                }
                offset += n;
            }
        }
        _ => {}
    }
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let n = errors.is_empty().then(|| kaohe_store::NewCycle {
        name: typed.name.clone(),
        form_id: typed.form_id.clone(),
        template_version: version,
        period: typed.period.clone(),
        params,
        targets,
        members,
        data_due: opt(&typed.data_due),
        rating_due: opt(&typed.rating_due),
        confirm_window_hours: window,
    });
    Ok((typed, n, errors))
}

/// A store refusal of a cycle form put next to its fields; an internal error is the
/// page to answer with.
fn refusal_to_fields(
    ctx: &Ctx,
    e: StoreError,
    errors: &mut BTreeMap<String, String>,
) -> Option<Response> {
    match e {
        e if is_internal(&e) => return Some(server_error(ctx.lang, &e.to_string())),
        StoreError::Fields(f) => {
            for (k, m) in f {
                let field = form_field(&k).to_string();
                let m = in_lang(ctx.lang, &m);
                errors
                    .entry(field)
                    .and_modify(|x| {
                        x.push_str("; ");
                        x.push_str(&m);
                    })
                    .or_insert(m);
            }
        }
        e => {
            let (_, m) = store_refusal(ctx.lang, &e);
            errors.insert("general".into(), m);
        }
    }
    None
}

pub(super) async fn hr_cycle_create<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if !form.csrf_ok(&ctx) {
        return csrf_refused(&ctx);
    }
    let me = match hr_only(&ctx, Capability::ManageCycles) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    ctx.path = "/hr/cycles".into();
    let (typed, n, mut errors) = match read_cycle_form(&st, &ctx, &form).await {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if let Some(n) = n {
        match st.store.create_cycle(&me.username, &n).await {
            Ok(c) => return see_other(&format!("/hr/cycles/{}", c.id)),
            Err(e) => {
                if let Some(r) = refusal_to_fields(&ctx, e, &mut errors) {
                    return r;
                }
            }
        }
    }
    let error = Some(text(ctx.lang, "hrc-create-failed", &[]));
    cycles_page(
        &st,
        &ctx,
        1,
        StatusCode::UNPROCESSABLE_ENTITY,
        error,
        typed,
        errors,
    )
    .await
}

/// The edit form of a draft, filled in from the stored cycle, items by the names the
/// sheet shows.
async fn typed_from<S: Store>(st: &AppState<S>, c: &kaohe_store::Cycle) -> CycleTyped {
    let t = st
        .store
        .template(&c.form_id, Some(c.template_version))
        .await
        .ok()
        .flatten()
        .and_then(|tv| kaohe_core::compile_str(&tv.source).ok());
    let name = |id: &str| -> String {
        t.as_ref()
            .and_then(|t| {
                t.inputs
                    .iter()
                    .find(|i| i.id == id)
                    .map(|i| i.name.clone())
                    .or_else(|| t.params.iter().find(|p| p.id == id).map(|p| p.name.clone()))
            })
            .unwrap_or_else(|| id.to_string())
    };
    let vals = |v: &Values| {
        v.iter()
            .map(|(k, x)| format!("{}={x}", name(k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let members = if !c.members.employees.is_empty() {
        "employees"
    } else if !c.members.positions.is_empty() {
        "positions"
    } else {
        "form"
    };
    let date = |d: &Option<String>| {
        d.as_deref()
            .map(|d| d.chars().take(10).collect())
            .unwrap_or_default()
    };
    CycleTyped {
        name: c.name.clone(),
        form_id: c.form_id.clone(),
        version: c.template_version.to_string(),
        period: c.period.clone(),
        members: members.into(),
        positions: c.members.positions.join(", "),
        employees: c.members.employees.join(", "),
        data_due: date(&c.data_due),
        rating_due: date(&c.rating_due),
        window: c.confirm_window_hours.to_string(),
        params: c
            .params
            .iter()
            .map(|(k, x)| format!("{}={x}", name(k)))
            .collect::<Vec<_>>()
            .join("\n"),
        targets: c
            .targets
            .iter()
            .map(|ts| {
                format!(
                    "{}: {}",
                    ts.position
                        .as_deref()
                        .or(ts.emp_no.as_deref())
                        .unwrap_or_default(),
                    vals(&ts.values)
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Before launching a draft: who will be appraised and the bonus base total, with the
/// button that launches; or, at `/delete`, the step before deleting a draft.
pub(super) async fn hr_cycle_confirm<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path((id, kind)): Path<(String, String)>,
) -> Response {
    if let Err(r) = hr_only(&ctx, Capability::ManageCycles) {
        return *r;
    }
    let Ok(id) = id.parse::<i64>() else {
        return not_found(&ctx);
    };
    if kind != "launch" && kind != "delete" {
        return not_found(&ctx);
    }
    let c = match st.store.cycle(id).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => return not_found(&ctx),
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    if c.status != "draft" {
        return see_other(&format!("/hr/cycles/{id}"));
    }
    let cy = context! {
        id => c.id,
        name => c.name,
        form_id => c.form_id,
        version => c.template_version,
        period => c.period,
    };
    if kind == "delete" {
        return render(
            &ctx,
            StatusCode::OK,
            "hr_cycle_confirm.html",
            context! { kind, c => cy },
        );
    }
    match st.store.launch_preview(id).await {
        Ok(p) => {
            let has_base = p.members.iter().any(|m| m.bonus_base.is_some());
            render(
                &ctx,
                StatusCode::OK,
                "hr_cycle_confirm.html",
                context! {
                    kind,
                    c => cy,
                    count => p.members.len(),
                    total => p.bonus_base_total,
                    has_base,
                    members => Serde(p.members),
                },
            )
        }
        Err(e) if is_internal(&e) => server_error(ctx.lang, &e.to_string()),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
            cycle_page(&st, &ctx, id, status, Some(m)).await
        }
    }
}

#[derive(Serialize)]
struct Bar {
    key: String,
    label: String,
    count: i64,
    pct: i64,
}

#[derive(Serialize)]
struct DeptRow {
    id: i64,
    name: String,
    total: i64,
    published: i64,
    confirmed: i64,
    pct: i64,
}

#[derive(Serialize)]
struct DataRow {
    id: i64,
    name: String,
    done: bool,
    due: Option<String>,
    done_at: Option<String>,
    done_by: Option<String>,
}

#[derive(Serialize)]
struct LateRow {
    kind: String,
    who: String,
    department: String,
    appraisee: String,
    appraisal_id: Option<i64>,
    due: String,
    days: i64,
}

pub(super) async fn hr_cycle<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = hr_only(&ctx, Capability::ManageCycles) {
        return *r;
    }
    let Ok(id) = id.parse::<i64>() else {
        return not_found(&ctx);
    };
    cycle_page(&st, &ctx, id, StatusCode::OK, None).await
}

pub(super) async fn cycle_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    cycle_page_with(st, ctx, id, status, error, None, BTreeMap::new()).await
}

/// A cycle's page; a draft's with its edit form (`typed` as typed when it came back with
/// `errors`, else from the stored cycle).
async fn cycle_page_with<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    error: Option<String>,
    typed: Option<CycleTyped>,
    errors: BTreeMap<String, String>,
) -> Response {
    let c = match st.store.cycle(id).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => return not_found(ctx),
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let (typed, forms) = if c.status == "draft" {
        let typed = match typed {
            Some(t) => t,
            None => typed_from(st, &c).await,
        };
        let forms: Vec<FormChoice> = match st.store.templates().await {
            Ok(t) => t
                .into_iter()
                .map(|t| FormChoice {
                    form_id: t.form_id,
                    title: t.title,
                    version: t.version,
                })
                .collect(),
            Err(e) => return server_error(ctx.lang, &e.to_string()),
        };
        (Some(typed), forms)
    } else {
        (None, Vec::new())
    };
    let p = match st.store.cycle_progress(id).await {
        Ok(p) => p,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let late = match st.store.late_tasks(id, &today(), LATE_SHOWN).await {
        Ok(l) => l,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let states: Vec<Bar> = p
        .by_state
        .iter()
        .map(|(s, n)| Bar {
            key: s.as_str().into(),
            label: text(ctx.lang, &format!("state-{}", s.as_str()), &[]),
            count: *n,
            pct: pct(*n, p.total),
        })
        .collect();
    let depts: Vec<DeptRow> = p
        .departments
        .iter()
        .map(|d| DeptRow {
            id: d.department_id,
            name: d.department.clone(),
            total: d.total,
            published: d.published,
            confirmed: d.confirmed,
            pct: pct(d.confirmed, d.total),
        })
        .collect();
    let data: Vec<DataRow> = p
        .data
        .iter()
        .map(|d| DataRow {
            id: d.department_id,
            name: d.department.clone(),
            done: d.done,
            due: d.due.as_deref().map(short_time),
            done_at: d.done_at.as_deref().map(short_time),
            done_by: d.done_by.clone(),
        })
        .collect();
    let data_done = p.data.iter().filter(|d| d.done).count();
    let late_rows: Vec<LateRow> = late
        .tasks
        .iter()
        .map(|t| {
            let who = match (&t.assignee, &t.department) {
                (Some(n), _) => match &t.assignee_no {
                    Some(no) => format!("{n} ({no})"),
                    None => n.clone(),
                },
                (None, Some(d)) => d.clone(),
                (None, None) => text(ctx.lang, "hrc-late-hr", &[]),
            };
            LateRow {
                kind: t.kind.clone(),
                who,
                department: t.department.clone().unwrap_or_default(),
                appraisee: match (&t.appraisee, &t.appraisee_no) {
                    (Some(n), Some(no)) => format!("{n} ({no})"),
                    _ => String::new(),
                },
                appraisal_id: t.appraisal_id,
                due: short_time(&t.due),
                days: t.days_late,
            }
        })
        .collect();
    render(
        ctx,
        status,
        "hr_cycle.html",
        context! {
            c => context! {
                id => c.id,
                name => c.name,
                form_id => c.form_id,
                version => c.template_version,
                period => c.period,
                status => c.status,
                data_due => c.data_due.as_deref().map(short_time),
                rating_due => c.rating_due.as_deref().map(short_time),
                window => c.confirm_window_hours,
                created_by => c.created_by,
                created_at => short_time(&c.created_at),
                launched_at => c.launched_at.as_deref().map(short_time),
                cancel_reason => c.cancel_reason,
            },
            typed => Serde(typed),
            forms => Serde(forms),
            errors => errors,
            total => p.total,
            states => Serde(states),
            depts => Serde(depts),
            data => Serde(data),
            data_done,
            late => Serde(late_rows),
            late_total => late.total,
            late_more => late.total > late.tasks.len() as i64,
            error,
        },
    )
}

/// What HR does on a cycle's page (`action`): `launch`, `score`, `update` (the edit form
/// of a draft), `delete` (a draft), `copy` (to the next period, opening the copy),
/// `cancel` (with `reason`).
pub(super) async fn hr_cycle_post<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let (form, me, id) = match hr_post(&ctx, &body, &id) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    ctx.path = format!("/hr/cycles/{id}");
    let here = format!("/hr/cycles/{id}");
    let done = match form.get("action") {
        Some("launch") => st.store.launch_cycle(&me.username, id).await.map(|_| here),
        Some("score") => st.store.score_cycle(&me.username, id).await.map(|_| here),
        Some("delete") => st
            .store
            .delete_cycle(&me.username, id)
            .await
            .map(|_| "/hr/cycles".to_string()),
        Some("copy") => st
            .store
            .copy_cycle(&me.username, id)
            .await
            .map(|c| format!("/hr/cycles/{}#edit", c.id)),
        Some("cancel") => {
            let reason = form.get("reason").unwrap_or_default().trim().to_string();
            if reason.is_empty() {
                let errors = BTreeMap::from([(
                    "reason".to_string(),
                    in_lang(ctx.lang, "请写明取消原因 / give the reason for cancelling"),
                )]);
                let m = text(
                    ctx.lang,
                    "action-failed",
                    &[("reason", Arg::Text(errors["reason"].clone()))],
                );
                return cycle_page_with(
                    &st,
                    &ctx,
                    id,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(m),
                    None,
                    errors,
                )
                .await;
            }
            st.store
                .cancel_cycle(&me.username, id, &reason)
                .await
                .map(|_| here)
        }
        Some("update") => {
            let (typed, n, mut errors) = match read_cycle_form(&st, &ctx, &form).await {
                Ok(x) => x,
                Err(r) => return *r,
            };
            if let Some(n) = n {
                match st.store.update_cycle(&me.username, id, &n).await {
                    Ok(_) => return see_other(&here),
                    Err(StoreError::NotFound { .. }) => return not_found(&ctx),
                    Err(e) => {
                        if let Some(r) = refusal_to_fields(&ctx, e, &mut errors) {
                            return r;
                        }
                    }
                }
            }
            let error = Some(text(ctx.lang, "hrc-update-failed", &[]));
            return cycle_page_with(
                &st,
                &ctx,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                error,
                Some(typed),
                errors,
            )
            .await;
        }
        _ => {
            let m = text(ctx.lang, "action-unknown", &[]);
            return cycle_page(&st, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(m)).await;
        }
    };
    match done {
        Ok(to) => see_other(&to),
        Err(StoreError::NotFound { .. }) => not_found(&ctx),
        Err(e) if is_internal(&e) => server_error(ctx.lang, &e.to_string()),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
            cycle_page(&st, &ctx, id, status, Some(m)).await
        }
    }
}
