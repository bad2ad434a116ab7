"""The state file: an SQLite operation log written before each answer, and checkpoints, one row per world.

Lock order (the hub's, extended): hub lock, then a world's lock, then the store's lock. Requests log
under their world's lock; hub-wide operations (creating, dropping, replacing worlds, opening accounts)
under the hub lock, the world they put in place locked until they are logged (core/hub.py). A checkpoint
never holds the hub lock for more than a moment: it notes the worlds and the log's end under it, then
copies each world under that world's own lock alone, and writes outside both.

Checkpoint consistency within a world: a checkpoint starts at `hub_seq`, the log's last seq while it
held the hub lock (every hub-wide operation up to it is logged and in place), with the names of the
worlds then. It stores each of them with `last_seq`, the log's last seq while that world's lock was
held, so the row holds exactly that world's entries up to `last_seq` (they are logged under that lock).
Replay applies the entries after `hub_seq` whose world has no row or a row with a smaller `last_seq`:
worlds created after `hub_seq` come from the log.

Consistency across worlds, by design (`settle`): the rows are copied at different moments, and between
two copies an apikey or an order id could move from a world already copied to one not yet copied; it
would then be in two rows, and the file would never start again. Only hub-wide operations move them
(accounts.create, reset, worlds.delete, snapshot PUT; rent calls only issue new ids, to one world), and
each of them calls `settle` for the world it changes, under the hub lock, before it changes anything:
a world the running checkpoint has not copied yet is copied then. Whether a world is copied by the loop
or by `settle` is decided under that world's lock, once. So every row shows its world as it was before
any hub-wide operation logged after `hub_seq` touched it: its apikeys are the ones it held at `hub_seq`
and its ids those plus the new ones it issued itself, and the hub's indexes at `hub_seq` gave every key
and id one world. The rows are disjoint; the hub-wide operations after `hub_seq` are replayed in log
order on top of them. A world dropped meanwhile is stored as it was before its drop (a tombstone, doc
`null`, only if it was gone before anything copied it). Rows are written a batch at a time under a new
generation number; the switch to it is one small transaction, so a crash in the middle leaves the
previous checkpoint in force. Each row's catalogue is written as what differs from the file's own.
"""
from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
from typing import Iterator

from mockserver.core.hub import Hub
from mockserver.core.snapshot import dump_world

SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, world TEXT, body TEXT NOT NULL,
    now INTEGER, ids TEXT NOT NULL, clock TEXT);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS worlds (gen INTEGER NOT NULL, name TEXT NOT NULL, last_seq INTEGER NOT NULL,
    doc TEXT NOT NULL, PRIMARY KEY (gen, name));
CREATE TABLE IF NOT EXISTS catalogues (dialect TEXT PRIMARY KEY, doc TEXT NOT NULL);
"""
BATCH_BYTES = 1 << 20  # checkpoint rows are committed in batches of about this size (a log write waits for one)
WAL_LIMIT = 64 << 20  # bytes the write-ahead file is cut back to after SQLite checkpoints it


class StateError(ValueError):
    """A state file that cannot be used; the message names the file and what is wrong."""


class StoreFailure(Exception):
    """A change that could not be logged (and was undone); `wire_msg` tells the client."""

    def __init__(self, wire_msg: str):
        super().__init__(wire_msg)
        self.wire_msg = wire_msg


def _holder(fd: int) -> str:
    """The pid holding a flock on the file behind `fd`, as /proc/locks tells it ("?" where it cannot)."""
    st = os.fstat(fd)
    want = (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) < 6 or parts[1] != "FLOCK":
                    continue
                dev = parts[5].split(":")
                if len(dev) == 3 and (int(dev[0], 16), int(dev[1], 16), int(dev[2])) == want:
                    return parts[4]
    except (OSError, ValueError):
        pass
    return "?"


def _claim(path: str) -> int:
    """Hold an exclusive flock on the state file itself for the life of the process.

    The lock belongs to the file, not to the name it was opened by: a symlink or a hard link to a file
    in use is refused too. The OS drops it when the process dies, even by kill -9. The descriptor stays
    open until after SQLite closes the file (closing any descriptor of a file drops the process's POSIX
    locks on it, which SQLite uses; flock locks are separate from those on Linux).
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        real = os.path.realpath(path)
        named = "" if real == os.path.abspath(path) else f" (the file {real})"
        raise StateError(f"{path}{named} is in use by another rent-mock process (pid {holder}); "
                         "stop it or use another state file") from None
    return fd


