// starkrisk's on-chain gate: an allocation is executed only when Integrity's FactRegistry holds a
// verification of its proof, strong enough and by the expected verifier, under a model the owner approved.
//
// `outputs` is the proof's public output, the decision statement's 31 felts: model hash, model version,
// 11 parameters, both protocols' 5 metrics, both APYs, both risks, both shares, then the market
// snapshot's block and hash (docs/risk-model.md). The fact covers all 31, so the snapshot is bound.
// The fact is computed here exactly as Integrity computes it: H(program_hash, H(outputs)), H = Poseidon.
// The model hash is recomputed here from the outputs' version and parameters under the program models are
// bound to (the Cairo risk program; the proofs' program is another for S-two's AIR on the stand-in),
// exactly as the service computes it (docs/risk-model.md): an approved hash runs with its own parameters
// only, never as a label on others.
// The governance limits the service checks are checked here too (the largest single share, how many
// protocols must receive at least 1000 bps), set by the owner, so an operator key cannot execute a
// split the treasury's governance refuses. The market snapshot a decision's metrics were read at must be
// newer than the last executed one and at most `max_snapshot_age_blocks` old; a zero snapshot (metrics
// supplied in the request, not read from the chain) only on a vault deployed to accept them.
//
// The vault also holds the treasury: one ERC-20 token, deposited and withdrawn by the owner alone. An
// execution moves it between the two protocols' strategies so each holds its proven share (rounded down;
// the rest stays idle), unless the owner paused execution or the move exceeds the owner's cap, and
// records every amount moved with the balances before and after, as read from the token and strategies.
#[starknet::contract]
mod AllocationVault {
    use super::super::interfaces::{
        Allocation, Treasury, IAllocationVault, IFactRegistryDispatcher, IFactRegistryDispatcherTrait, IERC20Dispatcher, IERC20DispatcherTrait,
        IStrategyDispatcher, IStrategyDispatcherTrait
    };
    use super::super::gate::{
        model_hash_of, check_verifications, check_limits_range, check_split, fact_of, bootloaded_fact_of
    };
    use super::super::treasury::{targets, moves, moved, withdrawal_sources};
    use super::super::events::{
        AllocationExecuted, ModelApproved, ModelRevoked, LimitsChanged, TreasuryRebalanced, TreasuryDeposited,
        TreasuryWithdrawn, StrategiesChanged, ExecutionControlsChanged
    };
    use array::ArrayTrait;
    use array::SpanTrait;
    use starknet::{ContractAddress, ClassHash, get_caller_address, get_contract_address, SyscallResultTrait};
    use starknet::syscalls::deploy_syscall;
    use starknet::storage::{
        StoragePointerReadAccess, StoragePointerWriteAccess, Map, StorageMapReadAccess, StorageMapWriteAccess
    };
    use starknet::info::get_block_number;

    // The statement's length and where its fields sit.
    const OUTPUTS_LEN: u32 = 31;
    const MODEL_HASH: u32 = 0;
    // The model's version and its 11 parameters follow the hash.
    const MODEL_AT: u32 = 1;
    const MODEL_LEN: u32 = 12;
    const JEDISWAP_RISK: u32 = 25;
    const EKUBO_RISK: u32 = 26;
    const JEDISWAP_BPS: u32 = 27;
    const EKUBO_BPS: u32 = 28;
    const SNAPSHOT_BLOCK: u32 = 29;
    const SNAPSHOT_HASH: u32 = 30;
    // The strategies' protocols, as they name themselves.
    const JEDISWAP: felt252 = 'jediswap';
    const EKUBO: felt252 = 'ekubo';

