//! Herodotus Integrity's own FactRegistry and verifier (compiled by deploy/local/integrity.sh) on
//! starknet-devnet: Integrity's example proof and real Stone proofs of the risk program registered through
//! them, the vault executing only what they verified, altered proofs refused by Integrity's verifier, and
//! our calldata compared with Integrity's own serializer's.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use starknet::core::types::{Call, Felt};
use starknet::core::utils::get_selector_from_name;
use starknet::providers::Provider;
use starkrisk_domain::ports::{FactRegistry, NoJournal, RegistrationJournal, StoreError};
use starkrisk_domain::*;
use starkrisk_starknet::contracts;
use starkrisk_starknet::integrity_contracts::{self, IntegrityClasses, IntegrityDeployment};
use starkrisk_starknet::testing::Devnet;
use starkrisk_starknet::vault::{self, VaultArguments};
use starkrisk_starknet::{IntegrityRegistry, IntegritySettings, Operator, TxOutcome};
use starkrisk_stone::split::SplitProof;
use starkrisk_stone::{StoneProof, StoneVerifier};
use support::estimated_fees;

/// Integrity's FactRegistry and the project's verifier, deployed by `owner` under `salt`. The tests here
/// share one devnet without resetting it, so the classes are declared once per process, and each test
/// deploys under a salt of its own: its registry's facts and its verifier's split jobs are its own.
async fn deploy_integrity(owner: &Operator, salt: u8) -> IntegrityDeployment {
    let config = VerifierConfig::starkrisk();
    let classes = IntegrityClasses::load(&config).unwrap();
    integrity_contracts::deploy(owner, &classes, &config, Felt::from(salt)).await.unwrap()
}

fn registry(operator: Arc<Operator>, deployed: &IntegrityDeployment) -> IntegrityRegistry {
    let settings = IntegritySettings {
        fact_registry: format!("{:#x}", deployed.fact_registry),
        max_calldata_felts: 4_000,
        local_stand_in: false,
    };
    IntegrityRegistry::new(operator, &settings, VerifierConfig::starkrisk()).unwrap()
}

/// A Stone proof as the pipeline hands it over, with the claim the project's own verifier made of it.
fn verified(json: &str) -> (ProofArtifact, VerifiedClaim) {
    let verification = StoneVerifier::new(0).verify_json(json).unwrap();
    let statement = DecisionStatement::from_felts(&verification.output).unwrap_or_else(|_| examples::statement());
    let artifact = ProofArtifact {
        prover: ProverKind::Stone,
        system: ProofSystem::Stone,
        bytes: json.as_bytes().to_vec(),
        statement,
        prove_time: Duration::ZERO,
        remote_query: None,
    };
    let claim = VerifiedClaim {
        system: ProofSystem::Stone,
        program_hash: verification.program_hash,
        statement,
        security_bits: verification.security_bits,
        provable_security_bits: None,
        fact_hash: Some(verification.fact_hash),
    };
    (artifact, claim)
}

/// The shared Stone proof of the README's first decision (Stone runs on a thread of its own: it blocks).
async fn risk_proof() -> &'static str {
    tokio::task::spawn_blocking(starkrisk_stone::testing::risk_proof).await.unwrap()
}

