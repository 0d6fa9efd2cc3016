#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each for a bounded time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   run (default 60 s, every target)
#   scripts/fuzz.sh seeds                              regenerate Fuzz/corpus/* (commit the result)
#   scripts/fuzz.sh build                              build only
#
# Each run starts from the committed seeds (Fuzz/corpus/<target>) plus what
# earlier runs on this machine found (.build-fuzz/corpus/<target>, not
# committed). A crash, leak, timeout (-timeout, default 10 s per input) or
# broken invariant stops that target: the input lands in fuzz-out/ and the
# script exits non-zero after the other targets ran. Reproduce with
#   Fuzz/.build/release/<target> fuzz-out/<target>-crash-...
# then turn it into a test in Tests/DTLSTests/FuzzRegressionTests.swift.
#
# Environment: FUZZ_JOBS=N runs N targets at once (default 1: the machine
# is shared), FUZZ_ARGS adds libFuzzer flags.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

TARGETS_ALL=(fuzz-record fuzz-handshake fuzz-demux fuzz-srtp fuzz-engine-server fuzz-engine-client fuzz-engine-connected fuzz-handshake-mitm fuzz-dtls13 fuzz-hybrid-share)
BIN=Fuzz/.build/release
WORK=.build-fuzz
OUT=fuzz-out

build() {
  local start=$SECONDS
  # SwiftPM keeps the build plan of a path dependency (the package in ..)
  # and does not notice files added to it; drop the plan so it is redone.
  rm -f Fuzz/.build/release.yaml Fuzz/.build/release/description.json
  swift build -c release --package-path Fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing \
    2>&1 | grep -Ev "Cannot export local symbol '__asan_extra_spill_area'|^\[[0-9]+/[0-9]+\]" || true
  [ -x "$BIN/fuzz-record" ] || { echo "fuzz build failed"; exit 2; }
  echo "fuzz build: $((SECONDS - start)) s"
}

case "${1:-}" in
  build) build; exit 0 ;;
  seeds)
    build
    for t in "${TARGETS_ALL[@]}"; do
      rm -rf "Fuzz/corpus/$t"
      FUZZ_WRITE_SEEDS="Fuzz/corpus/$t" "$BIN/$t" || exit 1
    done
    exit 0 ;;
esac

SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${TARGETS_ALL[@]}")

build
mkdir -p "$WORK" "$OUT"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
# The Swift backtracer fights ASan over a crashing process and can take minutes; ASan prints the stack.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

run_one() {
  local t=$1
  mkdir -p "$WORK/corpus/$t"
  "$BIN/$t" "$WORK/corpus/$t" "Fuzz/corpus/$t" \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$OUT/$t-" ${FUZZ_ARGS:-} >"$WORK/$t.log" 2>&1
  echo $? >"$WORK/$t.rc"
}

jobs_max="${FUZZ_JOBS:-1}"
for t in "${TARGETS[@]}"; do
  run_one "$t" &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
done
wait

status=0
printf '%-24s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "${TARGETS[@]}"; do
  rc=$(cat "$WORK/$t.rc" 2>/dev/null || echo 99)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$WORK/$t.log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$WORK/$t.log" | grep -o '[0-9]*$' | tail -1)
  corpus=$(ls "$WORK/corpus/$t" | wc -l)
  if [ "$rc" = 0 ]; then result=ok; else
    result="FAILED (rc $rc, log $WORK/$t.log)"; status=1
    grep -E "ERROR:|invariant|Fatal error|SUMMARY|Test unit written" "$WORK/$t.log" | head -5 | sed 's/^/    /'
  fi
  printf '%-24s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$result"
done
exit $status
