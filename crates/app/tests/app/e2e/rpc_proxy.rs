//! Loopback JSON-RPC proxies in front of devnet: a service reading the chain through one meets a node that
//! answers otherwise than devnet, in the one way its test asks for.

use std::future::Future;

use actix_web::{App, HttpResponse, HttpServer, web};

/// Serves `answer` on a free loopback port and returns its URL. `answer` gets each request's body and the
/// proxy's `state`, and passes on to devnet what it does not answer itself ([`forward`]).
pub fn serve<S, F, Fut>(state: web::Data<S>, answer: F) -> String
where
    S: Send + Sync + 'static,
    F: Fn(web::Bytes, web::Data<S>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = HttpResponse> + 'static,
{
    let server = HttpServer::new(move || App::new().app_data(state.clone()).default_service(web::to(answer.clone())))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
    let url = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    url
}

/// Sends a request's `body` to `devnet` and returns devnet's answer as it came.
pub async fn forward(devnet: &str, body: &[u8]) -> web::Bytes {
    let request = reqwest::Client::new().post(devnet).body(body.to_vec()).header("content-type", "application/json");
    request.send().await.unwrap().bytes().await.unwrap()
}

/// `answer` as the proxy's JSON response.
pub fn json(answer: impl Into<web::Bytes>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(answer.into())
}
