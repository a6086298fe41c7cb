//! Herodotus' Atlantic proving service: submit a Cairo PIE, poll until it is done or failed, read the
//! Integrity fact hash. Every wait is bounded; the API key travels only in the `api-key` header.

use std::time::Duration;

use serde::Deserialize;
use starkrisk_domain::ports::{SystemClock, TimeoutGrowth};
use starkrisk_domain::{Attempt, FactHash, GaveUp, Retry, RetryLimit, Secret};

use crate::settings::AtlanticSettings;

/// Why a poll did not end the wait: the query is not done yet, or Atlantic did not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// Atlantic answered; the query is in this state.
    Status(QueryStatus),
    /// Atlantic did not answer, or answered 5xx.
    Unreachable(String),
}

impl std::fmt::Display for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pending::Status(status) => write!(f, "{status:?}"),
            Pending::Unreachable(reason) => write!(f, "unreachable ({reason})"),
        }
    }
}

/// What Atlantic should do with the PIE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtlanticJob {
    /// Cairo layout (`recursive`).
    pub layout: String,
    /// `PROOF_GENERATION`, `PROOF_VERIFICATION_ON_L2`, …
    pub result: String,
    /// `stone` or `stwo`.
    pub sharp_prover: String,
    /// `XS`, `S`, `M`, `L`.
    pub declared_job_size: String,
}

/// A query's state as Atlantic reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QueryStatus {
    /// Accepted, not started.
    Received,
    /// Being proven.
    InProgress,
    /// Finished.
    Done,
    /// Failed.
    Failed,
}

/// A query as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtlanticQuery {
    /// Its id.
    pub id: String,
    /// Its state.
    pub status: QueryStatus,
    /// Integrity's fact hash, once verified on L2.
    pub integrity_fact_hash: Option<FactHash>,
    /// SHARP's fact hash, when there is one.
    pub sharp_fact_hash: Option<String>,
    /// Where its artifacts can be downloaded.
    pub metadata_urls: Vec<String>,
}

