//! The template pages (`/hr/templates`): the forms and their versions; one version as the
//! sheet reads, with its TOML source; an upload (a new form or a new version) checked by
//! the engine, its errors and warnings shown at their lines and nothing published until
//! there is no error; and a preview that scores values typed into one field per input,
//! with every number explained.

use super::*;
use kaohe_core::diag::Diagnostic;
use kaohe_core::model::{InputKind, Rule};
use kaohe_store::policy::Capability;

#[derive(Serialize)]
struct FormRow {
    form_id: String,
    href: String,
    title: String,
    version: i64,
    created_at: String,
    created_by: String,
}

/// A form id in a page address.
fn form_href(form_id: &str) -> String {
    let id: String = form_urlencoded::byte_serialize(form_id.as_bytes()).collect();
    format!("/hr/templates/{}", id.replace('+', "%20"))
}

#[derive(Serialize, Clone)]
struct DiagView {
    error: bool,
    code: &'static str,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
    help: Option<String>,
}

#[derive(Serialize)]
struct SourceLine {
    n: usize,
    text: String,
    diags: Vec<DiagView>,
}

fn diag_view(lang: Lang, src: &str, d: &Diagnostic) -> DiagView {
    let lc = d.line_col(src);
    DiagView {
        error: d.is_error(),
        code: d.code,
        line: lc.map(|(l, _)| l),
        column: lc.map(|(_, c)| c),
        message: d.message.render(lang),
        help: d.help.as_ref().map(|h| h.render(lang)),
    }
}

/// The source, numbered, each diagnostic under its line; and those with no line apart.
fn annotated(lang: Lang, src: &str, diags: &[Diagnostic]) -> (Vec<SourceLine>, Vec<DiagView>) {
    let views: Vec<DiagView> = diags.iter().map(|d| diag_view(lang, src, d)).collect();
    let mut lines: Vec<SourceLine> = src
        .lines()
        .enumerate()
        .map(|(i, l)| SourceLine {
            n: i + 1,
            text: l.to_string(),
            diags: Vec::new(),
        })
        .collect();
    let mut apart = Vec::new();
    for v in views {
        match v.line {
            Some(l) if l >= 1 && l <= lines.len() => lines[l - 1].diags.push(v),
            Some(_) if !lines.is_empty() => {
                let last = lines.len() - 1;
                lines[last].diags.push(v)
            }
            _ => apart.push(v),
        }
    }
    (lines, apart)
}

#[derive(serde::Deserialize, Default)]
pub(super) struct ListQuery {
    /// Start the upload box from this form's latest source.
    from: Option<String>,
}

/// What came back from an upload that was refused.
#[derive(Serialize, Default)]
struct UploadView {
    source: String,
    lines: Vec<SourceLine>,
    apart: Vec<DiagView>,
    errors: usize,
    warnings: usize,
    error: Option<String>,
}

pub(super) async fn hr_templates_page<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> PageResult {
    hr_only(&ctx, Capability::ManageTemplates)?;
    let mut up = UploadView::default();
    if let Some(from) = q.from.as_deref() {
        match st.store.template(from, None).await {
            Ok(Some(tv)) => up.source = tv.source,
            Ok(None) => {}
            Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
        }
    }
    list_page(&st, &ctx, StatusCode::OK, up).await
}

async fn list_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    status: StatusCode,
    upload: UploadView,
) -> PageResult {
    let forms = st.store.templates().await.or_page(ctx)?;
    let rows: Vec<FormRow> = forms
        .into_iter()
        .map(|t| FormRow {
            href: form_href(&t.form_id),
            form_id: t.form_id,
            title: t.title,
            version: t.version,
            created_at: short_time(&t.created_at),
            created_by: t.created_by,
        })
        .collect();
    Ok(render(
        ctx,
        status,
        "hr_templates.html",
        context! { forms => Serde(rows), upload => Serde(upload) },
    ))
}

