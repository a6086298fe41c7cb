//! The `starkrisk` binary: configuration layering, secret handling, tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use std::path::Path;
use std::process::{Command, Output};

fn starkrisk(config_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_starkrisk"));
    command.args(args).env("STARKRISK_CONFIG_DIR", config_dir).env_remove("STARKRISK_PROFILE");
    for (key, _) in std::env::vars() {
        if key.starts_with("STARKRISK__") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied()).output().unwrap()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("starkrisk-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SECRET: &str = "0123456789abcdef0123456789abcdef-cli";

#[test]
fn env_overrides_the_profile_and_secrets_are_redacted() {
    let dir = temp_dir("layering");
    std::fs::write(dir.join("local.toml"), "[server]\nport = 7000\n").unwrap();
    let env = [
        ("STARKRISK__SERVER__PORT", "9999"),
        ("STARKRISK__AUTH__HS256_SECRET", SECRET),
        ("STARKRISK__DATABASE__URL", "postgres://app:hunter2@db:5432/starkrisk"),
        ("STARKRISK__DATABASE__PASSWORD", "s3cret-password"),
    ];
    let out = starkrisk(&dir, &env, &["config", "show"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = String::from_utf8(out.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(json["server"]["port"], 9999, "the environment wins over the profile");
    assert_eq!(json["auth"]["hs256_secret"], "***");
    assert_eq!(json["database"]["password"], "***");
    assert_eq!(json["database"]["url"], "postgres://app:***@db:5432/starkrisk");
    for secret in [SECRET, "hunter2", "s3cret-password"] {
        assert!(!shown.contains(secret), "{secret} leaked into config show");
    }
}

#[test]
fn a_secret_in_a_profile_file_is_refused() {
    let dir = temp_dir("secret-in-file");
    std::fs::write(dir.join("local.toml"), format!("[auth]\nhs256_secret = \"{SECRET}\"\n")).unwrap();
    let out = starkrisk(&dir, &[], &["config", "show"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("auth.hs256_secret") && stderr.contains("environment"), "{stderr}");
    assert!(!stderr.contains(SECRET));
}

#[test]
fn unknown_profiles_and_bad_values_are_clear_errors() {
    let dir = temp_dir("errors");
    std::fs::write(dir.join("local.toml"), "").unwrap();
    let out = starkrisk(&dir, &[], &["--profile", "staging", "config", "show"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no configuration profile `staging`"));
    let out = starkrisk(&dir, &[("STARKRISK__PIPELINE__MAX_SINGLE_BPS", "4000")], &["config", "show"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("max_single_bps"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = starkrisk(&dir, &[("STARKRISK__PIPELINE__PROVERS", "luminair,sp1")], &["config", "show"]);
    assert!(!out.status.success(), "an unknown prover is refused");
    let out = starkrisk(&dir, &[("STARKRISK__LUMINAIR__N_QUERIES", "20")], &["config", "show"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("luminair gives 50 bits"), "{stderr}");
    let out = starkrisk(&dir, &[("STARKRISK__LUMINAIR__LOG_BLOWUP", "0")], &["config", "show"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("luminair.log_blowup"), "{stderr}");
}

#[test]
fn tokens_minted_by_the_cli_verify_with_the_same_secret() {
    let dir = temp_dir("token");
    std::fs::write(dir.join("local.toml"), "").unwrap();
    let out = starkrisk(
        &dir,
        &[("STARKRISK__AUTH__HS256_SECRET", SECRET)],
        &["token", "--role", "operator", "--subject", "bob"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap();
    let auth = starkrisk_app::Authenticator::hs256(&starkrisk_domain::Secret::new(SECRET), "starkrisk");
    let claims = auth.authorize(Some(&format!("Bearer {}", token.trim())), starkrisk_app::Role::Operator).unwrap();
    assert_eq!(claims.sub, "bob");
    assert!(auth.authorize(Some(&format!("Bearer {}", token.trim())), starkrisk_app::Role::Admin).is_err());
    let short = starkrisk(&dir, &[("STARKRISK__AUTH__HS256_SECRET", "short")], &["token", "--role", "viewer"]);
    assert!(String::from_utf8_lossy(&short.stderr).contains("shorter than 32 bytes"));
}

#[test]
fn the_shipped_profiles_say_how_they_execute_and_the_public_chains_carry_fallback_fees() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/config");
    for (profile, mode) in [("local", "auto"), ("sepolia", "auto"), ("mainnet", "manual")] {
        let database = ("STARKRISK__DATABASE__URL", "postgres://starkrisk@db.internal:5432/starkrisk");
        let providers = ("STARKRISK__STARKNET__RPC__RPC_URLS", "https://rpc-a.example,https://rpc-b.example");
        let out = starkrisk(
            &dir,
            &[("STARKRISK__AUTH__HS256_SECRET", SECRET), database, providers],
            &["--profile", profile, "config", "show"],
        );
        assert!(out.status.success(), "{profile}: {}", String::from_utf8_lossy(&out.stderr));
        if profile != "local" {
            // The public profiles name no database host: the deployment must give one.
            let out = starkrisk(
                &dir,
                &[("STARKRISK__AUTH__HS256_SECRET", SECRET)],
                &["--profile", profile, "config", "show"],
            );
            assert!(!out.status.success(), "{profile} without a database URL");
            assert!(String::from_utf8_lossy(&out.stderr).contains("STARKRISK__DATABASE__URL"), "{profile}");
        }
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["pipeline"]["execution"], mode, "{profile}");
        assert_eq!(json["server"]["idempotency_ttl_hours"], 24, "{profile}");
        let fallback = &json["starknet"]["fees"]["fallback"];
        assert_eq!(fallback.is_null(), profile == "local", "{profile} fallback fees: {fallback}");
    }
    let out = starkrisk(&dir, &[("STARKRISK__PIPELINE__EXECUTION", "sometimes")], &["config", "show"]);
    assert!(!out.status.success(), "an unknown execution mode is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("sometimes"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_public_chain_refuses_settings_that_would_accept_more_than_its_vault() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/config");
    let base = [
        ("STARKRISK__AUTH__HS256_SECRET", SECRET),
        ("STARKRISK__DATABASE__URL", "postgres://starkrisk@db.internal:5432/starkrisk"),
        ("STARKRISK__STARKNET__RPC__RPC_URLS", "https://rpc-a.example,https://rpc-b.example"),
    ];
    let show = |profile: &str, extra: &[(&str, &str)]| {
        let env: Vec<_> = base.iter().copied().chain(extra.iter().copied()).collect();
        let out = starkrisk(&dir, &env, &["--profile", profile, "config", "show"]);
        (out.status.success(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    assert!(show("mainnet", &[]).0, "{}", show("mainnet", &[]).1);
    let program = ("STARKRISK__DEFAULTS__PROGRAM_HASH", "0x1234");
    for (profile, extra, expected) in [
        ("mainnet", vec![("STARKRISK__STARKNET__RPC__RPC_URLS", "https://rpc-a.example")], "name at least two"),
        ("mainnet", vec![("STARKRISK__PIPELINE__MIN_PROVABLE_SECURITY_BITS", "79")], "at least 80"),
        ("mainnet", vec![("STARKRISK__LUMINAIR__N_QUERIES", "69")], "[luminair] gives 79 provable bits"),
        (
            "mainnet",
            vec![
                ("STARKRISK__PIPELINE__ALLOW_SUPPLIED_METRICS", "true"),
                ("STARKRISK__STARKNET__EXECUTOR__CONTRACT_ADDRESS", "0x5"),
            ],
            "allow_supplied_metrics is refused on SN_MAIN",
        ),
        ("sepolia", vec![program], "defaults.program_hash"),
        ("mainnet", vec![program], "defaults.program_hash"),
    ] {
        let (ok, stderr) = show(profile, &extra);
        assert!(!ok && stderr.contains(expected), "{profile} {extra:?}: {stderr}");
    }
    // Without a chain, a program of one's own may still be tried.
    assert!(show("local", &[program]).0, "{}", show("local", &[program]).1);
}

#[test]
fn webhook_settings_name_what_is_wrong() {
    let dir = temp_dir("webhooks");
    let hook = |events: &str, secret_env: &str| {
        format!(
            "[[webhooks]]\nurl = \"https://hooks.example.com/x\"\nsecret_env = \"{secret_env}\"\nevents = {events}\n"
        )
    };
    let env = [("STARKRISK__AUTH__HS256_SECRET", SECRET), ("HOOK_SECRET", "a-long-enough-secret")];
    for (file, complaint) in [
        (hook("[\"decision.done\"]", "HOOK_SECRET"), "`decision.done` is not an event"),
        (hook("[\"job.failed\"]", "NO_SUCH_VARIABLE"), "set NO_SUCH_VARIABLE"),
    ] {
        std::fs::write(dir.join("local.toml"), file).unwrap();
        let out = starkrisk(&dir, &env, &["config", "show"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(complaint), "{stderr}");
    }
    std::fs::write(dir.join("local.toml"), hook("[\"job.failed\", \"decision.executed\"]", "HOOK_SECRET")).unwrap();
    let out = starkrisk(&dir, &env, &["config", "show"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("a-long-enough-secret"), "the secret is never shown");
}

#[test]
fn a_schedule_needs_both_pools_and_a_threshold_within_a_share() {
    let dir = temp_dir("schedule");
    std::fs::write(dir.join("local.toml"), "").unwrap();
    let refused = |env: &[(&str, &str)]| {
        let out = starkrisk(&dir, env, &["config", "show"]);
        assert!(!out.status.success(), "accepted: {}", String::from_utf8_lossy(&out.stdout));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = refused(&[("STARKRISK__SCHEDULE__EVERY_SECS", "60")]);
    assert!(stderr.contains("schedule.every_secs") && stderr.contains("[markets.ekubo]"), "{stderr}");
    let stderr = refused(&[("STARKRISK__SCHEDULE__MIN_SHIFT_BPS", "10001")]);
    assert!(stderr.contains("schedule.min_shift_bps is 10001"), "{stderr}");
    let out = starkrisk(&dir, &[], &["config", "show"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schedule"], serde_json::json!({"every_secs": 0, "min_shift_bps": 500}), "off by default");
}
