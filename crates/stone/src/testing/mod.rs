//! Where tests and benchmarks find the shared Stone fixtures (third-party data, never copied into the repo).

use std::path::PathBuf;

/// The variable that points at the shared fixtures folder.
pub const ENV: &str = "STARKRISK_FIXTURES";

/// `stone/{name}` under `$STARKRISK_FIXTURES`, or under `../shared/fixtures` beside the project.
/// Panics with how to fix it when the file is missing: only tests and benchmarks call this.
#[allow(clippy::panic)] // a missing fixture must stop the test with a clear message
pub fn stone(name: &str) -> PathBuf {
    let root = std::env::var_os(ENV)
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"), PathBuf::from);
    let path = root.join("stone").join(name);
    if !path.exists() {
        panic!("fixture {} is missing; set {ENV} to the shared fixtures folder", path.display());
    }
    path
}

/// The recursive, keccak_160_lsb, stone6 example proof.
pub const RECURSIVE: &str = "recursive/cairo0_stone6_keccak_160_lsb_example_proof.json";

/// The Python of the cairo-lang virtualenv (`$STARKRISK_CAIRO_VENV`, or `.data/cairo-venv` in the project),
/// as deploy/local/cairo.sh installs it.
pub fn cairo_python() -> PathBuf {
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv =
        std::env::var_os("STARKRISK_CAIRO_VENV").map_or_else(|| project.join(".data/cairo-venv"), |v| project.join(v));
    venv.join("bin/python")
}

/// Stone proof JSON with the last hex digit of the first prover-sent annotation containing all `patterns`
/// flipped between 0 and 1, and the same digit of the same bytes of `proof_hex` (the annotation's
/// `[start:end]`) changed alike: swiftness reads the proof from its annotations and Stone's own verifier
/// from `proof_hex`, so both see one value, hash or nonce of the proof altered. Panics when no annotation
/// matches.
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the report
pub fn with_annotation_changed(json: &str, patterns: &[&str]) -> String {
    let mut value: serde_json::Value = serde_json::from_str(json).expect("the fixture is JSON");
    let lines = value["annotations"].as_array_mut().expect("the fixture has annotations");
    let line = lines
        .iter_mut()
        // Only what the prover sent (`P->V`); `V->P` lines record the verifier's draws, which it recomputes.
        .find(|l| l.as_str().is_some_and(|l| l.starts_with("P->V") && patterns.iter().all(|p| l.contains(p))))
        .unwrap_or_else(|| panic!("no annotation contains {patterns:?}"));
    let text = line.as_str().unwrap().to_string();
    let flip = |digit: &str| if digit == "0" { "1" } else { "0" };
    let at = text.rfind(')').expect("annotations end with a parenthesised value") - 1;
    *line = serde_json::Value::String(format!("{}{}{}", &text[..at], flip(&text[at..=at]), &text[at + 1..]));
    // "P->V[start:end]: …": the bytes of proof_hex this value was sent as.
    let end: usize = text["P->V[".len()..text.find(']').unwrap()].split(':').nth(1).unwrap().parse().unwrap();
    if let Some(hex) = value["proof_hex"].as_str().map(str::to_string) {
        let digit = "0x".len() + 2 * end - 1;
        let changed = format!("{}{}{}", &hex[..digit], flip(&hex[digit..=digit]), &hex[digit + 1..]);
        value["proof_hex"] = serde_json::Value::String(changed);
    }
    serde_json::to_string(&value).expect("JSON serialises")
}

/// The Stone binary `name` (`cpu_air_prover`, `cpu_air_verifier`) that `just stone` built.
/// Panics with how to build it: the suite (`just test`) builds it before any test runs.
#[allow(clippy::panic)] // test support: a panic is the report
pub fn stone_binary(name: &str) -> PathBuf {
    crate::install::installed(name).unwrap_or_else(|| {
        panic!("{name} is not built on this machine: run `just stone` (`just test` does it before the tests)")
    })
}

