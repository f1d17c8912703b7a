//! Positions: a block of rows per slot of the liabilities tree, summing each scenario's
//! liability.
//!
//! A slot's block has `H` rows ([`block_rows`]). Row `p` of a block carries the scenario lanes
//! `l = p·W + w`, `w < W` ([`lanes_per_row`]): the band's in-the-money bit `β_l`, the shocked
//! price `P_l` of the underlying and a running sum `acc_l` over the slots. Every row of the block
//! also carries the slot's underlying `u`, kind bit `c` (call 0, put 1), band `[lo, hi]`, strike
//! `K` and weight `m`; four more columns hold its other fields on the block's first two rows
//! (account, packed, size, expiry; then scale, `r_lo`, `r_hi`). With `q_slot` on a block's first
//! row, `q_down` on every row but its last, `q_row` on every row and `p` a fixed column holding
//! the row's index in its block:
//!
//! ```text
//! q_slot · (packed − (u + 2^8·c + 2^9·K + 2^73·size + 2^137·expiry)) = 0   leaf binds the summed fields
//! q_slot · (r_lo − (K − lo)) = 0,  q_slot · (r_hi − (hi − K)) = 0           with r_lo, r_hi < 2^64 (range
//!                                                                           chip): lo ≤ K ≤ hi
//! q_slot · (m − size·scale·(1 − 2c)) = 0                                    the slot's weight
//! q_down · (x[next] − x) = 0   for x in u, c, lo, hi, K, m                   one slot per block
//! q_row · (acc_l − acc_l[−H] − m·β_l·(P_l − K)) = 0                          liability of lane l
//! q_row · (1, u, c, lo, hi, p, β_pW.., P_pW..), q_slot · scale ∈ band table  row p of u's band
//! ```
//!
//! The table holds, for every band and every `p < H`, the band's fields, `p`, the scale of its
//! asset (on `p = 0` only, 0 elsewhere, as `q_slot` is) and the bits and prices of lanes
//! `p·W..p·W+W`; lanes past the policy's scenarios are never in the money. Its leading 1 (a tag
//! column that is 1 on every band row and 0 on the table's all-zero row) stops an enabled row
//! from matching the zero row that disabled rows need; the fixed `p` stops a row from taking
//! another row's lanes. The first block is all zeros: `acc_l[−H]` of the first slot reads it.
//!
//! Bounds: the table holds `u < 64` (a declared asset's index), `c ∈ {0,1}`,
//! `scale ≤ 10^18 < 2^60`, `β ∈ {0,1}` and `P < 2^64`; `lo ≤ K ≤ hi < 2^64` follows from the
//! two range checks (their sum `hi − lo` is below 2^64, so neither can wrap); `size < 2^64`
//! is range-checked. So `|m| < 2^124`, and with β = 1 the band guarantees `±(P − K) ∈
//! [0, 2^64)`, so a lane's term is below `2^188` and a lane's total over at most
//! `2^MAX_DEPTH = 2^12` slots below `2^200`: no sum wraps the field.
//!
//! Against a row per slot with every lane side by side, the block trades rows for columns:
//! `10 + 3W` advice columns and `7 + 2W` table columns instead of `12 + 3·LANES` and
//! `6 + 2·LANES` (16 and 11 instead of 39 and 24 for nine scenarios), and every column is a
//! commitment and an evaluation in each proof. The chip takes its columns from a
//! [`ColumnPool`]: in the book circuits, the hash lanes', range checker's and word column's,
//! in the rows those leave free, so that at nine scenarios it adds one column of its own.

use ff::Field;
use halo2_proofs::{
    circuit::{AssignedCell, Chip, Layouter, Region, Value},
    plonk::{
        Advice, Column, ConstraintSystem, Constraints, Error, Expression, Fixed, Selector,
        TableColumn, VirtualCells,
    },
    poly::Rotation,
};

use super::columns::{ColumnPool, Reads};
use crate::bands::Band;
use crate::commit::{packing, pow2};
use crate::limits::MAX_SCENARIOS;
use crate::statement::Fp;

/// The most rows a slot's block may take: with six, a shard's blocks (the zero block and
/// `2^10` slots, at most 6,150 rows for sixteen lanes) fit in the rows its hash lanes leave
/// free at `2^15` (see `Shape::rows`).
pub const MAX_BLOCK_ROWS: usize = 6;

