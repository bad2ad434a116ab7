"""An HTTP client for any rent.php server with a spend guard in front of it and polite pacing."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

import requests

from .registry import METHODS


class SpendRefused(RuntimeError):
    """A call that could spend money was stopped before it left this process."""


@dataclass
class SpendGuard:
    """Refuses every spending method unless spending is allowed, and then only within `max_spend`.

    The estimate of a call's cost comes from the catalogue the server showed (`price_day`); calls
    whose cost cannot be estimated are refused when a budget is set.
    """

    allow: bool = False
    max_spend: Decimal | None = None
    spent: Decimal = Decimal("0")
    prices: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (country, service) -> price_day
    lookup: Callable[[str], None] | None = None  # learns a country's prices when they are not known yet
    looked_up: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)  # calls refused for lack of budget

    def _learn(self, country: str) -> None:
        if self.lookup is not None and country not in self.looked_up:
            self.looked_up.add(country)
            self.lookup(country)

    def estimate(self, method: str, params: dict) -> Decimal | None:
        """Upper estimate of what `method` would cost (None: unknown)."""
        try:
            count = int(params.get("dcount", 1) or 1)
        except (TypeError, ValueError):
            return None  # the server refuses such a call; its cost cannot be told beforehand
        days = {"week": 7, "month": 30, "day": 1}.get(str(params.get("dtype")), 0) * max(count, 1)
        if method in ("create", "create_multi"):
            services = str(params.get("services") or params.get("service", "")).split(",")
            if any((str(params.get("country")), s) not in self.prices for s in services):
                self._learn(str(params.get("country")))
            costs = [self.prices.get((str(params.get("country")), s)) for s in services]
            return None if None in costs else sum(costs, Decimal(0)) * days
        return None

    def admit(self, method: str, params: dict) -> None:
        """Raise SpendRefused unless the call is free or allowed and within budget."""
        spec = METHODS.get(method)
        if spec is None or not spec.spends:
            return
        if not self.allow:
            raise SpendRefused(f"{method} can spend money; pass --allow-spend to let it run")
        cost = self.estimate(method, params)
        if self.max_spend is not None:
            if cost is None:
                self.skipped.append(f"{method}: cost unknown")
                raise SpendRefused(f"{method}: cost unknown, refused under --max-spend")
            if self.spent + cost > self.max_spend:
                self.skipped.append(f"{method}: about {cost}, over the {self.max_spend - self.spent} left")
                raise SpendRefused(f"{method} would cost about {cost}, over the budget left "
                                   f"({self.max_spend - self.spent})")
        self.spent += cost or 0

    def summary(self) -> str:
        """What was spent and what the budget kept from running, in a sentence."""
        cap = f" of {self.max_spend}" if self.max_spend is not None else ""
        skipped = f"; {len(self.skipped)} calls skipped for lack of budget" if self.skipped else ""
        return f"spent about {self.spent}{cap} (estimated from the catalogue's prices){skipped}"


@dataclass
class Exchange:
    """One request and its answer."""

    method: str | None
    verb: str
    params: dict
    http_status: int | None
    payload: Any
    error: str | None = None


class RentClient:
    """Calls rent.php at `base_url`; every call passes the guard first, then waits out the pace."""

    def __init__(self, base_url: str, apikey: str | None = None, guard: SpendGuard | None = None,
                 pace: float = 0.0, timeout: float = 20.0, sleep: Callable[[float], None] = time.sleep,
                 control_base: str | None = None):
        self.base = base_url.rstrip("/")
        self.control_base = (control_base or base_url).rstrip("/")  # the mock's root, for /_mock/ calls
        self.apikey = apikey
        self.guard = guard or SpendGuard()
        if self.guard.lookup is None:
            self.guard.lookup = self.learn_prices
        self.pace, self.timeout, self.sleep = pace, timeout, sleep
        self.session = requests.Session()
        self.exchanges: list[Exchange] = []
        self._last = 0.0

    def call(self, method: str | None, verb: str = "GET", with_key: bool = True, **params) -> Exchange:
        """One call (the apikey is added unless `with_key` is False)."""
        if method is not None:
            self.guard.admit(method, params)
        query = {"method": method, **params} if method is not None else dict(params)
        if with_key and self.apikey:
            query["apikey"] = self.apikey
        wait = self._last + self.pace - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last = time.monotonic()
        try:
            r = self.session.request(verb, self.base + "/api/rent.php", params=query, timeout=self.timeout)
            try:
                payload = r.json()
            except ValueError:
                payload = None
            ex = Exchange(method, verb, query, r.status_code, payload,
                          None if payload is not None else f"not JSON: {r.text[:80]!r}")
        except requests.RequestException as exc:
            ex = Exchange(method, verb, query, None, None, f"{type(exc).__name__}: {exc}"[:200])
        self.exchanges.append(ex)
        return ex

    def learn_prices(self, country: str) -> None:
        """Read a country's daily prices from the server's catalogue (a free call) into the guard."""
        ex = self.call("getdata", country=country, dtype="week", dcount=1)
        data = ex.payload.get("data") if isinstance(ex.payload, dict) and ex.payload.get("status") == 1 else None
        items = data.get("services") if isinstance(data, dict) else data
        for item in items or []:
            if isinstance(item, dict) and isinstance(item.get("price_day"), (int, float, str)):
                try:
                    self.guard.prices[(country, str(item.get("service")))] = Decimal(str(item["price_day"]))
                except ArithmeticError:
                    continue

    def control(self, verb: str, path: str, body: dict | None = None, token: str | None = None) -> Any:
        """A call to the mock's control API (only used when the target is the mock)."""
        headers = {"X-Mock-Token": token} if token else {}
        r = self.session.request(verb, self.control_base + "/_mock" + path, json=body, headers=headers, timeout=self.timeout)
        r.raise_for_status()
        return r.json()

