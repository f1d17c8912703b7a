//! The native solvency model: the statement of `docs/formats.md` in plain integers, the
//! circuit's twin.
//!
//! Every public output of the circuit is checked against this module on random books
//! (`tests/model_vs_circuit.rs`). It deliberately computes intrinsic values the obvious way,
//! per position and per scenario, and shares no code with the circuit's moneyness bands.

use num_bigint::{BigInt, BigUint};

use crate::snapshot::Book;
use crate::statement::Public;

/// One scenario's outcome, in the statement's raw unit (`10^-(D+12)` USD, `D` the largest
/// proof precision).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioOutcome {
    /// Scenario name.
    pub name: String,
    /// `V_s`: haircut reserve value.
    pub reserves: BigUint,
    /// `L_s`: liabilities times the collateral ratio.
    pub liabilities: BigUint,
    /// `V_s` asset by asset, in the statement's asset order (they add up to `reserves`).
    pub reserves_by_asset: Vec<BigUint>,
    /// `L_s` by underlying, in the statement's asset order (they add up to `liabilities`).
    pub liabilities_by_underlying: Vec<BigUint>,
}

impl ScenarioOutcome {
    /// `V_s - L_s`; negative when the scenario is not covered.
    pub fn margin(&self) -> BigInt {
        BigInt::from(self.reserves.clone()) - BigInt::from(self.liabilities.clone())
    }

    /// Whether `V_s ≥ L_s`.
    pub fn covered(&self) -> bool {
        self.reserves >= self.liabilities
    }
}

/// The model's verdict on a book: every scenario's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// Outcomes in policy order.
    pub scenarios: Vec<ScenarioOutcome>,
    /// Decimal places of the raw unit in USD (`D + 12`).
    pub usd_places: u32,
}

impl Evaluation {
    /// Solvent iff every scenario is covered.
    pub fn solvent(&self) -> bool {
        self.scenarios.iter().all(ScenarioOutcome::covered)
    }

    /// The tightest scenario: the lowest coverage `V_s / L_s`, compared exactly as
    /// `V_i · L_j < V_j · L_i` (a scenario that owes nothing is never tighter than one that
    /// owes), ties broken by the smaller margin. What `prove` and `report` both call tightest.
    pub fn tightest(&self) -> &ScenarioOutcome {
        self.scenarios
            .iter()
            .min_by(|a, b| {
                let ratio = (&a.reserves * &b.liabilities).cmp(&(&b.reserves * &a.liabilities));
                ratio.then(a.margin().cmp(&b.margin()))
            })
            .expect("a policy has at least one scenario")
    }

    /// Formats a raw amount as USD with cents (truncated toward zero).
    pub fn usd(&self, raw: &BigInt) -> String {
        let cents = raw / BigInt::from(10u8).pow(self.usd_places - 2);
        let sign = if cents.sign() == num_bigint::Sign::Minus {
            "-"
        } else {
            ""
        };
        let digits = cents.magnitude().to_string();
        let digits = format!("{digits:0>3}");
        let (int, frac) = digits.split_at(digits.len() - 2);
        format!("{sign}{int}.{frac}")
    }
}

