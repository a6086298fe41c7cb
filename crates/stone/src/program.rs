//! The Cairo risk program, run in proof mode with cairo-vm: its output, and the four files Stone proves from.

use std::sync::LazyLock;

use cairo_vm::cairo_run::{
    CairoRunConfig, cairo_run_program_with_initial_scope, write_encoded_memory, write_encoded_trace,
};
use cairo_vm::types::builtin_name::BuiltinName;
use cairo_vm::types::exec_scope::ExecutionScopes;
use cairo_vm::types::layout_name::LayoutName;
use cairo_vm::types::program::Program;
use cairo_vm::types::relocatable::{MaybeRelocatable, Relocatable};
use cairo_vm::vm::runners::cairo_runner::CairoRunner;
use starkrisk_domain::{DecisionStatement, Felt, ProgramHash};
use starkrisk_domain::{STATEMENT_INPUTS, STATEMENT_LEN};

use crate::error::StoneError;
use crate::hints;

/// The compiled program (`cairo-compile --proof_mode`, cairo-lang 0.14.0.1), committed beside its source.
pub const COMPILED: &str = include_str!("../cairo/risk_compiled.json");
/// The program's source.
pub const SOURCE: &str = include_str!("../cairo/risk.cairo");

/// Words the program reads: the statement without its four results (the model's `STATEMENT_INPUTS`, then
/// the snapshot's block and hash). The program itself names only the first part, `MODEL_INPUTS`.
pub const N_INPUTS: usize = STATEMENT_LEN - 4;

/// Where the four results sit in the statement (and so in the program's output).
const RESULTS: std::ops::Range<usize> = STATEMENT_INPUTS..STATEMENT_INPUTS + 4;

static PROGRAM: LazyLock<Result<Program, String>> =
    LazyLock::new(|| Program::from_bytes(COMPILED.as_bytes(), Some("main")).map_err(|e| e.to_string()));

/// The parsed program.
pub fn program() -> Result<&'static Program, StoneError> {
    PROGRAM.as_ref().map_err(|e| StoneError::Failed(format!("the committed risk program does not load: {e}")))
}

