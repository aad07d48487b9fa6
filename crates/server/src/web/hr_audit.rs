//! HR's audit viewer: the hash-chained audit log, newest first, filtered by the database
//! (actor, kind of entity and its id, text contained, dates), old → new values and reasons.

use super::*;
use kaohe_store::policy::Capability;

/// Entries per page.
const AUDIT_PAGE: i64 = 50;

#[derive(serde::Deserialize, Serialize, Default)]
pub(super) struct AuditFilter {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Serialize)]
struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    /// What the entity is, in people's words: 张伟 (A001) · F01 · 2026-12, or a cycle's name.
    label: Option<String>,
    /// Where it is shown.
    href: Option<String>,
    old_value: Option<String>,
    new_value: Option<String>,
    reason: Option<String>,
    hash: String,
}

/// What an entry's entity is in people's words: its label, where it is shown, and for an
/// appraisal the form its values are named by.
type Label = (String, String, Option<std::sync::Arc<kaohe_core::Template>>);

/// Names for the appraisals and cycles a page of the log mentions (looked up once each).
async fn labels<S: Store>(
    st: &AppState<S>,
    me: &kaohe_store::User,
    entries: &[kaohe_store::AuditEntry],
) -> BTreeMap<(String, String), Label> {
    type Looked = Option<(kaohe_store::Cycle, std::sync::Arc<kaohe_core::Template>)>;
    let mut cycles: BTreeMap<i64, Looked> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for e in entries {
        let key = (e.entity.clone(), e.entity_id.clone());
        if out.contains_key(&key) {
            continue;
        }
        let Ok(id) = e.entity_id.parse::<i64>() else {
            continue;
        };
        let cycle_id = match e.entity.as_str() {
            "appraisal" => match st.store.appraisal(me, id).await {
                Ok(a) => Some((a.cycle_id, Some((a.name, a.emp_no)))),
                Err(_) => None,
            },
            "cycle" => Some((id, None)),
            _ => None,
        };
        let Some((cid, who)) = cycle_id else {
            continue;
        };
        if let std::collections::btree_map::Entry::Vacant(v) = cycles.entry(cid) {
            v.insert(
                st.store
                    .cycle_form(cid)
                    .await
                    .ok()
                    .map(|(c, t)| (c, std::sync::Arc::new(t))),
            );
        }
        let Some(Some((c, t))) = cycles.get(&cid) else {
            continue;
        };
        let (label, href, form) = match who {
            Some((name, no)) => (
                format!("{name} ({no}) · {} · {}", c.form_id, c.period),
                format!("/appraisals/{id}"),
                Some(t.clone()),
            ),
            None => (
                format!("{} · {} · {}", c.name, c.form_id, c.period),
                format!("/hr/cycles/{cid}"),
                None,
            ),
        };
        out.insert(key, (label, href, form));
    }
    out
}

/// What the sheet calls `k` (an input, parameter, item or pay line id), in `lang`.
fn sheet_name(lang: Lang, t: &kaohe_core::Template, k: &str) -> String {
    let named = |zh: &str, en: &Option<String>| pick(lang, zh, en.as_deref()).to_string();
    if let Some(i) = t.inputs.iter().find(|i| i.id == k) {
        return named(&i.name, &i.name_en);
    }
    if let Some((_, zh, en)) = t.input_for_name(k) {
        return named(&zh, &en);
    }
    if let Some(p) = t.params.iter().find(|p| p.id == k) {
        return named(&p.name, &p.name_en);
    }
    if let Some(i) = t.items.iter().find(|i| i.id == k) {
        return named(&i.name, &i.name_en);
    }
    if let Some(p) = t.pay.iter().find(|p| p.id == k) {
        return named(&p.name, &p.name_en);
    }
    match k {
        "total" => text(lang, "hrau-value-total", &[]),
        "grade" => text(lang, "hrau-value-grade", &[]),
        _ => k.to_string(),
    }
}

