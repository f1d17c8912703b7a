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
use crate::circuit::Shape;
use crate::commit::{account_commitment, leaf, pack, padding_leaf, reserve_commitment, MerkleTree};
use crate::gadgets::positions::Slot;
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

/// Derives the statement, shape, witness and tree of `book` under `secrets`.
///
/// Positions go to secret pseudo-random slots of the tree (padding fills the rest), so a
/// leaf's index tells its holder nothing about the book's order.
pub fn prepare(book: &Book, secrets: &Secrets, previous: Option<[u8; 32]>) -> Prepared {
    let public = &book.public;
    let shape = Shape::for_book(public, book.positions.len());
    let lanes = shape.lanes().expect("validated scenario count");
    let bands = bands(public);
    let scale = public.scale_factors();
    let prices = public.shocked_prices();

    let mut order: Vec<usize> = (0..shape.slots()).collect();
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
    let mut slots = vec![slot(None, &bands, &scale, &prices, lanes); shape.slots()];
    let mut leaves = vec![padding_leaf(); shape.slots()];
    for ((row, leaf), &at) in rows.into_iter().zip(&slot_of) {
        slots[at] = row;
        leaves[at] = leaf;
    }
    let tree = MerkleTree::new(shape.depth, &leaves);

    let blinding = secrets.blinding();
    let statement = Statement {
        public: public.clone(),
        reserve_commitment: reserve_commitment(&book.reserves, blinding),
        liabilities_root: tree.root(),
        previous,
    };
    let witness = Witness {
        balances: book.reserves.iter().map(|&b| Fp::from(b)).collect(),
        blinding,
        slots,
    };
    Prepared {
        statement,
        shape,
        witness,
        tree,
        slot_of,
    }
}
