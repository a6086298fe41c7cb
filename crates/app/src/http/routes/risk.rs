//! `/api/v1/risk-engine`: orchestrate, execute, list and read decisions, preview a score.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use starkrisk_domain::ports::PageRequest;
use starkrisk_domain::{DecisionId, DecisionStatus, ProofJobStatus, RiskCategory, risk_score};
use starkrisk_postgres::KeyState;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::http::body::{Body, RawBody, parse};
use crate::http::caller::{Operator, Viewer};
use crate::http::dto::{DecisionPage, DecisionView, ExecuteRequest, OrchestrateRequest, RiskMetrics};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::state::AppState;

/// Query of `orchestrate-allocation`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct WaitQuery {
    /// Wait (bounded) until the decision is executed, refused or failed, and answer 200.
    #[serde(default)]
    pub wait: bool,
}

/// The idempotency header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Plans a decision from metrics (or the chain) and queues its proof; workers carry it through proving,
/// verification, registration and execution. Replaying an `Idempotency-Key` returns the first answer.
#[utoipa::path(post, path = "/api/v1/risk-engine/orchestrate-allocation", tag = "risk-engine",
    request_body = OrchestrateRequest, params(WaitQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "replays return the first response")),
    responses((status = 202, body = DecisionView, description = "planned; proof queued"),
        (status = 200, body = DecisionView, description = "settled, with ?wait=true"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/orchestrate-allocation")]
pub async fn orchestrate(
    _caller: Operator,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<WaitQuery>,
    RawBody(bytes): RawBody,
) -> Result<HttpResponse, ApiError> {
    let body: OrchestrateRequest = parse(&bytes)?;
    let request = body.validate()?;
    let key = idempotency_key(&req)?;
    if let Some(key) = &key {
        let hash = format!("{:x}", Sha256::digest(&bytes));
        match state.store.claim_idempotency_key(key, &hash).await? {
            KeyState::Claimed => {}
            KeyState::InProgress => {
                return Err(ApiError::conflict("a request with this Idempotency-Key is still running"));
            }
            KeyState::Mismatch => {
                return Err(ApiError::invalid("Idempotency-Key", "was already used with a different request body"));
            }
            KeyState::Completed { status, body } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return Ok(HttpResponse::build(status).insert_header(("idempotent-replayed", "true")).json(body));
            }
        }
    }
    let planned = match state.orchestrate.plan(&request).await {
        Ok(planned) => planned,
        Err(error) => {
            if let Some(key) = &key {
                // Free the key so the client can retry once it fixed the cause.
                let _ = state.store.forget_idempotency_key(key).await;
            }
            return Err(error.into());
        }
    };
    state.pages.clear();
    let (status, view) = if query.wait {
        settle(&state, planned.decision.id).await?
    } else {
        (StatusCode::ACCEPTED, DecisionView::new(&planned.decision, Some(&planned.job)))
    };
    let json = serde_json::to_value(&view).map_err(ApiError::internal)?;
    if let Some(key) = &key {
        state.store.complete_idempotency_key(key, status.as_u16(), &json).await?;
    }
    Ok(HttpResponse::build(status).json(json))
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else { return Ok(None) };
    let key = value.to_str().map_err(|_| ApiError::invalid("Idempotency-Key", "must be printable ASCII"))?;
    if key.is_empty() || key.len() > 255 {
        return Err(ApiError::invalid("Idempotency-Key", "must be 1 to 255 characters"));
    }
    Ok(Some(key.to_string()))
}

/// Polls a decision until it settles or the wait limit passes; 200 when settled, 202 when not yet.
async fn settle(state: &AppState, id: DecisionId) -> Result<(StatusCode, DecisionView), ApiError> {
    let deadline = tokio::time::Instant::now() + state.wait_limit;
    loop {
        let (decision, job) = load(state, id).await?;
        let settled =
            matches!(decision.status, DecisionStatus::Executed | DecisionStatus::Refused | DecisionStatus::Failed);
        if settled || tokio::time::Instant::now() >= deadline {
            let status = if settled { StatusCode::OK } else { StatusCode::ACCEPTED };
            return Ok((status, DecisionView::new(&decision, job.as_ref())));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn load(
    state: &AppState,
    id: DecisionId,
) -> Result<(starkrisk_domain::AllocationDecision, Option<starkrisk_domain::ProofJob>), ApiError> {
    let decision = state.decisions.get(id).await?.ok_or_else(|| ApiError::not_found(format!("decision {id}")))?;
    let job = state.jobs.get(decision.proof_job_id).await?;
    Ok((decision, job))
}

/// Executes a decision whose proof is verified: makes its job due now and waits (bounded) for the result.
/// Executing an executed decision answers 200 again and sends nothing.
#[utoipa::path(post, path = "/api/v1/risk-engine/execute-allocation", tag = "risk-engine", request_body = ExecuteRequest,
    responses((status = 200, body = DecisionView), (status = 202, body = DecisionView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/execute-allocation")]
pub async fn execute(
    _caller: Operator,
    state: web::Data<AppState>,
    body: Body<ExecuteRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = DecisionId(body.0.decision_id);
    let (decision, job) = load(&state, id).await?;
    match decision.status {
        DecisionStatus::Executed => return Ok(HttpResponse::Ok().json(DecisionView::new(&decision, job.as_ref()))),
        DecisionStatus::Verified | DecisionStatus::Submitted => {}
        DecisionStatus::Pending => {
            return Err(ApiError::conflict("the decision's proof is not verified yet; poll it and retry"));
        }
        DecisionStatus::Refused | DecisionStatus::Failed => {
            let why = decision.message.unwrap_or_default();
            return Err(ApiError::conflict(format!("the decision was {}: {why}", decision.status)));
        }
    }
    let due_later = |j: &starkrisk_domain::ProofJob| {
        matches!(j.status, ProofJobStatus::Verified | ProofJobStatus::Registered)
            && j.next_attempt_at > chrono::Utc::now()
    };
    if let Some(mut job) = job.filter(due_later) {
        let status = job.status;
        job.next_attempt_at = chrono::Utc::now();
        // A conflict means a worker is already on it, which is what we want.
        let _ = state.jobs.save(&job, status).await;
    }
    let (status, view) = settle(&state, id).await?;
    Ok(HttpResponse::build(status).json(view))
}

/// Query of `decisions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1..=100 (default 20).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Decisions, newest first, by keyset pagination.
#[utoipa::path(get, path = "/api/v1/risk-engine/decisions", tag = "risk-engine", params(PageQuery),
    responses((status = 200, body = DecisionPage), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[get("/decisions")]
pub async fn decisions(
    _caller: Viewer,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = web::Query::<PageQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::invalid("query", format!("{e}")))?
        .into_inner();
    let limit = query.limit.unwrap_or(20);
    if !(1..=starkrisk_postgres::MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid("limit", format!("{limit} is outside the allowed range 1..=100")));
    }
    let before = query
        .cursor
        .map(|c| c.parse::<i64>().map_err(|_| ApiError::invalid("cursor", "is not a cursor this API returned")))
        .transpose()?;
    if let Some(body) = state.pages.get(limit, before) {
        return Ok(HttpResponse::Ok().content_type("application/json").body(body));
    }
    let page = state.decisions.list(PageRequest { limit, before }).await?;
    let page = DecisionPage {
        items: page.items.iter().map(|d| DecisionView::new(d, None)).collect(),
        next_cursor: page.next_cursor.map(|c| c.to_string()),
    };
    let body = web::Bytes::from(serde_json::to_vec(&page).map_err(ApiError::internal)?);
    state.pages.put(limit, before, body.clone());
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

/// One decision with its proof job's state.
#[utoipa::path(get, path = "/api/v1/risk-engine/decision/{decision_id}", tag = "risk-engine",
    params(("decision_id" = Uuid, Path)),
    responses((status = 200, body = DecisionView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/decision/{decision_id}")]
pub async fn read_decision(
    _caller: Viewer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<DecisionView>, ApiError> {
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::invalid("decision_id", "is not a UUID"))?;
    let (decision, job) = load(&state, DecisionId(id)).await?;
    Ok(web::Json(DecisionView::new(&decision, job.as_ref())))
}

/// A protocol's risk under the active model.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ScoreView {
    /// The risk, 0..=100.
    pub score: u32,
    /// low (below 30), medium (below 70) or high.
    #[schema(value_type = String)]
    pub category: RiskCategory,
    /// A sentence for operators.
    pub description: String,
    /// The model version used.
    pub model_version: u32,
}

/// Previews one protocol's risk under the active model, without a proof.
#[utoipa::path(post, path = "/api/v1/risk-engine/score", tag = "risk-engine", request_body = RiskMetrics,
    responses((status = 200, body = ScoreView), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/score")]
pub async fn score(
    _caller: Viewer,
    state: web::Data<AppState>,
    body: Body<RiskMetrics>,
) -> Result<web::Json<ScoreView>, ApiError> {
    let metrics = body.0.validate("")?;
    let model = state.models.current().await?.ok_or_else(|| ApiError::conflict("no risk model is registered yet"))?;
    let risk = risk_score(&metrics, &model.params);
    let category = risk.category();
    Ok(web::Json(ScoreView {
        score: risk.get(),
        category,
        description: category.description().into(),
        model_version: model.version.get(),
    }))
}
