//! Logging: JSON or pretty lines, filtered by configuration (RUST_LOG wins when set).

use tracing_subscriber::EnvFilter;

use crate::settings::LogSettings;

/// Dependencies that log their internals at `info`: stwo writes five lines for every proof it makes or
/// checks, which would bury the service's own lines. Quiet unless `log.level` names them.
const CHATTY_DEPENDENCIES: &[&str] = &["stwo"];

/// Installs the global subscriber; a second call is a no-op.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(directives(&settings.level)));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(true);
    let _ = if settings.format == "json" {
        builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init()
    } else {
        builder.try_init()
    };
}

/// `level` with every chatty dependency it does not mention held at `warn`.
fn directives(level: &str) -> String {
    let named =
        |dependency: &&str| level.split(',').any(|d| d.trim().split(['=', ':', '[']).next() == Some(*dependency));
    CHATTY_DEPENDENCIES
        .iter()
        .filter(|d| !named(d))
        .map(|d| format!("{d}=warn,"))
        .chain(std::iter::once(level.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::directives;

    #[test]
    fn stwo_is_held_at_warn_unless_the_level_names_it() {
        assert_eq!(directives("info"), "stwo=warn,info");
        assert_eq!(directives("debug,starkrisk_app=trace"), "stwo=warn,debug,starkrisk_app=trace");
        assert_eq!(directives("info,stwo=debug"), "info,stwo=debug");
        assert_eq!(directives("stwo"), "stwo");
        assert_eq!(directives("info,stwo_constraint_framework=info"), "stwo=warn,info,stwo_constraint_framework=info");
    }
}
