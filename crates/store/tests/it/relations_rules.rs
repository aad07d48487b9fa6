//! 考核关系 from rules (issue 16): a cycle's rules find each appraisee's rater in the tree
//! (支行负责人 = the head of the 支行 above their team), a person named for one appraisee
//! beats the rule, a bad rule is refused naming its field; an import on a launched cycle
//! moves open tasks from the old holder's 待办 to the new one's, audited old → new, and a
//! change to a done task refuses the whole file by row and column. On SQLite and PostgreSQL.

use crate::common;

use common::*;
use kaohe_store::*;

use common::both;

both!(
    rules_assign_raters_from_the_tree,
    a_bad_rule_is_refused_naming_its_field,
    an_import_moves_open_tasks_and_refuses_done_ones,
);

fn root(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A bank in five levels: 总行 → 北京分行 → 中关村支行 → 公司业务部 → 公司一队.
const BANK: &str = "\
工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人,岗位,直接上级工号
H001,总行长,HO,总行,业务,总行,,H001,行长,
B001,分行长,BJ,北京分行,业务,分行,HO,B001,行长,H001
R001,分行人力,BJ,北京分行,业务,,,,人力专员,B001
Z001,支行长,ZGC,中关村支行,业务,支行,BJ,Z001,行长,B001
Z002,副行长,ZGC,中关村支行,业务,,,,副行长,Z001
D001,部门经理,ZGCGS,公司业务部,业务,部门,ZGC,D001,经理,Z001
T001,团队长,ZGCT1,公司一队,业务,团队,ZGCGS,T001,大客户经理,D001
E001,客户甲,ZGCT1,公司一队,业务,,,,大客户经理,T001
E002,客户乙,ZGCT1,公司一队,业务,,,,大客户经理,T001
";

/// The bank, F01, HR, and a user for each of 支行长, 副行长, 部门经理 and 团队长.
async fn setup(db: &Db) -> User {
    db.publish_template("hr", &root("templates/F01.toml"))
        .await
        .unwrap();
    db.import_org("hr", &parse_org_csv(BANK).unwrap())
        .await
        .unwrap();
    let hr = hr_user(db).await;
    for (u, no) in [
        ("z001", "Z001"),
        ("z002", "Z002"),
        ("d001", "D001"),
        ("t001", "T001"),
    ] {
        db.create_user(
            "test",
            &NewUser {
                username: u.into(),
                password: "a long password".into(),
                emp_no: Some(no.into()),
                grants: vec![Grant {
                    role: Role::Employee,
                    department_id: None,
                }],
                lang: "zh-CN".into(),
            },
        )
        .await
        .unwrap();
    }
    hr
}

fn cycle(rules: &[(&str, &str)]) -> NewCycle {
    NewCycle {
        name: "考核关系".into(),
        form_id: "F01".into(),
        period: "2026-11".into(),
        members: Members {
            employees: vec!["E001".into(), "E002".into(), "T001".into()],
            rules: rules
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        },
        confirm_window_hours: 72,
        ..Default::default()
    }
}

/// Each appraisee's supervisor rater on the 考核关系 page: (工号, rater's 工号, why).
async fn raters(db: &Db, id: i64) -> Vec<(String, Option<String>, Option<Why>)> {
    db.relations(id, Page::default())
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| {
            let t = r
                .tasks
                .into_iter()
                .find(|t| t.rater.as_deref() == Some("supervisor"))
                .expect("a supervisor rater");
            (r.emp_no, t.assignee.map(|a| a.0), t.why)
        })
        .collect()
}

/// The appraisees whose rating is in `user`'s 待办.
async fn todo(db: &Db, user: &str) -> Vec<String> {
    let u = db.user_by_name(user).await.unwrap().unwrap();
    let mut v: Vec<String> = db
        .tasks(&u)
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.kind == "rate" && t.status == "open")
        .filter_map(|t| t.appraisee)
        .collect();
    v.sort();
    v
}

