//! Test doubles shared by the use-case tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::decision::{AllocationDecision, DecisionId, DecisionStatus};
use crate::felt::{FactHash, Felt, ModelHash, ProgramHash};
use crate::metrics::ProtocolMetrics;
use crate::model::RiskModel;
use crate::params::{ModelParams, ModelVersion};
use crate::ports::*;
use crate::proof::{ProofArtifact, ProofSystem, ProverKind, VerifiedClaim};
use crate::proof_job::{ProofJob, ProofJobId, ProofJobStatus};
use crate::statement::DecisionStatement;
use crate::usecases::{DecisionPipeline, PipelinePolicy, PipelinePorts, ProverSet, VerifyProof};

/// Jobs and decisions in memory, with compare-and-set saves like the Postgres store.
#[derive(Default)]
pub struct MemoryStore {
    pub jobs: Mutex<HashMap<ProofJobId, ProofJob>>,
    pub decisions: Mutex<HashMap<DecisionId, AllocationDecision>>,
    pub models: Mutex<Vec<RiskModel>>,
}

fn cas<T: Clone>(
    slot: Option<&mut T>,
    status: impl Fn(&T) -> String,
    expected: String,
    new: &T,
) -> Result<(), StoreError> {
    let Some(slot) = slot else { return Err(StoreError::NotFound("row".into())) };
    if status(slot) != expected {
        return Err(StoreError::Conflict(format!("status is {}, expected {expected}", status(slot))));
    }
    *slot = new.clone();
    Ok(())
}

