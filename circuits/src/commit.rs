//! Commitments, natively: the reserve commitment `C_R`, position leaves and the liabilities tree.
//!
//! These are the out-of-circuit twins of the hashes the circuit computes; both sides use
//! Poseidon `P128Pow5T3` over the Pallas base field with a `ConstantLength` domain, so a value
//! computed here equals the one the circuit constrains.

use ff::{Field, FromUniformBytes};
use halo2_gadgets::poseidon::primitives::{ConstantLength, Hash, P128Pow5T3};
use rayon::prelude::*;

use crate::limits::MAX_ASSETS;
use crate::snapshot::Position;
use crate::statement::Fp;

/// Bit offsets of the fields packed into a leaf's second input. Each part is range-checked
/// in-circuit to its width (underlying < 8, kind ∈ {0,1}, strike, size and expiry < 2^64),
/// so the packing is injective and stays below 2^201 < p.
pub mod packing {
    /// Underlying asset index: bits 0..8.
    pub const UNDERLYING: u32 = 0;
    /// Kind (call 0, put 1): bit 8.
    pub const KIND: u32 = 8;
    /// Strike: bits 9..73.
    pub const STRIKE: u32 = 9;
    /// Size: bits 73..137.
    pub const SIZE: u32 = 73;
    /// Expiry: bits 137..201.
    pub const EXPIRY: u32 = 137;
}

/// `2^bits` in the field.
pub fn pow2(bits: u32) -> Fp {
    Fp::from(2).pow_vartime([u64::from(bits)])
}

/// Poseidon of two field elements: the tree's node hash and the leaf hash.
pub fn hash2(a: Fp, b: Fp) -> Fp {
    Hash::<_, P128Pow5T3, ConstantLength<2>, 3, 2>::init().hash([a, b])
}

/// An account id as a field element (BLAKE2b-512, reduced).
pub fn account_field(account: &str) -> Fp {
    let h = blake2b_simd::Params::new()
        .hash_length(64)
        .personal(b"solvency-acct/1\0")
        .hash(account.as_bytes());
    Fp::from_uniform_bytes(h.as_array())
}

/// The salted account commitment a leaf carries: hides the account id from everyone but the
/// holder of the salt.
pub fn account_commitment(account: &str, salt: Fp) -> Fp {
    hash2(account_field(account), salt)
}

/// The position's fields packed into one field element (see [`packing`]).
pub fn pack(p: &Position) -> Fp {
    use packing::*;
    Fp::from(p.underlying as u64) * pow2(UNDERLYING)
        + Fp::from(p.kind.bit()) * pow2(KIND)
        + Fp::from(p.strike) * pow2(STRIKE)
        + Fp::from(p.size) * pow2(SIZE)
        + Fp::from(p.expiry) * pow2(EXPIRY)
}

/// A leaf of the liabilities tree: `H(account commitment, packed position)`.
pub fn leaf(account_commitment: Fp, packed: Fp) -> Fp {
    hash2(account_commitment, packed)
}

/// The leaf of an empty slot: a zero-size call on asset 0 owned by the zero commitment.
/// It is `H(0, 0)`, which no real account commitment reaches, and it adds nothing to any sum.
pub fn padding_leaf() -> Fp {
    hash2(Fp::ZERO, Fp::ZERO)
}

/// Root of a subtree of `2^height` empty slots, so that a tree may leave whole subtrees out
/// (the top circuit's missing shards) and still have the root of the complete tree.
pub fn empty_root(height: u32) -> Fp {
    (0..height).fold(padding_leaf(), |node, _| hash2(node, node))
}

/// The roots of empty subtrees of heights `from, from + 1, …, from + count − 1`.
pub fn empty_roots(from: u32, count: u32) -> Vec<Fp> {
    (from..from + count).map(empty_root).collect()
}

/// `Poseidon(words ‖ 0… ‖ blinding)` over `N` elements: the hiding commitment the circuit's
/// hash pool computes (`HashInstructions::commit`).
pub fn hiding_commitment<const N: usize>(words: &[Fp], blinding: Fp) -> Fp {
    assert!(words.len() < N, "{} words do not fit {N}", words.len());
    let mut msg = [Fp::ZERO; N];
    msg[..words.len()].copy_from_slice(words);
    msg[N - 1] = blinding;
    Hash::<_, P128Pow5T3, ConstantLength<N>, 3, 2>::init().hash(msg)
}

/// `C_R = Poseidon(b_0, …, b_7, blinding)`; balances of undeclared assets are zero.
pub fn reserve_commitment(balances: &[u64], blinding: Fp) -> Fp {
    let words: Vec<Fp> = balances.iter().map(|&b| Fp::from(b)).collect();
    hiding_commitment::<{ MAX_ASSETS + 1 }>(&words, blinding)
}

