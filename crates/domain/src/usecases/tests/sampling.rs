//! The sampler and the chain metrics source, over the in-memory store and a scripted pool reader.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::support::*;
use crate::market::{Amount, DerivationError, PoolSample, ProtocolTerms, SamplingPolicy};
use crate::metrics::Protocol;
use crate::ports::{MarketSamples, MetricsError, MetricsSource, MockPoolReader};
use crate::usecases::*;

const END: u64 = 1_769_120_005;

/// The docs' worked-example sample: 2,000,000 TVL, 100,000 volume and 300 fees since the previous one.
fn sample(block: u64, timestamp: u64, sqrt: u64) -> PoolSample {
    crate::market::tests::sample(block, timestamp, sqrt, 2_000_000, 100_000, 300)
}

fn clock_at(unix: u64) -> Arc<ManualClock> {
    Arc::new(ManualClock::at(DateTime::<Utc>::from_timestamp(unix as i64, 0).unwrap()))
}

/// A reader that answers block `block` for every protocol, checking the `after` it is asked with against
/// those allowed.
fn reader_at(block: u64, allowed_after: &[Option<u64>]) -> Arc<MockPoolReader> {
    let allowed = allowed_after.to_vec();
    let mut reader = MockPoolReader::new();
    reader.expect_sample().returning(move |_, after, at| {
        assert!(allowed.contains(&after), "the sampler asks for the swaps since its newest sample, not {after:?}");
        assert_eq!(at, None, "the sampler reads the newest block");
        Ok(sample(block, END, 100))
    });
    Arc::new(reader)
}

#[tokio::test]
async fn the_sampler_records_each_new_block_once_across_replicas() {
    let store = Arc::new(MemoryStore::new(clock_at(END)));
    let first = SampleMarkets::new(reader_at(10, &[None]), store.clone(), vec![Protocol::JediSwap]);
    assert!(matches!(first.tick().await[..], [(Protocol::JediSwap, SampleOutcome::Recorded(10))]));

    // Two replicas read the next block (the second may already see the first's sample); the store keeps
    // one sample of it.
    let a = SampleMarkets::new(reader_at(11, &[Some(10), Some(11)]), store.clone(), vec![Protocol::JediSwap]);
    let b = SampleMarkets::new(reader_at(11, &[Some(10), Some(11)]), store.clone(), vec![Protocol::JediSwap]);
    let (ta, tb) = tokio::join!(a.tick(), b.tick());
    let recorded = [&ta[0].1, &tb[0].1].iter().filter(|o| matches!(o, SampleOutcome::Recorded(11))).count();
    assert_eq!(recorded, 1, "{ta:?} {tb:?}");
    assert_eq!(store.samples_since(Protocol::JediSwap, 0).await.unwrap().len(), 2);

    // The chain has not moved: nothing is recorded.
    let idle = SampleMarkets::new(reader_at(11, &[Some(11)]), store.clone(), vec![Protocol::JediSwap]);
    assert!(matches!(idle.tick().await[..], [(_, SampleOutcome::Unchanged(11))]));

    // An RPC failure is reported per protocol and records nothing.
    let mut failing = MockPoolReader::new();
    failing.expect_sample().returning(|p, _, _| Err(MetricsError::Unavailable(format!("{p}: rpc down"))));
    let down = SampleMarkets::new(Arc::new(failing), store.clone(), vec![Protocol::JediSwap, Protocol::Ekubo]);
    let outcomes = down.tick().await;
    assert_eq!(outcomes.len(), 2);
    assert!(outcomes.iter().all(|(_, o)| matches!(o, SampleOutcome::Failed(MetricsError::Unavailable(_)))));
    assert_eq!(store.latest_sample(Protocol::JediSwap).await.unwrap().unwrap().block_number, 11);
}

/// docs/metrics.md's worked day, ending at `END`, for each of `protocols`.
async fn record_day(store: &MemoryStore, protocols: &[Protocol]) {
    let day = [(0u64, 100u64), (21_600, 100), (43_200, 100), (64_800, 101), (86_400, 100)];
    for (i, (dt, sqrt)) in day.iter().enumerate() {
        for &protocol in protocols {
            store.record_sample(protocol, &sample(10 + i as u64, END - 86_400 + dt, *sqrt)).await.unwrap();
        }
    }
}

