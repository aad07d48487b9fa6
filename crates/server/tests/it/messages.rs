//! Messages in people's words (issue 14): every page and API error a person can meet, in
//! zh-CN and in English, read as a person reads it. A message names items and inputs by
//! their sheet names in the page's language only: no internal id of any bundled template
//! (input, item, section, metric, parameter, event, rater and pay line ids) in text meant
//! for people, no English sentence on a Chinese page or in `message`, no Chinese in an
//! English error or in `message_en` except proper names (people, departments, positions,
//! and sheet names that have no English name). Ids belong in the API's machine fields
//! (`field`) only. The audit viewer names the employee, form and period; the pay
//! explanation uses the sheet's words.

use crate::common;
use crate::web::{F01_CASE, Stop, f01_month, org_and_people};

use common::{
    App, client, csrf_of, login, page, post_form, post_multipart, send, spawn_app, version_of,
    web_login,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Lang {
    Zh,
    En,
}

impl Lang {
    fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

fn templates_dir() -> String {
    format!("{}/../../templates", env!("CARGO_MANIFEST_DIR"))
}

/// Every bundled template, compiled, with its source.
fn bundled() -> Vec<(String, kaohe_core::Template)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(templates_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for p in files {
        let src = std::fs::read_to_string(&p).unwrap();
        let t = kaohe_core::compile_str(&src).unwrap_or_else(|e| panic!("{}: {e:?}", p.display()));
        out.push((src, t));
    }
    assert_eq!(out.len(), 18, "the 18 bundled forms");
    out
}

/// What the checks look for and what they let pass.
struct Words {
    /// Ids of the bundled templates (length ≥ 3), looked for on Chinese pages and in `message`.
    ids_zh: BTreeSet<String>,
    /// The same without ordinary English words that the English texts legitimately use
    /// (`sales`, `bonus`, `attendance` …: the words of the templates' English names and of
    /// the English catalogues).
    ids_en: BTreeSet<String>,
    /// Proper names an English text may quote in Chinese: people, departments, positions,
    /// and sheet names that have no English name.
    proper: Vec<String>,
}

fn words_of(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
}

fn words() -> Words {
    let mut ids = BTreeSet::new();
    let mut ordinary: BTreeSet<String> = BTreeSet::new();
    let mut proper: Vec<String> = vec![
        "王强",
        "张伟",
        "李娜",
        "赵芳",
        "市场部",
        "行政部",
        "大客户经理",
        "市场部经理",
        "行政专员",
        // What the tests type, quoted back to the one who typed it.
        "不存在的参数",
        "不存在的输入",
        "不存在",
        "销售目标",
        "奇怪",
        "四十",
        "无名",
        "很多",
        "坏周期",
        "不同意",
        "前台",
        "不存在的岗位",
        "重评",
        "维持",
        "重来",
        // The cycles' names, as HR named them (and a copy renamed them).
        "2027年1月 行政专员考核",
        "2026年11月 大客户经理考核",
        "2026年12月 大客户经理考核",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let mut named = |zh: &str, en: &Option<String>, ordinary: &mut BTreeSet<String>| match en {
        Some(e) => ordinary.extend(words_of(e)),
        None => proper.push(zh.to_string()),
    };
    for (_, t) in bundled() {
        named(&t.form.title, &t.form.title_en, &mut ordinary);
        for i in &t.inputs {
            // Inputs made from an item (`other.reason`, `rate@self`) are named by its parts.
            for part in i.id.split(['.', '@']) {
                ids.insert(part.to_string());
            }
            named(&i.name, &i.name_en, &mut ordinary);
        }
        for p in &t.params {
            ids.insert(p.id.clone());
            named(&p.name, &p.name_en, &mut ordinary);
        }
        for m in &t.metrics {
            ids.insert(m.id.clone());
            named(&m.name, &m.name_en, &mut ordinary);
        }
        for r in &t.raters {
            ids.insert(r.id.clone());
            named(&r.name, &r.name_en, &mut ordinary);
        }
        for s in &t.sections {
            ids.insert(s.id.clone());
            named(&s.name, &s.name_en, &mut ordinary);
        }
        for it in &t.items {
            ids.insert(it.id.clone());
            named(&it.name, &it.name_en, &mut ordinary);
            for e in &it.events {
                ids.insert(e.id.clone());
                named(&e.name, &e.name_en, &mut ordinary);
            }
        }
        for p in &t.pay {
            ids.insert(p.id.clone());
            named(&p.name, &p.name_en, &mut ordinary);
        }
    }
    for ftl in [
        "web/i18n/en.ftl",
        "../core/i18n/en.ftl",
        "web/i18n/zh-CN.ftl",
    ] {
        let src = std::fs::read_to_string(format!("{}/{ftl}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        for line in src.lines() {
            if let Some((_, v)) = line.split_once(" = ") {
                ordinary.extend(words_of(v));
            }
        }
    }
    let ids_zh: BTreeSet<String> = ids.into_iter().filter(|i| i.len() >= 3).collect();
    let ids_en = ids_zh
        .iter()
        .filter(|i| !ordinary.contains(&i.to_ascii_lowercase()))
        .cloned()
        .collect();
    proper.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
    proper.dedup();
    Words {
        ids_zh,
        ids_en,
        proper,
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{3000}'..='\u{303f}' | '\u{ff01}'..='\u{ff5e}')
}

/// Ids of `ids` found in `text` as whole words.
fn ids_in(text: &str, ids: &BTreeSet<String>) -> Vec<String> {
    let mut found = BTreeSet::new();
    for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if ids.contains(w) {
            found.insert(w.to_string());
        }
    }
    found.into_iter().collect()
}

/// A run of three or more English words (an English sentence on a Chinese page); a
/// command line people type (`kaohe org import`) is not one.
fn english_sentence(text: &str) -> Option<String> {
    let text = text.replace("kaohe ", "");
    let text = text.as_str();
    let mut run: Vec<&str> = Vec::new();
    let mut best: Option<String> = None;
    let mut rest = text;
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap();
        if c.is_ascii_alphabetic() {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphabetic() || c == '\''))
                .unwrap_or(rest.len());
            run.push(&rest[..end]);
            rest = &rest[end..];
        } else if matches!(
            c,
            ' ' | ',' | ':' | ';' | '(' | ')' | '\'' | '"' | '-' | '.'
        ) {
            rest = &rest[c.len_utf8()..];
        } else {
            if run.len() >= 3 && best.is_none() {
                best = Some(run.join(" "));
            }
            run.clear();
            rest = &rest[c.len_utf8()..];
        }
    }
    if run.len() >= 3 && best.is_none() {
        best = Some(run.join(" "));
    }
    best
}

/// Chinese left in an English text once the proper names are taken out.
fn chinese_in(text: &str, proper: &[String]) -> Option<String> {
    let mut t = text.to_string();
    for p in proper {
        t = t.replace(p.as_str(), " ");
    }
    t.chars().any(is_cjk).then_some(t)
}

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// `html` without the elements named (and what they hold).
fn without(html: &str, tags: &[&str]) -> String {
    let mut s = html.to_string();
    for tag in tags {
        let open = format!("<{tag}");
        let close = format!("</{tag}>");
        while let Some(a) = s.find(&open) {
            let after = s[a + open.len()..].chars().next();
            if !matches!(after, Some('>' | ' ')) {
                // `<select` is not `<sel`: only the tag itself.
                let next = s[a + 1..].find(&open).map(|x| x + a + 1);
                match next {
                    Some(_) => {
                        s.replace_range(a..a + 1, "\u{1}");
                        continue;
                    }
                    None => break,
                }
            }
            let end = s[a..].find(&close).map_or(s.len(), |e| a + e + close.len());
            s.replace_range(a..end, " ");
        }
    }
    s.replace('\u{1}', "<")
}

/// Tags dropped (attribute values with them), entities decoded.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    decode(&out)
}

/// The text people read on a page: the `<main>` element without scripts, styles, code,
/// source listings and the boxes that give back what was typed.
fn main_text(html: &str) -> String {
    let main = match (html.find("<main"), html.find("</main>")) {
        (Some(a), Some(b)) => &html[a..b],
        _ => html,
    };
    text_of(&without(
        main,
        &["script", "style", "code", "pre", "textarea", "kbd"],
    ))
}

