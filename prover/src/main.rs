//! `solvency-prover`: turns a snapshot of an options protocol's books into a proof of solvency.
//!
//! Exit codes: 0 proved, 1 insolvent (nothing written), 2 bad input or usage.

/// mimalloc rather than the system allocator: a proof set's proofs allocate and free about
/// 1.5 GB each, and glibc's arenas kept the freed memory in pieces, so peak memory grew with the
/// number of proofs (4.0 GB at 10,000 positions, 4.15 GB at 100,000, against 3.1 GB for the two
/// proofs in flight). With mimalloc, 10,000 positions peak at 3.4 GB and prove in 89 s instead
/// of 97-103 s (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!`, except that a closed stdout (`… --json | head`) ends the program quietly
/// instead of panicking, and another write error is said on stderr with exit code 2.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("solvency-prover: standard output: {e}");
                std::process::exit(2);
            }
            std::process::exit(0);
        }
    }};
}

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    time::Duration,
};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use rand::RngExt;
use serde_json::json;
use solvency_circuits::{
    limits::{read_limited, MAX_FILE_BYTES, MAX_SNAPSHOT_BYTES},
    proof,
};
use solvency_prover::{
    check_snapshot, needs_shards, parse_seed, prepare_out_dir, prove_book, read_book,
    read_previous, read_seed_file, shortfalls, write_atomically, write_outputs, ProveError, Proved,
    ShardProofFile, DEMO_SNAPSHOT,
};
use solvency_verifier::{
    expected::{Expected, Verdict},
    params, Proof,
};

