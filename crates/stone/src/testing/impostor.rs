//! Another Cairo program with the risk program's output length, proven by the real Stone: it copies 31
//! given words to its output, so it can state any decision, numbers and model hash included, without
//! computing it. Like the risk program it declares every builtin of the layout, so Integrity's strict
//! memory verification takes it: only its program hash tells it apart.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a panic is the report

use starkrisk_domain::Felt;

use crate::{StoneProver, StoneSettings};

const IMPOSTOR: &str = r#"%builtins output pedersen range_check bitwise
from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.cairo_builtins import BitwiseBuiltin, HashBuiltin
from starkware.cairo.common.memcpy import memcpy

func main{output_ptr: felt*, pedersen_ptr: HashBuiltin*, range_check_ptr, bitwise_ptr: BitwiseBuiltin*}() {
    alloc_locals;
    let (words: felt*) = alloc();
    %{ segments.write_arg(ids.words, program_input["words"]) %}
    memcpy(output_ptr, words, 31);
    let output_ptr = output_ptr + 31;
    return ();
}
"#;

/// Proves the impostor on `words` with Python's cairo-compile and cairo-run and the real cpu_air_prover,
/// once per suite run for the same words (`super::shared`).
pub fn prove_impostor(words: &[Felt]) -> String {
    super::shared::made_once("impostor", words, || proven(words))
}

fn proven(words: &[Felt]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("impostor.cairo"), IMPOSTOR).unwrap();
    let python = super::cairo_python();
    let compile = python.with_file_name("cairo-compile");
    let run = |command: &mut std::process::Command| {
        let out = command.output().unwrap();
        assert!(out.status.success(), "{command:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(std::process::Command::new(compile)
        .args(["--proof_mode", "--no_debug_info", "--output"])
        .arg(path("impostor.json"))
        .arg(path("impostor.cairo")));
    let input: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    std::fs::write(path("input.json"), format!("{{\"words\": [{}]}}", input.join(", "))).unwrap();
    let launcher = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/local/cairo_run_py311.py");
    let mut cairo_run = std::process::Command::new(&python);
    cairo_run.arg(launcher).args(["--layout", "recursive", "--proof_mode", "--program"]).arg(path("impostor.json"));
    for (flag, file) in [
        ("--program_input", "input.json"),
        ("--trace_file", "trace.bin"),
        ("--memory_file", "memory.bin"),
        ("--air_public_input", "public.json"),
        ("--air_private_input", "private.json"),
    ] {
        cairo_run.arg(flag).arg(path(file));
    }
    run(&mut cairo_run);
    let public: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("public.json")).unwrap()).unwrap();
    let stone = StoneProver::new(StoneSettings::default());
    let parameters = stone.parameters(public["n_steps"].as_u64().unwrap()).unwrap();
    std::fs::write(path("params.json"), parameters.to_string()).unwrap();
    std::fs::write(path("config.json"), stone.prover_config().to_string()).unwrap();
    let mut prover = std::process::Command::new(super::stone_binary("cpu_air_prover"));
    for (flag, file) in [
        ("--parameter_file", "params.json"),
        ("--prover_config_file", "config.json"),
        ("--public_input_file", "public.json"),
        ("--private_input_file", "private.json"),
        ("--out_file", "proof.json"),
    ] {
        prover.arg(flag).arg(path(file));
    }
    run(prover.arg("--generate_annotations").current_dir(dir.path()));
    std::fs::read_to_string(path("proof.json")).unwrap()
}
