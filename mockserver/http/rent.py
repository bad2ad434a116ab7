"""The rent.php endpoint: dispatch through the contract registry, validation, dialects, the JSON envelope."""
from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from contracts import registry
from contracts.params import coerce, unknown_params

from ..core import errors as E
from ..core.hub import DEFAULT
from ..core.world import World
from . import catalog_views, order_views
from .context import Call

Handler = Callable[[Call], Any]
HANDLERS: dict[str, Handler] = {
    name: getattr(catalog_views, name, None) or getattr(order_views, name, None) for name in registry.METHODS
}
HANDLERS["prolong_max"] = order_views.prolong
MISSING = [name for name, fn in HANDLERS.items() if fn is None]
assert not MISSING, f"rent.php methods without a handler: {MISSING}"


def error(msg: str) -> dict:
    """The error envelope."""
    return {"status": 0, "msg": msg}


def encode(payload) -> bytes:
    """Compact UTF-8 JSON, as the wire carries it; NaN and infinities raise (they are not JSON)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


@dataclass
class Outcome:
    """The answer to one call, the world it concerned and what the request did against the contract."""

    payload: dict | None
    world: str
    findings: list[str] = field(default_factory=list)
    encoded: bytes | None = None

    @property
    def body(self) -> bytes:
        """The answer as bytes (encoded once)."""
        if self.encoded is None:
            self.encoded = encode(self.payload)
        return self.encoded

    @property
    def msg(self) -> str | None:
        """The refusal's msg (None on success)."""
        if self.payload is not None:
            return self.payload.get("msg")
        return None if self.status == 1 else json.loads(self.encoded).get("msg")

    @property
    def status(self) -> int:
        """The envelope's status."""
        if self.payload is not None:
            return self.payload["status"]
        return 1 if self.encoded.startswith(b'{"status":1') else 0


CACHE_LIMIT = 512

def dispatch(rt, verb: str, query: Mapping[str, str], world_name: str | None = None) -> Outcome:
    """Answer one rent.php request; never raises for bad input.

    `world_name` comes from a world-scoped path (/w/<world>/api/rent.php): keyless calls read that
    world, and an apikey of another world is invalid there. A world found without the hub's lock may be
    replaced (reset, snapshot) before its own lock is held: the call then runs again on the world in place.
    """
    while True:
        outcome = _dispatch(rt, verb, query, world_name)
        if outcome is not None:
            return outcome


def _dispatch(rt, verb: str, query: Mapping[str, str], world_name: str | None) -> Outcome | None:
    """`dispatch` once; None when the world found was retired before its lock was held."""
    hub = rt.hub
    scope_name = world_name or DEFAULT
    if verb not in ("GET", "HEAD"):
        return Outcome(error(E.ONLY_GET), scope_name, [f"non-GET request ({verb})"])
    name = query.get("method")
    if not name:
        return Outcome(error("Missing required parameter: method"), scope_name, ["missing method"])
    spec = registry.method(name)
    if spec is None:
        return Outcome(error(f"Unknown method: {name[:60]}"), scope_name, [f"unknown method {name[:60]!r}"])
    if verb == "HEAD" and spec.mutates:  # HEAD has no side effects: only its headers are answered
        return Outcome(error(E.HEAD_NOT_RUN.format(name)), scope_name, [f"HEAD of {name}, which changes state"])
    scope = hub.worlds.get(scope_name)
    if scope is None:
        return Outcome(error(f"Unknown world: {scope_name[:60]}"), DEFAULT, [])
    apikey = query.get("apikey") or None
    world = hub.world_of(apikey) if apikey else None
    if world_name and world is not None and world is not scope:
        world = None
    values, reasons = coerce(spec, query)
    findings = reasons + [f"unknown parameter {p!r}" for p in unknown_params(spec, query)]
    if spec.apikey == "required":
        if apikey is None:
            return Outcome(error("Missing required parameter: apikey"), scope_name, ["missing apikey", *findings])
        if world is None:
            return Outcome(error(E.BAD_APIKEY), scope_name, findings)
    elif world is None:
        world = scope
    if reasons:
        return Outcome(error("; ".join(reasons)), world.name, findings)
    config = world.config
    call = Call(world, apikey, values, registry.variant(name, config.dialect, config.overrides), config.dialect)
    if not spec.mutates:
        return _read(spec.name, call, findings)
    payload = _run(rt, spec, call, query, world_name)
    return None if payload is None else Outcome(payload, world.name, findings)


_CACHES: "weakref.WeakKeyDictionary[World, dict]" = weakref.WeakKeyDictionary()


def _read(name: str, call: Call, findings: list[str]) -> Outcome | None:
    """A read-only call, answered from the world's cache while nothing changed and time stood still."""
    world = call.world
    with world.lock:
        if world.retired:
            return None
        now = world.now()
        frozen = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(call.values.items()))
        key = (name, call.variant, call.dialect, call.apikey, frozen, now, world.version)
        cache = _CACHES.get(world)
        if cache is None:
            cache = _CACHES.setdefault(world, {})
        hit = cache.get(key)
        if hit is None:
            payload = _answer(name, call)
            hit = encode(payload)
            if len(cache) >= CACHE_LIMIT:
                cache.clear()
            cache[key] = hit
    return Outcome(None, world.name, findings, hit)


def _run(rt, spec: registry.Method, call: Call, query: Mapping[str, str], world_name: str | None) -> dict | None:
    """Run the handler (None if the world was retired); changes are logged under the world's lock before the answer."""
    world: World = call.world
    with world.lock:
        if world.retired:
            return None
        if rt.store is None:
            return _scripted(spec.name, call)
        rt.begin()
        payload = _scripted(spec.name, call)
        rt.record("rent", spec.name, world, {"query": dict(query), "scope": world_name})
        return payload


def _scripted(name: str, call: Call) -> dict:
    """`_answer`, with the world's script told before (it may refuse the call) and after (on success)."""
    world = call.world
    if world.script is None:
        return _answer(name, call)
    with world.pinned():  # the triggers and the call see one "now": the one the state file logs
        try:
            world.script.before(world, name, call.values, call.apikey)
        except E.DomainError as exc:
            return error(E.wire_text(exc, call.dialect))
        payload = _answer(name, call)
        if payload["status"] == 1:
            world.script.after(world, name, call.values, call.apikey, _orders_of(world, name, call, payload))
        return payload


def _orders_of(world: World, name: str, call: Call, payload: dict) -> list:
    """The orders a successful call made (create, create_multi) or named (its `id`)."""
    if name in ("create", "create_multi"):
        data = payload.get("data")
        items = data if isinstance(data, list) else [data]
        ids = [item["id"] for item in items if isinstance(item, dict) and "id" in item]
    else:
        ids = [call.get("id")]
    return [world.orders[i] for i in ids if i in world.orders]


def _answer(name: str, call: Call) -> dict:
    try:
        data = HANDLERS[name](call)
    except E.DomainError as exc:
        return error(E.wire_text(exc, call.dialect))
    return {"status": 1} if data is None else {"status": 1, "data": data}
