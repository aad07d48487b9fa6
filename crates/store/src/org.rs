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
//!
//! The English names (`emp_no`, `name`, `dept_code`, `dept_name`, `dept_kind`, `unit`,
//! `parent`, `head`, `position`, `supervisor`) are read too; only 工号 and 姓名 and one of
//! 部门编码/部门名称 are required.

use crate::model::{Department, DeptKind, OrgEmployee, OrgRow};
use std::collections::{BTreeMap, HashMap};

/// The header an export writes (and an import reads), in order.
pub const ORG_HEADERS: [&str; 10] = [
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
];

/// Column names accepted for each field of an organisation import.
const ORG_COLUMNS: [(&str, &[&str]); 10] = [
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
/// active employees by 工号, and a department-only row for a department with none.
pub fn export_rows(depts: &[Department], employees: &[OrgEmployee]) -> Vec<OrgRow> {
    let code: HashMap<i64, &str> = depts.iter().map(|d| (d.id, d.code.as_str())).collect();
    let mut by_dept: HashMap<i64, Vec<&OrgEmployee>> = HashMap::new();
    for e in employees.iter().filter(|e| e.active) {
        by_dept.entry(e.department_id).or_default().push(e);
    }
    let mut out = Vec::new();
    for (_, d) in tree_order(depts) {
        let dept_row = |emp_no: &str, name: &str, pos: &str, sup: &str| OrgRow {
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
        };
        match by_dept.get_mut(&d.id) {
            Some(es) => {
                es.sort_by(|a, b| a.emp_no.cmp(&b.emp_no));
                for e in es.iter() {
                    out.push(dept_row(
                        &e.emp_no,
                        &e.name,
                        e.position.as_deref().unwrap_or(""),
                        e.supervisor_emp_no.as_deref().unwrap_or(""),
                    ));
                }
            }
            None => out.push(dept_row("", "", "", "")),
        }
    }
    out
}

impl OrgRow {
    /// The row's cells in the order of [`ORG_HEADERS`], guarded against formulas.
    pub fn cells(&self) -> [String; 10] {
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
