//! Notifications (issue 17): every event is written with the change that causes it (and
//! rolled back with it), one message per person, in the person's words and language; the
//! outbox is claimed with a lease, retried, marked dead and retried by HR. On SQLite and
//! PostgreSQL.

use crate::common;

use common::*;
use kaohe_core::workflow::Action;
use kaohe_store::*;

use common::both;

both!(
    events_are_written_with_the_change_and_rolled_back_with_it,
    the_outbox_is_claimed_once_retried_and_dead_lettered,
    a_notification_that_cannot_be_read_is_corrupt,
    concurrent_claims_never_share_a_message,
    a_channel_for_one_department_carries_its_subtree_only,
);

/// A form with one item rated by the supervisor: launch → rating → review → approval.
pub const FORM: &str = r#"
[form]
id = "N1"
title = "通知测试表"
title_en = "Notice test form"
period = "monthly"
total_points = 100

[[item]]
id = "attitude"
name = "工作态度"
name_en = "Attitude"
points = 100
rule = "score"
"#;

fn org(line: usize, no: &str, name: &str, sup: &str) -> OrgRow {
    OrgRow {
        line,
        emp_no: no.into(),
        name: name.into(),
        dept_code: "KF".into(),
        dept_name: "客服部".into(),
        dept_kind: "业务".into(),
        position: "客户经理".into(),
        supervisor_emp_no: sup.into(),
        ..Default::default()
    }
}

async fn user(db: &Db, name: &str, emp: Option<&str>, role: Role, lang: &str) -> User {
    db.create_user(
        "test",
        &NewUser {
            username: name.into(),
            password: "a long password".into(),
            emp_no: emp.map(str::to_string),
            grants: vec![Grant {
                role,
                department_id: None,
            }],
            lang: lang.into(),
        },
    )
    .await
    .unwrap()
}

pub struct World {
    pub hr: User,
    pub boss: User,
    pub zhang: User,
    pub li: User,
    pub fuhe: User,
    pub shenpi: User,
    pub cycle: i64,
}

