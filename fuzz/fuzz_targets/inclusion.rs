//! `solvency-inclusion/1` files: `InclusionFile::parse`, a write/read round trip, then
//! `InclusionFile::check` against every fixture proof's statement and depth (what
//! `Verified::check_inclusion` does once the proof verified): leaf and path recomputation for
//! files naming a fixture's protocol, epoch and root, an early refusal for the others.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use solvency_verifier::InclusionFile;

fuzz_target!(|data: &[u8]| {
    let statements = common::statements();
    let Ok(file) = InclusionFile::parse(data) else {
        return;
    };
    let bytes = serde_json::to_vec_pretty(&file).expect("an inclusion file serializes");
    let again = InclusionFile::parse(&bytes).expect("a written inclusion file parses back");
    assert_eq!(again, file, "an inclusion file does not round-trip");

    for (statement, depth) in statements {
        let _ = file.check(statement, *depth);
    }
});
