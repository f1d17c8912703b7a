//! `solvency-snapshot/1`: the prover's input, parsed and validated into exact integers.
//!
//! Every rule of `docs/formats.md` for snapshots is checked here, once, so that everything
//! downstream (native model, witness, circuit) may rely on the bounds documented in
//! [`crate::limits`]. A violation is a [`SnapshotError`] naming the field and the offending
//! value.
//!
//! A snapshot is read in two passes ([`Header`], then [`Header::read_positions`]) so that a
//! task proving a few shards of a large book streams the positions and keeps only its own:
//! JSON may list the positions before the assets they are validated against, and a second
//! pass over the file costs far less than holding the book. The first pass checks the
//! document's shape and every rule outside the positions; the second checks the positions in
//! book order. A document with several faults is refused for the first one in that order.

use std::{fmt, io, marker::PhantomData};

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::de::{IoRead, Read as JsonRead, SliceRead};

use crate::encoding::{format_decimal, format_units, parse_decimal, parse_units};
pub use crate::error::SnapshotError;
use crate::limits::{within, MAX_ACCOUNT_BYTES, MAX_POSITIONS, MAX_SNAPSHOT_BYTES, PRICE_DECIMALS};
use crate::statement::{
    check_text, check_time, Asset, Kind, Public, RawAsset, RawPolicy, RawPublic, Rounding,
};

pub use crate::error::SNAPSHOT_FORMAT;

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
    /// Size in proof units of the underlying (`10^-precision` tokens), rounded up from the
    /// snapshot's amount.
    pub size: u64,
    /// Expiry, unix seconds.
    pub expiry: u64,
}

/// A validated snapshot: the public statement data plus the private books, in exact integers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Book {
    /// Everything the proof makes public.
    pub public: Public,
    /// Reserve balance of each asset (same order as `public.assets`), in proof units, rounded
    /// down from the snapshot's amounts.
    pub reserves: Vec<u64>,
    /// Every written position.
    pub positions: Vec<Position>,
}

/// The whole document; `P` is the positions as written (`Vec<RawPosition>`) or as the first
/// pass reads them ([`Count`]).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSnapshot<P> {
    format: String,
    protocol: String,
    epoch: u64,
    timestamp: u64,
    assets: Vec<RawAsset>,
    reserves: Vec<RawReserve>,
    positions: P,
    policy: RawPolicy,
}

/// A JSON array read only to count its elements, none of which is kept.
struct Count(usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Counter;
        impl<'de> Visitor<'de> for Counter {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of positions")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
                let mut count = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    count += 1;
                    // Stop at the first position too many, not at the end of the input.
                    if count > MAX_POSITIONS {
                        return Err(de::Error::custom(format!(
                            "positions: more than {MAX_POSITIONS}, the most a book may hold"
                        )));
                    }
                }
                Ok(Count(count))
            }
        }
        deserializer.deserialize_seq(Counter)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReserve {
    asset: String,
    /// Whole tokens, a decimal of at most the asset's decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    amount: Option<String>,
    /// Or the chain's base units, an integer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_units: Option<String>,
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
    /// Whole tokens, a decimal of at most the underlying's decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size: Option<String>,
    /// Or the chain's base units, an integer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    size_base_units: Option<String>,
    expiry: u64,
}

