//! One sample of a pool: what the sampler records at one block and the derivation reads back.

use serde::{Deserialize, Serialize};

use crate::felt::Felt;
use crate::market::{Amount, SqrtPrice};

/// A pool read at one block, every value pinned to that block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSample {
    /// The block every reading was made at.
    pub block_number: u64,
    /// That block's hash, so a reorg is visible.
    pub block_hash: Felt,
    /// That block's timestamp, Unix seconds.
    pub timestamp: u64,
    /// The pool price.
    pub price: SqrtPrice,
    /// The pool's active liquidity.
    pub liquidity: u128,
    /// Both balances valued in the quote token.
    pub tvl: Amount,
    /// Quote-token volume of the swaps after the previous sample, up to and including this block.
    pub volume: Amount,
    /// Fees charged on that volume, in the quote token.
    pub fees: Amount,
}
