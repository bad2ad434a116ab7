"""Memory a server spends per world, per journal and per snapshot, measured as the growth of the process's
resident set (RSS: what the machine gives it, allocator overhead included), each figure in a fresh process of
its own, and what the default caps of `rent-mock serve` allow at most.

Usage: python benchmarks/memory.py [--worlds 1000] [--entries 5000] [--json]
Prints the figures docs/figures.md and docs/state.md's "Limits" quote.
"""
from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import resource
import subprocess
import sys

from mockserver.control.ops import run
from mockserver.core import rental
from mockserver.core.errors import DomainError
from mockserver.core.snapshot import dump_world
from mockserver.http.journal import Journal
from mockserver.http.runtime import JOURNAL_TOTAL, MAX_WORLDS, Runtime
from mockserver.http.wsgi import MAX_QUERY
from mockserver.serve.server import ServeOptions, build_hub


def rss() -> int:
    """This process's resident set now, in bytes (Linux); elsewhere its peak, which only grows here."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def grown(action) -> int:
    """Bytes the resident set grew by while `action()` ran, what it made still held."""
    gc.collect()
    before = rss()
    kept = action()
    gc.collect()
    after = rss()
    del kept
    return after - before


def per_world(rt: Runtime, count: int) -> float:
    """Bytes per fresh world made through the control API (the shared catalogue, RNG, one funded account)."""
    return grown(lambda: [run(rt, "worlds.create", {}) for _ in range(count)]) / count


def per_renting_world(rt: Runtime, count: int) -> float:
    """Bytes per world that rented one number (it then holds its own copy of that country: RU, 40 offers)."""
    def make():
        made = [run(rt, "worlds.create", {})[0] for _ in range(count)]
        for m in made:
            rental.create(rt.hub.worlds[m["world"]], m["apikey"], "week", 1, "RU", ["opt16"])
        return made
    return grown(make) / count


def per_world_owning_everything(rt: Runtime, count: int) -> float:
    """Bytes per world that changed every country (its catalogue then shares nothing): the most a fresh
    world's catalogue can cost."""
    def make():
        made = [run(rt, "worlds.create", {})[0] for _ in range(count)]
        for m in made:
            catalogue = rt.hub.worlds[m["world"]].catalogue
            for code in list(catalogue.countries):
                catalogue.own_country(code)
        return made
    return grown(make) / count


def per_journal(size: int) -> tuple[float, float]:
    """(bytes per entry, bytes per full journal) when every request is as large as the wire allows."""
    def fill():
        book = Journal(size)
        for n in range(size):
            # a query string at its 8 KiB limit, in the shape that the journal keeps most of
            params = {f"{i:0250d}": f"{n:0250d}" for i in range(MAX_QUERY // 502)}
            book.add(at=0.0, verb="GET", method="create", params=params, apikey=f"{n:032d}", status=0,
                     http_status=200, latency_ms=1.0, findings=[f"unknown parameter {p!r}" for p in params],
                     fault=None, msg="; ".join(f"Parameter {p} must be an integer" for p in params))
        return book

    total = grown(fill)
    return total / size, total


def snapshot_bytes(rt: Runtime, orders: int) -> int:
    """Size of the JSON snapshot of a world with `orders` running orders."""
    made, _ = run(rt, "worlds.create", {"balance": "1000000"})
    world = rt.hub.worlds[made["world"]]
    offers = [(c.code, s) for c in world.catalogue.countries.values() for s in c.offers]
    made_orders = 0
    for country, service in itertools.cycle(offers):
        if made_orders == orders:
            break
        try:
            rental.create(world, made["apikey"], "week", 1, country, [service])
            made_orders += 1
        except DomainError:  # out of stock there: the next offer
            continue
    return len(json.dumps(dump_world(world), separators=(",", ":")))


def one(name: str, count: int) -> float:
    """One figure, measured in this process (made for it): bytes per world, or per journal entry."""
    rt = Runtime(build_hub(ServeOptions(clock="manual", start=1_700_000_000, dialect="documented")))
    run(rt, "worlds.create", {})  # the first world's one-off costs (imports, caches) are not a world's
    if name == "world":
        return per_world(rt, count)
    if name == "renting":
        return per_renting_world(rt, count)
    if name == "owning":
        return per_world_owning_everything(rt, count)
    return per_journal(count)[0]


def measured(name: str, count: int) -> float:
    """`one(name, count)` in a fresh interpreter: a figure's memory never reuses what another one freed."""
    done = subprocess.run([sys.executable, __file__, "--one", name, "--count", str(count)], capture_output=True,
                          text=True, timeout=600, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure and print (with --json, one JSON object of the figures as docs/figures.md shows them)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=5000, help="journal entries measured")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(one(args.one, args.count))
        return
    world = measured("world", args.worlds)
    renting = measured("renting", args.worlds)
    owning = measured("owning", max(1, args.worlds // 10))
    entry = measured("journal", args.entries)
    worst = MAX_WORLDS * world + JOURNAL_TOTAL * entry
    rt = Runtime(build_hub(ServeOptions(clock="manual", start=1_700_000_000, dialect="documented")))
    figures = {f"memory (RSS) per fresh world ({args.worlds:,} worlds)": f"{world / 1024:.0f} KiB",
               f"memory (RSS) per world that rented one number ({args.worlds:,} worlds)": f"{renting / 1024:.0f} KiB",
               "memory (RSS) per world that changed every country": f"{owning / 1024:.0f} KiB",
               "memory (RSS) per journal entry at the 8 KiB query limit": f"{entry / 1024:.1f} KiB",
               "memory (RSS) of a full journal of 1,000 such entries": f"{entry * 1000 / 2**20:.1f} MiB",
               f"memory (RSS) at the default caps: {MAX_WORLDS:,} fresh worlds and {JOURNAL_TOTAL:,} journal "
               f"entries at the limit": f"{worst / 2**20:.0f} MiB"}
    for n in (100, 1000):
        figures[f"snapshot of a world with {n:,} orders"] = f"{snapshot_bytes(rt, n) / 1024:.0f} KiB"
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
