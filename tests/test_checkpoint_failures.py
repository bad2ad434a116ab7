"""A checkpoint that fails (a full disk) is reported and tried again, and the thread running them lives on;
a stop whose final checkpoint fails ends in one line naming the file, and the next start replays the
log (#16 item 8). Failures are injected into the store, never made by filling a disk."""
import json
import sqlite3
import subprocess
import sys
import threading

import pytest
import requests

from mockserver.state.checkpoints import Checkpoints
from mockserver.core.snapshot import dump_world
from mockserver.serve.server import Served
from mockserver.state.storage import StateError
from tests.serve_helpers import start_server
from tests.state_helpers import InProcess, serve, serve_cmd, stop

FULL = sqlite3.OperationalError("database or disk is full")
CREATE = {"method": "create", "dtype": "week", "dcount": 1, "country": "RU", "service": "opt6"}


def _dumps(hub) -> str:
    return json.dumps({n: dump_world(w) for n, w in sorted(hub.worlds.items())}, sort_keys=True)


def _failing(store, times: int):
    """Make the store's next `times` checkpoints fail as a full disk does, halfway through their rows."""
    real, left = store._write_rows, [times]

    def write_rows(rows):
        if left[0] > 0 and rows:
            left[0] -= 1
            raise FULL
        real(rows)

    store._write_rows = write_rows


def test_a_failed_checkpoint_is_reported_and_tried_again_later_each_time(tmp_path):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    for _ in range(3):
        assert s.rent(**CREATE)["status"] == 1
    lines: list[str] = []
    checkpoints = Checkpoints(s.store, s.hub, due=3, report=lines.append, every=2.0)
    _failing(s.store, 2)
    assert [checkpoints.step(), checkpoints.wait()] == [False, 4.0]
    assert [checkpoints.step(), checkpoints.wait()] == [False, 8.0]
    assert s.store.pending == 3  # the log keeps every write meanwhile
    assert checkpoints.step() is True and checkpoints.wait() == 2.0 and s.store.pending == 0
    assert checkpoints.step() is None  # nothing due
    assert lines == [
        f"rent-mock: checkpoint of {path} failed (OperationalError: database or disk is full); every write is "
        "still in its log; trying again in 4 s",
        f"rent-mock: checkpoint of {path} failed (OperationalError: database or disk is full); every write is "
        "still in its log; trying again in 8 s",
        f"rent-mock: checkpoint of {path} written, after 2 failed tries"]
    checkpoints.failures = 20
    assert checkpoints.wait() == 60.0  # never more than a minute between tries
    before = _dumps(s.hub)
    s.crash()
    s = InProcess(path)  # the failed tries left the checkpoint in force and its log whole
    assert _dumps(s.hub) == before
    s.stop()


def test_the_checkpoint_thread_lives_on_after_a_failure(tmp_path):
    # one failure used to end the thread for the life of the process: the log then grew without bound
    s = InProcess(str(tmp_path / "state.db"))
    assert s.rent(**CREATE)["status"] == 1
    written, stop_ = threading.Event(), threading.Event()
    lines: list[str] = []

    def report(line):
        lines.append(line)
        if "written, after" in line:
            written.set()

    checkpoints = Checkpoints(s.store, s.hub, due=1, report=report, every=0.01)
    _failing(s.store, 3)
    thread = threading.Thread(target=checkpoints.run, args=(stop_,))
    thread.start()
    try:
        assert written.wait(30), lines
        assert thread.is_alive()
    finally:
        stop_.set()
        thread.join(10)
    assert len(lines) == 4 and s.store.pending == 0
    s.stop()


class _Server:
    """The waitress server of a Served, stopped by `close` (none runs here)."""

    task_dispatcher = type("D", (), {"shutdown": staticmethod(lambda timeout: None)})()

    def close(self):
        pass


def test_a_stop_whose_final_checkpoint_fails_names_the_file_and_the_next_start_replays(tmp_path):
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    s.rt.checkpoint_every = 10 ** 9
    served = Served(_Server(), s.rt, 0)
    oid = s.rent(**CREATE)["data"]["id"]
    _failing(s.store, 1)
    with pytest.raises(StateError) as caught:
        served.close()
    assert str(caught.value) == (f"{path}: the final checkpoint could not be written (OperationalError: database "
                                 "or disk is full); every acknowledged write is in its log and is replayed at the "
                                 "next start")
    s = InProcess(path)  # the file was closed (its lock let go) and its log holds the order
    assert s.replayed == 1 and [o["id"] for o in s.rent(method="orders")["data"]] == [oid]
    s.stop()


FAIL_CHECKPOINTS = """
import sqlite3, sys
from mockserver.state import storage
def full(self, rows):
    raise sqlite3.OperationalError("database or disk is full")
storage.Store._write_rows = full
from mockserver.cli import main
sys.argv = ["rent-mock", *sys.argv[1:]]
main()
"""


def test_sigterm_on_a_full_disk_ends_in_one_line_naming_the_file(tmp_path):
    # it ended in a traceback, and the next start said only "database or disk is full"
    path = str(tmp_path / "state.db")
    proc, base = serve(path)
    stop(proc)  # a file whose checkpoint holds everything: the next start writes none
    cmd = [sys.executable, "-c", FAIL_CHECKPOINTS, *serve_cmd(path)[3:]]
    started = start_server(cmd, stderr=subprocess.PIPE)
    proc, base = started.proc, started.base
    order = requests.get(f"{base}/api/rent.php", params={**CREATE, "apikey": "demo"}, timeout=10).json()["data"]
    proc.terminate()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, (out, err)
    assert err == (f"rent-mock: {path}: the final checkpoint could not be written (OperationalError: database or "
                   "disk is full); every acknowledged write is in its log and is replayed at the next start\n")
    proc, base = serve(path)
    orders = requests.get(f"{base}/api/rent.php", params={"method": "orders", "apikey": "demo"}, timeout=10).json()
    stop(proc)
    assert [o["id"] for o in orders["data"]] == [order["id"]]


def test_a_start_whose_checkpoint_fails_names_the_file(tmp_path):
    path = str(tmp_path / "state.db")
    proc, base = serve(path)
    assert requests.get(f"{base}/api/rent.php", params={**CREATE, "apikey": "demo"}, timeout=10).json()["status"] == 1
    proc.kill()  # the order is only in the log: the next start replays it and writes a checkpoint
    proc.wait(10)
    out = subprocess.run([sys.executable, "-c", FAIL_CHECKPOINTS, *serve_cmd(path)[3:]], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and out.stderr == (
        f"rent-mock: {path}: the checkpoint after loading could not be written (OperationalError: database or "
        "disk is full); the file is as it was: every acknowledged write is in its log\n")
    proc, base = serve(path)
    orders = requests.get(f"{base}/api/rent.php", params={"method": "orders", "apikey": "demo"}, timeout=10).json()
    stop(proc)
    assert len(orders["data"]) == 1
