//! The scheduled rebalancer over the in-memory store and a metrics source whose readings the test moves.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::planning::{orchestrate, store_with_model};
use super::support::*;
use crate::bps::Apy;
use crate::decision::{AllocationDecision, DecisionStatus};
use crate::market::MetricsOrigin;
use crate::metrics::{Protocol, ProtocolMetrics};
use crate::ports::{DecisionStore, MetricsError, MetricsSource, MockMetricsSource, ProtocolReading};
use crate::usecases::*;

/// A chain source whose JediSwap volatility the test sets; `None` makes it fail.
fn moving_source(volatility: Arc<Mutex<Option<u64>>>) -> Arc<dyn MetricsSource> {
    let mut source = MockMetricsSource::new();
    source.expect_reading().returning(move |protocol| {
        let metrics: ProtocolMetrics = match protocol {
            Protocol::JediSwap => match *volatility.lock().unwrap() {
                Some(v) => metrics(6500, v, 1, 98, 800),
                None => return Err(MetricsError::Unavailable("jediswap: the node is down".into())),
            },
            Protocol::Ekubo => metrics(8200, 6100, 2, 72, 120),
        };
        let origin = MetricsOrigin::Chain {
            block_number: 9,
            block_hash: crate::Felt::from(9u8),
            readings: crate::ReadingsHash::new(crate::Felt::from(protocol as u8 + 1)),
        };
        Ok(ProtocolReading { metrics, apy: Apy::new(1000).unwrap(), origin })
    });
    Arc::new(source)
}

async fn executed(store: &MemoryStore, decision: &AllocationDecision) {
    let executed = crate::testing::executed_decision(decision.clone(), 7, decision.created_at());
    store.save(&executed, DecisionStatus::Pending).await.unwrap();
}

#[tokio::test]
async fn the_rebalancer_plans_only_when_the_split_moves_enough_and_nothing_is_in_flight() {
    let store = store_with_model().await;
    let volatility = Arc::new(Mutex::new(Some(3500)));
    let orchestrate = Arc::new(orchestrate(&store, Some(moving_source(volatility.clone()))));
    let rebalancer = ScheduledRebalance::new(orchestrate, store.clone(), 500).led_by(
        store.clone(),
        "replica-a",
        Duration::from_secs(30),
    );

    // Nothing executed yet: the first round plans, from the chain.
    let first = match rebalancer.tick().await {
        RebalanceOutcome::Planned { decision, shift_bps: 10_000 } => decision,
        other => panic!("the first round must plan, not {other:?}"),
    };
    let planned = store.get(first).await.unwrap().unwrap();
    assert_eq!(planned.metrics_origins().summary(), "chain");
    assert_ne!(planned.statement().provenance.snapshot_hash.felt(), crate::Felt::ZERO);
    // It has not settled: the next round waits for it rather than piling up decisions.
    assert!(matches!(rebalancer.tick().await, RebalanceOutcome::InFlight(id) if id == first));

    executed(&store, &planned).await;
    assert!(matches!(rebalancer.tick().await, RebalanceOutcome::Unchanged { shift_bps: 0 }));
    // A small move of JediSwap's volatility shifts the split by less than 500 bps: still unchanged.
    *volatility.lock().unwrap() = Some(4000);
    match rebalancer.tick().await {
        RebalanceOutcome::Unchanged { shift_bps } => assert!((1..500).contains(&shift_bps), "{shift_bps}"),
        other => panic!("a small move must not plan: {other:?}"),
    }
    // A large one does, measured from the executed split.
    *volatility.lock().unwrap() = Some(9900);
    let held = planned.statement().allocation.jediswap().get();
    match rebalancer.tick().await {
        RebalanceOutcome::Planned { decision, shift_bps } => {
            let proposed = store.get(decision).await.unwrap().unwrap().statement().allocation.jediswap().get();
            assert_eq!(shift_bps, held.abs_diff(proposed));
            assert!(shift_bps >= 500, "{shift_bps}");
        }
        other => panic!("a large move must plan: {other:?}"),
    }
    let all = store.list(crate::ports::PageRequest { limit: 10, before: None }).await.unwrap();
    assert_eq!(all.items.len(), 2, "two rounds planned, the others did not");
}

#[tokio::test]
async fn one_replica_rebalances_and_failures_name_their_cause() {
    let store = store_with_model().await;
    let volatility = Arc::new(Mutex::new(None));
    let orchestrate = Arc::new(orchestrate(&store, Some(moving_source(volatility.clone()))));
    let lead = |holder: &str| {
        ScheduledRebalance::new(orchestrate.clone(), store.clone(), 500).led_by(
            store.clone(),
            holder,
            Duration::from_secs(30),
        )
    };
    let (a, b) = (lead("replica-a"), lead("replica-b"));
    match a.tick().await {
        RebalanceOutcome::Failed(reason) => assert!(reason.contains("jediswap: the node is down"), "{reason}"),
        other => panic!("an unreadable chain must fail the round: {other:?}"),
    }
    assert!(matches!(b.tick().await, RebalanceOutcome::LedElsewhere), "a holds the lease");
    *volatility.lock().unwrap() = Some(3500);
    assert!(matches!(a.tick().await, RebalanceOutcome::Planned { .. }));
    assert!(store.list(crate::ports::PageRequest { limit: 10, before: None }).await.unwrap().items.len() == 1);
}

#[test]
fn every_outcome_is_named_once_in_the_list_metrics_start_from() {
    use crate::usecases::RebalanceOutcome;
    let outcomes = [
        RebalanceOutcome::Planned { decision: crate::DecisionId::random(), shift_bps: 1 },
        RebalanceOutcome::Unchanged { shift_bps: 0 },
        RebalanceOutcome::InFlight(crate::DecisionId::random()),
        RebalanceOutcome::LedElsewhere,
        RebalanceOutcome::Failed("x".into()),
    ];
    let names: Vec<_> = outcomes.iter().map(RebalanceOutcome::as_str).collect();
    assert_eq!(names, RebalanceOutcome::NAMES);
}
