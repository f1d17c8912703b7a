//! From a validated book to the public statement and the circuit's witness.
//!
//! Secrets — the reserve blinding and each account's salt — derive from one 32-byte seed, so
//! that every machine proving part of a book agrees on them without talking, and the seed (kept
//! by the protocol with its reserve opening) is the only secret to store.

use std::collections::HashMap;

use ff::{Field, FromUniformBytes};
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use rayon::prelude::*;

use crate::bands::{band_of, bands, Band};
use crate::circuit::{top::TopShape, Shape};
use crate::commit::{
    account_commitment, leaf, pack, padding_leaf, reserve_commitment, sums_commitment, MerkleTree,
};
use crate::gadgets::positions::Slot;
use crate::limits::MAX_SCENARIOS;
use crate::snapshot::{Book, Position};
use crate::statement::{Fp, Kind, Statement};

/// The private inputs of one solvency circuit, exactly as assigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// Reserve balance of each asset.
    pub balances: Vec<Fp>,
    /// The blinding of `C_R`.
    pub blinding: Fp,
    /// One entry per tree slot; slots past the positions are padding.
    pub slots: Vec<Slot>,
}

/// Secrets of one epoch's proof, derived from a seed.
#[derive(Clone, Debug)]
pub struct Secrets {
    seed: [u8; 32],
}

impl Secrets {
    /// Secrets derived from `seed`.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Secrets { seed }
    }

    fn derive(&self, label: &str, data: &[u8]) -> [u8; 64] {
        *blake2b_simd::Params::new()
            .hash_length(64)
            .key(&self.seed)
            .personal(b"solvency-seed/1\0")
            .to_state()
            .update(label.as_bytes())
            .update(&[0])
            .update(data)
            .finalize()
            .as_array()
    }

    /// A 32-byte seed for the randomness labelled `label`.
    pub fn seed_for(&self, label: &str) -> [u8; 32] {
        self.derive(label, b"")[..32].try_into().expect("64 >= 32")
    }

    /// The blinding of the reserve commitment.
    pub fn blinding(&self) -> Fp {
        Fp::from_uniform_bytes(&self.derive("reserve-blinding", b""))
    }

    /// The blinding of shard `index`'s sums commitment.
    pub fn shard_blinding(&self, index: usize) -> Fp {
        Fp::from_uniform_bytes(&self.derive("shard-blinding", &(index as u64).to_le_bytes()))
    }

    /// The salt of `account`'s leaf commitments.
    pub fn salt(&self, account: &str) -> Fp {
        Fp::from_uniform_bytes(&self.derive("account-salt", account.as_bytes()))
    }
}

/// Everything the prover derives from a book before proving.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The statement the proof will prove.
    pub statement: Statement,
    /// The circuit shape.
    pub shape: Shape,
    /// The circuit witness.
    pub witness: Witness,
    /// The liabilities tree, for inclusion paths.
    pub tree: MerkleTree,
    /// The tree slot of each position, in book order.
    pub slot_of: Vec<usize>,
}

/// The witness row of a position, or of a padding slot when `position` is `None`.
fn slot(
    position: Option<(&Position, Fp)>,
    bands: &[Band],
    scale: &[u64],
    prices: &[Vec<u64>],
    lanes: usize,
) -> Slot {
    let (underlying, kind, strike) = position.map_or((0, Kind::Call, 0), |(p, _)| {
        (p.underlying, p.kind, p.strike)
    });
    let band = band_of(bands, underlying, kind, strike);
    let lane = |l: usize| prices[underlying].get(l).copied();
    Slot {
        account: position.map_or(Fp::ZERO, |(_, a)| a),
        underlying: Fp::from(underlying as u64),
        kind: Fp::from(kind.bit()),
        strike: Fp::from(strike),
        size: Fp::from(position.map_or(0, |(p, _)| p.size)),
        expiry: Fp::from(position.map_or(0, |(p, _)| p.expiry)),
        packed: position.map_or(Fp::ZERO, |(p, _)| pack(p)),
        lo: Fp::from(band.lo),
        hi: Fp::from(band.hi),
        scale: Fp::from(scale[underlying]),
        itm: (0..lanes)
            .map(|l| Fp::from(u64::from(band.itm.get(l).copied().unwrap_or(false))))
            .collect(),
        price: (0..lanes).map(|l| Fp::from(lane(l).unwrap_or(0))).collect(),
    }
}

