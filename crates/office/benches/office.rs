//! `cargo bench -p kaohe-office`: import of an .xlsx and export of F01 forms.
//!
//! Full sizes (100,000 rows × 20 columns; 10,000 forms) take seconds per iteration, so the
//! criterion groups use 10 samples; `cargo run --release -p kaohe-office --example
//! office_bench` prints one timed run of each at full size.

use criterion::{Criterion, criterion_group, criterion_main};
use kaohe_office::bench::{f01, f01_forms, f01_workbook};
use kaohe_office::form::department_workbooks;
use kaohe_office::import::import_table;
use kaohe_office::read::read_xlsx;
use std::hint::black_box;
use std::time::Duration;

fn import(c: &mut Criterion) {
    let t = f01();
    let mut g = c.benchmark_group("import");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    let bytes = f01_workbook(100_000).unwrap();
    g.bench_function("read_xlsx 100k x 20", |b| {
        b.iter(|| read_xlsx(black_box(&bytes), None).unwrap())
    });
    let table = read_xlsx(&bytes, None).unwrap();
    g.bench_function("import_table F01 100k", |b| {
        b.iter(|| import_table(&t, black_box(&table), &Default::default()))
    });
    g.finish();
}

fn export(c: &mut Criterion) {
    let t = f01();
    let forms = f01_forms(&t, 10_000);
    let mut g = c.benchmark_group("export");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    g.bench_function("F01 forms 10k, workbook per department", |b| {
        b.iter(|| department_workbooks(&t, black_box(&forms)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, import, export);
criterion_main!(benches);
