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
    /// The epoch's secret seed.
    #[serde(with = "solvency_circuits::encoding::digest_hex")]
    pub seed: [u8; 32],
}

/// Why a reserve opening does not open a proof's `C_R`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpeningError {
    /// The bytes are not a well-formed opening.
    #[error("malformed reserve opening: {0}")]
    Malformed(String),
    /// The opening does not open this proof's commitment.
    #[error("the opening does not open this proof's reserve commitment: {0}")]
    Mismatch(String),
}

impl ReserveOpening {
    /// Parses an opening.
    pub fn parse(bytes: &[u8]) -> Result<Self, OpeningError> {
        crate::file::parse_tagged(bytes, OPENING_FORMAT, |o: &Self| &o.format)
            .map_err(OpeningError::Malformed)
    }

    /// Checks that this opens `statement`'s `C_R`; returns the balances in proof units (each
    /// asset's `10^-precision`, rounded down from what the snapshot held).
    pub fn open(
        &self,
        statement: &solvency_circuits::statement::Statement,
    ) -> Result<Vec<u64>, OpeningError> {
        let p = &statement.public;
        let mismatch = |why: String| OpeningError::Mismatch(why);
        if self.protocol != p.protocol || self.epoch != p.epoch {
            return Err(mismatch(format!(
                "it is for {} epoch {}, the proof for {} epoch {}",
                self.protocol, self.epoch, p.protocol, p.epoch
            )));
        }
        if self.balances.len() != p.assets.len() {
            return Err(mismatch(format!(
                "{} balances for {} assets",
                self.balances.len(),
                p.assets.len()
            )));
        }
        let balances = self
            .balances
            .iter()
            .zip(&p.assets)
            .map(|(b, a)| {
                if b.asset != a.symbol {
                    return Err(mismatch(format!(
                        "balance of {} where {} is due",
                        b.asset, a.symbol
                    )));
                }
                solvency_circuits::encoding::parse_decimal(&b.asset, &b.amount, a.precision)
                    .map_err(|e| OpeningError::Malformed(e.to_string()))
            })
            .collect::<Result<Vec<u64>, _>>()?;
        let c = solvency_circuits::commit::reserve_commitment(&balances, self.blinding);
        if c != statement.reserve_commitment {
            return Err(mismatch(
                "balances and blinding hash to another commitment".into(),
            ));
        }
        Ok(balances)
    }
}
