//! The on-chain gate on starknet-devnet: the committed AllocationVault and FactRegistry stand-in classes
//! declared and deployed, and every refusal the vault owes, each with its revert reason.

mod bootloaded;
use crate::support;
mod treasury;

use starknet::core::types::{BlockId, BlockTag, Call, Felt, FunctionCall};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use starkrisk_domain::{
    DecisionStatement, FactHash, ModelParams, ModelVersion, OutputHash, ProgramHash, Provenance, RiskModel,
    SnapshotHash, VerifierConfig, examples,
};
use starkrisk_starknet::contracts::{self, ALLOCATION_VAULT, FACT_REGISTRY_STAND_IN, HOLDING_STRATEGY};
use starkrisk_starknet::testing::Devnet;
use starkrisk_starknet::vault::{self, VaultArguments};
use starkrisk_starknet::{Operator, TxOutcome};
use support::estimated_fees;

/// The program the vault is deployed to expect (any hash will do for the gate's own checks).
const PROGRAM: u64 = 0x5eed;
/// The bootloader whose proofs of PROGRAM the vaults here also accept (as Atlantic's are).
const BOOTLOADER: u64 = 0xb007;
const DECISION: u64 = 0xd1;
/// The governance limits the vaults here are deployed with (the service's defaults).
const MAX_SINGLE_BPS: u16 = 8_000;
const MIN_DIVERSIFICATION: u8 = 2;
/// How old a snapshot the vaults here accept, in blocks (devnet makes a block per transaction).
const MAX_SNAPSHOT_AGE: u8 = 200;

/// What the gate tests deposit: executions need a treasury to move (the treasury's own tests are in
/// treasury.rs).
const TREASURY: u128 = 1_000_000;

/// The vault's constructor arguments for the tests' program and limits, taking no supplied metrics.
fn vault_arguments(owner: &Operator, operator: &Operator, registry: Felt, max_snapshot_age: u8) -> VaultArguments {
    VaultArguments {
        owner: owner.address(),
        operator: operator.address(),
        fact_registry: registry,
        program_hash: Felt::from(PROGRAM),
        model_program_hash: Felt::from(PROGRAM),
        verifier_config_hash: VerifierConfig::starkrisk().hash().unwrap(),
        min_security_bits: 96,
        max_single_bps: MAX_SINGLE_BPS.into(),
        min_diversification: MIN_DIVERSIFICATION.into(),
        max_snapshot_age_blocks: max_snapshot_age.into(),
        accepts_supplied_metrics: false,
        token: vault::STRK,
        bootloader_program_hash: Felt::from(BOOTLOADER),
    }
}

/// A stand-in registry owned by `owner` and a vault over it holding a treasury (deployed under `salt`,
/// accepting snapshots `max_snapshot_age` blocks old): (registry, vault).
async fn deploy_gate(owner: &Operator, operator: &Operator, salt: u8, max_snapshot_age: u8) -> (Felt, Felt) {
    let registry_class = contracts::declare(owner, &FACT_REGISTRY_STAND_IN).await.unwrap();
    let registry = contracts::deploy(owner, registry_class, &[owner.address()], Felt::from(salt)).await.unwrap();
    let arguments = vault_arguments(owner, operator, registry, max_snapshot_age);
    let vault = vault::deploy(owner, &arguments, Felt::from(salt)).await.unwrap();
    vault::deposit(owner, vault, vault::STRK, TREASURY).await.unwrap();
    (registry, vault)
}

fn call(to: Felt, entrypoint: &str, calldata: Vec<Felt>) -> Call {
    Call { to, selector: get_selector_from_name(entrypoint).unwrap(), calldata }
}

/// `version` of the default parameters, proven by the tests' program.
fn model_version(version: u32) -> RiskModel {
    let version = ModelVersion::new(version).unwrap();
    RiskModel::new(
        version,
        ModelParams::v1(),
        ProgramHash::new(Felt::from(PROGRAM)),
        "owner",
        chrono::DateTime::UNIX_EPOCH,
    )
}

