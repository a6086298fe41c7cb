//! Pool samples in Postgres: exact round trips of u256-sized amounts, one row per protocol and block even
//! when replicas race, history read back by time after a restart.

use crate::common;

use common::store;
use starkrisk_domain::market::{Amount, PoolSample, SqrtPrice};
use starkrisk_domain::ports::MarketSamples;
use starkrisk_domain::{Felt, Protocol};

fn sample(block: u64, timestamp: u64) -> PoolSample {
    PoolSample {
        block_number: block,
        block_hash: Felt::from_hex("0x6b04d5985e65cf6af1b8ac57cbe6a454f79c227336c3534e3607a6c8d4bcb1a").unwrap()
            + Felt::from(block),
        timestamp,
        price: SqrtPrice::x128(Amount::from_u256(u128::MAX, u128::MAX)),
        liquidity: u128::MAX,
        tvl: Amount::from_u256(7, u128::MAX),
        volume: Amount::from_u256(u128::MAX, 3),
        fees: Amount::from(block),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_round_trip_exactly_and_once_per_block() {
    let (db, store) = store().await;
    assert_eq!(store.latest_sample(Protocol::JediSwap).await.unwrap(), None);
    for block in [10, 11, 12] {
        assert!(store.record_sample(Protocol::JediSwap, &sample(block, 1_000 + block)).await.unwrap());
    }
    assert!(store.record_sample(Protocol::Ekubo, &sample(11, 5)).await.unwrap(), "another protocol's block 11");

    // A second record of block 11 (another replica's, read a moment later) leaves the first one.
    let mut later = sample(11, 1_011);
    later.fees = Amount::from(999u64);
    assert!(!store.record_sample(Protocol::JediSwap, &later).await.unwrap());
    assert_eq!(
        store.samples_since(Protocol::JediSwap, 1_011).await.unwrap(),
        vec![sample(11, 1_011), sample(12, 1_012)]
    );
    assert_eq!(store.latest_sample(Protocol::JediSwap).await.unwrap(), Some(sample(12, 1_012)));
    assert_eq!(store.samples_since(Protocol::Ekubo, 0).await.unwrap(), vec![sample(11, 5)]);

    // Replicas racing on one new block: exactly one records it.
    let (next, replica) = (sample(13, 1_013), db.store());
    let (a, b) =
        tokio::join!(store.record_sample(Protocol::JediSwap, &next), replica.record_sample(Protocol::JediSwap, &next));
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|r| **r).count(), 1);

    // A restart (a new connection pool on the same database) reads the same history.
    let restarted = starkrisk_postgres::PgStore::new(
        starkrisk_postgres::Database::connect(&starkrisk_postgres::testing::pool(db.url.clone())).unwrap(),
    );
    assert_eq!(restarted.samples_since(Protocol::JediSwap, 0).await.unwrap().len(), 4);
    assert_eq!(restarted.latest_sample(Protocol::JediSwap).await.unwrap(), Some(sample(13, 1_013)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_names_a_snapshot_whose_readings_come_back_whole() {
    use starkrisk_domain::market::{MetricsOrigin, MetricsOrigins, ProtocolReadings, ProtocolTerms, SamplingPolicy};
    use starkrisk_domain::ports::DecisionStore;
    use starkrisk_domain::{AllocationDecision, ModelVersion, ProverKind, ReadingsHash, SnapshotHash};

    let (_db, store) = store().await;
    for block in [810, 811, 812, 813] {
        store.record_sample(Protocol::JediSwap, &sample(block, 2_000 + block)).await.unwrap();
    }
    let readings = ProtocolReadings {
        protocol: Protocol::JediSwap,
        terms: ProtocolTerms {
            audit_score: 95,
            launched_at: 1_650_000_000,
            tvl_tiers: [Amount::from_u256(0, 1), Amount::from(10u128.pow(20)), Amount::from(1u128)],
        },
        policy: SamplingPolicy { volatility_window_secs: 600, min_samples: 3, max_sample_age_secs: 60 },
        samples: vec![sample(810, 2_810), sample(811, 2_811), sample(812, 2_812)],
    };
    store.record_readings(&readings).await.unwrap();
    store.record_readings(&readings).await.unwrap();
    assert_eq!(store.readings(readings.hash()).await.unwrap().as_ref(), Some(&readings), "block 813 is not in them");
    assert_eq!(store.readings(ReadingsHash::new(Felt::from(7u8))).await.unwrap(), None);

    let origins = MetricsOrigins {
        jediswap: MetricsOrigin::Chain {
            block_number: 812,
            block_hash: sample(812, 0).block_hash,
            readings: readings.hash(),
        },
        ekubo: MetricsOrigin::Supplied,
    };
    let statement = common::statement().with_provenance(origins.provenance());
    assert_eq!(statement.provenance.block_number, 812);
    let (decision, job) =
        AllocationDecision::plan(statement, ModelVersion::V1, vec![ProverKind::Luminair], chrono::Utc::now());
    let decision = decision.with_metrics_origins(origins);
    DecisionStore::create(&store, &decision, &job).await.unwrap();
    let stored = DecisionStore::get(&store, decision.id()).await.unwrap().unwrap();
    assert_eq!(stored.metrics_origins(), origins);
    assert_eq!(stored.statement().provenance, statement.provenance);

    let snapshot = store.snapshot(statement.provenance.snapshot_hash).await.unwrap().expect("a decision names it");
    assert_eq!(snapshot.jediswap.as_ref(), Some(&readings));
    assert_eq!(snapshot.ekubo, None);
    assert_eq!(snapshot.snapshot_hash(), statement.provenance.snapshot_hash);
    assert_eq!(store.snapshot(SnapshotHash::new(Felt::from(7u8))).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_holder_leads_until_its_lease_lapses() {
    use starkrisk_domain::ports::Leadership;
    use starkrisk_domain::testing::store_contract::StoreTime;
    use std::time::Duration;

    let (db, store) = store().await;
    let long = Duration::from_secs(60);
    assert!(store.try_lead("market-sampler", "a", long).await.unwrap());
    assert!(!db.store().try_lead("market-sampler", "b", long).await.unwrap(), "a's lease runs");
    assert!(store.try_lead("market-sampler", "a", Duration::from_millis(50)).await.unwrap(), "a renews, shorter");
    assert!(store.try_lead("other-task", "b", long).await.unwrap(), "leases are per task");
    // Postgres' now() cannot be moved: its leases are moved back instead.
    StoreTime::pass(&db, Duration::from_millis(60)).await;
    assert!(db.store().try_lead("market-sampler", "b", long).await.unwrap(), "a's lease lapsed: b takes over");
    assert!(!store.try_lead("market-sampler", "a", long).await.unwrap());
}
