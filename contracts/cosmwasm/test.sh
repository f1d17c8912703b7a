#!/usr/bin/env bash
# Builds the contract (build.sh) and runs it in cosmwasm-vm: every check of the contract
# workspace, then the VM tests with their gas table. Fails on the first error; skips nothing.
#   contracts/cosmwasm/test.sh
set -euo pipefail
cd "$(dirname "$0")"
start=$(date +%s)
# This workspace's packages only: `--all` would also check the verifier and circuits crates.
cargo fmt --check -p solvency-cosmwasm -p solvency-cosmwasm-vm-tests
# In the release profile: its build scripts and proc macros are then reused by the release
# test build below instead of being compiled twice.
cargo clippy --release --locked --all-targets -- -D warnings
SOLVENCY_CONTRACT_WASM=$(./build.sh)
export SOLVENCY_CONTRACT_WASM
# One test at a time: each stores megabytes of parameters and verifies k = 15 shards.
cargo test --locked --release -p solvency-cosmwasm -p solvency-cosmwasm-vm-tests -- --nocapture --test-threads 1
echo "contracts/cosmwasm/test.sh: passed in $(( $(date +%s) - start )) s"
