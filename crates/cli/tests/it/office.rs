//! `kaohe import` and `kaohe export` as HR runs them on a SQLite database: the month's
//! sheet in (with a dry run first, bad rows refused or skipped, a remembered mapping), then
//! the forms, department, results and payroll files out; and `kaohe bench office`.

use kaohe_office::read::{read_csv, read_xlsx};
use kaohe_store::{Grant, Members, NewCycle, NewUser, Role, Store, connect, parse_org_csv};
use rust_xlsxwriter::{Format, Workbook};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ORG: &str = "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号
S001,王强,SC,市场部,业务,市场部经理,
A001,张伟,SC,市场部,业务,大客户经理,S001
A002,李娜,SC,市场部,业务,大客户经理,S001
A003,王伟,XS,销售部,业务,大客户经理,S001
";

fn kaohe(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(args)
        .env("KAOHE_DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .expect("kaohe runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kaohe-cli-office-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A database with the organisation, an HR user `hr`, F01 published and a launched
/// November cycle for the three 大客户经理; returns the database file and the cycle id.
fn database(dir: &Path) -> (PathBuf, i64) {
    let db = dir.join("kaohe.db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cycle = rt.block_on(async {
        let s = connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        s.migrate().await.unwrap();
        s.import_org("test", &parse_org_csv(ORG).unwrap())
            .await
            .unwrap();
        s.create_user(
            "test",
            &NewUser {
                username: "hr".into(),
                password: "a long password".into(),
                emp_no: None,
                grants: vec![Grant {
                    role: Role::HrAdmin,
                    department_id: None,
                }],
                lang: "zh-CN".into(),
            },
        )
        .await
        .unwrap();
        let src = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../templates/F01.toml"
        ))
        .unwrap();
        s.publish_template("hr", &src).await.unwrap();
        let c = s
            .create_cycle(
                "hr",
                &NewCycle {
                    name: "2026年11月 大客户经理".into(),
                    form_id: "F01".into(),
                    template_version: None,
                    period: "2026-11".into(),
                    params: Default::default(),
                    targets: vec![],
                    members: Members::default(),
                    data_due: None,
                    rating_due: None,
                    confirm_window_hours: 72,
                },
            )
            .await
            .unwrap();
        s.launch_cycle("hr", c.id).await.unwrap();
        c.id
    });
    (db, cycle)
}

fn inputs(db: &Path, cycle: i64) -> Vec<(String, std::collections::BTreeMap<String, String>)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let hr = s.user_by_name("hr").await.unwrap().unwrap();
        s.appraisals(&hr, Some(cycle), None, Default::default())
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.emp_no, a.inputs))
            .collect()
    })
}

const HEADER: [&str; 12] = [
    "工号",
    "姓名",
    "当月销售目标",
    "当月实际销售额",
    "new_customers",
    "authorised_work",
    "samples",
    "contracts",
    "idle",
    "leave_late_early",
    "当月请假天数",
    "月度绩效奖金",
];

/// A workbook like HR's: a merged title, a blank row, the header on row 3.
fn sheet(dir: &Path, rows: &[[&str; 12]]) -> PathBuf {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("11月").unwrap();
    ws.merge_range(0, 0, 0, 11, "2026年11月 考核数据", &Format::new())
        .unwrap();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v.parse::<f64>() {
                Ok(n) if c > 1 => ws.write_number(3 + r as u32, c as u16, n).unwrap(),
                _ => ws.write_string(3 + r as u32, c as u16, *v).unwrap(),
            };
        }
    }
    let p = dir.join("november.xlsx");
    wb.save(&p).unwrap();
    p
}

const A001: [&str; 12] = [
    "A001", "张伟", "100", "87", "1", "18", "14", "13", "1", "2", "1", "3000",
];
const A002: [&str; 12] = [
    "A002", "李娜", "100", "９５", "0", "15", "12.5", "10", "0", "0", "0", "2,500.50",
];
const A003: [&str; 12] = [
    "A003", "王伟", "120", "130", "0", "20", "15", "15", "0", "0", "0", "2000",
];

