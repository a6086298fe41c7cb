//! Background workers: a dispatcher claims due proof jobs for the idle slots in one round trip, and each
//! claimed job is advanced step by step in a slot of its own, then given back.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use starkrisk_domain::ports::{JobsDue, ProofJobStore};
use starkrisk_domain::usecases::{DecisionPipeline, PipelineError};
use starkrisk_domain::{ProofJob, ProofJobId};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tracing::Instrument;

use crate::http::metrics::Metrics;

/// How workers claim and pace.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Lease on a claimed job.
    pub lease: Duration,
    /// Sleep when nothing is due, unless woken.
    pub poll: Duration,
    /// Cuts the sleep short when a job is queued (here, or anywhere once Postgres notifies).
    pub wakeup: Wakeup,
}

/// Wakes the sleeping dispatcher when a job is queued, so a decision's proof starts at once rather than at
/// the next poll; a wake-up while it is busy is kept, so it looks again before sleeping.
#[derive(Debug, Clone, Default)]
pub struct Wakeup(Arc<Notify>);

impl JobsDue for Wakeup {
    fn job_due(&self) {
        self.0.notify_one();
    }
}

/// What one claim round came to: the queue's pulse, and how a test knows the workers have gone idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRound {
    /// At least one job was claimed.
    Claimed,
    /// Nothing was due; the dispatcher sleeps until the next poll or wake-up.
    Empty,
    /// The store could not be asked.
    Failed,
}

impl ClaimRound {
    /// Every outcome, so each metric series exists from the start.
    pub const ALL: [ClaimRound; 3] = [ClaimRound::Claimed, ClaimRound::Empty, ClaimRound::Failed];

    /// The metric label.
    pub const fn as_str(self) -> &'static str {
        match self {
            ClaimRound::Claimed => "claimed",
            ClaimRound::Empty => "empty",
            ClaimRound::Failed => "failed",
        }
    }
}

/// What a worker does with a job it holds: the decision pipeline in the service; something cheaper where a
/// benchmark or a test measures the queue alone.
#[async_trait]
pub trait JobSteps: Send + Sync {
    /// Takes the job's next step and records it.
    async fn advance(&self, job: ProofJob) -> Result<ProofJob, PipelineError>;

    /// Whether the job's next step is due now.
    fn is_due(&self, job: &ProofJob) -> bool;
}

#[async_trait]
impl JobSteps for DecisionPipeline {
    async fn advance(&self, job: ProofJob) -> Result<ProofJob, PipelineError> {
        DecisionPipeline::advance(self, job).await
    }

    fn is_due(&self, job: &ProofJob) -> bool {
        DecisionPipeline::is_due(self, job)
    }
}

/// Running workers and the switch that stops them.
pub struct Workers {
    stop: watch::Sender<bool>,
    /// None with no slots (`workers.count = 0`): nothing is claimed.
    dispatcher: Option<JoinHandle<()>>,
    wakers: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts `count` worker slots; `owner` names the leases they hold (one per process is enough: a job is
    /// held by one slot at a time).
    pub fn spawn(
        count: usize,
        owner: &str,
        pipeline: Arc<dyn JobSteps>,
        jobs: Arc<dyn ProofJobStore>,
        metrics: Metrics,
        config: WorkerConfig,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let dispatcher = (count > 0).then(|| {
            let dispatcher = Dispatcher {
                slots: Arc::new(Semaphore::new(count)),
                worker: Worker { id: owner.to_string(), pipeline, jobs, metrics, config, stopped },
            };
            tokio::spawn(dispatcher.run())
        });
        Self { stop, dispatcher, wakers: Vec::new() }
    }

    /// Ties a task that wakes these workers (a `LISTEN` on Postgres) to their lifetime: it stops with them,
    /// and is stopped at once when there are no slots to wake.
    pub fn woken_by(mut self, waker: JoinHandle<()>) -> Self {
        if self.dispatcher.is_none() {
            waker.abort();
        }
        self.wakers.push(waker);
        self
    }

    /// Stops claiming, lets each slot finish its current step, and returns held jobs to the queue.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for waker in &self.wakers {
            waker.abort();
        }
        if let Some(dispatcher) = self.dispatcher
            && let Err(e) = dispatcher.await
        {
            tracing::error!(error = %e, "the worker dispatcher panicked");
        }
    }
}

/// Claims for as many slots as are free, never more, so a claimed job starts at once and no lease waits
/// behind a busy slot.
struct Dispatcher {
    slots: Arc<Semaphore>,
    worker: Worker,
}

