//! The Starknet adapters against a real starknet-devnet 0.10.1 on loopback.

use crate::support;

use std::sync::Arc;

use starknet::core::types::Felt;
use starkrisk_domain::ports::{AllocationExecutor, ChainError, ExecutionOutcome};
use starkrisk_domain::{AllocationDecision, ModelVersion, ProverKind, examples};
use starkrisk_starknet::testing::{Devnet, free_port};
use starkrisk_starknet::*;
use support::*;

/// Fixed bounds (estimation off), taken from a real estimate of a call that works, times four.
async fn fixed_fees(
    url: &str,
    account: starkrisk_starknet::testing::DevnetAccount,
    call: starknet::core::types::Call,
) -> FeeSettings {
    let estimating = operator(
        vec![url.to_string()],
        account,
        FeeSettings { gas_margin_pct: 300, price_margin_pct: 300, ..estimated_fees() },
    );
    let signed: serde_json::Value =
        serde_json::from_slice(&estimating.prepare(vec![call]).await.unwrap().signed).unwrap();
    let read = |resource: &str, field: &str| {
        let hex = signed["resource_bounds"][resource][field].as_str().unwrap().trim_start_matches("0x").to_string();
        u128::from_str_radix(&hex, 16).unwrap()
    };
    let bounds = ResourceBounds {
        l1_gas: read("l1_gas", "max_amount") as u64,
        l1_gas_price: read("l1_gas", "max_price_per_unit"),
        l2_gas: read("l2_gas", "max_amount") as u64,
        l2_gas_price: read("l2_gas", "max_price_per_unit"),
        l1_data_gas: read("l1_data_gas", "max_amount") as u64,
        l1_data_gas_price: read("l1_data_gas", "max_price_per_unit"),
    };
    FeeSettings { estimate: false, fallback: Some(bounds), ..estimated_fees() }
}

/// The shared devnet, reset and taken for this test, its accounts, and a counter deployed from account 1.
async fn with_counter(
    initial: u128,
) -> (&'static Devnet, tokio::sync::MutexGuard<'static, ()>, Vec<starkrisk_starknet::testing::DevnetAccount>, Felt) {
    let (devnet, turn) = Devnet::exclusive().await;
    let accounts = devnet.accounts().await;
    let counter = deploy_counter(&devnet.url, accounts[1], initial).await;
    (devnet, turn, accounts, counter)
}

/// An executor adding the decision's `field` to `counter`.
fn counter_executor(operator: Arc<Operator>, counter: Felt, field: CalldataField) -> StarknetExecutor {
    let settings = ExecutorSettings {
        contract_address: format!("{counter:#x}"),
        entrypoint: "increase_counter".into(),
        calldata: vec![field],
        vault: false,
    };
    StarknetExecutor::new(operator, &settings).unwrap()
}

