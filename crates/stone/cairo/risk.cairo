// starkrisk's risk program (the model of docs/risk-model.md) for Stone on the `recursive` layout. It reads
// the 27 words a hint gives it, a statement without its results in canonical order (model hash, model
// version, the 11 parameters, JediSwap's then Ekubo's 5 metrics, both APYs, the market snapshot's block and
// hash), and outputs the first 25, both risks and both shares, then the snapshot's block and hash: the 31
// words of the statement, so a proof binds every number of a decision to its model and to the chain state
// its metrics came from. It neither hashes the snapshot (anyone recomputes that from the raw readings, at
// far more cost than the model) nor the model (every verifier recomputes the model hash from the output's
// version, parameters and this program's hash, and refuses an output whose model hash differs). Bounds
// are proven with the bitwise builtin (x AND (2^64 - 1) = x) rather than range checks, whose 16-bit limbs
// of small values would leave tens of thousands of holes to pad (131072 steps instead of the layout's floor
// of 16384, which its diluted pool sets for every program). Two hints, a quotient with its remainder and a
// comparison's side, give values the checks then bind, and cairo-vm runs Rust of the same meaning for each
// (crates/stone/src/program.rs). Every builtin of the layout is declared, in the layout's order, and the
// two unused ones are passed through unchanged, because Integrity's strict memory verification accepts
// only a program whose entry sets up all of them, and an unused builtin adds no step.

%builtins output pedersen range_check bitwise

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.cairo_builtins import BitwiseBuiltin, HashBuiltin
from starkware.cairo.common.serialize import serialize_word

// The model's inputs, the statement's first words up to both APYs (the domain's STATEMENT_INPUTS).
const MODEL_INPUTS = 25;
const N_PARAMS = 11;
const N_METRICS = 5;
const BPS = 10000;
const MAX_WEIGHT = 1000;
const MAX_AGE = 1000000;
const MAX_APY = 1000000;

// Every bounded value is below 2^64: a block number is a u64, and the model's largest intermediate
// (s_j * 10000, under 2^47) fits with room, so q * div + r below never wraps around the field.
const BOUND_MASK = 2 ** 64 - 1;

// Parameter offsets.
const W_UTILIZATION = 0;
const W_VOLATILITY = 1;
const W_LIQUIDITY = 2;
const W_AUDIT = 6;
const W_AGE = 7;
const AGE_CAP = 8;
const CLAMP_MIN = 9;
const CLAMP_MAX = 10;

// Proves 0 <= x < 2^64: the builtin takes only x < 2^251, and the AND keeps x's bits below 64 alone.
func assert_u64{bitwise_ptr: BitwiseBuiltin*}(x: felt) {
    assert bitwise_ptr.x = x;
    assert bitwise_ptr.y = BOUND_MASK;
    assert bitwise_ptr.x_and_y = x;
    let bitwise_ptr = bitwise_ptr + BitwiseBuiltin.SIZE;
    return ();
}

// 0 <= a <= b, for b below 2^64.
func assert_nn_le{bitwise_ptr: BitwiseBuiltin*}(a: felt, b: felt) {
    assert_u64(a);
    assert_u64(b - a);
    return ();
}

// 1 when a <= b, else 0, for a and b below 2^64: the hint picks the side and a check proves it; both
// sides at once would need b - a and a - b - 1 below 2^64 together, which no field element allows.
func is_le{bitwise_ptr: BitwiseBuiltin*}(a: felt, b: felt) -> felt {
    alloc_locals;
    local le: felt;
    %{ ids.le = 1 if ids.a <= ids.b else 0 %}
    if (le == 0) {
        assert_u64(a - b - 1);
        return 0;
    }
    assert le = 1;
    assert_u64(b - a);
    return 1;
}

// Floor division of value by div (0 < div < 2^64): q and r come from the hint, and the checks make them
// the only pair with value = q * div + r, 0 <= r < div, q < 2^64.
func unsigned_div_rem{bitwise_ptr: BitwiseBuiltin*}(value: felt, div: felt) -> (q: felt, r: felt) {
    alloc_locals;
    local q: felt;
    local r: felt;
    %{ ids.q, ids.r = divmod(ids.value, ids.div) %}
    assert_u64(q);
    assert_nn_le(r, div - 1);
    assert value = q * div + r;
    return (q, r);
}

// Refuses parameters outside the domain's ranges, so no arithmetic below can wrap around the field.
func check_params{bitwise_ptr: BitwiseBuiltin*}(params: felt*) {
    assert_nn_le(params[W_UTILIZATION], MAX_WEIGHT);
    assert_nn_le(params[W_VOLATILITY], MAX_WEIGHT);
    assert_nn_le(params[W_LIQUIDITY], MAX_WEIGHT);
    assert_nn_le(params[W_LIQUIDITY + 1], MAX_WEIGHT);
    assert_nn_le(params[W_LIQUIDITY + 2], MAX_WEIGHT);
    assert_nn_le(params[W_LIQUIDITY + 3], MAX_WEIGHT);
    assert_nn_le(params[W_AUDIT], MAX_WEIGHT);
    assert_nn_le(params[W_AGE], MAX_WEIGHT);
    assert_nn_le(params[AGE_CAP] - 1, MAX_AGE - 1);
    assert_nn_le(params[CLAMP_MAX], 100);
    assert_nn_le(params[CLAMP_MIN], params[CLAMP_MAX]);
    return ();
}