/// `verify_proof_full_and_register_fact` with `json`'s calldata, sent as it is: the revert reason, or
/// `None` when Integrity accepted it.
async fn sent_to_integrity(operator: &Operator, registry: Felt, json: &str) -> Option<String> {
    let proof = StoneProof::parse(json).unwrap();
    let calldata = starkrisk_stone::calldata::register_calldata(&VerifierConfig::starkrisk(), &proof.parsed).unwrap();
    let selector = get_selector_from_name("verify_proof_full_and_register_fact").unwrap();
    match operator.invoke(vec![Call { to: registry, selector, calldata }]).await.unwrap() {
        TxOutcome::Succeeded { .. } => None,
        TxOutcome::Reverted { reason, .. } | TxOutcome::Rejected { reason } => Some(reason),
        TxOutcome::TimedOut { tx_hash } => panic!("{tx_hash} timed out"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integritys_own_verifier_on_devnet_registers_its_example_proof() {
    let (devnet, _turn) = Devnet::turn().await;
    let accounts = devnet.accounts().await;
    let owner = Arc::new(support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees()));
    let deployed = deploy_integrity(&owner, 1).await;
    assert_eq!(deploy_integrity(&owner, 1).await, deployed, "a second deployment reuses the first");

    let json = std::fs::read_to_string(starkrisk_stone::testing::stone(starkrisk_stone::testing::RECURSIVE)).unwrap();
    let (artifact, claim) = verified(&json);
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(starkrisk_stone::testing::stone("expected.json")).unwrap())
            .unwrap();
    let fact = claim.fact_hash.unwrap();
    let expected = &expected[starkrisk_stone::testing::RECURSIVE];
    assert_eq!(format!("{:#x}", fact.felt()), expected["fact_hash"].as_str().unwrap());

    let registry = registry(owner.clone(), &deployed);
    assert!(registry.verifications(fact).await.unwrap().is_empty(), "nothing is registered before");
    let registration = registry.register(&artifact, &claim, &NoJournal).await.unwrap();
    assert!(registration.tx_hash.is_some(), "the proof was sent");
    assert_eq!(registration.fact_hash, fact);
    assert_eq!(registration.security_bits, claim.security_bits);
    let recorded = registry.verifications(fact).await.unwrap();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].verifier_config, VerifierConfig::starkrisk());
    assert_eq!(recorded[0].verification_hash, registration.verification_hash);
    assert!(recorded[0].recomputes_for(fact), "Integrity's verification hash is the one the domain computes");
    // Registering it again sends nothing: the chain already holds it.
    let again = registry.register(&artifact, &claim, &NoJournal).await.unwrap();
    assert_eq!((again.tx_hash, again.verification_hash), (None, registration.verification_hash));
}

/// A vault gated on `registry` for proofs of `program`, owned by `owner`, executing for `operator`, with the
/// model of `outputs` approved and a treasury to move; supplied metrics accepted (the README's statement
/// carries them).
async fn deploy_vault(owner: &Operator, operator: &Operator, registry: Felt, program: Felt, outputs: &[Felt]) -> Felt {
    let arguments = VaultArguments {
        owner: owner.address(),
        operator: operator.address(),
        fact_registry: registry,
        program_hash: program,
        model_program_hash: program,
        verifier_config_hash: VerifierConfig::starkrisk().hash().unwrap(),
        min_security_bits: 96,
        max_single_bps: 8_000,
        min_diversification: 2,
        max_snapshot_age_blocks: 600,
        accepts_supplied_metrics: true,
        token: vault::STRK,
        bootloader_program_hash: Felt::ZERO,
    };
    let vault = vault::deploy(owner, &arguments, Felt::ONE).await.unwrap();
    contracts::approve_model(owner, vault, outputs[0]).await.unwrap();
    vault::deposit(owner, vault, vault::STRK, 1_000_000).await.unwrap();
    vault
}

/// The vault's refusal of `outputs`, or `None` when it executed them.
async fn vault_refusal(operator: &Operator, vault: Felt, decision: u64, outputs: &[Felt]) -> Option<String> {
    match operator.invoke(vec![execute(vault, decision, outputs)]).await.unwrap() {
        TxOutcome::Succeeded { .. } => None,
        TxOutcome::Reverted { reason, .. } | TxOutcome::Rejected { reason } => Some(reason),
        TxOutcome::TimedOut { tx_hash } => panic!("{tx_hash} timed out"),
    }
}

