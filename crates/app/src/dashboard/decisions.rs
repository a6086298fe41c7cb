//! The decisions list (filtered, paged, refreshed live) with its charts, and one decision's page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use starkrisk_domain::ports::{DecisionFilter, PageRequest};
use starkrisk_domain::{DecisionId, DecisionStatus, ProverKind};

use crate::dashboard::charts::{self, Series};
use crate::dashboard::decision_page;
use crate::dashboard::layout::{self, PageError, badge, percent, tone, when};
use crate::dashboard::session::Session;
use crate::http::dto::DecisionView;
use crate::http::state::AppState;

/// Rows on one page of the list.
const PAGE: u32 = 25;

/// The list's filters and cursor, as the filter form sends them.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// A decision status, or empty for any.
    #[serde(default)]
    status: String,
    /// A prover, or empty for any.
    #[serde(default)]
    prover: String,
    /// From this time (UTC, `YYYY-MM-DDTHH:MM` as the browser's picker sends it, or RFC 3339).
    #[serde(default)]
    since: String,
    /// Before this time.
    #[serde(default)]
    until: String,
    /// The previous page's last sequence.
    cursor: Option<i64>,
}

fn time(field: &str, text: &str) -> Result<Option<DateTime<Utc>>, PageError> {
    if text.is_empty() {
        return Ok(None);
    }
    let parsed = DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").map(|t| t.and_utc()));
    parsed.map(Some).map_err(|_| {
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{field}: `{text}` is not a time like 2026-12-01T15:30"),
        )
    })
}

impl ListQuery {
    fn of(req: &HttpRequest) -> Result<Self, PageError> {
        web::Query::<ListQuery>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .map_err(|e| PageError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("query: {e}")))
    }

    fn filter(&self) -> Result<DecisionFilter, PageError> {
        let invalid = |field: &str, text: &str, what: &str| {
            PageError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{field}: `{text}` is not {what}"))
        };
        let status = match self.status.as_str() {
            "" => None,
            text => Some(DecisionStatus::parse(text).ok_or_else(|| invalid("status", text, "a decision status"))?),
        };
        let prover = match self.prover.as_str() {
            "" => None,
            text => {
                Some(ProverKind::parse(text).ok_or_else(|| invalid("prover", text, "luminair, stone or atlantic"))?)
            }
        };
        Ok(DecisionFilter { status, prover, since: time("since", &self.since)?, until: time("until", &self.until)? })
    }

    /// The query string of these filters (without the cursor), for links and live refreshes.
    fn filters_query(&self) -> String {
        let pairs =
            [("status", &self.status), ("prover", &self.prover), ("since", &self.since), ("until", &self.until)];
        let kept: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", v.replace('&', "%26").replace(' ', "%20").replace('+', "%2B")))
            .collect();
        kept.join("&")
    }
}

async fn page_of(state: &AppState, query: &ListQuery) -> Result<(Vec<DecisionView>, Option<i64>), PageError> {
    let filter = query.filter()?;
    let page = state
        .decisions
        .list_filtered(filter, PageRequest { limit: PAGE, before: query.cursor })
        .await
        .map_err(crate::http::error::ApiError::from)?;
    Ok((page.items.iter().map(|d| DecisionView::new(d, None)).collect(), page.next_cursor))
}

fn rows(views: &[DecisionView]) -> Markup {
    html! {
        @if views.is_empty() {
            tr { td colspan="7" { "No decisions match." } }
        }
        @for d in views {
            tr id=(format!("row-{}", d.decision_id)) {
                td { (when(d.created_at)) }
                td { (badge(tone(&d.status), &d.status)) }
                td { (percent(d.jediswap_pct)) " / " (percent(d.ekubo_pct)) }
                td { (d.jediswap_risk) " / " (d.ekubo_risk) }
                td { "v" (d.model_version) }
                td { (d.metrics_source) }
                td { a href=(format!("/dashboard/decisions/{}", d.decision_id)) aria-label=(format!("Open decision {}", d.decision_id)) { "Open" } }
            }
        }
    }
}

fn charts(views: &[DecisionView]) -> Markup {
    // Oldest first, as time runs left to right.
    let ordered: Vec<&DecisionView> = views.iter().rev().collect();
    let risk = [
        Series { label: "JediSwap", class: "s1", values: ordered.iter().map(|d| d.jediswap_risk).collect() },
        Series { label: "Ekubo", class: "s2", values: ordered.iter().map(|d| d.ekubo_risk).collect() },
    ];
    let split = [Series {
        label: "JediSwap share",
        class: "s1",
        values: ordered.iter().map(|d| d.jediswap_pct / 100).collect(),
    }];
    html! {
        div.charts {
            (charts::lines("risk-chart", "Risk of each protocol, this page", 100, "", &risk))
            (charts::lines("split-chart", "JediSwap's share, this page", 100, " %", &split))
            (treasury_chart(&ordered))
        }
    }
}

