//! Poseidon of many messages at once: permutations run in lockstep, one per *lane*, and share
//! their round-constant columns and selectors.
//!
//! The function is `P128Pow5T3` Poseidon in a [`Domain`] — `ConstantLength<L>` for messages,
//! a capacity of its own for tree nodes — the one [`crate::commit`] computes natively. `halo2_gadgets`' `Pow5Chip` gives every chip six fixed columns and six
//! equality-enabled ones; twelve chips side by side cost 72 of each, and every such column is
//! a multi-scalar multiplication in `keygen_vk` and an evaluation in every proof. Here a lane
//! owns four advice columns — the three state words and the partial S-box — of which only the
//! two rate words take part in the permutation argument (message words in, digest out); all
//! lanes read the same six round-constant columns.
//!
//! Constraints, for every lane, with the round gates of `Pow5Chip`:
//! - *capacity*: the first permutation starts from the domain's capacity word
//!   ([`Domain::capacity`]), fixed in `rc_b[2]` on that row (a full-round row, where `rc_b`
//!   is unused);
//! - *full round*: one row per full round, `next = M · (cur + rc_a)^5`;
//! - *partial rounds*: one row per pair of partial rounds; the partial S-box column holds the
//!   first S-box output, and the second round is checked through `M^-1 · next`;
//! - *absorb*: for a message longer than the rate, the row after a permutation's output holds
//!   the next two words and the next permutation starts from `output + words` (capacity
//!   unchanged). Only the first *absorbing* lanes have this gate, and longer messages go to
//!   them alone: it reads the state a row back, and every rotation at which a column is read
//!   is one more evaluation in every proof, so a circuit that hashes few long messages keeps
//!   its other lanes at two rotations.
//!
//! Message words are copied in (zero padding comes from the constants column) and the digest
//! is the first state word of the last row, so every cell between is fixed by the gates.

use halo2_gadgets::poseidon::primitives::{Mds, P128Pow5T3, Spec};
use halo2_proofs::{
    circuit::{AssignedCell, Layouter, Region, Value},
    plonk::{
        Advice, Column, ConstraintSystem, Constraints, Error, Expression, Fixed, Selector,
        VirtualCells,
    },
    poly::Rotation,
};

use super::columns::Reads;
use crate::commit::Domain;
use crate::statement::Fp;

/// State words.
const WIDTH: usize = 3;
/// Words absorbed per permutation.
const RATE: usize = 2;
/// Full rounds before (and after) the partial rounds of `P128Pow5T3`.
const HALF_FULL: usize = 4;
/// Rows of partial rounds (two rounds per row) of `P128Pow5T3`.
const PARTIAL_ROWS: usize = 28;
/// Rows from a permutation's input state to its output state.
const ROUND_ROWS: usize = 2 * HALF_FULL + PARTIAL_ROWS;
/// Rows from one permutation's input to the next one's: rounds, output, absorb.
const PERMUTATION_ROWS: usize = ROUND_ROWS + 2;

/// Rows of one batch of messages of `words` words.
pub const fn batch_rows(words: usize) -> usize {
    PERMUTATION_ROWS * words.div_ceil(RATE) - 1
}

/// Rows of hashing `messages` messages of `words` words each on `lanes` lanes.
pub const fn rows(lanes: usize, messages: usize, words: usize) -> usize {
    messages.div_ceil(lanes) * batch_rows(words)
}

