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
/// flipped between 0 and 1: the verifier reads the proof from its annotations, so this alters one
/// value, hash or nonce of the proof. Panics when no annotation matches.
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
    let at = text.rfind(')').expect("annotations end with a parenthesised value") - 1;
    let flipped = if &text[at..=at] == "0" { "1" } else { "0" };
    *line = serde_json::Value::String(format!("{}{flipped}{}", &text[..at], &text[at + 1..]));
    serde_json::to_string(&value).expect("JSON serialises")
}