#[test]
fn import_dry_run_then_for_real_then_export_everything() {
    let d = tmp("import");
    let (db, cycle) = database(&d);
    let c = cycle.to_string();
    let file = sheet(&d, &[A001, A002, A003]);
    let f = file.to_str().unwrap();

    // Dry run: what would change, nothing stored.
    let o = kaohe(&db, &["import", "--cycle", &c, f, "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("A002 李娜"), "{out}");
    assert!(
        out.contains("当月实际销售额 sales_actual: (空) → 95"),
        "{out}"
    );
    assert!(
        out.contains("月度绩效奖金 monthly_bonus: (空) → 2500.5"),
        "{out}"
    );
    assert!(
        out.contains("试运行") && out.contains("nothing was stored"),
        "{out}"
    );
    assert!(inputs(&db, cycle).iter().all(|(_, v)| v.is_empty()));

    // For real.
    let o = kaohe(&db, &["import", "--cycle", &c, f]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("已导入"), "{}", stdout(&o));
    let all = inputs(&db, cycle);
    let a002 = &all.iter().find(|(n, _)| n == "A002").unwrap().1;
    assert_eq!(a002["sales_actual"], "95");
    assert_eq!(a002["monthly_bonus"], "2500.5");
    assert_eq!(a002["samples"], "12.5");

    // A changed value shows old → new.
    let mut a001 = A001;
    a001[3] = "92";
    let file = sheet(&d, &[a001]);
    let o = kaohe(
        &db,
        &["import", "--cycle", &c, file.to_str().unwrap(), "--dry-run"],
    );
    assert!(
        stdout(&o).contains("sales_actual: 87 → 92"),
        "{}",
        stdout(&o)
    );

    // Score, then the files out.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        s.score_cycle("hr", cycle).await.unwrap();
    });
    let results = d.join("results.xlsx");
    let o = kaohe(
        &db,
        &[
            "export",
            "results",
            "--cycle",
            &c,
            "-o",
            results.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&results).unwrap();
    let t = read_xlsx(&bytes, Some("市场部")).unwrap();
    let a001 = t.rows.iter().find(|r| r.cells[1] == "A001").unwrap();
    assert_eq!(
        (a001.cells[3].as_str(), a001.cells[5].as_str()),
        ("90", "2700")
    );

    let dept = d.join("sc.xlsx");
    let o = kaohe(
        &db,
        &[
            "export",
            "department",
            "--cycle",
            &c,
            "--department",
            "SC",
            "-o",
            dept.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // One sheet per employee of 市场部.
    let bytes = std::fs::read(&dept).unwrap();
    match read_xlsx(&bytes, Some("?")) {
        Err(kaohe_office::OfficeError::NoSuchSheet { available, .. }) => {
            assert_eq!(available, ["张伟 A001", "李娜 A002"])
        }
        other => panic!("{other:?}"),
    }

    let form = d.join("a001.xlsx");
    let o = kaohe(
        &db,
        &[
            "export",
            "form",
            "--appraisal",
            "1",
            "-o",
            form.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&form).unwrap().starts_with(b"PK\x03\x04"));

    let payroll = d.join("payroll.csv");
    let o = kaohe(
        &db,
        &[
            "export",
            "payroll",
            "--cycle",
            &c,
            "-o",
            payroll.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let t = read_csv(&std::fs::read(&payroll).unwrap(), "payroll.csv").unwrap();
    assert!(kaohe_office::payroll::verify_payroll(&t).is_ok());
    let o = kaohe(
        &db,
        &[
            "export",
            "payroll",
            "--cycle",
            &c,
            "-o",
            d.join("p.txt").to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains(".xlsx"), "{}", stderr(&o));
}

#[test]
fn bad_rows_import_nothing_unless_skipped() {
    let d = tmp("bad");
    let (db, cycle) = database(&d);
    let c = cycle.to_string();
    let mut bad = A002;
    bad[5] = "25";
    let mut unknown = A003;
    unknown[0] = "Z999";
    let file = sheet(&d, &[A001, bad, unknown]);
    let f = file.to_str().unwrap();
    let o = kaohe(&db, &["import", "--cycle", &c, f]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("november.xlsx: 11月!F5"), "{err}");
    assert!(err.contains("11月!A6") && err.contains("Z999"), "{err}");
    assert!(
        err.contains("未导入任何数据") && err.contains("--skip-invalid"),
        "{err}"
    );
    assert!(inputs(&db, cycle).iter().all(|(_, v)| v.is_empty()));

    let o = kaohe(&db, &["import", "--cycle", &c, f, "--skip-invalid"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("跳过的行 / skipped rows (2): 5, 6"),
        "{}",
        stderr(&o)
    );
    let all = inputs(&db, cycle);
    assert_eq!(
        all.iter().find(|(n, _)| n == "A001").unwrap().1["sales_actual"],
        "87"
    );
    assert!(all.iter().find(|(n, _)| n == "A002").unwrap().1.is_empty());

    // Not HR: refused.
    let o = kaohe(&db, &["import", "--cycle", &c, f, "--as", "nobody"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("nobody"), "{}", stderr(&o));
}

#[test]
fn a_confirmed_mapping_is_used_next_time() {
    let d = tmp("map");
    let (db, cycle) = database(&d);
    let c = cycle.to_string();
    let file = d.join("data.csv");
    std::fs::write(&file, "员工号,实际销售（万元）\nA001,87\n").unwrap();
    let f = file.to_str().unwrap();
    let o = kaohe(&db, &["import", "--cycle", &c, f]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let o = kaohe(
        &db,
        &[
            "import",
            "--cycle",
            &c,
            f,
            "--map",
            "员工号=id",
            "--map",
            "实际销售（万元）=sales_actual",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(&file, "员工号,实际销售（万元）\nA002,95\n").unwrap();
    let o = kaohe(&db, &["import", "--cycle", &c, f]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = inputs(&db, cycle);
    assert_eq!(
        all.iter().find(|(n, _)| n == "A002").unwrap().1["sales_actual"],
        "95"
    );
    // A header --map names that is not in the file.
    let o = kaohe(&db, &["import", "--cycle", &c, f, "--map", "没有这列=id"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("没有这列"), "{}", stderr(&o));
}

#[test]
fn bench_office_prints_its_figures() {
    let o = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["bench", "office", "--rows", "200", "--forms", "20"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("office/import: 200 rows × 20 columns"),
        "{out}"
    );
    assert!(
        out.contains("office/export: 20 filled forms in 10 workbooks"),
        "{out}"
    );
}
