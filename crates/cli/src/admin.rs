//! Commands that work on the database: migrate, user add, org import, audit verify, backup.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use kaohe_store::{
    AuditCheck, AuditKeys, Backend, ConnectOptions, Db, Department, Grant, NewUser, OrgRow, Role,
    SqliteSync, Store, connect_with,
};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the database is.
#[derive(Args, Clone)]
pub struct DbArgs {
    /// sqlite://FILE (default sqlite://kaohe.db) or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "KAOHE_DATABASE_URL", default_value = "sqlite://kaohe.db")]
    pub database_url: String,
    /// A file holding the audit key(s) (hex or base64, at least 32 bytes; several, newest
    /// first, separated by commas or lines). Keys may also be given in KAOHE_AUDIT_KEY.
    /// With a key, audit entries are MAC'd so the database's administrator cannot rewrite
    /// them unnoticed; every kaohe process writing to the database needs it.
    #[arg(long, env = "KAOHE_AUDIT_KEY_FILE", value_name = "PATH")]
    pub audit_key_file: Option<PathBuf>,
    /// SQLite only: `full` (default) puts every commit on disk before it is reported;
    /// `normal` syncs the log only at checkpoints — faster writes, and the database stays
    /// consistent, but the last commits before a power cut or OS crash may be lost.
    #[arg(
        long,
        env = "KAOHE_SQLITE_SYNCHRONOUS",
        value_enum,
        default_value = "full"
    )]
    pub sqlite_synchronous: SqliteSynchronous,
}

/// SQLite's `PRAGMA synchronous` (see `--sqlite-synchronous`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SqliteSynchronous {
    #[default]
    Full,
    Normal,
}

impl SqliteSynchronous {
    pub fn options(self) -> ConnectOptions {
        ConnectOptions {
            sqlite_sync: match self {
                SqliteSynchronous::Full => SqliteSync::Full,
                SqliteSynchronous::Normal => SqliteSync::Normal,
            },
        }
    }
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// Add a user. The password is read from stdin (one line) or KAOHE_PASSWORD.
    Add {
        username: String,
        /// employee, rater, clerk, reviewer, approver, hr_admin (repeat for several); limit a
        /// role to one department with ROLE@DEPARTMENT (its code or name), e.g.
        /// `clerk@行政部`, `reviewer@KF`.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The employee number this user is.
        #[arg(long)]
        employee: Option<String>,
        /// The user's language: zh-CN (default) or en.
        #[arg(long = "ui-lang", default_value = "zh-CN")]
        ui_lang: String,
    },
    /// Give a user a role, for every department or (ROLE@DEPARTMENT) for one: e.g.
    /// `kaohe user grant fuhe reviewer@客服部`. Audited.
    Grant { username: String, role: String },
    /// Take a role from a user (ROLE@DEPARTMENT takes only that department's). Audited.
    Revoke { username: String, role: String },
    /// A user's roles.
    Show { username: String },
    /// Print a new one-time sign-in code for a user (valid 7 days; its first sign-in at
    /// /login/code sets the password). The old password and every session stop working.
    /// Audited.
    Code { username: String },
    /// Disable a user: no sign-in, every session ends. Audited.
    Disable { username: String },
    /// Enable a disabled user again. Audited.
    Enable { username: String },
}

