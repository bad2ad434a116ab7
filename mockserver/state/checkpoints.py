"""When checkpoints run, and what happens when one fails: it is reported and tried again, later each time
(the log keeps every write meanwhile, so nothing acknowledged is at risk; only the log grows), and the
thread that runs them lives as long as the server."""
from __future__ import annotations

import threading
from typing import Callable

from mockserver.core.hub import Hub
from mockserver.state.storage import Store

EVERY = 2.0  # seconds between looks at the log's length
DUE_BYTES = 64 << 20  # a checkpoint is also due once the log holds this much since the last (snapshot PUTs)
MOST = 60.0  # the longest wait between tries after failures


class Checkpoints:
    """Writes a checkpoint once `due` writes (or `due_bytes` of them) are logged; `report` gets one line per
    failure and recovery."""

    def __init__(self, store: Store, hub: Hub, due: int, report: Callable[[str], None], every: float | None = None,
                 due_bytes: int = DUE_BYTES):
        self.store, self.hub, self.due, self.report = store, hub, due, report
        self.every = EVERY if every is None else every  # read when made: a test's server may look more often
        self.due_bytes = due_bytes
        self.failures = 0

    def wait(self) -> float:
        """Seconds until the next look: doubled after each failure in a row, at most MOST."""
        return min(self.every * 2 ** self.failures, MOST) if self.failures else self.every

    def step(self) -> bool | None:
        """Write a checkpoint if one is due: True when written, False when it failed (reported), else None."""
        if self.store.pending < self.due and self.store.pending_bytes < self.due_bytes:
            return None
        try:
            self.store.checkpoint(self.hub)
        except Exception as exc:  # noqa: BLE001 - any failure is reported and tried again; the thread lives on
            self.failures += 1
            self.report(f"rent-mock: checkpoint of {self.store.path} failed ({type(exc).__name__}: {exc}); "
                        f"every write is still in its log; trying again in {self.wait():.0f} s")
            return False
        if self.failures:
            self.report(f"rent-mock: checkpoint of {self.store.path} written, after {self.failures} failed "
                        f"{'try' if self.failures == 1 else 'tries'}")
        self.failures = 0
        return True

    def run(self, stop: threading.Event) -> None:
        """Look every few seconds until `stop` is set."""
        while not stop.wait(self.wait()):
            self.step()
