#!/usr/bin/env bash
# Builds the contract as CosmWasm accepts it: MVP wasm only (std rebuilt with target-cpu=mvp,
# so no bulk-memory, sign-extension or other post-MVP operators), size-optimised (opt-level z,
# LTO, one codegen unit, stripped, then wasm-opt -Oz), at most 800 KiB. Prints the module's
# absolute path ($CARGO_TARGET_DIR is honoured).
#   contracts/cosmwasm/build.sh
set -euo pipefail
cd "$(dirname "$0")"

need() { echo "build.sh: $*" >&2; exit 1; }
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
if ! command -v wasm-opt >/dev/null; then
    # Debian's binaryen: wasm-opt shrinks the module by about a tenth and validates it as MVP.
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq binaryen >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq binaryen >/dev/null
    fi
fi
command -v wasm-opt >/dev/null || need "wasm-opt (Debian package binaryen) is required"

# -Zbuild-std on the stable toolchain: RUSTC_BOOTSTRAP=1 (the std sources come from rust-src).
# RUSTFLAGS replaces .cargo/config.toml's flags for this build, so it repeats them, and adds
# what only the deployable module needs: panics abort at once, without their messages and
# locations (1.10 MB -> 0.92 MB before wasm-opt, 0.77 MB after). Debug formatting must stay whole
# (no -Zfmt-debug): halo2 hashes a verifying key's Debug text into every proof's transcript.
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS='--cfg getrandom_backend="unsupported" -C target-cpu=mvp -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none'
cargo build -q --locked --profile contract --target wasm32-unknown-unknown \
    -p solvency-cosmwasm --lib -Z build-std=std,panic_abort

target=$(realpath "${CARGO_TARGET_DIR:-target}")
raw=$target/wasm32-unknown-unknown/contract/solvency_cosmwasm.wasm
out=$target/solvency_cosmwasm.wasm
# --mvp-features: wasm-opt refuses any post-MVP operator left in the module.
wasm-opt --mvp-features -Oz --strip-debug --strip-producers "$raw" -o "$out"
size=$(stat -c %s "$out")
[ "$size" -le $((800 * 1024)) ] || need "module is $size bytes, above CosmWasm's 800 KiB limit"
echo "$out ($size bytes; $(stat -c %s "$raw") before wasm-opt)" >&2
echo "$out"
