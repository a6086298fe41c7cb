//! The AllocationVault as a treasury: its constructor's arguments, deploying it with its strategies,
//! the owner's deposits, the balances it reports and the `TreasuryRebalanced` event an execution emits.

use starknet::core::types::{Call, Felt};
use starknet::core::utils::get_selector_from_name;
use starkrisk_domain::ports::ChainError;
use starkrisk_domain::{TreasuryBalances, TreasuryRebalanced, TxHash};

use crate::account::{Operator, StarknetProvider};
use crate::contracts::{self, ALLOCATION_VAULT, HOLDING_STRATEGY};

/// STRK, the token devnet predeploys and funds its accounts with, at the same address as on Sepolia and
/// mainnet: the treasury token `chain deploy` chooses unless told otherwise.
pub const STRK: Felt = Felt::from_hex_unchecked("0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d");

/// What a vault is deployed with, in the constructor's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultArguments {
    /// Approves models, sets the limits and controls, and alone moves funds in and out.
    pub owner: Felt,
    /// The only account that executes allocations.
    pub operator: Felt,
    /// The FactRegistry whose verifications gate execution.
    pub fact_registry: Felt,
    /// The program the proofs are of.
    pub program_hash: Felt,
    /// The program models are bound to (the Cairo risk program, whatever the proofs' program).
    pub model_program_hash: Felt,
    /// The verifier configuration's hash a verification must carry.
    pub verifier_config_hash: Felt,
    /// The fewest security bits a verification may have.
    pub min_security_bits: u32,
    /// The largest single share, bps.
    pub max_single_bps: u32,
    /// How many protocols must receive at least 1000 bps.
    pub min_diversification: u32,
    /// How many blocks old a decision's market snapshot may be.
    pub max_snapshot_age_blocks: u64,
    /// Whether statements of supplied metrics (a zero snapshot) execute.
    pub accepts_supplied_metrics: bool,
    /// The treasury's ERC-20 token.
    pub token: Felt,
    /// The bootloader whose proofs of `program_hash` also unlock execution (Atlantic's); zero for none.
    pub bootloader_program_hash: Felt,
}

impl VaultArguments {
    /// The constructor's calldata, with the class of the strategies the vault deploys for itself.
    pub fn calldata(&self, strategy_class: Felt) -> Vec<Felt> {
        vec![
            self.owner,
            self.operator,
            self.fact_registry,
            self.program_hash,
            self.model_program_hash,
            self.verifier_config_hash,
            Felt::from(self.min_security_bits),
            Felt::from(self.max_single_bps),
            Felt::from(self.min_diversification),
            Felt::from(self.max_snapshot_age_blocks),
            Felt::from(self.accepts_supplied_metrics),
            self.token,
            strategy_class,
            self.bootloader_program_hash,
        ]
    }
}

/// Declares the vault and the holding strategy (unless known) and deploys the vault under `salt`, which
/// deploys its two holding strategies; returns the vault's address. Re-running reuses what is there.
pub async fn deploy(operator: &Operator, arguments: &VaultArguments, salt: Felt) -> Result<Felt, ChainError> {
    let strategy_class = contracts::declare(operator, &HOLDING_STRATEGY).await?;
    let vault_class = contracts::declare(operator, &ALLOCATION_VAULT).await?;
    contracts::deploy(operator, vault_class, &arguments.calldata(strategy_class), salt).await
}

/// The owner's deposit of `amount` of `token` into `vault`: the token's approval and the deposit, in one
/// transaction so no allowance is left behind.
pub async fn deposit(owner: &Operator, vault: Felt, token: Felt, amount: u128) -> Result<TxHash, ChainError> {
    let amount = u256(amount);
    let approve = call(token, "approve", [vec![vault], amount.to_vec()].concat())?;
    let deposit = call(vault, "deposit", amount.to_vec())?;
    contracts::sent(owner.invoke(vec![approve, deposit]).await?)
}

