//! Engine invariants, over generated appraisees: floors and caps hold, sections stay within
//! their points, the parts add up to the total exactly, the explanation states every score,
//! and a batch gives the same result whatever the order of its rows.

use kaohe_core::batch::{explain_row, score_batch};
use kaohe_core::engine::Engine;
use kaohe_core::input::{Row, match_header, parse_row};
use kaohe_core::num::fmt;
use kaohe_core::{Lang, Template, compile_str};
use proptest::prelude::*;
use rust_decimal::Decimal;

const TEMPLATE: &str = r#"
[form]
id = "P"
title = "性质测试表"
period = "monthly"
total_points = 100

[[rater]]
id = "self"
name = "自评"
weight = 30
[[rater]]
id = "boss"
name = "上级"
weight = 70

[[input]]
id = "actual"
name = "实际"
min = 0
max = 1000
[[input]]
id = "target"
name = "目标"
min = 1
max = 1000
[[input]]
id = "thousand"
name = "千条户完成率"
type = "percent"
min = 0
max = 100
[[input]]
id = "base"
name = "奖金基数"
type = "money"

[[metric]]
id = "completion"
name = "完成率"
formula = "actual / target × 100"
unit = "%"

[[section]]
id = "perf"
name = "业绩"
weight = 80
[[section]]
id = "behav"
name = "行为"
weight = 20

[[item]]
id = "sales"
section = "perf"
name = "销售"
points = 40
rule = "steps"
measure = "completion"
target = 100
below = { per = 5, deduct = 3 }
above = { per = 1, add = 2 }
zero_below = 50
events = [{ id = "new", name = "新客户", add = 5 }]

[[item]]
id = "ratio"
section = "perf"
name = "比例"
points = 30
rule = "ratio"
measure = "actual"
target = "target"
cap_pct = 100

[[item]]
id = "disc"
section = "perf"
name = "纪律"
points = 20
rule = "events"
events = [
  { id = "late", name = "迟到", deduct = 2 },
  { id = "err", name = "差错", deduct = [1, 5] },
  { id = "mess", name = "卫生", deduct = 3, cap = 6 },
]

[[item]]
id = "thousand_item"
section = "perf"
name = "千条户"
points = 10
rule = "tiers"
measure = "thousand"
na = "peer_average"
bands = [{ to = 50, score = 5 }, { from = 50, score = 10 }]

[[item]]
id = "attitude"
section = "behav"
name = "态度"
points = 50
rule = "levels"
raters = ["self", "boss"]
levels = [
  { level = 1, score = 10 }, { level = 2, score = 20 }, { level = 3, score = 30 },
  { level = 4, score = 40 }, { level = 5, score = 50 },
]

[[item]]
id = "check"
section = "behav"
name = "清单"
points = 50
rule = "checklist"
criteria = ["一", "二", "三", "四", "五"]
each = 10

[[pay]]
id = "bonus"
name = "奖金"
formula = "total / 100 × base"

[ranking]
top = 1
title = "标兵"
"#;

const HEADERS: [&str; 14] = [
    "id",
    "group",
    "actual",
    "target",
    "new",
    "late",
    "err",
    "err.points",
    "mess",
    "thousand",
    "attitude@self",
    "attitude@boss",
    "check",
    "base",
];

#[derive(Debug, Clone)]
struct Gen {
    actual: (u32, u32),
    target: u32,
    new: u32,
    late: u32,
    err: u32,
    err_each: u32,
    mess: u32,
    thousand: Option<u32>,
    self_level: u32,
    boss_level: u32,
    check: u32,
    base: (u32, u32),
    group: u32,
}

fn appraisee() -> impl Strategy<Value = Gen> {
    (
        (
            (0u32..1000, 0u32..10),
            1u32..1000,
            0u32..4,
            0u32..8,
            0u32..4,
            1u32..=5,
        ),
        (
            0u32..4,
            prop::option::weighted(0.8, 0u32..=100),
            1u32..=5,
            1u32..=5,
            0u32..32,
            (0u32..10000, 0u32..100),
            0u32..3,
        ),
    )
        .prop_map(
            |(
                (actual, target, new, late, err, err_each),
                (mess, thousand, self_level, boss_level, check, base, group),
            )| Gen {
                actual,
                target,
                new,
                late,
                err,
                err_each,
                mess,
                thousand,
                self_level,
                boss_level,
                check,
                base,
                group,
            },
        )
}

fn cells(i: usize, g: &Gen) -> Vec<String> {
    let set: Vec<String> = (0..5)
        .filter(|b| g.check & (1 << b) != 0)
        .map(|b| (b + 1).to_string())
        .collect();
    vec![
        format!("E{i}"),
        format!("G{}", g.group),
        format!("{}.{}", g.actual.0, g.actual.1),
        g.target.to_string(),
        g.new.to_string(),
        g.late.to_string(),
        g.err.to_string(),
        (g.err * g.err_each).to_string(),
        g.mess.to_string(),
        g.thousand.map_or("不适用".to_string(), |x| format!("{x}%")),
        g.self_level.to_string(),
        g.boss_level.to_string(),
        if set.is_empty() {
            "无".into()
        } else {
            set.join(",")
        },
        format!("{}.{:02}", g.base.0, g.base.1),
    ]
}

fn template() -> Template {
    compile_str(TEMPLATE).unwrap_or_else(|d| panic!("{d:?}"))
}

