//! The vault as a treasury on starknet-devnet, holding devnet's STRK: executions move the funds to the
//! proven split and conserve them, and every control the owner has is checked by the contract itself.

use std::sync::Arc;

use starknet::core::types::Felt;
use starknet::core::utils::cairo_short_string_to_felt;
use starkrisk_domain::ports::AllocationExecutor;
use starkrisk_domain::{TreasuryBalances, TxHash};
use starkrisk_starknet::testing::Devnet;
use starkrisk_starknet::vault::{self, u256};
use starkrisk_starknet::{CalldataField, ExecutorSettings, Operator, StarknetExecutor, TxOutcome};

use super::*;

/// The example's outputs under model v1 with the split `jediswap`/`ekubo`, read at snapshot `block`.
fn split(jediswap: u16, ekubo: u16, block: u64) -> Vec<Felt> {
    let mut felts = outputs();
    felts[27] = Felt::from(jediswap);
    felts[28] = Felt::from(ekubo);
    felts[29] = Felt::from(block);
    felts
}

async fn balances(operator: &Operator, vault: Felt) -> TreasuryBalances {
    vault::treasury(operator.provider(), vault).await.unwrap()
}

/// What the token itself says `holder` has: read apart from the vault's own view.
async fn token_balance(operator: &Operator, holder: Felt) -> u128 {
    let answer = view(operator, vault::STRK, "balance_of", vec![holder]).await;
    assert_eq!(answer[1], Felt::ZERO, "within u128");
    u128::try_from(answer[0]).unwrap()
}

