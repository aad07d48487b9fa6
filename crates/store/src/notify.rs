//! Notifications (migration 0013): the in-app 通知 list and a durable outbox.
//!
//! An event is written by [`emit`] inside the write transaction of the change that causes
//! it — a launch, a publication, an appeal — so it commits or rolls back with that change.
//! It becomes one `notifications` row per person and one `outbox` row per person and enabled
//! channel. The delivery worker of any `kaohe serve` claims due outbox rows with a lease
//! ([`Db::claim_outbox_impl`]; PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite its one writer),
//! delivers them and records the outcome; a server killed mid-delivery leaves a claim that
//! simply expires. Messages are catalogue keys with JSON arguments, rendered in the
//! recipient's language when shown or sent.

use crate::backend::SqlBuilder;
use crate::bulk::{Bulk, BulkCol};
use crate::*;
use fluent_bundle::FluentArgs;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// Tasks of a launched cycle (one message per person).
    TaskAssigned,
    /// A result is published; the confirmation window runs.
    ResultPublished,
    /// The window ran out: deemed accepted (视为默认).
    AutoConfirmed,
    /// An employee appealed (to HR).
    AppealFiled,
    /// HR decided an appeal (to the employee).
    AppealDecided,
    /// Every result of a cycle is confirmed: payroll is ready (to HR).
    CycleClosed,
    /// HR's 催办: open tasks past or near their deadline.
    Reminder,
    /// A channel's test message.
    Test,
    /// Scheduled: an open task's deadline is N days away (the cycle's `remind_days`).
    DueSoon,
    /// Scheduled, daily: an open task is past its deadline (to its holder).
    Overdue,
    /// Scheduled, daily: a task overdue for the cycle's `escalate_days` or more (to the
    /// holder's manager).
    Escalated,
    /// Scheduled: 24 hours before a published result is deemed accepted (视为默认).
    ConfirmDue,
    /// A department handed in its data (to HR).
    DataSubmitted,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 13] = [
        EventKind::TaskAssigned,
        EventKind::ResultPublished,
        EventKind::AutoConfirmed,
        EventKind::AppealFiled,
        EventKind::AppealDecided,
        EventKind::CycleClosed,
        EventKind::Reminder,
        EventKind::Test,
        EventKind::DueSoon,
        EventKind::Overdue,
        EventKind::Escalated,
        EventKind::ConfirmDue,
        EventKind::DataSubmitted,
    ];
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::TaskAssigned => "task-assigned",
            EventKind::ResultPublished => "result-published",
            EventKind::AutoConfirmed => "auto-confirmed",
            EventKind::AppealFiled => "appeal-filed",
            EventKind::AppealDecided => "appeal-decided",
            EventKind::CycleClosed => "cycle-closed",
            EventKind::Reminder => "reminder",
            EventKind::Test => "test",
            EventKind::DueSoon => "due-soon",
            EventKind::Overdue => "overdue",
            EventKind::Escalated => "escalated",
            EventKind::ConfirmDue => "confirm-due",
            EventKind::DataSubmitted => "data-submitted",
        }
    }
    /// Read back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A message's arguments as stored: each argument's text, and another for English where it
/// reads differently (a form's English title).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredArgs {
    pub args: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub en: BTreeMap<String, String>,
}

/// A stored message: a key of the store's catalogue and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredText {
    pub key: String,
    pub args: StoredArgs,
}

impl StoredText {
    fn of(t: &Text) -> Self {
        match t {
            Text::Msg { msg, .. } => StoredText {
                key: msg.key.to_string(),
                args: StoredArgs {
                    args: msg
                        .args
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect(),
                    en: msg
                        .en
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect(),
                },
            },
            Text::Pair { zh, en } => StoredText {
                key: String::new(),
                args: StoredArgs {
                    args: [("text".to_string(), zh.clone())].into(),
                    en: [("text".to_string(), en.clone())].into(),
                },
            },
        }
    }

    fn render_key(&self, key: &str, lang: Lang) -> String {
        let b = CATALOGUE.bundle(lang);
        let Some(p) = b.get_message(key).and_then(|m| m.value()) else {
            return self.args.args.get("text").cloned().unwrap_or_default();
        };
        let mut args = FluentArgs::new();
        for (k, v) in &self.args.args {
            args.set(k.clone(), v.clone());
        }
        if lang == Lang::En {
            for (k, v) in &self.args.en {
                args.set(k.clone(), v.clone());
            }
        }
        let mut errs = Vec::new();
        b.format_pattern(p, Some(&args), &mut errs).into_owned()
    }

    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        if self.key.is_empty() {
            let m = if lang == Lang::En {
                &self.args.en
            } else {
                &self.args.args
            };
            return m.get("text").cloned().unwrap_or_default();
        }
        self.render_key(&self.key, lang)
    }

    /// Its title in `lang` (an e-mail's subject, a robot message's heading).
    pub fn title(&self, lang: Lang) -> String {
        if self.key.is_empty() {
            return "kaohe".into();
        }
        self.render_key(&format!("{}-title", self.key), lang)
    }

    fn read(key: String, args: &str, table: &'static str, id: i64) -> Result<Self> {
        let args = serde_json::from_str(args).map_err(|_| StoreError::Corrupt {
            table,
            id,
            column: "args",
        })?;
        Ok(StoredText { key, args })
    }
}

