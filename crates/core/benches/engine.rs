//! Criterion benchmarks of the engine on the bundled F01 form.
//! Run: cargo bench -p kaohe-core --bench engine

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kaohe_core::batch::score_batch;
use kaohe_core::engine::{Engine, Frame, NoTrace, Recorder};
use kaohe_core::input::{Row, match_header, parse_row};
use kaohe_core::{Template, compile_str};
use std::hint::black_box;

const F01: &str = include_str!("../../../templates/F01.toml");

fn rows(t: &Template, n: usize) -> Vec<Row> {
    let csv = kaohe_core::synth::f01_csv(n);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cols = match_header(t, &header).unwrap();
    lines
        .enumerate()
        .map(|(i, l)| parse_row(t, &cols, &l.split(',').collect::<Vec<_>>(), i + 2).unwrap())
        .collect()
}

fn bench(c: &mut Criterion) {
    let t = compile_str(F01).unwrap();
    let engine = Engine::new(&t);
    let rows = rows(&t, 10_000);

    let mut g = c.benchmark_group("F01");
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.bench_function("score 10k scorecards, 1 core, interpreter", |b| {
        let mut f = Frame::new(&t);
        b.iter(|| {
            for r in &rows {
                engine
                    .score(black_box(&r.values), &mut f, &[], &mut NoTrace)
                    .unwrap();
            }
        })
    });
    let lane = engine.clone();
    g.bench_function(
        "score_outputs 10k scorecards, 1 core, exact-integer lane",
        |b| {
            let mut f = Frame::new(&t);
            b.iter(|| {
                for r in &rows {
                    lane.score_outputs(black_box(&r.values), &mut f, &[])
                        .unwrap();
                }
            })
        },
    );
    g.bench_function("score_batch 10k", |b| {
        b.iter(|| score_batch(&engine, black_box(&rows)))
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("explain one scorecard (zh-CN)", |b| {
        b.iter_batched(
            || (Frame::new(&t), Recorder::default()),
            |(mut f, mut rec)| {
                engine
                    .score(&rows[0].values, &mut f, &[], &mut rec)
                    .unwrap();
                kaohe_core::explain::render(&t, &f, &rec, kaohe_core::Lang::Zh)
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("compile the F01 template", |b| {
        b.iter(|| compile_str(black_box(F01)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
