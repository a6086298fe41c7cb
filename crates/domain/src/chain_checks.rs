//! What the chain itself checked of a decision, rule by rule: the AllocationVault's gate, as opposed to
//! what only the service checked. Shown per decision by the API and the dashboard.

use serde::{Deserialize, Serialize};

use crate::decision::AllocationDecision;
use crate::proof_job::FactRegistration;
use crate::statement::Provenance;

crate::names::named_enum!(
    /// One rule of the vault's gate.
    pub enum ChainRule {
        /// The proof's fact is in the registry, by the expected verifier with enough bits.
        Fact = "fact",
        /// The model hash is the one the proven version and parameters give, and the owner approved it.
        Model = "model",
        /// The split keeps the owner's limits (largest single share, diversification).
        Limits = "limits",
        /// The market snapshot is fresh and newer than the last executed one.
        Snapshot = "snapshot",
        /// Neither the decision nor its proof was executed before.
        Once = "once",
        /// The vault's operator sent it.
        Operator = "operator",
    }
);

/// One rule and how the vault's acceptance of this decision bears it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCheck {
    /// The rule.
    pub rule: ChainRule,
    /// What the chain established under it, for this decision.
    pub outcome: String,
}

/// How much of a decision the chain checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainChecked {
    /// Not executed on chain yet: the chain has checked nothing.
    NotYet,
    /// Executed through a contract that is not starkrisk's AllocationVault (it emitted no
    /// `AllocationExecuted`): the chain checked none of the vault's rules.
    Unchecked,
    /// Executed by the AllocationVault, which reverts unless every rule holds.
    ByTheVault(Vec<ChainCheck>),
}

impl ChainChecked {
    /// What the chain checked of `decision`, whose proof was registered as `registration` (if at all).
    pub fn of(decision: &AllocationDecision, registration: Option<&FactRegistration>) -> Self {
        let Some(execution) = decision.execution() else { return Self::NotYet };
        let Some(event) = &execution.event else { return Self::Unchecked };
        let statement = decision.statement();
        let fact = match registration {
            Some(r) if r.attested_by_operator => {
                format!(
                    "fact {} found in the operator's stand-in registry: attested, not verified on chain",
                    event.fact_hash
                )
            }
            Some(r) => format!(
                "fact {} verified by Integrity's verifier ({} bits), found with the expected configuration",
                event.fact_hash, r.security_bits
            ),
            None => format!("fact {} found in the registry the vault reads", event.fact_hash),
        };
        let snapshot = if statement.provenance == Provenance::NONE {
            "metrics supplied in the request: accepted only by a vault deployed on a devnet to accept them".to_string()
        } else {
            format!(
                "snapshot of block {} no older than the vault's limit and newer than the last executed",
                statement.provenance.block_number
            )
        };
        let checks = [
            (ChainRule::Fact, fact),
            (
                ChainRule::Model,
                format!(
                    "model hash {} recomputed from the proven version {} and parameters, approved by the owner",
                    event.model_hash,
                    decision.model_version()
                ),
            ),
            (ChainRule::Limits, format!("{} / {} bps within the owner's limits", event.jediswap_bps, event.ekubo_bps)),
            (ChainRule::Snapshot, snapshot),
            (ChainRule::Once, "first execution of this decision id and of this proof".to_string()),
            (ChainRule::Operator, format!("sent to {} by its operator", execution.contract)),
        ];
        Self::ByTheVault(checks.into_iter().map(|(rule, outcome)| ChainCheck { rule, outcome }).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::felt::{ContractAddress, FactHash, Felt, SnapshotHash, TxHash, VerificationHash};
    use crate::{AllocationExecuted, ExecutionRecord, ModelVersion, ProverKind, examples};

    fn executed(provenance: Provenance, event: bool) -> AllocationDecision {
        let statement = examples::statement().with_provenance(provenance);
        let now = chrono::DateTime::UNIX_EPOCH;
        let (mut decision, _) = AllocationDecision::plan(statement, ModelVersion::V1, vec![ProverKind::Stone], now);
        decision.verified(Some(FactHash::new(Felt::from(77u8))), now).unwrap();
        decision.submitted(TxHash::new(Felt::TWO), vec![1], now).unwrap();
        let event = event.then(|| AllocationExecuted {
            decision_id: Felt::ONE,
            model_hash: statement.model_hash,
            fact_hash: FactHash::new(Felt::from(77u8)),
            jediswap_risk: 35,
            ekubo_risk: 75,
            jediswap_bps: 5972,
            ekubo_bps: 4028,
        });
        let record = ExecutionRecord { contract: ContractAddress::new(Felt::from(0x7au8)), event, treasury: None };
        decision.executed(9, Some(record), now).unwrap();
        decision
    }

    fn registration(attested_by_operator: bool) -> FactRegistration {
        FactRegistration {
            fact_hash: FactHash::new(Felt::from(77u8)),
            verification_hash: VerificationHash::new(Felt::from(5u8)),
            security_bits: 100,
            tx_hash: None,
            transactions: Vec::new(),
            attested_by_operator,
        }
    }

    fn outcome(checked: &ChainChecked, rule: ChainRule) -> String {
        let ChainChecked::ByTheVault(checks) = checked else { panic!("{checked:?}") };
        checks.iter().find(|c| c.rule == rule).map(|c| c.outcome.clone()).unwrap()
    }

    #[test]
    fn the_chain_has_checked_nothing_of_a_decision_it_has_not_executed() {
        let now = chrono::DateTime::UNIX_EPOCH;
        let (decision, _) = AllocationDecision::plan(examples::statement(), ModelVersion::V1, vec![], now);
        assert_eq!(ChainChecked::of(&decision, None), ChainChecked::NotYet);
        assert_eq!(ChainChecked::of(&executed(Provenance::NONE, false), None), ChainChecked::Unchecked);
    }

    #[test]
    fn a_decision_the_vault_executed_lists_every_rule_and_says_who_vouched_for_its_fact() {
        let snapshot = Provenance { block_number: 41, snapshot_hash: SnapshotHash::new(Felt::from(0x5au8)) };
        let verified = ChainChecked::of(&executed(snapshot, true), Some(&registration(false)));
        let ChainChecked::ByTheVault(checks) = &verified else { panic!("{verified:?}") };
        let rules: Vec<_> = checks.iter().map(|c| c.rule).collect();
        assert_eq!(rules, ChainRule::ALL.to_vec(), "every rule, in order");
        assert!(outcome(&verified, ChainRule::Fact).contains("verified by Integrity's verifier (100 bits)"));
        assert!(outcome(&verified, ChainRule::Snapshot).contains("block 41"));
        assert!(outcome(&verified, ChainRule::Limits).contains("5972 / 4028 bps"));

        let attested = ChainChecked::of(&executed(Provenance::NONE, true), Some(&registration(true)));
        assert!(outcome(&attested, ChainRule::Fact).contains("attested, not verified on chain"));
        assert!(outcome(&attested, ChainRule::Snapshot).contains("metrics supplied in the request"));
    }
}
