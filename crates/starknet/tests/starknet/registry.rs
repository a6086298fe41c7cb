//! The FactRegistry adapter against a loopback Starknet node hosting a stand-in for Integrity on Sepolia
//! (which cannot run here): verifications read and decoded from ABI-shaped felts, a proof registered in
//! one transaction, and one too large for a transaction registered through the split flow.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use starknet::core::types::Felt;
use starkrisk_domain::ports::{ChainError, FactRegistry, NoJournal, RegistrationJournal, StoreError};
use starkrisk_domain::*;
use starkrisk_starknet::testing::DevnetAccount;
use starkrisk_starknet::{
    EXECUTE_OVERHEAD_FELTS, FeeSettings, IntegrityRegistry, IntegritySettings, RegistrationPlan, ResourceBounds,
};
use starkrisk_stone::StoneVerifier;
use starkrisk_stone::split::SplitProof;
use support::estimated_fees;
use support::integrity::IntegrityNode;

const REGISTRY: &str = "0x16409cfef9b6c3e6002133b61c59d09484594b37b8e4daef7dcba5495a0ef1a";

fn stone_artifact() -> ProofArtifact {
    let path = starkrisk_stone::testing::stone(starkrisk_stone::testing::RECURSIVE);
    ProofArtifact {
        prover: ProverKind::Stone,
        system: ProofSystem::Stone,
        bytes: std::fs::read(path).unwrap(),
        statement: examples::statement(),
        prove_time: Duration::ZERO,
        remote_query: None,
    }
}

fn split_of(artifact: &ProofArtifact) -> SplitProof {
    let proof = starkrisk_stone::StoneProof::parse(std::str::from_utf8(&artifact.bytes).unwrap()).unwrap();
    SplitProof::verify(&proof.parsed).unwrap()
}

/// A node whose registry verifies the fixture proof and takes account calldata up to `node_limit` felts.
async fn node(node_limit: usize) -> IntegrityNode {
    let artifact = stone_artifact();
    let verified = StoneVerifier::new(0).verify_json(std::str::from_utf8(&artifact.bytes).unwrap()).unwrap();
    let registry = Felt::from_hex(REGISTRY).unwrap();
    IntegrityNode::start(registry, split_of(&artifact), verified.fact_hash, verified.security_bits, node_limit).await
}

/// The operator the tests sign with (the stand-in does not check signatures).
fn operator(url: &str) -> Arc<starkrisk_starknet::Operator> {
    operator_over(vec![url.to_string()])
}

/// The operator reaching the chain through every one of `urls`.
fn operator_over(urls: Vec<String>) -> Arc<starkrisk_starknet::Operator> {
    let account = DevnetAccount { address: Felt::from(0x1234u32), private_key: Felt::from(0x5678u32) };
    let bounds = ResourceBounds {
        l1_gas: 0,
        l1_gas_price: 1,
        l2_gas: 1_000_000_000,
        l2_gas_price: 1,
        l1_data_gas: 10_000,
        l1_data_gas_price: 1,
    };
    let fees = FeeSettings { estimate: false, fallback: Some(bounds), ..estimated_fees() };
    Arc::new(support::operator(urls, account, fees))
}

