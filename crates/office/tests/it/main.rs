//! The office files' tests in one binary: reading tables, forms and exports (the limits on hostile files are `tests/limits.rs`, alone in
//! its binary because it measures the process's memory).

mod common;

mod exports;
mod form;
mod read_import;
