//! Shared by the inclusion and opening targets: the statements of the real proof files in
//! `fixtures/`, parsed once, against which a decoded file is checked as `solvency-verifier`
//! would after verifying the proof (parsing a proof file does not verify it: cheap).

#![allow(dead_code)]

use std::sync::OnceLock;

use solvency_circuits::statement::Statement;
use solvency_verifier::Proof;

/// Every proof file under `fixtures/`, compiled in so the targets run from any directory.
pub const PROOFS: &[&[u8]] = &[
    include_bytes!("../../fixtures/demo/proof.json"),
    include_bytes!("../../fixtures/zero-positions/proof.json"),
    include_bytes!("../../fixtures/covered-calls/proof.json"),
    include_bytes!("../../fixtures/exact-boundary/proof.json"),
    include_bytes!("../../fixtures/many-positions/proof.json"),
    include_bytes!("../../fixtures/mixed-book/proof.json"),
    include_bytes!("../../fixtures/mixed-decimals/proof.json"),
    include_bytes!("../../fixtures/sharded-book/proof.json"),
    include_bytes!("../../fixtures/chain/epoch-7.json"),
    include_bytes!("../../fixtures/chain/epoch-8.json"),
    include_bytes!("../../fixtures/chain/epoch-9.json"),
];

/// `(statement, tree depth)` of each fixture proof, the depth as `Verified::depth` gives it.
pub fn statements() -> &'static [(Statement, u32)] {
    static CELL: OnceLock<Vec<(Statement, u32)>> = OnceLock::new();
    CELL.get_or_init(|| {
        PROOFS
            .iter()
            .map(|bytes| {
                let proof = solvency_verifier::parse(bytes).expect("fixture proof parses");
                let depth = match &proof {
                    Proof::Single(f) => f.circuit.shape.depth,
                    Proof::Set(f) => f.shards.circuit.shape.depth + f.top.shape.depth,
                };
                (proof.statement().clone(), depth)
            })
            .collect()
    })
}
