//! Peer and 360 ratings (同事评分) through the store: peers picked by the rule (rotation in 工号
//! order, never oneself nor one's supervisor, N of them) or by HR's list (checked when the
//! cycle is saved, each refusal naming its field); each peer's answer kept on their task; the
//! appraisal's peer column — and its part in the total — only once K answered, as the mean;
//! and nobody but the peer reading an individual answer, nor anyone but HR the peers' names.
//! On SQLite and PostgreSQL.

use crate::common;

use common::*;
use kaohe_store::*;
use rust_decimal::Decimal;

use common::both;

both!(
    peers_are_picked_by_rotation_or_by_hr,
    hr_peer_lists_are_checked_naming_the_field,
    the_peer_mean_counts_only_from_k_answers_and_stays_anonymous,
    peers_do_not_hold_the_sheet_up_and_stop_when_rating_ends,
    a_launch_preview_names_who_would_be_short_of_peers,
);

/// Before launching, HR learns who would have fewer peers than the answers needed — their
/// peer items could never be scored: 孙七 alone in 财务部 (同部门), and on a form where HR
/// names the peers (HR指定) everyone the cycle's list leaves out. Those named are not.
async fn a_launch_preview_names_who_would_be_short_of_peers(db: Db) {
    let hr = org(&db).await;
    let mut n = cycle(&[("E005", &["F001", "E001", "E002"])]);
    n.members.employees.push("F001".into());
    let cy = db.create_cycle("hr", &n).await.unwrap();
    let p = db.launch_preview(cy.id).await.unwrap();
    assert_eq!(p.members.len(), 6);
    assert_eq!(
        p.short_of_peers,
        [ShortOfPeers {
            emp_no: "F001".into(),
            name: "孙七".into(),
            rater: "peers".into(),
            rater_name: "同事".into(),
            rater_name_en: Some("Peers".into()),
            found: 0,
            needed: 3,
            hr_pick: false,
        }]
    );
    // HR指定: only E005 has a list; the others would get no peers at all.
    let hr_form = PEER_FORM
        .replace("id = \"T360\"", "id = \"T360H\"")
        .replace("min_answers = 3", "min_answers = 3\npick = \"HR指定\"");
    db.publish_template("hr", &hr_form).await.unwrap();
    let mut n = cycle(&[("E005", &["F001", "E001", "E002"]), ("E004", &["E001"])]);
    n.form_id = "T360H".into();
    let cy = db.create_cycle("hr", &n).await.unwrap();
    let short = db.launch_preview(cy.id).await.unwrap().short_of_peers;
    let who: Vec<(&str, usize, bool)> = short
        .iter()
        .map(|s| (s.emp_no.as_str(), s.found, s.hr_pick))
        .collect();
    assert_eq!(
        who,
        [
            ("E001", 0, true),
            ("E002", 0, true),
            ("E003", 0, true),
            ("E004", 1, false)
        ]
    );
    // What the preview warned of is what the launch does.
    db.launch_cycle("hr", cy.id).await.unwrap();
    let ids: std::collections::BTreeMap<String, i64> = db
        .appraisals(&hr, Some(cy.id), None, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.emp_no, a.id))
        .collect();
    assert!(peers_of(&db, &hr, ids["E001"]).await.is_empty());
    assert_eq!(peers_of(&db, &hr, ids["E004"]).await, ["E001"]);
    assert_eq!(peers_of(&db, &hr, ids["E005"]).await.len(), 3);
}

/// Supervisor 70%, a peer group of 3 (K = 3, 同部门) 30% on 团队协作.
pub const PEER_FORM: &str = r#"
[form]
id = "T360"
title = "团队协作考核表"
period = "monthly"
total_points = 100

[[rater]]
id = "supervisor"
name = "直接上级"
name_en = "Supervisor"
weight = 70
[[rater]]
id = "peers"
name = "同事"
name_en = "Peers"
weight = 30
peers = 3
min_answers = 3

[[item]]
id = "teamwork"
name = "团队协作"
name_en = "Teamwork"
points = 40
rule = "score"
raters = ["supervisor", "peers"]

[[item]]
id = "quality"
name = "工作质量"
name_en = "Quality"
points = 60
rule = "score"
raters = ["supervisor"]
"#;

