//! Inclusion files: every account's file verifies, every tamper is refused, and a file only
//! verifies against the proof it was written with.

use std::fs;

use serde_json::{json, Value};
use solvency_circuits::keys::Srs;
use solvency_circuits::{commit, snapshot::Book};
use solvency_prover::{prove_book, write_outputs, Proved, DEMO_SNAPSHOT};
use solvency_verifier::{
    inclusion::{file_name, InclusionError},
    verify_inclusion, verify_with_params, VerifyError,
};

/// The demo book with hostile and look-alike account ids, and two accounts holding the
/// very same series.
fn book(epoch: u64) -> Book {
    let mut v: Value = serde_json::from_str(DEMO_SNAPSHOT).unwrap();
    v["epoch"] = json!(epoch);
    let series = |account: &str| {
        json!({"account": account, "underlying": "ETH", "kind": "put", "strike": "2000",
               "size": "1.5", "expiry": 1767000000u64})
    };
    let positions = v["positions"].as_array_mut().unwrap();
    positions.push(series("bob"));
    positions.push(series("carol"));
    positions.push(series("../../x"));
    positions.push(series("Alice"));
    positions.push(
        json!({"account": "alice", "underlying": "USDC", "kind": "call",
                          "strike": "0.5", "size": "100", "expiry": 1768000000u64}),
    );
    Book::from_json(v.to_string().as_bytes()).unwrap()
}

fn prove(book: &Book, seed: u8) -> (Proved, Srs) {
    let mut params = None;
    let proved = prove_book(
        book,
        [seed; 32],
        None,
        |k| {
            params
                .insert(solvency_verifier::pinned::srs_or_new(k))
                .clone()
        },
        |_| (),
    )
    .unwrap();
    (proved, params.unwrap())
}

