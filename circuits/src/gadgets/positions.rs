//! Positions: one row per slot of the liabilities tree, summing each scenario's liability.
//!
//! A row holds a position's fields, its moneyness band (see [`crate::bands`]) and, per scenario
//! lane `l`, the band's in-the-money bit `β_l`, the shocked price `P_l` of its underlying and a
//! running sum `acc_l`. With `q` the row selector and `c` the kind bit (call 0, put 1):
//!
//! ```text
//! q · (packed − (u + 2^8·c + 2^9·K + 2^73·size + 2^137·expiry)) = 0     leaf binds the summed fields
//! q · (r_lo − (K − lo)) = 0,   q · (r_hi − (hi − K)) = 0              with r_lo, r_hi < 2^64 (range
//!                                                                       chip): lo ≤ K ≤ hi
//! q · (acc_l[next] − acc_l − size·scale·β_l·(1 − 2c)·(P_l − K)) = 0      liability of lane l
//! q · (1, u, c, lo, hi, scale, β_0.., P_0..) ∈ band table               band, price and scale of u
//! ```
//!
//! The lookup's leading 1 (a tag column that is 1 on every band row and 0 on the table's all-zero
//! row) stops an enabled row from matching the zero row that disabled rows need.
//!
//! Bounds: the table holds `u < 8`, `c ∈ {0,1}`, `scale ≤ 10^18 < 2^60`, `β ∈ {0,1}` and
//! `P < 2^64`; `lo ≤ K ≤ hi < 2^64` follows from the two range checks (their sum `hi − lo` is
//! below 2^64, so neither can wrap); `size < 2^64` is range-checked. With β = 1 the band
//! guarantees `±(P − K) ∈ [0, 2^64)`, so a lane's term is below `2^(64+60+64) = 2^188` and a
//! lane's total over at most `2^MAX_DEPTH = 2^12` rows below `2^200`: no sum wraps the field.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Chip, Layouter, Region, Value},
    plonk::{
        Advice, Column, ConstraintSystem, Constraints, Error, Expression, Selector, TableColumn,
    },
    poly::Rotation,
};

use crate::bands::Band;
use crate::commit::{packing, pow2};
use crate::limits::MAX_SCENARIOS;
use crate::statement::Fp;

/// Names of the per-lane liability constraints, as `MockProver` reports them.
const LANE_CONSTRAINTS: [&str; MAX_SCENARIOS] = [
    "liability lane 0",
    "liability lane 1",
    "liability lane 2",
    "liability lane 3",
    "liability lane 4",
    "liability lane 5",
    "liability lane 6",
    "liability lane 7",
    "liability lane 8",
    "liability lane 9",
    "liability lane 10",
    "liability lane 11",
    "liability lane 12",
    "liability lane 13",
    "liability lane 14",
    "liability lane 15",
];

/// The private fields of one slot, exactly as assigned. An honest witness is built by
/// [`crate::witness`]; tests build dishonest ones by editing these fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Salted account commitment.
    pub account: Fp,
    /// Underlying asset index.
    pub underlying: Fp,
    /// Kind bit: call 0, put 1.
    pub kind: Fp,
    /// Strike.
    pub strike: Fp,
    /// Size in base units.
    pub size: Fp,
    /// Expiry.
    pub expiry: Fp,
    /// Packed fields, the leaf's second input.
    pub packed: Fp,
    /// The band's lowest strike.
    pub lo: Fp,
    /// The band's highest strike.
    pub hi: Fp,
    /// `10^(D − d[u])`.
    pub scale: Fp,
    /// In-the-money bit per lane.
    pub itm: Vec<Fp>,
    /// Shocked price of the underlying per lane.
    pub price: Vec<Fp>,
}

impl Slot {
    /// `size · scale · β_l · ±(P_l − K)`: the slot's liability in each lane, as the gate computes it.
    pub fn liabilities(&self) -> Vec<Fp> {
        let sign = Fp::ONE - self.kind.double();
        self.itm
            .iter()
            .zip(&self.price)
            .map(|(&b, &p)| self.size * self.scale * b * sign * (p - self.strike))
            .collect()
    }
}

