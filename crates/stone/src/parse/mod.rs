//! Stone's proof JSON (`cpu_air_prover --generate_annotations`) into swiftness' proof types, producing
//! the same proof as swiftness' own parser (a test holds the two equal on every fixture) in a fraction
//! of its time, and refusing malformed input with an error where that parser would panic.

mod annotations;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use num_bigint::BigUint;
use serde::Deserialize;
use serde_json::value::RawValue;
use swiftness_proof_parser::json_parser::{self, PublicMemoryElement, log2_if_power_of_2};
use swiftness_proof_parser::layout::Layout;
use swiftness_proof_parser::stark_proof::{
    FriLayerWitness, FriUnsentCommitment, FriWitness, ProofOfWorkUnsentCommitment, PubilcMemoryCell, PublicInput,
    SegmentInfo, StarkProof, StarkUnsentCommitment, StarkWitness, TableCommitmentWitness, TableCommitmentWitnessFlat,
    TableDecommitment, TracesDecommitment, TracesUnsentCommitment, TracesWitness, VectorCommitmentWitness,
    VectorCommitmentWitnessFlat,
};

use self::annotations::Annotations;
use crate::error::StoneError;

/// Cairo's memory segments in the order the public input lists them.
const SEGMENT_ORDER: [&str; 13] = [
    "program",
    "execution",
    "output",
    "pedersen",
    "range_check",
    "ecdsa",
    "bitwise",
    "ec_op",
    "keccak",
    "poseidon",
    "range_check96",
    "add_mod",
    "mul_mod",
];

#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow)]
    proof_parameters: &'a RawValue,
    #[serde(borrow)]
    annotations: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    public_input: &'a RawValue,
}

#[derive(Deserialize)]
struct Parameters {
    stark: Stark,
}

#[derive(Deserialize)]
struct Stark {
    fri: Fri,
}

#[derive(Deserialize)]
struct Fri {
    fri_step_list: Vec<u32>,
}

#[derive(Deserialize)]
struct RawPublicInput<'a> {
    dynamic_params: Option<BTreeMap<String, u32>>,
    layout: Layout,
    memory_segments: BTreeMap<String, Segment>,
    n_steps: u32,
    #[serde(borrow)]
    public_memory: &'a RawValue,
    rc_min: u32,
    rc_max: u32,
}

#[derive(Deserialize)]
struct Segment {
    begin_addr: u32,
    stop_ptr: u32,
}

#[derive(Deserialize)]
struct MemoryCell<'a> {
    address: u32,
    page: u32,
    #[serde(borrow)]
    value: Cow<'a, str>,
}

fn malformed(what: impl std::fmt::Display) -> StoneError {
    StoneError::Malformed(format!("not a Stone proof with annotations: {what}"))
}

/// Parses Stone's proof JSON.
pub fn parse(json: &str) -> Result<StarkProof, StoneError> {
    let document: Document<'_> = serde_json::from_str(json).map_err(malformed)?;
    let parameters: Parameters = serde_json::from_str(document.proof_parameters.get()).map_err(malformed)?;
    // The configuration is derived from the parameters and the public input alone, so swiftness' own
    // derivation runs on a document without annotations, where its parser costs nothing.
    let skeleton = format!(
        r#"{{"proof_parameters":{},"annotations":[],"public_input":{}}}"#,
        document.proof_parameters.get(),
        document.public_input.get()
    );
    let skeleton: json_parser::StarkProof = serde_json::from_str(&skeleton).map_err(malformed)?;
    let config = skeleton.stark_config().map_err(|e| malformed(format!("{e:#}")))?;
    let annotations = Annotations::read(&document.annotations, parameters.stark.fri.fri_step_list.len())?;
    let public_input = public_input(document.public_input, &annotations)?;
    Ok(StarkProof {
        config,
        public_input,
        unsent_commitment: unsent_commitment(&annotations)?,
        witness: witness(annotations),
    })
}

fn public_input(raw: &RawValue, annotations: &Annotations) -> Result<PublicInput, StoneError> {
    let input: RawPublicInput<'_> = serde_json::from_str(raw.get()).map_err(malformed)?;
    let cells: Vec<MemoryCell<'_>> = serde_json::from_str(input.public_memory.get()).map_err(malformed)?;
    let value = |cell: &MemoryCell<'_>| {
        let digits = cell.value.strip_prefix("0x").unwrap_or(&cell.value);
        BigUint::parse_bytes(digits.as_bytes(), 16).filter(|_| digits.len() <= 64).ok_or_else(|| {
            malformed(format!("public memory at address {} holds `{}`, not a felt", cell.address, cell.value))
        })
    };
    check_pages(&cells)?;
    let first = cells.first().ok_or_else(|| malformed("the public memory is empty"))?;
    let main_page = cells
        .iter()
        .filter(|cell| cell.page == 0)
        .map(|cell| Ok(PubilcMemoryCell { address: cell.address, value: value(cell)? }))
        .collect::<Result<Vec<_>, StoneError>>()?;
    let mut segments = Vec::with_capacity(input.memory_segments.len());
    for (name, segment) in &input.memory_segments {
        let rank = SEGMENT_ORDER.iter().position(|known| known == name);
        let rank = rank.ok_or_else(|| malformed(format!("the public input names an unknown segment `{name}`")))?;
        segments.push((rank, SegmentInfo { begin_addr: segment.begin_addr, stop_ptr: segment.stop_ptr }));
    }
    segments.sort_by_key(|(rank, _)| *rank);
    let segments: Vec<SegmentInfo> = segments.into_iter().map(|(_, segment)| segment).collect();
    let [z, alpha] = [0, 1].map(|i| annotations.interaction.get(i).cloned().unwrap_or_default());
    let elements: Vec<PublicMemoryElement> = serde_json::from_str(input.public_memory.get()).map_err(malformed)?;
    let headers = json_parser::StarkProof::continuous_page_headers(&elements, z, alpha);
    Ok(PublicInput {
        log_n_steps: log2_if_power_of_2(input.n_steps)
            .ok_or_else(|| malformed(format!("n_steps {} is not a power of two", input.n_steps)))?,
        range_check_min: input.rc_min,
        range_check_max: input.rc_max,
        layout: BigUint::from_bytes_be(&input.layout.bytes_encode()),
        dynamic_params: input.dynamic_params.unwrap_or_default(),
        n_segments: segments.len(),
        segments,
        padding_addr: first.address,
        padding_value: value(first)?,
        main_page_len: main_page.len(),
        main_page,
        n_continuous_pages: headers.len(),
        continuous_page_headers: headers
            .into_iter()
            .flat_map(|(start, size, hash, product)| [start, size, hash, product].map(|f| f.to_biguint()))
            .collect(),
    })
}

