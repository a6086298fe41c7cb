//! The OpenAPI document, generated from the handlers' annotations and types.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::http::routes::{health, jobs, markets, models, proofs, risk, verification, webhooks};

/// starkrisk's API.
#[derive(OpenApi)]
#[openapi(
    info(title = "starkrisk", description = "Risk scores and allocations for Starknet DeFi, proven with STARKs, verified locally and on Starknet before execution."),
    paths(
        risk::orchestrate, risk::execute, risk::decisions, risk::read_decision, risk::score,
        proofs::generate, proofs::read_job, proofs::verify, jobs::list, jobs::retry,
        verification::status, verification::fact,
        models::current, models::history, models::read_version, models::register,
        webhooks::deliveries, markets::snapshot,
        health::health, health::ready, health::metrics,
    ),
    modifiers(&BearerAuth, &CommonAnswers, &DomainValues),
    tags(
        (name = "risk-engine", description = "Decisions: orchestrate, execute, read"),
        (name = "proofs", description = "Proof jobs and verification of proofs"),
        (name = "verification", description = "Local and on-chain verification status"),
        (name = "model-registry", description = "Risk model versions"),
        (name = "webhooks", description = "Deliveries of decision and job events"),
        (name = "markets", description = "The chain readings decisions' metrics were derived from"),
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
/// (the caller's rate limit, with `Retry-After`); one with a JSON body 400 (not JSON) and 422 (a field out
/// of bounds); one with a path parameter 422 (the parameter is malformed, e.g. not a UUID).
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
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
        let with_body = [
            ("400", "The body is not a JSON object of this shape; `message` says where it stops parsing"),
            ("422", "A field is out of bounds or malformed; `field` names it"),
        ];
        let with_path = [("422", "A path parameter is malformed; `field` names it")];
        for item in openapi.paths.paths.values_mut() {
            let operations = [(&mut item.get, false), (&mut item.post, true)];
            for (operation, is_post) in operations {
                let Some(operation) = operation.as_mut().filter(|o| o.security.is_some()) else { continue };
                let has_body = operation.request_body.is_some();
                let has_path = operation.parameters.iter().flatten().any(|p| p.parameter_in == ParameterIn::Path);
                let answers = protected
                    .iter()
                    .chain(if is_post { &mutating[..] } else { &[] })
                    .chain(if has_body { &with_body[..] } else { &[] })
                    .chain(if has_path { &with_path[..] } else { &[] });
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

/// The values the domain accepts, declared from the domain's own lists so spec and server cannot drift:
/// the names of provers, proof systems and job statuses, and the text shape of every felt field.
struct DomainValues;

impl DomainValues {
    /// `(schema, property)` pairs holding a `0x` felt.
    const FELT_PROPERTIES: [(&'static str, &'static str); 5] = [
        ("ConstraintSignature", "signer"),
        ("ConstraintSignature", "signature_r"),
        ("ConstraintSignature", "signature_s"),
        ("ConstraintSignature", "nonce"),
        ("RegisterRequest", "program_hash"),
    ];
    /// Path or query parameters holding a `0x` felt.
    const FELT_PARAMETERS: [&'static str; 1] = ["fact_hash"];

    fn names<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<serde_json::Value> {
        all.iter().map(|v| serde_json::Value::String(v.to_string())).collect()
    }

    /// The named values a property or parameter takes, by its schema and name (`None`: a parameter).
    fn enumerated(schema: Option<&str>, name: &str) -> Option<Vec<serde_json::Value>> {
        use starkrisk_domain::{ProofJobStatus, ProofSystem, ProverKind};
        match (schema, name) {
            (Some("OrchestrateRequest"), "preferred_prover") | (None, "prover") => Some(Self::names(&ProverKind::ALL)),
            (Some("VerifyRequest"), "system") => Some(Self::names(&ProofSystem::ALL)),
            (None, "status") => Some(Self::names(&ProofJobStatus::ALL)),
            _ => None,
        }
    }

    /// Sets the pattern or the enumeration `schema` of `name` takes; a nullable one keeps `null`.
    fn declare(owner: Option<&str>, name: &str, schema: &mut utoipa::openapi::RefOr<utoipa::openapi::Schema>) {
        use utoipa::openapi::schema::SchemaType;
        use utoipa::openapi::{RefOr, Schema, Type};
        let RefOr::T(Schema::Object(object)) = schema else { return };
        let felt = match owner {
            Some(owner) => Self::FELT_PROPERTIES.contains(&(owner, name)),
            None => Self::FELT_PARAMETERS.contains(&name),
        };
        if felt {
            object.pattern = Some(starkrisk_domain::FELT_HEX_PATTERN.into());
        }
        if let Some(mut values) = Self::enumerated(owner, name) {
            if matches!(&object.schema_type, SchemaType::Array(types) if types.contains(&Type::Null)) {
                values.push(serde_json::Value::Null);
            }
            object.enum_values = Some(values);
        }
    }
}

impl Modify for DomainValues {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Schema};
        if let Some(components) = openapi.components.as_mut() {
            for (owner, schema) in components.schemas.iter_mut() {
                let RefOr::T(Schema::Object(object)) = schema else { continue };
                for (name, property) in object.properties.iter_mut() {
                    Self::declare(Some(owner), name, property);
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                for parameter in operation.parameters.iter_mut().flatten() {
                    if let Some(schema) = parameter.schema.as_mut() {
                        Self::declare(None, &parameter.name, schema);
                    }
                }
            }
        }
    }
}

/// The document as pretty JSON, as committed in docs/openapi.json.
pub fn json() -> anyhow::Result<String> {
    Ok(ApiDoc::openapi().to_pretty_json()? + "\n")
}