/// The vault's `execute_allocation(decision_id, outputs)`.
fn execute(vault: Felt, decision: u64, outputs: &[Felt]) -> Call {
    let mut calldata = vec![Felt::from(decision), Felt::from(outputs.len())];
    calldata.extend_from_slice(outputs);
    Call { to: vault, selector: get_selector_from_name("execute_allocation").unwrap(), calldata }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stone_proof_of_the_risk_program_registers_through_integrity_and_the_vault_executes_it() {
    let json = risk_proof().await;
    let (devnet, _turn) = Devnet::turn().await;
    let accounts = devnet.accounts().await;
    let owner = Arc::new(support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees()));
    let operator = Arc::new(support::operator(vec![devnet.url.clone()], accounts[1], estimated_fees()));
    let deployed = deploy_integrity(&owner, 2).await;

    let (artifact, claim) = verified(json);
    let outputs = claim.statement.to_felts();
    let vault = deploy_vault(&owner, &operator, deployed.fact_registry, claim.program_hash.felt(), &outputs).await;

    // Before registration the vault finds no verification of the fact.
    let refused = vault_refusal(&operator, vault, 1, &outputs).await;
    assert!(refused.as_deref().is_some_and(|r| r.contains("fact has no verification")), "{refused:?}");
    // Above the 4,000 felts a Starknet transaction may carry, so it goes through the split flow.
    let registry = registry(operator.clone(), &deployed);
    let plan = registry.plan(&artifact).unwrap();
    let full = starkrisk_stone::calldata::register_calldata(
        &VerifierConfig::starkrisk(),
        &StoneProof::parse(json).unwrap().parsed,
    )
    .unwrap();
    eprintln!("registration calldata: {} felts; plan: {} transactions", full.len(), plan.transactions());
    assert!(matches!(plan, starkrisk_starknet::RegistrationPlan::Split(_)), "{} felts", full.len());
    let registration = registry.register(&artifact, &claim, &NoJournal).await.unwrap();
    assert_eq!(registration.fact_hash, claim.fact_hash.unwrap());
    assert!(registration.security_bits >= 96, "Integrity recorded {} bits", registration.security_bits);
    assert_eq!(registration.transactions.len(), plan.transactions(), "every transaction of the plan is recorded");
    // What each transaction cost (the figures docs/chain.md gives).
    for tx in &registration.transactions {
        let receipt = operator.provider().get_transaction_receipt(tx.felt()).await.unwrap().receipt;
        let starknet::core::types::TransactionReceipt::Invoke(invoke) = receipt else { panic!("{tx} is no invoke") };
        let (fee, gas) = (&invoke.actual_fee, &invoke.execution_resources);
        eprintln!("{tx}: fee {} {:?}, l2 gas {}, l1 data gas {}", fee.amount, fee.unit, gas.l2_gas, gas.l1_data_gas);
        assert!(fee.amount > Felt::ZERO, "{tx} paid no fee");
    }
    assert_eq!(vault_refusal(&operator, vault, 1, &outputs).await, None);
}

