//! The organisation file: one format for import and export (.csv here, .xlsx through
//! kaohe-office), the tree's unit kinds, and the tree in reading order.
//!
//! A file has one row per employee, and the department's columns repeated on each; a row
//! whose 工号 and 姓名 are both empty only describes a department (one without employees of
//! its own, such as a 分行 above its 支行). The columns, in export order:
//!
//! | column | meaning |
//! | --- | --- |
//! | 工号 | employee number (empty on a department-only row) |
//! | 姓名 | name |
//! | 部门编码 | department code |
//! | 部门名称 | department name |
//! | 部门类型 | 业务 (line) or 职能 (functional) |
//! | 单位层级 | 总行, 分行, 支行, 部门 or 团队 (may be empty) |
//! | 上级部门 | the parent department's code (or its name); empty: top level |
//! | 负责人 | the department head's 工号 |
//! | 岗位 | position |
//! | 直接上级工号 | the direct supervisor's 工号 |
//! | 岗位类型 | 主岗 (main post; empty too) or 兼岗 (a second post: the 工号 repeated) |
//! | 生效日期 | when a move or a new 兼岗 takes effect (`2026-11-15`; empty: today) |
//!
//! The English names (`emp_no`, `name`, `dept_code`, `dept_name`, `dept_kind`, `unit`,
//! `parent`, `head`, `position`, `supervisor`, `post_kind`, `effective_date`) are read too;
//! only 工号 and 姓名 and one of 部门编码/部门名称 are required.
//!
//! Posts are effective-dated (`employee_posts`): a move closes the open main post the day
//! before 生效日期 and opens the new one from it, so a cycle places each person by the posts
//! in force on its period's last day. A file with the 岗位类型 column lists every 兼岗 of its
//! employees (one missing is ended); a file without it keeps them.

use crate::model::{Department, DeptKind, OrgEmployee, OrgRow};
use std::collections::{BTreeMap, HashMap};

/// The header an export writes (and an import reads), in order.
pub const ORG_HEADERS: [&str; 12] = [
    "工号",
    "姓名",
    "部门编码",
    "部门名称",
    "部门类型",
    "单位层级",
    "上级部门",
    "负责人",
    "岗位",
    "直接上级工号",
    "岗位类型",
    "生效日期",
];

/// Column names accepted for each field of an organisation import.
const ORG_COLUMNS: [(&str, &[&str]); 12] = [
    ("emp_no", &["工号", "员工编号", "emp_no", "id"]),
    ("name", &["姓名", "name"]),
    ("dept_code", &["部门编码", "dept_code", "部门代码"]),
    (
        "dept_name",
        &["部门名称", "部门", "dept_name", "department"],
    ),
    ("dept_kind", &["部门类型", "dept_kind", "kind"]),
    ("unit", &["单位层级", "层级", "unit"]),
    (
        "parent",
        &["上级部门", "上级部门编码", "parent", "parent_dept"],
    ),
    (
        "head",
        &["负责人", "部门负责人", "负责人工号", "head", "head_emp_no"],
    ),
    ("position", &["岗位", "职位", "position"]),
    (
        "supervisor",
        &[
            "直接上级工号",
            "上级工号",
            "supervisor",
            "supervisor_emp_no",
        ],
    ),
    ("post_kind", &["岗位类型", "任职类型", "post_kind", "post"]),
    (
        "effective",
        &["生效日期", "生效日", "effective_date", "effective"],
    ),
];

/// A table (header cells, then (line, cells) records) into organisation rows: the same
/// columns whether it came from a CSV or a sheet. Rows with every cell empty are left out.
pub fn org_rows(
    headers: &[String],
    records: impl IntoIterator<Item = (usize, Vec<String>)>,
) -> Result<Vec<OrgRow>, String> {
    let headers: Vec<String> = headers
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let col = |field: &str| -> Option<usize> {
        let names = ORG_COLUMNS.iter().find(|(f, _)| *f == field)?.1;
        headers.iter().position(|h| names.contains(&h.as_str()))
    };
    let (Some(no), Some(name)) = (col("emp_no"), col("name")) else {
        return Err(format!(
            "表头需要「工号」和「姓名」列 / the header needs 工号 (emp_no) and 姓名 (name); found: {}",
            headers.join(",")
        ));
    };
    let Some(dept) = col("dept_code").or(col("dept_name")) else {
        return Err("表头需要「部门编码」或「部门名称」列 / the header needs 部门编码 (dept_code) or 部门名称 (dept_name)".into());
    };
    let mut rows = Vec::new();
    for (line, rec) in records {
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map_or("", |c| c.trim());
        rows.push(OrgRow {
            line,
            emp_no: strip_guard(get(Some(no))),
            name: strip_guard(get(Some(name))),
            dept_code: strip_guard(get(Some(dept))),
            dept_name: strip_guard(get(col("dept_name"))),
            dept_kind: get(col("dept_kind")).to_string(),
            position: strip_guard(get(col("position"))),
            supervisor_emp_no: strip_guard(get(col("supervisor"))),
            parent: strip_guard(get(col("parent"))),
            head_emp_no: strip_guard(get(col("head"))),
            unit: get(col("unit")).to_string(),
            post_kind: col("post_kind").map(|i| get(Some(i)).to_string()),
            effective: get(col("effective")).to_string(),
        });
    }
    Ok(rows)
}