/// One event for one person, written by [`emit`].
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub kind: EventKind,
    pub user_id: i64,
    /// The message (a `text!` of the store's catalogue).
    pub text: Text,
    /// The page it is about, a path such as `/appraisals/12`.
    pub link: String,
    /// What makes it unique (with the person and the channel, the idempotency key).
    pub key: String,
}

/// A message in the in-app 通知 list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub kind: EventKind,
    pub text: StoredText,
    pub link: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// Where messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// A generic webhook signed per the Standard Webhooks specification.
    Webhook,
    /// 钉钉 custom robot.
    DingTalk,
    /// 飞书 custom bot.
    Feishu,
    /// 企业微信 group robot.
    WeCom,
    /// E-mail over SMTP.
    Email,
}

impl ChannelKind {
    /// Every kind.
    pub const ALL: [ChannelKind; 5] = [
        ChannelKind::Webhook,
        ChannelKind::DingTalk,
        ChannelKind::Feishu,
        ChannelKind::WeCom,
        ChannelKind::Email,
    ];
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::DingTalk => "dingtalk",
            ChannelKind::Feishu => "feishu",
            ChannelKind::WeCom => "wecom",
            ChannelKind::Email => "email",
        }
    }
    /// Read back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A configured channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: i64,
    pub kind: ChannelKind,
    pub name: String,
    /// The webhook's URL, or for e-mail `smtp://host:port` (STARTTLS) / `smtps://host:port`
    /// (TLS) / `smtp+plain://host:port` (no TLS, for a local relay).
    pub url: String,
    /// The signing secret, or the SMTP password. Never shown back in full ([`mask`]).
    pub secret: Option<String>,
    /// Kind-specific settings (e-mail: `from`, `user`).
    pub settings: BTreeMap<String, String>,
    pub enabled: bool,
}

/// What HR saves for a channel; a `secret` of None keeps the stored one.
#[derive(Debug, Clone, Default)]
pub struct NewChannel {
    pub kind: String,
    pub name: String,
    pub url: String,
    pub secret: Option<String>,
    pub settings: BTreeMap<String, String>,
    pub enabled: bool,
}

/// A secret as shown back: its first three and last four characters (`whs…a1b2`), or
/// `…` alone when it is too short to show any of it.
pub fn mask(secret: &str) -> String {
    let c: Vec<char> = secret.chars().collect();
    if c.len() < 12 {
        return "…".into();
    }
    let head: String = c[..3].iter().collect();
    let tail: String = c[c.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    Pending,
    Delivered,
    Dead,
}

impl OutboxStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Dead => "dead",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(OutboxStatus::Pending),
            "delivered" => Some(OutboxStatus::Delivered),
            "dead" => Some(OutboxStatus::Dead),
            _ => None,
        }
    }
}

/// One message to one person over one channel.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: EventKind,
    pub user_id: Option<i64>,
    /// The recipient's user name.
    pub recipient: String,
    pub lang: Lang,
    /// The recipient's e-mail address and mobile number, where the account has them.
    pub email: Option<String>,
    pub mobile: Option<String>,
    /// The recipient's 飞书 user id (migration 0015), for the 飞书 robot's @.
    pub feishu_id: Option<String>,
    pub channel: Channel,
    pub text: StoredText,
    pub link: String,
    /// Unique per message: what a receiver de-duplicates on.
    pub idem_key: String,
    pub status: OutboxStatus,
    /// Deliveries tried so far (counting the one under way).
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// A person's own contact details for the channels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    /// 11 digits starting with 1 (mainland China), or `+` and the country code.
    pub mobile: Option<String>,
    /// The 飞书 user id (`user_id` or `open_id`) a 飞书 robot @-mentions.
    pub feishu_id: Option<String>,
}

/// A time as people read it: `2026-12-05 14:30` from a stored stamp, a date as it is.
pub(crate) fn people_time(s: &str) -> String {
    s.replacen('T', " ", 1).chars().take(16).collect()
}

