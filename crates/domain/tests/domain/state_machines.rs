//! The proof job and decision state machines refuse every move they do not list.

use starkrisk_domain::IllegalTransition;
use starkrisk_domain::*;

fn statement() -> DecisionStatement {
    let m = ProtocolMetrics::from_parts(6500, 3500, 1, 98, 800).unwrap();
    let snapshot = MarketSnapshot::new(m, m, Apy::new(850).unwrap(), Apy::new(1210).unwrap()).unwrap();
    DecisionStatement::compute(ModelVersion::V1, ModelHash::new(Felt::ONE), ModelParams::v1(), snapshot).0
}

/// A fixed time: the state machines do not depend on it.
fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::UNIX_EPOCH
}

fn job() -> ProofJob {
    ProofJob::new(ProofRequest { statement: statement() }, vec![ProverKind::Luminair], None, t0())
}

#[test]
fn the_allowed_job_transitions_are_exactly_the_pipeline() {
    use ProofJobStatus::*;
    let allowed = [
        (Queued, Proving),
        (Proving, Proving),
        (Proving, Proved),
        (Proved, Verified),
        (Verified, Registered),
        (Verified, Executed),
        (Registered, Executed),
        (Queued, Failed),
        (Proving, Failed),
        (Proved, Failed),
        (Verified, Failed),
        (Registered, Failed),
        (Failed, Queued),
        (Failed, Proved),
        (Failed, Verified),
        (Failed, Registered),
    ];
    for from in ProofJobStatus::ALL {
        for to in ProofJobStatus::ALL {
            assert_eq!(from.can_become(to), allowed.contains(&(from, to)), "{from} -> {to}");
        }
    }
    for status in ProofJobStatus::ALL {
        assert_eq!(ProofJobStatus::parse(status.as_str()), Some(status));
    }
}

#[test]
fn an_illegal_job_move_is_an_error_and_changes_nothing() {
    let mut job = job();
    let before = job.clone();
    let error = job.executed(t0()).unwrap_err();
    assert_eq!(error, IllegalTransition { job: job.id(), from: ProofJobStatus::Queued, to: ProofJobStatus::Executed });
    assert_eq!(error.to_string(), format!("proof job {} cannot go from queued to executed", job.id()));
    assert_eq!(job, before);
}

#[test]
fn a_retryable_failure_resumes_where_it_stopped_and_a_permanent_one_does_not() {
    let mut job = job();
    job.start_proving(t0()).unwrap();
    job.fail(Stage::Proving, "stone missing", true, t0()).unwrap();
    assert_eq!(job.failure().unwrap().resume_from, ProofJobStatus::Queued);
    let at = chrono::Utc::now();
    job.requeue(at, t0()).unwrap();
    assert_eq!((job.status(), job.retries(), job.next_attempt_at()), (ProofJobStatus::Queued, 1, at));
    assert_eq!(job.last_error(), Some("stone missing"));

    job.fail(Stage::Proving, "bad input", false, t0()).unwrap();
    assert!(job.requeue(at, t0()).is_err());
    assert_eq!(job.status(), ProofJobStatus::Failed);
}

#[test]
fn decision_transitions_follow_execution() {
    use DecisionStatus::*;
    let allowed = [
        (Pending, Verified),
        (Verified, Submitted),
        // A transaction the chain proves dead (its nonce went to another) is forgotten and signed anew.
        (Submitted, Verified),
        (Submitted, Executed),
        (Pending, Refused),
        (Verified, Refused),
        (Submitted, Refused),
        (Pending, Failed),
        (Verified, Failed),
        (Submitted, Failed),
        // An operator resumed the failed job.
        (Failed, Pending),
        (Failed, Verified),
        (Failed, Submitted),
    ];
    for from in DecisionStatus::ALL {
        for to in DecisionStatus::ALL {
            assert_eq!(from.can_become(to), allowed.contains(&(from, to)), "{from} -> {to}");
        }
        assert_eq!(DecisionStatus::parse(from.as_str()), Some(from));
    }
    let (mut decision, _) = AllocationDecision::plan(statement(), ModelVersion::V1, vec![ProverKind::Luminair], t0());
    assert!(decision.submitted(TxHash::new(Felt::ONE), vec![], t0()).is_err(), "an unverified decision is never sent");
    assert!(decision.tx_hash().is_none());
    decision.verified(None, t0()).unwrap();
    decision.submitted(TxHash::new(Felt::ONE), vec![1], t0()).unwrap();
    decision.superseded(t0()).unwrap();
    assert_eq!((decision.status(), decision.tx_hash(), decision.signed_tx()), (Verified, None, None));
    decision.submitted(TxHash::new(Felt::TWO), vec![2], t0()).unwrap();
    decision.executed(7, None, t0()).unwrap();
    assert!(decision.superseded(t0()).is_err(), "an executed decision keeps its transaction");
    assert_eq!((decision.status(), decision.block_number()), (Executed, Some(7)));
    assert!(decision.refuse("late", t0()).is_err(), "an executed decision stays executed");
}
