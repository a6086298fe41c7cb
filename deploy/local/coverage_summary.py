"""Line coverage per crate from cargo-tarpaulin's JSON report, and the floor CI holds each domain and
adapter crate to (test support under src/testing is not counted). Usage: coverage_summary.py REPORT [FLOOR_PERCENT]"""

import json
import sys
from collections import defaultdict

# The crates the floor holds, each on its own: the domain and the adapters. The app (HTTP, wiring, CLI) is
# reported beside them.
FLOORED = {"domain", "postgres", "starknet", "stone", "stwo", "atlantic", "integrity"}


def crate_of(path):
    parts = path if isinstance(path, list) else path.split("/")
    parts = [p for p in parts if p not in ("", "/")]
    for i, part in enumerate(parts[:-1]):
        if part == "crates":
            return parts[i + 1]
    return None


def main():
    report = json.load(open(sys.argv[1]))
    floor = float(sys.argv[2]) if len(sys.argv) > 2 else 80.0
    covered, coverable = defaultdict(int), defaultdict(int)
    for f in report["files"]:
        crate = crate_of(f["path"])
        path = "/".join(f["path"]) if isinstance(f["path"], list) else f["path"]
        if crate is None or "/src/testing" in path:
            continue
        covered[crate] += f["covered"]
        coverable[crate] += f["coverable"]

    def pct(c, n):
        return 100.0 * c / n if n else 100.0

    print("line coverage (cargo-tarpaulin, LLVM engine; tests and src/testing excluded)")
    for crate in sorted(coverable):
        mark = "" if crate in FLOORED else "  (not in the floor)"
        print(f"  {crate:<10} {covered[crate]:>6}/{coverable[crate]:<6} {pct(covered[crate], coverable[crate]):6.2f} %{mark}")
    fc = sum(covered[c] for c in FLOORED)
    fn = sum(coverable[c] for c in FLOORED)
    tc, tn = sum(covered.values()), sum(coverable.values())
    print(f"coverage: domain and adapters {pct(fc, fn):.2f} % ({fc}/{fn} lines), workspace {pct(tc, tn):.2f} % ({tc}/{tn})")
    below = [c for c in sorted(FLOORED) if c in coverable and pct(covered[c], coverable[c]) < floor]
    if below:
        print(f"below the {floor:.0f} % floor: {', '.join(below)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
