//! Protocol pools read from the chain: a JediSwap v2 pool and an Ekubo pool, every read of one sample
//! pinned to one block, swaps paged out of `starknet_getEvents` (derivation: docs/metrics.md).

mod decode;
mod ekubo;
mod events;
mod jediswap;
mod pin;

use std::sync::Arc;

use async_trait::async_trait;
use starknet::core::types::Felt;
use starknet::providers::Provider;
use starkrisk_domain::Protocol;
use starkrisk_domain::market::{Amount, FeeRate, PoolSample, SqrtPrice};
use starkrisk_domain::ports::{MetricsError, PoolReader};

pub use ekubo::{EkuboPool, EkuboPoolKey};
pub use jediswap::JediSwapPool;
pub use pin::BlockPin;

use decode::Felts;
use pin::invalid;

fn decoded<T>(protocol: Protocol, result: Result<T, String>) -> Result<T, MetricsError> {
    result.map_err(|reason| invalid(protocol, reason))
}

/// `holder`'s balance of ERC-20 `token` at the pinned block.
async fn balance_of<P: Provider + Sync>(
    provider: &P,
    protocol: Protocol,
    pin: &BlockPin,
    token: Felt,
    holder: Felt,
) -> Result<Amount, MetricsError> {
    let answer = pin.call(provider, protocol, token, "balance_of", vec![holder]).await?;
    decoded(protocol, Felts::new(&answer).u256(&format!("balance_of of token {token:#x}")))
}

/// What a pool's views state at a pinned block, before its swaps are counted.
struct PoolState {
    price: SqrtPrice,
    liquidity: u128,
    tvl: Amount,
    fee: FeeRate,
}

impl PoolState {
    /// The sample at `pin`, with `volume` swapped since the previous one and the fee charged on it.
    fn sample(self, pin: &BlockPin, volume: Amount) -> PoolSample {
        let fees = self.fee.fee_on(&volume);
        PoolSample {
            block_number: pin.number,
            block_hash: pin.hash,
            timestamp: pin.timestamp,
            price: self.price,
            liquidity: self.liquidity,
            tvl: self.tvl,
            volume,
            fees,
        }
    }
}

/// The configured pools, read through one provider.
pub struct ChainPools<P> {
    provider: Arc<P>,
    jediswap: Option<JediSwapPool>,
    ekubo: Option<EkuboPool>,
    events_per_page: u64,
}

impl<P> ChainPools<P> {
    /// Pools read through `provider`, `events_per_page` swap events per `starknet_getEvents` call.
    pub fn new(
        provider: Arc<P>,
        jediswap: Option<JediSwapPool>,
        ekubo: Option<EkuboPool>,
        events_per_page: u64,
    ) -> Self {
        Self { provider, jediswap, ekubo, events_per_page: events_per_page.max(1) }
    }
}

impl ChainPools<crate::StarknetProvider> {
    /// Pools read through an RPC pool over `rpc` (failover, retries and the chain-id guard included).
    pub fn over_rpc(
        rpc: crate::RpcSettings,
        jediswap: Option<JediSwapPool>,
        ekubo: Option<EkuboPool>,
        events_per_page: u64,
    ) -> Result<Self, crate::RpcError> {
        let provider = starknet::providers::JsonRpcClient::new(Arc::new(crate::RpcPool::new(rpc)?));
        Ok(Self::new(Arc::new(provider), jediswap, ekubo, events_per_page))
    }
}

#[async_trait]
impl<P: Provider + Send + Sync + 'static> PoolReader for ChainPools<P> {
    async fn sample(
        &self,
        protocol: Protocol,
        after: Option<u64>,
        at: Option<u64>,
    ) -> Result<PoolSample, MetricsError> {
        let unconfigured =
            || MetricsError::Unavailable(format!("{protocol}: no pool is configured; set [markets.{protocol}]"));
        let provider = &*self.provider;
        match protocol {
            Protocol::JediSwap => {
                let pool = self.jediswap.ok_or_else(unconfigured)?;
                let pin = BlockPin::resolve(provider, protocol, at).await?;
                pool.sample(provider, after, &pin, self.events_per_page).await
            }
            Protocol::Ekubo => {
                let pool = self.ekubo.ok_or_else(unconfigured)?;
                let pin = BlockPin::resolve(provider, protocol, at).await?;
                pool.sample(provider, after, &pin, self.events_per_page).await
            }
        }
    }
}
