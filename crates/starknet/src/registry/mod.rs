//! Herodotus Integrity's FactRegistry on Starknet: reading a fact's verifications and registering Stone
//! proofs, in one `verify_proof_full_and_register_fact` transaction when the calldata fits, or through
//! the split flow when it does not.

mod plan;
mod split;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use starknet::core::types::{Call, Felt, FunctionCall};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use starkrisk_domain::ports::{ChainError, ExecutionOutcome, FactRegistry, RegistrationJournal};
use starkrisk_domain::{
    FactHash, FactRegistration, FactVerification, OutputHash, ProofArtifact, ProofSystem, TxHash, VerificationHash,
    VerifiedClaim, VerifierConfig,
};
use starkrisk_integrity::{decode_fact_registered, decode_verification, decode_verifications};

use crate::account::{Operator, TxOutcome, provider_error};
use crate::rpc::RpcError;

pub use plan::{EXECUTE_OVERHEAD_FELTS, ProofFact, RegistrationPlan};

/// The `[starknet.integrity]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegritySettings {
    /// The FactRegistry (proxy) address of the network.
    pub fact_registry: String,
    /// Largest account calldata sent in one transaction; a proof above it goes through the split flow.
    pub max_calldata_felts: usize,
    /// The registry is starkrisk's FactRegistry stand-in on a local chain, owned by the operator: S-two
    /// facts are recorded in it directly (`register_fact`), under [`VerifierConfig::local_stwo`]. Refused
    /// on SN_MAIN and SN_SEPOLIA, where only Integrity's verification counts.
    #[serde(default)]
    pub local_stand_in: bool,
}

/// What `get_verification` records under a verification hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedVerification {
    /// The verified fact.
    pub fact_hash: FactHash,
    /// The security the verifier checked.
    pub security_bits: u32,
    /// The verifier configuration.
    pub verifier_config: VerifierConfig,
}