pub(super) async fn hr_templates_upload<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> PageResult {
    let (form, files) = read_form(&headers, body).await;
    form.csrf(&ctx)?;
    let me = hr_only(&ctx, Capability::ManageTemplates)?;
    ctx.path = "/hr/templates".into();
    let source = match files
        .into_iter()
        .find(|f| f.name == "file" && !f.data.is_empty())
    {
        Some(f) => {
            match std::str::from_utf8(f.data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&f.data)) {
                Ok(s) => s.to_string(),
                Err(_) => {
                    let up = UploadView {
                        error: Some(text(ctx.lang, "tpl-not-utf8", &[])),
                        ..Default::default()
                    };
                    return list_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, up).await;
                }
            }
        }
        None => form.get("source").unwrap_or_default().to_string(),
    };
    if source.trim().is_empty() {
        let up = UploadView {
            error: Some(text(ctx.lang, "tpl-empty", &[])),
            ..Default::default()
        };
        return list_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, up).await;
    }
    let checked = kaohe_core::check(&source);
    if checked.has_errors() {
        let (lines, apart) = annotated(ctx.lang, &source, &checked.diagnostics);
        let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
        let up = UploadView {
            errors,
            warnings: checked.diagnostics.len() - errors,
            error: Some(text(
                ctx.lang,
                "tpl-refused",
                &[("count", Arg::Num(errors as f64))],
            )),
            source,
            lines,
            apart,
        };
        return list_page(&st, &ctx, StatusCode::UNPROCESSABLE_ENTITY, up).await;
    }
    match st.store.publish_template(&me.username, &source).await {
        Ok(tv) => Ok(see_other(&format!(
            "{}?version={}&published=1",
            form_href(&tv.form_id),
            tv.version
        ))),
        Err(e) if is_internal(&e) => Ok(server_error(ctx.lang, &e.to_string())),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            let up = UploadView {
                error: Some(text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))])),
                source,
                ..Default::default()
            };
            list_page(&st, &ctx, status, up).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub(super) struct VersionQuery {
    version: Option<i64>,
    published: Option<u8>,
}

#[derive(Serialize)]
struct VersionRow {
    version: i64,
    created_at: String,
    created_by: String,
    current: bool,
}

#[derive(Serialize)]
struct ShowSection {
    name: String,
    points: String,
    weight: Option<String>,
    dept: Option<String>,
    items: Vec<ShowItem>,
}

#[derive(Serialize)]
struct ShowItem {
    n: usize,
    name: String,
    points: String,
    standard: Option<String>,
    rule: Vec<String>,
    dept: Option<String>,
    note: Option<String>,
}

