//! The form templates shipped inside the binary (from `templates/`).

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// A template by bundled id (`F01`), case-insensitive.
pub fn find(id: &str) -> Option<(&'static str, &'static str, Option<&'static str>)> {
    BUNDLED
        .iter()
        .copied()
        .find(|(i, _, _)| i.eq_ignore_ascii_case(id))
}
