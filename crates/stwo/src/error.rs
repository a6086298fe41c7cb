//! What can go wrong when proving or verifying with S-two.

/// A LuminAIR failure, saying what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StwoError {
    /// A security parameter is out of range.
    #[error("luminair.{field}: {reason}")]
    InvalidSecurity {
        /// The parameter.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The statement does not follow from its inputs under the model, so there is nothing true to prove.
    #[error("the statement is not what the model computes: {}", .0.join("; "))]
    FalseStatement(Vec<String>),
    /// stwo failed while proving.
    #[error("S-two failed to prove the decision: {0}")]
    Proving(String),
    /// The bytes are not a starkrisk S-two proof envelope.
    #[error("not a starkrisk S-two proof: {0}")]
    Malformed(String),
    /// The proof is weaker than required.
    #[error("proof has {actual} bits of security; at least {required} are required")]
    InsufficientSecurity {
        /// What the proof has.
        actual: u32,
        /// What is required.
        required: u32,
    },
    /// The proof was made with other parameters than the ones this verifier is pinned to.
    #[error(
        "the proof was made with pow_bits {}, log_blowup {}, n_queries {}; this verifier accepts only the \
         configured [luminair] parameters (pow_bits {}, log_blowup {}, n_queries {}): prove again with them",
        proof.pow_bits, proof.log_blowup, proof.n_queries, pinned.pow_bits, pinned.log_blowup, pinned.n_queries
    )]
    Unpinned {
        /// What the proof states.
        proof: crate::SecurityParams,
        /// What the verifier accepts.
        pinned: crate::SecurityParams,
    },
    /// The proof does not verify against its statement.
    #[error("the S-two proof does not verify: {0}")]
    Rejected(String),
}
