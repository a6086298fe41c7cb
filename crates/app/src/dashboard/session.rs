//! Signing in: a bearer token checked like the API's and kept in an HttpOnly, SameSite=Strict cookie
//! scoped to the dashboard; every form that changes something carries a CSRF token derived from it.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, get, post, web};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::{Claims, Role};
use crate::dashboard::layout;
use crate::http::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "starkrisk_session";
/// Where the cookie is sent: the dashboard only, never the API (which takes bearer headers).
const COOKIE_PATH: &str = "/dashboard";

/// A signed-in visitor: the token's claims and the CSRF token its forms carry.
pub struct Session {
    /// Who, and with which role.
    pub claims: Claims,
    /// What every POST form must send back as `csrf`.
    pub csrf: String,
}

impl Session {
    /// Whether the visitor may do what `role` may.
    pub fn can(&self, role: Role) -> bool {
        self.claims.role >= role
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), layout::PageError> {
        // Both are hex digests of one length; comparing every byte keeps the time independent of where
        // they differ.
        let same = sent.len() == self.csrf.len()
            && sent.bytes().zip(self.csrf.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if same {
            Ok(())
        } else {
            Err(layout::PageError::new(
                StatusCode::FORBIDDEN,
                "This form is stale or did not come from the dashboard; reload the page and try again.",
            ))
        }
    }
}

/// The CSRF token of a session: a digest of its bearer token, so it needs no storage and changes with it.
fn csrf_of(token: &str) -> String {
    let digest = Sha256::new_with_prefix(b"starkrisk/dashboard/csrf\0").chain_update(token.as_bytes()).finalize();
    hex::encode(&digest[..16])
}

fn session_token(req: &HttpRequest) -> Option<String> {
    let cookies = req.headers().get(header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|c| c.trim().strip_prefix(COOKIE).and_then(|v| v.strip_prefix('='))).map(str::to_string)
}

fn authorize(state: &AppState, token: &str) -> Option<Claims> {
    state.auth.authorize(Some(&format!("Bearer {token}")), Role::Viewer).ok()
}

/// Sends the visitor to sign in; what a page answers without a valid session.
#[derive(Debug)]
pub struct SignInFirst;

impl std::fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sign in first")
    }
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::SeeOther().insert_header((header::LOCATION, "/dashboard/sign-in")).finish()
    }
}

impl FromRequest for Session {
    type Error = SignInFirst;
    type Future = Ready<Result<Self, SignInFirst>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.app_data::<web::Data<AppState>>().zip(session_token(req)).and_then(|(state, token)| {
            authorize(state, &token).map(|claims| Session { claims, csrf: csrf_of(&token) })
        });
        ready(session.ok_or(SignInFirst))
    }
}

/// `Set-Cookie` for `token`, living `max_age` seconds (0 clears it). `Secure` when the request came over
/// TLS (or a proxy says it did), so a plain-HTTP local run still signs in.
fn cookie(req: &HttpRequest, token: &str, max_age: u64) -> Option<HeaderValue> {
    let secure = if req.connection_info().scheme() == "https" { "; Secure" } else { "" };
    let value = format!("{COOKIE}={token}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&value).ok()
}

/// The sign-in form.
#[get("/sign-in")]
pub async fn sign_in_page() -> HttpResponse {
    layout::sign_in(None, StatusCode::OK)
}

/// What the sign-in form posts.
#[derive(Deserialize)]
pub struct SignIn {
    token: String,
}

/// Checks the token; on success keeps it in the cookie until it expires and opens the decisions.
#[post("/sign-in")]
pub async fn sign_in(req: HttpRequest, state: web::Data<AppState>, form: web::Form<SignIn>) -> HttpResponse {
    let token = form.token.trim();
    let Some(claims) = authorize(&state, token) else {
        return layout::sign_in(
            Some("That token was not accepted: it is malformed, expired, or signed for another audience."),
            StatusCode::UNAUTHORIZED,
        );
    };
    let Some(cookie) = cookie(&req, token, state.auth.seconds_left(&claims)) else {
        return layout::sign_in(Some("That token cannot be kept in a cookie."), StatusCode::BAD_REQUEST);
    };
    HttpResponse::SeeOther()
        .insert_header((header::SET_COOKIE, cookie))
        .insert_header((header::LOCATION, "/dashboard/decisions"))
        .finish()
}

/// What the sign-out form posts.
#[derive(Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    pub csrf: String,
}

/// Clears the cookie.
#[post("/sign-out")]
pub async fn sign_out(
    req: HttpRequest,
    session: Session,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, layout::PageError> {
    session.check_csrf(&form.csrf)?;
    let mut answer = HttpResponse::SeeOther();
    answer.insert_header((header::LOCATION, "/dashboard/sign-in"));
    if let Some(cleared) = cookie(&req, "", 0) {
        answer.insert_header((header::SET_COOKIE, cleared));
    }
    Ok(answer.finish())
}

#[cfg(test)]
mod tests {
    use super::csrf_of;

    #[test]
    fn the_csrf_token_follows_the_session() {
        assert_eq!(csrf_of("a.b.c"), csrf_of("a.b.c"));
        assert_ne!(csrf_of("a.b.c"), csrf_of("a.b.d"));
        assert_eq!(csrf_of("x").len(), 32);
    }
}