/// The checks swiftness' page headers assert (and panic on): a main page, then pages numbered 1, 2, …,
/// each a run of consecutive addresses, every value a hex felt.
fn check_pages(cells: &[MemoryCell<'_>]) -> Result<(), StoneError> {
    let mut next: BTreeMap<u32, u32> = BTreeMap::new();
    let hex = |d: &str| !d.is_empty() && d.len() <= 64 && d.bytes().all(|b| b.is_ascii_hexdigit());
    for cell in cells {
        if !cell.value.strip_prefix("0x").is_some_and(hex) {
            return Err(malformed(format!("public memory at address {} is not a 0x-prefixed felt", cell.address)));
        }
        if cell.page == 0 {
            continue;
        }
        let expected = next.entry(cell.page).or_insert(cell.address);
        if *expected != cell.address {
            return Err(malformed(format!(
                "page {} of the public memory skips from address {expected} to {}",
                cell.page, cell.address
            )));
        }
        *expected = expected.saturating_add(1);
    }
    if !cells.iter().any(|cell| cell.page == 0) {
        return Err(malformed("the public memory has no main page (page 0)"));
    }
    let pages: BTreeSet<u32> = next.keys().copied().collect();
    if pages.iter().copied().ne(1..=u32::try_from(pages.len()).unwrap_or(u32::MAX)) {
        return Err(malformed("the public memory's pages are not numbered 1, 2, … after the main page"));
    }
    Ok(())
}

fn required(value: &Option<BigUint>, what: &str) -> Result<BigUint, StoneError> {
    value.clone().ok_or_else(|| malformed(format!("the annotations hold no {what}")))
}

fn unsent_commitment(annotations: &Annotations) -> Result<StarkUnsentCommitment, StoneError> {
    let [original, interaction, composition] = &annotations.trace_commitments;
    Ok(StarkUnsentCommitment {
        traces: TracesUnsentCommitment {
            original: required(original, "original trace commitment")?,
            interaction: required(interaction, "interaction trace commitment")?,
        },
        composition: required(composition, "composition commitment")?,
        oods_values: annotations.oods_values.clone(),
        fri: FriUnsentCommitment {
            inner_layers: annotations.fri_commitments.clone(),
            last_layer_coefficients: annotations.last_layer_coefficients.clone(),
        },
        proof_of_work: ProofOfWorkUnsentCommitment { nonce: required(&annotations.nonce, "proof-of-work nonce")? },
    })
}

fn decommitment(values: Vec<BigUint>) -> TableDecommitment {
    TableDecommitment { n_values: values.len(), values }
}

fn authentications(data: Vec<BigUint>, hashes: Vec<BigUint>) -> TableCommitmentWitness {
    let authentications = [data, hashes].concat();
    TableCommitmentWitness {
        vector: VectorCommitmentWitness { n_authentications: authentications.len(), authentications },
    }
}

fn witness(annotations: Annotations) -> StarkWitness {
    let [original, interaction, composition] = annotations.trace_leaves;
    let [data_0, data_1, data_2] = annotations.trace_data;
    let [hashes_0, hashes_1, hashes_2] = annotations.trace_hashes;
    let layers = annotations
        .fri_layers
        .into_iter()
        .skip(1)
        .map(|(leaves, authentications)| FriLayerWitness {
            n_leaves: leaves.len(),
            leaves,
            table_witness: TableCommitmentWitnessFlat {
                vector: VectorCommitmentWitnessFlat { n_authentications: authentications.len(), authentications },
            },
        })
        .collect();
    StarkWitness {
        traces_decommitment: TracesDecommitment {
            original: decommitment(original),
            interaction: decommitment(interaction),
        },
        traces_witness: TracesWitness {
            original: authentications(data_0, hashes_0),
            interaction: authentications(data_1, hashes_1),
        },
        composition_decommitment: decommitment(composition),
        composition_witness: authentications(data_2, hashes_2),
        fri_witness: FriWitness { layers },
    }
}
