"""A hostile upstream (tests/hostile_server.py, and a mock that answers a create slowly) cannot crash the proxy,
hold a call past --timeout, fill its memory or recording, send it elsewhere, or write what is not JSON."""
from __future__ import annotations

import io
import json
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
import requests

from contracts.proxy.cost import Prices
from contracts.proxy.upstream import Upstream
from tests.hostile_server import HostileServer
from tests.proxy_helpers import CLIENT_KEY, charged, mock_upstream, offer, proxy, rent, serve

TIMEOUT = 1.0


@pytest.fixture(scope="module")
def hostile():
    with HostileServer(drip=0.2) as server:
        yield server


def _through(url: str, **settings) -> tuple[requests.Response, float, list[dict], dict]:
    """getcountries through a proxy in front of `url`: (answer, seconds taken, recorded lines, summary)."""
    record = io.StringIO()
    guarded = proxy(url, record, timeout=TIMEOUT, **settings)
    started = time.monotonic()
    answer = rent(guarded.url, method="getcountries")
    took = time.monotonic() - started
    summary = guarded.close()
    lines = [json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} recorded"))
             for line in record.getvalue().splitlines()]
    return answer, took, lines, summary


@pytest.mark.parametrize("mode, said", [
    ("deep", "malformed: JSON nested deeper than 64 levels (200020 bytes)"),
    ("huge", "too-large: answer refused at "),
    ("huge-length", "too-large: answer of 314572800 bytes refused (more than 4194304)"),
    ("drip", "timeout: no complete answer within --timeout 1 s"),
    ("chunked", "timeout: no complete answer within --timeout 1 s"),
    ("silent", "timeout: no complete answer within --timeout 1 s"),
    ("redirect", "redirect: HTTP 302 redirect to elsewhere.invalid not followed"),
    ("nan", "malformed: NaN is not a JSON number (23 bytes)"),
    ("infinity", "malformed: Infinity is not a JSON number (38 bytes)"),
    ("html", "malformed: not JSON: Expecting value at character 0 (35 bytes)"),
    ("close", "connection: the server closed the connection without an answer"),
    ("cut", "connection: the answer was cut short"),
])
def test_a_hostile_answer_is_a_json_502_with_its_reason_and_recorded(hostile, mode, said):
    answer, took, lines, summary = _through(hostile.url(mode))
    assert answer.status_code == 502
    assert answer.json()["status"] == 0 and answer.json()["msg"].startswith(f"rent-mock proxy: the upstream failed: {said}")
    assert took < TIMEOUT + 1.0  # the whole call, whatever the upstream does
    (line,) = lines
    assert line["upstream_error"].startswith(said) and "answer" not in line
    assert summary["upstream_errors"] == {said.split(":")[0]: 1}
    if mode == "redirect":  # reported, never followed: the upstream saw the one call, nothing went elsewhere
        assert [r[2] for r in hostile.requests if r[0] == "redirect"][-1:] == ["/api/rent.php"]


@pytest.mark.parametrize("mode, fact", [("types", "getcountries: an answer no dialect knows"),
                                        ("status", "getcountries: an answer no dialect knows")])
def test_wrong_types_are_passed_on_and_judged(hostile, mode, fact):
    answer, _, (line,), summary = _through(hostile.url(mode))
    assert answer.status_code == 200 and answer.content == {"types": b'{"status":1,"data":["a","b"]}',
                                                            "status": b'{"status":"1","data":{}}'}[mode]
    assert line["verdict"]["fits"] == [] and summary["new_facts"] == {fact: 1}


def test_wrong_types_are_never_spent_on(hostile):
    guarded = proxy(hostile.url("types"), timeout=TIMEOUT, allow_spend=True, max_spend=Decimal("5"))
    r = rent(guarded.url, method="create", apikey=CLIENT_KEY, dtype="week", dcount="1", country="RU", service="opt4")
    summary = guarded.close()
    assert r.json() == {"status": 0, "msg": "rent-mock proxy: create refused: the account's balance cannot be read "
                                            "before it, so what it costs could not be measured (the balance API "
                                            "answered \"{'status': 1, 'data': ['a', 'b']}\")"}
    assert summary["spent"] == "0"
    query = {"apikey": "k", "dtype": "week", "dcount": "1", "country": "RU", "service": "opt4"}
    assert Prices(Upstream(hostile.url("types"), TIMEOUT)).quote("create", query) == \
        (None, "country 'RU' is not among the upstream's countries")


