//! Telling workers that a job became due, so one claims it at once instead of at its next poll.

/// Wakes this process's workers when a job becomes due; workers elsewhere still find it by polling.
pub trait JobsDue: Send + Sync {
    /// A job was queued or made due just now.
    fn job_due(&self);
}

/// No workers to wake: they find jobs by polling (tools that embed the domain without a worker pool).
pub struct PollOnly;

impl JobsDue for PollOnly {
    fn job_due(&self) {}
}
