//! The rules every store behind the store ports keeps, written once and run against each store
//! (`store_contract_tests!`): the memory store in this crate's tests, Postgres in its own. A rule the
//! memory store only imitates is a rule these tests can catch it breaking.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a rule of the contract reports failure

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ports::{
    DecisionStore, IdempotencyKey, IdempotencyStore, JobCursor, JobFilter, JobPageRequest, KeyClaim, KeyLifetimes,
    Loaded, ModelStore, PageRequest, ProofJobStore, RequestFingerprint, StoreError,
};
use crate::testing::ManualClock;

mod registering;
use crate::{
    AllocationDecision, AttemptOutcome, DecisionId, DecisionStatement, DecisionStatus, Felt, ModelParams, ModelStatus,
    ModelVersion, ProgramHash, ProofArtifact, ProofJob, ProofJobId, ProofJobStatus, ProofRequest, ProofSystem,
    ProverAttempt, ProverKind, RiskModel, Stage, VerifiedClaim, examples,
};
pub use registering::registration_transactions_are_noted_once_and_only_while_registering;

/// Every store port at once.
pub trait Stores: ProofJobStore + DecisionStore + ModelStore + IdempotencyStore + 'static {}

impl<S: ProofJobStore + DecisionStore + ModelStore + IdempotencyStore + 'static> Stores for S {}

/// The store's own idea of now, and a way to let time pass for it (a store reading a database's clock
/// moves its rows' times back instead).
#[async_trait]
pub trait StoreTime: Send + Sync {
    /// Now, as the store's due times and leases are compared against.
    fn now(&self) -> DateTime<Utc>;

    /// Lets `by` pass for leases, due times and the age of idempotency keys.
    async fn pass(&self, by: Duration);
}

#[async_trait]
impl StoreTime for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        crate::ports::Clock::now(self)
    }

    async fn pass(&self, by: Duration) {
        self.advance(by);
    }
}

/// An empty store under test and its time.
pub struct Rig<S> {
    /// The store, shared so concurrent claimers can hold it.
    pub store: Arc<S>,
    /// Its time.
    pub time: Arc<dyn StoreTime>,
}

/// Keys held a day, requests allowed a minute.
const DAY: KeyLifetimes = KeyLifetimes { in_flight: Duration::from_secs(60), retained: Duration::from_secs(86_400) };
const LEASE: Duration = Duration::from_secs(30);

/// Model v1 under the contract's program (0x2a): what every store here starts with.
pub fn model() -> RiskModel {
    examples::model(ProgramHash::new(Felt::from(42u8)))
}

/// The example decision under [`model`].
pub fn statement() -> DecisionStatement {
    DecisionStatement::under(&model(), examples::SNAPSHOT).0
}

impl<S: Stores> Rig<S> {
    async fn with_model(&self) -> &S {
        ModelStore::register(self.store.as_ref(), &model()).await.unwrap_or_else(|e| panic!("model v1: {e}"));
        &self.store
    }

    fn job(&self) -> ProofJob {
        ProofJob::new(
            ProofRequest { statement: statement() },
            vec![ProverKind::Stone, ProverKind::Luminair],
            None,
            self.time.now(),
        )
    }

    async fn decision(&self) -> (AllocationDecision, ProofJob) {
        let (decision, job) = AllocationDecision::plan(
            statement(),
            ModelVersion::V1,
            vec![ProverKind::Stone, ProverKind::Luminair],
            self.time.now(),
        );
        DecisionStore::create(self.store.as_ref(), &decision, &job).await.unwrap_or_else(|e| panic!("create: {e}"))
    }

    async fn claim(&self, worker: &str, lease: Duration) -> Option<ProofJob> {
        self.store.claim_due(worker, lease).await.unwrap_or_else(|e| panic!("claim: {e}"))
    }
}

/// An S-two proof of [`statement`]: 1 KiB of sevens.
pub fn artifact() -> ProofArtifact {
    ProofArtifact {
        prover: ProverKind::Luminair,
        system: ProofSystem::Stwo,
        bytes: vec![7; 1024],
        statement: statement(),
        prove_time: Duration::from_millis(42),
        remote_query: None,
    }
}

