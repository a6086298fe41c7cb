//! starkrisk's service crate: configuration, wiring of adapters into the domain's ports, the actix-web
//! API, background workers and the `starkrisk` CLI. No business logic lives here.

mod auth;
mod caching;
mod chain_approve;
mod chain_cli;
mod chain_rules;
mod chain_treasury;
mod dashboard;
pub mod http;
mod keystore_cli;
pub mod markets;
mod periodic;
pub mod schedule;
mod server;
mod settings;
mod telemetry;
pub mod webhooks;
mod wiring;
mod worker;

pub use auth::{AuthError, Authenticator, Claims, Role};
pub use caching::{CachedFacts, CachedMetrics, FreshPages};
pub use chain_cli::{ChainCommand, Format as ChainOutputFormat, run as run_chain};
pub use keystore_cli::{KeystoreCommand, run as run_keystore};
pub use server::{prepare_database, serve, serve_with, service, shutdown_signal, work};
pub use settings::{
    AuthSettings, CONFIG_DIR, DefaultSettings, LogSettings, PipelineSettings, ServerSettings, Settings, WorkerSettings,
    redact_url,
};
pub use starkrisk_domain::ports::SystemClock;
pub use telemetry::init as init_telemetry;
pub use wiring::{Adapters, Service, Stores};
pub use worker::{ClaimRound, JobSteps, Wakeup, WorkerConfig, Workers};
