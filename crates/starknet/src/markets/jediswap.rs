//! A JediSwap v2 pool: price, liquidity and fee from the pool's views, TVL from the ERC-20 balances it
//! holds, volume from its `Swap` events (JediSwap's v2 core layouts).

use starknet::core::types::Felt;
use starknet::providers::Provider;
use starkrisk_domain::Protocol;
use starkrisk_domain::market::{FeeRate, PoolSample, QuoteToken, SqrtPrice, value_in_quote};
use starkrisk_domain::ports::MetricsError;

use crate::markets::decode::Felts;
use crate::markets::events::SwapEvents;
use crate::markets::pin::{BlockPin, invalid};
use crate::markets::{PoolState, balance_of, decoded};

const PROTOCOL: Protocol = Protocol::JediSwap;

/// A JediSwap v2 pool and the token its amounts are valued in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JediSwapPool {
    /// The pool contract.
    pub address: Felt,
    /// Which of its tokens is the quote.
    pub quote: QuoteToken,
}

impl JediSwapPool {
    async fn view<P: Provider + Sync>(
        &self,
        provider: &P,
        pin: &BlockPin,
        entrypoint: &str,
    ) -> Result<Vec<Felt>, MetricsError> {
        pin.call(provider, PROTOCOL, self.address, entrypoint, vec![]).await
    }

    pub(crate) async fn sample<P: Provider + Sync>(
        &self,
        provider: &P,
        after: Option<u64>,
        pin: &BlockPin,
        events_per_page: u64,
    ) -> Result<PoolSample, MetricsError> {
        let token0 = decoded(PROTOCOL, Felts::new(&self.view(provider, pin, "get_token0").await?).felt("get_token0"))?;
        let token1 = decoded(PROTOCOL, Felts::new(&self.view(provider, pin, "get_token1").await?).felt("get_token1"))?;
        let fee = decoded(PROTOCOL, Felts::new(&self.view(provider, pin, "get_fee").await?).u128("get_fee"))?;
        let fee = u32::try_from(fee).map_err(|_| invalid(PROTOCOL, format!("get_fee: {fee} is not a u32")))?;
        let sqrt = decoded(
            PROTOCOL,
            Felts::new(&self.view(provider, pin, "get_sqrt_price_X96").await?).u256("get_sqrt_price_X96"),
        )?;
        let liquidity =
            decoded(PROTOCOL, Felts::new(&self.view(provider, pin, "get_liquidity").await?).u128("get_liquidity"))?;
        let balance0 = balance_of(provider, PROTOCOL, pin, token0, self.address).await?;
        let balance1 = balance_of(provider, PROTOCOL, pin, token1, self.address).await?;
        let price = SqrtPrice::x96(sqrt);
        let tvl = value_in_quote(&balance0, &balance1, &price, self.quote, pin.number)
            .map_err(|e| invalid(PROTOCOL, e.to_string()))?;
        let swaps = SwapEvents {
            protocol: PROTOCOL,
            contract: self.address,
            name: "Swap",
            quote: self.quote,
            // Swap { sender, recipient, amount0: i256, amount1: i256, sqrt_price_X96, liquidity, tick }.
            amounts: |data: &[Felt]| {
                let mut data = Felts::new(data);
                data.skip(2, "Swap.sender, recipient")?;
                Ok(Some((data.i256_magnitude("Swap.amount0")?, data.i256_magnitude("Swap.amount1")?)))
            },
        };
        let volume = swaps.volume(provider, after, pin, events_per_page).await?;
        Ok(PoolState { price, liquidity, tvl, fee: FeeRate::hundredths_of_bip(fee) }.sample(pin, volume))
    }
}