/// `json` with the value of the first public-memory cell of the output segment increased by one: the
/// statement a proof is claimed for, changed after proving.
fn with_output_word_changed(json: &str) -> String {
    let mut proof: Value = serde_json::from_str(json).unwrap();
    let begin = proof["public_input"]["memory_segments"]["output"]["begin_addr"].as_u64().unwrap();
    let cells = proof["public_input"]["public_memory"].as_array_mut().unwrap();
    let cell = cells.iter_mut().find(|c| c["address"].as_u64() == Some(begin)).unwrap();
    let value = Felt::from_hex(cell["value"].as_str().unwrap()).unwrap() + Felt::ONE;
    cell["value"] = Value::String(format!("{value:#x}"));
    serde_json::to_string(&proof).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integritys_verifier_refuses_our_proof_altered_in_a_fri_value_a_merkle_node_or_a_public_memory_word() {
    let json = risk_proof().await;
    let (devnet, _turn) = Devnet::turn().await;
    let accounts = devnet.accounts().await;
    let owner = support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees());
    let deployed = deploy_integrity(&owner, 3).await;
    let registry = registry(Arc::new(owner), &deployed);
    let owner = support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees());

    let altered = [
        ("a FRI value", starkrisk_stone::testing::with_annotation_changed(json, &["FRI/Decommitment/Layer 1: Row"])),
        (
            "a Merkle node",
            starkrisk_stone::testing::with_annotation_changed(json, &["Virtual Oracle/Trace 0: For node"]),
        ),
        ("a public-memory word", with_output_word_changed(json)),
    ];
    for (what, proof) in &altered {
        let reason = sent_to_integrity(&owner, deployed.fact_registry, proof).await;
        assert!(reason.is_some(), "Integrity's verifier accepted our proof with {what} altered");
        if let Ok(fact) = StoneProof::parse(proof).and_then(|p| p.fact()).map(|(_, _, fact)| fact) {
            assert!(registry.verifications(fact).await.unwrap().is_empty(), "{what}: a fact was registered");
        }
    }
    // The unaltered proof goes through the same call.
    assert_eq!(sent_to_integrity(&owner, deployed.fact_registry, json).await, None);
}

/// Integrity's own `proof_serializer`, as deploy/local/integrity-serializer.sh built it (the suite does).
fn integrity_serializer() -> std::path::PathBuf {
    let path = integrity_contracts::home().unwrap().join("bin/proof_serializer");
    assert!(path.is_file(), "{} is missing: run deploy/local/integrity-serializer.sh (just test does)", path.display());
    path
}