/// Why Atlantic gave no result.
#[derive(Debug, thiserror::Error)]
pub enum AtlanticError {
    /// Atlantic is configured without a key.
    #[error("atlantic.base_url is set but STARKRISK__ATLANTIC__API_KEY is not")]
    MissingKey,
    /// Atlantic is configured without the bootloader its proofs are of.
    #[error(
        "atlantic.base_url is set but atlantic.bootloader_program_hash is not: Atlantic's proofs of a PIE are \
         of that bootloader, and none could be accepted"
    )]
    MissingBootloader,
    /// A setting of `[atlantic]` is not what it must be.
    #[error(transparent)]
    InvalidSetting(#[from] starkrisk_domain::ValidationError),
    /// The API key was refused.
    #[error("Atlantic refused the API key (HTTP {0}); check atlantic.api_key")]
    Unauthorized(u16),
    /// Not reachable, or answered 5xx.
    #[error("Atlantic is unavailable: {0}")]
    Unavailable(String),
    /// Refused the request (4xx other than auth).
    #[error("Atlantic refused the request (HTTP {status}): {body}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// What it said (truncated).
        body: String,
    },
    /// Answered something that is not its documented shape.
    #[error("Atlantic answered an unexpected body: {0}")]
    Malformed(String),
    /// The query failed on Atlantic's side.
    #[error("Atlantic query {0} failed")]
    QueryFailed(String),
    /// The query did not finish in time; it may still finish later.
    #[error("Atlantic query {id} did not finish within {waited:?}: the last poll found it {last}")]
    Timeout {
        /// The query.
        id: String,
        /// What the last poll found.
        last: Pending,
        /// How long we waited.
        waited: Duration,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Submitted {
    atlantic_query_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    atlantic_query: QueryBody,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryBody {
    status: QueryStatus,
    integrity_fact_hash: Option<String>,
    sharp_fact_hash: Option<String>,
    #[serde(default)]
    metadata_urls: Vec<String>,
}

/// The Atlantic client.
#[derive(Debug, Clone)]
pub struct AtlanticClient {
    http: reqwest::Client,
    api_key: Secret,
    settings: AtlanticSettings,
}

impl AtlanticClient {
    /// A client for `settings`, which must carry the API key.
    pub fn new(settings: AtlanticSettings) -> Result<Self, AtlanticError> {
        let api_key = settings.api_key.clone().ok_or(AtlanticError::MissingKey)?;
        let http = reqwest::Client::builder()
            .timeout(settings.request_timeout())
            .build()
            .map_err(|e| AtlanticError::Unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, api_key, settings })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.settings.base_url.trim_end_matches('/'))
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, AtlanticError> {
        let response = request
            .header("api-key", self.api_key.expose())
            .send()
            .await
            .map_err(|e| AtlanticError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| AtlanticError::Unavailable(e.without_url().to_string()))?;
        match status.as_u16() {
            200..=299 => serde_json::from_str(&body).map_err(|e| AtlanticError::Malformed(format!("{e}"))),
            401 | 403 => Err(AtlanticError::Unauthorized(status.as_u16())),
            500..=599 => Err(AtlanticError::Unavailable(format!("HTTP {status}"))),
            code => Err(AtlanticError::Rejected { status: code, body: body.chars().take(300).collect() }),
        }
    }

    /// Downloads one of a query's artifacts. The API key goes only to Atlantic's own host, never to the
    /// storage an artifact URL may point at.
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, AtlanticError> {
        let same_origin = |a: &str, b: &str| match (reqwest::Url::parse(a), reqwest::Url::parse(b)) {
            (Ok(a), Ok(b)) => a.origin() == b.origin(),
            _ => false,
        };
        let mut request = self.http.get(url);
        if same_origin(url, &self.settings.base_url) {
            request = request.header("api-key", self.api_key.expose());
        }
        let response = request.send().await.map_err(|e| AtlanticError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(AtlanticError::Rejected { status: status.as_u16(), body: format!("downloading {url}") });
        }
        let bytes = response.bytes().await.map_err(|e| AtlanticError::Unavailable(e.without_url().to_string()))?;
        Ok(bytes.to_vec())
    }

    /// Submits a Cairo PIE; returns the query id.
    pub async fn submit(&self, pie: Vec<u8>, job: &AtlanticJob) -> Result<String, AtlanticError> {
        let file = reqwest::multipart::Part::bytes(pie).file_name("pie.zip");
        let form = reqwest::multipart::Form::new()
            .part("pieFile", file)
            .text("layout", job.layout.clone())
            .text("cairoVersion", "cairo0")
            .text("declaredJobSize", job.declared_job_size.clone())
            .text("result", job.result.clone())
            .text("sharpProver", job.sharp_prover.clone());
        let submitted: Submitted = self.json(self.http.post(self.url("atlantic-query")).multipart(form)).await?;
        Ok(submitted.atlantic_query_id)
    }

    /// The query's current state.
    pub async fn query(&self, id: &str) -> Result<AtlanticQuery, AtlanticError> {
        let body: StatusBody = self.json(self.http.get(self.url(&format!("atlantic-query/{id}")))).await?;
        let q = body.atlantic_query;
        let integrity_fact_hash = q
            .integrity_fact_hash
            .map(|h| FactHash::parse(&h).map_err(|e| AtlanticError::Malformed(format!("integrityFactHash: {e}"))))
            .transpose()?;
        Ok(AtlanticQuery {
            id: id.to_string(),
            status: q.status,
            integrity_fact_hash,
            sharp_fact_hash: q.sharp_fact_hash,
            metadata_urls: q.metadata_urls,
        })
    }

    /// Polls with exponential backoff until the query is done or failed, within the overall timeout grown
    /// by `growth`. A transient outage while polling is waited out like a slow query.
    pub async fn wait(&self, id: &str, growth: TimeoutGrowth) -> Result<AtlanticQuery, AtlanticError> {
        let limit = RetryLimit::Time(growth.applied_to(self.settings.overall_timeout()));
        Retry::new("Atlantic poll", self.settings.polls(), &SystemClock, limit)
            .run(|_| async {
                match self.query(id).await {
                    Ok(q) if q.status == QueryStatus::Done => Attempt::Done(q),
                    Ok(q) if q.status == QueryStatus::Failed => {
                        Attempt::Stop(AtlanticError::QueryFailed(id.to_string()))
                    }
                    Ok(q) => Attempt::Again(Pending::Status(q.status)),
                    Err(AtlanticError::Unavailable(reason)) => Attempt::Again(Pending::Unreachable(reason)),
                    Err(other) => Attempt::Stop(other),
                }
            })
            .await
            .map_err(|gave_up| match gave_up {
                GaveUp::Stopped(error) => error,
                GaveUp::Exhausted { waited, last, .. } => AtlanticError::Timeout { id: id.to_string(), last, waited },
            })
    }
}
