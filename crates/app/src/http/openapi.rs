//! The OpenAPI document, generated from the handlers' annotations and types.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::http::routes::{health, jobs, models, proofs, risk, verification, webhooks};

/// starkrisk's API.
#[derive(OpenApi)]
#[openapi(
    info(title = "starkrisk", description = "Risk scores and allocations for Starknet DeFi, proven with STARKs, verified locally and on Starknet before execution."),
    paths(
        risk::orchestrate, risk::execute, risk::decisions, risk::read_decision, risk::score,
        proofs::generate, proofs::read_job, proofs::verify, jobs::list, jobs::retry,
        verification::status, verification::fact,
        models::current, models::history, models::read_version, models::register,
        webhooks::deliveries,
        health::health, health::ready, health::metrics,
    ),
    modifiers(&BearerAuth, &CommonAnswers),
    tags(
        (name = "risk-engine", description = "Decisions: orchestrate, execute, read"),
        (name = "proofs", description = "Proof jobs and verification of proofs"),
        (name = "verification", description = "Local and on-chain verification status"),
        (name = "model-registry", description = "Risk model versions"),
        (name = "webhooks", description = "Deliveries of decision and job events"),
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

/// The answers any endpoint of a kind can give, documented on each so a generated client knows them: a
/// protected endpoint can answer 401 and 403 (no or a weaker token) and 503 (Postgres down); one that
/// takes a body or changes something can also answer 413 (body over `server.body_limit_bytes`) and 429
/// (the caller's rate limit, with `Retry-After`).
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
            ResponseBuilder::new().description(description).content("application/json", content).build()
        };
        let protected = [
            ("401", "No valid bearer token"),
            ("403", "The token's role may not do this"),
            ("503", "A dependency (Postgres) is down; retry after `Retry-After` seconds"),
        ];
        let mutating = [
            ("413", "The body is larger than `server.body_limit_bytes`"),
            ("429", "This caller's rate limit is spent; retry after `Retry-After` seconds"),
        ];
        for item in openapi.paths.paths.values_mut() {
            let operations = [(&mut item.get, false), (&mut item.post, true)];
            for (operation, is_post) in operations {
                let Some(operation) = operation.as_mut().filter(|o| o.security.is_some()) else { continue };
                let answers = protected.iter().chain(if is_post { &mutating[..] } else { &[] });
                for (status, description) in answers {
                    operation
                        .responses
                        .responses
                        .entry((*status).to_string())
                        .or_insert_with(|| error(description).into());
                }
            }
        }
    }
}

/// The document as pretty JSON, as committed in docs/openapi.json.
pub fn json() -> anyhow::Result<String> {
    Ok(ApiDoc::openapi().to_pretty_json()? + "\n")
}
