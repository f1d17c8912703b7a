//! Prints, as markdown, what assets cost each circuit shape: the rows per position (which the
//! asset count never changes), the band table's rows and the `k` of the smallest single
//! proof, of the shards and of the largest single proof, per asset width and lane width.
//!
//! `asset-cost` (no arguments).

use solvency_circuits::{
    bands::band_rows,
    gadgets::{poseidon::batch_rows, positions::block_rows},
    limits::{reserve_slots, ASSET_WIDTHS, LANE_WIDTHS, SHARD_DEPTH, SMALL_SHARD_DEPTH},
    shapes::Shape,
};

fn main() {
    println!("| asset width | lanes | rows per position | band table rows | C_R permutations (rows) | single k, depth 0 | shard k, depth 9 / 10 | single k, depth 10 |");
    println!("|---|---|---|---|---|---|---|---|");
    for lanes in LANE_WIDTHS {
        for assets in ASSET_WIDTHS {
            let shape = |depth| Shape {
                assets,
                lanes,
                depth,
            };
            println!(
                "| {assets} | {lanes} | {} | {} | {} ({}) | {} | {} / {} | {} |",
                block_rows(lanes),
                band_rows(assets, lanes),
                (reserve_slots(assets) + 1).div_ceil(2),
                batch_rows(reserve_slots(assets) + 1),
                shape(0).k(),
                shape(SMALL_SHARD_DEPTH).shard_k(),
                shape(SHARD_DEPTH).shard_k(),
                shape(SHARD_DEPTH).k(),
            );
        }
    }
}
