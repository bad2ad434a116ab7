"""The state file's promises: replay applies every logged kind or stops the start, seq numbers and order
ids are never reused, one process per file, a change that cannot be logged is not applied."""
import json
import os
import sqlite3

import requests

from mockserver.core.clock import ManualClock
from mockserver.core.snapshot import dump_world
from tests.state_helpers import InProcess, kill, refused, serve, stop

J = {"timeout": 10}
CREATE = {"method": "create", "apikey": "demo", "dtype": "week", "dcount": 1, "country": "RU", "service": "opt16"}


def test_replay_after_a_crash_applies_catalogue_changes_and_snapshots(tmp_path):
    # a fresh process replays before any route exists: its operation registry must be complete anyway
    path = str(tmp_path / "state.db")
    proc, base = serve(path)
    try:
        post = lambda p, body: requests.post(f"{base}/_mock{p}", json=body, **J)  # noqa: E731
        assert post("/catalogue/services", {"code": "opt900", "name": "Mine"}).status_code == 201
        assert post("/catalogue/offers", {"country": "RU", "service": "opt16", "price_day": "10.01"}).ok
        assert post("/catalogue/offers", {"country": "RU", "service": "opt900", "price_day": "2",
                                          "stock": {"MTS": 1}}).ok
        ru = requests.get(f"{base}/api/rent.php", params=CREATE, **J).json()["data"]
        mine = requests.get(f"{base}/api/rent.php", params={**CREATE, "service": "opt900"}, **J).json()["data"]
        snap = requests.get(f"{base}/_mock/worlds/default/snapshot", **J).json()
        w = post("/worlds", {"apikey": "k-put", "balance": "3"}).json()
        assert requests.delete(f"{base}/_mock/catalogue/countries/AT", params={"world": w["world"]}, **J).ok
        assert requests.put(f"{base}/_mock/worlds/default/snapshot", json=snap, **J).ok
        after = requests.get(f"{base}/api/rent.php", params=CREATE, **J).json()["data"]
    finally:
        kill(proc)
    proc, base = serve(path)
    try:
        ledger = requests.get(f"{base}/_mock/accounts/demo", **J).json()
        assert [(e["kind"], e["amount"], e.get("order")) for e in ledger["ledger"]] == [
            ("initial", 1000, None), ("create", 70.07, ru["id"]), ("create", 14, mine["id"]),
            ("create", 70.07, after["id"])]
        assert ledger["balance"] == 845.86
        catalogue = requests.get(f"{base}/_mock/catalogue", params={"world": w["world"]}, **J).json()
        assert "AT" not in [c["code"] for c in catalogue["countries"]]
    finally:
        stop(proc)


def test_an_entry_replay_cannot_apply_stops_the_start_naming_file_and_seq(tmp_path):
    path = str(tmp_path / "state.db")
    proc, base = serve(path)
    requests.get(f"{base}/api/rent.php", params=CREATE, **J)
    kill(proc)
    db = sqlite3.connect(path)
    db.execute("INSERT INTO log (seq, kind, name, world, body, now, ids) "
               "VALUES (900, 'control', 'catalogue.rename', 'default', '{}', 0, '[]')")
    db.commit()
    db.close()
    out = refused(path)
    assert out.returncode == 2 and out.stdout.count("\n") == 0
    assert out.stderr == (f"rent-mock: {path}: log entry 900: unknown control operation 'catalogue.rename' "
                          "(written by another version?)\n")
    db = sqlite3.connect(path)
    db.execute("UPDATE log SET name = 'sms.send', body = '{\"order\": 123, \"text\": \"x\"}' WHERE seq = 900")
    db.commit()
    db.close()
    out = refused(path)
    assert out.returncode == 2
    assert out.stderr == (f"rent-mock: {path}: log entry 900 (control sms.send, world 'default') cannot be "
                          "applied: refused with 404: unknown order 123\n")


def test_seq_numbers_and_order_ids_survive_a_clean_stop_then_two_crashes(tmp_path):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    first = s.rent(**CREATE)["data"]["id"]
    s.stop()
    s = InProcess(path)  # the log is empty now: its next seq must still be above the checkpoint's
    second = s.rent(**CREATE)["data"]["id"]
    s.crash()
    s = InProcess(path)
    third = s.rent(**CREATE)["data"]["id"]
    s.crash()
    s = InProcess(path)
    fourth = s.rent(**CREATE)["data"]["id"]
    live = [o["id"] for o in s.rent(method="orders")["data"]]
    seqs = [r[0] for r in s.store.db.execute("SELECT seq FROM log ORDER BY seq")]
    s.stop()
    assert live == [first, second, third, fourth] and len(set(live)) == 4
    assert seqs == sorted(set(seqs))


def test_a_second_server_on_the_same_file_refuses_to_start(tmp_path):
    path = str(tmp_path / "state.db")
    proc, base = serve(path)
    try:
        out = refused(path)
        assert out.returncode == 2
        assert out.stderr == (f"rent-mock: {path} is in use by another rent-mock process (pid {proc.pid}); "
                              "stop it or use another state file\n")
        assert requests.get(f"{base}/_mock/health", **J).json() == {"ok": True}
    finally:
        kill(proc)
    proc, base = serve(path)  # the OS let go of the lock of the killed process
    stop(proc)