/// Scenario lanes per row: the fewest that fit `lanes` lanes in [`MAX_BLOCK_ROWS`] rows.
pub const fn lanes_per_row(lanes: usize) -> usize {
    lanes.div_ceil(MAX_BLOCK_ROWS)
}

/// Rows of a slot's block: enough rows for `lanes` lanes, and at least the two that the slot's
/// own fields take.
pub const fn block_rows(lanes: usize) -> usize {
    let rows = lanes.div_ceil(lanes_per_row(lanes));
    if rows < 2 {
        2
    } else {
        rows
    }
}

/// Rows of the positions region: the zero block and a block per slot.
pub const fn rows(lanes: usize, slots: usize) -> usize {
    (slots + 1) * block_rows(lanes)
}

/// Names of the per-lane liability constraints, by the lane's place in its row, as
/// `MockProver` reports them.
const LANE_CONSTRAINTS: [&str; lanes_per_row(MAX_SCENARIOS)] = [
    "liability, first lane of the row",
    "liability, second lane of the row",
    "liability, third lane of the row",
];

/// Where a slot's own fields sit in its block: (field column, block row).
mod place {
    pub const ACCOUNT: (usize, usize) = (0, 0);
    pub const PACKED: (usize, usize) = (1, 0);
    pub const SIZE: (usize, usize) = (2, 0);
    pub const EXPIRY: (usize, usize) = (3, 0);
    pub const SCALE: (usize, usize) = (0, 1);
    pub const R_LO: (usize, usize) = (1, 1);
    pub const R_HI: (usize, usize) = (2, 1);
}

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
    /// `size · scale · (1 − 2c)`: the signed weight of the slot's intrinsic value.
    pub fn weight(&self) -> Fp {
        self.size * self.scale * (Fp::ONE - self.kind.double())
    }

    /// `size · scale · β_l · ±(P_l − K)`: the slot's liability in each lane, as the gate computes it.
    pub fn liabilities(&self) -> Vec<Fp> {
        let weight = self.weight();
        self.itm
            .iter()
            .zip(&self.price)
            .map(|(&b, &p)| weight * b * (p - self.strike))
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
    /// Loads the band table for this statement: the columns [`table`] computes.
    fn load_bands(&self, layouter: &mut impl Layouter<Fp>, table: &[Vec<Fp>]) -> Result<(), Error>;

    /// Assigns `slots` blocks (unknown values when synthesizing without witnesses) and returns
    /// their cells plus the per-lane totals `Σ size·scale·intrinsic`.
    fn assign_slots(
        &self,
        layouter: &mut impl Layouter<Fp>,
        slots: usize,
        witness: Option<&[Slot]>,
    ) -> Result<AssignedPositions<LANES>, Error>;
}

/// Columns of the band table, allocated one after the other in the order of [`table`]'s
/// vectors.
#[derive(Clone, Debug)]
pub struct BandTable {
    tag: TableColumn,
    underlying: TableColumn,
    kind: TableColumn,
    lo: TableColumn,
    hi: TableColumn,
    block_row: TableColumn,
    scale: TableColumn,
    itm: Vec<TableColumn>,
    price: Vec<TableColumn>,
}

/// Columns, selectors and table of the positions chip.
#[derive(Clone, Debug)]
pub struct PositionsConfig<const LANES: usize> {
    underlying: Column<Advice>,
    kind: Column<Advice>,
    lo: Column<Advice>,
    hi: Column<Advice>,
    strike: Column<Advice>,
    weight: Column<Advice>,
    fields: [Column<Advice>; 4],
    itm: Vec<Column<Advice>>,
    price: Vec<Column<Advice>>,
    acc: Vec<Column<Advice>>,
    block_row: Column<Fixed>,
    q_slot: Selector,
    q_down: Selector,
    q_row: Selector,
    table: BandTable,
}

