"""What a logged write costs in the state file, and what flushing each one to the disk (fsync) would add.

Usage: python benchmarks/fsync_cost.py [--writes 2000] [--json]

Writes log entries through `Store.append` (the path every acknowledged change takes) into a fresh file on the
file system of --dir (default: the temporary folder), with the file as the server keeps it (WAL,
synchronous=NORMAL: a commit reaches the operating system, which survives the process being killed) and with
synchronous=FULL (a commit is also flushed to the disk: it would survive a power cut). Rounds alternate, one
writer thread, then 8 writer threads at once; a raw os.fsync of a small write is timed beside them. The
figures are microseconds per write (median of the rounds) and FULL over NORMAL, measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from mockserver.state.storage import Store

BODY = {"method": "create", "apikey": "k" * 32, "dtype": "week", "dcount": "1", "country": "RU", "service": "opt16"}


def per_write(folder: Path, synchronous: str, writes: int, threads: int) -> float:
    """Microseconds per `Store.append`, `threads` writers sharing `writes` between them."""
    store = Store(str(folder / f"{synchronous}-{threads}-{time.monotonic_ns()}.db"))
    try:
        store.db.execute(f"PRAGMA synchronous={synchronous}")
        each = writes // threads

        def write() -> None:
            for i in range(each):
                store.append("rent", "create", "default", BODY, 1_700_000_000 + i, [40_000 + i], None)

        workers = [threading.Thread(target=write) for _ in range(threads)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return (time.perf_counter() - started) / (each * threads) * 1e6
    finally:
        store.close()


def raw_fsync(folder: Path, count: int = 200) -> float:
    """Microseconds per write of 200 bytes followed by os.fsync."""
    fd = os.open(folder / "raw.bin", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        started = time.perf_counter()
        for _ in range(count):
            os.write(fd, b"x" * 200)
            os.fsync(fd)
        return (time.perf_counter() - started) / count * 1e6
    finally:
        os.close(fd)


def main() -> None:
    """Measure in alternating rounds; print a table and (with --json) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (the disk measured)")
    parser.add_argument("--json", action="store_true", help="end with the figures as one JSON object")
    args = parser.parse_args()
    times: dict[tuple[str, int], list[float]] = {}
    fsyncs = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        for _ in range(args.rounds):
            for threads in (1, 8):
                for synchronous in ("NORMAL", "FULL"):
                    times.setdefault((synchronous, threads), []).append(
                        per_write(folder, synchronous, args.writes, threads))
            fsyncs.append(raw_fsync(folder))
    med = {key: statistics.median(values) for key, values in times.items()}
    fsync = statistics.median(fsyncs)
    figures = {}
    for threads, who in ((1, "one writer"), (8, "8 writers at once")):
        normal, full = med[("NORMAL", threads)], med[("FULL", threads)]
        figures[f"state file: a logged write, {who} (synchronous=NORMAL, as served)"] = f"{normal:.0f} us"
        figures[f"state file: a logged write, {who}, flushed to disk (synchronous=FULL)"] = \
            f"{full:.0f} us ({full / normal:.1f}x NORMAL, same run)"
    figures["state file's disk: os.fsync after a 200-byte write"] = f"{fsync:.0f} us"
    print(f"Store.append, {args.writes} writes, {args.rounds} alternating rounds, median; "
          f"load {os.getloadavg()[0]:.1f}")
    print("\n".join(f"{name}: {value}" for name, value in figures.items()))
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
