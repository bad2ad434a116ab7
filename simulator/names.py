"""The renters' names (Faker, seeded), drawn in a second process while the simulation runs, where fork exists.

Only the summary shows names (its top spenders), yet drawing 10,000 of them costs about a tenth of
simulating those renters for 90 days: on a machine with two cores they need not wait for each other.
The names are the same either way: one Faker seeded once, drawn in renter order.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor

from faker import Faker  # imported before any fork: a forked child that imported would need the import lock

ASIDE = 1000  # fewer renters than this are named in place: a process costs more than their names


def draw(seed: int, count: int) -> list[str]:
    """`count` names from a Faker seeded with `seed`, in order."""
    fake = Faker()
    fake.seed_instance(seed)
    return [fake.name() for _ in range(count)]


class Names:
    """The names of `count` renters, drawn aside (fork) or, failing that, when first asked for."""

    def __init__(self, seed: int, count: int):
        self.seed, self.count = seed, count
        self._names: list[str] | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future | None = None
        if count >= ASIDE and "fork" in multiprocessing.get_all_start_methods():
            try:
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
                self._future = self._pool.submit(draw, seed, count)
            except OSError:  # no room for another process: name them here instead
                self._pool = self._future = None

    def all(self) -> list[str]:
        """Every renter's name, in renter order."""
        if self._names is None:
            if self._future is not None:
                try:
                    self._names = self._future.result()
                finally:
                    self._pool.shutdown()
            else:
                self._names = draw(self.seed, self.count)
        return self._names
