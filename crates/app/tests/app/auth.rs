//! Token verification: EdDSA tokens from an external issuer, expiry and audience.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use starkrisk_app::AuthSettings;
use starkrisk_app::{Authenticator, Claims, Role};

/// A throwaway Ed25519 key pair made for this test (openssl genpkey -algorithm ed25519).
const ISSUER_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIIY3BePKgc7VFvSKjTq8fLnQcPj2k0MsKtPL1H5yg79g
-----END PRIVATE KEY-----
";
const ISSUER_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAuaIbTHBb+kSJLTJBdYZwcqoGw28UCKh/MW/G8BnC+L0=
-----END PUBLIC KEY-----
";

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

fn eddsa_token(claims: &Claims) -> String {
    let key = EncodingKey::from_ed_pem(ISSUER_KEY.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), claims, &key).unwrap()
}

fn eddsa_authenticator() -> Authenticator {
    let dir = tempfile::tempdir().unwrap();
    let public = dir.path().join("issuer.pub.pem");
    std::fs::write(&public, ISSUER_PUBLIC).unwrap();
    let settings = AuthSettings {
        hs256_secret: None,
        hs256_secret_file: None,
        generate_dev_secret: false,
        eddsa_public_key_file: Some(public),
        audience: "starkrisk".into(),
    };
    Authenticator::from_settings(&settings).unwrap()
}

fn claims(role: Role, aud: &str, exp: u64) -> Claims {
    Claims { sub: "issuer-user".into(), role, aud: aud.into(), exp, iat: now() }
}

#[test]
fn eddsa_tokens_from_the_issuer_are_accepted_by_role() {
    let auth = eddsa_authenticator();
    let token = eddsa_token(&claims(Role::Operator, "starkrisk", now() + 600));
    let header = format!("Bearer {token}");
    assert_eq!(auth.authorize(Some(&header), Role::Operator).unwrap().sub, "issuer-user");
    assert!(auth.authorize(Some(&header), Role::Admin).is_err(), "an operator is not an admin");
    assert!(auth.mint("x", Role::Viewer, std::time::Duration::from_secs(1)).is_err(), "no minting without a secret");
}

#[test]
fn expired_foreign_audience_and_hs256_tokens_are_refused_by_an_eddsa_service() {
    let auth = eddsa_authenticator();
    let expired = eddsa_token(&claims(Role::Admin, "starkrisk", now() - 3600));
    assert!(auth.authorize(Some(&format!("Bearer {expired}")), Role::Viewer).is_err());
    let elsewhere = eddsa_token(&claims(Role::Admin, "another-service", now() + 600));
    assert!(auth.authorize(Some(&format!("Bearer {elsewhere}")), Role::Viewer).is_err());
    let hs = Authenticator::hs256(&starkrisk_domain::Secret::new("x".repeat(40)), "starkrisk");
    let hs_token = hs.mint("mallory", Role::Admin, std::time::Duration::from_secs(60)).unwrap();
    assert!(
        auth.authorize(Some(&format!("Bearer {hs_token}")), Role::Viewer).is_err(),
        "algorithm confusion is refused"
    );
    assert!(auth.authorize(Some("Basic abc"), Role::Viewer).is_err());
    assert!(auth.authorize(None, Role::Viewer).is_err());
}

#[test]
fn a_token_expires_on_the_services_clock_after_its_lifetime_and_the_skew_allowance() {
    use starkrisk_domain::testing::ManualClock;
    use std::sync::Arc;
    use std::time::Duration;
    // A clock years away from the system's: if expiry were read from the system clock, the first
    // assertion (a token minted "now" on this clock) or the last would go the other way.
    let clock = Arc::new(ManualClock::at(chrono::DateTime::from_timestamp(4_000_000_000, 0).unwrap()));
    let auth =
        Authenticator::hs256(&starkrisk_domain::Secret::new("s".repeat(40)), "starkrisk").timed_by(clock.clone());
    let token = auth.mint("ops", Role::Operator, Duration::from_secs(600)).unwrap();
    let header = format!("Bearer {token}");
    let claims = auth.authorize(Some(&header), Role::Operator).unwrap();
    assert_eq!(claims.exp, 4_000_000_600, "issued on the service's clock");
    assert_eq!(auth.seconds_left(&claims), 600);

    clock.advance(Duration::from_secs(650));
    assert!(auth.authorize(Some(&header), Role::Operator).is_ok(), "a minute of skew is allowed");
    assert_eq!(auth.seconds_left(&claims), 0);

    clock.advance(Duration::from_secs(20));
    let refused = auth.authorize(Some(&header), Role::Operator).unwrap_err().to_string();
    assert!(refused.contains("expired 70 s ago"), "{refused}");
}
