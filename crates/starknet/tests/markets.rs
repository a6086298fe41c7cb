//! The pool readers on starknet-devnet: stand-ins of a JediSwap v2 pool and Ekubo's Core (the protocols'
//! layouts) scripted swap by swap, devnet's ETH and STRK as the pool's tokens, and every reading compared
//! with what the script implies; swap events paged over several `starknet_getEvents` pages, and a sample
//! pinned to a block that ignores the swaps after it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod support;

use std::sync::Arc;

use serde_json::json;
use starknet::core::types::{BlockId, Call, Felt, MaybePreConfirmedBlockWithTxHashes};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use starknet::providers::jsonrpc::{HttpTransport, JsonRpcClient};
use starkrisk_domain::Protocol;
use starkrisk_domain::market::{Amount, QuoteToken};
use starkrisk_domain::ports::{MetricsError, PoolReader};
use starkrisk_starknet::contracts::{self, EKUBO_CORE_STAND_IN, JEDISWAP_POOL_STAND_IN};
use starkrisk_starknet::markets::{ChainPools, EkuboPool, EkuboPoolKey, JediSwapPool};
use starkrisk_starknet::testing::Devnet;
use starkrisk_starknet::{Operator, TxOutcome};
use support::estimated_fees;

/// devnet's fee tokens: STRK (the lower address, so token0) and ETH (token1).
const STRK: &str = "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";
const ETH: &str = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";
/// Three swap events per `starknet_getEvents` page, so seven swaps take three pages.
const PER_PAGE: u64 = 3;

fn felt(hex: &str) -> Felt {
    Felt::from_hex(hex).unwrap()
}

fn provider(devnet: &Devnet) -> Arc<JsonRpcClient<HttpTransport>> {
    Arc::new(JsonRpcClient::new(HttpTransport::new(reqwest::Url::parse(&devnet.url).unwrap())))
}

/// Sends one call and returns the block it landed in (devnet closes a block per transaction).
async fn send(operator: &Operator, to: Felt, entrypoint: &str, calldata: Vec<Felt>) -> u64 {
    let call = Call { to, selector: get_selector_from_name(entrypoint).unwrap(), calldata };
    match operator.invoke(vec![call]).await.unwrap() {
        TxOutcome::Succeeded { block_number, .. } => block_number,
        other => panic!("{entrypoint}: {other:?}"),
    }
}

async fn block_hash(provider: &JsonRpcClient<HttpTransport>, number: u64) -> Felt {
    match provider.get_block_with_tx_hashes(BlockId::Number(number)).await.unwrap() {
        MaybePreConfirmedBlockWithTxHashes::Block(b) => b.block_hash,
        MaybePreConfirmedBlockWithTxHashes::PreConfirmedBlock(_) => panic!("block {number} is not closed"),
    }
}

/// A u256 as calldata, low word first.
fn u256(value: u128) -> [Felt; 2] {
    [Felt::from(value), Felt::ZERO]
}

/// A JediSwap swap of `amount1` token1 (sign alternating) that leaves the pool at `sqrt`.
fn jediswap_swap(amount1: u128, negative: bool, sqrt: u128) -> Vec<Felt> {
    let mut calldata = vec![Felt::from(amount1 / 2), Felt::ZERO, Felt::from(!negative as u8)];
    calldata.extend([Felt::from(amount1), Felt::ZERO, Felt::from(negative as u8)]);
    calldata.extend(u256(sqrt));
    calldata.extend([Felt::from(10u128.pow(18)), Felt::from(7u8), Felt::ZERO]);
    calldata
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jediswap_pool_is_read_at_one_block_with_its_swaps_paged() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let owner = support::operator(vec![devnet.url.clone()], devnet.accounts().await[0], estimated_fees());
    let class = contracts::declare(&owner, &JEDISWAP_POOL_STAND_IN).await.unwrap();
    // Price 1 (sqrt = 2^96), fee 0.3 %.
    let one = 1u128 << 96;
    let mut args = vec![felt(STRK), felt(ETH), Felt::from(3000u16)];
    args.extend(u256(one));
    args.push(Felt::from(10u128.pow(18)));
    let pool = contracts::deploy(&owner, class, &args, Felt::ONE).await.unwrap();
    devnet.rpc("devnet_mint", json!({"address": format!("{pool:#x}"), "amount": 7_000_000, "unit": "FRI"})).await;
    devnet.rpc("devnet_mint", json!({"address": format!("{pool:#x}"), "amount": 5_000_000, "unit": "WEI"})).await;

    let provider = provider(devnet);
    let jediswap = JediSwapPool { address: pool, quote: QuoteToken::Token1 };
    let reader = ChainPools::new(provider.clone(), Some(jediswap), None, PER_PAGE);
    let first = reader.sample(Protocol::JediSwap, None, None).await.unwrap();
    assert_eq!(first.price.sqrt, Amount::from(one));
    assert_eq!(first.price.fraction_bits, 96);
    assert_eq!(first.liquidity, 10u128.pow(18));
    assert_eq!(first.tvl, Amount::from(12_000_000u64), "7e6 STRK at price 1 plus 5e6 ETH");
    assert_eq!(first.volume, Amount::zero(), "a first sample counts no swaps");
    assert_eq!(first.block_hash, block_hash(&provider, first.block_number).await);

    // Seven swaps of 100..=700 ETH either way, one block each; the last leaves the price at 4 (sqrt 2^97).
    let mut last = 0;
    for i in 1..=7u128 {
        let sqrt = if i == 7 { one * 2 } else { one };
        last = send(&owner, pool, "record_swap", jediswap_swap(100 * i, i % 2 == 0, sqrt)).await;
    }
    let pinned = reader.sample(Protocol::JediSwap, Some(first.block_number), Some(last)).await.unwrap();
    assert_eq!(pinned.block_number, last);
    assert_eq!(pinned.block_hash, block_hash(&provider, last).await);
    assert_eq!(pinned.volume, Amount::from(2_800u64), "every swap of the seven, over three pages");
    assert_eq!(pinned.fees, Amount::from(8u64), "0.3 % of 2800, floored");
    assert_eq!(pinned.price.sqrt, Amount::from(one * 2));
    assert_eq!(pinned.tvl, Amount::from(33_000_000u64), "7e6 STRK at price 4 plus 5e6 ETH");

    // A swap in the next block changes nothing about a sample pinned to `last`.
    let after = send(&owner, pool, "record_swap", jediswap_swap(10_000, false, one * 3)).await;
    assert!(after > last);
    let again = reader.sample(Protocol::JediSwap, Some(first.block_number), Some(last)).await.unwrap();
    assert_eq!(again, pinned, "the same block reads the same");
    let newest = reader.sample(Protocol::JediSwap, Some(last), None).await.unwrap();
    assert_eq!(newest.volume, Amount::from(10_000u64));
    assert_eq!(newest.price.sqrt, Amount::from(one * 3));

    // Ekubo is not configured here: the reader says so and names where to configure it.
    let unconfigured = reader.sample(Protocol::Ekubo, None, None).await.unwrap_err();
    assert!(matches!(&unconfigured, MetricsError::Unavailable(m) if m.contains("[markets.ekubo]")), "{unconfigured}");
    // A block the node does not have is refused with the protocol and the block named.
    let missing = reader.sample(Protocol::JediSwap, None, Some(after + 1000)).await.unwrap_err();
    assert!(
        missing.to_string().contains(&format!("jediswap: reading the block header at block {}", after + 1000)),
        "{missing}"
    );
}