/// The example's 31 felts under `model`, naming a chain snapshot (the vault recomputes the model hash and
/// reads both risks and both shares; the fact covers every felt).
fn outputs_of(model: &RiskModel) -> Vec<Felt> {
    let snapshot = Provenance { block_number: 1, snapshot_hash: SnapshotHash::new(Felt::from(0x5a95u16)) };
    DecisionStatement::under(model, examples::SNAPSHOT).0.with_provenance(snapshot).to_felts()
}

/// The example's outputs under model v1.
fn outputs() -> Vec<Felt> {
    outputs_of(&model_version(1))
}

fn fact_of(outputs: &[Felt]) -> Felt {
    FactHash::compute(ProgramHash::new(Felt::from(PROGRAM)), OutputHash::of_output(outputs)).felt()
}

fn execute(vault: Felt, decision: u64, outputs: &[Felt]) -> Call {
    let mut calldata = vec![Felt::from(decision), Felt::from(outputs.len())];
    calldata.extend_from_slice(outputs);
    call(vault, "execute_allocation", calldata)
}

fn register(registry: Felt, fact: Felt, bits: u32, config: &VerifierConfig) -> Call {
    let mut calldata = vec![fact, Felt::from(bits)];
    calldata.extend(config.to_felts().unwrap());
    call(registry, "register_fact", calldata)
}

/// Sends `calls` and returns the revert reason, or `None` when they succeeded.
async fn reverted(operator: &Operator, calls: Vec<Call>) -> Option<String> {
    match operator.invoke(calls).await.unwrap() {
        TxOutcome::Succeeded { .. } => None,
        TxOutcome::Reverted { reason, .. } | TxOutcome::Rejected { reason } => Some(reason),
        TxOutcome::TimedOut { tx_hash } => panic!("{tx_hash} timed out"),
    }
}

async fn view(operator: &Operator, to: Felt, entrypoint: &str, calldata: Vec<Felt>) -> Vec<Felt> {
    let request = FunctionCall {
        contract_address: to,
        entry_point_selector: get_selector_from_name(entrypoint).unwrap(),
        calldata,
    };
    operator.provider().call(request, BlockId::Tag(BlockTag::Latest)).await.unwrap()
}

