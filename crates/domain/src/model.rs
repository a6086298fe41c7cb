//! A model version: its parameters, the program that proves it, and the hash every proof binds.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::felt::{Felt, ModelHash, ProgramHash};
use crate::params::{ModelParams, ModelVersion};

/// Tag that separates model hashes from every other SHA-256 this project computes.
const MODEL_HASH_DOMAIN: &[u8] = b"starkrisk/model-hash/v1";

impl ModelHash {
    /// SHA-256 over the canonical encoding of (version, parameters, program), reduced modulo the Stark prime.
    ///
    /// Encoding: the domain tag, the version as 4 big-endian bytes, each parameter in canonical order as
    /// 8 big-endian bytes, then the program hash as 32 big-endian bytes. Reduction is by the field prime
    /// P = 2^251 + 17·2^192 + 1 (not 2^251, the replaced system's mistake), so the result is a valid felt252.
    pub fn compute(version: ModelVersion, params: &ModelParams, program: ProgramHash) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(MODEL_HASH_DOMAIN);
        hasher.update(version.get().to_be_bytes());
        for value in params.to_array() {
            hasher.update(value.to_be_bytes());
        }
        hasher.update(program.felt().to_bytes_be());
        let digest: [u8; 32] = hasher.finalize().into();
        Self::new(Felt::from_bytes_be(&digest))
    }
}

/// Lifecycle of a registered model version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    /// The version new decisions use.
    Active,
    /// An earlier version, kept so old decisions stay explainable.
    Superseded,
}

impl ModelStatus {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ModelStatus::Active => "active",
            ModelStatus::Superseded => "superseded",
        }
    }
}

/// A model as registered: what a decision was computed and proven under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskModel {
    /// Its version number.
    pub version: ModelVersion,
    /// Its parameters.
    pub params: ModelParams,
    /// The program that proves it.
    pub program_hash: ProgramHash,
    /// Hash of all three, bound by every proof.
    pub model_hash: ModelHash,
    /// Whether new decisions use it.
    pub status: ModelStatus,
    /// Who registered it (token subject).
    pub registered_by: String,
    /// When it was registered.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl RiskModel {
    /// A new active model; its hash is computed, never supplied.
    pub fn new(
        version: ModelVersion,
        params: ModelParams,
        program_hash: ProgramHash,
        registered_by: impl Into<String>,
    ) -> Self {
        Self {
            version,
            params,
            program_hash,
            model_hash: ModelHash::compute(version, &params, program_hash),
            status: ModelStatus::Active,
            registered_by: registered_by.into(),
            created_at: chrono::Utc::now(),
        }
    }
}

/// SHA-256 of a proof's bytes, to identify an artifact without storing it twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProofHash(pub [u8; 32]);

impl ProofHash {
    /// Hashes proof bytes.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }
}

impl std::fmt::Display for ProofHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("0x")?;
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl Serialize for ProofHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