/// An appraisal's values as the log keeps them in the sheet's words: entered values
/// (`{"leave_days":"1"}` → 当月请假天数 1, an empty one as —) and workflow steps
/// (`rating; total=90 bonus=2700.00` → 评分 · 总分 90 · 当月绩效奖金 2700.00). Anything
/// else is shown as kept.
fn values_in_words(lang: Lang, t: &kaohe_core::Template, kept: &str) -> String {
    let sep = match lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    };
    if let Ok(map) = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(kept) {
        return map
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) if !s.is_empty() => s.clone(),
                    serde_json::Value::String(_) | serde_json::Value::Null => "—".to_string(),
                    other => other.to_string(),
                };
                format!("{} {v}", sheet_name(lang, t, k))
            })
            .collect::<Vec<_>>()
            .join(sep);
    }
    let mut parts = kept.split("; ");
    let Some(state) = parts.next().and_then(kaohe_core::workflow::State::parse) else {
        return kept.to_string();
    };
    let mut out = vec![text(lang, &format!("state-{}", state.as_str()), &[])];
    for p in parts {
        if let Some(items) = p.strip_prefix("items=") {
            let names: Vec<String> = items
                .split(',')
                .filter(|i| !i.is_empty())
                .map(|i| sheet_name(lang, t, i))
                .collect();
            out.push(names.join(if lang == Lang::Zh { "、" } else { ", " }));
        } else if let Some(name) = p.strip_prefix("signed by ") {
            out.push(text(
                lang,
                "hrau-signed-by",
                &[("name", Arg::Text(name.to_string()))],
            ));
        } else {
            for kv in p.split(' ') {
                match kv.split_once('=') {
                    Some((k, v)) => out.push(format!(
                        "{} {}",
                        sheet_name(lang, t, k),
                        if v.is_empty() { "—" } else { v }
                    )),
                    None => out.push(kv.to_string()),
                }
            }
        }
    }
    out.join(" · ")
}

/// An audited action in the reader's words: an appraisal's workflow step as the workflow
/// names it, anything else by its kind (`cycle.launch` → 发起考核周期).
fn action_in_words(lang: Lang, action: &str) -> String {
    if let Some(("appraisal", step)) = action.split_once('.') {
        let (zh, en) = kaohe_core::workflow::action_words(step);
        if zh != kaohe_core::workflow::action_words("").0 {
            return match lang {
                Lang::Zh => zh.to_string(),
                Lang::En => en.to_string(),
            };
        }
    }
    text(
        lang,
        "hrau-action",
        &[("kind", Arg::Text(action.replace(['.', '_'], "-")))],
    )
}

pub(super) async fn hr_audit<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Query(f): axum::extract::Query<AuditFilter>,
) -> PageResult {
    let me = hr_only(&ctx, Capability::ViewAudit)?;
    let page_no = f.page.unwrap_or(1).max(1);
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let q = kaohe_store::AuditQuery {
        actor: opt(&f.actor),
        entity: opt(&f.entity),
        entity_id: opt(&f.entity_id),
        text: opt(&f.q),
        from: opt(&f.from),
        to: opt(&f.to),
        page: kaohe_store::Page {
            offset: (page_no - 1) * AUDIT_PAGE,
            limit: AUDIT_PAGE + 1,
        },
    };
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    let (mut entries, status) = match st.store.audit_search(&q).await {
        Ok(e) => (e, StatusCode::OK),
        Err(StoreError::Fields(fs)) => {
            for (k, m) in fs {
                errors.insert(k, in_lang(ctx.lang, &m));
            }
            (Vec::new(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Ok(server_error(ctx.lang, &e.to_string())),
    };
    let kinds = st.store.audit_kinds().await.or_page(&ctx)?;
    let more = entries.len() as i64 > AUDIT_PAGE;
    entries.truncate(AUDIT_PAGE as usize);
    let names = labels(&st, &me, &entries).await;
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| AuditRow {
            id: e.id,
            at: short_time(&e.at),
            actor: e.actor,
            action: action_in_words(ctx.lang, &e.action),
            label: names
                .get(&(e.entity.clone(), e.entity_id.clone()))
                .map(|l| l.0.clone()),
            href: names
                .get(&(e.entity.clone(), e.entity_id.clone()))
                .map(|l| l.1.clone()),
            old_value: e.old_value.map(|v| {
                match names.get(&(e.entity.clone(), e.entity_id.clone())) {
                    Some((_, _, Some(t))) => values_in_words(ctx.lang, t, &v),
                    _ => v,
                }
            }),
            new_value: e.new_value.map(|v| {
                match names.get(&(e.entity.clone(), e.entity_id.clone())) {
                    Some((_, _, Some(t))) => values_in_words(ctx.lang, t, &v),
                    _ => v,
                }
            }),
            entity: e.entity,
            entity_id: e.entity_id,
            reason: e.reason,
            hash: e.hash.chars().take(12).collect(),
        })
        .collect();
    let keep: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("actor", f.actor.as_str()),
            ("entity", f.entity.as_str()),
            ("entity_id", f.entity_id.as_str()),
            ("q", f.q.as_str()),
            ("from", f.from.as_str()),
            ("to", f.to.as_str()),
        ])
        .finish();
    Ok(render(
        &ctx,
        status,
        "hr_audit.html",
        context! {
            rows => Serde(rows),
            kinds,
            f => Serde(&f),
            errors,
            page => page_no,
            prev => (page_no > 1).then(|| format!("?{keep}&page={}", page_no - 1)),
            next => more.then(|| format!("?{keep}&page={}", page_no + 1)),
        },
    ))
}
