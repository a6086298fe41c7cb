//! starkrisk's Integrity adapter: decoding of what the FactRegistry returns and emits, exactly as its
//! Cairo ABI serializes it, and the client of Herodotus' Atlantic proving service. The RPC client that
//! reads and registers on chain builds on these.

pub mod abi;
pub mod atlantic;
pub mod prover;

pub use abi::{AbiError, decode_fact_registered, decode_verification, decode_verifications};
pub use prover::AtlanticProver;
