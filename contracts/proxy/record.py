"""The proxy's recording (JSON lines, apikeys redacted), with what each answer reveals changed on the
upstream between calls (contracts.proxy.reveal), and its running summary."""
from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from decimal import Decimal
from typing import TextIO

from ..registry import PATHS
from .reveal import Reveals


class Recorder:
    """Counts every exchange and, with a file, writes it as one JSON line (flushed at once)."""

    def __init__(self, out: TextIO | None = None):
        self.out = out
        self.write_errors = 0
        self.lock = threading.Lock()
        self.calls: Counter = Counter()
        self.fits: dict[str, Counter] = defaultdict(Counter)
        self.reference: dict[str, Counter] = defaultdict(Counter)
        self.facts: Counter = Counter()
        self.upstream_errors: Counter = Counter()
        self.refused: Counter = Counter()
        self.spent = Decimal("0")
        self.diffs = {"known": 0, "unknown": 0}
        self.diff_samples: list[dict] = []
        self.reveals = Reveals()  # what the answers show changed between calls (replay reproduces it)

    def add(self, entry: dict) -> None:
        """Count one exchange (already redacted: ProxyApp passes every entry through its redactor) and write it."""
        method = entry.get("method") or "-"
        verdict = entry.get("verdict") or {}
        with self.lock:
            self.calls[method] += 1
            for dialect in verdict.get("fits", []):
                self.fits[method][dialect] += 1
            for reason in verdict.get("reference", []):
                self.reference[method][reason] += 1
            for fact in verdict.get("facts", []):
                self.facts[fact] += 1
            if entry.get("upstream_error"):
                self.upstream_errors[entry["upstream_error"].split(":")[0]] += 1
            if entry.get("refused"):
                self.refused[method] += 1
            if entry.get("spent"):
                self.spent += Decimal(entry["spent"])
            for diff in entry.get("diffs", []):
                self.diffs["known" if diff.get("known") else "unknown"] += 1
                if not diff.get("known") and len(self.diff_samples) < 50:
                    self.diff_samples.append({"method": method, **diff})
            if entry.get("path") in PATHS and "answer" in entry and entry.get("source") != "shadow":
                entry.update(self.reveals.see(entry))
            if self.out is not None:
                self._write(entry)

    def _write(self, entry: dict) -> None:
        # every line is JSON: NaN or Infinity (which a defensive parse never lets in) would be refused here
        try:
            line = json.dumps(entry, ensure_ascii=False, default=str, allow_nan=False)
        except ValueError:
            line = json.dumps({k: entry.get(k) for k in ("at", "verb", "path", "method")} |
                              {"unrecordable": "the entry holds NaN or Infinity"}, ensure_ascii=False, default=str)
        try:
            self.out.write(line + "\n")
            self.out.flush()
        except OSError:  # a full disk must not stop the proxy answering: counted in the summary
            self.write_errors += 1

    def summary(self) -> dict:
        """Calls per method, dialect verdicts, what broke the reference, new facts, money, diffs."""
        with self.lock:
            return {
                "calls": dict(self.calls),
                "total": sum(self.calls.values()),
                "dialects": {m: dict(c) for m, c in self.fits.items()},
                "reference_broken": {m: dict(c) for m, c in self.reference.items()},
                "new_facts": dict(self.facts),
                "upstream_errors": dict(self.upstream_errors),
                "spend_refused": dict(self.refused),
                "spent": str(self.spent),
                "diffs": dict(self.diffs),
                "diff_samples": list(self.diff_samples),
                "recording_write_errors": self.write_errors,
            }
