//! Criterion benchmarks, 4 assets × 9 scenarios: proving against book size, verifying-key
//! build, parameter load, verification one by one and batched, inclusion checks.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use halo2_proofs::{plonk::BatchVerifier, poly::commitment::Params};
use solvency_benches::synthetic_book;
use solvency_circuits::{
    commit::{account_commitment, leaf, pack, MerkleTree},
    proof::{prove, verify, verifying_key, Curve},
    snapshot::Position,
    statement::{Fp, Kind, Statement},
    witness::{prepare, Prepared, Secrets},
};
use solvency_verifier::inclusion::InclusionFile;

fn prepared(positions: usize, seed: u64) -> Prepared {
    prepare(
        &synthetic_book(positions, 4, 9, seed),
        &Secrets::from_seed([1; 32]),
        None,
    )
}

fn proving(c: &mut Criterion) {
    let mut g = c.benchmark_group("prove");
    g.sample_size(10);
    for n in [100, 1_000] {
        let p = prepared(n, 1);
        let params = Params::new(p.shape.k());
        g.bench_with_input(BenchmarkId::from_parameter(n), &p, |b, p| {
            b.iter(|| prove(&params, p, rand::rng()).unwrap())
        });
    }
}

fn verifying(c: &mut Criterion) {
    let mut g = c.benchmark_group("verify");
    g.sample_size(10);
    for n in [100, 1_000] {
        let p = prepared(n, 1);
        let params = Params::new(p.shape.k());
        let (proof, vk) = prove(&params, &p, rand::rng()).unwrap();
        g.bench_with_input(BenchmarkId::new("proof", n), &p, |b, p| {
            b.iter(|| verify(&params, &vk, &p.statement, &proof).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("keygen_vk", n), &p, |b, p| {
            b.iter(|| verifying_key(&params, &p.statement.public, p.shape).unwrap())
        });
        let mut bytes = Vec::new();
        params.write(&mut bytes).unwrap();
        g.bench_with_input(
            BenchmarkId::new("params_read", p.shape.k()),
            &bytes,
            |b, bytes| b.iter(|| Params::<Curve>::read(&mut &bytes[..]).unwrap()),
        );
    }

    // Eight proofs of one statement's shape (as shards of one epoch would be), batched.
    let proofs: Vec<(Prepared, Vec<u8>)> = (0..8)
        .map(|i| {
            let p = prepared(100, 1 + i);
            let params = Params::new(p.shape.k());
            let (proof, _) = prove(&params, &p, rand::rng()).unwrap();
            (p, proof)
        })
        .collect();
    let k = proofs[0].0.shape.k();
    let params = Params::new(k);
    let vk = verifying_key(&params, &proofs[0].0.statement.public, proofs[0].0.shape).unwrap();
    g.bench_function("batch_of_8/100", |b| {
        b.iter(|| {
            let mut batch = BatchVerifier::new();
            for (p, proof) in &proofs {
                batch.add_proof(vec![vec![p.statement.instance()]], proof.clone());
            }
            assert!(batch.finalize(&params, &vk));
        })
    });
    g.bench_function("one_by_one_8/100", |b| {
        b.iter(|| {
            for (p, proof) in &proofs {
                verify(&params, &vk, &p.statement, proof).unwrap();
            }
        })
    });
}

/// One account's inclusion file in a 2^17-slot tree (a 100,000-position book), checked
/// natively: the wallet's cost once the proof is verified.
fn inclusion(c: &mut Criterion) {
    let book = synthetic_book(2, 4, 9, 1);
    let salt = Fp::from(42);
    let mine = Position {
        account: "alice".into(),
        underlying: 0,
        kind: Kind::Call,
        strike: 100_000_000_000,
        size: 1_000_000,
        expiry: 1_767_000_000,
    };
    let my_leaf = leaf(account_commitment("alice", salt), pack(&mine));
    let mut leaves: Vec<Fp> = (0..100_000u64).map(|i| Fp::from(i + 1)).collect();
    leaves[31_337] = my_leaf;
    let depth = 17;
    let tree = MerkleTree::new(depth, &leaves);
    let statement = Statement {
        public: book.public.clone(),
        reserve_commitment: Fp::zero(),
        liabilities_root: tree.root(),
        previous: None,
    };
    let file = InclusionFile::new(&statement, "alice", salt, &[(31_337, &mine)], |s| {
        tree.path(s)
    });
    let bytes = serde_json::to_vec_pretty(&file).unwrap();
    eprintln!(
        "inclusion file for 1 position at depth {depth}: {} bytes",
        bytes.len()
    );
    c.bench_function("inclusion/check_depth_17", |b| {
        b.iter(|| {
            InclusionFile::parse(&bytes)
                .unwrap()
                .check(&statement, depth)
                .unwrap()
        })
    });
}

criterion_group!(benches, proving, verifying, inclusion);
criterion_main!(benches);
