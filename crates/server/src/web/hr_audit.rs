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
    old_value: Option<String>,
    new_value: Option<String>,
    reason: Option<String>,
    hash: String,
}

pub(super) async fn hr_audit<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    axum::extract::Query(f): axum::extract::Query<AuditFilter>,
) -> Response {
    if let Err(r) = hr_only(&ctx, Capability::ViewAudit) {
        return *r;
    }
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
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| AuditRow {
            id: e.id,
            at: short_time(&e.at),
            actor: e.actor,
            action: e.action,
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
