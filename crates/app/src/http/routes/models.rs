//! `/api/v1/model-registry`: the active model, its history, and registration (admin only).

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use starkrisk_domain::ports::PageRequest;
use starkrisk_domain::{ModelParams, ModelVersion, ProgramHash, RawModelParams, RiskModel};
use utoipa::ToSchema;

use crate::http::body::Body;
use crate::http::caller::{Admin, Caller, Viewer};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::routes::risk::PageQuery;
use crate::http::state::AppState;

/// The model's parameters (docs/risk-model.md).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamsBody {
    /// Points per 100 % utilization, 0..=1000.
    #[schema(maximum = 1000)]
    pub w_utilization: u32,
    /// Points per 100 % volatility, 0..=1000.
    #[schema(maximum = 1000)]
    pub w_volatility: u32,
    /// Points per liquidity tier 0..=3, each 0..=1000.
    #[schema(min_items = 4, max_items = 4, maximum = 1000)]
    pub w_liquidity: [u32; 4],
    /// Points per 10 missing audit points, 0..=1000.
    #[schema(maximum = 1000)]
    pub w_audit: u32,
    /// Points for a brand-new protocol, 0..=1000.
    #[schema(maximum = 1000)]
    pub w_age: u32,
    /// Age with no age risk, 1..=1000000 days.
    #[schema(minimum = 1, maximum = 1000000)]
    pub age_cap_days: u32,
    /// Lowest risk, 0..=clamp_max.
    #[schema(maximum = 100)]
    pub clamp_min: u32,
    /// Highest risk, 0..=100.
    #[schema(maximum = 100)]
    pub clamp_max: u32,
}

impl From<&ModelParams> for ParamsBody {
    fn from(p: &ModelParams) -> Self {
        let v = p.values();
        Self {
            w_utilization: v.w_utilization,
            w_volatility: v.w_volatility,
            w_liquidity: v.w_liquidity,
            w_audit: v.w_audit,
            w_age: v.w_age,
            age_cap_days: v.age_cap_days,
            clamp_min: v.clamp_min,
            clamp_max: v.clamp_max,
        }
    }
}

/// A registered model.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ModelView {
    /// Its version.
    pub version: u32,
    /// Its parameters.
    pub params: ParamsBody,
    /// The hash every proof under it binds.
    pub model_hash: String,
    /// The program that proves it.
    pub program_hash: String,
    /// active or superseded.
    pub status: String,
    /// Who registered it.
    pub registered_by: String,
    /// When.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// On registration with a chain configured: whether the allocation contract now executes decisions
    /// under this model, or which call its owner must make (decisions wait for it meanwhile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_chain: Option<String>,
}

impl From<&RiskModel> for ModelView {
    fn from(m: &RiskModel) -> Self {
        Self {
            version: m.version().get(),
            params: ParamsBody::from(&m.params()),
            model_hash: m.model_hash().to_string(),
            program_hash: m.program_hash().to_string(),
            status: m.status().as_str().into(),
            registered_by: m.registered_by().to_string(),
            created_at: m.created_at(),
            on_chain: None,
        }
    }
}

/// `POST /model-registry/register`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The parameters.
    pub params: ParamsBody,
    /// The program that proves the model; the Cairo risk program's (or the configured one) when absent.
    pub program_hash: Option<String>,
    /// The version; the next one when absent. Must be newer than the active one.
    #[schema(minimum = 1, maximum = 2147483647)]
    pub version: Option<u32>,
}

/// The active model.
#[utoipa::path(get, path = "/api/v1/model-registry/current", tag = "model-registry",
    responses((status = 200, body = ModelView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/current")]
pub async fn current(_caller: Viewer, state: web::Data<AppState>) -> Result<web::Json<ModelView>, ApiError> {
    Ok(web::Json(ModelView::from(&state.models.current().await?)))
}

/// A page of model versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelPage {
    /// Newest first.
    pub items: Vec<ModelView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Every version, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/model-registry/history", tag = "model-registry", params(PageQuery),
    responses((status = 200, body = ModelPage), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[get("/history")]
pub async fn history(
    _caller: Viewer,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<ModelPage>, ApiError> {
    let query = query.into_inner();
    let before = super::page_cursor(query.cursor.as_deref())?;
    let page = state.models.history(PageRequest { limit: super::page_limit(query.limit)?, before }).await?;
    Ok(web::Json(ModelPage {
        items: page.items.iter().map(ModelView::from).collect(),
        next_cursor: page.next_cursor.map(|c| c.to_string()),
    }))
}

/// One version.
#[utoipa::path(get, path = "/api/v1/model-registry/version/{version}", tag = "model-registry",
    params(("version" = u32, Path, minimum = 1, maximum = 2147483647, description = "1 to 2147483647")),
    responses((status = 200, body = ModelView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[get("/version/{version}")]
pub async fn read_version(
    _caller: Viewer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<ModelView>, ApiError> {
    let number: u32 = path.parse().map_err(|_| ApiError::invalid("version", "is not a positive whole number"))?;
    Ok(web::Json(ModelView::from(&state.models.version(ModelVersion::new(number)?).await?)))
}

/// Registers a model version; later decisions use it, earlier ones keep theirs. Admin only.
#[utoipa::path(post, path = "/api/v1/model-registry/register", tag = "model-registry", request_body = RegisterRequest,
    responses((status = 201, body = ModelView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
#[post("/register")]
pub async fn register(
    Caller(claims): Admin,
    state: web::Data<AppState>,
    body: Body<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let p = body.params;
    let params = ModelParams::new(RawModelParams {
        w_utilization: p.w_utilization,
        w_volatility: p.w_volatility,
        w_liquidity: p.w_liquidity,
        w_audit: p.w_audit,
        w_age: p.w_age,
        age_cap_days: p.age_cap_days,
        clamp_min: p.clamp_min,
        clamp_max: p.clamp_max,
    })
    .map_err(|e| e.within("params"))?;
    let program_hash = body.program_hash.as_deref().map(ProgramHash::parse).transpose()?;
    let version = body.version.map(ModelVersion::new).transpose()?;
    let registered = state.models.register(params, program_hash, version, &claims.sub).await?;
    let view = ModelView { on_chain: registered.on_chain, ..ModelView::from(&registered.model) };
    Ok(HttpResponse::Created().json(view))
}