async fn rules_assign_raters_from_the_tree(db: Db) {
    let hr = setup(&db).await;
    let cy = db
        .create_cycle("hr", &cycle(&[("supervisor", "支行负责人")]))
        .await
        .unwrap();
    // The draft's 考核关系: everyone in the team, and the 团队长 too, rated by the head of
    // 中关村支行 — not their direct supervisors (团队长, 部门经理).
    let rule = Some(Why::Rule("支行负责人".into()));
    let z = Some("Z001".to_string());
    let rel = db.relations(cy.id, Page::default()).await.unwrap();
    assert!(rel.draft);
    assert_eq!(rel.total_rows, 3);
    assert_eq!(
        raters(&db, cy.id).await,
        [
            ("E001".into(), z.clone(), rule.clone()),
            ("E002".into(), z.clone(), rule.clone()),
            ("T001".into(), z.clone(), rule.clone()),
        ]
    );
    // Without the rule: the direct supervisors.
    let plain = db
        .create_cycle(
            "hr",
            &NewCycle {
                name: "无规则".into(),
                ..cycle(&[])
            },
        )
        .await
        .unwrap();
    let sup = Some(Why::Supervisor);
    assert_eq!(
        raters(&db, plain.id).await,
        [
            ("E001".into(), Some("T001".into()), sup.clone()),
            ("E002".into(), Some("T001".into()), sup.clone()),
            ("T001".into(), Some("D001".into()), sup.clone()),
        ]
    );

    // A person named for 客户乙 beats the rule; audited as the cycle's edit.
    db.set_cycle_rater(&hr, cy.id, "E002", "supervisor", Some("Z002"))
        .await
        .unwrap();
    let got = raters(&db, cy.id).await;
    assert_eq!(
        got[1],
        ("E002".into(), Some("Z002".into()), Some(Why::Override))
    );
    assert_eq!(got[0].1, z, "the others keep the rule's");
    let edits = db
        .audit_search(&AuditQuery {
            entity: Some("cycle".into()),
            entity_id: Some(cy.id.to_string()),
            text: Some("Z002".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        edits.iter().any(|e| e.action == "cycle.update"),
        "{edits:?}"
    );
    // Nobody rates themself, and a rater must exist.
    for (no, field) in [("E002", "rater_emp_no"), ("X999", "rater_emp_no")] {
        match db
            .set_cycle_rater(&hr, cy.id, "E002", "supervisor", Some(no))
            .await
        {
            Err(StoreError::Fields(f)) => assert!(f.iter().any(|(k, _)| k == field), "{f:?}"),
            other => panic!("{no}: {other:?}"),
        }
    }

    // The launch preview and the launch assign the same.
    let preview = db.launch_preview(cy.id).await.unwrap();
    let e001 = preview.members.iter().find(|m| m.emp_no == "E001").unwrap();
    assert_eq!(e001.raters[0].emp_no.as_deref(), Some("Z001"));
    assert_eq!(e001.raters[0].why, Why::Rule("支行负责人".into()));
    db.launch_cycle("hr", cy.id).await.unwrap();
    assert_eq!(todo(&db, "z001").await, ["团队长", "客户甲"]);
    assert_eq!(todo(&db, "z002").await, ["客户乙"]);
    assert!(todo(&db, "t001").await.is_empty());
    assert!(todo(&db, "d001").await.is_empty());
    // Cleared again, the rule decides (on another draft).
    db.set_cycle_rater(&hr, plain.id, "E001", "supervisor", Some("Z002"))
        .await
        .unwrap();
    assert_eq!(raters(&db, plain.id).await[0].1.as_deref(), Some("Z002"));
    db.set_cycle_rater(&hr, plain.id, "E001", "supervisor", None)
        .await
        .unwrap();
    assert_eq!(
        raters(&db, plain.id).await[0],
        ("E001".into(), Some("T001".into()), sup)
    );
    // A copy for the next period keeps the rules.
    let next = db.copy_cycle("hr", cy.id).await.unwrap();
    assert_eq!(next.members.rules.get("supervisor").unwrap(), "支行负责人");
}

async fn a_bad_rule_is_refused_naming_its_field(db: Db) {
    setup(&db).await;
    for (rater, rule, field) in [
        ("supervisor", "区域负责人", "members.rules.supervisor"),
        ("supervisor", "老板", "members.rules.supervisor"),
        (
            "supervisor",
            "部门:不存在的部门",
            "members.rules.supervisor",
        ),
        ("supervisor", "工号:X999", "members.rules.supervisor"),
        ("no_such_role", "直接上级", "members.rules.no_such_role"),
    ] {
        match db.create_cycle("hr", &cycle(&[(rater, rule)])).await {
            Err(StoreError::Fields(f)) => {
                assert!(f.iter().any(|(k, _)| k == field), "{rule}: {f:?}")
            }
            other => panic!("{rule}: {other:?}"),
        }
    }
    // English aliases and departments by code or name are rules too.
    for rule in [
        "head:sub_branch",
        "dept:ZGCGS",
        "部门:公司业务部",
        "emp:Z002",
        "head",
    ] {
        let cy = db
            .create_cycle(
                "hr",
                &NewCycle {
                    name: format!("规则 {rule}"),
                    ..cycle(&[("supervisor", rule)])
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{rule}: {e}"));
        assert_eq!(cy.members.rules["supervisor"], rule);
    }
    // A saved draft refuses it on edit too.
    let cy = db.create_cycle("hr", &cycle(&[])).await.unwrap();
    match db
        .update_cycle("hr", cy.id, &cycle(&[("supervisor", "head:区域")]))
        .await
    {
        Err(StoreError::Fields(f)) => assert!(
            f.iter().any(|(k, _)| k == "members.rules.supervisor"),
            "{f:?}"
        ),
        other => panic!("{other:?}"),
    }
}

fn edit(line: usize, emp_no: &str, rater: &str) -> RelationEdit {
    RelationEdit {
        line,
        emp_no: emp_no.into(),
        emp_col: "A 工号".into(),
        raters: vec![("supervisor".into(), "C 评分人".into(), rater.into())],
    }
}

async fn an_import_moves_open_tasks_and_refuses_done_ones(db: Db) {
    let hr = setup(&db).await;
    let cy = db.create_cycle("hr", &cycle(&[])).await.unwrap();
    // On the draft, an import names raters per person; the same file again changes nothing.
    let file = [edit(2, "E001", "Z002"), edit(3, "E002", "T001")];
    let r = db.import_relations(&hr, cy.id, &file).await.unwrap();
    assert_eq!((r.draft, r.changed), (true, 1));
    assert_eq!(
        db.cycle(cy.id).await.unwrap().members.raters["E001"]["supervisor"],
        "Z002"
    );
    let r = db.import_relations(&hr, cy.id, &file).await.unwrap();
    assert_eq!(r.changed, 0);
    // Back to the supervisor (the export's cell), then launched.
    db.import_relations(&hr, cy.id, &[edit(2, "E001", "")])
        .await
        .unwrap();
    db.launch_cycle("hr", cy.id).await.unwrap();
    assert_eq!(todo(&db, "t001").await, ["客户乙", "客户甲"]);
    assert_eq!(todo(&db, "d001").await, ["团队长"]);

    // The export as it is imports without a change.
    let unchanged = [
        edit(2, "E001", "T001"),
        edit(3, "E002", "团队长 (T001)"),
        edit(4, "T001", "D001"),
    ];
    let r = db.import_relations(&hr, cy.id, &unchanged).await.unwrap();
    assert_eq!((r.draft, r.changed), (false, 0));

    // 客户甲 to the 支行长: the task leaves 团队长's 待办 for 支行长's, audited old → new.
    let r = db
        .import_relations(&hr, cy.id, &[edit(2, "E001", "Z001")])
        .await
        .unwrap();
    assert_eq!(r.changed, 1);
    assert_eq!(todo(&db, "t001").await, ["客户乙"]);
    assert_eq!(todo(&db, "z001").await, ["客户甲"]);
    let moved = db
        .audit_search(&AuditQuery {
            entity: Some("task".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let m = moved
        .iter()
        .find(|e| e.action == "task.reassign")
        .expect("the move is audited");
    assert_eq!(m.old_value.as_deref(), Some("T001 团队长"));
    assert_eq!(m.new_value.as_deref(), Some("Z001 支行长"));
    assert_eq!(m.actor, "hr");

    // 客户乙's rating is done: changing its rater refuses the file by row and column, and
    // the open change in the same file is not made either.
    sqlx::query(
        "UPDATE tasks SET status = 'done' WHERE kind = 'rate' AND appraisal_id IN \
         (SELECT a.id FROM appraisals a JOIN employees e ON e.id = a.employee_id WHERE e.emp_no = 'E002')",
    )
    .execute(db.pool())
    .await
    .unwrap();
    let bad = [
        edit(2, "E001", "D001"),
        edit(3, "E002", "Z002"),
        edit(4, "X999", "Z002"),
        edit(5, "T001", "Q404"),
    ];
    match db.import_relations(&hr, cy.id, &bad).await {
        Err(StoreError::Rows(rows)) => {
            let at: Vec<(usize, &str)> = rows.iter().map(|(l, c, _)| (*l, c.as_str())).collect();
            assert_eq!(
                at,
                [(3, "C 评分人"), (4, "A 工号"), (5, "C 评分人")],
                "{rows:?}"
            );
            assert!(rows[0].2.render(Lang::Zh).contains("已经完成"), "{rows:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(todo(&db, "z001").await, ["客户甲"], "nothing moved");
    assert!(todo(&db, "d001").await.contains(&"团队长".to_string()));
}
