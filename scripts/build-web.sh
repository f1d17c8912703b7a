#!/usr/bin/env bash
# Builds the web verifier module (verifier/wasm) for wasm32-unknown-unknown; with a folder
# argument, also writes the static verification site there (solvency-verifier web --out DIR).
#   scripts/build-web.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
cargo build --profile wasm --target wasm32-unknown-unknown -p solvency-verifier-wasm
module=target/wasm32-unknown-unknown/wasm/solvency_verifier_wasm.wasm
echo "module: $module ($(stat -c %s "$module") bytes)"
if [ $# -gt 0 ]; then
    cargo run --release -q -p solvency-verifier -- web --out "$1" --module "$module"
fi
