#!/usr/bin/env bash
# Every Swift block in the README is a real file that `make test` builds and
# runs: a block is preceded by `<!-- quoted from PATH ... -->` and must equal
# that file byte for byte. A block with no such line fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import re, sys
text = open("README.md").read()
bad = 0
for m in re.finditer(r"```swift\n(.*?)```\n", text, re.S):
    before = text[:m.start()].rstrip("\n").split("\n")[-1]
    q = re.match(r"<!-- quoted from (\S+)", before)
    if not q:
        print(f"README.md: a swift block at offset {m.start()} quotes no file"); bad += 1; continue
    try:
        body = open(q.group(1)).read()
    except OSError as e:
        print(f"README.md: {q.group(1)}: {e}"); bad += 1; continue
    if body != m.group(1):
        print(f"README.md: the block quoting {q.group(1)} differs from the file"); bad += 1
    else:
        print(f"README.md: block equals {q.group(1)}")
sys.exit(1 if bad else 0)
PY
