"""The snapshot format is one table (core/snapshot.py PARTS): the writer and the schema a PUT and a
checkpoint are checked against come from it. Hostile documents get a 400 naming the place, never a 500,
and change nothing; what a PUT accepts, the server can serve, write and load again (#16 item 5)."""
import json
import sqlite3
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.core import catalogue
from mockserver.core.hub import Hub
from mockserver.core.snapshot import PARTS, SCHEMA_FILE, SNAPSHOT_SCHEMA, dump_world, load_world
from mockserver.core.world import WorldConfig
from mockserver.http.app import create_app
from mockserver.state.storage import StateError
from tests.state_helpers import InProcess, refused

SMALL = {"services": [{"code": "opt6", "name": "Telegram"}, {"code": "opt16", "name": "Instagram"}],
         "countries": [{"code": "RU", "providers": [{"name": "MTS"}, {"name": "Tele2"}],
                        "services": {"opt6": {"price_day": "0.50", "procent_days": 30, "procent": 10,
                                              "stock": {"MTS": 5, "Tele2": 1}},
                                     "opt16": {"price_day": "1.10", "stock": {"MTS": 2}}}},
                       {"code": "US", "providers": [{"name": "ATT"}],
                        "services": {"opt6": {"price_day": "2", "stock": {"ATT": 3}}}}]}
KEY = "k-rich"


def _rich():
    """A hub whose default world has live and archived orders, SMS, events, a held and a pooled number."""
    hub = Hub(catalogue.parse(SMALL), lambda: 0.0, WorldConfig(start=1_700_000_000, accounts={KEY: Decimal("100")},
                                                                refund="unused"))
    client = create_app(hub).test_client()
    rent = lambda **q: client.get("/api/rent.php", query_string={"apikey": KEY, **q}).get_json()  # noqa: E731
    week = {"method": "create", "dtype": "week", "dcount": 1, "country": "RU"}
    first = rent(**week, service="opt6")["data"]["id"]
    second = rent(**week, service="opt16")["data"]["id"]
    rent(method="activate", id=first)
    client.post("/_mock/clock", json={"advance": 700})
    assert client.post("/_mock/sms", json={"order": first, "text": "code 1"}).get_json()["delivered"]
    rent(method="delete", id=second)
    client.post("/_mock/clock", json={"advance": 8 * 86_400})  # the first expires: archived, its number held
    rent(**week, service="opt6")
    return hub, client


HUB, CLIENT = _rich()
GOOD = CLIENT.get("/_mock/worlds/default/snapshot").get_json()


def _state(hub) -> str:
    return json.dumps({n: dump_world(w) for n, w in sorted(hub.worlds.items())}, sort_keys=True)


def test_the_shipped_schema_file_is_the_one_the_table_makes():
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == SNAPSHOT_SCHEMA, \
        "run: python -m mockserver.core.snapshot"


def test_the_writer_writes_every_part_and_nothing_else():
    assert list(GOOD) == [key for key, _, _ in PARTS] == list(SNAPSHOT_SCHEMA["properties"])
    assert GOOD["closures"] and GOOD["sms"] and GOOD["events"] and GOOD["holders"] and GOOD["pool"]


def _edit(doc: dict, path: tuple, value) -> dict:
    doc = json.loads(json.dumps(doc))
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


ORDER = GOOD["orders"][0]["id"]
NUMBER = next(iter(GOOD["sms"]))
# the cases (a PUT answered 500, or was taken and then broke get_rent_history or the next start)
CASES = [
    (("accounts", 0, "archive"), [{}], f'accounts[{KEY}].archive[0]: {{}} is not of type "integer"'),
    (("sms", NUMBER, 0, "apikey"), [], f'sms.{NUMBER}[0].apikey: [] is not of type "string"'),
    (("closures",), {}, 'closures: {} is not of type "array"'),
    (("closures",), "", 'closures: "" is not of type "array"'),
    (("closures", 0, "begin"), {"x": 1}, f'closures[{GOOD["closures"][0]["order"]}].begin: {{"x":1}} is not of type "integer"'),
    (("closures", 0, "days"), "seven", f'closures[{GOOD["closures"][0]["order"]}].days: "seven" is not of type "integer"'),
    (("orders", 0, "extra_services"), [3], f'orders[{ORDER}].extra_services[0]: 3 is not of type "string"'),
    (("rng", 1), [1, 2], "rng[1]: [1,2] has less than 625 items"),
    (("clock",), {"mode": "real", "start": 1}, 'clock: "origin" is a required property (and more)'),
    (("config", "speed"), 0, "config.speed: 0 is less than or equal to the minimum of 0"),
    (("pool",), [["RU"]], 'pool[0]: ["RU"] has less than 3 items'),
]