/// The worked example as a verified decision, ready to execute.
fn verified_decision() -> AllocationDecision {
    let now = chrono::Utc::now();
    let (mut decision, _) =
        AllocationDecision::plan(examples::statement(), ModelVersion::V1, vec![ProverKind::Luminair], now);
    decision.verified(None, now).unwrap();
    decision
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_id_guard_refuses_another_network() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let pool = RpcPool::new(rpc_settings(vec![devnet.url.clone()])).unwrap();
    pool.check_chain().await.unwrap();
    let mainnet =
        RpcPool::new(RpcSettings { chain_id: "SN_MAIN".into(), ..rpc_settings(vec![devnet.url.clone()]) }).unwrap();
    let error = mainnet.check_chain().await.unwrap_err().to_string();
    assert!(error.contains("serves chain SN_SEPOLIA, but starknet.chain_id is SN_MAIN"), "{error}");
    let dead = RpcPool::new(rpc_settings(vec![format!("http://127.0.0.1:{}", free_port())])).unwrap();
    assert!(matches!(dead.check_chain().await, Err(RpcError::Unavailable { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invokes_get_distinct_nonces_and_all_land() {
    let (devnet, _turn, accounts, counter) = with_counter(0).await;
    let operator = Arc::new(operator(vec![devnet.url.clone()], accounts[0], estimated_fees()));
    let tasks: Vec<_> = (1..=6u128)
        .map(|n| {
            let operator = operator.clone();
            tokio::spawn(async move { operator.invoke(vec![increase(counter, n)]).await.unwrap() })
        })
        .collect();
    let mut blocks = vec![];
    for task in tasks {
        match task.await.unwrap() {
            TxOutcome::Succeeded { block_number, .. } => blocks.push(block_number),
            other => panic!("an invoke did not land: {other:?}"),
        }
    }
    blocks.sort();
    blocks.dedup();
    assert_eq!(blocks.len(), 6, "one block per transaction on devnet");
    assert_eq!(counter_value(&devnet.url, counter).await, Felt::from(21u8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn estimated_fees_carry_the_margin_and_a_failing_call_is_refused_before_sending() {
    let (devnet, _turn, accounts, counter) = with_counter(0).await;
    let operator = operator(vec![devnet.url.clone()], accounts[0], estimated_fees());
    let prepared = operator.prepare(vec![increase(counter, 1)]).await.unwrap();
    let signed: serde_json::Value = serde_json::from_slice(&prepared.signed).unwrap();
    let l2 = &signed["resource_bounds"]["l2_gas"];
    let amount = u64::from_str_radix(l2["max_amount"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    assert!(amount > 0, "{signed}");
    operator.broadcast(&prepared).await.unwrap();
    assert!(matches!(operator.wait(prepared.tx_hash).await.unwrap(), ExecutionOutcome::Succeeded { .. }));
    match operator.invoke(vec![increase(counter, u128::MAX)]).await.unwrap() {
        TxOutcome::Rejected { reason } => assert!(reason.contains("fee estimation refused"), "{reason}"),
        other => panic!("expected a refusal before sending, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_reverts_on_chain_is_reported_as_reverted() {
    let (devnet, _turn, accounts, counter) = with_counter(1).await;
    let fees = fixed_fees(&devnet.url, accounts[0], increase(counter, 1)).await;
    let operator = operator(vec![devnet.url.clone()], accounts[0], fees);
    match operator.invoke(vec![increase(counter, u128::MAX)]).await.unwrap() {
        TxOutcome::Reverted { reason, .. } => assert!(!reason.is_empty()),
        other => panic!("expected a revert, got {other:?}"),
    }
    // Nothing changed, and the account still works.
    assert_eq!(counter_value(&devnet.url, counter).await, Felt::ONE);
    assert!(matches!(operator.invoke(vec![increase(counter, 2)]).await.unwrap(), TxOutcome::Succeeded { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_first_url_fails_over_and_is_marked_unhealthy() {
    let (devnet, _turn, accounts, counter) = with_counter(0).await;
    let dead = format!("http://127.0.0.1:{}", free_port());
    let operator = operator(vec![dead, devnet.url.clone()], accounts[0], estimated_fees());
    assert!(matches!(operator.invoke(vec![increase(counter, 5)]).await.unwrap(), TxOutcome::Succeeded { .. }));
    assert_eq!(counter_value(&devnet.url, counter).await, Felt::from(5u8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_executor_runs_a_decision_on_the_configured_entrypoint() {
    let (devnet, _turn, accounts, counter) = with_counter(100).await;
    let operator = Arc::new(operator(vec![devnet.url.clone()], accounts[0], estimated_fees()));
    let executor = counter_executor(operator, counter, CalldataField::JediswapBps);
    let decision = verified_decision();
    let prepared = executor.prepare(&decision).await.unwrap();
    assert_eq!(executor.outcome(prepared.tx_hash).await.unwrap(), ExecutionOutcome::Unknown, "not sent yet");
    executor.broadcast(&prepared).await.unwrap();
    executor.broadcast(&prepared).await.unwrap(); // sending it again is harmless
    assert!(matches!(executor.outcome(prepared.tx_hash).await.unwrap(), ExecutionOutcome::Succeeded { .. }));
    assert_eq!(counter_value(&devnet.url, counter).await, Felt::from(100u32 + 5972));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prepared_transaction_whose_nonce_was_taken_is_superseded() {
    let (devnet, _turn, accounts, counter) = with_counter(0).await;
    // Two processes on one account: the first signs but never sends; the second uses the same nonce.
    let crashed = operator(vec![devnet.url.clone()], accounts[0], estimated_fees());
    let lost = crashed.prepare(vec![increase(counter, 1)]).await.unwrap();
    let other = operator(vec![devnet.url.clone()], accounts[0], estimated_fees());
    assert!(matches!(other.invoke(vec![increase(counter, 2)]).await.unwrap(), TxOutcome::Succeeded { .. }));
    match crashed.broadcast(&lost).await {
        Err(ChainError::Superseded { tx_hash }) => assert_eq!(tx_hash, lost.tx_hash),
        other => panic!("expected the lost transaction to be superseded, got {other:?}"),
    }
    assert_eq!(counter_value(&devnet.url, counter).await, Felt::from(2u8), "only one of the two landed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_first_url_mid_run_does_not_fail_a_decision() {
    let (devnet, _turn, accounts, counter) = with_counter(0).await;
    let proxy = Proxy::start(devnet.url.trim_start_matches("http://").to_string()).await;
    let operator = Arc::new(operator(vec![proxy.url.clone(), devnet.url.clone()], accounts[0], estimated_fees()));
    let executor = counter_executor(operator.clone(), counter, CalldataField::EkuboBps);
    let decision = verified_decision();
    // Signed through the first URL, which then dies before the transaction is sent.
    let prepared = executor.prepare(&decision).await.unwrap();
    proxy.kill();
    executor.broadcast(&prepared).await.unwrap();
    assert!(matches!(executor.outcome(prepared.tx_hash).await.unwrap(), ExecutionOutcome::Succeeded { .. }));
    assert_eq!(counter_value(&devnet.url, counter).await, Felt::from(4028u32));
}
