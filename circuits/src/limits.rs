//! The bounds every value is held to, in one place.
//!
//! The circuit's overflow argument (see the crate docs) is stated in terms of these constants;
//! the snapshot parser enforces them on the prover's side and the statement parser on the
//! verifier's side, so a value outside them never reaches a witness or an instance.

/// Most assets one statement may declare: underlyings and reserve-only assets together.
pub const MAX_ASSETS: usize = 64;
/// Asset counts the circuits are compiled for; a statement uses the narrowest that holds its
/// assets, padded to it by assets of scale, haircut and prices 0, which add nothing to any
/// scenario's reserves whatever their balance, and which no position can name (no band of
/// the moneyness table has their index). Up to 8 every count is its own width: those are the
/// shapes of the pinned keys of the first releases, so every proof made with them still
/// verifies. Above, powers of two: a width costs its assets' rows and table rows, never rows
/// per position (`docs/performance.md`, "Assets").
pub const ASSET_WIDTHS: [usize; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 64];

/// The narrowest asset width holding `assets` assets.
pub fn asset_width(assets: usize) -> Option<usize> {
    ASSET_WIDTHS.into_iter().find(|&w| w >= assets)
}

/// Balances the reserve commitment `C_R` absorbs at asset width `width`: at least 8, the
/// fixed count of the first releases (so their `C_R` is unchanged), else the width. Balances
/// past the declared assets are 0.
pub const fn reserve_slots(width: usize) -> usize {
    if width < 8 {
        8
    } else {
        width
    }
}
/// Most stress scenarios one policy may declare.
pub const MAX_SCENARIOS: usize = 16;
/// Most decimals an asset may declare, on-chain and as proof precision (a scale factor
/// `10^(D - p)` then fits in 60 bits).
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
/// Largest `k` of a single proof: the largest whose parameters the verification site carries
/// (and a contract most likely stores). A book whose single circuit would be taller — 513 to
/// 1,024 positions of 64 assets and 16 scenarios, at k = 16 — is proven as shards.
pub const MAX_SINGLE_K: u32 = 15;

/// Latest time any timestamp or expiry may be: 2100-01-01T00:00:00Z in unix seconds. Far
/// enough for any option, and it refuses milliseconds (`Date.now()` is above 1.7 × 10^12),
/// which would otherwise be proven and then print as a year past 9999.
pub const MAX_TIMESTAMP: u64 = 4_102_444_800;
/// Depth of the largest liabilities tree one circuit holds: `2^12 = 4,096` slots, proven at
/// k = 15 in about 7 GB. (At depth 14, k = 17, proving needs more than the 24 GiB of the
/// reference machine.) Larger books are split into shards of [`shard_depth`].
pub const MAX_DEPTH: u32 = 12;
/// Depth of the tree of shards above the shard subtrees: at most `2^10 = 1,024` shards.
pub const MAX_SHARD_DEPTH: u32 = 10;
/// Depth of one shard's subtree in a large book: `2^10 = 1,024` slots, proven at k = 15 in
/// about 1.3 GB. Books of at most this many positions get a single proof; larger ones are
/// sharded, into shards of [`shard_depth`].
pub const SHARD_DEPTH: u32 = 10;
/// Depth of one shard's subtree in a book of at most `2^MAX_SMALL_TOP_DEPTH` such shards:
/// `2^9 = 512` slots, proven at k = 14.
pub const SMALL_SHARD_DEPTH: u32 = 9;
/// Depth of the tree of shards above shards of [`SMALL_SHARD_DEPTH`]: at most `2^5 = 32` of
/// them, 16,384 positions; a larger book gets shards of [`SHARD_DEPTH`].
pub const MAX_SMALL_TOP_DEPTH: u32 = 5;
/// Every depth a shard may have, with the deepest tree of shards above it: a verifier accepts
/// either, whichever the prover chose.
pub const SHARD_DEPTHS: [(u32, u32); 2] = [
    (SMALL_SHARD_DEPTH, MAX_SMALL_TOP_DEPTH),
    (SHARD_DEPTH, MAX_SHARD_DEPTH),
];

