"""`rent-mock proxy` on loopback: the upstream is another mock (per dialect) or the broken server.

The spending guard's tests are in test_proxy_cap.py."""
from __future__ import annotations

import io
import json
import socket
import threading
from decimal import Decimal

import click
import pytest
import requests
from click.testing import CliRunner
from rich.console import Console

from contracts.proxy import importer
from contracts.proxy.report import print_summary
from contracts.proxy.upstream import Upstream
from mockserver.cli import main
from mockserver.core.catalogue import parse
from mockserver.serve.shadow import start_shadow
from mockserver.serve.server import ServeOptions, make_server, stop_waitress
from tests.broken_server import make_app
from tests.proxy_helpers import REAL_KEY, START, balance, documented_upstream, mock_upstream, offer, proxy, rent, serve

__all__ = ["documented_upstream"]  # a fixture, used by name


@pytest.fixture(params=["documented", "sdk"])
def upstream(request):
    """A mock standing in for the live service, in one dialect, funded account REAL_KEY."""
    served = mock_upstream(request.param)
    yield serve(served), request.param
    served.close()


def test_forwards_unchanged_judges_and_records_redacted(upstream):
    base, dialect = upstream
    record = io.StringIO()
    guarded = proxy(base, record)
    try:
        for query in ({"method": "getcountries"}, {"method": "orders", "apikey": "client-key"},
                      {"method": "sms", "id": "1", "apikey": "client-key"}):
            direct = rent(base, **{**query, "apikey": REAL_KEY} if "apikey" in query else query)
            via = rent(guarded.url, **query)
            assert via.status_code == 200
            assert via.json() == direct.json()
        summary = requests.get(f"{guarded.url}/_mock/proxy", timeout=10).json()
    finally:
        guarded.close()
    assert summary["calls"] == {"getcountries": 1, "orders": 1, "sms": 1}
    assert dialect in summary["dialects"]["getcountries"]
    assert summary["dialects"]["orders"][dialect] == 1
    lines = [json.loads(line) for line in record.getvalue().splitlines()]
    assert [e["method"] for e in lines] == ["getcountries", "orders", "sms"]
    assert REAL_KEY not in record.getvalue() and "client-key" not in record.getvalue()
    assert lines[1]["query"]["apikey"] == "***"
    assert dialect in lines[0]["verdict"]["fits"] and lines[0]["verdict"]["reference"] == [] or dialect != "documented"
    assert lines[0]["elapsed_ms"] >= 0 and lines[0]["http_status"] == 200


def test_sdk_shape_breaks_the_reference_and_says_so():
    served = make_server(ServeOptions(port=0, clock="manual", start=START, apikey=REAL_KEY, dialect="sdk"))
    base = serve(served)
    guarded = proxy(base)
    try:
        rent(guarded.url, method="getdata", country=offer(base)[0])
        summary = guarded.close()
    finally:
        served.close()
    assert summary["dialects"]["getdata"] == {"sdk": 1, "live": 1}  # live answers getdata as the sdk does
    assert any("data" in reason for reason in summary["reference_broken"]["getdata"])


def test_spy_answers_spending_from_a_mock_world_at_live_prices(documented_upstream):
    base = documented_upstream
    country, service, price = offer(base)
    shadow, served = start_shadow(Upstream(base), "documented", [country], REAL_KEY)
    guarded = proxy(base, shadow=shadow, mode="spy")
    try:
        created = rent(guarded.url, method="create", apikey="client-key", dtype="week", dcount="1",
                        country=country, service=service).json()
        orders = rent(guarded.url, method="orders", apikey="client-key").json()
        shown = rent(guarded.url, method="getdata", country=country).json()["data"]
        summary = guarded.close()
    finally:
        served.close()
    assert created["status"] == 1
    assert [o["id"] for o in orders["data"]] == [created["data"]["id"]]
    assert balance(base) == Decimal("200")  # the upstream account was never charged
    assert rent(base, method="orders", apikey=REAL_KEY).json()["data"] == []
    assert next(i for i in shown if i["service"] == service)["price_day"] == float(price)
    assert summary["calls"]["getdata"] == 1 and summary["spent"] == "0"
    journal = requests.get(f"{base}/_mock/journal", timeout=10).json()
    assert "getdata" in [e["method"] for e in journal["entries"]]
    assert "create" not in [e["method"] for e in journal["entries"]]


