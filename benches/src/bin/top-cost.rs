//! Measures the top proof of a sharded book, which grows with the number of shards: its `k`,
//! the time to derive the whole set's witness, prove the top, rebuild its verifying key and
//! check it. The shard proofs themselves are not made (see `solvency-prover shard`).
//!
//! `top-cost POSITIONS` (4 assets × 9 scenarios); run under `/usr/bin/time -v` for peak RSS.

use std::process::ExitCode;
use std::time::Instant;

use halo2_proofs::poly::commitment::Params;
use solvency_benches::synthetic_book;
use solvency_circuits::{
    keys::{self, KeyShape},
    limits::shard_depth,
    proof::{prove_top, verify},
    shapes::TopBinding,
    witness::{prepare_set, Secrets},
};

fn main() -> ExitCode {
    let Some(positions) = std::env::args().nth(1).and_then(|a| a.parse().ok()) else {
        eprintln!("usage: top-cost POSITIONS");
        return ExitCode::from(2);
    };
    let book = synthetic_book(positions, 4, 9, 1);
    let t = Instant::now();
    let set = prepare_set(
        &book,
        &Secrets::from_seed([1; 32]),
        None,
        shard_depth(positions),
    );
    let prepare = t.elapsed();
    let shape = set.plan.top_shape;
    let k = shape.k();
    let params = Params::new(k);
    let t = Instant::now();
    let vk = keys::generate(&params, KeyShape::Top(shape), &set.statement.public).expect("keygen");
    let keygen = t.elapsed();
    let t = Instant::now();
    let proof = prove_top(&params, &vk, &set, rand::rng()).expect("the top proves");
    let prove = t.elapsed();
    let t = Instant::now();
    let instance = shape.instance(
        &set.statement,
        &set.links,
        TopBinding::StatementAndShardDepth,
    );
    verify(&params, &vk, &instance, &proof).expect("the top verifies");
    let verify = t.elapsed();
    println!(
        "| {positions} | {} | {k} | {:.1} s | {:.1} s | {:.1} s | {:.0} ms | {} |",
        set.plan.shards,
        prepare.as_secs_f64(),
        prove.as_secs_f64(),
        keygen.as_secs_f64(),
        verify.as_secs_f64() * 1e3,
        proof.len()
    );
    ExitCode::SUCCESS
}
