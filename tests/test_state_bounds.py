"""What the server can make, it can load: every bound the loader checks is checked by each operation that
could cross it (a balance, a discount, a moment in time), with a 400 naming the bound, never a state file
that refuses to start again (#16 items 2, 3, 4)."""
import json
from decimal import Decimal

import pytest

from mockserver.core import catalogue
from mockserver.core.clock import MAX_TIME, RealClock
from mockserver.core.snapshot import dump_world
from tests.state_helpers import InProcess, refused, with_order

from .conftest import KEY, make_hub
from mockserver.http.app import create_app

CREATE = {"method": "create", "dtype": "week", "dcount": 1, "country": "RU", "service": "opt16"}
LIMIT = "1000000000, the most an account holds"


def _state(hub) -> str:
    return json.dumps({n: dump_world(w) for n, w in hub.worlds.items()}, sort_keys=True)


def test_a_top_up_past_the_balance_bound_is_refused_naming_it(client, hub):
    assert client.post(f"/_mock/accounts/{KEY}/balance", json={"amount": "999999900"}).get_json()["balance"] == 10 ** 9
    before = _state(hub)
    for amount in ("0.01", "1000000000"):
        r = client.post(f"/_mock/accounts/{KEY}/balance", json={"amount": amount})
        assert r.status_code == 400
        assert r.get_json() == {"error": f"amount: Adding {Decimal(amount).normalize():f} to the balance of "
                                         f"1000000000 would pass {LIMIT}"}
    assert _state(hub) == before


def test_a_refund_past_the_balance_bound_refuses_the_delete_and_changes_nothing(shipped_catalogue):
    hub = make_hub(shipped_catalogue, refund="unused")
    client = create_app(hub).test_client()
    order = client.get("/api/rent.php", query_string={**CREATE, "apikey": KEY}).get_json()["data"]
    balance = hub.worlds["default"].accounts[KEY].balance
    assert client.post(f"/_mock/accounts/{KEY}/balance", json={"amount": str(10 ** 9 - balance)}).status_code == 200
    before = _state(hub)
    r = client.get("/api/rent.php", query_string={"method": "delete", "apikey": KEY, "id": order["id"]})
    assert r.get_json() == {"status": 0, "msg": f"Adding 3.43 to the balance of 1000000000 would pass {LIMIT}"}
    assert _state(hub) == before


def test_a_balance_at_the_bound_survives_a_clean_stop_and_a_snapshot_put(tmp_path):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    assert s.client.post("/_mock/accounts/demo/balance", json={"amount": "999999000"}).status_code == 200
    assert s.client.post("/_mock/accounts/demo/balance", json={"amount": "1"}).status_code == 400
    s.stop()
    s = InProcess(path)  # the file the server wrote starts again
    snap = s.client.get("/_mock/worlds/default/snapshot").get_json()
    assert snap["accounts"][0]["balance"] == "1000000000.00"
    assert s.client.put("/_mock/worlds/default/snapshot", json=snap).status_code == 200
    s.stop()


def _with_procent(doc: dict, procent: int) -> dict:
    ru = next(c for c in doc["countries"] if c["code"] == "RU")
    ru["services"]["opt16"]["procent"] = procent
    return doc


def test_a_discount_over_100_is_refused_by_a_control_body_a_catalogue_file_and_a_snapshot(client, hub, tmp_path):
    r = client.post("/_mock/catalogue/offers", json={"country": "RU", "service": "opt16", "procent": 101})
    assert r.status_code == 400 and r.get_json()["error"] == "procent: 101 is greater than the maximum of 100"
    doc = json.loads(catalogue.files("mockserver.core").joinpath("data/catalogue-reference.json").read_text())
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_with_procent(doc, 101)))
    with pytest.raises(catalogue.CatalogueError) as caught:
        catalogue.load(bad)
    assert str(caught.value) == f"{bad}: countries[RU].services.opt16.procent: 101 is greater than the maximum of 100"
    out = refused(str(tmp_path / "state.db"), "--catalogue", str(bad))
    assert out.returncode == 2 and out.stderr == f"rent-mock: {bad}: countries[RU].services.opt16.procent: 101 is greater than the maximum of 100\n"
    before = _state(hub)
    snap = client.get("/_mock/worlds/default/snapshot").get_json()
    _with_procent(snap["catalogue"], 101)
    r = client.put("/_mock/worlds/default/snapshot", json=snap)
    assert r.status_code == 400
    assert r.get_json()["error"] == "snapshot: catalogue.countries[RU].services.opt16.procent: 101 is greater than the maximum of 100"
    assert _state(hub) == before
    _with_procent(snap["catalogue"], 100)  # the bound itself: a free rental, never a negative price
    assert client.put("/_mock/worlds/default/snapshot", json=snap).status_code == 200


