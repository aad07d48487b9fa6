//! `kaohe serve`: the JSON API over the database, with a first-run administrator token,
//! and `--demo`: a demo company loaded into an empty database.

use crate::admin::{DbArgs, open};
use anyhow::{Context, Result};
use clap::Args;
use kaohe_store::{Grant, NewUser, Role, Store};
use std::process::ExitCode;

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "KAOHE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Load a demo into an empty database: `--demo` a company of 30 (organisation, users,
    /// all bundled forms, two months of F01); `--demo bank` a bank of about 2,000 in
    /// 总行 → 分行 → 支行, running F01 monthly and F14 quarterly, with scoped users.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "company", value_name = "KIND")]
    pub demo: Option<DemoKind>,
    /// Log format on stderr: text (for people) or json (one object a line). The level is
    /// KAOHE_LOG (default info; e.g. KAOHE_LOG=debug or KAOHE_LOG=kaohe_server=debug).
    #[arg(long, env = "KAOHE_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: crate::logging::LogFormat,
    /// The server is reached over HTTPS: mark cookies Secure and send
    /// Strict-Transport-Security.
    #[arg(long, env = "KAOHE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// A session ends after this many minutes without a request.
    #[arg(long, env = "KAOHE_SESSION_IDLE_MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub session_idle_minutes: u32,
    /// Seconds between runs of the auto-confirmation job (and the session purge).
    #[arg(long, env = "KAOHE_AUTO_CONFIRM_SECS", default_value_t = 60, hide = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub auto_confirm_secs: u64,
    /// Seconds between runs of the scheduled-reminder job (due soon, overdue, escalated,
    /// before 视为默认). Each reminder is sent once, whichever server runs it first.
    #[arg(long, env = "KAOHE_REMIND_SECS", default_value_t = 300, hide = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub remind_secs: u64,
    /// PDFs printed at once (one Chromium, about 1 GB, each); more wait in a queue of 8.
    #[arg(long, env = "KAOHE_PDF_WORKERS", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub pdf_workers: u16,
    /// The address people open kaohe at (links in notifications: e-mail, 钉钉, 飞书, 企业微信,
    /// webhooks), e.g. https://kaohe.example.com. Default: http:// and --addr.
    #[arg(long, env = "KAOHE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Attempts before a notification is a dead letter (HR retries it on /hr/notify).
    #[arg(long, env = "KAOHE_NOTIFY_ATTEMPTS", default_value_t = 8, value_parser = clap::value_parser!(i64).range(1..=100))]
    pub notify_attempts: i64,
    /// Seconds a server's claim on a notification holds: a server killed mid-delivery
    /// leaves claims that other servers (or it, restarted) take over when they run out.
    #[arg(long, env = "KAOHE_NOTIFY_LEASE_SECS", default_value_t = 120, hide = true, value_parser = clap::value_parser!(i64).range(1..=3600))]
    pub notify_lease_secs: i64,
}

/// Which demo `--demo` loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoKind {
    /// A company of 30 (the default).
    Company,
    /// A three-level bank of about 2,000.
    Bank,
}

/// The bank demo's users: (user name, what they are).
const BANK_USERS: [(&str, &str); 7] = [
    ("hr", "总行人力资源部 (HR 管理员) / HR administrator"),
    (
        "bj_hangzhang",
        "北京分行行长 (审批 北京分行) / approver of 北京分行",
    ),
    (
        "bj_renli",
        "北京分行人力 (复核 北京分行) / reviewer of 北京分行",
    ),
    (
        "zgc_hangzhang",
        "中关村支行行长 (评分, 看本支行结果) / rates and oversees 中关村支行",
    ),
    (
        "sc_tongji",
        "总行市场部统计员 (数据录入) / 市场部 data clerk",
    ),
    (
        "xz_kaoqin",
        "总行行政部考勤专员 (数据录入) / 行政部 data clerk",
    ),
    ("kehu", "中关村支行大客户经理 (被考核人) / appraisee"),
];

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "kaohe-demo";

