//! Notifications in the browser (issue 17): an employee (主管 of the demo) opens the 通知
//! list, sees the unread count in the header, marks the message read and sees it drop; chooses their
//! channels and quiet hours on the settings page, and they stick after a reload; HR
//! configures a 钉钉 robot on `/hr/notify` and sends a test message, which a local receiver
//! started here gets with a valid 钉钉 signature (checked here independently of kaohe).

use super::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use std::sync::{Arc, Mutex};

const DING_SECRET: &str = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";

/// What the robot receiver got: the query string and the body, and whether the signature
/// held.
#[derive(Clone, Debug)]
struct Got {
    verified: bool,
    body: Value,
}

/// 钉钉: `sign` = urlencode(base64(HMAC-SHA256(secret, "{timestamp}\n{secret}"))), the
/// timestamp in milliseconds, within an hour.
fn dingtalk_ok(query: &str) -> bool {
    let get = |k: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|p| p.0 == k)
            .map(|p| p.1.to_string())
    };
    let (Some(ts), Some(sign)) = (get("timestamp"), get("sign")) else {
        return false;
    };
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(DING_SECRET.as_bytes()).unwrap();
    m.update(format!("{ts}\n{DING_SECRET}").as_bytes());
    let want = B64.encode(m.finalize().into_bytes());
    let encoded: String = form_urlencoded::byte_serialize(want.as_bytes()).collect();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    sign == encoded
        && ts
            .parse::<i64>()
            .is_ok_and(|t| (now_ms - t).abs() < 3_600_000)
}

/// A 钉钉-like robot on a free loopback port: its address and what it got.
async fn robot() -> (String, Arc<Mutex<Vec<Got>>>) {
    let got: Arc<Mutex<Vec<Got>>> = Default::default();
    let g = got.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri, body: axum::body::Bytes| {
        let g = g.clone();
        async move {
            g.lock().unwrap().push(Got {
                verified: dingtalk_ok(uri.query().unwrap_or("")),
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            });
            axum::Json(json!({"errcode": 0, "errmsg": "ok"}))
        }
    });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await });
    (format!("http://{addr}"), got)
}

/// The header's unread count (0 when it shows none).
async fn unread(p: &Person<'_>) -> u32 {
    match p.c.find(Locator::Css("a.notes-link .badge")).await {
        Ok(e) => e.text().await.unwrap().trim().parse().unwrap(),
        Err(_) => 0,
    }
}

async fn ticked(p: &Person<'_>, id: &str) -> bool {
    p.c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
        .is_selected()
        .await
        .unwrap()
}

async fn value(p: &Person<'_>, css: &str) -> String {
    p.c.find(Locator::Css(css))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test]
async fn notifications_in_the_browser() {
    let demo = demo_server().await;
    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    // HR launches a month for 张伟 (E001): his supervisor 主管 gets a task message.
    hr_creates_and_launches_cycle(&p, &["E001"]).await;

    // 主管 sees the unread count in the header (the demo's history and the launch), opens
    // the list, marks one read: the count drops by one, the message stays listed as read.
    p.sign_in("zhuguan").await;
    let before = unread(&p).await;
    assert!(before >= 1, "{}", p.text().await);
    p.click(Locator::Css("a.notes-link")).await;
    assert_eq!(p.path().await, "/notifications");
    let list = p.text().await;
    assert!(
        list.contains("新的考核任务") && list.contains("未读"),
        "{list}"
    );
    let count = |css: &'static str| async move {
        p.c.find_all(Locator::Css(css)).await.unwrap().len() as u32
    };
    assert_eq!(count("ul.notes li.unread").await, before);
    let read_before = count("ul.notes li.read").await;
    p.click(Locator::Css("ul.notes li.unread form button"))
        .await;
    assert_eq!(p.path().await, "/notifications");
    assert_eq!(unread(&p).await, before - 1);
    assert_eq!(count("ul.notes li.unread").await, before - 1);
    assert_eq!(count("ul.notes li.read").await, read_before + 1);

    // The settings page, from the list: no e-mail and no 钉钉 @ for 催办, quiet 22:00–08:00.
    p.click(Locator::Id("notify-settings-link")).await;
    assert_eq!(p.path().await, "/notifications/settings");
    assert!(ticked(&p, "on-reminder-email").await, "on until chosen off");
    p.tick(Locator::Id("on-reminder-email")).await;
    p.tick(Locator::Id("on-reminder-dingtalk")).await;
    p.type_into(Locator::Id("quiet-start"), "22:00").await;
    p.type_into(Locator::Id("quiet-end"), "08:00").await;
    p.click(Locator::Id("save-prefs")).await;
    assert!(p.text().await.contains("已保存"), "{}", p.text().await);
    // They stick after a reload.
    p.open("/notifications/settings").await;
    assert!(!ticked(&p, "on-reminder-email").await);
    assert!(!ticked(&p, "on-reminder-dingtalk").await);
    assert!(ticked(&p, "on-reminder-wecom").await);
    assert!(ticked(&p, "on-task-assigned-email").await);
    assert_eq!(value(&p, "#quiet-start").await, "22:00");
    assert_eq!(value(&p, "#quiet-end").await, "08:00");
    // A wrong mobile number is refused, naming the field.
    p.type_into(Locator::Id("c-mobile"), "12345").await;
    p.click(Locator::Id("save-contact")).await;
    let err = p.text_of("#err-mobile").await;
    assert!(err.contains("手机号") && err.contains("12345"), "{err}");

    // HR: a 钉钉 robot on /hr/notify, then a test message, signed, at the robot.
    let (robot_base, got) = robot().await;
    p.sign_in("hr").await;
    p.open("/hr/notify").await;
    p.c.find(Locator::Css("select[name=kind] option[value=dingtalk]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let form = "form[action='/hr/notify/channels']";
    p.type_into(Locator::Css(&format!("{form} input[name=name]")), "绩效群")
        .await;
    p.type_into(
        Locator::Css(&format!("{form} input[name=url]")),
        &format!("{robot_base}/robot/send?access_token=abc"),
    )
    .await;
    p.type_into(
        Locator::Css(&format!("{form} input[name=secret]")),
        DING_SECRET,
    )
    .await;
    p.click(Locator::Css(&format!("{form} button[type=submit]")))
        .await;
    assert_eq!(p.path().await, "/hr/notify");
    let page = p.text().await;
    assert!(
        page.contains("绩效群") && !page.contains(DING_SECRET),
        "{page}"
    );
    p.click(Locator::Css("form[action$='/test'] button")).await;
    assert!(p.text().await.contains("测试消息已排队"));
    let start = Instant::now();
    let first = loop {
        if let Some(g) = got.lock().unwrap().first().cloned() {
            break g;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the robot got nothing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(first.verified, "the 钉钉 signature holds: {first:?}");
    let text = first.body["markdown"]["text"].as_str().unwrap_or_default();
    assert!(text.contains("渠道「绩效群」配置正确"), "{text}");
}