fn sheet_sections(lang: Lang, t: &kaohe_core::Template) -> Vec<ShowSection> {
    let fmt = kaohe_core::num::fmt;
    let mut n = 0;
    t.sections
        .iter()
        .map(|s| ShowSection {
            name: pick(lang, &s.name, s.name_en.as_deref()).to_string(),
            points: fmt(s.points),
            weight: s.weight.map(fmt),
            dept: s.dept.clone(),
            items: s
                .items
                .iter()
                .map(|&k| {
                    let it = &t.items[k];
                    n += 1;
                    ShowItem {
                        n,
                        name: pick(lang, &it.name, it.name_en.as_deref()).to_string(),
                        points: fmt(it.points),
                        standard: it.standard.clone(),
                        rule: kaohe_core::show::rule_words(t, it, lang),
                        dept: it.dept.clone(),
                        note: it.note.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}

/// A stored version and its compiled template (404 and 500 as responses).
async fn stored<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    form_id: &str,
    version: Option<i64>,
) -> Result<(kaohe_store::TemplateVersion, kaohe_core::Template), Response> {
    let tv = match st.store.template(form_id, version).await {
        Ok(Some(tv)) => tv,
        Ok(None) => return Err(not_found(ctx)),
        Err(e) => return Err(server_error(ctx.lang, &e.to_string())),
    };
    match kaohe_core::compile_str(&tv.source) {
        Ok(t) => Ok((tv, t)),
        Err(_) => Err(server_error(
            ctx.lang,
            "a stored template no longer compiles",
        )),
    }
}

pub(super) async fn hr_template<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(form_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<VersionQuery>,
) -> PageResult {
    hr_only(&ctx, Capability::ManageTemplates)?;
    let (tv, t) = match stored(&st, &ctx, &form_id, q.version).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let versions = st.store.template_versions(&form_id).await.or_page(&ctx)?;
    let latest = versions.first().map_or(tv.version, |v| v.version);
    let versions: Vec<VersionRow> = versions
        .into_iter()
        .map(|v| VersionRow {
            current: v.version == tv.version,
            version: v.version,
            created_at: short_time(&v.created_at),
            created_by: v.created_by,
        })
        .collect();
    let checked = kaohe_core::check(&tv.source);
    let warnings: Vec<DiagView> = checked
        .diagnostics
        .iter()
        .map(|d| diag_view(ctx.lang, &tv.source, d))
        .collect();
    let (lines, _) = annotated(ctx.lang, &tv.source, &checked.diagnostics);
    let href = form_href(&tv.form_id);
    Ok(render(
        &ctx,
        StatusCode::OK,
        "hr_template.html",
        context! {
            form_id => tv.form_id.clone(),
            href,
            from => form_urlencoded::byte_serialize(tv.form_id.as_bytes()).collect::<String>(),
            title => pick(ctx.lang, &t.form.title, t.form.title_en.as_deref()).to_string(),
            version => tv.version,
            latest => tv.version == latest,
            created_at => short_time(&tv.created_at),
            created_by => tv.created_by.clone(),
            published => q.published.is_some(),
            positions => t.form.positions.join("、"),
            total_points => kaohe_core::num::fmt(t.form.total_points),
            versions => Serde(versions),
            sections => Serde(sheet_sections(ctx.lang, &t)),
            show => kaohe_core::show::show(&t, ctx.lang),
            warnings => Serde(warnings),
            lines => Serde(lines),
        },
    ))
}

#[derive(Serialize)]
struct PreviewField {
    /// The form field's name: `v.<input>` or `p.<param>`.
    name: String,
    id: String,
    label: String,
    group: Option<String>,
    unit: Option<String>,
    /// `number`, `choice`, `set` or `text`.
    kind: &'static str,
    min: Option<String>,
    max: Option<String>,
    step: &'static str,
    options: Vec<(String, String)>,
    value: String,
    /// Checked criteria of a checklist.
    checked: Vec<String>,
    na_ok: bool,
    na: bool,
    required: bool,
    error: Option<String>,
}

#[derive(Serialize)]
struct ScoredItem {
    name: String,
    points: String,
    score: String,
    na: bool,
    explain: Option<String>,
}

#[derive(Serialize)]
struct ScoredSection {
    name: String,
    points: String,
    score: String,
    explain: Option<String>,
    items: Vec<ScoredItem>,
}

#[derive(Serialize)]
struct ScoredPay {
    name: String,
    value: String,
    explain: Option<String>,
}

#[derive(Serialize)]
struct Scored {
    sections: Vec<ScoredSection>,
    total: String,
    total_explain: Option<String>,
    grade: Option<String>,
    grade_explain: Option<String>,
    pay: Vec<ScoredPay>,
}

/// The form's fields, with what was typed (`typed`: field name → values) and the errors
/// (input or parameter id → message).
fn preview_fields(
    lang: Lang,
    t: &kaohe_core::Template,
    typed: Option<&Form>,
    errors: &BTreeMap<String, String>,
) -> Vec<PreviewField> {
    let fmt = kaohe_core::num::fmt;
    // Inputs a rule reads as a level or a checklist: their choices with the rule's words.
    let mut options: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for it in &t.items {
        for r in &it.rules {
            match r {
                Rule::Levels { input, levels } => {
                    options.insert(
                        *input as usize,
                        levels
                            .iter()
                            .map(|l| {
                                let mut label = format!("{} · {}", l.level, fmt(l.score));
                                if let Some(tx) = &l.text {
                                    label.push_str(&format!(" · {tx}"));
                                }
                                (l.level.to_string(), label)
                            })
                            .collect(),
                    );
                }
                Rule::Checklist { input, criteria } => {
                    options.insert(
                        *input as usize,
                        criteria
                            .iter()
                            .enumerate()
                            .map(|(i, c)| {
                                (
                                    (i + 1).to_string(),
                                    format!("{} ({})", c.text, fmt(c.points)),
                                )
                            })
                            .collect(),
                    );
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for (i, inp) in t.inputs.iter().enumerate() {
        let name = format!("v.{}", inp.id);
        let typed_value = typed.and_then(|f| f.get(&name)).map(str::to_string);
        let (kind, step, opts) = match (&inp.kind, options.get(&i)) {
            (InputKind::Set(n), o) => (
                "set",
                "",
                o.cloned()
                    .unwrap_or_else(|| (1..=*n).map(|k| (k.to_string(), k.to_string())).collect()),
            ),
            (_, Some(o)) => ("choice", "", o.clone()),
            (InputKind::Choice(c), None) => (
                "choice",
                "",
                c.iter().map(|l| (l.clone(), l.clone())).collect(),
            ),
            (InputKind::Text, None) => ("text", "", Vec::new()),
            (InputKind::Count, None) => ("number", "1", Vec::new()),
            _ => ("number", "any", Vec::new()),
        };
        out.push(PreviewField {
            id: inp.id.clone(),
            label: pick(lang, &inp.name, inp.name_en.as_deref()).to_string(),
            group: inp
                .item
                .map(|k| pick(lang, &t.items[k].name, t.items[k].name_en.as_deref()).to_string()),
            unit: inp.unit.clone(),
            kind,
            min: inp
                .min
                .map(fmt)
                .or_else(|| matches!(inp.kind, InputKind::Count).then(|| "0".into())),
            max: inp.max.map(fmt),
            step,
            options: opts,
            value: typed_value.unwrap_or_default(),
            checked: typed.map(|f| f.all(&name)).unwrap_or_default(),
            na_ok: inp.na_ok,
            na: typed.is_some_and(|f| f.get(&format!("na.{}", inp.id)).is_some()),
            required: inp.required,
            error: errors.get(&inp.id).cloned(),
            name,
        });
    }
    for p in &t.params {
        let name = format!("p.{}", p.id);
        out.push(PreviewField {
            id: p.id.clone(),
            label: pick(lang, &p.name, p.name_en.as_deref()).to_string(),
            group: None,
            unit: p.unit.clone(),
            kind: "number",
            min: p.min.map(fmt),
            max: p.max.map(fmt),
            step: "any",
            options: Vec::new(),
            value: typed
                .and_then(|f| f.get(&name))
                .map(str::to_string)
                .unwrap_or_else(|| fmt(p.default)),
            checked: Vec::new(),
            na_ok: false,
            na: false,
            required: false,
            error: errors.get(&p.id).cloned(),
            name,
        });
    }
    out
}

pub(super) async fn hr_preview<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(form_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<VersionQuery>,
) -> PageResult {
    hr_only(&ctx, Capability::ManageTemplates)?;
    let (tv, t) = match stored(&st, &ctx, &form_id, q.version).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let fields = preview_fields(ctx.lang, &t, None, &BTreeMap::new());
    Ok(preview_page(
        &ctx,
        StatusCode::OK,
        &tv,
        &t,
        fields,
        None,
        None,
    ))
}

fn preview_page(
    ctx: &Ctx,
    status: StatusCode,
    tv: &kaohe_store::TemplateVersion,
    t: &kaohe_core::Template,
    fields: Vec<PreviewField>,
    scored: Option<Scored>,
    error: Option<String>,
) -> Response {
    render(
        ctx,
        status,
        "hr_preview.html",
        context! {
            form_id => tv.form_id.clone(),
            href => form_href(&tv.form_id),
            title => pick(ctx.lang, &t.form.title, t.form.title_en.as_deref()).to_string(),
            version => tv.version,
            fields => Serde(fields),
            scored => scored.map(Serde),
            error,
        },
    )
}

pub(super) async fn hr_preview_post<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    Path(form_id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<VersionQuery>,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    hr_only(&ctx, Capability::ManageTemplates)?;
    let version = form
        .get("version")
        .and_then(|v| v.parse().ok())
        .or(q.version);
    let (tv, t) = match stored(&st, &ctx, &form_id, version).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    ctx.path = format!("{}/preview", form_href(&tv.form_id));
    // One row: the inputs as `kaohe score` reads them, by id.
    let mut headers: Vec<String> = vec!["id".into()];
    let mut cells: Vec<String> = vec!["preview".into()];
    for inp in &t.inputs {
        let cell = if form.get(&format!("na.{}", inp.id)).is_some() {
            "不适用".to_string()
        } else if matches!(inp.kind, InputKind::Set(_)) {
            let picked = form.all(&format!("v.{}", inp.id));
            if picked.is_empty() {
                "0".into()
            } else {
                picked.join(",")
            }
        } else {
            form.get(&format!("v.{}", inp.id))
                .unwrap_or_default()
                .trim()
                .to_string()
        };
        headers.push(inp.id.clone());
        cells.push(cell);
    }
    for p in &t.params {
        headers.push(p.id.clone());
        cells.push(
            form.get(&format!("p.{}", p.id))
                .unwrap_or_default()
                .trim()
                .to_string(),
        );
    }
    let refused = |errors: BTreeMap<String, String>, general: Option<String>| {
        let fields = preview_fields(ctx.lang, &t, Some(&form), &errors);
        let m = general.unwrap_or_else(|| text(ctx.lang, "preview-errors", &[]));
        preview_page(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &tv,
            &t,
            fields,
            None,
            Some(m),
        )
    };
    let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
    let cols = match kaohe_core::input::match_header(&t, &hdr) {
        Ok(c) => c,
        Err(e) => {
            let m = e
                .iter()
                .map(|c| c.msg.render(ctx.lang))
                .collect::<Vec<_>>()
                .join("; ");
            return Ok(refused(BTreeMap::new(), Some(m)));
        }
    };
    let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
    let row = match kaohe_core::input::parse_row(&t, &cols, &refs, 1) {
        Ok(r) => r,
        Err(errs) => {
            let mut errors = BTreeMap::new();
            let mut general = Vec::new();
            for e in errs {
                let m = e.msg.render(ctx.lang);
                match e.header {
                    Some(h) if h != "id" => {
                        errors.entry(h).or_insert(m);
                    }
                    _ => general.push(m),
                }
            }
            let general = (!general.is_empty()).then(|| general.join("; "));
            return Ok(refused(errors, general));
        }
    };
    let rows = [row];
    let engine = kaohe_core::Engine::new(&t);
    let b = kaohe_core::batch::score_batch(&engine, &rows);
    if let Some((_, e)) = b.errors.first() {
        let m = e.msg.render(ctx.lang);
        let mut errors = BTreeMap::new();
        if let Some(c) = &e.column {
            errors.insert(c.clone(), m.clone());
        }
        return Ok(refused(errors, Some(m)));
    }
    let (f, rec) = match kaohe_core::batch::explain_row(&engine, &b, &rows, 0) {
        Ok(x) => x,
        Err(e) => return Ok(refused(BTreeMap::new(), Some(e.msg.render(ctx.lang)))),
    };
    let sep = match ctx.lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    };
    let mut lines: Vec<(Target, String)> = Vec::new();
    for (target, m) in &rec.lines {
        let line = m.render(ctx.lang).trim().to_string();
        match lines.iter_mut().find(|(x, _)| x == target) {
            Some((_, l)) => {
                l.push_str(sep);
                l.push_str(&line);
            }
            None => lines.push((*target, line)),
        }
    }
    let ex = |target: Target| {
        lines
            .iter()
            .find(|(x, _)| *x == target)
            .map(|(_, l)| l.clone())
    };
    let fmt = kaohe_core::num::fmt;
    let scored = Scored {
        sections: t
            .sections
            .iter()
            .enumerate()
            .map(|(si, s)| ScoredSection {
                name: pick(ctx.lang, &s.name, s.name_en.as_deref()).to_string(),
                points: fmt(s.points),
                score: fmt(b.section(0, si)),
                explain: ex(Target::Section(si)),
                items: s
                    .items
                    .iter()
                    .map(|&k| {
                        let it = &t.items[k];
                        ScoredItem {
                            name: pick(ctx.lang, &it.name, it.name_en.as_deref()).to_string(),
                            points: fmt(it.points),
                            score: fmt(b.item(0, k)),
                            na: f.item_na(&t, k),
                            explain: ex(Target::Item(k)),
                        }
                    })
                    .collect(),
            })
            .collect(),
        total: fmt(b.total(0)),
        total_explain: ex(Target::Total),
        grade: b.grade[0].map(|g| {
            let g = &t.grades[g as usize];
            pick(ctx.lang, &g.name, g.name_en.as_deref()).to_string()
        }),
        grade_explain: ex(Target::Grade),
        pay: t
            .pay
            .iter()
            .enumerate()
            .map(|(i, p)| ScoredPay {
                name: pick(ctx.lang, &p.name, p.name_en.as_deref()).to_string(),
                value: kaohe_core::num::fmt_dp(b.pay(0, i), p.decimals),
                explain: ex(Target::Pay(i)),
            })
            .collect(),
    };
    let fields = preview_fields(ctx.lang, &t, Some(&form), &BTreeMap::new());
    Ok(preview_page(
        &ctx,
        StatusCode::OK,
        &tv,
        &t,
        fields,
        Some(scored),
        None,
    ))
}
