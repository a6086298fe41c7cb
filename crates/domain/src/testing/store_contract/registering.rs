//! The store's part in a registration cut short: the transactions it sent are noted as they go.
#![allow(clippy::unwrap_used)] // a panic is how a rule of the contract reports failure

use super::{Rig, Stores, artifact, claim};
use crate::ports::{ProofJobStore, StoreError};
use crate::{Felt, ProofJobId, ProofJobStatus, TxHash};

fn tx(n: u8) -> TxHash {
    TxHash::new(Felt::from(n))
}

/// A registering job keeps each noted transaction once, in order, and a save that carries them keeps
/// them; a job in any other status, or none at all, takes none.
pub async fn registration_transactions_are_noted_once_and_only_while_registering<S: Stores>(rig: &Rig<S>) {
    let store = rig.with_model().await;
    let mut job = rig.job();
    ProofJobStore::insert(store, &job).await.unwrap();
    let early = store.note_registration_tx(job.id(), tx(1)).await.unwrap_err();
    assert!(matches!(&early, StoreError::Conflict(m) if m.contains("queued")), "{early}");
    let now = rig.time.now();
    job.start_proving(now).unwrap();
    ProofJobStore::save(store, &job, ProofJobStatus::Queued).await.unwrap();
    job.proved(artifact(), now).unwrap();
    job.verified(claim(Some(9)), now).unwrap();
    ProofJobStore::save(store, &job, ProofJobStatus::Proving).await.unwrap();
    for n in [1, 2, 1] {
        store.note_registration_tx(job.id(), tx(n)).await.unwrap();
    }
    let read = ProofJobStore::get(store, job.id()).await.unwrap().unwrap();
    assert_eq!(read.registration_sent(), [tx(1), tx(2)]);
    for n in [1, 2, 3] {
        job.note_registration_tx(tx(n)).unwrap();
    }
    job.fail(crate::Stage::Registration, "receipt timed out", true, now).unwrap();
    ProofJobStore::save(store, &job, ProofJobStatus::Verified).await.unwrap();
    let read = ProofJobStore::get(store, job.id()).await.unwrap().unwrap();
    assert_eq!(read.registration_sent(), [tx(1), tx(2), tx(3)]);
    let failed = store.note_registration_tx(job.id(), tx(4)).await.unwrap_err();
    assert!(matches!(&failed, StoreError::Conflict(m) if m.contains("failed")), "{failed}");
    let missing = store.note_registration_tx(ProofJobId::random(), tx(1)).await.unwrap_err();
    assert!(matches!(missing, StoreError::NotFound(_)), "{missing}");
}
