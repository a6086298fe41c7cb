//! The page shell every dashboard page shares, its headers, and the small pieces pages are built from.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

use crate::dashboard::session::Session;

/// Scripts and styles come from the binary itself; nothing inline, nothing from elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// An HTML answer with the dashboard's headers.
pub fn html(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

/// A whole page: skip link, navigation with the visitor and a sign-out button, then `body`.
pub fn page(title: &str, session: &Session, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · starkrisk" }
                link rel="stylesheet" href="/dashboard/assets/app.css";
                script src="/dashboard/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    nav aria-label="Dashboard" {
                        span.brand { "starkrisk" }
                        a href="/dashboard/decisions" { "Decisions" }
                        a href="/dashboard/health" { "Health" }
                    }
                    div.who {
                        span { "Signed in as " strong { (session.claims.sub) } " (" (session.claims.role.as_str()) ")" }
                        form method="post" action="/dashboard/sign-out" {
                            input type="hidden" name="csrf" value=(session.csrf);
                            button type="submit" id="sign-out" { "Sign out" }
                        }
                    }
                }
                main id="main" tabindex="-1" { h1 { (title) } (body) }
            }
        }
    }
}

/// The sign-in page, with `error` when a token was refused.
pub fn sign_in(error: Option<&str>, status: StatusCode) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sign in · starkrisk" }
                link rel="stylesheet" href="/dashboard/assets/app.css";
            }
            body {
                main id="main" .narrow {
                    h1 { "Sign in to starkrisk" }
                    p { "Paste an API bearer token (" code { "starkrisk token --role operator" } " mints one). It is kept \
                         in a cookie this browser sends to the dashboard only, until the token expires or you sign out." }
                    @if let Some(error) = error { p.error role="alert" id="sign-in-error" { (error) } }
                    form method="post" action="/dashboard/sign-in" {
                        label for="token" { "Bearer token" }
                        input type="password" id="token" name="token" autocomplete="off" required;
                        button type="submit" id="sign-in" { "Sign in" }
                    }
                }
            }
        }
    };
    html(status, markup)
}

/// A page-level failure, shown as a page rather than JSON.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    /// A failure answered with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<crate::http::error::ApiError> for PageError {
    fn from(e: crate::http::error::ApiError) -> Self {
        Self { status: e.status_code(), message: e.to_string() }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let markup = html! {
            (DOCTYPE)
            html lang="en" {
                head { meta charset="utf-8"; title { "starkrisk" } link rel="stylesheet" href="/dashboard/assets/app.css"; }
                body { main id="main" .narrow {
                    h1 { "That did not work" }
                    p.error role="alert" { (self.message) }
                    p { a href="/dashboard/decisions" { "Back to the decisions" } }
                } }
            }
        };
        html(self.status, markup)
    }
}

/// A status badge: `tone` is ok, wait or bad.
pub fn badge(tone: &str, text: &str) -> Markup {
    html! { span class=(format!("badge {tone}")) { (text) } }
}

/// The tone of a decision or job status.
pub fn tone(status: &str) -> &'static str {
    match status {
        "executed" | "verified" | "registered" | "proved" => "ok",
        "refused" | "failed" => "bad",
        _ => "wait",
    }
}

/// A hash shortened for tables, whole in its title and for screen readers' "copy".
pub fn short(hash: &str) -> Markup {
    let shown =
        if hash.len() > 14 { format!("{}…{}", &hash[..8], &hash[hash.len() - 4..]) } else { hash.to_string() };
    html! { code title=(hash) { (shown) } }
}

/// A shortened hash, or a dash when there is none.
pub fn hash_or_dash(hash: Option<&str>) -> Markup {
    html! { @match hash { Some(h) => (short(h)), None => "—" } }
}

/// A timestamp as operators read it.
pub fn when(at: DateTime<Utc>) -> Markup {
    html! { time datetime=(at.to_rfc3339()) { (at.format("%Y-%m-%d %H:%M:%S UTC")) } }
}

/// Basis points as a percentage with two decimals.
pub fn percent(bps: u32) -> String {
    format!("{}.{:02} %", bps / 100, bps % 100)
}
