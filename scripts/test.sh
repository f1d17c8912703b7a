#!/usr/bin/env bash
# The project's test command (README; .ci/run runs exactly this): formatting, lints, the web
# module, Chromium for the browser test, every test of the workspace, then the CosmWasm contract
# built as a chain takes it and run in cosmwasm-vm.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --all-targets -- -D warnings
# The web module's source has no code for wasm32 alone, so the native lints above cover it; a
# wasm32 lint pass would check every dependency once more (2.4 minutes on a cold machine).
# build-web.sh adds the wasm32 target through rustup where it is missing.
scripts/build-web.sh
# verifier/tests/web.rs drives Debian's Chromium through ChromeDriver.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y -qq chromium chromium-driver >/dev/null ||
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium chromium-driver >/dev/null; }
fi
cargo test --workspace
contracts/cosmwasm/test.sh
