//! From a validated book to the public statement and the circuit's witness.
//!
//! Secrets — the reserve blinding and each account's salt — derive from one 32-byte seed, so
//! that every machine proving part of a book agrees on them without talking, and the seed (kept
//! by the protocol with its reserve opening) is the only secret to store.

use std::{io::Read, ops::Range};

use ff::{Field, FromUniformBytes};
use rand::{rngs::StdRng, seq::SliceRandom, SeedableRng};
use rayon::prelude::*;

use crate::bands::{band_of, bands, Band};
use crate::commit::{
    account_commitment, leaf, pack, padding_leaf, reserve_commitment, sums_commitment, MerkleTree,
};
use crate::gadgets::positions::Slot;
use crate::limits::{shard_depth, MAX_SCENARIOS};
use crate::shapes::{one_proof_holds, Shape, TopShape};
use crate::snapshot::{Book, Header, Position, SnapshotError};
use crate::statement::{Fp, Kind, Public, Statement};

/// The private inputs of one solvency circuit, exactly as assigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// Reserve balance of each asset of the asset width (0 past the declared ones).
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

/// Where a book's positions sit: a secret pseudo-random slot for each, among the first
/// `used` slots of the tree (padding fills the rest), so a leaf's index tells its holder
/// nothing about the book's order. Placing is a shuffle of slot indices — cheap, and 8 bytes
/// per position — so each machine proving a few shards derives it from the position count
/// alone and keeps only its own shards' positions.
#[derive(Clone, Debug)]
struct Placement {
    secrets: Secrets,
    bands: Vec<Band>,
    scale: Vec<u64>,
    prices: Vec<Vec<u64>>,
    lanes: usize,
    /// The slot of each position, in book order.
    slot_of: Vec<usize>,
}

impl Placement {
    fn new(
        public: &Public,
        positions: usize,
        secrets: &Secrets,
        used: usize,
        lanes: usize,
    ) -> Self {
        assert!(positions <= used, "the slots hold the book");
        let mut order: Vec<usize> = (0..used).collect();
        order.shuffle(&mut StdRng::from_seed(secrets.seed_for("slot-order")));
        order.truncate(positions);
        order.shrink_to_fit();
        Placement {
            secrets: secrets.clone(),
            bands: bands(public),
            scale: public.scale_factors(),
            prices: public.shocked_prices(),
            lanes,
            slot_of: order,
        }
    }

    /// The witness rows and the leaves of consecutive slots, given the position in each
    /// (`None` for padding).
    fn rows(&self, positions: &[Option<&Position>]) -> (Vec<Slot>, Vec<Fp>) {
        positions
            .par_iter()
            .map(|&position| {
                let position = position.map(|p| {
                    (
                        p,
                        account_commitment(&p.account, self.secrets.salt(&p.account)),
                    )
                });
                let leaf = position.map_or_else(padding_leaf, |(p, a)| leaf(a, pack(p)));
                let row = slot(position, &self.bands, &self.scale, &self.prices, self.lanes);
                (row, leaf)
            })
            .unzip()
    }
}

/// A book held whole, seen slot by slot through its placement.
#[derive(Clone, Debug)]
struct Slotted<'a> {
    book: &'a Book,
    /// The position in each used slot, `None` for padding.
    position_at: Vec<Option<usize>>,
}

impl<'a> Slotted<'a> {
    fn new(book: &'a Book, placement: &Placement, used: usize) -> Self {
        let mut position_at = vec![None; used];
        for (position, &at) in placement.slot_of.iter().enumerate() {
            position_at[at] = Some(position);
        }
        Slotted { book, position_at }
    }

