//! Verifying solvency proofs.
//!
//! [`verify`] is a pure function over the bytes of a `solvency-proof/1` or
//! `solvency-proof-set/2` file: no files, no clock, no threads required (rayon runs its work on
//! the calling thread where none can be spawned), so the same code runs on a laptop and inside
//! a deterministic runtime. It rebuilds the verifying key from the statement and the recorded shape,
//! recomputes every public input natively (shocked prices included) and checks the proof.
//! Callers that keep IPA parameters between calls use [`verify_with_params`].

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod chain;
pub mod expected;
pub mod file;
pub mod inclusion;
pub mod opening;
#[cfg(feature = "cli")]
pub mod params;
#[cfg(feature = "cli")]
pub mod replay;

use halo2_proofs::poly::commitment::Params;
use solvency_circuits::{
    circuit::Shape,
    proof::{self, Curve},
    statement::{Fp, Statement},
};
use thiserror::Error;

pub use file::{CircuitParams, Proof, ProofFile, ProofSetFile, PROOF_FORMAT, PROOF_SET_FORMAT};
pub use inclusion::{InclusionError, InclusionFile};
use solvency_circuits::snapshot::Position;

/// Why a proof file was not accepted.
#[derive(Debug, Error)]
pub enum VerifyError {
    /// The bytes are not a well-formed proof file (JSON, hex, version, fields, values).
    #[error("malformed proof file: {0}")]
    Malformed(String),
    /// The file is well formed but its claims do not hold together.
    #[error("invalid proof: {0}")]
    Invalid(String),
    /// The proof is valid but an inclusion file does not show its positions in it.
    #[error(transparent)]
    Inclusion(#[from] InclusionError),
}

impl VerifyError {
    /// The CLI exit code: 2 for bad input, 1 for an invalid proof.
    pub fn exit_code(&self) -> u8 {
        match self {
            VerifyError::Malformed(_) | VerifyError::Inclusion(InclusionError::Malformed(_)) => 2,
            VerifyError::Invalid(_) | VerifyError::Inclusion(_) => 1,
        }
    }
}

/// A proof that verified, with what it proves.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The proven statement.
    pub statement: Statement,
    /// Depth of the liabilities tree (`2^depth` slots), across shards for a proof set.
    pub depth: u32,
    /// Number of shard proofs (0 for a single proof).
    pub shards: usize,
    /// The `k` of every circuit checked.
    pub ks: Vec<u32>,
    /// Total size of the proof bytes.
    pub proof_len: usize,
    /// Digest of the proof file, for the next epoch's `previous`.
    pub digest: [u8; 32],
}

/// Supplies IPA parameters for a `k`.
pub type ParamsFor<'a> = dyn FnMut(u32) -> Result<Params<Curve>, VerifyError> + 'a;

/// Parses a proof file of either kind and checks that its circuits can be rebuilt for its
/// statement (shapes fit, each `k` is its shape's).
pub fn parse(bytes: &[u8]) -> Result<Proof, VerifyError> {
    let proof = Proof::parse(bytes).map_err(VerifyError::Malformed)?;
    let public = &proof.statement().public;
    let check_k = |what: &str, k: u32, needed: u32| {
        if k == needed {
            Ok(())
        } else {
            Err(VerifyError::Invalid(format!(
                "{what}: k = {k} but the shape needs k = {needed}"
            )))
        }
    };
    let check_shape = |what: &str, shape: Shape| {
        if shape.fits(public) {
            Ok(())
        } else {
            Err(VerifyError::Invalid(format!(
                "{what}: shape {shape:?} does not match the statement"
            )))
        }
    };
    match &proof {
        Proof::Single(f) => {
            check_shape("circuit", f.circuit.shape)?;
            check_k("circuit", f.circuit.k, f.circuit.shape.k())?;
        }
        Proof::Set(f) => {
            check_shape("shards", f.shards.circuit.shape)?;
            check_k("shards", f.shards.circuit.k, f.shards.circuit.shape.k())?;
            let top = f.top.shape;
            if !top.fits(public) {
                return Err(VerifyError::Invalid(format!(
                    "top: shape {top:?} does not match the statement"
                )));
            }
            check_k("top", f.top.k, top.k())?;
            if top.shard_depth != f.shards.circuit.shape.depth {
                return Err(VerifyError::Invalid(format!(
                    "top: shards of depth {} but the shard circuit has depth {}",
                    top.shard_depth, f.shards.circuit.shape.depth
                )));
            }
            let n = top.shards;
            let s = &f.shards;
            if s.sub_roots.len() != n || s.sums.len() != n || s.proofs.len() != n {
                return Err(VerifyError::Invalid(format!(
                    "{} sub-roots, {} sums and {} proofs for {n} shards",
                    s.sub_roots.len(),
                    s.sums.len(),
                    s.proofs.len()
                )));
            }
        }
    }
    Ok(proof)
}

/// The `k` of every circuit a parsed proof needs parameters for.
pub fn ks(proof: &Proof) -> Vec<u32> {
    match proof {
        Proof::Single(f) => vec![f.circuit.k],
        Proof::Set(f) => vec![f.shards.circuit.k, f.top.k],
    }
}

/// BLAKE2b-256 of the verifying key's pinned form, hex: what a proof file records.
pub fn vk_digest(vk: &halo2_proofs::plonk::VerifyingKey<Curve>) -> String {
    let pinned = format!("{:?}", vk.pinned());
    hex::encode(
        blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"solvency-vk/1\0\0\0")
            .hash(pinned.as_bytes())
            .as_bytes(),
    )
}

