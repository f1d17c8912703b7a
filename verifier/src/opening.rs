//! `solvency-reserve-opening/1`: what an auditor needs to open `C_R`, and the protocol's seed.
//!
//! This file is secret: it holds the balances, the commitment blinding and the seed every
//! blinding and salt of the epoch derives from. It is never part of public output.

use serde::{Deserialize, Serialize};
use solvency_circuits::statement::Fp;

/// The format tag of reserve openings.
pub const OPENING_FORMAT: &str = "solvency-reserve-opening/1";

/// One asset's balance, in the snapshot's spelling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Balance {
    /// Asset symbol.
    pub asset: String,
    /// Amount in whole tokens, decimal string.
    pub amount: String,
}

/// A reserve opening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveOpening {
    /// Always [`OPENING_FORMAT`].
    pub format: String,
    /// Protocol id of the statement.
    pub protocol: String,
    /// Epoch of the statement.
    pub epoch: u64,
    /// The commitment this opens.
    #[serde(with = "solvency_circuits::encoding::field_hex")]
    pub reserve_commitment: Fp,
    /// Every declared asset's balance, in statement order.
    pub balances: Vec<Balance>,
    /// The commitment's blinding.
    #[serde(with = "solvency_circuits::encoding::field_hex")]
    pub blinding: Fp,
    /// The epoch's secret seed, hex.
    pub seed: String,
}
