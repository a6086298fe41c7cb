//! The HTTP API: routes, middleware, errors, and the server.

pub mod body;
pub mod caller;
pub mod dto;
pub mod error;
pub mod job_view;
pub mod known_paths;
pub mod metrics;
pub mod openapi;
pub mod page_cache;
pub mod rate_limit;
pub mod request_id;
pub mod routes;
pub mod state;

use actix_web::middleware::{Compress, Condition, from_fn};
use actix_web::{App, HttpResponse, web};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::http::error::ApiError;
use crate::http::state::AppState;

/// Registers every route and the JSON error handlers on an actix `App`.
pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<AppState>, body_limit: usize) {
    let metrics = web::Data::new(state.metrics.clone());
    cfg.app_data(state)
        .app_data(metrics)
        .app_data(web::PayloadConfig::new(body_limit))
        .app_data(web::PathConfig::default().error_handler(|e, _| ApiError::invalid("path", e.to_string()).into()))
        .app_data(web::QueryConfig::default().error_handler(|e, _| ApiError::invalid("query", e.to_string()).into()))
        .service(routes::health::health)
        .service(routes::health::ready)
        .service(routes::health::metrics)
        .configure(crate::dashboard::routes)
        // Registered before the /api/v1 scope so its /api/v1/openapi.json resource is matched first.
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", openapi::ApiDoc::openapi()))
        .service(
            web::scope("/api/v1")
                .service(
                    web::scope("/risk-engine")
                        .service(routes::risk::orchestrate)
                        .service(routes::risk::execute)
                        .service(routes::risk::decisions)
                        .service(routes::risk::read_decision)
                        .service(routes::risk::score),
                )
                .service(
                    web::scope("/proofs")
                        .service(routes::jobs::list)
                        .service(routes::jobs::retry)
                        .service(routes::proofs::generate)
                        .service(routes::proofs::verify)
                        .service(routes::proofs::read_job),
                )
                .service(
                    web::scope("/verification")
                        .service(routes::verification::status)
                        .service(routes::verification::fact),
                )
                .service(web::scope("/webhooks").service(routes::webhooks::deliveries))
                .service(web::scope("/markets").service(routes::markets::snapshot))
                .service(
                    web::scope("/model-registry")
                        .service(routes::models::current)
                        .service(routes::models::history)
                        .service(routes::models::read_version)
                        .service(routes::models::register),
                ),
        )
        .route(
            "/docs",
            web::get()
                .to(|| async { HttpResponse::PermanentRedirect().insert_header(("location", "/docs/")).finish() }),
        )
        .app_data(web::Data::new(known_paths::KnownPaths::from_spec()))
        .default_service(web::to(
            |req: actix_web::HttpRequest, known: web::Data<known_paths::KnownPaths>| async move {
                let error = match known.methods_of(req.path()) {
                    Some(allowed) => ApiError::method_not_allowed(req.method().as_str(), req.path(), allowed),
                    None => ApiError::new(
                        actix_web::http::StatusCode::NOT_FOUND,
                        crate::http::error::ErrorCode::NotFound,
                        "no such endpoint; see /docs",
                    ),
                };
                Err::<HttpResponse, _>(error)
            },
        ));
}

/// Browsers on `origins` may call the API with a bearer token (no cookies are used, so none are allowed).
fn cors(origins: &[String]) -> actix_cors::Cors {
    origins
        .iter()
        .fold(actix_cors::Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST"])
        .allowed_headers(["authorization", "content-type", "idempotency-key", "x-request-id"])
        .expose_headers(["x-request-id", "retry-after", "idempotent-replayed"])
        .max_age(600)
}

/// The actix application with its middleware: request ids outermost, then tracing, metrics, CORS (only
/// when `cors_origins` lists any), compression, and 405 for a documented path's missing methods.
pub fn app(
    state: web::Data<AppState>,
    body_limit: usize,
    cors_origins: Vec<String>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .configure(|cfg| configure(cfg, state, body_limit))
        .wrap(from_fn(known_paths::middleware))
        .wrap(Compress::default())
        .wrap(Condition::new(!cors_origins.is_empty(), cors(&cors_origins)))
        .wrap(from_fn(metrics::middleware))
        .wrap(TracingLogger::<request_id::RootSpan>::new())
        .wrap(from_fn(request_id::middleware))
}