const DEMO_USERS: [(&str, Role, Option<&str>, &str); 6] = [
    (
        "hr",
        Role::HrAdmin,
        Some("R002"),
        "人事部绩效专员 (HR 管理员) / HR administrator",
    ),
    (
        "zhuguan",
        Role::Rater,
        Some("E003"),
        "市场部经理 王强 (评分人) / supervisor and rater",
    ),
    (
        "xingzheng",
        Role::Clerk,
        Some("X002"),
        "行政部考勤专员 (数据录入) / administration data clerk",
    ),
    (
        "fuhe",
        Role::Reviewer,
        Some("R001"),
        "人事主管 (复核) / reviewer",
    ),
    (
        "shenpi",
        Role::Approver,
        Some("M001"),
        "总经理 (审批) / approver",
    ),
    (
        "zhangwei",
        Role::Employee,
        Some("E001"),
        "大客户经理 张伟 (被考核人) / appraisee",
    ),
];

pub(crate) async fn load_demo<S: Store>(store: &S) -> Result<()> {
    let rows =
        kaohe_store::parse_org_csv(include_str!("demo_org.csv")).map_err(anyhow::Error::msg)?;
    store.import_org("demo", &rows).await?;
    for (name, role, emp, _) in DEMO_USERS {
        // The clerk enters 行政部's data: the grant names the department.
        let dept = if role == Role::Clerk {
            store
                .departments()
                .await?
                .into_iter()
                .find(|d| d.code == "XZ")
                .map(|d| d.id)
        } else {
            None
        };
        let mut grants = vec![Grant {
            role,
            department_id: dept,
        }];
        if role != Role::Employee && role != Role::HrAdmin {
            grants.push(Grant {
                role: Role::Employee,
                department_id: None,
            });
        }
        store
            .create_user(
                "demo",
                &NewUser {
                    username: name.into(),
                    password: DEMO_PASSWORD.into(),
                    emp_no: emp.map(str::to_string),
                    grants,
                    lang: "zh-CN".into(),
                },
            )
            .await?;
    }
    for (_, src, _) in crate::bundled::BUNDLED {
        store.publish_template("demo", src).await?;
    }
    demo_months(store).await
}

