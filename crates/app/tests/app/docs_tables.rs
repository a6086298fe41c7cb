//! docs/architecture.md's tables are the map a contributor reads first: every operation the OpenAPI
//! document serves has a row naming its use case, and every port of the domain a row naming its adapters.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use std::path::PathBuf;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn architecture() -> String {
    std::fs::read_to_string(project().join("docs/architecture.md")).unwrap()
}

/// The first cells of the table under `heading`.
fn first_cells(doc: &str, heading: &str) -> Vec<String> {
    let section = doc.split(heading).nth(1).unwrap_or_else(|| panic!("no `{heading}` in docs/architecture.md"));
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("|---"))
        .skip(1)
        .map(|l| l.split(" | ").next().unwrap().trim_start_matches("| ").to_string())
        .collect()
}

#[test]
fn every_served_operation_has_a_row_in_the_endpoint_table() {
    let spec: serde_json::Value = serde_json::from_str(&starkrisk_app::http::openapi::json().unwrap()).unwrap();
    let rows = first_cells(&architecture(), "## Endpoints and their use cases");
    let mut missing = Vec::new();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let cell = format!("`{} {path}`", method.to_uppercase());
            if !rows.contains(&cell) {
                missing.push(cell);
            }
        }
    }
    assert!(missing.is_empty(), "docs/architecture.md's endpoint table lacks {missing:?}");
}

#[test]
fn every_port_of_the_domain_has_a_row_in_the_port_table() {
    let rows = first_cells(&architecture(), "## Ports").join(" ");
    let ports = project().join("crates/domain/src/ports");
    let mut missing = Vec::new();
    for file in std::fs::read_dir(ports).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        for line in text.lines().filter(|l| l.starts_with("pub trait ")) {
            let name: String = line["pub trait ".len()..].chars().take_while(|c| c.is_alphanumeric()).collect();
            if !rows.contains(&format!("`{name}`")) {
                missing.push(name);
            }
        }
    }
    assert!(missing.is_empty(), "docs/architecture.md's port table lacks {missing:?}");
}
