//! Startup wiring: adapters into ports, ports into use cases, use cases into the HTTP state and workers.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use actix_web::web;
use starkrisk_domain::ports::{
    AllocationExecutor, Clock, DecisionStore, FactRegistry, IdempotencyStore, Leadership, MarketSamples, MetricsSource,
    ModelStore, PoolReader, ProofJobStore, ProofVerifier, Prover, Readiness, WebhookOutbox,
};
use starkrisk_domain::usecases::{
    ChainMetrics, CheckProof, DecisionPipeline, DecisionQueries, ExecuteAllocation, GenerateProof, MarketSnapshots,
    ModelRegistry, OperationsOverview, OrchestrateAllocation, OrchestratePorts, PipelinePorts, ProverSet, RetryJob,
    SampleMarkets, ScheduledRebalance, StatementPlanner, VerificationStatus, VerifyProof,
};
use starkrisk_postgres::{Database, PgStore};
use starkrisk_stone::{StoneProver, StoneVerifier};
use starkrisk_stwo::StwoVerifier;

use crate::auth::Authenticator;
use crate::caching::{CachedFacts, CachedMetrics, FreshPages};
use crate::http::metrics::Metrics;
use crate::http::page_cache::PageCache;
use crate::http::rate_limit::RateLimiter;
use crate::http::state::AppState;
use crate::settings::Settings;
use starkrisk_domain::ports::SystemClock;

/// The adapters behind the domain's outward ports. Tests and embedders swap any of them.
#[derive(Clone, Default)]
pub struct Adapters {
    /// Provers, any order (the policy orders them).
    pub provers: Vec<Arc<dyn Prover>>,
    /// Verifiers, one per proof system.
    pub verifiers: Vec<Arc<dyn ProofVerifier>>,
    /// Integrity's FactRegistry.
    pub registry: Option<Arc<dyn FactRegistry>>,
    /// The allocation executor.
    pub executor: Option<Arc<dyn AllocationExecutor>>,
    /// Where `"source": "chain"` metrics come from; by default, derived from the recorded market samples
    /// when `[markets]` names a pool.
    pub metrics_source: Option<Arc<dyn MetricsSource>>,
    /// Reads the configured pools for the market sampler.
    pub pool_reader: Option<Arc<dyn PoolReader>>,
    /// What every use case, cache and limiter reads time from; the system clock when `None`, so tests
    /// move time instead of sleeping through it.
    pub clock: Option<Arc<dyn Clock>>,
}

impl Adapters {
    /// The adapters this build provides for `settings`: LuminAIR (S-two, in-process, always available),
    /// Stone (`stone.prover_binary`, else the one `just stone` built; unavailable without either, so the
    /// next prover is tried), Atlantic when
    /// `atlantic.base_url` is set (filing its queries in the configured database), and both verifiers.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let stone = settings.stone.clone().with_installed_binary();
        match &stone.prover_binary {
            Some(binary) => tracing::info!(binary = %binary.display(), "Stone proves with this cpu_air_prover"),
            None => tracing::info!(
                "no cpu_air_prover (`just stone` builds one): Stone attempts will be recorded as unavailable"
            ),
        }
        let min_bits = settings.pipeline.min_security_bits;
        let mut provers: Vec<Arc<dyn Prover>> =
            vec![Arc::new(settings.luminair.prover()?), Arc::new(StoneProver::new(stone))];
        if let Some(atlantic) = settings.atlantic.prover()? {
            // Submitted queries are filed in Postgres, so no retry, restart or other replica pays twice.
            let queries = Arc::new(PgStore::new(Database::connect(&settings.database)?));
            provers.push(Arc::new(atlantic.remembering(queries)));
        }
        let stwo = if crate::chain_rules::pins_stwo_parameters(settings) {
            StwoVerifier::pinned_to(settings.luminair.security()?, min_bits)
        } else {
            StwoVerifier::new(min_bits)
        };
        Ok(Self { provers, verifiers: vec![Arc::new(stwo), Arc::new(StoneVerifier::new(min_bits))], ..Self::default() })
    }
}

