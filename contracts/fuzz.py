"""Property-based testing of any rent.php server over HTTP: schemathesis generates the calls from the
OpenAPI document, our guarded client sends them (a spending call never leaves unless allowed), and the
in-band checks judge every answer."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from .client import RentClient, SpendGuard, SpendRefused
from .inband import answer_reasons, envelope_reasons
from .openapi import openapi
from .registry import METHODS


@dataclass
class FuzzResult:
    """Findings of a run, per operation."""

    calls: int = 0
    failures: list[dict] = field(default_factory=list)
    stopped: int = 0  # generated calls the spend guard kept from the network
    skipped_operations: list[str] = field(default_factory=list)
    spending: str = ""  # what was spent and what the budget skipped


def _flat(query: dict | None) -> dict[str, str] | None:
    """The query as single strings, or None when a value has no single wire form."""
    out = {}
    for key, value in (query or {}).items():
        first = value[0] if isinstance(value, list) and value else value
        if isinstance(first, (dict, list)):
            return None
        out[str(key)] = "" if first is None else (str(first).lower() if isinstance(first, bool) else str(first))
    return out


def fuzz(base_url: str, apikey: str | None = None, dialect: str = "documented", examples: int = 20,
         allow_spend: bool = False, pace: float = 0.0, seed: int | None = 0, max_spend: Decimal | None = None,
         on_operation: Callable[[int, int, str], None] | None = None) -> FuzzResult:
    """Generate positive and negative calls for every operation and judge the answers (`on_operation`: progress)."""
    import schemathesis
    from schemathesis import GenerationMode

    result = FuzzResult()
    client = RentClient(base_url, apikey, SpendGuard(allow=allow_spend, max_spend=max_spend), pace)
    schema = schemathesis.openapi.from_dict(openapi(dialect, server=base_url))
    operations = [item.ok() for item in schema.get_all_operations()]
    for done, op in enumerate(operations):
        name = op.definition.raw["operationId"]
        if on_operation is not None:
            on_operation(done, len(operations), name)
        if METHODS[name].spends and not allow_spend:
            result.skipped_operations.append(name)
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(op, mode, client, dialect, examples, seed, result, name)
    result.spending = client.guard.summary()
    return result


def _run(op, mode, client: RentClient, dialect: str, examples: int, seed, result: FuzzResult, name: str) -> None:
    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is not None,
              suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def check(case):
        query = _flat(case.query)
        if query is None:
            return
        method = query.pop("method", None)
        if client.apikey and METHODS[name].apikey != "none":
            query.setdefault("apikey", client.apikey)
        try:
            ex = client.call(method, verb=case.method.upper(), with_key=False, **query)
        except SpendRefused:
            result.stopped += 1
            return
        result.calls += 1
        reasons = envelope_reasons(ex.http_status or 0, ex.payload) if ex.payload is not None else [ex.error]
        if ex.payload is not None:
            sent = {k: str(v) for k, v in ex.params.items()}
            reasons += answer_reasons(case.method.upper(), sent, ex.payload, dialect)
        if reasons:
            result.failures.append({"operation": name, "mode": mode.value, "verb": case.method.upper(),
                                    "params": {k: v for k, v in ex.params.items() if k != "apikey"},
                                    "reasons": reasons})

    try:
        check()
    except Unsatisfiable:
        pass
