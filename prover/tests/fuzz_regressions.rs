//! Every input the fuzz targets (`fuzz/`) found crashing, hanging or exhausting memory, kept
//! under `fuzz/regressions/<target>-<what>` and fed again to the decoder of its target: each
//! must now be answered with an error or a value, promptly, never a panic.

use std::{
    fs,
    path::Path,
    time::{Duration, Instant},
};

use solvency_circuits::snapshot::{Book, Header};
use solvency_prover::ShardProofFile;
use solvency_verifier::{opening::ReserveOpening, InclusionFile};

/// Runs `bytes` through the decoder of fuzz target `target`.
fn decode(target: &str, bytes: &[u8]) {
    match target {
        "snapshot" => {
            let _ = Book::from_json(bytes);
            if let Ok(header) = Header::from_reader(bytes) {
                let _ = header.read_positions(bytes, |_, _| ());
            }
        }
        "proof_file" => {
            let _ = solvency_verifier::parse(bytes);
        }
        "shard_file" => {
            let _ = serde_json::from_slice::<ShardProofFile>(bytes);
        }
        "inclusion" => {
            let _ = InclusionFile::parse(bytes);
        }
        "opening" => {
            let _ = ReserveOpening::parse(bytes);
        }
        "verify" => {
            let _ = solvency_verifier::verify(bytes);
        }
        other => panic!("no fuzz target {other:?}"),
    }
}

#[test]
fn every_kept_fuzz_finding_is_refused_promptly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).expect("fuzz/regressions") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "README.md" {
            continue;
        }
        let target = name.split('-').next().unwrap();
        let bytes = fs::read(&path).unwrap();
        let start = Instant::now();
        decode(target, &bytes);
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{name}: {:?}",
            start.elapsed()
        );
        seen += 1;
    }
    assert!(seen > 0, "no regression inputs in {}", dir.display());
}
