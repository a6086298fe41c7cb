//! Caches in front of slow ports: metrics and APYs for a while (they move slowly and every orchestration
//! reads them), FactRegistry answers that can no longer change, and rendered decision pages (emptied when a
//! decision is created).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use starkrisk_domain::Protocol;
use starkrisk_domain::ports::{
    ChainError, Clock, DecisionFilter, DecisionStore, FactRegistry, Loaded, MetricsError, MetricsSource, Page,
    PageRequest, ProtocolReading, RegistrationJournal, StoreError,
};
use starkrisk_domain::{
    AllocationDecision, DecisionId, DecisionStatus, FactHash, FactPolicy, FactRegistration, FactVerification,
    ProofArtifact, ProofJob, ProofJobId, ProofSystem, VerifiedClaim,
};
use tokio::sync::Mutex;

use crate::http::page_cache::PageCache;

/// Keeps each protocol's reading for `ttl`; concurrent callers during a refresh wait for the one read.
pub struct CachedMetrics {
    inner: Arc<dyn MetricsSource>,
    ttl: Duration,
    clock: Arc<dyn Clock>,
    readings: Mutex<HashMap<Protocol, (DateTime<Utc>, ProtocolReading)>>,
}

impl CachedMetrics {
    /// Caches `inner` for `ttl` as `clock` tells it.
    pub fn new(inner: Arc<dyn MetricsSource>, ttl: Duration, clock: Arc<dyn Clock>) -> Self {
        Self { inner, ttl, clock, readings: Mutex::new(HashMap::new()) }
    }
}

#[async_trait]
impl MetricsSource for CachedMetrics {
    async fn reading(&self, protocol: Protocol) -> Result<ProtocolReading, MetricsError> {
        // Held across the read on purpose: one refresh at a time instead of a stampede on the source.
        let mut readings = self.readings.lock().await;
        if let Some((at, reading)) = readings.get(&protocol)
            && self.clock.since(*at) < self.ttl
        {
            return Ok(*reading);
        }
        let reading = self.inner.reading(protocol).await?;
        readings.insert(protocol, (self.clock.now(), reading));
        Ok(reading)
    }
}

/// Remembers a fact's verifications once they satisfy the policy: a registered verification is never
/// removed from the FactRegistry, so an accepted fact stays accepted. Other answers are read every time.
pub struct CachedFacts {
    inner: Arc<dyn FactRegistry>,
    policy: FactPolicy,
    accepted: std::sync::Mutex<HashMap<FactHash, Vec<FactVerification>>>,
}

impl CachedFacts {
    /// Caches `inner`'s accepted facts under `policy`.
    pub fn new(inner: Arc<dyn FactRegistry>, policy: FactPolicy) -> Self {
        Self { inner, policy, accepted: std::sync::Mutex::new(HashMap::new()) }
    }
}

#[async_trait]
impl FactRegistry for CachedFacts {
    fn registers(&self, system: ProofSystem) -> bool {
        self.inner.registers(system)
    }

    async fn register(
        &self,
        artifact: &ProofArtifact,
        claim: &VerifiedClaim,
        journal: &(dyn RegistrationJournal + 'static),
    ) -> Result<FactRegistration, ChainError> {
        self.inner.register(artifact, claim, journal).await
    }

    async fn verifications(&self, fact: FactHash) -> Result<Vec<FactVerification>, ChainError> {
        // A poisoned lock holds only a map of copies; it is still consistent.
        if let Some(list) = self.accepted.lock().unwrap_or_else(|p| p.into_inner()).get(&fact) {
            return Ok(list.clone());
        }
        let list = self.inner.verifications(fact).await?;
        if self.policy.accepting(fact, &list).is_some() {
            self.accepted.lock().unwrap_or_else(|p| p.into_inner()).insert(fact, list.clone());
        }
        Ok(list)
    }
}

/// Decisions, with the cache of rendered `GET /decisions` pages emptied whenever a decision is created,
/// so a client that just orchestrated sees its decision listed.
pub struct FreshPages {
    inner: Arc<dyn DecisionStore>,
    pages: Arc<PageCache>,
}

impl FreshPages {
    /// Wraps `inner`, emptying `pages` on every create.
    pub fn new(inner: Arc<dyn DecisionStore>, pages: Arc<PageCache>) -> Self {
        Self { inner, pages }
    }
}

#[async_trait]
impl DecisionStore for FreshPages {
    async fn create(
        &self,
        decision: &AllocationDecision,
        job: &ProofJob,
    ) -> Result<(AllocationDecision, ProofJob), StoreError> {
        let created = self.inner.create(decision, job).await?;
        self.pages.clear();
        Ok(created)
    }

    async fn get(&self, id: DecisionId) -> Result<Option<AllocationDecision>, StoreError> {
        self.inner.get(id).await
    }

    async fn by_proof_job(&self, job: ProofJobId) -> Result<Option<AllocationDecision>, StoreError> {
        self.inner.by_proof_job(job).await
    }

    async fn save(&self, decision: &AllocationDecision, expected: DecisionStatus) -> Result<(), StoreError> {
        self.inner.save(decision, expected).await
    }

    async fn save_both(&self, decision: &AllocationDecision, job: &ProofJob, loaded: Loaded) -> Result<(), StoreError> {
        self.inner.save_both(decision, job, loaded).await
    }

    async fn list_filtered(
        &self,
        filter: DecisionFilter,
        page: PageRequest,
    ) -> Result<Page<AllocationDecision>, StoreError> {
        self.inner.list_filtered(filter, page).await
    }

    async fn latest_executed(&self) -> Result<Option<AllocationDecision>, StoreError> {
        self.inner.latest_executed().await
    }
}
