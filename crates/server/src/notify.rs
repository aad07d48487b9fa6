//! Delivering the outbox (issue 17). Every `kaohe serve` runs [`delivery_loop`]: it claims
//! due messages with a lease (`Store::claim_outbox`: on PostgreSQL `FOR UPDATE SKIP
//! LOCKED`, so two servers never send one message at once; a killed server's lease simply
//! runs out), sends each over its channel, and records the outcome — delivered, or tried
//! again after an exponential backoff, or after `max_attempts` a dead letter that HR sees
//! on `/hr/notify` and can retry. Delivery is at least once: receivers de-duplicate on the
//! message's idempotency key (a webhook's `webhook-id`).
//!
//! The channels, each as its publisher defines it:
//! - a generic webhook signed per the Standard Webhooks specification ([`webhook_signature`]);
//! - 钉钉 custom robot: `&timestamp=…&sign=…` on the URL ([`dingtalk_sign`]), markdown,
//!   @ by mobile;
//! - 飞书 custom bot: `timestamp` and `sign` in the body ([`feishu_sign`]), @ by the
//!   recipient's 飞书 user id (`<at user_id="…">`; 飞书 offers no @ by mobile);
//! - 企业微信 group robot: the key is in the URL, no signature, @ by `mentioned_mobile_list`;
//! - e-mail over SMTP ([`crate::mail`]).

use crate::AppState;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use kaohe_store::{ChannelKind, Lang, OutboxMessage, Store, StoredArgs, StoredText};
use serde_json::json;
use sha2::Sha256;
use std::time::Duration;

/// How the delivery worker runs.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// How often it looks for due messages.
    pub every: Duration,
    /// How long a claim holds (longer than one delivery can take).
    pub lease: time::Duration,
    /// Messages claimed at once (sent concurrently).
    pub batch: i64,
    /// Attempts before a message is dead.
    pub max_attempts: i64,
    /// The first retry's wait; each further one waits twice as long.
    pub backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// One delivery's time limit.
    pub timeout: Duration,
    /// The server's address as people reach it, for links (`https://kaohe.example.com`).
    pub public_url: String,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            every: Duration::from_secs(5),
            lease: time::Duration::minutes(2),
            batch: 50,
            max_attempts: 8,
            backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(6 * 3600),
            timeout: Duration::from_secs(10),
            public_url: "http://localhost:8080".into(),
        }
    }
}

impl DeliveryConfig {
    /// The wait after the `attempts`-th failed attempt.
    pub fn backoff_after(&self, attempts: i64) -> Duration {
        let shift = (attempts.max(1) - 1).min(30) as u32;
        self.backoff
            .checked_mul(1u32 << shift.min(20))
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }
}

/// The channels' HTTP client: hyper over plain TCP, and with the `tls` feature HTTPS through
/// rustls on the ring provider with Mozilla's roots — its own configuration, so nothing
/// process-wide (no default crypto provider) is needed or changed.
#[derive(Clone)]
pub struct HttpClient {
    inner: hyper_util::client::legacy::Client<Conn, http_body_util::Full<axum::body::Bytes>>,
    timeout: Duration,
}

#[cfg(feature = "tls")]
type Conn = hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>;
#[cfg(not(feature = "tls"))]
type Conn = hyper_util::client::legacy::connect::HttpConnector;

impl HttpClient {
    /// A client whose requests each get at most `timeout`.
    pub fn new(timeout: Duration) -> Self {
        #[cfg(feature = "tls")]
        let conn = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .expect("ring supports TLS 1.2 and 1.3")
            .https_or_http()
            .enable_http1()
            .build();
        #[cfg(not(feature = "tls"))]
        let conn = hyper_util::client::legacy::connect::HttpConnector::new();
        HttpClient {
            inner:
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build(conn),
            timeout,
        }
    }

