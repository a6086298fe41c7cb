//! Which programs can prove a starkrisk decision, and how a proof's program maps to a model's program.

use serde::Serialize;

use crate::felt::{Felt, ProgramHash};
use crate::proof::ProofSystem;

/// The programs this deployment accepts proofs of: the Cairo risk program (proven by Stone, locally or
/// through Atlantic) and the S-two risk AIR, which arithmetises the same model. Models are registered
/// under the Cairo program's hash, so that hash is what a statement's model hash is recomputed with,
/// whichever system proved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RiskPrograms {
    /// The Cairo risk program's hash (Integrity's: Poseidon over its bytecode).
    pub cairo: ProgramHash,
    /// The S-two risk AIR's identity (its version and layout).
    pub stwo_air: ProgramHash,
    /// The bootloader Atlantic runs a submitted PIE under, when Atlantic proves: its Stone proofs are of
    /// this program, with the risk program as its one task.
    pub bootloader: Option<ProgramHash>,
}

impl RiskPrograms {
    /// The program a `system` proof must be of to be a proof of the risk model.
    pub fn expected(&self, system: ProofSystem) -> ProgramHash {
        match system {
            ProofSystem::Stone => self.cairo,
            ProofSystem::Stwo => self.stwo_air,
        }
    }

    /// Whether a `system` proof of `program` proves the risk model.
    pub fn is_risk_program(&self, system: ProofSystem, program: ProgramHash) -> bool {
        self.expected(system) == program
    }

    /// The statement's words in a verified `system` proof of `program` with `output`: the whole output of a
    /// proof of the risk program, or the one task's output of the bootloader running it; `None` when the
    /// proof is of neither, and why when the bootloader ran something else.
    pub fn risk_output<'a>(
        &self,
        system: ProofSystem,
        program: ProgramHash,
        output: &'a [Felt],
    ) -> Option<Result<&'a [Felt], String>> {
        if self.is_risk_program(system, program) {
            return Some(Ok(output));
        }
        if system != ProofSystem::Stone || self.bootloader != Some(program) {
            return None;
        }
        Some(crate::bootloaded_task(output).and_then(|(task, words)| {
            if task == self.cairo {
                Ok(words)
            } else {
                Err(format!("the bootloader ran program {task}, not the Cairo risk program ({})", self.cairo))
            }
        }))
    }

    /// What a proof of the risk program is, in words, for reports.
    pub fn describe(system: ProofSystem) -> &'static str {
        match system {
            ProofSystem::Stone => "the Cairo risk program",
            ProofSystem::Stwo => "the S-two risk AIR",
        }
    }
}
