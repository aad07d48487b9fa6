//! Timed runs of the import and the form export on synthetic F01 data (deterministic, from
//! `kaohe_core::synth`), for `cargo bench -p kaohe-office` and for the command line to call.

use crate::form::{FilledForm, FormHeader, department_workbooks, score_rows};
use crate::import::import_table;
use crate::read::{read_csv, read_xlsx};
use crate::{OfficeError, Signatures};
use kaohe_core::Template;
use kaohe_core::engine::Engine;
use kaohe_core::input::Row;
use std::path::Path;
use std::time::{Duration, Instant};

/// The bundled F01 template's source, the form the benchmarks use.
pub const F01_SRC: &str = include_str!("../../../templates/F01.toml");

/// The F01 template, compiled.
pub fn f01() -> Template {
    kaohe_core::compile_str(F01_SRC).expect("the bundled F01 compiles")
}

/// Synthetic F01 appraisees as a table of strings: 20 columns (工号, 姓名, 部门, the 14
/// F01 inputs of `kaohe_core::synth::f01_csv`, and three columns the form does not use).
pub fn f01_cells(rows: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let csv = kaohe_core::synth::f01_csv(rows);
    let mut lines = csv.lines();
    let synth_header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let mut header = vec!["工号".to_string(), "姓名".into(), "部门".into()];
    header.extend(synth_header[1..].iter().map(|s| s.to_string()));
    header.extend(["备注1".to_string(), "备注2".into(), "备注3".into()]);
    let body = lines
        .enumerate()
        .map(|(i, l)| {
            let mut cells: Vec<String> = l.split(',').map(String::from).collect();
            let id = cells.remove(0);
            let mut row = vec![id, format!("员工{i}"), format!("销售{}部", i % 10 + 1)];
            row.extend(cells);
            row.extend([format!("{}", i % 7), "0.95".into(), "x".into()]);
            row
        })
        .collect();
    (header, body)
}

/// A workbook of synthetic F01 appraisees (see [`f01_cells`]): a merged title row, the
/// header on row 2, numbers as number cells.
pub fn f01_workbook(rows: usize) -> Result<Vec<u8>, OfficeError> {
    let (header, body) = f01_cells(rows);
    let mut wb = crate::style::workbook();
    let ws = wb.add_worksheet();
    ws.merge_range(
        0,
        0,
        0,
        header.len() as u16 - 1,
        "2026年11月 客户经理考核数据",
        &rust_xlsxwriter::Format::new(),
    )?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string(1, c as u16, h)?;
    }
    for (r, cells) in body.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            let (r, c) = (r as u32 + 2, c as u16);
            match v.parse::<f64>() {
                Ok(f) if c >= 3 => ws.write_number(r, c, f)?,
                _ => ws.write_string(r, c, v)?,
            };
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// The figures of one import run.
#[derive(Debug, Clone)]
pub struct ImportBench {
    pub rows: usize,
    pub columns: usize,
    pub file_bytes: usize,
    /// `read_xlsx`: bytes to a table of strings.
    pub read: Duration,
    /// `import_table`: the table matched to F01 and parsed into rows.
    pub import: Duration,
}

/// Import `rows` synthetic F01 rows × 20 columns from an `.xlsx` made first (not timed).
pub fn bench_import(rows: usize) -> Result<ImportBench, OfficeError> {
    let bytes = f01_workbook(rows)?;
    let t = f01();
    let start = Instant::now();
    let table = read_xlsx(&bytes, None)?;
    let read = start.elapsed();
    let start = Instant::now();
    let imp = import_table(&t, &table, &Default::default());
    let import = start.elapsed();
    assert_eq!(imp.rows.len(), rows, "{:?}", imp.problems.first());
    Ok(ImportBench {
        rows,
        columns: table.headers.len(),
        file_bytes: bytes.len(),
        read,
        import,
    })
}

/// `n` scored F01 forms in 10 departments.
pub fn f01_forms(t: &Template, n: usize) -> Vec<FilledForm> {
    let (header, body) = f01_cells(n);
    let mut csv = header.join(",");
    csv.push('\n');
    for r in &body {
        csv.push_str(&r.join(","));
        csv.push('\n');
    }
    let table = read_csv(csv.as_bytes(), "bench.csv").expect("synthetic CSV reads");
    let rows = import_table(t, &table, &Default::default())
        .into_rows()
        .expect("synthetic rows parse");
    let engine = Engine::new(t);
    let (forms, errs) = score_rows(&engine, &rows, |r: &Row| FormHeader {
        name: r.name.clone().unwrap_or_default(),
        emp_no: r.id.clone(),
        position: "大客户经理".into(),
        department: r.group.clone().unwrap_or_default(),
        period: "2026年11月".into(),
        signatures: Signatures::default(),
    });
    assert!(errs.is_empty());
    forms
}

/// The figures of one export run.
#[derive(Debug, Clone)]
pub struct ExportBench {
    pub forms: usize,
    pub workbooks: usize,
    pub bytes: usize,
    /// Scoring and building the forms (not the export).
    pub prepare: Duration,
    /// `department_workbooks`, and writing the files when a folder was given.
    pub export: Duration,
}

/// Export `n` filled F01 forms as one workbook per department (10 departments, a sheet per
/// employee); the workbooks are written into `dir` when given.
pub fn bench_export(n: usize, dir: Option<&Path>) -> Result<ExportBench, OfficeError> {
    let t = f01();
    let start = Instant::now();
    let forms = f01_forms(&t, n);
    let prepare = start.elapsed();
    let start = Instant::now();
    let books = department_workbooks(&t, &forms)?;
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)?;
        for (d, b) in &books {
            std::fs::write(dir.join(format!("{d}.xlsx")), b)?;
        }
    }
    let export = start.elapsed();
    Ok(ExportBench {
        forms: n,
        workbooks: books.len(),
        bytes: books.iter().map(|(_, b)| b.len()).sum(),
        prepare,
        export,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_runs() {
        let i = bench_import(50).unwrap();
        assert_eq!((i.rows, i.columns), (50, 20));
        let e = bench_export(30, None).unwrap();
        assert_eq!((e.forms, e.workbooks), (30, 10));
    }
}
