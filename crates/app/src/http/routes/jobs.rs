//! Job administration: `GET /api/v1/proofs` (filtered, paged by keyset) and resuming failed jobs.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use starkrisk_domain::ports::{JobCursor, JobFilter, JobPageRequest};
use starkrisk_domain::{DecisionId, ProofJobStatus, ProverKind};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::http::caller::{Admin, Viewer};
use crate::http::dto::ProofJobView;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::state::AppState;

/// Query of `GET /proofs`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// Only jobs in this status (queued, proving, proved, verified, registered, executed, failed).
    pub status: Option<String>,
    /// Only jobs whose proof this prover made (luminair, stone, atlantic).
    pub prover: Option<String>,
    /// Only the job of this decision.
    pub decision_id: Option<Uuid>,
    /// Only jobs created at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Only jobs created before this time (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// Page size, 1..=100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of proof jobs.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobPageView {
    /// Newest first.
    pub items: Vec<ProofJobView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Proof jobs, newest first, by keyset pagination: no job is skipped or repeated while new ones arrive.
#[utoipa::path(get, path = "/api/v1/proofs", tag = "proofs", params(JobQuery),
    responses((status = 200, body = JobPageView), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[get("")]
pub async fn list(
    _caller: Viewer,
    state: web::Data<AppState>,
    query: web::Query<JobQuery>,
) -> Result<web::Json<JobPageView>, ApiError> {
    let query = query.into_inner();
    let named = |field: &str, text: &str, what: &str| ApiError::invalid(field, format!("`{text}` is not {what}"));
    let status = match query.status.as_deref() {
        Some(text) => Some(ProofJobStatus::parse(text).ok_or_else(|| named("status", text, "a job status"))?),
        None => None,
    };
    let prover = match query.prover.as_deref() {
        Some(text) => {
            Some(ProverKind::parse(text).ok_or_else(|| named("prover", text, "luminair, stone or atlantic"))?)
        }
        None => None,
    };
    let request = JobPageRequest {
        limit: super::page_limit(query.limit)?,
        after: query.cursor.as_deref().map(JobCursor::decode).transpose()?,
        filter: JobFilter {
            status,
            prover,
            decision: query.decision_id.map(DecisionId),
            since: query.since,
            until: query.until,
        },
    };
    let page = state.generate.list(&request).await?;
    Ok(web::Json(JobPageView {
        items: page.items.iter().map(ProofJobView::new).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// Resumes a failed job from the stage it failed at (admin): proving, verification, registration or
/// execution, with a fresh retry budget; its decision goes back to where that stage stands. The resumption
/// is recorded on the job (`resumptions`). A refused job (a proof that does not verify, a statement that
/// differs, a policy unmet) is not retried: 409 with the reason.
#[utoipa::path(post, path = "/api/v1/proofs/{proof_job_id}/retry", tag = "proofs", params(("proof_job_id" = Uuid, Path)),
    responses((status = 202, body = ProofJobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/{proof_job_id}/retry")]
pub async fn retry(
    caller: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let job = state.retry.retry(super::proofs::parse_job_id(&path)?, &caller.0.sub).await?;
    Ok(HttpResponse::Accepted().json(ProofJobView::new(&job)))
}
