"""The shipped library: each scenario does what its one line says (a manual-clock world, driven the way a
client would), rests on rules or evidence that exist, and the docs' table is made from the files."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from contracts.conformance.rules import BY_ID
from mockserver.scenarios import format as fmt
from mockserver.scenarios.docs import render
from mockserver.serve.server import ServeOptions
from tests.conftest import KEY, serving
from tests.test_scenarios import KZ as RU, Mock  # KZ: in the live and the reference catalogue (C10)

ROOT = Path(__file__).resolve().parent.parent
MIN = 60


@pytest.fixture
def rented(shipped_catalogue, request):
    """A live world with the scenario named by the test's parameter, one KZ order activated."""
    def make(name: str, activate: bool = True):
        m = Mock(shipped_catalogue, dialect="live")
        assert m.load(name)[0] == 200
        oid = m.rent(**RU)["data"]["id"]
        if activate:
            m.rent(method="activate", id=oid)
        return m, oid
    return make


def online_at(m: Mock, oid: int, limit: int = 60) -> int:
    """Minutes after now at which the order is online (advancing a minute at a time)."""
    for minute in range(1, limit + 1):
        m.advance(MIN)
        if m.order(oid)["state"] == 1:
            return minute
    raise AssertionError(f"order {oid} not online within {limit} minutes")


def own(m: Mock, oid: int) -> list[str]:
    return [s["text"] for s in m.rent(method="sms", id=oid)["data"]["SmsList"]]


def test_every_shipped_scenario_rests_on_a_rule_or_an_evidence_row_that_exists():
    evidence = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| ([A-Z][0-9]+[a-z]?) \|", evidence, re.M))
    for item in fmt.library():
        unknown = [r for r in item["rests_on"] if r not in BY_ID and r not in rows]
        assert not unknown, f"{item['name']}: {unknown}"
        assert item["basis"], item["name"]
        assert item["rests_on"] or item["basis"].startswith("Transport, not the service's rules"), item["name"]
    assert len(fmt.names()) == 22 and fmt.names()[0] == "happy-path"


def test_the_docs_table_is_made_from_the_files():
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert render(text) == text, "docs/scenarios.md is stale: run python -m mockserver.scenarios.docs"


def test_happy_path_and_slow_activation(rented):
    m, oid = rented("happy-path")
    minute = online_at(m, oid)
    assert 10 <= minute <= 15 and own(m, oid) == []
    m.advance(MIN)
    texts = own(m, oid)
    assert len(texts) == 1 and re.fullmatch(r"Your code: [0-9]{5}", texts[0])
    slow, sid = rented("slow-activation")
    assert online_at(slow, sid) == 15


def test_never_online_and_sms_never(rented):
    m, oid = rented("never-online")
    m.advance(2 * 3600)
    assert m.order(oid)["state"] == 2 and own(m, oid) == []
    quiet, qid = rented("sms-never")
    online_at(quiet, qid)
    quiet.advance(2 * 3600)
    assert quiet.order(qid)["state"] == 0 and own(quiet, qid) == []


def test_offline_after_window_then_the_code_after_a_second_activate(rented):
    m, oid = rented("offline-after-window")
    online_at(m, oid)
    m.advance(5 * MIN)
    assert m.order(oid)["state"] == 0
    m.advance(30 * MIN)
    assert own(m, oid) == []  # sent after the window: lost
    m.rent(method="activate", id=oid)
    online_at(m, oid)
    m.advance(MIN)
    assert len(own(m, oid)) == 1


def test_sms_late_twice_and_for_another_service(rented):
    late, lid = rented("sms-late")
    online_at(late, lid)
    late.advance(24 * MIN - 1)
    assert own(late, lid) == []
    late.advance(MIN)
    assert len(own(late, lid)) == 1
    twice, tid = rented("sms-twice")
    online_at(twice, tid)
    twice.advance(2 * MIN)
    sms = twice.rent(method="sms", id=tid)["data"]["SmsList"]
    assert len(sms) == 2 and sms[0]["text"] != sms[1]["text"] and sms[1]["date"] - sms[0]["date"] == MIN
    other, oid = rented("sms-other-service")
    online_at(other, oid)
    other.advance(MIN)
    data = other.rent(method="sms", id=oid)["data"]
    assert len(data["SmsList"]) == 1 and len(data["OtherSms"]) == 1
    assert data["SmsList"][0]["date"] - data["OtherSms"][0]["date"] == 30


def test_sms_after_delete_is_lost(rented):
    m, oid = rented("sms-after-delete")
    online_at(m, oid)
    assert m.rent(method="delete", id=oid)["status"] == 1
    m.advance(2 * MIN)
    assert own(m, oid) == [] and m.world.sms == {}


def test_number_lost_refunds_on_delete_and_a_second_rental_gets_its_code(rented):
    m, oid = rented("number-lost")
    online_at(m, oid)
    m.advance(2 * MIN)
    assert m.order(oid)["state"] == -1 and own(m, oid) == []
    assert m.rent(method="prolong", id=oid, dtype="week", dcount=1)["status"] == 0
    m.rent(method="delete", id=oid)
    assert m.world.accounts[KEY].ledger[-1].kind == "refund"
    second = m.rent(**RU)["data"]["id"]
    m.rent(method="activate", id=second)
    online_at(m, second)
    m.advance(MIN)
    assert len(own(m, second)) == 1


