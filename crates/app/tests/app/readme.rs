//! The README's "A first decision" walk, replayed through the API: the bodies it tells a newcomer to send
//! are the ones posted here, and the answer it shows is the answer they get. The walk registers a model
//! before it decides, so the numbers it shows are that model's, not the defaults'.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;
use starkrisk_app::Role;

const README: &str = include_str!("../../../../README.md");

/// The shell block under "## A first decision".
fn first_decision_block() -> &'static str {
    let section = README.split("## A first decision").nth(1).expect("the README has a first-decision section");
    let block = section.split("```sh").nth(1).expect("the section has a shell block");
    block.split("```").next().expect("the block is closed")
}

/// Every body the block sends with `-d '…'`, in order.
fn bodies(block: &str) -> Vec<Value> {
    block
        .split("-d '")
        .skip(1)
        .map(|rest| {
            let body = rest.split('\'').next().expect("a body is quoted to its end");
            serde_json::from_str(body).unwrap_or_else(|e| panic!("a README body is not JSON ({e}): {body}"))
        })
        .collect()
}

/// The `"name":value` pairs of the answer the block shows after `# →`: numbers, and strings other than
/// the `"…"` that stands for an id.
fn shown_fields(block: &str) -> Vec<(String, Value)> {
    let shown = block.split("# →").nth(1).expect("the block shows an answer");
    let shown: String = shown.lines().take_while(|line| !line.trim().is_empty()).collect();
    let parts: Vec<&str> = shown.split('"').collect();
    // Odd pieces sit inside quotes: a name, then what follows it up to the next quote, then that quote's text.
    (1..parts.len().saturating_sub(2))
        .step_by(2)
        .filter_map(|i| {
            let (name, after, next) = (parts[i], parts[i + 1], parts[i + 2]);
            let digits: String = after.strip_prefix(':')?.chars().take_while(char::is_ascii_digit).collect();
            let value = match digits.parse::<u64>() {
                Ok(number) => Value::from(number),
                Err(_) if after == ":" && next != "…" => Value::from(next),
                Err(_) => return None,
            };
            Some((name.to_string(), value))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_decision_answers_what_the_readme_shows() {
    let block = first_decision_block();
    let [register, orchestrate] = <[Value; 2]>::try_from(bodies(block)).expect("a register and an orchestrate body");
    let shown = shown_fields(block);
    for needed in
        ["status", "jediswap_pct", "ekubo_pct", "jediswap_risk", "ekubo_risk", "model_version", "proof_status"]
    {
        assert!(shown.iter().any(|(name, _)| name == needed), "the README's answer shows no {needed}: {shown:?}");
    }

    let app = TestApp::start(full_adapters()).await;
    // The server registers model v1 on its first start; the walk's registration makes v2.
    app.register_model().await;
    let (status, model) = app.post("/api/v1/model-registry/register", Role::Admin, register).await;
    assert_eq!((status, &model["version"]), (StatusCode::CREATED, &Value::from(2)), "{model}");

    let (status, decision) = app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Admin, orchestrate).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{decision}");
    for (name, value) in shown {
        assert_eq!(decision[&name], value, "the README shows {name} {value}; the API answered {decision}");
    }
}
