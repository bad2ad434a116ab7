"""Directed exploration: after the random machine, short sequences aimed at what random sequences rarely reach,
each in a fresh world and judged call by call against the model like the machine's: the refusal grids (two
wrong things at once, so the service's order of checks shows), every time threshold of the model one second
before, at and one second after, and every pair of operations on one order (A changed it last, then B).

A sequence whose aim the run has covered already is skipped (steered by contracts/model/probe.py), unless the
run is exhaustive; a difference stops only its own sequence, and is reported with that sequence's calls."""
from __future__ import annotations

import itertools
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from ..model import probe
from ..model.arithmetic import DAY, LOST, NOT_ACTIVE, PROLONG_WINDOW
from ..model.archive import MIN_LEASE_LEFT
from ..target import ControlRefused
from .differ import Broke, Differ, Plan, held_findings
from .judge import Finding
from .target import Target


SHRINK_SECONDS = 60  # how long a directed difference is shrunk
CHANCE = ("add_service.rent_days", "history.paged")  # decisions only the random machine's draws reached


class Explorer:
    """The directed sequences against one target, with the catalogue and plan the machine used."""

    def __init__(self, target: Target, catalogue, where: Plan, foreign: dict):
        self.t, self.catalogue, self.where, self.foreign = target, catalogue, where, foreign
        self.country = where.countries[0]
        self.services = where.services[self.country]

    @contextmanager
    def world(self) -> Iterator[Differ]:
        """A fresh world of the target and the model of it (deleted after)."""
        session = self.t.session()
        try:
            yield Differ(self.t, session, self.catalogue, self.foreign)
        finally:
            self.t.control("DELETE", f"/worlds/{session.world}")
            self.t.worlds.remove(session.world)

    # -- helpers ------------------------------------------------------------------------------------
    def rent(self, d: Differ, i: int = 0, dtype: str = "week", dcount: int = 1, who: str = "main",
             country: str | None = None) -> int | None:
        """Rent the plan's i-th service; the new order's id (None: refused)."""
        country = country or self.country
        services = self.where.services.get(country, self.services)
        got = d.call("create", who, dtype=dtype, dcount=dcount, country=country, service=services[i % len(services)])
        return got["data"]["id"] if isinstance(got, dict) and got.get("status") == 1 else None

    def multi(self, d: Differ) -> list[int]:
        """create_multi for the plan's first two services; the new orders' ids (as the model adopted them)."""
        before = set(d.w.orders)
        d.call("create_multi", dtype="week", dcount=1, country=self.country,
               services=f"{self.services[0]},{self.services[1]}")
        return sorted(set(d.w.orders) - before)

    def to(self, d: Differ, moment: int) -> None:
        """Move the clock to `moment` (never back) and judge the reads."""
        if moment > d.w.now:
            d.advance(moment - d.w.now)
        d.look()

    def other_service(self, d: Differ, oid: int) -> str:
        """A service of the order's country that the order does not take yet."""
        order = d.w.orders[oid]
        return next((s for s in self.where.services.get(order.country, self.services) if s not in order.services),
                    self.services[0])

    @staticmethod
    def owner(d: Differ, oid: int) -> str:
        """Which of the world's accounts rented the order."""
        return next(who for who, key in d.keys.items() if key == d.w.orders[oid].apikey)

    def add(self, d: Differ, oid: int, service: str | None = None, right: bool = True) -> None:
        """add_service_to_order with the order's number (or a wrong one), by its renter."""
        order = d.w.orders[oid]
        d.call("add_service_to_order", self.owner(d, oid), id=oid, service=service or self.other_service(d, oid),
               pnumber=order.number if right else order.number[:-1] + ("1" if order.number[-1] == "0" else "0"))

    # -- the refusal grids --------------------------------------------------------------------------
    def envelope(self, d: Differ) -> None:
        """rent.php's and the account API's envelope with two or three things wrong at once."""
        for method, who, verb, params in [
            ("", "nokey", "POST", {}), ("nosuch", "nokey", "POST", {}), ("orders", "nokey", "POST", {}),
            ("prolong", "bogus", "POST", {"id": "x7"}), ("", "nokey", "GET", {}), ("nosuch", "bogus", "GET", {}),
            ("orders", "nokey", "GET", {}), ("prolong", "nokey", "GET", {"id": "x7"}),
            ("prolong", "bogus", "GET", {"id": "x7"}), ("orders", "bogus", "GET", {}),
            ("prolong", "main", "GET", {"id": "x7"}), ("prolong", "main", "POST", {"id": "x7"}),
                ("getcount", "bogus", "GET", {"country": self.country})]:
            d.call(method, who, verb=verb, **params)
        for metod, who, verb, params in [
            ("get_balance", "nokey", "POST", {}), ("nope", "nokey", "GET", {}), ("nope", "bogus", "GET", {}),
            ("get_balance", "bogus", "POST", {}), ("nope", "main", "POST", {}), ("get_balance", "nokey", "GET", {}),
            ("get_service_price", "main", "GET", {}), ("get_service_price", "main", "GET", {"country": "XX"}),
            ("get_service_price", "main", "GET", {"country": self.country, "service": "opt999999"}),
            ("get_service_price", "main", "GET", {"country": "XX", "service": "opt999999"}),  # no such country
            ("get_userinfo", "main", "GET", {}), ("get_balance", "foreign", "GET", {})]:
            d.account(metod, who, verb=verb, **params)

    def creates(self, d: Differ) -> None:
        """create and create_multi with every one and every two of its refusals at once."""
        land = d.w.catalogue.countries[self.country]
        empty = self.services[-1]
        d.set_offer(self.country, empty, stock={p: 0 for p in land.providers})
        d.open_account("poor", "0.01")
        leases = [land.leases[p] for p in land.providers if p in land.leases]
        faults: dict[str, Callable[[dict], None]] = {
            "cap": lambda c: c.update(dtype="month", dcount=4),
            "long": lambda c: c.update(dtype="week", dcount=min(leases) // 7 + 1 if leases else 60),
            "country": lambda c: c.update(country="XX"),
            "service": lambda c: c.update(services=["opt999999"]),
            "poor": lambda c: c.update(who="poor"),
            "provider": lambda c: c.update(provider="nosuchprovider"),
            "empty": lambda c: c.update(services=[empty]),
            "dup": lambda c: c.update(services=c["services"] * 2),  # last: doubles whichever service is asked
        }
        names = list(faults)
        for combo in [(n,) for n in names] + list(itertools.combinations(names, 2)):
            if {"cap", "long"} <= set(combo) or {"service", "empty"} <= set(combo):
                continue  # the same parameter twice
            call = {"who": "main", "dtype": "week", "dcount": 1, "country": self.country,
                    "services": [self.services[0]], "provider": None}
            for name in combo:
                faults[name](call)
            extra = {"provider": call["provider"]} if call["provider"] else {}
            if len(call["services"]) > 1:
                d.call("create_multi", call["who"], dtype=call["dtype"], dcount=call["dcount"],
                       country=call["country"], services=",".join(call["services"]), **extra)
            else:
                d.call("create", call["who"], dtype=call["dtype"], dcount=call["dcount"], country=call["country"],
                       service=call["services"][0], **extra)
        d.look()

    def orders_grid(self, d: Differ) -> None:
        """Orders in many states at once (lost, out of the window, of a poor account, of a dropped country or
        service, siblings), then every operation on each, refusals meeting refusals."""
        s = self.services
        offer = d.w.catalogue.countries[self.country].offers[s[0]]
        d.open_account("thin", f"{2 * offer.price(7) + offer.price(30):.2f}")  # three orders, then nothing left
        other = next((c for c in self.where.countries if c != self.country), None)
        # (order, lost?): in the window or not (week, month), of the thin account, of a dropped service or country
        made = [(self.rent(d, 0), False), (self.rent(d, 1, "month"), False), (self.rent(d, 2), True),
                (self.rent(d, 0, "month"), True), (self.rent(d, 0, who="thin"), False),
                (self.rent(d, 0, who="thin"), True), (self.rent(d, 0, "month", who="thin"), False),
                (self.rent(d, len(s) - 1), False),
                (self.rent(d, len(s) - 1, "month"), False), (self.rent(d, len(s) - 1), True)]
        made += [(i, False) for i in self.multi(d)]
        if other:
            made += [(self.rent(d, 0, country=other), False), (self.rent(d, 1, "month", country=other), False),
                     (self.rent(d, 2, country=other), True)]
        ids = [i for i, _ in made if i is not None]
        for oid, lose in made:
            if oid is not None and lose:
                d.set_state(oid, LOST)
        d.advance(DAY)
        d.drop(self.country, s[-1])
        if other:
            d.drop(other)
        d.look()
        for oid in ids:
            order, who = d.w.orders[oid], self.owner(d, oid)
            self.add(d, oid, order.service)  # the order's own service
            self.add(d, oid, s[-1], right=False)  # a wrong number and a dropped service
            self.add(d, oid, s[-1])
            self.add(d, oid, right=False)
            d.call("activate", who, id=oid)
            d.call("prolong", who, id=oid, dtype="month", dcount=4)
            d.call("prolong_max", who, id=oid, dtype="day", dcount=200)
            if order.lease_until is not None:  # one day past the lease
                d.call("prolong_max", who, id=oid, dtype="day", dcount=(order.lease_until - order.until) // DAY + 1)
            d.call("prolong", who, id=oid, dtype="week", dcount=1)
            self.add(d, oid)
            d.call("sms", who, id=oid)
            d.look(who)
        keep = made[4][0]  # the thin account's order: it expires, and the account cannot pay to restore it
        for oid in ids:
            if oid != keep:
                d.call("delete", self.owner(d, oid), id=oid)
        d.look()
        d.advance(7 * DAY)
        for oid in (keep, ids[0], ids[1], 999_999_999):  # archived, deleted, expired, unknown; by its renter or not
            for who in ("thin", "alt"):
                d.call("restore_user_precalc", who, id=oid)
                d.call("restore_user", who, id=oid)
        d.look("thin")

    def restores(self, d: Differ) -> None:
        """Orders on hold whose service or country left the catalogue, restored (and quoted) by their renter
        and by another account."""
        s = self.services
        other = next((c for c in self.where.countries if c != self.country), None)
        ids = [self.rent(d, len(s) - 1), self.rent(d, 0)] + ([self.rent(d, 0, country=other)] if other else [])
        d.advance(7 * DAY + 1)
        d.look()
        d.drop(self.country, s[-1])
        if other:
            d.drop(other)
        for oid in [i for i in ids if i is not None]:
            for who in ("alt", "main"):
                d.call("restore_user_precalc", who, id=oid)
                d.call("restore_user", who, id=oid)
        d.look()

    # -- thresholds ---------------------------------------------------------------------------------
    def threshold(self, name: str) -> Callable[[Differ], None]:
        """The sequence that meets threshold `name` at +1 s, 0 and −1 s (one order for each)."""
        def run(d: Differ) -> None:
            # three orders ending apart, so each is met at its own moment coming from before it
            periods = [("month", 1)] * 3 if name == "prolong.lease" else \
                [("month", k + 1) for k in range(3)] if name == "prolong.window" else \
                [("week", 1), ("week", 2), ("month", 1)]
            ids = [i for i in (self.rent(d, k, *p) for k, p in enumerate(periods)) if i is not None]
            if name == "delete.unused-days":
                for oid in ids:
                    d.set_state(oid, LOST)
            if name == "prolong.lease":
                self.near_lease(d, ids)
            plans = []
            for oid, offset in zip(ids, (1, 0, -1)):
                o = d.w.orders[oid]
                hold = o.until + d.w.params.hold_days * DAY
                moment = {"prolong.window": o.until - PROLONG_WINDOW - offset,
                          "prolong.lease": o.until - DAY,
                          "add_service.days-left": o.until - 5 * DAY - offset,
                          "delete.unused-days": o.until - 5 * DAY - offset,
                          "expiry": o.until + offset, "hold-end": hold + offset, "restore.hold-end": hold + offset,
                          "restore.outdays": o.until + 2 * DAY + offset,
                          "restore.lease-left": (o.lease_until or o.until) - MIN_LEASE_LEFT - offset}[name]
                plans.append((moment, offset, oid))
            for moment, offset, oid in sorted(plans):
                self.to(d, moment)
                o = d.w.orders[oid]
                if name == "prolong.window":
                    d.call("prolong", id=oid, dtype="week", dcount=1)
                elif name == "prolong.lease" and o.lease_until is not None:
                    d.call("prolong_max", id=oid, dtype="day", dcount=max(1, (o.lease_until - o.until) // DAY + offset))
                elif name == "add_service.days-left":
                    self.add(d, oid)
                elif name == "delete.unused-days":
                    d.call("delete", id=oid)
                elif name.startswith("restore") or name == "hold-end":
                    d.call("restore_user_precalc", id=oid)
                    if offset == 1:
                        d.call("restore_user", id=oid)
            d.look()
        return run

    def near_lease(self, d: Differ, ids: list[int]) -> None:
        """Prolong orders that end together by two months at a time, until their lease has 60 days or less left
        (so a prolongation past it stays under a dialect's own cap)."""
        for _ in range(8):
            orders = [d.w.orders[i] for i in ids if d.w.orders[i].live and d.w.orders[i].lease_until is not None]
            far = [o for o in orders if o.lease_until - o.until > 60 * DAY]
            if not far:
                return
            self.to(d, min(o.until for o in orders) - DAY)
            for o in far:
                d.call("prolong", id=o.id, dtype="month", dcount=2)

    # -- pairs ----------------------------------------------------------------------------------------
    def pairs(self, before: str, afters: tuple[str, ...] = probe.AFTER) -> Callable[[Differ], None]:
        """Orders that `before` changed last, then each of the calls that may follow (`afters`) on one of them."""
        def run(d: Differ) -> None:
            n = len(afters)
            if before == "create_multi":
                ids = []
                for _ in range((n + 1) // 2):
                    ids += self.multi(d)
            else:
                ids = [i for i in (self.rent(d, k) for k in range(n)) if i is not None]
            d.advance(DAY)  # inside the last 7 days: prolong may succeed
            if before == "expire" or before == "restore_user":
                d.advance(7 * DAY)
            for oid in ids:
                if before in ("activate", "delete", "restore_user"):
                    d.call(before, id=oid)
                elif before == "prolong":
                    d.call(before, id=oid, dtype="week", dcount=1)
                elif before == "prolong_max":
                    d.call(before, id=oid, dtype="day", dcount=2)
                elif before == "add_service_to_order":
                    self.add(d, oid)
                elif before in ("lost", "offline", "online"):
                    d.set_state(oid, {"lost": LOST, "offline": NOT_ACTIVE, "online": 1}[before])
                elif before == "sms_arrives":
                    d.send_sms(oid, "code 1234")
            d.look()
            for oid, after in zip(ids, afters):
                if after == "add_service_to_order":
                    self.add(d, oid)
                elif after == "prolong":
                    d.call(after, id=oid, dtype="week", dcount=1)
                elif after == "prolong_max":
                    d.call(after, id=oid, dtype="day", dcount=3)
                else:
                    d.call(after, id=oid)
                d.look()
        return run

    def chance(self, d: Differ) -> None:
        """What the random machine reaches only by its draws: add_service with and without rent_days, the
        history with and without paging (a full run's coverage must not hang on a seed)."""
        oid = self.rent(d)
        if oid is None:
            return
        order = d.w.orders[oid]
        d.call("add_service_to_order", self.owner(d, oid), id=oid, service=self.other_service(d, oid),
               pnumber=order.number, rent_days=2)
        d.look()
        self.add(d, oid)
        d.look()
        d.call("delete", id=oid)
        d.call("get_rent_history")
        d.call("get_rent_history", skip=0, take=5)
        d.look()

    # -- the run --------------------------------------------------------------------------------------
    def sequences(self) -> list[tuple[str, Callable[[], bool], Callable[[Differ], None]]]:
        """(name, still needed?, sequence) for every directed sequence."""
        taken = probe.TAKEN
        out: list[tuple[str, Callable[[], bool], Callable[[Differ], None]]] = [
            ("refusals of the envelope", lambda: True, self.envelope),
            ("refusals of create", lambda: True, self.creates),
            ("refusals of orders in many states", lambda: True, self.orders_grid),
            ("restores after the catalogue changed", lambda: True, self.restores)]
        for name in probe.points().thresholds:
            out.append((f"threshold {name}", lambda n=name: taken.thresholds.get(n, set()) != set(probe.OFFSETS),
                        self.threshold(name)))
        out.append(("options the random machine draws by chance", lambda: any(
            taken.decisions.get(name, set()) != {True, False} for name in CHANCE), self.chance))
        for before in probe.BEFORE:
            out.append((f"pairs after {before}",
                        lambda b=before: any((b, a) not in taken.pairs for a in probe.AFTER), self.pairs(before)))
        return out

    def shrink(self, finding: Finding, budget: float) -> tuple[Finding, str]:
        """The shortest directed sequence that shows the same rule broken: one order, what changed it last, the
        call after it (tried in that order, within `budget` seconds); the finding as found if none does."""
        started = time.monotonic()
        for before, after in itertools.product(probe.BEFORE, probe.AFTER):
            if time.monotonic() - started > budget:
                break
            try:
                with self.world() as d:
                    self.pairs(before, (after,))(d)
            except Broke as exc:
                if exc.finding.rule == finding.rule:
                    return exc.finding, f"{before} then {after} on one order"
        return finding, ""

    def run(self, findings: list[Finding], held: set[str], exhaustive: bool, budget: float) -> str:
        """Every sequence still needed (all when exhaustive) within `budget` seconds; a line for the report."""
        started, ran, skipped, broke, shrunk = time.monotonic(), 0, 0, [], set()
        for name, needed, sequence in self.sequences():
            if not exhaustive and not needed():
                continue
            if not exhaustive and time.monotonic() - started > budget:
                skipped += 1
                continue
            ran += 1
            try:
                with self.world() as d:
                    try:
                        sequence(d)
                    finally:
                        held |= d.held
            except Broke as exc:
                if exc.finding.rule in shrunk:
                    continue
                found, short = self.shrink(exc.finding, SHRINK_SECONDS)
                shrunk.add(found.rule)
                findings.append(found)
                broke.append(f"{found.rule} in {name}" + (f" (shrunk: {short})" if short else ""))
            except ControlRefused as exc:
                broke.append(f"{name} stopped: {exc}"[:200])
        findings.extend(held_findings(held - {f.rule for f in findings if not f.ok}))
        note = f"directed exploration: {ran} sequences in {time.monotonic() - started:.0f} s"
        if skipped:
            note += f", {skipped} left for lack of time (--exhaustive runs them)"
        return note + (f"; differences: {', '.join(broke)}" if broke else "; every call agreed with the model")