    /// POST `body` (JSON) to `url`: the status and the answer's text, or why not.
    pub async fn post_json(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<(axum::http::StatusCode, String), String> {
        use http_body_util::BodyExt;
        let mut req = axum::http::Request::post(url).header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, v.as_str());
        }
        let req = req
            .body(http_body_util::Full::new(axum::body::Bytes::from(body)))
            .map_err(|e| format!("bad request to {url}: {e}"))?;
        let call = async {
            let res = self
                .inner
                .request(req)
                .await
                .map_err(|e| format!("could not send: {e:#}"))?;
            let status = res.status();
            let bytes = res
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
        };
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| format!("timed out after {} ms", self.timeout.as_millis()))?
    }
}

/// What one run of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub delivered: usize,
    pub retried: usize,
    pub dead: usize,
}

/// The worker: deliver what is due, every `every`, until the server stops.
pub async fn delivery_loop<S: Store>(st: AppState<S>) {
    let cfg = st.delivery.clone();
    let client = HttpClient::new(cfg.timeout);
    let mut tick = tokio::time::interval(cfg.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // A full batch: there may be more, so go on at once.
        while let Ok(n) = deliver_due(&st.store, &cfg, &client).await {
            if (n.delivered + n.retried + n.dead) < cfg.batch as usize {
                break;
            }
        }
    }
}

/// Claim and deliver one batch of due messages.
pub async fn deliver_due<S: Store>(
    store: &S,
    cfg: &DeliveryConfig,
    client: &HttpClient,
) -> Result<Run, kaohe_store::StoreError> {
    let now = time::OffsetDateTime::now_utc();
    let claimed = match store.claim_outbox(now, cfg.lease, cfg.batch).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "claiming notifications failed; will retry");
            return Err(e);
        }
    };
    let results =
        futures_util::future::join_all(claimed.iter().map(|m| deliver(m, cfg, client))).await;
    let mut run = Run::default();
    for (m, r) in claimed.iter().zip(results) {
        let outcome = match r {
            Ok(()) => {
                run.delivered += 1;
                store.outbox_delivered(m.id).await
            }
            Err(cause) if m.attempts >= cfg.max_attempts => {
                run.dead += 1;
                tracing::error!(
                    message = m.id,
                    channel = %m.channel.name,
                    recipient = %m.recipient,
                    attempts = m.attempts,
                    error = %cause,
                    "notification not delivered after the last attempt: dead letter"
                );
                store.outbox_failed(m.id, &cause, None).await
            }
            Err(cause) => {
                run.retried += 1;
                let wait = cfg.backoff_after(m.attempts);
                tracing::warn!(
                    message = m.id,
                    channel = %m.channel.name,
                    recipient = %m.recipient,
                    attempts = m.attempts,
                    retry_in_s = wait.as_secs(),
                    error = %cause,
                    "notification not delivered; will retry"
                );
                let at = time::OffsetDateTime::now_utc()
                    + time::Duration::try_from(wait).unwrap_or(time::Duration::hours(1));
                store.outbox_failed(m.id, &cause, Some(at)).await
            }
        };
        if let Err(e) = outcome {
            tracing::error!(message = m.id, error = %e, "recording a delivery failed");
        }
    }
    Ok(run)
}

/// A message as people read it, in the recipient's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub title: String,
    pub text: String,
    /// The page, as an absolute address.
    pub link: String,
    /// "Open the page" in the recipient's language.
    pub open: String,
}

/// `m` in its recipient's language, its link made absolute.
pub fn render(m: &OutboxMessage, public_url: &str) -> Rendered {
    let open = StoredText {
        key: "notify-open".into(),
        args: StoredArgs::default(),
    };
    Rendered {
        title: m.text.title(m.lang),
        text: m.text.render(m.lang),
        link: format!("{}{}", public_url.trim_end_matches('/'), m.link),
        open: open.render(m.lang),
    }
}

fn lang_tag(l: Lang) -> &'static str {
    match l {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    }
}