/// Cells of one slot that other chips consume.
#[derive(Clone, Debug)]
pub struct AssignedSlot {
    /// Leaf input 1.
    pub account: AssignedCell<Fp, Fp>,
    /// Leaf input 2.
    pub packed: AssignedCell<Fp, Fp>,
    /// Values the range checker must hold below 2^64.
    pub ranged: [AssignedCell<Fp, Fp>; 4],
}

/// The assigned positions: every slot's cells and each lane's total liability.
#[derive(Clone, Debug)]
pub struct AssignedPositions<const LANES: usize> {
    /// One entry per slot.
    pub slots: Vec<AssignedSlot>,
    /// `Σ size·scale·intrinsic` per lane.
    pub totals: [AssignedCell<Fp, Fp>; LANES],
}

/// What the circuit may ask of the positions chip.
pub trait PositionsInstructions<const LANES: usize> {
    /// Loads the band table for this statement.
    fn load_bands(
        &self,
        layouter: &mut impl Layouter<Fp>,
        bands: &[Band],
        scale: &[u64],
        prices: &[Vec<u64>],
    ) -> Result<(), Error>;

    /// Assigns `slots` rows (unknown values when synthesizing without witnesses) and returns
    /// their cells plus the per-lane totals `Σ size·scale·intrinsic`.
    fn assign_slots(
        &self,
        layouter: &mut impl Layouter<Fp>,
        slots: usize,
        witness: Option<&[Slot]>,
    ) -> Result<AssignedPositions<LANES>, Error>;
}

/// Columns of the band table.
#[derive(Clone, Debug)]
struct BandTable<const LANES: usize> {
    tag: TableColumn,
    underlying: TableColumn,
    kind: TableColumn,
    lo: TableColumn,
    hi: TableColumn,
    scale: TableColumn,
    itm: [TableColumn; LANES],
    price: [TableColumn; LANES],
}

/// Columns, selector and table of the positions chip.
#[derive(Clone, Debug)]
pub struct PositionsConfig<const LANES: usize> {
    account: Column<Advice>,
    underlying: Column<Advice>,
    kind: Column<Advice>,
    strike: Column<Advice>,
    size: Column<Advice>,
    expiry: Column<Advice>,
    packed: Column<Advice>,
    lo: Column<Advice>,
    hi: Column<Advice>,
    scale: Column<Advice>,
    r_lo: Column<Advice>,
    r_hi: Column<Advice>,
    itm: [Column<Advice>; LANES],
    price: [Column<Advice>; LANES],
    acc: [Column<Advice>; LANES],
    q: Selector,
    table: BandTable<LANES>,
}

/// The positions chip.
#[derive(Clone, Debug)]
pub struct PositionsChip<const LANES: usize> {
    config: PositionsConfig<LANES>,
}

impl<const LANES: usize> Chip<Fp> for PositionsChip<LANES> {
    type Config = PositionsConfig<LANES>;
    type Loaded = ();
    fn config(&self) -> &Self::Config {
        &self.config
    }
    fn loaded(&self) -> &Self::Loaded {
        &()
    }
}

