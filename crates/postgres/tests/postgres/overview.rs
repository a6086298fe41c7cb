//! What the dashboard reads from Postgres: decisions filtered by status, prover and time, and the queue
//! by status with the leases workers hold.

use crate::common;

use std::time::Duration;

use chrono::Utc;
use common::store;
use starkrisk_domain::ports::{DecisionFilter, DecisionStore, PageRequest, ProofJobStore};
use starkrisk_domain::*;

const ALL: PageRequest = PageRequest { limit: 100, before: None };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_are_filtered_by_status_prover_and_time() {
    let (_db, store) = store().await;
    // Planned a minute apart, both in the past, so the first one's job is due.
    let first_at = Utc::now() - chrono::Duration::minutes(2);
    let (first, _) = common::decision_at(&store, first_at).await;
    let between = first_at + chrono::Duration::seconds(30);
    let (second, _) = common::decision_at(&store, first_at + chrono::Duration::minutes(1)).await;
    let mut refused = second.clone();
    refused.refuse("a test refusal", Utc::now()).unwrap();
    DecisionStore::save(&store, &refused, DecisionStatus::Pending).await.unwrap();

    let ids =
        |page: starkrisk_domain::ports::Page<AllocationDecision>| page.items.iter().map(|d| d.id()).collect::<Vec<_>>();
    let find = |filter: DecisionFilter| {
        let store = store.clone();
        async move { ids(store.list_filtered(filter, ALL).await.unwrap()) }
    };
    assert_eq!(find(DecisionFilter::default()).await, [second.id(), first.id()], "newest first");
    let status = |s| DecisionFilter { status: Some(s), ..DecisionFilter::default() };
    assert_eq!(find(status(DecisionStatus::Refused)).await, [second.id()]);
    assert_eq!(find(status(DecisionStatus::Pending)).await, [first.id()]);
    assert_eq!(find(DecisionFilter { since: Some(between), ..DecisionFilter::default() }).await, [second.id()]);
    assert_eq!(find(DecisionFilter { until: Some(between), ..DecisionFilter::default() }).await, [first.id()]);
    // No proof was made yet, so no prover made one.
    assert_eq!(find(DecisionFilter { prover: Some(ProverKind::Luminair), ..DecisionFilter::default() }).await, []);
    let one = store.list_filtered(DecisionFilter::default(), PageRequest { limit: 1, before: None }).await.unwrap();
    let next = PageRequest { limit: 1, before: one.next_cursor };
    assert_eq!(ids(DecisionStore::list(&store, next).await.unwrap()), [first.id()]);

    // Once S-two proves the first decision, the prover filter finds it.
    let mut job = store.claim_due("worker", Duration::from_secs(60)).await.unwrap().unwrap();
    assert_eq!(job.id(), first.proof_job_id());
    job.start_proving(Utc::now()).unwrap();
    job.proved(common::artifact(), Utc::now()).unwrap();
    ProofJobStore::save(&store, &job, ProofJobStatus::Queued).await.unwrap();
    assert_eq!(
        find(DecisionFilter { prover: Some(ProverKind::Luminair), ..DecisionFilter::default() }).await,
        [first.id()]
    );
    assert_eq!(find(DecisionFilter { prover: Some(ProverKind::Stone), ..DecisionFilter::default() }).await, []);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_report_counts_every_status_and_names_the_workers_holding_jobs() {
    let (_db, store) = store().await;
    for _ in 0..3 {
        store.insert(&common::job()).await.unwrap();
    }
    let claimed = store.claim_due("worker-7", Duration::from_secs(60)).await.unwrap().unwrap();
    let report = store.queue_report().await.unwrap();
    assert_eq!(report.by_status.len(), ProofJobStatus::ALL.len(), "every status, empty ones too");
    let count = |s| report.by_status.iter().find(|(status, _)| *status == s).unwrap().1;
    assert_eq!(count(ProofJobStatus::Queued) + count(ProofJobStatus::Proving), 3);
    assert_eq!(count(ProofJobStatus::Failed), 0);
    assert_eq!(report.leases.len(), 1);
    assert_eq!((report.leases[0].job, report.leases[0].owner.as_str()), (claimed.id(), "worker-7"));
    assert!(report.leases[0].expires_at > Utc::now());
    store.release(claimed.id(), "worker-7").await.unwrap();
    assert!(store.queue_report().await.unwrap().leases.is_empty(), "a released job is held by no one");
}
