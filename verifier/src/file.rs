//! `solvency-proof/2` and `solvency-proof-set/5` (and `/4` and `/3`, still read): the
//! self-contained proof files.
//!
//! Every field is bound to the proof: the statement through its digest (a public input) and
//! the band table the verifier commits to; the shape and `k` through the pinned verifying key
//! they select; the key digest by comparison with the pinned one; the proof bytes by
//! verification. The file holds nothing else — unknown fields are refused.

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use solvency_circuits::{
    limits::{within, MAX_FILE_BYTES},
    proof::SHARDS_PER_PROOF,
    shapes::{Shape, TopBinding, TopShape},
    statement::{Fp, Statement},
};

/// The format tag of single-proof files.
pub const PROOF_FORMAT: &str = "solvency-proof/2";
/// The format tag of proof-set files (a sharded book): a proof per
/// [`SHARDS_PER_PROOF`] consecutive shards, and a top proof bound to the shards' depth
/// ([`TopBinding::StatementAndShardDepth`]).
pub const PROOF_SET_FORMAT: &str = "solvency-proof-set/5";
/// The format tag of proof sets written before the top proof bound the shards' depth: pairs
/// of shards as today, a top proof bound to the statement only. They still verify: off-chain
/// the shard proofs' key fixes the depth.
pub const PROOF_SET_FORMAT_DEPTH_UNBOUND: &str = "solvency-proof-set/4";
/// The format tag of proof sets written before shards were proven in pairs: a proof per
/// shard, under the same keys, and a top proof bound to the statement only; still read.
pub const PROOF_SET_FORMAT_SINGLE_SHARDS: &str = "solvency-proof-set/3";
/// Tags of earlier formats, whose circuits had no pinned keys: refused with a clear error.
const RETIRED: [&str; 3] = [
    "solvency-proof/1",
    "solvency-proof-set/1",
    "solvency-proof-set/2",
];

/// The circuit a proof was made with: its shape picks the pinned verifying key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitParams {
    /// The circuit's layout.
    pub shape: Shape,
    /// `log2` of the circuit's rows; must equal `shape.k()`.
    pub k: u32,
    /// Digest of the shape's pinned verifying key, hex ([`solvency_circuits::keys::digest`]):
    /// the same for every epoch of the shape, refused unless it is the pinned one.
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

/// The shards of a proof set: one circuit shape, one key, the two public values of each shard
/// that link it to the top proof, and the proofs — each of a run of consecutive shards
/// ([`ProofSetFile::shards_per_proof`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardSection {
    /// Every shard's circuit.
    pub circuit: CircuitParams,
    /// Each shard's subtree root, hex.
    #[serde(with = "field_list")]
    pub sub_roots: Vec<Fp>,
    /// Each shard's commitment to its lane sums, hex.
    #[serde(with = "field_list")]
    pub sums: Vec<Fp>,
    /// The proof bytes, hex: proof `j` proves shards `j·m .. j·m + m` (fewer in the last
    /// proof), `m` the set's [`ProofSetFile::shards_per_proof`].
    pub proofs: Vec<String>,
}

impl ShardSection {
    /// Each shard's `(sub-root, sums commitment)`: the pairs the top proof's instance holds.
    pub fn links(&self) -> Vec<(Fp, Fp)> {
        self.sub_roots
            .iter()
            .copied()
            .zip(self.sums.iter().copied())
            .collect()
    }
}

/// Each shard's `(sub-root, sums commitment)` from the two lists a proof-set or shard file
/// holds; `None` unless they are of one length.
pub fn links(sub_roots: &[Fp], sums: &[Fp]) -> Option<Vec<(Fp, Fp)>> {
    (sub_roots.len() == sums.len()).then(|| {
        sub_roots
            .iter()
            .copied()
            .zip(sums.iter().copied())
            .collect()
    })
}

/// The top proof of a proof set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopSection {
    /// The top circuit's layout.
    pub shape: TopShape,
    /// `log2` of its rows; must equal `shape.k()`.
    pub k: u32,
    /// Digest of its shape's pinned verifying key, hex.
    pub vk_digest: String,
    /// The proof bytes, hex.
    pub proof: String,
}

/// A proof set: a sharded book's shard proofs and top proof, checked as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofSetFile {
    /// Always [`PROOF_SET_FORMAT`].
    pub format: String,
    /// What is proven.
    pub statement: Statement,
    /// The shard proofs.
    pub shards: ShardSection,
    /// The top proof.
    pub top: TopSection,
}

