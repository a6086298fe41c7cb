//! The `[starknet]` configuration and the adapters it connects at startup.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use starknet::core::types::Felt;
use starknet::core::utils::cairo_short_string_to_felt;
use starkrisk_domain::VerifierConfig;

use crate::account::{Operator, ReceiptSettings};
use crate::executor::{ExecutorSettings, StarknetExecutor};
use crate::fees::FeeSettings;
use crate::keystore::{KeystoreSettings, OperatorKey};
use crate::registry::{IntegrityRegistry, IntegritySettings};
use crate::rpc::{RpcPool, RpcSettings};

/// Everything about the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StarknetSettings {
    /// Connect to Starknet at all (off on a machine with no chain configured).
    pub enabled: bool,
    /// The operator account's address.
    pub account_address: String,
    /// RPC endpoints and the expected chain.
    pub rpc: RpcSettings,
    /// Where the operator's key is.
    pub keystore: KeystoreSettings,
    /// Fees.
    pub fees: FeeSettings,
    /// Receipt waits.
    pub receipts: ReceiptSettings,
    /// The allocation contract; no executor when its address is empty.
    pub executor: ExecutorSettings,
    /// Integrity; no registry when its address is empty.
    pub integrity: IntegritySettings,
}

/// The chain adapters `[starknet]` describes, connected and checked.
pub struct ChainAdapters {
    /// The RPC pool (for health reports).
    pub pool: Arc<RpcPool>,
    /// The operator account.
    pub operator: Arc<Operator>,
    /// The allocation executor, when configured.
    pub executor: Option<Arc<StarknetExecutor>>,
    /// Integrity's FactRegistry, when configured.
    pub registry: Option<Arc<IntegrityRegistry>>,
}

impl StarknetSettings {
    /// Builds the pool, refuses the wrong chain, unlocks the key and builds the adapters.
    pub async fn connect(&self, verifier: VerifierConfig) -> anyhow::Result<ChainAdapters> {
        let pool = Arc::new(RpcPool::new(self.rpc.clone())?);
        pool.check_chain().await?;
        if self.integrity.local_stand_in && !pool.is_devnet().await {
            anyhow::bail!(
                "starknet.integrity.local_stand_in is for a starknet-devnet only, and these RPC endpoints are not                  all devnets (each must answer devnet_getConfig); here only Integrity's own verification counts:                  set it to false and point fact_registry at Integrity's FactRegistry"
            );
        }
        let address = Felt::from_hex(&self.account_address).map_err(|_| {
            anyhow::anyhow!("starknet.account_address: `{}` is not a hex address", self.account_address)
        })?;
        let chain_id = cairo_short_string_to_felt(&self.rpc.chain_id)
            .map_err(|e| anyhow::anyhow!("starknet.rpc.chain_id: {e}"))?;
        let key = OperatorKey::load(&self.keystore)?;
        tracing::info!(account = %format!("{address:#x}"), public_key = %format!("{:#x}", key.public_key()), "operator key unlocked");
        let operator = Arc::new(Operator::new(
            pool.clone(),
            key.wallet(),
            address,
            chain_id,
            self.fees.clone(),
            self.receipts.clone(),
        ));
        let executor = match self.executor.contract_address.is_empty() {
            true => None,
            false => Some(Arc::new(StarknetExecutor::new(operator.clone(), &self.executor)?)),
        };
        let registry = match self.integrity.fact_registry.is_empty() {
            true => None,
            false => Some(Arc::new(IntegrityRegistry::new(operator.clone(), &self.integrity, verifier)?)),
        };
        Ok(ChainAdapters { pool, operator, executor, registry })
    }
}
