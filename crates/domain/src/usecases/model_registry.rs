//! The model registry: the active model, its history, and registering new versions.

use std::sync::Arc;

use crate::error::ValidationError;
use crate::felt::ProgramHash;
use crate::model::RiskModel;
use crate::params::{ModelParams, ModelVersion};
use crate::ports::{AllocationExecutor, Clock, ModelApproval, ModelStore, StoreError};

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

/// A newly registered model, and what the allocation contract says of it.
#[derive(Debug, Clone)]
pub struct RegisteredModel {
    /// The model.
    pub model: RiskModel,
    /// On a chain-enabled deployment: whether the allocation contract now executes decisions under it, or
    /// which call its owner must make.
    pub on_chain: Option<String>,
}

/// Model versions; each new one becomes the active model for later decisions only.
pub struct ModelRegistry {
    models: Arc<dyn ModelStore>,
    clock: Arc<dyn Clock>,
    default_program_hash: ProgramHash,
    gate: Option<Arc<dyn AllocationExecutor>>,
}

impl ModelRegistry {
    /// The registry over the model store; models registered without a program are bound to
    /// `default_program_hash` (the risk program this build proves with).
    pub fn new(models: Arc<dyn ModelStore>, clock: Arc<dyn Clock>, default_program_hash: ProgramHash) -> Self {
        Self { models, clock, default_program_hash, gate: None }
    }

    /// The same registry, approving each new model on the allocation contract `gate` executes through.
    pub fn approving_on(mut self, gate: Option<Arc<dyn AllocationExecutor>>) -> Self {
        self.gate = gate;
        self
    }

    /// The active model; [`StoreError::NotFound`] before any is registered.
    pub async fn current(&self) -> Result<RiskModel, StoreError> {
        self.models.current().await?.ok_or_else(|| StoreError::NotFound("an active model".into()))
    }

    /// Every version, newest first.
    pub async fn history(&self, page: crate::ports::PageRequest) -> Result<crate::ports::Page<RiskModel>, StoreError> {
        self.models.history(page).await
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
    ) -> Result<RegisteredModel, RegisterModelError> {
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
        let on_chain = match &self.gate {
            None => None,
            Some(gate) => Some(match gate.approve_model(model.model_hash()).await {
                Ok(ModelApproval::Approved) => "approved on the allocation contract".to_string(),
                Ok(ModelApproval::NotGated) => "the allocation contract does not gate on models".to_string(),
                Ok(ModelApproval::Missing { owner_call }) => {
                    format!("registered; awaiting the owner's approval on chain: {owner_call}")
                }
                // The model is registered either way; its decisions wait for the approval.
                Err(e) => format!(
                    "registered; awaiting the owner's approval on chain (the contract could not be asked: {e}); its \
                     owner must call approve_model({})",
                    model.model_hash()
                ),
            }),
        };
        Ok(RegisteredModel { model, on_chain })
    }

    /// Registers model v1 with the default parameters when no model exists yet; returns the active model.
    pub async fn ensure_default(&self) -> Result<RiskModel, StoreError> {
        if let Some(model) = self.models.current().await? {
            return Ok(model);
        }
        match self.register(ModelParams::v1(), None, Some(ModelVersion::V1), "starkrisk").await {
            Ok(registered) => Ok(registered.model),
            // Another replica registered it first: read theirs.
            Err(RegisterModelError::Store(StoreError::Conflict(_))) => self.current().await,
            Err(RegisterModelError::Store(other)) => Err(other),
            // The default parameters and program are valid by construction.
            Err(RegisterModelError::Invalid(e)) => Err(StoreError::Unknown(e.into())),
        }
    }
}
