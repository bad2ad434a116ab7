"""Judging: a scenario's context (calls, checks against predictions), the findings per rule, the verdict."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from ..client import Exchange
from ..verdict import BROKEN, HELD, NOT_APPLICABLE, NOT_JUDGED
from ..model.arithmetic import DAY
from ..model.expect import compare, show as show_prediction
from ..model.texts import predicted_text
from .rules import BY_ID, RULES, restore_code
from .target import Session


@dataclass
class Finding:
    """One check of a rule: what the rules predict, what the server answered, and the calls that show it."""

    rule: str
    ok: bool
    expected: str
    got: str
    calls: list[str] = field(default_factory=list)


class Abort(Exception):
    """A scenario cannot go on (an answer it builds on was wrong); the finding is already recorded."""


@dataclass
class Scenario:
    """A sequence of calls judging `rules`; it runs only where the target offers `needs`."""

    name: str
    rules: tuple[str, ...]
    needs: tuple[str, ...]
    run: Callable[["Ctx"], None]


SCENARIOS: list[Scenario] = []


def scenario(*rules: str, needs: tuple[str, ...] = ()):
    """Register a scenario judging `rules` (its needs: its own plus every rule's)."""
    for r in rules:
        assert r in BY_ID, r

    def register(fn):
        SCENARIOS.append(Scenario(fn.__name__, rules, tuple(dict.fromkeys(needs)), fn))
        return fn
    return register


def show(ex: Exchange) -> str:
    """A call and its answer on one line."""
    q = "&".join(f"{k}={v}" for k, v in ex.params.items() if k != "apikey")
    who = "" if "apikey" in ex.params else " (no apikey)"
    answer = json.dumps(ex.payload, ensure_ascii=False) if ex.payload is not None else ex.error
    text = f"GET rent.php?{q}{who} → {answer}"
    return text if len(text) <= 300 else text[:297] + "..."


class Ctx:
    """What a scenario works with: the session's calls and clock, and checks that record findings."""

    def __init__(self, session: Session, findings: list[Finding]):
        self.s = session
        self.findings = findings
        self.p = session.params
        self.dialect = session.dialect
        self._shown = 0  # calls already attached to a finding

    # -- calls ------------------------------------------------------------------------------------
    def call(self, method: str, who: str = "main", **params) -> Exchange:
        """One rent.php call."""
        return self.s.call(method, who, **params)

    def prolong_to_lease(self, oid: int, rule: str, what: str, leave: int = 0) -> dict:
        """prolong_max up to the lease limit (or to `leave` days short of it), in steps no longer than the
        dialect's cap (live: 90 days), each within the prolongation window; returns the order's row at the end."""
        cap = self.p.max_rental_days
        row = self.order(oid, rule=rule) or {}
        for _ in range(50):  # a lease of up to 50 steps; a server whose until does not move stops it below
            if row.get("canprolongmax", 0) - leave < 1:
                break
            step = min(row["canprolongmax"] - leave, cap) if cap else row["canprolongmax"] - leave
            until = row.get("until", 0)
            self.ok(rule, self.call("prolong_max", id=oid, dtype="day", dcount=step), f"{what}: prolong_max by {step} days")
            row = self.order(oid, rule=rule) or {}
            if not self.equal("PROLONG-EXTENDS", until + step * DAY, row.get("until"), f"until after prolong_max {step}"):
                raise Abort("PROLONG-EXTENDS")
            if row.get("canprolongmax", 0) - leave >= 1:
                self.s.set_clock(row.get("until", 0) - DAY)
                row = self.order(oid, rule=rule) or {}
        return row

    def recent(self) -> list[str]:
        """The calls since the last finding (at most 8), for the report."""
        calls = self.s.calls[self._shown:]
        self._shown = len(self.s.calls)
        return [show(ex) for ex in calls[-8:]]

    # -- checks -----------------------------------------------------------------------------------
    def check(self, rule: str, ok: bool, expected: Any, got: Any) -> bool:
        """Record one check of `rule`; returns `ok`."""
        self.findings.append(Finding(rule, bool(ok), str(expected), str(got), self.recent() if not ok else []))
        return bool(ok)

    def equal(self, rule: str, expected: Any, got: Any, what: str = "") -> bool:
        """Check got == expected (money as Decimal compares to the cent)."""
        label = f"{what}: " if what else ""
        return self.check(rule, got == expected, f"{label}{expected!r}", f"{label}{got!r}")

    def ok(self, rule: str, ex: Exchange, what: str = "") -> Any:
        """Insist on status 1 (the rules say the call must succeed); returns data, else aborts."""
        p = ex.payload
        if isinstance(p, dict) and p.get("status") == 1:
            return p.get("data")
        got = p.get("msg") if isinstance(p, dict) and "msg" in p else (p if p is not None else ex.error)
        self.check(rule, False, f"{what or ex.method} succeeds (status 1)", f"{got!r}")
        raise Abort(rule)

    def succeeds(self, rule: str, ex: Exchange, what: str = "") -> Any:
        """Judge `rule` by the call succeeding (status 1): a held finding, or a broken one and abort."""
        data = self.ok(rule, ex, what)
        self.check(rule, True, f"{what or ex.method} succeeds", "status 1")
        return data

    def refused(self, rule: str, ex: Exchange, what: str = "") -> bool:
        """Check the call was refused (status 0)."""
        p = ex.payload
        ok = isinstance(p, dict) and p.get("status") == 0
        return self.check(rule, ok, f"{what or ex.method} refused (status 0)",
                          "status 1" if isinstance(p, dict) and p.get("status") == 1 else repr(p))

    def refused_as(self, rule: str, ex: Exchange, key: str, *args: Any, what: str = "") -> bool:
        """Check the call was refused (under `rule`) in the model's words for `key` in the dialect (TEXT-DIALECT:
        word for word on the mock; elsewhere the reference's or evidence's words, any text where they are ours)."""
        if not self.refused(rule, ex, what):
            return False
        expected = predicted_text(key, self.dialect, self.s.target.mock_dialect is not None, *args)
        got = ex.payload.get("msg")
        label = f"{what or ex.method} ({rule})"
        return self.check("TEXT-DIALECT", not compare(expected, got), f"{label}: msg {show_prediction(expected)}",
                          f"{label}: msg {got!r}")

    def restore_refused(self, rule: str, ex: Exchange, code: str) -> bool:
        """Check a restore call was refused with `code` (its code or phrase form)."""
        p = ex.payload if isinstance(ex.payload, dict) else {}
        got = restore_code(p.get("msg")) if p.get("status") == 0 else None
        shown = p.get("msg") if p.get("status") == 0 else f"status {p.get('status')!r}"
        return self.check(rule, got == code, f"{ex.method} refused with {code}", repr(shown))

    # -- answers in each dialect ------------------------------------------------------------------
    @staticmethod
    def created(data: Any) -> dict:
        """The created order: one object, or the first of a list (the `list` variant)."""
        return (data[0] if isinstance(data, list) and data else data) or {}

    @staticmethod
    def sms_list(data: Any) -> list:
        """The order's own SMS: a list (documented) or `SmsList` (sdk, live)."""
        if isinstance(data, dict):
            return data.get("SmsList") or []
        return data or []

    def order(self, oid: int, who: str = "main", rule: str = "STATE-CREATE") -> dict | None:
        """The order as `orders` shows it now, or None when it is not there."""
        data = self.ok(rule, self.call("orders", who)) or []
        return next((o for o in data if isinstance(o, dict) and o.get("id") == oid), None)

    def history(self, who: str = "main", **paging) -> list:
        """get_rent_history's items."""
        return self.ok("HISTORY-PAGING", self.call("get_rent_history", who, **paging)) or []


@dataclass
class RuleResult:
    """One rule's verdict (contracts/verdict.py's words): held, broken, not applicable or NOT JUDGED, with its
    findings, or the reason and the flag that would judge it."""

    rule: str
    status: str
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)
    flag: str = ""

    @property
    def broken(self) -> list[Finding]:
        """The checks that failed."""
        return [f for f in self.findings if not f.ok]


def verdicts(findings: list[Finding], skipped: dict[str, tuple[str, str]], dialect: str,
             unjudged: dict[str, str]) -> list[RuleResult]:
    """Every rule's result, in table order; `skipped` maps a rule to (why, the flag that would judge it)."""
    out = []
    for rule in RULES:
        mine = [f for f in findings if f.rule == rule.id]
        if not rule.applies_to(dialect):
            out.append(RuleResult(rule.id, NOT_APPLICABLE, f"not a rule of the {dialect} dialect"))
        elif any(not f.ok for f in mine):
            out.append(RuleResult(rule.id, BROKEN, findings=mine))
        elif mine:
            out.append(RuleResult(rule.id, HELD, findings=mine))
        elif rule.id in skipped:
            out.append(RuleResult(rule.id, NOT_JUDGED, skipped[rule.id][0], flag=skipped[rule.id][1]))
        else:
            out.append(RuleResult(rule.id, NOT_JUDGED, unjudged.get(rule.id, "no scenario reached it")))
    return out
