//! `POST /api/v1/proofs/verify` under hostile input: real proofs mutated (bits flipped, bytes cut off or
//! added, fields removed, arrays truncated or enlarged, numbers out of range) are each answered with a
//! client error that gives a reason, or verify if the mutation did not touch what verification reads; no
//! panic escapes and no request answers 5xx. `STARKRISK_FUZZ_CASES` sets how many S-two proofs are tried
//! (2000 in the suite); Stone proofs, twenty times slower to verify, get a twentieth of that. `just fuzz`
//! runs more in a release build.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;

use std::sync::Arc;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use starkrisk_app::{Adapters, Role};
use starkrisk_domain::examples;
use starkrisk_stone::StoneVerifier;
use starkrisk_stwo::{SecurityParams, StwoVerifier, prove};

/// A small deterministic generator (xorshift64*), so a failing case is replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap()
    }
}

/// How many S-two cases to run.
fn cases() -> usize {
    std::env::var("STARKRISK_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
}

/// One byte-level mutation of an encoded proof.
fn mutate_bytes(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match rng.below(4) {
        0 => {
            let at = rng.below(out.len());
            out[at] ^= 1 << rng.below(8);
        }
        1 => out.truncate(rng.below(out.len())),
        2 => {
            let extra = 1 + rng.below(64);
            out.extend((0..extra).map(|_| rng.next().to_le_bytes()[0]));
        }
        _ => {
            let at = rng.below(out.len().saturating_sub(4));
            out[at..at + 4].copy_from_slice(&[0xff; 4]);
        }
    }
    out
}

/// Every JSON pointer in `value`, parents before children.
fn pointers(value: &Value, at: String, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            let child = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            into.push(child.clone());
            pointers(v, child, into);
        }),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| {
            let child = format!("{at}/{i}");
            into.push(child.clone());
            pointers(v, child, into);
        }),
        _ => {}
    }
}

/// One structural mutation of a proof's JSON at a random place.
fn mutate_json(proof: &Value, paths: &[String], rng: &mut Rng) -> Value {
    let mut out = proof.clone();
    let path = &paths[rng.below(paths.len())];
    let (parent, key) = path.rsplit_once('/').unwrap();
    let out_of_range =
        [json!(-1), json!(1e300), json!(format!("0x{}", "f".repeat(70))), json!("not a number"), json!(null)];
    match rng.below(4) {
        0 => match out.pointer_mut(if parent.is_empty() { "" } else { parent }).unwrap() {
            Value::Object(map) => {
                map.remove(&key.replace("~1", "/").replace("~0", "~"));
            }
            Value::Array(items) => {
                items.remove(key.parse::<usize>().unwrap());
            }
            _ => unreachable!("a parent is an object or an array"),
        },
        1 => {
            if let Value::Array(items) = out.pointer_mut(path).unwrap() {
                let keep = rng.below(items.len());
                items.truncate(keep);
            } else {
                *out.pointer_mut(path).unwrap() = out_of_range[rng.below(out_of_range.len())].clone();
            }
        }
        2 => {
            if let Value::Array(items) = out.pointer_mut(path).unwrap()
                && let Some(first) = items.first().cloned()
            {
                let extra = 1 + rng.below(8);
                items.extend(std::iter::repeat_n(first, extra));
            } else {
                *out.pointer_mut(path).unwrap() = json!([]);
            }
        }
        _ => *out.pointer_mut(path).unwrap() = out_of_range[rng.below(out_of_range.len())].clone(),
    }
    out
}

async fn app() -> TestApp {
    let verifiers: Vec<Arc<dyn starkrisk_domain::ports::ProofVerifier>> =
        vec![Arc::new(StwoVerifier::new(96)), Arc::new(StoneVerifier::new(96))];
    TestApp::start(Adapters { verifiers, ..Adapters::default() }).await
}

/// Sends `body` to the verify endpoint and checks the answer is a verification or a reasoned refusal.
async fn answer_is_sound(app: &TestApp, body: Value, case: usize) -> bool {
    let (status, answer) = app.post("/api/v1/proofs/verify", Role::Operator, body).await;
    assert!(!status.is_server_error(), "case {case}: {status} {answer}");
    if status == StatusCode::OK {
        return true;
    }
    assert!(status.is_client_error(), "case {case}: {status} {answer}");
    let reason = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(!reason.is_empty(), "case {case}: a refusal without a reason: {answer}");
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_stwo_proofs_are_refused_with_a_reason_never_a_server_error() {
    let app = app().await;
    let proof = prove(&examples::statement(), SecurityParams::DEFAULT).unwrap().to_bytes();
    let hex = |bytes: &[u8]| format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    assert!(answer_is_sound(&app, json!({"system": "stwo", "proof": hex(&proof)}), 0).await, "the real proof verifies");
    let mut rng = Rng(0x5eed_0001);
    let mut accepted = 0;
    for case in 1..=cases() {
        let mutated = mutate_bytes(&proof, &mut rng);
        accepted += usize::from(answer_is_sound(&app, json!({"system": "stwo", "proof": hex(&mutated)}), case).await);
    }
    assert_eq!(accepted, 0, "every change to an S-two proof's bytes is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_stone_proofs_are_refused_with_a_reason_never_a_server_error() {
    let app = app().await;
    let path = starkrisk_stone::testing::stone(starkrisk_stone::testing::RECURSIVE);
    let proof: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut paths = Vec::new();
    pointers(&proof, String::new(), &mut paths);
    let mut rng = Rng(0x5eed_0002);
    for case in 1..=cases() / 20 {
        let mutated = mutate_json(&proof, &paths, &mut rng);
        answer_is_sound(&app, json!({"system": "stone", "proof": mutated}), case).await;
    }
}
