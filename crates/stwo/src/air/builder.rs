//! One description of the risk graph, read two ways: by the prover as a witness (the trace it commits to),
//! and by prover and verifier alike as the constraints that trace must satisfy. Writing the graph once
//! means the trace and the constraints cannot drift apart.

/// Width of a limb of the big integers in the allocation rule (numbers above the M31 prime).
pub(crate) const LIMB_BITS: u32 = 12;

/// Bits one range-check column holds. A column of `k` bits is pinned by one constraint of degree `2^k`
/// (it vanishes on `0..2^k` only), so this trades trace width, which every commitment, opening and
/// out-of-domain sample pays per column, against the constraints' degree, which only the composition pays.
pub(crate) const RANGE_LIMB_BITS: u32 = 2;

/// Log2 of the highest constraint degree: the range-check limbs' `2^RANGE_LIMB_BITS`, never below the 2
/// of a product of two columns.
pub(crate) const LOG_MAX_DEGREE: u32 = if RANGE_LIMB_BITS > 1 { RANGE_LIMB_BITS } else { 1 };

/// The operations the risk graph is written in.
///
/// Every value is an integer far below the M31 prime `2^31 - 1` (the gadgets document their bounds), so an
/// identity that holds in the field holds over the integers too: that is what makes floor divisions and
/// comparisons provable with range checks alone.
pub(crate) trait Air {
    /// A value: an exact integer for the witness, a field expression for the constraints.
    type Expr: Clone;

    /// A constant, which must be below the M31 prime.
    fn constant(&self, value: u64) -> Self::Expr;

    /// A new trace column. `hint` computes its value on the prover's side only; the verifier never runs it.
    fn column(&mut self, hint: impl FnOnce(&Self) -> i128) -> Self::Expr;

    /// `a + b`.
    fn add(&self, a: &Self::Expr, b: &Self::Expr) -> Self::Expr;

    /// `a - b`.
    fn sub(&self, a: &Self::Expr, b: &Self::Expr) -> Self::Expr;

    /// `a * b`; constraints stay of degree at most `2^LOG_MAX_DEGREE`.
    fn mul(&self, a: &Self::Expr, b: &Self::Expr) -> Self::Expr;

    /// `a * k` for a constant `k` below the prime.
    fn scale(&self, a: &Self::Expr, k: u64) -> Self::Expr;

