//! Every column of the trace is pinned by some constraint: perturbing any one value breaks the AIR.

use starkrisk_domain::{DecisionStatement, examples};
use stwo::core::fields::m31::BaseField;

use super::builder::{Air, RANGE_LIMB_BITS, range_check};
use super::witness::M31_PRIME;
use super::{graph, witness_row};

/// Re-evaluates the constraints over a given row in the field, the way the verifier sees a trace.
struct Replay {
    row: Vec<u32>,
    next: usize,
    broken: Vec<&'static str>,
}

impl Air for Replay {
    type Expr = BaseField;

    fn constant(&self, value: u64) -> BaseField {
        BaseField::reduce(value)
    }

    fn column(&mut self, _hint: impl FnOnce(&Self) -> i128) -> BaseField {
        self.next += 1;
        BaseField::from_u32_unchecked(self.row[self.next - 1])
    }

    fn add(&self, a: &BaseField, b: &BaseField) -> BaseField {
        *a + *b
    }

    fn sub(&self, a: &BaseField, b: &BaseField) -> BaseField {
        *a - *b
    }

    fn mul(&self, a: &BaseField, b: &BaseField) -> BaseField {
        *a * *b
    }

    fn scale(&self, a: &BaseField, k: u64) -> BaseField {
        *a * BaseField::reduce(k)
    }

    fn assert_zero(&mut self, what: &'static str, e: BaseField) {
        if e != BaseField::from_u32_unchecked(0) {
            self.broken.push(what);
        }
    }

    fn value(&self, _e: &BaseField) -> i128 {
        0
    }
}

fn replay(statement: &DecisionStatement, row: Vec<u32>) -> Vec<&'static str> {
    replay_graph(row, |air| graph::decision(air, statement))
}

fn replay_graph(row: Vec<u32>, graph: impl FnOnce(&mut Replay)) -> Vec<&'static str> {
    let mut air = Replay { row, next: 0, broken: vec![] };
    graph(&mut air);
    air.broken
}

#[test]
fn the_honest_row_satisfies_every_constraint_in_the_field() {
    let statement = examples::statement();
    let row = witness_row(&statement).unwrap();
    assert!(replay(&statement, row).is_empty());
}

#[test]
fn changing_any_single_column_breaks_a_constraint() {
    let statement = examples::statement();
    let row = witness_row(&statement).unwrap();
    for column in 0..row.len() {
        for delta in [1, M31_PRIME as u32 - 1] {
            let mut forged = row.clone();
            forged[column] = ((u64::from(forged[column]) + u64::from(delta)) % M31_PRIME as u64) as u32;
            assert!(!replay(&statement, forged).is_empty(), "column {column} is unconstrained (delta {delta})");
        }
    }
}

#[test]
fn a_false_statement_has_no_witness_and_names_what_breaks() {
    let mut statement = examples::statement();
    statement.jediswap_risk = starkrisk_domain::RiskScore::new(36).unwrap();
    let broken = witness_row(&statement).unwrap_err();
    assert!(broken.iter().any(|b| b.starts_with("JediSwap's risk is the stated one")), "{broken:?}");
}

#[test]
fn a_limb_beyond_its_bits_is_refused_even_when_the_number_it_writes_is_right() {
    // 13 in limbs of RANGE_LIMB_BITS; moving one unit of the second limb into the first writes 13 again,
    // with a first limb outside its range: only the limb's own constraint can tell.
    let check = |air: &mut Replay| range_check(air, "13 fits", &air.constant(13), 2 * RANGE_LIMB_BITS);
    let base = 1u32 << RANGE_LIMB_BITS;
    let honest = vec![13 % base, 13 / base];
    assert!(replay_graph(honest.clone(), check).is_empty());
    let forged = vec![honest[0] + base, honest[1] - 1];
    assert_eq!(replay_graph(forged, check), vec!["a range-check limb is below its bound"]);
}
