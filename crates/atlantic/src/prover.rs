//! Atlantic as a `Prover`: the remote fallback. The risk program's run becomes a Cairo PIE, Atlantic proves
//! it with Stone, and the proof is downloaded from the query's artifacts to be verified like a local one.

use std::time::Instant;

use async_trait::async_trait;
use starkrisk_domain::ports::{Prover, ProverError, TimeoutGrowth};
use starkrisk_domain::{ProofArtifact, ProofRequest, ProofSystem, ProverKind};

use crate::client::{AtlanticClient, AtlanticError, AtlanticJob, QueryStatus};

/// Proves decisions on Herodotus' Atlantic.
pub struct AtlanticProver {
    client: AtlanticClient,
    job: AtlanticJob,
}

impl AtlanticProver {
    /// A prover submitting `job`s through `client`.
    pub fn new(client: AtlanticClient, job: AtlanticJob) -> Self {
        Self { client, job }
    }
}

fn prover_error(e: AtlanticError) -> ProverError {
    match e {
        AtlanticError::Unavailable(_) | AtlanticError::Unauthorized(_) => ProverError::Unavailable(e.to_string()),
        AtlanticError::Timeout { waited, .. } => ProverError::Timeout(waited),
        other => ProverError::Failed(other.to_string()),
    }
}

#[async_trait]
impl Prover for AtlanticProver {
    fn kind(&self) -> ProverKind {
        ProverKind::Atlantic
    }

    async fn prove(&self, request: &ProofRequest, growth: TimeoutGrowth) -> Result<ProofArtifact, ProverError> {
        let started = Instant::now();
        let statement = request.statement;
        let pie = tokio::task::spawn_blocking(move || starkrisk_stone::program::pie(&statement))
            .await
            .map_err(|e| ProverError::Failed(format!("the PIE task died: {e}")))?
            .map_err(|e| ProverError::InvalidInput { field: "statement".into(), reason: e.to_string() })?;
        let id = self.client.submit(pie, &self.job).await.map_err(prover_error)?;
        let query = self.client.wait(&id, growth).await.map_err(prover_error)?;
        if query.status != QueryStatus::Done {
            return Err(ProverError::Failed(format!("Atlantic query {id} ended {:?}", query.status)));
        }
        let url = query.metadata_urls.iter().find(|u| u.ends_with("proof.json")).ok_or_else(|| {
            ProverError::Failed(format!("Atlantic query {id} is done but lists no proof.json among its artifacts"))
        })?;
        let bytes = self.client.download(url).await.map_err(prover_error)?;
        Ok(ProofArtifact {
            prover: ProverKind::Atlantic,
            system: ProofSystem::Stone,
            bytes,
            statement,
            prove_time: started.elapsed(),
        })
    }
}
