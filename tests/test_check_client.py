"""`rent-mock check-client` finds planted bugs in a wrong client and reports coverage; the pytest plugin works."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.testing.check_client import run_client

HERE = Path(__file__).resolve().parent


def test_check_client_finds_every_planted_bug():
    run = run_client([sys.executable, str(HERE / "clients" / "wrong_client.py")])
    assert run.exit_code == 0  # the client's own run passed; the contract did not
    found = [(v["verb"], v["method"], v["finding"]) for v in run.report.violations]
    assert found == [
        ("GET", "create", "Parameter dtype must be one of week, month, got 'weeks'"),
        ("GET", "orders", "missing apikey"),
        ("POST", "activate", "non-GET request (POST)"),
        ("GET", "getBalance", "unknown method 'getBalance'"),
        ("GET", "sms", "Parameter id must be an integer, got 'abc'"),
    ]
    assert [w["finding"] for w in run.report.warnings] == ["unknown parameter 'page'"]
    assert run.report.calls["create"] == 2 and run.report.ok["create"] == 1
    assert run.report.codes["DATEDIFFINVERT"] == 1 and run.report.codes["Only GET"] == 1
    assert "restore_user" in run.report.untested_methods and "NOAVAILDAYS" in run.report.untested_codes


def test_check_client_cli_exit_codes(tmp_path):
    out = tmp_path / "r.json"
    bad = subprocess.run([sys.executable, "-m", "mockserver.cli", "check-client", "--report", str(out), "--",
                          sys.executable, str(HERE / "clients" / "wrong_client.py")], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 1 and "5 contract violations" in bad.stdout
    assert len(json.loads(out.read_text())["violations"]) == 5
    good = subprocess.run([sys.executable, "-m", "mockserver.cli", "check-client", "--",
                           sys.executable, str(HERE / "clients" / "good_client.py")], capture_output=True, text=True,
                          timeout=120)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "no contract violations" in good.stdout


def test_plugin_fixture_drives_a_fresh_world(rent_mock):
    """Without a marker the world speaks the default dialect, live (SMS under SmsList; the live catalogue: KZ)."""
    made = rent_mock.call("create", dtype="week", dcount=1, country="KZ", service="opt16")
    oid = made["data"]["id"]
    assert rent_mock.sms(oid, "early") == {"delivered": False, "reason": "number is not active (state 0); the SMS is lost"}
    rent_mock.call("activate", id=oid)
    rent_mock.advance(900)
    assert rent_mock.sms(oid, "code 1")["delivered"] is True
    assert [s["text"] for s in rent_mock.call("sms", id=oid)["data"]["SmsList"]] == ["code 1"]
    assert rent_mock.offline(oid)["state"] == -1
    assert rent_mock.balance() == 97.90  # KZ opt16: 100 − 0.30 · 7
    rent_mock.fault("status0", method="orders", msg="BUSY", times=1)
    assert rent_mock.call("orders") == {"status": 0, "msg": "BUSY"}
    assert [e["method"] for e in rent_mock.journal(method="orders")] == ["orders"]


@pytest.mark.rent_mock(dialect="sdk", balance="5")
def test_plugin_marker_sets_the_world(rent_mock):
    assert set(rent_mock.call("sms", id=1)) == {"status", "msg"}
    data = rent_mock.call("getdata", country="RU")["data"]
    assert "totalAmount" in data  # sdk dialect, read through the world's own base URL
    assert rent_mock.balance() == 5


def test_plugin_helpers_raise_the_servers_reason(rent_mock):
    from mockserver.testing.pytest_plugin import RentMockError

    with pytest.raises(RentMockError) as refused:
        rent_mock.offline(123)
    assert (refused.value.status, refused.value.reason) == (404, "order 123 is not running")
    assert str(refused.value).startswith("404 from http://127.0.0.1:")


SUITE = '''
def test_rents_twice(rent_mock):
    for service in ("opt16", "opt6"):
        made = rent_mock.call("create", dtype="week", dcount=1, country="KZ", service=service)
        assert made["status"] == 1, made


def test_reads_orders(rent_mock):
    assert rent_mock.call("orders") == {"status": 1, "data": []}
'''


def test_check_client_sees_a_suite_that_uses_the_rent_mock_fixture_and_prices_it(tmp_path):
    suite = tmp_path / "test_suite.py"
    suite.write_text(SUITE)
    run = run_client([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)])
    assert run.exit_code == 0
    assert run.report.requests == 3  # the fixture used check-client's mock, and deleted worlds still count
    assert run.report.calls["create"] == 2 and run.report.calls["orders"] == 1
    assert run.cost == {"methods": {"create / create_multi": {"calls": 2, "amount": "3.50"}},  # KZ (0.30 + 0.20) × 7
                        "refunds": "0.00", "total": "3.50"}


def test_check_client_reports_the_cost_in_its_table_and_json(tmp_path):
    suite, out = tmp_path / "test_suite.py", tmp_path / "r.json"
    suite.write_text(SUITE)
    done = subprocess.run([sys.executable, "-m", "mockserver.cli", "check-client", "--report", str(out), "--",
                           sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 rent.php requests seen" in done.stdout and "what these calls would have cost" in done.stdout
    assert json.loads(out.read_text())["cost"]["total"] == "3.50"


def test_check_client_with_a_missing_command_is_one_line():
    done = subprocess.run([sys.executable, "-m", "mockserver.cli", "check-client", "--", "nosuchcommand"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2  # could not run (contracts.verdict)
    assert done.stderr == "Error: cannot run 'nosuchcommand': no such command\n" and done.stdout == ""
