//! Proof of solvency for an options protocol, as a Halo 2 circuit beside a native model.
//!
//! # What is proven
//!
//! For every stress scenario `s` of a public policy, with public shocked prices `P[i,s]`:
//!
//! ```text
//! V_s = Σ_i b_i · 10^(D−d_i) · P[i,s] · (10000 − haircut_i)
//! L_s = ratio · Σ_j size_j · 10^(D−d_uj) · intrinsic_j(P[u_j,s])      and   V_s ≥ L_s
//! ```
//!
//! where the balances `b` are exactly those opened by the public reserve commitment `C_R`, and
//! the positions are exactly the leaves of the public liabilities root `R_L` — every slot of
//! the tree is summed and every summed row is a slot of the tree, because the leaf hash and
//! the sums read the same cells ([`gadgets::positions`]).
//!
//! # Modules
//!
//! * [`snapshot`] parses `solvency-snapshot/1` into exact integers; [`statement`] is the public
//!   statement and its instance layout; [`limits`] holds every bound.
//! * [`model`] is the native model; [`commit`] the native commitments and tree; [`bands`] the
//!   moneyness table both sides share; [`witness`] turns a book into statement and witness.
//! * [`gadgets`] holds the chips; [`circuit`] wires them; [`proof`] proves and verifies.
//! * [`keys`] pins a verifying key per circuit shape: every commitment but the band table's,
//!   which a verifier computes from the statement like the public inputs.
//!
//! # Layout and cost
//!
//! Per tree slot (one per position, padded to a power of two), with `L` scenario lanes
//! (`L ∈ {4, 9, 16}`, the smallest ≥ the policy's scenarios):
//!
//! | region | rows per slot | columns |
//! |---|---|---|
//! | positions ([`gadgets::positions`]) | a block of `⌈L / W⌉` (at least 2), `W = ⌈L / 6⌉` lanes per row: 4, 5 or 6 | `10 + 3W` advice, laid in the other chips' columns ([`gadgets::columns`]): 0, 1 or 4 of their own; `7 + 2W` table, 1 fixed, 1 lookup |
//! | range checks ([`gadgets::range`]) | 4 values (size, expiry, K−lo, hi−K) of 8 rows on 2 columns: 16 | 2 advice, 1 table, 2 lookups |
//! | Poseidon ([`gadgets::poseidon`], 3 lanes side by side) | 2 · 37 / 3 ≈ 24.7 | 12 advice (6 with equality), 6 fixed, 4 selectors |
//!
//! plus a constant-size part: one commitment (the reserves' or a shard's lane sums: 189 rows
//! for up to 10 words, 341 for 17), coverage (`S·(A+2)` rows in 5 advice columns), and 5 range-check rows
//! per scenario. The positions' blocks lie in the rows the hash lanes leave free, so the two
//! set the height: `k = ⌈log2((24.7 + H) · slots + 189 + blinding)⌉` for blocks of `H` rows,
//! e.g. `k = 15` for 1,024 slots. [`shapes::Shape::rows`] computes it as laid out. A proof
//! carries a commitment per advice column and an evaluation per column and rotation read,
//! whatever the column's height, so the layout is tall and narrow: 16 advice columns for a
//! shard of nine scenarios, a 5.4 KB proof. Proving time is dominated by multi-scalar
//! multiplications, one per committed column of `2^k` rows, and verification by the verifying
//! key's, one per fixed and per equality-enabled column (`docs/performance.md` has the
//! measurements).
//!
//! The moneyness bands ([`bands`]) replace a comparison per position *per scenario* by two
//! 64-bit range checks per position, whatever the number of scenarios.
//!
//! # Why nothing wraps the field
//!
//! The Pallas base field has `p > 2^254`. Every private integer is range-checked:
//! balances, sizes, expiries, `K − lo` and `hi − K` below 2^64 ([`gadgets::range`]); kinds,
//! underlyings, scale factors, in-the-money bits and shocked prices come from the band table,
//! which holds only valid values. Public values are bounded by [`limits`], checked by the
//! verifier when it parses the statement. Hence:
//!
//! * a lane term `size · scale · β · ±(P − K)` is below `2^64 · 2^60 · 2^64 = 2^188`, and a
//!   lane total over at most `2^MAX_DEPTH = 2^12` slots below `2^200`;
//! * `L_s = ratio · total < 2^20 · 2^200 = 2^220`;
//! * `V_s < 8 · 2^64 · 2^60 · 2^64 · 2^14 = 2^205`;
//! * the packed leaf input is below `2^201` and injective (bit layout in [`commit::packing`]);
//! * `V_s − L_s` is proven below `2^205` by four range-checked limbs; were `V_s < L_s`, the field
//!   difference would exceed `p − 2^220 > 2^253` and no such limbs exist
//!   ([`gadgets::coverage`]).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod bands;
pub mod circuit;
pub mod commit;
pub mod encoding;
pub mod error;
pub mod gadgets;
pub mod keys;
pub mod limits;
pub mod model;
pub mod proof;
pub mod shapes;
pub mod snapshot;
pub mod srs;
pub mod statement;
pub mod witness;

#[cfg(test)]
mod test_books;
#[cfg(test)]
mod test_failures;
