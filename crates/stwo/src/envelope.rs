//! The proof envelope: what an S-two proof claims and under which parameters, in a stable binary layout.
//!
//! Layout (big-endian): `SRKP` magic, format version (u8), proof system (u8, 2 = S-two), AIR version (u16),
//! AIR hash (32 bytes), pow bits (u8), log blowup (u8), queries (u16), the 31 statement felts (model hash
//! as 32 bytes, 28 numbers as u32, the snapshot block as u64 and the snapshot hash as 32 bytes), the
//! proof's length (u32) and the proof (stwo's `StarkProof`, postcard-encoded, then zlib-deflated).
//!
//! Deflating is not cosmetic: every row of the risk trace is the same, so every query opens the same value
//! of each column and stwo's encoding repeats them (docs/proving.md has the sizes).

use serde::{Deserialize, Serialize};
use starkrisk_domain::{DecisionStatement, Felt, ProgramHash, STATEMENT_LEN};

use crate::error::StwoError;
use crate::security::SecurityParams;

/// First bytes of every envelope.
pub const MAGIC: [u8; 4] = *b"SRKP";
/// The envelope layout this build writes (2: the AIR hash and the model version; 3: the market snapshot's
/// block and hash; 4: the proof deflated). It also reads format 3, whose proof is stored as it is.
pub const FORMAT_VERSION: u8 = 4;
/// The last format that stored stwo's proof undeflated; envelopes already stored in it still verify.
const UNDEFLATED_FORMAT: u8 = 3;
/// The most a proof may inflate to: far above any proof the accepted security parameters make, and low
/// enough that a small forged envelope cannot make the verifier allocate without bound.
pub const MAX_PROOF_BYTES: usize = 8 << 20;
/// Deflate's default effort: about a tenth larger than its best here, in about a quarter of the time.
const DEFLATE_LEVEL: u8 = 6;
/// The proof-system byte for S-two.
const SYSTEM_STWO: u8 = 2;
/// Bytes before the statement.
const HEADER_LEN: usize = 4 + 1 + 1 + 2 + 32 + 1 + 1 + 2;
/// The statement's 32-bit numbers, between the model hash and the snapshot.
const NUMBERS: usize = STATEMENT_LEN - 3;
/// Bytes of the encoded statement.
pub const STATEMENT_BYTES: usize = 32 + 4 * NUMBERS + 8 + 32;

/// A versioned S-two proof of one decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofEnvelope {
    /// The AIR layout the proof is for.
    pub air_version: u16,
    /// The identity of that AIR (version and layout), as the prover computed it.
    pub air_hash: ProgramHash,
    /// The parameters the proof was made with.
    pub security: SecurityParams,
    /// The public inputs: the decision the proof states.
    pub statement: DecisionStatement,
    /// stwo's proof, postcard-encoded.
    pub proof: Vec<u8>,
}