#[derive(Subcommand)]
pub enum OrgCmd {
    /// Import departments (a tree), positions and employees from CSV or .xlsx
    /// (工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人,岗位,直接上级工号 — the
    /// export's columns): all rows or none.
    Import { file: PathBuf },
    /// Export the department tree and every active employee to FILE (.xlsx or .csv, by its
    /// extension) in the import's format: importing it back changes nothing.
    Export { file: PathBuf },
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Check the audit log's chain (MACs with KAOHE_AUDIT_KEY) and its checkpoints: exit 1
    /// if an entry was changed or entries up to a checkpoint were deleted, 3 if nothing was
    /// found but some entries were MAC'd with a key not given (they cannot be checked).
    Verify,
    /// Store a MAC'd checkpoint of the log's head now (needs an audit key).
    Checkpoint,
    /// The latest entries, newest first: time, actor (「lisi 代 wangwu」 for a delegate acting
    /// for their principal), action, entity, old → new, reason.
    Show {
        /// Only this user's (also as a delegate, and what was done on their behalf).
        #[arg(long)]
        actor: Option<String>,
        /// Only this kind of entity (appraisal, cycle, delegation, task, …).
        #[arg(long)]
        entity: Option<String>,
        /// Only this entity id.
        #[arg(long)]
        entity_id: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

/// Connect and migrate.
pub async fn open(db: &DbArgs) -> Result<Db> {
    let mut store = connect_with(&db.database_url, db.sqlite_synchronous.options())
        .await
        .with_context(|| format!("无法打开数据库 / cannot open {}", db.database_url))?;
    store.migrate().await?;
    let keys = AuditKeys::from_env(db.audit_key_file.as_deref())
        .map_err(|e| anyhow::anyhow!("审计密钥 / audit key: {e}"))?;
    store.set_audit_keys(keys);
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

/// A role as written on the command line: `ROLE` or `ROLE@DEPARTMENT` (code or name).
fn parse_grant(spec: &str, depts: &[Department]) -> Result<Grant> {
    let (role, dept) = match spec.split_once('@') {
        Some((r, d)) => (r.trim(), Some(d.trim())),
        None => (spec.trim(), None),
    };
    let Some(role) = Role::parse(role) else {
        bail!(
            "未知角色 `{role}` / unknown role `{role}`: employee, rater, clerk, reviewer, approver, hr_admin"
        );
    };
    let department_id = match dept {
        None => None,
        Some(d) => match depts.iter().find(|x| x.code == d || x.name == d) {
            Some(x) => Some(x.id),
            None => bail!(
                "没有部门 `{d}`（可用：{}）/ no department `{d}`",
                depts
                    .iter()
                    .map(|x| format!("{} {}", x.code, x.name))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        },
    };
    Ok(Grant {
        role,
        department_id,
    })
}

/// A grant as people read it: `reviewer@客服部`.
fn show_grant(g: &Grant, depts: &[Department]) -> String {
    match g
        .department_id
        .and_then(|d| depts.iter().find(|x| x.id == d))
    {
        Some(d) => format!("{}@{}", g.role.as_str(), d.name),
        None => g.role.as_str().to_string(),
    }
}

/// `kaohe user add|grant|revoke|show`.
pub fn user(db: &DbArgs, cmd: &UserCmd) -> Result<ExitCode> {
    match cmd {
        UserCmd::Add {
            username,
            roles,
            employee,
            ui_lang,
        } => user_add(db, username, roles, employee, ui_lang),
        UserCmd::Show { username } => user_grants(db, username, None),
        UserCmd::Grant { username, role } => user_grants(db, username, Some((role, true))),
        UserCmd::Revoke { username, role } => user_grants(db, username, Some((role, false))),
        UserCmd::Code { username } => runtime()?.block_on(async {
            let store = open(db).await?;
            let code = store.reset_code("cli", username).await?;
            crate::outln!("{username}: {code}");
            crate::outln!(
                "请把登录码交给本人（{} 天内有效，只能用一次；在 /login/code 设置密码）/ hand the code to its owner (valid {} days, once; they set a password at /login/code)",
                kaohe_store::CODE_DAYS,
                kaohe_store::CODE_DAYS
            );
            Ok(ExitCode::SUCCESS)
        }),
        UserCmd::Disable { username } | UserCmd::Enable { username } => {
            let disable = matches!(cmd, UserCmd::Disable { .. });
            runtime()?.block_on(async {
                let store = open(db).await?;
                let u = store.set_disabled("cli", username, disable).await?;
                let state = if u.disabled {
                    "已停用 / disabled"
                } else {
                    "已启用 / enabled"
                };
                crate::outln!("{}: {state}", u.username);
                Ok(ExitCode::SUCCESS)
            })
        }
    }
}

/// Show a user's grants, after giving (`true`) or taking (`false`) one.
fn user_grants(db: &DbArgs, username: &str, change: Option<(&String, bool)>) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(db).await?;
        let depts = store.departments().await?;
        let Some(mut u) = store.user_by_name(username).await? else {
            bail!("用户 `{username}` 不存在 / no user `{username}`");
        };
        if let Some((role, give)) = change {
            let g = parse_grant(role, &depts)?;
            let mut grants = u.grants.clone();
            if give {
                if !grants.contains(&g) {
                    grants.push(g);
                }
            } else {
                let before = grants.len();
                grants.retain(|x| x != &g);
                if grants.len() == before {
                    let shown = show_grant(&g, &depts);
                    bail!("用户 `{username}` 没有角色 `{shown}` / `{username}` does not hold `{shown}`");
                }
            }
            u = store.set_grants("cli", username, &grants).await?;
        }
        let gs: Vec<String> = u.grants.iter().map(|g| show_grant(g, &depts)).collect();
        crate::outln!("{}: {}", u.username, gs.join(", "));
        Ok(ExitCode::SUCCESS)
    })
}

/// `kaohe user add`.
fn user_add(
    db: &DbArgs,
    username: &str,
    roles: &[String],
    employee: &Option<String>,
    ui_lang: &str,
) -> Result<ExitCode> {
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
        let depts = store.departments().await?;
        let grants = roles
            .iter()
            .map(|r| parse_grant(r, &depts))
            .collect::<Result<Vec<_>>>()?;
        let u = store
            .create_user(
                "cli",
                &NewUser {
                    username: username.to_string(),
                    password,
                    emp_no: employee.clone(),
                    grants,
                    lang: ui_lang.to_string(),
                },
            )
            .await?;
        crate::outln!("已添加用户 / added user `{}` (id {})", u.username, u.id);
        Ok(ExitCode::SUCCESS)
    })
}