impl BandTable {
    /// Allocates the table's `7 + 2W` columns for `lanes` lanes. A circuit that allocates
    /// them before any other fixed column has them as its fixed columns `0..7 + 2W`
    /// ([`table_columns`]): the only fixed columns whose values are a statement's numbers.
    pub fn configure(meta: &mut ConstraintSystem<Fp>, lanes: usize) -> Self {
        let per_row = lanes_per_row(lanes);
        let mut table = || meta.lookup_table_column();
        BandTable {
            tag: table(),
            underlying: table(),
            kind: table(),
            lo: table(),
            hi: table(),
            block_row: table(),
            scale: table(),
            itm: (0..per_row).map(|_| table()).collect(),
            price: (0..per_row).map(|_| table()).collect(),
        }
    }

    /// The table's columns, in the order of [`table`]'s vectors.
    fn columns(&self) -> Vec<TableColumn> {
        [
            self.tag,
            self.underlying,
            self.kind,
            self.lo,
            self.hi,
            self.block_row,
            self.scale,
        ]
        .into_iter()
        .chain(self.itm.iter().copied())
        .chain(self.price.iter().copied())
        .collect()
    }
}

/// Indices of the band table's fixed columns in a circuit that allocates them first
/// ([`BandTable::configure`]): `7 + 2W` columns for `lanes` lanes.
pub const fn table_columns(lanes: usize) -> std::ops::Range<usize> {
    0..7 + 2 * lanes_per_row(lanes)
}

impl<const LANES: usize> PositionsConfig<LANES> {
    /// The columns every row of a block repeats, in the order of [`Self::repeated_values`].
    fn repeated(&self) -> [Column<Advice>; 6] {
        [
            self.underlying,
            self.kind,
            self.lo,
            self.hi,
            self.strike,
            self.weight,
        ]
    }
}

/// The values of [`PositionsConfig::repeated`] for a slot.
fn repeated_values(s: &Slot) -> [Fp; 6] {
    [s.underlying, s.kind, s.lo, s.hi, s.strike, s.weight()]
}

/// The band table's values, column by column (tag, underlying, kind, lo, hi, block row,
/// scale, then the bits and the prices of a row's `W` lanes), row by row from row 0: one
/// definition for the chip that assigns it and the verifier that commits to it.
///
/// Row 0 is all zeros (matched by disabled rows only: their tag input is 0). Then, for every
/// band and every block row `p < H`: tag 1, the band's asset, kind and edges, `p`, the asset's
/// scale on `p = 0` only (0 elsewhere, as `q_slot` is), and the bits and prices of lanes
/// `p·W..p·W+W`; lanes past the policy's scenarios are never in the money and have price 0.
pub fn table(bands: &[Band], scale: &[u64], prices: &[Vec<u64>], lanes: usize) -> Vec<Vec<Fp>> {
    let per_row = lanes_per_row(lanes);
    let height = block_rows(lanes);
    let mut columns = vec![vec![Fp::ZERO]; 7 + 2 * per_row];
    for b in bands {
        for p in 0..height {
            let slot_scale = if p == 0 { scale[b.asset] } else { 0 };
            let fields = [
                1,
                b.asset as u64,
                b.kind.bit(),
                b.lo,
                b.hi,
                p as u64,
                slot_scale,
            ];
            let lane = |w| p * per_row + w;
            let itm = (0..per_row).map(|w| u64::from(b.itm.get(lane(w)).copied().unwrap_or(false)));
            let price = (0..per_row).map(|w| prices[b.asset].get(lane(w)).copied().unwrap_or(0));
            for (column, v) in columns
                .iter_mut()
                .zip(fields.into_iter().chain(itm).chain(price))
            {
                column.push(Fp::from(v));
            }
        }
    }
    columns
}