fn claim(fact: Option<u8>) -> VerifiedClaim {
    VerifiedClaim {
        system: ProofSystem::Stwo,
        program_hash: ProgramHash::new(Felt::from(3u8)),
        statement: statement(),
        security_bits: 100,
        provable_security_bits: Some(55),
        fact_hash: fact.map(|f| crate::FactHash::new(Felt::from(f))),
    }
}

/// Models register in order, the newest is current, the others superseded, and a version registers once.
pub async fn models_register_supersede_and_read_back<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    assert_eq!(ModelStore::current(store).await.unwrap().unwrap().model_hash(), model().model_hash());
    let mut raw = *ModelParams::v1().values();
    raw.w_age = 20;
    let version = ModelVersion::new(2).unwrap();
    let v2 =
        RiskModel::new(version, ModelParams::new(raw).unwrap(), ProgramHash::new(Felt::ONE), "admin", rig.time.now());
    ModelStore::register(store, &v2).await.unwrap();
    let current = ModelStore::current(store).await.unwrap().unwrap();
    assert_eq!(
        (current.version(), current.params(), current.model_hash()),
        (v2.version(), v2.params(), v2.model_hash())
    );
    assert_eq!(current.registered_by(), "admin");
    let v1 = ModelStore::get(store, ModelVersion::V1).await.unwrap().unwrap();
    assert_eq!((v1.status(), v1.params()), (ModelStatus::Superseded, ModelParams::v1()));
    let history = ModelStore::history(store, PageRequest { limit: 10, before: None }).await.unwrap();
    assert_eq!(history.items.iter().map(|m| m.version().get()).collect::<Vec<_>>(), vec![2, 1]);
    assert_eq!(history.next_cursor, None);
    let first = ModelStore::history(store, PageRequest { limit: 1, before: None }).await.unwrap();
    assert_eq!((first.items[0].version().get(), first.next_cursor), (2, Some(2)));
    let second = ModelStore::history(store, PageRequest { limit: 1, before: first.next_cursor }).await.unwrap();
    assert_eq!((second.items[0].version().get(), second.next_cursor), (1, None));
    assert!(ModelStore::get(store, ModelVersion::new(9).unwrap()).await.unwrap().is_none());
    let again = ModelStore::register(store, &v2).await.unwrap_err();
    assert!(matches!(&again, StoreError::Conflict(m) if m.contains("already registered")), "{again}");
    assert_eq!(
        ModelStore::current(store).await.unwrap().unwrap().version(),
        version,
        "a refused register changes nothing"
    );
}

/// A job reads back as it was saved, through every step with a proof, a claim and attempts.
pub async fn jobs_round_trip_with_every_field<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    let mut job = rig.job();
    ProofJobStore::insert(store, &job).await.unwrap();
    let read = ProofJobStore::get(store, job.id()).await.unwrap().unwrap();
    assert_eq!((read.request(), read.provers(), read.status()), (job.request(), job.provers(), ProofJobStatus::Queued));
    let now = rig.time.now();
    job.start_proving(now).unwrap();
    let outcome = AttemptOutcome::Unavailable("cpu_air_prover not installed".into());
    let remote_query = Some("atlantic-query-7".into());
    job.record_attempt(
        ProverAttempt { prover: ProverKind::Stone, started_at: now, duration_ms: 3, outcome, remote_query },
        now,
    );
    ProofJobStore::save(store, &job, ProofJobStatus::Queued).await.unwrap();
    job.proved(artifact(), now).unwrap();
    ProofJobStore::save(store, &job, ProofJobStatus::Proving).await.unwrap();
    job.verified(claim(Some(9)), now).unwrap();
    ProofJobStore::save(store, &job, ProofJobStatus::Proved).await.unwrap();
    let read = ProofJobStore::get(store, job.id()).await.unwrap().unwrap();
    assert_eq!(read.status(), ProofJobStatus::Verified);
    assert_eq!((read.attempts(), read.artifact(), read.claim()), (job.attempts(), job.artifact(), job.claim()));
    assert_eq!(read.fact_hash(), Some(crate::FactHash::new(Felt::from(9u8))));
    assert!(ProofJobStore::get(store, ProofJobId::random()).await.unwrap().is_none());
}