/// What the circuit may ask of the Poseidon lanes.
pub trait PoseidonInstructions {
    /// `Poseidon(message)` in `domain` for every message, all of the same length.
    fn hash(
        &self,
        layouter: &mut impl Layouter<Fp>,
        domain: Domain,
        messages: &[Vec<AssignedCell<Fp, Fp>>],
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error>;
}

/// One lane's columns.
#[derive(Clone, Copy, Debug)]
struct Lane {
    state: [Column<Advice>; WIDTH],
    partial_sbox: Column<Advice>,
}

/// Columns, selectors and constants of the Poseidon lanes.
#[derive(Clone, Debug)]
pub struct PoseidonConfig {
    lanes: Vec<Lane>,
    /// The first lanes, which alone absorb messages longer than the rate.
    absorbing: usize,
    rc_a: [Column<Fixed>; WIDTH],
    rc_b: [Column<Fixed>; WIDTH],
    s_capacity: Selector,
    s_full: Selector,
    s_partial: Selector,
    s_absorb: Selector,
    round_constants: Vec<[Fp; WIDTH]>,
    mds: Mds<Fp, WIDTH>,
}

/// The Poseidon lanes chip.
#[derive(Clone, Debug)]
pub struct PoseidonChip {
    config: PoseidonConfig,
    /// A cell to corrupt in every batch (lane, batch row, column: 0–2 state, 3 partial
    /// S-box), so tests can show which gate catches a forged trace.
    #[cfg(test)]
    tamper: Option<(usize, usize, usize)>,
}

fn pow5(x: Expression<Fp>) -> Expression<Fp> {
    let x2 = x.clone() * x.clone();
    x2.clone() * x2 * x
}

impl PoseidonConfig {
    /// The lanes' advice columns, for other chips' regions in the rows the lanes leave free:
    /// the rate words (read at the current and next rows, equality-enabled), the capacity
    /// word (current and next rows) and the partial S-box (current row); an absorbing lane's
    /// state is read at the previous row too.
    pub fn shared(&self) -> impl Iterator<Item = (Column<Advice>, Reads)> + '_ {
        self.lanes.iter().enumerate().flat_map(|(l, lane)| {
            let state = |reads: Reads| {
                if l < self.absorbing {
                    reads.and_prev()
                } else {
                    reads
                }
            };
            [
                (lane.state[0], state(Reads::NEXT_LINKED)),
                (lane.state[1], state(Reads::NEXT_LINKED)),
                (lane.state[2], state(Reads::NEXT)),
                (lane.partial_sbox, Reads::CUR),
            ]
        })
    }
}

