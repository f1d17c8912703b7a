#!/usr/bin/env bash
# Lays the seed corpora fuzz/corpus/<target>/ out of fixtures/ (run once; run.sh does it for
# a missing corpus). Seeds are named after their fixture so that later minimization keeps
# track of where they came from; libFuzzer adds its own (hash-named) inputs beside them.
set -euo pipefail
fuzz="$(cd "$(dirname "$0")/.." && pwd)"
fx="$fuzz/../fixtures"
c="$fuzz/corpus"
mkdir -p "$c"/{snapshot,proof_file,shard_file,inclusion,opening,verify}

# Snapshots, valid and invalid-*. sharded-book's (200 KB) is left out: libFuzzer's inputs stay
# below -max_len, and its shape is the many-positions one at greater length.
for d in "$fx"/*/; do
  n="$(basename "$d")"
  [ -f "$d/snapshot.json" ] && [ "$n" != sharded-book ] && cp "$d/snapshot.json" "$c/snapshot/seed-$n.json"
  [ -f "$d/proof.json" ] && cp "$d/proof.json" "$c/proof_file/seed-$n.json"
  [ -f "$d/reserve-opening.json" ] && cp "$d/reserve-opening.json" "$c/opening/seed-$n.json"
  if [ -d "$d/inclusion" ]; then
    # Every account's file but sharded-book's 367 near-identical ones: three of those.
    for f in $(ls "$d/inclusion" | sort -V | head -n "$([ "$n" = sharded-book ] && echo 3 || echo 100)"); do
      cp "$d/inclusion/$f" "$c/inclusion/seed-$n-$f"
    done
  fi
done
for f in "$fx"/chain/*.json; do cp "$f" "$c/proof_file/seed-chain-$(basename "$f")"; done

# verify: the small real proofs (single proofs and the proof set).
for n in demo zero-positions many-positions sharded-book; do
  cp "$fx/$n/proof.json" "$c/verify/seed-$n.json"
done

# Shard files (solvency-shard/2) as `solvency-prover shard` writes them (pretty JSON, struct
# field order), cut from sharded-book's proof set: no fixture holds one.
python3 - "$fx/sharded-book/proof.json" "$c/shard_file" <<'PY'
import json, sys
src, out = sys.argv[1], sys.argv[2]
p = json.load(open(src))
s = p["shards"]
for i, proof in enumerate(s["proofs"]):
    doc = {
        "format": "solvency-shard/2",
        "protocol": p["statement"]["public"]["protocol"],
        "epoch": p["statement"]["public"]["epoch"],
        "index": i,
        "sub_root": s["sub_roots"][i],
        "sums": s["sums"][i],
        "proof": proof,
    }
    with open(f"{out}/seed-sharded-book-shard-{i}.json", "w") as f:
        f.write(json.dumps(doc, indent=2))
PY
