//! IPA parameters on disk: generated on first use, cached, and checked against digests pinned
//! in this source on every load.
//!
//! `Params::new(k)` is deterministic (hash-to-curve from a fixed domain) but slow — 46 s at
//! k = 16 on 2 cores — while reading a cached copy takes under a second. A cached file is
//! used only if its BLAKE2b-256 equals the digest pinned here for its `k`, so a tampered or
//! truncated cache is regenerated, never trusted. A `k` without a pinned digest is generated
//! in memory every time and not cached.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

use halo2_proofs::poly::commitment::Params;
use solvency_circuits::proof::Curve;

/// BLAKE2b-256 of `Params::<vesta::Affine>::new(k)` as written by `Params::write`, per `k`;
/// produced by `solvency-verifier params --print-digests`.
pub const PINNED: &[(u32, &str)] = &[
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
pub fn pinned(k: u32) -> Option<&'static str> {
    PINNED.iter().find(|(pk, _)| *pk == k).map(|(_, d)| *d)
}

/// The default cache directory: `$SOLVENCY_PARAMS_DIR`, else `$XDG_CACHE_HOME/solvency`,
/// else `~/.cache/solvency`, else `./.solvency-cache`.
pub fn default_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("SOLVENCY_PARAMS_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("solvency")))
        .or_else(|| env("HOME").map(|d| d.join(".cache").join("solvency")))
        .unwrap_or_else(|| PathBuf::from(".solvency-cache"))
}

/// BLAKE2b-256 of serialized parameters, hex.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(
        blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"solvency-params1")
            .hash(bytes)
            .as_bytes(),
    )
}

/// Serializes parameters.
pub fn to_bytes(params: &Params<Curve>) -> Vec<u8> {
    let mut bytes = Vec::new();
    params.write(&mut bytes).expect("writing to a Vec");
    bytes
}

/// Where a pinned `k` lands in the cache.
fn path(dir: &Path, k: u32) -> PathBuf {
    dir.join(format!("params-k{k}.bin"))
}

/// The parameters for `k`, from the cache in `dir` when a pinned copy is there; otherwise
/// generated (and cached when `k` is pinned). A cache that cannot be written is not an error.
pub fn load(dir: &Path, k: u32) -> Params<Curve> {
    let Some(pin) = pinned(k) else {
        return Params::new(k);
    };
    let file = path(dir, k);
    if let Ok(bytes) = fs::read(&file) {
        if digest(&bytes) == pin {
            if let Ok(params) = Params::read(&mut &bytes[..]) {
                return params;
            }
        }
    }
    let params = Params::new(k);
    let bytes = to_bytes(&params);
    assert_eq!(
        digest(&bytes),
        pin,
        "Params::new({k}) disagrees with its pinned digest"
    );
    // Best effort: a read-only or full disk only costs the next run the same wait.
    let _ = store(dir, &file, &bytes);
    params
}

/// Writes `bytes` to `file` atomically (temporary file in `dir`, then rename).
fn store(dir: &Path, file: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}
