//! Range check: proves a cell holds an integer in `[0, 2^64)`.
//!
//! A value is decomposed into eight bytes down one column, as a running sum: the value is
//! copied into `z_0`, and row `i` of its eight rows holds `z_i = Σ_{j≥i} byte_j · 256^(j−i)`.
//! Each byte is recovered from two neighbouring cells and looked up in a 256-entry table:
//!
//! ```text
//!   q_step · (z_i − 256 · z_{i+1}) ∈ {0..255}     rows i = 0..6 (byte_i)
//!   q_last · z_7 ∈ {0..255}                       row 7 (byte_7)
//! ```
//!
//! Telescoping, `z_0 = Σ_{i<8} byte_i · 256^i`: eight bytes below 256 sum to less than 2^64,
//! far below the field modulus, so the decomposition cannot wrap and a cell passes exactly
//! when its value is below 2^64. One lookup per column checks one byte per row, where a
//! row-wise decomposition needs one lookup per byte: values go down [`RangeCheckConfig`]'s
//! columns side by side, eight rows each, and the columns share the two selectors.

use ff::{Field, PrimeField};
use halo2_proofs::{
    circuit::{AssignedCell, Chip, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Error, Selector, TableColumn},
    poly::Rotation,
};

use super::columns::Reads;
use crate::statement::Fp;

/// Bytes, hence rows, per checked value.
pub const BYTES: usize = 8;

/// Rows that range-checking `values` values takes on `columns` columns.
pub const fn rows(columns: usize, values: usize) -> usize {
    BYTES * values.div_ceil(columns)
}

/// What a circuit may ask of a range checker.
pub trait RangeCheckInstructions {
    /// Constrains every cell in `cells` to `[0, 2^64)`.
    fn check_u64(
        &self,
        layouter: &mut impl Layouter<Fp>,
        cells: &[AssignedCell<Fp, Fp>],
    ) -> Result<(), Error>;
}

/// Columns, selectors and table of the range checker.
#[derive(Clone, Debug)]
pub struct RangeCheckConfig {
    z: Vec<Column<Advice>>,
    q_step: Selector,
    q_last: Selector,
    table: TableColumn,
}

/// The range-check chip.
#[derive(Clone, Debug)]
pub struct RangeCheckChip {
    config: RangeCheckConfig,
}

impl Chip<Fp> for RangeCheckChip {
    type Config = RangeCheckConfig;
    type Loaded = ();
    fn config(&self) -> &Self::Config {
        &self.config
    }
    fn loaded(&self) -> &Self::Loaded {
        &()
    }
}

impl RangeCheckConfig {
    /// The running-sum columns, for other chips' regions in the rows the checks leave free:
    /// read at the current and next rows, equality-enabled.
    pub fn shared(&self) -> impl Iterator<Item = (Column<Advice>, Reads)> + '_ {
        self.z.iter().map(|&z| (z, Reads::NEXT_LINKED))
    }
}

impl RangeCheckChip {
    /// Configures the chip on the running-sum columns `z` (one lookup each); they are
    /// equality-enabled so values can be copied in.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, z: &[Column<Advice>]) -> RangeCheckConfig {
        assert!(!z.is_empty(), "at least one column");
        let q_step = meta.complex_selector();
        let q_last = meta.complex_selector();
        let table = meta.lookup_table_column();
        for &col in z {
            meta.enable_equality(col);
            meta.lookup(|meta| {
                let step = meta.query_selector(q_step);
                let last = meta.query_selector(q_last);
                let cur = meta.query_advice(col, Rotation::cur());
                let next = meta.query_advice(col, Rotation::next());
                let byte = step * (cur.clone() - next * Fp::from(256)) + last * cur;
                vec![(byte, table)]
            });
        }
        RangeCheckConfig {
            z: z.to_vec(),
            q_step,
            q_last,
            table,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: RangeCheckConfig) -> Self {
        RangeCheckChip { config }
    }

