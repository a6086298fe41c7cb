//! One block to read a sample at: every call of a sample names this block by hash, so no read can land on
//! another block, even if the chain reorganises between them.

use starknet::core::types::{BlockId, Felt, FunctionCall, MaybePreConfirmedBlockWithTxHashes};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use starkrisk_domain::Protocol;
use starkrisk_domain::ports::MetricsError;

/// A closed block: number, hash and timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockPin {
    /// Its number.
    pub number: u64,
    /// Its hash.
    pub hash: Felt,
    /// Its timestamp, Unix seconds.
    pub timestamp: u64,
}

pub(crate) fn unavailable(
    protocol: Protocol,
    what: &str,
    block: Option<u64>,
    error: impl std::fmt::Display,
) -> MetricsError {
    let at = block.map_or_else(|| "the newest block".to_string(), |n| format!("block {n}"));
    MetricsError::Unavailable(format!("{protocol}: reading {what} at {at}: {error}"))
}

pub(crate) fn invalid(protocol: Protocol, reason: impl Into<String>) -> MetricsError {
    MetricsError::Invalid { protocol, reason: reason.into() }
}

impl BlockPin {
    /// Block `at`, or the newest closed block when `None`.
    pub async fn resolve<P: Provider + Sync>(
        provider: &P,
        protocol: Protocol,
        at: Option<u64>,
    ) -> Result<Self, MetricsError> {
        let number = match at {
            Some(n) => n,
            None => provider.block_number().await.map_err(|e| unavailable(protocol, "the block number", None, e))?,
        };
        let block = provider
            .get_block_with_tx_hashes(BlockId::Number(number))
            .await
            .map_err(|e| unavailable(protocol, "the block header", Some(number), e))?;
        match block {
            MaybePreConfirmedBlockWithTxHashes::Block(b) => {
                Ok(Self { number: b.block_number, hash: b.block_hash, timestamp: b.timestamp })
            }
            MaybePreConfirmedBlockWithTxHashes::PreConfirmedBlock(_) => {
                Err(unavailable(protocol, "the block header", Some(number), "the block is not closed yet"))
            }
        }
    }

    /// Calls a view of `to` at this block.
    pub(crate) async fn call<P: Provider + Sync>(
        &self,
        provider: &P,
        protocol: Protocol,
        to: Felt,
        entrypoint: &str,
        calldata: Vec<Felt>,
    ) -> Result<Vec<Felt>, MetricsError> {
        let selector =
            get_selector_from_name(entrypoint).map_err(|e| invalid(protocol, format!("{entrypoint}: {e}")))?;
        let request = FunctionCall { contract_address: to, entry_point_selector: selector, calldata };
        provider
            .call(request, BlockId::Hash(self.hash))
            .await
            .map_err(|e| unavailable(protocol, &format!("{entrypoint} of {to:#x}"), Some(self.number), e))
    }
}