/// The texts of the elements that say what went wrong (`error`, `field-error`, `violation`,
/// `diag-error`, `problems`, `flash` classes).
fn error_texts(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = html[at..].find("class=\"") {
        let start = at + i;
        let cls_end = start + 7 + html[start + 7..].find('"').unwrap();
        let classes = &html[start + 7..cls_end];
        at = cls_end;
        let wanted = classes.split_whitespace().any(|c| {
            matches!(
                c,
                "error" | "field-error" | "violation" | "diag-error" | "problems" | "flash"
            )
        });
        if !wanted {
            continue;
        }
        let tag_start = html[..start].rfind('<').unwrap();
        let tag: String = html[tag_start + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let close = format!("</{tag}>");
        let body_start = cls_end + html[cls_end..].find('>').unwrap() + 1;
        let end = html[body_start..]
            .find(&close)
            .map_or(html.len(), |e| body_start + e);
        out.push(text_of(&without(
            &html[body_start..end],
            &["code", "pre", "textarea"],
        )));
    }
    out
}

/// What the walk found, all of it, so one run names every message to fix.
struct Findings {
    words: Words,
    found: Vec<String>,
    /// Pages and API errors looked at (each must have said something).
    seen: usize,
}

impl Findings {
    fn new() -> Findings {
        Findings {
            words: words(),
            found: Vec::new(),
            seen: 0,
        }
    }

    /// A page in `lang`: its errors (at least one when `errors` is set) and its main text.
    fn page(&mut self, what: &str, lang: Lang, html: &str, expect_error: bool) {
        self.seen += 1;
        let errs = error_texts(html);
        if expect_error && errs.iter().all(|e| e.trim().is_empty()) {
            self.found.push(format!(
                "[{}] {what}: no error shown\n{}",
                lang.tag(),
                main_text(html)
            ));
        }
        let main = main_text(html);
        let (ids, label) = match lang {
            Lang::Zh => (&self.words.ids_zh, "zh"),
            Lang::En => (&self.words.ids_en, "en"),
        };
        for e in &errs {
            let bad = ids_in(e, ids);
            if !bad.is_empty() {
                self.found
                    .push(format!("[{label}] {what}: ids {bad:?} in the error «{e}»"));
            }
        }
        let bad = ids_in(&main, ids);
        if !bad.is_empty() {
            self.found.push(format!(
                "[{label}] {what}: ids {bad:?} on the page: «{}»",
                excerpt(&main, &bad[0])
            ));
        }
        match lang {
            Lang::Zh => {
                if let Some(s) = english_sentence(&main) {
                    self.found.push(format!(
                        "[zh] {what}: English on the Chinese page: «{s}» in «{}»",
                        excerpt(&main, &s)
                    ));
                }
            }
            Lang::En => {
                for e in &errs {
                    if let Some(rest) = chinese_in(e, &self.words.proper) {
                        self.found.push(format!(
                            "[en] {what}: Chinese in the error «{}» (left: «{}»)",
                            e.trim(),
                            rest.trim()
                        ));
                    }
                }
            }
        }
    }

    /// A whole page in English whose every word is the page's (an error page: 403, 404).
    fn english_page(&mut self, what: &str, html: &str) {
        self.page(what, Lang::En, html, false);
        let main = main_text(html);
        if let Some(rest) = chinese_in(&main, &self.words.proper) {
            self.found.push(format!(
                "[en] {what}: Chinese on the page «{}»",
                rest.trim()
            ));
        }
    }

    /// An API error body: `message` in Chinese without ids, `message_en` in English without
    /// ids or Chinese (proper names aside); ids only in `field`.
    fn api(&mut self, what: &str, body: &Value) {
        self.seen += 1;
        let e = &body["error"];
        let (Some(zh), Some(en)) = (e["message"].as_str(), e["message_en"].as_str()) else {
            self.found
                .push(format!("[api] {what}: not an error body: {body}"));
            return;
        };
        let mut texts = vec![(zh.to_string(), en.to_string())];
        for f in e["fields"].as_array().into_iter().flatten() {
            let fz = f["message"].as_str().unwrap_or_default().to_string();
            // A field without `message_en` shows `message` to English readers too.
            let fe = f["message_en"].as_str().map_or(fz.clone(), str::to_string);
            texts.push((fz, fe));
        }
        for (zh, en) in texts {
            let bad = ids_in(&zh, &self.words.ids_zh);
            if !bad.is_empty() {
                self.found
                    .push(format!("[api] {what}: ids {bad:?} in message «{zh}»"));
            }
            if let Some(s) = english_sentence(&zh) {
                self.found
                    .push(format!("[api] {what}: English «{s}» in message «{zh}»"));
            }
            let bad = ids_in(&en, &self.words.ids_en);
            if !bad.is_empty() {
                self.found
                    .push(format!("[api] {what}: ids {bad:?} in message_en «{en}»"));
            }
            if let Some(rest) = chinese_in(&en, &self.words.proper) {
                self.found.push(format!(
                    "[api] {what}: Chinese in message_en «{en}» (left: «{}»)",
                    rest.trim()
                ));
            }
        }
    }

    fn finish(self, at_least: usize) {
        assert!(
            self.found.is_empty(),
            "{} messages not in people's words:\n{}",
            self.found.len(),
            self.found.join("\n")
        );
        assert_eq!(self.seen, at_least, "messages looked at");
    }
}

fn excerpt(text: &str, around: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.find(around) {
        Some(i) => {
            let a = flat[..i].char_indices().rev().nth(40).map_or(0, |(j, _)| j);
            let b = flat[i..]
                .char_indices()
                .nth(60 + around.chars().count())
                .map_or(flat.len(), |(j, _)| i + j);
            flat[a..b].to_string()
        }
        None => flat.chars().take(120).collect(),
    }
}

/// A client that reads the pages in `lang` (the language is remembered in a cookie).
async fn in_lang(c: reqwest::Client, app: &App, lang: Lang) -> reqwest::Client {
    let r = c
        .get(format!("{}/login?lang={}", app.base, lang.tag()))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    c
}

async fn web_user(app: &App, name: &str, lang: Lang) -> reqwest::Client {
    in_lang(web_login(app, name).await, app, lang).await
}

/// The checks themselves must catch what the issue saw.
#[test]
fn the_checks_catch_the_reported_messages() {
    let w = words();
    for id in [
        "award",
        "leave_late_early",
        "monthly_bonus",
        "authorised_work",
        "other",
    ] {
        assert!(w.ids_zh.contains(id), "{id} is looked for");
    }
    assert!(w.ids_en.contains("leave_late_early"));
    assert!(!w.ids_en.contains("sales"), "an English word");
    assert_eq!(
        ids_in("other.reason: 项目「其它」加扣 5 分必须填写理由", &w.ids_zh),
        vec!["other".to_string(), "reason".to_string()]
            .into_iter()
            .filter(|i| w.ids_zh.contains(i))
            .collect::<Vec<_>>()
    );
    assert!(!ids_in("[leave_late_early] 未能完成", &w.ids_zh).is_empty());
    assert!(english_sentence("未能完成 / 1 problem(s) to fix").is_some());
    assert!(english_sentence("张伟 · F01 · 2026-12 PDF").is_none());
    assert!(
        chinese_in(
            "appraisal `2` does not exist / 考核表 / appraisal `2` 不存在",
            &w.proper
        )
        .is_some()
    );
    assert!(chinese_in("“张伟” did not sign", &w.proper).is_none());
    assert_eq!(
        error_texts(r#"<p class="error field-error">a <b>b</b></p><p class="note">x</p>"#),
        vec!["a  b ".to_string()]
    );
    assert!(!main_text("<main><pre>sales_target</pre><p>x</p></main>").contains("sales"));
}

/// The F01 cycle's id and the id of 行政部 and 市场部.
async fn cycle_and_depts(app: &App, hr: &reqwest::Client, appraisal: i64) -> (i64, i64, i64) {
    let (_, a) = send(hr.get(format!("{}/api/appraisals/{appraisal}", app.base))).await;
    let cycle = a["cycle_id"].as_i64().unwrap();
    let depts = app.store_departments().await;
    (cycle, depts["XZ"], depts["SC"])
}

trait Depts {
    async fn store_departments(&self) -> BTreeMap<String, i64>;
}

impl Depts for App {
    async fn store_departments(&self) -> BTreeMap<String, i64> {
        use kaohe_store::Store;
        self.store
            .departments()
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.code, d.id))
            .collect()
    }
}

