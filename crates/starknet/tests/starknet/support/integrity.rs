//! A loopback Starknet JSON-RPC node hosting a stand-in for Integrity's FactRegistry, whose contracts
//! cannot be compiled or declared here. It takes the account's signed v3 invokes (nonce order, a
//! sequencer-style calldata limit, the transaction hash computed as the protocol defines it), executes
//! their calls with the verifier contract's split-flow rules (`SplitJobs`: state hashes, Serde decoding,
//! FRI layers), emits `FactRegistered`, and answers `get_all_verifications_for_fact_hash`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use starknet::core::types::*;
use starknet::core::utils::{cairo_short_string_to_felt, get_selector_from_name};
use starkrisk_domain::poseidon_many;
use starkrisk_domain::{FactHash, VerificationHash, VerifierConfig};
use starkrisk_stone::split::SplitProof;
use starkrisk_stone::split::replay::SplitJobs;

/// Sepolia's chain id, which the tests' operators expect.
pub const CHAIN_ID: &str = "0x534e5f5345504f4c4941";

/// What the stand-in knows and has seen.
pub struct Registry {
    /// The FactRegistry's address.
    pub address: Felt,
    /// The account calldata limit, like a sequencer's.
    pub max_calldata: usize,
    /// The proof the stand-in verifies (it cannot deserialize arbitrary proofs from felts).
    pub proof: SplitProof,
    /// That proof's fact and security.
    pub fact: FactHash,
    /// Its security bits.
    pub security_bits: u32,
    /// Each registry entrypoint called, in order, with its job id when it has one.
    pub sent: Vec<(String, Option<Felt>)>,
    /// Reverts the next call to this entrypoint once, with this reason.
    pub revert_next: Option<(String, String)>,
    /// Verifications per fact.
    pub verifications: HashMap<Felt, Vec<(VerificationHash, u32)>>,
    /// Registers this fact instead of the proof's: a registry whose fact hashing disagrees with ours.
    pub wrong_fact: Option<FactHash>,
    nonce: u64,
    jobs: SplitJobs,
    receipts: HashMap<Felt, Value>,
}

/// The running node.
pub struct IntegrityNode {
    /// Its URL.
    pub url: String,
    /// Its state, for assertions.
    pub registry: Arc<Mutex<Registry>>,
}

fn selector(name: &str) -> Felt {
    get_selector_from_name(name).unwrap()
}

impl IntegrityNode {
    /// Starts a node whose registry lives at `address`, verifies `proof` and refuses account calldata
    /// above `max_calldata` felts.
    pub async fn start(
        address: Felt,
        proof: SplitProof,
        fact: FactHash,
        security_bits: u32,
        max_calldata: usize,
    ) -> Self {
        let registry = Arc::new(Mutex::new(Registry {
            address,
            max_calldata,
            proof,
            fact,
            security_bits,
            sent: Vec::new(),
            revert_next: None,
            verifications: HashMap::new(),
            wrong_fact: None,
            nonce: 0,
            jobs: SplitJobs::default(),
            receipts: HashMap::new(),
        }));
        let shared = registry.clone();
        let server = HttpServer::new(move || {
            let registry = shared.clone();
            App::new().route(
                "/",
                web::post().to(move |body: web::Json<Value>| {
                    let registry = registry.clone();
                    async move {
                        let answer = registry.lock().unwrap().answer(&body["method"], &body["params"]);
                        let reply = match answer {
                            Ok(result) => json!({"jsonrpc": "2.0", "id": body["id"], "result": result}),
                            Err((code, message, data)) => json!({"jsonrpc": "2.0", "id": body["id"],
                                "error": {"code": code, "message": message, "data": data}}),
                        };
                        HttpResponse::Ok().json(reply)
                    }
                }),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}", server.addrs()[0]);
        tokio::spawn(server.run());
        Self { url, registry }
    }
}

type RpcError = (i64, &'static str, Value);

/// A named parameter, or the positional one at `index`.
fn param<'a>(params: &'a Value, name: &str, index: usize) -> &'a Value {
    params.get(name).unwrap_or(&params[index])
}

fn felt(value: &Value) -> Felt {
    Felt::from_hex(value.as_str().unwrap()).unwrap()
}

impl Registry {
    fn answer(&mut self, method: &Value, params: &Value) -> Result<Value, RpcError> {
        match method.as_str().unwrap() {
            "starknet_chainId" => Ok(json!(CHAIN_ID)),
            "starknet_getNonce" => Ok(json!(format!("{:#x}", self.nonce))),
            "starknet_call" => self.simulate_or_view(param(params, "request", 0)),
            "starknet_addInvokeTransaction" => {
                let tx: BroadcastedInvokeTransactionV3 =
                    serde_json::from_value(param(params, "invoke_transaction", 0).clone()).unwrap();
                self.invoke(tx)
            }
            "starknet_getTransactionReceipt" => {
                let hash = felt(param(params, "transaction_hash", 0));
                self.receipts.get(&hash).cloned().ok_or((29, "Transaction hash not found", Value::Null))
            }
            "starknet_getTransactionStatus" => Err((29, "Transaction hash not found", Value::Null)),
            other => panic!("the Integrity stand-in does not answer {other}"),
        }
    }

