//! The static verification site (`solvency-verifier web`): a page that verifies proof files
//! in the visitor's browser with the web module (`verifier/wasm`), for a protocol to host
//! beside its proofs. Everything it loads is in the folder — page, worker, module, the pinned
//! keys and the IPA parameters — so it makes no outside request; the module trusts a fetched
//! key or parameter file only if it hashes to the digest compiled into it.

use std::{fs, io, path::Path};

use solvency_circuits::keys::{self, KeyShape};

use crate::pinned;

/// The page and its scripts, as they are in `verifier/web/`.
const PAGE: &[(&str, &str)] = &[
    ("index.html", include_str!("../web/index.html")),
    ("app.js", include_str!("../web/app.js")),
    ("worker.js", include_str!("../web/worker.js")),
    ("verifier.js", include_str!("../web/verifier.js")),
];

/// The module's file name in the site, as `worker.js` fetches it.
pub const MODULE: &str = "solvency_verifier.wasm";

/// What a site holds.
#[derive(Debug, Default)]
pub struct Written {
    /// Pinned keys written (one file each).
    pub keys: usize,
    /// The `k` of each parameter file written.
    pub params: Vec<u32>,
    /// Bytes written in all.
    pub bytes: u64,
}

/// Writes the site into `out`, which must not exist or be an empty folder: built in a
/// temporary folder beside it and renamed into place, so `out` never holds half a site.
/// `module` is the web module (`scripts/build-web.sh` builds it).
pub fn write(out: &Path, module: &[u8]) -> io::Result<Written> {
    if !module.starts_with(b"\0asm") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the module is not WebAssembly (build it with scripts/build-web.sh)",
        ));
    }
    if out.exists() && fs::read_dir(out)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not empty", out.display()),
        ));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent)?;
    let tmp = tempfile::Builder::new()
        .prefix(".site-")
        .tempdir_in(parent)?;
    let mut written = Written::default();
    let mut put = |name: &str, bytes: &[u8]| -> io::Result<()> {
        let path = tmp.path().join(name);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(path, bytes)?;
        written.bytes += bytes.len() as u64;
        Ok(())
    };
    for (name, text) in PAGE {
        put(name, text.as_bytes())?;
    }
    put(MODULE, module)?;
    let mut params = Vec::new();
    for k in 1..=pinned::MAX_EMBEDDED_K {
        if let Some(bytes) = pinned::params_bytes(k) {
            put(&format!("params/params-k{k}.bin"), bytes)?;
            params.push(k);
        }
    }
    let mut count = 0;
    for shape in KeyShape::pinned() {
        let (bytes, _) = pinned::key(shape).map_err(io::Error::other)?;
        put(
            &format!("keys/{shape}.bin"),
            &keys::bundle(&[(shape, bytes.to_vec())]),
        )?;
        count += 1;
    }
    written.keys = count;
    written.params = params;
    let tmp = tmp.keep();
    // A temporary folder is private (0700); a site is read by a web server.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755))?;
    }
    // `rename` replaces an empty folder, and fails (leaving `out` as it was) otherwise.
    fs::rename(&tmp, out).inspect_err(|_| {
        let _ = fs::remove_dir_all(&tmp);
    })?;
    Ok(written)
}
