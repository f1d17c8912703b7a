//! The top circuit of a sharded book: opens every shard's sums commitment, adds the sums,
//! builds `R_L` over the shard sub-roots, commits to the reserves and proves `V_s ≥ L_s`.
//!
//! It has no band table: its verifying key depends on the shape only. Bounds: each shard's
//! lane sum is below 2^200 (shard circuit), at most `2^MAX_SHARD_DEPTH = 2^10` of them add to
//! less than 2^210, so `L_s < 2^230` and an insolvent difference still exceeds
//! `p − 2^230 > 2^253`: the coverage limbs cannot exist (see [`crate::gadgets::coverage`]).

use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    plonk::{Circuit, Column, ConstraintSystem, Error, Instance},
};
use serde::{Deserialize, Serialize};

use super::{k_for, lane_width, tallest};
use crate::commit::empty_roots;
use crate::gadgets::{
    coverage::{CoverageChip, CoverageConfig, CoverageInstructions},
    hash::{merkle_rows, HashInstructions, HashPool, HashPoolConfig},
    poseidon::{self, batch_rows},
    range::{self, RangeCheckChip, RangeCheckConfig, RangeCheckInstructions},
};
use crate::limits::{MAX_ASSETS, MAX_DEPTH, MAX_SHARD_DEPTH};
use crate::statement::{instance, Fp, Public};
use crate::witness::TopWitness;

/// Poseidon lanes of the top circuit. It hashes a long message per shard (its sums
/// commitment), so every lane absorbs, and its height grows with the book: ten lanes keep
/// 1,024 shards at `2^15` rows.
pub const HASH_LANES: usize = 10;

/// The top circuit's layout: assets, scenarios and the shards it opens.
///
/// The tree of shards has `2^depth()` leaves; the proven shards are the first `shards` of them
/// and the rest are empty subtrees of height `shard_depth`, whose constant root the circuit
/// uses in their place (no proof, no commitment: they hold no position and add nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopShape {
    /// Declared assets.
    pub assets: usize,
    /// Policy scenarios.
    pub scenarios: usize,
    /// Proven shards.
    pub shards: usize,
    /// Depth of each shard's subtree.
    pub shard_depth: u32,
}

impl TopShape {
    /// Depth of the tree of shards.
    pub fn depth(&self) -> u32 {
        self.shards.next_power_of_two().trailing_zeros()
    }

    /// Lane sums each shard commits to.
    pub fn lanes(&self) -> usize {
        lane_width(self.scenarios).expect("validated scenario count")
    }

    /// Whether this shape is supported for `public`.
    pub fn fits(&self, public: &Public) -> bool {
        self.assets == public.assets.len()
            && self.scenarios == public.policy.scenarios.len()
            && lane_width(self.scenarios).is_some()
            && (1..=1 << MAX_SHARD_DEPTH).contains(&self.shards)
            && self.shard_depth <= MAX_DEPTH
    }

    /// Rows the layout needs; the tallest column group wins.
    pub fn rows(&self) -> usize {
        let n = self.shards;
        let depth = self.depth() as usize;
        let lanes = self.lanes();
        let hashing = poseidon::rows(HASH_LANES, n, lanes + 1)
            + merkle_rows(HASH_LANES, n)
            + batch_rows(MAX_ASSETS + 1);
        // Sums, blindings and sub-roots of every shard, balances, constants.
        let words = n * (lanes + 2) + 2 * MAX_ASSETS + depth + 8;
        let coverage = self.scenarios * (self.assets + 2) + self.scenarios * (n + 1);
        // Zero padding of odd-length commitments, empty-subtree roots, two per scenario in
        // the coverage chip.
        let constants = n + depth + 2 * self.scenarios + 8;
        let range = range::rows(1, self.assets + 5 * self.scenarios);
        tallest([hashing, words, coverage, constants, range, 256])
    }

    /// `log2` of the circuit's rows.
    pub fn k(&self) -> u32 {
        k_for(self.rows())
    }
}

/// The top circuit.
#[derive(Clone, Debug)]
pub struct TopCircuit {
    shape: TopShape,
    public: Public,
    witness: Option<TopWitness>,
}

