//! The Cairo risk program under cairo-vm computes exactly what the domain computes, and yields Stone inputs.

use proptest::prelude::*;
use starkrisk_domain::*;
use starkrisk_stone::program::{self, compute};
use starkrisk_stone::testing::{metrics, statement};

#[test]
fn the_vectors_come_out_as_the_domain_computes_them() {
    let vectors = [
        (metrics(6500, 3500, 1, 98, 800), 35),
        (metrics(8200, 6100, 2, 72, 120), 75),
        (metrics(0, 0, 0, 100, 10000), 5),
        (metrics(10000, 10000, 3, 0, 0), 95),
    ];
    for (j, risk_j) in vectors {
        for (e, risk_e) in vectors {
            let expected = statement(j, e, 850, 1210, ModelParams::v1());
            let (_, computed) = compute(&expected).unwrap();
            assert_eq!(computed, expected);
            assert_eq!((computed.jediswap_risk.get(), computed.ekubo_risk.get()), (risk_j, risk_e));
        }
    }
    let example = statement(vectors[0].0, vectors[1].0, 850, 1210, ModelParams::v1());
    let (run, computed) = compute(&example).unwrap();
    assert_eq!((computed.allocation.jediswap().get(), computed.allocation.ekubo().get()), (5972, 4028));
    assert_eq!(run.output, example.to_felts(), "model hash first, then every input and result");
}

#[test]
fn the_program_carries_the_market_snapshot_into_its_output() {
    let base =
        statement(metrics(6500, 3500, 1, 98, 800), metrics(8200, 6100, 2, 72, 120), 850, 1210, ModelParams::v1());
    let hash =
        SnapshotHash::new(Felt::from_hex("0x7f3c5a0e19d2b4c6a8e0f1d3b5c7a9e2f4d6b8c0a1e3f5d7b9c1a3e5f7d9b2").unwrap());
    let chained = base.with_provenance(Provenance { block_number: u64::MAX, snapshot_hash: hash });
    let words = program::inputs(&chained);
    assert_eq!(words.len(), 27, "the model's 25 inputs, then block and hash");
    let (run, computed) = compute(&chained).unwrap();
    assert_eq!(computed, chained);
    assert_eq!(run.output.len(), STATEMENT_LEN);
    assert_eq!(&run.output[29..], &[Felt::from(u64::MAX), hash.felt()]);
    // The same numbers under another snapshot are another output, so another fact.
    let elsewhere = base.with_provenance(Provenance { block_number: 7, snapshot_hash: hash });
    assert_ne!(program::run(&program::inputs(&elsewhere)).unwrap().output, run.output);
    // A block past 64 bits cannot be carried: the statement could not decode it.
    let mut words = words;
    words[25] = Felt::from(u64::MAX) + Felt::ONE;
    assert!(program::run(&words).is_err());
}

#[test]
fn out_of_range_inputs_make_the_program_fail() {
    let good = statement(metrics(1, 1, 1, 1, 1), metrics(1, 1, 1, 1, 1), 850, 1210, ModelParams::v1());
    let mut words = program::inputs(&good);
    assert!(program::run(&words).is_ok());
    // JediSwap's liquidity tier (input 15) of 4 would index past the weight table.
    words[15] = Felt::from(4u8);
    assert!(program::run(&words).is_err());
    let mut words = program::inputs(&good);
    words[16] = Felt::from(101u8); // audit score
    assert!(program::run(&words).is_err());
    let mut words = program::inputs(&good);
    words[23] = Felt::ZERO; // both APYs zero
    words[24] = Felt::ZERO;
    assert!(program::run(&words).is_err());
    for version in [Felt::ZERO, Felt::from(1u64 << 32)] {
        let mut words = program::inputs(&good);
        words[1] = version; // a model version that no registered model can have
        assert!(program::run(&words).is_err());
    }
}

