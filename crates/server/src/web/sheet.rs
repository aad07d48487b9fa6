use super::*;

#[derive(Serialize)]
pub(super) struct SheetView {
    id: i64,
    /// The principal's name when the reader acts here only as their delegate (代理).
    on_behalf_of: Option<String>,
    version: i64,
    title: String,
    form_id: String,
    emp_no: String,
    name: String,
    position: Option<String>,
    department: String,
    period: String,
    cycle: String,
    state: &'static str,
    sections: Vec<SectionView>,
    scores: bool,
    score_error: Option<String>,
    total: Option<String>,
    total_explain: Option<String>,
    total_points: String,
    grade: Option<String>,
    bonus: Option<String>,
    bonus_explain: Option<String>,
    form_notes: Option<String>,
    self_summary: Option<String>,
    comments: Option<String>,
    next_goals: Option<String>,
    appeal: Option<AppealView>,
    pub(super) signatures: Vec<SigView>,
    can_respond: bool,
    /// The decision the viewer may take now: `review`, `approve` or `appeal` (HR).
    decide: Option<&'static str>,
    confirm_due: Option<String>,
    items: Vec<(String, String)>,
}

#[derive(Serialize)]
pub(super) struct SectionView {
    id: String,
    name: String,
    points: String,
    score: Option<String>,
    explain: Option<String>,
    items: Vec<ItemView>,
}

#[derive(Serialize)]
pub(super) struct ItemView {
    id: String,
    name: String,
    standard: Option<String>,
    points: String,
    values: Vec<ValueView>,
    score: Option<String>,
    explain: Option<String>,
}

#[derive(Serialize)]
pub(super) struct ValueView {
    name: String,
    value: String,
    unit: Option<String>,
}

#[derive(Serialize)]
pub(super) struct AppealView {
    reason: String,
    items: Vec<String>,
    at: String,
    decision: Option<String>,
    decision_reason: Option<String>,
}

#[derive(Serialize)]
pub(super) struct SigView {
    label: String,
    name: Option<String>,
    at: Option<String>,
}

pub(super) fn pick<'a>(lang: Lang, zh: &'a str, en: Option<&'a str>) -> &'a str {
    match (lang, en) {
        (Lang::En, Some(e)) => e,
        _ => zh,
    }
}

