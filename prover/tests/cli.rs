//! The `solvency-prover` binary end to end: exit codes, messages, and files on disk.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use serde_json::{json, Value};
use solvency_prover::DEMO_SNAPSHOT;

fn prover(args: &[&str], params: &Path) -> std::process::Output {
    prover_env(
        args,
        params,
        ("SOLVENCY_PARAMS_DIR", params.to_str().unwrap()),
    )
}

/// [`prover`] with one more environment variable (and no seed from the caller's own).
fn prover_env(args: &[&str], params: &Path, (key, value): (&str, &str)) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_solvency-prover"))
        .args(args)
        .env_remove("SOLVENCY_SEED")
        .env("SOLVENCY_PARAMS_DIR", params)
        .env(key, value)
        .output()
        .expect("runs")
}

/// Writes `snap` as `DIR/NAME.json` and proves it into `DIR/NAME-out`; returns the run and
/// the output folder.
fn prove_snapshot(snap: &Value, dir: &Path, name: &str) -> (std::process::Output, PathBuf) {
    let path = dir.join(format!("{name}.json"));
    fs::write(&path, snap.to_string()).unwrap();
    let out = dir.join(format!("{name}-out"));
    let o = prover(
        &[
            "prove",
            "--snapshot",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir,
    );
    (o, out)
}

/// A seed file only its owner can read, as `shard` and `aggregate` require.
fn seed_file(dir: &Path, seed: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(format!("seed-{}", &seed[..4]));
    fs::write(&path, seed).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Runs `solvency-prover shard` for shards `index..index + count` of `snapshot` into `out`.
fn shard(snapshot: &str, seed: &str, index: &str, count: &str, out: &Path) -> std::process::Output {
    let seed = seed_file(out.parent().unwrap(), seed);
    let args = [
        "shard",
        "--snapshot",
        snapshot,
        "--seed-file",
        seed.to_str().unwrap(),
        "--index",
        index,
        "--count",
        count,
        "--out",
        out.to_str().unwrap(),
    ];
    prover(&args, out.parent().unwrap())
}

fn files_in(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn proves_the_bundled_demo_and_the_proof_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = prover(
        &["prove", "--out", out.to_str().unwrap(), "--json"],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["proved"], json!(true));
    assert_eq!(summary["protocol"], json!("demo-options"));
    let bytes = fs::read(out.join("proof.json")).unwrap();
    let verified = solvency_verifier::verify(&bytes).expect("verifies");
    assert_eq!(verified.statement.public.epoch, 7);
    let opening: Value =
        serde_json::from_slice(&fs::read(out.join("reserve-opening.json")).unwrap()).unwrap();
    assert_eq!(
        opening["balances"][0],
        json!({"asset": "ETH", "amount": "1250.5"})
    );
    let mut names = files_in(&out);
    names.sort();
    assert_eq!(names, ["inclusion", "proof.json", "reserve-opening.json"]);
    assert!(out.join("inclusion/alice.json").exists());
}

/// An 18-decimal token as its chain holds it — 465 ETH of reserves and a size in base units —
/// proven at 9 decimals of precision: the statement names the precision, the reserve opening
/// holds the reserve rounded down and the holder's inclusion file the size rounded up.
#[test]
fn on_chain_amounts_prove_at_their_declared_precision() {
    let tmp = tempfile::tempdir().unwrap();
    let mut snap: Value = serde_json::from_str(DEMO_SNAPSHOT).unwrap();
    snap["assets"][0]["decimals"] = json!(18);
    snap["assets"][0]["precision"] = json!(9);
    snap["reserves"][0] = json!({"asset": "ETH", "base_units": "465123456789987654321"});
    let position = snap["positions"][0].as_object_mut().unwrap();
    position.remove("size");
    position.insert("size_base_units".into(), json!("2500000000000000001"));
    let (o, out) = prove_snapshot(&snap, tmp.path(), "eth18");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = fs::read(out.join("proof.json")).unwrap();
    let verified = solvency_verifier::verify(&bytes).expect("verifies");
    let eth = &verified.statement.public.assets[0];
    assert_eq!((eth.decimals, eth.precision), (18, 9));
    let opening: Value =
        serde_json::from_slice(&fs::read(out.join("reserve-opening.json")).unwrap()).unwrap();
    assert_eq!(
        opening["balances"][0],
        json!({"asset": "ETH", "amount": "465.123456789"})
    );
    let inclusion: Value =
        serde_json::from_slice(&fs::read(out.join("inclusion/alice.json")).unwrap()).unwrap();
    assert_eq!(inclusion["positions"][0]["size"], json!("2.500000001"));
}

#[test]
fn insolvent_book_exits_1_naming_each_failing_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let mut snap: Value = serde_json::from_str(DEMO_SNAPSHOT).unwrap();
    // A large call struck at 3000: short at base and eth+30, covered at eth-30.
    snap["positions"][0]["strike"] = json!("3000");
    snap["positions"][0]["size"] = json!("50000");
    let (o, out) = prove_snapshot(&snap, tmp.path(), "short");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("insolvent: 2 of 3"), "{err}");
    assert!(
        err.contains("eth+30: short by") && err.contains("base: short by"),
        "{err}"
    );
    assert!(!err.contains("eth-30: short"), "{err}");
    assert!(files_in(&out).is_empty(), "nothing may be written");
}

