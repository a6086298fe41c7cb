//! The allocation executor: the configured contract entrypoint called with a decision's numbers.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use starknet::core::types::{Call, Felt};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use starkrisk_domain::ports::{AllocationExecutor, ChainError, ExecutionOutcome, ModelApproval, PreparedExecution};
use starkrisk_domain::{
    AllocationDecision, AllocationExecuted, ContractAddress, ExecutionRecord, FactHash, ModelHash, TxHash,
};

use crate::account::{Operator, provider_error};

/// One value a decision contributes to the calldata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalldataField {
    /// The decision id (a UUID as a 128-bit number).
    DecisionId,
    /// JediSwap's share, bps.
    JediswapBps,
    /// Ekubo's share, bps.
    EkuboBps,
    /// JediSwap's risk.
    JediswapRisk,
    /// Ekubo's risk.
    EkuboRisk,
    /// The model version.
    ModelVersion,
    /// The model hash the proof binds.
    ModelHash,
    /// Integrity's fact hash (0 for S-two proofs, which have none).
    FactHash,
    /// The whole statement, as the proof's public output: its length, then its felts in canonical order
    /// (a Cairo `Array<felt252>`; what the AllocationVault recomputes the fact from).
    Statement,
}

/// The `[starknet.executor]` settings: which contract, which entrypoint, which calldata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutorSettings {
    /// The allocation contract.
    pub contract_address: String,
    /// The entrypoint's name.
    pub entrypoint: String,
    /// The calldata, field by field.
    pub calldata: Vec<CalldataField>,
    /// The contract is starkrisk's AllocationVault: it executes only models its owner approved, so
    /// decisions under another wait, and new models are approved on it when the operator is its owner.
    #[serde(default)]
    pub vault: bool,
}

/// Executes decisions through the operator account.
pub struct StarknetExecutor {
    operator: std::sync::Arc<Operator>,
    contract: Felt,
    selector: Felt,
    layout: Vec<CalldataField>,
    vault: bool,
}

impl StarknetExecutor {
    /// An executor calling `settings`' entrypoint from `operator`.
    pub fn new(operator: std::sync::Arc<Operator>, settings: &ExecutorSettings) -> Result<Self, ChainError> {
        let invalid = |field: &str, reason: String| ChainError::InvalidInput { field: field.into(), reason };
        let contract = Felt::from_hex(&settings.contract_address).map_err(|_| {
            invalid(
                "starknet.executor.contract_address",
                format!("`{}` is not a hex address", settings.contract_address),
            )
        })?;
        let selector = get_selector_from_name(&settings.entrypoint)
            .map_err(|e| invalid("starknet.executor.entrypoint", e.to_string()))?;
        Ok(Self { operator, contract, selector, layout: settings.calldata.clone(), vault: settings.vault })
    }

    /// The call this executor makes for `decision`.
    pub fn call(&self, decision: &AllocationDecision) -> Call {
        let s = &decision.statement();
        let calldata = self
            .layout
            .iter()
            .flat_map(|field| match field {
                CalldataField::DecisionId => vec![Felt::from(decision.id().0.as_u128())],
                CalldataField::JediswapBps => vec![s.allocation.jediswap().get().into()],
                CalldataField::EkuboBps => vec![s.allocation.ekubo().get().into()],
                CalldataField::JediswapRisk => vec![s.jediswap_risk.get().into()],
                CalldataField::EkuboRisk => vec![s.ekubo_risk.get().into()],
                CalldataField::ModelVersion => vec![decision.model_version().get().into()],
                CalldataField::ModelHash => vec![s.model_hash.felt()],
                CalldataField::FactHash => vec![decision.fact_hash().map(|f| f.felt()).unwrap_or(Felt::ZERO)],
                CalldataField::Statement => {
                    let felts = s.to_felts();
                    std::iter::once(Felt::from(felts.len())).chain(felts).collect()
                }
            })
            .collect();
        Call { to: self.contract, selector: self.selector, calldata }
    }
}