/// The sheet as the page shows it: the form's layout with this appraisal's values and scores.
pub(super) fn sheet(
    lang: Lang,
    t: &kaohe_core::Template,
    c: &Cycle,
    a: &Appraisal,
    me: &User,
    ex: Option<&kaohe_store::Explained>,
) -> SheetView {
    let fmt = kaohe_core::num::fmt;
    let result = a.result.as_ref();
    let item_score = |id: &str| {
        result.and_then(|r| r.items.iter().find(|i| i.id == id).map(|i| i.score.clone()))
    };
    let input_slots = t.layout.params;
    // The store's explanation (with the peers and prior periods the result used), keyed
    // `item:<id>`, `section:<id>`, `total`, `pay:<id>`.
    let lines = ex.map(|e| match lang {
        Lang::Zh => &e.lines_zh,
        Lang::En => &e.lines_en,
    });
    let ex_of = |target: Target| {
        let key = match target {
            Target::Item(i) => format!("item:{}", t.items[i].id),
            Target::Section(i) => format!("section:{}", t.sections[i].id),
            Target::Total => "total".into(),
            Target::Pay(i) => format!("pay:{}", t.pay[i].id),
            _ => return None,
        };
        lines?
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, l)| l.clone())
    };
    let sections = t
        .sections
        .iter()
        .enumerate()
        .map(|(si, s)| SectionView {
            id: s.id.clone(),
            name: pick(lang, &s.name, s.name_en.as_deref()).to_string(),
            points: fmt(s.points),
            score: result.and_then(|r| {
                r.sections
                    .iter()
                    .find(|(id, _)| *id == s.id)
                    .map(|(_, v)| v.clone())
            }),
            explain: ex_of(Target::Section(si)),
            items: s
                .items
                .iter()
                .map(|&i| {
                    let it = &t.items[i];
                    let mut slots: Vec<u32> = it.reads.clone();
                    slots.extend(it.rater_reads.iter().flatten().copied());
                    let mut seen = Vec::new();
                    let values = slots
                        .into_iter()
                        .filter(|&s| s < input_slots)
                        .filter_map(|s| {
                            let inp = &t.inputs[s as usize];
                            if seen.contains(&s) {
                                return None;
                            }
                            seen.push(s);
                            // A peer group's column before enough answered (同事评分): said so,
                            // to whoever reads the scores.
                            let peers = inp.rater.and_then(|r| t.raters[r].peers.as_ref());
                            if let (None, Some(g), Some(_)) = (a.inputs.get(&inp.id), peers, result)
                            {
                                return Some(ValueView {
                                    name: pick(lang, &inp.name, inp.name_en.as_deref()).to_string(),
                                    value: text(
                                        lang,
                                        "peers-too-few",
                                        &[("k", Arg::Text(g.min_answers.to_string()))],
                                    ),
                                    unit: None,
                                });
                            }
                            let v = a.inputs.get(&inp.id)?;
                            (!v.trim().is_empty()).then(|| ValueView {
                                name: pick(lang, &inp.name, inp.name_en.as_deref()).to_string(),
                                value: v.clone(),
                                unit: inp.unit.clone(),
                            })
                        })
                        .collect();
                    ItemView {
                        id: it.id.clone(),
                        name: pick(lang, &it.name, it.name_en.as_deref()).to_string(),
                        standard: it.standard.clone(),
                        points: fmt(it.points),
                        values,
                        score: item_score(&it.id),
                        explain: ex_of(Target::Item(i)),
                    }
                })
                .collect(),
        })
        .collect();
    let appraisee = me.employee_id == Some(a.employee_id);
    let items: Vec<(String, String)> = t
        .items
        .iter()
        .map(|i| {
            (
                i.id.clone(),
                pick(lang, &i.name, i.name_en.as_deref()).to_string(),
            )
        })
        .collect();
    let appeal = a.appeal.as_ref().map(|ap| AppealView {
        reason: ap.reason.clone(),
        items: ap
            .items
            .iter()
            .map(|id| {
                items
                    .iter()
                    .find(|(i, _)| i == id)
                    .map_or(id.clone(), |(_, n)| n.clone())
            })
            .collect(),
        at: short_time(&ap.at),
        decision: ap
            .decision
            .as_deref()
            .map(|d| text(lang, &format!("decision-{d}"), &[])),
        decision_reason: ap.decision_reason.clone(),
    });
    SheetView {
        id: a.id,
        version: a.version,
        title: pick(lang, &t.form.title, t.form.title_en.as_deref()).to_string(),
        form_id: t.form.id.clone(),
        emp_no: a.emp_no.clone(),
        name: a.name.clone(),
        // The store does not give the appraisee's position yet (the appraisal's group is
        // the department): a form made for one position names it.
        position: match t.form.positions.as_slice() {
            [p] => Some(p.clone()),
            _ => None,
        },
        department: a.department.clone(),
        period: c.period.clone(),
        cycle: c.name.clone(),
        state: a.state.as_str(),
        sections,
        scores: result.is_some(),
        score_error: result.and_then(|r| r.error.as_ref().map(|(_, m)| in_lang(lang, m))),
        total: a
            .total
            .clone()
            .or_else(|| result.and_then(|r| r.total.clone())),
        total_explain: ex_of(Target::Total),
        bonus_explain: (!t.pay.is_empty())
            .then(|| ex_of(Target::Pay(t.pay.len() - 1)))
            .flatten(),
        total_points: fmt(t.form.total_points),
        grade: a
            .grade
            .clone()
            .or_else(|| result.and_then(|r| r.grade.clone())),
        bonus: a
            .bonus
            .clone()
            .or_else(|| result.and_then(|r| r.pay.last().map(|(_, v)| v.clone()))),
        form_notes: t.form.notes.clone(),
        self_summary: a.notes.self_summary.clone(),
        comments: a.notes.comments.clone(),
        next_goals: a.notes.next_goals.clone(),
        appeal,
        signatures: signatures(lang, t, a, &[]),
        can_respond: appraisee && a.state == WState::Published,
        decide: None,
        confirm_due: a.confirm_due.as_deref().map(short_time),
        on_behalf_of: a.on_behalf_of.clone(),
        items,
    }
}

/// The signature lines: the form's, then review and approval if the form has none, each
/// with the name and time of whoever acted in that role (`signers`, from the store):
/// 考核人 and 上级 the raters who handed in, 复核 who passed review, 审批 who approved.
pub(super) fn signatures(
    lang: Lang,
    t: &kaohe_core::Template,
    a: &Appraisal,
    signers: &[kaohe_store::Signer],
) -> Vec<SigView> {
    let key = |label: &str| match label {
        "被考核人" => Some(("sig-appraisee", "appraisee")),
        "考核人" | "评分人" => Some(("sig-rater", "rater")),
        "上级" | "直接上级" | "主管" => Some(("", "rater")),
        "复核" | "复核人" | "审核" | "审核人" => Some(("sig-review", "reviewer")),
        "审批" | "审批人" | "批准" | "批准人" => Some(("sig-approval", "approver")),
        _ => None,
    };
    let mut labels: Vec<String> = if t.form.signatures.is_empty() {
        vec!["被考核人".into(), "考核人".into()]
    } else {
        t.form.signatures.clone()
    };
    for (k, add) in [("reviewer", "复核"), ("approver", "审批")] {
        if !labels.iter().any(|l| key(l).is_some_and(|x| x.1 == k)) {
            labels.push(add.into());
        }
    }
    let signed = |role: &str| -> (Option<String>, Option<String>) {
        let who: Vec<&kaohe_store::Signer> = signers.iter().filter(|s| s.role == role).collect();
        if who.is_empty() {
            return (None, None);
        }
        // 「李四 代 王五」 when a delegate acted for the principal.
        let names: Vec<String> = who
            .iter()
            .map(|s| match &s.on_behalf_of {
                Some(p) => text(
                    lang,
                    "sig-on-behalf",
                    &[
                        ("delegate", Arg::Text(s.who())),
                        ("principal", Arg::Text(p.clone())),
                    ],
                ),
                None => s.who(),
            })
            .collect();
        let at = who.iter().map(|s| s.at.as_str()).max().map(short_time);
        (Some(names.join("、")), at)
    };
    labels
        .iter()
        .map(|l| {
            let (name, at) = match key(l).map(|k| k.1) {
                Some("appraisee") if a.state == WState::Confirmed => (
                    Some(
                        a.confirmed_by
                            .clone()
                            .unwrap_or_else(|| text(lang, "sheet-sig-default", &[])),
                    ),
                    a.confirmed_at.as_deref().map(short_time),
                ),
                Some("approver") => {
                    let (name, at) = signed("approver");
                    (
                        name,
                        at.or_else(|| a.published_at.as_deref().map(short_time)),
                    )
                }
                Some(role @ ("rater" | "reviewer")) => signed(role),
                _ => (None, None),
            };
            SigView {
                label: match key(l) {
                    Some((k, _)) if !k.is_empty() => text(lang, k, &[]),
                    _ => l.clone(),
                },
                name,
                at,
            }
        })
        .collect()
}

