//! The JSON Schemas of `docs/schemas/` (described in `docs/formats.md`) against the fixtures
//! and the parsers.
//!
//! 1. Every fixture file is valid under its schema and read by its parser.
//! 2. The `invalid-*` snapshots that break a rule a schema can state are refused by both the
//!    schema (at the place the parser names) and the snapshot parser; the others break rules
//!    that only the parser checks, and the schema accepts them.
//! 3. Malformed classes made here by editing a valid file are refused by both the schema and
//!    the file's parser; the rules only a parser can check, the spellings both accept, and the
//!    places where a schema is stricter than the code that reads the file are listed apart.
//!
//! A shard file (`solvency-shard/2`) is read by `solvency-prover aggregate`, which this crate
//! cannot call: shard files, made from the sharded fixture's proof set exactly as `shard`
//! writes them, are checked against their schema only.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use jsonschema::Validator;
use serde_json::{json, Value};
use solvency_circuits::{snapshot::Book, statement::Statement};
use solvency_verifier::{
    expected::Expected, file::Proof, inclusion::InclusionFile, opening::ReserveOpening, pinned,
    verify_with, VerifyError,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_of(path: &Path) -> Value {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The schema `docs/schemas/NAME.schema.json`, itself checked against the 2020-12 meta-schema.
fn schema(name: &str) -> Validator {
    let path = repo().join(format!("docs/schemas/{name}.schema.json"));
    let schema = json_of(&path);
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "{name}: not a 2020-12 schema"
    );
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!("{name}: not a valid JSON Schema: {e}");
    }
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Where and why `schema` refuses `doc`; empty when it accepts it.
fn schema_errors(schema: &Validator, doc: &Value) -> Vec<String> {
    schema
        .iter_errors(doc)
        .map(|e| format!("{:?}: {e}", e.instance_path().as_str()))
        .collect()
}

/// The message a proof-file reading ends with when it asks for IPA parameters: every check
/// of the file's format has passed by then, and only the cryptography is left.
const NO_PARAMS: &str = "no IPA parameters in this test";

/// The verifier's reading of a proof file: everything [`verify_with`] checks before it needs
/// IPA parameters (format tag, fields, canonical spelling, the statement's rules, shape and
/// `k`, proof-bytes hex). The fixtures' proofs themselves are not verified here.
fn read_proof(bytes: &[u8]) -> Result<(), String> {
    let no_params = |_| Err(VerifyError::Invalid(NO_PARAMS.into()));
    match verify_with(&no_params, bytes) {
        Err(VerifyError::Invalid(m)) if m == NO_PARAMS => Ok(()),
        Err(e) => Err(e.to_string()),
        Ok(_) => panic!("a proof verified without parameters"),
    }
}

/// The demo proof's statement and tree depth, against which inclusion files and openings are
/// checked further than their parsers go.
fn demo_statement() -> (Statement, u32) {
    let bytes = read(&repo().join("fixtures/demo/proof.json"));
    match Proof::parse(&bytes).expect("the demo proof parses") {
        Proof::Single(f) => (f.statement, f.circuit.shape.depth),
        Proof::Set(_) => panic!("the demo proof is a single proof"),
    }
}

/// A file format and the code that reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reader {
    /// `Book::from_json`.
    Snapshot,
    /// [`read_proof`]: `verify_with` up to the IPA parameters.
    Proof,
    /// `verify_with` with the compiled-in parameters, for the key-digest check that follows
    /// them (used on files refused there, before any key is loaded or proof verified).
    ProofKey,
    /// `InclusionFile::parse`.
    Inclusion,
    /// `InclusionFile::parse`, then `check` against the demo proof's statement.
    InclusionChecked,
    /// `ReserveOpening::parse`.
    Opening,
    /// `ReserveOpening::parse`, then `open` against the demo proof's statement.
    OpeningOpened,
    /// serde into `solvency_verifier::expected::Expected`, as `replay` reads it.
    Expected,
    /// The operator's `inclusion/index.json`, which the prover writes and no tool of ours
    /// reads: serde into its fields, with its format tag.
    InclusionIndex,
}

/// `inclusion/index.json` as `solvency-prover` writes it (`inclusion_index`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct InclusionIndex {
    format: String,
    protocol: String,
    epoch: u64,
    files: BTreeMap<String, String>,
}

impl Reader {
    fn schema_name(self) -> &'static str {
        match self {
            Reader::Snapshot => "snapshot",
            Reader::Proof | Reader::ProofKey => "proof",
            Reader::Inclusion | Reader::InclusionChecked => "inclusion",
            Reader::Opening | Reader::OpeningOpened => "reserve-opening",
            Reader::Expected => "expected",
            Reader::InclusionIndex => "inclusion-index",
        }
    }

    fn read(self, bytes: &[u8]) -> Result<(), String> {
        match self {
            Reader::Snapshot => Book::from_json(bytes)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Reader::Proof => read_proof(bytes),
            Reader::ProofKey => verify_with(&|k| Ok(pinned::srs_or_new(k)), bytes)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Reader::Inclusion => InclusionFile::parse(bytes)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Reader::InclusionChecked => {
                let (statement, depth) = demo_statement();
                InclusionFile::parse(bytes)
                    .and_then(|f| f.check(&statement, depth))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Reader::Opening => ReserveOpening::parse(bytes)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Reader::OpeningOpened => {
                let (statement, _) = demo_statement();
                ReserveOpening::parse(bytes)
                    .and_then(|o| o.open(&statement))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Reader::Expected => serde_json::from_slice::<Expected>(bytes)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Reader::InclusionIndex => serde_json::from_slice::<InclusionIndex>(bytes)
                .map_err(|e| e.to_string())
                .and_then(|i| match i.format.as_str() {
                    "solvency-inclusion-index/1" => Ok(()),
                    other => Err(format!("format {other:?}")),
                }),
        }
    }
}

/// Every fixture file: its path and the reader of its format. Panics on a file of no known
/// format, so a new kind of fixture cannot go unchecked.
fn fixture_files() -> Vec<(PathBuf, Reader)> {
    let mut files = Vec::new();
    let mut dirs: Vec<PathBuf> = fs::read_dir(repo().join("fixtures"))
        .expect("fixtures/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut entries: Vec<PathBuf> = fs::read_dir(&dir)
            .expect("case folder")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let reader = match name.as_str() {
                // The invalid snapshots are the subject of their own test.
                "snapshot.json" if case.starts_with("invalid-") => continue,
                "snapshot.json" => Reader::Snapshot,
                "proof.json" => Reader::Proof,
                "reserve-opening.json" => Reader::Opening,
                "expected.json" => Reader::Expected,
                n if case == "chain" && n.starts_with("epoch-") && n.ends_with(".json") => {
                    Reader::Proof
                }
                "inclusion" => {
                    let mut inclusion: Vec<PathBuf> = fs::read_dir(&path)
                        .expect("inclusion/")
                        .map(|e| e.expect("entry").path())
                        .collect();
                    inclusion.sort();
                    for file in inclusion {
                        assert_eq!(
                            file.extension().and_then(|e| e.to_str()),
                            Some("json"),
                            "{}",
                            file.display()
                        );
                        let reader = if file.ends_with("index.json") {
                            Reader::InclusionIndex
                        } else {
                            Reader::Inclusion
                        };
                        files.push((file, reader));
                    }
                    continue;
                }
                _ => panic!("{}: a fixture file of no known format", path.display()),
            };
            files.push((path, reader));
        }
    }
    files
}