/// The vault's treasury as it reports it now: idle, then in each strategy.
pub async fn treasury(provider: &StarknetProvider, vault: Felt) -> Result<TreasuryBalances, ChainError> {
    let felts = contracts::view(provider, vault, "treasury", vec![]).await?;
    let amounts = amounts(&felts)
        .filter(|a| a.len() == 3)
        .ok_or_else(|| ChainError::Unknown(anyhow::anyhow!("treasury answered {felts:?}, not three amounts")))?;
    Ok(TreasuryBalances { idle: amounts[0], jediswap: amounts[1], ekubo: amounts[2] })
}

/// The vault's treasury token.
pub async fn token(provider: &StarknetProvider, vault: Felt) -> Result<Felt, ChainError> {
    let felts = contracts::view(provider, vault, "token", vec![]).await?;
    felts.first().copied().ok_or_else(|| ChainError::Unknown(anyhow::anyhow!("token answered nothing")))
}

/// Decodes the vault's `TreasuryRebalanced` (keys: selector, decision id; data: four amounts moved, then
/// the balances before and after, each a u256) from an event's keys and data.
pub fn rebalanced(keys: &[Felt], data: &[Felt]) -> Option<TreasuryRebalanced> {
    let selector = get_selector_from_name("TreasuryRebalanced").ok()?;
    if keys.len() != 2 || keys[0] != selector {
        return None;
    }
    let a = amounts(data).filter(|a| a.len() == 10)?;
    Some(TreasuryRebalanced {
        jediswap_withdrawn: a[0],
        jediswap_deposited: a[1],
        ekubo_withdrawn: a[2],
        ekubo_deposited: a[3],
        before: TreasuryBalances { idle: a[4], jediswap: a[5], ekubo: a[6] },
        after: TreasuryBalances { idle: a[7], jediswap: a[8], ekubo: a[9] },
    })
}

/// u256 values (low, high) as u128s; `None` when one passes u128, which no token's supply reaches.
fn amounts(felts: &[Felt]) -> Option<Vec<u128>> {
    if !felts.len().is_multiple_of(2) {
        return None;
    }
    felts.chunks(2).map(|pair| if pair[1] == Felt::ZERO { u128::try_from(pair[0]).ok() } else { None }).collect()
}

/// A u256 as Cairo serializes it: low, then high.
pub fn u256(amount: u128) -> [Felt; 2] {
    [Felt::from(amount), Felt::ZERO]
}

fn call(to: Felt, entrypoint: &str, calldata: Vec<Felt>) -> Result<Call, ChainError> {
    Ok(Call { to, selector: contracts::selector(entrypoint)?, calldata })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_event_decodes_with_every_amount_in_its_place_and_a_foreign_one_does_not() {
        let keys = [get_selector_from_name("TreasuryRebalanced").unwrap(), Felt::from(7u8)];
        let data: Vec<Felt> = (1..=10u128).flat_map(|n| u256(n * 1_000_000_000_000_000_000)).collect();
        let event = rebalanced(&keys, &data).unwrap();
        let e18 = 1_000_000_000_000_000_000;
        assert_eq!((event.jediswap_withdrawn, event.ekubo_deposited), (e18, 4 * e18));
        assert_eq!(event.before, TreasuryBalances { idle: 5 * e18, jediswap: 6 * e18, ekubo: 7 * e18 });
        assert_eq!(event.after, TreasuryBalances { idle: 8 * e18, jediswap: 9 * e18, ekubo: 10 * e18 });
        assert_eq!(rebalanced(&[keys[0]], &data), None, "no decision id");
        assert_eq!(rebalanced(&keys, &data[..18]), None, "an amount short");
        let mut huge = data.clone();
        huge[1] = Felt::ONE;
        assert_eq!(rebalanced(&keys, &huge), None, "an amount past u128");
        let other = [get_selector_from_name("AllocationExecuted").unwrap(), Felt::from(7u8)];
        assert_eq!(rebalanced(&other, &data), None);
    }
}