impl<const LANES: usize> PositionsChip<LANES> {
    /// Allocates the chip's columns and creates its gate and lookup.
    pub fn configure(meta: &mut ConstraintSystem<Fp>) -> PositionsConfig<LANES> {
        let mut advice = || meta.advice_column();
        let config = PositionsConfig {
            account: advice(),
            underlying: advice(),
            kind: advice(),
            strike: advice(),
            size: advice(),
            expiry: advice(),
            packed: advice(),
            lo: advice(),
            hi: advice(),
            scale: advice(),
            r_lo: advice(),
            r_hi: advice(),
            itm: [(); LANES].map(|_| advice()),
            price: [(); LANES].map(|_| advice()),
            acc: [(); LANES].map(|_| advice()),
            q: meta.complex_selector(),
            table: BandTable {
                tag: meta.lookup_table_column(),
                underlying: meta.lookup_table_column(),
                kind: meta.lookup_table_column(),
                lo: meta.lookup_table_column(),
                hi: meta.lookup_table_column(),
                scale: meta.lookup_table_column(),
                itm: [(); LANES].map(|_| meta.lookup_table_column()),
                price: [(); LANES].map(|_| meta.lookup_table_column()),
            },
        };
        let c = &config;
        for col in [c.account, c.packed, c.size, c.expiry, c.r_lo, c.r_hi]
            .into_iter()
            .chain(c.acc)
        {
            meta.enable_equality(col);
        }

        meta.create_gate("position", |meta| {
            let q = meta.query_selector(c.q);
            let cur = |meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fp>, col| {
                meta.query_advice(col, Rotation::cur())
            };
            let u = cur(meta, c.underlying);
            let kind = cur(meta, c.kind);
            let strike = cur(meta, c.strike);
            let size = cur(meta, c.size);
            let expiry = cur(meta, c.expiry);
            let packed = cur(meta, c.packed);
            let lo = cur(meta, c.lo);
            let hi = cur(meta, c.hi);
            let scale = cur(meta, c.scale);
            let r_lo = cur(meta, c.r_lo);
            let r_hi = cur(meta, c.r_hi);

            let shifted = |e: Expression<Fp>, bits| e * pow2(bits);
            let packing = packed
                - (shifted(u, packing::UNDERLYING)
                    + shifted(kind.clone(), packing::KIND)
                    + shifted(strike.clone(), packing::STRIKE)
                    + shifted(size.clone(), packing::SIZE)
                    + shifted(expiry, packing::EXPIRY));
            let sign = Expression::Constant(Fp::ONE) - kind * Fp::from(2);
            let mut constraints = vec![
                ("packing", packing),
                ("strike above band floor", r_lo - (strike.clone() - lo)),
                ("strike below band ceiling", r_hi - (hi - strike.clone())),
            ];
            for (l, &name) in LANE_CONSTRAINTS.iter().enumerate().take(LANES) {
                let itm = cur(meta, c.itm[l]);
                let price = cur(meta, c.price[l]);
                let acc = cur(meta, c.acc[l]);
                let acc_next = meta.query_advice(c.acc[l], Rotation::next());
                constraints.push((
                    name,
                    acc_next
                        - acc
                        - size.clone()
                            * scale.clone()
                            * itm
                            * sign.clone()
                            * (price - strike.clone()),
                ));
            }
            Constraints::with_selector(q, constraints)
        });

        meta.lookup(|meta| {
            let q = meta.query_selector(c.q);
            let t = &c.table;
            let mut pairs = vec![
                (q.clone(), t.tag),
                (
                    q.clone() * meta.query_advice(c.underlying, Rotation::cur()),
                    t.underlying,
                ),
                (
                    q.clone() * meta.query_advice(c.kind, Rotation::cur()),
                    t.kind,
                ),
                (q.clone() * meta.query_advice(c.lo, Rotation::cur()), t.lo),
                (q.clone() * meta.query_advice(c.hi, Rotation::cur()), t.hi),
                (
                    q.clone() * meta.query_advice(c.scale, Rotation::cur()),
                    t.scale,
                ),
            ];
            for l in 0..LANES {
                pairs.push((
                    q.clone() * meta.query_advice(c.itm[l], Rotation::cur()),
                    t.itm[l],
                ));
                pairs.push((
                    q.clone() * meta.query_advice(c.price[l], Rotation::cur()),
                    t.price[l],
                ));
            }
            pairs
        });
        config
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: PositionsConfig<LANES>) -> Self {
        PositionsChip { config }
    }
}

impl<const LANES: usize> PositionsInstructions<LANES> for PositionsChip<LANES> {
    fn load_bands(
        &self,
        layouter: &mut impl Layouter<Fp>,
        bands: &[Band],
        scale: &[u64],
        prices: &[Vec<u64>],
    ) -> Result<(), Error> {
        let t = &self.config.table;
        layouter.assign_table(
            || "bands",
            |mut table| {
                let mut put =
                    |col, row, v: Fp| table.assign_cell(|| "band", col, row, || Value::known(v));
                // Row 0: all zeros, matched by disabled rows only (their tag input is 0).
                let width = [t.tag, t.underlying, t.kind, t.lo, t.hi, t.scale]
                    .into_iter()
                    .chain(t.itm)
                    .chain(t.price);
                for col in width {
                    put(col, 0, Fp::ZERO)?;
                }
                for (i, b) in bands.iter().enumerate() {
                    let row = i + 1;
                    put(t.tag, row, Fp::ONE)?;
                    put(t.underlying, row, Fp::from(b.asset as u64))?;
                    put(t.kind, row, Fp::from(b.kind.bit()))?;
                    put(t.lo, row, Fp::from(b.lo))?;
                    put(t.hi, row, Fp::from(b.hi))?;
                    put(t.scale, row, Fp::from(scale[b.asset]))?;
                    for l in 0..LANES {
                        // Lanes past the policy's scenarios are never in the money.
                        let itm = b.itm.get(l).copied().unwrap_or(false);
                        let price = prices[b.asset].get(l).copied().unwrap_or(0);
                        put(t.itm[l], row, Fp::from(u64::from(itm)))?;
                        put(t.price[l], row, Fp::from(price))?;
                    }
                }
                Ok(())
            },
        )
    }

