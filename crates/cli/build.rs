//! Bundles the form templates and their worked examples into the binary, so `kaohe`
//! works from any directory with no files beside it.
use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
    println!("cargo:rerun-if-changed={}", root.display());
    println!("cargo:rerun-if-changed={}", root.join("examples").display());
    let mut entries: Vec<_> = std::fs::read_dir(&root)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    let mut code = String::from(
        "/// (id, template source, examples source)\npub static BUNDLED: &[(&str, &str, Option<&str>)] = &[\n",
    );
    for p in entries {
        println!("cargo:rerun-if-changed={}", p.display());
        let id = p
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let ex = root.join("examples").join(format!("{id}.toml"));
        let ex_code = if ex.exists() {
            println!("cargo:rerun-if-changed={}", ex.display());
            format!(
                "Some(include_str!({:?}))",
                ex.canonicalize()
                    .expect("examples path")
                    .display()
                    .to_string()
            )
        } else {
            "None".to_string()
        };
        let _ = writeln!(
            code,
            "    ({id:?}, include_str!({:?}), {ex_code}),",
            p.canonicalize()
                .expect("template path")
                .display()
                .to_string()
        );
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("bundled.rs");
    std::fs::write(out, code).expect("write bundled.rs");
}