    /// The position in each slot of `range`.
    fn get(&self, range: Range<usize>) -> Vec<Option<&'a Position>> {
        let book = self.book;
        self.position_at[range]
            .iter()
            .map(|at| at.map(|i| &book.positions[i]))
            .collect()
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

/// The reserve balances as the circuits take them: one per asset of the asset width, those
/// past the declared assets 0 (the reserve commitment's own padding).
fn balances(book: &Book) -> Vec<Fp> {
    let mut balances: Vec<Fp> = book.reserves.iter().map(|&b| Fp::from(b)).collect();
    balances.resize(book.public.asset_width(), Fp::ZERO);
    balances
}

/// Derives the statement, shape, witness and tree of `book` under `secrets`, for a book that
/// fits one circuit (at most `2^MAX_DEPTH` positions).
pub fn prepare(book: &Book, secrets: &Secrets, previous: Option<[u8; 32]>) -> Prepared {
    let shape = Shape::for_book(&book.public, book.positions.len());
    let used = shape.slots();
    let placement = Placement::new(
        &book.public,
        book.positions.len(),
        secrets,
        used,
        shape.lanes,
    );
    let (slots, leaves) = placement.rows(&Slotted::new(book, &placement, used).get(0..used));
    let tree = MerkleTree::new(shape.depth, &leaves);
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
        slot_of: placement.slot_of,
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
    /// Reserve balance of each asset of the asset width.
    pub balances: Vec<Fp>,
    /// The blinding of `C_R`.
    pub blinding: Fp,
    /// Each shard's lane sums and their blinding.
    pub shards: Vec<([Fp; MAX_SCENARIOS], Fp)>,
}

/// One shard of a sharded book, derived without the rest of the book's tree: what a batch
/// engine's task proves.
#[derive(Clone, Debug)]
pub struct PreparedShard {
    /// The shard's private inputs.
    pub witness: ShardWitness,
    /// Its public sub-root and sums commitment.
    pub link: (Fp, Fp),
}

/// The layout of a sharded book: shard and top shapes and the placement of its positions.
/// It needs the public data and the number of positions, not the positions: a task proving
/// a few shards streams the book once and keeps only theirs ([`ShardPlan::read_shards`]).
#[derive(Clone, Debug)]
pub struct ShardPlan {
    /// The shape of every shard circuit.
    pub shard_shape: Shape,
    /// The shape of the top circuit.
    pub top_shape: TopShape,
    /// Shards proven: the first of the top's `2^depth` shard slots.
    pub shards: usize,
    placement: Placement,
}

impl ShardPlan {
    /// Splits a book of `positions` positions into [`shard_count`] shards of `2^shard_depth`
    /// slots (the prover uses [`crate::limits::shard_depth`]). The book's tree is one tree:
    /// shard `i` is the subtree of slots `[i·2^d, (i+1)·2^d)`, and the subtrees past the last
    /// shard are empty, so inclusion paths run from a leaf through its shard to `R_L` unchanged.
    pub fn new(public: &Public, positions: usize, secrets: &Secrets, shard_depth: u32) -> Self {
        let shard_shape = Shape {
            assets: public.asset_width(),
            lanes: public.lanes(),
            depth: shard_depth,
        };
        let shards = shard_count(positions, shard_depth);
        let used = shards << shard_depth;
        ShardPlan {
            shard_shape,
            top_shape: TopShape::for_shards(shard_shape, shards),
            shards,
            placement: Placement::new(public, positions, secrets, used, shard_shape.lanes),
        }
    }

    /// The tree slot of each position, in book order.
    pub fn slot_of(&self) -> &[usize] {
        &self.placement.slot_of
    }

    /// The tree slots of shards `shards`.
    fn slots(&self, shards: Range<usize>) -> Range<usize> {
        let depth = self.shard_shape.depth;
        (shards.start << depth)..(shards.end << depth)
    }

    /// Shard `index`'s witness and leaves, given the position in each of its slots.
    fn witness(&self, index: usize, positions: &[Option<&Position>]) -> (ShardWitness, Vec<Fp>) {
        assert_eq!(
            positions.len(),
            self.shard_shape.slots(),
            "one shard's slots"
        );
        let (rows, leaves) = self.placement.rows(positions);
        let witness = ShardWitness {
            slots: rows,
            blinding: self.placement.secrets.shard_blinding(index),
        };
        (witness, leaves)
    }

    /// The public link of a shard: its sub-root and the commitment to its lane sums.
    fn link(&self, sub_root: Fp, (sums, blinding): &([Fp; MAX_SCENARIOS], Fp)) -> (Fp, Fp) {
        let lanes = self.placement.lanes;
        (sub_root, sums_commitment(&sums[..lanes], *blinding))
    }

