//! The prover's work: from a snapshot to a verified proof file and a reserve opening.
//!
//! The binary (`main.rs`) only parses arguments and prints; everything here is callable from
//! tests and other tools.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod report;

use std::{
    collections::BTreeMap,
    fs::{self, File},
    io::{BufReader, Seek, Write},
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use solvency_circuits::{
    commit::MerkleTree,
    encoding::format_decimal,
    keys::{KeyShape, Srs},
    limits::{read_limited, shard_depth, within, MAX_FILE_BYTES, MAX_SNAPSHOT_BYTES, SHARD_DEPTH},
    model::{evaluate, Evaluation},
    proof,
    shapes::one_proof_holds,
    snapshot::{Book, Header, Position, SnapshotError},
    statement::{Fp, Public},
    witness::{prepare, prepare_set, PreparedSet, Secrets, ShardPlan},
};
use solvency_verifier::{
    file::{
        CircuitParams, Proof, ProofFile, ProofSetFile, ShardSection, TopSection, PROOF_FORMAT,
        PROOF_SET_FORMAT,
    },
    inclusion::{file_name, InclusionFile},
    opening::{Balance, ReserveOpening, OPENING_FORMAT},
    pinned, verify_with, VerifyError,
};
use thiserror::Error;

/// The bundled demo snapshot (`fixtures/demo/snapshot.json`), proven when no snapshot is given.
pub const DEMO_SNAPSHOT: &str = include_str!("../../fixtures/demo/snapshot.json");

/// Why no proof was written.
#[derive(Debug, Error)]
pub enum ProveError {
    /// The snapshot breaks a rule of `solvency-snapshot/1`.
    #[error("invalid snapshot: {0}")]
    Snapshot(#[from] SnapshotError),
    /// The books are not solvent: nothing to prove.
    #[error("insolvent: {} of {} scenarios are not covered", .0.scenarios.iter().filter(|s| !s.covered()).count(), .0.scenarios.len())]
    Insolvent(Evaluation),
    /// A file could not be read or written, or is not what it should be.
    #[error("{0}")]
    Input(String),
    /// The proving system failed (a bug: the model said solvent).
    #[error("proving failed: {0}")]
    Proving(String),
}

impl ProveError {
    /// The CLI exit code: 1 insolvent, 2 anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            ProveError::Insolvent(_) => 1,
            _ => 2,
        }
    }
}

/// Wall time of each proving step.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    /// Loading or generating IPA parameters.
    pub params: Duration,
    /// Witness, keys and proof.
    pub prove: Duration,
    /// Verifying the fresh proof before writing it.
    pub self_check: Duration,
}

/// A proven epoch: the files to write and what it took.
#[derive(Clone, Debug)]
pub struct Proved {
    /// The public proof file.
    pub file: Proof,
    /// The secret reserve opening.
    pub opening: ReserveOpening,
    /// One inclusion file per account, for its holder.
    pub inclusions: Vec<InclusionFile>,
    /// The model's verdict per scenario.
    pub evaluation: Evaluation,
    /// Positions proven.
    pub positions: usize,
    /// Proof bytes.
    pub proof_len: usize,
    /// Step timings.
    pub timings: Timings,
}

/// Parses a 64-hex-digit seed given by `what` (an option or a variable, named in the error;
/// the value is not echoed: it is a secret).
pub fn parse_seed(what: &str, text: &str) -> Result<[u8; 32], ProveError> {
    hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ProveError::Input(format!("{what}: the seed is not 64 hex digits")))
}

/// Reads the epoch's secret seed from `path`: 64 hex digits, in a regular file readable by
/// its owner only (mode 0600 or 0400), so that no other user of the machine can read it.
pub fn read_seed_file(path: &Path) -> Result<[u8; 32], ProveError> {
    let what = format!("--seed-file {}", path.display());
    let bad = |why: String| ProveError::Input(format!("{what}: {why}"));
    let meta = fs::metadata(path).map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("not a regular file".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode != 0o600 && mode != 0o400 {
            return Err(bad(format!(
                "mode {mode:04o} lets others read the secret seed; chmod 600 it"
            )));
        }
    }
    if meta.len() > 1024 {
        return Err(bad("larger than a seed".into()));
    }
    let text = fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    parse_seed(&what, &text)
}

