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
    /// Load a demo company into an empty database (organisation, users, all bundled forms).
    #[arg(long)]
    pub demo: bool,
}

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

async fn load_demo<S: Store>(store: &S) -> Result<()> {
    let rows =
        kaohe_store::parse_org_csv(include_str!("demo_org.csv")).map_err(anyhow::Error::msg)?;
    store.import_org("demo", &rows).await?;
    for (name, role, emp, _) in DEMO_USERS {
        let mut grants = vec![Grant {
            role,
            department_id: None,
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
    Ok(())
}

/// `kaohe serve`.
pub fn run(a: &ServeArgs) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = open(&a.db).await?;
        let state = kaohe_server::AppState::new(store.clone());
        if a.demo && store.user_count().await? == 0 {
            load_demo(&store).await.context("演示数据加载失败 / loading the demo failed")?;
            eprintln!("已载入演示公司 / demo company loaded: 30 名员工 employees, {} 张考核表 forms", crate::bundled::BUNDLED.len());
        }
        if a.demo {
            eprintln!("演示用户 (密码均为 `{DEMO_PASSWORD}`) / demo users (password `{DEMO_PASSWORD}`):");
            for (name, _, _, what) in DEMO_USERS {
                eprintln!("  {name:<10} {what}");
            }
        }
        if store.user_count().await? == 0 {
            let (token, _) = kaohe_store::new_token()?;
            *state.setup_token.lock().map_err(|e| anyhow::anyhow!("{e}"))? = Some(token.clone());
            eprintln!("首次使用: 用此一次性令牌创建管理员 / first run: create the administrator with this one-time token:");
            eprintln!("  curl -X POST http://{}/api/setup -H 'content-type: application/json' -d '{{\"token\":\"{token}\",\"username\":\"hr\",\"password\":\"…\"}}'", a.addr);
            eprintln!("  (或 / or: echo PASSWORD | kaohe user add hr --role hr_admin)");
        }
        let listener = tokio::net::TcpListener::bind(&a.addr).await.with_context(|| format!("无法监听 / cannot listen on {}", a.addr))?;
        eprintln!("kaohe 已启动 / listening on http://{} (数据库 / database: {})", listener.local_addr()?, a.db.database_url);
        eprintln!("  API: http://{}/api/openapi.json", listener.local_addr()?);
        tokio::select! {
            r = kaohe_server::serve(state, listener) => r?,
            _ = tokio::signal::ctrl_c() => eprintln!("已停止 / stopped"),
        }
        Ok(ExitCode::SUCCESS)
    })
}
