//! Verifying solvency proofs.
//!
//! [`verify`] is a pure function over the bytes of a `solvency-proof/2` or
//! `solvency-proof-set/3` file: no files, no clock, no threads required (rayon runs its work on
//! the calling thread where none can be spawned), so the same code runs on a laptop and inside
//! a deterministic runtime. It loads the pinned verifying key of the proof's shape (compiled
//! in, checked against its pinned digest, [`pinned`]), commits to the statement's band table
//! itself, recomputes every public input natively (shocked prices included) and checks the
//! proof; a proof set's shard proofs are checked in one batch weighted by hashes of the
//! proofs, not by OS randomness. Callers that keep IPA parameters between calls use
//! [`verify_with`] or [`verify_with_params`]. Hosts without the compiled-in keys and parameters
//! (the web module, the CosmWasm contract; feature `embedded` off) use [`verify_using`], with
//! bytes they fetched or stored, trusted only if they hash to the pinned digests.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod chain;
pub mod expected;
pub mod file;
pub mod inclusion;
pub mod opening;
#[cfg(feature = "cli")]
pub mod params;
pub mod pinned;
#[cfg(feature = "cli")]
pub mod replay;
pub mod report;
#[cfg(feature = "cli")]
pub mod site;

use rayon::prelude::*;
use solvency_circuits::{
    keys::{self, KeyShape, Srs},
    proof,
    shapes::{Shape, TopShape},
    statement::Statement,
};
use thiserror::Error;

pub use file::{
    CircuitParams, Proof, ProofFile, ProofSetFile, PROOF_FORMAT, PROOF_SET_FORMAT,
    PROOF_SET_FORMAT_DEPTH_UNBOUND, PROOF_SET_FORMAT_SINGLE_SHARDS,
};
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
    /// Number of shards (0 for a single proof).
    pub shards: usize,
    /// The `k` of every circuit checked.
    pub ks: Vec<u32>,
    /// Total size of the proof bytes.
    pub proof_len: usize,
    /// Digest of the proof file, for the next epoch's `previous`.
    pub digest: [u8; 32],
}

/// Supplies IPA parameters for a `k`. A proof set asks for its two `k` from two threads at
/// once (where there are threads), so that reading one set of parameters overlaps loading the
/// keys and checking the top proof. An [`Srs`] is either generated or read through
/// [`Srs::read`], which accepts only the pinned parameters; parameters of another `k` than
/// the one asked for are refused.
pub type ParamsFor<'a> = dyn Fn(u32) -> Result<Srs, VerifyError> + Sync + 'a;

/// The parameters `params` supplies for `k`, refused if they are for another `k`.
fn params_for(params: &ParamsFor<'_>, k: u32) -> Result<Srs, VerifyError> {
    let srs = params(k)?;
    if srs.k() != k {
        return Err(VerifyError::Invalid(format!(
            "parameters for k = {} supplied for a circuit of k = {k}",
            srs.k()
        )));
    }
    Ok(srs)
}