/// A book spread over the `2^depth` slots of its tree.
struct Layout {
    slots: Vec<Slot>,
    tree: MerkleTree,
    slot_of: Vec<usize>,
}

/// Places the positions at secret pseudo-random slots (padding fills the rest), so a leaf's
/// index tells its holder nothing about the book's order, and builds the tree.
fn layout(book: &Book, secrets: &Secrets, depth: u32, lanes: usize) -> Layout {
    let public = &book.public;
    let bands = bands(public);
    let scale = public.scale_factors();
    let prices = public.shocked_prices();
    let slots_n = 1usize << depth;

    let mut order: Vec<usize> = (0..slots_n).collect();
    order.shuffle(&mut StdRng::from_seed(secrets.seed_for("slot-order")));
    let slot_of = order[..book.positions.len()].to_vec();

    let salts: HashMap<&str, Fp> = book
        .positions
        .iter()
        .map(|p| (p.account.as_str(), secrets.salt(&p.account)))
        .collect();
    let rows: Vec<(Slot, Fp)> = book
        .positions
        .par_iter()
        .map(|p| {
            let account = account_commitment(&p.account, salts[p.account.as_str()]);
            (
                slot(Some((p, account)), &bands, &scale, &prices, lanes),
                leaf(account, pack(p)),
            )
        })
        .collect();
    let mut slots = vec![slot(None, &bands, &scale, &prices, lanes); slots_n];
    let mut leaves = vec![padding_leaf(); slots_n];
    for ((row, leaf), &at) in rows.into_iter().zip(&slot_of) {
        slots[at] = row;
        leaves[at] = leaf;
    }
    Layout {
        slots,
        tree: MerkleTree::new(depth, &leaves),
        slot_of,
    }
}

/// The statement a book proves under `secrets`, given its tree.
fn statement(
    book: &Book,
    secrets: &Secrets,
    tree: &MerkleTree,
    previous: Option<[u8; 32]>,
) -> Statement {
    Statement {
        public: book.public.clone(),
        reserve_commitment: reserve_commitment(&book.reserves, secrets.blinding()),
        liabilities_root: tree.root(),
        previous,
    }
}

fn balances(book: &Book) -> Vec<Fp> {
    book.reserves.iter().map(|&b| Fp::from(b)).collect()
}

/// Derives the statement, shape, witness and tree of `book` under `secrets`, for a book that
/// fits one circuit (at most `2^MAX_DEPTH` positions).
pub fn prepare(book: &Book, secrets: &Secrets, previous: Option<[u8; 32]>) -> Prepared {
    let shape = Shape::for_book(&book.public, book.positions.len());
    let lanes = shape.lanes().expect("validated scenario count");
    let Layout {
        slots,
        tree,
        slot_of,
    } = layout(book, secrets, shape.depth, lanes);
    let witness = Witness {
        balances: balances(book),
        blinding: secrets.blinding(),
        slots,
    };
    Prepared {
        statement: statement(book, secrets, &tree, previous),
        shape,
        witness,
        tree,
        slot_of,
    }
}

/// One shard's private inputs: its slots and the blinding of its sums commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardWitness {
    /// The shard's slots.
    pub slots: Vec<Slot>,
    /// Blinding of the commitment to its lane sums.
    pub blinding: Fp,
}

