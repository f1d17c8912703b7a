//! The solvency circuit: configure and synthesize, nothing else.
//!
//! It wires the chips of [`crate::gadgets`] together:
//!
//! 1. [`PositionsChip`] assigns a block of rows per tree slot and sums each scenario's liability;
//! 2. [`HashPool`] hashes each slot into a leaf, builds the tree, and the root is constrained
//!    to the instance's `R_L`; it also hashes the balances and blinding into `C_R`;
//! 3. [`CoverageChip`] computes `V_s` from the balances and public prices and proves
//!    `V_s ≥ ratio · L'_s` for every scenario;
//! 4. [`RangeCheckChip`] holds every private integer below 2^64.
//!
//! The circuit's fixed columns depend on its [`Shape`] only — assets, lanes, tree depth, and
//! so `k` — except the band table's, whose values are the statement's numbers: a verifier
//! loads the pinned key of the shape and commits to the band table itself ([`crate::keys`]).

use halo2_proofs::{
    circuit::{AssignedCell, Layouter, SimpleFloorPlanner, Value},
    plonk::{Circuit, Column, ConstraintSystem, Error, Instance},
};
use serde::{Deserialize, Serialize};

use crate::bands::{band_rows, band_table};
use crate::gadgets::{
    columns::ColumnPool,
    coverage::{CoverageChip, CoverageConfig, CoverageInstructions},
    hash::{merkle_rows, HashInstructions, HashPool, HashPoolConfig},
    poseidon::{self, batch_rows},
    positions::{self, BandTable, PositionsChip, PositionsConfig, PositionsInstructions, Slot},
    range::{self, RangeCheckChip, RangeCheckConfig, RangeCheckInstructions},
};
pub use crate::limits::{lane_width, LANE_WIDTHS};
use crate::limits::{MAX_ASSETS, MAX_DEPTH};
use crate::statement::{instance, Fp, Public};
use crate::witness::Witness;

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
/// lane has price 0, is never in the money and is covered trivially), so one shape serves
/// every policy of up to `lanes` scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shape {
    /// Declared assets.
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
            assets: public.assets.len(),
            lanes: lane_width(public.policy.scenarios.len()).unwrap_or(0),
            depth,
        }
    }

    /// Whether this is a shape the circuit supports (a lane width it is compiled for, at most
    /// [`MAX_ASSETS`] assets and [`MAX_DEPTH`]).
    pub fn is_supported(&self) -> bool {
        (1..=MAX_ASSETS).contains(&self.assets)
            && LANE_WIDTHS.contains(&self.lanes)
            && self.depth <= MAX_DEPTH
    }

    /// Whether this shape is one the circuit supports for `public`.
    pub fn fits(&self, public: &Public) -> bool {
        self.is_supported()
            && self.assets == public.assets.len()
            && Some(self.lanes) == lane_width(public.policy.scenarios.len())
    }

    /// Slots of the liabilities tree.
    pub fn slots(&self) -> usize {
        1 << self.depth
    }

    /// Rows the layout needs, per region group laid side by side; the tallest wins.
    pub fn rows(&self) -> usize {
        let slots = self.slots();
        let lanes = self.lanes;
        let positions = positions::rows(lanes, slots);
        let range = range::rows(RANGE_COLUMNS, 4 * slots + self.assets + 5 * lanes);
        // Leaves, tree and one commitment: the reserves' (single circuit) or the lane sums'
        // (shard circuit); both are counted, the larger one for either circuit.
        let commitment = batch_rows(MAX_ASSETS + 1).max(batch_rows(lanes + 1));
        let hashing =
            poseidon::rows(HASH_LANES, slots, 2) + merkle_rows(HASH_LANES, slots) + commitment;
        let words = 2 * MAX_ASSETS + 8;
        let coverage = MAX_ASSETS + 1 + lanes * (self.assets + 2);
        let tables = (band_rows(self.assets, lanes)).max(256);
        // The positions' blocks lie in the hash lanes', range checker's and words' columns
        // (`BookConfig::configure`), so their rows add to those of every group.
        let shared = range.max(hashing).max(words);
        tallest([positions + shared, coverage, tables])
    }

    /// `log2` of the circuit's rows.
    pub fn k(&self) -> u32 {
        k_for(self.rows())
    }
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

