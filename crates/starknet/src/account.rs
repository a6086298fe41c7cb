//! The operator account: nonces that survive concurrent submissions, fees estimated with a margin (or a
//! configured fallback), v3 invokes signed before they are sent, and receipts read into typed outcomes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use starknet::accounts::{Account, AccountError, ConnectedAccount, ExecutionEncoding, SingleOwnerAccount};
use starknet::core::types::{
    BlockId, BlockTag, BroadcastedInvokeTransactionV3, Call, ExecutionResult, Felt, ReceiptBlock, StarknetError,
};
use starknet::providers::{JsonRpcClient, Provider, ProviderError};
use starknet::signers::LocalWallet;
use starkrisk_domain::TxHash;
use starkrisk_domain::ports::{ChainError, ExecutionOutcome, PreparedExecution};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::fees::{FeeSettings, ResourceBounds};
use crate::rpc::RpcPool;

/// The provider every adapter shares: starknet-rs' JSON-RPC client over the failover pool.
pub type StarknetProvider = JsonRpcClient<Arc<RpcPool>>;

/// How long to wait for receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptSettings {
    /// Longest wait for a receipt, in milliseconds.
    pub timeout_ms: u64,
    /// Pause between receipt polls, in milliseconds.
    pub poll_ms: u64,
}

/// What became of an invoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxOutcome {
    /// Included and succeeded.
    Succeeded {
        /// The transaction.
        tx_hash: TxHash,
        /// Its block.
        block_number: u64,
    },
    /// Included and reverted (the fee was charged).
    Reverted {
        /// The transaction.
        tx_hash: TxHash,
        /// The chain's reason.
        reason: String,
    },
    /// Refused before inclusion (by fee estimation, validation or the node); nothing was charged.
    Rejected {
        /// Why.
        reason: String,
    },
    /// Sent, but no receipt within the wait; it may still land, so it must not be sent again blindly.
    TimedOut {
        /// The pending transaction.
        tx_hash: TxHash,
    },
}

/// The account that signs and sends starkrisk's transactions.
pub struct Operator {
    account: SingleOwnerAccount<StarknetProvider, LocalWallet>,
    pool: Arc<RpcPool>,
    /// The next nonce to use, when known; `None` means "ask the chain".
    nonce: Mutex<Option<Felt>>,
    /// Held from `prepare` until that transaction is broadcast, so nonces reach the network in order.
    sending: Arc<Mutex<()>>,
    held: Arc<std::sync::Mutex<HashMap<Felt, OwnedMutexGuard<()>>>>,
    fees: FeeSettings,
    receipts: ReceiptSettings,
}

/// Longest a prepared transaction keeps the send order before others may go (a caller that never sends,
/// for example because another process recorded the same transaction first).
const HOLD_LIMIT: Duration = Duration::from_secs(5);

impl Operator {
    /// The account at `address`, signing with `wallet`, on `chain_id`, reaching the chain through `pool`.
    pub fn new(
        pool: Arc<RpcPool>,
        wallet: LocalWallet,
        address: Felt,
        chain_id: Felt,
        fees: FeeSettings,
        receipts: ReceiptSettings,
    ) -> Self {
        Self {
            account: SingleOwnerAccount::new(
                JsonRpcClient::new(pool.clone()),
                wallet,
                address,
                chain_id,
                ExecutionEncoding::New,
            ),
            pool,
            nonce: Mutex::new(None),
            sending: Arc::new(Mutex::new(())),
            held: Arc::default(),
            fees,
            receipts,
        }
    }

    /// The account's address.
    pub fn address(&self) -> Felt {
        self.account.address()
    }

    /// The provider.
    pub fn provider(&self) -> &StarknetProvider {
        self.account.provider()
    }

    /// The account itself, for transactions the operator's own send path does not make (declarations).
    pub(crate) fn account(&self) -> &SingleOwnerAccount<StarknetProvider, LocalWallet> {
        &self.account
    }

    /// Forgets the cached nonce, after a transaction sent around it; the next one asks the chain.
    pub(crate) async fn forget_nonce(&self) {
        *self.nonce.lock().await = None;
    }

    /// The endpoints behind the provider, for reads that must agree across them.
    pub fn pool(&self) -> &RpcPool {
        &self.pool
    }

