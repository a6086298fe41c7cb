//! starkrisk's Stone path: the Cairo risk program and its trace (cairo-vm), the `cpu_air_prover` runner,
//! in-process verification with swiftness, Integrity's fact hashes, and the calldata Integrity's
//! `verify_proof_full_and_register_fact` takes.

pub mod calldata;
mod error;
mod felts;
pub mod hints;
pub mod install;
pub mod params;
mod parse;
pub mod program;
mod proof;
mod prover;
pub mod split;
#[cfg(feature = "testing")]
pub mod testing;
mod verifier;

pub use error::StoneError;
pub use proof::StoneProof;
pub use prover::{StoneProver, StoneSettings};
pub use verifier::{StoneVerification, StoneVerifier};