/// The `'` an export puts before text that a spreadsheet would run as a formula, taken off
/// again so an export imports back unchanged.
fn strip_guard(s: &str) -> String {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => s.to_string(),
    }
}

/// What a spreadsheet must not run as a formula gets a leading `'`.
fn guard(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A unit kind in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    /// 总行.
    HeadOffice,
    /// 分行.
    Branch,
    /// 支行.
    SubBranch,
    /// 部门.
    Department,
    /// 团队.
    Team,
}

impl Unit {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::HeadOffice => "head_office",
            Unit::Branch => "branch",
            Unit::SubBranch => "sub_branch",
            Unit::Department => "department",
            Unit::Team => "team",
        }
    }
    /// As a file and the pages write it.
    pub fn zh(self) -> &'static str {
        match self {
            Unit::HeadOffice => "总行",
            Unit::Branch => "分行",
            Unit::SubBranch => "支行",
            Unit::Department => "部门",
            Unit::Team => "团队",
        }
    }
    /// From storage or a file (the Chinese or the stored name).
    pub fn parse(s: &str) -> Option<Unit> {
        Some(match s.trim() {
            "head_office" | "总行" => Unit::HeadOffice,
            "branch" | "分行" => Unit::Branch,
            "sub_branch" | "支行" => Unit::SubBranch,
            "department" | "部门" => Unit::Department,
            "team" | "团队" => Unit::Team,
            _ => return None,
        })
    }
}

/// The departments in reading order: each after its parent, siblings by code, with its
/// depth (0: top level). A department whose parent is unknown counts as top level.
pub fn tree_order(depts: &[Department]) -> Vec<(usize, &Department)> {
    let ids: std::collections::HashSet<i64> = depts.iter().map(|d| d.id).collect();
    let mut children: BTreeMap<Option<i64>, Vec<&Department>> = BTreeMap::new();
    for d in depts {
        let p = d.parent_id.filter(|p| ids.contains(p) && *p != d.id);
        children.entry(p).or_default().push(d);
    }
    for v in children.values_mut() {
        v.sort_by(|a, b| a.code.cmp(&b.code));
    }
    let mut out = Vec::with_capacity(depts.len());
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<(usize, &Department)> = children
        .get(&None)
        .map(|v| v.iter().rev().map(|d| (0, *d)).collect())
        .unwrap_or_default();
    while let Some((depth, d)) = stack.pop() {
        if !seen.insert(d.id) {
            continue;
        }
        out.push((depth, d));
        if let Some(kids) = children.get(&Some(d.id)) {
            stack.extend(kids.iter().rev().map(|k| (depth + 1, *k)));
        }
    }
    // Anything left (a loop stored by other means) still shows, at the top.
    for d in depts {
        if !seen.contains(&d.id) {
            out.push((0, d));
        }
    }
    out
}

/// The organisation as rows of the file: departments in [`tree_order`], each department's
/// active employees by 工号 — their main posts (`employees`, 岗位类型 主岗) and the open second
/// posts held there (`seconds`, 兼岗) — and a department-only row for a department with none.
/// 生效日期 stays empty: an export edited and imported back moves people from the day of the
/// import unless a date is written in.
pub fn export_rows(
    depts: &[Department],
    employees: &[OrgEmployee],
    seconds: &[OrgEmployee],
) -> Vec<OrgRow> {
    let code: HashMap<i64, &str> = depts.iter().map(|d| (d.id, d.code.as_str())).collect();
    let mut by_dept: HashMap<i64, Vec<(&OrgEmployee, PostKind)>> = HashMap::new();
    for e in employees.iter().filter(|e| e.active) {
        by_dept
            .entry(e.department_id)
            .or_default()
            .push((e, PostKind::Main));
    }
    for e in seconds.iter().filter(|e| e.active) {
        by_dept
            .entry(e.department_id)
            .or_default()
            .push((e, PostKind::Second));
    }
    let mut out = Vec::new();
    for (_, d) in tree_order(depts) {
        let dept_row = |emp_no: &str, name: &str, pos: &str, sup: &str, kind: &str| OrgRow {
            line: 0,
            emp_no: emp_no.to_string(),
            name: name.to_string(),
            dept_code: d.code.clone(),
            dept_name: d.name.clone(),
            dept_kind: match d.kind {
                DeptKind::Line => "业务".into(),
                DeptKind::Functional => "职能".into(),
            },
            unit: d.unit.map(|u| u.zh().to_string()).unwrap_or_default(),
            parent: d
                .parent_id
                .and_then(|p| code.get(&p))
                .map(|c| c.to_string())
                .unwrap_or_default(),
            head_emp_no: d.head.as_ref().map(|h| h.0.clone()).unwrap_or_default(),
            position: pos.to_string(),
            supervisor_emp_no: sup.to_string(),
            post_kind: Some(kind.to_string()),
            effective: String::new(),
        };
        match by_dept.get_mut(&d.id) {
            Some(es) => {
                es.sort_by(|a, b| {
                    (&a.0.emp_no, a.1, &a.0.position).cmp(&(&b.0.emp_no, b.1, &b.0.position))
                });
                for (e, kind) in es.iter() {
                    out.push(dept_row(
                        &e.emp_no,
                        &e.name,
                        e.position.as_deref().unwrap_or(""),
                        e.supervisor_emp_no.as_deref().unwrap_or(""),
                        kind.zh(),
                    ));
                }
            }
            None => out.push(dept_row("", "", "", "", "")),
        }
    }
    out
}

