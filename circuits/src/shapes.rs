//! Circuit shapes: everything that fixes a circuit's layout, and so its verifying key — never
//! a price, a haircut, the ratio or a date — with the rows and `k` each layout needs.
//!
//! A [`Shape`] is a single-proof or shard circuit's, a [`TopShape`] a sharded book's top
//! circuit's. The witness builders, the circuits and the key registry (`keys`) all
//! read them from here.

use ff::Field;
use serde::{Deserialize, Serialize};

use crate::bands::band_rows;
use crate::commit::{empty_root, sums_commitment};
use crate::gadgets::{
    hash::merkle_rows,
    poseidon::{self, batch_rows},
    positions, range,
};
use crate::limits::{
    asset_width, lane_width, reserve_slots, ASSET_WIDTHS, LANE_WIDTHS, MAX_DEPTH, MAX_SHARD_DEPTH,
    MAX_SINGLE_K, SHARD_DEPTH,
};
use crate::statement::{Fp, Public, Statement};

/// Poseidon lanes side by side (see [`crate::gadgets::poseidon`]): the fewest that keep the
/// 2,047 hashes of a shard of `2^10` slots, and the positions' blocks laid in the same
/// columns, within `2^15` rows (two lanes would need 37,900 rows for the hashes alone).
/// Fewer, taller columns make a smaller proof: each column is a commitment and evaluations
/// in every proof, whatever its height (`docs/performance.md`).
pub const HASH_LANES: usize = 3;

/// Running-sum columns of the range checker (see [`crate::gadgets::range`]): the fewest that
/// keep the four checks per slot of a shard of `2^10` slots (16,384 rows on two columns) and
/// the positions' blocks laid in the same columns within `2^15` rows.
pub const RANGE_COLUMNS: usize = 2;

/// Rows halo2 reserves at the end of every column for blinding, with margin.
const BLINDING_ROWS: usize = 10;

/// Everything that fixes the circuit's layout, and so its verifying key: never a price, a
/// haircut, the ratio or a date. A policy's scenarios are padded to the lane width (a padded
/// lane has price 0, is never in the money and is covered trivially), and its assets to the
/// asset width (a padded asset has scale, haircut and prices 0, so its balance adds nothing,
/// and no band, so no position names it): one shape serves every statement of up to
/// `assets` assets and `lanes` scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shape {
    /// Asset width, one of [`ASSET_WIDTHS`].
    pub assets: usize,
    /// Scenario lanes, one of [`LANE_WIDTHS`].
    pub lanes: usize,
    /// The liabilities tree has `2^depth` slots.
    pub depth: u32,
}

impl Shape {
    /// The smallest shape holding `positions` positions for this public data.
    pub fn for_book(public: &Public, positions: usize) -> Self {
        let depth = positions.max(1).next_power_of_two().trailing_zeros();
        Shape {
            assets: public.asset_width(),
            lanes: lane_width(public.policy.scenarios.len()).unwrap_or(0),
            depth,
        }
    }

    /// Whether this is a shape the circuit supports (an asset and a lane width it is
    /// compiled for, at most [`MAX_DEPTH`]).
    pub fn is_supported(&self) -> bool {
        ASSET_WIDTHS.contains(&self.assets)
            && LANE_WIDTHS.contains(&self.lanes)
            && self.depth <= MAX_DEPTH
    }

    /// Whether this shape is one the circuit supports for `public`.
    pub fn fits(&self, public: &Public) -> bool {
        self.is_supported()
            && Some(self.assets) == asset_width(public.assets.len())
            && Some(self.lanes) == lane_width(public.policy.scenarios.len())
    }

    /// Slots of the liabilities tree.
    pub fn slots(&self) -> usize {
        1 << self.depth
    }

    /// Rows the single-proof circuit's layout needs, per region group laid side by side; the
    /// tallest wins.
    pub fn rows(&self) -> usize {
        self.layout_rows(true)
    }

    /// `log2` of the single-proof circuit's rows.
    pub fn k(&self) -> u32 {
        k_for(self.rows())
    }

    /// Rows a shard circuit's layout needs: the book's part alone, without the reserves'
    /// commitment, their range checks and the coverage of the single circuit. (Up to 8
    /// assets it gives the `k` of [`Shape::rows`], which counted both; a wide shard would
    /// otherwise pay a doubled `k` for 33 permutations it never makes.)
    pub fn shard_rows(&self) -> usize {
        self.layout_rows(false)
    }

