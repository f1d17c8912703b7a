//! Coverage: for one scenario, `V_s = Σ_i b_i·scale_i·P[i,s]·(10000 − h_i)` and `V_s ≥ ratio·L'_s`.
//!
//! Layout of one scenario (`A` assets), columns `c0..c4`:
//!
//! ```text
//! row i < A : b_i        scale_i   P[i,s]    h_i      v_i        q_value
//! row A     : L'_s       ratio     diff      top      V_s        q_cover
//! row A+1   : limb_0     limb_1    limb_2    limb_3
//! ```
//!
//! ```text
//! q_value · (v_{i+1} − v_i − b_i·scale_i·P[i,s]·(10000 − h_i)) = 0     (v_0 = 0, a constant)
//! q_cover · (diff − (V_s − ratio·L'_s)) = 0
//! q_cover · (diff − Σ_k limb_k·2^(64k)) = 0
//! q_cover · (top − limb_3·2^(64 − TOP_BITS)) = 0
//! ```
//!
//! with `limb_0..3` and `top` range-checked below 2^64, so `limb_3 < 2^TOP_BITS` and
//! `diff < 2^(192 + TOP_BITS) = 2^205`. `scale`, `P`, `h` and `ratio` are the statement's, constrained
//! equal to the instance; `b_i` from the range-checked balances; `L'_s` from the positions chip.
//!
//! Why this proves `V_s ≥ L_s` with `L_s = ratio·L'_s`, over the integers: `b < 2^64`,
//! `scale ≤ 10^18 < 2^60`, `P < 2^64`, `10000 − h ≤ 10^4 < 2^14` and at most 64 assets give
//! `V_s < 2^208` (precisely `64·2^64·10^18·2^64·10^4 < 2^207.2`), so `V_s` never wraps the
//! field; `L'_s < 2^200` (positions chip) and `ratio ≤ 10^6 < 2^20` give `L_s < 2^220`. If
//! `V_s < L_s`, `diff = p − (L_s − V_s) > p − 2^220 > 2^253`, which no choice of limbs below
//! the bounds (`diff < 2^205`) reaches: it fails. If `V_s ≥ L_s`, `diff ≤ V_s` passes whenever
//! `V_s < 2^205`, which every accepted statement guarantees: its public data is refused when
//! balances of `2^64 − 1` units could be worth `2^205` in some scenario ([`LIMB_BOUND_BITS`],
//! checked by `Public::check`; never the case with up to 8 assets, whatever the prices).

use ff::{Field, PrimeField};
use halo2_proofs::{
    circuit::{AssignedCell, Cell, Chip, Layouter, Region, Value},
    plonk::{Advice, Column, ConstraintSystem, Constraints, Error, Instance, Selector},
    poly::Rotation,
};

use crate::commit::pow2;
use crate::limits::{
    MAX_ASSETS, MAX_DECIMALS, MAX_DEPTH, MAX_HAIRCUT_BPS, MAX_RATIO_BPS, MAX_SHARD_DEPTH,
    SHARD_DEPTH,
};
use crate::statement::{instance, Fp, Public};

/// Bits of the top 64-bit limb of `V_s − L_s`: `V_s < 2^(192 + TOP_BITS)`.
pub const TOP_BITS: u32 = 13;

/// `n` bits hold every value up to `max`: `max < 2^bits(max)`.
const fn bits(max: u128) -> u32 {
    128 - max.leading_zeros()
}

/// Bits of the largest `V_s` any statement within the limits allows: a sum over at most
/// `MAX_ASSETS` assets (`⌈log2 MAX_ASSETS⌉` more bits) of `b · scale · P · (10000 − h)` with
/// `b, P < 2^64`, `scale ≤ 10^MAX_DECIMALS` and `10000 − h ≤ MAX_HAIRCUT_BPS`.
pub const VALUE_BITS: u32 = 64
    + bits(10u128.pow(MAX_DECIMALS))
    + 64
    + bits(MAX_HAIRCUT_BPS as u128)
    + bits(MAX_ASSETS as u128 - 1);