/// A post an employee holds or held (`employee_posts`), as [`crate::Store::posts`] gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub kind: PostKind,
    pub department_id: i64,
    /// The department's code.
    pub department: String,
    /// The position's code.
    pub position: Option<String>,
    pub supervisor_emp_no: Option<String>,
    /// First day in force (`None`: since always).
    pub from: Option<String>,
    /// Last day in force (`None`: open).
    pub to: Option<String>,
}

/// A post's kind: the main post (主岗, one per employee, the one `employees` holds) or a
/// second post (兼岗).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PostKind {
    Main,
    Second,
}

impl PostKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Main => "main",
            PostKind::Second => "second",
        }
    }
    /// As a file writes it.
    pub fn zh(self) -> &'static str {
        match self {
            PostKind::Main => "主岗",
            PostKind::Second => "兼岗",
        }
    }
    /// From a file (empty: the main post) or storage.
    pub fn parse(s: &str) -> Option<PostKind> {
        Some(match s.trim() {
            "" | "主岗" | "主" | "main" | "Main" | "MAIN" => PostKind::Main,
            "兼岗" | "兼" | "兼职" | "second" | "Second" | "SECOND" => PostKind::Second,
            _ => return None,
        })
    }
}

/// A date as a file may give it: `2026-11-15`, `2026/11/15`, `2026.11.15`, `2026年11月15日`,
/// or a date cell as the office reader writes it (`2026-11-15 00:00:00`, `2026-11-15T00:00:00`).
pub fn parse_date(s: &str) -> Option<time::Date> {
    let s = s.trim();
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    let s = s.strip_suffix('日').unwrap_or(s);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts[..] else {
        return None;
    };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: u8 = m.parse().ok()?;
    let d: u8 = d.parse().ok()?;
    time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

/// A date as stored (`2026-11-15`).
pub fn date_text(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl OrgRow {
    /// The row's cells in the order of [`ORG_HEADERS`], guarded against formulas.
    pub fn cells(&self) -> [String; 12] {
        [
            guard(&self.emp_no),
            guard(&self.name),
            guard(&self.dept_code),
            guard(&self.dept_name),
            self.dept_kind.clone(),
            self.unit.clone(),
            guard(&self.parent),
            guard(&self.head_emp_no),
            guard(&self.position),
            guard(&self.supervisor_emp_no),
            self.post_kind.clone().unwrap_or_default(),
            guard(&self.effective),
        ]
    }
}

/// Rows as a CSV file: UTF-8 with BOM (Excel opens it as UTF-8), CRLF line ends, the header
/// [`ORG_HEADERS`].
pub fn org_csv(rows: &[OrgRow]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let err = "writing to memory cannot fail";
        w.write_record(ORG_HEADERS).expect(err);
        for r in rows {
            w.write_record(r.cells()).expect(err);
        }
        w.flush().expect(err);
    }
    out
}

const PARENT: &str = "上级部门 parent";
const HEAD: &str = "负责人 head";
const UNIT: &str = "单位层级 unit";

/// What an import sets of a department's place in the tree: each `None` where every row of
/// the department leaves the column empty (the stored value stays).
#[derive(Debug, Default)]
pub(crate) struct TreeFacts {
    /// The parent's code, resolved from a code or a name.
    parent: Option<String>,
    /// The head's 工号.
    head: Option<String>,
    unit: Option<Unit>,
}

/// Department code → what the file sets of it.
pub(crate) type TreePlan = BTreeMap<String, TreeFacts>;

/// A problem of an import: (line, column, message).
type Problem = (usize, String, crate::Text);

/// Check the tree columns of an import against each other and the stored organisation:
/// a unit kind that is not one, a department given two parents (or heads, or kinds), a
/// parent that is no department, a head who is no employee (`in_file`: the file's 工号s),
/// and a loop (A → B → A). Each problem names its line and column.
pub(crate) async fn check_tree(
    c: &mut sqlx::AnyConnection,
    rows: &[OrgRow],
    in_file: &HashMap<&str, usize>,
    problems: &mut Vec<Problem>,
) -> crate::Result<TreePlan> {
    use sqlx::Row;
    let stored: Vec<(String, String, Option<String>)> = sqlx::query(
        "SELECT d.code, d.name, p.code AS parent FROM departments d LEFT JOIN departments p ON p.id = d.parent_id",
    )
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| (r.get("code"), r.get("name"), r.get("parent")))
    .collect();
    // The first value of each column for each department, with its line.
    #[derive(Default)]
    struct Given<'a> {
        /// Every parent given, with its line (a code and a name may name the same one).
        parents: Vec<(&'a str, usize)>,
        head: Option<(&'a str, usize)>,
        unit: Option<(Unit, usize)>,
    }
    let mut given: BTreeMap<&str, Given> = BTreeMap::new();
    let mut names: HashMap<&str, std::collections::BTreeSet<&str>> = HashMap::new();
    for (code, name, _) in &stored {
        names
            .entry(name.as_str())
            .or_default()
            .insert(code.as_str());
    }
    for r in rows {
        let code = r.dept_code.trim();
        if code.is_empty() {
            continue;
        }
        let name = match r.dept_name.trim() {
            "" => code,
            n => n,
        };
        names.entry(name).or_default().insert(code);
        let g = given.entry(code).or_default();
        let differs =
            |value: &str, first: usize| text!("org-dept-differs", value = value, first = first);
        if !r.unit.trim().is_empty() {
            match (Unit::parse(&r.unit), g.unit) {
                (None, _) => problems.push((
                    r.line,
                    UNIT.into(),
                    text!("org-unit", value = r.unit.trim()),
                )),
                (Some(u), Some((was, first))) if u != was => {
                    problems.push((r.line, UNIT.into(), differs(r.unit.trim(), first)))
                }
                (Some(u), None) => g.unit = Some((u, r.line)),
                _ => {}
            }
        }
        if !r.parent.trim().is_empty() {
            g.parents.push((r.parent.trim(), r.line));
        }
        let head = r.head_emp_no.trim();
        if !head.is_empty() {
            match g.head {
                Some((was, first)) if was != head => {
                    problems.push((r.line, HEAD.into(), differs(head, first)))
                }
                Some(_) => {}
                None => g.head = Some((head, r.line)),
            }
        }
    }
    let codes: std::collections::HashSet<&str> = stored
        .iter()
        .map(|(c, _, _)| c.as_str())
        .chain(given.keys().copied())
        .collect();
    let mut parent_of: HashMap<&str, &str> = stored
        .iter()
        .filter_map(|(c, _, p)| Some((c.as_str(), p.as_deref()?)))
        .collect();
    let mut plan = TreePlan::new();
    for (&code, g) in &given {
        let facts = plan.entry(code.to_string()).or_default();
        facts.unit = g.unit.map(|u| u.0);
        let mut first: Option<(&str, usize)> = None;
        for &(p, line) in &g.parents {
            let resolved = if codes.contains(p) {
                Some(p)
            } else {
                match names.get(p) {
                    Some(set) if set.len() == 1 => set.iter().next().copied(),
                    Some(_) => {
                        problems.push((
                            line,
                            PARENT.into(),
                            text!("org-ambiguous-parent", value = p),
                        ));
                        None
                    }
                    None => {
                        problems.push((
                            line,
                            PARENT.into(),
                            text!("org-unknown-parent", value = p),
                        ));
                        None
                    }
                }
            };
            match (resolved, first) {
                (Some(p), None) => first = Some((p, line)),
                (Some(p), Some((was, at))) if p != was => problems.push((
                    line,
                    PARENT.into(),
                    text!("org-dept-differs", value = p, first = at),
                )),
                _ => {}
            }
        }
        if let Some((p, _)) = first {
            parent_of.insert(code, p);
            facts.parent = Some(p.to_string());
        }
        if let Some((h, line)) = g.head {
            let known = in_file.contains_key(h)
                || sqlx::query("SELECT id FROM employees WHERE emp_no = $1")
                    .bind(h)
                    .fetch_optional(&mut *c)
                    .await?
                    .is_some();
            if known {
                facts.head = Some(h.to_string());
            } else {
                problems.push((line, HEAD.into(), text!("org-unknown-head", value = h)));
            }
        }
    }
    // A loop: walking up from a department the file places comes back to it.
    for (&code, g) in &given {
        let Some(&(_, line)) = g.parents.first() else {
            continue;
        };
        let mut path = vec![code];
        let mut cur = code;
        while let Some(&up) = parent_of.get(cur) {
            path.push(up);
            if up == code {
                problems.push((
                    line,
                    PARENT.into(),
                    text!("org-parent-loop", path = path.join(" → ")),
                ));
                break;
            }
            if path.len() > codes.len() {
                break;
            }
            cur = up;
        }
    }
    Ok(plan)
}

/// Set what the file gives of each department's place in the tree (after every department
/// and employee exists), and the audit entries of what changed, old → new.
pub(crate) async fn write_tree(
    c: &mut sqlx::AnyConnection,
    actor: &str,
    plan: &TreePlan,
) -> crate::Result<Vec<crate::NewAudit>> {
    use sqlx::Row;
    if plan
        .values()
        .all(|f| f.parent.is_none() && f.head.is_none() && f.unit.is_none())
    {
        return Ok(Vec::new());
    }
    let now: HashMap<String, (i64, String, String, String)> = sqlx::query(
        "SELECT d.id, d.code, p.code AS parent, h.emp_no AS head, d.unit FROM departments d \
         LEFT JOIN departments p ON p.id = d.parent_id LEFT JOIN employees h ON h.id = d.head_id",
    )
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| {
        let unit: Option<String> = r.get("unit");
        (
            r.get::<String, _>("code"),
            (
                r.get::<i64, _>("id"),
                r.get::<Option<String>, _>("parent").unwrap_or_default(),
                r.get::<Option<String>, _>("head").unwrap_or_default(),
                unit.as_deref()
                    .and_then(Unit::parse)
                    .map(|u| u.zh().to_string())
                    .unwrap_or_default(),
            ),
        )
    })
    .collect();
    let mut audits = Vec::new();
    for (code, f) in plan {
        let Some((id, parent, head, unit)) = now.get(code) else {
            continue;
        };
        let mut was = BTreeMap::new();
        let mut new = BTreeMap::new();
        for (key, old, set) in [
            (PARENT, parent, f.parent.clone()),
            (HEAD, head, f.head.clone()),
            (UNIT, unit, f.unit.map(|u| u.zh().to_string())),
        ] {
            if let Some(set) = set
                && &set != old
            {
                was.insert(key, old.clone());
                new.insert(key, set);
            }
        }
        if new.is_empty() {
            continue;
        }
        let parent_id: Option<i64> = f.parent.as_ref().and_then(|p| now.get(p)).map(|p| p.0);
        let head_id: Option<i64> = match &f.head {
            Some(h) => sqlx::query("SELECT id FROM employees WHERE emp_no = $1")
                .bind(h)
                .fetch_optional(&mut *c)
                .await?
                .map(|r| r.get("id")),
            None => None,
        };
        sqlx::query(
            "UPDATE departments SET parent_id = COALESCE($1, parent_id), head_id = COALESCE($2, head_id), unit = COALESCE($3, unit) WHERE id = $4",
        )
        .bind(parent_id)
        .bind(head_id)
        .bind(f.unit.map(Unit::as_str))
        .bind(*id)
        .execute(&mut *c)
        .await?;
        audits.push(crate::NewAudit {
            actor: actor.into(),
            action: "department.change".into(),
            entity: "department".into(),
            entity_id: code.clone(),
            old_value: serde_json::to_string(&was).ok(),
            new_value: serde_json::to_string(&new).ok(),
            ..Default::default()
        });
    }
    Ok(audits)
}

