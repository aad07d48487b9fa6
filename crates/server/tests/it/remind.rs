//! Scheduled reminders through the server (issue 17): the job of a running server queues a
//! due-soon reminder that reaches a signed webhook, once; HR sets a cycle's reminder days on
//! its page and over the API, each bad value refused at its field. On SQLite and PostgreSQL.

use crate::common::*;
use crate::notify::{PUBLIC, WHSEC, channel, fast, receiver, world};
use kaohe_server::AppState;
use kaohe_store::*;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// The notification worker fast, and the reminder job every 200 ms.
fn fast_remind(st: &mut AppState<Db>) {
    fast(st);
    st.remind_every = Duration::from_millis(200);
}

macro_rules! both_remind {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::spawn_app_configured(false, super::fast_remind).await).await })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::spawn_app_configured(true, super::fast_remind).await).await })* }
    };
}

both_remind!(
    the_running_server_sends_a_due_soon_reminder_to_the_webhook_once,
    hr_sets_the_reminder_days_on_the_cycle_page_and_over_the_api,
);

fn day_after(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

async fn the_running_server_sends_a_due_soon_reminder_to_the_webhook_once(app: App) {
    let db = &app.store;
    let (_hr, wang, _li, cycle) = world(db).await;
    let (base, rx) = receiver().await;
    channel(db, "webhook", "hook", &format!("{base}/hook"), Some(WHSEC)).await;
    // 王经理's two ratings are due tomorrow (a reminder day by default).
    let tomorrow = day_after(1);
    sqlx::query("UPDATE cycles SET rating_due = $1")
        .bind(&tomorrow)
        .execute(db.pool())
        .await
        .unwrap();
    // The launch's message, then the server's job queues one reminder for both ratings,
    // and the worker delivers it.
    db.launch_cycle("hr", cycle).await.unwrap();
    let got = rx.wait(2).await;
    assert_eq!(got.len(), 2, "{got:#?}");
    let hook = got
        .iter()
        .find(|g| g.body["type"] != "kaohe.task-assigned")
        .unwrap();
    assert!(hook.verified, "{hook:#?}");
    assert_eq!(hook.body["type"], "kaohe.due-soon");
    assert_eq!(hook.body["data"]["recipient"], "wang");
    assert_eq!(hook.body["data"]["link"], format!("{PUBLIC}/tasks"));
    let text = hook.body["data"]["text"].as_str().unwrap();
    for want in [
        "王经理",
        "2 项",
        "通知测试表",
        "2026-11",
        &tomorrow,
        "还有 1 天",
        "张三",
        "李四",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let n = db.notifications(wang.id, 10).await.unwrap();
    assert_eq!(n[0].kind, EventKind::DueSoon);
    // The job goes on running, and HR runs it by hand: nothing is sent twice.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let hr = login(&app, "hr").await;
    let (s, v) = send(hr.post(format!("{}/api/jobs/reminders", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({"due_soon": 0, "overdue": 0, "escalated": 0, "confirm_due": 0})
    );
    assert_eq!(rx.all().len(), 2);
    assert_eq!(db.notifications(wang.id, 10).await.unwrap().len(), 2);
    // Not for anyone but HR.
    let w = login(&app, "wang").await;
    let (s, _) = send(w.post(format!("{}/api/jobs/reminders", app.base))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn hr_sets_the_reminder_days_on_the_cycle_page_and_over_the_api(app: App) {
    let db = &app.store;
    let (_, _, _, cycle) = world(db).await;
    let c = web_login(&app, "hr").await;
    let url = format!("{}/hr/cycles/{cycle}", app.base);
    let (s, html) = page(&c, &url).await;
    assert_eq!(s, StatusCode::OK);
    assert_complete(&url, &html);
    assert!(html.contains("自动提醒"), "{html}");
    assert!(
        html.contains("name=\"remind_days\" value=\"3,1\""),
        "{html}"
    );
    assert!(
        html.contains("name=\"escalate_days\" value=\"2\""),
        "{html}"
    );
    let csrf = csrf_of(&html);
    let save = format!("{}/hr/cycles/{cycle}/reminders", app.base);
    // Without the CSRF token nothing changes.
    let (s, _, _) = post_form(&c, &save, &[("csrf", "forged"), ("remind_days", "5")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Bad values: refused at their fields, what was typed kept.
    let (s, _, html) = post_form(
        &c,
        &save,
        &[
            ("csrf", &csrf),
            ("remind_days", "3,x"),
            ("escalate_days", "two"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("提醒设置未保存"), "{html}");
    assert!(html.contains("id=\"remind_days-error\""), "{html}");
    assert!(html.contains("`x`"), "{html}");
    assert!(html.contains("id=\"escalate_days-error\""), "{html}");
    assert!(
        html.contains("name=\"remind_days\" value=\"3,x\""),
        "{html}"
    );
    let (s, _, html) = post_form(
        &c,
        &save,
        &[
            ("csrf", &csrf),
            ("remind_days", "90"),
            ("escalate_days", "0"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("0 到 60"), "{html}");
    assert!(html.contains("1 到 60"), "{html}");
    assert_eq!(
        db.cycle(cycle).await.unwrap().reminders,
        Reminders::default()
    );
    // Good values: saved, shown back.
    let (s, path, html) = post_form(
        &c,
        &save,
        &[
            ("csrf", &csrf),
            ("remind_days", "1，5"),
            ("escalate_days", "4"),
        ],
    )
    .await;
    assert_eq!(
        (s, path.as_str()),
        (StatusCode::OK, url.trim_start_matches(&app.base))
    );
    assert!(
        html.contains("name=\"remind_days\" value=\"5,1\""),
        "{html}"
    );
    let r = db.cycle(cycle).await.unwrap().reminders;
    assert_eq!((r.days_before, r.escalate_after), (vec![5, 1], 4));

    // The API: the cycle shows them; a bad value names its field; only HR may set them.
    let api = login(&app, "hr").await;
    let (_, v) = send(api.get(format!("{}/api/cycles/{cycle}", app.base))).await;
    assert_eq!(
        (v["remind_days"].clone(), v["escalate_days"].clone()),
        (json!([5, 1]), json!(4))
    );
    let put = format!("{}/api/cycles/{cycle}/reminders", app.base);
    let (s, v) = send(
        api.put(&put)
            .json(&json!({"remind_days": [3, 61], "escalate_days": 2})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "remind_days", "{v}");
    let (s, v) = send(api.put(&put).json(&json!({"remind_days": [2]}))).await;
    assert!(s.is_client_error(), "{v}");
    assert!(v.to_string().contains("escalate_days"), "{v}");
    let (s, v) = send(
        api.put(&put)
            .json(&json!({"remind_days": [7, 0], "escalate_days": 3})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["remind_days"].clone(), v["escalate_days"].clone()),
        (json!([7, 0]), json!(3))
    );
    let wang = login(&app, "wang").await;
    let (s, _) = send(
        wang.put(&put)
            .json(&json!({"remind_days": [1], "escalate_days": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
