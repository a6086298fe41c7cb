//! starkrisk's service crate: configuration, wiring of adapters into the domain's ports, the actix-web
//! API, background workers and the `starkrisk` CLI. No business logic lives here.

pub mod auth;
pub mod caching;
pub mod clock;
pub mod http;
pub mod keystore_cli;
pub mod server;
pub mod settings;
pub mod telemetry;
pub mod wiring;
pub mod worker;
