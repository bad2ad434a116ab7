"""Checkpoints: one row per world (no row near SQLite's size limit), memory bounded by one world, and
consistent with the log while requests keep writing."""
import json
import os
import sqlite3
import threading
import tracemalloc
from decimal import Decimal

from mockserver.core import catalogue
from mockserver.core.hub import Hub
from mockserver.core.snapshot import dump_world
from mockserver.core.world import WorldConfig
from mockserver.http.app import create_app
from mockserver.http.runtime import Runtime
from mockserver.replay import restore
from mockserver.storage import Store
from tests.state_helpers import InProcess

TINY = {"services": [{"code": "opt16", "name": "Instagram"}],
        "countries": [{"code": "RU", "providers": [{"name": "MTS"}],
                       "services": {"opt16": {"price_day": "1", "stock": {"MTS": 5}}}}]}


def _dumps(hub: Hub) -> str:
    return json.dumps({name: dump_world(w) for name, w in hub.worlds.items()}, sort_keys=True)


def _hub(cat) -> Hub:
    return Hub(cat, lambda: 0.0, WorldConfig(accounts={"demo": Decimal("100")}))


# 15,000 worlds (the count whose single-row checkpoint broke SQLite's limit) take half a minute here:
# CI checkpoints 3,000 under a value limit they exceed together; RENT_MOCK_LONG=1 runs all 15,000.
WORLDS = 15_000 if os.environ.get("RENT_MOCK_LONG") else 3_000


def test_thousands_of_worlds_checkpoint_and_reopen_under_a_small_row_limit(tmp_path):
    path = str(tmp_path / "state.db")
    cat = catalogue.parse(TINY)
    hub = _hub(cat)
    for i in range(WORLDS):
        hub.create_world(WorldConfig(seed=i, accounts={f"k{i}": Decimal("1")}))
    store = Store(path)
    # 5 MB per value: all worlds together are several times that, each one far below it
    store.db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 5_000_000)
    store.checkpoint(hub)
    total, largest = store.db.execute("SELECT SUM(LENGTH(doc)), MAX(LENGTH(doc)) FROM worlds").fetchone()
    assert total > 4 * 5_000_000 and largest < 10_000
    store.close()
    again = _hub(cat)
    store = Store(path)
    assert restore(Runtime(again, store), store) == 0
    assert len(again.worlds) == WORLDS + 1 and again.world_of(f"k{WORLDS - 1}").name == f"w{WORLDS}"
    assert again.peek_next_id() == hub.peek_next_id()
    store.close()


def test_a_checkpoint_holds_one_world_in_memory_at_a_time(tmp_path):
    hub = _hub(catalogue.parse(TINY))
    for i in range(200):
        hub.create_world(WorldConfig(seed=i, accounts={f"k{i}": Decimal("1")}))
    store = Store(str(tmp_path / "state.db"))
    store.batch_bytes = 100_000
    tracemalloc.start()
    try:
        store.checkpoint(hub)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    total = store.db.execute("SELECT SUM(LENGTH(doc)) FROM worlds").fetchone()[0]
    store.close()
    assert total > 1_500_000  # 201 worlds of about 8 KB
    assert peak < 500_000  # a batch of rows (100 KB) and one world's copy, never all of them


def test_a_checkpoint_taken_while_requests_write_matches_the_log(tmp_path):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    keys = ["demo"] + [s.client.post("/_mock/worlds", json={"balance": "1000"}).get_json()["apikey"] for _ in range(3)]
    stop = threading.Event()

    def writer(key, client):
        while not stop.is_set():
            body = client.get("/api/rent.php", query_string={"method": "create", "apikey": key, "dtype": "week",
                                                               "dcount": 1, "country": "RU", "service": "opt6"})
            client.post("/_mock/clock", json={"apikey": key, "advance": 60})
            if body.get_json()["status"] == 1:
                client.get("/api/rent.php", query_string={"method": "delete", "apikey": key,
                                                           "id": body.get_json()["data"]["id"]})

    # apps made here, one at a time (making Flask apps in parallel threads trips CPython 3.11's compiler)
    threads = [threading.Thread(target=writer, args=(k, create_app(s.hub, runtime=s.rt).test_client())) for k in keys]
    for t in threads:
        t.start()
    try:
        for _ in range(6):
            s.store.checkpoint(s.hub)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    before = _dumps(s.hub)
    assert s.store.pending > 0
    s.crash()
    s = InProcess(path)
    assert _dumps(s.hub) == before
    s.stop()
