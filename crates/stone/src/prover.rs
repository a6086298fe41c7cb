//! The Stone prover: run the risk program, write Stone's inputs, run `cpu_air_prover`, read the proof.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use starkrisk_domain::ports::{Prover, ProverError, TimeoutGrowth};
use starkrisk_domain::{DecisionStatement, FriParameters, ProofArtifact, ProofRequest, ProofSystem, ProverKind};

use crate::error::StoneError;
use crate::program::{self, ProverInputs};
use crate::proof::StoneProof;
use crate::{install, params};

/// How Stone is run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoneSettings {
    /// Path of the `cpu_air_prover` binary; unset means the one `deploy/local/stone.sh` built, if any.
    pub prover_binary: Option<PathBuf>,
    /// Longest a proof may take, in seconds.
    pub timeout_secs: u64,
    /// FRI queries.
    pub n_queries: u32,
    /// Proof-of-work bits.
    pub proof_of_work_bits: u32,
    /// log2 of the blowup (Stone's `log_n_cosets`).
    pub log_n_cosets: u32,
    /// Degree bound of FRI's last layer.
    pub last_layer_degree_bound: u64,
    /// Stone's `store_full_lde`: keep the trace's low-degree extension in memory instead of recomputing it
    /// when queries are answered; a proof of one decision then takes 15 % less time and 300 MB more memory.
    pub store_full_lde: bool,
}

impl Default for StoneSettings {
    /// 38 queries at a blowup of 2^2 and 20 grinding bits: 38 × 2 + 20 = 96 bits of security; 3 minutes.
    fn default() -> Self {
        Self {
            prover_binary: None,
            timeout_secs: 180,
            n_queries: 38,
            proof_of_work_bits: 20,
            log_n_cosets: 2,
            last_layer_degree_bound: 128,
            store_full_lde: true,
        }
    }
}

impl StoneSettings {
    /// These settings with the `cpu_air_prover` that `deploy/local/stone.sh` built, where none is configured.
    pub fn with_installed_binary(mut self) -> Self {
        if self.prover_binary.is_none() {
            self.prover_binary = install::installed("cpu_air_prover");
        }
        self
    }
}

/// Stone as a `Prover`.
#[derive(Debug, Clone)]
pub struct StoneProver {
    settings: StoneSettings,
}

impl StoneProver {
    /// A prover with `settings`.
    pub fn new(settings: StoneSettings) -> Self {
        Self { settings }
    }

    /// The binary, or why Stone cannot run here.
    fn binary(&self) -> Result<PathBuf, StoneError> {
        match &self.settings.prover_binary {
            Some(path) if path.is_file() => Ok(path.clone()),
            Some(path) => Err(StoneError::Unavailable(format!(
                "cpu_air_prover is configured at {} but no file is there; install it or fix stone.prover_binary",
                path.display()
            ))),
            None => Err(StoneError::Unavailable(format!(
                "cpu_air_prover is not built on this machine: run `just stone` (`just run` and `just test` do it \
                 once), or set STARKRISK__STONE__PROVER_BINARY to a cpu_air_prover of Stone {}",
                install::commit()
            ))),
        }
    }

    /// Stone's parameter file for a trace of `n_steps`: FRI derived from the trace, the rest from `params`.
    pub fn parameters(&self, n_steps: u64) -> Result<serde_json::Value, StoneError> {
        let s = &self.settings;
        let fri = FriParameters::for_trace(
            n_steps,
            s.last_layer_degree_bound,
            s.n_queries,
            s.proof_of_work_bits,
            s.log_n_cosets,
        )
        .map_err(|e| StoneError::Failed(e.to_string()))?;
        Ok(params::parameter_file(&fri))
    }

    /// Stone's prover configuration file.
    pub fn prover_config(&self) -> serde_json::Value {
        json!({
            "cached_lde_config": { "store_full_lde": self.settings.store_full_lde, "use_fft_for_eval": false },
            "constraint_polynomial_task_size": 256,
            "n_out_of_memory_merkle_layers": 0,
            "table_prover_n_tasks_per_segment": 32,
        })
    }

