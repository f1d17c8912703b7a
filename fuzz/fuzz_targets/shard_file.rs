//! `solvency-shard/3` files, decoded as `solvency-prover aggregate` reads `shard-I.json`
//! (`serde_json::from_slice::<ShardProofFile>`, prover/src/main.rs; the library has no parse
//! function of its own), then the per-file checks `solvency_prover::aggregate` makes before
//! it needs the book (format tag, hex proof bytes), and a write/read round trip.

#![no_main]

use libfuzzer_sys::fuzz_target;
use solvency_prover::{ShardProofFile, SHARD_FORMAT};

fuzz_target!(|data: &[u8]| {
    let Ok(file) = serde_json::from_slice::<ShardProofFile>(data) else {
        return;
    };
    let _ = file.format == SHARD_FORMAT;
    let _ = hex::decode(&file.proof);

    let bytes = serde_json::to_vec_pretty(&file).expect("a shard file serializes");
    let again: ShardProofFile =
        serde_json::from_slice(&bytes).expect("a written shard file parses back");
    assert_eq!(again, file, "a shard file does not round-trip");
});
