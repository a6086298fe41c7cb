//! Workers finish the step in hand on shutdown and hand the job back, so another worker picks it up at once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::*;
use starkrisk_app::{Adapters, Service, Stores};
use starkrisk_app::{WorkerConfig, Workers};
use starkrisk_domain::ports::{ModelStore, ProofJobStore, Prover, ProverError, TimeoutGrowth};
use starkrisk_domain::usecases::AllocationRequest;
use starkrisk_domain::*;
use starkrisk_postgres::testing::TestDatabase;

/// What the test provers hand back for `request`: one byte of proof, `took` long.
fn artifact(request: &ProofRequest, took: Duration) -> ProofArtifact {
    ProofArtifact {
        prover: ProverKind::Luminair,
        system: ProofSystem::Stwo,
        bytes: vec![1],
        statement: request.statement,
        prove_time: took,
        remote_query: None,
    }
}

/// A stand-in prover that proves at once.
struct InstantProver;

#[async_trait]
impl Prover for InstantProver {
    fn kind(&self) -> ProverKind {
        ProverKind::Luminair
    }

    async fn prove(&self, request: &ProofRequest, _: TimeoutGrowth) -> Result<ProofArtifact, ProverError> {
        Ok(artifact(request, Duration::ZERO))
    }
}

/// A stand-in prover whose proof stays in progress until the test opens its gate, so a shutdown arrives
/// mid-proof by construction rather than by timing.
struct GatedProver(Arc<tokio::sync::Notify>);

#[async_trait]
impl Prover for GatedProver {
    fn kind(&self) -> ProverKind {
        ProverKind::Luminair
    }