/// The calldata Integrity's serializer writes for a proof: decimal felts on one line.
fn serialized_by_integrity(json: &str) -> Vec<Felt> {
    use std::io::Write;
    let mut child = std::process::Command::new(integrity_serializer())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(json.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "proof_serializer failed");
    String::from_utf8(out.stdout).unwrap().split_whitespace().map(|d| Felt::from_dec_str(d).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calldata_we_write_for_our_proofs_is_the_calldata_integritys_own_serializer_writes() {
    let ours = risk_proof().await;
    let fixture =
        std::fs::read_to_string(starkrisk_stone::testing::stone(starkrisk_stone::testing::RECURSIVE)).unwrap();
    for (what, json) in [("our proof", ours), ("Integrity's example", fixture.as_str())] {
        let written = starkrisk_stone::calldata::proof_calldata(&StoneProof::parse(json).unwrap().parsed).unwrap();
        let integritys = serialized_by_integrity(json);
        assert_eq!(
            written.len(),
            integritys.len(),
            "{what}: {} felts here, {} by Integrity",
            written.len(),
            integritys.len()
        );
        let first_difference = written.iter().zip(&integritys).position(|(a, b)| a != b);
        assert_eq!(first_difference, None, "{what}: the calldata differs from Integrity's");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_of_another_program_registered_in_the_same_registry_does_not_unlock_the_vault() {
    // The impostor states the README's first decision, felt for felt, without computing it.
    let decision = starkrisk_stone::testing::first_decision();
    let impostor = tokio::task::spawn_blocking(move || starkrisk_stone::testing::prove_impostor(&decision.to_felts()))
        .await
        .unwrap();
    let ours = risk_proof().await;
    let (devnet, _turn) = Devnet::turn().await;
    let accounts = devnet.accounts().await;
    let owner = Arc::new(support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees()));
    let operator = Arc::new(support::operator(vec![devnet.url.clone()], accounts[1], estimated_fees()));
    let deployed = deploy_integrity(&owner, 4).await;

    // Integrity verifies and registers the impostor's proof: it is a sound proof of its own program.
    assert_eq!(sent_to_integrity(&owner, deployed.fact_registry, &impostor).await, None);
    let (_, impostors_claim) = verified(&impostor);
    let registry = registry(operator.clone(), &deployed);
    assert!(!registry.verifications(impostors_claim.fact_hash.unwrap()).await.unwrap().is_empty());

    // A vault expecting the risk program computes the fact of the same outputs under its program: absent.
    let (_, our_claim) = verified(ours);
    assert_ne!(impostors_claim.program_hash, our_claim.program_hash);
    let outputs = our_claim.statement.to_felts();
    assert_eq!(outputs, impostors_claim.statement.to_felts(), "both state the same decision");
    let vault = deploy_vault(&owner, &operator, deployed.fact_registry, our_claim.program_hash.felt(), &outputs).await;
    let refused = vault_refusal(&operator, vault, 1, &outputs).await;
    assert!(refused.as_deref().is_some_and(|r| r.contains("fact has no verification")), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_registration_stopped_halfway_is_resumed_and_the_vault_waits_for_its_final_call() {
    let json = risk_proof().await;
    let (devnet, _turn) = Devnet::turn().await;
    let accounts = devnet.accounts().await;
    let owner = Arc::new(support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees()));
    let operator = Arc::new(support::operator(vec![devnet.url.clone()], accounts[1], estimated_fees()));
    let deployed = deploy_integrity(&owner, 5).await;
    let registry = registry(operator.clone(), &deployed);
    let (artifact, claim) = verified(json);
    let outputs = claim.statement.to_felts();
    let vault = deploy_vault(&owner, &operator, deployed.fact_registry, claim.program_hash.felt(), &outputs).await;

    // An earlier attempt got its initial call and first step on chain, then the process died.
    let split = SplitProof::verify(&StoneProof::parse(json).unwrap().parsed).unwrap();
    let job = registry.job_id(&split);
    let to = |entrypoint: &str, calldata: Vec<Felt>| Call {
        to: deployed.fact_registry,
        selector: get_selector_from_name(entrypoint).unwrap(),
        calldata,
    };
    let initial = split.initial_calldata(job, &VerifierConfig::starkrisk()).unwrap();
    let mut earlier = Vec::new();
    for call in [to("verify_proof_initial", initial), to("verify_proof_step", split.step_calldata(job, 0).unwrap())] {
        match operator.invoke(vec![call]).await.unwrap() {
            TxOutcome::Succeeded { tx_hash, .. } => earlier.push(tx_hash),
            other => panic!("the earlier attempt's call failed: {other:?}"),
        }
    }
    let refused = vault_refusal(&operator, vault, 1, &outputs).await;
    assert!(refused.as_deref().is_some_and(|r| r.contains("fact has no verification")), "{refused:?}");

    // The next attempt (a restarted pipeline calls the same) sends only what is left, noting each call
    // before it goes, and lists the earlier attempt's calls with its own; a hash noted just before the
    // crash but never sent is not listed.
    let never_sent = TxHash::new(Felt::from(0x5e17u32));
    let journal = Journal { earlier: [earlier.clone(), vec![never_sent]].concat(), noted: Mutex::default() };
    let registration = registry.register(&artifact, &claim, &journal).await.unwrap();
    let noted = journal.noted.lock().unwrap().clone();
    assert_eq!(noted.len(), split.steps() - 1 + 1, "the remaining steps and the final call");
    assert_eq!(registration.transactions, [earlier, noted.clone()].concat());
    assert_eq!(registration.tx_hash, noted.last().copied(), "the final call registered the fact");
    assert_eq!(registration.fact_hash, claim.fact_hash.unwrap());
    assert_eq!(vault_refusal(&operator, vault, 1, &outputs).await, None);
}

/// What a job's journal keeps, in memory.
struct Journal {
    earlier: Vec<TxHash>,
    noted: Mutex<Vec<TxHash>>,
}

#[async_trait::async_trait]
impl RegistrationJournal for Journal {
    fn earlier(&self) -> Vec<TxHash> {
        self.earlier.clone()
    }

    async fn note(&self, tx: TxHash) -> Result<(), StoreError> {
        self.noted.lock().unwrap().push(tx);
        Ok(())
    }
}