/// Validates the snapshot at `path` in two streaming passes, holding none of its positions,
/// and returns its header.
pub fn check_snapshot(path: &Path) -> Result<Header, ProveError> {
    let (header, positions) = open_streaming(path)?;
    header.read_positions(positions, |_, _| ())?;
    Ok(header)
}

/// Refuses a book that one proof holds ([`one_proof_holds`]) where a proof set's commands
/// (`plan`, `shard`, `aggregate`) were asked for, before anything is proven: such a book has
/// no shards, and `prove` proves it whole.
pub fn needs_shards(public: &Public, positions: usize) -> Result<(), ProveError> {
    if one_proof_holds(public, positions) {
        return Err(ProveError::Input(format!(
            "the book has {positions} position(s), which one proof holds (up to {}): use \
             `solvency-prover prove`; plan, shard and aggregate split books larger than that",
            1 << SHARD_DEPTH
        )));
    }
    Ok(())
}

/// Opens the snapshot at `path` for two streaming passes and runs the first, returning the
/// header and the same file rewound for the second. One handle is read twice, so both passes
/// see the same file even if the path is replaced in between; a pipe cannot be read twice
/// and is refused.
fn open_streaming(path: &Path) -> Result<(Header, BufReader<File>), ProveError> {
    let io = |e: std::io::Error| ProveError::Input(format!("{}: {e}", path.display()));
    let mut file = File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(ProveError::Input(format!(
            "{}: not a regular file; the snapshot is read twice (its header, then its \
             positions), which a pipe cannot give",
            path.display()
        )));
    }
    within(meta.len(), MAX_SNAPSHOT_BYTES)
        .map_err(|e| ProveError::Input(format!("{}: {e}", path.display())))?;
    let header = Header::from_reader(BufReader::new(&file))?;
    file.rewind().map_err(io)?;
    Ok((header, BufReader::new(file)))
}

/// Reads a snapshot file, or the bundled demo when `path` is `None`.
pub fn read_book(path: Option<&Path>) -> Result<Book, ProveError> {
    let bytes = match path {
        Some(p) => read_limited(p, MAX_SNAPSHOT_BYTES)
            .map_err(|e| ProveError::Input(format!("{}: {e}", p.display())))?,
        None => DEMO_SNAPSHOT.as_bytes().to_vec(),
    };
    Ok(Book::from_json(&bytes)?)
}

/// The previous epoch's proof, verified, as a next epoch names it.
#[derive(Clone, Debug)]
pub struct Previous {
    /// Its digest: the next statement's `previous`.
    pub digest: [u8; 32],
    /// Its epoch.
    pub epoch: u64,
    /// Epoch numbers between it and the book's (a chain allows gaps; an hourly operator wants
    /// to see them).
    pub skipped_epochs: u64,
}

/// Reads the previous epoch's proof file, verifies it (a tampered predecessor is refused, not
/// chained to) with the parameters `params` supplies, and checks it can precede `book`: same
/// protocol, an earlier epoch, an earlier snapshot time.
pub fn read_previous(
    path: &Path,
    book: &Book,
    params: &solvency_verifier::ParamsFor<'_>,
) -> Result<Previous, ProveError> {
    let bad = |why: String| ProveError::Input(format!("--previous {}: {why}", path.display()));
    let bytes = read_limited(path, MAX_FILE_BYTES).map_err(|e| bad(e.to_string()))?;
    let prev = solvency_verifier::verify_with(params, &bytes).map_err(|e| bad(e.to_string()))?;
    let p = &prev.statement.public;
    if p.protocol != book.public.protocol {
        return Err(bad(format!(
            "protocol {:?} is not {:?}",
            p.protocol, book.public.protocol
        )));
    }
    if p.epoch >= book.public.epoch {
        return Err(bad(format!(
            "epoch {} does not precede epoch {}",
            p.epoch, book.public.epoch
        )));
    }
    if p.timestamp >= book.public.timestamp {
        return Err(bad(format!(
            "its snapshot time {} is not before this snapshot's {}: time must move forward \
             along a chain",
            solvency_verifier::report::time(p.timestamp),
            solvency_verifier::report::time(book.public.timestamp)
        )));
    }
    Ok(Previous {
        digest: prev.digest,
        epoch: p.epoch,
        skipped_epochs: book.public.epoch - p.epoch - 1,
    })
}

