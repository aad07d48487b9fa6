//! HR's results pages: a cycle's results sorted, filtered and paged by the database, the
//! grade distribution as a bar chart and checked against the cycle's quotas; the appeals
//! queue with uphold and reopen; an employee's 12 months with a trend chart (the same chart
//! is on the employee's own ledger). Charts are inline SVG laid out here and drawn by
//! `hr_charts.html`, so every label is escaped by the template.

use super::hr_cycles::seg;
use super::*;
use kaohe_store::policy::Capability;

/// Result rows per page.
pub(super) const RESULTS_PAGE: i64 = 100;
/// Appeals listed per page.
const APPEALS_PAGE: i64 = 50;

/// The columns of the results table, in order: (sort key, message key, numeric).
const COLUMNS: [(&str, &str, bool); 8] = [
    ("emp_no", "sheet-emp-no", false),
    ("name", "sheet-name", false),
    ("department", "hrr-col-department", false),
    ("group", "hrr-col-group", false),
    ("total", "hrr-col-total", true),
    ("grade", "hrr-col-grade", false),
    ("bonus", "hrr-col-bonus", true),
    ("rank", "hrr-col-rank", true),
];

#[derive(serde::Deserialize)]
pub(super) struct ResultsQuery {
    pub(super) sort: Option<String>,
    pub(super) dir: Option<String>,
    pub(super) dept: Option<String>,
    pub(super) page: Option<i64>,
}

#[derive(Serialize)]
pub(super) struct Header {
    label_key: &'static str,
    href: String,
    /// `ascending` / `descending` when the table is sorted by it.
    sorted: Option<&'static str>,
    num: bool,
}

#[derive(Serialize)]
pub(super) struct ResultLine {
    appraisal_id: i64,
    emp_no: String,
    /// The employee's page (HR's only).
    emp_href: Option<String>,
    name: String,
    department: String,
    group: String,
    state: &'static str,
    total: Option<String>,
    grade: Option<String>,
    bonus: Option<String>,
    rank: Option<u32>,
}

/// The sortable headers and the rows of a results table: HR's page (`hr`: 工号 links to
/// the employee's page) and a reviewer's or approver's page of their departments.
pub(super) fn results_table(
    rows: Vec<kaohe_store::ResultRow>,
    sort: kaohe_store::ResultSort,
    desc: bool,
    dept: Option<i64>,
    hr: bool,
) -> (Vec<Header>, Vec<ResultLine>) {
    let dept_q = dept.map(|d| format!("&dept={d}")).unwrap_or_default();
    let headers = COLUMNS
        .iter()
        .map(|(key, label, num)| {
            let here = sort.as_str() == *key;
            // A first click sorts numbers high to low, text A to Z; a second click flips.
            let next_desc = if here { !desc } else { *num };
            Header {
                label_key: label,
                href: format!(
                    "?sort={key}&dir={}{dept_q}",
                    if next_desc { "desc" } else { "asc" }
                ),
                sorted: here.then_some(if desc { "descending" } else { "ascending" }),
                num: *num,
            }
        })
        .collect();
    let lines = rows
        .into_iter()
        .map(|r| ResultLine {
            appraisal_id: r.appraisal_id,
            emp_href: hr.then(|| format!("/hr/employees/{}", seg(&r.emp_no))),
            emp_no: r.emp_no,
            name: r.name,
            department: r.department,
            group: r.group,
            state: r.state.as_str(),
            total: r.total,
            grade: r.grade,
            bonus: r.bonus,
            rank: r.rank,
        })
        .collect();
    (headers, lines)
}

/// A bar chart laid out for `hr_charts.html`.
#[derive(Serialize)]
pub(super) struct BarChart {
    title: String,
    width: i64,
    height: i64,
    base: i64,
    bars: Vec<ChartBar>,
}

#[derive(Serialize)]
struct ChartBar {
    label: String,
    value: String,
    tip: String,
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    cx: i64,
    warn: bool,
}

/// Bars for (label, count, flagged), scaled to the largest.
fn bar_chart(title: String, data: &[(String, i64, bool)], total: i64) -> BarChart {
    let (height, top, bottom) = (220, 24, 40);
    let base = height - bottom;
    let slot = 72;
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    let bars = data
        .iter()
        .enumerate()
        .map(|(i, (label, n, warn))| {
            let h = n * (base - top) / max;
            let x = 40 + i as i64 * slot;
            let share = if total > 0 { n * 100 / total } else { 0 };
            ChartBar {
                label: label.clone(),
                value: n.to_string(),
                tip: format!("{label}: {n} ({share}%)"),
                x: x + 12,
                y: base - h,
                w: slot - 24,
                h,
                cx: x + slot / 2,
                warn: *warn,
            }
        })
        .collect();
    BarChart {
        title,
        width: 80 + data.len().max(1) as i64 * slot,
        height,
        base,
        bars,
    }
}

