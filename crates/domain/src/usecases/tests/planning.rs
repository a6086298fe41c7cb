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

    fn now() -> u64 {
        u64::try_from(chrono::Utc::now().timestamp()).unwrap()
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
        let orchestrate = orchestrate(&store, None).with_approvers(vec![approver()], 300);
        assert!(
            matches!(orchestrate.plan(&lopsided()).await, Err(OrchestrateError::Governance(_))),
            "refused by default"
        );
        let mut request = lopsided();
        request.approval = Some(signed(10_000, 7000, 2, now()));
        let planned = orchestrate.plan(&request).await.unwrap();
        assert!(planned.decision.statement.allocation.jediswap().get() > 8000);
    }

    #[tokio::test]
    async fn forged_stale_unknown_and_violated_approvals_are_refused() {
        let store = store_with_model().await;
        let orchestrate = orchestrate(&store, None).with_approvers(vec![approver()], 300);
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
        assert!(store.decisions.lock().unwrap().is_empty(), "nothing was stored");
    }
}