/// Depth of the shards a sharded book of `positions` positions is split into.
///
/// Half-size shards make twice as many proofs, each a little more than half the work. A book
/// of 1,025–2,048 positions then makes two proofs instead of one, so both cores of the
/// reference machine prove, and the shard key takes half as long: 2,000 positions are proven
/// 19 % faster. Up to 16,384 positions they also halve the prover's peak memory (1.7 GB
/// against 3.4 GB) and the verification time (k = 14 parameters are half as many points to
/// decompress), for proof sets 1.5–1.8× larger, at the same proving time from about 4,000
/// positions up (`docs/performance.md`). Larger books keep shards of [`SHARD_DEPTH`]: half as
/// many proofs to publish and to verify on-chain, where one transaction carries a whole set.
pub const fn shard_depth(positions: usize) -> u32 {
    if positions <= 1 << (SMALL_SHARD_DEPTH + MAX_SMALL_TOP_DEPTH) {
        SMALL_SHARD_DEPTH
    } else {
        SHARD_DEPTH
    }
}

/// Most positions of one book: 1,024 shards of 1,024.
pub const MAX_POSITIONS: usize = 1 << (SHARD_DEPTH + MAX_SHARD_DEPTH);

/// Longest name — protocol, asset symbol, scenario name — in bytes. Names are public and
/// enter every proof file.
pub const MAX_NAME_BYTES: usize = 64;
/// Longest account id (and reserve location), in bytes: room for any chain's address or an
/// internal id, while a position stays small.
pub const MAX_ACCOUNT_BYTES: usize = 256;
/// Largest snapshot file: 1 GiB, above the largest book of [`MAX_POSITIONS`] positions with
/// ids of [`MAX_ACCOUNT_BYTES`] (about 450 MB pretty-printed). Checked before parsing.
pub const MAX_SNAPSHOT_BYTES: u64 = 1 << 30;
/// Largest proof, proof-set, shard, inclusion or reserve-opening file: 64 MiB, four times
/// the largest proof set the prover writes (1,024 shard proofs, about 16 MB of hex). Checked
/// before parsing, so an endless pipe or a huge file is refused in bounded memory.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Scenario lane counts the circuits are compiled for; a policy uses the smallest that fits,
/// its scenarios padded to it.
pub const LANE_WIDTHS: [usize; 3] = [4, 9, 16];

/// The narrowest lane width holding `scenarios` scenarios.
pub fn lane_width(scenarios: usize) -> Option<usize> {
    LANE_WIDTHS.into_iter().find(|&w| w >= scenarios)
}

/// Refuses an input of `len` bytes above `limit`: the one check, and the one wording, of every
/// size limit, whether the input is a file, a pipe or bytes handed to a parser.
pub fn within(len: u64, limit: u64) -> Result<(), String> {
    if len > limit {
        return Err(format!(
            "{len} bytes, larger than {} MiB, the most this file may hold",
            limit >> 20
        ));
    }
    Ok(())
}

/// Reads the file at `path` whole, refusing one larger than `limit` bytes before parsing: a
/// regular file by its size, a pipe or device after `limit + 1` bytes, so an endless input
/// costs at most `limit` bytes of memory.
pub fn read_limited(path: &std::path::Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let too_large = |e| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() {
        within(meta.len(), limit).map_err(too_large)?;
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    within(bytes.len() as u64, limit).map_err(too_large)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_limited_refuses_files_and_pipes_past_the_limit() {
        let dir = std::env::temp_dir().join(format!("limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, [7u8; 100]).unwrap();
        assert_eq!(read_limited(&file, 100).unwrap().len(), 100);
        let e = read_limited(&file, 99).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        // An endless device is cut off at the limit, not read to exhaustion.
        #[cfg(unix)]
        {
            let e = read_limited(std::path::Path::new("/dev/zero"), 1 << 20).unwrap_err();
            assert!(e.to_string().contains("the most this file may hold"), "{e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Every sharded book gets shards whose tree of shards is within the depth pinned for
    /// them, from the smallest sharded book to the largest.
    #[test]
    fn every_sharded_book_gets_shards_with_a_pinned_tree_of_shards() {
        let small = 1 << (SMALL_SHARD_DEPTH + MAX_SMALL_TOP_DEPTH);
        for positions in [(1 << SHARD_DEPTH) + 1, small, small + 1, MAX_POSITIONS] {
            let depth = shard_depth(positions);
            let shards = positions.div_ceil(1 << depth);
            let (_, top) = SHARD_DEPTHS.into_iter().find(|&(d, _)| d == depth).unwrap();
            assert!((2..=1 << top).contains(&shards), "{positions}: {shards}");
        }
        assert_eq!(shard_depth(small), SMALL_SHARD_DEPTH);
        assert_eq!(shard_depth(small + 1), SHARD_DEPTH);
    }
}
