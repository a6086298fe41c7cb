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
