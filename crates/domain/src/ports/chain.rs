//! What happens on Starknet: Integrity's FactRegistry and the allocation contract.

use async_trait::async_trait;

use crate::decision::AllocationDecision;
use crate::execution::ExecutionRecord;
use crate::felt::{FactHash, ModelHash, TxHash};
use crate::integrity::FactVerification;
use crate::ports::StoreError;
use crate::proof::{ProofArtifact, ProofSystem, VerifiedClaim};
use crate::proof_job::FactRegistration;

/// Why a chain call failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// No RPC endpoint answered; try again later.
    #[error("Starknet is unreachable: {0}")]
    Unavailable(String),
    /// A transaction was sent but no receipt came in time; it may still land, so never resubmit blindly.
    #[error("transaction {tx_hash} is still pending after the wait")]
    Timeout {
        /// The pending transaction.
        tx_hash: TxHash,
    },
    /// The transaction can never be included: its nonce was used by another transaction, and the chain
    /// does not know this one. Signing a new transaction is safe.
    #[error("transaction {tx_hash} can never be included: its nonce was used by another transaction")]
    Superseded {
        /// The dead transaction.
        tx_hash: TxHash,
    },
    /// The chain refused the call or the transaction reverted.
    #[error("{reason}")]
    Rejected {
        /// Why, as the chain said it.
        reason: String,
        /// The reverted transaction, when one was included.
        tx_hash: Option<TxHash>,
    },
    /// The input cannot be sent (for example a proof that is not a Stone proof).
    #[error("{field}: {reason}")]
    InvalidInput {
        /// The offending field.
        field: String,
        /// Why.
        reason: String,
    },
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl ChainError {
    /// Whether trying the same call again later could succeed.
    pub const fn is_transient(&self) -> bool {
        matches!(self, ChainError::Unavailable(_) | ChainError::Timeout { .. })
    }
}

/// Herodotus Integrity's FactRegistry.
// The journal is `'static` so mockall's copy of `register` matches the trait's lifetimes; the parentheses
// it needs (`&dyn A + 'static` does not parse) are then called unnecessary in that copy.
#[allow(unused_parens)]
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait FactRegistry: Send + Sync {
    /// Whether proofs of `system` are registered here (Integrity: Stone; a local stand-in: S-two too).
    fn registers(&self, system: ProofSystem) -> bool;

    /// Registers the fact of `artifact`, which local verification established as `claim`; waits for the
    /// receipt. Integrity verifies a Stone proof itself; a local stand-in records the claim's fact. Each
    /// transaction is noted in `journal` before it is sent, and the registration lists every transaction of
    /// it that reached the chain, the earlier attempts' included.
    async fn register(
        &self,
        artifact: &ProofArtifact,
        claim: &VerifiedClaim,
        journal: &(dyn RegistrationJournal + 'static),
    ) -> Result<FactRegistration, ChainError>;

    /// Every verification recorded for `fact`.
    async fn verifications(&self, fact: FactHash) -> Result<Vec<FactVerification>, ChainError>;
}

/// Where a registration notes its transactions before sending them, so that one cut short (a crash, a
/// timed-out receipt) and finished by a later attempt still lists every transaction it paid for.
#[async_trait]
pub trait RegistrationJournal: Send + Sync {
    /// What earlier attempts noted, oldest first; a transaction noted just before a crash may never have
    /// been sent, so the registry keeps only those the chain knows.
    fn earlier(&self) -> Vec<TxHash>;

    /// Notes `tx`, signed and about to be sent. When it cannot be noted, nothing may be sent.
    async fn note(&self, tx: TxHash) -> Result<(), StoreError>;
}

/// A journal that keeps nothing, for a registration no job follows (a command-line tool, a test).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoJournal;

#[async_trait]
impl RegistrationJournal for NoJournal {
    fn earlier(&self) -> Vec<TxHash> {
        Vec::new()
    }

    async fn note(&self, _tx: TxHash) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Whether an allocation contract executes decisions under a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelApproval {
    /// The contract does not gate on models (a plain executor contract).
    NotGated,
    /// The model is approved.
    Approved,
    /// The model is not approved, and this service cannot approve it.
    Missing {
        /// The call the contract's owner must make, in words.
        owner_call: String,
    },
}

/// What became of an execution transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionOutcome {
    /// Included and succeeded.
    Succeeded {
        /// The block that included it.
        block_number: u64,
    },
    /// Included and reverted.
    Reverted {
        /// The revert reason.
        reason: String,
    },
    /// Known to the network but not yet included.
    Pending,
    /// The network has never seen it: it was prepared but never broadcast (or dropped).
    Unknown,
}

/// A signed execution transaction whose hash is known before it is sent, so it can be recorded first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedExecution {
    /// The transaction hash it will have.
    pub tx_hash: TxHash,
    /// The signed transaction, opaque to the domain, to broadcast (again) as is.
    pub signed: Vec<u8>,
}

/// Executes verified decisions on Starknet. Preparing (signing) is separate from sending so the hash can
/// be stored before anything leaves the process: after a crash the stored hash is checked, never re-signed.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait AllocationExecutor: Send + Sync {
    /// Whether the contract executes allocations under the model with `model_hash`.
    async fn model_approval(&self, model_hash: ModelHash) -> Result<ModelApproval, ChainError>;

    /// Approves `model_hash` on the contract when this service holds the key that may; otherwise says
    /// which call its owner must make.
    async fn approve_model(&self, model_hash: ModelHash) -> Result<ModelApproval, ChainError>;

    /// What the successful transaction `tx_hash` left on chain: the contract it called and its event.
    async fn execution_record(&self, tx_hash: TxHash) -> Result<ExecutionRecord, ChainError>;

    /// Builds and signs the allocation transaction for `decision` without sending it.
    async fn prepare(&self, decision: &AllocationDecision) -> Result<PreparedExecution, ChainError>;

    /// Sends a prepared transaction; sending one the network already knows is not an error.
    async fn broadcast(&self, prepared: &PreparedExecution) -> Result<(), ChainError>;

    /// Waits (bounded) for the transaction's receipt.
    async fn outcome(&self, tx_hash: TxHash) -> Result<ExecutionOutcome, ChainError>;
}