/// Verifies the proof file at `path` and checks it proves `book`'s public data (protocol,
/// epoch, prices, policy); returns its digest, for a report to name.
pub fn proof_of_book(
    path: &Path,
    book: &Book,
    params: &solvency_verifier::ParamsFor<'_>,
) -> Result<[u8; 32], ProveError> {
    let bad = |why: String| ProveError::Input(format!("--proof {}: {why}", path.display()));
    let bytes = read_limited(path, MAX_FILE_BYTES).map_err(|e| bad(e.to_string()))?;
    let verified =
        solvency_verifier::verify_with(params, &bytes).map_err(|e| bad(e.to_string()))?;
    if verified.statement.public != book.public {
        return Err(bad(format!(
            "it proves {} epoch {} with other public data than this snapshot's",
            verified.statement.public.protocol, verified.statement.public.epoch
        )));
    }
    Ok(verified.digest)
}

/// Proves `book`: refuses an insolvent one, proves, verifies the fresh proof, and returns the
/// files to write. `params` supplies IPA parameters for a `k`; `step` names each long step as
/// it starts.
pub fn prove_book(
    book: &Book,
    seed: [u8; 32],
    previous: Option<[u8; 32]>,
    mut params: impl FnMut(u32) -> Srs,
    mut step: impl FnMut(&str) + Send,
) -> Result<Proved, ProveError> {
    let evaluation = solvent(book)?;
    let secrets = Secrets::from_seed(seed);
    let mut timings = Timings::default();
    if !one_proof_holds(&book.public, book.positions.len()) {
        let set = prepare_set(book, &secrets, previous, shard_depth(book.positions.len()));
        let n = set.links.len();
        let shard_k = set.plan.shard_shape.shard_k();
        let top_k = set.plan.top_shape.k();
        step(&format!("loading IPA parameters (k = {shard_k}, {top_k})"));
        let t = Instant::now();
        let shard_params = params(shard_k);
        let top_params = params(top_k);
        timings.params = t.elapsed();
        let t = Instant::now();
        step(&format!(
            "proving {n} shards of {} slots (k = {shard_k}) and the top (k = {top_k})",
            set.plan.shard_shape.slots()
        ));
        // Shards finish out of order on several threads: count them, and let one thread at a
        // time report.
        let proved = AtomicUsize::new(0);
        let shared_step = Mutex::new(&mut step);
        let vk = pinned_key(
            &shard_params,
            KeyShape::Shard(set.plan.shard_shape),
            &set.statement.public,
        )?;
        // The top's instance holds the shards' public outputs, which the witness gives, not
        // their proofs: it is proven beside them, on the core their proofs' serial stretches
        // leave idle.
        let (shard_proofs, top_proof) = rayon::join(
            || {
                proof::prove_set_shards(shard_params.params(), &vk, &set, rand::rng(), |_| {
                    let m = proved.fetch_add(1, Ordering::Relaxed) + 1;
                    let mut step = shared_step.lock().unwrap_or_else(|e| e.into_inner());
                    step(&format!("proved {m} of {n} shards (k = {shard_k})"))
                })
                .map_err(proving)
            },
            || prove_top(&set, &top_params),
        );
        let (shard_proofs, top_proof) = (shard_proofs?, top_proof?);
        timings.prove = t.elapsed();
        return finish_set(
            book,
            seed,
            &set,
            (shard_proofs, shard_params),
            (top_proof, top_params),
            &mut step,
            timings,
            evaluation,
        );
    }

    let prepared = prepare(book, &secrets, previous);
    let k = prepared.shape.k();
    step(&format!("loading IPA parameters (k = {k})"));
    let t = Instant::now();
    let params = params(k);
    timings.params = t.elapsed();
    step(&format!(
        "proving {} positions in {} slots (k = {k})",
        book.positions.len(),
        prepared.shape.slots()
    ));
    let t = Instant::now();
    let vk = pinned_key(
        &params,
        KeyShape::Single(prepared.shape),
        &prepared.statement.public,
    )?;
    let proof = proof::prove(params.params(), &vk, &prepared, rand::rng()).map_err(proving)?;
    timings.prove = t.elapsed();
    let file = Proof::Single(ProofFile {
        format: PROOF_FORMAT.into(),
        circuit: CircuitParams {
            shape: prepared.shape,
            k,
            vk_digest: pinned_digest(KeyShape::Single(prepared.shape))?,
        },
        statement: prepared.statement,
        proof: hex::encode(&proof),
    });
    step("checking the proof");
    let t = Instant::now();
    self_check(&file, &[params])?;
    timings.self_check = t.elapsed();
    Ok(finish(
        book,
        &secrets,
        seed,
        file,
        &prepared.tree,
        &prepared.slot_of,
        evaluation,
        proof.len(),
        timings,
    ))
}

