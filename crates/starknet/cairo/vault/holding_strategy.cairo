// A strategy that keeps its share of the treasury as tokens, in the protocol's name: the honest minimum
// that makes rebalancing real on a local chain. It earns nothing; a strategy that puts the funds into the
// protocol itself implements the same interface (docs/chain.md says which a deployment needs next).
#[starknet::contract]
mod HoldingStrategy {
    use starknet::{ContractAddress, get_caller_address, get_contract_address};
    use starknet::storage::{StoragePointerReadAccess, StoragePointerWriteAccess};
    use super::super::interfaces::{IERC20Dispatcher, IERC20DispatcherTrait, IStrategy};

    #[storage]
    struct Storage {
        vault: ContractAddress,
        asset: ContractAddress,
        protocol: felt252,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Deposited: Deposited,
        Withdrawn: Withdrawn,
    }

    #[derive(Drop, starknet::Event)]
    struct Deposited {
        amount: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct Withdrawn {
        amount: u256,
    }

    #[constructor]
    fn constructor(ref self: ContractState, vault: ContractAddress, asset: ContractAddress, protocol: felt252) {
        self.vault.write(vault);
        self.asset.write(asset);
        self.protocol.write(protocol);
    }

    fn token(self: @ContractState) -> IERC20Dispatcher {
        IERC20Dispatcher { contract_address: self.asset.read() }
    }

    #[abi(embed_v0)]
    impl HoldingStrategyImpl of IStrategy<ContractState> {
        fn deposit(ref self: ContractState, amount: u256) {
            let vault = self.vault.read();
            assert(get_caller_address() == vault, 'caller is not the vault');
            assert(token(@self).transfer_from(vault, get_contract_address(), amount), 'transfer_from failed');
            self.emit(Deposited { amount });
        }

        fn withdraw(ref self: ContractState, amount: u256) {
            let vault = self.vault.read();
            assert(get_caller_address() == vault, 'caller is not the vault');
            assert(amount <= self.total_assets(), 'insufficient funds');
            assert(token(@self).transfer(vault, amount), 'transfer failed');
            self.emit(Withdrawn { amount });
        }

        fn total_assets(self: @ContractState) -> u256 {
            token(self).balance_of(get_contract_address())
        }

        fn protocol(self: @ContractState) -> felt252 {
            self.protocol.read()
        }

        fn asset(self: @ContractState) -> ContractAddress {
            self.asset.read()
        }

        fn vault(self: @ContractState) -> ContractAddress {
            self.vault.read()
        }
    }
}