/// The Standard Webhooks signature of one message: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}`, keyed by the base64-decoded part of a `whsec_` secret.
pub fn webhook_signature(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, String> {
    let key = B64
        .decode(secret.trim().trim_start_matches("whsec_"))
        .map_err(|e| format!("webhook secret is not base64: {e}"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// 钉钉's signature: base64 of HMAC-SHA256 over `{timestamp}\n{secret}` keyed by the
/// secret (timestamp in milliseconds); URL-encode it on the address.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// 飞书's signature: `{timestamp}\n{secret}` is the HMAC-SHA256 key, over an empty message,
/// base64 (timestamp in seconds).
pub fn feishu_sign(secret: &str, timestamp: i64) -> String {
    let key = format!("{timestamp}\n{secret}");
    let mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    B64.encode(mac.finalize().into_bytes())
}

/// Send one message over its channel: Ok, or why not (for the log and the dead letters).
pub async fn deliver(
    m: &OutboxMessage,
    cfg: &DeliveryConfig,
    client: &HttpClient,
) -> Result<(), String> {
    let r = render(m, &cfg.public_url);
    let ch = &m.channel;
    let secret = ch.secret.as_deref().filter(|s| !s.is_empty());
    let now = time::OffsetDateTime::now_utc();
    let mobiles: Vec<&str> = m.mobile.as_deref().into_iter().collect();
    let (url, headers, body) = match ch.kind {
        ChannelKind::Email => return crate::mail::send(m, &r, cfg).await,
        ChannelKind::Webhook => {
            let body = json!({
                "type": format!("kaohe.{}", m.kind.as_str()),
                "timestamp": kaohe_store::stamp(now),
                "data": {
                    "recipient": m.recipient,
                    "email": m.email,
                    "mobile": m.mobile,
                    "lang": lang_tag(m.lang),
                    "title": r.title,
                    "text": r.text,
                    "link": r.link,
                    "created_at": m.created_at,
                }
            });
            let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
            let ts = now.unix_timestamp();
            let mut headers = vec![
                ("webhook-id", m.idem_key.clone()),
                ("webhook-timestamp", ts.to_string()),
            ];
            if let Some(s) = secret {
                headers.push((
                    "webhook-signature",
                    webhook_signature(s, &m.idem_key, ts, &body)?,
                ));
            }
            (ch.url.clone(), headers, body)
        }
        ChannelKind::DingTalk => {
            let mut url = ch.url.clone();
            if let Some(s) = secret {
                let ts = (now.unix_timestamp_nanos() / 1_000_000) as i64;
                let sign: String =
                    form_urlencoded::byte_serialize(dingtalk_sign(s, ts).as_bytes()).collect();
                let sep = if url.contains('?') { '&' } else { '?' };
                url = format!("{url}{sep}timestamp={ts}&sign={sign}");
            }
            let at: String = mobiles.iter().map(|m| format!(" @{m}")).collect();
            let body = json!({
                "msgtype": "markdown",
                "markdown": {
                    "title": r.title,
                    "text": format!("#### {}\n\n{}\n\n[{}]({}){at}", r.title, r.text, r.open, r.link),
                },
                "at": { "atMobiles": mobiles, "isAtAll": false },
            });
            (
                url,
                vec![],
                serde_json::to_vec(&body).map_err(|e| e.to_string())?,
            )
        }
        ChannelKind::Feishu => {
            // 飞书's custom bot @-mentions by user id (`user_id` or `open_id`) only, not by
            // mobile: the recipient's 飞书 user id where their record has one.
            let at = m
                .feishu_id
                .as_deref()
                .map(|id| format!("\n<at user_id=\"{id}\">{}</at>", m.recipient))
                .unwrap_or_default();
            let mut body = json!({
                "msg_type": "text",
                "content": { "text": format!("{}\n{}\n{}{at}", r.title, r.text, r.link) },
            });
            if let Some(s) = secret {
                let ts = now.unix_timestamp();
                body["timestamp"] = json!(ts.to_string());
                body["sign"] = json!(feishu_sign(s, ts));
            }
            (
                ch.url.clone(),
                vec![],
                serde_json::to_vec(&body).map_err(|e| e.to_string())?,
            )
        }
        ChannelKind::WeCom => {
            let body = json!({
                "msgtype": "text",
                "text": {
                    "content": format!("{}\n{}\n{}", r.title, r.text, r.link),
                    "mentioned_mobile_list": mobiles,
                },
            });
            (
                ch.url.clone(),
                vec![],
                serde_json::to_vec(&body).map_err(|e| e.to_string())?,
            )
        }
    };
    let (status, text) = client.post_json(&url, &headers, body).await?;
    if !status.is_success() {
        return Err(format!(
            "HTTP {status}: {}",
            text.chars().take(300).collect::<String>()
        ));
    }
    // The robots answer 200 with their own error code.
    if ch.kind != ChannelKind::Webhook
        && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
    {
        let code = v
            .get("errcode")
            .or_else(|| v.get("code"))
            .or_else(|| v.get("StatusCode"))
            .and_then(|c| c.as_i64())
            .unwrap_or(0);
        if code != 0 {
            let msg = v
                .get("errmsg")
                .or_else(|| v.get("msg"))
                .and_then(|m| m.as_str())
                .unwrap_or("");
            return Err(format!("{} refused: {code} {msg}", ch.kind.as_str()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn the_standard_webhooks_example_vector() {
        assert_eq!(
            webhook_signature(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            )
            .unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn backoff_doubles_up_to_its_limit() {
        let c = DeliveryConfig::default();
        assert_eq!(c.backoff_after(1), Duration::from_secs(30));
        assert_eq!(c.backoff_after(2), Duration::from_secs(60));
        assert_eq!(c.backoff_after(4), Duration::from_secs(240));
        assert_eq!(c.backoff_after(40), Duration::from_secs(6 * 3600));
    }
}

// ---- The API ----

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::{ApiJson, ApiPath as Path, ApiQuery};
use axum::extract::State;
use kaohe_store::policy::Capability;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One of my notifications (通知).
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    /// `task-assigned`, `result-published`, `auto-confirmed`, `appeal-filed`,
    /// `appeal-decided`, `cycle-closed`, `reminder`, `test`, and the scheduled `due-soon`,
    /// `overdue`, `escalated`, `confirm-due`; `data-submitted`.
    pub kind: String,
    /// The heading, zh-CN and English.
    pub title: String,
    pub title_en: String,
    /// The message, zh-CN and English.
    pub text: String,
    pub text_en: String,
    /// The page it is about.
    pub link: String,
    pub created_at: String,
    /// When it was marked read (null: unread).
    pub read_at: Option<String>,
}

impl From<kaohe_store::Notification> for NotificationView {
    fn from(n: kaohe_store::Notification) -> Self {
        NotificationView {
            id: n.id,
            kind: n.kind.as_str().into(),
            title: n.text.title(Lang::Zh),
            title_en: n.text.title(Lang::En),
            text: n.text.render(Lang::Zh),
            text_en: n.text.render(Lang::En),
            link: n.link,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// My notifications and how many are unread.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationsView {
    pub unread: i64,
    pub items: Vec<NotificationView>,
}

/// My notifications, newest first (the latest 100).
#[utoipa::path(get, path = "/api/notifications", responses((status = 200, body = NotificationsView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn notifications<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
) -> ApiResult<axum::Json<NotificationsView>> {
    let items = st.store.notifications(auth.0.id, 100).await?;
    let unread = st.store.unread_count(auth.0.id).await?;
    Ok(axum::Json(NotificationsView {
        unread,
        items: items.into_iter().map(NotificationView::from).collect(),
    }))
}

/// Which notifications to mark read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkRead {
    /// These (mine only); absent: all of mine.
    pub ids: Option<Vec<i64>>,
}

/// How many were marked.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    pub marked: u64,
}

/// Mark my notifications read.
#[utoipa::path(post, path = "/api/notifications/read", request_body = MarkRead, responses((status = 200, body = Marked), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark_read<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
    ApiJson(m): ApiJson<MarkRead>,
) -> ApiResult<axum::Json<Marked>> {
    let marked = st.store.mark_read(auth.0.id, m.ids.as_deref()).await?;
    Ok(axum::Json(Marked { marked }))
}

/// One message of the outbox (HR).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxView {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub channel: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i64,
    pub title: String,
    pub idempotency_key: String,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

impl From<&OutboxMessage> for OutboxView {
    fn from(m: &OutboxMessage) -> Self {
        OutboxView {
            id: m.id,
            kind: m.kind.as_str().into(),
            recipient: m.recipient.clone(),
            channel: m.channel.name.clone(),
            status: m.status.as_str().into(),
            attempts: m.attempts,
            title: m.text.title(m.lang),
            idempotency_key: m.idem_key.clone(),
            next_attempt_at: m.next_attempt_at.clone(),
            last_error: m.last_error.clone(),
            created_at: m.created_at.clone(),
            delivered_at: m.delivered_at.clone(),
        }
    }
}

/// Which messages of the outbox.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `delivered` or `dead` (default: all).
    pub status: Option<String>,
}

/// The outbox, newest first (the latest 200): dead letters, deliveries, what waits.
#[utoipa::path(get, path = "/api/notify/outbox", params(OutboxQuery), responses((status = 200, body = Vec<OutboxView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn outbox<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<axum::Json<Vec<OutboxView>>> {
    auth.may_all(Capability::ManageOrg)?;
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some("pending") => Some(kaohe_store::OutboxStatus::Pending),
        Some("delivered") => Some(kaohe_store::OutboxStatus::Delivered),
        Some("dead") => Some(kaohe_store::OutboxStatus::Dead),
        Some(other) => {
            return Err(ApiError::Invalid(vec![crate::error::field_error(
                "status".into(),
                &kaohe_store::Text::pair(
                    format!("状态 `{other}` 不对，应为 pending、delivered 或 dead"),
                    format!("status `{other}` should be pending, delivered or dead"),
                ),
                None,
            )]));
        }
    };
    let m = st.store.outbox(status, 200).await?;
    Ok(axum::Json(m.iter().map(OutboxView::from).collect()))
}

/// Send a dead message again (its attempts counted from zero; audited).
#[utoipa::path(post, path = "/api/notify/outbox/{id}/retry", params(("id" = i64, Path)), responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn retry<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::http::StatusCode> {
    let me = auth.may_all(Capability::ManageOrg)?;
    st.store.retry_outbox(&me.username, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// A channel as shown back: its secret masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    pub id: i64,
    /// `webhook`, `dingtalk`, `feishu`, `wecom` or `email`.
    pub kind: String,
    pub name: String,
    pub url: String,
    /// The secret's first three and last four characters (`whs…a1b2`), never all of it.
    pub secret: Option<String>,
    pub settings: std::collections::BTreeMap<String, String>,
    pub enabled: bool,
}

impl From<&kaohe_store::Channel> for ChannelView {
    fn from(c: &kaohe_store::Channel) -> Self {
        ChannelView {
            id: c.id,
            kind: c.kind.as_str().into(),
            name: c.name.clone(),
            url: c.url.clone(),
            secret: c.secret.as_deref().map(kaohe_store::mask),
            settings: c.settings.clone(),
            enabled: c.enabled,
        }
    }
}

/// The channels, secrets masked.
#[utoipa::path(get, path = "/api/notify/channels", responses((status = 200, body = Vec<ChannelView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn channels<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
) -> ApiResult<axum::Json<Vec<ChannelView>>> {
    auth.may_all(Capability::ManageOrg)?;
    let c = st.store.channels().await?;
    Ok(axum::Json(c.iter().map(ChannelView::from).collect()))
}

/// How many people were reminded.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reminded {
    pub reminded: usize,
}

/// 催办: remind now everyone with an open task of the cycle past its deadline, one message
/// per person.
#[utoipa::path(post, path = "/api/cycles/{id}/remind", params(("id" = i64, Path)), responses((status = 200, body = Reminded), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remind<S: Store>(
    State(st): State<crate::AppState<S>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Reminded>> {
    let me = auth.may_all(Capability::ManageCycles)?;
    let reminded = st.store.remind_late(&me.username, id).await?;
    Ok(axum::Json(Reminded { reminded }))
}
