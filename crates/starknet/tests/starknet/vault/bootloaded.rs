//! Atlantic proves a PIE under a bootloader, so the fact its proof registers is the bootloader's, with the
//! program as its one task: the vault executes on that fact too, and on nothing a bootloader ran else.

use super::*;

/// The fact of `bootloader` running `program` once with `outputs`.
fn bootloaded(bootloader: u64, program: u64, outputs: &[Felt]) -> Felt {
    let (bootloader, program) = (ProgramHash::new(Felt::from(bootloader)), ProgramHash::new(Felt::from(program)));
    FactHash::bootloaded(bootloader, program, outputs).felt()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bootloaded_proof_of_the_program_unlocks_the_vault_once_and_nothing_else_a_bootloader_ran_does() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let accounts = devnet.accounts().await;
    let owner = support::operator(vec![devnet.url.clone()], accounts[0], estimated_fees());
    let operator = support::operator(vec![devnet.url.clone()], accounts[1], estimated_fees());
    let (registry, vault) = deploy_gate(&owner, &operator, 9, MAX_SNAPSHOT_AGE).await;
    let config = VerifierConfig::starkrisk();
    assert_eq!(view(&owner, vault, "bootloader_program_hash", vec![]).await, [Felt::from(BOOTLOADER)]);
    let proven = outputs();
    assert_eq!(reverted(&owner, vec![call(vault, "approve_model", vec![proven[0]])]).await, None);

    // The deployed bootloader running another program that prints the same numbers, and another
    // bootloader running this program: neither fact is the one the vault computes.
    for fact in [bootloaded(BOOTLOADER, 0xbad, &proven), bootloaded(0xb008, PROGRAM, &proven)] {
        assert_eq!(reverted(&owner, vec![register(registry, fact, 96, &config)]).await, None);
        assert_refused(reverted(&operator, vec![execute(vault, DECISION, &proven)]).await, "fact has no verification");
    }
    // Its verification is held to the same configuration and bits as a direct proof's.
    let fact = bootloaded(BOOTLOADER, PROGRAM, &proven);
    assert_eq!(reverted(&owner, vec![register(registry, fact, 80, &config)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, DECISION, &proven)]).await, "too few security bits");

    assert_eq!(reverted(&owner, vec![register(registry, fact, 96, &config)]).await, None);
    assert_eq!(reverted(&operator, vec![execute(vault, DECISION, &proven)]).await, None);
    let current = view(&owner, vault, "current_allocation", vec![]).await;
    assert_eq!(current[6], fact, "the allocation names the bootloaded fact it executed on");

    // The same outputs proven directly as well: one proof's numbers move the treasury once, whichever way.
    assert_eq!(reverted(&owner, vec![register(registry, fact_of(&proven), 96, &config)]).await, None);
    assert_refused(reverted(&operator, vec![execute(vault, DECISION + 1, &proven)]).await, "proof already executed");
}
