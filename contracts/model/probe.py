"""What a run of the model explored, measured: every decision it took (each way), every time threshold it met
(one second before, at, one second after), and which of two refusals won where both applied.

The model calls `decide`, `edge` and `first_of` at its decision points; the totals are read from the model's own
source (every call with a literal name), so a new decision point counts without a list kept by hand. A dialect
where a decision cannot arise names it (`only=`): the totals of a run in another dialect leave it out."""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

HERE = Path(__file__).resolve().parent
OFFSETS = (-1, 0, 1)


@dataclass
class Taken:
    """What a run took: decision -> the ways taken, threshold -> the offsets met, refusal chain -> pairs."""

    decisions: dict[str, set[bool]] = field(default_factory=dict)
    thresholds: dict[str, set[int]] = field(default_factory=dict)
    refusals: set[tuple[str, str, str]] = field(default_factory=set)  # (chain, winner, the other that applied)
    pairs: set[tuple[str, str]] = field(default_factory=set)  # (what last changed an order, the next call on it)


TAKEN = Taken()
# the pairs: what last changed an order (a call, a control action, time) x the next call on that order
CHANGES = ("create", "create_multi", "activate", "prolong", "prolong_max", "add_service_to_order", "restore_user",
           "delete")
BEFORE = CHANGES + ("expire", "lost", "offline", "online", "sms_arrives")
AFTER = ("activate", "prolong", "prolong_max", "add_service_to_order", "delete", "sms", "restore_user_precalc",
         "restore_user")


def reset() -> Taken:
    """Start measuring afresh (a conform run does, before its first call); returns the new record."""
    global TAKEN
    TAKEN = Taken()
    return TAKEN


def decide(name: str, value: object, only: str | None = None) -> bool:
    """Note which way the decision `name` went; returns it as a bool (use inline: `if decide("x", a > b):`).
    `only`: the dialects (comma-separated) where it can go both ways."""
    TAKEN.decisions.setdefault(name, set()).add(bool(value))
    return bool(value)


def edge(name: str, delta: int, unit: int = 1) -> None:
    """Note how far the threshold `name` was when the model compared against it (`delta` = the compared quantity
    minus the threshold, in seconds; `unit` = 86400 for a threshold counted in whole days)."""
    if delta % unit == 0 and delta // unit in OFFSETS:
        TAKEN.thresholds.setdefault(name, set()).add(delta // unit)


def pair(before: str, after: str) -> None:
    """Note that `after` was called on an order that `before` changed last."""
    TAKEN.pairs.add((before, after))


def first_of(chain: str, checks: Iterable[tuple[str, bool | None]], apart: tuple[str, ...] = (),
             only: dict[str, str] | None = None) -> str | None:
    """The first failing check of a refusal chain, in the service's order (None: none fails). Every check up to
    the first failing one is noted as a decision ("<chain>.<check>"; None: it could not be told here, e.g. no
    country to look in), and every later check that also failed as a pair the order decided. `apart`: "A>B,C" (or "A>*") where B and C
    cannot be told once A fails (no country: no service in it), so they never meet A. `only`: check -> the
    dialects where it can fail (as in `decide`)."""
    failing = []
    for label, failed in checks:
        if failed is not None:
            if not failing:  # a check behind one that failed is not a decision the service took
                decide(f"{chain}.{label}", failed)
            if failed:
                failing.append(label)
    for other in failing[1:]:
        TAKEN.refusals.add((chain, failing[0], other))
    return failing[0] if failing else None


# -- the totals, read from the model's source ----------------------------------------------------------------
@dataclass(frozen=True)
class Points:
    """Every decision, threshold and refusal chain the model's source names (with the dialects they need)."""

    decisions: dict[str, str | None]
    thresholds: dict[str, str | None]
    chains: dict[str, list[str]]
    apart: set[tuple[str, str, str]]  # (chain, a, b): pairs that cannot meet


@functools.lru_cache(maxsize=1)
def points() -> Points:
    """Scan contracts/model/*.py for decide("…"), edge("…") and first_of("…", [("…", …), …])."""
    decisions: dict[str, str | None] = {}
    thresholds: dict[str, str | None] = {}
    chains: dict[str, list[str]] = {}
    apart: set[tuple[str, str, str]] = set()
    for path in sorted(HERE.glob("*.py")):
        if path.name == "probe.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args
                    and isinstance(node.args[0], ast.Constant)):
                continue
            name = node.args[0].value
            only = next((k.value.value for k in node.keywords if k.arg == "only" and isinstance(k.value, ast.Constant)),
                        None)
            if node.func.id == "decide":
                decisions[name] = only
            elif node.func.id == "edge":
                thresholds[name] = only
            elif node.func.id == "first_of" and isinstance(node.args[1], (ast.List, ast.Tuple)):
                labels = [e.elts[0].value for e in node.args[1].elts
                          if isinstance(e, ast.Tuple) and isinstance(e.elts[0], ast.Constant)]
                chains[name] = labels
                for label in labels:
                    decisions[f"{name}.{label}"] = None
                for k in node.keywords:
                    if k.arg == "only":
                        for key, value in zip(k.value.keys, k.value.values):
                            decisions[f"{name}.{key.value}"] = value.value
                    if k.arg == "apart":
                        for spec in (e.value for e in k.value.elts):
                            a, bs = spec.split(">")
                            later = labels[labels.index(a) + 1:] if bs == "*" else bs.split(",")
                            apart |= {(name, a, b) for b in later}
    return Points(decisions, thresholds, chains, apart)


def applies(only: str | None, dialect: str) -> bool:
    """True when a point marked `only` can be reached in `dialect`."""
    return only is None or dialect in only.split(",")


def coverage(dialect: str, taken: Taken | None = None) -> dict[str, dict]:
    """Decisions taken both ways, thresholds met at −1 s, 0 and +1 s, refusal pairs decided: taken of total, and
    what is missing (for the ledger)."""
    taken = taken or TAKEN
    p = points()
    dec = [n for n, only in p.decisions.items() if applies(only, dialect)]
    dec_missing = [f"{n} {'never' if not taken.decisions.get(n) else 'only ' + str(next(iter(taken.decisions[n])))}"
                   for n in dec if taken.decisions.get(n) != {True, False}]
    thr = [n for n, only in p.thresholds.items() if applies(only, dialect)]
    thr_missing = [f"{n} at {o:+d}" for n in thr for o in OFFSETS if o not in taken.thresholds.get(n, set())]
    pairs = [(c, a, b) for c, labels in p.chains.items() for i, a in enumerate(labels) for b in labels[i + 1:]
             if (c, a, b) not in p.apart and all(applies(p.decisions[f"{c}.{x}"], dialect) for x in (a, b))]
    return {
        "branches": {"taken": 2 * len(dec) - len(dec_missing) - sum("never" in m for m in dec_missing),
                     "total": 2 * len(dec), "missing": dec_missing},
        "thresholds": {"taken": 3 * len(thr) - len(thr_missing), "total": 3 * len(thr), "missing": thr_missing},
        "operation pairs": {"taken": len(taken.pairs & {(a, b) for a in BEFORE for b in AFTER}),
                            "total": len(BEFORE) * len(AFTER),
                            "missing": [f"{a} then {b}" for a in BEFORE for b in AFTER if (a, b) not in taken.pairs]},
        "refusal pairs": {"taken": sum(x in taken.refusals for x in pairs), "total": len(pairs),
                          "missing": [f"{c}: {a} with {b}" for c, a, b in pairs if (c, a, b) not in taken.refusals]},
    }
