//! The organisation tree on the page and over the API (issue 16), on SQLite and PostgreSQL:
//! a bank's tree uploaded on /hr/org shows indented under each parent with its unit and
//! head; a file with an unknown parent, a loop or an unknown head is refused line by line
//! and column by column with nothing stored; the export (.xlsx and .csv) uploads back and
//! changes nothing; only HR may export.

use crate::common;

use common::{App, add_user, client, page, post_form, post_multipart, send, spawn_app, web_login};
use kaohe_store::{Grant, Role, Store};
use reqwest::StatusCode;

use common::both;

both!(
    the_tree_on_the_page_and_its_export_round_trip,
    tree_import_errors_on_the_page,
    a_branch_granted_on_the_users_page_covers_its_sub_branches,
);

/// 总行 → 北京分行 (海淀支行, 朝阳支行 → 朝阳一队), 上海分行 (浦东支行); 北京分行 has a
/// department-only row, 朝阳支行's parent is given by name.
pub const BANK: &str = "\
工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人,岗位,直接上级工号
H001,总行长,HO,总行,业务,总行,,H001,行长,
,,BJ,北京分行,业务,分行,HO,B001,,
B001,京行长,BJ,北京分行,业务,分行,HO,,行长,H001
B101,海淀长,BJHD,海淀支行,业务,支行,BJ,B101,行长,B001
B102,海淀员,BJHD,海淀支行,业务,支行,BJ,,客户经理,B101
B201,朝阳长,BJCY,朝阳支行,业务,支行,北京分行,B201,行长,B001
T001,团队长,BJCYT1,朝阳一队,业务,团队,BJCY,T001,客户经理,B201
S001,沪行长,SH,上海分行,业务,分行,HO,S001,行长,H001
S101,浦东长,SHPD,浦东支行,业务,支行,SH,S101,行长,S001
";

async fn hr(app: &App) -> reqwest::Client {
    add_user(
        app,
        "hr",
        None,
        vec![Grant {
            role: Role::HrAdmin,
            department_id: None,
        }],
    )
    .await;
    web_login(app, "hr").await
}

async fn get_bytes(c: &reqwest::Client, url: &str) -> (StatusCode, String, Vec<u8>) {
    let r = c.get(url).send().await.unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status(), ct, r.bytes().await.unwrap().to_vec())
}

fn row(depth: usize, name: &str) -> String {
    let mark = if depth > 0 {
        "<span aria-hidden=\"true\">└&nbsp;</span>"
    } else {
        ""
    };
    format!("<tr class=\"depth-{depth}\"><th scope=\"row\" class=\"indent\">{mark}{name}</th>")
}

