//! Scheduled reminders (issue 17): due in N days, overdue daily, escalated to the manager,
//! 24 hours before 视为默认, and HR told of a department's hand-in — each in the person's
//! words, each sent once per task (or appraisal) and day however often and however many
//! servers run the job. On SQLite and PostgreSQL.

use crate::common;
use crate::notify::{webhook, world};

use common::*;
use kaohe_core::workflow::Action;
use kaohe_store::*;

use common::both;

both!(
    reminder_settings_are_checked_per_field_and_audited,
    due_soon_overdue_and_escalated_reminders_go_once_a_day,
    servers_running_the_job_at_once_send_each_reminder_once,
    the_employee_is_told_a_day_before_the_result_is_deemed_accepted,
    hr_hears_when_a_department_hands_in_its_data,
);

async fn count(db: &Db, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn user(db: &Db, name: &str, emp: &str, role: Role) -> User {
    db.create_user(
        "test",
        &NewUser {
            username: name.into(),
            password: "a long password".into(),
            emp_no: Some(emp.into()),
            grants: vec![Grant {
                role,
                department_id: None,
            }],
            lang: "zh-CN".into(),
        },
    )
    .await
    .unwrap()
}

fn field(e: &StoreError) -> Vec<(String, String)> {
    match e {
        StoreError::Fields(f) => f
            .iter()
            .map(|(k, m)| (k.clone(), m.render(Lang::Zh)))
            .collect(),
        other => panic!("not a field error: {other:?}"),
    }
}

async fn reminder_settings_are_checked_per_field_and_audited(db: Db) {
    let w = world(&db).await;
    let cy = db.cycle(w.cycle).await.unwrap();
    assert_eq!(cy.reminders, Reminders::default());
    assert_eq!(cy.reminders.days_before, vec![3, 1]);
    assert_eq!(cy.reminders.escalate_after, 2);

    let e = db
        .set_cycle_reminders("hr", w.cycle, &[3, 61], 2)
        .await
        .unwrap_err();
    let f = field(&e);
    assert_eq!(f[0].0, "remind_days");
    assert!(f[0].1.contains("61") && f[0].1.contains("0 到 60"), "{f:?}");
    let e = db
        .set_cycle_reminders("hr", w.cycle, &[2, 2], 0)
        .await
        .unwrap_err();
    let f = field(&e);
    assert_eq!(
        f.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        ["remind_days", "escalate_days"]
    );
    assert!(
        f[0].1.contains("重复") && f[1].1.contains("1 到 60"),
        "{f:?}"
    );
    let m = Reminders::parse_days("3,x").unwrap_err().render(Lang::En);
    assert!(m.contains("`x`") && m.contains("3,1"), "{m}");
    assert_eq!(Reminders::parse_days("7，3、0").unwrap(), vec![7, 3, 0]);

    let cy = db
        .set_cycle_reminders("hr", w.cycle, &[1, 7, 0], 5)
        .await
        .unwrap();
    assert_eq!(cy.reminders.days_before, vec![7, 1, 0]);
    let stored = db.cycle(w.cycle).await.unwrap().reminders;
    assert_eq!(
        (stored.days_before, stored.escalate_after),
        (vec![7, 1, 0], 5)
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'cycle.reminders' \
             AND old_value = 'remind_days=3,1 escalate_days=2' AND new_value = 'remind_days=7,1,0 escalate_days=5'"
        )
        .await,
        1
    );
    // A copy for the next period keeps them.
    let copy = db.copy_cycle("hr", w.cycle).await.unwrap();
    assert_eq!(
        db.cycle(copy.id).await.unwrap().reminders,
        stored_again(&db, w.cycle).await
    );
}

async fn stored_again(db: &Db, id: i64) -> Reminders {
    db.cycle(id).await.unwrap().reminders
}