/// A line chart of score and bonus per period, laid out for `hr_charts.html`.
#[derive(Serialize)]
pub(super) struct LineChart {
    title: String,
    width: i64,
    height: i64,
    left: i64,
    right: i64,
    top: i64,
    base: i64,
    series: Vec<Series>,
    xlabels: Vec<Tick>,
    left_ticks: Vec<Tick>,
    right_ticks: Vec<Tick>,
    left_label: String,
    right_label: String,
}

#[derive(Serialize)]
struct Series {
    name: String,
    class: &'static str,
    path: String,
    points: Vec<Point>,
}

#[derive(Serialize)]
struct Point {
    x: i64,
    y: i64,
    tip: String,
}

#[derive(Serialize)]
struct Tick {
    at: i64,
    label: String,
}

/// Ticks from 0 to a round maximum at or above `max`.
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 {
        return 100.0;
    }
    let mag = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * mag >= max {
            return step * mag;
        }
    }
    10.0 * mag
}

/// The trend of `rows` (period, total, bonus), oldest first.
pub(super) fn trend_chart(
    lang: Lang,
    rows: &[(String, Option<String>, Option<String>)],
) -> LineChart {
    let (width, height, left, right, top, bottom) = (640, 260, 56, 72, 24, 48);
    let base = height - bottom;
    let plot_w = width - left - right;
    let n = rows.len() as i64;
    let x_at = |i: i64| {
        if n <= 1 {
            left + plot_w / 2
        } else {
            left + i * plot_w / (n - 1)
        }
    };
    let num = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<f64>().ok());
    let max_total = nice_max(
        rows.iter()
            .filter_map(|r| num(&r.1))
            .fold(0.0, f64::max)
            .max(100.0),
    );
    let max_bonus = nice_max(rows.iter().filter_map(|r| num(&r.2)).fold(0.0, f64::max));
    let y_of = |v: f64, max: f64| base - ((v.max(0.0) / max) * (base - top) as f64).round() as i64;
    let score_name = text(lang, "trend-score", &[]);
    let bonus_name = text(lang, "trend-bonus", &[]);
    let mut series = Vec::new();
    for (k, (name, class, max)) in [
        (score_name.clone(), "score", max_total),
        (bonus_name.clone(), "bonus", max_bonus),
    ]
    .into_iter()
    .enumerate()
    {
        let points: Vec<Point> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let v = if k == 0 { &r.1 } else { &r.2 };
                let f = num(v)?;
                Some(Point {
                    x: x_at(i as i64),
                    y: y_of(f, max),
                    tip: format!("{} {name}: {}", r.0, v.as_deref().unwrap_or_default()),
                })
            })
            .collect();
        let path = points
            .iter()
            .map(|p| format!("{},{}", p.x, p.y))
            .collect::<Vec<_>>()
            .join(" ");
        series.push(Series {
            name,
            class,
            path,
            points,
        });
    }
    let ticks = |max: f64| {
        (0..=4)
            .map(|i| {
                let v = max * i as f64 / 4.0;
                Tick {
                    at: y_of(v, max),
                    label: if v.fract() == 0.0 {
                        format!("{v:.0}")
                    } else {
                        format!("{v:.1}")
                    },
                }
            })
            .collect::<Vec<_>>()
    };
    LineChart {
        title: text(lang, "trend-title", &[]),
        width,
        height,
        left,
        right: width - right,
        top,
        base,
        xlabels: rows
            .iter()
            .enumerate()
            .map(|(i, r)| Tick {
                at: x_at(i as i64),
                label: r.0.clone(),
            })
            .collect(),
        left_ticks: ticks(max_total),
        right_ticks: ticks(max_bonus),
        left_label: score_name,
        right_label: bonus_name,
        series,
    }
}

/// The form's grade names (or the cycle's bands), in order (best first).
async fn form_grades<S: Store>(st: &AppState<S>, c: &Cycle) -> Result<Vec<String>, String> {
    match st.store.cycle_form(c.id).await {
        Ok((_, t)) => Ok(t.grades.iter().map(|g| g.name.clone()).collect()),
        Err(e) => Err(e.to_string()),
    }
}

