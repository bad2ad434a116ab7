"""`rent-mock load`: a short bounded Locust run on 127.0.0.1; validation and the books audit."""
import re
import threading
from collections import Counter
from decimal import Decimal

import pytest

from waitress import create_server

from click.testing import CliRunner
from flask import Flask, jsonify

from mockserver.serve.server import stop_waitress

from simulator.load import audit, load_command, parse_think, run_load, user_report
from tests.broken_server import make_app


def test_short_load_run_against_the_mock_keeps_the_books(live_server):
    stats, problems = run_load(live_server, None, users=4, spawn_rate=4, seconds=6, max_requests=400,
                               dialect="documented", speed=600, think=(0.05, 0.2))
    assert stats["requests"] > 50 and stats["failures"] == 0, stats["errors"]
    assert {"create", "activate", "orders", "sms", "delete"} <= set(stats["methods"])
    assert all(m["p99_ms"] >= m["p50_ms"] for m in stats["methods"].values())
    assert problems == [] and len(stats["apikeys"]) == 4
    assert stats["users"] == {"asked": 4, "spawned": 4, "started": 4, "could_not_start": 0, "start_errors": {},
                              "stalled": 0, "stall_seconds": 10.0}
    assert Decimal(stats["spent"]) > 0


def test_audit_finds_broken_books():
    import dataclasses
    from decimal import Decimal

    import requests

    from mockserver.serve.server import ServeOptions, make_server

    # the mock refuses a snapshot with broken books (#9 item 12), so the books are broken in its memory
    served = make_server(ServeOptions(port=0, clock="manual", start=1_700_000_000, apikey="k-audit",
                                      dialect="documented"))
    threading.Thread(target=served.server.run, daemon=True).start()
    base, key = f"http://127.0.0.1:{served.server.effective_port}", "k-audit"
    try:
        made = requests.get(f"{base}/api/rent.php", params={"method": "create", "apikey": key, "dtype": "week",
                                                            "dcount": 1, "country": "RU", "service": "opt16"},
                            timeout=10).json()["data"]
        assert audit(base, [key]) == []
        snap = requests.get(f"{base}/_mock/worlds/default/snapshot", timeout=10).json()
        next(a for a in snap["accounts"] if a["apikey"] == key)["balance"] = "1000.00"
        assert requests.put(f"{base}/_mock/worlds/default/snapshot", json=snap, timeout=10).status_code == 400
        world = served.hub.worlds["default"]
        with world.lock:
            account = world.accounts[key]
            account.balance = Decimal("1000.00")  # money out of nowhere
            twin = dataclasses.replace(world.orders[made["id"]], id=made["id"] + 10_000_000)
            world.orders[twin.id] = twin  # the same number rented twice
            account.live[twin.id] = None
            world.touch()
        problems = audit(base, [key])
        assert f"{key}: credits 100 − debits 3.43 ≠ balance 1000" in problems
        assert f"number {made['ccode']}{made['pnumber']} rented 2 times" in problems
    finally:
        served.close()