    /// Signs `calls` with the next nonce without sending them. Until the result is broadcast (or 30 s pass),
    /// other prepares wait (at most 5 s), so nonces are sent in the order they were given out.
    pub async fn prepare(&self, calls: Vec<Call>) -> Result<PreparedExecution, ChainError> {
        let turn = self.sending.clone().lock_owned().await;
        let mut next = self.nonce.lock().await;
        let nonce = match *next {
            Some(n) => n,
            None => self
                .provider()
                .get_nonce(BlockId::Tag(BlockTag::PreConfirmed), self.address())
                .await
                .map_err(provider_error)?,
        };
        let bounds = match self.bounds(&calls, nonce).await {
            Ok(bounds) => bounds,
            Err(e) => {
                // Another process may have used the cached nonce: ask the chain next time.
                *next = None;
                return Err(e);
            }
        };
        let execution = self
            .account
            .execute_v3(calls)
            .nonce(nonce)
            .tip(0)
            .l1_gas(bounds.l1_gas)
            .l1_gas_price(bounds.l1_gas_price)
            .l2_gas(bounds.l2_gas)
            .l2_gas_price(bounds.l2_gas_price)
            .l1_data_gas(bounds.l1_data_gas)
            .l1_data_gas_price(bounds.l1_data_gas_price);
        let prepared = execution.prepared().map_err(|e| ChainError::Unknown(anyhow::anyhow!("{e}")))?;
        let tx_hash = prepared.transaction_hash(false);
        let request = prepared
            .get_invoke_request(false, false)
            .await
            .map_err(|e| ChainError::Unknown(anyhow::anyhow!("signing the transaction failed: {e}")))?;
        let signed = serde_json::to_vec(&request).map_err(|e| ChainError::Unknown(e.into()))?;
        *next = Some(nonce + Felt::ONE);
        self.hold(tx_hash, turn);
        Ok(PreparedExecution { tx_hash: TxHash::new(tx_hash), signed })
    }

    /// Keeps the send order for `tx_hash` until it is broadcast or the hold limit passes.
    fn hold(&self, tx_hash: Felt, turn: OwnedMutexGuard<()>) {
        let held = self.held.clone();
        held.lock().unwrap_or_else(|p| p.into_inner()).insert(tx_hash, turn);
        tokio::spawn(async move {
            tokio::time::sleep(HOLD_LIMIT).await;
            held.lock().unwrap_or_else(|p| p.into_inner()).remove(&tx_hash);
        });
    }

