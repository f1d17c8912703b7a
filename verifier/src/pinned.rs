//! The verifying keys and IPA parameters compiled into the verifier, so that a first
//! verification on a fresh machine generates nothing.
//!
//! `keys/keys.bin` holds the pinned part of the key of every supported circuit shape
//! ([`solvency_circuits::keys`]), `keys/digests.txt` their BLAKE2b digests: the reviewable
//! pins, which `keys/digests.bin` holds as compiled in. A key is used only after its bytes
//! hash to its pinned digest. The files are written by `solvency-verifier keys --write
//! verifier/keys` (`scripts/regenerate-keys.sh`); `solvency-verifier keys` regenerates every
//! key from the circuit code and compares.
//!
//! `params/params-k{k}.bin` are `Params::new(k)` as `Params::write` writes them, for every `k` up to
//! [`MAX_EMBEDDED_K`]; each is checked against its digest pinned in [`PARAMS`]
//! before use (`Srs::read` is the only reader).
//!
//! The digests are always compiled in; the key and parameter bytes only with the `embedded`
//! feature (on by default). Without it — the web module, whose size matters — the host
//! fetches the bytes a proof needs, and they are trusted only if they match these digests.

use std::sync::OnceLock;

#[cfg(feature = "embedded")]
use halo2_proofs::plonk::VerifyingKey;
#[cfg(feature = "embedded")]
use solvency_circuits::keys::Srs;
use solvency_circuits::keys::{self, KeyError, KeyShape, ProofLen};
#[cfg(feature = "embedded")]
use solvency_circuits::{proof::Curve, statement::Public};

/// Every pinned key's bytes, compiled in (feature `embedded`); a host without them (the web
/// module) supplies a bundle of the keys it needs, checked against the digests all the same.
#[cfg(feature = "embedded")]
pub const KEYS: &[u8] = include_bytes!("../keys/keys.bin");

/// The pinned digest of each key, 32 bytes each in the order of [`KeyShape::pinned`]
/// ([`keys::digests_bytes`]): `keys/digests.txt` without its names, which the order gives.
/// As names and hex, the pins took 63 KB of the contract's 800 KiB of code (the text was in
/// the module twice); as this, 21.5 KB.
pub const DIGESTS: &[u8] = include_bytes!("../keys/digests.bin");

/// The length of each pinned shape's proofs, four bytes per shape in the order of
/// [`KeyShape::pinned`] ([`keys::proof_lens_bytes`]), so that a proof of the wrong length is
/// refused before any parameters are loaded or generated for it. Measured from the circuit
/// code when the keys are written; `solvency-verifier keys` measures them again and compares.
pub const PROOF_LENS: &[u8] = include_bytes!("../keys/proof-lens.bin");

/// Largest `k` whose parameters are compiled in; larger ones (tops over hundreds of shards)
/// come from the parameters cache.
pub const MAX_EMBEDDED_K: u32 = 15;

/// What is pinned for a shape: its key's digest in hex, as a proof file names it, and the
/// length of its proofs.
struct Pin {
    shape: KeyShape,
    digest: String,
    proof_len: ProofLen,
}

/// Every pinned shape's [`Pin`], from [`DIGESTS`] and [`PROOF_LENS`] (both in the order of
/// [`KeyShape::pinned`]).
fn pins() -> &'static [Pin] {
    static PINS: OnceLock<Vec<Pin>> = OnceLock::new();
    PINS.get_or_init(|| {
        let half = |b: &[u8]| usize::from(u16::from_le_bytes([b[0], b[1]]));
        KeyShape::pinned()
            .into_iter()
            .zip(DIGESTS.chunks_exact(32).zip(PROOF_LENS.chunks_exact(4)))
            .map(|(shape, (digest, len))| Pin {
                shape,
                digest: hex::encode(digest),
                proof_len: ProofLen {
                    first: half(&len[..2]),
                    further: half(&len[2..]),
                },
            })
            .collect()
    })
}

/// The [`Pin`] of `shape`.
fn pin(shape: KeyShape) -> Result<&'static Pin, KeyError> {
    pins()
        .iter()
        .find(|p| p.shape == shape)
        .ok_or(KeyError::NotPinned(shape))
}

/// The digest pinned for `shape`'s key.
pub fn key_digest(shape: KeyShape) -> Result<&'static str, KeyError> {
    pin(shape).map(|p| p.digest.as_str())
}

/// The pinned length of `shape`'s proofs.
pub fn proof_len(shape: KeyShape) -> Result<ProofLen, KeyError> {
    pin(shape).map(|p| p.proof_len)
}

/// The shape and pinned digest of the key named `name` (a shape's `Display`, as in a key
/// bundle).
pub fn named(name: &str) -> Option<(KeyShape, &'static str)> {
    pins()
        .iter()
        .find(|p| p.shape.to_string() == name)
        .map(|p| (p.shape, p.digest.as_str()))
}

/// The bytes of `shape`'s key in `bundle` (the compiled-in [`KEYS`] or a host's), with the
/// digest pinned for it; the bytes are checked against the digest when the key is loaded.
pub fn key_in(bundle: &[u8], shape: KeyShape) -> Result<(&[u8], &'static str), KeyError> {
    let digest = key_digest(shape)?;
    let bytes = keys::find(bundle, shape).ok_or(KeyError::NotPinned(shape))?;
    Ok((bytes, digest))
}

/// The compiled-in key bytes of `shape` and their pinned digest.
#[cfg(feature = "embedded")]
pub fn key(shape: KeyShape) -> Result<(&'static [u8], &'static str), KeyError> {
    key_in(KEYS, shape)
}

/// The compiled-in key of `shape` for `public`, loaded as a verifier loads it (digest checked,
/// band table committed from `public`). A prover proves under it instead of running
/// `keygen_vk` — one multi-scalar multiplication of `2^k` points per fixed and permutation
/// column — so its proofs are made for exactly the key every verifier uses.
#[cfg(feature = "embedded")]
pub fn load_key(
    srs: &Srs,
    shape: KeyShape,
    public: &Public,
) -> Result<VerifyingKey<Curve>, KeyError> {
    let (bytes, digest) = key(shape)?;
    keys::load(srs, shape, public, bytes, digest)
}

/// The compiled-in parameters for `k`, if any.
#[cfg(feature = "embedded")]
pub fn params_bytes(k: u32) -> Option<&'static [u8]> {
    Some(match k {
        9 => include_bytes!("../params/params-k9.bin"),
        10 => include_bytes!("../params/params-k10.bin"),
        11 => include_bytes!("../params/params-k11.bin"),
        12 => include_bytes!("../params/params-k12.bin"),
        13 => include_bytes!("../params/params-k13.bin"),
        14 => include_bytes!("../params/params-k14.bin"),
        15 => include_bytes!("../params/params-k15.bin"),
        _ => return None,
    })
}

/// The compiled-in parameters for `k`, else freshly generated ones (slow: about 46 s at
/// k = 16 on two cores).
#[cfg(feature = "embedded")]
pub fn srs_or_new(k: u32) -> Srs {
    srs(k).unwrap_or_else(|| Srs::new(k))
}

/// The compiled-in parameters for `k`, checked against their pinned digest.
#[cfg(feature = "embedded")]
pub fn srs(k: u32) -> Option<Srs> {
    Srs::read(params_bytes(k)?).ok()
}

/// The parameter pins live beside the one reader that checks them (`Srs::read`).
pub use solvency_circuits::srs::{params_digest, pinned_params, PARAMS};
