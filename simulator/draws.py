"""The random draws of the simulation: waiting times and weighted picks, from a seeded `random.Random`."""
from __future__ import annotations

import random

from mockserver.core.clock import DAY


def gap(rng: random.Random, per_day: float) -> float:
    """Exponential waiting time (seconds) for an event happening `per_day` times a day on average."""
    return rng.expovariate(per_day / DAY) if per_day > 0 else float("inf")


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    """A key drawn by weight."""
    return rng.choices(list(weights), list(weights.values()))[0]
