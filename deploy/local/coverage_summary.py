"""Line coverage per crate from cargo-tarpaulin's JSON reports, and the floor CI holds each domain and
adapter crate to (test support under src/testing is not counted).
Usage: coverage_summary.py [--floor PERCENT] REPORT...
Several reports (coverage.sh runs the test binaries in two groups at once) count a line as covered when any
of them ran it, and as coverable when any of them can measure it."""

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


def line_hits(reports):
    """Per source file, each coverable line's hit count, the largest over the reports."""
    hits = defaultdict(dict)
    for report in reports:
        for f in report["files"]:
            path = "/".join(f["path"]) if isinstance(f["path"], list) else f["path"]
            lines = hits[path]
            for trace in f["traces"]:
                count = sum(trace["stats"].values())
                lines[trace["line"]] = max(lines.get(trace["line"], 0), count)
    return hits


def main():
    args = sys.argv[1:]
    floor = 80.0
    if args[:1] == ["--floor"]:
        floor, args = float(args[1]), args[2:]
    if not args:
        sys.exit("usage: coverage_summary.py [--floor PERCENT] REPORT...")
    covered, coverable = defaultdict(int), defaultdict(int)
    for path, lines in line_hits(json.load(open(a)) for a in args).items():
        crate = crate_of(path)
        if crate is None or "/src/testing" in path:
            continue
        covered[crate] += sum(1 for n in lines.values() if n > 0)
        coverable[crate] += len(lines)

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
