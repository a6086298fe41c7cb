//! Every YAML and JSON file under deploy/ parses, and what the files say of each other holds: ports,
//! probe paths, secret and ConfigMap names, selectors, grace periods, and the metric names that alerts,
//! the dashboard and the autoscaler read exist on `/metrics`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::common;
use crate::deploy;

use std::collections::BTreeSet;
use std::process::Command;

use common::*;
use deploy::*;
use serde_json::Value;
use starkrisk_app::Role;

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_yaml_and_json_file_under_deploy_parses() {
    let mut files = Vec::new();
    files_under(&deploy_dir(), &mut files);
    let mut parsed = 0;
    for file in &files {
        match file.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => {
                assert!(!yaml_documents(file).is_empty(), "{} is empty", file.display());
                parsed += 1;
            }
            Some("json") => {
                let text = std::fs::read_to_string(file).unwrap();
                serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                parsed += 1;
            }
            _ => {}
        }
    }
    assert!(parsed >= 8, "only {parsed} YAML and JSON files found under deploy/");
}

#[test]
fn the_manifests_agree_with_each_other_and_with_the_image() {
    let objects = k8s_objects();
    let config = &object(&objects, "ConfigMap", "starkrisk-config")["data"];
    let declared_secrets: BTreeSet<(String, String)> = objects
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .flat_map(|s| {
            let name = s["metadata"]["name"].as_str().unwrap().to_string();
            s["stringData"].as_object().unwrap().keys().map(move |k| (name.clone(), k.clone())).collect::<Vec<_>>()
        })
        .collect();
    let shutdown: u64 = config["STARKRISK__SERVER__SHUTDOWN_TIMEOUT_SECS"].as_str().unwrap().parse().unwrap();
    for (kind, name, port_key) in [
        ("Deployment", "starkrisk-api", Some("STARKRISK__SERVER__PORT")),
        ("Deployment", "starkrisk-worker", Some("STARKRISK__WORKERS__HEALTH_PORT")),
        ("Job", "starkrisk-migrate", None),
    ] {
        let workload = object(&objects, kind, name);
        let pod = &workload["spec"]["template"];
        let c = container(workload);
        assert_eq!(c["command"], serde_json::json!(["starkrisk"]), "{name} runs the binary");
        assert_eq!(pod["spec"]["securityContext"]["runAsNonRoot"], true, "{name} runs as non-root");
        // Secret references name secrets and keys that are declared.
        for entry in c["env"].as_array().into_iter().flatten() {
            if let Value::Object(r) = &entry["valueFrom"]["secretKeyRef"] {
                let key = (r["name"].as_str().unwrap().to_string(), r["key"].as_str().unwrap().to_string());
                assert!(declared_secrets.contains(&key), "{name} reads undeclared secret {key:?}");
            }
        }
        for volume in pod["spec"]["volumes"].as_array().into_iter().flatten() {
            let secret = volume["secret"]["secretName"].as_str().unwrap();
            assert!(declared_secrets.iter().any(|(s, _)| s == secret), "{name} mounts undeclared secret {secret}");
        }
        // Files the configuration points at lie under a mounted secret with that file as a key.
        for key in ["STARKRISK__STARKNET__KEYSTORE__PATH", "STARKRISK__STARKNET__KEYSTORE__PASSWORD_FILE"] {
            let path = config[key].as_str().unwrap();
            if kind == "Job" {
                continue;
            }
            let mount = c["volumeMounts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| path.starts_with(m["mountPath"].as_str().unwrap()));
            let mount = mount.unwrap_or_else(|| panic!("{name}: {key} = {path} is under no mount"));
            let volume =
                pod["spec"]["volumes"].as_array().unwrap().iter().find(|v| v["name"] == mount["name"]).unwrap();
            let file = path.rsplit('/').next().unwrap().to_string();
            let secret = volume["secret"]["secretName"].as_str().unwrap().to_string();
            assert!(declared_secrets.contains(&(secret.clone(), file.clone())), "{name}: {secret} has no key {file}");
        }
        let Some(port_key) = port_key else { continue };
        let grace = pod["spec"]["terminationGracePeriodSeconds"].as_u64().unwrap();
        assert!(grace > shutdown, "{name}: grace {grace}s must exceed server.shutdown_timeout_secs {shutdown}s");
        let port: u64 = config[port_key].as_str().unwrap().parse().unwrap();
        assert_eq!(port_number(c, &c["ports"][0]["containerPort"]), port, "{name} listens where {port_key} says");
        assert_eq!(port_number(c, &c["readinessProbe"]["httpGet"]["port"]), port, "{name} readiness port");
        assert_eq!(port_number(c, &c["livenessProbe"]["httpGet"]["port"]), port, "{name} liveness port");
        assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/ready", "{name}");
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/health", "{name}");
        assert_eq!(pod["metadata"]["annotations"]["prometheus.io/port"], port.to_string(), "{name} is scraped there");
        assert!(c["resources"]["requests"]["cpu"].is_string() && c["resources"]["requests"]["memory"].is_string());
        // Every Service, PodDisruptionBudget and autoscaler aimed at it selects its pods.
        let labels = pod["metadata"]["labels"].as_object().unwrap();
        let selects = |selector: &Value| selector.as_object().unwrap().iter().all(|(k, v)| labels.get(k) == Some(v));
        let pdb = object(&objects, "PodDisruptionBudget", name);
        assert!(selects(&pdb["spec"]["selector"]["matchLabels"]), "the {name} PDB selects its pods");
        assert!(selects(&workload["spec"]["selector"]["matchLabels"]), "{name} selects its own pods");
    }
    let api = object(&objects, "Deployment", "starkrisk-api");
    let service = object(&objects, "Service", "starkrisk-api");
    let target = &service["spec"]["ports"][0]["targetPort"];
    assert_eq!(port_number(container(api), target), 8080, "the Service reaches the API port");
    let hpa = object(&objects, "HorizontalPodAutoscaler", "starkrisk-worker");
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "starkrisk-worker");

    // The image: non-root, the binary as entry point, a health check on /health at the API's port.
    let runtime = dockerfile_runtime();
    let line = |instruction: &str| runtime.iter().find(|(i, _)| i == instruction).map(|(_, r)| r.clone()).unwrap();
    assert_eq!(line("USER"), "10001");
    assert_eq!(line("ENTRYPOINT"), "[\"starkrisk\"]");
    assert_eq!(line("CMD"), "[\"serve\"]");
    let health = line("HEALTHCHECK");
    assert!(health.contains("\"probe\", \"http://127.0.0.1:8080/health\""), "{health}");
    assert!(line("EXPOSE").split_whitespace().any(|p| p == "8080") && line("EXPOSE").contains("8081"));
}

