//! `kaohe serve --demo bank`: a three-level bank to try real organisations with — 总行 →
//! 北京、上海、广州分行 → five 支行 each, about 2,000 people — running F01 monthly and F14
//! quarterly side by side:
//!
//! - each 支行 has a 行长 (its head, the managers' direct supervisor), 65 大客户经理 on F01
//!   and 65 客户经理 on F14; each 分行 a 行长 (approver of the 分行) and an HR officer
//!   (reviewer of the 分行); 总行 has 人力资源部 (HR), and 市场部 and 行政部, whose clerks
//!   supply F01's sales and attendance figures for every branch;
//! - F01's 考核关系 by rule: the supervisor rater is 支行负责人 (the head of the manager's
//!   支行), 复核 and 审批 follow the grants on each 分行 (分行人力, 分行行长);
//! - October's F01 is closed (rated by the 支行行长, reviewed by 分行人力, approved by the
//!   分行行长, accepted by default); November's F01 is in rating with the 总行's data in; the
//!   fourth quarter's F14 has every branch's business figures loaded.
//!
//! Users (password `kaohe-demo`): `hr`, `bj_hangzhang` (北京分行行长, approver of 北京分行),
//! `bj_renli` (北京分行人力, reviewer of 北京分行), `zgc_hangzhang` (中关村支行行长, rates
//! their 支行 and sees its results), `kehu` (a 大客户经理 of 中关村支行), and a 行长 per 支行
//! (`bj01`…`gz05`).

use crate::serve::DEMO_PASSWORD;
use anyhow::{Context, Result};
use kaohe_store::{
    Grant, GridRow, Members, NewCycle, NewUser, OrgRow, Page, Role, Step, Store, TargetSet, User,
    Values,
};

/// 分行: code, name, 支行 names.
const BRANCHES: [(&str, &str, [&str; 5]); 3] = [
    (
        "BJ",
        "北京分行",
        ["中关村支行", "朝阳支行", "海淀支行", "西城支行", "东城支行"],
    ),
    (
        "SH",
        "上海分行",
        ["浦东支行", "徐汇支行", "静安支行", "黄浦支行", "长宁支行"],
    ),
    (
        "GZ",
        "广州分行",
        ["天河支行", "越秀支行", "海珠支行", "白云支行", "番禺支行"],
    ),
];
/// 大客户经理 (F01) and 客户经理 (F14) per 支行.
const PER_BRANCH: usize = 65;

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str =
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建文斌宇浩凯健俊帆帅旭宁琳晶欣然";

/// A name for the `i`-th person: a surname and one or two given characters.
fn name(i: usize) -> String {
    let s: Vec<char> = SURNAMES.chars().collect();
    let g: Vec<char> = GIVEN.chars().collect();
    let mut n = String::new();
    n.push(s[i % s.len()]);
    n.push(g[(i / s.len() + i * 7) % g.len()]);
    if !i.is_multiple_of(3) {
        n.push(g[(i * 13 + 5) % g.len()]);
    }
    n
}

/// A small deterministic generator (the same bank on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
    /// `base` × 40–130 %, as a whole number.
    fn around(&mut self, base: u64) -> String {
        (base * (40 + self.next(91)) / 100).to_string()
    }
}

