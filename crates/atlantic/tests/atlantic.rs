//! The Atlantic client against a loopback server that answers as Atlantic's API documents: success,
//! a failed query, a slow one, a malformed answer and a refused key.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use starkrisk_atlantic::*;
use starkrisk_domain::ports::TimeoutGrowth;
use starkrisk_domain::{DecisionStatement, FactHash, ProgramHash, Secret, examples};

const KEY: &str = "test-key";

/// The bootloader Atlantic runs PIEs under, as the service is configured by default.
fn bootloader() -> ProgramHash {
    ProgramHash::parse("0x40519557c48b25e7e7d27cb27297300b94909028c327b385990f0b649920cc3").unwrap()
}

/// What Atlantic registers for the PIE of `statement`: the bootloader's fact, its one task the risk program.
fn registered_fact(statement: &DecisionStatement) -> FactHash {
    FactHash::bootloaded(bootloader(), starkrisk_stone::program::program_hash().unwrap(), &statement.to_felts())
}

/// How the stand-in answers polls.
#[derive(Clone, Copy)]
enum Script {
    DoneAfter(usize),
    Failed,
    Forever,
    Malformed,
}

struct Server {
    polls: Arc<AtomicUsize>,
    submits: Arc<std::sync::Mutex<Vec<String>>>,
    base: String,
    handle: actix_web::dev::ServerHandle,
}

/// A stand-in reporting, once done, the fact Atlantic registers for the example decision's PIE.
async fn start(script: Script) -> Server {
    start_reporting(script, registered_fact(&examples::statement())).await
}

