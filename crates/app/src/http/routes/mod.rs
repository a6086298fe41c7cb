//! The endpoints, grouped as the API is.

pub mod health;
pub mod jobs;
pub mod markets;
pub mod models;
pub mod proofs;
pub mod risk;
pub mod verification;
pub mod webhooks;

use starkrisk_domain::ports::MAX_PAGE;

use crate::http::error::ApiError;

/// A numeric keyset cursor as a listing returned it.
pub fn page_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| c.parse::<i64>().map_err(|_| ApiError::invalid("cursor", "is not a cursor this API returned")))
        .transpose()
}

/// A listing's page size: `limit` when given, else 20, and always 1..=100.
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(20);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid("limit", format!("{limit} is outside the allowed range 1..={MAX_PAGE}")));
    }
    Ok(limit)
}