#[test]
fn every_account_file_verifies_and_stays_inside_the_directory() {
    let b = book(7);
    let (proved, params) = prove(&b, 1);
    let tmp = tempfile::tempdir().unwrap();
    write_outputs(tmp.path(), &proved).unwrap();
    let proof = fs::read(tmp.path().join("proof.json")).unwrap();
    let verified = verify_with_params(&params, &proof).unwrap();

    let mut names: Vec<String> = fs::read_dir(tmp.path().join("inclusion"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
    // The operator's index: every account id to its file, so hashed names can be matched.
    let index: Value =
        serde_json::from_slice(&fs::read(tmp.path().join("inclusion/index.json")).unwrap())
            .unwrap();
    assert_eq!(index["format"], "solvency-inclusion-index/1");
    assert_eq!(index["epoch"], 7);
    assert_eq!(index["files"].as_object().unwrap().len(), 5);
    assert_eq!(index["files"]["../../x"], json!(file_name("../../x")));
    // Each file holds its account's secret salt: the owner's only, in a folder of the owner's.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&tmp.path().join("inclusion")), 0o700);
        for name in &names {
            assert_eq!(
                mode(&tmp.path().join("inclusion").join(name)),
                0o600,
                "{name}"
            );
        }
    }
    for account in ["alice", "Alice", "bob", "carol", "../../x"] {
        let bytes = fs::read(tmp.path().join("inclusion").join(file_name(account))).unwrap();
        let positions = verified.check_inclusion(&bytes).unwrap();
        let expected: Vec<_> = b
            .positions
            .iter()
            .filter(|p| p.account == account)
            .cloned()
            .collect();
        assert_eq!(positions, expected, "{account}");
    }
    assert!(
        !tmp.path().join("x.json").exists()
            && !tmp.path().parent().unwrap().join("x.json").exists()
    );

    // The pure wallet API agrees.
    let alice = fs::read(tmp.path().join("inclusion/alice.json")).unwrap();
    let (_, positions) = verify_inclusion(&proof, &alice).unwrap();
    assert_eq!(positions.len(), 2);
}

#[test]
fn two_accounts_on_the_same_series_are_distinct_leaves() {
    let b = book(7);
    let (proved, params) = prove(&b, 1);
    let verified = verify_with_params(&params, &proved.file.to_bytes()).unwrap();
    let leaf_of = |account: &str| {
        let f = proved
            .inclusions
            .iter()
            .find(|f| f.account == account)
            .unwrap();
        let bytes = serde_json::to_vec(f).unwrap();
        let position = verified.check_inclusion(&bytes).unwrap().remove(0);
        let leaf = commit::leaf(
            commit::account_commitment(account, f.salt),
            commit::pack(&position),
        );
        (f.positions[0].index, leaf, position)
    };
    let (bob_slot, bob_leaf, bob_pos) = leaf_of("bob");
    let (carol_slot, carol_leaf, carol_pos) = leaf_of("carol");
    assert_eq!(
        commit::pack(&bob_pos),
        commit::pack(&carol_pos),
        "same series"
    );
    assert_ne!(bob_slot, carol_slot);
    assert_ne!(bob_leaf, carol_leaf);
}

#[test]
fn every_tamper_is_refused() {
    let b = book(7);
    let (proved, params) = prove(&b, 1);
    let verified = verify_with_params(&params, &proved.file.to_bytes()).unwrap();
    let alice = proved
        .inclusions
        .iter()
        .find(|f| f.account == "alice")
        .unwrap();
    let honest = serde_json::to_value(alice).unwrap();
    assert!(verified
        .check_inclusion(&serde_json::to_vec(&honest).unwrap())
        .is_ok());

    type Edit = fn(&mut Value);
    let edits: [(&str, Edit); 16] = [
        ("size", |v| v["positions"][0]["size"] = json!("2.6")),
        ("size ×10", |v| v["positions"][0]["size"] = json!("25")),
        ("strike", |v| v["positions"][0]["strike"] = json!("3499.99")),
        ("kind", |v| v["positions"][0]["kind"] = json!("put")),
        ("expiry", |v| {
            v["positions"][0]["expiry"] = json!(1767000001u64)
        }),
        ("underlying", |v| {
            v["positions"][0]["underlying"] = json!("USDC")
        }),
        ("account", |v| v["account"] = json!("alicf")),
        ("salt", |v| {
            v["salt"] = json!(format!("01{}", "00".repeat(31)))
        }),
        ("path node", |v| {
            v["positions"][0]["path"][0] = json!("00".repeat(32))
        }),
        ("path shortened", |v| {
            v["positions"][0]["path"].as_array_mut().unwrap().pop();
        }),
        ("index", |v| {
            let i = v["positions"][0]["index"].as_u64().unwrap();
            v["positions"][0]["index"] = json!(i ^ 1)
        }),
        ("index out of range", |v| {
            v["positions"][0]["index"] = json!(1u64 << 40)
        }),
        ("epoch", |v| v["epoch"] = json!(8)),
        ("protocol", |v| v["protocol"] = json!("other")),
        ("root", |v| v["liabilities_root"] = json!("00".repeat(32))),
        ("one position claimed twice", |v| {
            let first = v["positions"][0].clone();
            v["positions"].as_array_mut().unwrap().push(first)
        }),
    ];
    for (what, edit) in edits {
        let mut v = honest.clone();
        edit(&mut v);
        assert_ne!(v, honest, "{what}: the edit changed nothing");
        let result = verified.check_inclusion(&serde_json::to_vec(&v).unwrap());
        assert!(result.is_err(), "{what} accepted");
    }
    // Dropping a position is the holder's own business (they know what they hold, and the
    // verifier lists what it checked), but a malformed file is bad input, and so is a file
    // that names no position at all: it would show nothing and the prover never writes one.
    assert!(matches!(
        verified.check_inclusion(b"{not json"),
        Err(InclusionError::Malformed(_))
    ));
    let mut empty = honest.clone();
    empty["positions"] = json!([]);
    assert!(matches!(
        verified.check_inclusion(&serde_json::to_vec(&empty).unwrap()),
        Err(InclusionError::Malformed(why)) if why.contains("no position")
    ));
}

#[test]
fn a_file_only_verifies_against_its_own_proof() {
    let (this_epoch, params) = prove(&book(7), 1);
    let (next_epoch, _) = prove(&book(8), 1);
    let (same_epoch_other_seed, _) = prove(&book(7), 2);
    let alice = |p: &Proved| {
        serde_json::to_vec(p.inclusions.iter().find(|f| f.account == "alice").unwrap()).unwrap()
    };
    let check = |proof: &Proved, file: &[u8]| {
        verify_with_params(&params, &proof.file.to_bytes())
            .unwrap()
            .check_inclusion(file)
    };
    assert!(check(&this_epoch, &alice(&this_epoch)).is_ok());
    assert!(matches!(
        check(&next_epoch, &alice(&this_epoch)),
        Err(InclusionError::OtherProof {
            epoch: 7,
            proof_epoch: 8,
            ..
        })
    ));
    assert!(matches!(
        check(&same_epoch_other_seed, &alice(&this_epoch)),
        Err(InclusionError::NotIncluded(..))
    ));
    // Through the library's error type, an inclusion failure is "invalid" (exit 1).
    let e = VerifyError::from(check(&next_epoch, &alice(&this_epoch)).unwrap_err());
    assert_eq!(e.exit_code(), 1);
}

#[test]
fn a_failed_inclusion_write_leaves_nothing_behind() {
    let (mut proved, _) = prove(&book(7), 1);
    // Two files of one name: whichever writer comes second cannot create its file.
    let twin = proved.inclusions[0].clone();
    proved.inclusions.push(twin);
    let tmp = tempfile::tempdir().unwrap();
    let e = write_outputs(tmp.path(), &proved).unwrap_err();
    assert!(
        e.to_string()
            .contains(&file_name(&proved.inclusions[0].account)),
        "{e}"
    );
    let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_zero_size_position_is_never_shown_as_included() {
    // A dishonest prover skips the snapshot's checks and puts mallory's position in the tree
    // with size 0: the circuit counts it for nothing, and the proof is valid.
    let mut b = book(7);
    let at = b.positions.iter().position(|p| p.account == "bob").unwrap();
    b.positions[at].account = "mallory".into();
    b.positions[at].size = 0;
    let (proved, params) = prove(&b, 1);
    let verified = verify_with_params(&params, &proved.file.to_bytes()).unwrap();
    let mallory = proved
        .inclusions
        .iter()
        .find(|f| f.account == "mallory")
        .unwrap();
    let err = verified
        .check_inclusion(&serde_json::to_vec(mallory).unwrap())
        .unwrap_err();
    assert!(
        matches!(&err, InclusionError::NotIncluded(0, why) if why.contains("size is 0")),
        "{err}"
    );
    assert_eq!(VerifyError::from(err).exit_code(), 1);
}
