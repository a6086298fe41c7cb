//! Round trips of what the store contract does not cover (every column of a decision, proof bytes, statements
//! from older rows, approval nonces, prover queries) and the constraints Postgres enforces itself.

use crate::common;

use chrono::{Timelike, Utc};
use common::*;
use diesel_async::SimpleAsyncConnection;
use starkrisk_domain::ports::*;
use starkrisk_domain::testing::altered_job;
use starkrisk_domain::*;

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
    let same = altered_job(&job, |r| r.retries += 1);
    ProofJobStore::save(&store, &same, ProofJobStatus::Proved).await.unwrap();
    assert_eq!(stored_proof(&store, same.id()).await, Some(vec![7; 1024]));

    // Another proof (say from the next prover) replaces it, and none clears it.
    let replaced = altered_job(&same, |r| r.artifact = Some(ProofArtifact { bytes: vec![8; 2048], ..artifact() }));
    ProofJobStore::save(&store, &replaced, ProofJobStatus::Proved).await.unwrap();
    assert_eq!(stored_proof(&store, replaced.id()).await, Some(vec![8; 2048]));
    // A job whose proof failed to be made holds none.
    let cleared = altered_job(&replaced, |r| {
        r.status = ProofJobStatus::Failed;
        r.failure = Some(JobFailure {
            stage: Stage::Proving,
            reason: "the prover crashed".into(),
            retryable: true,
            resume_from: ProofJobStatus::Queued,
        });
        r.artifact = None;
    });
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
    let backfill = include_str!("../../../../migrations/2026-12-01-000003_statement_model_version/up.sql");
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
    let (decision, job) = AllocationDecision::plan(statement(), ModelVersion::V1, vec![ProverKind::Luminair], at);
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
    let plan = || AllocationDecision::plan(statement(), ModelVersion::V1, vec![ProverKind::Luminair], Utc::now());
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