    /// A call of one of the flow's entrypoints is simulated on a copy of the jobs (nothing changes);
    /// anything else is a view.
    fn simulate_or_view(&self, request: &Value) -> Result<Value, RpcError> {
        let entry = felt(&request["entry_point_selector"]);
        let args: Vec<Felt> = request["calldata"].as_array().unwrap().iter().map(felt).collect();
        let mut scratch = self.jobs.clone();
        let simulated = if entry == selector("verify_proof_step") {
            scratch.step(&args).map(|_| ())
        } else if entry == selector("verify_proof_final_and_register_fact") {
            scratch.finalize(&args)
        } else {
            return Ok(self.view(request));
        };
        simulated.map(|()| json!([])).map_err(|e| (40, "Contract error", json!({"revert_error": e.to_string()})))
    }

    fn view(&self, request: &Value) -> Value {
        assert_eq!(felt(&request["contract_address"]), self.address, "a view of another contract");
        let (entry, argument) = (felt(&request["entry_point_selector"]), felt(&request["calldata"][0]));
        let config = VerifierConfig::starkrisk().to_felts().unwrap();
        let mut felts = Vec::new();
        if entry == selector("get_all_verifications_for_fact_hash") {
            let list = self.verifications.get(&argument).cloned().unwrap_or_default();
            felts.push(Felt::from(list.len()));
            for (hash, bits) in list {
                felts.extend([hash.felt(), Felt::from(bits)]);
                felts.extend(config);
            }
        } else if entry == selector("get_verification") {
            let mut all = self.verifications.iter().flat_map(|(fact, list)| list.iter().map(move |v| (*fact, *v)));
            match all.find(|(_, (hash, _))| hash.felt() == argument) {
                // Cairo's Option: Some is variant 0, None is 1.
                Some((fact, (_, bits))) => {
                    felts.extend([Felt::ZERO, fact, Felt::from(bits)]);
                    felts.extend(config);
                }
                None => felts.push(Felt::ONE),
            }
        } else {
            panic!("the Integrity stand-in has no view {entry:#x}");
        }
        json!(felts.iter().map(|f| format!("{f:#x}")).collect::<Vec<_>>())
    }

    fn invoke(&mut self, tx: BroadcastedInvokeTransactionV3) -> Result<Value, RpcError> {
        if tx.nonce != Felt::from(self.nonce) {
            return Err((52, "Invalid transaction nonce", json!(format!("expected {:#x}", self.nonce))));
        }
        if tx.calldata.len() > self.max_calldata {
            let why = format!("calldata of {} felts is above the limit of {}", tx.calldata.len(), self.max_calldata);
            return Err((55, "Account validation failed", json!(why)));
        }
        let hash = invoke_v3_hash(&tx);
        let (result, events) = match self.execute(&tx.calldata) {
            Ok(events) => (ExecutionResult::Succeeded, events),
            Err(reason) => (ExecutionResult::Reverted { reason }, Vec::new()),
        };
        self.nonce += 1;
        let receipt = TransactionReceiptWithBlockInfo {
            receipt: TransactionReceipt::Invoke(InvokeTransactionReceipt {
                transaction_hash: hash,
                actual_fee: FeePayment { amount: Felt::from(1_000u32), unit: PriceUnit::Fri },
                finality_status: TransactionFinalityStatus::AcceptedOnL2,
                messages_sent: Vec::new(),
                events,
                execution_resources: ExecutionResources { l1_gas: 0, l1_data_gas: 128, l2_gas: 1_000_000 },
                execution_result: result,
            }),
            block: ReceiptBlock::Block {
                block_hash: Felt::from(0xb10c_u32 + self.nonce as u32),
                block_number: self.nonce,
            },
        };
        self.receipts.insert(hash, serde_json::to_value(receipt).unwrap());
        Ok(json!({"transaction_hash": format!("{hash:#x}")}))
    }

