//! The circuit's hashing: message words, public values, hiding commitments and the
//! liabilities tree, all hashed by the [`PoseidonChip`] lanes.
//!
//! Hashes of one kind are issued together (every leaf, every node of a tree level, every
//! shard's commitment), so a batch fills the lanes: `n` leaves and the tree over them take
//! about `37 · 2n / lanes` rows. Every hash is `P128Pow5T3` Poseidon in a [`Domain`] — tree
//! nodes in their own — the same function [`crate::commit`] computes natively.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Instance},
};

use super::columns::Reads;
use super::poseidon::{self, PoseidonChip, PoseidonConfig, PoseidonInstructions};
use crate::commit::Domain;
use crate::statement::Fp;

/// Rows the Poseidon lanes spend on a tree over `leaves` leaves: one two-word hash per node,
/// a level at a time (an odd level is completed by a constant, see
/// [`HashInstructions::merkle_root`]).
pub const fn merkle_rows(lanes: usize, leaves: usize) -> usize {
    let (mut level, mut rows) = (leaves, 0);
    while level > 1 {
        level = level.div_ceil(2);
        rows += poseidon::rows(lanes, level, 2);
    }
    rows
}

/// The Poseidon lanes and a column for the words they hash.
#[derive(Clone, Debug)]
pub struct HashPoolConfig {
    poseidon: PoseidonConfig,
    /// Private message words and public values copied in (equality-enabled).
    input: Column<Advice>,
    instance: Column<Instance>,
}

/// A message of field elements and the blinding that hides it.
pub type Opening = (Vec<AssignedCell<Fp, Fp>>, Value<Fp>);

/// What the circuit may ask of the hash pool.
pub trait HashInstructions {
    /// `Poseidon(message)` in `domain` for every message; all messages have one length.
    fn hash(
        &self,
        layouter: &mut impl Layouter<Fp>,
        domain: Domain,
        messages: &[Vec<AssignedCell<Fp, Fp>>],
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error>;

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

    /// Assigns the constant `value` (fixed in the verifying key) to be hashed.
    fn constant(
        &self,
        layouter: &mut impl Layouter<Fp>,
        value: Fp,
    ) -> Result<AssignedCell<Fp, Fp>, Error>;

    /// Hiding commitments `Poseidon(words ‖ 0… ‖ blinding)` of `width` words, one per opening
    /// of at most `width − 1` words ([`crate::commit::hiding_commitment`]); the zero padding
    /// is constant, so a commitment binds its number of words too.
    fn commit(
        &self,
        layouter: &mut impl Layouter<Fp>,
        width: usize,
        openings: &[Opening],
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error> {
        let zero = self.constant(layouter, Fp::ZERO)?;
        let blindings: Vec<Value<Fp>> = openings.iter().map(|(_, b)| *b).collect();
        let blindings = self.assign(layouter, &blindings)?;
        let messages: Vec<_> = openings
            .iter()
            .zip(blindings)
            .map(|((words, _), blinding)| {
                assert!(
                    words.len() < width,
                    "{} words do not fit a {width}-word commitment",
                    words.len()
                );
                let mut message = words.clone();
                message.resize(width - 1, zero.clone());
                message.push(blinding);
                message
            })
            .collect();
        self.hash(layouter, Domain::Message, &messages)
    }

    /// Shards' commitments to their lane sums, one word per lane
    /// ([`crate::commit::sums_commitment`]).
    fn commit_sums(
        &self,
        layouter: &mut impl Layouter<Fp>,
        openings: &[Opening],
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error> {
        let Some(lanes) = openings.first().map(|(sums, _)| sums.len()) else {
            return Ok(vec![]);
        };
        self.commit(layouter, lanes + 1, openings)
    }

    /// The root of the complete binary tree whose first leaves are `leaves` and whose other
    /// leaves are empty, hashing both children at every node in [`Domain::Node`]. A level of odd length is
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
        let mut height = 0;
        while level.len() > 1 {
            if level.len() % 2 == 1 {
                let missing = *empty.get(height).expect("an empty root for every level");
                level.push(self.constant(layouter, missing)?);
            }
            let pairs: Vec<_> = level.chunks(2).map(<[_]>::to_vec).collect();
            level = self.hash(layouter, Domain::Node, &pairs)?;
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

impl HashPoolConfig {
    /// The lanes' columns and the word column, for other chips' regions in the rows they
    /// leave free (see [`PoseidonConfig::shared`]; words are read at the current row and
    /// equality-enabled).
    pub fn shared(&self) -> impl Iterator<Item = (Column<Advice>, Reads)> + '_ {
        self.poseidon
            .shared()
            .chain([(self.input, Reads::CUR_LINKED)])
    }
}

impl HashPool {
    /// Allocates `lanes` Poseidon lanes, the first `absorbing` of them for messages longer
    /// than two words, and one advice column for message words (the circuit must enable a
    /// constants column).
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        lanes: usize,
        absorbing: usize,
        instance: Column<Instance>,
    ) -> HashPoolConfig {
        let input = meta.advice_column();
        meta.enable_equality(input);
        HashPoolConfig {
            poseidon: PoseidonChip::configure(meta, lanes, absorbing),
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
    fn hash(
        &self,
        layouter: &mut impl Layouter<Fp>,
        domain: Domain,
        messages: &[Vec<AssignedCell<Fp, Fp>>],
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error> {
        PoseidonChip::construct(self.config.poseidon.clone()).hash(layouter, domain, messages)
    }

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
            (HashPool::configure(meta, 2, 2, instance), input, instance)
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
        // The root of the same leaves with nodes hashed as messages (one domain for leaves
        // and nodes) is refused: nodes are in their own domain.
        let mut level = leaves.clone();
        while level.len() > 1 {
            level = level.chunks(2).map(|p| hash2(p[0], p[1])).collect();
        }
        let circuit = TreeCircuit { leaves };
        let prover = MockProver::run(9, &circuit, vec![vec![level[0]]]).unwrap();
        assert!(prover.verify().is_err());
    }
}
