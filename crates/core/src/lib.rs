//! kaohe-core: the scoring engine of kaohe (考核).
//!
//! A pure library: templates in, scores and explanations out. No files, no network,
//! no clock. Everything that touches the outside world lives in other crates.
#![forbid(unsafe_code)]

pub mod batch;
pub mod compile;
pub mod def;
pub mod diag;
pub mod engine;
pub mod explain;
mod fast;
pub mod formula;
pub mod i18n;
pub mod input;
pub mod model;
pub mod num;
pub mod scenario;
pub mod show;
pub mod synth;
pub mod workflow;

pub use compile::{Checked, check, compile_str};
pub use engine::{Engine, Frame, NoTrace, Recorder, RowError, Val};
pub use i18n::{Catalogue, Lang, Msg, Text};
pub use model::Template;
