//! The bounds every value is held to, in one place.
//!
//! The circuit's overflow argument (see the crate docs) is stated in terms of these constants;
//! the snapshot parser enforces them on the prover's side and the statement parser on the
//! verifier's side, so a value outside them never reaches a witness or an instance.

/// Most assets one statement may declare.
pub const MAX_ASSETS: usize = 8;
/// Most stress scenarios one policy may declare.
pub const MAX_SCENARIOS: usize = 16;
/// Most decimals an asset may declare (`10^(D - d)` then fits in 60 bits).
pub const MAX_DECIMALS: u32 = 18;
/// Decimal places of prices and strikes (1e-8 USD).
pub const PRICE_DECIMALS: u32 = 8;
/// Smallest collateral ratio: 100 %.
pub const MIN_RATIO_BPS: u64 = 10_000;
/// Largest collateral ratio: 10,000 % (keeps the ratio below 2^20).
pub const MAX_RATIO_BPS: u64 = 1_000_000;
/// Largest haircut: 100 %.
pub const MAX_HAIRCUT_BPS: u64 = 10_000;
/// Smallest price shock: −99.99 %.
pub const MIN_SHOCK_BPS: i64 = -9_999;
/// Largest price shock: +1,000 %.
pub const MAX_SHOCK_BPS: i64 = 100_000;
/// Depth of the largest liabilities tree one circuit holds: `2^12 = 4,096` slots, proven at
/// k = 15 in about 7 GB. (At depth 14, k = 17, proving needs more than the 24 GiB of the
/// reference machine.) Larger books are split into shards of [`SHARD_DEPTH`].
pub const MAX_DEPTH: u32 = 12;
/// Depth of the tree of shards above the shard subtrees: at most `2^10 = 1,024` shards.
pub const MAX_SHARD_DEPTH: u32 = 10;
/// Depth of one shard's subtree: `2^10 = 1,024` slots, proven at k = 15 in about 1.3 GB.
/// Books of at most this many positions get a single proof; larger ones are sharded.
pub const SHARD_DEPTH: u32 = 10;
/// Most positions of one book: 1,024 shards of 1,024.
pub const MAX_POSITIONS: usize = 1 << (SHARD_DEPTH + MAX_SHARD_DEPTH);

/// Scenario lane counts the circuits are compiled for; a policy uses the smallest that fits,
/// its scenarios padded to it.
pub const LANE_WIDTHS: [usize; 3] = [4, 9, 16];

/// The narrowest lane width holding `scenarios` scenarios.
pub fn lane_width(scenarios: usize) -> Option<usize> {
    LANE_WIDTHS.into_iter().find(|&w| w >= scenarios)
}