/// Stone's own `cpu_air_verifier` on proof JSON: Ok when it accepts the proof, its output when it refuses.
#[allow(clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the report
pub fn cpu_air_verifier(json: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("proof.json");
    std::fs::write(&path, json).expect("the proof is written");
    let out = std::process::Command::new(stone_binary("cpu_air_verifier"))
        .arg("--in_file")
        .arg(&path)
        .output()
        .expect("cpu_air_verifier starts");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

/// Proves `statement` with the real Stone `just stone` built, at the default parameters.
pub fn prove(statement: &starkrisk_domain::DecisionStatement) -> String {
    prove_with(&stone_binary("cpu_air_prover"), statement)
}

/// Proves `statement` with the cpu_air_prover at `binary` (or a wrapper of it), at the default parameters.
#[allow(clippy::expect_used)] // test support: a panic is the report
pub fn prove_with(binary: &std::path::Path, statement: &starkrisk_domain::DecisionStatement) -> String {
    let settings = crate::StoneSettings {
        prover_binary: Some(binary.to_path_buf()),
        timeout_secs: 1800,
        ..crate::StoneSettings::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let (proof, proven) = runtime
        .block_on(
            crate::StoneProver::new(settings).prove_statement(statement, starkrisk_domain::ports::TimeoutGrowth::NONE),
        )
        .expect("Stone proves the statement");
    assert!(proven == *statement, "Stone's proof states another decision");
    proof
}

/// The README's first decision: the example snapshot under model v1 registered for the risk program, so
/// its model hash is the one a vault expecting this program recomputes.
#[allow(clippy::expect_used)] // test support: a panic is the report
pub fn first_decision() -> starkrisk_domain::DecisionStatement {
    let program = crate::program::program_hash().expect("the committed risk program loads");
    let model = starkrisk_domain::examples::model(program);
    starkrisk_domain::DecisionStatement::under(&model, starkrisk_domain::examples::SNAPSHOT).0
}

/// A Stone proof of the risk program on [`first_decision`], made once per suite run ([`shared`]; once per
/// process without one) and shared by the tests that alter it.
pub fn risk_proof() -> &'static str {
    static PROOF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PROOF.get_or_init(|| {
        let decision = first_decision();
        shared::made_once("risk", &decision.to_felts(), || prove(&decision))
    })
}

/// One annotation pattern of each kind of element a proof carries: commitments, out-of-domain values,
/// FRI commitments and coefficients, the proof-of-work nonce, and the decommitted values and Merkle nodes
/// of the traces, the composition polynomial and the first, an inner and the last (`last_layer`) inner
/// FRI layer. Altering any one must make a proof fail to verify.
pub fn alterations(last_layer: usize) -> Vec<Vec<String>> {
    let fixed: [&[&str]; 13] = [
        &["Original/Commit on Trace"],
        &["Interaction/Commit on Trace"],
        &["Out Of Domain Sampling/Commit on Trace"],
        &["OODS values"],
        &["FRI/Commitment/Layer 3"],
        &["Last Layer: Coefficients"],
        &["Proof of Work"],
        &["Virtual Oracle/Trace 0: Row"],
        &["Virtual Oracle/Trace 0: For node"],
        &["Virtual Oracle/Trace 1: For node"],
        &["Virtual Oracle/Trace 2: For node"],
        &["FRI/Decommitment/Layer 1: Row"],
        &["FRI/Decommitment/Layer 1: For node"],
    ];
    let mut kinds: Vec<Vec<String>> = fixed.iter().map(|k| k.iter().map(|p| p.to_string()).collect()).collect();
    kinds.push(vec![format!("FRI/Decommitment/Layer {last_layer}: For node")]);
    kinds
}

/// Metrics from their five numbers (utilization, volatility, liquidity tier, audit score, age in days).
#[allow(clippy::expect_used)] // test support: a panic is the report
pub fn metrics(u: u64, v: u64, l: u64, a: u64, d: u64) -> starkrisk_domain::ProtocolMetrics {
    starkrisk_domain::ProtocolMetrics::from_parts(u, v, l, a, d).expect("metrics in range")
}

/// The decision a model v1 with `params`, bound to this crate's risk program, makes on these metrics and APYs.
#[allow(clippy::expect_used)] // test support: a panic is the report
pub fn statement(
    jediswap: starkrisk_domain::ProtocolMetrics,
    ekubo: starkrisk_domain::ProtocolMetrics,
    apy_j: u32,
    apy_e: u32,
    params: starkrisk_domain::ModelParams,
) -> starkrisk_domain::DecisionStatement {
    use starkrisk_domain::{Apy, DecisionStatement, MarketSnapshot, ModelHash, ModelVersion};
    let apy = |bps| Apy::new(bps).expect("an APY in range");
    let snapshot = MarketSnapshot::new(jediswap, ekubo, apy(apy_j), apy(apy_e)).expect("a valid snapshot");
    let hash =
        ModelHash::compute(ModelVersion::V1, &params, crate::program::program_hash().expect("the program loads"));
    DecisionStatement::compute(ModelVersion::V1, hash, params, snapshot).0
}

mod impostor;
pub use impostor::prove_impostor;
pub mod shared;
