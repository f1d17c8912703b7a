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
//! before use.
//!
//! The digests are always compiled in; the key and parameter bytes only with the `embedded`
//! feature (on by default). Without it — the web module, whose size matters — the host
//! fetches the bytes a proof needs, and they are trusted only if they match these digests.

use std::sync::OnceLock;

#[cfg(feature = "embedded")]
use halo2_proofs::plonk::VerifyingKey;
use solvency_circuits::keys::{self, KeyError, KeyShape, Srs};
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

/// Largest `k` whose parameters are compiled in; larger ones (tops over hundreds of shards)
/// come from the parameters cache.
pub const MAX_EMBEDDED_K: u32 = 15;

/// Every pinned shape with its pinned digest in hex, as a proof file names it.
fn pins() -> &'static [(KeyShape, String)] {
    static PINS: OnceLock<Vec<(KeyShape, String)>> = OnceLock::new();
    PINS.get_or_init(|| {
        KeyShape::pinned()
            .into_iter()
            .zip(DIGESTS.chunks_exact(32).map(hex::encode))
            .collect()
    })
}

/// The digest pinned for `shape`'s key.
pub fn key_digest(shape: KeyShape) -> Result<&'static str, KeyError> {
    pins()
        .iter()
        .find(|(s, _)| *s == shape)
        .map(|(_, digest)| digest.as_str())
        .ok_or(KeyError::NotPinned(shape))
}

/// The shape and pinned digest of the key named `name` (a shape's `Display`, as in a key
/// bundle).
pub fn named(name: &str) -> Option<(KeyShape, &'static str)> {
    pins()
        .iter()
        .find(|(s, _)| s.to_string() == name)
        .map(|(s, digest)| (*s, digest.as_str()))
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
    srs_from(params_bytes(k)?).ok()
}

/// Parameters read from `bytes` (as `Params::write` writes them), accepted only when they
/// hash to the digest pinned for their `k`: the one way serialized parameters are trusted.
pub fn srs_from(bytes: &[u8]) -> Result<Srs, String> {
    let k = bytes
        .first_chunk::<4>()
        .map(|k| u32::from_le_bytes(*k))
        .ok_or("parameters shorter than their header")?;
    let pin = pinned_params(k).ok_or_else(|| format!("no parameters are pinned for k = {k}"))?;
    if params_digest(bytes) != pin {
        return Err(format!(
            "the parameters for k = {k} do not match their pinned digest"
        ));
    }
    // Pinned, so every point decodes: the generators are decompressed on first use.
    Srs::read_pinned(bytes.into()).map_err(|e| format!("parameters for k = {k}: {e}"))
}

/// BLAKE2b-256 of `Params::<vesta::Affine>::new(k)` as written by `Params::write`, per `k`;
/// produced by `solvency-verifier params --print-digests`.
pub const PARAMS: &[(u32, &str)] = &[
    (
        4,
        "7ee93e9302ff373047ec1c7189c7549771ba8b6fd1c58b31cb0b2d58b5b46cc5",
    ),
    (
        5,
        "b3d8ca7bdd5d3ada17ca9c40d805e95bbbae1b695fa33caa234da7e36da18900",
    ),
    (
        6,
        "161e189cae860a1135afddd547ea409c32f837e79a2cdbc32d76afa1cffec314",
    ),
    (
        7,
        "93b56d33334e63facd84180409ed5bb09570054a325fbc6b14860ec818244112",
    ),
    (
        8,
        "5c122bcf21c0dc1d9f7efd689a651768f33fcb64cd8b2608c59fdd602c0cf634",
    ),
    (
        9,
        "bead50f1ebfb3d0ea5aace2d35c657f79dfe24aae4b47e6866ef906c4ad2ab70",
    ),
    (
        10,
        "a3ebfb3ca65042a7165d73d3ee655d8311aa70bd0cc31ef201526f9c56244d4f",
    ),
    (
        11,
        "c2df5328f6f77a434553905092eaeb555bb6717671e9f942d3a3f23bc02647cb",
    ),
    (
        12,
        "a894bf51657797fc8484d7813aed52a109a70c8dadb6c8493df2943803ec6116",
    ),
    (
        13,
        "0c5d7cb35125e0c507a0360a18b3a100ebb5bdff44c605f28c37b74d447f9381",
    ),
    (
        14,
        "11fe644b32946ba1df909e101903f2682c2119958ef35e6c4554ae994d797215",
    ),
    (
        15,
        "2e6a8e478301c6298a7f570e547abdb7d3c4be3e06a42735bd610e6e7bcb47a2",
    ),
    (
        16,
        "149ad010c98c7a5972b1b7c9c766ba2140c43c7eeb1270cbe372d95a43c9865a",
    ),
];

/// The pinned digest of the parameters for `k`, if any.
pub fn pinned_params(k: u32) -> Option<&'static str> {
    PARAMS.iter().find(|(pk, _)| *pk == k).map(|(_, d)| *d)
}

/// BLAKE2b-256 of serialized parameters, hex.
pub fn params_digest(bytes: &[u8]) -> String {
    hex::encode(
        blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"solvency-params1")
            .hash(bytes)
            .as_bytes(),
    )
}
