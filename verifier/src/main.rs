//! `solvency-verifier`: checks solvency proofs and prints a verdict a user understands.
//!
//! Exit codes: 0 valid, 1 invalid, 2 bad input or usage, 3 a valid proof with an inclusion
//! file that does not show its positions in it.

/// `println!`, except that a closed stdout (`… --json | head`) ends the program quietly
/// instead of panicking, and another write error is said on stderr with exit code 2.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("solvency-verifier: standard output: {e}");
                std::process::exit(2);
            }
            std::process::exit(0);
        }
    }};
}

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use solvency_circuits::{
    encoding::format_decimal,
    keys::{self, KeyShape, Srs},
    limits::{read_limited, MAX_FILE_BYTES, MAX_SNAPSHOT_BYTES},
    snapshot::Book,
};
use solvency_verifier::{
    opening::{OpeningError, ReserveOpening},
    params, pinned, replay,
    report::{self, time},
    site, verify_with, VerifyError,
};

/// Where `scripts/build-web.sh` leaves the web module: in the source tree this binary was built
/// from, named by its absolute path so that an installed binary (`cargo install --path
/// verifier`) finds it from any folder.
const WEB_MODULE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../target/wasm32-unknown-unknown/wasm/solvency_verifier_wasm.wasm"
);

#[derive(Parser)]
#[command(
    name = "solvency-verifier",
    version,
    about = "Verify proofs of solvency of an options protocol"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a proof file (solvency-proof/2 or solvency-proof-set/5, /4, /3) and print what it
    /// proves.
    Verify {
        /// The proof file.
        proof: PathBuf,
        /// An account's inclusion file: also check that its positions are in the proof.
        #[arg(long = "inclusion", value_name = "FILE")]
        inclusions: Vec<PathBuf>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Where IPA parameters are cached (default: $SOLVENCY_PARAMS_DIR, else ~/.cache/solvency).
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
    /// Replay a fixtures corpus: re-derive each case's verdict, check its stored files.
    Replay {
        /// The corpus folder (one sub-folder per case).
        corpus: PathBuf,
        /// Also prove each solvent case again and verify the new proof.
        #[arg(long)]
        reprove: bool,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Where IPA parameters are cached.
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
    /// Check a series of proofs (DIR/*.json, DIR/*/proof.json) forms one epoch chain.
    Chain {
        /// The folder holding the proofs.
        dir: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Where IPA parameters are cached.
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
    /// Audit a proof against the snapshot it claims and its reserve opening, without proving
    /// again: the public data are the snapshot's, and C_R and R_L recomputed from the
    /// snapshot and the opening's seed are the proof's; each part that differs is named.
    Audit {
        /// The proof file.
        proof: PathBuf,
        /// The snapshot the proof was made from (solvency-snapshot/1).
        #[arg(long)]
        snapshot: PathBuf,
        /// The epoch's reserve opening (solvency-reserve-opening/1).
        #[arg(long)]
        opening: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Where IPA parameters are cached.
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
    /// Check that a reserve opening opens a proof's reserve commitment; print the balances.
    OpenReserves {
        /// The proof file.
        proof: PathBuf,
        /// The reserve opening (solvency-reserve-opening/1).
        #[arg(long)]
        opening: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Where IPA parameters are cached.
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
    /// Write the static verification site into DIR: a page that verifies proof files in the
    /// visitor's browser (index.html?proof=URL[&inclusion=URL] verifies on load), with the web
    /// module, the pinned keys and the IPA parameters; host it beside your proofs.
    Web {
        /// The folder to create (it must not exist, or be empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The web module, as scripts/build-web.sh builds it (default: where it builds it, in
        /// the source tree of this binary, whatever the current folder).
        #[arg(long, value_name = "FILE", default_value = WEB_MODULE)]
        module: PathBuf,
    },
    /// Generate and cache the IPA parameters for the given k, printing their digests.
    Params {
        /// Values of k.
        #[arg(required = true)]
        k: Vec<u32>,
        /// Where IPA parameters are cached.
        #[arg(long)]
        params_dir: Option<PathBuf>,
        /// Print `(k, "digest")` lines for pinning in the source.
        #[arg(long)]
        print_digests: bool,
    },
    /// Regenerate pinned verifying keys from the circuit code (keygen_vk) and compare them
    /// with the keys compiled into this verifier (bytes, and the loaded key's pinned form),
    /// and each shape's proof length with its pinned one; or write a new pinned set.
    Keys {
        /// Only these shapes (names as `--list` prints them); default: every pinned shape.
        #[arg(long = "only", value_name = "NAME")]
        only: Vec<String>,
        /// List the pinned shapes with their k and digest, and stop.
        #[arg(long)]
        list: bool,
        /// Write `keys.bin`, `digests.txt`, `digests.bin` and `proof-lens.bin` for every pinned
        /// shape into DIR instead of comparing (`scripts/regenerate-keys.sh`).
        #[arg(long, value_name = "DIR", conflicts_with = "only")]
        write: Option<PathBuf>,
        /// Where IPA parameters are cached.
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
}

/// A spinner on stderr for a step that may take a while; hidden when stderr is not a terminal.
pub fn spinner(message: impl Into<String>) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message.into());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn verify(
    proof: &Path,
    inclusions: &[PathBuf],
    json: bool,
    params_dir: Option<PathBuf>,
) -> ExitCode {
    let fail = |e: VerifyError| {
        let message = format!("{}: {e}", proof.display());
        if json {
            out!(
                "{}",
                json!({"valid": false, "error": message, "exit_code": e.exit_code()})
            );
        } else {
            eprintln!("solvency-verifier: {message}");
        }
        ExitCode::from(e.exit_code())
    };
    let bytes = match read_limited(proof, MAX_FILE_BYTES) {
        Ok(b) => b,
        Err(e) => return fail(VerifyError::Malformed(e.to_string())),
    };
    let dir = params_dir.unwrap_or_else(params::default_dir);
    let start = Instant::now();
    let bar = spinner("verifying");
    let verified = verify_with(&|k| Ok(params::load(&dir, k)), &bytes);
    bar.finish_and_clear();
    match verified {
        Ok(v) => {
            let elapsed = start.elapsed();
            // Each inclusion file, checked against the verified statement: a verdict of its
            // own, which never changes the proof's.
            let checked: Vec<_> = inclusions
                .iter()
                .map(|path| {
                    let bytes = read_limited(path, MAX_FILE_BYTES).map_err(|e| e.to_string());
                    v.inclusion_verdict(
                        &path.display().to_string(),
                        bytes.as_deref().map_err(String::as_str),
                    )
                })
                .collect();
            if json {
                let mut out = report::json(&v, &checked);
                out["verify_ms"] = json!(elapsed.as_secs_f64() * 1e3);
                out!("{out}");
            } else {
                for line in report::text(&v, &checked, Some(elapsed.as_millis())) {
                    out!("{line}");
                }
            }
            if checked.iter().all(report::InclusionVerdict::included) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(NOT_INCLUDED)
            }
        }
        Err(e) => fail(e),
    }
}

/// The exit code of a valid proof with an inclusion file that does not show its positions in
/// it (not found, another epoch's, unreadable): apart from 1, an invalid proof.
const NOT_INCLUDED: u8 = 3;

/// Reads and verifies a proof file; the error carries its exit code.
fn verified(path: &Path, dir: &Path) -> Result<solvency_verifier::Verified, VerifyError> {
    let bytes =
        read_limited(path, MAX_FILE_BYTES).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    verify_with(&|k| Ok(params::load(dir, k)), &bytes)
}

/// Prints an error (text or JSON) and returns its exit code.
fn refuse(what: &Path, message: impl std::fmt::Display, code: u8, json: bool) -> ExitCode {
    let message = format!("{}: {message}", what.display());
    if json {
        out!(
            "{}",
            json!({"ok": false, "error": message, "exit_code": code})
        );
    } else {
        eprintln!("solvency-verifier: {message}");
    }
    ExitCode::from(code)
}

fn replay(corpus: &Path, reprove: bool, json: bool, params_dir: Option<PathBuf>) -> ExitCode {
    let dir = params_dir.unwrap_or_else(params::default_dir);
    let cases = match replay::cases(corpus) {
        Ok(c) if !c.is_empty() => c,
        Ok(_) => {
            return refuse(
                corpus,
                "no case folders (with snapshot.json) found",
                2,
                json,
            )
        }
        Err(e) => return refuse(corpus, e, 2, json),
    };
    let bar = ProgressBar::new(cases.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
            .expect("valid template"),
    );
    // Each k read once for the whole corpus; two k may be read at once (a proof set's).
    let cache: Mutex<HashMap<u32, Srs>> = Default::default();
    let cached = |k| {
        cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&k)
            .cloned()
    };
    let params = |k| {
        cached(k).unwrap_or_else(|| {
            let srs = params::load(&dir, k);
            let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
            cache.entry(k).or_insert(srs).clone()
        })
    };
    let mut reports = Vec::new();
    for case in &cases {
        bar.set_message(case.display().to_string());
        reports.push(replay::replay_case(case, &params, reprove));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let failed = reports.iter().filter(|r| !r.ok()).count();
    if json {
        out!(
            "{}",
            json!({
                "ok": failed == 0,
                "cases": reports.iter().map(|r| json!({
                    "case": r.name, "ok": r.ok(), "verdict": r.verdict,
                    "checked": r.checked, "problems": r.problems,
                })).collect::<Vec<_>>(),
            })
        );
    } else {
        for r in &reports {
            let verdict = r.verdict.map_or("-".to_owned(), |v| {
                serde_json::to_value(v)
                    .expect("serializes")
                    .as_str()
                    .unwrap_or("-")
                    .to_owned()
            });
            let status = if r.ok() { "ok  " } else { "FAIL" };
            out!(
                "{status} {:<28} {:<14} {}",
                r.name,
                verdict,
                r.checked.join(", ")
            );
            for p in &r.problems {
                out!("       problem: {p}");
            }
        }
        out!(
            "{} cases, {} agree, {failed} disagree",
            reports.len(),
            reports.len() - failed
        );
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn chain(folder: &Path, json: bool, params_dir: Option<PathBuf>) -> ExitCode {
    let dir = params_dir.unwrap_or_else(params::default_dir);
    let entries = match std::fs::read_dir(folder) {
        Ok(e) => e,
        Err(e) => return refuse(folder, e, 2, json),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            if p.is_dir() {
                Some(p.join("proof.json")).filter(|f| f.is_file())
            } else {
                (p.extension().is_some_and(|x| x == "json")).then_some(p)
            }
        })
        .collect();
    files.sort();
    let mut proofs = Vec::new();
    let mut skipped = Vec::new();
    for f in &files {
        // Inclusion files, openings, snapshots and other JSON beside the proofs are skipped,
        // and named; a file that is not JSON at all may be a damaged proof, and is refused.
        let bytes = match read_limited(f, MAX_FILE_BYTES) {
            Ok(b) => b,
            Err(e) => return refuse(f, e, 2, json),
        };
        match solvency_verifier::file::format_tag(&bytes) {
            Ok(Some(tag)) if !tag.starts_with("solvency-proof") => {
                skipped.push((f.clone(), format!("a {tag} file, not a proof")));
                continue;
            }
            Ok(None) => {
                skipped.push((f.clone(), "JSON without a format tag, not a proof".into()));
                continue;
            }
            _ => {}
        }
        match verify_with(&|k| Ok(params::load(&dir, k)), &bytes) {
            Ok(v) => proofs.push(v),
            Err(e) => return refuse(f, &e, e.exit_code(), json),
        }
    }
    match solvency_verifier::chain::check(proofs) {
        Ok(steps) => {
            if json {
                out!(
                    "{}",
                    json!({"ok": true, "steps": steps.iter().map(|s| json!({
                        "epoch": s.epoch, "timestamp": s.timestamp,
                        "digest": hex::encode(s.digest), "previous": s.previous.map(hex::encode),
                        "since_previous_s": s.since_previous, "skipped_epochs": s.skipped_epochs,
                    })).collect::<Vec<_>>(),
                    "skipped_files": skipped.iter().map(|(f, why)| json!({
                        "file": f, "why": why,
                    })).collect::<Vec<_>>()})
                );
            } else {
                out!(
                    "CHAIN OK: {} proofs, each linked to the one before",
                    steps.len()
                );
                for (f, why) in &skipped {
                    out!("  skipped {}: {why}", f.display());
                }
                for s in &steps {
                    let link = match (s.previous, s.epoch == steps[0].epoch) {
                        (None, _) => "first proof of the chain".to_owned(),
                        (Some(d), true) => {
                            format!("follows {}… (not in this folder)", &hex::encode(d)[..16])
                        }
                        (Some(_), false) => "follows the proof above".to_owned(),
                    };
                    let gap = match (s.since_previous, s.skipped_epochs) {
                        (None, _) => String::new(),
                        (Some(t), 0) => format!(", {} after it", duration(t)),
                        (Some(t), n) => {
                            format!(", {} after it, {n} epoch number(s) skipped", duration(t))
                        }
                    };
                    out!(
                        "  epoch {:>6}  {}  {}…  {link}{gap}",
                        s.epoch,
                        time(s.timestamp),
                        &hex::encode(s.digest)[..16]
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => refuse(folder, e, 1, json),
    }
}

/// Seconds in the largest whole units: `3600` → `1h`, `90061` → `1d 1h 1m 1s`.
fn duration(seconds: u64) -> String {
    humantime::format_duration(Duration::from_secs(seconds)).to_string()
}

fn audit(
    proof: &Path,
    snapshot: &Path,
    opening: &Path,
    json: bool,
    params_dir: Option<PathBuf>,
) -> ExitCode {
    let dir = params_dir.unwrap_or_else(params::default_dir);
    let v = match verified(proof, &dir) {
        Ok(v) => v,
        Err(e) => return refuse(proof, &e, e.exit_code(), json),
    };
    let book = match read_limited(snapshot, MAX_SNAPSHOT_BYTES)
        .map_err(|e| e.to_string())
        .and_then(|b| Book::from_json(&b).map_err(|e| e.to_string()))
    {
        Ok(book) => book,
        Err(e) => return refuse(snapshot, e, 2, json),
    };
    let opened = match read_limited(opening, MAX_FILE_BYTES)
        .map_err(|e| OpeningError::Malformed(e.to_string()))
        .and_then(|b| ReserveOpening::parse(&b))
    {
        Ok(o) => o,
        Err(e) => return refuse(opening, e, 2, json),
    };
    let found = solvency_verifier::audit::audit(&v, &book, &opened);
    let p = &v.statement.public;
    if json {
        out!(
            "{}",
            json!({"ok": found.ok(), "protocol": p.protocol, "epoch": p.epoch,
                   "agrees": found.agrees, "differs": found.differs})
        );
    } else {
        let verdict = if found.ok() {
            "AUDIT OK"
        } else {
            "AUDIT FAILED"
        };
        out!(
            "{verdict}: {} epoch {} against {}",
            p.protocol,
            p.epoch,
            snapshot.display()
        );
        for line in &found.agrees {
            out!("  agrees   {line}");
        }
        for line in &found.differs {
            out!("  DIFFERS  {line}");
        }
    }
    ExitCode::from(if found.ok() { 0 } else { 1 })
}

fn open_reserves(
    proof: &Path,
    opening: &Path,
    json: bool,
    params_dir: Option<PathBuf>,
) -> ExitCode {
    let dir = params_dir.unwrap_or_else(params::default_dir);
    let v = match verified(proof, &dir) {
        Ok(v) => v,
        Err(e) => return refuse(proof, &e, e.exit_code(), json),
    };
    let opened = read_limited(opening, MAX_FILE_BYTES)
        .map_err(|e| OpeningError::Malformed(e.to_string()))
        .and_then(|b| ReserveOpening::parse(&b))
        .and_then(|o| o.open(&v.statement));
    match opened {
        Ok(balances) => {
            let p = &v.statement.public;
            let rows: Vec<_> = p
                .assets
                .iter()
                .zip(&balances)
                .map(|(a, &b)| (a, format_decimal(b, a.precision)))
                .collect();
            if json {
                let balances: Vec<_> = rows
                    .iter()
                    .map(|(a, b)| json!({"asset": a.symbol, "amount": b, "precision": a.precision, "decimals": a.decimals}))
                    .collect();
                out!(
                    "{}",
                    json!({"ok": true, "protocol": p.protocol, "epoch": p.epoch, "balances": balances})
                );
            } else {
                out!(
                    "OPENED: C_R of {} epoch {} commits to these reserve balances:",
                    p.protocol,
                    p.epoch
                );
                for (a, amount) in rows {
                    let rounded = report::rounding(a)
                        .map_or(String::new(), |r| format!(" (rounded down to {r})"));
                    out!("  {:<10} {amount}{rounded}", a.symbol);
                }
                out!(
                    "Check them against the chain: the proof covers exactly these, so holdings of \
                     at least these amounts back it."
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = match e {
                OpeningError::Malformed(_) => 2,
                OpeningError::Mismatch(_) => 1,
            };
            refuse(opening, e, code, json)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Verify {
            proof,
            inclusions,
            json,
            params_dir,
        } => verify(&proof, &inclusions, json, params_dir),
        Command::Replay {
            corpus,
            reprove,
            json,
            params_dir,
        } => replay(&corpus, reprove, json, params_dir),
        Command::Chain {
            dir,
            json,
            params_dir,
        } => chain(&dir, json, params_dir),
        Command::OpenReserves {
            proof,
            opening,
            json,
            params_dir,
        } => open_reserves(&proof, &opening, json, params_dir),
        Command::Audit {
            proof,
            snapshot,
            opening,
            json,
            params_dir,
        } => audit(&proof, &snapshot, &opening, json, params_dir),
        Command::Keys {
            only,
            list,
            write,
            params_dir,
        } => keys_command(
            &only,
            list,
            write.as_deref(),
            &params_dir.unwrap_or_else(params::default_dir),
        ),
        Command::Web { out, module } => web(&out, &module),
        Command::Params {
            k,
            params_dir,
            print_digests,
        } => {
            let dir = params_dir.unwrap_or_else(params::default_dir);
            for k in k {
                if !(1..=24).contains(&k) {
                    eprintln!("solvency-verifier: k = {k} is outside 1..=24");
                    return ExitCode::from(2);
                }
                let bar = spinner(format!("parameters for k = {k}"));
                let p = params::load(&dir, k);
                bar.finish_and_clear();
                if print_digests {
                    out!("    ({k}, \"{}\"),", params::digest(p.bytes()));
                }
            }
            ExitCode::SUCCESS
        }
    }
}

/// `solvency-verifier web`: writes the static site.
fn web(out: &Path, module: &Path) -> ExitCode {
    let bytes = match read_limited(module, MAX_FILE_BYTES) {
        Ok(b) => b,
        Err(e) => {
            eprintln!(
                "solvency-verifier: the web module {}: {e}; build it with scripts/build-web.sh \
                 in the source tree ({}), or give --module FILE",
                module.display(),
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .parent()
                    .unwrap_or(Path::new(".."))
                    .display()
            );
            return ExitCode::from(2);
        }
    };
    match site::write(out, &bytes) {
        Ok(w) => {
            out!(
                "wrote the verification site to {}: module {} KB, {} keys, parameters for k = {:?}, {:.1} MB in all",
                out.display(),
                bytes.len() / 1000,
                w.keys,
                w.params,
                w.bytes as f64 / 1e6
            );
            out!(
                "Host it with your proofs beside it; index.html?proof=PATH[&inclusion=PATH] \
                 verifies on load (same origin only)."
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("solvency-verifier: {}: {e}", out.display());
            ExitCode::from(2)
        }
    }
}

/// `solvency-verifier keys`: regenerate pinned keys and compare, list them, or write them.
fn keys_command(only: &[String], list: bool, write: Option<&Path>, dir: &Path) -> ExitCode {
    let mut shapes = KeyShape::pinned();
    if !only.is_empty() {
        for name in only {
            if !shapes.iter().any(|s| &s.to_string() == name) {
                eprintln!("solvency-verifier: no pinned shape is named {name:?} (see --list)");
                return ExitCode::from(2);
            }
        }
        shapes.retain(|s| only.contains(&s.to_string()));
    }
    if list {
        for shape in &shapes {
            let digest = pinned::key(*shape).map_or("(missing)", |(_, d)| d);
            out!("{shape} k={} {digest}", shape.k());
        }
        return ExitCode::SUCCESS;
    }
    let bar = ProgressBar::new(shapes.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
            .expect("valid template"),
    );
    let mut srs: HashMap<u32, Srs> = HashMap::new();
    let mut written = Vec::with_capacity(shapes.len());
    let mut differ = 0;
    for &shape in &shapes {
        bar.set_message(shape.to_string());
        let k = shape.k();
        let srs = srs.entry(k).or_insert_with(|| params::load(dir, k));
        let public = shape.reference_public();
        let vk = match keys::generate(srs.params(), shape, &public) {
            Ok(vk) => vk,
            Err(e) => {
                bar.finish_and_clear();
                eprintln!("solvency-verifier: {shape}: key generation failed: {e}");
                return ExitCode::from(1);
            }
        };
        let bytes = keys::key_bytes(shape, &vk);
        if write.is_none() {
            // The pinned key, loaded as a verifier loads it, must be the generated key itself.
            let loads_as_made = |pinned: &[u8], digest: &str| {
                keys::load(srs, shape, &public, pinned, digest).is_ok_and(|loaded| {
                    format!("{:?}", loaded.pinned()) == format!("{:?}", vk.pinned())
                })
            };
            let len_as_pinned = pinned::proof_len(shape).ok() == Some(shape.proof_len());
            match pinned::key(shape) {
                Ok((pinned, digest))
                    if pinned == bytes && loads_as_made(pinned, digest) && len_as_pinned =>
                {
                    bar.suspend(|| out!("{shape}: matches its pinned key {digest}"));
                }
                _ => {
                    differ += 1;
                    bar.suspend(|| {
                        out!(
                            "{shape}: DIFFERS from the pinned key or proof length (regenerated \
                             {}, proofs {:?})",
                            keys::digest(&bytes),
                            shape.proof_len()
                        )
                    });
                }
            }
        }
        written.push((shape, bytes));
        bar.inc(1);
    }
    bar.finish_and_clear();
    if let Some(out) = write {
        let files = [
            ("keys.bin", keys::bundle(&written)),
            ("digests.txt", keys::digests_text(&written).into_bytes()),
            ("digests.bin", keys::digests_bytes(&written)),
            ("proof-lens.bin", keys::proof_lens_bytes(&shapes)),
        ];
        for (name, bytes) in files {
            if let Err(e) = params::write_atomically(&out.join(name), &bytes) {
                eprintln!("solvency-verifier: {}: {e}", out.join(name).display());
                return ExitCode::from(2);
            }
        }
        out!("wrote {} keys to {}", written.len(), out.display());
        return ExitCode::SUCCESS;
    }
    if differ > 0 {
        out!(
            "{differ} of {} keys differ from the pinned ones",
            written.len()
        );
        ExitCode::from(1)
    } else {
        out!("all {} keys match the pinned ones", written.len());
        ExitCode::SUCCESS
    }
}
