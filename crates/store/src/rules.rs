//! 考核关系 rules — who rates whom, worked out from the organisation tree by rules HR sets
//! once per rater role (`members.rules`: 直接上级, 部门负责人, 支行负责人, 部门:行政部,
//! 工号:E001 …), overridden per person (`members.raters`). Pure: the tree and the people
//! come in as maps, one ancestor walk (O(depth)) per appraisee and rule, no I/O. The launch,
//! its preview and the 考核关系 page of a draft all plan through [`plan`].

use crate::org::Unit;
use crate::{Department, Text};
use kaohe_core::Template;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A rule for a rater role, as HR writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// 直接上级 (`supervisor`): the appraisee's direct supervisor.
    Supervisor,
    /// 部门负责人 (`head`): the head of the appraisee's own department.
    Head,
    /// `<单位层级>负责人` (`head:支行`): the head of the nearest unit of that kind at or above
    /// the appraisee's department.
    UnitHead(Unit),
    /// `部门:<编码或名称>` (`dept:CODE`): that department's clerks, as a department task.
    Dept(String),
    /// `工号:<工号>` (`emp:E001`): one named person.
    Emp(String),
}

impl Rule {
    /// Read a rule as HR types it (Chinese or the English aliases; `:` or `：`). The error
    /// says what is wrong: a unit kind that is none, or words that are no rule.
    pub fn parse(s: &str) -> Result<Rule, Text> {
        let s = s.trim();
        if let Some((k, v)) = s.split_once([':', '：']) {
            let (k, v) = (k.trim(), v.trim());
            if v.is_empty() {
                return Err(text!("rule-unknown", rule = s));
            }
            return match k.to_ascii_lowercase().as_str() {
                "部门" | "dept" | "department" => Ok(Rule::Dept(v.to_string())),
                "工号" | "emp" | "employee" => Ok(Rule::Emp(v.to_string())),
                "head" | "负责人" => Unit::parse(v)
                    .map(Rule::UnitHead)
                    .ok_or_else(|| text!("rule-unit", unit = v)),
                _ => Err(text!("rule-unknown", rule = s)),
            };
        }
        match s.to_ascii_lowercase().as_str() {
            "直接上级" | "supervisor" => return Ok(Rule::Supervisor),
            "部门负责人" | "head" => return Ok(Rule::Head),
            _ => {}
        }
        if let Some(kind) = s.strip_suffix("负责人") {
            return Unit::parse(kind)
                .map(Rule::UnitHead)
                .ok_or_else(|| text!("rule-unit", unit = kind));
        }
        Err(text!("rule-unknown", rule = s))
    }

    /// The rule in HR's words (`支行负责人`, `部门:XZ` …), as the pages show it.
    pub fn words(&self) -> String {
        match self {
            Rule::Supervisor => "直接上级".into(),
            Rule::Head => "部门负责人".into(),
            Rule::UnitHead(u) => format!("{}负责人", u.zh()),
            Rule::Dept(d) => format!("部门:{d}"),
            Rule::Emp(e) => format!("工号:{e}"),
        }
    }
}

/// A rule with its department or person found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    Supervisor,
    Head,
    UnitHead(Unit),
    Dept(i64),
    Emp(i64),
}

/// What a rater role gets without a rule (and before rules existed): the department named
/// like the rater (财务部 …), the direct supervisor (the supervisor rater, or one named
/// 主管/上级), or nobody (HR hands in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    Dept(i64),
    Supervisor,
    Nobody,
}

/// One rater role of a cycle, planned: its rule (resolved, and in HR's words) and fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePlan {
    pub rater: String,
    pub rule: Option<(Resolved, String)>,
    pub fallback: Fallback,
}

/// A department of the tree, as planning needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeUnit {
    pub parent: Option<i64>,
    /// The head's employee id.
    pub head: Option<i64>,
    pub unit: Option<Unit>,
}