    /// Runs the account's multicall (`[n, (to, selector, len, calldata…)…]`) against the registry.
    fn execute(&mut self, calldata: &[Felt]) -> Result<Vec<Event>, String> {
        let n: usize = calldata[0].try_into().unwrap();
        let (mut at, mut events) = (1, Vec::new());
        for _ in 0..n {
            let (to, entry, len) = (calldata[at], calldata[at + 1], usize::try_from(calldata[at + 2]).unwrap());
            let args = &calldata[at + 3..at + 3 + len];
            at += 3 + len;
            if to != self.address {
                return Err(format!("Requested contract address {to:#x} is not deployed."));
            }
            events.extend(self.call(entry, args)?);
        }
        Ok(events)
    }

    fn call(&mut self, entry: Felt, args: &[Felt]) -> Result<Option<Event>, String> {
        let names = [
            "verify_proof_full_and_register_fact",
            "verify_proof_initial",
            "verify_proof_step",
            "verify_proof_final_and_register_fact",
        ];
        let name = names.into_iter().find(|n| selector(n) == entry).ok_or("Entry point not found in contract.")?;
        let job = (name != names[0]).then(|| args[0]);
        self.sent.push((name.to_string(), job));
        if let Some((_, reason)) = self.revert_next.take_if(|(entrypoint, _)| entrypoint == name) {
            return Err(reason);
        }
        let config = VerifierConfig::starkrisk();
        let refused = |e: starkrisk_stone::StoneError| e.to_string();
        match name {
            "verify_proof_full_and_register_fact" => {
                let mut expected = config.to_felts().unwrap().to_vec();
                expected.extend(&self.proof.initial[..self.proof.initial.len() - 1]);
                let mut fri = Vec::new();
                self.proof.witnesses.iter().for_each(|w| w.write(&mut fri));
                expected.push(Felt::from(fri.len()));
                expected.extend(fri);
                if args != expected {
                    return Err("the proof is not the one this stand-in verifies".into());
                }
            }
            "verify_proof_initial" => {
                return self.jobs.initial(args, &self.proof, &config).map(|_| None).map_err(refused);
            }
            "verify_proof_step" => return self.jobs.step(args).map(|_| None).map_err(refused),
            _ => self.jobs.finalize(args).map_err(refused)?,
        }
        Ok(Some(self.register(&config)))
    }

    fn register(&mut self, config: &VerifierConfig) -> Event {
        let fact = self.wrong_fact.unwrap_or(self.fact);
        let verification = VerificationHash::compute(fact, config, self.security_bits).unwrap();
        self.verifications.entry(fact.felt()).or_default().push((verification, self.security_bits));
        let mut keys =
            vec![selector("FactRegistered"), fact.felt(), Felt::from(0x7e51f1e2u32), Felt::from(self.security_bits)];
        keys.extend(config.to_felts().unwrap());
        keys.push(verification.felt());
        Event { from_address: self.address, keys, data: Vec::new() }
    }
}

/// One resource bound as the v3 hash packs it: name, max amount (64 bits), max price (128 bits).
fn resource(name: &str, bounds: &ResourceBounds) -> Felt {
    let mut bytes = [0u8; 32];
    let name = cairo_short_string_to_felt(name).unwrap().to_bytes_be();
    bytes[..8].copy_from_slice(&name[24..]);
    bytes[8..16].copy_from_slice(&bounds.max_amount.to_be_bytes());
    bytes[16..].copy_from_slice(&bounds.max_price_per_unit.to_be_bytes());
    Felt::from_bytes_be(&bytes)
}

/// The v3 invoke transaction hash (SNIP-8), as the sequencer computes it.
fn invoke_v3_hash(tx: &BroadcastedInvokeTransactionV3) -> Felt {
    let bounds = &tx.resource_bounds;
    let fees = poseidon_many(&[
        Felt::from(tx.tip),
        resource("L1_GAS", &bounds.l1_gas),
        resource("L2_GAS", &bounds.l2_gas),
        resource("L1_DATA", &bounds.l1_data_gas),
    ]);
    let da_mode = |m: DataAvailabilityMode| match m {
        DataAvailabilityMode::L1 => 0u64,
        DataAvailabilityMode::L2 => 1,
    };
    let modes = (da_mode(tx.nonce_data_availability_mode) << 32) | da_mode(tx.fee_data_availability_mode);
    poseidon_many(&[
        cairo_short_string_to_felt("invoke").unwrap(),
        Felt::THREE,
        tx.sender_address,
        fees,
        poseidon_many(&tx.paymaster_data),
        Felt::from_hex(CHAIN_ID).unwrap(),
        tx.nonce,
        Felt::from(modes),
        poseidon_many(&tx.account_deployment_data),
        poseidon_many(&tx.calldata),
    ])
}