def test_diff_reports_planted_money_difference_and_marks_dialect_differences_known():
    # a real clock, as the live service has: `until` is then comparable with the shadow's
    upstream = make_server(ServeOptions(port=0, clock="real", apikey=REAL_KEY, balance="200", dialect="documented"))
    base = serve(upstream)
    country, service, price = offer(base)
    shadow, served = start_shadow(Upstream(base), "sdk", [country], REAL_KEY)
    record = io.StringIO()
    guarded = proxy(base, record, shadow=shadow, mode="diff", allow_spend=True, max_spend=Decimal("1000"))
    try:
        same = rent(guarded.url, method="getdataWithProviders", country=country).json()
        requests.post(f"{base}/_mock/catalogue/offers", json={"country": country, "service": service,
                                                              "price_day": str(price + 1)}, timeout=10)
        rent(guarded.url, method="getdataWithProviders", country=country)
        # an order made behind the proxy's back: the upstream's next id is then one ahead of the shadow's
        rent(base, method="create", apikey=REAL_KEY, dtype="week", dcount="1", country=country, service=service)
        made = rent(guarded.url, method="create", apikey="client-key", dtype="week", dcount="1", country=country,
                     service=service).json()
        rent(guarded.url, method="sms", apikey="client-key", id=str(made["data"]["id"]))
        summary = guarded.close()
    finally:
        served.close()
        upstream.close()
    assert same["status"] == 1
    entries = [json.loads(line) for line in record.getvalue().splitlines()]
    assert [d for d in entries[0]["diffs"] if not d["known"]] == []
    planted = [d for d in entries[1]["diffs"] if not d["known"]]
    assert len(planted) == 1 and planted[0]["kind"] == "money"
    assert planted[0]["upstream"] == float(price + 1) and planted[0]["shadow"] == float(price)
    assert planted[0]["path"].endswith(".price_day")
    create_diffs = entries[2]["diffs"]
    assert {d["path"]: d["known"] for d in create_diffs}.get("data.id") is None  # mapped, so no difference
    assert shadow.ids == {made["data"]["id"]: made["data"]["id"] - 1}
    assert not [d for d in create_diffs if not d["known"]], create_diffs  # ids mapped, until within tolerance
    sms = entries[3]["diffs"]
    assert sms == [{"path": "data", "kind": "shape", "upstream": ["documented"], "shadow": ["live", "sdk"],
                    "known": "dialect variants differ (see docs/evidence.md)"}]
    assert summary["diffs"]["unknown"] == 1


def test_import_turns_a_recording_into_a_catalogue_the_mock_serves(documented_upstream, tmp_path):
    base = documented_upstream
    country, service, price = offer(base)
    rec = tmp_path / "rec.jsonl"
    with open(rec, "w", encoding="utf-8") as fh:
        guarded = proxy(base, fh)
        for query in ({"method": "getcountries"}, {"method": "get_default_services"},
                      {"method": "getdataWithProviders", "country": country}):
            rent(guarded.url, **query)
        guarded.close()
    out, ev = tmp_path / "cat.json", tmp_path / "ev.md"
    result = CliRunner().invoke(main, ["import", str(rec), "--catalogue", str(out), "--evidence", str(ev)])
    assert result.exit_code == 0, result.output
    cat = parse(json.loads(out.read_text(encoding="utf-8")))
    assert cat.countries[country].offers[service].price_day == price
    served = make_server(ServeOptions(port=0, clock="manual", start=START, catalogue=str(out), dialect="documented"))
    mock = serve(served)
    try:
        names = {c["code"]: c["name"] for c in rent(mock, method="getcountries").json()["data"]}
        recorded = {c["code"]: c["name"] for c in rent(base, method="getcountries").json()["data"]}
        assert names == recorded
    finally:
        served.close()
    rows = ev.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("| fact |") and len(rows) == 2 + 3
    assert "getcountries success | fits: documented" in rows[2]


