//! End-to-end in a real browser: headless Chromium driven over WebDriver (chromedriver,
//! started here on a free port) against a real `kaohe serve --demo` on a free port over a
//! fresh SQLite file. People sign in through the form and click and type as they would:
//!
//! - the whole F01 month for 张伟 and 李娜: 行政部's clerk enters attendance in the
//!   department grid and hands it in, HR does the same for 市场部, the supervisor rates both
//!   from the inbox, the reviewer passes review, the approver approves, 张伟 signs — each
//!   step asserting the state label, total, grade and bonus the sheet shows;
//! - an appeal: 李娜 appeals naming 销售任务, HR reopens that item from the sheet;
//! - a refused address: 李娜 opening 张伟's sheet sees the 404 page, not the sheet;
//! - the language link: English labels after clicking `English`;
//! - a whole December as HR runs it from the departments' workbook (a merged title, a 填报
//!   row, everyday headers, text and full-width numbers, a 合计 row), for F01 and for F07
//!   (three raters, 0.3/0.3/0.4): last month copied, targets, launch after the confirmation,
//!   import through the mapping screen, batch review and approval, an appeal on a
//!   department-fed item corrected on the sheet and reviewed again, and the payroll
//!   downloaded and checked against the results page to the fen.
//!
//! Chromium and chromedriver are required (`apt-get install chromium chromium-driver
//! fonts-wqy-microhei`, as `.ci/run` does): without them the test FAILS with a message that
//! says so — it never passes by skipping. `KAOHE_CHROMEDRIVER` and `KAOHE_CHROMIUM` name other
//! binaries. `cargo test -p kaohe --test it -- --ignored browser::screenshots` writes
//! `docs/screenshots/*.png`.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "kaohe-demo";
const CYCLE: &str = "2026年12月 大客户经理考核";

use crate::common::{Group, Proc, free_port};
use std::os::unix::process::CommandExt as _;

/// Notifications in the browser: the 通知 list, one's channels, HR's robot (its own file).
mod notify;

/// A program the browser tests need: `$var`, else the first of `names` on the PATH. Panics
/// with what to install when it is missing: these tests never skip.
fn required(var: &str, names: &[&str]) -> PathBuf {
    if let Ok(p) = std::env::var(var) {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "{var}={} does not exist: the browser tests need it",
            p.display()
        );
        return p;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "the browser tests need {} and it is not installed (not on the PATH, {var} unset). \
         Install it: `apt-get install -y chromium chromium-driver fonts-wqy-microhei` \
         (.ci/run does), or point {var} at it. These tests do not skip.",
        names[0]
    );
}

async fn wait_http(url: &str, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if reqwest::get(url)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not answer at {url}");
}

/// `kaohe serve --demo` over a fresh SQLite file in a temporary folder.
struct Demo {
    _server: Proc,
    base: String,
    db: String,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn demo_server() -> Demo {
    let dir = std::env::temp_dir().join(format!(
        "kaohe-browser-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/demo.db", dir.display());
    let port = free_port();
    let log = std::env::temp_dir().join(format!("kaohe-browser-serve-{port}.log"));
    let child = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args([
            "serve",
            "--demo",
            "--database-url",
            &db,
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        // The server's log, to read when a test fails.
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    eprintln!("server log: {}", log.display());
    let server = Proc(child);
    let base = format!("http://127.0.0.1:{port}");
    wait_http(&format!("{base}/healthz"), "kaohe serve --demo").await;
    Demo {
        _server: server,
        base,
        db,
        _dir: TempDir(dir),
    }
}

/// chromedriver on a free port, and one headless Chromium session.
async fn browser() -> (Group, Client) {
    let driver = required("KAOHE_CHROMEDRIVER", &["chromedriver"]);
    let chromium = required(
        "KAOHE_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let port = free_port();
    // In a process group of its own, so that the Chromium it starts ends with it even
    // when a test fails before closing its session.
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
    let proc = Group(child);
    let url = format!("http://127.0.0.1:{port}");
    wait_http(&format!("{url}/status"), "chromedriver").await;
    let mut chrome = json!({
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1280,1000", "--lang=zh-CN", "--hide-scrollbars",
        ],
    });
    // Debian's /usr/bin/chromium is a wrapper script chromedriver finds by itself; another
    // binary is named explicitly.
    if std::env::var_os("KAOHE_CHROMIUM").is_some() {
        chrome["binary"] = json!(chromium.display().to_string());
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), chrome);
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&url)
        .await
        .unwrap_or_else(|e| panic!("chromedriver at {url} could not start Chromium: {e}"));
    (proc, client)
}

/// The browser on one kaohe server, with what a person does.
struct Person<'a> {
    c: &'a Client,
    base: &'a str,
}

impl Person<'_> {
    async fn open(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_string()
    }

    /// What the page says (the text a person reads).
    async fn text(&self) -> String {
        self.c
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn text_of(&self, css: &str) -> String {
        match self.c.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap().trim().to_string(),
            Err(e) => panic!(
                "no {css} on {}: {e}\n{}",
                self.path().await,
                self.text().await
            ),
        }
    }

