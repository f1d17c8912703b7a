#!/usr/bin/env bash
# Regenerates the pinned verifying keys of every supported circuit shape from the circuit code
# (keygen_vk on a reference statement of each shape) and their proof lengths into verifier/keys/,
# then rebuilds the verifier so it carries them. Run it after any change to a circuit's layout, review the diff
# of verifier/keys/digests.txt, then run fixtures/regenerate.sh.
#
#   scripts/regenerate-keys.sh           write verifier/keys/keys.bin, digests.txt, digests.bin and
#                                        proof-lens.bin
#   scripts/regenerate-keys.sh --check   regenerate every key and compare with the pinned ones
#
# 924 keys; 32 minutes on a 2-core machine (the tops over 512 and 1,024 shards need the
# k = 16 parameters, generated once into the parameters cache).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p solvency-verifier
if [[ ${1:-} == --check ]]; then
  exec ./target/release/solvency-verifier keys
fi
./target/release/solvency-verifier keys --write verifier/keys
cargo build --release -q -p solvency-verifier
git --no-pager diff --stat -- verifier/keys || true
