//! Notifications on the pages: everyone's 通知 list (the header shows the unread count),
//! HR's channels (secrets shown back only masked) with a test message, the outbox's dead
//! letters and recent deliveries with 重试, and the 催办 button of a cycle.

use super::*;
use kaohe_store::policy::Capability;
use kaohe_store::{ChannelKind, NewChannel, OutboxStatus, mask};

#[derive(Serialize)]
struct NoteView {
    id: i64,
    kind: &'static str,
    title: String,
    text: String,
    link: String,
    at: String,
    unread: bool,
}

/// `/notifications`: my notifications, newest first.
pub(super) async fn notifications_page<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
) -> PageResult {
    let u = ctx.signed_in()?;
    let list = st.store.notifications(u.id, 200).await.or_page(&ctx)?;
    let items: Vec<NoteView> = list
        .into_iter()
        .map(|n| NoteView {
            id: n.id,
            kind: n.kind.as_str(),
            title: n.text.title(ctx.lang),
            text: n.text.render(ctx.lang),
            link: n.link,
            at: short_time(&n.created_at),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(render(
        &ctx,
        StatusCode::OK,
        "notifications.html",
        context! { items => Serde(items) },
    ))
}

/// Mark one (`id`) or all of my notifications read.
pub(super) async fn notifications_read<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let u = ctx.signed_in()?;
    let id = form.get("id").and_then(|v| v.trim().parse::<i64>().ok());
    let ids = id.map(|i| vec![i]);
    match st.store.mark_read(u.id, ids.as_deref()).await {
        Ok(_) => Ok(see_other("/notifications")),
        Err(e) => Ok(server_error(ctx.lang, &e.to_string())),
    }
}

#[derive(Serialize)]
struct ChannelRow {
    id: i64,
    kind: &'static str,
    name: String,
    url: String,
    secret: Option<String>,
    from: String,
    user: String,
    /// The department code whose subtree the channel serves (empty: everyone).
    department: String,
    enabled: bool,
}

#[derive(Serialize)]
struct OutboxRow {
    id: i64,
    kind: &'static str,
    title: String,
    recipient: String,
    channel: String,
    attempts: i64,
    error: String,
    at: String,
}

fn outbox_rows(list: &[kaohe_store::OutboxMessage], lang: Lang) -> Vec<OutboxRow> {
    list.iter()
        .map(|m| OutboxRow {
            id: m.id,
            kind: m.kind.as_str(),
            title: m.text.title(lang),
            recipient: m.recipient.clone(),
            channel: m.channel.name.clone(),
            attempts: m.attempts,
            error: m.last_error.clone().unwrap_or_default(),
            at: short_time(m.delivered_at.as_deref().unwrap_or(&m.created_at)),
        })
        .collect()
}

pub(super) async fn hr_notify_page<S: Store>(
    st: &AppState<S>,
    ctx: &Ctx,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let (channels, dead, delivered, pending) = match (
        st.store.channels().await,
        st.store.outbox(Some(OutboxStatus::Dead), 200).await,
        st.store.outbox(Some(OutboxStatus::Delivered), 50).await,
        st.store.outbox(Some(OutboxStatus::Pending), 200).await,
    ) {
        (Ok(c), Ok(d), Ok(v), Ok(p)) => (c, d, v, p),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => {
            return server_error(ctx.lang, &e.to_string());
        }
    };
    let settings = match st.store.notify_settings().await {
        Ok(s) => s,
        Err(e) => return server_error(ctx.lang, &e.to_string()),
    };
    let channels: Vec<ChannelRow> = channels
        .iter()
        .map(|c| ChannelRow {
            id: c.id,
            kind: c.kind.as_str(),
            name: c.name.clone(),
            url: c.url.clone(),
            secret: c.secret.as_deref().map(mask),
            from: c.settings.get("from").cloned().unwrap_or_default(),
            user: c.settings.get("user").cloned().unwrap_or_default(),
            department: c.settings.get("department").cloned().unwrap_or_default(),
            enabled: c.enabled,
        })
        .collect();
    let kinds: Vec<&str> = ChannelKind::ALL.iter().map(|k| k.as_str()).collect();
    render(
        ctx,
        status,
        "hr_notify.html",
        context! {
            channels => Serde(channels),
            kinds,
            dead => Serde(outbox_rows(&dead, ctx.lang)),
            delivered => Serde(outbox_rows(&delivered, ctx.lang)),
            pending => pending.len(),
            switches => Serde(super::notify_prefs::kind_switches(ctx.lang, &settings)),
            tz => kaohe_store::offset_label(settings.utc_offset),
            error,
            notice,
        },
    )
}

/// `/hr/notify`: channels, dead letters, recent deliveries.
pub(super) async fn hr_notify<S: Store>(State(st): State<AppState<S>>, ctx: Ctx) -> PageResult {
    hr_only(&ctx, Capability::ManageOrg)?;
    Ok(hr_notify_page(&st, &ctx, StatusCode::OK, None, None).await)
}

/// Add a channel, or change one (`id`); an empty secret keeps the stored one.
pub(super) async fn hr_channel_save<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let me = hr_only(&ctx, Capability::ManageOrg)?;
    let id = form.get("id").and_then(|v| v.trim().parse::<i64>().ok());
    let mut settings = BTreeMap::new();
    for k in ["from", "user", "department"] {
        if let Some(v) = form.get(k).map(str::trim).filter(|v| !v.is_empty()) {
            settings.insert(k.to_string(), v.to_string());
        }
    }
    let c = NewChannel {
        kind: form.get("kind").unwrap_or_default().to_string(),
        name: form.get("name").unwrap_or_default().to_string(),
        url: form.get("url").unwrap_or_default().to_string(),
        secret: form.get("secret").map(str::to_string),
        settings,
        enabled: form.get("enabled").is_some(),
    };
    match st.store.save_channel(&me.username, id, &c).await {
        Ok(_) => Ok(see_other("/hr/notify")),
        Err(e) if is_internal(&e) => Ok(server_error(ctx.lang, &e.to_string())),
        Err(e) => {
            let (status, m) = store_refusal(ctx.lang, &e);
            Ok(hr_notify_page(&st, &ctx, status, Some(m), None).await)
        }
    }
}

/// Queue a test message over one channel, to the HR user who asks.
pub(super) async fn hr_channel_test<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let me = hr_only(&ctx, Capability::ManageOrg)?;
    let id = path_id(&ctx, &id)?;
    st.store
        .test_channel(&me.username, id, me.id)
        .await
        .or_page(&ctx)?;
    let n = text(ctx.lang, "notify-test-queued", &[]);
    Ok(hr_notify_page(&st, &ctx, StatusCode::OK, None, Some(n)).await)
}

/// 重试: a dead letter back to the queue.
pub(super) async fn hr_outbox_retry<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let form = Form::parse(&body);
    form.csrf(&ctx)?;
    let me = hr_only(&ctx, Capability::ManageOrg)?;
    let id = path_id(&ctx, &id)?;
    st.store
        .retry_outbox(&me.username, id)
        .await
        .or_page(&ctx)?;
    Ok(see_other("/hr/notify"))
}

/// 催办 on the cycle page: remind everyone late now, one message per person.
pub(super) async fn hr_cycle_remind<S: Store>(
    State(st): State<AppState<S>>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> PageResult {
    let (_, me, id) = hr_post(&ctx, &body, &id)?;
    let n = st.store.remind_late(&me.username, id).await.or_page(&ctx)?;
    Ok(see_other(&format!("/hr/cycles/{id}?reminded={n}")))
}