impl Dispatcher {
    async fn run(mut self) {
        tracing::info!(worker = %self.worker.id, slots = self.slots.available_permits(), "workers started");
        let mut running = JoinSet::new();
        while let Some(free) = self.free_slots(&mut running).await {
            let claimed = self.worker.jobs.claim_due_batch(&self.worker.id, self.worker.config.lease, free.len()).await;
            match claimed {
                Ok(jobs) if !jobs.is_empty() => {
                    self.worker.metrics.observe_claim(ClaimRound::Claimed);
                    // Slots left over by a short batch go back to the semaphore as their permits drop.
                    for (job, slot) in jobs.into_iter().zip(free) {
                        let worker = self.worker.clone();
                        running.spawn(async move {
                            worker.work(job).await;
                            drop(slot);
                        });
                    }
                }
                Ok(_) => {
                    drop(free);
                    self.worker.metrics.observe_claim(ClaimRound::Empty);
                    self.worker.pause().await;
                }
                Err(error) => {
                    drop(free);
                    self.worker.metrics.observe_claim(ClaimRound::Failed);
                    tracing::warn!(worker = %self.worker.id, %error, "cannot claim jobs; retrying");
                    self.worker.pause().await;
                }
            }
        }
        while let Some(done) = running.join_next().await {
            report_panic(done);
        }
        tracing::info!(worker = %self.worker.id, "workers stopped");
    }

    /// Waits for at least one free slot and takes every free one; `None` once shutdown is asked. Reaps
    /// finished slots meanwhile, so the set holds only running ones.
    async fn free_slots(&mut self, running: &mut JoinSet<()>) -> Option<Vec<OwnedSemaphorePermit>> {
        loop {
            while let Some(done) = running.try_join_next() {
                report_panic(done);
            }
            if *self.worker.stopped.borrow() {
                return None;
            }
            tokio::select! {
                permit = self.slots.clone().acquire_owned() => {
                    // The semaphore is never closed, so acquiring only fails if it were.
                    let mut free = vec![permit.ok()?];
                    while let Ok(more) = self.slots.clone().try_acquire_owned() {
                        free.push(more);
                    }
                    return Some(free);
                }
                _ = self.worker.stopped.changed() => {}
                Some(done) = running.join_next() => report_panic(done),
            }
        }
    }
}

fn report_panic(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        tracing::error!(error = %e, "a worker panicked");
    }
}

#[derive(Clone)]
struct Worker {
    id: String,
    pipeline: Arc<dyn JobSteps>,
    jobs: Arc<dyn ProofJobStore>,
    metrics: Metrics,
    config: WorkerConfig,
    stopped: watch::Receiver<bool>,
}

impl Worker {
    async fn pause(&mut self) {
        let wakeup = self.config.wakeup.0.clone();
        tokio::select! {
            _ = tokio::time::sleep(self.config.poll) => {}
            _ = self.stopped.changed() => {}
            () = wakeup.notified() => {}
        }
    }

    /// Advances a claimed job one persisted step at a time until it rests or shutdown is asked, then
    /// releases the lease so another worker (or this one, later) picks it up; a job saved resting (finished,
    /// or due again only later) gave its lease back with that save.
    async fn work(mut self, job: ProofJob) {
        let id = job.id();
        let span = tracing::info_span!("job", worker = %self.id, proof_job_id = %id);
        let heartbeat = heartbeat(self.jobs.clone(), id, self.id.clone(), self.config.lease);
        let given_back = tokio::select! {
            given_back = self.advance(job).instrument(span) => given_back,
            () = heartbeat => false,
        };
        if given_back {
            return;
        }
        if let Err(error) = self.jobs.release(id, &self.id).await {
            tracing::warn!(%error, proof_job_id = %id, "could not release the job; its lease will expire instead");
        }
    }

    /// Whether the job's last step saved it resting, which ended the lease with the same write.
    async fn advance(&mut self, mut job: ProofJob) -> bool {
        loop {
            let before = (job.status(), job.retries(), job.attempts().len());
            let last_changed = job.updated_at();
            match self.pipeline.advance(job).await {
                Ok(next) => {
                    for attempt in &next.attempts()[before.2.min(next.attempts().len())..] {
                        self.metrics.observe_attempt(attempt);
                    }
                    self.metrics.observe_step(before.0, before.1, &next);
                    tracing::info!(from = %before.0, to = %next.status(), "job advanced");
                    // A step that changed nothing saved nothing, so only a changed job can have given its
                    // lease back; under a clock that stands still this errs towards a harmless second release.
                    if next.rests() && next.updated_at() != last_changed {
                        return true;
                    }
                    let stalled = (next.status(), next.retries(), next.attempts().len()) == before;
                    if stalled || !self.pipeline.is_due(&next) || *self.stopped.borrow() {
                        return false;
                    }
                    job = next;
                }
                Err(error) => {
                    tracing::warn!(%error, "job step not recorded; it stays queued for a retry");
                    return false;
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