impl ProofSetFile {
    /// Consecutive shards each proof of the set proves: [`SHARDS_PER_PROOF`], or one in
    /// `solvency-proof-set/3` files.
    pub fn shards_per_proof(&self) -> usize {
        if self.format == PROOF_SET_FORMAT_SINGLE_SHARDS {
            1
        } else {
            SHARDS_PER_PROOF
        }
    }

    /// What the set's top proof binds besides the statement: the shard depth, but in the
    /// `/3` and `/4` files written before it did.
    pub fn top_binding(&self) -> TopBinding {
        if self.format == PROOF_SET_FORMAT {
            TopBinding::StatementAndShardDepth
        } else {
            TopBinding::Statement
        }
    }
}

/// Either kind of proof file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proof {
    /// One circuit for the whole book.
    Single(ProofFile),
    /// Shards and a top proof.
    Set(ProofSetFile),
}

impl Proof {
    /// What is proven.
    pub fn statement(&self) -> &Statement {
        match self {
            Proof::Single(f) => &f.statement,
            Proof::Set(f) => &f.statement,
        }
    }

    /// The bytes written to disk: pretty JSON in field order.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Proof::Single(f) => serde_json::to_vec_pretty(f),
            Proof::Set(f) => serde_json::to_vec_pretty(f),
        }
        .expect("proof file serializes")
    }

    /// The digest a next epoch's statement names as `previous`: BLAKE2b-256 of the compact
    /// canonical JSON.
    pub fn digest(&self) -> [u8; 32] {
        let compact = match self {
            Proof::Single(f) => serde_json::to_vec(f),
            Proof::Set(f) => serde_json::to_vec(f),
        }
        .expect("proof file serializes");
        let h = blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"solvency-proof/1")
            .hash(&compact);
        h.as_bytes().try_into().expect("32 bytes")
    }

    /// Parses either kind, by its `format` tag, accepting only the canonical spelling (one
    /// spelling per statement: no omitted defaults, no `3150.250` for `3150.25`).
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct Tag {
            format: String,
        }
        let bytes = document(bytes)?;
        let tag: Tag = serde_json::from_slice(bytes).map_err(json_error)?;
        match tag.format.as_str() {
            PROOF_FORMAT => {
                canonical(bytes, PROOF_FORMAT, |f: &ProofFile| &f.format).map(Proof::Single)
            }
            tag @ (PROOF_SET_FORMAT
            | PROOF_SET_FORMAT_DEPTH_UNBOUND
            | PROOF_SET_FORMAT_SINGLE_SHARDS) => {
                canonical(bytes, tag, |f: &ProofSetFile| &f.format).map(Proof::Set)
            }
            retired if RETIRED.contains(&retired) => Err(format!(
                "format: {retired:?} proofs were made with circuits whose verifying keys \
                 changed every epoch and are no longer accepted; prove the snapshot again \
                 (this verifier reads {PROOF_FORMAT:?} and {PROOF_SET_FORMAT:?})"
            )),
            other => Err(format!(
                "format: expected {PROOF_FORMAT:?} or {PROOF_SET_FORMAT:?}, found {other:?}{}",
                wrong_file(other, PROOF_FORMAT)
            )),
        }
    }
}

/// [`parse_tagged`], refusing any spelling the writer would not produce.
fn canonical<T: DeserializeOwned + Serialize>(
    bytes: &[u8],
    expected: &str,
    format: impl Fn(&T) -> &str,
) -> Result<T, String> {
    let doc: T = parse_tagged(bytes, expected, format)?;
    let raw: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if serde_json::to_value(&doc).ok() != Some(raw) {
        return Err(
            "not in canonical form: a value is spelled differently from how the prover writes it"
                .into(),
        );
    }
    Ok(doc)
}

/// The `format` tag of a JSON object (a UTF-8 byte-order mark before it is allowed): `None`
/// for JSON without one, an error for bytes that are not JSON. How a tool tells a proof from
/// the other files users keep beside it.
pub fn format_tag(bytes: &[u8]) -> Result<Option<String>, String> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    Ok(value["format"].as_str().map(str::to_owned))
}

/// The UTF-8 byte-order mark some editors put before a file's text.
pub const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// BLAKE2b-256 of one proof's bytes: how a contract that verifies a set's proofs one
/// transaction at a time remembers which bytes it verified, so that the set it later accepts
/// holds exactly those.
pub fn proof_digest(proof: &[u8]) -> [u8; 32] {
    let h = blake2b_simd::Params::new()
        .hash_length(32)
        .personal(b"solvency-prf-by1")
        .hash(proof);
    h.as_bytes().try_into().expect("32 bytes")
}

