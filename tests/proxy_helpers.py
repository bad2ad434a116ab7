"""What the proxy's tests share: a mock as the upstream, a proxy in front of it, and upstreams that misbehave."""
from __future__ import annotations

import threading
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
import requests
from werkzeug.test import Client

from contracts.proxy.app import Settings
from contracts.proxy.serve import build
from contracts.proxy.upstream import MAX_ANSWER
from mockserver.core.accounts import DEBIT_KINDS
from mockserver.serve.server import ServeOptions, make_server

START = 1_700_000_000
REAL_KEY = "upstream-secret-key"
CLIENT_KEY = "client-key"


def serve(served) -> str:
    """Start a made server in a thread; its root URL."""
    threading.Thread(target=served.server.run, daemon=True).start()
    return f"http://127.0.0.1:{served.server.effective_port}"


def mock_upstream(dialect: str = "documented", balance: str = "200", **opts):
    """A mock standing in for the live service (manual clock), account REAL_KEY funded with `balance`."""
    opts.setdefault("clock", "manual")
    opts.setdefault("start", START)
    return make_server(ServeOptions(port=0, apikey=REAL_KEY, balance=balance, dialect=dialect, **opts))


@pytest.fixture
def documented_upstream():
    """The root URL of a documented-dialect mock with REAL_KEY holding 200."""
    served = mock_upstream()
    yield serve(served)
    served.close()


def proxy(upstream_url, record=None, shadow=None, timeout=20.0, max_bytes=MAX_ANSWER, **settings):
    """A started proxy in front of `upstream_url` mapping CLIENT_KEY to REAL_KEY (unless told otherwise)."""
    settings.setdefault("apikey_map", {CLIENT_KEY: REAL_KEY})
    return build(upstream_url, Settings(**settings), record, shadow, timeout, max_bytes=max_bytes).start()


def rent(base, **query):
    """One rent.php GET."""
    return requests.get(f"{base}/api/rent.php", params=query, timeout=10)


def offer(base):
    """(country, service, price_day) of the first service in stock in the upstream's catalogue."""
    for country in [c["code"] for c in rent(base, method="getcountries").json()["data"]]:
        data = rent(base, method="getdataWithProviders", country=country).json()["data"]
        for item in data["services"]:
            if item["totalCount"] > 0:
                return country, item["service"], Decimal(str(item["price_day"]))
    raise AssertionError("no service in stock")


def balance(base, key=REAL_KEY) -> Decimal:
    """The account's balance as the mock's control API tells it."""
    return Decimal(str(requests.get(f"{base}/_mock/accounts/{key}", timeout=10).json()["balance"]))


def charged(base, key=REAL_KEY) -> Decimal:
    """What the upstream's ledger shows the account was charged: the sum of its debits."""
    ledger = requests.get(f"{base}/_mock/accounts/{key}", timeout=10).json()["ledger"]
    return sum((Decimal(str(line["amount"])) for line in ledger if line["kind"] in DEBIT_KINDS), Decimal(0))


def upstream_methods(base) -> list[str]:
    """The rent.php methods the upstream mock was called with, in order."""
    return [e["method"] for e in requests.get(f"{base}/_mock/journal", timeout=10).json()["entries"]]


class PriceMover:
    """WSGI around a mock: each `create` it passes on moves a price by `step`, `before` the mock charges it
    (the upstream charges more than the price it showed a moment ago) or after (between calls)."""

    def __init__(self, app, country: str, service: str, start: Decimal, step: Decimal, before: bool):
        self.app, self.country, self.service = app, country, service
        self.price, self.step, self.before = start, step, before
        self.lock = threading.Lock()
        self.set_price(start)

    def set_price(self, value: Decimal) -> None:
        """Put the offer's price_day at `value` through the mock's control API."""
        self.price = value
        r = Client(self.app).post("/_mock/catalogue/offers", json={"country": self.country, "service": self.service,
                                                                   "price_day": str(value), "procent": 0},
                                    environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert r.status_code == 200, r.get_data(as_text=True)

    def __call__(self, environ, start_response):
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        if query.get("method") != "create":
            return self.app(environ, start_response)
        with self.lock:
            if self.before:
                self.set_price(self.price + self.step)
            body = b"".join(self.app(environ, start_response))
            if not self.before:
                self.set_price(self.price + self.step)
        return [body]


def moving_upstream(before: bool, start: Decimal, step: Decimal, balance: str = "200"):
    """(served mock, its URL, country, service) whose price for (country, service) moves at each create."""
    served = mock_upstream(balance=balance)
    app = served.server.application
    base = serve(served)
    country, service, _ = offer(base)
    served.server.application = PriceMover(app, country, service, start, step, before)
    return served, base, country, service
