//! starkrisk's LuminAIR adapter: the risk graph as an AIR proved with S-two (stwo), in-process.
//!
//! Like LuminAIR, every operation of the computation graph becomes constraints: the weighted sums, the
//! floor divisions (quotient and remainder, the remainder range-checked below the divisor), the liquidity
//! lookup, the age branch, the clamps and the allocation quotients, whose numbers exceed the M31 prime and
//! are checked in 12-bit limbs. The statement is the AIR's public input: its numbers are the constraints'
//! constants and all of it seeds the transcript, so changing any one of them fails verification.

mod adapter;
mod air;
mod envelope;
mod error;
mod security;
mod settings;
mod stark;

pub use adapter::{StwoProver, StwoVerifier};
pub use air::{AIR_VERSION, AirShape, air_hash, shape};
pub use envelope::{FORMAT_VERSION, MAGIC, MAX_PROOF_BYTES, ProofEnvelope, STATEMENT_BYTES};
pub use error::StwoError;
pub use security::SecurityParams;
pub use settings::StwoSettings;
pub use stark::{prove, verify};
