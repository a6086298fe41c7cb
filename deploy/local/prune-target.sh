#!/usr/bin/env bash
# Deletes superseded test and binary executables from a cargo target directory: every rebuild of a test
# binary whose dependencies changed leaves a new hashed copy (hundreds of MB with debug info) beside the
# old ones, so a long-lived cache (CI's, a developer's) grows by gigabytes a day. Keeps the newest copy
# of each; cargo rebuilds anything it still needs.
#   prune-target.sh [target-dir]   (default: $CARGO_TARGET_DIR, else ./target)
set -euo pipefail
target="${1:-${CARGO_TARGET_DIR:-target}}"
[ -d "$target" ] || exit 0
python3 - "$target" <<'PY'
import collections, os, re, sys
freed = 0
for root, dirs, _ in os.walk(sys.argv[1]):
    if os.path.basename(root) != "deps":
        continue
    groups = collections.defaultdict(list)
    for name in os.listdir(root):
        path = os.path.join(root, name)
        match = re.match(r"^(.*)-[0-9a-f]{16}$", name)
        if match and os.path.isfile(path) and os.access(path, os.X_OK):
            groups[match.group(1)].append(path)
    for copies in groups.values():
        copies.sort(key=os.path.getmtime, reverse=True)
        for old in copies[1:]:
            freed += os.path.getsize(old)
            os.remove(old)
            if os.path.exists(old + ".d"):
                os.remove(old + ".d")
print(f"prune-target: freed {freed / 1e9:.1f} GB of superseded executables")
PY
