//! The store's messages for people: a Fluent catalogue in zh-CN and English
//! (`crates/store/i18n`), compiled into the binary. Errors carry a key and its arguments
//! ([`kaohe_core::Text`]) and are rendered in the reader's language at the edge.

use kaohe_core::Catalogue;

/// The store's catalogue.
pub static CATALOGUE: Catalogue = Catalogue::new(
    include_str!("../i18n/zh-CN.ftl"),
    include_str!("../i18n/en.ftl"),
);

/// A message of the store's catalogue: `text!("key", name = value, …)`.
macro_rules! text {
    ($key:literal $(, $k:ident = $v:expr)* $(,)?) => {
        kaohe_core::Text::new(
            &$crate::text::CATALOGUE,
            kaohe_core::Msg {
                key: $key,
                args: vec![$((stringify!($k), ($v).to_string())),*],
                en: Vec::new(),
            },
        )
    };
}