/// The department tree by id, for ancestor walks.
#[derive(Debug, Clone, Default)]
pub struct Tree(pub HashMap<i64, TreeUnit>);

impl Tree {
    /// The tree of `depts`, heads found by 工号 in `emp_ids`.
    pub fn of(depts: &[Department], emp_ids: &HashMap<String, i64>) -> Tree {
        Tree(
            depts
                .iter()
                .map(|d| {
                    (
                        d.id,
                        TreeUnit {
                            parent: d.parent_id,
                            head: d.head.as_ref().and_then(|(no, _)| emp_ids.get(no).copied()),
                            unit: d.unit,
                        },
                    )
                })
                .collect(),
        )
    }

    /// `d` and the departments above it, nearest first (a stored loop ends after every
    /// department once).
    fn up(&self, d: i64) -> impl Iterator<Item = (i64, &TreeUnit)> {
        let mut at = Some(d);
        let mut left = self.0.len();
        std::iter::from_fn(move || {
            let id = at?;
            let u = self.0.get(&id)?;
            if left == 0 {
                return None;
            }
            left -= 1;
            at = u.parent;
            Some((id, u))
        })
    }

    /// The head of the nearest unit of kind `unit` at or above `d` — past units that
    /// `not` heads themself (nobody rates their own appraisal). None when that unit has no
    /// head.
    pub fn unit_head(&self, d: i64, unit: Unit, not: i64) -> Option<i64> {
        self.up(d)
            .filter(|(_, u)| u.unit == Some(unit))
            .find(|(_, u)| u.head != Some(not))
            .and_then(|(_, u)| u.head)
    }

    /// The head of department `d`; for its own head, the nearest head above.
    pub fn own_head(&self, d: i64, not: i64) -> Option<i64> {
        let mut up = self.up(d);
        let (_, own) = up.next()?;
        if own.head != Some(not) {
            return own.head;
        }
        up.find_map(|(_, u)| u.head.filter(|h| *h != not))
    }
}

/// An appraisee as planning needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanMember<'a> {
    pub id: i64,
    pub emp_no: &'a str,
    /// Their department.
    pub dept: i64,
    pub supervisor: Option<i64>,
}

/// Who a rating task goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    /// An employee (by id).
    Person(i64),
    /// A department's clerks (by department id).
    Dept(i64),
    /// Nobody: HR hands in.
    Nobody,
}

/// Where a planned rater came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "rule", rename_all = "lowercase")]
pub enum Why {
    /// Named for this appraisee (`members.raters`).
    Override,
    /// The role's rule, in HR's words.
    Rule(String),
    /// No rule: the direct supervisor.
    Supervisor,
    /// No rule: the department named like the rater.
    Department,
    /// No rule and no one: HR hands in.
    Nobody,
}

/// One rater of one appraisee, planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub assignee: Assignee,
    pub why: Why,
}

/// The raters of one appraisee, in the order of `roles`: the person named for them
/// (`overrides`: rater id → 工号, found in `emp_ids`), else the role's rule, else its
/// fallback. Ancestor lookups walk `tree` (O(depth)).
pub fn plan_one(
    roles: &[RolePlan],
    overrides: Option<&BTreeMap<String, String>>,
    emp_ids: &HashMap<String, i64>,
    tree: &Tree,
    m: &PlanMember,
) -> Vec<Planned> {
    roles
        .iter()
        .map(|r| {
            if let Some(id) = overrides
                .and_then(|o| o.get(&r.rater))
                .and_then(|no| emp_ids.get(no.trim()))
            {
                return Planned {
                    assignee: Assignee::Person(*id),
                    why: Why::Override,
                };
            }
            if let Some((rule, words)) = &r.rule {
                let who = match *rule {
                    Resolved::Supervisor => m.supervisor,
                    Resolved::Head => tree.own_head(m.dept, m.id),
                    Resolved::UnitHead(u) => tree.unit_head(m.dept, u, m.id),
                    Resolved::Emp(e) => Some(e),
                    Resolved::Dept(d) => {
                        return Planned {
                            assignee: Assignee::Dept(d),
                            why: Why::Rule(words.clone()),
                        };
                    }
                };
                return Planned {
                    assignee: who.map_or(Assignee::Nobody, Assignee::Person),
                    why: Why::Rule(words.clone()),
                };
            }
            match r.fallback {
                Fallback::Dept(d) => Planned {
                    assignee: Assignee::Dept(d),
                    why: Why::Department,
                },
                Fallback::Supervisor => Planned {
                    assignee: m.supervisor.map_or(Assignee::Nobody, Assignee::Person),
                    why: Why::Supervisor,
                },
                Fallback::Nobody => Planned {
                    assignee: Assignee::Nobody,
                    why: Why::Nobody,
                },
            }
        })
        .collect()
}

