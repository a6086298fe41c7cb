//! Where `deploy/local/stone.sh` puts the Stone binaries it builds, so the service finds them with no
//! setting. The commit comes from `deploy/local/stone.env`, the file the script reads too.

use std::path::PathBuf;

/// The build facts `deploy/local/stone.sh` sources.
const STONE_ENV: &str = include_str!("../../../deploy/local/stone.env");

/// A `KEY=value` line of stone.env.
fn fact(key: &str) -> Option<&'static str> {
    STONE_ENV.lines().find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
}

/// The Stone commit the project builds (v3).
pub fn commit() -> &'static str {
    fact("STONE_COMMIT").unwrap_or("unknown")
}

/// The directory stone.sh installs into: `$STARKRISK_STONE_HOME`, else `stone-<commit>` in [`cache_dir`].
pub fn home() -> Option<PathBuf> {
    cache_home("STARKRISK_STONE_HOME", &format!("stone-{}", commit()))
}

/// Where the project's once-per-machine builds go: `${XDG_CACHE_HOME:-~/.cache}/starkrisk` (the rule the
/// scripts under deploy/local follow too).
pub fn cache_dir() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("starkrisk"))
}

/// The variable `override_var` when set, else `name` in [`cache_dir`].
pub fn cache_home(override_var: &str, name: &str) -> Option<PathBuf> {
    if let Some(home) = std::env::var_os(override_var).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(home));
    }
    cache_dir().map(|dir| dir.join(name))
}

/// `name` (cpu_air_prover, cpu_air_verifier) as stone.sh installed it, if it did.
pub fn installed(name: &str) -> Option<PathBuf> {
    home().map(|home| home.join("bin").join(name)).filter(|path| path.is_file())
}
