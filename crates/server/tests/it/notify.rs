//! Notifications through the running server (issue 17): the delivery worker of `kaohe serve`
//! sends each message to a local HTTP receiver started here, which checks every signature
//! exactly as the Standard Webhooks specification, 钉钉 and 飞书 define it (computed here
//! independently of kaohe's code); a receiver answering 500 or not answering in time is
//! retried with backoff and ends among the dead letters, which HR retries on the page;
//! e-mail goes to a real SMTP server (aiosmtpd) started here; the 通知 list and its unread
//! count, the channel page's masked secrets and CSRF. On SQLite and PostgreSQL.

use crate::common::*;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxStatus, Uri};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use kaohe_server::AppState;
use kaohe_server::notify::DeliveryConfig;
use kaohe_store::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const DING_SECRET: &str = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";
const FEISHU_SECRET: &str = "feishu-secret-0123456789";
pub(crate) const PUBLIC: &str = "https://kaohe.example.com";

pub(crate) fn fast(st: &mut AppState<Db>) {
    st.delivery = Arc::new(DeliveryConfig {
        every: Duration::from_millis(100),
        backoff: Duration::from_millis(200),
        max_backoff: Duration::from_secs(2),
        max_attempts: 3,
        timeout: Duration::from_millis(700),
        public_url: PUBLIC.into(),
        ..Default::default()
    });
}

macro_rules! both_fast {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::spawn_app_configured(false, super::fast).await).await })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::spawn_app_configured(true, super::fast).await).await })* }
    };
}

both_fast!(
    the_worker_delivers_signed_messages_to_every_channel,
    failures_are_retried_with_backoff_and_end_as_dead_letters,
    email_reaches_a_real_smtp_server_in_each_language,
    the_notification_list_and_its_unread_count,
    hr_configures_a_robot_on_the_page_and_sends_a_test_message,
);

// ---- A receiver that checks signatures as their publishers define them ----

#[derive(Debug, Clone)]
pub(crate) struct Got {
    pub path: String,
    /// The signature checked out (or the channel has none).
    pub verified: bool,
    pub body: Value,
    pub webhook_id: Option<String>,
    pub at: Instant,
}

#[derive(Clone, Default)]
pub(crate) struct Rx(Arc<Mutex<Vec<Got>>>);

fn hmac256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

/// Standard Webhooks: `v1,` + base64(HMAC-SHA256(base64-decoded secret, "id.timestamp.body")),
/// one of the space-separated signatures; the timestamp within five minutes.
fn standard_webhooks_ok(h: &HeaderMap, body: &[u8]) -> bool {
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (Some(id), Some(ts), Some(sigs)) = (
        get("webhook-id"),
        get("webhook-timestamp"),
        get("webhook-signature"),
    ) else {
        return false;
    };
    let Ok(t) = ts.parse::<i64>() else {
        return false;
    };
    if (time::OffsetDateTime::now_utc().unix_timestamp() - t).abs() > 300 {
        return false;
    }
    let key = B64.decode(WHSEC.strip_prefix("whsec_").unwrap()).unwrap();
    let mut signed = format!("{id}.{ts}.").into_bytes();
    signed.extend_from_slice(body);
    let want = format!("v1,{}", B64.encode(hmac256(&key, &signed)));
    sigs.split(' ').any(|s| s == want)
}

async fn receive(
    State(rx): State<Rx>,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let path = uri.path().to_string();
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let verified = match path.as_str() {
        "/hook" | "/fail" | "/slow" => standard_webhooks_ok(&h, &body),
        "/ding" => {
            // 钉钉: sign = urlencode(base64(HMAC-SHA256(secret, timestamp + "\n" + secret))).
            let q = uri.query().unwrap_or("");
            let pairs: Vec<(String, String)> = q
                .split('&')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let get = |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1.clone());
            match (get("timestamp"), get("sign")) {
                (Some(ts), Some(sign)) => {
                    let want = B64.encode(hmac256(
                        DING_SECRET.as_bytes(),
                        format!("{ts}\n{DING_SECRET}").as_bytes(),
                    ));
                    let encoded: String =
                        form_urlencoded::byte_serialize(want.as_bytes()).collect();
                    let fresh = ts.parse::<i64>().is_ok_and(|t| {
                        (time::OffsetDateTime::now_utc().unix_timestamp() * 1000 - t).abs()
                            < 3_600_000
                    });
                    sign == encoded && fresh
                }
                _ => false,
            }
        }
        "/feishu" => {
            // 飞书: sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")).
            let ts = json["timestamp"].as_str().unwrap_or("");
            let want = B64.encode(hmac256(format!("{ts}\n{FEISHU_SECRET}").as_bytes(), b""));
            json["sign"].as_str() == Some(want.as_str())
        }
        _ => true,
    };
    rx.0.lock().unwrap().push(Got {
        path: path.clone(),
        verified,
        body: json,
        webhook_id: h
            .get("webhook-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        at: Instant::now(),
    });
    match path.as_str() {
        "/fail" => (AxStatus::INTERNAL_SERVER_ERROR, "down for maintenance").into_response(),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            (AxStatus::OK, "late").into_response()
        }
        "/ding" | "/wecom" => axum::Json(json!({"errcode": 0, "errmsg": "ok"})).into_response(),
        "/feishu" => axum::Json(json!({"code": 0, "msg": "success"})).into_response(),
        _ => (AxStatus::NO_CONTENT, "").into_response(),
    }
}

