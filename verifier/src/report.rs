//! What a verified proof proves, in words and as JSON: one rendering shared by the CLI and
//! the web module, so a user reads the same verdict in a terminal and in a browser.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::{json, Value};
use solvency_circuits::{
    encoding::format_decimal,
    limits::MAX_TIMESTAMP,
    snapshot::Position,
    statement::{field_bytes, Asset, Fp, Kind, Public},
};

use crate::{InclusionError, Verified};

/// An account's positions as an inclusion file showed them in the proven tree.
pub type Included = (String, Vec<Position>);

/// The caveat beside every VALID verdict: what the proof cannot say about the reserves.
pub const CAVEAT: &str = "Reserves are the balances the protocol committed to (C_R); an \
                          auditor, or the chain where reserves are on-chain, checks that they \
                          exist.";

/// What one inclusion file showed against a valid proof: a verdict of its own, kept apart from
/// the proof's, so that a file of another epoch or a damaged download never turns a valid
/// proof INVALID.
#[derive(Debug)]
pub struct InclusionVerdict {
    /// The file as the user named it: a path, or a picked file's name.
    pub file: String,
    /// The account and its positions as counted, or why they are not shown.
    pub result: Result<Included, InclusionError>,
}

impl InclusionVerdict {
    /// Whether the file shows its positions in the proof.
    pub fn included(&self) -> bool {
        self.result.is_ok()
    }

    /// One word for machines: `included`, `not_found`, `other_epoch` or `unreadable`.
    pub fn kind(&self) -> &'static str {
        match &self.result {
            Ok(_) => "included",
            Err(InclusionError::NotIncluded(..)) => "not_found",
            Err(InclusionError::OtherProof { .. }) => "other_epoch",
            Err(InclusionError::Malformed(_)) => "unreadable",
        }
    }

    /// The verdict's first line, for a holder: `Your positions: …`.
    pub fn headline(&self) -> String {
        match &self.result {
            Ok((account, positions)) => format!(
                "Your positions: INCLUDED: these {} position(s) of account {account:?} are in \
                 the proven tree, unchanged:",
                positions.len()
            ),
            Err(InclusionError::NotIncluded(_, why)) => format!("Your positions: NOT FOUND: {why}"),
            Err(InclusionError::OtherProof {
                protocol,
                epoch,
                proof_protocol,
                proof_epoch,
            }) => format!(
                "Your positions: not checked: {} is for {protocol} epoch {epoch}, this proof is \
                 {proof_protocol} epoch {proof_epoch}; get your file of epoch {proof_epoch}",
                self.file
            ),
            Err(InclusionError::Malformed(why)) => {
                format!(
                    "Your positions: not checked: {} is unreadable: {why}",
                    self.file
                )
            }
        }
    }
}

/// A Unix time as RFC 3339 (UTC, seconds); a time past [`MAX_TIMESTAMP`] (which every parser
/// refuses, and which RFC 3339 cannot spell past the year 9999) as its number of seconds, so
/// that printing never panics.
pub fn time(unix: u64) -> String {
    if unix > MAX_TIMESTAMP {
        return format!("{unix} (unix seconds)");
    }
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix)).to_string()
}

/// Basis points as a signed percentage: `-3000` → `-30%`, `3000` → `+30%`.
fn shock(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "+" };
    format!("{sign}{}", percent(v.unsigned_abs()))
}

/// Basis points as a percentage: `12000` → `120%`.
fn percent(v: u64) -> String {
    format!("{}%", format_decimal(v, 2))
}

fn hex32(f: &Fp) -> String {
    hex::encode(field_bytes(f))
}

/// `10^-p of d decimals` for an asset proven to fewer decimals than its chain's (its reserves
/// were rounded down and its sizes up to them), `None` for one proven exactly.
pub fn rounding(a: &Asset) -> Option<String> {
    (a.precision < a.decimals).then(|| format!("10^-{} of {} decimals", a.precision, a.decimals))
}

/// A position as a holder reads it: `call ETH strike 3500 USD, size 2.5, expires …`.
pub fn describe(p: &Public, q: &Position) -> String {
    let a = &p.assets[q.underlying];
    let kind = match q.kind {
        Kind::Call => "call",
        Kind::Put => "put",
    };
    format!(
        "{kind} {} strike {} USD, size {}, expires {}",
        a.symbol,
        format_decimal(q.strike, 8),
        format_decimal(q.size, a.precision),
        time(q.expiry)
    )
}