#[derive(Parser)]
#[command(
    name = "solvency-prover",
    version,
    about = "Prove the solvency of an options protocol"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prove a snapshot (solvency-snapshot/1): writes DIR/proof.json (solvency-proof/2, or
    /// solvency-proof-set/5 above 1,024 positions), DIR/reserve-opening.json and
    /// DIR/inclusion/ (one file per account, and index.json).
    Prove {
        /// The snapshot; without it, the bundled demo snapshot is proven.
        #[arg(long)]
        snapshot: Option<PathBuf>,
        /// Output directory: created if missing, refused if not empty (unless --force).
        #[arg(long)]
        out: PathBuf,
        /// Write into a non-empty --out, replacing its proof, opening and inclusion files.
        #[arg(long)]
        force: bool,
        /// Secret seed of the epoch's blindings and salts, 64 hex digits (default: random).
        /// Visible to other users in `ps` and kept in shell history: prefer --seed-file or
        /// $SOLVENCY_SEED.
        #[arg(long, conflicts_with = "seed_file")]
        seed: Option<String>,
        #[command(flatten)]
        seed_source: SeedSource,
        /// The previous epoch's proof file, to chain this proof to it.
        #[arg(long)]
        previous: Option<PathBuf>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Where IPA parameters are cached (default: $SOLVENCY_PARAMS_DIR, else ~/.cache/solvency).
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
    /// Evaluate a snapshot with the native model only (no proof): verdict and margins.
    /// With --json, prints exactly a fixture's expected.json.
    Evaluate {
        /// The snapshot; without it, the bundled demo snapshot.
        #[arg(long)]
        snapshot: Option<PathBuf>,
        /// Print the expectation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check the whole snapshot of a book of more than 1,024 positions (streamed: its
    /// positions are not held) and print how many shards `shard`/`aggregate` split it into.
    Plan {
        /// The snapshot.
        #[arg(long)]
        snapshot: PathBuf,
    },
    /// Prove shards of a book of more than 1,024 positions (a batch engine's task): writes
    /// DIR/shard-I.json (solvency-shard/3) for each proof of two shards, I = INDEX, INDEX + 2,
    /// … below INDEX + COUNT (stopping at the last shard). Every machine must use the same
    /// snapshot and seed.
    Shard {
        /// The snapshot.
        #[arg(long)]
        snapshot: PathBuf,
        /// The epoch's secret seed, shared by all machines of the job.
        #[command(flatten)]
        seed: SeedSource,
        /// The first shard (0-based): a multiple of 2, as each proof covers shards 2j and
        /// 2j + 1.
        #[arg(long)]
        index: usize,
        /// How many shards from INDEX on: a multiple of 2 (a proof covers two shards), or
        /// up to the last shard.
        #[arg(long, default_value_t = proof::SHARDS_PER_PROOF)]
        count: usize,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Where IPA parameters are cached.
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
    /// Prove the top over shard proofs (DIR/shard-0.json, shard-2.json, …) and write the
    /// proof set (solvency-proof-set/5) like `prove`.
    Aggregate {
        /// The snapshot.
        #[arg(long)]
        snapshot: PathBuf,
        /// The epoch's secret seed, as given to every shard.
        #[command(flatten)]
        seed: SeedSource,
        /// The folder holding shard-0.json, shard-2.json, shard-4.json, …
        #[arg(long)]
        shards: PathBuf,
        /// Output directory: created if missing, refused if not empty (unless --force).
        #[arg(long)]
        out: PathBuf,
        /// Write into a non-empty --out, replacing its proof, opening and inclusion files.
        #[arg(long)]
        force: bool,
        /// The previous epoch's proof file.
        #[arg(long)]
        previous: Option<PathBuf>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Where IPA parameters are cached.
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
    /// Write a self-contained HTML report: reserves against required liabilities per scenario.
    Report {
        /// The snapshot; without it, the bundled demo snapshot.
        #[arg(long)]
        snapshot: Option<PathBuf>,
        /// The HTML file to write.
        #[arg(long)]
        out: PathBuf,
        /// The proof published for this snapshot: verified, and its digest named in the report.
        #[arg(long)]
        proof: Option<PathBuf>,
        /// Where IPA parameters are cached (to verify --proof).
        #[arg(long)]
        params_dir: Option<PathBuf>,
    },
}

fn summary(p: &Proved, out: &[PathBuf]) {
    let st = &p.file.statement().public;
    let ev = &p.evaluation;
    let tightest = ev.tightest();
    out!(
        "PROVED {} epoch {}: {} position(s), all {} scenarios covered",
        st.protocol,
        st.epoch,
        p.positions,
        st.policy.scenarios.len()
    );
    out!(
        "  tightest   {} (margin {} USD)",
        tightest.name,
        ev.usd(&tightest.margin())
    );
    match &p.file {
        Proof::Single(f) => out!(
            "  circuit    k = {}, {} tree slots",
            f.circuit.k,
            f.circuit.shape.slots()
        ),
        Proof::Set(f) => out!(
            "  circuits   {} shards of {} slots in {} proofs (k = {}) and a top proof (k = {})",
            f.shards.sub_roots.len(),
            f.shards.circuit.shape.slots(),
            f.shards.proofs.len(),
            f.shards.circuit.k,
            f.top.k
        ),
    }
    let t = &p.timings;
    out!(
        "  time       params {:.2} s, prove {:.2} s, self-check {:.3} s",
        t.params.as_secs_f64(),
        t.prove.as_secs_f64(),
        t.self_check.as_secs_f64()
    );
    out!("  proof      {} bytes in {}", p.proof_len, out[0].display());
    out!(
        "  opening    {} (secret: balances, blinding and seed, for auditors)",
        out[1].display()
    );
    out!(
        "  inclusion  {} account files in {} (each for its holder only)",
        p.inclusions.len(),
        out[2].display()
    );
}

fn fail(e: &ProveError, json: bool) -> ExitCode {
    if json {
        let failing = match e {
            ProveError::Insolvent(ev) => shortfalls(ev),
            _ => vec![],
        };
        out!(
            "{}",
            json!({"proved": false, "error": e.to_string(), "failing_scenarios": failing, "exit_code": e.exit_code()})
        );
    } else {
        eprintln!("solvency-prover: {e}");
        if let ProveError::Insolvent(ev) = e {
            for line in shortfalls(ev) {
                eprintln!("  {line}");
            }
        }
    }
    ExitCode::from(e.exit_code())
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Prove {
            snapshot,
            out,
            force,
            seed,
            seed_source,
            previous,
            json,
            params_dir,
        } => {
            // An explicit --seed, else --seed-file or $SOLVENCY_SEED, else a random seed.
            let seed = match seed {
                Some(text) => parse_seed("--seed", &text).map(Some),
                None => seed_source.read(),
            };
            match seed {
                Ok(seed) => prove(
                    snapshot,
                    Out { dir: out, force },
                    seed,
                    previous,
                    json,
                    params_dir,
                ),
                Err(e) => fail(&e, json),
            }
        }
        Command::Evaluate { snapshot, json } => evaluate(snapshot, json),
        Command::Report {
            snapshot,
            out,
            proof,
            params_dir,
        } => report(snapshot, out, proof, params_dir),
        Command::Plan { snapshot } => match check_snapshot(&snapshot)
            .and_then(|header| needs_shards(&header.public, header.positions).map(|()| header))
        {
            Ok(header) => {
                let shards = solvency_circuits::witness::shard_count(
                    header.positions,
                    solvency_circuits::limits::shard_depth(header.positions),
                );
                out!("{shards}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e, false),
        },
        Command::Shard {
            snapshot,
            seed,
            index,
            count,
            out,
            params_dir,
        } => shard(snapshot, seed, index, count, out, params_dir),
        Command::Aggregate {
            snapshot,
            seed,
            shards,
            out,
            force,
            previous,
            json,
            params_dir,
        } => {
            let out = Out { dir: out, force };
            aggregate(snapshot, seed, shards, out, previous, json, params_dir)
        }
    }
}

fn evaluate(snapshot: Option<PathBuf>, json: bool) -> ExitCode {
    demo_note(snapshot.as_deref());
    let read = |p: &Path| read_limited(p, MAX_SNAPSHOT_BYTES);
    let bytes = match snapshot.as_deref().map(read).transpose() {
        Ok(b) => b.unwrap_or_else(|| DEMO_SNAPSHOT.as_bytes().to_vec()),
        Err(e) => {
            let path = snapshot.as_deref().unwrap_or(Path::new("-"));
            return fail(&ProveError::Input(format!("{}: {e}", path.display())), json);
        }
    };
    let expected = Expected::of_snapshot(&bytes);
    if json {
        out!(
            "{}",
            serde_json::to_string_pretty(&expected).expect("serializes")
        );
    } else if let Some(error) = &expected.error {
        eprintln!("solvency-prover: invalid snapshot: {error}");
    } else {
        for s in &expected.scenarios {
            let mark = if s.covered { "covered" } else { "SHORT  " };
            out!(
                "{mark} {:<16} reserves {:>22} USD  required {:>22} USD  margin {:>22} USD",
                s.name,
                s.reserves_usd,
                s.required_usd,
                s.margin_usd
            );
        }
    }
    ExitCode::from(match expected.verdict {
        Verdict::Solvent => 0,
        Verdict::Insolvent => 1,
        Verdict::InvalidInput => 2,
    })
}

fn report(
    snapshot: Option<PathBuf>,
    out: PathBuf,
    proof: Option<PathBuf>,
    params_dir: Option<PathBuf>,
) -> ExitCode {
    demo_note(snapshot.as_deref());
    let run = || -> Result<(), ProveError> {
        let book = read_book(snapshot.as_deref())?;
        let params_dir = params_dir.unwrap_or_else(params::default_dir);
        let load = |k| Ok(params::load(&params_dir, k));
        let digest = proof
            .as_deref()
            .map(|path| solvency_prover::proof_of_book(path, &book, &load))
            .transpose()?;
        let evaluation = solvency_circuits::model::evaluate(&book);
        let page = solvency_prover::report::html(&book, &evaluation, digest);
        write_atomically(&out, page.as_bytes())
    };
    match run() {
        Ok(()) => {
            out!("wrote {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, false),
    }
}

/// Where the epoch's secret seed comes from: a file only its owner can read, or the
/// environment — never the command line, which `ps`, shell history and batch-job records show.
#[derive(clap::Args)]
struct SeedSource {
    /// File holding the epoch's secret seed, 64 hex digits, mode 0600 or 0400 (else the
    /// seed is read from $SOLVENCY_SEED).
    #[arg(long, value_name = "FILE")]
    seed_file: Option<PathBuf>,
}

impl SeedSource {
    /// The seed from `--seed-file`, else `$SOLVENCY_SEED`, else none.
    fn read(&self) -> Result<Option<[u8; 32]>, ProveError> {
        if let Some(path) = &self.seed_file {
            return read_seed_file(path).map(Some);
        }
        match std::env::var("SOLVENCY_SEED") {
            Ok(text) => parse_seed("$SOLVENCY_SEED", &text).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(ProveError::Input(
                "$SOLVENCY_SEED: the seed is not 64 hex digits".into(),
            )),
        }
    }

    /// The seed a batch job's machines must share: missing is bad input.
    fn required(&self) -> Result<[u8; 32], ProveError> {
        self.read()?.ok_or_else(|| {
            ProveError::Input(
                "the epoch's seed is missing: give --seed-file FILE (mode 0600) or set \
                 $SOLVENCY_SEED"
                    .into(),
            )
        })
    }
}

/// Inputs every proving command shares.
struct Job {
    book: solvency_circuits::snapshot::Book,
    seed: [u8; 32],
    previous: Option<[u8; 32]>,
    params_dir: PathBuf,
}

impl Job {
    /// Reads the snapshot, the seed (random when `None`) and the previous proof.
    fn read(
        snapshot: Option<&Path>,
        seed: Option<[u8; 32]>,
        previous: Option<&Path>,
        params_dir: Option<PathBuf>,
    ) -> Result<Self, ProveError> {
        demo_note(snapshot);
        let book = read_book(snapshot)?;
        let seed = seed.unwrap_or_else(|| rand::rng().random());
        let params_dir = params_dir.unwrap_or_else(params::default_dir);
        let load = |k| Ok(params::load(&params_dir, k));
        let previous = previous
            .map(|p| read_previous(p, &book, &load))
            .transpose()?;
        if let Some(p) = previous.as_ref().filter(|p| p.skipped_epochs > 0) {
            eprintln!(
                "solvency-prover: note: epoch {} follows epoch {}: {} epoch number(s) skipped",
                book.public.epoch, p.epoch, p.skipped_epochs
            );
        }
        Ok(Job {
            book,
            seed,
            previous: previous.map(|p| p.digest),
            params_dir,
        })
    }
}

/// Says on stderr, in one line, that the bundled demo snapshot is used when no `--snapshot`
/// is given: the README's first command relies on the default, but nobody should prove the
/// demo believing it is their book.
fn demo_note(snapshot: Option<&Path>) {
    if snapshot.is_none() {
        eprintln!(
            "solvency-prover: no --snapshot given: using the bundled demo snapshot \
             (fixtures/demo/snapshot.json)"
        );
    }
}

/// A spinner on stderr showing each step of a long job.
fn spinner() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Where a proving command writes the epoch's files.
struct Out {
    dir: PathBuf,
    /// Whether a non-empty folder may be written into.
    force: bool,
}

/// Writes a proven epoch's files and reports it.
fn emit(proved: Result<Proved, ProveError>, out: &Path, json: bool) -> ExitCode {
    let written = proved.and_then(|p| {
        let files = write_outputs(out, &p)?;
        Ok((p, files))
    });
    match written {
        Ok((proved, files)) => {
            if json {
                out!(
                    "{}",
                    json!({
                        "proved": true,
                        "protocol": proved.file.statement().public.protocol,
                        "epoch": proved.file.statement().public.epoch,
                        "positions": proved.positions,
                        "k": solvency_verifier::ks(&proved.file),
                        "proof_bytes": proved.proof_len,
                        "params_s": proved.timings.params.as_secs_f64(),
                        "prove_s": proved.timings.prove.as_secs_f64(),
                        "self_check_s": proved.timings.self_check.as_secs_f64(),
                        "files": files,
                    })
                );
            } else {
                summary(&proved, &files);
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, json),
    }
}

fn prove(
    snapshot: Option<PathBuf>,
    out: Out,
    seed: Option<[u8; 32]>,
    previous: Option<PathBuf>,
    json: bool,
    params_dir: Option<PathBuf>,
) -> ExitCode {
    let proved = Job::read(snapshot.as_deref(), seed, previous.as_deref(), params_dir)
        .and_then(|job| prepare_out_dir(&out.dir, out.force).map(|()| job))
        .and_then(|job| {
            let bar = spinner();
            let proved = prove_book(
                &job.book,
                job.seed,
                job.previous,
                |k| params::load(&job.params_dir, k),
                |step| bar.set_message(step.to_owned()),
            );
            bar.finish_and_clear();
            proved
        });
    emit(proved, &out.dir, json)
}

/// Proves one shard into `DIR/shard-<index>.json`.
fn shard(
    snapshot: PathBuf,
    seed: SeedSource,
    index: usize,
    count: usize,
    out: PathBuf,
    params_dir: Option<PathBuf>,
) -> ExitCode {
    let run = || -> Result<Vec<PathBuf>, ProveError> {
        let seed = seed.required()?;
        let params_dir = params_dir.unwrap_or_else(params::default_dir);
        let bar = spinner();
        bar.set_message(format!("proving shards {index}.. ({count})"));
        let files = solvency_prover::prove_shards(
            &snapshot,
            seed,
            index,
            count,
            |k| params::load(&params_dir, k),
            |i| bar.set_message(format!("proved shard {i}")),
        );
        bar.finish_and_clear();
        let files = files?;
        std::fs::create_dir_all(&out)
            .map_err(|e| ProveError::Input(format!("{}: {e}", out.display())))?;
        files
            .iter()
            .map(|file| {
                let path = out.join(format!("shard-{}.json", file.index));
                let bytes = serde_json::to_vec_pretty(file).expect("serializes");
                write_atomically(&path, &bytes).map(|()| path)
            })
            .collect()
    };
    match run() {
        Ok(paths) => {
            for path in paths {
                out!("PROVED {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, false),
    }
}

/// Proves the top over `DIR/shard-0.json`, `shard-2.json`, … and writes the proof set like
/// `prove`.
fn aggregate(
    snapshot: PathBuf,
    seed: SeedSource,
    shards: PathBuf,
    out: Out,
    previous: Option<PathBuf>,
    json: bool,
    params_dir: Option<PathBuf>,
) -> ExitCode {
    let proved = seed
        .required()
        .and_then(|seed| Job::read(Some(&snapshot), Some(seed), previous.as_deref(), params_dir))
        .and_then(|job| prepare_out_dir(&out.dir, out.force).map(|()| job))
        .and_then(|job| {
            let mut files = Vec::new();
            for i in (0..).step_by(solvency_circuits::proof::SHARDS_PER_PROOF) {
                let path = shards.join(format!("shard-{i}.json"));
                if !path.exists() {
                    break;
                }
                let bytes = read_limited(&path, MAX_FILE_BYTES)
                    .map_err(|e| ProveError::Input(format!("{}: {e}", path.display())))?;
                files.push(
                    serde_json::from_slice::<ShardProofFile>(&bytes)
                        .map_err(|e| ProveError::Input(format!("{}: {e}", path.display())))?,
                );
            }
            let bar = spinner();
            let proved = solvency_prover::aggregate(
                &job.book,
                job.seed,
                job.previous,
                &files,
                |k| params::load(&job.params_dir, k),
                |step| bar.set_message(step.to_owned()),
            );
            bar.finish_and_clear();
            proved
        });
    emit(proved, &out.dir, json)
}
