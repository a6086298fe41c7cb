//! The caches in front of the metrics source and the FactRegistry.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use starkrisk_app::{CachedFacts, CachedMetrics};
use starkrisk_domain::Protocol;
use starkrisk_domain::ports::{FactRegistry, MetricsSource, MockFactRegistry, MockMetricsSource, ProtocolReading};
use starkrisk_domain::testing::ManualClock;
use starkrisk_domain::*;

fn counted_source(calls: Arc<AtomicUsize>) -> Arc<dyn MetricsSource> {
    let mut mock = MockMetricsSource::new();
    mock.expect_reading().returning(move |protocol| {
        let n = calls.fetch_add(1, Ordering::SeqCst) as u32;
        let metrics = *examples::SNAPSHOT.metrics(protocol);
        Ok(ProtocolReading { metrics, apy: Apy::new(800 + n).unwrap(), origin: Default::default() })
    });
    Arc::new(mock)
}

#[tokio::test]
async fn readings_are_reused_until_they_expire_and_each_protocol_has_its_own() {
    let calls = Arc::new(AtomicUsize::new(0));
    let clock = Arc::new(ManualClock::default());
    let cached = CachedMetrics::new(counted_source(calls.clone()), Duration::from_secs(60), clock.clone());
    let first = cached.reading(Protocol::JediSwap).await.unwrap();
    assert_eq!(cached.reading(Protocol::JediSwap).await.unwrap(), first);
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the second read came from the cache");
    cached.reading(Protocol::Ekubo).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    clock.advance(Duration::from_secs(59));
    assert_eq!(cached.reading(Protocol::JediSwap).await.unwrap(), first, "still fresh a second before expiry");
    clock.advance(Duration::from_secs(1));
    let fresh = cached.reading(Protocol::JediSwap).await.unwrap();
    assert_ne!(fresh.apy, first.apy, "an expired reading is read again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_readers_share_one_read() {
    let calls = Arc::new(AtomicUsize::new(0));
    let clock = Arc::new(ManualClock::default());
    let cached = Arc::new(CachedMetrics::new(counted_source(calls.clone()), Duration::from_secs(60), clock));
    let readers: Vec<_> = (0..16)
        .map(|_| {
            let cached = cached.clone();
            tokio::spawn(async move { cached.reading(Protocol::Ekubo).await.unwrap() })
        })
        .collect();
    for reader in readers {
        reader.await.unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// A verification of fact 1, under the hash Integrity stores it by.
fn verification(bits: u32) -> FactVerification {
    FactVerification {
        verification_hash: VerificationHash::compute(FactHash::new(Felt::ONE), &VerifierConfig::starkrisk(), bits)
            .unwrap(),
        security_bits: bits,
        verifier_config: VerifierConfig::starkrisk(),
    }
}

#[tokio::test]
async fn only_facts_the_policy_accepts_are_cached() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut mock = MockFactRegistry::new();
    let counter = calls.clone();
    mock.expect_verifications().returning(move |fact| {
        counter.fetch_add(1, Ordering::SeqCst);
        // Fact 1 is accepted; fact 2 has only a weak verification so far.
        Ok(if fact == FactHash::new(Felt::ONE) { vec![verification(100)] } else { vec![verification(20)] })
    });
    let policy = FactPolicy { expected_config: VerifierConfig::starkrisk(), min_security_bits: 96 };
    let cached = CachedFacts::new(Arc::new(mock), policy);
    for _ in 0..3 {
        assert_eq!(cached.verifications(FactHash::new(Felt::ONE)).await.unwrap(), vec![verification(100)]);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1, "an accepted fact is final");
    for _ in 0..2 {
        cached.verifications(FactHash::new(Felt::TWO)).await.unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3, "a fact not yet accepted is read every time");
}
