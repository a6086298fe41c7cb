//! `ModelStore`: registered model versions; registering supersedes the active one in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use starkrisk_domain::ports::{MAX_PAGE, ModelStore, Page, PageRequest, StoreError};
use starkrisk_domain::{ModelHash, ModelStatus, ModelVersion, ProgramHash, RiskModel, RiskModelRecord};

use crate::PgStore;
use crate::error::from_diesel;
use crate::job_row::{from_json_value, to_json};
use crate::schema::model_versions::dsl as mv;

/// One `model_versions` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::model_versions, check_for_backend(diesel::pg::Pg))]
struct ModelRow {
    version: i32,
    params: serde_json::Value,
    model_hash: String,
    program_hash: String,
    status: String,
    registered_by: String,
    created_at: DateTime<Utc>,
}

fn corrupt(column: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Unknown(anyhow::anyhow!("stored model {column} is invalid: {error}"))
}

impl ModelRow {
    fn from_model(m: &RiskModel) -> Result<Self, StoreError> {
        Ok(Self {
            version: i32::try_from(m.version().get()).map_err(|e| corrupt("version", e))?,
            params: to_json("params", &m.params())?,
            model_hash: m.model_hash().to_string(),
            program_hash: m.program_hash().to_string(),
            status: m.status().as_str().to_string(),
            registered_by: m.registered_by().to_string(),
            created_at: m.created_at(),
        })
    }

    /// The model this row stores; a row whose stored hash is not the one its version, parameters and
    /// program give was altered outside this service, and is refused.
    fn into_model(self) -> Result<RiskModel, StoreError> {
        let model = RiskModel::restore(RiskModelRecord {
            version: ModelVersion::new(self.version.unsigned_abs()).map_err(|e| corrupt("version", e))?,
            params: from_json_value("params", self.params)?,
            program_hash: ProgramHash::parse(&self.program_hash).map_err(|e| corrupt("program_hash", e))?,
            status: ModelStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            registered_by: self.registered_by,
            created_at: self.created_at,
        });
        let stored = ModelHash::parse(&self.model_hash).map_err(|e| corrupt("model_hash", e))?;
        if stored != model.model_hash() {
            return Err(corrupt(
                "model_hash",
                format!("{stored} is not the hash of its parameters ({})", model.model_hash()),
            ));
        }
        Ok(model)
    }
}

#[async_trait]
impl ModelStore for PgStore {
    async fn current(&self) -> Result<Option<RiskModel>, StoreError> {
        let mut conn = self.db.conn().await?;
        let row = mv::model_versions
            .filter(mv::status.eq("active"))
            .select(ModelRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(from_diesel)?;
        row.map(ModelRow::into_model).transpose()
    }

    async fn get(&self, version: ModelVersion) -> Result<Option<RiskModel>, StoreError> {
        let version = i32::try_from(version.get()).map_err(|e| corrupt("version", e))?;
        let mut conn = self.db.conn().await?;
        let row = mv::model_versions
            .find(version)
            .select(ModelRow::as_select())
            .first(&mut conn)
            .await
            .optional()
            .map_err(from_diesel)?;
        row.map(ModelRow::into_model).transpose()
    }

    async fn history(&self, page: PageRequest) -> Result<Page<RiskModel>, StoreError> {
        let limit = i64::from(page.limit.clamp(1, MAX_PAGE));
        let mut query = mv::model_versions.order(mv::version.desc()).select(ModelRow::as_select()).into_boxed();
        if let Some(before) = page.before {
            // Versions are at most i32::MAX, so a larger cursor simply starts at the newest.
            query = query.filter(mv::version.lt(i32::try_from(before).unwrap_or(i32::MAX)));
        }
        let mut conn = self.db.conn().await?;
        // One row more than asked tells whether another page follows.
        let mut rows = query.limit(limit + 1).load(&mut conn).await.map_err(from_diesel)?;
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let items = rows.into_iter().map(ModelRow::into_model).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if more { items.last().map(|m| i64::from(m.version().get())) } else { None };
        Ok(Page { items, next_cursor })
    }

    async fn register(&self, model: &RiskModel) -> Result<(), StoreError> {
        let mut row = ModelRow::from_model(model)?;
        row.status = ModelStatus::Active.as_str().to_string();
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            diesel::update(mv::model_versions.filter(mv::status.eq("active")))
                .set(mv::status.eq(ModelStatus::Superseded.as_str()))
                .execute(conn)
                .await?;
            diesel::insert_into(mv::model_versions).values(&row).execute(conn).await?;
            Ok(())
        })
        .await
        .map_err(|e| match from_diesel(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("model version {} is already registered", model.version()))
            }
            other => other,
        })
    }
}
