//! Herodotus Integrity's hashes and the policy that decides whether an on-chain fact covers a decision.

use serde::{Deserialize, Serialize};
use starknet_types_core::hash::{Poseidon, StarkHash};

use crate::error::ValidationError;
use crate::felt::{FactHash, Felt, OutputHash, ProgramHash, VerificationHash, decode_short_string, short_string};

/// Poseidon in sponge form over a list (Cairo's `poseidon_hash_many`): Integrity's `H`.
pub fn poseidon_many(values: &[Felt]) -> Felt {
    Poseidon::hash_array(values)
}

impl ProgramHash {
    /// Integrity's program hash: H(program words as they stand in public memory).
    pub fn of_program(words: &[Felt]) -> Self {
        Self::new(poseidon_many(words))
    }
}

impl OutputHash {
    /// H(output words).
    pub fn of_output(words: &[Felt]) -> Self {
        Self::new(poseidon_many(words))
    }
}

impl FactHash {
    /// Integrity's fact: H([program_hash, output_hash]).
    pub fn compute(program: ProgramHash, output: OutputHash) -> Self {
        Self::new(poseidon_many(&[program.felt(), output.felt()]))
    }

    /// The fact of `child` run by the bootloader `bootloader` with output `output`, as Atlantic's proofs of
    /// a submitted PIE register it: the bootloader is the proven program and its output wraps the child's
    /// (Integrity's `calculate_bootloaded_fact_hash`).
    pub fn bootloaded(bootloader: ProgramHash, child: ProgramHash, output: &[Felt]) -> Self {
        Self::compute(bootloader, OutputHash::of_output(&bootloader_output(child, output)))
    }
}

/// What the simple bootloader outputs after running one task: the task count (1), the task's output size
/// with its two-word header, the task's program hash, then the task's output.
pub fn bootloader_output(child: ProgramHash, output: &[Felt]) -> Vec<Felt> {
    let mut words = Vec::with_capacity(output.len() + 3);
    words.extend([Felt::ONE, Felt::from(output.len() as u64 + 2), child.felt()]);
    words.extend_from_slice(output);
    words
}

/// The one task's program and output in a bootloader's `output`, or why `output` is not one task's.
pub fn bootloaded_task(output: &[Felt]) -> Result<(ProgramHash, &[Felt]), String> {
    let [tasks, size, program, task_output @ ..] = output else {
        return Err("the bootloader's output is shorter than its header".into());
    };
    if *tasks != Felt::ONE {
        return Err(format!("the bootloader ran {tasks} tasks, not one"));
    }
    if *size != Felt::from(task_output.len() as u64 + 2) {
        return Err(format!(
            "the bootloader's task size {size} is not its output's ({} words and the header)",
            task_output.len()
        ));
    }
    Ok((ProgramHash::new(*program), task_output))
}

/// The verifier a proof was checked with: four Cairo short strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VerifierConfig {
    /// Cairo layout (`recursive`).
    pub layout: String,
    /// Commitment hasher (`keccak_160_lsb`).
    pub hasher: String,
    /// Stone version (`stone6`).
    pub stone_version: String,
    /// Memory verification (`strict`, `relaxed` or `cairo1`).
    pub memory_verification: String,
}

impl VerifierConfig {
    /// The configuration starkrisk's risk program is proven and verified with.
    pub fn starkrisk() -> Self {
        Self::new("recursive", "keccak_160_lsb", "stone6", "strict")
    }

    /// The configuration a local chain's FactRegistry stand-in records an S-two verification under: no
    /// Integrity verifier is named, so no such record can pass for one on a public network.
    pub fn local_stwo() -> Self {
        Self::new("stwo_risk_air", "blake2s", "stwo", "local")
    }

    /// A configuration from its four names.
    pub fn new(layout: &str, hasher: &str, stone_version: &str, memory_verification: &str) -> Self {
        Self {
            layout: layout.into(),
            hasher: hasher.into(),
            stone_version: stone_version.into(),
            memory_verification: memory_verification.into(),
        }
    }

    /// The four short-string felts, in calldata order.
    pub fn to_felts(&self) -> Result<[Felt; 4], ValidationError> {
        Ok([
            short_string("layout", &self.layout)?,
            short_string("hasher", &self.hasher)?,
            short_string("stone_version", &self.stone_version)?,
            short_string("memory_verification", &self.memory_verification)?,
        ])
    }

    /// Decodes four felts read from the chain; `None` when one is not a short string.
    pub fn from_felts(felts: &[Felt; 4]) -> Option<Self> {
        Some(Self {
            layout: decode_short_string(&felts[0])?,
            hasher: decode_short_string(&felts[1])?,
            stone_version: decode_short_string(&felts[2])?,
            memory_verification: decode_short_string(&felts[3])?,
        })
    }

    /// H([layout, hasher, stone_version, memory_verification]).
    pub fn hash(&self) -> Result<Felt, ValidationError> {
        Ok(poseidon_many(&self.to_felts()?))
    }
}

impl VerificationHash {
    /// H([fact_hash, verifier_config_hash, security_bits]).
    pub fn compute(fact: FactHash, config: &VerifierConfig, security_bits: u32) -> Result<Self, ValidationError> {
        Ok(Self::new(poseidon_many(&[fact.felt(), config.hash()?, Felt::from(security_bits)])))
    }
}

/// One verification of a fact, as the FactRegistry reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactVerification {
    /// Its hash.
    pub verification_hash: VerificationHash,
    /// The security the verifier checked.
    pub security_bits: u32,
    /// The verifier used.
    pub verifier_config: VerifierConfig,
}

/// What an on-chain verification must show before a decision counts as verified on chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactPolicy {
    /// The verifier configuration that must have been used.
    pub expected_config: VerifierConfig,
    /// The minimum security bits.
    pub min_security_bits: u32,
}

impl FactPolicy {
    /// The first verification of `fact` meeting the policy; an empty list, a weaker one, another verifier or
    /// one whose hash does not recompute never does.
    pub fn accepting<'a>(&self, fact: FactHash, verifications: &'a [FactVerification]) -> Option<&'a FactVerification> {
        verifications.iter().find(|v| self.accepts(fact, v))
    }

    /// Whether one verification of `fact` meets the policy. Its hash is recomputed here from (fact,
    /// configuration, security bits), as Integrity computes it: an RPC answer whose hash does not follow
    /// from what it claims was not read from Integrity, and is not believed.
    pub fn accepts(&self, fact: FactHash, verification: &FactVerification) -> bool {
        verification.security_bits >= self.min_security_bits
            && verification.verifier_config == self.expected_config
            && verification.recomputes_for(fact)
    }
}

impl FactVerification {
    /// Whether its hash is H(fact, configuration hash, security bits): what Integrity stored it under.
    pub fn recomputes_for(&self, fact: FactHash) -> bool {
        VerificationHash::compute(fact, &self.verifier_config, self.security_bits)
            .is_ok_and(|hash| hash == self.verification_hash)
    }
}
