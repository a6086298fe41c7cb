//! The OpenAPI document, generated from the handlers' annotations and types.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::http::routes::{health, jobs, models, proofs, risk, verification};

/// starkrisk's API.
#[derive(OpenApi)]
#[openapi(
    info(title = "starkrisk", description = "Risk scores and allocations for Starknet DeFi, proven with STARKs, verified locally and on Starknet before execution."),
    paths(
        risk::orchestrate, risk::execute, risk::decisions, risk::read_decision, risk::score,
        proofs::generate, proofs::read_job, proofs::verify, jobs::list, jobs::retry,
        verification::status, verification::fact,
        models::current, models::history, models::read_version, models::register,
        health::health, health::ready, health::metrics,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "risk-engine", description = "Decisions: orchestrate, execute, read"),
        (name = "proofs", description = "Proof jobs and verification of proofs"),
        (name = "verification", description = "Local and on-chain verification status"),
        (name = "model-registry", description = "Risk model versions"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document as pretty JSON, as committed in docs/openapi.json.
pub fn json() -> anyhow::Result<String> {
    Ok(ApiDoc::openapi().to_pretty_json()? + "\n")
}
