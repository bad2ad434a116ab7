"""Memory a server spends per world, per journal and per snapshot, measured in-process with tracemalloc, and
what the default caps of `rent-mock serve` allow at most.

Usage: python benchmarks/memory.py [--worlds 200] [--json]
Prints the figures docs/figures.md and docs/state.md's "Limits" quote.
"""
from __future__ import annotations

import argparse
import gc
import itertools
import json
import tracemalloc

from mockserver.control.ops import run
from mockserver.core import rental
from mockserver.core.errors import DomainError
from mockserver.core.snapshot import dump_world
from mockserver.http.journal import Journal
from mockserver.http.runtime import JOURNAL_TOTAL, MAX_WORLDS, Runtime
from mockserver.http.wsgi import MAX_QUERY
from mockserver.serve.server import ServeOptions, build_hub


def allocated(action) -> int:
    """Bytes still allocated after `action()` (what it keeps), measured with tracemalloc."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = action()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return after - before


def per_world(rt: Runtime, count: int) -> float:
    """Bytes per fresh world made through the control API (the shared catalogue, RNG, one funded account)."""
    return allocated(lambda: [run(rt, "worlds.create", {}) for _ in range(count)]) / count


def per_renting_world(rt: Runtime, count: int) -> float:
    """Bytes per world that rented one number (it then holds its own copy of that country: RU, 40 offers)."""
    def make():
        made = [run(rt, "worlds.create", {})[0] for _ in range(count)]
        for m in made:
            rental.create(rt.hub.worlds[m["world"]], m["apikey"], "week", 1, "RU", ["opt16"])
        return made
    return allocated(make) / count


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
    return allocated(make) / count


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

    total = allocated(fill)
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


def main() -> None:
    """Measure and print (with --json, one JSON object of the figures as docs/figures.md shows them)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    rt = Runtime(build_hub(ServeOptions(clock="manual", start=1_700_000_000)))
    world = per_world(rt, args.worlds)
    renting = per_renting_world(rt, args.worlds)
    owning = per_world_owning_everything(rt, max(1, args.worlds // 10))
    entry, journal = per_journal(1000)
    worst = MAX_WORLDS * world + JOURNAL_TOTAL * entry
    figures = {f"memory per fresh world ({args.worlds} worlds)": f"{world / 1024:.0f} KiB",
               f"memory per world that rented one number ({args.worlds} worlds)": f"{renting / 1024:.0f} KiB",
               "memory per world that changed every country": f"{owning / 1024:.0f} KiB",
               "memory per journal entry at the 8 KiB query limit": f"{entry / 1024:.1f} KiB",
               "memory of a full journal of 1,000 such entries": f"{journal / 2**20:.1f} MiB",
               f"at the default caps: {MAX_WORLDS:,} fresh worlds and {JOURNAL_TOTAL:,} journal entries at the limit":
                   f"{worst / 2**20:.0f} MiB"}
    for n in (100, 1000):
        figures[f"snapshot of a world with {n:,} orders"] = f"{snapshot_bytes(rt, n) / 1024:.0f} KiB"
    if args.json:
        print(json.dumps(figures))
        return
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
