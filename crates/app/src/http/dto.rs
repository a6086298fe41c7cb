//! Request and response bodies. Field names follow the replaced system's clients (docs/api.md) and never change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use starkrisk_domain::*;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::error::ApiError;

/// Metrics of one protocol (`RiskMetrics`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskMetrics {
    /// Utilization in bps, 0..=10000.
    #[schema(minimum = 0, maximum = 10000)]
    pub utilization: u64,
    /// Volatility in bps, 0..=10000.
    #[schema(minimum = 0, maximum = 10000)]
    pub volatility: u64,
    /// Liquidity tier, 0 (high) ..= 3 (very low).
    #[schema(minimum = 0, maximum = 3)]
    pub liquidity: u64,
    /// Audit score, 0..=100.
    #[schema(minimum = 0, maximum = 100)]
    pub audit_score: u64,
    /// Age in days, 0..=1000000.
    #[schema(minimum = 0, maximum = 1000000)]
    pub age_days: u64,
}

impl RiskMetrics {
    /// Validated domain metrics; errors name `parent.field` (just `field` when `parent` is empty).
    pub fn validate(self, parent: &str) -> Result<ProtocolMetrics, ApiError> {
        let raw = RawMetrics {
            utilization: self.utilization,
            volatility: self.volatility,
            liquidity: self.liquidity,
            audit_score: self.audit_score,
            age_days: self.age_days,
        };
        Ok(ProtocolMetrics::new(raw).map_err(|e| if parent.is_empty() { e } else { e.within(parent) })?)
    }

    /// The client form of domain metrics.
    pub fn from_domain(m: &ProtocolMetrics) -> Self {
        let [utilization, volatility, liquidity, audit_score, age_days] = m.to_array();
        Self { utilization, volatility, liquidity, audit_score, age_days }
    }
}

/// Where the metrics come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MetricsOrigin {
    /// The request body.
    Request,
    /// Read from the chain by the configured metrics source.
    Chain,
}

/// `POST /risk-engine/orchestrate-allocation` and `POST /proofs/generate`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrchestrateRequest {
    /// JediSwap's metrics; when left out, read from the chain (where `[markets]` is configured).
    pub jediswap_metrics: Option<RiskMetrics>,
    /// Ekubo's metrics; when left out, read from the chain (where `[markets]` is configured).
    pub ekubo_metrics: Option<RiskMetrics>,
    /// `request` (the metrics must be in the body) or `chain` (they must not be); when absent, the
    /// metrics given are used and those left out are read from the chain.
    pub source: Option<MetricsOrigin>,
    /// JediSwap's APY in bps, 0..=1000000; the configured or chain value when absent.
    #[schema(minimum = 0, maximum = 1000000)]
    pub jediswap_apy: Option<u32>,
    /// Ekubo's APY in bps, 0..=1000000; the configured or chain value when absent.
    #[schema(minimum = 0, maximum = 1000000)]
    pub ekubo_apy: Option<u32>,
    /// A prover to try first (`luminair`, `stone`, `atlantic`).
    #[schema(value_type = Option<String>)]
    pub preferred_prover: Option<ProverKind>,
    /// Operator-signed governance limits replacing the configured ones for this request.
    pub constraint_signature: Option<ConstraintSignature>,
}

