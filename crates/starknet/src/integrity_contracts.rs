//! Herodotus Integrity's own FactRegistry and CairoVerifier, on a chain the project deploys them to itself
//! (devnet): where `deploy/local/integrity.sh` compiled them, and deploying them, idempotently, with the
//! verifier registered under the preset of the project's verifier configuration. On Sepolia and mainnet
//! Integrity's published FactRegistry is used instead (the profiles name it).

use std::path::PathBuf;

use starknet::core::types::{BlockId, BlockTag, Call, Felt, FunctionCall, StarknetError};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use starkrisk_domain::VerifierConfig;
use starkrisk_domain::ports::ChainError;

use crate::account::Operator;
use crate::contracts::{self, Contract};

/// The build facts `deploy/local/integrity.sh` sources.
const INTEGRITY_ENV: &str = include_str!("../../../deploy/local/integrity.env");

/// A `KEY=value` line of integrity.env, without its quotes.
fn fact(key: &str) -> Option<&'static str> {
    INTEGRITY_ENV.lines().find_map(|line| line.strip_prefix(key)?.strip_prefix('=')).map(|v| v.trim_matches('"'))
}

/// The Integrity commit the project compiles.
pub fn commit() -> &'static str {
    fact("INTEGRITY_COMMIT").unwrap_or("unknown")
}

/// The Scarb features the verifier is compiled with (layout, hasher family, monolith or split).
pub fn features() -> Vec<&'static str> {
    fact("INTEGRITY_FEATURES").map(|f| f.split_whitespace().collect()).unwrap_or_default()
}

/// Where integrity.sh writes the classes: `$STARKRISK_INTEGRITY_HOME`, else `integrity-<commit>` in the
/// project's build cache.
pub fn home() -> Option<PathBuf> {
    starkrisk_stone::install::cache_home("STARKRISK_INTEGRITY_HOME", &format!("integrity-{}", commit()))
}

/// Integrity's hasher family for a configuration's hasher (`keccak_160_lsb` is `keccak`): the second half
/// of the preset a verifier is registered under, and the Scarb feature it is compiled with.
pub fn hasher_family(config: &VerifierConfig) -> &str {
    config.hasher.split('_').next().unwrap_or(&config.hasher)
}

/// The two compiled classes.
#[derive(Debug, Clone)]
pub struct IntegrityClasses {
    /// `FactRegistry`: routes a proof to the verifier of its preset and records the facts verified.
    pub fact_registry: Contract,
    /// `CairoVerifier`, compiled for one layout and hasher family.
    pub verifier: Contract,
}

impl IntegrityClasses {
    /// Reads them from [`home`], after checking they were compiled for `config`.
    pub fn load(config: &VerifierConfig) -> Result<Self, ChainError> {
        let missing = |reason: String| ChainError::InvalidInput { field: "integrity".into(), reason };
        let features = features();
        for needed in [config.layout.as_str(), hasher_family(config)] {
            if !features.contains(&needed) {
                return Err(missing(format!(
                    "Integrity is compiled with features {features:?}, not for {config:?}: change \
                     INTEGRITY_FEATURES in deploy/local/integrity.env and run `just integrity`"
                )));
            }
        }
        let home = home().ok_or_else(|| missing("no cache directory: set HOME or STARKRISK_INTEGRITY_HOME".into()))?;
        if !home.join("verifier.sierra.json").is_file() {
            return Err(missing(format!(
                "Integrity's contracts are not compiled in {}: run `just integrity` (deploy/local/integrity.sh)",
                home.display()
            )));
        }
        Ok(Self {
            fact_registry: Contract::from_file("Integrity FactRegistry", &home.join("fact_registry.sierra.json"))?,
            verifier: Contract::from_file("Integrity CairoVerifier", &home.join("verifier.sierra.json"))?,
        })
    }
}

/// Where Integrity was deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegrityDeployment {
    /// The FactRegistry, owned by the operator that deployed it.
    pub fact_registry: Felt,
    /// The verifier it routes `config`'s proofs to.
    pub verifier: Felt,
}

fn selector(name: &str) -> Result<Felt, ChainError> {
    get_selector_from_name(name).map_err(|e| ChainError::Unknown(anyhow::anyhow!("selector {name}: {e}")))
}