const KIND: &str = "岗位类型 post_kind";
const EFFECTIVE: &str = "生效日期 effective_date";
const EMP_NO: &str = "工号 emp_no";

/// A post as the import compares and audits it: department and position codes, the
/// supervisor's 工号 ("" for none).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PostFacts {
    kind: PostKind,
    dept: String,
    pos: String,
    sup: String,
    from: Option<String>,
    to: Option<String>,
}

impl PostFacts {
    fn audit_text(&self) -> Option<String> {
        let mut m = BTreeMap::new();
        m.insert(KIND, self.kind.zh().to_string());
        m.insert("部门 department", self.dept.clone());
        m.insert("岗位 position", self.pos.clone());
        m.insert("直接上级 supervisor", self.sup.clone());
        m.insert("起 from", self.from.clone().unwrap_or_default());
        m.insert("止 to", self.to.clone().unwrap_or_default());
        serde_json::to_string(&m).ok()
    }
}

/// One change of `employee_posts` an import makes (codes, resolved to ids when written).
#[derive(Debug)]
enum PostOp {
    /// A new post from `from` (`None`: since always), open-ended.
    Open { emp_no: String, post: PostFacts },
    /// The post ends on `to`.
    Close { id: i64, to: String },
    /// The post (which starts on the effective date) is corrected in place.
    Update { id: i64, post: PostFacts },
    /// The post would end before it starts: it never was in force.
    Delete { id: i64 },
}

