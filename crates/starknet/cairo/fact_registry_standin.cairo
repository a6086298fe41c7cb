// A stand-in for Herodotus Integrity's FactRegistry, for devnet tests and the local profile only: the
// same read interface (`get_all_verifications_for_fact_hash`, `get_verification`), and an owner-only
// `register_fact` in place of proof verification. Sepolia and mainnet use Integrity's real registry.
use starknet::ContractAddress;

#[derive(Copy, Drop, Serde, starknet::Store)]
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
struct FactVerification {
    fact_hash: felt252,
    security_bits: u32,
    verifier_config: VerifierConfiguration,
}

#[starknet::interface]
trait IFactRegistryStandIn<TContractState> {
    fn get_all_verifications_for_fact_hash(
        self: @TContractState, fact_hash: felt252
    ) -> Array<VerificationListElement>;
    fn get_verification(self: @TContractState, verification_hash: felt252) -> Option<FactVerification>;
    fn register_fact(
        ref self: TContractState,
        fact_hash: felt252,
        security_bits: u32,
        verifier_config: VerifierConfiguration
    ) -> felt252;
}

#[starknet::contract]
mod FactRegistryStandIn {
    use super::{VerifierConfiguration, VerificationListElement, FactVerification};
    use array::ArrayTrait;
    use array::SpanTrait;
    use option::OptionTrait;
    use poseidon::poseidon_hash_span;
    use starknet::{ContractAddress, get_caller_address};
    use starknet::storage::{
        StoragePointerReadAccess, StoragePointerWriteAccess, Map, StorageMapReadAccess, StorageMapWriteAccess
    };
    use traits::Into;

    #[storage]
    struct Storage {
        owner: ContractAddress,
        // Verifications of a fact, as a list: count, then each entry's verification hash.
        count: Map<felt252, u32>,
        entry: Map<(felt252, u32), felt252>,
        verification: Map<felt252, FactVerification>,
        known: Map<felt252, bool>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        FactRegistered: FactRegistered,
    }

    // Integrity's event: every field a key, in this order, and no data.
    #[derive(Drop, starknet::Event)]
    struct FactRegistered {
        #[key]
        fact_hash: felt252,
        #[key]
        verifier_address: ContractAddress,
        #[key]
        security_bits: u32,
        #[key]
        verifier_config: VerifierConfiguration,
        #[key]
        verification_hash: felt252,
    }

    #[constructor]
    fn constructor(ref self: ContractState, owner: ContractAddress) {
        self.owner.write(owner);
    }

    fn config_hash(config: VerifierConfiguration) -> felt252 {
        let mut words = ArrayTrait::new();
        words.append(config.layout);
        words.append(config.hasher);
        words.append(config.stone_version);
        words.append(config.memory_verification);
        poseidon_hash_span(words.span())
    }

    #[abi(embed_v0)]
    impl FactRegistryStandInImpl of super::IFactRegistryStandIn<ContractState> {
        fn get_all_verifications_for_fact_hash(
            self: @ContractState, fact_hash: felt252
        ) -> Array<VerificationListElement> {
            let mut out = ArrayTrait::new();
            let n = self.count.read(fact_hash);
            let mut i: u32 = 0;
            loop {
                if i == n {
                    break;
                }
                let hash = self.entry.read((fact_hash, i));
                let recorded = self.verification.read(hash);
                out.append(
                    VerificationListElement {
                        verification_hash: hash,
                        security_bits: recorded.security_bits,
                        verifier_config: recorded.verifier_config,
                    }
                );
                i += 1;
            };
            out
        }

        fn get_verification(self: @ContractState, verification_hash: felt252) -> Option<FactVerification> {
            if self.known.read(verification_hash) {
                Option::Some(self.verification.read(verification_hash))
            } else {
                Option::None
            }
        }

        fn register_fact(
            ref self: ContractState,
            fact_hash: felt252,
            security_bits: u32,
            verifier_config: VerifierConfiguration
        ) -> felt252 {
            assert(get_caller_address() == self.owner.read(), 'caller is not the owner');
            // Integrity's verification hash: H(fact, H(config), security bits).
            let mut words = ArrayTrait::new();
            words.append(fact_hash);
            words.append(config_hash(verifier_config));
            words.append(security_bits.into());
            let verification_hash = poseidon_hash_span(words.span());
            if !self.known.read(verification_hash) {
                let n = self.count.read(fact_hash);
                self.entry.write((fact_hash, n), verification_hash);
                self.count.write(fact_hash, n + 1);
                self
                    .verification
                    .write(verification_hash, FactVerification { fact_hash, security_bits, verifier_config });
                self.known.write(verification_hash, true);
            }
            self
                .emit(
                    FactRegistered {
                        fact_hash,
                        verifier_address: get_caller_address(),
                        security_bits,
                        verifier_config,
                        verification_hash,
                    }
                );
            verification_hash
        }
    }
}