/// 王五 (W001) supervises E001…E005 of 市场部; 孙七 (F001) is in 财务部. A user per person
/// (the username is the 工号 in lower case).
async fn org(db: &Db) -> User {
    db.publish_template("hr", PEER_FORM).await.unwrap();
    let people = [
        ("W001", "王五", "", "SC", "市场部"),
        ("E001", "张三", "W001", "SC", "市场部"),
        ("E002", "李四", "W001", "SC", "市场部"),
        ("E003", "赵六", "W001", "SC", "市场部"),
        ("E004", "钱八", "W001", "SC", "市场部"),
        ("E005", "周九", "W001", "SC", "市场部"),
        ("F001", "孙七", "", "CW", "财务部"),
    ];
    let rows: Vec<OrgRow> = people
        .iter()
        .enumerate()
        .map(|(i, (no, name, sup, code, dept))| OrgRow {
            line: i + 2,
            emp_no: no.to_string(),
            name: name.to_string(),
            dept_code: code.to_string(),
            dept_name: dept.to_string(),
            dept_kind: "业务".into(),
            position: "客户经理".into(),
            supervisor_emp_no: sup.to_string(),
            ..Default::default()
        })
        .collect();
    db.import_org("test", &rows).await.unwrap();
    for (no, ..) in people {
        db.create_user(
            "test",
            &NewUser {
                username: no.to_lowercase(),
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
    hr_user(db).await
}

fn cycle(peers: &[(&str, &[&str])]) -> NewCycle {
    NewCycle {
        name: "同事评分".into(),
        form_id: "T360".into(),
        period: "2026-11".into(),
        members: Members {
            employees: ["E001", "E002", "E003", "E004", "E005"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            peers: peers
                .iter()
                .map(|(a, l)| (a.to_string(), l.iter().map(|s| s.to_string()).collect()))
                .collect(),
            ..Default::default()
        },
        confirm_window_hours: 72,
        ..Default::default()
    }
}

async fn user(db: &Db, name: &str) -> User {
    db.user_by_name(name).await.unwrap().unwrap()
}

/// Launch; the appraisal ids by 工号.
async fn launch(db: &Db, hr: &User, n: &NewCycle) -> std::collections::BTreeMap<String, i64> {
    let cy = db.create_cycle("hr", n).await.unwrap();
    db.launch_cycle("hr", cy.id).await.unwrap();
    db.appraisals(hr, Some(cy.id), None, Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.emp_no, a.id))
        .collect()
}

async fn peers_of(db: &Db, hr: &User, id: i64) -> Vec<String> {
    db.peer_status(hr, id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.emp_no)
        .collect()
}

async fn peers_are_picked_by_rotation_or_by_hr(db: Db) {
    let hr = org(&db).await;
    let mut n = cycle(&[("E005", &["F001", "E001", "E002"])]);
    n.rating_due = Some("2026-11-20".into());
    let ids = launch(&db, &hr, &n).await;
    // The next three in 工号 order after the appraisee, wrapping round, without the
    // appraisee and without their supervisor 王五 (who rates them already).
    assert_eq!(
        peers_of(&db, &hr, ids["E001"]).await,
        ["E002", "E003", "E004"]
    );
    assert_eq!(
        peers_of(&db, &hr, ids["E003"]).await,
        ["E001", "E004", "E005"]
    );
    assert_eq!(
        peers_of(&db, &hr, ids["E004"]).await,
        ["E001", "E002", "E005"]
    );
    // HR's list wins, even across departments.
    assert_eq!(
        peers_of(&db, &hr, ids["E005"]).await,
        ["E001", "E002", "F001"]
    );
    // The peer's 待办: one rating per appraisee they were picked for, as the rule spread them.
    let e002 = user(&db, "e002").await;
    let mut rated: Vec<String> = Vec::new();
    for t in db.tasks(&e002).await.unwrap() {
        assert_eq!(
            (t.kind.as_str(), t.rater.as_deref()),
            ("rate", Some("peers"))
        );
        rated.push(t.appraisee.unwrap());
    }
    rated.sort();
    assert_eq!(rated, ["周九", "张三", "钱八"]);
    // The supervisor gets one rating per appraisee, and none for the peer group.
    let wangwu = user(&db, "w001").await;
    let tasks = db.tasks(&wangwu).await.unwrap();
    assert_eq!(tasks.len(), 5);
    assert!(
        tasks
            .iter()
            .all(|t| t.rater.as_deref() == Some("supervisor"))
    );
    // Overdue peers are reminded, never escalated to their manager (王五, who would learn
    // who rates whom): the supervisors' own overdue tasks have no one above to go to.
    let run = db.send_reminders("2026-11-30T02:00:00Z").await.unwrap();
    assert!(run.overdue > 0, "{run:?}");
    assert_eq!(run.escalated, 0, "{run:?}");
    // Fewer colleagues than N: all of them. 财务部 has only 孙七, so a two-person 财务部
    // cycle… here: a group of 3 in a department of two gives the one colleague.
    let dept: Vec<String> = vec!["F001".into(), "F002".into()];
    assert_eq!(rotate_peers(&dept, "F001", 3, &[]), ["F002"]);
}

async fn hr_peer_lists_are_checked_naming_the_field(db: Db) {
    let _hr = org(&db).await;
    let fields = |e: StoreError| match e {
        StoreError::Fields(f) => f
            .into_iter()
            .map(|(k, m)| (k, m.render(Lang::Zh)))
            .collect::<Vec<_>>(),
        e => panic!("{e}"),
    };
    let f = fields(
        db.create_cycle("hr", &cycle(&[("E001", &["E001", "E002"])]))
            .await
            .unwrap_err(),
    );
    assert!(
        f.iter()
            .any(|(k, m)| k == "members.peers.E001" && m.contains("自己")),
        "{f:?}"
    );
    let f = fields(
        db.create_cycle("hr", &cycle(&[("E002", &["Z999"])]))
            .await
            .unwrap_err(),
    );
    assert!(
        f.iter()
            .any(|(k, m)| k == "members.peers.E002" && m.contains("Z999")),
        "{f:?}"
    );
    let f = fields(
        db.create_cycle("hr", &cycle(&[("Z998", &["E001"])]))
            .await
            .unwrap_err(),
    );
    assert!(
        f.iter()
            .any(|(k, m)| k == "members.peers.Z998" && m.contains("Z998")),
        "{f:?}"
    );
    // Nothing was stored.
    assert!(
        db.cycles(&policy::Scope::All, Page::default())
            .await
            .unwrap()
            .is_empty()
    );
    // Old cycles (no `peers` in their members) still read.
    let m: Members = serde_json::from_str(r#"{"employees": ["E001"]}"#).unwrap();
    assert!(m.peers.is_empty());
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn total(a: &Appraisal) -> Decimal {
    d(a.total.as_deref().unwrap())
}

fn item(a: &Appraisal, id: &str) -> Decimal {
    d(&a.result
        .as_ref()
        .unwrap()
        .items
        .iter()
        .find(|i| i.id == id)
        .unwrap()
        .score)
}

fn vals(pairs: &[(&str, &str)]) -> Values {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn answer(db: &Db, who: &User, id: i64, v: &str) -> Appraisal {
    let a = db.appraisal(who, id).await.unwrap();
    db.enter(who, id, a.version, &vals(&[("teamwork@peers", v)]))
        .await
        .unwrap()
}

async fn the_peer_mean_counts_only_from_k_answers_and_stays_anonymous(db: Db) {
    let hr = org(&db).await;
    let ids = launch(&db, &hr, &cycle(&[])).await;
    let id = ids["E001"]; // 张三; peers 李四 (E002), 赵六 (E003), 钱八 (E004)
    let wangwu = user(&db, "w001").await;
    let a = db.appraisal(&wangwu, id).await.unwrap();
    assert_eq!(a.state, kaohe_core::workflow::State::Rating);
    db.enter(
        &wangwu,
        id,
        a.version,
        &vals(&[("teamwork@supervisor", "36"), ("quality@supervisor", "50")]),
    )
    .await
    .unwrap();
    let (lisi, zhao, qian) = (
        user(&db, "e002").await,
        user(&db, "e003").await,
        user(&db, "e004").await,
    );
    // Without peers the supervisor's 36 is the item's score: 36 + 50.
    let a = db.appraisal(&hr, id).await.unwrap();
    assert_eq!((item(&a, "teamwork"), total(&a)), (d("36"), d("86")));

    // Two answers of three: no peer value, the score without the peers' weight.
    let seen = answer(&db, &lisi, id, "31.5").await;
    assert_eq!(seen.inputs, vals(&[("teamwork@peers", "31.5")]));
    answer(&db, &zhao, id, "33.25").await;
    let a = db.appraisal(&hr, id).await.unwrap();
    assert!(!a.inputs.contains_key("teamwork@peers"), "{:?}", a.inputs);
    assert_eq!((item(&a, "teamwork"), total(&a)), (d("36"), d("86")));
    let before = a.version;

    // A peer reads the appraisal: no scores, no one else's entries, only their own answer.
    for (peer, own) in [(&lisi, "31.5"), (&zhao, "33.25")] {
        let a = db.appraisal(peer, id).await.unwrap();
        assert!(a.result.is_none() && a.total.is_none() && a.grade.is_none());
        assert_eq!(a.inputs, vals(&[("teamwork@peers", own)]));
        assert_eq!(a.notes, Notes::default());
        assert!(db.explain(peer, id).await.is_err());
        // A peer may not write anything but their own peer column.
        let e = db
            .enter(peer, id, a.version, &vals(&[("teamwork@supervisor", "40")]))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{e}");
        // Nor learn who the other peers are.
        let mine = db.peer_status(peer, id).await.unwrap();
        assert_eq!(mine.len(), 1, "{mine:?}");
    }
    // The third answer: the mean appears and counts 30%.
    // (31.5 + 33.25 + 37.75) / 3 = 34.1666… → 34.17; 36 × 70% + 34.17 × 30% = 25.2 + 10.251.
    answer(&db, &qian, id, "37.75").await;
    let a = db.appraisal(&hr, id).await.unwrap();
    assert_eq!(
        a.inputs.get("teamwork@peers").map(String::as_str),
        Some("34.17")
    );
    assert_eq!(item(&a, "teamwork"), d("35.45"));
    assert_eq!(total(&a), d("85.45"));
    assert!(a.version > before);
    // A peer changes their mind while rating lasts: (33.5 + 33.25 + 37.75) / 3 = 34.8333… → 34.83.
    answer(&db, &lisi, id, "33.5").await;
    let a = db.appraisal(&hr, id).await.unwrap();
    assert_eq!(
        a.inputs.get("teamwork@peers").map(String::as_str),
        Some("34.83")
    );
    assert_eq!(total(&a), d("35.65") + d("50"));

    // HR sees who the peers are and that they answered — never what.
    let st = db.peer_status(&hr, id).await.unwrap();
    assert_eq!(st.len(), 3);
    assert!(st.iter().all(|p| p.answered));
    let st_text = format!("{st:?}");
    for v in ["33.5", "33.25", "37.75", "31.5"] {
        assert!(!st_text.contains(v), "{st_text}");
    }
    // Nor do the audit entries on the peer's tasks hold the values.
    let trail = db
        .audit_search(&AuditQuery {
            page: Page {
                offset: 0,
                limit: 500,
            },
            ..Default::default()
        })
        .await
        .unwrap();
    let peer_entries: Vec<&AuditEntry> =
        trail.iter().filter(|e| e.action == "peer.answer").collect();
    assert_eq!(peer_entries.len(), 4);
    for e in &peer_entries {
        let text = format!("{e:?}");
        for v in ["33.5", "33.25", "37.75", "31.5"] {
            assert!(!text.contains(v), "{text}");
        }
    }

    // The appraisee and the supervisor: no peer's name, no individual answer, anywhere they
    // read — the appraisal, the list, the signature lines, the appraisal's own trail.
    let zhangsan = user(&db, "e001").await;
    for (who, reader) in [(&zhangsan, "appraisee"), (&wangwu, "supervisor")] {
        let one = format!("{:?}", db.appraisal(who, id).await.unwrap());
        // (Their list holds the sheets they rate, peers' among them, by name: that is theirs.)
        let list = format!(
            "{:?}",
            db.appraisals(who, None, None, Page::default())
                .await
                .unwrap()
                .into_iter()
                .filter(|a| a.id == id)
                .collect::<Vec<_>>()
        );
        let signers = format!("{:?}", db.signers(id).await.unwrap());
        let status = db.peer_status(who, id).await;
        assert!(
            matches!(status, Err(StoreError::Forbidden(_))),
            "{status:?}"
        );
        for text in [&one, &list, &signers] {
            for hidden in [
                "李四", "赵六", "钱八", "e002", "e003", "e004", "33.5", "33.25", "37.75",
            ] {
                assert!(!text.contains(hidden), "{reader} reads `{hidden}`: {text}");
            }
        }
    }
    // The supervisor sees the aggregate (they see the scores); the appraisee not before publication.
    let a = db.appraisal(&wangwu, id).await.unwrap();
    assert_eq!(
        a.inputs.get("teamwork@peers").map(String::as_str),
        Some("34.83")
    );
    let a = db.appraisal(&zhangsan, id).await.unwrap();
    assert!(a.inputs.is_empty() && a.total.is_none());
    // The appraisal's own audit entries never name a peer.
    let own = db
        .audit_search(&AuditQuery {
            entity: Some("appraisal".into()),
            entity_id: Some(id.to_string()),
            page: Page {
                offset: 0,
                limit: 500,
            },
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        own.iter()
            .all(|e| !["e002", "e003", "e004"].contains(&e.actor.as_str())),
        "{own:?}"
    );
    // A peer's rating is theirs alone: not handed to a delegate (代理) of theirs.
    let today = today();
    let sun = user(&db, "f001").await;
    db.create_delegation(
        &hr,
        &NewDelegation {
            principal: "e002".into(),
            delegate: "f001".into(),
            from: today.clone(),
            to: today,
            reason: "休假".into(),
        },
    )
    .await
    .unwrap();
    // (李四 still has to rate 钱八 and 周九 as their peer.)
    let open = db.tasks(&lisi).await.unwrap();
    assert_eq!(open.len(), 2, "{open:?}");
    let theirs = db.tasks(&sun).await.unwrap();
    assert!(theirs.is_empty(), "{theirs:?}");
    for emp in ["E001", "E004", "E005"] {
        assert!(matches!(
            db.appraisal(&sun, ids[emp]).await,
            Err(StoreError::NotFound { .. })
        ));
    }
    // A peer's "hand in" is a no-op: nothing signed, the sheet still waits for the supervisor.
    let v = db.appraisal(&lisi, id).await.unwrap().version;
    let a = db.act(&lisi, id, v, &Step::Submit).await.unwrap();
    assert_eq!(a.state, kaohe_core::workflow::State::Rating);
    assert!(db.signers(id).await.unwrap().is_empty());
    let v = db.appraisal(&wangwu, id).await.unwrap().version;
    let a = db.act(&wangwu, id, v, &Step::Submit).await.unwrap();
    assert_eq!(a.state, kaohe_core::workflow::State::Review);
    let signers = db.signers(id).await.unwrap();
    assert_eq!(signers.len(), 1);
    assert_eq!(signers[0].username, "w001");
}

async fn peers_do_not_hold_the_sheet_up_and_stop_when_rating_ends(db: Db) {
    let hr = org(&db).await;
    let ids = launch(&db, &hr, &cycle(&[])).await;
    let id = ids["E003"]; // peers E001, E004, E005
    let wangwu = user(&db, "w001").await;
    let a = db.appraisal(&wangwu, id).await.unwrap();
    let a = db
        .enter(
            &wangwu,
            id,
            a.version,
            &vals(&[("teamwork@supervisor", "30"), ("quality@supervisor", "55")]),
        )
        .await
        .unwrap();
    // One peer answered: below K, the score is the supervisor's alone.
    let zhangsan = user(&db, "e001").await;
    answer(&db, &zhangsan, id, "20").await;
    let v = db.appraisal(&wangwu, id).await.unwrap().version;
    assert_eq!(
        v, a.version,
        "an answer below K changes nothing on the sheet"
    );
    let a = db.act(&wangwu, id, v, &Step::Submit).await.unwrap();
    assert_eq!(a.state, kaohe_core::workflow::State::Review);
    assert_eq!(total(&a), d("85"));
    // Rating is over: the peers can no longer answer, nor change.
    let qian = user(&db, "e004").await;
    let v = db.appraisal(&qian, id).await.unwrap().version;
    let e = db
        .enter(&qian, id, v, &vals(&[("teamwork@peers", "40")]))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)), "{e}");
    // And the 待办 no longer lists it.
    assert!(
        db.tasks(&qian)
            .await
            .unwrap()
            .iter()
            .all(|t| t.appraisal_id != Some(id))
    );
}