/// 王经理 holds two rating tasks due 2026-11-30; 陈总监 is his supervisor.
async fn due_soon_overdue_and_escalated_reminders_go_once_a_day(db: Db) {
    let w = world(&db).await;
    let ch = webhook(&db, "http://127.0.0.1:9/hook").await;
    // 王经理 gets a supervisor of his own, who has an account.
    db.import_org(
        "test",
        &[
            OrgRow {
                line: 2,
                emp_no: "C001".into(),
                name: "陈总监".into(),
                dept_code: "KF".into(),
                dept_name: "客服部".into(),
                dept_kind: "业务".into(),
                position: "总监".into(),
                ..Default::default()
            },
            OrgRow {
                line: 3,
                emp_no: "B001".into(),
                name: "王经理".into(),
                dept_code: "KF".into(),
                dept_name: "客服部".into(),
                dept_kind: "业务".into(),
                position: "客户经理".into(),
                supervisor_emp_no: "C001".into(),
                ..Default::default()
            },
        ],
    )
    .await
    .unwrap();
    let chen = user(&db, "chen", "C001", Role::Rater).await;
    db.launch_cycle("hr", w.cycle).await.unwrap();
    let before = count(&db, "SELECT COUNT(*) FROM notifications").await;

    // Four days before: nothing (the days are 3 and 1).
    let r = db.send_reminders("2026-11-26T02:00:00Z").await.unwrap();
    assert_eq!(r, ReminderRun::default());

    // Three days before: one message to 王经理 about both appraisees, and one outbox row.
    let r = db.send_reminders("2026-11-27T02:00:00Z").await.unwrap();
    assert_eq!((r.due_soon, r.total()), (1, 1));
    let n = db.notifications(w.boss.id, 10).await.unwrap();
    assert_eq!(n[0].kind, EventKind::DueSoon);
    assert_eq!(n[0].link, "/tasks");
    let zh = n[0].text.render(Lang::Zh);
    for want in [
        "王经理",
        "2 项",
        "2026-11",
        "通知测试表",
        "2026-11-30",
        "还有 3 天",
        "张三",
        "李四",
    ] {
        assert!(zh.contains(want), "{want}: {zh}");
    }
    assert!(n[0].text.title(Lang::Zh).contains("即将截止"));
    let en = n[0].text.render(Lang::En);
    assert!(
        en.contains("Notice test form")
            && en.contains("in 3 day(s)")
            && en.contains("due 2026-11-30"),
        "{en}"
    );
    let out = db.outbox(None, 100).await.unwrap();
    let due: Vec<_> = out
        .iter()
        .filter(|m| m.kind == EventKind::DueSoon)
        .collect();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].recipient.as_str(), due[0].channel.id),
        ("wang", ch.id)
    );

    // The job runs again the same day (later, or on a restarted server): nothing more.
    for at in ["2026-11-27T02:00:00Z", "2026-11-27T23:59:00Z"] {
        assert_eq!(db.send_reminders(at).await.unwrap().total(), 0);
    }
    // Two days before: not a reminder day. One day before: again.
    assert_eq!(
        db.send_reminders("2026-11-28T09:00:00Z")
            .await
            .unwrap()
            .total(),
        0
    );
    let r = db.send_reminders("2026-11-29T09:00:00Z").await.unwrap();
    assert_eq!(r.due_soon, 1);
    let zh = db.notifications(w.boss.id, 1).await.unwrap()[0]
        .text
        .render(Lang::Zh);
    assert!(zh.contains("还有 1 天"), "{zh}");
    // The deadline's day is no reminder day here: nothing.
    assert_eq!(
        db.send_reminders("2026-11-30T09:00:00Z")
            .await
            .unwrap()
            .total(),
        0
    );

    // A day late: 王经理 hears daily; his supervisor not yet (after 2 days).
    let r = db.send_reminders("2026-12-01T09:00:00Z").await.unwrap();
    assert_eq!((r.overdue, r.escalated), (1, 0));
    let n = db.notifications(w.boss.id, 1).await.unwrap();
    assert_eq!(n[0].kind, EventKind::Overdue);
    let zh = n[0].text.render(Lang::Zh);
    assert!(
        zh.contains("已逾期 1 天") && zh.contains("截止 2026-11-30"),
        "{zh}"
    );
    assert!(db.notifications(chen.id, 10).await.unwrap().is_empty());
    assert_eq!(
        db.send_reminders("2026-12-01T18:00:00Z")
            .await
            .unwrap()
            .total(),
        0
    );

    // Two days late: overdue again, and escalated to 陈总监 naming 王经理 and the appraisees.
    let r = db.send_reminders("2026-12-02T09:00:00Z").await.unwrap();
    assert_eq!((r.overdue, r.escalated), (1, 1));
    let n = db.notifications(chen.id, 10).await.unwrap();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, EventKind::Escalated);
    let zh = n[0].text.render(Lang::Zh);
    for want in [
        "陈总监",
        "王经理",
        "2 项",
        "已逾期 2 天",
        "张三",
        "2026-11-30",
    ] {
        assert!(zh.contains(want), "{want}: {zh}");
    }
    assert!(n[0].text.title(Lang::Zh).contains("王经理"));
    assert!(
        n[0].text
            .render(Lang::En)
            .contains("held by 王经理 are 2 day(s) overdue"),
        "{}",
        n[0].text.render(Lang::En)
    );
    assert_eq!(
        db.send_reminders("2026-12-02T10:00:00Z")
            .await
            .unwrap()
            .total(),
        0
    );

    // Once rated, the tasks are done: no more reminders.
    for a in db
        .appraisals(&w.hr, Some(w.cycle), None, Page::default())
        .await
        .unwrap()
    {
        let v = Values::from([("attitude".to_string(), "80".to_string())]);
        let a = db.enter(&w.boss, a.id, a.version, &v).await.unwrap();
        db.act(&w.boss, a.id, a.version, &Step::Submit)
            .await
            .unwrap();
    }
    assert_eq!(
        db.send_reminders("2026-12-03T09:00:00Z")
            .await
            .unwrap()
            .total(),
        0
    );
    let sent = count(&db, "SELECT COUNT(*) FROM notifications").await - before;
    assert_eq!(sent, 5, "2 due soon, 2 overdue, 1 escalation");
}

