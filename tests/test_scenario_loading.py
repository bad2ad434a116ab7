"""Loading scenarios: `rent-mock serve --scenario`, the state file (logged and replayed at the same moments),
wire faults a scenario sets (rent.php and the account API), and the pytest fixture's scenario and call
assertions."""
from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
import requests

from mockserver.core.snapshot import dump_world
from mockserver.serve.server import ServeOptions
from tests.conftest import serving
from tests.state_helpers import InProcess, kill, refused, serve, stop

J = {"timeout": 10}
CREATE = {"method": "create", "apikey": "demo", "dtype": "week", "dcount": 1, "country": "KZ", "service": "opt16"}  # in both catalogues (C10)


def test_serve_loads_scenarios_and_a_state_file_keeps_them(tmp_path):
    path = str(tmp_path / "state.db")
    proc, base = serve(path, "--scenario", "happy-path", "--dialect", "live")
    try:
        listing = requests.get(f"{base}/_mock/scenarios", **J).json()
        assert listing["loaded"] == ["happy-path"]
        oid = requests.get(f"{base}/api/rent.php", params=CREATE, **J).json()["data"]["id"]
        requests.get(f"{base}/api/rent.php", params={**CREATE, "method": "activate", "id": oid}, **J)
    finally:
        kill(proc)
    proc, base = serve(path, "--scenario", "happy-path", "--dialect", "live")  # the same options: loaded from the file, not twice
    try:
        assert requests.get(f"{base}/_mock/scenarios", **J).json()["loaded"] == ["happy-path"]
        requests.post(f"{base}/_mock/clock", json={"advance": 1800}, **J)
        sms = requests.get(f"{base}/api/rent.php", params={**CREATE, "method": "sms", "id": oid}, **J).json()
        assert [s["text"][:11] for s in sms["data"]["SmsList"]] == ["Your code: "]
    finally:
        stop(proc)
    other = refused(path, "--scenario", str(tmp_path / "nope.toml"))
    assert other.returncode == 2
    assert other.stderr.strip() == f"rent-mock: unknown scenario '{tmp_path / 'nope.toml'}': not a shipped one " \
                                   "(rent-mock scenarios lists them) nor a file"
    (tmp_path / "mine.toml").write_text('name = "mine"\ndescription = "x"\n')
    clash = refused(path, "--scenario", str(tmp_path / "mine.toml"))
    assert clash.returncode == 2 and clash.stderr.strip() == (
        "rent-mock: --scenario: the state file's default world already runs happy-path; give the same "
        "--scenario options, or use a new --state file")


def ticking(step: float):
    """A wall clock that moves `step` seconds at every read (a busy real clock: two reads never agree)."""
    counter = itertools.count()
    return lambda: 1_000_000.0 + step * next(counter)


DRAIN_BEFORE_THE_2ND = {"name": "t", "description": "x", "events": [
    {"on": "call", "method": "create", "nth": 2, "when": "before", "do": "drain"},
    {"on": "call", "method": "activate", "after": "2m", "do": "jump", "by": "20d"},
    {"on": "online", "after": "1m", "do": "sms"}]}


def test_a_replay_applies_scripted_events_at_the_very_moments_they_had(tmp_path, monkeypatch):
    # the real clock moves between any two reads: the triggers and the call must see one "now", the logged one
    monkeypatch.setattr("mockserver.serve.server.wall_time", ticking(0.37))
    path = str(tmp_path / "state.db")
    first = InProcess(path, clock="real", speed=60, dialect="live")
    assert first.client.post("/_mock/scenarios", json={"scenario": DRAIN_BEFORE_THE_2ND}).status_code == 200
    oid = first.rent(**CREATE)["data"]["id"]
    assert first.rent(**CREATE) == {"status": 0, "msg": "Balance is not enough"}  # live, the default dialect
    first.rent(method="activate", id=oid)
    for method in ["orders"] * 20 + ["sms"] * 20:  # reads are not logged: the jump happens in one of them
        first.rent(method=method, id=oid)
    before = dump_world(first.hub.worlds["default"])
    first.crash()
    again = InProcess(path, clock="real", speed=60, dialect="live")
    after = dump_world(again.hub.worlds["default"])
    again.stop()
    assert [e for e in before["accounts"][0]["ledger"] if e[1] == "withdrawal"]
    for key in ("accounts", "orders", "sms", "events", "script", "rng", "closures"):
        assert after[key] == before[key], key


def test_scenario_faults_cut_the_sms_answer_once_and_limit_the_account_api():
    doc = {"name": "t", "description": "x", "faults": [
        {"kind": "truncated", "method": "sms", "times": 1},
        {"kind": "rate_limit", "method": "priemnik.php", "per_minute": 2},
        {"kind": "banned", "method": "get_userinfo", "times": 1}]}
    with serving(ServeOptions(port=0, clock="manual", apikey="demo", balance="100")) as (base, _):
        loaded = requests.post(f"{base}/_mock/scenarios", json={"scenario": doc}, **J).json()
        assert loaded["faults"] == [1, 2, 3]
        oid = requests.get(f"{base}/api/rent.php", params=CREATE, **J).json()["data"]["id"]
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.get(f"{base}/api/rent.php", params={**CREATE, "method": "sms", "id": oid}, **J).json()
        assert requests.get(f"{base}/api/rent.php", params={**CREATE, "method": "sms", "id": oid}, **J).json() \
            == {"status": 1, "data": {"SmsList": [], "OtherSms": []}}
        account = f"{base}/priemnik.php"
        key = {"apikey": "demo", "service": "opt4"}
        answers = [requests.get(account, params={"metod": m, **key}, **J).json()
                   for m in ("get_userinfo", "get_balance", "get_balance", "get_balance")]
        # the karma ban once; two calls a minute (the banned one counts), then "5"
        assert answers == [{"response": "6"}, {"response": "1", "balance": "97.9000"}, {"response": "5"},
                           {"response": "5"}]
        listed = requests.get(f"{base}/_mock/faults", **J).json()["faults"]
        assert [(f["kind"], f["method"], f.get("per_minute")) for f in listed] == [("rate_limit", "priemnik.php", 2)]
        bad = requests.post(f"{base}/_mock/faults", json={"kind": "banned"}, **J)
        assert bad.status_code == 400 and bad.json()["error"].startswith('kind: banned answers the account API')


