//! HR's cycle pages as HR uses them in a browser without JavaScript: create a cycle through
//! the form (a bad field answered next to it) and launch it, progress bars and the list of
//! who is late, results sorted, filtered and paged, quotas and their violation, the
//! 12-month trend chart, appeals upheld and reopened from the queue, the audit log
//! filtered; everyone else refused, free text escaped, both languages complete. A real
//! server on a free port, on SQLite and on PostgreSQL.

use crate::common;

use common::{
    App, add_user, assert_complete, client, csrf_of, login, page, post_form, send, spawn_app,
    web_login,
};
use kaohe_store::{Grant, GridRow, Role, Store, Values};
use reqwest::StatusCode;
use serde_json::json;

use common::both;

both!(
    cycles_created_launched_and_followed,
    cycles_set_up_as_people_think_of_them,
    targets_and_bonus_bases_as_a_table,
    results_quotas_trend_appeals_and_audit,
    launching_without_enough_peers_is_warned_first
);

const XSS: &str = "<script>alert(1)</script>";
/// As minijinja escapes it (`/` too).
const XSS_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;&#x2f;script&gt;";
/// Appraisees of the synthetic company (more than a page of results).
const N: usize = 105;

/// Rows of the results table: the employee numbers, in order.
fn emp_nos(html: &str) -> Vec<String> {
    let table = &html[html
        .find(r#"<table class="results">"#)
        .expect("results table")..];
    let table = &table[..table.find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2)
        .filter_map(|r| {
            let at = r.find("\">")? + 2;
            Some(r[at..at + r[at..].find('<')?].to_string())
        })
        .collect()
}

/// Run SQL on the test database (to move appraisals along without the whole month).
async fn sql(app: &App, q: &str) {
    sqlx::query(sqlx::AssertSqlSafe(q.to_string()))
        .execute(app.store.pool())
        .await
        .unwrap();
}

/// F01 with four grade bands on the total.
fn f01_with_grades() -> String {
    let src = std::fs::read_to_string(format!(
        "{}/../../templates/F01.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    format!(
        "{src}\n[[grade]]\nname = \"A\"\nmin = 90\n\n[[grade]]\nname = \"B\"\nmin = 75\n\n[[grade]]\nname = \"C\"\nmin = 60\n\n[[grade]]\nname = \"D\"\n"
    )
}

/// A company of `N` account managers in 市场部 (E0000000 …), their supervisor, 行政部;
/// users `hr`, `e0` (the employee E0000000) and the clerks; F01 with grades published.
async fn company(app: &App) -> reqwest::Client {
    let mut org = String::from(
        "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号\nS001,王强,SC,市场部,业务,市场部经理,\nX001,赵芳,XZ,行政部,职能,行政专员,\n",
    );
    for i in 0..N {
        let dept = if i % 3 == 0 {
            ("DK", "对公部")
        } else {
            ("SC", "市场部")
        };
        org.push_str(&format!(
            "E{i:07},客户经理{i},{},{},业务,大客户经理,S001\n",
            dept.0, dept.1
        ));
    }
    let hr = app.user("hr", Role::HrAdmin).await;
    let (s, b) = send(hr.post(format!("{}/api/org/import", app.base)).body(org)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    add_user(
        app,
        "e0",
        Some("E0000000"),
        vec![Grant {
            role: Role::Employee,
            department_id: None,
        }],
    )
    .await;
    let (s, b) = send(
        hr.post(format!("{}/api/templates", app.base))
            .body(f01_with_grades()),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    web_login(app, "hr").await
}

/// The cell (`<td>…</td>`) of the cycle form's targets table for the row `who` (a position
/// or a 工号) and the input `id`.
fn target_cell(html: &str, who: &str, id: &str) -> String {
    let at = html
        .find(&format!(r#"data-who="{who}" data-input="{id}""#))
        .unwrap_or_else(|| panic!("no cell {who} × {id}: {html}"));
    let start = html[..at].rfind("<td>").unwrap();
    let end = at + html[at..].find("</td>").unwrap();
    html[start..end].to_string()
}

/// Every appraisal of the cycle given the synthetic month's inputs by HR and scored.
async fn fill_and_score(app: &App, cycle: i64, only: Option<&[&str]>) {
    let hr = app.store.user_by_name("hr").await.unwrap().unwrap();
    let csv = kaohe_core::synth::f01_csv(N);
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec.unwrap();
        if only.is_some_and(|o| !o.contains(&&rec[0])) {
            continue;
        }
        let values: Values = headers
            .iter()
            .zip(rec.iter())
            .skip(1)
            .map(|(h, v)| (h.clone(), v.to_string()))
            .collect();
        rows.push(GridRow {
            line: line + 2,
            emp_no: rec[0].to_string(),
            values: values.into_iter().collect(),
            version: None,
            reason: None,
        });
    }
    app.store.enter_grid(&hr, cycle, None, &rows).await.unwrap();
    app.store.score_cycle("hr", cycle).await.unwrap();
}

async fn cycles_created_launched_and_followed(app: App) {
    let b = app.base.clone();
    let hr = company(&app).await;
    let (s, html) = page(&hr, &format!("{b}/hr/cycles")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("F01"), "the form is offered: {html}");
    let csrf = csrf_of(&html);

    // A bad period is answered next to its field, the typed values kept (escaped).
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("form_id", "F01"),
        ("period", "2026-13"),
        ("name", XSS),
        ("members", "employees"),
        ("employees", "E0000000, E0000001"),
        ("data_due", "2020-01-05"),
        ("rating_due", ""),
        ("window", "72"),
        ("params", ""),
        ("targets", "大客户经理: monthly_bonus=3000"),
    ];
    let (s, _, html) = post_form(&hr, &format!("{b}/hr/cycles"), &fields).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let near = &html[html.find(r#"name="period""#).unwrap()..];
    let near = &near[..near.find(r#"name="name""#).unwrap()];
    assert!(
        near.contains("field-error") && near.contains("2026-13"),
        "{near}"
    );
    assert!(html.contains(XSS_ESCAPED) && !html.contains(XSS), "escaped");
    // A malformed target line is named, escaped.
    fields[2] = ("period", "2026-11");
    fields[10] = ("targets", "<script>alert(1)</script> monthly_bonus");
    let (s, _, html) = post_form(&hr, &format!("{b}/hr/cycles"), &fields).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(XSS_ESCAPED) && !html.contains(XSS), "{html}");
    // No CSRF token: refused.
    let (s, _, _) = post_form(&hr, &format!("{b}/hr/cycles"), &fields[1..]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Created as a draft, then launched from its page.
    fields[10] = ("targets", "大客户经理: monthly_bonus=3000");
    let (s, path, html) = post_form(&hr, &format!("{b}/hr/cycles"), &fields).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(path.starts_with("/hr/cycles/"), "{path}");
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    assert!(
        html.contains(&format!(r#"href="/hr/cycles/{id}/launch""#)) && html.contains(XSS_ESCAPED)
    );
    assert!(!html.contains(XSS));
    let (s, _, html) = post_form(
        &hr,
        &format!("{b}/hr/cycles/{id}"),
        &[("csrf", &csrf_of(&html)), ("action", "launch")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    // Progress: both appraisals in data entry (a full bar), nothing handed in.
    let row = &html[html.find(r#"id="state-data_entry""#).expect("state row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains(r#"value="100""#) && row.contains(">2<"),
        "{row}"
    );
    let row = &html[html.find(r#"id="state-rating""#).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains(r#"value="0""#) && row.contains(">0<"), "{row}");
    // No inline style anywhere: the pages' CSP would drop it (the bars once drew full).
    assert!(!html.contains("style=\""), "inline style in the page");
    assert!(html.contains("未提交"), "{html}");
    // Who is late: the departments' data, due 2020-01-05.
    let late = &html[html.find(r#"id="late""#).unwrap()..];
    assert!(
        late.contains("2020-01-05") && late.contains("市场部") && late.contains("天"),
        "{late}"
    );
    // The downloads accept the browser's session cookie.
    for p in ["payroll.csv", "payroll.xlsx", "results.xlsx"] {
        assert!(html.contains(&format!("/api/cycles/{id}/{p}")), "links {p}");
        let r = hr
            .get(format!("{b}/api/cycles/{id}/{p}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{p}");
    }
    // Launching twice is refused in place.
    let (s, _, html) = post_form(
        &hr,
        &format!("{b}/hr/cycles/{id}"),
        &[("csrf", &csrf_of(&html)), ("action", "launch")],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{html}");

    // The list shows the cycle with its counts.
    let (_, html) = page(&hr, &format!("{b}/hr/cycles?lang=en")).await;
    assert!(
        html.contains("In progress") && html.contains("0/2"),
        "{html}"
    );

    // Everyone else is refused on every page (signed out: to the sign-in page).
    let e0 = web_login(&app, "e0").await;
    let anon = client();
    for p in [
        "/hr/cycles".to_string(),
        format!("/hr/cycles/{id}"),
        format!("/hr/cycles/{id}/results"),
        "/hr/appeals".into(),
        "/hr/audit".into(),
        "/hr/users".into(),
        "/hr/employees/E0000000".into(),
    ] {
        let (s, html) = page(&e0, &format!("{b}{p}")).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}: {html}");
        assert!(html.contains("此页面仅限人事管理员访问"), "{html}");
        let r = anon.get(format!("{b}{p}")).send().await.unwrap();
        assert_eq!(r.url().path(), "/login", "{p}");
    }
    let (_, tasks) = page(&e0, &format!("{b}/tasks")).await;
    let (s, _, _) = post_form(
        &e0,
        &format!("{b}/hr/cycles/{id}"),
        &[("csrf", &csrf_of(&tasks)), ("action", "score")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The API says no too.
    let e0api = login(&app, "e0").await;
    let (s, _) = send(e0api.get(format!("{b}/api/cycles/{id}/quotas"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn results_quotas_trend_appeals_and_audit(app: App) {
    let b = app.base.clone();
    let hr = company(&app).await;
    let api = login(&app, "hr").await;
    let mut ids = Vec::new();
    for (period, members) in [
        ("2026-10", json!({"employees": ["E0000000", "E0000001"]})),
        ("2026-11", json!({"positions": ["大客户经理"]})),
    ] {
        let (s, cy) = send(api.post(format!("{b}/api/cycles")).json(&json!({
            "name": format!("{period} 大客户经理考核"),
            "form_id": "F01",
            "period": period,
            "members": members,
        })))
        .await;
        assert_eq!(s, StatusCode::CREATED, "{cy}");
        let id = cy["id"].as_i64().unwrap();
        let (s, r) = send(api.post(format!("{b}/api/cycles/{id}/launch"))).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        ids.push(id);
    }
    let (oct, nov) = (ids[0], ids[1]);
    fill_and_score(&app, oct, Some(&["E0000000", "E0000001"])).await;
    fill_and_score(&app, nov, None).await;

    // Results: by employee number, 100 a page; sorted by total, high to low.
    let results = app.store.results(nov).await.unwrap();
    assert_eq!(results.len(), N);
    let (s, html) = page(&hr, &format!("{b}/hr/cycles/{nov}/results")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let first = emp_nos(&html);
    assert_eq!(first.len(), 100);
    assert_eq!(first[0], "E0000000");
    let (_, html) = page(
        &hr,
        &format!("{b}/hr/cycles/{nov}/results?sort=emp_no&dir=asc&page=2"),
    )
    .await;
    assert_eq!(
        emp_nos(&html),
        (100..N).map(|i| format!("E{i:07}")).collect::<Vec<_>>()
    );
    let (_, html) = page(
        &hr,
        &format!("{b}/hr/cycles/{nov}/results?sort=total&dir=desc"),
    )
    .await;
    assert!(html.contains(r#"aria-sort="descending""#));
    let order = emp_nos(&html);
    let total_of = |no: &str| -> f64 {
        results
            .iter()
            .find(|r| r.emp_no == no)
            .unwrap()
            .total
            .as_deref()
            .unwrap()
            .parse()
            .unwrap()
    };
    let totals: Vec<f64> = order.iter().map(|n| total_of(n)).collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    let best = results
        .iter()
        .map(|r| total_of(&r.emp_no))
        .fold(f64::MIN, f64::max);
    assert_eq!(totals[0], best);
    // Ranks are the store's, within the group, whatever the page.
    for no in order.iter().take(5) {
        let r = results.iter().find(|r| &r.emp_no == no).unwrap();
        let row = &html[html.find(&format!(">{no}<")).unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        let last = row.rsplit(r#"<td class="num">"#).next().unwrap();
        assert!(last.starts_with(&format!("{}<", r.rank.unwrap())), "{row}");
    }
    // Filtered by department: only 对公部.
    let depts = app.store.departments().await.unwrap();
    let dk = depts.iter().find(|d| d.code == "DK").unwrap().id;
    let (_, html) = page(&hr, &format!("{b}/hr/cycles/{nov}/results?dept={dk}")).await;
    let in_dk = emp_nos(&html);
    assert_eq!(in_dk.len(), N.div_ceil(3));
    assert!(
        in_dk
            .iter()
            .all(|n| n[1..].parse::<usize>().unwrap() % 3 == 0)
    );

    // The grade distribution as a chart, checked against quotas set on the page.
    assert!(html.contains("<svg") && html.contains("<title id=\"grades-title\">"));
    let count = |g: &str| {
        results
            .iter()
            .filter(|r| r.grade.as_deref() == Some(g))
            .count()
    };
    let graded: usize = ["A", "B", "C", "D"].iter().map(|g| count(g)).sum();
    assert_eq!(graded, N);
    let (big, _) = ["A", "B", "C", "D"]
        .iter()
        .map(|g| (*g, count(g)))
        .max_by_key(|x| x.1)
        .unwrap();
    let (_, html) = page(&hr, &format!("{b}/hr/cycles/{nov}/results")).await;
    let csrf = csrf_of(&html);
    let grade_n = |g: &str| {
        ["A", "B", "C", "D"]
            .iter()
            .position(|x| *x == g)
            .unwrap()
            .to_string()
    };
    let (n_big, n_a) = (grade_n(big), grade_n("A"));
    // A bad share is answered next to it, escaped; nothing is stored.
    let (s, _, html) = post_form(
        &hr,
        &format!("{b}/hr/cycles/{nov}/quotas"),
        &[
            ("csrf", &csrf),
            ("grade.0", "A"),
            ("max.0", XSS),
            ("grade.1", "B"),
            ("grade.2", "C"),
            ("grade.3", "D"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("field-error") && html.contains(XSS_ESCAPED) && !html.contains(XSS));
    let max_field = format!("max.{n_big}");
    let min_field = format!("min.{n_a}");
    let mut quota_form = vec![("csrf", csrf.as_str())];
    let grades = ["A", "B", "C", "D"].map(|g| (format!("grade.{}", grade_n(g)), g));
    for (k, g) in &grades {
        quota_form.push((k.as_str(), g));
    }
    quota_form.push((max_field.as_str(), "1"));
    if n_a != n_big {
        quota_form.push((min_field.as_str(), "100"));
    }
    let (s, path, html) = post_form(&hr, &format!("{b}/hr/cycles/{nov}/quotas"), &quota_form).await;
    assert_eq!(
        (s, path.as_str()),
        (StatusCode::OK, format!("/hr/cycles/{nov}/results").as_str()),
        "{html}"
    );
    let share = format!("{:.1}", count(big) as f64 * 100.0 / N as f64);
    let want = format!(
        "等级「{big}」有 {} 人，占 {share}%，超过上限 1%。",
        count(big)
    );
    assert!(html.contains(&want), "{want} in {html}");
    let (_, en) = page(&hr, &format!("{b}/hr/cycles/{nov}/results?lang=en")).await;
    assert!(en.contains("above the maximum of 1%"), "{en}");
    // The same through the API.
    let (s, q) = send(api.get(format!("{b}/api/cycles/{nov}/quotas"))).await;
    assert_eq!(s, StatusCode::OK, "{q}");
    let line = q["check"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["grade"] == big)
        .unwrap();
    assert_eq!(
        (line["over"].as_bool(), line["share"].as_str()),
        (Some(true), Some(share.as_str()))
    );
    let (s, q) = send(
        api.put(format!("{b}/api/cycles/{nov}/quotas"))
            .json(&json!({"quotas": [{"grade": "A", "max_pct": "20", "min_pct": "30"}]})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}");

    // Published months make the ledger: two points on E0000000's trend chart.
    for c in [oct, nov] {
        sql(&app, &format!("UPDATE appraisals SET state = 'published', published_at = '2026-12-01T00:00:00.000000Z', confirm_due = '2099-01-01T00:00:00.000000Z' WHERE cycle_id = {c}")).await;
    }
    let (s, html) = page(&hr, &format!("{b}/hr/employees/E0000000?lang=zh-CN")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let chart = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
    assert_eq!(
        chart.matches("<circle").count(),
        4,
        "score and bonus for two months: {chart}"
    );
    for p in ["2026-10", "2026-11"] {
        assert!(
            chart.contains(&format!("<title>{p} 得分: ")),
            "{p}: {chart}"
        );
    }
    assert!(chart.contains("<polyline"));
    let (_, mine) = page(&web_login(&app, "e0").await, &format!("{b}/ledger")).await;
    assert!(
        mine.contains("<svg") && mine.contains("<title>2026-11 得分: "),
        "{mine}"
    );
    let (s, _) = page(&hr, &format!("{b}/hr/employees/NOBODY")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Two appeals; HR upholds one and reopens the other from the queue.
    let appeal = |no: &'static str, reason: &'static str| {
        let app = &app;
        async move {
            add_user(app, &no.to_lowercase(), Some(no), vec![]).await;
            let c = login(app, &no.to_lowercase()).await;
            let (_, list) =
                send(c.get(format!("{}/api/appraisals?cycle_id={nov}", app.base))).await;
            let a = list
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["emp_no"] == no)
                .unwrap()
                .clone();
            let (s, r) = send(c.post(format!("{}/api/appraisals/{}/actions", app.base, a["id"])).json(&json!({
                "action": "appeal", "version": a["version"], "reason": reason, "items": ["sales"],
            }))).await;
            assert_eq!(s, StatusCode::OK, "{r}");
            a["id"].as_i64().unwrap()
        }
    };
    let first = appeal("E0000001", XSS).await;
    let second = appeal("E0000002", "销售数据有误").await;
    let (s, html) = page(&hr, &format!("{b}/hr/appeals")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains(&format!(r#"id="appeal-{first}""#))
            && html.contains(&format!(r#"id="appeal-{second}""#))
    );
    assert!(
        html.contains(XSS_ESCAPED) && !html.contains(XSS),
        "the reason is escaped"
    );
    assert!(
        html.contains("销售任务") || html.contains("sales"),
        "the disputed item is named: {html}"
    );
    let form_of = |html: &str, id: i64| -> (String, String) {
        let sec = &html[html.find(&format!(r#"id="appeal-{id}""#)).unwrap()..];
        let v = &sec[sec.find(r#"name="version" value=""#).unwrap() + 22..];
        (csrf_of(sec), v[..v.find('"').unwrap()].to_string())
    };
    // Upholding needs a reason: said next to the field.
    let (csrf, version) = form_of(&html, first);
    let (s, _, html) = post_form(
        &hr,
        &format!("{b}/hr/appeals/{first}"),
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("action", "uphold"),
            ("reason", " "),
            ("items", "sales"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let sec = &html[html.find(&format!(r#"id="appeal-{first}""#)).unwrap()..];
    assert!(
        sec[..sec.find("</section>").unwrap()].contains("field-error"),
        "{sec}"
    );
    let (csrf, version) = form_of(&html, first);
    let (s, path, _) = post_form(
        &hr,
        &format!("{b}/hr/appeals/{first}"),
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("action", "uphold"),
            ("reason", "数据核实无误"),
        ],
    )
    .await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/hr/appeals"));
    let (_, html) = page(&hr, &format!("{b}/hr/appeals")).await;
    let (csrf, version) = form_of(&html, second);
    let (s, _, html) = post_form(
        &hr,
        &format!("{b}/hr/appeals/{second}"),
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("action", "reopen"),
            ("reason", "重新核对销售数据"),
            ("items", "sales"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !html.contains(&format!(r#"id="appeal-{first}""#))
            && !html.contains(&format!(r#"id="appeal-{second}""#)),
        "{html}"
    );
    assert!(html.contains("没有待处理的申诉"));
    let admin = app.store.user_by_name("hr").await.unwrap().unwrap();
    let a = app.store.appraisal(&admin, first).await.unwrap();
    assert_eq!(a.state, kaohe_core::workflow::State::Confirmed);
    let a = app.store.appraisal(&admin, second).await.unwrap();
    assert_eq!(a.state, kaohe_core::workflow::State::Rating);
    assert_eq!(a.open_items, Some(vec!["sales".to_string()]));

    // The audit log: newest first, filters narrow it.
    let (s, html) = page(&hr, &format!("{b}/hr/audit")).await;
    assert_eq!(s, StatusCode::OK);
    let all_rows = html.matches(r#"class="audit-row""#).count();
    assert_eq!(all_rows, 50, "a page of 50");
    // Each step in words, not the log's codes.
    assert!(
        html.contains("重新打开") && !html.contains("appraisal.reopen"),
        "{html}"
    );
    let (_, html) = page(&hr, &format!("{b}/hr/audit?entity=cycle")).await;
    let rows = html.matches(r#"class="audit-row""#).count();
    assert!(rows > 0 && rows < all_rows, "{rows}");
    assert!(html.contains("设定等级比例") && html.contains("发起考核周期"));
    assert!(!html.contains("录入数据"));
    let (_, html) = page(
        &hr,
        &format!("{b}/hr/audit?q=%E6%95%B0%E6%8D%AE%E6%A0%B8%E5%AE%9E"),
    )
    .await; // 数据核实
    assert_eq!(html.matches(r#"class="audit-row""#).count(), 1, "{html}");
    assert!(
        html.contains("数据核实无误") && html.contains("申诉中") && html.contains("已确认"),
        "the states in words: {html}"
    );
    // The entry names the person, the form and the period, and links to the sheet.
    let a = app.store.appraisal(&admin, first).await.unwrap();
    assert!(
        html.contains(&format!("{} ({}) · F01 · ", a.name, a.emp_no))
            && html.contains(&format!("&#x2f;appraisals&#x2f;{first}\"")),
        "{html}"
    );
    let (_, html) = page(&hr, &format!("{b}/hr/audit?actor=nobody")).await;
    assert_eq!(html.matches(r#"class="audit-row""#).count(), 0);
    let (_, html) = page(&hr, &format!("{b}/hr/audit?from=2000-01-01&to=2000-12-31")).await;
    assert_eq!(html.matches(r#"class="audit-row""#).count(), 0);
    let (s, html) = page(&hr, &format!("{b}/hr/audit?from=yesterday")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("field-error"));
    let (_, html) = page(&hr, &format!("{b}/hr/audit?q={}", "%3Cscript%3E")).await;
    assert!(
        html.contains(XSS_ESCAPED) && !html.contains(XSS),
        "the appeal's reason, escaped"
    );

    // Every page reads in both languages with no missing message.
    for lang in ["zh-CN", "en"] {
        for p in [
            "/hr/cycles".to_string(),
            format!("/hr/cycles/{nov}"),
            format!("/hr/cycles/{oct}"),
            format!("/hr/cycles/{nov}/results?sort=rank&dir=asc"),
            "/hr/appeals".into(),
            "/hr/audit".into(),
            "/hr/users".into(),
            "/hr/employees/E0000000".into(),
        ] {
            let url = format!(
                "{b}{p}{}lang={lang}",
                if p.contains('?') { '&' } else { '?' }
            );
            let (s, html) = page(&hr, &url).await;
            assert_eq!(s, StatusCode::OK, "{url}");
            assert_complete(&url, &html);
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{url}");
        }
    }
}

/// Issue 13: 「大客户经理: 月度绩效奖金=3000」 accepted; a draft edited (an unknown name
/// answered next to the targets, naming it and the names the form has) and deleted after
/// a confirmation step; launch confirmed on a page saying who and how much; the cycle
/// copied to the next month; cancelled with a reason.
async fn cycles_set_up_as_people_think_of_them(app: App) {
    let b = app.base.clone();
    let hr = company(&app).await;
    let (_, html) = page(&hr, &format!("{b}/hr/cycles")).await;
    let csrf = csrf_of(&html);
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("form_id", "F01"),
        ("period", "2026-11"),
        ("name", "2026年11月 大客户经理考核"),
        ("members", "employees"),
        ("employees", "E0000000, E0000001, E0000002"),
        ("data_due", "2026-12-05"),
        ("rating_due", ""),
        ("window", "72"),
        ("params", ""),
        ("targets", "大客户经理: 月度绩效奖金=3000"),
    ];
    let (s, path, html) = post_form(&hr, &format!("{b}/hr/cycles"), &fields).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let cy = app.store.cycle(id).await.unwrap();
    assert_eq!(cy.targets[0].values["monthly_bonus"], "3000");
    // The draft's page: an edit form filled in with the sheet's names.
    assert!(html.contains(r#"id="edit""#), "{html}");
    assert!(target_cell(&html, "大客户经理", "monthly_bonus").contains(r#"value="3000""#));
    assert_complete(&path, &html);
    // An unknown name is answered next to the targets, with the names the form has.
    let csrf = csrf_of(&html);
    fields[0] = ("csrf", csrf.as_str());
    fields[10] = ("targets", "大客户经理: 月度奖金=3000");
    let mut edit = fields.clone();
    edit.push(("action", "update"));
    let (s, _, html) = post_form(&hr, &format!("{b}/hr/cycles/{id}"), &edit).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let near = &html[html.find(r#"name="targets""#).unwrap()..];
    let near = &near[..near.find("</form>").unwrap()];
    assert!(
        near.contains("field-error") && near.contains("月度奖金") && near.contains("月度绩效奖金"),
        "{near}"
    );
    // Edited: a new name and an employee's own base.
    let edit: Vec<(&str, &str)> = edit
        .into_iter()
        .map(|(k, v)| match k {
            "targets" => (
                k,
                "大客户经理: 月度绩效奖金=3000\nE0000002: monthly_bonus=3500",
            ),
            _ => (k, v),
        })
        .collect();
    let (s, _, html) = post_form(&hr, &format!("{b}/hr/cycles/{id}"), &edit).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(target_cell(&html, "E0000002", "monthly_bonus").contains(r#"value="3500""#));

    // 发起 asks first: who (工号, 姓名, 部门, 岗位), how many, the bonus base total.
    assert!(html.contains(&format!(r#"href="/hr/cycles/{id}/launch""#)));
    let url = format!("{b}/hr/cycles/{id}/launch");
    let (s, html) = page(&hr, &url).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_complete(&url, &html);
    assert!(html.contains("以下 3 人"), "{html}");
    assert!(html.contains("奖金基数合计：9500 元"), "{html}");
    let table = &html[html.find(r#"id="launch-members""#).unwrap()..];
    for x in [
        "E0000000",
        "客户经理0",
        "对公部",
        "市场部",
        "大客户经理",
        "3500",
    ] {
        assert!(table.contains(x), "{x}: {table}");
    }
    assert_eq!(app.store.cycle(id).await.unwrap().status, "draft");
    // The same through the API.
    let (s, body) = send(hr.get(format!("{b}/api/cycles/{id}/launch-preview"))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["bonus_base_total"], "9500");
    assert_eq!(body["members"].as_array().unwrap().len(), 3);
    let (_, en) = page(&hr, &format!("{url}?lang=en")).await;
    assert_complete(&url, &en);
    assert!(en.contains("Bonus base total: 9500"), "{en}");
    let (_, html) = page(&hr, &format!("{url}?lang=zh-CN")).await;
    let (s, path, html) = post_form(
        &hr,
        &format!("{b}/hr/cycles/{id}"),
        &[("csrf", &csrf_of(&html)), ("action", "launch")],
    )
    .await;
    assert_eq!(
        (s, path.as_str()),
        (StatusCode::OK, format!("/hr/cycles/{id}").as_str())
    );
    assert_eq!(app.store.cycle(id).await.unwrap().status, "launched");
    assert!(!html.contains(r#"id="edit""#));

    // 复制上月: a December draft, opened for editing.
    let (_, list) = page(&hr, &format!("{b}/hr/cycles")).await;
    assert!(list.contains(r#"value="copy""#), "{list}");
    let (s, path, html) = post_form(
        &hr,
        &format!("{b}/hr/cycles/{id}"),
        &[("csrf", &csrf_of(&list)), ("action", "copy")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let copy: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    assert_ne!(copy, id);
    assert!(html.contains("2026年12月 大客户经理考核") && html.contains(r#"id="edit""#));
    assert!(html.contains(r#"value="2026-12""#) && html.contains(r#"value="2027-01-05""#));
    let c = app.store.cycle(copy).await.unwrap();
    assert_eq!((c.period.as_str(), c.status.as_str()), ("2026-12", "draft"));
    // Deleting the copy asks first.
    let url = format!("{b}/hr/cycles/{copy}/delete");
    let (s, html) = page(&hr, &url).await;
    assert_eq!(s, StatusCode::OK);
    assert_complete(&url, &html);
    assert!(html.contains(r#"value="delete""#));
    let (s, path, _) = post_form(
        &hr,
        &format!("{b}/hr/cycles/{copy}"),
        &[("csrf", &csrf_of(&html)), ("action", "delete")],
    )
    .await;
    assert_eq!((s, path.as_str()), (StatusCode::OK, "/hr/cycles"));
    assert!(app.store.cycle(copy).await.is_err());

    // Cancelled with a reason (none: refused next to the box).
    let (_, html) = page(&hr, &format!("{b}/hr/cycles/{id}")).await;
    assert!(html.contains(r#"value="cancel""#));
    let csrf = csrf_of(&html);
    let (s, _, html) = post_form(
        &hr,
        &format!("{b}/hr/cycles/{id}"),
        &[("csrf", &csrf), ("action", "cancel"), ("reason", " ")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("取消原因"), "{html}");
    let (s, _, html) = post_form(
        &hr,
        &format!("{b}/hr/cycles/{id}"),
        &[
            ("csrf", &csrf),
            ("action", "cancel"),
            ("reason", "考核方案调整"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("已取消，原因：考核方案调整"), "{html}");
    assert_eq!(app.store.cycle(id).await.unwrap().status, "cancelled");
    let log = app.store.audit_log(0, 10_000).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "cycle.cancel" && e.reason.as_deref() == Some("考核方案调整"))
    );
}

/// Issue 13: targets and bonus bases as a table — the form's positions down, its inputs and
/// parameters across under their sheet names (English on ?lang=en); each cell read back
/// (a position's row, an employee's row typed into a blank one), shown again on the
/// draft's page; a bad value answered in its own cell naming the row and the column.
async fn targets_and_bonus_bases_as_a_table(app: App) {
    let b = app.base.clone();
    let hr = company(&app).await;
    let (_, html) = page(&hr, &format!("{b}/hr/cycles")).await;
    let table = &html[html
        .find(r#"class="targets-table""#)
        .expect("targets table")..];
    let head = &table[..table.find("</thead>").unwrap()];
    for name in [
        "岗位或工号",
        "当月销售目标",
        "当月实际销售额",
        "月度绩效奖金",
    ] {
        assert!(head.contains(name), "{name}: {head}");
    }
    // The form's position is a row, its cells empty.
    assert!(target_cell(&html, "大客户经理", "monthly_bonus").contains(r#"value="""#));
    let (_, en) = page(&hr, &format!("{b}/hr/cycles?lang=en")).await;
    assert_complete("/hr/cycles?lang=en", &en);
    let head = &en[en.find(r#"class="targets-table""#).unwrap()..];
    let head = &head[..head.find("</thead>").unwrap()];
    assert!(
        head.contains("Monthly performance bonus base") && head.contains("Monthly sales target"),
        "{head}"
    );
    let (_, html) = page(&hr, &format!("{b}/hr/cycles?lang=zh-CN")).await;
    let csrf = csrf_of(&html);
    let base = vec![
        ("csrf", csrf.as_str()),
        ("form_id", "F01"),
        ("period", "2026-11"),
        ("name", "2026年11月 大客户经理考核"),
        ("members", "employees"),
        ("employees", "E0000000, E0000001, E0000002"),
        ("window", "72"),
        ("tg.0.who", "大客户经理"),
        ("tg.0.kind", "position"),
        ("tg.0.label", "大客户经理"),
    ];
    // A bad bonus base: answered in its cell, naming the row and the column; kept as typed.
    let mut fields = base.clone();
    fields.extend([("tg.0.monthly_bonus", "三千"), ("tg.0.sales_target", "120")]);
    let (s, _, html) = post_form(&hr, &format!("{b}/hr/cycles"), &fields).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let cell = target_cell(&html, "大客户经理", "monthly_bonus");
    assert!(
        cell.contains("field-error") && cell.contains("大客户经理 · 月度绩效奖金"),
        "{cell}"
    );
    assert!(cell.contains(r#"value="三千""#), "{cell}");
    let ok = target_cell(&html, "大客户经理", "sales_target");
    assert!(
        !ok.contains("field-error") && ok.contains(r#"value="120""#),
        "{ok}"
    );
    // Values without a row name: said in that row.
    let mut fields = base.clone();
    fields.extend([
        ("tg.0.monthly_bonus", "3000"),
        ("tg.1.monthly_bonus", "3500"),
    ]);
    let (s, _, html) = post_form(&hr, &format!("{b}/hr/cycles"), &fields).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("请写明岗位或工号"), "{html}");

    // Stored: the position's bonus base and target, an employee's own base (a blank row).
    let mut fields = base.clone();
    fields.extend([
        ("tg.0.monthly_bonus", "3000"),
        ("tg.0.sales_target", "120"),
        ("tg.1.who", "E0000002"),
        ("tg.1.monthly_bonus", "3500"),
    ]);
    let (s, path, html) = post_form(&hr, &format!("{b}/hr/cycles"), &fields).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let cy = app.store.cycle(id).await.unwrap();
    let pos = cy
        .targets
        .iter()
        .find(|t| t.position.as_deref() == Some("大客户经理"))
        .expect("the position's row");
    assert_eq!(pos.values["monthly_bonus"], "3000");
    assert_eq!(pos.values["sales_target"], "120");
    let own = cy
        .targets
        .iter()
        .find(|t| t.emp_no.as_deref() == Some("E0000002"))
        .expect("the employee's row");
    assert_eq!(own.values["monthly_bonus"], "3500");
    assert_eq!(own.values.len(), 1);
    // The draft's table shows what is stored; the employee's row is named.
    assert!(target_cell(&html, "大客户经理", "monthly_bonus").contains(r#"value="3000""#));
    assert!(target_cell(&html, "大客户经理", "sales_target").contains(r#"value="120""#));
    assert!(target_cell(&html, "E0000002", "monthly_bonus").contains(r#"value="3500""#));
    assert!(html.contains("E0000002 客户经理2"), "{html}");
    assert_complete(&path, &html);

    // Edited in the table: the employee's base changed, the target emptied; a bad cell
    // first, answered in that cell only.
    let csrf = csrf_of(&html);
    let row = |r: usize, f: &str| format!("tg.{r}.{f}");
    let at = |who: &str| {
        let a = html.find(&format!(r#"value="{who}""#)).unwrap();
        let name = &html[..a];
        let name = &name[name.rfind("name=\"tg.").unwrap() + 9..];
        name[..name.find('.').unwrap()].parse::<usize>().unwrap()
    };
    let (p, e) = (at("大客户经理"), at("E0000002"));
    let keys = [
        row(p, "who"),
        row(p, "kind"),
        row(p, "monthly_bonus"),
        row(e, "who"),
        row(e, "kind"),
        row(e, "monthly_bonus"),
    ];
    let mut edit: Vec<(&str, &str)> = base[1..].to_vec();
    edit.retain(|(k, _)| !k.starts_with("tg."));
    edit.extend([("csrf", csrf.as_str()), ("action", "update")]);
    edit.extend([
        (keys[0].as_str(), "大客户经理"),
        (keys[1].as_str(), "position"),
        (keys[2].as_str(), "3000"),
        (keys[3].as_str(), "E0000002"),
        (keys[4].as_str(), "employee"),
    ]);
    let mut bad = edit.clone();
    bad.push((keys[5].as_str(), "x"));
    let (s, _, html) = post_form(&hr, &format!("{b}/hr/cycles/{id}"), &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let cell = target_cell(&html, "E0000002", "monthly_bonus");
    assert!(
        cell.contains("field-error") && cell.contains("E0000002 客户经理2 · 月度绩效奖金"),
        "{cell}"
    );
    assert!(!target_cell(&html, "大客户经理", "monthly_bonus").contains("field-error"));
    edit.push((keys[5].as_str(), "4000"));
    let (s, _, html) = post_form(&hr, &format!("{b}/hr/cycles/{id}"), &edit).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let cy = app.store.cycle(id).await.unwrap();
    let own = cy.targets.iter().find(|t| t.emp_no.is_some()).unwrap();
    assert_eq!(own.values["monthly_bonus"], "4000");
    let pos = cy.targets.iter().find(|t| t.position.is_some()).unwrap();
    assert!(!pos.values.contains_key("sales_target"), "{pos:?}");
    assert!(target_cell(&html, "E0000002", "monthly_bonus").contains(r#"value="4000""#));
    // The launch page counts the bases the table set: 3000 + 3000 + 4000.
    let (_, html) = page(&hr, &format!("{b}/hr/cycles/{id}/launch")).await;
    assert!(html.contains("奖金基数合计：10000 元"), "{html}");
}

/// A form whose peers HR names (HR指定): the launch page warns, before anything is launched,
/// who the cycle's peer list leaves without enough peers — their peer items could never be
/// scored — says where to fill the list in, and does so in English too; the API's preview
/// lists the same people.
async fn launching_without_enough_peers_is_warned_first(app: App) {
    let web = company(&app).await;
    let b = &app.base;
    let form = r#"
[form]
id = "T360H"
title = "团队协作考核表"
period = "monthly"
total_points = 100

[[rater]]
id = "supervisor"
name = "直接上级"
weight = 70
[[rater]]
id = "peers"
name = "同事"
weight = 30
peers = 3
min_answers = 2
pick = "HR指定"

[[item]]
id = "teamwork"
name = "团队协作"
points = 100
rule = "score"
raters = ["supervisor", "peers"]
"#;
    app.store.publish_template("hr", form).await.unwrap();
    let mut members = kaohe_store::Members {
        employees: (0..4).map(|i| format!("E{i:07}")).collect(),
        ..Default::default()
    };
    members.peers.insert(
        "E0000000".into(),
        vec!["E0000004".into(), "E0000005".into()],
    );
    let cy = app
        .store
        .create_cycle(
            "hr",
            &kaohe_store::NewCycle {
                name: "同事互评".into(),
                form_id: "T360H".into(),
                period: "2026-11".into(),
                members,
                confirm_window_hours: 72,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let url = format!("{b}/hr/cycles/{}/launch", cy.id);
    let (s, html) = page(&web, &url).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert_complete(&url, &html);
    let warn = &html[html.find(r#"id="launch-peers-short""#).expect(&html)..];
    let warn = &warn[..warn.find("</div>").unwrap()];
    assert!(warn.contains("3 位被考核人"), "{warn}");
    assert!(warn.contains("HR指定"), "{warn}");
    assert!(
        warn.contains(&format!(r#"href="/hr/cycles/{}#edit""#, cy.id)),
        "{warn}"
    );
    for no in ["E0000001", "E0000002", "E0000003"] {
        assert!(warn.contains(no), "{no}: {warn}");
    }
    assert!(!warn.contains("E0000000"), "the one with a list: {warn}");
    assert!(
        warn.contains("「同事」评分组有 0 位同事，需要 2 位作答"),
        "{warn}"
    );
    let list = &warn[warn.find("<ul>").unwrap()..];
    assert!(
        !list.contains("peers"),
        "the form's name, not its id: {list}"
    );
    // Nothing launched by looking.
    assert_eq!(app.store.cycle(cy.id).await.unwrap().status, "draft");
    // The same through the API.
    let api = login(&app, "hr").await;
    let (s, body) = send(api.get(format!("{b}/api/cycles/{}/launch-preview", cy.id))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let short: Vec<&str> = body["short_of_peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["emp_no"].as_str().unwrap())
        .collect();
    assert_eq!(short, ["E0000001", "E0000002", "E0000003"]);
    // In English.
    let (s, html) = page(&web, &format!("{url}?lang=en")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Too few peers: 3 appraisee(s)"), "{html}");
}
