"""`simulate large` now against the simulator of an earlier commit, in interleaved rounds of one run.

Usage: python benchmarks/simulate_speed.py [--against ceec696] [--rounds 2] [--days 90] [--json]

The earlier commit is unpacked with `git archive` into a temporary folder and run by this same Python, its
packages first on the path. Rounds alternate (earlier, now, earlier, now, ...) so that other work on the
machine weighs on both alike; the figures are ratios of mean CPU seconds (of the simulating process, and of
every process it started: the renters' names are drawn in a second one) and of wall seconds. Both must print
the same summary, byte for byte (the speed-up may not change a draw).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "ceec696"  # the simulator before issue 30's profile-led changes

# One run in a child: CPU and wall seconds of building the population, running and summarising, and a
# digest of summary.json as `rent-mock simulate` writes it.
CHILD = """
import hashlib, json, sys, tempfile, time
from pathlib import Path
from simulator.engine import Simulation
from simulator.report import write_summary
from simulator.scenario import SHIPPED, load
cpu, wall = time.process_time(), time.perf_counter()
sim = Simulation(load(SHIPPED / "large.toml"), seed=1, days=int(sys.argv[1]))
sim.run()
summary = sim.summary()
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
with tempfile.TemporaryDirectory() as out:
    digest = hashlib.sha256(write_summary(summary, Path(out)).read_bytes()).hexdigest()
print(json.dumps({"cpu": cpu, "wall": wall, "events": summary["events"], "summary": digest}))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(tree: Path, days: int) -> dict:
    """One simulation with `tree`'s packages first on the path; `cpu` counts every process it made."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = _children_cpu()
    done = subprocess.run([sys.executable, "-c", CHILD, str(days)], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the simulation in {tree} failed:\n{done.stderr[-2000:]}")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["cpu_all"] = _children_cpu() - before  # the run's own and its helpers' (the renters' names), imports too
    return row


def unpack(commit: str, folder: Path) -> None:
    """The repository's files at `commit`, into `folder`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)


def main() -> None:
    """Measure, print a line per round and the ratios (and, with --json, the figures)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=BEFORE, help="the earlier commit (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--json", action="store_true", help="end with the figures as one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp)
        unpack(args.against, before)
        rows: dict[str, list[dict]] = {"before": [], "now": []}
        for i in range(args.rounds):
            for name, tree in (("before", before), ("now", ROOT)):
                row = run(tree, args.days)
                rows[name].append(row)
                print(f"round {i + 1} {name:6} cpu {row['cpu']:6.2f} s (all processes {row['cpu_all']:6.2f} s)  "
                      f"wall {row['wall']:6.2f} s  "
                      f"{row['events']:,} events  summary {row['summary'][:12]}", flush=True)
    digests = {r["summary"] for name in rows for r in rows[name]}
    if len(digests) != 1:
        raise SystemExit(f"the summaries differ ({len(digests)} digests): the speed-up changed the simulation")
    mean = {key: {name: sum(r[key] for r in rs) / len(rs) for name, rs in rows.items()}
            for key in ("cpu", "cpu_all", "wall")}
    cpu, every, wall = mean["cpu"], mean["cpu_all"], mean["wall"]
    load = os.getloadavg()[0]
    print(f"CPU of the simulating process: {cpu['now']:.1f} s now, {cpu['before']:.1f} s at {args.against} "
          f"({cpu['now'] / cpu['before']:.2f}x); of every process: {every['now']:.1f} s, {every['before']:.1f} s "
          f"({every['now'] / every['before']:.2f}x); wall: {wall['now']:.1f} s, {wall['before']:.1f} s "
          f"({wall['now'] / wall['before']:.2f}x); the same summary; load {load:.1f}")
    if args.json:
        what = f"simulate large ({args.days} days)"
        print(json.dumps({
            f"{what}: CPU of the simulating process, now (mean of {args.rounds})": f"{cpu['now']:.1f} s",
            f"{what}: CPU of the simulating process at {args.against} (the baseline, same run)":
                f"{cpu['before']:.1f} s",
            f"{what}: CPU of the simulating process, now over the baseline": f"{cpu['now'] / cpu['before']:.2f}x",
            f"{what}: CPU of every process (names drawn aside, imports), now over the baseline":
                f"{every['now'] / every['before']:.2f}x",
            f"{what}: wall time now (mean of {args.rounds})": f"{wall['now']:.1f} s",
            f"{what}: wall time at {args.against} (the baseline, same run)": f"{wall['before']:.1f} s",
            f"{what}: summary now and at {args.against}": "the same, byte for byte (sha256 of summary.json)",
        }))


if __name__ == "__main__":
    main()
