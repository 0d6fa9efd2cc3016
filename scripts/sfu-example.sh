#!/usr/bin/env bash
# The SFU example (Examples/SFU, its own package on dtls-srtp's products)
# forwarding between two `dtls-srtp client` peers on 127.0.0.1: each sends
# 300 RTP packets (one per 10 ms) under its own SSRC and must receive at
# least 150 intact packets from the other (forwarded, not echoed). Then the
# SFU shuts down gracefully (SIGTERM). Fails loudly on any shortfall.
# With a third argument `mini`, the SFU is the README's twenty-line one
# (Examples/SFU/Sources/MiniSFU: port as its last argument, no graceful
# shutdown), checked by the same two clients.
set -euo pipefail
cli=${1:-.build/debug/dtls-srtp}
sfu=${2:-Examples/SFU/.build/debug/SFU}
mini=${3:-}
port=${SFU_PORT:-$((20000 + RANDOM % 20000))}
work=$(mktemp -d)
trap 'kill $sfu_pid 2>/dev/null || true; rm -rf "$work"' EXIT

if [ -n "$mini" ]; then
  "$sfu" "$port" >"$work/sfu.out" 2>"$work/sfu.err" &
else
  "$sfu" --port "$port" --seconds 60 >"$work/sfu.out" 2>"$work/sfu.err" &
fi
sfu_pid=$!
for _ in $(seq 100); do cat "$work/sfu.out" "$work/sfu.err" 2>/dev/null | grep -q "listening" && break; sleep 0.1; done
cat "$work/sfu.out" "$work/sfu.err" | grep -q "listening" || { echo "sfu-example: the SFU did not start"; cat "$work/sfu.err"; exit 1; }

for peer in a b; do
  "$cli" client --connect "127.0.0.1:$port" --rtp 300 --expect-forwarded 150 --media-timeout 20 --wait-ms 100 \
    </dev/null >"$work/$peer.out" 2>"$work/$peer.err" &
  eval "pid_$peer=$!"
done
status=0
for peer in a b; do
  eval "pid=\$pid_$peer"
  if wait "$pid"; then :; else status=1; echo "sfu-example: client $peer failed"; fi
  grep "rtp-forwarded" "$work/$peer.err" | sed "s/^/sfu-example: client $peer: /" || { echo "sfu-example: client $peer printed no summary"; status=1; }
done
kill -TERM "$sfu_pid"
if [ -n "$mini" ]; then
  wait "$sfu_pid" 2>/dev/null || true  # no graceful shutdown: SIGTERM ends it
else
  wait "$sfu_pid" || { echo "sfu-example: the SFU exited with $?"; status=1; }
fi
sed 's/^/sfu-example: /' "$work/sfu.out"
if [ $status -ne 0 ]; then
  echo "sfu-example: FAILED"; for f in "$work"/*.err; do echo "--- $f"; tail -20 "$f"; done
  exit 1
fi
echo "sfu-example: ok"
