"""The request journal: a bounded ring buffer per world, with contract findings on each request."""
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


class Journal:
    """A world's last `size` requests; memory stays flat however many pass."""

    def __init__(self, size: int = 1000):
        self.size = size
        self._items: deque[Entry] = deque(maxlen=size)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, **fields) -> None:
        """Append one request (its parameters and findings bounded: see `bounded`)."""
        fields["params"], fields["findings"] = bounded(fields["params"], fields["findings"])
        for key in ("method", "apikey", "msg"):
            if fields.get(key):
                fields[key] = fields[key][:ENTRY_LINE]
        with self._lock:
            self._items.append(Entry(seq=next(self._seq), **fields))

    def query(self, method: str | None = None, apikey: str | None = None, limit: int = 100) -> list[dict]:
        """The newest matching entries, oldest first, at most `limit`."""
        with self._lock:
            items = [e for e in self._items if (method is None or e.method == method)
                     and (apikey is None or e.apikey == apikey)]
        return [e.as_json() for e in items[-limit:]]

    def clear(self) -> int:
        """Empty the journal; returns how many entries went."""
        with self._lock:
            gone = len(self._items)
            self._items.clear()
            return gone