/// Read an organisation file (CSV, or .xlsx by its contents) into rows, naming the file in
/// any error.
pub fn read_org_file(path: &std::path::Path) -> Result<Vec<OrgRow>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("无法读取 / cannot read {}", path.display()))?;
    kaohe_server::office::org_rows(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `kaohe org export FILE`.
fn org_export(db: &DbArgs, file: &std::path::Path) -> Result<ExitCode> {
    let xlsx = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let rows = runtime()?.block_on(async {
        open(db)
            .await?
            .org_export()
            .await
            .map_err(anyhow::Error::from)
    })?;
    let bytes = if xlsx {
        kaohe_server::office::org_xlsx(&rows)?
    } else {
        kaohe_store::org_csv(&rows)
    };
    std::fs::write(file, bytes)
        .with_context(|| format!("无法写入 / cannot write {}", file.display()))?;
    crate::outln!(
        "已导出 / exported {} 行 rows → {}",
        rows.len(),
        file.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `kaohe org import` and `kaohe org export`.
pub fn org(db: &DbArgs, cmd: &OrgCmd) -> Result<ExitCode> {
    let file = match cmd {
        OrgCmd::Import { file } => file,
        OrgCmd::Export { file } => return org_export(db, file),
    };
    let rows = read_org_file(file)?;
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

/// `kaohe audit verify` and `kaohe audit checkpoint`.
pub fn audit(db: &DbArgs, cmd: &AuditCmd) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(db).await?;
        match cmd {
            AuditCmd::Show {
                actor,
                entity,
                entity_id,
                limit,
            } => {
                let list = store
                    .audit_search(&kaohe_store::AuditQuery {
                        actor: actor.clone(),
                        entity: entity.clone(),
                        entity_id: entity_id.clone(),
                        page: kaohe_store::Page {
                            offset: 0,
                            limit: *limit,
                        },
                        ..Default::default()
                    })
                    .await?;
                for e in list {
                    crate::outln!(
                        "{}  {}  {}  {}#{}  {} → {}{}",
                        e.at,
                        e.actor,
                        e.action,
                        e.entity,
                        e.entity_id,
                        e.old_value.as_deref().unwrap_or("-"),
                        e.new_value.as_deref().unwrap_or("-"),
                        e.reason.map(|r| format!("  ({r})")).unwrap_or_default()
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            AuditCmd::Verify => {
                let report = store.audit_report().await?;
                crate::outln!("{report}");
                Ok(match report.check {
                    AuditCheck::Intact { .. } if report.fully_checked() => ExitCode::SUCCESS,
                    // Intact as far as the keys given can tell.
                    AuditCheck::Intact { .. } => ExitCode::from(3),
                    _ => ExitCode::from(1),
                })
            }
            AuditCmd::Checkpoint => {
                if std::env::var_os("KAOHE_AUDIT_KEY").is_none() && db.audit_key_file.is_none() {
                    bail!(
                        "检查点需要审计密钥: 请设置 KAOHE_AUDIT_KEY 或 --audit-key-file / a checkpoint needs an audit key: set KAOHE_AUDIT_KEY or --audit-key-file"
                    );
                }
                match store.audit_checkpoint().await? {
                    Some(cp) => crate::outln!(
                        "检查点 {} : 至第 {} 条记录 ({} 条) / checkpoint {} at entry {} ({} entries), hash {}",
                        cp.id,
                        cp.last_id,
                        cp.count,
                        cp.id,
                        cp.last_id,
                        cp.count,
                        cp.last_hash
                    ),
                    None => crate::outln!(
                        "无需新检查点: 日志为空或最新检查点已在末尾 / no new checkpoint: the log is empty or the latest checkpoint is at its head"
                    ),
                }
                Ok(ExitCode::SUCCESS)
            }
        }
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
        let s = open(db).await?;
        match s.backend() {
            Backend::Sqlite => {
                s.backup(&file.display().to_string()).await?;
                crate::outln!("已备份到 / backed up to {}", file.display());
                Ok(ExitCode::SUCCESS)
            }
            Backend::Postgres => {
                bail!("PostgreSQL 请用 pg_dump 备份 / back up PostgreSQL with pg_dump")
            }
        }
    })
}
