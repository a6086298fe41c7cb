//! The verifier contract's side of Integrity's split flow, off chain, for tests and loopback stand-ins:
//! per job it stores only the hashes of the FRI state, and each call must bring the state that hashes
//! to them, decoded from its calldata exactly as Cairo Serde would.

use std::collections::HashMap;

use starkrisk_domain::{Felt, VerifierConfig};

use super::SplitProof;
use super::fri::{finish, step};
use super::state::{FeltReader, FriLayerWitness, FriStateConstant, FriStateVariable};
use crate::error::StoneError;

#[derive(Debug, Clone, Copy)]
struct JobState {
    constant: Felt,
    variable: Felt,
}

/// The split-flow jobs a verifier contract holds, keyed by job id.
#[derive(Debug, Default, Clone)]
pub struct SplitJobs {
    jobs: HashMap<Felt, JobState>,
    /// Jobs whose final call landed: the FactRegistry still knows their configuration, the verifier no
    /// longer holds their state.
    finished: std::collections::HashSet<Felt>,
}

fn refused(reason: &str) -> StoneError {
    StoneError::Rejected(reason.into())
}

impl SplitJobs {
    /// `verify_proof_initial`. The contract derives the state from the proof felts; a stand-in compares
    /// them with the proof it expects and takes that proof's state. Returns the layers left.
    pub fn initial(
        &mut self,
        calldata: &[Felt],
        expected: &SplitProof,
        config: &VerifierConfig,
    ) -> Result<u32, StoneError> {
        let job_id = *calldata.first().ok_or_else(|| refused("Failed to deserialize param #1"))?;
        if self.jobs.contains_key(&job_id) {
            return Err(refused("job_id already exists"));
        }
        if calldata != expected.initial_calldata(job_id, config)? {
            return Err(refused("the proof is not the one this stand-in verifies"));
        }
        let first = expected.states.first().ok_or_else(|| refused("no FRI state"))?;
        self.jobs.insert(job_id, JobState { constant: expected.constant.hash(), variable: first.hash() });
        Ok(expected.constant.n_layers)
    }

    fn job(
        &self,
        job_id: Felt,
        constant: &FriStateConstant,
        variable: &FriStateVariable,
    ) -> Result<JobState, StoneError> {
        // The FactRegistry in front of the verifier refuses a job it has no configuration for first.
        let job = *self.jobs.get(&job_id).ok_or_else(|| {
            refused(if self.finished.contains(&job_id) { "No state (constant) saved" } else { "Job id not found" })
        })?;
        if constant.hash() != job.constant {
            return Err(refused("Invalid state (constant)"));
        }
        if variable.hash() != job.variable {
            return Err(refused("Invalid state (variable)"));
        }
        Ok(job)
    }

    /// `verify_proof_step`: returns the layers left.
    pub fn step(&mut self, calldata: &[Felt]) -> Result<u32, StoneError> {
        let mut reader = FeltReader::new(calldata);
        let job_id = reader.take(1, "job_id")?[0];
        let constant = FriStateConstant::read(&mut reader)?;
        let variable = FriStateVariable::read(&mut reader)?;
        let witness = FriLayerWitness::read(&mut reader)?;
        reader.finish("verify_proof_step's arguments")?;
        let job = self.job(job_id, &constant, &variable)?;
        let next = step(&constant, &variable, &witness)?;
        self.jobs.insert(job_id, JobState { variable: next.hash(), ..job });
        Ok(constant.n_layers.saturating_sub(next.iter))
    }

    /// `verify_proof_final_and_register_fact`: the job ends either way it succeeds.
    pub fn finalize(&mut self, calldata: &[Felt]) -> Result<(), StoneError> {
        let mut reader = FeltReader::new(calldata);
        let job_id = reader.take(1, "job_id")?[0];
        let constant = FriStateConstant::read(&mut reader)?;
        let variable = FriStateVariable::read(&mut reader)?;
        let coefficients = reader.array("last_layer_coefficients")?;
        reader.finish("verify_proof_final_and_register_fact's arguments")?;
        self.job(job_id, &constant, &variable)?;
        finish(&constant, &variable, &coefficients)?;
        self.jobs.remove(&job_id);
        self.finished.insert(job_id);
        Ok(())
    }
}
