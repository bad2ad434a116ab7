"""A client judged by what it did (issue 27): each scenario's `expect` table, the outcome and the exit code
judged against the evidence, reactions, what was left running, prolong timing and pacing. First from recorded
evidence (no mock started: fast), then a few real runs of examples/careful_client.py and of
tests/clients/buggy_client.py, each bug failed with a finding a user can act on."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mockserver.scenarios import format as fmt
from mockserver.testing import pacing
from mockserver.testing.behaviour import judge
from mockserver.testing.check_client import RunOptions, expectations, run_client
from mockserver.testing.evidence import Evidence

ROOT = Path(__file__).resolve().parent.parent
CAREFUL = [sys.executable, str(ROOT / "examples" / "careful_client.py")]
BUGGY = [sys.executable, str(ROOT / "tests" / "clients" / "buggy_client.py")]
HAPPY = {"code": "yes", "react": "none", "note": "Reads the code."}


def entry(method, at, world_at=None, world="default", **extra):
    """A journal entry as check-client collects it."""
    return {"method": method, "at": at, "world_at": world_at, "world": world, "apikey": "k", "params": {},
            "status": 1, "http_status": 200, **extra}


def order(oid=40000, state=1, live=True, code_read=False, history=()):
    """An order of the scenario's world as evidence.order_facts writes it."""
    return {"id": oid, "state": state, "live": live, "code_read": code_read, "history": [list(h) for h in history]}


def verdicts(ev, expect=HAPPY, forced=0):
    return {c.name: (c.status, c.reason) for c in judge(ev, expect, forced)}


def test_every_shipped_scenario_states_what_a_correct_client_does():
    for name in fmt.names():
        expect = fmt.shipped(name)["expect"]
        assert expect.get("code") in ("yes", "no", "either") and expect.get("note"), name
    assert fmt.shipped("never-online")["expect"] == {
        "code": "no", "react": "give-up", "note": "Gives up after its own time limit, deletes the order and exits "
                                                  "non-zero."}
    # an extending scenario inherits its parent's fields, but not its note
    child = fmt.normalise({"name": "c", "description": "d", "extends": "number-lost"}, "c")
    assert child["expect"] == {"code": "yes", "react": "rent-again"}


def test_a_correct_give_up_holds_and_a_success_claimed_without_a_code_does_not():
    rented = [entry("create", 1.0, 100), entry("sms", 1.5, 150), entry("delete", 2.0, 200)]
    gave_up = Evidence(1, entries=rented, orders=[order(state=2, live=False)])
    got = verdicts(gave_up, {"code": "no"})
    assert got["scenario outcome"] == ("held", "gave up without a code (exit 1), as the scenario allows")
    assert got["exit code tells the truth"] == ("held", "exit 1 without a code")
    assert got["leaves nothing it gave up on running"][0] == "held"
    lied = verdicts(Evidence(0, entries=rented, orders=[order(state=2, live=False)]), {"code": "no"})
    assert lied["exit code tells the truth"] == (
        "broken", "the client exited 0 but never read an SMS carrying a code: a success claimed without one (does it "
                  "stop after one poll, or swallow errors?)")
    crashed = verdicts(Evidence(1, entries=rented, orders=[order(code_read=True, live=False)]))
    assert crashed["scenario outcome"][0] == "held"
    assert crashed["exit code tells the truth"] == (
        "broken", "the client read a code (order 40000) but exited 1: a success reported as a failure")
    missed = verdicts(Evidence(1, entries=rented, orders=[order(live=False)]))
    assert missed["scenario outcome"] == (
        "broken", "a code could be had here and the client never read an SMS carrying one (exit 1); a correct client "
                  "reads the code")


def keeper(ev, expect=HAPPY):
    return {c.name: (c.status, c.reason) for c in judge(ev, expect, 0, keeps_numbers=True)}


RENTER_CHECKS = ("scenario outcome", "exit code tells the truth", "leaves nothing it gave up on running")


def test_a_client_that_rents_nothing_in_the_scenarios_world_is_not_judged_as_a_renter():
    own_world = [entry("create", 1.0, 100, world="w1"), entry("sms", 2.0, 100, world="w1")]
    got = verdicts(Evidence(0, entries=own_world))
    assert [got[n][0] for n in RENTER_CHECKS] == ["not applicable"] * 3