#[test]
fn each_bad_snapshot_class_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let demo: Value = serde_json::from_str(DEMO_SNAPSHOT).unwrap();
    type Edit = fn(&mut Value);
    let cases: [(Edit, &str); 16] = [
        // 465 ETH of 18 decimals at full precision: what to declare is in the message.
        (
            |v| {
                v["assets"][0]["decimals"] = json!(18);
                v["reserves"][0]["amount"] = json!("465");
            },
            "reserves.ETH: 465 ETH is more than 2^64 − 1 units of 10^-18 ETH, the most a proof holds; declare \"precision\": 16 (or less) in the assets entry of ETH",
        ),
        // Milliseconds where seconds belong (JavaScript's Date.now()): named as such.
        (
            |v| v["timestamp"] = json!(1_764_000_000_000u64),
            "timestamp: 1764000000000 is not a time in unix seconds up to 4102444800 (2100-01-01): it looks like milliseconds",
        ),
        (
            |v| v["assets"][0]["price_timestamp"] = json!(1_763_999_990_000u64),
            "assets[ETH].price_timestamp: 1763999990000 is not a time in unix seconds",
        ),
        (
            |v| v["positions"][0]["expiry"] = json!(1_767_000_000_000u64),
            "positions[0].expiry: 1767000000000 is not a time in unix seconds",
        ),
        (|v| *v = json!("not a snapshot"), "not valid"),
        (|v| v["format"] = json!("solvency-snapshot/9"), "format"),
        (
            |v| v["assets"][0]["price"] = json!("1e3"),
            "assets[0].price",
        ),
        (
            |v| v["reserves"][0]["amount"] = json!("1.1234567"),
            "reserves[0].amount",
        ),
        (
            |v| v["positions"][0]["underlying"] = json!("BTC"),
            "positions[0].underlying",
        ),
        (
            |v| v["positions"][0]["kind"] = json!("swap"),
            "positions[0].kind",
        ),
        (
            |v| v["positions"][0]["size"] = json!("0"),
            "positions[0].size",
        ),
        (
            |v| v["policy"]["haircuts_bps"]["ETH"] = json!(10001),
            "haircuts_bps.ETH",
        ),
        (
            |v| v["policy"]["collateral_ratio_bps"] = json!(5000),
            "collateral_ratio_bps",
        ),
        (|v| v["policy"]["scenarios"] = json!([]), "policy.scenarios"),
        (|v| v["assets"][1]["price_timestamp"] = json!(1), "stale"),
        (
            |v| v["assets"][1]["symbol"] = json!("ETH"),
            "declared twice",
        ),
    ];
    for (i, (edit, needle)) in cases.iter().enumerate() {
        let mut snap = demo.clone();
        edit(&mut snap);
        let (o, out) = prove_snapshot(&snap, tmp.path(), &format!("bad{i}"));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i}: {err}");
        assert!(err.contains(needle), "case {i}: {needle:?} not in {err}");
        assert!(files_in(&out).is_empty(), "case {i} wrote files");
        // `plan` and `shard` stream the snapshot instead of holding it, and refuse it alike.
        let path = tmp.path().join(format!("bad{i}.json"));
        let path = path.to_str().unwrap();
        let seed = "11".repeat(32);
        let shards = tmp.path().join(format!("bad{i}-shards"));
        let runs = [
            ("plan", prover(&["plan", "--snapshot", path], tmp.path())),
            ("shard", shard(path, &seed, "0", "1", &shards)),
        ];
        for (command, o) in runs {
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "case {i}, {command}: {err}");
            assert!(
                err.contains(needle),
                "case {i}, {command}: {needle:?} not in {err}"
            );
        }
        assert!(!shards.exists(), "case {i}: shard wrote files");
    }
    // Unreadable path, bad seed, and usage errors are bad input too.
    for args in [
        vec![
            "prove",
            "--snapshot",
            "/nonexistent/snap.json",
            "--out",
            "x",
        ],
        vec!["prove", "--out", "x", "--seed", "zz"],
        vec!["prove"],
        vec!["frobnicate"],
    ] {
        let o = prover(&args, tmp.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

/// `prove --out` never overwrites an earlier epoch's files (its reserve opening is the only
/// copy of its seed and blinding) unless `--force`, and finds an unwritable folder before it
/// proves; without `--snapshot` it says, in one line, that it proves the demo.
#[test]
fn prove_keeps_earlier_files_and_checks_its_folder_first() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("epoch");
    let out_arg = out.to_str().unwrap();
    let o = prover(&["prove", "--out", out_arg], tmp.path());
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no --snapshot given: using the bundled demo snapshot"),
        "{err}"
    );
    let opening = fs::read(out.join("reserve-opening.json")).unwrap();
    let o = prover(&["prove", "--out", out_arg], tmp.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(fs::read(out.join("reserve-opening.json")).unwrap(), opening);
    let o = prover(&["prove", "--out", out_arg, "--force"], tmp.path());
    assert!(o.status.success());
    assert_ne!(fs::read(out.join("reserve-opening.json")).unwrap(), opening);

    // A folder nobody may write in is refused before the proof, not after it. (Root writes
    // anywhere: the check is then only that it does not stand in the way.)
    use std::os::unix::fs::PermissionsExt;
    let locked = tmp.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o500)).unwrap();
    let writable = fs::File::create(locked.join("probe")).is_ok();
    let _ = fs::remove_file(locked.join("probe"));
    let started = std::time::Instant::now();
    let o = prover(
        &["prove", "--out", locked.to_str().unwrap(), "--json"],
        tmp.path(),
    );
    if !writable {
        assert_eq!(o.status.code(), Some(2));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains("cannot write in this folder"),
            "{v}"
        );
        assert!(started.elapsed().as_secs() < 5, "refused before proving");
    }
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o700)).unwrap();
}