class Store:
    """An SQLite file in WAL mode; a write is committed before the call that made it is answered."""

    def __init__(self, path: str):
        self.path = path
        self._lock_fd = _claim(path)
        try:
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            # pages the dropped log rows and checkpoint rows free are given back to the file system
            # (`shrink`); a file made before this was set is converted once, here, while nothing waits
            self.db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            if self.db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
                self.db.execute("VACUUM")
            # WAL + NORMAL: a committed write survives the process being killed (not a power cut).
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
            self.db.executescript(SCHEMA)
            self._legacy = self._legacy_checkpoint()
            meta = self.meta()
            # seq numbers never restart: the next one is above every seq the file has ever held
            self.seq = max(meta["high_seq"], meta["hub_seq"],
                           self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM log").fetchone()[0])
            self.gen = meta["gen"]
            self.pending, self.pending_bytes = self.db.execute(
                "SELECT COUNT(*), COALESCE(SUM(LENGTH(body)), 0) FROM log WHERE seq > ?", (meta["hub_seq"],)).fetchone()
        except sqlite3.Error as exc:
            os.close(self._lock_fd)
            raise StateError(f"{path}: {exc}") from None
        self.lock = threading.Lock()
        self.batch_bytes = BATCH_BYTES
        self._checkpointing = threading.Lock()
        self._due: set[str] | None = None  # worlds the running checkpoint has still to copy
        self._early: dict[str, tuple[int, str]] = {}  # rows `settle` copied for it, by world name

    def _legacy_checkpoint(self) -> tuple[int, dict] | None:
        """The single-row checkpoint of files written before per-world rows, if there is one."""
        found = self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='checkpoint'").fetchone()
        if not found or self.db.execute("SELECT 1 FROM meta WHERE key='gen'").fetchone():
            return None
        row = self.db.execute("SELECT last_seq, doc FROM checkpoint WHERE id = 1").fetchone()
        return (row[0], self._json(row[1], "the checkpoint")) if row else None

    def _json(self, text: str, what: str):
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:  # json.loads recurses once per nested array or object
            raise StateError(f"{self.path}: {what} is not valid JSON ({exc})") from None

    def meta(self) -> dict[str, int]:
        """Generation in force, `hub_seq` it covers, next order id, highest seq ever written."""
        out = {"gen": 0, "hub_seq": 0, "next_id": 0, "high_seq": 0}
        out.update(dict(self.db.execute("SELECT key, value FROM meta").fetchall()))
        if self._legacy is not None:
            out.update(hub_seq=self._legacy[0], high_seq=self._legacy[0], next_id=self._legacy[1]["next_id"])
        return out

    def append(self, kind: str, name: str, world: str | None, body: dict, now: int | None, ids: list[int],
               clock: dict | None) -> None:
        """Log one operation (committed when this returns); raises when it could not be written."""
        row = (kind, name, world, json.dumps(body, separators=(",", ":")), now, json.dumps(ids),
               json.dumps(clock) if clock is not None else None)
        with self.lock:
            seq = self.seq + 1
            self.db.execute("INSERT INTO log (seq, kind, name, world, body, now, ids, clock) VALUES (?,?,?,?,?,?,?,?)",
                            (seq, *row))
            self.seq = seq
            self.pending += 1
            self.pending_bytes += len(row[3])  # a snapshot PUT logs megabytes: checkpoints count bytes too

    def catalogues(self) -> tuple[dict[str, dict], dict | None]:
        """The catalogues the file's worlds are made from, by dialect (what creations and resets in the
        log rebuild with), and the single one files of an earlier version kept (or None)."""
        with self.lock:
            rows = self.db.execute("SELECT dialect, doc FROM catalogues").fetchall()
            old = None
            if self.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='catalogue'").fetchone():
                old = self.db.execute("SELECT doc FROM catalogue WHERE id = 1").fetchone()
        kept = {dialect: self._json(text, f"the {dialect} catalogue") for dialect, text in rows}
        return kept, self._json(old[0], "the catalogue") if old else None

    def keep_catalogues(self, docs: dict[str, dict]) -> None:
        """Keep these catalogues for their dialects (each written once, before any log entry made from it)."""
        with self.lock:
            self._transaction(("INSERT OR IGNORE INTO catalogues (dialect, doc) VALUES (?, ?)",
                               [(d, json.dumps(doc, separators=(",", ":"), ensure_ascii=False))
                                for d, doc in docs.items()]))

    def world_rows(self) -> Iterator[tuple[str, int, dict | None]]:
        """(name, last_seq, snapshot) of every world in the checkpoint in force, one at a time (snapshot
        None: the world was dropped while that checkpoint ran)."""
        if self._legacy is not None:
            last, doc = self._legacy
            for data in doc.get("worlds", []):
                yield data.get("world"), last, data
            return
        cursor = self.db.execute("SELECT name, last_seq, doc FROM worlds WHERE gen = ? ORDER BY name", (self.gen,))
        for name, last, text in cursor:
            yield name, last, self._json(text, f"the checkpoint of world {name!r}")

    def history(self, name: str) -> tuple[tuple[int, dict | None] | None, list[tuple]]:
        """World `name`'s row in the checkpoint in force (or None) and the log entries after that
        checkpoint naming it, read together (a checkpoint switching meanwhile cannot split them)."""
        with self.lock:
            hub_seq = self.meta()["hub_seq"]
            row = self.db.execute("SELECT last_seq, doc FROM worlds WHERE gen = ? AND name = ?",
                                  (self.gen, name)).fetchone()
            entries = self._entries(hub_seq, name)
        return (row[0], self._json(row[1], f"the checkpoint of world {name!r}")) if row else None, entries

    def entries(self, after: int, world: str | None = None) -> list[tuple]:
        """Log entries with seq above `after` (only those naming `world` when given), in order."""
        with self.lock:
            return self._entries(after, world)

    def _entries(self, after: int, world: str | None) -> list[tuple]:
        query = "SELECT seq, kind, name, world, body, now, ids, clock FROM log WHERE seq > ?"
        args: tuple = (after,)
        if world is not None:
            query, args = query + " AND world = ?", (after, world)
        return self.db.execute(query + " ORDER BY seq", args).fetchall()

    def kinds(self, after: int) -> list[tuple[int, str, str]]:
        """(seq, kind, name) of every log entry above `after`, to check replay can apply them all."""
        with self.lock:
            return self.db.execute("SELECT seq, kind, name FROM log WHERE seq > ? ORDER BY seq", (after,)).fetchall()

    def checkpoint(self, hub: Hub) -> int:
        """Write every world, one row each, and drop the log entries they cover; returns entries dropped.
        Other calls go on meanwhile (see the module's docstring for why the rows stay consistent)."""
        with self._checkpointing:
            with hub.lock:  # a moment: the worlds there are, and the log's end
                with self.lock:
                    hub_seq, covered, gen = self.seq, self.pending, self.gen + 1
                    covered_bytes = self.pending_bytes
                names = sorted(hub.worlds)
                self._due, self._early = set(names), {}
            try:
                with self.lock:
                    self.db.execute("DELETE FROM worlds WHERE gen >= ?", (gen,))  # left by a checkpoint cut short
                batch: list[tuple] = []
                size = 0
                for name in names:
                    last, text = self._take(hub, name)
                    batch.append((gen, name, last, text))
                    size += len(text)
                    if size >= self.batch_bytes:
                        self._write_rows(batch)
                        batch, size = [], 0
                self._write_rows(batch)
            finally:
                self._due, self._early = None, {}
            meta = {"gen": gen, "hub_seq": hub_seq, "next_id": hub.peek_next_id(), "high_seq": self.seq}
            with self.lock:
                meta["high_seq"] = self.seq
                self._transaction(
                    ("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(meta.items())),
                    ("DELETE FROM log WHERE seq <= ?", [(hub_seq,)]), ("DROP TABLE IF EXISTS checkpoint", None))
                self.gen, self._legacy = gen, None
                self.pending -= covered
                self.pending_bytes -= covered_bytes
            self._drop_rows_before(gen)
            self.shrink()
        return covered

    def shrink(self) -> None:
        """Give the pages freed by dropped rows back to the file system, a few at a time (as `_drop_rows_before`
        deletes), then cut the write-ahead file back: 200 snapshot PUTs of 1.4 MiB left a 271 MiB file."""
        freed = None
        while True:
            with self.lock:
                free = self.db.execute("PRAGMA freelist_count").fetchone()[0]
                if not free or free == freed:  # done, or a file SQLite cannot shrink this way
                    break
                self.db.execute("PRAGMA incremental_vacuum(256)").fetchall()
                freed = free
        with self.lock:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def settle(self, hub: Hub, name: str) -> None:
        """Before a hub-wide operation changes world `name` (call with the hub lock held): if the running
        checkpoint has not copied it yet, copy it now, as it is before the change (module docstring)."""
        due = self._due
        world = hub.worlds.get(name)
        if due is None or name not in due or world is None:
            return
        with world.lock:
            if self._due is due and name in due:  # not taken by the checkpoint's own loop meanwhile
                due.discard(name)
                last, data = self._copy(hub, world)
                self._early[name] = (last, json.dumps(data, separators=(",", ":")))

    def _drop_rows_before(self, gen: int) -> None:
        """Delete the rows of checkpoints before `gen` a few at a time (deleting thousands at once held the
        file's lock, and every log write with it, for a fifth of a second)."""
        while True:
            with self.lock:
                gone = self.db.execute("DELETE FROM worlds WHERE rowid IN (SELECT rowid FROM worlds WHERE gen < ? "
                                       "LIMIT 100)", (gen,)).rowcount
            if not gone:
                return

    def _take(self, hub: Hub, name: str) -> tuple[int, str]:
        """(last_seq, the row's JSON text) of world `name`: copied now, or as `settle` copied it earlier."""
        while True:
            world = hub.worlds.get(name)
            if world is None:
                with hub.lock:  # its drop is logged by the time the hub lock is free
                    if name not in hub.worlds:
                        if name in self._early:
                            return self._early.pop(name)
                        with self.lock:
                            return self.seq, "null"
                continue
            with world.lock:
                if world.retired:  # replaced meanwhile: look again
                    continue
                if name not in self._due:
                    return self._early.pop(name)
                self._due.discard(name)
                last, data = self._copy(hub, world)
            return last, json.dumps(data, separators=(",", ":"))  # one world's copy in memory at a time

    def _copy(self, hub: Hub, world) -> tuple[int, dict]:
        """(last_seq, the world as JSON data), with the world's lock held."""
        with self.lock:
            last = self.seq
        return last, dump_world(world, hub.catalogue_for(world.config.dialect))

    def _write_rows(self, rows: list[tuple]) -> None:
        if rows:
            with self.lock:
                self._transaction(("INSERT OR REPLACE INTO worlds (gen, name, last_seq, doc) VALUES (?,?,?,?)", rows))

    def _transaction(self, *statements: tuple[str, list | None]) -> None:
        """Run statements (each with its rows of arguments) as one transaction (call with `lock` held)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for sql, rows in statements:
                if rows is None:
                    self.db.execute(sql)
                else:
                    self.db.executemany(sql, rows)
        except BaseException:
            if self.db.in_transaction:  # SQLite may have rolled back by itself (a full disk): keep the cause
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        """Close the file and let another process open it."""
        with self.lock:
            self.db.close()
        os.close(self._lock_fd)
