//! What the store keeps, as plain types, and the rules they follow before storage.

use sha2::{Digest, Sha256};
use std::fmt;

/// A department: a line department appraised on the sheets, or a functional one that
/// supplies data and assesses (行政部, 财务部, 人事部, 市场部 …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: DeptKind,
    /// The department above it in the tree (none: top level).
    pub parent_id: Option<i64>,
    /// The unit kind (总行, 分行, 支行, 部门, 团队), if given.
    pub unit: Option<crate::org::Unit>,
    /// The head (负责人): (工号, 姓名).
    pub head: Option<(String, String)>,
}

/// Line or functional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeptKind {
    /// A business department whose staff are appraised.
    Line,
    /// A department that supplies data and assesses (行政部, 财务部 …).
    Functional,
}

impl DeptKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            DeptKind::Line => "line",
            DeptKind::Functional => "functional",
        }
    }
    /// From storage or an import file (`line`/`业务`, `functional`/`职能`).
    pub fn parse(s: &str) -> Option<DeptKind> {
        match s.trim() {
            "line" | "业务" | "业务部门" | "" => Some(DeptKind::Line),
            "functional" | "职能" | "职能部门" => Some(DeptKind::Functional),
            _ => None,
        }
    }
}

/// A department to add.
#[derive(Debug, Clone)]
pub struct NewDepartment {
    pub code: String,
    pub name: String,
    pub kind: DeptKind,
}

/// An employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    pub id: i64,
    pub emp_no: String,
    pub name: String,
    pub department_id: i64,
    pub position_id: Option<i64>,
    pub supervisor_id: Option<i64>,
    pub active: bool,
}

/// One row of an organisation import (the columns of [`crate::ORG_HEADERS`]).
#[derive(Debug, Clone, Default)]
pub struct OrgRow {
    /// Line in the file, for errors.
    pub line: usize,
    pub emp_no: String,
    pub name: String,
    pub dept_code: String,
    pub dept_name: String,
    pub dept_kind: String,
    pub position: String,
    pub supervisor_emp_no: String,
    /// 上级部门: the parent department's code or name (empty: keep the stored one; a new
    /// department without one is top level).
    pub parent: String,
    /// 负责人: the department head's 工号 (empty: keep the stored one).
    pub head_emp_no: String,
    /// 单位层级: 总行, 分行, 支行, 部门 or 团队 (empty: keep the stored one).
    pub unit: String,
    /// 岗位类型: 主岗 (main, also empty) or 兼岗 (a second post); `None` when the file has no
    /// such column (its employees' second posts are then kept as they are).
    pub post_kind: Option<String>,
    /// 生效日期: when a move (or a new second post) takes effect, `2026-11-15` (empty: today).
    pub effective: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub departments_added: usize,
    pub positions_added: usize,
    pub employees_added: usize,
    pub employees_updated: usize,
}

/// A page of a list.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

impl Default for Page {
    fn default() -> Self {
        Page {
            offset: 0,
            limit: 100,
        }
    }
}

/// What a user may do. Roles may be limited to one department (a clerk of 行政部).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sees and signs their own appraisals.
    Employee,
    /// Scores the appraisals assigned to them (supervisor, interviewer).
    Rater,
    /// Enters the data of their department.
    Clerk,
    /// Reviews (复核).
    Reviewer,
    /// Approves (审批).
    Approver,
    /// HR administrator: everything.
    HrAdmin,
}

impl Role {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Rater => "rater",
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::HrAdmin => "hr_admin",
        }
    }
    /// From storage or the command line.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "employee" => Role::Employee,
            "rater" => Role::Rater,
            "clerk" => Role::Clerk,
            "reviewer" => Role::Reviewer,
            "approver" => Role::Approver,
            "hr_admin" | "hr" | "admin" => Role::HrAdmin,
            _ => return None,
        })
    }
}

/// A role, possibly limited to a department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub department_id: Option<i64>,
}

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    /// The employee this user is, if any.
    pub emp_no: Option<String>,
    pub grants: Vec<Grant>,
    /// `zh-CN` or `en`.
    pub lang: String,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub employee_id: Option<i64>,
    pub lang: String,
    /// The grants as given (and as the users page and `kaohe user grant` show them).
    pub grants: Vec<Grant>,
    /// The grants as they apply: a grant for a department once for every department of its
    /// subtree (the store resolves it when it loads the user, so every check and every list
    /// follows the tree); an unscoped grant as it is. A user built by hand copies `grants`.
    pub reach: Vec<Grant>,
    /// Disabled by HR: cannot sign in.
    pub disabled: bool,
    /// Holds a one-time sign-in code, not yet used to set a password.
    pub code_pending: bool,
}

impl User {
    /// Does the user hold `role` (anywhere)?
    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }
}

/// A stored version of a form template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateVersion {
    pub id: i64,
    pub form_id: String,
    pub version: i64,
    pub title: String,
    pub source: String,
    pub created_by: String,
    pub created_at: String,
}

/// An audit entry to append.
#[derive(Debug, Clone, Default)]
pub struct NewAudit {
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
}