/// A writer holding an old status is refused and changes nothing; a job never inserted is not found.
pub async fn a_stale_writer_is_refused_and_nothing_changes<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    let mut job = rig.job();
    ProofJobStore::insert(store, &job).await.unwrap();
    let mut winner = job.clone();
    winner.start_proving(rig.time.now()).unwrap();
    ProofJobStore::save(store, &winner, ProofJobStatus::Queued).await.unwrap();
    job.fail(Stage::Proving, "late", true, rig.time.now()).unwrap();
    let error = ProofJobStore::save(store, &job, ProofJobStatus::Queued).await.unwrap_err();
    assert!(matches!(&error, StoreError::Conflict(m) if m.contains("proving")), "{error}");
    let stored = ProofJobStore::get(store, job.id()).await.unwrap().unwrap();
    assert_eq!((stored.status(), stored.failure()), (ProofJobStatus::Proving, None));
    let error = ProofJobStore::save(store, &rig.job(), ProofJobStatus::Queued).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "{error}");
}

/// A decision and its job are created together, read back as created, and saved together or not at all.
pub async fn decisions_round_trip_and_save_both_or_neither<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    let (mut decision, mut job) = rig.decision().await;
    assert!(decision.sequence().is_some(), "the store numbers decisions");
    assert_eq!(DecisionStore::get(store, decision.id()).await.unwrap().as_ref(), Some(&decision));
    assert_eq!(DecisionStore::by_proof_job(store, job.id()).await.unwrap().map(|d| d.id()), Some(decision.id()));
    assert_eq!(ProofJobStore::get(store, job.id()).await.unwrap().unwrap().decision_id(), Some(decision.id()));

    decision.verified(None, rig.time.now()).unwrap();
    job.fail(Stage::Proving, "x", false, rig.time.now()).unwrap();
    // The job's expected status is wrong, so the decision's change must roll back too.
    let wrong = Loaded { decision: DecisionStatus::Pending, job: ProofJobStatus::Proved };
    let error = DecisionStore::save_both(store, &decision, &job, wrong).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    assert_eq!(DecisionStore::get(store, decision.id()).await.unwrap().unwrap().status(), DecisionStatus::Pending);
    assert_eq!(ProofJobStore::get(store, job.id()).await.unwrap().unwrap().status(), ProofJobStatus::Queued);
    let right = Loaded { decision: DecisionStatus::Pending, job: ProofJobStatus::Queued };
    DecisionStore::save_both(store, &decision, &job, right).await.unwrap();
    assert_eq!(DecisionStore::get(store, decision.id()).await.unwrap().unwrap().status(), DecisionStatus::Verified);
    assert_eq!(ProofJobStore::get(store, job.id()).await.unwrap().unwrap().status(), ProofJobStatus::Failed);
    let stale = DecisionStore::save(store, &decision, DecisionStatus::Pending).await.unwrap_err();
    assert!(matches!(stale, StoreError::Conflict(_)), "{stale}");
}

/// Decisions page newest first, each once, and a page never exceeds the cap.
pub async fn decisions_page_newest_first_by_keyset<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    let mut ids = Vec::new();
    for _ in 0..7 {
        ids.push(rig.decision().await.0.id());
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = DecisionStore::list(store, PageRequest { limit: 3, before }).await.unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(AllocationDecision::id));
        match page.next_cursor {
            Some(cursor) => before = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every decision once, newest first");
    let all = DecisionStore::list(store, PageRequest { limit: 1000, before: None }).await.unwrap();
    assert_eq!((all.items.len(), all.next_cursor), (7, None));
}

