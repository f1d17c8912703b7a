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

use super::{k_for, lane_width, tallest, Shape, LANE_WIDTHS};
use crate::commit::{empty_root, sums_commitment};
use crate::gadgets::{
    coverage::{CoverageChip, CoverageConfig, CoverageInstructions},
    hash::{merkle_rows, HashInstructions, HashPool, HashPoolConfig},
    poseidon::{self, batch_rows},
    range::{self, RangeCheckChip, RangeCheckConfig, RangeCheckInstructions},
};
use crate::limits::{MAX_ASSETS, MAX_DEPTH, MAX_SCENARIOS, MAX_SHARD_DEPTH};
use crate::statement::{instance, Fp, Public, Statement};
use crate::witness::TopWitness;
use ff::Field;

/// Poseidon lanes of the top circuit. It hashes a long message per shard (its sums
/// commitment), so every lane absorbs, and its height grows with the book: ten lanes keep
/// 1,024 shards at `2^15` rows.
pub const HASH_LANES: usize = 10;

/// The top circuit's layout: assets, lanes and the depth of the tree of shards.
///
/// The tree of shards has `2^depth` leaves, and the circuit opens a sums commitment and reads
/// a sub-root for every one of them: the proven shards are the first ones, and the others
/// are empty — their sub-root is the constant root of an empty subtree of height
/// `shard_depth` and their sums commitment the constant commitment to zero sums under a zero
/// blinding ([`TopShape::instance`]), both put in the instance by the verifier. So one
/// key serves every shard count of a depth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopShape {
    /// Declared assets.
    pub assets: usize,
    /// Scenario lanes, one of [`super::LANE_WIDTHS`].
    pub lanes: usize,
    /// The tree of shards has `2^depth` leaves.
    pub depth: u32,
    /// Depth of each shard's subtree.
    pub shard_depth: u32,
}

impl TopShape {
    /// The top shape over `shards` shards of `shard_shape`: the fewest leaves holding them.
    pub fn for_shards(shard_shape: Shape, shards: usize) -> Self {
        TopShape {
            assets: shard_shape.assets,
            lanes: shard_shape.lanes,
            depth: shards.max(1).next_power_of_two().trailing_zeros(),
            shard_depth: shard_shape.depth,
        }
    }

    /// Leaves of the tree of shards.
    pub fn slots(&self) -> usize {
        1 << self.depth
    }

    /// Whether this is a shape the circuit supports.
    pub fn is_supported(&self) -> bool {
        (1..=MAX_ASSETS).contains(&self.assets)
            && LANE_WIDTHS.contains(&self.lanes)
            && self.depth <= MAX_SHARD_DEPTH
            && self.shard_depth <= MAX_DEPTH
    }

    /// Whether this shape is supported for `public`.
    pub fn fits(&self, public: &Public) -> bool {
        self.is_supported()
            && self.assets == public.assets.len()
            && Some(self.lanes) == lane_width(public.policy.scenarios.len())
    }

    /// The top proof's instance for `statement` over the proven shards' `links`, padded with
    /// empty shards up to [`TopShape::slots`].
    pub fn instance(&self, statement: &Statement, links: &[(Fp, Fp)]) -> Vec<Fp> {
        statement.top_instance(&self.padded_links(links))
    }

    /// The proven shards' `(sub-root, sums commitment)`, followed by those of empty shards
    /// up to [`TopShape::slots`]: the pairs the top instance holds.
    fn padded_links(&self, links: &[(Fp, Fp)]) -> Vec<(Fp, Fp)> {
        let empty = (
            empty_root(self.shard_depth),
            sums_commitment(&vec![Fp::ZERO; self.lanes], Fp::ZERO),
        );
        let mut all = links.to_vec();
        all.resize(self.slots().max(links.len()), empty);
        all
    }

    /// Rows the layout needs; the tallest column group wins.
    pub fn rows(&self) -> usize {
        let n = self.slots();
        let depth = self.depth as usize;
        let lanes = self.lanes;
        let hashing = poseidon::rows(HASH_LANES, n, lanes + 1)
            + merkle_rows(HASH_LANES, n)
            + batch_rows(MAX_ASSETS + 1);
        // Sums, blindings and sub-roots of every shard, balances, constants.
        let words = n * (lanes + 2) + 2 * MAX_ASSETS + depth + 8;
        let coverage = lanes * (self.assets + 2) + lanes * (n + 1);
        // Zero padding of odd-length commitments, two per lane in the coverage chip.
        let constants = n + depth + 2 * lanes + 8;
        let range = range::rows(1, self.assets + 5 * lanes);
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
            assert!(
                (1..=shape.slots()).contains(&w.shards.len()),
                "one opening per proven shard"
            );
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
        let (a, s_n) = (self.shape.assets, self.shape.lanes);
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
        // Shards past the proven ones open the commitment to zero sums under a zero
        // blinding, which the verifier puts in their instance slots.
        let opening = |w: &TopWitness, i: usize| {
            w.shards
                .get(i)
                .map_or(([Fp::ZERO; MAX_SCENARIOS], Fp::ZERO), |o| *o)
        };
        let mut openings = Vec::with_capacity(self.shape.slots());
        for i in 0..self.shape.slots() {
            let words: Vec<Value<Fp>> = (0..s_n).map(|l| known(&|w| opening(w, i).0[l])).collect();
            let words = pool.assign(&mut layouter, &words)?;
            openings.push((words, known(&|w| opening(w, i).1)));
        }
        let commitments = pool.commit_sums(&mut layouter, &openings)?;
        for (i, c) in commitments.iter().enumerate() {
            let at = instance::shard_sums(i, a, s_n);
            layouter.constrain_instance(c.cell(), config.instance, at)?;
        }
        let sums: Vec<_> = openings.into_iter().map(|(words, _)| words).collect();

        // R_L over the shard sub-roots, empty subtrees past the last shard.
        let offsets: Vec<usize> = (0..self.shape.slots())
            .map(|i| instance::shard_root(i, a, s_n))
            .collect();
        let roots = pool.public(&mut layouter, &offsets)?;
        let root = pool.merkle_root(&mut layouter, roots, &[])?;
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
