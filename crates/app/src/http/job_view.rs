//! A proof job as clients read it: its attempts, failure and resumptions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use starkrisk_domain::{AttemptOutcome, FactRegistration, ProofJob, ProofSystem};
use utoipa::ToSchema;
use uuid::Uuid;

/// One proving attempt.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttemptView {
    /// The prover.
    pub prover: String,
    /// succeeded, unavailable, timeout or failed.
    pub outcome: String,
    /// What the prover said.
    pub message: Option<String>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How long it ran.
    pub duration_ms: u64,
    /// The remote prover's query id (Atlantic), when the attempt had one: retries poll it instead of paying
    /// for a new one, and the provider knows the attempt by it.
    pub remote_query: Option<String>,
}

/// The FRI parameters a Stone proof was made with, as the prover recorded them in the proof.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FriView {
    /// Layers folded at each FRI step (the first is always 0).
    pub fri_step_list: Vec<u32>,
    /// Degree bound of the last layer, sent in the clear.
    pub last_layer_degree_bound: u64,
    /// FRI queries.
    pub n_queries: u32,
    /// Proof-of-work bits.
    pub proof_of_work_bits: u32,
    /// log2 of the blowup.
    pub log_n_cosets: u32,
}

/// How a proof's fact came to be on chain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistrationView {
    /// The fact.
    pub fact_hash: String,
    /// The verification recorded for it: H(fact, verifier configuration, security bits).
    pub verification_hash: String,
    /// The security bits the registry recorded (Integrity's verifier computes them from the proof).
    pub security_bits: u32,
    /// Every transaction sent to register it, in order: one, or Integrity's split flow (initial call, a
    /// step per inner FRI layer, final call). Empty when the chain already held the verification.
    pub transactions: Vec<String>,
    /// Who checked the proof on chain: `verified on chain by Integrity`, or, for an S-two fact in starkrisk's
    /// devnet stand-in registry, `attested by the operator, not verified on chain`.
    pub checked_by: String,
}

impl RegistrationView {
    /// The view of a job's registration.
    pub fn new(registration: &FactRegistration) -> Self {
        Self {
            fact_hash: registration.fact_hash.to_string(),
            verification_hash: registration.verification_hash.to_string(),
            security_bits: registration.security_bits,
            transactions: registration.transactions.iter().map(ToString::to_string).collect(),
            checked_by: if registration.attested_by_operator {
                "attested by the operator, not verified on chain".into()
            } else {
                "verified on chain by Integrity".into()
            },
        }
    }
}

/// An operator's resumption of a failed job.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResumptionView {
    /// Who resumed it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The stage it had failed at.
    pub stage: String,
    /// Why it had failed.
    pub reason: String,
    /// The status it resumed from.
    pub resumed_from: String,
}

/// A proof job as clients read it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProofJobView {
    /// Its id.
    pub proof_job_id: Uuid,
    /// queued, proving, proved, verified, registered, executed or failed.
    pub status: String,
    /// The decision it proves, if any.
    pub decision_id: Option<Uuid>,
    /// Provers in the order they are tried.
    pub provers: Vec<String>,
    /// Every attempt so far.
    pub attempts: Vec<AttemptView>,
    /// The prover that made the proof.
    pub prover: Option<String>,
    /// stone or stwo.
    pub proof_system: Option<String>,
    /// SHA-256 of the proof.
    pub proof_hash: Option<String>,
    /// Proof size in bytes.
    pub proof_size: Option<usize>,
    /// The FRI parameters of a Stone proof (S-two's are fixed by `[luminair]`); in a single job's answer
    /// only, since they are read from the proof itself.
    pub fri: Option<FriView>,
    /// Proving time.
    pub prove_time_ms: Option<u64>,
    /// The statement the proof binds, as felts in canonical order (model hash first).
    pub public_output: Option<Vec<String>>,
    /// Security of the verified proof in conjectured bits: the ethSTARK figure stwo, Stone and Integrity
    /// report, and the one `pipeline.min_security_bits` checks.
    pub security_bits: Option<u32>,
    /// Security of the verified proof in provable bits (each FRI query counted at half its conjectured
    /// worth; docs/proving.md), the one `pipeline.min_provable_security_bits` checks.
    pub provable_security_bits: Option<u32>,
    /// Integrity's fact hash, for Stone proofs.
    pub fact_hash: Option<String>,
    /// The fact's registration on chain, once made.
    pub registration: Option<RegistrationView>,
    /// Transactions already sent towards a registration still under way (Integrity's split flow takes
    /// several, and one cut short is resumed where it stopped); `registration` lists them once it lands.
    pub registration_sent: Vec<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The stage it failed at.
    pub failed_stage: Option<String>,
    /// For a failed job, whether `POST /api/v1/proofs/{id}/retry` can resume it (a refusal cannot be).
    pub retryable: Option<bool>,
    /// Automatic retries so far (counted afresh after each resumption).
    pub retries: u32,
    /// Every time an operator resumed it, oldest first.
    pub resumptions: Vec<ResumptionView>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

