//! `solvency-reserve-opening/1` files: `ReserveOpening::parse`, a write/read round trip,
//! then `ReserveOpening::open` against every fixture proof's statement (balances parsed and
//! hashed for an opening naming a fixture's protocol and epoch, an early refusal otherwise).

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use solvency_verifier::opening::ReserveOpening;

fuzz_target!(|data: &[u8]| {
    let statements = common::statements();
    let Ok(opening) = ReserveOpening::parse(data) else {
        return;
    };
    let bytes = serde_json::to_vec_pretty(&opening).expect("an opening serializes");
    let again = ReserveOpening::parse(&bytes).expect("a written opening parses back");
    assert_eq!(again, opening, "an opening does not round-trip");

    for (statement, _) in statements {
        let _ = opening.open(statement);
    }
});
