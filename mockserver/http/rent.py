"""The rent.php endpoint: dispatch through the contract registry, validation, dialects, the JSON envelope."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from contracts import registry
from contracts.params import coerce

from ..core import errors as E
from ..core.hub import DEFAULT, Hub
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


def dispatch(hub: Hub, verb: str, query: Mapping[str, str], world_name: str | None = None) -> dict:
    """Answer one rent.php request; always a JSON-ready envelope, never an exception for bad input.

    `world_name` comes from a world-scoped path (/w/<world>/api/rent.php): keyless calls read that
    world, and an apikey of another world is invalid there.
    """
    if verb not in ("GET", "HEAD"):
        return error(E.ONLY_GET)
    name = query.get("method")
    if not name:
        return error("Missing required parameter: method")
    spec = registry.method(name)
    if spec is None:
        return error(f"Unknown method: {name[:60]}")
    scope = hub.worlds.get(world_name or DEFAULT)
    if scope is None:
        return error(f"Unknown world: {world_name[:60]}")
    apikey = query.get("apikey") or None
    world = hub.world_of(apikey) if apikey else None
    if world_name and world is not None and world is not scope:
        world = None
    if spec.apikey == "required":
        if apikey is None:
            return error("Missing required parameter: apikey")
        if world is None:
            return error(E.BAD_APIKEY)
    elif world is None:
        world = scope
    values, reasons = coerce(spec, query)
    if reasons:
        return error("; ".join(reasons))
    config = world.config
    call = Call(world, apikey, values, registry.variant(name, config.dialect, config.overrides))
    try:
        data = HANDLERS[name](call)
    except E.DomainError as exc:
        return error(exc.msg)
    return {"status": 1} if data is None else {"status": 1, "data": data}
