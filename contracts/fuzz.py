"""Property-based testing of any rent.php server over HTTP: schemathesis generates the calls from the
OpenAPI document, our guarded client sends them (a spending call never leaves unless allowed), and the
in-band checks judge every answer. Positive calls of the spending methods are aimed at what can be rented
(country/service pairs of the server's catalogue, the account's own orders), so they are judged, not refused."""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from .client import RentClient, SpendGuard, SpendRefused
from .fetch import Fetcher
from .inband import answer_reasons, envelope_reasons
from .openapi import openapi
from .registry import METHODS
from .target import TargetLost
from .verdict import Ledger

FLAG_SPEND = "--allow-spend --max-spend AMOUNT"


@dataclass
class FuzzResult:
    """Findings of a run, per operation, and the coverage ledger."""

    calls: int = 0
    failures: list[dict] = field(default_factory=list)
    stopped: int = 0  # generated calls the spend guard kept from the network
    skipped_operations: list[str] = field(default_factory=list)
    spending: str = ""  # what was spent and what the budget skipped
    ledger: Ledger = field(default_factory=lambda: Ledger("operations"))
    per_op: dict[str, dict[str, int]] = field(default_factory=dict)  # operation -> calls, stopped, failures


def _flat(query: dict | None) -> dict[str, str] | None:
    """The query as single strings, or None when a value has no single wire form."""
    out = {}
    for key, value in (query or {}).items():
        first = value[0] if isinstance(value, list) and value else value
        if isinstance(first, (dict, list)):
            return None
        out[str(key)] = "" if first is None else (str(first).lower() if isinstance(first, bool) else str(first))
    return out


def aim(name: str, query: dict[str, str], pairs: list[tuple[str, str]], orders: list[int]) -> None:
    """Point a positive call of a spending method at something rentable: a catalogue pair, an order of ours.

    The choice is drawn from the generated values (a hash), so a seed still gives the same calls."""
    pick = zlib.crc32(repr(sorted(query.items())).encode())
    if pairs and "country" in query:
        country, service = pairs[pick % len(pairs)]
        query["country"] = country
        if "service" in query:
            query["service"] = service
        if "services" in query:
            same = [s for c, s in pairs if c == country]
            query["services"] = ",".join(dict.fromkeys([service] + same[1:2]))
        query.pop("provider", None)
    elif pairs and "service" in query:
        query["service"] = pairs[pick % len(pairs)][1]
    if orders and "id" in query:
        query["id"] = str(orders[pick % len(orders)])


def fuzz(base_url: str, apikey: str | None = None, dialect: str = "documented", examples: int = 20,
         allow_spend: bool = False, pace: float = 0.0, seed: int | None = 0, max_spend: Decimal | None = None,
         on_operation: Callable[[int, int, str], None] | None = None, fetcher: Fetcher | None = None) -> FuzzResult:
    """Generate positive and negative calls for every operation and judge the answers (`on_operation`: progress)."""
    import schemathesis
    from schemathesis import GenerationMode

    result = FuzzResult()
    client = RentClient(base_url, apikey, SpendGuard(allow=allow_spend, max_spend=max_spend), pace, fetcher=fetcher)
    pairs = [(c, s) for c, s, _, _ in client.offers()] if allow_spend else []
    schema = schemathesis.openapi.from_dict(openapi(dialect, server=base_url))
    operations = [item.ok() for item in schema.get_all_operations()]
    for done, op in enumerate(operations):
        name = op.definition.raw["operationId"]
        if on_operation is not None:
            on_operation(done, len(operations), name)
        result.per_op[name] = {"calls": 0, "stopped": 0, "failures": 0}
        if METHODS[name].spends and not allow_spend:
            result.skipped_operations.append(name)
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(op, mode, client, dialect, examples, seed, result, name, pairs)
    result.spending = client.guard.summary()
    result.ledger = ledger(result, apikey, client.guard)
    return result


def ledger(result: FuzzResult, apikey: str | None, guard: SpendGuard) -> Ledger:
    """Each operation held, broken or NOT JUDGED, with why and the flag that would judge it."""
    led = Ledger("operations")
    for name, counts in result.per_op.items():
        failures = [f for f in result.failures if f["operation"] == name]
        if failures:
            led.broken(name, f"{len(failures)} calls failed; first: {'; '.join(failures[0]['reasons'])[:300]}")
        elif name in result.skipped_operations:
            led.not_judged(name, "it spends money", FLAG_SPEND)
        elif counts["calls"] == 0 and counts["stopped"]:
            unknown = sum(1 for s in guard.unknown if s.startswith(f"{name}:"))
            led.not_judged(name, f"the spend guard stopped all {counts['stopped']} generated calls "
                                 f"({unknown} cost unknown, {counts['stopped'] - unknown} over the budget)",
                           "--max-spend AMOUNT (more)")
        elif counts["calls"] == 0:
            led.not_judged(name, "no call could be generated for it", "--examples N (more)")
        elif METHODS[name].apikey == "required" and not apikey:
            led.not_judged(name, "no account: only its refusals could be judged", "--apikey KEY")
        else:
            led.held(name)
    return led


def _run(op, mode, client: RentClient, dialect: str, examples: int, seed, result: FuzzResult, name: str,
         pairs: list[tuple[str, str]]) -> None:
    lost: list[TargetLost] = []
    counts = result.per_op[name]

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is not None,
              suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def check(case):
        query = _flat(case.query)
        if query is None or lost:
            return
        method = query.pop("method", None)
        positive = mode.value == "positive"
        if client.apikey and METHODS[name].apikey != "none" and (positive or "apikey" not in query):
            query["apikey"] = client.apikey  # a generated key would only ever be refused
        if positive and METHODS[name].spends:
            aim(name, query, pairs, sorted(client.guard.orders))
        try:
            ex = client.call(method, verb=case.method.upper(), with_key=False, **query)
        except SpendRefused:
            result.stopped += 1
            counts["stopped"] += 1
            return
        except TargetLost as exc:  # stop generating: every further call would wait out the deadline too
            lost.append(exc)
            return
        result.calls += 1
        counts["calls"] += 1
        reasons = envelope_reasons(ex.http_status or 0, ex.payload) if ex.payload is not None else [ex.error]
        if ex.payload is not None:
            sent = {k: str(v) for k, v in ex.params.items()}
            reasons += answer_reasons(case.method.upper(), sent, ex.payload, dialect)
        if reasons:
            counts["failures"] += 1
            result.failures.append({"operation": name, "mode": mode.value, "verb": case.method.upper(),
                                    "params": {k: v for k, v in ex.params.items() if k != "apikey"},
                                    "reasons": reasons})

    try:
        check()
    except Unsatisfiable:
        pass
    if lost:
        raise lost[0]