impl TopCircuit {
    /// A top circuit for `public`; `witness` is `None` for key generation.
    pub fn new(public: &Public, shape: TopShape, witness: Option<TopWitness>) -> Self {
        assert!(shape.fits(public), "top shape {shape:?}");
        if let Some(w) = &witness {
            assert_eq!(w.shards.len(), shape.shards, "one opening per shard");
        }
        TopCircuit {
            shape,
            public: public.clone(),
            witness,
        }
    }
}

/// Columns and chips of the top circuit.
#[derive(Clone, Debug)]
pub struct TopConfig {
    instance: Column<Instance>,
    hash: HashPoolConfig,
    range: RangeCheckConfig,
    coverage: CoverageConfig,
}

impl Circuit<Fp> for TopCircuit {
    type Config = TopConfig;
    type FloorPlanner = SimpleFloorPlanner;

    fn without_witnesses(&self) -> Self {
        TopCircuit {
            witness: None,
            ..self.clone()
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let constants = meta.fixed_column();
        meta.enable_constant(constants);
        // Every shard's sums commitment is a long message: every lane absorbs.
        let hash = HashPool::configure(meta, HASH_LANES, HASH_LANES, instance);
        // One running-sum column: the top checks a few dozen values.
        let z = meta.advice_column();
        let range = RangeCheckChip::configure(meta, &[z]);
        let cols = [(); 5].map(|_| meta.advice_column());
        let coverage = CoverageChip::configure(meta, cols, instance);
        TopConfig {
            instance,
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
        let (a, s_n) = (self.shape.assets, self.shape.scenarios);
        let w = self.witness.as_ref();
        let known =
            |f: &dyn Fn(&TopWitness) -> Fp| w.map_or(Value::unknown(), |w| Value::known(f(w)));
        let range = RangeCheckChip::construct(config.range);
        range.load(&mut layouter)?;
        let pool = HashPool::construct(config.hash);
        let coverage = CoverageChip::construct(config.coverage);

        // Reserves.
        let balances: Vec<Value<Fp>> = (0..a).map(|i| known(&|w| w.balances[i])).collect();
        let balances = pool.assign(&mut layouter, &balances)?;
        let opening = (balances.clone(), known(&|w| w.blinding));
        let c_r = pool.commit(&mut layouter, MAX_ASSETS + 1, &[opening])?;
        layouter.constrain_instance(
            c_r[0].cell(),
            config.instance,
            instance::RESERVE_COMMITMENT,
        )?;

        // Every shard's sums, opened against its public commitment.
        let mut openings = Vec::with_capacity(self.shape.shards);
        for i in 0..self.shape.shards {
            let words: Vec<Value<Fp>> = (0..self.shape.lanes())
                .map(|l| known(&|w| w.shards[i].0[l]))
                .collect();
            let words = pool.assign(&mut layouter, &words)?;
            openings.push((words, known(&|w| w.shards[i].1)));
        }
        let commitments = pool.commit_sums(&mut layouter, &openings)?;
        for (i, c) in commitments.iter().enumerate() {
            let at = instance::shard_sums(i, a, s_n);
            layouter.constrain_instance(c.cell(), config.instance, at)?;
        }
        let sums: Vec<_> = openings.into_iter().map(|(words, _)| words).collect();

        // R_L over the shard sub-roots, empty subtrees past the last shard.
        let offsets: Vec<usize> = (0..self.shape.shards)
            .map(|i| instance::shard_root(i, a, s_n))
            .collect();
        let roots = pool.public(&mut layouter, &offsets)?;
        let empty = empty_roots(self.shape.shard_depth, self.shape.depth());
        let root = pool.merkle_root(&mut layouter, roots, &empty)?;
        layouter.constrain_instance(root.cell(), config.instance, instance::LIABILITIES_ROOT)?;

        // Coverage of every scenario by the reserves.
        let mut ranged = balances.clone();
        for s in 0..s_n {
            let terms: Vec<_> = sums.iter().map(|words| words[s].clone()).collect();
            let total = coverage.sum(&mut layouter, &terms)?;
            ranged.extend(coverage.cover(&mut layouter, s, &self.public, &balances, &total)?);
        }
        range.check_u64(&mut layouter, &ranged)?;
        pool.public(&mut layouter, &[instance::STATEMENT_DIGEST])?;
        Ok(())
    }
}
