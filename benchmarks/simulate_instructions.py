"""`simulate large` now against an earlier commit, counted in CPU instructions (callgrind): a figure a busy
machine does not move.

Usage: python benchmarks/simulate_instructions.py [--against ceec696] [--days 20] [--json]

Both simulators run at once under `valgrind --tool=callgrind` (each about fifty times slower than alone, hence
fewer days than the 90 of `simulate large`), each in a process of its own with its packages first on the path.
The figures are the instructions of each run (interpreter start and imports included; the renters' names are
drawn in place here, not in a second process), their ratio, and whether both wrote the same summary. Skipped
with one line where valgrind is missing.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from simulate_speed import BEFORE, CHILD, ROOT, unpack

TOTALS = re.compile(r"^(?:totals|summary): (\d+)", re.M)
# The names are drawn in place, not in a forked process: a forked child's count would start from its parent's
# (callgrind copies the counters with the process), and the figure is the work, wherever it runs.
IN_PLACE = """
try:
    import simulator.names
    simulator.names.ASIDE = float("inf")
except ImportError:  # a commit from before the names were drawn aside
    pass
"""


def start(tree: Path, days: int, out: Path) -> subprocess.Popen:
    """The simulation of `tree` under callgrind, one output file per process in `out`."""
    out.mkdir()
    argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}/cg.%p.out", sys.executable, "-c",
            IN_PLACE + CHILD, str(days)]
    return subprocess.Popen(argv, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def counts(proc: subprocess.Popen, out: Path) -> dict:
    """Wait; the run's instructions (start and imports included) and its summary's digest."""
    stdout, _ = proc.communicate(timeout=7200)
    if proc.returncode != 0:
        raise SystemExit(f"the simulation under callgrind exited {proc.returncode}")
    found = TOTALS.search((out / f"cg.{proc.pid}.out").read_text(encoding="utf-8", errors="replace"))
    return {"count": int(found.group(1)), "summary": json.loads(stdout.strip().splitlines()[-1])["summary"]}


def main() -> None:
    """Count both, print the ratios (and, with --json, the figures)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=BEFORE, help="the earlier commit (default: %(default)s)")
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="end with the figures as one JSON object")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        print("valgrind not found: instruction counts skipped (apt-get install valgrind)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        before = work / "before"
        before.mkdir()
        unpack(args.against, before)
        procs = {"before": start(before, args.days, work / "cg-before"), "now": start(ROOT, args.days, work / "cg-now")}
        rows = {name: counts(proc, work / f"cg-{name}") for name, proc in procs.items()}
    if rows["before"]["summary"] != rows["now"]["summary"]:
        raise SystemExit("the summaries differ: the speed-up changed the simulation")
    what = f"simulate large ({args.days} days), CPU instructions (callgrind)"
    now, before = rows["now"]["count"], rows["before"]["count"]
    figures = {f"{what}: now": f"{now / 1e9:.1f} G",
               f"{what}: at {args.against} (the baseline, same run)": f"{before / 1e9:.1f} G",
               f"{what}: now over the baseline": f"{now / before:.2f}x"}
    print("\n".join(f"{name}: {value}" for name, value in figures.items()) + "\nthe same summary")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
