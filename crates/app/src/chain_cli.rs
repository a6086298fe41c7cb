//! `starkrisk chain deploy` (`chain approve-model` is in chain_approve.rs): declares and deploys the AllocationVault from the operator's account, gated
//! on Integrity's FactRegistry (the published one on a public network; on a starknet-devnet, Integrity's
//! own FactRegistry and verifier, deployed here, or on request the operator's stand-in), approves the
//! active model on the vault, and prints the profile lines that point the service at them. Re-running
//! reuses what is already there.

use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use starkrisk_domain::usecases::ModelRegistry;
use starkrisk_domain::{Felt, ProgramHash, VerifierConfig};
use starkrisk_starknet::Operator;
use starkrisk_starknet::contracts::{self, FACT_REGISTRY_STAND_IN};
use starkrisk_starknet::integrity_contracts::{self, IntegrityClasses};
use starkrisk_starknet::vault::{self, VaultArguments};

use crate::Settings;
use starkrisk_domain::ports::SystemClock;

/// The chain subcommands.
#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Deploy the on-chain gate and approve the active model on it.
    Deploy {
        /// Gate the vault on starkrisk's FactRegistry stand-in instead of Integrity, so S-two decisions execute
        /// with their facts attested by the operator, not verified on chain: on a starknet-devnet only (asked
        /// of the node itself; refused on any other chain).
        #[arg(long)]
        local_registry: bool,
        /// The vault's owner, who approves models and sets the limits (default: the operator account itself,
        /// on a devnet only: on SN_SEPOLIA and SN_MAIN an owner other than the operator is required).
        #[arg(long)]
        owner: Option<String>,
        /// How many blocks old a decision's market snapshot may be when the vault executes it (the owner can
        /// change it with set_max_snapshot_age).
        #[arg(long, default_value_t = 600)]
        max_snapshot_age_blocks: u64,
        /// The treasury's ERC-20 token (default: STRK, at the same address on devnet, Sepolia and mainnet).
        #[arg(long)]
        token: Option<String>,
        /// Base units of the token the operator deposits as the vault's owner, when the treasury is empty
        /// (default: 100 STRK on a devnet whose vault the operator owns; otherwise none, and the owner
        /// deposits with the vault's `deposit` after approving the token).
        #[arg(long)]
        deposit: Option<u128>,
        /// Deployment salt: the same salt, class and arguments give the same addresses, so a re-run reuses them.
        #[arg(long, default_value = "0x737461726b7269736b")]
        salt: String,
        /// Print the settings as `toml` profile lines or as `env` variables.
        #[arg(long, value_enum, default_value_t = Format::Toml)]
        format: Format,
    },
    /// Approve a registered model on the vault (`starknet.executor.contract_address`) with its owner's key,
    /// or print the call for an owner that signs elsewhere (a multisig).
    ApproveModel {
        /// The model version to approve (default: the active model).
        #[arg(long)]
        version: Option<u32>,
        /// The owner's key, or `--print-call`.
        #[command(flatten)]
        signer: OwnerSigner,
    },
    /// Deposit into the vault's treasury (`starknet.executor.contract_address`) with its owner's key, or print
    /// the two calls (the token's approval, the deposit) for an owner that signs elsewhere.
    Deposit {
        /// Base units of the vault's token (18 decimals for STRK: 1 STRK is 1000000000000000000).
        #[arg(long, value_parser = crate::chain_treasury::amount)]
        amount: u128,
        /// The owner's key, or `--print-call`.
        #[command(flatten)]
        signer: OwnerSigner,
    },
}

/// Who signs an owner's call: the owner's key, or nobody when the call is only printed (for a multisig).
#[derive(Debug, clap::Args)]
pub struct OwnerSigner {
    /// The vault owner's account address.
    #[arg(long, required_unless_present = "print_call")]
    owner: Option<String>,
    /// The owner's encrypted keystore, unlocked with the password in STARKRISK_OWNER_KEYSTORE_PASSWORD.
    #[arg(long, required_unless_present = "print_call")]
    owner_keystore: Option<std::path::PathBuf>,
    /// Print the call(s) as JSON and send nothing.
    #[arg(long, conflicts_with_all = ["owner", "owner_keystore"])]
    print_call: bool,
}

