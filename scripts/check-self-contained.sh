#!/usr/bin/env bash
# The repository passes its tests with nothing beside it: no test, script or
# source reads the developers' reference folder next to the repository
# (shared/ one level up) or an absolute path of a development machine.
# Run by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
up='\.\.'                      # the pattern is assembled so this file does not match itself
pattern="$up/shared|/work/(main|shared)"
hits=$(grep -rIn -E "$pattern" Sources Tests Fuzz/Sources Fuzz/Package.swift scripts Vectors Package.swift Makefile .ci \
        2>/dev/null | grep -v '^scripts/check-self-contained.sh:' || true)
if [ -n "$hits" ]; then
  echo "These read files outside the repository (copy what they need into Tests/Fixtures):"
  echo "$hits"
  exit 1
fi
echo "self-contained: no reads outside the repository"