/// Evaluates the solvency statement on a validated book.
pub fn evaluate(book: &Book) -> Evaluation {
    let public: &Public = &book.public;
    let scale = public.scale_factors();
    let prices = public.shocked_prices();
    let ratio = BigUint::from(public.policy.collateral_ratio_bps);
    let scenarios = public
        .policy
        .scenarios
        .iter()
        .enumerate()
        .map(|(s, scenario)| {
            let reserves_by_asset: Vec<BigUint> = book
                .reserves
                .iter()
                .enumerate()
                .map(|(i, &b)| {
                    BigUint::from(b)
                        * scale[i]
                        * prices[i][s]
                        * (10_000 - public.policy.haircuts_bps[i])
                })
                .collect();
            let mut liabilities_by_underlying = vec![BigUint::ZERO; public.assets.len()];
            for p in &book.positions {
                let u = p.underlying;
                liabilities_by_underlying[u] += BigUint::from(p.size)
                    * scale[u]
                    * p.kind.intrinsic(prices[u][s], p.strike)
                    * &ratio;
            }
            ScenarioOutcome {
                name: scenario.name.clone(),
                reserves: reserves_by_asset.iter().sum(),
                liabilities: liabilities_by_underlying.iter().sum(),
                reserves_by_asset,
                liabilities_by_underlying,
            }
        })
        .collect();
    Evaluation {
        scenarios,
        usd_places: public.max_precision() + 12,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_books::demo_book;

    #[test]
    fn demo_book_by_hand() {
        let book = demo_book();
        let ev = evaluate(&book);
        // Base: ETH 1250.5 * 3150.25 * 0.9 + 3,000,000 USDC = 6,545,448.8625 USD.
        // Alice's call is out of the money at 3150.25 < 3500.
        let base = &ev.scenarios[0];
        assert_eq!(ev.usd(&base.margin()), "6545448.86");
        assert_eq!(base.liabilities, BigUint::from(0u8));
        // eth+30: ETH at 4095.325; intrinsic 595.325 * 2.5 * 1.2 = 1785.975 USD.
        let up = &ev.scenarios[2];
        assert_eq!(ev.usd(&BigInt::from(up.liabilities.clone())), "1785.97");
        assert!(ev.solvent());
    }

    proptest::proptest! {
        /// Reserves rounded down and sizes up to each asset's proof precision can only make
        /// a statement harder to prove: in every scenario the proven reserves are at most the
        /// exact on-chain ones and the proven liabilities at least (compared in units of
        /// `10^-(E+12)` USD, `E` the largest on-chain decimals), so a proven book is solvent
        /// on-chain too.
        #[test]
        fn rounding_to_the_precision_only_makes_the_statement_harder(
            assets in proptest::collection::vec((0u32..=18, 0u32..=18, 1u64..1 << 40, 0u64..=10_000), 2),
            reserves in proptest::collection::vec((0u64..1 << 50, 0u64..u64::MAX), 2),
            sizes in proptest::collection::vec((0usize..2, proptest::bool::ANY, 1u64..1 << 40, 0u64..u64::MAX, 0u64..1 << 41), 1..4),
        ) {
            let precision = |&(d, c, _, _): &(u32, u32, u64, u64)| d - c.min(d);
            let unit = |i: usize| 10u128.pow(assets[i].0 - precision(&assets[i]));
            // A whole number of proof units plus a remainder below one.
            let raw = |i: usize, units: u64, rest: u64| u128::from(units) * unit(i) + u128::from(rest) % unit(i);
            let declared: Vec<String> = assets.iter().enumerate().map(|(i, a)| format!(
                r#"{{"symbol": "A{i}", "decimals": {}, "precision": {}, "price": "{}", "price_timestamp": 1}}"#,
                a.0, precision(a), crate::encoding::format_decimal(a.2, 8))).collect();
            let held: Vec<u128> = reserves.iter().enumerate().map(|(i, &(u, r))| raw(i, u, r)).collect();
            let owed: Vec<(usize, bool, u64, u128)> = sizes.iter().map(|&(u, put, strike, rest, units)| {
                (u, put, strike, raw(u, units.max(1), rest))
            }).collect();
            let json = format!(r#"{{"format": "solvency-snapshot/1", "protocol": "p", "epoch": 1, "timestamp": 1,
              "assets": [{}],
              "reserves": [{}],
              "positions": [{}],
              "policy": {{"collateral_ratio_bps": 12500, "haircuts_bps": {{"A0": {}, "A1": {}}}, "max_oracle_age_s": 0,
                "scenarios": [{{"name": "base"}}, {{"name": "down", "shocks_bps": {{"A0": -4000, "A1": 2500}}}}]}}}}"#,
                declared.join(","),
                held.iter().enumerate().map(|(i, r)| format!(r#"{{"asset": "A{i}", "base_units": "{r}"}}"#)).collect::<Vec<_>>().join(","),
                owed.iter().map(|(u, put, strike, size)| format!(
                    r#"{{"account": "a", "underlying": "A{u}", "kind": "{}", "strike": "{}", "size_base_units": "{size}", "expiry": 1}}"#,
                    if *put { "put" } else { "call" }, crate::encoding::format_decimal(*strike, 8))).collect::<Vec<_>>().join(","),
                assets[0].3, assets[1].3);
            let book = Book::from_json(json.as_bytes()).unwrap();
            let ev = evaluate(&book);
            let public = &book.public;
            let on_chain = public.assets.iter().map(|a| a.decimals).max().unwrap();
            let to_on_chain = BigUint::from(10u8).pow(on_chain - public.max_precision());
            let prices = public.shocked_prices();
            for (s, outcome) in ev.scenarios.iter().enumerate() {
                let scale = |i: usize| BigUint::from(10u8).pow(on_chain - public.assets[i].decimals);
                let exact_reserves: BigUint = held.iter().enumerate().map(|(i, &r)| {
                    BigUint::from(r) * scale(i) * prices[i][s] * (10_000 - public.policy.haircuts_bps[i])
                }).sum();
                let exact_liabilities: BigUint = owed.iter().map(|&(u, put, strike, size)| {
                    let kind = if put { crate::statement::Kind::Put } else { crate::statement::Kind::Call };
                    BigUint::from(size) * scale(u) * kind.intrinsic(prices[u][s], strike) * 12_500u32
                }).sum();
                proptest::prop_assert!(&outcome.reserves * &to_on_chain <= exact_reserves);
                proptest::prop_assert!(&outcome.liabilities * &to_on_chain >= exact_liabilities);
            }
        }
    }

    #[test]
    fn usd_formats_negative_and_small() {
        let ev = evaluate(&demo_book());
        let unit = BigInt::from(10u8).pow(ev.usd_places);
        assert_eq!(ev.usd(&(-unit.clone() * 3 / 2)), "-1.50");
        assert_eq!(ev.usd(&(unit / 100 * 7)), "0.07");
    }
}
