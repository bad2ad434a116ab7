"""The request journal: a bounded ring buffer per world within a budget per server, with contract findings on
each request."""
from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass
from typing import Mapping

from contracts.params import request_findings


@dataclass
class Entry:
    """One request as the journal keeps it."""

    seq: int
    at: float
    verb: str
    method: str | None
    params: dict
    apikey: str | None
    status: int | None
    http_status: int
    latency_ms: float
    findings: list[str]
    fault: str | None = None
    msg: str | None = None
    created: list[int] | None = None  # ids of the orders a create or create_multi made
    world_at: int | None = None  # the world's clock when the request was answered (`at` is wall time)

    def as_json(self) -> dict:
        """The entry as the control API shows it."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


ENTRY_PARAMS = 16  # parameters an entry keeps (the first ones), so an entry stays small whatever was sent
ENTRY_TEXT = 100  # characters kept of each parameter name and value
ENTRY_FINDINGS = 8  # findings an entry keeps (each up to ENTRY_LINE characters, like its msg); the rest are counted
ENTRY_LINE = 300


def bounded(params: Mapping[str, str], found: list[str]) -> tuple[dict, list[str]]:
    """The parameters and findings as an entry keeps them: at most ENTRY_PARAMS, ENTRY_TEXT, ENTRY_FINDINGS."""
    kept = {k[:ENTRY_TEXT]: v[:ENTRY_TEXT] for k, v in list(params.items())[:ENTRY_PARAMS]}
    if len(params) > ENTRY_PARAMS:
        kept["..."] = f"{len(params) - ENTRY_PARAMS} more parameters not kept"
    if len(found) > ENTRY_FINDINGS:
        found = found[:ENTRY_FINDINGS] + [f"and {len(found) - ENTRY_FINDINGS} more"]
    return kept, [f[:ENTRY_LINE] for f in found]


def findings(verb: str, query: Mapping[str, str]) -> list[str]:
    """What the request itself does against the contract (not the answer)."""
    return request_findings(verb, query)


class Budget:
    """How many entries all the journals of one server keep together (memory stays bounded however many
    worlds there are); past it, the server's oldest entries go first, whichever world they belong to.

    `order` holds one reference to a journal per entry it added, oldest first. Entries leave a journal only
    from its front (its own size, this budget, a clear), so a journal's oldest `stale` references are to
    entries it already let go.
    """

    def __init__(self, total: int):
        self.total = total
        self.count = 0
        self.order: deque[Journal] = deque()
        self.lock = threading.Lock()  # one lock for every journal of the budget: a trim reaches into any of them

    def trim(self) -> None:
        """Drop the oldest entries past the total (call with `lock` held)."""
        while self.count > self.total:
            journal = self.order.popleft()
            if journal.stale:
                journal.stale -= 1
            else:
                journal.items.popleft()
                journal.dropped += 1
                self.count -= 1
        if len(self.order) > 2 * self.count + 1024:  # references to entries long gone: rebuild, amortised O(1)
            skip = {id(j): j.stale for j in self.order}
            kept = deque()
            for journal in self.order:
                if skip[id(journal)]:
                    skip[id(journal)] -= 1
                else:
                    kept.append(journal)
            for journal in self.order:
                journal.stale = 0
            self.order = kept


class Journal:
    """A world's last `size` requests; memory stays flat however many pass (and, with a budget, however many
    worlds there are)."""

    def __init__(self, size: int = 1000, budget: Budget | None = None):
        self.size = size
        self.budget = budget or Budget(size)
        self.items: deque[Entry] = deque()
        self.stale = 0  # see Budget
        self.dropped = 0  # entries let go for room (its size, the server's budget), not by a clear
        self._seq = itertools.count(1)

    def add(self, **fields) -> None:
        """Append one request (its parameters and findings bounded: see `bounded`)."""
        fields["params"], fields["findings"] = bounded(fields["params"], fields["findings"])
        for key in ("method", "apikey", "msg"):
            if fields.get(key):
                fields[key] = fields[key][:ENTRY_LINE]
        budget = self.budget
        with budget.lock:
            self.items.append(Entry(seq=next(self._seq), **fields))
            budget.order.append(self)
            budget.count += 1
            if len(self.items) > self.size:
                self.items.popleft()
                budget.count -= 1
                self.stale += 1
                self.dropped += 1
            budget.trim()

    def query(self, method: str | None = None, apikey: str | None = None, limit: int = 100) -> list[dict]:
        """The newest matching entries, oldest first, at most `limit`."""
        with self.budget.lock:
            items = [e for e in self.items if (method is None or e.method == method)
                     and (apikey is None or e.apikey == apikey)]
        return [e.as_json() for e in items[-limit:]]

    def clear(self) -> int:
        """Empty the journal; returns how many entries went."""
        with self.budget.lock:
            gone = len(self.items)
            self.items.clear()
            self.budget.count -= gone
            self.stale += gone
            return gone
