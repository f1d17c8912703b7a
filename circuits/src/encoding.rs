//! How values are spelled in files, strictly parsed — decimal strings, field elements and
//! digests as lower-case hex, objects without repeated keys — so each value has one spelling
//! and a file's digest changes only with what it says.

use crate::error::SnapshotError;

/// Parses a decimal string into an integer scaled by `10^places` that fits in 64 bits.
///
/// Accepts `digits` or `digits.digits`; rejects signs, exponents, blanks and empty parts, so a
/// value has exactly one spelling family and never passes through a float.
pub fn parse_decimal(field: &str, text: &str, places: u32) -> Result<u64, SnapshotError> {
    let overflow = || SnapshotError::Overflow {
        field: field.to_owned(),
        value: text.to_owned(),
        bits: 64,
    };
    match parse_units(field, text, places) {
        Ok(wide) => u64::try_from(wide).map_err(|_| overflow()),
        Err(SnapshotError::Overflow { .. }) => Err(overflow()),
        Err(e) => Err(e),
    }
}

/// [`parse_decimal`] into 128 bits: an on-chain amount in base units (`places` the token's
/// decimals), which may exceed 64 bits before it is rounded to a proof's precision.
pub fn parse_units(field: &str, text: &str, places: u32) -> Result<u128, SnapshotError> {
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
        bits: 128,
    };
    let scaled: String = format!("{int}{frac:0<width$}", width = places as usize);
    let scaled = scaled.trim_start_matches('0');
    if scaled.is_empty() {
        return Ok(0);
    }
    scaled.parse::<u128>().map_err(|_| overflow())
}

/// Formats a value scaled by `10^places` as the canonical decimal string `parse_decimal` reads.
pub fn format_decimal(value: u64, places: u32) -> String {
    format_units(value.into(), places)
}

/// [`format_decimal`] of a 128-bit amount: the canonical decimal string `parse_units` reads.
pub fn format_units(value: u128, places: u32) -> String {
    let unit = 10u128.pow(places);
    let frac = format!("{:0width$}", value % unit, width = places as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{}", value / unit)
    } else {
        format!("{}.{frac}", value / unit)
    }
}

/// 32 bytes from exactly 64 lower-case hex digits.
pub fn hex32(text: &str) -> Result<[u8; 32], String> {
    let lower = text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let bytes = lower.then(|| hex::decode(text).ok()).flatten();
    bytes
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{text:?} is not 64 lower-case hex digits"))
}

/// A field element as the hex of its canonical 32-byte little-endian representation; a
/// non-canonical encoding (≥ p) is refused, so each element has exactly one spelling.
pub mod field_hex {
    use ff::PrimeField;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    use pasta_curves::pallas::Base as Fp;

    /// Serializes `f` as 64 lower-case hex digits.
    pub fn serialize<S: Serializer>(f: &Fp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(f.to_repr()))
    }

    /// Parses 64 hex digits of a canonical field element.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fp, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(D::Error::custom)
    }

    /// Parses 64 lower-case hex digits of a canonical field element.
    pub fn parse(text: &str) -> Result<Fp, String> {
        let bytes = super::hex32(text)?;
        Option::from(Fp::from_repr(bytes))
            .ok_or_else(|| format!("{text:?} is not a canonical field element"))
    }
}

/// A 32-byte digest or seed as 64 lower-case hex digits.
pub mod digest_hex {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// Serializes the bytes as hex.
    pub fn serialize<S: Serializer>(d: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(d))
    }

    /// Parses 64 lower-case hex digits.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        super::hex32(&String::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// An optional 32-byte digest as 64 lower-case hex digits, or `null`.
pub mod opt_digest_hex {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// Serializes the digest as hex, or `null`.
    pub fn serialize<S: Serializer>(d: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&hex::encode(d)),
            None => s.serialize_none(),
        }
    }

    /// Parses 64 lower-case hex digits or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| super::hex32(&text).map_err(D::Error::custom))
            .transpose()
    }
}

/// A JSON object read into a map whose keys are distinct: serde's maps keep the last of two
/// equal keys, which would give one statement two spellings (and hide the first value).
pub mod unique_keys {
    use std::{collections::BTreeMap, fmt, marker::PhantomData};

    use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

    /// Parses an object, refusing a key given twice.
    pub fn deserialize<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, V>, D::Error> {
        struct Entries<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Entries<V> {
            type Value = BTreeMap<String, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object with distinct keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    if entries.contains_key(&key) {
                        return Err(A::Error::custom(format!("{key:?} is given twice")));
                    }
                    entries.insert(key, value);
                }
                Ok(entries)
            }
        }
        d.deserialize_map(Entries(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::{
        field_hex::parse, format_decimal, format_units, hex32, parse_decimal, parse_units,
        unique_keys,
    };
    use crate::error::SnapshotError;
    use pasta_curves::pallas::Base as Fp;
    use std::collections::BTreeMap;

    #[test]
    fn field_hex_is_strict() {
        assert_eq!(parse(&hex::encode([0u8; 32])), Ok(Fp::zero()));
        assert!(parse("00").is_err());
        assert!(parse(&"zz".repeat(32)).is_err());
        assert!(parse(&"ff".repeat(32)).is_err(), "non-canonical accepted");
        // One spelling: upper-case digits are refused, here and for digests and seeds.
        assert_eq!(
            parse(&"0a".repeat(32)).unwrap(),
            parse(&"0a".repeat(32)).unwrap()
        );
        assert!(parse(&"0A".repeat(32)).is_err());
        assert!(hex32(&"AB".repeat(32)).is_err());
        assert_eq!(hex32(&"ab".repeat(32)), Ok([0xab; 32]));
    }

    #[test]
    fn decimal_format_is_canonical() {
        assert_eq!(format_decimal(315_025_000_000, 8), "3150.25");
        assert_eq!(format_decimal(100_000_000, 8), "1");
        assert_eq!(format_decimal(1, 8), "0.00000001");
        assert_eq!(format_decimal(0, 8), "0");
        assert_eq!(format_decimal(u64::MAX, 0), u64::MAX.to_string());
        assert_eq!(
            format_units(1u128 << 96, 18),
            "79228162514.264337593543950336"
        );
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
            Err(SnapshotError::Overflow { bits: 64, .. })
        ));
        // On-chain amounts: 2^96 base units and more, up to 2^128 − 1.
        assert_eq!(
            parse_units("f", "79228162514.264337593543950336", 18),
            Ok(1u128 << 96)
        );
        assert_eq!(parse_units("f", &u128::MAX.to_string(), 0), Ok(u128::MAX));
        assert!(matches!(
            parse_units("f", "340282366920938463463374607431768211456", 0),
            Err(SnapshotError::Overflow { bits: 128, .. })
        ));
        assert!(matches!(
            parse_decimal("f", "0.123", 2),
            Err(SnapshotError::TooManyDecimals { max: 2, .. })
        ));
    }

    #[test]
    fn a_key_given_twice_is_refused() {
        let parse = |text: &str| {
            unique_keys::deserialize::<_, i64>(&mut serde_json::Deserializer::from_str(text))
        };
        assert_eq!(
            parse(r#"{"ETH": 1, "USDC": 2}"#).unwrap(),
            BTreeMap::from([("ETH".to_owned(), 1), ("USDC".to_owned(), 2)])
        );
        let e = parse(r#"{"ETH": 1, "ETH": 2}"#).unwrap_err();
        assert!(e.to_string().contains("\"ETH\" is given twice"), "{e}");
    }
}
