//! starkrisk's Integrity adapter: decoding of what the FactRegistry returns and emits, exactly as its
//! Cairo ABI serializes it. The RPC client that reads and registers on chain builds on it.

mod abi;

pub use abi::{AbiError, FactRegistered, decode_fact_registered, decode_verification, decode_verifications};