    /// `log2` of a shard circuit's rows.
    pub fn shard_k(&self) -> u32 {
        k_for(self.shard_rows())
    }

    /// Rows of the single-proof circuit (`reserves`) or of a shard circuit.
    fn layout_rows(&self, reserves: bool) -> usize {
        let slots = self.slots();
        let lanes = self.lanes;
        let positions = positions::rows(lanes, slots);
        let tables = (band_rows(self.assets, lanes)).max(256);
        // Leaves, tree and one commitment: the shard circuit's lane sums', the single
        // circuit's reserves' (counted with the lane sums', as the first releases did).
        let leaves = poseidon::rows(HASH_LANES, slots, 2) + merkle_rows(HASH_LANES, slots);
        let (commitment, words, checks, coverage) = if reserves {
            let slots = reserve_slots(self.assets);
            (
                batch_rows(slots + 1).max(batch_rows(lanes + 1)),
                2 * slots + 8,
                self.assets + 5 * lanes,
                slots + 1 + lanes * (self.assets + 2),
            )
        } else {
            (batch_rows(lanes + 1), 2 * lanes + 8, 0, 0)
        };
        let range = range::rows(RANGE_COLUMNS, 4 * slots + checks);
        let hashing = leaves + commitment;
        // The positions' blocks lie in the hash lanes', range checker's and words' columns
        // (`BookConfig::configure`), so their rows add to those of every group.
        let shared = range.max(hashing).max(words);
        tallest([positions + shared, coverage, tables])
    }
}

/// Whether one proof holds a book of `positions` positions with this public data (at most
/// `2^SHARD_DEPTH` positions, in a circuit of at most [`MAX_SINGLE_K`]), or it is proven as a
/// set of shards: the prover's split, which the verifier's replay and audit and the
/// distributed commands follow.
pub fn one_proof_holds(public: &Public, positions: usize) -> bool {
    positions <= 1 << SHARD_DEPTH && Shape::for_book(public, positions).k() <= MAX_SINGLE_K
}

/// Rows of a layout whose column groups, laid side by side, need `groups` rows each: the
/// tallest group, plus the rows halo2 reserves for blinding.
fn tallest(groups: impl IntoIterator<Item = usize>) -> usize {
    groups.into_iter().max().unwrap_or(0) + BLINDING_ROWS
}

/// The smallest `k` with `2^k ≥ rows`.
fn k_for(rows: usize) -> u32 {
    rows.next_power_of_two().trailing_zeros()
}

/// Poseidon lanes of the top circuit. It hashes a long message per shard (its sums
/// commitment), so every lane absorbs, and its height grows with the book: ten lanes keep
/// 1,024 shards at `2^15` rows.
pub const TOP_HASH_LANES: usize = 10;

/// What a top proof's first public input binds besides the statement. The top circuit's
/// constraints, and so its key, are the same over shards of any depth: binding the depth into
/// the transcript makes a top proof made over shards of one depth fail when its set is
/// relabelled to another. It does not give the depth a meaning by itself (a prover can name
/// any depth); the shard proofs' key does, checked beside the top off-chain and recorded per
/// shard on-chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopBinding {
    /// The statement and the shard depth ([`Statement::top_digest`]): what every top proof
    /// is made with, from `solvency-proof-set/5` on.
    StatementAndShardDepth,
    /// The statement only ([`Statement::digest`]): top proofs of `solvency-proof-set/3` and
    /// `/4` files, still read. Their shard depth is fixed by their shard proofs' key.
    Statement,
}

/// The top circuit's layout: assets, lanes and the depth of the tree of shards.
///
/// The tree of shards has `2^depth` leaves, and the circuit opens a sums commitment and reads
/// a sub-root for every one of them: the proven shards are the first ones, and the others
/// are empty — their sub-root is the constant root of an empty subtree of height
/// `shard_depth` and their sums commitment the constant commitment to zero sums under a zero
/// blinding ([`TopShape::instance`]), both put in the instance by the verifier. So one
/// key serves every shard count of a depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopShape {
    /// Asset width, one of [`ASSET_WIDTHS`].
    pub assets: usize,
    /// Scenario lanes, one of [`LANE_WIDTHS`].
    pub lanes: usize,
    /// The tree of shards has `2^depth` leaves.
    pub depth: u32,
    /// Depth of each shard's subtree.
    pub shard_depth: u32,
}