/// The model's verdict, or the refusal to prove an insolvent book.
fn solvent(book: &Book) -> Result<Evaluation, ProveError> {
    let evaluation = evaluate(book);
    if evaluation.solvent() {
        Ok(evaluation)
    } else {
        Err(ProveError::Insolvent(evaluation))
    }
}

fn proving(e: halo2_proofs::plonk::Error) -> ProveError {
    ProveError::Proving(e.to_string())
}

/// The pinned verifying key of `shape` for `public`, which the prover proves under (a shape
/// without a pinned key cannot be verified, so it is not proven).
fn pinned_key(
    srs: &Srs,
    shape: KeyShape,
    public: &solvency_circuits::statement::Public,
) -> Result<halo2_proofs::plonk::VerifyingKey<proof::Curve>, ProveError> {
    pinned::load_key(srs, shape, public).map_err(|e| ProveError::Proving(e.to_string()))
}

/// The pinned key digest of `shape`, which a proof file names; a shape without a pinned
/// key cannot be verified, so it is not proven.
fn pinned_digest(shape: KeyShape) -> Result<String, ProveError> {
    pinned::key_digest(shape)
        .map(str::to_string)
        .map_err(|e| ProveError::Proving(e.to_string()))
}

/// Verifies a fresh proof file exactly as a user's verifier will (pinned keys, every public
/// input recomputed), with the parameters it was proven with.
fn self_check(file: &Proof, params: &[Srs]) -> Result<(), ProveError> {
    let params = |k| {
        params
            .iter()
            .find(|p| p.k() == k)
            .cloned()
            .ok_or_else(|| VerifyError::Invalid(format!("no parameters for k = {k}")))
    };
    verify_with(&params, &file.to_bytes())
        .map(|_| ())
        .map_err(|e| ProveError::Proving(format!("the fresh proof does not verify: {e}")))
}

/// Proves the top circuit of `set` under its pinned key.
fn prove_top(set: &PreparedSet, top_params: &Srs) -> Result<Vec<u8>, ProveError> {
    let vk = pinned_key(
        top_params,
        KeyShape::Top(set.plan.top_shape),
        &set.statement.public,
    )?;
    proof::prove_top(top_params.params(), &vk, set, rand::rng()).map_err(proving)
}

