"""Every pair of control calls (and rent.php beside them) run in parallel on a live server: none may hang.

Each pair runs on a private server (a deadlock would stop it for good), both sides looping at once on
the default world, so world-scoped calls, calls that replace the world (reset, delete, snapshot PUT) and
calls that take the hub meet in every order. A hang fails the test through the client's read timeout.
"""
from __future__ import annotations

import itertools
import sys
import threading
import time

import pytest
import requests

from mockserver.serve.server import ServeOptions, make_server

START = 1_700_000_000
KEY = "pairs-key"
LOOPS = 3  # calls per thread per pair: looping, a world is replaced while another thread waits for it
PER_SIDE = 3  # threads per call of a pair
HANG = 10  # seconds without an answer that count as a hang


def calls(ctx: dict) -> dict[str, tuple[str, str, object]]:
    """Every control route with a valid body, plus rent.php reads and writes: name -> (verb, path, body)."""
    order, rule = ctx["order"], ctx["rule"]
    rent = {"method": "create", "apikey": KEY, "dtype": "week", "dcount": 1, "country": "RU", "service": "opt16"}
    return {
        "GET /health": ("GET", "/_mock/health", None),
        "POST /worlds": ("POST", "/_mock/worlds", {"seed": 2}),
        "GET /worlds": ("GET", "/_mock/worlds", None),
        "POST /reset": ("POST", "/_mock/reset", {}),
        "POST /accounts": ("POST", "/_mock/accounts", {"balance": "5"}),
        "GET /clock": ("GET", "/_mock/clock", None),
        "POST /clock": ("POST", "/_mock/clock", {"advance": 60}),
        "POST /sms": ("POST", "/_mock/sms", {"order": order, "text": "code 1"}),
        "GET /catalogue": ("GET", "/_mock/catalogue", None),
        "POST /catalogue/offers": ("POST", "/_mock/catalogue/offers",
                                   {"country": "RU", "service": "opt16", "price_day": "1.25"}),
        "DELETE /catalogue/offers": ("DELETE", "/_mock/catalogue/offers", {"country": "RU", "service": "opt59"}),
        "POST /catalogue/services": ("POST", "/_mock/catalogue/services", {"code": "opt200", "name": "My app"}),
        "POST /faults": ("POST", "/_mock/faults", {"method": "getcountries", "kind": "status0", "msg": "x"}),
        "GET /faults": ("GET", "/_mock/faults", None),
        "DELETE /faults": ("DELETE", "/_mock/faults", None),
        "GET /journal": ("GET", "/_mock/journal", None),
        "DELETE /journal": ("DELETE", "/_mock/journal", None),
        "GET /orders": ("GET", f"/_mock/orders?apikey={KEY}", None),
        "GET /worlds/<world>": ("GET", "/_mock/worlds/default", None),
        "DELETE /worlds/<world>": ("DELETE", "/_mock/worlds/default", None),
        "GET /worlds/<world>/snapshot": ("GET", "/_mock/worlds/default/snapshot", None),
        "PUT /worlds/<world>/snapshot": ("PUT", "/_mock/worlds/default/snapshot", ctx["snapshot"]),
        "DELETE /catalogue/countries/<country>": ("DELETE", "/_mock/catalogue/countries/AR", None),
        "GET /accounts/<apikey>": ("GET", f"/_mock/accounts/{KEY}", None),
        "POST /accounts/<apikey>/balance": ("POST", f"/_mock/accounts/{KEY}/balance", {"amount": "1"}),
        "POST /orders/<int:order>/state": ("POST", f"/_mock/orders/{order}/state", {"state": 1}),
        "DELETE /faults/<int:rule>": ("DELETE", f"/_mock/faults/{rule}", None),
        "GET /orders/<int:order>/sms": ("GET", f"/_mock/orders/{order}/sms", None),
        "POST /scenarios": ("POST", "/_mock/scenarios", {"scenario": "happy-path"}),
        "GET /scenarios": ("GET", "/_mock/scenarios", None),
        "rent.php create": ("GET", "/api/rent.php", rent),
        "rent.php orders": ("GET", "/api/rent.php", {"method": "orders", "apikey": KEY}),
    }


