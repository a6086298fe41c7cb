//! Configuration: built-in defaults → `deploy/config/{profile}.toml` → `STARKRISK__SECTION__KEY` env vars.
//! Secrets come only from the environment or from files; a profile file that holds one is refused.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use starkrisk_domain::usecases::PipelinePolicy;
use starkrisk_domain::{Apy, Backoff, Bps, FactPolicy, GovernancePolicy, ProverKind, VerifierConfig};

use starkrisk_domain::Secret;

/// Keys that hold secrets and may therefore never come from a profile file.
const SECRET_KEYS: [&str; 3] = ["auth.hs256_secret", "database.password", "atlantic.api_key"];

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The profile these settings were loaded for (`local`, `sepolia`, `mainnet`).
    pub profile: String,
    /// HTTP server.
    pub server: ServerSettings,
    /// Postgres.
    pub database: starkrisk_postgres::PoolSettings,
    /// Bearer-token authentication.
    pub auth: AuthSettings,
    /// Logging.
    pub log: LogSettings,
    /// How decisions are proven, checked and executed.
    pub pipeline: PipelineSettings,
    /// Background workers.
    pub workers: WorkerSettings,
    /// Values used when a request leaves them out.
    pub defaults: DefaultSettings,
    /// The Stone prover.
    pub stone: starkrisk_stone::StoneSettings,
    /// The in-process S-two prover.
    pub luminair: starkrisk_stwo::StwoSettings,
    /// Starknet: RPC endpoints, the operator account, the allocation contract and Integrity.
    pub starknet: starkrisk_starknet::StarknetSettings,
    /// Herodotus' Atlantic, the remote Stone prover.
    pub atlantic: starkrisk_atlantic::AtlanticSettings,
    /// Endpoints that receive decision and job events.
    #[serde(default)]
    pub webhooks: Vec<crate::webhooks::WebhookSettings>,
    /// How webhook deliveries are attempted.
    pub webhook_delivery: crate::webhooks::WebhookDeliverySettings,
    /// Which pools chain metrics come from, and how they are sampled.
    pub markets: crate::markets::MarketsSettings,
    /// Rebalancing on a timer.
    pub schedule: crate::schedule::ScheduleSettings,
}

/// HTTP server settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Interface to bind.
    pub host: String,
    /// Port to bind.
    pub port: u16,
    /// actix worker threads (0 = one per core).
    pub http_workers: usize,
    /// Largest accepted request body.
    pub body_limit_bytes: usize,
    /// How long in-flight requests may take to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// How long a rendered page of `GET /decisions` may be served from memory, ms (0 disables).
    pub decision_page_cache_ms: u64,
    /// How long an `Idempotency-Key` answers with its first outcome, hours; after that it is a new request.
    pub idempotency_ttl_hours: u64,
    /// How long a key's request may run before a retry with the key takes it over, seconds: a request that
    /// died between claiming its key and completing it leaves a 409 for this long, not forever.
    pub idempotency_in_flight_secs: u64,
    /// Mutating requests one caller (token subject) may make a minute, on average, per process; 0: no limit.
    pub rate_limit_per_minute: u32,
    /// How many of them may come at once.
    pub rate_limit_burst: u32,
    /// Origins browsers may call the API from (`https://ops.example.com`); empty: no CORS headers at all.
    pub cors_allowed_origins: Vec<String>,
}

/// Authentication: HS256 with a shared secret, or EdDSA with a public key file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// The HS256 secret, from `STARKRISK__AUTH__HS256_SECRET` only.
    pub hs256_secret: Option<Secret>,
    /// A file holding the HS256 secret.
    pub hs256_secret_file: Option<PathBuf>,
    /// Create `hs256_secret_file` with a random secret when missing (local profile only).
    pub generate_dev_secret: bool,
    /// A PEM file with the Ed25519 public key that verifies EdDSA tokens.
    pub eddsa_public_key_file: Option<PathBuf>,
    /// The `aud` claim tokens must carry.
    pub audience: String,
}

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `json` or `pretty`.
    pub format: String,
    /// A tracing filter (`info`, `starkrisk=debug,info`).
    pub level: String,
}