def test_import_learns_each_countrys_number_form_from_a_create():
    builder = importer.CatalogueBuilder()
    countries = [{"name": "Portugal", "code": "PT"}, {"name": "Kazakhstan", "code": "KZ"}]
    builder.add({"method": "getcountries", "query": {}, "answer": {"status": 1, "data": countries}})
    builder.add({"method": "getdataWithProviders", "query": {"country": "PT"},
                 "answer": {"status": 1, "data": {"services": [{"service": "opt2", "name": "Facebook",
                                                               "price_day": 0.5, "count": {"Vodafone": 3}}]}}})
    builder.add({"method": "create", "query": {"country": "PT"},
                 "answer": {"status": 1, "data": {"id": 1, "pnumber": "351969179362", "ccode": "",
                                                  "service": "opt2", "until": 1}}})
    builder.add({"method": "create", "query": {"country": "KZ"},
                 "answer": {"status": 1, "data": {"id": 2, "pnumber": "7719141777", "ccode": "+7",
                                                  "service": "opt2", "until": 1}}})
    doc = builder.document()
    assert [(c["code"], c["number_form"]) for c in doc["countries"]] == [("KZ", "national"), ("PT", "full")]
    assert doc["countries"][1]["providers"] == [{"name": "Vodafone", "lease_days": importer.DEFAULT_LEASE_DAYS}]
    assert parse(doc).countries["PT"].offers["opt2"].price_day == Decimal("0.5")


@pytest.mark.parametrize("kind, settings, expected", [
    ("latency", {"latency_ms": 3000}, "timeout"),
    ("drop", {}, "connection"),
    ("malformed", {}, "malformed"),
])
def test_a_failing_upstream_is_reported_not_crashed_on(documented_upstream, kind, settings, expected):
    base = documented_upstream
    requests.post(f"{base}/_mock/faults", json={"kind": kind, "method": "getcountries", "times": 1, **settings},
                  timeout=10).raise_for_status()
    record = io.StringIO()
    guarded = proxy(base, record, timeout=1.0)
    try:
        bad = rent(guarded.url, method="getcountries")
        good = rent(guarded.url, method="getcountries")
        summary = guarded.close()
    finally:
        pass
    assert bad.status_code == 502
    assert bad.json()["status"] == 0 and bad.json()["msg"].startswith(f"rent-mock proxy: the upstream failed: {expected}")
    assert good.status_code == 200 and good.json()["status"] == 1
    assert summary["upstream_errors"] == {expected: 1}
    assert json.loads(record.getvalue().splitlines()[0])["upstream_error"].startswith(expected)


def test_a_broken_upstream_is_judged():
    from waitress import create_server

    calls = []
    server = create_server(make_app(calls), host="127.0.0.1", port=0)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    guarded = proxy(base)
    try:
        orders = rent(guarded.url, method="orders", apikey="client-key")
        rent(guarded.url, method="getcount", country="RU")
        crash = rent(guarded.url, method="delete", apikey="client-key", id="1")
        unknown = rent(guarded.url, method="getBalance")
        summary = guarded.close()
    finally:
        stop_waitress(server)
    assert orders.json() == {"status": "1", "data": [{"id": "40000"}]}
    assert calls[0][2]["apikey"] == REAL_KEY  # the map put the real key on the wire
    assert summary["dialects"].get("orders", {}) == {}
    assert summary["reference_broken"]["orders"] == {"body['status']: expected an integer, got '1'": 1}
    assert crash.status_code == 502 and "malformed" in crash.json()["msg"]  # its 500 page is not JSON
    assert unknown.json() == {"status": 0, "msg": "rent-mock proxy: unknown method 'getBalance': only the methods "
                                                  "the registry knows are sent, since another one may spend"}
    assert [c[1] for c in calls] == ["orders", "getcount", "delete"]  # the unknown method never left
    assert summary["new_facts"] == {"getcount: refusal text no dialect knows: 'database is locked'": 1,
                                    "orders: an answer no dialect knows": 1}


