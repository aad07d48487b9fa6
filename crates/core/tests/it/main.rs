//! The core's tests in one binary: the checker, features, limits, extreme numbers, catalogues, properties and the bundled templates.

mod check;
mod extremes;
mod features;
mod i18n;
mod limits;
mod props;
mod templates;