/// Write `events` in the caller's transaction: the in-app rows, and one outbox row per
/// person and enabled channel — unless HR switched the kind off or the person turned that
/// channel off for it, and held until the end of the person's quiet window
/// ([`crate::prefs`]).
/// For each channel scoped to a department (by code), which of `users` belong to it: their
/// employee's department is that department or lies under it.
async fn channel_reach(
    c: &mut sqlx::AnyConnection,
    scoped: &HashMap<i64, String>,
    users: &[i64],
) -> Result<HashMap<i64, std::collections::HashSet<i64>>> {
    let depts: Vec<(i64, String, Option<i64>)> =
        sqlx::query("SELECT id, code, parent_id FROM departments")
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|r| (r.get("id"), r.get("code"), r.get("parent_id")))
            .collect();
    let parent: HashMap<i64, Option<i64>> = depts.iter().map(|d| (d.0, d.2)).collect();
    let mut home: HashMap<i64, i64> = HashMap::new();
    for chunk in users.chunks(1000) {
        let mut q = SqlBuilder::new(
            "SELECT u.id, e.department_id FROM users u JOIN employees e ON e.id = u.employee_id WHERE u.id",
        );
        q.push_ids(chunk);
        for r in q.build().fetch_all(&mut *c).await? {
            home.insert(r.get("id"), r.get("department_id"));
        }
    }
    let mut out = HashMap::new();
    for (ch, code) in scoped {
        let Some(top) = depts.iter().find(|d| &d.1 == code).map(|d| d.0) else {
            out.insert(*ch, Default::default());
            continue;
        };
        let under = |mut d: i64| {
            for _ in 0..=parent.len() {
                if d == top {
                    return true;
                }
                match parent.get(&d) {
                    Some(Some(p)) => d = *p,
                    _ => return false,
                }
            }
            false
        };
        out.insert(
            *ch,
            home.iter()
                .filter(|(_, d)| under(**d))
                .map(|(u, _)| *u)
                .collect(),
        );
    }
    Ok(out)
}

pub(crate) async fn emit(c: &mut sqlx::AnyConnection, events: &[Event]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let at = now();
    let mut ids: Vec<i64> = events.iter().map(|e| e.user_id).collect();
    ids.sort();
    ids.dedup();
    let mut users: HashMap<i64, (String, String)> = HashMap::new();
    let mut has_email: std::collections::HashSet<i64> = Default::default();
    for chunk in ids.chunks(1000) {
        let mut q = SqlBuilder::new("SELECT id, username, lang, email FROM users WHERE id");
        q.push_ids(chunk);
        for r in q.build().fetch_all(&mut *c).await? {
            let id: i64 = r.get("id");
            if r.get::<Option<String>, _>("email").is_some() {
                has_email.insert(id);
            }
            users.insert(id, (r.get("username"), r.get("lang")));
        }
    }
    let events: Vec<&Event> = events
        .iter()
        .filter(|e| users.contains_key(&e.user_id))
        .collect();
    let stored: Vec<(StoredText, String)> = events
        .iter()
        .map(|e| {
            let s = StoredText::of(&e.text);
            let args = serde_json::to_string(&s.args).unwrap_or_default();
            (s, args)
        })
        .collect();
    let k = events.len();
    c.bulk_insert(
        "notifications",
        &["user_id", "kind", "text_key", "args", "link", "created_at"],
        vec![
            BulkCol::Int(events.iter().map(|e| Some(e.user_id)).collect()),
            BulkCol::Text(
                events
                    .iter()
                    .map(|e| Some(e.kind.as_str().into()))
                    .collect(),
            ),
            BulkCol::Text(stored.iter().map(|s| Some(s.0.key.clone())).collect()),
            BulkCol::Text(stored.iter().map(|s| Some(s.1.clone())).collect()),
            BulkCol::Text(events.iter().map(|e| Some(e.link.clone())).collect()),
            BulkCol::Text(vec![Some(at.clone()); k]),
        ],
    )
    .await?;
    let mut scoped: HashMap<i64, String> = HashMap::new();
    let channels: Vec<(i64, ChannelKind)> =
        sqlx::query("SELECT id, kind, settings FROM notify_channels WHERE enabled = 1 ORDER BY id")
            .fetch_all(&mut *c)
            .await?
            .iter()
            .filter_map(|r| {
                let id: i64 = r.get("id");
                let settings: BTreeMap<String, String> =
                    serde_json::from_str(&r.get::<String, _>("settings")).unwrap_or_default();
                if let Some(code) = settings.get("department").filter(|c| !c.trim().is_empty()) {
                    scoped.insert(id, code.trim().to_string());
                }
                Some((id, ChannelKind::parse(&r.get::<String, _>("kind"))?))
            })
            .collect();
    if channels.is_empty() {
        return Ok(());
    }
    // Channels for one part of the organisation: whose department lies in each one's subtree.
    let reach = if scoped.is_empty() {
        HashMap::new()
    } else {
        channel_reach(c, &scoped, &ids).await?
    };
    // People's choices and HR's (migration 0015, `crate::prefs`): a kind HR switched off goes
    // to no channel; a person's "off" choice keeps that kind from that channel; a message
    // made in a person's quiet window waits until the window ends.
    let (prefs, settings) = crate::prefs::load_for_emit(c, &ids).await?;
    let now_t = time::OffsetDateTime::now_utc();
    let due: HashMap<i64, String> = prefs
        .iter()
        .filter_map(|(u, p)| {
            let q = p.quiet?;
            Some((*u, stamp(q.release(now_t, settings.utc_offset)?)))
        })
        .collect();
    let none = crate::prefs::NotifyPrefs::default();
    // E-mail only to those with an address (a group robot posts to its group whoever it is).
    let mut rows: Vec<(usize, i64)> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if settings.kinds_off.contains(&e.kind) {
            continue;
        }
        let p = prefs.get(&e.user_id).unwrap_or(&none);
        for (ch, kind) in &channels {
            if !p.allows(e.kind, *kind) {
                continue;
            }
            if scoped.contains_key(ch)
                && !reach
                    .get(ch)
                    .is_some_and(|users| users.contains(&e.user_id))
            {
                continue;
            }
            if *kind != ChannelKind::Email || has_email.contains(&e.user_id) {
                rows.push((i, *ch));
            }
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let n = rows.len();
    let text = |f: &dyn Fn(usize, i64) -> String| {
        BulkCol::Text(rows.iter().map(|(i, ch)| Some(f(*i, *ch))).collect())
    };
    c.bulk_insert(
        "outbox",
        &[
            "kind",
            "user_id",
            "recipient",
            "lang",
            "channel_id",
            "text_key",
            "args",
            "link",
            "idem_key",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        ],
        vec![
            text(&|i, _| events[i].kind.as_str().into()),
            BulkCol::Int(rows.iter().map(|(i, _)| Some(events[*i].user_id)).collect()),
            text(&|i, _| users[&events[i].user_id].0.clone()),
            text(&|i, _| users[&events[i].user_id].1.clone()),
            BulkCol::Int(rows.iter().map(|(_, ch)| Some(*ch)).collect()),
            text(&|i, _| stored[i].0.key.clone()),
            text(&|i, _| stored[i].1.clone()),
            text(&|i, _| events[i].link.clone()),
            text(&|i, ch| format!("{}:u{}:c{ch}", events[i].key, events[i].user_id)),
            text(&|_, _| "pending".into()),
            BulkCol::Int(vec![Some(0); n]),
            text(&|i, _| {
                due.get(&events[i].user_id)
                    .cloned()
                    .unwrap_or_else(|| at.clone())
            }),
            BulkCol::Text(vec![Some(at.clone()); n]),
        ],
    )
    .await?;
    Ok(())
}

/// The users with HR's grant (who hear of appeals and closed cycles).
pub(crate) async fn hr_users(c: &mut sqlx::AnyConnection) -> Result<Vec<i64>> {
    Ok(sqlx::query(
        "SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE r.role = 'hr_admin' AND u.disabled = $1 ORDER BY u.id",
    )
    .bind(false)
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| r.get("id"))
    .collect())
}