@pytest.mark.parametrize("path, value, reason", CASES)
def test_a_snapshot_with_a_field_of_the_wrong_type_is_refused_naming_it(path, value, reason):
    before = _state(HUB)
    r = CLIENT.put("/_mock/worlds/default/snapshot", json=_edit(GOOD, path, value))
    assert (r.status_code, r.get_json()) == (400, {"error": f"snapshot: {reason}"})
    assert _state(HUB) == before


def test_such_a_world_in_a_checkpoint_stops_the_start_in_one_line_naming_file_and_world(tmp_path):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    assert s.client.put("/_mock/worlds/rich/snapshot", json=GOOD).status_code == 200
    s.stop()
    for where, value, reason in CASES[:6]:
        db = sqlite3.connect(path)
        db.execute("UPDATE worlds SET doc = ? WHERE name = 'rich'", (json.dumps(_edit(GOOD, where, value)),))
        db.commit()
        db.close()
        with pytest.raises(StateError) as caught:
            InProcess(path)
        assert str(caught.value) == f"{path}: checkpoint of world 'rich': {reason}"
    out = refused(path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr == f"rent-mock: {path}: checkpoint of world 'rich': {CASES[5][2]}\n"


def _paths(doc, prefix=()):
    """Every place in `doc` (dict keys and list items), the top level included."""
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            out += _paths(value, prefix + (index,))
    return out


PLACES = _paths(GOOD)
HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70), st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
    st.sampled_from([{}, [], "", {"x": 1}, "seven", [{}], [[]], "RU", "opt6", KEY, ORDER, 2 ** 63, 253402300800]),
    st.lists(st.integers(-2, 2 ** 40), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
MUTATION = st.tuples(st.sampled_from(PLACES), st.sampled_from(["set", "set", "drop", "add"]), HOSTILE)


def _mutate(doc: dict, mutations) -> dict:
    doc = json.loads(json.dumps(doc))
    for path, how, value in mutations:
        value = json.loads(json.dumps(value))  # a fresh copy: sampled values are shared between examples
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            if how == "set":
                parent[path[-1]] = value
            elif how == "drop":
                del parent[path[-1]]
            elif isinstance(parent[path[-1]], list):
                parent[path[-1]].append(value)
            elif isinstance(parent[path[-1]], dict):
                parent[path[-1]][str(value)[:8]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation took this place away
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_a_hostile_snapshot_is_a_400_never_a_500_and_what_is_taken_serves_and_loads_again(mutations):
    doc = _mutate(GOOD, mutations)
    before = _state(HUB)
    r = CLIENT.put("/_mock/worlds/default/snapshot", data=json.dumps(doc), content_type="application/json")
    assert r.status_code in (200, 400, 409), (r.status_code, r.get_data(as_text=True)[:300])
    if r.status_code != 200:
        assert set(r.get_json()) == {"error"} and r.get_json()["error"]
        assert _state(HUB) == before
        return
    try:
        world = HUB.worlds["default"]
        again = load_world(json.loads(json.dumps(dump_world(world))), "default", HUB._next_id, HUB.wall)
        assert dump_world(again) == dump_world(world)  # what the server took, it writes and loads again
        for account in list(world.accounts):
            for query in ({"method": "orders"}, {"method": "get_rent_history"}, {"method": "getdata", "country": "RU"}):
                served = CLIENT.get("/api/rent.php", query_string={"apikey": account, **query})
                assert served.status_code == 200, (query, served.get_data(as_text=True)[:300])
        for order in list(world.orders):
            assert CLIENT.get(f"/_mock/orders/{order}/sms").status_code in (200, 404)
    finally:
        assert CLIENT.put("/_mock/worlds/default/snapshot", json=GOOD).status_code == 200