/// An approval of governance limits for exactly one request, signed by a configured approver: Starknet
/// ECDSA over Poseidon(tag `starkrisk.approval.v2`, chain id, deployment id, signer, max_single,
/// min_diversification, max_volatility, min_liquidity, timestamp, nonce, request digest); the request
/// digest is Poseidon over the statement's inputs (docs/api.md, "Signing an approval"). A nonce is spent by
/// the first decision it authorises.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConstraintSignature {
    /// The approver's account address (0x felt).
    pub signer: String,
    /// No protocol above this share, bps (5000..=10000).
    #[schema(minimum = 5000, maximum = 10000)]
    pub max_single: u32,
    /// Protocols that must get 10 % or more (0..=2).
    #[schema(maximum = 2)]
    pub min_diversification: u8,
    /// No protocol more volatile than this, bps (0..=10000).
    #[schema(maximum = 10000)]
    pub max_volatility: u32,
    /// The least liquid tier accepted, 0 (high) ..= 3 (very low).
    #[schema(maximum = 3)]
    pub min_liquidity: u8,
    /// Signature r (0x felt).
    pub signature_r: String,
    /// Signature s (0x felt).
    pub signature_s: String,
    /// When it was signed, unix seconds.
    pub timestamp: u64,
    /// Chosen by the signer (0x felt), accepted once per signer.
    pub nonce: String,
}

impl ConstraintSignature {
    /// The domain approval, with every field checked and named.
    pub fn validate(&self) -> Result<GovernanceApproval, ApiError> {
        let field = |name: &str| format!("constraint_signature.{name}");
        let felt = |name: &str, text: &str| starkrisk_domain::parse_felt(&field(name), text);
        Ok(GovernanceApproval {
            signer: ContractAddress::new(felt("signer", &self.signer)?),
            max_single: Bps::for_field(&field("max_single"), self.max_single)?,
            min_diversification: self.min_diversification,
            max_volatility: Bps::for_field(&field("max_volatility"), self.max_volatility)?,
            min_liquidity: starkrisk_domain::LiquidityTier::new(self.min_liquidity)
                .map_err(|e| ValidationError::new(field("min_liquidity"), e.reason))?,
            signature_r: felt("signature_r", &self.signature_r)?,
            signature_s: felt("signature_s", &self.signature_s)?,
            timestamp: self.timestamp,
            nonce: felt("nonce", &self.nonce)?,
        })
    }
}

impl OrchestrateRequest {
    /// The domain request, validated with field names.
    pub fn validate(&self) -> Result<usecases::AllocationRequest, ApiError> {
        let metrics = |m: Option<RiskMetrics>, field: &str| -> Result<Option<ProtocolMetrics>, ApiError> {
            match (self.source, m) {
                (Some(MetricsOrigin::Chain), Some(_)) => Err(ApiError::invalid(
                    field,
                    "leave the metrics out when source is chain, or set source to request",
                )),
                (Some(MetricsOrigin::Chain) | None, None) => Ok(None),
                (Some(MetricsOrigin::Request) | None, Some(m)) => m.validate(field).map(Some),
                (Some(MetricsOrigin::Request), None) => {
                    Err(ApiError::invalid(field, "is required (or set source to chain)"))
                }
            }
        };
        Ok(usecases::AllocationRequest {
            jediswap: metrics(self.jediswap_metrics, "jediswap_metrics")?,
            ekubo: metrics(self.ekubo_metrics, "ekubo_metrics")?,
            jediswap_apy: self.jediswap_apy.map(|a| Apy::for_field("jediswap_apy", a)).transpose()?,
            ekubo_apy: self.ekubo_apy.map(|a| Apy::for_field("ekubo_apy", a)).transpose()?,
            preferred_prover: self.preferred_prover,
            approval: self.constraint_signature.as_ref().map(ConstraintSignature::validate).transpose()?,
        })
    }
}