/// Bits of the largest `L_s`: `ratio · Σ size · scale · intrinsic` over at most
/// `2^max(MAX_DEPTH, SHARD_DEPTH + MAX_SHARD_DEPTH)` slots, with `size` and the intrinsic
/// value below `2^64`.
pub const LIABILITY_BITS: u32 = bits(MAX_RATIO_BPS as u128)
    + 64
    + bits(10u128.pow(MAX_DECIMALS))
    + 64
    + if MAX_DEPTH > SHARD_DEPTH + MAX_SHARD_DEPTH {
        MAX_DEPTH
    } else {
        SHARD_DEPTH + MAX_SHARD_DEPTH
    };

/// Bits the limbs hold: a solvent difference, and so every `V_s` a statement allows
/// (`Public::check`), is below `2^LIMB_BOUND_BITS`.
pub const LIMB_BOUND_BITS: u32 = 192 + TOP_BITS;

// The overflow argument, checked when the limits change: `V_s` never wraps the field, and an
// insolvent difference, `p − (L_s − V_s)` with `p > 2^254` and `L_s < 2^LIABILITY_BITS ≤
// 2^253`, exceeds `2^253 ≥ 2^(192 + TOP_BITS)`. That every solvent difference fits the limbs
// is the statement check's (`LIMB_BOUND_BITS`).
const _: () = assert!(VALUE_BITS <= 253, "reserve values could wrap the field");
const _: () = assert!(
    192 + TOP_BITS <= 253,
    "TOP_BITS lets an insolvent difference fit"
);
const _: () = assert!(LIABILITY_BITS <= 253, "liabilities could wrap the field");

/// What the circuit may ask of the coverage chip.
pub trait CoverageInstructions {
    /// `Σ terms`, for liabilities proven in parts (shards). Each term is below 2^200 and there
    /// are at most 2^MAX_SHARD_DEPTH of them, so the sum is below 2^210: it cannot wrap.
    fn sum(
        &self,
        layouter: &mut impl Layouter<Fp>,
        terms: &[AssignedCell<Fp, Fp>],
    ) -> Result<AssignedCell<Fp, Fp>, Error>;