impl ShardWitness {
    /// Per-lane liability sums, as the positions chip computes them; unused lanes are 0.
    pub fn sums(&self) -> [Fp; MAX_SCENARIOS] {
        let mut sums = [Fp::ZERO; MAX_SCENARIOS];
        for slot in &self.slots {
            for (sum, term) in sums.iter_mut().zip(slot.liabilities()) {
                *sum += term;
            }
        }
        sums
    }
}

/// The top proof's private inputs: the reserves and every shard's opened sums.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopWitness {
    /// Reserve balance of each asset.
    pub balances: Vec<Fp>,
    /// The blinding of `C_R`.
    pub blinding: Fp,
    /// Each shard's lane sums and their blinding.
    pub shards: Vec<([Fp; MAX_SCENARIOS], Fp)>,
}

/// Everything the prover derives from a book too large for one circuit.
#[derive(Clone, Debug)]
pub struct PreparedSet {
    /// The statement the proof set proves.
    pub statement: Statement,
    /// The shape of every shard circuit.
    pub shard_shape: Shape,
    /// The shape of the top circuit.
    pub top_shape: TopShape,
    /// Each shard's witness.
    pub shards: Vec<ShardWitness>,
    /// Each shard's public inputs: sub-root and sums commitment.
    pub links: Vec<(Fp, Fp)>,
    /// The top circuit's witness.
    pub top: TopWitness,
    /// The whole book's tree (shard subtrees under the tree of shards).
    pub tree: MerkleTree,
    /// The tree slot of each position, in book order.
    pub slot_of: Vec<usize>,
}

/// Depth of the tree of shards for `positions` positions in shards of `2^shard_depth` slots.
pub fn shard_tree_depth(positions: usize, shard_depth: u32) -> u32 {
    let depth = positions.max(1).next_power_of_two().trailing_zeros();
    depth.saturating_sub(shard_depth)
}

/// Splits `book` into shards of `2^shard_depth` slots (the prover uses
/// [`crate::limits::SHARD_DEPTH`]) and derives every witness. The book's tree is one tree:
/// shard `i` is the subtree of slots `[i·2^d, (i+1)·2^d)`, so inclusion paths run from a leaf
/// through its shard to `R_L` unchanged.
pub fn prepare_set(
    book: &Book,
    secrets: &Secrets,
    previous: Option<[u8; 32]>,
    shard_depth: u32,
) -> PreparedSet {
    let public = &book.public;
    let shard_shape = Shape {
        assets: public.assets.len(),
        scenarios: public.policy.scenarios.len(),
        depth: shard_depth,
    };
    let depth = Shape::for_book(public, book.positions.len())
        .depth
        .max(shard_depth);
    let top_shape = TopShape {
        assets: shard_shape.assets,
        scenarios: shard_shape.scenarios,
        depth: depth - shard_depth,
    };
    let lanes = shard_shape.lanes().expect("validated scenario count");
    let Layout {
        slots,
        tree,
        slot_of,
    } = layout(book, secrets, depth, lanes);
    let shards: Vec<ShardWitness> = slots
        .chunks(1 << shard_depth)
        .enumerate()
        .map(|(i, slots)| ShardWitness {
            slots: slots.to_vec(),
            blinding: secrets.shard_blinding(i),
        })
        .collect();
    let opened: Vec<([Fp; MAX_SCENARIOS], Fp)> =
        shards.par_iter().map(|s| (s.sums(), s.blinding)).collect();
    let links = opened
        .iter()
        .zip(&tree.levels()[shard_depth as usize])
        .map(|((sums, blinding), &root)| (root, sums_commitment(sums, *blinding)))
        .collect();
    PreparedSet {
        statement: statement(book, secrets, &tree, previous),
        shard_shape,
        top_shape,
        shards,
        links,
        top: TopWitness {
            balances: balances(book),
            blinding: secrets.blinding(),
            shards: opened,
        },
        tree,
        slot_of,
    }
}
