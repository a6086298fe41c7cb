//! A proof is only as good as what binds it to the decision: the program it is of and the model its
//! statement names. Each test here is a hole a verifier alone would let through.

use super::support::*;
use crate::felt::{Felt, ProgramHash};
use crate::params::{ModelParams, ModelVersion};
use crate::ports::VerifyError;
use crate::proof::ProofSystem;
use crate::statement::DecisionStatement;
use crate::testing::MemoryStore;
use crate::usecases::{CheckProof, VerifyProof};

fn verify_with(answer: crate::proof::VerifiedProof) -> VerifyProof {
    let system = answer.system;
    let floor = crate::SecurityLevel { conjectured_bits: 80, provable_bits: 0 };
    VerifyProof::new(vec![verifier(system, move || Ok(answer.clone()))], floor, programs())
}

fn refusal(result: Result<crate::proof::VerifiedClaim, VerifyError>) -> String {
    match result {
        Err(VerifyError::Rejected { reason }) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_proof_of_another_program_is_refused_whatever_it_outputs() {
    // A program that prints a perfectly consistent decision fed by a hint: everything but its hash is right.
    let impostor = ProgramHash::new(Felt::from(666u16));
    for system in [ProofSystem::Stone, ProofSystem::Stwo] {
        let mut answer = verified(system, statement(), 100);
        answer.program_hash = impostor;
        let reason = refusal(verify_with(answer).verify(system, b"proof").await);
        assert!(reason.contains("0x29a") && reason.contains("not of the"), "{reason}");
    }
    // The Cairo program's hash does not pass for the AIR's, nor the other way round.
    let mut swapped = verified(ProofSystem::Stwo, statement(), 100);
    swapped.program_hash = programs().cairo;
    assert!(refusal(verify_with(swapped).verify(ProofSystem::Stwo, b"p").await).contains("S-two risk AIR"));
    assert!(verify_with(verified(ProofSystem::Stone, statement(), 100)).verify(ProofSystem::Stone, b"p").await.is_ok());
}

#[tokio::test]
async fn a_model_hash_carried_with_other_parameters_is_refused() {
    // Model v1's hash, but heavier volatility weights: a consistent computation under a mislabelled model.
    let mut raw = *ModelParams::v1().values();
    raw.w_volatility += 100;
    let params = ModelParams::new(raw).unwrap();
    let (forged, _) =
        DecisionStatement::compute(ModelVersion::V1, model().model_hash(), params, crate::examples::SNAPSHOT);
    assert!(forged.is_consistent(), "the forgery computes correctly; only its label lies");
    let reason = refusal(verify_with(verified(ProofSystem::Stwo, forged, 100)).verify(ProofSystem::Stwo, b"p").await);
    assert!(reason.starts_with("model_hash:"), "{reason}");
    // The same parameters under another version number do not pass either.
    let (relabelled, _) = DecisionStatement::compute(
        ModelVersion::new(2).unwrap(),
        model().model_hash(),
        ModelParams::v1(),
        crate::examples::SNAPSHOT,
    );
    let reason =
        refusal(verify_with(verified(ProofSystem::Stone, relabelled, 100)).verify(ProofSystem::Stone, b"p").await);
    assert!(reason.contains("model v2"), "{reason}");
}

#[tokio::test]
async fn the_proof_report_names_the_program_and_whether_the_model_is_registered() {
    let clock = std::sync::Arc::new(ManualClock::default());
    let store = std::sync::Arc::new(MemoryStore::new(clock));
    let check =
        |answer: crate::proof::VerifiedProof| CheckProof::new(verify_with(answer), store.clone(), store.clone());
    // Not registered yet: verifies, is the risk program, but no decision could rest on it.
    let report = check(verified(ProofSystem::Stwo, statement(), 100)).submitted(ProofSystem::Stwo, b"p").await.unwrap();
    assert!(report.risk_program && !report.model_registered && !report.accepted(), "{report:?}");
    assert!(report.refusal.as_deref().unwrap_or_default().contains("not a model registered here"));
    crate::ports::ModelStore::register(store.as_ref(), &model()).await.unwrap();
    let report = check(verified(ProofSystem::Stwo, statement(), 100)).submitted(ProofSystem::Stwo, b"p").await.unwrap();
    assert!(report.risk_program && report.model_registered && report.accepted(), "{report:?}");
    assert_eq!(report.statement, Some(statement()));
    // A proof of something else entirely is still reported, as what it is.
    let mut foreign = verified(ProofSystem::Stone, statement(), 100);
    foreign.program_hash = ProgramHash::new(Felt::from(5u8));
    foreign.public_output = vec![Felt::from(1u8), Felt::from(2u8)];
    let report = check(foreign).submitted(ProofSystem::Stone, b"p").await.unwrap();
    assert!(!report.risk_program && report.statement.is_none() && !report.accepted(), "{report:?}");
    assert_eq!(report.proof.public_output.len(), 2);
}

#[tokio::test]
async fn the_provable_floor_is_checked_beside_the_conjectured_one() {
    let mut answer = verified(ProofSystem::Stwo, statement(), 0);
    // The S-two default parameters: 96 conjectured bits, 53 provable.
    answer.security = crate::SecurityLevel::of_fri(86, 1, 10);
    let floor = crate::SecurityLevel { conjectured_bits: 96, provable_bits: 64 };
    let verify = VerifyProof::new(vec![verifier(ProofSystem::Stwo, move || Ok(answer.clone()))], floor, programs());
    match verify.verify(ProofSystem::Stwo, b"p").await {
        Err(e @ VerifyError::InsufficientProvableSecurity { actual: 53, required: 64 }) => {
            assert!(e.to_string().contains("pipeline.min_provable_security_bits"), "{e}")
        }
        other => panic!("53 provable bits must not pass a 64-bit floor: {other:?}"),
    }
    let relaxed = crate::SecurityLevel { conjectured_bits: 96, provable_bits: 53 };
    let mut answer = verified(ProofSystem::Stwo, statement(), 0);
    answer.security = crate::SecurityLevel::of_fri(86, 1, 10);
    let verify = VerifyProof::new(vec![verifier(ProofSystem::Stwo, move || Ok(answer.clone()))], relaxed, programs());
    let claim = verify.verify(ProofSystem::Stwo, b"p").await.unwrap();
    assert_eq!((claim.security_bits, claim.provable_security_bits), (96, Some(53)));
}

/// A Stone proof of the bootloader (as Atlantic proves a PIE) whose output is `output`.
fn bootloaded(output: Vec<Felt>) -> crate::proof::VerifiedProof {
    let mut answer = verified(ProofSystem::Stone, statement(), 100);
    answer.program_hash = programs().bootloader.unwrap();
    answer.public_output = output;
    answer
}

#[tokio::test]
async fn the_bootloader_running_the_risk_program_once_proves_the_decision_its_task_states() {
    let output = crate::bootloader_output(programs().cairo, &statement().to_felts());
    let claim = verify_with(bootloaded(output)).verify(ProofSystem::Stone, b"p").await.unwrap();
    assert_eq!(claim.statement, statement());
    assert_eq!(claim.program_hash, programs().bootloader.unwrap(), "the proven program is the bootloader");
}

#[tokio::test]
async fn the_bootloader_running_anything_else_proves_nothing() {
    let words = statement().to_felts();
    let mut two_tasks = crate::bootloader_output(programs().cairo, &words);
    two_tasks[0] = Felt::from(2u8);
    let mut short = crate::bootloader_output(programs().cairo, &words);
    short.pop();
    let cases = [
        (crate::bootloader_output(ProgramHash::new(Felt::from(666u16)), &words), "ran program 0x29a"),
        (two_tasks, "ran 2 tasks"),
        (short, "task size"),
        (vec![Felt::ONE], "shorter than its header"),
    ];
    for (output, why) in cases {
        let reason = refusal(verify_with(bootloaded(output)).verify(ProofSystem::Stone, b"p").await);
        assert!(reason.contains(why), "{why}: {reason}");
    }
    // The bootloader's hash is a Stone program: an S-two proof claiming it is of another program.
    let mut stwo = bootloaded(crate::bootloader_output(programs().cairo, &words));
    stwo.system = ProofSystem::Stwo;
    assert!(refusal(verify_with(stwo).verify(ProofSystem::Stwo, b"p").await).contains("not of the S-two risk AIR"));
}