    /// Fills the byte table; call once per synthesis.
    pub fn load(&self, layouter: &mut impl Layouter<Fp>) -> Result<(), Error> {
        layouter.assign_table(
            || "bytes",
            |mut table| {
                for i in 0..256 {
                    table.assign_cell(
                        || "byte",
                        self.config.table,
                        i,
                        || Value::known(Fp::from(i as u64)),
                    )?;
                }
                Ok(())
            },
        )
    }
}

/// The running sum `z_0..z_7` of a value's low 64 bits: `z_i` is the value shifted right by
/// `8·i` bits.
fn running_sum(f: &Fp) -> [Fp; BYTES] {
    let v = u64::from_le_bytes(f.to_repr()[..BYTES].try_into().expect("32 >= 8"));
    std::array::from_fn(|i| Fp::from(v >> (8 * i)))
}

impl RangeCheckInstructions for RangeCheckChip {
    fn check_u64(
        &self,
        layouter: &mut impl Layouter<Fp>,
        cells: &[AssignedCell<Fp, Fp>],
    ) -> Result<(), Error> {
        let config = &self.config;
        layouter.assign_region(
            || "range check",
            |mut region| {
                for (group, values) in cells.chunks(config.z.len()).enumerate() {
                    let top = group * BYTES;
                    for i in 0..BYTES {
                        let selector = if i + 1 < BYTES {
                            config.q_step
                        } else {
                            config.q_last
                        };
                        selector.enable(&mut region, top + i)?;
                    }
                    for (c, &col) in config.z.iter().enumerate() {
                        // Columns past the last value hold zeros, whose bytes are zero.
                        let Some(cell) = values.get(c) else {
                            for i in 0..BYTES {
                                region.assign_advice(
                                    || "z pad",
                                    col,
                                    top + i,
                                    || Value::known(Fp::ZERO),
                                )?;
                            }
                            continue;
                        };
                        // An honest prover's value is below 2^64 and this is its running sum;
                        // for any other value `z_0` differs from it and some byte is refused.
                        let z = cell.value().map(running_sum);
                        cell.copy_advice(|| "z_0", &mut region, col, top)?;
                        for i in 1..BYTES {
                            region.assign_advice(|| "z", col, top + i, || z.map(|z| z[i]))?;
                        }
                    }
                }
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_proofs::{
        circuit::SimpleFloorPlanner,
        dev::{FailureLocation, MockProver, VerifyFailure},
        plonk::Circuit,
    };

    /// Running-sum columns of the test circuit: two, so values sit side by side and the last
    /// group is padded.
    const COLUMNS: usize = 2;

    #[derive(Default)]
    struct TestCircuit {
        values: Vec<Fp>,
        /// A hand-made running sum in column 0: the value `z_0` and the cells a cheating
        /// prover claims below it.
        forged: Option<[Fp; BYTES]>,
    }

    impl Circuit<Fp> for TestCircuit {
        type Config = (RangeCheckConfig, Column<Advice>);
        type FloorPlanner = SimpleFloorPlanner;

        fn without_witnesses(&self) -> Self {
            Self::default()
        }

        fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
            let input = meta.advice_column();
            meta.enable_equality(input);
            let z = [(); COLUMNS].map(|_| meta.advice_column());
            (RangeCheckChip::configure(meta, &z), input)
        }

        fn synthesize(
            &self,
            (config, input): Self::Config,
            mut layouter: impl Layouter<Fp>,
        ) -> Result<(), Error> {
            let chip = RangeCheckChip::construct(config);
            chip.load(&mut layouter)?;
            let cells = layouter.assign_region(
                || "inputs",
                |mut region| {
                    self.values
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| region.assign_advice(|| "v", input, i, || Value::known(v)))
                        .collect::<Result<Vec<_>, _>>()
                },
            )?;
            chip.check_u64(&mut layouter, &cells)?;
            if let Some(z) = self.forged {
                let config = chip.config();
                layouter.assign_region(
                    || "forged",
                    |mut region| {
                        for (i, &z) in z.iter().enumerate() {
                            let q = if i + 1 < BYTES {
                                config.q_step
                            } else {
                                config.q_last
                            };
                            q.enable(&mut region, i)?;
                            region.assign_advice(|| "z", config.z[0], i, || Value::known(z))?;
                        }
                        Ok(())
                    },
                )?;
            }
            Ok(())
        }
    }

    fn run(circuit: &TestCircuit) -> Result<(), Vec<VerifyFailure>> {
        MockProver::run(9, circuit, vec![]).unwrap().verify()
    }

    fn check(values: Vec<Fp>) -> Result<(), Vec<VerifyFailure>> {
        run(&TestCircuit {
            values,
            forged: None,
        })
    }

    /// Whether every failure is lookup `index` failing at `offset` of a region.
    fn only_lookup_at(failures: &[VerifyFailure], index: usize, offset: usize) -> bool {
        failures.iter().all(|f| {
            matches!(f, VerifyFailure::Lookup { lookup_index, location: FailureLocation::InRegion { offset: o, .. } }
                if *lookup_index == index && *o == offset)
        })
    }

    #[test]
    fn accepts_values_below_2_pow_64() {
        // Five values on two columns: the third group pads its second column with zeros.
        let values = [0, 1, 255, 1 << 40, u64::MAX].map(Fp::from).to_vec();
        assert_eq!(check(values), Ok(()));
    }

    #[test]
    fn rejects_2_pow_64_and_p_minus_1_at_their_lowest_byte() {
        // The honest running sum of the low 64 bits leaves `z_0 − 256·z_1` at 256 or more.
        for bad in [Fp::from_u128(1 << 64), -Fp::ONE] {
            // Third value: column 0 of the second group, rows 8..16.
            let failures = check(vec![Fp::ONE, Fp::ONE, bad]).unwrap_err();
            assert!(only_lookup_at(&failures, 0, BYTES), "{failures:?}");
            // Fourth value: column 1.
            let failures = check(vec![Fp::ONE, Fp::ONE, Fp::ONE, bad]).unwrap_err();
            assert!(only_lookup_at(&failures, 1, BYTES), "{failures:?}");
        }
    }

    #[test]
    fn rejects_a_top_byte_of_256_or_more() {
        // 2^64 = 256 · 256^7: z_i = 256^(8−i) makes bytes 0..6 zero and leaves 256 on top.
        let z = std::array::from_fn(|i| Fp::from_u128(1 << (8 * (BYTES - i))));
        let failures = run(&TestCircuit {
            values: vec![],
            forged: Some(z),
        })
        .unwrap_err();
        assert!(only_lookup_at(&failures, 0, BYTES - 1), "{failures:?}");
    }

    #[test]
    fn rejects_a_middle_byte_of_256() {
        // 2^24 with z_3 = 0: byte 2 is 256 and every other byte is zero, the sum still right.
        let z = [1 << 24, 1 << 16, 256, 0, 0, 0, 0, 0].map(Fp::from);
        let failures = run(&TestCircuit {
            values: vec![],
            forged: Some(z),
        })
        .unwrap_err();
        assert!(only_lookup_at(&failures, 0, 2), "{failures:?}");
    }

    #[test]
    fn rejects_a_running_sum_that_wraps_the_field() {
        // p − 1 with every step byte zero: z_i = (p − 1) / 256^i in the field. Bytes 0..6 pass;
        // the division never lands below 256, so the top byte is refused.
        let inv = Fp::from(256).invert().unwrap();
        let mut z = [-Fp::ONE; BYTES];
        for i in 1..BYTES {
            z[i] = z[i - 1] * inv;
        }
        let failures = run(&TestCircuit {
            values: vec![],
            forged: Some(z),
        })
        .unwrap_err();
        assert!(only_lookup_at(&failures, 0, BYTES - 1), "{failures:?}");
    }
}