@pytest.fixture
def broken():
    calls = []
    server = create_server(make_app(calls), host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    stop_waitress(server)


def test_load_reports_contract_failures_of_another_server(broken):
    stats, problems = run_load(broken, "k", users=2, spawn_rate=2, seconds=3, max_requests=60,
                               dialect="documented", speed=1, think=(0.05, 0.1), allow_spend=True,
                               max_spend=Decimal("50"))
    assert problems is None  # not the mock: no books to audit
    assert stats["dialect"] == "documented" and stats["speaks"] == []  # its answers fit no dialect
    assert 0 < Decimal(stats["spent"]) <= 50  # priced from its catalogue (opt16 at "2.5" a day), within the cap
    assert stats["failures"] > 0
    assert stats["methods"]["getdata"]["failures"] == stats["methods"]["getdata"]["requests"]
    assert stats["methods"]["create"]["failures"] == stats["methods"]["create"]["requests"] > 0  # its HTTP 500


def test_a_server_that_is_not_the_mock_needs_a_capped_spend(broken):
    result = CliRunner().invoke(load_command, ["--base-url", broken, "--apikey", "k", "--seconds", "1"])
    assert result.exit_code == 2
    assert "load rents numbers, which costs money on this server: pass --allow-spend --max-spend AMOUNT" \
        in result.output
    capless = CliRunner().invoke(load_command, ["--base-url", broken, "--apikey", "k", "--allow-spend"])
    assert capless.exit_code == 2 and "--allow-spend needs --max-spend" in capless.output


def test_think_takes_one_value_or_a_range_and_refuses_garbage_in_one_line(live_server):
    assert parse_think("1") == (1.0, 1.0) and parse_think("0.5,2") == (0.5, 2.0)
    bad = CliRunner().invoke(load_command, ["--base-url", live_server, "--think", "2,1"])
    assert bad.exit_code == 2 and "Invalid value for --think: '2,1': give MIN,MAX seconds" in bad.output
    assert bad.exception is None or isinstance(bad.exception, SystemExit)


def test_stalled_users_are_those_the_server_left_without_an_answer_for_five_think_times():
    # three users wait for an answer: since 95 s and 91 s (not yet stalled), since 80 s (stalled)
    report = user_report(4, 4, Counter(), 4, [95.0, 91.0, 80.0], ended=100.0, think_max=2.0)
    assert report["started"] == 4 and report["stalled"] == 1 and report["stall_seconds"] == 10.0
    assert user_report(4, 4, Counter(), 4, [], ended=100.0, think_max=2.0)["stalled"] == 0  # all answered


@pytest.fixture
def walled_mock():
    """A mock-like server whose accounts call is refused, as a server at its connection limit does."""
    app = Flask(__name__)
    app.get("/_mock/health", endpoint="health")(lambda: jsonify(ok=True))
    app.get("/_mock/worlds/default", endpoint="default")(lambda: jsonify(world="default", dialect="documented"))
    app.post("/_mock/worlds", endpoint="new")(lambda: (jsonify(world="w1", apikey="k", base_path="/w/w1"), 201))
    app.delete("/_mock/worlds/w1", endpoint="drop")(lambda: jsonify(deleted=True))
    app.post("/_mock/accounts", endpoint="wall")(lambda: (jsonify(error="too many connections"), 503))
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    stop_waitress(server)


def test_users_that_could_not_start_fail_the_run(walled_mock):
    result = CliRunner().invoke(load_command, ["--base-url", walled_mock, "--users", "3", "--spawn-rate", "10",
                                               "--seconds", "2", "--think", "0.05,0.1"])
    assert result.exit_code == 1, result.output
    assert "users: 3 asked, 3 spawned, 0 ran" in result.output
    assert re.search(r"^load: \d of 2 s: \d+ requests, 0 users running$", result.output, re.M)  # progress
    assert "3 users could not start: {'HTTP 503': 3}" in result.output


def test_the_report_prints_the_servers_words_as_text_and_method_names_whole():
    # a failure reason quoting "[/b]" from an answer was a MarkupError traceback; at 80 columns (CI logs) the
    # method column cut "prolong_max" to "prolong_…", which could be either prolong
    import io

    from rich.console import Console

    from simulator.load import show
    row = {"requests": 5, "failures": 0, "rps": 0.5, "p50_ms": 18, "p95_ms": 23, "p99_ms": 23}
    stats = {"requests": 10, "rps": 1.0, "failures": 2, "dialect": "live", "spent": "1.00",
             "methods": {"prolong_max": row, "get_rent_history": row},
             "errors": [{"name": "sms", "error": "data.SmsList: '[/b]' is not of type 'array'", "occurrences": 2}],
             "users": {"asked": 1, "spawned": 1, "started": 1, "could_not_start": 0, "stalled": 0}}
    console = Console(file=io.StringIO(), width=80)
    show(stats, [], console)
    lines = console.file.getvalue().splitlines()
    assert "✗ sms: data.SmsList: '[/b]' is not of type 'array' ×2" in lines
    first_column = "".join(line.split("│")[1].strip() for line in lines if line.startswith("│"))
    assert first_column == "prolong_maxget_rent_history" and "…" not in "".join(lines)


@pytest.mark.parametrize("config, admitted", [
    ({"apikey": "k"}, [False, False]),  # started by hand against another server without max_spend: nothing rented
    ({"apikey": "k", "max_spend": "5", "prices": [["KZ", "opt16", "0.60"]]}, [True, False]),  # 4.20, then over 5
    ({"mock": True, "world": "w"}, [True, True]),  # the mock's play money
])
def test_the_locust_users_spend_only_within_a_cap_outside_the_mock(config, admitted):
    # Locust's master/worker mode (docs/simulator.md) reads RENT_LOAD_CONFIG itself: without max_spend its users
    # rented without any cap on a real server (and RU opt59, which the live catalogue lacks, when offers were absent)
    import json
    import os
    import subprocess
    import sys
    code = ("from simulator import locust_run as l; "
            "q = {'method': 'create', 'apikey': 'k', 'dtype': 'week', 'dcount': 1, 'country': 'KZ', 'service': 'opt16'}; "
            "print([l.admitted('create', q), l.admitted('create', q)])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "RENT_LOAD_CONFIG": json.dumps(config)})
    assert done.stdout.strip() == str(admitted), done.stderr[-2000:]
