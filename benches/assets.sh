#!/usr/bin/env bash
# The cost of assets: a 2,000-position book at 4, 16 and 64 assets × 9 and 16 scenarios, proven
# and verified through the real binaries, the configurations alternated in each of three
# rounds. Prints a markdown table (medians, with the runs); benches/run.sh puts it in
# docs/performance.md. Usage: benches/assets.sh (release binaries built).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
configs="4:9 16:9 64:9 4:16 16:16 64:16"
for c in $configs; do
  ./target/release/synthetic-snapshot 2000 "${c%:*}" "${c#*:}" > "$tmp/s-$c.json"
done
for run in 1 2 3; do
  for c in $configs; do
    rm -rf "$tmp/out-$c"
    /usr/bin/time -f "%e %M" -o "$tmp/prove-$c-$run.txt" ./target/release/solvency-prover prove \
      --snapshot "$tmp/s-$c.json" --out "$tmp/out-$c" --json >"$tmp/prove-$c.json" 2>/dev/null
    /usr/bin/time -f "%e" -o "$tmp/verify-$c-$run.txt" ./target/release/solvency-verifier verify \
      "$tmp/out-$c/proof.json" >/dev/null
  done
done
echo "| assets (width) | scenarios (lanes) | k (shard, top) | prove, median (runs) | peak RSS | proof bytes | verify, median (runs) |"
echo "|---|---|---|---|---|---|---|"
for c in $configs; do
  python3 - "$tmp" "$c" <<'PY'
import json, statistics, sys
tmp, c = sys.argv[1], sys.argv[2]
assets, scen = map(int, c.split(":"))
prove = [open(f"{tmp}/prove-{c}-{r}.txt").read().split() for r in (1, 2, 3)]
verify = [float(open(f"{tmp}/verify-{c}-{r}.txt").read().split()[0]) for r in (1, 2, 3)]
out = json.load(open(f"{tmp}/prove-{c}.json"))
proof = json.load(open(f"{tmp}/out-{c}/proof.json"))
shape = (proof.get("shards", {}).get("circuit") or proof["circuit"])["shape"]
wall = [float(p[0]) for p in prove]
print(f"| {assets} ({shape['assets']}) | {scen} ({shape['lanes']}) | k = {out['k']} "
      f"| {statistics.median(wall):.1f} s ({', '.join(f'{w:.1f}' for w in wall)}) "
      f"| {max(int(p[1]) for p in prove) / 1e6:.2f} GB | {out['proof_bytes']:,} "
      f"| {statistics.median(verify):.2f} s ({', '.join(f'{v:.2f}' for v in verify)}) |")
PY
done
