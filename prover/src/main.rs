//! `solvency-prover`: turns a snapshot of an options protocol's books into a proof of solvency.
//!
//! Exit codes: 0 proved, 1 insolvent (nothing written), 2 bad input or usage.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use rand::RngExt;
use serde_json::json;
use solvency_prover::{
    parse_seed, prove_book, read_book, read_previous, shortfalls, write_atomically, write_outputs,
    ProveError, Proved, DEMO_SNAPSHOT,
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
    /// Prove a snapshot (solvency-snapshot/1): writes DIR/proof.json and DIR/reserve-opening.json.
    Prove {
        /// The snapshot; without it, the bundled demo snapshot is proven.
        #[arg(long)]
        snapshot: Option<PathBuf>,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Secret seed of the epoch's blindings and salts, 64 hex digits (default: random).
        #[arg(long)]
        seed: Option<String>,
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
    /// Write a self-contained HTML report: reserves against required liabilities per scenario.
    Report {
        /// The snapshot; without it, the bundled demo snapshot.
        #[arg(long)]
        snapshot: Option<PathBuf>,
        /// The HTML file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

fn summary(p: &Proved, out: &[PathBuf]) {
    let st = &p.file.statement().public;
    let ev = &p.evaluation;
    let tightest = ev
        .scenarios
        .iter()
        .min_by_key(|s| s.margin())
        .expect("at least one scenario");
    println!(
        "PROVED {} epoch {}: {} position(s), all {} scenarios covered",
        st.protocol,
        st.epoch,
        p.positions,
        st.policy.scenarios.len()
    );
    println!(
        "  tightest   {} (margin {} USD)",
        tightest.name,
        ev.usd(&tightest.margin())
    );
    match &p.file {
        Proof::Single(f) => println!(
            "  circuit    k = {}, {} tree slots",
            f.circuit.k,
            f.circuit.shape.slots()
        ),
        Proof::Set(f) => println!(
            "  circuits   {} shards of {} slots (k = {}) and a top proof (k = {})",
            f.top.shape.shards(),
            f.shards.circuit.shape.slots(),
            f.shards.circuit.k,
            f.top.k
        ),
    }
    let t = &p.timings;
    println!(
        "  time       params {:.2} s, prove {:.2} s, self-check {:.3} s",
        t.params.as_secs_f64(),
        t.prove.as_secs_f64(),
        t.self_check.as_secs_f64()
    );
    println!("  proof      {} bytes in {}", p.proof_len, out[0].display());
    println!(
        "  opening    {} (secret: balances, blinding and seed, for auditors)",
        out[1].display()
    );
    println!(
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
        println!(
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
            seed,
            previous,
            json,
            params_dir,
        } => prove(snapshot, out, seed, previous, json, params_dir),
        Command::Evaluate { snapshot, json } => evaluate(snapshot, json),
        Command::Report { snapshot, out } => report(snapshot, out),
    }
}

fn evaluate(snapshot: Option<PathBuf>, json: bool) -> ExitCode {
    let bytes = match snapshot.as_deref().map(std::fs::read).transpose() {
        Ok(b) => b.unwrap_or_else(|| DEMO_SNAPSHOT.as_bytes().to_vec()),
        Err(e) => return fail(&ProveError::Input(e.to_string()), json),
    };
    let expected = Expected::of_snapshot(&bytes);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&expected).expect("serializes")
        );
    } else if let Some(error) = &expected.error {
        eprintln!("solvency-prover: invalid snapshot: {error}");
    } else {
        for s in &expected.scenarios {
            let mark = if s.covered { "covered" } else { "SHORT  " };
            println!(
                "{mark} {:<16} reserves {:>22} USD  required {:>22} USD  margin {:>22} USD",
                s.name, s.reserves_usd, s.required_usd, s.margin_usd
            );
        }
    }
    ExitCode::from(match expected.verdict {
        Verdict::Solvent => 0,
        Verdict::Insolvent => 1,
        Verdict::InvalidInput => 2,
    })
}

fn report(snapshot: Option<PathBuf>, out: PathBuf) -> ExitCode {
    let run = || -> Result<(), ProveError> {
        let book = read_book(snapshot.as_deref())?;
        let page = solvency_prover::report::html(&book, &solvency_circuits::model::evaluate(&book));
        write_atomically(&out, page.as_bytes())
    };
    match run() {
        Ok(()) => {
            println!("wrote {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, false),
    }
}

fn prove(
    snapshot: Option<PathBuf>,
    out: PathBuf,
    seed: Option<String>,
    previous: Option<PathBuf>,
    json: bool,
    params_dir: Option<PathBuf>,
) -> ExitCode {
    let run = || -> Result<(Proved, Vec<PathBuf>), ProveError> {
        let book = read_book(snapshot.as_deref())?;
        let seed = match seed {
            Some(s) => parse_seed(&s)?,
            None => rand::rng().random(),
        };
        let previous = previous
            .as_deref()
            .map(|p| read_previous(p, &book))
            .transpose()?;
        let dir = params_dir.unwrap_or_else(params::default_dir);
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let proved = prove_book(
            &book,
            seed,
            previous,
            |k| params::load(&dir, k),
            |step| bar.set_message(step.to_owned()),
        );
        bar.finish_and_clear();
        let proved = proved?;
        let files = write_outputs(&out, &proved)?;
        Ok((proved, files))
    };
    match run() {
        Ok((proved, files)) => {
            if json {
                println!(
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