#[derive(Serialize)]
struct QuotaLine {
    n: usize,
    grade: String,
    count: i64,
    share: String,
    max: String,
    min: String,
    over: bool,
    under: bool,
    max_error: Option<String>,
    min_error: Option<String>,
}

pub(super) async fn hr_results<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ResultsQuery>,
) -> PageResult {
    hr_only(&ctx, Capability::ManageCycles)?;
    let id = path_id(&ctx, &id)?;
    results_page(&st, &ctx, id, q, StatusCode::OK, None, None).await
}

async fn results_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    q: ResultsQuery,
    status: StatusCode,
    error: Option<String>,
    typed: Option<(Vec<kaohe_store::GradeQuota>, BTreeMap<String, String>)>,
) -> PageResult {
    results_page_with(st, ctx, id, q, status, error, typed, None).await
}

/// [`results_page`] with the grade bands as HR typed them (when they were refused).
#[allow(clippy::too_many_arguments)]
async fn results_page_with<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    q: ResultsQuery,
    status: StatusCode,
    error: Option<String>,
    typed: Option<(Vec<kaohe_store::GradeQuota>, BTreeMap<String, String>)>,
    typed_bands: Option<String>,
) -> PageResult {
    let c = match st.store.cycle(id).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => return Ok(not_found(ctx)),
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    };
    let sort = q
        .sort
        .as_deref()
        .and_then(kaohe_store::ResultSort::parse)
        .unwrap_or_default();
    let desc = q.dir.as_deref() == Some("desc");
    let dept = q.dept.as_deref().and_then(|d| d.parse::<i64>().ok());
    let page_no = q.page.unwrap_or(1).max(1);
    let rq = kaohe_store::ResultQuery {
        department_id: dept,
        within: None,
        sort,
        desc,
        page: kaohe_store::Page {
            offset: (page_no - 1) * RESULTS_PAGE,
            limit: RESULTS_PAGE,
        },
    };
    let slice = st.store.results_page(id, &rq).await.or_page(ctx)?;
    let given = st.store.grade_counts(id).await.or_page(ctx)?;
    let departments = st.store.departments().await.or_page(ctx)?;
    let stored = st.store.grade_quotas(id).await.or_page(ctx)?;
    let grades = match form_grades(st, &c).await {
        Ok(g) => g,
        Err(e) => return Ok(server_error(ctx.lang, &e)),
    };
    let (quotas, quota_errors) = typed.unwrap_or((stored.clone(), BTreeMap::new()));
    let checks = kaohe_store::check_quotas(&grades, &given, &stored);
    let graded: i64 = given.iter().map(|g| g.1).sum();
    let violations: Vec<String> = checks
        .iter()
        .filter(|c| c.over || c.under)
        .map(|q| {
            let (key, limit) = if q.over {
                ("hrr-quota-over", q.max_pct.clone().unwrap_or_default())
            } else {
                ("hrr-quota-under", q.min_pct.clone().unwrap_or_default())
            };
            text(
                ctx.lang,
                key,
                &[
                    ("grade", Arg::Text(q.grade.clone())),
                    ("count", Arg::Num(q.count as f64)),
                    ("share", Arg::Text(q.share.clone())),
                    ("limit", Arg::Text(limit)),
                ],
            )
        })
        .collect();
    // The same quotas within each group (or department).
    let mut violations = violations;
    if !stored.is_empty() {
        let rows = st.store.results(id).await.or_page(ctx)?;
        for (group, checks) in kaohe_store::check_quotas_by_group(&grades, &rows, &stored) {
            for q in checks.iter().filter(|c| c.over || c.under) {
                let (key, limit) = if q.over {
                    (
                        "hrr-quota-group-over",
                        q.max_pct.clone().unwrap_or_default(),
                    )
                } else {
                    (
                        "hrr-quota-group-under",
                        q.min_pct.clone().unwrap_or_default(),
                    )
                };
                violations.push(text(
                    ctx.lang,
                    key,
                    &[
                        ("group", Arg::Text(group.clone())),
                        ("grade", Arg::Text(q.grade.clone())),
                        ("count", Arg::Num(q.count as f64)),
                        ("share", Arg::Text(q.share.clone())),
                        ("limit", Arg::Text(limit)),
                    ],
                ));
            }
        }
    }
    let lines: Vec<QuotaLine> = checks
        .iter()
        .enumerate()
        .map(|(n, k)| {
            let typed = quotas.iter().find(|q| q.grade == k.grade);
            QuotaLine {
                n,
                grade: k.grade.clone(),
                count: k.count,
                share: k.share.clone(),
                max: typed.and_then(|q| q.max_pct.clone()).unwrap_or_default(),
                min: typed.and_then(|q| q.min_pct.clone()).unwrap_or_default(),
                over: k.over,
                under: k.under,
                max_error: quota_errors
                    .get(&format!("quotas.{}.max", k.grade))
                    .cloned(),
                min_error: quota_errors
                    .get(&format!("quotas.{}.min", k.grade))
                    .cloned(),
            }
        })
        .collect();
    let chart_data: Vec<(String, i64, bool)> = checks
        .iter()
        .map(|k| (k.grade.clone(), k.count, k.over || k.under))
        .collect();
    let chart = (!chart_data.is_empty()).then(|| {
        bar_chart(
            text(
                ctx.lang,
                "hrr-chart-title",
                &[("count", Arg::Num(graded as f64))],
            ),
            &chart_data,
            graded,
        )
    });
    let dept_q = dept.map(|d| format!("&dept={d}")).unwrap_or_default();
    let (headers, rows) = results_table(slice.rows, sort, desc, dept, true);
    let pages = (slice.total_rows + RESULTS_PAGE - 1) / RESULTS_PAGE;
    let keep = format!(
        "sort={}&dir={}{dept_q}",
        sort.as_str(),
        if desc { "desc" } else { "asc" }
    );
    let depts: Vec<Value> = departments
        .iter()
        .map(|d| context! { id => d.id, name => d.name.clone(), selected => Some(d.id) == dept })
        .collect();
    // Grade bands the cycle gives (its form has none): what HR typed, or what is set.
    let own_grades = !grades.is_empty() && c.grades.is_empty();
    let bands_text = typed_bands.clone().unwrap_or_else(|| {
        c.grades
            .iter()
            .map(|b| match &b.min {
                Some(m) => format!("{} ≥ {m}", b.name),
                None => b.name.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let form = match form_names(st, ctx.lang, vec![c.form_id.clone()]).await {
        Ok(mut n) => n.remove(&c.form_id).unwrap_or_default(),
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    };
    Ok(render(
        ctx,
        status,
        "hr_results.html",
        context! {
            own_grades,
            bands_text,
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
            chart => Serde(chart),
            quotas => Serde(lines),
            has_grades => !grades.is_empty(),
            violations,
            graded,
            error,
        },
    ))
}

/// Save a cycle's quotas from the results page.
pub(super) async fn hr_quotas<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let (form, me, id) = match hr_post(&ctx, &body, &id) {
        Ok(x) => x,
        Err(r) => return Ok(*r),
    };
    ctx.path = format!("/hr/cycles/{id}/results");
    let mut quotas = Vec::new();
    for n in 0..1000 {
        let Some(grade) = form.get(&format!("grade.{n}")) else {
            break;
        };
        let v = |k: &str| {
            form.get(&format!("{k}.{n}"))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        quotas.push(kaohe_store::GradeQuota {
            grade: grade.to_string(),
            max_pct: v("max"),
            min_pct: v("min"),
        });
    }
    let q = ResultsQuery {
        sort: None,
        dir: None,
        dept: None,
        page: None,
    };
    match st.store.set_grade_quotas(&me.username, id, &quotas).await {
        Ok(_) => Ok(see_other(&format!("/hr/cycles/{id}/results#quotas"))),
        Err(StoreError::NotFound { .. }) => Ok(not_found(&ctx)),
        Err(e) if is_internal(&e) => Ok(server_error(ctx.lang, &e.to_string())),
        Err(StoreError::Fields(f)) => {
            let errors = f
                .into_iter()
                .map(|(k, m)| (k, in_lang(ctx.lang, &m)))
                .collect();
            let m = text(ctx.lang, "hrr-quota-failed", &[]);
            results_page(
                &st,
                &ctx,
                id,
                q,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(m),
                Some((quotas, errors)),
            )
            .await
        }
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            results_page(&st, &ctx, id, q, status, Some(m), None).await
        }
    }
}

/// POST `/hr/cycles/{id}/grades`: grade bands for a cycle whose form has none.
pub(super) async fn hr_grades<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let (form, me, id) = match hr_post(&ctx, &body, &id) {
        Ok(x) => x,
        Err(r) => return Ok(*r),
    };
    ctx.path = format!("/hr/cycles/{id}/results");
    let typed = form.get("grades").unwrap_or_default().to_string();
    let q = ResultsQuery {
        sort: None,
        dir: None,
        dept: None,
        page: None,
    };
    let refused = |status, m: String| {
        let m = text(ctx.lang, "hrr-grades-failed", &[("reason", Arg::Text(m))]);
        (status, m)
    };
    let bands = match kaohe_store::parse_grade_bands(&typed) {
        Ok(b) => b,
        Err(m) => {
            let (status, m) = refused(StatusCode::UNPROCESSABLE_ENTITY, in_lang(ctx.lang, &m));
            return results_page_with(&st, &ctx, id, q, status, Some(m), None, Some(typed)).await;
        }
    };
    match st.store.set_cycle_grades(&me.username, id, &bands).await {
        Ok(_) => Ok(see_other(&format!("/hr/cycles/{id}/results#distribution"))),
        Err(StoreError::NotFound { .. }) => Ok(not_found(&ctx)),
        Err(e) if is_internal(&e) => Ok(server_error(ctx.lang, &e.to_string())),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            let (status, m) = refused(status, m);
            results_page_with(&st, &ctx, id, q, status, Some(m), None, Some(typed)).await
        }
    }
}

