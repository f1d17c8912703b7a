//! Books for tests: the demo snapshot and random books for property tests.

use proptest::prelude::*;

use crate::snapshot::{Book, Position};
use crate::statement::{Asset, Kind, Policy, Public, Scenario};

/// The bundled demo snapshot (`fixtures/demo/snapshot.json`).
pub fn demo_book() -> Book {
    Book::from_json(include_bytes!("../../fixtures/demo/snapshot.json")).expect("demo parses")
}

/// Random small books: 1–4 assets (sometimes 9–10, padded to 16), 1–9 scenarios, 0–6
/// positions, decimals and proof precisions across their range, values across the full
/// range where it matters (strikes near shocked prices, sizes up to 2^44), and reserves
/// that are sometimes short.
pub fn arb_book() -> impl Strategy<Value = Book> {
    let n_assets = prop_oneof![4 => 1usize..=4, 1 => 9usize..=10];
    (n_assets, 1usize..=9).prop_flat_map(|(n_assets, n_scen)| {
        let assets =
            prop::collection::vec((0u32..=18, 0u32..=18, 1u64..1_000_000_000_000u64), n_assets);
        let haircuts = prop::collection::vec(0u64..=10_000, n_assets);
        let shocks =
            prop::collection::vec(prop::collection::vec(-9_999i64..=20_000, n_assets), n_scen);
        let reserves = prop::collection::vec(0u64..1u64 << 42, n_assets);
        let positions = prop::collection::vec(
            (
                0..n_assets,
                any::<bool>(),
                0u64..2_000_000_000_000u64,
                1u64..1 << 44,
                0..=crate::limits::MAX_TIMESTAMP,
            ),
            0..=6,
        );
        (
            assets,
            haircuts,
            shocks,
            reserves,
            positions,
            10_000u64..=30_000,
        )
            .prop_map(
                move |(assets, haircuts, shocks, reserves, positions, ratio)| {
                    let public = Public {
                        protocol: "prop".into(),
                        epoch: 1,
                        timestamp: 1_000,
                        assets: assets
                            .iter()
                            .enumerate()
                            .map(|(i, &(decimals, coarser, price))| Asset {
                                symbol: format!("A{i}"),
                                decimals,
                                precision: decimals - coarser.min(decimals),
                                price,
                                price_timestamp: 1_000,
                            })
                            .collect(),
                        policy: Policy {
                            collateral_ratio_bps: ratio,
                            haircuts_bps: haircuts,
                            max_oracle_age_s: 60,
                            scenarios: shocks
                                .into_iter()
                                .enumerate()
                                .map(|(s, shocks_bps)| Scenario {
                                    name: format!("s{s}"),
                                    shocks_bps,
                                })
                                .collect(),
                        },
                    };
                    public.check().expect("generated public data is valid");
                    Book {
                        public,
                        reserves,
                        positions: positions
                            .into_iter()
                            .enumerate()
                            .map(|(j, (underlying, put, strike, size, expiry))| Position {
                                account: format!("acct{}", j % 3),
                                underlying,
                                kind: if put { Kind::Put } else { Kind::Call },
                                strike,
                                size,
                                expiry,
                            })
                            .collect(),
                    }
                },
            )
    })
}

#[test]
fn random_books_cover_both_verdicts() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let verdicts: Vec<bool> = (0..64)
        .map(|_| {
            let book = arb_book().new_tree(&mut runner).unwrap().current();
            crate::model::evaluate(&book).solvent()
        })
        .collect();
    let solvent = verdicts.iter().filter(|&&v| v).count();
    assert!(
        (8..=56).contains(&solvent),
        "{solvent} of 64 random books solvent"
    );
}
