//! `solvency_verifier::verify(bytes)`, the library's pure entry point with the compiled-in
//! pinned keys and IPA parameters, on mutations of real proof files (corpus seeded with the
//! small fixtures: demo, zero-positions, many-positions, sharded-book). Only "no panic" is
//! checked; an accepted file must also be reported with the digest `Proof::digest` gives.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(verified) = solvency_verifier::verify(data) {
        let proof = solvency_verifier::parse(data).expect("a verified file parses");
        assert_eq!(verified.digest, proof.digest());
    }
});
