//! Planning a decision and registering models.

use std::sync::Arc;

use super::support::*;
use crate::bps::Apy;
use crate::felt::{Felt, ProgramHash};
use crate::metrics::Protocol;
use crate::params::{ModelParams, ModelVersion};
use crate::ports::{
    DecisionStore, MetricsError, MockMetricsSource, ModelStore, PageRequest, ProtocolReading, StoreError,
};
use crate::proof::ProverKind;
use crate::usecases::*;

fn apys() -> DefaultApys {
    DefaultApys { jediswap: Apy::new(850).unwrap(), ekubo: Apy::new(1210).unwrap() }
}

fn request() -> AllocationRequest {
    AllocationRequest {
        jediswap: Some(metrics(6500, 3500, 1, 98, 800)),
        ekubo: Some(metrics(8200, 6100, 2, 72, 120)),
        ..AllocationRequest::default()
    }
}

async fn store_with_model() -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::default());
    ModelStore::register(store.as_ref(), &model()).await.unwrap();
    store
}

fn orchestrate(
    store: &Arc<MemoryStore>,
    source: Option<Arc<dyn crate::ports::MetricsSource>>,
) -> OrchestrateAllocation {
    OrchestrateAllocation::new(store.clone(), store.clone(), source, apys(), PipelinePolicy::default())
}

#[tokio::test]
async fn plan_stores_a_pending_decision_with_its_queued_job() {
    let store = store_with_model().await;
    let mut req = request();
    req.preferred_prover = Some(ProverKind::Stone);
    let planned = orchestrate(&store, None).plan(&req).await.unwrap();
    assert_eq!(planned.decision.statement, statement());
    assert_eq!(planned.decision.statement.allocation.jediswap().get(), 5972);
    assert_eq!(planned.job.provers, vec![ProverKind::Stone, ProverKind::Luminair]);
    assert_eq!(planned.job.decision_id, Some(planned.decision.id));
    assert_eq!(planned.decision.sequence, Some(1));
    let page = DecisionStore::list(store.as_ref(), PageRequest { limit: 10, before: None }).await.unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn governance_refuses_before_anything_is_stored() {
    let store = store_with_model().await;
    let mut req = request();
    // Very safe JediSwap, very risky Ekubo: the split breaks the 80 % cap.
    req.jediswap = Some(metrics(0, 0, 0, 100, 5000));
    req.ekubo = Some(metrics(10000, 10000, 3, 0, 0));
    let error = orchestrate(&store, None).plan(&req).await.unwrap_err();
    assert!(matches!(error, OrchestrateError::Governance(_)), "{error}");
    assert!(store.decisions.lock().unwrap().is_empty());
    assert!(store.jobs.lock().unwrap().is_empty());
}

#[tokio::test]
async fn without_a_model_nothing_is_planned() {
    let store = Arc::new(MemoryStore::default());
    let error = orchestrate(&store, None).plan(&request()).await.unwrap_err();
    assert!(matches!(error, OrchestrateError::NoActiveModel));
}

#[tokio::test]
async fn missing_metrics_come_from_the_source_or_name_the_field() {
    let store = store_with_model().await;
    let mut req = request();
    req.ekubo = None;
    let error = orchestrate(&store, None).plan(&req).await.unwrap_err();
    assert!(matches!(&error, OrchestrateError::Invalid(e) if e.field == "ekubo_metrics"), "{error}");

    let mut source = MockMetricsSource::new();
    source
        .expect_reading()
        .withf(|p| *p == Protocol::Ekubo)
        .returning(|_| Ok(ProtocolReading { metrics: metrics(8200, 6100, 2, 72, 120), apy: Apy::new(1210).unwrap() }));
    let planned = orchestrate(&store, Some(Arc::new(source))).plan(&req).await.unwrap();
    assert_eq!(planned.decision.statement, statement());

    let mut failing = MockMetricsSource::new();
    failing.expect_reading().returning(|_| Err(MetricsError::Unavailable("rpc down".into())));
    let error = orchestrate(&store, Some(Arc::new(failing))).plan(&req).await.unwrap_err();
    assert!(matches!(error, OrchestrateError::Metrics(_)));
}

#[tokio::test]
async fn registering_a_model_supersedes_the_current_one_for_later_decisions() {
    let store = store_with_model().await;
    let register = RegisterModel::new(store.clone());
    let mut raw = *ModelParams::v1().values();
    raw.w_volatility = 60;
    let params = ModelParams::new(raw).unwrap();
    let before = orchestrate(&store, None).plan(&request()).await.unwrap();
    let v2 = register.register(params, ProgramHash::new(Felt::from(42u8)), None, "admin").await.unwrap();
    assert_eq!(v2.version, ModelVersion::new(2).unwrap());
    assert_ne!(v2.model_hash, model().model_hash);
    let after = orchestrate(&store, None).plan(&request()).await.unwrap();
    assert_eq!(after.decision.statement.model_hash, v2.model_hash);
    assert_eq!(after.decision.model_version, v2.version);
    let kept = DecisionStore::get(store.as_ref(), before.decision.id).await.unwrap().unwrap();
    assert_eq!(kept.statement.model_hash, model().model_hash, "earlier decisions keep their model");

    let stale = register.register(params, ProgramHash::new(Felt::ONE), Some(ModelVersion::V1), "admin").await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))));
    let existing = register.ensure_default(ProgramHash::new(Felt::ONE)).await.unwrap();
    assert_eq!(existing.version, v2.version, "ensure_default keeps an existing model");
}
