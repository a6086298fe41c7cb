//! The prover's reading of the graph: exact integers, one trace row, and a record of any broken constraint.

use super::builder::{Air, LOG_MAX_DEGREE};

/// The M31 prime, `2^31 - 1`.
pub(crate) const M31_PRIME: i128 = (1 << 31) - 1;

/// An integer and the degree of the expression that produced it (trace columns have degree 1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Term {
    value: i128,
    degree: u8,
}

/// Builds the trace row and checks every constraint on it before anything is committed.
#[derive(Debug, Default)]
pub(crate) struct Witness {
    row: Vec<u32>,
    broken: Vec<String>,
    n_constraints: usize,
}

impl Witness {
    /// The row of column values, or every constraint the row breaks (the statement is false, or a
    /// column left the field).
    pub(crate) fn finish(self) -> Result<Vec<u32>, Vec<String>> {
        if self.broken.is_empty() { Ok(self.row) } else { Err(self.broken) }
    }

    /// How many columns the row has.
    pub(crate) fn n_columns(&self) -> usize {
        self.row.len()
    }

    /// How many constraints the graph has.
    pub(crate) fn n_constraints(&self) -> usize {
        self.n_constraints
    }
}

impl Air for Witness {
    type Expr = Term;

    fn constant(&self, value: u64) -> Term {
        Term { value: value.into(), degree: 0 }
    }

    fn column(&mut self, hint: impl FnOnce(&Self) -> i128) -> Term {
        let value = hint(self);
        match u32::try_from(value) {
            Ok(v) if i128::from(v) < M31_PRIME => self.row.push(v),
            _ => {
                self.broken.push(format!("column {} would hold {value}, outside the field", self.row.len()));
                self.row.push(0);
            }
        }
        Term { value, degree: 1 }
    }

    fn add(&self, a: &Term, b: &Term) -> Term {
        Term { value: a.value + b.value, degree: a.degree.max(b.degree) }
    }

    fn sub(&self, a: &Term, b: &Term) -> Term {
        Term { value: a.value - b.value, degree: a.degree.max(b.degree) }
    }

    fn mul(&self, a: &Term, b: &Term) -> Term {
        Term { value: a.value * b.value, degree: a.degree + b.degree }
    }

    fn scale(&self, a: &Term, k: u64) -> Term {
        Term { value: a.value * i128::from(k), degree: a.degree }
    }

    fn assert_zero(&mut self, what: &'static str, e: Term) {
        self.n_constraints += 1;
        if e.value != 0 {
            self.broken.push(format!("{what} (off by {})", e.value));
        }
        if u32::from(e.degree) > 1 << LOG_MAX_DEGREE {
            self.broken.push(format!("{what} has degree {}; the AIR allows {}", e.degree, 1 << LOG_MAX_DEGREE));
        }
    }

    fn value(&self, e: &Term) -> i128 {
        e.value
    }
}
