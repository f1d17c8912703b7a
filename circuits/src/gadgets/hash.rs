//! Poseidon hashing with several `Pow5Chip`s side by side, and the liabilities tree on top.
//!
//! Each chip has its own columns, so the floor planner lays hashes issued to different chips
//! in the same rows: with `n` chips a tree costs about `41 · 2·slots / n` rows instead of
//! `41 · 2·slots`. Every hash is `Poseidon<P128Pow5T3, ConstantLength<L>>`, the same function
//! [`crate::commit`] computes natively.

use ff::Field;
use halo2_gadgets::poseidon::{
    primitives::{ConstantLength, P128Pow5T3},
    Hash, Pow5Chip, Pow5Config,
};
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Instance},
};

use crate::statement::Fp;

/// Poseidon state width.
const WIDTH: usize = 3;
/// Poseidon rate.
const RATE: usize = 2;

/// Several Poseidon chips, used round-robin.
#[derive(Clone, Debug)]
pub struct HashPoolConfig {
    chips: Vec<Pow5Config<Fp, WIDTH, RATE>>,
    /// Private message words and public values copied in (equality-enabled).
    input: Column<Advice>,
    instance: Column<Instance>,
}

/// What the circuit may ask of the hash pool.
pub trait HashInstructions {
    /// `Poseidon(message)` on chip `lane % chips`.
    fn hash<const L: usize>(
        &self,
        layouter: &mut impl Layouter<Fp>,
        lane: usize,
        message: [AssignedCell<Fp, Fp>; L],
    ) -> Result<AssignedCell<Fp, Fp>, Error>;

