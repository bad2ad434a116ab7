"""The random draws of the simulation: waiting times and weighted picks, from a seeded `random.Random`."""
from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate

from mockserver.core.clock import DAY


def gap(rng: random.Random, per_day: float) -> float:
    """Exponential waiting time (seconds) for an event happening `per_day` times a day on average."""
    return rng.expovariate(per_day / DAY) if per_day > 0 else float("inf")


class Weights:
    """A table of weights with its running totals summed once (a draw is then one bisection)."""

    def __init__(self, weights: dict[str, float]):
        self.keys = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1] + 0.0
        if not self.total > 0:
            raise ValueError(f"weights {weights!r} add up to {self.total}: nothing can be drawn")


def pick(rng: random.Random, weights: Weights) -> str:
    """A key drawn by weight: the very draw `rng.choices(keys, weights)[0]` makes, from the same one random()."""
    return weights.keys[bisect(weights.cumulative, rng.random() * weights.total, 0, len(weights.keys) - 1)]
