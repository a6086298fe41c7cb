//! Trace generation for one decision (cairo-vm, proof mode, with Stone's input files), Stone proving one
//! decision at the default 96 bits (time here; the prover's peak memory and the proof's size printed beside
//! it), and swiftness verification of the shared recursive fixture and of our own proof. Run with `just bench`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a panic aborts the benchmark run

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use starkrisk_domain::examples;
use starkrisk_stone::program;
use starkrisk_stone::{StoneProof, StoneVerifier};
use swiftness::TransformTo;

fn trace_generation(c: &mut Criterion) {
    let inputs = program::inputs(&examples::statement());
    c.bench_function("stone/trace_generation", |b| {
        b.iter(|| {
            let run = program::run(&inputs).unwrap();
            run.prover_inputs().unwrap()
        });
    });
}

/// The shared recursive fixture, verified as the service does (parse, then every check), and the two
/// halves apart beside swiftness' own `verify` (which skips the inner FRI layers' Merkle checks): the
/// baseline the issue compares with, in the same run.
fn verify_fixture(c: &mut Criterion) {
    let path = starkrisk_stone::testing::stone(starkrisk_stone::testing::RECURSIVE);
    let json = std::fs::read_to_string(path).unwrap();
    let verifier = StoneVerifier::new(50);
    c.bench_function("stone/verify_fixture", |b| b.iter(|| verifier.verify_json(&json).unwrap()));
    c.bench_function("stone/parse_fixture", |b| b.iter(|| StoneProof::parse(&json).unwrap()));
    let proof = StoneProof::parse(&json).unwrap();
    c.bench_function("stone/verify_parsed", |b| b.iter(|| verifier.verify_parsed(&proof).unwrap()));
    c.bench_function("stone/swiftness_verify_baseline", |b| {
        b.iter(|| {
            let stark: swiftness::types::StarkProof = proof.parsed.clone().transform_to();
            stark.verify::<swiftness_air::layout::recursive::Layout>(50u32.into()).unwrap()
        })
    });
}

/// One decision proven by the cpu_air_prover `just stone` built, as the service runs it, then our proof
/// verified as the service verifies it. The prover's peak memory is read once, through /usr/bin/time.
fn prove_one_decision(c: &mut Criterion) {
    if starkrisk_stone::install::installed("cpu_air_prover").is_none() {
        eprintln!("stone/prove_decision skipped: run `just stone` first");
        return;
    }
    let statement = examples::statement();
    // `cargo test` runs each benchmark once, as a smoke test: there the suite's shared proof of the README's
    // decision (made once per run by the real Stone, as every proof here) serves the verification, and the
    // proving and the peak memory (one more proof, under /usr/bin/time) are left to `just bench`.
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let proof =
        if measuring { proof_with_peak_memory(&statement) } else { starkrisk_stone::testing::risk_proof().to_string() };
    let mut group = c.benchmark_group("stone");
    group.sample_size(10).measurement_time(Duration::from_secs(150));
    if measuring {
        group.bench_function("prove_decision", |b| b.iter(|| starkrisk_stone::testing::prove(&statement)));
    }
    let verifier = StoneVerifier::new(96);
    group.bench_function("verify_our_proof", |b| b.iter(|| verifier.verify_json(&proof).unwrap()));
    group.finish();
}

/// A proof of `statement`, made once under /usr/bin/time to print the prover's peak resident memory.
fn proof_with_peak_memory(statement: &starkrisk_domain::DecisionStatement) -> String {
    let dir = tempfile::tempdir().unwrap();
    let (wrapper, peak) = (dir.path().join("cpu_air_prover"), dir.path().join("peak_kb"));
    let real = starkrisk_stone::testing::stone_binary("cpu_air_prover");
    let script = format!("#!/bin/sh\nexec /usr/bin/time -o {} -f %M {} \"$@\"\n", peak.display(), real.display());
    std::fs::write(&wrapper, script).unwrap();
    std::process::Command::new("chmod").arg("755").arg(&wrapper).status().unwrap();
    let proof = starkrisk_stone::testing::prove_with(&wrapper, statement);
    let peak_kb: u64 = std::fs::read_to_string(&peak).unwrap().trim().parse().unwrap();
    eprintln!("stone/prove_decision: proof {} bytes, cpu_air_prover peak resident {} MB", proof.len(), peak_kb / 1024);
    proof
}

/// The same run under Python's cairo-run (cairo-lang 0.14.0.1), writing the same four files.
fn python_cairo_run(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = starkrisk_stone::testing::cairo_python();
    if !python.exists() {
        eprintln!("stone/python_cairo_run skipped: run deploy/local/cairo.sh --install first");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<String> = program::inputs(&examples::statement()).iter().map(|f| f.to_string()).collect();
    let input = dir.path().join("input.json");
    std::fs::write(&input, format!("{{\"inputs\": [{}]}}", inputs.join(", "))).unwrap();
    let mut group = c.benchmark_group("stone");
    group.sample_size(10).measurement_time(Duration::from_secs(60));
    group.bench_function("python_cairo_run", |b| {
        b.iter(|| {
            let status = std::process::Command::new(&python)
                .arg(root.join("deploy/local/cairo_run_py311.py"))
                .args(["--layout", "recursive", "--proof_mode"])
                .arg("--program")
                .arg(root.join("crates/stone/cairo/risk_compiled.json"))
                .arg("--program_input")
                .arg(&input)
                .arg("--trace_file")
                .arg(dir.path().join("trace.bin"))
                .arg("--memory_file")
                .arg(dir.path().join("memory.bin"))
                .arg("--air_public_input")
                .arg(dir.path().join("public.json"))
                .arg("--air_private_input")
                .arg(dir.path().join("private.json"))
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(10));
    targets = trace_generation, verify_fixture, prove_one_decision, python_cairo_run
}
criterion_main!(benches);