    /// Proves `statement`: run, write inputs to a temporary directory (removed on return), run Stone for
    /// `timeout_secs` grown by `growth`.
    pub async fn prove_statement(
        &self,
        statement: &DecisionStatement,
        growth: TimeoutGrowth,
    ) -> Result<(String, DecisionStatement), StoneError> {
        let binary = self.binary()?;
        let wanted = *statement;
        let inputs = tokio::task::spawn_blocking(move || -> Result<ProverInputs, StoneError> {
            let (run, computed) = program::compute(&wanted)?;
            if computed != wanted {
                return Err(StoneError::Failed("the risk program computes a different decision than requested".into()));
            }
            run.prover_inputs()
        })
        .await
        .map_err(|e| StoneError::Failed(format!("trace generation task failed: {e}")))??;

        let dir = tempfile::Builder::new()
            .prefix("starkrisk-stone-")
            .tempdir()
            .map_err(|e| StoneError::Failed(format!("cannot create a working directory: {e}")))?;
        let path = |name: &str| dir.path().join(name);
        let text = |p: &Path| p.to_string_lossy().into_owned();
        write(&path("trace.bin"), &inputs.trace)?;
        write(&path("memory.bin"), &inputs.memory)?;
        write(&path("public_input.json"), inputs.public_input.as_bytes())?;
        let private = inputs.private_input(&text(&path("trace.bin")), &text(&path("memory.bin")))?;
        write(&path("private_input.json"), private.as_bytes())?;
        write(&path("params.json"), self.parameters(inputs.n_steps)?.to_string().as_bytes())?;
        write(&path("config.json"), self.prover_config().to_string().as_bytes())?;

        let mut command = tokio::process::Command::new(&binary);
        command
            .arg("--parameter_file")
            .arg(path("params.json"))
            .arg("--prover_config_file")
            .arg(path("config.json"))
            .arg("--public_input_file")
            .arg(path("public_input.json"))
            .arg("--private_input_file")
            .arg(path("private_input.json"))
            .arg("--out_file")
            .arg(path("proof.json"))
            .arg("--generate_annotations")
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let timeout = growth.applied_to(Duration::from_secs(self.settings.timeout_secs));
        let output = tokio::time::timeout(timeout, command.output())
            .await
            .map_err(|_| StoneError::Timeout(timeout))?
            .map_err(|e| StoneError::Unavailable(format!("cannot start {}: {e}", binary.display())))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: String =
                stderr.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
            return Err(StoneError::Failed(format!("cpu_air_prover failed ({}): {tail}", output.status)));
        }
        let proof = std::fs::read_to_string(path("proof.json"))
            .map_err(|e| StoneError::Failed(format!("cpu_air_prover wrote no proof: {e}")))?;
        let output = StoneProof::parse(&proof)?.output()?;
        let proven = DecisionStatement::from_felts(&output)
            .map_err(|e| StoneError::Failed(format!("the proof's output is not a starkrisk decision: {e}")))?;
        Ok((proof, proven))
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), StoneError> {
    std::fs::write(path, bytes).map_err(|e| StoneError::Failed(format!("cannot write {}: {e}", path.display())))
}

impl From<StoneError> for ProverError {
    fn from(e: StoneError) -> Self {
        match e {
            StoneError::Unavailable(m) => ProverError::Unavailable(m),
            StoneError::Timeout(t) => ProverError::Timeout(t),
            other => ProverError::Failed(other.to_string()),
        }
    }
}

#[async_trait]
impl Prover for StoneProver {
    fn kind(&self) -> ProverKind {
        ProverKind::Stone
    }

    async fn prove(&self, request: &ProofRequest, growth: TimeoutGrowth) -> Result<ProofArtifact, ProverError> {
        let started = Instant::now();
        let (proof, statement) = self.prove_statement(&request.statement, growth).await?;
        Ok(ProofArtifact {
            prover: ProverKind::Stone,
            system: ProofSystem::Stone,
            bytes: proof.into_bytes(),
            statement,
            prove_time: started.elapsed(),
            remote_query: None,
        })
    }
}
