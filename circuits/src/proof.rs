//! Proving and verifying the solvency circuit: the one definition the prover binary, the
//! verifier crate and the tests all call.
//!
//! Both sides take the verifying key of the proof's shape as given: the prover and the
//! verifier load the pinned one ([`crate::keys::load`]), tests may generate it
//! ([`crate::keys::generate`]); the prover derives only its proving key (`keygen_pk`).
//! Verification needs no randomness, clock, file or thread: a batch of proofs is weighted by
//! scalars hashed from everything the prover sent ([`verify_batch`]).

use ff::{FromUniformBytes, PrimeField};
use halo2_proofs::{
    plonk::{
        create_proof, keygen_pk, verify_proof, Circuit, Error, ProvingKey, SingleVerifier,
        VerificationStrategy, VerifyingKey,
    },
    poly::commitment::{Guard, Params, MSM},
    transcript::{Blake2bRead, Blake2bWrite, Challenge255, EncodedChallenge},
};
use pasta_curves::vesta;
use rand::{rngs::StdRng, SeedableRng};
use rand_core::Rng;
use rayon::prelude::*;
use std::ops::Range;

use crate::circuit::{shard::ShardCircuit, top::TopCircuit, SolvencyCircuit};
use crate::shapes::{Shape, TopBinding, TopShape};
use crate::statement::{Fp, Public, Statement};
use crate::with_lanes;
use crate::witness::{Prepared, PreparedSet, ShardWitness};

/// The curve proofs commit over (its scalar field is the circuit's field).
pub type Curve = vesta::Affine;

/// The proving key of `circuit`'s shape under `vk`, the verifying key of that shape for the
/// statement: `keygen_pk` only. Passing the pinned key rather than running `keygen_vk` skips a
/// multi-scalar multiplication of `2^k` points per fixed and per permutation column (44 at a
/// shard's shape), and proves under exactly the key every verifier loads.
fn proving_key<C: Circuit<Fp>>(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    circuit: &C,
) -> Result<ProvingKey<Curve>, Error> {
    keygen_pk(params, vk.clone(), &circuit.without_witnesses())
}

/// Proves `circuits`, each with its instance, in one proof under `pk`.
fn prove_with<C: Circuit<Fp>>(
    params: &Params<Curve>,
    pk: &ProvingKey<Curve>,
    circuits: &[C],
    instances: &[&[Fp]],
    rng: impl Rng,
) -> Result<Vec<u8>, Error> {
    let columns: Vec<&[&[Fp]]> = instances.iter().map(std::slice::from_ref).collect();
    let mut transcript = Blake2bWrite::<_, _, Challenge255<_>>::init(vec![]);
    create_proof(params, pk, circuits, &columns, rng, &mut transcript)?;
    Ok(transcript.finalize())
}

/// Proves one circuit with its instance under `vk`, its shape's verifying key.
pub(crate) fn prove_circuit<C: Circuit<Fp>>(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    circuit: C,
    instance: &[Fp],
    rng: impl Rng,
) -> Result<Vec<u8>, Error> {
    let pk = proving_key(params, vk, &circuit)?;
    prove_with(params, &pk, &[circuit], &[instance], rng)
}

/// Proves `prepared` (statement, shape and witness) under `vk`, the verifying key of
/// `KeyShape::Single(prepared.shape)` for its statement.
pub fn prove(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    prepared: &Prepared,
    rng: impl Rng,
) -> Result<Vec<u8>, Error> {
    let public = &prepared.statement.public;
    let shape = prepared.shape;
    with_lanes!(shape, |LANES| prove_circuit(
        params,
        vk,
        SolvencyCircuit::<LANES>::new(public, shape, Some(prepared.witness.clone())),
        &prepared.statement.instance(),
        rng
    ))
}

/// Shards one proof covers. halo2 proves several circuits of one key in one proof: each
/// circuit has its own commitments, but the quotient polynomial, its commitments and the
/// opening argument — about 45 % of a single shard proof's work at `k = 15` — are made once
/// for all of them. Measured on the 2-core reference machine, 4 shards of 1,024 slots:
/// 37.9 s as two proofs of two shards (8,096 bytes each) against 46.6 s as four proofs
/// (5,408 bytes each), both two proofs in flight. Proof `j` of a set covers shards
/// [`proof_shards`]`(j, …)`.
pub const SHARDS_PER_PROOF: usize = 2;

