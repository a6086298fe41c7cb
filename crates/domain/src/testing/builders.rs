//! Entities in states a test needs that the service reaches only through many steps, or only when someone
//! edits a row outside it. Each is built through `restore` or the transitions, so it holds the rules a row
//! read from storage must; an edit that breaks one fails the test that asked for it.
#![allow(clippy::expect_used)] // a refused edit is a broken test, reported by its panic

use chrono::{DateTime, Utc};

use crate::{AllocationDecision, DecisionRecord, Felt, ProofJob, ProofJobRecord, TxHash};

/// `decision` as a row edited by `alter` reads back.
pub fn altered_decision(decision: &AllocationDecision, alter: impl FnOnce(&mut DecisionRecord)) -> AllocationDecision {
    let mut record = decision.record().clone();
    alter(&mut record);
    AllocationDecision::restore(record).expect("the edit keeps the rules a stored decision keeps")
}

/// `job` as a row edited by `alter` reads back.
pub fn altered_job(job: &ProofJob, alter: impl FnOnce(&mut ProofJobRecord)) -> ProofJob {
    let mut record = job.record().clone();
    alter(&mut record);
    ProofJob::restore(record).expect("the edit keeps the rules a stored job keeps")
}

/// A pending `decision` taken through verification and a transaction to executed in `block`, at `now`.
pub fn executed_decision(mut decision: AllocationDecision, block: u64, now: DateTime<Utc>) -> AllocationDecision {
    decision.verified(None, now).expect("a pending decision verifies");
    decision.submitted(TxHash::new(Felt::from(block)), Vec::new(), now).expect("a verified decision is sent");
    decision.executed(block, None, now).expect("a sent decision executes");
    decision
}