fn proof_bytes(what: &str, text: &str) -> Result<Vec<u8>, VerifyError> {
    hex::decode(text).map_err(|e| VerifyError::Malformed(format!("{what}: {e}")))
}

fn check_vk(
    what: &str,
    vk: Result<halo2_proofs::plonk::VerifyingKey<Curve>, halo2_proofs::plonk::Error>,
    digest: &str,
) -> Result<halo2_proofs::plonk::VerifyingKey<Curve>, VerifyError> {
    let vk = vk.map_err(|e| {
        VerifyError::Invalid(format!("{what}: cannot rebuild the verifying key: {e}"))
    })?;
    if vk_digest(&vk) != digest {
        return Err(VerifyError::Invalid(format!(
            "{what}: the verifying key digest does not match the circuit of this statement"
        )));
    }
    Ok(vk)
}

/// Verifies a proof file of either kind; `params` supplies IPA parameters for each `k`.
///
/// A single proof is checked against the verifying key rebuilt from its statement and shape.
/// A proof set is checked as a whole: all shard proofs in one batch under the one shard key,
/// each against its public sub-root and sums commitment, and the top proof, whose instance
/// holds the same sub-roots and commitments — so the top opens exactly the sums the shards
/// proved, and `R_L` is the root over exactly the shards' subtrees, completed by constant
/// empty subtrees.
pub fn verify_with(params: &mut ParamsFor<'_>, bytes: &[u8]) -> Result<Verified, VerifyError> {
    let proof = parse(bytes)?;
    let statement = proof.statement().clone();
    let public = &statement.public;
    let (depth, shards, proof_len) = match &proof {
        Proof::Single(f) => {
            let bytes = proof_bytes("proof", &f.proof)?;
            let params = params(f.circuit.k)?;
            let vk = check_vk(
                "circuit",
                proof::verifying_key(&params, public, f.circuit.shape),
                &f.circuit.vk_digest,
            )?;
            proof::verify(&params, &vk, &statement, &bytes)
                .map_err(|e| VerifyError::Invalid(format!("the proof does not verify: {e}")))?;
            (f.circuit.shape.depth, 0, bytes.len())
        }
        Proof::Set(f) => {
            let shard_proofs = f
                .shards
                .proofs
                .iter()
                .enumerate()
                .map(|(i, p)| proof_bytes(&format!("shard {i} proof"), p))
                .collect::<Result<Vec<_>, _>>()?;
            let top_proof = proof_bytes("top proof", &f.top.proof)?;
            let shard_params = params(f.shards.circuit.k)?;
            let top_params = params(f.top.k)?;
            // The two keys are independent; building them side by side fills the serial
            // stretches of key generation (measured: see docs/performance.md).
            let (shard_vk, top_vk) = rayon::join(
                || proof::shard_verifying_key(&shard_params, public, f.shards.circuit.shape),
                || proof::top_verifying_key(&top_params, public, f.top.shape),
            );
            let shard_vk = check_vk("shards", shard_vk, &f.shards.circuit.vk_digest)?;
            let top_vk = check_vk("top", top_vk, &f.top.vk_digest)?;
            let links: Vec<(Fp, Fp)> = f
                .shards
                .sub_roots
                .iter()
                .copied()
                .zip(f.shards.sums.iter().copied())
                .collect();
            proof::verify_set(
                &shard_params,
                &shard_vk,
                &top_params,
                &top_vk,
                &statement,
                &links,
                &shard_proofs,
                &top_proof,
            )
            .map_err(|e| VerifyError::Invalid(format!("the proof set does not verify: {e}")))?;
            let len = shard_proofs.iter().map(Vec::len).sum::<usize>() + top_proof.len();
            (
                f.shards.circuit.shape.depth + f.top.shape.depth(),
                links.len(),
                len,
            )
        }
    };
    Ok(Verified {
        digest: proof.digest(),
        ks: ks(&proof),
        statement,
        depth,
        shards,
        proof_len,
    })
}

/// Verifies a single-proof file with the given IPA parameters (whose `k` must be the file's).
pub fn verify_with_params(params: &Params<Curve>, bytes: &[u8]) -> Result<Verified, VerifyError> {
    verify_with(
        &mut |k| {
            if k == params.k() {
                Ok(params.clone())
            } else {
                Err(VerifyError::Invalid(format!(
                    "parameters for k = {} given for a circuit of k = {k}",
                    params.k()
                )))
            }
        },
        bytes,
    )
}

/// Verifies a proof file of either kind, computing the IPA parameters it needs.
pub fn verify(bytes: &[u8]) -> Result<Verified, VerifyError> {
    verify_with(&mut |k| Ok(Params::new(k)), bytes)
}

impl Verified {
    /// Checks an inclusion file against this verified proof; returns the positions as counted.
    pub fn check_inclusion(&self, inclusion: &[u8]) -> Result<Vec<Position>, InclusionError> {
        InclusionFile::parse(inclusion)?.check(&self.statement, self.depth)
    }
}

/// Verifies a proof file, then that an inclusion file's positions are inside it, unchanged:
/// the wallet's one call. Pure, like [`verify`].
pub fn verify_inclusion(
    proof: &[u8],
    inclusion: &[u8],
) -> Result<(Verified, Vec<Position>), VerifyError> {
    let verified = verify(proof)?;
    let positions = verified.check_inclusion(inclusion)?;
    Ok((verified, positions))
}
