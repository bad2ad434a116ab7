"""pytest plugin (entry point `rent_mock`): a live mock once per session, a fresh world per test.

The mock is the one named by RENT_MOCK_BASE_URL when it is set (as `rent-mock check-client` does, so it
sees the traffic; RENT_MOCK_ADMIN_TOKEN is sent when set), else one the plugin starts on a free port.

    def test_my_client(rent_mock):
        client = MyClient(base_url=rent_mock.base_url, apikey=rent_mock.apikey)
        order = client.rent("KZ", "opt16")
        client.activate(order.id)
        rent_mock.advance(15 * 60)
        rent_mock.sms(order.id, "code 1234")
        assert client.read_sms(order.id) == ["code 1234"]
        rent_mock.assert_called("activate", id=order.id)

`rent_mock.scenario("number-lost")` scripts the world (a shipped scenario, a .toml file or a dict);
`calls`, `assert_called`, `assert_not_called` and `spent` check what the client sent and paid.
"""
from __future__ import annotations

import math
import os
import threading
from decimal import Decimal

import pytest
import requests

from contracts.target import TargetError, root_url


class RentMockError(Exception):
    """A control call the mock refused: the HTTP status and the server's reason."""

    def __init__(self, status: int, reason: str, url: str):
        super().__init__(f"{status} from {url}: {reason}")
        self.status, self.reason = status, reason


def _answer(r: requests.Response) -> dict:
    """The JSON answer, or RentMockError carrying the server's own reason (its `error`, else the body)."""
    if r.ok:
        return r.json()
    try:
        body = r.json()
    except ValueError:
        body = r.text[:200] or r.reason
    reason = (body.get("error") or body.get("msg") or str(body)) if isinstance(body, dict) else str(body)
    raise RentMockError(r.status_code, reason, r.url)


class RentMock:
    """One test's world on the session's mock, with helpers that drive it."""

    def __init__(self, root: str, world: dict, session: requests.Session):
        self.root = root
        self.world = world["world"]
        self.apikey = world["apikey"]
        self.base_url = root + world["base_path"]  # keyless calls read this world too
        self.api_url = self.base_url + "/api/rent.php"
        self._s = session

    def _post(self, path: str, body: dict) -> dict:
        return _answer(self._s.post(self.root + "/_mock" + path, json={"world": self.world, **body}, timeout=10))

    def call(self, method: str, **params) -> dict:
        """Call rent.php as this world's account."""
        return self._s.get(self.api_url, params={"method": method, "apikey": self.apikey, **params}, timeout=10).json()

    def advance(self, seconds: int) -> dict:
        """Move the world's clock forward (due events apply in order)."""
        return self._post("/clock", {"advance": seconds})

    def set_time(self, unix: int) -> dict:
        """Move the world's clock to a moment (never backwards)."""
        return self._post("/clock", {"set": unix})

    def now(self) -> int:
        """The world's time."""
        return _answer(self._s.get(self.root + "/_mock/clock", params={"world": self.world}, timeout=10))["now"]

    def sms(self, order: int, text: str, sender: str = "", service: str | None = None) -> dict:
        """Send an SMS to an order's number; `delivered` is False unless the number is active."""
        body = {"order": order, "text": text, "sender": sender}
        if service:
            body["service"] = service
        return self._post("/sms", body)

    def offline(self, order: int) -> dict:
        """Take the number out of the system (state −1)."""
        return self._post(f"/orders/{order}/state", {"state": -1})

    def online(self, order: int) -> dict:
        """Bring the number online now (state 1, for its active window)."""
        return self._post(f"/orders/{order}/state", {"state": 1})

    def fault(self, kind: str, method: str = "*", **settings) -> dict:
        """Queue a fault (status0, http, malformed, truncated, drop, latency, rate_limit)."""
        return self._post("/faults", {"kind": kind, "method": method, **settings})

    def balance(self) -> float:
        """The account's balance."""
        return _answer(self._s.get(f"{self.root}/_mock/accounts/{self.apikey}", timeout=10))["balance"]

    def journal(self, **filters) -> list[dict]:
        """The requests this world received (the newest `limit`, 100 by default; the journal keeps the last
        `journal_size` of them, 1,000 unless the marker asks for more)."""
        return self._journal(**filters)["entries"]

    def _journal(self, **filters) -> dict:
        params = {"world": self.world, **filters}
        return _answer(self._s.get(self.root + "/_mock/journal", params=params, timeout=10))

    def sleep(self, seconds: float) -> None:
        """Stand-in for `time.sleep` in a client under test: the world's (manual) clock moves on by `seconds`
        (whole seconds, rounded up) instead of the test waiting; due events apply on the way."""
        self.advance(max(0, math.ceil(seconds)))

    def scenario(self, scenario: "str | os.PathLike | dict") -> dict:
        """Load a scenario into this world: a shipped name, a .toml file (read here, sent as text), or a dict."""
        if isinstance(scenario, dict):
            body = scenario
        elif isinstance(scenario, os.PathLike) or str(scenario).endswith(".toml"):
            with open(scenario, encoding="utf-8") as fh:
                body = fh.read()
        else:
            body = str(scenario)
        return self._post("/scenarios", {"scenario": body})

    def calls(self, method: str | None = None, **params) -> list[dict]:
        """The rent.php requests this world received (journal entries, oldest first), of `method` when
        given, and whose parameters equal `params` (compared as the strings that were sent)."""
        filters = {"limit": 100_000, **({"method": method} if method else {})}
        wanted = {k: str(v) for k, v in params.items()}
        book = self._journal(**filters)
        if book.get("dropped"):  # an assertion on part of the calls would lie: "called 0 times" after 1,000
            raise AssertionError(
                f"this world's journal let go of its {book['dropped']} oldest requests (it keeps the last "
                f"{book['size']}), so the calls of this test cannot all be read; give the test a larger journal: "
                "@pytest.mark.rent_mock(journal_size=10000) (at most rent-mock serve --journal-max, 10,000 by default)")
        return [e for e in book["entries"] if all(e["params"].get(k) == v for k, v in wanted.items())]

    def assert_called(self, method: str, times: int | None = None, **params) -> list[dict]:
        """Fail unless `method` was called (exactly `times` times, when given) with `params`; returns the calls."""
        found = self.calls(method, **params)
        if (times is None and not found) or (times is not None and len(found) != times):
            expected = "at least once" if times is None else f"{times} times"
            raise AssertionError(f"expected {_describe(method, params)} {expected}, it was called {len(found)} "
                                 f"times; this world's calls: {self._seen()}")
        return found

    def assert_not_called(self, method: str, **params) -> None:
        """Fail if `method` was called with `params`."""
        found = self.calls(method, **params)
        if found:
            raise AssertionError(f"expected no {_describe(method, params)}, it was called {len(found)} times; "
                                 f"this world's calls: {self._seen()}")

    def spent(self) -> Decimal:
        """What this world's account paid for rentals (create, prolong, add_service, restore), less refunds:
        what the same calls would have cost on the live service, at this world's prices."""
        ledger = _answer(self._s.get(f"{self.root}/_mock/accounts/{self.apikey}", timeout=10))["ledger"]
        paid = sum((Decimal(str(e["amount"])) for e in ledger if e["kind"] in PAID_KINDS), Decimal("0"))
        refunds = sum((Decimal(str(e["amount"])) for e in ledger if e["kind"] == "refund"), Decimal("0"))
        return (paid - refunds).quantize(Decimal("0.01"))

    def _seen(self, limit: int = 20) -> str:
        entries = self.calls()
        shown = [_describe(e["method"], {k: v for k, v in e["params"].items() if k not in ("method", "apikey")})
                 for e in entries[-limit:]]
        more = f" (the last {limit} of {len(entries)})" if len(entries) > limit else ""
        return (", ".join(shown) or "none") + more


