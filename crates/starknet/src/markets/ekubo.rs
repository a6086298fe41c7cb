//! An Ekubo pool: price and liquidity from the Core's views by pool key, TVL from the virtual reserves of
//! that liquidity (the Core holds every pool's tokens), volume from the Core's `Swapped` events of this key.

use starknet::core::types::Felt;
use starknet::providers::Provider;
use starkrisk_domain::Protocol;
use starkrisk_domain::market::{FeeRate, PoolSample, QuoteToken, SqrtPrice, value_in_quote, virtual_reserves};
use starkrisk_domain::ports::MetricsError;

use crate::markets::decode::Felts;
use crate::markets::events::SwapEvents;
use crate::markets::pin::{BlockPin, invalid};
use crate::markets::{PoolState, decoded};

const PROTOCOL: Protocol = Protocol::Ekubo;

/// Ekubo's pool key, in the order its Serde layout writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EkuboPoolKey {
    /// The lower-addressed token.
    pub token0: Felt,
    /// The other token.
    pub token1: Felt,
    /// The fee, a 0.128 fixed-point fraction.
    pub fee: u128,
    /// Tick spacing.
    pub tick_spacing: u128,
    /// The extension contract, or zero.
    pub extension: Felt,
}

impl EkuboPoolKey {
    /// The key as calldata.
    pub fn to_felts(&self) -> [Felt; 5] {
        [self.token0, self.token1, Felt::from(self.fee), Felt::from(self.tick_spacing), self.extension]
    }
}

/// An Ekubo pool: the Core that holds it, its key, and the token its amounts are valued in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EkuboPool {
    /// Ekubo's Core contract.
    pub core: Felt,
    /// The pool's key.
    pub key: EkuboPoolKey,
    /// Which of its tokens is the quote.
    pub quote: QuoteToken,
}

impl EkuboPool {
    pub(crate) async fn sample<P: Provider + Sync>(
        &self,
        provider: &P,
        after: Option<u64>,
        pin: &BlockPin,
        events_per_page: u64,
    ) -> Result<PoolSample, MetricsError> {
        let key = self.key.to_felts().to_vec();
        let price = pin.call(provider, PROTOCOL, self.core, "get_pool_price", key.clone()).await?;
        // PoolPrice { sqrt_ratio: u256, tick: i129 }.
        let sqrt = decoded(PROTOCOL, Felts::new(&price).u256("get_pool_price.sqrt_ratio"))?;
        let liquidity = pin.call(provider, PROTOCOL, self.core, "get_pool_liquidity", key).await?;
        let liquidity = decoded(PROTOCOL, Felts::new(&liquidity).u128("get_pool_liquidity"))?;
        let price = SqrtPrice::x128(sqrt);
        let (reserve0, reserve1) =
            virtual_reserves(liquidity, &price, pin.number).map_err(|e| invalid(PROTOCOL, e.to_string()))?;
        let tvl = value_in_quote(&reserve0, &reserve1, &price, self.quote, pin.number)
            .map_err(|e| invalid(PROTOCOL, e.to_string()))?;
        let ours = self.key.to_felts();
        let swaps = SwapEvents {
            protocol: PROTOCOL,
            contract: self.core,
            name: "Swapped",
            quote: self.quote,
            // Swapped { locker, pool_key (5), params (amount: i129, is_token1, sqrt_ratio_limit: u256,
            // skip_ahead), delta { amount0: i129, amount1: i129 }, …}. The Core emits every pool's swaps, so
            // the pool key in the data selects this pool's.
            amounts: |data: &[Felt]| {
                if data.get(1..6) != Some(&ours[..]) {
                    return Ok(None);
                }
                let mut data = Felts::new(data);
                data.skip(12, "Swapped.locker, pool_key, params")?;
                Ok(Some((data.i129_magnitude("Swapped.delta.amount0")?, data.i129_magnitude("Swapped.delta.amount1")?)))
            },
        };
        let volume = swaps.volume(provider, after, pin, events_per_page).await?;
        Ok(PoolState { price, liquidity, tvl, fee: FeeRate::x128(self.key.fee) }.sample(pin, volume))
    }
}
