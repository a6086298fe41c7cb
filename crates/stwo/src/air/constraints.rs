//! The constraints' reading of the graph, for stwo's constraint framework.

use stwo::core::fields::m31::BaseField;
use stwo_constraint_framework::EvalAtRow;

use super::builder::Air;

/// Turns each graph operation into a field expression over the row's trace masks.
pub(crate) struct Constraints<E: EvalAtRow> {
    pub(crate) eval: E,
}

/// A constant as a base-field element; callers keep constants below the prime.
fn base(value: u64) -> BaseField {
    BaseField::reduce(value)
}

impl<E: EvalAtRow> Air for Constraints<E> {
    type Expr = E::F;

    fn constant(&self, value: u64) -> E::F {
        E::F::from(base(value))
    }

    fn column(&mut self, _hint: impl FnOnce(&Self) -> i128) -> E::F {
        self.eval.next_trace_mask()
    }

    fn add(&self, a: &E::F, b: &E::F) -> E::F {
        a.clone() + b.clone()
    }

    fn sub(&self, a: &E::F, b: &E::F) -> E::F {
        a.clone() - b.clone()
    }

    fn mul(&self, a: &E::F, b: &E::F) -> E::F {
        a.clone() * b.clone()
    }

    fn scale(&self, a: &E::F, k: u64) -> E::F {
        a.clone() * base(k)
    }

    fn assert_zero(&mut self, _what: &'static str, e: E::F) {
        self.eval.add_constraint(e);
    }

    fn value(&self, _e: &E::F) -> i128 {
        // Hints never run on this side; nothing reads this.
        0
    }
}
