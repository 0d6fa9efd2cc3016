#!/usr/bin/env bash
# Runs a sanitized test command and keeps its whole output in a log. When the
# sanitizer reports anything, the first report is printed once more at the end
# (long frames cut), so that a CI log that keeps only its tail still shows
# both stacks of the report, not just its last lines.
set -uo pipefail
log="$(mktemp -t sanitized.XXXXXX.log)"
"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if grep -q "^WARNING: \(ThreadSanitizer\|AddressSanitizer\)\|^==[0-9]*==ERROR:" "$log"; then
  echo "---- first sanitizer report, again (whole log: $log) ----"
  awk '/^WARNING: (ThreadSanitizer|AddressSanitizer)|^==[0-9]+==ERROR:/ {on=1}
       on {print substr($0, 1, 180)}
       on && /^SUMMARY:/ {exit}' "$log" | grep -v "^ *#\(1[2-9]\|[2-9][0-9]\) "
  [ "$status" -eq 0 ] && status=1
fi
exit "$status"
