//! The command line's tests in one binary: `kaohe` commands, two servers on one database, and the browser tests (headless Chromium).

mod common;

mod browser;
mod cli;
mod notify_crash;
mod office;
mod ops;
mod two_servers;