/// The organisation, as an import would give it: the units first (with their heads), then
/// the people. Returns the rows and each 支行's code.
fn org() -> (Vec<OrgRow>, Vec<(String, String)>) {
    let mut rows = Vec::new();
    let mut line = 1;
    let mut row = |r: OrgRow| {
        line += 1;
        rows.push(OrgRow { line, ..r });
    };
    let unit = |code: &str, name: &str, kind: &str, unit: &str, parent: &str, head: &str| OrgRow {
        dept_code: code.into(),
        dept_name: name.into(),
        dept_kind: kind.into(),
        unit: unit.into(),
        parent: parent.into(),
        head_emp_no: head.into(),
        ..Default::default()
    };
    let person =
        |no: &str, name: String, dept: &str, dname: &str, kind: &str, pos: &str, sup: &str| {
            OrgRow {
                emp_no: no.into(),
                name,
                dept_code: dept.into(),
                dept_name: dname.into(),
                dept_kind: kind.into(),
                position: pos.into(),
                supervisor_emp_no: sup.into(),
                ..Default::default()
            }
        };
    row(unit("ZH", "总行", "业务", "总行", "", "ZH0001"));
    row(unit("RL", "人力资源部", "职能", "部门", "ZH", "ZH0002"));
    row(unit("SC", "市场部", "职能", "部门", "ZH", ""));
    row(unit("XZ", "行政部", "职能", "部门", "ZH", ""));
    let mut zhihang = Vec::new();
    for (b, bname, subs) in BRANCHES {
        row(unit(b, bname, "业务", "分行", "ZH", &format!("{b}0000")));
        for (k, sname) in subs.iter().enumerate() {
            let code = format!("{b}{:02}", k + 1);
            row(unit(&code, sname, "业务", "支行", b, &format!("{code}000")));
            zhihang.push((code, sname.to_string()));
        }
    }
    let mut n = 0;
    let mut next_name = || {
        n += 1;
        name(n * 37)
    };
    row(person(
        "ZH0001",
        next_name(),
        "ZH",
        "总行",
        "业务",
        "行长",
        "",
    ));
    row(person(
        "ZH0002",
        next_name(),
        "RL",
        "人力资源部",
        "职能",
        "人力资源部总经理",
        "ZH0001",
    ));
    row(person(
        "ZH0003",
        next_name(),
        "RL",
        "人力资源部",
        "职能",
        "绩效专员",
        "ZH0002",
    ));
    row(person(
        "ZH0004",
        next_name(),
        "SC",
        "市场部",
        "职能",
        "市场部统计员",
        "ZH0001",
    ));
    row(person(
        "ZH0005",
        next_name(),
        "XZ",
        "行政部",
        "职能",
        "考勤专员",
        "ZH0001",
    ));
    for (b, bname, _) in BRANCHES {
        row(person(
            &format!("{b}0000"),
            next_name(),
            b,
            bname,
            "业务",
            "分行行长",
            "ZH0001",
        ));
        row(person(
            &format!("{b}0001"),
            next_name(),
            b,
            bname,
            "业务",
            "分行人力专员",
            &format!("{b}0000"),
        ));
    }
    for (code, sname) in &zhihang {
        let head = format!("{code}000");
        let b = &code[..2];
        row(person(
            &head,
            next_name(),
            code,
            sname,
            "业务",
            "支行行长",
            &format!("{b}0000"),
        ));
        for i in 1..=2 * PER_BRANCH {
            let pos = if i <= PER_BRANCH {
                "大客户经理"
            } else {
                "客户经理"
            };
            row(person(
                &format!("{code}{i:03}"),
                next_name(),
                code,
                sname,
                "业务",
                pos,
                &head,
            ));
        }
    }
    (rows, zhihang)
}

