//! Prints the cost model of the solvency circuit as markdown: layout counts from halo2's own
//! `CircuitCost`, proving phases measured one by one, and the floor the counts imply on this
//! machine (one multi-scalar multiplication per committed polynomial, one extended-domain FFT
//! per polynomial).
//!
//! `cost-model [POSITIONS...]` (default 100 1000), 4 assets × 9 scenarios.

use std::time::{Duration, Instant};

use ff::Field;
use halo2_proofs::{
    arithmetic::{best_fft, best_multiexp},
    dev::{CircuitCost, MockProver},
    plonk::{create_proof, keygen_pk, keygen_vk, Circuit},
    poly::commitment::Params,
    transcript::{Blake2bWrite, Challenge255},
};
use solvency_benches::synthetic_book;
use solvency_circuits::{
    circuit::SolvencyCircuit,
    proof::Curve,
    statement::Fp,
    with_lanes,
    witness::{prepare, Secrets},
};

/// Median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[runs / 2]
}

/// `name: value` from halo2's `Debug` of `CircuitCost` (its fields are private).
fn field(debug: &str, name: &str) -> usize {
    let start = debug.find(&format!("{name}: ")).expect("field present") + name.len() + 2;
    debug[start..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|d| d.parse().ok())
        .expect("numeric field")
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("positions"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100, 1000]
    } else {
        sizes
    };
    println!("| positions | k | rows used | advice | fixed | lookups | permutation columns | degree | committed polys / proof | MSM 2^k | FFT 2^(k+3) | floor | MockProver | keygen_vk | keygen_pk | create_proof | create_proof ÷ floor | proof bytes |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for n in sizes {
        let book = synthetic_book(n, 4, 9, 1);
        let p = prepare(&book, &Secrets::from_seed([1; 32]), None);
        let shape = p.shape;
        let k = shape.k();
        let params: Params<Curve> = Params::new(k);
        let instance = p.statement.instance();
        with_lanes!(shape, |L| {
            let circuit =
                SolvencyCircuit::<L>::new(&p.statement.public, shape, Some(p.witness.clone()));
            let cost = format!(
                "{:?}",
                CircuitCost::<pasta_curves::vesta::Point, _>::measure(k, &circuit)
            );
            let advice = field(&cost, "num_advice_columns");
            let fixed = field(&cost, "num_fixed_columns");
            let lookups = field(&cost, "lookups");
            let perm = field(&cost, "permutation_cols");
            let degree = field(&cost, "max_deg");
            let rows = field(&cost, "max_rows");
            // Advice, 3 per lookup (permuted input, permuted table, product), permutation
            // products (degree − 2 columns each), quotient pieces, the vanishing argument's
            // random polynomial.
            let committed = advice + 3 * lookups + perm.div_ceil(degree - 2) + (degree - 1) + 1;

            // Full-width scalars, as blinded polynomials have (64-bit ones would make the
            // MSM about 4× cheaper than the prover's).
            let mut rng = rand::rng();
            let scalars: Vec<Fp> = (0..1usize << k).map(|_| Fp::random(&mut rng)).collect();
            let bases = params.get_g();
            let msm = median(3, || {
                best_multiexp(&scalars, &bases);
            });
            let ext_k = k + (degree as u32 - 1).next_power_of_two().trailing_zeros();
            let omega = {
                use ff::PrimeField;
                let mut w = Fp::ROOT_OF_UNITY;
                for _ in ext_k..Fp::S {
                    w = w.square();
                }
                w
            };
            let mut big: Vec<Fp> = (0..1usize << ext_k).map(|i| Fp::from(i as u64)).collect();
            let fft = median(3, || best_fft(&mut big, omega, ext_k));
            // Each polynomial of the proof (advice, fixed, lookup, permutation) is taken to the
            // extended domain once; committed ones are also committed once.
            let polys = advice + fixed + 3 * lookups + perm;
            let floor = msm * committed as u32 + fft * polys as u32;

            let t = Instant::now();
            MockProver::run(k, &circuit, vec![instance.clone()])
                .unwrap()
                .verify()
                .unwrap();
            let t_mock = t.elapsed();
            let t = Instant::now();
            let vk = keygen_vk(&params, &circuit.without_witnesses()).unwrap();
            let t_vk = t.elapsed();
            let t = Instant::now();
            let pk = keygen_pk(&params, vk, &circuit.without_witnesses()).unwrap();
            let t_pk = t.elapsed();
            let t = Instant::now();
            let mut transcript = Blake2bWrite::<_, _, Challenge255<_>>::init(vec![]);
            create_proof(
                &params,
                &pk,
                &[circuit],
                &[&[&instance]],
                rand::rng(),
                &mut transcript,
            )
            .unwrap();
            let t_proof = t.elapsed();
            let proof = transcript.finalize();
            println!(
                "| {n} | {k} | {rows} | {advice} | {fixed} | {lookups} | {perm} | {degree} | {committed} | {:.1} ms | {:.1} ms | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {:.1} | {} |",
                msm.as_secs_f64() * 1e3,
                fft.as_secs_f64() * 1e3,
                floor.as_secs_f64(),
                t_mock.as_secs_f64(),
                t_vk.as_secs_f64(),
                t_pk.as_secs_f64(),
                t_proof.as_secs_f64(),
                t_proof.as_secs_f64() / floor.as_secs_f64(),
                proof.len()
            );
        });
    }
}
