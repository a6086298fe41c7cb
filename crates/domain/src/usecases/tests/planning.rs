//! Planning a decision and registering models.

use std::sync::Arc;

use super::support::*;
use crate::bps::Apy;
use crate::felt::{Felt, ProgramHash};
use crate::metrics::Protocol;
use crate::params::{ModelParams, ModelVersion};
use crate::ports::{
    Clock, DecisionStore, MetricsError, MockAllocationExecutor, MockMetricsSource, ModelApproval, ModelStore,
    PageRequest, ProofJobStore, ProtocolReading, StoreError,
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

pub(super) async fn store_with_model() -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new(Arc::new(ManualClock::default())));
    ModelStore::register(store.as_ref(), &model()).await.unwrap();
    store
}

pub(super) fn orchestrate(
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
        due: std::sync::Arc::new(crate::ports::PollOnly),
    };
    let lifetimes = crate::ports::KeyLifetimes {
        in_flight: std::time::Duration::from_secs(120),
        retained: std::time::Duration::from_secs(86_400),
    };
    OrchestrateAllocation::new(
        ports,
        policy(),
        ApprovalRules { approvers, max_age_secs: 300, domain: domain() },
        lifetimes,
    )
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
    assert_eq!(job.provers(), [ProverKind::Stone, ProverKind::Luminair]);
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
    source.expect_reading().withf(|p| *p == Protocol::Ekubo).returning(|_| {
        Ok(ProtocolReading {
            metrics: metrics(8200, 6100, 2, 72, 120),
            apy: Apy::new(1210).unwrap(),
            origin: crate::market::MetricsOrigin::Source,
        })
    });
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
    let v2 = register.register(params, None, None, "admin").await.unwrap().model;
    assert_eq!(v2.version(), ModelVersion::new(2).unwrap());
    assert_ne!(v2.model_hash(), model().model_hash());
    let after = orchestrate(&store, None).plan(&request()).await.unwrap();
    assert_eq!(after.statement().model_hash, v2.model_hash());
    assert_eq!(after.model_version(), v2.version());
    let kept = DecisionStore::get(store.as_ref(), before.id()).await.unwrap().unwrap();
    assert_eq!(kept.statement().model_hash, model().model_hash(), "earlier decisions keep their model");

    let stale = register.register(params, None, Some(ModelVersion::V1), "admin").await;
    assert!(matches!(stale, Err(RegisterModelError::Store(StoreError::Conflict(_)))));
    let elsewhere = register.register(params, Some(ProgramHash::new(Felt::ONE)), None, "admin").await;
    assert!(matches!(elsewhere, Err(RegisterModelError::Invalid(ref e)) if e.field == "program_hash"), "{elsewhere:?}");
    let existing = register.ensure_default().await.unwrap();
    assert_eq!(existing.version(), v2.version(), "ensure_default keeps an existing model");
}

#[tokio::test]
async fn a_new_model_the_mocked_gate_cannot_approve_is_registered_and_awaits_the_owner() {
    let store = store_with_model().await;
    let mut gate = MockAllocationExecutor::new();
    gate.expect_approve_model().times(1).returning(|hash| {
        Ok(ModelApproval::Missing { owner_call: format!("its owner must call approve_model({hash})") })
    });
    let register =
        ModelRegistry::new(store.clone(), Arc::new(ManualClock::default()), ProgramHash::new(Felt::from(42u8)))
            .approving_on(Some(Arc::new(gate)));
    let mut raw = *ModelParams::v1().values();
    raw.w_audit = 4;
    let registered = register.register(ModelParams::new(raw).unwrap(), None, None, "admin").await.unwrap();
    let said = registered.on_chain.unwrap();
    let expected = format!(
        "registered; awaiting the owner's approval on chain: its owner must call approve_model({})",
        registered.model.model_hash()
    );
    assert_eq!(said, expected);
    assert_eq!(register.current().await.unwrap().version(), registered.model.version(), "registered all the same");
}

mod approvals {
    use super::*;
    use crate::approval::{ApprovalError, Approver, GovernanceApproval};
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

    /// The digest of `lopsided()`, as the approver computes it from the request and the active model.
    async fn lopsided_digest(store: &Arc<MemoryStore>) -> Felt {
        let planner = StatementPlanner::new(store.clone(), None, apys());
        planner.compute(&lopsided()).await.unwrap().statement.request_digest()
    }

