//! Scripted markets on devnet: the JediSwap pool and Ekubo Core stand-ins deployed over devnet's STRK
//! (token0) and ETH (token1), and swaps recorded one block each, for the readers' and the service's tests.

use std::sync::Arc;

use starknet::core::chain_id::SEPOLIA;
use starknet::core::types::{Call, Felt};
use starknet::core::utils::get_selector_from_name;
use starknet::signers::{LocalWallet, SigningKey};

use crate::contracts::{self, EKUBO_CORE_STAND_IN, JEDISWAP_POOL_STAND_IN};
use crate::markets::EkuboPoolKey;
use crate::testing::DevnetAccount;
use crate::{FeeSettings, Operator, ReceiptSettings, RpcPool, RpcSettings, TxOutcome};

/// devnet's STRK, the lower address of the two fee tokens and so a pool's token0.
pub const STRK: &str = "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";
/// devnet's ETH, token1.
pub const ETH: &str = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";

/// A hex constant as a felt.
pub fn felt(hex: &str) -> Felt {
    Felt::from_hex(hex).unwrap_or_else(|e| panic!("{hex}: {e}"))
}

/// An operator on devnet at `url` signing for `account`, fees estimated.
pub fn devnet_operator(url: &str, account: DevnetAccount) -> Operator {
    let settings = RpcSettings {
        rpc_urls: vec![url.to_string()],
        chain_id: "SN_SEPOLIA".into(),
        request_timeout_ms: 5_000,
        max_attempts: 3,
        backoff_base_ms: 20,
        backoff_max_ms: 200,
        unhealthy_cooldown_ms: 60_000,
    };
    let pool = Arc::new(RpcPool::new(settings).unwrap_or_else(|e| panic!("{e}")));
    let wallet = LocalWallet::from_signing_key(SigningKey::from_secret_scalar(account.private_key));
    let fees = FeeSettings { estimate: true, gas_margin_pct: 50, price_margin_pct: 50, fallback: None };
    Operator::new(pool, wallet, account.address, SEPOLIA, fees, ReceiptSettings { timeout_ms: 10_000, poll_ms: 50 })
}

/// Sends one call and returns the block it landed in (devnet closes a block per transaction).
pub async fn send(operator: &Operator, to: Felt, entrypoint: &str, calldata: Vec<Felt>) -> u64 {
    let selector = get_selector_from_name(entrypoint).unwrap_or_else(|e| panic!("{entrypoint}: {e}"));
    match operator.invoke(vec![Call { to, selector, calldata }]).await {
        Ok(TxOutcome::Succeeded { block_number, .. }) => block_number,
        other => panic!("{entrypoint}: {other:?}"),
    }
}

/// A u256 as calldata, low word first.
pub fn u256(low: u128, high: u128) -> [Felt; 2] {
    [Felt::from(low), Felt::from(high)]
}

/// A deployed JediSwap pool stand-in (token0 STRK, token1 ETH).
pub struct ScriptedJediSwap {
    /// The pool.
    pub address: Felt,
}

impl ScriptedJediSwap {
    /// Declares and deploys a pool at root price `sqrt` (Q64.96, as u256 words) with `fee` and `liquidity`.
    pub async fn deploy(operator: &Operator, sqrt: [Felt; 2], fee: u32, liquidity: u128) -> Self {
        let class = contracts::declare(operator, &JEDISWAP_POOL_STAND_IN).await.unwrap_or_else(|e| panic!("{e}"));
        let mut args = vec![felt(STRK), felt(ETH), Felt::from(fee)];
        args.extend(sqrt);
        args.push(Felt::from(liquidity));
        let address = contracts::deploy(operator, class, &args, Felt::ONE).await.unwrap_or_else(|e| panic!("{e}"));
        Self { address }
    }

    /// Records a swap of `amount1` ETH (paid in unless `out`, half as much STRK the other way) that leaves
    /// the pool at `sqrt`; the block it landed in.
    pub async fn swap(&self, operator: &Operator, amount1: u128, out: bool, sqrt: [Felt; 2]) -> u64 {
        let mut calldata = vec![Felt::from(amount1 / 2), Felt::ZERO, Felt::from(u8::from(!out))];
        calldata.extend([Felt::from(amount1), Felt::ZERO, Felt::from(u8::from(out))]);
        calldata.extend(sqrt);
        calldata.extend([Felt::from(10u128.pow(18)), Felt::from(7u8), Felt::ZERO]);
        send(operator, self.address, "record_swap", calldata).await
    }
}

/// A deployed Ekubo Core stand-in.
pub struct ScriptedEkubo {
    /// The Core.
    pub core: Felt,
}

impl ScriptedEkubo {
    /// Declares and deploys a Core.
    pub async fn deploy(operator: &Operator) -> Self {
        let class = contracts::declare(operator, &EKUBO_CORE_STAND_IN).await.unwrap_or_else(|e| panic!("{e}"));
        Self { core: contracts::deploy(operator, class, &[], Felt::ONE).await.unwrap_or_else(|e| panic!("{e}")) }
    }

    /// A pool key over STRK and ETH with `fee` (0.128 fraction) and `tick_spacing`.
    pub fn key(fee: u128, tick_spacing: u128) -> EkuboPoolKey {
        EkuboPoolKey { token0: felt(STRK), token1: felt(ETH), fee, tick_spacing, extension: Felt::ZERO }
    }

    /// Sets `key`'s pool at root price `sqrt` (Q128.128 as u256 words) with `liquidity`; the block.
    pub async fn initialize(&self, operator: &Operator, key: &EkuboPoolKey, sqrt: [Felt; 2], liquidity: u128) -> u64 {
        let mut calldata = key.to_felts().to_vec();
        calldata.extend(sqrt);
        calldata.push(Felt::from(liquidity));
        send(operator, self.core, "initialize_pool", calldata).await
    }

    /// Records a swap on `key` of `amount1` token1 in (half as much token0 out) that leaves the pool at
    /// `sqrt` with `liquidity`; the block it landed in.
    pub async fn swap(
        &self,
        operator: &Operator,
        key: &EkuboPoolKey,
        amount1: u128,
        sqrt: [Felt; 2],
        liquidity: u128,
    ) -> u64 {
        let mut calldata = key.to_felts().to_vec();
        // params: amount (i129), is_token1, sqrt_ratio_limit (u256), skip_ahead.
        calldata.extend([Felt::from(amount1), Felt::ZERO, Felt::ONE, Felt::ZERO, Felt::ONE, Felt::ZERO]);
        // delta: amount0 (i129, negative: paid out), amount1 (i129).
        calldata.extend([Felt::from(amount1 / 2), Felt::ONE, Felt::from(amount1), Felt::ZERO]);
        calldata.extend(sqrt);
        calldata.extend([Felt::from(3u8), Felt::ZERO, Felt::from(liquidity)]);
        send(operator, self.core, "record_swap", calldata).await
    }
}
