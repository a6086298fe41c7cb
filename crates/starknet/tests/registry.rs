//! The FactRegistry adapter against a loopback JSON-RPC stand-in for Integrity on Sepolia (which cannot
//! run here): verifications read and decoded from ABI-shaped felts, and registration calls from fixtures.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is how a test reports failure

mod support;

use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use starknet::core::types::Felt;
use starknet::core::utils::get_selector_from_name;
use starkrisk_domain::ports::{ChainError, FactRegistry};
use starkrisk_domain::*;
use starkrisk_starknet::devnet::DevnetAccount;
use starkrisk_starknet::{FeeSettings, IntegrityRegistry, IntegritySettings};

const REGISTRY: &str = "0x16409cfef9b6c3e6002133b61c59d09484594b37b8e4daef7dcba5495a0ef1a";

/// Answers chain id and `get_all_verifications_for_fact_hash`: two verifications for fact 1, none else.
async fn stand_in() -> String {
    let server = HttpServer::new(|| {
        App::new().route(
            "/",
            web::post().to(|body: web::Json<Value>| async move {
                let result = match body["method"].as_str().unwrap() {
                    "starknet_chainId" => json!("0x534e5f5345504f4c4941"),
                    "starknet_call" => {
                        let request = &body["params"]["request"];
                        let selector = get_selector_from_name("get_all_verifications_for_fact_hash").unwrap();
                        assert_eq!(request["entry_point_selector"], format!("{selector:#x}"));
                        assert_eq!(request["contract_address"], REGISTRY);
                        let config = VerifierConfig::starkrisk().to_felts().unwrap();
                        let element = |hash: u64, bits: u64| {
                            let mut e = vec![Felt::from(hash), Felt::from(bits)];
                            e.extend(config);
                            e
                        };
                        let felts: Vec<Felt> = if request["calldata"][0] == "0x1" {
                            [vec![Felt::TWO], element(0xa, 80), element(0xb, 100)].concat()
                        } else {
                            vec![Felt::ZERO]
                        };
                        json!(felts.iter().map(|f| format!("{f:#x}")).collect::<Vec<_>>())
                    }
                    other => panic!("the stand-in does not answer {other}"),
                };
                HttpResponse::Ok().json(json!({"jsonrpc": "2.0", "id": body["id"], "result": result}))
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    url
}

fn registry(url: &str, max_calldata_felts: usize) -> IntegrityRegistry {
    let account = DevnetAccount { address: Felt::from(0x1234u32), private_key: Felt::from(0x5678u32) };
    let operator = Arc::new(support::operator(vec![url.to_string()], account, FeeSettings::default()));
    let settings = IntegritySettings { fact_registry: REGISTRY.into(), max_calldata_felts };
    IntegrityRegistry::new(operator, &settings, VerifierConfig::starkrisk()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verifications_are_read_and_decoded_from_the_registry() {
    let url = stand_in().await;
    let registry = registry(&url, 10_000);
    let list = registry.verifications(FactHash::new(Felt::ONE)).await.unwrap();
    assert_eq!(list.iter().map(|v| v.security_bits).collect::<Vec<_>>(), [80, 100]);
    assert!(list.iter().all(|v| v.verifier_config == VerifierConfig::starkrisk()));
    let policy = FactPolicy { expected_config: VerifierConfig::starkrisk(), min_security_bits: 96 };
    assert_eq!(policy.accepting(&list).unwrap().verification_hash, VerificationHash::new(Felt::from(0xbu8)));
    assert!(registry.verifications(FactHash::new(Felt::TWO)).await.unwrap().is_empty());
}

fn stone_artifact() -> ProofArtifact {
    let path = starkrisk_stone::fixtures::stone(starkrisk_stone::fixtures::RECURSIVE);
    ProofArtifact {
        prover: ProverKind::Stone,
        system: ProofSystem::Stone,
        bytes: std::fs::read(path).unwrap(),
        statement: examples::statement(),
        prove_time: Duration::ZERO,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_sends_the_fixture_calldata_and_refuses_what_it_cannot_send() {
    let url = stand_in().await;
    let artifact = stone_artifact();
    let call = registry(&url, 100_000).registration_call(&artifact).unwrap();
    assert_eq!(call.selector, get_selector_from_name("verify_proof_full_and_register_fact").unwrap());
    assert_eq!(call.to, Felt::from_hex(REGISTRY).unwrap());
    let proof = starkrisk_stone::StoneProof::parse(std::str::from_utf8(&artifact.bytes).unwrap()).unwrap();
    let expected = starkrisk_stone::calldata::register_calldata(&VerifierConfig::starkrisk(), &proof.parsed).unwrap();
    assert_eq!(call.calldata, expected);

    let too_big = registry(&url, 100).registration_call(&artifact).unwrap_err();
    assert!(too_big.to_string().contains("split flow"), "{too_big}");
    let stwo = ProofArtifact { system: ProofSystem::Stwo, ..artifact };
    match registry(&url, 100_000).register(&stwo).await {
        Err(ChainError::InvalidInput { field, reason }) => {
            assert_eq!(field, "proof");
            assert!(reason.contains("Stone proofs"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
