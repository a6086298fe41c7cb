//! What can go wrong on the Stone path.

/// A Stone-path failure, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoneError {
    /// The input is not a usable Stone proof.
    #[error("{0}")]
    Malformed(String),
    /// The proof does not verify, or not for starkrisk's verifier configuration.
    #[error("{0}")]
    Rejected(String),
    /// The proof verifies but is weaker than required.
    #[error("the proof has {actual} bits of security; at least {required} are required")]
    InsufficientSecurity {
        /// What it has.
        actual: u32,
        /// What is required.
        required: u32,
    },
    /// cpu_air_prover is not configured or not installed.
    #[error("{0}")]
    Unavailable(String),
    /// cpu_air_prover ran out of time.
    #[error("cpu_air_prover did not finish within {0:?}")]
    Timeout(std::time::Duration),
    /// Running the program or the prover failed.
    #[error("{0}")]
    Failed(String),
}