    #[storage]
    struct Storage {
        owner: ContractAddress,
        operator: ContractAddress,
        fact_registry: ContractAddress,
        program_hash: felt252,
        bootloader_program_hash: felt252,
        model_program_hash: felt252,
        verifier_config_hash: felt252,
        min_security_bits: u32,
        max_single_bps: u32,
        min_diversification: u32,
        last_snapshot_block: u64,
        max_snapshot_age_blocks: u64,
        accepts_supplied_metrics: bool,
        approved: Map<felt252, bool>,
        done: Map<felt252, bool>,
        // Facts already executed: one proof's outputs move the treasury once, under whatever decision id.
        fact_done: Map<felt252, bool>,
        current: Allocation,
        token: ContractAddress,
        jediswap_strategy: ContractAddress,
        ekubo_strategy: ContractAddress,
        paused: bool,
        max_move: u256,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        AllocationExecuted: AllocationExecuted,
        ModelApproved: ModelApproved,
        ModelRevoked: ModelRevoked,
        LimitsChanged: LimitsChanged,
        TreasuryRebalanced: TreasuryRebalanced,
        TreasuryDeposited: TreasuryDeposited,
        TreasuryWithdrawn: TreasuryWithdrawn,
        StrategiesChanged: StrategiesChanged,
        ExecutionControlsChanged: ExecutionControlsChanged,
    }

    // `strategy_class` is deployed twice here, as JediSwap's and Ekubo's strategy for this vault and
    // `token`, so a fresh vault can hold and rebalance funds at once; the owner may replace them later.
    #[constructor]
    fn constructor(
        ref self: ContractState,
        owner: ContractAddress,
        operator: ContractAddress,
        fact_registry: ContractAddress,
        program_hash: felt252,
        model_program_hash: felt252,
        verifier_config_hash: felt252,
        min_security_bits: u32,
        max_single_bps: u32,
        min_diversification: u32,
        max_snapshot_age_blocks: u64,
        accepts_supplied_metrics: bool,
        token: ContractAddress,
        strategy_class: ClassHash,
        bootloader_program_hash: felt252
    ) {
        self.owner.write(owner);
        self.operator.write(operator);
        self.fact_registry.write(fact_registry);
        self.program_hash.write(program_hash);
        self.bootloader_program_hash.write(bootloader_program_hash);
        self.model_program_hash.write(model_program_hash);
        self.verifier_config_hash.write(verifier_config_hash);
        self.min_security_bits.write(min_security_bits);
        store_limits(ref self, max_single_bps, min_diversification);
        self.max_snapshot_age_blocks.write(max_snapshot_age_blocks);
        self.accepts_supplied_metrics.write(accepts_supplied_metrics);
        self.token.write(token);
        // No cap until the owner sets one.
        self.max_move.write(u256 { low: 0xffffffffffffffffffffffffffffffff, high: 0xffffffffffffffffffffffffffffffff });
        let jediswap = deploy_strategy(strategy_class, token, JEDISWAP);
        let ekubo = deploy_strategy(strategy_class, token, EKUBO);
        store_strategies(ref self, jediswap, ekubo);
    }

    fn deploy_strategy(class: ClassHash, token: ContractAddress, protocol: felt252) -> ContractAddress {
        let mut arguments = ArrayTrait::new();
        arguments.append(get_contract_address().into());
        arguments.append(token.into());
        arguments.append(protocol);
        let (address, _) = deploy_syscall(class, protocol, arguments.span(), false).unwrap_syscall();
        address
    }

    fn only_owner(self: @ContractState) {
        assert(get_caller_address() == self.owner.read(), 'caller is not the owner');
    }

    fn strategy(address: ContractAddress) -> IStrategyDispatcher {
        IStrategyDispatcher { contract_address: address }
    }

    fn erc20(self: @ContractState) -> IERC20Dispatcher {
        IERC20Dispatcher { contract_address: self.token.read() }
    }

    fn treasury_of(self: @ContractState) -> Treasury {
        Treasury {
            idle: erc20(self).balance_of(get_contract_address()),
            jediswap: strategy(self.jediswap_strategy.read()).total_assets(),
            ekubo: strategy(self.ekubo_strategy.read()).total_assets(),
        }
    }