#[async_trait]
impl ProofJobStore for MemoryStore {
    async fn insert(&self, job: &ProofJob) -> Result<(), StoreError> {
        self.jobs.lock().unwrap().insert(job.id, job.clone());
        Ok(())
    }
    async fn get(&self, id: ProofJobId) -> Result<Option<ProofJob>, StoreError> {
        Ok(self.jobs.lock().unwrap().get(&id).cloned())
    }
    async fn save(&self, job: &ProofJob, expected: ProofJobStatus) -> Result<(), StoreError> {
        cas(self.jobs.lock().unwrap().get_mut(&job.id), |j| j.status.to_string(), expected.to_string(), job)
    }
    async fn claim_due(&self, _worker: &str, _lease: Duration) -> Result<Option<ProofJob>, StoreError> {
        Ok(None)
    }
    async fn release(&self, _id: ProofJobId, _worker: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn queue_depth(&self) -> Result<u64, StoreError> {
        Ok(self.jobs.lock().unwrap().values().filter(|j| !j.status.is_terminal()).count() as u64)
    }
}

#[async_trait]
impl DecisionStore for MemoryStore {
    async fn create(&self, decision: &AllocationDecision, job: &ProofJob) -> Result<AllocationDecision, StoreError> {
        let mut stored = decision.clone();
        stored.sequence = Some(self.decisions.lock().unwrap().len() as i64 + 1);
        self.jobs.lock().unwrap().insert(job.id, job.clone());
        self.decisions.lock().unwrap().insert(stored.id, stored.clone());
        Ok(stored)
    }
    async fn get(&self, id: DecisionId) -> Result<Option<AllocationDecision>, StoreError> {
        Ok(self.decisions.lock().unwrap().get(&id).cloned())
    }
    async fn by_proof_job(&self, job: ProofJobId) -> Result<Option<AllocationDecision>, StoreError> {
        Ok(self.decisions.lock().unwrap().values().find(|d| d.proof_job_id == job).cloned())
    }
    async fn save(&self, decision: &AllocationDecision, expected: DecisionStatus) -> Result<(), StoreError> {
        cas(
            self.decisions.lock().unwrap().get_mut(&decision.id),
            |d| d.status.to_string(),
            expected.to_string(),
            decision,
        )
    }
    async fn save_with_job(
        &self,
        decision: &AllocationDecision,
        expected: DecisionStatus,
        job: &ProofJob,
        expected_job: ProofJobStatus,
    ) -> Result<(), StoreError> {
        let mut jobs = self.jobs.lock().unwrap();
        let mut decisions = self.decisions.lock().unwrap();
        let job_ok = jobs.get(&job.id).is_some_and(|j| j.status == expected_job);
        let decision_ok = decisions.get(&decision.id).is_some_and(|d| d.status == expected);
        if !(job_ok && decision_ok) {
            return Err(StoreError::Conflict("job or decision moved".into()));
        }
        jobs.insert(job.id, job.clone());
        decisions.insert(decision.id, decision.clone());
        Ok(())
    }
    async fn list(&self, page: PageRequest) -> Result<Page<AllocationDecision>, StoreError> {
        let mut all: Vec<_> = self.decisions.lock().unwrap().values().cloned().collect();
        all.sort_by_key(|d| std::cmp::Reverse(d.sequence));
        all.retain(|d| page.before.is_none_or(|b| d.sequence.is_some_and(|s| s < b)));
        all.truncate(page.limit as usize);
        Ok(Page { next_cursor: all.last().and_then(|d| d.sequence), items: all })
    }
}

#[async_trait]
impl ModelStore for MemoryStore {
    async fn current(&self) -> Result<Option<RiskModel>, StoreError> {
        Ok(self.models.lock().unwrap().iter().rev().find(|m| m.status == crate::ModelStatus::Active).cloned())
    }
    async fn get(&self, version: ModelVersion) -> Result<Option<RiskModel>, StoreError> {
        Ok(self.models.lock().unwrap().iter().find(|m| m.version == version).cloned())
    }
    async fn history(&self) -> Result<Vec<RiskModel>, StoreError> {
        Ok(self.models.lock().unwrap().iter().rev().cloned().collect())
    }
    async fn register(&self, model: &RiskModel) -> Result<(), StoreError> {
        let mut models = self.models.lock().unwrap();
        if models.iter().any(|m| m.version == model.version) {
            return Err(StoreError::Conflict(format!("version {} exists", model.version)));
        }
        models.iter_mut().for_each(|m| m.status = crate::ModelStatus::Superseded);
        models.push(model.clone());
        Ok(())
    }
}

pub fn model() -> RiskModel {
    RiskModel::new(ModelVersion::V1, ModelParams::v1(), ProgramHash::new(Felt::from(42u8)), "test")
}

pub fn metrics(u: u64, v: u64, l: u64, a: u64, d: u64) -> ProtocolMetrics {
    ProtocolMetrics::from_parts(u, v, l, a, d).unwrap()
}

/// The worked example of risk-model.md under the test model.
pub fn statement() -> DecisionStatement {
    DecisionStatement::compute(model().model_hash, ModelParams::v1(), crate::examples::SNAPSHOT).0
}

pub fn artifact(prover: ProverKind, system: ProofSystem, statement: DecisionStatement) -> ProofArtifact {
    ProofArtifact { prover, system, bytes: vec![1, 2, 3], statement, prove_time: Duration::from_millis(5) }
}

pub fn claim(system: ProofSystem, statement: DecisionStatement, security_bits: u32) -> VerifiedClaim {
    let fact_hash = (system == ProofSystem::Stone).then(|| FactHash::new(Felt::from(77u8)));
    VerifiedClaim { system, program_hash: ProgramHash::new(Felt::from(1u8)), statement, security_bits, fact_hash }
}

/// A prover mock that answers every call with `result`.
pub fn prover(
    kind: ProverKind,
    result: impl Fn() -> Result<ProofArtifact, ProverError> + Send + Sync + 'static,
) -> Arc<dyn Prover> {
    let mut mock = MockProver::new();
    mock.expect_kind().return_const(kind);
    mock.expect_prove().returning(move |_| result());
    Arc::new(mock)
}

/// A verifier mock for `system` that answers every call with `result`.
pub fn verifier(
    system: ProofSystem,
    result: impl Fn() -> Result<VerifiedClaim, VerifyError> + Send + Sync + 'static,
) -> Arc<dyn ProofVerifier> {
    let mut mock = MockProofVerifier::new();
    mock.expect_system().return_const(system);
    mock.expect_verify().returning(move |_| result());
    Arc::new(mock)
}

/// Everything a pipeline test wires.
pub struct Rig {
    pub store: Arc<MemoryStore>,
    pub provers: Vec<Arc<dyn Prover>>,
    pub verifiers: Vec<Arc<dyn ProofVerifier>>,
    pub registry: Option<Arc<dyn FactRegistry>>,
    pub executor: Option<Arc<dyn AllocationExecutor>>,
    pub policy: PipelinePolicy,
}

impl Rig {
    pub fn new() -> Self {
        Self {
            store: Arc::new(MemoryStore::default()),
            provers: Vec::new(),
            verifiers: Vec::new(),
            registry: None,
            executor: None,
            policy: PipelinePolicy { max_retries: 2, ..PipelinePolicy::default() },
        }
    }

    pub fn pipeline(&self) -> DecisionPipeline {
        let ports = PipelinePorts {
            provers: ProverSet::new(self.provers.clone()),
            verify: VerifyProof::new(self.verifiers.clone(), self.policy.min_security_bits),
            registry: self.registry.clone(),
            executor: self.executor.clone(),
            jobs: self.store.clone(),
            decisions: self.store.clone(),
        };
        DecisionPipeline::new(ports, self.policy.clone())
    }

    /// Stores a pending decision and its queued job proven by `provers` in order.
    pub async fn decision(&self, provers: Vec<ProverKind>) -> (AllocationDecision, ProofJob) {
        let mut job = ProofJob::new(crate::ProofRequest { statement: statement() }, provers, None);
        let decision = AllocationDecision::new(statement(), ModelVersion::V1, job.id);
        job.decision_id = Some(decision.id);
        let decision = DecisionStore::create(self.store.as_ref(), &decision, &job).await.unwrap();
        (decision, job)
    }

    pub async fn stored(&self, decision: &AllocationDecision) -> (AllocationDecision, ProofJob) {
        let d = DecisionStore::get(self.store.as_ref(), decision.id).await.unwrap().unwrap();
        let j = ProofJobStore::get(self.store.as_ref(), d.proof_job_id).await.unwrap().unwrap();
        (d, j)
    }
}

/// A model hash other than the test model's.
pub fn other_model_hash() -> ModelHash {
    ModelHash::new(Felt::from(999u16))
}
