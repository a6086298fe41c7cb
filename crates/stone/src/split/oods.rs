//! The out-of-domain (DEEP) quotients at the query points, the values FRI's first layer starts from.
//! For each point `x`, the sum over the mask of `c_i · (column_i(x) − v_i) / (x − g^{k_i}·z)` plus the
//! composition columns over `x − z^2`: the same sum swiftness' recursive layout computes, whose
//! generated code divides once per mask entry and point (2,430 inversions for the shared fixture, a
//! third of a verification). Here the denominators of every point are inverted as one batch.

use swiftness::oods::OodsEvaluationInfo;
use swiftness_felt::felt::Felt as SFelt;

use crate::error::StoneError;

/// The recursive layout's mask: for each out-of-domain value the proof carries, in order, the trace
/// column it samples (original columns, then interaction columns) and the row offset it samples at.
/// Read from swiftness' own evaluation by probing it; `tests/stone/oods.rs` derives it again and compares.
pub const MASK: [(u8, u16); 133] = [
    (0, 0),
    (0, 1),
    (0, 2),
    (0, 3),
    (0, 4),
    (0, 5),
    (0, 6),
    (0, 7),
    (0, 8),
    (0, 9),
    (0, 10),
    (0, 11),
    (0, 12),
    (0, 13),
    (0, 14),
    (0, 15),
    (1, 0),
    (1, 1),
    (1, 2),
    (1, 4),
    (1, 6),
    (1, 8),
    (1, 10),
    (1, 12),
    (1, 14),
    (1, 16),
    (1, 18),
    (1, 20),
    (1, 22),
    (1, 24),
    (1, 26),
    (1, 28),
    (1, 30),
    (1, 32),
    (1, 33),
    (1, 64),
    (1, 65),
    (1, 88),
    (1, 90),
    (1, 92),
    (1, 94),
    (1, 96),
    (1, 97),
    (1, 120),
    (1, 122),
    (1, 124),
    (1, 126),
    (2, 0),
    (2, 1),
    (3, 0),
    (3, 1),
    (3, 2),
    (3, 3),
    (3, 4),
    (3, 5),
    (3, 8),
    (3, 9),
    (3, 10),
    (3, 11),
    (3, 12),
    (3, 13),
    (3, 16),
    (3, 26),
    (3, 27),
    (3, 42),
    (3, 43),
    (3, 58),
    (3, 74),
    (3, 75),
    (3, 91),
    (3, 122),
    (3, 123),
    (3, 154),
    (3, 202),
    (3, 522),
    (3, 523),
    (3, 1034),
    (3, 1035),
    (3, 2058),
    (4, 0),
    (4, 1),
    (4, 2),
    (4, 3),
    (5, 0),
    (5, 1),
    (5, 2),
    (5, 3),
    (5, 4),
    (5, 5),
    (5, 6),
    (5, 7),
    (5, 8),
    (5, 12),
    (5, 28),
    (5, 44),
    (5, 60),
    (5, 76),
    (5, 92),
    (5, 108),
    (5, 124),
    (5, 1021),
    (5, 1023),
    (5, 1025),
    (5, 1027),
    (5, 2045),
    (6, 0),
    (6, 1),
    (6, 2),
    (6, 3),
    (6, 4),
    (6, 5),
    (6, 7),
    (6, 9),
    (6, 11),
    (6, 13),
    (6, 17),
    (6, 25),
    (6, 768),
    (6, 772),
    (6, 784),
    (6, 788),
    (6, 1004),
    (6, 1008),
    (6, 1022),
    (6, 1024),
    (7, 0),
    (7, 1),
    (8, 0),
    (8, 1),
    (9, 0),
    (9, 1),
    (9, 2),
    (9, 5),
];

/// Composition polynomial columns, sampled at `z^COMPOSITION_COLUMNS` (the constraint degree).
pub const COMPOSITION_COLUMNS: usize = 2;

fn rejected(what: impl std::fmt::Display) -> StoneError {
    StoneError::Rejected(format!("the out-of-domain values do not fit the recursive layout: {what}"))
}