#[derive(Serialize)]
struct AppealView {
    id: i64,
    version: i64,
    cycle_id: i64,
    cycle: String,
    /// The form by its sheet name.
    form: String,
    period: String,
    emp_no: String,
    emp_href: String,
    name: String,
    department: String,
    total: Option<String>,
    grade: Option<String>,
    reason: String,
    at: String,
    items: Vec<(String, String)>,
    error: Option<String>,
    reason_error: Option<String>,
    typed_reason: String,
}

#[derive(serde::Deserialize)]
pub(super) struct PageQuery {
    page: Option<i64>,
}

pub(super) async fn hr_appeals<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> PageResult {
    hr_only(&ctx, Capability::ManageCycles)?;
    appeals_page(&st, &ctx, q.page.unwrap_or(1), StatusCode::OK, None).await
}

/// The failed decision: (appraisal, message, reason error, the reason typed).
type Failed = (i64, String, Option<String>, String);

async fn appeals_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    page_no: i64,
    status: StatusCode,
    failed: Option<Failed>,
) -> PageResult {
    let page_no = page_no.max(1);
    let page = kaohe_store::Page {
        offset: (page_no - 1) * APPEALS_PAGE,
        limit: APPEALS_PAGE + 1,
    };
    let mut list = st.store.appeals(page).await.or_page(ctx)?;
    let more = list.len() as i64 > APPEALS_PAGE;
    list.truncate(APPEALS_PAGE as usize);
    let mut forms: BTreeMap<i64, String> = BTreeMap::new();
    for a in &list {
        if let std::collections::btree_map::Entry::Vacant(v) = forms.entry(a.cycle_id) {
            match st.store.cycle(a.cycle_id).await {
                Ok(c) => v.insert(c.form_id),
                Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
            };
        }
    }
    let names = form_names(st, ctx.lang, forms.values().cloned().collect())
        .await
        .or_page(ctx)?;
    // A decision refused on a sheet the list does not show (no longer appealed, or never)
    // is said at the top: otherwise nothing would say it.
    let error = match failed.as_ref() {
        Some(f) if !list.iter().any(|a| a.appraisal_id == f.0) => Some(f.1.clone()),
        _ => None,
    };
    let rows: Vec<AppealView> = list
        .into_iter()
        .map(|a| {
            let mine = failed.as_ref().filter(|f| f.0 == a.appraisal_id);
            AppealView {
                id: a.appraisal_id,
                version: a.version,
                cycle_id: a.cycle_id,
                form: forms
                    .get(&a.cycle_id)
                    .and_then(|f| names.get(f))
                    .cloned()
                    .unwrap_or_default(),
                cycle: a.cycle,
                period: a.period,
                emp_href: format!("/hr/employees/{}", seg(&a.emp_no)),
                emp_no: a.emp_no,
                name: a.name,
                department: a.department,
                total: a.total,
                grade: a.grade,
                reason: a.appeal.reason,
                at: short_time(&a.appeal.at),
                items: a
                    .items
                    .into_iter()
                    .map(|(id, zh, en)| {
                        let name = pick(ctx.lang, &zh, en.as_deref()).to_string();
                        (id, name)
                    })
                    .collect(),
                error: mine.map(|f| f.1.clone()),
                reason_error: mine.and_then(|f| f.2.clone()),
                typed_reason: mine.map(|f| f.3.clone()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(render(
        ctx,
        status,
        "hr_appeals.html",
        context! {
            appeals => Serde(rows),
            error,
            page => page_no,
            prev => (page_no > 1).then_some(page_no - 1),
            next => more.then_some(page_no + 1),
        },
    ))
}

/// Uphold or reopen an appeal from the queue.
pub(super) async fn hr_appeal_decide<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let (form, me, id) = match hr_post(&ctx, &body, &id) {
        Ok(x) => x,
        Err(r) => return Ok(*r),
    };
    ctx.path = "/hr/appeals".into();
    let reason = form.get("reason").unwrap_or_default().trim().to_string();
    let items = form.all("items");
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let step = match form.get("action") {
        Some("uphold") => Step::Do(Action::Uphold {
            reason: reason.clone(),
        }),
        Some("reopen") => Step::Do(Action::Reopen {
            reason: reason.clone(),
            items,
        }),
        _ => {
            let m = text(ctx.lang, "action-unknown", &[]);
            let f = (id, m, None, reason);
            return appeals_page(&st, &ctx, 1, StatusCode::UNPROCESSABLE_ENTITY, Some(f)).await;
        }
    };
    let Some(version) = version else {
        let m = text(ctx.lang, "action-bad-version", &[]);
        let f = (id, m, None, reason);
        return appeals_page(&st, &ctx, 1, StatusCode::UNPROCESSABLE_ENTITY, Some(f)).await;
    };
    match st.store.act(&me, id, version, &step).await {
        Ok(_) => Ok(see_other("/hr/appeals")),
        Err(StoreError::NotFound { .. }) => Ok(not_found(&ctx)),
        Err(e) if is_internal(&e) => Ok(server_error(ctx.lang, &e.to_string())),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            let reason_error = match &e {
                StoreError::Fields(f) => f
                    .iter()
                    .find(|(k, _)| k == "reason" || k == "items")
                    .map(|(_, m)| in_lang(ctx.lang, m)),
                _ => None,
            };
            let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
            appeals_page(&st, &ctx, 1, status, Some((id, m, reason_error, reason))).await
        }
    }
}

#[derive(Serialize)]
struct TrendRow {
    period: String,
    /// The form by its sheet name.
    form: String,
    cycle: String,
    state: &'static str,
    total: Option<String>,
    grade: Option<String>,
    bonus: Option<String>,
}

/// Oldest first, for the chart: (period, total, bonus).
pub(super) fn trend_points(
    ledger: &[kaohe_store::LedgerEntry],
) -> Vec<(String, Option<String>, Option<String>)> {
    ledger
        .iter()
        .rev()
        .map(|l| (l.period.clone(), l.total.clone(), l.bonus.clone()))
        .collect()
}

/// An employee's last 12 months, for HR.
pub(super) async fn hr_employee<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(emp_no): Path<String>,
) -> PageResult {
    hr_only(&ctx, Capability::ManageCycles)?;
    let e = match st.store.employee(&emp_no).await {
        Ok(Some(e)) => e,
        Ok(None) => return Ok(not_found(&ctx)),
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    };
    let ledger = st.store.ledger(e.id).await.or_page(&ctx)?;
    let dept = match st.store.departments().await {
        Ok(d) => d
            .into_iter()
            .find(|d| d.id == e.department_id)
            .map(|d| d.name)
            .unwrap_or_default(),
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    };
    let chart = (!ledger.is_empty()).then(|| trend_chart(ctx.lang, &trend_points(&ledger)));
    let names = form_names(
        &st,
        ctx.lang,
        ledger.iter().map(|l| l.form_id.clone()).collect(),
    )
    .await
    .or_page(&ctx)?;
    let rows: Vec<TrendRow> = ledger
        .into_iter()
        .map(|l| TrendRow {
            period: l.period,
            form: names.get(&l.form_id).cloned().unwrap_or(l.form_id),
            cycle: l.cycle,
            state: l.state.as_str(),
            total: l.total,
            grade: l.grade,
            bonus: l.bonus,
        })
        .collect();
    Ok(render(
        &ctx,
        StatusCode::OK,
        "hr_employee.html",
        context! {
            emp_no => e.emp_no,
            name => e.name,
            department => dept,
            active => e.active,
            rows => Serde(rows),
            chart => Serde(chart),
        },
    ))
}