impl OwnerSigner {
    /// The owner's address and keystore; `None` when the call is to be printed.
    fn key(self) -> Option<(String, std::path::PathBuf)> {
        self.owner.zip(self.owner_keystore).filter(|_| !self.print_call)
    }
}

/// How the resulting settings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Lines to paste into the profile.
    Toml,
    /// `STARKRISK__…=…` lines for the environment.
    Env,
}

/// The treasury `chain deploy` sets up: its token and what the operator deposits into it.
struct Treasury {
    token: Option<String>,
    deposit: Option<u128>,
}

/// What `chain deploy` deposits on a devnet whose vault the operator owns: 100 STRK (18 decimals), a
/// tenth of what devnet gives each predeployed account.
const DEVNET_DEPOSIT: u128 = 100_000_000_000_000_000_000;

/// What the vault checks, and against which registry.
struct Gate {
    registry: Felt,
    program: ProgramHash,
    config: VerifierConfig,
    min_security_bits: u32,
}

/// Runs one chain subcommand.
pub async fn run(command: ChainCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        ChainCommand::Deploy { local_registry, owner, max_snapshot_age_blocks, token, deposit, salt, format } => {
            let treasury = Treasury { token, deposit };
            deploy(settings, local_registry, owner, max_snapshot_age_blocks, treasury, salt, format).await
        }
        ChainCommand::ApproveModel { version, signer } => {
            crate::chain_approve::approve_model(settings, version, signer.key()).await
        }
        ChainCommand::Deposit { amount, signer } => {
            crate::chain_treasury::deposit(settings, amount, signer.key()).await
        }
    }
}

