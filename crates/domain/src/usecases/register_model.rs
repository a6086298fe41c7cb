//! Registering a new model version.

use std::sync::Arc;

use crate::felt::ProgramHash;
use crate::model::RiskModel;
use crate::params::{ModelParams, ModelVersion};
use crate::ports::{ModelStore, StoreError};

/// Registers model versions; each new one becomes the active model for later decisions only.
pub struct RegisterModel {
    models: Arc<dyn ModelStore>,
}

impl RegisterModel {
    /// The use case over the model store.
    pub fn new(models: Arc<dyn ModelStore>) -> Self {
        Self { models }
    }

    /// Registers `params` as the next version (or `version`, which must be newer than the current one).
    pub async fn register(
        &self,
        params: ModelParams,
        program_hash: ProgramHash,
        version: Option<ModelVersion>,
        registered_by: &str,
    ) -> Result<RiskModel, StoreError> {
        let current = self.models.current().await?.map(|m| m.version);
        let next = match (version, current) {
            (Some(v), Some(c)) if v <= c => {
                return Err(StoreError::Conflict(format!("version {v} is not newer than the current {c}")));
            }
            (Some(v), _) => v,
            (None, Some(c)) => {
                ModelVersion::new(c.get().saturating_add(1)).map_err(|e| StoreError::Conflict(e.to_string()))?
            }
            (None, None) => ModelVersion::V1,
        };
        let model = RiskModel::new(next, params, program_hash, registered_by);
        self.models.register(&model).await?;
        Ok(model)
    }

    /// Registers model v1 with the default parameters when no model exists yet; returns the active model.
    pub async fn ensure_default(&self, program_hash: ProgramHash) -> Result<RiskModel, StoreError> {
        if let Some(model) = self.models.current().await? {
            return Ok(model);
        }
        match self.register(ModelParams::v1(), program_hash, Some(ModelVersion::V1), "starkrisk").await {
            Ok(model) => Ok(model),
            // Another replica registered it first: read theirs.
            Err(StoreError::Conflict(_)) => {
                self.models.current().await?.ok_or_else(|| StoreError::NotFound("active model".into()))
            }
            Err(other) => Err(other),
        }
    }
}
