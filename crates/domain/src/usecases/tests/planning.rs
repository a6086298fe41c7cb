//! Planning a decision and registering models.

use std::sync::Arc;

use super::support::*;
use crate::bps::Apy;
use crate::felt::{Felt, ProgramHash};
use crate::metrics::Protocol;
use crate::params::{ModelParams, ModelVersion};
use crate::ports::{
    Clock, DecisionStore, MetricsError, MockMetricsSource, ModelStore, PageRequest, ProofJobStore, ProtocolReading,
    StoreError,
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
    let store = Arc::new(MemoryStore::new(Arc::new(ManualClock::default())));
    ModelStore::register(store.as_ref(), &model()).await.unwrap();
    store
}

fn orchestrate(
    store: &Arc<MemoryStore>,
    source: Option<Arc<dyn crate::ports::MetricsSource>>,
) -> OrchestrateAllocation {
    orchestrate_with_approvers(store, source, Vec::new())
}

fn orchestrate_with_approvers(
    store: &Arc<MemoryStore>,
    source: Option<Arc<dyn crate::ports::MetricsSource>>,
    approvers: Vec<crate::Approver>,
) -> OrchestrateAllocation {
    let clock: Arc<ManualClock> = Arc::new(ManualClock::default());
    let queries = DecisionQueries::new(store.clone(), store.clone(), clock.clone(), std::time::Duration::from_secs(1));
    let ports = OrchestratePorts {
        planner: StatementPlanner::new(store.clone(), source, apys()),
        decisions: store.clone(),
        keys: store.clone(),
        queries,
        clock,
    };
    OrchestrateAllocation::new(ports, policy(), approvers, 300)
}

#[tokio::test]
async fn plan_stores_a_pending_decision_with_its_queued_job() {
    let store = store_with_model().await;
    let mut req = request();
    req.preferred_prover = Some(ProverKind::Stone);
    let decision = orchestrate(&store, None).plan(&req).await.unwrap();
    let job = ProofJobStore::get(store.as_ref(), decision.proof_job_id()).await.unwrap().unwrap();
    assert_eq!(*decision.statement(), statement());
    assert_eq!(decision.statement().allocation.jediswap().get(), 5972);
    assert_eq!(job.provers(), [ProverKind::Stone, ProverKind::Stwo]);
    assert_eq!(job.decision_id(), Some(decision.id()));
    assert_eq!(decision.sequence(), Some(1));
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
    let page = DecisionStore::list(store.as_ref(), PageRequest { limit: 10, before: None }).await.unwrap();
    assert!(page.items.is_empty());
    assert!(store.jobs().is_empty());
}

#[tokio::test]
async fn without_a_model_nothing_is_planned() {
    let store = Arc::new(MemoryStore::new(Arc::new(ManualClock::default())));
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
    assert_eq!(*planned.statement(), statement());

    let mut failing = MockMetricsSource::new();
    failing.expect_reading().returning(|_| Err(MetricsError::Unavailable("rpc down".into())));
    let error = orchestrate(&store, Some(Arc::new(failing))).plan(&req).await.unwrap_err();
    assert!(matches!(error, OrchestrateError::Metrics(_)));
}

#[tokio::test]
async fn registering_a_model_supersedes_the_current_one_for_later_decisions() {
    let store = store_with_model().await;
    let register =
        ModelRegistry::new(store.clone(), Arc::new(ManualClock::default()), ProgramHash::new(Felt::from(42u8)));
    let mut raw = *ModelParams::v1().values();
    raw.w_volatility = 60;
    let params = ModelParams::new(raw).unwrap();
    let before = orchestrate(&store, None).plan(&request()).await.unwrap();
    let v2 = register.register(params, None, None, "admin").await.unwrap();
    assert_eq!(v2.version(), ModelVersion::new(2).unwrap());
    assert_ne!(v2.model_hash(), model().model_hash());
    let after = orchestrate(&store, None).plan(&request()).await.unwrap();
    assert_eq!(after.statement().model_hash, v2.model_hash());
    assert_eq!(after.model_version(), v2.version());
    let kept = DecisionStore::get(store.as_ref(), before.id()).await.unwrap().unwrap();
    assert_eq!(kept.statement().model_hash, model().model_hash(), "earlier decisions keep their model");

    let stale = register.register(params, Some(ProgramHash::new(Felt::ONE)), Some(ModelVersion::V1), "admin").await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))));
    let existing = register.ensure_default().await.unwrap();
    assert_eq!(existing.version(), v2.version(), "ensure_default keeps an existing model");
}

