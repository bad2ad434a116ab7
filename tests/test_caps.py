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


def _fill(client, world_path: str, apikey: str, n: int, method: str = "orders") -> None:
    for _ in range(n):
        client.get(f"{world_path}/api/rent.php", query_string={"method": method, "apikey": apikey})


def test_the_journals_of_all_worlds_keep_at_most_the_total_oldest_first(hub):
    rt = Runtime(hub, journal_size=1000, journal_total=30)
    client = create_app(hub, None, rt).test_client()
    other = client.post("/_mock/worlds", json={}).get_json()
    _fill(client, "", KEY, 20)  # the default world: 20 entries
    _fill(client, other["base_path"], other["apikey"], 15)  # 35 in all: the default world's 5 oldest go
    entries = lambda world: client.get("/_mock/journal", query_string={"world": world, "limit": 1000}).get_json()[
        "entries"]
    assert [e["seq"] for e in entries("default")] == list(range(6, 21))
    assert len(entries(other["world"])) == 15
    assert rt.journal_budget.count == 30
    _fill(client, other["base_path"], other["apikey"], 30)  # the other world's own newest 30 are all that is kept
    assert entries("default") == [] and [e["seq"] for e in entries(other["world"])] == list(range(16, 46))
    assert client.delete("/_mock/journal", query_string={"world": other["world"]}).get_json() == {"cleared": 30}
    _fill(client, "", KEY, 3)
    assert [e["seq"] for e in entries("default")] == [21, 22, 23] and rt.journal_budget.count == 3


def test_a_journal_keeps_its_own_size_within_the_total_and_a_deleted_world_gives_its_share_back(hub):
    rt = Runtime(hub, journal_size=5, journal_total=100)
    client = create_app(hub, None, rt).test_client()
    other = client.post("/_mock/worlds", json={"journal_size": 7}).get_json()
    _fill(client, "", KEY, 12)
    _fill(client, other["base_path"], other["apikey"], 12)
    assert rt.journal_budget.count == 12
    client.delete(f"/_mock/worlds/{other['world']}")
    assert rt.journal_budget.count == 5
    for _ in range(3000):  # references to entries long gone do not pile up
        rt.journal("default").add(at=0.0, verb="GET", method="orders", params={}, apikey=KEY, status=1,
                                  http_status=200, latency_ms=0.1, findings=[])
    assert rt.journal_budget.count == 5 and len(rt.journal_budget.order) <= 2 * 5 + 1024 + 1


@pytest.mark.parametrize("args, message", [
    (["--journal-max", "50"], "rent-mock: --journal-max 50 is below --journal-size 1000: the server's own journals "
                              "would be larger than any world may ask for; raise --journal-max or lower --journal-size"),
    (["--journal-size", "60000"], "rent-mock: --journal-size 60000 is above --journal-total 50000, the entries all "
                                  "worlds keep together; raise --journal-total or lower --journal-size"),
    (["--journal-total", "2000", "--journal-max", "5000"],
     "rent-mock: --journal-max 5000 is above --journal-total 2000, the entries all worlds keep together; raise "
     "--journal-total or lower --journal-max"),
    (["--connection-limit", "100000000"], "rent-mock: --connection-limit 100000000: this process may open "),
])
def test_contradictory_options_are_refused_in_one_line(args, message):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "mockserver.cli", "serve", "--port", "0", *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr


def test_defaults_fit_within_each_other():
    from mockserver.serve.server import ServeOptions, journal_max, option_problem

    assert option_problem(ServeOptions()) is None and journal_max(ServeOptions()) == 10_000
    assert journal_max(ServeOptions(journal_total=2000)) == 2000  # the default follows a smaller total
    assert journal_max(ServeOptions(journal_size=3000, journal_total=2500)) == 3000
    assert option_problem(ServeOptions(journal_size=3000, journal_total=2500)) is not None


def test_the_limits_page_quotes_every_memory_figure_as_measured():
    from benchmarks.figures import PAGE, ROOT, read_rows

    memory = [r for r in read_rows(PAGE.read_text(encoding="utf-8"))
              if r["command"] == "python benchmarks/memory.py --json"]
    page = (ROOT / "docs" / "state.md").read_text(encoding="utf-8")
    section = page[page.index("## Limits"):]
    assert len(memory) >= 8 and "`python benchmarks/memory.py`" in section
    assert [f"{r['figure']}: {r['value']}" for r in memory if f" {r['value']}" not in section] == []
