//! Whole numbers as configuration, the API and nodes write them: decimal, or `0x`-hex. Hex lets an
//! environment variable carry a value past 2^63, which configuration would otherwise read as a lossy float.

use crate::ValidationError;

/// The digits of `text` and their radix, when `text` is a non-empty decimal or `0x`-hex whole number.
pub(crate) fn digits(text: &str) -> Option<(&str, u32)> {
    let (digits, radix) = match text.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    (!digits.is_empty() && digits.chars().all(|c| c.is_digit(radix))).then_some((digits, radix))
}

/// Parses a decimal or `0x`-hex `u128`, naming `field` when `text` is not one or does not fit.
pub fn parse_u128(field: &str, text: &str) -> Result<u128, ValidationError> {
    let (digits, radix) = digits(text).ok_or_else(|| {
        ValidationError::new(field, format!("`{text}` is not a non-negative decimal or 0x-hex integer"))
    })?;
    u128::from_str_radix(digits, radix)
        .map_err(|_| ValidationError::new(field, format!("`{text}` does not fit in 128 bits")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_and_hex_read_alike_and_anything_else_names_the_field() {
        assert_eq!(parse_u128("f", "255"), Ok(255));
        assert_eq!(parse_u128("f", "0xff"), Ok(255));
        assert_eq!(parse_u128("f", &u128::MAX.to_string()), Ok(u128::MAX));
        for bad in ["", "0x", "-1", "1.5", "0xg", "１", " 1"] {
            let error = parse_u128("gas_price", bad).unwrap_err();
            assert_eq!(error.field, "gas_price", "{bad:?}");
        }
        assert!(parse_u128("f", "0x1_0000_0000_0000_0000_0000_0000_0000_0000").is_err());
        assert!(parse_u128("f", "340282366920938463463374607431768211456").unwrap_err().reason.contains("128 bits"));
    }
}
