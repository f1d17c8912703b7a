//! The verifier as a WebAssembly module for browsers (and any other wasm host).
//!
//! The module has **no imports** and a plain C ABI, so the page that hosts it needs no
//! generated glue and an auditor reads the whole interface here. It carries no key or
//! parameter bytes (they would triple its size): the page fetches those a proof needs, and
//! they are trusted only if they hash to the digests compiled into the module
//! ([`solvency_verifier::pinned`]) — so the module, not the server, decides what is pinned.
//!
//! The protocol, in the order a page calls it:
//! 1. `alloc(len)` for each input, written into the module's memory by the host;
//! 2. `needs(proof)` → what to fetch: `{"ok": true, "params": [k…], "keys": [name…], …}`;
//! 3. `verify(proof, keys, params, inclusion)` → the verdict: the CLI's `--json` object plus
//!    `"text"`, the proof's verdict in words line by line, and `"inclusion_text"`, the
//!    inclusion file's own verdict (a file of another epoch or a damaged one never makes a
//!    valid proof invalid); or `{"valid": false, "error": …, "exit_code": …}`;
//! 4. `release(ptr, len)` for each input and each answer.
//!
//! Each answer is a buffer `[len: u32 LE][len bytes of UTF-8 JSON]`, returned by pointer.
//! `keys` is a key bundle (one or more `keys/<name>.bin` files, concatenated); `params` is one
//! or more parameter files (`params/params-k<k>.bin`), concatenated; an empty `inclusion`
//! means none.

use std::collections::HashMap;

use serde_json::{json, Value};
use solvency_circuits::keys::{self, Srs};
use solvency_verifier::{key_shapes, ks, parse, report, verify_using, VerifyError};

