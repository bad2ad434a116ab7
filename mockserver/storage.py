"""Persistent state: every state-changing call is logged in SQLite before it is answered; checkpoints
hold whole snapshots; on start the last checkpoint is loaded and the log after it replayed."""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from contextlib import ExitStack

from .core.clock import ManualClock, load_clock
from .core.hub import Hub
from .core.snapshot import dump_world, load_world

log = logging.getLogger("smspva-rent-mock")

SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, world TEXT, body TEXT NOT NULL,
    now INTEGER, ids TEXT NOT NULL, clock TEXT);
CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), last_seq INTEGER NOT NULL,
    doc TEXT NOT NULL);
"""


class Store:
    """An SQLite file in WAL mode; a write is committed before the call that made it is answered."""

    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # WAL + NORMAL: a committed write survives the process being killed (not a power cut).
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()
        self.pending = self.db.execute("SELECT COUNT(*) FROM log").fetchone()[0]

    def append(self, kind: str, name: str, world: str | None, body: dict, now: int | None, ids: list[int],
               clock: dict | None) -> None:
        """Log one operation (committed when this returns)."""
        row = (kind, name, world, json.dumps(body, separators=(",", ":")), now, json.dumps(ids),
               json.dumps(clock) if clock is not None else None)
        with self.lock:
            self.db.execute("INSERT INTO log (kind, name, world, body, now, ids, clock) VALUES (?,?,?,?,?,?,?)", row)
            self.pending += 1

    def load(self) -> tuple[dict | None, list[tuple]]:
        """The last checkpoint (or None) and the log entries after it, in order."""
        with self.lock:
            row = self.db.execute("SELECT last_seq, doc FROM checkpoint WHERE id = 1").fetchone()
            last = row[0] if row else 0
            entries = self.db.execute("SELECT seq, kind, name, world, body, now, ids, clock FROM log "
                                      "WHERE seq > ? ORDER BY seq", (last,)).fetchall()
        return (json.loads(row[1]) if row else None), entries

    def checkpoint(self, hub: Hub) -> int:
        """Write a consistent snapshot of every world and drop the log it covers; returns entries dropped.

        The snapshot is taken with every lock held (so it matches the log up to `last`); encoding and
        writing happen after the locks are released, so requests wait only for the copy.
        """
        with ExitStack() as stack:
            stack.enter_context(hub.lock)
            for name in sorted(hub.worlds):
                stack.enter_context(hub.worlds[name].lock)
            doc = {"version": 1, "next_id": hub.peek_next_id(),
                   "worlds": [dump_world(w) for w in hub.worlds.values()]}
            with self.lock:
                last = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM log").fetchone()[0]
                covered = self.pending
        text = json.dumps(doc, separators=(",", ":"))
        with self.lock:
            if last == 0:
                row = self.db.execute("SELECT COALESCE(MAX(last_seq), 0) FROM checkpoint").fetchone()
                last = row[0]
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT OR REPLACE INTO checkpoint (id, last_seq, doc) VALUES (1, ?, ?)", (last, text))
            self.db.execute("DELETE FROM log WHERE seq <= ?", (last,))
            self.db.execute("COMMIT")
            self.pending -= covered
        return covered

    def close(self) -> None:
        """Close the file."""
        with self.lock:
            self.db.close()


def restore(rt, store: Store) -> int:
    """Load the checkpoint and replay the log into `rt.hub`; returns how many entries were replayed."""
    from .control.ops import run as run_control
    from .http.rent import dispatch

    hub = rt.hub
    doc, entries = store.load()
    if doc is not None:
        for data in doc["worlds"]:
            hub.install(load_world(data, data["world"], hub._next_id, hub.wall))
        hub.force_ids([])
        hub.install_counter(doc["next_id"])
    rt.replaying = True
    try:
        for _seq, kind, name, world_name, body, now, ids, clock in entries:
            world = hub.worlds.get(world_name) if world_name else None
            if world is not None and now is not None:
                world.clock = ManualClock(now)  # the call sees the very "now" it saw first
            hub.force_ids(json.loads(ids))
            data = json.loads(body)
            if kind == "rent":
                dispatch(rt, "GET", data["query"], data.get("scope"))
            else:
                try:
                    run_control(rt, name, data)
                except Exception as exc:  # noqa: BLE001 - logged calls are replayed whatever they did then
                    log.info("replayed %s failed again: %s", name, exc)
            world = hub.worlds.get(world_name) if world_name else None
            if world is not None and clock is not None:
                world.clock = load_clock(json.loads(clock), hub.wall)
        hub.force_ids([])
    finally:
        rt.replaying = False
    return len(entries)