    /// Proves `V_s ≥ ratio · liability` for scenario `s`; returns the cells the range
    /// checker must hold below 2^64 (the four limbs and the shifted top limb).
    fn cover(
        &self,
        layouter: &mut impl Layouter<Fp>,
        s: usize,
        public: &Public,
        balances: &[AssignedCell<Fp, Fp>],
        liability: &AssignedCell<Fp, Fp>,
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error>;
}

/// Columns and selectors of the coverage chip.
#[derive(Clone, Debug)]
pub struct CoverageConfig {
    cols: [Column<Advice>; 5],
    instance: Column<Instance>,
    q_value: Selector,
    q_cover: Selector,
    q_sum: Selector,
}

/// The coverage chip.
#[derive(Clone, Debug)]
pub struct CoverageChip {
    config: CoverageConfig,
}

impl Chip<Fp> for CoverageChip {
    type Config = CoverageConfig;
    type Loaded = ();
    fn config(&self) -> &Self::Config {
        &self.config
    }
    fn loaded(&self) -> &Self::Loaded {
        &()
    }
}

impl CoverageChip {
    /// Creates the chip's gates over `cols` (all equality-enabled).
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        cols: [Column<Advice>; 5],
        instance: Column<Instance>,
    ) -> CoverageConfig {
        for c in cols {
            meta.enable_equality(c);
        }
        let q_value = meta.selector();
        let q_cover = meta.selector();
        let q_sum = meta.selector();
        meta.create_gate("liability sum", |meta| {
            let q = meta.query_selector(q_sum);
            let acc = meta.query_advice(cols[0], Rotation::cur());
            let term = meta.query_advice(cols[1], Rotation::cur());
            let next = meta.query_advice(cols[0], Rotation::next());
            Constraints::with_selector(q, Some(next - acc - term))
        });
        meta.create_gate("reserve value", |meta| {
            let q = meta.query_selector(q_value);
            let [b, scale, price, haircut, v] = cols.map(|c| meta.query_advice(c, Rotation::cur()));
            let v_next = meta.query_advice(cols[4], Rotation::next());
            let keep = halo2_proofs::plonk::Expression::Constant(Fp::from(10_000)) - haircut;
            Constraints::with_selector(q, Some(v_next - v - b * scale * price * keep))
        });
        meta.create_gate("coverage", |meta| {
            let q = meta.query_selector(q_cover);
            let [liability, ratio, diff, top, value] =
                cols.map(|c| meta.query_advice(c, Rotation::cur()));
            let limbs: Vec<_> = cols[..4]
                .iter()
                .map(|&c| meta.query_advice(c, Rotation::next()))
                .collect();
            let recomposed = limbs
                .iter()
                .rev()
                .cloned()
                .reduce(|acc, l| acc * pow2(64) + l)
                .expect("four limbs");
            Constraints::with_selector(
                q,
                [
                    ("shortfall", diff.clone() - (value - ratio * liability)),
                    ("limbs", diff - recomposed),
                    ("top limb", top - limbs[3].clone() * pow2(64 - TOP_BITS)),
                ],
            )
        });
        CoverageConfig {
            cols,
            instance,
            q_value,
            q_cover,
            q_sum,
        }
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: CoverageConfig) -> Self {
        CoverageChip { config }
    }

    /// Assigns a public value the circuit was built with, and records that it must equal the
    /// instance at `offset`: a proof made for one statement fails against any other.
    fn public_input(
        &self,
        region: &mut Region<'_, Fp>,
        publics: &mut Vec<(Cell, usize)>,
        (row, col): (usize, usize),
        value: u64,
        offset: usize,
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let cell = region.assign_advice(
            || "public input",
            self.config.cols[col],
            row,
            || Value::known(Fp::from(value)),
        )?;
        publics.push((cell.cell(), offset));
        Ok(cell)
    }
}

/// The four little-endian 64-bit limbs of a field element's canonical form.
fn limbs(f: Fp) -> [Fp; 4] {
    let repr = f.to_repr();
    [0, 1, 2, 3].map(|k| {
        Fp::from(u64::from_le_bytes(
            repr[8 * k..8 * k + 8].try_into().expect("8 bytes"),
        ))
    })
}

impl CoverageInstructions for CoverageChip {
    fn sum(
        &self,
        layouter: &mut impl Layouter<Fp>,
        terms: &[AssignedCell<Fp, Fp>],
    ) -> Result<AssignedCell<Fp, Fp>, Error> {
        let c = &self.config;
        layouter.assign_region(
            || "liability sum",
            |mut region| {
                let mut acc = region.assign_advice_from_constant(|| "0", c.cols[0], 0, Fp::ZERO)?;
                for (row, t) in terms.iter().enumerate() {
                    c.q_sum.enable(&mut region, row)?;
                    t.copy_advice(|| "term", &mut region, c.cols[1], row)?;
                    let next = acc.value().copied() + t.value();
                    acc = region.assign_advice(|| "sum", c.cols[0], row + 1, || next)?;
                }
                Ok(acc)
            },
        )
    }