    /// Requires `e == 0` on every row; `what` names the constraint when the prover's own trace breaks it.
    fn assert_zero(&mut self, what: &'static str, e: Self::Expr);

    /// The integer the prover assigned to `e`. Only meaningful inside a `column` hint.
    fn value(&self, e: &Self::Expr) -> i128;
}

/// Bits needed to write `max` (0 for 0).
pub(crate) const fn bits_for(max: u64) -> u32 {
    u64::BITS - max.leading_zeros()
}

/// A new value in `[0, 2^n_bits)`, written in columns of at most `RANGE_LIMB_BITS` bits each.
pub(crate) fn unsigned<A: Air>(air: &mut A, n_bits: u32, hint: impl Fn(&A) -> i128) -> A::Expr {
    let mut sum = air.constant(0);
    for low in (0..n_bits).step_by(RANGE_LIMB_BITS as usize) {
        let width = RANGE_LIMB_BITS.min(n_bits - low);
        let limb = air.column(|a| (hint(a) >> low) & ((1 << width) - 1));
        // (limb - 0)(limb - 1)...(limb - (2^width - 1)) is zero in the field exactly on 0..2^width.
        let vanishing = (1..1u64 << width).fold(limb.clone(), |product, j| {
            let factor = air.sub(&limb, &air.constant(j));
            air.mul(&product, &factor)
        });
        air.assert_zero("a range-check limb is below its bound", vanishing);
        sum = air.add(&sum, &air.scale(&limb, 1 << low));
    }
    sum
}

/// Proves `0 <= e < 2^n_bits`.
pub(crate) fn range_check<A: Air>(air: &mut A, what: &'static str, e: &A::Expr, n_bits: u32) {
    let written = unsigned(air, n_bits, |a| a.value(e));
    air.assert_zero(what, air.sub(&written, e));
}

/// A boolean column.
pub(crate) fn flag<A: Air>(air: &mut A, hint: impl FnOnce(&A) -> bool) -> A::Expr {
    let bit = air.column(|a| i128::from(hint(a)));
    let not_bit = air.sub(&air.constant(1), &bit);
    air.assert_zero("a flag is 0 or 1", air.mul(&bit, &not_bit));
    bit
}

/// `numerator / divisor` rounded down, for a constant divisor, proven by `numerator = q * divisor + r` with
/// `0 <= r < divisor` and `q < 2^q_bits`. Sound while `2^q_bits * divisor` and the numerator stay below the
/// prime, which every caller's bounds give.
pub(crate) fn floor_div<A: Air>(
    air: &mut A,
    what: &'static str,
    numerator: &A::Expr,
    divisor: u64,
    q_bits: u32,
) -> A::Expr {
    let d = i128::from(divisor.max(1));
    let r_bits = bits_for(divisor.saturating_sub(1));
    let quotient = unsigned(air, q_bits, |a| a.value(numerator).div_euclid(d));
    let remainder = unsigned(air, r_bits, |a| a.value(numerator).rem_euclid(d));
    let slack = air.sub(&air.constant(divisor.saturating_sub(1)), &remainder);
    range_check(air, "a remainder is below its divisor", &slack, r_bits);
    let rebuilt = air.add(&air.scale(&quotient, divisor), &remainder);
    air.assert_zero(what, air.sub(numerator, &rebuilt));
    quotient
}

/// Proves `sum_k limbs[k] * 2^(12k) == 0` over the integers for limb expressions whose magnitudes stay below
/// `2^(carry_bits + 11)`, with signed carries between limbs in `[-2^(carry_bits-1), 2^(carry_bits-1))`.
pub(crate) fn limbs_vanish<A: Air>(air: &mut A, what: &'static str, limbs: &[A::Expr], carry_bits: u32) {
    let offset = 1i128 << (carry_bits - 1);
    let base = 1u64 << LIMB_BITS;
    let mut carry_in: Option<A::Expr> = None;
    for (k, limb) in limbs.iter().enumerate() {
        let total = match &carry_in {
            Some(c) => air.add(limb, c),
            None => limb.clone(),
        };
        if k + 1 == limbs.len() {
            air.assert_zero(what, total);
            return;
        }
        // The carry out is exact: the limbs below already sum to a multiple of the base.
        let shifted = unsigned(air, carry_bits, |a| (a.value(&total) >> LIMB_BITS) + offset);
        let carry = air.sub(&shifted, &air.constant(offset as u64));
        air.assert_zero(what, air.sub(&total, &air.scale(&carry, base)));
        carry_in = Some(carry);
    }
}

/// A number of `n` limbs of 12 bits each, every limb range-checked; `hint` gives the whole number.
pub(crate) fn big_unsigned<A: Air>(air: &mut A, n: usize, hint: impl Fn(&A) -> i128) -> Vec<A::Expr> {
    (0..n).map(|k| unsigned(air, LIMB_BITS, |a| (hint(a) >> (LIMB_BITS * k as u32)) & ((1 << LIMB_BITS) - 1))).collect()
}

/// The integer a limb vector stands for (prover side).
pub(crate) fn big_value<A: Air>(air: &A, limbs: &[A::Expr]) -> i128 {
    limbs.iter().rev().fold(0, |acc, limb| (acc << LIMB_BITS) + air.value(limb))
}

/// The 12-bit limbs of a constant, as constants.
pub(crate) fn big_constant<A: Air>(air: &A, value: u64, n: usize) -> Vec<A::Expr> {
    (0..n).map(|k| air.constant((value >> (LIMB_BITS * k as u32)) & ((1 << LIMB_BITS) - 1))).collect()
}