def test_refuse_every_call_past_5_per_second():
    doc = {"name": "t", "description": "x", "faults": [{"kind": "rate_limit", "per_second": 5}]}
    with serving(ServeOptions(port=0, clock="manual", apikey="demo")) as (base, served):
        now = [100.0]
        served.rt.faults.monotonic = lambda: now[0]  # a second that does not pass while we call
        requests.post(f"{base}/_mock/scenarios", json={"scenario": doc}, **J).raise_for_status()
        codes = [requests.get(f"{base}/api/rent.php", params={"method": "orders", "apikey": "demo"}, **J)
                 for _ in range(6)]
        assert [r.status_code for r in codes] == [200] * 5 + [429]
        assert codes[-1].json() == {"status": 0, "msg": "Too many requests"}
        now[0] += 1.0
        assert requests.get(f"{base}/api/rent.php", params={"method": "orders", "apikey": "demo"}, **J).ok


# -- the pytest fixture ---------------------------------------------------------------------------------
def test_fixture_loads_a_scenario_and_asserts_calls(rent_mock, tmp_path):
    loaded = rent_mock.scenario({"name": "lose", "description": "x", "events": [
        {"on": "call", "method": "create", "after": "1d", "do": "state", "state": -1}]})
    assert loaded["scenarios"] == ["lose"]
    (tmp_path / "sms.toml").write_text('name = "codes"\ndescription = "x"\n'
                                       '[[events]]\non = "online"\ndo = "sms"\ntext = "code 77"\n')
    assert rent_mock.scenario(tmp_path / "sms.toml")["scenarios"] == ["lose", "codes"]
    oid = rent_mock.call("create", dtype="week", dcount=1, country="KZ", service="opt16")["data"]["id"]
    rent_mock.call("activate", id=oid)
    rent_mock.advance(86_400)
    assert rent_mock.call("activate", id=oid)["msg"] == "Phone number is not in the system"
    rent_mock.call("delete", id=oid)
    assert len(rent_mock.assert_called("activate", id=oid, times=2)) == 2
    assert [c["method"] for c in rent_mock.calls()] == ["create", "activate", "activate", "delete"]
    rent_mock.assert_not_called("prolong")
    rent_mock.assert_not_called("activate", id=oid + 1)
    assert rent_mock.spent() == Decimal("0.30")  # KZ: 2.10 paid; lost after a day: 6 unused days (1.80) refunded
    with pytest.raises(AssertionError) as missing:
        rent_mock.assert_called("prolong", id=oid)
    assert str(missing.value) == (
        f"expected prolong(id={oid}) at least once, it was called 0 times; this world's calls: create(dtype=week, "
        f"dcount=1, country=KZ, service=opt16), activate(id={oid}), activate(id={oid}), delete(id={oid})")
    with pytest.raises(AssertionError, match=rf"^expected no delete\(id={oid}\), it was called 1 times"):
        rent_mock.assert_not_called("delete", id=oid)
    with pytest.raises(AssertionError, match=r"^expected activate\(\) 1 times, it was called 2 times"):
        rent_mock.assert_called("activate", times=1)


def test_fixture_spent_counts_what_rentals_cost(rent_mock):
    rent_mock.scenario("happy-path")
    for _ in range(2):
        rent_mock.call("create", dtype="week", dcount=1, country="KZ", service="opt16")
    assert rent_mock.spent() == Decimal("4.20")  # KZ opt16 in the live catalogue: 0.30 a day



def test_scenarios_check_tries_the_file_in_a_fresh_world(tmp_path):
    # --check read the format only: a latency range least last, or a country the world's catalogue lacks, passed
    # the check and was refused only when a server loaded the file
    from click.testing import CliRunner

    from mockserver.cli import main
    slow = tmp_path / "slow.toml"
    slow.write_text('name = "slow"\ndescription = "d"\n[[faults]]\nkind = "latency"\nlatency_ms = [400, 50]\n')
    ru = tmp_path / "ru.toml"
    ru.write_text('name = "ru"\ndescription = "d"\n[[catalogue]]\ncountry = "RU"\nservice = "opt16"\nstock = 3\n')
    runner = CliRunner()
    done = runner.invoke(main, ["scenarios", "--check", str(slow)])
    assert (done.exit_code, done.output.splitlines()[-1]) == (
        1, "Error: slow: faults[0].latency_ms: [400, 50]: give milliseconds from 0 to 60000, or [min, max] with "
           "min <= max within them (tried in a fresh live world)")
    done = runner.invoke(main, ["scenarios", "--check", str(ru)])
    assert (done.exit_code, done.output.splitlines()[-1]) == (1, "Error: ru: catalogue[0].country: unknown country 'RU' "
                                                                 "(not in this live world's catalogue) (tried in a fresh live world)")
    done = runner.invoke(main, ["scenarios", "--check", str(ru), "--dialect", "documented"])  # the reference has RU
    assert done.exit_code == 0 and '"country": "RU"' in done.output
