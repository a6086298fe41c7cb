//! `/api/v1/proofs`: queue a proof, read a job, verify a submitted or stored proof.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use starkrisk_domain::usecases::ProofReport;
use starkrisk_domain::{DecisionStatement, ProofJobId, ProofSystem};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::body::Body;
use crate::http::caller::{Operator, Viewer};
use crate::http::dto::{OrchestrateRequest, ProofJobView};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::state::AppState;

/// Queues a proof of the statement the active model gives for these metrics, without a decision.
#[utoipa::path(post, path = "/api/v1/proofs/generate", tag = "proofs", request_body = OrchestrateRequest,
    responses((status = 202, body = ProofJobView), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/generate")]
pub async fn generate(
    _caller: Operator,
    state: web::Data<AppState>,
    body: Body<OrchestrateRequest>,
) -> Result<HttpResponse, ApiError> {
    let job = state.generate.submit(&body.0.validate()?).await?;
    Ok(HttpResponse::Accepted().json(ProofJobView::new(&job)))
}

/// A proof job: status, attempts, timings, public output, fact hash.
#[utoipa::path(get, path = "/api/v1/proofs/{proof_job_id}", tag = "proofs", params(("proof_job_id" = Uuid, Path)),
    responses((status = 200, body = ProofJobView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/{proof_job_id}")]
pub async fn read_job(
    _caller: Viewer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<ProofJobView>, ApiError> {
    let job = state.generate.job(parse_job_id(&path)?).await?;
    Ok(web::Json(ProofJobView::detailed(&job)))
}

/// Parses a proof job id path segment.
pub fn parse_job_id(text: &str) -> Result<ProofJobId, ApiError> {
    Uuid::parse_str(text).map(ProofJobId).map_err(|_| ApiError::invalid("proof_job_id", "is not a UUID"))
}

/// `POST /proofs/verify`: a stored proof by job id, or a submitted one with its system.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// Verify the proof stored for this job.
    pub proof_job_id: Option<Uuid>,
    /// `stone` (a Stone proof JSON object) or `stwo` (a starkrisk S-two envelope).
    pub system: Option<String>,
    /// The proof: a JSON object as the prover wrote it, or a 0x-prefixed hex string of its bytes.
    #[schema(schema_with = proof_schema)]
    pub proof: Option<serde_json::Value>,
}

/// The one shape of a submitted proof: `proof_bytes` reads exactly these.
const PROOF_HEX_PATTERN: &str = "^0x([0-9a-fA-F]{2})*$";

/// `proof` in the spec: a JSON object, 0x-prefixed hex of an even number of digits, or null.
fn proof_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Object))
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(PROOF_HEX_PATTERN)))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some("The proof: a JSON object as the prover wrote it, or a 0x-prefixed hex string of its bytes."))
        .build()
        .into()
}

/// What a verified proof establishes: which program it is of, and whether a decision could rest on it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VerifiedView {
    /// Always true: the proof verifies (a proof that does not answers 422).
    pub valid: bool,
    /// Whether a decision could rest on it: the risk program, a decision as output, a correctly hashed and
    /// registered model. When false, `refusal` says why.
    pub accepted: bool,
    /// Why no decision could rest on this proof.
    pub refusal: Option<String>,
    /// stone or stwo.
    pub system: String,
    /// The proven program's hash (Stone: Integrity's program hash; S-two: the risk AIR's identity).
    pub program_hash: String,
    /// Whether that is starkrisk's risk program (or its S-two AIR).
    pub risk_program: bool,
    /// The public output, as felts (for a decision: model hash first, in statement order).
    pub public_output: Vec<String>,
    /// The decoded statement, when the output is a decision under a correctly hashed model.
    #[schema(value_type = Option<Object>)]
    pub statement: Option<DecisionStatement>,
    /// Whether the statement's model hash belongs to a model registered here.
    pub model_registered: bool,
    /// The proof's security in conjectured bits: the ethSTARK figure stwo, Stone and Integrity report, and
    /// the one `pipeline.min_security_bits` checks.
    pub security_bits: u32,
    /// The same proof's security in provable bits (`pipeline.min_provable_security_bits` checks it).
    pub provable_security_bits: u32,
    /// Integrity's fact hash, for Stone proofs.
    pub fact_hash: Option<String>,
}

impl VerifiedView {
    fn new(report: ProofReport) -> Self {
        Self {
            valid: true,
            accepted: report.accepted(),
            refusal: report.refusal,
            system: report.proof.system.as_str().into(),
            program_hash: report.proof.program_hash.to_string(),
            risk_program: report.risk_program,
            public_output: report.proof.public_output.iter().map(|f| format!("{f:#x}")).collect(),
            statement: report.statement,
            model_registered: report.model_registered,
            security_bits: report.proof.security.conjectured_bits,
            provable_security_bits: report.proof.security.provable_bits,
            fact_hash: report.proof.fact_hash.map(|f| f.to_string()),
        }
    }
}

fn proof_bytes(proof: serde_json::Value) -> Result<Vec<u8>, ApiError> {
    match proof {
        serde_json::Value::String(hex) => {
            let digits = hex
                .strip_prefix("0x")
                .ok_or_else(|| ApiError::invalid("proof", "a string proof must be 0x-prefixed hex"))?;
            hex::decode(digits).map_err(|e| match e {
                hex::FromHexError::OddLength => ApiError::invalid("proof", "hex has an odd number of digits"),
                _ => ApiError::invalid("proof", "is not valid hex"),
            })
        }
        object @ serde_json::Value::Object(_) => serde_json::to_vec(&object).map_err(ApiError::internal),
        _ => Err(ApiError::invalid("proof", "must be a JSON object or a 0x-prefixed hex string")),
    }
}

/// Verifies a proof in-process and says what it proves, or answers 422 with the reason it fails.
#[utoipa::path(post, path = "/api/v1/proofs/verify", tag = "proofs", request_body = VerifyRequest,
    responses((status = 200, body = VerifiedView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/verify")]
pub async fn verify(
    _caller: Operator,
    state: web::Data<AppState>,
    body: Body<VerifyRequest>,
) -> Result<web::Json<VerifiedView>, ApiError> {
    let report = match (body.0.proof_job_id, body.0.system, body.0.proof) {
        (Some(id), None, None) => state.check.stored(ProofJobId(id)).await?,
        (None, Some(system), Some(proof)) => {
            let system = ProofSystem::parse(&system)
                .ok_or_else(|| ApiError::invalid("system", format!("`{system}` is not stone or stwo")))?;
            state.check.submitted(system, &proof_bytes(proof)?).await?
        }
        (Some(_), _, _) => {
            return Err(ApiError::invalid("proof_job_id", "give either proof_job_id alone, or system and proof"));
        }
        (None, None, _) => return Err(ApiError::invalid("system", "is required with proof (stone or stwo)")),
        (None, Some(_), None) => return Err(ApiError::invalid("proof", "is required with system")),
    };
    Ok(web::Json(VerifiedView::new(report)))
}
