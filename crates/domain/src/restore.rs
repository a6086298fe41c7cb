//! What a record read from storage must hold before it becomes an entity: the fields its status needs,
//! as the transitions leave them. A row edited outside the service into a state no transition reaches is
//! refused by name instead of driving the pipeline.

use crate::decision::{DecisionRecord, DecisionStatus};
use crate::proof_job::{ProofJobRecord, ProofJobStatus};

/// A stored record in a state no sequence of transitions reaches.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored {entity} {id} is inconsistent: {reason}; it was changed outside the service, restore it from a backup")]
pub struct CorruptRecord {
    /// `proof job` or `decision`.
    pub entity: &'static str,
    /// Its id.
    pub id: String,
    /// Which rule it breaks.
    pub reason: String,
}

fn rule(holds: bool, reason: &str, errors: &mut Vec<String>) {
    if !holds {
        errors.push(reason.to_string());
    }
}

fn verdict(entity: &'static str, id: String, errors: Vec<String>) -> Result<(), CorruptRecord> {
    if errors.is_empty() { Ok(()) } else { Err(CorruptRecord { entity, id, reason: errors.join("; ") }) }
}

/// The rules a proof job's record keeps.
pub(crate) fn check_job(record: &ProofJobRecord) -> Result<(), CorruptRecord> {
    use ProofJobStatus::*;
    let failed = record.status == Failed;
    let mut errors = Vec::new();
    rule(failed == record.failure.is_some(), "a failure is recorded exactly when the job is failed", &mut errors);
    // A failed job keeps what it had made: it needs what the status it resumes from needs.
    let at = record.failure.as_ref().map_or(record.status, |f| f.resume_from);
    rule(!(failed && at == Failed), "a failure resumes from a status other than failed", &mut errors);
    let proved = matches!(at, Proved | Verified | Registered | Executed);
    rule(!proved || record.artifact.is_some(), "a job past proving has its proof", &mut errors);
    let verified = matches!(at, Verified | Registered | Executed);
    rule(!verified || record.claim.is_some(), "a job past verification has its verified claim", &mut errors);
    rule(at != Registered || record.registration.is_some(), "a registered job has its registration", &mut errors);
    rule(
        record.registration_sent.is_empty() || at == Verified,
        "only a job still registering keeps transactions sent towards a registration",
        &mut errors,
    );
    verdict("proof job", record.id.to_string(), errors)
}

/// The rules a decision's record keeps.
pub(crate) fn check_decision(record: &DecisionRecord) -> Result<(), CorruptRecord> {
    use DecisionStatus::*;
    let mut errors = Vec::new();
    let status = record.status;
    let sent = matches!(status, Submitted | Executed);
    rule(!sent || record.tx_hash.is_some(), "a submitted or executed decision has its transaction", &mut errors);
    rule(
        (status == Executed) == record.block_number.is_some(),
        "a block is recorded exactly when the decision is executed",
        &mut errors,
    );
    rule(status != Pending || record.tx_hash.is_none(), "a pending decision has sent nothing", &mut errors);
    rule(
        !matches!(status, Refused | Failed) || record.message.is_some(),
        "a refused or failed decision says why",
        &mut errors,
    );
    verdict("decision", record.id.to_string(), errors)
}

#[cfg(test)]
mod tests {
    use crate::proof_job::{JobFailure, Stage};
    use crate::{AllocationDecision, DecisionRecord, DecisionStatus, ModelVersion, ProofJob, ProofJobRecord};
    use crate::{ProofJobStatus, ProverKind, examples, testing};

    fn planned() -> (AllocationDecision, ProofJob) {
        let now = crate::ports::Clock::now(&testing::ManualClock::default());
        AllocationDecision::plan(examples::statement(), ModelVersion::V1, vec![ProverKind::Luminair], now)
    }

    fn refused_decision(alter: fn(&mut DecisionRecord)) -> String {
        let mut record = planned().0.record().clone();
        alter(&mut record);
        AllocationDecision::restore(record).unwrap_err().to_string()
    }

    fn refused_job(alter: fn(&mut ProofJobRecord)) -> String {
        let mut record = planned().1.record().clone();
        alter(&mut record);
        ProofJob::restore(record).unwrap_err().to_string()
    }

    #[test]
    fn what_the_transitions_leave_restores_as_it_was() {
        let (decision, job) = planned();
        let executed = testing::executed_decision(decision.clone(), 9, decision.created_at());
        for decision in [decision, executed] {
            assert_eq!(AllocationDecision::restore(decision.record().clone()).as_ref(), Ok(&decision));
        }
        let mut failed = job.clone();
        failed.fail(Stage::Proving, "crashed", true, job.created_at()).unwrap();
        for job in [job, failed] {
            assert_eq!(ProofJob::restore(job.record().clone()).as_ref(), Ok(&job));
        }
    }

    #[test]
    fn a_decision_in_a_state_no_transition_reaches_is_refused_by_rule() {
        let executed_without_block = refused_decision(|r| {
            r.status = DecisionStatus::Executed;
            r.tx_hash = Some(crate::TxHash::new(crate::Felt::ONE));
        });
        assert!(executed_without_block.contains("a block is recorded exactly when"), "{executed_without_block}");
        assert!(executed_without_block.starts_with("stored decision "), "{executed_without_block}");
        assert!(refused_decision(|r| r.status = DecisionStatus::Submitted).contains("has its transaction"));
        assert!(refused_decision(|r| r.block_number = Some(3)).contains("a block is recorded"));
        let pending_sent = refused_decision(|r| r.tx_hash = Some(crate::TxHash::new(crate::Felt::ONE)));
        assert!(pending_sent.contains("a pending decision has sent nothing"), "{pending_sent}");
        assert!(refused_decision(|r| r.status = DecisionStatus::Refused).contains("says why"));
    }

    #[test]
    fn a_job_in_a_state_no_transition_reaches_is_refused_by_rule() {
        assert!(refused_job(|r| r.status = ProofJobStatus::Proved).contains("has its proof"));
        assert!(refused_job(|r| r.status = ProofJobStatus::Failed).contains("failure is recorded exactly"));
        let failure =
            |resume_from| JobFailure { stage: Stage::Registration, reason: "x".into(), retryable: true, resume_from };
        let queued_with_failure = refused_job(|r| {
            r.failure = Some(JobFailure {
                stage: Stage::Proving,
                reason: "x".into(),
                retryable: true,
                resume_from: ProofJobStatus::Queued,
            })
        });
        assert!(queued_with_failure.contains("failure is recorded exactly"), "{queued_with_failure}");
        let mut record = planned().1.record().clone();
        record.status = ProofJobStatus::Failed;
        record.failure = Some(failure(ProofJobStatus::Verified));
        let lost_claim = ProofJob::restore(record).unwrap_err().to_string();
        assert!(lost_claim.contains("has its proof") && lost_claim.contains("verified claim"), "{lost_claim}");
        let queued_with_sent = refused_job(|r| r.registration_sent = vec![crate::TxHash::new(crate::Felt::ONE)]);
        assert!(queued_with_sent.contains("only a job still registering"), "{queued_with_sent}");
    }
}
