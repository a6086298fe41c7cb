//! The job queue: exactly-once claims under concurrency, lease expiry, backoff, and compare-and-set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod common;

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use common::*;
use diesel_async::SimpleAsyncConnection;
use starkrisk_domain::ports::*;
use starkrisk_domain::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_claimers_over_1000_jobs_claim_each_exactly_once() {
    let (_db, store) = store().await;
    let mut all = HashSet::new();
    for _ in 0..1000 {
        let job = job();
        all.insert(job.id());
        ProofJobStore::insert(&store, &job).await.unwrap();
    }
    let claimer = |name: &'static str| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = store.claim_due(name, LEASE).await.unwrap() {
                mine.push(job.id());
            }
            mine
        })
    };
    let (a, b) = (claimer("worker-a"), claimer("worker-b"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert!(!a.is_empty() && !b.is_empty(), "both workers got work: {} / {}", a.len(), b.len());
    let claimed: Vec<_> = a.iter().chain(&b).copied().collect();
    let unique: HashSet<_> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), 1000, "no job claimed twice");
    assert_eq!(unique, all, "every job claimed");
    assert_eq!(store.queue_depth().await.unwrap(), 1000, "claimed jobs are still unfinished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_makes_the_job_claimable_again() {
    let (_db, store) = store().await;
    let mut job = job();
    ProofJobStore::insert(&store, &job).await.unwrap();
    let first = store.claim_due("crashed-worker", Duration::from_millis(200)).await.unwrap().unwrap();
    job.start_proving(chrono::Utc::now()).unwrap();
    ProofJobStore::save(&store, &job, ProofJobStatus::Queued).await.unwrap();
    assert!(store.claim_due("other", LEASE).await.unwrap().is_none(), "a live lease holds the job");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = store.claim_due("other", LEASE).await.unwrap().expect("claimable after the lease expired");
    assert_eq!(again.id(), first.id());
    assert_eq!(again.status(), ProofJobStatus::Proving, "the new worker resumes the proving job");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_holder_renews_a_live_lease() {
    let (_db, store) = store().await;
    let job = job();
    ProofJobStore::insert(&store, &job).await.unwrap();
    let short = Duration::from_millis(200);
    store.claim_due("holder", short).await.unwrap().unwrap();
    assert!(!store.renew_lease(job.id(), "someone-else", LEASE).await.unwrap());
    assert!(store.renew_lease(job.id(), "holder", LEASE).await.unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(store.claim_due("other", LEASE).await.unwrap().is_none(), "renewed past the first lease");

    let second = super_short_claim(&store).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!store.renew_lease(second, "brief", LEASE).await.unwrap(), "an expired lease is not revived");
}

/// A job claimed by "brief" for 20 ms.
async fn super_short_claim(store: &starkrisk_postgres::PgStore) -> ProofJobId {
    let job = job();
    ProofJobStore::insert(store, &job).await.unwrap();
    while let Some(claimed) = store.claim_due("brief", Duration::from_millis(20)).await.unwrap() {
        if claimed.id() == job.id() {
            return job.id();
        }
    }
    panic!("the new job was never claimable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_job_is_claimable_at_once_but_only_by_its_holder_release() {
    let (_db, store) = store().await;
    ProofJobStore::insert(&store, &job()).await.unwrap();
    let claimed = store.claim_due("a", LEASE).await.unwrap().unwrap();
    ProofJobStore::release(&store, claimed.id(), "somebody-else").await.unwrap();
    assert!(store.claim_due("b", LEASE).await.unwrap().is_none(), "only the holder releases");
    ProofJobStore::release(&store, claimed.id(), "a").await.unwrap();
    assert_eq!(store.claim_due("b", LEASE).await.unwrap().unwrap().id(), claimed.id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_waits_for_its_backoff_and_finished_jobs_are_never_claimed() {
    let (_db, store) = store().await;
    let later = due_at(&job(), Utc::now() + chrono::Duration::milliseconds(300));
    ProofJobStore::insert(&store, &later).await.unwrap();
    let mut failed = job();
    failed.fail(Stage::Proving, "gone", false, chrono::Utc::now()).unwrap();
    ProofJobStore::insert(&store, &failed).await.unwrap();
    // A proof asked for on its own rests once verified; only decision jobs go on to register and execute.
    let mut standalone = job();
    standalone.start_proving(chrono::Utc::now()).unwrap();
    standalone.proved(artifact(), chrono::Utc::now()).unwrap();
    standalone
        .verified(
            VerifiedClaim {
                system: ProofSystem::Stwo,
                program_hash: ProgramHash::new(Felt::ONE),
                statement: statement(),
                security_bits: 100,
                provable_security_bits: Some(55),
                fact_hash: None,
            },
            chrono::Utc::now(),
        )
        .unwrap();
    ProofJobStore::insert(&store, &standalone).await.unwrap();

    assert!(store.claim_due("w", LEASE).await.unwrap().is_none(), "nothing is due yet");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.claim_due("w", LEASE).await.unwrap().unwrap().id(), later.id());
    assert!(store.claim_due("w", LEASE).await.unwrap().is_none());
    assert_eq!(store.queue_depth().await.unwrap(), 2, "the queued and the verified job are unfinished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_writer_is_refused_and_nothing_changes() {
    let (_db, store) = store().await;
    let mut job = job();
    ProofJobStore::insert(&store, &job).await.unwrap();
    let mut winner = job.clone();
    winner.start_proving(chrono::Utc::now()).unwrap();
    ProofJobStore::save(&store, &winner, ProofJobStatus::Queued).await.unwrap();

    // The loser still believes the job is queued.
    job.fail(Stage::Proving, "late", true, chrono::Utc::now()).unwrap();
    let error = ProofJobStore::save(&store, &job, ProofJobStatus::Queued).await.unwrap_err();
    assert!(matches!(&error, StoreError::Conflict(m) if m.contains("proving")), "{error}");
    let stored = ProofJobStore::get(&store, job.id()).await.unwrap().unwrap();
    assert_eq!(stored.status(), ProofJobStatus::Proving);
    assert!(stored.failure().is_none());

    let ghost = common::job();
    let error = ProofJobStore::save(&store, &ghost, ProofJobStatus::Queued).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_constraints_refuse_what_the_domain_would_refuse() {
    let (db, store) = store().await;
    let (decision, _) = decision(&store).await;
    let mut conn = db.db.conn().await.unwrap();
    for (sql, what) in [
        (format!("UPDATE allocation_decisions SET jediswap_bps = 6000 WHERE id = '{}'", decision.id()), "shares sum"),
        (format!("UPDATE allocation_decisions SET jediswap_risk = 101 WHERE id = '{}'", decision.id()), "risk range"),
        (
            format!("UPDATE allocation_decisions SET status = 'submitted' WHERE id = '{}'", decision.id()),
            "tx on record",
        ),
        (format!("UPDATE allocation_decisions SET status = 'bogus' WHERE id = '{}'", decision.id()), "status"),
        ("UPDATE proof_jobs SET status = 'bogus'".to_string(), "job status"),
    ] {
        assert!(conn.batch_execute(&sql).await.is_err(), "{what} is not enforced");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_page_newest_first_without_gaps_or_repeats_while_new_ones_arrive() {
    let (_db, store) = store().await;
    let start = Utc::now() - chrono::Duration::hours(1);
    let new_job = |at| ProofJob::new(ProofRequest { statement: statement() }, vec![ProverKind::Stwo], None, at);
    let mut inserted = Vec::new();
    for i in 0..300i64 {
        // Pairs share a creation time, so the id has to break ties.
        let job = new_job(start + chrono::Duration::seconds(i / 2));
        ProofJobStore::insert(&store, &job).await.unwrap();
        inserted.push(job.id());
    }
    let (decided, decided_job) = decision(&store).await;
    let mut seen = Vec::new();
    let mut request = JobPageRequest { limit: 37, after: None, filter: JobFilter::default() };
    loop {
        let page = ProofJobStore::list(&store, &request).await.unwrap();
        assert!(page.items.len() <= 37);
        seen.extend(page.items.iter().map(|j| (j.created_at(), j.id())));
        // A job created while paging is newer than every cursor: it never shows up in later pages.
        ProofJobStore::insert(&store, &new_job(Utc::now())).await.unwrap();
        match page.next {
            Some(next) => request.after = Some(JobCursor::decode(&next.encode()).unwrap()),
            None => break,
        }
    }
    let ids: HashSet<_> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(ids.len(), seen.len(), "no job is listed twice");
    assert_eq!(seen.len(), 301, "every job from before the first page, once");
    assert!(inserted.iter().all(|id| ids.contains(id)) && ids.contains(&decided_job.id()));
    let order: Vec<_> = seen.iter().map(|(at, id)| (*at, id.0)).collect();
    assert!(order.windows(2).all(|w| w[0] > w[1]), "newest first, ties broken by id");

    // Filters narrow the listing.
    let only = |filter| JobPageRequest { limit: 100, after: None, filter };
    let mine = only(JobFilter { decision: Some(decided.id()), ..JobFilter::default() });
    let page = ProofJobStore::list(&store, &mine).await.unwrap();
    assert_eq!(page.items.iter().map(ProofJob::id).collect::<Vec<_>>(), [decided_job.id()]);
    let failed = only(JobFilter { status: Some(ProofJobStatus::Failed), ..JobFilter::default() });
    assert!(ProofJobStore::list(&store, &failed).await.unwrap().items.is_empty());
    let window = only(JobFilter {
        since: Some(start + chrono::Duration::seconds(10)),
        until: Some(start + chrono::Duration::seconds(20)),
        ..JobFilter::default()
    });
    assert_eq!(
        ProofJobStore::list(&store, &window).await.unwrap().items.len(),
        20,
        "two jobs a second for ten seconds"
    );
    let proven_by = only(JobFilter { prover: Some(ProverKind::Stone), ..JobFilter::default() });
    assert!(ProofJobStore::list(&store, &proven_by).await.unwrap().items.is_empty(), "no proof was made yet");
}
