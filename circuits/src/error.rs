//! Why an input was refused: one error type for every rule of a snapshot and of a statement's
//! public data, so the prover and the verifier name a fault the same way.

use thiserror::Error;

use crate::limits::MAX_TIMESTAMP;

/// The format tag of snapshots.
pub const SNAPSHOT_FORMAT: &str = "solvency-snapshot/1";

/// Why a snapshot was refused. Each variant names the field (a JSON path) and the value.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SnapshotError {
    /// The document is not JSON of the expected shape.
    #[error("snapshot is not valid solvency-snapshot/1 JSON: {0}")]
    Json(String),
    /// The `format` tag is not [`SNAPSHOT_FORMAT`].
    #[error("format: expected \"{SNAPSHOT_FORMAT}\", found {0:?}")]
    Format(String),
    /// The second pass over a snapshot found another number of positions than the first: the
    /// file was replaced or edited while it was read.
    #[error("the snapshot changed while it was read: {counted} positions, then {found}")]
    Changed {
        /// Positions counted by the first pass.
        counted: usize,
        /// Positions found by the second pass (it stops at the first one too many).
        found: usize,
    },
    /// A value-carrying number is not a plain decimal string (digits, at most one point).
    #[error("{field}: {value:?} is not a decimal number (digits with an optional '.')")]
    NotDecimal {
        /// JSON path of the field.
        field: String,
        /// The offending text.
        value: String,
    },
    /// A decimal string has more fractional digits than its field allows.
    #[error("{field}: {value:?} has more than {max} decimal places")]
    TooManyDecimals {
        /// JSON path of the field.
        field: String,
        /// The offending text.
        value: String,
        /// Decimal places allowed here.
        max: u32,
    },
    /// A scaled value does not fit in its integer: 64 bits for prices and strikes, 128 for
    /// an amount in base units.
    #[error("{field}: {value:?} does not fit in {bits} bits once scaled to its smallest unit")]
    Overflow {
        /// JSON path of the field.
        field: String,
        /// The offending text.
        value: String,
        /// Bits of the integer.
        bits: u32,
    },
    /// An amount that does not fit the 64 bits a proof holds at its asset's precision. Says
    /// what to do: the precision at which it fits, if any.
    #[error(
        "{field}: {value} {asset} is more than 2^64 − 1 units of 10^-{precision} {asset}, the \
         most a proof holds{}",
        precision_hint(asset, *fits)
    )]
    AmountTooLarge {
        /// JSON path of the field.
        field: String,
        /// The amount, in whole tokens.
        value: String,
        /// Asset symbol.
        asset: String,
        /// The asset's proof precision.
        precision: u32,
        /// The largest precision at which it fits, if any.
        fits: Option<u32>,
    },
    /// An amount in base units that is not an integer.
    #[error("{field}: {value:?} is not a whole number of base units (digits only)")]
    NotInteger {
        /// JSON path of the field.
        field: String,
        /// The offending text.
        value: String,
    },
    /// A reserve or a position gives its amount in none or both of its two spellings.
    #[error(
        "{field}: give exactly one of \"{decimal}\" (whole tokens, a decimal) and \"{raw}\" \
         (the chain's base units, an integer)"
    )]
    AmountSpelling {
        /// JSON path of the entry.
        field: String,
        /// The decimal spelling's key.
        decimal: &'static str,
        /// The base-unit spelling's key.
        raw: &'static str,
    },
    /// An integer lies outside its allowed range.
    #[error("{field}: {value} is outside the allowed range {min}..={max}")]
    OutOfRange {
        /// JSON path of the field.
        field: String,
        /// The offending value.
        value: i128,
        /// Smallest allowed value.
        min: i128,
        /// Largest allowed value.
        max: i128,
    },
    /// Two assets share a symbol, or two scenarios a name.
    #[error("{field}: {value:?} is declared twice")]
    Duplicate {
        /// JSON path of the field.
        field: String,
        /// The repeated name.
        value: String,
    },
    /// A reference names an asset that is not declared.
    #[error("{field}: {value:?} is not a declared asset")]
    UnknownAsset {
        /// JSON path of the field.
        field: String,
        /// The unknown symbol.
        value: String,
    },
    /// A position kind is neither `call` nor `put`.
    #[error("{field}: {value:?} is not \"call\" or \"put\"")]
    Kind {
        /// JSON path of the field.
        field: String,
        /// The offending text.
        value: String,
    },
    /// A name that must be non-empty is empty.
    #[error("{field}: must not be empty")]
    Empty {
        /// JSON path of the field.
        field: String,
    },
    /// A name or id is longer than its limit.
    #[error("{field}: {len} bytes long, at most {max} are allowed")]
    TooLong {
        /// JSON path of the field.
        field: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// More items than one proof supports.
    #[error("{field}: {count} entries, at most {max} are supported")]
    TooMany {
        /// JSON path of the list.
        field: String,
        /// Entries found.
        count: usize,
        /// The supported limit.
        max: usize,
    },
    /// Several reserve entries of one asset add up past 2^128 − 1 base units.
    #[error("reserves: the amounts of {asset} add up past 2^128 − 1 base units")]
    ReserveOverflow {
        /// The asset whose sum overflows.
        asset: String,
    },
    /// A shocked price does not fit in u64.
    #[error("policy.scenarios[{scenario}]: shocked price of {asset} does not fit in u64")]
    ShockedPriceOverflow {
        /// Scenario name.
        scenario: String,
        /// Asset symbol.
        asset: String,
    },
    /// Balances of `2^64 − 1` proof units per asset could be worth more, in a scenario, than
    /// a proof holds (`2^205` units of value): only with many assets, prices near `2^64` and
    /// a wide spread of precisions.
    #[error(
        "policy.scenarios[{scenario}]: at these prices, haircuts and precisions, reserves of \
         2^64 − 1 proof units per asset would be worth 2^205 units or more, past what a proof \
         holds; lower the precision (assets[].precision) of the assets with the most decimals"
    )]
    ValueBound {
        /// Scenario name.
        scenario: String,
    },
    /// A time past [`MAX_TIMESTAMP`]: most often milliseconds (JavaScript's `Date.now()`) where
    /// unix seconds are meant.
    #[error(
        "{field}: {value} is not a time in unix seconds up to {MAX_TIMESTAMP} (2100-01-01){}",
        milliseconds_hint(*.value)
    )]
    Time {
        /// JSON path of the field.
        field: String,
        /// The value found.
        value: u64,
    },
    /// An oracle price is older than the policy allows, or newer than the snapshot.
    #[error(
        "assets[{asset}].price_timestamp: {price_timestamp} is stale or in the future for snapshot time {timestamp} (max age {max_age} s)"
    )]
    StaleOracle {
        /// Asset symbol.
        asset: String,
        /// The oracle's time.
        price_timestamp: u64,
        /// The snapshot's time.
        timestamp: u64,
        /// The policy's maximum age.
        max_age: u64,
    },
}

/// What to do with an amount too large for a proof: declare the precision at which it fits.
fn precision_hint(asset: &str, fits: Option<u32>) -> String {
    match fits {
        Some(p) => format!(
            "; declare \"precision\": {p} (or less) in the assets entry of {asset}: its \
             reserves are then rounded down and sizes up to 10^-{p} {asset} (docs/formats.md, \
             \"Precision\")"
        ),
        None => format!("; not even whole tokens of {asset} fit, so no proof can hold it"),
    }
}

/// The hint for a time past [`MAX_TIMESTAMP`] that is a sane time in milliseconds.
fn milliseconds_hint(value: u64) -> &'static str {
    if value / 1_000 <= MAX_TIMESTAMP {
        ": it looks like milliseconds; give seconds (divide by 1,000)"
    } else {
        ""
    }
}
