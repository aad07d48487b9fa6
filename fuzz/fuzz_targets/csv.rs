//! Any bytes as a CSV file (UTF-8, or GB18030 when not): a table or an error, never a
//! panic; a table always as wide as its header and within the limits.
#![no_main]
use kaohe_office::{Limits, OfficeError, read_csv_with};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_cols: 50,
        max_rows: 1000,
        max_cells: 5000,
        max_csv_line_bytes: 2000,
        max_csv_fields: 200,
        ..Limits::default()
    };
    match read_csv_with(data, "fuzz.csv", &limits) {
        Ok(t) => {
            assert!(t.headers.len() <= limits.max_cols);
            assert!(t.headers.last().is_some_and(|h| !h.is_empty()));
            assert!(t.rows.len() * t.headers.len() <= limits.max_cells);
            assert!(t.rows.iter().all(|r| r.cells.len() == t.headers.len()));
            assert!(t.rows.iter().all(|r| r.row > t.header_row));
            assert!(t.issues.is_empty());
        }
        Err(OfficeError::Cells(ps)) => assert!(!ps.is_empty()),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
