//! Pool samples, one per protocol and block; a second replica's insert of the same block is a no-op.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use starkrisk_domain::market::{Amount, MarketReadings, PoolSample, ProtocolReadings, SqrtPrice};
use starkrisk_domain::ports::{MarketSamples, StoreError};
use starkrisk_domain::{Protocol, ReadingsHash, SnapshotHash, parse_felt};

use crate::PgStore;
use crate::error::from_diesel;
use crate::schema::market_samples::dsl as ms;

/// A stored sample, as its columns hold it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::market_samples, check_for_backend(diesel::pg::Pg))]
pub(crate) struct SampleRow {
    block_number: i64,
    block_hash: String,
    block_timestamp: i64,
    sqrt_price: String,
    fraction_bits: i32,
    liquidity: String,
    tvl: String,
    volume: String,
    fees: String,
}

fn corrupt(column: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Unknown(anyhow::anyhow!("stored market sample {column} is invalid: {error}"))
}

/// A column value that Postgres' BIGINT holds; block numbers and timestamps stay far below 2^63.
pub(crate) fn bigint(column: &str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value)
        .map_err(|_| StoreError::Unknown(anyhow::anyhow!("market sample {column} {value} exceeds BIGINT")))
}

impl SampleRow {
    pub(crate) fn into_sample(self) -> Result<PoolSample, StoreError> {
        let amount = |column: &str, text: &str| Amount::parse(column, text).map_err(|e| corrupt(column, e));
        Ok(PoolSample {
            block_number: u64::try_from(self.block_number).map_err(|e| corrupt("block_number", e))?,
            block_hash: parse_felt("block_hash", &self.block_hash).map_err(|e| corrupt("block_hash", e))?,
            timestamp: u64::try_from(self.block_timestamp).map_err(|e| corrupt("block_timestamp", e))?,
            price: SqrtPrice {
                sqrt: amount("sqrt_price", &self.sqrt_price)?,
                fraction_bits: u32::try_from(self.fraction_bits).map_err(|e| corrupt("fraction_bits", e))?,
            },
            liquidity: self.liquidity.parse().map_err(|e| corrupt("liquidity", e))?,
            tvl: amount("tvl", &self.tvl)?,
            volume: amount("volume", &self.volume)?,
            fees: amount("fees", &self.fees)?,
        })
    }
}

#[async_trait]
impl MarketSamples for PgStore {
    async fn record_sample(&self, protocol: Protocol, sample: &PoolSample) -> Result<bool, StoreError> {
        let fraction_bits = i32::try_from(sample.price.fraction_bits).map_err(|e| corrupt("fraction_bits", e))?;
        let mut conn = self.db.conn().await?;
        let inserted = diesel::insert_into(ms::market_samples)
            .values((
                ms::protocol.eq(protocol.name()),
                ms::block_number.eq(bigint("block_number", sample.block_number)?),
                ms::block_hash.eq(format!("{:#x}", sample.block_hash)),
                ms::block_timestamp.eq(bigint("block_timestamp", sample.timestamp)?),
                ms::sqrt_price.eq(sample.price.sqrt.to_string()),
                ms::fraction_bits.eq(fraction_bits),
                ms::liquidity.eq(sample.liquidity.to_string()),
                ms::tvl.eq(sample.tvl.to_string()),
                ms::volume.eq(sample.volume.to_string()),
                ms::fees.eq(sample.fees.to_string()),
            ))
            .on_conflict_do_nothing()
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(inserted == 1)
    }

    async fn latest_sample(&self, protocol: Protocol) -> Result<Option<PoolSample>, StoreError> {
        let mut conn = self.db.conn().await?;
        let row: Option<SampleRow> = ms::market_samples
            .filter(ms::protocol.eq(protocol.name()))
            .order(ms::block_number.desc())
            .select(SampleRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(from_diesel)?;
        row.map(SampleRow::into_sample).transpose()
    }

    async fn samples_since(&self, protocol: Protocol, since: u64) -> Result<Vec<PoolSample>, StoreError> {
        let mut conn = self.db.conn().await?;
        let rows: Vec<SampleRow> = ms::market_samples
            .filter(ms::protocol.eq(protocol.name()))
            .filter(ms::block_timestamp.ge(bigint("since", since)?))
            .order(ms::block_number.asc())
            .select(SampleRow::as_select())
            .load(&mut conn)
            .await
            .map_err(from_diesel)?;
        rows.into_iter().map(SampleRow::into_sample).collect()
    }

    async fn record_readings(&self, readings: &ProtocolReadings) -> Result<(), StoreError> {
        self.insert_readings(readings).await
    }

    async fn readings(&self, hash: ReadingsHash) -> Result<Option<ProtocolReadings>, StoreError> {
        self.load_readings(hash).await
    }

    async fn snapshot(&self, hash: SnapshotHash) -> Result<Option<MarketReadings>, StoreError> {
        self.find_snapshot(hash).await
    }
}