    fn cover(
        &self,
        layouter: &mut impl Layouter<Fp>,
        s: usize,
        public: &Public,
        balances: &[AssignedCell<Fp, Fp>],
        liability: &AssignedCell<Fp, Fp>,
    ) -> Result<Vec<AssignedCell<Fp, Fp>>, Error> {
        let c = &self.config;
        let n_s = public.lanes();
        let scale = public.scale_factors();
        let prices = public.shocked_prices();
        let haircuts = &public.policy.haircuts_bps;
        let (ranged, publics) = layouter.assign_region(
            || format!("coverage of scenario {s}"),
            |mut region| {
                let mut publics = Vec::new();
                let mut v = region.assign_advice_from_constant(|| "v_0", c.cols[4], 0, Fp::ZERO)?;
                for (i, b) in balances.iter().enumerate() {
                    c.q_value.enable(&mut region, i)?;
                    b.copy_advice(|| "balance", &mut region, c.cols[0], i)?;
                    let mut public = |col, value, offset| {
                        self.public_input(&mut region, &mut publics, (i, col), value, offset)
                    };
                    // A padded asset's scale, haircut and prices are 0, and a padded lane's
                    // price is 0: their value is 0 (the instance holds the same zeros).
                    let scale_i = scale.get(i).copied().unwrap_or(0);
                    let scale = public(1, scale_i, instance::scale(i, n_s))?;
                    let price_s = prices.get(i).and_then(|p| p.get(s)).copied().unwrap_or(0);
                    let price = public(2, price_s, instance::shocked_price(i, s, n_s))?;
                    let haircut_i = haircuts.get(i).copied().unwrap_or(0);
                    let haircut = public(3, haircut_i, instance::haircut(i, n_s))?;
                    let term = b.value().copied()
                        * scale.value()
                        * price.value()
                        * haircut.value().map(|h| Fp::from(10_000) - h);
                    v = region.assign_advice(
                        || "v",
                        c.cols[4],
                        i + 1,
                        || v.value().copied() + term,
                    )?;
                }
                let row = balances.len();
                c.q_cover.enable(&mut region, row)?;
                liability.copy_advice(|| "liability", &mut region, c.cols[0], row)?;
                let ratio = self.public_input(
                    &mut region,
                    &mut publics,
                    (row, 1),
                    public.policy.collateral_ratio_bps,
                    instance::COLLATERAL_RATIO,
                )?;
                let diff = v.value().copied() - ratio.value().copied() * liability.value();
                region.assign_advice(|| "diff", c.cols[2], row, || diff)?;
                let limbs = diff.map(limbs);
                let mut ranged = (0..4)
                    .map(|k| {
                        region.assign_advice(|| "limb", c.cols[k], row + 1, || limbs.map(|l| l[k]))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let top = limbs.map(|l| l[3] * pow2(64 - TOP_BITS));
                ranged.push(region.assign_advice(|| "top", c.cols[3], row, || top)?);
                Ok((ranged, publics))
            },
        )?;
        for (cell, offset) in publics {
            layouter.constrain_instance(cell, c.instance, offset)?;
        }
        Ok(ranged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_bits_is_the_tightest_bound_the_first_releases_allowed() {
        // 8 assets · 2^64 · 10^18 · 2^64 · 10^4 < 2^205, and no fewer bits hold it: up to 8
        // assets no statement check is needed for a solvent difference to fit the limbs.
        let eight = 64 + 60 + 64 + 14 + 3;
        assert_eq!(eight, LIMB_BOUND_BITS);
        // 64 assets need 3 bits more, which only the statement check provides.
        assert_eq!(VALUE_BITS, 208);
        // 10^6 · 2^64 · 10^18 · 2^64 · 2^20 slots < 2^228, far below 2^253.
        assert_eq!(LIABILITY_BITS, 228);
        // A bound one bit short would not hold the largest value, of 8 or of 64 assets.
        let largest = |assets: f64| {
            assets.log2()
                + 128.0
                + (10f64.powi(MAX_DECIMALS as i32) * MAX_HAIRCUT_BPS as f64).log2()
        };
        assert!(largest(8.0) > f64::from(LIMB_BOUND_BITS - 1));
        assert!(largest(MAX_ASSETS as f64) > f64::from(VALUE_BITS - 1));
    }
}
