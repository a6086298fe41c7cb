//! Role extractors: put one first in a handler's arguments so authentication runs before the body is read.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::auth::{Claims, Role};
use crate::http::error::ApiError;
use crate::http::state::AppState;

/// A caller whose token reaches role number `LEVEL` (0 viewer, 1 operator, 2 admin).
pub struct Caller<const LEVEL: u8>(pub Claims);

/// Any authenticated caller.
pub type Viewer = Caller<0>;
/// An operator or admin.
pub type Operator = Caller<1>;
/// An admin.
pub type Admin = Caller<2>;

const fn role(level: u8) -> Role {
    match level {
        0 => Role::Viewer,
        1 => Role::Operator,
        _ => Role::Admin,
    }
}

impl<const LEVEL: u8> FromRequest for Caller<LEVEL> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.app_data::<web::Data<AppState>>() {
            Some(state) => state.require(req, role(LEVEL)).and_then(|claims| {
                // Reads are never limited; every request that changes something counts against its caller.
                if req.method() != actix_web::http::Method::GET {
                    state.rate_limits.admit(&claims.sub).map_err(ApiError::rate_limited)?;
                }
                Ok(Caller(claims))
            }),
            None => Err(ApiError::internal("application state is missing")),
        };
        ready(result)
    }
}