/// The user of an employee, if they have one.
pub(crate) async fn user_of_employee(
    c: &mut sqlx::AnyConnection,
    employee_id: i64,
) -> Result<Option<i64>> {
    Ok(
        sqlx::query("SELECT id FROM users WHERE employee_id = $1 ORDER BY id LIMIT 1")
            .bind(employee_id)
            .fetch_optional(&mut *c)
            .await?
            .map(|r| r.get("id")),
    )
}

/// A form's title in both languages, as a message's `form` argument.
pub(crate) fn with_form(t: Text, form: &kaohe_core::model::Form) -> Text {
    t.en_arg("form", form.title_en.clone().unwrap_or(form.title.clone()))
}

fn read_channel(r: &sqlx::any::AnyRow) -> Result<Channel> {
    let id: i64 = r.get("ch_id");
    let corrupt = |column| StoreError::Corrupt {
        table: "notify_channels",
        id,
        column,
    };
    Ok(Channel {
        id,
        kind: ChannelKind::parse(&r.get::<String, _>("ch_kind")).ok_or(corrupt("kind"))?,
        name: r.get("ch_name"),
        url: r.get("ch_url"),
        secret: r.get("ch_secret"),
        settings: serde_json::from_str(&r.get::<String, _>("ch_settings"))
            .map_err(|_| corrupt("settings"))?,
        enabled: r.get::<i64, _>("ch_enabled") != 0,
    })
}

const CHANNEL_COLS: &str = "ch.id AS ch_id, ch.kind AS ch_kind, ch.name AS ch_name, ch.url AS ch_url, \
     ch.secret AS ch_secret, ch.settings AS ch_settings, ch.enabled AS ch_enabled";