/// The trace values the proof decommits at the query points, `columns` values per point.
pub struct Decommitted<'a> {
    /// Original trace values.
    pub original: &'a [SFelt],
    /// Interaction trace values.
    pub interaction: &'a [SFelt],
    /// Composition polynomial values.
    pub composition: &'a [SFelt],
}

/// Inverts every element with one field inversion (Montgomery's trick); `None` when one is zero.
fn invert_all(values: &mut [SFelt]) -> Option<()> {
    let mut prefix = Vec::with_capacity(values.len());
    let mut running = SFelt::ONE;
    for value in values.iter() {
        prefix.push(running);
        running *= *value;
    }
    let mut inverse = running.inverse()?;
    for (value, before) in values.iter_mut().zip(prefix).rev() {
        let next = inverse * *value;
        *value = inverse * before;
        inverse = next;
    }
    Some(())
}

/// The quotient at every point, in the order of `points`.
pub fn evaluate(
    info: &OodsEvaluationInfo,
    points: &[SFelt],
    (n_original, n_interaction): (usize, usize),
    values: &Decommitted<'_>,
) -> Result<Vec<SFelt>, StoneError> {
    let n_values = MASK.len() + COMPOSITION_COLUMNS;
    if info.oods_values.len() != n_values || info.constraint_coefficients.len() < n_values {
        return Err(rejected(format!("{} values where the layout samples {n_values}", info.oods_values.len())));
    }
    let fits = |slice: &[SFelt], columns: usize| slice.len() == points.len() * columns;
    if !fits(values.original, n_original)
        || !fits(values.interaction, n_interaction)
        || !fits(values.composition, COMPOSITION_COLUMNS)
    {
        return Err(rejected("the decommitted trace values do not match the number of queries"));
    }
    if MASK.iter().any(|(column, _)| usize::from(*column) >= n_original + n_interaction) {
        return Err(rejected("the layout's mask names a column the traces do not have"));
    }
    let mut offsets: Vec<u16> = MASK.iter().map(|(_, offset)| *offset).collect();
    offsets.sort_unstable();
    offsets.dedup();
    // Each distinct row offset's shifted point g^k·z, then z^2 for the composition columns.
    let z = info.oods_point;
    let mut shifted: Vec<SFelt> = offsets.iter().map(|k| info.trace_generator.pow(u128::from(*k)) * z).collect();
    shifted.push(z.pow(COMPOSITION_COLUMNS as u128));
    let mut denominators: Vec<SFelt> = points.iter().flat_map(|x| shifted.iter().map(move |s| *x - *s)).collect();
    invert_all(&mut denominators).ok_or_else(|| rejected("a query point equals a sampled point"))?;
    let slot: Vec<usize> = MASK.iter().map(|(_, k)| offsets.partition_point(|o| o < k)).collect();
    let (coefficients, oods) = (&info.constraint_coefficients, &info.oods_values);
    let quotients = (0..points.len())
        .map(|at| {
            let inverses = &denominators[at * shifted.len()..(at + 1) * shifted.len()];
            let original = &values.original[at * n_original..(at + 1) * n_original];
            let interaction = &values.interaction[at * n_interaction..(at + 1) * n_interaction];
            let column = |c: usize| if c < n_original { original[c] } else { interaction[c - n_original] };
            let mut sum = SFelt::ZERO;
            for (i, (c, _)) in MASK.iter().enumerate() {
                sum += coefficients[i] * (column(usize::from(*c)) - oods[i]) * inverses[slot[i]];
            }
            let composition = &values.composition[at * COMPOSITION_COLUMNS..(at + 1) * COMPOSITION_COLUMNS];
            let last = inverses[shifted.len() - 1];
            for (j, value) in composition.iter().enumerate() {
                let i = MASK.len() + j;
                sum += coefficients[i] * (*value - oods[i]) * last;
            }
            sum
        })
        .collect();
    Ok(quotients)
}
