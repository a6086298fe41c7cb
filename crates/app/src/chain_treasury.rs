//! `starkrisk chain deposit`: the vault owner's deposit into the treasury, signed with the owner's key or
//! printed as the two calls (the token's approval, the vault's deposit) for an owner that signs elsewhere.

use starkrisk_starknet::vault;

use crate::Settings;
use crate::chain_approve::{configured_vault, owner_account, refused_as_owner};

/// Deposits `amount` base units of the vault's token into the configured vault, signed by `signer` (the
/// owner's address and keystore), or prints the calls when there is none.
pub async fn deposit(
    settings: &Settings,
    amount: u128,
    signer: Option<(String, std::path::PathBuf)>,
) -> anyhow::Result<()> {
    let vault = configured_vault(settings)?;
    let pool = settings.starknet.pool().await?;
    let provider = starkrisk_starknet::StarknetProvider::new(pool.clone());
    let token = vault::token(&provider, vault).await?;
    let Some((owner, keystore)) = signer else {
        let [low, high] = vault::u256(amount).map(|felt| format!("{felt:#x}"));
        let calls = serde_json::json!([
            {"contract_address": format!("{token:#x}"), "entrypoint": "approve",
             "calldata": [format!("{vault:#x}"), low, high]},
            {"contract_address": format!("{vault:#x}"), "entrypoint": "deposit", "calldata": [low, high]},
        ]);
        println!("{}", serde_json::to_string_pretty(&calls)?);
        return Ok(());
    };
    let owner = owner_account(settings, pool, &owner, keystore)?;
    let tx_hash = vault::deposit(&owner, vault, token, amount)
        .await
        .map_err(|e| refused_as_owner(e, &owner, vault, "deposit"))?;
    let held = vault::treasury(&provider, vault).await?;
    println!("deposited {amount} of {token:#x} into the vault {vault:#x} in {tx_hash}; it holds {held}");
    Ok(())
}

/// Says whether `text` is a token amount in base units, for clap.
pub fn amount(text: &str) -> Result<u128, String> {
    let value: u128 = text.parse().map_err(|_| format!("`{text}` is not a whole number of the token's base units"))?;
    if value == 0 {
        return Err("a deposit of 0 moves nothing".into());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_amount_is_a_positive_whole_number_of_base_units() {
        assert_eq!(super::amount("100000000000000000000"), Ok(100_000_000_000_000_000_000));
        for bad in ["0", "-1", "1.5", "1e18", ""] {
            assert!(super::amount(bad).is_err(), "{bad}");
        }
    }
}