/// Integrity's hash of the program as Stone proves it: Poseidon over its bytecode words.
pub fn program_hash() -> Result<ProgramHash, StoneError> {
    let words: Vec<Felt> = program()?
        .iter_data()
        .map(|word| match word {
            MaybeRelocatable::Int(value) => Ok(*value),
            MaybeRelocatable::RelocatableValue(_) => {
                Err(StoneError::Failed("the risk program's bytecode holds a relocatable word".into()))
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(ProgramHash::of_program(&words))
}

/// A finished proof-mode run.
pub struct RiskRun {
    runner: CairoRunner,
    /// The output segment: the statement the program computed.
    pub output: Vec<Felt>,
}

/// The statement's input words, as the program reads them.
pub fn inputs(statement: &DecisionStatement) -> Vec<Felt> {
    let felts = statement.to_felts();
    felts.iter().enumerate().filter(|(i, _)| !RESULTS.contains(i)).map(|(_, felt)| *felt).collect()
}

/// Runs the risk program in proof mode on `inputs` (layout `recursive`), keeping the trace.
pub fn run(inputs: &[Felt]) -> Result<RiskRun, StoneError> {
    let mut runner = execute(inputs, true)?;
    let output = read_output(&mut runner)?;
    Ok(RiskRun { runner, output })
}

/// The program's run on `statement`'s inputs as a Cairo PIE zip (not proof mode), what Atlantic proves.
pub fn pie(statement: &DecisionStatement) -> Result<Vec<u8>, StoneError> {
    let runner = execute(&inputs(statement), false)?;
    let pie = runner.get_cairo_pie().map_err(|e| StoneError::Failed(format!("building the Cairo PIE: {e}")))?;
    let dir = tempfile::tempdir().map_err(|e| StoneError::Failed(format!("a temporary directory: {e}")))?;
    let path = dir.path().join("risk.pie.zip");
    pie.write_zip_file(&path, true).map_err(|e| StoneError::Failed(format!("writing the Cairo PIE: {e}")))?;
    std::fs::read(&path).map_err(|e| StoneError::Failed(format!("reading the Cairo PIE back: {e}")))
}

fn execute(inputs: &[Felt], proof_mode: bool) -> Result<CairoRunner, StoneError> {
    if inputs.len() != N_INPUTS {
        return Err(StoneError::Failed(format!("the risk program reads {N_INPUTS} words, not {}", inputs.len())));
    }
    let mut hints = hints::processor();
    let mut scopes = ExecutionScopes::new();
    scopes.assign_or_update_variable("program_input", Box::new(inputs.to_vec()));
    let config = CairoRunConfig {
        entrypoint: "main",
        trace_enabled: true,
        relocate_mem: true,
        relocate_trace: true,
        layout: LayoutName::recursive,
        proof_mode,
        secure_run: Some(true),
        ..CairoRunConfig::default()
    };
    cairo_run_program_with_initial_scope(program()?, &config, &mut hints, scopes)
        .map_err(|e| StoneError::Failed(format!("the risk program refused its input: {e}")))
}

fn read_output(runner: &mut CairoRunner) -> Result<Vec<Felt>, StoneError> {
    let output = runner
        .vm
        .get_builtin_runners()
        .iter()
        .find(|b| b.name() == BuiltinName::output)
        .ok_or_else(|| StoneError::Failed("the risk program has no output builtin".into()))?;
    let segment = output.base();
    let used = runner.vm.segments.compute_effective_sizes().get(segment).copied().unwrap_or(0);
    (0..used)
        .map(|offset| {
            let address = Relocatable::from((isize::try_from(segment).unwrap_or(isize::MAX), offset));
            runner
                .vm
                .get_integer(address)
                .map(|v| *v)
                .map_err(|e| StoneError::Failed(format!("output word {offset}: {e}")))
        })
        .collect()
}

/// The files `cpu_air_prover` reads, in memory.
pub struct ProverInputs {
    /// Trace steps after padding (a power of two).
    pub n_steps: u64,
    /// Binary trace (ap, fp, pc little-endian).
    pub trace: Vec<u8>,
    /// Binary memory (address, value little-endian).
    pub memory: Vec<u8>,
    /// AIR public input JSON.
    pub public_input: String,
    /// AIR private input JSON without the file paths (added when written).
    private_input: cairo_vm::air_private_input::AirPrivateInput,
}

impl RiskRun {
    /// The statement the program output, decoded and range-checked.
    pub fn statement(&self) -> Result<DecisionStatement, StoneError> {
        DecisionStatement::from_felts(&self.output)
            .map_err(|e| StoneError::Failed(format!("the program's output is not a statement: {e}")))
    }

    /// Trace, memory and AIR inputs for Stone.
    pub fn prover_inputs(&self) -> Result<ProverInputs, StoneError> {
        let trace_entries =
            self.runner.relocated_trace.as_ref().ok_or_else(|| StoneError::Failed("the run kept no trace".into()))?;
        let mut trace = Vec::with_capacity(trace_entries.len() * 24);
        write_encoded_trace(trace_entries, &mut trace).map_err(|e| StoneError::Failed(format!("trace: {e}")))?;
        let mut memory = Vec::new();
        write_encoded_memory(&self.runner.relocated_memory, &mut memory)
            .map_err(|e| StoneError::Failed(format!("memory: {e}")))?;
        let public_input = self
            .runner
            .get_air_public_input()
            .and_then(|p| p.serialize_json())
            .map_err(|e| StoneError::Failed(format!("public input: {e}")))?;
        Ok(ProverInputs {
            n_steps: u64::try_from(trace_entries.len()).unwrap_or(u64::MAX),
            trace,
            memory,
            public_input,
            private_input: self.runner.get_air_private_input(),
        })
    }
}

impl ProverInputs {
    /// The private input JSON, naming where the trace and memory files are.
    pub fn private_input(&self, trace_path: &str, memory_path: &str) -> Result<String, StoneError> {
        self.private_input
            .clone()
            .to_serializable(trace_path.to_string(), memory_path.to_string())
            .serialize_json()
            .map_err(|e| StoneError::Failed(format!("private input: {e}")))
    }
}

/// Runs the program on a statement's inputs and returns the statement it computes.
pub fn compute(statement: &DecisionStatement) -> Result<(RiskRun, DecisionStatement), StoneError> {
    let run = run(&inputs(statement))?;
    let computed = run.statement()?;
    Ok((run, computed))
}

/// The hints the compiled program carries, each of which cairo-vm must run as Rust (see `hints`).
pub fn carried_hints() -> Result<Vec<String>, StoneError> {
    hints::carried(COMPILED).map_err(StoneError::Failed)
}