    // Reverts unless `address` is a strategy of this vault, for this token, putting funds into `protocol`.
    fn check_strategy(self: @ContractState, address: ContractAddress, protocol: felt252) {
        let candidate = strategy(address);
        assert(candidate.vault() == get_contract_address(), 'strategy: not of this vault');
        assert(candidate.asset() == self.token.read(), 'strategy: not the token');
        assert(candidate.protocol() == protocol, 'strategy: wrong protocol');
    }

    fn store_strategies(ref self: ContractState, jediswap: ContractAddress, ekubo: ContractAddress) {
        check_strategy(@self, jediswap, JEDISWAP);
        check_strategy(@self, ekubo, EKUBO);
        self.jediswap_strategy.write(jediswap);
        self.ekubo_strategy.write(ekubo);
        self.emit(StrategiesChanged { jediswap, ekubo });
    }

    // Moves the treasury so each strategy holds its share of it; reverts, naming the cause, when execution
    // is paused, there is nothing to allocate or the move is above the owner's cap.
    fn rebalance(ref self: ContractState, decision_id: felt252, jediswap_bps: u32, ekubo_bps: u32) {
        assert(!self.paused.read(), 'execution paused');
        let before = treasury_of(@self);
        let total = before.idle + before.jediswap + before.ekubo;
        assert(total > 0, 'insufficient funds: no treasury');
        let (jediswap_target, ekubo_target) = targets(total, jediswap_bps, ekubo_bps);
        let moves = moves(before.jediswap, before.ekubo, jediswap_target, ekubo_target);
        assert(moved(moves) <= self.max_move.read(), 'move above max_move');
        let jediswap = strategy(self.jediswap_strategy.read());
        let ekubo = strategy(self.ekubo_strategy.read());
        // Withdrawals first, so the vault holds what the deposits then take.
        if moves.jediswap_withdrawn > 0 {
            jediswap.withdraw(moves.jediswap_withdrawn);
        }
        if moves.ekubo_withdrawn > 0 {
            ekubo.withdraw(moves.ekubo_withdrawn);
        }
        put(@self, jediswap, moves.jediswap_deposited);
        put(@self, ekubo, moves.ekubo_deposited);
        let after = treasury_of(@self);
        self
            .emit(
                TreasuryRebalanced {
                    decision_id,
                    jediswap_withdrawn: moves.jediswap_withdrawn,
                    jediswap_deposited: moves.jediswap_deposited,
                    ekubo_withdrawn: moves.ekubo_withdrawn,
                    ekubo_deposited: moves.ekubo_deposited,
                    idle_before: before.idle,
                    jediswap_before: before.jediswap,
                    ekubo_before: before.ekubo,
                    idle_after: after.idle,
                    jediswap_after: after.jediswap,
                    ekubo_after: after.ekubo,
                }
            );
    }

    fn put(self: @ContractState, into: IStrategyDispatcher, amount: u256) {
        if amount > 0 {
            assert(erc20(self).approve(into.contract_address, amount), 'approve failed');
            into.deposit(amount);
        }
    }

    // Brings everything a strategy holds back to the vault.
    fn recall(address: ContractAddress) {
        let held = strategy(address).total_assets();
        if held > 0 {
            strategy(address).withdraw(held);
        }
    }
    // Reverts unless the outputs' market snapshot is fresh and newer than the last executed one (or, on a
    // vault that accepts them, the zero snapshot of supplied metrics); records it as the last.
    fn check_snapshot(ref self: ContractState, block: felt252, hash: felt252) {
        if block == 0 && hash == 0 {
            assert(self.accepts_supplied_metrics.read(), 'supplied metrics refused');
            return;
        }
        let block: u64 = block.try_into().expect('outputs: block not a u64');
        let now = get_block_number();
        assert(block <= now, 'snapshot from the future');
        assert(block > self.last_snapshot_block.read(), 'snapshot not newer than last');
        assert(now - block <= self.max_snapshot_age_blocks.read(), 'snapshot too old');
        self.last_snapshot_block.write(block);
    }

