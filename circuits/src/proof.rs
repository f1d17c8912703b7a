//! Proving and verifying the solvency circuit: the one definition the prover binary, the
//! verifier crate and the tests all call.
//!
//! The verifying key is never shipped: [`verifying_key`] rebuilds it from the public statement
//! and the shape, so a proof can only verify against the circuit of the statement it claims.

use halo2_proofs::{
    plonk::{
        create_proof, keygen_pk, keygen_vk, verify_proof, BatchVerifier, Circuit, Error,
        SingleVerifier, VerifyingKey,
    },
    poly::commitment::Params,
    transcript::{Blake2bRead, Blake2bWrite, Challenge255},
};
use pasta_curves::vesta;
use rand::{rngs::StdRng, SeedableRng};
use rand_core::Rng;
use rayon::prelude::*;

use crate::circuit::{
    shard::ShardCircuit,
    top::{TopCircuit, TopShape},
    Shape, SolvencyCircuit,
};
use crate::statement::{Fp, Public, Statement};
use crate::with_lanes;
use crate::witness::{Prepared, PreparedSet, ShardWitness};

/// The curve proofs commit over (its scalar field is the circuit's field).
pub type Curve = vesta::Affine;

/// The verifying key of the circuit for `public` with `shape`.
pub fn verifying_key(
    params: &Params<Curve>,
    public: &Public,
    shape: Shape,
) -> Result<VerifyingKey<Curve>, Error> {
    with_lanes!(shape, |LANES| keygen_vk(
        params,
        &SolvencyCircuit::<LANES>::new(public, shape, None)
    ))
}

/// Proves one circuit with its instance; returns the proof and its verifying key.
fn prove_circuit<C: Circuit<Fp>>(
    params: &Params<Curve>,
    circuit: C,
    instance: &[Fp],
    rng: impl Rng,
) -> Result<(Vec<u8>, VerifyingKey<Curve>), Error> {
    let keygen_circuit = circuit.without_witnesses();
    let vk = keygen_vk(params, &keygen_circuit)?;
    let pk = keygen_pk(params, vk, &keygen_circuit)?;
    let mut transcript = Blake2bWrite::<_, _, Challenge255<_>>::init(vec![]);
    create_proof(
        params,
        &pk,
        &[circuit],
        &[&[instance]],
        rng,
        &mut transcript,
    )?;
    Ok((transcript.finalize(), pk.get_vk().clone()))
}

/// Proves `prepared` (statement, shape and witness); returns the proof bytes and the
/// verifying key they verify under.
pub fn prove(
    params: &Params<Curve>,
    prepared: &Prepared,
    rng: impl Rng,
) -> Result<(Vec<u8>, VerifyingKey<Curve>), Error> {
    let public = &prepared.statement.public;
    let shape = prepared.shape;
    with_lanes!(shape, |LANES| prove_circuit(
        params,
        SolvencyCircuit::<LANES>::new(public, shape, Some(prepared.witness.clone())),
        &prepared.statement.instance(),
        rng
    ))
}

/// The verifying key shared by every shard of `public`'s book.
pub fn shard_verifying_key(
    params: &Params<Curve>,
    public: &Public,
    shape: Shape,
) -> Result<VerifyingKey<Curve>, Error> {
    with_lanes!(shape, |LANES| keygen_vk(
        params,
        &ShardCircuit::<LANES>::new(public, shape, None)
    ))
}

/// The verifying key of the top circuit.
pub fn top_verifying_key(
    params: &Params<Curve>,
    public: &Public,
    shape: TopShape,
) -> Result<VerifyingKey<Curve>, Error> {
    keygen_vk(params, &TopCircuit::new(public, shape, None))
}

/// Shard proofs [`prove_shards`] runs at once: two fill two cores, and memory grows with each.
pub const SHARDS_IN_FLIGHT: usize = 2;

