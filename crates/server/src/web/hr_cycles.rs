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
    /// The form by its sheet name.
    form: String,
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
    /// Targets and bonus bases as a table: rows (positions or employees) × the form's
    /// inputs and parameters.
    table: TargetTable,
    /// 考核关系 rules: one field per rater role of the form (`rule.{rater id}`).
    rules: Vec<RuleField>,
    /// Does the form have a peer group (同事评分)? Then HR may name the peers.
    has_peers: bool,
    /// The peers HR names (`members.peers`), a line per appraisee: `A001: A002, A003`.
    peers: String,
}

/// Does form `t` have a peer group?
fn has_peer_group(t: Option<&kaohe_core::model::Template>) -> bool {
    t.is_some_and(|t| t.raters.iter().any(|r| r.peers.is_some()))
}

/// `members.peers` as HR reads and types it: `A001: A002, A003`, a line per appraisee.
fn peers_text(peers: &BTreeMap<String, Vec<String>>) -> String {
    peers
        .iter()
        .map(|(who, ps)| format!("{who}: {}", ps.join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Read the peers field: each non-empty line `工号: 工号, 工号 …` (`：`, `，`, `、` and spaces
/// also separate). A line that is not so is named by its number.
fn parse_peers(text: &str) -> Result<BTreeMap<String, Vec<String>>, usize> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((who, rest)) = line.split_once([':', '：']) else {
            return Err(i + 1);
        };
        let who = who.trim();
        let peers: Vec<String> = rest
            .split([',', '，', '、', ' ', '\t'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if who.is_empty() || who.contains(char::is_whitespace) || peers.is_empty() {
            return Err(i + 1);
        }
        out.entry(who.to_string()).or_default().extend(peers);
    }
    Ok(out)
}

/// The rule of one rater role (`members.rules`), as typed or stored.
#[derive(Serialize, Default, Clone)]
pub(super) struct RuleField {
    id: String,
    name: String,
    value: String,
}

/// The rule fields of form `t` (none for a form that does not compile), filled from
/// `values` (rater id → rule).
fn rule_fields(
    t: Option<&kaohe_core::model::Template>,
    lang: Lang,
    values: &BTreeMap<String, String>,
) -> Vec<RuleField> {
    let Some(t) = t else {
        return Vec::new();
    };
    kaohe_store::rules::rule_roles(t)
        .into_iter()
        .map(|id| {
            let name = match t.raters.iter().find(|r| r.id == id) {
                Some(r) => match (lang, &r.name_en) {
                    (Lang::En, Some(en)) => en.clone(),
                    _ => r.name.clone(),
                },
                None => text(lang, "rel-rater", &[]),
            };
            RuleField {
                value: values.get(&id).cloned().unwrap_or_default(),
                id,
                name,
            }
        })
        .collect()
}

/// The rules a cycle form sent (`rule.{rater id}`), empty ones left out.
fn typed_rules(form: &Form) -> BTreeMap<String, String> {
    form.0
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("rule.")?;
            let v = v.trim();
            (!v.is_empty() && !id.is_empty()).then(|| (id.to_string(), v.to_string()))
        })
        .collect()
}

/// A column of the targets table: an input or parameter a cycle may set.
#[derive(Serialize, Default, Clone)]
pub(super) struct TargetCol {
    id: String,
    name: String,
}

/// A row of the targets table. Fixed rows (a position of the form or the cycle, or a
/// holder already stored) carry `kind`; blank rows let HR type a position or a 工号.
/// Fields: `tg.{row}.who`, `tg.{row}.kind`, `tg.{row}.{input id}`.
#[derive(Serialize, Default, Clone)]
pub(super) struct TargetRow {
    who: String,
    /// `position`, `employee`, or empty (a blank row: decided by whether the 工号 exists).
    kind: String,
    label: String,
    #[serde(skip)]
    values: BTreeMap<String, String>,
    /// The values in column order (filled in by [`TargetTable::build`]).
    cells: Vec<String>,
}

#[derive(Serialize, Default)]
pub(super) struct TargetTable {
    cols: Vec<TargetCol>,
    rows: Vec<TargetRow>,
}

/// Blank rows offered under the table for another position or an employee's own value.
const BLANK_ROWS: usize = 3;

impl TargetTable {
    /// The table for form `t` (None: a form that does not compile; only the typed columns):
    /// `rows` as typed or stored, then each of `positions` not yet a row, then blank rows.
    fn build(
        t: Option<&kaohe_core::model::Template>,
        lang: Lang,
        mut rows: Vec<TargetRow>,
        positions: &[String],
    ) -> TargetTable {
        let mut cols: Vec<TargetCol> = Vec::new();
        let pick = |zh: &str, en: &Option<String>| match lang {
            Lang::En => en.clone().unwrap_or_else(|| zh.to_string()),
            _ => zh.to_string(),
        };
        if let Some(t) = t {
            for i in &t.inputs {
                if i.rater.is_none() && i.origin == kaohe_core::model::Origin::Declared {
                    cols.push(TargetCol {
                        id: i.id.clone(),
                        name: pick(&i.name, &i.name_en),
                    });
                }
            }
            for p in &t.params {
                cols.push(TargetCol {
                    id: p.id.clone(),
                    name: pick(&p.name, &p.name_en),
                });
            }
        }
        // A value typed or stored under another id keeps its column (the store names it).
        for r in &rows {
            for (k, v) in &r.values {
                if !v.is_empty() && !cols.iter().any(|c| &c.id == k) {
                    let name = t
                        .and_then(|t| {
                            t.inputs
                                .iter()
                                .find(|i| &i.id == k)
                                .map(|i| pick(&i.name, &i.name_en))
                        })
                        .unwrap_or_else(|| k.clone());
                    cols.push(TargetCol {
                        id: k.clone(),
                        name,
                    });
                }
            }
        }
        for p in positions {
            if !rows.iter().any(|r| r.kind != "employee" && &r.who == p) {
                let at = rows
                    .iter()
                    .position(|r| r.kind.is_empty())
                    .unwrap_or(rows.len());
                rows.insert(
                    at,
                    TargetRow {
                        who: p.clone(),
                        kind: "position".into(),
                        label: p.clone(),
                        ..Default::default()
                    },
                );
            }
        }
        let blank = rows
            .iter()
            .filter(|r| r.kind.is_empty() && r.who.is_empty())
            .count();
        for _ in blank..BLANK_ROWS {
            rows.push(TargetRow::default());
        }
        for r in &mut rows {
            r.cells = cols
                .iter()
                .map(|c| r.values.get(&c.id).cloned().unwrap_or_default())
                .collect();
        }
        TargetTable { cols, rows }
    }
}

/// The rows of the targets table as the form sent them (`tg.{row}.…`), in row order.
fn table_rows(form: &Form) -> Vec<TargetRow> {
    let mut rows: BTreeMap<usize, TargetRow> = BTreeMap::new();
    for (k, v) in &form.0 {
        let Some(rest) = k.strip_prefix("tg.") else {
            continue;
        };
        let Some((r, field)) = rest.split_once('.') else {
            continue;
        };
        let Ok(r) = r.parse::<usize>() else {
            continue;
        };
        if r > 10_000 {
            continue;
        }
        let row = rows.entry(r).or_default();
        let v = v.trim().to_string();
        match field {
            "who" => row.who = v,
            "kind" if v == "position" || v == "employee" => row.kind = v,
            "kind" | "label" => {}
            id => {
                row.values.insert(id.to_string(), v);
            }
        }
    }
    rows.into_values()
        .filter(|r| {
            !r.kind.is_empty() || !r.who.is_empty() || r.values.values().any(|v| !v.is_empty())
        })
        .collect()
}

/// The positions a cycle's table lists by default: the form's, and those the cycle names.
fn default_positions(t: Option<&kaohe_core::model::Template>, typed: &CycleTyped) -> Vec<String> {
    let mut v: Vec<String> = t.map(|t| t.form.positions.clone()).unwrap_or_default();
    if typed.members == "positions" {
        for p in list(&typed.positions) {
            if !v.contains(&p) {
                v.push(p);
            }
        }
    }
    v
}

/// A form's template (the given version, else the latest), compiled.
async fn form_template<S: Store>(
    st: &AppState<S>,
    form_id: &str,
    version: Option<i64>,
) -> Option<kaohe_core::model::Template> {
    if form_id.is_empty() {
        return None;
    }
    st.store
        .template(form_id, version)
        .await
        .ok()
        .flatten()
        .and_then(|tv| kaohe_core::compile_str(&tv.source).ok())
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
    mut typed: CycleTyped,
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
    let names = match form_names(
        st,
        ctx.lang,
        cycles.iter().map(|c| c.form_id.clone()).collect(),
    )
    .await
    {
        Ok(n) => n,
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
                form: names.get(&c.form_id).cloned().unwrap_or_default(),
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
    // A fresh create form: the targets table of the form the list offers first.
    if typed.table.rows.is_empty() {
        if typed.form_id.is_empty()
            && let Some(f) = forms.first()
        {
            typed.form_id = f.form_id.clone();
        }
        let t = form_template(st, &typed.form_id, None).await;
        let positions = default_positions(t.as_ref(), &typed);
        typed.table = TargetTable::build(t.as_ref(), ctx.lang, Vec::new(), &positions);
        typed.rules = rule_fields(t.as_ref(), ctx.lang, &BTreeMap::new());
    }
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
        Vec<Option<usize>>,
    ),
    Box<Response>,
> {
    let f = |k: &str| form.get(k).unwrap_or_default().trim().to_string();
    let mut typed = CycleTyped {
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
        table: TargetTable::default(),
        rules: Vec::new(),
        has_peers: false,
        peers: String::new(),
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
    // The table first: a row with a value becomes a target set for its position or 工号.
    let t = form_template(st, &typed.form_id, version).await;
    let positions = default_positions(t.as_ref(), &typed);
    typed.table = TargetTable::build(t.as_ref(), ctx.lang, table_rows(form), &positions);
    let rules = typed_rules(form);
    typed.rules = rule_fields(t.as_ref(), ctx.lang, &rules);
    typed.has_peers = has_peer_group(t.as_ref());
    typed.peers = form.get("peers").unwrap_or_default().to_string();
    let peers = if typed.has_peers {
        parse_peers(&typed.peers).unwrap_or_else(|line| {
            errors.insert(
                "peers".into(),
                msg("hrc-err-peers-line", &[("line", Arg::Num(line as f64))]),
            );
            BTreeMap::new()
        })
    } else {
        BTreeMap::new()
    };
    let mut target_rows: Vec<Option<usize>> = Vec::new();
    // An employee's row is named by 工号 and name (what a posted form says is not trusted).
    for row in typed.table.rows.iter_mut().filter(|r| !r.who.is_empty()) {
        if row.kind == "position" {
            row.label = row.who.clone();
            continue;
        }
        match st.store.employee(&row.who).await {
            Ok(Some(e)) => row.label = format!("{} {}", row.who, e.name),
            Ok(None) => row.label = row.who.clone(),
            Err(e) => return Err(Box::new(server_error(ctx.lang, &e.to_string()))),
        }
    }
    for (r, row) in typed.table.rows.iter().enumerate() {
        let values: Values = row
            .values
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if values.is_empty() {
            continue;
        }
        if row.who.is_empty() {
            errors.insert(format!("tg.{r}.who"), msg("hrc-err-target-who", &[]));
            continue;
        }
        // A typed row is an employee's when its 工号 exists (the label names them).
        let is_emp = match row.kind.as_str() {
            "position" => false,
            "employee" => true,
            _ => row.label != row.who,
        };
        targets.push(kaohe_store::TargetSet {
            position: (!is_emp).then(|| row.who.clone()),
            emp_no: is_emp.then(|| row.who.clone()),
            values,
        });
        target_rows.push(Some(r));
    }
    // Then the lines pasted into the box (`岗位或工号: 项目=值, …`).
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
        target_rows.push(None);
    }
    let mut members = kaohe_store::Members {
        rules,
        peers,
        ..Default::default()
    };
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
    Ok((typed, n, errors, target_rows))
}

/// A store refusal of a cycle form put next to its fields — a target's in its cell of the
/// table (`tg.{row}.{id}`), naming the row and the column; an internal error is the page
/// to answer with.
fn refusal_to_fields(
    ctx: &Ctx,
    e: StoreError,
    typed: &CycleTyped,
    target_rows: &[Option<usize>],
    errors: &mut BTreeMap<String, String>,
) -> Option<Response> {
    match e {
        e if is_internal(&e) => return Some(server_error(ctx.lang, &e.to_string())),
        StoreError::Fields(f) => {
            for (k, m) in f {
                let m = in_lang(ctx.lang, &m);
                let (field, m) = match target_cell(ctx, typed, target_rows, &k, &m) {
                    Some(x) => x,
                    // A rule's problem beside its field; a named peer's beside the peers.
                    None => match k.strip_prefix("members.rules.") {
                        Some(id) if typed.rules.iter().any(|r| r.id == id) => {
                            (format!("rule.{id}"), m)
                        }
                        _ if k.starts_with("members.peers") && typed.has_peers => {
                            let who = k.strip_prefix("members.peers.").unwrap_or_default();
                            ("peers".to_string(), format!("{who} {m}").trim().to_string())
                        }
                        _ => (form_field(&k).to_string(), m),
                    },
                };
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

/// The cell of the targets table a store complaint `key` (`targets[i].id`, or an unknown
/// position) belongs to, and the message naming the row and the column.
fn target_cell(
    ctx: &Ctx,
    typed: &CycleTyped,
    target_rows: &[Option<usize>],
    key: &str,
    m: &str,
) -> Option<(String, String)> {
    let rows = &typed.table.rows;
    let label = |r: &TargetRow| {
        if r.label.is_empty() {
            r.who.clone()
        } else {
            r.label.clone()
        }
    };
    // A problem with the row as a whole, shown by its 岗位或工号 box.
    let row_error = |r: usize, row| {
        (
            format!("tg.{r}.who"),
            text(
                ctx.lang,
                "hrc-err-row",
                &[
                    ("row", Arg::Text(label(row))),
                    ("msg", Arg::Text(m.to_string())),
                ],
            ),
        )
    };
    if key == "positions" {
        let (r, row) = rows.iter().enumerate().find(|(_, r)| {
            r.kind != "employee" && !r.who.is_empty() && m.contains(&format!("`{}`", r.who))
        })?;
        return Some(row_error(r, row));
    }
    let rest = key.strip_prefix("targets[")?;
    let (i, rest) = rest.split_once(']')?;
    let r = (*target_rows.get(i.parse::<usize>().ok()?)?)?;
    let row = rows.get(r)?;
    let col = rest
        .strip_prefix('.')
        .and_then(|id| typed.table.cols.iter().find(|c| c.id == id));
    Some(match col {
        Some(c) => (
            format!("tg.{r}.{}", c.id),
            text(
                ctx.lang,
                "hrc-err-cell",
                &[
                    ("row", Arg::Text(label(row))),
                    ("col", Arg::Text(c.name.clone())),
                    ("msg", Arg::Text(m.to_string())),
                ],
            ),
        ),
        None => row_error(r, row),
    })
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
    let (typed, n, mut errors, target_rows) = match read_cycle_form(&st, &ctx, &form).await {
        Ok(x) => x,
        Err(r) => return *r,
    };
    // 「按所选考核表列出」: the table again for the chosen form, nothing stored.
    let refresh = form.get("refresh").is_some();
    if let Some(n) = n.filter(|_| !refresh) {
        match st.store.create_cycle(&me.username, &n).await {
            Ok(c) => return see_other(&format!("/hr/cycles/{}", c.id)),
            Err(e) => {
                if let Some(r) = refusal_to_fields(&ctx, e, &typed, &target_rows, &mut errors) {
                    return r;
                }
            }
        }
    }
    if refresh {
        return cycles_page(&st, &ctx, 1, StatusCode::OK, None, typed, BTreeMap::new()).await;
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

/// The edit form of a draft, filled in from the stored cycle: parameters by the names the
/// sheet shows, targets in the table.
async fn typed_from<S: Store>(st: &AppState<S>, lang: Lang, c: &kaohe_store::Cycle) -> CycleTyped {
    let t = form_template(st, &c.form_id, Some(c.template_version)).await;
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
    let mut rows = Vec::new();
    for ts in &c.targets {
        let (who, kind) = match (&ts.position, &ts.emp_no) {
            (Some(p), _) => (p.clone(), "position"),
            (None, Some(e)) => (e.clone(), "employee"),
            (None, None) => continue,
        };
        let label = if kind == "employee" {
            match st.store.employee(&who).await {
                Ok(Some(e)) => format!("{who} {}", e.name),
                _ => who.clone(),
            }
        } else {
            who.clone()
        };
        // One row per holder: a holder named twice keeps the later values (as scored).
        if let Some(r) = rows
            .iter_mut()
            .find(|r: &&mut TargetRow| r.who == who && r.kind == kind)
        {
            r.values.extend(ts.values.clone());
            continue;
        }
        rows.push(TargetRow {
            who,
            kind: kind.into(),
            label,
            values: ts.values.clone().into_iter().collect(),
            cells: Vec::new(),
        });
    }
    let mut typed = CycleTyped {
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
        targets: String::new(),
        table: TargetTable::default(),
        rules: Vec::new(),
        has_peers: false,
        peers: String::new(),
    };
    let positions = default_positions(t.as_ref(), &typed);
    typed.table = TargetTable::build(t.as_ref(), lang, rows, &positions);
    typed.rules = rule_fields(t.as_ref(), lang, &c.members.rules);
    typed.has_peers = has_peer_group(t.as_ref());
    typed.peers = peers_text(&c.members.peers);
    typed
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
            let short_hr = p.short_of_peers.iter().any(|s| s.hr_pick);
            // A person short in two peer groups is one person.
            let mut people: Vec<&str> =
                p.short_of_peers.iter().map(|s| s.emp_no.as_str()).collect();
            people.dedup();
            let short_people = people.len();
            // The peer group as the form names it, in the reader's language.
            let short: Vec<_> = p
                .short_of_peers
                .into_iter()
                .map(|s| {
                    let group = match (ctx.lang, s.rater_name_en) {
                        (Lang::En, Some(en)) => en,
                        _ => s.rater_name,
                    };
                    context! { emp_no => s.emp_no, name => s.name, group, found => s.found, needed => s.needed }
                })
                .collect();
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
                    short,
                    short_hr,
                    short_people,
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
    task_id: i64,
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
    cycle_page_with(st, ctx, id, status, error, None, BTreeMap::new(), None).await
}

/// A cycle's page; a draft's with its edit form (`typed` as typed when it came back with
/// `errors`, else from the stored cycle); its reminder settings as typed (`remind_typed`:
/// days, escalation) when they came back with errors.
#[allow(clippy::too_many_arguments)]
async fn cycle_page_with<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    error: Option<String>,
    typed: Option<CycleTyped>,
    errors: BTreeMap<String, String>,
    remind_typed: Option<(String, String)>,
) -> Response {
    let c = match st.store.cycle(id).await {
        Ok(c) => c,
        Err(StoreError::NotFound { .. }) => return not_found(ctx),
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let (typed, forms) = if c.status == "draft" {
        let typed = match typed {
            Some(t) => t,
            None => typed_from(st, ctx.lang, &c).await,
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
                task_id: t.task_id,
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
            remind => match remind_typed {
                Some((days, esc)) => context! { days => days, escalate => esc },
                None => context! {
                    days => c.reminders.days_text(),
                    escalate => c.reminders.escalate_after.to_string(),
                },
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
                    None,
                )
                .await;
            }
            st.store
                .cancel_cycle(&me.username, id, &reason)
                .await
                .map(|_| here)
        }
        Some("update") => {
            let (typed, n, mut errors, target_rows) = match read_cycle_form(&st, &ctx, &form).await
            {
                Ok(x) => x,
                Err(r) => return *r,
            };
            let refresh = form.get("refresh").is_some();
            if let Some(mut n) = n.filter(|_| !refresh) {
                // What the form does not show stays as stored: the raters named per person
                // (on the 考核关系 page), the peers HR named (API) and the exemptions from the
                // separation of duties.
                if let Ok(old) = st.store.cycle(id).await {
                    n.members.raters = old.members.raters;
                    if !typed.has_peers {
                        n.members.peers = old.members.peers;
                    }
                    n.members.sod_exempt = old.members.sod_exempt;
                }
                match st.store.update_cycle(&me.username, id, &n).await {
                    Ok(_) => return see_other(&here),
                    Err(StoreError::NotFound { .. }) => return not_found(&ctx),
                    Err(e) => {
                        if let Some(r) =
                            refusal_to_fields(&ctx, e, &typed, &target_rows, &mut errors)
                        {
                            return r;
                        }
                    }
                }
            }
            if refresh {
                return cycle_page_with(
                    &st,
                    &ctx,
                    id,
                    StatusCode::OK,
                    None,
                    Some(typed),
                    BTreeMap::new(),
                    None,
                )
                .await;
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
                None,
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

/// POST `/hr/cycles/{id}/reminders`: the days before a deadline on which holders are
/// reminded, and the days overdue before their manager is told. Each error is shown at its
/// field, with what was typed.
pub(super) async fn hr_cycle_reminders<S: Store>(
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
    let days_typed = form
        .get("remind_days")
        .unwrap_or_default()
        .trim()
        .to_string();
    let esc_typed = form
        .get("escalate_days")
        .unwrap_or_default()
        .trim()
        .to_string();
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let days = match kaohe_store::Reminders::parse_days(&days_typed) {
        Ok(d) => Some(d),
        Err(m) => {
            errors.insert("remind_days".into(), in_lang(ctx.lang, &m));
            None
        }
    };
    let esc = match esc_typed.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.insert(
                "escalate_days".into(),
                text(
                    ctx.lang,
                    "hrc-escalate-not-number",
                    &[("value", Arg::Text(esc_typed.clone()))],
                ),
            );
            None
        }
    };
    if let (Some(d), Some(e)) = (days, esc) {
        match st.store.set_cycle_reminders(&me.username, id, &d, e).await {
            Ok(_) => return see_other(&format!("/hr/cycles/{id}#reminders")),
            Err(StoreError::NotFound { .. }) => return not_found(&ctx),
            Err(StoreError::Fields(f)) => {
                for (k, m) in f {
                    errors.insert(k, in_lang(ctx.lang, &m));
                }
            }
            Err(e) if is_internal(&e) => return server_error(ctx.lang, &e.to_string()),
            Err(e) => {
                let (status, m) = store_refusal(ctx.lang, &e);
                let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
                return cycle_page(&st, &ctx, id, status, Some(m)).await;
            }
        }
    }
    let m = text(ctx.lang, "hrc-reminders-failed", &[]);
    cycle_page_with(
        &st,
        &ctx,
        id,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(m),
        None,
        errors,
        Some((days_typed, esc_typed)),
    )
    .await
}
