"""`rent-mock replay`: a real proxy recording replayed against a fresh mock holds; a recording whose answers
the target does not give is reported call by call (exit 1); a target that is not the mock and has no
apikey leaves calls NOT JUDGED (exit 3, 0 with --partial-ok); a broken recording is one line (exit 2)."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
import requests

from tests.hostile_server import HostileServer
from tests.proxy_helpers import CLIENT_KEY, mock_upstream, proxy, rent, serve

CLI = [sys.executable, "-m", "mockserver.cli", "replay"]


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """A recording of a client's session through `rent-mock proxy` in front of a live-dialect mock on a
    real clock (so the recorded moments are the upstream's own, as with the live service)."""
    served = mock_upstream("live", clock="real", start=None)
    base = serve(served)
    record = io.StringIO()
    guarded = proxy(base, record, allow_spend=True, max_spend=Decimal("20"))
    try:
        rent(guarded.url, method="getcountries")
        requests.get(f"{guarded.url}/priemnik.php", params={"metod": "get_balance", "apikey": CLIENT_KEY}, timeout=10)
        made = rent(guarded.url, method="create", apikey=CLIENT_KEY, dtype="week", dcount="1", country="KZ",
                    service="opt16").json()["data"]
        rent(guarded.url, method="activate", apikey=CLIENT_KEY, id=str(made["id"]))
        rent(guarded.url, method="orders", apikey=CLIENT_KEY)
        rent(guarded.url, method="sms", apikey=CLIENT_KEY, id=str(made["id"]))
        rent(guarded.url, method="delete", apikey=CLIENT_KEY, id=str(made["id"]))
        rent(guarded.url, method="get_rent_history", apikey=CLIENT_KEY)
    finally:
        guarded.close()
        served.close()
    path = tmp_path_factory.mktemp("rec") / "session.jsonl"
    path.write_text(record.getvalue())
    return path


def replay(*args, timeout=120):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def test_a_recording_replayed_against_a_fresh_mock_holds(recording, tmp_path):
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    done = replay(recording, "--report", report, "--junit", junit)
    assert done.returncode == 0, done.stdout + done.stderr
    body = json.loads(report.read_text())
    assert body["mock"] is True and body["exit_code"] == 0
    items = [(i["name"], i["status"]) for i in body["coverage"]["items"]]
    assert items == [("line 1 getcountries", "held"), ("line 2 balance:get_balance", "held"),
                     ("line 3 create", "held"), ("line 4 activate", "held"), ("line 5 orders", "held"),
                     ("line 6 sms", "held"), ("line 7 delete", "held"), ("line 8 get_rent_history", "held")]
    assert done.stdout.splitlines()[-1] == ("8 held, 0 broken, 0 not applicable, 0 NOT JUDGED of 8 calls: everything "
                                            "that applies was judged and held (exit 0)")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("8", "0")
    assert "***" in recording.read_text() and CLIENT_KEY not in recording.read_text()


def test_answers_that_differ_are_reported_call_by_call(recording, tmp_path):
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    lines[2]["answer"]["data"]["service"] = "opt29"  # as if the live service had answered another service
    lines[1]["answer"]["balance"] = "150.0000"  # as the live service writes it (W8b)
    lines.insert(3, {"at": lines[2]["at"], "verb": "GET", "path": "/api/rent.php", "method": "create",
                     "query": {"method": "create"}, "refused": "the spend cap"})
    lines[-1]["at"] += 2 * 86_400  # the history was read two days later: the mock's clock moves there first
    changed, report = tmp_path / "changed.jsonl", tmp_path / "r.json"
    changed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = replay(changed, "--report", report)
    assert json.loads(report.read_text())["clock_moves"] >= 1
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout.splitlines()
    assert "✗ broken line 3 create: data.service: value: recorded \"opt29\", got \"opt16\"" in out
    assert "- not applicable line 4 create: the proxy refused it: the spend cap" in out
    # the world is funded with the first recorded balance, so the balance held: 150.0000 recorded and served
    assert "✓ held line 2 balance:get_balance" in out
    assert out[-1].startswith("7 held, 1 broken, 1 not applicable, 0 NOT JUDGED of 9 calls")


def test_a_target_that_is_not_the_mock_and_has_no_apikey_leaves_calls_not_judged(recording):
    served = mock_upstream("live")
    base = serve(served)
    foreign = proxy(base)  # a proxy in front of the mock: a server without the control API
    try:
        done = replay(recording, "--base-url", foreign.url)
        partial = replay(recording, "--base-url", foreign.url, "--partial-ok")
    finally:
        foreign.close()
        served.close()
    assert done.returncode == 3, done.stdout + done.stderr
    assert ("- NOT JUDGED line 3 create: the call needs an apikey and the target has none here (judge it with "
            "--apikey KEY)") in done.stdout.splitlines()
    assert "clock cannot be moved" in done.stdout
    assert partial.returncode == 0


def test_a_broken_recording_or_a_dead_target_is_one_line(tmp_path, recording):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"path": "/api/rent.php"}\nnot json\n')
    done = replay(bad)
    assert (done.returncode, done.stderr) == (2, f"Error: {bad}: line 2 is not JSON (a recording has one JSON "
                                                 "object a line)\n")
    dead = replay(recording, "--base-url", "http://127.0.0.1:9")
    assert dead.returncode == 2 and dead.stderr.startswith("Error: cannot connect to http://127.0.0.1:9")
    unwritable = replay(recording, "--report", tmp_path / "no" / "r.json")
    assert unwritable.returncode == 2 and "does not exist" in unwritable.stderr


