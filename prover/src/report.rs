//! The protocol team's report: one self-contained HTML page (no network, no scripts) with an
//! SVG chart of haircut reserves against required liabilities per scenario, each scenario's
//! coverage ratio, the tightest scenario highlighted (as `prove` names it), reserves and
//! liabilities asset by asset, what would cure an insolvent book, and the proof's digest.
//!
//! Amounts are printed exactly (to the cent, from the native model); floating point is used
//! only to size the bars.

use num_bigint::BigInt;
use solvency_circuits::{encoding::format_decimal, model::Evaluation, snapshot::Book};

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

/// A USD amount with thousands separators: `-1591646.47` → `-1,591,646.47`.
fn grouped(usd: &str) -> String {
    let (sign, rest) = usd.strip_prefix('-').map_or(("", usd), |r| ("-", r));
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{out}")
    } else {
        format!("{sign}{out}.{frac}")
    }
}

/// A raw amount in USD as a float, for drawing only.
fn usd_f64(ev: &Evaluation, raw: &BigInt) -> f64 {
    ev.usd(raw).parse().unwrap_or(0.0)
}

/// Coverage `V_s / L_s` in percent to two decimals, exactly; `None` when nothing is owed.
fn coverage(reserves: &BigInt, required: &BigInt) -> Option<String> {
    if required == &BigInt::from(0u8) {
        return None;
    }
    let basis_points = reserves * 10_000u32 / required;
    let bp: u64 = basis_points.try_into().unwrap_or(u64::MAX);
    Some(format!("{}%", format_decimal(bp, 2)))
}

