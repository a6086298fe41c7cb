//! Round trips of every repository method against the real Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod common;

use chrono::{Timelike, Utc};
use common::*;
use starkrisk_domain::ports::*;
use starkrisk_domain::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_register_supersede_and_read_back() {
    let (_db, store) = store().await;
    assert_eq!(ModelStore::current(&store).await.unwrap().unwrap().model_hash(), model().model_hash());

    let mut raw = *ModelParams::v1().values();
    raw.w_age = 20;
    let v2 = RiskModel::new(
        ModelVersion::new(2).unwrap(),
        ModelParams::new(raw).unwrap(),
        ProgramHash::new(Felt::ONE),
        "admin",
        chrono::Utc::now(),
    );
    ModelStore::register(&store, &v2).await.unwrap();

    let current = ModelStore::current(&store).await.unwrap().unwrap();
    assert_eq!(
        (current.version(), current.params(), current.model_hash()),
        (v2.version(), v2.params(), v2.model_hash())
    );
    assert_eq!(current.registered_by(), "admin");
    let v1 = ModelStore::get(&store, ModelVersion::V1).await.unwrap().unwrap();
    assert_eq!(v1.status(), ModelStatus::Superseded);
    assert_eq!(v1.params(), ModelParams::v1());
    let history = ModelStore::history(&store, PageRequest { limit: 10, before: None }).await.unwrap();
    assert_eq!(history.items.iter().map(|m| m.version().get()).collect::<Vec<_>>(), vec![2, 1]);
    assert_eq!(history.next_cursor, None);
    // One at a time: the newest, then the one before it by the cursor.
    let first = ModelStore::history(&store, PageRequest { limit: 1, before: None }).await.unwrap();
    assert_eq!((first.items[0].version().get(), first.next_cursor), (2, Some(2)));
    let second = ModelStore::history(&store, PageRequest { limit: 1, before: first.next_cursor }).await.unwrap();
    assert_eq!((second.items[0].version().get(), second.next_cursor), (1, None));
    assert!(ModelStore::get(&store, ModelVersion::new(9).unwrap()).await.unwrap().is_none());

    let again = ModelStore::register(&store, &v2).await.unwrap_err();
    assert!(matches!(&again, StoreError::Conflict(m) if m.contains("already registered")), "{again}");
    assert_eq!(
        ModelStore::current(&store).await.unwrap().unwrap().version(),
        v2.version(),
        "a refused register changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_round_trip_with_every_field() {
    let (_db, store) = store().await;
    let mut job = job();
    ProofJobStore::insert(&store, &job).await.unwrap();
    let read = ProofJobStore::get(&store, job.id()).await.unwrap().unwrap();
    assert_eq!(read.request(), job.request());
    assert_eq!(read.provers(), job.provers());
    assert_eq!(read.status(), ProofJobStatus::Queued);

    job.start_proving(chrono::Utc::now()).unwrap();
    job.record_attempt(
        ProverAttempt {
            prover: ProverKind::Stone,
            started_at: Utc::now(),
            duration_ms: 3,
            outcome: AttemptOutcome::Unavailable("cpu_air_prover not installed".into()),
            // Stored with the attempt, so a reload shows operators the remote query it polled.
            remote_query: Some("atlantic-query-7".into()),
        },
        chrono::Utc::now(),
    );
    ProofJobStore::save(&store, &job, ProofJobStatus::Queued).await.unwrap();
    job.proved(artifact(), chrono::Utc::now()).unwrap();
    ProofJobStore::save(&store, &job, ProofJobStatus::Proving).await.unwrap();
    let claim = VerifiedClaim {
        system: ProofSystem::Stwo,
        program_hash: ProgramHash::new(Felt::from(3u8)),
        statement: statement(),
        security_bits: 100,
        provable_security_bits: None,
        fact_hash: Some(FactHash::new(Felt::from(9u8))),
    };
    job.verified(claim, chrono::Utc::now()).unwrap();
    ProofJobStore::save(&store, &job, ProofJobStatus::Proved).await.unwrap();

    let read = ProofJobStore::get(&store, job.id()).await.unwrap().unwrap();
    assert_eq!(read.status(), ProofJobStatus::Verified);
    assert_eq!(read.attempts(), job.attempts());
    assert_eq!(read.artifact(), job.artifact());
    assert_eq!(read.claim(), job.claim());
    assert_eq!(read.fact_hash(), Some(FactHash::new(Felt::from(9u8))));
    assert!(ProofJobStore::get(&store, ProofJobId::random()).await.unwrap().is_none());
}

/// The proof bytes stored for job `id`.
async fn stored_proof(store: &impl ProofJobStore, id: ProofJobId) -> Option<Vec<u8>> {
    store.get(id).await.unwrap().unwrap().artifact().map(|a| a.bytes.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_keeps_writes_replaces_and_clears_the_proof_as_the_job_says() {
    let (_db, store) = store().await;
    let mut job = job();
    ProofJobStore::insert(&store, &job).await.unwrap();
    job.start_proving(Utc::now()).unwrap();
    ProofJobStore::save(&store, &job, ProofJobStatus::Queued).await.unwrap();
    job.proved(artifact(), Utc::now()).unwrap();
    ProofJobStore::save(&store, &job, ProofJobStatus::Proving).await.unwrap();
    assert_eq!(stored_proof(&store, job.id()).await, Some(vec![7; 1024]), "the first proof is written");

    // The same proof saved again under a new status stays as it was.
    let mut record = job.record().clone();
    record.retries += 1;
    let same = ProofJob::restore(record);
    ProofJobStore::save(&store, &same, ProofJobStatus::Proved).await.unwrap();
    assert_eq!(stored_proof(&store, same.id()).await, Some(vec![7; 1024]));

    // Another proof (say from the next prover) replaces it, and none clears it.
    let mut record = same.record().clone();
    let replacement = ProofArtifact { bytes: vec![8; 2048], ..artifact() };
    record.artifact = Some(replacement);
    let replaced = ProofJob::restore(record);
    ProofJobStore::save(&store, &replaced, ProofJobStatus::Proved).await.unwrap();
    assert_eq!(stored_proof(&store, replaced.id()).await, Some(vec![8; 2048]));
    let mut record = replaced.record().clone();
    record.artifact = None;
    let cleared = ProofJob::restore(record);
    ProofJobStore::save(&store, &cleared, ProofJobStatus::Proved).await.unwrap();
    assert_eq!(stored_proof(&store, cleared.id()).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_round_trip_and_save_with_their_job() {
    let (_db, store) = store().await;
    let (mut decision, mut job) = decision(&store).await;
    assert!(decision.sequence().is_some());
    let read = DecisionStore::get(&store, decision.id()).await.unwrap().unwrap();
    assert_eq!(read, decision);
    assert_eq!(DecisionStore::by_proof_job(&store, job.id()).await.unwrap().unwrap().id(), decision.id());
    assert_eq!(ProofJobStore::get(&store, job.id()).await.unwrap().unwrap().decision_id(), Some(decision.id()));

    decision.verified(Some(FactHash::new(Felt::from(5u8))), chrono::Utc::now()).unwrap();
    job.fail(Stage::Verification, "test", false, chrono::Utc::now()).unwrap();
    let loaded = Loaded { decision: DecisionStatus::Pending, job: ProofJobStatus::Queued };
    DecisionStore::save_both(&store, &decision, &job, loaded).await.unwrap();
    decision.submitted(TxHash::new(Felt::from(0xabu8)), vec![1, 2], chrono::Utc::now()).unwrap();
    DecisionStore::save(&store, &decision, DecisionStatus::Verified).await.unwrap();
    let record = ExecutionRecord {
        contract: ContractAddress::new(Felt::from(0x7au8)),
        event: Some(AllocationExecuted {
            decision_id: Felt::from(decision.id().0.as_u128()),
            model_hash: decision.statement().model_hash,
            fact_hash: FactHash::new(Felt::from(5u8)),
            jediswap_risk: 35,
            ekubo_risk: 75,
            jediswap_bps: 5972,
            ekubo_bps: 4028,
        }),
        // Amounts of an 18-decimal token pass 2^64: they must read back exact.
        treasury: Some(TreasuryRebalanced {
            jediswap_withdrawn: 0,
            jediswap_deposited: 59_720_000_000_000_000_000,
            ekubo_withdrawn: 0,
            ekubo_deposited: 40_280_000_000_000_000_000,
            before: TreasuryBalances { idle: 100_000_000_000_000_000_000, jediswap: 0, ekubo: 0 },
            after: TreasuryBalances {
                idle: 0,
                jediswap: 59_720_000_000_000_000_000,
                ekubo: 40_280_000_000_000_000_000,
            },
        }),
    };
    decision.executed(99, Some(record.clone()), chrono::Utc::now()).unwrap();
    DecisionStore::save(&store, &decision, DecisionStatus::Submitted).await.unwrap();

    let read = DecisionStore::get(&store, decision.id()).await.unwrap().unwrap();
    assert_eq!(read.status(), DecisionStatus::Executed);
    assert_eq!(read.tx_hash(), decision.tx_hash());
    assert_eq!(read.signed_tx(), Some(&[1u8, 2][..]));
    assert_eq!(read.block_number(), Some(99));
    assert_eq!(read.execution(), Some(&record), "where and how it was executed reads back");
    assert_eq!(read.fact_hash(), decision.fact_hash());
    assert_eq!(ProofJobStore::get(&store, job.id()).await.unwrap().unwrap().status(), ProofJobStatus::Failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_both_changes_both_or_neither() {
    let (_db, store) = store().await;
    let (mut decision, mut job) = decision(&store).await;
    decision.verified(None, chrono::Utc::now()).unwrap();
    job.fail(Stage::Proving, "x", false, chrono::Utc::now()).unwrap();
    // The job's expected status is wrong, so the decision's change must roll back too.
    let loaded = Loaded { decision: DecisionStatus::Pending, job: ProofJobStatus::Proved };
    let error = DecisionStore::save_both(&store, &decision, &job, loaded).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    assert_eq!(DecisionStore::get(&store, decision.id()).await.unwrap().unwrap().status(), DecisionStatus::Pending);
    assert_eq!(ProofJobStore::get(&store, job.id()).await.unwrap().unwrap().status(), ProofJobStatus::Queued);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_page_newest_first_by_keyset() {
    let (_db, store) = store().await;
    let mut ids = Vec::new();
    for _ in 0..7 {
        ids.push(decision(&store).await.0.id());
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = DecisionStore::list(&store, PageRequest { limit: 3, before }).await.unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|d| d.id()));
        match page.next_cursor {
            Some(cursor) => before = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every decision once, newest first");
    let capped = DecisionStore::list(&store, PageRequest { limit: 1000, before: None }).await.unwrap();
    assert_eq!(capped.items.len(), 7);
    assert_eq!(capped.next_cursor, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_claim_replay_and_refuse_reuse() {
    let (_db, store) = store().await;
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

/// Keys held a day, requests allowed a minute: nothing in these tests comes near either.
const DAY: KeyLifetimes =
    KeyLifetimes { in_flight: std::time::Duration::from_secs(60), retained: std::time::Duration::from_secs(86_400) };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_past_its_in_flight_time_is_taken_over_by_exactly_one_request() {
    let (db, store) = store().await;
    let key = IdempotencyKey::parse("stuck").unwrap();
    let h = RequestFingerprint::of(b"one");
    assert_eq!(store.claim_key(&key, h, DAY).await.unwrap(), KeyClaim::Claimed);
    db.execute("UPDATE idempotency_keys SET created_at = now() - interval '61 seconds'").await;
    let (a, b) = tokio::join!(store.claim_key(&key, h, DAY), store.claim_key(&key, h, DAY));
    let mut claims = [a.unwrap(), b.unwrap()];
    claims.sort_by_key(|c| matches!(c, KeyClaim::Claimed));
    assert_eq!(claims, [KeyClaim::InProgress, KeyClaim::Claimed], "one racer takes it over, the other waits");

    // A completed key is never taken over, however long its request took.
    let decision = DecisionId::random();
    store.complete_key(&key, decision).await.unwrap();
    db.execute("UPDATE idempotency_keys SET created_at = now() - interval '61 seconds'").await;
    assert_eq!(store.claim_key(&key, h, DAY).await.unwrap(), KeyClaim::Completed(decision));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_past_retention_are_forgotten() {
    let (db, store) = store().await;
    let (old, fresh) = (IdempotencyKey::parse("old").unwrap(), IdempotencyKey::parse("fresh").unwrap());
    let h = RequestFingerprint::of(b"one");
    for key in [&old, &fresh] {
        store.claim_key(key, h, DAY).await.unwrap();
        store.complete_key(key, DecisionId::random()).await.unwrap();
    }
    db.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old'").await;
    let other = RequestFingerprint::of(b"another request");
    assert_eq!(store.claim_key(&old, other, DAY).await.unwrap(), KeyClaim::Claimed, "an expired key is new");
    assert_eq!(store.claim_key(&fresh, other, DAY).await.unwrap(), KeyClaim::Mismatch, "a live key still guards");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_probe_answers() {
    let (db, _store) = store().await;
    db.db.ready(std::time::Duration::from_secs(2)).await.unwrap();
    let nowhere = starkrisk_postgres::Database::connect(&starkrisk_postgres::PoolSettings {
        acquire_timeout_ms: 300,
        connect_timeout_ms: 300,
        ..starkrisk_postgres::testing::pool("postgres://nobody@127.0.0.1:1/none")
    })
    .unwrap();
    let error = nowhere.ready(std::time::Duration::from_secs(2)).await.unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_row_altered_outside_the_service_is_refused() {
    let (db, store) = store().await;
    let mut conn = db.db.conn().await.unwrap();
    // Another weight under the same hash: a proof would bind a hash that no longer names these parameters.
    let sql = "UPDATE model_versions SET params = jsonb_set(params, '{w_age}', '11') WHERE version = 1";
    diesel_async::SimpleAsyncConnection::batch_execute(&mut *conn, sql).await.unwrap();
    let error = ModelStore::current(&store).await.unwrap_err();
    assert!(error.to_string().contains("is not the hash of its parameters"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_stored_before_the_model_version_was_bound_read_back_with_it() {
    let (db, store) = store().await;
    let (decision, job) = decision(&store).await;
    let mut conn = db.db.conn().await.unwrap();
    // A row as a build before the 29-felt statement wrote it, then the backfill migration.
    let old = "UPDATE allocation_decisions SET statement = statement - 'model_version';
               UPDATE proof_jobs SET statement = statement - 'model_version';";
    diesel_async::SimpleAsyncConnection::batch_execute(&mut *conn, old).await.unwrap();
    assert!(DecisionStore::get(&store, decision.id()).await.is_err(), "without the version the row cannot decode");
    let backfill = include_str!("../../../migrations/2026-12-01-000003_statement_model_version/up.sql");
    diesel_async::SimpleAsyncConnection::batch_execute(&mut *conn, backfill).await.unwrap();
    let read = DecisionStore::get(&store, decision.id()).await.unwrap().unwrap();
    assert_eq!(read.statement(), decision.statement());
    let read_job = ProofJobStore::get(&store, job.id()).await.unwrap().unwrap();
    assert_eq!(read_job.request().statement.model_version, ModelVersion::V1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_decision_and_its_job_are_returned_exactly_as_a_later_read_gives_them() {
    let (_db, store) = store().await;
    // Nanoseconds the database cannot keep: what create returns must still be what was stored.
    let at = Utc::now().with_nanosecond(123_456_789).unwrap();
    let (decision, job) = AllocationDecision::plan(statement(), ModelVersion::V1, vec![ProverKind::Stwo], at);
    let (created, created_job) = DecisionStore::create(&store, &decision, &job).await.unwrap();
    let read = DecisionStore::get(&store, decision.id()).await.unwrap().unwrap();
    let read_job = ProofJobStore::get(&store, job.id()).await.unwrap().unwrap();
    assert_eq!((&created, &created_job), (&read, &read_job));
    assert!(created.sequence().is_some(), "the ledger sequence comes back with it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_nonce_is_spent_once_by_the_decision_it_authorises() {
    let (_db, store) = store().await;
    let spent = ApprovalNonce { signer: ContractAddress::new(Felt::from(0xabcu16)), nonce: Felt::from(7u8) };
    let plan = || AllocationDecision::plan(statement(), ModelVersion::V1, vec![ProverKind::Stwo], Utc::now());
    let (first, first_job) = plan();
    let (created, _) = DecisionStore::create(&store, &first.approved_by(spent), &first_job).await.unwrap();
    assert_eq!(DecisionStore::get(&store, created.id()).await.unwrap().unwrap().approval(), Some(spent));
    let (second, second_job) = plan();
    let error = DecisionStore::create(&store, &second.approved_by(spent), &second_job).await.unwrap_err();
    assert!(matches!(error, StoreError::AlreadyUsed(_)), "{error}");
    assert!(ProofJobStore::get(&store, second_job.id()).await.unwrap().is_none(), "nothing half-written");
    let (third, third_job) = plan();
    let other = ApprovalNonce { nonce: Felt::from(8u8), ..spent };
    assert!(DecisionStore::create(&store, &third.approved_by(other), &third_job).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prover_queries_are_filed_once_and_forgotten_on_request() {
    let (_db, store) = store().await;
    let statement = examples::statement();
    assert_eq!(store.find(ProverKind::Atlantic, &statement).await.unwrap(), None);
    store.record(ProverKind::Atlantic, &statement, "q-1").await.unwrap();
    store.record(ProverKind::Atlantic, &statement, "q-2").await.unwrap();
    assert_eq!(store.find(ProverKind::Atlantic, &statement).await.unwrap().as_deref(), Some("q-1"), "the first stays");
    assert_eq!(store.find(ProverKind::Stone, &statement).await.unwrap(), None, "filed per prover");
    store.forget(ProverKind::Atlantic, &statement).await.unwrap();
    assert_eq!(store.find(ProverKind::Atlantic, &statement).await.unwrap(), None);
}
