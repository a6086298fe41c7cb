//! Migrations: up → down → up is clean, and replicas migrating at once do it once.

use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use starkrisk_postgres::Database;
use starkrisk_postgres::testing::TestDatabase;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn tables(db: &Database) -> i64 {
    let mut conn = db.conn().await.unwrap();
    let row: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_name IN ('model_versions', 'proof_jobs', 'allocation_decisions', 'idempotency_keys')",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    row.n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_down_up_is_clean() {
    let test = TestDatabase::empty().await;
    assert_eq!(tables(&test.db).await, 0);
    assert!(Database::migration_count() >= 1);
    let applied = test.db.migrate().await.unwrap();
    assert_eq!(applied.len(), Database::migration_count());
    assert_eq!(tables(&test.db).await, 4);
    test.db.revert_all().await.unwrap();
    assert_eq!(tables(&test.db).await, 0);
    test.db.migrate().await.unwrap();
    assert_eq!(tables(&test.db).await, 4);
    assert!(test.db.migrate().await.unwrap().is_empty(), "a second run applies nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_migrating_together_are_safe() {
    let test = TestDatabase::empty().await;
    let replicas: Vec<Database> =
        (0..4).map(|_| Database::connect(&starkrisk_postgres::testing::pool(test.url.clone())).unwrap()).collect();
    let runs = replicas.iter().map(|db| {
        let db = db.clone();
        tokio::spawn(async move { db.migrate().await })
    });
    let mut applied = 0;
    for run in runs.collect::<Vec<_>>() {
        applied += run.await.unwrap().unwrap().len();
    }
    assert_eq!(applied, Database::migration_count(), "each migration applied exactly once");
    assert_eq!(tables(&test.db).await, 4);
}