    /// Shards `shards` of the snapshot whose [`Header`] this plan was made from, read in one
    /// streaming pass that keeps only these shards' positions: a batch engine's task, whose
    /// memory grows with its shards and by 8 bytes per position of the book (the placement).
    /// The range stops at the last shard (none past it). A header of another position count
    /// is refused as [`SnapshotError::Changed`].
    pub fn read_shards(
        &self,
        header: &Header,
        reader: impl Read,
        shards: Range<usize>,
    ) -> Result<Vec<PreparedShard>, SnapshotError> {
        let placed = self.placement.slot_of.len();
        if header.positions != placed {
            return Err(SnapshotError::Changed {
                counted: placed,
                found: header.positions,
            });
        }
        let shards = shards.start.min(self.shards)..shards.end.min(self.shards);
        let slots = self.slots(shards.clone());
        let mut kept: Vec<Option<Position>> = vec![None; slots.len()];
        header.read_positions(reader, |i, position| {
            if let Some(at) = self.placement.slot_of[i].checked_sub(slots.start) {
                if let Some(slot) = kept.get_mut(at) {
                    *slot = Some(position);
                }
            }
        })?;
        let per_shard = self.shard_shape.slots();
        Ok(shards
            .zip(kept.chunks(per_shard))
            .map(|(index, positions)| {
                let positions: Vec<_> = positions.iter().map(Option::as_ref).collect();
                let (witness, leaves) = self.witness(index, &positions);
                let sub_root = MerkleTree::new(self.shard_shape.depth, &leaves).root();
                let link = self.link(sub_root, &(witness.sums(), witness.blinding));
                PreparedShard { witness, link }
            })
            .collect())
    }
}

/// Everything the prover derives from a book too large for one circuit. Shard witnesses are
/// rebuilt on demand ([`PreparedSet::shard`]), so memory holds one shard's rows per proof in
/// flight, not the book's.
#[derive(Clone, Debug)]
pub struct PreparedSet<'a> {
    /// The statement the proof set proves.
    pub statement: Statement,
    /// Shapes and placement.
    pub plan: ShardPlan,
    /// Each shard's public inputs: sub-root and sums commitment.
    pub links: Vec<(Fp, Fp)>,
    /// The top circuit's witness.
    pub top: TopWitness,
    /// The whole book's tree (shard subtrees under the tree of shards).
    pub tree: MerkleTree,
    book: Slotted<'a>,
}

impl PreparedSet<'_> {
    /// The tree slot of each position, in book order.
    pub fn slot_of(&self) -> &[usize] {
        self.plan.slot_of()
    }

    /// Shard `index`'s witness, rebuilt from the book.
    pub fn shard(&self, index: usize) -> ShardWitness {
        let positions = self.book.get(self.plan.slots(index..index + 1));
        self.plan.witness(index, &positions).0
    }

    /// The public inputs of shard `index`'s proof.
    pub fn shard_instance(&self, index: usize) -> Vec<Fp> {
        let (root, sums) = self.links[index];
        let count = self.links.len();
        self.statement
            .public
            .shard_instance(index, count, root, sums)
    }
}

/// Number of shards of `2^shard_depth` slots a book of `positions` positions is split into:
/// as few as hold it (at least one). The count is public, so it tells the book's size to
/// within one shard.
pub fn shard_count(positions: usize, shard_depth: u32) -> usize {
    positions.div_ceil(1 << shard_depth).max(1)
}

/// The statement the prover proves for `book` with `secrets`: one circuit where
/// [`one_proof_holds`], else a proof set of shards of [`shard_depth`] — the prover's split.
/// What an auditor recomputes from a snapshot and a reserve opening's seed.
pub fn statement_of(book: &Book, secrets: &Secrets, previous: Option<[u8; 32]>) -> Statement {
    let n = book.positions.len();
    if one_proof_holds(&book.public, n) {
        prepare(book, secrets, previous).statement
    } else {
        prepare_set(book, secrets, previous, shard_depth(n)).statement
    }
}

/// Derives every shard's link, the top witness and the whole tree of `book` split by
/// [`ShardPlan::new`]. Shards are built in turn (each in parallel inside), so at most one
/// shard's rows are in memory.
pub fn prepare_set<'a>(
    book: &'a Book,
    secrets: &Secrets,
    previous: Option<[u8; 32]>,
    shard_depth: u32,
) -> PreparedSet<'a> {
    let plan = ShardPlan::new(&book.public, book.positions.len(), secrets, shard_depth);
    let shards = plan.shards;
    let used = plan.slots(0..shards).len();
    let slotted = Slotted::new(book, &plan.placement, used);
    let mut leaves = Vec::with_capacity(used);
    let mut opened = Vec::with_capacity(shards);
    for i in 0..shards {
        let (witness, shard_leaves) = plan.witness(i, &slotted.get(plan.slots(i..i + 1)));
        leaves.extend(shard_leaves);
        // Only what the top and the links need is kept; the rows are rebuilt per proof.
        opened.push((witness.sums(), witness.blinding));
    }
    let depth = shard_depth + plan.top_shape.depth;
    let tree = MerkleTree::new(depth, &leaves);
    // Each shard's sub-root is a node of the whole tree: no subtree is hashed twice.
    let links = opened
        .iter()
        .zip(&tree.levels()[shard_depth as usize])
        .map(|(opening, &root)| plan.link(root, opening))
        .collect();
    PreparedSet {
        statement: statement(book, secrets, &tree, previous),
        plan,
        links,
        top: TopWitness {
            balances: balances(book),
            blinding: secrets.blinding(),
            shards: opened,
        },
        tree,
        book: slotted,
    }
}