/// Checks a proven set (the shard proofs and the top proof, each with the parameters it was
/// proven with) and assembles the files: the end of both [`prove_book`] and [`aggregate`].
#[allow(clippy::too_many_arguments)]
fn finish_set(
    book: &Book,
    seed: [u8; 32],
    set: &PreparedSet,
    (shard_proofs, shard_params): (Vec<Vec<u8>>, Srs),
    (top_proof, top_params): (Vec<u8>, Srs),
    step: &mut impl FnMut(&str),
    mut timings: Timings,
    evaluation: Evaluation,
) -> Result<Proved, ProveError> {
    let top_k = set.plan.top_shape.k();
    let len = shard_proofs.iter().map(Vec::len).sum::<usize>() + top_proof.len();
    let file = ProofSetFile {
        format: PROOF_SET_FORMAT.into(),
        statement: set.statement.clone(),
        shards: ShardSection {
            circuit: CircuitParams {
                shape: set.plan.shard_shape,
                k: set.plan.shard_shape.shard_k(),
                vk_digest: pinned_digest(KeyShape::Shard(set.plan.shard_shape))?,
            },
            sub_roots: set.links.iter().map(|l| l.0).collect(),
            sums: set.links.iter().map(|l| l.1).collect(),
            proofs: shard_proofs.iter().map(hex::encode).collect(),
        },
        top: TopSection {
            shape: set.plan.top_shape,
            k: top_k,
            vk_digest: pinned_digest(KeyShape::Top(set.plan.top_shape))?,
            proof: hex::encode(&top_proof),
        },
    };
    let file = Proof::Set(file);
    step("checking the proofs");
    let t = Instant::now();
    self_check(&file, &[shard_params, top_params])?;
    timings.self_check = t.elapsed();
    Ok(finish(
        book,
        &Secrets::from_seed(seed),
        seed,
        file,
        &set.tree,
        set.slot_of(),
        evaluation,
        len,
        timings,
    ))
}

/// The reserve opening and every account's inclusion file around a proven `file`.
#[allow(clippy::too_many_arguments)]
fn finish(
    book: &Book,
    secrets: &Secrets,
    seed: [u8; 32],
    file: Proof,
    tree: &MerkleTree,
    slot_of: &[usize],
    evaluation: Evaluation,
    proof_len: usize,
    timings: Timings,
) -> Proved {
    let statement = file.statement();
    let public = &statement.public;
    let opening = ReserveOpening {
        format: OPENING_FORMAT.into(),
        protocol: public.protocol.clone(),
        epoch: public.epoch,
        reserve_commitment: statement.reserve_commitment,
        balances: public
            .assets
            .iter()
            .zip(&book.reserves)
            .map(|(a, &b)| Balance {
                asset: a.symbol.clone(),
                amount: format_decimal(b, a.precision),
            })
            .collect(),
        blinding: secrets.blinding(),
        seed,
    };
    let mut accounts: BTreeMap<&str, Vec<(usize, &Position)>> = BTreeMap::new();
    for (p, &slot) in book.positions.iter().zip(slot_of) {
        accounts.entry(&p.account).or_default().push((slot, p));
    }
    let inclusions = accounts
        .into_iter()
        .map(|(account, positions)| {
            InclusionFile::new(
                statement,
                account,
                secrets.salt(account),
                &positions,
                |slot| tree.path(slot),
            )
        })
        .collect();
    Proved {
        file,
        opening,
        inclusions,
        evaluation,
        positions: book.positions.len(),
        proof_len,
        timings,
    }
}

/// The format tag of a shard proof file, as a batch engine's worker writes it.
pub const SHARD_FORMAT: &str = "solvency-shard/3";

/// One proof of consecutive shards (at most [`proof::SHARDS_PER_PROOF`]) and the public
/// values linking each of them to the top proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardProofFile {
    /// Always [`SHARD_FORMAT`].
    pub format: String,
    /// Protocol of the book.
    pub protocol: String,
    /// Epoch of the book.
    pub epoch: u64,
    /// The index of the first shard proven.
    pub index: usize,
    /// Each shard's subtree root, from shard `index` on.
    #[serde(with = "solvency_verifier::file::field_list")]
    pub sub_roots: Vec<Fp>,
    /// Each shard's commitment to its lane sums.
    #[serde(with = "solvency_verifier::file::field_list")]
    pub sums: Vec<Fp>,
    /// The proof bytes, hex.
    pub proof: String,
}