/// What an import does to the posts, and the audit entries of it (old → new).
#[derive(Debug, Default)]
pub(crate) struct PostPlan {
    ops: Vec<PostOp>,
    audits: Vec<crate::NewAudit>,
}

/// The post kind of each row (`None` where the cell is not a kind; the problem is recorded).
pub(crate) fn row_kinds(rows: &[OrgRow], problems: &mut Vec<Problem>) -> Vec<Option<PostKind>> {
    rows.iter()
        .map(|r| {
            let s = r.post_kind.as_deref().unwrap_or("");
            let k = PostKind::parse(s);
            if k.is_none() {
                problems.push((
                    r.line,
                    KIND.into(),
                    text!("org-post-kind", value = s.trim()),
                ));
            }
            k
        })
        .collect()
}

/// Check the rows' dates and posts against the stored posts, and plan the changes: a move of
/// the main post (department, position or a given supervisor differs) closes the open one the
/// day before 生效日期 (empty: `today`) and opens the new one from it (the same day: corrected
/// in place); a new employee's first post starts on 生效日期, or has no start; a 兼岗 row opens
/// a second post unless the same department and position is open already; with a 岗位类型
/// column, an open 兼岗 of a file's employee that the file leaves out ends (the day before the
/// 主岗 row's 生效日期; without one, today is its last day). A date that is no
/// date, later than `today`, or before the start of the post it ends is refused.
pub(crate) async fn check_posts(
    c: &mut sqlx::AnyConnection,
    actor: &str,
    rows: &[OrgRow],
    kinds: &[Option<PostKind>],
    today: time::Date,
    problems: &mut Vec<Problem>,
) -> crate::Result<PostPlan> {
    use sqlx::Row;
    let mut plan = PostPlan::default();
    let has_kinds = rows.iter().any(|r| r.post_kind.is_some());
    // The effective date of each row.
    let mut dates: Vec<Option<time::Date>> = Vec::with_capacity(rows.len());
    for r in rows {
        let given = r.effective.trim();
        if given.is_empty() {
            dates.push(None);
            continue;
        }
        match parse_date(given) {
            None => {
                problems.push((
                    r.line,
                    EFFECTIVE.into(),
                    text!("org-bad-date", value = given),
                ));
                dates.push(None);
            }
            Some(d) if d > today => {
                problems.push((
                    r.line,
                    EFFECTIVE.into(),
                    text!("org-future-date", value = given, today = date_text(today)),
                ));
                dates.push(None);
            }
            Some(d) => dates.push(Some(d)),
        }
    }
    let stored: Vec<(i64, String, PostFacts)> = sqlx::query(
        "SELECT p.id, e.emp_no, p.kind, d.code AS dept, pos.code AS pos, s.emp_no AS sup, p.from_date \
         FROM employee_posts p JOIN employees e ON e.id = p.employee_id JOIN departments d ON d.id = p.department_id \
         LEFT JOIN positions pos ON pos.id = p.position_id LEFT JOIN employees s ON s.id = p.supervisor_id \
         WHERE p.to_date IS NULL ORDER BY p.id",
    )
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| {
        (
            r.get::<i64, _>("id"),
            r.get::<String, _>("emp_no"),
            PostFacts {
                kind: if r.get::<String, _>("kind") == "second" {
                    PostKind::Second
                } else {
                    PostKind::Main
                },
                dept: r.get("dept"),
                pos: r.get::<Option<String>, _>("pos").unwrap_or_default(),
                sup: r.get::<Option<String>, _>("sup").unwrap_or_default(),
                from: r.get("from_date"),
                to: None,
            },
        )
    })
    .collect();
    let known: std::collections::HashSet<String> = sqlx::query("SELECT emp_no FROM employees")
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| r.get("emp_no"))
        .collect();
    let mut main_of: HashMap<&str, (i64, &PostFacts)> = HashMap::new();
    let mut seconds_of: HashMap<&str, Vec<(i64, &PostFacts)>> = HashMap::new();
    for (id, no, p) in &stored {
        match p.kind {
            PostKind::Main => {
                main_of.insert(no.as_str(), (*id, p));
            }
            PostKind::Second => seconds_of.entry(no.as_str()).or_default().push((*id, p)),
        }
    }
    let day_before = |d: time::Date| date_text(d.previous_day().unwrap_or(d));
    // A post `old` (stored, id) replaced by `new` from `d`, or ended (`new` None) on d − 1.
    let replace = |plan: &mut PostPlan,
                   problems: &mut Vec<Problem>,
                   line: usize,
                   emp_no: &str,
                   id: i64,
                   old: &PostFacts,
                   new: Option<PostFacts>,
                   d: time::Date| {
        let start = date_text(d);
        let from = old.from.as_deref();
        if from.is_some_and(|f| f > start.as_str()) {
            problems.push((
                line,
                EFFECTIVE.into(),
                text!(
                    "org-date-before-post",
                    value = start.clone(),
                    from = from.unwrap_or("")
                ),
            ));
            return;
        }
        let same_day = from == Some(start.as_str());
        let audit = |old_value: Option<String>, new_value: Option<String>| crate::NewAudit {
            actor: actor.into(),
            action: "employee.post".into(),
            entity: "employee".into(),
            entity_id: emp_no.to_string(),
            old_value,
            new_value,
            ..Default::default()
        };
        match new {
            Some(mut new) if same_day => {
                new.from = old.from.clone();
                plan.audits.push(audit(old.audit_text(), new.audit_text()));
                plan.ops.push(PostOp::Update { id, post: new });
            }
            Some(mut new) => {
                let closed = PostFacts {
                    to: Some(day_before(d)),
                    ..old.clone()
                };
                new.from = Some(start);
                plan.audits
                    .push(audit(old.audit_text(), closed.audit_text()));
                plan.audits.push(audit(None, new.audit_text()));
                plan.ops.push(PostOp::Close {
                    id,
                    to: day_before(d),
                });
                plan.ops.push(PostOp::Open {
                    emp_no: emp_no.to_string(),
                    post: new,
                });
            }
            None if same_day => {
                plan.audits.push(audit(old.audit_text(), None));
                plan.ops.push(PostOp::Delete { id });
            }
            None => {
                let closed = PostFacts {
                    to: Some(day_before(d)),
                    ..old.clone()
                };
                plan.audits
                    .push(audit(old.audit_text(), closed.audit_text()));
                plan.ops.push(PostOp::Close {
                    id,
                    to: day_before(d),
                });
            }
        }
    };
    // 工号 → the main row's index, for the 兼岗 rows and the ending of second posts.
    let mut main_row: HashMap<&str, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if kinds[i] == Some(PostKind::Main) && !r.emp_no.trim().is_empty() {
            main_row.entry(r.emp_no.trim()).or_insert(i);
        }
    }
    // 兼岗 rows seen: (工号, 部门, 岗位) → line.
    let mut listed: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let no = r.emp_no.trim();
        if no.is_empty() {
            continue;
        }
        let file_post = |kind: PostKind, sup: &str| PostFacts {
            kind,
            dept: r.dept_code.trim().to_string(),
            pos: r.position.trim().to_string(),
            sup: sup.to_string(),
            from: dates[i].map(date_text),
            to: None,
        };
        match kinds[i] {
            Some(PostKind::Main) => {
                let Some(&(id, old)) = main_of.get(no) else {
                    // A new employee (or one without a post): the first post.
                    plan.ops.push(PostOp::Open {
                        emp_no: no.to_string(),
                        post: file_post(PostKind::Main, r.supervisor_emp_no.trim()),
                    });
                    continue;
                };
                let sup = match r.supervisor_emp_no.trim() {
                    "" => old.sup.as_str(),
                    s => s,
                };
                let new = file_post(PostKind::Main, sup);
                if new.dept == old.dept && new.pos == old.pos && new.sup == old.sup {
                    continue;
                }
                replace(
                    &mut plan,
                    problems,
                    r.line,
                    no,
                    id,
                    old,
                    Some(new),
                    dates[i].unwrap_or(today),
                );
            }
            Some(PostKind::Second) => {
                if !main_row.contains_key(no) {
                    problems.push((
                        r.line,
                        EMP_NO.into(),
                        text!("org-second-no-main", value = no),
                    ));
                    continue;
                }
                let key = (no, r.dept_code.trim(), r.position.trim());
                if let Some(first) = listed.insert(key, r.line) {
                    problems.push((
                        r.line,
                        KIND.into(),
                        text!("org-second-repeats", first = first),
                    ));
                    continue;
                }
                let open = seconds_of
                    .get(no)
                    .and_then(|v| v.iter().find(|(_, p)| p.dept == key.1 && p.pos == key.2));
                match open {
                    None => {
                        // A new 兼岗: from 生效日期; without one, an existing employee's from
                        // today, a new employee's since always (as their main post).
                        let mut post = file_post(PostKind::Second, r.supervisor_emp_no.trim());
                        if post.from.is_none() && known.contains(no) {
                            post.from = Some(date_text(today));
                        }
                        plan.audits.push(crate::NewAudit {
                            actor: actor.into(),
                            action: "employee.post".into(),
                            entity: "employee".into(),
                            entity_id: no.to_string(),
                            new_value: post.audit_text(),
                            ..Default::default()
                        });
                        plan.ops.push(PostOp::Open {
                            emp_no: no.to_string(),
                            post,
                        });
                    }
                    Some(&(id, old)) => {
                        let sup = r.supervisor_emp_no.trim();
                        if sup.is_empty() || sup == old.sup {
                            continue;
                        }
                        let new = file_post(PostKind::Second, sup);
                        replace(
                            &mut plan,
                            problems,
                            r.line,
                            no,
                            id,
                            old,
                            Some(new),
                            dates[i].unwrap_or(today),
                        );
                    }
                }
            }
            None => {}
        }
    }
    if has_kinds {
        // The file lists every 兼岗 of its employees: one it leaves out has ended.
        for (&no, &i) in &main_row {
            for &(id, old) in seconds_of.get(no).map(Vec::as_slice).unwrap_or(&[]) {
                if listed.contains_key(&(no, old.dept.as_str(), old.pos.as_str())) {
                    continue;
                }
                let r = &rows[i];
                // Without 生效日期 the 兼岗's last day is today (D − 1 with D tomorrow).
                let d = dates[i].unwrap_or(today.next_day().unwrap_or(today));
                replace(&mut plan, problems, r.line, no, id, old, None, d);
            }
        }
    }
    plan.audits.sort_by(|a, b| a.entity_id.cmp(&b.entity_id));
    Ok(plan)
}

