//! What a webhook request carries and how receivers check it came from this service.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use starkrisk_domain::Secret;
use starkrisk_domain::ports::WebhookDelivery;

/// `t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<body>" with the endpoint's secret>`.
pub const SIGNATURE_HEADER: &str = "starkrisk-signature";

/// The body: `{"id", "event", "occurred_at", "data"}`; `id` is the event id receivers deduplicate on.
pub fn body(delivery: &WebhookDelivery) -> String {
    let data: serde_json::Value = serde_json::from_str(&delivery.payload).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "id": delivery.event_id,
        "event": delivery.event,
        "occurred_at": delivery.occurred_at,
        "data": data,
    })
    .to_string()
}

/// The signature header's value for `body` sent at `timestamp`.
pub fn sign(secret: &Secret, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(format!("{timestamp}.{body}").as_bytes());
    let digest = hex::encode(mac.finalize().into_bytes());
    format!("t={timestamp},v1={digest}")
}
