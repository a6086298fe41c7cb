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
    /// The RPC pool, checked to serve the configured chain.
    pub async fn pool(&self) -> anyhow::Result<Arc<RpcPool>> {
        let pool = Arc::new(RpcPool::new(self.rpc.clone())?);
        pool.check_chain().await?;
        Ok(pool)
    }

    /// The account at `address` (the setting or flag `field`), signing with the key `keystore` unlocks, on
    /// this chain with these fee and receipt settings: the operator, or the vault's owner.
    pub fn account(
        &self,
        pool: Arc<RpcPool>,
        field: &str,
        address: &str,
        keystore: &KeystoreSettings,
    ) -> anyhow::Result<Operator> {
        let address =
            Felt::from_hex(address).map_err(|_| anyhow::anyhow!("{field}: `{address}` is not a hex address"))?;
        let chain_id = cairo_short_string_to_felt(&self.rpc.chain_id)
            .map_err(|e| anyhow::anyhow!("starknet.rpc.chain_id: {e}"))?;
        let key = OperatorKey::load(keystore)?;
        Ok(Operator::new(pool, key.wallet(), address, chain_id, self.fees.clone(), self.receipts.clone()))
    }

    /// Builds the pool, refuses the wrong chain, unlocks the key and builds the adapters.
    pub async fn connect(&self, verifier: VerifierConfig) -> anyhow::Result<ChainAdapters> {
        let pool = self.pool().await?;
        if self.integrity.local_stand_in && !pool.is_devnet().await {
            anyhow::bail!(
                "starknet.integrity.local_stand_in is for a starknet-devnet only, and these RPC endpoints are not \
                 all devnets (each must answer devnet_getConfig); here only Integrity's own verification counts: \
                 set it to false and point fact_registry at Integrity's FactRegistry"
            );
        }
        let operator =
            Arc::new(self.account(pool.clone(), "starknet.account_address", &self.account_address, &self.keystore)?);
        tracing::info!(account = %format!("{:#x}", operator.address()), "operator key unlocked");
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
