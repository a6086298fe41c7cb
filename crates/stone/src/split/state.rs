//! The FRI verification state Integrity's split flow carries between transactions, with Cairo Serde
//! encodings and the Poseidon hashes the verifier contract stores (`hash_constant`, `hash_variable`).

use starkrisk_domain::Felt;
use starkrisk_domain::poseidon_many;

use crate::error::StoneError;

/// One inner FRI layer's table commitment, the six felts of Integrity's `TableCommitment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerCommitment {
    /// Columns of the table (the coset size).
    pub n_columns: Felt,
    /// Height of the table's vector commitment, as configured.
    pub height: Felt,
    /// Verifier-friendly layers, as configured.
    pub n_verifier_friendly_layers: Felt,
    /// Height of the vector commitment read from the transcript.
    pub vector_height: Felt,
    /// Verifier-friendly layers of that vector commitment.
    pub vector_n_verifier_friendly_layers: Felt,
    /// The Merkle root.
    pub commitment_hash: Felt,
}

impl LayerCommitment {
    fn felts(&self) -> [Felt; 6] {
        [
            self.n_columns,
            self.height,
            self.n_verifier_friendly_layers,
            self.vector_height,
            self.vector_n_verifier_friendly_layers,
            self.commitment_hash,
        ]
    }
}

/// `FriVerificationStateConstant`: what every step needs and nothing changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriStateConstant {
    /// Inner layers to step through.
    pub n_layers: u32,
    /// Each inner layer's commitment.
    pub commitments: Vec<LayerCommitment>,
    /// Each layer's evaluation point, drawn from the transcript.
    pub eval_points: Vec<Felt>,
    /// Each inner layer's FRI step size (log2 of its coset size).
    pub step_sizes: Vec<Felt>,
    /// Poseidon over the last layer's coefficients.
    pub last_layer_coefficients_hash: Felt,
}

/// A FRI query: the position in its layer, the layer's value there, and the inverse of its point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FriQuery {
    /// Index in the layer's evaluation domain.
    pub index: Felt,
    /// The layer's value at that index.
    pub y_value: Felt,
    /// The inverse of the domain point (shifted to the homogeneous group).
    pub x_inv_value: Felt,
}

impl FriQuery {
    fn felts(&self) -> [Felt; 3] {
        [self.index, self.y_value, self.x_inv_value]
    }
}

/// `FriVerificationStateVariable`: how far verification got and the queries into the next layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriStateVariable {
    /// Layers verified so far.
    pub iter: u32,
    /// The queries into layer `iter`.
    pub queries: Vec<FriQuery>,
}

/// `FriLayerWitness`: the sibling values and Merkle authentications one step consumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriLayerWitness {
    /// Values of the queried cosets' other members.
    pub leaves: Vec<Felt>,
    /// The Merkle authentication path felts.
    pub authentications: Vec<Felt>,
}

fn array(out: &mut Vec<Felt>, items: &[Felt]) {
    out.push(Felt::from(items.len()));
    out.extend_from_slice(items);
}

impl FriStateConstant {
    /// Cairo Serde: n_layers, commitments (length-prefixed, six felts each), eval_points, step_sizes, hash.
    pub fn write(&self, out: &mut Vec<Felt>) {
        out.push(Felt::from(self.n_layers));
        out.push(Felt::from(self.commitments.len()));
        self.commitments.iter().for_each(|c| out.extend(c.felts()));
        array(out, &self.eval_points);
        array(out, &self.step_sizes);
        out.push(self.last_layer_coefficients_hash);
    }

    /// The verifier contract's `hash_constant`.
    pub fn hash(&self) -> Felt {
        let mut words = vec![
            Felt::from(self.n_layers),
            poseidon_many(&self.eval_points),
            poseidon_many(&self.step_sizes),
            self.last_layer_coefficients_hash,
        ];
        self.commitments.iter().for_each(|c| words.extend(c.felts()));
        poseidon_many(&words)
    }

    /// Reads one from Serde felts.
    pub fn read(reader: &mut FeltReader<'_>) -> Result<Self, StoneError> {
        let n_layers = reader.small("state_constant.n_layers")?;
        let commitments = reader.records("state_constant.commitment", |f: [Felt; 6]| LayerCommitment {
            n_columns: f[0],
            height: f[1],
            n_verifier_friendly_layers: f[2],
            vector_height: f[3],
            vector_n_verifier_friendly_layers: f[4],
            commitment_hash: f[5],
        })?;
        Ok(Self {
            n_layers,
            commitments,
            eval_points: reader.array("state_constant.eval_points")?,
            step_sizes: reader.array("state_constant.step_sizes")?,
            last_layer_coefficients_hash: reader.take(1, "state_constant.last_layer_coefficients_hash")?[0],
        })
    }
}