@pytest.mark.parametrize("body, error", [
    ({"set": 2 ** 63}, "set: 9223372036854775808 is greater than the maximum of 253402300799"),
    ({"set": MAX_TIME + 1}, "set: 253402300800 is greater than the maximum of 253402300799"),
    ({"advance": 100 * 365 * 86_400}, None),  # a century from now is fine ...
])
def test_a_time_the_store_cannot_keep_is_refused(client, hub, body, error):
    before = _state(hub)
    r = client.post("/_mock/clock", json=body)
    if error is None:
        assert r.status_code == 200
        return
    assert r.status_code == 400 and r.get_json()["error"] == error
    assert _state(hub) == before


def test_the_clock_stops_at_the_last_moment_the_store_keeps(tmp_path):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    assert s.client.post("/_mock/clock", json={"set": MAX_TIME - 60}).get_json()["now"] == MAX_TIME - 60
    r = s.client.post("/_mock/clock", json={"advance": 61})
    assert r.status_code == 400 and r.get_json()["error"] == (
        f"advance: the clock stops at {MAX_TIME} (9999-12-31T23:59:59Z); now is {MAX_TIME - 60}")
    assert s.client.post("/_mock/clock", json={"advance": 60}).get_json()["now"] == MAX_TIME
    oid = s.rent(**CREATE)["data"]["id"]  # a write at the last moment is logged, and replayed
    s.crash()
    s = InProcess(path)
    assert [o["id"] for o in s.rent(method="orders")["data"]] == [oid]
    s.stop()
    clock = RealClock(MAX_TIME - 10, lambda: 0.0, speed=1000.0)
    clock._wall = lambda: 5.0
    assert clock.now() == MAX_TIME


