//! The one error shape every endpoint answers with: `{"error": {code, message, field?, request_id}}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use starkrisk_domain::ports::{ChainError, StoreError, VerifyError};
use starkrisk_domain::usecases::{
    CheckProofError, ExecuteError, OrchestrateError, RegisterModelError, RetryError, StatusError,
};
use starkrisk_domain::{ApprovalError, ValidationError};
use utoipa::ToSchema;

use crate::auth::AuthError;
use crate::http::request_id;

/// The stable, machine-readable kinds of error this API answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not JSON at all.
    MalformedRequest,
    /// A field is invalid; `field` names it.
    ValidationFailed,
    /// The body is over the size limit.
    PayloadTooLarge,
    /// No such thing.
    NotFound,
    /// The path exists but not with this method; `Allow` lists the ones it has.
    MethodNotAllowed,
    /// The state does not allow it now.
    Conflict,
    /// A dependency is down; retry after the `retry-after` seconds.
    Unavailable,
    /// A bug; logged with the request id.
    Internal,
    /// The chain refused the call.
    RejectedByChain,
    /// The proof did not verify.
    ProofRejected,
    /// The allocation breaks the governance limits.
    GovernanceRefused,
    /// A signed governance approval was not accepted.
    ApprovalRefused,
    /// Too many mutating requests from this caller; retry after the `retry-after` seconds.
    RateLimited,
    /// No valid bearer token.
    Unauthorized,
    /// The token's role may not do this.
    Forbidden,
}

/// An error as clients see it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    field: Option<String>,
    retry_after: Option<u64>,
    allow: Option<String>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable machine-readable code (`validation_failed`, `not_found`, …).
    pub code: ErrorCode,
    /// What happened and what to do, for people.
    pub message: String,
    /// The offending request field, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The request's id, also in the `x-request-id` response header; quote it when reporting a problem.
    pub request_id: String,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None, retry_after: None, allow: None }
    }

    /// 400: the body is not JSON at all.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, message)
    }

    /// 422 naming the field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed, message)
        }
    }

    /// 404.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, format!("{what} does not exist"))
    }

    /// 405: `path` answers only `allowed`, listed in the `Allow` header too.
    pub fn method_not_allowed(method: &str, path: &str, allowed: &[&str]) -> Self {
        let allow = allowed.join(", ");
        let message = format!("{path} does not answer {method}; it answers {allow}");
        Self { allow: Some(allow), ..Self::new(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed, message) }
    }

    /// 409.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
    }

    /// 503; worth retrying in five seconds.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self { retry_after: Some(5), ..Self::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable, message) }
    }

    /// 429: the caller's rate limit is spent until `wait` has passed.
    pub fn rate_limited(wait: std::time::Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let message = format!("too many requests from this caller; retry in {secs} s (server.rate_limit_per_minute)");
        Self { retry_after: Some(secs), ..Self::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, message) }
    }

    /// 500: a bug. The details go to the log with the request id, never to the client.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(request_id = %request_id::current(), error = %error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "an internal error occurred; it was logged with this request id",
        )
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
                field: self.field.clone(),
                request_id: request_id::current(),
            },
        };
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after {
            response.insert_header(("retry-after", secs.to_string()));
        }
        if let Some(allow) = &self.allow {
            response.insert_header(("allow", allow.as_str()));
        }
        response.json(body)
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        Self::invalid(e.field, e.reason)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Conflict(message) => Self::conflict(message),
            StoreError::AlreadyUsed(message) => Self::conflict(format!("already used: {message}")),
            StoreError::Unavailable(message) => {
                tracing::warn!(%message, "database unavailable");
                Self::unavailable("the database is unavailable; try again shortly")
            }
            StoreError::Unknown(error) => Self::internal(format!("{error:#}")),
        }
    }
}

impl From<ChainError> for ApiError {
    fn from(e: ChainError) -> Self {
        match e {
            ChainError::Unavailable(m) => Self::unavailable(m),
            ChainError::Timeout { .. } | ChainError::Superseded { .. } => Self::unavailable(e.to_string()),
            ChainError::Rejected { reason, .. } => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RejectedByChain, reason)
            }
            ChainError::InvalidInput { field, reason } => Self::invalid(field, reason),
            ChainError::Unknown(error) => Self::internal(format!("{error:#}")),
        }
    }
}

impl From<VerifyError> for ApiError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::Unknown(error) => Self::internal(format!("{error:#}")),
            other => Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ProofRejected, other.to_string()),
        }
    }
}

impl From<OrchestrateError> for ApiError {
    fn from(e: OrchestrateError) -> Self {
        match e {
            OrchestrateError::Invalid(v) => v.into(),
            OrchestrateError::Governance(g) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::GovernanceRefused, g.to_string())
            }
            OrchestrateError::NoActiveModel => Self::conflict(e.to_string()),
            OrchestrateError::Metrics(m) => Self::unavailable(m.to_string()),
            OrchestrateError::Approval(a) => match a {
                ApprovalError::InvalidLimits(_) | ApprovalError::MetricsOutsideLimits { .. } => Self {
                    field: Some("constraint_signature".into()),
                    ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::GovernanceRefused, a.to_string())
                },
                _ => Self::new(StatusCode::FORBIDDEN, ErrorCode::ApprovalRefused, a.to_string()),
            },
            OrchestrateError::KeyInProgress => Self::conflict(e.to_string()),
            OrchestrateError::KeyReused => {
                Self::invalid("Idempotency-Key", "was already used with a different request body")
            }
            OrchestrateError::Store(s) => s.into(),
        }
    }
}

impl From<StatusError> for ApiError {
    fn from(e: StatusError) -> Self {
        match e {
            StatusError::Store(s) => s.into(),
            StatusError::Chain(c) => c.into(),
            StatusError::NoRegistry => Self::conflict(e.to_string()),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unauthenticated(m) => Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, m),
            forbidden @ AuthError::Forbidden { .. } => {
                Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, forbidden.to_string())
            }
        }
    }
}

impl From<RetryError> for ApiError {
    fn from(e: RetryError) -> Self {
        match e {
            RetryError::Store(s) => s.into(),
            RetryError::NotFound(id) => Self::not_found(format_args!("proof job {id}")),
            other => Self::conflict(other.to_string()),
        }
    }
}

impl From<ExecuteError> for ApiError {
    fn from(e: ExecuteError) -> Self {
        match e {
            ExecuteError::Store(s) => s.into(),
            other => Self::conflict(other.to_string()),
        }
    }
}

impl From<CheckProofError> for ApiError {
    fn from(e: CheckProofError) -> Self {
        match e {
            CheckProofError::Store(s) => s.into(),
            CheckProofError::Verify(v) => v.into(),
            no_proof @ CheckProofError::NoProofYet { .. } => Self::conflict(no_proof.to_string()),
        }
    }
}

impl From<RegisterModelError> for ApiError {
    fn from(e: RegisterModelError) -> Self {
        match e {
            RegisterModelError::Invalid(v) => v.into(),
            RegisterModelError::Store(s) => s.into(),
        }
    }
}
