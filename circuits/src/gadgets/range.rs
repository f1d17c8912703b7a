//! Range check: proves a cell holds an integer in `[0, 2^64)`.
//!
//! One row per checked value: the value is copied in and decomposed into eight bytes, each
//! looked up in a 256-entry table:
//!
//! ```text
//!   q_range · (value − Σ_{i<8} byte_i · 256^i) = 0,     q_range · byte_i ∈ {0..255}
//! ```
//!
//! Eight bytes below 256 sum to less than 2^64, far below the field modulus, so the
//! decomposition cannot wrap: a cell passes exactly when its value is below 2^64.

use ff::PrimeField;
use halo2_proofs::{
    circuit::{AssignedCell, Chip, Layouter, Value},
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Selector, TableColumn},
    poly::Rotation,
};

use crate::statement::Fp;

/// Bytes per checked value.
pub const BYTES: usize = 8;

/// What a circuit may ask of a range checker.
pub trait RangeCheckInstructions {
    /// Constrains every cell in `cells` to `[0, 2^64)`.
    fn check_u64(
        &self,
        layouter: &mut impl Layouter<Fp>,
        cells: &[AssignedCell<Fp, Fp>],
    ) -> Result<(), Error>;
}

/// Columns, selector and table of the range checker.
#[derive(Clone, Debug)]
pub struct RangeCheckConfig {
    value: Column<Advice>,
    bytes: [Column<Advice>; BYTES],
    q_range: Selector,
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

impl RangeCheckChip {
    /// Configures the chip; `value` is equality-enabled so cells can be copied in.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        value: Column<Advice>,
        bytes: [Column<Advice>; BYTES],
    ) -> RangeCheckConfig {
        meta.enable_equality(value);
        let q_range = meta.complex_selector();
        let table = meta.lookup_table_column();
        meta.create_gate("range: value is the sum of its bytes", |meta| {
            let q = meta.query_selector(q_range);
            let value = meta.query_advice(value, Rotation::cur());
            let sum = bytes
                .iter()
                .rev()
                .map(|&b| meta.query_advice(b, Rotation::cur()))
                .reduce(|acc, b| acc * Fp::from(256) + b)
                .expect("BYTES > 0");
            Constraints::with_selector(q, Some(value - sum))
        });
        for &b in &bytes {
            meta.lookup(|meta| {
                let q = meta.query_selector(q_range);
                vec![(q * meta.query_advice(b, Rotation::cur()), table)]
            });
        }
        RangeCheckConfig {
            value,
            bytes,
            q_range,
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

/// Little-endian bytes of the low 64 bits of a field element's canonical form.
fn low_bytes(f: &Fp) -> [u8; BYTES] {
    f.to_repr()[..BYTES].try_into().expect("32 >= 8")
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
                for (row, cell) in cells.iter().enumerate() {
                    config.q_range.enable(&mut region, row)?;
                    cell.copy_advice(|| "value", &mut region, config.value, row)?;
                    // An honest prover's value is below 2^64 and these are its bytes; for any
                    // other value they differ from it and the gate fails.
                    let bytes = cell.value().map(low_bytes);
                    for (i, &col) in config.bytes.iter().enumerate() {
                        region.assign_advice(
                            || "byte",
                            col,
                            row,
                            || bytes.map(|b| Fp::from(u64::from(b[i]))),
                        )?;
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

    #[derive(Default)]
    struct TestCircuit {
        values: Vec<Fp>,
        /// A hand-made row: a value and the "bytes" a cheating prover claims for it.
        forged: Option<(Fp, [Fp; BYTES])>,
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
            let value = meta.advice_column();
            let bytes = [(); BYTES].map(|_| meta.advice_column());
            (RangeCheckChip::configure(meta, value, bytes), input)
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
            if let Some((value, bytes)) = self.forged {
                let config = chip.config();
                layouter.assign_region(
                    || "forged",
                    |mut region| {
                        config.q_range.enable(&mut region, 0)?;
                        region.assign_advice(|| "v", config.value, 0, || Value::known(value))?;
                        for (&col, &b) in config.bytes.iter().zip(&bytes) {
                            region.assign_advice(|| "b", col, 0, || Value::known(b))?;
                        }
                        Ok(())
                    },
                )?;
            }
            Ok(())
        }
    }

    fn run(values: Vec<Fp>) -> Result<(), Vec<VerifyFailure>> {
        let circuit = TestCircuit {
            values,
            forged: None,
        };
        MockProver::run(9, &circuit, vec![]).unwrap().verify()
    }

    #[test]
    fn rejects_a_byte_of_256_or_more() {
        // 2^64 = 256 · 256^7 satisfies the sum with a top "byte" of 256; the lookup refuses it.
        let mut bytes = [Fp::zero(); BYTES];
        bytes[BYTES - 1] = Fp::from(256);
        let circuit = TestCircuit {
            values: vec![],
            forged: Some((Fp::from_u128(1 << 64), bytes)),
        };
        let failures = MockProver::run(9, &circuit, vec![])
            .unwrap()
            .verify()
            .unwrap_err();
        assert!(
            failures.iter().all(|f| matches!(
                f,
                VerifyFailure::Lookup {
                    lookup_index: 7,
                    ..
                }
            )),
            "{failures:?}"
        );
    }

    #[test]
    fn accepts_values_below_2_pow_64() {
        assert_eq!(
            run(vec![
                Fp::zero(),
                Fp::one(),
                Fp::from(u64::MAX),
                Fp::from(1 << 40)
            ]),
            Ok(())
        );
    }

    #[test]
    fn rejects_2_pow_64_and_p_minus_1() {
        for bad in [Fp::from_u128(1 << 64), -Fp::one()] {
            let failures = run(vec![Fp::one(), bad]).unwrap_err();
            assert!(
                failures.iter().any(|f| matches!(f,
                    VerifyFailure::ConstraintNotSatisfied { constraint, location: FailureLocation::InRegion { offset: 1, .. }, .. }
                    if constraint.to_string().contains("range: value is the sum of its bytes"))),
                "{failures:?}"
            );
        }
    }
}
