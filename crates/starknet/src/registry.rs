//! Herodotus Integrity's FactRegistry on Starknet: reading a fact's verifications and registering Stone
//! proofs with `verify_proof_full_and_register_fact`.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use starknet::core::types::{BlockId, BlockTag, Call, Felt, FunctionCall};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use starkrisk_domain::ports::{ChainError, FactRegistry};
use starkrisk_domain::{FactHash, FactRegistration, FactVerification, ProofArtifact, ProofSystem, VerifierConfig};
use starkrisk_integrity::abi::{decode_fact_registered, decode_verifications};
use starkrisk_stone::StoneProof;

use crate::account::{Operator, TxOutcome, provider_error};

/// The `[starknet.integrity]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegritySettings {
    /// The FactRegistry (proxy) address of the network.
    pub fact_registry: String,
    /// Largest calldata sent in one transaction; larger proofs need Integrity's split flow.
    pub max_calldata_felts: usize,
}

impl Default for IntegritySettings {
    fn default() -> Self {
        Self { fact_registry: String::new(), max_calldata_felts: 4_000 }
    }
}

/// Integrity's FactRegistry, read through the provider and written through the operator account.
pub struct IntegrityRegistry {
    operator: Arc<Operator>,
    contract: Felt,
    config: VerifierConfig,
    max_calldata_felts: usize,
}

fn selector(name: &str) -> Result<Felt, ChainError> {
    get_selector_from_name(name).map_err(|e| ChainError::Unknown(anyhow::anyhow!("selector {name}: {e}")))
}

impl IntegrityRegistry {
    /// The registry at `settings.fact_registry`, registering proofs for the verifier `config`.
    pub fn new(
        operator: Arc<Operator>,
        settings: &IntegritySettings,
        config: VerifierConfig,
    ) -> Result<Self, ChainError> {
        let contract = Felt::from_hex(&settings.fact_registry).map_err(|_| ChainError::InvalidInput {
            field: "starknet.integrity.fact_registry".into(),
            reason: format!("`{}` is not a hex address", settings.fact_registry),
        })?;
        Ok(Self { operator, contract, config, max_calldata_felts: settings.max_calldata_felts })
    }

    /// The registration call for a Stone proof.
    pub fn registration_call(&self, artifact: &ProofArtifact) -> Result<Call, ChainError> {
        if artifact.system != ProofSystem::Stone {
            return Err(ChainError::InvalidInput {
                field: "proof".into(),
                reason: format!("Integrity registers Stone proofs; this is a {} proof", artifact.system.as_str()),
            });
        }
        let invalid = |reason: String| ChainError::InvalidInput { field: "proof".into(), reason };
        let json = std::str::from_utf8(&artifact.bytes).map_err(|_| invalid("a Stone proof is JSON text".into()))?;
        let proof = StoneProof::parse(json).map_err(|e| invalid(e.to_string()))?;
        let calldata = starkrisk_stone::calldata::register_calldata(&self.config, &proof.parsed)
            .map_err(|e| invalid(e.to_string()))?;
        if calldata.len() > self.max_calldata_felts {
            return Err(invalid(format!(
                "the registration calldata has {} felts, above starknet.integrity.max_calldata_felts ({}); \
                 such proofs need Integrity's split flow, which this build does not send",
                calldata.len(),
                self.max_calldata_felts
            )));
        }
        Ok(Call { to: self.contract, selector: selector("verify_proof_full_and_register_fact")?, calldata })
    }
}

#[async_trait]
impl FactRegistry for IntegrityRegistry {
    async fn register(&self, artifact: &ProofArtifact) -> Result<FactRegistration, ChainError> {
        let call = self.registration_call(artifact)?;
        let tx_hash = match self.operator.invoke(vec![call]).await? {
            TxOutcome::Succeeded { tx_hash, .. } => tx_hash,
            TxOutcome::Reverted { tx_hash, reason } => {
                return Err(ChainError::Rejected { reason, tx_hash: Some(tx_hash) });
            }
            TxOutcome::Rejected { reason } => return Err(ChainError::Rejected { reason, tx_hash: None }),
            TxOutcome::TimedOut { tx_hash } => return Err(ChainError::Timeout { tx_hash }),
        };
        let receipt = self.operator.provider().get_transaction_receipt(tx_hash.felt()).await.map_err(provider_error)?;
        let event_selector = selector("FactRegistered")?;
        for event in receipt.receipt.events().iter().filter(|e| e.from_address == self.contract) {
            let decoded = decode_fact_registered(&event.keys, &event.data, event_selector)
                .map_err(|e| ChainError::Unknown(anyhow::anyhow!("FactRegistered event: {e}")))?;
            if let Some(registered) = decoded {
                return Ok(FactRegistration {
                    fact_hash: registered.fact_hash,
                    verification_hash: registered.verification_hash,
                    security_bits: registered.security_bits,
                    tx_hash,
                });
            }
        }
        Err(ChainError::Rejected {
            reason: "the registration succeeded but emitted no FactRegistered event".into(),
            tx_hash: Some(tx_hash),
        })
    }

    async fn verifications(&self, fact: FactHash) -> Result<Vec<FactVerification>, ChainError> {
        let call = FunctionCall {
            contract_address: self.contract,
            entry_point_selector: selector("get_all_verifications_for_fact_hash")?,
            calldata: vec![fact.felt()],
        };
        let felts =
            self.operator.provider().call(call, BlockId::Tag(BlockTag::Latest)).await.map_err(provider_error)?;
        decode_verifications(&felts).map_err(|e| ChainError::Unknown(anyhow::anyhow!("FactRegistry answer: {e}")))
    }
}
