//! The operator's signing key: an encrypted JSON keystore (Web3 Secret Storage, as starknet-rs reads it)
//! unlocked with a password from the environment or a file. The key never appears in config, output or logs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use starknet::core::types::Felt;
use starknet::signers::{LocalWallet, SigningKey};

/// Where the keystore and its password come from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeystoreSettings {
    /// The keystore file.
    pub path: Option<PathBuf>,
    /// The environment variable holding the password (default `STARKRISK_KEYSTORE_PASSWORD`).
    pub password_env: Option<String>,
    /// A file holding the password (its first line), used when the variable is unset.
    pub password_file: Option<PathBuf>,
}

/// The variable read for the password unless `password_env` names another.
pub const DEFAULT_PASSWORD_ENV: &str = "STARKRISK_KEYSTORE_PASSWORD";

/// Why the key could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// No keystore path is configured.
    #[error("starknet.keystore.path is not set: create one with `starkrisk keystore new <path>`")]
    NotConfigured,
    /// No password source gave a password.
    #[error("no keystore password: set {env} or starknet.keystore.password_file")]
    NoPassword {
        /// The variable that was read.
        env: String,
    },
    /// Reading the password file failed.
    #[error("cannot read the keystore password file {path}: {reason}")]
    PasswordFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Decrypting or writing the keystore failed (a wrong password says so here).
    #[error("keystore {path}: {reason}")]
    Keystore {
        /// The file.
        path: PathBuf,
        /// Why (never the key).
        reason: String,
    },
    /// A secret given for import is not a valid key.
    #[error("the private key to import is not a hex felt below the Stark prime")]
    BadSecret,
}

/// A decrypted signing key. Its `Debug` shows only the public key.
pub struct OperatorKey {
    key: SigningKey,
}

impl std::fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OperatorKey(public {:#x})", self.public_key())
    }
}

impl OperatorKey {
    /// Loads the key `settings` describe.
    pub fn load(settings: &KeystoreSettings) -> Result<Self, KeystoreError> {
        let path = settings.path.as_deref().ok_or(KeystoreError::NotConfigured)?;
        let password = password(settings)?;
        Self::open(path, &password)
    }

    /// Decrypts the keystore at `path`.
    pub fn open(path: &Path, password: &str) -> Result<Self, KeystoreError> {
        let key = SigningKey::from_keystore(path, password).map_err(|e| KeystoreError::Keystore {
            path: path.to_path_buf(),
            reason: match e.to_string() {
                m if m.contains("Mac Mismatch") => "wrong password (the MAC does not match)".into(),
                m => m,
            },
        })?;
        Ok(Self { key })
    }

    /// A fresh random key, saved encrypted at `path` (refusing to overwrite a file).
    pub fn create(path: &Path, password: &str) -> Result<Self, KeystoreError> {
        Self::save(SigningKey::from_random(), path, password)
    }

    /// Encrypts an existing private key (hex) into `path`.
    pub fn import(secret_hex: &str, path: &Path, password: &str) -> Result<Self, KeystoreError> {
        let secret = Felt::from_hex(secret_hex.trim()).map_err(|_| KeystoreError::BadSecret)?;
        if secret == Felt::ZERO {
            return Err(KeystoreError::BadSecret);
        }
        Self::save(SigningKey::from_secret_scalar(secret), path, password)
    }

    fn save(key: SigningKey, path: &Path, password: &str) -> Result<Self, KeystoreError> {
        let fail = |reason: String| KeystoreError::Keystore { path: path.to_path_buf(), reason };
        if path.exists() {
            return Err(fail("the file exists; choose another path (keys are never overwritten)".into()));
        }
        if password.is_empty() {
            return Err(fail("refusing an empty password".into()));
        }
        key.save_as_keystore(path, password).map_err(|e| fail(e.to_string()))?;
        Ok(Self { key })
    }

    /// The public key.
    pub fn public_key(&self) -> Felt {
        self.key.verifying_key().scalar()
    }

    /// The signer starknet-rs accounts use.
    pub fn wallet(&self) -> LocalWallet {
        LocalWallet::from_signing_key(self.key.clone())
    }
}

/// The password from the configured variable, else the configured file.
pub fn password(settings: &KeystoreSettings) -> Result<String, KeystoreError> {
    let env = settings.password_env.clone().unwrap_or_else(|| DEFAULT_PASSWORD_ENV.into());
    if let Ok(value) = std::env::var(&env) {
        return Ok(value);
    }
    match &settings.password_file {
        Some(path) => std::fs::read_to_string(path)
            .map(|text| text.lines().next().unwrap_or_default().to_string())
            .map_err(|e| KeystoreError::PasswordFile { path: path.clone(), reason: e.to_string() }),
        None => Err(KeystoreError::NoPassword { env }),
    }
}
