//! `/api/v1/verification`: a job's verification, and what the FactRegistry on chain says of a fact.

use actix_web::{get, web};
use serde::Serialize;
use starkrisk_domain::usecases::{FactReport, VerificationReport};
use starkrisk_domain::{FactHash, VerifierConfig};
use utoipa::ToSchema;

use crate::http::caller::Viewer;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::routes::proofs::parse_job_id;
use crate::http::state::AppState;

/// A verifier configuration.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifierView {
    /// Cairo layout.
    pub layout: String,
    /// Commitment hasher.
    pub hasher: String,
    /// Stone version.
    pub stone_version: String,
    /// Memory verification.
    pub memory_verification: String,
}

impl From<&VerifierConfig> for VerifierView {
    fn from(c: &VerifierConfig) -> Self {
        Self {
            layout: c.layout.clone(),
            hasher: c.hasher.clone(),
            stone_version: c.stone_version.clone(),
            memory_verification: c.memory_verification.clone(),
        }
    }
}

/// One on-chain verification of a fact.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    /// Its hash.
    pub verification_hash: String,
    /// Its security bits.
    pub security_bits: u32,
    /// The verifier used.
    pub verifier_config: VerifierView,
    /// Whether it meets the configured policy.
    pub meets_policy: bool,
}

/// A fact's verifications on chain, judged against the configured policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct FactView {
    /// The fact.
    pub fact_hash: String,
    /// Every verification on chain.
    pub verifications: Vec<VerificationView>,
    /// Whether some verification meets the policy.
    pub meets_policy: bool,
    /// The verifier the policy expects.
    pub expected_verifier: VerifierView,
    /// The security the policy requires.
    pub min_security_bits: u32,
}

impl From<&FactReport> for FactView {
    fn from(r: &FactReport) -> Self {
        Self {
            fact_hash: r.fact_hash.to_string(),
            verifications: r
                .verifications
                .iter()
                .map(|judged| VerificationView {
                    verification_hash: judged.verification.verification_hash.to_string(),
                    security_bits: judged.verification.security_bits,
                    verifier_config: VerifierView::from(&judged.verification.verifier_config),
                    meets_policy: judged.meets_policy,
                })
                .collect(),
            meets_policy: r.meets_policy,
            expected_verifier: VerifierView::from(&r.policy.expected_config),
            min_security_bits: r.policy.min_security_bits,
        }
    }
}

/// A proof job's verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusView {
    /// The job.
    pub proof_job_id: String,
    /// Its status.
    pub status: String,
    /// Whether the proof verified locally.
    pub verified_locally: bool,
    /// Security of the verified proof.
    pub security_bits: Option<u32>,
    /// The proven program's hash.
    pub program_hash: Option<String>,
    /// Integrity's fact hash, for Stone proofs.
    pub fact_hash: Option<String>,
    /// What the chain says, when the proof has a fact hash and a FactRegistry is configured.
    pub on_chain: Option<FactView>,
}

impl From<&VerificationReport> for StatusView {
    fn from(r: &VerificationReport) -> Self {
        Self {
            proof_job_id: r.proof_job_id.to_string(),
            status: r.status.as_str().into(),
            verified_locally: r.local.is_some(),
            security_bits: r.local.as_ref().map(|c| c.security_bits),
            program_hash: r.local.as_ref().map(|c| c.program_hash.to_string()),
            fact_hash: r.local.as_ref().and_then(|c| c.fact_hash).map(|f| f.to_string()),
            on_chain: r.on_chain.as_ref().map(FactView::from),
        }
    }
}

/// A proof job's local verification and, for proofs with a fact hash, the chain's.
#[utoipa::path(get, path = "/api/v1/verification/verification-status/{proof_job_id}", tag = "verification",
    params(("proof_job_id" = uuid::Uuid, Path)),
    responses((status = 200, body = StatusView), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/verification-status/{proof_job_id}")]
pub async fn status(
    _caller: Viewer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<StatusView>, ApiError> {
    let report = state.status.of_job(parse_job_id(&path)?).await?;
    Ok(web::Json(StatusView::from(&report)))
}

/// Asks the FactRegistry on chain for every verification of a fact and whether one meets the policy.
#[utoipa::path(get, path = "/api/v1/verification/verify-fact-hash/{fact_hash}", tag = "verification",
    params(("fact_hash" = String, Path, description = "0x-prefixed felt")),
    responses((status = 200, body = FactView),
        (status = 409, body = ErrorBody, description = "This deployment has no FactRegistry configured"),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/verify-fact-hash/{fact_hash}")]
pub async fn fact(
    _caller: Viewer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<FactView>, ApiError> {
    let fact = FactHash::parse(&path)?;
    Ok(web::Json(FactView::from(&state.status.of_fact(fact).await?)))
}
