//! A parsed Stone proof and what its public memory says: the program, the output, the layout.

use std::collections::HashMap;

use starkrisk_domain::{FactHash, Felt, OutputHash, ProgramHash};
use swiftness_proof_parser::StarkProof;

use crate::error::StoneError;
use crate::felts::from_biguint;

/// Segment indices in the public input of the layouts starkrisk uses (program, execution, output, …).
const EXECUTION_SEGMENT: usize = 1;
const OUTPUT_SEGMENT: usize = 2;
/// The program starts at address 1 of the main page.
const INITIAL_PC: u32 = 1;

/// A Stone proof, parsed.
pub struct StoneProof {
    /// The proof as the parser reads it.
    pub parsed: StarkProof,
}

impl StoneProof {
    /// Parses Stone's proof JSON (as `cpu_air_prover --generate_annotations` writes it).
    pub fn parse(json: &str) -> Result<Self, StoneError> {
        Ok(Self { parsed: crate::parse::parse(json)? })
    }

    /// The layout named in the public input (`recursive`, `small`, …).
    pub fn layout(&self) -> String {
        let felt = from_biguint(&self.parsed.public_input.layout).unwrap_or(Felt::ZERO);
        starkrisk_domain::decode_short_string(&felt).unwrap_or_else(|| format!("{felt:#x}"))
    }

    /// The security the proof's configuration gives (conjectured): n_queries · log_n_cosets + proof-of-work bits.
    pub fn security_bits(&self) -> u32 {
        self.security().conjectured_bits
    }

    /// The security the proof's configuration gives, under both regimes.
    pub fn security(&self) -> starkrisk_domain::SecurityLevel {
        let c = &self.parsed.config;
        starkrisk_domain::SecurityLevel::of_fri(c.n_queries, c.log_n_cosets, c.proof_of_work.n_bits)
    }

    fn memory(&self) -> Result<HashMap<u32, Felt>, StoneError> {
        self.parsed
            .public_input
            .main_page
            .iter()
            .map(|cell| {
                from_biguint(&cell.value)
                    .map(|v| (cell.address, v))
                    .ok_or_else(|| StoneError::Malformed(format!("memory cell {} is not a felt", cell.address)))
            })
            .collect()
    }

    fn segment(&self, index: usize, name: &str) -> Result<(u32, u32), StoneError> {
        let segment = self
            .parsed
            .public_input
            .segments
            .get(index)
            .ok_or_else(|| StoneError::Malformed(format!("the public input has no {name} segment")))?;
        Ok((segment.begin_addr, segment.stop_ptr))
    }

    fn read(&self, memory: &HashMap<u32, Felt>, from: u32, to: u32, what: &str) -> Result<Vec<Felt>, StoneError> {
        (from..to)
            .map(|address| {
                memory.get(&address).copied().ok_or_else(|| {
                    StoneError::Malformed(format!("{what} word at address {address} is not in public memory"))
                })
            })
            .collect()
    }

    /// The program words in public memory, `[initial_pc, initial_fp - 2)`.
    pub fn program(&self) -> Result<Vec<Felt>, StoneError> {
        let memory = self.memory()?;
        let (initial_fp, _) = self.segment(EXECUTION_SEGMENT, "execution")?;
        self.read(&memory, INITIAL_PC, initial_fp.saturating_sub(2), "program")
    }

    /// The output words, `[output.begin_addr, output.stop_ptr)`.
    pub fn output(&self) -> Result<Vec<Felt>, StoneError> {
        let memory = self.memory()?;
        let (begin, stop) = self.segment(OUTPUT_SEGMENT, "output")?;
        self.read(&memory, begin, stop, "output")
    }

    /// Integrity's program hash, output hash and fact hash for this proof.
    pub fn fact(&self) -> Result<(ProgramHash, OutputHash, FactHash), StoneError> {
        let program = ProgramHash::of_program(&self.program()?);
        let output = OutputHash::of_output(&self.output()?);
        Ok((program, output, FactHash::compute(program, output)))
    }
}
