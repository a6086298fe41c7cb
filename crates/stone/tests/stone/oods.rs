//! The batched out-of-domain evaluation against swiftness' generated one: the same mask, and the same
//! quotient for arbitrary values at arbitrary points.

use std::collections::HashMap;

use starkrisk_stone::StoneProof;
use starkrisk_stone::split::oods::{self, COMPOSITION_COLUMNS, Decommitted, MASK};
use starkrisk_stone::testing::{RECURSIVE, stone};
use swiftness::TransformTo;
use swiftness::oods::OodsEvaluationInfo;
use swiftness_air::layout::recursive::Layout;
use swiftness_air::layout::{LayoutTrait, StaticLayoutTrait};
use swiftness_air::public_memory::PublicInput;
use swiftness_felt::felt::Felt;

const ORIGINAL: usize = Layout::NUM_COLUMNS_FIRST as usize;
const INTERACTION: usize = Layout::NUM_COLUMNS_SECOND as usize;
const VALUES: usize = MASK.len() + COMPOSITION_COLUMNS;

fn public_input() -> PublicInput {
    let json = std::fs::read_to_string(stone(RECURSIVE)).unwrap();
    let proof: swiftness::types::StarkProof = StoneProof::parse(&json).unwrap().parsed.transform_to();
    proof.public_input
}

/// swiftness' evaluation at one point.
fn theirs(
    input: &PublicInput,
    columns: &[Felt],
    oods: &[Felt],
    coefficients: &[Felt],
    x: Felt,
    z: Felt,
    g: Felt,
) -> Felt {
    Layout::eval_oods_polynomial(input, columns, oods, coefficients, &x, &z, &g).unwrap()
}

#[test]
fn the_mask_is_the_one_swiftness_evaluates() {
    assert_eq!(Layout::MASK_SIZE, MASK.len());
    assert_eq!(Layout::CONSTRAINT_DEGREE, COMPOSITION_COLUMNS);
    let input = public_input();
    let zeros = vec![Felt::ZERO; VALUES];
    // Columns: at z = 0 and x = 1 every denominator is 1, so with column c holding the number c the
    // sum is Σ coefficient_i · column_i; coefficients 16^i pack sixty columns into one answer.
    let mut numbered: Vec<Felt> = (0..ORIGINAL + INTERACTION).map(|c| Felt::from(c as u64)).collect();
    numbered.extend([Felt::ZERO; COMPOSITION_COLUMNS]);
    let mut columns = Vec::new();
    for group in MASK.chunks(60).enumerate().map(|(g, chunk)| g * 60..g * 60 + chunk.len()) {
        let mut coefficients = zeros.clone();
        for i in group.clone() {
            coefficients[i] = Felt::from(16u64).pow((i - group.start) as u128);
        }
        let packed = theirs(&input, &numbered, &zeros, &coefficients, Felt::ONE, Felt::ZERO, Felt::TWO).to_bytes_be();
        for at in 0..group.len() {
            let byte = packed[31 - at / 2];
            columns.push(if at % 2 == 0 { byte & 15 } else { byte >> 4 });
        }
    }
    // Offsets: at x = 0, z = -1 and g = 2, entry i alone answers 1 / 2^k_i.
    let powers: HashMap<Felt, u16> =
        (0..4096u16).scan(Felt::ONE, |p, k| Some((std::mem::replace(p, *p * Felt::TWO), k))).collect();
    let ones = vec![Felt::ONE; ORIGINAL + INTERACTION + COMPOSITION_COLUMNS];
    let derived: Vec<(u8, u16)> = (0..MASK.len())
        .map(|i| {
            let mut coefficients = zeros.clone();
            coefficients[i] = Felt::ONE;
            let answer = theirs(&input, &ones, &zeros, &coefficients, Felt::ZERO, Felt::ZERO - Felt::ONE, Felt::TWO);
            let shift = answer.inverse().unwrap();
            (columns[i], *powers.get(&shift).expect("row offsets are below 4096"))
        })
        .collect();
    assert_eq!(derived, MASK.to_vec());
}

/// A deterministic spread of field elements.
fn felts(seed: u64, n: usize) -> Vec<Felt> {
    (0..n as u64).map(|i| Felt::from(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ i).pow(7u128) + Felt::from(i)).collect()
}

/// Arbitrary inputs for `n` query points.
struct Arbitrary {
    points: Vec<Felt>,
    info: OodsEvaluationInfo,
    original: Vec<Felt>,
    interaction: Vec<Felt>,
    composition: Vec<Felt>,
}

impl Arbitrary {
    fn new(n: usize) -> Self {
        Self {
            points: felts(1, n),
            info: OodsEvaluationInfo {
                oods_values: felts(2, VALUES),
                oods_point: felts(3, 1)[0],
                trace_generator: felts(4, 1)[0],
                constraint_coefficients: felts(5, VALUES),
            },
            original: felts(6, n * ORIGINAL),
            interaction: felts(7, n * INTERACTION),
            composition: felts(8, n * COMPOSITION_COLUMNS),
        }
    }

    fn values(&self) -> Decommitted<'_> {
        Decommitted { original: &self.original, interaction: &self.interaction, composition: &self.composition }
    }
}

#[test]
fn quotients_equal_swiftness_at_arbitrary_points() {
    let input = public_input();
    let arbitrary = Arbitrary::new(5);
    let Arbitrary { points, info, original, interaction, composition } = &arbitrary;
    let ours = oods::evaluate(info, points, (ORIGINAL, INTERACTION), &arbitrary.values()).unwrap();
    for (at, x) in points.iter().enumerate() {
        let columns = [
            &original[at * ORIGINAL..(at + 1) * ORIGINAL],
            &interaction[at * INTERACTION..(at + 1) * INTERACTION],
            &composition[at * COMPOSITION_COLUMNS..(at + 1) * COMPOSITION_COLUMNS],
        ]
        .concat();
        let expected = theirs(
            &input,
            &columns,
            &info.oods_values,
            &info.constraint_coefficients,
            *x,
            info.oods_point,
            info.trace_generator,
        );
        assert_eq!(ours[at], expected, "point {at}");
    }
}

#[test]
fn short_values_and_a_sampled_query_point_are_refused_not_panicked_on() {
    let Arbitrary { points, mut info, original, interaction, composition } = Arbitrary::new(2);
    let values = Decommitted { original: &original, interaction: &interaction, composition: &composition };
    let short = Decommitted { original: &original[1..], ..values };
    let error = oods::evaluate(&info, &points, (ORIGINAL, INTERACTION), &short).unwrap_err();
    assert!(error.to_string().contains("do not match the number of queries"), "{error}");
    // A query point on the composition's sampled point z^2 has no quotient.
    info.oods_point = Felt::from(3u64);
    let on_z_squared = [points[0], Felt::from(9u64)];
    let error = oods::evaluate(&info, &on_z_squared, (ORIGINAL, INTERACTION), &values).unwrap_err();
    assert!(error.to_string().contains("a query point equals a sampled point"), "{error}");
    info.oods_values.pop();
    let error = oods::evaluate(&info, &points, (ORIGINAL, INTERACTION), &values).unwrap_err();
    assert!(error.to_string().contains("134 values where the layout samples 135"), "{error}");
}
