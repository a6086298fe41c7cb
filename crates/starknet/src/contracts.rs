//! The contracts starkrisk declares: its own, compiled from `crates/starknet/cairo` and committed (the
//! `AllocationVault` that executes only proven allocations, the FactRegistry stand-in for local chains),
//! and Integrity's, compiled once per machine by `deploy/local/integrity.sh` and read from there.
//! Declaring and deploying are idempotent: a declared class or a deployed address is reused.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use cairo_lang_starknet_classes::casm_contract_class::CasmContractClass;
use cairo_lang_starknet_classes::contract_class::ContractClass;
use starknet::accounts::Account;
use starknet::contract::UdcSelector;
use starknet::core::types::contract::SierraClass;
use starknet::core::types::{BlockId, BlockTag, Call, Felt, FlattenedSierraClass};
use starknet::core::utils::{UdcUniqueness, get_selector_from_name, get_udc_deployed_address};
use starknet::providers::{Provider, ProviderError};
use starkrisk_domain::ports::ChainError;
use starkrisk_domain::{RiskModel, TxHash};

use crate::account::{Operator, StarknetProvider, TxOutcome, provider_error};

/// One contract: its name and its Sierra class as the compiler wrote it.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The contract's name.
    pub name: &'static str,
    sierra: Cow<'static, str>,
}

/// The on-chain gate and the treasury: executes an allocation only when Integrity verified its proof, by
/// moving funds between its strategies.
pub const ALLOCATION_VAULT: Contract = Contract {
    name: "AllocationVault",
    sierra: Cow::Borrowed(include_str!("../cairo/compiled/allocation_vault.sierra.json")),
};

/// A strategy that keeps its protocol's share as tokens; the vault deploys two of them for itself.
pub const HOLDING_STRATEGY: Contract = Contract {
    name: "HoldingStrategy",
    sierra: Cow::Borrowed(include_str!("../cairo/compiled/holding_strategy.sierra.json")),
};

/// Integrity's read interface with an owner-only `register_fact`; for devnet and the local profile only.
pub const FACT_REGISTRY_STAND_IN: Contract = Contract {
    name: "FactRegistryStandIn",
    sierra: Cow::Borrowed(include_str!("../cairo/compiled/fact_registry_standin.sierra.json")),
};

/// A JediSwap v2 pool's views and `Swap` event with a scripted `record_swap`; for local chains and tests.
pub const JEDISWAP_POOL_STAND_IN: Contract = Contract {
    name: "JediSwapPoolStandIn",
    sierra: Cow::Borrowed(include_str!("../cairo/compiled/jediswap_pool_standin.sierra.json")),
};

/// Ekubo Core's pool views and `Swapped` event with a scripted `record_swap`; for local chains and tests.
pub const EKUBO_CORE_STAND_IN: Contract = Contract {
    name: "EkuboCoreStandIn",
    sierra: Cow::Borrowed(include_str!("../cairo/compiled/ekubo_core_standin.sierra.json")),
};

fn invalid(contract: &Contract, reason: impl std::fmt::Display) -> ChainError {
    ChainError::InvalidInput { field: contract.name.into(), reason: format!("its Sierra class: {reason}") }
}

impl Contract {
    /// A contract whose Sierra class a build wrote to `path` (not committed: Integrity's, say).
    pub fn from_file(name: &'static str, path: &Path) -> Result<Self, ChainError> {
        let sierra = std::fs::read_to_string(path).map_err(|e| ChainError::InvalidInput {
            field: name.into(),
            reason: format!("cannot read its class from {}: {e}", path.display()),
        })?;
        Ok(Self { name, sierra: Cow::Owned(sierra) })
    }

    /// The Sierra class, flattened as the network takes it, and its class hash: all a check for an
    /// existing declaration needs.
    pub fn class(&self) -> Result<(Arc<FlattenedSierraClass>, Felt), ChainError> {
        let sierra: SierraClass = serde_json::from_str(&self.sierra).map_err(|e| invalid(self, e))?;
        let class = Arc::new(sierra.flatten().map_err(|e| invalid(self, e))?);
        let class_hash = class.class_hash();
        Ok((class, class_hash))
    }

    /// The hash of the class's CASM as the network compiles it, which a declaration must name. Compiled here
    /// from the Sierra with the compiler the network runs, not taken from the older compiler's output; it
    /// takes seconds for Integrity's verifier, so only a declaration asks for it.
    pub fn compiled_class_hash(&self) -> Result<Felt, ChainError> {
        // The ABI plays no part in compilation, and the old compiler's ABI is not the new one's shape.
        let mut json: serde_json::Value = serde_json::from_str(&self.sierra).map_err(|e| invalid(self, e))?;
        json["abi"] = serde_json::Value::Null;
        let contract_class: ContractClass = serde_json::from_value(json).map_err(|e| invalid(self, e))?;
        let program = contract_class.extract_sierra_program(false).map_err(|e| invalid(self, e))?;
        let casm = CasmContractClass::from_contract_class(contract_class, program, false, usize::MAX)
            .map_err(|e| invalid(self, e))?;
        Ok(Felt::from_bytes_be(&casm.compiled_class_hash().to_bytes_be()))
    }
}

