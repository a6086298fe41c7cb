//! `[schedule]`: rebalancing on a timer from chain metrics, off unless `every_secs` is set.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use starkrisk_domain::usecases::{RebalanceOutcome, ScheduledRebalance};

use crate::http::metrics::Metrics;
use crate::periodic::Periodic;

/// The `[schedule]` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    /// Seconds between two rebalancing rounds; 0 turns scheduled rebalancing off.
    pub every_secs: u64,
    /// How far JediSwap's share (and so Ekubo's) must move from the executed split, in bps, before a
    /// round plans a decision.
    pub min_shift_bps: u32,
}

impl ScheduleSettings {
    /// Whether rounds run.
    pub fn enabled(&self) -> bool {
        self.every_secs > 0
    }

    /// Refuses a threshold past 100 %, and a schedule with no chain metrics to plan from.
    pub fn validate(&self, markets: &crate::markets::MarketsSettings) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.min_shift_bps <= 10_000,
            "schedule.min_shift_bps is {}; a share moves at most 10000 bps",
            self.min_shift_bps
        );
        if self.enabled() {
            anyhow::ensure!(
                markets.jediswap.is_some() && markets.ekubo.is_some(),
                "schedule.every_secs is set but scheduled decisions take every metric from the chain: configure \
                 both [markets.jediswap] and [markets.ekubo], or set schedule.every_secs = 0"
            );
        }
        Ok(())
    }
}

/// Runs a rebalancing round every `every`, logging what each did and counting it in `metrics`.
pub fn spawn_rebalancer(rebalancer: ScheduledRebalance, every: Duration, metrics: Metrics) -> Periodic {
    let rebalancer = std::sync::Arc::new(rebalancer);
    Periodic::spawn("rebalancer", every, move || {
        let rebalancer = rebalancer.clone();
        let metrics = metrics.clone();
        async move {
            let outcome = rebalancer.tick().await;
            metrics.observe_rebalance(&outcome);
            match outcome {
                RebalanceOutcome::Planned { decision, shift_bps } => {
                    tracing::info!(%decision, shift_bps, "scheduled rebalance planned")
                }
                RebalanceOutcome::Unchanged { shift_bps } => tracing::debug!(shift_bps, "split within threshold"),
                RebalanceOutcome::InFlight(decision) => tracing::debug!(%decision, "a decision is in flight"),
                RebalanceOutcome::LedElsewhere => tracing::debug!("another replica rebalances"),
                RebalanceOutcome::Failed(error) => tracing::warn!(%error, "scheduled rebalance failed"),
            }
        }
    })
}