fn name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

impl ProofJobView {
    /// The view of one job as `GET /proofs/{id}` answers it: with the FRI parameters its Stone proof
    /// records (lists leave them out rather than read every proof of a page).
    pub fn detailed(job: &ProofJob) -> Self {
        let fri = job
            .artifact()
            .filter(|a| a.system == ProofSystem::Stone)
            .and_then(|a| starkrisk_stone::params::fri_of(&a.bytes))
            .map(|f| FriView {
                fri_step_list: f.fri_step_list,
                last_layer_degree_bound: f.last_layer_degree_bound,
                n_queries: f.n_queries,
                proof_of_work_bits: f.proof_of_work_bits,
                log_n_cosets: f.log_n_cosets,
            });
        Self { fri, ..Self::new(job) }
    }

    /// The view of `job`.
    pub fn new(job: &ProofJob) -> Self {
        let artifact = job.artifact();
        Self {
            proof_job_id: job.id().0,
            status: job.status().as_str().into(),
            decision_id: job.decision_id().map(|d| d.0),
            provers: job.provers().iter().map(|p| p.as_str().into()).collect(),
            attempts: job
                .attempts()
                .iter()
                .map(|a| {
                    let (outcome, message) = match &a.outcome {
                        AttemptOutcome::Succeeded => ("succeeded", None),
                        AttemptOutcome::Unavailable(m) => ("unavailable", Some(m.clone())),
                        AttemptOutcome::Timeout(m) => ("timeout", Some(m.clone())),
                        AttemptOutcome::Failed(m) => ("failed", Some(m.clone())),
                    };
                    AttemptView {
                        prover: a.prover.as_str().into(),
                        outcome: outcome.into(),
                        message,
                        started_at: a.started_at,
                        duration_ms: a.duration_ms,
                        remote_query: a.remote_query.clone(),
                    }
                })
                .collect(),
            prover: artifact.map(|a| a.prover.as_str().into()),
            proof_system: artifact.map(|a| a.system.as_str().into()),
            proof_hash: artifact.map(|a| a.proof_hash().to_string()),
            proof_size: artifact.map(|a| a.bytes.len()),
            fri: None,
            prove_time_ms: artifact.map(|a| u64::try_from(a.prove_time.as_millis()).unwrap_or(u64::MAX)),
            public_output: artifact.map(|a| a.statement.to_felts().iter().map(|f| format!("{f:#x}")).collect()),
            security_bits: job.claim().map(|c| c.security_bits),
            provable_security_bits: job.claim().map(|c| c.security().provable_bits),
            fact_hash: job.fact_hash().map(|f| f.to_string()),
            registration: job.registration().map(RegistrationView::new),
            registration_sent: job.registration_sent().iter().map(ToString::to_string).collect(),
            error: job.failure().map(|f| f.reason.clone()).or_else(|| job.last_error().map(str::to_string)),
            failed_stage: job.failure().map(|f| name(&f.stage)),
            retryable: job.failure().map(|_| job.may_be_resumed()),
            retries: job.retries(),
            resumptions: job
                .resumptions()
                .iter()
                .map(|r| ResumptionView {
                    by: r.by.clone(),
                    at: r.at,
                    stage: name(&r.stage),
                    reason: r.reason.clone(),
                    resumed_from: r.resumed_from.as_str().into(),
                })
                .collect(),
            created_at: job.created_at(),
            updated_at: job.updated_at(),
        }
    }
}
