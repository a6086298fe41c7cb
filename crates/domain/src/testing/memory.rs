//! Every store port in memory, with the same compare-and-set, queue and idempotency rules as Postgres, so
//! use-case and HTTP tests that are not about SQL run without a database.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::decision::{AllocationDecision, DecisionId, DecisionStatus};
use crate::felt::{ReadingsHash, SnapshotHash};
use crate::market::{MarketReadings, MetricsOrigin, PoolSample, ProtocolReadings, ProtocolTerms, SamplingPolicy};
use crate::metrics::Protocol;
use crate::model::RiskModel;
use crate::params::ModelVersion;
use crate::ports::{
    Clock, DecisionFilter, DecisionStore, IdempotencyKey, IdempotencyStore, JobCursor, JobPage, JobPageRequest,
    KeyClaim, KeyLifetimes, Leadership, Loaded, MAX_PAGE, MarketSamples, ModelStore, Page, PageRequest, ProofJobStore,
    ProverQueries, Readiness, RequestFingerprint, StoreError, query_key,
};
use crate::proof::ProverKind;
use crate::proof_job::{ProofJob, ProofJobId, ProofJobStatus};
use crate::statement::DecisionStatement;

#[derive(Default)]
struct Tables {
    jobs: HashMap<ProofJobId, ProofJob>,
    leases: HashMap<ProofJobId, (String, DateTime<Utc>)>,
    decisions: HashMap<DecisionId, AllocationDecision>,
    models: Vec<RiskModel>,
    keys: HashMap<String, (RequestFingerprint, Option<DecisionId>, DateTime<Utc>)>,
    queries: HashMap<(ProverKind, String), String>,
    samples: HashMap<Protocol, BTreeMap<u64, PoolSample>>,
    readings: HashMap<ReadingsHash, RecordedReadings>,
    task_leases: HashMap<String, (String, DateTime<Utc>)>,
}

/// Where a protocol's readings were read from: protocol, first and last sample block, terms, policy.
type RecordedReadings = (Protocol, u64, u64, ProtocolTerms, SamplingPolicy);

/// Jobs, decisions, models, idempotency keys and market samples in memory; leases and due times follow `clock`.
pub struct MemoryStore {
    clock: Arc<dyn Clock>,
    tables: Mutex<Tables>,
}

impl MemoryStore {
    /// An empty store whose queue reads the time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, tables: Mutex::new(Tables::default()) }
    }

    fn tables(&self) -> MutexGuard<'_, Tables> {
        // A panicking test thread must not hide the state from the assertions that follow.
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Overwrites a recorded sample, as a faulty or hostile writer could; `record_sample` never does.
    pub fn rewrite_sample(&self, protocol: Protocol, sample: PoolSample) {
        self.tables().samples.entry(protocol).or_default().insert(sample.block_number, sample);
    }

    /// Every stored job, in no particular order.
    pub fn jobs(&self) -> Vec<ProofJob> {
        self.tables().jobs.values().cloned().collect()
    }
}

fn conflict(what: String, actual: impl std::fmt::Display, expected: impl std::fmt::Display) -> StoreError {
    StoreError::Conflict(format!("{what} is {actual}, not {expected}; another writer moved it"))
}

#[async_trait]
impl ProofJobStore for MemoryStore {
    async fn insert(&self, job: &ProofJob) -> Result<(), StoreError> {
        self.tables().jobs.insert(job.id(), job.clone());
        Ok(())
    }

    async fn get(&self, id: ProofJobId) -> Result<Option<ProofJob>, StoreError> {
        Ok(self.tables().jobs.get(&id).cloned())
    }

