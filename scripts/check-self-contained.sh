#!/usr/bin/env bash
# The repository passes its tests with nothing beside it: no test, script or
# source reads ../shared (reference material on the developers' machines) or
# an absolute path of a development machine. Run by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
hits=$(grep -rIn -E '\.\./shared|/work/(main|shared)' Sources Tests Fuzz/Sources Fuzz/Package.swift scripts Vectors Package.swift Makefile .ci \
        2>/dev/null | grep -v '^scripts/check-self-contained.sh:' || true)
if [ -n "$hits" ]; then
  echo "These read files outside the repository (copy what they need into Tests/Fixtures):"
  echo "$hits"
  exit 1
fi
echo "self-contained: no reads outside the repository"
