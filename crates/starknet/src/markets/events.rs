//! Events of one contract with one selector key over a block range, read page by page with
//! `starknet_getEvents` continuation tokens.

use starknet::core::types::{BlockId, EmittedEvent, EventFilter, Felt};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use starkrisk_domain::Protocol;
use starkrisk_domain::ports::MetricsError;

use crate::markets::pin::{BlockPin, invalid, unavailable};

/// Every `name` event `contract` emitted in blocks `after + 1 ..= pin`, `chunk` per page.
pub(crate) async fn events_between<P: Provider + Sync>(
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
