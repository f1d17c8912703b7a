//! The native solvency model: the statement of `docs/formats.md` in plain integers, the
//! circuit's twin.
//!
//! Every public output of the circuit is checked against this module on random books
//! (`tests/model_vs_circuit.rs`). It deliberately computes intrinsic values the obvious way,
//! per position and per scenario, and shares no code with the circuit's moneyness bands.

use num_bigint::{BigInt, BigUint};

use crate::snapshot::Book;
use crate::statement::Public;

/// One scenario's outcome, in the statement's raw unit (`10^-(D+12)` USD).
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
        usd_places: public.max_decimals() + 12,
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

    #[test]
    fn usd_formats_negative_and_small() {
        let ev = evaluate(&demo_book());
        let unit = BigInt::from(10u8).pow(ev.usd_places);
        assert_eq!(ev.usd(&(-unit.clone() * 3 / 2)), "-1.50");
        assert_eq!(ev.usd(&(unit / 100 * 7)), "0.07");
    }
}
