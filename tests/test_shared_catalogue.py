"""Worlds share the server's catalogue until one changes it (copy on write): a fresh world costs a few KiB, and
no change in one world, whatever makes it, reaches another world or the server's catalogue."""
from __future__ import annotations

import gc
import json
import tracemalloc

import pytest

from mockserver.control.ops import run
from mockserver.core import rental
from mockserver.core.catalogue import Catalogue, parse
from mockserver.http.app import create_app
from mockserver.http.runtime import Runtime
from tests.conftest import KEY, START, make_hub
from tests.state_helpers import InProcess


def docs(hub) -> str:
    """Every catalogue the hub holds (the server's and each world's), as documents."""
    return json.dumps({"base": hub.catalogue.to_doc(), **{n: w.catalogue.to_doc() for n, w in hub.worlds.items()}},
                      sort_keys=True)


def test_fresh_worlds_share_the_servers_countries_and_services(shipped_catalogue):
    hub = make_hub(shipped_catalogue)
    rt = Runtime(hub)
    made = [run(rt, "worlds.create", {})[0]["world"] for _ in range(3)]
    base = hub.catalogue
    for name in ["default", *made]:
        cat = hub.worlds[name].catalogue
        assert all(cat.countries[c] is base.countries[c] for c in base.countries)
        assert cat.services is base.services and cat.countries is not base.countries


def test_a_rental_copies_only_its_country_and_only_for_its_world(shipped_catalogue):
    hub = make_hub(shipped_catalogue)
    rt = Runtime(hub)
    other = hub.worlds[run(rt, "worlds.create", {})[0]["world"]]
    world = hub.worlds["default"]
    shared_ru = hub.catalogue.countries["RU"]
    before = dict(shared_ru.offers["opt16"].stock)
    order = rental.create(world, KEY, "week", 1, "RU", ["opt16"])[0]
    own_ru = world.catalogue.countries["RU"]
    assert own_ru is not shared_ru and own_ru.offers["opt16"].stock[order.provider] == before[order.provider] - 1
    assert dict(shared_ru.offers["opt16"].stock) == before  # the server's catalogue is as it was
    assert other.catalogue.countries["RU"] is shared_ru
    assert all(world.catalogue.countries[c] is hub.catalogue.countries[c] for c in hub.catalogue.countries
               if c != "RU")  # the other countries stay shared
    rental.create(world, KEY, "week", 1, "RU", ["opt6"])
    assert world.catalogue.countries["RU"] is own_ru  # copied once


def test_no_change_in_one_world_reaches_another_or_the_server(shipped_catalogue):
    hub = make_hub(shipped_catalogue)
    rt = Runtime(hub)
    client = create_app(hub, runtime=rt).test_client()
    other = run(rt, "worlds.create", {"world": "other", "start": START})[0]
    before = json.loads(docs(hub))
    changes = [
        ("POST", "/_mock/catalogue/offers", {"country": "RU", "service": "opt16", "price_day": "9.99", "procent": 50,
                                             "stock": {"MTS": 0}}),
        ("POST", "/_mock/catalogue/offers", {"country": "DE", "service": "opt16", "price_day": "1.00"}),
        ("DELETE", "/_mock/catalogue/offers", {"country": "US", "service": "opt16"}),
        ("DELETE", "/_mock/catalogue/countries/UA", None),
        ("POST", "/_mock/catalogue/services", {"code": "opt9999", "name": "New"}),
    ]
    for verb, path, body in changes:
        r = client.open(path, method=verb, json=body or {})
        assert r.status_code in (200, 201), (path, r.get_json())
    order = rental.create(hub.worlds["default"], KEY, "week", 1, "KZ", ["opt16"])[0]
    hub.worlds["default"].advance(40 * 86_400)  # expiry, then the hold ends: stock comes back
    assert order.number not in hub.worlds["default"].holders
    after = json.loads(docs(hub))
    assert after["base"] == before["base"] and after["other"] == before["other"]
    changed = after["default"]
    assert changed != before["default"] and "opt9999" in {s["code"] for s in changed["services"]}
    assert "UA" not in {c["code"] for c in changed["countries"]}
    assert other["world"] == "other"


