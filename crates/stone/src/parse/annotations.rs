//! Stone's annotation lines, read in one pass. Each line names where a value sits in the proof
//! (`P->V[from:to]: /cpu air/<path>: <what>: <Kind>(<value>)`); the verifier needs the commitments,
//! the out-of-domain values, the proof-of-work nonce and every decommitment, grouped by path.
//! (swiftness' parser runs one regular expression per group over every line: most of its parse time.)

use num_bigint::BigUint;

use crate::error::StoneError;

/// The annotations' values, grouped the way swiftness' proof types take them.
#[derive(Debug, Default)]
pub struct Annotations {
    /// The interaction elements the verifier sent; the first two are the memory's `z` and `alpha`.
    pub interaction: Vec<BigUint>,
    /// Commitments to the original trace, the interaction trace and the composition polynomial.
    pub trace_commitments: [Option<BigUint>; 3],
    /// The out-of-domain values.
    pub oods_values: Vec<BigUint>,
    /// Each inner FRI layer's commitment.
    pub fri_commitments: Vec<BigUint>,
    /// The last FRI layer's coefficients.
    pub last_layer_coefficients: Vec<BigUint>,
    /// The proof-of-work nonce.
    pub nonce: Option<BigUint>,
    /// Per trace (original, interaction, composition): the decommitted leaves.
    pub trace_leaves: [Vec<BigUint>; 3],
    /// Per trace: the authentication nodes written as data, which precede those written as hashes.
    pub trace_data: [Vec<BigUint>; 3],
    /// Per trace: the authentication nodes written as hashes.
    pub trace_hashes: [Vec<BigUint>; 3],
    /// Per FRI layer (index 0 unused): sibling leaves and authentication nodes.
    pub fri_layers: Vec<(Vec<BigUint>, Vec<BigUint>)>,
}

const INTERACTION: &str = "V->P: /cpu air/STARK/Interaction: Interaction element #";
const SENT: &str = "P->V[";
const AIR: &str = "]: /cpu air/";
const LAYER_0_TRACE: &str = "STARK/FRI/Decommitment/Layer 0/Virtual Oracle/Trace ";
const LAYER_DECOMMITMENT: &str = "STARK/FRI/Decommitment/Layer ";
const LAYER_COMMITMENT: &str = "STARK/FRI/Commitment/Layer ";

fn malformed(line: &str, what: &str) -> StoneError {
    let shown: String = line.chars().take(120).collect();
    StoneError::Malformed(format!("annotation `{shown}`: {what}; is this Stone's output with --generate_annotations?"))
}

/// A hex field element as Stone writes it (`0x…`, at most 64 digits).
fn hex(text: &str, line: &str) -> Result<BigUint, StoneError> {
    let digits = text.trim().strip_prefix("0x").ok_or_else(|| malformed(line, "a value is not 0x-prefixed hex"))?;
    if digits.is_empty() || digits.len() > 64 {
        return Err(malformed(line, "a value is not a 252-bit hex number"));
    }
    BigUint::parse_bytes(digits.as_bytes(), 16).ok_or_else(|| malformed(line, "a value is not hex"))
}

fn decimal(text: &str) -> Option<usize> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

/// One `P->V` line cut into its path, its kind and its value text.
struct Sent<'a> {
    path: &'a str,
    kind: &'a str,
    value: &'a str,
}

fn sent(line: &str) -> Option<Sent<'_>> {
    let rest = line.strip_prefix(SENT)?;
    let (range, rest) = rest.split_once(AIR)?;
    let (from, to) = range.split_once(':')?;
    decimal(from)?;
    decimal(to)?;
    let (path, rest) = rest.split_once(": ")?;
    let inner = rest.strip_suffix(')')?;
    let (head, value) = inner.rsplit_once('(')?;
    let kind = head.rsplit_once(": ").map_or(head, |(_, kind)| kind);
    Some(Sent { path, kind, value })
}

impl Annotations {
    /// Reads every line; `fri_layers` is the number of FRI layers the proof parameters name.
    pub fn read<S: AsRef<str>>(lines: &[S], fri_layers: usize) -> Result<Self, StoneError> {
        let mut out = Self { fri_layers: vec![(Vec::new(), Vec::new()); fri_layers.max(1)], ..Self::default() };
        for line in lines {
            out.line(line.as_ref())?;
        }
        if ![3, 6, 8].contains(&out.interaction.len()) {
            return Err(StoneError::Malformed(format!(
                "the annotations hold {} interaction elements; Stone writes 3, 6 or 8",
                out.interaction.len()
            )));
        }
        Ok(out)
    }

    fn line(&mut self, line: &str) -> Result<(), StoneError> {
        if let Some(rest) = line.strip_prefix(INTERACTION) {
            let value = rest
                .split_once(": Field Element(")
                .filter(|(index, _)| decimal(index).is_some())
                .and_then(|(_, value)| value.strip_suffix(')'))
                .ok_or_else(|| malformed(line, "an interaction element is not `#i: Field Element(0x…)`"))?;
            self.interaction.push(hex(value, line)?);
            return Ok(());
        }
        let Some(Sent { path, kind, value }) = sent(line) else {
            return Ok(());
        };
        let one = |target: &mut Option<BigUint>| -> Result<(), StoneError> {
            if target.is_none() {
                *target = Some(hex(value, line)?);
            }
            Ok(())
        };
        match (path, kind) {
            ("STARK/Original/Commit on Trace", "Hash") => one(&mut self.trace_commitments[0])?,
            ("STARK/Interaction/Commit on Trace", "Hash") => one(&mut self.trace_commitments[1])?,
            ("STARK/Out Of Domain Sampling/Commit on Trace", "Hash") => one(&mut self.trace_commitments[2])?,
            ("STARK/FRI/Proof of Work", "Data") => one(&mut self.nonce)?,
            ("STARK/Out Of Domain Sampling/OODS values", "Field Elements") => {
                self.oods_values.extend(list(value, line)?);
            }
            ("STARK/FRI/Commitment/Last Layer", "Field Elements") => {
                self.last_layer_coefficients.extend(list(value, line)?);
            }
            _ => self.numbered(path, kind, value, line)?,
        }
        Ok(())
    }

    /// The paths that carry a number: a FRI layer's commitment, a layer-0 trace, an inner layer.
    fn numbered(&mut self, path: &str, kind: &str, value: &str, line: &str) -> Result<(), StoneError> {
        if let Some(layer) = path.strip_prefix(LAYER_COMMITMENT) {
            if decimal(layer).is_some() && kind == "Hash" {
                self.fri_commitments.push(hex(value, line)?);
            }
        } else if let Some(trace) = path.strip_prefix(LAYER_0_TRACE) {
            let Some(trace) = decimal(trace).filter(|t| *t < 3) else {
                return Ok(());
            };
            match kind {
                "Field Element" => self.trace_leaves[trace].push(hex(value, line)?),
                "Data" => self.trace_data[trace].push(hex(value, line)?),
                "Hash" => self.trace_hashes[trace].push(hex(value, line)?),
                _ => {}
            }
        } else if let Some(layer) = path.strip_prefix(LAYER_DECOMMITMENT).and_then(decimal) {
            // Layer 0 is the traces above; layers past the parameters' count are not read.
            if let Some((leaves, authentications)) = self.fri_layers.get_mut(layer).filter(|_| layer > 0) {
                match kind {
                    "Field Element" => leaves.push(hex(value, line)?),
                    "Hash" => authentications.push(hex(value, line)?),
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

fn list(value: &str, line: &str) -> Result<Vec<BigUint>, StoneError> {
    value.split(',').map(|v| hex(v, line)).collect()
}