/// Field elements as a list of hex strings (serde `with` module), as proof and shard files
/// write them.
pub mod field_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use solvency_circuits::{
        encoding::field_hex,
        statement::{field_bytes, Fp},
    };

    /// Writes each element as 64 hex digits.
    pub fn serialize<S: Serializer>(v: &[Fp], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|f| hex::encode(field_bytes(f)))
            .collect::<Vec<_>>()
            .serialize(s)
    }

    /// Reads a list of canonical field elements.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fp>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| field_hex::parse(t).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// Parses a JSON document of a versioned format: the document, or why it is not one (bad
/// JSON, wrong shape, or another `format` tag than `expected`).
pub(crate) fn parse_tagged<T: DeserializeOwned>(
    bytes: &[u8],
    expected: &str,
    format: impl Fn(&T) -> &str,
) -> Result<T, String> {
    let bytes = document(bytes)?;
    let doc: T = serde_json::from_slice(bytes).map_err(|e| {
        // Another kind of file fails the parse (unknown fields): its tag says what it is. Only
        // a refused file is read a second time.
        match format_tag(bytes) {
            Ok(Some(found)) if found != expected => format!(
                "format: expected {expected:?}, found {found:?}{}",
                wrong_file(&found, expected)
            ),
            _ => json_error(e),
        }
    })?;
    if format(&doc) != expected {
        return Err(format!(
            "format: expected {expected:?}, found {:?}",
            format(&doc)
        ));
    }
    Ok(doc)
}

/// The JSON text of a file a user picked: within [`MAX_FILE_BYTES`], a UTF-8 byte-order mark
/// skipped, and refused in words when it is empty or a web page (what a broken download link
/// gives), before a JSON parser says something less clear.
fn document(bytes: &[u8]) -> Result<&[u8], String> {
    within_limit(bytes)?;
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err("the file is empty: download it again".into()),
        Some(b'<') => Err(
            "this looks like a web page (HTML), not a JSON file: the link probably led to an \
             error page; download the file itself"
                .into(),
        ),
        Some(_) => Ok(bytes),
    }
}

/// A JSON parser's error, with the words a user needs when the file is cut short.
fn json_error(e: serde_json::Error) -> String {
    if e.is_eof() {
        format!("the file is cut off (it ends in the middle of its JSON): download it again ({e})")
    } else {
        e.to_string()
    }
}

/// What kind of file the tag `found` names, said to a user who gave it where a file tagged
/// `expected` belongs: another kind of file, or one made by a newer version.
fn wrong_file(found: &str, expected: &str) -> String {
    const KINDS: [(&str, &str); 7] = [
        ("solvency-proof", "a proof file"),
        ("solvency-proof-set", "a proof file (a proof set)"),
        ("solvency-inclusion", "an inclusion file"),
        ("solvency-inclusion-index", "the operator's inclusion index"),
        ("solvency-reserve-opening", "a reserve opening"),
        ("solvency-snapshot", "a snapshot"),
        ("solvency-shard", "a shard file"),
    ];
    let family = |tag: &str| {
        tag.split_once('/')
            .map_or(tag.to_owned(), |(f, _)| f.to_owned())
    };
    let version = |tag: &str| tag.split_once('/').and_then(|(_, v)| v.parse::<u32>().ok());
    let kind = |tag: &str| {
        KINDS
            .iter()
            .find(|(f, _)| *f == family(tag))
            .map(|(_, k)| *k)
    };
    let (found_family, expected_family) = (family(found), family(expected));
    let same_kind = found_family == expected_family
        || [found_family.as_str(), expected_family.as_str()]
            .iter()
            .all(|f| ["solvency-proof", "solvency-proof-set"].contains(f));
    match (kind(found), kind(expected)) {
        _ if same_kind && version(found) > version(expected) => {
            ": made by a newer version; update the verifier".into()
        }
        (Some(found), Some(wanted)) if !same_kind => {
            format!(": this is {found}, not {wanted}")
        }
        _ => String::new(),
    }
}

/// Refuses a document above [`MAX_FILE_BYTES`] before parsing it. (JSON nested deeper than 128
/// levels is refused by `serde_json` itself; no format here nests deeper than 6.)
fn within_limit(bytes: &[u8]) -> Result<(), String> {
    within(bytes.len() as u64, MAX_FILE_BYTES)
}