def test_the_official_sdk_runs_through_the_proxy_unchanged(documented_upstream):
    smspva = pytest.importorskip("smspva", reason="the test extra installs smspva-sdk")
    base = documented_upstream
    country, service, price = offer(base)
    guarded = proxy(base)
    open_ = proxy(base, allow_spend=True, max_spend=Decimal("100"))
    try:
        refused = smspva.SMSPVA("client-key", rental_base_url=guarded.url, timeout=10)
        with pytest.raises(smspva.ApiError) as info:
            refused.rental.create(dtype="week", dcount=1, country=country, service=service)
        assert info.value.response["msg"].startswith("rent-mock proxy: create spends money")
        client = smspva.SMSPVA("client-key", rental_base_url=open_.url, timeout=10)
        assert country in [c["code"] for c in client.rental.get_countries()["data"]]
        made = client.rental.create(dtype="week", dcount=1, country=country, service=service)["data"]
        assert [o["id"] for o in client.rental.get_orders()["data"]] == [made["id"]]
        assert client.rental.activate(id=made["id"])["data"] == {"id": made["id"]}
        assert client.rental.delete_order(id=made["id"])["data"] == {"id": made["id"]}
        summary = open_.close()
    finally:
        guarded.close()
    assert balance(base) == Decimal("200") - (price * 7).quantize(Decimal("0.01"))
    assert summary["calls"] == {"getcountries": 1, "create": 1, "orders": 1, "activate": 1, "delete": 1}
    assert summary["spent"] == str((price * 7).quantize(Decimal("0.01")))


def test_cli_refuses_uncapped_spending_and_bad_keys():
    runner = CliRunner()
    uncapped = runner.invoke(main, ["proxy", "--upstream", "http://127.0.0.1:9", "--allow-spend"])
    assert uncapped.exit_code == 2 and "--allow-spend needs --max-spend AMOUNT" in uncapped.output
    bad = runner.invoke(main, ["proxy", "--upstream", "http://127.0.0.1:9", "--apikey-map", "nokey"])
    assert bad.exit_code == 2 and "expected CLIENT_KEY=UPSTREAM_KEY, got 'nokey'" in bad.output
    both = runner.invoke(main, ["proxy", "--upstream", "http://127.0.0.1:9", "--spy", "--diff"])
    assert both.exit_code == 2 and "--spy and --diff exclude each other" in both.output


@pytest.mark.parametrize("args, said", [
    (["--upstream", "smspva.com"], "Error: --upstream 'smspva.com' has no scheme; give the root URL: https://smspva.com"),
    (["--upstream", "http://127.0.0.1:9/api/rent.php"],
     "Error: --upstream http://127.0.0.1:9/api/rent.php names rent.php itself; give the root URL: http://127.0.0.1:9"),
    (["--upstream", "http://127.0.0.1:9", "--record", "{tmp}/no/such/rec.jsonl"],
     "Error: Invalid value for '--record': {tmp}/no/such/rec.jsonl cannot be written: the folder {tmp}/no/such does "
     "not exist"),
    (["--upstream", "http://127.0.0.1:9", "--summary", "{tmp}"], "Error: Invalid value for '--summary': {tmp} is a "
                                                                "folder, not a file"),
    (["--upstream", "http://127.0.0.1:9", "--diff", "--shadow-dialect", "foo"],
     "Error: Invalid value for '--shadow-dialect': 'foo' is not one of 'documented', 'sdk', 'live'."),
    (["--upstream", "http://127.0.0.1:9", "--max-spend", "5"], "Error: --max-spend only applies with --allow-spend"),
    (["--upstream", "http://127.0.0.1:9", "--allow-spend", "--max-spend", "NaN"],
     "Error: Invalid value for --max-spend: not an amount: 'NaN'"),
    (["--upstream", "http://127.0.0.1:9", "--apikey-map", "abc=upstream-key"],
     "Error: Invalid value for --apikey-map: a key of fewer than 6 characters cannot be kept out of what the proxy "
     "writes; use longer stand-in keys"),
    (["--upstream", "http://127.0.0.1:9", "--host", "0.0.0.0", "--apikey-map", "client1=upstream-key-1"],
     "Error: --host 0.0.0.0 lets other machines reach the proxy, and a mapped client key then spends on the upstream "
     "account: give client keys of at least 20 random characters (python3 -c 'import secrets; "
     "print(secrets.token_hex(16))'), or listen on 127.0.0.1"),
])
def test_cli_refuses_a_wrong_upstream_or_path_before_any_work(tmp_path, args, said):
    result = CliRunner().invoke(main, ["proxy", *[a.format(tmp=tmp_path) for a in args]])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == said.format(tmp=tmp_path)
    assert "rent-mock proxy on" not in result.output and list(tmp_path.iterdir()) == []


