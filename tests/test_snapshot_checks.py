"""Loading a world checks it: a snapshot PUT that breaks an invariant is refused with the reason and
changes nothing; a checkpoint that does stops the start naming the file and the world."""
import json
import sqlite3

import pytest

from mockserver.core.snapshot import dump_world
from mockserver.state.storage import StateError
from tests.state_helpers import InProcess, refused

from .conftest import KEY


@pytest.fixture
def snap(client):
    """The default world's snapshot after one order (so it has a ledger, an order, events)."""
    offer = {"country": "RU", "service": "opt16", "price_day": "2.50"}
    assert client.post("/_mock/catalogue/offers", json=offer).status_code == 200
    r = client.get("/api/rent.php", query_string={"method": "create", "apikey": KEY, "dtype": "week", "dcount": 1,
                                                  "country": "RU", "service": "opt16"}).get_json()
    assert r["status"] == 1
    return client.get("/_mock/worlds/default/snapshot").get_json()


def _account(doc, key=KEY):
    return next(a for a in doc["accounts"] if a["apikey"] == key)


def _order(doc):
    return doc["orders"][0]


BROKEN = [
    (lambda d: _account(d).update(balance="-5"), f"account {KEY!r}: balance: must not be negative, got '-5'"),
    (lambda d: _account(d).update(balance=float("nan")), f'accounts[{KEY}].balance: nan is not of types "number", "string"'),
    (lambda d: _account(d).update(balance="99"), f"account {KEY!r}: balance 99.00 is not its ledger's sum 82.50"),
    (lambda d: _account(d)["ledger"][0].__setitem__(1, "gift"),
     f'accounts[{KEY}].ledger[0][1]: "gift" is not one of "initial", "topup" or 6 other candidates'),
    (lambda d: _account(d)["live"].append(99999),
     f"account {KEY!r}: running order 99999 is not a running order of this account"),
    (lambda d: _order(d).update(apikey="nobody"), f"account {KEY!r}: running order 40000 is not a running order of this account (and 1 more)"),
    (lambda d: d["orders"].append(dict(_order(d))), "order id 40000 appears twice"),
    (lambda d: d["holders"].update({"70000000000": [12345]}), "number 70000000000: held by unknown order 12345"),
    (lambda d: d["config"].update(activation_delay=[900, 600]),
     "config.activation_delay: [900, 600] is not [min, max] whole seconds, min <= max"),
    (lambda d: d["config"].update(refund="sometimes"),
     'config.refund: "sometimes" is not one of "lost_only", "never" or "unused"'),
    (lambda d: d["config"].update(hold_days=-1), "config.hold_days: -1 is less than the minimum of 0"),
    (lambda d: d["config"].update(hold_days=3651), "config.hold_days: 3651 is greater than the maximum of 3650"),
    (lambda d: d["clock"].update(now=-3), "clock.now: -3 is less than the minimum of 0"),
    (lambda d: d["clock"].update(now=2 ** 63), "clock.now: 9223372036854775808 is greater than the maximum of 253402300799"),
    (lambda d: d["events"][0].__setitem__(2, "explode"), None),
    (lambda d: _order(d).update(state=7), "orders[40000].state: 7 is not one of 0, 1 or 2 other candidates"),
    (lambda d: d.update(seq="x"), 'seq: "x" is not of type "integer"'),
]


@pytest.mark.parametrize("breaks, reason", BROKEN)
def test_a_snapshot_put_that_breaks_an_invariant_is_refused_and_changes_nothing(client, snap, breaks, reason):
    before = json.dumps(client.get("/_mock/worlds/default/snapshot").get_json(), sort_keys=True)
    breaks(snap)
    r = client.put("/_mock/worlds/default/snapshot", json=snap)
    assert r.status_code == 400
    message = r.get_json()["error"]
    assert message.startswith("snapshot: ")
    if reason is not None:
        assert message == "snapshot: " + reason
    assert json.dumps(client.get("/_mock/worlds/default/snapshot").get_json(), sort_keys=True) == before
    assert client.put("/_mock/worlds/other/snapshot", json=snap).status_code == 400
    assert client.get("/_mock/worlds/other").status_code == 404


def test_a_snapshot_put_with_an_unknown_dialect_or_variant_is_refused(client, snap):
    snap["config"]["dialect"] = "klingon"
    r = client.put("/_mock/worlds/default/snapshot", json=snap)
    assert r.status_code == 400
    assert r.get_json()["error"] == 'snapshot: config.dialect: "klingon" is not one of "documented", "sdk" or "live"'
    snap["config"].update(dialect="sdk", overrides={"create": "tuple"})
    r = client.put("/_mock/worlds/default/snapshot", json=snap)
    assert r.status_code == 400
    assert r.get_json()["error"] == "overrides.create: unknown variant 'tuple' (known: documented, list)"


def _corrupt(path, sql, *args):
    db = sqlite3.connect(path)
    db.execute(sql, args)
    db.commit()
    db.close()


def _reopen_error(path) -> str:
    with pytest.raises(StateError) as caught:
        InProcess(path)
    return str(caught.value)


def test_a_checkpoint_that_breaks_an_invariant_stops_the_start_naming_file_and_world(tmp_path):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    assert s.client.post("/_mock/catalogue/offers", json={"country": "RU", "service": "opt16",
                                                          "price_day": "2.50"}).status_code == 200
    s.rent(method="create", dtype="week", dcount=1, country="RU", service="opt16")
    s.stop()
    doc = json.loads(sqlite3.connect(path).execute("SELECT doc FROM worlds WHERE name='default'").fetchone()[0])
    good = json.dumps(doc)
    doc["accounts"][0]["balance"] = "1000"
    _corrupt(path, "UPDATE worlds SET doc = ? WHERE name = 'default'", json.dumps(doc))
    assert _reopen_error(path) == (f"{path}: checkpoint of world 'default': account 'demo': balance 1000.00 is not "
                                   "its ledger's sum 982.50")
    _corrupt(path, "UPDATE worlds SET doc = ? WHERE name = 'default'", good[:-40])
    assert _reopen_error(path).startswith(f"{path}: the checkpoint of world 'default' is not valid JSON (")
    out = refused(path)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith(f"rent-mock: {path}: the checkpoint of world 'default' is not valid JSON (")
    _corrupt(path, "UPDATE worlds SET doc = ? WHERE name = 'default'", "[" * 100_000)  # past json's recursion
    assert _reopen_error(path).startswith(f"{path}: the checkpoint of world 'default' is not valid JSON (")
    _corrupt(path, "UPDATE worlds SET doc = ? WHERE name = 'default'", good)
    s = InProcess(path)
    row = dump_world(s.hub.worlds["default"], s.hub.catalogue)  # as a row keeps it: the catalogue's changes
    assert json.dumps(row, sort_keys=True) == json.dumps(json.loads(good), sort_keys=True)
    s.stop()
