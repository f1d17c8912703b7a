//! The shard circuit: one part of a large book. It proves its slots' liability sums and
//! subtree exactly as the single circuit does, and exposes only the subtree root and a
//! blinded commitment to the per-lane sums, which the top circuit opens, with the shard's
//! index and the number of shards of its set.

use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    plonk::{Circuit, ConstraintSystem, Error},
};

use super::{BookCells, BookConfig};
use crate::bands::band_table;
use crate::gadgets::{hash::HashInstructions, range::RangeCheckInstructions};
use crate::shapes::Shape;
use crate::statement::{instance::shard, Fp, Public};
use crate::witness::ShardWitness;

/// The circuit of one shard, for a policy of at most `LANES` scenarios.
#[derive(Clone, Debug)]
pub struct ShardCircuit<const LANES: usize> {
    shape: Shape,
    /// The band table's columns ([`band_table`]).
    table: Vec<Vec<Fp>>,
    witness: Option<ShardWitness>,
}

impl<const LANES: usize> ShardCircuit<LANES> {
    /// A shard circuit for `public`; `witness` is `None` for key generation.
    pub fn new(public: &Public, shape: Shape, witness: Option<ShardWitness>) -> Self {
        assert!(shape.fits(public), "shard shape {shape:?}");
        assert_eq!(shape.lanes, LANES, "lane width");
        if let Some(w) = &witness {
            assert_eq!(
                w.slots.len(),
                shape.slots(),
                "one witness slot per shard slot"
            );
        }
        ShardCircuit {
            shape,
            table: band_table(public, LANES),
            witness,
        }
    }
}

impl<const LANES: usize> Circuit<Fp> for ShardCircuit<LANES> {
    type Config = BookConfig<LANES>;
    type FloorPlanner = SimpleFloorPlanner;

    fn without_witnesses(&self) -> Self {
        ShardCircuit {
            witness: None,
            ..self.clone()
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
        BookConfig::configure(meta)
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fp>,
    ) -> Result<(), Error> {
        let w = self.witness.as_ref();
        let BookCells {
            pool,
            range,
            root,
            totals,
            ranged,
        } = config.synthesize(
            &mut layouter,
            &self.table,
            self.shape.depth,
            w.map(|w| &w.slots[..]),
        )?;
        layouter.constrain_instance(root.cell(), config.instance, shard::SUB_ROOT)?;
        let blinding = w.map_or(Value::unknown(), |w| Value::known(w.blinding));
        let sums = pool.commit_sums(&mut layouter, &[(totals.to_vec(), blinding)])?;
        layouter.constrain_instance(sums[0].cell(), config.instance, shard::SUMS)?;
        range.check_u64(&mut layouter, &ranged)?;
        // Copying the public values into cells makes the instance column's binding explicit
        // in the permutation: the statement's public data and the shard's place in its set.
        pool.public(
            &mut layouter,
            &[shard::STATEMENT_DIGEST, shard::INDEX, shard::COUNT],
        )?;
        Ok(())
    }
}
