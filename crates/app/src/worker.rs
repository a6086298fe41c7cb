//! Background workers: claim due proof jobs, advance them step by step, give them back.

use std::sync::Arc;
use std::time::Duration;

use starkrisk_domain::ports::{JobsDue, ProofJobStore};
use starkrisk_domain::usecases::DecisionPipeline;
use starkrisk_domain::{ProofJob, ProofJobId};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::http::metrics::Metrics;

/// How workers claim and pace.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Lease on a claimed job.
    pub lease: Duration,
    /// Sleep when nothing is due, unless woken.
    pub poll: Duration,
    /// Cuts the sleep short when this process queues a job.
    pub wakeup: Wakeup,
}

/// Wakes one sleeping worker of this process per job queued here, so a decision's proof starts at once
/// rather than at the next poll; a wake-up with no worker asleep is kept for the next one to pause.
#[derive(Debug, Clone, Default)]
pub struct Wakeup(Arc<Notify>);

impl JobsDue for Wakeup {
    fn job_due(&self) {
        self.0.notify_one();
    }
}

/// Running workers and the switch that stops them.
pub struct Workers {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts `count` workers named `{prefix}-{n}`.
    pub fn spawn(
        count: usize,
        prefix: &str,
        pipeline: Arc<DecisionPipeline>,
        jobs: Arc<dyn ProofJobStore>,
        metrics: Metrics,
        config: WorkerConfig,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let handles = (0..count)
            .map(|n| {
                let worker = Worker {
                    id: format!("{prefix}-{n}"),
                    pipeline: pipeline.clone(),
                    jobs: jobs.clone(),
                    metrics: metrics.clone(),
                    config: config.clone(),
                    stopped: stopped.clone(),
                };
                tokio::spawn(worker.run())
            })
            .collect();
        Self { stop, handles }
    }

    /// Stops claiming, lets each worker finish its current step, and returns held jobs to the queue.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            if let Err(e) = handle.await {
                tracing::error!(error = %e, "a worker panicked");
            }
        }
    }
}

struct Worker {
    id: String,
    pipeline: Arc<DecisionPipeline>,
    jobs: Arc<dyn ProofJobStore>,
    metrics: Metrics,
    config: WorkerConfig,
    stopped: watch::Receiver<bool>,
}

impl Worker {
    async fn run(mut self) {
        tracing::info!(worker = %self.id, "worker started");
        while !*self.stopped.borrow() {
            match self.jobs.claim_due(&self.id, self.config.lease).await {
                Ok(Some(job)) => self.work(job).await,
                Ok(None) => self.pause().await,
                Err(error) => {
                    tracing::warn!(worker = %self.id, %error, "cannot claim jobs; retrying");
                    self.pause().await;
                }
            }
        }
        tracing::info!(worker = %self.id, "worker stopped");
    }

    async fn pause(&mut self) {
        let wakeup = self.config.wakeup.0.clone();
        tokio::select! {
            _ = tokio::time::sleep(self.config.poll) => {}
            _ = self.stopped.changed() => {}
            () = wakeup.notified() => {}
        }
    }

    /// Advances a claimed job one persisted step at a time until it rests or shutdown is asked,
    /// then releases the lease so another worker (or this one, later) picks it up.
    async fn work(&mut self, job: ProofJob) {
        let id = job.id();
        let span = tracing::info_span!("job", worker = %self.id, proof_job_id = %id);
        let heartbeat = heartbeat(self.jobs.clone(), id, self.id.clone(), self.config.lease);
        tokio::select! {
            () = self.advance(job).instrument(span) => {}
            () = heartbeat => {}
        }
        if let Err(error) = self.jobs.release(id, &self.id).await {
            tracing::warn!(%error, proof_job_id = %id, "could not release the job; its lease will expire instead");
        }
    }

    async fn advance(&mut self, mut job: ProofJob) {
        loop {
            let before = (job.status(), job.retries(), job.attempts().len());
            match self.pipeline.advance(job).await {
                Ok(next) => {
                    for attempt in &next.attempts()[before.2.min(next.attempts().len())..] {
                        self.metrics.observe_attempt(attempt);
                    }
                    self.metrics.observe_step(before.0, before.1, &next);
                    tracing::info!(from = %before.0, to = %next.status(), "job advanced");
                    let stalled = (next.status(), next.retries(), next.attempts().len()) == before;
                    if stalled || !self.pipeline.is_due(&next) || *self.stopped.borrow() {
                        break;
                    }
                    job = next;
                }
                Err(error) => {
                    tracing::warn!(%error, "job step not recorded; it stays queued for a retry");
                    break;
                }
            }
        }
    }
}

/// Renews `worker`'s lease on job `id` every third of the lease while a step runs, so a long step (an
/// Atlantic wait) is never taken over by a second worker; a worker that dies stops renewing, and its lease
/// expires. Never returns: the step it accompanies ends it.
async fn heartbeat(jobs: Arc<dyn ProofJobStore>, id: ProofJobId, worker: String, lease: Duration) {
    let beat = (lease / 3).max(Duration::from_millis(10));
    loop {
        tokio::time::sleep(beat).await;
        match jobs.renew_lease(id, &worker, lease).await {
            Ok(true) => {}
            Ok(false) => {
                // Another worker holds the job now; the compare-and-set on every save keeps this one's
                // step from being recorded over it.
                tracing::warn!(%worker, proof_job_id = %id, "the lease on this job was lost; no longer renewing it");
                return std::future::pending().await;
            }
            Err(error) => tracing::warn!(%worker, proof_job_id = %id, %error, "cannot renew the lease; trying again"),
        }
    }
}