    async fn save(&self, job: &ProofJob, expected: ProofJobStatus) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let stored =
            tables.jobs.get_mut(&job.id()).ok_or_else(|| StoreError::NotFound(format!("proof job {}", job.id())))?;
        if stored.status() != expected {
            return Err(conflict(format!("proof job {}", job.id()), stored.status(), expected));
        }
        *stored = job.clone();
        if job.rests() {
            tables.leases.remove(&job.id());
        }
        Ok(())
    }

    async fn note_registration_tx(&self, id: ProofJobId, tx: crate::TxHash) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let stored = tables.jobs.get_mut(&id).ok_or_else(|| StoreError::NotFound(format!("proof job {id}")))?;
        stored.note_registration_tx(tx).map(drop).map_err(|e| StoreError::Conflict(e.to_string()))
    }

    async fn claim_due_batch(&self, worker: &str, lease: Duration, limit: usize) -> Result<Vec<ProofJob>, StoreError> {
        let now = self.clock.now();
        let mut tables = self.tables();
        let leased = |id: &ProofJobId, t: &Tables| t.leases.get(id).is_some_and(|(_, until)| *until >= now);
        let mut due: Vec<ProofJob> =
            tables.jobs.values().filter(|j| j.is_due(now) && !leased(&j.id(), &tables)).cloned().collect();
        due.sort_by_key(|j| (j.next_attempt_at(), j.created_at()));
        due.truncate(limit);
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
        for job in &due {
            tables.leases.insert(job.id(), (worker.to_string(), until));
        }
        Ok(due)
    }

    async fn renew_lease(&self, id: ProofJobId, worker: &str, lease: Duration) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let mut tables = self.tables();
        Ok(match tables.leases.get_mut(&id) {
            Some((owner, until)) if owner == worker && *until >= now => {
                *until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
                true
            }
            _ => false,
        })
    }

    async fn release(&self, id: ProofJobId, worker: &str) -> Result<(), StoreError> {
        let mut tables = self.tables();
        if tables.leases.get(&id).is_some_and(|(owner, _)| owner == worker) {
            tables.leases.remove(&id);
        }
        Ok(())
    }

    async fn queue_depth(&self) -> Result<u64, StoreError> {
        Ok(self.tables().jobs.values().filter(|j| !j.status().is_terminal()).count() as u64)
    }

    async fn queue_report(&self) -> Result<crate::ports::QueueReport, StoreError> {
        let now = self.clock.now();
        let tables = self.tables();
        let counts = tables.jobs.values().map(|j| (j.status(), 1));
        let leases = tables
            .leases
            .iter()
            .filter(|(_, (_, expires))| *expires > now)
            .map(|(job, (owner, expires))| crate::ports::JobLease {
                job: *job,
                owner: owner.clone(),
                expires_at: *expires,
            })
            .collect();
        Ok(crate::ports::QueueReport::new(counts, leases))
    }

    async fn list(&self, request: &JobPageRequest) -> Result<JobPage, StoreError> {
        let mut jobs: Vec<ProofJob> = self
            .tables()
            .jobs
            .values()
            .filter(|j| request.filter.admits(j) && request.after.is_none_or(|c| c.precedes(j)))
            .cloned()
            .collect();
        jobs.sort_by_key(|j| std::cmp::Reverse((j.created_at(), j.id().0)));
        let limit = request.limit.clamp(1, MAX_PAGE) as usize;
        let more = jobs.len() > limit;
        jobs.truncate(limit);
        let next = if more { jobs.last().map(JobCursor::after) } else { None };
        Ok(JobPage { items: jobs, next })
    }
}

#[async_trait]
impl DecisionStore for MemoryStore {
    async fn create(
        &self,
        decision: &AllocationDecision,
        job: &ProofJob,
    ) -> Result<(AllocationDecision, ProofJob), StoreError> {
        let mut tables = self.tables();
        if let Some(spent) = decision.approval()
            && tables.decisions.values().any(|d| d.approval() == Some(spent))
        {
            return Err(StoreError::AlreadyUsed(format!("approval nonce {:#x} of {}", spent.nonce, spent.signer)));
        }
        let stored = decision.clone().with_sequence(tables.decisions.len() as i64 + 1);
        tables.jobs.insert(job.id(), job.clone());
        tables.decisions.insert(stored.id(), stored.clone());
        Ok((stored, job.clone()))
    }

    async fn get(&self, id: DecisionId) -> Result<Option<AllocationDecision>, StoreError> {
        Ok(self.tables().decisions.get(&id).cloned())
    }

    async fn by_proof_job(&self, job: ProofJobId) -> Result<Option<AllocationDecision>, StoreError> {
        Ok(self.tables().decisions.values().find(|d| d.proof_job_id() == job).cloned())
    }