impl TopShape {
    /// The top shape over `shards` shards of `shard_shape`: the fewest leaves holding them.
    pub fn for_shards(shard_shape: Shape, shards: usize) -> Self {
        TopShape {
            assets: shard_shape.assets,
            lanes: shard_shape.lanes,
            depth: shards.max(1).next_power_of_two().trailing_zeros(),
            shard_depth: shard_shape.depth,
        }
    }

    /// Leaves of the tree of shards.
    pub fn slots(&self) -> usize {
        1 << self.depth
    }

    /// Whether this is a shape the circuit supports.
    pub fn is_supported(&self) -> bool {
        ASSET_WIDTHS.contains(&self.assets)
            && LANE_WIDTHS.contains(&self.lanes)
            && self.depth <= MAX_SHARD_DEPTH
            && self.shard_depth <= MAX_DEPTH
    }

    /// Whether this shape is supported for `public`.
    pub fn fits(&self, public: &Public) -> bool {
        self.is_supported()
            && Some(self.assets) == asset_width(public.assets.len())
            && Some(self.lanes) == lane_width(public.policy.scenarios.len())
    }

    /// The top proof's instance for `statement` over the proven shards' `links`, padded with
    /// empty shards up to [`TopShape::slots`], its first input as `binding` says.
    pub fn instance(
        &self,
        statement: &Statement,
        links: &[(Fp, Fp)],
        binding: TopBinding,
    ) -> Vec<Fp> {
        let digest = match binding {
            TopBinding::StatementAndShardDepth => statement.top_digest(self.shard_depth),
            TopBinding::Statement => statement.digest(),
        };
        statement.top_instance(digest, &self.padded_links(links))
    }

    /// The proven shards' `(sub-root, sums commitment)`, followed by those of empty shards
    /// up to [`TopShape::slots`]: the pairs the top instance holds.
    fn padded_links(&self, links: &[(Fp, Fp)]) -> Vec<(Fp, Fp)> {
        let empty = (
            empty_root(self.shard_depth),
            sums_commitment(&vec![Fp::ZERO; self.lanes], Fp::ZERO),
        );
        let mut all = links.to_vec();
        all.resize(self.slots().max(links.len()), empty);
        all
    }

    /// Rows the layout needs; the tallest column group wins.
    pub fn rows(&self) -> usize {
        let n = self.slots();
        let depth = self.depth as usize;
        let lanes = self.lanes;
        let reserves = reserve_slots(self.assets);
        let hashing = poseidon::rows(TOP_HASH_LANES, n, lanes + 1)
            + merkle_rows(TOP_HASH_LANES, n)
            + batch_rows(reserves + 1);
        // Sums, blindings and sub-roots of every shard, balances, constants.
        let words = n * (lanes + 2) + 2 * reserves + depth + 8;
        let coverage = lanes * (self.assets + 2) + lanes * (n + 1);
        // Zero padding of odd-length commitments, two per lane in the coverage chip.
        let constants = n + depth + 2 * lanes + 8;
        let range = range::rows(1, self.assets + 5 * lanes);
        tallest([hashing, words, coverage, constants, range, 256])
    }

    /// `log2` of the circuit's rows.
    pub fn k(&self) -> u32 {
        k_for(self.rows())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::reference_public;

    /// One proof up to 1,024 positions, unless its circuit would pass k = 15: then shards of
    /// 512, whose `k` is 14 at every asset width.
    #[test]
    fn a_single_proof_is_never_above_the_largest_single_k() {
        let narrow = reference_public(4, 9);
        assert!(one_proof_holds(&narrow, 1 << SHARD_DEPTH));
        assert!(!one_proof_holds(&narrow, (1 << SHARD_DEPTH) + 1));
        let wide = reference_public(64, 16);
        assert!(one_proof_holds(&wide, 512));
        assert_eq!(Shape::for_book(&wide, 513).k(), 16);
        assert!(!one_proof_holds(&wide, 513));
        let shard = Shape {
            depth: crate::limits::shard_depth(513),
            ..Shape::for_book(&wide, 513)
        };
        assert_eq!(shard.shard_k(), 14);
        // Every other width and lane count keeps its single proofs up to 1,024 positions.
        for assets in ASSET_WIDTHS {
            for lanes in LANE_WIDTHS {
                let public = reference_public(assets, lanes);
                let holds = one_proof_holds(&public, 1 << SHARD_DEPTH);
                assert_eq!(holds, (assets, lanes) != (64, 16), "{assets} × {lanes}");
            }
        }
    }
}
