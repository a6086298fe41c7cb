//! Trace generation for one decision (cairo-vm, proof mode, with Stone's input files) and swiftness
//! verification of the shared recursive fixture. Run with `just bench`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a panic aborts the benchmark run

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use starkrisk_domain::examples;
use starkrisk_stone::StoneVerifier;
use starkrisk_stone::program;

fn trace_generation(c: &mut Criterion) {
    let inputs = program::inputs(&examples::statement());
    c.bench_function("stone/trace_generation", |b| {
        b.iter(|| {
            let run = program::run(&inputs).unwrap();
            run.prover_inputs().unwrap()
        });
    });
}

fn swiftness_verify(c: &mut Criterion) {
    let root = std::env::var_os("STARKRISK_FIXTURES")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures"), PathBuf::from);
    let json =
        std::fs::read_to_string(root.join("stone/recursive/cairo0_stone6_keccak_160_lsb_example_proof.json")).unwrap();
    let verifier = StoneVerifier::new(50);
    c.bench_function("stone/swiftness_verify_fixture", |b| b.iter(|| verifier.verify_json(&json).unwrap()));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(10));
    targets = trace_generation, swiftness_verify
}
criterion_main!(benches);
