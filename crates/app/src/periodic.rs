//! A background task that runs one round every so often until it is stopped (the market sampler, the
//! rebalancer); stopping waits for the round in progress.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running periodic task and the switch that stops it.
pub struct Periodic {
    name: &'static str,
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

impl Periodic {
    /// Runs `round` now and then every `every` until stopped.
    pub fn spawn<F, Fut>(name: &'static str, every: Duration, mut round: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let (stop, mut stopped) = watch::channel(false);
        let handle = tokio::spawn(async move {
            tracing::info!(task = name, every = ?every, "periodic task started");
            while !*stopped.borrow() {
                round().await;
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stopped.changed() => {}
                }
            }
        });
        Self { name, stop, handle }
    }

    /// Stops after the current round.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.handle.await {
            tracing::error!(task = self.name, %error, "a periodic task panicked");
        }
    }
}

/// Stops every task in `tasks`, one after the other.
pub async fn shutdown_all(tasks: Vec<Periodic>) {
    for task in tasks {
        task.shutdown().await;
    }
}
