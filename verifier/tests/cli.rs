//! The `solvency-verifier` binary on the committed demo proof: verdicts and exit codes.

use std::{fs, path::Path, process::Command};

use serde_json::Value;

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
    // The parameters were cached on first use and are reused.
    assert!(fs::read_dir(tmp.path()).unwrap().count() == 1);
    let o = verifier(&["verify", "--json", DEMO_PROOF], tmp.path());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], Value::Bool(true));
    assert_eq!(v["statement"]["public"]["protocol"], "demo-options");
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
        (bytes.replacen("solvency-proof/1", "solvency-proof/2", 1), 2),
        ("{}".to_owned(), 2),
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
        out.contains("INCLUDED: all 1 position(s) of account \"alice\""),
        "{out}"
    );
    assert!(out.contains("call ETH strike 3500 USD, size 2.5"), "{out}");

    let text = fs::read_to_string(alice).unwrap();
    for (i, (edited, code)) in [
        (text.replacen("\"size\": \"2.5\"", "\"size\": \"25\"", 1), 1),
        (text.replacen("\"epoch\": 7", "\"epoch\": 6", 1), 1),
        (text[..text.len() / 2].to_owned(), 2),
    ]
    .into_iter()
    .enumerate()
    {
        assert_ne!(edited, text);
        let path = tmp.path().join(format!("inc{i}.json"));
        fs::write(&path, edited).unwrap();
        let o = verifier(
            &["verify", DEMO_PROOF, "--inclusion", path.to_str().unwrap()],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(code), "case {i}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("inc"),
            "the file is named"
        );
    }
}