/// Proves the shards `indices` with one proving key, calling `done` after each; `shard(i)`
/// gives shard `i`'s witness and instance, built when its turn comes. Returns the proofs (in
/// the order of `indices`) and the shards' verifying key.
///
/// Shards are proven [`SHARDS_IN_FLIGHT`] at a time on rayon's pool: the serial stretches of
/// `create_proof` (witness synthesis, lookup sorting) leave a core idle that another shard's
/// proof fills. Measured on the 2-core reference machine, 4 shards of 1,024: 45.6 s instead
/// of 50.7 s one after the other, for 2.9 GB of memory instead of 1.7 GB. Each proof gets its
/// own generator, seeded from `rng`.
pub fn prove_shards(
    params: &Params<Curve>,
    public: &Public,
    shape: Shape,
    indices: &[usize],
    shard: impl Fn(usize) -> (ShardWitness, Vec<Fp>) + Sync,
    mut rng: impl Rng,
    done: impl Fn(usize) + Sync,
) -> Result<(Vec<Vec<u8>>, VerifyingKey<Curve>), Error> {
    let seeds: Vec<[u8; 32]> = indices
        .iter()
        .map(|_| {
            let mut seed = [0; 32];
            rng.fill_bytes(&mut seed);
            seed
        })
        .collect();
    with_lanes!(shape, |LANES| {
        let keygen_circuit = ShardCircuit::<LANES>::new(public, shape, None);
        let vk = keygen_vk(params, &keygen_circuit)?;
        let pk = keygen_pk(params, vk, &keygen_circuit)?;
        // Chunks bound the proofs in flight (about 1.2 GB each at 1,024 slots): a thread
        // waiting inside one proof could otherwise steal the start of another.
        let jobs: Vec<(usize, [u8; 32])> = indices.iter().copied().zip(seeds).collect();
        let proofs = jobs
            .chunks(SHARDS_IN_FLIGHT)
            .flat_map(|chunk| {
                chunk
                    .par_iter()
                    .map(|&(i, seed)| {
                        let (witness, instance) = shard(i);
                        let circuit = ShardCircuit::<LANES>::new(public, shape, Some(witness));
                        let mut transcript = Blake2bWrite::<_, _, Challenge255<_>>::init(vec![]);
                        create_proof(
                            params,
                            &pk,
                            &[circuit],
                            &[&[&instance]],
                            StdRng::from_seed(seed),
                            &mut transcript,
                        )?;
                        done(i);
                        Ok(transcript.finalize())
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok((proofs, pk.get_vk().clone()))
    })
}

/// Proves every shard of `set` with [`prove_shards`].
pub fn prove_set_shards(
    params: &Params<Curve>,
    set: &PreparedSet,
    rng: impl Rng,
    done: impl Fn(usize) + Sync,
) -> Result<(Vec<Vec<u8>>, VerifyingKey<Curve>), Error> {
    let all: Vec<usize> = (0..set.links.len()).collect();
    let job = |i| (set.shard(i), set.shard_instance(i));
    let plan = &set.plan;
    prove_shards(
        params,
        &set.statement.public,
        plan.shard_shape,
        &all,
        job,
        rng,
        done,
    )
}

/// Proves the top circuit of `set`.
pub fn prove_top(
    params: &Params<Curve>,
    set: &PreparedSet,
    rng: impl Rng,
) -> Result<(Vec<u8>, VerifyingKey<Curve>), Error> {
    prove_circuit(
        params,
        TopCircuit::new(
            &set.statement.public,
            set.plan.top_shape,
            Some(set.top.clone()),
        ),
        &set.statement.top_instance(&set.links),
        rng,
    )
}

/// Checks a proof set: every shard proof in one batch (`BatchVerifier`) against its public
/// sub-root and sums commitment, and the top proof over all of them.
#[allow(clippy::too_many_arguments)]
pub fn verify_set(
    shard_params: &Params<Curve>,
    shard_vk: &VerifyingKey<Curve>,
    top_params: &Params<Curve>,
    top_vk: &VerifyingKey<Curve>,
    statement: &Statement,
    links: &[(Fp, Fp)],
    shard_proofs: &[Vec<u8>],
    top_proof: &[u8],
) -> Result<(), Error> {
    if links.len() != shard_proofs.len() {
        return Err(Error::InvalidInstances);
    }
    let mut batch = BatchVerifier::new();
    for (&(root, sums), proof) in links.iter().zip(shard_proofs) {
        batch.add_proof(
            vec![vec![statement.public.shard_instance(root, sums)]],
            proof.clone(),
        );
    }
    if !batch.finalize(shard_params, shard_vk) {
        return Err(Error::ConstraintSystemFailure);
    }
    verify_top(top_params, top_vk, statement, links, top_proof)
}

/// Checks the top proof of a set against the statement and the shards' public links.
pub fn verify_top(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    statement: &Statement,
    links: &[(Fp, Fp)],
    proof: &[u8],
) -> Result<(), Error> {
    let instance = statement.top_instance(links);
    let mut transcript = Blake2bRead::<_, _, Challenge255<_>>::init(proof);
    verify_proof(
        params,
        vk,
        SingleVerifier::new(params),
        &[&[&instance]],
        &mut transcript,
    )
}

/// Checks `proof` against `statement` under `vk`.
pub fn verify(
    params: &Params<Curve>,
    vk: &VerifyingKey<Curve>,
    statement: &Statement,
    proof: &[u8],
) -> Result<(), Error> {
    let instance = statement.instance();
    let mut transcript = Blake2bRead::<_, _, Challenge255<_>>::init(proof);
    verify_proof(
        params,
        vk,
        SingleVerifier::new(params),
        &[&[&instance]],
        &mut transcript,
    )
}
