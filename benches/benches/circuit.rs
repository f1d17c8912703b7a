//! Criterion benchmarks, 4 assets × 9 scenarios: proving against book size, verifying key
//! generated against loaded from its pinned bytes, parameter load, verification one by one
//! and batched, inclusion checks.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use halo2_proofs::poly::commitment::Params;
use solvency_benches::synthetic_book;
use solvency_circuits::{
    commit::{account_commitment, leaf, pack, MerkleTree},
    keys::{self, KeyShape, Srs},
    proof::{prove, verify, verify_batch, Curve},
    snapshot::Position,
    statement::{Fp, Kind, Statement},
    witness::{prepare, Prepared, Secrets},
};
use solvency_verifier::{inclusion::InclusionFile, pinned};

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
        let srs = pinned::srs_or_new(p.shape.k());
        // What the prover pays: the pinned key is loaded, the proving key derived from it.
        let shape = KeyShape::Single(p.shape);
        g.bench_with_input(BenchmarkId::from_parameter(n), &p, |b, p| {
            b.iter(|| {
                let vk = pinned::load_key(&srs, shape, &p.statement.public).unwrap();
                prove(srs.params(), &vk, p, rand::rng()).unwrap()
            })
        });
    }
}

fn verifying(c: &mut Criterion) {
    let mut g = c.benchmark_group("verify");
    g.sample_size(10);
    for n in [100, 1_000] {
        let p = prepared(n, 1);
        let srs = Srs::new(p.shape.k());
        let params = srs.params();
        let shape = KeyShape::Single(p.shape);
        let vk = keys::generate(params, shape, &p.statement.public).unwrap();
        let proof = prove(params, &vk, &p, rand::rng()).unwrap();
        let instance = p.statement.instance();
        g.bench_with_input(BenchmarkId::new("proof", n), &p, |b, _| {
            b.iter(|| verify(params, &vk, &instance, &proof).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("keygen_vk", n), &p, |b, p| {
            b.iter(|| keys::generate(params, shape, &p.statement.public).unwrap())
        });
        let bytes = keys::key_bytes(shape, &vk);
        let digest = keys::digest(&bytes);
        g.bench_with_input(BenchmarkId::new("load_pinned_key", n), &p, |b, p| {
            b.iter(|| keys::load(&srs, shape, &p.statement.public, &bytes, &digest).unwrap())
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
    let first = prepared(100, 1);
    let params = Params::new(first.shape.k());
    let vk = keys::generate(
        &params,
        KeyShape::Single(first.shape),
        &first.statement.public,
    )
    .unwrap();
    let proofs: Vec<(Prepared, Vec<u8>)> = (0..8)
        .map(|i| {
            let p = prepared(100, 1 + i);
            let proof = prove(&params, &vk, &p, rand::rng()).unwrap();
            (p, proof)
        })
        .collect();
    let items: Vec<(Vec<Vec<Fp>>, &[u8])> = proofs
        .iter()
        .map(|(p, proof)| (vec![p.statement.instance()], &proof[..]))
        .collect();
    g.bench_function("batch_of_8/100", |b| {
        b.iter(|| verify_batch(&params, &vk, b"bench", &items).unwrap())
    });
    g.bench_function("one_by_one_8/100", |b| {
        b.iter(|| {
            for (instances, proof) in &items {
                verify(&params, &vk, &instances[0], proof).unwrap();
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
