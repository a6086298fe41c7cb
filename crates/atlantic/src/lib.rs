//! starkrisk's Atlantic adapter: Herodotus' proving service as a remote Stone prover. The risk program's
//! run goes up as a Cairo PIE; the Stone proof comes back to be verified like a local one.

mod client;
mod prover;
mod settings;

pub use client::{AtlanticClient, AtlanticError, AtlanticJob, AtlanticQuery, Pending, QueryStatus};
pub use prover::AtlanticProver;
pub use settings::AtlanticSettings;
