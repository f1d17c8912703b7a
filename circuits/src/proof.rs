//! Proving and verifying the solvency circuit: the one definition the prover binary, the
//! verifier crate and the tests all call.
//!
//! The verifying key is never shipped: [`verifying_key`] rebuilds it from the public statement
//! and the shape, so a proof can only verify against the circuit of the statement it claims.

use halo2_proofs::{
    plonk::{
        create_proof, keygen_pk, keygen_vk, verify_proof, Circuit, Error, SingleVerifier,
        VerifyingKey,
    },
    poly::commitment::Params,
    transcript::{Blake2bRead, Blake2bWrite, Challenge255},
};
use pasta_curves::vesta;
use rand_core::Rng;

use crate::circuit::{Shape, SolvencyCircuit};
use crate::statement::{Public, Statement};
use crate::with_lanes;
use crate::witness::Prepared;

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

/// Proves `prepared` (statement, shape and witness); returns the proof bytes and the
/// verifying key they verify under.
pub fn prove(
    params: &Params<Curve>,
    prepared: &Prepared,
    rng: impl Rng,
) -> Result<(Vec<u8>, VerifyingKey<Curve>), Error> {
    let public = &prepared.statement.public;
    let shape = prepared.shape;
    let instance = prepared.statement.instance();
    with_lanes!(shape, |LANES| {
        let circuit = SolvencyCircuit::<LANES>::new(public, shape, Some(prepared.witness.clone()));
        let keygen_circuit = circuit.without_witnesses();
        let vk = keygen_vk(params, &keygen_circuit)?;
        let pk = keygen_pk(params, vk, &keygen_circuit)?;
        let mut transcript = Blake2bWrite::<_, _, Challenge255<_>>::init(vec![]);
        create_proof(
            params,
            &pk,
            &[circuit],
            &[&[&instance]],
            rng,
            &mut transcript,
        )?;
        Ok((transcript.finalize(), pk.get_vk().clone()))
    })
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