/// A decision as clients read it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DecisionView {
    /// Its id.
    pub decision_id: Uuid,
    /// Ledger position (the `cursor` of pagination).
    pub sequence: Option<i64>,
    /// pending, verified, submitted, executed, refused or failed.
    pub status: String,
    /// JediSwap's share in bps.
    pub jediswap_pct: u32,
    /// Ekubo's share in bps.
    pub ekubo_pct: u32,
    /// JediSwap's risk, 0..=100.
    pub jediswap_risk: u32,
    /// Ekubo's risk, 0..=100.
    pub ekubo_risk: u32,
    /// JediSwap's APY in bps.
    pub jediswap_apy: u32,
    /// Ekubo's APY in bps.
    pub ekubo_apy: u32,
    /// JediSwap's metrics.
    pub jediswap_metrics: RiskMetrics,
    /// Ekubo's metrics.
    pub ekubo_metrics: RiskMetrics,
    /// Where the metrics came from: `chain` (both from chain samples), `supplied` (both from the
    /// request) or `mixed`.
    pub metrics_source: String,
    /// The block JediSwap's metrics were derived at, when they came from the chain.
    pub jediswap_metrics_block: Option<u64>,
    /// The block Ekubo's metrics were derived at, when they came from the chain.
    pub ekubo_metrics_block: Option<u64>,
    /// The newest block any metric was derived at, as the proof states it; absent for supplied metrics.
    pub snapshot_block: Option<u64>,
    /// Poseidon hash of every raw reading behind the chain metrics, as the proof states it;
    /// `GET /api/v1/markets/snapshots/{snapshot_hash}` returns the readings. Absent for supplied metrics.
    pub snapshot_hash: Option<String>,
    /// The model version.
    pub model_version: u32,
    /// The model hash the proof binds.
    pub model_hash: String,
    /// The proof job.
    pub proof_job_id: Uuid,
    /// SHA-256 of the proof, once made.
    pub proof_hash: Option<String>,
    /// The proof job's status.
    pub proof_status: Option<String>,
    /// Why the proof job failed, or its last retryable error.
    pub proof_error: Option<String>,
    /// The fact on chain: Integrity's for Stone proofs, or the local stand-in's for an S-two proof on devnet.
    pub fact_hash: Option<String>,
    /// The fact's registration: every transaction, the verification and the security bits the registry
    /// recorded, and who checked the proof on chain.
    pub registration: Option<RegistrationView>,
    /// The execution transaction.
    pub tx_hash: Option<String>,
    /// Its block.
    pub block_number: Option<u64>,
    /// The allocation contract (the vault) that executed it.
    pub executed_by: Option<String>,
    /// The vault's `AllocationExecuted` event from the receipt: decision id, model hash, fact hash, both
    /// risks and both shares as the chain recorded them.
    #[schema(value_type = Option<Object>)]
    pub execution_event: Option<starkrisk_domain::AllocationExecuted>,
    /// The vault's `TreasuryRebalanced` event from the receipt: what the execution moved out of and into each
    /// strategy, and the treasury (idle, JediSwap, Ekubo) before and after as the vault read it from the
    /// token and the strategies; amounts are decimal strings of the token's base units.
    #[schema(value_type = Option<Object>)]
    pub execution_treasury: Option<starkrisk_domain::TreasuryRebalanced>,
    /// What the chain itself checked of it: nothing before it is executed, none of the vault's rules when
    /// a contract other than the vault executed it, otherwise each rule of the vault's gate.
    pub chain_checks: ChainChecksView,
    /// Whether an operator's `execute-allocation` would send it on chain now (verified, nothing sent yet).
    pub awaits_execution: bool,
    /// The operator who asked for it to be executed (`execute-allocation`); under manual execution a
    /// verified decision without one waits.
    pub execution_requested_by: Option<String>,
    /// When they asked.
    pub execution_requested_at: Option<DateTime<Utc>>,
    /// When the decision was made (unix seconds).
    pub timestamp: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Why it was refused or failed.
    pub message: Option<String>,
}