/// Four jobs at once (on PostgreSQL four connections): each reminder queued once.
async fn servers_running_the_job_at_once_send_each_reminder_once(db: Db) {
    let w = world(&db).await;
    webhook(&db, "http://127.0.0.1:9/hook").await;
    db.launch_cycle("hr", w.cycle).await.unwrap();
    let mut jobs = Vec::new();
    for _ in 0..4 {
        let db = db.clone();
        jobs.push(tokio::spawn(async move {
            db.send_reminders("2026-11-27T02:00:00Z").await.unwrap()
        }));
    }
    let mut total = 0;
    for j in jobs {
        total += j.await.unwrap().total();
    }
    assert_eq!(total, 1);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM outbox WHERE kind = 'due-soon'").await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM notifications WHERE kind = 'due-soon'"
        )
        .await,
        1
    );
}

async fn the_employee_is_told_a_day_before_the_result_is_deemed_accepted(db: Db) {
    let w = world(&db).await;
    db.launch_cycle("hr", w.cycle).await.unwrap();
    let mut published = Vec::new();
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
        published.push(a);
    }
    let a1 = published.iter().find(|a| a.emp_no == "A001").unwrap();
    let due = a1.confirm_due.clone().unwrap();
    let due_t =
        time::OffsetDateTime::parse(&due, &time::format_description::well_known::Rfc3339).unwrap();
    // More than a day before: nothing.
    let at = stamp(due_t - time::Duration::hours(30));
    assert_eq!(db.send_reminders(&at).await.unwrap().total(), 0);
    // 23 hours before: 张三 and 李四 each hear of it, naming the deadline; once.
    let at = stamp(due_t - time::Duration::hours(23));
    let r = db.send_reminders(&at).await.unwrap();
    assert_eq!(r.confirm_due, 2);
    let n = db.notifications(w.zhang.id, 1).await.unwrap();
    assert_eq!(n[0].kind, EventKind::ConfirmDue);
    assert_eq!(n[0].link, format!("/appraisals/{}", a1.id));
    let zh = n[0].text.render(Lang::Zh);
    let words = due.replacen('T', " ", 1)[..16].to_string();
    for want in ["张三", "通知测试表", "2026-11", &words, "视为默认"] {
        assert!(zh.contains(want), "{want}: {zh}");
    }
    let li = db.notifications(w.li.id, 1).await.unwrap();
    assert!(
        li[0].text.render(Lang::En).contains("deemed accepted at"),
        "{}",
        li[0].text.render(Lang::En)
    );
    let at = stamp(due_t - time::Duration::hours(2));
    assert_eq!(db.send_reminders(&at).await.unwrap().total(), 0);
    // Signed: no reminder even were the job to look again.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM notifications WHERE kind = 'confirm-due'"
        )
        .await,
        2
    );
}

const DATA_FORM: &str = r#"
[form]
id = "N2"
title = "数据测试表"
title_en = "Data test form"
period = "monthly"
total_points = 100

[[item]]
id = "complaints"
name = "客户投诉"
name_en = "Complaints"
points = 100
rule = "score"
dept = "客服部"
"#;

async fn hr_hears_when_a_department_hands_in_its_data(db: Db) {
    let w = world(&db).await;
    db.publish_template("hr", DATA_FORM).await.unwrap();
    let cy = db
        .create_cycle(
            "hr",
            &NewCycle {
                name: "2026年11月 数据测试".into(),
                form_id: "N2".into(),
                period: "2026-11".into(),
                members: Members {
                    employees: vec!["A001".into()],
                    ..Default::default()
                },
                data_due: Some("2026-12-05".into()),
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    db.launch_cycle("hr", cy.id).await.unwrap();
    let kf = db
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "客服部")
        .unwrap();
    db.complete_data(&w.hr, cy.id, kf.id).await.unwrap();
    let n = db.notifications(w.hr.id, 10).await.unwrap();
    let n: Vec<_> = n
        .iter()
        .filter(|n| n.kind == EventKind::DataSubmitted)
        .collect();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].link, format!("/hr/cycles/{}", cy.id));
    let zh = n[0].text.render(Lang::Zh);
    for want in [
        "客服部",
        "数据测试表",
        "2026-11",
        "2026-12-05",
        "还有 0 个部门",
    ] {
        assert!(zh.contains(want), "{want}: {zh}");
    }
    assert!(n[0].text.render(Lang::En).contains("Data test form"));
}