/// `--previous` is verified, not only parsed: a tampered predecessor is refused, and so is
/// one whose snapshot time is not before this one's; a gap in epoch numbers is reported.
#[test]
fn previous_epochs_are_verified_and_time_moves_forward() {
    let tmp = tempfile::tempdir().unwrap();
    let chain = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/chain");
    let epoch7 = format!("{chain}/epoch-7.json");
    let mut snap: Value = serde_json::from_str(DEMO_SNAPSHOT).unwrap();
    let mut prove_after = |previous: &str, epoch: u64, shift: i64, name: &str| {
        snap["epoch"] = json!(epoch);
        snap["timestamp"] = json!(1_764_000_000 + shift);
        for a in snap["assets"].as_array_mut().unwrap() {
            a["price_timestamp"] = json!(1_763_999_990 + shift);
        }
        let path = tmp.path().join(format!("{name}.json"));
        fs::write(&path, snap.to_string()).unwrap();
        let out = tmp.path().join(name);
        let args = [
            "prove",
            "--snapshot",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--previous",
            previous,
        ];
        let o = prover(&args, tmp.path());
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // Epoch 7 is at 1764000000: epoch 10 a day later chains, and says 2 numbers are skipped.
    let (code, err) = prove_after(&epoch7, 10, 86_400, "ok");
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("epoch 10 follows epoch 7: 2 epoch number(s) skipped"),
        "{err}"
    );
    // The same snapshot time: refused.
    let (code, err) = prove_after(&epoch7, 8, 0, "same-time");
    assert_eq!(code, Some(2));
    assert!(err.contains("time must move forward"), "{err}");
    // A predecessor with one proof digit changed: refused as invalid, not chained to.
    let mut tampered: Value = serde_json::from_slice(&fs::read(&epoch7).unwrap()).unwrap();
    let hex = tampered["proof"].as_str().unwrap().to_owned();
    let flipped = if hex.ends_with('0') { '1' } else { '0' };
    tampered["proof"] = json!(format!("{}{flipped}", &hex[..hex.len() - 1]));
    let bad = tmp.path().join("tampered.json");
    fs::write(&bad, serde_json::to_vec_pretty(&tampered).unwrap()).unwrap();
    let (code, err) = prove_after(bad.to_str().unwrap(), 8, 86_400, "after-tampered");
    assert_eq!(code, Some(2));
    assert!(err.contains("does not verify"), "{err}");
}

