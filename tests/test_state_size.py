"""The state file's size follows what it holds: snapshot PUTs make a checkpoint due by their bytes, not only
after 20,000 calls, and the pages a checkpoint frees go back to the file system."""
from __future__ import annotations

import os

from mockserver.state.checkpoints import Checkpoints
from tests.state_helpers import InProcess


def _size(path: str) -> int:
    """The file and its write-ahead file together."""
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def test_snapshot_puts_make_a_checkpoint_due_and_the_file_shrinks_after_it(tmp_path):
    # 200 snapshot PUTs of 1.4 MiB grew the file to 271 MiB until the 20,000th call, and it never shrank
    path = str(tmp_path / "state.db")
    s = InProcess(path)
    try:
        snap = s.client.get("/_mock/worlds/default/snapshot").get_json()
        one = len(str(snap))
        checkpoints = Checkpoints(s.store, s.hub, due=20_000, report=print, due_bytes=8 * one)
        written = []
        for _ in range(40):
            r = s.client.put("/_mock/worlds/default/snapshot", json=snap)
            assert r.status_code == 200, r.get_json()
            written.append(checkpoints.step())
        assert written.count(True) >= 4  # due by its bytes, 40 calls short of 20,000
        assert _size(path) < 20 * one  # not 40 snapshots' worth
        for _ in range(40):  # a log of 40 snapshots, then one checkpoint
            s.client.put("/_mock/worlds/default/snapshot", json=snap)
        grown = _size(path)
        assert grown > 30 * one
        s.store.checkpoint(s.hub)
        assert _size(path) < grown / 4
    finally:
        s.stop()
    again = InProcess(path)  # and the file starts again, holding the world
    try:
        assert again.client.get("/_mock/worlds/default/snapshot").status_code == 200
    finally:
        again.stop()