/// A registry adapter over `url` allowing `max_calldata_felts` per transaction; fees are not estimated
/// (the stand-in executes, it does not simulate).
fn registry(url: &str, max_calldata_felts: usize) -> IntegrityRegistry {
    let settings = IntegritySettings { fact_registry: REGISTRY.into(), max_calldata_felts, local_stand_in: false };
    IntegrityRegistry::new(operator(url), &settings, VerifierConfig::starkrisk()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_that_cannot_work_are_refused_naming_the_field() {
    let url = "http://127.0.0.1:9";
    let config = VerifierConfig::starkrisk();
    let no_room = IntegritySettings {
        fact_registry: REGISTRY.into(),
        max_calldata_felts: EXECUTE_OVERHEAD_FELTS,
        local_stand_in: false,
    };
    match IntegrityRegistry::new(operator(url), &no_room, config.clone()) {
        Err(ChainError::InvalidInput { field, .. }) => assert_eq!(field, "starknet.integrity.max_calldata_felts"),
        other => panic!("expected a refusal, got {:?}", other.err()),
    }
    let not_hex =
        IntegritySettings { fact_registry: "registry".into(), max_calldata_felts: 4_000, local_stand_in: false };
    match IntegrityRegistry::new(operator(url), &not_hex, config) {
        Err(ChainError::InvalidInput { field, .. }) => assert_eq!(field, "starknet.integrity.fact_registry"),
        other => panic!("expected a refusal, got {:?}", other.err()),
    }
}

/// What local verification establishes about the fixture proof (only its fact and bits matter here).
fn fixture_claim() -> VerifiedClaim {
    VerifiedClaim {
        system: ProofSystem::Stone,
        program_hash: ProgramHash::new(Felt::ONE),
        statement: examples::statement(),
        security_bits: 60,
        provable_security_bits: None,
        fact_hash: Some(fixture_fact()),
    }
}

fn fixture_fact() -> FactHash {
    let json = String::from_utf8(stone_artifact().bytes).unwrap();
    StoneVerifier::new(0).verify_json(&json).unwrap().fact_hash
}

/// A verification of `fact` as Integrity stores it: under the hash of (fact, configuration, bits).
fn honest(fact: FactHash, bits: u32) -> (VerificationHash, u32) {
    (VerificationHash::compute(fact, &VerifierConfig::starkrisk(), bits).unwrap(), bits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifications_are_read_and_decoded_from_the_registry() {
    let node = node(100_000).await;
    let fact = FactHash::new(Felt::ONE);
    // A node that invents a 100-bit verification beside the real 80-bit one: its hash does not recompute.
    let invented = (VerificationHash::new(Felt::from(0xbu8)), 100);
    node.registry.lock().unwrap().verifications.insert(Felt::ONE, vec![honest(fact, 80), invented]);
    let registry = registry(&node.url, 10_000);
    let list = registry.verifications(fact).await.unwrap();
    assert_eq!(list.iter().map(|v| v.security_bits).collect::<Vec<_>>(), [80, 100]);
    assert!(list.iter().all(|v| v.verifier_config == VerifierConfig::starkrisk()));
    let policy = FactPolicy { expected_config: VerifierConfig::starkrisk(), min_security_bits: 96 };
    assert!(policy.accepting(fact, &list).is_none(), "the invented verification is not believed");
    node.registry.lock().unwrap().verifications.insert(Felt::ONE, vec![honest(fact, 80), honest(fact, 100)]);
    let list = registry.verifications(fact).await.unwrap();
    assert_eq!(policy.accepting(fact, &list).unwrap().verification_hash, honest(fact, 100).0);
    assert!(registry.verifications(FactHash::new(Felt::TWO)).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_several_rpcs_a_fact_counts_only_when_two_agree() {
    let (honest_node, lying_node, third) = (node(100_000).await, node(100_000).await, node(100_000).await);
    let fact = FactHash::new(Felt::ONE);
    // The lying node reports a verification (hash and all) that Integrity never stored.
    lying_node.registry.lock().unwrap().verifications.insert(Felt::ONE, vec![honest(fact, 128)]);
    let urls = vec![lying_node.url.clone(), honest_node.url.clone()];
    let settings =
        IntegritySettings { fact_registry: REGISTRY.into(), max_calldata_felts: 10_000, local_stand_in: false };
    let registry = IntegrityRegistry::new(operator_over(urls), &settings, VerifierConfig::starkrisk()).unwrap();
    match registry.verifications(fact).await {
        Err(ChainError::Unavailable(reason)) => assert!(reason.contains("differently"), "{reason}"),
        other => panic!("two endpoints disagreeing must not yield a verification list: {other:?}"),
    }
    // A third endpoint sides with the honest one: their answer (no verification) is the one read.
    let urls = vec![lying_node.url.clone(), honest_node.url.clone(), third.url.clone()];
    let registry = IntegrityRegistry::new(operator_over(urls), &settings, VerifierConfig::starkrisk()).unwrap();
    assert!(registry.verifications(fact).await.unwrap().is_empty());
    // Once the fact really is verified, both honest endpoints say so and it counts.
    for node in [&honest_node, &third] {
        node.registry.lock().unwrap().verifications.insert(Felt::ONE, vec![honest(fact, 100)]);
    }
    let list = registry.verifications(fact).await.unwrap();
    let policy = FactPolicy { expected_config: VerifierConfig::starkrisk(), min_security_bits: 96 };
    assert_eq!(policy.accepting(fact, &list).unwrap().security_bits, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_that_fits_is_registered_in_one_transaction() {
    let node = node(100_000).await;
    let registry = registry(&node.url, 100_000);
    let artifact = stone_artifact();
    let expected = starkrisk_stone::calldata::register_calldata(&VerifierConfig::starkrisk(), &{
        starkrisk_stone::StoneProof::parse(std::str::from_utf8(&artifact.bytes).unwrap()).unwrap().parsed
    })
    .unwrap();
    assert_eq!(registry.plan(&artifact).unwrap(), RegistrationPlan::Full(expected));

    let registration = registry.register(&artifact, &fixture_claim(), &NoJournal).await.unwrap();
    assert_eq!(registration.fact_hash, fixture_fact());
    assert_eq!(registration.security_bits, 60);
    let sent: Vec<String> = node.registry.lock().unwrap().sent.iter().map(|(name, _)| name.clone()).collect();
    assert_eq!(sent, ["verify_proof_full_and_register_fact"]);
    let list = registry.verifications(registration.fact_hash).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].verification_hash, registration.verification_hash);
    let recorded = registry.verification(registration.verification_hash).await.unwrap().unwrap();
    assert_eq!((recorded.fact_hash, recorded.security_bits), (fixture_fact(), 60));
    assert_eq!(recorded.verifier_config, VerifierConfig::starkrisk());
    assert_eq!(registry.verification(VerificationHash::new(Felt::ONE)).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_of_another_fact_than_the_proofs_is_refused() {
    let node = node(100_000).await;
    let other = FactHash::new(Felt::from(0xfac7u32));
    node.registry.lock().unwrap().wrong_fact = Some(other);
    match registry(&node.url, 100_000).register(&stone_artifact(), &fixture_claim(), &NoJournal).await {
        Err(ChainError::Rejected { reason, tx_hash }) => {
            assert!(reason.contains(&other.to_string()) && reason.contains(&fixture_fact().to_string()), "{reason}");
            assert!(tx_hash.is_some());
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fact_already_verified_on_chain_is_not_registered_again() {
    let node = node(100_000).await;
    let registry = registry(&node.url, 100_000);
    let artifact = stone_artifact();
    // A verification with less security than the proof's does not count.
    let weaker = (VerificationHash::new(Felt::from(0xdu8)), 59);
    node.registry.lock().unwrap().verifications.insert(fixture_fact().felt(), vec![weaker]);
    let first = registry.register(&artifact, &fixture_claim(), &NoJournal).await.unwrap();
    assert!(first.tx_hash.is_some());
    let again = registry.register(&artifact, &fixture_claim(), &NoJournal).await.unwrap();
    assert_eq!(again.tx_hash, None, "nothing sent the second time");
    assert_eq!((again.fact_hash, again.verification_hash), (first.fact_hash, first.verification_hash));
    assert_eq!(node.registry.lock().unwrap().sent.len(), 1, "one transaction for both registrations");
}

/// The tightest limit the split flow fits in: its largest call plus the account's wrapping.
fn split_limit(split: &SplitProof) -> usize {
    let config = VerifierConfig::starkrisk();
    let mut sizes =
        vec![split.initial_calldata(Felt::ZERO, &config).unwrap().len(), split.final_calldata(Felt::ZERO).len()];
    sizes.extend((0..split.steps()).map(|s| split.step_calldata(Felt::ZERO, s).unwrap().len()));
    sizes.into_iter().max().unwrap() + EXECUTE_OVERHEAD_FELTS
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_over_the_limit_is_registered_through_the_split_flow() {
    let artifact = stone_artifact();
    let limit = split_limit(&split_of(&artifact));
    let node = node(limit).await;

    // Sent whole, the sequencer refuses it: the limit is real.
    let whole = registry(&node.url, 100_000).register(&artifact, &fixture_claim(), &NoJournal).await.unwrap_err();
    assert!(whole.to_string().contains("above the limit"), "{whole}");

    let registry = registry(&node.url, limit);
    let plan = registry.plan(&artifact).unwrap();
    assert!(matches!(plan, RegistrationPlan::Split(_)), "{plan:?}");
    assert_eq!(plan.transactions(), 6);
    let registration = registry.register(&artifact, &fixture_claim(), &NoJournal).await.unwrap();
    assert_eq!(registration.fact_hash, fixture_fact());
    assert_eq!(registration.security_bits, 60);
    let expected = VerificationHash::compute(fixture_fact(), &VerifierConfig::starkrisk(), 60).unwrap();
    assert_eq!(registration.verification_hash, expected);

    let sent = node.registry.lock().unwrap().sent.clone();
    let names: Vec<&str> = sent.iter().map(|(name, _)| name.as_str()).collect();
    let steps = ["verify_proof_step"; 4];
    // The whole proof never executed: the sequencer refused it before any call ran.
    assert_eq!(names, [&["verify_proof_initial"][..], &steps, &["verify_proof_final_and_register_fact"]].concat());
    let jobs: Vec<Felt> = sent.iter().filter_map(|(_, job)| *job).collect();
    assert!(jobs.iter().all(|j| *j == jobs[0]), "one job id for the whole flow: {jobs:?}");
    assert_eq!(registry.verifications(registration.fact_hash).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_flow_cut_short_fails_naming_the_call_and_is_resumed_where_it_stopped() {
    let artifact = stone_artifact();
    let limit = split_limit(&split_of(&artifact));
    let node = node(limit).await;
    let registry = registry(&node.url, limit);
    node.registry.lock().unwrap().revert_next = Some(("verify_proof_step".into(), "Out of gas".into()));

    match registry.register(&artifact, &fixture_claim(), &NoJournal).await {
        Err(ChainError::Rejected { reason, tx_hash }) => {
            assert!(reason.contains("verify_proof_step 1 of 4") && reason.contains("Out of gas"), "{reason}");
            assert!(tx_hash.is_some(), "a reverted step names its transaction");
        }
        other => panic!("expected the reverted step, got {other:?}"),
    }
    assert!(registry.verifications(fixture_fact()).await.unwrap().is_empty(), "nothing registered half-way");

    // The next attempt finds the job where the first left it: the initial call is not paid for again, the
    // reverted step is sent again, and the rest follow.
    let registration = registry.register(&artifact, &fixture_claim(), &NoJournal).await.unwrap();
    let sent = node.registry.lock().unwrap().sent.clone();
    let count = |entrypoint: &str| sent.iter().filter(|(name, _)| name == entrypoint).count();
    assert_eq!(count("verify_proof_initial"), 1, "{sent:?}");
    assert_eq!(count("verify_proof_step"), 5, "the reverted first step, then all four: {sent:?}");
    assert_eq!(count("verify_proof_final_and_register_fact"), 1, "{sent:?}");
    assert_eq!(registration.transactions.len(), 5, "four steps and the final call this time");
    let jobs: std::collections::HashSet<Felt> = sent.iter().filter_map(|(_, job)| *job).collect();
    assert_eq!(jobs.len(), 1, "one job id throughout");
    assert_eq!(registry.verifications(fixture_fact()).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_no_transaction_can_carry_or_integrity_cannot_verify_is_refused_before_sending() {
    let node = node(100_000).await;
    let artifact = stone_artifact();
    match registry(&node.url, 500).register(&artifact, &fixture_claim(), &NoJournal).await {
        Err(ChainError::InvalidInput { field, reason }) => {
            assert_eq!(field, "proof");
            assert!(reason.contains("max_calldata_felts (500)") && reason.contains("split flow"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let stwo = ProofArtifact { system: ProofSystem::Stwo, ..artifact };
    match registry(&node.url, 100_000).register(&stwo, &fixture_claim(), &NoJournal).await {
        Err(ChainError::InvalidInput { field, reason }) => {
            assert_eq!(field, "proof");
            assert!(reason.contains("Stone proofs"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A proof whose verified claim names another fact is not the proof that was verified.
    let mut other = fixture_claim();
    other.fact_hash = Some(FactHash::new(Felt::TWO));
    match registry(&node.url, 100_000).register(&stone_artifact(), &other, &NoJournal).await {
        Err(ChainError::InvalidInput { field, reason }) => {
            assert_eq!(field, "artifact");
            assert!(reason.contains("verified claim"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(node.registry.lock().unwrap().sent.is_empty(), "nothing may reach the chain");
}

/// A journal that refuses its first note (the database is away) and keeps the rest.
#[derive(Default)]
struct RefusingOnce {
    refused: std::sync::atomic::AtomicBool,
    noted: std::sync::Mutex<Vec<TxHash>>,
}

#[async_trait::async_trait]
impl RegistrationJournal for RefusingOnce {
    fn earlier(&self) -> Vec<TxHash> {
        Vec::new()
    }

    async fn note(&self, tx: TxHash) -> Result<(), StoreError> {
        if !self.refused.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(StoreError::Unavailable("Postgres is restarting".into()));
        }
        self.noted.lock().unwrap().push(tx);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_cannot_be_noted_is_not_sent_and_the_next_attempt_goes_through() {
    let node = node(100_000).await;
    let registry = registry(&node.url, 100_000);
    let journal = RefusingOnce::default();
    match registry.register(&stone_artifact(), &fixture_claim(), &journal).await {
        Err(ChainError::Unavailable(reason)) => {
            assert!(reason.contains("could not be noted") && reason.contains("nothing was sent"), "{reason}")
        }
        other => panic!("expected the registration to stop before sending, got {other:?}"),
    }
    assert!(node.registry.lock().unwrap().sent.is_empty(), "nothing may reach the chain");
    // The abandoned transaction's turn and nonce are given back: the next attempt sends at once.
    let registration =
        tokio::time::timeout(Duration::from_secs(4), registry.register(&stone_artifact(), &fixture_claim(), &journal))
            .await
            .expect("the next attempt waited for the abandoned transaction's turn")
            .unwrap();
    assert_eq!(registration.transactions, *journal.noted.lock().unwrap(), "each sent call was noted first");
    assert_eq!(node.registry.lock().unwrap().sent.len(), 1);
}
