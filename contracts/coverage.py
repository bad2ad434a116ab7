"""Judge a client from the requests it made (journal entries): contract violations and coverage."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .refusals import CODES, code_of
from .registry import METHODS

WARNING_PREFIX = "unknown parameter"  # ignored by the service: reported, not a violation


@dataclass
class ClientReport:
    """What a client's test run did against the contract."""

    requests: int = 0
    violations: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    calls: Counter = field(default_factory=Counter)  # method -> calls
    ok: Counter = field(default_factory=Counter)  # method -> status 1 answers
    codes: Counter = field(default_factory=Counter)  # documented code -> times met

    @property
    def untested_methods(self) -> list[str]:
        """Methods the client never called."""
        return [m for m in METHODS if not self.calls[m]]

    @property
    def untested_codes(self) -> list[str]:
        """Documented error codes the client never met."""
        return [c for c in CODES if not self.codes[c]]


def judge(entries: list[dict]) -> ClientReport:
    """Build the report from journal entries (`method`, `verb`, `params`, `status`, `msg`, `findings`)."""
    report = ClientReport()
    for e in entries:
        report.requests += 1
        method = e.get("method")
        if method in METHODS:
            report.calls[method] += 1
            report.ok[method] += e.get("status") == 1
        for finding in e.get("findings", []):
            item = {"seq": e.get("seq"), "verb": e.get("verb"), "method": method, "finding": finding,
                    "params": {k: v for k, v in (e.get("params") or {}).items() if k != "apikey"}}
            (report.warnings if finding.startswith(WARNING_PREFIX) else report.violations).append(item)
        code = code_of(e.get("msg") or "")
        if code:
            report.codes[code] += 1
    return report
