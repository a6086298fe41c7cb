//! cairo-vm runs the committed program exactly as Python's `cairo-run` (cairo-lang 0.14.0.1) does: the same
//! output, trace and memory bytes. `just test` installs cairo-lang under .data first (deploy/local/cairo.sh).

use std::path::PathBuf;
use std::process::Command;

use starkrisk_domain::*;
use starkrisk_stone::program;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The example decision, and the clamping vectors of docs/risk-model.md with the extreme APYs: every
/// branch of the program (young and old, clamped up and down, a zero APY) runs under both VMs.
fn vectors() -> Vec<DecisionStatement> {
    let clamped = |j: [u64; 5], e: [u64; 5], apy_j, apy_e| {
        let metrics = |m: [u64; 5]| ProtocolMetrics::from_parts(m[0], m[1], m[2], m[3], m[4]).unwrap();
        let snapshot =
            MarketSnapshot::new(metrics(j), metrics(e), Apy::new(apy_j).unwrap(), Apy::new(apy_e).unwrap()).unwrap();
        DecisionStatement::under(&examples::model(ProgramHash::new(Felt::ONE)), snapshot).0
    };
    vec![
        examples::statement(),
        clamped([0, 0, 0, 100, 10_000], [10_000, 10_000, 3, 0, 0], 0, 1_000_000),
        clamped([10_000, 10_000, 3, 0, 0], [0, 0, 0, 100, 1_000_000], 1_000_000, 1),
    ]
}

#[test]
fn cairo_vm_and_python_cairo_run_produce_the_same_trace_and_memory() {
    for statement in vectors() {
        same_run(&statement);
    }
}

fn same_run(statement: &DecisionStatement) {
    let python = starkrisk_stone::testing::cairo_python();
    assert!(python.exists(), "cairo-lang is not installed: run deploy/local/cairo.sh (just test does)");
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<String> = program::inputs(statement).iter().map(|f| f.to_string()).collect();
    let input_file = dir.path().join("input.json");
    std::fs::write(&input_file, format!("{{\"inputs\": [{}]}}", inputs.join(", "))).unwrap();
    let out = Command::new(&python)
        .arg(root().join("deploy/local/cairo_run_py311.py"))
        .args(["--layout", "recursive", "--proof_mode", "--print_output"])
        .arg("--program")
        .arg(root().join("crates/stone/cairo/risk_compiled.json"))
        .arg("--program_input")
        .arg(&input_file)
        .arg("--trace_file")
        .arg(dir.path().join("trace.bin"))
        .arg("--memory_file")
        .arg(dir.path().join("memory.bin"))
        .output()
        .unwrap();
    assert!(out.status.success(), "cairo-run failed: {}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8(out.stdout).unwrap();
    let python_output: Vec<String> = printed
        .lines()
        .skip_while(|l| !l.starts_with("Program output"))
        .skip(1)
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();

    let run = program::run(&program::inputs(statement)).unwrap();
    let ours: Vec<String> = run.output.iter().map(|f| f.to_string()).collect();
    assert_eq!(python_output, ours, "program output");
    assert_eq!(run.statement().unwrap(), *statement, "the domain's numbers");
    let files = run.prover_inputs().unwrap();
    assert!(std::fs::read(dir.path().join("trace.bin")).unwrap() == files.trace, "trace bytes differ from cairo-run's");
    // cairo-run writes memory cells in its own order; Stone reads (address, value) pairs, so compare those.
    let python_memory = cells(&std::fs::read(dir.path().join("memory.bin")).unwrap());
    assert_eq!(python_memory.len(), files.memory.len() / 40);
    assert!(python_memory == cells(&files.memory), "memory cells differ from cairo-run's");
}

/// The (address, value) cells of a binary memory file: 8-byte address, 32-byte value, little-endian.
fn cells(bytes: &[u8]) -> std::collections::BTreeMap<u64, Vec<u8>> {
    bytes.chunks_exact(40).map(|cell| (u64::from_le_bytes(cell[..8].try_into().unwrap()), cell[8..].to_vec())).collect()
}