/// Declares `contract` from `operator`'s account unless the network knows its class already; returns the
/// class hash.
pub async fn declare(operator: &Operator, contract: &Contract) -> Result<Felt, ChainError> {
    let (class, class_hash) = contract.class()?;
    let latest = BlockId::Tag(BlockTag::Latest);
    match operator.provider().get_class(latest, class_hash).await {
        Ok(_) => return Ok(class_hash),
        Err(ProviderError::StarknetError(starknet::core::types::StarknetError::ClassHashNotFound)) => {}
        Err(other) => return Err(provider_error(other)),
    }
    let sent = operator
        .account()
        .declare_v3(class, contract.compiled_class_hash()?)
        .send()
        .await
        .map_err(|e| ChainError::Rejected { reason: format!("declaring {}: {e}", contract.name), tx_hash: None });
    // The declaration used a nonce the operator's own counter did not give out.
    operator.forget_nonce().await;
    let result = sent?;
    match operator.wait(result.transaction_hash.into()).await? {
        starkrisk_domain::ports::ExecutionOutcome::Succeeded { .. } => Ok(class_hash),
        other => Err(ChainError::Rejected {
            reason: format!("declaring {}: {other:?}", contract.name),
            tx_hash: Some(result.transaction_hash.into()),
        }),
    }
}

/// Deploys `class_hash` with `calldata` through the Universal Deployer under `salt`, unless a contract is
/// already at the address that gives; returns the address.
pub async fn deploy(operator: &Operator, class_hash: Felt, calldata: &[Felt], salt: Felt) -> Result<Felt, ChainError> {
    let udc = UdcSelector::New.address();
    let address = get_udc_deployed_address(salt, class_hash, &UdcUniqueness::NotUnique, calldata);
    let latest = BlockId::Tag(BlockTag::Latest);
    if operator.provider().get_class_hash_at(latest, address).await.is_ok() {
        return Ok(address);
    }
    let mut udc_calldata = vec![class_hash, salt, Felt::ZERO, Felt::from(calldata.len())];
    udc_calldata.extend_from_slice(calldata);
    let call = Call { to: udc, selector: selector("deployContract")?, calldata: udc_calldata };
    sent(operator.invoke(vec![call]).await?).map(|_| address)
}

/// The vault's `is_model_approved(model_hash)`.
pub async fn is_model_approved(provider: &StarknetProvider, vault: Felt, model_hash: Felt) -> Result<bool, ChainError> {
    let answer = view(provider, vault, "is_model_approved", vec![model_hash]).await?;
    Ok(answer.first() == Some(&Felt::ONE))
}

/// The vault's own hash of `model` (its version and parameters, under the program the vault expects): what
/// its owner approves, recomputed by the vault from every statement it executes.
pub async fn vault_model_hash(provider: &StarknetProvider, vault: Felt, model: &RiskModel) -> Result<Felt, ChainError> {
    let mut calldata = vec![Felt::from(1 + model.params().to_array().len()), Felt::from(model.version().get())];
    calldata.extend(model.params().to_array().map(Felt::from));
    let answer = view(provider, vault, "model_hash", calldata).await?;
    answer.first().copied().ok_or_else(|| ChainError::Unknown(anyhow::anyhow!("model_hash answered nothing")))
}

/// A view call on `contract` at the latest block.
pub(crate) async fn view(
    provider: &StarknetProvider,
    contract: Felt,
    entrypoint: &str,
    calldata: Vec<Felt>,
) -> Result<Vec<Felt>, ChainError> {
    let view = starknet::core::types::FunctionCall {
        contract_address: contract,
        entry_point_selector: selector(entrypoint)?,
        calldata,
    };
    provider.call(view, BlockId::Tag(BlockTag::Latest)).await.map_err(provider_error)
}

/// The owner's `approve_model(model_hash)` on the vault; waits for the receipt.
pub async fn approve_model(operator: &Operator, vault: Felt, model_hash: Felt) -> Result<TxHash, ChainError> {
    let call = Call { to: vault, selector: selector("approve_model")?, calldata: vec![model_hash] };
    sent(operator.invoke(vec![call]).await?)
}

/// A transaction's outcome as a result: its hash when it succeeded, the chain's reason otherwise.
pub(crate) fn sent(outcome: TxOutcome) -> Result<TxHash, ChainError> {
    match outcome {
        TxOutcome::Succeeded { tx_hash, .. } => Ok(tx_hash),
        TxOutcome::Reverted { tx_hash, reason } => Err(ChainError::Rejected { reason, tx_hash: Some(tx_hash) }),
        TxOutcome::Rejected { reason } => Err(ChainError::Rejected { reason, tx_hash: None }),
        TxOutcome::TimedOut { tx_hash } => Err(ChainError::Timeout { tx_hash }),
    }
}

pub(crate) fn selector(name: &str) -> Result<Felt, ChainError> {
    get_selector_from_name(name).map_err(|e| ChainError::Unknown(anyhow::anyhow!("selector {name}: {e}")))
}