/// Every `starkrisk <subcommand>` the deploy files run is one the binary has.
#[test]
fn every_command_the_deploy_files_run_exists() {
    // Comments mention the binary in prose; only what is run counts.
    let code = |file: &str| -> String {
        let text = std::fs::read_to_string(deploy_dir().join(file)).unwrap();
        text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n")
    };
    let texts = [code("Dockerfile"), code("compose.yaml")];
    let objects = k8s_objects();
    let mut subcommands = BTreeSet::new();
    for o in objects.iter().filter(|o| matches!(o["kind"].as_str(), Some("Deployment" | "Job"))) {
        subcommands.insert(container(o)["args"][0].as_str().unwrap().to_string());
    }
    for text in &texts {
        for (i, _) in text.match_indices("starkrisk") {
            let rest = &text[i + "starkrisk".len()..];
            let rest = rest.trim_start_matches(['"', ',', ' ']);
            let word: String = rest.chars().take_while(|c| c.is_ascii_lowercase()).collect();
            if rest.starts_with(char::is_whitespace) || word.is_empty() || !text[..i].ends_with([' ', '"', '[']) {
                continue;
            }
            subcommands.insert(word);
        }
    }
    for expected in ["serve", "worker", "migrate", "probe", "chain", "keystore"] {
        assert!(subcommands.contains(expected), "{expected} is run by no deploy file: {subcommands:?}");
    }
    for sub in &subcommands {
        let out = Command::new(env!("CARGO_BIN_EXE_starkrisk")).args([sub.as_str(), "--help"]).output().unwrap();
        assert!(out.status.success(), "`starkrisk {sub}` is not a command: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_alerts_dashboard_and_autoscaler_read_is_served() {
    let app = TestApp::start(full_adapters()).await;
    app.register_model().await;
    let (_, decision) =
        app.post("/api/v1/risk-engine/orchestrate-allocation", Role::Operator, orchestrate_body()).await;
    app.decision_when(decision["decision_id"].as_str().unwrap(), "executed").await;
    let metrics = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
    let served: BTreeSet<&str> =
        metrics.lines().filter_map(|l| l.strip_prefix("# TYPE ")).filter_map(|l| l.split(' ').next()).collect();
    let mut read = BTreeSet::new();
    for file in [
        "observability/alerts.yaml",
        "observability/grafana-dashboard.json",
        "observability/prometheus-adapter.yaml",
        "k8s/worker.yaml",
    ] {
        let text = std::fs::read_to_string(deploy_dir().join(file)).unwrap();
        for (i, _) in text.match_indices("starkrisk_") {
            let name: String = text[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            read.insert((file, name));
        }
    }
    assert!(read.len() >= 6, "{read:?}");
    for (file, name) in &read {
        let base = ["_bucket", "_count", "_sum"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
        assert!(served.contains(base), "{file} reads {name}, which /metrics does not serve: {served:?}");
    }
    // Every label value the rules select on exists.
    for needle in ["status=\"failed\"", "status=\"executed\"", "status=\"verified\"", "status=\"registered\""] {
        assert!(metrics.contains(needle), "{needle}");
    }
    assert!(metrics.contains("outcome=\"succeeded\""), "{metrics}");
}

/// The image's Stone: built in a stage of its own by the script developers use, copied to where the runtime
/// stage's STARKRISK__STONE__PROVER_BINARY points, with every shared library the built binary links
/// installed (read from the binary `just stone` built here, so a new dependency of Stone shows up).
#[test]
fn the_image_carries_stone_where_its_settings_point_with_every_library_it_links() {
    let text = std::fs::read_to_string(deploy_dir().join("Dockerfile")).unwrap().replace("\\\n", " ");
    let stage: Vec<&str> =
        text.lines().skip_while(|l| !l.ends_with(" AS stone")).take_while(|l| !l.starts_with("FROM rust")).collect();
    assert!(
        stage.iter().any(|l| l.starts_with("RUN STARKRISK_STONE_HOME=/opt/stone /src/deploy/local/stone.sh")),
        "{stage:?}"
    );
    let runtime = dockerfile_runtime();
    let copy =
        runtime.iter().find(|(i, r)| i == "COPY" && r.starts_with("--from=stone")).map(|(_, r)| r.clone()).unwrap();
    assert!(copy.contains("/opt/stone/bin/cpu_air_prover") && copy.ends_with(" /usr/local/bin/"), "{copy}");
    assert!(
        runtime.iter().any(|(i, r)| i == "ENV" && r == "STARKRISK__STONE__PROVER_BINARY=/usr/local/bin/cpu_air_prover")
    );
    let apt =
        runtime.iter().find(|(i, r)| i == "RUN" && r.contains("apt-get install")).map(|(_, r)| r.clone()).unwrap();
    let installed: BTreeSet<&str> = apt.split_whitespace().filter(|w| w.starts_with("lib")).collect();
    let depends = |package: &str| -> String {
        let out = Command::new("dpkg-query").args(["-W", "-f=${Depends}", package]).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let binary = starkrisk_stone::testing::stone_binary("cpu_air_prover");
    let ldd = String::from_utf8(Command::new("ldd").arg(&binary).output().unwrap().stdout).unwrap();
    for library in ldd.lines().filter_map(|l| l.split(" => ").nth(1)?.split_whitespace().next()) {
        let real = std::fs::canonicalize(library).unwrap();
        let owner = String::from_utf8(Command::new("dpkg").arg("-S").arg(&real).output().unwrap().stdout).unwrap();
        let package = owner.split(':').next().unwrap().trim().to_string();
        // The base image has the C and C++ runtimes; the rest comes from the apt line or with it.
        if ["libc6", "libstdc++6", "libgcc-s1"].contains(&package.as_str()) {
            continue;
        }
        let brought = installed.contains(package.as_str()) || installed.iter().any(|p| depends(p).contains(&package));
        assert!(
            brought,
            "cpu_air_prover links {} from {package}, which the runtime stage does not install",
            real.display()
        );
    }
}
