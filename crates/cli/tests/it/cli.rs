//! The `kaohe` command as a person uses it: scoring files, the errors bad files get,
//! and that nothing is written when the input is bad.

use std::path::PathBuf;
use std::process::{Command, Output};

fn kaohe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(args)
        .output()
        .expect("kaohe runs")
}

/// `kaohe score -t F01 -i INPUT -f csv -o OUT`.
fn score_f01_csv(input: &std::path::Path, out: &std::path::Path) -> Output {
    kaohe(&[
        "score",
        "-t",
        "F01",
        "-i",
        input.to_str().unwrap(),
        "-f",
        "csv",
        "-o",
        out.to_str().unwrap(),
    ])
}

/// `kaohe bench ARGS…`, its output. The exit code is 0 (every target met) or 1 (some
/// missed: a short run on a busy machine), never another (an error).
fn bench(args: &[&str]) -> String {
    let o = kaohe(&[&["bench"], args].concat());
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory for one test.
fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kaohe-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const F01_HEADER: &str = "工号,姓名,sales_target,sales_actual,new_customers,authorised_work,samples,contracts,idle,leave_late_early,leave_days,monthly_bonus";

#[test]
fn scores_a_csv_batch_to_csv() {
    let d = tmp("csv");
    let input = d.join("in.csv");
    std::fs::write(&input, format!("{F01_HEADER}\nE001,张伟,100,87,1,18,14,13,1,2,1,3000\nE002,李娜,100,100,0,15,10,10,0,0,0,300.30\n")).unwrap();
    let out = d.join("out.csv");
    let o = score_f01_csv(&input, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let total = header.iter().position(|h| *h == "total").unwrap();
    let bonus = header.iter().position(|h| *h == "bonus").unwrap();
    let sales = header.iter().position(|h| *h == "sales").unwrap();
    let e1: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        (e1[0], e1[1], e1[sales], e1[total], e1[bonus]),
        ("E001", "张伟", "29", "90", "2700.00")
    );
    let e2: Vec<&str> = lines.next().unwrap().split(',').collect();
    // 30 + 15 + 10 + 10 + 10 + 10 = 85; 85% of 300.30 = 255.255 → 255.26 (half-up).
    assert_eq!((e2[total], e2[bonus]), ("85", "255.26"));
}

#[test]
fn explains_in_chinese_and_english() {
    let d = tmp("explain");
    let input = d.join("in.csv");
    std::fs::write(
        &input,
        format!("{F01_HEADER}\nE001,张伟,100,87,1,18,14,13,1,2,1,3000\n"),
    )
    .unwrap();
    let o = kaohe(&[
        "score",
        "-t",
        "F01",
        "-i",
        input.to_str().unwrap(),
        "--explain",
        "--lang",
        "both",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(
        s.contains("低于目标 13%，按每 5% 扣 3 分计 2 档，扣 6 分"),
        "{s}"
    );
    assert!(
        s.contains("13% below target, 2 full step(s) of 5% at 3 points each: 6 points off"),
        "{s}"
    );
    assert!(s.contains("2700.00"), "{s}");
}

#[test]
fn json_in_json_out_keeps_decimals_exact() {
    let d = tmp("json");
    let input = d.join("in.json");
    std::fs::write(
        &input,
        r#"[{"id": "E006", "sales_target": 100, "sales_actual": 100, "authorised_work": 15, "samples": 10, "contracts": 10,
             "untidy": 1, "unapproved_leave": 1, "leave_late_early": 1, "other": -4, "other.reason": "客户投诉", "monthly_bonus": "300.30"}]"#,
    )
    .unwrap();
    let o = kaohe(&[
        "score",
        "-t",
        "F01",
        "-i",
        input.to_str().unwrap(),
        "-f",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["total"], "75");
    // 300.30 × 75 / 100 = 225.225 → 225.23, where f64 arithmetic gives 225.22.
    assert_eq!(v[0]["pay"]["bonus"], "225.23");
}

#[test]
fn bad_cells_are_named_by_line_and_column_and_nothing_is_written() {
    let d = tmp("bad");
    let input = d.join("in.csv");
    std::fs::write(
        &input,
        format!("{F01_HEADER}\nE001,张伟,100,abc,1,18,14,13,1,2,1,3000\nE002,李娜,100,90,1,25,14,13,1,2,1,3000\nE001,王强,100,90,1,18,14,13,1.5,2,1,3000\n"),
    )
    .unwrap();
    let out = d.join("out.csv");
    let o = score_f01_csv(&input, &out);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("in.csv:2:4 [sales_actual]") && e.contains("`abc` 不是数字"),
        "{e}"
    );
    assert!(
        e.contains("in.csv:3:6 [authorised_work]") && e.contains("25 超出允许范围 [0, 20]"),
        "{e}"
    );
    assert!(
        e.contains("in.csv:4:9 [idle]") && e.contains("整数次数"),
        "{e}"
    );
    assert!(
        e.contains("工号 `E001` 重复 (第 2 行已出现)") || e.contains("in.csv:4"),
        "{e}"
    );
    assert!(e.contains("没有写出任何结果"), "{e}");
    assert!(!out.exists(), "no partial output");
}

/// Thousands of ids that differ only in their last digits, one of them twice far apart:
/// the duplicate is found (by line) and nothing is written.
#[test]
fn a_duplicate_id_among_many_is_found() {
    let d = tmp("dup");
    let input = d.join("in.csv");
    let mut csv = format!("{F01_HEADER}\n");
    for i in 0..5000 {
        csv.push_str(&format!("E{i:07},员工{i},100,90,1,18,14,13,1,2,1,3000\n"));
    }
    csv.push_str("E0000042,重复者,100,90,1,18,14,13,1,2,1,3000\n");
    std::fs::write(&input, csv).unwrap();
    let out = d.join("out.csv");
    let o = score_f01_csv(&input, &out);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("工号 `E0000042` 重复 (第 44 行已出现)"), "{e}");
    assert!(e.contains("in.csv:5002"), "{e}");
    assert!(!out.exists(), "no partial output");
}

