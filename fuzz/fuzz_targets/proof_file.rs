//! `solvency-proof/2` and `solvency-proof-set/5` (and `/4`, `/3`) files: `Proof::parse` (the file decoder) and
//! `solvency_verifier::parse` (decoder plus the shape and `k` checks `verify` starts with),
//! then everything `verify` derives natively from a parsed file before halo2 runs: the
//! instance (statement digest, scale factors, shocked prices), a set's top instance, `ks`,
//! the digest, and the canonical bytes (which must parse back to the same file).

#![no_main]

use libfuzzer_sys::fuzz_target;
use solvency_verifier::{file::Proof, ks};

fuzz_target!(|data: &[u8]| {
    let decoded = Proof::parse(data);
    let Ok(proof) = solvency_verifier::parse(data) else {
        return;
    };
    assert_eq!(decoded.as_ref(), Ok(&proof));

    let statement = proof.statement();
    let _ = statement.instance();
    if let Proof::Set(f) = &proof {
        let _ = f.top.shape.instance(statement, &f.shards.links());
    }
    let _ = ks(&proof);
    let _ = proof.digest();

    let bytes = proof.to_bytes();
    let again = Proof::parse(&bytes).expect("a parsed proof file's bytes parse back");
    assert_eq!(
        again, proof,
        "to_bytes does not parse back to the same file"
    );
});