impl ProofEnvelope {
    /// The stable binary encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let deflated = miniz_oxide::deflate::compress_to_vec_zlib(&self.proof, DEFLATE_LEVEL);
        let mut out = Vec::with_capacity(HEADER_LEN + STATEMENT_BYTES + 4 + deflated.len());
        out.extend(MAGIC);
        out.push(FORMAT_VERSION);
        out.push(SYSTEM_STWO);
        out.extend(self.air_version.to_be_bytes());
        out.extend(self.air_hash.felt().to_bytes_be());
        // validate() bounds pow_bits (<= 30), log_blowup (<= 16) and n_queries (<= 512), so they fit.
        out.push(self.security.pow_bits as u8);
        out.push(self.security.log_blowup as u8);
        out.extend((self.security.n_queries as u16).to_be_bytes());
        out.extend(self.statement.model_hash.felt().to_bytes_be());
        for number in self.statement.numbers() {
            // Statement numbers are validated u32 values.
            out.extend((number as u32).to_be_bytes());
        }
        out.extend(self.statement.provenance.block_number.to_be_bytes());
        out.extend(self.statement.provenance.snapshot_hash.felt().to_bytes_be());
        // A proof at any security `validate()` accepts is far below 4 GiB, so its length fits a u32.
        out.extend((deflated.len() as u32).to_be_bytes());
        out.extend(deflated);
        out
    }

    /// Parses the binary encoding, refusing other versions, bad statements, trailing bytes and proofs that
    /// were altered once deflated (or inflate past `MAX_PROOF_BYTES`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StwoError> {
        let mut reader = Reader { bytes, at: 0 };
        if reader.take(4)? != MAGIC {
            return Err(malformed("it does not start with the SRKP magic"));
        }
        let format = reader.u8()?;
        if format != FORMAT_VERSION && format != UNDEFLATED_FORMAT {
            return Err(malformed(&format!(
                "envelope format {format}; this build reads formats {UNDEFLATED_FORMAT} and {FORMAT_VERSION}"
            )));
        }
        let system = reader.u8()?;
        if system != SYSTEM_STWO {
            return Err(malformed(&format!("proof system byte {system}; S-two is {SYSTEM_STWO}")));
        }
        let air_version = reader.u16()?;
        let air_hash = ProgramHash::new(Felt::from_bytes_be_slice(reader.take(32)?));
        let security = SecurityParams {
            pow_bits: reader.u8()?.into(),
            log_blowup: reader.u8()?.into(),
            n_queries: reader.u16()?.into(),
        };
        security.validate().map_err(|e| malformed(&e.to_string()))?;
        let mut felts = vec![Felt::from_bytes_be_slice(reader.take(32)?)];
        for _ in 0..NUMBERS {
            felts.push(Felt::from(reader.u32()?));
        }
        felts.push(Felt::from(reader.u64()?));
        felts.push(Felt::from_bytes_be_slice(reader.take(32)?));
        let statement = DecisionStatement::from_felts(&felts)
            .map_err(|e| malformed(&format!("its statement is not a valid decision: {e}")))?;
        let proof_len = reader.u32()? as usize;
        let stored = reader.take(proof_len)?;
        let proof = if format == UNDEFLATED_FORMAT { stored.to_vec() } else { inflate(stored)? };
        if reader.at != bytes.len() {
            return Err(malformed(&format!("{} bytes follow the proof", bytes.len() - reader.at)));
        }
        Ok(Self { air_version, air_hash, security, statement, proof })
    }
}

fn inflate(deflated: &[u8]) -> Result<Vec<u8>, StwoError> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(deflated, MAX_PROOF_BYTES).map_err(|e| match e.status {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
            malformed(&format!("its proof inflates past {MAX_PROOF_BYTES} bytes"))
        }
        // Deflate's checksum and structure catch changed bytes before stwo sees them: a tampered proof.
        status => StwoError::Rejected(format!("its deflated bytes were altered or cut short ({status:?})")),
    })
}

fn malformed(reason: &str) -> StwoError {
    StwoError::Malformed(reason.to_string())
}

/// A cursor that refuses to read past the end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StwoError> {
        let end = self.at.checked_add(n).filter(|end| *end <= self.bytes.len()).ok_or_else(|| {
            malformed(&format!("it ends after {} bytes, inside a field of {n} bytes", self.bytes.len()))
        })?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], StwoError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, StwoError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, StwoError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, StwoError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, StwoError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
}

/// The header and statement, as mixed into the proof's transcript: everything the proof is bound to.
pub(crate) fn public_words(
    air_version: u16,
    air_hash: ProgramHash,
    security: &SecurityParams,
    statement: &DecisionStatement,
) -> Vec<u32> {
    let words_of = |felt: Felt| {
        let bytes = felt.to_bytes_be();
        bytes.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect::<Vec<_>>()
    };
    let mut words = vec![u32::from_be_bytes(MAGIC), u32::from(air_version)];
    words.extend(words_of(air_hash.felt()));
    words.extend([security.pow_bits, security.log_blowup, security.n_queries]);
    words.extend(words_of(statement.model_hash.felt()));
    words.extend(statement.numbers().into_iter().map(|n| n as u32));
    let block = statement.provenance.block_number;
    words.extend([(block >> 32) as u32, block as u32]);
    words.extend(words_of(statement.provenance.snapshot_hash.felt()));
    words
}
