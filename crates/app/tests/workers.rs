//! Workers finish the step in hand on shutdown and hand the job back, so another worker picks it up at once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::*;
use starkrisk_app::{Adapters, Service, Stores};
use starkrisk_app::{WorkerConfig, Workers};
use starkrisk_domain::ports::{ModelStore, ProofJobStore, Prover, ProverError};
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

    async fn prove(&self, request: &ProofRequest) -> Result<ProofArtifact, ProverError> {
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
