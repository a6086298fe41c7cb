//! JSON bodies parsed with the offending field's path in every error, and unknown fields refused.

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use crate::http::error::ApiError;

/// A JSON body of `T`: 400 when it is not JSON, 422 naming the field when a value is wrong.
pub struct Body<T>(pub T);

/// Parses `bytes` as `T`, naming the field path of the first error.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::malformed("the request body is empty; send a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::malformed(format!("the body is not valid JSON: {inner}"));
        }
        let message = strip_position(&inner.to_string());
        let field = if path == "." { unknown_field(&message).unwrap_or_else(|| "body".into()) } else { path };
        ApiError::invalid(field, message)
    })
}

/// serde_json appends " at line L column C", which says nothing to a client that sent one object.
fn strip_position(message: &str) -> String {
    message.find(" at line ").map_or_else(|| message.to_string(), |i| message[..i].to_string())
}

/// The name in "unknown field `x`, expected …", for errors reported at the root.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next().map(str::to_string)
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw = RawBody::from_request(req, payload);
        Box::pin(async move { parse(&raw.await?.0).map(Body) })
    }
}

/// The body's bytes, with read errors (too large, broken connection) in the API's error shape.
pub struct RawBody(pub web::Bytes);

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            bytes.await.map(RawBody).map_err(|e| match e.as_response_error().status_code() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    crate::http::error::ErrorCode::PayloadTooLarge,
                    "the request body is larger than the configured limit (server.body_limit_bytes)",
                ),
                _ => ApiError::malformed(format!("cannot read the body: {e}")),
            })
        })
    }
}