/// Parses a proof file of either kind and checks that its circuits can be rebuilt for its
/// statement (shapes fit, each `k` is its shape's) and that each names its shape's pinned
/// key: so no parameters are loaded, let alone generated, for a circuit that cannot verify.
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
            let shape = KeyShape::Single(f.circuit.shape);
            pinned_digest("circuit", shape, &f.circuit.vk_digest)?;
            check_len("proof", shape, 1, &f.proof)?;
        }
        Proof::Set(f) => {
            check_shape("shards", f.shards.circuit.shape)?;
            check_k(
                "shards",
                f.shards.circuit.k,
                f.shards.circuit.shape.shard_k(),
            )?;
            let top = f.top.shape;
            if !top.fits(public) {
                return Err(VerifyError::Invalid(format!(
                    "top: shape {top:?} does not match the statement"
                )));
            }
            check_k("top", f.top.k, top.k())?;
            let s = &f.shards;
            let n = s.sub_roots.len();
            let per_proof = f.shards_per_proof();
            if s.sums.len() != n || s.proofs.len() != n.div_ceil(per_proof) {
                return Err(VerifyError::Invalid(format!(
                    "{n} sub-roots, {} sums and {} shard proofs: {n} shards need {n} sums and \
                     {} proofs of up to {per_proof} shards each",
                    s.sums.len(),
                    s.proofs.len(),
                    n.div_ceil(per_proof),
                )));
            }
            let expected = TopShape::for_shards(s.circuit.shape, n);
            if n < 2 || top != expected {
                return Err(VerifyError::Invalid(format!(
                    "top: shape {top:?} for {n} shards of {:?}; expected {expected:?}",
                    s.circuit.shape
                )));
            }
            let shards = KeyShape::Shard(s.circuit.shape);
            pinned_digest("shards", shards, &s.circuit.vk_digest)?;
            pinned_digest("top", KeyShape::Top(top), &f.top.vk_digest)?;
            for (j, text) in s.proofs.iter().enumerate() {
                let circuits = proof::proof_shards(j, n, per_proof).len();
                check_len(&format!("shard proof {j}"), shards, circuits, text)?;
            }
            check_len("top proof", KeyShape::Top(top), 1, &f.top.proof)?;
        }
    }
    Ok(proof)
}

/// Refuses proof bytes (as hex `text`) that are not lower-case hex, or of another length than
/// a proof of `circuits` circuits of `shape` has ([`pinned::proof_len`]): cheap, and done
/// before any parameters are loaded, let alone generated, for a proof that cannot verify.
/// `parse` runs it on every proof of a file; a contract on each proof it is sent alone.
pub fn check_len(
    what: &str,
    shape: KeyShape,
    circuits: usize,
    text: &str,
) -> Result<(), VerifyError> {
    // The encoding first, so that bad hex is named as such (malformed, exit 2).
    if !text.len().is_multiple_of(2)
        || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        proof_bytes(what, text)?;
    }
    let expected = pinned::proof_len(shape)
        .map_err(|e| VerifyError::Invalid(format!("{what}: {e}")))?
        .of(circuits);
    if text.len() != 2 * expected {
        let circuits = match circuits {
            1 => format!("one {shape} circuit"),
            n => format!("{n} {shape} circuits"),
        };
        return Err(VerifyError::Invalid(format!(
            "{what}: {} hex digits, but a proof of {circuits} is {expected} bytes ({} digits)",
            text.len(),
            2 * expected
        )));
    }
    Ok(())
}

/// The `k` of every circuit a parsed proof needs parameters for.
pub fn ks(proof: &Proof) -> Vec<u32> {
    match proof {
        Proof::Single(f) => vec![f.circuit.k],
        Proof::Set(f) => vec![f.shards.circuit.k, f.top.k],
    }
}

/// The pinned key of every circuit a parsed proof needs.
pub fn key_shapes(proof: &Proof) -> Vec<KeyShape> {
    match proof {
        Proof::Single(f) => vec![KeyShape::Single(f.circuit.shape)],
        Proof::Set(f) => vec![
            KeyShape::Shard(f.shards.circuit.shape),
            KeyShape::Top(f.top.shape),
        ],
    }
}

/// Proof bytes from their one spelling: lower-case hex. `what` names them in the error.
pub fn proof_bytes(what: &str, text: &str) -> Result<Vec<u8>, VerifyError> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(VerifyError::Malformed(format!(
            "{what}: upper-case hex (proof bytes are written in lower case only)"
        )));
    }
    hex::decode(text).map_err(|e| VerifyError::Malformed(format!("{what}: {e}")))
}

