//! starkrisk's Starknet adapters on starknet-rs: an RPC pool with failover and a chain-id guard, the
//! operator account (encrypted keystore, nonces, fees, v3 invokes, receipts), the allocation executor and
//! Integrity's FactRegistry, the JediSwap and Ekubo pool readers, and starkrisk's own contracts (the allocation vault with its treasury, and a local registry).

mod account;
pub mod contracts;
mod executor;
mod fees;
pub mod integrity_contracts;
mod keystore;
pub mod markets;
mod registry;
mod rpc;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod vault;

pub use account::{Operator, ReceiptSettings, StarknetProvider, TxOutcome};
pub use executor::{CalldataField, ExecutorSettings, StarknetExecutor};
pub use fees::{FeeSettings, ResourceBounds};
pub use keystore::{DEFAULT_PASSWORD_ENV, KeystoreError, KeystoreSettings, OperatorKey, password};
pub use registry::{
    EXECUTE_OVERHEAD_FELTS, IntegrityRegistry, IntegritySettings, ProofFact, RecordedVerification, RegistrationPlan,
};
pub use rpc::{EndpointHealth, RpcError, RpcPool, RpcSettings};
pub use settings::{ChainAdapters, StarknetSettings};