/// What [`needs`] answers for a proof file: the parameters and keys to fetch, and what the
/// page can show while it fetches them.
pub fn needs_json(proof: &[u8]) -> Value {
    match parse(proof) {
        Ok(p) => {
            let public = &p.statement().public;
            let shards = match &p {
                solvency_verifier::Proof::Single(_) => 0,
                solvency_verifier::Proof::Set(f) => f.shards.proofs.len(),
            };
            json!({
                "ok": true,
                "protocol": public.protocol,
                "epoch": public.epoch,
                "shards": shards,
                "params": ks(&p),
                "keys": key_shapes(&p).iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        }
        Err(e) => refusal(&e),
    }
}

/// What [`verify`] answers: the verdict on `proof` with the given key bundle and parameter
/// files, and on `inclusion` when it is not empty.
pub fn verify_json(proof: &[u8], keys: &[u8], params: &[u8], inclusion: &[u8]) -> Value {
    let result = read_params(params).and_then(|srs| {
        let supply = |k| {
            srs.get(&k).cloned().ok_or_else(|| {
                VerifyError::Malformed(format!("no parameters for k = {k} were supplied"))
            })
        };
        let verified = verify_using(keys, &supply, proof)?;
        let included = match inclusion {
            [] => vec![],
            file => vec![verified.inclusion_verdict("your inclusion file", Ok(file))],
        };
        Ok((verified, included))
    });
    match result {
        Ok((verified, included)) => {
            let mut out = report::json(&verified, &included);
            out["text"] = json!(report::text(&verified, &[], None));
            out["inclusion_text"] = json!(report::inclusion_text(&verified, &included));
            out
        }
        Err(e) => refusal(&e),
    }
}

/// Parameter files laid end to end, each checked against its pinned digest.
fn read_params(mut bytes: &[u8]) -> Result<HashMap<u32, Srs>, VerifyError> {
    let mut out = HashMap::new();
    while !bytes.is_empty() {
        let k = bytes
            .first_chunk::<4>()
            .map(|k| u32::from_le_bytes(*k))
            .filter(|&k| solvency_verifier::pinned::pinned_params(k).is_some())
            .ok_or_else(|| {
                VerifyError::Malformed("a parameter file's header names no pinned k".into())
            })?;
        let (file, rest) = bytes.split_at_checked(keys::params_len(k)).ok_or_else(|| {
            VerifyError::Malformed(format!("the parameter file for k = {k} is cut short"))
        })?;
        out.insert(
            k,
            Srs::read(file).map_err(|e| VerifyError::Malformed(e.to_string()))?,
        );
        bytes = rest;
    }
    Ok(out)
}

/// The refusal object the CLI prints with `--json`.
fn refusal(e: &VerifyError) -> Value {
    json!({"ok": false, "valid": false, "error": e.to_string(), "exit_code": e.exit_code()})
}

/// An answer in a buffer the host reads and then releases: `[len: u32 LE][json]`.
fn answer(value: Value) -> *mut u8 {
    let text = value.to_string();
    let mut buf = Vec::with_capacity(4 + text.len());
    buf.extend_from_slice(&(text.len() as u32).to_le_bytes());
    buf.extend_from_slice(text.as_bytes());
    Box::into_raw(buf.into_boxed_slice()).cast()
}

/// A slice of `len` bytes the host wrote at `ptr` (from [`alloc`]); empty when `len` is 0.
///
/// # Safety
/// `ptr` must come from [`alloc`]`(len)` and not be released yet.
unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        // SAFETY: the caller passes a live allocation of `len` bytes from `alloc`.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// A zeroed buffer of `len` bytes for the host to fill; released with [`release`].
#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    Box::into_raw(vec![0u8; len].into_boxed_slice()).cast()
}

/// Frees a buffer from [`alloc`] (with its `len`) or an answer (with `4 + its length`).
///
/// # Safety
/// `ptr` and `len` must describe a buffer this module handed out and not yet released.
#[no_mangle]
pub unsafe extern "C" fn release(ptr: *mut u8, len: usize) {
    // SAFETY: the caller passes a boxed slice this module leaked, with its length.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
}

/// [`needs_json`] over a proof file in the module's memory.
///
/// # Safety
/// The pointer and length must describe a live buffer from [`alloc`].
#[no_mangle]
pub unsafe extern "C" fn needs(proof: *const u8, proof_len: usize) -> *mut u8 {
    // SAFETY: forwarded from the caller.
    answer(needs_json(unsafe { input(proof, proof_len) }))
}

/// [`verify_json`] over inputs in the module's memory.
///
/// # Safety
/// Each pointer and length must describe a live buffer from [`alloc`] (or have length 0).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn verify(
    proof: *const u8,
    proof_len: usize,
    keys: *const u8,
    keys_len: usize,
    params: *const u8,
    params_len: usize,
    inclusion: *const u8,
    inclusion_len: usize,
) -> *mut u8 {
    // SAFETY: forwarded from the caller.
    let (proof, keys, params, inclusion) = unsafe {
        (
            input(proof, proof_len),
            input(keys, keys_len),
            input(params, params_len),
            input(inclusion, inclusion_len),
        )
    };
    answer(verify_json(proof, keys, params, inclusion))
}

#[cfg(test)]
mod tests {
    use super::*;
    use solvency_circuits::keys::{self, KeyShape};

    fn repo(path: &str) -> Vec<u8> {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../").to_owned() + path).unwrap()
    }

