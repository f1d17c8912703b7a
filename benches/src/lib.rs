//! Synthetic books for benchmarks: `n` positions over `assets` assets and `scenarios`
//! scenarios, solvent, deterministic for a given seed.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

use rand::{rngs::StdRng, RngExt, SeedableRng};
use solvency_circuits::snapshot::{Book, Position};
use solvency_circuits::statement::{Asset, Kind, Policy, Public, Scenario};

/// A solvent book of `positions` positions, `assets` assets (≤ 64) and `scenarios` scenarios
/// (≤ 16): prices near 1,000 USD, shocks from −50 % to +50 %, strikes around the money;
/// tokens of 6, 8, 18 and 0 decimals, the 18-decimal ones proven to 9.
pub fn synthetic_book(positions: usize, assets: usize, scenarios: usize, seed: u64) -> Book {
    let mut rng = StdRng::seed_from_u64(seed);
    let assets_v: Vec<Asset> = (0..assets)
        .map(|i| Asset {
            symbol: format!("A{i}"),
            decimals: [6, 8, 18, 0][i % 4],
            precision: [6, 8, 9, 0][i % 4],
            price: 100_000_000_000 + 25_000_000_000 * i as u64,
            price_timestamp: 1_764_000_000,
        })
        .collect();
    let policy = Policy {
        collateral_ratio_bps: 12_000,
        haircuts_bps: (0..assets).map(|i| 500 * (i as u64 % 3)).collect(),
        max_oracle_age_s: 300,
        scenarios: (0..scenarios)
            .map(|s| Scenario {
                name: format!("s{s}"),
                shocks_bps: (0..assets)
                    .map(|i| ((s as i64 * 1_250 + i as i64 * 700) % 10_000) - 5_000)
                    .collect(),
            })
            .collect(),
    };
    let public = Public {
        protocol: "bench-options".into(),
        epoch: 1,
        timestamp: 1_764_000_000,
        assets: assets_v,
        policy,
    };
    let positions: Vec<Position> = (0..positions)
        .map(|j| {
            let underlying = rng.random_range(0..assets);
            let price = public.assets[underlying].price;
            let unit = 10u64.pow(public.assets[underlying].precision);
            Position {
                account: format!("account-{}", j / 3),
                underlying,
                kind: if rng.random_bool(0.5) {
                    Kind::Call
                } else {
                    Kind::Put
                },
                strike: price / 2 + rng.random_range(0..price),
                size: unit / 100 * rng.random_range(1..1_000u64).max(1) + 1,
                expiry: 1_767_000_000 + rng.random_range(0..10_000_000),
            }
        })
        .collect();
    // Reserves far above any stressed liability: 10^9 whole tokens of each asset.
    let reserves = public
        .assets
        .iter()
        .map(|a| 1_000_000_000 * 10u64.pow(a.precision))
        .collect();
    let book = Book {
        public,
        reserves,
        positions,
    };
    book.public.check().expect("synthetic public data is valid");
    book
}
