//! The storage tests in one binary, each on SQLite and on PostgreSQL.

mod common;

mod audit;
mod cycle_setup;
mod cycles;
mod delegation;
mod invariant;
mod messages;
mod notify;
mod notify_prefs;
mod org_tree;
mod peers;
mod pools;
mod posts;
mod relations_rules;
mod remind;
mod sign_in;
mod story;
mod users;