    /// The demo's proof, its key bundle (all pinned keys) and the parameters for k = 9.
    fn demo() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        (
            repo("fixtures/demo/proof.json"),
            repo("verifier/keys/keys.bin"),
            repo("verifier/params/params-k9.bin"),
        )
    }

    fn error(v: &Value) -> &str {
        assert_eq!(v["valid"], false, "{v}");
        v["error"].as_str().unwrap()
    }

    #[test]
    fn the_demo_verifies_with_fetched_keys_and_parameters() {
        let (proof, keys, params) = demo();
        let needs = needs_json(&proof);
        assert_eq!(needs["params"], json!([9]));
        assert_eq!(needs["keys"].as_array().unwrap().len(), 1);
        let alice = repo("fixtures/demo/inclusion/alice.json");
        let v = verify_json(&proof, &keys, &params, &alice);
        assert_eq!(v["valid"], true, "{v}");
        assert!(v["text"][0].as_str().unwrap().starts_with("Proof: VALID"));
        assert_eq!(v["inclusions"][0]["account"], "alice");
        assert!(v["inclusion_text"][0]
            .as_str()
            .unwrap()
            .starts_with("Your positions: INCLUDED"));
        // Another epoch's inclusion file, or one cut short: the proof stays VALID, and the
        // inclusion gets its own verdict.
        let epoch8 = repo("fixtures/chain/epoch-8.json");
        let k9 = &params;
        let v = verify_json(&epoch8, &keys, k9, &alice);
        assert_eq!(
            (v["valid"].clone(), v["all_included"].clone()),
            (json!(true), json!(false))
        );
        assert_eq!(v["inclusions"][0]["result"], "other_epoch", "{v}");
        let v = verify_json(&proof, &keys, k9, &alice[..alice.len() / 2]);
        assert_eq!(v["valid"], true);
        assert_eq!(v["inclusions"][0]["result"], "unreadable");
        assert!(
            v["inclusion_text"][0].as_str().unwrap().contains("cut off"),
            "{v}"
        );
        // Only the one key the proof needs, as the page fetches it, is enough.
        let name = needs["keys"][0].as_str().unwrap();
        let shape = KeyShape::pinned()
            .into_iter()
            .find(|s| s.to_string() == name)
            .unwrap();
        let one = keys::bundle(&[(shape, keys::find(&keys, shape).unwrap().to_vec())]);
        assert_eq!(verify_json(&proof, &one, &params, &[])["valid"], true);
    }

    #[test]
    fn parameters_and_keys_are_trusted_only_by_their_pinned_digests() {
        let (proof, keys, params) = demo();
        let mut bad = params.clone();
        bad[100] ^= 1;
        assert!(error(&verify_json(&proof, &keys, &bad, &[])).contains("pinned digest"));
        assert!(error(&verify_json(&proof, &keys, &params[..1000], &[])).contains("cut short"));
        assert!(error(&verify_json(&proof, &keys, &[], &[])).contains("no parameters for k = 9"));
        // Another k's genuine parameters do not stand in.
        let k10 = repo("verifier/params/params-k10.bin");
        assert!(error(&verify_json(&proof, &keys, &k10, &[])).contains("no parameters for k = 9"));
        // One byte of the demo's key changed, wherever it sits in the bundle.
        let shape = KeyShape::pinned()
            .into_iter()
            .find(|s| s.to_string() == needs_json(&proof)["keys"][0])
            .unwrap();
        let mut key = keys::find(&keys, shape).unwrap().to_vec();
        key[40] ^= 1;
        let tampered = keys::bundle(&[(shape, key)]);
        assert!(error(&verify_json(&proof, &tampered, &params, &[])).contains("digest"));
        assert!(error(&verify_json(&proof, &[], &params, &[])).contains("no key bytes"));
    }

    #[test]
    fn a_tampered_proof_is_invalid_and_garbage_is_malformed() {
        let (proof, keys, params) = demo();
        let mut file: Value = serde_json::from_slice(&proof).unwrap();
        let hex = file["proof"].as_str().unwrap().to_owned();
        let flipped = if hex.ends_with('0') { '1' } else { '0' };
        file["proof"] = format!("{}{flipped}", &hex[..hex.len() - 1]).into();
        let v = verify_json(file.to_string().as_bytes(), &keys, &params, &[]);
        assert!(error(&v).contains("does not verify"), "{v}");
        assert_eq!(v["exit_code"], 1);
        let v = needs_json(b"{not json");
        assert_eq!(
            (v["ok"].clone(), v["exit_code"].clone()),
            (json!(false), json!(2))
        );
    }
}