    fn release(&self, tx_hash: Felt) {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).remove(&tx_hash);
    }

    async fn bounds(&self, calls: &[Call], nonce: Felt) -> Result<ResourceBounds, ChainError> {
        if !self.fees.estimate {
            return self.fees.fallback_or("fee estimation is off");
        }
        let estimate = self.account.execute_v3(calls.to_vec()).nonce(nonce).tip(0).estimate_fee().await;
        match estimate {
            Ok(estimate) => Ok(self.fees.with_margin(&estimate)),
            // A nonce another sender used first is not the call's fault: retry with the chain's nonce.
            Err(AccountError::Provider(ProviderError::StarknetError(e))) if is_nonce_error(&e) => {
                Err(ChainError::Unavailable(format!("nonce {nonce:#x} was taken meanwhile: {}", starknet_reason(&e))))
            }
            // The call itself fails: sending it would only burn the fee.
            Err(AccountError::Provider(ProviderError::StarknetError(e))) => Err(ChainError::Rejected {
                reason: format!("fee estimation refused the call: {}", starknet_reason(&e)),
                tx_hash: None,
            }),
            Err(e) => {
                tracing::warn!(error = %e, "fee estimation failed; using starknet.fees.fallback");
                self.fees.fallback_or(&e.to_string())
            }
        }
    }

    /// Sends a prepared transaction. One the network already has is not an error; one whose nonce went to
    /// another transaction is [`ChainError::Superseded`].
    pub async fn broadcast(&self, prepared: &PreparedExecution) -> Result<(), ChainError> {
        let result = self.send(prepared).await;
        self.release(prepared.tx_hash.felt());
        if result.is_err() {
            // The cached nonce may be wrong now; the next prepare asks the chain.
            *self.nonce.lock().await = None;
        }
        result
    }

    async fn send(&self, prepared: &PreparedExecution) -> Result<(), ChainError> {
        let request: BroadcastedInvokeTransactionV3 = serde_json::from_slice(&prepared.signed).map_err(|e| {
            ChainError::InvalidInput { field: "signed_tx".into(), reason: format!("not a signed v3 invoke: {e}") }
        })?;
        let tx_nonce = request.nonce;
        match self.provider().add_invoke_transaction(&request).await {
            Ok(_) => Ok(()),
            Err(ProviderError::StarknetError(StarknetError::DuplicateTx)) => Ok(()),
            Err(ProviderError::StarknetError(StarknetError::InvalidTransactionNonce(why))) => {
                if self.status(prepared.tx_hash).await? != ExecutionOutcome::Unknown {
                    return Ok(());
                }
                let current = self
                    .provider()
                    .get_nonce(BlockId::Tag(BlockTag::PreConfirmed), self.address())
                    .await
                    .map_err(provider_error)?;
                if tx_nonce < current {
                    Err(ChainError::Superseded { tx_hash: prepared.tx_hash })
                } else {
                    Err(ChainError::Unavailable(format!(
                        "nonce {tx_nonce} is ahead of the account's {current} ({why}); an earlier transaction must land first"
                    )))
                }
            }
            Err(e) => Err(provider_error(e)),
        }
    }

    /// The transaction's state right now.
    pub async fn status(&self, tx_hash: TxHash) -> Result<ExecutionOutcome, ChainError> {
        match self.provider().get_transaction_receipt(tx_hash.felt()).await {
            Ok(with_block) => Ok(match (with_block.block, with_block.receipt.execution_result()) {
                (ReceiptBlock::PreConfirmed { .. }, _) => ExecutionOutcome::Pending,
                (ReceiptBlock::Block { block_number, .. }, ExecutionResult::Succeeded) => {
                    ExecutionOutcome::Succeeded { block_number }
                }
                (ReceiptBlock::Block { .. }, ExecutionResult::Reverted { reason }) => {
                    ExecutionOutcome::Reverted { reason: reason.clone() }
                }
            }),
            Err(ProviderError::StarknetError(StarknetError::TransactionHashNotFound)) => {
                match self.provider().get_transaction_status(tx_hash.felt()).await {
                    Ok(_) => Ok(ExecutionOutcome::Pending),
                    Err(ProviderError::StarknetError(StarknetError::TransactionHashNotFound)) => {
                        Ok(ExecutionOutcome::Unknown)
                    }
                    Err(e) => Err(provider_error(e)),
                }
            }
            Err(e) => Err(provider_error(e)),
        }
    }

    /// Polls while the transaction is pending, until it is included or the configured wait ends. A
    /// transaction the network does not know is reported at once (`Unknown`): it was never sent or was lost.
    pub async fn wait(&self, tx_hash: TxHash) -> Result<ExecutionOutcome, ChainError> {
        self.poll(tx_hash, false).await
    }

    /// Like [`Operator::wait`], for a transaction just sent: a node may not list it for a moment, so
    /// `Unknown` is waited out too.
    async fn poll(&self, tx_hash: TxHash, just_sent: bool) -> Result<ExecutionOutcome, ChainError> {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(self.receipts.timeout_ms);
        loop {
            let outcome = self.status(tx_hash).await?;
            let waiting = match outcome {
                ExecutionOutcome::Pending => true,
                ExecutionOutcome::Unknown => just_sent,
                _ => false,
            };
            if !waiting || tokio::time::Instant::now() >= deadline {
                return Ok(outcome);
            }
            tokio::time::sleep(Duration::from_millis(self.receipts.poll_ms)).await;
        }
    }

    /// Prepares, sends and waits: the whole invoke, as a typed outcome.
    pub async fn invoke(&self, calls: Vec<Call>) -> Result<TxOutcome, ChainError> {
        match self.prepare(calls).await {
            Ok(prepared) => self.submit(&prepared).await,
            Err(ChainError::Rejected { reason, .. }) => Ok(TxOutcome::Rejected { reason }),
            Err(e) => Err(e),
        }
    }

    /// Gives up a prepared transaction without sending it: the next one may go at once, and takes its
    /// nonce from the chain, since this one's nonce was never used.
    pub async fn abandon(&self, prepared: &PreparedExecution) {
        self.release(prepared.tx_hash.felt());
        *self.nonce.lock().await = None;
    }

    /// Sends a prepared transaction and waits for it, as a typed outcome.
    pub async fn submit(&self, prepared: &PreparedExecution) -> Result<TxOutcome, ChainError> {
        match self.broadcast(prepared).await {
            Ok(()) => {}
            Err(ChainError::Rejected { reason, .. }) => return Ok(TxOutcome::Rejected { reason }),
            Err(e) => return Err(e),
        }
        let tx_hash = prepared.tx_hash;
        Ok(match self.poll(tx_hash, true).await? {
            ExecutionOutcome::Succeeded { block_number } => TxOutcome::Succeeded { tx_hash, block_number },
            ExecutionOutcome::Reverted { reason } => TxOutcome::Reverted { tx_hash, reason },
            ExecutionOutcome::Pending | ExecutionOutcome::Unknown => TxOutcome::TimedOut { tx_hash },
        })
    }
}

/// A provider failure as the domain sees it: transport trouble is transient, the chain's refusals are not.
pub(crate) fn provider_error(e: ProviderError) -> ChainError {
    match e {
        ProviderError::StarknetError(e) => ChainError::Rejected { reason: starknet_reason(&e), tx_hash: None },
        ProviderError::RateLimited => ChainError::Unavailable("the RPC rate-limited us".into()),
        other => ChainError::Unavailable(other.to_string()),
    }
}

/// Whether the node refused a transaction for its nonce (however the node words it).
fn is_nonce_error(e: &StarknetError) -> bool {
    matches!(e, StarknetError::InvalidTransactionNonce(_))
        || starknet_reason(e).to_lowercase().contains("nonce is invalid")
}

/// The chain's own words for a refusal, with the revert data when there is some.
pub(crate) fn starknet_reason(e: &StarknetError) -> String {
    match e {
        StarknetError::TransactionExecutionError(data) => format!("{:?}", data.execution_error),
        StarknetError::ContractError(data) => format!("{:?}", data.revert_error),
        StarknetError::ValidationFailure(why) | StarknetError::InvalidTransactionNonce(why) => why.clone(),
        other => other.to_string(),
    }
}
