//! S-two proving and verification of one decision at the default 96-bit security, and the proof's size.
//! Run with `just bench`; targets on 2 cores: prove ≤ 5 ms median, verify ≤ 1 ms, proof ≤ 16 KB.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // a panic aborts the benchmark run

use criterion::{Criterion, criterion_group, criterion_main};
use starkrisk_domain::{Apy, DecisionStatement, examples};
use starkrisk_stwo::{SecurityParams, StwoVerifier, prove};

/// Decisions differing in one APY: the transcript is deterministic, so varying the input keeps the
/// proof-of-work from grinding the same nonce every iteration.
fn statements() -> Vec<DecisionStatement> {
    let base = examples::statement();
    (0..32)
        .map(|i| {
            let mut snapshot = base.snapshot;
            snapshot.ekubo_apy = Apy::new(1000 + i * 37).unwrap();
            DecisionStatement::compute(base.model_version, base.model_hash, base.params, snapshot).0
        })
        .collect()
}

fn stwo(c: &mut Criterion) {
    let statements = statements();
    let envelopes: Vec<_> = statements.iter().map(|s| prove(s, SecurityParams::DEFAULT).unwrap()).collect();
    let proofs: Vec<Vec<u8>> = envelopes.iter().map(|e| e.to_bytes()).collect();
    let shape = starkrisk_stwo::shape();
    eprintln!(
        "luminair/proof_size: {} bytes at {} bits, the envelope as stored and sent ({} bytes of stwo's proof \
         before deflating; {} columns, {} constraints)",
        proofs[0].len(),
        SecurityParams::DEFAULT.bits(),
        envelopes[0].proof.len(),
        shape.columns,
        shape.constraints
    );
    let mut next = 0;
    c.bench_function("stwo/prove", |b| {
        b.iter(|| {
            next = (next + 1) % statements.len();
            prove(&statements[next], SecurityParams::DEFAULT).unwrap()
        })
    });
    let verifier = StwoVerifier::new(96);
    c.bench_function("stwo/verify", |b| {
        b.iter(|| {
            next = (next + 1) % proofs.len();
            verifier.verify_bytes(&proofs[next]).unwrap()
        })
    });
}

criterion_group!(benches, stwo);
criterion_main!(benches);
