//! Sending Integrity's split flow: one job id, the initial call, a step per inner FRI layer, and the
//! final call that registers the fact. The contract checks each call against the state hashes the
//! previous one stored, so a call out of order reverts instead of registering anything. The job id
//! follows from the operator and the proof, so a flow cut short (a crash, a timeout) is found again and
//! resumed from the first call that has not landed, instead of paying for the earlier ones twice.

use starknet::core::types::{BlockId, BlockTag, Felt, FunctionCall};
use starknet::providers::Provider;
use starkrisk_domain::TxHash;
use starkrisk_domain::ports::{ChainError, RegistrationJournal};
use starkrisk_domain::poseidon_many;
use starkrisk_stone::split::SplitProof;

use super::{IntegrityRegistry, selector};
use crate::integrity_contracts::names_revert;

impl IntegrityRegistry {
    /// The flow's job id: the operator's and the proof's (its FRI constant state binds the whole proof).
    /// Ids are global to the verifier, so no other operator or proof shares it; after a final call the
    /// verifier forgets the job, so registering the same proof again reuses it.
    pub fn job_id(&self, split: &SplitProof) -> Felt {
        poseidon_many(&[self.operator.address(), split.constant.hash()])
    }

    /// Whether `entrypoint` with `calldata` would go through now (a simulation, nothing is sent); the
    /// node's reason when it would not.
    async fn would_pass(&self, entrypoint: &str, calldata: Vec<Felt>) -> Result<Result<(), String>, ChainError> {
        let call =
            FunctionCall { contract_address: self.contract, entry_point_selector: selector(entrypoint)?, calldata };
        match self.operator.provider().call(call, BlockId::Tag(BlockTag::Latest)).await {
            Ok(_) => Ok(Ok(())),
            Err(starknet::providers::ProviderError::StarknetError(e)) => Ok(Err(format!("{e:?}"))),
            Err(other) => Err(crate::account::provider_error(other)),
        }
    }

    /// How far an earlier attempt at this flow got: `None` when its initial call has not landed, else the
    /// index of the first step the contract still expects (`split.steps()` when only the final call is
    /// left). Each candidate step is simulated against the state the contract holds: only the next one
    /// matches it.
    async fn landed(&self, job_id: Felt, split: &SplitProof) -> Result<Option<usize>, ChainError> {
        for step in 0..split.steps() {
            let Some(calldata) = split.step_calldata(job_id, step) else { break };
            match self.would_pass("verify_proof_step", calldata).await? {
                Ok(()) => return Ok(Some(step)),
                // The registry holds no configuration for a job whose initial call never landed.
                Err(reason) if step == 0 && names_revert(&reason, "Job id not found") => return Ok(None),
                Err(_) => {}
            }
        }
        match self.would_pass("verify_proof_final_and_register_fact", split.final_calldata(job_id)).await? {
            Ok(()) => Ok(Some(split.steps())),
            Err(reason) if split.steps() == 0 && names_revert(&reason, "Job id not found") => Ok(None),
            Err(reason) => Err(ChainError::Rejected {
                reason: format!("split job {job_id:#x} is in a state none of its calls continues: {reason}"),
                tx_hash: None,
            }),
        }
    }

    /// Sends the whole flow and returns every transaction's hash, in order; the last, the final call's,
    /// carries the `FactRegistered` event.
    pub(super) async fn send_split(
        &self,
        split: &SplitProof,
        journal: &dyn RegistrationJournal,
    ) -> Result<Vec<TxHash>, ChainError> {
        let job_id = self.job_id(split);
        let job = format!("{job_id:#x}");
        let total = split.steps();
        let mut sent = Vec::new();
        let first = match self.landed(job_id, split).await? {
            None => {
                tracing::info!(job_id = %job, steps = total, "registering the proof through Integrity's split flow");
                let initial = split
                    .initial_calldata(job_id, &self.config)
                    .map_err(|e| ChainError::InvalidInput { field: "proof".into(), reason: e.to_string() })?;
                let what = format!("verify_proof_initial (split job {job})");
                let tx = self.send(self.call("verify_proof_initial", initial)?, &what, journal).await?;
                tracing::info!(job_id = %job, tx_hash = %tx, "split flow: initial call verified");
                sent.push(tx);
                0
            }
            Some(next) => {
                tracing::info!(job_id = %job, next_step = next + 1, steps = total, "resuming Integrity's split flow");
                next
            }
        };
        for step in first..total {
            let Some(calldata) = split.step_calldata(job_id, step) else { break };
            let what = format!("verify_proof_step {} of {total} (split job {job})", step + 1);
            let tx = self.send(self.call("verify_proof_step", calldata)?, &what, journal).await?;
            tracing::info!(job_id = %job, tx_hash = %tx, step = step + 1, "split flow: FRI layer verified");
            sent.push(tx);
        }
        let what = format!("verify_proof_final_and_register_fact (split job {job})");
        sent.push(
            self.send(self.call("verify_proof_final_and_register_fact", split.final_calldata(job_id))?, &what, journal)
                .await?,
        );
        Ok(sent)
    }
}