def test_the_lock_is_the_file_s_a_symlink_or_a_hard_link_to_it_is_refused(tmp_path):
    # a lock per path let a second server run beside the first through a symlink: orders were lost
    path = str(tmp_path / "state.db")
    (tmp_path / "other").mkdir()
    link, hard = tmp_path / "other" / "link.db", tmp_path / "other" / "hard.db"
    proc, base = serve(path)
    try:
        link.symlink_to(path)
        os.link(path, hard)
        out = refused(str(link))
        assert out.returncode == 2
        assert out.stderr == (f"rent-mock: {link} (the file {path}) is in use by another rent-mock process "
                              f"(pid {proc.pid}); stop it or use another state file\n")
        out = refused(str(hard))
        assert out.returncode == 2
        assert out.stderr == (f"rent-mock: {hard} is in use by another rent-mock process (pid {proc.pid}); "
                              "stop it or use another state file\n")
        oid = requests.get(f"{base}/api/rent.php", params=CREATE, **J).json()["data"]["id"]
    finally:
        stop(proc)
    proc, base = serve(str(link))  # free again: the symlink opens the same file, order and all
    try:
        orders = requests.get(f"{base}/api/rent.php", params={"method": "orders", "apikey": "demo"}, **J).json()
        assert [o["id"] for o in orders["data"]] == [oid]
    finally:
        stop(proc)


def _failing(store, error):
    """Make the store's next log write fail with `error`."""
    real = store.append

    def append(*args):
        store.append = real
        raise error

    store.append = append


def test_a_change_the_log_cannot_take_is_not_applied(tmp_path):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    oid = s.rent(**CREATE)["data"]["id"]
    world = s.hub.worlds["default"]
    before = json.dumps(dump_world(world), sort_keys=True)
    _failing(s.store, sqlite3.OperationalError("disk I/O error"))
    r = s.client.get("/api/rent.php", query_string=CREATE)
    assert r.status_code == 500
    assert r.get_json() == {"status": 0, "msg": "state file write failed (OperationalError: disk I/O error): "
                                                "the call was not applied"}
    assert json.dumps(dump_world(world), sort_keys=True) == before
    for body, path_ in (({"amount": "5"}, "/_mock/accounts/demo/balance"), ({"balance": "1", "apikey": "k2"},
                                                                             "/_mock/accounts")):
        _failing(s.store, sqlite3.OperationalError("database or disk is full"))
        r = s.client.post(path_, json=body)
        assert r.status_code == 500 and r.get_json() == {
            "error": "state file write failed (OperationalError: database or disk is full): the call was not applied"}
        assert json.dumps(dump_world(world), sort_keys=True) == before
    assert "k2" not in s.hub.by_apikey
    _failing(s.store, sqlite3.OperationalError("disk I/O error"))
    assert s.client.post("/_mock/worlds", json={"world": "lost", "apikey": "k3"}).status_code == 500
    assert "lost" not in s.hub.worlds and "k3" not in s.hub.by_apikey
    # a value SQLite cannot hold: a moment past 2**63
    world.clock = ManualClock(2 ** 63)
    r = s.client.get("/api/rent.php", query_string={"method": "delete", "apikey": "demo", "id": oid})
    assert r.status_code == 500 and "Python int too large" in r.get_json()["msg"]
    assert [o["id"] for o in s.rent(method="orders")["data"]] == [oid]
    assert world.clock.now() == 1_700_000_000
    s.crash()
    s = InProcess(path)
    assert json.dumps(dump_world(s.hub.worlds["default"]), sort_keys=True) == before
    s.stop()


def test_when_the_file_cannot_be_read_back_either_every_later_write_is_refused(tmp_path):
    s = InProcess(str(tmp_path / "state.db"))
    world = s.hub.worlds["default"]
    _failing(s.store, sqlite3.OperationalError("disk I/O error"))
    s.store.history = lambda name: (_ for _ in ()).throw(sqlite3.DatabaseError("database disk image is malformed"))
    r = s.client.get("/api/rent.php", query_string=CREATE)
    assert r.status_code == 500
    assert r.get_json()["msg"] == (
        "state file write failed (OperationalError: disk I/O error), and the world could not be restored from "
        "the file (DatabaseError: database disk image is malformed); no write is accepted until a restart")
    before = json.dumps(dump_world(world), sort_keys=True)
    r = s.client.get("/api/rent.php", query_string=CREATE)
    assert r.status_code == 500 and r.get_json()["msg"].endswith("no write is accepted until a restart")
    r = s.client.post("/_mock/worlds", json={"apikey": "k9"})
    assert r.status_code == 500 and r.get_json()["error"].endswith("no write is accepted until a restart")
    assert json.dumps(dump_world(world), sort_keys=True) == before and "k9" not in s.hub.by_apikey
    assert s.rent(method="orders")["status"] == 1  # reads still answer
    s.crash()
