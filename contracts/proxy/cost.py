"""What a spending call would cost, estimated from the upstream's own prices (an upper estimate)."""
from __future__ import annotations

import math
import re
import threading
import time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Callable

from .upstream import Upstream

DAYS = {"week": 7, "month": 30, "day": 1}
CENT = Decimal("0.01")
ASCII_DIGITS = re.compile(r"[0-9]+\Z")


def ascii_digits(value) -> bool:
    """True for a non-empty run of ASCII digits (str.isdigit also takes '²' and '٣', which int() refuses)."""
    return bool(ASCII_DIGITS.match(str(value)))


def _dec(value) -> Decimal | None:
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return out if out.is_finite() else None


class Prices:
    """The upstream's price per day per (country, service), and what the proxy knows of orders."""

    def __init__(self, upstream: Upstream, wall: Callable[[], float] = time.time):
        self.upstream, self.wall = upstream, wall
        self.lock = threading.Lock()
        self.per_day: dict[tuple[str, str], Decimal] = {}
        self.orders: dict[int, tuple[str, str]] = {}  # order id -> (country, service), seen through the proxy
        self._countries_done: set[str] = set()

    def learn_country(self, country: str, apikey: str | None = None) -> None:
        """Read a country's prices from the upstream (once)."""
        if country in self._countries_done:
            return
        query = {"method": "getdataWithProviders", "country": country}
        if apikey:
            query["apikey"] = apikey
        answer = self.upstream.rent(query)
        data = answer.payload.get("data") if isinstance(answer.payload, dict) else None
        items = data.get("services") if isinstance(data, dict) else data
        if not isinstance(items, list):
            return
        with self.lock:
            for item in items:
                if isinstance(item, dict) and _dec(item.get("price_day")) is not None:
                    self.per_day[(country, str(item.get("service")))] = _dec(item["price_day"])
            self._countries_done.add(country)

    def remember(self, method: str, query: dict, payload) -> None:
        """Note the orders a successful create/create_multi made (for later prolong estimates)."""
        if not isinstance(payload, dict) or payload.get("status") != 1:
            return
        data = payload.get("data")
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and isinstance(item.get("id"), (int, str)) and ascii_digits(item["id"]):
                with self.lock:
                    self.orders[int(item["id"])] = (str(query.get("country")), str(item.get("service")))

    def _order(self, order_id: int, apikey: str | None) -> tuple[tuple[str, str] | None, int | None]:
        """(country, service) and `until` of an order, from memory or the upstream's `orders`."""
        until = None
        answer = self.upstream.rent({"method": "orders", "apikey": apikey or ""})
        data = answer.payload.get("data") if isinstance(answer.payload, dict) else None
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and str(item.get("id")) == str(order_id):
                until = item.get("until") if isinstance(item.get("until"), int) else None
                if order_id not in self.orders and item.get("scode"):
                    country = self._country_of(item)
                    if country:
                        self.orders[order_id] = (country, str(item["scode"]))
        return self.orders.get(order_id), until

    def _country_of(self, order: dict) -> str | None:
        answer = self.upstream.rent({"method": "getcountries"})
        data = answer.payload.get("data") if isinstance(answer.payload, dict) else None
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and order.get("cname") in (item.get("name"), item.get("code")):
                return str(item.get("code"))
        return None

    def estimate(self, method: str, query: dict) -> tuple[Decimal | None, str]:
        """(upper estimate of the cost, how it was reached); None when it cannot be estimated."""
        apikey = query.get("apikey")
        if not ascii_digits(query.get("dcount", 1) or 1):
            return Decimal(0), "malformed dcount: the upstream refuses it"
        periods = int(query.get("dcount", 1) or 1)
        days = DAYS.get(str(query.get("dtype")), 0) * periods
        if method in ("create", "create_multi"):
            country = str(query.get("country", ""))
            self.learn_country(country, apikey)
            services = str(query.get("services") or query.get("service", "")).split(",")
            prices = [self.per_day.get((country, s.strip())) for s in services]
            if None in prices:
                return None, f"no upstream price for {country}/{','.join(services)}"
            return _cents(sum(prices, Decimal(0)) * days), f"{days} days at the upstream's price per day"
        if method == "restore_user":
            answer = self.upstream.rent({"method": "restore_user_precalc", "id": query.get("id", ""),
                                         "apikey": apikey or ""})
            data = answer.payload.get("data") if isinstance(answer.payload, dict) else None
            price = _dec(data.get("price")) if isinstance(data, dict) else None
            if price is None:
                return Decimal(0), "restore_user_precalc refuses: the restore will be refused too"
            return _cents(price), "the upstream's restore_user_precalc price"
        if not ascii_digits(query.get("id", "")):
            return Decimal(0), "malformed id: the upstream refuses it"
        known, until = self._order(int(query["id"]), apikey)
        if known is None:
            return None, f"order {query['id']} is not among the account's orders"
        country, service = known
        if method == "add_service_to_order":
            service = str(query.get("service", ""))
            if query.get("rent_days"):
                days = int(query["rent_days"]) if ascii_digits(query["rent_days"]) else 0
            else:
                days = max(0, math.ceil(((until or 0) - self.wall()) / 86_400))
        self.learn_country(country, apikey)
        price = self.per_day.get((country, service))
        if price is None:
            return None, f"no upstream price for {country}/{service}"
        return _cents(price * days), f"{days} days at the upstream's price per day"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
