//! `solvency-proof/1`: the self-contained proof file.
//!
//! Every field is bound to the proof: the statement through its digest (a public input) and
//! the verifying key it determines; the shape and `k` through the verifying key they rebuild;
//! the key digest by comparison with the rebuilt key; the proof bytes by verification. The
//! file holds nothing else — unknown fields are refused.

use serde::{Deserialize, Serialize};
use solvency_circuits::{circuit::Shape, statement::Statement};

/// The format tag of proof files.
pub const PROOF_FORMAT: &str = "solvency-proof/1";

/// What a verifier needs to rebuild the verifying key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitParams {
    /// The circuit's layout.
    pub shape: Shape,
    /// `log2` of the circuit's rows; must equal `shape.k()`.
    pub k: u32,
    /// BLAKE2b-256 of the pinned verifying key, hex.
    pub vk_digest: String,
}

/// A proof file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofFile {
    /// Always [`PROOF_FORMAT`].
    pub format: String,
    /// What is proven.
    pub statement: Statement,
    /// The circuit it is proven with.
    pub circuit: CircuitParams,
    /// The proof bytes, hex.
    pub proof: String,
}

impl ProofFile {
    /// The bytes written to disk: pretty JSON in field order.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("proof file serializes")
    }

    /// The digest a next epoch's statement names as `previous`.
    pub fn digest(&self) -> [u8; 32] {
        let compact = serde_json::to_vec(self).expect("proof file serializes");
        let h = blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"solvency-proof/1")
            .hash(&compact);
        h.as_bytes().try_into().expect("32 bytes")
    }
}

/// Parses a JSON document of a versioned format: the document, or why it is not one (bad
/// JSON, wrong shape, or another `format` tag than `expected`).
pub(crate) fn parse_tagged<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    expected: &str,
    format: impl Fn(&T) -> &str,
) -> Result<T, String> {
    let doc: T = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if format(&doc) != expected {
        return Err(format!(
            "format: expected {expected:?}, found {:?}",
            format(&doc)
        ));
    }
    Ok(doc)
}