#[tokio::test]
async fn one_replica_samples_while_it_holds_the_lease_and_another_takes_over_when_it_lapses() {
    let clock = clock_at(END);
    let store = Arc::new(MemoryStore::new(clock.clone()));
    let ttl = std::time::Duration::from_secs(180);
    let replica = |holder: &str, block: u64, allowed: &[Option<u64>]| {
        SampleMarkets::new(reader_at(block, allowed), store.clone(), vec![Protocol::JediSwap]).led_by(
            store.clone(),
            holder,
            ttl,
        )
    };
    assert!(matches!(replica("a", 10, &[None]).tick().await[..], [(_, SampleOutcome::Recorded(10))]));
    // b waits while a's lease runs, whatever the chain says.
    assert!(matches!(replica("b", 11, &[Some(10)]).tick().await[..], [(_, SampleOutcome::LedElsewhere)]));
    // a renews; then a stops, its lease lapses, and b takes over.
    assert!(matches!(replica("a", 11, &[Some(10)]).tick().await[..], [(_, SampleOutcome::Recorded(11))]));
    clock.advance(std::time::Duration::from_secs(179));
    assert!(matches!(replica("b", 12, &[Some(11)]).tick().await[..], [(_, SampleOutcome::LedElsewhere)]));
    clock.advance(std::time::Duration::from_secs(2));
    assert!(matches!(replica("b", 12, &[Some(11)]).tick().await[..], [(_, SampleOutcome::Recorded(12))]));
    assert!(matches!(replica("a", 13, &[Some(12)]).tick().await[..], [(_, SampleOutcome::LedElsewhere)]));
}

fn terms() -> MarketTerms {
    let tiers = [10_000_000u64, 1_000_000, 100_000].map(Amount::from);
    MarketTerms {
        jediswap: Some(ProtocolTerms { audit_score: 98, launched_at: 1_700_000_000, tvl_tiers: tiers }),
        ekubo: None,
    }
}

fn policy() -> SamplingPolicy {
    SamplingPolicy { volatility_window_secs: 43_200, min_samples: 3, max_sample_age_secs: 600 }
}

#[tokio::test]
async fn chain_metrics_derive_from_the_recorded_history() {
    let store = Arc::new(MemoryStore::new(clock_at(END)));
    // Older history outside both windows is recorded too and must not count.
    store.record_sample(Protocol::JediSwap, &sample(1, END - 400_000, 999)).await.unwrap();
    record_day(&store, &[Protocol::JediSwap]).await;
    let clock = clock_at(END + 30);
    let source = ChainMetrics::new(store.clone(), terms(), policy(), clock.clone());
    let reading = source.reading(Protocol::JediSwap).await.unwrap();
    assert_eq!(reading.metrics.to_array(), [2000, 398, 1, 98, 800], "docs/metrics.md's worked example");
    assert_eq!(reading.apy.get(), 2190);

    let unconfigured = source.reading(Protocol::Ekubo).await.unwrap_err();
    assert!(unconfigured.to_string().contains("[markets.ekubo]"), "{unconfigured}");

    clock.advance(std::time::Duration::from_secs(600));
    let stale = source.reading(Protocol::JediSwap).await.unwrap_err();
    assert!(
        matches!(
            &stale,
            MetricsError::NotDerivable { protocol: Protocol::JediSwap, reason: DerivationError::Stale { .. } }
        ),
        "{stale:?}"
    );
    assert!(stale.to_string().starts_with("jediswap: the newest sample (block 14)"), "{stale}");
}

/// A store with the model and a day of JediSwap samples, and a planner reading JediSwap from them.
async fn jediswap_from_the_chain() -> (Arc<MemoryStore>, StatementPlanner) {
    let store = Arc::new(MemoryStore::new(clock_at(END)));
    crate::ports::ModelStore::register(store.as_ref(), &model()).await.unwrap();
    record_day(&store, &[Protocol::JediSwap]).await;
    let source = Arc::new(ChainMetrics::new(store.clone(), terms(), policy(), clock_at(END)));
    let apys = DefaultApys { jediswap: crate::bps::Apy::new(850).unwrap(), ekubo: crate::bps::Apy::new(1210).unwrap() };
    (store.clone(), StatementPlanner::new(store, Some(source), apys))
}

#[tokio::test]
async fn a_decision_without_metrics_is_planned_from_chain_metrics() {
    let (_, planner) = jediswap_from_the_chain().await;
    let request = AllocationRequest { ekubo: Some(metrics(8200, 6100, 2, 72, 120)), ..AllocationRequest::default() };
    let computed = planner.compute(&request).await.unwrap();
    assert_eq!(computed.statement.snapshot.jediswap.to_array(), [2000, 398, 1, 98, 800]);
    assert_eq!(computed.statement.snapshot.jediswap_apy.get(), 2190, "the derived APY, not the default 850");

    // Ekubo's metrics are not supplied and Ekubo has no terms: the error names it.
    let neither = AllocationRequest::default();
    let refused = planner.compute(&neither).await.unwrap_err();
    assert!(refused.to_string().contains("ekubo"), "{refused}");
}

