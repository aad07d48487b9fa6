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
    let mut good = fields.to_vec();
    good.push(("csrf", &csrf));
    let (s, path, html) = post_form(&c, &save, &good).await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/hr/notify"));
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