#[test]
fn a_missing_column_is_named() {
    let d = tmp("missing");
    let input = d.join("in.csv");
    std::fs::write(&input, "id,sales_target,sales_actal,authorised_work,samples,contracts,monthly_bonus\nE1,100,90,10,10,10,1000\n").unwrap();
    let o = kaohe(&[
        "score",
        "-t",
        "F01",
        "-i",
        input.to_str().unwrap(),
        "--lang",
        "en",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("the column `sales_actual` (当月实际销售额) is missing (`sales_actal`?)"),
        "{e}"
    );
}

#[test]
fn skip_invalid_scores_the_good_rows_and_reports_the_bad() {
    let d = tmp("skip");
    let input = d.join("in.csv");
    std::fs::write(&input, format!("{F01_HEADER}\nE001,张伟,100,87,1,18,14,13,1,2,1,3000\nE002,李娜,100,xx,1,18,14,13,1,2,1,3000\n")).unwrap();
    let o = kaohe(&[
        "score",
        "-t",
        "F01",
        "-i",
        input.to_str().unwrap(),
        "-f",
        "csv",
        "--skip-invalid",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(s.contains("E001") && !s.contains("E002"), "{s}");
    assert!(stderr(&o).contains("in.csv:3:4"), "{}", stderr(&o));
}

#[test]
fn template_check_reports_file_line_column_and_fails() {
    let d = tmp("check");
    let f = d.join("bad.toml");
    std::fs::write(
        &f,
        "[form]\nid = \"X\"\ntitle = \"坏表\"\nperiod = \"monthly\"\ntotal_points = 100\n\n[[item]]\nid = \"a\"\nname = \"甲\"\npoints = 100\nrule = \"ratio\"\nmeasure = \"sales\"\ntarget = 100\n",
    )
    .unwrap();
    let o = kaohe(&["template", "check", f.to_str().unwrap(), "--lang", "both"]);
    assert_eq!(o.status.code(), Some(1));
    let s = stdout(&o);
    assert!(s.contains("bad.toml:12:12: 错误 E003"), "{s}");
    assert!(s.contains("refers to `sales`, which does not exist"), "{s}");
}

#[test]
fn bundled_templates_list_show_and_test() {
    let o = kaohe(&["template", "list"]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("F01  大客户经理岗位绩效考核表"),
        "{}",
        stdout(&o)
    );
    let o = kaohe(&["template", "show", "F01"]);
    assert!(
        stdout(&o).contains("每低于目标满 5 扣 3 分"),
        "{}",
        stdout(&o)
    );
    let o = kaohe(&["template", "test", "F01"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains(" passed, 0 failed"));
}

#[test]
fn an_unknown_template_or_param_is_a_clear_error() {
    let o = kaohe(&["score", "-t", "F99", "-i", "x.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("找不到模板 `F99`"), "{}", stderr(&o));
    let d = tmp("param");
    let input = d.join("in.csv");
    std::fs::write(
        &input,
        format!("{F01_HEADER}\nE001,张伟,100,87,1,18,14,13,1,2,1,3000\n"),
    )
    .unwrap();
    let o = kaohe(&[
        "score",
        "-t",
        "F01",
        "-i",
        input.to_str().unwrap(),
        "--param",
        "nope=1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("没有参数 `nope`"), "{}", stderr(&o));
}

fn kaohe_db(db: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    c.args(args)
        .env("KAOHE_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env_remove("KAOHE_PASSWORD");
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("kaohe runs");
    if let Some(s) = stdin {
        // The command may exit before reading (a bad role): a closed pipe is fine.
        let _ = child.stdin.take().unwrap().write_all(s.as_bytes());
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[test]
fn organisation_users_audit_and_backup_from_the_command_line() {
    let d = tmp("admin");
    let db = d.join("kaohe.db");
    let org = d.join("org.csv");
    std::fs::write(&org, "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号\nE001,张伟,SC,市场部,业务,大客户经理,E003\nE003,王强,SC,市场部,业务,市场部经理,\nX01,赵行政,XZ,行政部,职能,行政专员,\n").unwrap();
    let o = kaohe_db(&db, &["org", "import", org.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("员工 +3 employees"), "{}", stdout(&o));

    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        "工号,姓名,部门编码,直接上级工号\nE010,新人,SC,E999\nE010,重复,SC,\n",
    )
    .unwrap();
    let o = kaohe_db(&db, &["org", "import", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("bad.csv:2 [直接上级工号 supervisor]: `E999`")
            && e.contains("bad.csv:3 [工号 emp_no]"),
        "{e}"
    );
    assert!(e.contains("未导入任何数据"), "{e}");

    let o = kaohe_db(
        &db,
        &["user", "add", "hr", "--role", "hr_admin"],
        Some("a long password\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kaohe_db(
        &db,
        &[
            "user",
            "add",
            "zw",
            "--role",
            "employee",
            "--employee",
            "E404",
        ],
        Some("a long password\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("员工「E404」不存在"), "{}", stderr(&o));
    let o = kaohe_db(
        &db,
        &["user", "add", "x", "--role", "boss"],
        Some("a long password\n"),
    );
    assert!(stderr(&o).contains("未知角色 `boss`"), "{}", stderr(&o));

    let o = kaohe_db(&db, &["audit", "verify"], None);
    assert!(o.status.success());
    assert!(
        // The org import (with each of its 3 employees added) and the user.
        stdout(&o).contains("审计日志完整: 5 条记录"),
        "{}",
        stdout(&o)
    );

    let copy = d.join("copy.db");
    let o = kaohe_db(&db, &["backup", copy.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kaohe_db(&copy, &["audit", "verify"], None);
    assert!(
        stdout(&o).contains("5 条记录"),
        "the copy is a working database: {}",
        stdout(&o)
    );
    let o = kaohe_db(&db, &["backup", copy.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2), "never overwrites");

    let o = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["migrate", "--database-url", "mysql://x/y"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("不支持的数据库地址 `mysql://x/y`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bench_engine_prints_both_lanes_with_the_same_checksum_and_the_targets() {
    let o = kaohe(&[
        "bench",
        "engine",
        "--rows",
        "3000",
        "--distinct",
        "700",
        "--csv-rows",
        "500",
        "--rounds",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // The lane must add up to exactly what the interpreter does over the same rows.
    let checksum = |label: &str| {
        let line = out
            .lines()
            .find(|l| l.contains(label) && l.contains("checksum"))
            .unwrap_or_else(|| panic!("no {label} line in {out}"));
        line.rsplit("checksum ")
            .next()
            .unwrap()
            .trim_end_matches(')')
            .to_string()
    };
    assert_eq!(
        checksum("interpreter"),
        checksum("exact-integer lane"),
        "{out}"
    );
    assert!(out.contains("2 × 3000 scorecards, median"), "{out}");
    assert!(
        out.contains("target ≥ 5 M scorecards/s on one core: "),
        "{out}"
    );
    assert!(
        out.contains("CSV→CSV") && out.contains("500 appraisees"),
        "{out}"
    );
    // The 1,000,000-row target does not apply to a 500-row run.
    assert!(out.contains("target ≤ 1.5 s for 1,000,000: ok"), "{out}");

    let o = kaohe(&["bench", "engine", "--rounds", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--rounds"), "{}", stderr(&o));
}

#[test]
fn roles_for_one_department_from_the_command_line() {
    let d = tmp("grants");
    let db = d.join("kaohe.db");
    let org = d.join("org.csv");
    std::fs::write(&org, "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号\nE001,张伟,SC,市场部,业务,大客户经理,\nK001,黄磊,KF,客服部,业务,客服经理,\n").unwrap();
    assert!(
        kaohe_db(&db, &["org", "import", org.to_str().unwrap()], None)
            .status
            .success()
    );
    let o = kaohe_db(
        &db,
        &[
            "user",
            "add",
            "fuhe",
            "--role",
            "reviewer@客服部",
            "--role",
            "employee",
        ],
        Some("a long password\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kaohe_db(&db, &["user", "show", "fuhe"], None);
    assert_eq!(stdout(&o).trim(), "fuhe: employee, reviewer@客服部");
    // By code as well as by name; giving twice is once.
    for _ in 0..2 {
        let o = kaohe_db(&db, &["user", "grant", "fuhe", "approver@SC"], None);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = kaohe_db(&db, &["user", "show", "fuhe"], None);
    assert_eq!(
        stdout(&o).trim(),
        "fuhe: approver@市场部, employee, reviewer@客服部"
    );
    let o = kaohe_db(&db, &["user", "revoke", "fuhe", "reviewer@KF"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "fuhe: approver@市场部, employee");
    // Mistakes are named, and change nothing.
    let o = kaohe_db(&db, &["user", "grant", "fuhe", "reviewer@财务部"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("没有部门 `财务部`") && stderr(&o).contains("KF 客服部"),
        "{}",
        stderr(&o)
    );
    let o = kaohe_db(&db, &["user", "revoke", "fuhe", "hr_admin"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("没有角色 `hr_admin`"), "{}", stderr(&o));
    let o = kaohe_db(&db, &["user", "grant", "nobody", "employee"], None);
    assert!(
        stderr(&o).contains("用户 `nobody` 不存在"),
        "{}",
        stderr(&o)
    );
    // Each change is audited once (the org and its 2 employees, the user, one grant, one
    // revoke).
    let o = kaohe_db(&db, &["audit", "verify"], None);
    assert!(
        stdout(&o).contains("审计日志完整: 6 条记录"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn bench_serve_prints_every_figure_with_its_target() {
    let out = bench(&["serve", "--seconds", "1", "--connections", "4"]);
    assert!(
        out.contains(
            "bench serve: SQLite (synchronous=FULL), demo company, 4 connections, 1 s per phase"
        ),
        "{out}"
    );
    for (figure, target) in [
        ("reads (4 readers)", "target ≥ 5000/s: "),
        ("reads p50 / p99", "target p99 ≤ 50 ms: "),
        ("writes (4 writers)", "target ≥ 1500/s: "),
        ("writes p50 / p99", "target p99 ≤ 50 ms: "),
        ("reads with 4 writers (16 readers)", "target ≥ 3000/s: "),
        (
            "reads during sign-in flood (4 readers)",
            "target ≥ 3000/s: ",
        ),
    ] {
        let line = out
            .lines()
            .find(|l| l.contains(figure))
            .unwrap_or_else(|| panic!("no `{figure}` line in {out}"));
        assert!(
            line.contains(target) && (line.ends_with(": ok") || line.ends_with(": MISSED")),
            "{line}"
        );
    }
    for figure in [
        "writes refused as stale (409, retried)",
        "writes alongside",
        "reads during flood p50 / p99",
        "flood sign-ins (100/s): ",
    ] {
        assert!(out.contains(figure), "no `{figure}` in {out}");
    }
}

#[test]
fn bench_notify_prints_every_figure_with_its_target() {
    let out = bench(&["notify", "--employees", "1000", "--messages", "500"]);
    assert!(
        out.contains("bench notify: 1000 appraisees on F01, Sqlite"),
        "{out}"
    );
    for (figure, target) in [
        (
            "notify/due-soon reminders: 1000 tasks of 1000 appraisees → 10 messages to 10 holders",
            "target ≤ 5 s for 100,000 appraisees: ",
        ),
        (
            "notify/delivery: 500 messages to a local webhook",
            "target ≥ 200 messages/s: ",
        ),
    ] {
        let line = out
            .lines()
            .find(|l| l.contains(figure))
            .unwrap_or_else(|| panic!("no `{figure}` line in {out}"));
        assert!(
            line.contains(target) && (line.ends_with(": ok") || line.ends_with(": MISSED")),
            "{line}"
        );
    }
    assert!(
        out.contains("notify/due-soon again the same day (nothing to send)"),
        "{out}"
    );
}

#[test]
fn audit_verify_with_a_key_finds_a_rewritten_and_rechained_entry() {
    const KEY: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
    let d = tmp("audit-key");
    let db = d.join("kaohe.db");
    let keyed = |args: &[&str], stdin: Option<&str>| {
        use std::io::Write;
        let mut c = Command::new(env!("CARGO_BIN_EXE_kaohe"));
        c.args(args)
            .env("KAOHE_DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("KAOHE_AUDIT_KEY", KEY)
            .env_remove("KAOHE_AUDIT_KEY_FILE")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().expect("kaohe runs");
        if let Some(s) = stdin {
            let _ = child.stdin.take().unwrap().write_all(s.as_bytes());
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    };
    for u in ["hr", "hr2", "hr3"] {
        let o = keyed(
            &["user", "add", u, "--role", "hr_admin"],
            Some("a long password\n"),
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let key_id = kaohe_store::AuditKey::parse(KEY).unwrap().id().to_string();
    let o = keyed(&["audit", "verify"], None);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(&key_id) && stdout(&o).contains("audit log intact: 3 entries"),
        "{}",
        stdout(&o)
    );

    // Rewrite entry 2's actor and value and recompute the plain SHA-256 chain after it.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Row;
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let rows = sqlx::query("SELECT id, at, actor, action, entity, entity_id, old_value, new_value, reason, hash FROM audit_log ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        let mut prev: String = rows[0].get("hash");
        for r in &rows[1..] {
            let id: i64 = r.get("id");
            let mut e = kaohe_store::NewAudit {
                actor: r.get("actor"),
                action: r.get("action"),
                entity: r.get("entity"),
                entity_id: r.get("entity_id"),
                old_value: r.get("old_value"),
                new_value: r.get("new_value"),
                reason: r.get("reason"),
            };
            if id == 2 {
                e.actor = "mallory".into();
                e.new_value = Some("employee".into());
            }
            let hash = kaohe_store::audit_hash(&prev, &r.get::<String, _>("at"), &e);
            sqlx::query("UPDATE audit_log SET actor = $1, new_value = $2, prev_hash = $3, hash = $4 WHERE id = $5")
                .bind(&e.actor)
                .bind(&e.new_value)
                .bind(&prev)
                .bind(&hash)
                .bind(id)
                .execute(&pool)
                .await
                .unwrap();
            prev = hash;
        }
    });
    let o = keyed(&["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("audit log tampered with at entry 2"),
        "{}",
        stdout(&o)
    );
    // Without the key, kaohe says the log cannot be trusted against its administrator.
    let o = kaohe_db(&db, &["audit", "verify"], None);
    assert_ne!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("NOT protected"), "{}", stdout(&o));
    let o = kaohe_db(&db, &["audit", "checkpoint"], None);
    assert!(stderr(&o).contains("needs an audit key"), "{}", stderr(&o));
}

#[test]
fn an_org_tree_exported_and_imported_back_from_the_command_line() {
    let d = tmp("tree");
    let db = d.join("kaohe.db");
    let org = d.join("org.csv");
    std::fs::write(
        &org,
        "工号,姓名,部门编码,部门名称,部门类型,单位层级,上级部门,负责人,岗位,直接上级工号\n\
         H001,总行长,HO,总行,业务,总行,,H001,行长,\n\
         B001,京行长,BJ,北京分行,业务,分行,HO,B001,行长,H001\n\
         B101,海淀员,BJHD,海淀支行,业务,支行,北京分行,,客户经理,B001\n\
         S001,沪行长,SH,上海分行,业务,分行,HO,S001,行长,H001\n",
    )
    .unwrap();
    let o = kaohe_db(&db, &["org", "import", org.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    // A loop is refused by line and column; nothing stored.
    let bad = d.join("bad.csv");
    std::fs::write(&bad, "工号,姓名,部门编码,上级部门\nH001,总行长,HO,BJHD\n").unwrap();
    let o = kaohe_db(&db, &["org", "import", bad.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(":2 [上级部门 parent]") && stderr(&o).contains("HO → BJHD → BJ → HO"),
        "{}",
        stderr(&o)
    );
    // Exported as .xlsx and .csv, the .xlsx imported back: the same CSV again.
    let (x, c1, c2) = (d.join("org.xlsx"), d.join("1.csv"), d.join("2.csv"));
    for f in [&x, &c1] {
        let o = kaohe_db(&db, &["org", "export", f.to_str().unwrap()], None);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert!(std::fs::read(&x).unwrap().starts_with(b"PK\x03\x04"));
    let first = std::fs::read_to_string(&c1).unwrap();
    assert!(
        first.contains("B101,海淀员,BJHD,海淀支行,业务,支行,BJ,,客户经理,B001,主岗,\r\n"),
        "{first}"
    );
    let o = kaohe_db(&db, &["org", "import", x.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kaohe_db(&db, &["org", "export", c2.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&c2).unwrap(), first);
    // A grant on a 分行, by code or by name.
    let o = kaohe_db(
        &db,
        &["user", "add", "bjfuhe", "--role", "reviewer@北京分行"],
        Some("a long password\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kaohe_db(&db, &["user", "grant", "bjfuhe", "approver@BJ"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "bjfuhe: approver@北京分行, reviewer@北京分行"
    );
}

#[test]
fn bench_cycle_measures_a_server_process_of_its_own() {
    let out = bench(&["cycle", "--employees", "300"]);
    assert!(
        out.contains("bench cycle: 300 appraisals through the server"),
        "{out}"
    );
    // Each figure against its target, the memory read from the server's own process (a
    // reading that failed would print 0 MB).
    let mb = |line: &str, after: &str| -> f64 {
        let rest = &line[line
            .find(after)
            .unwrap_or_else(|| panic!("{after} in {line}"))
            + after.len()..];
        rest.trim_start()
            .split(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("a figure after {after} in {line}"))
    };
    for what in ["results.xlsx", "import, dry run", "import "] {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(what))
            .unwrap_or_else(|| panic!("no `{what}` line in {out}"));
        let peak = mb(line, "peak RSS");
        assert!(peak > 10.0 && line.contains("≤ 250 MB"), "{line}");
        assert!(line.ends_with('✓') || line.ends_with('✗'), "{line}");
        // The CPU the server spent on it, read from its own process.
        assert!(mb(line, "CPU: server") >= 0.0, "{line}");
    }
    // A page viewed while a workbook is being written is measured and judged.
    let during = out
        .lines()
        .find(|l| l.contains("HR progress page during results.xlsx"))
        .unwrap_or_else(|| panic!("no page-during-export line in {out}"));
    assert!(during.contains("views; median"), "{during}");
    let after = out
        .lines()
        .find(|l| l.trim_start().starts_with("RSS after"))
        .unwrap_or_else(|| panic!("no RSS line in {out}"));
    assert!(mb(after, "RSS after") > 10.0, "{after}");
}
