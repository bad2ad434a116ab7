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

    def as_json(self) -> dict:
        """The entry as the control API shows it."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


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
        """Append one request."""
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