/// [`plan_one`] for every member: `overrides` is the cycle's `members.raters`
/// (appraisee 工号 → rater id → 工号).
pub fn plan(
    roles: &[RolePlan],
    overrides: &BTreeMap<String, BTreeMap<String, String>>,
    emp_ids: &HashMap<String, i64>,
    tree: &Tree,
    members: &[PlanMember],
) -> Vec<Vec<Planned>> {
    members
        .iter()
        .map(|m| plan_one(roles, overrides.get(m.emp_no), emp_ids, tree, m))
        .collect()
}

/// The rater roles a rule or a per-person rater may be set for: the form's raters other
/// than self, and the rater of items that name none (the supervisor on a form without
/// raters).
pub fn rule_roles(t: &Template) -> Vec<String> {
    let mut v: Vec<String> = t
        .raters
        .iter()
        .filter(|r| r.id != "self")
        .map(|r| r.id.clone())
        .collect();
    let d = crate::cycle::default_rater(t);
    if !v.contains(&d) {
        v.push(d);
    }
    v
}

/// The department a rule names by code, else by name (a name two departments share is
/// none).
fn dept_named(depts: &[Department], key: &str) -> Option<i64> {
    if let Some(d) = depts.iter().find(|d| d.code == key) {
        return Some(d.id);
    }
    let mut named = depts.iter().filter(|d| d.name == key);
    match (named.next(), named.next()) {
        (Some(d), None) => Some(d.id),
        _ => None,
    }
}