/// A book that one proof holds: `plan`, `shard` and `aggregate` say to use `prove` before
/// doing anything; `evaluate` names a missing snapshot; `--json`'s failing scenarios are
/// fields; a closed pipe ends quietly.
#[test]
fn the_shell_says_what_to_do_instead() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/demo/snapshot.json"
    );
    let seed = seed_file(tmp.path(), &"44".repeat(32));
    let seed = seed.to_str().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    for args in [
        vec!["plan", "--snapshot", demo],
        vec![
            "shard",
            "--snapshot",
            demo,
            "--seed-file",
            seed,
            "--index",
            "0",
            "--out",
            out,
        ],
        vec![
            "aggregate",
            "--snapshot",
            demo,
            "--seed-file",
            seed,
            "--shards",
            out,
            "--out",
            out,
        ],
    ] {
        let o = prover(&args, tmp.path());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("use `solvency-prover prove`"),
            "{args:?}: {err}"
        );
    }
    let o = prover(
        &["evaluate", "--snapshot", "/nonexistent/snap.json"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/snap.json"));

    let mut snap: Value = serde_json::from_str(DEMO_SNAPSHOT).unwrap();
    snap["positions"][0]["strike"] = json!("3000");
    snap["positions"][0]["size"] = json!("50000");
    let path = tmp.path().join("short.json");
    fs::write(&path, snap.to_string()).unwrap();
    let args = [
        "prove",
        "--snapshot",
        path.to_str().unwrap(),
        "--out",
        out,
        "--json",
    ];
    let o = prover(&args, tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let failing = &v["failing_scenarios"][0];
    assert_eq!(failing["scenario"], "base", "{v}");
    assert!(
        failing["shortfall_usd"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap()
            > 0.0
    );

    // `evaluate --json | head -c 1`: the reader goes away; the prover ends quietly.
    let mut child = Command::new(env!("CARGO_BIN_EXE_solvency-prover"))
        .args(["evaluate", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(o.status.code(), Some(101), "{err}");
}

#[test]
fn shards_proven_separately_aggregate_into_a_verified_proof_set() {
    let tmp = tempfile::tempdir().unwrap();
    let snapshot = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/sharded-book/snapshot.json"
    );
    let o = prover(&["plan", "--snapshot", snapshot], tmp.path());
    // 1,100 positions: three shards of 512 slots.
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "3");
    let seed = "11".repeat(32);
    let shards = tmp.path().join("shards");
    // Shards are proven in pairs: a task that would split a pair, or starts past the book,
    // is bad input and writes nothing.
    for (i, count) in [("0", "1"), ("1", "1"), ("1", "2"), ("3", "1")] {
        let o = shard(snapshot, &seed, i, count, &shards);
        assert_eq!(o.status.code(), Some(2), "--index {i} --count {count}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("multiple of 2"));
        assert!(files_in(&shards).is_empty());
    }
    // A count past the last shard stops there: a proof of two shards and one of the last.
    let o = shard(snapshot, &seed, "0", "5", &shards);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(files_in(&shards).len(), 2);
    // `shard` and `plan` read the snapshot twice: a pipe or a directory is refused up front.
    let dir = tmp.path().to_str().unwrap();
    for o in [
        shard(dir, &seed, "0", "1", &shards),
        prover(&["plan", "--snapshot", dir], tmp.path()),
    ] {
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("not a regular file"));
    }

    // The seed never comes from the command line of a batch job: `--seed` is no option of
    // `shard`; a seed file others can read, or no seed at all, is bad input.
    let o = prover(
        &[
            "shard",
            "--snapshot",
            snapshot,
            "--seed",
            &seed,
            "--index",
            "0",
            "--out",
            dir,
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let loose = seed_file(tmp.path(), &"33".repeat(32));
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&loose, fs::Permissions::from_mode(0o644)).unwrap();
    }
    let loose = loose.to_str().unwrap();
    for args in [
        vec![
            "shard",
            "--snapshot",
            snapshot,
            "--seed-file",
            loose,
            "--index",
            "0",
            "--out",
            dir,
        ],
        vec![
            "shard",
            "--snapshot",
            snapshot,
            "--index",
            "0",
            "--out",
            dir,
        ],
    ] {
        let o = prover(&args, tmp.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("seed"), "{err}");
        assert!(
            !err.contains(&"33".repeat(32)),
            "the secret is not echoed: {err}"
        );
    }

    // Another seed derives other commitments: its aggregate refuses these shards.
    let out = tmp.path().join("out");
    let other = seed_file(tmp.path(), &"22".repeat(32));
    let o = prover(
        &[
            "aggregate",
            "--snapshot",
            snapshot,
            "--seed-file",
            other.to_str().unwrap(),
            "--shards",
            shards.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard file 0"));
    assert!(files_in(&out).is_empty());

    // The right seed from the environment.
    let o = prover_env(
        &[
            "aggregate",
            "--snapshot",
            snapshot,
            "--shards",
            shards.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
        tmp.path(),
        ("SOLVENCY_SEED", &seed),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = fs::read(out.join("proof.json")).unwrap();
    let verified = solvency_verifier::verify(&bytes).unwrap();
    assert_eq!(verified.shards, 3);
    let alice = fs::read_dir(out.join("inclusion"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.ends_with("index.json"))
        .unwrap();
    assert!(verified.check_inclusion(&fs::read(alice).unwrap()).is_ok());
}