impl StarknetExecutor {
    /// Decodes the vault's `AllocationExecuted` (keys: selector, decision id; data: model hash, fact hash,
    /// both risks, both shares) from the events of a receipt.
    fn allocation_executed(&self, events: &[&starknet::core::types::Event]) -> Option<AllocationExecuted> {
        let selector = get_selector_from_name("AllocationExecuted").ok()?;
        let small = starkrisk_domain::felt_to_u32;
        events.iter().find_map(|event| {
            let (keys, data) = (&event.keys, &event.data);
            if keys.len() != 2 || keys[0] != selector || data.len() != 6 {
                return None;
            }
            Some(AllocationExecuted {
                decision_id: keys[1],
                model_hash: ModelHash::new(data[0]),
                fact_hash: FactHash::new(data[1]),
                jediswap_risk: small(&data[2])?,
                ekubo_risk: small(&data[3])?,
                jediswap_bps: small(&data[4])?,
                ekubo_bps: small(&data[5])?,
            })
        })
    }

    fn owner_call(&self, model_hash: ModelHash) -> String {
        format!(
            "its owner must call approve_model({model_hash}) on {:#x} (`starkrisk chain approve-model` signs it with \
             the owner's key, or prints the call for a multisig)",
            self.contract
        )
    }
}

#[async_trait]
impl AllocationExecutor for StarknetExecutor {
    async fn execution_record(&self, tx_hash: TxHash) -> Result<ExecutionRecord, ChainError> {
        let receipt = self.operator.provider().get_transaction_receipt(tx_hash.felt()).await.map_err(provider_error)?;
        // Only the allocation contract's own events: another contract could emit the same shapes.
        let events: Vec<_> = receipt.receipt.events().iter().filter(|e| e.from_address == self.contract).collect();
        let event = self.allocation_executed(&events);
        let treasury = events.iter().find_map(|e| crate::vault::rebalanced(&e.keys, &e.data));
        Ok(ExecutionRecord { contract: ContractAddress::new(self.contract), event, treasury })
    }

    async fn model_approval(&self, model_hash: ModelHash) -> Result<ModelApproval, ChainError> {
        if !self.vault {
            return Ok(ModelApproval::NotGated);
        }
        if crate::contracts::is_model_approved(self.operator.provider(), self.contract, model_hash.felt()).await? {
            return Ok(ModelApproval::Approved);
        }
        Ok(ModelApproval::Missing { owner_call: self.owner_call(model_hash) })
    }

    async fn approve_model(&self, model_hash: ModelHash) -> Result<ModelApproval, ChainError> {
        match self.model_approval(model_hash).await? {
            // Off a devnet the operator's key never approves, even a vault it owns: approving a model is the
            // owner's act, apart from the key that executes (chain deploy refuses that vault on public ids).
            ModelApproval::Missing { owner_call } if !self.operator.pool().is_devnet().await => {
                Ok(ModelApproval::Missing { owner_call })
            }
            ModelApproval::Missing { owner_call } => {
                match crate::contracts::approve_model(&self.operator, self.contract, model_hash.felt()).await {
                    Ok(_) => Ok(ModelApproval::Approved),
                    // The operator is not the vault's owner: the owner has to approve it.
                    Err(ChainError::Rejected { reason, .. }) if reason.contains("caller is not the owner") => {
                        Ok(ModelApproval::Missing { owner_call })
                    }
                    Err(other) => Err(other),
                }
            }
            known => Ok(known),
        }
    }

    async fn prepare(&self, decision: &AllocationDecision) -> Result<PreparedExecution, ChainError> {
        self.operator.prepare(vec![self.call(decision)]).await
    }

    async fn broadcast(&self, prepared: &PreparedExecution) -> Result<(), ChainError> {
        self.operator.broadcast(prepared).await
    }

    async fn outcome(&self, tx_hash: TxHash) -> Result<ExecutionOutcome, ChainError> {
        self.operator.wait(tx_hash).await
    }
}