/// How a store error reads in place, and the status it answers with.
pub(super) fn store_refusal(lang: Lang, e: &StoreError) -> (StatusCode, String) {
    let status = match e {
        StoreError::Stale { .. } | StoreError::Workflow(_) | StoreError::Conflict { .. } => {
            StatusCode::CONFLICT
        }
        StoreError::Forbidden(_) => StatusCode::FORBIDDEN,
        StoreError::NotFound { .. } => StatusCode::NOT_FOUND,
        StoreError::DatabaseBusy | StoreError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let text = match e {
        // Each field's problem already names its item in words: the ids stay out.
        StoreError::Fields(f) => f
            .iter()
            .map(|(_, m)| in_lang(lang, m))
            .collect::<Vec<_>>()
            .join(match lang {
                Lang::Zh => "；",
                Lang::En => "; ",
            }),
        // Each row's problem in the reader's language, by line: the fields' ids stay out.
        StoreError::Rows(rows) => {
            let list = rows
                .iter()
                .map(|(line, _, m)| {
                    super::text(
                        lang,
                        "store-row",
                        &[
                            ("line", Arg::Num(*line as f64)),
                            ("problem", Arg::Text(in_lang(lang, m))),
                        ],
                    )
                })
                .collect::<Vec<_>>()
                .join(match lang {
                    Lang::Zh => "；",
                    Lang::En => "; ",
                });
            super::text(
                lang,
                "store-rows",
                &[
                    ("count", Arg::Num(rows.len() as f64)),
                    ("list", Arg::Text(list)),
                ],
            )
        }
        e => in_lang(lang, &e.to_string()),
    };
    (status, text)
}

pub(super) fn is_internal(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Database(_) | StoreError::Migrate(_) | StoreError::UnsupportedUrl(_)
    )
}

/// What was typed into the sign and appeal forms, kept when they come back with an error.
/// The values typed into a rating form: `v.<input>` fields, where a checklist sends one
/// `v.<input>` per ticked criterion (joined as `1,3`) and `set.<input>` to say it was on the
/// form (nothing ticked is `无`, none met).
pub(super) fn typed_values(form: &Form) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (k, _) in &form.0 {
        if let Some(id) = k.strip_prefix("set.") {
            out.entry(id.to_string()).or_default();
        }
    }
    for (k, v) in &form.0 {
        let Some(id) = k.strip_prefix("v.") else {
            continue;
        };
        match out.get_mut(id) {
            Some(have) if form.get(&format!("set.{id}")).is_some() => {
                if !v.is_empty() {
                    if !have.is_empty() {
                        have.push(',');
                    }
                    have.push_str(v);
                }
            }
            _ => {
                out.insert(id.to_string(), v.clone());
            }
        }
    }
    for (k, v) in out.iter_mut() {
        if v.is_empty() && form.get(&format!("set.{k}")).is_some() {
            *v = "无".into();
        }
    }
    out
}

#[derive(Serialize, Default)]
pub(super) struct Typed {
    name: String,
    reason: String,
    items: Vec<String>,
    /// Appeal: item id → the reason given for that item.
    why: BTreeMap<String, String>,
    /// Input id → what was typed into the rating form.
    values: BTreeMap<String, String>,
    /// Input id → what is wrong with it.
    errors: BTreeMap<String, String>,
    /// What was just done (after an action's redirect).
    done: Option<Done>,
}

