//! Just enough of a W3C WebDriver client to drive headless Chromium through chromedriver: sessions,
//! navigation, elements, scripts, window size, cookies and screenshots. (The protocol is plain JSON over
//! HTTP, which reqwest already speaks.)
#![allow(dead_code)] // every helper is used by the browser test; other test binaries do not include this

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

/// The key under which WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session on it.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
    shots: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own process group, and Chromium's processes are in it: a test that panics
        // before `quit` must not leave a browser running, so the whole group goes.
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", self.driver.id())]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A program on PATH or at its usual Debian place; the message says how to get it.
fn program(env: &str, names: &[&str]) -> String {
    if let Ok(path) = std::env::var(env) {
        return path;
    }
    for name in names {
        for dir in std::env::var("PATH").unwrap_or_default().split(':').chain(["/usr/bin"]) {
            if Path::new(dir).join(name).is_file() {
                return format!("{dir}/{name}");
            }
        }
    }
    panic!(
        "{} is not installed; run deploy/local/browser.sh (Debian's chromium and chromium-driver) or set {env}",
        names[0]
    );
}

impl Browser {
    /// Starts chromedriver and a headless Chromium window of 1280×900; screenshots go to `shots`.
    pub async fn start(shots: &Path) -> Browser {
        let port = free_port();
        let driver = Command::new(program("STARKRISK_CHROMEDRIVER", &["chromedriver"]))
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let chromium = program("STARKRISK_CHROMIUM", &["chromium", "chromium-browser"]);
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"
            ]}
        }}});
        let created: Value =
            http.post(format!("{base}/session")).json(&capabilities).send().await.unwrap().json().await.unwrap();
        let session =
            created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_string();
        std::fs::create_dir_all(shots).unwrap();
        Browser { driver, http, session: format!("{base}/session/{session}"), shots: shots.to_path_buf() }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        if answer["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    async fn try_call(&self, path: &str, body: Value) -> Option<Value> {
        let answer: Value =
            self.http.post(format!("{}{path}", self.session)).json(&body).send().await.ok()?.json().await.ok()?;
        answer["value"].get("error").is_none().then(|| answer["value"].clone())
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    /// The current address.
    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await.as_str().unwrap().to_string()
    }

    /// The first element matching `css`, if any.
    pub async fn find(&self, css: &str) -> Option<String> {
        let found = self.try_call("/element", json!({"using": "css selector", "value": css})).await?;
        found[ELEMENT].as_str().map(str::to_string)
    }

    /// Waits up to `secs` for an element matching `css`.
    pub async fn wait_for(&self, css: &str, secs: u64) -> String {
        for _ in 0..secs * 10 {
            if let Some(element) = self.find(css).await {
                return element;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no `{css}` after {secs} s on {}", self.url().await);
    }

    /// Waits up to `secs` until the text of `css` contains `text`; returns that text.
    pub async fn wait_for_text(&self, css: &str, text: &str, secs: u64) -> String {
        let mut last = String::new();
        for _ in 0..secs * 10 {
            if let Some(element) = self.find(css).await {
                last = self.text(&element).await.unwrap_or_default();
                if last.contains(text) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("`{css}` never read `{text}` in {secs} s; last: `{last}`");
    }

    /// An element's rendered text (`None` when it went away meanwhile, as a live refresh replaces it).
    pub async fn text(&self, element: &str) -> Option<String> {
        let answer: Value =
            self.http.get(format!("{}/element/{element}/text", self.session)).send().await.ok()?.json().await.ok()?;
        answer["value"].as_str().map(str::to_string)
    }

    /// Clicks an element.
    pub async fn click(&self, element: &str) {
        self.call(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await;
    }

    /// Types `text` into an element.
    pub async fn type_into(&self, element: &str, text: &str) {
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({"text": text}))).await;
    }

    /// Runs `script` in the page and returns its result.
    pub async fn script(&self, script: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": []}))).await
    }

    /// Presses Tab once, as a keyboard user moving to the next control.
    pub async fn press_tab(&self) {
        let tab = "\u{E004}";
        let keys = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": tab}, {"type": "keyUp", "value": tab}
        ]}]});
        self.call(reqwest::Method::POST, "/actions", Some(keys)).await;
    }

    /// Resizes the window.
    pub async fn resize(&self, width: u32, height: u32) {
        self.call(reqwest::Method::POST, "/window/rect", Some(json!({"width": width, "height": height}))).await;
    }

    /// Every cookie of the current page.
    pub async fn cookies(&self) -> Vec<Value> {
        self.call(reqwest::Method::GET, "/cookie", None).await.as_array().cloned().unwrap_or_default()
    }

    /// Saves a PNG of the viewport as `<name>.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let encoded = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(encoded.as_str().unwrap()).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a screenshot is a PNG");
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Ends the session (closing Chromium) before the driver stops.
    pub async fn quit(self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}
