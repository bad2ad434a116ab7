"""World names: a safe alphabet ([A-Za-z0-9_-], 1 to 64) or a 400; auto-names never clash, restarts included."""
import json
import re
from urllib.parse import quote

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.control.ops import run
from mockserver.serve.server import ServeOptions, make_server
from tests.conftest import START
from tests.test_bad_input import fresh, state

SAFE = re.compile(r"[A-Za-z0-9_-]{1,64}")
NAME_RULE = "world: must be 1 to 64 of the characters A-Z a-z 0-9 _ -, got "
UNSAFE = st.one_of(
    st.sampled_from(["", "/", "a/b", "../x", "..", ".", "w 1", "w1\n", "é", "мир", "w%2F1", "a?b", "a#b", "x" * 65,
                     "ｗ１", "w١", "a.b", "a\x00"]),
    st.text(max_size=70).filter(lambda s: not SAFE.fullmatch(s)),
)


@settings(max_examples=120, deadline=None)
@given(name=UNSAFE)
def test_unsafe_world_names_are_refused(name):
    hub, client = fresh()
    before = state(hub)
    r = client.post("/_mock/worlds", json={"world": name})
    assert (r.status_code, r.get_json()["error"]) == (400, NAME_RULE + repr(name[:70]))
    assert state(hub) == before and sorted(hub.worlds) == ["default"]


@pytest.mark.parametrize("name", ["é", "a b", "x" * 65, "a.b"])
def test_a_snapshot_cannot_create_an_unsafe_world(name):
    hub, client = fresh()
    snap = client.get("/_mock/worlds/default/snapshot").get_json()
    r = client.put(f"/_mock/worlds/{quote(name)}/snapshot", json=snap)
    assert (r.status_code, r.get_json()["error"]) == (400, NAME_RULE + repr(name))
    assert sorted(hub.worlds) == ["default"]


def test_safe_names_work_everywhere():
    hub, client = fresh()
    name = "Team-7_blue"
    made = client.post("/_mock/worlds", json={"world": name, "seed": 3}).get_json()
    assert made["world"] == name and made["base_path"] == f"/w/{name}"
    assert client.get(f"/_mock/worlds/{name}").get_json()["world"] == name
    got = client.get(f"/w/{name}/api/rent.php", query_string={"method": "orders", "apikey": made["apikey"]})
    assert got.get_json() == {"status": 1, "data": []}
    assert client.delete(f"/_mock/worlds/{name}").get_json() == {"deleted": True}


def test_auto_names_skip_names_taken_explicitly():
    hub, client = fresh()
    assert client.post("/_mock/worlds", json={"world": "w1"}).status_code == 201
    assert client.post("/_mock/worlds", json={"world": "w3"}).status_code == 201
    auto = [client.post("/_mock/worlds", json={}) for _ in range(3)]
    assert [(r.status_code, r.get_json()["world"]) for r in auto] == [(201, "w2"), (201, "w4"), (201, "w5")]


def test_auto_names_after_a_restart_skip_the_kept_worlds(tmp_path):
    opts = ServeOptions(port=0, clock="manual", start=START, state=str(tmp_path / "mock.db"))
    served = make_server(opts)
    first = [run(served.rt, "worlds.create", {})[0]["world"] for _ in range(2)]
    served.close()
    served = make_server(opts)
    try:
        assert sorted(served.hub.worlds) == ["default", *first] == ["default", "w1", "w2"]
        made, status = run(served.rt, "worlds.create", {})
        assert (status, made["world"]) == (201, "w3")
    finally:
        served.close()
    served = make_server(opts)  # the auto-named world was logged with its name: it comes back as w3
    try:
        assert sorted(served.hub.worlds) == ["default", "w1", "w2", "w3"]
        assert json.loads(json.dumps(run(served.rt, "worlds.describe", {"world": "w3"})[0]))["world"] == "w3"
    finally:
        served.close()


SNOWMAN_PATHS = ["/w/%E2%98%83/api/rent.php", "/w/%E2%98%83/rent.php"]


@pytest.mark.parametrize("path", SNOWMAN_PATHS)
def test_a_world_in_the_path_is_named_in_utf8_in_process(path):
    hub, client = fresh()
    r = client.get(path, query_string={"method": "getcountries"})
    assert r.get_json() == {"status": 0, "msg": "Unknown world: ☃"}


@pytest.mark.parametrize("path", SNOWMAN_PATHS)
def test_a_world_in_the_path_is_named_in_utf8_over_the_wire(live_server, path):
    r = requests.get(live_server + path, params={"method": "getcountries"}, timeout=10)
    assert r.json() == {"status": 0, "msg": "Unknown world: ☃"}
    bad = requests.get(live_server + "/w/%FF%E2%98%83/api/rent.php", params={"method": "getcountries"}, timeout=10)
    assert bad.json() == {"status": 0, "msg": "Unknown world: \ufffd☃"}  # not UTF-8: replaced, never a 500


def test_a_world_in_a_control_path_is_named_in_utf8(live_server):
    r = requests.get(live_server + "/_mock/worlds/%E2%98%83", timeout=10)
    assert (r.status_code, r.json()) == (404, {"error": "unknown world '☃'"})
