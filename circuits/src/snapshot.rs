//! `solvency-snapshot/1`: the prover's input, parsed and validated into exact integers.
//!
//! Every rule of SPEC §3 is checked here, once, so that everything downstream (native model,
//! witness, circuit) may rely on the bounds documented in [`crate::limits`]. A violation is a
//! [`SnapshotError`] naming the field and the offending value.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::limits::{MAX_POSITIONS, PRICE_DECIMALS};
use crate::statement::{format_decimal, Kind, Public, RawAsset, RawPolicy, RawPublic};

/// The format tag this parser accepts.
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
    /// A scaled value does not fit in 64 bits.
    #[error("{field}: {value:?} does not fit in u64 once scaled to base units")]
    Overflow {
        /// JSON path of the field.
        field: String,
        /// The offending text.
        value: String,
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
    /// Several reserve entries of one asset add up past u64.
    #[error("reserves: the amounts of {asset} add up past u64")]
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

/// A position the protocol has written: a liability towards `account`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// The holder's account id, as given in the snapshot.
    pub account: String,
    /// Index of the underlying asset in [`Public::assets`].
    pub underlying: usize,
    /// Call or put.
    pub kind: Kind,
    /// Strike in 1e-8 USD.
    pub strike: u64,
    /// Size in base units of the underlying (`10^-decimals`).
    pub size: u64,
    /// Expiry, unix seconds.
    pub expiry: u64,
}