/// The positions chip.
#[derive(Clone, Debug)]
pub struct PositionsChip<const LANES: usize> {
    config: PositionsConfig<LANES>,
    /// Amounts to add to cells of the region (row, column, amount), so tests can show which
    /// constraint catches a forged block (the first slot's block starts at row `H`).
    #[cfg(test)]
    tamper: Vec<(usize, Column<Advice>, Fp)>,
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
    /// Takes the chip's columns from `pool` (new ones where it has none that serve) and
    /// creates its gates and lookup. The chip reads `u, c, lo, hi, K, m` and the first three
    /// field columns at the current and next rows, the last field column, the bits and the
    /// prices at the current row, and the running sums at the current row and `H` rows up;
    /// the field and sum columns are equality-enabled.
    pub fn configure(
        meta: &mut ConstraintSystem<Fp>,
        pool: &mut ColumnPool,
        table: BandTable,
    ) -> PositionsConfig<LANES> {
        let per_row = lanes_per_row(LANES);
        let height = block_rows(LANES) as i32;
        let mut take = |reads| pool.take(meta, reads);
        let [underlying, kind, lo, hi, strike, weight] = [(); 6].map(|_| take(Reads::NEXT));
        let fields = [
            Reads::NEXT_LINKED,
            Reads::NEXT_LINKED,
            Reads::NEXT_LINKED,
            Reads::CUR_LINKED,
        ]
        .map(&mut take);
        // No column is read `H` rows up already: any linked one costs that one evaluation.
        let acc: Vec<_> = (0..per_row).map(|_| take(Reads::CUR_LINKED)).collect();
        let itm: Vec<_> = (0..per_row).map(|_| take(Reads::CUR)).collect();
        let price: Vec<_> = (0..per_row).map(|_| take(Reads::CUR)).collect();
        let block_row = meta.fixed_column();
        let config = PositionsConfig {
            underlying,
            kind,
            lo,
            hi,
            strike,
            weight,
            fields,
            itm,
            price,
            acc,
            block_row,
            q_slot: meta.complex_selector(),
            q_down: meta.selector(),
            q_row: meta.complex_selector(),
            table,
        };
        let c = &config;
        for &col in c.fields.iter().chain(&c.acc) {
            meta.enable_equality(col);
        }
        let cur = |meta: &mut VirtualCells<'_, Fp>, col| meta.query_advice(col, Rotation::cur());
        let field = |meta: &mut VirtualCells<'_, Fp>, (col, row): (usize, usize)| {
            meta.query_advice(c.fields[col], Rotation(row as i32))
        };

        meta.create_gate("position", |meta| {
            let q = meta.query_selector(c.q_slot);
            let [u, kind, lo, hi, strike, weight] = c.repeated().map(|col| cur(meta, col));
            let packed = field(meta, place::PACKED);
            let size = field(meta, place::SIZE);
            let expiry = field(meta, place::EXPIRY);
            let scale = field(meta, place::SCALE);
            let r_lo = field(meta, place::R_LO);
            let r_hi = field(meta, place::R_HI);
            let shifted = |e: Expression<Fp>, bits| e * pow2(bits);
            let packing = packed
                - (shifted(u, packing::UNDERLYING)
                    + shifted(kind.clone(), packing::KIND)
                    + shifted(strike.clone(), packing::STRIKE)
                    + shifted(size.clone(), packing::SIZE)
                    + shifted(expiry, packing::EXPIRY));
            let sign = Expression::Constant(Fp::ONE) - kind * Fp::from(2);
            Constraints::with_selector(
                q,
                [
                    ("packing", packing),
                    ("strike above band floor", r_lo - (strike.clone() - lo)),
                    ("strike below band ceiling", r_hi - (hi - strike)),
                    ("weight", weight - size * scale * sign),
                ],
            )
        });

        meta.create_gate("one slot per block", |meta| {
            let q = meta.query_selector(c.q_down);
            let names = [
                "same underlying",
                "same kind",
                "same band floor",
                "same band ceiling",
                "same strike",
                "same weight",
            ];
            let constraints: Vec<_> = names
                .into_iter()
                .zip(c.repeated())
                .map(|(name, col)| {
                    (
                        name,
                        meta.query_advice(col, Rotation::next()) - cur(meta, col),
                    )
                })
                .collect();
            Constraints::with_selector(q, constraints)
        });

        meta.create_gate("liability", |meta| {
            let q = meta.query_selector(c.q_row);
            let strike = cur(meta, c.strike);
            let weight = cur(meta, c.weight);
            let constraints: Vec<_> = (0..per_row)
                .map(|w| {
                    let acc = cur(meta, c.acc[w]);
                    let acc_before = meta.query_advice(c.acc[w], Rotation(-height));
                    let itm = cur(meta, c.itm[w]);
                    let price = cur(meta, c.price[w]);
                    (
                        LANE_CONSTRAINTS[w],
                        acc - acc_before - weight.clone() * itm * (price - strike.clone()),
                    )
                })
                .collect();
            Constraints::with_selector(q, constraints)
        });

