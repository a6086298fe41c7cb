//! `starkrisk serve` and `starkrisk worker`: start, migrate, run, and shut down gracefully.

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use starkrisk_domain::ports::{Clock, StoreError};
use starkrisk_domain::{Attempt, Backoff, Retry, RetryLimit};
use starkrisk_postgres::Database;

use crate::periodic::{Periodic, shutdown_all};
use crate::settings::Settings;
use crate::wiring::{Adapters, Service, Stores};
use crate::worker::{WorkerConfig, Workers};

/// Applies migrations when the stores live in Postgres, then registers the default model when one is
/// configured and none exists; `/ready` answers 200 from then on. A migration Postgres refuses (not an
/// outage, which is waited out) is an error: the process must stop rather than serve an unknown schema.
pub async fn prepare_database(service: &Service, settings: &Settings) -> anyhow::Result<()> {
    if let Some(database) = &service.stores.database {
        migrate(database, service.clock.as_ref()).await?;
    }
    if settings.defaults.register_default_model {
        match service.state.models.ensure_default().await {
            Ok(model) => tracing::info!(version = %model.version(), model_hash = %model.model_hash(), "active model"),
            Err(error) => tracing::warn!(%error, "could not register the default model"),
        }
    }
    service.state.mark_migrated();
    Ok(())
}

/// Applies pending migrations, retrying on the service's clock while Postgres is unreachable; any other
/// failure stops at once.
async fn migrate(database: &Database, clock: &dyn Clock) -> anyhow::Result<()> {
    let schedule = Backoff::new(Duration::from_millis(250), Duration::from_secs(10));
    let migrated = Retry::new("database migrations", schedule, clock, RetryLimit::Never)
        .run(|_| async {
            match database.migrate().await {
                Ok(applied) => Attempt::Done(applied),
                Err(error @ StoreError::Unavailable(_)) => Attempt::Again(error),
                Err(error) => Attempt::Stop(error),
            }
        })
        .await;
    match migrated {
        Ok(applied) => {
            tracing::info!(?applied, "database migrated");
            Ok(())
        }
        Err(gave_up) => {
            tracing::error!(error = %gave_up, "the database could not be migrated; stopping");
            Err(anyhow::anyhow!(
                "the database could not be migrated ({gave_up}); fix or restore the database, or run a build \
                 whose migrations match it"
            ))
        }
    }
}

/// Starts the workers, woken by Postgres' notifications when jobs are queued anywhere and by this process
/// when it queues one.
fn workers(service: &Service, settings: &Settings, prefix: &str) -> Workers {
    let workers = Workers::spawn(
        settings.workers.count,
        prefix,
        service.pipeline.clone(),
        service.stores.jobs.clone(),
        service.state.metrics.clone(),
        WorkerConfig {
            lease: Duration::from_millis(settings.workers.lease_ms),
            poll: Duration::from_millis(settings.workers.poll_ms),
            wakeup: service.wakeup.clone(),
        },
    );
    match &service.stores.database {
        Some(db) => workers.woken_by(tokio::spawn(starkrisk_postgres::listen_for_due_jobs(
            db.clone(),
            Arc::new(service.wakeup.clone()),
        ))),
        None => workers,
    }
}

/// Starts webhook delivery when endpoints are configured; a failure is logged, never fatal, because
/// the outbox keeps every event until delivery works.
async fn deliver_webhooks(service: &Service, settings: &Settings) -> Option<crate::webhooks::Delivering> {
    match crate::webhooks::start(service.stores.webhooks.clone(), settings, service.clock.clone()).await {
        Ok(delivering) => delivering,
        Err(error) => {
            tracing::error!(%error, "webhook delivery did not start; events wait in the outbox");
            None
        }
    }
}

/// Starts the market sampler when pools are configured and the chain is connected, and the rebalancer when
/// `[schedule]` is on. Every replica runs both; a lease each lets one replica act at a time, and another
/// takes over three rounds after it stops.
fn periodic_tasks(service: &Service, settings: &Settings) -> Vec<Periodic> {
    let leadership = service.stores.leadership.clone();
    let mut tasks = Vec::new();
    if let Some(sampler) = service.sampler.clone() {
        let every = Duration::from_secs(settings.markets.sample_secs.max(1));
        let sampler = sampler.led_by(leadership.clone(), worker_prefix(), every * 3);
        tasks.push(crate::markets::spawn_sampler(sampler, every));
    }
    if let Some(rebalancer) = service.rebalancer.clone() {
        let every = Duration::from_secs(settings.schedule.every_secs);
        let rebalancer = rebalancer.led_by(leadership, worker_prefix(), every * 3);
        tasks.push(crate::schedule::spawn_rebalancer(rebalancer, every, service.state.metrics.clone()));
    }
    tasks
}

