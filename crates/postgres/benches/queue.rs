//! Throughput of the job queue on the local cluster: one claim (FOR UPDATE SKIP LOCKED + lease) and one
//! compare-and-set save that finishes the job, per iteration. Run with `just bench`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a panic aborts the benchmark run

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use starkrisk_domain::ports::ProofJobStore;
use starkrisk_domain::*;
use starkrisk_postgres::testing::TestDatabase;

fn job() -> ProofJob {
    ProofJob::new(ProofRequest { statement: examples::statement() }, vec![ProverKind::Stwo], None, chrono::Utc::now())
}

fn claim_and_complete(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let test = runtime.block_on(TestDatabase::new());
    let store = test.store();
    c.bench_function("queue/claim_then_complete", |b| {
        b.to_async(&runtime).iter_custom(|iters| {
            let store = store.clone();
            async move {
                for _ in 0..iters {
                    store.insert(&job()).await.unwrap();
                }
                let start = Instant::now();
                for _ in 0..iters {
                    let mut job = store.claim_due("bench", Duration::from_secs(60)).await.unwrap().unwrap();
                    let from = job.status();
                    job.fail(Stage::Proving, "benchmark", false, chrono::Utc::now()).unwrap();
                    store.save(&job, from).await.unwrap();
                }
                start.elapsed()
            }
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(8));
    targets = claim_and_complete
}
criterion_main!(benches);
