//! Test doubles shared by the use-case tests.

use std::sync::Arc;
use std::time::Duration;

use crate::decision::AllocationDecision;
use crate::felt::{FactHash, Felt, ModelHash, ProgramHash};
use crate::metrics::ProtocolMetrics;
use crate::model::RiskModel;
use crate::params::{ModelParams, ModelVersion};
use crate::ports::*;
use crate::programs::RiskPrograms;
use crate::proof::{ProofArtifact, ProofSystem, ProverKind, VerifiedProof};
use crate::proof_job::ProofJob;
use crate::statement::DecisionStatement;
pub use crate::testing::{ManualClock, MemoryStore};
use crate::usecases::{DecisionPipeline, PipelinePolicy, PipelinePorts, ProverSet, VerifyProof};

pub fn model() -> RiskModel {
    RiskModel::new(
        ModelVersion::V1,
        ModelParams::v1(),
        ProgramHash::new(Felt::from(42u8)),
        "test",
        ManualClock::default().now(),
    )
}

pub fn metrics(u: u64, v: u64, l: u64, a: u64, d: u64) -> ProtocolMetrics {
    ProtocolMetrics::from_parts(u, v, l, a, d).unwrap()
}

/// The worked example of docs/risk-model.md under the test model.
pub fn statement() -> DecisionStatement {
    DecisionStatement::under(&model(), crate::examples::SNAPSHOT).0
}

pub fn artifact(prover: ProverKind, system: ProofSystem, statement: DecisionStatement) -> ProofArtifact {
    ProofArtifact {
        prover,
        system,
        bytes: vec![1, 2, 3],
        statement,
        prove_time: Duration::from_millis(5),
        remote_query: None,
    }
}

/// The programs the test model is proven by: its Cairo program (42) and an S-two AIR (43).
pub fn programs() -> RiskPrograms {
    RiskPrograms {
        cairo: model().program_hash(),
        stwo_air: ProgramHash::new(Felt::from(43u8)),
        bootloader: Some(ProgramHash::new(Felt::from(44u8))),
    }
}

/// What a verifier says of a proof of the risk program stating `statement`.
pub fn verified(system: ProofSystem, statement: DecisionStatement, security_bits: u32) -> VerifiedProof {
    let fact_hash = (system == ProofSystem::Stone).then(|| FactHash::new(Felt::from(77u8)));
    let program_hash = programs().expected(system);
    // Counted as if grinding gave every bit, so the conjectured figure is `security_bits`.
    let security = crate::SecurityLevel::of_fri(0, 0, security_bits);
    VerifiedProof { system, program_hash, public_output: statement.to_felts(), security, fact_hash }
}

/// A prover mock that answers every call with `result`.
pub fn prover(
    kind: ProverKind,
    result: impl Fn() -> Result<ProofArtifact, ProverError> + Send + Sync + 'static,
) -> Arc<dyn Prover> {
    let mut mock = MockProver::new();
    mock.expect_kind().return_const(kind);
    mock.expect_prove().returning(move |_, _| result());
    Arc::new(mock)
}

/// A verifier mock for `system` that answers every call with `result`.
pub fn verifier(
    system: ProofSystem,
    result: impl Fn() -> Result<VerifiedProof, VerifyError> + Send + Sync + 'static,
) -> Arc<dyn ProofVerifier> {
    let mut mock = MockProofVerifier::new();
    mock.expect_system().return_const(system);
    mock.expect_verify().returning(move |_| result());
    Arc::new(mock)
}

/// Everything a pipeline test wires.
pub struct Rig {
    pub clock: Arc<ManualClock>,
    pub store: Arc<MemoryStore>,
    pub provers: Vec<Arc<dyn Prover>>,
    pub verifiers: Vec<Arc<dyn ProofVerifier>>,
    pub registry: Option<Arc<dyn FactRegistry>>,
    pub executor: Option<Arc<dyn AllocationExecutor>>,
    pub policy: PipelinePolicy,
}

impl Rig {
    pub fn new() -> Self {
        let clock = Arc::new(ManualClock::default());
        Self {
            store: Arc::new(MemoryStore::new(clock.clone())),
            clock,
            provers: Vec::new(),
            verifiers: Vec::new(),
            registry: None,
            executor: None,
            policy: policy(),
        }
    }

    /// A rig whose S-two prover proves the test statement and whose verifier accepts it at 100 bits.
    pub fn with_stwo() -> Self {
        let mut rig = Self::new();
        rig.provers =
            vec![prover(ProverKind::Luminair, || Ok(artifact(ProverKind::Luminair, ProofSystem::Stwo, statement())))];
        rig.verifiers.push(verifier(ProofSystem::Stwo, || Ok(verified(ProofSystem::Stwo, statement(), 100))));
        rig
    }

    pub fn pipeline(&self) -> DecisionPipeline {
        let ports = PipelinePorts {
            provers: ProverSet::new(self.provers.clone()),
            verify: VerifyProof::new(self.verifiers.clone(), self.policy.security_floor(), programs()),
            registry: self.registry.clone(),
            executor: self.executor.clone(),
            jobs: self.store.clone(),
            decisions: self.store.clone(),
            clock: self.clock.clone(),
        };
        DecisionPipeline::new(ports, self.policy.clone())
    }

    /// Stores a pending decision and its queued job proven by `provers` in order.
    pub async fn decision(&self, provers: Vec<ProverKind>) -> (AllocationDecision, ProofJob) {
        let (decision, job) = AllocationDecision::plan(statement(), ModelVersion::V1, provers, self.clock.now());
        DecisionStore::create(self.store.as_ref(), &decision, &job).await.unwrap()
    }

    pub async fn stored(&self, decision: &AllocationDecision) -> (AllocationDecision, ProofJob) {
        let d = DecisionStore::get(self.store.as_ref(), decision.id()).await.unwrap().unwrap();
        let j = ProofJobStore::get(self.store.as_ref(), d.proof_job_id()).await.unwrap().unwrap();
        (d, j)
    }
}

/// A model hash other than the test model's.
pub fn other_model_hash() -> ModelHash {
    ModelHash::new(Felt::from(999u16))
}

/// The `local` profile's policy with two retries: S-two then Stone, 96 bits, no on-chain fact.
pub fn policy() -> PipelinePolicy {
    PipelinePolicy {
        provers: vec![ProverKind::Luminair, ProverKind::Stone],
        min_security_bits: 96,
        min_provable_security_bits: 0,
        require_onchain_fact: false,
        fact_policy: crate::FactPolicy { expected_config: crate::VerifierConfig::starkrisk(), min_security_bits: 96 },
        governance: crate::GovernancePolicy::new(crate::Bps::new(8000).unwrap(), 2).unwrap(),
        max_retries: 2,
        backoff: crate::Backoff::new(Duration::from_secs(2), Duration::from_secs(300)),
        max_prover_timeout: Duration::from_secs(600),
        execution: crate::ExecutionMode::Auto,
    }
}

/// The chain and deployment the test service runs as.
pub fn domain() -> crate::ApprovalDomain {
    crate::ApprovalDomain {
        chain_id: crate::short_string("chain_id", "SN_SEPOLIA").unwrap(),
        deployment: crate::short_string("deployment", "starkrisk-test").unwrap(),
    }
}
