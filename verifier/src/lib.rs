//! Verifying solvency proofs.
//!
//! [`verify`] is a pure function over the bytes of a `solvency-proof/1` file: no files, no
//! clock, no threads required, so the same code runs on a laptop and inside a deterministic
//! runtime. It rebuilds the verifying key from the statement and the recorded shape,
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
    statement::Statement,
};
use thiserror::Error;

pub use file::{CircuitParams, ProofFile, PROOF_FORMAT};
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
    /// The circuit it was proven with.
    pub shape: Shape,
    /// `log2` of the circuit's rows.
    pub k: u32,
    /// Size of the proof bytes.
    pub proof_len: usize,
    /// Digest of the proof file, for the next epoch's `previous`.
    pub digest: [u8; 32],
}

/// Parses a proof file, checking its format tag, that it is spelled canonically (one spelling
/// per statement: no omitted defaults, no `3150.250` for `3150.25`) and that its shape can be
/// rebuilt.
pub fn parse(bytes: &[u8]) -> Result<ProofFile, VerifyError> {
    let file: ProofFile = file::parse_tagged(bytes, PROOF_FORMAT, |f: &ProofFile| &f.format)
        .map_err(VerifyError::Malformed)?;
    let raw: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    if serde_json::to_value(&file).ok() != Some(raw) {
        return Err(VerifyError::Malformed(
            "not in canonical form: a value is spelled differently from how the prover writes it"
                .into(),
        ));
    }
    let shape = file.circuit.shape;
    if !shape.fits(&file.statement.public) {
        return Err(VerifyError::Invalid(format!(
            "circuit shape {shape:?} does not match the statement"
        )));
    }
    if file.circuit.k != shape.k() {
        return Err(VerifyError::Invalid(format!(
            "k = {} but the shape needs k = {}",
            file.circuit.k,
            shape.k()
        )));
    }
    Ok(file)
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

/// Verifies a proof file with the given IPA parameters (whose `k` must be the file's).
pub fn verify_with_params(params: &Params<Curve>, bytes: &[u8]) -> Result<Verified, VerifyError> {
    let file = parse(bytes)?;
    let proof =
        hex::decode(&file.proof).map_err(|e| VerifyError::Malformed(format!("proof: {e}")))?;
    if params.k() != file.circuit.k {
        return Err(VerifyError::Invalid(format!(
            "parameters for k = {} given for a proof of k = {}",
            params.k(),
            file.circuit.k
        )));
    }
    let shape = file.circuit.shape;
    let vk = proof::verifying_key(params, &file.statement.public, shape)
        .map_err(|e| VerifyError::Invalid(format!("cannot rebuild the verifying key: {e}")))?;
    if vk_digest(&vk) != file.circuit.vk_digest {
        return Err(VerifyError::Invalid(
            "the verifying key digest does not match the circuit of this statement".into(),
        ));
    }
    proof::verify(params, &vk, &file.statement, &proof)
        .map_err(|e| VerifyError::Invalid(format!("the proof does not verify: {e}")))?;
    Ok(Verified {
        digest: file.digest(),
        statement: file.statement,
        shape,
        k: file.circuit.k,
        proof_len: proof.len(),
    })
}

/// Verifies a proof file, computing the IPA parameters it needs (slow for large `k`; see
/// [`verify_with_params`]).
pub fn verify(bytes: &[u8]) -> Result<Verified, VerifyError> {
    let k = parse(bytes)?.circuit.k;
    verify_with_params(&Params::new(k), bytes)
}

impl Verified {
    /// Checks an inclusion file against this verified proof; returns the positions as counted.
    pub fn check_inclusion(&self, inclusion: &[u8]) -> Result<Vec<Position>, InclusionError> {
        InclusionFile::parse(inclusion)?.check(&self.statement, self.shape.depth)
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
