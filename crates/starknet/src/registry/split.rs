//! Sending Integrity's split flow: one job id, the initial call, a step per inner FRI layer, and the
//! final call that registers the fact. The contract checks each call against the state hashes the
//! previous one stored, so a call out of order reverts instead of registering anything.

use starknet::core::types::Felt;
use starkrisk_domain::TxHash;
use starkrisk_domain::ports::ChainError;
use starkrisk_domain::poseidon_many;
use starkrisk_stone::split::SplitProof;

use super::IntegrityRegistry;

impl IntegrityRegistry {
    /// A job id no one else uses: Integrity's job ids are global to the verifier, and one already taken
    /// makes `verify_proof_initial` revert. A flow cut short is started again under a fresh id.
    fn fresh_job_id(&self, split: &SplitProof) -> Felt {
        let salt = Felt::from(rand::random::<u128>());
        poseidon_many(&[self.operator.address(), split.constant.hash(), salt])
    }

    /// Sends the whole flow and returns every transaction's hash, in order; the last, the final call's,
    /// carries the `FactRegistered` event.
    pub(super) async fn send_split(&self, split: &SplitProof) -> Result<Vec<TxHash>, ChainError> {
        let job_id = self.fresh_job_id(split);
        let job = format!("{job_id:#x}");
        let total = split.steps();
        tracing::info!(job_id = %job, steps = total, "registering the proof through Integrity's split flow");
        let initial = split
            .initial_calldata(job_id, &self.config)
            .map_err(|e| ChainError::InvalidInput { field: "proof".into(), reason: e.to_string() })?;
        let what = format!("verify_proof_initial (split job {job})");
        let tx = self.send(self.call("verify_proof_initial", initial)?, &what).await?;
        tracing::info!(job_id = %job, tx_hash = %tx, "split flow: initial call verified");
        let mut sent = vec![tx];
        for step in 0..total {
            let Some(calldata) = split.step_calldata(job_id, step) else { break };
            let what = format!("verify_proof_step {} of {total} (split job {job})", step + 1);
            let tx = self.send(self.call("verify_proof_step", calldata)?, &what).await?;
            tracing::info!(job_id = %job, tx_hash = %tx, step = step + 1, "split flow: FRI layer verified");
            sent.push(tx);
        }
        let what = format!("verify_proof_final_and_register_fact (split job {job})");
        sent.push(
            self.send(self.call("verify_proof_final_and_register_fact", split.final_calldata(job_id))?, &what).await?,
        );
        Ok(sent)
    }
}