        meta.lookup(|meta| {
            let q = meta.query_selector(c.q_row);
            let q_slot = meta.query_selector(c.q_slot);
            let t = &c.table;
            let mut pairs = vec![
                (q.clone(), t.tag),
                (q.clone() * cur(meta, c.underlying), t.underlying),
                (q.clone() * cur(meta, c.kind), t.kind),
                (q.clone() * cur(meta, c.lo), t.lo),
                (q.clone() * cur(meta, c.hi), t.hi),
                (q.clone() * meta.query_fixed(c.block_row), t.block_row),
                (q_slot * field(meta, place::SCALE), t.scale),
            ];
            for w in 0..per_row {
                pairs.push((q.clone() * cur(meta, c.itm[w]), t.itm[w]));
                pairs.push((q.clone() * cur(meta, c.price[w]), t.price[w]));
            }
            pairs
        });
        config
    }

    /// Builds the chip from its configuration.
    pub fn construct(config: PositionsConfig<LANES>) -> Self {
        PositionsChip {
            config,
            #[cfg(test)]
            tamper: vec![],
        }
    }
}

impl<const LANES: usize> PositionsInstructions<LANES> for PositionsChip<LANES> {
    fn load_bands(&self, layouter: &mut impl Layouter<Fp>, table: &[Vec<Fp>]) -> Result<(), Error> {
        let columns = self.config.table.columns();
        assert_eq!(
            table.len(),
            columns.len(),
            "one value vector per table column"
        );
        layouter.assign_table(
            || "bands",
            |mut t| {
                for (&col, values) in columns.iter().zip(table) {
                    for (row, &v) in values.iter().enumerate() {
                        t.assign_cell(|| "band", col, row, || Value::known(v))?;
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
        let per_row = lanes_per_row(LANES);
        let height = block_rows(LANES);
        if let Some(w) = witness {
            assert_eq!(w.len(), slots, "one witness per slot");
        }
        // Assigns a cell of the region; tests may corrupt some.
        let assign = |region: &mut Region<'_, Fp>,
                      name: &'static str,
                      col: Column<Advice>,
                      row: usize,
                      v: Value<Fp>| {
            #[cfg(test)]
            let v = self
                .tamper
                .iter()
                .filter(|&&(at, column, _)| at == row && column == col)
                .fold(v, |v, &(_, _, delta)| v + Value::known(delta));
            region.assign_advice(|| name, col, row, || v)
        };
        layouter.assign_region(
            || "positions",
            |mut region| {
                // The zero block: every lane's sum before the first slot. Each lane's latest
                // cell then holds its running sum.
                let mut acc_cells = Vec::with_capacity(per_row * height);
                for p in 0..height {
                    for &col in &c.acc {
                        let cell =
                            assign(&mut region, "acc start", col, p, Value::known(Fp::ZERO))?;
                        region.constrain_constant(cell.cell(), Fp::ZERO)?;
                        acc_cells.push(cell);
                    }
                }
                let mut out = Vec::with_capacity(slots);
                for j in 0..slots {
                    let s = witness.map(|w| &w[j]);
                    let known =
                        |f: fn(&Slot) -> Fp| s.map_or(Value::unknown(), |s| Value::known(f(s)));
                    let top = (j + 1) * height;
                    let mut field = |(col, p): (usize, usize), name, v| {
                        assign(&mut region, name, c.fields[col], top + p, v)
                    };
                    let account = field(place::ACCOUNT, "account", known(|s| s.account))?;
                    let packed = field(place::PACKED, "packed", known(|s| s.packed))?;
                    let size = field(place::SIZE, "size", known(|s| s.size))?;
                    let expiry = field(place::EXPIRY, "expiry", known(|s| s.expiry))?;
                    field(place::SCALE, "scale", known(|s| s.scale))?;
                    let r_lo = field(place::R_LO, "r_lo", known(|s| s.strike - s.lo))?;
                    let r_hi = field(place::R_HI, "r_hi", known(|s| s.hi - s.strike))?;
                    let repeated = s.map(repeated_values);
                    let terms = s.map(Slot::liabilities);
                    // Lane `l` of a slot's vector; lanes past it are padding, never in the money.
                    let lane = |v: Option<&Vec<Fp>>, l: usize| {
                        v.map_or(Value::unknown(), |v| {
                            Value::known(v.get(l).copied().unwrap_or(Fp::ZERO))
                        })
                    };
                    c.q_slot.enable(&mut region, top)?;
                    for p in 0..height {
                        let row = top + p;
                        c.q_row.enable(&mut region, row)?;
                        if p + 1 < height {
                            c.q_down.enable(&mut region, row)?;
                        }
                        region.assign_fixed(
                            || "block row",
                            c.block_row,
                            row,
                            || Value::known(Fp::from(p as u64)),
                        )?;
                        for (i, col) in c.repeated().into_iter().enumerate() {
                            let v = repeated.map_or(Value::unknown(), |r| Value::known(r[i]));
                            assign(&mut region, "slot field", col, row, v)?;
                        }
                        for w in 0..per_row {
                            let l = p * per_row + w;
                            assign(
                                &mut region,
                                "itm",
                                c.itm[w],
                                row,
                                lane(s.map(|s| &s.itm), l),
                            )?;
                            assign(
                                &mut region,
                                "price",
                                c.price[w],
                                row,
                                lane(s.map(|s| &s.price), l),
                            )?;
                            let acc = acc_cells[l].value().copied() + lane(terms.as_ref(), l);
                            acc_cells[l] = assign(&mut region, "acc", c.acc[w], row, acc)?;
                        }
                    }
                    out.push(AssignedSlot {
                        account,
                        packed,
                        ranged: [size, expiry, r_lo, r_hi],
                    });
                }
                acc_cells.truncate(LANES);
                let totals = acc_cells.try_into().expect("LANES cells");
                Ok(AssignedPositions { slots: out, totals })
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

    use crate::bands::band_table;
    use crate::circuit::BookConfig;
    use crate::snapshot::Book;
    use crate::statement::{Public, Scenario};
    use crate::test_books::demo_book;
    use crate::test_failures::assert_permutation_failure;
    use crate::witness::{prepare, Secrets};

    /// Picks a column of the chip, for tampering.
    type Pick<const LANES: usize> = fn(&PositionsConfig<LANES>) -> Column<Advice>;

    /// The positions chip alone, in the columns the book circuits give it (shared with the
    /// hash lanes and range checks, whose regions are left out here).
    struct TestCircuit<const LANES: usize> {
        public: Public,
        slots: Vec<Slot>,
        /// (region row, column, amount): the first slot's block starts at row `H`.
        tamper: Vec<(usize, Pick<LANES>, Fp)>,
    }

    impl<const LANES: usize> Circuit<Fp> for TestCircuit<LANES> {
        type Config = BookConfig<LANES>;
        type FloorPlanner = SimpleFloorPlanner;

        fn without_witnesses(&self) -> Self {
            unimplemented!("MockProver only")
        }

        fn configure(meta: &mut ConstraintSystem<Fp>) -> Self::Config {
            BookConfig::configure(meta)
        }

        fn synthesize(
            &self,
            config: Self::Config,
            mut layouter: impl Layouter<Fp>,
        ) -> Result<(), Error> {
            let mut chip = PositionsChip::<LANES>::construct(config.positions().clone());
            chip.tamper = self
                .tamper
                .iter()
                .map(|&(row, pick, delta)| (row, pick(&chip.config), delta))
                .collect();
            chip.load_bands(&mut layouter, &band_table(&self.public, LANES))?;
            chip.assign_slots(&mut layouter, self.slots.len(), Some(&self.slots))?;
            Ok(())
        }
    }

    /// The demo book with `scenarios` scenarios, each shocking the first asset differently.
    fn book(scenarios: usize) -> Book {
        let mut b = demo_book();
        b.public.policy.scenarios = (0..scenarios)
            .map(|n| Scenario {
                name: format!("s{n}"),
                shocks_bps: vec![n as i64 * 500 - 2000, 0],
            })
            .collect();
        b
    }

    /// The book's slots, the first position's first: tampering forges a real position.
    fn slots(b: &Book) -> Vec<Slot> {
        let p = prepare(b, &Secrets::from_seed([3; 32]), None);
        let mut slots = p.witness.slots;
        slots.swap(0, p.slot_of[0]);
        slots
    }

    /// Row `p` of the first slot's block, as a region row.
    fn slot0<const LANES: usize>(p: usize) -> usize {
        block_rows(LANES) + p
    }

    fn run<const LANES: usize>(
        b: &Book,
        tamper: Vec<(usize, Pick<LANES>, Fp)>,
    ) -> Result<(), Vec<VerifyFailure>> {
        let circuit = TestCircuit::<LANES> {
            public: b.public.clone(),
            slots: slots(b),
            tamper,
        };
        MockProver::run(10, &circuit, vec![vec![]])
            .unwrap()
            .verify()
    }

    /// Whether some failure is the named constraint (or, for "lookup", the band lookup) at
    /// region row `row`.
    fn fails_at(failures: &[VerifyFailure], name: &str, row: usize) -> bool {
        failures.iter().any(|f| match f {
            VerifyFailure::ConstraintNotSatisfied {
                constraint,
                location: FailureLocation::InRegion { offset, .. },
                ..
            } => constraint.to_string().contains(name) && *offset == row,
            VerifyFailure::Lookup {
                location: FailureLocation::InRegion { offset, .. },
                ..
            } => name == "lookup" && *offset == row,
            _ => false,
        })
    }

    #[test]
    fn honest_blocks_are_satisfied_for_every_lane_width() {
        assert_eq!(run::<4>(&book(3), vec![]), Ok(()));
        assert_eq!(run::<9>(&book(9), vec![]), Ok(()));
        assert_eq!(run::<16>(&book(16), vec![]), Ok(()));
    }

    #[test]
    fn each_slot_gate_refuses_a_forged_field() {
        let cases: [(Pick<9>, (usize, usize), &str); 4] = [
            (|c| c.fields[place::PACKED.0], place::PACKED, "packing"),
            (
                |c| c.fields[place::R_LO.0],
                place::R_LO,
                "strike above band floor",
            ),
            (
                |c| c.fields[place::R_HI.0],
                place::R_HI,
                "strike below band ceiling",
            ),
            (|c| c.weight, (0, 0), "weight"),
        ];
        for (pick, (_, p), name) in cases {
            let failures = run::<9>(&book(9), vec![(slot0::<9>(p), pick, Fp::ONE)]).unwrap_err();
            assert!(
                fails_at(&failures, name, slot0::<9>(0)),
                "{name}: {failures:#?}"
            );
        }
    }

    #[test]
    fn each_repeated_field_is_copied_down_the_block() {
        let picks: [(Pick<9>, &str); 6] = [
            (|c| c.underlying, "same underlying"),
            (|c| c.kind, "same kind"),
            (|c| c.lo, "same band floor"),
            (|c| c.hi, "same band ceiling"),
            (|c| c.strike, "same strike"),
            (|c| c.weight, "same weight"),
        ];
        for (pick, name) in picks {
            // Row 3 of the block differs from row 2: caught on row 2.
            let failures = run::<9>(&book(9), vec![(slot0::<9>(3), pick, Fp::ONE)]).unwrap_err();
            assert!(
                fails_at(&failures, name, slot0::<9>(2)),
                "{name}: {failures:#?}"
            );
        }
    }

    #[test]
    fn forged_running_sum_fails_the_liability_gate_of_its_lane() {
        // Lane 4 sits in row 2, first place; lane 5 second; with 16 lanes, lane 5 is row 1's
        // third.
        let failures = run::<9>(&book(9), vec![(slot0::<9>(2), |c| c.acc[0], Fp::ONE)]);
        let failures = failures.unwrap_err();
        let name = "liability, first lane of the row";
        assert!(fails_at(&failures, name, slot0::<9>(2)), "{failures:#?}");
        let failures = run::<9>(&book(9), vec![(slot0::<9>(2), |c| c.acc[1], Fp::ONE)]);
        let failures = failures.unwrap_err();
        let name = "liability, second lane of the row";
        assert!(fails_at(&failures, name, slot0::<9>(2)), "{failures:#?}");
        let failures = run::<16>(&book(16), vec![(slot0::<16>(1), |c| c.acc[2], Fp::ONE)]);
        let failures = failures.unwrap_err();
        let name = "liability, third lane of the row";
        assert!(fails_at(&failures, name, slot0::<16>(1)), "{failures:#?}");
    }

    #[test]
    fn sums_start_from_the_zero_block() {
        // A sum that starts at 1 instead of 0 breaks the copy of the constant zero.
        let failures = run::<9>(&book(9), vec![(1, |c| c.acc[1], Fp::ONE)]).unwrap_err();
        assert_permutation_failure(&failures);
    }

    #[test]
    fn bit_price_or_scale_off_the_table_is_refused() {
        // (row tampered, column, row whose lookup reads it): lane 8's bit, padding lane 9's
        // price, and the scale, which sits on row 1 and is looked up from row 0.
        let cases: [(usize, Pick<9>, usize); 3] = [
            (4, |c| c.itm[0], 4),
            (4, |c| c.price[1], 4),
            (place::SCALE.1, |c| c.fields[place::SCALE.0], 0),
        ];
        for (row, pick, looked_up) in cases {
            let failures = run::<9>(&book(9), vec![(slot0::<9>(row), pick, Fp::ONE)]).unwrap_err();
            assert!(
                fails_at(&failures, "lookup", slot0::<9>(looked_up)),
                "{failures:#?}"
            );
        }
    }

    #[test]
    fn an_enabled_row_never_matches_the_tables_zero_row() {
        // Every looked-up cell of the first row zeroed: the tuple is the zero row but for the
        // selector's leading 1, and no band has it.
        let b = book(9);
        let s = &slots(&b)[0];
        let zeroed: [(Pick<9>, Fp); 9] = [
            (|c| c.underlying, s.underlying),
            (|c| c.kind, s.kind),
            (|c| c.lo, s.lo),
            (|c| c.hi, s.hi),
            (|c| c.itm[0], s.itm[0]),
            (|c| c.itm[1], s.itm[1]),
            (|c| c.price[0], s.price[0]),
            (|c| c.price[1], s.price[1]),
            (|c| c.fields[place::SCALE.0], s.scale),
        ];
        let tamper = zeroed
            .into_iter()
            .enumerate()
            .map(|(i, (pick, v))| (slot0::<9>(usize::from(i == 8)), pick, -v))
            .collect();
        let failures = run::<9>(&b, tamper).unwrap_err();
        assert!(
            fails_at(&failures, "lookup", slot0::<9>(0)),
            "{failures:#?}"
        );
    }

    #[test]
    fn lanes_moved_to_another_row_of_the_block_are_refused() {
        // Row 1 claims the bits and prices of row 2 (lanes 4, 5 instead of 2, 3), with sums
        // that agree: only the block row in the lookup tells them apart.
        let b = book(9);
        let s = &slots(&b)[0];
        let terms = s.liabilities();
        let weight = s.weight();
        let mut tamper: Vec<(usize, Pick<9>, Fp)> = vec![];
        let picks: [(Pick<9>, Pick<9>, Pick<9>); 2] = [
            (|c| c.itm[0], |c| c.price[0], |c| c.acc[0]),
            (|c| c.itm[1], |c| c.price[1], |c| c.acc[1]),
        ];
        for (w, (itm, price, acc)) in picks.into_iter().enumerate() {
            let (from, to) = (2 + w, 4 + w);
            assert_ne!(s.price[from], s.price[to], "distinct prices");
            let row = slot0::<9>(1);
            tamper.push((row, itm, s.itm[to] - s.itm[from]));
            tamper.push((row, price, s.price[to] - s.price[from]));
            let moved = weight * s.itm[to] * (s.price[to] - s.strike);
            tamper.push((row, acc, moved - terms[from]));
        }
        let failures = run::<9>(&b, tamper).unwrap_err();
        assert!(
            fails_at(&failures, "lookup", slot0::<9>(1)),
            "{failures:#?}"
        );
        assert!(
            !failures.iter().any(|f| matches!(f,
                VerifyFailure::ConstraintNotSatisfied {
                    location: FailureLocation::InRegion { offset, .. }, ..
                } if *offset == slot0::<9>(1))),
            "only the lookup objects: {failures:#?}"
        );
    }
}
