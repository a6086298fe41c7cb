//! `starkrisk keystore new|import|inspect`: the operator key's encrypted keystore. The password comes from
//! `STARKRISK_KEYSTORE_PASSWORD` or `--password-file`; an imported key is read from stdin, never from an
//! argument (shells keep those). Only public keys are ever printed.

use std::io::Read;
use std::path::PathBuf;

use clap::Subcommand;
use starkrisk_starknet::{DEFAULT_PASSWORD_ENV, KeystoreSettings, OperatorKey, password};

/// The keystore subcommands.
#[derive(Debug, Subcommand)]
pub enum KeystoreCommand {
    /// Create a keystore holding a fresh random key.
    New {
        /// The file to create (never overwritten).
        path: PathBuf,
        /// A file whose first line is the password (else STARKRISK_KEYSTORE_PASSWORD).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Encrypt an existing private key, read as hex from stdin.
    Import {
        /// The file to create (never overwritten).
        path: PathBuf,
        /// A file whose first line is the password (else STARKRISK_KEYSTORE_PASSWORD).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Decrypt a keystore and print its public key.
    Inspect {
        /// The keystore.
        path: PathBuf,
        /// A file whose first line is the password (else STARKRISK_KEYSTORE_PASSWORD).
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

/// Runs one keystore subcommand, printing what it did.
pub fn run(command: KeystoreCommand) -> anyhow::Result<()> {
    let unlock = |path: &PathBuf, password_file: &Option<PathBuf>| {
        password(&KeystoreSettings {
            path: Some(path.clone()),
            password_env: Some(DEFAULT_PASSWORD_ENV.into()),
            password_file: password_file.clone(),
        })
    };
    let (verb, path, key) = match &command {
        KeystoreCommand::New { path, password_file } => {
            ("created", path, OperatorKey::create(path, &unlock(path, password_file)?)?)
        }
        KeystoreCommand::Import { path, password_file } => {
            let mut secret = String::new();
            std::io::stdin().read_to_string(&mut secret)?;
            ("imported", path, OperatorKey::import(&secret, path, &unlock(path, password_file)?)?)
        }
        KeystoreCommand::Inspect { path, password_file } => {
            ("opened", path, OperatorKey::open(path, &unlock(path, password_file)?)?)
        }
    };
    println!("{verb} {}\npublic key: {:#x}", path.display(), key.public_key());
    Ok(())
}