/// Proves shards `first..first + count` of the snapshot at `snapshot` (a batch engine's
/// task; the range stops at the last shard), with one key generation for all of them, in the
/// set's proofs of [`proof::SHARDS_PER_PROOF`] shards: `first` must be a proof's first shard
/// and the range must end at a proof's end. Every machine derives the same placement,
/// blindings and salts from the snapshot and the seed, and hashes only its own shards'
/// positions: a shard proof is bound to the public data, not to the whole tree. The snapshot
/// is streamed twice (header, then positions) and only these shards' positions are kept, so
/// memory does not grow with the book beyond 8 bytes per position.
pub fn prove_shards(
    snapshot: &Path,
    seed: [u8; 32],
    first: usize,
    count: usize,
    params: impl FnOnce(u32) -> Srs,
    done: impl Fn(usize) + Sync,
) -> Result<Vec<ShardProofFile>, ProveError> {
    let (header, positions) = open_streaming(snapshot)?;
    if let Err(e) = needs_shards(&header.public, header.positions) {
        // A book this small is read whole at once: a fault of its own is named first.
        header.read_positions(positions, |_, _| ())?;
        return Err(e);
    }
    let plan = ShardPlan::new(
        &header.public,
        header.positions,
        &Secrets::from_seed(seed),
        shard_depth(header.positions),
    );
    let n = plan.shards;
    let per = proof::SHARDS_PER_PROOF;
    let end = n.min(first.saturating_add(count));
    if first >= n
        || count == 0
        || !proof::is_proof_boundary(first, n)
        || !proof::is_proof_boundary(end, n)
    {
        return Err(ProveError::Input(format!(
            "--index {first} --count {count}: the book has {n} shards (0..{n}), proven {per} \
             to a proof; a task starts at a multiple of {per} and covers a multiple of {per} \
             shards (or runs to the last)"
        )));
    }
    // A shard's rows take about 1 MB: a task's few shards are built up front.
    let shards = plan.read_shards(&header, positions, first..end)?;
    let shape = plan.shard_shape;
    let params = params(shape.shard_k());
    let public = &header.public;
    let vk = pinned_key(&params, KeyShape::Shard(shape), public)?;
    let job = |i: usize| {
        let shard = &shards[i - first];
        let (root, sums) = shard.link;
        (
            shard.witness.clone(),
            public.shard_instance(i, n, root, sums),
        )
    };
    let proofs = proof::prove_shards(
        params.params(),
        &vk,
        public,
        shape,
        first..end,
        n,
        job,
        rand::rng(),
        done,
    )
    .map_err(proving)?;
    Ok(proofs
        .into_iter()
        .enumerate()
        .map(|(j, proof)| {
            let group = proof::proof_shards(first / per + j, n, per);
            let (sub_roots, sums) = shards[group.start - first..group.end - first]
                .iter()
                .map(|s| s.link)
                .unzip();
            ShardProofFile {
                format: SHARD_FORMAT.into(),
                protocol: public.protocol.clone(),
                epoch: public.epoch,
                index: group.start,
                sub_roots,
                sums,
                proof: hex::encode(proof),
            }
        })
        .collect())
}

/// Proves the top over shard proofs made elsewhere (`shard_files`, in order: the set's
/// proofs, each of [`proof::SHARDS_PER_PROOF`] shards but the last), checks the whole set,
/// and returns the files to write — as [`prove_book`] would have.
pub fn aggregate(
    book: &Book,
    seed: [u8; 32],
    previous: Option<[u8; 32]>,
    shard_files: &[ShardProofFile],
    mut params: impl FnMut(u32) -> Srs,
    mut step: impl FnMut(&str),
) -> Result<Proved, ProveError> {
    needs_shards(&book.public, book.positions.len())?;
    let evaluation = solvent(book)?;
    let secrets = Secrets::from_seed(seed);
    let set = prepare_set(book, &secrets, previous, shard_depth(book.positions.len()));
    let n = set.links.len();
    let per = proof::SHARDS_PER_PROOF;
    if shard_files.len() != n.div_ceil(per) {
        return Err(ProveError::Input(format!(
            "{} shard proof files for a book of {n} shards ({} proofs of up to {per} shards)",
            shard_files.len(),
            n.div_ceil(per)
        )));
    }
    let mut proofs = Vec::with_capacity(shard_files.len());
    for (j, f) in shard_files.iter().enumerate() {
        let group = proof::proof_shards(j, n, per);
        let bad = |why: &str| ProveError::Input(format!("shard file {}: {why}", group.start));
        if f.format != SHARD_FORMAT || f.index != group.start {
            return Err(bad("not this proof's shard file"));
        }
        let links = solvency_verifier::file::links(&f.sub_roots, &f.sums);
        if links.as_deref() != Some(&set.links[group.clone()])
            || f.protocol != book.public.protocol
            || f.epoch != book.public.epoch
        {
            return Err(bad("proven for another book, seed or epoch"));
        }
        proofs.push(hex::decode(&f.proof).map_err(|e| bad(&e.to_string()))?);
    }
    let mut timings = Timings::default();
    let t = Instant::now();
    let top_k = set.plan.top_shape.k();
    let shard_params = params(set.plan.shard_shape.shard_k());
    let top_params = params(top_k);
    timings.params = t.elapsed();
    step(&format!("proving the top over {n} shards (k = {top_k})"));
    let t = Instant::now();
    let top_proof = prove_top(&set, &top_params)?;
    timings.prove = t.elapsed();
    finish_set(
        book,
        seed,
        &set,
        (proofs, shard_params),
        (top_proof, top_params),
        &mut step,
        timings,
        evaluation,
    )
}