/// Declares and deploys the FactRegistry (owned by the operator) and the verifier, and registers the
/// verifier for `config`'s preset. Re-running with the same salt reuses all three.
pub async fn deploy(
    operator: &Operator,
    classes: &IntegrityClasses,
    config: &VerifierConfig,
    salt: Felt,
) -> Result<IntegrityDeployment, ChainError> {
    let registry_class = contracts::declare(operator, &classes.fact_registry).await?;
    let fact_registry = contracts::deploy(operator, registry_class, &[operator.address()], salt).await?;
    let verifier_class = contracts::declare(operator, &classes.verifier).await?;
    // The recursive layout's monolith verifier evaluates its constraints itself: no composition or OODS
    // contract to name.
    let verifier = contracts::deploy(operator, verifier_class, &[Felt::ZERO, Felt::ZERO], salt).await?;
    let preset = preset(config)?;
    match registered_verifier(operator, fact_registry, preset).await? {
        Some(found) if found == verifier => {}
        Some(other) => {
            return Err(ChainError::Rejected {
                reason: format!(
                    "FactRegistry {fact_registry:#x} routes {config:?} to verifier {other:#x}, not {verifier:#x}; \
                     a registry never replaces a verifier: deploy with another --salt"
                ),
                tx_hash: None,
            });
        }
        None => {
            let call = Call {
                to: fact_registry,
                selector: selector("register_verifier")?,
                calldata: vec![preset[0], preset[1], verifier],
            };
            contracts::sent(operator.invoke(vec![call]).await?)?;
        }
    }
    Ok(IntegrityDeployment { fact_registry, verifier })
}

/// The preset a verifier is registered under: (layout, hasher family), as short strings.
fn preset(config: &VerifierConfig) -> Result<[Felt; 2], ChainError> {
    let [layout, ..] =
        config.to_felts().map_err(|e| ChainError::InvalidInput { field: "verifier".into(), reason: e.to_string() })?;
    let family = starkrisk_domain::short_string("hasher", hasher_family(config))
        .map_err(|e| ChainError::InvalidInput { field: "verifier".into(), reason: e.to_string() })?;
    Ok([layout, family])
}

/// Whether a revert's text names `reason`, which nodes show either as text or as the hex of its bytes.
pub(crate) fn names_revert(revert: &str, reason: &str) -> bool {
    let hex = hex::encode(reason);
    revert.contains(reason) || revert.contains(&hex)
}

/// `get_verifier_address(preset)`: `None` when the registry has none (the view reverts then).
async fn registered_verifier(
    operator: &Operator,
    registry: Felt,
    preset: [Felt; 2],
) -> Result<Option<Felt>, ChainError> {
    let view = FunctionCall {
        contract_address: registry,
        entry_point_selector: selector("get_verifier_address")?,
        calldata: preset.to_vec(),
    };
    match operator.provider().call(view, BlockId::Tag(BlockTag::Latest)).await {
        Ok(answer) => Ok(answer.first().copied()),
        Err(starknet::providers::ProviderError::StarknetError(StarknetError::ContractError(error)))
            if names_revert(&format!("{:?}", error.revert_error), "VERIFIER_NOT_FOUND") =>
        {
            Ok(None)
        }
        Err(other) => Err(crate::account::provider_error(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrity_is_compiled_for_the_configuration_the_risk_program_is_proven_for() {
        let config = VerifierConfig::starkrisk();
        let features = features();
        assert!(features.contains(&config.layout.as_str()), "{features:?} lacks the layout of {config:?}");
        assert_eq!(hasher_family(&config), "keccak");
        assert!(features.contains(&"keccak"), "{features:?} lacks the hasher family of {config:?}");
        assert_ne!(commit(), "unknown", "integrity.env names no commit");
    }

    #[test]
    fn a_revert_is_recognised_as_text_or_as_the_hex_of_its_bytes() {
        assert!(names_revert("Failure reason: 'VERIFIER_NOT_FOUND'", "VERIFIER_NOT_FOUND"));
        assert!(names_revert("0x56455249464945525f4e4f545f464f554e44", "VERIFIER_NOT_FOUND"));
        assert!(!names_revert("0x4f4e4c595f4f574e4552 ('ONLY_OWNER')", "VERIFIER_NOT_FOUND"));
    }
}