impl Adapters {
    /// Adds the Starknet executor and FactRegistry when `[starknet]` is enabled: connects, refuses a
    /// wrong chain id and unlocks the operator key, so a misconfigured chain stops startup.
    pub async fn with_chain(mut self, settings: &Settings) -> anyhow::Result<Self> {
        if !settings.starknet.enabled {
            tracing::info!("starknet.enabled is false: decisions are proven and verified but not executed");
            return Ok(self);
        }
        let chain = settings.starknet.connect(settings.pipeline.fact_verifier.clone()).await?;
        crate::chain_rules::check_connected(settings, &chain.pool).await?;
        if let Some(executor) = chain.executor {
            self.executor = Some(executor);
        }
        if let Some(registry) = chain.registry {
            self.registry = Some(registry);
        }
        if self.pool_reader.is_none() {
            self.pool_reader = settings.markets.reader(&settings.starknet.rpc)?;
        }
        Ok(self)
    }
}

/// The stores behind the domain's store ports, and the database to migrate when they live in Postgres.
#[derive(Clone)]
pub struct Stores {
    /// Proof jobs and the queue.
    pub jobs: Arc<dyn ProofJobStore>,
    /// Decisions.
    pub decisions: Arc<dyn DecisionStore>,
    /// Model versions.
    pub models: Arc<dyn ModelStore>,
    /// Idempotency keys.
    pub keys: Arc<dyn IdempotencyStore>,
    /// For `/ready`.
    pub readiness: Arc<dyn Readiness>,
    /// Market samples.
    pub samples: Arc<dyn MarketSamples>,
    /// Leases on singleton tasks (the market sampler).
    pub leadership: Arc<dyn Leadership>,
    /// The webhook outbox; only Postgres keeps one (its triggers fill it).
    pub webhooks: Option<Arc<dyn WebhookOutbox>>,
    /// Migrated at startup; `None` for stores that need no schema (in memory).
    pub database: Option<Database>,
}

impl Stores {
    /// Every store in Postgres.
    pub fn postgres(db: Database) -> Self {
        let store = Arc::new(PgStore::new(db.clone()));
        let mut stores = Self::all_in(store.clone());
        stores.webhooks = Some(store);
        stores.database = Some(db);
        stores
    }

    /// Every store in one value that implements them all (the in-memory store of tests and demos).
    pub fn all_in<S>(store: Arc<S>) -> Self
    where
        S: ProofJobStore
            + DecisionStore
            + ModelStore
            + IdempotencyStore
            + MarketSamples
            + Leadership
            + Readiness
            + 'static,
    {
        Self {
            jobs: store.clone(),
            decisions: store.clone(),
            models: store.clone(),
            keys: store.clone(),
            samples: store.clone(),
            leadership: store.clone(),
            readiness: store,
            webhooks: None,
            database: None,
        }
    }
}

/// Everything `serve` and `worker` run.
pub struct Service {
    /// The HTTP state.
    pub state: web::Data<AppState>,
    /// The pipeline workers drive.
    pub pipeline: Arc<DecisionPipeline>,
    /// The stores (for migrations and the queue).
    pub stores: Stores,
    /// Wakes this process's workers when orchestration queues a job.
    pub wakeup: crate::Wakeup,
    /// Records market samples, when a pool reader is wired.
    pub sampler: Option<SampleMarkets>,
    /// Plans decisions on a timer, when `[schedule]` is on.
    pub rebalancer: Option<ScheduledRebalance>,
    /// The clock everything above reads.
    pub clock: Arc<dyn Clock>,
}

