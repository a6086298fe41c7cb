//! `/api/v1/risk-engine`: orchestrate, execute, list and read decisions, preview a score.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use starkrisk_domain::ports::{IdempotencyKey, PageRequest, RequestFingerprint};
use starkrisk_domain::usecases::Submission;
use starkrisk_domain::{DecisionId, RiskCategory};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::http::body::{Body, RawBody, parse};
use crate::http::caller::{Operator, Viewer};
use crate::http::dto::{DecisionPage, DecisionView, ExecuteRequest, OrchestrateRequest, RiskMetrics};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::state::AppState;

/// Query of `orchestrate-allocation`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// Wait (bounded) until the decision is executed, refused or failed, and answer 200.
    #[serde(default)]
    pub wait: bool,
}

/// The idempotency header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Plans a decision from metrics (or the chain) and queues its proof; workers carry it through proving,
/// verification, registration and execution. Replaying an `Idempotency-Key` returns the decision the first
/// request made.
#[utoipa::path(post, path = "/api/v1/risk-engine/orchestrate-allocation", tag = "risk-engine",
    request_body = OrchestrateRequest, params(WaitQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "replays return the first request's decision")),
    responses((status = 202, body = DecisionView, description = "planned and its proof queued; the body is the decision as it stands, which woken workers may already have carried further"),
        (status = 200, body = DecisionView, description = "settled, with ?wait=true"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/orchestrate-allocation")]
pub async fn orchestrate(
    caller: Operator,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<WaitQuery>,
    RawBody(bytes): RawBody,
) -> Result<HttpResponse, ApiError> {
    let body: OrchestrateRequest = parse(&bytes)?;
    let request = body.validate()?;
    // Keys live in the caller's namespace: another operator's key with the same text is another key.
    let idempotency = idempotency_key(&req)?.map(|key| (key.scoped_to(&caller.0.sub), RequestFingerprint::of(&bytes)));
    let submitted = state.orchestrate.submit(Submission { request, idempotency, wait: query.wait }).await?;
    let mut response = HttpResponse::build(answer_status(submitted.settled));
    if submitted.replayed {
        response.insert_header(("idempotent-replayed", "true"));
    }
    Ok(response.json(DecisionView::new(&submitted.current.decision, submitted.current.job.as_ref())))
}

/// 200 once a decision settled, 202 while workers still carry it.
fn answer_status(settled: bool) -> StatusCode {
    if settled { StatusCode::OK } else { StatusCode::ACCEPTED }
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else { return Ok(None) };
    let text = value.to_str().map_err(|_| ApiError::invalid("Idempotency-Key", "must be printable ASCII"))?;
    Ok(Some(IdempotencyKey::parse(text)?))
}

/// Executes a decision whose proof is verified: records who asked (under `pipeline.execution = "manual"`
/// this is what releases it), makes its job due now and waits (bounded) for the result. Executing an
/// executed decision answers 200 again and sends nothing.
#[utoipa::path(post, path = "/api/v1/risk-engine/execute-allocation", tag = "risk-engine", request_body = ExecuteRequest,
    responses((status = 200, body = DecisionView), (status = 202, body = DecisionView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/execute-allocation")]
pub async fn execute(
    caller: Operator,
    state: web::Data<AppState>,
    body: Body<ExecuteRequest>,
) -> Result<HttpResponse, ApiError> {
    let (current, settled) = state.execute.execute(DecisionId(body.0.decision_id), &caller.0.sub).await?;
    Ok(HttpResponse::build(answer_status(settled)).json(DecisionView::new(&current.decision, current.job.as_ref())))
}

/// Query of `decisions`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1..=100 (default 20).
    #[param(minimum = 1, maximum = 100)]
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
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = super::page_limit(query.limit)?;
    let before = super::page_cursor(query.cursor.as_deref())?;
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
    let current = state.decisions.get(DecisionId(id)).await?;
    Ok(web::Json(DecisionView::new(&current.decision, current.job.as_ref())))
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
    let (risk, model) = state.planner.score(&metrics).await?;
    let category = risk.category();
    Ok(web::Json(ScoreView {
        score: risk.get(),
        category,
        description: category.description().into(),
        model_version: model.version().get(),
    }))
}