    fn unsigned(max_single: u32, max_volatility: u32, min_liquidity: u8, timestamp: u64) -> GovernanceApproval {
        GovernanceApproval {
            signer: approver().address,
            max_single: Bps::new(max_single).unwrap(),
            min_diversification: 1,
            max_volatility: Bps::new(max_volatility).unwrap(),
            min_liquidity: LiquidityTier::new(min_liquidity).unwrap(),
            signature_r: Felt::ZERO,
            signature_s: Felt::ZERO,
            timestamp,
            nonce: Felt::from(timestamp),
        }
    }

    /// `approval` signed by the test approver for `domain` and the request with `digest`.
    fn sign(mut approval: GovernanceApproval, domain: &crate::ApprovalDomain, digest: Felt) -> GovernanceApproval {
        let hash = approval.message_hash(domain, digest);
        let signature = starknet_crypto::sign(&Felt::from(PRIVATE_KEY), &hash, &Felt::from(99u8)).unwrap();
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
        let digest = lopsided_digest(&store).await;
        let signed = |ms, vol, liq, ts| sign(unsigned(ms, vol, liq, ts), &domain(), digest);
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
        let digest = lopsided_digest(&store).await;
        let signed = |ms, vol, liq, ts| sign(unsigned(ms, vol, liq, ts), &domain(), digest);
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

    #[tokio::test]
    async fn an_approval_is_spent_by_its_first_decision() {
        let store = store_with_model().await;
        let orchestrate = orchestrate_with_approvers(&store, None, vec![approver()]);
        let approval = sign(unsigned(10_000, 7000, 2, now()), &domain(), lopsided_digest(&store).await);
        let request = AllocationRequest { approval: Some(approval.clone()), ..lopsided() };
        let first = orchestrate.plan(&request).await.unwrap();
        assert_eq!(first.approval(), Some(approval.spends()));
        let error = orchestrate.plan(&request).await.unwrap_err();
        assert!(matches!(error, OrchestrateError::Approval(ApprovalError::Replayed(_))), "{error}");
        assert!(error.to_string().contains("already used"), "{error}");
        let page = DecisionStore::list(store.as_ref(), PageRequest { limit: 10, before: None }).await.unwrap();
        assert_eq!(page.items.len(), 1, "the replay stored nothing");
        // A fresh nonce for the same request is a new approval.
        let mut fresh = unsigned(10_000, 7000, 2, now());
        fresh.nonce = Felt::from(424242u32);
        let fresh = sign(fresh, &domain(), lopsided_digest(&store).await);
        assert!(orchestrate.plan(&AllocationRequest { approval: Some(fresh), ..lopsided() }).await.is_ok());
    }

    #[tokio::test]
    async fn an_approval_for_another_deployment_chain_or_request_is_refused() {
        let store = store_with_model().await;
        let orchestrate = orchestrate_with_approvers(&store, None, vec![approver()]);
        let digest = lopsided_digest(&store).await;
        let staging = crate::ApprovalDomain {
            deployment: crate::short_string("deployment", "starkrisk-staging").unwrap(),
            ..domain()
        };
        let mainnet =
            crate::ApprovalDomain { chain_id: crate::short_string("chain_id", "SN_MAIN").unwrap(), ..domain() };
        let mut other_request = lopsided();
        other_request.ekubo_apy = Some(crate::Apy::new(1300).unwrap());
        let other_digest = StatementPlanner::new(store.clone(), None, apys())
            .compute(&other_request)
            .await
            .unwrap()
            .statement
            .request_digest();
        for (approval, what) in [
            (sign(unsigned(10_000, 7000, 2, now()), &staging, digest), "another deployment"),
            (sign(unsigned(10_000, 7000, 2, now()), &mainnet, digest), "another chain"),
            (sign(unsigned(10_000, 7000, 2, now()), &domain(), other_digest), "another request"),
        ] {
            let error = orchestrate.plan(&AllocationRequest { approval: Some(approval), ..lopsided() }).await;
            assert!(
                matches!(error, Err(OrchestrateError::Approval(ApprovalError::BadSignature(_)))),
                "an approval for {what} must not verify here: {error:?}"
            );
        }
    }
}