fn assert_refused(reason: Option<String>, expected: &str) {
    let reason = reason.unwrap_or_else(|| panic!("the call went through; expected `{expected}`"));
    assert!(reason.contains(expected), "expected `{expected}`, got: {reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vault_executes_only_what_a_registered_verification_covers() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let accounts = devnet.accounts().await;
    let owner = support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees());
    let operator = support::operator(vec![devnet.url.clone()], accounts[1], estimated_fees());

    // Declared from the committed files; a second declaration reuses the class.
    let registry_class = contracts::declare(&owner, &FACT_REGISTRY_STAND_IN).await.unwrap();
    let vault_class = contracts::declare(&owner, &ALLOCATION_VAULT).await.unwrap();
    assert_eq!(contracts::declare(&owner, &ALLOCATION_VAULT).await.unwrap(), vault_class);
    let registry = contracts::deploy(&owner, registry_class, &[owner.address()], Felt::ONE).await.unwrap();
    let config = VerifierConfig::starkrisk();
    let strategy_class = contracts::declare(&owner, &HOLDING_STRATEGY).await.unwrap();
    let vault_args = vault_arguments(&owner, &operator, registry, MAX_SNAPSHOT_AGE).calldata(strategy_class);
    let vault = contracts::deploy(&owner, vault_class, &vault_args, Felt::ONE).await.unwrap();
    assert_eq!(contracts::deploy(&owner, vault_class, &vault_args, Felt::ONE).await.unwrap(), vault, "reused");

    let proven = outputs();
    let model = proven[0];
    let fact = fact_of(&proven);
    // Only the owner approves models.
    assert_refused(
        reverted(&operator, vec![call(vault, "approve_model", vec![model])]).await,
        "caller is not the owner",
    );
    assert_eq!(view(&owner, vault, "is_model_approved", vec![model]).await, [Felt::ZERO]);
    assert_eq!(reverted(&owner, vec![call(vault, "approve_model", vec![model])]).await, None);
    assert_eq!(view(&owner, vault, "is_model_approved", vec![model]).await, [Felt::ONE]);

    // A fact with no verification at all.
    assert_refused(reverted(&operator, vec![execute(vault, DECISION, &proven)]).await, "fact has no verification");
    // Verified, but by another verifier configuration.
    let stone5 = VerifierConfig::new("recursive", "keccak_160_lsb", "stone5", "strict");
    assert_eq!(reverted(&owner, vec![register(registry, fact, 128, &stone5)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, DECISION, &proven)]).await, "verifier config mismatch");
    // By the expected verifier, with too few bits.
    assert_eq!(reverted(&owner, vec![register(registry, fact, 80, &config)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, DECISION, &proven)]).await, "too few security bits");
    // Properly verified now; outputs altered by one felt name another fact.
    assert_eq!(reverted(&owner, vec![register(registry, fact, 96, &config)]).await, None);
    let mut altered = proven.clone();
    altered[27] += Felt::ONE;
    assert_refused(reverted(&operator, vec![execute(vault, DECISION, &altered)]).await, "fact has no verification");
    // The same numbers claimed for another chain snapshot, or for none.
    for (at, value) in [(29, Felt::TWO), (30, Felt::from(0x5a96u16)), (30, Felt::ZERO)] {
        let mut elsewhere = proven.clone();
        elsewhere[at] = value;
        let refused = reverted(&operator, vec![execute(vault, DECISION, &elsewhere)]).await;
        assert_refused(refused, "fact has no verification");
    }
    assert_refused(
        reverted(&operator, vec![execute(vault, DECISION, &proven[..29])]).await,
        "outputs: expected 31 felts",
    );
    // A model the owner never approved.
    let unapproved = outputs_of(&model_version(2));
    assert_eq!(reverted(&owner, vec![register(registry, fact_of(&unapproved), 96, &config)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, DECISION, &unapproved)]).await, "model not approved");
    // Anyone but the operator.
    assert_refused(reverted(&owner, vec![execute(vault, DECISION, &proven)]).await, "caller is not the operator");

    // The proper call, once there is a treasury to move: executed, and the vault holds the proven allocation.
    assert_refused(reverted(&operator, vec![execute(vault, DECISION, &proven)]).await, "insufficient funds");
    vault::deposit(&owner, vault, vault::STRK, TREASURY).await.unwrap();
    assert_eq!(reverted(&operator, vec![execute(vault, DECISION, &proven)]).await, None);
    assert_eq!(view(&owner, vault, "executed", vec![Felt::from(DECISION)]).await, [Felt::ONE]);
    let current = view(&owner, vault, "current_allocation", vec![]).await;
    let expected = [Felt::from(DECISION), model, proven[25], proven[26], proven[27], proven[28], fact];
    assert_eq!(&current[..7], &expected, "decision, model, risks, shares and fact as proven");
    // The same decision again.
    assert_refused(reverted(&operator, vec![execute(vault, DECISION, &proven)]).await, "decision already executed");
    // The same proven outputs under a new decision id: one proof moves the treasury once.
    assert_refused(reverted(&operator, vec![execute(vault, DECISION + 7, &proven)]).await, "proof already executed");
    // A revoked model stops later decisions.
    assert_eq!(reverted(&owner, vec![call(vault, "revoke_model", vec![model])]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, DECISION + 1, &proven)]).await, "model not approved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vault_refuses_a_verified_split_that_breaks_the_governance_limits_naming_the_limit() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let accounts = devnet.accounts().await;
    let owner = support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees());
    let operator = support::operator(vec![devnet.url.clone()], accounts[1], estimated_fees());
    let (registry, vault) = deploy_gate(&owner, &operator, 2, MAX_SNAPSHOT_AGE).await;
    let config = VerifierConfig::starkrisk();
    assert_eq!(
        view(&owner, vault, "limits", vec![]).await,
        [Felt::from(MAX_SINGLE_BPS), Felt::from(MIN_DIVERSIFICATION)]
    );
    let model = outputs()[0];
    assert_eq!(reverted(&owner, vec![call(vault, "approve_model", vec![model])]).await, None);

    // A split the operator's key could get proven and verified, but governance refuses: all in one pool.
    let mut all_in = outputs();
    all_in[27] = Felt::from(10_000u16);
    all_in[28] = Felt::ZERO;
    assert_eq!(reverted(&owner, vec![register(registry, fact_of(&all_in), 96, &config)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, DECISION, &all_in)]).await, "share above max_single_bps");
    // Under the cap but with one protocol below 1000 bps: not diversified.
    let mut lopsided = outputs();
    lopsided[27] = Felt::from(9_500u16);
    lopsided[28] = Felt::from(500u16);
    assert_eq!(reverted(&owner, vec![register(registry, fact_of(&lopsided), 96, &config)]).await, None);
    let limits = |max: u16, min: u8| call(vault, "set_limits", vec![Felt::from(max), Felt::from(min)]);
    assert_eq!(reverted(&owner, vec![limits(9_500, 2)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, DECISION, &lopsided)]).await, "below min_diversification");
    // Only the owner moves the limits, and only to limits that mean something.
    assert_refused(reverted(&operator, vec![limits(10_000, 0)]).await, "caller is not the owner");
    assert_refused(reverted(&owner, vec![limits(10_001, 1)]).await, "max_single_bps above 10000");
    assert_refused(reverted(&owner, vec![limits(10_000, 3)]).await, "min_diversification above 2");
    assert!(view(&owner, vault, "executed", vec![Felt::from(DECISION)]).await == [Felt::ZERO], "nothing executed");
    // The owner relaxes them: the same verified split now executes.
    assert_eq!(reverted(&owner, vec![limits(9_500, 1)]).await, None);
    assert_eq!(reverted(&operator, vec![execute(vault, DECISION, &lopsided)]).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vault_executes_only_fresh_snapshots_in_order_and_supplied_metrics_only_where_deployed_to() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let accounts = devnet.accounts().await;
    let owner = support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees());
    let operator = support::operator(vec![devnet.url.clone()], accounts[1], estimated_fees());
    // A vault for chain metrics only, accepting snapshots at most 5 blocks old.
    let (registry, vault) = deploy_gate(&owner, &operator, 3, 5).await;
    let config = VerifierConfig::starkrisk();
    let model = outputs()[0];
    assert_eq!(reverted(&owner, vec![call(vault, "approve_model", vec![model])]).await, None);
    // Every statement below is verified: only its snapshot can be what the vault refuses.
    let verified = |block: u64, hash: u64| {
        let mut felts = outputs();
        felts[29] = Felt::from(block);
        felts[30] = Felt::from(hash);
        felts
    };
    let register_all = |felts: &[Felt]| register(registry, fact_of(felts), 96, &config);
    let now = || async { owner.provider().block_number().await.unwrap() };

    let supplied = verified(0, 0);
    assert_eq!(reverted(&owner, vec![register_all(&supplied)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, 1, &supplied)]).await, "supplied metrics refused");

    let future = verified(now().await + 50, 0x5a95);
    assert_eq!(reverted(&owner, vec![register_all(&future)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, 2, &future)]).await, "snapshot from the future");

    let fresh_block = now().await;
    let older = verified(fresh_block - 1, 0x01d);
    let fresh = verified(fresh_block, 0x5a95);
    assert_eq!(reverted(&owner, vec![register_all(&older), register_all(&fresh)]).await, None);
    assert_eq!(reverted(&operator, vec![execute(vault, 3, &fresh)]).await, None);
    // An older decision landing after a newer one would overwrite the current split with a stale one.
    assert_refused(reverted(&operator, vec![execute(vault, 4, &older)]).await, "snapshot not newer than last");
    assert_eq!(view(&owner, vault, "freshness", vec![]).await, [Felt::from(fresh_block), Felt::from(5u8), Felt::ZERO]);

    // A snapshot that has aged past the limit while its proof was made; the owner may widen the limit.
    let stale = verified(fresh_block + 1, 0x57a1e);
    assert_eq!(reverted(&owner, vec![register_all(&stale)]).await, None);
    while now().await < fresh_block + 1 + 6 {
        assert_eq!(reverted(&owner, vec![call(vault, "revoke_model", vec![Felt::from(0xdeadu16)])]).await, None);
    }
    assert_refused(reverted(&operator, vec![execute(vault, 5, &stale)]).await, "snapshot too old");
    let widen = call(vault, "set_max_snapshot_age", vec![Felt::from(100u8)]);
    assert_refused(reverted(&operator, vec![widen.clone()]).await, "caller is not the owner");
    assert_eq!(reverted(&owner, vec![widen]).await, None);
    assert_eq!(reverted(&operator, vec![execute(vault, 5, &stale)]).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vault_recomputes_the_model_hash_and_refuses_an_approved_label_over_other_parameters() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let accounts = devnet.accounts().await;
    let owner = support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees());
    let operator = support::operator(vec![devnet.url.clone()], accounts[1], estimated_fees());
    let (registry, vault) = deploy_gate(&owner, &operator, 4, MAX_SNAPSHOT_AGE).await;
    let config = VerifierConfig::starkrisk();

    // One definition: the service's hash, the hash its proof verifiers expect and the vault's agree, for the
    // default model, a later version and the largest parameters a model may have.
    let w = ModelParams::MAX_WEIGHT;
    let widest = [w, w, w, w, w, w, w, w, ModelParams::MAX_AGE_CAP_DAYS, 0, ModelParams::MAX_RISK];
    let params = [ModelParams::v1(), ModelParams::new(starkrisk_domain::RawModelParams::from_array(widest)).unwrap()];
    for (version, params) in [(1, params[0]), (7, params[0]), (2_147_483_647, params[1])] {
        let model = RiskModel::new(
            ModelVersion::new(version).unwrap(),
            params,
            ProgramHash::new(Felt::from(PROGRAM)),
            "owner",
            chrono::DateTime::UNIX_EPOCH,
        );
        let felts = outputs_of(&model);
        let statement = DecisionStatement::from_felts(&felts).unwrap();
        assert_eq!(statement.expected_model_hash(ProgramHash::new(Felt::from(PROGRAM))), model.model_hash());
        let on_chain =
            view(&owner, vault, "model_hash", [vec![Felt::from(12u8)], felts[1..13].to_vec()].concat()).await;
        assert_eq!(on_chain, [model.model_hash().felt()], "version {version}");
    }

    // The owner approved a label; the operator got a proof of v1's numbers stated under it, verified.
    let label = Felt::from(0xa11u16);
    let mut labelled = outputs();
    labelled[0] = label;
    assert_eq!(reverted(&owner, vec![call(vault, "approve_model", vec![label])]).await, None);
    assert_eq!(reverted(&owner, vec![register(registry, fact_of(&labelled), 96, &config)]).await, None);
    assert_refused(
        reverted(&operator, vec![execute(vault, DECISION, &labelled)]).await,
        "model hash not of its params",
    );
    // v1's approved hash over parameters v1 does not have.
    let v1 = outputs();
    assert_eq!(reverted(&owner, vec![call(vault, "approve_model", vec![v1[0]])]).await, None);
    let mut other_parameters = v1.clone();
    other_parameters[3] += Felt::ONE;
    assert_eq!(reverted(&owner, vec![register(registry, fact_of(&other_parameters), 96, &config)]).await, None);
    let refused = reverted(&operator, vec![execute(vault, DECISION, &other_parameters)]).await;
    assert_refused(refused, "model hash not of its params");
    // A version that is no 32-bit number cannot be hashed as the service hashes it.
    let mut wide_version = v1.clone();
    wide_version[1] = Felt::from(1u64 << 32);
    assert_eq!(reverted(&owner, vec![register(registry, fact_of(&wide_version), 96, &config)]).await, None);
    assert_refused(
        reverted(&operator, vec![execute(vault, DECISION, &wide_version)]).await,
        "model: version not a u32",
    );
    assert!(view(&owner, vault, "executed", vec![Felt::from(DECISION)]).await == [Felt::ZERO], "nothing executed");
    // v1's own numbers under its own hash.
    assert_eq!(reverted(&owner, vec![register(registry, fact_of(&v1), 96, &config)]).await, None);
    assert_eq!(reverted(&operator, vec![execute(vault, DECISION, &v1)]).await, None);
}
