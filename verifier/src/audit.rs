//! `solvency-verifier audit`: an auditor's check, without proving again, that a verified proof
//! commits to the books it claims — the snapshot's reserves behind `C_R` and its positions
//! behind `R_L` — given the snapshot and the reserve opening (whose seed every blinding, salt
//! and placement derives from). Each part is named when it differs. (`replay` runs a fixture
//! corpus; this is one epoch's files as an auditor receives them.)

use solvency_circuits::{
    encoding::format_decimal,
    snapshot::Book,
    statement::field_bytes,
    witness::{statement_of, Secrets},
};

use crate::{opening::ReserveOpening, Verified};

/// What an audit found: each check that agreed, and each that did not, in words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Audit {
    /// Checks that agreed.
    pub agrees: Vec<String>,
    /// Checks that did not, with what differs.
    pub differs: Vec<String>,
}

impl Audit {
    /// Whether every check agreed.
    pub fn ok(&self) -> bool {
        self.differs.is_empty()
    }

    fn check(&mut self, agrees: bool, what: &str, why: impl FnOnce() -> String) {
        if agrees {
            self.agrees.push(what.to_owned());
        } else {
            self.differs.push(format!("{what}: {}", why()));
        }
    }
}

/// Audits `verified` against the snapshot `book` and the reserve `opening`: the public data
/// (prices, policy, dates) are the snapshot's; the opening opens `C_R` and holds the snapshot's
/// balances; `C_R` and `R_L` recomputed from the snapshot and the opening's seed are the
/// proof's.
pub fn audit(verified: &Verified, book: &Book, opening: &ReserveOpening) -> Audit {
    let mut a = Audit::default();
    let proven = &verified.statement;
    let p = &proven.public;
    a.check(
        p == &book.public,
        "public data (protocol, epoch, time, prices, policy)",
        || {
            let fields = [
                ("protocol", p.protocol != book.public.protocol),
                ("epoch", p.epoch != book.public.epoch),
                ("timestamp", p.timestamp != book.public.timestamp),
                ("assets and prices", p.assets != book.public.assets),
                ("policy", p.policy != book.public.policy),
            ];
            let differ: Vec<&str> = fields.iter().filter(|f| f.1).map(|f| f.0).collect();
            format!(
                "the snapshot's {} differ from the proof's",
                differ.join(", ")
            )
        },
    );
    match opening.open(proven) {
        Ok(balances) => a.check(
            balances == book.reserves,
            "the opening's balances are the snapshot's reserves",
            || {
                let differ: Vec<String> = p
                    .assets
                    .iter()
                    .zip(balances.iter().zip(&book.reserves))
                    .filter(|(_, (o, s))| o != s)
                    .map(|(asset, (o, s))| {
                        format!(
                            "{}: committed {}, snapshot {}",
                            asset.symbol,
                            format_decimal(*o, asset.precision),
                            format_decimal(*s, asset.precision)
                        )
                    })
                    .collect();
                differ.join("; ")
            },
        ),
        Err(e) => a.differs.push(format!("the reserve opening: {e}")),
    }
    // The statement the prover makes of this snapshot with this seed: no proof, only the
    // commitments and the tree.
    let recomputed = statement_of(book, &Secrets::from_seed(opening.seed), proven.previous);
    let hex = |f| hex::encode(field_bytes(f));
    a.check(
        recomputed.reserve_commitment == proven.reserve_commitment,
        "C_R recomputed from the snapshot's reserves and the opening's seed",
        || {
            format!(
                "{} is not the proof's {}: the snapshot's reserves or the seed are not the ones \
                 committed to",
                hex(&recomputed.reserve_commitment),
                hex(&proven.reserve_commitment)
            )
        },
    );
    a.check(
        recomputed.liabilities_root == proven.liabilities_root,
        "R_L recomputed from the snapshot's positions and the opening's seed",
        || {
            format!(
                "{} is not the proof's {}: a position was added, left out or changed, or the \
                 seed is another epoch's",
                hex(&recomputed.liabilities_root),
                hex(&proven.liabilities_root)
            )
        },
    );
    a
}
