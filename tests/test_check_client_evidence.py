"""check-client keeps its evidence whatever the client's tests do to the mock between calls (adversary round):
a world reset (POST /_mock/reset), replaced by a snapshot (PUT .../snapshot) or a journal cleared
(DELETE /_mock/journal) still counts, as a deleted world already did; otherwise a suite that resets between
tests hid a lost number's refund and a wrong request, and passed."""
from __future__ import annotations

import sys

import pytest

from mockserver.testing.check_client import run_client

# Rents a KZ number, makes it lost (2.10 of refund due: the clock stays still), sends one request that breaks the contract
# (dtype 'weeks'), then tidies up the mock the way a test suite might between tests.
CLIENT = '''
import os, sys, requests
api, key, ctl = os.environ["RENT_MOCK_API_URL"], os.environ["RENT_MOCK_APIKEY"], os.environ["RENT_MOCK_CONTROL_URL"]
get = lambda **p: requests.get(api, params={"apikey": key, **p}, timeout=10).json()
order = get(method="create", dtype="week", dcount=1, country="KZ", service="opt16")["data"]
requests.post(f"{ctl}/orders/{order['id']}/state", json={"state": -1}, timeout=10).raise_for_status()
get(method="create", dtype="weeks", dcount=1, country="KZ", service="opt16")
tidy = sys.argv[1]
if tidy == "reset":
    requests.post(ctl + "/reset", json={}, timeout=10).raise_for_status()
elif tidy == "snapshot":
    made = requests.post(ctl + "/worlds", json={}, timeout=10).json()
    empty = requests.get(f"{ctl}/worlds/{made['world']}/snapshot", timeout=10).json()
    requests.delete(f"{ctl}/worlds/{made['world']}", timeout=10).raise_for_status()
    requests.put(ctl + "/worlds/default/snapshot", json=empty, timeout=10).raise_for_status()
elif tidy == "journal":
    requests.delete(ctl + "/journal", timeout=10).raise_for_status()
    assert requests.get(ctl + "/journal", timeout=10).json()["entries"] == []  # the client sees it empty
    get(method="orders")  # a request after the clear: judged too
'''


@pytest.mark.parametrize("tidy", ["none", "reset", "snapshot", "journal"])
def test_a_client_tidying_the_mock_keeps_what_it_did_on_the_record(tmp_path, tidy):
    client = tmp_path / "client.py"
    client.write_text(CLIENT)
    run = run_client([sys.executable, str(client), tidy], clock="manual", timeout=60)
    assert run.exit_code == 0, run.output
    assert [(v["method"], v["finding"]) for v in run.report.violations] == [
        ("create", "Parameter dtype must be one of week, month, got 'weeks'")]
    assert run.report.requests == (3 if tidy == "journal" else 2)
    assert (run.left.running, run.left.lost, str(run.left.unaccounted)) == ([40000], [40000], "2.10")
    assert (run.cost["total"], run.cost["refunds"]) == ("2.10", "0.00")
    # the world is the happy path's (no --scenario): a renter that exits 0 without a code is judged for it too,
    # sms call or not (a client that rents to keep numbers says --keeps-numbers)
    assert run.findings() == [
        ("outcome", "a code could be had here and the client never read an SMS carrying one (exit 0); a correct "
                    "client activates, polls at a sane pace, reads the code from SmsList and exits 0; it may keep "
                    "the number (it never called sms; a client that rents numbers to keep them is checked with "
                    "--keeps-numbers)"),
        ("contract", "1 contract violations"),
        ("money", "left order 40000 running in state -1 (number lost): 2.10 of refund unclaimed (delete refunds a "
                  "lost number's unused days)"),
        ("honesty", "the client exited 0 but never read an SMS carrying a code: a success claimed without one (does "
                    "it stop after one poll, or swallow errors?)")]
