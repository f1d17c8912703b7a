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
//! The circuit's shape — assets, scenarios, tree depth, and so `k` — and its fixed band table
//! derive from public data only, so a verifier rebuilds the verifying key from the statement.

use halo2_proofs::{
    circuit::{AssignedCell, Layouter, SimpleFloorPlanner, Value},
    plonk::{Circuit, Column, ConstraintSystem, Error, Instance},
};
use serde::{Deserialize, Serialize};

use crate::bands::{bands, max_bands, Band};
use crate::gadgets::{
    columns::ColumnPool,
    coverage::{CoverageChip, CoverageConfig, CoverageInstructions},
    hash::{merkle_rows, HashInstructions, HashPool, HashPoolConfig},
    poseidon::{self, batch_rows},
    positions::{self, PositionsChip, PositionsConfig, PositionsInstructions, Slot},
    range::{self, RangeCheckChip, RangeCheckConfig, RangeCheckInstructions},
};
use crate::limits::{MAX_ASSETS, MAX_DEPTH, MAX_SCENARIOS};
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

/// Scenario lane counts the circuit is compiled for; a policy uses the smallest that fits.
pub const LANE_WIDTHS: [usize; 3] = [4, 9, 16];

/// Rows halo2 reserves at the end of every column for blinding, with margin.
const BLINDING_ROWS: usize = 10;

/// Everything that fixes the circuit's layout; derived from public data alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shape {
    /// Declared assets.
    pub assets: usize,
    /// Policy scenarios.
    pub scenarios: usize,
    /// The liabilities tree has `2^depth` slots.
    pub depth: u32,
}

impl Shape {
    /// The smallest shape holding `positions` positions for this public data.
    pub fn for_book(public: &Public, positions: usize) -> Self {
        let depth = positions.max(1).next_power_of_two().trailing_zeros();
        Shape {
            assets: public.assets.len(),
            scenarios: public.policy.scenarios.len(),
            depth,
        }
    }

    /// Whether this shape is one the circuit supports for `public`.
    pub fn fits(&self, public: &Public) -> bool {
        self.assets == public.assets.len()
            && self.scenarios == public.policy.scenarios.len()
            && self.depth <= MAX_DEPTH
            && self.lanes().is_some()
    }

    /// Slots of the liabilities tree.
    pub fn slots(&self) -> usize {
        1 << self.depth
    }

    /// Scenario lanes of the positions chip.
    pub fn lanes(&self) -> Option<usize> {
        lane_width(self.scenarios)
    }

    /// Rows the layout needs, per region group laid side by side; the tallest wins.
    pub fn rows(&self) -> usize {
        let slots = self.slots();
        let lanes = self.lanes().unwrap_or(MAX_SCENARIOS);
        let positions = positions::rows(lanes, slots);
        let range = range::rows(RANGE_COLUMNS, 4 * slots + self.assets + 5 * self.scenarios);
        // Leaves, tree and one commitment: the reserves' (single circuit) or the lane sums'
        // (shard circuit); both are counted, the larger one for either circuit.
        let commitment = batch_rows(MAX_ASSETS + 1).max(batch_rows(self.lanes().unwrap_or(0) + 1));
        let hashing =
            poseidon::rows(HASH_LANES, slots, 2) + merkle_rows(HASH_LANES, slots) + commitment;
        let words = 2 * MAX_ASSETS + 8;
        let coverage = MAX_ASSETS + 1 + self.scenarios * (self.assets + 2);
        let tables =
            (max_bands(self.assets, self.scenarios) * positions::block_rows(lanes) + 1).max(256);
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

/// The narrowest lane width holding `scenarios` scenarios.
pub fn lane_width(scenarios: usize) -> Option<usize> {
    LANE_WIDTHS.into_iter().find(|&w| w >= scenarios)
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
    bands: Vec<Band>,
    witness: Option<Witness>,
}

impl<const LANES: usize> SolvencyCircuit<LANES> {
    /// A circuit for `public` of the given shape; `witness` is `None` for key generation.
    pub fn new(public: &Public, shape: Shape, witness: Option<Witness>) -> Self {
        assert!(
            shape.fits(public),
            "shape {shape:?} does not fit the statement"
        );
        assert_eq!(shape.lanes(), Some(LANES), "lane width");
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
            bands: bands(public),
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
    /// Allocates the instance and constants columns and the book's chips.
    pub fn configure(meta: &mut ConstraintSystem<Fp>) -> Self {
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
        let positions = PositionsChip::<LANES>::configure(meta, &mut pool);
        BookConfig {
            instance,
            positions,
            hash,
            range,
        }
    }

    /// The positions chip's configuration, in the columns the other chips share with it.
    #[cfg(test)]
    pub(crate) fn positions(&self) -> &PositionsConfig<LANES> {
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
        public: &Public,
        bands: &[Band],
        depth: u32,
        slots: Option<&[Slot]>,
    ) -> Result<BookCells<LANES>, Error> {
        let range = RangeCheckChip::construct(self.range.clone());
        range.load(layouter)?;
        let positions = PositionsChip::<LANES>::construct(self.positions.clone());
        positions.load_bands(
            layouter,
            bands,
            &public.scale_factors(),
            &public.shocked_prices(),
        )?;
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
            &self.public,
            &self.bands,
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
        for (s, total) in totals.iter().enumerate().take(shape.scenarios) {
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
/// with `@width`, to a width given as `Option<usize>`), one of [`LANE_WIDTHS`].
#[macro_export]
macro_rules! with_lanes {
    ($shape:expr, |$lanes:ident| $body:expr) => {
        $crate::with_lanes!(@width $shape.lanes(), |$lanes| $body)
    };
    (@width $width:expr, |$lanes:ident| $body:expr) => {
        match $width {
            Some(4) => {
                const $lanes: usize = 4;
                $body
            }
            Some(9) => {
                const $lanes: usize = 9;
                $body
            }
            Some(16) => {
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