/// Load the bank into an empty database.
pub(crate) async fn load<S: Store>(store: &S) -> Result<()> {
    let (rows, zhihang) = org();
    store.import_org("demo", &rows).await?;
    let depts = store.departments().await?;
    let dept = |code: &str| {
        depts
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.id)
            .with_context(|| format!("department {code}"))
    };
    let mut users: Vec<(String, String, Vec<(Role, Option<i64>)>)> = vec![
        ("hr".into(), "ZH0003".into(), vec![(Role::HrAdmin, None)]),
        (
            "sc_tongji".into(),
            "ZH0004".into(),
            vec![(Role::Clerk, Some(dept("SC")?))],
        ),
        (
            "xz_kaoqin".into(),
            "ZH0005".into(),
            vec![(Role::Clerk, Some(dept("XZ")?))],
        ),
        ("kehu".into(), "BJ01001".into(), vec![]),
    ];
    for (b, _, _) in BRANCHES {
        let lower = b.to_lowercase();
        users.push((
            format!("{lower}_hangzhang"),
            format!("{b}0000"),
            vec![(Role::Approver, Some(dept(b)?))],
        ));
        users.push((
            format!("{lower}_renli"),
            format!("{b}0001"),
            vec![(Role::Reviewer, Some(dept(b)?))],
        ));
    }
    for (code, _) in &zhihang {
        // The 支行行长 rates their managers and sees their 支行's results.
        let name = if code == "BJ01" {
            "zgc_hangzhang".to_string()
        } else {
            code.to_lowercase()
        };
        users.push((
            name,
            format!("{code}000"),
            vec![(Role::Rater, None), (Role::Reviewer, Some(dept(code)?))],
        ));
    }
    for (name, emp, roles) in &users {
        let mut grants: Vec<Grant> = roles
            .iter()
            .map(|(role, d)| Grant {
                role: *role,
                department_id: *d,
            })
            .collect();
        if !roles.iter().any(|r| r.0 == Role::HrAdmin) {
            grants.push(Grant {
                role: Role::Employee,
                department_id: None,
            });
        }
        store
            .create_user(
                "demo",
                &NewUser {
                    username: name.clone(),
                    password: DEMO_PASSWORD.into(),
                    emp_no: Some(emp.clone()),
                    grants,
                    lang: "zh-CN".into(),
                },
            )
            .await?;
    }
    for (_, src, _) in crate::bundled::BUNDLED {
        store.publish_template("demo", src).await?;
    }
    let user = |name: String| async move {
        store
            .authenticate(&name, DEMO_PASSWORD)
            .await?
            .with_context(|| format!("demo user {name}"))
    };
    let hr = user("hr".into()).await?;
    let managers: Vec<String> = zhihang
        .iter()
        .flat_map(|(code, _)| (1..=PER_BRANCH).map(move |i| format!("{code}{i:03}")))
        .collect();
    for (month, period) in [(10, "2026-10"), (11, "2026-11")] {
        let id = f01_month(
            store,
            &hr,
            &dept("SC")?,
            &dept("XZ")?,
            month,
            period,
            &managers,
        )
        .await?;
        if month == 11 {
            break;
        }
        // The 支行行长 submit their ratings, 分行人力 reviews, the 分行行长 approves.
        let mut actors = std::collections::HashMap::new();
        for (code, _) in &zhihang {
            let b = code[..2].to_lowercase();
            let rater = if code == "BJ01" {
                "zgc_hangzhang".to_string()
            } else {
                code.to_lowercase()
            };
            actors.insert(
                format!("{code}000"),
                (
                    user(rater).await?,
                    user(format!("{b}_renli")).await?,
                    user(format!("{b}_hangzhang")).await?,
                ),
            );
        }
        let list = store
            .appraisals(
                &hr,
                Some(id),
                None,
                Page {
                    offset: 0,
                    limit: 10_000,
                },
            )
            .await?;
        for a in list {
            use kaohe_core::workflow::Action;
            let head = format!("{}000", &a.emp_no[..4]);
            let (rater, reviewer, approver) = actors.get(&head).context("a 支行行长")?;
            let a = store.act(rater, a.id, a.version, &Step::Submit).await?;
            let a = store
                .act(reviewer, a.id, a.version, &Step::Do(Action::ReviewPass))
                .await?;
            store
                .act(approver, a.id, a.version, &Step::Do(Action::Approve))
                .await?;
        }
        store.auto_confirm(&kaohe_store::now()).await?;
    }
    f14_quarter(store, &hr, &zhihang).await
}

/// A month of F01 for every 大客户经理: created, launched, 市场部's and 行政部's figures
/// entered and handed in, the 支行行长's ratings typed in (submitted by them for October).
async fn f01_month<S: Store>(
    store: &S,
    hr: &User,
    sc: &i64,
    xz: &i64,
    month: u32,
    period: &str,
    managers: &[String],
) -> Result<i64> {
    let cy = store
        .create_cycle(
            "hr",
            &NewCycle {
                name: format!("2026年{month}月 大客户经理考核"),
                form_id: "F01".into(),
                period: period.into(),
                // 考核关系 by rule: each manager is rated by the head of their 支行.
                members: Members {
                    rules: [("supervisor".to_string(), "支行负责人".to_string())].into(),
                    ..Default::default()
                },
                targets: vec![TargetSet {
                    position: Some("大客户经理".into()),
                    emp_no: None,
                    values: Values::from([("monthly_bonus".to_string(), "3000".to_string())]),
                }],
                confirm_window_hours: if month == 10 { 0 } else { 72 },
                data_due: Some(format!("2026-{:02}-05", month + 1)),
                ..Default::default()
            },
        )
        .await?;
    store.launch_cycle("hr", cy.id).await?;
    let csv = kaohe_core::synth::f01_csv(managers.len() * 2);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers: Vec<String> = rdr.headers()?.iter().map(str::to_string).collect();
    let recs: Vec<csv::StringRecord> = rdr.records().collect::<std::result::Result<_, _>>()?;
    // November's figures are another draw than October's.
    let skip = if month == 10 { 0 } else { managers.len() };
    let grid = |cols: &[&str]| -> Vec<GridRow> {
        managers
            .iter()
            .zip(&recs[skip..])
            .enumerate()
            .map(|(i, (no, rec))| GridRow {
                line: i + 2,
                emp_no: no.clone(),
                values: headers
                    .iter()
                    .zip(rec.iter())
                    .filter(|(h, _)| cols.contains(&h.as_str()))
                    .map(|(h, v)| (h.clone(), v.to_string()))
                    .collect(),
                version: None,
                reason: None,
            })
            .collect()
    };
    store
        .enter_grid(
            hr,
            cy.id,
            Some(*sc),
            &grid(&["sales_target", "sales_actual", "new_customers"]),
        )
        .await?;
    store.complete_data(hr, cy.id, *sc).await?;
    store
        .enter_grid(
            hr,
            cy.id,
            Some(*xz),
            &grid(&[
                "leave_late_early",
                "absent_days",
                "unapproved_leave",
                "leave_days",
            ]),
        )
        .await?;
    store.complete_data(hr, cy.id, *xz).await?;
    store
        .enter_grid(
            hr,
            cy.id,
            None,
            &grid(&[
                "authorised_work",
                "samples",
                "contracts",
                "idle",
                "away",
                "untidy",
            ]),
        )
        .await?;
    Ok(cy.id)
}

