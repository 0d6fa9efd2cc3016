#!/usr/bin/env bash
# Browser test: `dtls-srtp browser-demo` against headless Chromium (fake camera
# and microphone), both inside a network namespace that holds only loopback.
# Passes only when the browser reports the DTLS transport connected, its cipher
# and SRTP profile are the server's, the server verified the browser's
# certificate against the offer's fingerprint, and the page decoded echoed
# video frames and audio. Saves artifacts/browser-demo.png.
#
# usage: scripts/browser-test.sh [path/to/dtls-srtp]   (default .build/debug/dtls-srtp)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-.build/debug/dtls-srtp}"
ART="${ARTIFACTS:-artifacts}"
TIMEOUT="${BROWSER_TEST_TIMEOUT:-60}"
ROLE="${BROWSER_DTLS_ROLE:-passive}"   # the answer to actpass: passive or active
mkdir -p "$ART"

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
[ -x "$BIN" ] || { echo "no $BIN: build first (swift build)"; echo "0 passed, 1 failed"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed"; echo "0 passed, 1 failed"; exit 1; }

WORK="$(mktemp -d /tmp/browser-test.XXXXXX)"
export WORK BIN ART TIMEOUT ROLE
# Everything below runs in a fresh network namespace with only `lo` up, so the
# browser's only candidates are 127.0.0.1 and nothing leaves the machine.
set +e
timeout --kill-after=10 $((TIMEOUT + 60)) unshare -n bash -c '
  set -u
  ip link set lo up
  mkdir -p "$WORK/profile"
  "$BIN" browser-demo --http 127.0.0.1:8080 --media 127.0.0.1:0 --consent-timeout 10 --dtls-role "$ROLE" \
      --exit-after $((TIMEOUT + 30)) >"$WORK/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    grep -q "^http:" "$WORK/server.log" && break
    kill -0 $server 2>/dev/null || break
    sleep 0.1
  done
  python3 scripts/browser-driver.py --url http://127.0.0.1:8080/ --profile "$WORK/profile" \
      --screenshot "$ART/browser-demo.png" --offer-out "$ART/chromium-offer.sdp" \
      --status-out "$ART/browser-status.json" --timeout "$TIMEOUT"
  rc=$?
  kill $server 2>/dev/null; wait $server 2>/dev/null
  exit $rc
'
rc=$?
set -e
cp "$WORK/server.log" "$ART/browser-demo-server.log" 2>/dev/null || true
echo "--- server log (tail) ---"
tail -n 25 "$WORK/server.log" 2>/dev/null || true
if [ $rc -ne 0 ]; then
  echo "browser test FAILED (exit $rc); logs: $WORK, $ART"
  grep -q "passed," "$ART/browser-status.json" 2>/dev/null || true
  exit 1
fi
rm -rf "$WORK"
echo "browser test passed; screenshot: $ART/browser-demo.png"
