//! The webhook outbox: events and deliveries commit with the change that caused them, and only with it.

use crate::common;

use std::time::Duration;

use common::*;
use starkrisk_domain::ports::*;
use starkrisk_domain::*;

fn endpoint(url: &str, events: &[&str]) -> WebhookEndpoint {
    WebhookEndpoint { url: url.into(), events: events.iter().map(|e| e.to_string()).collect() }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows in `webhook_events`, delivered or not.
async fn event_rows(db: &starkrisk_postgres::Database) -> i64 {
    use diesel_async::RunQueryDsl;
    let mut conn = db.conn().await.unwrap();
    let row: Count = diesel::sql_query("SELECT count(*) AS n FROM webhook_events").get_result(&mut conn).await.unwrap();
    row.n
}

async fn events_of(store: &starkrisk_postgres::PgStore) -> Vec<String> {
    let mut events: Vec<String> = store.recent(100, false).await.unwrap().into_iter().map(|d| d.event).collect();
    events.sort();
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_write_their_events_and_a_refused_change_writes_none() {
    let (_db, store) = store().await;
    store
        .sync_endpoints(&[endpoint("http://a.test/hook", &["*"]), endpoint("http://b.test/hook", &["decision.failed"])])
        .await
        .unwrap();
    let (mut decision, _) = decision(&store).await;
    assert_eq!(events_of(&store).await, ["decision.pending", "job.queued"], "b subscribed to neither");

    // A compare-and-set that loses writes nothing, events included.
    decision.fail("prover gone", chrono::Utc::now()).unwrap();
    let refused = DecisionStore::save(&store, &decision, DecisionStatus::Verified).await.unwrap_err();
    assert!(matches!(refused, StoreError::Conflict(_)), "{refused}");
    assert_eq!(events_of(&store).await.len(), 2);

    DecisionStore::save(&store, &decision, DecisionStatus::Pending).await.unwrap();
    let events = events_of(&store).await;
    assert_eq!(events.iter().filter(|e| *e == "decision.failed").count(), 2, "one delivery per subscriber: {events:?}");
    let payload = store.recent(1, false).await.unwrap().remove(0).payload;
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!((payload["status"].as_str(), payload["previous_status"].as_str()), (Some("failed"), Some("pending")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_no_endpoint_subscribes_to_is_not_written() {
    let (db, store) = store().await;
    store.sync_endpoints(&[endpoint("http://a.test/hook", &["decision.failed"])]).await.unwrap();
    let (mut decision, _) = decision(&store).await;
    assert_eq!(event_rows(&db.db).await, 0, "nobody subscribes to decision.pending or job.queued");
    decision.fail("prover gone", chrono::Utc::now()).unwrap();
    DecisionStore::save(&store, &decision, DecisionStatus::Pending).await.unwrap();
    assert_eq!(event_rows(&db.db).await, 1);
    assert_eq!(events_of(&store).await, ["decision.failed"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_claimed_once_retried_when_due_and_given_up_after_max_attempts() {
    let (_db, store) = store().await;
    store.sync_endpoints(&[endpoint("http://a.test/hook", &["job.queued"])]).await.unwrap();
    decision(&store).await;
    let lease = Duration::from_secs(30);
    let (first, second) = tokio::join!(store.claim_deliveries(10, 3, lease), store.claim_deliveries(10, 3, lease));
    let claimed: Vec<WebhookDelivery> = first.unwrap().into_iter().chain(second.unwrap()).collect();
    assert_eq!(claimed.len(), 1, "two deliverers never claim one delivery");
    let d = &claimed[0];
    assert_eq!((d.event.as_str(), d.attempts), ("job.queued", 1));

    store.failed(d.event_id, &d.endpoint, Some(500), "the endpoint answered 500", chrono::Utc::now()).await.unwrap();
    let again = store.claim_deliveries(10, 3, lease).await.unwrap();
    assert_eq!(again[0].attempts, 2, "due again at once, its lease released");
    store.failed(d.event_id, &d.endpoint, None, "timed out", chrono::Utc::now()).await.unwrap();
    assert_eq!(store.claim_deliveries(10, 3, lease).await.unwrap()[0].attempts, 3);
    store.failed(d.event_id, &d.endpoint, None, "timed out", chrono::Utc::now()).await.unwrap();
    assert!(store.claim_deliveries(10, 3, lease).await.unwrap().is_empty(), "given up after three attempts");
    let pending = store.recent(10, true).await.unwrap();
    assert_eq!(pending[0].last_error.as_deref(), Some("timed out"), "a given-up delivery stays listed");

    store.sync_endpoints(&[]).await.unwrap();
    assert!(store.recent(10, false).await.unwrap().is_empty(), "a removed endpoint takes its deliveries along");
}