/// Write the planned post changes (after every department, position and employee exists).
pub(crate) async fn write_posts(c: &mut sqlx::AnyConnection, plan: &PostPlan) -> crate::Result<()> {
    use crate::bulk::{Bulk, BulkCol};
    use sqlx::Row;
    if plan.ops.is_empty() {
        return Ok(());
    }
    let ids = |rows: Vec<sqlx::any::AnyRow>, key: &str| -> HashMap<String, i64> {
        rows.iter()
            .map(|r| (r.get::<String, _>(key), r.get::<i64, _>("id")))
            .collect()
    };
    let emp = ids(
        sqlx::query("SELECT id, emp_no FROM employees")
            .fetch_all(&mut *c)
            .await?,
        "emp_no",
    );
    let dept = ids(
        sqlx::query("SELECT id, code FROM departments")
            .fetch_all(&mut *c)
            .await?,
        "code",
    );
    let pos = ids(
        sqlx::query("SELECT id, code FROM positions")
            .fetch_all(&mut *c)
            .await?,
        "code",
    );
    let of = |m: &HashMap<String, i64>, k: &str| m.get(k).copied();
    let mut opens: Vec<(&str, &PostFacts)> = Vec::new();
    for op in &plan.ops {
        match op {
            PostOp::Open { emp_no, post } => opens.push((emp_no, post)),
            PostOp::Close { id, to } => {
                sqlx::query("UPDATE employee_posts SET to_date = $1 WHERE id = $2")
                    .bind(to)
                    .bind(*id)
                    .execute(&mut *c)
                    .await?;
            }
            PostOp::Update { id, post } => {
                sqlx::query(
                    "UPDATE employee_posts SET department_id = $1, position_id = $2, supervisor_id = $3 WHERE id = $4",
                )
                .bind(of(&dept, &post.dept))
                .bind(of(&pos, &post.pos))
                .bind(of(&emp, &post.sup))
                .bind(*id)
                .execute(&mut *c)
                .await?;
            }
            PostOp::Delete { id } => {
                sqlx::query("DELETE FROM employee_posts WHERE id = $1")
                    .bind(*id)
                    .execute(&mut *c)
                    .await?;
            }
        }
    }
    c.bulk_insert(
        "employee_posts",
        &[
            "employee_id",
            "department_id",
            "position_id",
            "supervisor_id",
            "kind",
            "from_date",
        ],
        vec![
            BulkCol::Int(opens.iter().map(|(no, _)| of(&emp, no)).collect()),
            BulkCol::Int(opens.iter().map(|(_, p)| of(&dept, &p.dept)).collect()),
            BulkCol::Int(opens.iter().map(|(_, p)| of(&pos, &p.pos)).collect()),
            BulkCol::Int(opens.iter().map(|(_, p)| of(&emp, &p.sup)).collect()),
            BulkCol::Text(
                opens
                    .iter()
                    .map(|(_, p)| Some(p.kind.as_str().to_string()))
                    .collect(),
            ),
            BulkCol::Text(opens.iter().map(|(_, p)| p.from.clone()).collect()),
        ],
    )
    .await?;
    Ok(())
}