/// An amount of `asset` in base units from its two spellings at `field` (`decimal` whole
/// tokens, or `raw` base units), exactly one of which must be given.
fn base_units(
    field: &str,
    asset: &Asset,
    (decimal_key, decimal): (&'static str, Option<&String>),
    (raw_key, raw): (&'static str, Option<&String>),
) -> Result<u128, SnapshotError> {
    match (decimal, raw) {
        (Some(text), None) => parse_units(&format!("{field}.{decimal_key}"), text, asset.decimals),
        (None, Some(text)) => {
            let field = format!("{field}.{raw_key}");
            // One spelling: digits only, never a fraction of zeros ("5.000").
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(SnapshotError::NotInteger {
                    field,
                    value: text.clone(),
                });
            }
            parse_units(&field, text, 0)
        }
        _ => Err(SnapshotError::AmountSpelling {
            field: field.to_owned(),
            decimal: decimal_key,
            raw: raw_key,
        }),
    }
}

/// `base_units` of `asset` in proof units, rounded as `rounding` says, or the error that says
/// at which precision it would fit.
fn proof_units(
    field: String,
    asset: &Asset,
    base_units: u128,
    rounding: Rounding,
) -> Result<u64, SnapshotError> {
    asset
        .to_proof_units(base_units, rounding)
        .ok_or_else(|| SnapshotError::AmountTooLarge {
            field,
            value: format_units(base_units, asset.decimals),
            asset: asset.symbol.clone(),
            precision: asset.precision,
            fits: asset.precision_fitting(base_units, rounding),
        })
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
    /// Parses and validates a `solvency-snapshot/1` document held in memory.
    pub fn from_json(bytes: &[u8]) -> Result<Self, SnapshotError> {
        within(bytes.len() as u64, MAX_SNAPSHOT_BYTES).map_err(SnapshotError::Json)?;
        let header = Header::read(SliceRead::new(bytes))?;
        let mut positions = Vec::with_capacity(header.positions);
        header.stream_positions(SliceRead::new(bytes), |_, p| positions.push(p))?;
        Ok(Book {
            public: header.public,
            reserves: header.reserves,
            positions,
        })
    }

    /// The book as a `solvency-snapshot/1` document (one reserve entry per asset);
    /// [`Book::from_json`] reads it back to an equal book.
    pub fn to_json(&self) -> String {
        let public = RawPublic::from(self.public.clone());
        let assets = &self.public.assets;
        let raw = RawSnapshot::<Vec<RawPosition>> {
            format: SNAPSHOT_FORMAT.into(),
            protocol: public.protocol,
            epoch: public.epoch,
            timestamp: public.timestamp,
            reserves: assets
                .iter()
                .zip(&self.reserves)
                .map(|(a, &b)| RawReserve {
                    asset: a.symbol.clone(),
                    amount: Some(format_decimal(b, a.precision)),
                    base_units: None,
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
                    size: Some(format_decimal(p.size, assets[p.underlying].precision)),
                    size_base_units: None,
                    expiry: p.expiry,
                })
                .collect(),
            assets: public.assets,
            policy: public.policy,
        };
        serde_json::to_string_pretty(&raw).expect("snapshot serializes")
    }
}

/// Everything a snapshot holds but its positions, validated, and how many positions it lists:
/// all that a task proving a few shards keeps of the book besides its own positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Everything the proof makes public.
    pub public: Public,
    /// Reserve balance of each asset (same order as `public.assets`), in proof units, rounded
    /// down from the snapshot's amounts.
    pub reserves: Vec<u64>,
    /// Number of positions in the snapshot, at most [`MAX_POSITIONS`].
    pub positions: usize,
}

impl Header {
    /// The first pass over a snapshot: parses the whole document and validates everything but
    /// the positions, which it counts without keeping (memory does not grow with the book).
    pub fn from_reader(reader: impl io::Read) -> Result<Self, SnapshotError> {
        Self::read(IoRead::new(reader))
    }

    /// The second pass: parses and validates each position of the same snapshot in book order
    /// and hands it to `each` with its index, keeping none. Refuses a document whose position
    /// count differs from the first pass's (the file changed in between).
    pub fn read_positions(
        &self,
        reader: impl io::Read,
        each: impl FnMut(usize, Position),
    ) -> Result<(), SnapshotError> {
        self.stream_positions(IoRead::new(reader), each)
    }