/// The verdict in words, a line each: first `Proof: VALID: …`, the caveat, then the statement
/// (protocol, epoch, ratio, prices, every scenario, commitments, previous link, proof), then
/// each inclusion file's own verdict with the positions it shows counted. `elapsed_ms` is the
/// verification time, where the caller measured it.
pub fn text(
    v: &Verified,
    inclusions: &[InclusionVerdict],
    elapsed_ms: Option<u128>,
) -> Vec<String> {
    let st = &v.statement;
    let p = &st.public;
    let mut out = vec![
        "Proof: VALID: the reserves cover every scenario of the policy.".to_owned(),
        format!("  {CAVEAT}"),
        format!("  protocol     {}", p.protocol),
        format!("  epoch        {}", p.epoch),
        format!("  snapshot     {}", time(p.timestamp)),
        format!(
            "  ratio        {} of liabilities must be covered",
            percent(p.policy.collateral_ratio_bps)
        ),
        "  assets".to_owned(),
    ];
    for (i, a) in p.assets.iter().enumerate() {
        let precision = rounding(a).map_or(String::new(), |r| format!(", amounts to {r}"));
        out.push(format!(
            "    {:<10} {} USD at {}, haircut {}{precision}",
            a.symbol,
            format_decimal(a.price, 8),
            time(a.price_timestamp),
            percent(p.policy.haircuts_bps[i])
        ));
    }
    out.push(format!(
        "  scenarios    {} covered",
        p.policy.scenarios.len()
    ));
    for s in &p.policy.scenarios {
        let shocks: Vec<String> = p
            .assets
            .iter()
            .zip(&s.shocks_bps)
            .filter(|(_, &x)| x != 0)
            .map(|(a, &x)| format!("{} {}", a.symbol, shock(x)))
            .collect();
        let shocks = if shocks.is_empty() {
            "no shock".to_owned()
        } else {
            shocks.join(", ")
        };
        out.push(format!("    {:<14} {shocks}", s.name));
    }
    out.push(format!(
        "  reserves     C_R = {}",
        hex32(&st.reserve_commitment)
    ));
    let shards = match v.shards {
        0 => String::new(),
        n => format!(", in {n} shards"),
    };
    out.push(format!(
        "  liabilities  R_L = {} ({} tree slots{shards})",
        hex32(&st.liabilities_root),
        1u64 << v.depth
    ));
    out.push(format!(
        "  previous     {}",
        st.previous
            .map_or("none (first proof of a chain)".into(), hex::encode)
    ));
    let checked = elapsed_ms.map_or(String::new(), |ms| format!(", checked in {ms} ms"));
    out.push(format!(
        "  proof        {} bytes, k = {:?}{checked}; digest {}",
        v.proof_len,
        v.ks,
        hex::encode(v.digest)
    ));
    out.extend(inclusion_text(v, inclusions));
    out
}

/// Each inclusion file's verdict in words: its headline, and for a file that shows its
/// positions, each of them and what the holder should compare.
pub fn inclusion_text(v: &Verified, inclusions: &[InclusionVerdict]) -> Vec<String> {
    let p = &v.statement.public;
    let mut out = Vec::new();
    for verdict in inclusions {
        out.push(verdict.headline());
        if let Ok((_, positions)) = &verdict.result {
            out.extend(positions.iter().map(|q| format!("    {}", describe(p, q))));
            out.push(
                "  Compare them with your own records: a position of yours missing from this \
                 list is not shown to be counted."
                    .to_owned(),
            );
            if positions
                .iter()
                .any(|q| rounding(&p.assets[q.underlying]).is_some())
            {
                out.push(
                    "  Sizes are counted rounded up to the asset's proof precision, so a size \
                     here may exceed yours by less than one unit of that precision."
                        .to_owned(),
                );
            }
        }
    }
    out
}

/// The verdict as one JSON object (`"valid": true`, the caveat, the statement, the scenarios
/// covered, the proof's size and digest, and each inclusion file's own verdict: `result` one
/// of [`InclusionVerdict::kind`], the positions as counted or why not).
pub fn json(v: &Verified, inclusions: &[InclusionVerdict]) -> Value {
    let p = &v.statement.public;
    json!({
        "valid": true,
        "caveat": CAVEAT,
        // No inclusion file given: nothing was shown included, so not `true`.
        "all_included": (!inclusions.is_empty())
            .then(|| inclusions.iter().all(InclusionVerdict::included)),
        "statement": v.statement,
        "scenarios_covered": p.policy.scenarios.iter().map(|s| &s.name).collect::<Vec<_>>(),
        "k": v.ks,
        "slots": 1u64 << v.depth,
        "shards": v.shards,
        "proof_bytes": v.proof_len,
        "digest": hex::encode(v.digest),
        "inclusions": inclusions.iter().map(|i| match &i.result {
            Ok((account, positions)) => json!({
                "file": i.file,
                "result": i.kind(),
                "account": account,
                "positions": positions.iter().map(|q| describe(p, q)).collect::<Vec<_>>(),
            }),
            Err(e) => json!({"file": i.file, "result": i.kind(), "why": e.to_string()}),
        }).collect::<Vec<_>>(),
    })
}
