//! The `solvency-verifier` binary on the committed demo proof: verdicts and exit codes.

use std::{fs, path::Path, process::Command};

use serde_json::{json, Value};

const DEMO_PROOF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/demo/proof.json");

fn verifier(args: &[&str], params: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_solvency-verifier"))
        .args(args)
        .env("SOLVENCY_PARAMS_DIR", params)
        .output()
        .expect("runs")
}

#[test]
fn demo_proof_is_valid_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let o = verifier(&["verify", DEMO_PROOF], tmp.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for needle in [
        "VALID",
        "demo-options",
        "epoch        7",
        "120%",
        "eth+30",
        "ETH +30%",
        "C_R =",
    ] {
        assert!(out.contains(needle), "{needle:?} missing from\n{out}");
    }
    // A first verification generates and caches nothing: keys and parameters are compiled in.
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
    let o = verifier(&["verify", "--json", DEMO_PROOF], tmp.path());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], Value::Bool(true));
    assert_eq!(v["statement"]["public"]["protocol"], "demo-options");
}

/// The proof file `text` with its proof bytes' hex rewritten by `f`.
fn reencode(text: &str, f: impl Fn(&str) -> String) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    let hex = v["proof"].as_str().unwrap().to_owned();
    v["proof"] = Value::String(f(&hex));
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn tampered_proof_is_invalid_and_garbage_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = fs::read_to_string(DEMO_PROOF).unwrap();
    let cases = [
        (bytes.replacen("\"epoch\": 7", "\"epoch\": 8", 1), 1),
        (
            bytes.replacen(
                "\"collateral_ratio_bps\": 12000",
                "\"collateral_ratio_bps\": 11000",
                1,
            ),
            1,
        ),
        (bytes.replacen("demo-options", "demo-optionz", 1), 1),
        (bytes[..bytes.len() / 2].to_owned(), 2),
        (bytes.replacen("solvency-proof/2", "solvency-proof/9", 1), 2),
        // A proof of the retired format (keys rebuilt per epoch) is bad input, not a panic.
        (bytes.replacen("solvency-proof/2", "solvency-proof/1", 1), 2),
        ("{}".to_owned(), 2),
        // Re-encodings of the same proof bytes: upper-case hex, a byte appended.
        (reencode(&bytes, |hex| hex.to_uppercase()), 2),
        (reencode(&bytes, |hex| format!("{hex}00")), 1),
        // Other spellings of the same statement: a duplicate key, numbers written as floats
        // or with an exponent, a decimal string with a trailing zero.
        (
            bytes.replacen('{', "{\n  \"format\": \"solvency-proof/2\",", 1),
            2,
        ),
        (bytes.replacen("\"epoch\": 7", "\"epoch\": 7.0", 1), 2),
        (bytes.replacen("\"epoch\": 7", "\"epoch\": 7e0", 1), 2),
        (bytes.replacen("\"3150.25\"", "\"3150.250\"", 1), 2),
        // Nesting far deeper than the format's is refused at once.
        (format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)), 2),
    ];
    for (i, (text, code)) in cases.iter().enumerate() {
        let path = tmp.path().join(format!("case{i}.json"));
        fs::write(&path, text).unwrap();
        let o = verifier(&["verify", path.to_str().unwrap()], tmp.path());
        assert_eq!(
            o.status.code(),
            Some(*code),
            "case {i}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!String::from_utf8_lossy(&o.stdout).contains("VALID"));
    }
    let o = verifier(&["verify", "/nonexistent/proof.json"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    // An endless input is cut off at the size limit, in bounded memory.
    let o = verifier(&["verify", "/dev/zero"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the most this file may hold"));
    let o = verifier(&["verify"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn inclusion_files_are_checked_against_the_proof() {
    let tmp = tempfile::tempdir().unwrap();
    let alice = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/demo/inclusion/alice.json"
    );
    let o = verifier(&["verify", DEMO_PROOF, "--inclusion", alice], tmp.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("INCLUDED: these 1 position(s) of account \"alice\" are in the proven tree"),
        "{out}"
    );
    assert!(out.contains("Compare them with your own records"), "{out}");
    assert!(out.contains("call ETH strike 3500 USD, size 2.5"), "{out}");

    // Each bad file gets its own verdict, and the proof stays VALID: exit 3, not 1 or 2.
    let text = fs::read_to_string(alice).unwrap();
    for (i, (edited, result, words)) in [
        (
            text.replacen("\"size\": \"2.5\"", "\"size\": \"25\"", 1),
            "not_found",
            "Your positions: NOT FOUND: your call ETH strike 3500 × 25, expiring",
        ),
        (
            text.replacen("\"epoch\": 7", "\"epoch\": 6", 1),
            "other_epoch",
            "is for demo-options epoch 6, this proof is demo-options epoch 7",
        ),
        (
            text[..text.len() / 2].to_owned(),
            "unreadable",
            "the file is cut off",
        ),
        // A file naming no position shows nothing: not "all counted".
        (
            {
                let mut v: Value = serde_json::from_str(&text).unwrap();
                v["positions"] = Value::Array(vec![]);
                serde_json::to_string_pretty(&v).unwrap()
            },
            "unreadable",
            "names no position",
        ),
        (
            fs::read_to_string(DEMO_PROOF).unwrap(),
            "unreadable",
            "this is a proof file, not an inclusion file",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        assert_ne!(edited, text);
        let path = tmp.path().join(format!("inc{i}.json"));
        fs::write(&path, edited).unwrap();
        let path = path.to_str().unwrap();
        let o = verifier(&["verify", DEMO_PROOF, "--inclusion", path], tmp.path());
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(3), "case {i}: {out}");
        assert!(out.starts_with("Proof: VALID"), "case {i}: {out}");
        assert!(out.contains(words), "case {i}: {out}");
        let o = verifier(
            &["verify", DEMO_PROOF, "--inclusion", path, "--json"],
            tmp.path(),
        );
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(o.status.code(), Some(3), "case {i}");
        assert_eq!(
            (&v["valid"], &v["all_included"]),
            (&json!(true), &json!(false))
        );
        assert_eq!(v["inclusions"][0]["result"], result, "case {i}: {v}");
        assert!(v["inclusions"][0]["file"]
            .as_str()
            .unwrap()
            .contains(&format!("inc{i}")));
    }
    // A missing inclusion file is named as such, not as a malformed proof.
    let o = verifier(
        &["verify", DEMO_PROOF, "--inclusion", "no-such-file.json"],
        tmp.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        out.contains("no-such-file.json is unreadable") && !out.contains("malformed proof"),
        "{out}"
    );
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures");

/// Copies fixture cases into a fresh corpus folder.
fn corpus(cases: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for case in cases {
        copy_dir(&Path::new(FIXTURES).join(case), &tmp.path().join(case));
    }
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn the_whole_fixture_corpus_replays() {
    let tmp = tempfile::tempdir().unwrap();
    let o = verifier(&["replay", FIXTURES], tmp.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains(", 0 disagree"), "{out}");
    for case in [
        "demo",
        "exact-boundary",
        "one-unit-short",
        "haircut-bites",
        "invalid-stale-oracle",
        "zero-positions",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with("ok") && l.contains(case)),
            "{case} missing:\n{out}"
        );
    }
}

#[test]
fn replay_reproves_and_reports_each_disagreement() {
    let tmp = corpus(&["demo", "zero-positions", "one-unit-short", "sharded-book"]);
    let params = tempfile::tempdir().unwrap();
    let o = verifier(
        &["replay", "--reprove", tmp.path().to_str().unwrap()],
        params.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_eq!(out.matches("re-proven and verified").count(), 3, "{out}");
    assert!(out.contains("proof set of 3 shards"), "{out}");

    // A margin off by one raw unit, and an insolvent case claimed solvent.
    let demo = tmp.path().join("demo/expected.json");
    let text = fs::read_to_string(&demo).unwrap();
    fs::write(
        &demo,
        text.replacen("\"margin_raw\": \"", "\"margin_raw\": \"1", 1),
    )
    .unwrap();
    let short = tmp.path().join("one-unit-short/expected.json");
    let text = fs::read_to_string(&short).unwrap();
    fs::write(&short, text.replace("\"insolvent\"", "\"solvent\"")).unwrap();
    // And an inclusion file of another case.
    fs::copy(
        Path::new(FIXTURES).join("mixed-book/inclusion/alice.json"),
        tmp.path().join("demo/inclusion/alice.json"),
    )
    .unwrap();
    let o = verifier(&["replay", tmp.path().to_str().unwrap()], params.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("FAIL demo") && out.contains("FAIL one-unit-short"),
        "{out}"
    );
    assert!(out.contains("ok   zero-positions"), "{out}");
    assert!(out.contains("alice.json"), "{out}");
    assert!(out.contains("2 agree, 2 disagree"), "{out}");
}

#[test]
fn chain_is_checked_and_breaks_are_named() {
    let params = tempfile::tempdir().unwrap();
    let chain = Path::new(FIXTURES).join("chain");
    let o = verifier(&["chain", chain.to_str().unwrap()], params.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("CHAIN OK: 3 proofs"), "{out}");

    let case = |keep: &[(&str, &str)]| {
        let tmp = tempfile::tempdir().unwrap();
        for (from, to) in keep {
            fs::copy(chain.join(from), tmp.path().join(to)).unwrap();
        }
        let o = verifier(&["chain", tmp.path().to_str().unwrap()], params.path());
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = case(&[("epoch-7.json", "a.json"), ("epoch-9.json", "b.json")]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("epoch 9 does not follow epoch 7") && err.contains("gap"),
        "{err}"
    );
    let (code, err) = case(&[("epoch-8.json", "a.json"), ("epoch-8.json", "b.json")]);
    assert_eq!(code, Some(1));
    assert!(err.contains("fork: two proofs of epoch 8"), "{err}");
    // A later part of a chain stands on its own: its first proof names history not present.
    let (code, _) = case(&[("epoch-8.json", "a.json"), ("epoch-9.json", "b.json")]);
    assert_eq!(code, Some(0));
    // Another protocol's proof in the folder.
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(chain.join("epoch-7.json"), tmp.path().join("a.json")).unwrap();
    fs::copy(
        Path::new(FIXTURES).join("mixed-book/proof.json"),
        tmp.path().join("b.json"),
    )
    .unwrap();
    let o = verifier(&["chain", tmp.path().to_str().unwrap()], params.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("mixed-vault"));

    // Other files beside the proofs are skipped and named; the steps say the time between
    // epochs and any epoch numbers skipped.
    let tmp = tempfile::tempdir().unwrap();
    for e in ["7", "8", "9"] {
        let from = chain.join(format!("epoch-{e}.json"));
        fs::copy(from, tmp.path().join(format!("epoch-{e}.json"))).unwrap();
    }
    let alice = Path::new(FIXTURES).join("demo/inclusion/alice.json");
    fs::copy(alice, tmp.path().join("alice.json")).unwrap();
    let o = verifier(&["chain", tmp.path().to_str().unwrap()], params.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("skipped") && out.contains("solvency-inclusion/1 file, not a proof"),
        "{out}"
    );
    assert!(out.contains("1day after it"), "{out}");
}

/// A chain whose snapshot time goes backwards is refused, in `chain` and in `prove
/// --previous` (prover/tests/cli.rs).
#[test]
fn a_chain_whose_time_goes_backwards_is_refused() {
    let steps = |t: [u64; 2]| {
        let make = |epoch: u64, timestamp: u64, previous: Option<[u8; 32]>| {
            let mut v = solvency_verifier::verify(include_bytes!("../../fixtures/demo/proof.json"))
                .unwrap();
            v.statement.public.epoch = epoch;
            v.statement.public.timestamp = timestamp;
            v.statement.previous = previous;
            v.digest = [epoch as u8; 32];
            v
        };
        let first = make(1, t[0], None);
        let second = make(2, t[1], Some(first.digest));
        solvency_verifier::chain::check(vec![first, second])
    };
    assert!(steps([1_764_000_000, 1_764_003_600]).is_ok());
    let e = steps([1_764_003_600, 1_764_000_000]).unwrap_err();
    assert!(e.to_string().contains("time must move forward"), "{e}");
    assert!(steps([1_764_000_000, 1_764_000_000]).is_err());
}

#[test]
fn reserve_openings_open_only_their_commitment() {
    let params = tempfile::tempdir().unwrap();
    let open = |opening: &Path| {
        verifier(
            &[
                "open-reserves",
                DEMO_PROOF,
                "--opening",
                opening.to_str().unwrap(),
            ],
            params.path(),
        )
    };
    let opening = Path::new(FIXTURES).join("demo/reserve-opening.json");
    let o = open(&opening);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("ETH        1250.5") && out.contains("USDC       3000000"),
        "{out}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(&opening).unwrap();
    for (i, (edited, code)) in [
        (text.replace("1250.5", "1250.6"), 1),
        (text.replacen("\"blinding\": \"", "\"blinding\": \"0", 1), 2),
        (text.replace("\"epoch\": 7", "\"epoch\": 8"), 1),
        ("not json".to_owned(), 2),
    ]
    .into_iter()
    .enumerate()
    {
        let path = tmp.path().join(format!("o{i}.json"));
        fs::write(&path, edited).unwrap();
        let o = open(&path);
        assert_eq!(
            o.status.code(),
            Some(code),
            "case {i}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let other = Path::new(FIXTURES).join("mixed-book/reserve-opening.json");
    let o = open(&other);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn the_site_is_written_whole_or_not_at_all() {
    let tmp = tempfile::tempdir().unwrap();
    let module = tmp.path().join("module.wasm");
    // A module header is all `web` checks; the browser test runs the real module.
    fs::write(&module, b"\0asm\x01\0\0\0").unwrap();
    let module = module.to_str().unwrap();
    let site = tmp.path().join("site");
    let site_arg = site.to_str().unwrap();

    let o = verifier(&["web", "--out", site_arg, "--module", module], tmp.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for file in [
        "index.html",
        "app.js",
        "worker.js",
        "verifier.js",
        "solvency_verifier.wasm",
    ] {
        assert!(site.join(file).is_file(), "{file} missing");
    }
    assert_eq!(
        fs::read_dir(site.join("keys")).unwrap().count(),
        solvency_circuits::keys::KeyShape::pinned().len()
    );
    for k in 9..=15 {
        let params = fs::read(site.join(format!("params/params-k{k}.bin"))).unwrap();
        assert_eq!(params.len(), solvency_circuits::keys::params_len(k));
    }

    // Refused, exit 2, nothing written: a folder that is not empty, a module that is missing
    // or is not WebAssembly.
    let refused = |args: &[&str], needle: &str| {
        let o = verifier(args, tmp.path());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{needle:?} missing from {err}");
    };
    refused(
        &["web", "--out", site_arg, "--module", module],
        "exists and is not empty",
    );
    let other = tmp.path().join("other");
    let other_arg = other.to_str().unwrap();
    refused(
        &["web", "--out", other_arg, "--module", "/nonexistent.wasm"],
        "build it with scripts/build-web.sh",
    );
    // Without --module, from any folder (an installed binary): the module built in the
    // source tree, which scripts/test.sh builds before the tests.
    let o = Command::new(env!("CARGO_BIN_EXE_solvency-verifier"))
        .args(["web", "--out", other_arg])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    fs::remove_dir_all(&other).unwrap();
    refused(
        &["web", "--out", other_arg, "--module", DEMO_PROOF],
        "not WebAssembly",
    );
    assert!(!other.exists());
    let leftovers = fs::read_dir(tmp.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".site-")
        })
        .count();
    assert_eq!(leftovers, 0, "a temporary folder was left behind");
}

/// Milliseconds where seconds belong are refused with words, and nothing panics (they used to
/// print as a year past 9999, exit 101): in a proof's statement, and in an inclusion file.
#[test]
fn milliseconds_are_named_and_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let mut v: Value = serde_json::from_str(&fs::read_to_string(DEMO_PROOF).unwrap()).unwrap();
    v["statement"]["public"]["timestamp"] = json!(1_764_000_000_000u64);
    let path = tmp.path().join("ms.json");
    fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let o = verifier(&["verify", path.to_str().unwrap()], tmp.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("it looks like milliseconds"), "{err}");
    let alice = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/demo/inclusion/alice.json"
    );
    let mut inc: Value = serde_json::from_str(&fs::read_to_string(alice).unwrap()).unwrap();
    inc["positions"][0]["expiry"] = json!(u64::MAX);
    let path = tmp.path().join("inc.json");
    fs::write(&path, serde_json::to_vec_pretty(&inc).unwrap()).unwrap();
    let o = verifier(
        &["verify", DEMO_PROOF, "--inclusion", path.to_str().unwrap()],
        tmp.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(
        out.contains("NOT FOUND") && out.contains("(unix seconds)"),
        "{out}"
    );
}

/// `audit`: the demo's proof against its snapshot and opening agrees; against a snapshot with
/// one position changed, R_L differs; with another reserve, the balances and C_R differ; with
/// another price, the public data differ — each named, exit 1.
#[test]
fn audit_recomputes_the_commitments_and_names_what_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = Path::new(FIXTURES).join("demo");
    let (snapshot, opening) = (
        demo.join("snapshot.json"),
        demo.join("reserve-opening.json"),
    );
    let run = |snap: &Path| {
        let args = [
            "audit",
            DEMO_PROOF,
            "--snapshot",
            snap.to_str().unwrap(),
            "--opening",
            opening.to_str().unwrap(),
            "--json",
        ];
        let o = verifier(&args, tmp.path());
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        (o.status.code(), v)
    };
    let (code, v) = run(&snapshot);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["agrees"].as_array().unwrap().len(), 4, "{v}");
    let original: Value = serde_json::from_slice(&fs::read(&snapshot).unwrap()).unwrap();
    type Edit = fn(&mut Value);
    let cases: [(Edit, &str); 3] = [
        (
            |v| v["positions"][0]["size"] = json!("2.6"),
            "R_L recomputed",
        ),
        (
            |v| v["reserves"][0]["amount"] = json!("1250.4"),
            "ETH: committed 1250.5, snapshot 1250.4",
        ),
        (
            |v| v["assets"][0]["price"] = json!("3150.26"),
            "assets and prices",
        ),
    ];
    for (i, (edit, needle)) in cases.iter().enumerate() {
        let mut snap = original.clone();
        edit(&mut snap);
        let path = tmp.path().join(format!("snap{i}.json"));
        fs::write(&path, snap.to_string()).unwrap();
        let (code, v) = run(&path);
        assert_eq!(code, Some(1), "case {i}: {v}");
        let differs = v["differs"].to_string();
        assert!(
            differs.contains(needle),
            "case {i}: {needle:?} not in {differs}"
        );
    }
}