pub(super) async fn sheet_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    me: &User,
    id: i64,
    error: Option<(StatusCode, String)>,
    typed: Typed,
) -> PageResult {
    let a = match st.store.appraisal(me, id).await {
        Ok(a) => a,
        Err(StoreError::NotFound { .. }) => return Ok(not_found(ctx)),
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    };
    let (c, t) = st.store.cycle_form(a.cycle_id).await.or_page(ctx)?;
    // Explained only once the scores are visible to this reader (the store decides).
    let ex = match &a.result {
        Some(r) if r.error.is_none() => match st.store.explain(me, a.id).await {
            Ok(e) => Some(e),
            Err(e) if is_internal(&e) => return Ok(server_error(ctx.lang, &e.to_string())),
            Err(_) => None,
        },
        _ => None,
    };
    let mut view = sheet(ctx.lang, &t, &c, &a, me, ex.as_ref());
    view.signatures = match st.store.signers(a.id).await {
        Ok(s) => signatures(ctx.lang, &t, &a, &s),
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    };
    view.decide = decision(st, &a, me).await.or_page(ctx)?;
    let entry = entry_form(st, ctx.lang, &t, &a, me, &typed)
        .await
        .or_page(ctx)?;
    let (status, error) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (StatusCode::OK, None),
    };
    let hr = kaohe_store::policy::require(me, kaohe_store::policy::Capability::ManageCycles)
        .is_ok_and(|s| s.is_all());
    // The data's corrections, for whoever sees the figures (HR, reviewer, approver, the
    // appraisee once published): what changed, when, by whom and why.
    let corrections = if hr || a.total.is_some() {
        corrections_of(st, ctx.lang, &t, id).await.or_page(ctx)?
    } else {
        Vec::new()
    };
    // Who the peer raters are and whether each answered (同事评分): HR's, to chase them; the
    // store refuses anyone else. Never what they answered.
    let peers: Vec<kaohe_store::PeerStatus> = if hr && !kaohe_store::peer_groups(&t).is_empty() {
        st.store.peer_status(me, id).await.or_page(ctx)?
    } else {
        Vec::new()
    };
    // HR's correction form: every input the sheet declares, as stored now.
    let correct: Vec<CorrectField> = if hr {
        t.inputs
            .iter()
            .filter(|i| {
                matches!(
                    i.origin,
                    kaohe_core::model::Origin::Declared | kaohe_core::model::Origin::Event
                )
            })
            .map(|i| CorrectField {
                id: i.id.clone(),
                name: match (ctx.lang, &i.name_en) {
                    (Lang::En, Some(en)) => en.clone(),
                    _ => i.name.clone(),
                },
                unit: i.unit.clone(),
                value: typed
                    .values
                    .get(&i.id)
                    .cloned()
                    .or_else(|| a.inputs.get(&i.id).cloned())
                    .unwrap_or_default(),
                error: typed.errors.get(&i.id).cloned(),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(
        ctx,
        status,
        "appraisal.html",
        context! {
            a => Serde(view),
            entry => Serde(entry),
            error,
            typed => Serde(typed),
            corrections => Serde(corrections),
            correct => Serde(correct),
            peers => Serde(peers),
        },
    ))
}

/// One input on HR's correction form.
#[derive(Serialize)]
struct CorrectField {
    id: String,
    name: String,
    unit: Option<String>,
    value: String,
    error: Option<String>,
}

/// A correction of the data, as the sheet lists it.
#[derive(Serialize)]
struct CorrectionView {
    at: String,
    actor: String,
    /// (input name, old, new).
    changes: Vec<(String, String, String)>,
    reason: String,
}

async fn corrections_of<S: Store>(
    st: &AppState<S>,
    lang: Lang,
    t: &kaohe_core::Template,
    id: i64,
) -> Result<Vec<CorrectionView>, StoreError> {
    let found = st
        .store
        .audit_search(&kaohe_store::AuditQuery {
            entity: Some("appraisal".into()),
            entity_id: Some(id.to_string()),
            text: Some("appraisal.correct_data".into()),
            page: kaohe_store::Page {
                offset: 0,
                limit: 50,
            },
            ..Default::default()
        })
        .await?;
    let name_of = |k: &str| {
        t.inputs
            .iter()
            .find(|i| i.id == k)
            .map(|i| match (lang, &i.name_en) {
                (Lang::En, Some(en)) => en.clone(),
                _ => i.name.clone(),
            })
            .unwrap_or_else(|| k.to_string())
    };
    let map = |v: &Option<String>| -> BTreeMap<String, String> {
        v.as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    };
    Ok(found
        .into_iter()
        .filter(|e| e.action == "appraisal.correct_data")
        .map(|e| {
            let (old, new) = (map(&e.old_value), map(&e.new_value));
            CorrectionView {
                at: short_time(&e.at),
                actor: e.actor.clone(),
                changes: new
                    .iter()
                    .map(|(k, n)| {
                        (
                            name_of(k),
                            old.get(k).cloned().unwrap_or_default(),
                            n.clone(),
                        )
                    })
                    .collect(),
                reason: e.reason.clone().unwrap_or_default(),
            }
        })
        .collect())
}

/// `?done=` after an action: which one, to say it was done.
#[derive(serde::Deserialize, Default)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

/// What was just done, as the sheet says it, and which inbox kind it cleared.
const DONE: [(&str, Option<&str>); 11] = [
    ("saved", None),
    ("corrected", None),
    ("submitted", Some("rate")),
    ("signed", Some("sign")),
    ("appealed", None),
    ("review_pass", Some("review")),
    ("review_return", Some("review")),
    ("approve", Some("approve")),
    ("reject", Some("approve")),
    ("uphold", None),
    ("reopen", None),
];

/// The success message after an action, and the next appraisal waiting for `me` of the
/// same kind: (message, next appraisal id, its appraisee).
#[derive(Serialize)]
struct Done {
    key: String,
    next: Option<(i64, String)>,
    kind: Option<String>,
}

async fn done_of<S: Store>(
    st: &AppState<S>,
    me: &User,
    id: i64,
    done: Option<&str>,
) -> Result<Option<Done>, StoreError> {
    let Some((key, kind)) = done.and_then(|d| DONE.iter().find(|(k, _)| *k == d)) else {
        return Ok(None);
    };
    let mut next = None;
    if let Some(kind) = kind {
        // Submitting a self-assessment clears a `self` task, a rating a `rate` one.
        for t in st.store.tasks(me).await? {
            let same = t.kind == *kind || (*kind == "rate" && t.kind == "self");
            if let (true, Some(a)) = (same, t.appraisal_id)
                && a != id
            {
                next = Some((a, t.appraisee.unwrap_or_default()));
                break;
            }
        }
    }
    Ok(Some(Done {
        key: key.to_string(),
        next,
        kind: kind.map(str::to_string),
    }))
}

pub(super) async fn appraisal<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> PageResult {
    let Some(me) = ctx.user.clone() else {
        return Ok(to_login(&ctx));
    };
    let id = path_id(&ctx, &id)?;
    let done = done_of(&st, &me, id, q.done.as_deref())
        .await
        .or_page(&ctx)?;
    let typed = Typed {
        done,
        ..Typed::default()
    };
    sheet_page(&st, &ctx, &me, id, None, typed).await
}

pub(super) async fn act<S: Store>(
    State(st): State<AppState<S>>,
    mut ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let Some(me) = ctx.user.clone() else {
        return Ok(to_login(&ctx));
    };
    let id = path_id(&ctx, &id)?;
    ctx.path = format!("/appraisals/{id}");
    let typed = Typed {
        name: form.get("name").unwrap_or_default().to_string(),
        reason: form.get("reason").unwrap_or_default().to_string(),
        items: form.all("items"),
        why: form
            .0
            .iter()
            .filter_map(|(k, v)| {
                let v = v.trim();
                (!v.is_empty())
                    .then(|| Some((k.strip_prefix("why.")?.to_string(), v.to_string())))?
            })
            .collect(),
        values: typed_values(&form),
        errors: BTreeMap::new(),
        done: None,
    };
    let Some(version) = form.get("version").and_then(|v| v.parse::<i64>().ok()) else {
        let m = text(ctx.lang, "action-bad-version", &[]);
        return sheet_page(
            &st,
            &ctx,
            &me,
            id,
            Some((StatusCode::UNPROCESSABLE_ENTITY, m)),
            typed,
        )
        .await;
    };
    if let Some(what @ ("save" | "submit")) = form.get("action") {
        return rate(&st, &ctx, &me, id, version, what == "submit", typed).await;
    }
    if form.get("action") == Some("correct") {
        return correct(&st, &ctx, &me, id, version, &form, typed).await;
    }
    let step = match form.get("action") {
        Some("sign") => Step::Do(Action::Sign {
            name: typed.name.clone(),
        }),
        Some("appeal") => {
            let (reason, items) = appeal_of(&st, &me, id, &typed).await;
            Step::Do(Action::Appeal { reason, items })
        }
        Some("review_pass") => Step::Do(Action::ReviewPass),
        Some("review_return") => Step::Do(Action::ReviewReturn {
            reason: typed.reason.clone(),
        }),
        Some("approve") => Step::Do(Action::Approve),
        Some("reject") => Step::Do(Action::Reject {
            reason: typed.reason.clone(),
        }),
        Some("uphold") => Step::Do(Action::Uphold {
            reason: typed.reason.clone(),
        }),
        Some("reopen") => Step::Do(Action::Reopen {
            reason: typed.reason.clone(),
            items: typed.items.clone(),
        }),
        _ => {
            let m = text(ctx.lang, "action-unknown", &[]);
            return sheet_page(
                &st,
                &ctx,
                &me,
                id,
                Some((StatusCode::UNPROCESSABLE_ENTITY, m)),
                typed,
            )
            .await;
        }
    };
    let done = match &step {
        Step::Do(Action::Sign { .. }) => "signed",
        Step::Do(Action::Appeal { .. }) => "appealed",
        Step::Do(Action::ReviewPass) => "review_pass",
        Step::Do(Action::ReviewReturn { .. }) => "review_return",
        Step::Do(Action::Approve) => "approve",
        Step::Do(Action::Reject { .. }) => "reject",
        Step::Do(Action::Uphold { .. }) => "uphold",
        Step::Do(Action::Reopen { .. }) => "reopen",
        _ => "saved",
    };
    match st.store.act(&me, id, version, &step).await {
        Ok(_) => Ok(see_other(&format!("/appraisals/{id}?done={done}"))),
        Err(StoreError::NotFound { .. }) => Ok(not_found(&ctx)),
        Err(e) if is_internal(&e) => Ok(server_error(ctx.lang, &e.to_string())),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
            sheet_page(&st, &ctx, &me, id, Some((status, m)), typed).await
        }
    }
}

