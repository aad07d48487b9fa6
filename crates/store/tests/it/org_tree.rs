//! The organisation as a tree (issue 16): departments nest to any depth, each with a head
//! and a unit kind; the import refuses unknown parents, loops and unknown heads by line and
//! column, storing nothing; an export imports back unchanged; a grant scoped to a department
//! covers its whole subtree.

use kaohe_store::*;

use crate::common;
use common::*;

use common::both;

both!(
    a_tree_is_imported_exported_and_imported_back_unchanged,
    tree_errors_name_line_and_column_and_store_nothing,
    a_grant_on_a_branch_covers_its_sub_branches,
    a_flat_file_keeps_a_stored_tree,
);

/// A bank in three levels: 总行 → 两个分行 → 各两个支行, plus a team under one 支行.
pub const BANK: &str = "\
工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人,岗位,直接上级工号
H001,总行长,HO,总行,业务,总行,,H001,行长,
,,BJ,北京分行,业务,分行,HO,B001,,
B001,京行长,BJ,北京分行,业务,分行,总行,,行长,H001
B101,海淀长,BJHD,海淀支行,业务,支行,BJ,B101,行长,B001
B102,海淀员,BJHD,海淀支行,业务,支行,BJ,,客户经理,B101
B201,朝阳长,BJCY,朝阳支行,业务,支行,北京分行,B201,行长,B001
B202,朝阳员,BJCY,朝阳支行,业务,支行,BJ,,客户经理,B201
T001,团队长,BJCYT1,朝阳一队,业务,团队,BJCY,T001,客户经理,B201
S001,沪行长,SH,上海分行,业务,分行,HO,S001,行长,H001
S101,浦东长,SHPD,浦东支行,业务,支行,SH,S101,行长,S001
S102,浦东员,SHPD,浦东支行,业务,支行,SH,,客户经理,S101
S201,徐汇长,SHXH,徐汇支行,业务,支行,SH,S201,行长,S001
";

pub async fn bank(db: &Db) {
    db.import_org("hr", &parse_org_csv(BANK).unwrap())
        .await
        .unwrap();
}

fn dept<'a>(ds: &'a [Department], code: &str) -> &'a Department {
    ds.iter().find(|d| d.code == code).unwrap()
}

fn csv_of(rows: &[OrgRow]) -> String {
    String::from_utf8(org_csv(rows)).unwrap()
}

async fn a_tree_is_imported_exported_and_imported_back_unchanged(db: Db) {
    bank(&db).await;
    let ds = db.departments().await.unwrap();
    assert_eq!(ds.len(), 8);
    let (ho, bj, cy, t1) = (
        dept(&ds, "HO"),
        dept(&ds, "BJ"),
        dept(&ds, "BJCY"),
        dept(&ds, "BJCYT1"),
    );
    assert_eq!(ho.parent_id, None);
    assert_eq!(ho.unit, Some(Unit::HeadOffice));
    // A parent given by name (总行, 北京分行) is the same as by code.
    assert_eq!(bj.parent_id, Some(ho.id));
    assert_eq!(cy.parent_id, Some(bj.id));
    assert_eq!(t1.parent_id, Some(cy.id));
    assert_eq!(t1.unit, Some(Unit::Team));
    assert_eq!(bj.head, Some(("B001".into(), "京行长".into())));
    // The tree in reading order, indented by depth.
    let order: Vec<String> = tree_order(&ds)
        .iter()
        .map(|(depth, d)| format!("{}{}", "  ".repeat(*depth), d.name))
        .collect();
    assert_eq!(
        order,
        [
            "总行",
            "  北京分行",
            "    朝阳支行",
            "      朝阳一队",
            "    海淀支行",
            "  上海分行",
            "    浦东支行",
            "    徐汇支行",
        ]
    );
    // Each change audited old → new.
    let log = db.audit_log(0, 1000).await.unwrap();
    let bj_change = log
        .iter()
        .find(|e| e.action == "department.change" && e.entity_id == "BJ")
        .expect("BJ's place in the tree audited");
    let new = bj_change.new_value.as_deref().unwrap();
    assert!(
        new.contains("\"HO\"") && new.contains("B001") && new.contains("分行"),
        "{new}"
    );

    // Export, import back: nothing changes, the export is the same, no department changes.
    let first = db.org_export().await.unwrap();
    let text = csv_of(&first);
    assert!(text.starts_with("\u{feff}工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人,岗位,直接上级工号,岗位类型,生效日期\r\n"), "{text}");
    assert!(
        text.contains("B201,朝阳长,BJCY,朝阳支行,业务,支行,BJ,B201,行长,B001,主岗,\r\n"),
        "{text}"
    );
    let audits_before = db.audit_log(0, 10_000).await.unwrap().len();
    let again = parse_org_csv(&text).unwrap();
    assert_eq!(again.len(), first.len());
    db.import_org("hr", &again).await.unwrap();
    let second = csv_of(&db.org_export().await.unwrap());
    assert_eq!(second, text, "an export imports back unchanged");
    let after = db.audit_log(0, 10_000).await.unwrap();
    let changes: Vec<&AuditEntry> = after[audits_before..]
        .iter()
        .filter(|e| e.action != "org.import")
        .collect();
    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(db.departments().await.unwrap(), ds);
}

