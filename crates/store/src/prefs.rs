//! People's choices for notifications (migration 0015), which [`crate::notify::emit`] follows
//! when it fans an event out:
//!
//! - each person chooses, for each kind of event, which of the personal channels reach them
//!   ([`PERSONAL_CHANNELS`]: e-mail, and the 钉钉 / 飞书 / 企业微信 robots that @ them). The
//!   in-app 通知 list always gets every message; a generic webhook is HR's integration and gets
//!   every message HR sends at all. Only "off" choices are stored, so a kind added later
//!   reaches everyone until they turn it off;
//! - a quiet window (22:00–08:00): messages made within it wait in the outbox until it ends
//!   (the in-app list shows them at once). Windows are read in HR's configured time zone
//!   ([`NotifySettings::utc_offset`], 北京时间 +08:00 unless HR changes it), the same for every
//!   server and person;
//! - HR switches kinds off altogether: an event of such a kind is still written to the in-app
//!   list (it is the person's record of what concerns them) but to no channel;
//! - everyone's own e-mail, mobile and 飞书 user id, validated, audited old → new.

use crate::notify::{ChannelKind, Contact, EventKind};
use crate::*;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use time::{OffsetDateTime, UtcOffset};

/// The channels people choose among for each kind.
pub const PERSONAL_CHANNELS: [ChannelKind; 4] = [
    ChannelKind::Email,
    ChannelKind::DingTalk,
    ChannelKind::Feishu,
    ChannelKind::WeCom,
];

/// The kinds people and HR choose about: every kind but a channel's test message (which HR
/// sends on purpose, over one channel, to themselves).
pub fn chosen_kinds() -> impl Iterator<Item = EventKind> {
    EventKind::ALL.into_iter().filter(|k| *k != EventKind::Test)
}

/// A daily quiet window, in minutes after local midnight; `start` after `end` crosses
/// midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: u16,
    pub end: u16,
}

fn minutes(field: &str, s: &str) -> Result<u16> {
    let bad = || StoreError::Invalid {
        field: field.into(),
        message: text!("quiet-time", value = s),
    };
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl QuietHours {
    /// From `HH:MM` text (both empty: no window); errors name the field (`quiet_start`,
    /// `quiet_end`).
    pub fn parse(start: &str, end: &str) -> Result<Option<Self>> {
        let (start, end) = (start.trim(), end.trim());
        match (start.is_empty(), end.is_empty()) {
            (true, true) => return Ok(None),
            (true, false) => {
                return Err(StoreError::Invalid {
                    field: "quiet_start".into(),
                    message: text!("quiet-missing"),
                });
            }
            (false, true) => {
                return Err(StoreError::Invalid {
                    field: "quiet_end".into(),
                    message: text!("quiet-missing"),
                });
            }
            _ => {}
        }
        let q = QuietHours {
            start: minutes("quiet_start", start)?,
            end: minutes("quiet_end", end)?,
        };
        if q.start == q.end {
            return Err(StoreError::Invalid {
                field: "quiet_end".into(),
                message: text!("quiet-same"),
            });
        }
        Ok(Some(q))
    }

    /// `HH:MM`.
    pub fn hhmm(m: u16) -> String {
        format!("{:02}:{:02}", m / 60, m % 60)
    }

    /// `22:00–08:00`.
    pub fn label(&self) -> String {
        format!("{}–{}", Self::hhmm(self.start), Self::hhmm(self.end))
    }

    /// When a message made at `now` may be sent: the end of the window when `now` falls
    /// within it (read at `offset`), else None (at once).
    pub fn release(&self, now: OffsetDateTime, offset: UtcOffset) -> Option<OffsetDateTime> {
        let local = now.to_offset(offset);
        let m = local.hour() as u16 * 60 + local.minute() as u16;
        let within = if self.start < self.end {
            self.start <= m && m < self.end
        } else {
            m >= self.start || m < self.end
        };
        if !within {
            return None;
        }
        let end = time::Time::from_hms((self.end / 60) as u8, (self.end % 60) as u8, 0).ok()?;
        let mut day = local.date();
        if m >= self.end {
            day = day.next_day()?;
        }
        Some(
            day.with_time(end)
                .assume_offset(offset)
                .to_offset(UtcOffset::UTC),
        )
    }
}

/// One person's choices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyPrefs {
    /// The (kind, personal channel) pairs turned off; everything else is on.
    pub off: HashSet<(EventKind, ChannelKind)>,
    pub quiet: Option<QuietHours>,
}