    async fn type_into(&self, loc: Locator<'_>, value: &str) {
        let e = match self.c.find(loc).await {
            Ok(e) => e,
            Err(e) => panic!("no field {loc:?} on {}: {e}", self.path().await),
        };
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    /// Click something that stays on the page (a checkbox).
    async fn tick(&self, loc: Locator<'_>) {
        match self.c.find(loc).await {
            Ok(e) => e.click().await.unwrap(),
            Err(e) => panic!("nothing to click at {loc:?} on {}: {e}", self.path().await),
        }
    }

    /// Click a link or a button that loads another page, and wait for it.
    async fn click(&self, loc: Locator<'_>) {
        let old = self.c.find(Locator::Css("html")).await.unwrap();
        match self.c.find(loc).await {
            Ok(e) => e.click().await.unwrap(),
            Err(e) => panic!(
                "nothing to click at {loc:?} on {}: {e}\n{}",
                self.path().await,
                self.text().await
            ),
        }
        // The old document's root goes stale once the new page has replaced it.
        let start = Instant::now();
        while old.tag_name().await.is_ok() {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "clicking {loc:?} loaded no page"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.c
            .wait()
            .for_element(Locator::Css("body"))
            .await
            .unwrap();
    }

    /// Sign in through the form (from wherever the browser is, signing out first).
    async fn sign_in(&self, user: &str) {
        self.open("/login").await;
        if self
            .c
            .find(Locator::Css("form[action='/logout'] button"))
            .await
            .is_ok()
        {
            self.sign_out().await;
            self.open("/login").await;
        }
        self.type_into(Locator::Css("input[name=username]"), user)
            .await;
        self.type_into(Locator::Css("input[name=password]"), PASSWORD)
            .await;
        self.click(Locator::Css("form[action='/login'] button"))
            .await;
        assert_eq!(self.path().await, "/tasks", "{user} signed in");
    }

    async fn sign_out(&self) {
        self.click(Locator::Css("form[action='/logout'] button"))
            .await;
        assert_eq!(self.path().await, "/login");
    }

    /// Open the inbox task of `kind` (data, rate, review, approve, sign) for `who` in the
    /// test's cycle, by its link.
    async fn open_task(&self, kind: &str, who: &str) {
        self.open_task_in(kind, CYCLE, who).await;
    }

    /// Open the inbox task of `kind` for `who` in the cycle named `cycle`, by its link.
    async fn open_task_in(&self, kind: &str, cycle: &str, who: &str) {
        self.click(Locator::Css("header nav a[href='/tasks']"))
            .await;
        let x = format!(
            "//section[@id='kind-{kind}']//tr[td[1][contains(., '{cycle}')] and td[2][contains(., '{who}')]]//a"
        );
        self.click(Locator::XPath(&x)).await;
    }

    /// Type into the department grid's cell of `name`'s row, column `input`.
    async fn grid_cell(&self, name: &str, input: &str, value: &str) {
        let suffix = format!(".{input}");
        let x = format!(
            "//table[contains(@class,'grid')]//tr[td[2][normalize-space(.)='{name}']]//input[substring(@name, string-length(@name) - {}) = '{suffix}']",
            suffix.len() - 1
        );
        self.type_into(Locator::XPath(&x), value).await;
    }

    async fn state(&self) -> String {
        self.text_of(".sheet-head .state").await
    }
}

/// The test's cycle for `emp_nos`, created and launched by HR on the cycle pages
/// (`/hr/cycles`, then the cycle's own page), as HR does it; its id.
async fn hr_creates_and_launches_cycle(p: &Person<'_>, emp_nos: &[&str]) -> i64 {
    p.sign_in("hr").await;
    p.open("/hr/cycles").await;
    p.c.find(Locator::Css("select[name=form_id] option[value=F01]"))
        .await
        .unwrap_or_else(|e| panic!("F01 is offered: {e}"))
        .click()
        .await
        .unwrap();
    p.type_into(Locator::Css("input[name=period]"), "2026-12")
        .await;
    p.type_into(Locator::Css("input[name=name]"), CYCLE).await;
    p.tick(Locator::Css("input[name=members][value=employees]"))
        .await;
    p.type_into(Locator::Css("input[name=employees]"), &emp_nos.join(", "))
        .await;
    p.type_into(Locator::Css("input[name=window]"), "72").await;
    // The bonus base in the targets table: the position's row, the input's column.
    p.type_into(
        Locator::Css("input[data-who='大客户经理'][data-input='monthly_bonus']"),
        "3000",
    )
    .await;
    p.click(Locator::Css(
        "form[action='/hr/cycles'] button[type=submit]",
    ))
    .await;
    let path = p.path().await;
    let page = p.text().await;
    let id: i64 = path
        .strip_prefix("/hr/cycles/")
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("created: {path}\n{page}"));
    assert!(page.contains(CYCLE), "{page}");
    // Launch asks first: who will be appraised, how many, the bonus base total.
    p.click(Locator::Css("a[href$='/launch']")).await;
    assert!(p.text().await.contains("发起"), "{}", p.text().await);
    p.click(Locator::Css("button[value=launch]")).await;
    assert!(
        p.c.find(Locator::Css("button[value=score]")).await.is_ok(),
        "launched: {}",
        p.text().await
    );
    p.sign_out().await;
    id
}

/// A user for an employee the demo has no user for (`kaohe user add`).
fn add_employee_user(db: &str, name: &str, emp_no: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args([
            "user",
            "add",
            name,
            "--role",
            "employee",
            "--employee",
            emp_no,
        ])
        .env("KAOHE_DATABASE_URL", db)
        .env("KAOHE_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// F01's worked examples (templates/examples/F01.toml): 张伟 case 1 (total 90, bonus
/// 2700.00), 李娜 case 2 (total 25, bonus 750.00). Columns by who enters them.
const MARKET: [(&str, [&str; 2]); 3] = [
    ("sales_target", ["100", "100"]),
    ("sales_actual", ["87", "45"]),
    ("new_customers", ["1", "2"]),
];
const ADMIN: [(&str, [&str; 2]); 3] = [
    ("leave_late_early", ["2", "1"]),
    ("absent_days", ["0", "1"]),
    ("leave_days", ["1", "4"]),
];
const RATER: [(&str, [&str; 2]); 5] = [
    ("authorised_work", ["18", "10"]),
    ("samples", ["14", "8"]),
    ("contracts", ["13", "7"]),
    ("idle", ["1", "3"]),
    ("away", ["0", "2"]),
];
const STAFF: [&str; 2] = ["张伟", "李娜"];

#[tokio::test]
async fn a_month_in_the_browser() {
    let started = Instant::now();
    let demo = demo_server().await;
    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    let cycle = hr_creates_and_launches_cycle(&p, &["E001", "E002"]).await;
    add_employee_user(&demo.db, "lina", "E002");

    // 行政部's clerk: the inbox names the data task; the grid takes the attendance.
    p.sign_in("xingzheng").await;
    let inbox = p.text().await;
    assert!(
        inbox.contains("我的待办") && inbox.contains(CYCLE),
        "{inbox}"
    );
    p.open_task("data", "行政部").await;
    assert!(
        p.path()
            .await
            .starts_with(&format!("/cycles/{cycle}/departments/")),
        "{}",
        p.path().await
    );
    for (input, values) in ADMIN {
        for (name, v) in STAFF.iter().zip(values) {
            p.grid_cell(name, input, v).await;
        }
    }
    p.click(Locator::Css("button[value=save]")).await;
    assert!(!p.text().await.contains("未能完成"), "{}", p.text().await);
    p.click(Locator::Css("button[value=complete]")).await;
    let grid = p.text().await;
    assert!(grid.contains("数据已提交"), "handed in, read only: {grid}");
    assert!(
        p.c.find(Locator::Css("input.cell")).await.is_err(),
        "no editable cell once handed in"
    );

    // HR enters 市场部's figures the same way (市场部 has no clerk in the demo).
    p.sign_in("hr").await;
    p.open_task("data", "市场部").await;
    for (input, values) in MARKET {
        for (name, v) in STAFF.iter().zip(values) {
            p.grid_cell(name, input, v).await;
        }
    }
    p.click(Locator::Css("button[value=complete]")).await;
    assert!(p.text().await.contains("数据已提交"), "{}", p.text().await);

    // The supervisor rates both from the inbox.
    p.sign_in("zhuguan").await;
    for (i, name) in STAFF.iter().enumerate() {
        p.open_task("rate", name).await;
        assert_eq!(p.state().await, "评分");
        for (input, values) in RATER {
            p.type_into(Locator::Id(&format!("v-{input}")), values[i])
                .await;
        }
        p.click(Locator::Css("#entry button[value=submit]")).await;
        assert_eq!(p.state().await, "复核", "{name} handed in to review");
    }

    // Review, then approval, each from the inbox.
    p.sign_in("fuhe").await;
    for name in STAFF {
        p.open_task("review", name).await;
        p.click(Locator::Css("#decide button[value=review_pass]"))
            .await;
        assert_eq!(p.state().await, "审批");
    }
    p.sign_in("shenpi").await;
    for name in STAFF {
        p.open_task("approve", name).await;
        p.click(Locator::Css("#decide button[value=approve]")).await;
        assert_eq!(p.state().await, "待确认");
    }

    // 张伟 reads the result and signs.
    p.sign_in("zhangwei").await;
    p.open_task("sign", "张伟").await;
    let sheet_path = p.path().await;
    assert_eq!(p.state().await, "待确认");
    assert_eq!(p.text_of("#total").await, "90");
    assert_eq!(p.text_of("#bonus").await, "2700.00");
    // F01 has no grade scale: the sheet says so with a dash.
    assert_eq!(p.text_of("#grade").await, "—");
    let sheet = p.text().await;
    for want in ["大客户经理岗位绩效考核表", "张伟", "市场部", "2026-12"] {
        assert!(sheet.contains(want), "the sheet lacks {want}:\n{sheet}");
    }
    p.type_into(Locator::Css("#sign input[name=name]"), "张伟")
        .await;
    p.click(Locator::Css("#sign button")).await;
    assert_eq!(p.state().await, "已确认");
    assert!(p.text_of(".signatures").await.contains("张伟"));

    // 李娜 appeals the sales item with a reason.
    p.sign_in("lina").await;
    p.open_task("sign", "李娜").await;
    let lina_path = p.path().await;
    assert_eq!(p.text_of("#total").await, "25");
    assert_eq!(p.text_of("#bonus").await, "750.00");
    p.type_into(
        Locator::Css("#appeal textarea[name=reason]"),
        "12月新增客户2家，销售额未计入退货冲回",
    )
    .await;
    p.tick(Locator::Css("#appeal input[value=sales]")).await;
    p.click(Locator::Css("#appeal button")).await;
    assert_eq!(p.state().await, "申诉中");
    assert!(p.text_of(".appeal").await.contains("销售额未计入退货冲回"));

    // She may not open 张伟's sheet: the refusal page, nothing of the sheet.
    p.open(&sheet_path).await;
    let refused = p.text().await;
    assert!(
        refused.contains("页面不存在") && !refused.contains("2700"),
        "{refused}"
    );

    // The language link: English labels, remembered.
    p.open(&lina_path).await;
    p.click(Locator::LinkText("English")).await;
    let en = p.text().await;
    assert!(
        en.contains("Appealed") && en.contains("Subtotal") && en.contains("My tasks"),
        "{en}"
    );
    p.click(Locator::LinkText("中文")).await;

    // HR sees the appeal on the sheet and reopens the disputed item for the supervisor.
    p.sign_in("hr").await;
    p.open(&lina_path).await;
    assert!(p.text_of(".appeal").await.contains("销售任务"));
    p.type_into(
        Locator::Css("#decide textarea[name=reason]"),
        "核实退货冲回有误，重新评分",
    )
    .await;
    p.tick(Locator::Css("#decide input[value=sales]")).await;
    p.click(Locator::Css("#decide button[value=reopen]")).await;
    assert_eq!(p.state().await, "评分");
    assert!(p.text_of(".appeal").await.contains("重新评分"));

    c.close().await.unwrap();
    eprintln!("browser month: {:.1?}", started.elapsed());
}

/// How wide the page is against the window: `(scrollWidth, innerWidth)`.
async fn widths(c: &Client) -> (u64, u64) {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth]",
            vec![],
        )
        .await
        .unwrap();
    (v[0].as_u64().unwrap(), v[1].as_u64().unwrap())
}

/// The page at `path` (or the one open, for `None`) does not scroll sideways.
async fn fits(p: &Person<'_>, path: Option<&str>) {
    if let Some(path) = path {
        p.open(path).await;
    }
    let (scroll, inner) = widths(p.c).await;
    assert!(
        scroll <= inner,
        "{} is {scroll}px wide in a {inner}px window",
        p.path().await
    );
}

/// The open sheet on a screen `height` tall: no sideways scrolling, every item's score inside
/// the window, total, grade and bonus within the first screen.
async fn sheet_fits(p: &Person<'_>, height: f64) {
    fits(p, None).await;
    let v = p
        .c
        .execute(
            r#"const w = window.innerWidth;
            const s = [...document.querySelectorAll('.sheet-body tr.item .score-value')]
              .map(e => e.getBoundingClientRect());
            const top = id => document.getElementById(id).getBoundingClientRect().top + window.scrollY;
            return { n: s.length, off: s.filter(b => b.width == 0 || b.left < 0 || b.right > w).length,
                     right: Math.max(...s.map(b => b.right)), w,
                     total: top('total'), grade: top('grade'), bonus: top('bonus') };"#,
            vec![],
        )
        .await
        .unwrap();
    assert!(v["n"].as_u64().unwrap() >= 5, "the items' scores: {v}");
    assert_eq!(v["off"], 0, "a score outside the window: {v}");
    for k in ["total", "grade", "bonus"] {
        assert!(
            v[k].as_f64().unwrap() < height - 40.0,
            "{k} on the first screen: {v}"
        );
    }
}

/// Where the element `css` is in the window: `(top, left, right)`.
async fn rect(c: &Client, css: &str) -> (f64, f64, f64) {
    let v = c
        .execute(
            "const b = document.querySelector(arguments[0]).getBoundingClientRect(); return [b.top, b.left, b.right];",
            vec![json!(css)],
        )
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    let n = |i: usize| v[i].as_f64().unwrap();
    (n(0), n(1), n(2))
}

/// On a phone (390×844): 张伟 reads his sheet with every score on screen and total, grade and
/// bonus on top (also at 1280×800), the inbox and the ledger fit; the supervisor rates, and
/// 张伟 reaches the appeal form from the top of the sheet and appeals; HR's pages do not
/// scroll sideways, and the cycle form's radio buttons sit by their words.
#[tokio::test]
async fn on_a_phone() {
    let demo = demo_server().await;
    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    // At a desk, 行政部's clerk hands in November's attendance so that the month goes on.
    p.sign_in("xingzheng").await;
    p.click(Locator::Css("#kind-data a")).await;
    for name in ["张伟", "李娜", "刘洋"] {
        p.grid_cell(name, "leave_days", "0").await;
    }
    p.click(Locator::Css("button[value=complete]")).await;
    assert!(p.text().await.contains("数据已提交"), "{}", p.text().await);

    c.set_window_size(390, 844).await.unwrap();
    assert_eq!(widths(&c).await.1, 390, "a 390px wide window");
    // 张伟: the ledger, October's sheet (signed), the inbox.
    p.sign_in("zhangwei").await;
    fits(&p, None).await;
    p.click(Locator::Css("header nav a[href='/ledger']")).await;
    fits(&p, None).await;
    p.click(Locator::XPath("//main//a[contains(., '2026年10月')]"))
        .await;
    let october = p.path().await;
    for (w, h) in [(390, 844), (1280, 800), (390, 844)] {
        c.set_window_size(w, h).await.unwrap();
        p.open(&october).await;
        sheet_fits(&p, h as f64).await;
    }
    // The standard is folded on the phone, there to unfold.
    assert!(
        p.c.find(Locator::Css("tr.item details.std-fold summary"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );

    // The supervisor rates November on the phone, the form a tap from the top.
    p.sign_in("zhuguan").await;
    fits(&p, None).await;
    p.click(Locator::XPath(
        "//section[@id='kind-rate']//tr[td[contains(., '2026年11月')] and td[contains(., '张伟')]]//a",
    ))
    .await;
    fits(&p, None).await;
    let (top, _, _) = rect(&c, "#to-act").await;
    assert!(
        top < 844.0,
        "the way to the form is on the first screen: {top}"
    );
    p.tick(Locator::Css("#to-act")).await;
    let (top, _, _) = rect(&c, "#entry").await;
    assert!((-1.0..844.0).contains(&top), "the form in view: {top}");
    for (input, values) in RATER {
        p.type_into(Locator::Id(&format!("v-{input}")), values[0])
            .await;
    }
    p.click(Locator::Css("#entry button[value=submit]")).await;
    assert_eq!(p.state().await, "复核");
    for (user, kind, button) in [
        ("fuhe", "review", "review_pass"),
        ("shenpi", "approve", "approve"),
    ] {
        p.sign_in(user).await;
        p.click(Locator::XPath(&format!(
            "//section[@id='kind-{kind}']//tr[td[contains(., '张伟')]]//a"
        )))
        .await;
        fits(&p, None).await;
        p.click(Locator::Css(&format!("#decide button[value={button}]")))
            .await;
    }
    assert_eq!(p.state().await, "待确认");

    // 张伟 opens November from his inbox, jumps to the forms and appeals.
    p.sign_in("zhangwei").await;
    fits(&p, None).await;
    p.click(Locator::Css("#kind-sign a")).await;
    let november = p.path().await;
    sheet_fits(&p, 844.0).await;
    let (top, _, _) = rect(&c, "#to-act").await;
    assert!(
        top < 844.0,
        "the way to sign or appeal is on the first screen: {top}"
    );
    p.tick(Locator::Css("#to-act")).await;
    let (top, _, _) = rect(&c, "#sign").await;
    assert!(
        (-1.0..844.0).contains(&top),
        "sign and appeal in view: {top}"
    );
    fits(&p, None).await;
    // The item's box sits by its name.
    let v = c
        .execute(
            r#"const i = document.querySelector('#appeal input[value=sales]');
               const b = i.getBoundingClientRect(), l = i.closest('label').getBoundingClientRect();
               return [b.left - l.left, b.width];"#,
            vec![],
        )
        .await
        .unwrap();
    assert!(
        v[0].as_f64().unwrap() < 8.0 && v[1].as_f64().unwrap() < 40.0,
        "the box away from its words: {v}"
    );
    p.type_into(
        Locator::Css("#appeal textarea[name=reason]"),
        "新增客户未计入",
    )
    .await;
    p.tick(Locator::Css("#appeal input[value=sales]")).await;
    p.click(Locator::Css("#appeal button")).await;
    assert_eq!(p.state().await, "申诉中");
    assert!(p.text_of(".appeal").await.contains("新增客户未计入"));
    fits(&p, None).await;

    // HR's pages scroll inside their tables, never the page; radios by their words.
    p.sign_in("hr").await;
    for path in [
        "/hr",
        "/hr/cycles",
        "/hr/cycles/2",
        "/hr/cycles/1/results",
        "/hr/cycles/2/import",
        "/hr/appeals",
    ] {
        fits(&p, Some(path)).await;
    }
    p.open("/hr/cycles").await;
    let v = c
        .execute(
            r#"return [...document.querySelectorAll('label > input[type=radio]')].map(i => {
                 const l = i.parentElement.getBoundingClientRect(), b = i.getBoundingClientRect();
                 return [b.left - l.left, b.width]; });"#,
            vec![],
        )
        .await
        .unwrap();
    let radios = v.as_array().unwrap();
    assert_eq!(radios.len(), 4, "{v}");
    for r in radios {
        assert!(
            r[0].as_f64().unwrap() < 8.0 && r[1].as_f64().unwrap() < 40.0,
            "a radio away from its label: {v}"
        );
    }

    // The narrowest phones (360 wide): still nothing to scroll sideways.
    c.set_window_size(360, 780).await.unwrap();
    assert_eq!(widths(&c).await.1, 360, "a 360px wide window");
    for path in ["/hr/cycles", "/hr/cycles/2", "/hr/cycles/1/results"] {
        fits(&p, Some(path)).await;
    }
    p.sign_in("zhangwei").await;
    fits(&p, None).await;
    fits(&p, Some("/ledger")).await;
    p.open(&october).await;
    sheet_fits(&p, 780.0).await;
    p.open(&november).await;
    sheet_fits(&p, 780.0).await;
    c.close().await.unwrap();
}

/// axe-core 4 (`npm pack axe-core@4`, `axe.min.js` only, MPL-2.0: see
/// `tests/fixtures/axe/`), run inside the page: no network needed.
const AXE: &str = include_str!("../fixtures/axe/axe.min.js");

/// The serious and critical problems axe-core finds on the open page, one line each: what
/// the page is, its path, the rule, what it asks and the elements (CSS selectors).
async fn axe_problems(p: &Person<'_>, what: &str) -> Vec<String> {
    let path = p.path().await;
    // WebDriver's scripts are not held to the page's Content-Security-Policy.
    p.c.execute(&format!("{AXE}\n;return typeof window.axe;"), vec![])
        .await
        .unwrap_or_else(|e| panic!("axe-core does not load on {what} ({path}): {e}"));
    let v =
        p.c.execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then(r => done(r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.map(n => n.target.join(' ')) }))))
              .catch(e => done({ error: String(e) }));"#,
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("axe.run on {what} ({path}): {e}"));
    if let Some(e) = v.get("error") {
        panic!("axe.run on {what} ({path}): {e}");
    }
    let list = v
        .as_array()
        .unwrap_or_else(|| panic!("axe.run on {what}: {v}"));
    list.iter()
        .map(|x| {
            let nodes: Vec<&str> = x["nodes"]
                .as_array()
                .map(|n| n.iter().filter_map(Value::as_str).take(8).collect())
                .unwrap_or_default();
            format!(
                "{what} ({path}): {} [{}] {} — {}",
                x["id"].as_str().unwrap_or("?"),
                x["impact"].as_str().unwrap_or("?"),
                x["help"].as_str().unwrap_or(""),
                nodes.join(" | ")
            )
        })
        .collect()
}

