// What the AllocationVault emits.
use starknet::ContractAddress;

#[derive(Drop, starknet::Event)]
struct LimitsChanged {
    max_single_bps: u32,
    min_diversification: u32,
}

#[derive(Drop, starknet::Event)]
struct AllocationExecuted {
    #[key]
    decision_id: felt252,
    model_hash: felt252,
    fact_hash: felt252,
    jediswap_risk: felt252,
    ekubo_risk: felt252,
    jediswap_bps: felt252,
    ekubo_bps: felt252,
}

// Every amount one execution moved, with the balances before and after as the token and the
// strategies report them.
#[derive(Drop, starknet::Event)]
struct TreasuryRebalanced {
    #[key]
    decision_id: felt252,
    jediswap_withdrawn: u256,
    jediswap_deposited: u256,
    ekubo_withdrawn: u256,
    ekubo_deposited: u256,
    idle_before: u256,
    jediswap_before: u256,
    ekubo_before: u256,
    idle_after: u256,
    jediswap_after: u256,
    ekubo_after: u256,
}

#[derive(Drop, starknet::Event)]
struct TreasuryDeposited {
    amount: u256,
}

#[derive(Drop, starknet::Event)]
struct TreasuryWithdrawn {
    amount: u256,
}

#[derive(Drop, starknet::Event)]
struct StrategiesChanged {
    jediswap: ContractAddress,
    ekubo: ContractAddress,
}

#[derive(Drop, starknet::Event)]
struct ExecutionControlsChanged {
    paused: bool,
    max_move: u256,
}

#[derive(Drop, starknet::Event)]
struct ModelApproved {
    #[key]
    model_hash: felt252,
}

#[derive(Drop, starknet::Event)]
struct ModelRevoked {
    #[key]
    model_hash: felt252,
}
