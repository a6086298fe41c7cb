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

#[starknet::interface]
trait IFactRegistry<TContractState> {
    fn get_all_verifications_for_fact_hash(
        self: @TContractState, fact_hash: felt252
    ) -> Array<VerificationListElement>;
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
    fn set_limits(ref self: TContractState, max_single_bps: u32, min_diversification: u32);
    fn limits(self: @TContractState) -> (u32, u32);
    fn set_max_snapshot_age(ref self: TContractState, max_snapshot_age_blocks: u64);
    // (last executed snapshot block, largest snapshot age in blocks, whether supplied metrics are accepted).
    fn freshness(self: @TContractState) -> (u64, u64, bool);
}

#[starknet::contract]
mod AllocationVault {
    use super::{
        Allocation, IFactRegistryDispatcher, IFactRegistryDispatcherTrait, VerificationListElement,
        VerifierConfiguration
    };
    use array::ArrayTrait;
    use array::SpanTrait;
    use poseidon::poseidon_hash_span;
    use core::sha256::compute_sha256_byte_array;
    use starknet::{ContractAddress, get_caller_address};
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
    // All shares are out of this many basis points; a protocol counts as diversified from a tenth of it.
    const TOTAL_BPS: u32 = 10000;
    const DIVERSIFIED_BPS: u32 = 1000;
    const PROTOCOLS: u32 = 2;
    // The Stark field's prime, which the model hash's SHA-256 digest is reduced by.
    const FIELD_PRIME: u256 = 0x800000000000011000000000000000000000000000000000000000000000001;

