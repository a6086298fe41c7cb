//! `starkrisk chain approve-model`: the vault owner's approval of a registered model, signed with the owner's
//! key or printed for an owner that signs elsewhere. Off a devnet the service never approves models itself,
//! so a new model's decisions wait, verified, until this runs.

use anyhow::{Context, bail};
use starkrisk_domain::ports::ChainError;
use starkrisk_domain::{Felt, ModelVersion};
use starkrisk_starknet::{KeystoreSettings, Operator, StarknetProvider, contracts};

use crate::Settings;

/// The variable the owner's keystore password is read from (never a flag: it would land in shell history).
pub const OWNER_PASSWORD_ENV: &str = "STARKRISK_OWNER_KEYSTORE_PASSWORD";

/// Approves model `version` (the active one when `None`) on the configured vault: signed by `signer` (the
/// owner's address and keystore), or printed as a call when there is none.
pub async fn approve_model(
    settings: &Settings,
    version: Option<u32>,
    signer: Option<(String, std::path::PathBuf)>,
) -> anyhow::Result<()> {
    let starknet = &settings.starknet;
    let vault = configured_vault(settings)?;
    let registry = crate::chain_cli::model_registry(settings).await?;
    let model = match version {
        Some(number) => registry.version(ModelVersion::new(number).context("--version")?).await?,
        None => registry.current().await?,
    };
    let pool = starknet.pool().await?;
    let provider = StarknetProvider::new(pool.clone());
    let hash = model.model_hash();
    // The vault recomputes the hash from every statement it executes: approving a hash it would compute
    // otherwise (a vault for another program) would approve nothing.
    let vaults = contracts::vault_model_hash(&provider, vault, &model).await?;
    if vaults != hash.felt() {
        bail!(
            "the vault {vault:#x} hashes model {} to {vaults:#x}, not {hash}: it expects another program than {}; \
             deploy a vault for this one",
            model.version(),
            model.program_hash()
        );
    }
    let named = format!("model {} ({hash}) on the vault {vault:#x}", model.version());
    if contracts::is_model_approved(&provider, vault, hash.felt()).await? {
        println!("{named} is already approved");
        return Ok(());
    }
    let Some((owner, keystore)) = signer else {
        let call = serde_json::json!({
            "contract_address": format!("{vault:#x}"),
            "entrypoint": "approve_model",
            "calldata": [hash.to_string()],
        });
        println!("{}", serde_json::to_string_pretty(&call)?);
        return Ok(());
    };
    let owner = owner_account(settings, pool, &owner, keystore)?;
    match contracts::approve_model(&owner, vault, hash.felt()).await {
        Ok(tx_hash) => {
            println!("approved {named} in {tx_hash}");
            Ok(())
        }
        Err(error) => Err(refused_as_owner(error, &owner, vault, "approval")),
    }
}

/// The vault `starknet.executor` names.
pub(crate) fn configured_vault(settings: &Settings) -> anyhow::Result<Felt> {
    let starknet = &settings.starknet;
    if !starknet.enabled || starknet.executor.contract_address.is_empty() || !starknet.executor.vault {
        bail!(
            "no vault is configured: enable [starknet] and set starknet.executor (contract_address, vault = true) to \
             what `starkrisk chain deploy` printed"
        );
    }
    let text = &starknet.executor.contract_address;
    Felt::from_hex(text)
        .map_err(|_| anyhow::anyhow!("starknet.executor.contract_address: `{text}` is not a hex address"))
}

/// The owner's account at `address`, unlocked from `keystore` with the password in [`OWNER_PASSWORD_ENV`].
pub(crate) fn owner_account(
    settings: &Settings,
    pool: std::sync::Arc<starkrisk_starknet::RpcPool>,
    address: &str,
    keystore: std::path::PathBuf,
) -> anyhow::Result<Operator> {
    let keystore =
        KeystoreSettings { path: Some(keystore), password_env: Some(OWNER_PASSWORD_ENV.into()), password_file: None };
    settings.starknet.account(pool, "--owner", address, &keystore)
}

/// A chain error, said plainly when the vault refused `owner` for not owning it.
pub(crate) fn refused_as_owner(error: ChainError, owner: &Operator, vault: Felt, what: &str) -> anyhow::Error {
    match error {
        ChainError::Rejected { reason, .. } if reason.contains("caller is not the owner") => {
            anyhow::anyhow!(
                "{:#x} is not the owner of the vault {vault:#x}: the vault refused its {what}",
                owner.address()
            )
        }
        other => other.into(),
    }
}