fn read_outbox(r: &sqlx::any::AnyRow) -> Result<OutboxMessage> {
    let id: i64 = r.get("id");
    let corrupt = |column| StoreError::Corrupt {
        table: "outbox",
        id,
        column,
    };
    let time = |column: &'static str| -> Result<String> {
        let s: String = r.get(column);
        time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
            .map_err(|_| corrupt(column))?;
        Ok(s)
    };
    Ok(OutboxMessage {
        id,
        kind: EventKind::parse(&r.get::<String, _>("kind")).ok_or(corrupt("kind"))?,
        user_id: r.get("user_id"),
        recipient: r.get("recipient"),
        lang: Lang::parse(&r.get::<String, _>("lang")).ok_or(corrupt("lang"))?,
        email: r.get("email"),
        mobile: r.get("mobile"),
        feishu_id: r.get("feishu_id"),
        channel: read_channel(r)?,
        text: StoredText::read(r.get("text_key"), &r.get::<String, _>("args"), "outbox", id)?,
        link: r.get("link"),
        idem_key: r.get("idem_key"),
        status: OutboxStatus::parse(&r.get::<String, _>("status")).ok_or(corrupt("status"))?,
        attempts: r.get("attempts"),
        next_attempt_at: time("next_attempt_at")?,
        last_error: r.get("last_error"),
        created_at: time("created_at")?,
        delivered_at: r.get("delivered_at"),
    })
}

fn outbox_select() -> String {
    format!(
        "SELECT o.id, o.kind, o.user_id, o.recipient, o.lang, u.email, u.mobile, u.feishu_id, o.text_key, o.args, o.link, \
         o.idem_key, o.status, o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.delivered_at, {CHANNEL_COLS} \
         FROM outbox o JOIN notify_channels ch ON ch.id = o.channel_id LEFT JOIN users u ON u.id = o.user_id"
    )
}

