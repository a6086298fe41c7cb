//! Reads what deploy/ declares: Kubernetes objects, the Dockerfile, compose and the observability files.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses some helpers; panics fail tests

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The repository's deploy/ directory.
pub fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

/// Every YAML document in `file`, as JSON values.
pub fn yaml_documents(file: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(file).unwrap();
    serde_yaml::Deserializer::from_str(&text)
        .map(|doc| {
            let value: serde_yaml::Value = serde::Deserialize::deserialize(doc)
                .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", file.display()));
            serde_json::to_value(value).unwrap()
        })
        .filter(|v| !v.is_null())
        .collect()
}

/// Every object under deploy/k8s, secrets.example.yaml included.
pub fn k8s_objects() -> Vec<Value> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(deploy_dir().join("k8s")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().flat_map(|f| yaml_documents(f)).collect()
}

/// The object of `kind` named `name`.
pub fn object<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("deploy/k8s declares no {kind} {name}"))
}

/// The single container of a Deployment's or Job's pod template.
pub fn container(workload: &Value) -> &Value {
    let containers = workload["spec"]["template"]["spec"]["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1, "{}", workload["metadata"]["name"]);
    &containers[0]
}

/// A test value for each secret key the manifests reference.
pub type SecretValues = BTreeMap<(String, String), String>;

/// The environment `container` declares: its ConfigMaps' data, then its `env`, with each secret reference
/// replaced by `secrets`' value for it (a reference without one fails the test).
pub fn container_env(objects: &[Value], container: &Value, secrets: &SecretValues) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for source in container["envFrom"].as_array().into_iter().flatten() {
        let name = source["configMapRef"]["name"].as_str().unwrap();
        for (key, value) in object(objects, "ConfigMap", name)["data"].as_object().unwrap() {
            env.insert(key.clone(), value.as_str().unwrap().to_string());
        }
    }
    for entry in container["env"].as_array().into_iter().flatten() {
        let name = entry["name"].as_str().unwrap().to_string();
        let value = match (&entry["value"], &entry["valueFrom"]["secretKeyRef"]) {
            (Value::String(v), _) => v.clone(),
            (_, Value::Object(r)) => {
                let key = (r["name"].as_str().unwrap().to_string(), r["key"].as_str().unwrap().to_string());
                secrets.get(&key).unwrap_or_else(|| panic!("no test value for secret {key:?}")).clone()
            }
            _ => panic!("{name}: neither a value nor a secret reference"),
        };
        env.insert(name, value);
    }
    env
}

/// The port a probe or Service names (by number, or by the container port's name).
pub fn port_number(container: &Value, port: &Value) -> u64 {
    if let Some(n) = port.as_u64() {
        return n;
    }
    let name = port.as_str().unwrap();
    container["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["containerPort"].as_u64())
        .unwrap_or_else(|| panic!("no container port named {name}"))
}

/// The Dockerfile's last (runtime) stage instructions, as (instruction, rest of line), continuations joined.
pub fn dockerfile_runtime() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(deploy_dir().join("Dockerfile")).unwrap();
    let joined = text.replace("\\\n", " ");
    let lines: Vec<&str> = joined.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    let start = lines.iter().rposition(|l| l.starts_with("FROM ")).unwrap();
    lines[start..]
        .iter()
        .map(|l| {
            let (instruction, rest) = l.split_once(' ').unwrap_or((l, ""));
            (instruction.to_string(), rest.trim().to_string())
        })
        .collect()
}
