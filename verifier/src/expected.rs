//! `expected.json` of a fixture: the native model's verdict on a snapshot, per scenario, or
//! the input error that refuses it. The prover's `evaluate` writes it; `replay` recomputes it
//! and compares.

use serde::{Deserialize, Serialize};
use solvency_circuits::{model::evaluate, snapshot::Book};

/// The verdict on a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every scenario is covered: it proves.
    Solvent,
    /// Some scenario is not covered: the prover refuses (exit 1).
    Insolvent,
    /// The snapshot breaks a rule of the format (exit 2).
    InvalidInput,
}

/// One scenario's outcome, in USD (truncated to cents) and exactly (raw units).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioExpectation {
    /// Scenario name.
    pub name: String,
    /// Whether `V_s ≥ L_s`.
    pub covered: bool,
    /// `V_s`, haircut reserves, USD.
    pub reserves_usd: String,
    /// `L_s`, liabilities times the ratio, USD.
    pub required_usd: String,
    /// `V_s − L_s`, USD.
    pub margin_usd: String,
    /// `V_s − L_s` exactly, in units of `10^-(D+12)` USD.
    pub margin_raw: String,
}

/// The expectation of one fixture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// The verdict.
    pub verdict: Verdict,
    /// For invalid input: the error, as the prover prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Per scenario, for valid input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<ScenarioExpectation>,
}

impl Expected {
    /// The model's expectation for snapshot bytes.
    pub fn of_snapshot(bytes: &[u8]) -> Self {
        match Book::from_json(bytes) {
            Err(e) => Expected {
                verdict: Verdict::InvalidInput,
                error: Some(e.to_string()),
                scenarios: vec![],
            },
            Ok(book) => {
                let ev = evaluate(&book);
                Expected {
                    verdict: if ev.solvent() {
                        Verdict::Solvent
                    } else {
                        Verdict::Insolvent
                    },
                    error: None,
                    scenarios: ev
                        .scenarios
                        .iter()
                        .map(|s| ScenarioExpectation {
                            name: s.name.clone(),
                            covered: s.covered(),
                            reserves_usd: ev.usd(&s.reserves.clone().into()),
                            required_usd: ev.usd(&s.liabilities.clone().into()),
                            margin_usd: ev.usd(&s.margin()),
                            margin_raw: s.margin().to_string(),
                        })
                        .collect(),
                }
            }
        }
    }
}
