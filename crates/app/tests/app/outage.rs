//! Postgres as deploy/local/pg.sh runs it: started from a clone only its owner may enter, refused in one clear
//! line when it cannot be made, and stopped under a running service (/ready and requests answer 503 with a
//! clear message, and the work resumes by itself when the database is back). The outage lasts until the
//! service has shown it noticed, not a fixed time: nothing in the service counts how long Postgres is away.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use crate::e2e;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e::World;
use starkrisk_starknet::testing::{Devnet, free_port};

/// A Postgres cluster of this test's own (started with deploy/local/pg.sh), so stopping it hurts no one else.
struct OwnPostgres {
    dir: PathBuf,
    port: u16,
    /// The pg.sh that runs it: the project's own, or a copy inside a clone of the test's making.
    script: PathBuf,
    /// Where STARKRISK_PG_DATA puts the cluster; None leaves the script's default, the clone's .data/pg.
    data: Option<PathBuf>,
}

impl OwnPostgres {
    fn new() -> OwnPostgres {
        let dir = std::env::temp_dir().join(format!("starkrisk-outage-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        // The server may run as the postgres user, which must reach the data directory inside.
        std::process::Command::new("chmod").args(["755", dir.to_str().unwrap()]).status().unwrap();
        let script = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/local/pg.sh"));
        OwnPostgres { data: Some(dir.join("pg")), dir, port: free_port(), script }
    }

    /// pg.sh as a newcomer meets it: in a clone inside a folder only its owner may enter (root's home is
    /// mode 700, and so is every `mktemp -d` folder), with nothing but the port chosen.
    fn in_private_clone() -> OwnPostgres {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new().prefix("starkrisk-private-").tempdir().unwrap().keep();
        // As root's home is: no one else may enter.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let script = dir.join("clone/deploy/local/pg.sh");
        std::fs::create_dir_all(script.parent().unwrap()).unwrap();
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/local/pg.sh"), &script).unwrap();
        OwnPostgres { dir, port: free_port(), script, data: None }
    }

    fn run(&self, verb: &str) -> std::process::Output {
        let mut command = Command::new(&self.script);
        command.arg(verb).env_remove("DATABASE_URL").env_remove("STARKRISK_PG_DATA").env_remove("STARKRISK_PG_HOME");
        if let Some(data) = &self.data {
            command.env("STARKRISK_PG_DATA", data);
        }
        command.env("STARKRISK_PG_PORT", self.port.to_string()).output().unwrap()
    }

    fn pg(&self, verb: &str) -> String {
        let out = self.run(verb);
        assert!(out.status.success(), "pg.sh {verb}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.pg("destroy");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_sh_in_a_clone_only_its_owner_may_enter_reaches_a_ready_server() {
    let postgres = OwnPostgres::in_private_clone();
    let url = postgres.pg("start");
    assert_eq!(url, format!("postgres://starkrisk@127.0.0.1:{}/starkrisk", postgres.port));
    let db = starkrisk_postgres::Database::connect(&starkrisk_postgres::testing::pool(url)).unwrap();
    db.migrate().await.unwrap();
    assert_eq!(mode(&postgres.dir), 0o700, "pg.sh opened the user's private folder");
    // Started again, it finds the same cluster rather than making another.
    assert_eq!(postgres.pg("start"), format!("postgres://starkrisk@127.0.0.1:{}/starkrisk", postgres.port));
    assert!(
        postgres.dir.join("clone/.data/pg/PG_VERSION").exists(),
        "the cluster is reached from the clone's .data/pg"
    );
}

#[test]
fn pg_sh_says_in_one_line_why_a_cluster_cannot_be_made_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "").unwrap();
    let postgres = OwnPostgres {
        dir: dir.path().to_path_buf(),
        port: free_port(),
        script: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/local/pg.sh")),
        data: Some(blocker.join("pg")),
    };
    let out = postgres.run("start");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no URL is printed for a server that is not there");
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    let last = stderr.lines().last().unwrap();
    assert!(last.starts_with("pg.sh: cannot create") && last.contains("not-a-folder"), "{stderr}");
    assert!(last.contains("DATABASE_URL"), "the line says what to do: {stderr}");
    assert_eq!(stderr.lines().filter(|l| !l.starts_with("pg.sh: ")).count(), 0, "only pg.sh's own lines: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_a_running_service_answers_503_and_the_work_resumes() {
    let (devnet, _turn) = Devnet::exclusive().await;
    let postgres = OwnPostgres::new();
    let url = postgres.pg("start");
    let world = World::new(devnet, url).await;
    let service = world.serve().await;
    let before = service.orchestrate(1).await;
    service.all_executed(std::slice::from_ref(&before)).await;

    postgres.pg("stop");
    let stopped = Instant::now();
    let ready = format!("{}/ready", service.base);
    let mut saw_503 = false;
    while stopped.elapsed() < Duration::from_secs(8) {
        if reqwest::get(&ready).await.unwrap().status() == 503 {
            saw_503 = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(saw_503, "/ready kept answering 200 without a database");
    let (status, error) = service.post("/api/v1/risk-engine/orchestrate-allocation", e2e::body(2)).await;
    assert_eq!(status, 503, "{error}");
    let message = error["error"]["message"].as_str().unwrap().to_lowercase();
    assert!(message.contains("database"), "{error}");

    postgres.pg("start");
    let back = Instant::now();
    while reqwest::get(&ready).await.unwrap().status() != 200 {
        assert!(back.elapsed() < Duration::from_secs(30), "the service did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = service.orchestrate(3).await;
    let decisions = service.all_executed(&[before, after]).await;
    assert_eq!(decisions.len(), 2);
    assert_eq!(world.sent().await, 2);
}