async fn deploy(
    settings: &Settings,
    local_registry: bool,
    owner: Option<String>,
    max_snapshot_age_blocks: u64,
    treasury: Treasury,
    salt: String,
    format: Format,
) -> anyhow::Result<()> {
    let token = match treasury.token.as_deref() {
        Some(text) => Felt::from_hex(text).map_err(|_| anyhow::anyhow!("--token: `{text}` is not a hex address"))?,
        None => vault::STRK,
    };
    let salt = Felt::from_hex(&salt).map_err(|_| anyhow::anyhow!("--salt: `{salt}` is not a hex felt"))?;
    if !settings.starknet.enabled {
        bail!("starknet.enabled is false in this profile: enable [starknet] (rpc_urls, account_address, keystore)");
    }
    let chain = settings.starknet.connect(settings.pipeline.fact_verifier.clone()).await?;
    let operator = chain.operator.clone();
    let owner = match owner.as_deref() {
        Some(text) => Felt::from_hex(text).map_err(|_| anyhow::anyhow!("--owner: `{text}` is not a hex address"))?,
        None => operator.address(),
    };
    let programs = settings.risk_programs()?;
    let devnet = operator.pool().is_devnet().await;
    let min_security_bits = settings.pipeline.fact_min_security_bits;
    let gate = if local_registry {
        if !devnet {
            bail!(
                "--local-registry is for a starknet-devnet only, and {} does not answer as one (devnet_getConfig); \
                 here the vault reads Integrity's FactRegistry: deploy without it",
                settings.starknet.rpc.rpc_urls.join(", ")
            );
        }
        let class = contracts::declare(&operator, &FACT_REGISTRY_STAND_IN).await?;
        let registry = contracts::deploy(&operator, class, &[operator.address()], salt).await?;
        Gate { registry, program: programs.stwo_air, config: VerifierConfig::local_stwo(), min_security_bits }
    } else if devnet {
        // No Integrity is published on a devnet: the project deploys Integrity's own contracts, compiled
        // by deploy/local/integrity.sh, so facts there are verified by Integrity's verifier as on Sepolia.
        let config = settings.pipeline.fact_verifier.clone();
        let classes = IntegrityClasses::load(&config)?;
        let deployed = integrity_contracts::deploy(&operator, &classes, &config, salt).await?;
        println!(
            "Integrity {} FactRegistry {:#x}, verifier {:#x} for {config:?}",
            integrity_contracts::commit(),
            deployed.fact_registry,
            deployed.verifier
        );
        Gate { registry: deployed.fact_registry, program: programs.cairo, config, min_security_bits }
    } else {
        let chain_id = settings.starknet.rpc.chain_id.as_str();
        if matches!(chain_id, "SN_MAIN" | "SN_SEPOLIA") && owner == operator.address() {
            bail!(
                "on {chain_id} the vault's owner must not be the operator: the owner approves models, and an operator \
                 key that could also approve them could execute any model; pass --owner 0x… (a key of its own or a \
                 multisig), who then approves models with approve_model"
            );
        }
        let text = &settings.starknet.integrity.fact_registry;
        let registry = Felt::from_hex(text).map_err(|_| {
            anyhow::anyhow!("starknet.integrity.fact_registry: `{text}` is not Integrity's FactRegistry address")
        })?;
        let config = settings.pipeline.fact_verifier.clone();
        Gate { registry, program: programs.cairo, config, min_security_bits }
    };
    let arguments = VaultArguments {
        owner,
        operator: operator.address(),
        fact_registry: gate.registry,
        program_hash: gate.program.felt(),
        // Models are bound to the Cairo risk program, whichever program the gate's proofs are of.
        model_program_hash: programs.cairo.felt(),
        verifier_config_hash: gate.config.hash().context("pipeline.fact_verifier")?,
        min_security_bits: gate.min_security_bits,
        // The governance limits the service checks, checked by the vault too; the owner can change them.
        max_single_bps: settings.pipeline.max_single_bps,
        min_diversification: settings.pipeline.min_diversification.into(),
        max_snapshot_age_blocks,
        // Metrics supplied in a request (a zero snapshot) move funds on a devnet only.
        accepts_supplied_metrics: devnet && settings.pipeline.allow_supplied_metrics,
        token,
        // Atlantic's proofs are of the bootloader running the Cairo program: the vault accepts their facts too.
        bootloader_program_hash: match programs.bootloader {
            Some(bootloader) if gate.program == programs.cairo => bootloader.felt(),
            _ => Felt::ZERO,
        },
    };
    let vault = vault::deploy(&operator, &arguments, salt).await?;
    let model = active_model(settings).await?;
    let approval = approve(&operator, vault, owner, model.model_hash().felt()).await?;

    let deposit = treasury.deposit.or((devnet && owner == operator.address()).then_some(DEVNET_DEPOSIT));
    let funded = fund(&operator, vault, owner, token, deposit).await?;

    println!("AllocationVault {vault:#x} holding token {token:#x}");
    println!("  treasury: {funded}");
    println!(
        "  reads FactRegistry {:#x}; expects program {} (or bootloader {:#x} running it) and verifier {:?}",
        gate.registry, gate.program, arguments.bootloader_program_hash, gate.config
    );
    println!("  model {} ({}): {approval}", model.version(), model.model_hash());
    let mut lines = vec![
        ("starknet.executor.contract_address".to_string(), Setting::Text(format!("{vault:#x}"))),
        ("starknet.integrity.fact_registry".to_string(), Setting::Text(format!("{:#x}", gate.registry))),
        ("starknet.integrity.local_stand_in".to_string(), Setting::Flag(local_registry)),
    ];
    if local_registry {
        // The stand-in holds S-two facts only: the service must prove with S-two and expect the local
        // configuration the stand-in records them under.
        lines.push(("pipeline.provers".to_string(), Setting::List(vec!["luminair".into()])));
        let config = &gate.config;
        for (field, value) in [
            ("layout", &config.layout),
            ("hasher", &config.hasher),
            ("stone_version", &config.stone_version),
            ("memory_verification", &config.memory_verification),
        ] {
            lines.push((format!("pipeline.fact_verifier.{field}"), Setting::Text(value.clone())));
        }
    }
    print_settings(&lines, format);
    Ok(())
}

