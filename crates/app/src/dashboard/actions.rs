//! The buttons: executing a verified decision (operators) and resuming a failed job (admins, as in the
//! API), each posted with the session's CSRF token and answered by going back to the decision.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use starkrisk_domain::{DecisionId, ProofJobId};

use crate::auth::Role;
use crate::dashboard::layout::PageError;
use crate::dashboard::session::{CsrfForm, Session};
use crate::http::error::ApiError;
use crate::http::state::AppState;

fn back_to(decision: DecisionId) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("/dashboard/decisions/{decision}"))).finish()
}

/// A form from this session (its CSRF token), by a visitor with `role`, within their rate limit.
fn allowed(session: &Session, state: &AppState, form: &CsrfForm, role: Role) -> Result<(), PageError> {
    session.check_csrf(&form.csrf)?;
    if !session.can(role) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            format!("This needs the {} role; you are signed in as {}.", role.as_str(), session.claims.role.as_str()),
        ));
    }
    state.rate_limits.admit(&session.claims.sub).map_err(ApiError::rate_limited)?;
    Ok(())
}

fn id(text: &str) -> Result<uuid::Uuid, PageError> {
    text.parse().map_err(|_| PageError::new(StatusCode::NOT_FOUND, format!("`{text}` is not an id")))
}

/// Executes a verified decision, as `POST /api/v1/risk-engine/execute-allocation` does.
#[post("/decisions/{id}/execute")]
pub async fn execute(
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    allowed(&session, &state, &form, Role::Operator)?;
    let decision = DecisionId(id(&path)?);
    state.execute.execute(decision, &session.claims.sub).await.map_err(ApiError::from)?;
    Ok(back_to(decision))
}

/// Resumes a failed job, as `POST /api/v1/proofs/{id}/retry` does.
#[post("/proofs/{id}/retry")]
pub async fn retry(
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    allowed(&session, &state, &form, Role::Admin)?;
    let job = state.retry.retry(ProofJobId(id(&path)?), &session.claims.sub).await.map_err(ApiError::from)?;
    match job.decision_id() {
        Some(decision) => Ok(back_to(decision)),
        None => Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, "/dashboard/health")).finish()),
    }
}
