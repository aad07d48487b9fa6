//! Effective-dated posts (issue 16): a transfer on the 15th leaves October's appraisal with
//! the old 支行 and puts November's in the new one (the posts in force on the period's last
//! day); a 兼岗 (second post) is appraised in its own unit with its own rater, and ends when a
//! file with the 岗位类型 column leaves it out; bad dates and posts are refused by line and
//! column, storing nothing; an export with 兼岗 imports back unchanged. On SQLite and
//! PostgreSQL.

use crate::common;

use common::*;
use kaohe_store::*;

use common::both;

both!(
    a_mid_month_transfer_keeps_old_months_with_the_old_unit,
    a_second_post_is_appraised_in_its_own_unit_until_it_ends,
    bad_posts_and_dates_name_line_and_column_and_store_nothing,
    an_export_with_second_posts_imports_back_unchanged,
);

fn root(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A 分行 with two 支行 (A: ZA, head 甲行长 A001; B: ZB, head 乙行长 B001); 张三 (E001) and
/// 李四 (E002) are 大客户经理 in 支行A under A001.
const ORG: &str = "\
工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人,岗位,直接上级工号
H001,分行长,FH,某分行,业务,分行,,H001,行长,
A001,甲行长,ZA,支行A,业务,支行,FH,A001,行长,H001
B001,乙行长,ZB,支行B,业务,支行,FH,B001,行长,H001
E001,张三,ZA,支行A,业务,支行,FH,,大客户经理,A001
E002,李四,ZA,支行A,业务,支行,FH,,大客户经理,A001
";

async fn import(db: &Db, csv: &str) -> Result<ImportSummary> {
    db.import_org("hr", &parse_org_csv(csv).unwrap()).await
}

async fn setup(db: &Db, org: &str) -> User {
    db.publish_template("hr", &root("templates/F01.toml"))
        .await
        .unwrap();
    import(db, org).await.unwrap();
    hr_user(db).await
}

fn dept_id(ds: &[Department], code: &str) -> i64 {
    ds.iter().find(|d| d.code == code).unwrap().id
}

/// A launched F01 cycle for `period` over the holders of `positions` (the form's when empty).
async fn cycle(db: &Db, name: &str, period: &str, positions: &[&str]) -> Cycle {
    let cy = db
        .create_cycle(
            "hr",
            &NewCycle {
                name: name.into(),
                form_id: "F01".into(),
                period: period.into(),
                members: Members {
                    positions: positions.iter().map(|p| p.to_string()).collect(),
                    ..Default::default()
                },
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    db.launch_cycle("hr", cy.id).await.unwrap();
    cy
}

/// Each appraisee of a cycle: (工号, department code, group, the supervisor rater's 工号).
async fn placed(db: &Db, cy: &Cycle) -> Vec<(String, String, String, String)> {
    let ds = db.departments().await.unwrap();
    let code = |id: i64| ds.iter().find(|d| d.id == id).unwrap().code.clone();
    let results = db.results(cy.id).await.unwrap();
    let rel = db.relations(cy.id, Page::default()).await.unwrap();
    let mut out: Vec<(String, String, String, String)> = results
        .iter()
        .map(|r| {
            let row = rel.rows.iter().find(|x| x.emp_no == r.emp_no).unwrap();
            assert_eq!(row.department_id, r.department_id, "relations: same unit");
            let rater = row
                .tasks
                .iter()
                .find(|t| t.kind == "rate")
                .and_then(|t| t.assignee.clone())
                .map(|a| a.0)
                .unwrap_or_default();
            (
                r.emp_no.clone(),
                code(r.department_id),
                r.group.clone(),
                rater,
            )
        })
        .collect();
    out.sort();
    out
}

fn row(no: &str, dept: &str, grp: &str, rater: &str) -> (String, String, String, String) {
    (no.into(), dept.into(), grp.into(), rater.into())
}

async fn reviewer(db: &Db, name: &str, dept: i64) -> User {
    db.create_user(
        "hr",
        &NewUser {
            username: name.into(),
            password: "晴天-blue-river-42".into(),
            emp_no: None,
            grants: vec![Grant {
                role: Role::Reviewer,
                department_id: Some(dept),
            }],
            lang: "zh-CN".into(),
        },
    )
    .await
    .unwrap();
    db.user_by_name(name).await.unwrap().unwrap()
}

/// The 工号s of a cycle's appraisals `who` is listed.
async fn listed(db: &Db, who: &User, cy: &Cycle) -> Vec<String> {
    let mut v: Vec<String> = db
        .appraisals(who, Some(cy.id), None, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.emp_no)
        .collect();
    v.sort();
    v
}

async fn results_within(db: &Db, cy: &Cycle, depts: Vec<i64>) -> Vec<String> {
    let mut v: Vec<String> = db
        .results_page(
            cy.id,
            &ResultQuery {
                within: Some(depts.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.emp_no)
        .collect();
    v.sort();
    let mut after: Vec<String> = db
        .results_after(
            cy.id,
            &policy::Scope::Departments(depts),
            None,
            Page::default(),
        )
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.emp_no)
        .collect();
    after.sort();
    assert_eq!(v, after, "the API's results agree with the page's");
    v
}

async fn a_mid_month_transfer_keeps_old_months_with_the_old_unit(db: Db) {
    let hr = setup(&db, ORG).await;
    let ds = db.departments().await.unwrap();
    let (fh, za, zb) = (dept_id(&ds, "FH"), dept_id(&ds, "ZA"), dept_id(&ds, "ZB"));
    let oct = cycle(&db, "10月", "2026-10", &[]).await;
    assert_eq!(
        placed(&db, &oct).await,
        [
            row("E001", "ZA", "支行A", "A001"),
            row("E002", "ZA", "支行A", "A001")
        ]
    );

    // 张三 moves to 支行B on the 15th of November, under 乙行长.
    import(
        &db,
        "工号,姓名,部门编码,岗位,直接上级工号,生效日期\nE001,张三,ZB,大客户经理,B001,2026/11/15\n",
    )
    .await
    .unwrap();
    let posts = db.posts("E001").await.unwrap();
    let brief: Vec<(PostKind, &str, Option<&str>, Option<&str>, Option<&str>)> = posts
        .iter()
        .map(|p| {
            (
                p.kind,
                p.department.as_str(),
                p.supervisor_emp_no.as_deref(),
                p.from.as_deref(),
                p.to.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        brief,
        [
            (PostKind::Main, "ZA", Some("A001"), None, Some("2026-11-14")),
            (PostKind::Main, "ZB", Some("B001"), Some("2026-11-15"), None),
        ]
    );
    // The employee is where the main post is now.
    assert_eq!(
        db.employee("E001").await.unwrap().unwrap().department_id,
        zb
    );
    // The move audited old → new.
    let log = db.audit_log(0, 10_000).await.unwrap();
    let moves: Vec<&AuditEntry> = log
        .iter()
        .filter(|e| e.action == "employee.post" && e.entity_id == "E001")
        .collect();
    assert_eq!(moves.len(), 2, "{moves:?}");
    assert!(
        moves[0].old_value.as_deref().unwrap().contains("\"ZA\"")
            && moves[0]
                .new_value
                .as_deref()
                .unwrap()
                .contains("2026-11-14"),
        "{moves:?}"
    );
    assert!(
        moves[1].new_value.as_deref().unwrap().contains("\"ZB\"")
            && moves[1]
                .new_value
                .as_deref()
                .unwrap()
                .contains("2026-11-15"),
        "{moves:?}"
    );

    // November (last day the 30th) places him in 支行B, rated by 乙行长; October stays in A.
    let nov = cycle(&db, "11月", "2026-11", &[]).await;
    assert_eq!(
        placed(&db, &nov).await,
        [
            row("E001", "ZB", "支行B", "B001"),
            row("E002", "ZA", "支行A", "A001")
        ]
    );
    assert_eq!(
        placed(&db, &oct).await,
        [
            row("E001", "ZA", "支行A", "A001"),
            row("E002", "ZA", "支行A", "A001")
        ]
    );
    // An October cycle launched after the move still places him in A (the post on 10-31).
    let oct2 = cycle(&db, "10月补充", "2026-10", &[]).await;
    assert_eq!(
        placed(&db, &oct2).await,
        [
            row("E001", "ZA", "支行A", "A001"),
            row("E002", "ZA", "支行A", "A001")
        ]
    );

    // A's reviewer keeps October's appraisal and does not get November's; B's the reverse.
    let rev_a = reviewer(&db, "fuhe_a", za).await;
    let rev_b = reviewer(&db, "fuhe_b", zb).await;
    assert_eq!(listed(&db, &rev_a, &oct).await, ["E001", "E002"]);
    assert_eq!(listed(&db, &rev_a, &nov).await, ["E002"]);
    assert!(listed(&db, &rev_b, &oct).await.is_empty());
    assert_eq!(listed(&db, &rev_b, &nov).await, ["E001"]);
    let e001 = |cy: &Cycle| {
        let db = &db;
        let hr = &hr;
        let id = cy.id;
        async move {
            db.appraisals(hr, Some(id), None, Page::default())
                .await
                .unwrap()
                .into_iter()
                .find(|a| a.emp_no == "E001")
                .unwrap()
        }
    };
    let (a_oct, a_nov) = (e001(&oct).await, e001(&nov).await);
    assert_eq!(
        (a_oct.department.as_str(), a_nov.department.as_str()),
        ("支行A", "支行B")
    );
    assert!(db.appraisal(&rev_a, a_oct.id).await.is_ok());
    assert!(matches!(
        db.appraisal(&rev_a, a_nov.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(db.appraisal(&rev_b, a_nov.id).await.is_ok());
    assert!(matches!(
        db.appraisal(&rev_b, a_oct.id).await,
        Err(StoreError::NotFound { .. })
    ));
    // Results for A's subtree: October's only; the 分行's subtree has both months.
    assert_eq!(results_within(&db, &oct, vec![za]).await, ["E001", "E002"]);
    assert_eq!(results_within(&db, &nov, vec![za]).await, ["E002"]);
    assert_eq!(results_within(&db, &nov, vec![zb]).await, ["E001"]);
    assert_eq!(
        results_within(&db, &nov, vec![fh, za, zb]).await,
        ["E001", "E002"]
    );
    // Progress per department and the cycles B's people are in.
    let progress = db.cycle_progress(nov.id).await.unwrap();
    let per: Vec<(String, i64)> = progress
        .departments
        .iter()
        .map(|d| (d.department.clone(), d.total))
        .collect();
    assert!(per.contains(&("支行B".to_string(), 1)), "{per:?}");
    assert!(per.contains(&("支行A".to_string(), 1)), "{per:?}");
    let of_b: Vec<i64> = db
        .cycles(&policy::Scope::Departments(vec![zb]), Page::default())
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(of_b, [nov.id]);
}

/// 张三's main post is 大客户经理 in A (under 甲行长); his 兼岗 is 理财经理 in B with no
/// supervisor of its own; 李四's main post is 理财经理 in B.
const ORG_SECOND: &str = "\
工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人,岗位,直接上级工号,岗位类型
H001,分行长,FH,某分行,业务,分行,,H001,行长,,主岗
A001,甲行长,ZA,支行A,业务,支行,FH,A001,行长,H001,主岗
B001,乙行长,ZB,支行B,业务,支行,FH,B001,行长,H001,
E001,张三,ZA,支行A,业务,支行,FH,,大客户经理,A001,主岗
E001,张三,ZB,支行B,业务,支行,FH,,理财经理,,兼岗
E002,李四,ZB,支行B,业务,支行,FH,,理财经理,B001,
";

async fn a_second_post_is_appraised_in_its_own_unit_until_it_ends(db: Db) {
    setup(&db, ORG_SECOND).await;
    let posts = db.posts("E001").await.unwrap();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(
        (
            posts[1].kind,
            posts[1].department.as_str(),
            posts[1].position.as_deref()
        ),
        (PostKind::Second, "ZB", Some("理财经理"))
    );
    // The employee row is the main post.
    let ds = db.departments().await.unwrap();
    assert_eq!(
        db.employee("E001").await.unwrap().unwrap().department_id,
        dept_id(&ds, "ZA")
    );

    // A cycle for each post's position places him in that post's unit, with that post's
    // rater: the main post's supervisor; for the 兼岗 (none given) 支行B's head.
    let x = cycle(&db, "大客户经理11月", "2026-11", &["大客户经理"]).await;
    assert_eq!(placed(&db, &x).await, [row("E001", "ZA", "支行A", "A001")]);
    let y = cycle(&db, "理财经理11月", "2026-11", &["理财经理"]).await;
    assert_eq!(
        placed(&db, &y).await,
        [
            row("E001", "ZB", "支行B", "B001"),
            row("E002", "ZB", "支行B", "B001")
        ]
    );
    // Both posts in one cycle: one appraisal, by the main post.
    let both = cycle(&db, "两岗11月", "2026-11", &["大客户经理", "理财经理"]).await;
    assert_eq!(
        placed(&db, &both).await,
        [
            row("E001", "ZA", "支行A", "A001"),
            row("E002", "ZB", "支行B", "B001")
        ]
    );

    // A file without the 岗位类型 column changes no 兼岗.
    import(
        &db,
        "工号,姓名,部门编码,岗位,直接上级工号\nE001,张三,ZA,大客户经理,A001\n",
    )
    .await
    .unwrap();
    assert_eq!(db.posts("E001").await.unwrap(), posts, "kept");

    // A file with the column that leaves the 兼岗 out ends it the day before 生效日期.
    import(
        &db,
        "工号,姓名,部门编码,岗位,直接上级工号,岗位类型,生效日期\nE001,张三,ZA,大客户经理,A001,主岗,2026-11-20\n",
    )
    .await
    .unwrap();
    let now = db.posts("E001").await.unwrap();
    assert_eq!(now.len(), 2, "{now:?}");
    assert_eq!(now[0], posts[0], "the main post is untouched");
    assert_eq!(
        (now[1].kind, now[1].to.as_deref()),
        (PostKind::Second, Some("2026-11-19"))
    );
    let log = db.audit_log(0, 10_000).await.unwrap();
    let ended = log
        .iter()
        .rfind(|e| e.action == "employee.post" && e.entity_id == "E001")
        .unwrap();
    assert!(
        ended.old_value.as_deref().unwrap().contains("兼岗")
            && ended.new_value.as_deref().unwrap().contains("2026-11-19"),
        "{ended:?}"
    );
    // A later cycle for 理财经理 no longer includes him; the launched ones keep him.
    let later = cycle(&db, "理财经理12月", "2026-12", &["理财经理"]).await;
    assert_eq!(
        placed(&db, &later).await,
        [row("E002", "ZB", "支行B", "B001")]
    );
    assert_eq!(placed(&db, &y).await.len(), 2);
    // The export shows no 兼岗 for him any more.
    let rows = db.org_export().await.unwrap();
    assert_eq!(rows.iter().filter(|r| r.emp_no == "E001").count(), 1);
}

async fn bad_posts_and_dates_name_line_and_column_and_store_nothing(db: Db) {
    setup(&db, ORG).await;
    import(
        &db,
        "工号,姓名,部门编码,岗位,生效日期\nE001,张三,ZB,大客户经理,2026-11-15\n",
    )
    .await
    .unwrap();
    let before = org_csv(&db.org_export().await.unwrap());
    let posts = db.posts("E001").await.unwrap();
    let audits = db.audit_log(0, 10_000).await.unwrap().len();
    let bad = "\
工号,姓名,部门编码,岗位,直接上级工号,岗位类型,生效日期
E001,张三,ZA,大客户经理,,主岗,2026-11-01
E002,李四,ZB,大客户经理,,主岗,2026-13-45
E003,王五,ZB,大客户经理,,,2999-01-01
Z999,某人,ZB,理财经理,,兼岗,
E002,李四,ZA,大客户经理,,主岗,
E001,张三,ZB,理财经理,,临时,
";
    let rows = parse_org_csv(bad).unwrap();
    for r in [db.check_org(&rows).await, db.import_org("hr", &rows).await] {
        let Err(StoreError::Rows(p)) = r else {
            panic!("{r:?}")
        };
        let got: Vec<(usize, &str)> = p.iter().map(|(l, c, _)| (*l, c.as_str())).collect();
        assert_eq!(
            got,
            [
                (2, "生效日期 effective_date"),
                (3, "生效日期 effective_date"),
                (4, "生效日期 effective_date"),
                (5, "工号 emp_no"),
                (6, "工号 emp_no"),
                (7, "岗位类型 post_kind"),
            ],
            "{p:?}"
        );
        let zh: Vec<String> = p.iter().map(|(_, _, m)| m.render(Lang::Zh)).collect();
        assert!(zh[0].contains("2026-11-15"), "the post's start: {zh:?}");
        assert!(zh[1].contains("2026-13-45"), "{zh:?}");
        assert!(zh[2].contains("生效日期不能晚于今天"), "{zh:?}");
        assert!(zh[3].contains("Z999") && zh[3].contains("主岗"), "{zh:?}");
        assert!(zh[4].contains("第 3 行"), "{zh:?}");
        assert!(zh[5].contains("临时"), "{zh:?}");
        let en = p[2].2.render(Lang::En);
        assert!(en.contains("later than today"), "{en}");
    }
    // Nothing stored.
    assert_eq!(org_csv(&db.org_export().await.unwrap()), before);
    assert_eq!(db.posts("E001").await.unwrap(), posts);
    assert!(db.employee("E003").await.unwrap().is_none());
    assert_eq!(db.audit_log(0, 10_000).await.unwrap().len(), audits);
    // A 兼岗 of someone in the organisation but not in the file is refused too.
    let p = db
        .import_org(
            "hr",
            &parse_org_csv("工号,姓名,部门编码,岗位,岗位类型\nE002,李四,ZB,理财经理,兼岗\n")
                .unwrap(),
        )
        .await;
    assert!(
        matches!(&p, Err(StoreError::Rows(v)) if v.len() == 1 && v[0].0 == 2 && v[0].1 == "工号 emp_no"),
        "{p:?}"
    );
}

async fn an_export_with_second_posts_imports_back_unchanged(db: Db) {
    setup(&db, ORG_SECOND).await;
    let first = db.org_export().await.unwrap();
    let text = String::from_utf8(org_csv(&first)).unwrap();
    assert!(
        text.starts_with("\u{feff}工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人,岗位,直接上级工号,岗位类型,生效日期\r\n"),
        "{text}"
    );
    assert!(
        text.contains("E001,张三,ZA,支行A,业务,支行,FH,A001,大客户经理,A001,主岗,\r\n"),
        "{text}"
    );
    assert!(
        text.contains("E001,张三,ZB,支行B,业务,支行,FH,B001,理财经理,,兼岗,\r\n"),
        "{text}"
    );
    let posts = db.posts("E001").await.unwrap();
    let audits = db.audit_log(0, 10_000).await.unwrap().len();
    import(&db, &text).await.unwrap();
    assert_eq!(
        String::from_utf8(org_csv(&db.org_export().await.unwrap())).unwrap(),
        text,
        "an export imports back unchanged"
    );
    assert_eq!(db.posts("E001").await.unwrap(), posts);
    let changes: Vec<AuditEntry> = db.audit_log(0, 10_000).await.unwrap()[audits..]
        .iter()
        .filter(|e| e.action != "org.import")
        .cloned()
        .collect();
    assert!(changes.is_empty(), "{changes:?}");

    // The export without the 兼岗 row, imported without a date: today is its last day.
    let without: String = text
        .split("\r\n")
        .filter(|l| !l.ends_with(",兼岗,"))
        .collect::<Vec<_>>()
        .join("\r\n");
    import(&db, &without).await.unwrap();
    let ended = db.posts("E001").await.unwrap();
    assert_eq!(
        (ended[1].kind, ended[1].to.clone()),
        (PostKind::Second, Some(today()))
    );
    assert_eq!(ended[0], posts[0]);
}
