//! Market snapshots: the raw chain readings behind a decision's metrics, so anyone can re-derive them.

use actix_web::{get, web};
use serde::Serialize;
use starkrisk_domain::SnapshotHash;
use starkrisk_domain::market::{MarketReadings, ProtocolReadings};
use utoipa::ToSchema;

use crate::http::caller::Viewer;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::state::AppState;

/// The readings a snapshot hash stands for, and the hashes that recompute it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotView {
    /// The hash a decision's proof states: Poseidon over a tag and both readings hashes (docs/metrics.md).
    pub snapshot_hash: String,
    /// The newest block among both protocols' snapshots, as the proof states it.
    pub block_number: u64,
    /// Poseidon over JediSwap's readings, when its metrics came from the chain.
    pub jediswap_readings_hash: Option<String>,
    /// JediSwap's readings: terms, sampling policy and every sample the derivation read, oldest first.
    #[schema(value_type = Option<Object>)]
    pub jediswap: Option<ProtocolReadings>,
    /// Poseidon over Ekubo's readings, when its metrics came from the chain.
    pub ekubo_readings_hash: Option<String>,
    /// Ekubo's readings, as JediSwap's.
    #[schema(value_type = Option<Object>)]
    pub ekubo: Option<ProtocolReadings>,
}

impl From<MarketReadings> for SnapshotView {
    fn from(readings: MarketReadings) -> Self {
        let hash = |r: &Option<ProtocolReadings>| r.as_ref().map(|r| r.hash().to_string());
        Self {
            snapshot_hash: readings.snapshot_hash().to_string(),
            block_number: readings.block_number(),
            jediswap_readings_hash: hash(&readings.jediswap),
            ekubo_readings_hash: hash(&readings.ekubo),
            jediswap: readings.jediswap,
            ekubo: readings.ekubo,
        }
    }
}

/// The raw readings behind a decision's `snapshot_hash`, checked to hash to it.
#[utoipa::path(get, path = "/api/v1/markets/snapshots/{snapshot_hash}", tag = "markets",
    params(("snapshot_hash" = String, Path, pattern = "^0[xX][0-9a-fA-F]{1,64}$",
        description = "A decision's snapshot_hash")),
    responses((status = 200, body = SnapshotView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/snapshots/{snapshot_hash}")]
pub async fn snapshot(
    _caller: Viewer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<SnapshotView>, ApiError> {
    let hash = SnapshotHash::parse(&path)?;
    Ok(web::Json(state.snapshots.get(hash).await?.into()))
}