/// Check and resolve a cycle's rules (rater id → words) against the form, the departments
/// and the employees: each problem names its field (`members.rules.<rater>`). An empty rule
/// is none.
pub fn resolve_rules(
    t: &Template,
    rules: &BTreeMap<String, String>,
    depts: &[Department],
    emp_ids: &HashMap<String, i64>,
) -> Result<BTreeMap<String, (Resolved, String)>, Vec<(String, Text)>> {
    let roles = rule_roles(t);
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for (rater, words) in rules {
        if words.trim().is_empty() {
            continue;
        }
        let field = format!("members.rules.{rater}");
        if !roles.contains(rater) {
            problems.push((field, text!("no-such-rater")));
            continue;
        }
        let rule = match Rule::parse(words) {
            Ok(r) => r,
            Err(m) => {
                problems.push((field, m));
                continue;
            }
        };
        let resolved = match &rule {
            Rule::Supervisor => Resolved::Supervisor,
            Rule::Head => Resolved::Head,
            Rule::UnitHead(u) => Resolved::UnitHead(*u),
            Rule::Dept(d) => match dept_named(depts, d) {
                Some(id) => Resolved::Dept(id),
                None => {
                    problems.push((field, text!("rule-no-dept", dept = d)));
                    continue;
                }
            },
            Rule::Emp(e) => match emp_ids.get(e.as_str()) {
                Some(id) => Resolved::Emp(*id),
                None => {
                    problems.push((field, text!("no-emp-no", emp_no = e)));
                    continue;
                }
            },
        };
        out.insert(rater.clone(), (resolved, rule.words()));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The roles of a launch (`roles`, as [`crate::rating_roles`] gives them) with their rules
/// and fallbacks.
pub fn role_plans(
    t: &Template,
    roles: &[String],
    rules: &BTreeMap<String, (Resolved, String)>,
    depts: &[Department],
) -> Vec<RolePlan> {
    roles
        .iter()
        .map(|r| RolePlan {
            rater: r.clone(),
            rule: rules.get(r).cloned(),
            fallback: if let Some(d) = crate::cycle::rater_department(t, r, depts) {
                Fallback::Dept(d.id)
            } else if r == crate::cycle::SUPERVISOR
                || t.raters
                    .iter()
                    .any(|x| &x.id == r && (x.name.contains("主管") || x.name.contains("上级")))
            {
                Fallback::Supervisor
            } else {
                Fallback::Nobody
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_in_chinese_and_english() {
        for (s, want) in [
            ("直接上级", Rule::Supervisor),
            ("supervisor", Rule::Supervisor),
            ("部门负责人", Rule::Head),
            (" head ", Rule::Head),
            ("支行负责人", Rule::UnitHead(Unit::SubBranch)),
            ("分行负责人", Rule::UnitHead(Unit::Branch)),
            ("团队负责人", Rule::UnitHead(Unit::Team)),
            ("head:支行", Rule::UnitHead(Unit::SubBranch)),
            ("head:branch", Rule::UnitHead(Unit::Branch)),
            ("部门:XZ", Rule::Dept("XZ".into())),
            ("部门：行政部", Rule::Dept("行政部".into())),
            ("dept:XZ", Rule::Dept("XZ".into())),
            ("工号:E001", Rule::Emp("E001".into())),
            ("emp:E001", Rule::Emp("E001".into())),
        ] {
            assert_eq!(Rule::parse(s).unwrap(), want, "{s}");
            // Its words read back as itself.
            assert_eq!(Rule::parse(&want.words()).unwrap(), want);
        }
        for bad in ["区域负责人", "head:区域", "老板", "部门:", "x:y"] {
            assert!(Rule::parse(bad).is_err(), "{bad}");
        }
        assert!(
            Rule::parse("区域负责人")
                .unwrap_err()
                .render(kaohe_core::Lang::Zh)
                .contains("区域")
        );
    }

    /// 总行 1 (head 100) → 分行 2 (head 200) → 支行 3 (head 300) → 部门 4 (no head) →
    /// 团队 5 (head 500); and 支行 6 (head 600) under 分行 2.
    fn tree() -> Tree {
        let u = |parent, head, unit| TreeUnit { parent, head, unit };
        Tree(HashMap::from([
            (1, u(None, Some(100), Some(Unit::HeadOffice))),
            (2, u(Some(1), Some(200), Some(Unit::Branch))),
            (3, u(Some(2), Some(300), Some(Unit::SubBranch))),
            (4, u(Some(3), None, Some(Unit::Department))),
            (5, u(Some(4), Some(500), Some(Unit::Team))),
            (6, u(Some(2), Some(600), Some(Unit::SubBranch))),
        ]))
    }

    fn role(rater: &str, rule: Option<Resolved>, fallback: Fallback) -> RolePlan {
        RolePlan {
            rater: rater.into(),
            rule: rule.map(|r| (r, format!("{r:?}"))),
            fallback,
        }
    }

    #[test]
    fn rules_walk_the_tree_from_the_appraisee() {
        let t = tree();
        let ids = HashMap::from([("E900".to_string(), 900)]);
        let roles = [
            role(
                "supervisor",
                Some(Resolved::UnitHead(Unit::SubBranch)),
                Fallback::Supervisor,
            ),
            role("head", Some(Resolved::Head), Fallback::Nobody),
            role(
                "branch",
                Some(Resolved::UnitHead(Unit::Branch)),
                Fallback::Nobody,
            ),
            role("dept", Some(Resolved::Dept(4)), Fallback::Nobody),
            role("named", Some(Resolved::Emp(900)), Fallback::Nobody),
            role("plain", None, Fallback::Supervisor),
            role("finance", None, Fallback::Dept(6)),
            role("other", None, Fallback::Nobody),
            role("boss", Some(Resolved::Supervisor), Fallback::Nobody),
        ];
        // A member of the team under 支行 3, supervised by 77.
        let m = PlanMember {
            id: 1000,
            emp_no: "E1000",
            dept: 5,
            supervisor: Some(77),
        };
        let got: Vec<Assignee> = plan_one(&roles, None, &ids, &t, &m)
            .into_iter()
            .map(|p| p.assignee)
            .collect();
        use Assignee::*;
        assert_eq!(
            got,
            [
                Person(300),
                Person(500),
                Person(200),
                Dept(4),
                Person(900),
                Person(77),
                Dept(6),
                Nobody,
                Person(77)
            ]
        );
        let why: Vec<Why> = plan_one(&roles, None, &ids, &t, &m)
            .into_iter()
            .map(|p| p.why)
            .collect();
        assert!(matches!(why[0], Why::Rule(_)));
        assert_eq!(why[5], Why::Supervisor);
        assert_eq!(why[6], Why::Department);
        assert_eq!(why[7], Why::Nobody);

        // The 支行 head is not their own rater: the next 支行 up (none here) — nobody; their
        // 部门负责人 is the head above their own.
        let head = PlanMember {
            id: 300,
            emp_no: "E300",
            dept: 3,
            supervisor: Some(200),
        };
        let got = plan_one(&roles, None, &ids, &t, &head);
        assert_eq!(got[0].assignee, Nobody);
        assert_eq!(got[1].assignee, Person(200));
        // A department without a head: 部门负责人 is nobody, 支行负责人 still found.
        let dept_member = PlanMember {
            id: 1001,
            emp_no: "E1001",
            dept: 4,
            supervisor: None,
        };
        let got = plan_one(&roles, None, &ids, &t, &dept_member);
        assert_eq!(got[0].assignee, Person(300));
        assert_eq!(got[1].assignee, Nobody);
        assert_eq!(got[5].assignee, Nobody, "no supervisor: nobody");
    }

    #[test]
    fn an_override_beats_the_rule() {
        let t = tree();
        let ids = HashMap::from([("E900".to_string(), 900)]);
        let roles = [role(
            "supervisor",
            Some(Resolved::UnitHead(Unit::SubBranch)),
            Fallback::Supervisor,
        )];
        let m = PlanMember {
            id: 1000,
            emp_no: "E1000",
            dept: 5,
            supervisor: Some(77),
        };
        let overrides = BTreeMap::from([(
            "E1000".to_string(),
            BTreeMap::from([("supervisor".to_string(), "E900".to_string())]),
        )]);
        let got = plan(&roles, &overrides, &ids, &t, &[m]);
        assert_eq!(
            got[0][0],
            Planned {
                assignee: Assignee::Person(900),
                why: Why::Override
            }
        );
        // An override naming nobody known falls back to the rule.
        let overrides = BTreeMap::from([(
            "E1000".to_string(),
            BTreeMap::from([("supervisor".to_string(), "E404".to_string())]),
        )]);
        let got = plan(&roles, &overrides, &ids, &t, &[m]);
        assert_eq!(got[0][0].assignee, Assignee::Person(300));
    }

    #[test]
    fn a_loop_in_the_tree_ends() {
        let u = |parent, head, unit| TreeUnit { parent, head, unit };
        let t = Tree(HashMap::from([
            (1, u(Some(2), Some(10), Some(Unit::Team))),
            (2, u(Some(1), Some(20), Some(Unit::Team))),
        ]));
        assert_eq!(t.unit_head(1, Unit::Branch, 5), None);
        assert_eq!(t.own_head(1, 10), Some(20));
    }
}