impl Db {
    pub(crate) async fn notifications_impl(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        sqlx::query(
            "SELECT id, kind, text_key, args, link, created_at, read_at FROM notifications \
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(|r| {
            let id: i64 = r.get("id");
            Ok(Notification {
                id,
                kind: EventKind::parse(&r.get::<String, _>("kind")).ok_or(StoreError::Corrupt {
                    table: "notifications",
                    id,
                    column: "kind",
                })?,
                text: StoredText::read(
                    r.get("text_key"),
                    &r.get::<String, _>("args"),
                    "notifications",
                    id,
                )?,
                link: r.get("link"),
                created_at: r.get("created_at"),
                read_at: r.get("read_at"),
            })
        })
        .collect()
    }

    pub(crate) async fn unread_count_impl(&self, user_id: i64) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.reader)
        .await?
        .get("n"))
    }

    pub(crate) async fn mark_read_impl(&self, user_id: i64, ids: Option<&[i64]>) -> Result<u64> {
        let mut q = SqlBuilder::new("UPDATE notifications SET read_at = ");
        q.push_bind(now())
            .push(" WHERE read_at IS NULL AND user_id = ")
            .push_bind(user_id);
        if let Some(ids) = ids {
            q.push(" AND id").push_ids(ids);
        }
        Ok(q.build().execute(&self.writer).await?.rows_affected())
    }

    pub(crate) async fn channels_impl(&self) -> Result<Vec<Channel>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CHANNEL_COLS} FROM notify_channels ch ORDER BY ch.id"
        )))
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(read_channel)
        .collect()
    }

    pub(crate) async fn save_channel_impl(
        &self,
        actor: &str,
        id: Option<i64>,
        n: &NewChannel,
    ) -> Result<Channel> {
        let kind = ChannelKind::parse(n.kind.trim()).ok_or_else(|| {
            StoreError::Fields(vec![(
                "kind".into(),
                text!("channel-kind", value = n.kind.trim()),
            )])
        })?;
        let name = n.name.trim();
        if name.is_empty() {
            return Err(StoreError::Fields(vec![(
                "name".into(),
                text!("channel-name-empty"),
            )]));
        }
        let url = n.url.trim();
        let ok = match kind {
            ChannelKind::Email => ["smtp://", "smtps://", "smtp+plain://"]
                .iter()
                .any(|p| url.starts_with(p)),
            _ => url.starts_with("http://") || url.starts_with("https://"),
        };
        if !ok {
            return Err(StoreError::Fields(vec![(
                "url".into(),
                text!("channel-url", value = url),
            )]));
        }
        // A group robot (or any channel) for one part of the organisation: its department
        // code, checked here; it then carries messages for the people of that subtree only.
        if let Some(code) = n
            .settings
            .get("department")
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
        {
            let known = sqlx::query("SELECT id FROM departments WHERE code = $1")
                .bind(code)
                .fetch_optional(&self.writer)
                .await?
                .is_some();
            if !known {
                return Err(StoreError::Fields(vec![(
                    "department".into(),
                    text!("channel-department", value = code),
                )]));
            }
        }
        let secret = n.secret.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if kind == ChannelKind::Webhook
            && let Some(s) = secret
            && !s.starts_with("whsec_")
        {
            return Err(StoreError::Fields(vec![(
                "secret".into(),
                text!("channel-secret"),
            )]));
        }
        let settings = serde_json::to_string(&n.settings).unwrap_or_default();
        let mut tx = self.begin_write().await?;
        let id = match id {
            Some(id) => {
                let old = sqlx::query("SELECT secret FROM notify_channels WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound {
                        what: Thing::Channel,
                        key: id.to_string(),
                    })?;
                let secret: Option<String> = secret
                    .map(str::to_string)
                    .or_else(|| old.get("secret"));
                sqlx::query(
                    "UPDATE notify_channels SET kind = $1, name = $2, url = $3, secret = $4, settings = $5, enabled = $6 WHERE id = $7",
                )
                .bind(kind.as_str())
                .bind(name)
                .bind(url)
                .bind(secret)
                .bind(&settings)
                .bind(i64::from(n.enabled))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => sqlx::query(
                "INSERT INTO notify_channels (kind, name, url, secret, settings, enabled, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(kind.as_str())
            .bind(name)
            .bind(url)
            .bind(secret)
            .bind(&settings)
            .bind(i64::from(n.enabled))
            .bind(now())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict {
                    what: Thing::Channel,
                    key: name.to_string(),
                },
                _ => e.into(),
            })?
            .get("id"),
        };
        // The audit names the channel, never its secret.
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "channel.save".into(),
                entity: "channel".into(),
                entity_id: id.to_string(),
                new_value: Some(format!(
                    "{} {name} {url}{}",
                    kind.as_str(),
                    if n.enabled { "" } else { " (disabled)" }
                )),
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        self.channels_impl()
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::NotFound {
                what: Thing::Channel,
                key: id.to_string(),
            })
    }

    /// Claim up to `limit` due messages for `lease`: no other server claims them until the
    /// lease runs out (a server killed mid-delivery loses its claim then, not the message).
    /// Each claim counts as an attempt.
    pub(crate) async fn claim_outbox_impl(
        &self,
        now_at: time::OffsetDateTime,
        lease: time::Duration,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        let at = stamp(now_at);
        let until = stamp(now_at + lease);
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1 WHERE id IN (\
             SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
             AND (claimed_until IS NULL OR claimed_until <= $3) ORDER BY next_attempt_at, id LIMIT $4{lock}) \
             RETURNING id"
        );
        let ids: Vec<i64> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&until)
            .bind(&at)
            .bind(&at)
            .bind(limit.clamp(1, 1000))
            .fetch_all(&self.writer)
            .await?
            .iter()
            .map(|r| r.get("id"))
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = SqlBuilder::new(outbox_select());
        q.push(" WHERE o.id").push_ids(&ids).push(" ORDER BY o.id");
        q.build()
            .fetch_all(&self.writer)
            .await?
            .iter()
            .map(read_outbox)
            .collect()
    }

    pub(crate) async fn outbox_delivered_impl(&self, id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'delivered', delivered_at = $1, claimed_until = NULL, last_error = NULL WHERE id = $2",
        )
        .bind(now())
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// A failed delivery: tried again at `retry_at`, or dead when None.
    pub(crate) async fn outbox_failed_impl(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<time::OffsetDateTime>,
    ) -> Result<()> {
        let error: String = error.chars().take(2000).collect();
        match retry_at {
            Some(t) => sqlx::query(
                "UPDATE outbox SET next_attempt_at = $1, claimed_until = NULL, last_error = $2 WHERE id = $3 AND status = 'pending'",
            )
            .bind(stamp(t))
            .bind(error)
            .bind(id),
            None => sqlx::query(
                "UPDATE outbox SET status = 'dead', claimed_until = NULL, last_error = $1 WHERE id = $2 AND status = 'pending'",
            )
            .bind(error)
            .bind(id),
        }
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    pub(crate) async fn outbox_impl(
        &self,
        status: Option<OutboxStatus>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>> {
        let mut q = SqlBuilder::new(outbox_select());
        if let Some(s) = status {
            q.push(" WHERE o.status = ").push_bind(s.as_str());
        }
        q.push(" ORDER BY o.id DESC LIMIT ")
            .push_bind(limit.clamp(1, 1000));
        q.build()
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(read_outbox)
            .collect()
    }

    pub(crate) async fn retry_outbox_impl(&self, actor: &str, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, claimed_until = NULL WHERE id = $2 AND status = 'dead'",
        )
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound {
                what: Thing::Message,
                key: id.to_string(),
            });
        }
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "outbox.retry".into(),
                entity: "outbox".into(),
                entity_id: id.to_string(),
                old_value: Some("dead".into()),
                new_value: Some("pending".into()),
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A test message to `user_id` over one channel only.
    pub(crate) async fn test_channel_impl(
        &self,
        actor: &str,
        channel_id: i64,
        user_id: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let ch: Option<String> = sqlx::query("SELECT name FROM notify_channels WHERE id = $1")
            .bind(channel_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.get("name"));
        let Some(name) = ch else {
            return Err(StoreError::NotFound {
                what: Thing::Channel,
                key: channel_id.to_string(),
            });
        };
        let (username, lang): (String, String) =
            sqlx::query("SELECT username, lang FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await
                .map(|r| (r.get("username"), r.get("lang")))?;
        let t = StoredText::of(&text!("notify-test", channel = name));
        let at = now();
        sqlx::query(
            "INSERT INTO outbox (kind, user_id, recipient, lang, channel_id, text_key, args, link, idem_key, status, attempts, next_attempt_at, created_at) \
             VALUES ('test', $1, $2, $3, $4, $5, $6, '/', $7, 'pending', 0, $8, $9)",
        )
        .bind(user_id)
        .bind(&username)
        .bind(&lang)
        .bind(channel_id)
        .bind(&t.key)
        .bind(serde_json::to_string(&t.args).unwrap_or_default())
        .bind(format!("test:{at}:u{user_id}:c{channel_id}"))
        .bind(&at)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "channel.test".into(),
                entity: "channel".into(),
                entity_id: channel_id.to_string(),
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A message's `due` argument: the deadline as people read it, or "no deadline".
pub(crate) fn with_due(t: Text, due: Option<&str>) -> Text {
    match due {
        Some(d) => match t {
            Text::Msg { catalogue, mut msg } => {
                msg.args.push(("due", people_time(d)));
                Text::Msg { catalogue, msg }
            }
            pair => pair,
        },
        None => t.text_arg("due", &text!("notify-no-due")),
    }
}

/// The open person and department tasks of a cycle, as one count and earliest deadline per
/// user (`late`: only those past their deadline, or without one, at `at`).
pub(crate) async fn task_holders(
    c: &mut sqlx::AnyConnection,
    cycle_id: i64,
    late_at: Option<&str>,
) -> Result<BTreeMap<i64, (String, usize, Option<String>)>> {
    let mut q = SqlBuilder::new(
        "SELECT u.id AS uid, COALESCE(e.name, u.username) AS name, t.due FROM tasks t \
         JOIN users u ON u.employee_id = t.assignee_id LEFT JOIN employees e ON e.id = u.employee_id \
         WHERE t.status = 'open' AND t.cycle_id = ",
    );
    q.push_bind(cycle_id);
    if let Some(at) = late_at {
        q.push(" AND (t.due IS NULL OR t.due < ")
            .push_bind(at)
            .push(")");
    }
    q.push(
        " UNION ALL SELECT u.id AS uid, COALESCE(e.name, u.username) AS name, t.due FROM tasks t \
         JOIN user_roles r ON r.department_id = t.department_id AND r.role = 'clerk' \
         JOIN users u ON u.id = r.user_id LEFT JOIN employees e ON e.id = u.employee_id \
         WHERE t.status = 'open' AND t.assignee_id IS NULL AND t.cycle_id = ",
    );
    q.push_bind(cycle_id);
    if let Some(at) = late_at {
        q.push(" AND (t.due IS NULL OR t.due < ")
            .push_bind(at)
            .push(")");
    }
    let mut out: BTreeMap<i64, (String, usize, Option<String>)> = BTreeMap::new();
    for r in q.build().fetch_all(&mut *c).await? {
        let due: Option<String> = r.get("due");
        let e = out
            .entry(r.get("uid"))
            .or_insert_with(|| (r.get("name"), 0, None));
        e.1 += 1;
        if let Some(d) = due
            && e.2.as_ref().is_none_or(|x| &d < x)
        {
            e.2 = Some(d);
        }
    }
    Ok(out)
}

/// One task message per person of a cycle (launch, 催办).
pub(crate) fn task_events(
    kind: EventKind,
    holders: &BTreeMap<i64, (String, usize, Option<String>)>,
    form: &kaohe_core::model::Form,
    period: &str,
    key: &str,
) -> Vec<Event> {
    holders
        .iter()
        .map(|(uid, (name, count, due))| {
            let t = match kind {
                EventKind::Reminder => text!(
                    "notify-reminder",
                    name = name,
                    count = count,
                    form = form.title,
                    period = period
                ),
                _ => text!(
                    "notify-task-assigned",
                    name = name,
                    count = count,
                    form = form.title,
                    period = period
                ),
            };
            Event {
                kind,
                user_id: *uid,
                text: with_due(with_form(t, form), due.as_deref()),
                link: "/tasks".into(),
                key: key.into(),
            }
        })
        .collect()
}

impl Db {
    pub(crate) async fn remind_late_impl(&self, actor: &str, cycle_id: i64) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        let cy = Self::load_cycle(&mut tx, cycle_id).await?;
        let t = Self::template_for(&mut tx, &cy).await?;
        let at = now();
        let holders = task_holders(&mut tx, cycle_id, Some(&at)).await?;
        let events = task_events(
            EventKind::Reminder,
            &holders,
            &t.form,
            &cy.period,
            &format!("remind:{cycle_id}:{at}"),
        );
        emit(&mut tx, &events).await?;
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "cycle.remind".into(),
                entity: "cycle".into(),
                entity_id: cycle_id.to_string(),
                new_value: Some(format!("{} people reminded", events.len())),
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(events.len())
    }
}

impl Db {
    /// The messages of one workflow step, in its transaction: a published result to the
    /// employee, an appeal to HR, an appeal's decision to the employee.
    pub(crate) async fn act_events(
        c: &mut sqlx::AnyConnection,
        a: &Appraisal,
        cy: &Cycle,
        t: &kaohe_core::Template,
        action: &kaohe_core::workflow::Action,
        at: &str,
    ) -> Result<()> {
        use kaohe_core::workflow::Action;
        let form = &t.form;
        let link = format!("/appraisals/{}", a.id);
        let employee = user_of_employee(c, a.employee_id).await?;
        let mut ev = Vec::new();
        match action {
            Action::Approve => {
                if let Some(u) = employee {
                    let text = text!(
                        "notify-result-published",
                        name = a.name,
                        form = form.title,
                        period = cy.period,
                        total = a.total.clone().unwrap_or_default()
                    );
                    ev.push(Event {
                        kind: EventKind::ResultPublished,
                        user_id: u,
                        text: with_due(with_form(text, form), a.confirm_due.as_deref()),
                        link,
                        key: format!("publish:{}:{at}", a.id),
                    });
                }
            }
            Action::Appeal { reason, .. } => {
                for u in hr_users(c).await? {
                    let text = text!(
                        "notify-appeal-filed",
                        name = a.name,
                        form = form.title,
                        period = cy.period,
                        reason = reason.trim()
                    );
                    ev.push(Event {
                        kind: EventKind::AppealFiled,
                        user_id: u,
                        text: with_form(text, form),
                        link: "/hr/appeals".into(),
                        key: format!("appeal:{}:{at}", a.id),
                    });
                }
            }
            Action::Uphold { reason } | Action::Reopen { reason, .. } => {
                if let Some(u) = employee {
                    let decision = if matches!(action, Action::Uphold { .. }) {
                        text!("notify-upheld")
                    } else {
                        text!("notify-reopened")
                    };
                    let text = text!(
                        "notify-appeal-decided",
                        name = a.name,
                        form = form.title,
                        period = cy.period,
                        reason = reason.trim()
                    )
                    .text_arg("decision", &decision);
                    ev.push(Event {
                        kind: EventKind::AppealDecided,
                        user_id: u,
                        text: with_form(text, form),
                        link,
                        key: format!("decided:{}:{at}", a.id),
                    });
                }
            }
            _ => {}
        }
        emit(c, &ev).await
    }

    /// Messages to the employees whose results were just deemed accepted.
    pub(crate) async fn auto_confirm_events(
        c: &mut sqlx::AnyConnection,
        ids: &[i64],
        at: &str,
    ) -> Result<()> {
        let mut rows = Vec::new();
        for chunk in ids.chunks(1000) {
            let mut q = SqlBuilder::new(
                "SELECT a.id, a.cycle_id, a.confirm_due, e.name, u.id AS uid FROM appraisals a \
                 JOIN employees e ON e.id = a.employee_id JOIN users u ON u.employee_id = a.employee_id \
                 WHERE a.id",
            );
            q.push_ids(chunk);
            for r in q.build().fetch_all(&mut *c).await? {
                rows.push((
                    r.get::<i64, _>("id"),
                    r.get::<i64, _>("cycle_id"),
                    r.get::<Option<String>, _>("confirm_due"),
                    r.get::<String, _>("name"),
                    r.get::<i64, _>("uid"),
                ));
            }
        }
        let mut forms: HashMap<i64, (Cycle, kaohe_core::Template)> = HashMap::new();
        let mut ev = Vec::new();
        for (id, cycle_id, due, name, uid) in rows {
            if let std::collections::hash_map::Entry::Vacant(e) = forms.entry(cycle_id) {
                let cy = Self::load_cycle(c, cycle_id).await?;
                let t = Self::template_for(c, &cy).await?;
                e.insert((cy, t));
            }
            let (cy, t) = &forms[&cycle_id];
            let text = text!(
                "notify-auto-confirmed",
                name = name,
                form = t.form.title,
                period = cy.period
            );
            ev.push(Event {
                kind: EventKind::AutoConfirmed,
                user_id: uid,
                text: with_due(with_form(text, &t.form), due.as_deref()),
                link: format!("/appraisals/{id}"),
                key: format!("auto:{id}:{at}"),
            });
        }
        emit(c, &ev).await
    }
}
