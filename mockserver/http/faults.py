"""Fault injection on the wire: per world and per method, for the next N calls, with a seeded probability."""
from __future__ import annotations

import itertools
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

KINDS = ("latency", "status0", "http", "malformed", "truncated", "drop", "rate_limit", "banned")
# Rules for the account API (/priemnik.php) name it, or one of its methods; "*" means every rent.php call.
ACCOUNT_ALL = "priemnik.php"
ACCOUNT_RULE_METHODS = (ACCOUNT_ALL, "get_balance", "get_userinfo")


LATENCY_MAX_MS = 60_000  # a minute: past it a call would hold a worker thread for nothing a client can tell apart


def latency_problem(value: object) -> str | None:
    """Why `value` is no latency_ms (None when it is one): milliseconds, or [min, max] with min <= max, within
    0..LATENCY_MAX_MS, so a range cannot escape the bound a single value has, nor be read the wrong way round."""
    def ms(v: object) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= LATENCY_MAX_MS
    if ms(value) or (isinstance(value, list) and len(value) == 2 and all(map(ms, value)) and value[0] <= value[1]):
        return None
    return (f"latency_ms: {value}: give milliseconds from 0 to {LATENCY_MAX_MS}, or [min, max] with min <= max "
            "within them")


def rule_problem(method: str, kind: str) -> str | None:
    """Why a rule of `kind` cannot apply to `method` (None when it can)."""
    if kind == "banned" and method not in ACCOUNT_RULE_METHODS:
        return (f"banned answers the account API's response \"6\": give method {', '.join(ACCOUNT_RULE_METHODS)}, "
                f"not {method!r}")
    return None


@dataclass
class FaultRule:
    """One rule: `kind` with its settings, for `method` ("*": all), `times` calls (None: until cleared)."""

    id: int
    world: str
    method: str
    kind: str
    times: int | None = None
    probability: float = 1.0
    latency_ms: tuple[int, int] = (0, 0)
    msg: str = "Service temporarily unavailable"
    http_status: int = 503
    per_second: int = 1  # rate_limit: calls per apikey in any `window` seconds
    window: float = 1.0
    skip: int = 0  # matching calls let through before the rule applies
    hits: int = 0
    _calls: dict[str, deque] = field(default_factory=dict, repr=False)
    _sweep_at: int = field(default=64, repr=False)  # apikeys held when the idle ones are next let go

    def as_json(self) -> dict:
        """The rule as the control API lists it."""
        out = {"id": self.id, "world": self.world, "method": self.method, "kind": self.kind,
               "times": self.times, "probability": self.probability, "hits": self.hits}
        limit = {"per_second": self.per_second} if self.window == 1.0 else {"per_minute": self.per_second}
        extra = {"latency": {"latency_ms": list(self.latency_ms)}, "status0": {"msg": self.msg},
                 "http": {"http_status": self.http_status}, "rate_limit": limit}
        out.update(extra.get(self.kind, {}))
        if self.skip:
            out["skip"] = self.skip
        return out


@dataclass
class Decision:
    """What the wire should do to one call."""

    delay: float = 0.0
    reply: str | None = None  # "status0" | "http" | "malformed" | "truncated" | "drop" | "rate_limit"
    rule: FaultRule | None = None


class FaultBook:
    """Every world's fault rules; decisions use a seeded RNG per world."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic, seed: int = 0):
        self.monotonic = monotonic
        self.seed = seed
        self.lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self._rngs: dict[str, random.Random] = {}
        self._ids = itertools.count(1)

    def add(self, world: str, method: str, kind: str, **settings) -> FaultRule:
        """Add a rule; returns it."""
        with self.lock:
            rule = FaultRule(next(self._ids), world, method, kind, **settings)
            self.rules.append(rule)
            return rule

    def listing(self, world: str) -> list[dict]:
        """A world's rules."""
        with self.lock:
            return [r.as_json() for r in self.rules if r.world == world]

    def clear(self, world: str, rule_id: int | None = None) -> int:
        """Remove one rule, or all of a world's; returns how many went."""
        with self.lock:
            keep = [r for r in self.rules if r.world != world or (rule_id is not None and r.id != rule_id)]
            gone = len(self.rules) - len(keep)
            self.rules = keep
            return gone

    def decide(self, world: str, method: str, apikey: str | None, account: bool = False) -> Decision:
        """Apply the matching rules to one call (of the account API when `account`), in the order added."""
        decision = Decision()
        if not self.rules:
            return decision
        every = ACCOUNT_ALL if account else "*"
        with self.lock:
            rng = self._rngs.setdefault(world, random.Random(f"{self.seed}:{world}"))
            for rule in list(self.rules):
                if rule.world != world or rule.method not in (every, method):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if rule.kind == "rate_limit":
                    if self._over_limit(rule, apikey or "") and decision.reply is None:
                        decision.reply, decision.rule = "rate_limit", rule
                        rule.hits += 1
                    continue
                if rule.probability < 1.0 and rng.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.kind == "latency":
                    low, high = rule.latency_ms
                    decision.delay += (rng.uniform(low, high) if high > low else low) / 1000
                elif decision.reply is None:
                    decision.reply, decision.rule = rule.kind, rule
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.rules.remove(rule)
        return decision

    def _over_limit(self, rule: FaultRule, apikey: str) -> bool:
        """Sliding window (one second unless the rule says) per apikey."""
        now = self.monotonic()
        book = rule._calls
        if len(book) >= rule._sweep_at:  # a key with no call in the window holds nothing worth keeping
            for key in [k for k, q in book.items() if not q or q[-1] <= now - rule.window]:
                del book[key]
            rule._sweep_at = 2 * len(book) + 64  # amortised: a sweep per as many new keys as are held
        calls = book.setdefault(apikey, deque())
        while calls and calls[0] <= now - rule.window:
            calls.popleft()
        if len(calls) >= rule.per_second:
            return True
        calls.append(now)
        return False
