#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each, one after the other, niced:
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# Targets: snapshot proof_file shard_file inclusion opening verify. Needs a nightly toolchain
# and cargo-fuzz (`cargo install cargo-fuzz`). Builds with debug assertions (overflow checks
# on, as in the test suite) and no sanitizer (the project's crates forbid unsafe code; a
# panic is what is looked for, and the rate matters): FUZZ_SANITIZER=address to change that.
# Corpora grow in fuzz/corpus/<target>/ (seeded from fixtures/ when missing), crashes land in
# fuzz/artifacts/<target>/, each run's log in fuzz/artifacts/<target>/last-run.log.
# Prints executions and exec/s per target; exits non-zero if any target crashed, timed out,
# ran out of memory or failed to start. Extra libFuzzer flags: FUZZ_ARGS="-jobs=... ...".
set -uo pipefail

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 64
fi
seconds="$1"
shift
fuzz="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
all=(snapshot proof_file shard_file inclusion opening verify)
targets=("${@:-${all[@]}}")
[ $# -eq 0 ] && targets=("${all[@]}")
sanitizer="${FUZZ_SANITIZER:-none}"
toolchain="${FUZZ_TOOLCHAIN:-+nightly}"
# verify runs halo2 on rayon: keep it to one thread so one job is one core.
export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-1}"

# Per-target libFuzzer settings: longest input (above the largest seed), per-input timeout.
max_len() {
  case "$1" in
    proof_file | verify) echo 65536 ;;
    snapshot | shard_file) echo 16384 ;;
    inclusion) echo 8192 ;;
    *) echo 4096 ;;
  esac
}
timeout_s() { [ "$1" = verify ] && echo 120 || echo 10; }

cd "$fuzz" || exit 70
[ -d corpus/snapshot ] || ./seeds/make_seeds.sh || exit 70

build=(cargo "$toolchain" fuzz build --fuzz-dir "$fuzz" -s "$sanitizer" -a)
for t in "${targets[@]}"; do
  echo "== building $t: ${build[*]} $t"
  nice -n 10 "${build[@]}" "$t" || exit 70
done

status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "artifacts/$t" "corpus/$t"
  log="artifacts/$t/last-run.log"
  echo "== $t: ${seconds}s"
  nice -n 10 cargo "$toolchain" fuzz run --fuzz-dir "$fuzz" -s "$sanitizer" -a "$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=4096 -max_len="$(max_len "$t")" \
    -timeout="$(timeout_s "$t")" -dict="dicts/$t.dict" -print_final_stats=1 \
    ${FUZZ_ARGS:-} >"$log" 2>&1
  rc=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  corpus="$(find "corpus/$t" -type f | wc -l)"
  if [ $rc -eq 0 ]; then
    result=ok
  else
    status=1
    result="FAILED (exit $rc): $(grep -m1 -E 'panicked at|ERROR: libFuzzer|deadly signal|Test unit written' "$log" || tail -1 "$log")"
    grep -E '^artifact_prefix|Test unit written to' "$log" | tail -1
  fi
  summary+=("$(printf '%-11s runs %-10s exec/s %-7s corpus %-6s %s' "$t" "${runs:-?}" "${rate:-?}" "$corpus" "$result")")
done

echo "== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit $status
