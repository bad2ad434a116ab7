"""`rent-mock load`: a short bounded Locust run on 127.0.0.1; validation and the books audit."""
import threading

import pytest

from waitress import create_server

from mockserver.server import stop_waitress

from simulator.load import audit, run_load
from tests.broken_server import make_app


def test_short_load_run_against_the_mock_keeps_the_books(live_server):
    stats, problems = run_load(live_server, None, users=4, spawn_rate=4, seconds=6, max_requests=400,
                               dialect="documented", speed=600, think=(0.05, 0.2))
    assert stats["requests"] > 50 and stats["failures"] == 0, stats["errors"]
    assert {"create", "activate", "orders", "sms", "delete"} <= set(stats["methods"])
    assert all(m["p99_ms"] >= m["p50_ms"] for m in stats["methods"].values())
    assert problems == [] and len(stats["apikeys"]) == 4


def test_audit_finds_broken_books(live_world):
    import requests

    base, world, key = live_world
    made = requests.get(f"{base}/api/rent.php", params={"method": "create", "apikey": key, "dtype": "week",
                                                        "dcount": 1, "country": "RU", "service": "opt16"},
                        timeout=10).json()["data"]
    assert audit(base, [key]) == []
    snap = requests.get(f"{base}/_mock/worlds/{world}/snapshot", timeout=10).json()
    account = next(a for a in snap["accounts"] if a["apikey"] == key)
    account["balance"] = "1000.00"  # money out of nowhere
    twin = next(o for o in snap["orders"] if o["id"] == made["id"])
    snap["orders"].append({**twin, "id": twin["id"] + 10_000_000})  # the same number rented twice
    account["live"].append(twin["id"] + 10_000_000)
    requests.put(f"{base}/_mock/worlds/{world}/snapshot", json=snap, timeout=10).raise_for_status()
    problems = audit(base, [key])
    assert f"{key}: credits 100 − debits 3.43 ≠ balance 1000" in problems
    assert f"number {made['ccode']}{made['pnumber']} rented 2 times" in problems


@pytest.fixture
def broken():
    calls = []
    server = create_server(make_app(calls), host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    stop_waitress(server)


def test_load_reports_contract_failures_of_another_server(broken):
    stats, problems = run_load(broken, "k", users=2, spawn_rate=2, seconds=3, max_requests=60,
                               dialect="documented", speed=1, think=(0.05, 0.1))
    assert problems is None  # not the mock: no books to audit
    assert stats["failures"] > 0
    assert stats["methods"]["getdata"]["failures"] == stats["methods"]["getdata"]["requests"]