def test_a_renter_that_never_calls_sms_is_judged_as_one_waiting_for_a_code_unless_it_keeps_numbers():
    # rents, activates, reads orders once, exits 0: by default it wanted a code and never read one
    quiet = Evidence(0, entries=[entry("create", 1.0, 100), entry("activate", 1.1, 100), entry("orders", 1.2, 100)],
                     orders=[order(state=2)])
    got = verdicts(quiet)
    assert got["scenario outcome"] == (
        "broken", "a code could be had here and the client never read an SMS carrying one (exit 0); a correct client "
                  "reads the code (it never called sms; a client that rents numbers to keep them is checked with "
                  "--keeps-numbers)")
    assert got["exit code tells the truth"][0] == got["leaves nothing it gave up on running"][0] == "broken"
    # the same calls from a bot that rents a number to keep it (--keeps-numbers): its order is its business
    got = keeper(quiet)
    assert [got[n][0] for n in RENTER_CHECKS] == ["not applicable"] * 3
    assert got["scenario outcome"][1].startswith("--keeps-numbers: the client never asked for a code")
    # the same bot failing after it rented: it gave up on an order it left running
    crashed = keeper(Evidence(1, entries=[entry("create", 1.0, 100)], orders=[order(state=2)]))
    assert crashed["leaves nothing it gave up on running"][0] == "broken"
    assert crashed["scenario outcome"][0] == "broken" and crashed["exit code tells the truth"][0] == "not applicable"
    # a keeper that asks for a code is judged on it
    asked = keeper(Evidence(0, entries=[entry("create", 1.0, 100), entry("sms", 2.0, 200)], orders=[order(state=2)]))
    assert [asked[n][0] for n in RENTER_CHECKS] == ["broken"] * 3


def test_an_order_given_up_on_must_not_be_left_running():
    ev = Evidence(1, entries=[entry("create", 1.0, 100), entry("sms", 2.0, 200)],
                  orders=[order(state=2), order(40001, state=-1)])
    assert verdicts(ev)["leaves nothing it gave up on running"] == (
        "broken", "left order 40000 (state 2, activating) running without a code read: a client that gives up on an "
                  "order deletes it")  # the lost one is the money check's (its refund)
    kept = Evidence(0, entries=[entry("create", 1.0, 100), entry("sms", 2.0, 200)], orders=[order(code_read=True)])
    assert verdicts(kept)["leaves nothing it gave up on running"][0] == "held"
    assert verdicts(kept, {**HAPPY, "left": "none"})["leaves nothing it gave up on running"][0] == "broken"


def test_reactions_rent_again_and_reactivate():
    lost = [order(state=-1, live=False, history=[(900, 1), (1020, -1)])]
    stayed = Evidence(1, entries=[entry("create", 1.0, 0), entry("delete", 5.0, 2000)], orders=lost)
    rent_again = {"code": "yes", "react": "rent-again"}
    assert verdicts(stayed, rent_again)["reacts: rents again after a lost number"] == (
        "broken", "order 40000 was lost (state -1) and the client rented no other number: a lost number does not come "
                  "back; delete it (its unused days are refunded) and rent again")
    again = Evidence(0, entries=[entry("create", 1.0, 0), entry("create", 5.0, 2000)], orders=lost)
    assert verdicts(again, rent_again)["reacts: rents again after a lost number"][0] == "held"
    offline = [order(state=0, history=[(900, 2), (1500, 1), (1800, 0)])]
    reactivate = {"code": "yes", "react": "reactivate"}
    activate = {**entry("activate", 6.0, 2400), "params": {"id": "40000"}}
    assert verdicts(Evidence(1, entries=[entry("create", 1.0, 0)], orders=offline),
                    reactivate)["reacts: activates again after the number went offline"][0] == "broken"
    assert verdicts(Evidence(0, entries=[entry("create", 1.0, 0), activate], orders=offline),
                    reactivate)["reacts: activates again after the number went offline"][0] == "held"


def test_a_prolong_refused_as_too_early_is_a_finding_beyond_those_the_scenario_forces():
    refused = {**entry("prolong", 3.0, 300), "status": 0,
               "msg": "You can prolong number only if before expiring date left less 7 days"}
    ev = Evidence(0, entries=[entry("create", 1.0, 0), refused], orders=[order(code_read=True)])
    assert verdicts(ev)["prolongs only in its window"][0] == "broken"
    assert expectations(("prolong-too-early",))[1] == 2  # its two refuse events, each nth = 1
    assert verdicts(ev, forced=2)["prolongs only in its window"][0] == "held"