impl Service {
    /// Wires `adapters` and `stores` under `settings`.
    pub fn build(settings: &Settings, stores: Stores, mut adapters: Adapters) -> anyhow::Result<Self> {
        let policy = settings.policy()?;
        let clock: Arc<dyn Clock> = adapters.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
        let terms = settings.markets.terms()?;
        if adapters.metrics_source.is_none() && settings.markets.any() {
            let chain =
                ChainMetrics::new(stores.samples.clone(), terms.clone(), settings.markets.policy(), clock.clone());
            adapters.metrics_source = Some(Arc::new(chain));
        }
        let sampler = adapters
            .pool_reader
            .clone()
            .map(|reader| SampleMarkets::new(reader, stores.samples.clone(), terms.protocols()));
        adapters.metrics_source = adapters.metrics_source.map(|source| {
            let ttl = Duration::from_secs(settings.pipeline.metrics_cache_secs);
            Arc::new(CachedMetrics::new(source, ttl, clock.clone())) as Arc<dyn MetricsSource>
        });
        adapters.registry = adapters
            .registry
            .map(|registry| Arc::new(CachedFacts::new(registry, policy.fact_policy.clone())) as Arc<dyn FactRegistry>);
        let page_ttl = Duration::from_millis(settings.server.decision_page_cache_ms);
        let pages = Arc::new(PageCache::new(page_ttl, clock.clone()));
        let jobs = stores.jobs.clone();
        let decisions: Arc<dyn DecisionStore> = Arc::new(FreshPages::new(stores.decisions.clone(), pages.clone()));
        let programs = settings.risk_programs()?;
        let default_program_hash = programs.cairo;
        let verify = VerifyProof::new(adapters.verifiers.clone(), policy.security_floor(), programs);
        let pipeline = DecisionPipeline::new(
            PipelinePorts {
                provers: ProverSet::new(adapters.provers.clone()),
                verify: verify.clone(),
                registry: adapters.registry.clone(),
                executor: adapters.executor.clone(),
                jobs: jobs.clone(),
                decisions: decisions.clone(),
                clock: clock.clone(),
            },
            policy.clone(),
        );
        let planner =
            StatementPlanner::new(stores.models.clone(), adapters.metrics_source.clone(), settings.default_apys()?)
                .supplied_metrics(settings.pipeline.allow_supplied_metrics);
        let wait_limit = Duration::from_secs(settings.pipeline.prover_timeout_secs.saturating_mul(2));
        let queries = DecisionQueries::new(decisions.clone(), jobs.clone(), clock.clone(), wait_limit);
        let wakeup = crate::Wakeup::default();
        let orchestrate = OrchestrateAllocation::new(
            OrchestratePorts {
                planner: planner.clone(),
                decisions: decisions.clone(),
                keys: stores.keys.clone(),
                queries: queries.clone(),
                clock: clock.clone(),
                due: Arc::new(wakeup.clone()),
            },
            policy.clone(),
            settings.approval_rules()?,
            settings.key_lifetimes()?,
        );
        let rebalancer = settings.schedule.enabled().then(|| {
            ScheduledRebalance::new(Arc::new(orchestrate.clone()), decisions.clone(), settings.schedule.min_shift_bps)
        });
        let state = AppState {
            orchestrate,
            execute: ExecuteAllocation::new(
                queries.clone(),
                (decisions.clone(), jobs.clone()),
                clock.clone(),
                adapters.executor.is_some(),
            ),
            decisions: queries,
            retry: RetryJob::new(jobs.clone(), decisions.clone(), clock.clone()),
            generate: GenerateProof::new(planner.clone(), jobs.clone(), clock.clone(), policy.clone()),
            planner,
            check: CheckProof::new(verify, jobs.clone(), stores.models.clone()),
            status: VerificationStatus::new(jobs.clone(), adapters.registry.clone(), policy.fact_policy.clone()),
            models: ModelRegistry::new(stores.models.clone(), clock.clone(), default_program_hash)
                .approving_on(adapters.executor.clone()),
            overview: OperationsOverview::new(
                jobs.clone(),
                stores.models.clone(),
                stores.readiness.clone(),
                adapters.executor.clone(),
                policy.provers.clone(),
            ),
            snapshots: MarketSnapshots::new(stores.samples.clone()),
            readiness: stores.readiness.clone(),
            auth: Authenticator::from_settings(&settings.auth)?.timed_by(clock.clone()),
            metrics: Metrics::new()?,
            pages,
            webhooks: starkrisk_domain::usecases::WebhookDeliveries::new(stores.webhooks.clone()),
            rate_limits: RateLimiter::new(
                settings.server.rate_limit_per_minute,
                settings.server.rate_limit_burst,
                clock.clone(),
            ),
            migrated: AtomicBool::new(false),
        };
        let pipeline = Arc::new(pipeline);
        Ok(Self { state: web::Data::new(state), pipeline, stores, wakeup, sampler, rebalancer, clock })
    }
}
