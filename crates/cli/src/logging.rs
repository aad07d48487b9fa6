//! Logs of `kaohe serve`: on stderr, for people (default) or as JSON lines
//! (`--log-format json`, KAOHE_LOG_FORMAT=json); the level from KAOHE_LOG (default `info`,
//! any `tracing` filter such as `warn,kaohe_server=debug`).

use clap::ValueEnum;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// Install the process's log subscriber (once; later calls do nothing).
pub fn init(format: LogFormat) {
    let filter = match std::env::var("KAOHE_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::try_new(&v).unwrap_or_else(|e| {
            eprintln!("KAOHE_LOG={v}: {e}; 改用 / using info");
            EnvFilter::new("info")
        }),
        _ => EnvFilter::new("info"),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