#[test]
fn every_fixture_file_is_valid_under_its_schema_and_read_by_its_parser() {
    let mut schemas = BTreeMap::new();
    let mut counts: BTreeMap<Reader, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (path, reader) in fixture_files() {
        let schema = schemas
            .entry(reader.schema_name())
            .or_insert_with(|| schema(reader.schema_name()));
        let bytes = read(&path);
        let doc: Value = serde_json::from_slice(&bytes).expect("fixture is JSON");
        let errors = schema_errors(schema, &doc);
        if !errors.is_empty() {
            failures.push(format!("{}: schema: {errors:?}", path.display()));
        }
        if let Err(e) = reader.read(&bytes) {
            failures.push(format!("{}: parser: {e}", path.display()));
        }
        *counts.entry(reader).or_default() += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Single proofs, the sharded book's proof set and the three-epoch chain; an inclusion file
    // per account; every case's expectation, the invalid ones' included.
    for (reader, at_least) in [
        (Reader::Snapshot, 11),
        (Reader::Proof, 11),
        (Reader::Inclusion, 395),
        (Reader::Opening, 8),
        (Reader::Expected, 30),
    ] {
        let n = counts.get(&reader).copied().unwrap_or(0);
        assert!(
            n >= at_least,
            "{n} {reader:?} fixtures, expected at least {at_least}"
        );
    }
}

/// The shard files `solvency-prover shard` would write for the sharded fixture: its proof
/// set's shard sections, one file per proof of two shards (the shard task derives the same
/// sub-roots and sums commitments from the snapshot and seed; only the proof bytes'
/// randomness differs). Each file is given twice: as written, and as a file of the last,
/// lone shard of a set of odd size would be.
fn shard_files() -> Vec<Value> {
    let set = json_of(&repo().join("fixtures/sharded-book/proof.json"));
    assert_eq!(set["format"], "solvency-proof-set/5");
    let public = &set["statement"]["public"];
    let shards = &set["shards"];
    let roots = shards["sub_roots"].as_array().expect("sub-roots");
    let sums = shards["sums"].as_array().expect("sums");
    let proofs = shards["proofs"].as_array().expect("proofs");
    (0..proofs.len())
        .flat_map(|j| {
            let run = 2 * j..(2 * j + 2).min(roots.len());
            let file = json!({
                "format": "solvency-shard/3",
                "protocol": public["protocol"],
                "epoch": public["epoch"],
                "index": run.start,
                "sub_roots": roots[run.clone()],
                "sums": sums[run],
                "proof": proofs[j],
            });
            let mut lone = file.clone();
            for list in ["sub_roots", "sums"] {
                lone[list].as_array_mut().expect("list").truncate(1);
            }
            [file, lone]
        })
        .collect()
}

#[test]
fn shard_files_are_valid_and_malformed_ones_refused_by_the_schema() {
    let schema = schema("shard");
    let files = shard_files();
    assert!(files.len() >= 2);
    for file in &files {
        assert_eq!(schema_errors(&schema, file), Vec::<String>::new());
    }
    let edits: [(&str, ValueEdit); 13] = [
        ("unknown field", |v| v["extra"] = json!(1)),
        ("missing field", |v| remove(v, "/index")),
        ("retired format tag", |v| {
            v["format"] = json!("solvency-shard/2")
        }),
        ("upper-case hex (proof)", |v| upper(&mut v["proof"])),
        ("upper-case hex (sub-root)", |v| {
            upper(&mut v["sub_roots"][0])
        }),
        ("a single sub-root, not a list", |v| {
            v["sub_roots"] = v["sub_roots"][0].clone()
        }),
        ("no shard", |v| {
            v["sub_roots"] = json!([]);
            v["sums"] = json!([]);
        }),
        ("more than two shards in one proof", |v| {
            for list in ["sub_roots", "sums"] {
                let first = v[list][0].clone();
                v[list]
                    .as_array_mut()
                    .unwrap()
                    .extend([first.clone(), first]);
            }
        }),
        ("a proof starting at an odd shard", |v| {
            v["index"] = json!(1)
        }),
        ("odd-length hex", |v| {
            let p = v["proof"].as_str().unwrap().to_owned();
            v["proof"] = json!(p[1..]);
        }),
        ("string instead of integer", |v| v["index"] = json!("0")),
        ("negative integer", |v| v["epoch"] = json!(-1)),
        ("index past the last shard", |v| v["index"] = json!(1024)),
    ];
    for (class, edit) in edits {
        let mut v = files[0].clone();
        edit(&mut v);
        assert!(!schema.is_valid(&v), "shard file, {class}: accepted");
    }
}

/// `invalid-*` fixtures breaking a rule the snapshot schema states, with the JSON pointer of
/// the value it refuses.
const REFUSED_BY_SCHEMA: [(&str, &str); 11] = [
    ("invalid-bad-kind", "/positions/0/kind"),
    ("invalid-format", "/format"),
    ("invalid-haircut-out-of-range", "/policy/haircuts_bps/ETH"),
    ("invalid-no-scenarios", "/policy/scenarios"),
    ("invalid-not-decimal", "/assets/0/price"),
    ("invalid-number-not-string", "/reserves/0/amount"),
    ("invalid-ratio-below-100", "/policy/collateral_ratio_bps"),
    (
        "invalid-shock-out-of-range",
        "/policy/scenarios/1/shocks_bps/ETH",
    ),
    ("invalid-too-many-scenarios", "/policy/scenarios"),
    ("invalid-unknown-field", ""),
    ("invalid-zero-size", "/positions/0/size"),
];

/// `invalid-*` fixtures breaking a rule only the parser checks: a value that does not fit in
/// 64 bits once scaled or summed, a symbol declared twice or never, more decimal places than
/// the asset declares, an oracle price older than the policy allows.
const PARSER_ONLY: [&str; 7] = [
    "invalid-amount-overflow",
    "invalid-duplicate-symbol",
    "invalid-reserve-sum-overflow",
    "invalid-shocked-price-overflow",
    "invalid-stale-oracle",
    "invalid-too-many-decimals",
    "invalid-unknown-asset",
];

/// Not JSON at all: nothing for a schema to say.
const NOT_JSON: &str = "invalid-not-json";

#[test]
fn invalid_snapshots_are_refused_by_the_schema_where_it_can_state_the_rule() {
    let schema = schema("snapshot");
    let mut cases: Vec<String> = fs::read_dir(repo().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("invalid-"))
        .collect();
    cases.sort();
    let mut classified: Vec<String> = REFUSED_BY_SCHEMA
        .iter()
        .map(|(c, _)| *c)
        .chain(PARSER_ONLY)
        .chain([NOT_JSON])
        .map(str::to_owned)
        .collect();
    classified.sort();
    assert_eq!(
        cases, classified,
        "every invalid-* fixture is classified once"
    );

    for case in &cases {
        let dir = repo().join("fixtures").join(case);
        let bytes = read(&dir.join("snapshot.json"));
        // The parser refuses it with the error its expected.json names.
        let expected: Expected = serde_json::from_slice(&read(&dir.join("expected.json"))).unwrap();
        let error = Book::from_json(&bytes).expect_err(case).to_string();
        assert_eq!(Some(&error), expected.error.as_ref(), "{case}");

        if case == NOT_JSON {
            assert!(serde_json::from_slice::<Value>(&bytes).is_err(), "{case}");
            continue;
        }
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        let errors: Vec<(String, String)> = schema
            .iter_errors(&doc)
            .map(|e| (e.instance_path().as_str().to_owned(), e.to_string()))
            .collect();
        match REFUSED_BY_SCHEMA.iter().find(|(c, _)| c == case) {
            Some((_, pointer)) => assert!(
                !errors.is_empty() && errors.iter().all(|(at, _)| at == pointer),
                "{case}: the schema should refuse {pointer:?} alone, said {errors:?}"
            ),
            None => assert!(
                errors.is_empty(),
                "{case}: a parser-only rule, yet the schema refuses: {errors:?}"
            ),
        }
    }
}

/// How the schema and the reader answer an edited file.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    /// Both refuse; the reader's message contains the text given.
    Both(&'static str),
    /// A rule no schema states: the schema accepts, the reader refuses with this text.
    ReaderOnly(&'static str),
    /// Both accept: a spelling the format allows.
    Neither,
    /// The schema refuses what the reader accepts: the schema holds the writer's spelling,
    /// which the reader does not insist on (see docs/formats.md).
    SchemaOnly,
}

/// An edit of a file's JSON value.
type ValueEdit = fn(&mut Value);

/// An edit of a valid file.
#[derive(Clone, Copy)]
enum Edit {
    /// Of its JSON value.
    Value(ValueEdit),
    /// Of its text, for what a JSON value cannot hold (a key given twice).
    Text(fn(&str) -> String),
}

struct Case {
    class: &'static str,
    base: &'static str,
    reader: Reader,
    edit: Edit,
    outcome: Outcome,
}

const SNAPSHOT: &str = "fixtures/demo/snapshot.json";
const PROOF: &str = "fixtures/demo/proof.json";
const CHAINED: &str = "fixtures/chain/epoch-8.json";
const PROOF_SET: &str = "fixtures/sharded-book/proof.json";
const INCLUSION: &str = "fixtures/demo/inclusion/alice.json";
const OPENING: &str = "fixtures/demo/reserve-opening.json";
const EXPECTED: &str = "fixtures/demo/expected.json";
const EXPECTED_INVALID: &str = "fixtures/invalid-format/expected.json";

/// Upper-cases a hex string in place (it must hold a letter, so that the edit is one).
fn upper(v: &mut Value) {
    let text = v.as_str().expect("a string").to_owned();
    let upper = text.to_uppercase();
    assert_ne!(text, upper, "no hex letter to upper-case");
    *v = json!(upper);
}

/// Removes the member at a JSON pointer.
fn remove(v: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let removed = v
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .and_then(|o| o.remove(key));
    assert!(removed.is_some(), "nothing at {pointer}");
}

/// Every malformed class, on every format with a reader in this crate.
fn cases() -> Vec<Case> {
    use Outcome::*;
    use Reader as R;
    let v = |class, base, reader, edit: ValueEdit, outcome| Case {
        class,
        base,
        reader,
        edit: Edit::Value(edit),
        outcome,
    };
    let t = |class, base, reader, edit: fn(&str) -> String, outcome| Case {
        class,
        base,
        reader,
        edit: Edit::Text(edit),
        outcome,
    };
    vec![
        // ---- solvency-snapshot/1 ----
        v(
            "unknown field (document)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "unknown field (position)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["note"] = json!("x"),
            Both("unknown field `note`"),
        ),
        v(
            "unknown field (scenario)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["policy"]["scenarios"][0]["weight"] = json!(1),
            Both("unknown field `weight`"),
        ),
        v(
            "missing field (epoch)",
            SNAPSHOT,
            R::Snapshot,
            |v| remove(v, "/epoch"),
            Both("missing field `epoch`"),
        ),
        v(
            "missing field (position expiry)",
            SNAPSHOT,
            R::Snapshot,
            |v| remove(v, "/positions/0/expiry"),
            Both("missing field `expiry`"),
        ),
        v(
            "missing field (asset price)",
            SNAPSHOT,
            R::Snapshot,
            |v| remove(v, "/assets/0/price"),
            Both("missing field `price`"),
        ),
        v(
            "wrong format tag",
            SNAPSHOT,
            R::Snapshot,
            |v| v["format"] = json!("solvency-snapshot/2"),
            Both("format: expected"),
        ),
        v(
            "format tag not a string",
            SNAPSHOT,
            R::Snapshot,
            |v| v["format"] = json!(1),
            Both("invalid type: integer `1`, expected a string"),
        ),
        v(
            "number instead of decimal string (price)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["price"] = json!(3150.25),
            Both("invalid type: floating point"),
        ),
        v(
            "number instead of decimal string (strike)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["strike"] = json!(3500),
            Both("invalid type: integer `3500`, expected a string"),
        ),
        v(
            "string instead of integer (epoch)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["epoch"] = json!("7"),
            Both("invalid type: string \"7\""),
        ),
        v(
            "null instead of string (protocol)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["protocol"] = Value::Null,
            Both("invalid type: null"),
        ),
        v(
            "negative integer (expiry)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["expiry"] = json!(-1),
            Both("invalid value: integer `-1`"),
        ),
        v(
            "negative integer (decimals)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["decimals"] = json!(-1),
            Both("invalid value: integer `-1`"),
        ),
        v(
            "negative integer (haircut)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["policy"]["haircuts_bps"]["ETH"] = json!(-1),
            Both("policy.haircuts_bps.ETH: -1 is outside"),
        ),
        v(
            "decimal point in an integer (timestamp)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["timestamp"] = json!(1764000000.5),
            Both("invalid type: floating point"),
        ),
        v(
            "integer past 64 bits (epoch)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["epoch"] = json!(18446744073709551616.0),
            Both("invalid type: floating point"),
        ),
        v(
            "negative decimal string (amount)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["reserves"][0]["amount"] = json!("-1"),
            Both("is not a decimal number"),
        ),
        v(
            "signed decimal string (strike)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["strike"] = json!("+3500"),
            Both("is not a decimal number"),
        ),
        v(
            "exponent in a decimal string (size)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["size"] = json!("25e-1"),
            Both("is not a decimal number"),
        ),
        v(
            "point without fraction (price)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["price"] = json!("3150."),
            Both("is not a decimal number"),
        ),
        v(
            "point without integer part (amount)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["reserves"][0]["amount"] = json!(".5"),
            Both("is not a decimal number"),
        ),
        v(
            "thousands separator (price)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["price"] = json!("3,150.25"),
            Both("is not a decimal number"),
        ),
        v(
            "blank in a decimal string (amount)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["reserves"][1]["amount"] = json!(" 3000000"),
            Both("is not a decimal number"),
        ),
        v(
            "empty decimal string (strike)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["strike"] = json!(""),
            Both("is not a decimal number"),
        ),
        v(
            "nine fractional digits (price)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["price"] = json!("3150.123456789"),
            Both("more than 8 decimal places"),
        ),
        v(
            "kind neither call nor put",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["kind"] = json!("Call"),
            Both("is not \"call\" or \"put\""),
        ),
        v(
            "zero size",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["size"] = json!("0.000"),
            Both("positions[0].size: 0 is outside"),
        ),
        v(
            "decimals above 18",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["decimals"] = json!(19),
            Both("assets[0].decimals: 19 is outside"),
        ),
        v(
            "ratio above 10,000 %",
            SNAPSHOT,
            R::Snapshot,
            |v| v["policy"]["collateral_ratio_bps"] = json!(1_000_001),
            Both("collateral_ratio_bps: 1000001 is outside"),
        ),
        v(
            "haircut above 100 %",
            SNAPSHOT,
            R::Snapshot,
            |v| v["policy"]["haircuts_bps"]["USDC"] = json!(10_001),
            Both("haircuts_bps.USDC: 10001 is outside"),
        ),
        v(
            "shock above +1,000 %",
            SNAPSHOT,
            R::Snapshot,
            |v| v["policy"]["scenarios"][2]["shocks_bps"]["ETH"] = json!(100_001),
            Both("shocks_bps.ETH: 100001 is outside"),
        ),
        v(
            "sixty-five assets",
            SNAPSHOT,
            R::Snapshot,
            |v| {
                v["assets"] = (0..65).map(|i| json!({"symbol": format!("A{i}"), "decimals": 6, "price": "1", "price_timestamp": 1763999990u64})).collect();
            },
            Both("assets: 65 entries, at most 64"),
        ),
        v(
            "a reserve in both spellings",
            SNAPSHOT,
            R::Snapshot,
            |v| v["reserves"][0]["base_units"] = json!("1250500000"),
            Both("reserves[0]: give exactly one of \"amount\""),
        ),
        v(
            "a position without a size",
            SNAPSHOT,
            R::Snapshot,
            |v| remove(v, "/positions/0/size"),
            Both("positions[0]: give exactly one of \"size\""),
        ),
        v(
            "base units with a fraction",
            SNAPSHOT,
            R::Snapshot,
            |v| {
                remove(v, "/reserves/0/amount");
                v["reserves"][0]["base_units"] = json!("1.5");
            },
            Both("reserves[0].base_units: \"1.5\" is not a whole number of base units"),
        ),
        v(
            "a precision finer than the decimals",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["precision"] = json!(7),
            ReaderOnly("assets[0].precision: 7 is outside the allowed range 0..=6"),
        ),
        v(
            "a reserve past 64 bits at its precision",
            SNAPSHOT,
            R::Snapshot,
            |v| v["reserves"][0]["amount"] = json!("465000000000000"),
            ReaderOnly("declare \"precision\": 4 (or less) in the assets entry of ETH"),
        ),
        v(
            "seventeen scenarios",
            SNAPSHOT,
            R::Snapshot,
            |v| {
                v["policy"]["scenarios"] =
                    (0..17).map(|i| json!({"name": format!("s{i}")})).collect();
            },
            Both("policy.scenarios: 17 entries, at most 16"),
        ),
        v(
            "no scenario",
            SNAPSHOT,
            R::Snapshot,
            |v| v["policy"]["scenarios"] = json!([]),
            Both("policy.scenarios: must not be empty"),
        ),
        v(
            "no asset",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"] = json!([]),
            Both("assets: must not be empty"),
        ),
        v(
            "empty protocol",
            SNAPSHOT,
            R::Snapshot,
            |v| v["protocol"] = json!(""),
            Both("protocol: must not be empty"),
        ),
        v(
            "empty account",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["account"] = json!(""),
            Both("positions[0].account: must not be empty"),
        ),
        v(
            "empty scenario name",
            SNAPSHOT,
            R::Snapshot,
            |v| v["policy"]["scenarios"][1]["name"] = json!(""),
            Both("policy.scenarios[1].name: must not be empty"),
        ),
        v(
            "document as an array",
            SNAPSHOT,
            R::Snapshot,
            |v| {
                let fields = [
                    "format",
                    "protocol",
                    "epoch",
                    "timestamp",
                    "assets",
                    "reserves",
                    "positions",
                    "policy",
                ];
                *v = fields.iter().map(|f| v[f].clone()).collect();
            },
            Both("expected a solvency-snapshot/1 object"),
        ),
        v(
            "position as a string",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0] = json!("alice"),
            Both("invalid type: string \"alice\""),
        ),
        v(
            "protocol of 65 bytes",
            SNAPSHOT,
            R::Snapshot,
            |v| v["protocol"] = json!("p".repeat(65)),
            Both("protocol: 65 bytes long, at most 64"),
        ),
        v(
            "account of 257 bytes",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["account"] = json!("a".repeat(257)),
            Both("positions[0].account: 257 bytes long, at most 256"),
        ),
        v(
            "empty location",
            SNAPSHOT,
            R::Snapshot,
            |v| v["reserves"][0]["location"] = json!(""),
            Both("reserves[0].location: must not be empty"),
        ),
        // What only the parser checks.
        v(
            "integer with a zero fraction (decimals 6.0)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["decimals"] = json!(6.0),
            ReaderOnly("invalid type: floating point `6.0`"),
        ),
        t(
            "a field given twice",
            SNAPSHOT,
            R::Snapshot,
            |s| s.replacen("\"epoch\": 7,", "\"epoch\": 7, \"epoch\": 7,", 1),
            ReaderOnly("duplicate field `epoch`"),
        ),
        v(
            "symbol declared twice",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][1]["symbol"] = json!("ETH"),
            ReaderOnly("\"ETH\" is declared twice"),
        ),
        v(
            "undeclared asset",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["underlying"] = json!("BTC"),
            ReaderOnly("\"BTC\" is not a declared asset"),
        ),
        v(
            "more places than the asset's decimals",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"][0]["size"] = json!("2.5000001"),
            ReaderOnly("more than 6 decimal places"),
        ),
        v(
            "price past 64 bits once scaled",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["price"] = json!("184467440738"),
            ReaderOnly("does not fit in 64 bits"),
        ),
        v(
            "oracle price from the future",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["price_timestamp"] = json!(1764000001u64),
            ReaderOnly("stale or in the future"),
        ),
        v(
            "protocol of 33 two-byte characters",
            SNAPSHOT,
            R::Snapshot,
            |v| v["protocol"] = json!("é".repeat(33)),
            ReaderOnly("protocol: 66 bytes long, at most 64"),
        ),
        t(
            "a symbol given twice in a map",
            SNAPSHOT,
            R::Snapshot,
            |s| {
                s.replacen(
                    "\"haircuts_bps\": {\"ETH\": 1000,",
                    "\"haircuts_bps\": {\"ETH\": 10001, \"ETH\": 1000,",
                    1,
                )
            },
            ReaderOnly("\"ETH\" is given twice"),
        ),
        // Spellings both accept.
        v(
            "trailing zeros past 8 places (price)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["assets"][0]["price"] = json!("3150.2500000000"),
            Neither,
        ),
        v(
            "leading zeros (amount)",
            SNAPSHOT,
            R::Snapshot,
            |v| v["reserves"][0]["amount"] = json!("0001250.5"),
            Neither,
        ),
        v(
            "location null or absent",
            SNAPSHOT,
            R::Snapshot,
            |v| {
                v["reserves"][0]["location"] = Value::Null;
                remove(v, "/reserves/1/location");
            },
            Neither,
        ),
        v(
            "haircuts and shocks left out",
            SNAPSHOT,
            R::Snapshot,
            |v| {
                remove(v, "/policy/haircuts_bps");
                remove(v, "/policy/scenarios/0/shocks_bps");
            },
            Neither,
        ),
        v(
            "no position",
            SNAPSHOT,
            R::Snapshot,
            |v| v["positions"] = json!([]),
            Neither,
        ),
        // ---- solvency-proof/2 and solvency-proof-set/3 ----
        v(
            "upper-case hex (proof bytes)",
            PROOF,
            R::Proof,
            |v| upper(&mut v["proof"]),
            Both("upper-case hex"),
        ),
        v(
            "upper-case hex (reserve commitment)",
            PROOF,
            R::Proof,
            |v| upper(&mut v["statement"]["reserve_commitment"]),
            Both("not 64 lower-case hex digits"),
        ),
        v(
            "upper-case hex (liabilities root)",
            PROOF,
            R::Proof,
            |v| upper(&mut v["statement"]["liabilities_root"]),
            Both("not 64 lower-case hex digits"),
        ),
        v(
            "upper-case hex (previous)",
            CHAINED,
            R::Proof,
            |v| upper(&mut v["statement"]["previous"]),
            Both("not 64 lower-case hex digits"),
        ),
        v(
            "upper-case hex (key digest)",
            PROOF,
            R::ProofKey,
            |v| upper(&mut v["circuit"]["vk_digest"]),
            Both("the proof names verifying key"),
        ),
        v(
            "upper-case hex (shard sub-root)",
            PROOF_SET,
            R::Proof,
            |v| upper(&mut v["shards"]["sub_roots"][1]),
            Both("not 64 lower-case hex digits"),
        ),
        v(
            "upper-case hex (shard proof)",
            PROOF_SET,
            R::Proof,
            |v| upper(&mut v["shards"]["proofs"][0]),
            Both("shard proof 0: upper-case hex"),
        ),
        v(
            "upper-case hex (top proof)",
            PROOF_SET,
            R::Proof,
            |v| upper(&mut v["top"]["proof"]),
            Both("top proof: upper-case hex"),
        ),
        v(
            "odd-length hex (proof bytes)",
            PROOF,
            R::Proof,
            |v| {
                let p = v["proof"].as_str().unwrap().to_owned();
                v["proof"] = json!(p[1..]);
            },
            Both("Odd number of digits"),
        ),
        v(
            "non-hex digit (proof bytes)",
            PROOF,
            R::Proof,
            |v| {
                let p = v["proof"].as_str().unwrap().to_owned();
                v["proof"] = json!(format!("g{}", &p[1..]));
            },
            Both("Invalid character 'g'"),
        ),
        v(
            "field element of 31 bytes",
            PROOF,
            R::Proof,
            |v| {
                let c = v["statement"]["liabilities_root"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                v["statement"]["liabilities_root"] = json!(c[2..]);
            },
            Both("is not 64 lower-case hex digits"),
        ),
        v(
            "unknown field (document)",
            PROOF,
            R::Proof,
            |v| v["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "unknown field (statement)",
            PROOF,
            R::Proof,
            |v| v["statement"]["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "unknown field (public data)",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "unknown field (asset)",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["assets"][0]["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "unknown field (circuit shape)",
            PROOF,
            R::Proof,
            |v| v["circuit"]["shape"]["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "unknown field (top)",
            PROOF_SET,
            R::Proof,
            |v| v["top"]["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "missing field (previous)",
            PROOF,
            R::Proof,
            |v| remove(v, "/statement/previous"),
            Both("missing field `previous`"),
        ),
        v(
            "missing field (key digest)",
            PROOF,
            R::Proof,
            |v| remove(v, "/circuit/vk_digest"),
            Both("missing field `vk_digest`"),
        ),
        v(
            "missing field (proof bytes)",
            PROOF,
            R::Proof,
            |v| remove(v, "/proof"),
            Both("missing field `proof`"),
        ),
        v(
            "missing field (format)",
            PROOF,
            R::Proof,
            |v| remove(v, "/format"),
            Both("missing field `format`"),
        ),
        v(
            "missing field (shard sums)",
            PROOF_SET,
            R::Proof,
            |v| remove(v, "/shards/sums"),
            Both("missing field `sums`"),
        ),
        v(
            "omitted default (haircuts)",
            PROOF,
            R::Proof,
            |v| remove(v, "/statement/public/policy/haircuts_bps"),
            Both("not in canonical form"),
        ),
        v(
            "unknown format tag",
            PROOF,
            R::Proof,
            |v| v["format"] = json!("solvency-proof/3"),
            Both("format: expected"),
        ),
        v(
            "retired format tag (solvency-proof/1)",
            PROOF,
            R::Proof,
            |v| v["format"] = json!("solvency-proof/1"),
            Both("no longer accepted"),
        ),
        v(
            "retired format tag (solvency-proof-set/2)",
            PROOF_SET,
            R::Proof,
            |v| v["format"] = json!("solvency-proof-set/2"),
            Both("no longer accepted"),
        ),
        v(
            "a proof set's fields under the single-proof tag",
            PROOF_SET,
            R::Proof,
            |v| v["format"] = json!("solvency-proof/2"),
            Both("unknown field `shards`"),
        ),
        v(
            "number instead of decimal string (price)",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["assets"][0]["price"] = json!(3150.25),
            Both("invalid type: floating point"),
        ),
        v(
            "number instead of hex string (proof bytes)",
            PROOF,
            R::Proof,
            |v| v["proof"] = json!(1234),
            Both("invalid type: integer `1234`, expected a string"),
        ),
        v(
            "string instead of integer (k)",
            PROOF,
            R::Proof,
            |v| v["circuit"]["k"] = json!("9"),
            Both("invalid type: string \"9\""),
        ),
        v(
            "negative integer (epoch)",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["epoch"] = json!(-1),
            Both("invalid value: integer `-1`"),
        ),
        v(
            "decimal point in an integer (k)",
            PROOF,
            R::Proof,
            |v| v["circuit"]["k"] = json!(9.5),
            Both("invalid type: floating point"),
        ),
        v(
            "non-canonical decimal (trailing zero)",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["assets"][0]["price"] = json!("3150.250"),
            Both("not in canonical form"),
        ),
        v(
            "non-canonical decimal (leading zero)",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["assets"][1]["price"] = json!("01"),
            Both("not in canonical form"),
        ),
        v(
            "negative decimal string (price)",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["assets"][1]["price"] = json!("-1"),
            Both("is not a decimal number"),
        ),
        v(
            "lanes not a compiled width",
            PROOF,
            R::Proof,
            |v| v["circuit"]["shape"]["lanes"] = json!(5),
            Both("does not match the statement"),
        ),
        v(
            "tree deeper than 12",
            PROOF,
            R::Proof,
            |v| v["circuit"]["shape"]["depth"] = json!(13),
            Both("does not match the statement"),
        ),
        v(
            "a proof set of one shard",
            PROOF_SET,
            R::Proof,
            |v| {
                for list in ["sub_roots", "sums", "proofs"] {
                    v["shards"][list].as_array_mut().unwrap().truncate(1);
                }
            },
            Both("expected TopShape"),
        ),
        v(
            "haircut above 100 % (statement)",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["policy"]["haircuts_bps"]["ETH"] = json!(10_001),
            Both("10001 is outside"),
        ),
        v(
            "protocol of 65 bytes (statement)",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["protocol"] = json!("p".repeat(65)),
            Both("protocol: 65 bytes long, at most 64"),
        ),
        // What only the verifier checks.
        v(
            "field element past the modulus",
            PROOF,
            R::Proof,
            |v| v["statement"]["reserve_commitment"] = json!("ff".repeat(32)),
            ReaderOnly("is not a canonical field element"),
        ),
        v(
            "omitted default (a zero shock)",
            PROOF,
            R::Proof,
            |v| remove(v, "/statement/public/policy/scenarios/0/shocks_bps/USDC"),
            ReaderOnly("not in canonical form"),
        ),
        v(
            "k other than the shape's",
            PROOF,
            R::Proof,
            |v| v["circuit"]["k"] = json!(10),
            ReaderOnly("k = 10 but the shape needs k = 9"),
        ),
        v(
            "shape for other assets",
            PROOF,
            R::Proof,
            |v| v["circuit"]["shape"]["assets"] = json!(3),
            ReaderOnly("does not match the statement"),
        ),
        v(
            "haircut of an undeclared asset",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["policy"]["haircuts_bps"]["BTC"] = json!(0),
            ReaderOnly("\"BTC\" is not a declared asset"),
        ),
        v(
            "stale oracle price in the statement",
            PROOF,
            R::Proof,
            |v| v["statement"]["public"]["timestamp"] = json!(1764000301u64),
            ReaderOnly("stale or in the future"),
        ),
        t(
            "a field given twice",
            PROOF,
            R::Proof,
            |s| s.replacen("\"k\": 9,", "\"k\": 9, \"k\": 9,", 1),
            ReaderOnly("duplicate field `k`"),
        ),
        // Spellings both accept: the verifier compares values, not bytes.
        t(
            "compact, without whitespace",
            PROOF,
            R::Proof,
            |s| serde_json::to_string(&serde_json::from_str::<Value>(s).unwrap()).unwrap(),
            Neither,
        ),
        // ---- solvency-inclusion/1 ----
        v(
            "unknown field (document)",
            INCLUSION,
            R::Inclusion,
            |v| v["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "unknown field (position)",
            INCLUSION,
            R::Inclusion,
            |v| v["positions"][0]["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "missing field (salt)",
            INCLUSION,
            R::Inclusion,
            |v| remove(v, "/salt"),
            Both("missing field `salt`"),
        ),
        v(
            "missing field (path)",
            INCLUSION,
            R::Inclusion,
            |v| remove(v, "/positions/0/path"),
            Both("missing field `path`"),
        ),
        v(
            "wrong format tag",
            INCLUSION,
            R::Inclusion,
            |v| v["format"] = json!("solvency-inclusion/2"),
            Both("format: expected"),
        ),
        v(
            "number instead of decimal string (strike)",
            INCLUSION,
            R::Inclusion,
            |v| v["positions"][0]["strike"] = json!(3500),
            Both("invalid type: integer `3500`, expected a string"),
        ),
        v(
            "string instead of integer (index)",
            INCLUSION,
            R::Inclusion,
            |v| v["positions"][0]["index"] = json!("0"),
            Both("invalid type: string \"0\""),
        ),
        v(
            "negative integer (expiry)",
            INCLUSION,
            R::Inclusion,
            |v| v["positions"][0]["expiry"] = json!(-1),
            Both("invalid value: integer `-1`"),
        ),
        v(
            "decimal point in an integer (index)",
            INCLUSION,
            R::Inclusion,
            |v| v["positions"][0]["index"] = json!(0.5),
            Both("invalid type: floating point"),
        ),
        v(
            "kind neither call nor put",
            INCLUSION,
            R::Inclusion,
            |v| v["positions"][0]["kind"] = json!("straddle"),
            Both("unknown variant `straddle`"),
        ),
        v(
            "field element of 31 bytes (salt)",
            INCLUSION,
            R::Inclusion,
            |v| {
                let s = v["salt"].as_str().unwrap().to_owned();
                v["salt"] = json!(s[2..]);
            },
            Both("is not 64 lower-case hex digits"),
        ),
        v(
            "no position",
            INCLUSION,
            R::InclusionChecked,
            |v| v["positions"] = json!([]),
            Both("names no position"),
        ),
        v(
            "negative decimal string (strike)",
            INCLUSION,
            R::InclusionChecked,
            |v| v["positions"][0]["strike"] = json!("-3500"),
            Both("is not a decimal number"),
        ),
        v(
            "exponent in a decimal string (size)",
            INCLUSION,
            R::InclusionChecked,
            |v| v["positions"][0]["size"] = json!("2.5e0"),
            Both("is not a decimal number"),
        ),
        v(
            "field element past the modulus (salt)",
            INCLUSION,
            R::Inclusion,
            |v| v["salt"] = json!("ff".repeat(32)),
            ReaderOnly("is not a canonical field element"),
        ),
        v(
            "upper-case hex (salt)",
            INCLUSION,
            R::Inclusion,
            |v| upper(&mut v["salt"]),
            Both("not 64 lower-case hex digits"),
        ),
        v(
            "upper-case hex (liabilities root)",
            INCLUSION,
            R::Inclusion,
            |v| upper(&mut v["liabilities_root"]),
            Both("not 64 lower-case hex digits"),
        ),
        // ---- solvency-reserve-opening/1 ----
        v(
            "unknown field (document)",
            OPENING,
            R::Opening,
            |v| v["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "unknown field (balance)",
            OPENING,
            R::Opening,
            |v| v["balances"][0]["location"] = json!("vault"),
            Both("unknown field `location`"),
        ),
        v(
            "missing field (seed)",
            OPENING,
            R::Opening,
            |v| remove(v, "/seed"),
            Both("missing field `seed`"),
        ),
        v(
            "missing field (blinding)",
            OPENING,
            R::Opening,
            |v| remove(v, "/blinding"),
            Both("missing field `blinding`"),
        ),
        v(
            "wrong format tag",
            OPENING,
            R::Opening,
            |v| v["format"] = json!("solvency-reserve-opening/2"),
            Both("format: expected"),
        ),
        v(
            "number instead of decimal string (amount)",
            OPENING,
            R::Opening,
            |v| v["balances"][0]["amount"] = json!(1250.5),
            Both("invalid type: floating point"),
        ),
        v(
            "string instead of integer (epoch)",
            OPENING,
            R::Opening,
            |v| v["epoch"] = json!("7"),
            Both("invalid type: string \"7\""),
        ),
        v(
            "negative integer (epoch)",
            OPENING,
            R::Opening,
            |v| v["epoch"] = json!(-7),
            Both("invalid value: integer `-7`"),
        ),
        v(
            "field element of 31 bytes (blinding)",
            OPENING,
            R::Opening,
            |v| {
                let b = v["blinding"].as_str().unwrap().to_owned();
                v["blinding"] = json!(b[2..]);
            },
            Both("is not 64 lower-case hex digits"),
        ),
        v(
            "negative decimal string (amount)",
            OPENING,
            R::OpeningOpened,
            |v| v["balances"][0]["amount"] = json!("-1250.5"),
            Both("is not a decimal number"),
        ),
        v(
            "no balance",
            OPENING,
            R::OpeningOpened,
            |v| v["balances"] = json!([]),
            Both("0 balances for 2 assets"),
        ),
        v(
            "upper-case hex (blinding)",
            OPENING,
            R::Opening,
            |v| upper(&mut v["blinding"]),
            Both("not 64 lower-case hex digits"),
        ),
        v(
            "seed not hex",
            OPENING,
            R::Opening,
            |v| v["seed"] = json!("not a seed"),
            Both("not 64 lower-case hex digits"),
        ),
        // ---- expected.json ----
        v(
            "unknown field (document)",
            EXPECTED,
            R::Expected,
            |v| v["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "unknown field (scenario)",
            EXPECTED,
            R::Expected,
            |v| v["scenarios"][0]["extra"] = json!(1),
            Both("unknown field `extra`"),
        ),
        v(
            "missing field (verdict)",
            EXPECTED,
            R::Expected,
            |v| remove(v, "/verdict"),
            Both("missing field `verdict`"),
        ),
        v(
            "missing field (margin_raw)",
            EXPECTED,
            R::Expected,
            |v| remove(v, "/scenarios/0/margin_raw"),
            Both("missing field `margin_raw`"),
        ),
        v(
            "unknown verdict",
            EXPECTED,
            R::Expected,
            |v| v["verdict"] = json!("valid"),
            Both("unknown variant `valid`"),
        ),
        v(
            "number instead of string (margin_raw)",
            EXPECTED,
            R::Expected,
            |v| v["scenarios"][0]["margin_raw"] = json!(6545448862500000000000000.0),
            Both("invalid type: floating point"),
        ),
        v(
            "string instead of boolean (covered)",
            EXPECTED,
            R::Expected,
            |v| v["scenarios"][0]["covered"] = json!("true"),
            Both("invalid type: string \"true\", expected a boolean"),
        ),
        v(
            "number instead of string (error)",
            EXPECTED_INVALID,
            R::Expected,
            |v| v["error"] = json!(2),
            Both("invalid type: integer `2`, expected a string"),
        ),
        v(
            "a solvent verdict with an uncovered scenario",
            EXPECTED,
            R::Expected,
            |v| v["scenarios"][0]["covered"] = json!(false),
            SchemaOnly,
        ),
        v(
            "invalid input without its error",
            EXPECTED_INVALID,
            R::Expected,
            |v| remove(v, "/error"),
            SchemaOnly,
        ),
        v(
            "a margin in USD with one decimal place",
            EXPECTED,
            R::Expected,
            |v| v["scenarios"][0]["margin_usd"] = json!("6545448.9"),
            SchemaOnly,
        ),
    ]
}

#[test]
fn malformed_classes_are_refused_by_both_the_schema_and_the_parser() {
    let mut schemas = BTreeMap::new();
    let mut bases = BTreeMap::new();
    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        let what = format!("{} {:?}: {}", case.base, case.reader, case.class);
        let schema = schemas
            .entry(case.reader.schema_name())
            .or_insert_with(|| schema(case.reader.schema_name()));
        let base = bases
            .entry(case.base)
            .or_insert_with(|| String::from_utf8(read(&repo().join(case.base))).unwrap());
        let text = match case.edit {
            Edit::Value(edit) => {
                let mut v: Value = serde_json::from_str(base).unwrap();
                edit(&mut v);
                serde_json::to_string_pretty(&v).unwrap()
            }
            Edit::Text(edit) => {
                let edited = edit(base);
                assert_ne!(&edited, base, "{what}: the edit changed nothing");
                edited
            }
        };
        let doc: Value = serde_json::from_str(&text).expect("edited files are JSON");
        let schema_refuses = !schema.is_valid(&doc);
        let read = case.reader.read(text.as_bytes());
        let expected_refusal = match case.outcome {
            Outcome::Both(m) | Outcome::ReaderOnly(m) => Some(m),
            Outcome::Neither | Outcome::SchemaOnly => None,
        };
        let schema_should_refuse = matches!(case.outcome, Outcome::Both(_) | Outcome::SchemaOnly);
        if schema_refuses != schema_should_refuse {
            failures.push(format!(
                "{what}: the schema {} it: {:?}",
                if schema_refuses { "refuses" } else { "accepts" },
                schema_errors(schema, &doc)
            ));
        }
        match (expected_refusal, &read) {
            (None, Ok(())) => {}
            (None, Err(e)) => failures.push(format!("{what}: the parser refuses it: {e}")),
            (Some(_), Ok(())) => failures.push(format!("{what}: the parser accepts it")),
            (Some(m), Err(e)) if !e.contains(m) => failures.push(format!(
                "{what}: the parser refuses it for another reason: {e}"
            )),
            (Some(_), Err(_)) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases.len() > 100);
}

/// The operator's inclusion index, as `prove` writes it (prover/tests/inclusion.rs checks the
/// prover's own), is valid under its schema; a file name that is no inclusion file's is not.
#[test]
fn the_inclusion_index_has_a_schema() {
    let schema = schema("inclusion-index");
    let index = json!({
        "format": "solvency-inclusion-index/1",
        "protocol": "demo-options",
        "epoch": 7,
        "files": {"alice": "alice.json", "../../x": "x-0123456789abcdef0123456789abcdef.json"},
    });
    assert!(
        schema.is_valid(&index),
        "{:?}",
        schema_errors(&schema, &index)
    );
    let mut bad = index.clone();
    bad["files"]["alice"] = json!("../alice.json");
    assert!(!schema.is_valid(&bad));
}
