//! Felt-valued identifiers: every hash that lives on Starknet or in a proof is one field element.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
pub use starknet_types_core::felt::Felt;

use crate::error::ValidationError;

/// The text shape [`parse_felt`] accepts, as a regular expression for API schemas (which cannot express
/// the field prime bound that parsing also checks).
pub const FELT_HEX_PATTERN: &str = "^0[xX][0-9a-fA-F]{1,64}$";

/// Parses a `0x`-prefixed hex felt (at most 64 hex digits, below the field prime), naming `field` on error.
pub fn parse_felt(field: &str, text: &str) -> Result<Felt, ValidationError> {
    let digits = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).ok_or_else(|| {
        ValidationError::new(field, format!("`{text}` is not hex: expected 0x followed by hex digits"))
    })?;
    if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ValidationError::new(field, format!("`{text}` is not a hex felt of 1 to 64 digits")));
    }
    // A 64-digit value may exceed the prime; from_hex would silently reduce it, so compare round trips.
    let felt =
        Felt::from_hex(&format!("0x{digits}")).map_err(|e| ValidationError::new(field, format!("`{text}`: {e}")))?;
    let canonical = format!("{felt:x}");
    if canonical.trim_start_matches('0') != digits.to_ascii_lowercase().trim_start_matches('0') {
        return Err(ValidationError::new(field, format!("`{text}` is not below the Stark field prime")));
    }
    Ok(felt)
}

/// Encodes a Cairo short string (ASCII, at most 31 characters) as a felt, as Cairo's `'text'` literal does.
pub fn short_string(field: &str, text: &str) -> Result<Felt, ValidationError> {
    if text.len() > 31 || !text.is_ascii() {
        return Err(ValidationError::new(
            field,
            format!("`{text}` is not a Cairo short string (ASCII, at most 31 characters)"),
        ));
    }
    Ok(Felt::from_bytes_be_slice(text.as_bytes()))
}

/// Decodes a Cairo short string; `None` when the felt is not printable ASCII.
pub fn decode_short_string(felt: &Felt) -> Option<String> {
    let bytes = felt.to_bytes_be();
    let text: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if text.iter().all(|b| b.is_ascii_graphic() || *b == b' ') { String::from_utf8(text).ok() } else { None }
}

/// Serializes a felt as `0x`-prefixed lower-case hex, the form Starknet tools print.
pub fn serialize_hex<S: Serializer>(felt: &Felt, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("{felt:#x}"))
}

/// Reads a felt written by [`serialize_hex`] (a 0x-prefixed hex string).
pub fn deserialize_hex<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Felt, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(deserializer)?;
    parse_felt("felt", &text).map_err(serde::de::Error::custom)
}

macro_rules! felt_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Felt);

        impl $name {
            /// Wraps a felt.
            pub const fn new(felt: Felt) -> Self {
                Self(felt)
            }

            /// The felt.
            pub const fn felt(&self) -> Felt {
                self.0
            }

            /// Parses `0x…` hex, naming the field in the error.
            pub fn parse(text: &str) -> Result<Self, ValidationError> {
                parse_felt($field, text).map(Self)
            }
        }

        impl From<Felt> for $name {
            fn from(felt: Felt) -> Self {
                Self(felt)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{:#x}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serialize_hex(&self.0, serializer)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

felt_id!(
    /// The identity of a model version: SHA-256 of its canonical encoding, reduced into the Stark field.
    ModelHash, "model_hash"
);
felt_id!(
    /// The hash of the program a proof runs (Integrity's definition for Cairo programs).
    ProgramHash, "program_hash"
);
felt_id!(
    /// The hash of a program's output.
    OutputHash, "output_hash"
);
felt_id!(
    /// Integrity's fact: Poseidon(program hash, output hash).
    FactHash, "fact_hash"
);
felt_id!(
    /// Integrity's verification: Poseidon(fact, verifier config hash, security bits).
    VerificationHash, "verification_hash"
);
felt_id!(
    /// A Starknet transaction hash.
    TxHash, "tx_hash"
);
felt_id!(
    /// A Starknet contract or account address.
    ContractAddress, "address"
);
felt_id!(
    /// Poseidon over one protocol's raw chain readings (its samples, terms and sampling policy).
    ReadingsHash, "readings_hash"
);
felt_id!(
    /// Poseidon over both protocols' readings hashes: the market snapshot a decision's statement names.
    SnapshotHash, "snapshot_hash"
);