/// Integrity's FactRegistry, read through the provider and written through the operator account.
pub struct IntegrityRegistry {
    operator: Arc<Operator>,
    contract: Felt,
    config: VerifierConfig,
    max_calldata_felts: usize,
    local_stand_in: bool,
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
        if settings.max_calldata_felts <= EXECUTE_OVERHEAD_FELTS {
            return Err(ChainError::InvalidInput {
                field: "starknet.integrity.max_calldata_felts".into(),
                reason: format!(
                    "{} leaves no room for a call (the account's wrapping alone takes {EXECUTE_OVERHEAD_FELTS}); \
                     set the network's per-transaction calldata limit",
                    settings.max_calldata_felts
                ),
            });
        }
        Ok(Self {
            operator,
            contract,
            config,
            max_calldata_felts: settings.max_calldata_felts,
            local_stand_in: settings.local_stand_in,
        })
    }

    /// How a Stone proof would be registered: one transaction, or the split flow's. CPU-bound when the
    /// proof needs splitting (it is verified layer by layer).
    pub fn plan(&self, artifact: &ProofArtifact) -> Result<RegistrationPlan, ChainError> {
        RegistrationPlan::for_artifact(artifact, &self.config, self.max_calldata_felts)
    }

    fn call(&self, entrypoint: &str, calldata: Vec<Felt>) -> Result<Call, ChainError> {
        Ok(Call { to: self.contract, selector: selector(entrypoint)?, calldata })
    }

    /// Sends one call, noted in `journal` first, and waits for it; anything but success is an error naming
    /// `what` was sent.
    async fn send(&self, call: Call, what: &str, journal: &dyn RegistrationJournal) -> Result<TxHash, ChainError> {
        let failed = |reason: String| format!("{what}: {reason}");
        let prepared = match self.operator.prepare(vec![call]).await {
            Ok(prepared) => prepared,
            Err(ChainError::Rejected { reason, .. }) => {
                return Err(ChainError::Rejected { reason: failed(reason), tx_hash: None });
            }
            Err(e) => return Err(e),
        };
        if let Err(e) = journal.note(prepared.tx_hash).await {
            self.operator.abandon(&prepared).await;
            return Err(ChainError::Unavailable(failed(format!(
                "transaction {} could not be noted before sending ({e}); nothing was sent",
                prepared.tx_hash
            ))));
        }
        match self.operator.submit(&prepared).await? {
            TxOutcome::Succeeded { tx_hash, .. } => Ok(tx_hash),
            TxOutcome::Reverted { tx_hash, reason } => {
                Err(ChainError::Rejected { reason: failed(reason), tx_hash: Some(tx_hash) })
            }
            TxOutcome::Rejected { reason } => Err(ChainError::Rejected { reason: failed(reason), tx_hash: None }),
            TxOutcome::TimedOut { tx_hash } => Err(ChainError::Timeout { tx_hash }),
        }
    }

    /// A verification of the proof's fact on chain with this registry's verifier configuration and at
    /// least the proof's security, if there is one.
    async fn already_verified(&self, claim: &ProofFact) -> Result<Option<FactRegistration>, ChainError> {
        let found = self
            .verifications(claim.fact_hash)
            .await?
            .into_iter()
            .find(|v| v.verifier_config == self.config && v.security_bits >= claim.security_bits);
        Ok(found.map(|v| {
            tracing::info!(fact_hash = %claim.fact_hash, verification_hash = %v.verification_hash,
                "the fact is already verified on chain; nothing sent");
            FactRegistration {
                fact_hash: claim.fact_hash,
                verification_hash: v.verification_hash,
                security_bits: v.security_bits,
                tx_hash: None,
                transactions: Vec::new(),
                attested_by_operator: self.local_stand_in,
            }
        }))
    }

    /// The transactions earlier attempts noted that reached the chain (included, or still pending); one
    /// noted just before a crash and never sent is unknown to the chain and left out.
    async fn earlier_sent(&self, journal: &dyn RegistrationJournal) -> Result<Vec<TxHash>, ChainError> {
        let mut sent = Vec::new();
        for tx in journal.earlier() {
            if self.operator.status(tx).await? != ExecutionOutcome::Unknown {
                sent.push(tx);
            }
        }
        Ok(sent)
    }

    /// Calls a one-argument view of the registry at the latest block; with several RPC endpoints
    /// configured, two must give the same answer, so one lying node cannot make a fact count.
    async fn view(&self, entrypoint: &str, argument: Felt) -> Result<Vec<Felt>, ChainError> {
        let call = FunctionCall {
            contract_address: self.contract,
            entry_point_selector: selector(entrypoint)?,
            calldata: vec![argument],
        };
        self.operator.pool().call_agreed(&call).await.map_err(|e| match e {
            RpcError::Rejected { message } => ChainError::Rejected { reason: message, tx_hash: None },
            other => ChainError::Unavailable(other.to_string()),
        })
    }

    /// `get_verification`: the fact, security and configuration recorded under `hash`, if any.
    pub async fn verification(&self, hash: VerificationHash) -> Result<Option<RecordedVerification>, ChainError> {
        let felts = self.view("get_verification", hash.felt()).await?;
        let decoded = decode_verification(&felts)
            .map_err(|e| ChainError::Unknown(anyhow::anyhow!("FactRegistry answer: {e}")))?;
        Ok(decoded.map(|(fact_hash, security_bits, verifier_config)| RecordedVerification {
            fact_hash,
            security_bits,
            verifier_config,
        }))
    }

    /// Checks a registration against the proof and reads it back: the event must name the fact the
    /// proof's public memory gives, and the registry must hold that verification for it.
    async fn confirm(&self, claim: &ProofFact, registration: FactRegistration) -> Result<FactRegistration, ChainError> {
        let refused = |reason: String| ChainError::Rejected { reason, tx_hash: registration.tx_hash };
        if registration.fact_hash != claim.fact_hash {
            return Err(refused(format!(
                "Integrity registered fact {} for this proof, but its public memory gives {}: the fact hashing \
                 here and Integrity's disagree, so no decision may rely on either",
                registration.fact_hash, claim.fact_hash
            )));
        }
        let expected = RecordedVerification {
            fact_hash: claim.fact_hash,
            security_bits: registration.security_bits,
            verifier_config: self.config.clone(),
        };
        match self.verification(registration.verification_hash).await? {
            Some(recorded) if recorded == expected => Ok(registration),
            other => Err(refused(format!(
                "the registry does not hold verification {} as registered (it reads back {other:?})",
                registration.verification_hash
            ))),
        }
    }

    /// The `FactRegistered` event of a registration transaction.
    async fn fact_registered(&self, tx_hash: TxHash) -> Result<FactRegistration, ChainError> {
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
                    tx_hash: Some(tx_hash),
                    transactions: vec![tx_hash],
                    attested_by_operator: self.local_stand_in,
                });
            }
        }
        Err(ChainError::Rejected {
            reason: "the registration succeeded but emitted no FactRegistered event".into(),
            tx_hash: Some(tx_hash),
        })
    }
}

/// Runs CPU-bound work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ChainError> + Send + 'static,
) -> Result<T, ChainError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ChainError::Unknown(anyhow::anyhow!("planning the registration failed: {e}")))?
}