def send(session: requests.Session, base: str, verb: str, path: str, body) -> requests.Response:
    if path == "/api/rent.php":
        return session.get(base + path, params=body, timeout=(5, HANG))
    return session.request(verb, base + path, json=body, timeout=(5, HANG))


def test_the_table_names_every_control_route():
    from mockserver.http.app import create_app
    from mockserver.serve.server import build_hub

    app = create_app(build_hub(ServeOptions(clock="manual", dialect="documented")))  # the reference catalogue: RU
    routes = {f"{verb} {rule.rule.removeprefix('/_mock')}" for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("control.") for verb in rule.methods - {"HEAD", "OPTIONS"}}
    table = {name for name in calls({"order": 1, "rule": 1, "snapshot": {}}) if not name.startswith("rent.php")}
    assert routes == table


@pytest.fixture
def server():
    served = make_server(ServeOptions(port=0, clock="manual", start=START, apikey=KEY, balance="1000000",
                                      dialect="documented"))
    thread = threading.Thread(target=served.server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{served.server.effective_port}"
    served.server.close()  # no final checkpoint (no --state); a hung worker stays a daemon thread


@pytest.fixture
def preemptive():
    """Switch threads every 10 microseconds (not 5 ms) so lock windows of a few lines overlap often."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def _prepare(session: requests.Session, base: str, snapshot) -> dict:
    """Fresh default world with a running order and a fault rule: what the calls refer to."""
    assert send(session, base, "POST", "/_mock/reset", {}).status_code == 200
    made = send(session, base, "GET", "/api/rent.php", {"method": "create", "apikey": KEY, "dtype": "week",
                                                         "dcount": 1, "country": "RU", "service": "opt16"}).json()
    rule = send(session, base, "POST", "/_mock/faults", {"method": "getcountries", "kind": "status0"}).json()
    return {"order": made["data"]["id"], "rule": rule["id"], "snapshot": snapshot}


def test_every_pair_of_control_calls_in_parallel_never_hangs(server, preemptive):
    setup = requests.Session()
    snapshot = send(setup, server, "GET", "/_mock/worlds/default/snapshot", None).json()
    names = list(calls({"order": 1, "rule": 1, "snapshot": snapshot}))
    pairs = list(itertools.combinations_with_replacement(names, 2))
    sides = [requests.Session() for _ in range(2 * PER_SIDE)]
    failures: list[str] = []
    started = time.monotonic()

    def side(n: int, call, barrier: threading.Barrier) -> None:
        verb, path, body = call
        barrier.wait(HANG)
        for _ in range(LOOPS):
            try:
                status = send(sides[n], server, verb, path, body).status_code
            except requests.RequestException as exc:
                failures.append(f"{verb} {path}: {type(exc).__name__}")
                return
            if status >= 500:
                failures.append(f"{verb} {path}: HTTP {status}")

    for first, second in pairs:
        table = calls(_prepare(setup, server, snapshot))
        barrier = threading.Barrier(2 * PER_SIDE)
        threads = [threading.Thread(target=side, args=(n, table[name], barrier), daemon=True)
                   for n, name in enumerate((first, second) * PER_SIDE)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(LOOPS * HANG + 5)
        assert not failures, f"{first} with {second}: {failures}"
    elapsed = time.monotonic() - started
    print(f"{len(pairs)} pairs x {PER_SIDE} threads x {LOOPS} calls per side in parallel, no hang, {elapsed:.1f} s")


def test_a_world_replaced_while_waited_for_is_found_again(shipped_catalogue):
    from tests.conftest import make_hub

    hub = make_hub(shipped_catalogue)
    old = hub.worlds["default"]
    answers = iter([old])

    def find():
        world = next(answers, None) or hub.worlds["default"]
        if world is old:
            hub.reset("default")  # replaced after it was found, before its lock was taken
        return world

    with hub.hold(find) as world:
        assert old.retired and world is hub.worlds["default"] and world is not old
    assert hub.top_up("k-alice", "5") == 105  # the account of the world in place, not of the retired one
