"""Replay carries the events between calls (issue 27 item 6): the proxy records what the client's answers
reveal changed on the upstream (an order came online, an SMS arrived, the upstream's own clock), a replay
against the mock reproduces it through the control API, and against another server the lines that depend
on it are NOT JUDGED with the reason, never broken."""
from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
import requests

from contracts.proxy.reveal import Reveals
from tests.proxy_helpers import CLIENT_KEY, START, mock_upstream, proxy, rent, serve
from tests.test_replay import replay


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """A session through the proxy in front of a mock standing in for the live service, whose clock and SMS
    move between the client's calls where the proxy cannot see (its control API, as time passes live)."""
    served = mock_upstream("live")
    base = serve(served)
    record = io.StringIO()
    guarded = proxy(base, record, allow_spend=True, max_spend=Decimal("20"))
    try:
        made = rent(guarded.url, method="create", apikey=CLIENT_KEY, dtype="week", dcount="1", country="KZ",
                    service="opt16").json()["data"]
        rent(guarded.url, method="activate", apikey=CLIENT_KEY, id=str(made["id"]))
        requests.post(f"{base}/_mock/clock", json={"advance": 900}, timeout=10).raise_for_status()  # online
        sent = requests.post(f"{base}/_mock/sms", json={"order": made["id"], "text": "Your code: 12345"}, timeout=10)
        assert sent.json()["delivered"] is True
        requests.post(f"{base}/_mock/clock", json={"advance": 60}, timeout=10).raise_for_status()
        rent(guarded.url, method="orders", apikey=CLIENT_KEY)
        rent(guarded.url, method="sms", apikey=CLIENT_KEY, id=str(made["id"]))
        rent(guarded.url, method="delete", apikey=CLIENT_KEY, id=str(made["id"]))
    finally:
        guarded.close()
        served.close()
    path = tmp_path_factory.mktemp("events") / "events.jsonl"
    path.write_text(record.getvalue())
    return path


def test_the_recording_says_what_changed_between_calls(recording):
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    assert [line["method"] for line in lines] == ["create", "activate", "orders", "sms", "delete"]
    assert lines[0]["upstream_now"] == START  # until less the week
    assert lines[2]["revealed"] == [{"kind": "state", "order": 40000, "state": 1}]
    assert lines[2]["upstream_now"] == START + 960  # the online order's lastonline: the upstream's now
    [sms] = lines[3]["revealed"]
    assert (sms["kind"], sms["text"], sms["other"]) == ("sms", "Your code: 12345", False)
    assert "revealed" not in lines[4]


def test_replayed_against_the_mock_the_events_are_reproduced_and_every_line_holds(recording, tmp_path):
    report = tmp_path / "r.json"
    done = replay(recording, "--report", report)
    assert done.returncode == 0, done.stdout + done.stderr
    body = json.loads(report.read_text())
    assert body["reproduced"] == 2 and body["coverage"]["counts"]["held"] == 5
    assert "2 changes between calls reproduced" in done.stdout


def test_without_the_events_the_same_recording_breaks(recording, tmp_path):
    # what a recording held before the proxy wrote the events: the SMS never arrives in the replay
    stripped = tmp_path / "old.jsonl"
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    stripped.write_text("".join(json.dumps({k: v for k, v in line.items() if k not in ("revealed", "upstream_now")})
                                + "\n" for line in lines))
    done = replay(stripped)
    assert done.returncode == 1
    assert "✗ broken line 4 sms: data.SmsList.length: value: recorded 1, got 0" in done.stdout.splitlines()


def test_against_another_server_the_lines_that_depend_on_them_are_not_judged(recording):
    served = mock_upstream("live")
    base = serve(served)
    foreign = proxy(base, allow_spend=True, max_spend=Decimal("20"))  # no control API: it cannot send an SMS
    try:
        done = replay(recording, "--base-url", foreign.url, "--apikey", CLIENT_KEY, "--allow-spend",
                      "--max-spend", "5")
    finally:
        foreign.close()
        served.close()
    assert done.returncode == 3, done.stdout + done.stderr
    out = done.stdout.splitlines()
    # the SMS is reproduced before the orders call whose hasnewsms already shows it
    assert ("- NOT JUDGED line 3 orders: its answer depends on what happened on the upstream between calls (an SMS "
            "reached order 40000; order 40000 went to state 1); only the mock can be told to reproduce that (judge "
            "it with a replay against the mock (no --base-url))") in out
    assert any(line.startswith("- NOT JUDGED line 4 sms: its answer depends on what happened on the upstream "
                               "between calls (an SMS reached order 40000") for line in out)
    assert not [line for line in out if line.startswith("✗")]


def test_reveals_from_answers_alone():
    seen = Reveals()
    create = {"query": {"method": "create", "dtype": "month", "dcount": "2"},
              "answer": {"status": 1, "data": {"id": 7, "until": 5_184_000 + 100}}}
    assert seen.see(create) == {"upstream_now": 100}
    assert seen.see({"query": {"method": "activate", "id": "7"}, "answer": {"status": 1, "data": {"id": 7}}}) == {}
    activating = {"query": {"method": "orders"}, "answer": {"status": 1, "data": [{"id": 7, "state": 2}]}}
    assert seen.see(activating) == {}  # the activate call did that itself
    lost = {"query": {"method": "orders"}, "answer": {"status": 1, "data": [{"id": 7, "state": -1}]}}
    assert seen.see(lost) == {"revealed": [{"kind": "state", "order": 7, "state": -1}]}
    other = {"query": {"method": "sms", "id": "7"},
             "answer": {"status": 1, "data": {"SmsList": [], "OtherSms": [{"text": "x", "sender": "s", "date": 9}]}}}
    assert seen.see(other)["revealed"][0]["other"] is True
    assert seen.see(other) == {"upstream_now": 9}  # seen once: no second event
    assert seen.see({"query": {"method": "orders"}, "answer": {"status": 0, "msg": "no"}}) == {}


def test_an_sms_of_another_service_is_not_judged_on_the_mock_never_broken(recording, tmp_path):
    # the recorded answer lists an SMS under OtherSms: it names no service, so the mock cannot be told to send it
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    other = {"text": "Another code 99999", "sender": "X", "date": lines[3]["revealed"][0]["date"]}
    lines[3]["answer"]["data"]["OtherSms"] = [other]
    lines[3]["revealed"].append({"kind": "sms", "order": 40000, "other": True, **other})
    changed = tmp_path / "other.jsonl"
    changed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = replay(changed)
    assert done.returncode == 3, done.stdout + done.stderr
    assert ("- NOT JUDGED line 4 sms: its answer depends on what happened on the upstream between calls (an SMS for "
            "another service of order 40000's number arrived (the answer names no service)), which the replay could "
            "not reproduce") in done.stdout.splitlines()
    assert not [line for line in done.stdout.splitlines() if line.startswith("✗")]
