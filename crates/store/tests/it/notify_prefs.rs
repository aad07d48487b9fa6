//! People's notification choices (issue 17, migration 0015): channels per kind and quiet
//! hours followed by the fan-out, kinds HR switches off (in-app still written), contact
//! details validated and audited old → new. On SQLite and PostgreSQL.

use crate::common;
use crate::notify::{webhook, world};

use common::both;
use common::*;
use kaohe_store::*;

both!(
    the_fan_out_follows_each_persons_channels_and_quiet_hours,
    a_kind_hr_switches_off_reaches_the_list_but_no_channel,
    contact_details_are_validated_and_audited_old_to_new,
);

async fn channel(db: &Db, kind: &str, name: &str, url: &str) -> Channel {
    db.save_channel(
        "hr",
        None,
        &NewChannel {
            kind: kind.into(),
            name: name.into(),
            url: url.into(),
            enabled: true,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// The outbox rows of one kind, as (user name, channel name, next attempt).
async fn rows(db: &Db, kind: EventKind) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = db
        .outbox(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == kind)
        .map(|m| (m.recipient, m.channel.name, m.next_attempt_at))
        .collect();
    v.sort();
    v
}

async fn last_audit(db: &Db, action: &str) -> AuditEntry {
    db.audit_log(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .rev()
        .find(|e| e.action == action)
        .unwrap_or_else(|| panic!("no {action} in the audit log"))
}

async fn the_fan_out_follows_each_persons_channels_and_quiet_hours(db: Db) {
    let w = world(&db).await;
    webhook(&db, "http://127.0.0.1:9/hook").await;
    channel(&db, "dingtalk", "ding", "http://127.0.0.1:9/ding").await;
    channel(&db, "email", "mail", "smtp+plain://127.0.0.1:25").await;
    db.set_contact(
        "wang",
        "wang",
        &Contact {
            email: Some("wang@example.com".into()),
            mobile: Some("13800000001".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Nothing chosen yet: everything reaches him.
    let p = db.notify_prefs(w.boss.id).await.unwrap();
    assert!(p.allows(EventKind::TaskAssigned, ChannelKind::Email));
    assert_eq!(p.quiet, None);

    // 王经理 wants no e-mail for new tasks and no 钉钉 @ for reminders, and a quiet window
    // from an hour ago to an hour from now (北京时间, HR's default zone).
    let local = time::OffsetDateTime::now_utc().to_offset(DEFAULT_UTC_OFFSET);
    let now_m = local.hour() as u16 * 60 + local.minute() as u16;
    let hhmm = |m: u16| QuietHours::hhmm(m % 1440);
    let quiet = QuietHours::parse(&hhmm(now_m + 1440 - 60), &hhmm(now_m + 60))
        .unwrap()
        .unwrap();
    let mut p = NotifyPrefs {
        quiet: Some(quiet),
        ..Default::default()
    };
    p.off.insert((EventKind::TaskAssigned, ChannelKind::Email));
    p.off.insert((EventKind::Reminder, ChannelKind::DingTalk));
    db.set_notify_prefs("wang", w.boss.id, &p).await.unwrap();
    assert_eq!(db.notify_prefs(w.boss.id).await.unwrap(), p, "read back");
    let a = last_audit(&db, "user.notify_prefs").await;
    assert_eq!(a.actor, "wang");
    assert_eq!(a.entity_id, "wang");
    assert_eq!(a.old_value.as_deref(), Some("all on; no quiet hours"));
    assert_eq!(
        a.new_value.unwrap(),
        format!(
            "off: reminder/dingtalk, task-assigned/email; quiet {}",
            quiet.label()
        )
    );

    let release = stamp(
        quiet
            .release(time::OffsetDateTime::now_utc(), DEFAULT_UTC_OFFSET)
            .expect("now is within the window"),
    );
    db.launch_cycle("hr", w.cycle).await.unwrap();
    // In-app at once…
    let n = db.notifications(w.boss.id, 10).await.unwrap();
    assert_eq!(n[0].kind, EventKind::TaskAssigned);
    // …the webhook and the 钉钉 robot, not e-mail, each held until the window ends.
    assert_eq!(
        rows(&db, EventKind::TaskAssigned).await,
        vec![
            ("wang".into(), "ding".into(), release.clone()),
            ("wang".into(), "payroll".into(), release.clone()),
        ]
    );
    // A reminder: e-mail and the webhook, no 钉钉.
    db.remind_late("hr", w.cycle).await.unwrap();
    let r = rows(&db, EventKind::Reminder).await;
    let names: Vec<&str> = r.iter().map(|x| x.1.as_str()).collect();
    assert_eq!(names, ["mail", "payroll"]);
    // Held messages are not claimed before the window ends, and are after.
    let claimed = db
        .claim_outbox(
            time::OffsetDateTime::now_utc(),
            time::Duration::minutes(1),
            100,
        )
        .await
        .unwrap();
    assert!(claimed.is_empty(), "{claimed:?}");
    let after = time::OffsetDateTime::now_utc() + time::Duration::minutes(61);
    let claimed = db
        .claim_outbox(after, time::Duration::minutes(1), 100)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 4);

    // Choices can be put back to "everything on, no quiet hours".
    db.set_notify_prefs("wang", w.boss.id, &NotifyPrefs::default())
        .await
        .unwrap();
    assert_eq!(
        db.notify_prefs(w.boss.id).await.unwrap(),
        NotifyPrefs::default()
    );
}

async fn a_kind_hr_switches_off_reaches_the_list_but_no_channel(db: Db) {
    let w = world(&db).await;
    webhook(&db, "http://127.0.0.1:9/hook").await;
    assert_eq!(
        db.notify_settings().await.unwrap(),
        NotifySettings::default()
    );
    let s = NotifySettings {
        kinds_off: [EventKind::Reminder].into(),
        utc_offset: parse_offset("+05:30").unwrap(),
    };
    db.set_notify_settings("hr", &s).await.unwrap();
    assert_eq!(db.notify_settings().await.unwrap(), s);
    let a = last_audit(&db, "notify.settings").await;
    assert_eq!(
        a.old_value.as_deref(),
        Some("kinds off: none; time zone +08:00")
    );
    assert_eq!(
        a.new_value.as_deref(),
        Some("kinds off: reminder; time zone +05:30")
    );
    db.launch_cycle("hr", w.cycle).await.unwrap();
    db.remind_late("hr", w.cycle).await.unwrap();
    let n = db.notifications(w.boss.id, 10).await.unwrap();
    assert_eq!(n[0].kind, EventKind::Reminder, "the list still has it");
    assert!(rows(&db, EventKind::Reminder).await.is_empty());
    assert_eq!(rows(&db, EventKind::TaskAssigned).await.len(), 1);
    // A bad time zone names its field.
    match parse_offset("Asia/Shanghai") {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "utc_offset"),
        other => panic!("{other:?}"),
    }
}

async fn contact_details_are_validated_and_audited_old_to_new(db: Db) {
    let w = world(&db).await;
    let bad = Contact {
        email: Some("zhang.example.com".into()),
        mobile: Some("2380000000".into()),
        feishu_id: Some("ou 1".into()),
    };
    match db.set_contact("zhang", "zhang", &bad).await {
        Err(StoreError::Fields(f)) => {
            let fields: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
            assert_eq!(fields, ["email", "mobile", "feishu_id"]);
            assert!(
                f[1].1.render(Lang::Zh).contains("11 位"),
                "{}",
                f[1].1.render(Lang::Zh)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(db.contact(w.zhang.id).await.unwrap(), Contact::default());
    db.set_contact(
        "zhang",
        "zhang",
        &Contact {
            email: Some(" zhang@example.com ".into()),
            mobile: Some("138-0013-8000".into()),
            feishu_id: Some("ou_7d8a6e6df7621556ce0d21922b676706".into()),
        },
    )
    .await
    .unwrap();
    let c = db.contact(w.zhang.id).await.unwrap();
    assert_eq!(c.email.as_deref(), Some("zhang@example.com"));
    assert_eq!(c.mobile.as_deref(), Some("13800138000"));
    // HR changes the mobile to an international one: old → new in the log, HR as actor.
    db.set_contact(
        "hr",
        "zhang",
        &Contact {
            mobile: Some("+852 9123 4567".into()),
            ..c.clone()
        },
    )
    .await
    .unwrap();
    let a = last_audit(&db, "user.contact").await;
    assert_eq!(a.actor, "hr");
    assert_eq!(
        a.old_value.as_deref(),
        Some(
            "email=zhang@example.com mobile=13800138000 feishu_id=ou_7d8a6e6df7621556ce0d21922b676706"
        )
    );
    assert_eq!(
        a.new_value.as_deref(),
        Some(
            "email=zhang@example.com mobile=+85291234567 feishu_id=ou_7d8a6e6df7621556ce0d21922b676706"
        )
    );
    // The policy: one's own, or HR.
    assert!(policy::may_edit_contact(&w.zhang, w.zhang.id).is_ok());
    assert!(policy::may_edit_contact(&w.hr, w.zhang.id).is_ok());
    assert!(policy::may_edit_contact(&w.li, w.zhang.id).is_err());
    // The 飞书 id reaches the outbox message (for the robot's @).
    let ch = webhook(&db, "http://127.0.0.1:9/hook").await;
    db.test_channel("hr", ch.id, w.zhang.id).await.unwrap();
    let m = db.outbox(None, 10).await.unwrap();
    assert_eq!(
        m[0].feishu_id.as_deref(),
        Some("ou_7d8a6e6df7621556ce0d21922b676706")
    );
}
