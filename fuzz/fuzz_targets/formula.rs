//! Any formula text: parsed, compiled against three names, evaluated; errors, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use kaohe_core::formula::{compile, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let Ok(node) = parse(src) else { return };
    let _ = node.render_with(&|_| None);
    let names = ["a", "b", "total"];
    let Ok(expr) = compile(&node, &mut |n| names.iter().position(|x| *x == n).map(|i| i as u32)) else { return };
    let frame = [
        kaohe_core_decimal("87.5"),
        kaohe_core_decimal("0"),
        kaohe_core_decimal("-79228162514264337593543950335"),
    ];
    let _ = expr.eval(&frame);
});

fn kaohe_core_decimal(s: &str) -> kaohe_core::formula::Decimal {
    s.parse().expect("valid literal")
}