/// The treasury in each strategy and idle as each execution on this page left it (the vault's event).
fn treasury_chart(ordered: &[&DecisionView]) -> Markup {
    let after: Vec<_> = ordered.iter().filter_map(|d| d.execution_treasury.map(|t| t.after)).collect();
    let largest = after.iter().flat_map(|b| [b.idle, b.jediswap, b.ekubo]).max().unwrap_or(0);
    let (scale, unit) = charts::amount_scale(largest);
    let series = |label, class, pick: fn(&starkrisk_domain::TreasuryBalances) -> u128| Series {
        label,
        class,
        values: after.iter().map(|b| charts::scaled(pick(b), scale)).collect(),
    };
    let lines = [
        series("JediSwap strategy", "s1", |b| b.jediswap),
        series("Ekubo strategy", "s2", |b| b.ekubo),
        series("Idle", "s3", |b| b.idle),
    ];
    let max = charts::scaled(largest, scale).max(1);
    charts::lines("treasury-chart", "Treasury after each execution, this page", max, &unit, &lines)
}

/// The charts and the table of one page of decisions; the first page is refreshed as a whole.
fn listing(views: &[DecisionView], live: bool) -> Markup {
    html! {
        (charts(views))
        div.scroll {
            table id="decisions" {
                caption { "Decisions, newest first" @if live { " (updates live)" } }
                thead { tr {
                    th scope="col" { "Made" } th scope="col" { "Status" } th scope="col" { "JediSwap / Ekubo" }
                    th scope="col" { "Risks" } th scope="col" { "Model" } th scope="col" { "Metrics" } th scope="col" { span.sr { "Link" } }
                } }
                tbody id="decision-rows" { (rows(views)) }
            }
        }
    }
}

fn select(id: &str, label: &str, current: &str, options: &[&str]) -> Markup {
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(id) {
                option value="" selected[current.is_empty()] { "any" }
                @for o in options { option value=(o) selected[current == *o] { (o) } }
            }
        }
    }
}

/// The filtered list; its first page refreshes itself every few seconds.
#[get("/decisions")]
pub async fn list(session: Session, state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let query = ListQuery::of(&req)?;
    let (views, next) = page_of(&state, &query).await?;
    let filters = query.filters_query();
    let statuses: Vec<&str> = DecisionStatus::ALL.iter().map(|s| s.as_str()).collect();
    let provers: Vec<&str> = ProverKind::ALL.iter().map(|p| p.as_str()).collect();
    let body = html! {
        form.filters method="get" action="/dashboard/decisions" aria-label="Filter decisions" {
            (select("status", "Status", &query.status, &statuses))
            (select("prover", "Prover", &query.prover, &provers))
            div.field { label for="since" { "From (UTC)" } input type="datetime-local" id="since" name="since" value=(query.since); }
            div.field { label for="until" { "Before (UTC)" } input type="datetime-local" id="until" name="until" value=(query.until); }
            button type="submit" { "Filter" }
        }
        @if query.cursor.is_none() {
            div id="listing" data-live=(format!("/dashboard/decisions/rows?{filters}")) { (listing(&views, true)) }
        } @else {
            div id="listing" { (listing(&views, false)) }
        }
        nav.pager aria-label="Pages" {
            @if query.cursor.is_some() { a href=(format!("/dashboard/decisions?{filters}")) { "Newest" } }
            @if let Some(next) = next { a href=(format!("/dashboard/decisions?{filters}&cursor={next}")) rel="next" { "Older" } }
        }
    };
    Ok(layout::html(StatusCode::OK, layout::page("Decisions", &session, body)))
}

/// The first page's charts and table alone, for the live refresh.
#[get("/decisions/rows")]
pub async fn list_rows(
    _session: Session,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let query = ListQuery::of(&req)?;
    let (views, _) = page_of(&state, &query).await?;
    Ok(layout::html(StatusCode::OK, listing(&views, query.cursor.is_none())))
}

fn decision_id(text: &str) -> Result<DecisionId, PageError> {
    text.parse::<uuid::Uuid>()
        .map(DecisionId)
        .map_err(|_| PageError::new(StatusCode::NOT_FOUND, format!("`{text}` is not a decision id")))
}

/// One decision, refreshed live while it moves.
#[get("/decisions/{id}")]
pub async fn read(
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = decision_id(&path)?;
    let details = decision_page::details(&state, &session, id).await?;
    let body = html! {
        div id="decision" data-live=(format!("/dashboard/decisions/{id}/live")) aria-live="polite" { (details) }
        p { a href="/dashboard/decisions" { "All decisions" } }
    };
    Ok(layout::html(StatusCode::OK, layout::page(&format!("Decision {}", short_id(id)), &session, body)))
}

/// The decision's details alone, for the live refresh.
#[get("/decisions/{id}/live")]
pub async fn read_live(
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = decision_id(&path)?;
    Ok(layout::html(StatusCode::OK, decision_page::details(&state, &session, id).await?))
}

fn short_id(id: DecisionId) -> String {
    id.0.to_string().chars().take(8).collect()
}