/// An audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of the empty chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The bytes an entry's hash (or MAC) covers: the previous hash and every field, each
/// preceded by its length, so the joining is unambiguous.
pub fn audit_message(prev: &str, at: &str, e: &NewAudit) -> Vec<u8> {
    let mut m = Vec::new();
    for part in [
        prev,
        at,
        &e.actor,
        &e.action,
        &e.entity,
        &e.entity_id,
        e.old_value.as_deref().unwrap_or("\u{0}"),
        e.new_value.as_deref().unwrap_or("\u{0}"),
        e.reason.as_deref().unwrap_or("\u{0}"),
    ] {
        m.extend((part.len() as u64).to_le_bytes());
        m.extend(part.as_bytes());
    }
    m
}

/// The hash of an entry written without an audit key: plain SHA-256 over
/// [`audit_message`]. Anyone who can write the database can recompute it; see
/// [`crate::audit_mac`] for entries written with a key.
pub fn audit_hash(prev: &str, at: &str, e: &NewAudit) -> String {
    hex::encode(Sha256::digest(audit_message(prev, at, e)))
}

/// The outcome of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditCheck {
    /// Every entry's hash (or MAC) is right and links to the one before, and every
    /// checkpoint holds.
    Intact { entries: i64 },
    /// The first entry whose hash, MAC or link is wrong.
    Broken { id: i64, reason: String },
    /// A checkpoint whose MAC is wrong (forged or altered).
    BadCheckpoint { id: i64 },
    /// Entries up to a checkpoint were deleted: checkpoint `checkpoint` was taken at entry
    /// `at_entry` (with `count` entries) but the log ends at `ends_at` with `entries`.
    Truncated {
        checkpoint: i64,
        at_entry: i64,
        count: i64,
        ends_at: i64,
        entries: i64,
    },
}

impl AuditCheck {
    /// Intact.
    pub fn is_intact(&self) -> bool {
        matches!(self, AuditCheck::Intact { .. })
    }
}

impl fmt::Display for AuditCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditCheck::Intact { entries } => {
                write!(
                    f,
                    "审计日志完整: {entries} 条记录 / audit log intact: {entries} entries"
                )
            }
            AuditCheck::Broken { id, reason } => write!(
                f,
                "审计日志在第 {id} 条记录处被改动 ({reason}) / audit log tampered with at entry {id} ({reason})"
            ),
            AuditCheck::BadCheckpoint { id } => write!(
                f,
                "检查点 {id} 的 MAC 不符: 被伪造或改动 / checkpoint {id} does not match its MAC: forged or altered"
            ),
            AuditCheck::Truncated {
                checkpoint,
                at_entry,
                count,
                ends_at,
                entries,
            } => write!(
                f,
                "审计日志被截断: 检查点 {checkpoint} 在第 {at_entry} 条 ({count} 条记录), 但日志止于第 {ends_at} 条 ({entries} 条) / \
                 truncated: checkpoint {checkpoint} at entry {at_entry} ({count} entries) but the log ends at {ends_at} ({entries} entries)"
            ),
        }
    }
}

/// Now, as stored: RFC 3339 UTC with microseconds, so text order is time order.
pub fn now() -> String {
    stamp(time::OffsetDateTime::now_utc())
}

/// A time as stored.
pub fn stamp(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

/// Hash a password with argon2id.
pub fn hash_password(password: &str) -> Result<String, crate::StoreError> {
    use argon2::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| crate::StoreError::Invalid {
            field: "password".into(),
            message: crate::Text::same(e.to_string()),
        })
}

/// Check a password against its stored argon2 hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    use argon2::PasswordVerifier;
    let Ok(hash) = argon2::PasswordHash::new(stored) else {
        return false;
    };
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
}

/// A fresh random session token (hex of 32 bytes) and the hash stored for it.
pub fn new_token() -> Result<(String, String), crate::StoreError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| crate::StoreError::Invalid {
        field: "token".into(),
        message: crate::Text::same(e.to_string()),
    })?;
    let token = hex::encode(b);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// What is stored for a session token: a stolen database cannot be replayed as sessions.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An organisation CSV (the columns of [`crate::ORG_HEADERS`], or the English names) into
/// rows. The error says what the header lacks, or which line is malformed.
pub fn parse_org_csv(text: &str) -> Result<Vec<OrgRow>, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("表头无法读取 / cannot read the header: {e}"))?
        .iter()
        .map(|h| h.to_string())
        .collect();
    let mut records = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| format!("CSV 格式错误 / malformed CSV: {e}"))?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        records.push((line, rec.iter().map(str::to_string).collect()));
    }
    crate::org::org_rows(&headers, records)
}

/// An employee as the organisation page lists them: with position and supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgEmployee {
    pub id: i64,
    pub emp_no: String,
    pub name: String,
    pub department_id: i64,
    pub position: Option<String>,
    pub supervisor_emp_no: Option<String>,
    pub supervisor_name: Option<String>,
    pub active: bool,
    /// The second posts (兼岗) in force today, as the people search gives them (the export
    /// writes second posts as rows of their own).
    pub second_posts: Vec<SecondPost>,
}

/// A second post (兼岗) as the organisation page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SecondPost {
    pub department: String,
    pub position: Option<String>,
}

/// A page of an employee search, and how many employees match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeSearch {
    pub employees: Vec<OrgEmployee>,
    pub total: i64,
}