/// 王经理 (B001) supervises 张三 (A001, reads Chinese) and 李四 (A002, reads English); the
/// cycle is a draft.
pub async fn world(db: &Db) -> World {
    db.import_org(
        "test",
        &[
            org(2, "B001", "王经理", ""),
            org(3, "A001", "张三", "B001"),
            org(4, "A002", "李四", "B001"),
        ],
    )
    .await
    .unwrap();
    db.publish_template("hr", FORM).await.unwrap();
    let hr = user(db, "hr", None, Role::HrAdmin, "zh-CN").await;
    let boss = user(db, "wang", Some("B001"), Role::Rater, "zh-CN").await;
    let zhang = user(db, "zhang", Some("A001"), Role::Employee, "zh-CN").await;
    let li = user(db, "li", Some("A002"), Role::Employee, "en").await;
    let fuhe = user(db, "fuhe", None, Role::Reviewer, "zh-CN").await;
    let shenpi = user(db, "shenpi", None, Role::Approver, "zh-CN").await;
    let cy = db
        .create_cycle(
            "hr",
            &NewCycle {
                name: "2026年11月 通知测试".into(),
                form_id: "N1".into(),
                period: "2026-11".into(),
                members: Members {
                    employees: vec!["A001".into(), "A002".into()],
                    ..Default::default()
                },
                rating_due: Some("2026-11-30".into()),
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    World {
        hr,
        boss,
        zhang,
        li,
        fuhe,
        shenpi,
        cycle: cy.id,
    }
}

pub async fn webhook(db: &Db, url: &str) -> Channel {
    db.save_channel(
        "hr",
        None,
        &NewChannel {
            kind: "webhook".into(),
            name: "payroll".into(),
            url: url.into(),
            secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
            enabled: true,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn count(db: &Db, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn exec(db: &Db, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(db.pool())
        .await
        .unwrap();
}

async fn mine(db: &Db, u: &User) -> Vec<Notification> {
    db.notifications(u.id, 100).await.unwrap()
}

async fn events_are_written_with_the_change_and_rolled_back_with_it(db: Db) {
    let w = world(&db).await;
    let ch = webhook(&db, "http://127.0.0.1:9/hook").await;
    // An e-mail channel: nobody here has an address, so it gets no message at all (rather
    // than dead letters for everyone).
    db.save_channel(
        "hr",
        None,
        &NewChannel {
            kind: "email".into(),
            name: "mail".into(),
            url: "smtp+plain://127.0.0.1:25".into(),
            enabled: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // A launch whose message cannot be queued (an outbox row already holds its key) is
    // refused whole: no appraisals, no tasks, no notification.
    exec(
        &db,
        &format!(
            "INSERT INTO outbox (kind, user_id, recipient, lang, channel_id, text_key, args, link, idem_key, status, attempts, next_attempt_at, created_at) \
             VALUES ('test', {u}, 'wang', 'zh-CN', {c}, '', '{{}}', '/', 'launch:{cy}:u{u}:c{c}', 'pending', 0, '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')",
            u = w.boss.id,
            c = ch.id,
            cy = w.cycle
        ),
    )
    .await;
    assert!(db.launch_cycle("hr", w.cycle).await.is_err());
    assert_eq!(db.cycle(w.cycle).await.unwrap().status, "draft");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM appraisals").await, 0);
    assert!(mine(&db, &w.boss).await.is_empty());
    exec(&db, "DELETE FROM outbox").await;

    // The launch: one message to 王经理 for his two appraisals, none to the appraisees.
    db.launch_cycle("hr", w.cycle).await.unwrap();
    let n = mine(&db, &w.boss).await;
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].kind, EventKind::TaskAssigned);
    assert_eq!(n[0].link, "/tasks");
    let zh = n[0].text.render(Lang::Zh);
    for want in ["王经理", "2 项", "通知测试表", "2026-11", "2026-11-30"] {
        assert!(zh.contains(want), "{want}: {zh}");
    }
    let en = n[0].text.render(Lang::En);
    assert!(
        en.contains("Notice test form") && en.contains("due 2026-11-30"),
        "{en}"
    );
    assert!(mine(&db, &w.zhang).await.is_empty());
    assert_eq!(db.unread_count(w.boss.id).await.unwrap(), 1);
    // …and one outbox row for the enabled channel, in his language, with a unique key.
    let out = db.outbox(None, 100).await.unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].recipient.as_str(), out[0].lang, out[0].channel.id),
        ("wang", Lang::Zh, ch.id)
    );
    assert_eq!(
        out[0].idem_key,
        format!("launch:{}:u{}:c{}", w.cycle, w.boss.id, ch.id)
    );

    // 催办 after the deadline: one reminder per person, not per appraisal.
    assert_eq!(db.remind_late("hr", w.cycle).await.unwrap(), 1);
    let n = mine(&db, &w.boss).await;
    assert_eq!(n[0].kind, EventKind::Reminder);
    assert!(
        n[0].text.render(Lang::Zh).contains("催办") || n[0].text.title(Lang::Zh).contains("催办")
    );

    // Rating, review and approval: each employee hears of the published result with the
    // confirmation deadline, in their own language.
    let mut ids = Vec::new();
    for a in db
        .appraisals(&w.hr, Some(w.cycle), None, Page::default())
        .await
        .unwrap()
    {
        let v = Values::from([("attitude".to_string(), "90".to_string())]);
        let a = db.enter(&w.boss, a.id, a.version, &v).await.unwrap();
        let a = db
            .act(&w.boss, a.id, a.version, &Step::Submit)
            .await
            .unwrap();
        let a = db
            .act(&w.fuhe, a.id, a.version, &Step::Do(Action::ReviewPass))
            .await
            .unwrap();
        let a = db
            .act(&w.shenpi, a.id, a.version, &Step::Do(Action::Approve))
            .await
            .unwrap();
        ids.push((a.emp_no.clone(), a));
    }
    let (_, a1) = ids.iter().find(|(no, _)| no == "A001").unwrap().clone();
    let (_, a2) = ids.iter().find(|(no, _)| no == "A002").unwrap().clone();
    let due = a1.confirm_due.clone().unwrap();
    let n = mine(&db, &w.zhang).await;
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, EventKind::ResultPublished);
    assert_eq!(n[0].link, format!("/appraisals/{}", a1.id));
    let zh = n[0].text.render(Lang::Zh);
    let due_words = due.replacen('T', " ", 1)[..16].to_string();
    for want in [
        "张三",
        "通知测试表",
        "2026-11",
        "总分 90",
        &due_words,
        "视为默认",
    ] {
        assert!(zh.contains(want), "{want}: {zh}");
    }
    assert!(n[0].text.title(Lang::Zh).contains("考核结果已发布"));
    let li = mine(&db, &w.li).await;
    assert!(
        li[0]
            .text
            .render(Lang::En)
            .contains("Notice test form result for 2026-11")
    );

    // 张三 appeals: HR hears of it; HR upholds: 张三 hears the decision.
    let a1 = db
        .act(
            &w.zhang,
            a1.id,
            a1.version,
            &Step::Do(Action::Appeal {
                reason: "客户投诉已撤销".into(),
                items: vec!["attitude".into()],
            }),
        )
        .await
        .unwrap();
    let h = mine(&db, &w.hr).await;
    assert_eq!(h[0].kind, EventKind::AppealFiled);
    assert_eq!(h[0].link, "/hr/appeals");
    assert!(h[0].text.render(Lang::Zh).contains("客户投诉已撤销"));
    db.act(
        &w.hr,
        a1.id,
        a1.version,
        &Step::Do(Action::Uphold {
            reason: "核实无误".into(),
        }),
    )
    .await
    .unwrap();
    let n = mine(&db, &w.zhang).await;
    assert_eq!(n[0].kind, EventKind::AppealDecided);
    assert!(n[0].text.render(Lang::Zh).contains("维持原结果"));
    assert!(n[0].text.render(Lang::En).contains("the result stands"));

    // 李四 lets the window pass: deemed accepted, told so; the cycle closes and HR hears
    // the payroll is ready.
    let later = stamp(time::OffsetDateTime::now_utc() + time::Duration::days(4));
    assert_eq!(db.auto_confirm(&later).await.unwrap(), vec![a2.id]);
    let li = mine(&db, &w.li).await;
    assert_eq!(li[0].kind, EventKind::AutoConfirmed);
    assert!(li[0].text.render(Lang::En).contains("deemed accepted"));
    let h = mine(&db, &w.hr).await;
    assert_eq!(h[0].kind, EventKind::CycleClosed);
    assert_eq!(h[0].link, format!("/hr/cycles/{}/results", w.cycle));
    assert!(h[0].text.render(Lang::Zh).contains("工资表"));

    // Marking read.
    assert_eq!(db.unread_count(w.zhang.id).await.unwrap(), 2);
    assert_eq!(db.mark_read(w.zhang.id, Some(&[n[0].id])).await.unwrap(), 1);
    assert_eq!(db.unread_count(w.zhang.id).await.unwrap(), 1);
    // Somebody else's notification is not theirs to mark.
    assert_eq!(db.mark_read(w.li.id, Some(&[n[1].id])).await.unwrap(), 0);
    assert_eq!(db.mark_read(w.zhang.id, None).await.unwrap(), 1);
    assert_eq!(db.unread_count(w.zhang.id).await.unwrap(), 0);
    // Every event went to the outbox too, one row per person and channel.
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM outbox").await,
        count(&db, "SELECT COUNT(*) FROM notifications").await
    );
}

async fn the_outbox_is_claimed_once_retried_and_dead_lettered(db: Db) {
    let w = world(&db).await;
    let ch = webhook(&db, "http://127.0.0.1:9/hook").await;
    // The secret is never shown back whole.
    assert_eq!(mask(ch.secret.as_deref().unwrap()), "whs…LaSw");
    db.test_channel("hr", ch.id, w.hr.id).await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    let lease = time::Duration::seconds(60);
    let got = db.claim_outbox(now, lease, 10).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].attempts, 1);
    assert_eq!(
        got[0].text.render(Lang::Zh),
        "这是来自 kaohe 的测试消息，渠道「payroll」配置正确。"
    );
    // Claimed: nobody else gets it while the lease runs…
    assert!(db.claim_outbox(now, lease, 10).await.unwrap().is_empty());
    // …and a server killed mid-delivery loses only its lease.
    let after = now + lease + time::Duration::seconds(1);
    let again = db.claim_outbox(after, lease, 10).await.unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 2));
    // A failure waits for its retry time, then dies.
    db.outbox_failed(
        again[0].id,
        "HTTP 500",
        Some(after + time::Duration::seconds(30)),
    )
    .await
    .unwrap();
    let soon = after + time::Duration::seconds(10);
    assert!(db.claim_outbox(soon, lease, 10).await.unwrap().is_empty());
    let third = db.claim_outbox(after + lease * 2, lease, 10).await.unwrap();
    assert_eq!(third[0].attempts, 3);
    db.outbox_failed(again[0].id, "HTTP 500 again", None)
        .await
        .unwrap();
    let dead = db.outbox(Some(OutboxStatus::Dead), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 500 again"));
    assert!(
        db.claim_outbox(after + lease * 10, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // HR retries it: pending again from zero attempts, audited.
    db.retry_outbox("hr", dead[0].id).await.unwrap();
    assert!(matches!(
        db.retry_outbox("hr", dead[0].id).await,
        Err(StoreError::NotFound { .. })
    ));
    let back = db
        .claim_outbox(time::OffsetDateTime::now_utc(), lease, 10)
        .await
        .unwrap();
    assert_eq!((back.len(), back[0].attempts), (1, 1));
    db.outbox_delivered(back[0].id).await.unwrap();
    let done = db.outbox(Some(OutboxStatus::Delivered), 10).await.unwrap();
    assert_eq!(done.len(), 1);
    assert!(done[0].delivered_at.is_some());
    let log = db.audit_log(0, 10_000).await.unwrap();
    assert!(log.iter().any(|e| e.action == "outbox.retry"));
    // The channel's audit entry names it but not its secret.
    let saved = log.iter().find(|e| e.action == "channel.save").unwrap();
    assert!(!format!("{saved:?}").contains("MfKQ9r8"), "{saved:?}");
    // A disabled channel gets nothing new; a bad URL or secret is refused by field.
    let refused = db
        .save_channel(
            "hr",
            None,
            &NewChannel {
                kind: "webhook".into(),
                name: "x".into(),
                url: "ftp://x".into(),
                secret: Some("plain".into()),
                enabled: true,
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(refused, Err(StoreError::Fields(f)) if f[0].0 == "url"));
    // Saving without a secret keeps the stored one.
    let kept = db
        .save_channel(
            "hr",
            Some(ch.id),
            &NewChannel {
                kind: "webhook".into(),
                name: "payroll".into(),
                url: ch.url.clone(),
                secret: None,
                enabled: false,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(kept.secret, ch.secret);
    assert!(!kept.enabled);
    db.launch_cycle("hr", w.cycle).await.unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'task-assigned'"
        )
        .await,
        0
    );
    assert_eq!(mine(&db, &w.boss).await.len(), 1);
}

async fn a_notification_that_cannot_be_read_is_corrupt(db: Db) {
    let w = world(&db).await;
    db.launch_cycle("hr", w.cycle).await.unwrap();
    exec(&db, "UPDATE notifications SET args = 'not json'").await;
    assert!(matches!(
        db.notifications(w.boss.id, 10).await,
        Err(StoreError::Corrupt {
            table: "notifications",
            column: "args",
            ..
        })
    ));
    exec(
        &db,
        "UPDATE notifications SET args = '{\"args\":{}}', kind = 'gossip'",
    )
    .await;
    assert!(matches!(
        db.notifications(w.boss.id, 10).await,
        Err(StoreError::Corrupt { column: "kind", .. })
    ));
}

/// Four workers claiming at once (on PostgreSQL, four connections and `SKIP LOCKED`) each
/// get different messages, and together all of them.
async fn concurrent_claims_never_share_a_message(db: Db) {
    let w = world(&db).await;
    let ch = webhook(&db, "http://127.0.0.1:9/hook").await;
    for _ in 0..120 {
        db.test_channel("hr", ch.id, w.hr.id).await.unwrap();
    }
    let now = time::OffsetDateTime::now_utc();
    let mut workers = Vec::new();
    for _ in 0..4 {
        let db = db.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = db
                    .claim_outbox(now, time::Duration::minutes(5), 7)
                    .await
                    .unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|m| m.id));
            }
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!((n, all.len()), (120, 120), "a message claimed twice");
}

/// A robot for one part of the organisation (a 支行's group): it carries the messages of the
/// people of that department and the units below it, nobody else's; an unknown code is
/// refused naming the field.
async fn a_channel_for_one_department_carries_its_subtree_only(db: Db) {
    let w = world(&db).await;
    // 客服部 (KF, where 王经理 works) under 北京分行; 行政部 elsewhere.
    let unit = |line, code: &str, name: &str, unit: &str, parent: &str| OrgRow {
        line,
        dept_code: code.into(),
        dept_name: name.into(),
        dept_kind: "业务".into(),
        unit: unit.into(),
        parent: parent.into(),
        ..Default::default()
    };
    db.import_org(
        "test",
        &[
            unit(2, "BJ", "北京分行", "分行", ""),
            unit(3, "KF", "客服部", "支行", "BJ"),
            unit(4, "XZ", "行政部", "部门", ""),
        ],
    )
    .await
    .unwrap();
    let robot = |name: &str, dept: &str| NewChannel {
        kind: "wecom".into(),
        name: name.into(),
        url: "http://127.0.0.1:9/robot".into(),
        enabled: true,
        settings: [("department".to_string(), dept.to_string())].into(),
        ..Default::default()
    };
    let e = db
        .save_channel("hr", None, &robot("nobody", "NOPE"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Fields(f) if f[0].0 == "department"),
        "{e:?}"
    );
    let bj = db
        .save_channel("hr", None, &robot("北京分行群", "BJ"))
        .await
        .unwrap();
    let kf = db
        .save_channel("hr", None, &robot("客服部群", "KF"))
        .await
        .unwrap();
    let xz = db
        .save_channel("hr", None, &robot("行政部群", "XZ"))
        .await
        .unwrap();
    let all = db
        .save_channel("hr", None, &robot("全员群", ""))
        .await
        .unwrap();
    // The launch tells 王经理 (客服部) of his tasks.
    db.launch_cycle("hr", w.cycle).await.unwrap();
    let on = |ch: i64| {
        format!(
            "SELECT COUNT(*) FROM outbox WHERE channel_id = {ch} AND user_id = {}",
            w.boss.id
        )
    };
    assert_eq!(count(&db, &on(kf.id)).await, 1, "his 支行's robot");
    assert_eq!(
        count(&db, &on(bj.id)).await,
        1,
        "the 分行's robot: its subtree"
    );
    assert_eq!(count(&db, &on(all.id)).await, 1, "a robot for everyone");
    assert_eq!(
        count(&db, &on(xz.id)).await,
        0,
        "another department's robot"
    );
    assert_eq!(
        count(
            &db,
            &format!("SELECT COUNT(*) FROM outbox WHERE channel_id = {}", xz.id)
        )
        .await,
        0
    );
}
