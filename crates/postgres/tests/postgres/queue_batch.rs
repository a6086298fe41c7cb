//! Batch claims, leases given back by a finishing save, the claim's plan, and `LISTEN proof_jobs_due`.

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use common::*;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use starkrisk_domain::ports::*;
use starkrisk_domain::*;
use starkrisk_postgres::testing::{TestDatabase, claim_sql, queue_depth_sql};

fn job_created(seconds_ago: i64) -> ProofJob {
    ProofJob::new(
        ProofRequest { statement: statement() },
        vec![ProverKind::Luminair],
        None,
        Utc::now() - chrono::Duration::seconds(seconds_ago),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_takes_the_earliest_due_jobs_up_to_its_limit() {
    let (_db, store) = store().await;
    let jobs: Vec<ProofJob> = (0..6).map(|n| job_created(100 - n)).collect();
    // Inserted newest first, so only the claim's ordering can put them back in due order.
    for job in jobs.iter().rev() {
        ProofJobStore::insert(&store, job).await.unwrap();
    }
    let first = store.claim_due_batch("a", LEASE, 4).await.unwrap();
    let ids = |jobs: &[ProofJob]| jobs.iter().map(ProofJob::id).collect::<Vec<_>>();
    assert_eq!(ids(&first), ids(&jobs[..4]), "the four earliest, earliest first");
    let rest = store.claim_due_batch("b", LEASE, 4).await.unwrap();
    assert_eq!(ids(&rest), ids(&jobs[4..]), "only the two not leased");
    assert!(store.claim_due_batch("c", LEASE, 4).await.unwrap().is_empty(), "every job is leased");
    let leases = store.queue_report().await.unwrap().leases;
    let owners: HashSet<_> = leases.iter().map(|l| (l.job, l.owner.as_str())).collect();
    assert!(jobs[..4].iter().all(|j| owners.contains(&(j.id(), "a"))), "{leases:?}");
    assert!(jobs[4..].iter().all(|j| owners.contains(&(j.id(), "b"))), "{leases:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_batch_claimers_over_2000_jobs_claim_each_exactly_once() {
    let (_db, store) = store().await;
    let mut all = HashSet::new();
    for _ in 0..2000 {
        let job = job();
        all.insert(job.id());
        ProofJobStore::insert(&store, &job).await.unwrap();
    }
    let claimers: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = store.claim_due_batch(&format!("w{n}"), LEASE, 7).await.unwrap();
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.iter().map(ProofJob::id));
                }
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for claimer in claimers {
        claimed.extend(claimer.await.unwrap());
    }
    assert_eq!(claimed.len(), 2000, "no job claimed twice");
    assert_eq!(claimed.into_iter().collect::<HashSet<_>>(), all, "every job claimed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_or_postponed_job_gives_its_lease_back_with_its_save_and_a_due_one_keeps_it() {
    let (_db, store) = store().await;
    let (unfinished, postponed, finished) = (job_created(3), job_created(2), job_created(1));
    for job in [&unfinished, &postponed, &finished] {
        ProofJobStore::insert(&store, job).await.unwrap();
    }
    let mut claimed = store.claim_due_batch("holder", LEASE, 3).await.unwrap().into_iter();
    let (mut first, mut second, mut last) = (claimed.next().unwrap(), claimed.next().unwrap(), claimed.next().unwrap());
    first.start_proving(Utc::now()).unwrap();
    ProofJobStore::save(&store, &first, ProofJobStatus::Queued).await.unwrap();
    let now = Utc::now();
    second.postpone(now + chrono::Duration::hours(1), now);
    assert!(second.rests());
    ProofJobStore::save(&store, &second, ProofJobStatus::Queued).await.unwrap();
    last.fail(Stage::Proving, "no prover answered", false, Utc::now()).unwrap();
    ProofJobStore::save(&store, &last, ProofJobStatus::Queued).await.unwrap();
    let held: Vec<_> = store.queue_report().await.unwrap().leases.into_iter().map(|l| l.job).collect();
    assert_eq!(held, [first.id()], "only the job still due is still held");
    assert!(store.claim_due("other", LEASE).await.unwrap().is_none(), "the due job stays its holder's");
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = "QUERY PLAN")]
    line: String,
}

