//! `kaohe bench engine`: F01 over generated appraisees.
//!
//! Prints two figures: compute-only scorecards per second on one core (rows already
//! parsed, no explanations; the interpreter and the exact-integer lane, whose checksums
//! must agree), and the wall time of CSV in → scores → CSV out. Each is the median of
//! `--rounds` runs, with the range, and says whether the target is met.

use anyhow::Result;
use clap::Args;
use kaohe_core::engine::{Engine, Frame};
use kaohe_core::input::{Row, match_header, parse_row};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct EngineArgs {
    /// Appraisees for the compute-only run.
    #[arg(long, default_value_t = 2_000_000)]
    pub rows: usize,
    /// Distinct generated appraisees the compute-only run cycles through.
    #[arg(long, default_value_t = 200_000)]
    pub distinct: usize,
    /// Appraisees for the CSV-to-CSV run.
    #[arg(long, default_value_t = 1_000_000)]
    pub csv_rows: usize,
    /// Times each measurement is repeated; the median is reported, with the range (the
    /// machine's speed drifts from run to run, more so on a shared virtual machine).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub rounds: u32,
}

/// The median of `xs`, with the smallest and the largest.
fn spread(mut xs: Vec<f64>) -> (f64, f64, f64) {
    xs.sort_by(f64::total_cmp);
    (xs[xs.len() / 2], xs[0], xs[xs.len() - 1])
}

/// `ok` or `MISSED`, for a target that applies at the default size only.
fn verdict(applies: bool, met: bool) -> &'static str {
    if !applies || met { "ok" } else { "MISSED" }
}

#[derive(Args)]
pub struct OfficeArgs {
    /// Rows of the generated F01 workbook to import (20 columns).
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// Filled F01 forms to export (one workbook per department, a sheet per employee).
    #[arg(long, default_value_t = 10_000)]
    pub forms: usize,
    /// Also write the exported workbooks into this folder.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

/// `kaohe bench office`: the figures of `kaohe_office::bench_import` and `bench_export`.
pub fn office(a: &OfficeArgs) -> Result<ExitCode> {
    let i = kaohe_office::bench::bench_import(a.rows)?;
    let secs = (i.read + i.import).as_secs_f64();
    crate::outln!(
        "office/import: {} rows × {} columns ({:.1} MB .xlsx) in {secs:.2} s (read {:.2} s + match and parse {:.2} s) = {:.0} rows/s; target ≤ 10 s for 100,000 rows: {}",
        i.rows,
        i.columns,
        i.file_bytes as f64 / 1e6,
        i.read.as_secs_f64(),
        i.import.as_secs_f64(),
        i.rows as f64 / secs,
        if a.rows < 100_000 || secs <= 10.0 {
            "ok"
        } else {
            "MISSED"
        }
    );
    let e = kaohe_office::bench::bench_export(a.forms, a.out.as_deref())?;
    let secs = e.export.as_secs_f64();
    crate::outln!(
        "office/export: {} filled forms in {} workbooks ({:.1} MB) in {secs:.2} s (scoring beforehand {:.2} s) = {:.0} forms/s on {} threads; target ≤ 20 s for 10,000 forms: {}",
        e.forms,
        e.workbooks,
        e.bytes as f64 / 1e6,
        e.prepare.as_secs_f64(),
        e.forms as f64 / secs,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if a.forms < 10_000 || secs <= 20.0 {
            "ok"
        } else {
            "MISSED"
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub fn engine(a: &EngineArgs) -> Result<ExitCode> {
    let (_, t) = crate::load::template("F01", &[kaohe_core::Lang::Zh])?;
    let engine = Engine::new(&t);

    // Compute only: parse once, then score on one core.
    let csv = kaohe_core::synth::f01_csv(a.rows.min(a.distinct)).into_bytes();
    let mut rdr = csv::Reader::from_reader(&csv[..]);
    let headers: Vec<String> = rdr.headers()?.iter().map(str::to_string).collect();
    let hdr: Vec<&str> = headers.iter().map(String::as_str).collect();
    let cols = match_header(&t, &hdr).map_err(|e| anyhow::anyhow!("{:?}", e))?;
    let rows: Vec<Row> = rdr
        .records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.expect("generated CSV is valid");
            parse_row(&t, &cols, &r.iter().collect::<Vec<_>>(), i + 2)
                .expect("generated rows are valid")
        })
        .collect();
    let time = |engine: &Engine, label: &str| {
        let mut f = Frame::new(&t);
        let mut checksum = rust_decimal::Decimal::ZERO;
        for r in rows.iter().take(10_000) {
            engine
                .score_outputs(&r.values, &mut f, &[])
                .expect("scores");
        }
        let mut rates = Vec::new();
        for _ in 0..a.rounds {
            let start = Instant::now();
            let mut done = 0usize;
            while done < a.rows {
                for r in &rows {
                    if done == a.rows {
                        break;
                    }
                    engine
                        .score_outputs(black_box(&r.values), &mut f, &[])
                        .expect("scores");
                    checksum += f.total(&t);
                    done += 1;
                }
            }
            rates.push(done as f64 / start.elapsed().as_secs_f64() / 1e6);
        }
        let (median, lo, hi) = spread(rates);
        crate::outln!(
            "engine/F01 compute-only, 1 core, {label}: {} × {} scorecards, median {median:.2} M scorecards/s (range {lo:.2}–{hi:.2}; checksum {})",
            a.rounds,
            a.rows,
            black_box(checksum)
        );
        median
    };
    let mut interp = engine.clone();
    interp.use_fast_lane(false);
    time(&interp, "interpreter");
    let lane = time(&engine, "exact-integer lane (the default)");
    crate::outln!(
        "engine/F01 compute-only target ≥ 5 M scorecards/s on one core: {}",
        verdict(true, lane >= 5.0)
    );

    // CSV in → CSV out, the whole pipeline as `kaohe score` runs it.
    let csv = kaohe_core::synth::f01_csv(a.csv_rows).into_bytes();
    let dir = std::env::temp_dir().join(format!("kaohe-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("f01.csv");
    std::fs::write(&input, &csv)?;
    let output = dir.join("f01-scores.csv");
    let mut times = Vec::new();
    let (mut rows_out, mut bytes_out) = (0, 0);
    for _ in 0..a.rounds.min(3) {
        let start = Instant::now();
        let bytes = std::fs::read(&input)?;
        let st = crate::score::stream_csv(&engine, &bytes, false, &[kaohe_core::Lang::Zh])?;
        anyhow::ensure!(st.errors.is_empty(), "generated rows are valid");
        crate::score::write_atomic(&output, &st.out)?;
        times.push(start.elapsed().as_secs_f64());
        (rows_out, bytes_out) = (st.rows, st.out.len());
    }
    let (median, lo, hi) = spread(times);
    crate::outln!(
        "engine/F01 CSV→CSV, {} threads: {rows_out} appraisees, median {median:.3} s (range {lo:.3}–{hi:.3}; {:.1} MB in, {:.1} MB out); target ≤ 1.5 s for 1,000,000: {}",
        rayon::current_num_threads(),
        csv.len() as f64 / 1e6,
        bytes_out as f64 / 1e6,
        verdict(a.csv_rows == 1_000_000, median <= 1.5)
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}
