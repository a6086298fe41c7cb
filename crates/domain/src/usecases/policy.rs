//! The operator's policy for the pipeline: prover order, security, on-chain facts and retries.

use serde::{Deserialize, Serialize};

use crate::backoff::Backoff;
use crate::integrity::FactPolicy;
use crate::params::GovernancePolicy;
use crate::proof::ProverKind;

/// How decisions are proven, checked, retried and executed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelinePolicy {
    /// Provers in the order to try them; the next is tried when one is unavailable, times out or fails.
    pub provers: Vec<ProverKind>,
    /// Local verification refuses proofs with fewer conjectured bits of security (the ethSTARK figure).
    pub min_security_bits: u32,
    /// Local verification refuses proofs with fewer provable bits of security (0: no floor).
    pub min_provable_security_bits: u32,
    /// Whether execution needs a verification on Integrity that meets `fact_policy`.
    pub require_onchain_fact: bool,
    /// What an on-chain verification must show.
    pub fact_policy: FactPolicy,
    /// Limits on the allocation itself.
    pub governance: GovernancePolicy,
    /// Retries after a transient failure before the job fails for good.
    pub max_retries: u32,
    /// Delays between retries.
    pub backoff: Backoff,
    /// The longest a prover is given after timing out on a job before (its timeout doubles per timeout).
    pub max_prover_timeout: std::time::Duration,
    /// Whether verified decisions execute by themselves or wait for an operator's request.
    pub execution: crate::ExecutionMode,
}

impl PipelinePolicy {
    /// The least security local verification accepts, in each regime.
    pub const fn security_floor(&self) -> crate::SecurityLevel {
        crate::SecurityLevel {
            conjectured_bits: self.min_security_bits,
            provable_bits: self.min_provable_security_bits,
        }
    }

    /// The prover order for one request: `preferred` first, then the configured order without repeats.
    pub fn prover_order(&self, preferred: Option<ProverKind>) -> Vec<ProverKind> {
        let mut order: Vec<ProverKind> = preferred.into_iter().collect();
        order.extend(self.provers.iter().copied().filter(|k| Some(*k) != preferred));
        order
    }
}