impl FriStateVariable {
    /// Cairo Serde: iter, then the queries (length-prefixed, three felts each).
    pub fn write(&self, out: &mut Vec<Felt>) {
        out.push(Felt::from(self.iter));
        out.push(Felt::from(self.queries.len()));
        self.queries.iter().for_each(|q| out.extend(q.felts()));
    }

    /// The verifier contract's `hash_variable`.
    pub fn hash(&self) -> Felt {
        let mut words = vec![Felt::from(self.iter)];
        self.queries.iter().for_each(|q| words.extend(q.felts()));
        poseidon_many(&words)
    }

    /// Reads one from Serde felts.
    pub fn read(reader: &mut FeltReader<'_>) -> Result<Self, StoneError> {
        let iter = reader.small("state_variable.iter")?;
        let queries = reader.records("state_variable.queries", |f: [Felt; 3]| FriQuery {
            index: f[0],
            y_value: f[1],
            x_inv_value: f[2],
        })?;
        Ok(Self { iter, queries })
    }
}

impl FriLayerWitness {
    /// Cairo Serde: leaves, then the table witness's authentications, each length-prefixed.
    pub fn write(&self, out: &mut Vec<Felt>) {
        array(out, &self.leaves);
        array(out, &self.authentications);
    }

    /// Reads one from Serde felts.
    pub fn read(reader: &mut FeltReader<'_>) -> Result<Self, StoneError> {
        Ok(Self { leaves: reader.array("witness.leaves")?, authentications: reader.array("witness.authentications")? })
    }
}

/// Reads Cairo Serde felts front to back, naming what was missing or malformed.
pub struct FeltReader<'a> {
    felts: &'a [Felt],
}

impl<'a> FeltReader<'a> {
    /// A reader over `felts`.
    pub fn new(felts: &'a [Felt]) -> Self {
        Self { felts }
    }

    /// The next `n` felts.
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [Felt], StoneError> {
        if self.felts.len() < n {
            return Err(StoneError::Malformed(format!("the calldata ends inside {what}")));
        }
        let (head, rest) = self.felts.split_at(n);
        self.felts = rest;
        Ok(head)
    }

    /// A felt that must fit in a `u32` (Cairo's `u32` fields and array lengths).
    pub fn small(&mut self, what: &str) -> Result<u32, StoneError> {
        let felt = self.take(1, what)?[0];
        u32::try_from(felt.to_biguint()).map_err(|_| StoneError::Malformed(format!("{what} = {felt:#x} is not a u32")))
    }

    /// An array length, bounded by what is left to read.
    pub fn len(&mut self, what: &str) -> Result<usize, StoneError> {
        let n = self.small(what)? as usize;
        if n > self.felts.len() {
            return Err(StoneError::Malformed(format!(
                "{what} claims {n} items; only {} felts follow",
                self.felts.len()
            )));
        }
        Ok(n)
    }

    /// A length-prefixed array of felts.
    pub fn array(&mut self, what: &str) -> Result<Vec<Felt>, StoneError> {
        let n = self.len(what)?;
        Ok(self.take(n, what)?.to_vec())
    }

    /// A length-prefixed array of structs `N` felts wide, each built from its felts.
    pub fn records<const N: usize, T>(
        &mut self,
        what: &str,
        build: impl Fn([Felt; N]) -> T,
    ) -> Result<Vec<T>, StoneError> {
        let n = self.len(what)?;
        (0..n)
            .map(|_| {
                let felts = self.take(N, what)?;
                // take returned exactly N felts; the error arm only keeps this free of a panic path.
                let record: [Felt; N] =
                    felts.try_into().map_err(|_| StoneError::Malformed(format!("{what} is short")))?;
                Ok(build(record))
            })
            .collect()
    }

    /// Fails unless everything was read: the contract's Serde refuses trailing felts too.
    pub fn finish(self, what: &str) -> Result<(), StoneError> {
        match self.felts.len() {
            0 => Ok(()),
            n => Err(StoneError::Malformed(format!("{n} felts left over after {what}"))),
        }
    }
}
