//! The vectors of docs/metrics.md, whole derivations, and properties over any u256 amounts.

use num_bigint::BigUint;
use proptest::prelude::*;

use super::*;
use crate::bps::Apy;
use crate::felt::Felt;
use crate::metrics::Protocol;

const DOC: &str = include_str!("../../../../docs/metrics.md");

/// The rows of the table under `heading`, each cell's first word (annotations dropped).
fn table(heading: &str) -> Vec<Vec<String>> {
    let start = DOC.find(heading).unwrap_or_else(|| panic!("docs/metrics.md has no `{heading}`"));
    let rows: Vec<Vec<String>> = DOC[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| l.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect())
        .collect();
    assert!(!rows.is_empty(), "`{heading}` has no rows");
    rows
}

fn num(cell: &str) -> u64 {
    cell.parse().unwrap_or_else(|_| panic!("`{cell}` is not a number"))
}

fn list(cell: &str) -> Vec<u64> {
    cell.split(',').map(|c| num(c.trim())).collect()
}

/// A sample with a Q64.96 root price of `sqrt` (the scale cancels in every figure but TVL valuation).
pub(crate) fn sample(block: u64, timestamp: u64, sqrt: u64, tvl: u64, volume: u64, fees: u64) -> PoolSample {
    PoolSample {
        block_number: block,
        block_hash: Felt::from(block),
        timestamp,
        price: SqrtPrice::x96(Amount::from(sqrt)),
        liquidity: 1,
        tvl: Amount::from(tvl),
        volume: Amount::from(volume),
        fees: Amount::from(fees),
    }
}

#[test]
fn utilization_and_apy_vectors() {
    for row in table("### Vectors: utilization and APY") {
        let [volume, fees, tvl, elapsed, util, apy_bps] = [0, 1, 2, 3, 4, 5].map(|i| num(&row[i]));
        let (volume, fees, tvl) = (Amount::from(volume), Amount::from(fees), Amount::from(tvl));
        assert_eq!(u64::from(utilization(&volume, &tvl, elapsed).get()), util, "{row:?}");
        assert_eq!(u64::from(apy(&fees, &tvl, elapsed).get()), apy_bps, "{row:?}");
    }
}

#[test]
fn price_return_vectors() {
    for row in table("### Vectors: price returns") {
        let (before, after) = (sample(1, 0, num(&row[0]), 1, 0, 0), sample(2, 1, num(&row[1]), 1, 0, 0));
        assert_eq!(price_return(&before, &after).unwrap(), BigUint::from(num(&row[2])), "{row:?}");
    }
}

#[test]
fn volatility_vectors() {
    for row in table("### Vectors: volatility") {
        let samples: Vec<_> = list(&row[0])
            .into_iter()
            .zip(list(&row[1]))
            .enumerate()
            .map(|(i, (sqrt, t))| sample(i as u64 + 1, t, sqrt, 1, 0, 0))
            .collect();
        assert_eq!(u64::from(volatility(&samples).unwrap().get()), num(&row[2]), "{row:?}");
    }
}

#[test]
fn tvl_vectors() {
    for row in table("### Vectors: TVL") {
        let bits = num(&row[3]) as u32;
        let sqrt = Amount::from_big(BigUint::from(num(&row[2])) << bits);
        let price = SqrtPrice { sqrt, fraction_bits: bits };
        let quote = if row[4] == "token0" { QuoteToken::Token0 } else { QuoteToken::Token1 };
        let tvl = value_in_quote(&Amount::from(num(&row[0])), &Amount::from(num(&row[1])), &price, quote, 1).unwrap();
        assert_eq!(tvl, Amount::from(num(&row[5])), "{row:?}");
    }
}

fn tiers() -> [Amount; 3] {
    [10_000_000u64, 1_000_000, 100_000].map(Amount::from)
}

#[test]
fn tier_and_age_vectors() {
    for row in table("### Vectors: liquidity tier and age") {
        assert_eq!(u64::from(liquidity_tier(&Amount::from(num(&row[0])), &tiers()).get()), num(&row[1]));
        let snapshot = sample(1, num(&row[2]), 1, 1, 0, 0);
        assert_eq!(u64::from(age_days(1_700_000_000, &snapshot).unwrap()), num(&row[3]), "{row:?}");
    }
}

fn terms() -> ProtocolTerms {
    ProtocolTerms { audit_score: 98, launched_at: 1_700_000_000, tvl_tiers: tiers() }
}

