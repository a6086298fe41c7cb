//! starkrisk's Integrity adapter. This part decodes what the FactRegistry returns and emits, exactly as
//! its Cairo ABI serializes it; the RPC client that reads and registers on chain builds on it.

pub mod abi;

pub use abi::{AbiError, decode_fact_registered, decode_verification, decode_verifications};