// Refuses metrics outside the domain's ranges.
func check_metrics{bitwise_ptr: BitwiseBuiltin*}(metrics: felt*) {
    assert_nn_le(metrics[0], BPS);
    assert_nn_le(metrics[1], BPS);
    assert_nn_le(metrics[2], 3);
    assert_nn_le(metrics[3], 100);
    assert_nn_le(metrics[4], MAX_AGE);
    return ();
}

// The age term: (cap - age) * w_age / cap while younger than the cap, else 0.
func age_term{bitwise_ptr: BitwiseBuiltin*}(params: felt*, age: felt) -> felt {
    let young = is_le(age + 1, params[AGE_CAP]);
    if (young == 0) {
        return 0;
    }
    let (term, _) = unsigned_div_rem((params[AGE_CAP] - age) * params[W_AGE], params[AGE_CAP]);
    return term;
}

// clamp(value, low, high) with low <= high.
func clamp{bitwise_ptr: BitwiseBuiltin*}(value: felt, low: felt, high: felt) -> felt {
    let below = is_le(value, low);
    if (below == 1) {
        return low;
    }
    let above = is_le(high, value);
    if (above == 1) {
        return high;
    }
    return value;
}

// The risk score of one protocol.
func risk_score{bitwise_ptr: BitwiseBuiltin*}(params: felt*, metrics: felt*) -> felt {
    alloc_locals;
    check_metrics(metrics);
    let (utilization, _) = unsigned_div_rem(metrics[0] * params[W_UTILIZATION], BPS);
    let (volatility, _) = unsigned_div_rem(metrics[1] * params[W_VOLATILITY], BPS);
    let liquidity = params[W_LIQUIDITY + metrics[2]];
    let (audit, _) = unsigned_div_rem((100 - metrics[3]) * params[W_AUDIT], 10);
    let age = age_term(params, metrics[4]);
    let raw = utilization + volatility + liquidity + audit + age;
    return clamp(raw, params[CLAMP_MIN], params[CLAMP_MAX]);
}

// JediSwap's share in bps: s_j * 10000 / (s_j + s_e) with s = apy * 10000 / (risk + 1).
func jediswap_share{bitwise_ptr: BitwiseBuiltin*}(apy_j: felt, risk_j: felt, apy_e: felt, risk_e: felt) -> felt {
    alloc_locals;
    assert_nn_le(apy_j, MAX_APY);
    assert_nn_le(apy_e, MAX_APY);
    let (s_j, _) = unsigned_div_rem(apy_j * BPS, risk_j + 1);
    let (s_e, _) = unsigned_div_rem(apy_e * BPS, risk_e + 1);
    // At least one APY is positive, so the total is positive.
    assert_u64(s_j + s_e - 1);
    let (share, _) = unsigned_div_rem(s_j * BPS, s_j + s_e);
    return share;
}

func output_words{output_ptr: felt*}(words: felt*, n: felt) {
    if (n == 0) {
        return ();
    }
    serialize_word(words[0]);
    return output_words(words + 1, n - 1);
}

func main{output_ptr: felt*, pedersen_ptr: HashBuiltin*, range_check_ptr, bitwise_ptr: BitwiseBuiltin*}() {
    alloc_locals;
    let (inputs: felt*) = alloc();
    %{ segments.write_arg(ids.inputs, program_input["inputs"]) %}
    // A version is a positive 32-bit number; anything else cannot name a registered model.
    assert_nn_le(inputs[1] - 1, 2 ** 32 - 2);
    let params = inputs + 2;
    let jediswap = params + N_PARAMS;
    let ekubo = jediswap + N_METRICS;
    let apy_j = ekubo[N_METRICS];
    let apy_e = ekubo[N_METRICS + 1];

    check_params(params);
    let risk_j = risk_score(params, jediswap);
    let risk_e = risk_score(params, ekubo);
    let share_j = jediswap_share(apy_j, risk_j, apy_e, risk_e);

    // A block number is a u64, as the statement decodes it.
    let snapshot_block = inputs[MODEL_INPUTS];
    assert_u64(snapshot_block);

    output_words(inputs, MODEL_INPUTS);
    serialize_word(risk_j);
    serialize_word(risk_e);
    serialize_word(share_j);
    serialize_word(BPS - share_j);
    serialize_word(snapshot_block);
    serialize_word(inputs[MODEL_INPUTS + 1]);
    return ();
}