def test_cli_meets_the_upstream_before_it_starts(documented_upstream):
    # a dead port or a wrong root was found only at the first call (a 502 per call); now one line, exit 2
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    for upstream, said in [(dead, f"Error: cannot connect to {dead}: Connection refused"),
                           (documented_upstream + "/nope", f"Error: {documented_upstream}/nope/api/rent.php answered HTTP "
                            f"404: {documented_upstream}/nope is not the root of a rent.php server")]:
        result = CliRunner().invoke(main, ["proxy", "--upstream", upstream, "--port", "0"])
        assert (result.exit_code, result.output.splitlines()[-1]) == (2, said)
        assert "rent-mock proxy on" not in result.output


def test_beyond_loopback_only_long_client_keys_are_accepted():
    from contracts.proxy.cli import _exposure

    _exposure("127.0.0.1", {"client1": "upstream-key-1"})  # this machine only: any stand-in key
    _exposure("::1", {"client1": "upstream-key-1"})
    _exposure("0.0.0.0", {"c" * 20: "upstream-key-1"})
    _exposure("192.0.2.7", {})  # clients bring their own upstream keys: nothing of ours to take
    with pytest.raises(click.UsageError, match="at least 20 random characters"):
        _exposure("192.0.2.7", {"c" * 20: "upstream-key-1", "c" * 19: "upstream-key-2"})


