//! Bearer JWT authentication with three roles: viewers read, operators prove and execute, admins register models.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::settings::AuthSettings;
use starkrisk_domain::Secret;
use starkrisk_domain::ports::Clock;
use starkrisk_domain::ports::SystemClock;

/// How far past its expiry a token is still honoured: the clocks of the issuer and this service drift.
const EXPIRY_LEEWAY_SECS: u64 = 60;

/// What a token allows; each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads.
    Viewer,
    /// Reads, proves, orchestrates and executes.
    Operator,
    /// Everything, including model registration.
    Admin,
}

impl Role {
    /// The lower-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

/// The claims starkrisk tokens carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Who (an operator's name or a service's id).
    pub sub: String,
    /// What they may do.
    pub role: Role,
    /// Audience, checked against configuration.
    pub aud: String,
    /// Expiry, unix seconds.
    pub exp: u64,
    /// Issued at, unix seconds.
    pub iat: u64,
}

/// Why a request was not let in.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No token, or one that does not verify.
    #[error("{0}")]
    Unauthenticated(String),
    /// A valid token whose role is too low.
    #[error("this needs the {needed} role; the token has {has}")]
    Forbidden {
        /// The role required.
        needed: &'static str,
        /// The token's role.
        has: &'static str,
    },
}

/// Verifies (and, with a shared secret, mints) tokens; expiry is read on the service's clock.
#[derive(Clone)]
pub struct Authenticator {
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    algorithm: Algorithm,
    audience: String,
    clock: Arc<dyn Clock>,
}

impl Authenticator {
    /// From configuration: the HS256 secret (env or file), else the EdDSA public key file.
    pub fn from_settings(settings: &AuthSettings) -> anyhow::Result<Self> {
        let secret = match (&settings.hs256_secret, &settings.hs256_secret_file) {
            (Some(secret), _) => Some(secret.clone()),
            (None, Some(file)) => Some(read_or_create_secret(file, settings.generate_dev_secret)?),
            (None, None) => None,
        };
        if let Some(secret) = secret {
            if secret.expose().len() < 32 {
                bail!("the HS256 secret is shorter than 32 bytes; use a long random value");
            }
            return Ok(Self::hs256(&secret, &settings.audience));
        }
        if let Some(file) = &settings.eddsa_public_key_file {
            let pem = std::fs::read(file)
                .with_context(|| format!("reading auth.eddsa_public_key_file {}", file.display()))?;
            let decoding = DecodingKey::from_ed_pem(&pem)
                .context("auth.eddsa_public_key_file is not an Ed25519 public key PEM")?;
            return Ok(Self {
                decoding,
                encoding: None,
                algorithm: Algorithm::EdDSA,
                audience: settings.audience.clone(),
                clock: Arc::new(SystemClock),
            });
        }
        bail!(
            "no token key configured: set STARKRISK__AUTH__HS256_SECRET, auth.hs256_secret_file or auth.eddsa_public_key_file"
        )
    }

    /// HS256 with a shared secret.
    pub fn hs256(secret: &Secret, audience: &str) -> Self {
        let bytes = secret.expose().as_bytes();
        Self {
            decoding: DecodingKey::from_secret(bytes),
            encoding: Some(EncodingKey::from_secret(bytes)),
            algorithm: Algorithm::HS256,
            audience: audience.to_string(),
            clock: Arc::new(SystemClock),
        }
    }

    /// The same keys, with tokens issued and expired on `clock` (the service's, or a test's).
    pub fn timed_by(self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self }
    }

    /// Seconds until `claims` expire on this authenticator's clock (0 once they have).
    pub fn seconds_left(&self, claims: &Claims) -> u64 {
        claims.exp.saturating_sub(self.clock.unix_seconds())
    }

    /// Mints a token for `sub` with `role`, valid for `ttl`. Only with a shared secret.
    pub fn mint(&self, sub: &str, role: Role, ttl: std::time::Duration) -> anyhow::Result<String> {
        let key = self
            .encoding
            .as_ref()
            .context("tokens can only be minted with an HS256 secret; EdDSA tokens come from your issuer")?;
        let now = self.clock.unix_seconds();
        let exp = now.saturating_add(ttl.as_secs());
        let claims = Claims { sub: sub.into(), role, aud: self.audience.clone(), iat: now, exp };
        Ok(jsonwebtoken::encode(&Header::new(self.algorithm), &claims, key)?)
    }

    /// Checks an `Authorization` header value and that its role reaches `needed`.
    pub fn authorize(&self, header: Option<&str>, needed: Role) -> Result<Claims, AuthError> {
        let header =
            header.ok_or_else(|| AuthError::Unauthenticated("missing Authorization: Bearer <token> header".into()))?;
        let token = header
            .strip_prefix("Bearer ")
            .ok_or_else(|| AuthError::Unauthenticated("the Authorization header must be `Bearer <token>`".into()))?;
        let mut validation = Validation::new(self.algorithm);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        // jsonwebtoken would read the system clock; expiry is checked below on the service's.
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| AuthError::Unauthenticated(format!("invalid token: {e}")))?
            .claims;
        let now = self.clock.unix_seconds();
        if claims.exp.saturating_add(EXPIRY_LEEWAY_SECS) < now {
            return Err(AuthError::Unauthenticated(format!(
                "the token expired {} s ago; ask for a new one",
                now - claims.exp
            )));
        }
        if claims.role < needed {
            return Err(AuthError::Forbidden { needed: needed.as_str(), has: claims.role.as_str() });
        }
        Ok(claims)
    }
}

/// Reads the secret file, creating it with 48 random bytes (hex) when allowed and missing.
fn read_or_create_secret(file: &Path, create: bool) -> anyhow::Result<Secret> {
    if !file.exists() && create {
        use rand::RngCore;
        let mut bytes = [0u8; 48];
        rand::rng().fill_bytes(&mut bytes);
        let hex = hex::encode(bytes);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(file, &hex).with_context(|| format!("writing {}", file.display()))?;
        restrict(file)?;
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading auth.hs256_secret_file {}", file.display()))?;
    Ok(Secret::new(text.trim()))
}

#[cfg(unix)]
fn restrict(file: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("chmod 600 {}", file.display()))
}

#[cfg(not(unix))]
fn restrict(_file: &Path) -> anyhow::Result<()> {
    Ok(())
}