/// An appeal's reason and items from the form: the general reason, then a line per item
/// given its own reason (「销售任务」：…); an item with a reason is disputed even if its box
/// was left unticked. Item names come from the appraisal's form.
async fn appeal_of<S: Store>(
    st: &AppState<S>,
    me: &User,
    id: i64,
    typed: &Typed,
) -> (String, Vec<String>) {
    let mut items = typed.items.clone();
    for k in typed.why.keys() {
        if !items.contains(k) {
            items.push(k.clone());
        }
    }
    let names = item_names(st, me, id).await;
    let mut reason = typed.reason.trim().to_string();
    for (k, why) in &typed.why {
        if !reason.is_empty() {
            reason.push('\n');
        }
        let name = names.get(k).map_or(k.as_str(), String::as_str);
        reason.push_str(&format!("「{name}」：{why}"));
    }
    (reason, items)
}

/// The item ids and (Chinese) names of an appraisal's form; empty if it can't be read (the
/// store then refuses the appeal's unknown items itself).
async fn item_names<S: Store>(st: &AppState<S>, me: &User, id: i64) -> BTreeMap<String, String> {
    let Ok(a) = st.store.appraisal(me, id).await else {
        return BTreeMap::new();
    };
    let Ok(c) = st.store.cycle(a.cycle_id).await else {
        return BTreeMap::new();
    };
    let Ok(Some(tv)) = st
        .store
        .template(&c.form_id, Some(c.template_version))
        .await
    else {
        return BTreeMap::new();
    };
    match kaohe_core::compile_str(&tv.source) {
        Ok(t) => t
            .items
            .iter()
            .map(|i| (i.id.clone(), i.name.clone()))
            .collect(),
        Err(_) => BTreeMap::new(),
    }
}

