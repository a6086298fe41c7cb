//! Atlantic as a `Prover`: the remote fallback. The risk program's run becomes a Cairo PIE, Atlantic proves
//! it with Stone, and the proof is downloaded from the query's artifacts to be verified like a local one.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use starkrisk_domain::ports::{Prover, ProverError, ProverQueries, StoreError, TimeoutGrowth};
use starkrisk_domain::{
    DecisionStatement, FactHash, ProgramHash, ProofArtifact, ProofRequest, ProofSystem, ProverKind,
};

use crate::client::{AtlanticClient, AtlanticError, AtlanticJob, QueryStatus};

/// Proves decisions on Herodotus' Atlantic.
pub struct AtlanticProver {
    client: AtlanticClient,
    job: AtlanticJob,
    bootloader: ProgramHash,
    queries: Option<Arc<dyn ProverQueries>>,
}

impl AtlanticProver {
    /// A prover submitting `job`s through `client`, whose proofs are of `bootloader` running the risk
    /// program, remembering nothing between attempts.
    pub fn new(client: AtlanticClient, job: AtlanticJob, bootloader: ProgramHash) -> Self {
        Self { client, job, bootloader, queries: None }
    }

    /// The same prover filing each submitted query in `queries`, so a retry, a restart or another worker
    /// polls the query already paid for instead of submitting again.
    pub fn remembering(self, queries: Arc<dyn ProverQueries>) -> Self {
        Self { queries: Some(queries), ..self }
    }

    /// The query on file for `statement`, or a new one submitted (and filed) now.
    async fn query_for(&self, statement: &DecisionStatement) -> Result<String, ProverError> {
        if let Some(queries) = &self.queries
            && let Some(id) = queries.find(ProverKind::Atlantic, statement).await.map_err(store_error)?
        {
            tracing::info!(query = %id, "polling the Atlantic query already submitted for this statement");
            return Ok(id);
        }
        let wanted = *statement;
        let pie = tokio::task::spawn_blocking(move || starkrisk_stone::program::pie(&wanted))
            .await
            .map_err(|e| ProverError::Failed(format!("the PIE task died: {e}")))?
            .map_err(|e| ProverError::InvalidInput { field: "statement".into(), reason: e.to_string() })?;
        let id = self.client.submit(pie, &self.job).await.map_err(prover_error)?;
        if let Some(queries) = &self.queries {
            queries.record(ProverKind::Atlantic, statement, &id).await.map_err(store_error)?;
        }
        Ok(id)
    }

    /// A query that failed is forgotten, so the next attempt submits a new one.
    async fn forget(&self, statement: &DecisionStatement) {
        if let Some(queries) = &self.queries
            && let Err(error) = queries.forget(ProverKind::Atlantic, statement).await
        {
            tracing::warn!(%error, "a failed Atlantic query stays on file; the next attempt polls it once more");
        }
    }
}

impl AtlanticProver {
    /// Refuses a query whose registered fact is not the bootloaded fact of `statement`: Atlantic proved
    /// another PIE, or under another bootloader, and nothing it made is this decision's proof.
    async fn check_fact(&self, statement: &DecisionStatement, reported: Option<FactHash>) -> Result<(), ProverError> {
        let Some(reported) = reported else { return Ok(()) };
        let program = starkrisk_stone::program::program_hash().map_err(|e| ProverError::Failed(e.to_string()))?;
        let expected = FactHash::bootloaded(self.bootloader, program, &statement.to_felts());
        if reported == expected {
            return Ok(());
        }
        self.forget(statement).await;
        Err(ProverError::Failed(format!(
            "Atlantic registered fact {reported}, not {expected}, the fact of this decision's statement run by the \
             risk program under bootloader {}; its proof is not this decision's",
            self.bootloader
        )))
    }
}

fn store_error(e: StoreError) -> ProverError {
    ProverError::Unavailable(format!("the record of submitted Atlantic queries cannot be read: {e}"))
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
        let id = self.query_for(&statement).await?;
        let query = match self.client.wait(&id, growth).await {
            Ok(query) if query.status == QueryStatus::Done => query,
            Ok(query) => {
                self.forget(&statement).await;
                return Err(ProverError::Failed(format!("Atlantic query ended {:?}", query.status)).at_query(&id));
            }
            Err(e @ AtlanticError::QueryFailed(_)) => {
                self.forget(&statement).await;
                return Err(prover_error(e).at_query(&id));
            }
            Err(other) => return Err(prover_error(other).at_query(&id)),
        };
        self.check_fact(&statement, query.integrity_fact_hash).await.map_err(|e| e.at_query(&id))?;
        let url = query.metadata_urls.iter().find(|u| u.ends_with("proof.json")).ok_or_else(|| {
            ProverError::Failed("the Atlantic query is done but lists no proof.json among its artifacts".into())
                .at_query(&id)
        })?;
        let bytes = self.client.download(url).await.map_err(|e| prover_error(e).at_query(&id))?;
        Ok(ProofArtifact {
            prover: ProverKind::Atlantic,
            system: ProofSystem::Stone,
            bytes,
            statement,
            prove_time: started.elapsed(),
            remote_query: Some(id),
        })
    }
}