fn rows(t: &Template, gens: &[Gen]) -> Vec<Row> {
    let cols = match_header(t, &HEADERS).expect("headers match");
    gens.iter()
        .enumerate()
        .map(|(i, g)| {
            let c = cells(i, g);
            let refs: Vec<&str> = c.iter().map(String::as_str).collect();
            parse_row(t, &cols, &refs, i + 2).unwrap_or_else(|e| panic!("{e:?}"))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn floors_caps_and_sums_hold(gens in prop::collection::vec(appraisee(), 1..12)) {
        let t = template();
        let engine = Engine::new(&t);
        let rows = rows(&t, &gens);
        let b = score_batch(&engine, &rows);
        prop_assert!(b.errors.is_empty(), "{:?}", b.errors);
        for r in 0..rows.len() {
            for (k, it) in t.items.iter().enumerate() {
                let s = b.item(r, k);
                if let Some(f) = it.floor { prop_assert!(s >= f, "{} = {} below floor {}", it.id, s, f); }
                if let Some(m) = it.max { prop_assert!(s <= m, "{} = {} above max {}", it.id, s, m); }
            }
            let mut total = Decimal::ZERO;
            for (si, sec) in t.sections.iter().enumerate() {
                let sum: Decimal = sec.items.iter().map(|&k| b.item(r, k)).sum();
                prop_assert_eq!(b.section(r, si), sum, "section {} is the sum of its items", sec.id);
                prop_assert!(b.section(r, si) <= sec.points, "section {} within its points", sec.id);
                total += b.section(r, si) * sec.weight.unwrap() / Decimal::ONE_HUNDRED;
            }
            prop_assert_eq!(b.total(r), total, "the parts add up to the total exactly");
            prop_assert!(b.total(r) >= Decimal::ZERO && b.total(r) <= Decimal::ONE_HUNDRED);
            // The bonus is total/100 × base, rounded half-up to the fen.
            let base: Decimal = format!("{}.{:02}", gens[r].base.0, gens[r].base.1).parse().unwrap();
            let want = (b.total(r) * base / Decimal::ONE_HUNDRED).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            prop_assert_eq!(b.pay(r, 0), want);
        }
    }

    #[test]
    fn the_explanation_states_every_score(gens in prop::collection::vec(appraisee(), 1..6)) {
        let t = template();
        let engine = Engine::new(&t);
        let rows = rows(&t, &gens);
        let b = score_batch(&engine, &rows);
        for r in 0..rows.len() {
            let (f, rec) = explain_row(&engine, &b, &rows, r).expect("explains");
            let zh = kaohe_core::explain::render(&t, &f, &rec, Lang::Zh);
            let en = kaohe_core::explain::render(&t, &f, &rec, Lang::En);
            for (k, it) in t.items.iter().enumerate() {
                let line = zh.lines().find(|l| l.trim_start().starts_with(&format!("{}：", it.name))).unwrap_or_default();
                if !b.na[r * t.items.len() + k] {
                    prop_assert!(line.contains(&format!("得分 {}", fmt(b.item(r, k)))), "{}: {}", it.id, line);
                }
            }
            prop_assert!(zh.contains(&format!("= {}", fmt(b.total(r)))), "{zh}");
            prop_assert!(en.contains(&format!("= {}", fmt(b.total(r)))), "{en}");
            prop_assert_eq!(f.total(&t), b.total(r), "explaining recomputes the same total");
        }
    }

    #[test]
    fn row_order_does_not_matter(gens in prop::collection::vec(appraisee(), 2..16), seed in any::<u64>()) {
        let t = template();
        let engine = Engine::new(&t);
        let rows = rows(&t, &gens);
        let mut shuffled: Vec<Row> = rows.clone();
        // Fisher–Yates with a small LCG, driven by the seed.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = (s >> 33) as usize % (i + 1);
            shuffled.swap(i, j);
        }
        let a = score_batch(&engine, &rows);
        let b = score_batch(&engine, &shuffled);
        for (r, row) in rows.iter().enumerate() {
            let q = shuffled.iter().position(|x| x.id == row.id).unwrap();
            for k in 0..t.items.len() {
                prop_assert_eq!(a.item(r, k), b.item(q, k), "item {} of {}", t.items[k].id, row.id);
            }
            prop_assert_eq!(a.total(r), b.total(q));
            prop_assert_eq!(a.pay(r, 0), b.pay(q, 0));
            prop_assert_eq!(a.rank[r], b.rank[q]);
            prop_assert_eq!(a.selected[r], b.selected[q]);
        }
    }
}

#[test]
fn a_manager_without_the_item_gets_the_peers_average() {
    let t = template();
    let engine = Engine::new(&t);
    let g = |thousand: Option<u32>, group: u32| Gen {
        actual: (100, 0),
        target: 100,
        new: 0,
        late: 0,
        err: 0,
        err_each: 1,
        mess: 0,
        thousand,
        self_level: 3,
        boss_level: 3,
        check: 0,
        base: (1000, 0),
        group,
    };
    // Group 0: 10 and 5 → the third gets 7.5; group 1 has nobody else, so 0.
    let rows = rows(
        &t,
        &[g(Some(60), 0), g(Some(40), 0), g(None, 0), g(None, 1)],
    );
    let b = score_batch(&engine, &rows);
    let k = t.item_index("thousand_item").unwrap();
    assert_eq!(b.item(0, k), Decimal::from(10));
    assert_eq!(b.item(1, k), Decimal::from(5));
    assert_eq!(b.item(2, k), Decimal::new(75, 1));
    assert!(b.na[2 * t.items.len() + k]);
    assert_eq!(b.item(3, k), Decimal::ZERO);
}
