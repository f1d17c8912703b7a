//! The protocol team's report: one self-contained HTML page (no network, no scripts) with an
//! SVG chart of haircut reserves against required liabilities per scenario, each scenario's
//! coverage ratio, and the tightest scenario highlighted.
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

/// The report page for `book` and the model's evaluation of it.
pub fn html(book: &Book, ev: &Evaluation) -> String {
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
    // Tightest: the lowest coverage ratio, compared exactly as V_i·L_j < V_j·L_i.
    let tightest = (0..rows.len())
        .min_by(|&i, &j| {
            let (vi, li) = (&rows[i].1, &rows[i].2);
            let (vj, lj) = (&rows[j].1, &rows[j].2);
            (vi * lj).cmp(&(vj * li)).then((vi - li).cmp(&(vj - lj)))
        })
        .expect("at least one scenario");
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
        "Solvent: every scenario is covered."
    } else {
        "INSOLVENT: some scenarios are not covered; the prover refuses to prove."
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Solvency report — {protocol} epoch {epoch}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 780px; color: #1d232a; }}
h1 {{ font-size: 1.4em; margin-bottom: .2em; }}
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
<p class="verdict">{verdict} Tightest scenario: <strong>{tight}</strong>.</p>
{svg}
<table><thead><tr><th>scenario</th><th>haircut reserves</th><th>required</th><th>margin</th><th>coverage</th></tr></thead>
<tbody>{table}</tbody></table>
</body></html>
"#,
        protocol = esc(&p.protocol),
        epoch = p.epoch,
        timestamp = solvency_verifier::report::time(p.timestamp),
        ratio = format_decimal(p.policy.collateral_ratio_bps, 2),
        n = book.positions.len(),
        vbg = if ev.solvent() { "#e3f4e6" } else { "#fbe3df" },
        tight = esc(&rows[tightest].0),
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
        let page = html(&book, &ev);
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
