//! Registering a job's fact on chain: the registration Integrity records, and the transactions a
//! registration sends before it lands, kept so an attempt cut short is listed whole when another finishes it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{IllegalTransition, ProofJob, ProofJobStatus};
use crate::felt::{FactHash, TxHash, VerificationHash};

/// Integrity's registration of a Stone proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactRegistration {
    /// The registered fact.
    pub fact_hash: FactHash,
    /// The verification recorded for it.
    pub verification_hash: VerificationHash,
    /// Its security bits.
    pub security_bits: u32,
    /// The registering transaction; `None` when the fact already had such a verification on chain and
    /// nothing was sent.
    pub tx_hash: Option<TxHash>,
    /// Every transaction sent to register it, in order: Integrity's split flow sends an initial call, a
    /// step per inner FRI layer and the final call (`tx_hash`); a single registration sends one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transactions: Vec<TxHash>,
    /// Whether the fact was recorded by the operator in starkrisk's stand-in registry (devnet only, for
    /// S-two proofs, which no Starknet verifier accepts) rather than verified by Integrity on chain.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub attested_by_operator: bool,
}

impl ProofJob {
    /// Notes `tx`, about to be sent towards this job's registration; false when it was noted already.
    /// Only a verified job, the one status a registration runs in, takes it.
    pub fn note_registration_tx(&mut self, tx: TxHash) -> Result<bool, IllegalTransition> {
        if self.state.status != ProofJobStatus::Verified {
            return Err(IllegalTransition {
                job: self.state.id,
                from: self.state.status,
                to: ProofJobStatus::Registered,
            });
        }
        if self.state.registration_sent.contains(&tx) {
            return Ok(false);
        }
        self.state.registration_sent.push(tx);
        Ok(true)
    }

    /// Transactions sent towards a registration that has not landed yet, oldest first.
    pub fn registration_sent(&self) -> &[TxHash] {
        &self.state.registration_sent
    }

    /// Integrity registered the fact; the registration lists the transactions sent for it, so the ones
    /// noted on the way are dropped here.
    pub fn registered(&mut self, registration: FactRegistration, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        self.move_to(ProofJobStatus::Registered, now)?;
        self.state.registration = Some(registration);
        self.state.registration_sent.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::store_contract::{artifact, statement};
    use crate::{Felt, ProgramHash, ProofJob, ProofJobStatus, ProofRequest, ProverKind, TxHash, VerifiedClaim};

    fn tx(n: u8) -> TxHash {
        TxHash::new(Felt::from(n))
    }

    fn verified() -> ProofJob {
        let now = chrono::DateTime::UNIX_EPOCH;
        let mut job = ProofJob::new(ProofRequest { statement: statement() }, vec![ProverKind::Luminair], None, now);
        job.start_proving(now).unwrap();
        job.proved(artifact(), now).unwrap();
        let claim = VerifiedClaim {
            system: artifact().system,
            program_hash: ProgramHash::new(Felt::from(3u8)),
            statement: statement(),
            security_bits: 100,
            provable_security_bits: None,
            fact_hash: Some(crate::FactHash::new(Felt::from(9u8))),
        };
        job.verified(claim, now).unwrap();
        job
    }

    fn registration(transactions: Vec<TxHash>) -> super::FactRegistration {
        super::FactRegistration {
            fact_hash: crate::FactHash::new(Felt::from(9u8)),
            verification_hash: crate::VerificationHash::new(Felt::from(10u8)),
            security_bits: 100,
            tx_hash: transactions.last().copied(),
            transactions,
            attested_by_operator: false,
        }
    }

    #[test]
    fn a_registering_job_notes_each_transaction_once_and_keeps_them_across_a_restore() {
        let mut job = verified();
        assert_eq!(job.note_registration_tx(tx(1)), Ok(true));
        assert_eq!(job.note_registration_tx(tx(2)), Ok(true));
        assert_eq!(job.note_registration_tx(tx(1)), Ok(false));
        assert_eq!(job.registration_sent(), [tx(1), tx(2)]);
        let failed = {
            let mut failed = job.clone();
            failed.fail(crate::Stage::Registration, "receipt timed out", true, job.updated_at()).unwrap();
            failed
        };
        let restored = ProofJob::restore(failed.record().clone()).unwrap();
        assert_eq!(restored.registration_sent(), [tx(1), tx(2)]);
    }

    #[test]
    fn the_registration_takes_over_the_noted_transactions_and_nothing_else_can_note_one() {
        let mut queued =
            ProofJob::new(ProofRequest { statement: statement() }, vec![], None, chrono::DateTime::UNIX_EPOCH);
        let refused = queued.note_registration_tx(tx(1)).unwrap_err();
        assert_eq!((refused.from, refused.to), (ProofJobStatus::Queued, ProofJobStatus::Registered));
        let mut job = verified();
        job.note_registration_tx(tx(1)).unwrap();
        job.registered(registration(vec![tx(1), tx(2)]), job.updated_at()).unwrap();
        assert!(job.registration_sent().is_empty());
        assert_eq!(job.registration().map(|r| r.transactions.clone()), Some(vec![tx(1), tx(2)]));
        assert!(job.note_registration_tx(tx(3)).is_err(), "a registered job takes no more");
    }
}
