//! One timed run of the import and the export at full size:
//! `cargo run --release -p kaohe-office --example office_bench [ROWS] [FORMS] [DIR]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().map_or(Ok(100_000), |s| s.parse())?;
    let forms: usize = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let dir = args.next().map(std::path::PathBuf::from);
    let i = kaohe_office::bench::bench_import(rows)?;
    println!(
        "import: {} rows × {} columns ({:.1} MB .xlsx): read {:.2} s, match and parse {:.2} s, total {:.2} s",
        i.rows,
        i.columns,
        i.file_bytes as f64 / 1e6,
        i.read.as_secs_f64(),
        i.import.as_secs_f64(),
        (i.read + i.import).as_secs_f64()
    );
    let e = kaohe_office::bench::bench_export(forms, dir.as_deref())?;
    println!(
        "export: {} F01 forms in {} workbooks ({:.1} MB): {:.2} s (scoring beforehand {:.2} s)",
        e.forms,
        e.workbooks,
        e.bytes as f64 / 1e6,
        e.export.as_secs_f64(),
        e.prepare.as_secs_f64()
    );
    Ok(())
}
