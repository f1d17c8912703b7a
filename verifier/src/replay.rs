//! Replaying a fixtures corpus: for every case folder, re-derive the verdict with the native
//! model, check the stored proof, inclusion files and reserve opening against the snapshot,
//! and optionally prove again.
//!
//! A case folder holds `snapshot.json` and `expected.json` (see [`crate::expected`]); a solvent
//! case also holds `proof.json`, `inclusion/` and may hold `reserve-opening.json`.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

use solvency_circuits::{
    keys::{self, KeyShape, Srs},
    limits::{read_limited, shard_depth, MAX_FILE_BYTES, MAX_SNAPSHOT_BYTES},
    proof,
    shapes::one_proof_holds,
    snapshot::Book,
    witness::{prepare, prepare_set, Secrets},
};

use crate::{
    expected::{Expected, Verdict},
    inclusion::file_name,
    opening::ReserveOpening,
    pinned, verify_with,
};

/// The outcome of one case.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// The case folder's name.
    pub name: String,
    /// The verdict the model gives.
    pub verdict: Option<Verdict>,
    /// What was checked and held.
    pub checked: Vec<String>,
    /// What did not hold; empty when the case agrees.
    pub problems: Vec<String>,
}

impl CaseReport {
    /// Whether everything in the case agrees.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The case folders of a corpus, sorted: every sub-folder holding a `snapshot.json`.
pub fn cases(corpus: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(corpus)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("snapshot.json").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Replays one case; `params` supplies IPA parameters for a `k`.
pub fn replay_case(dir: &Path, params: &(dyn Fn(u32) -> Srs + Sync), reprove: bool) -> CaseReport {
    let mut r = CaseReport {
        name: dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        verdict: None,
        checked: vec![],
        problems: vec![],
    };
    let read = |name: &str| {
        let limit = if name == "snapshot.json" {
            MAX_SNAPSHOT_BYTES
        } else {
            MAX_FILE_BYTES
        };
        read_limited(&dir.join(name), limit)
    };
    let snapshot = match read("snapshot.json") {
        Ok(b) => b,
        Err(e) => {
            r.problems.push(format!("snapshot.json: {e}"));
            return r;
        }
    };
    let actual = Expected::of_snapshot(&snapshot);
    r.verdict = Some(actual.verdict);
    match read("expected.json")
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<Expected>(&b).map_err(|e| e.to_string()))
    {
        Ok(expected) if expected == actual => r.checked.push("model verdict and margins".into()),
        Ok(expected) => r.problems.push(format!(
            "the model disagrees with expected.json: model {}, expected {}",
            serde_json::to_string(&actual).expect("serializes"),
            serde_json::to_string(&expected).expect("serializes")
        )),
        Err(e) => r.problems.push(format!("expected.json: {e}")),
    }
    let has_proof = dir.join("proof.json").exists();
    let book = match (actual.verdict, has_proof) {
        (Verdict::Solvent, false) => {
            r.problems
                .push("a solvent case must carry proof.json".into());
            return r;
        }
        (Verdict::Solvent, true) => Book::from_json(&snapshot).expect("valid: verdict is solvent"),
        (_, true) => {
            r.problems
                .push("proof.json present for a snapshot that must not prove".into());
            return r;
        }
        (_, false) => return r,
    };

    // The stored proof, for exactly this snapshot.
    let proof_bytes = read("proof.json").unwrap_or_default();
    let verified = match verify_with(&|k| Ok(params(k)), &proof_bytes) {
        Ok(v) => v,
        Err(e) => {
            r.problems.push(format!("proof.json: {e}"));
            return r;
        }
    };
    if verified.statement.public != book.public {
        r.problems
            .push("proof.json proves another statement than snapshot.json".into());
    } else {
        let what = match verified.shards {
            0 => "proof".to_owned(),
            n => format!("proof set of {n} shards"),
        };
        r.checked.push(format!("{what} (k = {:?})", verified.ks));
    }

    // Every account's inclusion file, holding exactly its positions.
    let mut accounts: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for p in &book.positions {
        accounts.entry(&p.account).or_default().push(p.clone());
    }
    let mut included = 0;
    for (account, mut positions) in accounts {
        let path = dir.join("inclusion").join(file_name(account));
        match read_limited(&path, MAX_FILE_BYTES)
            .map_err(|e| e.to_string())
            .and_then(|b| verified.check_inclusion(&b).map_err(|e| e.to_string()))
        {
            Ok(mut counted) => {
                let key = |p: &solvency_circuits::snapshot::Position| {
                    (p.underlying, p.kind.bit(), p.strike, p.size, p.expiry)
                };
                counted.sort_by_key(key);
                positions.sort_by_key(key);
                if counted == positions {
                    included += 1;
                } else {
                    r.problems.push(format!(
                        "{}: positions differ from the snapshot",
                        path.display()
                    ));
                }
            }
            Err(e) => r.problems.push(format!("{}: {e}", path.display())),
        }
    }
    r.checked.push(format!("{included} inclusion files"));

    // The reserve opening, if the case carries one.
    let mut seed = None;
    if let Ok(bytes) = read("reserve-opening.json") {
        match ReserveOpening::parse(&bytes).and_then(|o| {
            let balances = o.open(&verified.statement)?;
            Ok((o, balances))
        }) {
            Ok((o, balances)) if balances == book.reserves => {
                r.checked.push("reserve opening".into());
                seed = Some(o.seed);
            }
            Ok(_) => r
                .problems
                .push("reserve-opening.json opens other balances than the snapshot's".into()),
            Err(e) => r.problems.push(format!("reserve-opening.json: {e}")),
        }
    }

    if let (true, None) = (reprove, seed) {
        r.problems
            .push("re-proving needs the seed of a reserve-opening.json that opens C_R".into());
    }
    if let (true, Some(seed)) = (reprove, seed) {
        let secrets = Secrets::from_seed(seed);
        let previous = verified.statement.previous;
        // The same split as the prover: one circuit, or shards and a top proof.
        let reproved = if one_proof_holds(&book.public, book.positions.len()) {
            let prepared = prepare(&book, &secrets, previous);
            let srs = params(prepared.shape.k());
            let shape = KeyShape::Single(prepared.shape);
            let instance = prepared.statement.instance();
            pinned::load_key(&srs, shape, &prepared.statement.public)
                .map_err(|e| e.to_string())
                .and_then(|vk| {
                    proof::prove(srs.params(), &vk, &prepared, rand::rng())
                        .and_then(|proof| proof::verify(srs.params(), &vk, &instance, &proof))
                        .map_err(|e| e.to_string())
                })
                .map(|()| prepared.statement)
        } else {
            let set = prepare_set(&book, &secrets, previous, shard_depth(book.positions.len()));
            let public = &set.statement.public;
            let (shard_shape, top_shape) = (set.plan.shard_shape, set.plan.top_shape);
            let (shard_srs, top_srs) = (params(shard_shape.shard_k()), params(top_shape.k()));
            let (shard_params, top_params) = (shard_srs.params(), top_srs.params());
            let shard_key = KeyShape::Shard(shard_shape);
            pinned::load_key(&shard_srs, shard_key, public)
                .and_then(|shard_vk| {
                    let top_vk = pinned::load_key(&top_srs, KeyShape::Top(top_shape), public)?;
                    Ok((shard_vk, top_vk))
                })
                .map_err(|e| e.to_string())
                .and_then(|(shard_vk, top_vk)| {
                    let prove = || {
                        let shards = proof::prove_set_shards(
                            shard_params,
                            &shard_vk,
                            &set,
                            rand::rng(),
                            |_| (),
                        )?;
                        let top = proof::prove_top(top_params, &top_vk, &set, rand::rng())?;
                        Ok::<_, halo2_proofs::plonk::Error>((shards, top))
                    };
                    let (shards, top) = prove().map_err(|e| e.to_string())?;
                    let key = keys::pinned_digest(shard_key, &shard_vk);
                    proof::verify_set(
                        shard_params,
                        &shard_vk,
                        key.as_bytes(),
                        top_params,
                        &top_vk,
                        top_shape,
                        &set.statement,
                        &set.links,
                        &shards,
                        proof::SHARDS_PER_PROOF,
                        &top,
                    )
                    .map_err(|e| e.to_string())
                })
                .map(|()| set.statement)
        };
        match reproved {
            Ok(statement) if statement != verified.statement => r.problems.push(
                "re-proven from the opening's seed, the statement differs from proof.json's".into(),
            ),
            Ok(_) => r.checked.push("re-proven and verified".into()),
            Err(e) => r.problems.push(format!("re-proving failed: {e}")),
        }
    }
    r
}