def test_balance_runs_out_after_the_first_rental(rented):
    m, _ = rented("balance-runs-out", activate=False)
    assert m.rent(**RU) == {"status": 0, "msg": "Balance is not enough"}
    assert m.world.accounts[KEY].balance == Decimal("0.00")


def test_no_stock_in_the_asked_country(shipped_catalogue):
    m = Mock(shipped_catalogue, dialect="live")
    m.load("no-stock")
    assert m.rent(**RU) == {"status": 0, "msg": "No free numbers for opt16 in KZ"}
    assert m.rent(**RU)["status"] == 0
    assert m.rent(**{**RU, "country": "UA", "service": "opt29"})["status"] == 1


def test_period_over_90_and_prolong_too_early(shipped_catalogue, rented):
    m = Mock(shipped_catalogue, dialect="documented")
    m.load("period-over-90")  # it makes the world live
    assert m.rent(**RU) == {"status": 0, "msg": "Incorrect duration count. Min 7 days. Max 90 days."}
    assert m.rent(**RU)["status"] == 1
    early, eid = rented("prolong-too-early", activate=False)
    window = "You can prolong number only if before expiring date left less 7 days"
    assert early.rent(method="prolong", id=eid, dtype="week", dcount=1) == {"status": 0, "msg": window}
    assert early.rent(method="prolong_max", id=eid, dtype="day", dcount=3) == {"status": 0, "msg": window}
    early.advance(1)
    assert early.rent(method="prolong", id=eid, dtype="week", dcount=1)["status"] == 1  # < 7 days left: allowed


def test_expires_while_waiting_and_restore_after_expiry(rented):
    m, oid = rented("expires-while-waiting")
    m.advance(MIN)
    assert m.rent(method="orders")["data"] == []
    assert [h["orderId"] for h in m.rent(method="get_rent_history")["data"]] == [oid]
    back, bid = rented("restore-after-expiry")
    online_at(back, bid)
    back.advance(3 * MIN)
    assert back.rent(method="orders")["data"] == [] and len(own(back, bid)) == 1
    quote = back.rent(method="restore_user_precalc", id=bid)["data"]
    assert quote["outdays"] == 1 and quote["prolongTo"] == 30
    assert back.rent(method="restore_user", id=bid) == {"status": 1, "data": {"id": bid}}  # live
    assert [o["id"] for o in back.rent(method="orders")["data"]] == [bid]


def test_rate_limits_and_the_karma_ban_over_http():
    opts = ServeOptions(port=0, clock="manual", apikey="demo", balance="100")
    rent = {"method": "orders", "apikey": "demo"}
    account = {"metod": "get_balance", "apikey": "demo"}
    with serving(opts) as (base, served):
        served.rt.faults.monotonic = lambda: 100.0  # no second (and no minute) passes while we call
        requests.post(f"{base}/_mock/scenarios", json={"scenario": "rate-limited"}, timeout=10).raise_for_status()
        assert [requests.get(f"{base}/api/rent.php", params=rent, timeout=10).status_code for _ in range(3)] \
            == [200, 200, 429]
        answers = [requests.get(f"{base}/priemnik.php", params=account, timeout=10).json()["response"]
                   for _ in range(11)]
        assert answers == ["1"] * 10 + ["5"]
        world = requests.post(f"{base}/_mock/worlds", json={"apikey": "other"}, timeout=10).json()["world"]
        requests.post(f"{base}/_mock/scenarios", json={"world": world, "scenario": "karma-ban"},
                      timeout=10).raise_for_status()
        answers = [requests.get(f"{base}/priemnik.php", params={**account, "apikey": "other"}, timeout=10).json()
                   for _ in range(4)]
        assert answers == [{"response": "6"}] * 3 + [{"response": "1", "balance": "100.0000"}]  # live: 4 decimals


def test_transport_faults_over_http():
    opts = ServeOptions(port=0, clock="manual", apikey="demo", balance="100")
    create = {**RU, "apikey": "demo"}
    with serving(opts) as (base, served):
        delays = []
        served.rt.sleep = delays.append  # the 5 s are asked for, not waited
        api = f"{base}/api/rent.php"
        post = lambda name, world=None: requests.post(  # noqa: E731
            f"{base}/_mock/scenarios", json={"scenario": name, **({"world": world} if world else {})}, timeout=10)
        post("transport-drop").raise_for_status()
        with pytest.raises(requests.ConnectionError):
            requests.get(api, params=create, timeout=10)
        assert requests.get(api, params={"method": "orders", "apikey": "demo"}, timeout=10).json()["data"] == []
        assert requests.get(api, params=create, timeout=10).json()["status"] == 1
        for name, key, broken in (("transport-truncated", "t", requests.exceptions.ChunkedEncodingError),
                                  ("transport-malformed", "m", requests.exceptions.JSONDecodeError)):
            world = requests.post(f"{base}/_mock/worlds", json={"apikey": key}, timeout=10).json()["world"]
            post(name, world).raise_for_status()
            method = "create" if key == "t" else "orders"
            with pytest.raises(broken):
                requests.get(api, params={**create, "method": method, "apikey": key}, timeout=10).json()
            orders = requests.get(api, params={"method": "orders", "apikey": key}, timeout=10).json()["data"]
            assert len(orders) == (1 if key == "t" else 0)  # a cut create ran; a malformed answer's call did not
        world = requests.post(f"{base}/_mock/worlds", json={"apikey": "l"}, timeout=10).json()["world"]
        post("transport-latency", world).raise_for_status()
        assert requests.get(api, params={**create, "apikey": "l"}, timeout=10).json()["status"] == 1
        assert delays == [5.0]