/// How Postgres would run `statement` (prepared as `name(parameters)`, executed with `arguments`) from
/// the generic plan it caches for a prepared statement after a few runs, beside 20,000 finished jobs.
async fn cached_plan_beside_finished_jobs(name: &str, parameters: &str, statement: &str, arguments: &str) -> String {
    let test = TestDatabase::new().await;
    let store = test.store();
    ModelStore::register(&store, &model()).await.unwrap();
    ProofJobStore::insert(&store, &job()).await.unwrap();
    TestDatabase::execute(
        &test,
        "INSERT INTO proof_jobs (id, status, provers, statement, failure, created_at) \
         SELECT gen_random_uuid(), 'failed', provers, statement, '{\"reason\": \"old\"}', now() \
         FROM proof_jobs, generate_series(1, 20000); ANALYZE proof_jobs",
    )
    .await;
    let mut conn = test.db.conn().await.unwrap();
    // Postgres reads `name()` with no parameters as a syntax error: parentheses only around some.
    let around = |list: &str| if list.is_empty() { String::new() } else { format!("({list})") };
    conn.batch_execute(&format!(
        "SET plan_cache_mode = force_generic_plan; PREPARE {name}{} AS {statement}",
        around(parameters)
    ))
    .await
    .unwrap();
    let plan: Vec<PlanLine> =
        diesel::sql_query(format!("EXPLAIN EXECUTE {name}{}", around(arguments))).load(&mut conn).await.unwrap();
    plan.into_iter().map(|l| l.line).collect::<Vec<_>>().join("\n")
}

/// The claim must stay on the partial index in its cached plan too, or every claim reads every finished job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claim_reads_only_unfinished_jobs_in_its_cached_plan() {
    let plan =
        cached_plan_beside_finished_jobs("claim", "text, interval, bigint", &claim_sql(), "'w', '1 minute', 8").await;
    assert!(plan.contains("proof_jobs_claimable"), "the claim does not use the partial index:\n{plan}");
    assert!(!plan.contains("Seq Scan"), "the claim scans the table:\n{plan}");
}

/// `/metrics` counts the unfinished jobs on every scrape; that count must not read the finished ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_depth_reads_only_unfinished_jobs_in_its_cached_plan() {
    let plan = cached_plan_beside_finished_jobs("depth", "", &queue_depth_sql(), "").await;
    // Either index over status does (the partial one holds only unfinished jobs).
    assert!(plan.contains("Index"), "the count uses no index:\n{plan}");
    assert!(!plan.contains("Seq Scan"), "the count scans the table:\n{plan}");
}

/// Counts wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl JobsDue for Count {
    fn job_due(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Count {
    fn now(&self) -> usize {
        AtomicUsize::load(&self.0, Ordering::SeqCst)
    }

    /// Waits until the count has stayed put for a while (at most 10 s), and returns it.
    async fn settled(&self) -> usize {
        let mut last = self.now();
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if self.now() == last {
                return last;
            }
            last = self.now();
        }
        last
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_are_woken_by_jobs_queued_or_released_and_not_by_jobs_that_wait() {
    let (test, store) = store().await;
    let count = Arc::new(Count::default());
    let listener = tokio::spawn(starkrisk_postgres::listen_for_due_jobs(test.db.clone(), count.clone()));
    let mut base = 0;
    for _ in 0..50 {
        base = count.settled().await;
        if base > 0 {
            break;
        }
    }
    assert_eq!(base, 1, "one wake-up when listening starts, for jobs queued before it");

    ProofJobStore::insert(&store, &job()).await.unwrap();
    assert_eq!(count.settled().await, base + 1, "a queued job wakes the listener");
    let claimed = store.claim_due("holder", LEASE).await.unwrap().unwrap();
    let mut proving = claimed.clone();
    proving.start_proving(Utc::now()).unwrap();
    ProofJobStore::save(&store, &proving, ProofJobStatus::Queued).await.unwrap();
    assert_eq!(count.settled().await, base + 1, "a claim and a save under a lease wake nobody");
    store.release(claimed.id(), "holder").await.unwrap();
    assert_eq!(count.settled().await, base + 2, "a released job is due again");

    let waiting = job();
    ProofJobStore::insert(&store, &waiting).await.unwrap();
    TestDatabase::execute(
        &test,
        &format!("UPDATE proof_jobs SET next_attempt_at = now() + interval '1 hour' WHERE id = '{}'", waiting.id()),
    )
    .await;
    assert_eq!(count.settled().await, base + 3, "inserting wakes, postponing wakes nobody");
    listener.abort();
}
