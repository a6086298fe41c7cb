//! The model registry: the active model, its history, and registering new versions.

use std::sync::Arc;

use crate::error::ValidationError;
use crate::felt::ProgramHash;
use crate::model::RiskModel;
use crate::params::{ModelParams, ModelVersion};
use crate::ports::{Clock, ModelStore, StoreError};

/// Why a model version was not registered.
#[derive(Debug, thiserror::Error)]
pub enum RegisterModelError {
    /// The request names something this deployment cannot prove.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The version is not newer than the current one, or storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Model versions; each new one becomes the active model for later decisions only.
pub struct ModelRegistry {
    models: Arc<dyn ModelStore>,
    clock: Arc<dyn Clock>,
    default_program_hash: ProgramHash,
}

impl ModelRegistry {
    /// The registry over the model store; models registered without a program are bound to
    /// `default_program_hash` (the risk program this build proves with).
    pub fn new(models: Arc<dyn ModelStore>, clock: Arc<dyn Clock>, default_program_hash: ProgramHash) -> Self {
        Self { models, clock, default_program_hash }
    }

    /// The active model; [`StoreError::NotFound`] before any is registered.
    pub async fn current(&self) -> Result<RiskModel, StoreError> {
        self.models.current().await?.ok_or_else(|| StoreError::NotFound("an active model".into()))
    }

    /// Every version, newest first.
    pub async fn history(&self) -> Result<Vec<RiskModel>, StoreError> {
        self.models.history().await
    }

    /// One version; [`StoreError::NotFound`] when it was never registered.
    pub async fn version(&self, version: ModelVersion) -> Result<RiskModel, StoreError> {
        self.models.get(version).await?.ok_or_else(|| StoreError::NotFound(format!("model version {version}")))
    }

    /// Registers `params` as the next version (or `version`, which must be newer than the current one),
    /// proven by the risk program. A `program_hash` naming another program is refused: no proof of it would
    /// be accepted, so decisions under that model could never be proven.
    pub async fn register(
        &self,
        params: ModelParams,
        program_hash: Option<ProgramHash>,
        version: Option<ModelVersion>,
        registered_by: &str,
    ) -> Result<RiskModel, RegisterModelError> {
        if let Some(other) = program_hash.filter(|p| *p != self.default_program_hash) {
            return Err(ValidationError::new(
                "program_hash",
                format!(
                    "{other} is not the risk program this deployment proves ({}); omit it or send that hash",
                    self.default_program_hash
                ),
            )
            .into());
        }
        let current = self.models.current().await?.map(|m| m.version());
        let next = match (version, current) {
            (Some(v), Some(c)) if v <= c => {
                return Err(StoreError::Conflict(format!("version {v} is not newer than the current {c}")).into());
            }
            (Some(v), _) => v,
            (None, Some(c)) => {
                ModelVersion::new(c.get().saturating_add(1)).map_err(|e| StoreError::Conflict(e.to_string()))?
            }
            (None, None) => ModelVersion::V1,
        };
        let program_hash = program_hash.unwrap_or(self.default_program_hash);
        let model = RiskModel::new(next, params, program_hash, registered_by, self.clock.now());
        self.models.register(&model).await?;
        Ok(model)
    }

    /// Registers model v1 with the default parameters when no model exists yet; returns the active model.
    pub async fn ensure_default(&self) -> Result<RiskModel, StoreError> {
        if let Some(model) = self.models.current().await? {
            return Ok(model);
        }
        match self.register(ModelParams::v1(), None, Some(ModelVersion::V1), "starkrisk").await {
            Ok(model) => Ok(model),
            // Another replica registered it first: read theirs.
            Err(RegisterModelError::Store(StoreError::Conflict(_))) => self.current().await,
            Err(RegisterModelError::Store(other)) => Err(other),
            // The default parameters and program are valid by construction.
            Err(RegisterModelError::Invalid(e)) => Err(StoreError::Unknown(e.into())),
        }
    }
}