def test_what_is_shared_refuses_to_change(shipped_catalogue):
    hub = make_hub(shipped_catalogue)
    shared = hub.worlds["default"].catalogue.countries["RU"]
    offer = shared.offers["opt16"]
    with pytest.raises(TypeError):
        offer.stock["MTS"] = 0
    with pytest.raises(TypeError, match="shared between worlds"):
        offer.price_day = 1
    with pytest.raises(TypeError, match="shared between worlds"):
        shared.number_form = "national"
    with pytest.raises(TypeError):
        shared.offers["opt1"] = offer
    with pytest.raises(TypeError):
        hub.catalogue.services["x"] = None
    assert hub.worlds["default"].catalogue.own_offer("RU", "opt16").stock.update(MTS=0) is None  # its own copy


def test_a_copy_shares_nothing(shipped_catalogue):
    copied = make_hub(shipped_catalogue).catalogue.copy()
    copied.countries["RU"].offers["opt16"].stock["MTS"] = 0  # the simulator changes stock before worlds exist
    reference = shipped_catalogue["documented"]  # the default world's (documented): RU
    assert copied.countries["RU"] is not reference.countries["RU"]
    assert reference.countries["RU"].offers["opt16"].stock["MTS"] != 0


def test_a_loaded_world_shares_what_it_has_as_the_server_has_it(shipped_catalogue):
    hub = make_hub(shipped_catalogue)
    rt = Runtime(hub)
    client = create_app(hub, runtime=rt).test_client()
    rental.create(hub.worlds["default"], KEY, "week", 1, "RU", ["opt16"])
    snap = client.get("/_mock/worlds/default/snapshot").get_json()
    assert client.put("/_mock/worlds/default/snapshot", json=snap).status_code == 200
    loaded = hub.worlds["default"].catalogue
    assert loaded.countries["RU"] is not hub.catalogue.countries["RU"]  # changed there: its own, as snapshotted
    assert loaded.to_doc() == parse(snap["catalogue"]).to_doc()
    assert all(loaded.countries[c] is hub.catalogue.countries[c] for c in hub.catalogue.countries if c != "RU")
    assert loaded.services is hub.catalogue.services
    rental.create(hub.worlds["default"], KEY, "week", 1, "KZ", ["opt16"])  # a loaded world copies on write too
    assert loaded.countries["KZ"] is not hub.catalogue.countries["KZ"]
    assert dict(hub.catalogue.countries["KZ"].offers["opt16"].stock) != dict(loaded.countries["KZ"].offers["opt16"].stock)


def test_parse_with_a_base_reads_what_differs_and_checks_it(shipped_catalogue):
    base = make_hub(shipped_catalogue).catalogue
    doc = base.to_doc()
    doc["countries"][0]["services"] = {"opt_unknown": {"price_day": "1"}}
    with pytest.raises(ValueError, match="unknown service 'opt_unknown'"):
        parse(doc, base)
    same = parse(base.to_doc(), base)
    assert isinstance(same, Catalogue) and all(same.countries[c] is base.countries[c] for c in base.countries)


def test_a_world_restored_from_the_state_file_shares_too(tmp_path):
    path = str(tmp_path / "state.db")
    first = InProcess(path)
    first.rent(method="create", dtype="week", dcount=1, country="RU", service="opt16")
    first.client.post("/_mock/worlds", json={"world": "fresh"})
    first.stop()
    again = InProcess(path)
    try:
        base = again.hub.catalogue
        fresh, default = again.hub.worlds["fresh"].catalogue, again.hub.worlds["default"].catalogue
        assert all(fresh.countries[c] is base.countries[c] for c in base.countries)
        assert default.countries["RU"] is not base.countries["RU"]
        assert all(default.countries[c] is base.countries[c] for c in base.countries if c != "RU")
    finally:
        again.stop()


def test_a_fresh_world_costs_a_few_kib(shipped_catalogue):
    rt = Runtime(make_hub(shipped_catalogue))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    made = [run(rt, "worlds.create", {}) for _ in range(100)]
    gc.collect()
    per_world = (tracemalloc.get_traced_memory()[0] - before) / 100
    tracemalloc.stop()
    assert len(made) == 100 and per_world < 32 * 1024  # a copy of the catalogue was about 725 KiB
