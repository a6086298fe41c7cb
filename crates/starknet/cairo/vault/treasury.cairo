// The rebalancing arithmetic: where each strategy's balance must go for a split, and what moves.
use super::gate::TOTAL_BPS;
use super::interfaces::Treasury;

// What one execution moves: out of each strategy (back to the vault) and into each.
#[derive(Copy, Drop, Serde, PartialEq)]
struct Moves {
    jediswap_withdrawn: u256,
    jediswap_deposited: u256,
    ekubo_withdrawn: u256,
    ekubo_deposited: u256,
}

// The strategies' balances for a split of `total`: each share rounded down, so what rounding leaves
// (less than one unit per strategy) stays idle in the vault.
fn targets(total: u256, jediswap_bps: u32, ekubo_bps: u32) -> (u256, u256) {
    assert(jediswap_bps + ekubo_bps <= TOTAL_BPS, 'shares above 10000 bps');
    let bps: u256 = TOTAL_BPS.into();
    (total * jediswap_bps.into() / bps, total * ekubo_bps.into() / bps)
}

// (taken out, put in) to bring a balance from `before` to `target`.
fn delta(before: u256, target: u256) -> (u256, u256) {
    if before > target {
        (before - target, 0)
    } else {
        (0, target - before)
    }
}

fn moves(jediswap_before: u256, ekubo_before: u256, jediswap_target: u256, ekubo_target: u256) -> Moves {
    let (jediswap_withdrawn, jediswap_deposited) = delta(jediswap_before, jediswap_target);
    let (ekubo_withdrawn, ekubo_deposited) = delta(ekubo_before, ekubo_target);
    Moves { jediswap_withdrawn, jediswap_deposited, ekubo_withdrawn, ekubo_deposited }
}

// How much an execution moves, for the owner's cap: the larger of what leaves the strategies and what
// enters them (a transfer from one strategy to the other counts once).
fn moved(moves: Moves) -> u256 {
    let out = moves.jediswap_withdrawn + moves.ekubo_withdrawn;
    let into = moves.jediswap_deposited + moves.ekubo_deposited;
    if out > into {
        out
    } else {
        into
    }
}

// What a withdrawal of `amount` takes from JediSwap's strategy and from Ekubo's once the idle funds are
// used up; reverts when the whole treasury is smaller.
fn withdrawal_sources(amount: u256, held: Treasury) -> (u256, u256) {
    assert(amount <= held.idle + held.jediswap + held.ekubo, 'insufficient funds');
    if amount <= held.idle {
        return (0, 0);
    }
    let missing = amount - held.idle;
    if missing <= held.jediswap {
        (missing, 0)
    } else {
        (held.jediswap, missing - held.jediswap)
    }
}
