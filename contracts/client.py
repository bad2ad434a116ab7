"""An HTTP client for any rent.php server with a spend guard in front of it and polite pacing; every call
goes through contracts.fetch (total deadline, size cap, no redirect, defensive JSON)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from .fetch import DEADLINE, BadJSON, FetchError, Fetcher
from .model.arithmetic import PERIOD_DAYS
from .registry import DIALECTS, METHODS
from .spending import OrderBook, exact_problem, unsendable
from .target import TargetLost
from .validate import check_response


RENT_PATH = "/api/rent.php"


class SpendRefused(RuntimeError):
    """A call that could spend money (or that the guard cannot tell from one) was stopped before it left."""


class Unsendable(SpendRefused):
    """A call no flag lets reach a server that is not the mock (contracts.spending.unsendable)."""


def _int(value: Any) -> int | None:
    """`value` as an int when it is one in plain ASCII digits (what a server would read the same way)."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _money(value: Any) -> Decimal | None:
    """A finite, non-negative amount, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


@dataclass
class SpendGuard:
    """Refuses every spending method unless spending is allowed, and then only within `max_spend`.

    Against a server that is not the mock (any guard but the free one, `allow` without a cap: the mock's play
    money) every call first passes the one guard's rules (contracts/spending.py): an allowed method or metod,
    plain declared parameter names, a spending call's parameters exactly as declared. A call's cost is estimated from what the server showed: the catalogue's `price_day` (create), the
    orders this client rented (prolong, add_service_to_order) and the fee restore_user_precalc told
    (restore_user). Under a budget, a call whose cost cannot be estimated is refused ("cost unknown"), apart
    from those that would pass the budget left ("over budget").
    """

    allow: bool = False
    max_spend: Decimal | None = None
    spent: Decimal = Decimal("0")
    prices: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (country, service) -> price_day
    lookup: Callable[[str], None] | None = None  # learns a country's prices when they are not known yet
    looked_up: set[str] = field(default_factory=set)
    orders: dict[int, list] = field(default_factory=dict)  # id -> [country, service, days paid so far]
    fees: dict[int, Decimal] = field(default_factory=dict)  # id -> restore fee told by restore_user_precalc
    book: OrderBook = field(default_factory=OrderBook)  # the services on each order this client rented
    unknown: list[str] = field(default_factory=list)  # calls refused: cost unknown
    over: list[str] = field(default_factory=list)  # calls refused: over the budget left

    @property
    def free(self) -> bool:
        """True for the mock's play money: spending allowed without a cap (a real target always has one)."""
        return self.allow and self.max_spend is None

    def check(self, path: str, query: dict) -> None:
        """Raise SpendRefused when a call to `path` must not leave (the one guard's rules; none on the mock)."""
        if self.free:
            return
        why = unsendable(path, query)
        if why is not None:
            raise Unsendable(f"refused before it left: {why}")

    @property
    def skipped(self) -> list[str]:
        """Every call the budget refused, with why."""
        return self.unknown + self.over

    def _learn(self, country: str) -> None:
        if self.lookup is not None and country not in self.looked_up:
            self.looked_up.add(country)
            self.lookup(country)

    def price(self, country: str, service: str) -> Decimal | None:
        """The catalogue's price per day (learnt from the server when not known yet)."""
        if (country, service) not in self.prices:
            self._learn(country)
        return self.prices.get((country, service))

    @staticmethod
    def days(params: dict) -> int | None:
        """The period in days a call asks for, or None when the server would not read it as one."""
        count = _int(params.get("dcount", 1))
        per = PERIOD_DAYS.get(str(params.get("dtype")))
        return None if count is None or per is None else per * max(count, 1)

    def estimate(self, method: str, params: dict) -> Decimal | None:
        """Upper estimate of what `method` would cost (None: unknown)."""
        if method == "restore_user":
            return self.fees.get(_int(params.get("id")))
        if method == "add_service_to_order":
            order = self.orders.get(_int(params.get("id")))
            days = _int(params["rent_days"]) if "rent_days" in params else (order[2] if order else None)
            price = self.price(order[0], str(params.get("service"))) if order else None
            return None if price is None or days is None else price * days
        days = self.days(params)
        if days is None:
            return None
        if method in ("create", "create_multi"):
            country = str(params.get("country"))
            costs = [self.price(country, s) for s in str(params.get("services") or params.get("service", "")).split(",")]
            return None if None in costs else sum(costs, Decimal(0)) * days
        if method in ("prolong", "prolong_max"):
            # charged for every service on the number: only an order this client rented is known whole
            known = self.book.get(params.get("id"))
            costs = [self.price(known[0], s) for s in known[1]] if known else [None]
            return None if None in costs else sum(costs, Decimal(0)) * days
        return None

    def admit(self, method: str | None, params: dict) -> None:
        """Raise SpendRefused unless the call is free or allowed and within budget (`params`: the query sent)."""
        params = {**params, "method": method} if method is not None else params
        self.check(RENT_PATH, params)
        spec = METHODS.get(method)
        if spec is None or not spec.spends:
            return
        if not self.allow:
            raise SpendRefused(f"{method} can spend money; pass --allow-spend to let it run")
        problem = None if self.free else exact_problem(method, params)
        if problem is not None:
            self.unknown.append(f"{method}: cost unknown")
            raise SpendRefused(f"{method}: its cost could not be estimated exactly ({problem}), refused under "
                               f"--max-spend")
        cost = self.estimate(method, params)
        if self.max_spend is not None:
            if cost is None:
                self.unknown.append(f"{method}: cost unknown")
                raise SpendRefused(f"{method}: its cost could not be estimated, refused under --max-spend")
            if self.spent + cost > self.max_spend:
                self.over.append(f"{method}: about {cost}, over the {self.max_spend - self.spent} left")
                raise SpendRefused(f"{method} would cost about {cost}, over the budget left "
                                   f"({self.max_spend - self.spent})")
        self.spent += cost or 0

    def note(self, method: str | None, params: dict, data: Any) -> None:
        """Learn from a successful answer what later calls will cost (the orders rented, restore fees)."""
        oid = _int(params.get("id"))
        self.book.remember(method, params, data)
        if method in ("create", "create_multi"):
            for item in data if isinstance(data, list) else [data]:
                if isinstance(item, dict) and _int(item.get("id")) is not None:
                    service = str(item.get("service") or params.get("service") or "")
                    self.orders[_int(item["id"])] = [str(params.get("country")), service, self.days(params) or 0]
        elif method in ("prolong", "prolong_max") and oid in self.orders:
            self.orders[oid][2] += self.days(params) or 0
        elif method == "restore_user_precalc" and isinstance(data, dict) and _money(data.get("price")) is not None:
            self.fees[oid] = _money(data.get("price"))

    def summary(self) -> str:
        """What was spent and what the budget kept from running, in a sentence."""
        cap = f" of {self.max_spend}" if self.max_spend is not None else ""
        text = f"spent about {self.spent}{cap} (estimated from the catalogue's prices)"
        if self.unknown:
            text += f"; {len(self.unknown)} calls refused because their cost could not be estimated"
        if self.over:
            text += f"; {len(self.over)} calls skipped for lack of budget"
        return text


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
    """Calls rent.php at `base_url`; every call passes the guard first, then waits out the pace.

    A server that stops answering (`max_failures` calls in a row get no answer) stops the run: TargetLost.
    """

    def __init__(self, base_url: str, apikey: str | None = None, guard: SpendGuard | None = None,
                 pace: float = 0.0, timeout: float = DEADLINE, sleep: Callable[[float], None] = time.sleep,
                 fetcher: Fetcher | None = None, max_failures: int = 3):
        self.base = base_url.rstrip("/")
        self.apikey = apikey
        self.guard = guard or SpendGuard()
        if self.guard.lookup is None:
            self.guard.lookup = self.learn_prices
        self.pace, self.sleep = pace, sleep
        self.fetcher = fetcher or Fetcher(deadline=timeout)
        self.exchanges: list[Exchange] = []
        self.max_failures, self._failures = max_failures, 0
        self._last = 0.0

    def call(self, method: str | None, verb: str = "GET", with_key: bool = True, **params) -> Exchange:
        """One call (the apikey is added unless `with_key` is False)."""
        return self.send(method, params, verb, with_key)

    def send(self, method: str | None, params: dict, verb: str = "GET", with_key: bool = True) -> Exchange:
        """One call with its parameters as a dict (any names, `verb` and `self` included: nothing in `params`
        can change how it is sent)."""
        query = {"method": method, **params} if method is not None else dict(params)
        if with_key and self.apikey:
            query["apikey"] = self.apikey
        self.guard.admit(method, query)
        wait = self._last + self.pace - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last = time.monotonic()
        try:
            spends = method in METHODS and METHODS[method].spends  # never sent twice: a retry could pay twice
            r = self.fetcher.request(verb, self.base + RENT_PATH, query, fresh=spends)
        except FetchError as exc:
            ex = Exchange(method, verb, query, None, None, exc.reason)
            self.exchanges.append(ex)
            if exc.kind in ("connect", "deadline"):
                self._failures += 1
                if self._failures >= self.max_failures:
                    raise TargetLost(f"{self.base} stopped answering ({self._failures} calls in a row: "
                                     f"{exc.reason})") from None
            return ex
        self._failures = 0
        try:
            payload, error = r.json(), None
        except BadJSON as exc:
            payload = None
            error = f"not JSON: {r.body[:80]!r}" if str(exc).startswith("not JSON") else f"JSON refused: {exc}"
        if isinstance(payload, dict) and payload.get("status") == 1:
            self.guard.note(method, params, payload.get("data"))
        ex = Exchange(method, verb, query, r.status, payload, error)
        self.exchanges.append(ex)
        return ex

    def learn_prices(self, country: str) -> list[tuple[str, str, Decimal, int]]:
        """Read a country's daily prices from the server's catalogue (a free call, any dialect) into the guard;
        returns what is in stock as (country, service, price_day, count), cheapest first."""
        ex = self.call("getdata", country=country, dtype="week", dcount=1)
        data = ex.payload.get("data") if isinstance(ex.payload, dict) and ex.payload.get("status") == 1 else None
        return self.note_prices(country, data)

    def note_prices(self, country: str, data: Any) -> list[tuple[str, str, Decimal, int]]:
        """Note the daily prices of a getdata answer's `data` (any dialect) in the guard; returns what is in stock
        as (country, service, price_day, count), cheapest first."""
        items = data.get("services") if isinstance(data, dict) else data
        stock = []
        for item in items if isinstance(items, list) else []:
            price = _money(item.get("price_day")) if isinstance(item, dict) else None
            if price is not None and isinstance(item.get("service"), str):
                self.guard.prices[(country, item["service"])] = price
                count = item.get("count")
                if isinstance(count, int) and not isinstance(count, bool) and count > 0:
                    stock.append((country, item["service"], price, count))
        self.guard.looked_up.add(country)
        return sorted(stock, key=lambda o: (o[2], o[1]))

    def offers(self, countries: int = 4) -> list[tuple[str, str, Decimal, int]]:
        """(country, service, price_day, count) in stock on the server, cheapest first, from its free catalogue
        calls (getcountries, then getdata for the first `countries` countries)."""
        ex = self.call("getcountries")
        data = ex.payload.get("data") if isinstance(ex.payload, dict) else None
        codes = [c.get("code") for c in data if isinstance(c, dict) and isinstance(c.get("code"), str)] \
            if isinstance(data, list) else []
        return sorted((o for code in codes[:countries] for o in self.learn_prices(code)), key=lambda o: o[2])



def speaks(client: RentClient) -> tuple[str, list[str]]:
    """The dialect a server's free catalogue answers fit (live first when several do) and every one that fits;
    the closest when none does. It asks getcountries, get_default_services and getdata (one country)."""
    start = len(client.exchanges)
    countries = client.call("getcountries").payload
    data = countries.get("data") if isinstance(countries, dict) else None
    code = next((c.get("code") for c in data if isinstance(c, dict) and isinstance(c.get("code"), str)), None) \
        if isinstance(data, list) else None
    client.call("get_default_services")
    if code:
        client.call("getdata", country=code, dtype="week", dcount=1)
    judged = [ex for ex in client.exchanges[start:] if ex.method and isinstance(ex.payload, dict)]
    misses = {d: sum(len(check_response(ex.method, ex.payload, d)) for ex in judged) for d in DIALECTS}
    order = ("live",) + tuple(d for d in DIALECTS if d != "live")
    fits = [d for d in DIALECTS if misses[d] == 0]
    return (next(d for d in order if d in fits) if fits else min(order, key=misses.get)), fits
