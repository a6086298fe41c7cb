//! The served OpenAPI document is the API's contract: schemathesis generates requests from it (valid ones,
//! ones breaking each declared bound, undeclared methods) against `serve` on Postgres, and every answer must
//! be documented, match its declared schema and content type, and never be a server error.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use std::path::PathBuf;
use std::process::Command;

use common::*;
use starkrisk_app::Role;

/// schemathesis' `st`, installed by deploy/local/schemathesis.sh (which `just test` runs).
fn schemathesis() -> PathBuf {
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = std::env::var_os("STARKRISK_SCHEMATHESIS_VENV")
        .map_or_else(|| project.join(".data/schemathesis-venv"), |v| project.join(v));
    let st = venv.join("bin/st");
    assert!(st.exists(), "schemathesis is not installed at {}: run deploy/local/schemathesis.sh", st.display());
    st
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_to_requests_generated_from_the_spec_is_documented_and_none_is_a_server_error() {
    let st = schemathesis();
    let app = TestApp::start_on_postgres(full_adapters()).await;
    app.register_model().await;
    // A decision and its job exist, so reads of real ids are exercised beside the generated ones.
    let (status, decision) =
        app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await;
    assert!(status.is_success(), "{decision}");
    let token = app.token(Role::Admin);
    // A fixed seed keeps the suite reproducible; STARKRISK_SCHEMATHESIS_SEED and _EXAMPLES widen a run by hand.
    let seed = std::env::var("STARKRISK_SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261201".into());
    let examples = std::env::var("STARKRISK_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "20".into());
    let spec = format!("{}/api/v1/openapi.json", app.base);
    let workdir = tempfile::tempdir().unwrap();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(st)
            .current_dir(workdir.path())
            .env("NO_COLOR", "1")
            .args(["run", &spec, "--header", &format!("Authorization: Bearer {token}")])
            // Every check but positive_data_acceptance: the spec cannot express the rules that span fields or
            // state (a cursor is one the API returned, metrics are required unless `source` is `chain`, a
            // proof needs its `system`), so some schema-valid requests are rightly refused with 422.
            .args(["--checks", "all", "--exclude-checks", "positive_data_acceptance"])
            .args(["--max-examples", &examples, "--seed", &seed, "--request-timeout", "10"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let generated = report.lines().find(|l| l.contains(" generated,")).unwrap_or_default();
    assert!(generated.contains("passed"), "schemathesis ran no test cases:\n{report}");
}