impl NotifyPrefs {
    /// Does a message of `kind` reach the person over a channel of kind `channel`?
    pub fn allows(&self, kind: EventKind, channel: ChannelKind) -> bool {
        !PERSONAL_CHANNELS.contains(&channel) || !self.off.contains(&(kind, channel))
    }

    /// As the audit log shows it: `off: reminder/email, …; quiet 22:00–08:00`.
    fn summary(&self) -> String {
        let mut off: Vec<String> = self
            .off
            .iter()
            .map(|(k, c)| format!("{}/{}", k.as_str(), c.as_str()))
            .collect();
        off.sort();
        let off = if off.is_empty() {
            "all on".to_string()
        } else {
            format!("off: {}", off.join(", "))
        };
        match self.quiet {
            Some(q) => format!("{off}; quiet {}", q.label()),
            None => format!("{off}; no quiet hours"),
        }
    }
}

/// HR's choices for everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifySettings {
    /// Kinds sent to no channel (the in-app list still gets them).
    pub kinds_off: HashSet<EventKind>,
    /// The time zone quiet windows are read in.
    pub utc_offset: UtcOffset,
}

/// 北京时间.
pub const DEFAULT_UTC_OFFSET: UtcOffset = time::macros::offset!(+8);

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            kinds_off: HashSet::new(),
            utc_offset: DEFAULT_UTC_OFFSET,
        }
    }
}

/// `+08:00`.
pub fn offset_label(o: UtcOffset) -> String {
    let (h, m, _) = o.as_hms();
    let sign = if h < 0 || m < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", h.abs(), m.abs())
}

