//! Serde encodings of field elements and digests as lowercase hex, strictly parsed.

/// A field element as the hex of its canonical 32-byte little-endian representation; a
/// non-canonical encoding (≥ p) is refused, so each element has exactly one spelling.
pub mod field_hex {
    use ff::PrimeField;
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    use crate::statement::Fp;

    /// Serializes `f` as 64 hex digits.
    pub fn serialize<S: Serializer>(f: &Fp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(f.to_repr()))
    }

    /// Parses 64 hex digits of a canonical field element.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fp, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).map_err(D::Error::custom)
    }

    /// Parses 64 hex digits of a canonical field element.
    pub fn parse(text: &str) -> Result<Fp, String> {
        let bytes: [u8; 32] = hex::decode(text)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("{text:?} is not 64 hex digits"))?;
        Option::from(Fp::from_repr(bytes))
            .ok_or_else(|| format!("{text:?} is not a canonical field element"))
    }
}

/// An optional 32-byte digest as 64 hex digits, or `null`.
pub mod opt_digest_hex {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    /// Serializes the digest as hex, or `null`.
    pub fn serialize<S: Serializer>(d: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&hex::encode(d)),
            None => s.serialize_none(),
        }
    }

    /// Parses 64 hex digits or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| {
                hex::decode(&text)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| D::Error::custom(format!("{text:?} is not 64 hex digits")))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::field_hex::parse;
    use crate::statement::Fp;

    #[test]
    fn field_hex_is_strict() {
        assert_eq!(parse(&hex::encode([0u8; 32])), Ok(Fp::zero()));
        assert!(parse("00").is_err());
        assert!(parse(&"zz".repeat(32)).is_err());
        assert!(parse(&"ff".repeat(32)).is_err(), "non-canonical accepted");
    }
}
