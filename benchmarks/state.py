"""What a --state file costs with many worlds: a checkpoint (what a clean stop writes), the control calls
answered while one runs, a start and a SIGTERM stop of `rent-mock serve --state`, and the file's size.

Usage: python benchmarks/state.py [--worlds 1500] [--json]
Each world rented one number (so it keeps a country of its own, as a world in use does). Prints the figures
docs/figures.md and docs/state.md's "Durability" quote (with --json, one JSON object at the end).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from mockserver.control.ops import run
from mockserver.http.rent import dispatch
from mockserver.http.runtime import Runtime
from mockserver.state.recovery import restore
from mockserver.serve.server import ServeOptions, build_hub
from mockserver.state.storage import Store

START = 1_700_000_000


def fill(path: str, worlds: int) -> tuple[Runtime, Store]:
    """A state file with `worlds` worlds made through the control API, each with one rented number."""
    hub = build_hub(ServeOptions(clock="manual", start=START, seed=1))
    store = Store(path)
    rt = Runtime(hub, store)
    restore(rt, store)
    for i in range(worlds):
        made, _ = run(rt, "worlds.create", {"world": f"w{i}", "balance": "100"})
        dispatch(rt, "GET", {"method": "create", "apikey": made["apikey"], "dtype": "week", "dcount": "1",
                             "country": "RU", "service": "opt6"}, f"w{i}")
    return rt, store


def calls_during_checkpoint(rt: Runtime, store: Store, worlds: int) -> list[float]:
    """Seconds each POST /_mock/accounts took while a checkpoint of every world ran."""
    done = threading.Event()
    writer = threading.Thread(target=lambda: (store.checkpoint(rt.hub), done.set()))
    took: list[float] = []
    writer.start()
    k = 0
    while not done.is_set():
        k += 1
        began = time.perf_counter()
        run(rt, "accounts.create", {"world": f"w{k % worlds}", "balance": "1", "apikey": f"bench-{k}"})
        took.append(time.perf_counter() - began)
    writer.join()
    return took


def serve(path: str) -> tuple[float, float]:
    """(seconds until `rent-mock serve --state` answers, seconds from SIGTERM to its exit)."""
    cmd = [sys.executable, "-m", "mockserver.cli", "serve", "--port", "0", "--clock", "manual", "--state", path]
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = []
    while not lines or not lines[-1].startswith("Ctrl-C"):
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the server did not start:\n" + "".join(lines))
        lines.append(line)
    started = time.perf_counter() - began
    began = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=600)
    return started, time.perf_counter() - began


def main() -> None:
    """Measure and print (with --json, one JSON object of the figures as docs/figures.md shows them)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=1500)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    n = args.worlds
    sys.setswitchinterval(0.0005)  # as make_server sets it with --state
    with tempfile.TemporaryDirectory() as work:
        path = str(Path(work) / "state.db")
        rt, store = fill(path, n)
        began = time.perf_counter()
        store.checkpoint(rt.hub)
        checkpoint = time.perf_counter() - began
        took = calls_during_checkpoint(rt, store, n)
        store.checkpoint(rt.hub)
        store.close()
        size = sum(os.path.getsize(p) for p in Path(work).glob("state.db*"))
        started, stopped = serve(path)
        empty, _ = serve(str(Path(work) / "empty.db"))  # what a start costs without worlds (Python, imports)
    worlds = n + 1
    figures = {
        f"state file: checkpoint of {worlds:,} worlds (each rented one number)": f"{checkpoint:.1f} s",
        "state file: checkpoint per world": f"{checkpoint / worlds * 1000:.2f} ms",
        "state file: POST /_mock/accounts during that checkpoint, median": f"{statistics.median(took) * 1000:.1f} ms",
        "state file: POST /_mock/accounts during that checkpoint, slowest": f"{max(took) * 1000:.0f} ms",
        f"state file: rent-mock serve --state start with {worlds:,} worlds (until it answers)": f"{started:.1f} s",
        "state file: rent-mock serve --state start with a new file": f"{empty:.1f} s",
        "state file: start per world": f"{(started - empty) / worlds * 1000:.1f} ms",
        f"state file: SIGTERM to exit with {worlds:,} worlds (final checkpoint included)": f"{stopped:.1f} s",
        "state file: size per world": f"{size / worlds / 1024:.0f} KiB",
    }
    for name, value in figures.items():
        print(f"{name}: {value}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