    #[storage]
    struct Storage {
        owner: ContractAddress,
        operator: ContractAddress,
        fact_registry: ContractAddress,
        program_hash: felt252,
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
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        AllocationExecuted: AllocationExecuted,
        ModelApproved: ModelApproved,
        ModelRevoked: ModelRevoked,
        LimitsChanged: LimitsChanged,
    }

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
        accepts_supplied_metrics: bool
    ) {
        self.owner.write(owner);
        self.operator.write(operator);
        self.fact_registry.write(fact_registry);
        self.program_hash.write(program_hash);
        self.model_program_hash.write(model_program_hash);
        self.verifier_config_hash.write(verifier_config_hash);
        self.min_security_bits.write(min_security_bits);
        store_limits(ref self, max_single_bps, min_diversification);
        self.max_snapshot_age_blocks.write(max_snapshot_age_blocks);
        self.accepts_supplied_metrics.write(accepts_supplied_metrics);
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

    // SHA-256 over the tag, the version (4 bytes), each parameter (8 bytes) and the program hash (32 bytes),
    // big-endian, reduced modulo the field prime: the service's `ModelHash::compute`, byte for byte.
    fn model_hash_of(program_hash: felt252, model: Span<felt252>) -> felt252 {
        assert(model.len() == MODEL_LEN, 'model: expected 12 felts');
        let mut bytes: ByteArray = "starkrisk/model-hash/v1";
        let version: u32 = (*model.at(0)).try_into().expect('model: version not a u32');
        bytes.append_word(version.into(), 4);
        let mut at = 1;
        while at < MODEL_LEN {
            let parameter: u64 = (*model.at(at)).try_into().expect('model: parameter not a u64');
            bytes.append_word(parameter.into(), 8);
            at += 1;
        };
        let program: u256 = program_hash.into();
        bytes.append_word(program.high.into(), 16);
        bytes.append_word(program.low.into(), 16);
        let [a, b, c, d, e, f, g, h] = compute_sha256_byte_array(@bytes);
        let digest = u256 {
            high: words_u128(a, b, c, d), low: words_u128(e, f, g, h),
        };
        (digest % FIELD_PRIME).try_into().expect('reduced below the prime')
    }

    // Four big-endian 32-bit words as one 128-bit number.
    fn words_u128(a: u32, b: u32, c: u32, d: u32) -> u128 {
        let shift: u128 = 0x100000000;
        ((a.into() * shift + b.into()) * shift + c.into()) * shift + d.into()
    }

    fn store_limits(ref self: ContractState, max_single_bps: u32, min_diversification: u32) {
        assert(max_single_bps <= TOTAL_BPS, 'max_single_bps above 10000');
        assert(min_diversification <= PROTOCOLS, 'min_diversification above 2');
        self.max_single_bps.write(max_single_bps);
        self.min_diversification.write(min_diversification);
        self.emit(LimitsChanged { max_single_bps, min_diversification });
    }

    // Reverts, naming the limit, when a split breaks the governance limits.
    fn check_limits(self: @ContractState, jediswap_bps: felt252, ekubo_bps: felt252) {
        let jediswap: u32 = jediswap_bps.try_into().expect('outputs: share not a u32');
        let ekubo: u32 = ekubo_bps.try_into().expect('outputs: share not a u32');
        let max = self.max_single_bps.read();
        assert(jediswap <= max && ekubo <= max, 'share above max_single_bps');
        let mut diversified: u32 = 0;
        if jediswap >= DIVERSIFIED_BPS {
            diversified += 1;
        }
        if ekubo >= DIVERSIFIED_BPS {
            diversified += 1;
        }
        assert(diversified >= self.min_diversification.read(), 'below min_diversification');
    }

    fn config_hash(config: VerifierConfiguration) -> felt252 {
        let mut words = ArrayTrait::new();
        words.append(config.layout);
        words.append(config.hasher);
        words.append(config.stone_version);
        words.append(config.memory_verification);
        poseidon_hash_span(words.span())
    }

    // Reverts unless one verification has the expected configuration and enough bits, naming which failed.
    fn check_verifications(self: @ContractState, mut list: Span<VerificationListElement>) {
        assert(list.len() > 0, 'fact has no verification');
        let expected = self.verifier_config_hash.read();
        let min_bits = self.min_security_bits.read();
        let mut config_seen = false;
        let mut found = false;
        loop {
            match list.pop_front() {
                Option::Some(v) => {
                    let verification = *v;
                    if config_hash(verification.verifier_config) == expected {
                        config_seen = true;
                        if verification.security_bits >= min_bits {
                            found = true;
                            break;
                        }
                    }
                },
                Option::None => {
                    break;
                },
            };
        };
        assert(config_seen, 'verifier config mismatch');
        assert(found, 'too few security bits');
    }

    #[abi(embed_v0)]
    impl AllocationVaultImpl of super::IAllocationVault<ContractState> {
        fn approve_model(ref self: ContractState, model_hash: felt252) {
            assert(get_caller_address() == self.owner.read(), 'caller is not the owner');
            self.approved.write(model_hash, true);
            self.emit(ModelApproved { model_hash });
        }

        fn revoke_model(ref self: ContractState, model_hash: felt252) {
            assert(get_caller_address() == self.owner.read(), 'caller is not the owner');
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
            check_limits(@self, *outputs.at(JEDISWAP_BPS), *outputs.at(EKUBO_BPS));
            let output_hash = poseidon_hash_span(outputs.span());
            let mut pair = ArrayTrait::new();
            pair.append(self.program_hash.read());
            pair.append(output_hash);
            let fact_hash = poseidon_hash_span(pair.span());
            assert(!self.fact_done.read(fact_hash), 'proof already executed');
            let registry = IFactRegistryDispatcher { contract_address: self.fact_registry.read() };
            let list = registry.get_all_verifications_for_fact_hash(fact_hash);
            check_verifications(@self, list.span());
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
            self.fact_done.write(fact_hash, true);
            self.current.write(allocation);
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

        // What the gate checks: (program hash, verifier configuration hash, minimum security bits).
        fn gate(self: @ContractState) -> (felt252, felt252, u32) {
            (self.program_hash.read(), self.verifier_config_hash.read(), self.min_security_bits.read())
        }

        fn set_limits(ref self: ContractState, max_single_bps: u32, min_diversification: u32) {
            assert(get_caller_address() == self.owner.read(), 'caller is not the owner');
            store_limits(ref self, max_single_bps, min_diversification);
        }

        fn set_max_snapshot_age(ref self: ContractState, max_snapshot_age_blocks: u64) {
            assert(get_caller_address() == self.owner.read(), 'caller is not the owner');
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
    }
}
