//! Events of one contract with one selector key over a block range, read page by page with
//! `starknet_getEvents` continuation tokens.

use starknet::core::types::{BlockId, EmittedEvent, EventFilter, Felt};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use starkrisk_domain::Protocol;
use starkrisk_domain::market::{Amount, QuoteToken};
use starkrisk_domain::ports::MetricsError;

use crate::markets::pin::{BlockPin, invalid, unavailable};

/// Where a pool's swaps are read from, and how each swap event's two token amounts are found in its data.
pub(crate) struct SwapEvents<'a, F> {
    pub(crate) protocol: Protocol,
    pub(crate) contract: Felt,
    pub(crate) name: &'a str,
    pub(crate) quote: QuoteToken,
    /// The magnitudes of an event's token0 and token1 amounts, or `None` for another pool's event.
    pub(crate) amounts: F,
}

impl<F: Fn(&[Felt]) -> Result<Option<(Amount, Amount)>, String>> SwapEvents<'_, F> {
    /// The quote-token volume swapped in blocks `after + 1 ..= pin`; none before a first sample.
    pub(crate) async fn volume<P: Provider + Sync>(
        &self,
        provider: &P,
        after: Option<u64>,
        pin: &BlockPin,
        chunk: u64,
    ) -> Result<Amount, MetricsError> {
        let Some(after) = after else { return Ok(Amount::zero()) };
        let events = events_between(provider, self.protocol, self.contract, self.name, after, pin, chunk).await?;
        let mut volume = Amount::zero();
        for event in &events {
            if let Some((amount0, amount1)) = (self.amounts)(&event.data).map_err(|e| invalid(self.protocol, e))? {
                volume = volume + if self.quote == QuoteToken::Token0 { amount0 } else { amount1 };
            }
        }
        Ok(volume)
    }
}

/// Every `name` event `contract` emitted in blocks `after + 1 ..= pin`, `chunk` per page.
async fn events_between<P: Provider + Sync>(
    provider: &P,
    protocol: Protocol,
    contract: Felt,
    name: &str,
    after: u64,
    pin: &BlockPin,
    chunk: u64,
) -> Result<Vec<EmittedEvent>, MetricsError> {
    if after >= pin.number {
        return Ok(Vec::new());
    }
    let key = get_selector_from_name(name).map_err(|e| invalid(protocol, format!("{name}: {e}")))?;
    let filter = EventFilter {
        from_block: Some(BlockId::Number(after + 1)),
        to_block: Some(BlockId::Number(pin.number)),
        address: Some(contract),
        keys: Some(vec![vec![key]]),
    };
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let page = provider
            .get_events(filter.clone(), token, chunk)
            .await
            .map_err(|e| unavailable(protocol, &format!("{name} events of {contract:#x}"), Some(pin.number), e))?;
        events.extend(page.events);
        match page.continuation_token {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    // A node that answered with events outside the range would make the sample describe other blocks.
    if let Some(stray) = events.iter().find(|e| e.block_number.is_none_or(|n| n <= after || n > pin.number)) {
        return Err(invalid(
            protocol,
            format!(
                "the node returned a {name} event of block {:?} for blocks {}..={}",
                stray.block_number,
                after + 1,
                pin.number
            ),
        ));
    }
    Ok(events)
}
