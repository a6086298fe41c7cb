//! An in-process starkrisk on a random loopback port, over its own database, with swappable adapters.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses some helpers; panics fail tests

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use starkrisk_app::Settings;
use starkrisk_app::SystemClock;
use starkrisk_app::{Adapters, Stores};
use starkrisk_app::{Authenticator, Role};
use starkrisk_domain::Secret;
use starkrisk_domain::ports::*;
use starkrisk_domain::testing::MemoryStore;
use starkrisk_domain::*;
use starkrisk_postgres::testing::TestDatabase;
use tokio::task::JoinHandle;

/// The series counting the workers' claim rounds that found nothing due.
pub const IDLE_ROUNDS: &str = "starkrisk_worker_claim_rounds_total{outcome=\"empty\"}";

/// Polls `count` until it reaches `at_least`; panics naming `what` when `limit` passes first.
pub async fn count_reaches<F, Fut>(what: &str, at_least: u64, limit: Duration, mut count: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = u64>,
{
    let started = std::time::Instant::now();
    while count().await < at_least {
        assert!(started.elapsed() < limit, "{what} did not reach {at_least} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The sum of the integer series in a Prometheus text `exposition` whose lines start with `series`.
pub fn metric_sum(exposition: &str, series: &str) -> u64 {
    exposition
        .lines()
        .filter(|line| line.starts_with(series))
        .map(|line| line.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum()
}

pub const SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub auth: Authenticator,
    /// The database, for apps that run on Postgres; dropped with the app.
    pub db: Option<TestDatabase>,
    server: JoinHandle<anyhow::Result<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub fn settings(db: &TestDatabase) -> Settings {
    let mut settings = base_settings();
    settings.database.url = db.url.clone();
    settings
}

/// The local profile, tuned for quick tests, with no database named.
pub fn base_settings() -> Settings {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/config");
    let mut settings = Settings::load("local", &dir).unwrap();
    settings.auth.hs256_secret = Some(Secret::new(SECRET));
    settings.auth.hs256_secret_file = None;
    settings.log.level = "warn".into();
    settings.workers.poll_ms = 50;
    // Each test registers the models it needs.
    settings.defaults.register_default_model = false;
    // Tests read their own writes at once; the page cache has a test of its own.
    settings.server.decision_page_cache_ms = 0;
    settings.pipeline.backoff_base_ms = 50;
    settings.pipeline.max_retries = 1;
    settings.pipeline.prover_timeout_secs = 5;
    // Tests fire requests faster than any operator; the limit has a test of its own.
    settings.server.rate_limit_per_minute = 0;
    settings
}

impl TestApp {
    /// The app over the in-memory store: for every test that is not about SQL.
    pub async fn start(adapters: Adapters) -> Self {
        Self::start_with(adapters, |_| {}).await
    }

    /// The in-memory app with `tweak` applied to its settings.
    pub async fn start_with(adapters: Adapters, tweak: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = base_settings();
        tweak(&mut settings);
        let stores = Stores::all_in(Arc::new(MemoryStore::new(Arc::new(SystemClock))));
        Self::launch(settings, stores, adapters, None).await
    }

    /// The app over a fresh Postgres database of its own.
    pub async fn start_on_postgres(adapters: Adapters) -> Self {
        Self::start_on_postgres_with(adapters, |_| {}).await
    }

    /// The app over a fresh Postgres database of its own, with `tweak` applied to its settings.
    pub async fn start_on_postgres_with(adapters: Adapters, tweak: impl FnOnce(&mut Settings)) -> Self {
        let db = TestDatabase::empty().await;
        let mut settings = settings(&db);
        tweak(&mut settings);
        let stores = Stores::postgres(db.db.clone());
        Self::launch(settings, stores, adapters, Some(db)).await
    }

    /// A second replica over this app's Postgres database (which stays owned by this app).
    pub async fn replica_with(&self, adapters: Adapters, tweak: impl FnOnce(&mut Settings)) -> Self {
        let db = self.db.as_ref().expect("replicas share a Postgres database; start the first on Postgres");
        let mut settings = settings(db);
        tweak(&mut settings);
        Self::launch(settings, Stores::postgres(db.db.clone()), adapters, None).await
    }

    async fn launch(settings: Settings, stores: Stores, adapters: Adapters, db: Option<TestDatabase>) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let auth = Authenticator::hs256(&Secret::new(SECRET), &settings.auth.audience);
        let server = tokio::spawn(starkrisk_app::serve_with(settings, stores, adapters, listener));
        let app = Self { base, client: reqwest::Client::new(), auth, db, server };
        app.wait_ready().await;
        app
    }

    pub async fn wait_ready(&self) {
        for _ in 0..200 {
            if let Ok(r) = self.client.get(format!("{}/ready", self.base)).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the service never became ready");
    }

    /// The sum of the series of this app's `/metrics` that start with `series` (a name, or a name and labels).
    pub async fn metric(&self, series: &str) -> u64 {
        let exposition = self.client.get(format!("{}/metrics", self.base)).send().await.unwrap().text().await.unwrap();
        metric_sum(&exposition, series)
    }

    /// Returns once the workers have found nothing due `rounds` times: they are asleep until the next poll.
    pub async fn workers_idle(&self, rounds: u64) {
        count_reaches("empty claim rounds", rounds, Duration::from_secs(5), || self.metric(IDLE_ROUNDS)).await;
    }

    pub fn token(&self, role: Role) -> String {
        self.auth.mint("tester", role, Duration::from_secs(600)).unwrap()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        role: Option<Role>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(role) = role {
            request = request.bearer_auth(self.token(role));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get(&self, path: &str, role: Role) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(role), None).await
    }

    pub async fn post(&self, path: &str, role: Role, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(role), Some(body)).await
    }

    /// Registers model v1 with the default parameters.
    /// Decision `id` once it reaches `status` (or as it is after five seconds, for the assertion to show).
    pub async fn decision_when(&self, id: &str, status: &str) -> Value {
        let mut decision = Value::Null;
        for _ in 0..100 {
            decision = self.get(&format!("/api/v1/risk-engine/decision/{id}"), Role::Viewer).await.1;
            if decision["status"] == status {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        decision
    }

    pub async fn register_model(&self) -> Value {
        let (status, body) = self.post("/api/v1/model-registry/register", Role::Admin, register_body()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }
}

pub fn register_body() -> Value {
    json!({"params": {"w_utilization": 25, "w_volatility": 40, "w_liquidity": [0, 5, 15, 30], "w_audit": 3,
        "w_age": 10, "age_cap_days": 730, "clamp_min": 5, "clamp_max": 95}})
}

pub fn orchestrate_body() -> Value {
    json!({
        "jediswap_metrics": {"utilization": 6500, "volatility": 3500, "liquidity": 1, "audit_score": 98, "age_days": 800},
        "ekubo_metrics": {"utilization": 8200, "volatility": 6100, "liquidity": 2, "audit_score": 72, "age_days": 120},
        "jediswap_apy": 850, "ekubo_apy": 1210, "constraint_signature": null
    })
}

/// A LuminAIR stand-in that proves whatever it is asked, for tests of everything around proving.
pub fn prover() -> Arc<dyn Prover> {
    let mut mock = MockProver::new();
    mock.expect_kind().return_const(ProverKind::Luminair);
    mock.expect_prove().returning(|request, _| {
        Ok(ProofArtifact {
            prover: ProverKind::Luminair,
            system: ProofSystem::Stwo,
            bytes: serde_json::to_vec(&request.statement).unwrap(),
            statement: request.statement,
            prove_time: Duration::from_millis(3),
            remote_query: None,
        })
    });
    Arc::new(mock)
}

/// A verifier stand-in that accepts the bytes `prover()` writes and refuses anything else.
pub fn verifier() -> Arc<dyn ProofVerifier> {
    let mut mock = MockProofVerifier::new();
    mock.expect_system().return_const(ProofSystem::Stwo);
    mock.expect_verify().returning(|bytes| {
        let statement: DecisionStatement =
            serde_json::from_slice(bytes).map_err(|e| VerifyError::Rejected { reason: format!("not a proof: {e}") })?;
        Ok(VerifiedProof {
            system: ProofSystem::Stwo,
            program_hash: starkrisk_stwo::air_hash(),
            public_output: statement.to_felts(),
            security: starkrisk_domain::SecurityLevel { conjectured_bits: 100, provable_bits: 55 },
            fact_hash: None,
        })
    });
    Arc::new(mock)
}

/// What the stand-in executor's receipts say each execution moved: 10,000 idle units split 6000/4000, the
/// same whatever the decision (a mock: the vault's own arithmetic is tested on devnet).
pub const MOCK_TREASURY_MOVE: TreasuryRebalanced = TreasuryRebalanced {
    jediswap_withdrawn: 0,
    jediswap_deposited: 6_000,
    ekubo_withdrawn: 0,
    ekubo_deposited: 4_000,
    before: TreasuryBalances { idle: 10_000, jediswap: 0, ekubo: 0 },
    after: TreasuryBalances { idle: 0, jediswap: 6_000, ekubo: 4_000 },
};

/// An executor stand-in whose transactions land at once in block 7.
pub fn executor() -> Arc<dyn AllocationExecutor> {
    let mut mock = MockAllocationExecutor::new();
    mock.expect_model_approval().returning(|_| Ok(ModelApproval::NotGated));
    mock.expect_approve_model().returning(|_| Ok(ModelApproval::NotGated));
    mock.expect_execution_record().returning(|_| {
        let contract = ContractAddress::new(Felt::from(0xa11ca7u32));
        Ok(ExecutionRecord { contract, event: None, treasury: Some(MOCK_TREASURY_MOVE) })
    });
    mock.expect_prepare().returning(|d| {
        Ok(PreparedExecution { tx_hash: TxHash::new(Felt::from_bytes_be_slice(d.id().0.as_bytes())), signed: vec![1] })
    });
    mock.expect_broadcast().returning(|_| Ok(()));
    mock.expect_outcome().returning(|_| Ok(ExecutionOutcome::Succeeded { block_number: 7 }));
    Arc::new(mock)
}

pub fn full_adapters() -> Adapters {
    Adapters { provers: vec![prover()], verifiers: vec![verifier()], executor: Some(executor()), ..Adapters::default() }
}
