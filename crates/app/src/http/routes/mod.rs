//! The endpoints, grouped as the API is.

pub mod health;
pub mod models;
pub mod proofs;
pub mod risk;
pub mod verification;
