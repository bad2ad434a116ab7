"""A discrete-event simulation of renters and supply driving the domain core in-process on a virtual clock."""
from __future__ import annotations

import gc
import heapq
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from mockserver.core import catalogue as catalogue_mod
from mockserver.core.accounts import CREDIT_KINDS
from mockserver.core.clock import DAY
from mockserver.core.errors import DomainError
from mockserver.core.hub import Hub
from mockserver.core.world import WorldConfig

from . import behaviour
from .draws import Weights, gap
from .metrics import Metrics
from .names import Names
from .scenario import Scenario



def _sample(sim: "Simulation", day: int) -> None:
    sim.metrics.sample(day)


@dataclass
class Renter:
    """One simulated customer."""

    apikey: str
    index: int  # its name is the index-th the seeded Faker draws
    rng: random.Random
    orders: list[int] = field(default_factory=list)


class Simulation:
    """Renters and supply as timed events; the world's clock jumps from one event to the next."""

    def __init__(self, scenario: Scenario, seed: int = 1, days: int | None = None,
                 catalogue: catalogue_mod.Catalogue | None = None):
        self.sc, self.seed = scenario, seed
        self.days = days or scenario.days
        w = scenario.world
        # ours: the simulator drives the domain, not a dialect; its scenarios name the reference countries (RU)
        cat = (catalogue or catalogue_mod.load(which="reference")).copy()
        if scenario.supply.stock is not None:
            for country in cat.countries.values():
                for offer in country.offers.values():
                    offer.stock = dict.fromkeys(country.leases, scenario.supply.stock)
        config = WorldConfig(seed=seed, start=w.start, hold_days=w.hold_days, refund=w.refund,
                             activation_delay=w.activation_delay, active_window=w.active_window, accounts={})
        self.hub = Hub(cat, wall=lambda: 0.0, default=config)
        self.world = self.hub.worlds["default"]
        self.supply_rng = random.Random(f"supply:{seed}")
        self.metrics = Metrics(self.world)
        # the queue: keys `when << 32 | seq` (one int compared per step, not a tuple), each naming its call
        self._events: list[int] = []
        self._calls: dict[int, tuple[Callable, tuple]] = {}
        self._seq = 0
        self.end = self.world.clock.now() + self.days * DAY
        self.picks = {name: Weights(getattr(scenario.renters, name)) for name in ("countries", "services", "periods")}
        self.renters = self._population()

    # -- setup ---------------------------------------------------------------------------------
    def _population(self) -> list[Renter]:
        spec = self.sc.renters
        self.names = Names(self.seed, spec.count)
        people = random.Random(f"renters:{self.seed}")
        renters = []
        for i in range(spec.count):
            renter = Renter(f"r{i:06d}", i, random.Random(f"renter:{self.seed}:{i}"))
            balance = Decimal(str(round(people.uniform(*spec.balance), 2)))
            self.hub.add_account(self.world, balance, renter.apikey)
            renters.append(renter)
            self.at(self.world.clock.now() + gap(renter.rng, spec.rentals_per_month / 30), behaviour.rent, renter)
        return renters

    def at(self, when: float, action: Callable, *args) -> None:
        """Schedule `action(self, *args)` at virtual time `when` (never past the end of the run).

        Most rentals plan a far-off event (a number going offline averages a year away): kept, they would
        never run yet would deepen the queue every other event is pushed through and popped from."""
        self._seq += 1
        if when < self.end + 1:  # the queue keeps whole seconds: int(when) <= end
            key = int(when) << 32 | self._seq  # by time, then in the order scheduled
            self._calls[key] = (action, args)
            heapq.heappush(self._events, key)

    # -- the loop ------------------------------------------------------------------------------
    def run(self, progress: Callable[[int], None] | None = None) -> Metrics:
        """Run to the end; `progress(day)` is called as each virtual day completes."""
        start, end = self.world.clock.now(), self.end
        for day in range(1, self.days + 1):
            self.at(start + day * DAY, _sample, day)
        world, events, calls, clock, pop = self.world, self._events, self._calls, self.world.clock, heapq.heappop
        after = (end + 1) << 32  # the first key past the end
        ran = 0
        # The run makes millions of records that live to its end and no reference cycles: the cyclic
        # collector would only rescan them, again and again (a tenth of the run's time when measured).
        collecting = gc.isenabled()
        gc.disable()
        try:
            while events and events[0] < after:
                key = pop(events)
                action, args = calls.pop(key)
                when = key >> 32
                now = clock.now()
                if when > now:
                    # world.advance without its opening now(): after the last operation nothing is due at
                    # `now` that the jump would not apply in the same order (a run has one thread, no script)
                    world.run_due(clock.advance(when - now))
                ran += 1
                action(self, *args)
                if progress and action is _sample:
                    progress(args[0])
        finally:
            if collecting:
                gc.freeze()  # what the run made is kept to its end: the collector need not walk it after either
                gc.enable()
            self.metrics.events += ran
        return self.metrics

    def summary(self) -> dict:
        """The metrics' summary plus the renters who spent most, by their (Faker) names."""
        out = self.metrics.summary(self.sc.name, self.seed, self.days)
        spent, names = [], self.names.all()
        for renter in self.renters:
            totals = self.world.accounts[renter.apikey].totals()
            debit = sum((v for k, v in totals.items() if k not in CREDIT_KINDS), Decimal(0))
            spent.append((-debit, renter.apikey, names[renter.index]))
        out["top_spenders"] = [{"renter": name, "apikey": key, "spent": str(-neg)}
                               for neg, key, name in sorted(spent)[:5]]
        return out

    def attempt(self, fn, *args):
        """Call a domain function; returns (result, None) or (None, the refusal message)."""
        try:
            return fn(*args), None
        except DomainError as exc:
            return None, exc.msg

    def afford(self, renter: Renter, fn, *args):
        """Call; when money is short, top up (if the renter would) and try once more."""
        result, refusal = self.attempt(fn, self.world, renter.apikey, *args)
        if refusal and refusal.startswith("Not enough balance"):
            if renter.rng.random() < self.sc.renters.topup_probability:
                self.hub.top_up(renter.apikey, Decimal(str(self.sc.renters.topup_amount)))
                self.metrics.count("topups")
                result, refusal = self.attempt(fn, self.world, renter.apikey, *args)
        return result, refusal
