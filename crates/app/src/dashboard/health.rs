//! Health at a glance: the queue by status, workers' leases, provers' recent records and prove-time
//! percentiles, Postgres and the chain, and the active model.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use maud::{Markup, html};
use starkrisk_domain::AttemptOutcome;
use starkrisk_domain::usecases::{ChainHealth, Overview};

use crate::dashboard::charts;
use crate::dashboard::layout::{self, PageError, badge, short, when};
use crate::dashboard::session::Session;
use crate::http::error::ApiError;
use crate::http::state::AppState;

fn outcome(o: &AttemptOutcome) -> (&'static str, String) {
    match o {
        AttemptOutcome::Succeeded => ("ok", "succeeded".into()),
        AttemptOutcome::Unavailable(why) => ("bad", format!("unavailable: {why}")),
        AttemptOutcome::Timeout(why) => ("bad", format!("timed out: {why}")),
        AttemptOutcome::Failed(why) => ("bad", format!("failed: {why}")),
    }
}

fn overview(o: &Overview) -> Markup {
    let groups: Vec<(String, Vec<(&str, u64)>)> = o
        .provers
        .iter()
        .filter_map(|p| {
            p.prove_ms.map(|ms| (p.prover.to_string(), vec![("p50", ms.p50), ("p90", ms.p90), ("p99", ms.p99)]))
        })
        .collect();
    html! {
        section aria-labelledby="services" {
            h2 id="services" { "Services" }
            ul.badges {
                li id="health-postgres" { @match &o.database {
                    Ok(()) => { (badge("ok", "Postgres ready")) }
                    Err(e) => { (badge("bad", "Postgres not answering")) " " (e) }
                } }
                li id="health-chain" { @match &o.chain {
                    ChainHealth::Reachable => { (badge("ok", "Chain reachable")) " (the allocation contract answered)" }
                    ChainHealth::NotConfigured => { (badge("wait", "No chain")) " (decisions are not executed on chain)" }
                    ChainHealth::Unreachable(e) => { (badge("bad", "Chain unreachable")) " " (e) }
                } }
                li id="health-model" { @match &o.model {
                    Some(m) => { (badge("ok", "Active model")) " " (m.version()) " " (short(&m.model_hash().to_string())) }
                    None => { (badge("bad", "No active model")) " (an admin must register one)" }
                } }
            }
        }
        section aria-labelledby="queue" {
            h2 id="queue" { "Queue" }
            div.scroll { table id="queue-table" {
                caption { "Proof jobs by status" }
                thead { tr { @for (status, _) in &o.queue.by_status { th scope="col" { (status) } } } }
                tbody { tr { @for (_, n) in &o.queue.by_status { td { (n) } } } }
            } }
            div.scroll { table id="leases" {
                caption { "Workers holding jobs now" }
                thead { tr { th scope="col" { "Worker" } th scope="col" { "Job" } th scope="col" { "Lease until" } } }
                tbody {
                    @if o.queue.leases.is_empty() { tr { td colspan="3" { "No job is held." } } }
                    @for l in &o.queue.leases { tr { td { (l.owner) } td { (short(&l.job.to_string())) } td { (when(l.expires_at)) } } }
                }
            } }
        }
        section aria-labelledby="provers" {
            h2 id="provers" { "Provers" }
            div.scroll { table id="prover-table" {
                caption { "In the order they are tried; figures from the latest " (o.recent_jobs) " jobs" }
                thead { tr { th scope="col" { "Prover" } th scope="col" { "Latest attempt" } th scope="col" { "Prove time p50 / p90 / p99" } } }
                tbody { @for p in &o.provers { tr {
                    th scope="row" { (p.prover) }
                    td { @match &p.last_attempt {
                        Some((o, at)) => { @let (tone, text) = outcome(o); (badge(tone, &text)) " " (when(*at)) }
                        None => { "not tried yet" }
                    } }
                    td { @match p.prove_ms {
                        Some(ms) => { (ms.p50) " / " (ms.p90) " / " (ms.p99) " ms (" (ms.count) ")" }
                        None => { "—" }
                    } }
                } } }
            } }
            (charts::bars("prove-chart", "Prove time per prover", "ms", &groups))
        }
    }
}

async fn current(state: &AppState) -> Result<Markup, PageError> {
    Ok(overview(&state.overview.now().await.map_err(ApiError::from)?))
}

/// The health page, refreshed live.
#[get("/health")]
pub async fn page(session: Session, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let body = html! { div id="health" data-live="/dashboard/health/live" { (current(&state).await?) } };
    Ok(layout::html(StatusCode::OK, layout::page("Health", &session, body)))
}

/// The health figures alone, for the live refresh.
#[get("/health/live")]
pub async fn live(_session: Session, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    Ok(layout::html(StatusCode::OK, current(&state).await?))
}
