//! Which methods each documented path answers, read from the OpenAPI document: a request for a path that
//! exists with another method is answered 405 with `Allow`, not 404 (nor routed to a neighbour such as
//! `GET /proofs/{id}` for `GET /proofs/generate`), and the list cannot drift from the spec.

use std::sync::OnceLock;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use utoipa::OpenApi;

use crate::http::error::ApiError;
use crate::http::openapi::ApiDoc;

/// The documented path templates and the methods each answers.
pub struct KnownPaths {
    paths: Vec<(Vec<String>, Vec<&'static str>)>,
}

impl KnownPaths {
    /// Every path of the OpenAPI document.
    pub fn from_spec() -> Self {
        let paths = ApiDoc::openapi()
            .paths
            .paths
            .into_iter()
            .map(|(template, item)| {
                let methods = [("GET", item.get.is_some()), ("POST", item.post.is_some())]
                    .into_iter()
                    .filter_map(|(method, present)| present.then_some(method))
                    .collect();
                (template.split('/').map(str::to_string).collect(), methods)
            })
            .collect();
        Self { paths }
    }

    /// The methods `path` answers, when it is a documented path: a `{parameter}` matches any one segment,
    /// and of the templates that match, the one with the fewest parameters (the most literal) is meant.
    pub fn methods_of(&self, path: &str) -> Option<&[&'static str]> {
        let segments: Vec<&str> = path.split('/').collect();
        self.paths
            .iter()
            .filter(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(expected, actual)| {
                        expected == actual || (expected.starts_with('{') && !actual.is_empty())
                    })
            })
            .min_by_key(|(template, _)| template.iter().filter(|s| s.starts_with('{')).count())
            .map(|(_, methods)| methods.as_slice())
    }

    /// The documented paths, read once.
    pub fn get() -> &'static KnownPaths {
        static KNOWN: OnceLock<KnownPaths> = OnceLock::new();
        KNOWN.get_or_init(KnownPaths::from_spec)
    }
}

/// Middleware: a documented path asked with a method it does not answer gets 405 and `Allow` before
/// routing (HEAD and OPTIONS pass: actix answers them, and CORS preflights are handled outside).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let method = req.method().as_str();
    if method != "HEAD"
        && method != "OPTIONS"
        && let Some(allowed) = KnownPaths::get().methods_of(req.path())
        && !allowed.contains(&method)
    {
        let error = ApiError::method_not_allowed(method, req.path(), allowed);
        return Ok(req.error_response(error).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_paths_are_found_with_their_methods_and_others_are_not() {
        let known = KnownPaths::from_spec();
        assert_eq!(known.methods_of("/api/v1/risk-engine/orchestrate-allocation"), Some(&["POST"][..]));
        assert_eq!(known.methods_of("/api/v1/proofs/5d1c/retry"), Some(&["POST"][..]));
        assert_eq!(known.methods_of("/api/v1/proofs/5d1c"), Some(&["GET"][..]));
        assert_eq!(known.methods_of("/api/v1/proofs/generate"), Some(&["POST"][..]), "the literal path is meant");
        assert_eq!(known.methods_of("/api/v1/proofs//retry"), None, "a parameter is never empty");
        assert_eq!(known.methods_of("/api/v1/nothing"), None);
    }
}