/// `+08:00`, `-05:00`, `+05:30` (field `utc_offset`).
pub fn parse_offset(s: &str) -> Result<UtcOffset> {
    let s = s.trim();
    let bad = || StoreError::Invalid {
        field: "utc_offset".into(),
        message: text!("notify-utc-offset", value = s),
    };
    let (sign, rest) = match s.chars().next() {
        Some('+') => (1i8, &s[1..]),
        Some('-') => (-1i8, &s[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: i8 = h.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    if h > 14 || m > 59 {
        return Err(bad());
    }
    UtcOffset::from_hms(sign * h, sign * m, 0).map_err(|_| bad())
}

impl NotifySettings {
    fn summary(&self) -> String {
        let mut off: Vec<&str> = self.kinds_off.iter().map(|k| k.as_str()).collect();
        off.sort();
        format!(
            "kinds off: {}; time zone {}",
            if off.is_empty() {
                "none".to_string()
            } else {
                off.join(", ")
            },
            offset_label(self.utc_offset)
        )
    }
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// An e-mail address's shape: one `@`, something before it, a domain with a dot, no spaces.
fn email_ok(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && s.len() <= 254
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// A mobile number as stored: 11 digits starting with 1 (mainland China), or `+` and 7 to 15
/// digits (international), spaces and dashes taken out. None when it is neither.
pub fn normal_mobile(s: &str) -> Option<String> {
    let t: String = s.chars().filter(|c| *c != ' ' && *c != '-').collect();
    let digits = |d: &str| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit());
    if let Some(rest) = t.strip_prefix('+') {
        return (digits(rest) && (7..=15).contains(&rest.len())).then_some(t);
    }
    (digits(&t) && t.len() == 11 && t.starts_with('1')).then_some(t)
}

/// A person's contact details, validated and trimmed: every problem, each naming its field.
pub fn check_contact(c: &Contact) -> Result<Contact> {
    let mut problems = Vec::new();
    let email = clean(&c.email);
    if let Some(e) = &email
        && !email_ok(e)
    {
        problems.push(("email".to_string(), text!("contact-email", value = e)));
    }
    let mut mobile = clean(&c.mobile);
    if let Some(m) = &mobile {
        match normal_mobile(m) {
            Some(n) => mobile = Some(n),
            None => problems.push(("mobile".to_string(), text!("contact-mobile", value = m))),
        }
    }
    let feishu_id = clean(&c.feishu_id);
    if let Some(f) = &feishu_id
        && (f.len() > 64
            || !f
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        problems.push((
            "feishu_id".to_string(),
            text!("contact-feishu-id", value = f),
        ));
    }
    if !problems.is_empty() {
        return Err(StoreError::Fields(problems));
    }
    Ok(Contact {
        email,
        mobile,
        feishu_id,
    })
}

fn contact_summary(c: &Contact) -> String {
    format!(
        "email={} mobile={} feishu_id={}",
        c.email.as_deref().unwrap_or(""),
        c.mobile.as_deref().unwrap_or(""),
        c.feishu_id.as_deref().unwrap_or("")
    )
}

/// Everyone's "off" choices and quiet windows among `user_ids`, and HR's settings: what
/// [`crate::notify::emit`] needs, read in its transaction.
pub(crate) async fn load_for_emit(
    c: &mut sqlx::AnyConnection,
    user_ids: &[i64],
) -> Result<(HashMap<i64, NotifyPrefs>, NotifySettings)> {
    let settings = load_settings(c).await?;
    let mut prefs: HashMap<i64, NotifyPrefs> = HashMap::new();
    for chunk in user_ids.chunks(1000) {
        let mut q = crate::backend::SqlBuilder::new(
            "SELECT id, quiet_start, quiet_end FROM users WHERE id",
        );
        q.push_ids(chunk);
        for r in q.build().fetch_all(&mut *c).await? {
            let (s, e): (Option<String>, Option<String>) =
                (r.get("quiet_start"), r.get("quiet_end"));
            let quiet = match (s, e) {
                (Some(s), Some(e)) => QuietHours::parse(&s, &e).ok().flatten(),
                _ => None,
            };
            prefs.entry(r.get("id")).or_default().quiet = quiet;
        }
        let mut q = crate::backend::SqlBuilder::new(
            "SELECT user_id, kind, channel FROM notify_prefs WHERE user_id",
        );
        q.push_ids(chunk);
        for r in q.build().fetch_all(&mut *c).await? {
            if let (Some(k), Some(ch)) = (
                EventKind::parse(&r.get::<String, _>("kind")),
                ChannelKind::parse(&r.get::<String, _>("channel")),
            ) {
                prefs
                    .entry(r.get("user_id"))
                    .or_default()
                    .off
                    .insert((k, ch));
            }
        }
    }
    Ok((prefs, settings))
}

async fn load_settings(c: &mut sqlx::AnyConnection) -> Result<NotifySettings> {
    let mut s = NotifySettings::default();
    for r in sqlx::query("SELECT kind FROM notify_kinds_off")
        .fetch_all(&mut *c)
        .await?
    {
        if let Some(k) = EventKind::parse(&r.get::<String, _>("kind")) {
            s.kinds_off.insert(k);
        }
    }
    if let Some(r) = sqlx::query("SELECT value FROM notify_settings WHERE name = 'utc_offset'")
        .fetch_optional(&mut *c)
        .await?
    {
        s.utc_offset = parse_offset(&r.get::<String, _>("value")).unwrap_or(DEFAULT_UTC_OFFSET);
    }
    Ok(s)
}

async fn load_prefs(c: &mut sqlx::AnyConnection, user_id: i64) -> Result<NotifyPrefs> {
    let (mut m, _) = load_for_emit(c, &[user_id]).await?;
    m.remove(&user_id).ok_or(StoreError::NotFound {
        what: Thing::User,
        key: user_id.to_string(),
    })
}

async fn load_contact(c: &mut sqlx::AnyConnection, user_id: i64) -> Result<(String, Contact)> {
    let r = sqlx::query("SELECT username, email, mobile, feishu_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *c)
        .await?
        .ok_or(StoreError::NotFound {
            what: Thing::User,
            key: user_id.to_string(),
        })?;
    Ok((
        r.get("username"),
        Contact {
            email: r.get("email"),
            mobile: r.get("mobile"),
            feishu_id: r.get("feishu_id"),
        },
    ))
}

impl Db {
    pub(crate) async fn notify_prefs_impl(&self, user_id: i64) -> Result<NotifyPrefs> {
        let mut c = self.reader.acquire().await?;
        load_prefs(&mut c, user_id).await
    }

    pub(crate) async fn set_notify_prefs_impl(
        &self,
        actor: &str,
        user_id: i64,
        p: &NotifyPrefs,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let old = load_prefs(&mut tx, user_id).await?;
        sqlx::query("DELETE FROM notify_prefs WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let mut off: Vec<&(EventKind, ChannelKind)> = p
            .off
            .iter()
            .filter(|(_, c)| PERSONAL_CHANNELS.contains(c))
            .collect();
        off.sort_by_key(|(k, c)| (k.as_str(), c.as_str()));
        for (k, ch) in off {
            sqlx::query("INSERT INTO notify_prefs (user_id, kind, channel) VALUES ($1, $2, $3)")
                .bind(user_id)
                .bind(k.as_str())
                .bind(ch.as_str())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("UPDATE users SET quiet_start = $1, quiet_end = $2 WHERE id = $3")
            .bind(p.quiet.map(|q| QuietHours::hhmm(q.start)))
            .bind(p.quiet.map(|q| QuietHours::hhmm(q.end)))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let new = load_prefs(&mut tx, user_id).await?;
        let (username, _) = load_contact(&mut tx, user_id).await?;
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "user.notify_prefs".into(),
                entity: "user".into(),
                entity_id: username,
                old_value: Some(old.summary()),
                new_value: Some(new.summary()),
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn notify_settings_impl(&self) -> Result<NotifySettings> {
        let mut c = self.reader.acquire().await?;
        load_settings(&mut c).await
    }

    pub(crate) async fn set_notify_settings_impl(
        &self,
        actor: &str,
        s: &NotifySettings,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let old = load_settings(&mut tx).await?;
        sqlx::query("DELETE FROM notify_kinds_off")
            .execute(&mut *tx)
            .await?;
        let mut off: Vec<&str> = s.kinds_off.iter().map(|k| k.as_str()).collect();
        off.sort();
        for k in off {
            sqlx::query("INSERT INTO notify_kinds_off (kind) VALUES ($1)")
                .bind(k)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM notify_settings WHERE name = 'utc_offset'")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO notify_settings (name, value) VALUES ('utc_offset', $1)")
            .bind(offset_label(s.utc_offset))
            .execute(&mut *tx)
            .await?;
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "notify.settings".into(),
                entity: "notify".into(),
                entity_id: "settings".into(),
                old_value: Some(old.summary()),
                new_value: Some(s.summary()),
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn contact_impl(&self, user_id: i64) -> Result<Contact> {
        let mut c = self.reader.acquire().await?;
        Ok(load_contact(&mut c, user_id).await?.1)
    }

    pub(crate) async fn set_contact_impl(
        &self,
        actor: &str,
        username: &str,
        c: &Contact,
    ) -> Result<()> {
        let new = check_contact(c)?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound {
                what: Thing::User,
                key: username.into(),
            })?
            .get("id");
        let (_, old) = load_contact(&mut tx, id).await?;
        sqlx::query("UPDATE users SET email = $1, mobile = $2, feishu_id = $3 WHERE id = $4")
            .bind(&new.email)
            .bind(&new.mobile)
            .bind(&new.feishu_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.append_audits(
            &mut tx,
            &[NewAudit {
                actor: actor.into(),
                action: "user.contact".into(),
                entity: "user".into(),
                entity_id: username.into(),
                old_value: Some(contact_summary(&old)),
                new_value: Some(contact_summary(&new)),
                ..Default::default()
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_window_across_midnight_holds_messages_until_it_ends() {
        let q = QuietHours::parse("22:00", "08:00").unwrap().unwrap();
        let bj = DEFAULT_UTC_OFFSET;
        // 23:30 北京时间 (15:30 UTC): held until 08:00 the next morning (00:00 UTC).
        assert_eq!(
            q.release(datetime!(2026-12-03 15:30 UTC), bj),
            Some(datetime!(2026-12-04 00:00 UTC))
        );
        // 06:00 北京时间 (22:00 UTC the day before): held until 08:00 that morning.
        assert_eq!(
            q.release(datetime!(2026-12-02 22:00 UTC), bj),
            Some(datetime!(2026-12-03 00:00 UTC))
        );
        // 08:00 and 21:59 are outside.
        assert_eq!(q.release(datetime!(2026-12-03 00:00 UTC), bj), None);
        assert_eq!(q.release(datetime!(2026-12-03 13:59 UTC), bj), None);
        // A window within one day.
        let lunch = QuietHours::parse("12:00", "13:30").unwrap().unwrap();
        assert_eq!(
            lunch.release(datetime!(2026-12-03 04:15 UTC), bj),
            Some(datetime!(2026-12-03 05:30 UTC))
        );
    }

    #[test]
    fn bad_times_and_contacts_name_their_field() {
        let field = |e: StoreError| match e {
            StoreError::Invalid { field, .. } => field,
            StoreError::Fields(f) => f.iter().map(|x| x.0.clone()).collect::<Vec<_>>().join(","),
            other => panic!("{other}"),
        };
        assert_eq!(
            field(QuietHours::parse("25:00", "08:00").unwrap_err()),
            "quiet_start"
        );
        assert_eq!(
            field(QuietHours::parse("22:00", "8").unwrap_err()),
            "quiet_end"
        );
        assert_eq!(
            field(QuietHours::parse("", "08:00").unwrap_err()),
            "quiet_start"
        );
        assert_eq!(
            field(QuietHours::parse("08:00", "08:00").unwrap_err()),
            "quiet_end"
        );
        assert_eq!(QuietHours::parse(" ", "").unwrap(), None);
        let c = |e: &str, m: &str, f: &str| Contact {
            email: Some(e.into()),
            mobile: Some(m.into()),
            feishu_id: Some(f.into()),
        };
        assert_eq!(
            field(check_contact(&c("zhang.example.com", "1380000000", "ou 1")).unwrap_err()),
            "email,mobile,feishu_id"
        );
        assert_eq!(
            field(check_contact(&c("a@b.cn", "23800000000", "")).unwrap_err()),
            "mobile"
        );
        let ok = check_contact(&c(" zhang@example.com ", "138 0013 8000", "ou_7d8a6e")).unwrap();
        assert_eq!(ok.mobile.as_deref(), Some("13800138000"));
        assert_eq!(ok.email.as_deref(), Some("zhang@example.com"));
        assert_eq!(
            check_contact(&c("", "+852 9123 4567", ""))
                .unwrap()
                .mobile
                .as_deref(),
            Some("+85291234567")
        );
        assert_eq!(check_contact(&c("", "", "")).unwrap(), Contact::default());
        assert_eq!(parse_offset("+08:00").unwrap(), DEFAULT_UTC_OFFSET);
        assert_eq!(offset_label(parse_offset("-05:30").unwrap()), "-05:30");
        assert_eq!(field(parse_offset("8").unwrap_err()), "utc_offset");
    }
}