    fn read<'de>(read: impl JsonRead<'de>) -> Result<Self, SnapshotError> {
        let mut de = serde_json::Deserializer::new(read);
        let raw = Object(PhantomData::<RawSnapshot<Count>>)
            .deserialize(&mut de)
            .and_then(|raw| de.end().map(|()| raw))
            .map_err(|e| SnapshotError::Json(e.to_string()))?;
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

        // Reserves: several entries of one asset add up, in base units, and the sum is rounded
        // down to the asset's precision.
        let assets = &public.assets;
        let mut held = vec![0u128; assets.len()];
        for (i, r) in raw.reserves.iter().enumerate() {
            let a = asset_index(&public, format!("reserves[{i}].asset"), &r.asset)?;
            if let Some(location) = &r._location {
                check_text(
                    || format!("reserves[{i}].location"),
                    location,
                    MAX_ACCOUNT_BYTES,
                )?;
            }
            let amount = base_units(
                &format!("reserves[{i}]"),
                &assets[a],
                ("amount", r.amount.as_ref()),
                ("base_units", r.base_units.as_ref()),
            )?;
            held[a] =
                held[a]
                    .checked_add(amount)
                    .ok_or_else(|| SnapshotError::ReserveOverflow {
                        asset: r.asset.clone(),
                    })?;
        }
        let reserves = assets
            .iter()
            .zip(held)
            .map(|(asset, held)| {
                let field = format!("reserves.{}", asset.symbol);
                proof_units(field, asset, held, Rounding::Down)
            })
            .collect::<Result<_, _>>()?;
        check_position_count(raw.positions.0)?;
        Ok(Header {
            public,
            reserves,
            positions: raw.positions.0,
        })
    }

    fn stream_positions<'de>(
        &self,
        read: impl JsonRead<'de>,
        each: impl FnMut(usize, Position),
    ) -> Result<(), SnapshotError> {
        let mut stream = Stream {
            header: self,
            each,
            count: 0,
            error: None,
        };
        let mut de = serde_json::Deserializer::new(read);
        let parsed = Document(&mut stream)
            .deserialize(&mut de)
            .and_then(|()| de.end());
        if let Some(error) = stream.error {
            return Err(error);
        }
        parsed.map_err(|e| SnapshotError::Json(e.to_string()))?;
        if stream.count != self.positions {
            return Err(self.changed(stream.count));
        }
        Ok(())
    }

    /// The second pass found `found` positions where the first counted another number.
    fn changed(&self, found: usize) -> SnapshotError {
        SnapshotError::Changed {
            counted: self.positions,
            found,
        }
    }

    /// Validates position `j` against the public data.
    fn position(&self, j: usize, p: RawPosition) -> Result<Position, SnapshotError> {
        check_text(
            || format!("positions[{j}].account"),
            &p.account,
            MAX_ACCOUNT_BYTES,
        )?;
        let underlying = asset_index(
            &self.public,
            format!("positions[{j}].underlying"),
            &p.underlying,
        )?;
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
        let strike = parse_decimal(&format!("positions[{j}].strike"), &p.strike, PRICE_DECIMALS)?;
        let asset = &self.public.assets[underlying];
        let field = format!("positions[{j}]");
        let raw = base_units(
            &field,
            asset,
            ("size", p.size.as_ref()),
            ("size_base_units", p.size_base_units.as_ref()),
        )?;
        let size_field = format!("{field}.size");
        // Rounded up, a size of at least one base unit is at least one proof unit.
        let size = proof_units(size_field.clone(), asset, raw, Rounding::Up)?;
        if size == 0 {
            return Err(SnapshotError::OutOfRange {
                field: size_field,
                value: 0,
                min: 1,
                max: u64::MAX.into(),
            });
        }
        check_time(format!("positions[{j}].expiry"), p.expiry)?;
        Ok(Position {
            account: p.account,
            underlying,
            kind,
            strike,
            size,
            expiry: p.expiry,
        })
    }
}

/// The index of the declared asset `symbol`, referenced from `field`.
fn asset_index(public: &Public, field: String, symbol: &str) -> Result<usize, SnapshotError> {
    public
        .assets
        .iter()
        .position(|a| a.symbol == symbol)
        .ok_or_else(|| SnapshotError::UnknownAsset {
            field,
            value: symbol.to_owned(),
        })
}

/// `T` read from a JSON object only: serde's derived structs also accept an array of their
/// fields, which the second pass ([`Document`]) does not, so neither pass does.
struct Object<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Object<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Object<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a solvency-snapshot/1 object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

/// The second pass's state: positions validated and handed on so far, and the first refusal.
struct Stream<'h, F> {
    header: &'h Header,
    each: F,
    count: usize,
    error: Option<SnapshotError>,
}

/// The second pass's view of the document: its `positions` array; every other field was
/// validated by the first pass and is skipped.
struct Document<'s, 'h, F>(&'s mut Stream<'h, F>);