impl PoseidonChip {
    /// Allocates `lanes` lanes (four advice columns each), of which the first `absorbing`
    /// hash messages longer than the rate, and the shared constant columns. The circuit must
    /// enable a constants column (for the zero padding of odd messages).
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        lanes: usize,
        absorbing: usize,
    ) -> PoseidonConfig {
        assert!(
            (1..=lanes).contains(&absorbing),
            "at least one lane, and at least one of them absorbing"
        );
        assert_eq!(
            <P128Pow5T3 as Spec<Fp, WIDTH, RATE>>::full_rounds(),
            2 * HALF_FULL
        );
        assert_eq!(
            <P128Pow5T3 as Spec<Fp, WIDTH, RATE>>::partial_rounds(),
            2 * PARTIAL_ROWS
        );
        let (round_constants, mds, mds_inv) = <P128Pow5T3 as Spec<Fp, WIDTH, RATE>>::constants();
        let lanes: Vec<Lane> = (0..lanes)
            .map(|_| {
                let state = [(); WIDTH].map(|_| meta.advice_column());
                meta.enable_equality(state[0]);
                meta.enable_equality(state[1]);
                Lane {
                    state,
                    partial_sbox: meta.advice_column(),
                }
            })
            .collect();
        let rc_a = [(); WIDTH].map(|_| meta.fixed_column());
        let rc_b = [(); WIDTH].map(|_| meta.fixed_column());
        let s_capacity = meta.selector();
        let s_full = meta.selector();
        let s_partial = meta.selector();
        let s_absorb = meta.selector();

        let query = |meta: &mut VirtualCells<Fp>, column: Column<Advice>, at: i32| {
            meta.query_advice(column, Rotation(at))
        };

        meta.create_gate("poseidon capacity", |meta| {
            let s = meta.query_selector(s_capacity);
            let capacity = meta.query_fixed(rc_b[2]);
            let constraints: Vec<_> = lanes
                .iter()
                .map(|lane| query(meta, lane.state[2], 0) - capacity.clone())
                .collect();
            Constraints::with_selector(s, constraints)
        });

        meta.create_gate("poseidon full round", |meta| {
            let s = meta.query_selector(s_full);
            let rc: Vec<_> = rc_a.iter().map(|&c| meta.query_fixed(c)).collect();
            let mut constraints = Vec::with_capacity(lanes.len() * WIDTH);
            for lane in &lanes {
                let sboxed: Vec<_> = (0..WIDTH)
                    .map(|j| pow5(query(meta, lane.state[j], 0) + rc[j].clone()))
                    .collect();
                for (i, row) in mds.iter().enumerate() {
                    let mixed = sboxed
                        .iter()
                        .zip(row)
                        .map(|(x, &m)| x.clone() * m)
                        .reduce(|a, b| a + b)
                        .expect("WIDTH > 0");
                    constraints.push(mixed - query(meta, lane.state[i], 1));
                }
            }
            Constraints::with_selector(s, constraints)
        });

        meta.create_gate("poseidon partial rounds", |meta| {
            let s = meta.query_selector(s_partial);
            let rc_a: Vec<_> = rc_a.iter().map(|&c| meta.query_fixed(c)).collect();
            let rc_b: Vec<_> = rc_b.iter().map(|&c| meta.query_fixed(c)).collect();
            let mut constraints = Vec::with_capacity(lanes.len() * (WIDTH + 1));
            for lane in &lanes {
                let cur: Vec<_> = (0..WIDTH).map(|j| query(meta, lane.state[j], 0)).collect();
                let next: Vec<_> = (0..WIDTH).map(|j| query(meta, lane.state[j], 1)).collect();
                let sbox = query(meta, lane.partial_sbox, 0);
                // The state after the first round: M · (sbox, cur_1 + rc_1, cur_2 + rc_2).
                let mid = |i: usize| {
                    (1..WIDTH).fold(sbox.clone() * mds[i][0], |acc, j| {
                        acc + (cur[j].clone() + rc_a[j].clone()) * mds[i][j]
                    })
                };
                // The second round's S-box layer output, recovered as M^-1 · next.
                let before_mix = |i: usize| {
                    (0..WIDTH)
                        .map(|j| next[j].clone() * mds_inv[i][j])
                        .reduce(|a, b| a + b)
                        .expect("WIDTH > 0")
                };
                constraints.push(pow5(cur[0].clone() + rc_a[0].clone()) - sbox.clone());
                constraints.push(pow5(mid(0) + rc_b[0].clone()) - before_mix(0));
                for (i, rc) in rc_b.iter().enumerate().skip(1) {
                    constraints.push(mid(i) + rc.clone() - before_mix(i));
                }
            }
            Constraints::with_selector(s, constraints)
        });

        meta.create_gate("poseidon absorb", |meta| {
            let s = meta.query_selector(s_absorb);
            let mut constraints = Vec::with_capacity(absorbing * WIDTH);
            for lane in &lanes[..absorbing] {
                for (i, &column) in lane.state.iter().enumerate() {
                    let word = if i < RATE {
                        query(meta, column, 0)
                    } else {
                        Expression::Constant(Fp::zero())
                    };
                    constraints.push(query(meta, column, -1) + word - query(meta, column, 1));
                }
            }
            Constraints::with_selector(s, constraints)
        });

        PoseidonConfig {
            lanes,
            absorbing,
            rc_a,
            rc_b,
            s_capacity,
            s_full,
            s_partial,
            s_absorb,
            round_constants,
            mds,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: PoseidonConfig) -> Self {
        PoseidonChip {
            config,
            #[cfg(test)]
            tamper: None,
        }
    }

    /// Lays out one batch of at most `lanes` messages of `words` words in `domain`.
    fn batch(
        &self,
        region: &mut Region<'_, Fp>,
        domain: Domain,
        messages: &[Vec<AssignedCell<Fp, Fp>>],
        words: usize,
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error> {
        let config = &self.config;
        // Only the absorbing lanes check the absorb rows of a longer message.
        assert!(
            words <= RATE || messages.len() <= config.absorbing,
            "{} messages of {words} words on {} absorbing lanes",
            messages.len(),
            config.absorbing
        );
        let height = batch_rows(words);
        let initial = domain.capacity(words);

        // Selectors and round constants, shared by every lane.
        region.assign_fixed(|| "capacity", config.rc_b[2], 0, || Value::known(initial))?;
        config.s_capacity.enable(region, 0)?;
        for start in (0..height).step_by(PERMUTATION_ROWS) {
            if start > 0 {
                config.s_absorb.enable(region, start - 1)?;
            }
            for row in 0..ROUND_ROWS {
                let round = round_of(row);
                for (i, &column) in config.rc_a.iter().enumerate() {
                    let rc = Value::known(config.round_constants[round][i]);
                    region.assign_fixed(|| "rc_a", column, start + row, || rc)?;
                }
                if is_partial(row) {
                    config.s_partial.enable(region, start + row)?;
                    for (i, &column) in config.rc_b.iter().enumerate() {
                        let rc = Value::known(config.round_constants[round + 1][i]);
                        region.assign_fixed(|| "rc_b", column, start + row, || rc)?;
                    }
                } else {
                    config.s_full.enable(region, start + row)?;
                }
            }
        }

        let mut digests = Vec::with_capacity(messages.len());
        for (l, lane) in config.lanes.iter().enumerate() {
            let message = messages.get(l);
            // An unused lane permutes zeros: its gates are on like every lane's.
            let values: Value<Vec<Fp>> = match message {
                Some(m) => m.iter().map(|c| c.value().copied()).collect(),
                None => Value::known(vec![Fp::zero(); words]),
            };
            let trace = values.map(|m| self.trace(initial, &m));
            let value = |row: usize, column: usize| {
                let delta = if self.tampered(l, row, column) {
                    Fp::one()
                } else {
                    Fp::zero()
                };
                trace.as_ref().map(|t| t[row][column] + delta)
            };
            let mut digest = None;
            for row in 0..height {
                let at = row % PERMUTATION_ROWS;
                let input = row == 0 || at == PERMUTATION_ROWS - 1;
                for (i, &column) in lane.state.iter().enumerate() {
                    if input && i < RATE {
                        // Message word `w`: copied, or a constant zero past the message's end.
                        let w = (row + 1) / PERMUTATION_ROWS * RATE + i;
                        let cell =
                            region.assign_advice(|| "word", column, row, || value(row, i))?;
                        match message.map(|m| m.get(w)) {
                            Some(Some(word)) => region.constrain_equal(word.cell(), cell.cell())?,
                            Some(None) => region.constrain_constant(cell.cell(), Fp::zero())?,
                            None => {}
                        }
                    } else if row == 0 || !input {
                        let cell =
                            region.assign_advice(|| "state", column, row, || value(row, i))?;
                        if row == height - 1 && i == 0 {
                            digest = Some(cell);
                        }
                    }
                }
                if at < ROUND_ROWS && is_partial(at) {
                    let sbox = value(row, WIDTH);
                    region.assign_advice(|| "partial sbox", lane.partial_sbox, row, || sbox)?;
                }
            }
            if message.is_some() {
                digests.push(digest.expect("the last row holds the digest"));
            }
        }
        Ok(digests)
    }

    /// Whether a test asked to corrupt this cell of lane `lane`.
    #[cfg(test)]
    fn tampered(&self, lane: usize, row: usize, column: usize) -> bool {
        self.tamper == Some((lane, row, column))
    }

    #[cfg(not(test))]
    fn tampered(&self, _lane: usize, _row: usize, _column: usize) -> bool {
        false
    }

    /// Every row of one lane's batch: the three state words and the partial S-box output.
    /// Input rows hold the message words; the first also the capacity word `initial`.
    fn trace(&self, initial: Fp, message: &[Fp]) -> Vec<[Fp; WIDTH + 1]> {
        let config = &self.config;
        let rc = &config.round_constants;
        let m = &config.mds;
        let mix =
            |x: [Fp; WIDTH]| m.map(|row| row.iter().zip(&x).map(|(&a, &b)| a * b).sum::<Fp>());
        let sbox = |x: Fp| x.square().square() * x;
        let height = batch_rows(message.len());
        let mut trace = Vec::with_capacity(height);
        let mut state = [Fp::zero(), Fp::zero(), initial];
        for (c, chunk) in message.chunks(RATE).enumerate() {
            let mut words = [Fp::zero(); WIDTH];
            words[..chunk.len()].copy_from_slice(chunk);
            if c > 0 {
                trace.push([words[0], words[1], Fp::zero(), Fp::zero()]);
            }
            for i in 0..RATE {
                state[i] += words[i];
            }
            for row in 0..ROUND_ROWS {
                let r = round_of(row);
                if is_partial(row) {
                    let first = sbox(state[0] + rc[r][0]);
                    trace.push([state[0], state[1], state[2], first]);
                    let mid = mix([first, state[1] + rc[r][1], state[2] + rc[r][2]]);
                    let next = [
                        sbox(mid[0] + rc[r + 1][0]),
                        mid[1] + rc[r + 1][1],
                        mid[2] + rc[r + 1][2],
                    ];
                    state = mix(next);
                } else {
                    trace.push([state[0], state[1], state[2], Fp::zero()]);
                    state = mix([0, 1, 2].map(|i| sbox(state[i] + rc[r][i])));
                }
            }
            trace.push([state[0], state[1], state[2], Fp::zero()]);
        }
        debug_assert_eq!(trace.len(), height);
        trace
    }
}

/// The round whose constants permutation row `row` (`0..ROUND_ROWS`) uses (the first of its
/// pair on a partial row).
fn round_of(row: usize) -> usize {
    if row < HALF_FULL {
        row
    } else if row < HALF_FULL + PARTIAL_ROWS {
        HALF_FULL + 2 * (row - HALF_FULL)
    } else {
        row + PARTIAL_ROWS
    }
}

/// Whether permutation row `row` holds a pair of partial rounds.
fn is_partial(row: usize) -> bool {
    (HALF_FULL..HALF_FULL + PARTIAL_ROWS).contains(&row)
}

impl PoseidonInstructions for PoseidonChip {
    fn hash(
        &self,
        layouter: &mut impl Layouter<Fp>,
        domain: Domain,
        messages: &[Vec<AssignedCell<Fp, Fp>>],
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error> {
        let Some(words) = messages.first().map(Vec::len) else {
            return Ok(vec![]);
        };
        assert!(words > 0, "a message has at least one word");
        assert!(
            messages.iter().all(|m| m.len() == words),
            "one batch of hashes has one message length"
        );
        // A message longer than the rate needs an absorbing lane.
        let lanes = if words > RATE {
            self.config.absorbing
        } else {
            self.config.lanes.len()
        };
        let mut digests = Vec::with_capacity(messages.len());
        for batch in messages.chunks(lanes) {
            digests.extend(layouter.assign_region(
                || format!("poseidon of {} × {words} words", batch.len()),
                |mut region| self.batch(&mut region, domain, batch, words),
            )?);
        }
        Ok(digests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commit::node;
    use crate::test_failures::assert_permutation_failure;
    use halo2_gadgets::poseidon::primitives::{ConstantLength, Hash};
    use halo2_proofs::{
        circuit::SimpleFloorPlanner,
        dev::{MockProver, VerifyFailure},
        plonk::{Circuit, Instance},
    };

    /// Lanes of the test chip: batches of 1, 3 and 4 messages are partial, full and spilling.
    const LANES: usize = 3;
    /// Absorbing lanes of the test chip: 3 and 4 long messages spill into a second batch.
    const ABSORBING: usize = 2;

    /// Hashes `messages` and exposes the digests as the instance.
    #[derive(Clone)]
    struct HashCircuit {
        domain: Domain,
        messages: Vec<Vec<Fp>>,
        tamper: Option<(usize, usize, usize)>,
        /// Lay every message out in one batch, whatever the lanes.
        one_batch: bool,
    }

    impl Circuit<Fp> for HashCircuit {
        type Config = (PoseidonConfig, Column<Advice>, Column<Instance>);
        type FloorPlanner = SimpleFloorPlanner;

        fn without_witnesses(&self) -> Self {
            self.clone()
        }

        fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
            let words = meta.advice_column();
            meta.enable_equality(words);
            let instance = meta.instance_column();
            meta.enable_equality(instance);
            let constants = meta.fixed_column();
            meta.enable_constant(constants);
            (
                PoseidonChip::configure(meta, LANES, ABSORBING),
                words,
                instance,
            )
        }

        fn synthesize(
            &self,
            (config, column, instance): Self::Config,
            mut layouter: impl Layouter<Fp>,
        ) -> Result<(), Error> {
            let messages = layouter.assign_region(
                || "messages",
                |mut region| {
                    let mut row = 0;
                    let mut cells = vec![];
                    for m in &self.messages {
                        let mut message = vec![];
                        for &w in m {
                            message.push(region.assign_advice(
                                || "word",
                                column,
                                row,
                                || Value::known(w),
                            )?);
                            row += 1;
                        }
                        cells.push(message);
                    }
                    Ok(cells)
                },
            )?;
            let mut chip = PoseidonChip::construct(config);
            chip.tamper = self.tamper;
            let digests = if self.one_batch {
                let words = messages[0].len();
                layouter.assign_region(
                    || "one batch",
                    |mut region| chip.batch(&mut region, self.domain, &messages, words),
                )?
            } else {
                chip.hash(&mut layouter, self.domain, &messages)?
            };
            for (i, d) in digests.iter().enumerate() {
                layouter.constrain_instance(d.cell(), instance, i)?;
            }
            Ok(())
        }
    }

    /// `Poseidon<P128Pow5T3, ConstantLength<L>>` natively, for the lengths tested.
    fn native(m: &[Fp]) -> Fp {
        fn h<const L: usize>(m: &[Fp]) -> Fp {
            Hash::<_, P128Pow5T3, ConstantLength<L>, 3, 2>::init().hash(m.try_into().unwrap())
        }
        match m.len() {
            1 => h::<1>(m),
            2 => h::<2>(m),
            5 => h::<5>(m),
            9 => h::<9>(m),
            10 => h::<10>(m),
            17 => h::<17>(m),
            n => unimplemented!("length {n}"),
        }
    }

    fn messages(count: usize, words: usize) -> Vec<Vec<Fp>> {
        (0..count)
            .map(|i| {
                (0..words)
                    .map(|j| Fp::from((100 * i + j) as u64 + 7))
                    .collect()
            })
            .collect()
    }

    fn run(circuit: &HashCircuit, digests: Vec<Fp>) -> Result<(), Vec<VerifyFailure>> {
        MockProver::run(10, circuit, vec![digests])
            .unwrap()
            .verify()
    }

    #[test]
    fn digests_equal_native_poseidon() {
        for words in [1, 2, 5, 9, 10, 17] {
            for count in [1, LANES, LANES + 1] {
                let messages = messages(count, words);
                let digests: Vec<Fp> = messages.iter().map(|m| native(m)).collect();
                let circuit = HashCircuit {
                    domain: Domain::Message,
                    messages,
                    tamper: None,
                    one_batch: false,
                };
                assert_eq!(run(&circuit, digests.clone()), Ok(()), "{count} × {words}");
                // Any other digest is refused at the instance copy.
                let mut wrong = digests;
                wrong[count - 1] += Fp::one();
                assert!(run(&circuit, wrong).is_err(), "{count} × {words}");
            }
        }
    }

    #[test]
    fn node_digests_equal_native_nodes_and_differ_from_messages() {
        let messages = messages(LANES + 1, 2);
        let nodes: Vec<Fp> = messages.iter().map(|m| node(m[0], m[1])).collect();
        let circuit = HashCircuit {
            domain: Domain::Node,
            messages: messages.clone(),
            tamper: None,
            one_batch: false,
        };
        assert_eq!(run(&circuit, nodes), Ok(()));
        // The same words hashed as a message (a leaf) are not a node.
        let leaves = messages.iter().map(|m| native(m)).collect();
        assert_permutation_failure(&run(&circuit, leaves).unwrap_err());
    }

    /// Corrupts one cell of lane 0 and returns the failures.
    fn forged(words: usize, row: usize, column: usize) -> Vec<VerifyFailure> {
        forged_in(0, words, row, column)
    }

    /// Corrupts one cell of lane `lane` and returns the failures.
    fn forged_in(lane: usize, words: usize, row: usize, column: usize) -> Vec<VerifyFailure> {
        let messages = messages(2, words);
        let digests = messages.iter().map(|m| native(m)).collect();
        let circuit = HashCircuit {
            domain: Domain::Message,
            messages,
            tamper: Some((lane, row, column)),
            one_batch: false,
        };
        run(&circuit, digests).unwrap_err()
    }

    fn assert_gate(failures: &[VerifyFailure], gate: &str) {
        assert!(
            failures.iter().any(|f| matches!(f,
                VerifyFailure::ConstraintNotSatisfied { constraint, .. }
                if constraint.to_string().contains(gate))),
            "expected {gate:?} to fail, got {failures:#?}"
        );
    }

    #[test]
    fn a_forged_trace_fails_the_gate_that_covers_it() {
        // The capacity word of the first permutation.
        assert_gate(&forged(2, 0, 2), "poseidon capacity");
        // Each state word is the output of the gate on the row before it; the rows chosen are
        // those where that gate differs from the one reading the word as input: the first
        // partial row (after a full round), the first full row after the partial rounds, the
        // output row (no gate of its own), and the state after absorbing the second chunk.
        for word in 0..WIDTH {
            assert_gate(&forged(2, HALF_FULL, word), "poseidon full round");
            let after_partial = HALF_FULL + PARTIAL_ROWS;
            assert_gate(&forged(2, after_partial, word), "poseidon partial rounds");
            assert_gate(&forged(2, ROUND_ROWS, word), "poseidon full round");
            assert_gate(&forged(5, PERMUTATION_ROWS, word), "poseidon absorb");
            // Every absorbing lane absorbs under the gate, not only the first.
            assert_gate(
                &forged_in(ABSORBING - 1, 5, PERMUTATION_ROWS, word),
                "poseidon absorb",
            );
        }
        // The partial S-box output.
        assert_gate(&forged(2, 10, 3), "poseidon partial rounds");
    }

    #[test]
    fn a_forged_message_word_or_padding_fails_the_permutation() {
        let words = [(2, 0, 0), (2, 0, 1), (5, PERMUTATION_ROWS - 1, 1)];
        let padding = [(1, 0, 1), (5, 2 * PERMUTATION_ROWS - 1, 1)];
        for (words, row, column) in words.into_iter().chain(padding) {
            assert_permutation_failure(&forged(words, row, column));
        }
    }

    #[test]
    #[should_panic(expected = "absorbing lanes")]
    fn a_long_message_is_never_laid_on_a_lane_that_does_not_absorb() {
        // Three five-word messages in one batch would put the third on lane 2, which has no
        // absorb gate: the chip refuses to lay it out.
        let messages = messages(LANES, 5);
        let digests = messages.iter().map(|m| native(m)).collect();
        let circuit = HashCircuit {
            domain: Domain::Message,
            messages,
            tamper: None,
            one_batch: true,
        };
        let _ = run(&circuit, digests);
    }
}
