//! The domain's store contract, against Postgres: the same rules the memory store is held to.

use std::sync::Arc;

use starkrisk_domain::testing::store_contract::Rig;
use starkrisk_postgres::PgStore;
use starkrisk_postgres::testing::TestDatabase;

/// A fresh, migrated database, its store, and its time.
async fn rig() -> Rig<PgStore> {
    let test = TestDatabase::new().await;
    Rig { store: Arc::new(test.store()), time: Arc::new(test) }
}

starkrisk_domain::store_contract_tests!(rig());