/// One printed setting's value.
enum Setting {
    Text(String),
    Flag(bool),
    List(Vec<String>),
}

/// Prints the settings that point the service at what was deployed.
fn print_settings(lines: &[(String, Setting)], format: Format) {
    match format {
        Format::Toml => {
            println!("\nPaste into the profile:");
            for (key, value) in lines {
                let (table, field) = key.rsplit_once('.').unwrap_or(("", key));
                let value = match value {
                    Setting::Text(text) => format!("{text:?}"),
                    Setting::Flag(flag) => flag.to_string(),
                    Setting::List(items) => format!("{items:?}"),
                };
                println!("[{table}]\n{field} = {value}");
            }
        }
        Format::Env => {
            for (key, value) in lines {
                let value = match value {
                    Setting::Text(text) => text.clone(),
                    Setting::Flag(flag) => flag.to_string(),
                    Setting::List(items) => items.join(","),
                };
                println!("STARKRISK__{}={value}", key.to_uppercase().replace('.', "__"));
            }
        }
    }
}

/// The model registry over the service's database (migrated first, as the service does on start).
pub(crate) async fn model_registry(settings: &Settings) -> anyhow::Result<ModelRegistry> {
    let db = starkrisk_postgres::Database::connect(&settings.database)?;
    db.migrate().await?;
    let store = Arc::new(starkrisk_postgres::PgStore::new(db));
    Ok(ModelRegistry::new(store, Arc::new(SystemClock), settings.risk_programs()?.cairo))
}

/// The active model, registering model v1 when the database holds none (as the service does on start).
async fn active_model(settings: &Settings) -> anyhow::Result<starkrisk_domain::RiskModel> {
    Ok(model_registry(settings).await?.ensure_default().await?)
}

/// Deposits `amount` into an empty treasury as its owner (a re-run finds it funded and deposits nothing);
/// says what the treasury holds.
async fn fund(
    operator: &Operator,
    vault: Felt,
    owner: Felt,
    token: Felt,
    amount: Option<u128>,
) -> anyhow::Result<String> {
    let held = vault::treasury(operator.provider(), vault).await?;
    let total = held.total().context("the treasury's balances pass u128")?;
    match amount {
        Some(amount) if total == 0 && amount > 0 => {
            if owner != operator.address() {
                bail!(
                    "--deposit: the owner {owner:#x} deposits into its vault, not the operator; approve {vault:#x} \
                     for the amount on {token:#x}, then call deposit on the vault from the owner's account"
                );
            }
            let tx_hash = vault::deposit(operator, vault, token, amount).await?;
            Ok(format!("{amount} deposited in {tx_hash}"))
        }
        _ if total == 0 => Ok(format!(
            "empty: executions revert until the owner {owner:#x} deposits (approve {vault:#x} on {token:#x}, then \
             call deposit on the vault)"
        )),
        _ => Ok(format!("{total} ({held})")),
    }
}

/// Approves `model` on `vault` when the operator is its owner; otherwise says which call the owner must make.
async fn approve(operator: &Operator, vault: Felt, owner: Felt, model: Felt) -> anyhow::Result<String> {
    if contracts::is_model_approved(operator.provider(), vault, model).await? {
        return Ok("already approved".into());
    }
    if owner != operator.address() {
        return Ok(format!("not approved: the owner {owner:#x} must call approve_model({model:#x}) on {vault:#x}"));
    }
    let tx_hash = contracts::approve_model(operator, vault, model).await?;
    Ok(format!("approved in {tx_hash}"))
}
