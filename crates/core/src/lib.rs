//! kaohe-core: the scoring engine of kaohe (考核).
//!
//! A pure library: templates in, scores and explanations out. No files, no network,
//! no clock. Everything that touches the outside world lives in other crates.
#![forbid(unsafe_code)]

pub mod formula;
pub mod num;
