//! The solvency circuit: configure and synthesize, nothing else.
//!
//! It wires the chips of [`crate::gadgets`] together:
//!
//! 1. [`PositionsChip`] assigns one row per tree slot and sums each scenario's liability;
//! 2. [`HashPool`] hashes each slot into a leaf, builds the tree, and the root is constrained
//!    to the instance's `R_L`; it also hashes the balances and blinding into `C_R`;
//! 3. [`CoverageChip`] computes `V_s` from the balances and public prices and proves
//!    `V_s ≥ ratio · L'_s` for every scenario;
//! 4. [`RangeCheckChip`] holds every private integer below 2^64.
//!
//! The circuit's shape — assets, scenarios, tree depth, and so `k` — and its fixed band table
//! derive from public data only, so a verifier rebuilds the verifying key from the statement.

use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Instance},
};
use serde::{Deserialize, Serialize};

use crate::bands::{bands, max_bands, Band};
use crate::gadgets::{
    coverage::{CoverageChip, CoverageConfig, CoverageInstructions},
    hash::{HashInstructions, HashPool, HashPoolConfig},
    positions::{PositionsChip, PositionsConfig, PositionsInstructions},
    range::{RangeCheckChip, RangeCheckConfig, RangeCheckInstructions, BYTES},
};
use crate::limits::{MAX_ASSETS, MAX_DEPTH};
use crate::statement::{instance, Fp, Public};
use crate::witness::Witness;

/// Poseidon chips laid side by side (see [`crate::gadgets::hash`]).
pub const HASH_CHIPS: usize = 12;

/// Scenario lane counts the circuit is compiled for; a policy uses the smallest that fits.
pub const LANE_WIDTHS: [usize; 3] = [4, 9, 16];

/// Rows of one two-input Poseidon hash with `Pow5Chip` (1 initial state, 3 absorb, 37 permute).
const ROWS_PER_HASH2: usize = 41;
/// Rows of the nine-input reserve commitment hash (5 absorb-and-permute blocks).
const ROWS_RESERVE_HASH: usize = 1 + 5 * 40;
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
        LANE_WIDTHS.into_iter().find(|&w| w >= self.scenarios)
    }

    /// Rows the layout needs, per region group laid side by side; the tallest wins.
    pub fn rows(&self) -> usize {
        let slots = self.slots();
        let positions = slots + 1;
        let range = 4 * slots + self.assets + 5 * self.scenarios;
        let hashes = 2 * slots - 1;
        let per_chip = hashes.div_ceil(HASH_CHIPS) * ROWS_PER_HASH2 + ROWS_RESERVE_HASH;
        let constants = 3 * hashes + 16 + 2 * MAX_ASSETS;
        let coverage = MAX_ASSETS + 1 + self.scenarios * (self.assets + 2);
        let tables = (max_bands(self.assets, self.scenarios) + 1).max(256);
        [positions, range, per_chip, constants, coverage, tables]
            .into_iter()
            .max()
            .expect("non-empty")
            + BLINDING_ROWS
    }

    /// `log2` of the circuit's rows.
    pub fn k(&self) -> u32 {
        self.rows().next_power_of_two().trailing_zeros()
    }
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

/// Columns and chip configurations of the solvency circuit.
#[derive(Clone, Debug)]
pub struct SolvencyConfig<const LANES: usize> {
    instance: Column<Instance>,
    digest: Column<Advice>,
    positions: PositionsConfig<LANES>,
    hash: HashPoolConfig,
    range: RangeCheckConfig,
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
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let constants = meta.fixed_column();
        meta.enable_constant(constants);

        let positions = PositionsChip::<LANES>::configure(meta);
        let hash = HashPool::configure(meta, HASH_CHIPS);
        let value = meta.advice_column();
        let bytes = [(); BYTES].map(|_| meta.advice_column());
        let range = RangeCheckChip::configure(meta, value, bytes);
        let cols = [(); 5].map(|_| meta.advice_column());
        let coverage = CoverageChip::configure(meta, cols, instance);
        SolvencyConfig {
            instance,
            digest: cols[0],
            positions,
            hash,
            range,
            coverage,
        }
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let shape = self.shape;
        let w = self.witness.as_ref();

        let range = RangeCheckChip::construct(config.range);
        range.load(&mut layouter)?;
        let positions = PositionsChip::<LANES>::construct(config.positions);
        positions.load_bands(
            &mut layouter,
            &self.bands,
            &self.public.scale_factors(),
            &self.public.shocked_prices(),
        )?;

        // Liabilities: sums and tree over the very same cells.
        let assigned =
            positions.assign_slots(&mut layouter, shape.slots(), w.map(|w| &w.slots[..]))?;
        let (slots, totals) = (assigned.slots, assigned.totals);
        let pool = HashPool::construct(config.hash);
        let leaves = slots
            .iter()
            .enumerate()
            .map(|(i, s)| pool.hash(&mut layouter, i, [s.account.clone(), s.packed.clone()]))
            .collect::<Result<Vec<_>, _>>()?;
        let root = pool.merkle_root(&mut layouter, leaves)?;
        layouter.constrain_instance(root.cell(), config.instance, instance::LIABILITIES_ROOT)?;

        // Reserves: commitment over the very same balances the coverage sums.
        let coverage = CoverageChip::construct(config.coverage);
        let balances = (0..shape.assets)
            .map(|i| w.map_or(Value::unknown(), |w| Value::known(w.balances[i])))
            .collect();
        let blinding = w.map_or(Value::unknown(), |w| Value::known(w.blinding));
        let (balances, message) = coverage.assign_reserves(&mut layouter, balances, blinding)?;
        let commitment = pool.hash(&mut layouter, 0, message)?;
        layouter.constrain_instance(
            commitment.cell(),
            config.instance,
            instance::RESERVE_COMMITMENT,
        )?;

        let mut ranged: Vec<_> = slots
            .iter()
            .flat_map(|s| s.ranged.iter().cloned())
            .collect();
        ranged.extend(balances.iter().cloned());
        for (s, total) in totals.iter().enumerate().take(shape.scenarios) {
            ranged.extend(coverage.cover(&mut layouter, s, &self.public, &balances, total)?);
        }
        range.check_u64(&mut layouter, &ranged)?;

        // The digest of the whole statement is a public input like the others; copying it
        // into a cell makes the instance column's binding explicit in the permutation.
        layouter.assign_region(
            || "statement digest",
            |mut region| {
                region.assign_advice_from_instance(
                    || "digest",
                    config.instance,
                    instance::STATEMENT_DIGEST,
                    config.digest,
                    0,
                )
            },
        )?;
        Ok(())
    }
}

/// Runs `$body` with `$lanes` bound as a `const usize` equal to the shape's lane width.
#[macro_export]
macro_rules! with_lanes {
    ($shape:expr, |$lanes:ident| $body:expr) => {
        match $shape.lanes() {
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

#[cfg(test)]
mod tests;