    async fn save(&self, decision: &AllocationDecision, expected: DecisionStatus) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let what = format!("decision {}", decision.id());
        let stored = tables.decisions.get_mut(&decision.id()).ok_or_else(|| StoreError::NotFound(what.clone()))?;
        if stored.status() != expected {
            return Err(conflict(what, stored.status(), expected));
        }
        *stored = decision.clone();
        Ok(())
    }

    async fn save_both(&self, decision: &AllocationDecision, job: &ProofJob, loaded: Loaded) -> Result<(), StoreError> {
        let mut tables = self.tables();
        let job_ok = tables.jobs.get(&job.id()).is_some_and(|j| j.status() == loaded.job);
        let decision_ok = tables.decisions.get(&decision.id()).is_some_and(|d| d.status() == loaded.decision);
        if !(job_ok && decision_ok) {
            return Err(StoreError::Conflict(format!("decision {} or its job moved", decision.id())));
        }
        tables.jobs.insert(job.id(), job.clone());
        tables.decisions.insert(decision.id(), decision.clone());
        Ok(())
    }

    async fn list_filtered(
        &self,
        filter: DecisionFilter,
        page: PageRequest,
    ) -> Result<Page<AllocationDecision>, StoreError> {
        let tables = self.tables();
        let prover =
            |d: &AllocationDecision| tables.jobs.get(&d.proof_job_id()).and_then(|j| j.artifact()).map(|a| a.prover);
        let mut all: Vec<_> = tables
            .decisions
            .values()
            .filter(|d| filter.admits(d.status(), d.created_at(), prover(d)))
            .cloned()
            .collect();
        drop(tables);
        all.sort_by_key(|d| std::cmp::Reverse(d.sequence()));
        all.retain(|d| page.before.is_none_or(|b| d.sequence().is_some_and(|s| s < b)));
        let more = all.len() > page.limit as usize;
        all.truncate(page.limit as usize);
        let next_cursor = if more { all.last().and_then(AllocationDecision::sequence) } else { None };
        Ok(Page { next_cursor, items: all })
    }

    async fn latest_executed(&self) -> Result<Option<AllocationDecision>, StoreError> {
        let tables = self.tables();
        let executed = tables.decisions.values().filter(|d| d.status() == DecisionStatus::Executed);
        Ok(executed.max_by_key(|d| d.sequence()).cloned())
    }
}

#[async_trait]
impl ModelStore for MemoryStore {
    async fn current(&self) -> Result<Option<RiskModel>, StoreError> {
        Ok(self.tables().models.iter().rev().find(|m| m.status() == crate::ModelStatus::Active).cloned())
    }

    async fn get(&self, version: ModelVersion) -> Result<Option<RiskModel>, StoreError> {
        Ok(self.tables().models.iter().find(|m| m.version() == version).cloned())
    }

    async fn history(&self, page: PageRequest) -> Result<Page<RiskModel>, StoreError> {
        let limit = page.limit.clamp(1, MAX_PAGE) as usize;
        let mut models: Vec<RiskModel> = self
            .tables()
            .models
            .iter()
            .rev()
            .filter(|m| page.before.is_none_or(|b| i64::from(m.version().get()) < b))
            .cloned()
            .collect();
        let more = models.len() > limit;
        models.truncate(limit);
        let next_cursor = if more { models.last().map(|m| i64::from(m.version().get())) } else { None };
        Ok(Page { items: models, next_cursor })
    }

    async fn register(&self, model: &RiskModel) -> Result<(), StoreError> {
        let mut tables = self.tables();
        if tables.models.iter().any(|m| m.version() == model.version()) {
            return Err(StoreError::Conflict(format!("model version {} is already registered", model.version())));
        }
        tables.models.iter_mut().for_each(RiskModel::supersede);
        tables.models.push(model.clone());
        Ok(())
    }
}

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn claim_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: RequestFingerprint,
        lifetimes: KeyLifetimes,
    ) -> Result<KeyClaim, StoreError> {
        let now = self.clock.now();
        let older_than =
            |at: DateTime<Utc>, age: Duration| chrono::Duration::from_std(age).is_ok_and(|age| at + age < now);
        let mut tables = self.tables();
        tables.keys.retain(|_, (_, _, at)| !older_than(*at, lifetimes.retained));
        let free = match tables.keys.get(key.as_str()) {
            None => true,
            Some((_, decision, at)) => decision.is_none() && older_than(*at, lifetimes.in_flight),
        };
        if free {
            tables.keys.insert(key.as_str().to_string(), (fingerprint, None, now));
            return Ok(KeyClaim::Claimed);
        }
        Ok(match tables.keys.get(key.as_str()) {
            Some((stored, _, _)) if *stored != fingerprint => KeyClaim::Mismatch,
            Some((_, Some(decision), _)) => KeyClaim::Completed(*decision),
            _ => KeyClaim::InProgress,
        })
    }

    async fn complete_key(&self, key: &IdempotencyKey, decision: DecisionId) -> Result<(), StoreError> {
        if let Some(slot) = self.tables().keys.get_mut(key.as_str()) {
            slot.1 = Some(decision);
        }
        Ok(())
    }

    async fn release_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        let mut tables = self.tables();
        if tables.keys.get(key.as_str()).is_some_and(|(_, decision, _)| decision.is_none()) {
            tables.keys.remove(key.as_str());
        }
        Ok(())
    }
}

