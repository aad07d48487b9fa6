//! Shared by the integration tests: templates and their worked examples as imported rows.
#![allow(dead_code)]

use kaohe_core::Template;
use kaohe_core::engine::Engine;
use kaohe_core::input::Row;
use kaohe_office::form::score_rows;
use kaohe_office::read::{Table, TableRow};
use kaohe_office::{FilledForm, FormHeader, Signature, Signatures, import_table};
use std::collections::HashMap;

pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn template(id: &str) -> Template {
    let src = std::fs::read_to_string(root().join(format!("templates/{id}.toml"))).unwrap();
    kaohe_core::compile_str(&src).unwrap()
}

/// The rows of the first worked example of a template, imported through a [`Table`].
pub fn example_rows(t: &Template, id: &str) -> Vec<Row> {
    let src =
        std::fs::read_to_string(root().join(format!("templates/examples/{id}.toml"))).unwrap();
    let ex = kaohe_core::scenario::parse(&src).unwrap();
    let case = ex
        .cases
        .iter()
        .find(|c| c.error.is_none() && c.params.is_empty())
        .unwrap();
    let (headers, cells) = kaohe_core::scenario::case_table(case);
    let table = Table {
        sheet: "Sheet1".into(),
        header_row: 1,
        headers,
        rows: cells
            .into_iter()
            .enumerate()
            .map(|(i, cells)| TableRow { row: i + 2, cells })
            .collect(),
        issues: vec![],
        totals: vec![],
        candidates: vec![],
    };
    let imp = import_table(t, &table, &HashMap::new());
    assert!(imp.problems.is_empty(), "{:?}", imp.problems);
    imp.rows
}

pub fn header_of(r: &Row) -> FormHeader {
    FormHeader {
        name: r.name.clone().unwrap_or_else(|| "王小明".into()),
        emp_no: r.id.clone(),
        position: "大客户经理".into(),
        department: r.group.clone().unwrap_or_else(|| "销售一部".into()),
        period: "2026年11月".into(),
        signatures: Signatures {
            appraisee: Signature::default(),
            rater: Signature {
                name: Some("李经理".into()),
                time: Some("2026-12-01".into()),
            },
            reviewer: Signature::default(),
            approver: Signature::default(),
        },
    }
}

/// Forms for a template's first worked example.
pub fn forms(id: &str) -> (Template, Vec<FilledForm>) {
    let t = template(id);
    let rows = example_rows(&t, id);
    let e = Engine::new(&t);
    let (forms, errs) = score_rows(&e, &rows, header_of);
    assert!(errs.is_empty(), "{errs:?}");
    drop(e);
    (t, forms)
}

/// Write a file for people to look at when KAOHE_OFFICE_DUMP names a folder.
pub fn dump(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("KAOHE_OFFICE_DUMP") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}
