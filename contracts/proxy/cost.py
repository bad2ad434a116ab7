"""What a spending call costs at most: its parameters exactly as declared, priced from the upstream just before.

A PHP service reads `" 3"`, `"+3"` and `"3\\n"` as 3, so any value the guard would have to guess about is
refused instead of priced (`contracts.spending.exact_problem`). Prices are read again for every call
(`Prices.quote`): a price learned once can move before the next call leaves.
"""
from __future__ import annotations

import threading
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from ..model.arithmetic import days_of
from ..spending import OrderBook, brief
from .upstream import Answer, Upstream

CENT = Decimal("0.01")


def price(value) -> Decimal | None:
    """A price the upstream showed, as Decimal; None unless a finite amount of at least 0."""
    if isinstance(value, bool):
        return None
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return out if out.is_finite() and out >= 0 else None


def _data(answer: Answer):
    payload = answer.payload
    return payload.get("data") if isinstance(payload, dict) and payload.get("status") == 1 else None


def _why(answer: Answer, what: str) -> str:
    if answer.error is not None:
        return f"{what} failed: {answer.error}"
    payload = answer.payload
    msg = payload.get("msg") if isinstance(payload, dict) else None
    return f"{what} answered {brief(str(msg if msg is not None else payload))}"


class Prices:
    """The upstream's prices, read when a spending call is about to leave, and the orders seen through the proxy."""

    def __init__(self, upstream: Upstream):
        self.upstream = upstream
        self.lock = threading.Lock()
        self.book = OrderBook()  # the orders seen rented through the proxy, and the services added to them
        self._countries: dict[str, str] = {}  # code -> name, as getcountries showed them

    def per_day(self, country: str, apikey: str) -> tuple[dict[str, Decimal] | None, str]:
        """({service: price per day} in `country`, read now from the upstream) or (None, why not)."""
        answer = self.upstream.rent({"method": "getdataWithProviders", "country": country, "apikey": apikey})
        data = _data(answer)
        items = data.get("services") if isinstance(data, dict) else data
        if not isinstance(items, list):
            return None, _why(answer, f"getdataWithProviders for {country}")
        out: dict[str, Decimal] = {}
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("service"), str):
                continue
            shown = price(item.get("price_day"))
            if shown is None:
                return None, f"getdataWithProviders for {country} shows no usable price for {brief(item['service'])}"
            out[item["service"]] = max(shown, out.get(item["service"], shown))  # listed twice: the dearer
        return out, ""

    def countries(self) -> tuple[dict[str, str], str]:
        """(the upstream's country codes and names, why they could not be read): read once, and again when
        asked for a code it lacks."""
        answer = self.upstream.rent({"method": "getcountries"})
        data = _data(answer)
        if not isinstance(data, list):
            return dict(self._countries), _why(answer, "getcountries")
        for item in data:
            if isinstance(item, dict) and isinstance(item.get("code"), str):
                with self.lock:
                    self._countries[item["code"]] = str(item.get("name", ""))
        return dict(self._countries), ""

    def _not_a_country(self, code: str) -> str | None:
        if code in self._countries:
            return None
        known, why = self.countries()
        if code in known:
            return None
        return why or f"country {brief(code)} is not among the upstream's countries"

    def remember(self, method: str, query: dict, payload) -> None:
        """Note the orders (and the services on them) that a successful spending call showed."""
        if isinstance(payload, dict) and payload.get("status") == 1:
            self.book.remember(method, query, payload.get("data"))

    def order(self, order_id: int, apikey: str, whole: bool = True) -> tuple[tuple[str, tuple[str, ...]] | None, str]:
        """(country, services) of a running order of the account, or (None, why not). `whole`: every service on
        it, known only of an order seen rented through the proxy (`orders` shows only the first, and a prolong
        is charged for all of them); else its country is enough (what an added service is priced in)."""
        answer = self.upstream.rent({"method": "orders", "apikey": apikey})
        data = _data(answer)
        if not isinstance(data, list):
            return None, _why(answer, "orders")
        row = next((o for o in data if isinstance(o, dict) and str(o.get("id")) == str(order_id)), None)
        if row is None:
            return None, f"order {order_id} is not among the account's orders"
        known = self.book.get(order_id)
        if known is not None:
            return known, ""
        if whole:
            return None, self.book.unseen(order_id)
        names, _ = self.countries()
        code = next((c for c, name in names.items() if row.get("cname") in (c, name)), None)
        if code is None:
            return None, f"orders does not show order {order_id}'s country"
        return (code, ()), ""

    def quote(self, method: str, query: dict) -> tuple[Decimal | None, str]:
        """(the most the call can cost at the prices read now, how it was reached); None when it cannot be priced.

        The call must have passed `exact_problem`. Periods are priced at `price_day` without discount.
        """
        apikey = query["apikey"]
        if method == "restore_user":
            answer = self.upstream.rent({"method": "restore_user_precalc", "id": query["id"], "apikey": apikey})
            data = _data(answer)
            fee = price(data.get("price")) if isinstance(data, dict) else None
            if fee is None:
                return None, f"{_why(answer, 'restore_user_precalc')}, so restore_user has no price"
            return _cents(fee), "restore_user_precalc's price, read just now"
        if method == "add_service_to_order":
            days = int(query["rent_days"])
        else:
            days = days_of(query["dtype"], query["dcount"])
        if method in ("create", "create_multi"):
            country = query["country"]
            services = tuple(query["services"].split(",")) if method == "create_multi" else (query["service"],)
        else:
            known, why = self.order(int(query["id"]), apikey, whole=method != "add_service_to_order")
            if known is None:
                return None, why
            country, services = known
            if method == "add_service_to_order":
                services = (query["service"],)
        why = self._not_a_country(country)
        if why is not None:
            return None, why
        prices, why = self.per_day(country, apikey)
        if prices is None:
            return None, why
        for service in services:
            if service not in prices:
                return None, f"no upstream price for {country}/{service}"
        total = sum((prices[s] for s in services), Decimal(0)) * days
        return _cents(total), f"{days} days at the upstream's price per day"


def _cents(value: Decimal) -> Decimal:
    # up, never to the nearest: a reservation rounded down could let a call pass the cap by a cent
    return value.quantize(CENT, rounding=ROUND_CEILING)