/// The `positions` array, read one element at a time.
struct List<'s, 'h, F>(&'s mut Stream<'h, F>);

impl<'de, F: FnMut(usize, Position)> DeserializeSeed<'de> for Document<'_, '_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, F: FnMut(usize, Position)> Visitor<'de> for Document<'_, '_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a solvency-snapshot/1 object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "positions" {
                map.next_value_seed(List(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de, F: FnMut(usize, Position)> DeserializeSeed<'de> for List<'_, '_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(usize, Position)> Visitor<'de> for List<'_, '_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of positions")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let stream = self.0;
        while let Some(raw) = seq.next_element::<RawPosition>()? {
            // More positions than the first pass counted: the file changed in between.
            let position = if stream.count == stream.header.positions {
                Err(stream.header.changed(stream.count + 1))
            } else {
                stream.header.position(stream.count, raw)
            };
            match position {
                Ok(position) => (stream.each)(stream.count, position),
                Err(error) => {
                    stream.error = Some(error);
                    return Err(de::Error::custom("refused position"));
                }
            }
            stream.count += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{MAX_ASSETS, MAX_RATIO_BPS, MAX_SCENARIOS};
    use proptest::strategy::Strategy;
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

    /// The demo with its positions listed first, before the assets they name.
    fn positions_first(v: &Value) -> String {
        let mut rest = v.clone();
        let positions = rest.as_object_mut().unwrap().remove("positions").unwrap();
        format!("{{\"positions\":{positions},{}", &rest.to_string()[1..])
    }

    #[test]
    fn streams_positions_listed_before_the_assets() {
        let mut v = demo();
        v["positions"] = json!([
            {"account": "alice", "underlying": "ETH", "kind": "call", "strike": "3500",
             "size": "2.5", "expiry": 1767000000u64},
            {"account": "bob", "underlying": "USDC", "kind": "put", "strike": "0.9",
             "size": "100", "expiry": 1767000000u64}
        ]);
        let text = positions_first(&v);
        assert!(text.find("\"positions\"") < text.find("\"assets\""));
        let header = Header::from_reader(text.as_bytes()).unwrap();
        assert_eq!(header.positions, 2);
        let mut streamed = Vec::new();
        header
            .read_positions(text.as_bytes(), |i, p| streamed.push((i, p)))
            .unwrap();
        let book = parse(&v).unwrap();
        assert_eq!(
            (header.public, header.reserves),
            (book.public, book.reserves)
        );
        assert_eq!(
            streamed,
            book.positions.into_iter().enumerate().collect::<Vec<_>>()
        );
    }

    proptest::proptest! {
        /// Whatever the order of the document's fields, the two streaming passes read the
        /// book that was written, and so does [`Book::from_json`].
        #[test]
        fn streaming_reads_any_field_order(
            book in crate::test_books::arb_book(),
            order in proptest::sample::subsequence((0..8).collect::<Vec<usize>>(), 8)
                .prop_shuffle(),
        ) {
            let v: Value = serde_json::from_str(&book.to_json()).unwrap();
            let fields: Vec<_> = v.as_object().unwrap().iter().collect();
            let text = format!(
                "{{{}}}",
                order
                    .iter()
                    .map(|&i| format!("{:?}:{}", fields[i].0, fields[i].1))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let header = Header::from_reader(text.as_bytes()).unwrap();
            let mut positions = Vec::new();
            header
                .read_positions(text.as_bytes(), |i, p| {
                    assert_eq!(i, positions.len());
                    positions.push(p);
                })
                .unwrap();
            proptest::prop_assert_eq!(&Book::from_json(text.as_bytes()).unwrap(), &book);
            let streamed = Book { public: header.public, reserves: header.reserves, positions };
            proptest::prop_assert_eq!(streamed, book);
        }
    }

    #[test]
    fn streaming_names_the_refused_position() {
        let mut v = demo();
        v["positions"][0]["kind"] = json!("straddle");
        let text = positions_first(&v);
        // The first pass does not look inside positions; the second refuses this one.
        let header = Header::from_reader(text.as_bytes()).unwrap();
        let mut seen = 0;
        let refused = header.read_positions(text.as_bytes(), |_, _| seen += 1);
        assert_eq!(
            refused,
            Err(SnapshotError::Kind {
                field: "positions[0].kind".into(),
                value: "straddle".into()
            })
        );
        assert_eq!(seen, 0);
        // A position of the wrong shape is a JSON error, with its place in the document.
        v["positions"][0]["strike"] = json!(3500);
        let text = positions_first(&v);
        let header = Header::from_reader(text.as_bytes()).unwrap();
        let refused = header.read_positions(text.as_bytes(), |_, _| ());
        assert!(matches!(refused, Err(SnapshotError::Json(e)) if e.contains("line 1")));
    }

    #[test]
    fn streaming_refuses_a_snapshot_that_changed_between_passes() {
        let one = demo();
        let mut two = demo();
        let extra = two["positions"][0].clone();
        two["positions"].as_array_mut().unwrap().push(extra);
        let header = Header::from_reader(one.to_string().as_bytes()).unwrap();
        let changed = |v: &Value| header.read_positions(v.to_string().as_bytes(), |_, _| ());
        let error = SnapshotError::Changed {
            counted: 1,
            found: 2,
        };
        assert_eq!(changed(&two), Err(error));
        let header = Header::from_reader(two.to_string().as_bytes()).unwrap();
        assert_eq!(
            header.read_positions(one.to_string().as_bytes(), |_, _| ()),
            Err(SnapshotError::Changed {
                counted: 2,
                found: 1
            })
        );
    }

    #[test]
    fn refuses_a_snapshot_written_as_an_array() {
        // serde's derived structs accept an array of their fields; a snapshot is an object.
        let v = demo();
        let fields = [
            "format",
            "protocol",
            "epoch",
            "timestamp",
            "assets",
            "reserves",
        ];
        let mut array: Vec<Value> = fields.iter().map(|f| v[f].clone()).collect();
        array.extend([v["positions"].clone(), v["policy"].clone()]);
        let text = Value::Array(array).to_string();
        assert!(matches!(
            Header::from_reader(text.as_bytes()),
            Err(SnapshotError::Json(e)) if e.contains("expected a solvency-snapshot/1 object")
        ));
        assert!(matches!(
            Book::from_json(text.as_bytes()),
            Err(SnapshotError::Json(_))
        ));
    }

    #[test]
    fn to_json_round_trips() {
        let book = parse(&demo()).unwrap();
        assert_eq!(Book::from_json(book.to_json().as_bytes()).unwrap(), book);
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
        // Past 2^64 − 1 units at the asset's precision: the error says which precision fits.
        let e = refuse(|v| v["reserves"][0]["amount"] = json!("18446744073709.551616"));
        assert_eq!(
            e,
            SnapshotError::AmountTooLarge {
                field: "reserves.ETH".into(),
                value: "18446744073709.551616".into(),
                asset: "ETH".into(),
                precision: 6,
                fits: Some(5),
            }
        );
        assert!(
            e.to_string().contains("declare \"precision\": 5 (or less)"),
            "{e}"
        );
        let e = refuse(|v| v["positions"][0]["size"] = json!("18446744073710"));
        assert!(
            matches!(e, SnapshotError::AmountTooLarge { ref field, fits: Some(5), .. } if field == "positions[0].size")
        );
        // Not even whole tokens fit.
        let e = refuse(|v| v["reserves"][0]["base_units"] = json!(u128::MAX.to_string()));
        let e2 = refuse(|v| {
            v["reserves"][0].as_object_mut().unwrap().remove("amount");
            v["reserves"][0]["base_units"] = json!(u128::MAX.to_string());
        });
        assert!(matches!(e, SnapshotError::AmountSpelling { .. }), "{e}");
        assert!(
            matches!(e2, SnapshotError::AmountTooLarge { fits: None, .. }),
            "{e2}"
        );
        assert!(e2.to_string().contains("not even whole tokens"), "{e2}");
        // Prices and strikes keep 64 bits at 10^-8.
        let e = refuse(|v| v["positions"][0]["strike"] = json!("184467440738"));
        assert!(
            matches!(e, SnapshotError::Overflow { ref field, bits: 64, .. } if field == "positions[0].strike")
        );
    }

    #[test]
    fn rejects_reserve_sum_overflow() {
        // Entries add up in base units (128 bits); their sum must fit the proof too.
        let e = refuse(|v| {
            let r = v["reserves"].as_array_mut().unwrap();
            r.push(json!({"asset": "USDC", "amount": "18446744073709"}));
            r.push(json!({"asset": "USDC", "amount": "18446744073709"}));
        });
        assert!(
            matches!(e, SnapshotError::AmountTooLarge { ref field, fits: Some(5), .. } if field == "reserves.USDC"),
            "{e}"
        );
        let e = refuse(|v| {
            let r = v["reserves"].as_array_mut().unwrap();
            r.push(json!({"asset": "USDC", "base_units": u128::MAX.to_string()}));
        });
        assert_eq!(
            e,
            SnapshotError::ReserveOverflow {
                asset: "USDC".into()
            }
        );
    }

    /// Amounts as the chain holds them: 465 ETH of 18 decimals is refused at full precision
    /// with what to do, and proven at 9 decimals, reserves rounded down and sizes up.
    #[test]
    fn on_chain_amounts_are_rounded_to_the_declared_precision() {
        let eth18 = |v: &mut Value| {
            v["assets"][0]["decimals"] = json!(18);
            v["reserves"][0]["amount"] = json!("465.123456789987654321");
            v["positions"][0]["size"] = json!("2.500000000000000001");
        };
        let e = refuse(eth18);
        assert!(
            matches!(e, SnapshotError::AmountTooLarge { ref field, precision: 18, fits: Some(16), .. } if field == "reserves.ETH"),
            "{e}"
        );
        let mut v = demo();
        eth18(&mut v);
        v["assets"][0]["precision"] = json!(9);
        let book = parse(&v).unwrap();
        assert_eq!(book.reserves[0], 465_123_456_789);
        assert_eq!(book.positions[0].size, 2_500_000_001);
        // The same amounts in base units.
        let mut raw = v.clone();
        raw["reserves"][0] = json!({"asset": "ETH", "base_units": "465123456789987654321"});
        raw["positions"][0].as_object_mut().unwrap().remove("size");
        raw["positions"][0]["size_base_units"] = json!("2500000000000000001");
        assert_eq!(parse(&raw).unwrap(), book);
        // 2^96 base units (79 billion ETH) are read: past 64 bits at 9 decimals, proven at 8.
        raw["reserves"][0]["base_units"] = json!((1u128 << 96).to_string());
        let e = parse(&raw).unwrap_err();
        assert!(
            matches!(e, SnapshotError::AmountTooLarge { fits: Some(8), .. }),
            "{e}"
        );
        let mut at8 = raw.clone();
        at8["assets"][0]["precision"] = json!(8);
        let wide = (1u128 << 96) / 10_000_000_000;
        assert_eq!(parse(&at8).unwrap().reserves[0], wide as u64);
        // Several entries add up in base units before rounding down.
        raw["reserves"][0]["base_units"] = json!("999999999");
        raw["reserves"]
            .as_array_mut()
            .unwrap()
            .push(json!({"asset": "ETH", "base_units": "1"}));
        assert_eq!(parse(&raw).unwrap().reserves[0], 1);
        // A size of one base unit is one proof unit, never 0.
        raw["positions"][0]["size_base_units"] = json!("1");
        assert_eq!(parse(&raw).unwrap().positions[0].size, 1);
        // The statement names the precision, and the book writes itself back exactly.
        let json = book.to_json();
        assert!(json.contains(r#""precision": 9"#), "{json}");
        assert_eq!(Book::from_json(json.as_bytes()).unwrap(), book);
        // A precision finer than the decimals is refused.
        let e = refuse(|v| v["assets"][0]["precision"] = json!(7));
        assert!(
            matches!(e, SnapshotError::OutOfRange { ref field, value: 7, max: 6, .. } if field == "assets[0].precision"),
            "{e}"
        );
    }

    #[test]
    fn an_amount_takes_exactly_one_spelling() {
        let e = refuse(|v| v["reserves"][0]["base_units"] = json!("1"));
        assert_eq!(
            e.to_string(),
            "reserves[0]: give exactly one of \"amount\" (whole tokens, a decimal) and \
             \"base_units\" (the chain's base units, an integer)"
        );
        let e = refuse(|v| {
            v["positions"][0].as_object_mut().unwrap().remove("size");
        });
        assert!(
            matches!(e, SnapshotError::AmountSpelling { ref field, decimal: "size", .. } if field == "positions[0]"),
            "{e}"
        );
        // Base units are integers.
        let e = refuse(|v| {
            v["reserves"][0].as_object_mut().unwrap().remove("amount");
            v["reserves"][0]["base_units"] = json!("1.5");
        });
        assert!(
            matches!(e, SnapshotError::NotInteger { ref field, .. } if field == "reserves[0].base_units"),
            "{e}"
        );
        // Nor a fraction of zeros: an amount has one spelling.
        let e = refuse(|v| {
            v["reserves"][0].as_object_mut().unwrap().remove("amount");
            v["reserves"][0]["base_units"] = json!("5.000");
        });
        assert!(matches!(e, SnapshotError::NotInteger { .. }), "{e}");
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
                count: 65,
                max: 64,
                ..
            }
        ));
    }

    #[test]
    fn names_and_ids_are_limited_in_length() {
        use crate::limits::{MAX_ACCOUNT_BYTES, MAX_NAME_BYTES};
        let long = |n: usize| "x".repeat(n);
        let e = refuse(|v| v["positions"][0]["account"] = json!(long(MAX_ACCOUNT_BYTES + 1)));
        assert_eq!(
            e,
            SnapshotError::TooLong {
                field: "positions[0].account".into(),
                len: MAX_ACCOUNT_BYTES + 1,
                max: MAX_ACCOUNT_BYTES
            }
        );
        // A 10 MB account id is refused, with its length, not echoed.
        let e = refuse(|v| v["positions"][0]["account"] = json!(long(10 << 20)));
        assert!(e
            .to_string()
            .starts_with("positions[0].account: 10485760 bytes long"));
        assert!(e.to_string().len() < 100);
        let e = refuse(|v| v["protocol"] = json!(long(MAX_NAME_BYTES + 1)));
        assert!(matches!(e, SnapshotError::TooLong { field, .. } if field == "protocol"));
        let e = refuse(|v| v["assets"][0]["symbol"] = json!(long(MAX_NAME_BYTES + 1)));
        assert!(matches!(e, SnapshotError::TooLong { field, .. } if field == "assets[0].symbol"));
        let e = refuse(|v| v["policy"]["scenarios"][0]["name"] = json!(long(MAX_NAME_BYTES + 1)));
        assert!(
            matches!(e, SnapshotError::TooLong { field, .. } if field == "policy.scenarios[0].name")
        );
        let e = refuse(|v| v["reserves"][0]["location"] = json!(long(MAX_ACCOUNT_BYTES + 1)));
        assert!(
            matches!(e, SnapshotError::TooLong { field, .. } if field == "reserves[0].location")
        );
        // At the limit, all is well.
        let mut v = demo();
        v["positions"][0]["account"] = json!(long(MAX_ACCOUNT_BYTES));
        v["protocol"] = json!(long(MAX_NAME_BYTES));
        assert!(parse(&v).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_quickly() {
        let deep = format!("{}{}", "[".repeat(1 << 20), "]".repeat(1 << 20));
        let e = Book::from_json(deep.as_bytes()).unwrap_err();
        assert!(matches!(e, SnapshotError::Json(_)), "{e}");
        let nested = format!(
            r#"{{"format": "solvency-snapshot/1", "positions": {}{}}}"#,
            "[".repeat(1 << 20),
            "]".repeat(1 << 20)
        );
        let start = std::time::Instant::now();
        let e = Book::from_json(nested.as_bytes()).unwrap_err();
        assert!(matches!(e, SnapshotError::Json(_)), "{e}");
        assert!(start.elapsed().as_secs() < 5);
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
    fn supports_sixty_four_assets_and_sixteen_scenarios() {
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
        assert_eq!(book.public.assets.len(), MAX_ASSETS);
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