def test_cli_proxy_serves_records_and_prints_its_summary_on_sigterm(documented_upstream, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    rec, summary_path = tmp_path / "rec.jsonl", tmp_path / "summary.json"
    proc = subprocess.Popen([sys.executable, "-m", "mockserver.cli", "proxy", "--upstream", documented_upstream,
                             "--port", "0", "--record", str(rec), "--summary", str(summary_path),
                             "--apikey-map", f"client-key={REAL_KEY}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("rent-mock proxy on http://127.0.0.1:"), line
        url = line.split()[3]
        deadline = time.monotonic() + 10
        while True:
            try:
                assert rent(url, method="orders", apikey="client-key").json() == {"status": 1, "data": []}
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "rent-mock proxy: 1 calls" in out
    assert json.loads(summary_path.read_text())["calls"] == {"orders": 1}
    assert REAL_KEY not in rec.read_text() and json.loads(rec.read_text())["query"]["apikey"] == "***"


def test_servers_stop_their_workers_before_closing_the_trigger(documented_upstream):
    # a worker left running pulls the trigger (os.write(fd, b"x")) into a descriptor a new socket may
    # already hold: the stray byte reached clients as BadStatusLine('xHTTP/1.1 200 OK')
    served = make_server(ServeOptions(port=0, clock="manual", start=START))
    rent(serve(served), method="getcountries")
    guarded = proxy(documented_upstream)
    rent(guarded.url, method="getcountries")
    served.close()
    guarded.close()
    assert served.server.task_dispatcher.threads == set()
    assert guarded.server.task_dispatcher.threads == set()


def test_the_balance_api_is_forwarded_byte_for_byte_and_judged(documented_upstream):
    base = documented_upstream
    guarded = proxy(base)
    try:
        via = requests.get(f"{guarded.url}/priemnik.php", params={"metod": "get_balance", "service": "opt4",
                                                               "apikey": "client-key"}, timeout=10)
        direct = requests.get(f"{base}/priemnik.php", params={"metod": "get_balance", "service": "opt4",
                                                             "apikey": REAL_KEY}, timeout=10)
        refused = requests.get(f"{guarded.url}/priemnik.php", params={"metod": "get_balance", "apikey": "nobody"},
                               timeout=10)
        summary = guarded.close()
    finally:
        pass
    assert via.content == direct.content
    assert via.json()["response"] == "1" and Decimal(via.json()["balance"]) == Decimal("200")
    assert refused.status_code == 200 and refused.text == "API KEY NOT FOUND!"  # plain text, as the live API
    assert summary["calls"] == {"balance:get_balance": 2}
    assert summary["dialects"]["balance:get_balance"] == {"account": 2}


def test_spy_answers_the_balance_api_from_the_mock_world(documented_upstream):
    base = documented_upstream
    country, service, price = offer(base)
    shadow, served = start_shadow(Upstream(base), "live", [country], REAL_KEY)
    guarded = proxy(base, shadow=shadow, mode="spy")
    query = {"metod": "get_balance", "service": "opt4", "apikey": "client-key"}
    try:
        before = requests.get(f"{guarded.url}/priemnik.php", params=query, timeout=10).json()
        rent(guarded.url, method="create", apikey="client-key", dtype="week", dcount="1", country=country,
              service=service)
        after = requests.get(f"{guarded.url}/priemnik.php", params=query, timeout=10).json()
        guarded.close()
    finally:
        served.close()
    assert Decimal(before["balance"]) == Decimal("200")  # the shadow starts with the upstream's balance
    assert Decimal(before["balance"]) - Decimal(after["balance"]) == (price * 7).quantize(Decimal("0.01"))
    assert balance(base) == Decimal("200")




def test_without_a_mock_the_proxy_says_spy_and_diff_need_it(monkeypatch):
    from contracts.proxy import backing
    from contracts.verdict import CannotRun

    monkeypatch.setattr(backing, "_start", None)
    monkeypatch.setattr(backing, "_check", None)
    with pytest.raises(CannotRun, match="--spy and --diff need the mock"):
        backing.start_shadow(None, "live", None, None)
    assert backing.check_catalogue({"countries": "nonsense"}) is None  # nothing to ask: import writes it as read


def test_the_mock_offers_the_proxy_its_shadow_and_catalogue_check():
    import mockserver.serve.shadow
    from contracts.proxy import backing

    assert backing._start is mockserver.serve.shadow.start_shadow
    assert "countries" in backing.check_catalogue({"services": {}})


def test_import_of_a_file_with_no_recorded_call_is_refused_as_replay_refuses_it(tmp_path):
    # `rent-mock import README.md --catalogue cat.json` wrote an empty catalogue and said "0 countries", exit 0
    notes, out = tmp_path / "notes.md", tmp_path / "cat.json"
    notes.write_text("# not a recording\n\nsome text\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(notes), "--catalogue", str(out)])
    assert (result.exit_code, result.output) == (2, f"Error: {notes}: no recorded call (is it a recording of "
                                                    "rent-mock proxy --record?)\n")
    assert not out.exists()


@pytest.mark.parametrize("balance, seeded", [("12.50", "12.50"), ("NaN", "100"), ("-5", "100"), (7, "100")])
def test_the_shadow_world_starts_with_the_upstream_balance_only_when_it_is_one(balance, seeded):
    # the spending guard and the shadow read the same balance API: what the guard would not take as a balance
    # (not a finite amount of at least 0, written as a string) must not become the shadow world's balance
    from contracts.proxy.upstream import Answer
    from mockserver.serve.shadow import _balance

    class Upstream1:
        def get(self, path, query, text_ok=False):
            return Answer(200, {"response": "1", "balance": balance}, b"", 1.0)

    assert _balance(Upstream1(), "key") == seeded


@pytest.mark.parametrize("mode, cap, said", [
    ("forward", "5", "spent: 1.50 counted against the cap of 5 (balance change measured: 1.50); spending calls refused: 2"),
    ("forward", None, "spent: 0 (no --allow-spend: spending calls are refused) (balance change measured: 0); spending "
                      "calls refused: 2"),
    ("spy", None, "spent on the upstream: 0 (spending calls answered by the shadow mock) (balance change measured: 0); "
                  "spending calls refused: 2"),
])
def test_the_summary_says_what_spending_was_counted_against(mode, cap, said):
    # without a cap the summary said "counted against the cap", of a cap that did not exist
    spent = "1.50" if cap else "0"
    summary = {"total": 0, "calls": {}, "dialects": {}, "reference_broken": {}, "new_facts": {}, "upstream_errors": {},
               "spend_refused": {"create": 2}, "cap": cap, "spent": spent, "measured_spend": spent, "mode": mode,
               "diffs": {"known": 0, "unknown": 0}}
    out = io.StringIO()
    print_summary(summary, Console(file=out, width=300))
    assert said in out.getvalue().splitlines()