/// The pipeline policy as configured.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSettings {
    /// Provers in order of preference.
    pub provers: Vec<ProverKind>,
    /// How long a proof is expected to take, seconds: `?wait=true` waits up to twice this. Each prover's own
    /// `timeout_secs` bounds one of its attempts.
    pub prover_timeout_secs: u64,
    /// A prover that timed out on a job gets its own timeout doubled on each later attempt, up to this.
    pub max_prover_timeout_secs: u64,
    /// Local verification refuses proofs with fewer conjectured bits (the ethSTARK figure provers report).
    pub min_security_bits: u32,
    /// Local verification refuses proofs with fewer provable bits (0: no floor); docs/proving.md compares.
    pub min_provable_security_bits: u32,
    /// Whether execution needs an on-chain Integrity fact.
    pub require_onchain_fact: bool,
    /// The on-chain verification must have at least this many bits.
    pub fact_min_security_bits: u32,
    /// The verifier the on-chain verification must have used.
    pub fact_verifier: VerifierConfig,
    /// No protocol above this share.
    pub max_single_bps: u32,
    /// Protocols that must get at least 10 %.
    pub min_diversification: u8,
    /// Retries of a transient failure.
    pub max_retries: u32,
    /// First retry delay, ms.
    pub backoff_base_ms: u64,
    /// Longest retry delay, ms.
    pub backoff_max_ms: u64,
    /// Accounts whose signed governance approvals (`constraint_signature`) are accepted.
    pub approvers: Vec<starkrisk_domain::Approver>,
    /// How long after signing an approval is accepted, seconds.
    pub approval_max_age_secs: u64,
    /// This deployment's identity (a short string of at most 31 ASCII characters), signed into every
    /// approval with the chain id so an approval for one deployment is refused by every other.
    pub deployment_id: String,
    /// `auto`: verified decisions execute at once; `manual`: they wait for `execute-allocation`.
    pub execution: starkrisk_domain::ExecutionMode,
    /// How long metrics and APYs read from their source are reused, seconds.
    pub metrics_cache_secs: u64,
    /// Whether requests may carry their own metrics and APYs.
    pub allow_supplied_metrics: bool,
}

/// Background workers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    /// Jobs this process works at once, each in a slot of its own (0 in `serve` disables workers).
    pub count: usize,
    /// How long a claimed job is held before another worker may take it, ms.
    pub lease_ms: u64,
    /// Sleep when the queue is empty, ms.
    pub poll_ms: u64,
    /// Port of `starkrisk worker`'s `/health`, `/ready` and `/metrics` (on `server.host`).
    pub health_port: u16,
}

/// Request defaults.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultSettings {
    /// JediSwap's APY in bps.
    pub jediswap_apy: u32,
    /// Ekubo's APY in bps.
    pub ekubo_apy: u32,
    /// Program hash a model registered without one is bound to (the Cairo risk program's when unset).
    pub program_hash: Option<String>,
    /// Register model v1 with the default parameters at startup when no model exists.
    pub register_default_model: bool,
}

/// Where profiles live, unless `STARKRISK_CONFIG_DIR` says otherwise.
pub const CONFIG_DIR: &str = "deploy/config";

impl Settings {
    /// Loads `profile` from `dir` with the environment on top.
    pub fn load(profile: &str, dir: &Path) -> anyhow::Result<Self> {
        let file = dir.join(format!("{profile}.toml"));
        if !file.is_file() {
            bail!(
                "no configuration profile `{profile}`: {} does not exist (profiles: local, sepolia, mainnet)",
                file.display()
            );
        }
        let defaults = config::File::from_str(include_str!("defaults.toml"), config::FileFormat::Toml);
        let from_files = config::Config::builder()
            .add_source(defaults.clone())
            .add_source(config::File::from(file.clone()))
            .build()?;
        for key in SECRET_KEYS {
            if from_files.get_string(key).is_ok() {
                bail!("{key} is set in {}: secrets may only come from the environment or a file", file.display());
            }
        }
        let merged = config::Config::builder()
            .add_source(defaults)
            .add_source(config::File::from(file))
            .add_source(
                config::Environment::with_prefix("STARKRISK")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("pipeline.provers")
                    .with_list_parse_key("starknet.rpc.rpc_urls")
                    .with_list_parse_key("starknet.executor.calldata")
                    .with_list_parse_key("markets.jediswap.terms.tvl_tiers")
                    .with_list_parse_key("markets.ekubo.terms.tvl_tiers"),
            )
            .set_override("profile", profile)?
            .build()?;
        let settings: Settings = merged.try_deserialize().context("invalid configuration")?;
        settings.validate()?;
        Ok(settings)
    }

    /// Loads the profile named by `STARKRISK_PROFILE` (default `local`) from `STARKRISK_CONFIG_DIR`.
    pub fn from_env(profile: Option<&str>) -> anyhow::Result<Self> {
        let profile = profile
            .map(str::to_string)
            .or_else(|| std::env::var("STARKRISK_PROFILE").ok())
            .unwrap_or_else(|| "local".into());
        let dir = std::env::var_os("STARKRISK_CONFIG_DIR").map_or_else(|| PathBuf::from(CONFIG_DIR), PathBuf::from);
        Self::load(&profile, &dir)
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.policy()?;
        if self.database.url.trim().is_empty() {
            bail!("database.url is empty: set STARKRISK__DATABASE__URL to postgres://user@host:port/db");
        }
        if self.pipeline.provers.is_empty() {
            bail!("pipeline.provers is empty: list at least one of luminair, stone, atlantic");
        }
        let luminair = self.luminair.security()?;
        if luminair.bits() < self.pipeline.min_security_bits {
            bail!(
                "luminair gives {} bits (pow_bits + n_queries × log_blowup) but pipeline.min_security_bits is {}: \
                 raise luminair.n_queries",
                luminair.bits(),
                self.pipeline.min_security_bits
            );
        }
        if !matches!(self.log.format.as_str(), "json" | "pretty") {
            bail!("log.format must be json or pretty, not {}", self.log.format);
        }
        crate::webhooks::endpoints(&self.webhooks)?;
        self.markets.terms()?;
        self.markets.pools()?;
        self.schedule.validate(&self.markets)?;
        crate::chain_rules::check(self)?;
        Ok(())
    }