/// The solvency circuit for a policy of at most `LANES` scenarios.
#[derive(Clone, Debug)]
pub struct SolvencyCircuit<const LANES: usize> {
    shape: Shape,
    public: Public,
    /// The band table's columns ([`band_table`]).
    table: Vec<Vec<Fp>>,
    witness: Option<Witness>,
}

impl<const LANES: usize> SolvencyCircuit<LANES> {
    /// A circuit for `public` of the given shape; `witness` is `None` for key generation.
    pub fn new(public: &Public, shape: Shape, witness: Option<Witness>) -> Self {
        assert!(
            shape.fits(public),
            "shape {shape:?} does not fit the statement"
        );
        assert_eq!(shape.lanes, LANES, "lane width");
        if let Some(w) = &witness {
            assert_eq!(
                w.slots.len(),
                shape.slots(),
                "one witness slot per tree slot"
            );
            assert_eq!(w.balances.len(), shape.assets, "one balance per asset");
        }
        SolvencyCircuit {
            shape,
            public: public.clone(),
            table: band_table(public, LANES),
            witness,
        }
    }
}

/// Columns of the liabilities part, shared by the single-proof and the shard circuits.
#[derive(Clone, Debug)]
pub struct BookConfig<const LANES: usize> {
    instance: Column<Instance>,
    positions: PositionsConfig<LANES>,
    hash: HashPoolConfig,
    range: RangeCheckConfig,
}

/// What [`BookConfig::synthesize`] leaves for the rest of a circuit.
pub struct BookCells<const LANES: usize> {
    /// The hash pool, for further hashes.
    pub pool: HashPool,
    /// The range checker, for further checks.
    pub range: RangeCheckChip,
    /// The root of the slots' tree.
    pub root: AssignedCell<Fp, Fp>,
    /// `Σ size·scale·intrinsic` per lane.
    pub totals: [AssignedCell<Fp, Fp>; LANES],
    /// Cells still to be range-checked.
    pub ranged: Vec<AssignedCell<Fp, Fp>>,
}

impl<const LANES: usize> BookConfig<LANES> {
    /// Allocates the instance and constants columns and the book's chips. The band table's
    /// columns come first, so they are fixed columns [`positions::table_columns`], the ones
    /// a verifier commits to itself ([`crate::keys`]).
    pub fn configure(meta: &mut ConstraintSystem<Fp>) -> Self {
        let bands = BandTable::configure(meta, LANES);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let constants = meta.fixed_column();
        meta.enable_constant(constants);
        // One commitment (the reserves' or the lane sums') is the only message longer than
        // two words: one lane absorbs.
        let hash = HashPool::configure(meta, HASH_LANES, 1, instance);
        let z = [(); RANGE_COLUMNS].map(|_| meta.advice_column());
        let range = RangeCheckChip::configure(meta, &z);
        // The positions' blocks take the rows the hash lanes and the range checks leave free,
        // in columns those already pay for.
        let mut pool = ColumnPool::new(hash.shared().chain(range.shared()));
        let positions = PositionsChip::<LANES>::configure(meta, &mut pool, bands);
        BookConfig {
            instance,
            positions,
            hash,
            range,
        }
    }

    /// The positions chip's configuration, in the columns the other chips share with it.
    pub fn positions(&self) -> &PositionsConfig<LANES> {
        &self.positions
    }

    /// Lays out `2^depth` slots: the band table, a block of positions rows per slot, each
    /// slot's leaf hash and the tree over them. Sums and tree read the very same cells.
    ///
    /// The positions' region comes first, so the floor planner puts it at the top of the
    /// columns it shares and every other chip's regions below it, the layout
    /// [`Shape::rows`] counts (a layout it under-counts fails to synthesize; it cannot
    /// overlap).
    pub fn synthesize(
        &self,
        layouter: &mut impl Layouter<Fp>,
        table: &[Vec<Fp>],
        depth: u32,
        slots: Option<&[Slot]>,
    ) -> Result<BookCells<LANES>, Error> {
        let range = RangeCheckChip::construct(self.range.clone());
        range.load(layouter)?;
        let positions = PositionsChip::<LANES>::construct(self.positions.clone());
        positions.load_bands(layouter, table)?;
        // First: see above.
        let assigned = positions.assign_slots(layouter, 1 << depth, slots)?;
        let pool = HashPool::construct(self.hash.clone());
        let leaves: Vec<_> = assigned
            .slots
            .iter()
            .map(|s| vec![s.account.clone(), s.packed.clone()])
            .collect();
        let leaves = pool.hash(layouter, &leaves)?;
        let root = pool.merkle_root(layouter, leaves, &[])?;
        let ranged = assigned
            .slots
            .iter()
            .flat_map(|s| s.ranged.iter().cloned())
            .collect();
        Ok(BookCells {
            pool,
            range,
            root,
            totals: assigned.totals,
            ranged,
        })
    }
}