def test_an_id_of_non_ascii_digits_is_replayed_not_a_traceback(recording, tmp_path):
    # '²'.isdigit() is True but int('²') raises: the id mapping must not take it for an order id
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    sms = next(line for line in lines if line["method"] == "sms")
    odd = {**sms, "query": {**sms["query"], "id": "²"}}
    changed = tmp_path / "odd.jsonl"
    changed.write_text("".join(json.dumps(line) + "\n" for line in [*lines, odd]))
    done = replay(changed)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith("✗")] == [
        "✗ broken line 9 sms: status: rule: recorded 1, got \"Parameter id must be an integer, got '²'\""]


@pytest.mark.parametrize("line", [b"[" * 100_000 + b"\n", b'{"path": "\xff"}\n'])
def test_a_recording_line_nested_too_deeply_or_not_utf8_is_one_line(tmp_path, line):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"path": "/api/rent.php"}\n' + line)
    done = replay(bad)
    assert (done.returncode, done.stderr) == (2, f"Error: {bad}: line 2 is not JSON (a recording has one JSON "
                                                 "object a line)\n")


def _line(at, path, query, answer):
    method = query.get("method", f"balance:{query.get('metod')}") if isinstance(query, dict) else "-"
    return json.dumps({"at": at, "verb": "GET", "path": path, "method": str(method), "query": query,
                       "answer": answer}) + "\n"


def test_a_recording_never_sends_what_could_spend_to_a_server_that_is_not_the_mock(tmp_path):
    # a recording is a file people pass around: replayed with the user's real --apikey and no --allow-spend,
    # its get_number (the SMS API buys a number) and its ' method' (a PHP service reads '+method=create' after
    # 'method=orders' as method=create) must not leave; nor may a `verb` key make the call a POST
    lines = tmp_path / "hostile.jsonl"
    lines.write_text(
        _line(1, "/priemnik.php", {"metod": "get_number", "service": "opt4", "country": "RU", "apikey": "***"},
              {"response": "1", "number": "79001112233"})
        + _line(2, "/api/rent.php", {"method": "orders", " method": "create", "apikey": "***", "country": "RU",
                                     "service": "opt4", "dtype": "week", "dcount": "1"}, {"status": 1, "data": []})
        + _line(3, "/api/rent.php", {"method": "getcountries", "verb": "POST"}, {"status": 1, "data": []})
        + _line(4, "/api/rent.php", {"method": "orders", "apikey": "***"}, {"status": 1, "data": []}))
    with HostileServer() as hostile:
        done = replay(lines, "--base-url", hostile.url("ok"), "--apikey", "real-key")
        sent = list(hostile.requests)
    assert done.returncode == 3, done.stdout + done.stderr
    assert [(verb, path, query.get("method")) for _, verb, path, query in sent] == [
        ("GET", "/_mock/health", None), ("GET", "/api/rent.php", "getcountries"),  # meeting the target
        ("GET", "/api/rent.php", "orders"),  # check_apikey
        ("GET", "/api/rent.php", "orders")]  # line 4, the only line sent
    assert all(set(query) <= {"method", "apikey"} for _, _, _, query in sent)
    out = done.stdout.splitlines()
    assert ("- NOT JUDGED line 1 balance:get_number: refused before it left: the balance API's metod 'get_number' "
            "is not forwarded: only get_balance, get_userinfo, get_service_price (others may spend, such as "
            "get_number) (judge it with a replay against the mock (without --base-url))") in out
    assert ("- NOT JUDGED line 2 orders: refused before it left: parameter name ' method' is refused: a PHP service "
            "may read it as another parameter (names are letters, digits and _) (judge it with a replay against "
            "the mock (without --base-url))") in out
    assert ("- NOT JUDGED line 3 getcountries: refused before it left: getcountries takes no parameter 'verb' "
            "(judge it with a replay against the mock (without --base-url))") in out