/// The derivation of `samples` as JediSwap's readings under `terms` and `policy`.
fn derive(
    samples: &[PoolSample],
    terms: &ProtocolTerms,
    policy: &SamplingPolicy,
    now: u64,
) -> Result<Derivation, DerivationError> {
    let readings = ProtocolReadings {
        protocol: Protocol::JediSwap,
        terms: terms.clone(),
        policy: *policy,
        samples: samples.to_vec(),
    };
    super::derive(&readings, now)
}

fn policy() -> SamplingPolicy {
    SamplingPolicy { volatility_window_secs: 43_200, min_samples: 3, max_sample_age_secs: 600 }
}

/// Five 6-hourly samples ending at `end`: the first utilization row and the first volatility row of
/// docs/metrics.md (the volatility window of 12 h holds the last three).
fn day(end: u64) -> Vec<PoolSample> {
    [(0u64, 100u64), (21_600, 100), (43_200, 100), (64_800, 101), (86_400, 100)]
        .iter()
        .enumerate()
        .map(|(i, &(dt, sqrt))| sample(i as u64 + 10, end - 86_400 + dt, sqrt, 2_000_000, 100_000, 300))
        .collect()
}

#[test]
fn a_whole_derivation_reads_the_snapshot_and_its_windows() {
    let end = 1_769_120_005;
    let derived = derive(&day(end), &terms(), &policy(), end + 30).unwrap();
    let m = derived.reading.metrics;
    assert_eq!(m.to_array(), [2000, 398, 1, 98, 800]);
    assert_eq!(derived.reading.apy.get(), 2190);
    assert_eq!(derived.snapshot.block_number, 14);
}

#[test]
fn every_refusal_names_its_reason() {
    let end = 1_769_120_005;
    let samples = day(end);
    assert_eq!(derive(&[], &terms(), &policy(), end), Err(DerivationError::NoSamples));
    let stale = derive(&samples, &terms(), &policy(), end + 601).unwrap_err();
    assert!(matches!(stale, DerivationError::Stale { age_secs: 601, .. }), "{stale:?}");
    let few = derive(&samples[3..], &terms(), &policy(), end).unwrap_err();
    assert!(matches!(few, DerivationError::TooFewSamples { have: 2, need: 3, .. }), "{few:?}");
    let mut empty = samples.clone();
    empty.last_mut().unwrap().tvl = Amount::zero();
    assert_eq!(derive(&empty, &terms(), &policy(), end), Err(DerivationError::ZeroTvl { block: 14 }));
    let mut swapped = samples.clone();
    swapped.swap(2, 3);
    assert!(matches!(derive(&swapped, &terms(), &policy(), end), Err(DerivationError::Unordered { .. })));
    let late = ProtocolTerms { launched_at: end + 1, ..terms() };
    assert!(matches!(derive(&samples, &late, &policy(), end), Err(DerivationError::LaunchAfterSnapshot { .. })));
    let frozen: Vec<_> = (0..3).map(|i| sample(i + 1, end, 100, 1, 0, 0)).collect();
    assert!(matches!(derive(&frozen, &terms(), &policy(), end), Err(DerivationError::NoElapsedTime { .. })));
    let mut zero_price = samples.clone();
    zero_price[2].price.sqrt = Amount::zero();
    assert!(matches!(derive(&zero_price, &terms(), &policy(), end), Err(DerivationError::ZeroPrice { .. })));
}

fn u256() -> impl Strategy<Value = Amount> {
    (any::<u128>(), any::<u128>()).prop_map(|(low, high)| Amount::from_u256(low, high))
}