/// Columns and chip configurations of the solvency circuit.
#[derive(Clone, Debug)]
pub struct SolvencyConfig<const LANES: usize> {
    book: BookConfig<LANES>,
    coverage: CoverageConfig,
}

impl<const LANES: usize> Circuit<Fp> for SolvencyCircuit<LANES> {
    type Config = SolvencyConfig<LANES>;
    type FloorPlanner = SimpleFloorPlanner;

    fn without_witnesses(&self) -> Self {
        SolvencyCircuit {
            witness: None,
            ..self.clone()
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        let book = BookConfig::configure(meta);
        let cols = [(); 5].map(|_| meta.advice_column());
        let coverage = CoverageChip::configure(meta, cols, book.instance);
        SolvencyConfig { book, coverage }
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let shape = self.shape;
        let w = self.witness.as_ref();
        let instance = config.book.instance;
        let BookCells {
            pool,
            range,
            root,
            totals,
            mut ranged,
        } = config.book.synthesize(
            &mut layouter,
            &self.table,
            shape.depth,
            w.map(|w| &w.slots[..]),
        )?;
        layouter.constrain_instance(root.cell(), instance, instance::LIABILITIES_ROOT)?;

        // Reserves: commitment over the very same balances the coverage sums.
        let coverage = CoverageChip::construct(config.coverage);
        let balances: Vec<Value<Fp>> = (0..shape.assets)
            .map(|i| w.map_or(Value::unknown(), |w| Value::known(w.balances[i])))
            .collect();
        let blinding = w.map_or(Value::unknown(), |w| Value::known(w.blinding));
        let balances = pool.assign(&mut layouter, &balances)?;
        let commitment = pool.commit(
            &mut layouter,
            MAX_ASSETS + 1,
            &[(balances.clone(), blinding)],
        )?;
        layouter.constrain_instance(
            commitment[0].cell(),
            instance,
            instance::RESERVE_COMMITMENT,
        )?;
        ranged.extend(balances.iter().cloned());
        // Every lane, padded ones included, so the layout does not depend on the policy.
        for (s, total) in totals.iter().enumerate() {
            ranged.extend(coverage.cover(&mut layouter, s, &self.public, &balances, total)?);
        }
        range.check_u64(&mut layouter, &ranged)?;

        // The digest of the whole statement is a public input like the others; copying it
        // into a cell makes the instance column's binding explicit in the permutation.
        pool.public(&mut layouter, &[instance::STATEMENT_DIGEST])?;
        Ok(())
    }
}

/// Runs `$body` with `$lanes` bound as a `const usize` equal to the shape's lane width (or,
/// with `@width`, to a width given as `usize`), one of [`LANE_WIDTHS`]: callers check
/// [`Shape::is_supported`] first.
#[macro_export]
macro_rules! with_lanes {
    ($shape:expr, |$lanes:ident| $body:expr) => {
        $crate::with_lanes!(@width $shape.lanes, |$lanes| $body)
    };
    (@width $width:expr, |$lanes:ident| $body:expr) => {
        match $width {
            4 => {
                const $lanes: usize = 4;
                $body
            }
            9 => {
                const $lanes: usize = 9;
                $body
            }
            16 => {
                const $lanes: usize = 16;
                $body
            }
            other => unreachable!("no circuit for {other:?} lanes"),
        }
    };
}

pub mod shard;
#[cfg(test)]
mod shard_tests;
#[cfg(test)]
mod tests;
pub mod top;
