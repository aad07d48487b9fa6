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

/// Names for the appraisals and cycles a page of the log mentions (looked up once each).
async fn labels<S: Store>(
    st: &AppState<S>,
    me: &kaohe_store::User,
    entries: &[kaohe_store::AuditEntry],
) -> BTreeMap<(String, String), (String, String)> {
    let mut cycles: BTreeMap<i64, Option<kaohe_store::Cycle>> = BTreeMap::new();
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
            v.insert(st.store.cycle(cid).await.ok());
        }
        let Some(Some(c)) = cycles.get(&cid) else {
            continue;
        };
        let (label, href) = match who {
            Some((name, no)) => (
                format!("{name} ({no}) · {} · {}", c.form_id, c.period),
                format!("/appraisals/{id}"),
            ),
            None => (
                format!("{} · {} · {}", c.name, c.form_id, c.period),
                format!("/hr/cycles/{cid}"),
            ),
        };
        out.insert(key, (label, href));
    }
    out
}

pub(super) async fn hr_audit<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Query(f): axum::extract::Query<AuditFilter>,
) -> Response {
    let me = match hr_only(&ctx, Capability::ViewAudit) {
        Ok(u) => u,
        Err(r) => return *r,
    };
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
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let kinds = match st.store.audit_kinds().await {
        Ok(k) => k,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let more = entries.len() as i64 > AUDIT_PAGE;
    entries.truncate(AUDIT_PAGE as usize);
    let names = labels(&st, &me, &entries).await;
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| AuditRow {
            id: e.id,
            at: short_time(&e.at),
            actor: e.actor,
            action: e.action,
            label: names
                .get(&(e.entity.clone(), e.entity_id.clone()))
                .map(|l| l.0.clone()),
            href: names
                .get(&(e.entity.clone(), e.entity_id.clone()))
                .map(|l| l.1.clone()),
            entity: e.entity,
            entity_id: e.entity_id,
            old_value: e.old_value,
            new_value: e.new_value,
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
    render(
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
    )
}