impl PostPlan {
    /// The audit entries of the plan (old → new).
    pub(crate) fn audits(&self) -> &[crate::NewAudit] {
        &self.audits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_files_write_them() {
        let d = |y, m, day| {
            time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).ok()
        };
        assert_eq!(parse_date("2026-11-15"), d(2026, 11, 15));
        assert_eq!(parse_date(" 2026/11/5 "), d(2026, 11, 5));
        assert_eq!(parse_date("2026.11.15"), d(2026, 11, 15));
        assert_eq!(parse_date("2026年11月15日"), d(2026, 11, 15));
        assert_eq!(parse_date("2026-11-15 00:00:00"), d(2026, 11, 15));
        assert_eq!(parse_date("2026-11-15T00:00:00"), d(2026, 11, 15));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("15/11/2026"), None);
        assert_eq!(parse_date("下月"), None);
        assert_eq!(parse_date("46341"), None);
        assert_eq!(date_text(d(2026, 1, 5).unwrap()), "2026-01-05");
    }

    #[test]
    fn post_kinds_in_either_language() {
        assert_eq!(PostKind::parse(""), Some(PostKind::Main));
        assert_eq!(PostKind::parse("主岗"), Some(PostKind::Main));
        assert_eq!(PostKind::parse("兼岗"), Some(PostKind::Second));
        assert_eq!(PostKind::parse("second"), Some(PostKind::Second));
        assert_eq!(PostKind::parse("临时"), None);
    }
}