    fn store_limits(ref self: ContractState, max_single_bps: u32, min_diversification: u32) {
        check_limits_range(max_single_bps, min_diversification);
        self.max_single_bps.write(max_single_bps);
        self.min_diversification.write(min_diversification);
        self.emit(LimitsChanged { max_single_bps, min_diversification });
    }

    #[abi(embed_v0)]
    impl AllocationVaultImpl of IAllocationVault<ContractState> {
        fn approve_model(ref self: ContractState, model_hash: felt252) {
            only_owner(@self);
            self.approved.write(model_hash, true);
            self.emit(ModelApproved { model_hash });
        }

        fn revoke_model(ref self: ContractState, model_hash: felt252) {
            only_owner(@self);
            self.approved.write(model_hash, false);
            self.emit(ModelRevoked { model_hash });
        }

        fn execute_allocation(ref self: ContractState, decision_id: felt252, outputs: Array<felt252>) -> felt252 {
            assert(get_caller_address() == self.operator.read(), 'caller is not the operator');
            assert(outputs.len() == OUTPUTS_LEN, 'outputs: expected 31 felts');
            assert(!self.done.read(decision_id), 'decision already executed');
            let model_hash = *outputs.at(MODEL_HASH);
            let model = outputs.span().slice(MODEL_AT, MODEL_LEN);
            assert(model_hash == model_hash_of(self.model_program_hash.read(), model), 'model hash not of its params');
            assert(self.approved.read(model_hash), 'model not approved');
            let (jediswap_bps, ekubo_bps) = check_split(
                *outputs.at(JEDISWAP_BPS),
                *outputs.at(EKUBO_BPS),
                self.max_single_bps.read(),
                self.min_diversification.read()
            );
            // A proof of the program itself, or (when a bootloader is set) of the bootloader running it
            // once, as Atlantic proves a PIE: either fact unlocks these outputs, once.
            let program_hash = self.program_hash.read();
            let direct = fact_of(program_hash, outputs.span());
            let bootloader = self.bootloader_program_hash.read();
            let mut bootloaded = 0;
            if bootloader != 0 {
                bootloaded = bootloaded_fact_of(bootloader, program_hash, outputs.span());
            }
            assert(!self.fact_done.read(direct), 'proof already executed');
            assert(bootloader == 0 || !self.fact_done.read(bootloaded), 'proof already executed');
            let registry = IFactRegistryDispatcher { contract_address: self.fact_registry.read() };
            let mut fact_hash = direct;
            let mut list = registry.get_all_verifications_for_fact_hash(direct);
            if list.len() == 0 && bootloader != 0 {
                fact_hash = bootloaded;
                list = registry.get_all_verifications_for_fact_hash(bootloaded);
            }
            check_verifications(list.span(), self.verifier_config_hash.read(), self.min_security_bits.read());
            check_snapshot(ref self, *outputs.at(SNAPSHOT_BLOCK), *outputs.at(SNAPSHOT_HASH));
            let allocation = Allocation {
                decision_id,
                model_hash,
                jediswap_risk: *outputs.at(JEDISWAP_RISK),
                ekubo_risk: *outputs.at(EKUBO_RISK),
                jediswap_bps: *outputs.at(JEDISWAP_BPS),
                ekubo_bps: *outputs.at(EKUBO_BPS),
                fact_hash,
                block_number: get_block_number(),
            };
            self.done.write(decision_id, true);
            self.fact_done.write(direct, true);
            if bootloader != 0 {
                self.fact_done.write(bootloaded, true);
            }
            self.current.write(allocation);
            rebalance(ref self, decision_id, jediswap_bps, ekubo_bps);
            self
                .emit(
                    AllocationExecuted {
                        decision_id,
                        model_hash,
                        fact_hash,
                        jediswap_risk: allocation.jediswap_risk,
                        ekubo_risk: allocation.ekubo_risk,
                        jediswap_bps: allocation.jediswap_bps,
                        ekubo_bps: allocation.ekubo_bps,
                    }
                );
            fact_hash
        }

