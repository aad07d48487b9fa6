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

/// A peer group (同事评分): its column is the peers' mean (the store writes it), and
/// 不适用 while too few answered — the other raters' weights are then renormalised.
const PEERS: &str = r#"
[form]
id = "P"
title = "同事评分测试"
period = "monthly"
total_points = 100

[[rater]]
id = "supervisor"
name = "直接上级"
weight = 70
[[rater]]
id = "peers"
name = "同事"
name_en = "Peers"
weight = 30
peers = 5
min_answers = 3
pick = "同部门"

[[item]]
id = "teamwork"
name = "团队协作"
points = 40
rule = "score"
raters = ["supervisor", "peers"]

[[item]]
id = "quality"
name = "工作质量"
points = 60
rule = "score"
raters = ["supervisor"]
"#;

#[test]
fn a_peer_group_compiles_and_scores_with_its_weight_or_without_it() {
    let t = compile_str(PEERS).expect("compiles");
    let g = t.raters[1].peers.as_ref().expect("a peer group");
    assert_eq!((g.size, g.min_answers), (5, 3));
    assert_eq!(g.pick, kaohe_core::model::PeerPick::SameDepartment);
    assert!(t.raters[0].peers.is_none());
    run(
        PEERS,
        r#"
[[case]]
name = "同事均分32，上级36"
[[case.row]]
id = "A"
"teamwork@supervisor" = 36
"teamwork@peers" = 32
"quality@supervisor" = 50
[case.row.expect]
# 36×70% + 32×30% = 25.2 + 9.6 = 34.8
items = { teamwork = 34.8, quality = 50 }
total = 84.8

[[case]]
name = "同事不足3人: 不适用，上级的分数独占"
[[case.row]]
id = "B"
"teamwork@supervisor" = 36
"teamwork@peers" = "不适用"
"quality@supervisor" = 50
[case.row.expect]
items = { teamwork = 36, quality = 50 }
total = 86
"#,
    );
}

#[test]
fn a_peer_group_is_checked_where_it_is_written() {
    // The diagnostic points at the line that starts with `field`.
    let at = |src: &str, code: &str, field: &str, needle: &str| {
        let c = check(src);
        let d = c
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{code} expected: {:?}", c.diagnostics));
        let (line, _) = d.line_col(src).expect("a place");
        let want = src
            .lines()
            .position(|l| l.starts_with(field))
            .expect("the field")
            + 1;
        assert_eq!(line, want, "{code} at line {line}, not {want}: {d:?}");
        let text = d.message.render(Lang::Zh) + &d.message.render(Lang::En);
        assert!(text.contains(needle), "{text}");
    };
    at(
        &PEERS.replace("peers = 5", "peers = 0"),
        "E026",
        "peers =",
        "1 到 50",
    );
    at(
        &PEERS.replace("peers = 5", "peers = 51"),
        "E026",
        "peers =",
        "51",
    );
    at(
        &PEERS.replace("min_answers = 3", "min_answers = 6"),
        "E026",
        "min_answers",
        "min_answers",
    );
    at(
        &PEERS.replace("pick = \"同部门\"", "pick = \"随机\""),
        "E006",
        "pick",
        "HR指定",
    );
    at(
        &PEERS.replace("peers = 5\n", ""),
        "E026",
        "min_answers",
        "peers",
    );
    // An item rated by the peers alone cannot be scored below min_answers.
    at(
        &PEERS.replace(
            "raters = [\"supervisor\", \"peers\"]",
            "raters = [\"peers\"]",
        ),
        "E026",
        "peers =",
        "团队协作",
    );
    // HR's pick and the English spelling are both fine; min_answers defaults to 3 (or N).
    let t = compile_str(&PEERS.replace("pick = \"同部门\"", "pick = \"hr\"")).expect("hr");
    assert_eq!(
        t.raters[1].peers.as_ref().unwrap().pick,
        kaohe_core::model::PeerPick::Hr
    );
    let t = compile_str(
        &PEERS
            .replace("min_answers = 3\n", "")
            .replace("peers = 5", "peers = 2"),
    )
    .expect("two peers");
    assert_eq!(t.raters[1].peers.as_ref().unwrap().min_answers, 2);
}

#[test]
fn a_peer_group_is_shown_with_its_size_and_threshold() {
    let t = compile_str(PEERS).expect("compiles");
    let zh = kaohe_core::show::show(&t, Lang::Zh);
    assert!(
        zh.contains("同事 30（同事 5 人，同部门轮换，至少 3 人作答才计入）"),
        "{zh}"
    );
    let en = kaohe_core::show::show(&t, Lang::En);
    assert!(
        en.contains("Peers 30 (peers: 5, same department, by rotation, counted from 3 answers)"),
        "{en}"
    );
}
