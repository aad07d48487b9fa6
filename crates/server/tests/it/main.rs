//! The server's integration tests in one binary (axum and sqlx are linked once): the JSON API, the pages, whole months, the office files and the access matrix, each on SQLite and on PostgreSQL.

mod common;

mod api;
mod hr_cycles;
mod hr_org;
mod journey;
mod messages;
mod notify;
mod office;
mod ops;
mod org_tree;
mod pdf;
mod peers;
mod remind;
mod users;
mod web;