/// A key is claimed once, replays its decision, refuses another request, and frees up when released.
pub async fn idempotency_keys_claim_replay_and_refuse_reuse<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    let (k1, k2) = (IdempotencyKey::parse("k1").unwrap(), IdempotencyKey::parse("k2").unwrap());
    let (h1, h2) = (RequestFingerprint::of(b"one"), RequestFingerprint::of(b"two"));
    assert_eq!(store.claim_key(&k1, h1, DAY).await.unwrap(), KeyClaim::Claimed);
    assert_eq!(store.claim_key(&k1, h1, DAY).await.unwrap(), KeyClaim::InProgress);
    let decision = DecisionId::random();
    store.complete_key(&k1, decision).await.unwrap();
    assert_eq!(store.claim_key(&k1, h1, DAY).await.unwrap(), KeyClaim::Completed(decision));
    assert_eq!(store.claim_key(&k1, h2, DAY).await.unwrap(), KeyClaim::Mismatch);
    store.release_key(&k1).await.unwrap();
    assert_eq!(store.claim_key(&k1, h1, DAY).await.unwrap(), KeyClaim::Completed(decision), "a completed key stays");
    assert_eq!(store.claim_key(&k2, h1, DAY).await.unwrap(), KeyClaim::Claimed);
    store.release_key(&k2).await.unwrap();
    assert_eq!(store.claim_key(&k2, h1, DAY).await.unwrap(), KeyClaim::Claimed, "a released key is free again");
}

/// A claim left past its in-flight time is taken over by one racer; a completed key never is; a key past
/// its retention is a new request.
pub async fn keys_are_taken_over_after_their_in_flight_time_and_forgotten_after_retention<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    let (stuck, old) = (IdempotencyKey::parse("stuck").unwrap(), IdempotencyKey::parse("old").unwrap());
    let h = RequestFingerprint::of(b"one");
    assert_eq!(store.claim_key(&stuck, h, DAY).await.unwrap(), KeyClaim::Claimed);
    store.claim_key(&old, h, DAY).await.unwrap();
    store.complete_key(&old, DecisionId::random()).await.unwrap();
    rig.time.pass(Duration::from_secs(59)).await;
    assert_eq!(store.claim_key(&stuck, h, DAY).await.unwrap(), KeyClaim::InProgress, "within its in-flight time");
    rig.time.pass(Duration::from_secs(2)).await;
    let (a, b) = futures_util::future::join(store.claim_key(&stuck, h, DAY), store.claim_key(&stuck, h, DAY)).await;
    let mut claims = [a.unwrap(), b.unwrap()];
    claims.sort_by_key(|c| matches!(c, KeyClaim::Claimed));
    assert_eq!(claims, [KeyClaim::InProgress, KeyClaim::Claimed], "one racer takes it over, the other waits");
    let decision = DecisionId::random();
    store.complete_key(&stuck, decision).await.unwrap();
    rig.time.pass(Duration::from_secs(61)).await;
    assert_eq!(store.claim_key(&stuck, h, DAY).await.unwrap(), KeyClaim::Completed(decision), "never taken over");

    let fresh = IdempotencyKey::parse("fresh").unwrap();
    store.claim_key(&fresh, h, DAY).await.unwrap();
    store.complete_key(&fresh, DecisionId::random()).await.unwrap();
    rig.time.pass(Duration::from_secs(86_400 - 100)).await;
    let other = RequestFingerprint::of(b"another request");
    assert_eq!(store.claim_key(&old, other, DAY).await.unwrap(), KeyClaim::Claimed, "a day on, the key is new");
    assert_eq!(store.claim_key(&fresh, other, DAY).await.unwrap(), KeyClaim::Mismatch, "a live key still guards");
}

