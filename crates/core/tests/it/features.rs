//! Rules beyond the bundled forms' needs, checked through the scenario harness:
//! per-rater measures, absent raters, event counts from formulas, param errors.

use kaohe_core::{Lang, check, compile_str, scenario};

fn run(template: &str, examples: &str) {
    let t = compile_str(template).unwrap_or_else(|d| {
        panic!(
            "{}",
            d.iter()
                .map(|x| x.render("t.toml", template, &[Lang::En]))
                .collect::<String>()
        )
    });
    let ex = scenario::parse(examples).expect("examples parse");
    for r in scenario::run(&t, &ex) {
        assert!(
            r.failures.is_empty(),
            "{}: {}",
            r.name,
            r.failures.join("\n")
        );
        assert!(r.checks > 0);
    }
}

const RATERS: &str = r#"
[form]
id = "R"
title = "评分人测试"
period = "monthly"
total_points = 100

[[rater]]
id = "self"
name = "自评"
name_en = "Self"
weight = 30
[[rater]]
id = "hr"
name = "人力资源部"
weight = 30
[[rater]]
id = "boss"
name = "直接上级"
weight = 40

[[input]]
id = "rate"
name = "投诉满意率"
type = "percent"
min = 0
max = 100
per_rater = true

[[item]]
id = "satisfaction"
name = "客户投诉满意率"
points = 60
rule = "ratio"
measure = "rate"
target = 100
cap_pct = 100
raters = ["self", "hr", "boss"]

[[item]]
id = "attitude"
name = "工作态度"
points = 40
rule = "score"
raters = ["self", "hr", "boss"]
"#;

#[test]
fn each_rater_enters_their_own_measure_and_weights_combine_it() {
    run(
        RATERS,
        r#"
[[case]]
name = "自评100%、人力80%、上级90%"
[[case.row]]
id = "A"
"rate@self" = 100
"rate@hr" = 80
"rate@boss" = 90
"attitude@self" = 40
"attitude@hr" = 30
"attitude@boss" = 35
[case.row.expect]
# 60 × (1.0×30 + 0.8×30 + 0.9×40)/100 = 60 × 0.9 = 54; attitude 12 + 9 + 14 = 35
items = { satisfaction = 54, attitude = 35 }
total = 89
explain = ["〔自评〕", "〔直接上级〕"]
explain_en = ["[Self]"]

[[case]]
name = "人力资源部缺席: 其余两人按 30:40 折算"
[[case.row]]
id = "B"
"rate@self" = 100
"rate@hr" = "不适用"
"rate@boss" = 50
"attitude@self" = 40
"attitude@hr" = "不适用"
"attitude@boss" = 20
[case.row.expect]
# satisfaction: (60×30 + 30×40)/70 = 3000/70 = 42.857… → 42.86; attitude (40×30 + 20×40)/70 = 28.571… → 28.57
items = { satisfaction = 42.86, attitude = 28.57 }
total = 71.43
explain = ["〔人力资源部〕不适用"]

[[case]]
name = "人人缺席: 项目不允许不适用"
[[case.row]]
id = "C"
"rate@self" = "不适用"
"rate@hr" = "不适用"
"rate@boss" = "不适用"
"attitude@self" = 1
"attitude@hr" = 1
"attitude@boss" = 1
[case.row.expect]
error = "不允许填写「不适用」"
"#,
    );
}

#[test]
fn a_per_rater_input_outside_a_rated_item_is_reported() {
    let bad = RATERS.replace(
        "raters = [\"self\", \"hr\", \"boss\"]\n\n[[item]]\nid = \"attitude\"",
        "\n[[item]]\nid = \"attitude\"",
    );
    let c = check(&bad);
    assert!(
        c.diagnostics.iter().any(|d| d.code == "E024"),
        "{:?}",
        c.diagnostics
    );
}

#[test]
fn event_counts_can_come_from_a_formula() {
    // F03: a weekly report not made costs 10; one made but rejected costs 5 — never both.
    run(
        r#"
[form]
id = "W"
title = "周报"
period = "monthly"
total_points = 20

[[input]]
id = "due"
name = "应交周报"
type = "count"
[[input]]
id = "made"
name = "已交周报"
type = "count"
[[input]]
id = "passed"
name = "审核通过"
type = "count"

[[item]]
id = "reports"
name = "客户服务报告"
points = 20
rule = "events"
events = [
  { id = "missing", name = "少做", deduct = 10, count = "max(due - made, 0)" },
  { id = "rejected", name = "未通过", deduct = 5, count = "max(made - passed, 0)" },
]
"#,
        r#"
[[case]]
name = "4 周: 交 3 过 2"
[[case.row]]
id = "A"
due = 4
made = 3
passed = 2
[case.row.expect]
items = { reports = 5 }
explain = ["少做 1 次", "未通过 1 次"]

[[case]]
name = "全部完成"
[[case.row]]
id = "B"
due = 4
made = 4
passed = 4
[case.row.expect]
total = 20

[[case]]
name = "扣完为止"
[[case.row]]
id = "C"
due = 4
made = 1
passed = 0
[case.row.expect]
total = 0
"#,
    );
}

#[test]
fn a_bad_cycle_parameter_is_refused_with_its_range() {
    run(
        r#"
[form]
id = "P"
title = "参数"
period = "monthly"
total_points = 10

[[param]]
id = "target"
name = "目标"
default = 90
min = 50
max = 100

[[input]]
id = "rate"
name = "完成率"
type = "percent"

[[item]]
id = "a"
name = "完成率"
points = 10
rule = "ratio"
measure = "rate"
target = "target"
cap_pct = 100
"#,
        r#"
[[case]]
name = "目标 120 超出范围"
params = { target = 120 }
error = "超出允许范围 [50, 100]"
[[case.row]]
id = "A"
rate = 90

[[case]]
name = "目标 80"
params = { target = 80 }
[[case.row]]
id = "A"
rate = 60
[case.row.expect]
total = 7.5

[[case]]
name = "每人的目标写在行里"
[[case.row]]
id = "A"
rate = 60
target = 60
[case.row.expect]
total = 10
"#,
    );
}