/// The report page for `book` and the model's evaluation of it; with `proof_digest`, the
/// digest of the verified proof of this book, which the page names.
pub fn html(book: &Book, ev: &Evaluation, proof_digest: Option<[u8; 32]>) -> String {
    let p = &book.public;
    let rows: Vec<(String, BigInt, BigInt)> = ev
        .scenarios
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.reserves.clone().into(),
                s.liabilities.clone().into(),
            )
        })
        .collect();
    // Tightest as `prove` says it: the lowest coverage ratio (Evaluation::tightest).
    let tight = ev.tightest();
    let tightest = ev
        .scenarios
        .iter()
        .position(|s| std::ptr::eq(s, tight))
        .expect("the tightest is one of the scenarios");
    let max = rows
        .iter()
        .flat_map(|(_, v, l)| [usd_f64(ev, v), usd_f64(ev, l)])
        .fold(1.0, f64::max);

    let (bar_h, gap, label_w, chart_w) = (16.0, 18.0, 150.0, 560.0);
    let height = rows.len() as f64 * (2.0 * bar_h + gap) + 40.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" role="img" aria-label="Reserves against required liabilities per scenario">"#,
        w = label_w + chart_w + 20.0
    );
    for (i, (name, v, l)) in rows.iter().enumerate() {
        let y = 10.0 + i as f64 * (2.0 * bar_h + gap);
        let (vw, lw) = (
            chart_w * usd_f64(ev, v) / max,
            chart_w * usd_f64(ev, l) / max,
        );
        let class = if i == tightest { " tight" } else { "" };
        let short = v < l;
        svg += &format!(
            r#"<g class="scenario{class}"><text x="{tx}" y="{ty}" text-anchor="end">{name}</text><rect class="reserves" x="{label_w}" y="{y}" width="{vw:.1}" height="{bar_h}"/><rect class="{lclass}" x="{label_w}" y="{y2}" width="{lw:.1}" height="{bar_h}"/></g>"#,
            tx = label_w - 8.0,
            ty = y + bar_h + 4.0,
            name = esc(name),
            y2 = y + bar_h,
            lclass = if short { "required short" } else { "required" },
        );
    }
    svg += &format!(
        r#"<g class="legend"><rect class="reserves" x="{label_w}" y="{ly}" width="12" height="12"/><text x="{t1}" y="{lt}">haircut reserves</text><rect class="required" x="{x2}" y="{ly}" width="12" height="12"/><text x="{t2}" y="{lt}">required (liabilities × ratio)</text><rect class="required short" x="{x3}" y="{ly}" width="12" height="12"/><text x="{t3}" y="{lt}">required, not covered</text></g></svg>"#,
        ly = height - 22.0,
        lt = height - 12.0,
        t1 = label_w + 18.0,
        x2 = label_w + 150.0,
        t2 = label_w + 168.0,
        x3 = label_w + 370.0,
        t3 = label_w + 388.0,
    );

    let mut table = String::new();
    for (i, (name, v, l)) in rows.iter().enumerate() {
        let class = if i == tightest {
            r#" class="tight""#
        } else {
            ""
        };
        table += &format!(
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            grouped(&ev.usd(v)),
            grouped(&ev.usd(l)),
            grouped(&ev.usd(&(v - l))),
            coverage(v, l).unwrap_or_else(|| "no liability".into()),
        );
    }
    let verdict = if ev.solvent() {
        "Solvent: every scenario is covered.".to_owned()
    } else {
        // The largest shortfall is what more reserves must add, valued after haircuts and
        // shocks: in an asset without either (a USD stablecoin at 0 % haircut), that many USD.
        let worst = ev
            .scenarios
            .iter()
            .min_by_key(|s| s.margin())
            .expect("at least one scenario");
        format!(
            "INSOLVENT: some scenarios are not covered; the prover refuses to prove. To cure it, \
             add at least {} USD of haircut reserve value in every scenario (the shortfall in \
             {}: that many USD of a stablecoin with no haircut and no shock).",
            grouped(&ev.usd(&-worst.margin())),
            esc(&worst.name)
        )
    };
    let mut assets = String::new();
    for (i, a) in p.assets.iter().enumerate() {
        assets += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.symbol),
            grouped(&format_decimal(book.reserves[i], a.precision)),
            grouped(&ev.usd(&tight.reserves_by_asset[i].clone().into())),
            grouped(&ev.usd(&tight.liabilities_by_underlying[i].clone().into())),
        );
    }
    let digest = proof_digest.map_or(
        "no proof named (<code>report --proof proof.json</code> names the one published)".into(),
        |d| format!("proof digest <code>{}</code>", hex::encode(d)),
    );
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Solvency report — {protocol} epoch {epoch}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 780px; color: #1d232a; }}
h1 {{ font-size: 1.4em; margin-bottom: .2em; }}
h2 {{ font-size: 1.1em; margin-top: 1.5em; }}
.sub {{ color: #5a6470; margin-top: 0; }}
.verdict {{ font-weight: 600; padding: .5em .8em; border-radius: 6px; background: {vbg}; }}
svg text {{ font-size: 12px; fill: #1d232a; }}
rect.reserves {{ fill: #2f7fd1; }}
rect.required {{ fill: #9aa5b1; }}
rect.required.short {{ fill: #d1432f; }}
g.tight text {{ font-weight: 700; }}
g.tight rect.reserves {{ stroke: #e0a100; stroke-width: 3; }}
table {{ border-collapse: collapse; width: 100%; margin-top: 1em; }}
td, th {{ text-align: right; padding: .3em .6em; border-bottom: 1px solid #e3e7eb; }}
td:first-child, th:first-child {{ text-align: left; }}
tr.tight {{ background: #fff4d6; font-weight: 600; }}
</style></head><body>
<h1>Solvency report — {protocol}, epoch {epoch}</h1>
<p class="sub">Snapshot at {timestamp}; collateral ratio {ratio}%; {n} positions; amounts in USD.</p>
<p class="verdict">{verdict} Tightest scenario (lowest coverage): <strong>{tight}</strong>.</p>
<p class="sub">{digest}</p>
{svg}
<table><thead><tr><th>scenario</th><th>haircut reserves</th><th>required</th><th>margin</th><th>coverage</th></tr></thead>
<tbody>{table}</tbody></table>
<h2>By asset, in the tightest scenario ({tight})</h2>
<table><thead><tr><th>asset</th><th>reserves (tokens)</th><th>haircut reserves, USD</th><th>required for options on it, USD</th></tr></thead>
<tbody>{assets}</tbody></table>
</body></html>
"#,
        protocol = esc(&p.protocol),
        epoch = p.epoch,
        timestamp = solvency_verifier::report::time(p.timestamp),
        ratio = format_decimal(p.policy.collateral_ratio_bps, 2),
        n = book.positions.len(),
        vbg = if ev.solvent() { "#e3f4e6" } else { "#fbe3df" },
        tight = esc(&tight.name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use solvency_circuits::model::evaluate;

    #[test]
    fn report_is_self_contained_and_highlights_the_tightest() {
        let mut book = Book::from_json(crate::DEMO_SNAPSHOT.as_bytes()).unwrap();
        book.public.protocol = "<demo & co>".into();
        let ev = evaluate(&book);
        let page = html(&book, &ev, Some([7; 32]));
        assert!(page.contains("&lt;demo &amp; co&gt;") && !page.contains("<demo"));
        assert!(
            !page.contains("http://") || page.matches("http://").count() == 1,
            "only the SVG namespace"
        );
        assert!(!page.contains("<script") && !page.contains("https://"));
        // eth+30 owes the most and has the lowest coverage.
        assert!(
            page.contains(r#"<tr class="tight"><td>eth+30</td>"#),
            "{page}"
        );
        assert_eq!(page.matches("class=\"scenario").count(), 3);
        // Tightest means what `prove` prints; the proof is named; each asset has its row.
        assert_eq!(ev.tightest().name, "eth+30");
        assert!(page.contains("Tightest scenario (lowest coverage): <strong>eth+30</strong>"));
        assert!(page.contains(&hex::encode([7; 32])));
        assert!(page.contains("<tr><td>ETH</td><td>1,250.5</td>"), "{page}");
        assert!(page.contains("<tr><td>USDC</td>"), "{page}");
    }

    #[test]
    fn an_insolvent_report_says_what_cures_it() {
        let mut book = Book::from_json(crate::DEMO_SNAPSHOT.as_bytes()).unwrap();
        book.positions[0].size *= 10_000;
        let ev = evaluate(&book);
        assert!(!ev.solvent());
        let worst = ev.scenarios.iter().min_by_key(|s| s.margin()).unwrap();
        let page = html(&book, &ev, None);
        let cure = grouped(&ev.usd(&-worst.margin()));
        assert!(page.contains(&format!("add at least {cure} USD")), "{page}");
    }

    #[test]
    fn amounts_are_grouped() {
        assert_eq!(grouped("-1591646.47"), "-1,591,646.47");
        assert_eq!(grouped("100.00"), "100.00");
        assert_eq!(grouped("1000"), "1,000");
    }

    #[test]
    fn coverage_is_exact() {
        assert_eq!(
            coverage(&BigInt::from(3), &BigInt::from(2)),
            Some("150%".into())
        );
        assert_eq!(
            coverage(&BigInt::from(1), &BigInt::from(3)),
            Some("33.33%".into())
        );
        assert_eq!(coverage(&BigInt::from(1), &BigInt::from(0)), None);
    }
}
