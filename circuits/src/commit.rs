//! Commitments, natively: the reserve commitment `C_R`, position leaves and the liabilities tree.
//!
//! These are the out-of-circuit twins of the hashes the circuit computes; both sides use
//! Poseidon `P128Pow5T3` over the Pallas base field in one of two [`Domain`]s, so a value
//! computed here equals the one the circuit constrains.

use ff::{Field, FromUniformBytes, PrimeField};
use halo2_gadgets::poseidon::primitives::{ConstantLength, Hash, P128Pow5T3, Spec};
use rayon::prelude::*;

use crate::limits::{asset_width, reserve_slots, MAX_ASSETS};
use crate::snapshot::Position;
use crate::statement::Fp;

/// Bit offsets of the fields packed into a leaf's second input. Each part is held in-circuit
/// below its width (underlying < 64 and kind ∈ {0,1} by the band lookup, strike, size and
/// expiry < 2^64 by range checks), so the packing is injective and stays below 2^201 < p.
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

/// What a hash is of. The domain is the capacity word the hash's first permutation starts
/// from, so (short of a Poseidon collision) no digest of one domain is a digest of another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// A message of a fixed number of words: `halo2_poseidon`'s `ConstantLength<L>`, capacity
    /// `L · 2^64`. Account commitments, leaves and hiding commitments.
    Message,
    /// An internal node of a tree over its two children: capacity `2 · 2^64 + 2^128`. Every
    /// `ConstantLength` capacity is below `2^128` (a length below `2^64` times `2^64`), so a
    /// node never equals a leaf over the same two words: the tree's shape does not rest on
    /// its depth alone.
    Node,
}

impl Domain {
    /// The capacity word of a hash of `words` words in this domain.
    pub fn capacity(self, words: usize) -> Fp {
        let length = Fp::from_u128((words as u128) << 64);
        match self {
            Domain::Message => length,
            Domain::Node => length + pow2(128),
        }
    }
}

/// Poseidon of two field elements in [`Domain::Message`]: leaves and account commitments.
pub fn hash2(a: Fp, b: Fp) -> Fp {
    Hash::<_, P128Pow5T3, ConstantLength<2>, 3, 2>::init().hash([a, b])
}

/// A node of a tree: Poseidon of its children in [`Domain::Node`].
pub fn node(left: Fp, right: Fp) -> Fp {
    sponge2(Domain::Node.capacity(2), [left, right])
}