async fn the_tree_on_the_page_and_its_export_round_trip(app: App) {
    let b = &app.base;
    let c = hr(&app).await;
    let (_, html) = page(&c, &format!("{b}/hr/org")).await;
    let csrf = common::csrf_of(&html);
    let (s, path, html) = post_multipart(
        &c,
        &format!("{b}/hr/org/import"),
        &[("csrf", &csrf)],
        Some(("file", "bank.csv", BANK.as_bytes())),
    )
    .await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/hr/org"), "{html}");
    assert!(html.contains("新增部门 7 个"), "{html}");
    // The tree, each under its parent, siblings by code.
    let order = [
        row(0, "总行"),
        row(1, "北京分行"),
        row(2, "朝阳支行"),
        row(3, "朝阳一队"),
        row(2, "海淀支行"),
        row(1, "上海分行"),
        row(2, "浦东支行"),
    ];
    let mut at = 0;
    for want in &order {
        let found = html[at..]
            .find(want.as_str())
            .unwrap_or_else(|| panic!("{want} after byte {at}:\n{html}"));
        at += found + want.len();
    }
    assert!(
        html.contains(&format!(
            "{}<td>BJ</td><td>分行</td><td>京行长 (B001)</td>",
            row(1, "北京分行")
        )),
        "{html}"
    );

    // The export, as .csv and .xlsx, in the import's format.
    let (s, ct, csv) = get_bytes(&c, &format!("{b}/api/org/export.csv")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/csv"), "{ct}");
    let csv_text = String::from_utf8(csv.clone()).unwrap();
    assert!(
        csv_text.contains("B201,朝阳长,BJCY,朝阳支行,业务,支行,BJ,B201,行长,B001,主岗,\r\n"),
        "{csv_text}"
    );
    assert!(
        !csv_text.contains(",,BJ,北京分行,业务,分行,HO,B001,,,,\r\n"),
        "北京分行 has an employee: no department-only row"
    );
    let (s, ct, xlsx) = get_bytes(&c, &format!("{b}/api/org/export.xlsx")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    assert!(xlsx.starts_with(b"PK\x03\x04"));
    let table = kaohe_office::read_xlsx(&xlsx, None).unwrap();
    assert_eq!(table.sheet, "组织架构");
    assert_eq!(table.headers, kaohe_store::ORG_HEADERS.map(String::from));

    // The .xlsx uploaded back: nothing changes (the same export, no department changed).
    let audits = app.store.audit_log(0, 10_000).await.unwrap().len();
    let (s, path, html) = post_multipart(
        &c,
        &format!("{b}/hr/org/import"),
        &[("csrf", &csrf)],
        Some(("file", "组织架构.xlsx", &xlsx)),
    )
    .await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/hr/org"), "{html}");
    assert!(html.contains("新增部门 0 个"), "{html}");
    let (_, _, again) = get_bytes(&c, &format!("{b}/api/org/export.csv")).await;
    assert_eq!(String::from_utf8(again).unwrap(), csv_text);
    let changed: Vec<String> = app.store.audit_log(0, 10_000).await.unwrap()[audits..]
        .iter()
        .filter(|e| e.action != "org.import")
        .map(|e| format!("{} {}", e.action, e.entity_id))
        .collect();
    assert!(changed.is_empty(), "{changed:?}");
    // The CSV through the API, too.
    let r = c
        .post(format!("{b}/api/org/import"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Only HR exports the organisation.
    add_user(
        &app,
        "fuhe",
        None,
        vec![Grant {
            role: Role::Reviewer,
            department_id: None,
        }],
    )
    .await;
    let other = common::login(&app, "fuhe").await;
    for url in ["export.csv", "export.xlsx"] {
        let (s, _, body) = get_bytes(&other, &format!("{b}/api/org/{url}")).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{url}");
        assert!(!String::from_utf8_lossy(&body).contains("朝阳"));
    }
    let (s, _, _) = get_bytes(&client(), &format!("{b}/api/org/export.csv")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn tree_import_errors_on_the_page(app: App) {
    let b = &app.base;
    let c = hr(&app).await;
    let (_, html) = page(&c, &format!("{b}/hr/org")).await;
    let csrf = common::csrf_of(&html);
    let bad = "\
工号,姓名,部门编码,部门名称,单位层级,上级部门,负责人
N001,甲,A,甲部,分行,B,
N002,乙,B,乙部,支行,A,
N003,丙,C,丙部,支行,不存在,Z999
N004,丁,D,丁部,分公司,,
";
    let (s, _, html) = post_multipart(
        &c,
        &format!("{b}/hr/org/import"),
        &[("csrf", &csrf)],
        Some(("file", "bad.csv", bad.as_bytes())),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("导入未完成，未保存任何数据"), "{html}");
    for want in [
        "<td class=\"num\">第 2 行</td><td>上级部门</td><td>部门上下级会形成循环：A → B → A",
        "<td class=\"num\">第 3 行</td><td>上级部门</td><td>部门上下级会形成循环：B → A → B",
        "<td class=\"num\">第 4 行</td><td>上级部门</td><td>`不存在`",
        "<td class=\"num\">第 4 行</td><td>负责人</td><td>`Z999`",
        "<td class=\"num\">第 5 行</td><td>单位层级</td><td>`分公司`",
    ] {
        assert!(html.contains(want), "{want}:\n{html}");
    }
    assert!(app.store.departments().await.unwrap().is_empty());
    assert!(app.store.employee("N001").await.unwrap().is_none());
}

async fn a_branch_granted_on_the_users_page_covers_its_sub_branches(app: App) {
    let b = &app.base;
    let c = hr(&app).await;
    app.store
        .import_org("hr", &kaohe_store::parse_org_csv(BANK).unwrap())
        .await
        .unwrap();
    add_user(&app, "bjfuhe", None, vec![]).await;
    let (_, html) = page(&c, &format!("{b}/hr/users")).await;
    // The departments to choose from, each under its parent.
    let opts: Vec<&str> = [
        "总行 (HO)",
        "\u{3000}北京分行 (BJ)",
        "\u{3000}\u{3000}朝阳支行 (BJCY)",
    ]
    .into_iter()
    .collect();
    let mut at = 0;
    for o in opts {
        at += html[at..].find(o).unwrap_or_else(|| panic!("{o}:\n{html}")) + o.len();
    }
    let bj = app
        .store
        .departments()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.code == "BJ")
        .unwrap()
        .id;
    let (s, _, html) = post_form(
        &c,
        &format!("{b}/hr/users/bjfuhe/grants"),
        &[
            ("csrf", &common::csrf_of(&html)),
            ("action", "add"),
            ("role", "reviewer"),
            ("department", &bj.to_string()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let u = app.store.user_by_name("bjfuhe").await.unwrap().unwrap();
    assert_eq!(
        u.grants,
        vec![Grant {
            role: Role::Reviewer,
            department_id: Some(bj)
        }]
    );
    // The reviewer of 北京分行 sees its 支行 and team, nothing of 上海分行 or 总行.
    let r = common::login(&app, "bjfuhe").await;
    let (s, list) = send(r.get(format!("{b}/api/employees"))).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let mut names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["京行长", "团队长", "朝阳长", "海淀员", "海淀长"]);
    let text = list.to_string();
    for other in ["沪行长", "浦东长", "总行长"] {
        assert!(!text.contains(other), "{other}: {text}");
    }
}
