//! The containers as deploy/k8s declares them, run here without a container engine: the binary with each
//! container's exact command, arguments and environment (secrets replaced by test values, the secret mount
//! by a directory, the ports by free ones), against the local Postgres and a local chain. The migration
//! Job migrates; the API and the worker answer their probes' paths and drain on SIGTERM within the grace
//! period the manifests give them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::deploy;

use std::collections::BTreeMap;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use deploy::*;
use serde_json::Value;
use starkrisk_postgres::testing::TestDatabase;
use starkrisk_starknet::testing::{Devnet, free_port};

const JWT: &str = "0123456789abcdef0123456789abcdef-manifests";
const KEYSTORE_PASSWORD: &str = "manifest-test-keystore-password";

/// The command a container declares, with `env` and nothing inherited from this process's STARKRISK_*.
fn command(container: &Value, env: &BTreeMap<String, String>) -> Command {
    let program = container["command"][0].as_str().unwrap();
    assert_eq!(program, "starkrisk");
    let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("STARKRISK")) {
        command.env_remove(key);
    }
    let args: Vec<&str> = container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    command.args(args).envs(env).stdout(Stdio::null()).stderr(Stdio::piped());
    command
}

struct Rig {
    objects: Vec<Value>,
    secrets: SecretValues,
    mount: tempfile::TempDir,
    _db: TestDatabase,
}

impl Rig {
    async fn new() -> Self {
        let objects = k8s_objects();
        let db = TestDatabase::empty().await;
        let devnet = Devnet::shared().await;
        let account = devnet.accounts().await[0];
        let mount = tempfile::tempdir().unwrap();
        std::fs::write(mount.path().join("password"), KEYSTORE_PASSWORD).unwrap();
        let made = Command::new(env!("CARGO_BIN_EXE_starkrisk"))
            .args(["keystore", "new"])
            .arg(mount.path().join("keystore.json"))
            .arg("--password-file")
            .arg(mount.path().join("password"))
            .output()
            .unwrap();
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let secrets: SecretValues = [
            ("starkrisk-auth", "hs256-secret", JWT.to_string()),
            ("starkrisk-database", "url", db.url.clone()),
            // The local cluster trusts loopback connections, so any password is accepted.
            ("starkrisk-database", "password", "test-password".to_string()),
            ("starkrisk-chain", "rpc-urls", devnet.url.clone()),
            ("starkrisk-chain", "account-address", format!("{:#x}", account.address)),
            ("starkrisk-chain", "vault-address", String::new()),
        ]
        .into_iter()
        .map(|(s, k, v)| ((s.to_string(), k.to_string()), v))
        .collect();
        Self { objects, secrets, mount, _db: db }
    }

    /// `kind name`'s container and its environment as declared, made runnable here.
    fn declared(&self, kind: &str, name: &str) -> (Value, BTreeMap<String, String>, Option<u64>) {
        let workload = object(&self.objects, kind, name);
        let container = container(workload).clone();
        let mut env = container_env(&self.objects, &container, &self.secrets);
        // The image copies deploy/config to where its STARKRISK_CONFIG_DIR points.
        let runtime = dockerfile_runtime();
        assert!(runtime.iter().any(|(i, r)| i == "COPY" && r == "deploy/config /etc/starkrisk"));
        assert!(runtime.iter().any(|(i, r)| i == "ENV" && r == "STARKRISK_CONFIG_DIR=/etc/starkrisk"));
        env.insert("STARKRISK_CONFIG_DIR".into(), deploy_dir().join("config").display().to_string());
        for mount in container["volumeMounts"].as_array().into_iter().flatten() {
            let at = mount["mountPath"].as_str().unwrap();
            for value in env.values_mut() {
                if let Some(file) = value.strip_prefix(at) {
                    *value = format!("{}{file}", self.mount.path().display());
                }
            }
        }
        for key in ["STARKRISK__SERVER__PORT", "STARKRISK__WORKERS__HEALTH_PORT"] {
            env.entry(key.to_string()).and_modify(|port| *port = free_port().to_string());
        }
        let grace = workload["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].as_u64();
        (container, env, grace)
    }
}

fn run(mut command: Command) -> Output {
    command.stdout(Stdio::piped()).output().unwrap()
}

/// Waits until `url` answers 200, or fails naming what the process said.
async fn answers(child: &mut Child, url: &str) {
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = http.get(url).send().await
            && r.status() == 200
        {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            panic!("the process exited ({status}) before {url} answered: {stderr}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never answered 200");
}

/// Sends SIGTERM and requires a clean exit within `grace`.
async fn drains(mut child: Child, grace: Duration, name: &str) {
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let sent = Instant::now();
    while sent.elapsed() < grace {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{name} exited with {status} on SIGTERM");
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    panic!("{name} did not stop within its {grace:?} grace period");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_job_the_api_and_the_worker_run_as_their_manifests_declare() {
    let rig = Rig::new().await;

    let (migrate, env, _) = rig.declared("Job", "starkrisk-migrate");
    let first = run(command(&migrate, &env));
    assert!(first.status.success(), "migrate: {}", String::from_utf8_lossy(&first.stderr));
    let said = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(said.starts_with("applied ") && !said.starts_with("applied 0 "), "{said}");
    let again = run(command(&migrate, &env));
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("applied 0 "), "migrating twice changes nothing");

    for (name, port_key) in
        [("starkrisk-api", "STARKRISK__SERVER__PORT"), ("starkrisk-worker", "STARKRISK__WORKERS__HEALTH_PORT")]
    {
        let (container, env, grace) = rig.declared("Deployment", name);
        let mut child = command(&container, &env).spawn().unwrap();
        let base = format!("http://127.0.0.1:{}", env[port_key]);
        for probe in ["readinessProbe", "livenessProbe"] {
            let path = container[probe]["httpGet"]["path"].as_str().unwrap();
            answers(&mut child, &format!("{base}{path}")).await;
        }
        // The image's health check is the binary probing itself.
        let probe = Command::new(env!("CARGO_BIN_EXE_starkrisk")).args(["probe", &format!("{base}/health")]).status();
        assert!(probe.unwrap().success(), "{name}: starkrisk probe");
        let dead = Command::new(env!("CARGO_BIN_EXE_starkrisk")).args(["probe", &format!("{base}/nowhere")]).status();
        assert!(!dead.unwrap().success(), "{name}: a 404 is not healthy");
        drains(child, Duration::from_secs(grace.unwrap()), name).await;
    }
}