mod approvals {
    use super::*;
    use crate::approval::{Approver, GovernanceApproval};
    use crate::felt::ContractAddress;
    use crate::metrics::LiquidityTier;
    use crate::{Bps, Felt};

    const PRIVATE_KEY: u64 = 0x1234_5678_9abc;

    fn approver() -> Approver {
        Approver {
            address: ContractAddress::new(Felt::from(0xabcu16)),
            public_key: starknet_crypto::get_public_key(&Felt::from(PRIVATE_KEY)),
        }
    }

    fn signed(max_single: u32, max_volatility: u32, min_liquidity: u8, timestamp: u64) -> GovernanceApproval {
        let mut approval = GovernanceApproval {
            signer: approver().address,
            max_single: Bps::new(max_single).unwrap(),
            min_diversification: 1,
            max_volatility: Bps::new(max_volatility).unwrap(),
            min_liquidity: LiquidityTier::new(min_liquidity).unwrap(),
            signature_r: Felt::ZERO,
            signature_s: Felt::ZERO,
            timestamp,
        };
        let signature =
            starknet_crypto::sign(&Felt::from(PRIVATE_KEY), &approval.message_hash(), &Felt::from(99u8)).unwrap();
        approval.signature_r = signature.r;
        approval.signature_s = signature.s;
        approval
    }

    /// The test clock's time, when the approvals are checked.
    fn now() -> u64 {
        ManualClock::default().unix_seconds()
    }

    fn lopsided() -> AllocationRequest {
        AllocationRequest {
            jediswap: Some(metrics(0, 0, 0, 100, 5000)),
            ekubo: Some(metrics(10000, 6000, 2, 0, 0)),
            ..AllocationRequest::default()
        }
    }

    #[tokio::test]
    async fn a_valid_approval_replaces_the_configured_limits() {
        let store = store_with_model().await;
        let orchestrate = orchestrate_with_approvers(&store, None, vec![approver()]);
        assert!(
            matches!(orchestrate.plan(&lopsided()).await, Err(OrchestrateError::Governance(_))),
            "refused by default"
        );
        let mut request = lopsided();
        request.approval = Some(signed(10_000, 7000, 2, now()));
        let planned = orchestrate.plan(&request).await.unwrap();
        assert!(planned.statement().allocation.jediswap().get() > 8000);
    }

    #[tokio::test]
    async fn forged_stale_unknown_and_violated_approvals_are_refused() {
        let store = store_with_model().await;
        let orchestrate = orchestrate_with_approvers(&store, None, vec![approver()]);
        let mut forged = signed(10_000, 7000, 2, now());
        forged.max_single = Bps::new(9999).unwrap();
        let stale = signed(10_000, 7000, 2, now() - 301);
        let mut unknown = signed(10_000, 7000, 2, now());
        unknown.signer = ContractAddress::new(Felt::from(1u8));
        let too_volatile = signed(10_000, 5000, 2, now());
        let too_illiquid = signed(10_000, 7000, 1, now());
        let future = signed(10_000, 7000, 2, now() + 60);
        for (approval, expected) in [
            (forged, "does not verify"),
            (stale, "old"),
            (unknown, "not a configured governance approver"),
            (too_volatile, "volatility"),
            (too_illiquid, "liquidity tier"),
            (future, "never from the future"),
        ] {
            let mut request = lopsided();
            request.approval = Some(approval);
            let error = orchestrate.plan(&request).await.unwrap_err();
            assert!(matches!(error, OrchestrateError::Approval(_)), "{error}");
            assert!(error.to_string().contains(expected), "{error} should say {expected}");
        }
        let page = DecisionStore::list(store.as_ref(), PageRequest { limit: 10, before: None }).await.unwrap();
        assert!(page.items.is_empty(), "nothing was stored");
    }
}