/// A proof set's shard proofs and top proof as bytes, each from its one spelling
/// ([`proof_bytes`]): what [`verify_using`] checks, and what a contract that accepts the set
/// compares with the proofs it verified one at a time.
pub fn set_proof_bytes(f: &ProofSetFile) -> Result<(Vec<Vec<u8>>, Vec<u8>), VerifyError> {
    let shards = f
        .shards
        .proofs
        .par_iter()
        .enumerate()
        .map(|(j, p)| proof_bytes(&format!("shard proof {j}"), p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((shards, proof_bytes("top proof", &f.top.proof)?))
}

/// The digest pinned for `shape`'s key: refused unless the shape is pinned and the proof file
/// names that digest.
fn pinned_digest(what: &str, shape: KeyShape, named: &str) -> Result<&'static str, VerifyError> {
    let digest =
        pinned::key_digest(shape).map_err(|e| VerifyError::Invalid(format!("{what}: {e}")))?;
    if named != digest {
        return Err(VerifyError::Invalid(format!(
            "{what}: the proof names verifying key {named}, but the key pinned for the {shape} \
             circuit is {digest}"
        )));
    }
    Ok(digest)
}

/// The pinned key of `shape` for `public`, loaded from `bundle` and used only if the proof file
/// names (`named`) the digest pinned for the shape and the bytes hash to it; never generated.
/// `what` names the circuit in the error.
pub fn pinned_key(
    what: &str,
    bundle: &[u8],
    srs: &Srs,
    shape: KeyShape,
    public: &solvency_circuits::statement::Public,
    named: &str,
) -> Result<
    (
        halo2_proofs::plonk::VerifyingKey<proof::Curve>,
        &'static str,
    ),
    VerifyError,
> {
    let digest = pinned_digest(what, shape, named)?;
    let (bytes, _) = pinned::key_in(bundle, shape)
        .map_err(|e| VerifyError::Invalid(format!("{what}: {e} (no key bytes supplied)")))?;
    let vk = keys::load(srs, shape, public, bytes, digest)
        .map_err(|e| VerifyError::Invalid(format!("{what}: {e}")))?;
    Ok((vk, digest))
}

/// Verifies a proof file of either kind with the compiled-in keys ([`verify_using`]);
/// `params` supplies IPA parameters for each `k`.
#[cfg(feature = "embedded")]
pub fn verify_with(params: &ParamsFor<'_>, bytes: &[u8]) -> Result<Verified, VerifyError> {
    verify_using(pinned::KEYS, params, bytes)
}

/// Verifies a proof file of either kind; `keys` is a key bundle holding (at least) the keys
/// the proof needs, each trusted only if it hashes to its pinned digest, and `params` supplies
/// IPA parameters for each `k`.
///
/// A single proof is checked against the verifying key rebuilt from its statement and shape.
/// A proof set is checked as a whole: all shard proofs in one batch under the one shard key,
/// each against its public sub-root and sums commitment, and the top proof, whose instance
/// holds the same sub-roots and commitments — so the top opens exactly the sums the shards
/// proved, and `R_L` is the root over exactly the shards' subtrees, completed by constant
/// empty subtrees.
pub fn verify_using(
    keys: &[u8],
    params: &ParamsFor<'_>,
    bytes: &[u8],
) -> Result<Verified, VerifyError> {
    let proof = parse(bytes)?;
    let statement = proof.statement().clone();
    let public = &statement.public;
    let (depth, shards, proof_len) = match &proof {
        Proof::Single(f) => {
            let bytes = proof_bytes("proof", &f.proof)?;
            let srs = params_for(params, f.circuit.k)?;
            let shape = KeyShape::Single(f.circuit.shape);
            let named = &f.circuit.vk_digest;
            let (vk, _) = pinned_key("circuit", keys, &srs, shape, public, named)?;
            proof::verify(srs.params(), &vk, &statement.instance(), &bytes)
                .map_err(|e| VerifyError::Invalid(format!("the proof does not verify: {e}")))?;
            (f.circuit.shape.depth, 0, bytes.len())
        }
        Proof::Set(f) => {
            let (shard_proofs, top_proof) = set_proof_bytes(f)?;
            let links = f.shards.links();
            let invalid = |what: &str, e| VerifyError::Invalid(format!("{what}: {e}"));
            // Parameters come lazily: the table bases now, the generators on first use. One
            // thread decompresses the shard generators (the longest step: 2^16 square roots at
            // k = 15) while the other loads both keys and checks the top proof; then the
            // batch of shard proofs runs on every thread.
            let shard_srs = params_for(params, f.shards.circuit.k)?;
            let top_srs = params_for(params, f.top.k)?;
            let (_, keys_and_top) = rayon::join(
                || shard_srs.params(),
                || {
                    let shape = KeyShape::Shard(f.shards.circuit.shape);
                    let named = &f.shards.circuit.vk_digest;
                    let shard = pinned_key("shards", keys, &shard_srs, shape, public, named)?;
                    let shape = KeyShape::Top(f.top.shape);
                    let named = &f.top.vk_digest;
                    let (top_vk, _) = pinned_key("top", keys, &top_srs, shape, public, named)?;
                    proof::verify_top(
                        top_srs.params(),
                        &top_vk,
                        f.top.shape,
                        f.top_binding(),
                        &statement,
                        &links,
                        &top_proof,
                    )
                    .map_err(|e| invalid("the top proof does not verify", e))?;
                    Ok::<_, VerifyError>(shard)
                },
            );
            let (shard_vk, shard_digest) = keys_and_top?;
            proof::verify_shards(
                shard_srs.params(),
                &shard_vk,
                shard_digest.as_bytes(),
                &statement,
                &links,
                &shard_proofs,
                f.shards_per_proof(),
            )
            .map_err(|e| invalid("the shard proofs do not verify", e))?;
            let len = shard_proofs.iter().map(Vec::len).sum::<usize>() + top_proof.len();
            (
                f.shards.circuit.shape.depth + f.top.shape.depth,
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
#[cfg(feature = "embedded")]
pub fn verify_with_params(params: &Srs, bytes: &[u8]) -> Result<Verified, VerifyError> {
    verify_with(&|_| Ok(params.clone()), bytes)
}

/// Verifies a proof file of either kind with the IPA parameters compiled into the verifier
/// ([`pinned`]), generating only those of a `k` above [`pinned::MAX_EMBEDDED_K`].
#[cfg(feature = "embedded")]
pub fn verify(bytes: &[u8]) -> Result<Verified, VerifyError> {
    verify_with(&|k| Ok(pinned::srs_or_new(k)), bytes)
}

impl Verified {
    /// Checks an inclusion file against this verified proof; returns the positions as counted.
    pub fn check_inclusion(&self, inclusion: &[u8]) -> Result<Vec<Position>, InclusionError> {
        self.included(inclusion).map(|(_, positions)| positions)
    }

    /// [`Verified::check_inclusion`], with the account the inclusion file names.
    pub fn included(&self, inclusion: &[u8]) -> Result<report::Included, InclusionError> {
        let file = InclusionFile::parse(inclusion)?;
        let positions = file.check(&self.statement, self.depth)?;
        Ok((file.account, positions))
    }

    /// The verdict on the inclusion file `name` (its bytes, or why it could not be read), apart
    /// from this proof's: what the CLI, the web page and a wallet report.
    pub fn inclusion_verdict(
        &self,
        name: &str,
        bytes: Result<&[u8], &str>,
    ) -> report::InclusionVerdict {
        report::InclusionVerdict {
            file: name.to_owned(),
            result: bytes
                .map_err(|why| InclusionError::Malformed(why.to_owned()))
                .and_then(|b| self.included(b)),
        }
    }
}

/// Verifies a proof file, then that an inclusion file's positions are inside it, unchanged:
/// the wallet's one call. Pure, like [`verify`].
#[cfg(feature = "embedded")]
pub fn verify_inclusion(
    proof: &[u8],
    inclusion: &[u8],
) -> Result<(Verified, Vec<Position>), VerifyError> {
    let verified = verify(proof)?;
    let positions = verified.check_inclusion(inclusion)?;
    Ok((verified, positions))
}