    async fn prove(&self, request: &ProofRequest, _: TimeoutGrowth) -> Result<ProofArtifact, ProverError> {
        self.0.notified().await;
        Ok(artifact(request, Duration::ZERO))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_a_stand_in_provers_step_and_returns_the_job() {
    let db = TestDatabase::new().await;
    let settings = settings(&db);
    let store = db.store();
    ModelStore::register(&store, &examples::model(ProgramHash::new(Felt::ONE))).await.unwrap();
    let gate = Arc::new(tokio::sync::Notify::new());
    let adapters = Adapters { provers: vec![Arc::new(GatedProver(gate.clone()))], ..Adapters::default() };
    let service = Service::build(&settings, Stores::postgres(db.db.clone()), adapters).unwrap();
    let request =
        AllocationRequest { jediswap: Some(examples::JEDISWAP), ekubo: Some(examples::EKUBO), ..Default::default() };
    let planned = service.state.orchestrate.plan(&request).await.unwrap();

    let config =
        WorkerConfig { lease: Duration::from_secs(300), poll: Duration::from_millis(20), wakeup: Default::default() };
    let workers = Workers::spawn(
        1,
        "leaving",
        service.pipeline.clone(),
        Arc::new(store.clone()),
        service.state.metrics.clone(),
        config,
    );
    let mut status = ProofJobStatus::Queued;
    for _ in 0..500 {
        status = ProofJobStore::get(&store, planned.proof_job_id()).await.unwrap().unwrap().status();
        if status == ProofJobStatus::Proving {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, ProofJobStatus::Proving, "the worker never started proving");
    // The shutdown is asked first (its stop signal goes out on its first poll), then the proof in hand ends.
    tokio::join!(workers.shutdown(), async { gate.notify_one() });

    let job = ProofJobStore::get(&store, planned.proof_job_id()).await.unwrap().unwrap();
    assert_eq!(job.status(), ProofJobStatus::Proved, "the proof in hand was finished and recorded");
    let next = store.claim_due("successor", Duration::from_secs(60)).await.unwrap();
    assert_eq!(next.map(|j| j.id()), Some(planned.proof_job_id()), "the lease was handed back, not left to expire");
}

/// A stand-in prover whose proofs take 500 ms against its configured 300 ms timeout, held to that timeout as
/// the real adapters are (grown by the pipeline after each timeout). The 500 ms are compared, not slept.
struct SlowerThanItsTimeoutProver;

#[async_trait]
impl Prover for SlowerThanItsTimeoutProver {
    fn kind(&self) -> ProverKind {
        ProverKind::Luminair
    }

    async fn prove(&self, request: &ProofRequest, growth: TimeoutGrowth) -> Result<ProofArtifact, ProverError> {
        const TAKES: Duration = Duration::from_millis(500);
        let timeout = growth.applied_to(Duration::from_millis(300));
        if timeout < TAKES {
            return Err(ProverError::Timeout(timeout));
        }
        Ok(artifact(request, TAKES))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stand_in_prover_slower_than_its_timeout_succeeds_with_the_doubled_timeout() {
    let db = TestDatabase::new().await;
    let settings = settings(&db);
    let store = db.store();
    ModelStore::register(&store, &examples::model(ProgramHash::new(Felt::ONE))).await.unwrap();
    let adapters = Adapters { provers: vec![Arc::new(SlowerThanItsTimeoutProver)], ..Adapters::default() };
    let service = Service::build(&settings, Stores::postgres(db.db.clone()), adapters).unwrap();
    let request =
        AllocationRequest { jediswap: Some(examples::JEDISWAP), ekubo: Some(examples::EKUBO), ..Default::default() };
    let planned = service.state.orchestrate.plan(&request).await.unwrap();
    let config =
        WorkerConfig { lease: Duration::from_secs(30), poll: Duration::from_millis(20), wakeup: Default::default() };
    let workers = Workers::spawn(
        1,
        "sleepy",
        service.pipeline.clone(),
        Arc::new(store.clone()),
        service.state.metrics.clone(),
        config,
    );
    let mut job = ProofJobStore::get(&store, planned.proof_job_id()).await.unwrap().unwrap();
    for _ in 0..300 {
        job = ProofJobStore::get(&store, planned.proof_job_id()).await.unwrap().unwrap();
        if job.artifact().is_some() || job.status() == ProofJobStatus::Failed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    workers.shutdown().await;
    // The local profile tries Stone after LuminAIR; only LuminAIR's attempts are this test's.
    let luminair = job.attempts().iter().filter(|a| a.prover == ProverKind::Luminair);
    let outcomes: Vec<bool> = luminair.map(|a| a.outcome.is_timeout()).collect();
    assert_eq!(outcomes, [true, false], "timed out at 300 ms, then proved within 600 ms: {:?}", job.attempts());
    assert!(job.artifact().is_some(), "{job:?}");
}

/// A remote prover that waits (as on Atlantic) far longer than the worker's lease.
struct AtlanticLikeProver;

#[async_trait]
impl Prover for AtlanticLikeProver {
    fn kind(&self) -> ProverKind {
        ProverKind::Luminair
    }

    async fn prove(&self, _: &ProofRequest, _: TimeoutGrowth) -> Result<ProofArtifact, ProverError> {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Err(ProverError::Failed("never reached in the test".into()))
    }
}

#[test]
fn a_long_wait_keeps_its_lease_and_a_dead_workers_lease_is_taken_over_only_after_it_expires() {
    let outer = tokio::runtime::Runtime::new().unwrap();
    let db = outer.block_on(TestDatabase::new());
    let store = outer.block_on(async { db.store() });
    let lease = Duration::from_millis(400);
    let worker_settings = settings(&db);
    // The worker runs on a runtime of its own, over a pool of its own, so dropping that runtime kills it
    // mid-wait the way a crash would: no release, no last write.
    let doomed = tokio::runtime::Runtime::new().unwrap();
    let job_id = doomed.block_on(async {
        let pool = starkrisk_postgres::Database::connect(&starkrisk_postgres::testing::pool(db.url.clone())).unwrap();
        let own = starkrisk_postgres::PgStore::new(pool.clone());
        ModelStore::register(&own, &examples::model(ProgramHash::new(Felt::ONE))).await.unwrap();
        let adapters = Adapters { provers: vec![Arc::new(AtlanticLikeProver)], ..Adapters::default() };
        let service = Service::build(&worker_settings, Stores::postgres(pool), adapters).unwrap();
        let request = AllocationRequest {
            jediswap: Some(examples::JEDISWAP),
            ekubo: Some(examples::EKUBO),
            ..Default::default()
        };
        let planned = service.state.orchestrate.plan(&request).await.unwrap();
        let config = WorkerConfig { lease, poll: Duration::from_millis(20), wakeup: Default::default() };
        let workers =
            Workers::spawn(1, "doomed", service.pipeline.clone(), Arc::new(own), service.state.metrics.clone(), config);
        std::mem::forget(workers); // dies with its runtime, never shut down
        planned.proof_job_id()
    });
    outer.block_on(async {
        for _ in 0..100 {
            if ProofJobStore::get(&store, job_id).await.unwrap().unwrap().status() == ProofJobStatus::Proving {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Three leases long, the wait goes on and the heartbeat keeps the job its worker's.
        let until = std::time::Instant::now() + lease * 3;
        while std::time::Instant::now() < until {
            assert!(store.claim_due("thief", lease).await.unwrap().is_none(), "a live worker's job was taken over");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    });
    doomed.shutdown_background();
    outer.block_on(async {
        let died = std::time::Instant::now();
        let mut taken = None;
        while taken.is_none() && died.elapsed() < Duration::from_secs(5) {
            taken = store.claim_due("successor", lease).await.unwrap();
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(taken.map(|j| j.id()), Some(job_id), "the dead worker's job is taken over");
        assert!(died.elapsed() >= lease / 3, "not before the last renewed lease ran out ({:?})", died.elapsed());
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_queued_by_another_process_starts_at_once_through_postgres_notifications() {
    let db = TestDatabase::new().await;
    let settings = settings(&db);
    let store = db.store();
    ModelStore::register(&store, &examples::model(ProgramHash::new(Felt::ONE))).await.unwrap();
    let adapters = Adapters { provers: vec![Arc::new(InstantProver)], ..Adapters::default() };
    let service = Service::build(&settings, Stores::postgres(db.db.clone()), adapters).unwrap();
    // These workers poll once a minute and hear none of the service's own wake-ups (theirs is another
    // Wakeup), as if the decision were planned by another replica: only Postgres' notification can start
    // the job within the test.
    let config =
        WorkerConfig { lease: Duration::from_secs(30), poll: Duration::from_secs(60), wakeup: Default::default() };
    let listening = starkrisk_postgres::listen_for_due_jobs(db.db.clone(), Arc::new(config.wakeup.clone()));
    let workers = Workers::spawn(
        2,
        "listening",
        service.pipeline.clone(),
        Arc::new(store.clone()),
        service.state.metrics.clone(),
        config,
    )
    .woken_by(tokio::spawn(listening));
    // The first, empty claim at start, then the one the listener's wake-up asks for once it listens (with
    // a minute-long poll nothing else makes a second): from then on the workers sleep.
    let idle = || async { metric_sum(&service.state.metrics.render().unwrap(), IDLE_ROUNDS) };
    count_reaches("empty claim rounds", 2, Duration::from_secs(5), idle).await;
    let request =
        AllocationRequest { jediswap: Some(examples::JEDISWAP), ekubo: Some(examples::EKUBO), ..Default::default() };
    let planned = service.state.orchestrate.plan(&request).await.unwrap();
    let mut status = ProofJobStatus::Queued;
    for _ in 0..500 {
        status = ProofJobStore::get(&store, planned.proof_job_id()).await.unwrap().unwrap().status();
        if status != ProofJobStatus::Queued {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    workers.shutdown().await;
    assert_ne!(status, ProofJobStatus::Queued, "the job waited for the minute-long poll");
}
