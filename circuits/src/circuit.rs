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
//! loads the pinned key of the shape and commits to the band table itself (`keys`).

use halo2_proofs::{
    circuit::{AssignedCell, Layouter, SimpleFloorPlanner, Value},
    plonk::{Circuit, Column, ConstraintSystem, Error, Instance},
};

use crate::bands::band_table;
use crate::commit::Domain;
use crate::gadgets::{
    columns::ColumnPool,
    coverage::{CoverageChip, CoverageConfig, CoverageInstructions},
    hash::{HashInstructions, HashPool, HashPoolConfig},
    positions::{BandTable, PositionsChip, PositionsConfig, PositionsInstructions, Slot},
    range::{RangeCheckChip, RangeCheckConfig, RangeCheckInstructions},
};
use crate::limits::reserve_slots;
use crate::shapes::{Shape, HASH_LANES, RANGE_COLUMNS};
use crate::statement::{instance, Fp, Public};
use crate::witness::Witness;

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
    /// columns come first, so they are fixed columns [`crate::gadgets::positions::table_columns`], the ones
    /// a verifier commits to itself (`keys`).
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
        let leaves = pool.hash(layouter, Domain::Message, &leaves)?;
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
            reserve_slots(shape.assets) + 1,
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
/// with `@width`, to a width given as `usize`), one of [`crate::limits::LANE_WIDTHS`]: callers check
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