proptest! {
    #[test]
    fn ratios_stay_in_range_for_any_u256(volume in u256(), fees in u256(), tvl in u256(), elapsed in 1u64..) {
        prop_assert!(utilization(&volume, &tvl, elapsed).get() <= 10_000);
        prop_assert!(apy(&fees, &tvl, elapsed).get() <= Apy::MAX);
    }

    #[test]
    fn more_volume_never_lowers_utilization(a in u256(), b in u256(), tvl in u256(), elapsed in 1u64..) {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(utilization(&low, &tvl, elapsed) <= utilization(&high, &tvl, elapsed));
    }

    #[test]
    fn more_tvl_never_raises_utilization_or_the_tier(volume in u256(), a in u256(), b in u256()) {
        let (low, high) = if a <= b { (a, b) } else { (b, a) };
        prop_assume!(!low.is_zero());
        prop_assert!(utilization(&volume, &high, 86_400) <= utilization(&volume, &low, 86_400));
        prop_assert!(liquidity_tier(&high, &tiers()) <= liquidity_tier(&low, &tiers()));
    }

    #[test]
    fn volatility_and_valuation_never_overflow(
        roots in proptest::collection::vec((1u128.., any::<u128>()), 2..8),
        gaps in proptest::collection::vec(1u64..1_000_000, 8),
        balances in (u256(), u256()),
    ) {
        let mut t = 0;
        let samples: Vec<_> = roots.iter().enumerate().map(|(i, &(low, high))| {
            t += gaps[i];
            PoolSample { price: SqrtPrice::x128(Amount::from_u256(low, high)), ..sample(i as u64 + 1, t, 0, 1, 0, 0) }
        }).collect();
        prop_assert!(volatility(&samples).unwrap().get() <= 10_000);
        for s in &samples {
            for quote in [QuoteToken::Token0, QuoteToken::Token1] {
                prop_assert!(value_in_quote(&balances.0, &balances.1, &s.price, quote, 1).is_ok());
            }
        }
    }

    #[test]
    fn a_bigger_move_never_lowers_volatility(base in 1u64..1_000_000, small in 0u64..1000, extra in 0u64..1000) {
        let path = |step: u64| vec![sample(1, 0, base, 1, 0, 0), sample(2, 3600, base + step, 1, 0, 0)];
        let calm = volatility(&path(small)).unwrap();
        let wild = volatility(&path(small + extra)).unwrap();
        prop_assert!(calm <= wild);
    }
}

/// One edit of a protocol's readings.
type Change = Box<dyn Fn(&mut ProtocolReadings)>;

fn bump(amount: &Amount) -> Amount {
    amount.clone() + Amount::from(1u128)
}

#[test]
fn every_raw_reading_moves_the_readings_hash() {
    let end = 1_769_120_005;
    let readings =
        ProtocolReadings { protocol: Protocol::JediSwap, terms: terms(), policy: policy(), samples: day(end) };
    let hash = readings.hash();
    let changes: Vec<(&str, Change)> = vec![
        ("protocol", Box::new(|r| r.protocol = Protocol::Ekubo)),
        ("audit_score", Box::new(|r| r.terms.audit_score += 1)),
        ("launched_at", Box::new(|r| r.terms.launched_at += 1)),
        ("tvl_tiers", Box::new(|r| r.terms.tvl_tiers[2] = bump(&r.terms.tvl_tiers[2]))),
        ("volatility_window", Box::new(|r| r.policy.volatility_window_secs += 1)),
        ("min_samples", Box::new(|r| r.policy.min_samples += 1)),
        ("max_sample_age", Box::new(|r| r.policy.max_sample_age_secs += 1)),
        ("a sample dropped", Box::new(|r| drop(r.samples.remove(0)))),
        ("block_number", Box::new(|r| r.samples[1].block_number += 1)),
        ("block_hash", Box::new(|r| r.samples[1].block_hash += Felt::ONE)),
        ("timestamp", Box::new(|r| r.samples[1].timestamp += 1)),
        ("price", Box::new(|r| r.samples[2].price.sqrt = bump(&r.samples[2].price.sqrt))),
        ("fraction_bits", Box::new(|r| r.samples[2].price.fraction_bits = 128)),
        ("liquidity", Box::new(|r| r.samples[3].liquidity += 1)),
        ("tvl", Box::new(|r| r.samples[4].tvl = bump(&r.samples[4].tvl))),
        ("volume", Box::new(|r| r.samples[4].volume = bump(&r.samples[4].volume))),
        ("fees", Box::new(|r| r.samples[0].fees = bump(&r.samples[0].fees))),
        // An amount past 128 bits takes another limb: it must not collide with the next field's value.
        ("a wide amount", Box::new(|r| r.samples[0].fees = Amount::from_u256(0, 1))),
    ];
    for (what, change) in changes {
        let mut changed = readings.clone();
        change(&mut changed);
        assert_ne!(changed.hash(), hash, "{what} does not move the hash");
        let snapshot = |h| snapshot_hash(Some(h), None);
        assert_ne!(snapshot(changed.hash()), snapshot(hash), "{what} does not move the snapshot hash");
    }
    assert_eq!(readings.clone().hash(), hash, "the hash is a function of the readings");
    // Which protocol a readings hash sits under matters, and no chain readings hash to zero.
    assert_ne!(snapshot_hash(Some(hash), None), snapshot_hash(None, Some(hash)));
    assert_eq!(snapshot_hash(None, None).felt(), Felt::ZERO);
    let derived = super::derive(&readings, end + 30).unwrap();
    assert_eq!(derived.reading.origin.readings(), Some(hash), "a derivation names the readings it read");
}