@pytest.mark.parametrize("raw, error", [
    ('{"start": 1e21}', "start: 1e+21 is greater than the maximum of 253402300799"),
    ('{"start": 253402300800}', "start: 253402300800 is greater than the maximum of 253402300799"),
    ('{"seed": 18446744073709551616}', "seed: 18446744073709551616 is greater than the maximum of 9223372036854775807"),
    # a range its loader refuses (min above max): the world could be made, and then its file never started again
    ('{"activation_delay": [5, 1]}', "activation_delay: [5, 1] is not [min, max] whole seconds, min <= max"),
    ('{"active_window": [1800, 600]}', "active_window: [1800, 600] is not [min, max] whole seconds, min <= max"),
])
def test_a_world_the_store_could_not_keep_is_refused(client, hub, raw, error):
    r = client.post("/_mock/worlds", data=raw, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"] == error
    assert list(hub.worlds) == ["default"]


def test_whole_numbers_written_as_decimals_are_kept_as_whole_numbers(tmp_path):
    # {"hold_days": 30.0} was kept as a float, which the loader refuses: the file never started again
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    r = s.client.post("/_mock/worlds", data='{"world": "f", "hold_days": 30.0, "seed": 7e0, "start": 1.7e9}',
                      content_type="application/json")
    assert r.status_code == 201
    config = s.hub.worlds["f"].config
    assert (config.hold_days, config.seed, config.start) == (30, 7, 1_700_000_000)
    assert all(type(v) is int for v in (config.hold_days, config.seed, config.start))
    s.stop()
    s = InProcess(path)
    assert s.hub.worlds["f"].config.hold_days == 30
    s.stop()


def test_serve_refuses_a_start_past_the_last_moment(tmp_path):
    out = refused(str(tmp_path / "state.db"), "--start", str(2 ** 63))
    assert out.returncode == 2 and "--start" in out.stderr and "253402300799" in out.stderr


# -- #26: one table of bounds (mockserver/core/bounds.py), every path checked against it ----------------------

SLOW = 'name = "slow"\ndescription = "d"\n[world]\n'


@pytest.mark.parametrize("setting, error", [
    ("activation_delay = [0, 100000000000]", "world.activation_delay[1]: 100000000000 is not of the form this field "
                                             "takes: Whole seconds from 0 to 3153600000, or a text such as"),
    ('active_window = ["10m", "99999999999d"]', "world.active_window: [600, 8639999999913600]: 8639999999913600 is "
                                                "past the most a world holds, 3153600000 s"),
])
def test_a_scenario_duration_past_the_bound_is_refused_by_load_and_by_check(client, hub, tmp_path, setting, error):
    # it loaded, passed --check, and the world could then neither PUT its own snapshot back nor start again
    from click.testing import CliRunner

    from mockserver.cli import main
    before = _state(hub)
    r = client.post("/_mock/scenarios", json={"scenario": SLOW + setting + "\n"})
    assert r.status_code == 400 and r.get_json()["error"].startswith("scenario: " + error)
    assert _state(hub) == before
    path = tmp_path / "slow.toml"
    path.write_text(SLOW + setting + "\n")
    done = CliRunner().invoke(main, ["scenarios", "--check", str(path)])
    assert done.exit_code == 1 and done.output.splitlines()[-1].startswith(f"Error: {path}: {error}")


def test_a_scenario_duration_at_the_bound_loads_and_its_world_starts_again(tmp_path):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    body = SLOW + 'active_window = [0, "36500d"]\n'  # a century: the bound itself
    assert s.client.post("/_mock/scenarios", json={"scenario": body}).status_code == 200
    snap = s.client.get("/_mock/worlds/default/snapshot").get_json()
    assert snap["config"]["active_window"] == [0, 3_153_600_000]
    assert s.client.put("/_mock/worlds/default/snapshot", json=snap).status_code == 200
    s.stop()
    s = InProcess(path)
    assert s.hub.worlds["default"].config.active_window == (0, 3_153_600_000)
    s.stop()


JUMP = ('name = "far"\ndescription = "d"\n[[events]]\non = "call"\nmethod = "create"\nafter = "1d"\n'
        'do = "jump"\nby = "3650d"\n')


def test_a_scripted_jump_past_the_last_moment_stops_the_clock_there(tmp_path):
    # the call that applied it answered 500 (ValueError), GET /_mock/clock too, and the file never started again
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    assert s.client.post("/_mock/clock", json={"set": MAX_TIME - 5 * 365 * 86_400}).status_code == 200
    assert s.client.post("/_mock/scenarios", json={"scenario": JUMP}).status_code == 200
    assert s.rent(**CREATE)["status"] == 1
    r = s.client.post("/_mock/clock", json={"advance": 86_400})  # the jump is due: 10 years on, past the end
    assert r.status_code == 200 and r.get_json()["now"] == MAX_TIME
    assert s.client.get("/_mock/clock").get_json()["now"] == MAX_TIME
    later = s.rent(**CREATE)  # at the last moment: its jump is queued a day later, past the end: never due
    assert later["status"] == 1
    assert s.client.get("/_mock/clock").status_code == 200
    s.crash()
    s = InProcess(path)  # replayed, jump included
    assert s.client.get("/_mock/clock").get_json()["now"] == MAX_TIME
    assert later["data"]["id"] in [o["id"] for o in s.rent(method="orders")["data"]]
    s.stop()


def test_order_ids_stop_at_their_bound_and_the_file_always_starts(tmp_path):
    # a PUT of an id of 2**63-1 was taken; the next id did not fit SQLite: no checkpoint, no start, ever
    from mockserver.core.bounds import BOUNDS, MAX_ORDER_ID
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    snap = s.client.get("/_mock/worlds/default/snapshot").get_json()
    before = _state(s.hub)
    r = s.client.put("/_mock/worlds/default/snapshot", json=with_order(json.loads(json.dumps(snap)), 2 ** 63 - 1))
    assert r.status_code == 400 and r.get_json()["error"] == (
        f"snapshot: accounts[demo].live[0]: 9223372036854775807 is greater than the maximum of {MAX_ORDER_ID} (and more)")
    assert _state(s.hub) == before
    # a snapshot may bring ids only up to a bound that leaves 2**32 to issue: ids are never issued twice, so a
    # PUT of the last id used up every world's ids for good (reset, delete and restart gave none back)
    given = BOUNDS["given_order_id"].high
    r = s.client.put("/_mock/worlds/default/snapshot", json=with_order(json.loads(json.dumps(snap)), given + 1))
    assert r.status_code == 400 and r.get_json()["error"] == (
        f"snapshot: orders: id {given + 1} is past the largest id a snapshot may bring, {given} (ids are never "
        f"issued twice in any world, so a snapshot must leave room to issue more)")
    assert _state(s.hub) == before
    assert s.client.put("/_mock/worlds/default/snapshot", json=with_order(snap, given)).status_code == 200
    assert s.rent(**CREATE)["data"]["id"] == given + 1
    s.hub.install_counter(MAX_ORDER_ID)  # as if every id but the last had been issued since
    made = s.rent(**CREATE)
    assert made["status"] == 1 and made["data"]["id"] == MAX_ORDER_ID  # the last id there is
    refused_call = s.rent(**{**CREATE, "method": "create_multi", "services": "opt16,opt6"})
    assert refused_call == {"status": 0, "msg": f"No order ids left: this server has issued every id up to {MAX_ORDER_ID}"}
    balance = s.hub.worlds["default"].accounts["demo"].balance
    assert s.rent(**CREATE)["status"] == 0 and s.hub.worlds["default"].accounts["demo"].balance == balance
    s.store.checkpoint(s.hub)  # the checkpoint is written
    s.crash()
    s = InProcess(path)  # and the file starts again
    assert MAX_ORDER_ID in [o["id"] for o in s.rent(method="orders")["data"]]
    assert s.hub.peek_next_id() == MAX_ORDER_ID + 1
    s.stop()


def _with_lease(doc: dict, days: int) -> dict:
    ru = next(c for c in doc["countries"] if c["code"] == "RU")
    ru["providers"][0]["lease_days"] = days  # MTS
    return doc


def test_a_lease_past_its_bound_is_refused_by_a_catalogue_file_and_a_snapshot(client, hub, tmp_path):
    # renting stored a lease_until past what the file loads: it never started after a clean stop
    doc = json.loads(catalogue.files("mockserver.core").joinpath("data/catalogue-reference.json").read_text())
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_with_lease(doc, 2 ** 63 - 10)))
    with pytest.raises(catalogue.CatalogueError) as caught:
        catalogue.load(bad)
    assert str(caught.value) == f"{bad}: countries[RU].providers[MTS].lease_days: 9223372036854775798 is greater than " \
                                f"the maximum of 36500"
    before = _state(hub)
    snap = client.get("/_mock/worlds/default/snapshot").get_json()
    _with_lease(snap["catalogue"], 36_501)
    r = client.put("/_mock/worlds/default/snapshot", json=snap)
    assert r.status_code == 400 and r.get_json()["error"] == (
        "snapshot: catalogue.countries[RU].providers[MTS].lease_days: 36501 is greater than the maximum of 36500")
    assert _state(hub) == before


