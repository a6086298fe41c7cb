//! The app's integration tests, in one binary: one link of the whole service instead of one per file,
//! which is most of a warm build's time. Each module is one file's tests, named as before
//! (`cargo test -p starkrisk-app --test app -- chain_cli::` runs one of them); the support modules are
//! shared.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod browser;
mod common;
mod deploy;
mod e2e;

mod access_api;
mod api_contract;
mod auth;
mod caching;
mod chain_approve;
mod chain_cli;
mod chain_metrics;
mod cli;
mod dashboard_browser;
mod deploy_containers;
mod deploy_files;
mod docs_tables;
mod end_to_end;
mod idempotency_api;
mod job_retry_api;
mod limits_api;
mod operations_api;
mod outage;
mod proofs_api;
mod provers_api;
mod readme;
mod risk_engine_api;
mod verify_fuzz;
mod webhooks_delivery;
mod worker_process;
mod workers;
