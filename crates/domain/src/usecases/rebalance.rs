//! Scheduled rebalancing: now and then, plan a decision from fresh chain metrics, but only when its split
//! moved far enough from the one the treasury holds, and never while another decision is on its way.

use std::sync::Arc;
use std::time::Duration;

use crate::decision::DecisionId;
use crate::ports::{DecisionStore, Leadership, PageRequest};
use crate::usecases::{AllocationRequest, OrchestrateAllocation};

/// The lease name the rebalancer runs under.
pub const REBALANCER_TASK: &str = "rebalancer";

/// What one round of the rebalancer did.
#[derive(Debug)]
pub enum RebalanceOutcome {
    /// A decision was planned; its JediSwap share moved `shift_bps` from the executed one (10000 when
    /// nothing was executed yet).
    Planned {
        /// The new decision.
        decision: DecisionId,
        /// How far the split moved.
        shift_bps: u32,
    },
    /// The split moved less than the threshold; nothing was planned.
    Unchanged {
        /// How far it moved.
        shift_bps: u32,
    },
    /// The newest decision has not settled; the next round looks again.
    InFlight(DecisionId),
    /// Another replica holds the rebalancer's lease.
    LedElsewhere,
    /// Metrics, the model or storage failed; the reason says which.
    Failed(String),
}

impl RebalanceOutcome {
    /// Every outcome's name, as [`Self::as_str`] gives them.
    pub const NAMES: [&'static str; 5] = ["planned", "unchanged", "in_flight", "led_elsewhere", "failed"];

    /// The outcome's name, for logs and metrics labels.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Planned { .. } => "planned",
            Self::Unchanged { .. } => "unchanged",
            Self::InFlight(_) => "in_flight",
            Self::LedElsewhere => "led_elsewhere",
            Self::Failed(_) => "failed",
        }
    }
}

/// Plans decisions on a schedule from chain metrics.
#[derive(Clone)]
pub struct ScheduledRebalance {
    orchestrate: Arc<OrchestrateAllocation>,
    decisions: Arc<dyn DecisionStore>,
    min_shift_bps: u32,
    lead: Option<(Arc<dyn Leadership>, String, Duration)>,
}

impl ScheduledRebalance {
    /// Plans through `orchestrate` when JediSwap's share moves at least `min_shift_bps` from the newest
    /// executed decision's.
    pub fn new(orchestrate: Arc<OrchestrateAllocation>, decisions: Arc<dyn DecisionStore>, min_shift_bps: u32) -> Self {
        Self { orchestrate, decisions, min_shift_bps, lead: None }
    }

    /// The same rebalancer, acting only while `holder` holds its lease (renewed for `ttl` each round).
    #[must_use]
    pub fn led_by(mut self, leadership: Arc<dyn Leadership>, holder: impl Into<String>, ttl: Duration) -> Self {
        self.lead = Some((leadership, holder.into(), ttl));
        self
    }

    /// One round.
    pub async fn tick(&self) -> RebalanceOutcome {
        if let Some((leadership, holder, ttl)) = &self.lead {
            match leadership.try_lead(REBALANCER_TASK, holder, *ttl).await {
                Ok(true) => {}
                Ok(false) => return RebalanceOutcome::LedElsewhere,
                Err(e) => return RebalanceOutcome::Failed(format!("the rebalancer's lease: {e}")),
            }
        }
        match self.round().await {
            Ok(outcome) => outcome,
            Err(reason) => RebalanceOutcome::Failed(reason),
        }
    }

    async fn round(&self) -> Result<RebalanceOutcome, String> {
        let newest = self.decisions.list(PageRequest { limit: 1, before: None }).await.map_err(|e| e.to_string())?;
        if let Some(unsettled) = newest.items.first().filter(|d| !d.is_settled()) {
            return Ok(RebalanceOutcome::InFlight(unsettled.id()));
        }
        // Every number from the metrics source: a scheduled decision has no caller to supply any.
        let request = AllocationRequest::default();
        let computed = self.orchestrate.compute(&request).await.map_err(|e| e.to_string())?;
        let held = self.decisions.latest_executed().await.map_err(|e| e.to_string())?;
        let proposed = computed.statement.allocation.jediswap().get();
        let shift_bps = held.map_or(10_000, |d| d.statement().allocation.jediswap().get().abs_diff(proposed));
        if shift_bps < self.min_shift_bps {
            return Ok(RebalanceOutcome::Unchanged { shift_bps });
        }
        let decision = self.orchestrate.plan_computed(&request, computed).await.map_err(|e| e.to_string())?;
        Ok(RebalanceOutcome::Planned { decision: decision.id(), shift_bps })
    }
}