#[tokio::test]
async fn where_supplied_metrics_are_not_allowed_every_number_comes_from_the_chain() {
    let store = Arc::new(MemoryStore::new(clock_at(END)));
    crate::ports::ModelStore::register(store.as_ref(), &model()).await.unwrap();
    record_day(&store, &Protocol::ALL).await;
    let both = MarketTerms { ekubo: terms().jediswap, ..terms() };
    let source = Arc::new(ChainMetrics::new(store.clone(), both, policy(), clock_at(END)));
    let apys = DefaultApys { jediswap: crate::bps::Apy::new(850).unwrap(), ekubo: crate::bps::Apy::new(1210).unwrap() };
    let planner = StatementPlanner::new(store.clone(), Some(source), apys).supplied_metrics(false);

    let supplied = AllocationRequest { ekubo: Some(metrics(8200, 6100, 2, 72, 120)), ..AllocationRequest::default() };
    let refused = planner.compute(&supplied).await.unwrap_err();
    assert!(refused.to_string().starts_with("ekubo_metrics: is not accepted on this deployment"), "{refused}");
    let apy =
        AllocationRequest { jediswap_apy: Some(crate::bps::Apy::new(900).unwrap()), ..AllocationRequest::default() };
    let refused = planner.compute(&apy).await.unwrap_err();
    assert!(refused.to_string().starts_with("jediswap_apy: is not accepted"), "{refused}");

    let computed = planner.compute(&AllocationRequest::default()).await.unwrap();
    assert_eq!(computed.statement.snapshot.ekubo.to_array(), [2000, 398, 1, 98, 800]);
    assert_eq!(computed.statement.snapshot.ekubo_apy.get(), 2190);
}

#[tokio::test]
async fn a_chain_decision_names_a_snapshot_anyone_can_fetch_and_recompute() {
    use crate::decision::AllocationDecision;
    use crate::felt::SnapshotHash;
    use crate::market::snapshot_hash;
    use crate::ports::{DecisionStore, StoreError};
    use crate::proof::ProverKind;

    let (store, planner) = jediswap_from_the_chain().await;
    let request = AllocationRequest { ekubo: Some(metrics(8200, 6100, 2, 72, 120)), ..AllocationRequest::default() };
    let computed = planner.compute(&request).await.unwrap();
    let provenance = computed.statement.provenance;
    assert_eq!(provenance.block_number, 14, "the newest sample's block");
    let readings_hash = computed.origins.jediswap.readings().unwrap();
    assert_eq!(provenance.snapshot_hash, snapshot_hash(Some(readings_hash), None));

    let snapshots = MarketSnapshots::new(store.clone());
    let unnamed = snapshots.get(provenance.snapshot_hash).await.unwrap_err();
    assert!(matches!(unnamed, StoreError::NotFound(_)), "no decision names it yet: {unnamed:?}");

    let (decision, job) =
        AllocationDecision::plan(computed.statement, model().version(), vec![ProverKind::Luminair], chrono::Utc::now());
    store.create(&decision.with_metrics_origins(computed.origins), &job).await.unwrap();
    let readings = snapshots.get(provenance.snapshot_hash).await.unwrap();
    assert_eq!(readings.snapshot_hash(), provenance.snapshot_hash);
    assert_eq!(readings.block_number(), 14);
    let jediswap = readings.jediswap.unwrap();
    assert_eq!(jediswap.samples.len(), 5, "the day of samples the derivation read");
    assert_eq!(jediswap.terms, terms().jediswap.unwrap());
    // Re-deriving from the fetched readings gives the proven numbers.
    let again = crate::market::derive(&jediswap, END).unwrap().reading;
    assert_eq!(again.metrics, computed.statement.snapshot.jediswap);
    assert_eq!(readings.ekubo, None, "Ekubo's metrics were supplied");
    assert!(matches!(
        snapshots.get(SnapshotHash::new(crate::felt::Felt::from(5u8))).await.unwrap_err(),
        StoreError::NotFound(_)
    ));

    // Samples rewritten under the recorded readings are caught, not served.
    let mut tampered = sample(12, END - 43_200, 100);
    tampered.fees = Amount::from(1u128);
    store.rewrite_sample(Protocol::JediSwap, tampered);
    let changed = snapshots.get(provenance.snapshot_hash).await.unwrap_err();
    assert!(changed.to_string().contains("have changed since"), "{changed}");
}
