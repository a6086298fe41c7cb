// Ekubo's Core for local chains: `get_pool_price` and `get_pool_liquidity` by pool key and the `Swapped`
// event, laid out as Ekubo's Core lays them out (PoolKey of five words, sqrt ratio Q128.128 as u256, i129
// as magnitude and sign). There is no liquidity math: `initialize_pool` sets a pool's price and liquidity,
// and `record_swap` states a swap's result, moves the pool to it and emits the event a real swap would.
use starknet::ContractAddress;

#[derive(Copy, Drop, Serde, starknet::Store)]
struct i129 {
    mag: u128,
    sign: bool,
}

#[derive(Copy, Drop, Serde)]
struct PoolKey {
    token0: ContractAddress,
    token1: ContractAddress,
    fee: u128,
    tick_spacing: u128,
    extension: ContractAddress,
}

#[derive(Copy, Drop, Serde)]
struct PoolPrice {
    sqrt_ratio: u256,
    tick: i129,
}

#[derive(Copy, Drop, Serde)]
struct SwapParameters {
    amount: i129,
    is_token1: bool,
    sqrt_ratio_limit: u256,
    skip_ahead: u128,
}

#[derive(Copy, Drop, Serde)]
struct Delta {
    amount0: i129,
    amount1: i129,
}

#[starknet::interface]
trait IEkuboCoreStandIn<TContractState> {
    fn get_pool_price(self: @TContractState, pool_key: PoolKey) -> PoolPrice;
    fn get_pool_liquidity(self: @TContractState, pool_key: PoolKey) -> u128;
    fn initialize_pool(ref self: TContractState, pool_key: PoolKey, sqrt_ratio: u256, liquidity: u128);
    fn record_swap(
        ref self: TContractState,
        pool_key: PoolKey,
        params: SwapParameters,
        delta: Delta,
        sqrt_ratio_after: u256,
        tick_after: i129,
        liquidity_after: u128
    );
}

#[starknet::contract]
mod EkuboCoreStandIn {
    use super::{i129, Delta, PoolKey, PoolPrice, SwapParameters};
    use array::ArrayTrait;
    use traits::Into;
    use poseidon::poseidon_hash_span;
    use starknet::{ContractAddress, get_caller_address};
    use starknet::storage::{
        StoragePointerReadAccess, StoragePointerWriteAccess, Map, StorageMapReadAccess, StorageMapWriteAccess
    };

    #[storage]
    struct Storage {
        sqrt_ratio: Map<felt252, u256>,
        tick: Map<felt252, i129>,
        liquidity: Map<felt252, u128>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Swapped: Swapped,
    }

    // Ekubo's layout: no field is a key, so the only key is the event's selector.
    #[derive(Drop, starknet::Event)]
    struct Swapped {
        locker: ContractAddress,
        pool_key: PoolKey,
        params: SwapParameters,
        delta: Delta,
        sqrt_ratio_after: u256,
        tick_after: i129,
        liquidity_after: u128,
    }

    fn pool_id(pool_key: PoolKey) -> felt252 {
        let mut words = ArrayTrait::new();
        words.append(pool_key.token0.into());
        words.append(pool_key.token1.into());
        words.append(pool_key.fee.into());
        words.append(pool_key.tick_spacing.into());
        words.append(pool_key.extension.into());
        poseidon_hash_span(words.span())
    }

    #[abi(embed_v0)]
    impl EkuboCoreStandInImpl of super::IEkuboCoreStandIn<ContractState> {
        fn get_pool_price(self: @ContractState, pool_key: PoolKey) -> PoolPrice {
            let id = pool_id(pool_key);
            PoolPrice { sqrt_ratio: self.sqrt_ratio.read(id), tick: self.tick.read(id) }
        }

        fn get_pool_liquidity(self: @ContractState, pool_key: PoolKey) -> u128 {
            self.liquidity.read(pool_id(pool_key))
        }

        fn initialize_pool(ref self: ContractState, pool_key: PoolKey, sqrt_ratio: u256, liquidity: u128) {
            let id = pool_id(pool_key);
            self.sqrt_ratio.write(id, sqrt_ratio);
            self.liquidity.write(id, liquidity);
        }

        fn record_swap(
            ref self: ContractState,
            pool_key: PoolKey,
            params: SwapParameters,
            delta: Delta,
            sqrt_ratio_after: u256,
            tick_after: i129,
            liquidity_after: u128
        ) {
            let id = pool_id(pool_key);
            self.sqrt_ratio.write(id, sqrt_ratio_after);
            self.tick.write(id, tick_after);
            self.liquidity.write(id, liquidity_after);
            self
                .emit(
                    Swapped {
                        locker: get_caller_address(),
                        pool_key,
                        params,
                        delta,
                        sqrt_ratio_after,
                        tick_after,
                        liquidity_after
                    }
                );
        }
    }
}
