"""A world created (POST /_mock/worlds), replaced (snapshot PUT) or reset is served only once that change
is logged: rent calls racing it are logged after it, so after a crash the file starts again, every
acknowledged order in it (#16 item 1). Many rounds, each with four threads renting during the change."""
import json
import sys
import threading

import pytest

from mockserver.core.snapshot import dump_world
from mockserver.http.app import create_app
from tests.state_helpers import InProcess

ROUNDS = 8
THREADS = 4
CREATE = {"method": "create", "dtype": "week", "dcount": 1, "country": "RU", "service": "opt6"}


@pytest.fixture
def prompt_switches():
    """The server's thread switch interval (make_server sets it with --state): the race shows as it does there."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    yield
    sys.setswitchinterval(before)


def _race(s: InProcess, key: str, change) -> set[int]:
    """Run `change()` while THREADS threads rent as `key` (unknown until the change); the ids acknowledged."""
    acknowledged: set[int] = set()
    started = threading.Barrier(THREADS + 1)
    done = threading.Event()

    def renter(client):
        started.wait(10)
        after = 0
        for _ in range(3000):  # bounded; the change takes far fewer calls than that
            r = client.get("/api/rent.php", query_string={**CREATE, "apikey": key}).get_json()
            if r["status"] == 1:
                acknowledged.add(r["data"]["id"])
            if done.is_set():
                after += 1
                if after >= 3:
                    return

    # apps made here, one at a time (making Flask apps in parallel threads trips CPython 3.11's compiler)
    threads = [threading.Thread(target=renter, args=(create_app(s.hub, runtime=s.rt).test_client(),))
               for _ in range(THREADS)]
    for t in threads:
        t.start()
    started.wait(10)
    try:
        change()
    finally:
        done.set()
        for t in threads:
            t.join(60)
    return acknowledged


def _dumps(hub) -> str:
    return json.dumps({n: dump_world(w) for n, w in sorted(hub.worlds.items())}, sort_keys=True)


def test_rent_calls_racing_a_world_creation_or_a_snapshot_put_are_logged_after_it(tmp_path, prompt_switches):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    template = s.client.get("/_mock/worlds/default/snapshot").get_json()
    for i in range(ROUNDS):
        name, key, put_key = f"r{i}", f"key-r{i}", f"put-r{i}"
        made = _race(s, key, lambda: s.client.post("/_mock/worlds", json={"world": name, "apikey": key,
                                                                           "balance": "1000"}))
        # a snapshot with a fresh account of its own: renting as it is possible only once the PUT is in place
        snap = s.client.get(f"/_mock/worlds/{name}/snapshot").get_json()
        snap["accounts"].append({**template["accounts"][0], "apikey": put_key, "live": [], "archive": []})
        snap["accounts"][-1]["ledger"] = template["accounts"][0]["ledger"][:1]
        snap["accounts"][-1]["balance"] = template["accounts"][0]["ledger"][0][2]
        put = _race(s, put_key, lambda: s.client.put(f"/_mock/worlds/{name}/snapshot", json=snap))
        if i % 2:  # a reset puts a fresh world in place too (its first account is renting meanwhile)
            put = _race(s, key, lambda: s.client.post("/_mock/reset", json={"world": name}))
        assert made and put, (i, made, put)
        before = _dumps(s.hub)  # every renter has stopped: all of it was acknowledged
        s.crash()  # kill -9: only the committed log counts
        s = InProcess(path)
        assert _dumps(s.hub) == before, i
        assert s.client.delete(f"/_mock/worlds/{name}").status_code == 200
    s.stop()
