//! The operator dashboard, served by the same binary under `/dashboard`: server-rendered pages over the
//! same use cases as the API, a little JavaScript for live refreshes, every asset embedded.

mod actions;
mod assets;
mod charts;
mod decision_page;
mod decisions;
mod health;
mod layout;
mod session;

use actix_web::{HttpResponse, web};

/// Registers every dashboard route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/dashboard")
            .route("", web::get().to(to_decisions))
            .route("/", web::get().to(to_decisions))
            .service(assets::css)
            .service(assets::js)
            .service(session::sign_in_page)
            .service(session::sign_in)
            .service(session::sign_out)
            .service(decisions::list)
            .service(decisions::list_rows)
            .service(decisions::read)
            .service(decisions::read_live)
            .service(actions::execute)
            .service(actions::retry)
            .service(health::page)
            .service(health::live),
    );
}

async fn to_decisions() -> HttpResponse {
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, "/dashboard/decisions")).finish()
}