/// HR's correction: the `c.<input>` fields that differ from what is stored, with the
/// reason; scored anew by the store.
async fn correct<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    me: &User,
    id: i64,
    version: i64,
    form: &Form,
    mut typed: Typed,
) -> PageResult {
    let stored = match st.store.appraisal(me, id).await {
        Ok(a) => a.inputs,
        Err(StoreError::NotFound { .. }) => return Ok(not_found(ctx)),
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    };
    let mut values = kaohe_store::Values::new();
    for (k, v) in &form.0 {
        if let Some(input) = k.strip_prefix("c.") {
            typed.values.insert(input.to_string(), v.clone());
            if stored.get(input).map(String::as_str).unwrap_or("") != v.trim() {
                values.insert(input.to_string(), v.clone());
            }
        }
    }
    let reason = form
        .get("correct_reason")
        .unwrap_or_default()
        .trim()
        .to_string();
    typed.reason = reason.clone();
    if values.is_empty() {
        let m = text(ctx.lang, "correct-nothing", &[]);
        return sheet_page(
            st,
            ctx,
            me,
            id,
            Some((StatusCode::UNPROCESSABLE_ENTITY, m)),
            typed,
        )
        .await;
    }
    match st.store.correct(me, id, version, &values, &reason).await {
        Ok(_) => Ok(see_other(&format!("/appraisals/{id}?done=corrected"))),
        Err(StoreError::NotFound { .. }) => Ok(not_found(ctx)),
        Err(e) if is_internal(&e) => Ok(server_error(ctx.lang, &e.to_string())),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            if let StoreError::Fields(f) = &e {
                for (field, msg) in f {
                    typed.errors.insert(field.clone(), in_lang(ctx.lang, msg));
                }
            }
            let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
            sheet_page(st, ctx, me, id, Some((status, m)), typed).await
        }
    }
}

/// Save what a rater (or the appraisee, in self-assessment) typed; with `submit`, hand in.
pub(super) async fn rate<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    me: &User,
    id: i64,
    version: i64,
    submit: bool,
    mut typed: Typed,
) -> PageResult {
    let mut version = version;
    if submit {
        let unchosen = match unchosen_levels(st, ctx.lang, me, id, &typed.values).await {
            Ok(u) => u,
            Err(StoreError::NotFound { .. }) => return Ok(not_found(ctx)),
            Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
        };
        if !unchosen.is_empty() {
            let m = unchosen
                .values()
                .cloned()
                .collect::<Vec<_>>()
                .join(match ctx.lang {
                    Lang::Zh => "；",
                    Lang::En => "; ",
                });
            typed.errors.extend(unchosen);
            let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
            return sheet_page(
                st,
                ctx,
                me,
                id,
                Some((StatusCode::UNPROCESSABLE_ENTITY, m)),
                typed,
            )
            .await;
        }
    }
    if !typed.values.is_empty() {
        match st.store.enter(me, id, version, &typed.values).await {
            Ok(a) => version = a.version,
            Err(StoreError::NotFound { .. }) => return Ok(not_found(ctx)),
            Err(e) if is_internal(&e) => return Ok(server_error(ctx.lang, &e.to_string())),
            Err(e) => {
                let (status, m) = store_refusal(ctx.lang, &e);
                if let StoreError::Fields(f) = &e {
                    for (field, msg) in f {
                        typed.errors.insert(field.clone(), in_lang(ctx.lang, msg));
                    }
                }
                let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
                return sheet_page(st, ctx, me, id, Some((status, m)), typed).await;
            }
        }
    }
    if submit {
        match st.store.act(me, id, version, &Step::Submit).await {
            Ok(_) => {}
            Err(StoreError::NotFound { .. }) => return Ok(not_found(ctx)),
            Err(e) if is_internal(&e) => return Ok(server_error(ctx.lang, &e.to_string())),
            Err(e) => {
                let (status, m) = store_refusal(ctx.lang, &e);
                let m = text(ctx.lang, "action-failed", &[("reason", Arg::Text(m))]);
                // The values were saved: show what is stored now.
                typed.values.clear();
                return sheet_page(st, ctx, me, id, Some((status, m)), typed).await;
            }
        }
    }
    let done = if submit { "submitted" } else { "saved" };
    Ok(see_other(&format!("/appraisals/{id}?done={done}")))
}

