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

use crate::gadgets::{
    coverage::{CoverageChip, CoverageConfig, CoverageInstructions},
    hash::{HashInstructions, HashPool, HashPoolConfig},
    range::{RangeCheckChip, RangeCheckConfig, RangeCheckInstructions},
};
use crate::limits::{reserve_slots, MAX_SCENARIOS};
use crate::shapes::{TopShape, TOP_HASH_LANES};
use crate::statement::{instance, Fp, Public};
use crate::witness::TopWitness;
use ff::Field;

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
        let hash = HashPool::configure(meta, TOP_HASH_LANES, TOP_HASH_LANES, instance);
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
        let c_r = pool.commit(&mut layouter, reserve_slots(a) + 1, &[opening])?;
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
