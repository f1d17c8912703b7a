//! Moneyness bands: strike intervals within which an option is in the money in the same
//! scenarios.
//!
//! For one underlying `u`, let `T` be the sorted distinct values `{0} ∪ {P[u,s]} ∪ {2^64−1}`.
//! Every strike `K` lies in some closed interval `[T_m, T_{m+1}]`, and there:
//!
//! * a call is in the money in scenario `s` iff `P[u,s] ≥ T_{m+1}`; otherwise `P[u,s] ≤ T_m ≤ K`
//!   and its intrinsic value is 0;
//! * a put is in the money in scenario `s` iff `P[u,s] ≤ T_m`; otherwise `P[u,s] ≥ T_{m+1} ≥ K`.
//!
//! (Because `P[u,s] ∈ T`, "not ≥ T_{m+1}" means "≤ T_m".) So once `lo ≤ K ≤ hi` is proven for
//! the band `(lo, hi)` of a position, its intrinsic value in every scenario is
//! `β_s · ±(P[u,s] − K)` with `β_s` read from the band: two 64-bit range checks per position
//! replace a comparison per position per scenario. At a band edge `K = T_m` both neighbouring
//! bands are valid and give the same value, because the scenario that differs has intrinsic 0.
//!
//! The bands depend only on public data, so they are a lookup table of the circuit whose
//! columns a verifier commits to itself, from the statement, as it does for the instance
//! (`keys`): they are the only part of a verifying key that differs between two
//! statements of one shape.

use crate::gadgets::positions::{self, block_rows};
use crate::statement::{Fp, Kind, Public};

/// One row of the moneyness table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Band {
    /// Underlying asset index.
    pub asset: usize,
    /// Option kind.
    pub kind: Kind,
    /// Lowest strike of the band.
    pub lo: u64,
    /// Highest strike of the band.
    pub hi: u64,
    /// Whether an option of this band is in the money, per scenario.
    pub itm: Vec<bool>,
}

/// Every band of every asset and kind, in a fixed order.
pub fn bands(public: &Public) -> Vec<Band> {
    let prices = public.shocked_prices();
    let mut out = Vec::new();
    for (asset, p) in prices.iter().enumerate() {
        let mut t: Vec<u64> = p.iter().copied().chain([0, u64::MAX]).collect();
        t.sort_unstable();
        t.dedup();
        for kind in [Kind::Call, Kind::Put] {
            for w in t.windows(2) {
                let (lo, hi) = (w[0], w[1]);
                let itm = p
                    .iter()
                    .map(|&price| match kind {
                        Kind::Call => price >= hi,
                        Kind::Put => price <= lo,
                    })
                    .collect();
                out.push(Band {
                    asset,
                    kind,
                    lo,
                    hi,
                    itm,
                });
            }
        }
    }
    out
}

/// Most bands a statement can have: per asset and kind, one more than the distinct prices.
pub const fn max_bands(assets: usize, scenarios: usize) -> usize {
    assets * 2 * (scenarios + 1)
}

/// Most rows of the band table of a shape: the zero row and, per band, a row per block row.
pub const fn band_rows(assets: usize, lanes: usize) -> usize {
    max_bands(assets, lanes) * block_rows(lanes) + 1
}

/// The band table of `public` for a circuit of `lanes` lanes, column by column
/// ([`positions::table`]).
pub fn band_table(public: &Public, lanes: usize) -> Vec<Vec<Fp>> {
    positions::table(
        &bands(public),
        &public.scale_factors(),
        &public.shocked_prices(),
        lanes,
    )
}

/// The band holding a position; always exists because the bands of an asset and kind cover
/// `[0, 2^64−1]`.
pub fn band_of(bands: &[Band], asset: usize, kind: Kind, strike: u64) -> &Band {
    bands
        .iter()
        .find(|b| b.asset == asset && b.kind == kind && b.lo <= strike && strike <= b.hi)
        .expect("bands cover every strike")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_books::demo_book;
    use proptest::prelude::*;

    #[test]
    fn bands_cover_and_are_bounded() {
        let public = demo_book().public;
        let b = bands(&public);
        let s = public.policy.scenarios.len();
        assert!(b.len() <= max_bands(public.assets.len(), s));
        for asset in 0..public.assets.len() {
            for kind in [Kind::Call, Kind::Put] {
                let mine: Vec<_> = b
                    .iter()
                    .filter(|x| x.asset == asset && x.kind == kind)
                    .collect();
                assert_eq!(mine.first().unwrap().lo, 0);
                assert_eq!(mine.last().unwrap().hi, u64::MAX);
                for w in mine.windows(2) {
                    assert_eq!(w[0].hi, w[1].lo);
                }
            }
        }
    }

    proptest! {
        /// The band's verdict times ±(P − K) is the intrinsic value, for any strike.
        #[test]
        fn band_gives_the_intrinsic_value(strike in prop_oneof![0u64..600_000_000_000, Just(u64::MAX)], put: bool) {
            let public = demo_book().public;
            let b = bands(&public);
            let prices = public.shocked_prices();
            let kind = if put { Kind::Put } else { Kind::Call };
            for (asset, asset_prices) in prices.iter().enumerate() {
                let band = band_of(&b, asset, kind, strike);
                for (s, &price) in asset_prices.iter().enumerate() {
                    let via_band = if band.itm[s] {
                        match kind {
                            Kind::Call => price.checked_sub(strike),
                            Kind::Put => strike.checked_sub(price),
                        }
                    } else {
                        Some(0)
                    };
                    prop_assert_eq!(via_band, Some(kind.intrinsic(price, strike)));
                }
            }
        }
    }
}