/// A validated snapshot: the public statement data plus the private books, in exact integers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Book {
    /// Everything the proof makes public.
    pub public: Public,
    /// Reserve balance of each asset (same order as `public.assets`), in base units.
    pub reserves: Vec<u64>,
    /// Every written position.
    pub positions: Vec<Position>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSnapshot {
    format: String,
    protocol: String,
    epoch: u64,
    timestamp: u64,
    assets: Vec<RawAsset>,
    reserves: Vec<RawReserve>,
    positions: Vec<RawPosition>,
    policy: RawPolicy,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReserve {
    asset: String,
    amount: String,
    /// Where the funds sit, for humans; never part of the statement.
    #[serde(default, rename = "location", skip_serializing_if = "Option::is_none")]
    _location: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPosition {
    account: String,
    underlying: String,
    kind: String,
    strike: String,
    size: String,
    expiry: u64,
}

/// Parses a decimal string into an integer scaled by `10^places`.
///
/// Accepts `digits` or `digits.digits`; rejects signs, exponents, blanks and empty parts, so a
/// value has exactly one spelling family and never passes through a float.
pub fn parse_decimal(field: &str, text: &str, places: u32) -> Result<u64, SnapshotError> {
    let not_decimal = || SnapshotError::NotDecimal {
        field: field.to_owned(),
        value: text.to_owned(),
    };
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, f),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (text.contains('.') && frac.is_empty()) {
        return Err(not_decimal());
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > places as usize {
        return Err(SnapshotError::TooManyDecimals {
            field: field.to_owned(),
            value: text.to_owned(),
            max: places,
        });
    }
    let overflow = || SnapshotError::Overflow {
        field: field.to_owned(),
        value: text.to_owned(),
    };
    let scaled: String = format!("{int}{frac:0<width$}", width = places as usize);
    let scaled = scaled.trim_start_matches('0');
    if scaled.is_empty() {
        return Ok(0);
    }
    scaled.parse::<u64>().map_err(|_| overflow())
}

/// Books hold at most [`MAX_POSITIONS`] positions.
fn check_position_count(count: usize) -> Result<(), SnapshotError> {
    if count > MAX_POSITIONS {
        return Err(SnapshotError::TooMany {
            field: "positions".into(),
            count,
            max: MAX_POSITIONS,
        });
    }
    Ok(())
}

impl Book {
    /// Parses and validates a `solvency-snapshot/1` document.
    pub fn from_json(bytes: &[u8]) -> Result<Self, SnapshotError> {
        let raw: RawSnapshot =
            serde_json::from_slice(bytes).map_err(|e| SnapshotError::Json(e.to_string()))?;
        Self::validate(raw)
    }

    /// The book as a `solvency-snapshot/1` document (one reserve entry per asset);
    /// [`Book::from_json`] reads it back to an equal book.
    pub fn to_json(&self) -> String {
        let public = RawPublic::from(self.public.clone());
        let assets = &self.public.assets;
        let raw = RawSnapshot {
            format: SNAPSHOT_FORMAT.into(),
            protocol: public.protocol,
            epoch: public.epoch,
            timestamp: public.timestamp,
            reserves: assets
                .iter()
                .zip(&self.reserves)
                .map(|(a, &b)| RawReserve {
                    asset: a.symbol.clone(),
                    amount: format_decimal(b, a.decimals),
                    _location: None,
                })
                .collect(),
            positions: self
                .positions
                .iter()
                .map(|p| RawPosition {
                    account: p.account.clone(),
                    underlying: assets[p.underlying].symbol.clone(),
                    kind: match p.kind {
                        Kind::Call => "call".into(),
                        Kind::Put => "put".into(),
                    },
                    strike: format_decimal(p.strike, PRICE_DECIMALS),
                    size: format_decimal(p.size, assets[p.underlying].decimals),
                    expiry: p.expiry,
                })
                .collect(),
            assets: public.assets,
            policy: public.policy,
        };
        serde_json::to_string_pretty(&raw).expect("snapshot serializes")
    }

    fn validate(raw: RawSnapshot) -> Result<Self, SnapshotError> {
        if raw.format != SNAPSHOT_FORMAT {
            return Err(SnapshotError::Format(raw.format));
        }
        let public = Public::try_from(RawPublic {
            protocol: raw.protocol,
            epoch: raw.epoch,
            timestamp: raw.timestamp,
            assets: raw.assets,
            policy: raw.policy,
        })?;
        let assets = &public.assets;
        let lookup = |field: String, symbol: &str| {
            assets
                .iter()
                .position(|a| a.symbol == symbol)
                .ok_or_else(|| SnapshotError::UnknownAsset {
                    field,
                    value: symbol.to_owned(),
                })
        };

        // Reserves: several entries of one asset add up.
        let mut reserves = vec![0u64; assets.len()];
        for (i, r) in raw.reserves.iter().enumerate() {
            let a = lookup(format!("reserves[{i}].asset"), &r.asset)?;
            let amount = parse_decimal(
                &format!("reserves[{i}].amount"),
                &r.amount,
                assets[a].decimals,
            )?;
            reserves[a] =
                reserves[a]
                    .checked_add(amount)
                    .ok_or_else(|| SnapshotError::ReserveOverflow {
                        asset: r.asset.clone(),
                    })?;
        }

        // Positions.
        check_position_count(raw.positions.len())?;
        let mut positions = Vec::with_capacity(raw.positions.len());
        for (j, p) in raw.positions.iter().enumerate() {
            if p.account.is_empty() {
                return Err(SnapshotError::Empty {
                    field: format!("positions[{j}].account"),
                });
            }
            let underlying = lookup(format!("positions[{j}].underlying"), &p.underlying)?;
            let kind = match p.kind.as_str() {
                "call" => Kind::Call,
                "put" => Kind::Put,
                other => {
                    return Err(SnapshotError::Kind {
                        field: format!("positions[{j}].kind"),
                        value: other.to_owned(),
                    })
                }
            };
            let strike =
                parse_decimal(&format!("positions[{j}].strike"), &p.strike, PRICE_DECIMALS)?;
            let size_field = format!("positions[{j}].size");
            let size = parse_decimal(&size_field, &p.size, assets[underlying].decimals)?;
            if size == 0 {
                return Err(SnapshotError::OutOfRange {
                    field: size_field,
                    value: 0,
                    min: 1,
                    max: u64::MAX.into(),
                });
            }
            positions.push(Position {
                account: p.account.clone(),
                underlying,
                kind,
                strike,
                size,
                expiry: p.expiry,
            });
        }
        Ok(Book {
            public,
            reserves,
            positions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{MAX_ASSETS, MAX_RATIO_BPS, MAX_SCENARIOS};
    use serde_json::{json, Value};

    fn demo() -> Value {
        json!({
          "format": "solvency-snapshot/1",
          "protocol": "demo-options",
          "epoch": 7,
          "timestamp": 1764000000u64,
          "assets": [
            {"symbol": "ETH",  "decimals": 6, "price": "3150.25", "price_timestamp": 1763999990u64},
            {"symbol": "USDC", "decimals": 6, "price": "1",       "price_timestamp": 1763999990u64}
          ],
          "reserves": [
            {"asset": "ETH",  "amount": "1250.5",  "location": "vault 0xabc"},
            {"asset": "USDC", "amount": "3000000", "location": "treasury"}
          ],
          "positions": [
            {"account": "alice", "underlying": "ETH", "kind": "call", "strike": "3500",
             "size": "2.5", "expiry": 1767000000u64}
          ],
          "policy": {
            "collateral_ratio_bps": 12000,
            "haircuts_bps": {"ETH": 1000, "USDC": 0},
            "max_oracle_age_s": 300,
            "scenarios": [
              {"name": "base",   "shocks_bps": {}},
              {"name": "eth-30", "shocks_bps": {"ETH": -3000}},
              {"name": "eth+30", "shocks_bps": {"ETH": 3000}}
            ]
          }
        })
    }

    fn parse(v: &Value) -> Result<Book, SnapshotError> {
        Book::from_json(v.to_string().as_bytes())
    }

    /// Applies `edit` to the demo snapshot and returns the parse error.
    fn refuse(edit: impl FnOnce(&mut Value)) -> SnapshotError {
        let mut v = demo();
        edit(&mut v);
        parse(&v).expect_err("snapshot should be refused")
    }

    #[test]
    fn demo_parses_to_exact_integers() {
        let book = parse(&demo()).unwrap();
        assert_eq!(book.public.assets[0].price, 315_025_000_000);
        assert_eq!(book.public.assets[1].price, 100_000_000);
        assert_eq!(book.reserves, vec![1_250_500_000, 3_000_000_000_000]);
        let p = &book.positions[0];
        assert_eq!(
            (p.strike, p.size, p.kind),
            (350_000_000_000, 2_500_000, Kind::Call)
        );
        assert_eq!(book.public.policy.haircuts_bps, vec![1000, 0]);
        assert_eq!(book.public.policy.scenarios[1].shocks_bps, vec![-3000, 0]);
    }

    #[test]
    fn to_json_round_trips() {
        let book = parse(&demo()).unwrap();
        assert_eq!(Book::from_json(book.to_json().as_bytes()).unwrap(), book);
    }

    #[test]
    fn decimal_parser_is_strict() {
        assert_eq!(parse_decimal("f", "0.10", 2), Ok(10));
        assert_eq!(parse_decimal("f", "007", 0), Ok(7));
        assert_eq!(parse_decimal("f", "18446744073709551615", 0), Ok(u64::MAX));
        for bad in [
            "", ".5", "5.", "-1", "+1", "1e3", " 1", "1,5", "0x10", "1.2.3", "NaN",
        ] {
            assert!(
                matches!(
                    parse_decimal("f", bad, 8),
                    Err(SnapshotError::NotDecimal { .. })
                ),
                "{bad:?} accepted"
            );
        }
        assert!(matches!(
            parse_decimal("f", "18446744073709551616", 0),
            Err(SnapshotError::Overflow { .. })
        ));
        assert!(matches!(
            parse_decimal("f", "0.123", 2),
            Err(SnapshotError::TooManyDecimals { max: 2, .. })
        ));
    }

    #[test]
    fn reserves_of_one_asset_add_up() {
        let mut v = demo();
        v["reserves"]
            .as_array_mut()
            .unwrap()
            .push(json!({"asset": "ETH", "amount": "0.5"}));
        assert_eq!(parse(&v).unwrap().reserves[0], 1_251_000_000);
    }

    #[test]
    fn zero_positions_are_valid() {
        let mut v = demo();
        v["positions"] = json!([]);
        assert!(parse(&v).unwrap().positions.is_empty());
    }

    #[test]
    fn missing_haircut_and_shock_default_to_zero() {
        let mut v = demo();
        v["policy"]["haircuts_bps"] = json!({});
        let book = parse(&v).unwrap();
        assert_eq!(book.public.policy.haircuts_bps, vec![0, 0]);
        assert_eq!(book.public.policy.scenarios[0].shocks_bps, vec![0, 0]);
    }

    #[test]
    fn rejects_malformed_json() {
        let e = Book::from_json(b"{\"format\": ").unwrap_err();
        assert!(matches!(e, SnapshotError::Json(_)));
        let e = refuse(|v| v["epoch"] = json!("seven"));
        assert!(matches!(e, SnapshotError::Json(_)));
        let e = refuse(|v| v["surprise"] = json!(1));
        assert!(matches!(e, SnapshotError::Json(m) if m.contains("surprise")));
    }

    #[test]
    fn rejects_unknown_format() {
        let e = refuse(|v| v["format"] = json!("solvency-snapshot/2"));
        assert_eq!(e, SnapshotError::Format("solvency-snapshot/2".into()));
    }

    #[test]
    fn rejects_value_numbers_that_are_not_decimal_strings() {
        let e = refuse(|v| v["assets"][0]["price"] = json!("3,150"));
        assert_eq!(
            e,
            SnapshotError::NotDecimal {
                field: "assets[0].price".into(),
                value: "3,150".into()
            }
        );
        // A JSON number where a decimal string is required is a shape error.
        let e = refuse(|v| v["reserves"][0]["amount"] = json!(1250.5));
        assert!(matches!(e, SnapshotError::Json(_)));
    }

    #[test]
    fn rejects_too_many_decimals() {
        let e = refuse(|v| v["assets"][0]["price"] = json!("1.123456789"));
        assert!(
            matches!(e, SnapshotError::TooManyDecimals { ref field, max: 8, .. } if field == "assets[0].price")
        );
        let e = refuse(|v| v["positions"][0]["strike"] = json!("1.000000001"));
        assert!(
            matches!(e, SnapshotError::TooManyDecimals { ref field, .. } if field == "positions[0].strike")
        );
        let e = refuse(|v| v["reserves"][0]["amount"] = json!("1.0000001"));
        assert!(matches!(e, SnapshotError::TooManyDecimals { max: 6, .. }));
        let e = refuse(|v| v["positions"][0]["size"] = json!("0.0000001"));
        assert!(
            matches!(e, SnapshotError::TooManyDecimals { ref field, max: 6, .. } if field == "positions[0].size")
        );
    }

    #[test]
    fn rejects_decimals_out_of_range() {
        let e = refuse(|v| v["assets"][0]["decimals"] = json!(19));
        assert!(
            matches!(e, SnapshotError::OutOfRange { ref field, value: 19, .. } if field == "assets[0].decimals")
        );
    }

    #[test]
    fn rejects_scaled_overflow() {
        let e = refuse(|v| v["reserves"][0]["amount"] = json!("18446744073709.551616"));
        assert!(
            matches!(e, SnapshotError::Overflow { ref field, .. } if field == "reserves[0].amount")
        );
        let e = refuse(|v| v["positions"][0]["strike"] = json!("184467440738"));
        assert!(
            matches!(e, SnapshotError::Overflow { ref field, .. } if field == "positions[0].strike")
        );
    }

    #[test]
    fn rejects_reserve_sum_overflow() {
        let e = refuse(|v| {
            let r = v["reserves"].as_array_mut().unwrap();
            r.push(json!({"asset": "USDC", "amount": "18446744073709"}));
            r.push(json!({"asset": "USDC", "amount": "18446744073709"}));
        });
        assert_eq!(
            e,
            SnapshotError::ReserveOverflow {
                asset: "USDC".into()
            }
        );
    }

    #[test]
    fn rejects_duplicate_symbols_and_scenarios() {
        let e = refuse(|v| v["assets"][1]["symbol"] = json!("ETH"));
        assert!(matches!(e, SnapshotError::Duplicate { ref value, .. } if value == "ETH"));
        let e = refuse(|v| v["policy"]["scenarios"][1]["name"] = json!("base"));
        assert!(
            matches!(e, SnapshotError::Duplicate { ref field, .. } if field == "policy.scenarios[1].name")
        );
    }

    #[test]
    fn rejects_unknown_asset_references() {
        for (edit, field) in [
            (
                Box::new(|v: &mut Value| v["reserves"][0]["asset"] = json!("BTC"))
                    as Box<dyn Fn(&mut Value)>,
                "reserves[0].asset",
            ),
            (
                Box::new(|v: &mut Value| v["positions"][0]["underlying"] = json!("BTC")),
                "positions[0].underlying",
            ),
            (
                Box::new(|v: &mut Value| v["policy"]["haircuts_bps"]["BTC"] = json!(1)),
                "policy.haircuts_bps.BTC",
            ),
            (
                Box::new(|v: &mut Value| {
                    v["policy"]["scenarios"][0]["shocks_bps"]["BTC"] = json!(1)
                }),
                "policy.scenarios[0].shocks_bps.BTC",
            ),
        ] {
            let e = refuse(edit);
            assert_eq!(
                e,
                SnapshotError::UnknownAsset {
                    field: field.into(),
                    value: "BTC".into()
                }
            );
        }
    }

    #[test]
    fn rejects_bad_kind() {
        let e = refuse(|v| v["positions"][0]["kind"] = json!("straddle"));
        assert!(matches!(e, SnapshotError::Kind { ref value, .. } if value == "straddle"));
    }

    #[test]
    fn rejects_zero_size() {
        let e = refuse(|v| v["positions"][0]["size"] = json!("0.000"));
        assert!(
            matches!(e, SnapshotError::OutOfRange { ref field, value: 0, .. } if field == "positions[0].size")
        );
    }

    #[test]
    fn rejects_haircut_shock_and_ratio_out_of_range() {
        let e = refuse(|v| v["policy"]["haircuts_bps"]["ETH"] = json!(10001));
        assert!(matches!(e, SnapshotError::OutOfRange { value: 10001, .. }));
        let e = refuse(|v| v["policy"]["haircuts_bps"]["ETH"] = json!(-1));
        assert!(matches!(e, SnapshotError::OutOfRange { value: -1, .. }));
        let e = refuse(|v| v["policy"]["scenarios"][1]["shocks_bps"]["ETH"] = json!(-10000));
        assert!(matches!(e, SnapshotError::OutOfRange { value: -10000, .. }));
        let e = refuse(|v| v["policy"]["scenarios"][1]["shocks_bps"]["ETH"] = json!(100001));
        assert!(matches!(e, SnapshotError::OutOfRange { value: 100001, .. }));
        let e = refuse(|v| v["policy"]["collateral_ratio_bps"] = json!(9999));
        assert!(
            matches!(e, SnapshotError::OutOfRange { ref field, value: 9999, .. } if field == "policy.collateral_ratio_bps")
        );
        let e = refuse(|v| v["policy"]["collateral_ratio_bps"] = json!(MAX_RATIO_BPS + 1));
        assert!(matches!(e, SnapshotError::OutOfRange { .. }));
    }

    #[test]
    fn rejects_empty_scenarios_and_names() {
        let e = refuse(|v| v["policy"]["scenarios"] = json!([]));
        assert_eq!(
            e,
            SnapshotError::Empty {
                field: "policy.scenarios".into()
            }
        );
        let e = refuse(|v| v["positions"][0]["account"] = json!(""));
        assert!(matches!(e, SnapshotError::Empty { .. }));
        let e = refuse(|v| v["assets"] = json!([]));
        assert!(matches!(e, SnapshotError::Empty { .. }));
    }

    #[test]
    fn rejects_more_than_the_supported_limits() {
        let e = refuse(|v| {
            v["policy"]["scenarios"] = Value::Array(
                (0..=MAX_SCENARIOS)
                    .map(|i| json!({"name": format!("s{i}")}))
                    .collect(),
            )
        });
        assert!(matches!(
            e,
            SnapshotError::TooMany {
                count: 17,
                max: 16,
                ..
            }
        ));
        let e = refuse(|v| {
            v["assets"] = Value::Array(
                (0..=MAX_ASSETS)
                    .map(|i| json!({"symbol": format!("A{i}"), "decimals": 0, "price": "1", "price_timestamp": 1763999990u64}))
                    .collect(),
            )
        });
        assert!(matches!(
            e,
            SnapshotError::TooMany {
                count: 9,
                max: 8,
                ..
            }
        ));
    }

    #[test]
    fn position_count_is_limited() {
        assert_eq!(check_position_count(MAX_POSITIONS), Ok(()));
        assert_eq!(
            check_position_count(MAX_POSITIONS + 1),
            Err(SnapshotError::TooMany {
                field: "positions".into(),
                count: MAX_POSITIONS + 1,
                max: MAX_POSITIONS
            })
        );
    }

    #[test]
    fn supports_eight_assets_and_sixteen_scenarios() {
        let mut v = demo();
        v["assets"] = Value::Array(
            (0..MAX_ASSETS)
                .map(|i| json!({"symbol": format!("A{i}"), "decimals": 18, "price": "1", "price_timestamp": 1763999990u64}))
                .collect(),
        );
        v["reserves"] = json!([]);
        v["positions"] = json!([]);
        v["policy"]["haircuts_bps"] = json!({});
        v["policy"]["scenarios"] = Value::Array(
            (0..MAX_SCENARIOS)
                .map(|i| json!({"name": format!("s{i}"), "shocks_bps": {"A7": i}}))
                .collect(),
        );
        let book = parse(&v).unwrap();
        assert_eq!(book.public.assets.len(), 8);
        assert_eq!(book.public.policy.scenarios.len(), 16);
    }

    #[test]
    fn rejects_shocked_price_overflow() {
        let e = refuse(|v| {
            v["assets"][0]["price"] = json!("100000000000");
            v["policy"]["scenarios"][2]["shocks_bps"]["ETH"] = json!(100000);
        });
        assert_eq!(
            e,
            SnapshotError::ShockedPriceOverflow {
                scenario: "eth+30".into(),
                asset: "ETH".into()
            }
        );
    }

    #[test]
    fn rejects_stale_and_future_oracles() {
        let e = refuse(|v| v["assets"][1]["price_timestamp"] = json!(1763999699u64));
        assert!(matches!(e, SnapshotError::StaleOracle { ref asset, .. } if asset == "USDC"));
        let e = refuse(|v| v["assets"][1]["price_timestamp"] = json!(1764000001u64));
        assert!(matches!(e, SnapshotError::StaleOracle { .. }));
        // Exactly max age old is fine.
        let mut v = demo();
        v["assets"][1]["price_timestamp"] = json!(1763999700u64);
        assert!(parse(&v).is_ok());
    }
}
