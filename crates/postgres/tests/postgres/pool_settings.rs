//! The pool's settings: the password from the environment goes into the URL the pool connects to.

use starkrisk_domain::Secret;
use starkrisk_postgres::PoolSettings;

fn settings(url: &str, password: Option<&str>) -> PoolSettings {
    PoolSettings {
        url: url.into(),
        password: password.map(Secret::new),
        max_connections: 1,
        acquire_timeout_ms: 1,
        connect_timeout_ms: 1,
    }
}

#[test]
fn the_password_goes_into_the_url_only_when_given() {
    let with_user = settings("postgres://app@db:5432/risk", Some("s3cret"));
    assert_eq!(with_user.connection_url(), "postgres://app:s3cret@db:5432/risk");
    let no_user = settings("postgres://db:5432/risk", Some("s3cret"));
    assert_eq!(no_user.connection_url(), "postgres://:s3cret@db:5432/risk");
    assert_eq!(settings("postgres://app@db/risk", None).connection_url(), "postgres://app@db/risk");
}
