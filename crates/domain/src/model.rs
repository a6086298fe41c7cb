//! A model version: its parameters, the program that proves it, and the hash every proof binds.

use chrono::{DateTime, Utc};
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

crate::names::named_enum!(
    /// Lifecycle of a registered model version.
    pub enum ModelStatus {
        /// The version new decisions use.
        Active = "active",
        /// An earlier version, kept so old decisions stay explainable.
        Superseded = "superseded",
    }
);

/// A model as storage holds it; its hash is not stored here but recomputed by [`RiskModel::restore`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskModelRecord {
    /// Its version number.
    pub version: ModelVersion,
    /// Its parameters.
    pub params: ModelParams,
    /// The program that proves it.
    pub program_hash: ProgramHash,
    /// Whether new decisions use it.
    pub status: ModelStatus,
    /// Who registered it (token subject).
    pub registered_by: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// A model as registered: what a decision was computed and proven under. Its hash is always computed
/// from its version, parameters and program, never supplied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskModel {
    #[serde(flatten)]
    state: RiskModelRecord,
    model_hash: ModelHash,
}

impl RiskModel {
    /// A new active model registered by `registered_by` at `now`.
    pub fn new(
        version: ModelVersion,
        params: ModelParams,
        program_hash: ProgramHash,
        registered_by: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Self {
        Self::restore(RiskModelRecord {
            version,
            params,
            program_hash,
            status: ModelStatus::Active,
            registered_by: registered_by.into(),
            created_at: now,
        })
    }

    /// A model as storage recorded it, its hash recomputed.
    pub fn restore(record: RiskModelRecord) -> Self {
        let model_hash = ModelHash::compute(record.version, &record.params, record.program_hash);
        Self { state: record, model_hash }
    }

    /// Its version number.
    pub fn version(&self) -> ModelVersion {
        self.state.version
    }

    /// Its parameters.
    pub fn params(&self) -> ModelParams {
        self.state.params
    }

    /// The program that proves it.
    pub fn program_hash(&self) -> ProgramHash {
        self.state.program_hash
    }

    /// The hash every proof under it binds.
    pub fn model_hash(&self) -> ModelHash {
        self.model_hash
    }

    /// Whether new decisions use it.
    pub fn status(&self) -> ModelStatus {
        self.state.status
    }

    /// Who registered it (token subject).
    pub fn registered_by(&self) -> &str {
        &self.state.registered_by
    }

    /// When it was registered.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.state.created_at
    }

    /// A newer version took its place; decisions made under it keep it.
    pub fn supersede(&mut self) {
        self.state.status = ModelStatus::Superseded;
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
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl Serialize for ProofHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