/// The fourth quarter's F14 for every 客户经理, the business figures loaded as HR imports
/// them from the core banking system.
async fn f14_quarter<S: Store>(store: &S, hr: &User, zhihang: &[(String, String)]) -> Result<()> {
    let cy = store
        .create_cycle(
            "hr",
            &NewCycle {
                name: "2026年第4季度 支行客户经理考核".into(),
                form_id: "F14".into(),
                period: "2026-Q4".into(),
                confirm_window_hours: 72,
                data_due: Some("2027-01-10".into()),
                ..Default::default()
            },
        )
        .await?;
    store.launch_cycle("hr", cy.id).await?;
    let mut g = Lcg(2026);
    let mut rows = Vec::new();
    for (code, _) in zhihang {
        for i in PER_BRANCH + 1..=2 * PER_BRANCH {
            let mut v = Values::new();
            let mut put = |k: &str, val: String| {
                v.insert(k.to_string(), val);
            };
            put("mortgage_households", g.around(15));
            put("general_loan_households", g.around(7));
            put("shanghuitong_households", g.around(3));
            put("nonmortgage_principal", g.around(300));
            put("corporate_households", g.next(3).to_string());
            put("small_business_households", g.next(2).to_string());
            put("corporate_principal", g.around(1000));
            put("avg_deposits", g.around(2000));
            put("credit_cards", g.around(60));
            put("pos_merchants", g.around(3));
            put("wealth_sales", g.around(300));
            put("insurance_sales", g.around(30));
            put("npl_collected", g.around(12));
            put("npl_written_off", g.next(5).to_string());
            put("npl_replaced", g.next(4).to_string());
            // Most have no new bad loans; some a little.
            let npl = if g.next(6) == 0 { g.next(30) } else { 0 };
            put("new_npl", format!("{}.{}", npl / 10, npl % 10));
            put(
                "unpaid_interest",
                if g.next(8) == 0 { "1.2" } else { "0" }.into(),
            );
            rows.push(GridRow {
                line: rows.len() + 2,
                emp_no: format!("{code}{i:03}"),
                values: v.into_iter().collect(),
                version: None,
                reason: None,
            });
        }
    }
    store.enter_grid(hr, cy.id, None, &rows).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bank_is_about_two_thousand_people_in_three_levels() {
        let (rows, zhihang) = org();
        let people = rows.iter().filter(|r| !r.emp_no.is_empty()).count();
        assert!((1_900..=2_100).contains(&people), "{people}");
        assert_eq!(zhihang.len(), 15);
        // Every 支行 hangs under a 分行, every 分行 under 总行.
        for r in rows.iter().filter(|r| r.unit == "支行") {
            assert!(["BJ", "SH", "GZ"].contains(&r.parent.as_str()), "{r:?}");
        }
        // Every 工号 once; names are people's names, not numbers.
        let mut nos: Vec<&str> = rows
            .iter()
            .filter(|r| !r.emp_no.is_empty())
            .map(|r| r.emp_no.as_str())
            .collect();
        nos.sort();
        let n = nos.len();
        nos.dedup();
        assert_eq!(nos.len(), n);
        assert!(
            rows.iter()
                .all(|r| r.emp_no.is_empty() || (2..=3).contains(&r.name.chars().count()))
        );
    }
}
