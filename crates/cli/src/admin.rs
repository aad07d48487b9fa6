//! Commands that work on the database: migrate, user add, org import, audit verify, backup.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use kaohe_store::{AuditCheck, Db, Grant, NewUser, OrgRow, Role, Store, connect};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the database is.
#[derive(Args, Clone)]
pub struct DbArgs {
    /// sqlite://FILE (default sqlite://kaohe.db) or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "KAOHE_DATABASE_URL", default_value = "sqlite://kaohe.db")]
    pub database_url: String,
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// Add a user. The password is read from stdin (one line) or KAOHE_PASSWORD.
    Add {
        username: String,
        /// employee, rater, clerk, reviewer, approver, hr_admin (repeat for several).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The employee number this user is.
        #[arg(long)]
        employee: Option<String>,
        /// The user's language: zh-CN (default) or en.
        #[arg(long = "ui-lang", default_value = "zh-CN")]
        ui_lang: String,
    },
}

#[derive(Subcommand)]
pub enum OrgCmd {
    /// Import departments, positions and employees from CSV
    /// (工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号): all rows or none.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Check the audit log's hash chain: exit 1 if any entry was changed.
    Verify,
}

/// Connect and migrate.
pub async fn open(db: &DbArgs) -> Result<Db> {
    let store = connect(&db.database_url)
        .await
        .with_context(|| format!("无法打开数据库 / cannot open {}", db.database_url))?;
    store.migrate().await?;
    Ok(store)
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// `kaohe migrate`.
pub fn migrate(db: &DbArgs) -> Result<ExitCode> {
    runtime()?.block_on(async {
        open(db).await?;
        crate::outln!(
            "数据库已是最新 / database is up to date: {}",
            db.database_url
        );
        Ok(ExitCode::SUCCESS)
    })
}

/// `kaohe user add`.
pub fn user(db: &DbArgs, cmd: &UserCmd) -> Result<ExitCode> {
    let UserCmd::Add {
        username,
        roles,
        employee,
        ui_lang,
    } = cmd;
    let mut grants = Vec::new();
    for r in roles {
        let Some(role) = Role::parse(r) else {
            bail!(
                "未知角色 `{r}` / unknown role `{r}`: employee, rater, clerk, reviewer, approver, hr_admin"
            );
        };
        grants.push(Grant {
            role,
            department_id: None,
        });
    }
    let password = match std::env::var("KAOHE_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    runtime()?.block_on(async {
        let store = open(db).await?;
        let u = store
            .create_user(
                "cli",
                &NewUser {
                    username: username.clone(),
                    password,
                    emp_no: employee.clone(),
                    grants,
                    lang: ui_lang.clone(),
                },
            )
            .await?;
        crate::outln!("已添加用户 / added user `{}` (id {})", u.username, u.id);
        Ok(ExitCode::SUCCESS)
    })
}

/// Read an organisation CSV file into rows, naming the file in any error.
pub fn read_org_csv(path: &std::path::Path) -> Result<Vec<OrgRow>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("无法读取 / cannot read {}", path.display()))?;
    kaohe_store::parse_org_csv(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `kaohe org import`.
pub fn org(db: &DbArgs, cmd: &OrgCmd) -> Result<ExitCode> {
    let OrgCmd::Import { file } = cmd;
    let rows = read_org_csv(file)?;
    runtime()?.block_on(async {
        let store = open(db).await?;
        match store.import_org("cli", &rows).await {
            Ok(s) => {
                crate::outln!(
                    "已导入 / imported: 部门 +{} departments, 岗位 +{} positions, 员工 +{} employees, 更新 {} updated",
                    s.departments_added,
                    s.positions_added,
                    s.employees_added,
                    s.employees_updated
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(kaohe_store::StoreError::Rows(problems)) => {
                for (line, field, msg) in &problems {
                    eprintln!("{}:{line} [{field}]: {msg}", file.display());
                }
                eprintln!("未导入任何数据 / nothing was imported ({} 处错误 / problem(s))", problems.len());
                Ok(ExitCode::from(2))
            }
            Err(e) => Err(e.into()),
        }
    })
}

/// `kaohe audit verify`.
pub fn audit(db: &DbArgs, cmd: &AuditCmd) -> Result<ExitCode> {
    let AuditCmd::Verify = cmd;
    runtime()?.block_on(async {
        let store = open(db).await?;
        let check = store.verify_audit().await?;
        crate::outln!("{check}");
        Ok(match check {
            AuditCheck::Intact { .. } => ExitCode::SUCCESS,
            AuditCheck::Broken { .. } => ExitCode::from(1),
        })
    })
}

/// `kaohe backup FILE`: a consistent copy of the live SQLite database.
pub fn backup(db: &DbArgs, file: &std::path::Path) -> Result<ExitCode> {
    if file.exists() {
        bail!(
            "{} 已存在，不会覆盖 / already exists: not overwritten",
            file.display()
        );
    }
    runtime()?.block_on(async {
        match open(db).await? {
            Db::Sqlite(s) => {
                s.backup(&file.display().to_string()).await?;
                crate::outln!("已备份到 / backed up to {}", file.display());
                Ok(ExitCode::SUCCESS)
            }
            Db::Postgres(_) => {
                bail!("PostgreSQL 请用 pg_dump 备份 / back up PostgreSQL with pg_dump")
            }
        }
    })
}