/// Two claimers over many jobs claim each exactly once, and claimed jobs still count as unfinished.
pub async fn two_claimers_claim_each_job_exactly_once<S: Stores>(rig: &Rig<S>) {
    rig.with_model().await;
    let mut all = HashSet::new();
    for _ in 0..500 {
        let job = rig.job();
        all.insert(job.id());
        ProofJobStore::insert(rig.store.as_ref(), &job).await.unwrap();
    }
    // Two claim loops interleaved at every await: on a database, two connections racing.
    let claimer = |name: &'static str| async move {
        let mut mine = Vec::new();
        while let Some(job) = rig.store.claim_due(name, LEASE).await.unwrap() {
            mine.push(job.id());
        }
        mine
    };
    let (a, b) = futures_util::future::join(claimer("worker-a"), claimer("worker-b")).await;
    let claimed: Vec<_> = a.iter().chain(&b).copied().collect();
    assert_eq!(claimed.len(), 500, "no job claimed twice");
    assert_eq!(claimed.into_iter().collect::<HashSet<_>>(), all, "every job claimed");
    assert_eq!(rig.store.queue_depth().await.unwrap(), 500, "claimed jobs are still unfinished");
}

/// A lease holds its job until it expires or its holder releases it; only the holder renews a live one.
pub async fn leases_hold_until_they_expire_are_released_or_renewed_by_their_holder<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    let mut job = rig.job();
    ProofJobStore::insert(store, &job).await.unwrap();
    let first = rig.claim("crashed-worker", Duration::from_secs(10)).await.unwrap();
    job.start_proving(rig.time.now()).unwrap();
    ProofJobStore::save(store, &job, ProofJobStatus::Queued).await.unwrap();
    assert!(rig.claim("other", LEASE).await.is_none(), "a live lease holds the job");
    assert!(!store.renew_lease(job.id(), "someone-else", LEASE).await.unwrap(), "only the holder renews");
    rig.time.pass(Duration::from_secs(11)).await;
    assert!(!store.renew_lease(job.id(), "crashed-worker", LEASE).await.unwrap(), "an expired lease is not revived");
    let again = rig.claim("other", Duration::from_secs(10)).await.expect("claimable after the lease expired");
    assert_eq!((again.id(), again.status()), (first.id(), ProofJobStatus::Proving), "the new worker resumes it");
    assert!(store.renew_lease(job.id(), "other", LEASE).await.unwrap());
    rig.time.pass(Duration::from_secs(11)).await;
    assert!(rig.claim("third", LEASE).await.is_none(), "renewed past the first lease");
    ProofJobStore::release(store, job.id(), "somebody-else").await.unwrap();
    assert!(rig.claim("third", LEASE).await.is_none(), "only the holder releases");
    ProofJobStore::release(store, job.id(), "other").await.unwrap();
    assert_eq!(rig.claim("third", LEASE).await.map(|j| j.id()), Some(job.id()), "released: claimable at once");
}

/// A postponed job waits for its time; jobs at rest are never claimed and a verified one still counts.
pub async fn a_job_waits_for_its_time_and_jobs_at_rest_are_never_claimed<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    let mut later = rig.job();
    later.postpone(rig.time.now() + chrono::Duration::seconds(30), rig.time.now());
    ProofJobStore::insert(store, &later).await.unwrap();
    let mut failed = rig.job();
    failed.fail(Stage::Proving, "gone", false, rig.time.now()).unwrap();
    ProofJobStore::insert(store, &failed).await.unwrap();
    // A proof asked for on its own rests once verified; only decision jobs go on to register and execute.
    let mut standalone = rig.job();
    standalone.start_proving(rig.time.now()).unwrap();
    standalone.proved(artifact(), rig.time.now()).unwrap();
    standalone.verified(claim(None), rig.time.now()).unwrap();
    ProofJobStore::insert(store, &standalone).await.unwrap();
    assert!(rig.claim("w", LEASE).await.is_none(), "nothing is due yet");
    rig.time.pass(Duration::from_secs(29)).await;
    assert!(rig.claim("w", LEASE).await.is_none(), "a second early");
    rig.time.pass(Duration::from_secs(2)).await;
    assert_eq!(rig.claim("w", LEASE).await.map(|j| j.id()), Some(later.id()));
    assert!(rig.claim("w", LEASE).await.is_none());
    assert_eq!(store.queue_depth().await.unwrap(), 2, "the queued and the verified job are unfinished");
}