#[test]
fn the_run_yields_stone_inputs_whose_public_memory_holds_the_program() {
    let example =
        statement(metrics(6500, 3500, 1, 98, 800), metrics(8200, 6100, 2, 72, 120), 850, 1210, ModelParams::v1());
    let (run, _) = compute(&example).unwrap();
    let inputs = run.prover_inputs().unwrap();
    assert!(inputs.n_steps.is_power_of_two() && inputs.n_steps >= 512, "{}", inputs.n_steps);
    assert_eq!(inputs.trace.len() as u64, inputs.n_steps * 24);
    let public: serde_json::Value = serde_json::from_str(&inputs.public_input).unwrap();
    assert_eq!(public["layout"], "recursive");
    assert_eq!(public["n_steps"].as_u64(), Some(inputs.n_steps));
    // Integrity's program hash covers public memory [1, initial_fp - 2): the bytecode of the program.
    let segments = &public["memory_segments"];
    let initial_fp = segments["execution"]["begin_addr"].as_u64().unwrap();
    let memory: std::collections::HashMap<u64, Felt> = public["public_memory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["address"].as_u64().unwrap(), Felt::from_hex(c["value"].as_str().unwrap()).unwrap()))
        .collect();
    let words: Vec<Felt> = (1..initial_fp - 2).map(|a| memory[&a]).collect();
    assert_eq!(ProgramHash::of_program(&words), program::program_hash().unwrap());
    let private: serde_json::Value =
        serde_json::from_str(&inputs.private_input("/t/trace.bin", "/t/memory.bin").unwrap()).unwrap();
    assert_eq!(private["trace_path"], "/t/trace.bin");
    let mut known: Vec<String> = starkrisk_stone::hints::ALL.iter().map(|h| h.to_string()).collect();
    known.push("memory[ap] = segments.add()".into()); // alloc(), which cairo-vm runs itself
    known.sort();
    assert_eq!(program::carried_hints().unwrap(), known, "a hint cairo-vm would not run as the program means");
}

#[test]
fn the_trace_is_the_layouts_floor_and_fri_parameters_follow_it() {
    // 16384 steps is what the recursive layout's diluted pool needs of any program; the range checks no
    // longer pad it (the program ran in 131072 steps when they used the range-check builtin).
    for (j, e) in [
        (metrics(6500, 3500, 1, 98, 800), metrics(8200, 6100, 2, 72, 120)),
        (metrics(10000, 10000, 3, 0, 0), metrics(0, 0, 0, 100, 1_000_000)),
    ] {
        let (run, _) = compute(&statement(j, e, 1_000_000, 1, ModelParams::v1())).unwrap();
        let inputs = run.prover_inputs().unwrap();
        assert_eq!(inputs.n_steps, 16_384);
        let public: serde_json::Value = serde_json::from_str(&inputs.public_input).unwrap();
        assert_eq!(public["n_steps"], 16_384);
        // Only the instruction offsets are range-checked, all near 2^15.
        assert!(public["rc_max"].as_u64().unwrap() - public["rc_min"].as_u64().unwrap() < 256, "{}", public["rc_min"]);
        let fri = FriParameters::for_trace(inputs.n_steps, 128, 38, 20, 2).unwrap();
        let log = inputs.n_steps.trailing_zeros();
        assert_eq!(fri.last_layer_degree_bound.trailing_zeros() + fri.fri_step_list.iter().sum::<u32>(), log + 4);
        assert_eq!(fri.fri_step_list, vec![0, 4, 4, 3]);
    }
}

fn any_metrics() -> impl Strategy<Value = ProtocolMetrics> {
    (0u64..=10_000, 0u64..=10_000, 0u64..=3, 0u64..=100, 0u64..=1_000_000)
        .prop_map(|(u, v, l, a, d)| metrics(u, v, l, a, d))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn random_valid_metrics_agree_with_the_domain(
        j in any_metrics(), e in any_metrics(), apy_j in 0u32..=1_000_000, apy_e in 1u32..=1_000_000,
        w in prop::array::uniform8(0u32..=1000), cap in 1u32..=1_000_000, lo in 0u32..=100, hi in 0u32..=100,
    ) {
        let params = ModelParams::new(RawModelParams {
            w_utilization: w[0], w_volatility: w[1], w_liquidity: [w[2], w[3], w[4], w[5]], w_audit: w[6], w_age: w[7],
            age_cap_days: cap, clamp_min: lo.min(hi), clamp_max: lo.max(hi),
        }).unwrap();
        let expected = statement(j, e, apy_j, apy_e, params);
        let (_, computed) = compute(&expected).unwrap();
        prop_assert_eq!(computed, expected);
    }
}

#[test]
fn the_program_runs_into_a_cairo_pie_for_atlantic() {
    let pie = starkrisk_stone::program::pie(&starkrisk_domain::examples::statement()).unwrap();
    assert_eq!(&pie[..4], b"PK\x03\x04", "a PIE is a zip archive");
    let text = String::from_utf8_lossy(&pie);
    for entry in ["metadata.json", "memory.bin", "execution_resources.json", "version.json"] {
        assert!(text.contains(entry), "the PIE has no {entry}");
    }
}