def test_a_huge_answer_is_refused_as_it_streams_without_being_held(hostile):
    tracemalloc.start()
    try:
        answer, took, (line,), _ = _through(hostile.url("huge"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status_code == 502 and "more than 4194304" in answer.json()["msg"]
    assert peak < 24 * 1024 * 1024  # a few times the 4 MiB cap, never the 300 MB sent
    assert len(json.dumps(line)) < 2000


def test_max_answer_bytes_bounds_every_answer(hostile):
    served = mock_upstream()
    base = serve(served)
    try:
        country, _, _ = offer(base)
        record = io.StringIO()
        guarded = proxy(base, record, max_bytes=2048)
        small = rent(guarded.url, method="getcountries")
        big = rent(guarded.url, method="getdataWithProviders", country=country)
        guarded.close()
    finally:
        served.close()
    assert small.status_code == 200
    assert big.status_code == 502 and "too-large: answer of " in big.json()["msg"] and "(more than 2048)" in big.json()["msg"]


class SlowCreate:
    """WSGI around a mock: a create is charged at once, its answer then trickles a byte every 0.3 s."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        body = b"".join(self.app(environ, start_response))
        if dict(parse_qsl(environ.get("QUERY_STRING", ""))).get("method") != "create":
            return [body]
        return self._trickle(body)

    @staticmethod
    def _trickle(body: bytes):
        for byte in body:
            time.sleep(0.3)
            yield bytes([byte])


def test_the_deadline_bounds_a_spending_call_and_a_slow_charge_still_counts():
    served = mock_upstream()
    base = serve(served)
    country, service, price = offer(base)
    served.server.application = SlowCreate(served.server.application)
    record = io.StringIO()
    guarded = proxy(base, record, timeout=1.5, allow_spend=True, max_spend=Decimal("100"))
    query = {"method": "create", "apikey": CLIENT_KEY, "dtype": "week", "dcount": "1", "country": country,
             "service": service}
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(2) as pool:  # the second waits for the guard, which the first holds
            first, second = pool.map(lambda _: rent(guarded.url, **query), range(2))
        took = time.monotonic() - started
        summary = guarded.close()
        spent_upstream = charged(base)
    finally:
        served.close()
    slow, waited = sorted([first, second], key=lambda r: r.status_code, reverse=True)
    assert slow.json()["msg"] == "rent-mock proxy: the upstream failed: timeout: no complete answer within --timeout 1.5 s"
    # the other waited for the guard and, most of its time spent there, was refused before anything left
    assert waited.json()["msg"] == ("rent-mock proxy: create refused: other spending calls held the guard for most "
                                    "of its --timeout")
    assert took < 1.5 + 1.0
    week = (price * 7).quantize(Decimal("0.01"))
    # charged, its answer never came and the balance could not be read after: it counts at its price
    assert spent_upstream == week == Decimal(summary["spent"])
    (entry,) = [json.loads(line) for line in record.getvalue().splitlines() if "estimate" in line]
    assert entry["unmeasured"].startswith("the balance API failed: timeout: ")


def test_every_recorded_line_is_json_whatever_the_upstream_sends(hostile):
    record = io.StringIO()
    guarded = proxy(hostile.url("nan"), record, timeout=TIMEOUT)
    threads = [threading.Thread(target=rent, args=(guarded.url,), kwargs={"method": "getcountries"}) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    guarded.close()
    text = record.getvalue()
    assert "NaN" not in text.replace("NaN is not a JSON number", "")
    assert len([json.loads(line) for line in text.splitlines()]) == 4


def test_idle_connections_do_not_shut_the_proxy_out():
    # waitress's defaults: 100 connections at most and no deadline for a request, so 100 idle sockets (or a
    # request sent a byte at a time) left every client waiting. The proxy now listens as the mock does.
    import socket

    served = mock_upstream()
    base = serve(served)
    guarded = proxy(base)
    host, port = guarded.url.rsplit("/", 1)[1].split(":")
    idle = []
    try:
        for _ in range(150):
            idle.append(socket.create_connection((host, int(port)), timeout=10))
        r = requests.get(f"{guarded.url}/api/rent.php", params={"method": "getcountries"}, timeout=5)
        assert r.json()["status"] == 1
        assert guarded.server.adj.connection_limit > 150 and guarded.server.request_timeout == 10.0
    finally:
        for sock in idle:
            sock.close()
        guarded.close()
        served.close()
