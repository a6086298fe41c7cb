//! What a chain with real funds does not allow in configuration, checked when the settings load: no
//! setting may widen what the service accepts beyond what the vault and Integrity enforce.

use anyhow::bail;

use crate::settings::Settings;

/// The least provable security a mainnet proof may have (a query counted at half its conjectured worth).
pub const MAINNET_MIN_PROVABLE_BITS: u32 = 80;

/// Refuses settings that would let the service accept more than a public chain's vault should.
pub fn check(settings: &Settings) -> anyhow::Result<()> {
    let starknet = &settings.starknet;
    if !starknet.enabled {
        return Ok(());
    }
    // Models are bound to this hash and vaults deployed to expect it: replacing it with a chain
    // configured would make every verifier accept another program.
    if settings.defaults.program_hash.is_some() {
        bail!(
            "defaults.program_hash replaces the risk program every verifier accepts, and is for a service without \
             a chain only: remove it (starknet.enabled is true)"
        );
    }
    if starknet.rpc.chain_id != "SN_MAIN" {
        return Ok(());
    }
    let p = &settings.pipeline;
    if p.allow_supplied_metrics && !starknet.executor.contract_address.is_empty() {
        bail!(
            "pipeline.allow_supplied_metrics is refused on SN_MAIN with an executor: every number of a decision that \
             moves funds must come from the chain; set it to false"
        );
    }
    if p.require_onchain_fact && starknet.rpc.rpc_urls.len() < 2 {
        bail!(
            "starknet.rpc.rpc_urls lists {} URL(s): on SN_MAIN an on-chain fact counts only when two providers agree, \
             so name at least two (STARKRISK__STARKNET__RPC__RPC_URLS=https://a,https://b)",
            starknet.rpc.rpc_urls.len()
        );
    }
    if p.min_provable_security_bits < MAINNET_MIN_PROVABLE_BITS {
        bail!(
            "pipeline.min_provable_security_bits is {}: on SN_MAIN it must be at least {MAINNET_MIN_PROVABLE_BITS} \
             (raise stone.n_queries with it)",
            p.min_provable_security_bits
        );
    }
    // The S-two verifier is pinned to `[luminair]` here, so those parameters must clear the bar themselves.
    let stwo = settings.luminair.security()?.level().provable_bits;
    if stwo < p.min_provable_security_bits {
        bail!(
            "[luminair] gives {stwo} provable bits (⌊n_queries × log_blowup / 2⌋ + pow_bits) but \
             pipeline.min_provable_security_bits is {}: on SN_MAIN the S-two verifier accepts only these parameters, \
             so raise luminair.n_queries",
            p.min_provable_security_bits
        );
    }
    Ok(())
}

/// Whether the S-two verifier accepts only the `[luminair]` parameters rather than any a proof states: on
/// mainnet, where a proof's own choice of grinding and queries is not the operator's.
pub fn pins_stwo_parameters(settings: &Settings) -> bool {
    settings.starknet.enabled && settings.starknet.rpc.chain_id == "SN_MAIN"
}

/// The rules that need the chain itself: a public chain id served by nodes that are not all devnets is a
/// public chain, where metrics a caller supplies must not move funds. (starknet-devnet serves only public
/// chain ids, SN_SEPOLIA by default, so the id alone cannot tell a devnet from Sepolia.)
pub async fn check_connected(settings: &Settings, pool: &starkrisk_starknet::RpcPool) -> anyhow::Result<()> {
    let starknet = &settings.starknet;
    let chain_id = starknet.rpc.chain_id.as_str();
    let executes = !starknet.executor.contract_address.is_empty();
    if settings.pipeline.allow_supplied_metrics
        && executes
        && matches!(chain_id, "SN_SEPOLIA" | "SN_MAIN")
        && !pool.is_devnet().await
    {
        bail!(
            "pipeline.allow_supplied_metrics is refused on {chain_id} with an executor, and these RPC endpoints are \
             not all devnets (each must answer devnet_getConfig): every number of a decision that moves funds must \
             come from the chain; set it to false"
        );
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::time::Duration;

    use starkrisk_domain::ports::{Prover, TimeoutGrowth, VerifyError};
    use starkrisk_domain::{ProofRequest, ProofSystem, examples};
    use starkrisk_stwo::{SecurityParams, StwoProver};

    use crate::settings::Settings;
    use crate::wiring::Adapters;

    fn settings(chain_id: &str) -> Settings {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(crate::settings::CONFIG_DIR);
        let mut settings = Settings::load("local", &dir).unwrap();
        settings.starknet.enabled = true;
        settings.starknet.rpc.chain_id = chain_id.into();
        settings
    }

    async fn verify_with(settings: &Settings, proof: &[u8]) -> Result<(), VerifyError> {
        let adapters = Adapters::from_settings(settings).unwrap();
        let stwo = adapters.verifiers.iter().find(|v| v.system() == ProofSystem::Stwo).unwrap();
        stwo.verify(proof).await.map(drop)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wired_stwo_verifier_takes_only_the_configured_parameters_on_mainnet() {
        let stronger = SecurityParams { pow_bits: 12, log_blowup: 2, n_queries: 50 };
        let proof = StwoProver::new(stronger, Duration::from_secs(30))
            .unwrap()
            .prove(&ProofRequest { statement: examples::statement() }, TimeoutGrowth::NONE)
            .await
            .unwrap();
        verify_with(&settings("SN_SEPOLIA"), &proof.bytes).await.unwrap();
        match verify_with(&settings("SN_MAIN"), &proof.bytes).await {
            Err(VerifyError::Rejected { reason }) => assert!(reason.contains("[luminair] parameters"), "{reason}"),
            other => panic!("expected mainnet's verifier to refuse other parameters, got {other:?}"),
        }
    }
}