fn worker_prefix() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "starkrisk".into());
    format!("{host}-{}", std::process::id())
}

/// Builds the service from `settings` and `adapters`, over Postgres.
pub fn service(settings: &Settings, adapters: Adapters) -> anyhow::Result<Service> {
    Service::build(settings, Stores::postgres(Database::connect(&settings.database)?), adapters)
}

/// Serves HTTP (and runs workers) over Postgres until SIGINT/SIGTERM; in-flight requests finish, claimed
/// jobs go back.
pub async fn serve(settings: Settings, adapters: Adapters, listener: std::net::TcpListener) -> anyhow::Result<()> {
    let stores = Stores::postgres(Database::connect(&settings.database)?);
    serve_with(settings, stores, adapters, listener).await
}

/// Serves HTTP (and runs workers) over `stores` until SIGINT/SIGTERM.
pub async fn serve_with(
    settings: Settings,
    stores: Stores,
    adapters: Adapters,
    listener: std::net::TcpListener,
) -> anyhow::Result<()> {
    let service = Service::build(&settings, stores, adapters)?;
    let server = http_server(&settings, service.state.clone(), listener)?;
    tracing::info!(profile = %settings.profile, "starkrisk serving");
    // The server must be polled from the start so /health and a 503 /ready answer while migrations wait
    // for Postgres; migrations and then the workers start beside it.
    let handle = server.handle();
    let (failed, mut failure) = tokio::sync::oneshot::channel();
    let background = tokio::spawn(async move {
        if let Err(error) = prepare_database(&service, &settings).await {
            // Sent before the server is told to stop, so it is there once the server has stopped.
            let _ = failed.send(error);
            handle.stop(true).await;
            return None;
        }
        let delivering = deliver_webhooks(&service, &settings).await;
        Some((workers(&service, &settings, &worker_prefix()), delivering, periodic_tasks(&service, &settings)))
    });
    // actix stops on SIGINT/SIGTERM by itself and waits for in-flight requests; then the workers stop.
    let served = server.await;
    if let Ok(error) = failure.try_recv() {
        return Err(error);
    }
    if background.is_finished() {
        if let Ok(Some((pool, delivering, tasks))) = background.await {
            pool.shutdown().await;
            if let Some(delivering) = delivering {
                delivering.shutdown().await;
            }
            shutdown_all(tasks).await;
        }
    } else {
        background.abort();
    }
    served.map_err(Into::into)
}

/// Starts actix on `listener`. Kept out of `serve` so the builder (which is not `Send`) never lives
/// across an await, and `serve` can run on any tokio task.
fn http_server(
    settings: &Settings,
    state: actix_web::web::Data<crate::http::state::AppState>,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    let body_limit = settings.server.body_limit_bytes;
    let origins = settings.server.cors_allowed_origins.clone();
    let mut server = HttpServer::new(move || crate::http::app(state.clone(), body_limit, origins.clone()))
        .shutdown_timeout(settings.server.shutdown_timeout_secs)
        .listen(listener)?;
    if settings.server.http_workers > 0 {
        server = server.workers(settings.server.http_workers);
    }
    Ok(server.run())
}

/// Runs only the workers until SIGINT/SIGTERM.
pub async fn work(settings: Settings, adapters: Adapters) -> anyhow::Result<()> {
    let service = service(&settings, adapters)?;
    let probes = probe_server(&settings, service.state.clone())?;
    let probes_handle = probes.handle();
    let probes_task = tokio::spawn(probes);
    tracing::info!(port = settings.workers.health_port, "worker probes: /health, /ready, /metrics");
    if let Err(error) = prepare_database(&service, &settings).await {
        probes_handle.stop(true).await;
        let _ = probes_task.await;
        return Err(error);
    }
    let delivering = deliver_webhooks(&service, &settings).await;
    let pool = workers(&service, &settings, &worker_prefix());
    let tasks = periodic_tasks(&service, &settings);
    shutdown_signal().await;
    tracing::info!("stopping workers");
    pool.shutdown().await;
    shutdown_all(tasks).await;
    if let Some(delivering) = delivering {
        delivering.shutdown().await;
    }
    probes_handle.stop(true).await;
    let _ = probes_task.await;
    Ok(())
}

/// `/health`, `/ready` and `/metrics` for a worker process, on `workers.health_port`, so an orchestrator
/// can probe and scrape workers the way it does the API. Nothing else is served there.
fn probe_server(
    settings: &Settings,
    state: actix_web::web::Data<crate::http::state::AppState>,
) -> std::io::Result<actix_web::dev::Server> {
    use crate::http::routes::health;
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .service(health::health)
            .service(health::ready)
            .service(health::metrics)
    })
    .workers(1)
    .disable_signals()
    .bind((settings.server.host.as_str(), settings.workers.health_port))?;
    Ok(server.run())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
