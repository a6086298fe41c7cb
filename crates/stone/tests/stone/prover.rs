//! The cpu_air_prover runner where the real prover cannot be made to misbehave on demand: unavailable
//! without a binary, and bash stand-ins (each test says so in its name) that hang, crash, write nothing or
//! answer with another program's proof. Real proofs of the risk program are in `real_stone.rs`.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use starkrisk_domain::ports::{Prover, ProverError, TimeoutGrowth};
use starkrisk_domain::{ProofRequest, examples};
use starkrisk_stone::{StoneError, StoneProver, StoneSettings};

fn script(body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cpu_air_prover");
    std::fs::write(&path, format!("#!/usr/bin/env bash\nset -euo pipefail\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    (dir, path)
}

fn prover(binary: Option<PathBuf>, timeout_secs: u64) -> StoneProver {
    StoneProver::new(StoneSettings { prover_binary: binary, timeout_secs, ..StoneSettings::default() })
}

fn request() -> ProofRequest {
    ProofRequest { statement: examples::statement() }
}

#[tokio::test]
async fn without_a_binary_stone_is_unavailable_and_says_how_to_fix_it() {
    let error = prover(None, 5).prove(&request(), TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(&error, ProverError::Unavailable(m) if m.contains("STARKRISK__STONE__PROVER_BINARY")), "{error}");
    let error =
        prover(Some("/nonexistent/cpu_air_prover".into()), 5).prove(&request(), TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(&error, ProverError::Unavailable(m) if m.contains("no file is there")), "{error}");
}

#[tokio::test]
async fn a_stand_in_that_hangs_times_out() {
    let (_dir, binary) = script("sleep 30");
    let error = prover(Some(binary), 1).prove(&request(), TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(error, ProverError::Timeout(_)), "{error}");
}

#[tokio::test]
async fn after_a_timeout_a_stand_in_is_given_twice_as_long() {
    // Longer than its one-second timeout, shorter than two: it fails only for lack of a proof file.
    let (_dir, binary) = script("sleep 1.5; echo 'finished, wrote nothing' >&2; exit 7");
    let stone = prover(Some(binary), 1);
    let first = stone.prove(&request(), TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(&first, ProverError::Timeout(t) if t.as_secs() == 1), "{first}");
    let doubled = TimeoutGrowth { doublings: 1, cap: std::time::Duration::from_secs(60) };
    let second = stone.prove(&request(), doubled).await.unwrap_err();
    assert!(matches!(&second, ProverError::Failed(m) if m.contains("finished, wrote nothing")), "{second}");
    let capped = TimeoutGrowth { doublings: 1, cap: std::time::Duration::from_millis(1200) };
    let third = stone.prove(&request(), capped).await.unwrap_err();
    assert!(matches!(&third, ProverError::Timeout(t) if t.as_millis() == 1200), "the cap holds: {third}");
}

#[tokio::test]
async fn a_crashing_stand_in_reports_its_stderr() {
    let (_dir, binary) = script("echo 'Check failed: trace length' >&2; exit 3");
    let error = prover(Some(binary), 5).prove(&request(), TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(&error, ProverError::Failed(m) if m.contains("Check failed: trace length")), "{error}");
}

#[tokio::test]
async fn a_stand_in_answering_with_a_foreign_proof_is_refused_and_saw_well_formed_inputs() {
    let foreign = starkrisk_stone::testing::stone(starkrisk_stone::testing::RECURSIVE);
    let seen = tempfile::tempdir().unwrap();
    // The stand-in checks every file Stone reads, keeps a copy of the parameters, and answers with a real
    // Stone proof of another program.
    let (_dir, binary) = script(&format!(
        r#"declare -A a; while [ $# -gt 0 ]; do case "$1" in --generate_annotations) shift;; *) a[$1]="$2"; shift 2;; esac; done
for k in --parameter_file --prover_config_file --public_input_file --private_input_file; do test -s "${{a[$k]}}"; done
grep -q '"layout": *"recursive"' "${{a[--public_input_file]}}"
grep -q trace.bin "${{a[--private_input_file]}}"
test -s "$(dirname "${{a[--public_input_file]}}")/trace.bin"
cp "${{a[--parameter_file]}}" {seen}/params.json
cp "${{a[--prover_config_file]}}" {seen}/config.json
cp {foreign} "${{a[--out_file]}}""#,
        seen = seen.path().display(),
        foreign = foreign.display()
    ));
    let error = prover(Some(binary), 30).prove(&request(), TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(&error, ProverError::Failed(m) if m.contains("not a starkrisk decision")), "{error}");
    let params: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(seen.path().join("params.json")).unwrap()).unwrap();
    let fri = &params["stark"]["fri"];
    assert_eq!(fri["fri_step_list"][0], 0);
    let blowup = params["stark"]["log_n_cosets"].as_u64().unwrap();
    assert_eq!(fri["n_queries"].as_u64().unwrap() * blowup + fri["proof_of_work_bits"].as_u64().unwrap(), 96);
    assert_eq!(params["verifier_friendly_channel_updates"], true);
    assert_eq!(
        params["n_verifier_friendly_commitment_layers"],
        starkrisk_stone::params::N_VERIFIER_FRIENDLY_COMMITMENT_LAYERS
    );
    // The low-degree extension is kept in memory by default, and recomputed when the setting says so.
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(seen.path().join("config.json")).unwrap()).unwrap();
    assert_eq!(config["cached_lde_config"]["store_full_lde"], true, "{config}");
    let lean = StoneProver::new(StoneSettings { store_full_lde: false, ..StoneSettings::default() });
    assert_eq!(lean.prover_config()["cached_lde_config"]["store_full_lde"], false);
}

#[test]
fn parameters_follow_the_fri_rule_and_the_fixture_style() {
    let params = prover(None, 1).parameters(1 << 16).unwrap();
    assert_eq!(params["stark"]["fri"]["fri_step_list"], serde_json::json!([0, 4, 4, 4, 1]));
    assert_eq!(params["stark"]["log_n_cosets"], 2);
    assert_eq!(params["channel_hash"], starkrisk_stone::params::CHANNEL_HASH);
    assert!(matches!(prover(None, 1).parameters(1000), Err(StoneError::Failed(_))));
}