async fn tree_errors_name_line_and_column_and_store_nothing(db: Db) {
    bank(&db).await;
    let before = db.org_export().await.unwrap();
    let problems_of = |e: StoreError| match e {
        StoreError::Rows(p) => p
            .into_iter()
            .map(|(line, field, m)| (line, field, m.render(Lang::Zh)))
            .collect::<Vec<_>>(),
        e => panic!("{e:?}"),
    };
    // An unknown parent, a head nobody knows, a unit kind that is none.
    let bad = "\
工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人
N001,新员工,GZ,广州分行,业务,分行,不存在的行,
N002,新员工二,GZTH,天河支行,业务,支行,GZ,Z999
N003,新员工三,GZTH,天河支行,业务,分公司,GZ,
";
    let p = problems_of(
        db.import_org("hr", &parse_org_csv(bad).unwrap())
            .await
            .unwrap_err(),
    );
    assert!(
        p.iter()
            .any(|(l, f, m)| *l == 2 && f == "上级部门 parent" && m.contains("`不存在的行`")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|(l, f, m)| *l == 3 && f == "负责人 head" && m.contains("`Z999`")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|(l, f, m)| *l == 4 && f == "单位层级 unit" && m.contains("`分公司`")),
        "{p:?}"
    );
    // A loop A → B → A, one in the file and one through the stored tree (HO under SHXH).
    let looped = "\
工号,姓名,部门编码,部门名称,上级部门
N001,甲,A,甲部,B
N002,乙,B,乙部,A
N003,丙,HO,总行,SHXH
";
    let p = problems_of(
        db.import_org("hr", &parse_org_csv(looped).unwrap())
            .await
            .unwrap_err(),
    );
    for (line, path) in [
        (2, "A → B → A"),
        (3, "B → A → B"),
        (4, "HO → SHXH → SH → HO"),
    ] {
        assert!(
            p.iter()
                .any(|(l, f, m)| *l == line && f == "上级部门 parent" && m.contains(path)),
            "line {line}: {p:?}"
        );
    }
    // A department given two parents.
    let twice = "\
工号,姓名,部门编码,上级部门
N001,甲,X,BJ
N002,乙,X,SH
";
    let p = problems_of(
        db.import_org("hr", &parse_org_csv(twice).unwrap())
            .await
            .unwrap_err(),
    );
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!((p[0].0, p[0].1.as_str()), (3, "上级部门 parent"));
    assert!(p[0].2.contains("第 2 行"), "{p:?}");
    // Nothing of any of them was stored; a check says the same without storing.
    assert_eq!(db.org_export().await.unwrap().len(), before.len());
    assert!(db.employee("N001").await.unwrap().is_none());
    assert!(matches!(
        db.check_org(&parse_org_csv(looped).unwrap()).await,
        Err(StoreError::Rows(_))
    ));
    assert_eq!(
        csv_of(&db.org_export().await.unwrap()),
        csv_of(&before),
        "nothing stored"
    );
}

async fn a_grant_on_a_branch_covers_its_sub_branches(db: Db) {
    bank(&db).await;
    let ds = db.departments().await.unwrap();
    let bj = dept(&ds, "BJ").id;
    db.create_user(
        "hr",
        &NewUser {
            username: "bjfuhe".into(),
            password: "晴天-blue-river-42".into(),
            emp_no: None,
            grants: vec![Grant {
                role: Role::Reviewer,
                department_id: Some(bj),
            }],
            lang: "zh-CN".into(),
        },
    )
    .await
    .unwrap();
    let u = db.user_by_name("bjfuhe").await.unwrap().unwrap();
    // The grant as given stays one grant (the users page and `user grant` show it so).
    assert_eq!(u.grants.len(), 1);
    let scope = policy::require(&u, policy::Capability::ViewEmployees).unwrap();
    let mut names: Vec<String> = db
        .employees(&scope, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    names.sort();
    let mut want = vec!["京行长", "海淀长", "海淀员", "朝阳长", "朝阳员", "团队长"];
    want.sort();
    assert_eq!(names, want);
    for d in ["BJ", "BJHD", "BJCY", "BJCYT1"] {
        assert!(scope.contains(dept(&ds, d).id), "{d}");
    }
    for d in ["HO", "SH", "SHPD", "SHXH"] {
        assert!(!scope.contains(dept(&ds, d).id), "{d}");
    }
    // A 支行 moved under 上海分行 leaves 北京分行's scope at once.
    db.import_org(
        "hr",
        &parse_org_csv("工号,姓名,部门编码,上级部门\nB201,朝阳长,BJCY,SH\n").unwrap(),
    )
    .await
    .unwrap();
    let u = db.user_by_name("bjfuhe").await.unwrap().unwrap();
    let scope = policy::require(&u, policy::Capability::ViewEmployees).unwrap();
    assert!(!scope.contains(dept(&ds, "BJCY").id));
    assert!(!scope.contains(dept(&ds, "BJCYT1").id));
    assert!(scope.contains(dept(&ds, "BJHD").id));
}

async fn a_flat_file_keeps_a_stored_tree(db: Db) {
    bank(&db).await;
    let ds = db.departments().await.unwrap();
    // The old format (no tree columns): employees change, the tree stays.
    db.import_org(
        "hr",
        &parse_org_csv("工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号\nB102,海淀员,BJHD,海淀支行,业务,柜员,B101\n")
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(db.departments().await.unwrap(), ds);
    let flat = db.org_export().await.unwrap();
    assert!(
        flat.iter()
            .any(|r| r.emp_no == "B102" && r.position == "柜员")
    );
}