#[async_trait]
impl Readiness for MemoryStore {
    async fn ready(&self, _timeout: Duration) -> Result<(), StoreError> {
        Ok(())
    }
}

#[async_trait]
impl ProverQueries for MemoryStore {
    async fn find(&self, prover: ProverKind, statement: &DecisionStatement) -> Result<Option<String>, StoreError> {
        Ok(self.tables().queries.get(&(prover, query_key(statement))).cloned())
    }

    async fn record(&self, prover: ProverKind, statement: &DecisionStatement, query: &str) -> Result<(), StoreError> {
        self.tables().queries.entry((prover, query_key(statement))).or_insert_with(|| query.to_string());
        Ok(())
    }

    async fn forget(&self, prover: ProverKind, statement: &DecisionStatement) -> Result<(), StoreError> {
        self.tables().queries.remove(&(prover, query_key(statement)));
        Ok(())
    }
}

#[async_trait]
impl MarketSamples for MemoryStore {
    async fn record_sample(&self, protocol: Protocol, sample: &PoolSample) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let recorded = tables.samples.entry(protocol).or_default();
        if recorded.contains_key(&sample.block_number) {
            return Ok(false);
        }
        recorded.insert(sample.block_number, sample.clone());
        Ok(true)
    }

    async fn latest_sample(&self, protocol: Protocol) -> Result<Option<PoolSample>, StoreError> {
        Ok(self.tables().samples.get(&protocol).and_then(|s| s.values().next_back().cloned()))
    }

    async fn samples_since(&self, protocol: Protocol, since: u64) -> Result<Vec<PoolSample>, StoreError> {
        let tables = self.tables();
        let recorded = tables.samples.get(&protocol).into_iter().flat_map(|s| s.values());
        Ok(recorded.filter(|s| s.timestamp >= since).cloned().collect())
    }

    async fn record_readings(&self, readings: &ProtocolReadings) -> Result<(), StoreError> {
        let first = readings.samples.first().map_or(0, |s| s.block_number);
        let entry = (readings.protocol, first, readings.block_number(), readings.terms.clone(), readings.policy);
        self.tables().readings.entry(readings.hash()).or_insert(entry);
        Ok(())
    }

    async fn readings(&self, hash: ReadingsHash) -> Result<Option<ProtocolReadings>, StoreError> {
        let tables = self.tables();
        Ok(tables.readings.get(&hash).map(|(protocol, first, last, terms, policy)| {
            let recorded = tables.samples.get(protocol).into_iter().flat_map(|s| s.range(first..=last));
            let samples = recorded.map(|(_, sample)| sample.clone()).collect();
            ProtocolReadings { protocol: *protocol, terms: terms.clone(), policy: *policy, samples }
        }))
    }

    async fn snapshot(&self, hash: SnapshotHash) -> Result<Option<MarketReadings>, StoreError> {
        let named = self.tables().decisions.values().find(|d| d.statement().provenance.snapshot_hash == hash).cloned();
        let Some(decision) = named else { return Ok(None) };
        let origins = decision.metrics_origins();
        let readings = |origin: MetricsOrigin| async move {
            match origin.readings() {
                Some(hash) => self.readings(hash).await,
                None => Ok(None),
            }
        };
        Ok(Some(MarketReadings { jediswap: readings(origins.jediswap).await?, ekubo: readings(origins.ekubo).await? }))
    }
}

#[async_trait]
impl Leadership for MemoryStore {
    async fn try_lead(&self, task: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let until = now.checked_add_signed(ttl).unwrap_or(DateTime::<Utc>::MAX_UTC);
        let mut tables = self.tables();
        match tables.task_leases.get(task) {
            Some((other, expires)) if other != holder && *expires > now => Ok(false),
            _ => {
                tables.task_leases.insert(task.to_string(), (holder.to_string(), until));
                Ok(true)
            }
        }
    }
}

#[cfg(test)]
mod contract {
    use std::sync::Arc;

    use super::MemoryStore;
    use crate::testing::ManualClock;
    use crate::testing::store_contract::Rig;

    /// A memory store on a clock the rules move by hand.
    async fn rig() -> Rig<MemoryStore> {
        let clock = Arc::new(ManualClock::default());
        Rig { store: Arc::new(MemoryStore::new(clock.clone())), time: clock }
    }

    crate::store_contract_tests!(rig());
}
