// A JediSwap v2 pool for local chains: the view entrypoints starkrisk's reader calls and the `Swap` event,
// laid out as JediSwap's own pool lays them out (sqrt price Q64.96 as u256, i256 and i32 as magnitude and
// sign). There is no liquidity math: `record_swap` states a swap's result, moves the pool to it and emits
// the event a real swap would, so a test can script a market. Token balances are the ERC-20s' own.
use starknet::ContractAddress;

#[derive(Copy, Drop, Serde, starknet::Store)]
struct i256 {
    mag: u256,
    sign: bool,
}

#[derive(Copy, Drop, Serde, starknet::Store)]
struct i32 {
    mag: u32,
    sign: bool,
}

#[starknet::interface]
trait IJediSwapPoolStandIn<TContractState> {
    fn get_token0(self: @TContractState) -> ContractAddress;
    fn get_token1(self: @TContractState) -> ContractAddress;
    fn get_fee(self: @TContractState) -> u32;
    fn get_sqrt_price_X96(self: @TContractState) -> u256;
    fn get_liquidity(self: @TContractState) -> u128;
    fn get_tick(self: @TContractState) -> i32;
    fn record_swap(
        ref self: TContractState,
        amount0: i256,
        amount1: i256,
        sqrt_price_X96: u256,
        liquidity: u128,
        tick: i32
    );
}

#[starknet::contract]
mod JediSwapPoolStandIn {
    use super::{i256, i32};
    use starknet::{ContractAddress, get_caller_address};
    use starknet::storage::{
        StoragePointerReadAccess, StoragePointerWriteAccess
    };

    #[storage]
    struct Storage {
        token0: ContractAddress,
        token1: ContractAddress,
        fee: u32,
        sqrt_price_X96: u256,
        liquidity: u128,
        tick: i32,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Swap: Swap,
    }

    // JediSwap's layout: no field is a key, so the only key is the event's selector.
    #[derive(Drop, starknet::Event)]
    struct Swap {
        sender: ContractAddress,
        recipient: ContractAddress,
        amount0: i256,
        amount1: i256,
        sqrt_price_X96: u256,
        liquidity: u128,
        tick: i32,
    }

    #[constructor]
    fn constructor(
        ref self: ContractState,
        token0: ContractAddress,
        token1: ContractAddress,
        fee: u32,
        sqrt_price_X96: u256,
        liquidity: u128
    ) {
        self.token0.write(token0);
        self.token1.write(token1);
        self.fee.write(fee);
        self.sqrt_price_X96.write(sqrt_price_X96);
        self.liquidity.write(liquidity);
        self.tick.write(i32 { mag: 0, sign: false });
    }

    #[abi(embed_v0)]
    impl JediSwapPoolStandInImpl of super::IJediSwapPoolStandIn<ContractState> {
        fn get_token0(self: @ContractState) -> ContractAddress {
            self.token0.read()
        }

        fn get_token1(self: @ContractState) -> ContractAddress {
            self.token1.read()
        }

        fn get_fee(self: @ContractState) -> u32 {
            self.fee.read()
        }

        fn get_sqrt_price_X96(self: @ContractState) -> u256 {
            self.sqrt_price_X96.read()
        }

        fn get_liquidity(self: @ContractState) -> u128 {
            self.liquidity.read()
        }

        fn get_tick(self: @ContractState) -> i32 {
            self.tick.read()
        }

        fn record_swap(
            ref self: ContractState,
            amount0: i256,
            amount1: i256,
            sqrt_price_X96: u256,
            liquidity: u128,
            tick: i32
        ) {
            self.sqrt_price_X96.write(sqrt_price_X96);
            self.liquidity.write(liquidity);
            self.tick.write(tick);
            let caller = get_caller_address();
            self
                .emit(
                    Swap {
                        sender: caller,
                        recipient: caller,
                        amount0,
                        amount1,
                        sqrt_price_X96,
                        liquidity,
                        tick
                    }
                );
        }
    }
}