/// A receiver on a free loopback port: its base URL and what it got.
pub(crate) async fn receiver() -> (String, Rx) {
    let rx = Rx::default();
    let app = axum::Router::new().fallback(receive).with_state(rx.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await });
    (format!("http://{addr}"), rx)
}

impl Rx {
    pub(crate) fn all(&self) -> Vec<Got> {
        self.0.lock().unwrap().clone()
    }
    /// Wait until `n` requests have arrived (at most 15 s).
    pub(crate) async fn wait(&self, n: usize) -> Vec<Got> {
        let start = Instant::now();
        loop {
            let all = self.all();
            if all.len() >= n || start.elapsed() > Duration::from_secs(15) {
                return all;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

// ---- The organisation and a cycle ----

const FORM: &str = r#"
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

async fn new_user(db: &Db, name: &str, emp: Option<&str>, role: Role, lang: &str) -> User {
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

/// 王经理 (wang, B001, reads Chinese) supervises 张三 and 李四 (li, reads English); HR is
/// `hr`. A draft cycle of the one-item form, due 2026-11-30.
pub(crate) async fn world(db: &Db) -> (User, User, User, i64) {
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
    let hr = new_user(db, "hr", None, Role::HrAdmin, "zh-CN").await;
    let wang = new_user(db, "wang", Some("B001"), Role::Rater, "zh-CN").await;
    let li = new_user(db, "li", Some("A002"), Role::Employee, "en").await;
    db.set_contact(
        "test",
        "wang",
        &Contact {
            email: Some("wang@example.com".into()),
            mobile: Some("13800000001".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    db.set_contact(
        "test",
        "li",
        &Contact {
            email: Some("li@example.com".into()),
            mobile: None,
            ..Default::default()
        },
    )
    .await
    .unwrap();
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
    (hr, wang, li, cy.id)
}

pub(crate) async fn channel(
    db: &Db,
    kind: &str,
    name: &str,
    url: &str,
    secret: Option<&str>,
) -> Channel {
    db.save_channel(
        "hr",
        None,
        &NewChannel {
            kind: kind.into(),
            name: name.into(),
            url: url.into(),
            secret: secret.map(str::to_string),
            enabled: true,
            settings: [("from".to_string(), "kaohe <kaohe@example.com>".to_string())].into(),
        },
    )
    .await
    .unwrap()
}

async fn outbox(db: &Db, status: OutboxStatus) -> Vec<OutboxMessage> {
    db.outbox(Some(status), 100).await.unwrap()
}

/// Wait until `n` messages have `status` (at most 15 s).
async fn wait_status(db: &Db, status: OutboxStatus, n: usize) -> Vec<OutboxMessage> {
    let start = Instant::now();
    loop {
        let got = outbox(db, status).await;
        if got.len() >= n || start.elapsed() > Duration::from_secs(15) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---- The tests ----

async fn the_worker_delivers_signed_messages_to_every_channel(app: App) {
    let db = &app.store;
    let (_hr, _wang, _li, cycle) = world(db).await;
    let (base, rx) = receiver().await;
    channel(
        db,
        "webhook",
        "payroll",
        &format!("{base}/hook"),
        Some(WHSEC),
    )
    .await;
    channel(
        db,
        "dingtalk",
        "钉钉群",
        &format!("{base}/ding?access_token=abc"),
        Some(DING_SECRET),
    )
    .await;
    channel(
        db,
        "feishu",
        "飞书群",
        &format!("{base}/feishu"),
        Some(FEISHU_SECRET),
    )
    .await;
    channel(
        db,
        "wecom",
        "企业微信群",
        &format!("{base}/wecom?key=k1"),
        None,
    )
    .await;
    db.launch_cycle("hr", cycle).await.unwrap();
    // One message for 王经理 (two appraisals to rate), over each of the four channels.
    let got = rx.wait(4).await;
    assert_eq!(got.len(), 4, "{got:#?}");
    let delivered = wait_status(db, OutboxStatus::Delivered, 4).await;
    assert_eq!(delivered.len(), 4);
    assert!(
        delivered
            .iter()
            .all(|m| m.recipient == "wang" && m.attempts == 1)
    );
    for g in &got {
        assert!(g.verified, "signature of {}: {g:#?}", g.path);
    }
    let hook = got.iter().find(|g| g.path == "/hook").unwrap();
    assert_eq!(hook.body["type"], "kaohe.task-assigned");
    assert_eq!(hook.body["data"]["recipient"], "wang");
    assert_eq!(hook.body["data"]["link"], format!("{PUBLIC}/tasks"));
    let text = hook.body["data"]["text"].as_str().unwrap();
    for want in ["王经理", "2 项", "通知测试表", "2026-11", "2026-11-30"] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // The idempotency key is the webhook-id, the same as the outbox row's.
    let ids: Vec<String> = delivered.iter().map(|m| m.idem_key.clone()).collect();
    assert!(ids.contains(hook.webhook_id.as_ref().unwrap()));
    let ding = got.iter().find(|g| g.path == "/ding").unwrap();
    assert_eq!(ding.body["msgtype"], "markdown");
    assert_eq!(ding.body["at"]["atMobiles"], json!(["13800000001"]));
    let md = ding.body["markdown"]["text"].as_str().unwrap();
    assert!(
        md.contains("@13800000001") && md.contains(&format!("({PUBLIC}/tasks)")),
        "{md}"
    );
    let feishu = got.iter().find(|g| g.path == "/feishu").unwrap();
    assert!(
        feishu.body["content"]["text"]
            .as_str()
            .unwrap()
            .contains("王经理")
    );
    let wecom = got.iter().find(|g| g.path == "/wecom").unwrap();
    assert_eq!(
        wecom.body["text"]["mentioned_mobile_list"],
        json!(["13800000001"])
    );
    // HR sees the deliveries over the API.
    let hr = login(&app, "hr").await;
    let (s, v) = send(hr.get(format!("{}/api/notify/outbox?status=delivered", app.base))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v.as_array().unwrap().len(), 4);
    let (s, _) = send(hr.get(format!("{}/api/notify/outbox?status=lost", app.base))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing is sent twice.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.all().len(), 4);
}

/// The Standard Webhooks example, checked by this receiver's own code (so the receiver is
/// right before it judges kaohe).
#[test]
fn the_receiver_accepts_the_specifications_example() {
    let mut h = HeaderMap::new();
    h.insert(
        "webhook-id",
        "msg_p5jXN8AQM9LWM0D4loKWxJek".parse().unwrap(),
    );
    h.insert(
        "webhook-signature",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
            .parse()
            .unwrap(),
    );
    let key = B64.decode(WHSEC.strip_prefix("whsec_").unwrap()).unwrap();
    let sig = B64.encode(hmac256(
        &key,
        br#"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}"#,
    ));
    assert_eq!(sig, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    // kaohe's signer gives the same.
    assert_eq!(
        kaohe_server::notify::webhook_signature(
            WHSEC,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#
        )
        .unwrap(),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    );
}

async fn failures_are_retried_with_backoff_and_end_as_dead_letters(app: App) {
    let db = &app.store;
    let (hr_user, _, _, _) = world(db).await;
    let (base, rx) = receiver().await;
    let fail = channel(
        db,
        "webhook",
        "broken",
        &format!("{base}/fail"),
        Some(WHSEC),
    )
    .await;
    let slow = channel(db, "webhook", "slow", &format!("{base}/slow"), Some(WHSEC)).await;
    db.test_channel("hr", fail.id, hr_user.id).await.unwrap();
    db.test_channel("hr", slow.id, hr_user.id).await.unwrap();
    let dead = wait_status(db, OutboxStatus::Dead, 2).await;
    assert_eq!(
        dead.len(),
        2,
        "{:#?}",
        outbox(db, OutboxStatus::Pending).await
    );
    let by = |name: &str| {
        dead.iter()
            .find(|m| m.channel.name == name)
            .unwrap()
            .clone()
    };
    let (f, s) = (by("broken"), by("slow"));
    assert_eq!((f.attempts, s.attempts), (3, 3));
    assert!(f.last_error.as_deref().unwrap().contains("500"), "{f:?}");
    assert!(
        s.last_error.as_deref().unwrap().contains("timed out"),
        "{s:?}"
    );
    // Three attempts each, one webhook-id across them, waiting longer each time.
    let fails: Vec<Got> = rx.all().into_iter().filter(|g| g.path == "/fail").collect();
    assert_eq!(fails.len(), 3);
    assert!(
        fails
            .iter()
            .all(|g| g.verified && g.webhook_id == Some(f.idem_key.clone()))
    );
    let gap1 = fails[1].at - fails[0].at;
    let gap2 = fails[2].at - fails[1].at;
    assert!(gap1 >= Duration::from_millis(200), "{gap1:?}");
    assert!(gap2 >= Duration::from_millis(400), "{gap2:?}");

    // HR's page lists the dead letters, with 重试; the secrets only masked.
    let c = web_login(&app, "hr").await;
    let (st, html) = page(&c, &format!("{}/hr/notify", app.base)).await;
    assert_eq!(st, StatusCode::OK);
    assert_complete("/hr/notify", &html);
    assert!(
        html.contains("投递失败（死信）") && html.contains("重试"),
        "{html}"
    );
    assert!(html.contains(&format!("id=\"dead-{}\"", f.id)));
    assert!(html.contains("HTTP 500"));
    assert!(html.contains("whs…LaSw"));
    assert!(
        !html.contains("MfKQ9r8GKYqrTwjUPD8"),
        "a secret shown in full"
    );
    let (_, en) = page(&c, &format!("{}/hr/notify?lang=en", app.base)).await;
    assert!(en.contains("dead letters") && en.contains("Retry"));
    // Without the CSRF token: refused, nothing changes.
    let retry = format!("{}/hr/notify/outbox/{}/retry", app.base, f.id);
    let (st, _, _) = post_form(&c, &retry, &[("csrf", "forged")]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(outbox(db, OutboxStatus::Dead).await.len(), 2);
    // With it: sent again (and failing again, counted from one).
    let csrf = csrf_of(&html);
    let (st, path, _) = post_form(&c, &retry, &[("csrf", &csrf)]).await;
    assert_eq!((st, path.as_str()), (StatusCode::OK, "/hr/notify"));
    let start = Instant::now();
    while rx.all().iter().filter(|g| g.path == "/fail").count() < 4 {
        assert!(start.elapsed() < Duration::from_secs(15), "not sent again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let back = db.outbox(None, 10).await.unwrap();
    let f2 = back.iter().find(|m| m.id == f.id).unwrap();
    assert!(f2.attempts >= 1 && f2.attempts <= 3, "{f2:?}");
    // The API's retry of a message that is not dead: 404.
    let api = login(&app, "hr").await;
    let (s, _) = send(api.post(format!("{}/api/notify/outbox/999999/retry", app.base))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Another user may not see the outbox.
    let li = login(&app, "li").await;
    let (s, _) = send(li.get(format!("{}/api/notify/outbox", app.base))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// The SMTP server, killed when dropped.
struct Smtp {
    child: std::process::Child,
    dir: std::path::PathBuf,
    port: u16,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn smtp() -> Smtp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("kaohe-smtp-{}-{port}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/smtp_sink.py");
    let child = std::process::Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(&dir)
        .spawn()
        .expect("python3 runs the SMTP server (pip install aiosmtpd; scripts/test installs it)");
    let s = Smtp { child, dir, port };
    let start = Instant::now();
    while !s.dir.join("ready").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the SMTP server did not start: is aiosmtpd installed (pip install aiosmtpd)?"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s
}

impl Smtp {
    async fn wait(&self, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let mut got: Vec<(u32, Value)> = std::fs::read_dir(&self.dir)
                .unwrap()
                .filter_map(|e| {
                    let p = e.ok()?.path();
                    let stem: u32 = p.file_stem()?.to_str()?.parse().ok()?;
                    (p.extension()? == "json").then_some(())?;
                    Some((
                        stem,
                        serde_json::from_str(&std::fs::read_to_string(&p).ok()?).ok()?,
                    ))
                })
                .collect();
            got.sort_by_key(|g| g.0);
            if got.len() >= n || start.elapsed() > Duration::from_secs(15) {
                return got.into_iter().map(|g| g.1).collect();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn email_reaches_a_real_smtp_server_in_each_language(app: App) {
    let db = &app.store;
    let (_, _, li, cycle) = world(db).await;
    let server = smtp().await;
    let mail = channel(
        db,
        "email",
        "邮件",
        &format!("smtp+plain://127.0.0.1:{}", server.port),
        None,
    )
    .await;
    // 王经理 hears of his tasks in Chinese; li (English) gets a test message in English.
    db.launch_cycle("hr", cycle).await.unwrap();
    db.test_channel("hr", mail.id, li.id).await.unwrap();
    let got = server.wait(2).await;
    assert_eq!(got.len(), 2, "{got:#?}");
    let wang = got
        .iter()
        .find(|m| m["rcpt_tos"] == json!(["wang@example.com"]))
        .expect("a message to wang@example.com");
    assert_eq!(wang["mail_from"], "kaohe@example.com");
    assert_eq!(wang["subject"], "新的考核任务：通知测试表（2026-11）");
    let plain = wang["plain"].as_str().unwrap();
    assert!(plain.contains("王经理，您有 2 项考核任务待办"), "{plain}");
    assert!(
        plain.contains(&format!("打开页面: {PUBLIC}/tasks")),
        "{plain}"
    );
    let html = wang["html"].as_str().unwrap();
    assert!(html.contains("lang=\"zh-CN\""), "{html}");
    assert!(
        html.contains(&format!("<a href=\"{PUBLIC}/tasks\">打开页面</a>")),
        "{html}"
    );
    let en = got
        .iter()
        .find(|m| m["rcpt_tos"] == json!(["li@example.com"]))
        .expect("a message to li@example.com");
    assert_eq!(en["subject"], "kaohe test message");
    let plain = en["plain"].as_str().unwrap();
    assert!(
        plain.contains("This is a test message from kaohe"),
        "{plain}"
    );
    assert!(plain.contains("Open the page"), "{plain}");
    assert!(en["html"].as_str().unwrap().contains("lang=\"en\""));
    assert!(wait_status(db, OutboxStatus::Delivered, 2).await.len() == 2);
}

async fn the_notification_list_and_its_unread_count(app: App) {
    let db = &app.store;
    let (_, wang, _, cycle) = world(db).await;
    db.launch_cycle("hr", cycle).await.unwrap();
    let c = web_login(&app, "wang").await;
    // The header of any page shows one unread notification.
    let (_, tasks) = page(&c, &format!("{}/tasks", app.base)).await;
    assert!(tasks.contains("href=\"/notifications\""), "{tasks}");
    assert!(
        tasks.contains("<span class=\"badge\" title=\"1 条未读通知\">1</span>"),
        "{tasks}"
    );
    let (s, html) = page(&c, &format!("{}/notifications", app.base)).await;
    assert_eq!(s, StatusCode::OK);
    assert_complete("/notifications", &html);
    assert!(
        html.contains("新的考核任务：通知测试表（2026-11）"),
        "{html}"
    );
    assert!(
        html.contains("王经理，您有 2 项考核任务待办：通知测试表（2026-11），截止 2026-11-30。")
    );
    assert!(html.contains("href=\"/tasks\""));
    let (_, en) = page(&c, &format!("{}/notifications?lang=en", app.base)).await;
    assert!(
        en.contains(
            "you have 2 appraisal task(s) to do: Notice test form (2026-11), due 2026-11-30"
        ),
        "{en}"
    );
    // Marking read needs the CSRF token.
    let url = format!("{}/notifications/read", app.base);
    let (s, _, _) = post_form(&c, &url, &[("csrf", "forged")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(db.unread_count(wang.id).await.unwrap(), 1);
    let csrf = csrf_of(&html);
    let (s, path, html) = post_form(&c, &url, &[("csrf", &csrf)]).await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/notifications"));
    assert!(!html.contains("class=\"badge\""), "{html}");
    assert_eq!(db.unread_count(wang.id).await.unwrap(), 0);
    // The same over the API.
    let api = login(&app, "wang").await;
    let (s, v) = send(api.get(format!("{}/api/notifications", app.base))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["unread"], 0);
    assert_eq!(v["items"][0]["kind"], "task-assigned");
    assert!(
        v["items"][0]["text_en"]
            .as_str()
            .unwrap()
            .contains("Notice test form")
    );
    // 催办 on HR's cycle page (CSRF first): one reminder to 王经理, not one per appraisal.
    let hr = web_login(&app, "hr").await;
    let (_, cy) = page(&hr, &format!("{}/hr/cycles/{cycle}", app.base)).await;
    assert!(
        cy.contains(&format!("action=\"/hr/cycles/{cycle}/remind\"")),
        "{cy}"
    );
    let remind = format!("{}/hr/cycles/{cycle}/remind", app.base);
    let (s, _, _) = post_form(&hr, &remind, &[("csrf", "forged")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = post_form(&hr, &remind, &[("csrf", &csrf_of(&cy))]).await;
    assert_eq!(s, StatusCode::OK);
    let n = db.notifications(wang.id, 10).await.unwrap();
    assert_eq!(n.len(), 2);
    assert_eq!(n[0].kind, EventKind::Reminder);
    assert_eq!(db.unread_count(wang.id).await.unwrap(), 1);
    // Over the API too (HR only).
    let (s, v) = send(api.post(format!("{}/api/cycles/{cycle}/remind", app.base))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
}

async fn hr_configures_a_robot_on_the_page_and_sends_a_test_message(app: App) {
    let db = &app.store;
    world(db).await;
    let (base, rx) = receiver().await;
    let c = web_login(&app, "hr").await;
    let url = format!("{}/hr/notify", app.base);
    let (_, html) = page(&c, &url).await;
    assert!(html.contains("尚未配置渠道"), "{html}");
    let csrf = csrf_of(&html);
    let save = format!("{}/hr/notify/channels", app.base);
    let ding = format!("{base}/ding?access_token=abc");
    let fields = [
        ("kind", "dingtalk"),
        ("name", "绩效群"),
        ("url", ding.as_str()),
        ("secret", DING_SECRET),
        ("enabled", "1"),
    ];
    // Without the CSRF token nothing is saved.
    let mut forged = fields.to_vec();
    forged.push(("csrf", "forged"));
    let (s, _, _) = post_form(&c, &save, &forged).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(db.channels().await.unwrap().is_empty());
    // A bad address is refused in place, in the reader's language.
    let mut bad = fields.to_vec();
    bad[2] = ("url", "ftp://example.com");
    bad.push(("csrf", &csrf));
    let (s, _, html) = post_form(&c, &save, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("应以 http:&#x2f;&#x2f; 或 https:&#x2f;&#x2f; 开头"),
        "{html}"
    );
    // A robot for one department: an unknown code is refused naming it.
    let mut bad = fields.to_vec();
    bad.push(("department", "NOPE"));
    bad.push(("csrf", &csrf));
    let (s, _, html) = post_form(&c, &save, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("没有编码为「NOPE」的部门"), "{html}");
    assert!(db.channels().await.unwrap().is_empty());
    let mut good = fields.to_vec();
    good.push(("csrf", &csrf));
    let (s, path, html) = post_form(&c, &save, &good).await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/hr/notify"));
    assert!(html.contains("所有人"), "a robot for everyone: {html}");
    // Shown back masked, never whole.
    assert!(html.contains("<code>SEC…89ab</code>"), "{html}");
    assert!(!html.contains(DING_SECRET));
    let api = login(&app, "hr").await;
    let (_, v) = send(api.get(format!("{}/api/notify/channels", app.base))).await;
    assert_eq!(v[0]["secret"], "SEC…89ab");
    assert!(!v.to_string().contains(DING_SECRET));
    // 发送测试消息: it arrives, signed, at the robot.
    let id = db.channels().await.unwrap()[0].id;
    let test = format!("{}/hr/notify/channels/{id}/test", app.base);
    let (s, _, html) = post_form(&c, &test, &[("csrf", &csrf)]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("测试消息已排队"), "{html}");
    let got = rx.wait(1).await;
    assert_eq!(got.len(), 1);
    assert!(got[0].verified && got[0].path == "/ding", "{got:#?}");
    assert!(
        got[0].body["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("渠道「绩效群」配置正确")
    );
}

// ---- People's choices (migration 0015) ----

mod choices {
    use super::*;

    both_fast!(
        a_feishu_robot_mentions_the_recipient_by_their_feishu_id,
        people_choose_channels_and_quiet_hours_on_the_page_and_the_api,
        hr_switches_kinds_off_and_sets_contact_details,
    );

    const OU: &str = "ou_7d8a6e6df7621556ce0d21922b676706";

    async fn a_feishu_robot_mentions_the_recipient_by_their_feishu_id(app: App) {
        let db = &app.store;
        let (_, wang, li, _) = world(db).await;
        let (base, rx) = receiver().await;
        let ch = channel(
            db,
            "feishu",
            "飞书群",
            &format!("{base}/feishu"),
            Some(FEISHU_SECRET),
        )
        .await;
        db.set_contact(
            "wang",
            "wang",
            &Contact {
                mobile: Some("13800000001".into()),
                feishu_id: Some(OU.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        db.test_channel("hr", ch.id, wang.id).await.unwrap();
        let got = rx.wait(1).await;
        assert!(
            got.len() == 1 && got[0].verified && got[0].path == "/feishu",
            "{got:#?}"
        );
        let text = got[0].body["content"]["text"].as_str().unwrap();
        assert!(
            text.contains(&format!("<at user_id=\"{OU}\">wang</at>")),
            "{text}"
        );
        // 李四 has no 飞书 id: the message reaches the group, @ nobody.
        db.test_channel("hr", ch.id, li.id).await.unwrap();
        let got = rx.wait(2).await;
        assert_eq!(got.len(), 2);
        let text = got[1].body["content"]["text"].as_str().unwrap();
        assert!(got[1].verified && !text.contains("<at"), "{text}");
    }

    async fn people_choose_channels_and_quiet_hours_on_the_page_and_the_api(app: App) {
        let db = &app.store;
        let (_, wang, _, _) = world(db).await;
        let c = web_login(&app, "wang").await;
        let (_, list) = page(&c, &format!("{}/notifications", app.base)).await;
        assert!(
            list.contains("href=\"&#x2f;notifications&#x2f;settings\"")
                || list.contains("href=\"/notifications/settings\""),
            "{list}"
        );
        let url = format!("{}/notifications/settings", app.base);
        let (s, html) = page(&c, &url).await;
        assert_eq!(s, StatusCode::OK);
        assert_complete("/notifications/settings", &html);
        let boxed = |html: &str, k: &str, ch: &str| {
            let at = html
                .find(&format!("id=\"on-{k}-{ch}\""))
                .unwrap_or_else(|| panic!("no box for {k}/{ch}"));
            html[at..at + html[at..].find('>').unwrap()].contains(" checked")
        };
        // Everything on at first, for every kind.
        for k in chosen_kinds() {
            for ch in PERSONAL_CHANNELS {
                assert!(boxed(&html, k.as_str(), ch.as_str()), "{k:?}/{ch:?}");
            }
        }
        assert!(html.contains("+08:00"), "the time zone is named");
        let csrf = csrf_of(&html);
        // Every box but reminder/e-mail and reminder/钉钉 stays ticked; quiet 22:00–08:00.
        let mut on: Vec<String> = Vec::new();
        for k in chosen_kinds() {
            for ch in PERSONAL_CHANNELS {
                if !(k == EventKind::Reminder
                    && matches!(ch, ChannelKind::Email | ChannelKind::DingTalk))
                {
                    on.push(format!("{}:{}", k.as_str(), ch.as_str()));
                }
            }
        }
        let mut fields: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        fields.extend(on.iter().map(|v| ("on", v.as_str())));
        // A bad time first: refused in place, naming the field, the ticks kept.
        let mut bad = fields.clone();
        bad.extend([("quiet_start", "25:00"), ("quiet_end", "08:00")]);
        let (s, _, html) = post_form(&c, &url, &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"err-quiet_start\""), "{html}");
        assert!(html.contains("时间 `25:00` 不对"), "{html}");
        assert!(!boxed(&html, "reminder", "email"));
        assert_eq!(db.notify_prefs(wang.id).await.unwrap().quiet, None);
        fields.extend([("quiet_start", "22:00"), ("quiet_end", "8:00")]);
        let (s, path, html) = post_form(&c, &url, &fields).await;
        assert_eq!(
            (s, path.as_str()),
            (StatusCode::OK, "/notifications/settings")
        );
        assert!(html.contains("已保存"), "{html}");
        // They stick: on the page after reload, and in the store.
        let (_, html) = page(&c, &url).await;
        assert!(!boxed(&html, "reminder", "email"));
        assert!(!boxed(&html, "reminder", "dingtalk"));
        assert!(boxed(&html, "reminder", "wecom"));
        assert!(boxed(&html, "task-assigned", "email"));
        assert!(html.contains("value=\"22:00\"") && html.contains("value=\"08:00\""));
        let p = db.notify_prefs(wang.id).await.unwrap();
        assert!(!p.allows(EventKind::Reminder, ChannelKind::Email));
        assert!(p.allows(EventKind::Reminder, ChannelKind::WeCom));
        assert_eq!(p.quiet.unwrap().label(), "22:00–08:00");

        // My contact details: a bad mobile is refused naming the field; a good one kept.
        let contact = format!("{}/notifications/settings/contact", app.base);
        let (s, _, html) = post_form(
            &c,
            &contact,
            &[
                ("csrf", &csrf),
                ("email", "wang@example.com"),
                ("mobile", "12345"),
                ("feishu_id", ""),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"err-mobile\""), "{html}");
        assert!(html.contains("手机号 `12345` 不对"), "{html}");
        assert!(html.contains("value=\"12345\""), "what was typed is kept");
        let (s, path, _) = post_form(
            &c,
            &contact,
            &[
                ("csrf", &csrf),
                ("email", "wang2@example.com"),
                ("mobile", "139 0000 0002"),
                ("feishu_id", OU),
            ],
        )
        .await;
        assert_eq!(
            (s, path.as_str()),
            (StatusCode::OK, "/notifications/settings")
        );
        let got = db.contact(wang.id).await.unwrap();
        assert_eq!(
            (
                got.email.as_deref(),
                got.mobile.as_deref(),
                got.feishu_id.as_deref()
            ),
            (Some("wang2@example.com"), Some("13900000002"), Some(OU))
        );

        // The API: the same choices, changed back.
        let api = login(&app, "wang").await;
        let me = format!("{}/api/me/notify-prefs", app.base);
        let (s, v) = send(api.get(&me)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["channels"]["reminder"]["email"], false);
        assert_eq!(v["channels"]["reminder"]["wecom"], true);
        assert_eq!(
            (v["quiet_start"].as_str(), v["quiet_end"].as_str()),
            (Some("22:00"), Some("08:00"))
        );
        assert_eq!(v["utc_offset"], "+08:00");
        let (s, v) = send(api.put(&me).json(&json!({
            "channels": {"reminder": {"email": true, "dingtalk": true}, "test": {"email": true}},
        })))
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "channels.test");
        let (s, v) = send(api.put(&me).json(&json!({
            "channels": {"reminder": {"fax": false}},
        })))
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "channels.reminder.fax");
        let (s, v) = send(api.put(&me).json(&json!({
            "channels": {"cycle-closed": {"feishu": false}},
            "quiet_start": "12:00", "quiet_end": "13:30",
        })))
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["channels"]["reminder"]["email"], true);
        assert_eq!(v["channels"]["cycle-closed"]["feishu"], false);
        let p = db.notify_prefs(wang.id).await.unwrap();
        assert_eq!(p.off.len(), 1);
        assert_eq!(p.quiet.unwrap().label(), "12:00–13:30");
        // Contact details over the API: each bad field named.
        let (s, v) = send(
            api.put(format!("{}/api/me/contact", app.base))
                .json(&json!({"email": "no-at-sign", "mobile": "123"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let fields: Vec<&str> = v["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["email", "mobile"]);
        let (s, v) = send(
            api.put(format!("{}/api/me/contact", app.base))
                .json(&json!({"email": "wang@example.com", "mobile": "+44 20 7946 0958"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["mobile"], "+442079460958");
        assert_eq!(v["feishu_id"], Value::Null);
        // Someone else's contact details, or HR's settings: not his.
        let (s, _) = send(
            api.put(format!("{}/api/users/hr/contact", app.base))
                .json(&json!({"email": "x@example.com"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _) = send(api.get(format!("{}/api/notify/settings", app.base))).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }

    async fn hr_switches_kinds_off_and_sets_contact_details(app: App) {
        let db = &app.store;
        let (_, wang, _, cycle) = world(db).await;
        let (base, rx) = receiver().await;
        channel(db, "webhook", "hook", &format!("{base}/hook"), Some(WHSEC)).await;
        let c = web_login(&app, "hr").await;
        let url = format!("{}/hr/notify", app.base);
        let (_, html) = page(&c, &url).await;
        assert_complete("/hr/notify", &html);
        assert!(html.contains("id=\"kinds\""), "{html}");
        let csrf = csrf_of(&html);
        let save = format!("{}/hr/notify/settings", app.base);
        let on: Vec<&str> = chosen_kinds()
            .filter(|k| *k != EventKind::TaskAssigned)
            .map(|k| k.as_str())
            .collect();
        let mut fields: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        fields.extend(on.iter().map(|k| ("on", *k)));
        let mut bad = fields.clone();
        bad.push(("utc_offset", "Asia/Shanghai"));
        let (s, _, html) = post_form(&c, &save, &bad).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("utc_offset") && html.contains("时区"),
            "{html}"
        );
        fields.push(("utc_offset", "+08:00"));
        let (s, path, html) = post_form(&c, &save, &fields).await;
        assert_eq!((s, path.as_str()), (StatusCode::OK, "/hr/notify"));
        assert!(
            !html.contains("name=\"on\" value=\"task-assigned\" checked"),
            "{html}"
        );
        assert!(html.contains("name=\"on\" value=\"reminder\" checked"));
        let s = db.notify_settings().await.unwrap();
        assert_eq!(s.kinds_off, [EventKind::TaskAssigned].into());
        // A launch now: in the list, but no webhook; a reminder goes out.
        db.launch_cycle("hr", cycle).await.unwrap();
        assert_eq!(db.unread_count(wang.id).await.unwrap(), 1);
        db.remind_late("hr", cycle).await.unwrap();
        let got = rx.wait(1).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let got_all = rx.all();
        assert_eq!(got_all.len(), 1, "{got:#?}");
        assert_eq!(got_all[0].body["type"], "kaohe.reminder");
        // The API shows and changes the same.
        let api = login(&app, "hr").await;
        let (s, v) = send(api.get(format!("{}/api/notify/settings", app.base))).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["kinds"]["task-assigned"], false);
        assert_eq!(v["kinds"]["reminder"], true);
        let (s, v) = send(
            api.put(format!("{}/api/notify/settings", app.base))
                .json(&json!({"kinds": {}, "utc_offset": "+9"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["error"]["fields"][0]["field"], "utc_offset");
        let (s, v) = send(
            api.put(format!("{}/api/notify/settings", app.base))
                .json(&json!({"kinds": {}, "utc_offset": "+09:00"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["kinds"]["task-assigned"], true);
        assert_eq!(v["utc_offset"], "+09:00");

        // HR sets 王经理's contact details from the accounts page.
        let (_, users) = page(&c, &format!("{}/hr/users", app.base)).await;
        assert!(
            users.contains("href=\"&#x2f;hr&#x2f;users&#x2f;wang&#x2f;contact\"")
                || users.contains("href=\"/hr/users/wang/contact\""),
            "{users}"
        );
        let cu = format!("{}/hr/users/wang/contact", app.base);
        let (s, html) = page(&c, &cu).await;
        assert_eq!(s, StatusCode::OK);
        assert_complete("/hr/users/wang/contact", &html);
        assert!(html.contains("value=\"wang@example.com\""), "{html}");
        let (s, _, html) = post_form(
            &c,
            &cu,
            &[
                ("csrf", &csrf),
                ("email", "wang@"),
                ("mobile", "13800000001"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"err-email\""), "{html}");
        let (s, path, _) = post_form(
            &c,
            &cu,
            &[
                ("csrf", &csrf),
                ("email", "wang@corp.example.com"),
                ("mobile", "13800000009"),
            ],
        )
        .await;
        assert_eq!((s, path.as_str()), (StatusCode::OK, "/hr/users"));
        let got = db.contact(wang.id).await.unwrap();
        assert_eq!(got.mobile.as_deref(), Some("13800000009"));
        let log = db.audit_log(0, 10_000).await.unwrap();
        let a = log
            .iter()
            .rev()
            .find(|e| e.action == "user.contact")
            .unwrap();
        assert_eq!(a.actor, "hr");
        assert!(
            a.old_value
                .as_deref()
                .unwrap()
                .contains("mobile=13800000001")
                && a.new_value
                    .as_deref()
                    .unwrap()
                    .contains("mobile=13800000009"),
            "{a:?}"
        );
        // An employee cannot open someone's contact page.
        let w = web_login(&app, "wang").await;
        let (s, _) = page(&w, &cu).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}