/// A shard's commitment to its per-lane liability sums: `Poseidon(sums ‖ blinding)` over its
/// circuit's lane width (one of [`crate::circuit::LANE_WIDTHS`]), so the top circuit hashes
/// `lanes + 1` words per shard, not `MAX_SCENARIOS + 1`.
pub fn sums_commitment(sums: &[Fp], blinding: Fp) -> Fp {
    crate::with_lanes!(@width sums.len(), |LANES| {
        hiding_commitment::<{ LANES + 1 }>(sums, blinding)
    })
}

/// A complete binary Poseidon Merkle tree of fixed depth; slots past the leaves hold
/// [`padding_leaf`]. The depth is part of the circuit shape, so the tree's size is bound.
#[derive(Clone, Debug)]
pub struct MerkleTree {
    /// `levels[0]` are the `2^depth` leaves; the last level is the root alone.
    levels: Vec<Vec<Fp>>,
}

impl MerkleTree {
    /// Builds the tree of `2^depth` slots over `leaves` (at most `2^depth` of them).
    pub fn new(depth: u32, leaves: &[Fp]) -> Self {
        let slots = 1usize << depth;
        assert!(
            leaves.len() <= slots,
            "{} leaves exceed {slots} slots",
            leaves.len()
        );
        let mut level = leaves.to_vec();
        level.resize(slots, padding_leaf());
        let mut levels = vec![level];
        while levels.last().expect("non-empty").len() > 1 {
            let next = levels
                .last()
                .expect("non-empty")
                .par_chunks(2)
                .map(|pair| hash2(pair[0], pair[1]))
                .collect();
            levels.push(next);
        }
        MerkleTree { levels }
    }

    /// The root, `R_L`.
    pub fn root(&self) -> Fp {
        self.levels.last().expect("non-empty")[0]
    }

    /// Every level, leaves first.
    pub fn levels(&self) -> &[Vec<Fp>] {
        &self.levels
    }

    /// The sibling of each node on the way from leaf `index` to the root.
    pub fn path(&self, index: usize) -> Vec<Fp> {
        self.levels[..self.levels.len() - 1]
            .iter()
            .enumerate()
            .map(|(h, level)| level[(index >> h) ^ 1])
            .collect()
    }
}

/// Recomputes the root from a leaf, its index and its sibling path.
pub fn root_from_path(leaf: Fp, index: usize, path: &[Fp]) -> Fp {
    path.iter().enumerate().fold(leaf, |node, (h, &sibling)| {
        if (index >> h) & 1 == 0 {
            hash2(node, sibling)
        } else {
            hash2(sibling, node)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statement::Kind;

    fn position(strike: u64) -> Position {
        Position {
            account: "alice".into(),
            underlying: 1,
            kind: Kind::Put,
            strike,
            size: 5,
            expiry: 9,
        }
    }

    #[test]
    fn paths_lead_to_the_root() {
        let leaves: Vec<Fp> = (0..5u64).map(Fp::from).collect();
        let tree = MerkleTree::new(3, &leaves);
        for (i, &l) in leaves.iter().enumerate() {
            assert_eq!(root_from_path(l, i, &tree.path(i)), tree.root());
        }
        assert_eq!(
            root_from_path(padding_leaf(), 7, &tree.path(7)),
            tree.root()
        );
        assert_ne!(root_from_path(leaves[1], 0, &tree.path(0)), tree.root());
    }

    #[test]
    fn empty_roots_are_roots_of_padding() {
        for height in 0..4 {
            assert_eq!(MerkleTree::new(height, &[]).root(), empty_root(height));
        }
        assert_eq!(empty_roots(2, 2), vec![empty_root(2), empty_root(3)]);
    }

    #[test]
    fn packing_is_injective_on_fields() {
        let p = position(100);
        assert_ne!(pack(&p), pack(&position(101)));
        let mut q = p.clone();
        q.kind = Kind::Call;
        assert_ne!(pack(&p), pack(&q));
        // Fields do not bleed into each other at their maxima.
        let mut max = p.clone();
        max.strike = u64::MAX;
        let mut carry = p.clone();
        carry.strike = 0;
        carry.size += 1;
        assert_ne!(pack(&max), pack(&carry));
    }

    #[test]
    fn reserve_commitment_binds_balances_and_blinding() {
        let c = reserve_commitment(&[1, 2], Fp::from(3));
        assert_ne!(c, reserve_commitment(&[1, 3], Fp::from(3)));
        assert_ne!(c, reserve_commitment(&[1, 2], Fp::from(4)));
        assert_eq!(c, reserve_commitment(&[1, 2, 0], Fp::from(3)));
    }

    #[test]
    fn account_commitment_depends_on_salt_and_id() {
        let a = account_commitment("alice", Fp::from(1));
        assert_ne!(a, account_commitment("alice", Fp::from(2)));
        assert_ne!(a, account_commitment("bob", Fp::from(1)));
    }
}
