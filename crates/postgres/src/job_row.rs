//! The `proof_jobs` row and its conversions to and from the domain's `ProofJob`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use starkrisk_domain::ports::StoreError;
use starkrisk_domain::*;
use uuid::Uuid;

use crate::error::from_json;
use crate::schema::proof_jobs;

/// One `proof_jobs` row as read.
#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = proof_jobs, check_for_backend(diesel::pg::Pg))]
pub struct JobRow {
    id: Uuid,
    decision_id: Option<Uuid>,
    status: String,
    provers: Vec<Option<String>>,
    attempts: serde_json::Value,
    statement: serde_json::Value,
    public_output: Option<serde_json::Value>,
    proof_system: Option<String>,
    proof: Option<Vec<u8>>,
    prover: Option<String>,
    prove_time_ms: Option<i64>,
    claim: Option<serde_json::Value>,
    registration: Option<serde_json::Value>,
    failure: Option<serde_json::Value>,
    last_error: Option<String>,
    retries: i32,
    next_attempt_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    resumptions: serde_json::Value,
    registration_sent: serde_json::Value,
}

/// The columns a save writes: everything but the id, the lease and created_at (the proof only when it changed).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = proof_jobs, treat_none_as_null = true)]
pub struct JobValues {
    decision_id: Option<Uuid>,
    status: String,
    provers: Vec<Option<String>>,
    prover: Option<String>,
    attempts: serde_json::Value,
    statement: serde_json::Value,
    public_output: Option<serde_json::Value>,
    proof_system: Option<String>,
    // Left out of the changeset: `SaveJob` writes it only when its hash changed.
    #[diesel(skip_update)]
    proof: Option<Vec<u8>>,
    proof_size: Option<i32>,
    proof_hash: Option<String>,
    prove_time_ms: Option<i64>,
    claim: Option<serde_json::Value>,
    fact_hash: Option<String>,
    verification_hash: Option<String>,
    security_bits: Option<i32>,
    registration: Option<serde_json::Value>,
    failure: Option<serde_json::Value>,
    last_error: Option<String>,
    retries: i32,
    resumptions: serde_json::Value,
    registration_sent: serde_json::Value,
    next_attempt_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A new row: the values plus the id and creation time.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = proof_jobs)]
pub struct NewJob {
    id: Uuid,
    created_at: DateTime<Utc>,
    #[diesel(embed)]
    values: JobValues,
}

pub fn to_json<T: Serialize>(column: &str, value: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|e| from_json(column, e))
}

pub fn from_json_value<T: DeserializeOwned>(column: &str, value: serde_json::Value) -> Result<T, StoreError> {
    serde_json::from_value(value).map_err(|e| from_json(column, e))
}

pub fn opt_json<T: Serialize>(column: &str, value: Option<&T>) -> Result<Option<serde_json::Value>, StoreError> {
    value.map(|v| to_json(column, v)).transpose()
}

pub fn opt_from_json<T: DeserializeOwned>(
    column: &str,
    value: Option<serde_json::Value>,
) -> Result<Option<T>, StoreError> {
    value.map(|v| from_json_value(column, v)).transpose()
}

fn corrupt(column: &str, value: &str) -> StoreError {
    StoreError::Unknown(anyhow::anyhow!("stored {column} `{value}` is not one this build knows"))
}

impl JobValues {
    /// The proof and its hash, which are both set or both unset (one artifact gives both).
    pub(crate) fn proof(&self) -> (Option<&str>, Option<&[u8]>) {
        (self.proof_hash.as_deref(), self.proof.as_deref())
    }

    /// The columns for `job`.
    pub fn from_job(entity: &ProofJob) -> Result<Self, StoreError> {
        let job = entity.record();
        let artifact = job.artifact.as_ref();
        let claim = job.claim.as_ref();
        let registration = job.registration.as_ref();
        Ok(Self {
            decision_id: job.decision_id.map(|d| d.0),
            status: job.status.as_str().to_string(),
            provers: job.provers.iter().map(|p| Some(p.as_str().to_string())).collect(),
            prover: artifact.map(|a| a.prover.as_str().to_string()),
            attempts: to_json("attempts", &job.attempts)?,
            statement: to_json("statement", &job.request.statement)?,
            public_output: opt_json("public_output", artifact.map(|a| &a.statement))?,
            proof_system: artifact.map(|a| a.system.as_str().to_string()),
            proof: artifact.map(|a| a.bytes.clone()),
            proof_size: artifact.map(|a| i32::try_from(a.bytes.len()).unwrap_or(i32::MAX)),
            proof_hash: artifact.map(|a| a.proof_hash().to_string()),
            prove_time_ms: artifact.map(|a| i64::try_from(a.prove_time.as_millis()).unwrap_or(i64::MAX)),
            claim: opt_json("claim", claim)?,
            fact_hash: entity.fact_hash().map(|f| f.to_string()),
            verification_hash: registration.map(|r| r.verification_hash.to_string()),
            security_bits: claim.map(|c| i32::try_from(c.security_bits).unwrap_or(i32::MAX)),
            registration: opt_json("registration", registration)?,
            failure: opt_json("failure", job.failure.as_ref())?,
            last_error: job.last_error.clone(),
            retries: i32::try_from(job.retries).unwrap_or(i32::MAX),
            resumptions: to_json("resumptions", &job.resumptions)?,
            registration_sent: to_json("registration_sent", &job.registration_sent)?,
            next_attempt_at: job.next_attempt_at,
            updated_at: job.updated_at,
        })
    }
}

impl NewJob {
    /// The row for a new job.
    pub fn from_job(job: &ProofJob) -> Result<Self, StoreError> {
        Ok(Self { id: job.id().0, created_at: job.created_at(), values: JobValues::from_job(job)? })
    }
}

impl JobRow {
    /// The domain job this row stores.
    pub fn into_job(self) -> Result<ProofJob, StoreError> {
        let status = ProofJobStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?;
        let provers = self
            .provers
            .iter()
            .flatten()
            .map(|p| ProverKind::parse(p).ok_or_else(|| corrupt("provers", p)))
            .collect::<Result<Vec<_>, _>>()?;
        let statement: DecisionStatement = from_json_value("statement", self.statement)?;
        let artifact = match (self.proof, self.proof_system, self.prover, self.public_output) {
            (Some(bytes), Some(system), Some(prover), Some(output)) => Some(ProofArtifact {
                prover: ProverKind::parse(&prover).ok_or_else(|| corrupt("prover", &prover))?,
                system: ProofSystem::parse(&system).ok_or_else(|| corrupt("proof_system", &system))?,
                bytes,
                statement: from_json_value("public_output", output)?,
                prove_time: std::time::Duration::from_millis(self.prove_time_ms.unwrap_or(0).max(0).unsigned_abs()),
                remote_query: None,
            }),
            _ => None,
        };
        ProofJob::restore(ProofJobRecord {
            id: ProofJobId(self.id),
            status,
            decision_id: self.decision_id.map(DecisionId),
            request: ProofRequest { statement },
            provers,
            attempts: from_json_value("attempts", self.attempts)?,
            artifact,
            claim: opt_from_json("claim", self.claim)?,
            registration: opt_from_json("registration", self.registration)?,
            registration_sent: from_json_value("registration_sent", self.registration_sent)?,
            failure: opt_from_json("failure", self.failure)?,
            last_error: self.last_error,
            retries: u32::try_from(self.retries).unwrap_or(0),
            resumptions: from_json_value("resumptions", self.resumptions)?,
            next_attempt_at: self.next_attempt_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
        .map_err(|e| StoreError::Unknown(e.into()))
    }
}