/// Proofs [`prove_shards`] makes at once: two fill two cores (one proof's serial stretches,
/// witness synthesis and lookup sorting, leave a core idle that the other fills), and memory
/// grows with each (peak 3.0–3.4 GB for two proofs of two 1,024-slot shards, 1.7–1.9 GB for
/// one, whole prover).
pub const PROOFS_IN_FLIGHT: usize = 2;

/// The shards that proof `j` of a set of `count` shards covers, `per_proof` shards to a proof
/// (the last proof covers those left).
pub fn proof_shards(j: usize, count: usize, per_proof: usize) -> Range<usize> {
    let start = (j * per_proof).min(count);
    start..(start + per_proof).min(count)
}

/// Whether shard index `i` (or `count`, the end) is where one of [`prove_shards`]' proofs of a
/// set of `count` shards starts or ends: a run of whole proofs is bounded by two of them.
pub fn is_proof_boundary(i: usize, count: usize) -> bool {
    i.is_multiple_of(SHARDS_PER_PROOF) || i == count
}

/// Proves the shards `shards` under `vk` (the verifying key of `KeyShape::Shard(shape)` for
/// `public`) with one proving key, [`SHARDS_PER_PROOF`] to a proof, in the grouping of a set
/// of `count` shards: `shards` must start at a proof's first shard and end at a proof's end
/// (a multiple of [`SHARDS_PER_PROOF`], or `count`). `shard(i)` gives shard `i`'s witness
/// and instance, built when its proof's turn comes; `done(i)` is called once shard `i` is
/// proven. Returns one proof per group, in order.
///
/// Proofs are made [`PROOFS_IN_FLIGHT`] at a time on rayon's pool. Each gets its own
/// generator, seeded from `rng`.
#[allow(clippy::too_many_arguments)]
pub fn prove_shards(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    public: &Public,
    shape: Shape,
    shards: Range<usize>,
    count: usize,
    shard: impl Fn(usize) -> (ShardWitness, Vec<Fp>) + Sync,
    mut rng: impl Rng,
    done: impl Fn(usize) + Sync,
) -> Result<Vec<Vec<u8>>, Error> {
    let whole = is_proof_boundary(shards.start, count) && is_proof_boundary(shards.end, count);
    if shards.end > count || !whole {
        return Err(Error::InvalidInstances);
    }
    let jobs: Vec<(Range<usize>, [u8; 32])> = (shards.start / SHARDS_PER_PROOF
        ..shards.end.div_ceil(SHARDS_PER_PROOF))
        .map(|j| {
            let mut seed = [0; 32];
            rng.fill_bytes(&mut seed);
            (proof_shards(j, count, SHARDS_PER_PROOF), seed)
        })
        .collect();
    with_lanes!(shape, |LANES| {
        let pk = proving_key(params, vk, &ShardCircuit::<LANES>::new(public, shape, None))?;
        // Chunks bound the proofs in flight (about 1.5 GB each): a thread waiting inside one
        // proof could otherwise steal the start of another.
        jobs.chunks(PROOFS_IN_FLIGHT)
            .flat_map(|chunk| {
                chunk
                    .par_iter()
                    .map(|(group, seed)| {
                        let (circuits, instances): (Vec<_>, Vec<_>) = group
                            .clone()
                            .map(|i| {
                                let (witness, instance) = shard(i);
                                let circuit =
                                    ShardCircuit::<LANES>::new(public, shape, Some(witness));
                                (circuit, instance)
                            })
                            .unzip();
                        let instances: Vec<&[Fp]> = instances.iter().map(Vec::as_slice).collect();
                        let rng = StdRng::from_seed(*seed);
                        let proof = prove_with(params, &pk, &circuits, &instances, rng)?;
                        group.clone().for_each(&done);
                        Ok(proof)
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    })
}

/// Proves every shard of `set` with [`prove_shards`], under `vk`.
pub fn prove_set_shards(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    set: &PreparedSet,
    rng: impl Rng,
    done: impl Fn(usize) + Sync,
) -> Result<Vec<Vec<u8>>, Error> {
    let count = set.links.len();
    let job = |i| (set.shard(i), set.shard_instance(i));
    prove_shards(
        params,
        vk,
        &set.statement.public,
        set.plan.shard_shape,
        0..count,
        count,
        job,
        rng,
        done,
    )
}

/// Proves the top circuit of `set` under `vk`, the verifying key of its top shape.
pub fn prove_top(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    set: &PreparedSet,
    rng: impl Rng,
) -> Result<Vec<u8>, Error> {
    prove_circuit(
        params,
        vk,
        TopCircuit::new(
            &set.statement.public,
            set.plan.top_shape,
            Some(set.top.clone()),
        ),
        &set.plan.top_shape.instance(
            &set.statement,
            &set.links,
            TopBinding::StatementAndShardDepth,
        ),
        rng,
    )
}

/// A verification strategy that hands back the proof's final multi-scalar multiplication
/// instead of evaluating it, so that a batch can weigh and add them.
struct Deferred<'p> {
    msm: MSM<'p, Curve>,
}

impl<'p> VerificationStrategy<'p, Curve> for Deferred<'p> {
    type Output = MSM<'p, Curve>;

    fn process<E: EncodedChallenge<Curve>>(
        self,
        f: impl FnOnce(MSM<'p, Curve>) -> Result<Guard<'p, Curve, E>, Error>,
    ) -> Result<Self::Output, Error> {
        Ok(f(self.msm)?.use_challenges())
    }
}

/// Checks many proofs of one key at once (each item: the instances of the circuits it
/// proves, and the proof): each proof's final check is a multi-scalar multiplication that
/// must be the identity; the batch checks `Σ w_i · MSM_i` instead, with weights `w_i` that
/// the prover cannot know before it fixes its proofs — they are hashed (BLAKE2b) from
/// `key_digest` and every instance and proof of the batch, in order. Where
/// halo2's `BatchVerifier` draws them from the operating system, this needs no randomness
/// source, so it runs unchanged in a browser or a metered VM, and gives the same verdict
/// every time. A batch with one false proof fails except with probability about `1/p`.
pub fn verify_batch(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    key_digest: &[u8],
    items: &[(Vec<Vec<Fp>>, &[u8])],
) -> Result<(), Error> {
    let mut seed = blake2b_simd::Params::new()
        .hash_length(64)
        .personal(b"solvency-batch/1")
        .to_state();
    seed.update(&(key_digest.len() as u64).to_le_bytes());
    seed.update(key_digest);
    for (instances, proof) in items {
        seed.update(&(instances.len() as u64).to_le_bytes());
        for instance in instances {
            seed.update(&(instance.len() as u64).to_le_bytes());
            for value in instance {
                seed.update(value.to_repr().as_ref());
            }
        }
        seed.update(&(proof.len() as u64).to_le_bytes());
        seed.update(proof);
    }
    let seed = seed.finalize();
    let weight = |i: usize| {
        let hash = blake2b_simd::Params::new()
            .hash_length(64)
            .personal(b"solvency-weight1")
            .to_state()
            .update(seed.as_bytes())
            .update(&(i as u64).to_le_bytes())
            .finalize();
        Fp::from_uniform_bytes(hash.as_array())
    };
    // Each proof's check weighted, then added: Σ w_i · MSM_i. Each worker folds the proofs it
    // takes into one sum, and the sums are added pairwise, so at most a few MSMs (2^k scalars
    // each: 1 MB at k = 15) are held at once, whatever the number of shards.
    let acc = items
        .par_iter()
        .enumerate()
        .try_fold(
            || params.empty_msm(),
            |mut acc, (i, (instances, proof))| {
                let deferred = Deferred {
                    msm: params.empty_msm(),
                };
                let instances: Vec<&[Fp]> = instances.iter().map(Vec::as_slice).collect();
                let mut msm = check(params, vk, deferred, &instances, proof)?;
                msm.scale(weight(i));
                acc.add_msm(&msm);
                Ok::<_, Error>(acc)
            },
        )
        .try_reduce(
            || params.empty_msm(),
            |mut a, b| {
                a.add_msm(&b);
                Ok(a)
            },
        )?;
    if acc.eval() {
        Ok(())
    } else {
        Err(Error::ConstraintSystemFailure)
    }
}

/// Checks a proof set: every shard proof in one batch ([`verify_shards`], `per_proof` shards
/// to a proof) and, beside it, the top proof over all of them ([`verify_top`]), bound to the
/// shard depth as [`prove_top`] makes it.
#[allow(clippy::too_many_arguments)]
pub fn verify_set(
    shard_params: &Params<Curve>,
    shard_vk: &VerifyingKey<Curve>,
    shard_key_digest: &[u8],
    top_params: &Params<Curve>,
    top_vk: &VerifyingKey<Curve>,
    top_shape: TopShape,
    statement: &Statement,
    links: &[(Fp, Fp)],
    shard_proofs: &[Vec<u8>],
    per_proof: usize,
    top_proof: &[u8],
) -> Result<(), Error> {
    // The top proof beside the batch: it fills a core while the batch has one proof left.
    let (shards, top) = rayon::join(
        || {
            verify_shards(
                shard_params,
                shard_vk,
                shard_key_digest,
                statement,
                links,
                shard_proofs,
                per_proof,
            )
        },
        || {
            let binding = TopBinding::StatementAndShardDepth;
            verify_top(
                top_params, top_vk, top_shape, binding, statement, links, top_proof,
            )
        },
    );
    shards.and(top)
}

/// Checks a proof set's shard proofs in one batch ([`verify_batch`]): proof `j` proves the
/// shards [`proof_shards`]`(j, links.len(), per_proof)`, shard `i` against its public
/// sub-root and sums commitment `links[i]`, its index and the number of shards.
pub fn verify_shards(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    key_digest: &[u8],
    statement: &Statement,
    links: &[(Fp, Fp)],
    proofs: &[Vec<u8>],
    per_proof: usize,
) -> Result<(), Error> {
    let count = links.len();
    if per_proof == 0 || proofs.len() != count.div_ceil(per_proof) {
        return Err(Error::InvalidInstances);
    }
    let items: Vec<(Vec<Vec<Fp>>, &[u8])> = proofs
        .iter()
        .enumerate()
        .map(|(j, proof)| {
            let run = proof_shards(j, count, per_proof);
            let instances = shard_instances(&statement.public, run.start, count, &links[run]);
            (instances, &proof[..])
        })
        .collect();
    verify_batch(params, vk, key_digest, &items)
}

/// The instances of the consecutive shards `first..first + links.len()` of a set of `count`
/// shards: each shard's index, the count, its sub-root and sums commitment (`links`).
fn shard_instances(
    public: &Public,
    first: usize,
    count: usize,
    links: &[(Fp, Fp)],
) -> Vec<Vec<Fp>> {
    links
        .iter()
        .enumerate()
        .map(|(i, &(root, sums))| public.shard_instance(first + i, count, root, sums))
        .collect()
}

/// Checks one proof of the consecutive shards `first..first + links.len()` of a set of
/// `count` shards (a verifier that takes a set proof by proof, as the contract does).
pub fn verify_shard_run(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    public: &Public,
    first: usize,
    count: usize,
    links: &[(Fp, Fp)],
    proof: &[u8],
) -> Result<(), Error> {
    if links.is_empty() || first + links.len() > count {
        return Err(Error::InvalidInstances);
    }
    let instances = shard_instances(public, first, count, links);
    let instances: Vec<&[Fp]> = instances.iter().map(Vec::as_slice).collect();
    check(params, vk, SingleVerifier::new(params), &instances, proof)
}

/// Checks a proof set's top proof over the shards' `links`, padded to the top's shard slots
/// with empty shards, its first input as `binding` says ([`TopShape::instance`]).
pub fn verify_top(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    shape: TopShape,
    binding: TopBinding,
    statement: &Statement,
    links: &[(Fp, Fp)],
    proof: &[u8],
) -> Result<(), Error> {
    if links.len() > shape.slots() {
        return Err(Error::InvalidInstances);
    }
    verify(
        params,
        vk,
        &shape.instance(statement, links, binding),
        proof,
    )
}

/// Checks `proof` against `instance` under `vk`. Bytes left after the proof's transcript are
/// refused: one statement and one proof have one encoding.
pub fn verify(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    instance: &[Fp],
    proof: &[u8],
) -> Result<(), Error> {
    check(params, vk, SingleVerifier::new(params), &[instance], proof)
}

/// Runs halo2's verifier with `strategy` over `proof`, a proof of one circuit per instance
/// in `instances`, then refuses any byte left after the transcript: one definition for
/// single proofs and batches.
fn check<'p, S: VerificationStrategy<'p, Curve>>(
    params: &'p Params<Curve>,
    vk: &VerifyingKey<Curve>,
    strategy: S,
    instances: &[&[Fp]],
    proof: &[u8],
) -> Result<S::Output, Error> {
    let columns: Vec<&[&[Fp]]> = instances.iter().map(std::slice::from_ref).collect();
    let mut rest = proof;
    let out = verify_proof(
        params,
        vk,
        strategy,
        &columns,
        &mut Blake2bRead::<_, _, Challenge255<_>>::init(&mut rest),
    )?;
    if rest.is_empty() {
        Ok(out)
    } else {
        Err(Error::Transcript(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} bytes after the end of the proof", rest.len()),
        )))
    }
}
