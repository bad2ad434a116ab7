"""Issue 22 as tests: the slips a new user makes with the judging tools, made with the real `rent-mock`
command against real servers (a mock with an admin token, a dead port, a proxy in front of the mock as a
foreign server, a hostile server). Each asserts the exit code (0 held, 1 broke, 2 could not run, 3 partial),
the one-line message, and that no traceback escapes. check-client's slips are in its own tests."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from decimal import Decimal

import pytest
from click.testing import CliRunner

from contracts.conformance.rules import RULES
from contracts.registry import METHODS
from contracts.validate import check_response
from mockserver.cli import main
from mockserver.serve.server import ServeOptions
from tests.conftest import serving
from tests.hostile_server import MODES, HostileServer
from tests.proxy_helpers import CLIENT_KEY, mock_upstream, proxy, serve

JUDGES = ("verify", "conform", "fuzz", "load")
ENV = {**os.environ, "RENT_MOCK_ADMIN_TOKEN": "", "COLUMNS": "200"}


@dataclass
class Done:
    """A finished command: what a user sees, and the traceback if one escaped."""

    returncode: int
    stdout: str
    stderr: str
    traceback: str = ""


def rent_mock(*args: str) -> Done:
    """The real command, in this process (the servers the tests start run here too)."""
    result = CliRunner(env={"RENT_MOCK_ADMIN_TOKEN": "", "COLUMNS": "200"}).invoke(main, list(args),
                                                                                    prog_name="rent-mock")
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    tb = "".join(traceback.format_exception(result.exception)) if escaped else ""
    return Done(result.exit_code, result.stdout, result.stderr, tb)


def rent_mock_process(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """The real command, as a user runs it: its own process."""
    return subprocess.run([sys.executable, "-m", "mockserver.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=ENV)


def no_traceback(done) -> None:
    assert not getattr(done, "traceback", ""), done.traceback
    assert "Traceback" not in done.stdout + done.stderr, done.stderr[-2000:]


def one_line(done, code: int, message: str) -> None:
    """Exit `code`, nothing on stdout, and `Error: <message>` as the only line on stderr."""
    no_traceback(done)
    assert (done.returncode, done.stdout, done.stderr) == (code, "", f"Error: {message}\n")


def last_line(done) -> str:
    return " ".join(done.stdout.strip().splitlines()[-1].split())


@pytest.fixture(scope="module")
def token_mock():
    with serving(ServeOptions(port=0, clock="manual", admin_token="s3cret", seed=1)) as (base, _):
        yield base


@pytest.fixture(scope="module")
def foreign():
    """A proxy in front of a live-dialect mock: a rent.php server without the control extension (a "foreign"
    live server); CLIENT_KEY is its account, spending allowed up to 100 by the proxy."""
    served = mock_upstream("live", balance="500")
    running = proxy(serve(served), allow_spend=True, max_spend=Decimal("100"))
    yield running.url
    running.close()
    served.close()


@pytest.fixture(scope="module")
def hostile():
    with HostileServer(drip=0.2) as server:
        yield server


def dead_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# -- meeting the target -------------------------------------------------------------------------------------
@pytest.mark.parametrize("judge", JUDGES)
def test_a_forgotten_admin_token_stops_every_judge_in_one_line(judge, token_mock):
    one_line(rent_mock(judge, "--base-url", token_mock), 2,
             f"{token_mock} is smspva-rent-mock with an admin token: pass --admin-token or set RENT_MOCK_ADMIN_TOKEN")


@pytest.mark.parametrize("judge", JUDGES)
def test_a_dead_port_is_one_line(judge):
    base = dead_port()
    one_line(rent_mock_process(judge, "--base-url", base), 2, f"cannot connect to {base}: Connection refused")


@pytest.mark.parametrize("judge", JUDGES)
def test_a_rent_php_url_is_refused_naming_the_root(judge, live_server):
    one_line(rent_mock(judge, "--base-url", live_server + "/api/rent.php"), 2,
             f"--base-url {live_server}/api/rent.php names rent.php itself; give the root URL: {live_server}")


@pytest.mark.parametrize("judge", ("verify", "conform", "fuzz"))
def test_an_apikey_the_server_refuses_stops_the_run(judge, foreign):
    one_line(rent_mock(judge, "--base-url", foreign, "--apikey", "not-a-key"), 2,
             f"{foreign} refused --apikey: Invalid apikey")


def test_a_root_where_rent_php_is_missing_is_not_judged_as_broken(live_server):
    one_line(rent_mock("conform", "--base-url", live_server + "/nothing"), 2,
             f"{live_server}/nothing/api/rent.php answered HTTP 404: {live_server}/nothing is not the root of a "
             "rent.php server")


# -- a verdict names what it did not judge ------------------------------------------------------------------
def test_verify_on_a_foreign_server_without_an_apikey_is_partial(foreign, tmp_path):
    report = tmp_path / "verify.json"
    done = rent_mock("verify", "--base-url", foreign, "--report", str(report))
    no_traceback(done)
    assert done.returncode == 3
    doc = json.loads(report.read_text())
    assert doc["exit_code"] == 3 and doc["skipped"] == []
    counts = doc["coverage"]["counts"]
    assert counts == {"held": 12, "broken": 0, "not applicable": 0, "NOT JUDGED": 11, "failed as expected": 0}
    assert ("NOT JUDGED create: needs an account and an order it paid for (judge it with --apikey KEY "
            "--allow-spend --max-spend AMOUNT)") in doc["not_judged"]
    assert ("NOT JUDGED get_rent_history: needs an account and none was given (judge it with --apikey KEY)"
            in doc["not_judged"])
    assert last_line(done) == ("12 held, 0 broken, 0 not applicable, 11 NOT JUDGED of 23 methods: held, but 11 "
                               "applicable methods were NOT JUDGED (--partial-ok accepts that) (exit 3)")
    accepted = rent_mock("verify", "--base-url", foreign, "--partial-ok")
    assert accepted.returncode == 0, accepted.stdout[-2000:]
    assert last_line(accepted).endswith("held; 11 methods NOT JUDGED, accepted by --partial-ok (exit 0)")


def test_verify_with_an_apikey_says_which_methods_only_the_mock_can_show(foreign):
    done = rent_mock("verify", "--base-url", foreign, "--apikey", CLIENT_KEY, "--allow-spend", "--max-spend", "20")
    no_traceback(done)
    text = " ".join(done.stdout.split())
    assert done.returncode == 3, text[-2000:]
    assert ("NOT JUDGED restore_user: only an order that ran to its end can be restored, and a real service's "
            "clock cannot be moved (judge it with nothing on this server; run verify against smspva-rent-mock)") in text
    assert "speaks: live; judged as live: no violations" in text


def test_conform_with_the_token_judges_every_rule_that_applies(token_mock):
    done = rent_mock("conform", "--base-url", token_mock, "--admin-token", "s3cret", "--examples", "2")
    no_traceback(done)
    assert done.returncode == 0, done.stdout[-3000:]
    held = len(RULES) - 1  # every rule but one of the documented dialect (the mock speaks live)
    assert last_line(done) == (f"{held} held, 0 broken, 1 not applicable, 0 NOT JUDGED of {len(RULES)} rules: "
                               "everything that applies was judged and held (exit 0)")


def test_conform_on_a_foreign_server_without_an_apikey_is_partial(foreign, tmp_path):
    report = tmp_path / "conform.xml"
    done = rent_mock("conform", "--base-url", foreign, "--report", str(report))
    no_traceback(done)
    assert done.returncode == 3, done.stdout[-3000:]
    assert 'type="NOT JUDGED"' in report.read_text()
    assert "(judge it with --apikey KEY --allow-spend --max-spend AMOUNT)" in report.read_text()


def test_fuzz_on_the_mock_judges_every_operation_the_spending_ones_too(live_server, tmp_path):
    report = tmp_path / "fuzz.json"
    done = rent_mock("fuzz", "--base-url", live_server, "--examples", "3", "--report", str(report))
    no_traceback(done)
    assert done.returncode == 0, done.stdout[-3000:]
    doc = json.loads(report.read_text())
    items = {i["name"]: i["status"] for i in doc["coverage"]["items"]}
    assert items == dict.fromkeys(METHODS, "held")
    assert doc["spending"].endswith(" of play money (the test world's account)")
    assert Decimal(doc["spending"].split()[1]) > 0  # spending calls ran, paid with play money


def test_fuzz_on_a_foreign_server_names_the_spending_operations_it_left(foreign):
    done = rent_mock("fuzz", "--base-url", foreign, "--apikey", CLIENT_KEY, "--examples", "1", "--dialect", "live")
    no_traceback(done)
    assert done.returncode == 3, done.stdout[-3000:]
    spending = [m for m, spec in METHODS.items() if spec.spends]
    for name in spending:
        assert (f"NOT JUDGED {name}: it spends money (judge it with --allow-spend --max-spend AMOUNT)"
                in done.stdout)


def test_load_behind_a_proxy_validates_live_answers_prices_rentals_and_stalls_no_one(foreign, tmp_path):
    report = tmp_path / "load.json"
    done = rent_mock("load", "--base-url", foreign, "--apikey", CLIENT_KEY, "--allow-spend", "--max-spend", "40",
                     "--users", "2", "--seconds", "4", "--think", "0.05,0.1", "--report", str(report))
    no_traceback(done)
    doc = json.loads(report.read_text())
    assert done.returncode == 0, done.stdout[-3000:]
    assert (doc["dialect"], doc["speaks"]) == ("live", ["sdk", "live"]) or doc["dialect"] == "live"
    assert doc["failures"] == 0 and doc["methods"]["getdata"]["failures"] == 0
    assert 0 < Decimal(doc["spent"]) <= 40 and doc["skipped_cost_unknown"] == 0
    assert doc["users"]["stalled"] == 0 and doc["users"]["started"] == 2
    assert doc["exit_code"] == 0 and doc["coverage"]["counts"]["NOT JUDGED"] == 0


def test_load_tells_a_rental_over_the_budget_from_one_whose_cost_is_unknown(foreign, hostile, tmp_path):
    over = tmp_path / "over.json"
    done = rent_mock("load", "--base-url", foreign, "--apikey", CLIENT_KEY, "--allow-spend", "--max-spend", "0.01",
                     "--users", "1", "--seconds", "2", "--think", "0.05", "--report", str(over))
    no_traceback(done)
    doc = json.loads(over.read_text())
    assert done.returncode == 3 and doc["spent"] == "0" and doc["skipped_for_budget"] > 0
    assert doc["skipped_cost_unknown"] == 0
    assert {i["name"]: i["flag"] for i in doc["coverage"]["items"] if i["status"] == "NOT JUDGED"} == dict.fromkeys(
        ("create", "activate", "orders", "sms", "prolong_max", "delete"), "--max-spend AMOUNT (more)")
    assert "rentals skipped for lack of budget" in done.stdout
    unknown = tmp_path / "unknown.json"  # a server whose catalogue is empty: nothing can be priced
    done = rent_mock("load", "--base-url", hostile.url("ok"), "--apikey", "K", "--allow-spend", "--max-spend", "5",
                     "--dialect", "documented", "--users", "1", "--seconds", "2", "--think", "0.05",
                     "--report", str(unknown))
    no_traceback(done)
    doc = json.loads(unknown.read_text())
    assert done.returncode == 3 and doc["skipped_cost_unknown"] > 0 and doc["skipped_for_budget"] == 0
    assert next(i for i in doc["coverage"]["items"] if i["name"] == "create")["reason"] == (
        "no rental ran: the offers' prices were not in the server's catalogue")
    assert "rentals not tried: their cost is unknown (not in the catalogue read)" in " ".join(done.stdout.split())


# -- a hostile server is a violation (or cannot be used), never a traceback, and never runs for ever -----
CANNOT_USE = {"drip": "no complete answer within 2 s", "chunked": "no complete answer within 2 s",
              "silent": "no complete answer within 2 s", "close": "the server closed the connection without an answer",
              "cut": "the answer was cut short",
              "redirect": "HTTP 302 redirect to elsewhere.invalid not followed; give the URL it redirects to as "
                          "--base-url"}


@pytest.mark.parametrize("mode", MODES)
def test_verify_against_every_hostile_mode(mode, hostile):
    root = hostile.url(mode)
    started = time.monotonic()
    done = rent_mock("verify", "--base-url", root, "--timeout", "2", "--apikey", "K")
    assert time.monotonic() - started < 60
    if mode in CANNOT_USE:
        one_line(done, 2, f"cannot use {root}: /api/rent.php: {CANNOT_USE[mode]}")
    else:
        no_traceback(done)
        assert done.returncode == 1, done.stdout[-2000:]
        assert "something broke the contract (exit 1)" in last_line(done)


@pytest.mark.parametrize("judge, mode", [("conform", "deep"), ("conform", "types"), ("conform", "nan"),
                                         ("conform", "drip"), ("fuzz", "types"), ("fuzz", "huge"),
                                         ("load", "status")])
def test_other_judges_against_hostile_modes(judge, mode, hostile):
    root = hostile.url(mode)
    extra = {"conform": ["--apikey", "K"], "fuzz": ["--apikey", "K", "--examples", "1"],
             "load": ["--apikey", "K", "--allow-spend", "--max-spend", "1", "--users", "1", "--seconds", "2",
                      "--think", "0.05"]}[judge]
    done = rent_mock(judge, "--base-url", root, "--timeout", "2", *extra)
    if mode in CANNOT_USE:
        one_line(done, 2, f"cannot use {root}: /api/rent.php: {CANNOT_USE[mode]}")
    else:
        no_traceback(done)
        assert done.returncode == 1, done.stdout[-2000:]


def test_a_server_that_stops_answering_mid_run_stops_it_in_one_line():
    with serving(ServeOptions(port=0, clock="manual", seed=1)) as (base, served):
        from contracts.client import RentClient
        from contracts.target import TargetLost

        client = RentClient(base + "/w/default", None, timeout=1)
        assert client.call("getcountries").http_status == 200
        client.fetcher.close()  # a kept-alive connection would hold the server's shutdown
    with pytest.raises(TargetLost, match=r"stopped answering \(3 calls in a row: Connection refused\)"):
        for _ in range(3):
            client.call("getcountries")


# -- paths and choices are checked before any work ---------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["verify", "--report", "{missing}/r.json"],
    ["conform", "--report", "{missing}/r.xml"],
    ["fuzz", "--report", "{missing}/r.json"],
    ["load", "--report", "{missing}/r.json"],
])
def test_a_report_that_cannot_be_written_is_refused_before_the_target_is_met(args, tmp_path):
    base = dead_port()  # were the target met first, this would say "cannot connect"
    missing = tmp_path / "missing"
    done = rent_mock_process(args[0], "--base-url", base, *[a.format(missing=missing) for a in args[1:]])
    no_traceback(done)
    assert done.returncode == 2 and "cannot connect" not in done.stderr
    assert (f"Invalid value for '--report': {missing}/r.{args[-1].rsplit('.', 1)[1]} cannot be written: the "
            f"folder {missing} does not exist") in done.stderr
    assert len(done.stderr.strip().splitlines()) == 4  # click's usage line, its hint, a blank line, the reason


def test_simulate_import_and_check_client_check_their_paths_first(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    sim = rent_mock("simulate", "small", "--no-plots", "--out", str(blocker / "out"))
    assert sim.returncode == 2 and f"cannot be made: {blocker} is not a folder" in sim.stderr
    recording = tmp_path / "rec.jsonl"
    recording.write_bytes(('{"method":"getcountries","query":{},"answer":{"status":1,"data":NaN}}\n'
                           + "[" * 100_000 + "\n" + '{"method": 5, "query": [], "answer": {"status": 1}}\n'
                           + '{"method": "getcountries", "at": "soon", "verdict": [1], "answer": {"status": 1, '
                             '"data": [{"code": "RU", "name": "Russia"}]}, "query": {}}\n').encode() + b"\xff\n")
    imp = rent_mock("import", str(recording), "--catalogue", str(tmp_path / "no" / "cat.json"))
    assert imp.returncode == 2 and f"the folder {tmp_path / 'no'} does not exist" in imp.stderr
    hostile = rent_mock("import", str(recording), "--catalogue", str(tmp_path / "cat.json"),
                        "--evidence", str(tmp_path / "rows.md"))
    no_traceback(hostile)  # NaN, 100,000 deep, wrong types, an odd date and a bad byte: skipped, not a crash
    assert hostile.returncode == 0, hostile.stderr
    assert json.loads((tmp_path / "cat.json").read_text())["countries"][0]["code"] == "RU"
    assert "recording undated" in (tmp_path / "rows.md").read_text()
    client = rent_mock("check-client", "--report", str(tmp_path / "no" / "r.json"), "--", "true")
    assert client.returncode == 2 and "Invalid value for '--report'" in client.stderr
    for done in (sim, imp, client):
        no_traceback(done)


def test_every_command_takes_dash_h():
    # in a fresh process: click keeps a command's help option once made, and other tests invoke commands alone
    script = ("import json; from click.testing import CliRunner; from mockserver.cli import main; "
              "print(json.dumps({n: [r.exit_code, r.output[:80]] for n in main.commands "
              "for r in [CliRunner().invoke(main, [n, '-h'], prog_name='rent-mock')]}))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=ENV)
    seen = json.loads(done.stdout)
    assert len(seen) >= 10
    for name, (code, output) in seen.items():
        assert code == 0 and output.startswith(f"Usage: rent-mock {name}"), (name, output)


def test_enumerated_flags_are_choices():
    done = CliRunner().invoke(main, ["load", "--base-url", "http://127.0.0.1:9", "--dialect", "klingon"])
    assert done.exit_code == 2
    assert "Invalid value for '--dialect': 'klingon' is not one of 'auto', 'documented', 'sdk', 'live'." in done.output


def test_validation_messages_summarise_instead_of_quoting_the_answer():
    services = [{"name": "x" * 60, "service": f"opt{i}", "price_day": 1.5, "img": "", "procent_days": 0,
                 "procent": 0, "day_step": 1, "count": 3} for i in range(40)]
    reasons = check_response("getdata", {"status": 1, "data": {"services": services, "totalAmount": 120}},
                             "documented")
    assert reasons == ["data: expected a list, got an object with keys services, totalAmount "
                       "(the sdk / live shape)"]
    assert check_response("getdata", {"status": 1, "data": "y" * 3000}, "live") == [
        "data: expected an object, got the string 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy' (3000 characters)"]