/// An Ekubo swap on `key` of `amount1` token1 that leaves the pool at `sqrt_high`·2^128 with `liquidity`.
fn ekubo_swap(key: &EkuboPoolKey, amount1: u128, sqrt_high: u128, liquidity: u128) -> Vec<Felt> {
    let mut calldata = key.to_felts().to_vec();
    // params: amount (i129), is_token1, sqrt_ratio_limit (u256), skip_ahead.
    calldata.extend([Felt::from(amount1), Felt::ZERO, Felt::ONE, Felt::ZERO, Felt::ONE, Felt::ZERO]);
    // delta: amount0 (i129, negative: paid out), amount1 (i129).
    calldata.extend([Felt::from(amount1 / 2), Felt::ONE, Felt::from(amount1), Felt::ZERO]);
    calldata.extend([Felt::ZERO, Felt::from(sqrt_high)]);
    calldata.extend([Felt::from(3u8), Felt::ZERO, Felt::from(liquidity)]);
    calldata
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ekubo_pool_is_read_by_its_key_and_other_pools_swaps_are_ignored() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let owner = support::operator(vec![devnet.url.clone()], devnet.accounts().await[0], estimated_fees());
    let class = contracts::declare(&owner, &EKUBO_CORE_STAND_IN).await.unwrap();
    let core = contracts::deploy(&owner, class, &[], Felt::ONE).await.unwrap();
    // 0.05 % fee as a 0.128 fraction; another pool differs only in its tick spacing.
    let fee = (1u128 << 127) / 1000;
    let key = EkuboPoolKey { token0: felt(STRK), token1: felt(ETH), fee, tick_spacing: 100, extension: Felt::ZERO };
    let other = EkuboPoolKey { tick_spacing: 200, ..key };
    // sqrt_ratio = 2^128 (price 1) as (low 0, high 1); liquidity 1e6.
    let mut initialize = key.to_felts().to_vec();
    initialize.extend([Felt::ZERO, Felt::ONE, Felt::from(1_000_000u64)]);
    let start = send(&owner, core, "initialize_pool", initialize).await;

    let provider = provider(devnet);
    let ekubo = EkuboPool { core, key, quote: QuoteToken::Token1 };
    let reader = ChainPools::new(provider.clone(), None, Some(ekubo), PER_PAGE);
    let first = reader.sample(Protocol::Ekubo, None, Some(start)).await.unwrap();
    assert_eq!(first.price.fraction_bits, 128);
    assert_eq!(first.price.sqrt, Amount::from_u256(0, 1));
    assert_eq!(first.liquidity, 1_000_000);
    assert_eq!(first.tvl, Amount::from(2_000_000u64), "1e6 of each token's virtual reserve at price 1");

    // Four swaps on our pool and three on the other, interleaved; seven events over three pages.
    let mut last = start;
    for i in 1..=4u128 {
        send(&owner, core, "record_swap", ekubo_swap(&other, 1_000_000, 1, 5)).await;
        let sqrt_high = if i == 4 { 2 } else { 1 };
        last = send(&owner, core, "record_swap", ekubo_swap(&key, 1_000 * i, sqrt_high, 1_000_000)).await;
    }
    let sample = reader.sample(Protocol::Ekubo, Some(start), Some(last)).await.unwrap();
    assert_eq!(sample.volume, Amount::from(10_000u64), "1000 + 2000 + 3000 + 4000 of this pool only");
    assert_eq!(sample.fees, Amount::from(4u64), "0.05 % of 10000, floored");
    assert_eq!(sample.price.sqrt, Amount::from_u256(0, 2));
    // At sqrt 2: 1e6 liquidity stands for 5e5 token0 and 2e6 token1; 5e5 token0 at price 4 is 2e6.
    assert_eq!(sample.tvl, Amount::from(4_000_000u64));
    assert_eq!(sample.block_hash, block_hash(&provider, last).await);
}