impl IntegrityRegistry {
    /// Records a locally verified S-two claim's fact in the stand-in: H(AIR hash, H(statement felts)), under
    /// the local S-two configuration and the claim's conjectured bits.
    async fn record_local(
        &self,
        claim: &VerifiedClaim,
        journal: &dyn RegistrationJournal,
    ) -> Result<FactRegistration, ChainError> {
        let fact = FactHash::compute(claim.program_hash, OutputHash::of_output(&claim.statement.to_felts()));
        let local = ProofFact { fact_hash: fact, security_bits: claim.security_bits };
        let config = VerifierConfig::local_stwo();
        let recorded = self
            .verifications(fact)
            .await?
            .into_iter()
            .find(|v| v.verifier_config == config && v.security_bits >= claim.security_bits);
        if let Some(v) = recorded {
            return Ok(FactRegistration {
                fact_hash: fact,
                verification_hash: v.verification_hash,
                security_bits: v.security_bits,
                tx_hash: None,
                transactions: Vec::new(),
                attested_by_operator: true,
            });
        }
        let config_felts = config.to_felts().map_err(|e| ChainError::Unknown(anyhow::anyhow!("{e}")))?;
        let mut calldata = vec![fact.felt(), Felt::from(claim.security_bits)];
        calldata.extend(config_felts);
        let tx_hash = self.send(self.call("register_fact", calldata)?, "register_fact", journal).await?;
        let registration = self.fact_registered(tx_hash).await?;
        if registration.fact_hash != local.fact_hash || registration.security_bits != local.security_bits {
            return Err(ChainError::Rejected {
                reason: format!("the stand-in recorded {registration:?} for fact {fact}"),
                tx_hash: Some(tx_hash),
            });
        }
        Ok(registration)
    }
}

#[async_trait]
impl FactRegistry for IntegrityRegistry {
    fn registers(&self, system: ProofSystem) -> bool {
        system == ProofSystem::Stone || (self.local_stand_in && system == ProofSystem::Stwo)
    }

    async fn register(
        &self,
        artifact: &ProofArtifact,
        claim: &VerifiedClaim,
        journal: &(dyn RegistrationJournal + 'static),
    ) -> Result<FactRegistration, ChainError> {
        let earlier = self.earlier_sent(journal).await?;
        let registration = if artifact.system == ProofSystem::Stwo && self.local_stand_in {
            self.record_local(claim, journal).await?
        } else {
            self.register_stone(artifact, claim, journal).await?
        };
        let mut transactions = earlier;
        for tx in &registration.transactions {
            if !transactions.contains(tx) {
                transactions.push(*tx);
            }
        }
        Ok(FactRegistration { transactions, ..registration })
    }

    async fn verifications(&self, fact: FactHash) -> Result<Vec<FactVerification>, ChainError> {
        let felts = self.view("get_all_verifications_for_fact_hash", fact.felt()).await?;
        decode_verifications(&felts).map_err(|e| ChainError::Unknown(anyhow::anyhow!("FactRegistry answer: {e}")))
    }
}

impl IntegrityRegistry {
    /// Has Integrity verify a Stone proof and register its fact, unless it is on chain already; lists
    /// only this attempt's transactions.
    async fn register_stone(
        &self,
        artifact: &ProofArtifact,
        claim: &VerifiedClaim,
        journal: &dyn RegistrationJournal,
    ) -> Result<FactRegistration, ChainError> {
        let artifact = artifact.clone();
        // Parsing and splitting take tens of milliseconds of CPU: kept off the async workers.
        let proof = blocking(move || plan::stone_proof(&artifact)).await?;
        let proven = ProofFact::of(&proof)?;
        // What is registered must be what was verified: the same fact, from the same bytes.
        if claim.fact_hash != Some(proven.fact_hash) {
            return Err(ChainError::InvalidInput {
                field: "artifact".into(),
                reason: format!(
                    "the proof's fact is {}, but its verified claim names {:?}; refusing to register it",
                    proven.fact_hash, claim.fact_hash
                ),
            });
        }
        let claim = proven;
        // The same statement proven again (or a registration whose outcome a crash lost) is already on
        // chain: registering it once more would only spend fees.
        if let Some(existing) = self.already_verified(&claim).await? {
            return Ok(existing);
        }
        let (config, max) = (self.config.clone(), self.max_calldata_felts);
        let plan = blocking(move || RegistrationPlan::for_proof(&proof, &config, max)).await?;
        let transactions = match plan {
            RegistrationPlan::Full(calldata) => {
                let call = self.call("verify_proof_full_and_register_fact", calldata)?;
                vec![self.send(call, "verify_proof_full_and_register_fact", journal).await?]
            }
            RegistrationPlan::Split(split) => self.send_split(&split, journal).await?,
        };
        let last =
            *transactions.last().ok_or_else(|| ChainError::Unknown(anyhow::anyhow!("no transaction was sent")))?;
        let registration = self.fact_registered(last).await?;
        self.confirm(&claim, FactRegistration { transactions, ..registration }).await
    }
}