    /// Assigns private words (e.g. balances) to be hashed and used elsewhere.
    fn assign(
        &self,
        layouter: &mut impl Layouter<Fp>,
        words: &[Value<Fp>],
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error>;

    /// Copies public inputs at `offsets` of the instance into cells.
    fn public(
        &self,
        layouter: &mut impl Layouter<Fp>,
        offsets: &[usize],
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error>;

    /// A hiding commitment `Poseidon(words ‖ 0… ‖ blinding)` to at most `N − 1` words; the
    /// zero padding is constant, so the commitment binds the number of words too.
    fn commit<const N: usize>(
        &self,
        layouter: &mut impl Layouter<Fp>,
        lane: usize,
        words: &[AssignedCell<Fp, Fp>],
        blinding: Value<Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error>;

    /// A shard's commitment to its lane sums, one word per lane
    /// ([`crate::commit::sums_commitment`]).
    fn commit_sums(
        &self,
        layouter: &mut impl Layouter<Fp>,
        lane: usize,
        sums: &[AssignedCell<Fp, Fp>],
        blinding: Value<Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        crate::with_lanes!(@width Some(sums.len()), |LANES| {
            self.commit::<{ LANES + 1 }>(layouter, lane, sums, blinding)
        })
    }

    /// Assigns the constant `value` (fixed in the verifying key) to be hashed.
    fn constant(
        &self,
        layouter: &mut impl Layouter<Fp>,
        value: Fp,
    ) -> Result<AssignedCell<Fp, Fp>, Error>;

    /// The root of the complete binary tree whose first leaves are `leaves` and whose other
    /// leaves are empty, hashing both children at every node. A level of odd length is
    /// completed by `empty[h]`, the constant root of an empty subtree at that height `h`, so
    /// `empty` needs one entry per level (none when `leaves` is a power of two).
    fn merkle_root(
        &self,
        layouter: &mut impl Layouter<Fp>,
        leaves: Vec<AssignedCell<Fp, Fp>>,
        empty: &[Fp],
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        assert!(!leaves.is_empty(), "a tree has at least one leaf");
        let mut level = leaves;
        let mut lane = 0;
        let mut height = 0;
        while level.len() > 1 {
            if level.len() % 2 == 1 {
                let missing = *empty.get(height).expect("an empty root for every level");
                level.push(self.constant(layouter, missing)?);
            }
            level = level
                .chunks(2)
                .map(|pair| {
                    lane += 1;
                    self.hash(layouter, lane, [pair[0].clone(), pair[1].clone()])
                })
                .collect::<Result<_, _>>()?;
            height += 1;
        }
        Ok(level.pop().expect("one root"))
    }
}

/// The hash pool chip.
#[derive(Clone, Debug)]
pub struct HashPool {
    config: HashPoolConfig,
}

impl HashPool {
    /// Allocates `chips` Poseidon chips, each with its own advice and fixed columns, and one
    /// advice column for message words (the circuit must enable a constants column).
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        chips: usize,
        instance: Column<Instance>,
    ) -> HashPoolConfig {
        let input = meta.advice_column();
        meta.enable_equality(input);
        let chips = (0..chips)
            .map(|_| {
                let state = [(); WIDTH].map(|_| meta.advice_column());
                let partial_sbox = meta.advice_column();
                let rc_a = [(); WIDTH].map(|_| meta.fixed_column());
                let rc_b = [(); WIDTH].map(|_| meta.fixed_column());
                Pow5Chip::configure::<P128Pow5T3>(meta, state, partial_sbox, rc_a, rc_b)
            })
            .collect();
        HashPoolConfig {
            chips,
            input,
            instance,
        }
    }

    /// Builds the pool from its configuration.
    pub fn construct(config: HashPoolConfig) -> Self {
        HashPool { config }
    }
}

impl HashInstructions for HashPool {
    fn assign(
        &self,
        layouter: &mut impl Layouter<Fp>,
        words: &[Value<Fp>],
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error> {
        let input = self.config.input;
        layouter.assign_region(
            || "private words",
            |mut region| {
                words
                    .iter()
                    .enumerate()
                    .map(|(row, &w)| region.assign_advice(|| "word", input, row, || w))
                    .collect()
            },
        )
    }

    fn public(
        &self,
        layouter: &mut impl Layouter<Fp>,
        offsets: &[usize],
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error> {
        let (input, instance) = (self.config.input, self.config.instance);
        layouter.assign_region(
            || "public words",
            |mut region| {
                offsets
                    .iter()
                    .enumerate()
                    .map(|(row, &at)| {
                        region.assign_advice_from_instance(|| "public", instance, at, input, row)
                    })
                    .collect()
            },
        )
    }

    fn constant(
        &self,
        layouter: &mut impl Layouter<Fp>,
        value: Fp,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let input = self.config.input;
        layouter.assign_region(
            || "constant word",
            |mut region| region.assign_advice_from_constant(|| "constant", input, 0, value),
        )
    }

    fn commit<const N: usize>(
        &self,
        layouter: &mut impl Layouter<Fp>,
        lane: usize,
        words: &[AssignedCell<Fp, Fp>],
        blinding: Value<Fp>,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        assert!(
            words.len() < N,
            "{} words do not fit a {N}-word commitment",
            words.len()
        );
        let input = self.config.input;
        let message = layouter.assign_region(
            || "commitment message",
            |mut region| {
                let mut message = Vec::with_capacity(N);
                for (row, w) in words.iter().enumerate() {
                    message.push(w.copy_advice(|| "word", &mut region, input, row)?);
                }
                for row in words.len()..N - 1 {
                    message.push(region.assign_advice_from_constant(
                        || "pad",
                        input,
                        row,
                        Fp::ZERO,
                    )?);
                }
                message.push(region.assign_advice(|| "blinding", input, N - 1, || blinding)?);
                Ok(message)
            },
        )?;
        let message: [AssignedCell<Fp, Fp>; N] = message.try_into().expect("N words");
        self.hash(layouter, lane, message)
    }

    fn hash<const L: usize>(
        &self,
        layouter: &mut impl Layouter<Fp>,
        lane: usize,
        message: [AssignedCell<Fp, Fp>; L],
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let config = &self.config.chips[lane % self.config.chips.len()];
        let chip = Pow5Chip::construct(config.clone());
        Hash::<_, _, P128Pow5T3, ConstantLength<L>, WIDTH, RATE>::init(
            chip,
            layouter.namespace(|| "hash init"),
        )?
        .hash(layouter.namespace(|| "hash"), message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commit::{empty_roots, hash2, MerkleTree};
    use halo2_proofs::{circuit::SimpleFloorPlanner, dev::MockProver, plonk::Circuit};

    #[derive(Default)]
    struct TreeCircuit {
        leaves: Vec<Fp>,
    }

    impl Circuit<Fp> for TreeCircuit {
        type Config = (HashPoolConfig, Column<Advice>, Column<Instance>);
        type FloorPlanner = SimpleFloorPlanner;

        fn without_witnesses(&self) -> Self {
            TreeCircuit {
                leaves: vec![Fp::zero(); self.leaves.len()],
            }
        }

        fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
            let input = meta.advice_column();
            meta.enable_equality(input);
            let instance = meta.instance_column();
            meta.enable_equality(instance);
            let constants = meta.fixed_column();
            meta.enable_constant(constants);
            (HashPool::configure(meta, 2, instance), input, instance)
        }

        fn synthesize(
            &self,
            (pool, input, instance): Self::Config,
            mut layouter: impl Layouter<Fp>,
        ) -> Result<(), Error> {
            let leaves = layouter.assign_region(
                || "leaves",
                |mut region| {
                    self.leaves
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| {
                            region.assign_advice(|| "leaf", input, i, || Value::known(v))
                        })
                        .collect::<Result<Vec<_>, _>>()
                },
            )?;
            let empty = empty_roots(0, 3);
            let root = HashPool::construct(pool).merkle_root(&mut layouter, leaves, &empty)?;
            layouter.constrain_instance(root.cell(), instance, 0)
        }
    }

    #[test]
    fn in_circuit_root_equals_native_root() {
        let leaves: Vec<Fp> = (1..=8u64).map(|i| hash2(Fp::from(i), Fp::zero())).collect();
        // A full tree, and trees whose missing leaves are filled by empty-subtree constants.
        for n in [8usize, 5, 3, 1] {
            let depth = n.next_power_of_two().trailing_zeros();
            let root = MerkleTree::new(depth, &leaves[..n]).root();
            let circuit = TreeCircuit {
                leaves: leaves[..n].to_vec(),
            };
            let prover = MockProver::run(9, &circuit, vec![vec![root]]).unwrap();
            assert_eq!(prover.verify(), Ok(()), "{n} leaves");
            // Any other root is refused at the instance copy.
            let prover = MockProver::run(9, &circuit, vec![vec![root + Fp::one()]]).unwrap();
            assert!(prover.verify().is_err(), "{n} leaves");
        }
    }
}
