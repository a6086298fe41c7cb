// The AllocationVault's interface, the calls it makes on other contracts, and the structures they answer with.
use starknet::ContractAddress;

#[derive(Copy, Drop, Serde)]
struct VerifierConfiguration {
    layout: felt252,
    hasher: felt252,
    stone_version: felt252,
    memory_verification: felt252,
}

#[derive(Copy, Drop, Serde)]
struct VerificationListElement {
    verification_hash: felt252,
    security_bits: u32,
    verifier_config: VerifierConfiguration,
}

// The read half of Integrity's FactRegistry the vault relies on.
#[starknet::interface]
trait IFactRegistry<TContractState> {
    fn get_all_verifications_for_fact_hash(
        self: @TContractState, fact_hash: felt252
    ) -> Array<VerificationListElement>;
}

// The ERC-20 calls the treasury makes (snake_case, as OpenZeppelin's tokens and devnet's STRK expose them).
#[starknet::interface]
trait IERC20<TContractState> {
    fn balance_of(self: @TContractState, account: ContractAddress) -> u256;
    fn transfer(ref self: TContractState, recipient: ContractAddress, amount: u256) -> bool;
    fn transfer_from(
        ref self: TContractState, sender: ContractAddress, recipient: ContractAddress, amount: u256
    ) -> bool;
    fn approve(ref self: TContractState, spender: ContractAddress, amount: u256) -> bool;
}

// Where the vault puts one protocol's share of the treasury. Only its vault deposits and withdraws;
// `deposit` pulls the amount from the vault (which approved it first), `withdraw` sends it back.
#[starknet::interface]
trait IStrategy<TContractState> {
    fn deposit(ref self: TContractState, amount: u256);
    fn withdraw(ref self: TContractState, amount: u256);
    // Everything the strategy holds for the vault, in the treasury token.
    fn total_assets(self: @TContractState) -> u256;
    // The protocol it puts funds into, as a short string ('jediswap', 'ekubo').
    fn protocol(self: @TContractState) -> felt252;
    fn asset(self: @TContractState) -> ContractAddress;
    fn vault(self: @TContractState) -> ContractAddress;
}

#[derive(Copy, Drop, Serde, starknet::Store)]
struct Allocation {
    decision_id: felt252,
    model_hash: felt252,
    jediswap_risk: felt252,
    ekubo_risk: felt252,
    jediswap_bps: felt252,
    ekubo_bps: felt252,
    fact_hash: felt252,
    block_number: u64,
}

// The treasury's balances: idle in the vault and in each strategy, in the treasury token.
#[derive(Copy, Drop, Serde)]
struct Treasury {
    idle: u256,
    jediswap: u256,
    ekubo: u256,
}

#[starknet::interface]
trait IAllocationVault<TContractState> {
    fn approve_model(ref self: TContractState, model_hash: felt252);
    fn revoke_model(ref self: TContractState, model_hash: felt252);
    fn execute_allocation(ref self: TContractState, decision_id: felt252, outputs: Array<felt252>) -> felt252;
    fn current_allocation(self: @TContractState) -> Allocation;
    fn is_model_approved(self: @TContractState, model_hash: felt252) -> bool;
    // The hash of a model (its version, then its 11 parameters) under the program models are bound to.
    fn model_hash(self: @TContractState, model: Array<felt252>) -> felt252;
    fn executed(self: @TContractState, decision_id: felt252) -> bool;
    fn gate(self: @TContractState) -> (felt252, felt252, u32);
    // The bootloader whose proofs of the program also unlock execution (Atlantic's); 0 when none.
    fn bootloader_program_hash(self: @TContractState) -> felt252;
    fn set_limits(ref self: TContractState, max_single_bps: u32, min_diversification: u32);
    fn limits(self: @TContractState) -> (u32, u32);
    fn set_max_snapshot_age(ref self: TContractState, max_snapshot_age_blocks: u64);
    // (last executed snapshot block, largest snapshot age in blocks, whether supplied metrics are accepted).
    fn freshness(self: @TContractState) -> (u64, u64, bool);
    // The owner moves the treasury token in and out; nobody else takes funds out.
    fn deposit(ref self: TContractState, amount: u256);
    fn withdraw(ref self: TContractState, amount: u256);
    fn treasury(self: @TContractState) -> Treasury;
    fn token(self: @TContractState) -> ContractAddress;
    // (JediSwap's strategy, Ekubo's strategy).
    fn strategies(self: @TContractState) -> (ContractAddress, ContractAddress);
    // Replaces the strategies, first bringing everything the old ones hold back to the vault.
    fn set_strategies(ref self: TContractState, jediswap: ContractAddress, ekubo: ContractAddress);
    fn set_paused(ref self: TContractState, paused: bool);
    fn set_max_move(ref self: TContractState, max_move: u256);
    // (paused, the most one execution may move).
    fn execution_controls(self: @TContractState) -> (bool, u256);
}
