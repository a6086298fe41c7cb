//! The pool readers on starknet-devnet: stand-ins of a JediSwap v2 pool and Ekubo's Core (the protocols'
//! layouts) scripted swap by swap, devnet's STRK and ETH as the pool's tokens, and every reading compared
//! with what the script implies; swap events paged over several `starknet_getEvents` pages, and a sample
//! pinned to a block that ignores the swaps after it.

use std::sync::Arc;

use serde_json::json;
use starknet::core::types::{BlockId, Felt, MaybePreConfirmedBlockWithTxHashes};
use starknet::providers::Provider;
use starknet::providers::jsonrpc::{HttpTransport, JsonRpcClient};
use starkrisk_domain::Protocol;
use starkrisk_domain::market::{Amount, QuoteToken};
use starkrisk_domain::ports::{MetricsError, PoolReader};
use starkrisk_starknet::markets::{ChainPools, EkuboPool, JediSwapPool};
use starkrisk_starknet::testing::Devnet;
use starkrisk_starknet::testing::markets::{ScriptedEkubo, ScriptedJediSwap, devnet_operator, u256};

/// Three swap events per `starknet_getEvents` page, so seven swaps take three pages.
const PER_PAGE: u64 = 3;

fn provider(devnet: &Devnet) -> Arc<JsonRpcClient<HttpTransport>> {
    Arc::new(JsonRpcClient::new(HttpTransport::new(reqwest::Url::parse(&devnet.url).unwrap())))
}

async fn block_hash(provider: &JsonRpcClient<HttpTransport>, number: u64) -> Felt {
    match provider.get_block_with_tx_hashes(BlockId::Number(number)).await.unwrap() {
        MaybePreConfirmedBlockWithTxHashes::Block(b) => b.block_hash,
        MaybePreConfirmedBlockWithTxHashes::PreConfirmedBlock(_) => panic!("block {number} is not closed"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jediswap_pool_is_read_at_one_block_with_its_swaps_paged() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let owner = devnet_operator(&devnet.url, devnet.accounts().await[0]);
    // Price 1 (sqrt = 2^96), fee 0.3 %.
    let one = 1u128 << 96;
    let pool = ScriptedJediSwap::deploy(&owner, u256(one, 0), 3000, 10u128.pow(18)).await;
    let address = format!("{:#x}", pool.address);
    devnet.rpc("devnet_mint", json!({"address": address, "amount": 7_000_000, "unit": "FRI"})).await;
    devnet.rpc("devnet_mint", json!({"address": address, "amount": 5_000_000, "unit": "WEI"})).await;

    let provider = provider(devnet);
    let jediswap = JediSwapPool { address: pool.address, quote: QuoteToken::Token1 };
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
        last = pool.swap(&owner, 100 * i, i % 2 == 0, u256(sqrt, 0)).await;
    }
    let pinned = reader.sample(Protocol::JediSwap, Some(first.block_number), Some(last)).await.unwrap();
    assert_eq!(pinned.block_number, last);
    assert_eq!(pinned.block_hash, block_hash(&provider, last).await);
    assert_eq!(pinned.volume, Amount::from(2_800u64), "every swap of the seven, over three pages");
    assert_eq!(pinned.fees, Amount::from(8u64), "0.3 % of 2800, floored");
    assert_eq!(pinned.price.sqrt, Amount::from(one * 2));
    assert_eq!(pinned.tvl, Amount::from(33_000_000u64), "7e6 STRK at price 4 plus 5e6 ETH");

    // A swap in the next block changes nothing about a sample pinned to `last`.
    let after = pool.swap(&owner, 10_000, false, u256(one * 3, 0)).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ekubo_pool_is_read_by_its_key_and_other_pools_swaps_are_ignored() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let owner = devnet_operator(&devnet.url, devnet.accounts().await[0]);
    let core = ScriptedEkubo::deploy(&owner).await;
    // 0.05 % fee as a 0.128 fraction; another pool differs only in its tick spacing.
    let key = ScriptedEkubo::key((1u128 << 127) / 1000, 100);
    let other = ScriptedEkubo::key(key.fee, 200);
    // sqrt_ratio = 2^128 (price 1), liquidity 1e6.
    let start = core.initialize(&owner, &key, u256(0, 1), 1_000_000).await;

    let provider = provider(devnet);
    let ekubo = EkuboPool { core: core.core, key, quote: QuoteToken::Token1 };
    let reader = ChainPools::new(provider.clone(), None, Some(ekubo), PER_PAGE);
    let first = reader.sample(Protocol::Ekubo, None, Some(start)).await.unwrap();
    assert_eq!(first.price.fraction_bits, 128);
    assert_eq!(first.price.sqrt, Amount::from_u256(0, 1));
    assert_eq!(first.liquidity, 1_000_000);
    assert_eq!(first.tvl, Amount::from(2_000_000u64), "1e6 of each token's virtual reserve at price 1");

    // Four swaps on our pool and four on the other, interleaved; eight events over three pages.
    let mut last = start;
    for i in 1..=4u128 {
        core.swap(&owner, &other, 1_000_000, u256(0, 1), 5).await;
        let sqrt = if i == 4 { u256(0, 2) } else { u256(0, 1) };
        last = core.swap(&owner, &key, 1_000 * i, sqrt, 1_000_000).await;
    }
    let sample = reader.sample(Protocol::Ekubo, Some(start), Some(last)).await.unwrap();
    assert_eq!(sample.volume, Amount::from(10_000u64), "1000 + 2000 + 3000 + 4000 of this pool only");
    assert_eq!(sample.fees, Amount::from(4u64), "0.05 % of 10000, floored");
    assert_eq!(sample.price.sqrt, Amount::from_u256(0, 2));
    // At sqrt 2: 1e6 liquidity stands for 5e5 token0 and 2e6 token1; 5e5 token0 at price 4 is 2e6.
    assert_eq!(sample.tvl, Amount::from(4_000_000u64));
    assert_eq!(sample.block_hash, block_hash(&provider, last).await);
}
