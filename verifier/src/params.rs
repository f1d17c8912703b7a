//! IPA parameters on disk, for the `k` the verifier does not carry compiled in
//! ([`crate::pinned::MAX_EMBEDDED_K`]) and for the prover: generated on first use, cached,
//! and checked against digests pinned in the source on every load.
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

use solvency_circuits::keys::Srs;

pub use crate::pinned::{params_digest as digest, pinned_params as pinned};

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

/// Where a pinned `k` lands in the cache.
fn path(dir: &Path, k: u32) -> PathBuf {
    dir.join(format!("params-k{k}.bin"))
}

/// The parameters for `k`: compiled in when they are, else from the cache in `dir` when a
/// pinned copy is there, else generated (and cached when `k` is pinned). A cache that cannot
/// be written is not an error.
pub fn load(dir: &Path, k: u32) -> Srs {
    if let Some(srs) = crate::pinned::srs(k) {
        return srs;
    }
    let Some(pin) = pinned(k) else {
        return Srs::new(k);
    };
    let file = path(dir, k);
    if let Ok(bytes) = fs::read(&file) {
        if let Ok(srs) = Srs::read(&bytes) {
            if srs.k() == k {
                return srs;
            }
        }
    }
    let srs = Srs::new(k);
    let bytes = srs.bytes();
    assert_eq!(
        digest(bytes),
        pin,
        "Params::new({k}) disagrees with its pinned digest"
    );
    // Best effort: a read-only or full disk only costs the next run the same wait.
    let _ = write_atomically(&file, bytes);
    srs
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder (created if
/// missing), then a rename, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