    /// The domain's pipeline policy.
    pub fn policy(&self) -> anyhow::Result<PipelinePolicy> {
        let p = &self.pipeline;
        let governance =
            GovernancePolicy::new(Bps::for_field("pipeline.max_single_bps", p.max_single_bps)?, p.min_diversification)
                .context("pipeline governance limits")?;
        Ok(PipelinePolicy {
            provers: p.provers.clone(),
            min_security_bits: p.min_security_bits,
            min_provable_security_bits: p.min_provable_security_bits,
            require_onchain_fact: p.require_onchain_fact,
            fact_policy: FactPolicy {
                expected_config: p.fact_verifier.clone(),
                min_security_bits: p.fact_min_security_bits,
            },
            governance,
            max_retries: p.max_retries,
            backoff: Backoff::new(Duration::from_millis(p.backoff_base_ms), Duration::from_millis(p.backoff_max_ms)),
            max_prover_timeout: Duration::from_secs(p.max_prover_timeout_secs),
            execution: p.execution,
        })
    }

    /// The programs proofs must be of: the Cairo risk program (the committed one unless
    /// `defaults.program_hash` names another) and this build's S-two risk AIR. Models are bound to the first.
    pub fn risk_programs(&self) -> anyhow::Result<starkrisk_domain::RiskPrograms> {
        let cairo = match self.defaults.program_hash.as_deref() {
            Some(text) => starkrisk_domain::ProgramHash::parse(text).map_err(anyhow::Error::new)?,
            None => starkrisk_stone::program::program_hash()?,
        };
        Ok(starkrisk_domain::RiskPrograms {
            cairo,
            stwo_air: starkrisk_stwo::air_hash(),
            bootloader: self.atlantic.bootloader()?,
        })
    }

    /// Which signed approvals this deployment accepts.
    pub fn approval_rules(&self) -> anyhow::Result<starkrisk_domain::usecases::ApprovalRules> {
        let short = |field: &str, text: &str| starkrisk_domain::short_string(field, text).map_err(anyhow::Error::new);
        Ok(starkrisk_domain::usecases::ApprovalRules {
            approvers: self.pipeline.approvers.clone(),
            max_age_secs: self.pipeline.approval_max_age_secs,
            domain: starkrisk_domain::ApprovalDomain {
                chain_id: short("starknet.rpc.chain_id", &self.starknet.rpc.chain_id)?,
                deployment: short("pipeline.deployment_id", &self.pipeline.deployment_id)?,
            },
        })
    }

    /// How long idempotency keys hold; both must be positive.
    pub fn key_lifetimes(&self) -> anyhow::Result<starkrisk_domain::ports::KeyLifetimes> {
        let positive = |field: &str, value: u64, unit: u64| {
            anyhow::ensure!(value > 0, "{field} must be at least 1");
            Ok(Duration::from_secs(value.saturating_mul(unit)))
        };
        Ok(starkrisk_domain::ports::KeyLifetimes {
            retained: positive("server.idempotency_ttl_hours", self.server.idempotency_ttl_hours, 3600)?,
            in_flight: positive("server.idempotency_in_flight_secs", self.server.idempotency_in_flight_secs, 1)?,
        })
    }

    /// The APYs used when neither the request nor the metrics source gives one.
    pub fn default_apys(&self) -> anyhow::Result<starkrisk_domain::usecases::DefaultApys> {
        Ok(starkrisk_domain::usecases::DefaultApys {
            jediswap: Apy::for_field("defaults.jediswap_apy", self.defaults.jediswap_apy)?,
            ekubo: Apy::for_field("defaults.ekubo_apy", self.defaults.ekubo_apy)?,
        })
    }

    /// The configuration as pretty JSON with every secret shown as `***`.
    pub fn redacted(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        shown.database.url = redact_url(&shown.database.url);
        Ok(serde_json::to_string_pretty(&shown)?)
    }
}

/// `postgres://user:pw@host` → `postgres://user:***@host`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..scheme], &url[at + 1..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    /// The shipped `[luminair]` section restates the S-two crate's default so operators read it in one
    /// file; the two must not drift apart.
    #[test]
    fn the_shipped_luminair_section_is_the_stwo_default() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(super::CONFIG_DIR);
        let settings = super::Settings::load("local", &dir).unwrap();
        assert_eq!(settings.luminair.security().unwrap(), starkrisk_stwo::SecurityParams::DEFAULT);
    }
}