/// Sign-in, not found and forbidden, the data grid, the import, the cycle form, grade
/// bands, users, the organisation and templates: every error in both languages.
#[tokio::test]
async fn hr_and_clerk_errors_in_peoples_words() {
    let app = spawn_app(false).await;
    let (mine, _) = f01_month(&app, Stop::Data).await;
    let b = app.base.clone();
    let hr_api = login(&app, "hr").await;
    let (cycle, xz, _sc) = cycle_and_depts(&app, &hr_api, mine).await;
    let mut f = Findings::new();

    for lang in [Lang::Zh, Lang::En] {
        let l = lang.tag();
        // Sign-in failures.
        let anon = in_lang(client(), &app, lang).await;
        let (_, html) = page(&anon, &format!("{b}/login")).await;
        let (s, _, html) = post_form(
            &anon,
            &format!("{b}/login"),
            &[
                ("csrf", &csrf_of(&html)),
                ("username", "hr"),
                ("password", "wrong"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        f.page("sign-in, wrong password", lang, &html, true);

        // Not found and forbidden.
        let clerk = web_user(&app, "clerk_xz", lang).await;
        let hr = web_user(&app, "hr", lang).await;
        for (who, c, path, want) in [
            ("hr", &hr, "/appraisals/999999".to_string(), 404),
            ("hr", &hr, "/hr/cycles/999999".to_string(), 404),
            ("hr", &hr, "/hr/templates/NOPE".to_string(), 404),
            ("hr", &hr, "/hr/employees/NOPE".to_string(), 404),
            ("hr", &hr, "/nowhere".to_string(), 404),
            ("clerk", &clerk, "/hr/cycles".to_string(), 403),
            ("clerk", &clerk, "/hr/audit".to_string(), 403),
            (
                "clerk",
                &clerk,
                format!("/cycles/{cycle}/departments/999999"),
                404,
            ),
        ] {
            let (s, html) = page(c, &format!("{b}{path}")).await;
            assert_eq!(s.as_u16(), want, "{who} {path}: {html}");
            if lang == Lang::En {
                f.english_page(&format!("{who} {path} ({want})"), &html);
            } else {
                f.page(&format!("{who} {path} ({want})"), lang, &html, false);
            }
        }

        // The data grid with bad cells: a word, an impossible count.
        let url = format!("{b}/cycles/{cycle}/departments/{xz}");
        let (_, html) = page(&clerk, &url).await;
        let mut form: Vec<(String, String)> = vec![
            ("csrf".into(), csrf_of(&html)),
            ("action".into(), "save".into()),
        ];
        for prefix in ["emp.", "ver."] {
            form.extend(crate::web::named_values(&html, prefix));
        }
        for (k, _) in crate::web::named_values(&html, "c.") {
            let v = match (k.starts_with("c.0."), k.ends_with(".leave_days")) {
                (true, true) => "四十",
                (false, true) => "40",
                _ => "1",
            };
            form.push((k, v.into()));
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (s, _, html) = post_form(&clerk, &url, &pairs).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        f.page("grid, bad cells", lang, &html, true);

        // The import page: a file that is no workbook, an unknown header with a 合计 row,
        // 工号 and 姓名 that do not match, an unknown 工号.
        let import = format!("{b}/hr/cycles/{cycle}/import");
        let (_, html) = page(&hr, &import).await;
        let token = csrf_of(&html);
        let (_, _, html) = post_multipart(
            &hr,
            &import,
            &[("csrf", &token)],
            Some(("file", "data.xlsx", b"PK\x03\x04 not a workbook")),
        )
        .await;
        f.page("import, not a workbook", lang, &html, true);
        let csv = "工号,姓名,当月请假天数,神秘列\nA001,李娜,1,x\nZ999,无名,2,y\n合计,,3,\nA002,李娜,abc,z\n";
        let (_, _, html) = post_multipart(
            &hr,
            &import,
            &[("csrf", &token)],
            Some(("file", "data.csv", csv.as_bytes())),
        )
        .await;
        f.page("import, problems in the preview", lang, &html, true);
        // The cycle form: a bad period, an unknown name in the targets, a bad parameter.
        let (_, html) = page(&hr, &format!("{b}/hr/cycles")).await;
        let token = csrf_of(&html);
        let (s, _, html) = post_form(
            &hr,
            &format!("{b}/hr/cycles"),
            &[
                ("csrf", &token),
                ("name", "坏周期"),
                ("form_id", "F01"),
                ("period", "2026-13"),
                ("members", "employees"),
                ("employees", "A001"),
                ("data_due", "2026-02-30"),
                ("params", "不存在的参数=1"),
                ("targets", "大客户经理: 销售目标=abc, 不存在的输入=3"),
            ],
        )
        .await;
        assert!(s.is_client_error(), "{s}: {html}");
        f.page("cycle form, bad fields", lang, &html, true);
        let (s, _, html) = post_form(
            &hr,
            &format!("{b}/hr/cycles"),
            &[
                ("csrf", &token),
                ("name", "坏周期"),
                ("form_id", "F01"),
                ("period", "2026-12"),
                ("members", "employees"),
                ("employees", "A001"),
                ("targets", "大客户经理: monthly_bonus=abc"),
            ],
        )
        .await;
        assert!(s.is_client_error(), "{s}: {html}");
        f.page("cycle form, a bad value by id", lang, &html, true);

        // Grade bands that leave totals without a grade.
        let (_, html) = page(&hr, &format!("{b}/hr/cycles/{cycle}/results")).await;
        let (s, _, html) = post_form(
            &hr,
            &format!("{b}/hr/cycles/{cycle}/grades"),
            &[
                ("csrf", &csrf_of(&html)),
                ("grades", "A ≥ 90\nB ≥ abc\nC ≥ 95"),
            ],
        )
        .await;
        assert!(s.is_client_error(), "{s}: {html}");
        f.page("grade bands", lang, &html, true);

        // Users: an account for an unknown 工号, a role that does not exist.
        let (_, html) = page(&hr, &format!("{b}/hr/users")).await;
        let token = csrf_of(&html);
        let (s, _, html) = post_form(
            &hr,
            &format!("{b}/hr/users/create"),
            &[("csrf", &token), ("emp_no", "Z999"), ("roles", "employee")],
        )
        .await;
        assert!(s.is_client_error(), "{s}: {html}");
        f.page("users, unknown 工号", lang, &html, true);
        let (s, _, html) = post_form(
            &hr,
            &format!("{b}/hr/users/a001/grants"),
            &[("csrf", &token), ("action", "add"), ("role", "king")],
        )
        .await;
        assert!(s.is_client_error(), "{s}: {html}");
        f.page("users, unknown role", lang, &html, true);

        // The organisation import with bad rows.
        let bad_org = "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号\nA009,,SC,市场部,业务,大客户经理,NOBODY\nA001,张伟,SC,市场部,奇怪,大客户经理,\n";
        let (_, html) = page(&hr, &format!("{b}/hr/org")).await;
        let (s, _, html) = post_multipart(
            &hr,
            &format!("{b}/hr/org/import"),
            &[("csrf", &csrf_of(&html)), ("csv", bad_org)],
            None,
        )
        .await;
        assert!(s.is_client_error(), "{s}: {html}");
        f.page("organisation import", lang, &html, true);

        // A template with errors.
        let src = std::fs::read_to_string(format!("{}/F01.toml", templates_dir()))
            .unwrap()
            .replace(
                "max(total, 0) / 100 × monthly_bonus",
                "total × no_such_base",
            );
        let (_, html) = page(&hr, &format!("{b}/hr/templates")).await;
        let (s, _, html) = post_multipart(
            &hr,
            &format!("{b}/hr/templates"),
            &[("csrf", &csrf_of(&html)), ("source", &src)],
            None,
        )
        .await;
        assert!(s.is_client_error(), "{s}: {html}");
        f.page("template upload", lang, &html, true);
        let _ = l;
    }

    // The API: the same kinds of errors, each with both messages.
    let anon = client();
    let (s, body) = send(
        anon.post(format!("{b}/api/login"))
            .json(&json!({"username": "hr", "password": "wrong"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    f.api("login", &body);
    let (_, body) = send(anon.get(format!("{b}/api/appraisals/{mine}"))).await;
    f.api("not signed in", &body);
    let (s, body) = send(hr_api.get(format!("{b}/api/appraisals/999999"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    f.api("appraisal not found", &body);
    let (s, body) = send(hr_api.get(format!("{b}/api/cycles/999999"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    f.api("cycle not found", &body);
    let clerk = login(&app, "clerk_xz").await;
    let (s, body) = send(clerk.get(format!("{b}/api/audit"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    f.api("forbidden", &body);
    let (s, body) = send(
        clerk
            .put(format!("{b}/api/cycles/{cycle}/departments/{xz}/data"))
            .json(&json!({"rows": [
                {"emp_no": "A001", "values": {"leave_days": "四十", "leave_late_early": "-1"}},
                {"emp_no": "Z999", "values": {"leave_days": "1"}},
            ]})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    f.api("grid", &body);
    let (s, body) = send(
        clerk
            .put(format!("{b}/api/cycles/{cycle}/departments/{xz}/data"))
            .json(&json!({"rows": [{"emp_no": "A001", "values": {"sales_actual": "1"}}]})),
    )
    .await;
    assert!(s.is_client_error(), "{body}");
    f.api("grid, another department's input", &body);
    let (s, body) = send(hr_api.post(format!("{b}/api/cycles")).json(&json!({
        "name": "坏周期", "form_id": "F01", "period": "2026-13",
        "members": {"employees": ["A001"]}, "data_due": "2026-02-30",
        "params": {"nothing_like_it": "1"},
        "targets": [{"position": "大客户经理", "values": {"monthly_bonus": "abc", "不存在": "1"}}],
    })))
    .await;
    assert!(s.is_client_error(), "{body}");
    f.api("cycle", &body);
    let (s, body) = send(
        hr_api
            .put(format!("{b}/api/cycles/{cycle}/grades"))
            .json(&json!({"text": "A ≥ 90\nB ≥ abc\nC ≥ 95"})),
    )
    .await;
    assert!(s.is_client_error(), "{body}");
    f.api("grades", &body);
    let (s, body) = send(
        hr_api
            .post(format!("{b}/api/org/import"))
            .body("工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号\nA009,,SC,市场部,业务,大客户经理,NOBODY\n"),
    )
    .await;
    assert!(s.is_client_error(), "{body}");
    f.api("org import", &body);
    let src = std::fs::read_to_string(format!("{}/F01.toml", templates_dir()))
        .unwrap()
        .replace(
            "max(total, 0) / 100 × monthly_bonus",
            "total × no_such_base",
        );
    let (s, body) = send(hr_api.post(format!("{b}/api/templates")).body(src)).await;
    assert!(s.is_client_error(), "{body}");
    f.api("template", &body);
    let csv =
        "工号,姓名,当月请假天数,神秘列\nA001,李娜,1,x\nZ999,无名,2,y\n合计,,3,\nA002,李娜,abc,z\n";
    let (s, body) = send(
        hr_api
            .post(format!("{b}/api/cycles/{cycle}/import?dry_run=true"))
            .body(csv),
    )
    .await;
    if s.is_client_error() {
        f.api("import", &body);
    } else {
        let rows = body.to_string();
        assert!(rows.contains("Z999"), "{body}");
    }
    let (s, body) = send(
        hr_api
            .post(format!("{b}/api/cycles/{cycle}/import"))
            .body(&b"PK\x03\x04 not a workbook"[..]),
    )
    .await;
    assert!(s.is_client_error(), "{body}");
    f.api("import, not a workbook", &body);

    f.finish(2 * 19 + 13);
}

/// The rater's form, the employee's sign and appeal, a stale version: in both languages,
/// on the page and over the API.
#[tokio::test]
async fn rater_and_employee_errors_in_peoples_words() {
    let app = spawn_app(false).await;
    let (mine, theirs) = f01_month(&app, Stop::Rating).await;
    let b = app.base.clone();
    let mut f = Findings::new();
    let case: BTreeMap<&str, &str> = F01_CASE.into_iter().collect();

    for lang in [Lang::Zh, Lang::En] {
        let sup = web_user(&app, "wangqiang", lang).await;
        let url = format!("{b}/appraisals/{mine}");
        let (_, sheet) = page(&sup, &url).await;
        let fields = crate::web::entry_fields(&sheet);
        assert!(fields.iter().any(|f| f == "other"), "{fields:?}");
        let token = csrf_of(&sheet);
        let v = version_of(&sheet);
        for (what, bad) in [
            ("a word for a number", ("authorised_work", "很多")),
            ("out of range", ("authorised_work", "99")),
            ("其它 without a reason", ("other", "5")),
        ] {
            for action in ["save", "submit"] {
                if what.starts_with("其它") && action == "save" {
                    // A draft may lack the reason; handing it in may not.
                    continue;
                }
                let mut form: Vec<(String, String)> = vec![
                    ("csrf".into(), token.clone()),
                    ("version".into(), v.clone()),
                    ("action".into(), action.into()),
                ];
                for k in &fields {
                    let val = if *k == bad.0 {
                        bad.1.to_string()
                    } else if k.ends_with(".reason") {
                        String::new()
                    } else {
                        case.get(k.as_str()).unwrap_or(&"0").to_string()
                    };
                    form.push((format!("v.{k}"), val));
                }
                let pairs: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let (s, _, html) = post_form(&sup, &format!("{url}/actions"), &pairs).await;
                assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {html}");
                f.page(
                    &format!("rating form ({action}), {what}"),
                    lang,
                    &html,
                    true,
                );
            }
        }
        // A stale version.
        let (s, _, html) = post_form(
            &sup,
            &format!("{url}/actions"),
            &[
                ("csrf", &token),
                ("version", "0"),
                ("action", "save"),
                ("v.authorised_work", "18"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{html}");
        f.page("rating form, stale version", lang, &html, true);
        // Submitting what is not the rater's to submit: the employee's sheet.
        let me = web_user(&app, "a001", lang).await;
        let (s, html) = page(&me, &format!("{b}/appraisals/{theirs}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        if lang == Lang::En {
            f.english_page("another's sheet", &html);
        }
    }

    // The same over the API.
    let sup = login(&app, "wangqiang").await;
    let (_, a) = send(sup.get(format!("{b}/api/appraisals/{mine}"))).await;
    let version = a["version"].clone();
    for (what, values) in [
        ("a word", json!({"authorised_work": "很多"})),
        ("out of range", json!({"authorised_work": "99"})),
        ("not the rater's input", json!({"leave_days": "1"})),
        ("no such input", json!({"nothing_like_it": "1"})),
    ] {
        let (s, body) = send(
            sup.put(format!("{b}/api/appraisals/{mine}/values"))
                .json(&json!({"version": version, "values": values})),
        )
        .await;
        assert!(s.is_client_error(), "{what}: {body}");
        f.api(&format!("values, {what}"), &body);
    }
    let (s, body) = send(
        sup.put(format!("{b}/api/appraisals/{mine}/values"))
            .json(&json!({"version": 0, "values": {"authorised_work": "18"}})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    f.api("values, stale", &body);
    for action in ["review_pass", "approve", "sign", "appeal"] {
        let (s, body) = send(
            sup.post(format!("{b}/api/appraisals/{mine}/actions"))
                .json(&json!({"version": version, "action": action})),
        )
        .await;
        assert!(s.is_client_error(), "{action}: {body}");
        f.api(&format!("action {action} out of turn"), &body);
    }

    f.finish(2 * 6 + 1 + 9);
}

/// The employee signs with another name and appeals without a reason, on the page and over
/// the API, in both languages; the audit viewer names the employee, form and period; the
/// bonus explanation is in the sheet's words.
#[tokio::test]
async fn published_sheet_errors_audit_and_explanations_in_peoples_words() {
    let app = spawn_app(false).await;
    let (mine, _) = f01_month(&app, Stop::Published).await;
    let b = app.base.clone();
    let mut f = Findings::new();

    for lang in [Lang::Zh, Lang::En] {
        let me = web_user(&app, "a001", lang).await;
        let url = format!("{b}/appraisals/{mine}");
        let (_, sheet) = page(&me, &url).await;
        f.page("the published sheet", lang, &sheet, false);
        let token = csrf_of(&sheet);
        let v = version_of(&sheet);
        for (what, form) in [
            (
                "sign with another name",
                vec![("action", "sign"), ("name", "李娜")],
            ),
            (
                "sign without a name",
                vec![("action", "sign"), ("name", "")],
            ),
            (
                "appeal without a reason",
                vec![("action", "appeal"), ("items", "sales")],
            ),
            (
                "appeal without items",
                vec![("action", "appeal"), ("reason", "不同意")],
            ),
        ] {
            let mut pairs = vec![("csrf", token.as_str()), ("version", v.as_str())];
            pairs.extend(form);
            let (s, _, html) = post_form(&me, &format!("{url}/actions"), &pairs).await;
            assert!(s.is_client_error(), "{what}: {s} {html}");
            f.page(what, lang, &html, true);
        }
        let (s, _, html) = post_form(
            &me,
            &format!("{url}/actions"),
            &[
                ("csrf", &token),
                ("version", "0"),
                ("action", "sign"),
                ("name", "张伟"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "{html}");
        f.page("sign, stale version", lang, &html, true);

        // The explanation of the bonus, in the sheet's words.
        let want = match lang {
            Lang::Zh => "当月绩效奖金 = max(考核分数, 0) ÷ 100 × 月度绩效奖金",
            Lang::En => {
                "Bonus this month = max(the score, 0) ÷ 100 × Monthly performance bonus base"
            }
        };
        let text = main_text(&sheet);
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(want) || flat.contains(&want.replace(" ÷ ", " / ")),
            "[{}] the bonus in the sheet's words: {flat}",
            lang.tag()
        );
        assert!(!flat.contains("monthly_bonus"), "{flat}");

        // The audit viewer names the employee, the form and the period.
        let hr = web_user(&app, "hr", lang).await;
        let (_, html) = page(&hr, &format!("{b}/hr/audit?entity=appraisal")).await;
        let text = main_text(&html);
        assert!(
            text.contains("张伟 (A001) · F01 · 2026-11"),
            "the audit viewer names whose sheet: {text}"
        );
        assert!(!text.contains("appraisal 1"), "{text}");
        // Steps and values in words: the approval with its total and bonus by the sheet's
        // names, the states by theirs.
        let words = match lang {
            Lang::Zh => ["审批通过", "当月绩效奖金 2700.00", "待确认"],
            Lang::En => [
                "approving",
                "Bonus this month 2700.00",
                "Awaiting signature",
            ],
        };
        for w in words {
            assert!(
                text.contains(w),
                "[{}] the audit viewer says {w}: {text}",
                lang.tag()
            );
        }
        f.page("audit viewer", lang, &html, false);
        let (_, html) = page(&hr, &format!("{b}/hr/audit?from=2026-13-45")).await;
        f.page("audit viewer, a bad date", lang, &html, true);
    }

    // Over the API: the same refusals, and the explanation in both languages.
    let me = login(&app, "a001").await;
    let (_, a) = send(me.get(format!("{b}/api/appraisals/{mine}"))).await;
    for (what, body) in [
        (
            "sign with another name",
            json!({"action": "sign", "name": "李娜"}),
        ),
        (
            "appeal without a reason",
            json!({"action": "appeal", "items": ["sales"]}),
        ),
        (
            "appeal without items",
            json!({"action": "appeal", "reason": "不同意"}),
        ),
        (
            "appeal naming no item of the form",
            json!({"action": "appeal", "reason": "不同意", "items": ["nothing_like_it"]}),
        ),
        ("review by the employee", json!({"action": "review_pass"})),
    ] {
        let mut body = body;
        body["version"] = a["version"].clone();
        let (s, r) = send(
            me.post(format!("{b}/api/appraisals/{mine}/actions"))
                .json(&body),
        )
        .await;
        assert!(s.is_client_error(), "{what}: {r}");
        f.api(what, &r);
    }
    let (s, ex) = send(me.get(format!("{b}/api/appraisals/{mine}/explain"))).await;
    assert_eq!(s, StatusCode::OK, "{ex}");
    let all = ex.to_string();
    assert!(
        all.contains("当月绩效奖金 = max(考核分数, 0) ÷ 100 × 月度绩效奖金"),
        "{ex}"
    );
    assert!(
        all.contains("Bonus this month = max(the score, 0) ÷ 100 × Monthly performance bonus base"),
        "{ex}"
    );

    f.finish(2 * 8 + 5);
}

/// The first worked example of a form (`templates/examples/<form>.toml`) as the 试算 page's
/// fields: `v.<input>` (one per ticked box) and `p.<param>`.
fn example_values(t: &kaohe_core::Template) -> Vec<(String, String)> {
    let src = std::fs::read_to_string(format!("{}/examples/{}.toml", templates_dir(), t.form.id))
        .unwrap();
    let doc: toml::Value = toml::from_str(&src).unwrap();
    let row = &doc["case"][0]["row"][0];
    let mut out = Vec::new();
    for (k, v) in row.as_table().unwrap() {
        let prefix = if t.params.iter().any(|p| &p.id == k) {
            "p"
        } else if t.input_index(k).is_some() {
            "v"
        } else {
            continue;
        };
        let one = |v: &toml::Value| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match v {
            toml::Value::Array(a) => {
                out.extend(a.iter().map(|x| (format!("{prefix}.{k}"), one(x))));
            }
            v => out.push((format!("{prefix}.{k}"), one(v))),
        }
    }
    out
}

/// Every bundled form with pay lines explains its pay in the sheet's words, in both
/// languages: HR's 试算 page with the form's first worked example shows no template id.
#[tokio::test]
async fn every_forms_pay_is_explained_in_the_sheets_words() {
    let app = spawn_app(false).await;
    let hr_api = org_and_people(&app).await;
    let b = app.base.clone();
    let mut f = Findings::new();
    for (src, t) in bundled() {
        let (s, body) = send(hr_api.post(format!("{b}/api/templates")).body(src.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{}: {body}", t.form.id);
    }
    for lang in [Lang::Zh, Lang::En] {
        let hr = web_user(&app, "hr", lang).await;
        for (_, t) in bundled() {
            if t.pay.is_empty() {
                continue;
            }
            let url = format!("{b}/hr/templates/{}/preview", t.form.id);
            let (s, html) = page(&hr, &url).await;
            assert_eq!(s, StatusCode::OK, "{html}");
            let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf_of(&html))];
            form.extend(example_values(&t));
            let pairs: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (_, _, html) = post_form(&hr, &url, &pairs).await;
            let text = main_text(&html);
            for p in &t.pay {
                let name = match lang {
                    Lang::Zh => p.name.clone(),
                    Lang::En => p.name_en.clone().unwrap_or(p.name.clone()),
                };
                assert!(
                    text.contains(&format!("{name} =")),
                    "[{}] {}: the pay line {name} explained: {text}",
                    lang.tag(),
                    t.form.id
                );
            }
            f.page(&format!("{} 试算", t.form.id), lang, &html, false);
        }
    }
    let with_pay = bundled().iter().filter(|(_, t)| !t.pay.is_empty()).count();
    assert!(with_pay >= 3, "F01 and the other forms with pay lines");
    f.finish(2 * with_pay);
}

// ---- Lists, quotas, HR's appeal decisions, batch pages, accounts and cycles ----

/// F01 by its sheet name in `lang`.
fn f01_title(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "大客户经理岗位绩效考核表",
        Lang::En => "Key Account Manager Monthly Appraisal",
    }
}

/// The ways a page may write the F01 month.
const NOVEMBER: [&str; 3] = ["2026-11", "2026年11月", "November 2026"];

/// The rows of a list: each piece of `html` from `open` (`<tr`, `<section class="card
/// appeal"`) to the next `close`, as text people read; a table's header row is no row.
fn rows_of(html: &str, open: &str, close: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = html[at..].find(open) {
        let start = at + i;
        let end = html[start..]
            .find(close)
            .map_or(html.len(), |e| start + e + close.len());
        let chunk = &html[start..end];
        at = end;
        if chunk.contains("scope=\"col\"") {
            continue;
        }
        let text: String = text_of(chunk)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        out.push(text);
    }
    out
}

/// What `row` fails to name: for each group of words, the first when none is in the row.
fn row_misses(row: &str, wants: &[&[&str]]) -> Vec<String> {
    wants
        .iter()
        .filter(|alts| !alts.iter().any(|w| row.contains(w)))
        .map(|alts| alts[0].to_string())
        .collect()
}

impl Findings {
    /// A list in `lang`: at least one row, every row names what `wants` asks (the
    /// employee, the form by its sheet name, the period) and carries no template id; the
    /// page as [`Findings::page`] reads it.
    fn list(&mut self, what: &str, lang: Lang, html: &str, rows: &[String], wants: &[&[&str]]) {
        self.page(what, lang, html, false);
        if rows.is_empty() {
            self.found.push(format!(
                "[{}] {what}: no rows\n{}",
                lang.tag(),
                main_text(html)
            ));
        }
        let ids = match lang {
            Lang::Zh => &self.words.ids_zh,
            Lang::En => &self.words.ids_en,
        };
        for row in rows {
            let missing = row_misses(row, wants);
            if !missing.is_empty() {
                self.found.push(format!(
                    "[{}] {what}: the row does not name {missing:?}: «{row}»",
                    lang.tag()
                ));
            }
            let bad = ids_in(row, ids);
            if !bad.is_empty() {
                self.found.push(format!(
                    "[{}] {what}: ids {bad:?} in the row «{row}»",
                    lang.tag()
                ));
            }
        }
    }
}

/// The list checks themselves must catch a row that names a form by its id.
#[test]
fn the_list_checks_catch_rows_without_names() {
    let html = r#"<table><thead><tr><th scope="col">周期</th></tr></thead><tbody>
        <tr><td>2026年11月 考核</td><td>张伟</td><td>F01</td></tr>
        <tr><td>2026-11</td><td>李娜</td><td>大客户经理岗位绩效考核表</td></tr>
        </tbody></table>"#;
    let rows = rows_of(html, "<tr", "</tr>");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let wants: [&[&str]; 3] = [&["张伟", "李娜"], &[f01_title(Lang::Zh)], &NOVEMBER];
    assert_eq!(row_misses(&rows[0], &wants), vec![f01_title(Lang::Zh)]);
    assert!(row_misses(&rows[1], &wants).is_empty(), "{}", rows[1]);
    assert_eq!(
        row_misses("张伟 · Key Account Manager Monthly Appraisal", &wants),
        vec!["张伟".to_string(), f01_title(Lang::Zh).to_string()]
            .into_iter()
            .skip(1)
            .chain(["2026-11".to_string()])
            .collect::<Vec<_>>()
    );
    let w = words();
    assert_eq!(
        ids_in("张伟 · leader_sales · 2026-11", &w.ids_zh),
        vec!["leader_sales".to_string()]
            .into_iter()
            .filter(|i| w.ids_zh.contains(i))
            .collect::<Vec<_>>()
    );
    let mut f = Findings::new();
    f.list(
        "a list by ids",
        Lang::Zh,
        &format!("<main>{html}</main>"),
        &rows,
        &wants,
    );
    assert_eq!(f.found.len(), 1, "{:?}", f.found);
    let mut f = Findings::new();
    f.list("an empty list", Lang::Zh, "<main></main>", &[], &wants);
    assert_eq!(f.found.len(), 1, "{:?}", f.found);
}

/// The first table body of `html` (a list's rows).
fn first_tbody(html: &str) -> &str {
    let a = html
        .find("<tbody")
        .unwrap_or_else(|| panic!("a table in {html}"));
    let e = html[a..].find("</tbody>").map_or(html.len(), |e| a + e);
    &html[a..e]
}

/// The text of the page from the first `from` on (a list's own section).
fn from<'a>(html: &'a str, marker: &str) -> &'a str {
    &html[html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"))..]
}

common::both!(
    lists_quotas_and_appeal_decisions_in_peoples_words,
    cycle_refusals_in_peoples_words
);

/// The inbox, HR's appeals, results and employee pages, the ledger: every row names the
/// employee, the form by its sheet name and the period. Quotas and HR's decisions on an
/// appeal refused in people's words, on the page and over the API.
async fn lists_quotas_and_appeal_decisions_in_peoples_words(app: App) {
    let (mine, theirs) = f01_month(&app, Stop::Published).await;
    let b = app.base.clone();
    let hr_api = login(&app, "hr").await;
    let (cycle, _, _) = cycle_and_depts(&app, &hr_api, mine).await;
    let mut f = Findings::new();
    // Grade bands, so that the results page has quotas to set.
    let (s, body) = send(
        hr_api
            .put(format!("{b}/api/cycles/{cycle}/grades"))
            .json(&json!({"text": "A ≥ 90\nB ≥ 80\nC"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // 张伟 appeals the sales item.
    let me = login(&app, "a001").await;
    let (_, a) = send(me.get(format!("{b}/api/appraisals/{mine}"))).await;
    let (s, body) = send(
        me.post(format!("{b}/api/appraisals/{mine}/actions"))
            .json(&json!({"version": a["version"], "action": "appeal", "reason": "不同意", "items": ["sales"]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");

    for lang in [Lang::Zh, Lang::En] {
        let hr = web_user(&app, "hr", lang).await;
        let title = f01_title(lang);
        // The lists.
        let (s, html) = page(&hr, &format!("{b}/hr/appeals")).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let rows = rows_of(&html, "<section class=\"card appeal\"", "</section>");
        f.list(
            "HR's appeals",
            lang,
            &html,
            &rows,
            &[&["张伟"], &[title], &NOVEMBER],
        );
        let (s, html) = page(&hr, &format!("{b}/hr/cycles/{cycle}/results")).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let head = main_text(&html[..html.find("id=\"distribution\"").unwrap()]);
        let missing = row_misses(&head, &[&[title], &NOVEMBER]);
        if !missing.is_empty() {
            f.found.push(format!(
                "[{}] results: the page does not name {missing:?}: «{head}»",
                lang.tag()
            ));
        }
        let rows = rows_of(first_tbody(from(&html, "id=\"table\"")), "<tr", "</tr>");
        f.list("results", lang, &html, &rows, &[&["张伟", "李娜"]]);
        let (s, html) = page(&hr, &format!("{b}/hr/cycles")).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let rows = rows_of(first_tbody(&html), "<tr", "</tr>");
        f.list("HR's cycles", lang, &html, &rows, &[&[title], &NOVEMBER]);
        let (s, html) = page(&hr, &format!("{b}/hr/employees/A001")).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let rows = rows_of(first_tbody(&html), "<tr", "</tr>");
        f.list(
            "HR's page of 张伟",
            lang,
            &html,
            &rows,
            &[&[title], &NOVEMBER],
        );
        let her = web_user(&app, "a002", lang).await;
        let (s, html) = page(&her, &format!("{b}/tasks")).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let rows = rows_of(from(&html, "<tbody"), "<tr", "</tr>");
        f.list(
            "李娜's inbox",
            lang,
            &html,
            &rows,
            &[&["李娜"], &[title], &NOVEMBER],
        );
        let (s, html) = page(&her, &format!("{b}/ledger")).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let rows = rows_of(first_tbody(&html), "<tr", "</tr>");
        f.list("李娜's ledger", lang, &html, &rows, &[&[title], &NOVEMBER]);

        // Quotas: a word, a share above 100, a minimum above the maximum.
        let url = format!("{b}/hr/cycles/{cycle}/results");
        let (_, html) = page(&hr, &url).await;
        let token = csrf_of(&html);
        let (s, _, html) = post_form(
            &hr,
            &format!("{b}/hr/cycles/{cycle}/quotas"),
            &[
                ("csrf", &token),
                ("grade.0", "A"),
                ("max.0", "很多"),
                ("min.0", ""),
                ("grade.1", "B"),
                ("max.1", "10"),
                ("min.1", "50"),
                ("grade.2", "C"),
                ("max.2", "150"),
                ("min.2", ""),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        f.page("quotas, bad shares", lang, &html, true);
        // Quotas the grades break: A at most 10% (张伟 alone is half).
        let (s, _, html) = post_form(
            &hr,
            &format!("{b}/hr/cycles/{cycle}/quotas"),
            &[
                ("csrf", &token),
                ("grade.0", "A"),
                ("max.0", "10"),
                ("min.0", ""),
                ("grade.1", "B"),
                ("max.1", ""),
                ("min.1", "40"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{html}");
        f.page("quotas broken", lang, &html, true);
        let (s, _, html) = post_form(
            &hr,
            &format!("{b}/hr/cycles/999999/quotas"),
            &[("csrf", &token), ("grade.0", "A"), ("max.0", "10")],
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{html}");
        match lang {
            Lang::En => f.english_page("quotas of no cycle", &html),
            Lang::Zh => f.page("quotas of no cycle", lang, &html, false),
        }

        // HR decides the appeal: without a reason, without items, with a stale version,
        // on a sheet that was not appealed, with no decision at all.
        let (_, html) = page(&hr, &format!("{b}/hr/appeals")).await;
        let token = csrf_of(&html);
        let v = version_of(&html);
        let (_, other) = send(hr_api.get(format!("{b}/api/appraisals/{theirs}"))).await;
        let other_v = other["version"].to_string();
        for (what, id, form, want) in [
            (
                "uphold without a reason",
                mine,
                vec![
                    ("action", "uphold"),
                    ("reason", ""),
                    ("version", v.as_str()),
                ],
                422,
            ),
            (
                "reopen without a reason",
                mine,
                vec![
                    ("action", "reopen"),
                    ("reason", ""),
                    ("items", "sales"),
                    ("version", v.as_str()),
                ],
                422,
            ),
            (
                "reopen without items",
                mine,
                vec![
                    ("action", "reopen"),
                    ("reason", "重评"),
                    ("version", v.as_str()),
                ],
                422,
            ),
            (
                "a stale version",
                mine,
                vec![("action", "uphold"), ("reason", "维持"), ("version", "0")],
                409,
            ),
            (
                "no decision",
                mine,
                vec![("reason", "维持"), ("version", v.as_str())],
                422,
            ),
            (
                "a sheet not appealed",
                theirs,
                vec![
                    ("action", "uphold"),
                    ("reason", "维持"),
                    ("version", other_v.as_str()),
                ],
                0,
            ),
        ] {
            let mut pairs = vec![("csrf", token.as_str())];
            pairs.extend(form);
            let (s, _, html) = post_form(&hr, &format!("{b}/hr/appeals/{id}"), &pairs).await;
            if want == 0 {
                assert!(s.is_client_error(), "{what}: {s} {html}");
            } else {
                assert_eq!(s.as_u16(), want, "{what}: {html}");
            }
            f.page(&format!("appeal decision, {what}"), lang, &html, true);
        }
    }

    // The API: quotas and decisions.
    let (s, body) = send(hr_api.put(format!("{b}/api/cycles/{cycle}/quotas")).json(
        &json!({"quotas": [
            {"grade": "A", "max_pct": "很多"},
            {"grade": "B", "max_pct": "10", "min_pct": "50"},
            {"grade": "B", "max_pct": "150"},
            {"grade": "", "max_pct": "5"},
        ]}),
    ))
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    f.api("quotas", &body);
    let clerk = login(&app, "clerk_xz").await;
    let (s, body) = send(
        clerk
            .put(format!("{b}/api/cycles/{cycle}/quotas"))
            .json(&json!({"quotas": [{"grade": "A", "max_pct": "10"}]})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    f.api("quotas by a clerk", &body);
    let (s, body) = send(hr_api.get(format!("{b}/api/cycles/999999/quotas"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    f.api("quotas of no cycle", &body);
    let (_, a) = send(hr_api.get(format!("{b}/api/appraisals/{mine}"))).await;
    for (what, who, id, body) in [
        (
            "uphold without a reason",
            &hr_api,
            mine,
            json!({"action": "uphold", "reason": ""}),
        ),
        (
            "reopen without items",
            &hr_api,
            mine,
            json!({"action": "reopen", "reason": "重评", "items": []}),
        ),
        (
            "reopen without a reason",
            &hr_api,
            mine,
            json!({"action": "reopen", "reason": "", "items": ["sales"]}),
        ),
        (
            "uphold by the employee",
            &me,
            mine,
            json!({"action": "uphold", "reason": "维持"}),
        ),
        (
            "a sheet not appealed",
            &hr_api,
            theirs,
            json!({"action": "uphold", "reason": "维持"}),
        ),
    ] {
        let mut body = body;
        body["version"] = if id == mine {
            a["version"].clone()
        } else {
            send(hr_api.get(format!("{b}/api/appraisals/{id}"))).await.1["version"].clone()
        };
        let (s, r) = send(
            who.post(format!("{b}/api/appraisals/{id}/actions"))
                .json(&body),
        )
        .await;
        assert!(s.is_client_error(), "{what}: {r}");
        f.api(&format!("appeal decision, {what}"), &r);
    }
    let (s, r) = send(
        hr_api
            .post(format!("{b}/api/appraisals/{mine}/actions"))
            .json(&json!({"version": 0, "action": "uphold", "reason": "维持"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{r}");
    f.api("appeal decision, stale", &r);

    f.finish(2 * (6 + 3 + 6) + 3 + 6);
}

/// The reviewer's and approver's batch pages: nothing ticked, figures changed since the
/// list, stale versions, another's tasks, a kind that does not exist; a refused line names
/// the employee, not an id.
#[tokio::test]
async fn batch_pages_in_peoples_words() {
    let app = spawn_app(false).await;
    let (mine, theirs) = f01_month(&app, Stop::Review).await;
    let b = app.base.clone();
    let mut f = Findings::new();
    let (m, t) = (mine.to_string(), theirs.to_string());
    let (vm, vt) = (format!("v.{mine}"), format!("v.{theirs}"));

    for lang in [Lang::Zh, Lang::En] {
        let fuhe = web_user(&app, "fuhe", lang).await;
        let url = format!("{b}/tasks/batch/review");
        let (s, html) = page(&fuhe, &url).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let rows = rows_of(first_tbody(&html), "<tr", "</tr>");
        assert_eq!(rows.len(), 2, "{rows:?}");
        f.list(
            "batch review, the list",
            lang,
            &html,
            &rows,
            &[&["张伟", "李娜"], &NOVEMBER],
        );
        let token = csrf_of(&html);
        let (s, _, html) = post_form(&fuhe, &url, &[("csrf", &token)]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        f.page("batch review, nothing ticked", lang, &html, true);
        let (s, _, html) =
            post_form(&fuhe, &url, &[("csrf", &token), ("pick", &m), (&vm, "0")]).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        f.page("batch review, changed since the list", lang, &html, true);
        let (s, _, html) = post_form(
            &fuhe,
            &url,
            &[
                ("csrf", &token),
                ("confirm", "1"),
                ("pick", &m),
                (&vm, "0"),
                ("pick", &t),
                (&vt, "0"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(
            main_text(&html).contains("张伟") && main_text(&html).contains("李娜"),
            "{html}"
        );
        f.page("batch review, stale versions", lang, &html, true);
        let (s, html) = page(&fuhe, &format!("{b}/tasks/batch/approve")).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        f.page("batch approve, nothing waiting", lang, &html, false);

        // Another's tasks: the approver approves before review, the employee reviews.
        for (who, kind) in [("shenpi", "approve"), ("a001", "review")] {
            let c = web_user(&app, who, lang).await;
            let (_, html) = page(&c, &format!("{b}/tasks")).await;
            let token = csrf_of(&html);
            let (s, _, html) = post_form(
                &c,
                &format!("{b}/tasks/batch/{kind}"),
                &[("csrf", &token), ("confirm", "1"), ("pick", &m), (&vm, "1")],
            )
            .await;
            assert!(s.is_success() || s.is_client_error(), "{who}: {s} {html}");
            let text = main_text(&html);
            assert!(
                !text.contains(&format!("#{mine}")),
                "[{}] {who}: a refused line names the sheet by its id: {text}",
                lang.tag()
            );
            f.page(&format!("batch {kind} by {who}"), lang, &html, true);
        }
        let (s, html) = page(&fuhe, &format!("{b}/tasks/batch/everything")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{html}");
        match lang {
            Lang::En => f.english_page("batch of no kind", &html),
            Lang::Zh => f.page("batch of no kind", lang, &html, false),
        }
    }
    f.finish(2 * 8);
}

/// The first administrator's page, the password change and the first sign-in with a
/// code: every refusal in both languages, and the API's.
#[tokio::test]
async fn setup_password_and_code_errors_in_peoples_words() {
    let app = spawn_app(false).await;
    let b = app.base.clone();
    let mut f = Findings::new();
    let good = "a fresh long password";
    // Before anyone exists: /setup.
    for lang in [Lang::Zh, Lang::En] {
        let anon = in_lang(client(), &app, lang).await;
        let (s, html) = page(&anon, &format!("{b}/setup")).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let token = csrf_of(&html);
        let one = app.setup_token.as_str();
        for (what, form, want) in [
            (
                "a wrong token",
                [
                    ("token", "nope"),
                    ("username", "admin"),
                    ("password", good),
                    ("confirm", good),
                ],
                403,
            ),
            (
                "no user name",
                [
                    ("token", one),
                    ("username", ""),
                    ("password", good),
                    ("confirm", good),
                ],
                422,
            ),
            (
                "a short password",
                [
                    ("token", one),
                    ("username", "admin"),
                    ("password", "short"),
                    ("confirm", "short"),
                ],
                422,
            ),
            (
                "passwords that differ",
                [
                    ("token", one),
                    ("username", "admin"),
                    ("password", good),
                    ("confirm", "another long password"),
                ],
                422,
            ),
            (
                "a common password",
                [
                    ("token", one),
                    ("username", "admin"),
                    ("password", "1234567890"),
                    ("confirm", "1234567890"),
                ],
                422,
            ),
            (
                "the user name in the password",
                [
                    ("token", one),
                    ("username", "zhangsan"),
                    ("password", "zhangsan2026"),
                    ("confirm", "zhangsan2026"),
                ],
                422,
            ),
        ] {
            let mut pairs = vec![("csrf", token.as_str())];
            pairs.extend(form);
            let (s, _, html) = post_form(&anon, &format!("{b}/setup"), &pairs).await;
            assert_eq!(s.as_u16(), want, "{what}: {html}");
            f.page(&format!("setup, {what}"), lang, &html, true);
        }
    }
    for (what, body) in [
        (
            "a wrong token",
            json!({"token": "nope", "username": "admin", "password": good}),
        ),
        (
            "a common password",
            json!({"token": app.setup_token, "username": "admin", "password": "1234567890"}),
        ),
    ] {
        let (s, r) = send(client().post(format!("{b}/api/setup")).json(&body)).await;
        assert!(s.is_client_error(), "{what}: {r}");
        f.api(&format!("setup, {what}"), &r);
    }

    let hr_api = org_and_people(&app).await;
    let (s, body) = send(hr_api.post(format!("{b}/api/users/a002/code"))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let code = body["code"].as_str().unwrap().to_string();
    // 王强's code has expired.
    let (s, body) = send(hr_api.post(format!("{b}/api/users/wangqiang/code"))).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let expired = body["code"].as_str().unwrap().to_string();
    sqlx::query(
        "UPDATE users SET code_expires = '2000-01-01T00:00:00Z' WHERE username = 'wangqiang'",
    )
    .execute(app.store.pool())
    .await
    .unwrap();
    for lang in [Lang::Zh, Lang::En] {
        // The password change.
        let me = web_user(&app, "a001", lang).await;
        let url = format!("{b}/account/password");
        let (s, html) = page(&me, &url).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let token = csrf_of(&html);
        let old = "a long password";
        for (what, form) in [
            (
                "no current password",
                [("current", ""), ("new", good), ("confirm", good)],
            ),
            (
                "a wrong current password",
                [
                    ("current", "not my password"),
                    ("new", good),
                    ("confirm", good),
                ],
            ),
            (
                "a short password",
                [("current", old), ("new", "short"), ("confirm", "short")],
            ),
            (
                "passwords that differ",
                [
                    ("current", old),
                    ("new", good),
                    ("confirm", "another long password"),
                ],
            ),
            (
                "a common password",
                [
                    ("current", old),
                    ("new", "1234567890"),
                    ("confirm", "1234567890"),
                ],
            ),
            (
                "the user name in the password",
                [
                    ("current", old),
                    ("new", "a001a001a001"),
                    ("confirm", "a001a001a001"),
                ],
            ),
        ] {
            let mut pairs = vec![("csrf", token.as_str())];
            pairs.extend(form);
            let (s, _, html) = post_form(&me, &url, &pairs).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {html}");
            f.page(&format!("password, {what}"), lang, &html, true);
        }

        // The first sign-in with a code.
        let anon = in_lang(client(), &app, lang).await;
        let url = format!("{b}/login/code");
        let (s, html) = page(&anon, &url).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let token = csrf_of(&html);
        for (what, form, want) in [
            (
                "a wrong code",
                [
                    ("username", "a002"),
                    ("code", "WRONG-CODE"),
                    ("new", good),
                    ("confirm", good),
                ],
                401,
            ),
            (
                "an expired code",
                [
                    ("username", "wangqiang"),
                    ("code", expired.as_str()),
                    ("new", good),
                    ("confirm", good),
                ],
                401,
            ),
            (
                "no name and no code",
                [
                    ("username", ""),
                    ("code", ""),
                    ("new", good),
                    ("confirm", good),
                ],
                422,
            ),
            (
                "a short password",
                [
                    ("username", "a002"),
                    ("code", code.as_str()),
                    ("new", "short"),
                    ("confirm", "short"),
                ],
                422,
            ),
            (
                "passwords that differ",
                [
                    ("username", "a002"),
                    ("code", code.as_str()),
                    ("new", good),
                    ("confirm", "another long password"),
                ],
                422,
            ),
            (
                "a common password",
                [
                    ("username", "a002"),
                    ("code", code.as_str()),
                    ("new", "1234567890"),
                    ("confirm", "1234567890"),
                ],
                422,
            ),
            (
                "the user name in the password",
                [
                    ("username", "a002"),
                    ("code", code.as_str()),
                    ("new", "a002a002a002"),
                    ("confirm", "a002a002a002"),
                ],
                422,
            ),
        ] {
            let mut pairs = vec![("csrf", token.as_str())];
            pairs.extend(form);
            let (s, _, html) = post_form(&anon, &url, &pairs).await;
            assert_eq!(s.as_u16(), want, "{what}: {html}");
            f.page(&format!("sign-in code, {what}"), lang, &html, true);
        }
    }
    let (s, r) = send(hr_api.post(format!("{b}/api/users/nobody/code"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{r}");
    f.api("a code for no one", &r);
    let clerk = login(&app, "clerk_xz").await;
    let (s, r) = send(clerk.post(format!("{b}/api/users/a001/code"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
    f.api("a code by a clerk", &r);

    f.finish(2 * 6 + 2 + 2 * 13 + 2);
}

/// A launched, published cycle cancelled without a reason and after publication, edited,
/// deleted and launched again; a cycle of nobody launched; the targets table with an
/// unknown name and a word for a number: on the page in both languages and over the API.
async fn cycle_refusals_in_peoples_words(app: App) {
    let (mine, _) = f01_month(&app, Stop::Published).await;
    let b = app.base.clone();
    let hr_api = login(&app, "hr").await;
    let (cycle, _, _) = cycle_and_depts(&app, &hr_api, mine).await;
    let mut f = Findings::new();
    // A position no one holds: 赵芳 moves from 行政专员 to 前台.
    let (s, body) = send(hr_api.post(format!("{b}/api/org/import")).body(
        "工号,姓名,部门编码,部门名称,部门类型,岗位,直接上级工号\nX001,赵芳,XZ,行政部,职能,前台,\n",
    ))
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // A draft of nobody: everyone holding 行政专员.
    let (s, body) = send(hr_api.post(format!("{b}/api/cycles")).json(&json!({
        "name": "2027年1月 行政专员考核", "form_id": "F01", "period": "2027-01",
        "members": {"positions": ["行政专员"]},
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let empty = body["id"].as_i64().unwrap();
    let bad_table = [
        ("tg.0.kind", "position"),
        ("tg.0.who", "不存在的岗位"),
        ("tg.0.sales_target", "很多"),
        ("tg.1.kind", "employee"),
        ("tg.1.who", "Z999"),
        ("tg.1.monthly_bonus", "abc"),
    ];

    for lang in [Lang::Zh, Lang::En] {
        let hr = web_user(&app, "hr", lang).await;
        let url = format!("{b}/hr/cycles/{cycle}");
        let (s, html) = page(&hr, &url).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let token = csrf_of(&html);
        for (what, form) in [
            (
                "cancel without a reason",
                vec![("action", "cancel"), ("reason", "")],
            ),
            (
                "cancel after publication",
                vec![("action", "cancel"), ("reason", "重来")],
            ),
            (
                "edit after launch",
                vec![
                    ("action", "update"),
                    ("name", "2026年11月 大客户经理考核"),
                    ("form_id", "F01"),
                    ("period", "2026-11"),
                    ("members", "employees"),
                    ("employees", "A001"),
                ],
            ),
            ("delete after launch", vec![("action", "delete")]),
            ("launch again", vec![("action", "launch")]),
            ("no such action", vec![("action", "fly")]),
        ] {
            let mut pairs = vec![("csrf", token.as_str())];
            pairs.extend(form);
            let (s, _, html) = post_form(&hr, &url, &pairs).await;
            assert!(s.is_client_error(), "{what}: {s} {html}");
            f.page(&format!("launched cycle, {what}"), lang, &html, true);
        }
        // A new cycle with a bad targets table.
        let mut pairs = vec![
            ("csrf", token.as_str()),
            ("name", "坏周期"),
            ("form_id", "F01"),
            ("period", "2027-02"),
            ("members", "employees"),
            ("employees", "A001"),
        ];
        pairs.extend(bad_table);
        let (s, _, html) = post_form(&hr, &format!("{b}/hr/cycles"), &pairs).await;
        assert!(s.is_client_error(), "{s}: {html}");
        f.page("new cycle, a bad targets table", lang, &html, true);
        // A cycle of nobody: the check, the launch, an edit with a bad targets table.
        {
            let url = format!("{b}/hr/cycles/{empty}");
            // The check before launching already says there is no one.
            let (s, html) = page(&hr, &format!("{url}/launch")).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
            f.page("launching a cycle of nobody, the check", lang, &html, true);
            let (s, _, html) =
                post_form(&hr, &url, &[("csrf", &token), ("action", "launch")]).await;
            assert!(s.is_client_error(), "{s}: {html}");
            f.page("launching a cycle of nobody", lang, &html, true);
            let mut pairs = vec![
                ("csrf", token.as_str()),
                ("action", "update"),
                ("name", "2027年1月 行政专员考核"),
                ("form_id", "F01"),
                ("period", "2027-01"),
                ("members", "positions"),
                ("positions", "行政专员"),
            ];
            pairs.extend(bad_table);
            let (s, _, html) = post_form(&hr, &url, &pairs).await;
            assert!(s.is_client_error(), "{s}: {html}");
            f.page("editing a draft, a bad targets table", lang, &html, true);
        }
    }

    // The API.
    let cy = format!("{b}/api/cycles/{cycle}");
    for (what, req) in [
        (
            "cancel without a reason",
            hr_api
                .post(format!("{cy}/cancel"))
                .json(&json!({"reason": ""})),
        ),
        (
            "cancel after publication",
            hr_api
                .post(format!("{cy}/cancel"))
                .json(&json!({"reason": "重来"})),
        ),
        (
            "edit after launch",
            hr_api.put(cy.clone()).json(&json!({
                "name": "2026年11月 大客户经理考核", "form_id": "F01", "period": "2026-11",
                "members": {"employees": ["A001"]},
            })),
        ),
        ("delete after launch", hr_api.delete(cy.clone())),
        ("launch again", hr_api.post(format!("{cy}/launch"))),
        (
            "a bad targets table",
            hr_api.post(format!("{b}/api/cycles")).json(&json!({
                "name": "坏周期", "form_id": "F01", "period": "2027-02",
                "members": {"employees": ["A001"]},
                "targets": [
                    {"position": "不存在的岗位", "values": {"sales_target": "很多"}},
                    {"emp_no": "Z999", "values": {"monthly_bonus": "abc"}},
                ],
            })),
        ),
    ] {
        let (s, body) = send(req).await;
        assert!(s.is_client_error(), "{what}: {body}");
        f.api(&format!("cycle, {what}"), &body);
    }
    let (s, body) = send(hr_api.post(format!("{b}/api/cycles/{empty}/launch"))).await;
    assert!(s.is_client_error(), "{body}");
    f.api("launching a cycle of nobody", &body);
    // Copied once to the next month, then again.
    let (s, body) = send(hr_api.post(format!("{cy}/copy"))).await;
    assert!(s.is_success(), "{body}");
    let (s, body) = send(hr_api.post(format!("{cy}/copy"))).await;
    let again = s.is_client_error();
    if again {
        f.api("copied twice", &body);
    }

    let pages = 2 * (6 + 1 + 3);
    let api = 6 + 1 + usize::from(again);
    f.finish(pages + api);
}