/// Two months of F01 for the demo's account managers: October closed (张伟 signed, the
/// others accepted by default), November in progress (市场部 has entered its data,
/// 行政部 has not yet).
async fn demo_months<S: Store>(store: &S) -> Result<()> {
    let user = |name: &'static str| async move {
        store
            .authenticate(name, DEMO_PASSWORD)
            .await?
            .with_context(|| format!("demo user {name}"))
    };
    let hr = user("hr").await?;
    let depts = store.departments().await?;
    let dept = |code: &str| depts.iter().find(|d| d.code == code).map(|d| d.id);
    let csv = kaohe_core::synth::f01_csv(3);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers: Vec<String> = rdr.headers()?.iter().map(str::to_string).collect();
    let recs: Vec<csv::StringRecord> = rdr.records().collect::<std::result::Result<_, _>>()?;
    let grid = |cols: &[&str], month: usize| -> Vec<kaohe_store::GridRow> {
        ["E001", "E002", "E004"]
            .iter()
            .zip(&recs)
            .enumerate()
            .map(|(i, (no, rec))| kaohe_store::GridRow {
                line: i + 1,
                emp_no: no.to_string(),
                values: headers
                    .iter()
                    .zip(rec.iter())
                    .filter(|(h, _)| cols.contains(&h.as_str()))
                    .map(|(h, v)| {
                        // November differs a little from October.
                        let v = if month == 11 && h == "sales_actual" {
                            format!("{}", v.parse::<f64>().map_or(0, |x| (x * 1.1) as i64))
                        } else {
                            v.to_string()
                        };
                        (h.clone(), v)
                    })
                    .collect(),
                version: None,
                reason: None,
            })
            .collect()
    };
    const MARKET: [&str; 3] = ["sales_target", "sales_actual", "new_customers"];
    const ADMIN: [&str; 4] = [
        "leave_late_early",
        "absent_days",
        "unapproved_leave",
        "leave_days",
    ];
    const RATER: [&str; 6] = [
        "authorised_work",
        "samples",
        "contracts",
        "idle",
        "away",
        "untidy",
    ];
    let mut ids = Vec::new();
    for (month, period) in [(10, "2026-10"), (11, "2026-11")] {
        let cy = store
            .create_cycle(
                "hr",
                &kaohe_store::NewCycle {
                    name: format!("2026年{month}月 大客户经理考核"),
                    form_id: "F01".into(),
                    period: period.into(),
                    targets: vec![kaohe_store::TargetSet {
                        position: Some("大客户经理".into()),
                        emp_no: None,
                        values: kaohe_store::Values::from([(
                            "monthly_bonus".to_string(),
                            "3000".to_string(),
                        )]),
                    }],
                    confirm_window_hours: if month == 10 { 0 } else { 72 },
                    data_due: Some(format!("2026-{:02}-05", month + 1)),
                    ..Default::default()
                },
            )
            .await?;
        store.launch_cycle("hr", cy.id).await?;
        store
            .enter_grid(&hr, cy.id, dept("SC"), &grid(&MARKET, month))
            .await?;
        store
            .complete_data(&hr, cy.id, dept("SC").context("SC")?)
            .await?;
        ids.push(cy.id);
        if month == 11 {
            break;
        }
        store
            .enter_grid(&hr, cy.id, dept("XZ"), &grid(&ADMIN, month))
            .await?;
        store
            .complete_data(&hr, cy.id, dept("XZ").context("XZ")?)
            .await?;
        store
            .enter_grid(&hr, cy.id, None, &grid(&RATER, month))
            .await?;
        let (zhuguan, fuhe, shenpi) = (
            user("zhuguan").await?,
            user("fuhe").await?,
            user("shenpi").await?,
        );
        for a in store
            .appraisals(&hr, Some(cy.id), None, kaohe_store::Page::default())
            .await?
        {
            use kaohe_core::workflow::Action;
            use kaohe_store::Step;
            let a = store.act(&zhuguan, a.id, a.version, &Step::Submit).await?;
            let a = store
                .act(&fuhe, a.id, a.version, &Step::Do(Action::ReviewPass))
                .await?;
            let a = store
                .act(&shenpi, a.id, a.version, &Step::Do(Action::Approve))
                .await?;
            if a.emp_no == "E001" {
                let me = user("zhangwei").await?;
                store
                    .act(
                        &me,
                        a.id,
                        a.version,
                        &Step::Do(Action::Sign {
                            name: "张伟".into(),
                        }),
                    )
                    .await?;
            }
        }
        // The others let the window pass: accepted by default (视为默认).
        store.auto_confirm(&kaohe_store::now()).await?;
    }
    Ok(())
}

/// A line for the person who started the server: as it is on stderr, or a log event in
/// `--log-format json` (so that every line of stderr is JSON).
macro_rules! say {
    ($json:expr, $($t:tt)*) => {
        if $json {
            tracing::info!(target: "kaohe::serve", "{}", format!($($t)*));
        } else {
            eprintln!($($t)*);
        }
    };
}

