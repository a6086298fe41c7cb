//! The `starkrisk` command: serve the API, run workers, mint tokens, show configuration.

use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use starkrisk_app::Adapters;
use starkrisk_app::Settings;
use starkrisk_app::{Authenticator, Role};
use starkrisk_app::{init_telemetry, serve, work};

/// starkrisk: proven risk scores and allocations for Starknet DeFi.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration profile: local, sepolia or mainnet (or STARKRISK_PROFILE).
    #[arg(long, global = true)]
    profile: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API and run the proof workers.
    Serve,
    /// Run only the proof workers.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Mint a bearer token (HS256 secret required).
    Token {
        /// viewer, operator or admin.
        #[arg(long, value_enum)]
        role: Role,
        /// Who the token is for.
        #[arg(long, default_value = "operator")]
        subject: String,
        /// Validity in hours.
        #[arg(long, default_value_t = 24)]
        ttl_hours: u64,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// The on-chain gate: deploy the AllocationVault (and a local FactRegistry stand-in).
    Chain {
        #[command(subcommand)]
        command: starkrisk_app::ChainCommand,
    },
    /// The operator's encrypted keystore.
    Keystore {
        #[command(subcommand)]
        command: starkrisk_app::KeystoreCommand,
    },
    /// Exit 0 when `url` answers 2xx within two seconds: a container health check with no curl in the image.
    Probe {
        /// What to ask, e.g. http://127.0.0.1:8080/health.
        url: String,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration with secrets redacted.
    Show,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Openapi => {
            print!("{}", starkrisk_app::http::openapi::json()?);
            return Ok(());
        }
        // Needs no configuration: a keystore is made before the profile that uses it.
        Command::Keystore { command } => return starkrisk_app::run_keystore(command),
        Command::Probe { url } => {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
            let status = client.get(&url).send().await.with_context(|| format!("{url} does not answer"))?.status();
            anyhow::ensure!(status.is_success(), "{url} answered {status}");
            return Ok(());
        }
        _ => {}
    }
    let settings = Settings::from_env(cli.profile.as_deref())?;
    match cli.command {
        Command::Serve => {
            init_telemetry(&settings.log);
            let address = format!("{}:{}", settings.server.host, settings.server.port);
            let listener =
                std::net::TcpListener::bind(&address).with_context(|| format!("cannot listen on {address}"))?;
            let adapters = Adapters::from_settings(&settings)?.with_chain(&settings).await?;
            serve(settings, adapters, listener).await
        }
        Command::Worker => {
            init_telemetry(&settings.log);
            let adapters = Adapters::from_settings(&settings)?.with_chain(&settings).await?;
            work(settings, adapters).await
        }
        Command::Migrate => {
            init_telemetry(&settings.log);
            let db = starkrisk_postgres::Database::connect(&settings.database)?;
            let applied = db.migrate().await?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        Command::Token { role, subject, ttl_hours } => {
            let auth = Authenticator::from_settings(&settings.auth)?;
            println!("{}", auth.mint(&subject, role, Duration::from_secs(ttl_hours * 3600))?);
            Ok(())
        }
        Command::Config { command: ConfigCommand::Show } => {
            println!("{}", settings.redacted()?);
            Ok(())
        }
        Command::Chain { command } => {
            init_telemetry(&settings.log);
            starkrisk_app::run_chain(command, &settings).await
        }
        Command::Openapi | Command::Keystore { .. } | Command::Probe { .. } => Ok(()),
    }
}