/// Live scores while rating (`POST /appraisals/{id}/preview`, called by `rate.js`): the
/// rating form's values tried out, nothing saved, answered as JSON in the page's language —
/// every item's and section's score, the total, grade and bonus as the sheet shows them,
/// with their explanations; or what is wrong with which field. The store scores exactly as
/// it scores stored values, so what the rater sees here is what saving will store.
pub(super) async fn preview<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let answer = |status: StatusCode, body: serde_json::Value| {
        (
            status,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(body),
        )
            .into_response()
    };
    let refused = |status: StatusCode, m: String| answer(status, serde_json::json!({ "error": m }));
    let form = Form::parse(&body);
    if !form.csrf_ok(&ctx) {
        return refused(StatusCode::FORBIDDEN, text(ctx.lang, "error-403-csrf", &[]));
    }
    let Some(me) = ctx.user.clone() else {
        return refused(
            StatusCode::UNAUTHORIZED,
            text(ctx.lang, "error-401-text", &[]),
        );
    };
    let Ok(id) = id.parse::<i64>() else {
        return refused(StatusCode::NOT_FOUND, text(ctx.lang, "error-404-text", &[]));
    };
    let values = typed_values(&form);
    let p = match st.store.preview(&me, id, &values).await {
        Ok(p) => p,
        Err(e) if is_internal(&e) => {
            tracing::error!(cause = %e, "preview failed");
            return refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                text(ctx.lang, "error-500-text", &[]),
            );
        }
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            let fields: BTreeMap<String, String> = match &e {
                StoreError::Fields(f) => f
                    .iter()
                    .map(|(k, m)| (k.clone(), in_lang(ctx.lang, m)))
                    .collect(),
                _ => BTreeMap::new(),
            };
            return answer(status, serde_json::json!({ "error": m, "fields": fields }));
        }
    };
    let (c, t) = match st.store.cycle_form(p.appraisal.cycle_id).await {
        Ok(x) => x,
        Err(e) => {
            tracing::error!(cause = %e, "preview failed");
            return refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                text(ctx.lang, "error-500-text", &[]),
            );
        }
    };
    let v = sheet(ctx.lang, &t, &c, &p.appraisal, &me, p.explained.as_ref());
    let none = text(ctx.lang, "none", &[]);
    let shown = |x: &Option<String>| x.clone().unwrap_or_else(|| none.clone());
    let mut items = serde_json::Map::new();
    let mut sections = serde_json::Map::new();
    for s in &v.sections {
        sections.insert(
            s.id.clone(),
            serde_json::json!({ "score": shown(&s.score), "explain": s.explain }),
        );
        for it in &s.items {
            items.insert(
                it.id.clone(),
                serde_json::json!({ "score": shown(&it.score), "explain": it.explain }),
            );
        }
    }
    answer(
        StatusCode::OK,
        serde_json::json!({
            "items": items,
            "sections": sections,
            "total": shown(&v.total),
            "total_explain": v.total_explain,
            "grade": shown(&v.grade),
            "bonus": shown(&v.bonus),
            "bonus_explain": v.bonus_explain,
            "score_error": v.score_error.map(|r| text(ctx.lang, "sheet-not-scored", &[("reason", Arg::Text(r))])),
        }),
    )
}

/// The level pickers on the submitted form left at 「请选择」 (sent empty): input id → the
/// message to show beside each. Nothing is handed in while one is.
async fn unchosen_levels<S: Store>(
    st: &AppState<S>,
    lang: Lang,
    me: &User,
    id: i64,
    values: &BTreeMap<String, String>,
) -> kaohe_store::Result<BTreeMap<String, String>> {
    let a = st.store.appraisal(me, id).await?;
    let (_, t) = st.store.cycle_form(a.cycle_id).await?;
    let controls = super::controls::controls(&t, lang);
    Ok(controls
        .iter()
        .filter(|(_, c)| c.kind == "levels")
        .filter_map(|(slot, _)| t.inputs.get(*slot as usize))
        .filter(|inp| values.get(&inp.id).is_some_and(|v| v.trim().is_empty()))
        .map(|inp| {
            let name = match inp.item {
                Some(i) => pick(lang, &t.items[i].name, t.items[i].name_en.as_deref()),
                None => pick(lang, &inp.name, inp.name_en.as_deref()),
            };
            (
                inp.id.clone(),
                text(
                    lang,
                    "entry-choose-missing",
                    &[("name", Arg::Text(name.to_string()))],
                ),
            )
        })
        .collect())
}

/// The decision `me` may take on the appraisal now: review or approval when it is in their
/// inbox, an appeal's outcome for HR. The store checks again when it is taken.
pub(super) async fn decision<S: Store>(
    st: &AppState<S>,
    a: &Appraisal,
    me: &User,
) -> kaohe_store::Result<Option<&'static str>> {
    let kind = match a.state {
        WState::Review => "review",
        WState::Approval => "approve",
        WState::Appealed if me.has(Role::HrAdmin) => return Ok(Some("appeal")),
        _ => return Ok(None),
    };
    let mine = st
        .store
        .tasks(me)
        .await?
        .into_iter()
        .any(|x| x.appraisal_id == Some(a.id) && x.kind == kind);
    Ok(mine.then_some(kind))
}