impl DecisionView {
    /// The view of `d`, with its job's state when known.
    pub fn new(d: &AllocationDecision, job: Option<&ProofJob>) -> Self {
        let s = &d.statement();
        Self {
            decision_id: d.id().0,
            sequence: d.sequence(),
            status: d.status().as_str().into(),
            jediswap_pct: s.allocation.jediswap().get(),
            ekubo_pct: s.allocation.ekubo().get(),
            jediswap_risk: s.jediswap_risk.get(),
            ekubo_risk: s.ekubo_risk.get(),
            jediswap_apy: s.snapshot.jediswap_apy.get(),
            ekubo_apy: s.snapshot.ekubo_apy.get(),
            jediswap_metrics: RiskMetrics::from_domain(&s.snapshot.jediswap),
            ekubo_metrics: RiskMetrics::from_domain(&s.snapshot.ekubo),
            metrics_source: d.metrics_origins().summary().to_string(),
            jediswap_metrics_block: d.metrics_origins().jediswap.block_number(),
            ekubo_metrics_block: d.metrics_origins().ekubo.block_number(),
            snapshot_block: (s.provenance != Provenance::NONE).then_some(s.provenance.block_number),
            snapshot_hash: (s.provenance != Provenance::NONE).then(|| s.provenance.snapshot_hash.to_string()),
            model_version: d.model_version().get(),
            model_hash: s.model_hash.to_string(),
            proof_job_id: d.proof_job_id().0,
            proof_hash: job.and_then(|j| j.artifact()).map(|a| a.proof_hash().to_string()),
            proof_status: job.map(|j| j.status().as_str().into()),
            proof_error: job
                .and_then(|j| j.failure().map(|f| f.reason.clone()).or_else(|| j.last_error().map(str::to_string))),
            // A fact registered after verification (an S-two fact on a local chain) is on the job.
            fact_hash: d.fact_hash().or_else(|| job.and_then(|j| j.fact_hash())).map(|f| f.to_string()),
            registration: job.and_then(|j| j.registration()).map(RegistrationView::new),
            tx_hash: d.tx_hash().map(|t| t.to_string()),
            block_number: d.block_number(),
            executed_by: d.execution().map(|e| e.contract.to_string()),
            execution_event: d.execution().and_then(|e| e.event.clone()),
            execution_treasury: d.execution().and_then(|e| e.treasury),
            chain_checks: ChainChecksView::new(&ChainChecked::of(d, job.and_then(|j| j.registration()))),
            awaits_execution: d.awaits_execution(),
            execution_requested_by: d.execution_request().map(|r| r.by.clone()),
            execution_requested_at: d.execution_request().map(|r| r.at),
            timestamp: d.created_at().timestamp(),
            created_at: d.created_at(),
            updated_at: d.updated_at(),
            message: d.message().map(str::to_string),
        }
    }
}

/// What the chain checked of a decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChainChecksView {
    /// `not_yet` (not executed on chain), `none` (executed by a contract that is not starkrisk's vault)
    /// or `vault` (executed by the AllocationVault, which reverts unless every rule in `checks` holds).
    pub by: String,
    /// The vault's rules and what each established for this decision; empty unless `by` is `vault`.
    pub checks: Vec<ChainCheckView>,
}

/// One rule of the vault's gate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChainCheckView {
    /// `fact`, `model`, `limits`, `snapshot`, `once` or `operator`.
    pub rule: String,
    /// What the chain established under it.
    pub outcome: String,
}

impl ChainChecksView {
    /// The view of `checked`.
    pub fn new(checked: &ChainChecked) -> Self {
        let (by, checks) = match checked {
            ChainChecked::NotYet => ("not_yet", Vec::new()),
            ChainChecked::Unchecked => ("none", Vec::new()),
            ChainChecked::ByTheVault(checks) => ("vault", checks.clone()),
        };
        let checks =
            checks.into_iter().map(|c| ChainCheckView { rule: c.rule.as_str().into(), outcome: c.outcome }).collect();
        Self { by: by.into(), checks }
    }
}

/// A page of decisions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionPage {
    /// Newest first.
    pub items: Vec<DecisionView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// `POST /risk-engine/execute-allocation`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteRequest {
    /// The decision to execute; its proof must be verified.
    pub decision_id: Uuid,
}

pub use crate::http::job_view::{AttemptView, FriView, ProofJobView, RegistrationView, ResumptionView};