def test_pacing_from_recorded_calls():
    # no sleep: 300 polls of sms in 3 s of wall time, 0.05 world seconds apart
    tight = [entry("sms", 10 + i / 100, 1000 + i // 20) for i in range(300)]
    pace = pacing.measure(tight, {"default"})
    assert (pace.busiest_minute, pace.median_poll, pace.polls) == (300, 0.0, 299)
    found = {name: (status, reason) for name, status, reason in pacing.checks(pace, True)}
    assert found["pace: calls per minute"] == (
        "broken", "at most 300 calls in a minute of wall time (300 in 3.0 s); the limit is 120 (2 a second): sleep "
                  "between polls")
    assert found["pace: polling interval"][0] == "broken"
    # the service's published limits (W18, for /priemnik.php and the activation API) are shown beside ours
    assert pace.as_json()["published"] == {"evidence": "W18", "per_minute": 40, "min_interval_seconds": 4.0,
                                           "applies_to": "/priemnik.php and the activation API, not rent.php"}
    sane = [entry("sms", 10 + i, 1000 + 60 * i) for i in range(30)]
    found = {name: status for name, status, _ in pacing.checks(pacing.measure(sane, {"default"}), True)}
    assert found == {"pace: calls per minute": "held", "pace: polling interval": "held",
                     "pace: Retry-After honoured": "not applicable"}
    assert pacing.checks(pacing.measure(sane, set()), False)[1][1] == "not applicable"  # a manual clock
    limited = [entry("orders", 10.0, 0, http_status=429), entry("orders", 10.2, 0),
               entry("orders", 11.0, 0, http_status=429), entry("orders", 12.1, 0)]
    pace = pacing.measure(limited, {"default"})
    assert (pace.limited, pace.too_soon) == (2, 1)
    [(_, status, reason)] = [c for c in pacing.checks(pace, True) if c[0] == "pace: Retry-After honoured"]
    assert (status, reason) == ("broken", "1 of 2 calls after a 429 came sooner than its Retry-After (1 s): the "
                                          "soonest 0.200 s after; wait as Retry-After says")


# Real runs, kept short: 600 world seconds per wall second, a few seconds of patience each.
BUGS = [
    ("one-poll", "happy-path", ["honesty", "outcome", "leftovers"]),
    ("swallow", "never-online", ["honesty"]),
    ("never-delete", "never-online", ["leftovers"]),
    ("delete-on-success", "never-online", ["leftovers"]),
    ("never-delete", "number-lost", ["money"]),
    ("blind-create", "transport-truncated", ["money", "leftovers"]),
    ("prolong-early", "happy-path", ["honesty", "contract"]),
    ("leak-on-exception", "transport-malformed", ["outcome", "leftovers"]),
]


@pytest.mark.parametrize("bug,scenario,groups", BUGS)
def test_each_realistic_bug_fails_with_a_finding(bug, scenario, groups):
    patience = "4" if scenario == "never-online" else "8"
    run = run_client([*BUGGY, bug, patience, "1"], RunOptions(speed=600, scenarios=(scenario,), capture=True,
                                                               timeout=60))
    assert sorted(g for g, _ in run.findings()) == sorted(groups), (run.findings(), run.output)


def test_a_renter_that_never_reads_sms_fails_by_default_and_holds_with_keeps_numbers():
    command = [*BUGGY, "orders-once", "8", "1"]
    run = run_client(command, RunOptions(speed=600, capture=True, timeout=60))
    assert run.exit_code == 0, run.output
    assert ("honesty", "the client exited 0 but never read an SMS carrying a code: a success claimed without one "
                       "(does it stop after one poll, or swallow errors?)") in run.findings()
    assert sorted(g for g, _ in run.findings()) == ["honesty", "leftovers", "outcome"], run.findings()
    assert run.judged_as == "waits-for-a-code"
    kept = run_client(command, RunOptions(speed=600, capture=True, timeout=60, keeps_numbers=True))
    assert kept.exit_code == 0 and kept.judged_as == "keeps-numbers"
    assert kept.findings() == [], (kept.findings(), kept.output)
    assert {c.name: c.status for c in kept.checks}["scenario outcome"] == "not applicable"


def test_polling_with_no_sleep_is_a_pacing_finding_with_its_figures():
    run = run_client([*BUGGY, "no-sleep", "2", "0"], RunOptions(speed=600, scenarios=("sms-never",), capture=True,
                                                                 timeout=60))
    found = dict((text.split(":")[0] + ":" + text.split(":")[1], text) for g, text in run.findings() if g == "pacing")
    assert "pace: calls per minute" in found, run.findings()
    assert run.pace.busiest_minute > 120 and "calls in a minute of wall time" in found["pace: calls per minute"]


def test_asking_again_at_once_after_a_429_is_a_pacing_finding():
    run = run_client([*BUGGY, "ignore-retry-after", "4", "0.2"], RunOptions(speed=600, scenarios=("rate-limited",),
                                                                           capture=True, timeout=60))
    [finding] = [text for group, text in run.findings() if text.startswith("pace: Retry-After honoured")]
    assert run.pace.limited >= 1 and run.pace.too_soon >= 1, run.output
    assert "calls after a 429 came sooner than its Retry-After (1 s)" in finding


def test_reading_another_services_sms_is_caught():
    # 120x and a 0.1 s poll: a poll lands between the other service's SMS (30 s) and the own code (60 s)
    run = run_client([*BUGGY, "other-sms", "30", "0.1"], RunOptions(speed=120, scenarios=("sms-other-service",),
                                                                     capture=True, timeout=60))
    assert run.exit_code == 0 and ("honesty", "the client exited 0 but never read an SMS carrying a code: a success "
                                   "claimed without one (does it stop after one poll, or swallow errors?)") \
        in run.findings(), run.output


@pytest.mark.parametrize("scenario", ["number-lost", "offline-after-window", "rate-limited", "never-online"])
def test_the_careful_client_holds(scenario):
    run = run_client([*CAREFUL, "5", "1"], RunOptions(speed=600, scenarios=(scenario,), capture=True, timeout=60))
    assert run.findings() == [], run.output
    reactions = [c for c in run.checks if c.name.startswith("reacts:")]
    assert all(c.status == "held" for c in reactions)