#[derive(Serialize)]
pub(super) struct EntryView {
    /// `rate` or `self`.
    kind: &'static str,
    fields: Vec<FieldView>,
    /// As a peer (同事评分): the answers needed before the peers' mean counts.
    peer_min: Option<u32>,
}

#[derive(Serialize)]
pub(super) struct FieldView {
    id: String,
    item: Option<String>,
    name: String,
    value: String,
    unit: Option<String>,
    /// `number`, `choice` or `text`.
    input: &'static str,
    min: Option<String>,
    max: Option<String>,
    step: &'static str,
    choices: Vec<String>,
    required: bool,
    error: Option<String>,
    /// How the rule wants it filled (a level picker, a checklist, …).
    control: Option<super::controls::Control>,
    /// Checklist: the criteria ticked now.
    ticked: Vec<String>,
}

/// The inputs `me` fills on this appraisal now (a rater's column during rating, the
/// appraisee's own during self-assessment), as the store decides who supplies what; None
/// when there are none. The store checks again on save.
pub(super) async fn entry_form<S: Store>(
    st: &AppState<S>,
    lang: Lang,
    t: &kaohe_core::Template,
    a: &Appraisal,
    me: &User,
    typed: &Typed,
) -> kaohe_store::Result<Option<EntryView>> {
    let kind = match a.state {
        WState::Rating => "rate",
        WState::SelfAssessment if me.employee_id == Some(a.employee_id) => "self",
        _ => return Ok(None),
    };
    let mut raters: Vec<String> = st
        .store
        .tasks(me)
        .await?
        .into_iter()
        .filter(|x| x.appraisal_id == Some(a.id) && x.kind == kind)
        .map(|x| x.rater.unwrap_or_else(|| "self".into()))
        .collect();
    // A peer who answered may change their answers while rating lasts (同事评分).
    if kind == "rate"
        && let Ok(mine) = st.store.peer_status(me, a.id).await
    {
        for p in mine.into_iter().filter(|p| p.yours) {
            if !raters.contains(&p.rater) {
                raters.push(p.rater);
            }
        }
    }
    if raters.is_empty() {
        return Ok(None);
    }
    let depts = st.store.departments().await?;
    let (owners, _) = kaohe_store::input_owners(t, &depts);
    let open = |inp: &kaohe_core::model::Input| match (&a.open_items, inp.item) {
        (None, _) => true,
        (Some(o), Some(i)) => o.contains(&t.items[i].id),
        (Some(_), None) => false,
    };
    let fmt = kaohe_core::num::fmt;
    let controls = super::controls::controls(t, lang);
    let fields: Vec<FieldView> = t
        .inputs
        .iter()
        .enumerate()
        .zip(&owners)
        .filter(|((_, inp), o)| {
            matches!(o, kaohe_store::Owner::Rater(r) if raters.contains(r)) && open(inp)
        })
        .map(|((slot, inp), _)| {
            let control = controls.get(&(slot as u32)).cloned();
            use kaohe_core::model::InputKind;
            let (input, step, choices) = match &inp.kind {
                InputKind::Number | InputKind::Money | InputKind::Percent => {
                    ("number", "any", Vec::new())
                }
                InputKind::Count => ("number", "1", Vec::new()),
                InputKind::Choice(c) => ("choice", "", c.clone()),
                InputKind::Set(_) | InputKind::Text => ("text", "", Vec::new()),
            };
            let min = inp
                .min
                .map(fmt)
                .or_else(|| (matches!(inp.kind, InputKind::Count)).then(|| "0".to_string()));
            let value = typed
                .values
                .get(&inp.id)
                .or_else(|| a.inputs.get(&inp.id))
                .cloned()
                .unwrap_or_default();
            let ticked = match (&control, &inp.kind) {
                (Some(c), InputKind::Set(n)) if c.kind == "checklist" => {
                    match kaohe_core::input::parse_set(&value, *n) {
                        Ok(bits) => (0..*n)
                            .filter(|i| bits & (1 << i) != 0)
                            .map(|i| (i + 1).to_string())
                            .collect(),
                        Err(_) => Vec::new(),
                    }
                }
                _ => Vec::new(),
            };
            let (min, max) = match &control {
                Some(c) if c.min.is_some() || c.max.is_some() => (
                    c.min.clone().or(min),
                    c.max.clone().or_else(|| inp.max.map(fmt)),
                ),
                _ => (min, inp.max.map(fmt)),
            };
            FieldView {
                control,
                ticked,
                id: inp.id.clone(),
                item: inp.item.map(|i| {
                    pick(lang, &t.items[i].name, t.items[i].name_en.as_deref()).to_string()
                }),
                name: pick(lang, &inp.name, inp.name_en.as_deref()).to_string(),
                value,
                unit: inp.unit.clone(),
                input,
                min,
                max,
                step,
                choices,
                required: inp.required,
                error: typed.errors.get(&inp.id).cloned(),
            }
        })
        .collect();
    let peer_min = t
        .raters
        .iter()
        .filter(|r| raters.contains(&r.id))
        .find_map(|r| r.peers.as_ref().map(|g| g.min_answers));
    Ok(Some(EntryView {
        kind,
        fields,
        peer_min,
    }))
}
