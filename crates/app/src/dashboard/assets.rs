//! The stylesheet and script, compiled into the binary so nothing is fetched from elsewhere.

use actix_web::http::header;
use actix_web::{HttpResponse, get};

const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

/// The stylesheet.
#[get("/assets/app.css")]
pub async fn css() -> HttpResponse {
    asset("text/css; charset=utf-8", CSS)
}

/// The live-refresh script.
#[get("/assets/app.js")]
pub async fn js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", JS)
}
