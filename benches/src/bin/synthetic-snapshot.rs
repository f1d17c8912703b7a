//! Writes a synthetic `solvency-snapshot/1` to stdout:
//! `synthetic-snapshot POSITIONS [ASSETS] [SCENARIOS] [SEED]` (defaults 4, 9, 1).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<u64> = match std::env::args().skip(1).map(|a| a.parse()).collect() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("synthetic-snapshot: {e}; usage: synthetic-snapshot POSITIONS [ASSETS] [SCENARIOS] [SEED]");
            return ExitCode::from(2);
        }
    };
    let arg = |i: usize, default: u64| args.get(i).copied().unwrap_or(default);
    let Some(&positions) = args.first() else {
        eprintln!("usage: synthetic-snapshot POSITIONS [ASSETS] [SCENARIOS] [SEED]");
        return ExitCode::from(2);
    };
    let (assets, scenarios) = (arg(1, 4), arg(2, 9));
    use solvency_circuits::limits::{MAX_ASSETS, MAX_SCENARIOS};
    if !(1..=MAX_ASSETS as u64).contains(&assets)
        || !(1..=MAX_SCENARIOS as u64).contains(&scenarios)
    {
        eprintln!("synthetic-snapshot: 1..={MAX_ASSETS} assets and 1..={MAX_SCENARIOS} scenarios");
        return ExitCode::from(2);
    }
    let book = solvency_benches::synthetic_book(
        positions as usize,
        assets as usize,
        scenarios as usize,
        arg(3, 1),
    );
    println!("{}", book.to_json());
    ExitCode::SUCCESS
}