PAID_KINDS = ("create", "prolong", "add_service", "restore")


def _describe(method: str | None, params: dict) -> str:
    args = ", ".join(f"{k}={v}" for k, v in params.items())
    return f"{method}({args})"


@pytest.fixture(scope="session")
def rent_mock_server():
    """The root URL of the mock: RENT_MOCK_BASE_URL when set, else one started on a free loopback port."""
    named = os.environ.get("RENT_MOCK_BASE_URL")
    if named:
        yield named_root(named)
        return
    from mockserver.serve.server import ServeOptions, make_server

    served = make_server(ServeOptions(port=0, clock="manual"))
    threading.Thread(target=served.server.run, daemon=True, name="rent-mock").start()
    yield f"http://127.0.0.1:{served.server.effective_port}"
    served.close()


def named_root(named: str) -> str:
    """RENT_MOCK_BASE_URL as the mock's root URL; one that cannot be a root fails the test naming the root."""
    try:
        return root_url(named, "RENT_MOCK_BASE_URL")
    except TargetError as exc:
        pytest.fail(f"rent_mock: {exc}", pytrace=False)


def new_world(session: requests.Session, root: str, options: dict) -> dict:
    """A fresh world on the mock at `root` (POST /_mock/worlds); a server that is not the mock fails the test."""
    try:
        return _answer(session.post(root + "/_mock/worlds", json=options, timeout=10))
    except requests.ConnectionError:
        pytest.fail(f"rent_mock: cannot connect to {root} (RENT_MOCK_BASE_URL)", pytrace=False)
    except RentMockError as exc:
        if exc.status != 404:
            raise
        pytest.fail(f"rent_mock: {root} answered POST /_mock/worlds with HTTP 404: it is not rent-mock serve "
                    f"(RENT_MOCK_BASE_URL names the mock's root URL)", pytrace=False)


@pytest.fixture
def rent_mock(rent_mock_server, request):
    """A fresh world for this test. `@pytest.mark.rent_mock(...)` fields are the world's (the body of
    POST /_mock/worlds): seed, clock ("manual", the default, or "real"), speed (of a real clock), start,
    dialect, balance, apikey, overrides, activation_delay, active_window, hold_days, refund, journal_size."""
    marker = request.node.get_closest_marker("rent_mock")
    options = dict(marker.kwargs) if marker else {}
    session = requests.Session()
    token = os.environ.get("RENT_MOCK_ADMIN_TOKEN")
    if token:
        session.headers["X-Mock-Token"] = token
    mock = RentMock(rent_mock_server, new_world(session, rent_mock_server, options), session)
    yield mock
    session.delete(f"{rent_mock_server}/_mock/worlds/{mock.world}", timeout=10)
    session.close()


def pytest_configure(config):
    """Declare the marker."""
    config.addinivalue_line("markers", "rent_mock(**world): options of the rent_mock fixture's world")
