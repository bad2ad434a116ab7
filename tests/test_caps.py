"""Caps that keep memory bounded, each refused with an error naming the cap: worlds, journal size and
journal entries, snapshot size."""
from __future__ import annotations

import json

import pytest
import requests

from mockserver.http.app import create_app
from mockserver.http.journal import ENTRY_FINDINGS, ENTRY_PARAMS, ENTRY_TEXT
from mockserver.http.runtime import Runtime
from tests.conftest import KEY
from tests.test_cli import start


@pytest.fixture
def rt(hub):
    return Runtime(hub)


@pytest.fixture
def capped(hub, rt):
    return create_app(hub, None, rt).test_client()


def test_worlds_past_the_cap_are_refused_naming_it(capped, rt):
    rt.max_worlds = 3  # the default world and two more
    made = [capped.post("/_mock/worlds", json={}) for _ in range(2)]
    assert [r.status_code for r in made] == [201, 201]
    refused = capped.post("/_mock/worlds", json={})
    assert refused.status_code == 409
    assert refused.get_json() == {"error": "world limit reached: 3 worlds exist, the cap is 3 "
                                           "(rent-mock serve --max-worlds); delete one first"}
    snapshot = capped.get("/_mock/worlds/default/snapshot").get_json()
    assert capped.put("/_mock/worlds/new-one/snapshot", json=snapshot).status_code == 409
    assert capped.put(f"/_mock/worlds/{made[0].get_json()['world']}/snapshot", json=snapshot).status_code == 409
    capped.delete(f"/_mock/worlds/{made[1].get_json()['world']}")
    assert capped.post("/_mock/worlds", json={}).status_code == 201


def test_a_snapshot_may_replace_a_world_at_the_cap(capped, rt):
    rt.max_worlds = 1
    snapshot = capped.get("/_mock/worlds/default/snapshot").get_json()
    for account in snapshot["accounts"]:
        account["apikey"] = account["apikey"]  # the same world, put back in place
    assert capped.put("/_mock/worlds/default/snapshot", json=snapshot).status_code == 200


def test_journal_size_past_the_journal_max_is_refused(capped, rt):
    rt.journal_max = 50
    r = capped.post("/_mock/worlds", json={"journal_size": 51})
    assert r.status_code == 400 and r.get_json() == {"error": "journal_size: at most 50 (rent-mock serve --journal-max)"}
    assert capped.post("/_mock/worlds", json={"journal_size": 50}).status_code == 201


def test_a_journal_entry_keeps_a_bounded_part_of_a_huge_request(capped):
    query = {f"{i:03d}" + "k" * 147: "v" * 250 for i in range(20)}  # 8 KB of parameters (the wire limit), all unknown
    capped.get("/api/rent.php", query_string={"method": "orders", "apikey": KEY, **query})
    entry = capped.get("/_mock/journal").get_json()["entries"][-1]
    assert len(entry["params"]) == ENTRY_PARAMS + 1
    assert entry["params"]["..."] == f"{2 + 20 - ENTRY_PARAMS} more parameters not kept"
    assert all(len(k) <= ENTRY_TEXT and len(v) <= ENTRY_TEXT for k, v in entry["params"].items())
    assert len(entry["findings"]) == ENTRY_FINDINGS + 1 and entry["findings"][-1] == f"and {20 - ENTRY_FINDINGS} more"


def test_snapshot_put_past_its_limit_is_refused_and_under_it_may_exceed_other_bodies(capped, rt):
    snapshot = capped.get("/_mock/worlds/default/snapshot").get_json()
    padded = json.dumps(snapshot) + " " * (2 << 20)  # 2 MiB: over the 1 MiB of other control bodies
    ok = capped.put("/_mock/worlds/default/snapshot", data=padded, content_type="application/json")
    assert ok.status_code == 200, ok.get_json()
    rt.max_snapshot = 1000
    refused = capped.put("/_mock/worlds/default/snapshot", data=padded, content_type="application/json")
    assert refused.status_code == 413
    assert refused.get_json() == {"error": f"snapshot of {len(padded)} bytes is over the limit of 1000 bytes "
                                           "(rent-mock serve --max-snapshot)"}
    assert capped.post("/_mock/worlds", data=padded, content_type="application/json").status_code == 413


def test_max_worlds_is_a_serve_option():
    proc, info, _ = start("--clock", "manual", "--max-worlds", "2")
    try:
        base = info["base URL"]
        assert requests.post(base + "/_mock/worlds", json={}, timeout=10).status_code == 201
        refused = requests.post(base + "/_mock/worlds", json={}, timeout=10)
        assert refused.status_code == 409 and "the cap is 2 (rent-mock serve --max-worlds)" in refused.json()["error"]
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