/// Executes `outputs` as decision `decision` and returns the transaction, or panics with the revert reason.
async fn execute_ok(operator: &Operator, vault: Felt, decision: u64, outputs: &[Felt]) -> TxHash {
    match operator.invoke(vec![execute(vault, decision, outputs)]).await.unwrap() {
        TxOutcome::Succeeded { tx_hash, .. } => tx_hash,
        other => panic!("decision {decision} was not executed: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_move_the_treasury_to_the_proven_split_and_conserve_it_under_the_owners_controls() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let accounts = devnet.accounts().await;
    let owner = support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees());
    let operator = Arc::new(support::operator(vec![devnet.url.clone()], accounts[1], estimated_fees()));
    let stranger = support::operator(vec![devnet.url.clone()], accounts[2], estimated_fees());
    let (registry, vault) = deploy_gate(&owner, &operator, 5, MAX_SNAPSHOT_AGE).await;
    let config = VerifierConfig::starkrisk();
    assert_eq!(reverted(&owner, vec![call(vault, "approve_model", vec![outputs()[0]])]).await, None);

    // The vault deployed one holding strategy per protocol, of its own and for its token.
    let strategies = view(&owner, vault, "strategies", vec![]).await;
    for (strategy, protocol) in strategies.iter().zip(["jediswap", "ekubo"]) {
        assert_eq!(view(&owner, *strategy, "protocol", vec![]).await, [cairo_short_string_to_felt(protocol).unwrap()]);
        assert_eq!(view(&owner, *strategy, "vault", vec![]).await, [vault]);
        assert_eq!(view(&owner, *strategy, "asset", vec![]).await, [vault::STRK]);
    }
    let (jediswap, ekubo) = (strategies[0], strategies[1]);

    // An odd total, so rounding shows: deploy_gate deposited TREASURY, the owner adds to it.
    let deposited = 10_000_001;
    vault::deposit(&owner, vault, vault::STRK, deposited - TREASURY).await.unwrap();
    let start = TreasuryBalances { idle: deposited, jediswap: 0, ekubo: 0 };
    assert_eq!(balances(&operator, vault).await, start);

    let first = split(6_000, 4_000, 1);
    assert_eq!(reverted(&owner, vec![register(registry, fact_of(&first), 96, &config)]).await, None);
    // Refused, each naming its cause, and not a unit moved: anyone but the operator, while paused, above
    // the owner's cap.
    assert_refused(reverted(&stranger, vec![execute(vault, 1, &first)]).await, "caller is not the operator");
    let pause = |paused: bool| call(vault, "set_paused", vec![Felt::from(paused)]);
    assert_refused(reverted(&operator, vec![pause(true)]).await, "caller is not the owner");
    assert_eq!(reverted(&owner, vec![pause(true)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, 1, &first)]).await, "execution paused");
    assert_eq!(reverted(&owner, vec![pause(false)]).await, None);
    let cap = |amount: u128| call(vault, "set_max_move", u256(amount).to_vec());
    assert_refused(reverted(&operator, vec![cap(u128::MAX)]).await, "caller is not the owner");
    assert_eq!(reverted(&owner, vec![cap(9_999_999)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, 1, &first)]).await, "move above max_move");
    assert_eq!(
        view(&owner, vault, "execution_controls", vec![]).await,
        [[Felt::ZERO].as_slice(), &u256(9_999_999)].concat()
    );
    // Nobody but the owner takes funds out, and not more than there is.
    for someone in [&*operator, &stranger] {
        assert_refused(
            reverted(someone, vec![call(vault, "withdraw", u256(1).to_vec())]).await,
            "caller is not the owner",
        );
    }
    let too_much = call(vault, "withdraw", u256(deposited + 1).to_vec());
    assert_refused(reverted(&owner, vec![too_much]).await, "insufficient funds");
    assert_eq!(balances(&operator, vault).await, start, "nothing moved");
    assert_eq!(view(&owner, vault, "executed", vec![Felt::ONE]).await, [Felt::ZERO]);

    // 6000/4000 moves everything out of idle: 10,000,001 in all, one unit left over by rounding down.
    assert_eq!(reverted(&owner, vec![cap(deposited)]).await, None);
    let executor = StarknetExecutor::new(
        operator.clone(),
        &ExecutorSettings {
            contract_address: format!("{vault:#x}"),
            entrypoint: "execute_allocation".into(),
            calldata: vec![CalldataField::DecisionId, CalldataField::Statement],
            vault: true,
        },
    )
    .unwrap();
    let tx = execute_ok(&operator, vault, 1, &first).await;
    let after_first = TreasuryBalances { idle: 1, jediswap: 6_000_000, ekubo: 4_000_000 };
    assert_eq!(balances(&operator, vault).await, after_first);
    assert_eq!((token_balance(&owner, jediswap).await, token_balance(&owner, ekubo).await), (6_000_000, 4_000_000));
    assert_eq!(token_balance(&owner, vault).await, 1);
    // The executor reads what moved from the receipt, as the vault recorded it.
    let moved = executor.execution_record(tx).await.unwrap().treasury.expect("a TreasuryRebalanced event");
    assert_eq!((moved.before, moved.after), (start, after_first));
    assert_eq!((moved.jediswap_deposited, moved.ekubo_deposited), (6_000_000, 4_000_000));
    assert_eq!((moved.jediswap_withdrawn, moved.ekubo_withdrawn), (0, 0));

    // 3000/7000 next: three million from JediSwap's strategy to Ekubo's, which the cap counts once.
    let second = split(3_000, 7_000, 2);
    assert_eq!(reverted(&owner, vec![register(registry, fact_of(&second), 96, &config)]).await, None);
    assert_eq!(reverted(&owner, vec![cap(2_999_999)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, 2, &second)]).await, "move above max_move");
    assert_eq!(balances(&operator, vault).await, after_first, "nothing moved");
    assert_eq!(reverted(&owner, vec![cap(3_000_000)]).await, None);
    let tx = execute_ok(&operator, vault, 2, &second).await;
    let after_second = TreasuryBalances { idle: 1, jediswap: 3_000_000, ekubo: 7_000_000 };
    assert_eq!(balances(&operator, vault).await, after_second);
    let moved = executor.execution_record(tx).await.unwrap().treasury.unwrap();
    assert_eq!((moved.jediswap_withdrawn, moved.ekubo_deposited), (3_000_000, 3_000_000));
    assert_eq!((moved.jediswap_deposited, moved.ekubo_withdrawn), (0, 0));
    assert_eq!(moved.after, after_second);

    // The owner withdraws from idle, then JediSwap's strategy, then Ekubo's; what is left is conserved.
    let withdrawn = 5_000_000;
    assert_eq!(reverted(&owner, vec![call(vault, "withdraw", u256(withdrawn).to_vec())]).await, None);
    let left = balances(&operator, vault).await;
    assert_eq!(left, TreasuryBalances { idle: 0, jediswap: 0, ekubo: 5_000_001 });
    for step in [after_first, after_second, left] {
        let expected = if step == left { deposited - withdrawn } else { deposited };
        assert_eq!(step.total(), Some(expected), "{step:?}");
    }
}
