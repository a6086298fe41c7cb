//! Prometheus metrics: requests by route, latency by route, proof durations by prover, queue depth, jobs by
//! the status they reach, steps retried by the status they were retried at, and the workers' claim rounds (the
//! alert rules under deploy/observability read these names).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The service's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    proofs: HistogramVec,
    jobs: IntCounterVec,
    retries: IntCounterVec,
    /// Jobs waiting for or held by a worker.
    pub queue_depth: IntGauge,
    treasury: GaugeVec,
    rebalances: IntCounterVec,
    claims: IntCounterVec,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new_custom(Some("starkrisk".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route, method and status"),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0]),
            &["route"],
        )?;
        let proofs = HistogramVec::new(
            HistogramOpts::new("proof_duration_seconds", "Proving time by prover and outcome")
                .buckets(vec![0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 180.0]),
            &["prover", "outcome"],
        )?;
        let queue_depth = IntGauge::new("proof_queue_depth", "Proof jobs not yet finished")?;
        let jobs = IntCounterVec::new(
            Opts::new("proof_jobs_total", "Proof jobs that reached a status, by that status"),
            &["status"],
        )?;
        let retries = IntCounterVec::new(
            Opts::new(
                "proof_job_retries_total",
                "Job steps that failed transiently and were scheduled again, by the status the job was at \
                 (verified and registered: registration or execution on chain)",
            ),
            &["status"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(proofs.clone()))?;
        registry.register(Box::new(queue_depth.clone()))?;
        registry.register(Box::new(jobs.clone()))?;
        let treasury = GaugeVec::new(
            Opts::new(
                "treasury_balance",
                "The vault's treasury in the token's base units by holder (idle, jediswap, ekubo), as the latest \
                 execution left it by the vault's own event (a float: exact to about 15 digits)",
            ),
            &["holder"],
        )?;
        let rebalances = IntCounterVec::new(
            Opts::new("rebalance_rounds_total", "Scheduled rebalancing rounds this process ran, by outcome"),
            &["outcome"],
        )?;
        registry.register(Box::new(retries.clone()))?;
        registry.register(Box::new(treasury.clone()))?;
        registry.register(Box::new(rebalances.clone()))?;
        let claims = IntCounterVec::new(
            Opts::new(
                "worker_claim_rounds_total",
                "Rounds in which this process' workers asked for due jobs, by outcome",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(claims.clone()))?;
        for round in crate::worker::ClaimRound::ALL {
            claims.with_label_values(&[round.as_str()]);
        }
        for outcome in starkrisk_domain::usecases::RebalanceOutcome::NAMES {
            rebalances.with_label_values(&[outcome]);
        }
        for status in starkrisk_domain::ProofJobStatus::ALL {
            // Every series exists from the start, so rate() and absence alerts see zeros, not gaps.
            jobs.with_label_values(&[status.as_str()]);
            retries.with_label_values(&[status.as_str()]);
        }
        Ok(Self { registry, requests, latency, proofs, jobs, retries, queue_depth, treasury, rebalances, claims })
    }

    /// Records one proving attempt.
    pub fn observe_attempt(&self, attempt: &starkrisk_domain::ProverAttempt) {
        let outcome = match attempt.outcome {
            starkrisk_domain::AttemptOutcome::Succeeded => "succeeded",
            starkrisk_domain::AttemptOutcome::Unavailable(_) => "unavailable",
            starkrisk_domain::AttemptOutcome::Timeout(_) => "timeout",
            starkrisk_domain::AttemptOutcome::Failed(_) => "failed",
        };
        // Millisecond counts of one attempt are far below 2^52, so the float is exact.
        let seconds = attempt.duration_ms as f64 / 1000.0;
        self.proofs.with_label_values(&[attempt.prover.as_str(), outcome]).observe(seconds);
    }

    /// Records one persisted step of a job that was at `status` with `retries` before it.
    pub fn observe_step(
        &self,
        status: starkrisk_domain::ProofJobStatus,
        retries: u32,
        next: &starkrisk_domain::ProofJob,
    ) {
        if next.status() != status {
            self.jobs.with_label_values(&[next.status().as_str()]).inc();
        }
        if next.retries() > retries {
            self.retries.with_label_values(&[status.as_str()]).inc();
        }
    }

    /// Sets the treasury gauges to `balances`.
    pub fn set_treasury(&self, balances: &starkrisk_domain::TreasuryBalances) {
        for (holder, amount) in [("idle", balances.idle), ("jediswap", balances.jediswap), ("ekubo", balances.ekubo)] {
            // A gauge is a float; Prometheus has no wider number, and a chart needs no more digits.
            self.treasury.with_label_values(&[holder]).set(amount as f64);
        }
    }

    /// Counts one scheduled rebalancing round.
    pub fn observe_rebalance(&self, outcome: &starkrisk_domain::usecases::RebalanceOutcome) {
        self.rebalances.with_label_values(&[outcome.as_str()]).inc();
    }

    /// Counts one claim round of the workers.
    pub fn observe_claim(&self, round: crate::worker::ClaimRound) {
        self.claims.with_label_values(&[round.as_str()]).inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> anyhow::Result<String> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        Ok(String::from_utf8(out)?)
    }
}

/// Middleware: counts and times every request by its route pattern (never the raw path, to bound labels).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let status = response.status().as_u16().to_string();
        metrics.requests.with_label_values(&[&route, &method, &status]).inc();
        metrics.latency.with_label_values(&[&route]).observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}