def test_a_lease_at_its_bound_rented_at_the_last_moment_is_kept(tmp_path):
    doc = json.loads(catalogue.files("mockserver.core").joinpath("data/catalogue-reference.json").read_text())
    longest = tmp_path / "long.json"
    longest.write_text(json.dumps(_with_lease(doc, 36_500)))
    path = str(tmp_path / "state.db")
    s = InProcess(path, catalogue=str(longest))
    assert s.client.post("/_mock/clock", json={"set": MAX_TIME}).status_code == 200
    assert s.client.post("/_mock/accounts/demo/balance", json={"amount": "20000"}).status_code == 200
    made = s.rent(**{**CREATE, "dtype": "month", "dcount": 1000, "provider": "MTS"})  # until: 30,000 days after the last moment
    assert made["status"] == 1
    snap = s.client.get("/_mock/worlds/default/snapshot").get_json()
    assert snap["orders"][0]["lease_until"] == MAX_TIME + 36_500 * 86_400
    assert s.client.put("/_mock/worlds/default/snapshot", json=snap).status_code == 200
    s.stop()
    s = InProcess(path, catalogue=str(longest))
    assert [o["id"] for o in s.rent(method="orders")["data"]] == [made["data"]["id"]]
    s.stop()


def test_docs_state_the_bounds_table_the_code_follows():
    from pathlib import Path

    from mockserver.core.bounds import table
    text = (Path(__file__).parent.parent / "docs" / "state.md").read_text(encoding="utf-8")
    assert table() in text, "docs/state.md: paste mockserver.core.bounds.table() (python -m mockserver.core.bounds)"


def test_the_scenario_schema_bounds_what_the_table_bounds():
    # schema.json is written by hand: held here to the one table
    from mockserver.core.bounds import BOUNDS
    from mockserver.scenarios import format as fmt
    defs = fmt.schema()["$defs"]
    assert defs["duration"]["oneOf"][0]["maximum"] == BOUNDS["duration"].high
    # a scripted event's after/delay/by/past_until is a delay (ten years), not a duration (a century): the schema
    # said 'Whole seconds from 0 to 3153600000' of an after the loader then refused past 315360000
    assert defs["delay"]["oneOf"][0]["maximum"] == BOUNDS["delay"].high
    assert str(BOUNDS["delay"].high) in defs["delay"]["description"]
    for name in ("after", "delay", "by", "past_until"):
        assert f'"{name}": {{"$ref": "#/$defs/delay"' in fmt.SCHEMA_PATH.read_text(encoding="utf-8"), name
    world = defs["world"]["properties"]
    assert (world["hold_days"]["minimum"], world["hold_days"]["maximum"]) == (0, BOUNDS["hold_days"].high)
    assert world["speed"]["maximum"] == BOUNDS["speed"].high
    assert defs["tweak"]["properties"]["stock"]["oneOf"][0]["maximum"] == BOUNDS["stock"].high
