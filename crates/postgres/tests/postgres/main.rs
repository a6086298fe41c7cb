//! The Postgres adapter's integration tests, in one binary: one build and link instead of one per file
//! (each links diesel and the domain). Each module is one file's tests, named as before
//! (`cargo test -p starkrisk-postgres --test postgres -- queue_batch::` runs one of them).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod common;

mod market_samples;
mod migrations;
mod overview;
mod pool_settings;
mod queue_batch;
mod repositories;
mod store_contract;
mod webhooks;
