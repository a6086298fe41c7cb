//! The validation error every value type returns when its input is out of range.

use std::fmt;

/// An input that broke a rule: which field, and what the field allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    /// Dotted path of the offending field, as a client names it (`jediswap_metrics.utilization`).
    pub field: String,
    /// What was wrong and what is allowed.
    pub reason: String,
}

impl ValidationError {
    /// A new error for `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: field.into(), reason: reason.into() }
    }

    /// `value` lies outside `min..=max`.
    pub fn out_of_range(field: impl Into<String>, value: impl fmt::Display, min: u64, max: u64) -> Self {
        Self::new(field, format!("{value} is outside the allowed range {min}..={max}"))
    }

    /// The same error, with its field nested under `parent` (`utilization` → `jediswap_metrics.utilization`).
    #[must_use]
    pub fn within(mut self, parent: &str) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

/// Checks that `value` is in `min..=max`, naming `field` when it is not.
pub(crate) fn check_range(field: &str, value: u64, min: u64, max: u64) -> Result<(), ValidationError> {
    if (min..=max).contains(&value) { Ok(()) } else { Err(ValidationError::out_of_range(field, value, min, max)) }
}