/// The `P128Pow5T3` permutation of `[words, capacity]`, first word out: Poseidon of two words
/// from any capacity. `halo2_poseidon` runs this sponge for `ConstantLength` domains only; a
/// test holds it equal to that for [`Domain::Message`].
fn sponge2(capacity: Fp, words: [Fp; 2]) -> Fp {
    type S = P128Pow5T3;
    let (round_constants, mds, _) = <S as Spec<Fp, 3, 2>>::constants();
    let half = <S as Spec<Fp, 3, 2>>::full_rounds() / 2;
    let partial = <S as Spec<Fp, 3, 2>>::partial_rounds();
    let mut state = [words[0], words[1], capacity];
    for (round, constants) in round_constants.iter().enumerate() {
        let full = round < half || round >= half + partial;
        for (word, c) in state.iter_mut().zip(constants) {
            *word += c;
        }
        // A full round's S-box takes every word, a partial round's the first one.
        for word in state.iter_mut().take(if full { 3 } else { 1 }) {
            *word = <S as Spec<Fp, 3, 2>>::sbox(*word);
        }
        state = mds.map(|row| row.iter().zip(&state).map(|(m, w)| *m * w).sum());
    }
    state[0]
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
    (0..height).fold(padding_leaf(), |child, _| node(child, child))
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

/// `C_R = Poseidon(b_0, …, b_{S−1}, blinding)` over `S = reserve_slots(width)` balances
/// (8 up to 8 assets, else the asset width: 16, 32 or 64), those past the declared assets
/// zero: one `ConstantLength<S + 1>` sponge, `⌈(S + 1) / 2⌉` permutations.
pub fn reserve_commitment(balances: &[u64], blinding: Fp) -> Fp {
    let words: Vec<Fp> = balances.iter().map(|&b| Fp::from(b)).collect();
    let width = asset_width(balances.len()).expect("at most MAX_ASSETS balances");
    match reserve_slots(width) {
        8 => hiding_commitment::<9>(&words, blinding),
        16 => hiding_commitment::<17>(&words, blinding),
        32 => hiding_commitment::<33>(&words, blinding),
        64 => hiding_commitment::<{ MAX_ASSETS + 1 }>(&words, blinding),
        other => unreachable!("no reserve commitment over {other} balances"),
    }
}

/// A shard's commitment to its per-lane liability sums: `Poseidon(sums ‖ blinding)` over its
/// circuit's lane width (one of [`crate::limits::LANE_WIDTHS`]), so the top circuit hashes
/// `lanes + 1` words per shard, not `MAX_SCENARIOS + 1`.
pub fn sums_commitment(sums: &[Fp], blinding: Fp) -> Fp {
    crate::with_lanes!(@width sums.len(), |LANES| {
        hiding_commitment::<{ LANES + 1 }>(sums, blinding)
    })
}

/// A complete binary Poseidon Merkle tree of fixed depth; slots past the leaves hold
/// [`padding_leaf`]. Nodes are hashed in [`Domain::Node`], leaves in [`Domain::Message`];
/// the depth is part of the circuit shape, so the tree's size is bound too.
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
                .map(|pair| node(pair[0], pair[1]))
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
    path.iter().enumerate().fold(leaf, |child, (h, &sibling)| {
        if (index >> h) & 1 == 0 {
            node(child, sibling)
        } else {
            node(sibling, child)
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
    fn the_native_sponge_is_halo2_poseidon_and_nodes_are_not_leaves() {
        let (a, b) = (Fp::from(3), Fp::from(5));
        assert_eq!(sponge2(Domain::Message.capacity(2), [a, b]), hash2(a, b));
        assert_ne!(node(a, b), hash2(a, b));
        assert_ne!(Domain::Node.capacity(2), Domain::Message.capacity(2));
        // A tree of one level over two leaves is a node, not a leaf over them: the root of the
        // old, single-domain tree is not this tree's root.
        let tree = MerkleTree::new(1, &[a, b]);
        assert_eq!(tree.root(), node(a, b));
        assert_ne!(tree.root(), hash2(a, b));
        assert_ne!(root_from_path(a, 0, &[b]), hash2(a, b));
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
        // Up to 8 assets, the commitment of the first releases: 8 balances and the blinding.
        let mut eight = [0u64; 8];
        eight[..2].copy_from_slice(&[1, 2]);
        let words: Vec<Fp> = eight.iter().map(|&b| Fp::from(b)).collect();
        assert_eq!(c, hiding_commitment::<9>(&words, Fp::from(3)));
        // At 64 assets every balance is bound, the last one too.
        let mut wide = [5u64; MAX_ASSETS];
        let c = reserve_commitment(&wide, Fp::from(3));
        wide[MAX_ASSETS - 1] += 1;
        assert_ne!(c, reserve_commitment(&wide, Fp::from(3)));
        // Declared assets of one width pad with zeros to it, as the circuit does.
        assert_eq!(
            reserve_commitment(&[1; 9], Fp::from(3)),
            reserve_commitment(&[1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], Fp::from(3))
        );
    }

    #[test]
    fn account_commitment_depends_on_salt_and_id() {
        let a = account_commitment("alice", Fp::from(1));
        assert_ne!(a, account_commitment("alice", Fp::from(2)));
        assert_ne!(a, account_commitment("bob", Fp::from(1)));
    }
}