@pytest.mark.parametrize("query, why", [
    ({"method": ["orders", "create"]}, "line 2: query field 'method' is list, not a string"),
    ({"method": "sms", "id": {"a": 1}}, "line 2: query field 'id' is dict, not a string"),
])
def test_a_hand_made_line_of_the_wrong_shape_is_one_line_naming_it(tmp_path, query, why):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_line(1, "/api/rent.php", {"method": "getcountries"}, {"status": 1, "data": []})
                   + _line(2, "/api/rent.php", query, {"status": 1, "data": []}))
    done = replay(bad)
    assert (done.returncode, done.stderr) == (2, f"Error: {bad}: {why}\n")


def test_names_a_hand_made_line_carries_are_parameters_never_how_the_call_is_sent(tmp_path):
    # `with_key`, `self` and `verb` were keyword arguments of the client's call: a traceback, or a POST
    made = tmp_path / "made.jsonl"
    made.write_text(_line(1, "/api/rent.php", {"method": "getcountries", "with_key": "0"}, {"status": 1, "data": []})
                    + _line(2, "/api/rent.php", {"method": "getcountries", "self": "x"}, {"status": 1, "data": []})
                    + _line(3, "/api/rent.php", {"method": "getcountries", "verb": "POST"}, {"status": 1, "data": []}))
    done = replay(made)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    # held: line 3 went out as a GET (a POST is answered status 0, 'Only GET requests are accepted')
    assert [line for line in done.stdout.splitlines() if line[:1] in "✓✗"] == [
        "✓ held line 1 getcountries", "✓ held line 2 getcountries", "✓ held line 3 getcountries"]


def test_a_recording_with_no_line_to_replay_cannot_run_rather_than_hold(tmp_path):
    # every line refused by the proxy or unanswered: it said '0 held, ... 2 not applicable ... judged and
    # held (exit 0)', a pass having replayed nothing
    lines = [{"path": "/api/rent.php", "method": "create", "query": {"method": "create"}, "refused": "the spend cap"},
             {"path": "/api/rent.php", "method": "orders", "query": {"method": "orders"}}]
    nothing = tmp_path / "nothing.jsonl"
    nothing.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = replay(nothing)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"Error: {nothing}: no line holds a call to replay (line 1 create: the proxy refused "
                           f"it: the spend cap; line 2 orders: the line holds no answer)\n")


CREATE = {"path": "/api/rent.php", "method": "create", "at": 1796697337,
          "query": {"method": "create", "apikey": "***", "dtype": "week", "dcount": "1", "country": "KZ",
                    "service": "opt16"},
          "answer": {"status": 1, "data": {"id": 40000, "pnumber": "77719141777", "ccode": "", "service": "opt16",
                                           "until": 1796697337 + 7 * 86_400}}}


@pytest.mark.parametrize("event, said", [
    ({"kind": "sms", "order": 40000, "text": "x"}, "revealed[0]: an sms event's sender is None, not a string"),
    ({"kind": "state", "order": 40000}, "revealed[0]: a state event's state is None, not -1, 0 or 1"),
    ({"kind": "state", "order": [40000], "state": 1}, "revealed[0]: the event's order is [40000], not an order id"),
    ({"kind": "state", "order": 40000, "state": "x"}, "revealed[0]: a state event's state is 'x', not -1, 0 or 1"),
    ({"kind": "sms", "order": 40000, "text": 5, "sender": "S"}, "revealed[0]: an sms event's text is 5, not a string"),
])
def test_a_malformed_revealed_event_stops_the_replay_naming_the_line(tmp_path, event, said):
    # a hand-made or damaged line: KeyError / TypeError tracebacks (exit 1), or an SMS of text 5 sent as held
    orders = {"path": "/api/rent.php", "method": "orders", "at": 1796697340, "query": {"method": "orders", "apikey": "***"},
              "answer": {"status": 1, "data": []}, "revealed": [event]}
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(CREATE) + "\n" + json.dumps(orders) + "\n")
    done = replay(path)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"Error: {path}: line 2: {said}\n")
