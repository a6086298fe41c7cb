//! What each chain-derived reading was read from, and the snapshots decisions name: a readings row points
//! at a range of the protocol's samples, which are never rewritten, so the readings come back whole.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::RunQueryDsl;
use starkrisk_domain::market::{MarketReadings, MetricsOrigin, MetricsOrigins, ProtocolReadings};
use starkrisk_domain::ports::StoreError;
use starkrisk_domain::{Protocol, ReadingsHash, SnapshotHash};

use crate::PgStore;
use crate::error::from_diesel;
use crate::job_row::{from_json_value, to_json};
use crate::market_samples::{SampleRow, bigint};
use crate::schema::allocation_decisions::dsl as ad;
use crate::schema::market_readings::dsl as mr;
use crate::schema::market_samples::dsl as ms;

/// A stored readings row.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::market_readings, check_for_backend(diesel::pg::Pg))]
struct ReadingsRow {
    protocol: String,
    first_block: i64,
    last_block: i64,
    terms: serde_json::Value,
    policy: serde_json::Value,
}

impl PgStore {
    pub(crate) async fn insert_readings(&self, readings: &ProtocolReadings) -> Result<(), StoreError> {
        let (Some(first), Some(last)) = (<[_]>::first(&readings.samples), <[_]>::last(&readings.samples)) else {
            return Err(StoreError::Unknown(anyhow::anyhow!("readings without samples name no block to keep")));
        };
        let count = i32::try_from(readings.samples.len())
            .map_err(|_| StoreError::Unknown(anyhow::anyhow!("{} samples exceed INTEGER", readings.samples.len())))?;
        let mut conn = self.db.conn().await?;
        diesel::insert_into(mr::market_readings)
            .values((
                mr::readings_hash.eq(readings.hash().to_string()),
                mr::protocol.eq(readings.protocol.name()),
                mr::first_block.eq(bigint("first_block", first.block_number)?),
                mr::last_block.eq(bigint("last_block", last.block_number)?),
                mr::sample_count.eq(count),
                mr::terms.eq(to_json("terms", &readings.terms)?),
                mr::policy.eq(to_json("policy", &readings.policy)?),
            ))
            .on_conflict_do_nothing()
            .execute(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(())
    }

    pub(crate) async fn load_readings(&self, hash: ReadingsHash) -> Result<Option<ProtocolReadings>, StoreError> {
        let mut conn = self.db.conn().await?;
        let row: Option<ReadingsRow> = mr::market_readings
            .filter(mr::readings_hash.eq(hash.to_string()))
            .select(ReadingsRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(from_diesel)?;
        let Some(row) = row else { return Ok(None) };
        let protocol = Protocol::ALL.into_iter().find(|p| p.name() == row.protocol).ok_or_else(|| {
            StoreError::Unknown(anyhow::anyhow!("stored readings {hash} name an unknown protocol `{}`", row.protocol))
        })?;
        let rows: Vec<SampleRow> = ms::market_samples
            .filter(ms::protocol.eq(&row.protocol))
            .filter(ms::block_number.between(row.first_block, row.last_block))
            .order(ms::block_number.asc())
            .select(SampleRow::as_select())
            .load(&mut conn)
            .await
            .map_err(from_diesel)?;
        Ok(Some(ProtocolReadings {
            protocol,
            terms: from_json_value("terms", row.terms)?,
            policy: from_json_value("policy", row.policy)?,
            samples: rows.into_iter().map(SampleRow::into_sample).collect::<Result<_, _>>()?,
        }))
    }

    pub(crate) async fn find_snapshot(&self, hash: SnapshotHash) -> Result<Option<MarketReadings>, StoreError> {
        let mut conn = self.db.conn().await?;
        let origins: Option<serde_json::Value> = ad::allocation_decisions
            .filter(sql::<Bool>("statement -> 'provenance' ->> 'snapshot_hash' = ").bind::<Text, _>(hash.to_string()))
            .select(ad::metrics_origins)
            .first(&mut conn)
            .await
            .optional()
            .map_err(from_diesel)?;
        drop(conn);
        let Some(origins) = origins else { return Ok(None) };
        let origins: MetricsOrigins = from_json_value("metrics_origins", origins)?;
        Ok(Some(MarketReadings {
            jediswap: self.readings_of(origins.jediswap).await?,
            ekubo: self.readings_of(origins.ekubo).await?,
        }))
    }

    async fn readings_of(&self, origin: MetricsOrigin) -> Result<Option<ProtocolReadings>, StoreError> {
        match origin.readings() {
            Some(hash) => self.load_readings(hash).await,
            None => Ok(None),
        }
    }
}
