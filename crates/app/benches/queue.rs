//! The job queue's throughput on the local cluster, through the service's own workers: a dispatcher
//! claiming for every free slot in one statement, each job finished by one compare-and-set save that also
//! gives its lease back. 8 slots beside the baseline of 1 (one claim per job), in the same run. Prints jobs
//! per second. Run with `just bench`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a panic aborts the benchmark run

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use starkrisk_app::http::metrics::Metrics;
use starkrisk_app::{JobSteps, WorkerConfig, Workers};
use starkrisk_domain::ports::ProofJobStore;
use starkrisk_domain::usecases::PipelineError;
use starkrisk_domain::*;
use starkrisk_postgres::PgStore;
use starkrisk_postgres::testing::TestDatabase;
use tokio::sync::Notify;

/// Finishes every job it is handed with one save, and says when `target` jobs are finished.
struct Finish {
    store: PgStore,
    done: AtomicUsize,
    target: AtomicUsize,
    all_done: Notify,
}

#[async_trait]
impl JobSteps for Finish {
    async fn advance(&self, mut job: ProofJob) -> Result<ProofJob, PipelineError> {
        let from = job.status();
        job.fail(Stage::Proving, "benchmark", false, chrono::Utc::now())?;
        self.store.save(&job, from).await?;
        if self.done.fetch_add(1, Ordering::SeqCst) + 1 == self.target.load(Ordering::SeqCst) {
            self.all_done.notify_one();
        }
        Ok(job)
    }

    fn is_due(&self, job: &ProofJob) -> bool {
        job.is_due(chrono::Utc::now())
    }
}

fn job() -> ProofJob {
    ProofJob::new(
        ProofRequest { statement: examples::statement() },
        vec![ProverKind::Luminair],
        None,
        chrono::Utc::now(),
    )
}

fn claim_and_finish(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let test = runtime.block_on(TestDatabase::new());
    let store = test.store();
    let finish = Arc::new(Finish {
        store: store.clone(),
        done: AtomicUsize::new(0),
        target: AtomicUsize::new(0),
        all_done: Notify::new(),
    });
    let metrics = Metrics::new().unwrap();
    let mut group = c.benchmark_group("queue/claimed_and_finished");
    group.throughput(Throughput::Elements(1));
    for slots in [1usize, 8] {
        group.bench_function(BenchmarkId::new("slots", slots), |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                let (store, finish, metrics) = (store.clone(), finish.clone(), metrics.clone());
                async move {
                    for _ in 0..iters {
                        ProofJobStore::insert(&store, &job()).await.unwrap();
                    }
                    finish.done.store(0, Ordering::SeqCst);
                    finish.target.store(usize::try_from(iters).unwrap(), Ordering::SeqCst);
                    let config = WorkerConfig {
                        lease: Duration::from_secs(60),
                        poll: Duration::from_millis(500),
                        wakeup: Default::default(),
                    };
                    let start = Instant::now();
                    let workers = Workers::spawn(slots, "bench", finish.clone(), Arc::new(store), metrics, config);
                    finish.all_done.notified().await;
                    let elapsed = start.elapsed();
                    workers.shutdown().await;
                    elapsed
                }
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(6));
    targets = claim_and_finish
}
criterion_main!(benches);
