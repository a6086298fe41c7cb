//! Workers finish the step in hand on shutdown and hand the job back, so another worker picks it up at once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod common;

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

/// A prover that takes its time, so shutdown arrives mid-proof.
struct SlowProver;

#[async_trait]
impl Prover for SlowProver {
    fn kind(&self) -> ProverKind {
        ProverKind::Stwo
    }

    async fn prove(&self, request: &ProofRequest, _: TimeoutGrowth) -> Result<ProofArtifact, ProverError> {
        tokio::time::sleep(Duration::from_millis(600)).await;
        Ok(ProofArtifact {
            prover: ProverKind::Stwo,
            system: ProofSystem::Stwo,
            bytes: vec![1],
            statement: request.statement,
            prove_time: Duration::from_millis(600),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_step_and_returns_the_job() {
    let db = TestDatabase::new().await;
    let settings = settings(&db);
    let store = db.store();
    ModelStore::register(&store, &examples::model(ProgramHash::new(Felt::ONE))).await.unwrap();
    let adapters = Adapters { provers: vec![Arc::new(SlowProver)], ..Adapters::default() };
    let service = Service::build(&settings, Stores::postgres(db.db.clone()), adapters).unwrap();
    let request =
        AllocationRequest { jediswap: Some(examples::JEDISWAP), ekubo: Some(examples::EKUBO), ..Default::default() };
    let planned = service.state.orchestrate.plan(&request).await.unwrap();

    let config = WorkerConfig { lease: Duration::from_secs(300), poll: Duration::from_millis(20) };
    let workers = Workers::spawn(
        1,
        "leaving",
        service.pipeline.clone(),
        Arc::new(store.clone()),
        service.state.metrics.clone(),
        config,
    );
    for _ in 0..100 {
        if ProofJobStore::get(&store, planned.proof_job_id()).await.unwrap().unwrap().status()
            == ProofJobStatus::Proving
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    workers.shutdown().await;

    let job = ProofJobStore::get(&store, planned.proof_job_id()).await.unwrap().unwrap();
    assert_eq!(job.status(), ProofJobStatus::Proved, "the proof in hand was finished and recorded");
    let next = store.claim_due("successor", Duration::from_secs(60)).await.unwrap();
    assert_eq!(next.map(|j| j.id()), Some(planned.proof_job_id()), "the lease was handed back, not left to expire");
}

/// A prover configured with a 300 ms timeout whose proofs take 500 ms, enforcing its timeout as the real
/// adapters do: grown by the pipeline after each timeout.
struct SleepyProver;

#[async_trait]
impl Prover for SleepyProver {
    fn kind(&self) -> ProverKind {
        ProverKind::Stwo
    }

    async fn prove(&self, request: &ProofRequest, growth: TimeoutGrowth) -> Result<ProofArtifact, ProverError> {
        let timeout = growth.applied_to(Duration::from_millis(300));
        tokio::time::timeout(timeout, tokio::time::sleep(Duration::from_millis(500)))
            .await
            .map_err(|_| ProverError::Timeout(timeout))?;
        Ok(ProofArtifact {
            prover: ProverKind::Stwo,
            system: ProofSystem::Stwo,
            bytes: vec![1],
            statement: request.statement,
            prove_time: Duration::from_millis(500),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prover_slower_than_its_timeout_succeeds_with_the_doubled_timeout() {
    let db = TestDatabase::new().await;
    let settings = settings(&db);
    let store = db.store();
    ModelStore::register(&store, &examples::model(ProgramHash::new(Felt::ONE))).await.unwrap();
    let adapters = Adapters { provers: vec![Arc::new(SleepyProver)], ..Adapters::default() };
    let service = Service::build(&settings, Stores::postgres(db.db.clone()), adapters).unwrap();
    let request =
        AllocationRequest { jediswap: Some(examples::JEDISWAP), ekubo: Some(examples::EKUBO), ..Default::default() };
    let planned = service.state.orchestrate.plan(&request).await.unwrap();
    let config = WorkerConfig { lease: Duration::from_secs(30), poll: Duration::from_millis(20) };
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
    let luminair = job.attempts().iter().filter(|a| a.prover == ProverKind::Stwo);
    let outcomes: Vec<bool> = luminair.map(|a| a.outcome.is_timeout()).collect();
    assert_eq!(outcomes, [true, false], "timed out at 300 ms, then proved within 600 ms: {:?}", job.attempts());
    assert!(job.artifact().is_some(), "{job:?}");
}