/// Jobs page newest first (ties broken by id) without gaps or repeats while new ones arrive, and filter.
pub async fn jobs_page_newest_first_without_gaps_or_repeats_while_new_ones_arrive<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    let start = rig.time.now() - chrono::Duration::hours(1);
    let new_job = |at| ProofJob::new(ProofRequest { statement: statement() }, vec![ProverKind::Luminair], None, at);
    let mut inserted = Vec::new();
    for i in 0..120i64 {
        // Pairs share a creation time, so the id has to break ties.
        let job = new_job(start + chrono::Duration::seconds(i / 2));
        ProofJobStore::insert(store, &job).await.unwrap();
        inserted.push(job.id());
    }
    let (decided, decided_job) = rig.decision().await;
    let mut seen = Vec::new();
    let mut request = JobPageRequest { limit: 17, after: None, filter: JobFilter::default() };
    loop {
        let page = ProofJobStore::list(store, &request).await.unwrap();
        assert!(page.items.len() <= 17);
        seen.extend(page.items.iter().map(|j| (j.created_at(), j.id())));
        // A job created while paging is newer than every cursor: it never shows up in later pages.
        ProofJobStore::insert(store, &new_job(rig.time.now())).await.unwrap();
        match page.next {
            Some(next) => request.after = Some(JobCursor::decode(&next.encode()).unwrap()),
            None => break,
        }
    }
    let ids: HashSet<_> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!((ids.len(), seen.len()), (121, 121), "every job from before the first page, once");
    assert!(inserted.iter().all(|id| ids.contains(id)) && ids.contains(&decided_job.id()));
    assert!(seen.windows(2).all(|w| (w[0].0, w[0].1.0) > (w[1].0, w[1].1.0)), "newest first, ties broken by id");
    let only = |filter| JobPageRequest { limit: 100, after: None, filter };
    let mine = only(JobFilter { decision: Some(decided.id()), ..JobFilter::default() });
    assert_eq!(
        ProofJobStore::list(store, &mine).await.unwrap().items.iter().map(ProofJob::id).collect::<Vec<_>>(),
        [decided_job.id()]
    );
    let failed = only(JobFilter { status: Some(ProofJobStatus::Failed), ..JobFilter::default() });
    assert!(ProofJobStore::list(store, &failed).await.unwrap().items.is_empty());
    let window = only(JobFilter {
        since: Some(start + chrono::Duration::seconds(10)),
        until: Some(start + chrono::Duration::seconds(20)),
        ..JobFilter::default()
    });
    assert_eq!(ProofJobStore::list(store, &window).await.unwrap().items.len(), 20, "two jobs a second for ten seconds");
    let proven_by = only(JobFilter { prover: Some(ProverKind::Stone), ..JobFilter::default() });
    assert!(ProofJobStore::list(store, &proven_by).await.unwrap().items.is_empty(), "no proof was made yet");
}

/// One `#[tokio::test]` per rule of the contract, each on a fresh rig from `$rig` (an expression giving
/// a future of a [`Rig`]).
#[macro_export]
macro_rules! store_contract_tests {
    ($rig:expr) => {
        $crate::store_contract_tests!(@each $rig;
            models_register_supersede_and_read_back,
            jobs_round_trip_with_every_field,
            registration_transactions_are_noted_once_and_only_while_registering,
            a_stale_writer_is_refused_and_nothing_changes,
            decisions_round_trip_and_save_both_or_neither,
            decisions_page_newest_first_by_keyset,
            idempotency_keys_claim_replay_and_refuse_reuse,
            keys_are_taken_over_after_their_in_flight_time_and_forgotten_after_retention,
            two_claimers_claim_each_job_exactly_once,
            leases_hold_until_they_expire_are_released_or_renewed_by_their_holder,
            a_job_waits_for_its_time_and_jobs_at_rest_are_never_claimed,
            jobs_page_newest_first_without_gaps_or_repeats_while_new_ones_arrive
        );
    };
    (@each $rig:expr; $($rule:ident),*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $rule() {
            let rig = $rig.await;
            $crate::testing::store_contract::$rule(&rig).await;
        }
    )*};
}