/// A stand-in reporting `fact` once done.
async fn start_reporting(script: Script, fact: FactHash) -> Server {
    let fact = fact.to_string();
    let polls = Arc::new(AtomicUsize::new(0));
    let submits = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (p, s) = (polls.clone(), submits.clone());
    let server = HttpServer::new(move || {
        let (p, s, fact) = (p.clone(), s.clone(), fact.clone());
        App::new()
            .route(
                "/atlantic-query",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let s = s.clone();
                    async move {
                        if req.headers().get("api-key").and_then(|v| v.to_str().ok()) != Some(KEY) {
                            return HttpResponse::Unauthorized().json(serde_json::json!({"message": "bad key"}));
                        }
                        s.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
                        HttpResponse::Created().json(serde_json::json!({"atlanticQueryId": "q-1"}))
                    }
                }),
            )
            .route(
                "/atlantic-query/{id}",
                web::get().to(move |req: HttpRequest| {
                    let (p, fact) = (p.clone(), fact.clone());
                    async move {
                        if req.headers().get("api-key").and_then(|v| v.to_str().ok()) != Some(KEY) {
                            return HttpResponse::Unauthorized().finish();
                        }
                        let n = p.fetch_add(1, Ordering::SeqCst) + 1;
                        let proof = format!("http://{}/files/proof.json", req.connection_info().host());
                        let query = |status: &str, fact: Option<&str>| {
                            serde_json::json!({"atlanticQuery": {"id": "q-1", "status": status,
                                "integrityFactHash": fact, "sharpFactHash": null,
                                "metadataUrls": ["https://example.invalid/pie", proof]}})
                        };
                        match script {
                            Script::DoneAfter(k) if n >= k => HttpResponse::Ok().json(query("DONE", Some(&fact))),
                            Script::DoneAfter(_) | Script::Forever => {
                                HttpResponse::Ok().json(query("IN_PROGRESS", None))
                            }
                            Script::Failed => HttpResponse::Ok().json(query("FAILED", None)),
                            Script::Malformed => HttpResponse::Ok().json(serde_json::json!({"query": {"state": "ok"}})),
                        }
                    }
                }),
            )
            .route(
                "/files/proof.json",
                web::get().to(|| async {
                    let path = starkrisk_stone::testing::stone(starkrisk_stone::testing::RECURSIVE);
                    HttpResponse::Ok().body(std::fs::read(path).unwrap())
                }),
            )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let base = format!("http://{}", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    Server { polls, submits, base, handle }
}

fn settings(base: &str, key: &str, overall: Duration) -> AtlanticSettings {
    AtlanticSettings {
        base_url: base.into(),
        api_key: Some(Secret::new(key)),
        result: "PROOF_VERIFICATION_ON_L2".into(),
        declared_job_size: "S".into(),
        request_timeout_ms: 2000,
        poll_initial_ms: 10,
        poll_max_ms: 40,
        timeout_secs: overall.as_secs(),
        bootloader_program_hash: bootloader().to_string(),
    }
}

fn client(base: &str, key: &str, overall: Duration) -> AtlanticClient {
    AtlanticClient::new(settings(base, key, overall)).unwrap()
}

fn job() -> AtlanticJob {
    settings("", "", Duration::ZERO).job()
}

#[tokio::test]
async fn a_query_is_submitted_polled_and_its_fact_hash_read() {
    let server = start(Script::DoneAfter(3)).await;
    let atlantic = client(&server.base, KEY, Duration::from_secs(5));
    let id = atlantic.submit(b"PK-pie-bytes".to_vec(), &job()).await.unwrap();
    assert_eq!(id, "q-1");
    let submitted = server.submits.lock().unwrap()[0].clone();
    for field in [
        "name=\"pieFile\"",
        "PK-pie-bytes",
        "name=\"layout\"",
        "recursive",
        "name=\"sharpProver\"",
        "PROOF_VERIFICATION_ON_L2",
    ] {
        assert!(submitted.contains(field), "multipart lacks {field}");
    }
    let done = atlantic.wait(&id, TimeoutGrowth::NONE).await.unwrap();
    assert_eq!(done.status, QueryStatus::Done);
    assert_eq!(done.integrity_fact_hash, Some(registered_fact(&examples::statement())));
    assert_eq!(server.polls.load(Ordering::SeqCst), 3, "polled until done, not beyond");
    server.handle.stop(false).await;
}

#[tokio::test]
async fn a_failed_query_is_reported_as_failed() {
    let server = start(Script::Failed).await;
    let error = client(&server.base, KEY, Duration::from_secs(5)).wait("q-1", TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(error, AtlanticError::QueryFailed(ref id) if id == "q-1"), "{error}");
    server.handle.stop(false).await;
}

#[tokio::test]
async fn a_slow_query_times_out_within_the_bound() {
    let server = start(Script::Forever).await;
    let started = std::time::Instant::now();
    let error = client(&server.base, KEY, Duration::from_secs(1)).wait("q-1", TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(error, AtlanticError::Timeout { last: Pending::Status(QueryStatus::InProgress), .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2), "the wait is bounded");
    assert!(server.polls.load(Ordering::SeqCst) >= 3, "it kept polling with backoff until the bound");
    server.handle.stop(false).await;
}

#[tokio::test]
async fn a_malformed_answer_and_a_refused_key_are_clear_errors() {
    let server = start(Script::Malformed).await;
    let error = client(&server.base, KEY, Duration::from_secs(5)).wait("q-1", TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(error, AtlanticError::Malformed(_)), "{error}");
    let error = client(&server.base, "wrong", Duration::from_secs(5)).submit(vec![1], &job()).await.unwrap_err();
    assert!(matches!(error, AtlanticError::Unauthorized(401)), "{error}");
    assert!(!error.to_string().contains("wrong"), "the key never appears in errors");
    server.handle.stop(false).await;
    let error = client("http://127.0.0.1:1", KEY, Duration::from_secs(5)).submit(vec![1], &job()).await.unwrap_err();
    assert!(matches!(error, AtlanticError::Unavailable(_)), "{error}");
}

#[tokio::test]
async fn as_a_prover_atlantic_gets_the_risk_programs_pie_and_returns_the_stone_proof() {
    use starkrisk_domain::ports::{Prover, ProverError};
    use starkrisk_domain::{ProofRequest, ProofSystem, ProverKind, examples};
    let server = start(Script::DoneAfter(2)).await;
    let prover = AtlanticProver::new(client(&server.base, KEY, Duration::from_secs(5)), job(), bootloader());
    let request = ProofRequest { statement: examples::statement() };
    let artifact = prover.prove(&request, TimeoutGrowth::NONE).await.unwrap();
    assert_eq!((artifact.prover, artifact.system), (ProverKind::Atlantic, ProofSystem::Stone));
    assert_eq!(artifact.remote_query.as_deref(), Some("q-1"), "the attempt can name the query");
    let fixture = std::fs::read(starkrisk_stone::testing::stone(starkrisk_stone::testing::RECURSIVE)).unwrap();
    assert_eq!(artifact.bytes, fixture, "the proof is the downloaded artifact");
    assert!(server.submits.lock().unwrap()[0].contains("PK\u{3}\u{4}"), "the submitted PIE is a zip");
    server.handle.stop(false).await;

    let failing = start(Script::Failed).await;
    let prover = AtlanticProver::new(client(&failing.base, KEY, Duration::from_secs(5)), job(), bootloader());
    let failed = prover.prove(&request, TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(failed.cause(), ProverError::Failed(_)), "{failed}");
    assert_eq!(failed.remote_query(), Some("q-1"), "{failed}");
    let refused = AtlanticProver::new(client(&failing.base, "wrong", Duration::from_secs(5)), job(), bootloader());
    assert!(
        matches!(refused.prove(&request, TimeoutGrowth::NONE).await, Err(ProverError::Unavailable(_))),
        "the next prover is tried"
    );
    failing.handle.stop(false).await;
}

#[tokio::test]
async fn a_second_attempt_polls_the_query_already_submitted_instead_of_paying_again() {
    use starkrisk_domain::ports::{Prover, ProverError, ProverQueries};
    use starkrisk_domain::testing::{ManualClock, MemoryStore};
    use starkrisk_domain::{ProofRequest, ProverKind, examples};
    // Done on the 60th poll: more than a one-second wait holds (polls come every 10 to 40 ms).
    let server = start(Script::DoneAfter(60)).await;
    let queries = Arc::new(MemoryStore::new(Arc::new(ManualClock::default())));
    let request = ProofRequest { statement: examples::statement() };
    let first = AtlanticProver::new(client(&server.base, KEY, Duration::from_secs(1)), job(), bootloader())
        .remembering(queries.clone());
    let error = first.prove(&request, TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(error.cause(), ProverError::Timeout(_)), "{error}");
    assert_eq!(error.remote_query(), Some("q-1"), "the timed-out attempt names the query the next one polls");
    assert!(error.outcome().is_timeout(), "a timeout for the attempt record, which grows the next timeout");
    assert_eq!(queries.find(ProverKind::Atlantic, &request.statement).await.unwrap().as_deref(), Some("q-1"));

    // Another worker (a new prover over the same record) after the first one gave up or died.
    let second = AtlanticProver::new(client(&server.base, KEY, Duration::from_secs(1)), job(), bootloader())
        .remembering(queries.clone());
    let longer = TimeoutGrowth { doublings: 3, cap: Duration::from_secs(10) };
    let artifact = second.prove(&request, longer).await.unwrap();
    assert_eq!((artifact.prover, artifact.remote_query.as_deref()), (ProverKind::Atlantic, Some("q-1")));
    assert_eq!(server.submits.lock().unwrap().len(), 1, "submitted once, polled twice over");
    server.handle.stop(false).await;

    // The query on file fails when polled again: it is forgotten, and the next attempt submits anew.
    let failing = start(Script::Failed).await;
    let third = AtlanticProver::new(client(&failing.base, KEY, Duration::from_secs(5)), job(), bootloader())
        .remembering(queries.clone());
    let failed = third.prove(&request, TimeoutGrowth::NONE).await.unwrap_err();
    assert!(matches!(failed.cause(), ProverError::Failed(_)), "{failed}");
    assert!(failing.submits.lock().unwrap().is_empty(), "the filed query was polled, not a new one submitted");
    assert_eq!(queries.find(ProverKind::Atlantic, &request.statement).await.unwrap(), None);
    failing.handle.stop(false).await;
}

#[tokio::test]
async fn a_query_that_registered_another_fact_than_the_decisions_bootloaded_one_is_refused_and_forgotten() {
    use starkrisk_domain::ports::{Prover, ProverError, ProverQueries};
    use starkrisk_domain::testing::{ManualClock, MemoryStore};
    use starkrisk_domain::{OutputHash, ProofRequest, ProverKind};
    let statement = examples::statement();
    let program = starkrisk_stone::program::program_hash().unwrap();
    let mut other = statement;
    other.snapshot.jediswap_apy = starkrisk_domain::Apy::new(851).unwrap();
    let wrong = [
        // The risk program's own fact: what a direct (not bootloaded) proof registers.
        FactHash::compute(program, OutputHash::of_output(&statement.to_felts())),
        // Another decision's PIE.
        registered_fact(&other),
        // This decision under another bootloader.
        FactHash::bootloaded(ProgramHash::new(starkrisk_domain::Felt::from(7u8)), program, &statement.to_felts()),
    ];
    for fact in wrong {
        let server = start_reporting(Script::DoneAfter(1), fact).await;
        let queries = Arc::new(MemoryStore::new(Arc::new(ManualClock::default())));
        let prover = AtlanticProver::new(client(&server.base, KEY, Duration::from_secs(5)), job(), bootloader())
            .remembering(queries.clone());
        let refused = prover.prove(&ProofRequest { statement }, TimeoutGrowth::NONE).await.unwrap_err();
        assert!(matches!(refused.cause(), ProverError::Failed(m) if m.contains(&fact.to_string())), "{refused}");
        assert_eq!(refused.remote_query(), Some("q-1"), "{refused}");
        assert_eq!(
            queries.find(ProverKind::Atlantic, &statement).await.unwrap(),
            None,
            "the next attempt submits anew"
        );
        server.handle.stop(false).await;
    }
}

#[test]
fn the_bootloaded_fact_wraps_the_risk_programs_output_as_integrity_computes_it() {
    use starkrisk_domain::{Felt, OutputHash, bootloader_output};
    let program = starkrisk_stone::program::program_hash().unwrap();
    let words = examples::statement().to_felts();
    let wrapped = bootloader_output(program, &words);
    assert_eq!(&wrapped[..3], &[Felt::ONE, Felt::from(words.len() as u64 + 2), program.felt()]);
    assert_eq!(&wrapped[3..], &words[..]);
    assert_eq!(
        registered_fact(&examples::statement()),
        FactHash::compute(bootloader(), OutputHash::of_output(&wrapped))
    );
}
