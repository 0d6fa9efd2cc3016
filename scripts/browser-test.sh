#!/usr/bin/env bash
# Browser test: `dtls-srtp browser-demo` against headless Chromium and headless
# Firefox ESR (fake camera and microphone, a max-bundle page), each in both
# DTLS roles with the server's defaults (DTLS 1.3 and 1.2: the browsers get
# 1.3, RFC 9147) and with the server pinned to DTLS 1.2; every run inside a
# network namespace that holds only loopback.
# A run passes only when the browser reports the DTLS transport connected, its
# cipher, SRTP profile and version are the server's, the server verified the
# browser's certificate against the offer's fingerprint, the answer accepted
# audio and video, and the page decoded echoed video frames and audio.
# Saves artifacts/browser-demo.png (Chromium, passive) and each run's offer,
# status and server log.
#
# usage: scripts/browser-test.sh [path/to/dtls-srtp]   (default .build/debug/dtls-srtp)
#   BROWSERS="chromium firefox" ROLES="passive active" select the runs;
#   RUNS="passive:1.2 active:1.3,1.2" names them exactly (role:the server's --dtls-versions).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-.build/debug/dtls-srtp}"
ART="${ARTIFACTS:-artifacts}"
TIMEOUT="${BROWSER_TEST_TIMEOUT:-60}"
BROWSERS="${BROWSERS:-chromium firefox}"
ROLES="${ROLES:-${BROWSER_DTLS_ROLE:-passive active}}"   # the answer to actpass: passive or active
# Each run is ROLE:VERSIONS, VERSIONS being the server's --dtls-versions.
RUNS="${RUNS:-$(for r in $ROLES; do printf '%s:1.3,1.2 %s:1.2 ' "$r" "$r"; done)}"
mkdir -p "$ART"

# Debian packages, installed when missing.
need=()
for b in $BROWSERS; do
  case "$b" in
    chromium) command -v chromium >/dev/null 2>&1 || need+=(chromium) ;;
    firefox) command -v firefox-esr >/dev/null 2>&1 || need+=(firefox-esr) ;;
    *) echo "unknown browser '$b'"; echo "0 passed, 1 failed"; exit 1 ;;
  esac
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (Debian packages)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
[ -x "$BIN" ] || { echo "no $BIN: build first (swift build)"; echo "0 passed, 1 failed"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed"; echo "0 passed, 1 failed"; exit 1; }

runs_passed=0
runs_failed=0
failed_runs=()
for BROWSER in $BROWSERS; do
  for RUN in $RUNS; do
    ROLE="${RUN%%:*}"
    DTLS_VERSION="${RUN##*:}"
    NAME="$BROWSER-$ROLE"
    case "$DTLS_VERSION" in 1.3*) NAME="$BROWSER-$ROLE-dtls13" ;; esac
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/browser-test.XXXXXX")"
    SHOT=""
    if [ "$BROWSER" = chromium ]; then
      SHOT="$ART/browser-demo-$NAME.png"
      [ "$ROLE" = passive ] && SHOT="$ART/browser-demo.png"
    fi
    export WORK BIN ART TIMEOUT ROLE BROWSER NAME SHOT DTLS_VERSION
    echo "=== $BROWSER, server answers a=setup:$ROLE, DTLS $DTLS_VERSION ==="
    # Everything below runs in a fresh network namespace with only `lo` up,
    # so the browser's only candidates are 127.0.0.1 and nothing leaves the machine.
    set +e
    timeout --kill-after=10 $((TIMEOUT + 60)) unshare -n bash -c '
      set -u
      ip link set lo up
      mkdir -p "$WORK/profile"
      "$BIN" browser-demo --http 127.0.0.1:8080 --media 127.0.0.1:0 --consent-timeout 10 --dtls-role "$ROLE" \
          --dtls-versions "${DTLS_VERSION:-1.2}" \
          --exit-after $((TIMEOUT + 30)) >"$WORK/server.log" 2>&1 &
      server=$!
      for _ in $(seq 1 100); do
        grep -q "^http:" "$WORK/server.log" && break
        kill -0 $server 2>/dev/null || break
        sleep 0.1
      done
      args=(--browser "$BROWSER" --url http://127.0.0.1:8080/ --profile "$WORK/profile"
            --offer-out "$ART/$NAME-offer.sdp" --status-out "$ART/$NAME-status.json" --timeout "$TIMEOUT")
      [ -n "$SHOT" ] && args+=(--screenshot "$SHOT")
      python3 scripts/browser-driver.py "${args[@]}"
      rc=$?
      kill $server 2>/dev/null; wait $server 2>/dev/null
      exit $rc
    '
    rc=$?
    set -e
    cp "$WORK/server.log" "$ART/$NAME-server.log" 2>/dev/null || true
    if [ $rc -ne 0 ]; then
      echo "--- $NAME server log (tail) ---"
      tail -n 25 "$WORK/server.log" 2>/dev/null || true
      echo "--- $NAME browser log (tail) ---"
      tail -n 15 "$WORK/profile/"*.log 2>/dev/null || true
      echo "$NAME FAILED (exit $rc); logs: $WORK, $ART"
      runs_failed=$((runs_failed + 1))
      failed_runs+=("$NAME")
    else
      rm -rf "$WORK"
      runs_passed=$((runs_passed + 1))
    fi
  done
done
echo "browser runs: $runs_passed passed, $runs_failed failed${failed_runs:+ (${failed_runs[*]})}"
[ $runs_failed -eq 0 ] && [ $runs_passed -gt 0 ]