/// Threads writing inclusion files at once: the time goes to waiting for each file's sync,
/// so more writers than cores help (2,000 positions, 667 files: 0.40 s with one writer,
/// 0.17–0.25 s with sixteen, `docs/performance.md`).
const INCLUSION_WRITERS: usize = 16;

/// Writes `DIR/proof.json`, `DIR/reserve-opening.json`, `DIR/inclusion/<account>.json` and
/// `DIR/inclusion/index.json`.
///
/// Everything is first written to temporary files inside `dir` and renamed into place only
/// once all of it is fully written, so a failure leaves no half-written file behind. The proof
/// is world-readable; the opening, the inclusion files (each holds its account's secret salt)
/// and their folder are its owner's only (0600, 0700).
pub fn write_outputs(dir: &Path, proved: &Proved) -> Result<Vec<PathBuf>, ProveError> {
    let io = |what: &Path, e: std::io::Error| ProveError::Input(format!("{}: {e}", what.display()));
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;

    let staging = tempfile::Builder::new()
        .prefix(".inclusion-")
        .tempdir_in(dir)
        .map_err(|e| io(dir, e))?;
    // Each file is synced before the rename makes it visible, and a sync waits on the disk,
    // not the CPU: writers side by side overlap those waits.
    let chunk = proved.inclusions.len().div_ceil(INCLUSION_WRITERS).max(1);
    std::thread::scope(|s| {
        let writers: Vec<_> = proved
            .inclusions
            .chunks(chunk)
            .map(|files| {
                s.spawn(|| {
                    files.iter().try_for_each(|inclusion| {
                        let bytes =
                            serde_json::to_vec_pretty(inclusion).expect("inclusion serializes");
                        let path = staging.path().join(file_name(&inclusion.account));
                        write_new(&path, &bytes, 0o600).map_err(|e| io(&path, e))
                    })
                })
            })
            .collect();
        writers
            .into_iter()
            .try_for_each(|w| w.join().expect("an inclusion writer panicked"))
    })?;
    let index = inclusion_index(proved);
    let path = staging.path().join(INCLUSION_INDEX);
    write_new(&path, &index, 0o600).map_err(|e| io(&path, e))?;
    let files = [
        ("proof.json", proved.file.to_bytes(), 0o644),
        (
            "reserve-opening.json",
            serde_json::to_vec_pretty(&proved.opening).expect("opening serializes"),
            0o600,
        ),
    ];
    let mut staged = Vec::new();
    for (name, bytes, mode) in &files {
        let path = staging.path().join(name);
        write_new(&path, bytes, *mode).map_err(|e| io(&path, e))?;
        staged.push((path, dir.join(name)));
    }

    // Everything is on disk: move it into place.
    let inclusion_dir = dir.join("inclusion");
    let old = staging.path().join(".previous-inclusion");
    if inclusion_dir.exists() {
        fs::rename(&inclusion_dir, &old).map_err(|e| io(&inclusion_dir, e))?;
    }
    let mut written = Vec::new();
    for (from, to) in staged {
        fs::rename(&from, &to).map_err(|e| io(&to, e))?;
        written.push(to);
    }
    // The folder is its owner's only (0700): each file holds an account's secret salt.
    let staging = staging.keep();
    #[cfg(unix)]
    fs::set_permissions(
        &staging,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .map_err(|e| io(&staging, e))?;
    fs::rename(&staging, &inclusion_dir).map_err(|e| io(&inclusion_dir, e))?;
    let _ = fs::remove_dir_all(inclusion_dir.join(".previous-inclusion"));
    written.push(inclusion_dir);
    Ok(written)
}

/// The operator's map from account ids to inclusion file names, `inclusion/index.json`:
/// hashed names (`x-<hash>.json`) cannot be matched to accounts otherwise.
pub const INCLUSION_INDEX: &str = "index.json";

/// The format tag of [`INCLUSION_INDEX`].
pub const INCLUSION_INDEX_FORMAT: &str = "solvency-inclusion-index/1";

/// The bytes of `inclusion/index.json`: the epoch, and each account id with its file's name,
/// sorted by id.
fn inclusion_index(proved: &Proved) -> Vec<u8> {
    let public = &proved.file.statement().public;
    let files: std::collections::BTreeMap<&str, String> = proved
        .inclusions
        .iter()
        .map(|f| (f.account.as_str(), file_name(&f.account)))
        .collect();
    serde_json::to_vec_pretty(&serde_json::json!({
        "format": INCLUSION_INDEX_FORMAT,
        "protocol": public.protocol,
        "epoch": public.epoch,
        "files": files,
    }))
    .expect("the index serializes")
}

/// Makes `dir` ready to receive an epoch's files, before anything is proven: created if
/// missing, refused if it holds anything (an earlier epoch's `reserve-opening.json` is the only
/// copy of its seed and blinding) unless `force`, and refused if a file cannot be created in
/// it — so that a whole proof is never made only to fail at the end.
pub fn prepare_out_dir(dir: &Path, force: bool) -> Result<(), ProveError> {
    let io = |e: std::io::Error| ProveError::Input(format!("{}: {e}", dir.display()));
    fs::create_dir_all(dir).map_err(io)?;
    let mut entries = fs::read_dir(dir).map_err(io)?;
    if !force {
        if let Some(entry) = entries.next() {
            let name = entry.map_err(io)?.file_name();
            return Err(ProveError::Input(format!(
                "{}: the folder is not empty (it holds {}); an earlier epoch's \
                 reserve-opening.json there is the only copy of its seed and blinding. Give a \
                 new folder, or --force to replace what is there",
                dir.display(),
                name.to_string_lossy()
            )));
        }
    }
    tempfile::tempfile_in(dir).map_err(|e| {
        ProveError::Input(format!(
            "{}: cannot write in this folder ({e}); nothing was proven",
            dir.display()
        ))
    })?;
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ProveError> {
    let io = |e: std::io::Error| ProveError::Input(format!("{}: {e}", path.display()));
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder.tempfile_in(dir).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Writes a new file with the given permissions and syncs it.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// An uncovered scenario: what `prove` reports of an insolvent book, in words on stderr and as
/// fields in `--json`'s `failing_scenarios`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Shortfall {
    /// The scenario's name.
    pub scenario: String,
    /// What the reserves lack, USD: the amount to add (after haircuts) to cure it.
    pub shortfall_usd: String,
    /// The haircut reserves in the scenario, USD.
    pub reserves_usd: String,
    /// What the ratio requires in the scenario, USD.
    pub required_usd: String,
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: short by {} USD (haircut reserves {} USD, required {} USD)",
            self.scenario, self.shortfall_usd, self.reserves_usd, self.required_usd
        )
    }
}

/// Each uncovered scenario of `evaluation`.
pub fn shortfalls(evaluation: &Evaluation) -> Vec<Shortfall> {
    evaluation
        .scenarios
        .iter()
        .filter(|s| !s.covered())
        .map(|s| Shortfall {
            scenario: s.name.clone(),
            shortfall_usd: evaluation.usd(&-s.margin()),
            reserves_usd: evaluation.usd(&s.reserves.clone().into()),
            required_usd: evaluation.usd(&s.liabilities.clone().into()),
        })
        .collect()
}
