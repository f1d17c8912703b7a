//! Circuit benchmarks: MockProver, key generation, proving and verification against book size,
//! with 4 assets × 9 scenarios.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use halo2_proofs::{dev::MockProver, poly::commitment::Params};
use solvency_benches::synthetic_book;
use solvency_circuits::{
    circuit::SolvencyCircuit,
    proof::{prove, verify, verifying_key},
    with_lanes,
    witness::{prepare, Prepared, Secrets},
};

fn prepared(positions: usize) -> Prepared {
    prepare(
        &synthetic_book(positions, 4, 9, 1),
        &Secrets::from_seed([1; 32]),
        None,
    )
}

fn mock(c: &mut Criterion) {
    let mut g = c.benchmark_group("mock_prover");
    g.sample_size(10);
    for n in [100, 1_000] {
        let p = prepared(n);
        let shape = p.shape;
        eprintln!("{n} positions: k = {}, rows = {}", shape.k(), shape.rows());
        g.bench_with_input(BenchmarkId::from_parameter(n), &p, |b, p| {
            b.iter(|| {
                with_lanes!(shape, |L| {
                    let circuit = SolvencyCircuit::<L>::new(
                        &p.statement.public,
                        shape,
                        Some(p.witness.clone()),
                    );
                    MockProver::run(shape.k(), &circuit, vec![p.statement.instance()])
                        .unwrap()
                        .verify()
                        .unwrap()
                })
            })
        });
    }
}

fn prove_verify(c: &mut Criterion) {
    let mut g = c.benchmark_group("prove");
    g.sample_size(10);
    for n in [100, 1_000] {
        let p = prepared(n);
        let params = Params::new(p.shape.k());
        g.bench_with_input(BenchmarkId::from_parameter(n), &p, |b, p| {
            b.iter(|| prove(&params, p, rand::rng()).unwrap())
        });
        let (proof, _) = prove(&params, &p, rand::rng()).unwrap();
        eprintln!("{n} positions: proof {} bytes", proof.len());
        let vk = verifying_key(&params, &p.statement.public, p.shape).unwrap();
        g.bench_with_input(BenchmarkId::new("verify", n), &p, |b, p| {
            b.iter(|| verify(&params, &vk, &p.statement, &proof).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("keygen_vk", n), &p, |b, p| {
            b.iter(|| verifying_key(&params, &p.statement.public, p.shape).unwrap())
        });
    }
}

criterion_group!(benches, mock, prove_verify);
criterion_main!(benches);
