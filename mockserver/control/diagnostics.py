"""Control operations on runtime diagnostics: fault rules on the wire and the request journal."""
from __future__ import annotations

from ..http.faults import rule_problem
from . import bodies
from .ops import ControlError, op


@op("faults.add", bodies.FAULT)
def add_fault(rt, body, world):
    """Add a fault rule for a method (or "*") of the world."""
    method = body.get("method", "*")
    problem = rule_problem(method, body["kind"])
    if problem:
        raise ControlError(400, f"kind: {problem}")
    latency = body.get("latency_ms", 0)
    settings = {k: body[k] for k in ("times", "probability", "msg", "http_status", "per_second", "skip") if k in body}
    if body["kind"] == "latency":
        settings["latency_ms"] = tuple(latency) if isinstance(latency, list) else (latency, latency)
    rule = rt.faults.add(world.name, method, body["kind"], **settings)
    return rule.as_json(), 201


@op("faults.list")
def list_faults(rt, body, world):
    """The world's fault rules."""
    return {"faults": rt.faults.listing(world.name)}, 200


@op("faults.clear", bodies.FAULT_GONE)
def clear_faults(rt, body, world):
    """Remove one rule (`id`) or all of the world's."""
    gone = rt.faults.clear(world.name, body.get("id"))
    if body.get("id") is not None and not gone:
        raise ControlError(404, f"unknown fault rule {body['id']}")
    return {"cleared": gone}, 200


@op("journal.show", bodies.JOURNAL)
def journal(rt, body, world):
    """The world's recent requests, filtered by method and apikey; `dropped`: how many older ones the journal
    let go for room (its size, the server's budget), so a reader knows its view is not the whole."""
    book = rt.journal(world.name)
    entries = book.query(body.get("method"), body.get("apikey"), body.get("limit", 100))
    return {"world": world.name, "size": book.size, "dropped": book.dropped, "entries": entries}, 200


@op("journal.clear")
def clear_journal(rt, body, world):
    """Empty the world's journal."""
    return {"cleared": rt.clear_journal(world.name)}, 200