/// Every page the demo's employee, clerk, rater, reviewer, approver and HR reach, in the
/// states they meet them (the rating form empty, with errors and saved; sign and appeal;
/// review and approval, one by one and in a batch; an appeal to decide; a draft cycle and its
/// confirmations), checked by axe-core: no serious or critical violation of its rules (WCAG
/// 2.1 A and AA among them: labels, table headers, contrast, landmarks, …).
#[tokio::test]
async fn accessible_pages() {
    let demo = demo_server().await;
    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    let mut found: Vec<String> = Vec::new();
    let mut seen = 0;
    macro_rules! check {
        ($what:expr) => {{
            found.extend(axe_problems(&p, $what).await);
            seen += 1;
        }};
        ($what:expr, $path:expr) => {{
            p.open($path).await;
            found.extend(axe_problems(&p, $what).await);
            seen += 1;
        }};
    }
    // The open page at the laptop's size, then on a phone (390×844), where the layout
    // differs (cards for the sheet, tables scrolling in place).
    macro_rules! phone {
        ($what:expr) => {{
            c.set_window_size(390, 844).await.unwrap();
            check!(&format!("{} (phone)", $what));
            c.set_window_size(1280, 1000).await.unwrap();
        }};
    }
    macro_rules! check_both {
        ($what:expr) => {{
            check!($what);
            phone!($what);
        }};
    }
    // The check itself sees a problem when there is one: a box without a label, pale grey
    // words on white.
    p.open("/login").await;
    c.execute(
        r#"const m = document.querySelector('main');
           m.insertAdjacentHTML('afterbegin', '<input id="canary"><p id="pale">淡灰色的字</p>');
           // The page's Content-Security-Policy drops style attributes; the CSSOM is allowed.
           const pale = document.getElementById('pale');
           pale.style.color = '#bbb';
           pale.style.background = '#fff';"#,
        vec![],
    )
    .await
    .unwrap();
    let canary = axe_problems(&p, "canary").await;
    for rule in ["label", "color-contrast"] {
        assert!(
            canary.iter().any(|l| l.contains(&format!(": {rule} ["))),
            "axe-core does not see {rule}: {canary:?}"
        );
    }

    check!("sign-in", "/login");
    check!("sign-in (English)", "/login?lang=en");
    p.open("/login?lang=zh-CN").await;
    check!("first sign-in with a code", "/login/code");
    p.open("/login").await;
    p.type_into(Locator::Css("input[name=username]"), "zhangwei")
        .await;
    p.type_into(Locator::Css("input[name=password]"), "wrong-password")
        .await;
    p.click(Locator::Css("form[action='/login'] button")).await;
    check!("sign-in, wrong password");

    // 行政部's clerk: the inbox, November's grid (then handed in), the password page.
    p.sign_in("xingzheng").await;
    check_both!("clerk's inbox");
    p.click(Locator::Css("#kind-data a")).await;
    let grid = p.path().await;
    check_both!("department grid");
    p.grid_cell("张伟", "leave_days", "x").await;
    p.click(Locator::Css("button[value=save]")).await;
    check!("department grid with an error");
    for name in ["张伟", "李娜", "刘洋"] {
        p.grid_cell(name, "leave_days", "0").await;
    }
    p.click(Locator::Css("button[value=complete]")).await;
    assert!(p.text().await.contains("数据已提交"), "{}", p.text().await);
    check!("department grid handed in");
    check!("password", "/account/password");
    check!("clerk's ledger", "/ledger");

    // 张伟: the inbox, the ledger, October's signed sheet (both languages).
    p.sign_in("zhangwei").await;
    check_both!("employee's inbox");
    p.click(Locator::Css("header nav a[href='/ledger']")).await;
    check_both!("employee's ledger");
    p.click(Locator::XPath("//main//a[contains(., '2026年10月')]"))
        .await;
    let october = p.path().await;
    check_both!("signed sheet");
    check!("signed sheet (English)", &format!("{october}?lang=en"));
    check!("not found", "/appraisals/999999");
    p.open("/tasks?lang=zh-CN").await;

    // The supervisor: the inbox, November's rating form empty, refused, saved, handed in.
    p.sign_in("zhuguan").await;
    check_both!("rater's inbox");
    p.click(Locator::XPath(
        "//section[@id='kind-rate']//tr[td[contains(., '2026年11月')] and td[contains(., '张伟')]]//a",
    ))
    .await;
    let november = p.path().await;
    check_both!("rating form");
    for (input, values) in RATER {
        p.type_into(Locator::Id(&format!("v-{input}")), values[0])
            .await;
    }
    p.type_into(Locator::Id("v-authorised_work"), "500").await;
    p.click(Locator::Css("#entry button[value=save]")).await;
    assert!(
        p.c.find(Locator::Css(".field-error")).await.is_ok(),
        "500 is out of range: {}",
        p.text().await
    );
    check_both!("rating form with an error");
    p.type_into(Locator::Id("v-authorised_work"), "18").await;
    p.click(Locator::Css("#entry button[value=save]")).await;
    check!("rating form saved");
    p.click(Locator::Css("#entry button[value=submit]")).await;
    assert_eq!(p.state().await, "复核");
    check!("rating handed in");
    check!("rater's sheet (English)", &format!("{november}?lang=en"));
    p.open("/tasks?lang=zh-CN").await;

    // Review from the sheet; approval in a batch.
    p.sign_in("fuhe").await;
    check_both!("reviewer's inbox");
    check!("batch review", "/tasks/batch/review");
    p.open(&november).await;
    check!("review form");
    p.click(Locator::Css("#decide button[value=review_pass]"))
        .await;
    p.sign_in("shenpi").await;
    check!("approver's inbox");
    p.open("/tasks/batch/approve").await;
    check!("batch approval");
    p.tick(Locator::Css("input[name=pick]")).await;
    p.click(Locator::Css(
        "form[action='/tasks/batch/approve'] button.primary",
    ))
    .await;
    check!("batch approval, confirm");
    p.click(Locator::Css(
        "form[action='/tasks/batch/approve'] button.primary",
    ))
    .await;
    check!("batch approval, done");

    // 张伟 signs or appeals November; he appeals.
    p.sign_in("zhangwei").await;
    p.open(&november).await;
    assert_eq!(p.state().await, "待确认");
    check_both!("sign and appeal forms");
    p.type_into(Locator::Css("#sign input[name=name]"), "李四")
        .await;
    p.click(Locator::Css("#sign button")).await;
    check!("sign form with an error");
    p.type_into(
        Locator::Css("#appeal textarea[name=reason]"),
        "新增客户未计入",
    )
    .await;
    p.tick(Locator::Css("#appeal input[value=sales]")).await;
    p.click(Locator::Css("#appeal button")).await;
    assert_eq!(p.state().await, "申诉中");
    check_both!("appealed sheet");

    // HR: every section, a draft cycle and its confirmations, the appeal to decide.
    p.sign_in("hr").await;
    check!("HR's inbox");
    for (what, path) in [
        ("HR home", "/hr"),
        ("cycles and the cycle form", "/hr/cycles"),
        ("cycle progress", "/hr/cycles/2"),
        ("closed cycle", "/hr/cycles/1"),
        ("results", "/hr/cycles/1/results"),
        ("import", "/hr/cycles/2/import"),
        ("users", "/hr/users"),
        ("organisation", "/hr/org"),
        ("employee", "/hr/employees/E001"),
        ("templates", "/hr/templates"),
        ("template", "/hr/templates/F01"),
        ("template F15", "/hr/templates/F15"),
        ("template preview", "/hr/templates/F15/preview"),
        ("template preview F13", "/hr/templates/F13/preview"),
        ("audit log", "/hr/audit"),
        ("appeals", "/hr/appeals"),
        ("HR on the grid", grid.as_str()),
        ("HR on October's sheet", october.as_str()),
        ("cycles (English)", "/hr/cycles?lang=en"),
        ("results (English)", "/hr/cycles/1/results?lang=en"),
    ] {
        check!(what, path);
        if [
            "/hr",
            "/hr/cycles",
            "/hr/cycles/2",
            "/hr/cycles/1/results",
            "/hr/users",
        ]
        .contains(&path)
        {
            phone!(what);
        }
    }
    p.open("/tasks?lang=zh-CN").await;
    p.open(&november).await;
    check_both!("appeal to decide");
    p.open("/hr/cycles").await;
    p.type_into(Locator::Css("input[name=period]"), "2026-13")
        .await;
    p.type_into(Locator::Css("input[name=name]"), "十三月")
        .await;
    p.click(Locator::Css(
        "form[action='/hr/cycles'] button[type=submit]",
    ))
    .await;
    assert!(
        p.c.find(Locator::Css(".field-error")).await.is_ok(),
        "{}",
        p.text().await
    );
    check!("cycle form with errors");
    p.open("/hr/cycles").await;
    p.click(Locator::Css(
        "form[action='/hr/cycles/2'] button[value=copy]",
    ))
    .await;
    let draft = p.path().await;
    assert!(draft.starts_with("/hr/cycles/"), "{draft}");
    check!("draft cycle");
    check!("launch confirmation", &format!("{draft}/launch"));
    check!("delete confirmation", &format!("{draft}/delete"));

    c.close().await.unwrap();
    assert!(seen >= 70, "{seen} pages");
    assert!(
        found.is_empty(),
        "{} serious or critical accessibility problems on {seen} pages:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// `kaohe …` against the demo's database; stdout, stderr and success.
fn kaohe_cli(db: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    c.args(args).env("KAOHE_DATABASE_URL", db);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The text of a PDF (`pdftotext -layout`), with runs of spaces made one.
fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let tool = required("KAOHE_PDFTOTEXT", &["pdftotext"]);
    let mut child = Command::new(tool)
        .args(["-layout", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn signed_in(base: &str, user: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = c
        .post(format!("{base}/api/login"))
        .json(&json!({"username": user, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{user} signs in");
    c
}

/// The demo's October: 张伟's form and the cycle's results as PDFs, from the command line
/// and over HTTP; the text in them is the sheet's; a missing Chromium is named.
#[tokio::test]
async fn pdfs_of_the_form_and_the_results() {
    required(
        "KAOHE_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let demo = demo_server().await;
    let dir = demo._dir.0.clone();
    let hr = signed_in(&demo.base, "hr").await;
    let list: Value = hr
        .get(format!("{}/api/appraisals?cycle_id=1", demo.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["emp_no"] == "E001")
        .unwrap()
        .clone();
    let id = mine["id"].as_i64().unwrap();
    let a: Value = hr
        .get(format!("{}/api/appraisals/{id}", demo.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (total, bonus) = (
        a["total"].as_str().unwrap().to_string(),
        a["bonus"].as_str().unwrap().to_string(),
    );

    // The command line: --cycle and --employee, --pdf.
    let out = dir.join("张伟.pdf");
    let (ok, _, err) = kaohe_cli(
        &demo.db,
        &[
            "export",
            "form",
            "--cycle",
            "1",
            "--employee",
            "E001",
            "--pdf",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(ok, "{err}");
    let pdf = std::fs::read(&out).unwrap();
    if let Some(keep) = std::env::var_os("KAOHE_KEEP_PDF") {
        std::fs::write(std::path::Path::new(&keep).join("f01-form.pdf"), &pdf).unwrap();
    }
    let text = pdf_text(&pdf);
    for want in [
        "大客户经理岗位绩效考核表",
        "张伟",
        "市场部",
        "完成上级授权的工作",
        "被考核人",
        total.as_str(),
        bonus.as_str(),
    ] {
        assert!(text.contains(want), "the form PDF lacks {want}:\n{text}");
    }
    assert!(
        !text.contains("说明计算"),
        "no explain toggles on paper: {text}"
    );
    // A4: 595 × 842 points.
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("MediaBox [0 0 594.9"), "A4");

    // The results, by --format.
    let res = dir.join("results.pdf");
    let (ok, _, err) = kaohe_cli(
        &demo.db,
        &[
            "export",
            "results",
            "--cycle",
            "1",
            "--format",
            "pdf",
            "-o",
            res.to_str().unwrap(),
        ],
        &[],
    );
    assert!(ok, "{err}");
    let res_pdf = std::fs::read(&res).unwrap();
    if let Some(keep) = std::env::var_os("KAOHE_KEEP_PDF") {
        std::fs::write(std::path::Path::new(&keep).join("results.pdf"), &res_pdf).unwrap();
    }
    let text = pdf_text(&res_pdf);
    for want in [
        "考核结果",
        "市场部",
        "排名",
        "张伟",
        "李娜",
        "奖金合计",
        // It says what it counts, beside what the payroll pays.
        "已确认奖金合计",
        bonus.as_str(),
    ] {
        assert!(text.contains(want), "the results PDF lacks {want}:\n{text}");
    }

    // Without Chromium: a clear error, nothing written.
    let none = dir.join("none.pdf");
    let (ok, _, err) = kaohe_cli(
        &demo.db,
        &[
            "export",
            "form",
            "--appraisal",
            &id.to_string(),
            "-o",
            none.to_str().unwrap(),
        ],
        &[("KAOHE_CHROMIUM", "/nonexistent/chromium")],
    );
    assert!(!ok && !none.exists());
    assert!(
        err.contains("Chromium")
            && err.contains("/nonexistent/chromium")
            && err.contains("apt-get install chromium")
            || err.contains("install chromium"),
        "{err}"
    );

    // Over HTTP, with the .xlsx's permissions: the appraisee gets their own form, HR the
    // results; the appraisee may not have the results, nor another's form.
    let me = signed_in(&demo.base, "zhangwei").await;
    let r = me
        .get(format!("{}/api/appraisals/{id}/form.pdf", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(
        text.contains("张伟") && text.contains(bonus.as_str()),
        "{text}"
    );
    let r = me
        .get(format!("{}/api/cycles/1/results.pdf", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let other = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["emp_no"] == "E002")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = me
        .get(format!("{}/api/appraisals/{other}/form.pdf", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = hr
        .get(format!("{}/api/cycles/1/results.pdf?lang=en", demo.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = pdf_text(&r.bytes().await.unwrap());
    assert!(text.contains("Results") && text.contains("Rank"), "{text}");
    // The page links its PDF.
    let sheet = me
        .get(format!("{}/appraisals/{id}", demo.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sheet.contains("form.pdf"), "{sheet}");
}

// ---------------------------------------------------------------------------------------
// A whole month as HR runs it, from the workbook the departments send (issue 13).
// ---------------------------------------------------------------------------------------

/// A department's workbook as it arrives: a merged title over the table, a 「填报」 row, the
/// everyday headers, numbers typed as text (some in full-width digits), and a 合计 row at the
/// bottom merged across A:C.
fn department_workbook(path: &std::path::Path, title: &str, headers: &[&str], rows: &[Vec<&str>]) {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("考核数据").unwrap();
    let last = (headers.len() - 1) as u16;
    let bold = Format::new().set_bold();
    ws.merge_range(0, 0, 0, last, title, &bold).unwrap();
    ws.write_string(1, 0, "填报：市场部 王强").unwrap();
    ws.write_string(1, last.min(4), "金额单位：万元").unwrap();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            // Typed as text, as a clerk's sheet often has them.
            ws.write_string(3 + r as u32, c as u16, *v).unwrap();
        }
    }
    // 合计 over A:C, the sums of the number columns after it, as the clerk typed them.
    let foot = 3 + rows.len() as u32;
    ws.merge_range(foot, 0, foot, 2, "合计", &Format::new())
        .unwrap();
    for c in 3..headers.len() {
        let sum: rust_decimal::Decimal = rows
            .iter()
            .map(|r| {
                let ascii: String = r[c]
                    .chars()
                    .map(|ch| match ch {
                        '０'..='９' => char::from(b'0' + (ch as u32 - '０' as u32) as u8),
                        ch => ch,
                    })
                    .collect();
                ascii.parse::<rust_decimal::Decimal>().unwrap()
            })
            .sum();
        ws.write_string(foot, c as u16, sum.to_string()).unwrap();
    }
    wb.save(path).unwrap();
}

/// HR copies last month's cycle from the cycles page (the row named `from`); the copy's page
/// (a draft) is open after it. Its id.
async fn hr_copies_last_month(p: &Person<'_>, from: &str, expect_name: &str) -> i64 {
    p.open("/hr/cycles").await;
    p.click(Locator::XPath(&format!(
        "//table[contains(@class,'hr-list')]//tr[td[1][normalize-space(.)='{from}']]//button[@value='copy']"
    )))
    .await;
    let path = p.path().await;
    let id: i64 = path
        .strip_prefix("/hr/cycles/")
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("the copy opens: {path}"));
    assert_eq!(p.text_of("h1").await, expect_name);
    let name =
        p.c.find(Locator::Css("#edit input[name=name]"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
    assert_eq!(name.as_deref(), Some(expect_name), "the draft's form");
    id
}

/// HR sets the draft's targets and bonus bases in its targets table: `lines` are what a clerk means,
/// (position or 工号, the item as the sheet names it, the value). The one place that knows
/// how the cycle form takes them.
async fn hr_sets_targets(p: &Person<'_>, cycle: i64, lines: &[(&str, &str, &str)]) {
    p.open(&format!("/hr/cycles/{cycle}")).await;
    // The cell of `who` (a position row, or a blank row HR names with a 工号) under the
    // column headed `item`, as a clerk finds it in the targets table.
    const FIND: &str = r#"const [who, item, used] = arguments;
        const ths = [...document.querySelectorAll('#targets thead th')].map(t => t.textContent.trim());
        const col = ths.indexOf(item);
        if (col < 1) return ['', 'no column ' + item + ' in ' + ths.join(' | ')];
        const rows = [...document.querySelectorAll('#targets tbody tr')];
        let row = rows.find(r => { const h = r.querySelector('input[type=hidden][name$=".who"]'); return h && h.value === who; });
        let whoName = '';
        if (!row) {
          row = rows.find(r => { const w = r.querySelector('input[name$=".who"]:not([type=hidden])');
                                 return w && (w.value === who || (w.value === '' && !used.includes(w.name))); });
          if (!row) return ['', 'no row for ' + who];
          whoName = row.querySelector('input[name$=".who"]:not([type=hidden])').name;
        }
        return [row.querySelectorAll('td input')[col - 1].name, whoName];"#;
    let mut used: Vec<String> = Vec::new();
    for (who, item, v) in lines {
        let r =
            p.c.execute(FIND, vec![json!(who), json!(item), json!(used)])
                .await
                .unwrap();
        let (cell, who_box) = (r[0].as_str().unwrap(), r[1].as_str().unwrap());
        assert!(!cell.is_empty(), "the targets table: {who_box}");
        if !who_box.is_empty() {
            p.type_into(Locator::Css(&format!("input[name='{who_box}']")), who)
                .await;
            used.push(who_box.to_string());
        }
        p.type_into(Locator::Css(&format!("input[name='{cell}']")), v)
            .await;
    }
    p.click(Locator::Css("#edit button[type=submit]")).await;
    assert_eq!(p.path().await, format!("/hr/cycles/{cycle}"));
    let page = p.text().await;
    assert!(!page.contains("未能"), "the targets were taken: {page}");
    // Stored: the table shows each value back in its cell.
    for (who, _, v) in lines {
        let shown = p
            .c
            .execute(
                "return [...document.querySelectorAll('#targets td input')].filter(i => i.dataset.who === arguments[0]).map(i => i.value)",
                vec![json!(who)],
            )
            .await
            .unwrap();
        assert!(
            shown.as_array().unwrap().iter().any(|x| x == v),
            "{who}'s {v} back in the table: {shown}"
        );
    }
}

/// HR launches the draft from its page through the confirmation, which lists `who` and the
/// bonus base total (or says there is none).
async fn hr_launches(p: &Person<'_>, cycle: i64, who: &[&str], base_total: Option<&str>) {
    p.open(&format!("/hr/cycles/{cycle}")).await;
    p.click(Locator::Css("a[href$='/launch']")).await;
    let members = p.text_of("#launch-members").await;
    for w in who {
        assert!(members.contains(w), "{w} on the launch page: {members}");
    }
    assert!(
        p.text_of("#launch-count")
            .await
            .contains(&format!("{} 人", who.len())),
        "{}",
        p.text().await
    );
    match base_total {
        Some(want) => {
            let total = p.text_of("#launch-total").await;
            assert!(total.contains(want), "{total}");
        }
        None => assert!(p.text().await.contains("未设置奖金基数")),
    }
    p.click(Locator::Css("button[value=launch]")).await;
    assert!(
        p.c.find(Locator::Css("button[value=score]")).await.is_ok(),
        "launched: {}",
        p.text().await
    );
}

/// HR imports `file` on the cycle's import page: the mapping screen shows each header
/// pre-filled as `mapping` says (header → the input's id, and whether the page matched it by
/// itself; one it did not is picked from its dropdown as a clerk would), the 合计 row left
/// out; then imports and sees it done.
async fn hr_imports(
    p: &Person<'_>,
    cycle: i64,
    file: &std::path::Path,
    mapping: &[(&str, &str, bool)],
) {
    p.open(&format!("/hr/cycles/{cycle}")).await;
    p.click(Locator::Css(&format!(
        "a[href='/hr/cycles/{cycle}/import']"
    )))
    .await;
    p.c.find(Locator::Css("input#imp-file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    p.click(Locator::Css(
        "form[enctype='multipart/form-data'] button[type=submit]",
    ))
    .await;
    let page = p.text().await;
    let totals = p.text_of("#totals").await;
    assert!(
        totals.contains("合计"),
        "the 合计 row shown as left out: {totals}\n{page}"
    );
    for (header, want, prefilled) in mapping {
        let x = format!(
            "//table[contains(@class,'mapping')]//tr[td[2][normalize-space(.)='{header}']]//select"
        );
        let sel = match p.c.find(Locator::XPath(&x)).await {
            Ok(e) => e,
            Err(e) => panic!("no column {header} on the mapping screen: {e}\n{page}"),
        };
        if *prefilled {
            let got = sel.prop("value").await.unwrap().unwrap_or_default();
            assert_eq!(got, *want, "{header} pre-filled on the mapping screen");
        } else {
            sel.select_by_value(want).await.unwrap();
        }
    }
    p.click(Locator::Css("#preview button.primary")).await;
    let done = p.text().await;
    assert!(done.contains("已导入"), "imported: {done}");
}

/// HR hands in each department's data from the cycle's page (the grid, 提交).
async fn hr_hands_in(p: &Person<'_>, cycle: i64, depts: &[&str]) {
    for d in depts {
        p.open(&format!("/hr/cycles/{cycle}")).await;
        p.click(Locator::XPath(&format!(
            "//tr[td[1][normalize-space(.)='{d}']]//a[contains(@href, '/departments/')]"
        )))
        .await;
        p.click(Locator::Css("button[value=complete]")).await;
        assert!(
            p.text().await.contains("数据已提交"),
            "{d}: {}",
            p.text().await
        );
    }
}

/// From 待办: the batch page of `kind` (review, approve), every line ticked, the
/// confirmation naming the count and the bonus total, done.
async fn batch_from_inbox(p: &Person<'_>, kind: &str, count: usize, bonus_total: &str) {
    p.click(Locator::Css("header nav a[href='/tasks']")).await;
    p.click(Locator::Css(&format!(
        "#kind-{kind} a[href='/tasks/batch/{kind}']"
    )))
    .await;
    for e in
        p.c.find_all(Locator::Css("input[name=pick]"))
            .await
            .unwrap()
    {
        if !e.is_selected().await.unwrap() {
            e.click().await.unwrap();
        }
    }
    p.click(Locator::Css("form button.primary")).await;
    let confirm = p.text_of("main h2").await;
    assert!(
        confirm.contains(&format!("{count} 份")) && confirm.contains(&format!("{bonus_total} 元")),
        "{kind}: {confirm}"
    );
    p.click(Locator::Css("form button.primary")).await;
    let done = p.text_of("p.ok").await;
    assert!(done.contains(&format!("{count} 份")), "{kind}: {done}");
}

/// The results page's rows: 工号 → (姓名, 总分, 奖金).
async fn results_rows(
    p: &Person<'_>,
    cycle: i64,
) -> std::collections::BTreeMap<String, (String, String, String)> {
    p.open(&format!("/hr/cycles/{cycle}/results")).await;
    let v = p
        .c
        .execute(
            "return [...document.querySelectorAll('table.results tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()));",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |i: usize| r[i].as_str().unwrap().to_string();
            (s(0), (s(1), s(4), s(6)))
        })
        .collect()
}

/// HR downloads the payroll from the cycle's page (the link's file fetched with the
/// browser's session, as the browser would save it) and checks it against the results
/// page: the same people, the same bonus to the fen, the footer's sum.
async fn payroll_agrees_with_results(p: &Person<'_>, cycle: i64, want: &[(&str, &str)]) {
    use rust_decimal::Decimal;
    let results = results_rows(p, cycle).await;
    p.open(&format!("/hr/cycles/{cycle}")).await;
    let link =
        p.c.find(Locator::Css("a[href$='/payroll.csv']"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
    let cookies =
        p.c.get_all_cookies()
            .await
            .unwrap()
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ");
    let r = reqwest::Client::new()
        .get(format!("{}{link}", p.base))
        .header("cookie", cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the payroll downloads");
    let disp = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disp.contains(".csv"), "{disp}");
    let body = r.bytes().await.unwrap();
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&body);
    let mut rdr = csv::Reader::from_reader(body);
    let mut paid = std::collections::BTreeMap::new();
    let mut footer = None;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if rec[0].starts_with('E') || rec[0].starts_with('K') {
            paid.insert(
                rec[0].to_string(),
                (rec[1].to_string(), rec[4].to_string(), rec[6].to_string()),
            );
        } else {
            footer = Some(rec[6].to_string());
        }
    }
    let names: Vec<&String> = paid.keys().collect();
    let on_results: Vec<&String> = results.keys().collect();
    assert_eq!(
        names, on_results,
        "the same employees on the payroll and the results"
    );
    let mut sum = Decimal::ZERO;
    for (no, (name, total, bonus)) in &paid {
        let (rname, rtotal, rbonus) = &results[no];
        assert_eq!(name, rname, "{no}");
        assert_eq!(total, rtotal, "{no}'s total on the payroll and the results");
        // A form without a bonus: the results say —, the payroll pays 0.00.
        let rbonus = if rbonus == "—" {
            "0.00"
        } else {
            rbonus.as_str()
        };
        assert_eq!(bonus, rbonus, "{no}'s bonus on the payroll and the results");
        sum += bonus.parse::<Decimal>().unwrap();
    }
    for (no, bonus) in want {
        assert_eq!(paid[*no].2, *bonus, "{no}'s bonus");
    }
    assert_eq!(
        footer.as_deref(),
        Some(format!("{sum:.2}").as_str()),
        "the footer's sum"
    );
}

/// A user for an employee (`kaohe user add`), with `role`.
fn add_user(db: &str, name: &str, role: &str, emp_no: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .args(["user", "add", name, "--role", role, "--employee", emp_no])
        .env("KAOHE_DATABASE_URL", db)
        .env("KAOHE_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The sheet's figures: (total, bonus).
async fn figures(p: &Person<'_>) -> (String, String) {
    (p.text_of("#total").await, p.text_of("#bonus").await)
}

/// Sign the open sheet.
async fn sign(p: &Person<'_>, name: &str) {
    p.type_into(Locator::Css("#sign input[name=name]"), name)
        .await;
    p.click(Locator::Css("#sign button")).await;
    assert_eq!(p.state().await, "已确认", "{name} signed");
}

/// 市场部's December workbook for F01, with 行政部's attendance beside it: a merged title,
/// everyday headers, full-width digits (and the 合计 row `department_workbook` adds).
fn f01_december_workbook(file: &std::path::Path) {
    department_workbook(
        file,
        "2026年12月 客户经理考核数据",
        &[
            "工号",
            "姓名",
            "当月销售目标（万元）",
            "实际销售额（万元）",
            "新增客户数",
            "迟到早退次数",
            "旷工天数",
            "请假天数",
        ],
        &[
            vec!["E001", "张伟", "100", "87", "1", "2", "0", "1"],
            vec!["E002", "李娜", "100", "45", "2", "1", "1", "4"],
            vec!["E004", "刘洋", "１００", "９５", "0", "0", "0", "0"],
        ],
    );
}

/// F01's December, all in the browser: HR copies November, gives 张伟 his own bonus base,
/// launches after the confirmation, imports 市场部's workbook (merged title, 填报 row,
/// everyday headers, text and full-width numbers, 合计 row) through the mapping screen and
/// hands the data in; the supervisor rates; review and approval in two batches; 张伟 appeals
/// 销售任务 (市场部's new customers), HR reopens it, corrects the figure on the sheet with a
/// reason, the supervisor hands it in again, it is reviewed and approved again with the new
/// total; everyone signs; the payroll matches the results page to the fen.
#[tokio::test]
async fn f01_month_from_the_departments_workbook() {
    let started = Instant::now();
    let demo = demo_server().await;
    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    add_user(&demo.db, "lina", "employee", "E002");
    add_user(&demo.db, "liuyang", "employee", "E004");
    const DEC: &str = "2026年12月 大客户经理考核";

    p.sign_in("hr").await;
    let cycle = hr_copies_last_month(&p, "2026年11月 大客户经理考核", DEC).await;
    hr_sets_targets(
        &p,
        cycle,
        &[
            ("大客户经理", "月度绩效奖金", "3000"),
            ("E001", "月度绩效奖金", "3500"),
        ],
    )
    .await;
    hr_launches(&p, cycle, &["张伟", "李娜", "刘洋"], Some("9500")).await;

    // 市场部's workbook, with 行政部's attendance beside it.
    let file = demo._dir.0.join("12月考核数据.xlsx");
    f01_december_workbook(&file);
    hr_imports(
        &p,
        cycle,
        &file,
        &[
            ("工号", "id", true),
            ("姓名", "name", true),
            ("当月销售目标（万元）", "sales_target", true),
            ("实际销售额（万元）", "sales_actual", true),
            ("新增客户数", "new_customers", true),
            // F01 calls it 请假、迟到、早退.
            ("迟到早退次数", "leave_late_early", true),
            ("旷工天数", "absent_days", true),
            ("请假天数", "leave_days", true),
        ],
    )
    .await;
    hr_hands_in(&p, cycle, &["市场部", "行政部"]).await;

    // The supervisor rates the three from the inbox.
    let rater: [(&str, [&str; 3]); 5] = [
        ("authorised_work", ["18", "10", "16"]),
        ("samples", ["14", "8", "12"]),
        ("contracts", ["13", "7", "12"]),
        ("idle", ["1", "3", "0"]),
        ("away", ["0", "2", "0"]),
    ];
    let staff = ["张伟", "李娜", "刘洋"];
    p.sign_in("zhuguan").await;
    for (i, name) in staff.iter().enumerate() {
        p.open_task_in("rate", DEC, name).await;
        assert_eq!(p.state().await, "评分");
        for (input, values) in rater {
            p.type_into(Locator::Id(&format!("v-{input}")), values[i])
                .await;
        }
        p.click(Locator::Css("#entry button[value=submit]")).await;
        assert_eq!(p.state().await, "复核", "{name} handed in to review");
    }
    // F01's worked examples for 张伟 (90) and 李娜 (25); 刘洋 95% of target: one step of
    // 5% off (27), 16 + 12 + 12, full discipline and attendance: 87. Bonus = total × base.
    let base = |b: i64| rust_decimal::Decimal::from(b);
    let bonus = |total: i64, b: i64| format!("{:.2}", base(total) * base(b) / base(100));
    let (b1, b2, b4) = (bonus(90, 3500), bonus(25, 3000), bonus(87, 3000));
    let sum = |xs: &[&String]| {
        format!(
            "{:.2}",
            xs.iter()
                .map(|x| x.parse::<rust_decimal::Decimal>().unwrap())
                .sum::<rust_decimal::Decimal>()
        )
    };
    let all = sum(&[&b1, &b2, &b4]);
    p.sign_in("fuhe").await;
    batch_from_inbox(&p, "review", 3, &all).await;
    p.sign_in("shenpi").await;
    batch_from_inbox(&p, "approve", 3, &all).await;

    // 李娜 and 刘洋 sign; 张伟 appeals 销售任务: 市场部 counted one new customer, not three.
    for (user, name, total, b) in [("lina", "李娜", "25", &b2), ("liuyang", "刘洋", "87", &b4)]
    {
        p.sign_in(user).await;
        p.open_task_in("sign", DEC, name).await;
        assert_eq!(figures(&p).await, (total.to_string(), b.clone()), "{name}");
        sign(&p, name).await;
    }
    p.sign_in("zhangwei").await;
    p.open_task_in("sign", DEC, "张伟").await;
    let sheet = p.path().await;
    assert_eq!(figures(&p).await, ("90".to_string(), b1.clone()));
    p.type_into(
        Locator::Css("#appeal textarea[name=reason]"),
        "12月新增客户3家（华信、永利、东方），表上只计1家",
    )
    .await;
    p.tick(Locator::Css("#appeal input[value=sales]")).await;
    p.click(Locator::Css("#appeal button")).await;
    assert_eq!(p.state().await, "申诉中");

    // HR: the appeal in 待办, reopened for 销售任务, the figure corrected on the sheet.
    p.sign_in("hr").await;
    p.click(Locator::Css("#hr-work a[href='/hr/appeals']"))
        .await;
    assert!(p.text().await.contains("张伟"), "{}", p.text().await);
    p.open(&sheet).await;
    p.type_into(
        Locator::Css("#decide textarea[name=reason]"),
        "市场部核实：新增客户3家",
    )
    .await;
    p.tick(Locator::Css("#decide input[value=sales]")).await;
    p.click(Locator::Css("#decide button[value=reopen]")).await;
    assert_eq!(p.state().await, "评分");
    p.tick(Locator::Css("#correct summary")).await;
    p.type_into(Locator::Id("c-new_customers"), "3").await;
    p.type_into(
        Locator::Id("correct-reason"),
        "市场部核实后更正新增客户数（申诉）",
    )
    .await;
    p.click(Locator::Css("#correct button[value=correct]"))
        .await;
    // 30 − 6 + 3 × 5 = 39 for 销售任务: 100 in all.
    let b1 = bonus(100, 3500);
    assert_eq!(
        figures(&p).await,
        ("100".to_string(), b1.clone()),
        "corrected"
    );
    assert!(
        p.text_of("#corrections")
            .await
            .contains("市场部核实后更正新增客户数"),
        "the correction listed on the sheet"
    );

    // The supervisor hands it in again; review and approval see the new figures.
    p.sign_in("zhuguan").await;
    p.open_task_in("rate", DEC, "张伟").await;
    p.click(Locator::Css("#entry button[value=submit]")).await;
    assert_eq!(p.state().await, "复核");
    for (user, kind, button, next) in [
        ("fuhe", "review", "review_pass", "审批"),
        ("shenpi", "approve", "approve", "待确认"),
    ] {
        p.sign_in(user).await;
        p.open_task_in(kind, DEC, "张伟").await;
        assert_eq!(figures(&p).await, ("100".to_string(), b1.clone()), "{user}");
        assert!(
            p.text().await.contains("市场部核实后更正新增客户数"),
            "{user} is told"
        );
        p.click(Locator::Css(&format!("#decide button[value={button}]")))
            .await;
        assert_eq!(p.state().await, next);
    }
    p.sign_in("zhangwei").await;
    p.open(&sheet).await;
    assert_eq!(figures(&p).await, ("100".to_string(), b1.clone()));
    sign(&p, "张伟").await;

    // Payroll, as downloaded, against the results page.
    p.sign_in("hr").await;
    payroll_agrees_with_results(&p, cycle, &[("E001", &b1), ("E002", &b2), ("E004", &b4)]).await;
    c.close().await.unwrap();
    eprintln!("F01 month from the workbook: {:.1?}", started.elapsed());
}

/// HR creates a draft cycle on the cycles page (form, period, name, the employees); its id.
async fn hr_creates_cycle(
    p: &Person<'_>,
    form: &str,
    period: &str,
    name: &str,
    emp_nos: &[&str],
) -> i64 {
    p.open("/hr/cycles").await;
    p.c.find(Locator::Css(&format!(
        "select[name=form_id] option[value={form}]"
    )))
    .await
    .unwrap_or_else(|e| panic!("{form} is offered: {e}"))
    .click()
    .await
    .unwrap();
    p.type_into(Locator::Css("input[name=period]"), period)
        .await;
    p.type_into(Locator::Css("input[name=name]"), name).await;
    p.tick(Locator::Css("input[name=members][value=employees]"))
        .await;
    p.type_into(Locator::Css("input[name=employees]"), &emp_nos.join(", "))
        .await;
    p.click(Locator::Css(
        "form[action='/hr/cycles'] button[type=submit]",
    ))
    .await;
    let path = p.path().await;
    path.strip_prefix("/hr/cycles/")
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("created: {path}"))
}

/// F07's scored items: (item, its input, points). 合格率增长比 scores against the cycle's
/// growth target, the others against 100%.
const F07_ITEMS: [(&str, &str, i64); 4] = [
    ("complaint_satisfaction", "satisfaction_rate", 30),
    ("work_completion", "completion_rate", 15),
    ("quality_growth_item", "quality_growth", 15),
    ("profit", "profit_rate", 40),
];

/// One rater's column of F07 as the sheet scores it: points × rate (capped at the points,
/// never below 0), the growth against `growth_target`.
fn f07_column(rates: [&str; 4], growth_target: i64) -> rust_decimal::Decimal {
    use rust_decimal::Decimal;
    F07_ITEMS
        .iter()
        .zip(rates)
        .map(|((_, input, points), r)| {
            let r: Decimal = r.parse().unwrap();
            let p = Decimal::from(*points);
            let of = if *input == "quality_growth" {
                Decimal::from(growth_target)
            } else {
                Decimal::from(100)
            };
            (p * r / of).min(p).max(Decimal::ZERO)
        })
        .sum()
}

/// F07's December for 徐婷 and 黄磊, all in the browser, with three raters weighted
/// 0.3/0.3/0.4: HR creates November through the cycle form and copies it, sets the growth
/// target in the targets, launches; both assess themselves; HR imports 市场部's certified
/// rates (the 人力资源部 column) from the workbook through the mapping screen and hands them
/// in; the supervisor rates; the total on the sheet is 0.3 × self + 0.3 × HR + 0.4 ×
/// supervisor; review and approval in batches; 徐婷 reads her sheet at 1280×800 and 390×844
/// with every item's score in the window and appeals 客户投诉满意率 (市场部's figure) on the
/// phone; HR reopens it and corrects the figure on the sheet with a reason, it is handed in,
/// reviewed and approved again with the new total; both sign (徐婷 on the phone); the
/// payroll matches the results page.
#[tokio::test]
async fn f07_month_with_three_raters() {
    use rust_decimal::Decimal;
    let started = Instant::now();
    let demo = demo_server().await;
    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    add_user(&demo.db, "xuting", "employee", "K004");
    add_user(&demo.db, "huanglei", "employee", "K002");
    add_user(&demo.db, "zhaomin", "rater", "K001");
    const NOV: &str = "2026年11月 客户服务中心经理考核";
    const DEC: &str = "2026年12月 客户服务中心经理考核";
    let growth_target = 2;

    p.sign_in("hr").await;
    hr_creates_cycle(&p, "F07", "2026-11", NOV, &["K004", "K002"]).await;
    let cycle = hr_copies_last_month(&p, NOV, DEC).await;
    hr_sets_targets(
        &p,
        cycle,
        &[
            ("K004", "合格率增长目标 (得满分的增长幅度)", "2"),
            ("K002", "合格率增长目标 (得满分的增长幅度)", "2"),
        ],
    )
    .await;
    hr_launches(&p, cycle, &["徐婷", "黄磊"], None).await;

    // Each rater's rates B, C, D, E: (self, 人力资源部 = 市场部's certified figures, supervisor).
    let staff = [("xuting", "徐婷", "K004"), ("huanglei", "黄磊", "K002")];
    let self_rates = [["100", "100", "2", "100"], ["96", "90", "1", "90"]];
    let hr_rates = [["90", "80", "1", "90"], ["88", "94", "2", "80"]];
    let sup_rates = [["95", "90", "2", "85"], ["92", "86", "0", "75"]];

    // Both assess themselves.
    for (i, (user, name, _)) in staff.iter().enumerate() {
        p.sign_in(user).await;
        p.open_task_in("self", DEC, name).await;
        for ((_, input, _), v) in F07_ITEMS.iter().zip(self_rates[i]) {
            p.type_into(Locator::Id(&format!("v-{input}@self")), v)
                .await;
        }
        p.click(Locator::Css("#entry button[value=submit]")).await;
        assert_eq!(p.state().await, "评分", "{name} assessed themselves");
    }

    // 市场部's certified rates, as its workbook comes, into the 人力资源部 column.
    p.sign_in("hr").await;
    let file = demo._dir.0.join("客服中心12月数据.xlsx");
    department_workbook(
        &file,
        "2026年12月 客户服务中心考核数据",
        &[
            "工号",
            "姓名",
            "部门",
            "客户投诉满意率（%）",
            "工作完成率（%）",
            "合格率增长（个百分点）",
        ],
        &[
            vec!["K004", "徐婷", "客服部", "９０", "80", hr_rates[0][2]],
            vec![
                "K002",
                "黄磊",
                "客服部",
                hr_rates[1][0],
                "９４",
                hr_rates[1][2],
            ],
        ],
    );
    hr_imports(
        &p,
        cycle,
        &file,
        &[
            ("工号", "id", true),
            ("姓名", "name", true),
            ("客户投诉满意率（%）", "satisfaction_rate@hr", false),
            ("工作完成率（%）", "completion_rate@hr", false),
            ("合格率增长（个百分点）", "quality_growth@hr", false),
        ],
    )
    .await;
    // HR hands in its column: the imported rates are on the form, E typed.
    for (i, (_, name, _)) in staff.iter().enumerate() {
        p.open_task_in("rate", DEC, name).await;
        for ((_, input, _), v) in F07_ITEMS.iter().zip(hr_rates[i]).take(3) {
            let got =
                p.c.find(Locator::Id(&format!("v-{input}@hr")))
                    .await
                    .unwrap()
                    .prop("value")
                    .await
                    .unwrap()
                    .unwrap_or_default();
            assert_eq!(got, v, "{name}: {input} imported");
        }
        p.type_into(Locator::Id("v-profit_rate@hr"), hr_rates[i][3])
            .await;
        p.click(Locator::Css("#entry button[value=submit]")).await;
        assert_eq!(
            p.state().await,
            "评分",
            "{name}: the supervisor still to rate"
        );
    }

    // The supervisor rates; the total is the weighted sum of the three columns.
    p.sign_in("zhaomin").await;
    let mut totals = Vec::new();
    for (i, (_, name, _)) in staff.iter().enumerate() {
        p.open_task_in("rate", DEC, name).await;
        for ((_, input, _), v) in F07_ITEMS.iter().zip(sup_rates[i]) {
            p.type_into(Locator::Id(&format!("v-{input}@supervisor")), v)
                .await;
        }
        p.click(Locator::Css("#entry button[value=submit]")).await;
        assert_eq!(p.state().await, "复核", "{name} handed in");
        let w = |x: &str| x.parse::<Decimal>().unwrap();
        let want = w("0.3") * f07_column(self_rates[i], growth_target)
            + w("0.3") * f07_column(hr_rates[i], growth_target)
            + w("0.4") * f07_column(sup_rates[i], growth_target);
        let shown: Decimal = p.text_of("#total").await.parse().unwrap();
        assert_eq!(
            shown, want,
            "{name}: 0.3 × self + 0.3 × HR + 0.4 × supervisor"
        );
        totals.push(shown);
    }

    // F07 pays no bonus: the confirmations say 0.00.
    p.sign_in("fuhe").await;
    batch_from_inbox(&p, "review", 2, "0.00").await;
    p.sign_in("shenpi").await;
    batch_from_inbox(&p, "approve", 2, "0.00").await;

    // 黄磊 signs; 徐婷 appeals 客户投诉满意率: 市场部 certified 90%, it was 96%.
    p.sign_in("huanglei").await;
    p.open_task_in("sign", DEC, "黄磊").await;
    sign(&p, "黄磊").await;
    // 徐婷 reads her sheet on a laptop and on her phone, every score in view, and appeals there.
    p.sign_in("xuting").await;
    p.open_task_in("sign", DEC, "徐婷").await;
    let sheet = p.path().await;
    for (w, h) in [(1280, 800), (390, 844)] {
        c.set_window_size(w, h).await.unwrap();
        p.open(&sheet).await;
        sheet_fits(&p, h as f64).await;
    }
    p.type_into(
        Locator::Css("#appeal textarea[name=reason]"),
        "市场部核定的投诉满意率为96%，表上为90%",
    )
    .await;
    p.tick(Locator::Css("#appeal input[value=complaint_satisfaction]"))
        .await;
    p.click(Locator::Css("#appeal button")).await;
    assert_eq!(p.state().await, "申诉中");
    fits(&p, None).await;
    c.set_window_size(1280, 1000).await.unwrap();

    // HR reopens the item and corrects 市场部's figure in the 人力资源部 column.
    p.sign_in("hr").await;
    p.open(&sheet).await;
    p.type_into(
        Locator::Css("#decide textarea[name=reason]"),
        "市场部复核：满意率96%",
    )
    .await;
    p.tick(Locator::Css("#decide input[value=complaint_satisfaction]"))
        .await;
    p.click(Locator::Css("#decide button[value=reopen]")).await;
    assert_eq!(p.state().await, "评分");
    p.tick(Locator::Css("#correct summary")).await;
    p.type_into(Locator::Id("c-satisfaction_rate@hr"), "96")
        .await;
    p.type_into(
        Locator::Id("correct-reason"),
        "市场部复核后更正投诉满意率（申诉）",
    )
    .await;
    p.click(Locator::Css("#correct button[value=correct]"))
        .await;
    // 0.3 × 30 × (96% − 90%) more.
    let corrected = totals[0]
        + "0.3".parse::<Decimal>().unwrap()
            * Decimal::from(30)
            * "0.06".parse::<Decimal>().unwrap();
    let shown: Decimal = p.text_of("#total").await.parse().unwrap();
    assert_eq!(shown, corrected, "the corrected total");

    // Reopening asks every rater again: HR hands in its column, then the supervisor (the
    // rates kept); then review and approval see the new total and the correction.
    for (user, state) in [("hr", "评分"), ("zhaomin", "复核")] {
        p.sign_in(user).await;
        p.open_task_in("rate", DEC, "徐婷").await;
        p.click(Locator::Css("#entry button[value=submit]")).await;
        assert_eq!(p.state().await, state, "{user} handed in again");
        let shown: Decimal = p.text_of("#total").await.parse().unwrap();
        assert_eq!(shown, corrected, "{user}'s rates kept");
    }
    for (user, kind, button, next) in [
        ("fuhe", "review", "review_pass", "审批"),
        ("shenpi", "approve", "approve", "待确认"),
    ] {
        p.sign_in(user).await;
        p.open_task_in(kind, DEC, "徐婷").await;
        let shown: Decimal = p.text_of("#total").await.parse().unwrap();
        assert_eq!(shown, corrected, "{user} sees the corrected total");
        assert!(
            p.text().await.contains("市场部复核后更正投诉满意率"),
            "{user} is told"
        );
        p.click(Locator::Css(&format!("#decide button[value={button}]")))
            .await;
        assert_eq!(p.state().await, next);
    }
    // 徐婷 signs the corrected sheet on her phone.
    c.set_window_size(390, 844).await.unwrap();
    p.sign_in("xuting").await;
    p.open(&sheet).await;
    sheet_fits(&p, 844.0).await;
    sign(&p, "徐婷").await;
    fits(&p, None).await;
    c.set_window_size(1280, 1000).await.unwrap();

    p.sign_in("hr").await;
    payroll_agrees_with_results(&p, cycle, &[]).await;
    c.close().await.unwrap();
    eprintln!("F07 month: {:.1?}", started.elapsed());
}

/// Screenshots of the main pages on the demo company, for the README:
/// `cargo test -p kaohe --test it -- --ignored browser::screenshots` writes
/// `docs/screenshots/*.png`.
#[tokio::test]
#[ignore = "writes docs/screenshots; run with --ignored"]
async fn screenshots() {
    let demo = demo_server().await;
    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    let out = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/screenshots"
    ));
    std::fs::create_dir_all(&out).unwrap();
    let shot = |name: &'static str| {
        let (c, out) = (&c, &out);
        async move {
            // The whole page: the window as tall as the document.
            let v = c
                .execute(
                    "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]",
                    vec![],
                )
                .await
                .unwrap_or_default();
            let n = |i: usize| v.get(i).and_then(Value::as_u64).unwrap_or(0);
            let h = (n(0) + n(1)).clamp(700, 2600) as u32;
            c.set_window_size(1280, h).await.unwrap();
            let png = c.screenshot().await.unwrap();
            std::fs::write(out.join(format!("{name}.png")), png).unwrap();
            c.set_window_size(1280, 1000).await.unwrap();
        }
    };
    // A phone's first screen (390×844), as it is scrolled.
    let phone_shot = |name: &'static str| {
        let (c, out) = (&c, &out);
        async move {
            c.set_window_size(390, 844).await.unwrap();
            let png = c.screenshot().await.unwrap();
            std::fs::write(out.join(format!("{name}.png")), png).unwrap();
            c.set_window_size(1280, 1000).await.unwrap();
        }
    };
    // A laptop's first screen (1280×800), as it is scrolled.
    let laptop_shot = |name: &'static str| {
        let (c, out) = (&c, &out);
        async move {
            c.set_window_size(1280, 800).await.unwrap();
            let png = c.screenshot().await.unwrap();
            std::fs::write(out.join(format!("{name}.png")), png).unwrap();
            c.set_window_size(1280, 1000).await.unwrap();
        }
    };
    p.open("/login").await;
    shot("login").await;

    // 行政部's clerk: the inbox, and November's grid with some attendance typed in.
    p.sign_in("xingzheng").await;
    shot("inbox").await;
    p.click(Locator::Css("#kind-data a")).await;
    p.grid_cell("张伟", "leave_days", "1").await;
    p.grid_cell("张伟", "leave_late_early", "2").await;
    p.grid_cell("李娜", "leave_days", "0").await;
    shot("grid").await;
    for name in ["李娜", "刘洋"] {
        p.grid_cell(name, "leave_late_early", "1").await;
    }
    p.grid_cell("刘洋", "leave_days", "2").await;
    p.click(Locator::Css("button[value=complete]")).await;

    // 张伟: October's sheet, signed, and the ledger.
    p.sign_in("zhangwei").await;
    p.click(Locator::Css("header nav a[href='/ledger']")).await;
    shot("ledger").await;
    p.click(Locator::XPath("//main//a[contains(., '2026年10月')]"))
        .await;
    shot("sheet").await;
    phone_shot("phone-sheet").await;
    laptop_shot("laptop-sheet").await;
    p.click(Locator::LinkText("English")).await;
    shot("sheet-en").await;
    p.click(Locator::LinkText("中文")).await;

    // The supervisor's inbox, and the rating form.
    p.sign_in("zhuguan").await;
    shot("inbox-supervisor").await;
    phone_shot("phone-inbox").await;
    laptop_shot("laptop-inbox").await;
    p.click(Locator::XPath(
        "//section[@id='kind-rate']//tr[td[contains(., '张伟')]]//a",
    ))
    .await;
    p.type_into(Locator::Id("v-authorised_work"), "18").await;
    shot("rating").await;
    c.set_window_size(1280, 800).await.unwrap();
    p.tick(Locator::Css("#to-act")).await;
    laptop_shot("laptop-rating").await;
    c.set_window_size(390, 844).await.unwrap();
    p.tick(Locator::Css("#to-act")).await;
    phone_shot("phone-rating").await;

    // HR: the cycles, November's progress, October's results with the grade chart, the
    // organisation, the templates, the audit log and 张伟's twelve months.
    p.sign_in("hr").await;
    for (path, name) in [
        ("/hr", "hr-home"),
        ("/hr/cycles", "hr-cycles"),
        ("/hr/cycles/2", "hr-cycle-progress"),
        ("/hr/cycles/1/results", "hr-results"),
        ("/hr/org", "hr-org"),
        ("/hr/templates", "hr-templates"),
        ("/hr/audit", "hr-audit"),
        ("/hr/employees/E001", "hr-employee"),
        ("/hr/users", "hr-users"),
    ] {
        p.open(path).await;
        shot(name).await;
    }

    // HR's month: December copied from November, the targets table, the launch confirmation,
    // 市场部's workbook on the import page's mapping screen, then review in one batch.
    const DEC: &str = "2026年12月 大客户经理考核";
    let cycle = hr_copies_last_month(&p, "2026年11月 大客户经理考核", DEC).await;
    hr_sets_targets(&p, cycle, &[("E001", "月度绩效奖金", "3500")]).await;
    p.open(&format!("/hr/cycles/{cycle}")).await;
    shot("hr-cycle-targets").await;
    p.click(Locator::Css("a[href$='/launch']")).await;
    shot("hr-launch").await;
    p.click(Locator::Css("button[value=launch]")).await;
    let file = demo._dir.0.join("12月考核数据.xlsx");
    f01_december_workbook(&file);
    p.open(&format!("/hr/cycles/{cycle}/import")).await;
    shot("hr-import").await;
    p.c.find(Locator::Css("input#imp-file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    p.click(Locator::Css(
        "form[enctype='multipart/form-data'] button[type=submit]",
    ))
    .await;
    shot("hr-import-mapping").await;
    p.click(Locator::Css("#preview button.primary")).await;
    hr_hands_in(&p, cycle, &["市场部", "行政部"]).await;
    p.sign_in("zhuguan").await;
    for name in ["张伟", "李娜", "刘洋"] {
        p.open_task_in("rate", DEC, name).await;
        for (input, values) in RATER {
            p.type_into(Locator::Id(&format!("v-{input}")), values[0])
                .await;
        }
        p.click(Locator::Css("#entry button[value=submit]")).await;
    }
    p.sign_in("fuhe").await;
    p.click(Locator::Css("#kind-review a[href='/tasks/batch/review']"))
        .await;
    for e in
        p.c.find_all(Locator::Css("input[name=pick]"))
            .await
            .unwrap()
    {
        if !e.is_selected().await.unwrap() {
            e.click().await.unwrap();
        }
    }
    shot("batch-review").await;
    p.click(Locator::Css("form button.primary")).await;
    shot("batch-confirm").await;
    c.close().await.unwrap();
}

/// What the rating page shows once the live scores answered the typing so that `done`
/// holds (within 10 s): `[previewed, #total, total by the form, #bonus, bonus by the form,
/// the first item's score, the not-scored note]`.
async fn live_after_typing(p: &Person<'_>, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let start = Instant::now();
    loop {
        let v = p
            .c
            .execute(
                r#"const f = document.querySelector('#entry form');
                const q = s => { const e = document.querySelector(s); return e && !e.hidden ? e.textContent.trim() : ''; };
                return [f.getAttribute('data-previewed') || '', q('#total'), q('[data-live=total]'),
                        q('#bonus'), q('[data-live=bonus]'), q('#item-authorised_work .score-value'),
                        q('#score-error')];"#,
                vec![],
            )
            .await
            .unwrap();
        let v: Vec<String> = (0..7).map(|i| v[i].as_str().unwrap().to_string()).collect();
        if !v[0].is_empty() && done(&v) {
            assert_eq!(v[1], v[2], "the total at the top and by the form agree");
            assert_eq!(v[3], v[4], "the bonus at the top and by the form agree");
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the sheet did not follow the typing: {v:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Live scores while rating: the supervisor types into 张伟's rating form and, before
/// saving, the sheet says what is still missing, then the item scores, the total and the
/// bonus on the sheet (and beside the form) change; after saving, the sheet shows exactly
/// the figures seen while typing.
#[tokio::test]
async fn live_scores_while_rating() {
    let demo = demo_server().await;
    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    p.sign_in("xingzheng").await;
    p.click(Locator::Css("#kind-data a")).await;
    for name in ["张伟", "李娜", "刘洋"] {
        p.grid_cell(name, "leave_days", "0").await;
    }
    p.click(Locator::Css("button[value=complete]")).await;

    p.sign_in("zhuguan").await;
    p.click(Locator::XPath(
        "//section[@id='kind-rate']//tr[td[contains(., '2026年11月')] and td[contains(., '张伟')]]//a",
    ))
    .await;
    let before = p.text_of("#total").await;
    // One score typed: the sheet names what is still missing, in words.
    p.type_into(Locator::Id("v-authorised_work"), "18").await;
    let v = live_after_typing(&p, |v| !v[6].is_empty()).await;
    assert!(
        v[6].contains("尚未计分") && !v[6].contains("samples") && !v[6].contains("contracts"),
        "the missing input named in words: {v:?}"
    );
    // All of them: every score, the total and the bonus as the engine works them out,
    // and the rater is told it is not saved yet.
    for (input, values) in RATER.iter().skip(1) {
        p.type_into(Locator::Id(&format!("v-{input}")), values[0])
            .await;
    }
    let v = live_after_typing(&p, |v| v[6].is_empty() && v[1] != before).await;
    assert_eq!(v[5], "18", "the item's score follows the typing: {v:?}");
    assert_ne!(v[3], "—", "a bonus: {v:?}");
    assert!(
        p.text_of("#live-note").await.contains("尚未保存"),
        "the rater is told it is not saved yet"
    );
    p.click(Locator::Css("#entry button[value=save]")).await;
    assert_eq!(p.text_of("#total").await, v[1], "saved as seen");
    assert_eq!(p.text_of("#bonus").await, v[3], "saved as seen");
}

/// The department grid's rows in order: 工号, 姓名 and the cells' values.
async fn grid_rows(c: &Client) -> Vec<(String, String, Vec<String>)> {
    let v = c
        .execute(
            r#"return [...document.querySelectorAll('table.grid tbody tr[data-emp]')].map(tr =>
                 [tr.dataset.emp, tr.dataset.name, [...tr.querySelectorAll('input.cell')].map(i => i.value)]);"#,
            vec![],
        )
        .await
        .unwrap();
    let s = |x: &Value| x.as_str().unwrap().to_string();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let cells = r[2].as_array().unwrap().iter().map(s).collect();
            (s(&r[0]), s(&r[1]), cells)
        })
        .collect()
}

/// Pasting into the grid a block from Excel whose first column holds 工号 (and 姓名 after
/// it), in another order than the grid's and with one 工号 the grid does not have: each
/// line lands in its person's row, the unknown 工号 is named in the paste note, and the
/// values are saved to those rows. A block without 工号 still fills by position.
#[tokio::test]
async fn grid_paste_by_emp_no() {
    let demo = demo_server().await;
    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    p.sign_in("xingzheng").await;
    p.click(Locator::Css("#kind-data a")).await;
    let before = grid_rows(&c).await;
    assert!(before.len() >= 3, "November's grid: {before:?}");
    let emps: Vec<String> = before.iter().map(|r| r.0.clone()).collect();
    let names: Vec<String> = before.iter().map(|r| r.1.clone()).collect();
    let ncols = before[0].2.len();
    assert!(ncols >= 1, "{before:?}");
    // Row k of the grid gets k % 3 in every column; the block lists them bottom up,
    // with a header line, 姓名 beside 工号, and E999 the grid does not have.
    let want = |k: usize| (k % 3).to_string();
    let mut block = String::from("工号\t姓名");
    for j in 0..ncols {
        block.push_str(&format!("\t列{j}"));
    }
    block.push('\n');
    for (k, (e, n)) in emps.iter().zip(&names).enumerate().rev() {
        block.push_str(&format!("{e}\t{n}"));
        for _ in 0..ncols {
            block.push_str(&format!("\t{}", want(k)));
        }
        block.push('\n');
        if k == 1 {
            block.push_str("E999\t查无此人");
            for _ in 0..ncols {
                block.push_str("\t9");
            }
            block.push('\n');
        }
    }
    let paste = r#"const dt = new DataTransfer();
        dt.setData('text/plain', arguments[0]);
        const ev = new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true});
        document.querySelector('input.cell[data-row="' + arguments[1] + '"][data-col="0"]').dispatchEvent(ev);
        return ev.defaultPrevented;"#;
    let v = c
        .execute(paste, vec![json!(block), json!(1)])
        .await
        .unwrap();
    assert_eq!(v, json!(true), "the script took the paste");
    let after = grid_rows(&c).await;
    for (k, (e, _, got)) in after.iter().enumerate() {
        assert_eq!(e, &emps[k], "the grid's order stays");
        assert_eq!(got, &vec![want(k); ncols], "{e}'s row: {after:?}");
    }
    let note = p.text_of("#paste-note").await;
    assert!(
        note.contains("E999")
            && note.contains("未粘贴")
            && note.contains(&format!("{} 人", emps.len())),
        "{note}"
    );
    // Saved into the rows of those 工号.
    p.click(Locator::Css("button[value=save]")).await;
    assert!(!p.text().await.contains("未能完成"), "{}", p.text().await);
    let saved = grid_rows(&c).await;
    for (e, _, got) in &saved {
        let k = emps.iter().position(|x| x == e).unwrap();
        assert_eq!(got[0], want(k), "{e} after saving: {saved:?}");
    }
    // A block of numbers only still fills right and down from the cell.
    let v = c
        .execute(paste, vec![json!("2\n1\n"), json!(0)])
        .await
        .unwrap();
    assert_eq!(v, json!(true));
    let by_pos = grid_rows(&c).await;
    assert_eq!(
        (by_pos[0].2[0].as_str(), by_pos[1].2[0].as_str()),
        ("2", "1"),
        "{by_pos:?}"
    );
    assert!(
        p.text_of("#paste-note").await.contains("已粘贴 2 个格子"),
        "{}",
        p.text_of("#paste-note").await
    );
}

/// The results of the reader's part of the organisation, as the table on `/results/{id}`
/// shows them: 工号 → 姓名.
async fn scoped_results(p: &Person<'_>) -> std::collections::BTreeMap<String, String> {
    let v = p
        .c
        .execute(
            "return [...document.querySelectorAll('table.results tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()));",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .filter(|r| r.as_array().unwrap().len() > 1)
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                r[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A 分行 head (a reviewer granted on 北京分行) signs in and sees, in 考核结果, only the
/// people of the 支行 under their 分行 — on the page, through its filter and in the
/// workbook they download — never those of 上海分行's 支行, though both are in the cycle.
/// 刘洋 moves to 上海分行's 支行 today: this month's cycle appraises him there, while
/// October's result stays with the 支行 he was appraised in (the unit on the period's last
/// day).
#[tokio::test]
async fn a_branch_head_sees_only_their_branch() {
    let demo = demo_server().await;
    // The demo's 市场部 becomes a 支行 of 北京分行, 客服部 one of 上海分行, and 刘洋 (in
    // October's cycle with 张伟 and 李娜) moves to 客服部.
    let hr = signed_in(&demo.base, "hr").await;
    let tree = "工号,姓名,部门编码,部门名称,部门类型,岗位,单位层级,上级部门\n\
                ,,BJ,北京分行,业务,,分行,\n\
                ,,SH,上海分行,业务,,分行,\n\
                ,,SC,市场部,业务,,支行,BJ\n\
                ,,KF,客服部,业务,,支行,SH\n\
                E004,刘洋,KF,客服部,业务,大客户经理,,\n";
    let r = hr
        .post(format!("{}/api/org/import", demo.base))
        .header("content-type", "text/csv")
        .body(tree)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let (ok, _, err) = kaohe_cli(
        &demo.db,
        &["user", "add", "bj_head", "--role", "reviewer@BJ"],
        &[("KAOHE_PASSWORD", PASSWORD)],
    );
    assert!(ok, "{err}");
    // This month's cycle, launched after the move.
    let now = time::OffsetDateTime::now_utc();
    let period = format!("{}-{:02}", now.year(), u8::from(now.month()));
    let r = hr
        .post(format!("{}/api/cycles", demo.base))
        .json(&json!({"name": "本月 大客户经理考核", "form_id": "F01", "period": period}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let cycle: Value = r.json().await.unwrap();
    let r = hr
        .post(format!("{}/api/cycles/{}/launch", demo.base, cycle["id"]))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    // HR enters October's figures again, so this month has results to export.
    let get = |path: String| {
        let hr = hr.clone();
        async move {
            let v: Value = hr.get(path).send().await.unwrap().json().await.unwrap();
            v
        }
    };
    let cycles = get(format!("{}/api/cycles", demo.base)).await;
    let october = cycles
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "2026年10月 大客户经理考核")
        .unwrap()["id"]
        .clone();
    let before = get(format!("{}/api/appraisals?cycle_id={october}", demo.base)).await;
    let now = get(format!(
        "{}/api/appraisals?cycle_id={}",
        demo.base, cycle["id"]
    ))
    .await;
    for a in now.as_array().unwrap() {
        let old = before
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["emp_no"] == a["emp_no"])
            .unwrap();
        let r = hr
            .put(format!("{}/api/appraisals/{}/values", demo.base, a["id"]))
            .json(&json!({"version": a["version"], "values": old["inputs"]}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }

    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    p.sign_in("bj_head").await;
    p.click(Locator::Css("header nav a[href='/results']")).await;
    assert_eq!(p.path().await, "/results");
    let text = p.text().await;
    assert!(text.contains("2026年10月 大客户经理考核"), "{text}");
    // October stays where it was appraised: 刘洋 was in 市场部 then.
    p.click(Locator::LinkText("2026年10月 大客户经理考核"))
        .await;
    let names: Vec<String> = scoped_results(&p).await.into_values().collect();
    assert_eq!(names, ["张伟", "李娜", "刘洋"], "October, before the move");
    p.click(Locator::Css("header nav a[href='/results']")).await;
    p.click(Locator::LinkText("本月 大客户经理考核")).await;
    let page = p.text().await;
    assert!(
        page.contains("北京分行"),
        "the page names the scope: {page}"
    );
    let rows = scoped_results(&p).await;
    let names: Vec<&str> = rows.values().map(String::as_str).collect();
    assert_eq!(names, ["张伟", "李娜"], "only 北京分行's people: {page}");
    assert!(
        !page.contains("刘洋"),
        "上海分行's 刘洋 is not shown: {page}"
    );
    // Sorting by total keeps to the scope.
    p.click(Locator::XPath(
        "//table[contains(@class,'results')]//th/a[contains(@href,'sort=total')]",
    ))
    .await;
    assert_eq!(scoped_results(&p).await.len(), 2);
    assert!(!p.text().await.contains("刘洋"));
    // A department outside the scope typed into the address shows nothing of it.
    let kf = demo_department_id(&hr, &demo.base, "KF").await;
    let path = p.path().await;
    p.open(&format!("{path}?dept={kf}")).await;
    let page = p.text().await;
    assert!(!page.contains("刘洋"), "{page}");
    assert_eq!(
        scoped_results(&p).await.len(),
        2,
        "an outside filter is ignored"
    );

    // The workbook downloaded from the page: the same two people, no sheet for 客服部.
    let link =
        p.c.find(Locator::Css("a[href$='/results.xlsx']"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap();
    let cookies =
        p.c.get_all_cookies()
            .await
            .unwrap()
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ");
    let r = reqwest::Client::new()
        .get(format!("{}{link}", demo.base))
        .header("cookie", cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the results workbook downloads");
    let bytes = r.bytes().await.unwrap();
    assert!(
        kaohe_office::read::read_xlsx(&bytes, Some("客服部")).is_err(),
        "no 客服部 sheet in 北京分行's workbook"
    );
    let sheet = kaohe_office::read::read_xlsx(&bytes, Some("市场部")).unwrap();
    let all: String = sheet
        .rows
        .iter()
        .flat_map(|r| r.cells.clone())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        all.contains("张伟") && all.contains("李娜") && !all.contains("刘洋"),
        "{all}"
    );

    // HR still sees all three on HR's page.
    p.sign_in("hr").await;
    p.open(&format!("/results{}", &path["/results".len()..]))
        .await;
    assert!(
        p.path().await.starts_with("/hr/cycles/"),
        "HR is sent to HR's page"
    );
    assert!(p.text().await.contains("刘洋"));
}

/// A department's id by code, as HR's API lists them.
async fn demo_department_id(hr: &reqwest::Client, base: &str, code: &str) -> i64 {
    let v: Value = hr
        .get(format!("{base}/api/departments"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no department {code}: {v}"))["id"]
        .as_i64()
        .unwrap()
}

/// 代理 in the browser: 王强 (zhuguan) hands his rating to 李娜 on 我的代理; 李娜's 待办
/// marks 张伟's rating 代 王强; she rates and hands in, and the sheet's signature line says
/// 李娜 代 王强. 王强 revokes it; the list says so and 李娜 no longer opens the sheet.
#[tokio::test]
async fn a_delegate_rates_for_their_principal() {
    let demo = demo_server().await;
    let (_driver, c) = browser().await;
    let p = Person {
        c: &c,
        base: &demo.base,
    };
    let cycle = hr_creates_and_launches_cycle(&p, &["E001"]).await;
    add_employee_user(&demo.db, "lina", "E002");

    // The departments' figures for 张伟, handed in (行政部's clerk, HR for 市场部).
    p.sign_in("xingzheng").await;
    p.open_task("data", "行政部").await;
    for (input, values) in ADMIN {
        p.grid_cell("张伟", input, values[0]).await;
    }
    p.click(Locator::Css("button[value=complete]")).await;
    assert!(p.text().await.contains("数据已提交"), "{}", p.text().await);
    p.sign_in("hr").await;
    p.open_task("data", "市场部").await;
    for (input, values) in MARKET {
        p.grid_cell("张伟", input, values[0]).await;
    }
    p.click(Locator::Css("button[value=complete]")).await;
    assert!(p.text().await.contains("数据已提交"), "{}", p.text().await);

    // 王强 hands his work to 李娜 for today, from his 待办's 我的代理 link.
    p.sign_in("zhuguan").await;
    p.click(Locator::Css("a[href='/delegations']")).await;
    p.type_into(Locator::Css("input[name=delegate]"), "lina")
        .await;
    p.type_into(Locator::Css("input[name=reason]"), "出差")
        .await;
    p.click(Locator::Css("form[action='/delegations'] button"))
        .await;
    let list = p.text_of("#delegation-list").await;
    assert!(list.contains("李娜") && list.contains("生效中"), "{list}");

    // 李娜: 张伟's rating in her 待办, marked as 王强's; she rates and hands in.
    p.sign_in("lina").await;
    let inbox = p.text_of("#kind-rate").await;
    assert!(
        inbox.contains("张伟") && inbox.contains("代 王强"),
        "{inbox}"
    );
    p.open_task("rate", "张伟").await;
    let sheet_path = p.path().await;
    assert_eq!(p.state().await, "评分");
    let note = p.text_of("#on-behalf").await;
    assert!(note.contains("代 王强"), "{note}");
    for (input, values) in RATER {
        p.type_into(Locator::Id(&format!("v-{input}")), values[0])
            .await;
    }
    p.click(Locator::Css("#entry button[value=submit]")).await;
    assert_eq!(p.state().await, "复核", "handed in to review");
    let sig = p.text_of(".signatures").await;
    assert!(sig.contains("李娜 代 王强"), "the signature line: {sig}");

    // HR's sheet says the same.
    p.sign_in("hr").await;
    p.open(&sheet_path).await;
    assert!(
        p.text_of(".signatures").await.contains("李娜 代 王强"),
        "{}",
        p.text_of(".signatures").await
    );
    assert!(
        sheet_path.starts_with("/appraisals/"),
        "{sheet_path} of {cycle}"
    );
    // The audit log names both, in HR's viewer and on the command line.
    p.open("/hr/audit?actor=lina").await;
    let log = p.text().await;
    assert!(log.contains("lina 代 zhuguan"), "{log}");
    let (ok, out, err) = kaohe_cli(&demo.db, &["audit", "show", "--actor", "lina"], &[]);
    assert!(ok, "{err}");
    assert!(
        out.contains("lina 代 zhuguan  appraisal.ratings_complete"),
        "{out}"
    );

    // 王强 revokes; 李娜 no longer opens 张伟's sheet.
    p.sign_in("zhuguan").await;
    p.open("/delegations").await;
    p.click(Locator::Css("form[action$='/revoke'] button"))
        .await;
    assert!(
        p.text_of("#delegation-list").await.contains("已撤销"),
        "{}",
        p.text_of("#delegation-list").await
    );
    p.sign_in("lina").await;
    p.open(&sheet_path).await;
    let refused = p.text().await;
    assert!(refused.contains("页面不存在"), "{refused}");
    c.close().await.unwrap();
}