/// `kaohe serve`.
pub fn run(a: &ServeArgs) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    crate::logging::init(a.log_format);
    let json = a.log_format == crate::logging::LogFormat::Json;
    rt.block_on(async {
        let store = open(&a.db).await?;
        let mut state = kaohe_server::AppState::new(store.clone());
        state.demo = a.demo.is_some();
        state.secure_cookies = a.secure_cookies;
        state.session_idle = time::Duration::minutes(a.session_idle_minutes.into());
        state.auto_confirm_every = std::time::Duration::from_secs(a.auto_confirm_secs);
        state.remind_every = std::time::Duration::from_secs(a.remind_secs);
        state.pdf = std::sync::Arc::new(kaohe_server::pdf::PdfQueue::new(kaohe_server::pdf::PdfLimits {
            workers: usize::from(a.pdf_workers),
            ..Default::default()
        }));
        state.delivery = std::sync::Arc::new(kaohe_server::notify::DeliveryConfig {
            public_url: a
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", a.addr)),
            max_attempts: a.notify_attempts,
            lease: time::Duration::seconds(a.notify_lease_secs),
            ..Default::default()
        });
        if a.demo.is_some() && store.user_count().await? == 0 {
            if a.demo == Some(DemoKind::Bank) {
                say!(json, "正在载入演示银行（约 2,000 人）… / loading the demo bank (about 2,000 people)…");
                crate::demo_bank::load(&store).await.context("演示银行加载失败 / loading the demo bank failed")?;
                say!(json, "已载入演示银行 / demo bank loaded: 总行 → 北京、上海、广州分行 → 15 个支行, {} 张考核表 forms", crate::bundled::BUNDLED.len());
                say!(json, "  2026年10月 大客户经理考核 (F01): 已结束 / closed;  2026年11月: 评分中 / rating;  2026年第4季度 (F14): 数据已导入 / data in");
            } else {
                load_demo(&store).await.context("演示数据加载失败 / loading the demo failed")?;
                say!(json, "已载入演示公司 / demo company loaded: 30 名员工 employees, {} 张考核表 forms", crate::bundled::BUNDLED.len());
                say!(json, "  2026年10月 大客户经理考核: 已结束 / closed;  2026年11月: 进行中 (行政部考勤待录入) / in progress (行政部 to enter attendance)");
            }
        }
        if a.demo == Some(DemoKind::Bank) {
            say!(json, "演示用户 (密码均为 `{DEMO_PASSWORD}`) / demo users (password `{DEMO_PASSWORD}`):");
            for (name, what) in BANK_USERS {
                say!(json, "  {name:<14} {what}");
            }
            say!(json, "  其余支行行长 / the other 支行 heads: bj02…bj05, sh01…sh05, gz01…gz05");
        } else if a.demo.is_some() {
            say!(json, "演示用户 (密码均为 `{DEMO_PASSWORD}`) / demo users (password `{DEMO_PASSWORD}`):");
            for (name, _, _, what) in DEMO_USERS {
                say!(json, "  {name:<10} {what}");
            }
        }
        if store.user_count().await? == 0 {
            let (token, _) = kaohe_store::new_token()?;
            *state.setup_token.lock().map_err(|e| anyhow::anyhow!("{e}"))? = Some(token.clone());
            say!(json, "首次使用: 用此一次性令牌创建管理员 / first run: create the administrator with this one-time token:");
            say!(json, "  浏览器 / in a browser: http://{}/setup", a.addr);
            say!(json, "  令牌 / token: {token}");
            say!(json, "  curl -X POST http://{}/api/setup -H 'content-type: application/json' -d '{{\"token\":\"{token}\",\"username\":\"hr\",\"password\":\"…\"}}'", a.addr);
            say!(json, "  (或 / or: echo PASSWORD | kaohe user add hr --role hr_admin)");
        }
        let listener = tokio::net::TcpListener::bind(&a.addr).await.with_context(|| format!("无法监听 / cannot listen on {}", a.addr))?;
        say!(json, "kaohe 已启动 / listening on http://{} (数据库 / database: {})", listener.local_addr()?, a.db.database_url);
        say!(json, "  API: http://{}/api/openapi.json", listener.local_addr()?);
        tokio::select! {
            r = kaohe_server::serve(state, listener) => r?,
            _ = tokio::signal::ctrl_c() => say!(json, "已停止 / stopped"),
        }
        Ok(ExitCode::SUCCESS)
    })
}
