//! Any bytes as a CSV table imported for the F01 form: the header matched (as proposed,
//! and with the proposal confirmed as overrides) and every row parsed; problems, never a
//! panic, and every problem names a place in the table.
#![no_main]
use kaohe_office::{Limits, import_table, propose_mapping, read_csv_with};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::sync::OnceLock;

fn f01() -> &'static kaohe_core::Template {
    static T: OnceLock<kaohe_core::Template> = OnceLock::new();
    T.get_or_init(|| {
        kaohe_core::compile_str(include_str!("../../templates/F01.toml")).expect("F01 compiles")
    })
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_cols: 50,
        max_rows: 1000,
        max_cells: 5000,
        ..Limits::default()
    };
    let Ok(table) = read_csv_with(data, "fuzz.csv", &limits) else {
        return;
    };
    let t = f01();
    let proposal = propose_mapping(t, &table.headers);
    for (m, overrides) in [(0, HashMap::new()), (1, proposal.overrides())] {
        let imp = import_table(t, &table, &overrides);
        for p in &imp.problems {
            assert!(p.row >= table.header_row, "{m}: {p}");
            assert!(p.col.is_none_or(|c| c < table.headers.len()), "{m}: {p}");
            let _ = p.to_string();
        }
        assert!(imp.rows.len() <= table.rows.len());
    }
});
