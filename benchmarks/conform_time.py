"""How long `rent-mock conform` takes on the mock: a fresh `rent-mock serve` per dialect (manual clock), then a
whole conform run with its defaults (every scenario and the model-based machine's 25 examples), timed.

    python benchmarks/conform_time.py            # a line per dialect
    python benchmarks/conform_time.py --json     # the figures as one JSON object (benchmarks/figures.py reads it)
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
DIALECTS = ("live", "documented", "sdk")


def serve(dialect: str) -> tuple[subprocess.Popen, str]:
    """A mock on a free port; returns the process and its base URL (from the banner)."""
    proc = subprocess.Popen([str(BIN / "rent-mock"), "serve", "--port", "0", "--clock", "manual", "--dialect", dialect],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.strip().startswith("base URL"):
            return proc, line.split(":", 1)[1].strip()
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("the mock did not start")


def conform(base: str) -> tuple[float, int, str]:
    """(wall seconds, exit code, last line) of one conform run with its defaults."""
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "rent-mock"), "conform", "--base-url", base], capture_output=True, text=True,
                          check=False)
    lines = " ".join(done.stdout.split()).split("rules: ")
    return time.perf_counter() - started, done.returncode, lines[-1][:120]


def main() -> None:
    """Time conform on a fresh mock in each dialect."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    figures = {}
    for dialect in DIALECTS:
        proc, base = serve(dialect)
        try:
            wall, code, last = conform(base)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        if code != 0:
            raise SystemExit(f"conform on the {dialect} mock exited {code}: {last}")
        figures[f"rent-mock conform on the mock ({dialect}, 25 examples): wall time"] = f"{wall:.1f} s"
        if not args.json:
            print(f"{dialect:10} {wall:6.1f} s  exit {code}  {last}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