    fn assign_slots(
        &self,
        layouter: &mut impl Layouter<Fp>,
        slots: usize,
        witness: Option<&[Slot]>,
    ) -> Result<AssignedPositions<LANES>, Error> {
        let c = &self.config;
        if let Some(w) = witness {
            assert_eq!(w.len(), slots, "one witness per slot");
        }
        layouter.assign_region(
            || "positions",
            |mut region| {
                let mut acc: [Value<Fp>; LANES] = [Value::known(Fp::ZERO); LANES];
                let mut acc_cells = Vec::with_capacity(LANES);
                for (l, &col) in c.acc.iter().enumerate() {
                    acc_cells.push(region.assign_advice_from_constant(
                        || format!("acc_{l} start"),
                        col,
                        0,
                        Fp::ZERO,
                    )?);
                }
                let mut out = Vec::with_capacity(slots);
                for row in 0..slots {
                    c.q.enable(&mut region, row)?;
                    let s = witness.map(|w| &w[row]);
                    let field =
                        |f: fn(&Slot) -> Fp| s.map_or(Value::unknown(), |s| Value::known(f(s)));
                    let put =
                        |region: &mut Region<'_, Fp>, name: &'static str, col, v: Value<Fp>| {
                            region.assign_advice(|| name, col, row, || v)
                        };
                    let account = put(&mut region, "account", c.account, field(|s| s.account))?;
                    put(
                        &mut region,
                        "underlying",
                        c.underlying,
                        field(|s| s.underlying),
                    )?;
                    put(&mut region, "kind", c.kind, field(|s| s.kind))?;
                    put(&mut region, "strike", c.strike, field(|s| s.strike))?;
                    let size = put(&mut region, "size", c.size, field(|s| s.size))?;
                    let expiry = put(&mut region, "expiry", c.expiry, field(|s| s.expiry))?;
                    let packed = put(&mut region, "packed", c.packed, field(|s| s.packed))?;
                    put(&mut region, "lo", c.lo, field(|s| s.lo))?;
                    put(&mut region, "hi", c.hi, field(|s| s.hi))?;
                    put(&mut region, "scale", c.scale, field(|s| s.scale))?;
                    let r_lo = put(&mut region, "r_lo", c.r_lo, field(|s| s.strike - s.lo))?;
                    let r_hi = put(&mut region, "r_hi", c.r_hi, field(|s| s.hi - s.strike))?;
                    let lane = |l: usize, f: fn(&Slot, usize) -> Fp| {
                        s.map_or(Value::unknown(), |s| Value::known(f(s, l)))
                    };
                    let terms: Vec<Value<Fp>> = s.map_or(vec![Value::unknown(); LANES], |s| {
                        s.liabilities().into_iter().map(Value::known).collect()
                    });
                    acc_cells.clear();
                    for l in 0..LANES {
                        put(&mut region, "itm", c.itm[l], lane(l, |s, l| s.itm[l]))?;
                        put(&mut region, "price", c.price[l], lane(l, |s, l| s.price[l]))?;
                        acc[l] = acc[l] + terms[l];
                        acc_cells.push(region.assign_advice(
                            || format!("acc_{l}"),
                            c.acc[l],
                            row + 1,
                            || acc[l],
                        )?);
                    }
                    out.push(AssignedSlot {
                        account,
                        packed,
                        ranged: [size, expiry, r_lo, r_hi],
                    });
                }
                let totals = acc_cells.try_into().expect("LANES cells");
                Ok(AssignedPositions { slots: out, totals })
            },
        )
    }
}