        fn current_allocation(self: @ContractState) -> Allocation {
            self.current.read()
        }

        fn is_model_approved(self: @ContractState, model_hash: felt252) -> bool {
            self.approved.read(model_hash)
        }

        fn model_hash(self: @ContractState, model: Array<felt252>) -> felt252 {
            model_hash_of(self.model_program_hash.read(), model.span())
        }

        fn executed(self: @ContractState, decision_id: felt252) -> bool {
            self.done.read(decision_id)
        }

        fn bootloader_program_hash(self: @ContractState) -> felt252 {
            self.bootloader_program_hash.read()
        }

        // What the gate checks: (program hash, verifier configuration hash, minimum security bits).
        fn gate(self: @ContractState) -> (felt252, felt252, u32) {
            (self.program_hash.read(), self.verifier_config_hash.read(), self.min_security_bits.read())
        }

        fn set_limits(ref self: ContractState, max_single_bps: u32, min_diversification: u32) {
            only_owner(@self);
            store_limits(ref self, max_single_bps, min_diversification);
        }

        fn set_max_snapshot_age(ref self: ContractState, max_snapshot_age_blocks: u64) {
            only_owner(@self);
            self.max_snapshot_age_blocks.write(max_snapshot_age_blocks);
        }

        fn freshness(self: @ContractState) -> (u64, u64, bool) {
            (
                self.last_snapshot_block.read(),
                self.max_snapshot_age_blocks.read(),
                self.accepts_supplied_metrics.read()
            )
        }

        // (largest single share in bps, protocols that must receive at least 1000 bps).
        fn limits(self: @ContractState) -> (u32, u32) {
            (self.max_single_bps.read(), self.min_diversification.read())
        }

        fn deposit(ref self: ContractState, amount: u256) {
            only_owner(@self);
            let moved = erc20(@self).transfer_from(get_caller_address(), get_contract_address(), amount);
            assert(moved, 'transfer_from failed');
            self.emit(TreasuryDeposited { amount });
        }

        // Pays the owner from idle funds first, then from JediSwap's strategy, then Ekubo's.
        fn withdraw(ref self: ContractState, amount: u256) {
            only_owner(@self);
            let (from_jediswap, from_ekubo) = withdrawal_sources(amount, treasury_of(@self));
            if from_jediswap > 0 {
                strategy(self.jediswap_strategy.read()).withdraw(from_jediswap);
            }
            if from_ekubo > 0 {
                strategy(self.ekubo_strategy.read()).withdraw(from_ekubo);
            }
            assert(erc20(@self).transfer(get_caller_address(), amount), 'transfer failed');
            self.emit(TreasuryWithdrawn { amount });
        }

        fn treasury(self: @ContractState) -> Treasury {
            treasury_of(self)
        }

        fn token(self: @ContractState) -> ContractAddress {
            self.token.read()
        }

        fn strategies(self: @ContractState) -> (ContractAddress, ContractAddress) {
            (self.jediswap_strategy.read(), self.ekubo_strategy.read())
        }

        fn set_strategies(ref self: ContractState, jediswap: ContractAddress, ekubo: ContractAddress) {
            only_owner(@self);
            recall(self.jediswap_strategy.read());
            recall(self.ekubo_strategy.read());
            store_strategies(ref self, jediswap, ekubo);
        }

        fn set_paused(ref self: ContractState, paused: bool) {
            only_owner(@self);
            self.paused.write(paused);
            self.emit(ExecutionControlsChanged { paused, max_move: self.max_move.read() });
        }

        fn set_max_move(ref self: ContractState, max_move: u256) {
            only_owner(@self);
            self.max_move.write(max_move);
            self.emit(ExecutionControlsChanged { paused: self.paused.read(), max_move });
        }

        fn execution_controls(self: @ContractState) -> (bool, u256) {
            (self.paused.read(), self.max_move.read())
        }
    }
}
