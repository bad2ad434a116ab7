"""The server's runtime state beside the hub: fault rules, journals, and the persistent store."""
from __future__ import annotations

import threading
import time
from typing import Callable

from ..core.hub import Hub
from ..core.world import World
from ..state.recovery import undo_unlogged
from ..state.storage import StoreFailure
from .faults import FaultBook
from .journal import Budget, Journal

# Caps (rent-mock serve options): memory stays bounded whatever clients ask for. Their product at the defaults
# (benchmarks/memory.py measures the parts): 10,000 fresh worlds of about 8 KiB, and 50,000 journal entries of
# at most about 3.9 KiB of resident memory, fit a small machine (docs/state.md, "Limits").
MAX_WORLDS = 10_000  # worlds at once
JOURNAL_MAX = 10_000  # journal entries a world may ask for
JOURNAL_TOTAL = 50_000  # journal entries of all worlds together
MAX_SNAPSHOT = 32 << 20  # bytes of a snapshot PUT (other control bodies: 1 MiB)


class Runtime:
    """What the HTTP layer and the control plane share; `store` is None when state lives in memory."""

    def __init__(self, hub: Hub, store=None, journal_size: int = 1000, journal_total: int = JOURNAL_TOTAL,
                 monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.hub = hub
        self.store = store
        self.journal_size = journal_size
        self.faults = FaultBook(monotonic)
        self.sleep = sleep
        self.monotonic = monotonic
        self.journals: dict[str, Journal] = {}
        self.journal_budget = Budget(journal_total)  # shared by every world's journal
        self.replaying = False
        self.max_worlds, self.journal_max, self.max_snapshot = MAX_WORLDS, JOURNAL_MAX, MAX_SNAPSHOT
        # a list keeps what goes (check-client): (world, journal, the name the journal served)
        self.retired: list[tuple[World | None, Journal | None, str]] | None = None
        self.failed: str | None = None  # set when an unlogged change could not be undone: writes stop
        self.catalogue_note: str | None = None  # where the catalogue came from, when not from the options
        self.request_log = None  # a http.request_log.RequestLog with `serve --log-requests`
        self._delays_lock = threading.Lock()
        self._delayed: dict[str, int] = {}  # world -> worker threads its latency faults hold now
        self.set_threads(8)

    def set_threads(self, threads: int) -> None:
        """Size the latency faults' share of the server's `threads` worker threads: a world's latency may hold
        a quarter of them, all worlds' together all but two, so other worlds and the control API always have
        threads to answer on (an 8 s fault of one world answered health after 7.5 s)."""
        self.delay_per_world, self.delay_total = max(1, threads // 4), max(1, threads - 2)

    def delay(self, world: str, seconds: float) -> bool:
        """Hold this worker thread `seconds` for a latency fault of `world`; False (at once) when that would take
        a thread beyond the faults' share."""
        with self._delays_lock:
            held = self._delayed.get(world, 0)
            if held >= self.delay_per_world or sum(self._delayed.values()) >= self.delay_total:
                return False
            self._delayed[world] = held + 1
        try:
            self.sleep(seconds)
        finally:
            with self._delays_lock:
                left = self._delayed[world] - 1
                if left:
                    self._delayed[world] = left
                else:
                    del self._delayed[world]
        return True

    def journal(self, world: str) -> Journal:
        """The journal of `world` (made on first use)."""
        journal = self.journals.get(world)
        if journal is None:
            journal = self.journals.setdefault(world, Journal(self.journal_size, self.journal_budget))
        return journal

    def new_journal(self, world: str, size: int) -> None:
        """Give `world` an empty journal of `size` entries (its old one's entries go)."""
        self.drop_journal(world)
        self.journals[world] = Journal(size, self.journal_budget)

    def drop_journal(self, world: str) -> Journal | None:
        """Take `world`'s journal away; its entries leave the budget unless deleted worlds are kept."""
        journal = self.journals.pop(world, None)
        if journal is not None and self.retired is None:
            journal.clear()
        return journal

    def retire(self, world: World | None, journal: Journal | None = None, name: str = "") -> None:
        """Keep a world replaced or dropped, or a journal emptied, when deleted worlds are kept (check-client:
        what a client's tests tidy away between calls still counts)."""
        if self.retired is not None:
            self.retired.append((world, journal, name or (world.name if world is not None else "")))

    def clear_journal(self, world: str) -> int:
        """Empty `world`'s journal; when deleted worlds are kept, its entries are kept aside, not dropped."""
        if self.retired is None:
            return self.journal(world).clear()
        old = self.journal(world)
        with old.budget.lock:
            gone = len(old.items)
        fresh = self.journals[world] = Journal(old.size, self.journal_budget)
        fresh._seq = old._seq  # sequence numbers go on as if the entries had been cleared in place
        self.retire(None, old, world)
        return gone

    def begin(self) -> None:
        """Refuse when writes have stopped; else start capturing the ids the coming operation issues."""
        if self.store is not None and not self.replaying:
            if self.failed:
                raise StoreFailure(self.failed)
            self.hub.capture_ids()

    def record(self, kind: str, name: str, world: World | None, body: dict) -> None:
        """Log a state-changing operation before it is acknowledged (call with the world's lock held)."""
        if self.store is None or self.replaying:
            return
        ids = self.hub.captured_ids()
        now = world.last_now if world is not None else None
        clock = world.clock.dump() if world is not None else None
        world_name = world.name if world is not None else body.get("world")
        try:
            self.store.append(kind, name, world_name, body, now, ids, clock)
        except Exception as exc:  # noqa: BLE001 - whatever the cause, the change must not stay applied
            raise self._undo(world_name, exc) from None

    def _undo(self, world_name: str | None, exc: Exception) -> StoreFailure:
        """Put the world back as the state file holds it; if even that fails, stop every write."""
        reason = f"state file write failed ({type(exc).__name__}: {exc})"
        try:
            undo_unlogged(self, world_name)
        except Exception as again:  # noqa: BLE001
            self.failed = (f"{reason}, and the world could not be restored from the file "
                           f"({type(again).__name__}: {again}); no write is accepted until a restart")
            return StoreFailure(self.failed)
        return StoreFailure(f"{reason}: the call was not applied")
