//! A book over 1,024 positions becomes a proof set: shards plus a top proof, verified as a
//! whole, with inclusion paths across both levels.

use serde_json::Value;
use solvency_circuits::snapshot::Book;
use solvency_prover::prove_book;
use solvency_verifier::{verify_with, Proof, VerifyError};

#[test]
fn a_large_book_is_proven_as_a_set_and_checked_as_a_whole() {
    let snapshot = include_bytes!("../../fixtures/sharded-book/snapshot.json");
    let book = Book::from_json(snapshot).unwrap();
    assert!(book.positions.len() > 1024);
    let mut cache = std::collections::HashMap::new();
    let proved = prove_book(
        &book,
        [5; 32],
        None,
        |k| {
            cache
                .entry(k)
                .or_insert_with(|| solvency_verifier::pinned::srs_or_new(k))
                .clone()
        },
        |_| (),
    )
    .unwrap();
    let Proof::Set(set) = &proved.file else {
        panic!("expected a proof set")
    };
    // 1,100 positions: three shards of 512 slots, proven two and one to a proof.
    assert_eq!(
        (set.shards.sub_roots.len(), set.shards.proofs.len()),
        (3, 2)
    );
    assert_eq!(set.shards.circuit.shape.depth, 9);
    let bytes = proved.file.to_bytes();
    let params = |k| {
        Ok(cache
            .get(&k)
            .cloned()
            .unwrap_or_else(|| solvency_verifier::pinned::srs_or_new(k)))
    };
    let verified = verify_with(&params, &bytes).unwrap();
    assert_eq!((verified.shards, verified.depth), (3, 11));

    // Every account's positions are in the set's tree, across shard and top levels.
    for inclusion in proved.inclusions.iter().take(20) {
        let positions = verified
            .check_inclusion(&serde_json::to_vec(inclusion).unwrap())
            .unwrap();
        assert_eq!(positions.len(), inclusion.positions.len());
    }

    // Swapping the shards' links, or dropping a shard, is refused.
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let mut swapped = doc.clone();
    swapped["shards"]["sums"].as_array_mut().unwrap().swap(0, 1);
    let mut dropped = doc.clone();
    for key in ["sub_roots", "sums", "proofs"] {
        dropped["shards"][key].as_array_mut().unwrap().pop();
    }
    // A top over a deeper tree of shards (more empty shard slots) is another circuit.
    let mut deeper_top = doc.clone();
    deeper_top["top"]["shape"]["depth"] = 3.into();
    // Empty subtrees of another height would mean another tree: refused before any key.
    let mut deeper = doc.clone();
    deeper["top"]["shape"]["shard_depth"] = 10.into();
    let bytes = serde_json::to_vec_pretty(&deeper).unwrap();
    let Err(VerifyError::Invalid(why)) = verify_with(&params, &bytes) else {
        panic!("a top over shards of another depth verified")
    };
    assert!(why.contains("shard_depth: 10"), "{why}");
    // The pair's proof labelled as a set of one proof per shard: too few proofs.
    let mut relabelled = doc.clone();
    relabelled["format"] = "solvency-proof-set/3".into();
    for bad in [swapped, dropped, deeper_top, relabelled] {
        let bytes = serde_json::to_vec_pretty(&bad).unwrap();
        assert!(matches!(
            verify_with(&params, &bytes),
            Err(VerifyError::Invalid(_))
        ));
    }
}

#[test]
fn sets_of_shards_of_1024_slots_still_verify() {
    // The sharded-book fixture as it was before books of up to 16,384 positions got shards
    // of 512 slots: two shards of 1,024 in one proof, under the same pinned keys.
    let earlier = include_bytes!("../../verifier/tests/data/sharded-book-d10.json");
    let verified = solvency_verifier::verify(earlier).unwrap();
    assert_eq!((verified.shards, verified.depth), (2, 11));
    // Its shards relabelled as 512-slot ones: another key, refused.
    let mut doc: Value = serde_json::from_slice(earlier).unwrap();
    doc["shards"]["circuit"]["shape"]["depth"] = 9.into();
    doc["shards"]["circuit"]["k"] = 14.into();
    doc["top"]["shape"]["shard_depth"] = 9.into();
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    assert!(matches!(
        solvency_verifier::verify(&bytes),
        Err(VerifyError::Invalid(_))
    ));
}

#[test]
fn sets_proven_one_proof_per_shard_still_verify() {
    // A `solvency-proof-set/3` file, written before shards were proven in pairs (the
    // sharded-book fixture as it was): the same keys, a proof per shard.
    let legacy = include_bytes!("../../verifier/tests/data/sharded-book-set3.json");
    let verified = solvency_verifier::verify(legacy).unwrap();
    assert_eq!(verified.shards, 2);
    // Its two proofs read as proofs of pairs (the current tag): refused.
    let mut doc: Value = serde_json::from_slice(legacy).unwrap();
    doc["format"] = "solvency-proof-set/4".into();
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    assert!(matches!(
        solvency_verifier::verify(&bytes),
        Err(VerifyError::Invalid(_))
    ));
}

#[test]
fn sets_whose_top_is_bound_to_the_statement_only_still_verify() {
    // A `solvency-proof-set/4` file (the sharded-book fixture before the top proof bound the
    // shard depth): its top proof is checked against the statement digest alone.
    let earlier = include_bytes!("../../verifier/tests/data/sharded-book-set4.json");
    let verified = solvency_verifier::verify(earlier).unwrap();
    assert_eq!((verified.shards, verified.depth), (3, 11));
    // Relabelled as a `/5` file, its top proof is read as bound to the shard depth: refused.
    let mut doc: Value = serde_json::from_slice(earlier).unwrap();
    doc["format"] = "solvency-proof-set/5".into();
    let bytes = serde_json::to_vec_pretty(&doc).unwrap();
    let Err(VerifyError::Invalid(why)) = solvency_verifier::verify(&bytes) else {
        panic!("a /4 top proof verified as a /5 one")
    };
    assert!(why.contains("the top proof does not verify"), "{why}");
}
