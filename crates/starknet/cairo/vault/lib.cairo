// starkrisk's vault crate: the AllocationVault (the on-chain gate that also holds the treasury), the
// strategies it moves funds between, and what they share with Integrity and the ERC-20 token.
mod interfaces;
mod gate;
mod treasury;
mod events;
mod allocation_vault;
mod holding_strategy;
